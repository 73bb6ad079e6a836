"""Vintage performance: a PD that is no score is set aside and said, never a crash of the refresh."""

import polars as pl
import pytest

from risk_assets.lib.monitoring.performance import vintage_performance


def test_a_nan_or_out_of_range_pd_is_left_out_with_its_count_not_a_crash():
    population = pl.DataFrame({
        "vintage": [2024] * 6,
        "default_flag": [0, 1, 0, 1, 0, 1],
        "pd_score": [0.1, 0.8, 0.2, 0.7, float("nan"), 1.000000000001],
    })
    (row,) = vintage_performance(population, in_training=False).to_dicts()
    assert row["n_labelled"] == 4 and row["n_defaults"] == 2 and row["auc"] == pytest.approx(1.0)
    assert row["reason"] == ("2 loans left out: PD NaN or outside 0-1; "
                             "closed_early_share: no origination_date or term_months column")


def test_sba_vintages_whose_loans_mostly_closed_before_their_term_could_run_are_named_and_not_judged(data_dir):
    """On the SBA national data (approvals end June 2014) most labelled 2010 loans are paid-in-full
    loans whose term runs past 2014: early resolutions, not yet the vintage's outcome. 2006's share
    is small. The AUC decay check skips 2010 and says why."""
    import polars as pl

    from risk_assets.lib.ml.reference_data import sba_frame
    from risk_assets.lib.monitoring.performance import MAX_CLOSED_EARLY_SHARE
    from risk_assets.lib.monitoring.retrain import MonitoringSnapshot, RetrainThresholds, VintageAuc, decide

    frame = pl.from_pandas(sba_frame(data_dir / "loans" / "sba_national.csv.gz", sample_fraction=0.05))
    data_end = frame["origination_date"].max()
    assert data_end.year == 2014  # June 2014 on the whole file
    cohort = frame.filter(pl.col("vintage").is_in([2006, 2010]) & pl.col("default_flag").is_not_null()).with_columns(
        pd_score=pl.lit(0.1))
    rows = {r["vintage"]: r for r in vintage_performance(cohort, False, data_end).to_dicts()}
    assert rows[2006]["closed_early_share"] < 0.2 and rows[2010]["closed_early_share"] > MAX_CLOSED_EARLY_SHARE
    labelled_2010 = cohort.filter(pl.col("vintage") == 2010)
    ends = (labelled_2010["origination_date"].dt.year() * 12 + labelled_2010["origination_date"].dt.month() - 1
            + labelled_2010["term_months"])
    expected = ((labelled_2010["default_flag"] == 0) & (ends > data_end.year * 12 + data_end.month - 1)).mean()
    assert abs(rows[2010]["closed_early_share"] - expected) < 1e-12
    share = rows[2010]["closed_early_share"]
    decision = decide(MonitoringSnapshot("loan_pd_sba", "v1", 0.72, 0, vintages=(
        VintageAuc(2006, 3_000, 0.70, 900, rows[2006]["closed_early_share"]), VintageAuc(2010, 800, 0.55, 100, share))),
        RetrainThresholds(min_rows=200, min_defaults=30))
    assert decision.trigger == "none"  # 2006 holds (0.70 >= 0.67); 2010's 0.55 is not judged
    assert f"not judged, most of their labelled loans closed before their term could run: vintage 2010 ({share:.0%})" in decision.reason


def test_a_closed_early_share_that_cannot_be_measured_is_null_with_its_reason(risk_home, data_dir):
    """The LendingClub sample tape records terms but no issue date and no as-of date: its vintage
    row had closed_early_share NULL and reason NULL. It now says why. An SBA vintage whose loans
    lost their origination dates (real 2003 loans, dates blanked) read 0.0, a share made up from
    loans that could not be placed: it is NULL with its reason too, and a dated vintage's share is
    unchanged (real 2002 loans, computed by hand)."""
    from datetime import datetime
    from itertools import islice

    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.loan_formats import parse_loan_file
    from risk_assets.lib.lake import connect
    from risk_assets.lib.ml.reference_data import sba_frame
    from risk_assets.lib.monitoring import tables
    from risk_assets.lib.monitoring.loans import monitor_population
    from risk_assets.lib.monitoring.population import Champion, load_population

    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        (risk_home.landing_loans / "lc.csv").write_text("".join(islice(handle, 201)))
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, "run-perf", asset="raw_loans")
        (trained_at,) = con.execute("SELECT max(_ingested_at) + INTERVAL 1 DAY FROM raw.loans").fetchone()
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute("CREATE TABLE marts.loan_features AS SELECT loan_key, portfolio, vintage, origination_date, "
                    "term_months, default_flag FROM raw.loans")
        con.execute("CREATE OR REPLACE TABLE ml.loan_scores AS SELECT loan_key, 0.14::DOUBLE AS pd, "
                    "'loan_pd_lendingclub' AS model, 'v1' AS model_version FROM raw.loans")
        population = load_population(con, Champion("loan_pd_lendingclub", "v1", "lendingclub", trained_at, 0.7))
    assert population.data_end is None and population.reference["term_months"].null_count() == 0
    (row,) = monitor_population(population, trained_at)[tables.VINTAGE_PERFORMANCE.name].to_dicts()
    assert row["n_labelled"] == 200 and row["closed_early_share"] is None
    assert row["reason"] == ("closed_early_share: the book records no origination or as-of date, so no contractual "
                             "end can be placed")

    frame = pl.from_pandas(sba_frame(data_dir / "loans" / "sba_national.csv.gz", sample_fraction=0.01)).select(
        "vintage", "default_flag", pl.col("origination_date").cast(pl.Date), "term_months").filter(
        pl.col("vintage").is_in([2002, 2003]) & pl.col("default_flag").is_not_null()).with_columns(
        origination_date=pl.when(pl.col("vintage") == 2003).then(None).otherwise(pl.col("origination_date")),
        pd_score=pl.lit(0.1))
    data_end = datetime(2014, 6, 30).date()
    rows = {r["vintage"]: r for r in vintage_performance(frame, False, data_end).to_dicts()}
    n_2003 = frame.filter(pl.col("vintage") == 2003).height
    assert rows[2003]["closed_early_share"] is None and n_2003 > 100
    assert rows[2003]["reason"] == (f"closed_early_share: none of the {n_2003:,} labelled loans has both an "
                                    "origination date and a term")
    dated = frame.filter(pl.col("vintage") == 2002)
    ends = dated["origination_date"].dt.year() * 12 + dated["origination_date"].dt.month() - 1 + dated["term_months"]
    assert rows[2002]["closed_early_share"] == pytest.approx(
        ((dated["default_flag"] == 0) & (ends > 2014 * 12 + 5)).mean(), abs=1e-12)
    assert rows[2002]["reason"] is None


def test_each_vintage_counts_its_defaults_and_gives_95_percent_intervals_for_default_rate_and_auc():
    """The sample lake's 1991 holdout_in_time cohort: 167 loans, 6 defaults, an AUC read as a finding with
    no count of defaults beside it. With 6 defaults its default rate is 0.0359 in 0.0166-0.0762
    (Wilson; scipy's binomtest gives the same) and its AUC (here 0.6361) spans 0.39-0.88 (Hanley &
    McNeil 1982), so it says little. A vintage with no defaults keeps a Wilson interval (0 to
    3.84 / (n + 3.84)) and no AUC interval."""
    import math

    from scipy.stats import binomtest

    pd_defaults = [0.05, 0.08, 0.11, 0.14, 0.17, 0.40]
    pd_others = [0.02 + 0.001 * i for i in range(161)]
    population = pl.DataFrame({
        "vintage": [1991] * 167 + [1992] * 40,
        "default_flag": [1] * 6 + [0] * 161 + [0] * 40,
        "pd_score": pd_defaults + pd_others + [0.1] * 40,
    })
    rows = {r["vintage"]: r for r in vintage_performance(population, False, cohort="holdout_in_time").to_dicts()}
    row = rows[1991]
    assert (row["n_labelled"], row["n_defaults"]) == (167, 6)
    wilson = binomtest(6, 167).proportion_ci(method="wilson")
    assert row["default_rate"] == pytest.approx(6 / 167)
    assert (row["default_rate_low"], row["default_rate_high"]) == pytest.approx((wilson.low, wilson.high), abs=1e-12)
    assert (round(row["default_rate_low"], 4), round(row["default_rate_high"], 4)) == (0.0166, 0.0762)
    auc = row["auc"]
    above = sum(sum(1.0 if d > o else 0.5 if d == o else 0.0 for o in pd_others) for d in pd_defaults)
    assert auc == pytest.approx(above / (6 * 161))
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    se = math.sqrt((auc * (1 - auc) + 5 * (q1 - auc**2) + 160 * (q2 - auc**2)) / (6 * 161))
    assert (row["auc_low"], row["auc_high"]) == pytest.approx((auc - 1.959963984540054 * se, auc + 1.959963984540054 * se))
    assert (round(row["auc_low"], 4), round(row["auc_high"], 4)) == (0.3924, 0.8799)  # six defaults: barely known

    none = rows[1992]
    assert none["n_defaults"] == 0 and none["auc"] is None and none["auc_low"] is None and none["auc_high"] is None
    assert none["default_rate_low"] == 0.0 and none["default_rate_high"] == pytest.approx(1.959963984540054**2 / (40 + 1.959963984540054**2))


def test_the_performance_preview_shows_defaults_and_both_intervals():
    from risk_assets.defs.monitoring.assets import PREVIEW_COLUMNS, _preview, _with_intervals

    population = pl.DataFrame({"vintage": [1991] * 167, "default_flag": [1] * 6 + [0] * 161,
                               "pd_score": [0.05, 0.08, 0.11, 0.14, 0.17, 0.40] + [0.02 + 0.001 * i for i in range(161)]})
    frame = vintage_performance(population, False, cohort="holdout_in_time").with_columns(model=pl.lit("loan_pd_sba"))
    header, _, line = _preview(_with_intervals(frame), PREVIEW_COLUMNS["vintage_performance"]).splitlines()
    assert header == ("| model | vintage | in_training | cohort | n_labelled | n_defaults | default_rate | default_rate_95 "
                      "| mean_pd | auc | auc_95 | ks | brier |")
    assert line.startswith("| loan_pd_sba | 1991 | False | holdout_in_time | 167 | 6 | 0.0359 | 0.0166-0.0762 | ")
