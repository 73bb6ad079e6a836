"""Runs the Dagster instance still shows as in progress after their process has died.

A run killed from outside (`kill -9`, the out-of-memory killer, a closed laptop lid, a `dagster dev`
stopped mid-run) never records its end: the instance keeps it STARTED, and its step keeps the one
slot of the `lake` pool. Every later run then waits at "Step blocked by limit for pool lake", and
the retrain sensors wait for it to end, for ever and without an error.

Dagster's run monitoring cannot see these runs here: the default run launcher has no worker health
check, and `dagster asset materialize` runs in the calling process. So the process ids a run
logged (each event carries its emitter's pid; the engine's "Executing steps in process (pid: N)"
and the launcher's "Started process for run (pid: N)" carry them as metadata) are looked up on
this machine. The lake is one local DuckDB file, so its runs run here.

A run is dead when it is in progress and none of the processes it logged is alive: at once,
whatever its age, once it has logged one. Only a run that logged none yet, whose liveness cannot be
checked, waits `GRACE_SECONDS` first, unless the caller knows its process is gone (`risk-assets run`
saw its own Dagster process end without the run's end). `release_dead_runs` marks each dead run
failed, with a message saying so, and frees its pool slots. `lake_holders` says which runs hold the
pool slot a run waits for, so a waiting run can name the run it waits on.

A run can also end still holding a slot: under `dagster dev`, a step process killed with `kill -9`
leaves its run worker, or the code server, to mark the run failed, but nothing gives the step's
slot back, so every later run waits just the same. `release_dead_runs` frees the slots of any run
that ended (or no longer exists) ENDED_GRACE_SECONDS or more ago, as Dagster's run monitoring daemon
does when its `free_slots_after_run_end_seconds` is set (dagster/_daemon/monitoring/concurrency.py);
that daemon runs only with run monitoring on, and `dagster asset materialize` runs without it.
Its event log tells why (`ended_cause`): the run's own process died (its steps ran in it; Dagster
logged `Run execution process for ... was terminated by signal 9` and marked the run failed from
outside), or a step's process was killed while the run went on to end. The release says which, in
the tick and as an engine event on the run's own page.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg

IN_PROGRESS = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]
ENDED = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]

ENDED_GRACE_SECONDS = 10.0
"""A run that ended this recently (seconds) may be giving its slots back still: its slots are left
to it. A run frees its step's slot when the step ends, before the run itself ends."""

GRACE_SECONDS = 120.0
"""A run this young (seconds since it last changed status: was created, left the queue, started) that
has logged no process yet is never judged: its worker may not have logged its process yet. A run
that logged its processes is judged at any age: when they are all gone, it is dead. Counted from the last status change,
not from creation, since a queued run (a sensor's, waiting for the lake pool behind another run)
logs no process until it leaves the queue, however long it waited there."""


@dataclass(frozen=True)
class DeadRun:
    """An in-progress run none of whose logged processes is alive."""

    run_id: str
    job_name: str
    status: str
    started: datetime | None
    pids: tuple[int, ...]
    """Process ids the run logged; empty when it logged none."""

    def message(self) -> str:
        """What the release says, in the run's failure event, the sensor's tick and `risk-assets run`'s
        note: the run, since when it ran, its lost processes, and what to do."""
        when = self.started.strftime("%Y-%m-%d %H:%M:%S UTC") if self.started else "an unknown time"
        processes = (f"its process{'es' if len(self.pids) > 1 else ''} {', '.join(map(str, self.pids))} "
                     f"{'are' if len(self.pids) > 1 else 'is'} gone") if self.pids else "it logged no process"
        return (f"run {self.run_id} ({self.job_name}, {self.status} since {when}) ended without a word: {processes} "
                "(killed, or its machine stopped). Marked failed and its hold on the lake pool released; "
                "run its steps again (a step cut short keeps only what it had committed).")


@dataclass(frozen=True)
class EndedHolder:
    """A run that ended (or is no longer in the instance) while still holding pool slots."""

    run_id: str
    job_name: str | None
    """None for a run deleted from the instance: its job and status went with it."""
    status: str | None
    ended: datetime | None
    pools: tuple[str, ...]
    """The pools (concurrency keys) in which it still held or waited for a slot."""
    cause: str | None = None
    """Which process was killed, from the run's event log (`ended_cause`); None when the log names
    none, or the run was deleted."""

    def message(self) -> str:
        """What the release says, in the sensor's tick, `risk-assets run`'s note and an engine event
        on the run: the run, its job, status and end (or that it was deleted), the pools, why it
        still held them, that they are free now, and, after a killed process, what to do."""
        when = f" since {self.ended.strftime('%Y-%m-%d %H:%M:%S UTC')}" if self.ended else ""
        what = f"{self.job_name}, {self.status}{when}" if self.job_name else "deleted from the instance"
        pools = ", ".join(self.pools)
        why = self.cause or ("its process went on after the run was deleted" if self.job_name is None
                             else "its event log names no killed process")
        advice = "; run its steps again (a step cut short keeps only what it had committed)" if self.cause else ""
        return (f"run {self.run_id} ({what}) had ended but still held its place in the {pools} pool ({why}): "
                f"released, so the runs waiting for it can start{advice}")


_RUN_PROCESS = re.compile(r"^Run execution process for \S+ (was terminated by signal \d+ \(\w+\)|unexpectedly exited with code -?\d+)")
_STEP_PROCESS = re.compile(r"^Multiprocess executor: child process for step (\S+) (was terminated by signal \d+ \(\w+\)|unexpectedly exited with code -?\d+)")
_FAILED_FROM_OUTSIDE = "marked as failed from outside the execution context"


def ended_cause(instance: dg.DagsterInstance, run_id: str) -> str | None:
    """Which process of an ended run was killed, as its event log says, in words for `EndedHolder`:

    - its own run process (the steps ran in it): the code server logged `Run execution process for
      <run> was terminated by signal 9 (SIGKILL).` and marked the run failed from outside the
      execution context;
    - a step's process, while the run went on to end: the multiprocess executor logged `child process
      for step <key> was terminated by signal 9 (SIGKILL).`

    None when the log says neither."""
    step = None
    outside = False
    for record in instance.all_logs(run_id, of_type={dg.DagsterEventType.ENGINE_EVENT,
                                                      dg.DagsterEventType.RUN_FAILURE}):
        text = record.dagster_event.message if record.dagster_event and record.dagster_event.message else ""
        if found := _RUN_PROCESS.match(text):
            return (f"its run process itself died: it {found.group(1)}, with its steps running in it, and "
                    "Dagster marked the run failed from outside")
        if step is None and (found := _STEP_PROCESS.match(text)):
            step = (f"the process of its step {found.group(1)} {found.group(2)}, and the run went on to end "
                    "without giving the step's place back")
        outside = outside or _FAILED_FROM_OUTSIDE in text
    if step is not None:
        return step
    return "its run process itself died, and Dagster marked the run failed from outside" if outside else None


def process_alive(pid: int) -> bool:
    """Whether `pid` is a live process on this machine that may be a Dagster run (a Python process).

    Where /proc exists (Linux) a live pid whose command line names no Python is another program
    that reused the number, so the run's process is gone."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, another user's
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.parent.exists():
        try:
            command = cmdline.read_bytes()  # empty for a zombie: dead
        except OSError:
            return True
        return b"python" in command or b"dagster" in command
    return True


def run_pids(instance: dg.DagsterInstance, run_id: str) -> set[int]:
    """Process ids a run logged: the emitter of each engine event and any `pid` in its metadata."""
    pids: set[int] = set()
    for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
        event = record.dagster_event
        if event is None:
            continue
        if event.pid:
            pids.add(int(event.pid))
        data = event.engine_event_data
        value = data.metadata.get("pid") if data is not None and data.metadata else None
        text = getattr(value, "value", value)
        if text is not None and str(text).isdigit():
            pids.add(int(str(text)))
    return pids


def find_dead_runs(instance: dg.DagsterInstance, now: datetime | None = None,
                   alive: Callable[[int], bool] = process_alive,
                   gone: Collection[str] = ()) -> list[DeadRun]:
    """In-progress runs none of whose logged processes is alive, oldest first: at any age when they
    logged a process, or their id is in `gone` (runs whose process the caller saw end); after
    GRACE_SECONDS in their status when they logged none, since their liveness cannot be checked."""
    now = now or datetime.now(timezone.utc)
    dead = []
    for record in instance.get_run_records(filters=dg.RunsFilter(statuses=IN_PROGRESS), ascending=True):
        created = _utc(record.create_timestamp)
        changed = max(created, _utc(record.update_timestamp or record.create_timestamp))
        run = record.dagster_run
        pids = run_pids(instance, run.run_id)
        if any(alive(pid) for pid in pids):
            continue
        if not pids and run.run_id not in gone and (now - changed).total_seconds() < GRACE_SECONDS:
            continue
        started = datetime.fromtimestamp(record.start_time, timezone.utc) if record.start_time else created
        dead.append(DeadRun(run.run_id, run.job_name, run.status.value, started, tuple(sorted(pids))))
    return dead


def _utc(moment: datetime) -> datetime:
    """`moment` with UTC as its zone when the run storage gave it none (SQLite stores UTC without one)."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def find_ended_holders(instance: dg.DagsterInstance, now: datetime | None = None) -> list[EndedHolder]:
    """Runs that hold a pool slot, or a place in a pool's queue, though they ended ENDED_GRACE_SECONDS
    or more ago or are no longer in the instance (deleted), oldest first. Empty where the instance
    keeps no pool slots."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return []
    holders = storage.get_concurrency_run_ids()  # runs with a claimed slot or a pending step
    if not holders:
        return []
    now = now or datetime.now(timezone.utc)
    records = {r.dagster_run.run_id: r for r in instance.get_run_records(filters=dg.RunsFilter(run_ids=list(holders)))}
    pools: dict[str, list[str]] = {}
    for pool in sorted(storage.get_concurrency_keys()):
        info = storage.get_concurrency_info(pool)
        for run_id in {slot.run_id for slot in info.claimed_slots} | {step.run_id for step in info.pending_steps}:
            pools.setdefault(run_id, []).append(pool)
    ended = []
    for run_id in sorted(holders):
        record = records.get(run_id)
        if record is None:
            ended.append((datetime.min.replace(tzinfo=timezone.utc), EndedHolder(
                run_id, None, None, None, tuple(pools.get(run_id, ())))))
            continue
        if record.dagster_run.status not in ENDED:
            continue
        finished = datetime.fromtimestamp(record.end_time, timezone.utc) if record.end_time else \
            _utc(record.update_timestamp or record.create_timestamp)
        if (now - finished).total_seconds() < ENDED_GRACE_SECONDS:
            continue
        run = record.dagster_run
        ended.append((finished, EndedHolder(run_id, run.job_name, run.status.value, finished,
                                            tuple(pools.get(run_id, ())), ended_cause(instance, run_id))))
    return [holder for _, holder in sorted(ended, key=lambda pair: pair[0])]


def release_dead_runs(instance: dg.DagsterInstance, log: Callable[[str], None] = print,
                      now: datetime | None = None,
                      alive: Callable[[int], bool] = process_alive,
                      gone: Collection[str] = ()) -> list[DeadRun | EndedHolder]:
    """Mark each dead run (see `find_dead_runs`; `gone`: runs whose process the caller saw end) failed
    with its message and free its pool slots;
    then free the slots of the runs that ended holding them (`find_ended_holders`), saying so in an
    engine event on each such run still in the instance, so its own page tells why and what to do.

    Returns the runs released, dead ones first; `log` receives one line per run."""
    released: list[DeadRun | EndedHolder] = []
    for dead in find_dead_runs(instance, now, alive, gone):
        run = instance.get_run_by_id(dead.run_id)
        if run is None or run.status not in IN_PROGRESS:  # ended meanwhile
            continue
        instance.report_run_failed(run, dead.message())
        if instance.event_log_storage.supports_global_concurrency_limits:
            instance.event_log_storage.free_concurrency_slots_for_run(dead.run_id)
        log(dead.message())
        released.append(dead)
    for holder in find_ended_holders(instance, now):
        instance.event_log_storage.free_concurrency_slots_for_run(holder.run_id)
        if holder.job_name is not None and (run := instance.get_run_by_id(holder.run_id)) is not None:
            instance.report_engine_event(holder.message(), run)
        log(holder.message())
        released.append(holder)
    return released


@dataclass(frozen=True)
class LakeHolder:
    """A run holding the pool slot another run waits for, as the waiting run names it."""

    run_id: str
    job_name: str | None
    """None for a run deleted from the instance."""
    status: str | None
    started: datetime | None
    last_event: datetime | None
    """When it last logged anything: a run in progress that logs nothing for long may be dead."""
    pids: tuple[int, ...]
    """Its logged processes alive now."""

    def waiting_line(self, now: datetime, pool: str, recheck_seconds: float) -> str:
        """One line for the waiting run: which run holds `pool`, since when, its last sign of life,
        and what frees it."""
        since = self.started.strftime("%Y-%m-%d %H:%M UTC") if self.started else "an unknown time"
        quiet = ""
        if self.last_event is not None:
            minutes = int((now - self.last_event).total_seconds() // 60)
            quiet = f", no event for {minutes} min" if minutes else ", logging now"
        what = (f"{self.job_name}, {self.status}, started {since}{quiet}; "
                + (f"its process{'es' if len(self.pids) > 1 else ''} {', '.join(map(str, self.pids))} "
                   f"{'are' if len(self.pids) > 1 else 'is'} alive" if self.pids else "no process of it found alive")
                if self.job_name else "deleted from the instance")
        return (f"waiting for run {self.run_id[:8]} ({what}), which holds the {pool} pool: it is freed when that "
                f"run ends, or as soon as its processes are gone (checked every {recheck_seconds:.0f} s); "
                "Ctrl-C stops waiting")


def lake_holders(instance: dg.DagsterInstance, run_id: str, pool: str,
                 alive: Callable[[int], bool] = process_alive) -> list[LakeHolder]:
    """The runs holding `pool`'s slots while the run `run_id` has a step waiting for one of them
    (queued, not yet given a slot); [] when it waits for none, or the instance keeps no pool slots."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return []
    info = storage.get_concurrency_info(pool)
    waiting = any(step.run_id == run_id and step.assigned_timestamp is None for step in info.pending_steps)
    holding = sorted({slot.run_id for slot in info.claimed_slots} - {run_id})
    if not waiting or not holding:
        return []
    records = {r.dagster_run.run_id: r for r in instance.get_run_records(filters=dg.RunsFilter(run_ids=holding))}
    holders = []
    for holder in holding:
        record = records.get(holder)
        if record is None:
            holders.append(LakeHolder(holder, None, None, None, None, ()))
            continue
        started = (datetime.fromtimestamp(record.start_time, timezone.utc) if record.start_time
                   else _utc(record.create_timestamp))
        last = storage.get_records_for_run(holder, limit=1, ascending=False).records
        last_event = datetime.fromtimestamp(last[0].event_log_entry.timestamp, timezone.utc) if last else None
        holders.append(LakeHolder(holder, record.dagster_run.job_name, record.dagster_run.status.value, started,
                                  last_event, tuple(sorted(p for p in run_pids(instance, holder) if alive(p)))))
    return holders
