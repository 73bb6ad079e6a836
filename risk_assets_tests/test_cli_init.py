"""The `risk-assets` commands that start Dagster (init, run, replay) run `init_home` first, and it
creates the Dagster instance's SQLite stores once: a fresh home whose stores two processes created side by side (the CLI's
watcher and the run it started, or `dagster dev`'s daemon and webserver) had each stamp a schema
version, and every later open of the instance failed with alembic's "Version table
'alembic_version' has more than one head present"."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

from risk_assets.cli import init_home

STORES = ["history/runs.db", "history/runs/index.db", "schedules/schedules.db"]


def _versions(dagster_home) -> dict[str, list[str]]:
    versions = {}
    for store in STORES:
        with sqlite3.connect(dagster_home / store) as db:
            versions[store] = [row[0] for row in db.execute("select version_num from alembic_version")]
    return versions


def test_init_creates_each_instance_store_with_one_schema_version(risk_home):
    dagster_home = init_home(risk_home)
    assert sorted(p.relative_to(dagster_home).as_posix() for p in dagster_home.rglob("*.db")) == STORES
    first = _versions(dagster_home)
    assert all(len(heads) == 1 for heads in first.values()), first
    assert init_home(risk_home) == dagster_home  # the next command's init leaves the stores as they are
    assert _versions(dagster_home) == first


def test_processes_opening_a_fresh_instance_side_by_side_all_succeed(risk_home):
    dagster_home = init_home(risk_home)
    opener = ("import dagster as dg, sys\n"
              "with dg.DagsterInstance.from_config(sys.argv[1]) as instance:\n"
              "    print(len(instance.get_run_records()))\n")
    openers = [subprocess.Popen([sys.executable, "-c", opener, str(dagster_home)], text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(3)]
    try:
        results = [(p.wait(timeout=300), p.stdout.read()) for p in openers]
    finally:
        for p in openers:
            p.kill()  # a no-op on one that ended
    assert [(rc, out.strip().splitlines()[-1]) for rc, out in results] == [(0, "0")] * 3, results


def test_an_instance_that_cannot_be_opened_is_one_line_not_a_stack_trace(risk_home, monkeypatch, capsys):
    """A dagster.yaml Dagster refuses: the commands that start Dagster say which instance and why in
    one line (exit 2); a lake command (`quarantine`) never opens the instance and goes on."""
    from risk_assets.cli import main

    monkeypatch.setenv("DAGSTER_HOME", str(risk_home.root / "dagster"))
    init_home(risk_home, stores=False)
    config = risk_home.root / "dagster" / "dagster.yaml"
    config.write_text("run_storage:\n  module: no_such_module\n  class: NoSuchStorage\n")

    assert main(["init"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"risk-assets: cannot open the Dagster instance in {risk_home.root / 'dagster'}: ")
    assert "no_such_module" in err and f"(its settings are {config};" in err

    from risk_assets.lib.lake import connect, ensure_lake

    with connect(risk_home.lake_path) as con:  # a lake, empty: the lake command reads it and answers
        ensure_lake(con)
    assert main(["quarantine"]) == 0
    assert capsys.readouterr() == ("quality.quarantine is empty: every value landed\n", "")
