"""Ctrl-C during `risk-assets run`: the run stops, the program says where and what to do, and running
the same command again finishes the work with nothing lost and nothing landed twice.

The terminal sends SIGINT to its whole foreground process group: here the test starts the command in
a group of its own (a new session) with SIGINT at its default, as a shell would, and signals the group.
Dagster runs in a group of its own, so only the program hears that signal and passes it on; a signal
sent to the program alone (`kill -INT`, `kill`, the terminal closing) stops the run just the same.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from risk_assets.lib.lake import connect

TAPE = "lendingclub_2007_2011.csv"
TAPE_LOANS = 39_786
"""Loans of the LendingClub sample (data README), all landed: none breaks a landing rule."""


def _terminal_like() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # a shell starts a command with Ctrl-C's default action


def _start(home: Path, select: str = "raw_loans", **extra_env: str) -> subprocess.Popen:
    command = [str(Path(sys.executable).parent / "risk-assets"), "run", "--no-seed", "--select", select]
    env = {**os.environ, "RISK_HOME": str(home), "DAGSTER_HOME": str(home / "dagster"), **extra_env}
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                            start_new_session=True, preexec_fn=_terminal_like)


def _ctrl_c(process: subprocess.Popen) -> None:
    """Ctrl-C as a terminal sends it: SIGINT to the command's whole process group."""
    os.killpg(process.pid, signal.SIGINT)


def _dagster_group(process: subprocess.Popen) -> int:
    """The process group of Dagster, the one child of `risk-assets run`: a group of its own."""
    (child,) = map(int, Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split())
    assert os.getpgid(child) == child != os.getpgid(process.pid)
    return child


def _twice_to_the_program(process: subprocess.Popen) -> int:
    """SIGINT to `risk-assets run` itself, twice (as `kill -INT` would), Dagster's group frozen meanwhile
    (SIGSTOP) as a step that does not heed the first would be: the second must stop it. Returns the group."""
    group = _dagster_group(process)
    os.killpg(group, signal.SIGSTOP)
    os.kill(process.pid, signal.SIGINT)
    time.sleep(0.5)
    os.kill(process.pid, signal.SIGINT)
    return group


def _gone(group: int) -> bool:
    """Whether no process of `group` is left (a killed one's zombie is reaped within seconds)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


def _to_the_program(signum: int):
    """A `send` for _interrupt: `signum` to `risk-assets run` itself, once, as `kill -<signum> <pid>` would."""

    def send(process: subprocess.Popen) -> None:
        os.kill(process.pid, signum)

    return send


def _interrupt(process: subprocess.Popen, when: str, send=_ctrl_c) -> str:
    """`send` the signal once a line containing `when` is printed; returns all the run printed."""
    seen = []
    deadline = time.monotonic() + 300
    for line in process.stdout:
        seen.append(line)
        if when in line:
            send(process)
            break
        assert time.monotonic() < deadline, "".join(seen[-40:])
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        rest = pool.submit(process.stdout.read)  # to the end of its output: the program has exited
        try:
            out = "".join(seen) + rest.result(timeout=300)
        except concurrent.futures.TimeoutError:  # a run that never stopped fails the test, not hangs it
            _kill_session(process.pid)
            pytest.fail(f"the run went on 300 s after the signal:\n{''.join(seen)[-3000:]}{rest.result(timeout=30)[-3000:]}")
    assert process.wait(timeout=120) != 0, out[-3000:]
    return out


def _kill_session(session: int) -> None:
    """SIGKILL to every process of `session`: the program, Dagster's group (frozen or not) and its steps."""
    for process in psutil.process_iter():
        with contextlib.suppress(psutil.Error, OSError):
            if os.getsid(process.pid) == session:
                process.kill()


def _assert_interrupted(out: str, step: str) -> None:
    summary = out[out.index("== run "):]  # printed after Dagster stopped: the program did not die with it
    head, *rest = summary.splitlines()
    assert ": FAILURE in " in head and " steps succeeded, 1 failed, " in head, summary
    assert "cut off mid-step" not in head and "killed?" not in head, summary  # stopped by Dagster, not killed
    assert rest[0].startswith(f"   FAILED  {step}: interrupted (Ctrl-C, or a signal to the run's process)"), summary
    flat = " ".join(summary.split())
    assert "next: run the same command again to finish: landing skips each file already landed" in flat
    assert "Traceback" not in summary  # the program's own lines carry no stack trace


@pytest.mark.slow
def test_ctrl_c_stops_the_run_says_where_and_the_same_command_finishes_it(risk_home, data_dir):
    shutil.copy(data_dir / "loans" / TAPE, risk_home.landing_loans / TAPE)

    out = _interrupt(_start(risk_home.root), when=f"{TAPE}: reading")  # the landing step is reading the tape
    _assert_interrupted(out, "raw_loans")

    # A second Ctrl-C (here to the program alone, as `kill -INT` would) kills Dagster's whole group
    # outright, mid-read, its step process included (none left holding the lake): its run never records
    # its end, so the program marks it failed at once and frees the lake's slot, and the next run
    # neither waits for the slot nor lands the killed run's rows twice.
    killed, groups = _start(risk_home.root), []
    out = _interrupt(killed, when=f"{TAPE}: reading", send=lambda process: groups.append(_twice_to_the_program(process)))
    assert _gone(groups[0]), subprocess.run(["ps", "-eo", "pid,pgid,stat,args"], capture_output=True, text=True).stdout
    summary = out[out.index("== run "):]
    assert "note: " in out[:out.index("== run ")], out[-3000:]  # the release of the killed run says so
    head = summary.splitlines()[0]
    assert ": FAILURE" in head and ", 1 cut off mid-step, " in head, summary
    assert "next: run the same command again to finish" in " ".join(summary.split())

    second = _start(risk_home.root)
    out, _ = second.communicate(timeout=600)
    assert second.returncode == 0, out[-3000:]
    assert ": SUCCESS in " in out[out.index("== run "):]
    with connect(risk_home.lake_path, read_only=True) as con:
        landed = con.execute("SELECT count(*) FROM raw.landed_files WHERE path LIKE ? AND status = 'loaded'",
                             [f"%{TAPE}"]).fetchone()[0]
        loans = con.execute("SELECT count(*) FROM raw.loans WHERE _source_file LIKE ?", [f"%{TAPE}"]).fetchone()[0]
    assert (landed, loans) == (1, TAPE_LOANS)  # every loan once, whichever side of its commit the signal fell

    # Ctrl-C while dagster-dbt builds its dbt adapter handle (seconds of dbt's imports and profile
    # loading, inside a bare `except:` that only logs a warning): the step stops. It used to go on
    # unseen, the terminal's Ctrl-C having stopped the processes that echo each step's output.
    dagster = str(Path(sys.executable).parent / "dagster")
    env = {**os.environ, "RISK_HOME": str(risk_home.root), "DAGSTER_HOME": str(risk_home.root / "dagster")}
    stopped = subprocess.run([dagster, "asset", "materialize", "-m", "risk_assets_tests.defs.ctrl_c_in_dbt_setup",
                              "--select", "key:stg_loans"], capture_output=True, text=True, env=env, timeout=600,
                             preexec_fn=_terminal_like)
    out = stopped.stdout + stopped.stderr
    assert stopped.returncode != 0, out[-3000:]
    assert "dbt_stg_loans - STEP_FAILURE" in out and "DagsterExecutionInterruptedError" in out, out[-3000:]
    assert 'Finished execution of step "dbt_stg_loans"' not in out


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_one_signal_to_the_program_alone_stops_the_run_as_ctrl_c_does(risk_home, data_dir, signum):
    """`kill -INT <pid>` (a script, a supervisor), `kill <pid>` (a service manager's stop) or the terminal
    closing (SIGHUP to the program, Dagster being no longer in the terminal's foreground group): the
    program passes it on and Dagster stops its step as after a Ctrl-C. SIGINT used to reach nobody (the
    program only counted it) and SIGHUP killed the program, leaving Dagster to run on unseen."""
    shutil.copy(data_dir / "loans" / TAPE, risk_home.landing_loans / TAPE)

    out = _interrupt(_start(risk_home.root), when=f"{TAPE}: reading", send=_to_the_program(signum))
    _assert_interrupted(out, "raw_loans")  # Dagster takes SIGTERM as an interrupt: the same words


@pytest.mark.slow
def test_a_run_that_does_not_heed_the_first_interrupt_is_killed_after_the_stop_wait(risk_home, data_dir):
    """A run waiting for the lake pool's slot (`Step blocked by limit for pool lake`) never heeds an
    interrupt: Dagster's wait loop has no checkpoint, and it ran on at a whole core until a second
    Ctrl-C. Here Dagster's group is frozen (SIGSTOP), as deaf as that wait, and one SIGINT goes to the
    program: after RISK_STOP_WAIT_SECONDS it kills Dagster's group, says so, marks the run failed and
    frees the lake's slot, as after a second Ctrl-C."""
    import dagster as dg

    shutil.copy(data_dir / "loans" / TAPE, risk_home.landing_loans / TAPE)
    groups: list[int] = []

    def freeze_then_interrupt(process: subprocess.Popen) -> None:
        group = _dagster_group(process)
        os.killpg(group, signal.SIGSTOP)
        groups.append(group)
        os.kill(process.pid, signal.SIGINT)

    started = time.monotonic()
    program = _start(risk_home.root, RISK_STOP_WAIT_SECONDS="3")
    try:
        out = _interrupt(program, when=f"{TAPE}: reading", send=freeze_then_interrupt)
    finally:
        gone = _gone(groups[0]) if groups else True
        _kill_session(program.pid)  # nothing frozen is left behind, whatever failed
    assert gone, out[-3000:]
    assert time.monotonic() - started < 110, out[-3000:]  # 3 s of waiting, not for ever
    before = out[:out.index("== run ")]
    assert "note: interrupt passed on to Dagster: the run stops at its step's next checkpoint; a second Ctrl-C " \
           "stops it at once, and so does this program if it has not stopped in 3 s" in before
    assert "note: Dagster did not stop within 3 s of the interrupt (a step waiting for the lake pool's slot does " \
           "not hear one): killing it and its step processes" in before
    assert "ended without a word" in before  # the killed run marked failed on the spot
    head = out[out.index("== run "):].splitlines()[0]
    assert ": FAILURE" in head and ", 1 cut off mid-step, " in head, head
    with dg.DagsterInstance.from_config(str(risk_home.root / "dagster")) as instance:
        assert instance.event_log_storage.get_concurrency_info("lake").claimed_slots == []


@pytest.mark.slow
def test_dagster_killed_from_outside_frees_the_lake_at_once_and_the_same_command_runs_at_once(risk_home, data_dir):
    """`kill -9` of Dagster's own process (not of `risk-assets run`): the summary said the next run
    frees the lake, and the next run, started within 2 minutes, waited at 'Step blocked by limit for
    pool lake' for ever, the killed run too young to be judged. The program sees its Dagster end
    without the run's end, marks the run failed and frees the lake on the spot; the same command,
    run at once, lands the tape."""
    import dagster as dg

    shutil.copy(data_dir / "loans" / TAPE, risk_home.landing_loans / TAPE)
    killed = _start(risk_home.root)
    try:
        out = _interrupt(killed, when=f"{TAPE}: reading",
                         send=lambda process: os.kill(_dagster_group(process), signal.SIGKILL))
    finally:
        _kill_session(killed.pid)
    before, summary = out[:out.index("== run ")], out[out.index("== run "):]
    assert "ended without a word: its process" in before and "hold on the lake pool released" in before, out[-3000:]
    head = summary.splitlines()[0]
    assert ": FAILURE" in head and ", 1 cut off mid-step, " in head and "killed?" not in head, summary
    with dg.DagsterInstance.from_config(str(risk_home.root / "dagster")) as instance:
        assert instance.event_log_storage.get_concurrency_info("lake").claimed_slots == []

    second = _start(risk_home.root)
    try:
        out, _ = second.communicate(timeout=600)
    finally:
        _kill_session(second.pid)
    assert second.returncode == 0, out[-3000:]
    assert "Step blocked by limit for pool lake" not in out and ": SUCCESS in " in out[out.index("== run "):]
    with connect(risk_home.lake_path, read_only=True) as con:
        loans = con.execute("SELECT count(*) FROM raw.loans WHERE _source_file LIKE ?", [f"%{TAPE}"]).fetchone()[0]
    assert loans == TAPE_LOANS
