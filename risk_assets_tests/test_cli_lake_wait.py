"""`risk-assets run` while its run waits for the lake pool's slot: it looks again for a dead run
holding the slot (one killed moments before, younger than the grace period, was left holding it for
ever), and says once which run it waits on, instead of Dagster's 'Step blocked by limit for pool
lake' every 5 minutes alone."""

from __future__ import annotations

import time

import dagster as dg
from dagster._core.events import EngineEventData

from risk_assets.cli import LAKE_WAIT_CHECK_SECONDS, _check_lake_wait, init_home


def _run(instance, job_name: str, pid: int):
    """A run in progress whose worker logged process `pid`."""
    run = instance.add_run(dg.DagsterRun(job_name=job_name, status=dg.DagsterRunStatus.STARTED))
    instance.report_engine_event("Executing steps in process", run,
                                 EngineEventData(metadata={"pid": dg.MetadataValue.text(str(pid))}))
    return run


def _queued_behind(instance):
    """A run (process 4242) holding the lake slot, and this program's run (4343) queued behind it."""
    storage = instance.event_log_storage
    holder = _run(instance, "ingest_loans", 4242)
    waiting = _run(instance, "__ASSET_JOB", 4343)
    assert storage.initialize_concurrency_limit_to_default("lake")
    assert storage.claim_concurrency_slot("lake", holder.run_id, "raw_loans").is_claimed
    assert not storage.claim_concurrency_slot("lake", waiting.run_id, "raw_loans").is_claimed
    return holder, waiting


def test_a_run_waiting_for_the_lake_names_the_live_run_that_holds_it_once(risk_home, capsys):
    dagster_home = init_home(risk_home)
    since = time.time()
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        holder, _ = _queued_behind(instance)
        (record,) = instance.get_run_records(filters=dg.RunsFilter(run_ids=[holder.run_id]))
    started = record.create_timestamp.strftime("%Y-%m-%d %H:%M UTC")
    said: set[str] = set()
    _check_lake_wait(since, said, alive=lambda pid: True)
    assert capsys.readouterr().out == (
        f"note: waiting for run {holder.run_id[:8]} (ingest_loans, STARTED, started {started}, logging now; its "
        f"process 4242 is alive), which holds the lake pool: it is freed when that run ends, or as soon as its "
        f"processes are gone (checked every {LAKE_WAIT_CHECK_SECONDS:.0f} s); Ctrl-C stops waiting\n")
    _check_lake_wait(since, said, alive=lambda pid: True)
    assert capsys.readouterr().out == ""  # said once, not on every look
    assert said == {holder.run_id}


def test_a_run_waiting_for_the_lake_frees_a_holder_killed_moments_ago(risk_home, capsys):
    dagster_home = init_home(risk_home)
    since = time.time()
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        holder, waiting = _queued_behind(instance)
    _check_lake_wait(since, set(), alive=lambda pid: pid == 4343)  # the holder's process is gone
    out = capsys.readouterr().out
    assert out.startswith(f"note: run {holder.run_id} (ingest_loans, STARTED since ") and out.count("\n") == 1, out
    assert out.endswith(") ended without a word: its process 4242 is gone (killed, or its machine stopped). Marked "
                        "failed and its hold on the lake pool released; run its steps again (a step cut short keeps "
                        "only what it had committed).\n")
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        assert instance.get_run_by_id(holder.run_id).status == dg.DagsterRunStatus.FAILURE
        assert instance.get_run_by_id(waiting.run_id).status == dg.DagsterRunStatus.STARTED
        assert instance.event_log_storage.get_concurrency_info("lake").claimed_slots == []


def test_a_run_waiting_for_nothing_is_not_looked_at(risk_home, capsys):
    dagster_home = init_home(risk_home)
    since = time.time()
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        holder = _run(instance, "ingest_loans", 4242)
    _check_lake_wait(since, set(), alive=lambda pid: False)  # no pool wait: even a dead run is the sensor's
    assert capsys.readouterr().out == ""
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        assert instance.get_run_by_id(holder.run_id).status == dg.DagsterRunStatus.STARTED
