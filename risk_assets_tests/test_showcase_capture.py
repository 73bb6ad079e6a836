"""The small showcase lake lands real bytes, tiny training profiles only name real config fields, and
the checks illustration opens a check that did not pass at its failing rows."""

from __future__ import annotations

import pytest

from risk_assets.showcase_capture import (
    LENDINGCLUB_ROWS, LOAN_CASE_MAPPING, LOAN_CASES, NEWS_CASES, PHRASEBANK_LINES, Page, failed_check_page, seed_small_lake,
    showcase_pages, tiny_run_config,
)


def test_small_lake_lands_slices_with_the_sources_bytes_and_every_case(risk_home, data_dir, cases_dir):
    landed = seed_small_lake(risk_home, data_dir, cases_dir)

    assert len(landed) == 2 + len(LOAN_CASES) + len(NEWS_CASES)
    tape = (risk_home.landing_loans / "lendingclub_2007_2011.csv").read_bytes()
    original = (data_dir / "loans" / "lendingclub_2007_2011.csv").read_bytes()
    assert tape.count(b"\n") == LENDINGCLUB_ROWS + 1 and original.startswith(tape)
    news = (risk_home.landing_news / "financial_phrasebank_50agree.txt").read_bytes()
    assert news.startswith(b"\xef\xbb\xbf") and news.count(b"\r\n") == PHRASEBANK_LINES
    for name in NEWS_CASES:
        assert (risk_home.landing_news / name).read_bytes() == (cases_dir / name).read_bytes()
    for name in LOAN_CASES:
        assert (risk_home.landing_loans / name).read_bytes() == (cases_dir / name).read_bytes()


def test_the_implausible_loan_case_lands_as_a_book_of_its_own_leaving_lendingclub_alone(risk_home, data_dir, cases_dir):
    from risk_assets.lib.ingest.loan_formats import parse_loan_file

    seed_small_lake(risk_home, data_dir, cases_dir)
    parsed = parse_loan_file(risk_home.landing_loans / LOAN_CASES[0], [risk_home.mappings])

    parsed.reconcile()
    assert set(parsed.rows["portfolio"]) == {LOAN_CASE_MAPPING["portfolio"]} != {"lendingclub"}
    # 9 bad rows set aside at landing (days_employed's sentinel 365243 among them, though the column is
    # kept only in source_fields); the billion income loads and is left to raw_loans_values
    assert parsed.quarantine.height == 9 and "76004" in set(parsed.rows["source_loan_id"])
    assert "76007" not in set(parsed.rows["source_loan_id"])


def test_tiny_profiles_keep_only_fields_the_asset_config_has():
    config = tiny_run_config({"news_sentiment_model": {"epochs", "batch_size", "lr"}, "raw_loans": {"x"}})
    assert config == {"ops": {"news_sentiment_model": {"config": {"epochs": 3, "batch_size": 16}}}}
    assert tiny_run_config({}) == {}


DATA_CHECK_ENTRIES = ["failed_rules", "failing_count", "failing_rows", "observed", "rows_checked"]
"""Metadata labels of a data check's verdict, as the sample lake's raw_loans_values carries them."""


def _check(name: str, success: bool | None, severity: str = "WARN", labels=DATA_CHECK_ENTRIES) -> dict:
    evaluation = None if success is None else {
        "success": success, "severity": severity, "metadataEntries": [{"label": label} for label in labels]}
    return {"name": name, "description": "...", "blocking": False,
            "executionForLatestMaterialization": None if evaluation is None else
            {"status": "SUCCEEDED" if success else "FAILED", "evaluation": evaluation}}


class _LakeUI:
    """Answers `asset` and the automations query as the UI does for a lake whose checks are `checks`."""

    def __init__(self, checks: dict[str, list[dict]]) -> None:
        self.checks = checks

    def asset(self, key: str) -> dict:
        if key not in self.checks:
            raise LookupError(f"the UI has no asset {key!r}")
        return {"definition": {"assetChecksOrError": {"__typename": "AssetChecks", "checks": self.checks[key]}}}

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        return {"workspaceOrError": {"locationEntries": [{"locationOrLoadError": {"repositories": [
            {"sensors": [{"name": "loan_landing_sensor"}], "schedules": []}]}}]}}


RAW_LOANS_PASSED = [_check(name, True) for name in (
    "raw_loans_footer_totals", "raw_loans_idless_repeats", "raw_loans_ids_changed", "raw_loans_missing_from_newest",
    "raw_loans_outcome_reversed", "raw_loans_schema", "raw_loans_unique_per_snapshot")]


def test_the_checks_illustration_opens_the_sample_lakes_failed_values_check_at_its_rows():
    # the sample lake: 7 of raw_loans' 8 checks passed, raw_loans_values warned (term_positive, 810 rows)
    ui = _LakeUI({"raw_loans": [*RAW_LOANS_PASSED, _check("raw_loans_values", False)],
                  "raw_news": [_check("raw_news_values", True)]})

    page = showcase_pages(ui)["checks"]

    assert page == Page("/assets/raw_loans?view=checks&checkDetail=raw_loans_values",
                        ready="raw_loans_values", click="Show Markdown")


def test_a_lake_whose_landed_tables_passed_shows_the_next_check_that_did_not():
    ui = _LakeUI({"raw_loans": [*RAW_LOANS_PASSED, _check("raw_loans_values", True)],
                  "raw_news": [_check("raw_news_values", None)],
                  "loan_pd_model": [_check("loan_pd_gate", False, labels=["verdicts", "observed"])]})

    assert failed_check_page(ui) == Page("/assets/loan_pd_model?view=checks&checkDetail=loan_pd_gate",
                                         ready="loan_pd_gate", click=None)


def test_a_lake_where_every_check_passed_shows_the_first_landed_tables_first_check():
    ui = _LakeUI({"raw_loans": [*RAW_LOANS_PASSED, _check("raw_loans_values", True)],
                  "raw_news": [_check("raw_news_values", True)]})

    assert showcase_pages(ui)["checks"] == Page("/assets/raw_loans?view=checks&checkDetail=raw_loans_footer_totals",
                                                ready="raw_loans_footer_totals", click=None)


def test_stopping_the_ui_stops_every_process_of_its_session():
    """`risk-assets screenshots` captured every page and then ended in a traceback: a run its UI's
    sensors had launched was still writing the instance's `history` folder while the temporary home
    was removed. Stopping the UI now kills what is left of its process group (a child that ignores
    SIGTERM here) and waits until none is left."""
    import os
    import subprocess
    import time

    from risk_assets.ui_capture import _stop

    # the leader ends at SIGTERM, as dagster dev does; its child ignores it and would outlive it
    process = subprocess.Popen(["sh", "-c", "sh -c \"trap '' TERM; sleep 300\" & wait"], start_new_session=True)
    time.sleep(0.5)
    _stop(process, grace_s=1)
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)


def test_the_tiny_sentiment_profile_has_no_time_budget_so_no_sensor_retrains_it_at_once():
    # a champion the budget cut short is retrained by sentiment_retrain_sensor with its full schedule,
    # a run that would be refreshing the pages while they are captured
    config = tiny_run_config({"news_sentiment_model": {"epochs", "max_train_seconds"}})
    assert config["ops"]["news_sentiment_model"]["config"] == {"epochs": 3, "max_train_seconds": None}


def _sensor(name: str, tick: tuple[str, float] | None, status: str = "RUNNING") -> dict:
    ticks = [] if tick is None else [{"status": tick[0], "timestamp": tick[1], "runIds": []}]
    return {"name": name, "sensorState": {"status": status, "ticks": ticks}}


def test_the_instance_is_settled_once_every_running_sensor_ticked_since_and_no_run_is_in_progress():
    from risk_assets.ui_capture import unsettled

    ticked = [_sensor("landing_loans_sensor", ("SKIPPED", 105.0)), _sensor("retrain_sensor", ("SUCCESS", 101.0)),
              _sensor("stopped_sensor", None, status="STOPPED")]
    assert unsettled(ticked, [], since=100.0) == ""
    assert unsettled([*ticked, _sensor("sentiment_retrain_sensor", None)], [], since=100.0) == \
        "sensors yet to tick: sentiment_retrain_sensor"
    # a tick before the UI started, or one still being evaluated, is not this lake's answer yet
    assert unsettled([_sensor("a", ("SKIPPED", 99.0)), _sensor("b", ("STARTED", 101.0))], [], since=100.0) == \
        "sensors yet to tick: a, b"
    run = {"runId": "989ee23b0000", "jobName": "retrain_news_sentiment", "status": "QUEUED"}
    assert unsettled(ticked, [run], since=100.0) == "runs not ended: 989ee23b (retrain_news_sentiment, QUEUED)"


class _ScriptedUI:
    """Answers the settling queries from a script: one (sensors, active runs) pair per poll."""

    def __init__(self, script: list[tuple[list[dict], list[dict]]]) -> None:
        self.script, self.polls = script, 0

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        sensors, runs = self.script[min(self.polls, len(self.script) - 1)]
        if "runsOrError" in query:
            self.polls += 1
            return {"runsOrError": {"__typename": "Runs", "results": runs}}
        return {"workspaceOrError": {"locationEntries": [{"locationOrLoadError": {"repositories": [
            {"sensors": sensors}]}}]}}


def test_waiting_for_a_settled_instance_waits_out_a_launched_run_and_the_ticks_after_it():
    import time

    from risk_assets.ui_capture import DagsterUI

    start = time.time() - 10  # the UI started; its sensor's first tick launched a run
    run = {"runId": "989ee23b0000", "jobName": "retrain_news_sentiment", "status": "STARTED"}
    before = [_sensor("sentiment_retrain_sensor", ("SUCCESS", start + 1))]
    after = [_sensor("sentiment_retrain_sensor", ("SKIPPED", start + 3600))]
    ui = _ScriptedUI([(before, [run]), (before, []), (after, [])])

    DagsterUI.wait_until_settled(ui, since=start, poll_s=0)

    # the tick that launched the run is not enough once it ended: the one after it settles it
    assert ui.polls == 3
    with pytest.raises(TimeoutError, match="989ee23b"):
        DagsterUI.wait_until_settled(_ScriptedUI([(before, [run])]), since=start, timeout_s=0, poll_s=0)


def test_the_capture_asks_the_ui_only_questions_its_graphql_schema_answers():
    # a query the schema refuses is an HTTP 400 from the UI, met only after the lake is built
    from dagster_graphql.schema import create_schema
    from graphql import parse, validate

    from risk_assets import showcase_capture, ui_capture

    schema = create_schema().graphql_schema
    for query in (ui_capture.SENSOR_TICKS_QUERY, ui_capture.ACTIVE_RUNS_QUERY, ui_capture.LOCATIONS_QUERY,
                  ui_capture.ASSET_QUERY, showcase_capture.AUTOMATIONS_QUERY):
        assert validate(schema, parse(query)) == []
