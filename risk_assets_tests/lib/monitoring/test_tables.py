"""The monitoring tables: a table made by an older version gains the columns it lacks and keeps loading."""

import duckdb
import polars as pl

from risk_assets.lib.monitoring import tables


def test_a_psi_table_made_before_noise_psi_gets_the_column_and_keeps_loading(tmp_path):
    with duckdb.connect(str(tmp_path / "lake.duckdb")) as con:
        con.execute("CREATE SCHEMA monitoring")
        old = {name: spec for name, spec in tables.SCORE_PSI.columns.items() if name != "noise_psi"}
        con.execute(tables.MonitoringTable(tables.SCORE_PSI.name, "", old).ddl())
        row = pl.DataFrame({"model": ["loan_pd_sba"], "variable": ["pd_score"], "psi": [0.3], "noise_psi": [0.05]})
        assert tables.replace(con, tables.SCORE_PSI, row) == 1
        assert con.execute("SELECT psi, noise_psi FROM monitoring.score_psi").fetchall() == [(0.3, 0.05)]
