"""`risk-assets run` closes with a summary of the run it started: its status and every check of it
that did not pass, so a warning (a refused training, unscored loans) is not lost in the event log."""

from __future__ import annotations

import shlex
import subprocess
import time

import dagster as dg
import pytest

from risk_assets.cli import own_command, run_summary


@dg.asset
def tape() -> None:
    return None


@dg.asset_check(asset=tape)
def tape_rows() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN,
                               description="loan_pd_acme: not trained:  too few defaults\n(18 < 20)")


@dg.asset_check(asset=tape)
def tape_schema() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


def test_the_run_summary_names_the_checks_that_did_not_pass(tmp_path):
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        assert run_summary(instance, time.time()) == []  # no run started: nothing to say
        since = time.time()
        result = dg.materialize([tape, tape_rows, tape_schema], instance=instance)
        lines = run_summary(instance, since)
    assert lines[0].startswith(f"== run {result.run_id[:8]}: SUCCESS in 0m")
    assert lines[0].endswith("; 1 check(s) did not pass (ERROR stops what depends on it, WARN does not):")
    assert lines[1] == "   WARN  tape_rows on tape: loan_pd_acme: not trained: too few defaults (18 < 20)"
    assert lines[2].startswith(f"   next: {own_command()} verify (with --own-data on a lake of your own files)")
    assert len(lines) == 3


@dg.asset
def typed_tape() -> None:
    raise ValueError("tape.csv line 3, column loan_amnt: '12,5O0' is not a number\n(the rest of the message)")


@dg.asset(deps=[typed_tape])
def tape_features() -> None:
    return None


def test_the_run_summary_of_a_failed_run_names_the_step_its_error_and_what_to_do(tmp_path):
    """A failed run says how far it got and what stopped it, in the asset's own words (not Dagster's
    wrapper), and offers the same command again rather than `verify` of a lake it did not finish."""
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        since = time.time()
        result = dg.materialize([tape, tape_rows, typed_tape, tape_features], instance=instance, raise_on_error=False)
        lines = run_summary(instance, since)
    assert not result.success
    assert lines[0].startswith(f"== run {result.run_id[:8]}: FAILURE in 0m")
    assert lines[0].endswith("; 2 of 4 steps succeeded, 1 failed, 1 not run; 1 check(s) did not pass (ERROR stops "
                             "what depends on it, WARN does not):")
    assert lines[1].startswith("   WARN  tape_rows on tape: ")
    assert lines[2] == "   FAILED  typed_tape: ValueError: tape.csv line 3, column loan_amnt: '12,5O0' is not a number"
    assert " ".join(" ".join(lines[3:]).split()).startswith(
        "next: mend what the FAILED and ERROR lines name, then run the same command again: landing skips each file already "
        "landed (raw.landed_files holds its sha256), so nothing lands twice")
    assert "verify" not in "".join(lines)


@dg.asset_check(asset=tape, blocking=True)
def tape_gate() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, description="loan_pd_acme: rejected: AUC 0.5102 does not beat the "
                                                         "logistic-regression baseline's 0.5530")


@dg.asset(deps=[tape])
def tape_scores() -> None:
    return None


def test_the_run_summary_of_a_run_a_blocking_check_stopped_points_at_the_check(tmp_path):
    """The check's own ERROR line says why; the failed step's line says it was the check, not
    Dagster's error class."""
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        since = time.time()
        dg.materialize([tape, tape_gate, tape_scores], instance=instance, raise_on_error=False)
        lines = run_summary(instance, since)
    assert lines[0].endswith("; 1 of 3 steps succeeded, 1 failed, 1 not run; 1 check(s) did not pass (ERROR stops "
                             "what depends on it, WARN does not):")
    assert lines[1] == ("   ERROR tape_gate on tape: loan_pd_acme: rejected: AUC 0.5102 does not beat the "
                        "logistic-regression\n         baseline's 0.5530")
    assert " ".join(lines[2].split()) == ("FAILED tape_tape_gate: a blocking check failed (its ERROR line above): what depends "
                                          "on the asset did not run")


@dg.asset
def queried_tape() -> None:
    try:
        raise KeyboardInterrupt  # the signal handler's exception, raised inside the query
    except KeyboardInterrupt:
        raise RuntimeError("Query interrupted")  # what DuckDB raises from it


def test_the_run_summary_calls_an_interrupted_duckdb_query_an_interruption(tmp_path):
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        since = time.time()
        dg.materialize([queried_tape], instance=instance, raise_on_error=False)
        lines = run_summary(instance, since)
    assert lines[1].startswith("   FAILED  queried_tape: interrupted (Ctrl-C, or a signal to the run's process)")
    flat = " ".join(" ".join(lines[2:]).split())
    assert flat.startswith("next: run the same command again to finish")
    # Dagster logs the interrupt's stack trace above the summary; the summary says what it is
    assert flat.endswith("; the stack traces Dagster printed above record the interrupt itself, not a fault in the lake")


@dg.asset
def first_step() -> None:
    return None


@dg.asset(deps=[first_step])
def waiting_step() -> None:
    return None


def test_a_step_the_interrupt_caught_before_it_started_is_not_said_to_have_stopped_midway(tmp_path):
    """Ctrl-C between two steps: Dagster marks the next step failed by the interrupt though it never
    started (no STEP_START in the log). Its FAILED line says nothing of it ran, not that it "stopped
    where it was"; a step the interrupt caught running keeps that line."""
    from dagster._core.execution.plan.objects import StepFailureData
    from dagster._utils.error import SerializableErrorInfo

    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        since = time.time()
        result = dg.materialize([first_step], instance=instance)
        interrupt = SerializableErrorInfo("", [], "DagsterExecutionInterruptedError")
        instance.report_dagster_event(dg.DagsterEvent(
            "STEP_FAILURE", result.dagster_run.job_name, step_key="waiting_step",
            event_specific_data=StepFailureData(error=interrupt, user_failure_data=None)), result.run_id)
        instance.report_run_failed(result.dagster_run)
        lines = run_summary(instance, since)
    assert lines[1] == ("   FAILED  waiting_step: interrupted before it started (Ctrl-C, or a signal to the run's process, "
                        "between\n         steps): nothing of it ran")
    assert " ".join(" ".join(lines[2:]).split()).startswith("next: run the same command again to finish")


def test_the_run_summary_of_a_run_whose_process_died_says_so(tmp_path):
    """A Dagster process killed outright (kill -9, out of memory) never records the run's end: the
    summary says so and what the next run does, rather than 'every check that ran passed' alone."""
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        since = time.time()
        run = instance.add_run(dg.DagsterRun(job_name="__ASSET_JOB", status=dg.DagsterRunStatus.STARTED))
        lines = run_summary(instance, since)
    assert lines[0].startswith(f"== run {run.run_id[:8]}: STARTED; 0 of 0 steps succeeded, 0 failed, 0 not run; "
                               "the Dagster process ended without recording the run's end (killed?): the next run "
                               "marks it failed and frees the lake;")
    assert " ".join(" ".join(lines[1:]).split()).startswith("next: run the same command again to finish")


def _summary_of_a_run_that_wrote(tmp_path, write) -> list[str]:
    """Materialize `tape` in a test instance, let `write(con, run_id)` put what the run did into the
    lake at tmp_path/lake.duckdb, and return the run's summary lines."""
    from risk_assets.lib.lake import connect

    lake = tmp_path / "lake.duckdb"
    (tmp_path / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
        since = time.time()
        result = dg.materialize([tape, tape_schema], instance=instance)
        with connect(lake) as con:
            write(con, result.run_id)
        return run_summary(instance, since, lake)


def _events_as_landing_writes(con) -> None:
    """The raw.landing_events row landing writes beside each raw.landed_files row."""
    con.execute("INSERT INTO raw.landing_events (path, sha256, size_bytes, outcome, run_id, seen_at, message, domain) "
                "SELECT path, sha256, size_bytes, status, run_id, now(), message, domain FROM raw.landed_files")


def test_the_run_summary_names_the_files_the_run_refused(tmp_path):
    """A refused file fails no check, yet its rows are not in the lake: the summary names it with
    its reason instead of saying only 'every check passed'."""
    def write(con, run_id):
        con.execute("INSERT INTO raw.landed_files (sha256, path, size_bytes, domain, status, message, run_id) VALUES "
                    "('a', '/landing/loans/HDR_TRL.DAT', 9, 'loans', 'refused', ?, ?), "
                    "('b', '/landing/loans/ok.csv', 9, 'loans', 'loaded', NULL, ?), "
                    "('c', '/landing/loans/old.csv', 9, 'loans', 'refused', 'an earlier run', 'another-run')",
                    ["no known loan tape format: line 1 is 'HDR|20200331'", run_id, run_id])
        _events_as_landing_writes(con)

    lines = _summary_of_a_run_that_wrote(tmp_path, write)
    assert lines[0].endswith("; every check passed; 1 file(s) not landed (they stay in landing and are tried "
                             "again on each run):")
    assert lines[1] == "   REFUSED HDR_TRL.DAT: no known loan tape format: line 1 is 'HDR|20200331'"
    assert lines[2].startswith(f"   next: {own_command()} verify") and len(lines) == 3


def test_the_run_summary_keeps_the_spaces_that_align_a_quoted_line(tmp_path):
    """A fixed-width tape's first line quoted in its refusal: its runs of spaces are its columns, so
    the summary keeps them (no-break spaces, never split across its lines) and squeezes only the
    message's line breaks."""
    first = "LOAN_ID     ISSUE_DATE  AMOUNT      RATE  STATUS"

    def write(con, run_id):
        con.execute("INSERT INTO raw.landed_files (sha256, path, size_bytes, domain, status, message, run_id) VALUES "
                    "('a', '/landing/loans/acme_fixed.txt', 9, 'loans', 'refused', ?, ?)",
                    [f"the column mapping meant for it does not fit.\n  First line: {first!r}. Fixed width", run_id])
        _events_as_landing_writes(con)

    lines = _summary_of_a_run_that_wrote(tmp_path, write)
    aligned = "'LOAN_ID\u00a0\u00a0\u00a0\u00a0\u00a0ISSUE_DATE\u00a0\u00a0AMOUNT\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0RATE\u00a0\u00a0STATUS'"
    assert lines[1] == ("   REFUSED acme_fixed.txt: the column mapping meant for it does not fit. First line:\n"
                        f"         {aligned}. Fixed width")
    assert lines[1].replace("\u00a0", " ").endswith(f"{first!r}. Fixed width")


def test_the_run_summary_and_the_quarantine_command_name_a_broken_link_the_run_refused(tmp_path, cases_dir):
    """A link in landing to a file that does not exist is refused unread: no bytes, so no manifest
    row, and only Dagster's log and raw.landing_events said so; the summary counted no file not
    landed, and `risk-assets quarantine` said no landed file had the name. Both now give its reason."""
    import os
    import shutil

    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.loan_formats import parse_loan_file
    from risk_assets.lib.lake import connect
    from risk_assets.lib.report.quarantine import quarantine_rows

    landing = tmp_path / "landing"
    landing.mkdir()
    shutil.copy(cases_dir / "F06_lc_formatted_strings.csv", landing)
    os.symlink(tmp_path / "share" / "tape.csv", landing / "F58_broken_link.csv")
    lines = _summary_of_a_run_that_wrote(
        tmp_path, lambda con, run_id: land_folder(con, landing, "loans", parse_loan_file, run_id, asset="raw_loans"))
    reason = (f"a link to {tmp_path / 'share' / 'tape.csv'}, which does not exist (a share not mounted, a file moved "
              "or deleted): fix or remove the link; it is tried again on the next run")
    assert lines[0].endswith("; every check passed; 1 file(s) not landed (they stay in landing and are tried again "
                             "on each run); 1 file(s) landed with records quarantined:"), lines[0]
    assert " ".join(lines[1].split()) == f"REFUSED F58_broken_link.csv: {landing / 'F58_broken_link.csv'}: {reason}"
    with connect(tmp_path / "lake.duckdb", read_only=True) as con:
        assert quarantine_rows(con, "F58_broken_link.csv") == (
            [f"F58_broken_link.csv: refused when it landed, so nothing of it was read or quarantined: {reason}"], True)


def test_the_run_summary_says_when_a_busy_machine_cut_the_sentiment_training_short(tmp_path):
    """Beside a CI run the fine-tuning fit 132 of its 396 steps and its model became champion at
    0.8034 macro-F1 (0.822 with every step); the run's end said only 'every check passed'. The
    summary now says so, and how to train it afresh; a training that ran every step is not named."""
    from risk_assets.lib.ml import registry

    def write(con, run_id):
        for version, steps in (("v1", 396.0), ("v2", 132.0)):
            registry.record_metrics(con, "news_sentiment", version, "train",
                                    {"steps": steps, "planned_steps": 396.0}, {}, run_id)
            registry.record_metrics(con, "news_sentiment", version, "holdout", {"macro_f1": 0.8034}, {}, run_id)
        registry.register_candidate(con, "news_sentiment", "v2", str(tmp_path), "macro_f1", 0.8034, "snap", run_id)
        registry.promote(con, "news_sentiment", "v2", "promoted: first model")

    lines = _summary_of_a_run_that_wrote(tmp_path, write)
    said = " ".join(" ".join(lines).split())
    assert lines[-1].startswith("   note: news_sentiment v2 (champion) trained 132 of its 396 steps: the time budget")
    assert ("the time budget (max_train_seconds) ended it first, as on a machine slower than the budget assumes or busy "
            "with other work; holdout macro-F1 0.8034. "
            "It stays champion until a model better beyond chance, or its profile run in full on the same data, "
            "replaces it (README, News sentiment model); to train "
            f"it afresh with no time budget: {own_command()} registry news_sentiment --retire --reason 'trained on a "
            f"busy machine', then {own_command()} run --no-seed --select 'key:news_sentiment_model+' --config-json "
            """'{"ops": {"news_sentiment_model": {"config": {"max_train_seconds": null}}}}'; sentiment_retrain_sensor's """
            "runs take the same config from RISK_RETRAIN_CONFIG (README, Automation); with `dagster dev` running, "
            "sentiment_retrain_sensor requests this retraining by itself (trigger trained_short; README, "
            "Automation)") in said
    assert "v1" not in said


def test_the_run_summary_names_a_file_landed_with_records_quarantined(tmp_path, cases_dir):
    """A file landed with records quarantined fails no check (the value checks judge the loaded rows),
    so the summary names it with its count and rules: a news export whose US dates were quarantined
    four times in five had said so only in an INFO line of the event log."""
    import shutil

    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.loan_formats import parse_loan_file

    landing = tmp_path / "landing"
    landing.mkdir()
    shutil.copy(cases_dir / "F06_lc_formatted_strings.csv", landing)
    lines = _summary_of_a_run_that_wrote(
        tmp_path, lambda con, run_id: land_folder(con, landing, "loans", parse_loan_file, run_id, asset="raw_loans"))
    assert lines[0].endswith("; every check passed; 1 file(s) landed with records quarantined:")
    assert lines[1] == ("   QUARANTINED F06_lc_formatted_strings.csv: 2 of its 8 records (unparsable_date 2); by "
                        "line, column and rule:")
    assert lines[2] == f"         {own_command()} quarantine F06_lc_formatted_strings.csv"  # whole, to copy


def test_the_run_summary_says_a_tape_saved_over_a_landed_one_replaced_it(tmp_path, data_dir):
    """lc_a.csv corrected in place (line 3's loan_amnt 2500 -> 2700): the run that landed it said only
    'every check passed', though both versions' 300 loans were live. It supersedes the landed version,
    and the summary says so in one line."""
    from itertools import islice

    from risk_assets.lib.ingest.landing import file_sha256, land_folder
    from risk_assets.lib.ingest.loan_formats import parse_loan_file
    from risk_assets.lib.lake import connect

    landing = tmp_path / "landing" / "loans"
    landing.mkdir(parents=True)
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        lines = [line.rstrip("\r\n") for line in islice(handle, 301)]
    tape = landing / "lc_a.csv"
    tape.write_text("\n".join(lines) + "\n")
    old = file_sha256(tape)
    with connect(tmp_path / "lake.duckdb") as con:
        land_folder(con, landing, "loans", parse_loan_file, "run-1", asset="raw_loans")
        (landed_at,) = con.execute("SELECT landed_at FROM raw.landed_files").fetchone()
    lines[2] = "2700" + lines[2].removeprefix("2500")
    tape.write_text("\n".join(lines) + "\n")
    summary = _summary_of_a_run_that_wrote(
        tmp_path, lambda con, run_id: land_folder(con, landing, "loans", parse_loan_file, run_id, asset="raw_loans"))
    assert summary[0].endswith("; every check passed; 1 file(s) saved over a landed version, which they supersede:")
    assert " ".join(" ".join(summary[1:-1]).split()) == (
        f"REPLACED lc_a.csv: supersedes the version landed {landed_at:%Y-%m-%d %H:%M} (sha256 {old[:12]}; 300 loans "
        "withdrawn from the features, 299 repeated by the new version)")


def test_the_run_summary_gives_a_files_whole_quarantine_landings_and_the_checks(tmp_path, cases_dir):
    """A record a value check (raw_loans_values) set aside after landing was on a WARN line of its own,
    so `QUARANTINED F06...: 2 of its 8 records` did not match `risk-assets quarantine F06...` (5 values
    in 3 records) without adding by hand: the per-file line gives both, values and records."""
    import shutil

    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.loan_formats import parse_loan_file

    landing = tmp_path / "landing"
    landing.mkdir()
    shutil.copy(cases_dir / "F06_lc_formatted_strings.csv", landing)

    def write(con, run_id):
        land_folder(con, landing, "loans", parse_loan_file, run_id, asset="raw_loans")
        (sha, path), = con.execute("SELECT sha256, path FROM raw.landed_files").fetchall()
        at_landing = con.execute("SELECT min(line) FROM quality.quarantine").fetchone()[0]
        # line 5 (loan 71003) fails two value rules; a line landing quarantined fails one more: 1 record more
        con.executemany("INSERT INTO quality.quarantine (asset, source_file, file_sha256, line, record_key, column_name, "
                        "rule, raw_value, message, run_id, quarantined_at) VALUES ('raw_loans_values', ?, ?, ?, ?, ?, ?, "
                        "?, 'out of range', ?, now())",
                        [[path, sha, 5, "lendingclub:71003", "revol_util", "revol_util_range", "98.5", run_id],
                         [path, sha, 5, "lendingclub:71003", "int_rate", "int_rate_range", "15.96", run_id],
                         [path, sha, at_landing, None, "revol_util", "revol_util_range", "132", run_id]])

    lines = _summary_of_a_run_that_wrote(tmp_path, write)
    end = next(i for i, line in enumerate(lines) if line.endswith(" rule:"))
    assert " ".join(" ".join(lines[1:end + 1]).split()) == (
                        "QUARANTINED F06_lc_formatted_strings.csv: 3 of its 8 records, 5 values: 2 at landing "
                        "(unparsable_date 2), 1 more set aside by the check raw_loans_values (revol_util_range 2, "
                        "int_rate_range 1); by line, column and rule:")
    assert lines[end + 1] == f"         {own_command()} quarantine F06_lc_formatted_strings.csv"


def test_the_run_summary_points_a_news_file_cut_short_at_its_article_not_at_the_loan_lookup(tmp_path):
    """`CUT? cut_a.csv` was followed by `risk-assets loan cut_a.csv:4`, a loan command that answers
    that the lake has no loans; a news file's line is found in raw.news."""
    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.news_formats import parse_news_file

    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "cut_a.csv").write_text("id,headline,body,published_at,label\n"
                                       "c1,Story one,Body one text.,2024-07-16T09:00:00Z,positive\n"
                                       "c2,Story two,Body two text.,2024-07-16T09:00:00Z,negative\n"
                                       "c3,Story three,Body three te", encoding="utf-8")
    lines = _summary_of_a_run_that_wrote(
        tmp_path, lambda con, run_id: land_folder(con, landing, "news", parse_news_file, run_id, asset="raw_news"))
    cut = next(i for i, line in enumerate(lines) if line.startswith("   CUT?    cut_a.csv: "))
    assert lines[cut + 1] == (
        "         its article: SELECT doc_id, headline, body, text_field FROM raw.news WHERE _source_file LIKE "
        f"'%/cut_a.csv' AND _source_line = 4 (in the lake, lake.duckdb); if it was set aside: {own_command()} "
        "quarantine cut_a.csv")


def test_the_run_summary_warns_of_an_article_scored_on_its_headline_beside_an_unread_text_column(tmp_path):
    """The only trace of a body column the reader did not know was `ignored_columns` in the notes:
    the summary says it, naming the column and what to rename."""
    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.news_formats import parse_news_file

    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "cms.csv").write_text("id,title,article_markup,published_at\n"
                                     "h1,Beta grows,<p>Beta grew revenue 10%.</p>,2024-07-16T09:00:00Z\n",
                                     encoding="utf-8")
    lines = _summary_of_a_run_that_wrote(
        tmp_path, lambda con, run_id: land_folder(con, landing, "news", parse_news_file, run_id, asset="raw_news"))
    assert lines[0].endswith("; every check passed; 1 file(s) landed with a field left unread:")
    assert " ".join(" ".join(lines[1:]).split()).startswith(
        "WARN cms.csv: 1 article(s) scored on the headline alone (line 2) while the column 'article_markup' beside "
        "it holds text the reader does not take for a body; if that is the article's text, declare it in the "
        "file's news settings, \"columns\": {\"article_markup\": \"body\"} (README, 'News files'), and land the "
        "file again")


def test_the_run_summary_counts_a_files_records_not_its_blank_lines(tmp_path, cases_dir):
    """A blank line between records is a non-data line of the file: the summary said '2 of its 9
    records' for a file of 8 records and a blank line, while the landing log said 8 records."""
    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.loan_formats import parse_loan_file

    landing = tmp_path / "landing"
    landing.mkdir()
    lines = (cases_dir / "F06_lc_formatted_strings.csv").read_text(encoding="utf-8").splitlines()
    (landing / "F06_with_a_blank_line.csv").write_text("\n".join(lines[:4] + [""] + lines[4:]) + "\n", encoding="utf-8")
    lines = _summary_of_a_run_that_wrote(
        tmp_path, lambda con, run_id: land_folder(con, landing, "loans", parse_loan_file, run_id, asset="raw_loans"))
    assert lines[1] == ("   QUARANTINED F06_with_a_blank_line.csv: 2 of its 8 records (unparsable_date 2); by "
                        "line, column and rule:")


def test_the_run_summary_names_a_file_not_landed_for_being_a_copy(tmp_path, cases_dir):
    """A browser's re-download of a tape ("x (1).csv") holds the bytes of the tape already landed:
    landing records it as a copy and loads nothing from it, and the summary used to say only
    'every check passed', leaving the user to wonder where its records went. It names the copy and
    its original, whether that landed in the same run or an earlier one."""
    import shutil

    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.loan_formats import parse_loan_file

    landing = tmp_path / "landing"
    (landing / "2024-05").mkdir(parents=True)
    shutil.copy(cases_dir / "F06_lc_formatted_strings.csv", landing / "tape.csv")
    shutil.copy(cases_dir / "F06_lc_formatted_strings.csv", landing / "tape (1).csv")
    shutil.copy(cases_dir / "F06_lc_formatted_strings.csv", landing / "2024-05" / "tape.csv")

    def write(con, run_id):
        report = land_folder(con, landing, "loans", parse_loan_file, run_id, asset="raw_loans")
        assert [f.outcome for f in report.files] == ["loaded", "duplicate", "duplicate"]

    lines = _summary_of_a_run_that_wrote(tmp_path, write)
    assert lines[0].endswith("; 2 file(s) not landed again, being byte-for-byte copies of landed ones:"), lines[0]
    copies = [" ".join(line.split()) for line in lines if line.lstrip().startswith("COPY")]
    assert copies == [
        f"COPY tape.csv: the same bytes as {landing / 'tape.csv'}, so its records are in the lake once, as that "
        "file's; it stays in landing and no run lands it",
        "COPY tape (1).csv: the same bytes as tape.csv, so its records are in the lake once, as that file's; it "
        "stays in landing and no run lands it"]


def test_a_long_check_description_is_wrapped_whole_not_cut(tmp_path):
    """A gate's verdicts on several books run past 300 characters; the summary used to cut them
    there (`... loan_pd_acme_sb ...: rejected: holdout…`), hiding the second book's reason."""
    verdicts = "; ".join(f"loan_pd_book{i} 20261205T140004Z-5a58fb24: rejected: holdout AUC 0.6{i}99 does not beat "
                         f"the logistic-regression baseline 0.6{i}59 on the same 1,500 loans" for i in range(5))

    @dg.asset_check(asset=tape, name="tape_gate")
    def gate() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN, description=verdicts)

    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        since = time.time()
        dg.materialize([tape, gate], instance=instance)
        lines = run_summary(instance, since)
    entry = lines[1].split("\n")
    assert len(verdicts) > 500 and len(entry) > 4 and all(len(line) <= 110 for line in entry)
    assert entry[0].startswith("   WARN  tape_gate on tape: loan_pd_book0 ")
    assert all(line.startswith(" " * 9) and not line.startswith(" " * 10) for line in entry[1:])
    assert " ".join(line.strip() for line in entry) == f"WARN  tape_gate on tape: {verdicts}"


TRAIN_ACME = ("run --no-seed --select 'key:loan_pd_model+' --config-json "
              "'{\"ops\": {\"loan_pd_model\": {\"config\": {\"portfolios\": [\"acme\"]}}}}'")
"""The command that trains the book acme alone, after the program's name."""


@dg.asset_check(asset=tape)
def tape_scores_coverage() -> dg.AssetCheckResult:
    """As loan_scores_coverage says it of a book never trained: with how it gets a model, for the UI."""
    return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN, description=(
        "acme: 300 loans unscored (no loan_pd_acme champion: never trained); next: retrain_sensor trains acme "
        f"under dagster dev, or train it now: risk-assets {TRAIN_ACME}"))


def test_the_run_summary_says_how_to_train_a_book_that_landed_without_a_model(tmp_path, monkeypatch):
    """Landing never trains: a new book's loans are unscored until its first model. The summary
    gives the command that trains that book alone, which `risk-assets run` passes on to dagster,
    once: on its last `next:` line, spelled as this program runs; the coverage check's line leaves
    out the command its description ends with for the UI."""
    import json
    import shlex

    from risk_assets.cli import main

    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        since = time.time()
        dg.materialize([tape, tape_scores_coverage], instance=instance)
        lines = run_summary(instance, since)
    assert lines[-1] == (f"   next: to score acme now, train it (retrain_sensor does so under dagster dev): {own_command()} "
                         f"{TRAIN_ACME}")
    assert lines[1] == ("   WARN  tape_scores_coverage on tape: acme: 300 loans unscored (no loan_pd_acme champion: never "
                        "trained)")
    assert " ".join(" ".join(lines).split()).count(TRAIN_ACME) == 1
    command = shlex.split(lines[-1].split(": ", 2)[-1])
    config = json.loads(command[command.index("--config-json") + 1])
    assert config["ops"]["loan_pd_model"]["config"]["portfolios"] == ["acme"]
    # `risk-assets run` takes what the summary prints and hands the config to dagster (not started here)
    seen = {}
    monkeypatch.setattr("risk_assets.cli._materialize",
                        lambda select, lake_path=None, config_json=None: seen.update(select=select, config=config_json) or 0)
    monkeypatch.setenv("RISK_HOME", str(tmp_path / "home"))
    assert main(command[1:]) == 0
    assert seen == {"select": "key:loan_pd_model+", "config": command[command.index("--config-json") + 1]}


def test_hints_spell_the_command_as_it_runs_from_here(tmp_path, monkeypatch):
    """A fresh clone's set-up installs into .venv without putting it on PATH, so a printed hint
    says `.venv/bin/risk-assets`; with that folder on PATH (an activated environment) it says
    `risk-assets`, and outside the working folder it gives the whole path."""
    import sys

    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    script = bin_dir / "risk-assets"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(bin_dir / "python"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert own_command() == ".venv/bin/risk-assets"
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    assert own_command() == "risk-assets"
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert own_command() == str(script)


def test_the_main_job_says_how_long_to_wait_before_it_starts(risk_home, monkeypatch, capsys, tmp_path):
    """The whole lake runs for minutes with only Dagster's log on the screen: `risk-assets run` says
    first how long it takes and which log lines show how far it is; a run of a selection does not."""
    import risk_assets.cli as cli

    started: list[str] = []
    monkeypatch.setattr(cli, "_materialize", lambda select, *args: started.append(select) or 0)
    monkeypatch.setenv("DAGSTER_HOME", str(risk_home.root / "dagster"))

    monkeypatch.setattr(cli, "output_is_saved", lambda: False)  # a terminal
    assert cli.main(["run", "--no-seed"]) == 0
    first = capsys.readouterr().out
    assert cli.main(["run", "--no-seed", "--select", "key:news_scores"]) == 0
    selected = capsys.readouterr().out

    assert started == ["*", "key:news_scores"]
    hint = first[first.index("the whole lake takes"):].splitlines()  # the last lines before dagster's own
    assert len(hint) > 3 and max(len(line) for line in hint) <= 100  # lines a terminal keeps whole
    first_lines = first.splitlines()
    first = " ".join(first.split())
    assert "5.5 to 11 minutes on an idle 2-core CPU" in first and "at most 540 s, its time budget" in first
    assert "stretches every step: 28 minutes on the slower machine beside a CI run" in first  # idle figures alone mislead a user running beside other work
    assert "each of the run's 40 steps logs STEP_START" in first and "minutes" not in selected
    from risk_assets.lib.ml.sentiment import SentimentTrainConfig

    # the step-count command, run as printed over the hint and Dagster's event lines, counts the event lines only
    command = next(line for line in first_lines if line.startswith("steps done so far"))
    assert command == "steps done so far, in this output saved as run.log: grep -c ' - STEP_[S]UCCESS - ' run.log"
    # the log the command reads is this output, which a newcomer has not saved unless told how
    assert first_lines[first_lines.index(command) + 1] == (
        f"to save it, start the run as: {cli.own_command()} run --no-seed 2>&1 | tee -i run.log")
    pattern = shlex.split(command.split(": ", 1)[1])[2]
    log = tmp_path / "run.log"
    log.write_text("\n".join(first_lines + [
        '2026-12-05 14:25:45 +0000 - dagster - DEBUG - __ASSET_JOB - c9698cb1 - 11669 - loan_scores - STEP_SUCCESS - '
        'Finished execution of step "loan_scores" in 7.64s.',
        '2026-12-05 14:25:47 +0000 - dagster - DEBUG - __ASSET_JOB - c9698cb1 - 11669 - loan_monitoring - STEP_START - '
        'Started execution of step "loan_monitoring".']) + "\n")
    counted = subprocess.run(["grep", "-c", pattern, str(log)], capture_output=True, text=True)
    assert counted.stdout.strip() == "1", (pattern, counted)
    # a run whose output is being saved is not told to save it
    monkeypatch.setattr(cli, "output_is_saved", lambda: True)
    assert cli.main(["run", "--no-seed"]) == 0
    saved = capsys.readouterr().out.splitlines()
    assert saved[saved.index(command) + 1:] == [] and not any("to save it" in line for line in saved)
    # the hint's floor is the default profile's
    assert f"never stops before that epoch's end (min_train_epochs {SentimentTrainConfig().min_train_epochs:g})" in first


def test_a_lake_home_moved_elsewhere_does_not_call_its_own_files_copies(tmp_path, cases_dir):
    """A lake home copied to another disk keeps the landed files' old paths in raw.landed_files: the
    next run found each file at its new path with bytes already landed and called it a copy of
    itself ('COPY tape.csv: the same bytes as /old/home/landing/loans/tape.csv ...'). The same place
    under landing is the same file; a copy elsewhere under landing is still named."""
    import shutil

    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.loan_formats import parse_loan_file
    from risk_assets.lib.lake import connect

    old = tmp_path / "old" / "landing" / "loans"
    (old / "2024-05").mkdir(parents=True)
    shutil.copy(cases_dir / "F06_lc_formatted_strings.csv", old / "2024-05" / "tape.csv")
    with connect(tmp_path / "lake.duckdb") as con:
        land_folder(con, old, "loans", parse_loan_file, "first-run", asset="raw_loans")
    moved = tmp_path / "new" / "landing" / "loans"
    shutil.copytree(old, moved)
    shutil.copy(old / "2024-05" / "tape.csv", moved / "tape_again.csv")

    lines = _summary_of_a_run_that_wrote(
        tmp_path, lambda con, run_id: land_folder(con, moved, "loans", parse_loan_file, run_id, asset="raw_loans"))
    copies = [" ".join(line.split()) for line in lines if line.lstrip().startswith("COPY")]
    assert copies == [f"COPY tape_again.csv: the same bytes as tape.csv, so its records are in the lake once, as "
                      "that file's; it stays in landing and no run lands it"]


def test_the_run_summary_does_not_wait_long_for_a_lake_another_run_holds(risk_home, monkeypatch, capsys):
    """A run interrupted while it waited for the lake pool ends while the run ahead of it holds the
    lake's writer lock, for as long as a training takes: its summary waited up to 600 s for the lock.
    It now waits SUMMARY_LAKE_WAIT_SECONDS and prints without the lake's lines, saying so."""
    import sys

    from risk_assets import cli
    from risk_assets.lib.lake import connect as lake_connect

    with lake_connect(risk_home.lake_path):
        pass  # the lake exists
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('held', flush=True); time.sleep(60)", str(risk_home.lake_path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        monkeypatch.setattr(cli, "SUMMARY_LAKE_WAIT_SECONDS", 1.0)
        started = time.monotonic()
        assert cli._lake_outcomes(risk_home.lake_path, "some-run") == ([], [], [], [], [], [], [], [], [], [])
        assert time.monotonic() - started < 30
    finally:
        holder.kill()
        holder.wait()
    err = capsys.readouterr().err
    assert "note: another run still holds the lake after 1 s: this summary leaves out the files this run refused" in err


def test_a_note_printed_from_the_signal_handler_never_raises(monkeypatch):
    """The interrupt's note was printed before the signal went on to Dagster: with the terminal closed
    (SIGHUP), writing to it raised OSError EIO, the handler stopped before Dagster's group got its
    SIGINT, and Dagster ran on, orphaned. Now the note comes after the signal, and a failed print
    (EIO, or a reentrant print while the main loop was printing) is dropped."""
    import errno

    from risk_assets import cli

    for error in (OSError(errno.EIO, "Input/output error"), RuntimeError("reentrant call inside <_io.BufferedWriter>")):
        def fail(*args, error=error, **kwargs):
            raise error
        monkeypatch.setattr("builtins.print", fail)
        cli._say("note: interrupt passed on to Dagster")  # returns: the caller goes on
    monkeypatch.undo()


def test_a_lake_the_summary_cannot_read_is_not_called_held_by_another_run(risk_home, capsys):
    """Every IOException of the summary's lake read was taken for another run's lock; a damaged lake
    file was then reported as 'another run still holds the lake'. Only a lock is."""
    from risk_assets import cli

    risk_home.lake_path.parent.mkdir(parents=True, exist_ok=True)
    risk_home.lake_path.write_text("not a database: a file copied over the lake by mistake " * 20)
    assert cli._lake_outcomes(risk_home.lake_path, "some-run") == ([], [], [], [], [], [], [], [], [], [])
    err = capsys.readouterr().err
    assert "another run" not in err
    assert err.startswith("note: the lake could not be read for this summary: ")
    assert "not a valid DuckDB database file" in err and str(risk_home.lake_path) in err


def test_output_is_saved_only_when_neither_stdout_nor_stderr_is_a_terminal(monkeypatch):
    """`risk-assets run 2>&1 | tee -i run.log` puts both streams on the pipe: saved. `> out.txt`
    leaves Dagster's log (stderr) on the terminal: not saved, so the advice to save it stays."""
    import io
    import sys

    import risk_assets.cli as cli

    class Stream(io.StringIO):
        def __init__(self, tty: bool):
            super().__init__()
            self.tty = tty

        def isatty(self) -> bool:
            return self.tty

    for out_tty, err_tty, saved in [(False, False, True), (False, True, False), (True, False, False), (True, True, False)]:
        monkeypatch.setattr(sys, "stdout", Stream(out_tty))
        monkeypatch.setattr(sys, "stderr", Stream(err_tty))
        assert cli.output_is_saved() is saved, (out_tty, err_tty)


def test_a_quarantine_rule_no_value_has_is_told_with_the_closest_rule_held_not_as_nothing_quarantined(risk_home,
                                                                                                      cases_dir, capsys):
    """`risk-assets quarantine --rule unparseable_date` (a typo) printed 'no value quarantined with
    rule ...' and exited 0, as if the lake had set nothing aside; with a file it read as a file
    without such values. Now it exits 1 naming the closest rule the quarantine holds, and its rules."""
    import shutil

    from risk_assets.cli import main
    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.loan_formats import parse_loan_file
    from risk_assets.lib.lake import connect

    shutil.copy(cases_dir / "F06_lc_formatted_strings.csv", risk_home.landing_loans)
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, "run-1", asset="raw_loans")
    said = ("risk-assets: no value in the quarantine has rule 'unparseable_date'; did you mean 'unparsable_date'? "
            "(its rules: unparsable_date 2)\n")
    for command in (["quarantine", "--rule", "unparseable_date"],
                    ["quarantine", "F06_lc_formatted_strings.csv", "--rule", "unparseable_date"]):
        assert main(command) == 1
        assert capsys.readouterr().err == said
    assert main(["quarantine", "--rule", "unparsable_date"]) == 0
    assert "F06_lc_formatted_strings.csv  raw_loans" in capsys.readouterr().out


def test_a_registry_change_prints_no_dagster_beta_warning_beside_its_own_lines(risk_home, tmp_path):
    """`registry --retire` and `--restore` evaluate Dagster's asset selections, whose parser passes a beta
    parameter: `BetaWarning: Parameter include_sources of function AssetSelection.all is currently in
    beta` was printed on stderr beside the command's own message. Run as the operator runs it."""
    import os
    import sys

    from risk_assets.lib.lake import connect
    from risk_assets.lib.ml.pd_lake import ensure_pd_tables
    from risk_assets.lib.ml.registry import promote, register_candidate

    with connect(risk_home.lake_path) as con:
        ensure_pd_tables(con)
        artifact = tmp_path / "artifacts" / "loan_pd_lendingclub" / "20261207T200309Z-5e6bb444"
        artifact.mkdir(parents=True)
        register_candidate(con, "loan_pd_lendingclub", "20261207T200309Z-5e6bb444", str(artifact), "auc", 0.6498,
                           "sha:abc")
        promote(con, "loan_pd_lendingclub", "20261207T200309Z-5e6bb444", "promoted: first model")
    env = {**os.environ, "RISK_HOME": str(risk_home.root), "DAGSTER_HOME": str(risk_home.root / "dagster")}
    for change in (["--retire"], ["--restore", "20261207T200309Z-5e6bb444"]):
        done = subprocess.run([sys.executable, "-m", "risk_assets.cli", "registry", "loan_pd_lendingclub", *change,
                               "--reason", "2011 vintage under review"], capture_output=True, text=True, env=env,
                              timeout=300)
        assert (done.returncode, done.stderr) == (0, ""), done.stderr
        assert done.stdout.startswith("loan_pd_lendingclub 20261207T200309Z-5e6bb444: ")


@pytest.mark.parametrize(("argv", "said"), [
    (["quarantine", "--limit", "0"], "risk-assets quarantine: error: argument --limit: must be 1 or more, not 0"),
    (["quarantine", "tape.csv", "--limit", "-5"],
     "risk-assets quarantine: error: argument --limit: must be 1 or more, not -5"),
    (["quarantine", "--limit", "ten"],
     "risk-assets quarantine: error: argument --limit: must be a whole number of 1 or more, not 'ten'"),
    (["replay", "--pause", "-1"], "risk-assets replay: error: argument --pause: must be 0 seconds or more, not -1"),
])
def test_a_count_or_wait_out_of_range_is_refused_as_argparse_refuses(argv, said, capsys):
    """`quarantine --limit 0` (or negative) was accepted silently, listing nothing or reading from the end."""
    from risk_assets.cli import main

    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2 and capsys.readouterr().err.splitlines()[-1] == said


def test_the_dagster_run_child_prints_no_superseded_or_beta_note_and_other_warnings_still_show():
    """`risk-assets run` started `dagster asset materialize`, which printed `SupersessionWarning: Function
    asset_materialize_command is superseded` and `BetaWarning: Parameter include_sources ...` on every run;
    its environment now filters those two notes alone."""
    import sys

    from risk_assets.cli import _quiet_dagster_env

    script = ("import warnings\n"
              "from dagster_shared.utils.warnings import BetaWarning, supersession_warning\n"
              "supersession_warning('Function `asset_materialize_command`', \"Use 'dg launch --assets <selection>'\", 2)\n"
              "warnings.warn('Parameter `include_sources` of function `AssetSelection.all` is currently in beta', "
              "BetaWarning)\n"
              "warnings.warn('the lake is not what it seems')\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=_quiet_dagster_env(),
                          timeout=120)
    assert done.returncode == 0 and done.stderr.splitlines() == [
        "<string>:5: UserWarning: the lake is not what it seems"], done.stderr


def test_a_catalogued_rule_that_no_value_broke_is_said_with_exit_0_and_an_unknown_one_with_exit_1(risk_home,
                                                                                                   cases_dir, capsys):
    """`--rule spreadsheet_error` on a lake whose only quarantined values are unparsable dates asks a
    real question whose answer is 'none': the listing says so and exits 0. A name of no rule at all,
    far from every rule held, still exits 1 with the rules the quarantine holds."""
    import shutil

    from risk_assets.cli import main
    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.loan_formats import parse_loan_file
    from risk_assets.lib.lake import connect

    shutil.copy(cases_dir / "F06_lc_formatted_strings.csv", risk_home.landing_loans)
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, "run-1", asset="raw_loans")
    assert main(["quarantine", "--rule", "spreadsheet_error"]) == 0
    assert capsys.readouterr().out == "no value quarantined with rule 'spreadsheet_error'\n"
    assert main(["quarantine", "--rule", "zebra"]) == 1
    assert capsys.readouterr().err == "risk-assets: no value in the quarantine has rule 'zebra' (its rules: unparsable_date 2)\n"


def test_the_run_summary_names_a_file_not_landed_for_changing_while_it_was_read(tmp_path):
    """A file still being copied changes while landing reads it: landing loads nothing of it and writes
    no manifest row, only a `changing` event, and the summary said nothing of it, so the file seemed
    landed. It gets its own line, as a refusal or a copy does."""
    def write(con, run_id):
        con.execute("INSERT INTO raw.landing_events (path, sha256, size_bytes, outcome, run_id, seen_at, message, "
                    "domain) VALUES ('/landing/loans/lc_b.csv', 'b', 4096, 'changing', ?, now(), ?, 'loans')",
                    [run_id, "/landing/loans/lc_b.csv: changed while it was read (still being copied?): nothing of "
                             "it is loaded; it lands on a later run, once it is complete"])

    lines = _summary_of_a_run_that_wrote(tmp_path, write)
    assert lines[0].endswith("; 1 file(s) not landed, changing while they were read:"), lines[0]
    changing = [" ".join(line.split()) for line in lines if line.lstrip().startswith("CHANGING")]
    assert changing == ["CHANGING lc_b.csv: its size or modification time changed while it was read (a copy still "
                        "in progress?); nothing of it landed; it lands on a later run once it stops changing"]
