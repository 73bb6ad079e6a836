"""`risk-assets export` writes the metric tables a reader without UI access asks for."""

from __future__ import annotations

import csv

import pytest

from risk_assets.cli import main
from risk_assets.lib.lake import connect
from risk_assets.lib.ml.registry import record_metrics, register_candidate


@pytest.fixture(autouse=True)
def dagster_home(risk_home, monkeypatch):
    """The CLI exports DAGSTER_HOME for its children; keep that inside the test."""
    monkeypatch.setenv("DAGSTER_HOME", str(risk_home.root / "dagster"))


def test_export_writes_the_default_tables_and_names_the_missing_ones(risk_home, tmp_path, capsys):
    with connect(risk_home.lake_path) as con:
        register_candidate(con, "loan_pd_lendingclub", "v1", "/artifacts/loan_pd/v1", "auc", 0.6871, "sha:abc")
        record_metrics(con, "loan_pd_lendingclub", "v1", "holdout", {"auc": 0.6871, "brier": 0.1183})

    assert main(["export", "--format", "csv", "--out", str(tmp_path / "out")]) == 0

    out = capsys.readouterr().out
    assert "ml.model_metrics: 2 rows" in out and "not in the lake yet (skipped): ml.loan_scores" in out
    with (tmp_path / "out" / "ml.model_registry.csv").open(newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert (row["model"], row["status"], float(row["primary_value"])) == ("loan_pd_lendingclub", "candidate", 0.6871)


def test_export_of_a_table_that_does_not_exist_fails_with_its_name(risk_home, tmp_path, capsys):
    with connect(risk_home.lake_path) as con:  # an empty lake: the shared tables only
        assert con.execute("SELECT count(*) FROM ml.model_metrics").fetchone()[0] == 0
    assert main(["export", "--out", str(tmp_path), "--tables", "ml.loan_scorez"]) == 2
    assert "ml.loan_scorez" in capsys.readouterr().err


def test_a_glob_matching_no_table_lists_the_lakes_tables_and_one_row_is_one_row(risk_home, tmp_path, capsys):
    """`--tables 'nosuch.*'` said no such table without naming those that exist; a table of one row
    was exported as '1 rows'."""
    from risk_assets.lib.report.export import lake_tables

    with connect(risk_home.lake_path) as con:
        register_candidate(con, "loan_pd_lendingclub", "v1", "/artifacts/loan_pd/v1", "auc", 0.6871, "sha:abc")
        held = lake_tables(con)
    assert main(["export", "--out", str(tmp_path), "--tables", "nosuch.*"]) == 2
    assert capsys.readouterr().err == (f"risk-assets: no such table in {risk_home.lake_path}: nosuch.*; its tables: "
                                       f"{', '.join(held)}\n")
    assert "ml.model_registry" in held
    assert main(["export", "--out", str(tmp_path), "--tables", "ml.model_registry"]) == 0
    assert capsys.readouterr().out == f"ml.model_registry: 1 row -> {tmp_path / 'ml.model_registry.csv'}\n"


def test_export_without_a_lake_says_how_to_make_one(risk_home, tmp_path, capsys):
    assert main(["export", "--out", str(tmp_path)]) == 2
    assert "risk-assets run" in capsys.readouterr().err


def test_a_mistyped_or_unwritable_lake_home_is_reported_in_one_line_and_never_created(tmp_path, monkeypatch, capsys):
    typo = tmp_path / "risk_hom" / "deep"
    monkeypatch.setenv("RISK_HOME", str(typo))
    for command in (["registry"], ["withdraw", "x.csv", "--reason", "r"], ["export", "--out", str(tmp_path / "out")]):
        assert main(command) == 2
        assert f"risk-assets: no lake at {typo / 'lake.duckdb'}" in capsys.readouterr().err
    assert not (tmp_path / "risk_hom").exists()
    a_file = tmp_path / "home.txt"
    a_file.write_text("not a folder")
    monkeypatch.setenv("RISK_HOME", str(a_file))
    assert main(["init"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"risk-assets: cannot create the lake home {a_file}: ") and err.count("\n") == 1


def test_a_lake_home_that_cannot_be_written_is_one_line_for_commands_on_a_lake_too(risk_home, tmp_path, monkeypatch, capsys):
    import risk_assets.cli as cli

    with connect(risk_home.lake_path) as con:  # a lake exists: export goes on to prepare its home
        assert con.execute("SELECT count(*) FROM raw.landed_files").fetchone()[0] == 0

    def read_only(home, **_):
        raise PermissionError(13, "Permission denied", str(home.root / "landing"))

    monkeypatch.setattr(cli, "init_home", read_only)
    assert main(["export", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err == (f"risk-assets: cannot create the lake home {risk_home.root}: Permission denied "
                   f"({risk_home.root / 'landing'}); set RISK_HOME to a folder you can write\n")


@pytest.mark.parametrize("command", [["registry"], ["withdraw", "x.csv", "--reason", "r"], ["loan", "sba:1000014003"],
                                     ["quarantine"], ["export", "--out", "out"], ["verify", "--own-data"]])
def test_every_lake_command_without_a_lake_says_where_it_looked_and_to_set_risk_home_first(command, tmp_path,
                                                                                            monkeypatch, capsys):
    """A forgotten or mistyped RISK_HOME is the usual cause of no lake: the line names the folder
    looked in and why there, then the two remedies; `verify` said only 'no lake at ...'."""
    from risk_assets.cli import own_command

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RISK_HOME", raising=False)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    build = (f"or build a lake there with `{own_command()} run` (`run --no-seed` for your own files in its "
             "landing folders)")
    assert main(command) == (1 if command[0] == "verify" else 2)
    assert capsys.readouterr().err == (
        f"risk-assets: no lake at {tmp_path / '.risk_home' / 'lake.duckdb'} (RISK_HOME is not set, so the lake is "
        "looked for in .risk_home/ of the working folder): set RISK_HOME to the folder that holds your lake.duckdb "
        f"(export RISK_HOME=/path/to/it), {build}\n")
    typo = tmp_path / "lake_hom"
    monkeypatch.setenv("RISK_HOME", str(typo))
    assert main(command) == (1 if command[0] == "verify" else 2)
    assert capsys.readouterr().err == (
        f"risk-assets: no lake at {typo / 'lake.duckdb'} (RISK_HOME is {typo}, which holds no lake.duckdb): set "
        f"RISK_HOME to the folder that holds your lake.duckdb (export RISK_HOME=/path/to/it), {build}\n")
    assert not typo.exists() and not (tmp_path / ".risk_home").exists()


def test_export_to_a_path_it_cannot_write_says_so_in_one_line_instead_of_a_traceback(risk_home, tmp_path, capsys):
    """--out naming a file, or a folder where a table's file would go is a folder, ended in a
    FileExistsError or DuckDB IO traceback."""
    with connect(risk_home.lake_path) as con:  # a lake of the shared tables only
        register_candidate(con, "loan_pd_lendingclub", "v1", "/artifacts/loan_pd/v1", "auc", 0.6871, "sha:abc")
    a_file = tmp_path / "exports.csv"
    a_file.write_text("id\n")
    assert main(["export", "--out", str(a_file)]) == 2
    assert capsys.readouterr().err == (f"risk-assets: cannot write the export to {a_file}: a file is there, not a "
                                       "folder; --out takes a folder you can write (created if missing)\n")
    out = tmp_path / "out"
    (out / "ml.model_metrics.csv").mkdir(parents=True)  # where COPY writes the table's file
    assert main(["export", "--out", str(out), "--tables", "ml.model_metrics"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"risk-assets: cannot write the export to {out}: IO Error: ") and err.endswith(
        "; --out takes a folder you can write (created if missing)\n"), err
