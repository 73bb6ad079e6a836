"""What the UI's preview of a monitoring table shows first."""

from __future__ import annotations

import polars as pl

from risk_assets.defs.monitoring.assets import _preview, _preview_order


def test_the_vintage_performance_preview_shows_the_out_of_sample_rows_first():
    """25 in-sample vintages and 3 out-of-time ones: sorted by model and vintage alone, the
    preview's 20 rows would be in-sample only; the out-of-sample rows lead instead."""
    frame = pl.DataFrame({
        "model": ["loan_pd_sba"] * 28,
        "vintage": [str(y) for y in range(1979, 2004)] + ["2004", "2005", "2006"],
        "in_training": [True] * 25 + [False] * 3,
        "cohort": ["training"] * 25 + ["holdout_oot"] * 3,
        "auc": [0.75] * 25 + [0.7122, 0.6778, 0.6546],
    })
    shown = _preview(_preview_order("vintage_performance", frame), ["vintage", "cohort", "auc"]).splitlines()
    assert shown[2:5] == ["| 2004 | holdout_oot | 0.7122 |", "| 2005 | holdout_oot | 0.6778 |",
                          "| 2006 | holdout_oot | 0.6546 |"]
    assert len(shown) == 22 and shown[5] == "| 1979 | training | 0.7500 |"
