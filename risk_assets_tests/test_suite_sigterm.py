"""`kill <pytest's pid>` (SIGTERM) stops the parallel suite, its workers and the processes its tests
started, as Ctrl-C in a terminal does.

Before, SIGTERM ended the pytest-xdist controller at once; the workers followed it, but a process a
test had started (a `dagster asset materialize`, say) ran on, orphaned. The suite's conftest sends
SIGINT to the controller's descendants and takes pytest's Ctrl-C path."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SLOW_TEST = '''
import os, subprocess, time
from pathlib import Path

def test_holds_a_worker_and_a_process_of_its_own():
    started = subprocess.Popen(["sleep", "300"])
    Path(os.environ["MARKERS"], f"{os.getpid()}-{started.pid}.pid").write_text("")
    time.sleep(300)
'''


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is dead, only not reaped yet
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"


def _sigint(inherited: str):
    """A preexec_fn giving the controller SIGINT as a shell would: at its default, or ignored, as
    `pytest &` from a script (no job control) or `nohup pytest &` starts it."""
    def preexec() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN if inherited == "ignored" else signal.SIG_DFL)
    return preexec


@pytest.mark.slow
@pytest.mark.parametrize("inherited", ["default", "ignored"])
def test_sigterm_stops_the_controller_and_every_worker(tmp_path, inherited):
    suite, markers = tmp_path / "suite", tmp_path / "markers"
    suite.mkdir()
    markers.mkdir()
    for name in ("test_one.py", "test_two.py"):
        (suite / name).write_text(SLOW_TEST)
    env = {**os.environ, "MARKERS": str(markers), "PYTHONPATH": str(Path(__file__).parents[1])}
    # the suite's own conftest, loaded as a plugin; the rootdir is the throwaway suite, so
    # pyproject's addopts do not apply and the options are given here
    controller = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "risk_assets_tests.conftest",
         "-n", "2", "--dist", "loadfile", "--rootdir", str(suite), str(suite)],
        cwd=suite, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, preexec_fn=_sigint(inherited))
    deadline = time.monotonic() + 240
    while len(list(markers.glob("*.pid"))) < 2 and controller.poll() is None and time.monotonic() < deadline:
        time.sleep(0.5)
    started = [int(pid) for p in markers.glob("*.pid") for pid in p.stem.split("-")]  # workers and theirs
    if len(started) < 4:
        controller.kill()
        pytest.fail(f"the two workers never started their tests:\n{controller.communicate()[0][-3000:]}")

    controller.send_signal(signal.SIGTERM)
    try:
        out, _ = controller.communicate(timeout=120)
    except subprocess.TimeoutExpired:  # a controller that ignored it fails the test and leaves nothing behind
        for pid in [controller.pid, *started]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        pytest.fail(f"pytest went on 120 s after SIGTERM:\n{controller.communicate()[0][-3000:]}")
    deadline = time.monotonic() + 60
    while any(_alive(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.5)
    left = [pid for pid in started if _alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == [], f"processes left running after SIGTERM:\n{out[-3000:]}"
    assert controller.returncode == 2, out[-3000:]  # pytest's code for an interrupted session
    assert "KeyboardInterrupt" in out and "signal SIGTERM" in out
