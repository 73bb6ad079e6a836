"""A PD champion's calibration read back on a lake that predates ml.calibration_bins.

`risk-assets registry --restore` re-judges loan_pd_calibration on the champions it leaves; on a lake
whose PD tables were written before calibration bins were kept, reading them raised a DuckDB
catalog error and the command ended in a traceback.
"""
from __future__ import annotations

import duckdb

from risk_assets.lib.lake import ensure_lake, table_exists
from risk_assets.lib.ml import pd_lake, registry


def test_a_champion_on_a_lake_without_calibration_bins_reads_as_not_recorded_not_an_error(tmp_path):
    con = duckdb.connect(str(tmp_path / "lake.duckdb"))
    ensure_lake(con)
    assert not table_exists(con, "ml.calibration_bins")
    registry.register_candidate(con, "loan_pd_acme", "20240101T000000Z-aaaa0001", str(tmp_path / "gone"),
                                "auc_holdout", 0.71, "sha256:abc")
    registry.promote(con, "loan_pd_acme", "20240101T000000Z-aaaa0001", "first model")

    found = pd_lake.champion_calibration(con)

    assert found == [{"model": "loan_pd_acme", "version": "20240101T000000Z-aaaa0001",
                      "status": pd_lake.CALIBRATION_NOT_RECORDED, "split": "holdout", "mean_pd": None,
                      "default_rate": None, "ece": None}]
