"""Resources, chosen in one place by the RISK_ENV environment variable.

`local` (the default) is the embedded lake: one DuckDB file and local folders under RISK_HOME.
A deployment that outgrows one machine adds its environment here (object storage for landing and
artifacts, a warehouse target for dbt); assets only ever reach storage through these resources.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import Field

from risk_assets.lib.home import RiskHome
from risk_assets.lib.lake import connect

LAKE_POOL = "lake"
"""Every asset that writes the DuckDB lake runs in this pool; the instance limits it to 1 slot.

The pool is the first of two layers. On Dagster's default SQLite storage, two steps that claim the
slot in the same millisecond can both get it (the claim's `SELECT ... FOR UPDATE` is a no-op in
SQLite); the second layer, the lake's `connect`, then makes whichever opens the file second wait
for DuckDB's lock (up to 600 s) and log that it waits, so nothing fails and nothing is lost
(risk_assets_tests/defs/transform/test_single_writer.py)."""


class LakeResource(dg.ConfigurableResource):
    """The lake home: the DuckDB file, landing folders, model artifacts and reports."""

    root: str = Field(description="Folder holding lake.duckdb, landing/, artifacts/ and reports/.")

    @property
    def home(self) -> RiskHome:
        return RiskHome(Path(self.root).resolve()).ensure()

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A DuckDB connection to the lake that waits while another process writes."""
        with connect(self.home.lake_path, read_only=read_only) as con:
            yield con


def resources_for_env(env: str | None = None) -> dict[str, object]:
    """The resource dict for RISK_ENV (`local` only for now).

    Raises:
        ValueError: an unknown environment name.
    """
    env = env or os.environ.get("RISK_ENV", "local")
    if env != "local":
        raise ValueError(f"RISK_ENV={env!r} is not configured; known: local")
    home = RiskHome.from_env()
    return {"lake": LakeResource(root=str(home.root))}
