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


GRACE_SECONDS = 3.0
"""How long a writer retries a held lock: the pool frees its slot when a step ends, and the step's
process may close the lake a moment later (under load, a few hundred ms). Shorter than one writer's
hold (ROWS inserts and 2 s), so without the pool the writers' steps would still overlap, which the
test's step spans catch."""


def _write(lake: LakeResource, writer: str) -> None:
    # The lake's own connect, waiting GRACE_SECONDS only: it fails on "Could not set lock on file"
    # after that, so only the pool can keep this writer from colliding with another run's writer.
    try:
        with connect(lake.home.lake_path, wait_seconds=GRACE_SECONDS, on_wait=lambda _: None) as con:
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
def writer_a(lake: LakeResource) -> None:
    _write(lake, "a")


@dg.asset(pool=LAKE_POOL)
def writer_b(lake: LakeResource) -> None:
    _write(lake, "b")


defs = dg.Definitions(
    assets=[writer_a, writer_b, *DBT_ASSETS],
    resources={
        "lake": LakeResource(root=str(RiskHome.from_env().root)),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
    },
    executor=dg.in_process_executor,
)
