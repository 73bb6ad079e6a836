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


def test_a_population_table_made_before_loans_landed_through_reads_with_the_column_null(tmp_path):
    """A sensor tick on a lake written before an upgrade reads the table before any refresh adds the
    column: `monitoring_behind` raised polars' ColumnNotFoundError on every tick until the daily refresh."""
    from risk_assets.lib.monitoring.loans import monitoring_behind

    with duckdb.connect(str(tmp_path / "lake.duckdb")) as con:
        con.execute("CREATE SCHEMA monitoring")
        old = {name: spec for name, spec in tables.CHAMPION_POPULATION.columns.items() if name != "loans_landed_through"}
        con.execute(tables.MonitoringTable(tables.CHAMPION_POPULATION.name, "", old).ddl())
        con.execute("INSERT INTO monitoring.champion_population (model, champion_version) VALUES ('loan_pd_sba', 'v1')")
        read = tables.read(con, tables.CHAMPION_POPULATION)
        assert read.columns[:len(old)] == list(old) and set(read.columns) == set(tables.CHAMPION_POPULATION.columns)
        assert read.select("model", "champion_version", "loans_landed_through").rows() == [("loan_pd_sba", "v1", None)]
        assert read.schema["loans_landed_through"] == tables.CHAMPION_POPULATION.schema["loans_landed_through"]
        assert monitoring_behind(con) is None  # nothing to compare until the refresh records it
