"""The news sentiment index over time, from the sentiment model's per-document scores.

index(day) = mean over the day's scored documents of p_positive - p_negative, in [-1, 1]; the
7-day figure weights days by their document counts. Documents without a publication time (the
Financial PhraseBank corpus has none) are dated by their first ingest, and say so in `date_source`.
A day runs from midnight to midnight in the lake's day zone (RISK_NEWS_DAY_ZONE, UTC when unset),
which each row names in `day_zone`.
Each day also counts its documents by `sample` (the scoring version trained on the sentence, held
it out, or never saw it) and gives the index of the unseen ones alone: a score of a sentence the
model trained on is learned, not judged, and on the sample corpus almost every document is one.
Documents whose file marks them in a language other than English (ml.news_scores.language) are left
out of the figures: the model reads English only, so their scores say little; each day counts them in
`documents_not_english` (a day of such documents only has 0 documents and no index), and
`not_english_left_out` counts them per language.
Tables read: ml.news_scores (doc_id, p_negative, p_neutral, p_positive, sample), marts.news_features
(published_at), raw.news (_ingested_at).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

import duckdb
import polars as pl

from risk_assets.lib.ingest.landing import last_loaded_at
from risk_assets.lib.lake import table_exists
from risk_assets.lib.ml.registry import champion, operator_restore, trained_short, version_row
from risk_assets.lib.ml.sentiment import MODEL_NAME
from risk_assets.lib.ml.sentiment_scoring import (
    UNKNOWN,
    date_only_sql,
    day_sql,
    has_language_column,
    has_sample_column,
    news_day_zone,
    not_english_scored,
)
from risk_assets.lib.monitoring import tables
from risk_assets.lib.schema import in_english_sql
from risk_assets.lib.monitoring.retrain import SentimentAttempt, SentimentFirstModelSnapshot, SentimentSnapshot

_TREND_SQL = """
WITH docs AS (
    SELECT s.doc_id, s.p_negative, s.p_neutral, s.p_positive, {sample} AS sample, {english} AS english,
           f.published_at, {date_only} AS published_date_only,
           (SELECT min(r._ingested_at) FROM raw.news r WHERE r.doc_id = s.doc_id) AS ingested_at
    FROM (SELECT DISTINCT ON (doc_id) * FROM ml.news_scores) s
    LEFT JOIN marts.news_features f USING (doc_id)
), dated AS (
    SELECT {day} AS day,
           CASE WHEN published_at IS NULL THEN 'ingested' ELSE 'published' END AS date_source,
           p_positive - p_negative AS polarity, sample, english,
           (p_negative >= p_neutral AND p_negative >= p_positive)::INTEGER AS is_negative
    FROM docs
), daily AS (  -- the figures read the English documents; the others are only counted
    SELECT day, date_source, count(*) FILTER (WHERE english) AS documents,
           avg(polarity) FILTER (WHERE english) AS sentiment_index,
           avg(is_negative) FILTER (WHERE english) AS negative_share,
           sum(polarity) FILTER (WHERE english) AS polarity_sum,
           count(*) FILTER (WHERE english AND sample = 'train') AS documents_train,
           count(*) FILTER (WHERE english AND sample = 'holdout') AS documents_holdout,
           count(*) FILTER (WHERE english AND sample = 'unseen') AS documents_unseen,
           avg(polarity) FILTER (WHERE english AND sample = 'unseen') AS sentiment_index_unseen,
           count(*) FILTER (WHERE NOT english) AS documents_not_english
    FROM dated GROUP BY day, date_source
)
SELECT day, date_source, documents, sentiment_index, negative_share,
       sum(polarity_sum) OVER w / nullif(sum(documents) OVER w, 0) AS index_7d,
       documents_train, documents_holdout, documents_unseen, sentiment_index_unseen, documents_not_english
FROM daily
WINDOW w AS (PARTITION BY date_source ORDER BY day RANGE BETWEEN INTERVAL 6 DAY PRECEDING AND CURRENT ROW)
ORDER BY day, date_source
"""


def sentiment_trend(con: duckdb.DuckDBPyConnection, zone: str | None = None) -> pl.DataFrame:
    """Rows of monitoring.news_sentiment_trend (one per day and date source), computed_at = now (UTC).

    zone: the time zone whose days the rows count, publication and ingestion days alike
    (sentiment_scoring.day_sql; a publication date written without a time on its own date in every
    zone), recorded in day_zone; None reads RISK_NEWS_DAY_ZONE
    (sentiment_scoring.news_day_zone, UTC when unset), as ml.news_sentiment_daily does. Raises
    DayZoneError when zone is None and that setting names no time zone.

    Empty, with the table's schema, while ml.news_scores does not exist. Scores written before
    ml.news_scores had its `sample` column count as unknown: in `documents`, in none of
    documents_train / _holdout / _unseen. Documents marked in a language other than English are
    left out of the figures, counted per day in documents_not_english (a day of only those: a row
    with documents 0, sentiment_index, negative_share, index_7d NULL) and per language by
    `not_english_left_out`; scores written before ml.news_scores had its `language` column count as
    English.
    """
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'ml' AND table_name = 'news_scores'"
    ).fetchone()[0]
    if not exists:
        return pl.DataFrame(schema=tables.NEWS_SENTIMENT_TREND.schema)
    sample = "s.sample" if has_sample_column(con) else f"'{UNKNOWN}'"
    english = in_english_sql("s") if has_language_column(con) else "true"
    zone = news_day_zone() if zone is None else zone
    date_only = date_only_sql(con, "f")  # a date written alone: its own date in every zone
    day = day_sql("coalesce(published_at, ingested_at)", zone, None if date_only is None else "published_date_only")
    frame = pl.from_arrow(con.execute(_TREND_SQL.format(sample=sample, english=english, day=day,
                                                        date_only=date_only or "NULL")).fetch_arrow_table())
    return frame.with_columns(day_zone=pl.lit(zone), computed_at=pl.lit(datetime.now(timezone.utc).replace(tzinfo=None)))


def not_english_left_out(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, int], str]:
    """The scored documents `sentiment_trend` leaves out for being marked in a language other than
    English: ({language: documents}, most first; {} when none) and a sentence for the asset's
    metadata and preview, e.g. '3 documents left out: their files mark them in a language other than
    English (fi 2, de-de 1), which the sentiment model does not read'; '' when none is."""
    counts = not_english_scored(con) if table_exists(con, "ml.news_scores") else {}
    total = sum(counts.values())
    if not total:
        return {}, ""
    return counts, (f"{total:,} document{'s' * (total != 1)} left out: {'their files mark them' if total != 1 else 'its file marks it'} "
                    f"in a language other than English ({', '.join(f'{language} {n:,}' for language, n in counts.items())}), "
                    "which the sentiment model does not read")


def trend_dating(frame: pl.DataFrame) -> str:
    """How the rows of a sentiment_trend frame are dated, for the asset's metadata and preview: the
    days (and documents) dated by ingestion, not publication, first, since those rows are no day's
    market sentiment.

    '1 day dated by ingestion, not publication (5,318 documents without a publication date, dated by
    the day they were ingested: not that day's market sentiment); 0 days by publication date'. A row
    whose documents were all left out (documents 0: not in English) has no index and is no day here."""
    frame = frame.filter(pl.col("documents") > 0)
    if frame.height == 0:
        return "no rows: no scored document"
    by_source = {source: (int(days), int(documents)) for source, days, documents in frame.group_by("date_source").agg(
        pl.len(), pl.col("documents").sum()).iter_rows()}
    published_days, published_documents = by_source.get("published", (0, 0))
    by_publication = (f"{published_days:,} day{'s' * (published_days != 1)} by publication date"
                      + (f" ({published_documents:,} documents)" if published_days else ""))
    if "ingested" not in by_source:
        return f"every row dated by publication: {by_publication}"
    days, documents = by_source["ingested"]
    return (f"{days:,} day{'s' * (days != 1)} dated by ingestion, not publication ({documents:,} documents without a "
            "publication date, dated by the day they were ingested: not that day's market sentiment); "
            f"{by_publication}")


def sentiment_snapshot(con: duckdb.DuckDBPyConnection) -> SentimentSnapshot | None:
    """The sentiment retrain decision's input: the news_sentiment champion (ml.model_registry),
    the labelled raw.news rows it has not seen (ingested after the newest labelled file its
    training read landed, `labelled_news_through` in its meta.json; after it was trained when the
    artifact does not say), the operator's restore behind it (if any), when the newest news file
    was loaded and, when its time budget cut its training short, its (steps, planned_steps)
    (`registry.trained_short`). None while there is no champion."""
    row = champion(con, MODEL_NAME)
    if row is None:
        return None
    since = _labelled_news_through(row) or row["trained_at"]
    new_labelled = con.execute("SELECT count(*) FROM raw.news WHERE label IS NOT NULL AND _ingested_at > ?",
                               [since]).fetchone()[0] if table_exists(con, "raw.news") else 0
    return SentimentSnapshot(
        model=MODEL_NAME, champion_version=row["version"], trained_at=row["trained_at"],
        new_labelled_articles=int(new_labelled), counted_since=since,
        restored=operator_restore(con, MODEL_NAME, row["version"]), last_landed_at=last_loaded_at(con, "news"),
        trained_short=trained_short(con, MODEL_NAME).get((MODEL_NAME, row["version"])),
    )


def sentiment_first_model(con: duckdb.DuckDBPyConnection) -> SentimentFirstModelSnapshot | None:
    """The first-model decision's input while the news sentiment model has no champion: the
    labelled raw.news rows, and the latest training tried on labelled articles (the newest version
    in ml.model_registry, or a newer refusal in ml.model_metrics, split 'all', that read some:
    `sentiment_pipeline.record_refusal`) with the labelled rows ingested after it could read them.
    None while a champion stands or before any news landed (no raw.news)."""
    if champion(con, MODEL_NAME) is not None or not table_exists(con, "raw.news"):
        return None
    tried, through = _latest_try(con)
    (labelled,) = con.execute("SELECT count(*) FROM raw.news WHERE label IS NOT NULL").fetchone()
    new_labelled = labelled if through is None else con.execute(
        "SELECT count(*) FROM raw.news WHERE label IS NOT NULL AND _ingested_at > ?", [through]).fetchone()[0]
    return SentimentFirstModelSnapshot(model=MODEL_NAME, labelled=int(labelled), new_labelled=int(new_labelled),
                                       tried=tried, tried_through=through)


def _latest_try(con: duckdb.DuckDBPyConnection) -> tuple[str | None, datetime | None]:
    """(the latest training on labelled articles in words, when the newest labelled article it could
    read had landed), or (None, None) when none was tried (`_tries`)."""
    latest = _tries(con)
    if latest is None:
        return None, None
    words = latest.reason if latest.status == "refused" else f"version {latest.version} {latest.status}: {latest.reason}"
    return words, latest.through


class _Try(NamedTuple):
    """A training of the sentiment model on labelled articles."""

    tried_at: datetime
    version: str
    status: str
    """Its version's status in ml.model_registry, or 'refused'."""
    reason: str
    through: datetime
    """UTC: when the newest labelled article it could read had landed."""


def _tries(con: duckdb.DuckDBPyConnection, after: datetime = datetime(1, 1, 1)) -> _Try | None:
    """The latest training on labelled articles after `after` (UTC), or None. A version registered counts from its meta.json's `labelled_news_through` (its registration when
    not recorded), a refusal (ml.model_metrics, split 'all', NULL macro_f1 with `n_labelled` > 0:
    `sentiment_pipeline.record_refusal`) from when it was recorded. The gate's reason loses the
    verdict it starts with, which the status says."""
    tries: list[_Try] = []
    if table_exists(con, "ml.model_registry"):
        (latest,) = con.execute("SELECT arg_max(version, trained_at) FROM ml.model_registry WHERE model = ? "
                                "AND trained_at > ?", [MODEL_NAME, after]).fetchone()
        row = None if latest is None else version_row(con, MODEL_NAME, latest)
        if row is not None:
            reason = (row["reason"] or "").removeprefix(row["status"] + ": ")
            tries.append(_Try(row["trained_at"], row["version"], row["status"], reason,
                              _labelled_news_through(row) or row["trained_at"]))
    if table_exists(con, "ml.model_metrics"):
        refused = con.execute(
            "SELECT max(recorded_at) AS refused_at, version, arg_max(reason, recorded_at) FILTER (WHERE metric = 'macro_f1') "
            "FROM ml.model_metrics WHERE model = ? AND split = 'all' AND recorded_at > ? GROUP BY version "
            "HAVING max(value) FILTER (WHERE metric = 'n_labelled') > 0 ORDER BY refused_at DESC LIMIT 1",
            [MODEL_NAME, after]).fetchone()
        if refused is not None:
            tries.append(_Try(refused[0], refused[1], "refused", refused[2], refused[0]))
    return max(tries, key=lambda t: t.tried_at) if tries else None


def left_standing(con: duckdb.DuckDBPyConnection, champion: SentimentSnapshot) -> SentimentAttempt | None:
    """The latest training after `champion`'s, when it left the champion standing: refused, or its
    candidate rejected by the gate (`_tries`); with the labelled raw.news rows ingested after it
    could read them. None when none was tried since, or the latest one was neither (a version
    restored or retired by hand)."""
    latest = _tries(con, champion.trained_at) if table_exists(con, "raw.news") else None
    if latest is None or latest.status not in ("refused", "rejected"):
        return None
    (since,) = con.execute("SELECT count(*) FROM raw.news WHERE label IS NOT NULL AND _ingested_at > ?",
                           [latest.through]).fetchone()
    refused = latest.status == "refused"
    return SentimentAttempt(latest.version, latest.tried_at, refused,
                            latest.reason.removeprefix("not trained: ") if refused else latest.reason, int(since))


def _labelled_news_through(champion_row: dict) -> datetime | None:
    """The champion's meta.json `labelled_news_through`, or None (no artifact, or an older one).
    Read as plain JSON (`artifacts.load_meta` would import torch into the sensor's process)."""
    try:
        through = json.loads((Path(champion_row["artifact_path"]) / "meta.json").read_text()).get("labelled_news_through")
    except (OSError, json.JSONDecodeError):
        return None
    return datetime.fromisoformat(through) if through else None
