"""Metric and score tables export to CSV and Parquet with every row and value."""

from __future__ import annotations

import csv

import duckdb
import pytest

from risk_assets.lib.lake import connect
from risk_assets.lib.ml.registry import record_metrics
from risk_assets.lib.report.export import EXPORT_TABLES, export_tables, resolve_tables


@pytest.fixture
def lake_with_metrics(risk_home):
    with connect(risk_home.lake_path) as con:
        record_metrics(con, "loan_pd_lendingclub", "v1", "holdout", {"auc": 0.6871, "ks": 0.2893, "ece": None})
        con.execute("CREATE TABLE monitoring.psi (feature VARCHAR, psi DOUBLE)")
        con.execute("INSERT INTO monitoring.psi VALUES ('annual_income', 0.031), ('pd', 0.24)")
    return risk_home


def test_default_tables_that_exist_are_exported_and_the_rest_reported(lake_with_metrics):
    with connect(lake_with_metrics.lake_path, read_only=True) as con:
        found, unmatched = resolve_tables(con, EXPORT_TABLES)
    assert {"ml.model_metrics", "ml.model_registry", "monitoring.psi", "monitoring.retrain_decisions",
            "quality.check_results"} <= set(found)
    assert "ml.loan_scores" in unmatched


def test_csv_export_keeps_every_row_and_null(lake_with_metrics, tmp_path):
    with connect(lake_with_metrics.lake_path, read_only=True) as con:
        written = export_tables(con, ["ml.model_metrics", "monitoring.*"], tmp_path, "csv")
    assert [(w.table, w.rows) for w in written] == [
        ("ml.model_metrics", 3), ("monitoring.psi", 2), ("monitoring.retrain_decisions", 0)]
    with (tmp_path / "ml.model_metrics.csv").open(newline="") as handle:
        metrics = {r["metric"]: r for r in csv.DictReader(handle)}
    assert float(metrics["auc"]["value"]) == 0.6871
    assert metrics["ece"]["value"] == ""


def test_parquet_export_round_trips(lake_with_metrics, tmp_path):
    with connect(lake_with_metrics.lake_path, read_only=True) as con:
        export_tables(con, ["monitoring.psi"], tmp_path, "parquet")
    back = duckdb.sql(f"SELECT * FROM '{tmp_path / 'monitoring.psi.parquet'}' ORDER BY feature").fetchall()
    assert back == [("annual_income", 0.031), ("pd", 0.24)]


def test_unknown_format_is_refused(lake_with_metrics, tmp_path):
    with connect(lake_with_metrics.lake_path, read_only=True) as con, pytest.raises(ValueError, match="xlsx"):
        export_tables(con, ["ml.model_metrics"], tmp_path, "xlsx")
