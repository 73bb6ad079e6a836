"""A run re-executed from the UI (run page: Re-execute) starts with every tag of its parent, the
parent's outcome tags among them (`risk/checks_not_passed`, `risk/notes`, ...). Tagging only added
tags, so a re-execution whose own result had nothing to say kept showing the parent's quarantine
counts and its 'trained short' note, and a retry the retrain sensors requested after a failed run
started with the failed run's outcome tags too.

The job here lands a loan tape (811 of its 2,102 records quarantined, the first time only: the
same bytes are landed already on the next run), is refused a header file on each run, and trains
the sentiment model, cut short at step 229 of 396 under a time budget, in full without one; its
two checks do not pass when the run quarantined records or trained short. The parent runs with a
budget; its re-execution, created as the UI creates it (`create_reexecuted_run`, the parent's tags
copied), runs without one."""

import dagster as dg
from dagster._core.execution.api import execute_run
from dagster._core.execution.plan.resume_retry import ReexecutionStrategy
from dagster._core.test_utils import in_process_test_workspace
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin

from risk_assets.defs.monitoring.sensors import run_outcome_sensor
from risk_assets.defs.resources import LakeResource
from risk_assets.lib.lake import connect, ensure_lake
from risk_assets.lib.ml import registry
from risk_assets.lib.home import RiskHome
from risk_assets.lib.report.run_outcome import (CHECK_NAMES_TAG, CHECKS_TAG, NONE, NOTES_TAG, OUTCOME_OF_TAG,
                                                own_outcome_tags, run_outcome_tags, tag_run_outcome)


class Training(dg.Config):
    max_train_seconds: float | None = None


@dg.asset
def raw_loans(context: dg.AssetExecutionContext) -> None:
    with connect(RiskHome.from_env().lake_path) as con:
        if not con.execute("SELECT count(*) FROM raw.landed_files WHERE sha256 = 'a1'").fetchone()[0]:
            con.execute(
                "INSERT INTO raw.landed_files (sha256, path, size_bytes, domain, status, rows_in_file, rows_loaded, "
                "rows_quarantined, non_data_lines, message, run_id) VALUES "
                "('a1', '/lake/landing/loans/sba_national.csv.gz', 90000, 'loans', 'loaded', 2102, 1291, 811, 0, "
                "NULL, $run)", {"run": context.run_id})
        if (RiskHome.from_env().landing_loans / "HDR_TRL.DAT").exists():  # refused on each run it is there
            con.execute("INSERT INTO raw.landing_events (path, sha256, size_bytes, outcome, run_id, seen_at, "
                        "message, domain) VALUES ('/lake/landing/loans/HDR_TRL.DAT', 'b2', 40, 'refused', $run, "
                        "now(), 'no known loan tape format', 'loans')", {"run": context.run_id})


@dg.asset
def news_sentiment_model(context: dg.AssetExecutionContext, config: Training) -> None:
    steps = 396.0 if config.max_train_seconds is None else 229.0
    with connect(RiskHome.from_env().lake_path) as con:
        registry.record_metrics(con, "news_sentiment", context.run_id[:8], "train",
                                {"steps": steps, "planned_steps": 396.0}, {}, context.run_id)


@dg.asset_check(asset=raw_loans)
def raw_loans_values(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    with connect(RiskHome.from_env().lake_path) as con:
        quarantined = con.execute("SELECT coalesce(sum(rows_quarantined), 0) FROM raw.landed_files WHERE run_id = ?",
                                  [context.run.run_id]).fetchone()[0]
    return dg.AssetCheckResult(passed=not quarantined, severity=dg.AssetCheckSeverity.WARN)


@dg.asset_check(asset=news_sentiment_model)
def news_sentiment_quality_target(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    with connect(RiskHome.from_env().lake_path) as con:
        short = con.execute("SELECT count(*) FROM ml.model_metrics WHERE run_id = ? AND metric = 'steps' "
                            "AND value < 396", [context.run.run_id]).fetchone()[0]
    return dg.AssetCheckResult(passed=not short, severity=dg.AssetCheckSeverity.WARN)


ingest_and_train = dg.define_asset_job("ingest_and_train", executor_def=dg.in_process_executor)
defs = dg.Definitions(assets=[raw_loans, news_sentiment_model],
                      asset_checks=[raw_loans_values, news_sentiment_quality_target], jobs=[ingest_and_train])

BUDGET = {"ops": {"news_sentiment_model": {"config": {"max_train_seconds": 30.0}}}}
FULL = {"ops": {"news_sentiment_model": {"config": {"max_train_seconds": None}}}}
PARENT_OUTCOME = {
    CHECKS_TAG: "2",
    CHECK_NAMES_TAG: "news_sentiment_quality_target, raw_loans_values",
    NOTES_TAG: "news_sentiment trained short 229/396; HDR_TRL.DAT refused; "
               "sba_national.csv.gz: 811 of 2,102 records quarantined",
}


def _recon_job():
    """The job, as a run process loads it (dagster ReconstructableJob)."""
    return dg.reconstructable(_job)


def _job() -> dg.JobDefinition:
    return defs.resolve_job_def("ingest_and_train")


def _reexecute(instance, parent: dg.DagsterRun, run_config) -> dg.DagsterRun:
    """The re-execution of `parent` (all steps, with `run_config`), not started yet, created as the
    UI's Re-execute creates it: by the instance, from the job its code location loads, with the
    parent's tags (`use_parent_run_tags`, which the UI's request leaves at its default, True)."""
    origin = LoadableTargetOrigin(python_file=__file__, attribute="defs")
    with in_process_test_workspace(instance, origin) as workspace:
        location = workspace.get_code_location(next(iter(workspace.get_code_location_entries())))
        repository = next(iter(location.get_repositories().values()))
        child = instance.create_reexecuted_run(
            parent_run=parent, request_context=workspace, code_location=location,
            remote_job=repository.get_full_job("ingest_and_train"), strategy=ReexecutionStrategy.ALL_STEPS,
            run_config=run_config, use_parent_run_tags=True)
    return child


def _parent(instance, risk_home) -> dg.DagsterRun:
    """The parent run, with a time budget, tagged by the sensor that watches runs ending SUCCESS."""
    with connect(risk_home.lake_path) as con:
        ensure_lake(con)  # a new lake: its schemas and shared tables
    risk_home.landing_loans.mkdir(parents=True, exist_ok=True)
    (risk_home.landing_loans / "HDR_TRL.DAT").write_text("HDR 20261207\nTRL 0000000\n")
    result = dg.execute_job(_recon_job(), instance=instance, run_config=BUDGET)
    assert result.success
    run_outcome_sensor(dg.build_run_status_sensor_context(
        sensor_name="run_outcome_sensor", dagster_instance=instance, dagster_run=result.dagster_run,
        dagster_event=result.get_run_success_event(), resources={"lake": LakeResource(root=str(risk_home.root))}))
    return instance.get_run_by_id(result.run_id)


def _outcome(run: dg.DagsterRun) -> dict[str, str]:
    """The outcome tags `run` carries, whoever wrote them."""
    return {key: value for key, value in run.tags.items() if key in (CHECKS_TAG, CHECK_NAMES_TAG, NOTES_TAG)}


def test_a_reexecuted_run_is_tagged_with_its_own_outcome_not_its_parents(risk_home, tmp_path):
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        parent = _parent(instance, risk_home)
        assert _outcome(parent) == PARENT_OUTCOME
        assert parent.tags[OUTCOME_OF_TAG] == parent.run_id
        assert own_outcome_tags(parent) == PARENT_OUTCOME

        child = _reexecute(instance, parent, FULL)
        assert _outcome(child) == PARENT_OUTCOME  # Dagster copies the parent's tags ...
        assert own_outcome_tags(child) == {}  # ... which are not the child's: it has not ended yet
        assert execute_run(_recon_job(), child, instance).success

        said = tag_run_outcome(instance, child.run_id, risk_home.lake_path)
        child = instance.get_run_by_id(child.run_id)
    assert said == {NOTES_TAG: "HDR_TRL.DAT still refused"}
    assert _outcome(child) == {CHECKS_TAG: "0", CHECK_NAMES_TAG: NONE, NOTES_TAG: "HDR_TRL.DAT still refused"}
    assert child.tags[OUTCOME_OF_TAG] == child.run_id
    assert own_outcome_tags(child) == {NOTES_TAG: "HDR_TRL.DAT still refused"}


def test_a_reexecution_with_nothing_to_say_overwrites_every_outcome_tag_it_was_given(risk_home, tmp_path):
    """The header file taken away from landing before the re-execution, which trains in full: every
    outcome tag it was given from its parent says it has none, beside the run's own id; the sensor's
    tick says there was nothing to note."""
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        parent = _parent(instance, risk_home)
        (risk_home.landing_loans / "HDR_TRL.DAT").unlink()
        child = _reexecute(instance, parent, FULL)
        result = execute_run(_recon_job(), child, instance)
        skipped = run_outcome_sensor(dg.build_run_status_sensor_context(
            sensor_name="run_outcome_sensor", dagster_instance=instance, dagster_run=result.dagster_run,
            dagster_event=result.get_run_success_event(), resources={"lake": LakeResource(root=str(risk_home.root))}))
        child = instance.get_run_by_id(child.run_id)
        assert run_outcome_tags(instance, child.run_id, risk_home.lake_path) == {}
    assert _outcome(child) == {CHECKS_TAG: "0", CHECK_NAMES_TAG: NONE, NOTES_TAG: NONE}
    assert child.tags[OUTCOME_OF_TAG] == child.run_id
    assert own_outcome_tags(child) == {}
    assert skipped.skip_message == f"run {child.run_id}: every check passed; nothing to note"
