"""The audit trail of landing: every event keeps its message, a withdrawal stays visible after the
same bytes land again, and a landed file gone from landing (deleted, or renamed) is said once."""

from __future__ import annotations

import shutil
from functools import partial
from pathlib import Path

from risk_assets.lib.lake import connect
from risk_assets_tests.lib.ingest.conftest import MAPPINGS


def _land(risk_home, run_id: str, parse=None):
    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.loan_formats import parse_loan_file

    with connect(risk_home.lake_path) as con:
        return land_folder(con, risk_home.landing_loans, "loans", parse or partial(parse_loan_file, mapping_dirs=[MAPPINGS]),
                           run_id, asset="raw_loans")


def _events(risk_home) -> list[tuple]:
    with connect(risk_home.lake_path, read_only=True) as con:
        return [(outcome, Path(path).name, message, run_id, duplicate_of and Path(duplicate_of).name)
                for outcome, path, message, run_id, duplicate_of in con.execute(
                    "SELECT outcome, path, message, run_id, duplicate_of FROM raw.landing_events "
                    "ORDER BY seen_at, path").fetchall()]


def test_a_withdrawal_and_a_refusal_stay_in_the_events_after_the_same_bytes_load(risk_home, cases_dir):
    from risk_assets.lib.ingest.landing import withdraw_file
    from risk_assets.lib.ingest.loan_formats import parse_loan_file
    from risk_assets.lib.ingest.parsed import FileRefused

    tape = risk_home.landing_loans / "F01_loans_2024-01.csv"
    shutil.copyfile(cases_dir / "F01_loans_2024-01.csv", tape)
    later = risk_home.landing_loans / "F01_loans_2024-02.csv"
    shutil.copyfile(cases_dir / "F01_loans_2024-02.csv", later)
    parse = partial(parse_loan_file, mapping_dirs=[MAPPINGS])

    def refuse_february(path):  # its mapping is added before the next run, say
        if path.name == later.name:
            raise FileRefused(f"{path}: no mapping yet")
        return parse(path)

    _land(risk_home, "run-1", refuse_february)
    with connect(risk_home.lake_path) as con:
        done = withdraw_file(con, "F01_loans_2024-01.csv", "labels swapped", "operator ana",
                             risk_home.root / "withdrawn", run_id="cli-7")
    withdrawn = f"withdrawn by operator ana: labels swapped ({done.rows_removed} rows and 0 quarantine entries removed)"
    assert done.rows_removed == 12 and done.moved_to
    shutil.copyfile(done.moved_to, tape)  # landed again on purpose, from withdrawn/
    report = _land(risk_home, "run-2")
    with connect(risk_home.lake_path, read_only=True) as con:
        (when,) = con.execute("SELECT seen_at FROM raw.landing_events WHERE outcome = 'withdrawn'").fetchone()
        manifest = con.execute("SELECT path, status, rows_loaded, message FROM raw.landed_files "
                               "ORDER BY path").fetchall()
    again = (f"re-landed after withdrawal on {when:%Y-%m-%d %H:%M:%S} UTC by operator ana: labels swapped "
             "(12 rows and 0 quarantine entries removed)")
    assert [(Path(f.path).name, f.outcome, f.message) for f in report.files] == [
        ("F01_loans_2024-01.csv", "loaded", again), ("F01_loans_2024-02.csv", "loaded", None)]
    assert [(Path(path).name, *rest) for path, *rest in manifest] == [
        ("F01_loans_2024-01.csv", "loaded", 12, again), ("F01_loans_2024-02.csv", "loaded", 12, None)]
    assert _events(risk_home) == [
        ("loaded", "F01_loans_2024-01.csv", None, "run-1", None),
        ("refused", "F01_loans_2024-02.csv", f"{later}: no mapping yet", "run-1", None),
        ("withdrawn", "F01_loans_2024-01.csv", withdrawn, "cli-7", None),
        ("loaded", "F01_loans_2024-01.csv", again, "run-2", None),
        ("loaded", "F01_loans_2024-02.csv", None, "run-2", None)]


def test_a_copy_keeps_its_message_in_the_event(land_cases, risk_home):
    land_cases("F03_loans_2024-03 (1).csv", "F03_loans_2024-03.csv")
    first = risk_home.landing_loans / "F03_loans_2024-03.csv"
    assert _events(risk_home) == [
        ("loaded", "F03_loans_2024-03.csv", None, "run-1", None),
        ("duplicate", "F03_loans_2024-03 (1).csv", f"same bytes as {first}", "run-1", "F03_loans_2024-03.csv")]


def test_a_landed_file_deleted_by_hand_is_said_once_and_its_rows_stay(land_cases, risk_home, monkeypatch, capsys):
    from risk_assets import verify
    from risk_assets.lib.ingest.landing import gone_from_landing
    from risk_assets.lib.report.run_outcome import lake_outcomes, outcome_notes

    land_cases("F01_loans_2024-01.csv", "F01_loans_2024-02.csv")
    gone = risk_home.landing_loans / "F01_loans_2024-01.csv"
    gone.unlink()
    report = land_cases(run_id="run-2")
    with connect(risk_home.lake_path, read_only=True) as con:
        (sha256,) = con.execute("SELECT sha256 FROM raw.landed_files WHERE path = ?", [str(gone)]).fetchone()
        rows = con.execute("SELECT count(*) FROM raw.loans WHERE _source_file = ?", [str(gone)]).fetchone()[0]
        said = gone_from_landing(con)
    message = (f"{gone}: gone from landing since it landed (deleted or moved, not withdrawn): its 12 rows stay "
               f"in the lake; withdraw it (sha256 {sha256[:12]}) if they should go")
    assert rows == 12
    assert [(f.outcome, f.path, f.message) for f in report.files] == [("source_missing", str(gone), message)]
    assert said == [("source_missing", str(gone), message)]
    assert land_cases(run_id="run-3").files == []  # said once
    assert [e for e in _events(risk_home) if e[0] == "source_missing"] == [
        ("source_missing", "F01_loans_2024-01.csv", message, "run-2", None)]
    outcomes = lake_outcomes(risk_home.lake_path, "run-2", 1)
    assert outcomes.gone == [("source_missing", str(gone), message)]
    assert outcome_notes(outcomes) == ["F01_loans_2024-01.csv gone from landing, rows kept"]
    monkeypatch.setenv("RISK_HOME", str(risk_home.root))
    verify.main(["--own-data"])
    notes = [line for line in capsys.readouterr().out.splitlines() if line.startswith("note gone")]
    assert notes == [f"note gone from landing: F01_loans_2024-01.csv: {message.removeprefix(f'{gone}: ')}"]


def test_a_landed_file_renamed_is_said_renamed_not_missing_and_withdraws_by_its_new_name(
        land_cases, risk_home):
    from risk_assets.lib.ingest.landing import gone_from_landing, withdraw_file

    land_cases("F01_loans_2024-01.csv")
    landed = risk_home.landing_loans / "F01_loans_2024-01.csv"
    renamed = risk_home.landing_loans / "acme_jan_renamed.csv"
    landed.rename(renamed)
    report = land_cases(run_id="run-2")
    message = (f"renamed from F01_loans_2024-01.csv after it landed (the same bytes; {landed} is gone): its rows "
               "stay in the lake as that file's, and no run lands it again")
    assert [(f.outcome, Path(f.path).name, f.rows_loaded, f.message) for f in report.files] == [
        ("renamed", "acme_jan_renamed.csv", 0, message)]
    assert land_cases(run_id="run-3").files == []
    assert _events(risk_home) == [
        ("loaded", "F01_loans_2024-01.csv", None, "run-1", None),
        ("renamed", "acme_jan_renamed.csv", message, "run-2", "F01_loans_2024-01.csv")]
    with connect(risk_home.lake_path) as con:
        assert gone_from_landing(con) == [("renamed", str(renamed), message)]
        done = withdraw_file(con, "acme_jan_renamed.csv", "wrong book", "operator ana", risk_home.root / "withdrawn")
        assert (done.path, done.rows_removed, done.moved_to) == (str(landed), 12, None)
        assert [Path(copy).name for copy, _ in done.copies_moved] == ["acme_jan_renamed.csv"]
        assert gone_from_landing(con) == []


def test_a_copy_kept_after_the_landed_file_is_deleted_holds_its_bytes_under_its_name(land_cases, risk_home):
    land_cases("F03_loans_2024-03 (1).csv", "F03_loans_2024-03.csv")
    first = risk_home.landing_loans / "F03_loans_2024-03.csv"
    first.unlink()
    report = land_cases(run_id="run-2")
    assert [(f.outcome, Path(f.path).name, Path(f.duplicate_of).name) for f in report.files] == [
        ("renamed", "F03_loans_2024-03 (1).csv", "F03_loans_2024-03.csv")]
    assert land_cases(run_id="run-3").files == []


def test_an_old_lakes_withdrawn_events_take_their_message_from_the_manifest_once(land_cases, risk_home):
    from risk_assets.lib.ingest.landing import withdraw_file
    from risk_assets.lib.lake import ensure_lake

    land_cases("F01_loans_2024-01.csv", "F01_loans_2024-02.csv")
    with connect(risk_home.lake_path) as con:
        withdraw_file(con, "F01_loans_2024-01.csv", "wrong month", "operator ana", risk_home.root / "withdrawn")
        withdraw_file(con, "F01_loans_2024-02.csv", "wrong book", "operator ana", risk_home.root / "withdrawn")
        # as an old lake kept them: no message, and February's bytes landed again since
        con.execute("UPDATE raw.landing_events SET message = NULL")
        con.execute("UPDATE raw.landed_files SET status = 'loaded', message = NULL WHERE path LIKE '%2024-02.csv'")
        con.execute("DELETE FROM raw.lake_migrations WHERE name = 'landing_events_message_from_manifest'")
        ensure_lake(con)
        ensure_lake(con)
        events = con.execute("SELECT outcome, regexp_extract(path, '[^/]+$'), message FROM raw.landing_events "
                             "WHERE outcome = 'withdrawn' ORDER BY seen_at").fetchall()
        (filled,) = con.execute("SELECT rows_changed FROM raw.lake_migrations "
                                "WHERE name = 'landing_events_message_from_manifest'").fetchone()
    assert events == [
        ("withdrawn", "F01_loans_2024-01.csv",
         "withdrawn by operator ana: wrong month (12 rows and 0 quarantine entries removed)"),
        ("withdrawn", "F01_loans_2024-02.csv", None)]
    assert filled == 1


def test_the_run_summary_names_a_landed_file_gone_and_one_renamed(tmp_path, cases_dir):
    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.loan_formats import parse_loan_file
    from risk_assets.cli import own_command
    from risk_assets_tests.test_cli import _summary_of_a_run_that_wrote

    landing = tmp_path / "landing"
    landing.mkdir()
    for name in ("F01_loans_2024-01.csv", "F01_loans_2024-02.csv"):
        shutil.copyfile(cases_dir / name, landing / name)
    parse = partial(parse_loan_file, mapping_dirs=[MAPPINGS])
    with connect(tmp_path / "lake.duckdb") as con:
        land_folder(con, landing, "loans", parse, "run-1", asset="raw_loans")
        (sha256,) = con.execute("SELECT sha256 FROM raw.landed_files WHERE path LIKE '%01.csv'").fetchone()
    (landing / "F01_loans_2024-01.csv").unlink()
    (landing / "F01_loans_2024-02.csv").rename(landing / "feb.csv")
    lines = _summary_of_a_run_that_wrote(
        tmp_path, lambda con, run_id: land_folder(con, landing, "loans", parse, run_id, asset="raw_loans"))
    said = [" ".join(line.split()) for line in lines]
    assert said[0].endswith("; every check passed; 2 landed file(s) gone from landing or renamed (their rows stay):")
    assert said[1:3] == [
        f"GONE F01_loans_2024-01.csv: gone from landing since it landed (deleted or moved, not withdrawn): its 12 rows "
        f"stay in the lake; withdraw it (sha256 {sha256[:12]}) if they should go: "
        f"{own_command()} withdraw F01_loans_2024-01.csv --reason ...",
        f"RENAMED feb.csv: renamed from F01_loans_2024-02.csv after it landed (the same bytes; "
        f"{landing / 'F01_loans_2024-02.csv'} is gone): its rows stay in the lake as that file's, and no run lands it again"]


def _refusing_bad_header(path):
    from risk_assets.lib.ingest.loan_formats import parse_loan_file
    from risk_assets.lib.ingest.parsed import FileRefused

    if path.name == "bad_header.csv":
        raise FileRefused(f"{path}: no mapping matches its header")
    return parse_loan_file(path, mapping_dirs=[MAPPINGS])


def test_a_runs_notes_name_the_files_it_refused_and_those_it_left_refused_not_another_runs(risk_home, cases_dir):
    from risk_assets.lib.report.run_outcome import LakeOutcomes, lake_outcomes, outcome_notes

    bad = risk_home.landing_loans / "bad_header.csv"
    bad.write_text("foo,bar\n1,2\n")
    shutil.copyfile(cases_dir / "F01_loans_2024-01.csv", risk_home.landing_loans / "F01_loans_2024-01.csv")
    _land(risk_home, "run-1", _refusing_bad_header)
    _land(risk_home, "run-2", _refusing_bad_header)  # the tape is landed; the same bytes refused again
    refusal = f"{bad}: no mapping matches its header"
    assert [e for e in _events(risk_home) if e[0] == "refused"] == [
        ("refused", "bad_header.csv", refusal, "run-1", None), ("refused", "bad_header.csv", refusal, "run-2", None)]
    first, second = (lake_outcomes(risk_home.lake_path, run, 1) for run in ("run-1", "run-2"))
    assert first == LakeOutcomes([("refused", str(bad), refusal)], [], [], [], [], [])
    assert outcome_notes(first) == ["bad_header.csv refused"]
    assert second == LakeOutcomes([("still refused", str(bad), refusal)], [], [], [], [], [])
    assert outcome_notes(second) == ["bad_header.csv still refused"]
    bad.write_text("foo,baz\n1,2\n")  # new bytes: refused anew, by the run that read them
    _land(risk_home, "run-3", _refusing_bad_header)
    assert outcome_notes(lake_outcomes(risk_home.lake_path, "run-3", 1)) == ["bad_header.csv refused"]


def test_an_old_lakes_refusal_without_an_event_message_takes_the_manifests(risk_home, cases_dir):
    from risk_assets.lib.report.run_outcome import lake_outcomes

    bad = risk_home.landing_loans / "bad_header.csv"
    bad.write_text("foo,bar\n1,2\n")
    _land(risk_home, "run-1", _refusing_bad_header)
    _land(risk_home, "run-2", _refusing_bad_header)
    with connect(risk_home.lake_path) as con:  # as an old lake kept them, the manifest row run-2's
        con.execute("UPDATE raw.landing_events SET message = NULL")
    assert lake_outcomes(risk_home.lake_path, "run-1", 1).not_landed == [
        ("refused", str(bad), f"{bad}: no mapping matches its header")]
    assert lake_outcomes(risk_home.lake_path, "run-2", 1).not_landed == [
        ("still refused", str(bad), f"{bad}: no mapping matches its header")]
