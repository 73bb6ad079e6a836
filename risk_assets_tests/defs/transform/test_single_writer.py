"""DuckDB single writer: two runs started at the same moment, plus dbt, all succeed and lose nothing.

Three `dagster asset materialize` processes share one instance whose dagster.yaml limits every pool
to one slot (risk_assets.cli.INSTANCE_YAML): two writers that open the lake through its own
`connect` (lake_writers), and the dbt models. Two layers keep them apart. The pool runs one lake
step at a time, but on Dagster's default SQLite storage two steps claiming the slot in the same
millisecond can both get it (SQLite ignores the claim's `SELECT ... FOR UPDATE`; seen here under a
busy test suite: both writers started within 2 ms). Then the lake's `connect` makes whichever writer
opens the file second wait for DuckDB's lock, and say so in its step's log; dbt waits through its
profile's `connect_attempts`, silently. So: every run succeeds, no row is lost, and of any two lake
steps that ran at once, one logged its wait for the lock or is a dbt step. (With every process
started at the same moment, a missing pool looks like that race: this test holds the product's
guarantee, not the pool's.)
"""

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from risk_assets.cli import init_home
from risk_assets_tests.defs.transform.lake_writers import ROWS, WAIT_LINE
from risk_assets_tests.lib.quality.lake_rows import lake_with, loan_rows, news_rows


@pytest.mark.slow
def test_two_runs_and_dbt_at_once_all_succeed(risk_home, cases_dir, monkeypatch):
    dagster_home = risk_home.root / "dagster"
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))
    init_home(risk_home)  # creates the instance's stores before the three processes open them
    assert "default_limit: 1" in (dagster_home / "dagster.yaml").read_text()
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
        assert proc.returncode == 0, outputs[name][-3000:]  # a writer that met the lock held waited, not failed
    with duckdb.connect(str(risk_home.lake_path), read_only=True) as con:
        writes = con.execute("SELECT writer, count(*), count(DISTINCT i) FROM raw.writes GROUP BY 1 ORDER BY 1").fetchall()
        features = con.execute("SELECT count(*) FROM marts.loan_features").fetchone()[0]
    assert writes == [("a", ROWS, ROWS), ("b", ROWS, ROWS)]
    assert features == 8
    steps = sorted(_steps(dagster_home))
    assert [step.key for step in steps].count("dbt_stg_loans") == 1 and len(steps) == 6  # 2 writers, 4 dbt steps
    overlaps = [(earlier, later) for i, earlier in enumerate(steps) for later in steps[i + 1:] if later.start < earlier.end]
    for pair in overlaps:  # the pool's slot claimed twice at once: whichever opened the lake second waited
        assert any(step.key.startswith("dbt_") or WAIT_LINE in step.log for step in pair), pair


@dataclass(order=True)
class _Step:
    start: float
    end: float
    key: str
    log: str  # the step's own log lines, joined


def _steps(dagster_home: Path) -> list[_Step]:
    """Every step of every run in the instance, with its span and log lines, from its event log."""
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        steps = []
        for record in instance.get_run_records():
            starts, ends, logs = {}, {}, {}
            for event in instance.all_logs(record.dagster_run.run_id):
                if event.step_key is None:
                    continue
                if event.dagster_event is None:
                    logs[event.step_key] = logs.get(event.step_key, "") + event.user_message + "\n"
                elif event.dagster_event.event_type_value == "STEP_START":
                    starts[event.step_key] = event.timestamp
                elif event.dagster_event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
                    ends[event.step_key] = event.timestamp
            steps += [_Step(starts[k], ends[k], k, logs.get(k, "")) for k in starts]
        return steps
