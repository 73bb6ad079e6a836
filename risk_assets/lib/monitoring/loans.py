"""Loan PD monitoring: from the champions' populations to the monitoring tables, and back to the
retrain decision's input.

`monitor` computes the four loan tables for every PD champion; `snapshots` reads them back as one
`MonitoringSnapshot` per champion, which is all the retrain decision looks at; `unchampioned` lists
the portfolios without a champion, with the counts their first training waits on.
"""

from __future__ import annotations

from datetime import datetime, timezone

import duckdb
import polars as pl

from risk_assets.lib.monitoring import tables
from risk_assets.lib.monitoring.performance import COHORT_AFTER_TRAINING, COHORT_NOT_USED, vintage_performance
from risk_assets.lib.monitoring.population import Population, champions, load_population
from risk_assets.lib.ingest.landing import last_loaded_at
from risk_assets.lib.ml.registry import operator_restore, operator_retirement
from risk_assets.lib.lake import column_exists, table_exists
from risk_assets.lib.monitoring.retrain import (
    SCORE_VARIABLE,
    FirstModelSnapshot,
    MonitoringSnapshot,
    PsiObservation,
    VintageAuc,
)
from risk_assets.lib.monitoring.stability import cohort_psi, no_reference


def _tag(frame: pl.DataFrame, population: Population, computed_at: datetime) -> pl.DataFrame:
    return frame.with_columns(
        model=pl.lit(population.champion.model),
        champion_version=pl.lit(population.champion.version),
        computed_at=pl.lit(computed_at),
    )


def monitor_population(population: Population, computed_at: datetime) -> dict[str, pl.DataFrame]:
    """The rows of each loan monitoring table for one champion, keyed by table name.

    PSI compares the champion's reference (the loans it trained on; its training snapshot when
    those were not recorded: `Population.reference_source`) with each vintage of the current
    population; performance is computed per vintage on the reference (in_training True, in-sample),
    on each of the champion's holdouts (in_training False, `cohort` its split name: out of sample,
    though known at training), on the labelled loans it neither trained on nor held out (`cohort`
    'not_used') and on the current loans (in_training False, `cohort` 'after_training'), so each
    vintage shows in-sample and out-of-sample figures side by side and the decay is visible.
    """
    champion, reference, current = population.champion, population.reference, population.current
    scored_ref = reference.filter(pl.col("pd_score").is_not_null())
    scored_cur = current.filter(pl.col("pd_score").is_not_null())
    data_end = population.data_end  # the book's newest as-of or origination date, not the cohorts' own
    holdouts = population.holdouts
    held_out = [] if holdouts is None else [
        vintage_performance(holdouts.filter(pl.col("holdout_split") == split), False, data_end, cohort=split)
        for split in sorted(holdouts["holdout_split"].unique().to_list())]
    not_used = [] if population.not_used is None else [
        vintage_performance(population.not_used, False, data_end, cohort=COHORT_NOT_USED)]
    performance = pl.concat([vintage_performance(reference, True, data_end), *held_out, *not_used,
                             vintage_performance(current, False, data_end)])
    summary = pl.DataFrame([{
        "portfolio": champion.portfolio,
        "trained_at": champion.trained_at,
        "holdout_auc": champion.holdout_auc,
        "reference_rows": reference.height,
        "new_rows": current.height,
        "new_labelled_rows": population.new_labels,
        "new_labelled_in_window": population.new_labels_in_window,
        "training_window": population.window,
        "new_labelled_left_out": population.new_labels_left_out,
        "vintages_left_out": population.vintages_left_out,
        "training_loans_gone": population.training_loans_gone,
        "training_loans_gone_why": population.training_loans_gone_why,
        "training_loans_landed_again": population.training_loans_landed_again,
        "holdout_loans_landed_again": population.holdout_loans_landed_again,
    }], schema={k: v for k, v in tables.CHAMPION_POPULATION.schema.items() if k not in ("model", "champion_version", "computed_at")})
    return {
        tables.CHAMPION_POPULATION.name: _tag(summary, population, computed_at),
        tables.FEATURE_PSI.name: _tag(cohort_psi(reference, current, population.features), population, computed_at),
        tables.SCORE_PSI.name: _tag(cohort_psi(scored_ref, scored_cur, [SCORE_VARIABLE]), population, computed_at),
        tables.VINTAGE_PERFORMANCE.name: _tag(performance, population, computed_at),
    }


LOAN_TABLES = (tables.CHAMPION_POPULATION, tables.FEATURE_PSI, tables.SCORE_PSI, tables.VINTAGE_PERFORMANCE)


def monitor(con: duckdb.DuckDBPyConnection) -> dict[str, pl.DataFrame]:
    """Refresh the loan monitoring tables for every PD champion; returns the rows written per table.

    With no champion yet (or no marts.loan_features) the tables are emptied: there is nothing to
    compare against, and stale numbers of a retired champion must not drive a retrain.
    """
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    landed_through = last_loaded_at(con, "loans")  # the loans these numbers include: see monitoring_behind
    parts: dict[str, list[pl.DataFrame]] = {t.name: [] for t in LOAN_TABLES}
    for champion in champions(con):
        try:
            population = load_population(con, champion)
        except LookupError:
            continue
        for name, frame in monitor_population(population, now).items():
            parts[name].append(frame)
    written = {}
    for table in LOAN_TABLES:
        frame = pl.concat(parts[table.name], how="diagonal_relaxed") if parts[table.name] else pl.DataFrame(schema=table.schema)
        if table is tables.CHAMPION_POPULATION:
            frame = frame.with_columns(loans_landed_through=pl.lit(landed_through, dtype=pl.Datetime))
        tables.replace(con, table, frame)
        written[table.name] = frame
    return written


def snapshots(con: duckdb.DuckDBPyConnection) -> list[MonitoringSnapshot]:
    """One MonitoringSnapshot per champion in monitoring.champion_population, from the monitoring tables,
    with the operator's restore behind the champion (if any) and the newest loan file's load time.

    NULL or non-finite PSI values never reach a snapshot (the tables hold none; the filter is a guard).
    """
    population = tables.read(con, tables.CHAMPION_POPULATION)
    psi = pl.concat([tables.read(con, tables.SCORE_PSI), tables.read(con, tables.FEATURE_PSI)])
    psi = psi.filter(pl.col("psi").is_not_null() & pl.col("psi").is_finite())
    performance = tables.read(con, tables.VINTAGE_PERFORMANCE).filter(  # the loans after training, not the holdouts
        ~pl.col("in_training") & (pl.col("cohort").is_null() | (pl.col("cohort") == COHORT_AFTER_TRAINING)))
    last_landed_at = last_loaded_at(con, "loans")
    result = []
    for row in population.iter_rows(named=True):
        key = (pl.col("model") == row["model"]) & (pl.col("champion_version") == row["champion_version"])
        result.append(MonitoringSnapshot(
            model=row["model"],
            champion_version=row["champion_version"],
            holdout_auc=row["holdout_auc"],
            new_labelled_rows=int(row["new_labelled_rows"]),
            new_labelled_in_window=row.get("new_labelled_in_window"),
            training_window=row.get("training_window"),
            new_labelled_left_out=row.get("new_labelled_left_out"),
            vintages_left_out=row.get("vintages_left_out"),
            no_reference=no_reference(row),
            training_loans_landed_again=row.get("training_loans_landed_again") or None,
            holdout_loans_landed_again=row.get("holdout_loans_landed_again") or None,
            psi=tuple(
                PsiObservation(r["variable"], r["vintage"], float(r["psi"]), int(r["n_current"]), r.get("unseen_share"))
                for r in psi.filter(key).sort(["variable", "vintage"]).iter_rows(named=True)
            ),
            vintages=tuple(
                VintageAuc(r["vintage"], int(r["n_labelled"]), r["auc"], int(r["n_defaults"]), r.get("closed_early_share"))
                for r in performance.filter(key).sort("vintage").iter_rows(named=True)
            ),
            restored=operator_restore(con, row["model"], row["champion_version"]),
            last_landed_at=last_landed_at,
        ))
    return result


def monitoring_behind(con: duckdb.DuckDBPyConnection) -> str | None:
    """Why the loan monitoring tables do not describe the lake yet, or None when they do: a loan file
    landed after their last refresh (raw.landed_files.landed_at later than the champion_population's
    `loans_landed_through`), so its loans are in raw.loans but not in the numbers. An ingest run lands
    the file first and refreshes monitoring last, and a sensor tick between the two would decide on
    the numbers before the file (an operator saw a retraining requested for 'PSI of annual_income ...
    (410 loans)' with 530 in the lake). None too when the table predates the column or no loan file is
    in the manifest: nothing to compare. Called on every sensor tick, it reads one maximum of the
    table, not its rows."""
    if not column_exists(con, tables.CHAMPION_POPULATION.name, "loans_landed_through"):
        return None  # no table yet, or one made before the column: no refresh recorded it
    (through,) = con.execute(f"SELECT max(loans_landed_through) FROM {tables.CHAMPION_POPULATION.name}").fetchone()
    if through is None:  # no champion's row, or none recorded it yet
        return None
    newest = con.execute("SELECT path, landed_at FROM raw.landed_files WHERE domain = 'loans' AND status = 'loaded' "
                         "ORDER BY landed_at DESC LIMIT 1").fetchone()
    if newest is None or newest[1] <= through:
        return None
    return (f"the loan monitoring tables were refreshed before {newest[0].rsplit('/', 1)[-1]} landed "
            f"({newest[1]:%Y-%m-%d %H:%M:%S} UTC): waiting for them to take its loans in (the ingest run refreshes "
            "them after landing, the daily_monitoring schedule each day, or materialize champion_population); "
            "the next tick re-evaluates")


def unchampioned(con: duckdb.DuckDBPyConnection) -> list[FirstModelSnapshot]:
    """One FirstModelSnapshot per portfolio of marts.loan_features whose `loan_pd_<portfolio>` has no
    champion: its labelled loans and defaults now, and of its latest training attempt the defaults
    it saw (ml.model_metrics, split 'all', `n_defaults`) and why it left no champion (the refusal,
    or the gate's reason for the version it registered), the operator's retirement behind it if
    nothing was trained since, and the newest loan file's load time. [] without the tables."""
    if not (table_exists(con, "marts.loan_features") and table_exists(con, "ml.model_registry")):
        return []
    tries = ("""
        LEFT JOIN (SELECT model, arg_max(value, recorded_at) FILTER (WHERE metric = 'n_defaults') AS tried_defaults,
                          arg_max(reason, recorded_at) FILTER (WHERE metric = 'auc') AS refusal
                   FROM ml.model_metrics WHERE split = 'all' GROUP BY model) t ON t.model = f.model"""
             if table_exists(con, "ml.model_metrics") else
             "LEFT JOIN (SELECT NULL AS model, NULL AS tried_defaults, NULL AS refusal) t ON false")
    rows = con.execute(f"""
        SELECT f.model, f.labelled, f.defaults, t.tried_defaults,
               coalesce('version ' || v.version || ' ' || v.status || ': ' || v.reason, t.refusal,
                        CASE WHEN t.tried_defaults IS NOT NULL THEN 'trained, not promoted' END)
        FROM (SELECT 'loan_pd_' || portfolio AS model, count(default_flag) AS labelled,
                     coalesce(sum(default_flag), 0) AS defaults
              FROM marts.loan_features GROUP BY portfolio) f
        {tries}
        LEFT JOIN (SELECT model, arg_max(version, trained_at) AS version, arg_max(status, trained_at) AS status,
                          arg_max(reason, trained_at) AS reason
                   FROM ml.model_registry GROUP BY model) v ON v.model = f.model
        WHERE NOT EXISTS (SELECT 1 FROM ml.model_registry c WHERE c.model = f.model AND c.status = 'champion')
        ORDER BY f.model""").fetchall()
    last_landed_at = last_loaded_at(con, "loans")
    return [FirstModelSnapshot(model, int(labelled), int(defaults), None if tried is None else int(tried), why,
                               retired=operator_retirement(con, model), last_landed_at=last_landed_at)
            for model, labelled, defaults, tried, why in rows]
