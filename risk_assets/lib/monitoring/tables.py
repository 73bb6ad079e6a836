"""The monitoring.* tables: their columns (types and descriptions) and how a refresh writes them.

Each refresh replaces a table's rows for the models it covers, so the tables always describe the
current champions; the history of decisions lives in monitoring.retrain_decisions (append-only,
lib/lake.py) and in Dagster's materialization history.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from risk_assets.lib.lake import transaction
from risk_assets.lib.monitoring.performance import PERFORMANCE_COLUMNS
from risk_assets.lib.monitoring.stability import PSI_COLUMNS

_DUCKDB_TYPES = {pl.Int64: "BIGINT", pl.Float64: "DOUBLE", pl.Utf8: "VARCHAR", pl.Boolean: "BOOLEAN", pl.Datetime: "TIMESTAMP", pl.Date: "DATE"}

CHAMPION_KEY = {
    "model": (pl.Utf8, "Registered model (`loan_pd_<portfolio>`)."),
    "champion_version": (pl.Utf8, "Champion version the numbers describe."),
}
COMPUTED_AT = {"computed_at": (pl.Datetime, "UTC time of the refresh.")}


@dataclass(frozen=True)
class MonitoringTable:
    """A monitoring table: name (schema.table), what one row is, and its columns (type, description)."""

    name: str
    description: str
    columns: dict[str, tuple[pl.DataType, str]]

    @property
    def schema(self) -> dict[str, pl.DataType]:
        return {name: dtype for name, (dtype, _) in self.columns.items()}

    def ddl(self) -> str:
        body = ", ".join(f"{name} {_DUCKDB_TYPES[dtype]}" for name, dtype in self.schema.items())
        return f"CREATE TABLE IF NOT EXISTS {self.name} ({body})"


CHAMPION_POPULATION = MonitoringTable(
    "monitoring.champion_population",
    "One row per PD champion: its training snapshot and the loans that arrived after it.",
    {
        **CHAMPION_KEY,
        "portfolio": (pl.Utf8, "Portfolio the model scores."),
        "trained_at": (pl.Datetime, "UTC training time: loans first ingested later are 'new'."),
        "holdout_auc": (pl.Float64, "Champion AUC on its primary holdout at training (NULL when not recorded)."),
        "reference_rows": (pl.Int64, "Loans of the champion's reference: those it trained on (its labelled training snapshot when those were not recorded)."),
        "new_rows": (pl.Int64, "Loans first ingested after the snapshot, those the champion trained on or held out excepted (training_loans_landed_again, holdout_loans_landed_again)."),
        "new_labelled_rows": (pl.Int64, "Labels that reached the lake after training (new loans with an outcome, and snapshot loans whose outcome matured since) that a retraining can learn from, those of vintages_left_out not counted: the labels trigger's input."),
        "new_labelled_in_window": (pl.Int64, "Of those, the labels of vintages the champion's split can use (vintage <= the end of its out-of-time holdout); NULL when its split has no fixed vintage window. 0 with a trigger fired: retraining would see the same loans, so the window must move (config oot_*)."),
        "training_window": (pl.Utf8, "The champion's fixed vintage window ('train on vintages <= 2003, out-of-time holdout 2004-2006'); NULL without one."),
        "new_labelled_left_out": (pl.Int64, "Labels that reached the lake after training of the vintages the champion's training left out of development and holdouts (inputs recorded after the outcome; its meta.json run.vintages_left_out): a retraining leaves them out too, so no trigger counts them. 0 when it left none out; NULL when its artifact does not record them (then none is set aside)."),
        "vintages_left_out": (pl.Utf8, "Those vintages as ranges of consecutive vintages ('1966-1988'); NULL when none."),
        "training_loans_gone": (pl.Int64, "Loans the champion trained on (ml.model_training_loans) no longer in marts.loan_features, a withdrawn file's: reference_rows lacks them, and with reference_rows 0 drift cannot be measured (the drift checks warn, the retrain decision says so). NULL when its training loans are not recorded."),
        "training_loans_gone_why": (pl.Utf8, "Why: each loan file that landed before its training and was withdrawn since, with when, by whom and why ('lc_part1.csv: withdrawn on 2024-05-02 10:00 UTC by ops (...)'); NULL when none is gone."),
        "training_loans_landed_again": (pl.Int64, "Loans the champion trained on ingested again after its training (a file withdrawn and landed anew keeps its loans' keys): set aside from new_rows, new_labelled_rows and the PSI cohorts, whatever their landing time."),
        "holdout_loans_landed_again": (pl.Int64, "Likewise for the loans of its holdouts (ml.model_holdouts): they stay in their holdout's cohort of monitoring.vintage_performance, out of new_rows and new_labelled_rows."),
        "loans_landed_through": (pl.Datetime, "UTC landing time of the newest loan file loaded when the tables were refreshed (raw.landed_files.landed_at): while a newer one has landed, these numbers predate its loans and the retrain sensor waits for the next refresh. NULL when no loan file is in the manifest."),
        **COMPUTED_AT,
    },
)
FEATURE_PSI = MonitoringTable(
    "monitoring.feature_psi",
    "One row per (champion, vintage after the snapshot, feature): PSI against the training snapshot.",
    {**CHAMPION_KEY, **PSI_COLUMNS, **COMPUTED_AT},
)
SCORE_PSI = MonitoringTable(
    "monitoring.score_psi",
    "One row per (champion, vintage after the snapshot): PSI of the champion's PD score against the snapshot.",
    {**CHAMPION_KEY, **PSI_COLUMNS, **COMPUTED_AT},
)
VINTAGE_PERFORMANCE = MonitoringTable(
    "monitoring.vintage_performance",
    "One row per (champion, vintage, cohort): AUC, KS, Brier, default rate and mean PD on labelled loans, with the defaults counted and 95% intervals of the default rate (Wilson) and AUC (Hanley & McNeil 1982): a cohort with few defaults says little, and its wide interval shows it; rows with in_training true (cohort 'training') are in-sample (the loans the champion learnt from), the others out of sample: its holdouts (cohort the holdout's split name) and the loans that arrived after it (cohort 'after_training').",
    {**CHAMPION_KEY, **PERFORMANCE_COLUMNS, **COMPUTED_AT},
)
NEWS_SENTIMENT_TREND = MonitoringTable(
    "monitoring.news_sentiment_trend",
    "One row per day (00:00 to 24:00 in the time zone day_zone names: RISK_NEWS_DAY_ZONE, UTC when unset) and date source: the news sentiment index (mean p_positive - p_negative) and its 7-day mean, with the day's documents counted by whether the scoring model trained on, held out or never saw their sentence, and the index of the unseen alone. A row with date_source = ingested is dated by ingestion, not publication: its documents carry no publication date, so its day is when they were ingested and its index is not that day's market sentiment (on the sample data, whose PhraseBank sentences are undated, the only row). Documents whose file marks them in a language other than English (ml.news_scores.language) are left out of the figures, the model reading English only: documents_not_english counts them per day, the asset's metadata not_english_left_out per language.",
    {
        "day": (pl.Date, "Publication day in the time zone day_zone names (RISK_NEWS_DAY_ZONE; UTC when unset), whatever zone the feed wrote its times in (in UTC days a document published at 20:00 in New York in summer counts on the next day, in America/New_York days on its own) where date_source = published; where date_source = ingested, the day in that zone the documents were first ingested, not published (they carry no publication date)."),
        "day_zone": (pl.Utf8, "IANA time zone whose midnight-to-midnight days `day` counts (RISK_NEWS_DAY_ZONE when the table was refreshed; UTC when unset): the same on every row, the table being replaced whole."),
        "date_source": (pl.Utf8, "published (dated by the feed's publication time) or ingested (no publication date: dated by the document's first ingest, so the row is not market sentiment of that day)."),
        "documents": (pl.Int64, "Scored documents of the day, in English or in no language their file names."),
        "sentiment_index": (pl.Float64, "Mean of p_positive - p_negative, -1 (all negative) to 1 (all positive)."),
        "negative_share": (pl.Float64, "Share of documents whose most likely class is negative, 0-1."),
        "index_7d": (pl.Float64, "Mean sentiment index over the 7 days ending that day (document-weighted)."),
        "documents_train": (pl.Int64, "Of the day's documents, those whose sentence the scoring version trained on (ml.news_scores.sample = train): learned, not judged."),
        "documents_holdout": (pl.Int64, "Of the day's documents, those whose sentence the scoring version held out and was judged on (sample = holdout)."),
        "documents_unseen": (pl.Int64, "Of the day's documents, those whose sentence the scoring version never saw (sample = unseen); the rest of `documents` is unknown (a version that did not record its sentences)."),
        "sentiment_index_unseen": (pl.Float64, "Sentiment index of the unseen documents alone, -1 to 1; NULL on a day without one."),
        "documents_not_english": (pl.Int64, "Scored documents of the day left out of every other column because their file marks them in a language other than English (ml.news_scores.language), 0 where none; a day of only such documents has documents 0 and its index NULL."),
        **COMPUTED_AT,
    },
)

ALL_TABLES = (CHAMPION_POPULATION, FEATURE_PSI, SCORE_PSI, VINTAGE_PERFORMANCE, NEWS_SENTIMENT_TREND)


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create every monitoring table that is missing, and add the columns a table made by an older
    version lacks (idempotent)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS monitoring")
    for table in ALL_TABLES:
        con.execute(table.ddl())
        schema, name = table.name.split(".")
        present = {row[0] for row in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
            [schema, name]).fetchall()}
        for column in (c for c in table.columns if c not in present):
            con.execute(f"ALTER TABLE {table.name} ADD COLUMN {column} {_DUCKDB_TYPES[table.schema[column]]}")


def replace(con: duckdb.DuckDBPyConnection, table: MonitoringTable, frame: pl.DataFrame) -> int:
    """Replace all rows of `table` with `frame` (columns in any order, missing ones NULL), in one transaction.

    Returns:
        rows written.

    Raises:
        ValueError: `frame` has a column the table does not.
    """
    extra = set(frame.columns) - set(table.columns)
    if extra:
        raise ValueError(f"{table.name}: unknown columns {sorted(extra)}")
    aligned = frame.select(
        [pl.col(c).cast(t) if c in frame.columns else pl.lit(None, dtype=t).alias(c) for c, t in table.schema.items()]
    )
    ensure_tables(con)
    with transaction(con):
        con.execute(f"DELETE FROM {table.name}")
        con.register("_monitoring_rows", aligned.to_arrow())
        con.execute(f"INSERT INTO {table.name} BY NAME SELECT * FROM _monitoring_rows")
        con.unregister("_monitoring_rows")
    return aligned.height


def read(con: duckdb.DuckDBPyConnection, table: MonitoringTable) -> pl.DataFrame:
    """All rows of `table` with every column of its schema: empty when the table does not exist yet,
    and NULL in a column that a table made by an older version lacks until its next refresh adds it
    (`ensure_tables`), so a reader (a sensor tick on a lake written before an upgrade) never meets a
    missing column."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema || '.' || table_name = ?", [table.name]
    ).fetchone()[0]
    if not exists:
        return pl.DataFrame(schema=table.schema)
    rows = pl.from_arrow(con.execute(f"SELECT * FROM {table.name}").fetch_arrow_table())
    return rows.with_columns(pl.lit(None, dtype=kind).alias(column)
                             for column, kind in table.schema.items() if column not in rows.columns)
