"""A code location for the single-writer test: two lake writers and the dbt assets, all in pool `lake`."""

import re
import time
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource

from risk_assets.defs.resources import LAKE_POOL, LakeResource
from risk_assets.defs.transform.assets import DBT_ASSETS
from risk_assets.defs.transform.project import dbt_executable, dbt_project
from risk_assets.lib.home import RiskHome
from risk_assets.lib.lake import connect

ROWS = 500


WAIT_SECONDS = 120.0
"""How long a writer waits for a held lock, through the lake's own `connect` as every lake asset
does (their default is 600 s). The pool keeps writers' steps apart, but Dagster claims a pool slot
on its default SQLite storage with a `SELECT ... FOR UPDATE` that SQLite ignores, so two runs whose
steps claim at the same moment can both get the one slot; the writer that opens the lake second
then waits here and says so in its step's log, which the test reads."""

WAIT_LINE = "is held by another writer"
"""Part of the line `connect` logs when it starts waiting for the lock."""


def _write(context: dg.AssetExecutionContext, lake: LakeResource, writer: str) -> None:
    try:
        with connect(lake.home.lake_path, wait_seconds=WAIT_SECONDS, on_wait=context.log.info) as con:
            con.execute("CREATE TABLE IF NOT EXISTS raw.writes (writer VARCHAR, i INTEGER)")
            for i in range(ROWS):
                con.execute("INSERT INTO raw.writes VALUES (?, ?)", [writer, i])
            time.sleep(2)  # hold the lock long enough for the other runs to try
    except duckdb.IOException as exc:  # name the holder while it still runs: the test's output outlives it
        if "lock" not in str(exc).lower():
            raise
        raise duckdb.IOException(f"{exc}\nholder: {_holder(str(exc))}") from exc


def _holder(message: str) -> str:
    """The command line and parent of the process DuckDB's lock message names (PID n)."""
    found = re.search(r"PID (\d+)", message)
    if not found:
        return "no PID in the message"
    proc = Path("/proc") / found.group(1)
    try:
        cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        parent = re.search(r"PPid:\s+(\d+)", (proc / "status").read_text()).group(1)
        parent_cmd = (Path("/proc") / parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError as exc:
        return f"PID {found.group(1)} already gone ({exc.strerror})"
    return f"PID {found.group(1)}: {cmdline[:300]} (parent {parent}: {parent_cmd[:300]})"


@dg.asset(pool=LAKE_POOL)
def writer_a(context: dg.AssetExecutionContext, lake: LakeResource) -> None:
    _write(context, lake, "a")


@dg.asset(pool=LAKE_POOL)
def writer_b(context: dg.AssetExecutionContext, lake: LakeResource) -> None:
    _write(context, lake, "b")


defs = dg.Definitions(
    assets=[writer_a, writer_b, *DBT_ASSETS],
    resources={
        "lake": LakeResource(root=str(RiskHome.from_env().root)),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
    },
    executor=dg.in_process_executor,
)
