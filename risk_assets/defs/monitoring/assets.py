"""Monitoring assets: drift (PSI), champion performance per vintage and the news sentiment index.

Thin wrappers: the numbers come from `risk_assets.lib.monitoring`; these write them to the lake's
monitoring schema and show them in the UI.
"""

import dagster as dg
import polars as pl

from risk_assets.defs.monitoring.policy import RetrainPolicy
from risk_assets.defs.quality.verdicts import say_failed
from risk_assets.defs.resources import LAKE_POOL, LakeResource
from risk_assets.lib.ml.sentiment_scoring import news_day_zone
from risk_assets.lib.monitoring import loans, sentiment, tables
from risk_assets.lib.monitoring.stability import psi_judged, psi_verdict
from risk_assets.lib.quality.outcome import WARN, record_verdict

OWNERS = ["team:risk-models"]


def described(table: "tables.MonitoringTable") -> str:
    """A monitoring asset's description, one sentence as the other assets' read: '`monitoring.score_psi`:
    one row per (champion, vintage after the snapshot): ...', the table's description lower-cased after the colon."""
    return f"`{table.name}`: {table.description[0].lower()}{table.description[1:]}"


def column_schema(table: tables.MonitoringTable) -> dg.TableSchema:
    """The Dagster column schema of a monitoring table."""
    return dg.TableSchema(columns=[dg.TableColumn(name, str(dtype), description=text) for name, (dtype, text) in table.columns.items()])


def _spec(key: str, table: tables.MonitoringTable, deps: list[str]) -> dg.AssetSpec:
    return dg.AssetSpec(
        key,
        description=described(table),
        group_name="monitoring",
        kinds={"duckdb", "polars"},
        owners=OWNERS,
        deps=deps,
        metadata={"dagster/column_schema": column_schema(table), "dagster/table_name": table.name},
    )


# One computation writes all four tables, so all four share the inputs (a job selects them together).
_LOAN_INPUTS = ["loan_features", "loan_scores"]
LOAN_SPECS = {
    "champion_population": _spec("champion_population", tables.CHAMPION_POPULATION, _LOAN_INPUTS),
    "feature_psi": _spec("feature_psi", tables.FEATURE_PSI, _LOAN_INPUTS),
    "score_psi": _spec("score_psi", tables.SCORE_PSI, _LOAN_INPUTS),
    "vintage_performance": _spec("vintage_performance", tables.VINTAGE_PERFORMANCE, _LOAN_INPUTS),
}
_TABLE_OF = {
    "champion_population": tables.CHAMPION_POPULATION,
    "feature_psi": tables.FEATURE_PSI,
    "score_psi": tables.SCORE_PSI,
    "vintage_performance": tables.VINTAGE_PERFORMANCE,
}


def _preview(frame: pl.DataFrame, columns: list[str], rows: int = 20) -> str:
    shown = frame.select([c for c in columns if c in frame.columns]).head(rows)
    if shown.height == 0:
        return "_no rows_"
    header = "| " + " | ".join(shown.columns) + " |\n|" + "---|" * len(shown.columns) + "\n"
    fmt = lambda v: f"{v:.4f}" if isinstance(v, float) else ("" if v is None else str(v))  # noqa: E731
    return header + "\n".join("| " + " | ".join(fmt(v) for v in row) + " |" for row in shown.iter_rows())


PREVIEW_COLUMNS = {
    "champion_population": ["model", "champion_version", "holdout_auc", "reference_rows", "new_rows", "new_labelled_rows",
                            "new_labelled_left_out"],
    "feature_psi": ["model", "vintage", "variable", "psi", "noise_psi", "band", "n_current", "empty_current_bins",
                    "unseen_share"],
    "score_psi": ["model", "vintage", "psi", "noise_psi", "band", "n_current", "empty_current_bins", "epsilon"],
    "vintage_performance": ["model", "vintage", "in_training", "cohort", "n_labelled", "n_defaults", "default_rate",
                            "default_rate_95", "mean_pd", "auc", "auc_95", "ks", "brier"],
}


def _with_intervals(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with the preview's interval columns: `default_rate_95` and `auc_95`, each 95%
    interval as text ("0.0166-0.0762"), empty where the table holds NULL (no labels; for the AUC
    no defaults or no non-defaults). Frames without the interval columns (older lakes) pass as they are."""
    for name in ("default_rate", "auc"):
        low, high = f"{name}_low", f"{name}_high"
        if low in frame.columns and high in frame.columns:
            text = [None if a is None or b is None else f"{a:.4f}-{b:.4f}" for a, b in zip(frame[low], frame[high])]
            frame = frame.with_columns(pl.Series(f"{name}_95", text, dtype=pl.Utf8))
    return frame


def _preview_order(key: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Rows in the order the preview shows its first 20: by its first three columns; for
    vintage_performance the out-of-sample rows (holdouts, loans after training, loans labelled at
    training but not used) first, the figures to judge a model by, then the in-sample ones (on the
    sample data 80 rows, 64 of them out of sample)."""
    if key == "vintage_performance" and "in_training" in frame.columns:
        return frame.sort(["in_training", "model", "vintage", "cohort"], nulls_last=True)
    return frame.sort(frame.columns[:3], nulls_last=True)


DRIFT_CHECKS = {"feature_psi": ("feature_psi_drift", "feature"), "score_psi": ("score_psi_drift", "PD score")}
"""Per PSI table, its drift check and the words its text names the table's variables by."""


@dg.multi_asset(
    specs=list(LOAN_SPECS.values()),
    check_specs=[dg.AssetCheckSpec(name, asset=key, description=(
        f"Drift of the {what} since the champion trained (WARN, blocks nothing): a PSI above the retrain "
        "policy's `psi` (0.2) on a cohort of at least its `min_rows` loans (200), naming the worst cells, their "
        "cohort size, the noise level of PSI at that size and which ones the retrain sensor acts on "
        "(the PD score and the key features); smaller cohorts are counted, not judged. A champion whose "
        "training loans are gone from the lake (withdrawn) warns too: its drift cannot be measured."))
        for key, (name, what) in DRIFT_CHECKS.items()],
    pool=LAKE_POOL,
    can_subset=False,
)
def loan_monitoring(context: dg.AssetExecutionContext, lake: LakeResource, retrain_policy: RetrainPolicy):
    """For every PD champion: its training snapshot vs the loans that came after, per vintage.

    PSI per feature and of the PD score (reference-decile bins, epsilon-smoothed, finite; Siddiqi
    2006 bands), and AUC / KS / Brier / default rate per labelled vintage and cohort (the training
    loans in-sample; the holdouts and the loans after training out of sample). Reads
    ml.model_registry, ml.model_training_loans, ml.model_holdouts, marts.loan_features, raw.loans,
    ml.loan_scores. The two drift checks (`DRIFT_CHECKS`, `stability.psi_verdict`) judge the PSI
    tables by the retrain policy's figures and are recorded in quality.check_results, so the
    overview's open issues list drift too.
    """
    thresholds = retrain_policy.thresholds()
    watched = ("pd_score", *thresholds.key_features)
    verdicts, measured = {}, {}
    with lake.connect() as con:
        written = loans.monitor(con)
        for key, (name, what) in DRIFT_CHECKS.items():
            verdicts[key] = psi_verdict(written[_TABLE_OF[key].name], thresholds.psi, thresholds.min_rows, watched, what,
                                        written[tables.CHAMPION_POPULATION.name])
            passed, text, drifted = verdicts[key]
            measured[key] = psi_judged(written[_TABLE_OF[key].name], thresholds.min_rows)
            record_verdict(con, name, key, context.run.run_id, passed, WARN, text, drifted,
                           {"psi_limit": thresholds.psi, "min_rows": thresholds.min_rows, **measured[key]},
                           failing_unit="PSI values")
    for key, table in _TABLE_OF.items():
        frame = written[table.name]
        metadata: dict[str, object] = {
            "dagster/row_count": frame.height,
            "preview": dg.MetadataValue.md(_preview(_preview_order(key, _with_intervals(frame)), PREVIEW_COLUMNS[key])),
        }
        if key in ("feature_psi", "score_psi") and frame.height:
            worst = frame.sort("psi", descending=True).row(0, named=True)
            metadata["max_psi"] = float(worst["psi"])
            metadata["max_psi_at"] = f"{worst['model']} {worst['variable']} vintage {worst['vintage']}"
            metadata["significant_rows"] = frame.filter(pl.col("band") == "significant").height
        context.log.info(f"{table.name}: {frame.height} rows")
        yield dg.MaterializeResult(asset_key=key, metadata=metadata)
    for key, (name, _) in DRIFT_CHECKS.items():
        passed, text, drifted = verdicts[key]
        if not passed:
            say_failed(context.log, name, key, WARN, text)
        yield dg.AssetCheckResult(asset_key=key, check_name=name, passed=passed, severity=dg.AssetCheckSeverity.WARN,
                                  description=text, metadata={"drifted_values": drifted, **measured[key]})


@dg.asset(
    description=described(tables.NEWS_SENTIMENT_TREND),
    group_name="monitoring",
    kinds={"duckdb", "polars"},
    owners=OWNERS,
    deps=["news_scores", "news_features"],
    pool=LAKE_POOL,
    metadata={
        "dagster/column_schema": column_schema(tables.NEWS_SENTIMENT_TREND),
        "dagster/table_name": tables.NEWS_SENTIMENT_TREND.name,
    },
)
def news_sentiment_trend(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    """Daily news sentiment index (mean p_positive - p_negative of the scored documents) and its 7-day
    mean, with the day's documents by `sample` (the scoring version trained on, held out or never saw
    them) and the index of the unseen alone; metadata `documents_by_sample` sums them over all days,
    `dating` (sentiment.trend_dating), `days_by_ingestion` and `days_by_publication` say which rows
    are dated by ingestion, not publication (documents without a publication date), and the preview
    opens with that line when any is. Documents marked in a language other than English are left
    out of the figures: the column documents_not_english counts them per day, metadata
    `not_english_left_out` per language, and the preview says so. Its days are those of the lake's
    day zone (RISK_NEWS_DAY_ZONE, UTC when unset), metadata `day_zone`; a zone name DuckDB does not
    know fails the step (DayZoneError) before the table is touched."""
    zone = news_day_zone()
    with lake.connect() as con:
        frame = sentiment.sentiment_trend(con, zone)
        tables.replace(con, tables.NEWS_SENTIMENT_TREND, frame)
        not_english, left_out = sentiment.not_english_left_out(con)
    by_sample = {kind: int(frame.get_column(f"documents_{kind}").sum()) if frame.height else 0
                 for kind in ("train", "holdout", "unseen")}
    dating = sentiment.trend_dating(frame)
    context.log.info(f"{tables.NEWS_SENTIMENT_TREND.name}: {frame.height} days ({dating}); of the documents, "
                     + ", ".join(f"{n:,} {kind}" for kind, n in by_sample.items()))
    indexed = frame.filter(pl.col("documents") > 0)  # a day of documents not in English only has no index
    by_ingestion = indexed.filter(pl.col("date_source") == "ingested").height
    preview = _preview(frame.sort("day", descending=True), [
        "day", "date_source", "documents", "sentiment_index", "index_7d", "documents_unseen", "sentiment_index_unseen",
        "documents_not_english"])
    return dg.MaterializeResult(metadata={
        "dagster/row_count": frame.height,
        "day_zone": zone,
        "documents": int(frame.get_column("documents").sum()) if frame.height else 0,
        "documents_by_sample": by_sample,
        "dating": dating,
        "days_by_ingestion": by_ingestion,
        "days_by_publication": indexed.height - by_ingestion,
        "not_english_left_out": not_english,
        "preview": dg.MetadataValue.md((f"**{dating[0].upper()}{dating[1:]}.**\n\n" if by_ingestion else "")
                                      + (f"**{left_out[0].upper()}{left_out[1:]}.**\n\n" if left_out else "") + preview),
    })
