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
