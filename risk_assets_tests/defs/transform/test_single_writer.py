"""DuckDB single writer: two runs started at the same moment, plus dbt, all succeed and lose nothing.

Three `dagster asset materialize` processes share one instance whose dagster.yaml limits every pool
to one slot (risk_assets.cli.INSTANCE_YAML): two writers that open the lake waiting 3 s only
(lake_writers.GRACE_SECONDS), and the dbt models. Without the
pool the writers collide on "Could not set lock on file", and their steps overlap.
"""

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from risk_assets.cli import init_home
from risk_assets_tests.defs.transform.lake_writers import ROWS
from risk_assets_tests.lib.quality.lake_rows import lake_with, loan_rows, news_rows


@pytest.mark.slow
def test_two_runs_and_dbt_at_once_all_succeed(risk_home, cases_dir, monkeypatch):
    dagster_home = risk_home.root / "dagster"
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))
    init_home(risk_home)
    assert "default_limit: 1" in (dagster_home / "dagster.yaml").read_text()
    dg.DagsterInstance.from_config(str(dagster_home)).dispose()  # create its storage before the race
    lake_with(risk_home.lake_path, loans=[loan_rows(cases_dir / "F12_loans_snapshot_2024-04.csv")],
              news=[news_rows([("Profit rose.", "positive")])])
    dagster = str(Path(sys.executable).parent / "dagster")
    runs = {
        name: subprocess.Popen(
            [dagster, "asset", "materialize", "-m", "risk_assets_tests.defs.transform.lake_writers", "--select", select],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=os.environ.copy(),
        )
        for name, select in (("a", "writer_a"), ("b", "writer_b"), ("dbt", "stg_loans,stg_news,loan_features,news_features"))
    }
    outputs = {name: proc.communicate(timeout=600)[0] for name, proc in runs.items()}
    for name, proc in runs.items():
        assert proc.returncode == 0, outputs[name][-3000:]
        assert "Could not set lock" not in outputs[name]
    with duckdb.connect(str(risk_home.lake_path), read_only=True) as con:
        writes = con.execute("SELECT writer, count(*), count(DISTINCT i) FROM raw.writes GROUP BY 1 ORDER BY 1").fetchall()
        features = con.execute("SELECT count(*) FROM marts.loan_features").fetchone()[0]
    assert writes == [("a", ROWS, ROWS), ("b", ROWS, ROWS)]
    assert features == 8
    spans = sorted(_step_spans(dagster_home))
    assert len(spans) == 6  # writer_a, writer_b and the four dbt steps: one at a time, never overlapping
    assert all(earlier[1] <= later[0] for earlier, later in zip(spans, spans[1:])), spans


def _step_spans(dagster_home: Path) -> list[tuple[float, float]]:
    """(start, end) of every step of every run in the instance, from its event log."""
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        spans = []
        for record in instance.get_run_records():
            starts, ends = {}, {}
            for event in instance.all_logs(record.dagster_run.run_id):
                if event.dagster_event is None or event.step_key is None:
                    continue
                if event.dagster_event.event_type_value == "STEP_START":
                    starts[event.step_key] = event.timestamp
                elif event.dagster_event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
                    ends[event.step_key] = event.timestamp
            spans += [(starts[k], ends[k]) for k in starts]
        return spans
