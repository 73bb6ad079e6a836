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


def test_monitoring_is_behind_while_a_loan_file_loaded_after_its_last_refresh_is_not_in_its_numbers(tmp_path):
    """`monitoring_behind` compares the newest loaded loan file with the newest landing time any
    champion's row recorded: none without the table or a time to compare; behind, naming the file
    and its time, once a loan file loaded later; not behind for a file landed at that very time, a
    later news file, or a later loan file that was refused or withdrawn."""
    from datetime import datetime

    from risk_assets.lib.lake import connect
    from risk_assets.lib.monitoring.loans import monitoring_behind

    refreshed_sba, refreshed_lc = datetime(2024, 5, 1, 9, 0), datetime(2024, 5, 2, 9, 0)
    with connect(tmp_path / "lake.duckdb") as con:
        assert monitoring_behind(con) is None  # no monitoring table yet
        tables.ensure_tables(con)
        assert monitoring_behind(con) is None  # a table without rows
        tables.replace(con, tables.CHAMPION_POPULATION, pl.DataFrame(
            {"model": ["loan_pd_sba", "loan_pd_lendingclub"], "champion_version": ["v1", "v2"]}))
        assert monitoring_behind(con) is None  # rows, none of which recorded a landing time

        tables.replace(con, tables.CHAMPION_POPULATION, pl.DataFrame(
            {"model": ["loan_pd_sba", "loan_pd_lendingclub", "loan_pd_acme"], "champion_version": ["v1", "v2", "v1"],
             "loans_landed_through": [refreshed_sba, refreshed_lc, None]}))
        files = [("a", "/lake/landing/loans/sba.csv", "loans", "loaded", datetime(2024, 4, 30)),
                 ("b", "/lake/landing/loans/lc.csv", "loans", "loaded", refreshed_lc)]
        con.executemany("INSERT INTO raw.landed_files (sha256, path, size_bytes, domain, status, landed_at) "
                        "VALUES (?, ?, 1, ?, ?, ?)", files)
        assert monitoring_behind(con) is None  # the newest file is the one the latest refresh took in
        con.executemany("INSERT INTO raw.landed_files (sha256, path, size_bytes, domain, status, landed_at) "
                        "VALUES (?, ?, 1, ?, ?, ?)",
                        [("c", "/lake/landing/news/feed.json", "news", "loaded", datetime(2024, 5, 3)),
                         ("d", "/lake/landing/loans/bad.csv", "loans", "refused", datetime(2024, 5, 3)),
                         ("e", "/lake/landing/loans/gone.csv", "loans", "withdrawn", datetime(2024, 5, 3))])
        assert monitoring_behind(con) is None  # no loans came in with those
        con.execute("INSERT INTO raw.landed_files (sha256, path, size_bytes, domain, status, landed_at) "
                    "VALUES ('f', '/lake/landing/loans/2024-05/tape.csv', 1, 'loans', 'loaded', '2024-05-02 09:00:01')")
        behind = monitoring_behind(con)
    assert behind == ("the loan monitoring tables were refreshed before tape.csv landed (2024-05-02 09:00:01 UTC): "
                      "waiting for them to take its loans in (the ingest run refreshes them after landing, the "
                      "daily_monitoring schedule each day, or materialize champion_population); the next tick "
                      "re-evaluates")
