"""Landing sensors on a real Dagster instance: cursor, run keys, duplicates (F03), old mtimes,
two files landing together (F01) in one run, and files landing while an ingest run is in progress."""

import json
import os
import shutil

import dagster as dg
import pytest

from risk_assets.defs.ingest.assets import raw_loans, raw_news
from risk_assets.defs.monitoring.jobs import ingest_loans_job, ingest_news_job
from risk_assets.defs.monitoring.sensors import landing_loans_sensor
from risk_assets.defs.resources import LakeResource
from risk_assets.lib.lake import connect


def make_defs(root: str) -> dg.Definitions:
    return dg.Definitions(
        assets=[raw_loans, raw_news],
        jobs=[ingest_loans_job, ingest_news_job],
        sensors=[landing_loans_sensor],
        resources={"lake": LakeResource(root=root)},
        executor=dg.in_process_executor,
    )


def tick(instance, defs, cursor=None) -> dg.SensorResult:
    context = dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs, resources=defs.resources)
    return landing_loans_sensor(context)


def test_f03_same_bytes_under_two_names_start_one_run_and_load_10_loans(risk_home, cases_dir):
    for name in ("F03_loans_2024-03.csv", "F03_loans_2024-03 (1).csv"):
        shutil.copy2(cases_dir / name, risk_home.landing_loans / name)
    defs = make_defs(str(risk_home.root))
    with dg.instance_for_test() as instance:
        result = tick(instance, defs)
        assert len(result.run_requests) == 1
        request = result.run_requests[0]
        assert request.run_key == f"loans:{request.tags['risk/landing_sha256']}"
        assert request.tags["risk/landing_duplicates"] == "F03_loans_2024-03.csv"
        run = defs.resolve_job_def("ingest_loans").execute_in_process(instance=instance, tags=request.tags)
        assert run.success
        # The next tick sees both names in the cursor and the content in the manifest: nothing to do.
        again = tick(instance, defs, result.cursor)
        assert not again.run_requests and "nothing new: 2 file(s) in landing/loans, 2 already seen" in again.skip_reason.skip_message
    with connect(risk_home.lake_path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.loans").fetchone()[0] == 10
        assert con.execute("SELECT count(*) FROM raw.landed_files").fetchone()[0] == 1


def test_a_late_copy_under_a_new_name_is_said_to_be_the_landed_file(risk_home, cases_dir):
    """The same bytes copied under a new name after the file landed were counted as 'already seen'
    without a word: the tick names the copy and the file it repeats, once."""
    shutil.copy2(cases_dir / "F01_loans_2024-01.csv", risk_home.landing_loans / "lc_part1.csv")
    defs = make_defs(str(risk_home.root))
    with dg.instance_for_test() as instance:
        (request,) = (first := tick(instance, defs)).run_requests
        assert defs.resolve_job_def("ingest_loans").execute_in_process(instance=instance, tags=request.tags).success
        shutil.copy2(risk_home.landing_loans / "lc_part1.csv", risk_home.landing_loans / "lc_part1_redownload.csv")
        copied = tick(instance, defs, first.cursor)
        assert not copied.run_requests
        assert copied.skip_reason.skip_message == (
            "nothing new: 2 file(s) in landing/loans, 2 already seen (lc_part1_redownload.csv: same bytes as "
            "lc_part1.csv, landed already; no run); 1 contents in the manifest")
        again = tick(instance, defs, copied.cursor)  # said once
        assert again.skip_reason.skip_message == (
            "nothing new: 2 file(s) in landing/loans, 2 already seen; 1 contents in the manifest")
        for name in ("lc_part2.csv", "lc_part3.csv"):  # copied now: modified in the last 10 s
            shutil.copy(cases_dir / "F01_loans_2024-02.csv", risk_home.landing_loans / name)
        settling = tick(instance, defs, again.cursor)
        assert settling.skip_reason.skip_message == (
            "nothing new: 2 file(s) in landing/loans, 2 already seen, 2 more still being written; "
            "1 contents in the manifest")


def test_a_late_copy_noticed_in_a_tick_that_requests_a_run_is_on_the_run(risk_home, cases_dir):
    """A tick that requests a run has no skip reason (Dagster shows one only when no run is
    requested): the copy it noticed is a tag of its run, not only a line of its log."""
    shutil.copy2(cases_dir / "F01_loans_2024-01.csv", risk_home.landing_loans / "lc_part1.csv")
    defs = make_defs(str(risk_home.root))
    with dg.instance_for_test() as instance:
        (request,) = (first := tick(instance, defs)).run_requests
        assert "risk/landing_copies" not in request.tags
        assert defs.resolve_job_def("ingest_loans").execute_in_process(instance=instance, tags=request.tags).success
        shutil.copy2(risk_home.landing_loans / "lc_part1.csv", risk_home.landing_loans / "lc_part1_redownload.csv")
        shutil.copy2(cases_dir / "F01_loans_2024-02.csv", risk_home.landing_loans / "lc_part2.csv")
        (second,) = tick(instance, defs, first.cursor).run_requests
    assert second.tags["risk/landing_file"] == "lc_part2.csv"
    assert second.tags["risk/landing_copies"] == (
        "lc_part1_redownload.csv: same bytes as lc_part1.csv, landed already; no run")


def test_cursor_holds_files_not_times_and_an_old_mtime_is_picked_up(risk_home, cases_dir):
    shutil.copy2(cases_dir / "F01_loans_2024-01.csv", risk_home.landing_loans / "a.csv")
    defs = make_defs(str(risk_home.root))
    with dg.instance_for_test() as instance:
        first = tick(instance, defs)
        cursor = json.loads(first.cursor)
        assert [set(f) for f in cursor["files"]] == [{"name", "size", "sha256"}]
        late = risk_home.landing_loans / "b.csv"
        shutil.copy2(cases_dir / "F01_loans_2024-02.csv", late)
        os.utime(late, (946684800, 946684800))  # 2000-01-01, older than anything seen
        second = tick(instance, defs, first.cursor)
        assert [r.tags["risk/landing_file"] for r in second.run_requests] == ["b.csv"]
        assert second.run_requests[0].run_key != first.run_requests[0].run_key


def test_f01_two_files_landing_together_start_one_run_that_lands_both(risk_home, cases_dir):
    """An ingest run lands every new file of the folder: one run per file left every run but the
    first with nothing to land (`No new file in landing.`), refreshing features, scores and
    monitoring again under a tag naming a file another run had landed."""
    from risk_assets.lib.ingest.landing import file_sha256

    names = ("F01_loans_2024-01.csv", "F01_loans_2024-02.csv")
    for name in names:
        shutil.copy2(cases_dir / name, risk_home.landing_loans / name)
    defs = make_defs(str(risk_home.root))
    with dg.instance_for_test() as instance:
        result = tick(instance, defs)
        (request,) = result.run_requests
        shas = [file_sha256(risk_home.landing_loans / name) for name in names]
        assert request.run_key == f"loans:{shas[0]}"
        assert request.tags["risk/landing_file"] == "F01_loans_2024-01.csv, F01_loans_2024-02.csv"
        assert request.tags["risk/landing_sha256"] == ", ".join(shas)
        assert request.tags["risk/landing_duplicates"] == ""
        run = defs.resolve_job_def("ingest_loans").execute_in_process(instance=instance, tags=request.tags)
        assert run.success
        again = tick(instance, defs, result.cursor)
        assert not again.run_requests
        assert again.skip_reason.skip_message == (
            "nothing new: 2 file(s) in landing/loans, 2 already seen; 2 contents in the manifest")
    with connect(risk_home.lake_path, read_only=True) as con:
        assert con.execute("SELECT count(DISTINCT loan_key) FROM raw.loans").fetchone()[0] == 24
        assert con.execute("SELECT count(*), min(run_id), max(run_id) FROM raw.landed_files WHERE status = 'loaded'"
                           ).fetchone() == (2, run.run_id, run.run_id)


def test_a_file_landing_while_an_ingest_run_is_in_progress_waits_for_that_run(risk_home, cases_dir):
    """A file dropped while an ingest run waits for the lake pool is landed by that run: a run
    requested for it found it landed and landed nothing. The tick waits for the run to
    end and then requests a run only for a file it did not land."""
    shutil.copy2(cases_dir / "F01_loans_2024-01.csv", risk_home.landing_loans / "a.csv")
    defs = make_defs(str(risk_home.root))
    with dg.instance_for_test() as instance:
        first = tick(instance, defs)
        (request,) = first.run_requests
        queued = instance.add_run(dg.DagsterRun(job_name="ingest_loans", status=dg.DagsterRunStatus.STARTED,
                                                tags={**request.tags, "dagster/run_key": request.run_key}))
        shutil.copy2(cases_dir / "F01_loans_2024-02.csv", risk_home.landing_loans / "b.csv")
        os.utime(risk_home.landing_loans / "b.csv", (946684800, 946684800))
        shutil.copy2(risk_home.landing_loans / "a.csv", risk_home.landing_loans / "a (1).csv")
        waiting = tick(instance, defs, first.cursor)
        assert not waiting.run_requests
        assert waiting.skip_reason.skip_message == (
            f"1 new file(s) in landing/loans (b.csv) wait for ingest_loans run {queued.run_id} (STARTED), which "
            "lands every new file of the folder; the first tick after it ends requests a run for any it did not land; "
            "a (1).csv: same bytes as a.csv, seen already; no run")
        # its ingest step runs and lands both files
        assert defs.resolve_job_def("ingest_loans").execute_in_process(instance=instance, tags=request.tags).success
        instance.report_dagster_event(dg.DagsterEvent(dg.DagsterEventType.RUN_SUCCESS.value, job_name="ingest_loans"),
                                      run_id=queued.run_id)
        landed = tick(instance, defs, waiting.cursor)
        assert not landed.run_requests
        assert landed.skip_reason.skip_message == (
            "nothing new: 3 file(s) in landing/loans, 3 already seen; 2 contents in the manifest")
        # a run canceled before its ingest step lands nothing: the file it held back gets a run of its own
        shutil.copy2(cases_dir / "F03_loans_2024-03.csv", risk_home.landing_loans / "c.csv")
        os.utime(risk_home.landing_loans / "c.csv", (946684800, 946684800))
        # a run of the whole lake (`risk-assets run`) lands files too; one that only scores does not
        instance.add_run(dg.DagsterRun(job_name="__ASSET_JOB", status=dg.DagsterRunStatus.STARTED,
                                       asset_selection=frozenset({dg.AssetKey("loan_scores")})))
        canceled = instance.add_run(dg.DagsterRun(job_name="__ASSET_JOB", status=dg.DagsterRunStatus.STARTED,
                                                  asset_selection=frozenset({dg.AssetKey("raw_loans")})))
        assert tick(instance, defs, landed.cursor).skip_reason.skip_message.startswith(
            f"1 new file(s) in landing/loans (c.csv) wait for __ASSET_JOB run {canceled.run_id} (STARTED)")
        instance.report_run_canceled(canceled)
        (after,) = tick(instance, defs, landed.cursor).run_requests
        assert after.tags["risk/landing_file"] == "c.csv"


def test_a_withdrawn_file_dropped_back_lands_again_under_a_new_run_key(risk_home, cases_dir):
    """Withdrawn by hand (moved out of landing) and later dropped back on purpose: the cursor and
    the manifest know its bytes, and Dagster never starts a second run with a used run key, so the
    sensor must treat a withdrawn content as new and give its run a key of its own."""
    from risk_assets.lib.ingest.landing import withdraw_file

    shutil.copy2(cases_dir / "F01_loans_2024-01.csv", risk_home.landing_loans / "tape.csv")
    defs = make_defs(str(risk_home.root))
    with dg.instance_for_test() as instance:
        first = tick(instance, defs)
        assert defs.resolve_job_def("ingest_loans").execute_in_process(instance=instance, tags=first.run_requests[0].tags).success
        with connect(risk_home.lake_path) as con:
            withdrawal = withdraw_file(con, "tape.csv", "wrong month", "operator test", risk_home.root / "withdrawn")
        assert withdrawal.rows_removed == 12 and withdrawal.moved_to
        gone = tick(instance, defs, first.cursor)
        assert not gone.run_requests and "1 withdrawn" in gone.skip_reason.skip_message

        shutil.copy2(withdrawal.moved_to, risk_home.landing_loans / "tape.csv")
        back = tick(instance, defs, gone.cursor)
        assert [r.run_key for r in back.run_requests] == [f"loans:{withdrawal.sha256}:after-withdrawal-1"]
        assert defs.resolve_job_def("ingest_loans").execute_in_process(instance=instance, tags=back.run_requests[0].tags).success
        settled = tick(instance, defs, back.cursor)
        assert not settled.run_requests and "1 already seen" in settled.skip_reason.skip_message
    with connect(risk_home.lake_path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.loans").fetchone()[0] == 12
        assert con.execute("SELECT status FROM raw.landed_files").fetchall() == [("loaded",)]


def test_a_tick_that_cannot_read_the_manifest_requests_nothing_and_keeps_its_cursor(risk_home, cases_dir, monkeypatch):
    """With no cursor (the daemon's first tick, a reset) and a writer holding the lake, every file
    already loaded looked new: one ingest run was requested per file. The tick now waits for the
    next one, its cursor unchanged; once the lake is free, the landed file is known."""
    import subprocess
    import sys

    from risk_assets.defs.monitoring import sensors

    shutil.copy2(cases_dir / "F01_loans_2024-01.csv", risk_home.landing_loans / "a.csv")
    defs = make_defs(str(risk_home.root))
    with dg.instance_for_test() as instance:
        first = tick(instance, defs)
        assert defs.resolve_job_def("ingest_loans").execute_in_process(
            instance=instance, tags=first.run_requests[0].tags).success
        monkeypatch.setattr(sensors, "LAKE_WAIT_SECONDS", 0.5)
        holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                                   "print('held', flush=True); time.sleep(60)", str(risk_home.lake_path)],
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == "held"
            busy = tick(instance, defs)  # no cursor
        finally:
            holder.kill()
            holder.wait()
        assert not busy.run_requests and busy.cursor is None
        assert busy.skip_reason.skip_message.startswith("1 file(s) in landing/loans; manifest not consulted (lake busy: ")
        free = tick(instance, defs)
        assert not free.run_requests and "1 already seen" in free.skip_reason.skip_message
