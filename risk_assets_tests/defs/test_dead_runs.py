"""A run killed mid-step (kill -9) holds the lake pool's one slot: the next run would wait at
"Step blocked by limit for pool lake" for ever. `release_dead_runs` marks it failed, says why, and
frees the slot; the next run then goes through."""

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import dagster as dg
import pytest

from risk_assets.cli import init_home
from risk_assets.defs.dead_runs import (ENDED_GRACE_SECONDS, GRACE_SECONDS, EndedHolder, find_dead_runs,
                                        lake_holders, release_dead_runs)
from risk_assets.defs.monitoring.sensors import dead_runs_sensor


def _materialize(select: str) -> subprocess.Popen:
    dagster = str(Path(sys.executable).parent / "dagster")
    return subprocess.Popen([dagster, "asset", "materialize", "-m", "risk_assets_tests.defs.pool_holder", "--select", select],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=os.environ.copy())


def _lake_slot_holders(dagster_home: Path) -> list[str]:
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        return [slot.run_id for slot in instance.event_log_storage.get_concurrency_info("lake").claimed_slots]


@pytest.mark.slow
def test_a_killed_run_is_marked_failed_and_frees_the_lake_pool(risk_home, monkeypatch):
    dagster_home = risk_home.root / "dagster"
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))
    init_home(risk_home)
    holder = _materialize("holds_the_lake")
    # A loaded machine takes minutes to start a `dagster` process (it imports torch and dbt); the
    # wait ends when the run holds the slot or its process has ended, not at a fixed short time.
    deadline = time.monotonic() + 600
    while (not (held := _lake_slot_holders(dagster_home)) and holder.poll() is None
           and time.monotonic() < deadline):
        time.sleep(1)
    if not held:
        holder.kill()
        out, _ = holder.communicate(timeout=30)
        pytest.fail(f"the first run never took the lake slot (exit {holder.returncode}):\n{out[-3000:]}")
    holder.send_signal(signal.SIGKILL)
    holder.communicate(timeout=30)

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        (record,) = instance.get_run_records()
        assert record.dagster_run.status == dg.DagsterRunStatus.STARTED  # what a killed run leaves behind
        # it logged its process, which is gone: dead at once, however young (the next run must not wait)
        lines: list[str] = []
        (dead,) = release_dead_runs(instance, log=lines.append)
        run = instance.get_run_by_id(held[0])
        failure = instance.all_logs(held[0], of_type=dg.DagsterEventType.RUN_FAILURE)
    assert dead.run_id == held[0] and holder.pid in dead.pids
    assert run.status == dg.DagsterRunStatus.FAILURE
    assert lines == [dead.message()] and failure[0].dagster_event.message == dead.message()
    assert dead.message().startswith(f"run {held[0]} (__ASSET_JOB, STARTED since ")
    assert f"process {holder.pid}" in dead.message()
    assert "hold on the lake pool released" in dead.message()
    assert _lake_slot_holders(dagster_home) == []

    follower = _materialize("needs_the_lake")
    out, _ = follower.communicate(timeout=180)
    assert follower.returncode == 0, out[-3000:]
    assert "RUN_SUCCESS" in out


def test_a_run_whose_process_lives_is_left_alone(risk_home):
    """A live run (here: this test's own process id logged as its worker) is never released."""
    from dagster._core.events import EngineEventData  # Dagster's own record of a run worker's process

    dagster_home = init_home(risk_home)
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        run = instance.add_run(dg.DagsterRun(job_name="__ASSET_JOB", status=dg.DagsterRunStatus.STARTED))
        instance.report_engine_event("Executing steps in process", run,
                                     EngineEventData(metadata={"pid": dg.MetadataValue.text(str(os.getpid()))}))
        later = datetime.now(timezone.utc) + timedelta(seconds=GRACE_SECONDS + 1)
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED
        assert find_dead_runs(instance, now=later) == []
        skipped = dead_runs_sensor(dg.build_sensor_context(instance=instance))
        assert skipped.skip_message == "no run in progress has lost its process, and no run that ended holds a pool slot"
        assert [d.run_id for d in find_dead_runs(instance, now=later, alive=lambda pid: False)] == [run.run_id]


def test_a_run_that_waited_in_the_queue_is_judged_from_when_it_left_it(risk_home):
    """A sensor's run queued behind the lake pool for minutes logs no process until it leaves the
    queue. Judged from its creation it was marked dead the moment it started; its grace period runs
    from its last status change."""
    from dagster._core.events import DagsterEvent, DagsterEventType

    dagster_home = init_home(risk_home)
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        run = instance.add_run(dg.DagsterRun(job_name="retrain_loan_pd", status=dg.DagsterRunStatus.NOT_STARTED))
        created = instance.get_run_records(filters=dg.RunsFilter(run_ids=[run.run_id]))[0].create_timestamp
        time.sleep(2.5)  # the wait in the queue, shortened
        instance.report_dagster_event(
            DagsterEvent(DagsterEventType.RUN_STARTING.value, job_name=run.job_name), run.run_id)
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTING
        created = created.replace(tzinfo=timezone.utc) if created.tzinfo is None else created
        # the grace period is over since creation, not since it left the queue: left alone
        assert find_dead_runs(instance, now=created + timedelta(seconds=GRACE_SECONDS + 1)) == []
        # once it is over since it started too, a run with no process is dead
        later = created + timedelta(seconds=GRACE_SECONDS + 4)
        assert [d.run_id for d in find_dead_runs(instance, now=later)] == [run.run_id]


def test_a_run_that_ended_holding_the_lake_slot_gives_it_back(risk_home):
    """Under `dagster dev`, a step process killed with kill -9 has its run marked failed from outside
    (by its run worker or the code server) while the step's slot of the lake pool stays claimed: the
    queued runs then waited for ever, and the dead-run release, looking at runs in progress only,
    said 'no run in progress has lost its process'. A run that ended holding a slot gives it back."""
    from dagster._core.storage.dagster_run import DagsterRunStatus

    dagster_home = init_home(risk_home)
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        storage = instance.event_log_storage
        ended = instance.add_run(dg.DagsterRun(job_name="ingest_loans", status=DagsterRunStatus.STARTED))
        waiting = instance.add_run(dg.DagsterRun(job_name="ingest_news", status=DagsterRunStatus.STARTED))
        assert storage.initialize_concurrency_limit_to_default("lake")  # as a run's first step does: 1 slot
        assert storage.claim_concurrency_slot("lake", ended.run_id, "raw_loans").is_claimed
        assert not storage.claim_concurrency_slot("lake", waiting.run_id, "raw_news").is_claimed  # queued behind it
        instance.report_run_failed(instance.get_run_by_id(ended.run_id), "terminated by signal 9 (SIGKILL)")
        assert instance.get_run_by_id(ended.run_id).status == DagsterRunStatus.FAILURE
        assert storage.get_concurrency_info("lake").active_run_ids == {ended.run_id}  # what the kill leaves

        just_now = datetime.now(timezone.utc)
        assert release_dead_runs(instance, log=lambda line: None, now=just_now, alive=lambda pid: True) == []
        lines: list[str] = []
        later = just_now + timedelta(seconds=ENDED_GRACE_SECONDS + 1)
        (holder,) = release_dead_runs(instance, log=lines.append, now=later, alive=lambda pid: True)
        assert isinstance(holder, EndedHolder) and (holder.run_id, holder.status) == (ended.run_id, "FAILURE")
        assert lines == [holder.message()]
        assert holder.message().startswith(f"run {ended.run_id} (ingest_loans, FAILURE since ")
        assert "still held its place in the lake pool" in holder.message()
        assert ended.run_id not in storage.get_concurrency_info("lake").active_run_ids
        # the run queued behind it may take the slot now
        assert storage.claim_concurrency_slot("lake", waiting.run_id, "raw_news").is_claimed
        # the waiting run is in progress with a live process: left alone
        assert release_dead_runs(instance, log=lines.append, now=later, alive=lambda pid: True) == []


@pytest.mark.parametrize("engine_line, failure, cause", [
    ("Run execution process for {run} was terminated by signal 9 (SIGKILL). This usually indicates that "
            "the process was killed by the operating system due to running out of memory.", None,
     "its run process itself died: it was terminated by signal 9 (SIGKILL), with its steps running in it, and "
     "Dagster marked the run failed from outside"),
    (None, None,
     "its run process itself died, and Dagster marked the run failed from outside"),
    ("Multiprocess executor: child process for step raw_loans was terminated by signal 9 (SIGKILL).",
     "Execution of run for \"ingest_loans\" failed. Steps failed: ['raw_loans'].",
     "the process of its step raw_loans was terminated by signal 9 (SIGKILL), and the run went on to end "
     "without giving the step's place back"),
], ids=["run process, code server's line", "run process, failed from outside", "step process"])
def test_the_release_says_whether_the_run_process_or_a_step_process_was_killed(risk_home, engine_line, failure, cause):
    """A run whose own process was kill -9'd (steps in process) was told as 'a step process killed
    while its run went on to end'. Its event log tells the two apart; the release names the one it
    shows, with what to do, in the tick and in an engine event on the run's own page."""
    dagster_home = init_home(risk_home)
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        run = instance.add_run(dg.DagsterRun(job_name="ingest_loans", status=dg.DagsterRunStatus.STARTED))
        instance.event_log_storage.initialize_concurrency_limit_to_default("lake")
        assert instance.event_log_storage.claim_concurrency_slot("lake", run.run_id, "raw_loans").is_claimed
        if engine_line:
            instance.report_engine_event(engine_line.format(run=run.run_id), run)
        instance.report_run_failed(instance.get_run_by_id(run.run_id), failure)
        lines: list[str] = []
        later = datetime.now(timezone.utc) + timedelta(seconds=ENDED_GRACE_SECONDS + 1)
        (holder,) = release_dead_runs(instance, log=lines.append, now=later, alive=lambda pid: True)
        assert holder.cause == cause
        assert lines == [holder.message()]
        assert holder.message().endswith(f" had ended but still held its place in the lake pool ({cause}): released, "
                                         "so the runs waiting for it can start; run its steps again (a step cut "
                                         "short keeps only what it had committed)")
        on_its_page = [r.dagster_event.message for r in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT)]
        assert on_its_page[-1] == holder.message()


def test_a_deleted_run_that_held_the_lake_slot_gives_it_back(risk_home):
    """A run deleted from the UI while in progress: Dagster frees the slots it held then, but its
    process goes on and its next step claims the lake slot for a run the instance no longer has.
    That claim is freed, and the message says the run was deleted rather than naming a job."""
    dagster_home = init_home(risk_home)
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        storage = instance.event_log_storage
        gone = instance.add_run(dg.DagsterRun(job_name="ingest_loans", status=dg.DagsterRunStatus.STARTED))
        assert storage.initialize_concurrency_limit_to_default("lake")
        instance.delete_run(gone.run_id)
        assert storage.claim_concurrency_slot("lake", gone.run_id, "raw_loans").is_claimed  # its next step
        lines: list[str] = []
        (holder,) = release_dead_runs(instance, log=lines.append, alive=lambda pid: True)
        assert (holder.run_id, holder.job_name, holder.status, holder.pools) == (gone.run_id, None, None, ("lake",))
        assert lines == [f"run {gone.run_id} (deleted from the instance) had ended but still held its place in the "
                         "lake pool (its process went on after the run was deleted): released, so the runs "
                         "waiting for it can start"]
        assert storage.get_concurrency_info("lake").claimed_slots == []


def _started_run(instance, job_name: str, pid: int | None):
    """A run in progress, as its worker leaves it: its process id logged, or none logged yet."""
    from dagster._core.events import EngineEventData

    run = instance.add_run(dg.DagsterRun(job_name=job_name, status=dg.DagsterRunStatus.STARTED))
    if pid is not None:
        instance.report_engine_event("Executing steps in process", run,
                                     EngineEventData(metadata={"pid": dg.MetadataValue.text(str(pid))}))
    return run


def test_a_run_whose_logged_process_is_gone_is_dead_at_once_whatever_its_age(risk_home):
    """A run killed with kill -9 and run again at once waited at 'Step blocked by limit for pool lake'
    for ever: the killed run was younger than GRACE_SECONDS, the only check was before the new run
    started, and nothing looked again. A run that logged its process is judged at once; the grace is
    for a run that logged none, whose liveness cannot be checked, unless the caller saw it end."""
    dagster_home = init_home(risk_home)
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        killed = _started_run(instance, "__ASSET_JOB", pid=4242)
        silent = _started_run(instance, "ingest_loans", pid=None)
        just_now = datetime.now(timezone.utc)
        gone = {4242: False}.get
        assert [d.run_id for d in find_dead_runs(instance, now=just_now, alive=gone)] == [killed.run_id]
        assert [d.pids for d in find_dead_runs(instance, now=just_now, alive=gone)] == [(4242,)]
        assert find_dead_runs(instance, now=just_now, alive=lambda pid: pid == 4242) == []  # alive: left alone
        # no process logged: left alone until the grace is over, unless its process was seen to end
        assert [d.run_id for d in find_dead_runs(instance, now=just_now, alive=gone, gone={silent.run_id})] == \
            [killed.run_id, silent.run_id]
        later = just_now + timedelta(seconds=GRACE_SECONDS + 1)
        assert [d.run_id for d in find_dead_runs(instance, now=later, alive=gone)] == [killed.run_id, silent.run_id]


def test_a_run_waiting_for_the_lake_names_the_run_that_holds_it(risk_home):
    """A run queued behind the lake pool said nothing but Dagster's 'Step blocked by limit for pool
    lake' every 5 minutes. `lake_holders` names the run holding the slot, when it started, how long it
    has been silent and whether its process lives; [] for a run that waits for nothing."""
    dagster_home = init_home(risk_home)
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        storage = instance.event_log_storage
        holder = _started_run(instance, "ingest_loans", pid=4242)
        waiting = _started_run(instance, "__ASSET_JOB", pid=4343)
        assert storage.initialize_concurrency_limit_to_default("lake")
        assert storage.claim_concurrency_slot("lake", holder.run_id, "raw_loans").is_claimed
        assert lake_holders(instance, waiting.run_id, "lake", alive=lambda pid: True) == []  # not waiting yet
        assert not storage.claim_concurrency_slot("lake", waiting.run_id, "raw_loans").is_claimed
        assert lake_holders(instance, holder.run_id, "lake", alive=lambda pid: True) == []  # the holder waits not
        (found,) = lake_holders(instance, waiting.run_id, "lake", alive=lambda pid: pid == 4242)
        assert (found.run_id, found.job_name, found.status, found.pids) == (holder.run_id, "ingest_loans",
                                                                           "STARTED", (4242,))
        started = datetime(2026, 12, 7, 23, 14, 5, tzinfo=timezone.utc)
        line = replace(found, started=started, last_event=started + timedelta(seconds=30)).waiting_line(
            started + timedelta(minutes=2, seconds=40), "lake", 30)
        assert line == (f"waiting for run {holder.run_id[:8]} (ingest_loans, STARTED, started 2026-12-07 23:14 UTC, "
                        "no event for 2 min; its process 4242 is alive), which holds the lake pool: it is freed when "
                        "that run ends, or as soon as its processes are gone (checked every 30 s); Ctrl-C stops waiting")
