"""Scoring every article with the champion sentiment model, and the daily sentiment index.

Rows with no usable text (lib.text.is_usable_text: missing, empty, whitespace, a null token such as
'nan', punctuation or markup only) are not scored: they go to quality.quarantine with the rule
`no_usable_text` and the reason, so that
rows in = rows scored + rows quarantined. Headline-only articles arrive with text_field 'headline'
(the news features take the body, else the headline) and are scored from it like any other text.

Each score says whether the version that wrote it saw the article's sentence (`sample`): trained on
it (`train`: the score was learned, near-certainly right, and says nothing of the model), held it out
as its holdout (`holdout`: judged on it when it was gated), or never saw it (`unseen`: a genuine
out-of-sample score). The sentence is its dedupe key (sentiment_data.dedupe_key of text_clean, the
key the training deduplicated by), so a copy of a training sentence in another file, in other case,
spacing or quoting, is `train` too; the artifact's meta.json lists the sha256 digests of the keys it
trained and was judged on (sentiment_pipeline.reserved_sentences reads them). A version trained
before meta.json recorded them gives `unknown`: it cannot tell, and never says `unseen` for it.

Tables:
- ml.news_scores: one row per scored article of marts.news_features (rebuilt on every run).
- ml.news_sentiment_daily: one row per publication day in the lake's day zone (RISK_NEWS_DAY_ZONE,
  `news_day_zone`; UTC when unset, where 20:00 in New York in summer is the next day), named in its
  `day_zone` column, as monitoring.news_sentiment_trend counts its days (a date its file wrote without a
  time, raw.news.published_date_only, on that date in every zone): the count of articles and tickers, the
  net sentiment mean(p_positive - p_negative) in [-1, 1] and the shares labelled negative and
  positive; the day's articles by `sample` (train, holdout, unseen) and the net sentiment of the
  unseen ones alone. Articles without a publication time (the PhraseBank corpus has none) are not in it;
  those whose file marks them in a language other than English (ml.news_scores.language) are only
  counted, in n_not_english: the model reads English only.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Mapping
from datetime import datetime, timezone

import duckdb
import polars as pl

from risk_assets.lib.lake import column_exists, table_exists, transaction
from risk_assets.lib.ml.sentiment import SentimentModel
from risk_assets.lib.ml.sentiment_data import ReservedSentences, dedupe_key, key_digest
from risk_assets.lib.schema import Column, in_english_sql
from risk_assets.lib.text import is_usable_text

SCORING_ASSET = "news_scores"
NO_TEXT_RULE = "no_usable_text"

TRAIN, HOLDOUT, UNSEEN, UNKNOWN = "train", "holdout", "unseen", "unknown"
SAMPLES = (TRAIN, HOLDOUT, UNSEEN, UNKNOWN)
"""Values of ml.news_scores.sample, in the order counts are reported."""

SCORE_COLUMNS = (
    Column("doc_id", "VARCHAR NOT NULL", "Document id of the article in marts.news_features."),
    Column("label", "VARCHAR NOT NULL", "Most probable class: negative, neutral or positive."),
    Column("p_negative", "DOUBLE NOT NULL", "Probability of negative, 0-1 (the three sum to 1)."),
    Column("p_neutral", "DOUBLE NOT NULL", "Probability of neutral, 0-1."),
    Column("p_positive", "DOUBLE NOT NULL", "Probability of positive, 0-1."),
    Column("model_version", "VARCHAR NOT NULL", "Version of news_sentiment in ml.model_registry that scored the article."),
    Column("sample", "VARCHAR NOT NULL", "Whether that version saw the article's sentence (its dedupe key, so a copy "
           "in another file, case or spacing counts): train (it trained on it: an in-sample score, learned, that "
           "says nothing of the model), holdout (held out and judged on when gated), unseen (never seen: out of "
           "sample), or unknown (its artifact predates the record of its sentences)."),
    Column("text_field", "VARCHAR", "Field the text came from: body, headline, headline+body or sentence."),
    Column("chunks", "INTEGER NOT NULL", "Token windows scored (1 when the text fits the token limit)."),
    Column("truncated", "BOOLEAN NOT NULL", "True when tokens beyond the scored windows were left unread."),
    Column("unknown_share", "DOUBLE NOT NULL", "Share of the scored tokens the tokenizer could not read ([UNK]), 0-1; "
           "near 1 the score says nothing (a script outside the model's vocabulary)."),
    Column("scored_at", "TIMESTAMP NOT NULL", "UTC time of scoring."),
    Column("language", "VARCHAR", "The article's language as its file names it (raw.news.language): en for English, "
           "another lower-cased as written (fi, de-de), NULL when the file names none. The model reads English "
           "only: an article in another language is scored, but its score says little and the daily indices "
           "leave it out."),
)
"""Columns of ml.news_scores, one row per scored article."""

DAILY_COLUMNS = (
    Column("day", "DATE", "Publication day in the time zone day_zone names (RISK_NEWS_DAY_ZONE; UTC when unset), "
           "whatever zone the feed wrote its times in: in UTC days an article published at 20:00 in New York in summer "
           "(00:00 UTC) counts on the next day, in America/New_York days on its own."),
    Column("day_zone", "VARCHAR", "IANA time zone whose midnight-to-midnight days `day` counts (RISK_NEWS_DAY_ZONE "
           "when the table was built; UTC when unset): the same on every row, the table being rebuilt whole."),
    Column("n_articles", "BIGINT", "Scored articles published that day."),
    Column("n_tickers", "BIGINT", "Distinct tickers the day's articles are about."),
    Column("net_sentiment", "DOUBLE", "Mean of p_positive - p_negative, -1 (all negative) to 1 (all positive)."),
    Column("share_negative", "DOUBLE", "Share of the articles labelled negative, 0-1."),
    Column("share_positive", "DOUBLE", "Share of the articles labelled positive, 0-1."),
    Column("model_version", "VARCHAR", "Model version of the scores."),
    Column("n_train", "BIGINT", "Of n_articles, those whose sentence the scoring version trained on (in-sample)."),
    Column("n_holdout", "BIGINT", "Of n_articles, those in the scoring version's holdout."),
    Column("n_unseen", "BIGINT", "Of n_articles, those the scoring version never saw (out of sample); n_articles - "
           "n_train - n_holdout - n_unseen were scored by a version that did not record its sentences (unknown)."),
    Column("net_sentiment_unseen", "DOUBLE", "net_sentiment over the n_unseen articles alone, -1 to 1; NULL when "
           "n_unseen is 0."),
    Column("n_not_english", "BIGINT", "Scored articles published that day left out of every other column because "
           "their file marks them in a language other than English (ml.news_scores.language), 0 where none; a day "
           "of only such articles has n_articles 0 and its sentiment NULL."),
)
"""Columns of ml.news_sentiment_daily."""

NEWS_SCORES_DDL = "CREATE OR REPLACE TABLE ml.news_scores (\n    " + ",\n    ".join(
    f"{c.name} {c.sql_type}" for c in SCORE_COLUMNS) + "\n)"

_DAILY_SQL = """
CREATE OR REPLACE TABLE ml.news_sentiment_daily AS
WITH dated AS (
    SELECT {day} AS day, f.ticker, s.label, s.p_positive, s.p_negative, s.model_version,
           {sample} AS sample, {english} AS english
    FROM ml.news_scores AS s JOIN marts.news_features AS f USING (doc_id)
    WHERE f.published_at IS NOT NULL
), scored AS (  -- the figures read the English articles; the others are only counted (n_not_english)
    SELECT * FROM dated WHERE english
), tickers AS (  -- an article about several tickers ('AAPL,MSFT') counts each of them
    SELECT day, count(DISTINCT ticker) AS n_tickers
    FROM (SELECT day, unnest(string_split(ticker, ',')) AS ticker FROM scored WHERE ticker IS NOT NULL)
    GROUP BY day
)
SELECT day,
       {zone} AS day_zone,
       count(*) FILTER (WHERE english) AS n_articles,
       coalesce(any_value(k.n_tickers), 0) AS n_tickers,
       avg(p_positive - p_negative) FILTER (WHERE english) AS net_sentiment,
       avg(CASE WHEN label = 'negative' THEN 1.0 ELSE 0.0 END) FILTER (WHERE english) AS share_negative,
       avg(CASE WHEN label = 'positive' THEN 1.0 ELSE 0.0 END) FILTER (WHERE english) AS share_positive,
       any_value(model_version) AS model_version,
       count(*) FILTER (WHERE english AND sample = 'train') AS n_train,
       count(*) FILTER (WHERE english AND sample = 'holdout') AS n_holdout,
       count(*) FILTER (WHERE english AND sample = 'unseen') AS n_unseen,
       avg(p_positive - p_negative) FILTER (WHERE english AND sample = 'unseen') AS net_sentiment_unseen,
       count(*) FILTER (WHERE NOT english) AS n_not_english
FROM dated LEFT JOIN tickers AS k USING (day)
GROUP BY day
ORDER BY day
"""
NEWS_DAY_ZONE_ENV = "RISK_NEWS_DAY_ZONE"
DEFAULT_DAY_ZONE = "UTC"
"""The day zone of the daily indices when RISK_NEWS_DAY_ZONE is unset or blank."""


class DayZoneError(ValueError):
    """RISK_NEWS_DAY_ZONE names no time zone DuckDB knows; the one-line message names the variable,
    the value, an example and the closest known name."""


def news_day_zone(environ: Mapping[str, str] | None = None) -> str:
    """The time zone whose days the daily sentiment indices count: RISK_NEWS_DAY_ZONE, an IANA zone
    name ('America/New_York'), read where the indices are built (so a changed setting counts from the
    next build); DEFAULT_DAY_ZONE ('UTC') when unset or blank.

    Raises:
        DayZoneError: the value is not a zone DuckDB's time zone database knows, e.g.
            "RISK_NEWS_DAY_ZONE='America/NewYork' is not a time zone name (closest: America/New_York):
            set an IANA zone name such as America/New_York, or unset it for UTC days".
    """
    value = (os.environ if environ is None else environ).get(NEWS_DAY_ZONE_ENV, "").strip()
    if not value:
        return DEFAULT_DAY_ZONE
    with duckdb.connect() as con:
        try:
            con.execute("SELECT timezone(?, TIMESTAMPTZ '2000-01-01 00:00:00+00')", [value])
        except duckdb.Error:
            # a name, or its place alone, in any case and with spaces: 'new york' -> America/New_York
            known = {key.lower(): name for (name,) in con.execute("SELECT name FROM pg_timezone_names()").fetchall()
                     for key in (name, name.rsplit("/", 1)[-1])}
            closest = [known[key] for key in difflib.get_close_matches(value.replace(" ", "_").lower(), known, n=1)]
            raise DayZoneError(
                f"{NEWS_DAY_ZONE_ENV}={value!r} is not a time zone name"
                + (f" (closest: {closest[0]})" if closest else "")
                + ": set an IANA zone name such as America/New_York, or unset it for UTC days") from None
    return value


def day_sql(column: str, zone: str, date_only: str | None = None) -> str:
    """SQL for the calendar day (DATE) in `zone` of `column`, a TIMESTAMP holding UTC as the lake stores
    its times (raw.news.published_at, _ingested_at): both daily indices date their rows by it.

    date_only: an SQL BOOLEAN (raw.news.published_date_only carried to marts.news_features), true
    where `column` is a date its file wrote without a time, stored at midnight UTC: such a row is
    on that date (`column`'s own DATE) in every zone, never the day before west of UTC; NULL or
    false, and None for no such column (a lake landed before it), give the zone's day.

    timezone('UTC', column) reads the naive time as UTC (a TIMESTAMPTZ), and timezone(zone, ...) gives
    that instant's wall-clock time in `zone` (a TIMESTAMP again), whose DATE does not depend on the
    connection's TimeZone setting. timezone(zone, column) alone would read the naive time as `zone`'s
    own and shift it the other way (00:30 UTC -> 04:30, not 20:30 the day before, in New York).
    `zone` is a name news_day_zone returned."""
    in_zone = f"CAST(timezone({_zone_literal(zone)}, timezone('UTC', {column})) AS DATE)"
    if date_only is None:
        return in_zone
    return f"CASE WHEN coalesce({date_only}, false) THEN CAST({column} AS DATE) ELSE {in_zone} END"


def date_only_sql(con: duckdb.DuckDBPyConnection, alias: str) -> str | None:
    """`alias`.published_date_only where marts.news_features has the column (day_sql's `date_only`),
    None for marts built before it, whose articles then count as timed."""
    return f"{alias}.published_date_only" if column_exists(con, "marts.news_features", "published_date_only") else None


def _zone_literal(zone: str) -> str:
    """`zone` as an SQL string literal."""
    return "'" + zone.replace("'", "''") + "'"


DAILY_SQL = _DAILY_SQL.format(sample="s.sample", english=in_english_sql("s"),
                              day=day_sql("f.published_at", DEFAULT_DAY_ZONE), zone=_zone_literal(DEFAULT_DAY_ZONE))
"""Rebuilds ml.news_sentiment_daily from ml.news_scores as this module writes it, in UTC days."""


def training_sample(texts: list[str], seen: ReservedSentences | None) -> list[str]:
    """Whether the version that recorded `seen` saw each text: train, holdout or unseen (SAMPLES).

    A text is identified by key_digest(dedupe_key(text)), the digest meta.json records for each
    sentence a version trained and was judged on, so copies that differ in case, spacing, quoting or
    mojibake are one sentence. `seen` None (an artifact trained before meta.json recorded its
    sentences) gives unknown for every text: nothing tells train from unseen then.

    Returns:
        One value per text, in order.
    """
    if seen is None:
        return [UNKNOWN] * len(texts)
    samples = []
    for text in texts:
        digest = key_digest(dedupe_key(text))
        samples.append(TRAIN if digest in seen.trained else HOLDOUT if digest in seen.holdout else UNSEEN)
    return samples


def sample_counts(con: duckdb.DuckDBPyConnection, version: str | None = None) -> dict[str, int]:
    """Rows of ml.news_scores (of model_version `version`, or all) per sample value, every value of
    SAMPLES present (0 when none). A table written before the column existed counts as unknown; no
    table counts nothing."""
    if not table_exists(con, "ml.news_scores"):
        return dict.fromkeys(SAMPLES, 0)
    column = "sample" if has_sample_column(con) else f"'{UNKNOWN}'"
    rows = con.execute(f"SELECT {column}, count(*) FROM ml.news_scores WHERE ? IS NULL OR model_version = ? "
                       "GROUP BY 1", [version, version]).fetchall()
    return {**dict.fromkeys(SAMPLES, 0), **dict(rows)}


def sample_line(counts: dict[str, int]) -> str:
    """'N train, N holdout, N unseen' (then 'N unknown' when any), from sample_counts."""
    return ", ".join(f"{counts[s]:,} {s}" for s in SAMPLES if s != UNKNOWN or counts.get(s))


ARTICLES_NOT_SENTENCES = ("articles, each copy of a sentence in another file, case or spacing counted, where the "
                          "model card counts the model's distinct sentences")
"""Why the scoring pages' train / holdout counts exceed the card's (989 holdout articles against 967
holdout sentences on the sample data): they count articles."""


def seen_line(counts: dict[str, int], model: str, version: str) -> str:
    """What the scoring version saw of the scored articles, from sample_counts: train is in-sample
    (learned), holdout was judged on when gated (not in-sample), unseen is out of sample; counts are
    articles (ARTICLES_NOT_SENTENCES). When every score is unknown (an artifact without its sentence
    digests), says so.

    'of the 5,318 articles scored, news_sentiment V trained on 4,312 (in-sample), was judged on 989
    when gated (its holdout) and never saw 17 (out of sample); articles, each copy ...'"""
    scored = sum(counts.values())
    if scored and counts.get(UNKNOWN, 0) == scored:
        return (f"unknown for all {scored:,} articles scored: the artifact of {model} {version} does not record "
                "the sentences it trained and was judged on")
    unknown = f"; {counts[UNKNOWN]:,} unknown" if counts.get(UNKNOWN) else ""
    return (f"of the {scored:,} articles scored, {model} {version} trained on {counts[TRAIN]:,} (in-sample), was "
            f"judged on {counts[HOLDOUT]:,} when gated (its holdout) and never saw {counts[UNSEEN]:,} (out of "
            f"sample){unknown}; {ARTICLES_NOT_SENTENCES}")


def has_sample_column(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether ml.news_scores has its `sample` column (a table written before it was added has not)."""
    return column_exists(con, "ml.news_scores", "sample")


def has_language_column(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether ml.news_scores has its `language` column (a table written before it was added has not)."""
    return column_exists(con, "ml.news_scores", "language")


def not_english_scored(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Scored articles (distinct doc_id of ml.news_scores) whose file marks them in a language other
    than English, per language ({'fi': 2, 'de-de': 1}), most first: those the daily indices leave
    out. {} without the table or its `language` column."""
    if not has_language_column(con):
        return {}
    return dict(con.execute(
        f"SELECT language, count(DISTINCT doc_id) AS n FROM ml.news_scores AS s WHERE NOT {in_english_sql('s')} "
        "GROUP BY language ORDER BY n DESC, language").fetchall())


def score_documents(model: SentimentModel, docs: pl.DataFrame, version: str,
                    log: Callable[[str], None] | None = None,
                    seen: ReservedSentences | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Score articles; set aside those without usable text.

    Args:
        docs: rows with doc_id, text_clean, text_field (and optionally language, _file_sha256).
        version: the model version written on every score row.
        log: called with progress lines (SentimentModel.predict's).
        seen: the sentences `version` trained and was judged on (sentiment_pipeline.reserved_sentences
            of its registry row), which set each row's `sample`; None: not recorded, every row unknown.

    Returns:
        (scores, no_text): scores has the columns of ml.news_scores, one row per usable article;
        no_text has doc_id, text_clean, reason (and _file_sha256 when given) for the rest.
    """
    reasons = [is_usable_text(t).reason for t in docs["text_clean"].to_list()]
    flags = pl.Series([r is None for r in reasons])
    usable = docs.filter(flags)
    no_text = docs.with_columns(reason=pl.Series(reasons, dtype=pl.String)).filter(~flags)
    scored = model.predict(usable["text_clean"].to_list(), log=log)
    scores = pl.DataFrame({
        "doc_id": usable["doc_id"],
        "label": scored.labels,
        "p_negative": scored.probs[:, 0] if len(usable) else [],
        "p_neutral": scored.probs[:, 1] if len(usable) else [],
        "p_positive": scored.probs[:, 2] if len(usable) else [],
        "model_version": [version] * usable.height,
        "sample": pl.Series(training_sample(usable["text_clean"].to_list(), seen), dtype=pl.String),
        "text_field": usable["text_field"],
        "chunks": pl.Series(scored.chunks, dtype=pl.Int32),
        "truncated": pl.Series(scored.truncated, dtype=pl.Boolean),
        "unknown_share": pl.Series(scored.unknown_share, dtype=pl.Float64),
        "scored_at": [datetime.now(timezone.utc).replace(tzinfo=None)] * usable.height,
        "language": usable["language"] if "language" in usable.columns else [None] * usable.height,
    }, schema_overrides={"language": pl.String, "p_negative": pl.Float64, "p_neutral": pl.Float64, "p_positive": pl.Float64,
                         "model_version": pl.String, "scored_at": pl.Datetime("us"), "label": pl.String})
    keep = [c for c in ("doc_id", "text_clean", "reason", "_file_sha256") if c in no_text.columns]
    return scores, no_text.select(keep)


def write_scores(con: duckdb.DuckDBPyConnection, scores: pl.DataFrame, no_text: pl.DataFrame,
                 run_id: str | None = None) -> None:
    """Replace ml.news_scores with `scores` and this asset's quarantine rows with `no_text`, in one transaction."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    with transaction(con):
        con.execute(NEWS_SCORES_DDL)
        con.register("scores_frame", scores.to_arrow())
        con.execute("INSERT INTO ml.news_scores SELECT * FROM scores_frame")
        con.unregister("scores_frame")
        con.execute("DELETE FROM quality.quarantine WHERE asset = ?", [SCORING_ASSET])
        rows = [[SCORING_ASSET, row.get("_file_sha256"), row["doc_id"], NO_TEXT_RULE, row["text_clean"],
                 f"not scored: {row['reason']}", run_id, now] for row in no_text.iter_rows(named=True)]
        if rows:
            con.executemany(
                "INSERT INTO quality.quarantine (asset, file_sha256, record_key, column_name, rule, raw_value, "
                "message, run_id, quarantined_at) VALUES (?, ?, ?, 'text_clean', ?, ?, ?, ?, ?)",
                rows,
            )


def withdraw_scores(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Empty ml.news_scores and ml.news_sentiment_daily when no champion stands (retired by hand):
    the scores of a retired version must not read as current. Returns rows removed per model
    version ({} when there were none). The no_usable_text quarantine of the scoring step is kept:
    it describes the articles, not a model. A lake that never had scores gets the empty table, so
    that the daily index and the overview read "no scores", not "no table"."""
    if not table_exists(con, "ml.news_scores"):
        con.execute(NEWS_SCORES_DDL)
        return {}
    removed = dict(con.execute("SELECT model_version, count(*) FROM ml.news_scores GROUP BY 1 ORDER BY 1").fetchall())
    with transaction(con):
        con.execute("DELETE FROM ml.news_scores")
        if table_exists(con, "ml.news_sentiment_daily"):
            con.execute("DELETE FROM ml.news_sentiment_daily")
    return removed


def build_daily_index(con: duckdb.DuckDBPyConnection, zone: str | None = None) -> int:
    """Rebuild ml.news_sentiment_daily from ml.news_scores and marts.news_features; returns its row count.

    zone: the time zone whose days it counts (recorded in day_zone); None reads RISK_NEWS_DAY_ZONE
    (news_day_zone, UTC when unset). The table is replaced whole, so a lake rebuilt in another zone
    holds no day of the former one.

    Scores written before ml.news_scores had its `sample` column count as unknown: in none of
    n_train, n_holdout, n_unseen, and net_sentiment_unseen NULL. Articles marked in a language other
    than English (ml.news_scores.language) are left out of the figures and counted per day in
    n_not_english (a day of only those: n_articles 0, its sentiment NULL); scores written before the
    table had the column count as English.

    Raises:
        DayZoneError: zone None and RISK_NEWS_DAY_ZONE names no time zone.
    """
    zone = news_day_zone() if zone is None else zone
    con.execute(_DAILY_SQL.format(sample="s.sample" if has_sample_column(con) else f"'{UNKNOWN}'",
                                  english=in_english_sql("s") if has_language_column(con) else "true",
                                  day=day_sql("f.published_at", zone, date_only_sql(con, "f")),
                                  zone=_zone_literal(zone)))
    return con.execute("SELECT count(*) FROM ml.news_sentiment_daily").fetchone()[0]
