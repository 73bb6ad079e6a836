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
    assert row["reason"] == "2 loans left out: PD NaN or outside 0-1"


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
