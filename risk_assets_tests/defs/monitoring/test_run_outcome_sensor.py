"""A finished run carries what it did beyond its status as tags, which the UI's runs list and run
page show: how many checks of it did not pass (`risk/checks_not_passed`), which
(`risk/checks_not_passed_names`), and what its checks do not say
(`risk/notes`: a sentiment training cut short, files quarantined or refused). The sample lake's
full run showed a plain green "Success" with 3 WARN checks failed and the sentiment model trained
229 of its 396 steps; only `risk-assets run`'s printed summary said so.

The runs here are real in-process runs of small assets that write what the lake's own assets
write (the manifest row of a file landed with records quarantined, a refused file, the sentiment
training's step counts), with the check names of the sample lake's run."""

import time

import dagster as dg

from risk_assets import cli
from risk_assets.defs.monitoring.sensors import failed_run_outcome_sensor, run_outcome_sensor
from risk_assets.defs.resources import LakeResource
from risk_assets.lib.lake import connect, table_exists
from risk_assets.lib.ml import registry
from risk_assets.lib.report.run_outcome import run_outcome_tags

NOT_PASSED = "3"  # the count alone, so the runs list shows it whole
NOT_PASSED_NAMES = "news_sentiment_quality_target, loan_features_no_leakage, raw_loans_values"  # in the order they ran
NOTES = ("news_sentiment trained short 229/396; HDR_TRL.DAT refused; "
         "sba_national.csv.gz: 811 of 2,102 records quarantined")


def _create_lake(lake_path) -> None:
    """A new lake at `lake_path`: connect() creates its tables on the first open."""
    with connect(lake_path) as con:
        assert table_exists(con, "raw.landed_files") and table_exists(con, "ml.model_metrics")


def _lake_run_assets(lake_path):
    """raw_loans (lands two files: one with 811 of its 2,102 records quarantined, one refused) and
    news_sentiment_model (a training its time budget ended at step 229 of 396), each writing the
    lake at `lake_path` under the run's id; three WARN checks that do not pass, one that does."""

    @dg.asset
    def raw_loans(context: dg.AssetExecutionContext) -> None:
        with connect(lake_path) as con:
            con.execute(
                "INSERT INTO raw.landed_files (sha256, path, size_bytes, domain, status, rows_in_file, rows_loaded, "
                "rows_quarantined, non_data_lines, message, run_id) VALUES "
                "('a1', '/lake/landing/loans/sba_national.csv.gz', 90000, 'loans', 'loaded', 2102, 1291, 811, 0, NULL, $run), "
                "('b2', '/lake/landing/loans/HDR_TRL.DAT', 40, 'loans', 'refused', NULL, NULL, NULL, NULL, "
                "'no known loan tape format', $run)", {"run": context.run_id})
            con.execute("INSERT INTO raw.landing_events (path, sha256, size_bytes, outcome, run_id, seen_at, message, "
                        "domain) SELECT path, sha256, size_bytes, status, run_id, now(), message, domain "
                        "FROM raw.landed_files WHERE run_id = ?", [context.run_id])  # as landing writes them

    @dg.asset
    def news_sentiment_model(context: dg.AssetExecutionContext) -> None:
        with connect(lake_path) as con:
            registry.record_metrics(con, "news_sentiment", "v1", "train", {"steps": 229.0, "planned_steps": 396.0},
                                    {}, context.run_id)
            registry.record_metrics(con, "news_sentiment", "v1", "holdout", {"macro_f1": 0.79}, {}, context.run_id)

    def warn(name: str, asset, text: str):
        @dg.asset_check(asset=asset, name=name)
        def _check() -> dg.AssetCheckResult:
            return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN, description=text)
        return _check

    @dg.asset_check(asset=raw_loans, name="raw_loans_schema")
    def passes() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=True)

    return [raw_loans, news_sentiment_model, passes,
            warn("raw_loans_values", raw_loans, "811 values quarantined in sba_national.csv.gz"),
            warn("loan_features_no_leakage", raw_loans, "recoveries observed after default in 12 loans"),
            warn("news_sentiment_quality_target", news_sentiment_model, "macro-F1 0.79 < 0.80")]


def test_the_cli_tags_its_finished_run_with_the_checks_that_did_not_pass_and_its_notes(risk_home, tmp_path):
    _create_lake(risk_home.lake_path)
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        since = time.time()
        result = dg.materialize(_lake_run_assets(risk_home.lake_path), instance=instance)
        assert result.success
        cli._tag_run_outcome(instance, since, risk_home.lake_path)
        tags = instance.get_run_by_id(result.run_id).tags
        summary = " ".join(cli.run_summary(instance, since, risk_home.lake_path))
    assert tags["risk/checks_not_passed"] == NOT_PASSED
    assert tags["risk/checks_not_passed_names"] == NOT_PASSED_NAMES
    assert tags["risk/notes"] == NOTES
    assert "3 check(s) did not pass" in summary and "trained 229 of its 396 steps" in summary  # the same facts


def test_the_run_outcome_sensor_tags_a_run_launched_elsewhere(risk_home, tmp_path):
    """A run the UI or a sensor launched (here: in-process) gets the same tags from the sensor that
    watches runs ending SUCCESS; the tick says what it wrote."""
    _create_lake(risk_home.lake_path)
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        result = dg.materialize(_lake_run_assets(risk_home.lake_path), instance=instance)
        context = dg.build_run_status_sensor_context(
            sensor_name="run_outcome_sensor", dagster_instance=instance, dagster_run=result.dagster_run,
            dagster_event=result.get_run_success_event(), resources={"lake": LakeResource(root=str(risk_home.root))})
        skipped = run_outcome_sensor(context)
        tags = instance.get_run_by_id(result.run_id).tags
    assert tags["risk/checks_not_passed"] == NOT_PASSED
    assert tags["risk/checks_not_passed_names"] == NOT_PASSED_NAMES
    assert tags["risk/notes"] == NOTES
    assert skipped.skip_message == (f"run {result.run_id}: risk/checks_not_passed = {NOT_PASSED}; "
                                    f"risk/checks_not_passed_names = {NOT_PASSED_NAMES}; risk/notes = {NOTES}")


@dg.asset
def tape() -> None:
    return None


@dg.asset_check(asset=tape, blocking=False)
def tape_rows() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.ERROR, description="0 rows")


@dg.asset(deps=[tape])
def tape_features() -> None:
    raise ValueError("tape.csv line 3, column loan_amnt: '12,5O0' is not a number")


def test_a_failed_run_is_tagged_too_and_a_clean_run_gets_no_tags(risk_home, tmp_path):
    """The failure sensor tags a failed run alike (an ERROR check named so; its notes '(none)', as
    every outcome tag is written once one is); a run in which every check passed and nothing is to
    be noted gets no tag, and its tick says so."""
    lake = LakeResource(root=str(risk_home.root))
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        failed = dg.materialize([tape, tape_rows, tape_features], instance=instance, raise_on_error=False)
        assert not failed.success
        failed_run_outcome_sensor(dg.build_run_status_sensor_context(
            sensor_name="failed_run_outcome_sensor", dagster_instance=instance, dagster_run=failed.dagster_run,
            dagster_event=failed.get_run_failure_event(), resources={"lake": lake}))
        failed_tags = instance.get_run_by_id(failed.run_id).tags
        assert failed_tags["risk/checks_not_passed"] == "1 (ERROR)"
        assert failed_tags["risk/checks_not_passed_names"] == "tape_rows (ERROR)"
        assert failed_tags["risk/notes"] == "(none)"  # no lake: nothing to note, and the tag says so
        assert failed_tags["risk/outcome_of"] == failed.run_id

        clean = dg.materialize([tape], instance=instance)
        skipped = run_outcome_sensor(dg.build_run_status_sensor_context(
            sensor_name="run_outcome_sensor", dagster_instance=instance, dagster_run=clean.dagster_run,
            dagster_event=clean.get_run_success_event(), resources={"lake": lake}))
        assert skipped.skip_message == f"run {clean.run_id}: every check passed; nothing to note"
        assert not [key for key in instance.get_run_by_id(clean.run_id).tags if key.startswith("risk/")]
        assert run_outcome_tags(instance, clean.run_id, risk_home.lake_path) == {}


def test_a_long_list_of_checks_is_cut_to_a_short_tag(tmp_path):
    """Dagster's UI shows a tag on one line: a run with many failed checks gets its count whole in
    one tag and the names, at most 250 characters ending '…', in the other."""
    checks = [dg.AssetCheckSpec(f"column_{i:02d}_within_its_declared_range", asset="tape") for i in range(20)]

    @dg.multi_asset(specs=[dg.AssetSpec("tape")], check_specs=checks)
    def tape_with_checks():
        yield dg.MaterializeResult(asset_key="tape")
        for spec in checks:
            yield dg.AssetCheckResult(asset_key="tape", check_name=spec.name, passed=False,
                                      severity=dg.AssetCheckSeverity.WARN)

    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        result = dg.materialize([tape_with_checks], instance=instance)
        tags = run_outcome_tags(instance, result.run_id, None)
    assert tags["risk/checks_not_passed"] == "20"
    value = tags["risk/checks_not_passed_names"]
    assert len(value) == 250 and value.startswith("column_00_within_its_declared_range, column_01_")
    assert value.endswith("…")


def test_the_count_says_how_many_of_the_checks_not_passed_are_errors(tmp_path):
    """One ERROR check among three not passed: '3 (1 ERROR)', the names marking which."""
    severities = {"raw_loans_values": "WARN", "raw_loans_schema": "ERROR", "loan_features_no_leakage": "WARN"}
    checks = [dg.AssetCheckSpec(name, asset="tape") for name in severities]

    @dg.multi_asset(specs=[dg.AssetSpec("tape")], check_specs=checks)
    def tape_with_checks():
        yield dg.MaterializeResult(asset_key="tape")
        for name, severity in severities.items():
            yield dg.AssetCheckResult(asset_key="tape", check_name=name, passed=False,
                                      severity=dg.AssetCheckSeverity(severity))

    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        result = dg.materialize([tape_with_checks], instance=instance)
        tags = run_outcome_tags(instance, result.run_id, None)
    assert tags == {"risk/checks_not_passed": "3 (1 ERROR)",
                    "risk/checks_not_passed_names": "raw_loans_values, raw_loans_schema (ERROR), loan_features_no_leakage"}
