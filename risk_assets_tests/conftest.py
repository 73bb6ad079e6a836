"""Shared fixtures: a throwaway lake home per test and the paths of the shared sample data and cases."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from pathlib import Path


def _share_the_cores_among_workers() -> None:
    """Give each pytest-xdist worker its share of the cores for torch's threads (OpenMP).

    The suite runs one worker per core (pyproject's addopts), and torch in each starts one thread
    per core: 4 busy threads on 2 cores, which spin-wait on each other. Two torch-heavy test files
    side by side on the 2-core machine took 225 s that way and 97 s with one thread each. OMP_NUM_THREADS
    reaches the Dagster and dbt processes the tests start; a value set by the user is kept. Run
    serially (`-n 0`), nothing changes.
    """
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers < 2 or "OMP_NUM_THREADS" in os.environ:
        return
    threads = max(1, len(os.sched_getaffinity(0)) // workers)  # the cores this process may use
    os.environ["OMP_NUM_THREADS"] = str(threads)
    if "torch" in sys.modules:  # already started: the variable is read once, at torch's import
        sys.modules["torch"].set_num_threads(threads)


_share_the_cores_among_workers()

import pytest  # noqa: E402

from risk_assets.lib.home import PROJECT_ROOT, RiskHome  # noqa: E402

SHARED = Path(os.environ.get("RISK_SHARED_DIR", PROJECT_ROOT.parent / "shared"))
CASES = SHARED / "cases"
DATA = SHARED / "data"


def pytest_configure(config: pytest.Config) -> None:
    """Stop the suite on SIGTERM (`kill <pid>`, a CI runner's timeout) as Ctrl-C stops it.

    Ctrl-C in a terminal sends SIGINT to every process of the foreground job: the pytest-xdist
    controller, its workers, and the Dagster, dbt and training processes the tests started, which
    all stop. `kill` reaches the controller alone: by Python's default it died at once, xdist's
    workers after it, and the processes the tests had started ran on, orphaned (a `dagster asset
    materialize` for minutes). Here the controller sends SIGINT to each of its descendants (psutil),
    as the terminal would, and then takes pytest's Ctrl-C path itself: xdist shuts its workers down,
    the summary says what ran, and pytest exits 2. Workers keep Python's defaults.

    A suite started in the background by a script (`pytest &`, `nohup pytest &`: no job control)
    inherits SIGINT ignored, and so did every worker and process after it: the SIGINT sent to them
    was lost, and `kill` left the suite waiting on workers that never stopped. The controller takes
    SIGINT back before it starts its workers, which then start with Python's default.
    """
    if hasattr(config, "workerinput"):  # an xdist worker
        return
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:  # inherited from a background start
        signal.signal(signal.SIGINT, signal.default_int_handler)

    def _interrupt(signum: int, frame: object) -> None:
        import psutil  # the test extra's

        for process in psutil.Process().children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):  # ended meanwhile
                process.send_signal(signal.SIGINT)
        raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")

    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:  # a handler someone else set is kept
        signal.signal(signal.SIGTERM, _interrupt)


@pytest.fixture
def risk_home(tmp_path, monkeypatch) -> RiskHome:
    """A fresh RISK_HOME under tmp_path, exported to the environment for the test's duration, with
    DAGSTER_HOME its own `dagster` folder: `risk-assets`' main sets DAGSTER_HOME for its process when
    unset, so a test that called it left its home's instance to every later test of the worker."""
    home = RiskHome(tmp_path / "risk_home").ensure()
    monkeypatch.setenv("RISK_HOME", str(home.root))
    monkeypatch.setenv("DAGSTER_HOME", str(home.root / "dagster"))
    return home


@pytest.fixture
def cases_dir() -> Path:
    if not CASES.is_dir():
        pytest.skip(f"bad-input cases not found at {CASES}")
    return CASES


@pytest.fixture
def data_dir() -> Path:
    if not DATA.is_dir():
        pytest.skip(f"sample data not found at {DATA}")
    return DATA


def unreadable(file_sha256, name: str):
    """`file_sha256` as it behaves when the file called `name` has no read permission (the tests may
    run as root, who reads anything, so the refusal is simulated)."""

    def sha256(path):
        if path.name == name:
            raise PermissionError(13, "Permission denied", str(path))
        return file_sha256(path)

    return sha256
