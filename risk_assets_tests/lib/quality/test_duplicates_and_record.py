"""F12 duplicates, and the record of verdicts in the lake (idempotent quarantine)."""

import json

import duckdb
import pandas as pd

from risk_assets.lib.lake import ensure_lake
from risk_assets.lib.quality.duplicates import conflicting_duplicates
from risk_assets.lib.quality.outcome import record
from risk_assets_tests.lib.quality.lake_rows import lake_with, loan_rows


def _f12_lake(tmp_path, cases_dir):
    return lake_with(
        tmp_path / "lake.duckdb",
        loans=[loan_rows(cases_dir / "F12_loans_snapshot_2024-03.csv"), loan_rows(cases_dir / "F12_loans_snapshot_2024-04.csv")],
    )


def test_f12_conflicting_duplicate_is_found_and_exact_one_counted(tmp_path, cases_dir):
    with duckdb.connect(str(_f12_lake(tmp_path, cases_dir))) as con:
        outcome = conflicting_duplicates(con)
    assert not outcome.success and outcome.severity == "WARN"
    assert outcome.failures[["record_key", "line", "column_name", "rule"]].to_dict("records") == [
        {"record_key": "lendingclub:77007", "line": 8, "column_name": "loan_status,loan_amount", "rule": "conflicting_duplicate"},
        {"record_key": "lendingclub:77007", "line": 13, "column_name": "loan_status,loan_amount", "rule": "conflicting_duplicate"},
    ]
    assert "1 exact duplicate rows" in outcome.observed
    assert outcome.rows_checked == 20


def test_a_corrected_month_beside_the_first_names_both_files_and_the_remedy(tmp_path, cases_dir):
    """April delivered again with two loans corrected, both files dated April: every loan of the two
    that differs is quarantined on both sides, and the outcome names the two files and says to
    withdraw the wrong one (the conflicts inside one file, F12's 77007, name no file)."""
    april = loan_rows(cases_dir / "F12_loans_snapshot_2024-04.csv")
    corrected = april.copy()
    corrected["_source_file"] = str(tmp_path / "F12_loans_snapshot_2024-04_v2.csv")
    corrected["_file_sha256"] = "b" * 64
    corrected.loc[corrected["source_loan_id"].isin(["77004", "77011"]), "loan_amount"] += 100
    with duckdb.connect(str(lake_with(tmp_path / "lake.duckdb", loans=[april, corrected]))) as con:
        outcome = conflicting_duplicates(con)
    assert set(outcome.failures["record_key"]) >= {"lendingclub:77004", "lendingclub:77011"}
    assert outcome.observed.endswith(
        "; files that disagree on the same loans and snapshot: F12_loans_snapshot_2024-04.csv and "
        "F12_loans_snapshot_2024-04_v2.csv (2 loan snapshots): a corrected delivery beside the first? Withdraw the wrong one "
        "(risk-assets withdraw <file> --reason ...) and the other's rows stand")
    (tmp_path / "f12").mkdir()
    with duckdb.connect(str(_f12_lake(tmp_path / "f12", cases_dir))) as con:
        assert "files that disagree" not in conflicting_duplicates(con).observed
    # one loan in conflict within March's file and within April's: no two files disagree on one snapshot
    march, april = (loan_rows(cases_dir / f"F12_loans_snapshot_2024-0{m}.csv") for m in (3, 4))
    march, april = (pd.concat([t, t[t["source_loan_id"] == "77004"].assign(loan_amount=1.0, _source_line=99)])
                    for t in (march, april))
    (tmp_path / "within").mkdir()
    with duckdb.connect(str(lake_with(tmp_path / "within" / "lake.duckdb", loans=[march, april]))) as con:
        within = conflicting_duplicates(con)
    assert "lendingclub:77004" in set(within.failures["record_key"]) and "files that disagree" not in within.observed


def test_clean_snapshots_have_no_conflict(tmp_path, cases_dir):
    lake = lake_with(tmp_path / "lake.duckdb", loans=[loan_rows(cases_dir / "F12_loans_snapshot_2024-04.csv")])
    with duckdb.connect(str(lake)) as con:
        assert conflicting_duplicates(con).success


def test_record_is_idempotent_and_keeps_every_verdict(tmp_path, cases_dir):
    with duckdb.connect(str(_f12_lake(tmp_path, cases_dir))) as con:
        ensure_lake(con)
        outcome = conflicting_duplicates(con)
        record(con, outcome, "run-1")
        record(con, outcome, "run-2")
        quarantined = con.execute(
            "SELECT record_key, line, rule, run_id FROM quality.quarantine ORDER BY line"
        ).fetchall()
        results = con.execute(
            "SELECT check_name, asset, run_id, success, severity, failing_count, details FROM quality.check_results ORDER BY run_id"
        ).fetchall()
    assert quarantined == [
        ("lendingclub:77007", 8, "conflicting_duplicate", "run-2"),
        ("lendingclub:77007", 13, "conflicting_duplicate", "run-2"),
    ]
    assert [r[:6] for r in results] == [
        ("raw_loans_unique_per_snapshot", "raw_loans", "run-1", False, "WARN", 2),
        ("raw_loans_unique_per_snapshot", "raw_loans", "run-2", False, "WARN", 2),
    ]
    assert json.loads(results[0][6])["failing_sample"][0]["record_key"] == "lendingclub:77007"


def test_a_conflict_counts_versions_not_rows_and_names_the_lines_of_each(tmp_path, cases_dir):
    """Loan 77012 of April on three lines, two of them byte-identical: two versions, not three rows."""
    april = loan_rows(cases_dir / "F12_loans_snapshot_2024-04.csv")
    row = april[april["source_loan_id"] == "77012"]
    copy, changed = row.assign(_source_line=21), row.assign(_source_line=22, loan_amount=row["loan_amount"] + 250)
    with duckdb.connect(str(lake_with(tmp_path / "lake.duckdb", loans=[pd.concat([april, copy, changed])]))) as con:
        outcome = conflicting_duplicates(con)
    failures = outcome.failures[outcome.failures["record_key"] == "lendingclub:77012"].sort_values("line")
    line = int(row["_source_line"].iloc[0])
    assert failures["line"].tolist() == [line, 21, 22]
    assert set(failures["message"]) == {
        f"loan lendingclub:77012 has 2 different versions in snapshot 2024-04-01: lines {line} and 21 (the same row); line 22"}


def test_a_conflict_in_a_file_without_an_as_of_date_names_the_file_not_its_sha256(risk_home, data_dir):
    """An undated SBA tape holding loan 1000014003 twice, with two gross amounts: its snapshot is the
    file, and the message said 'in snapshot' and the file's 64-digit sha256. It names the file."""
    import csv
    import gzip
    from itertools import islice

    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.loan_formats import parse_loan_file
    from risk_assets.lib.lake import connect

    with gzip.open(data_dir / "loans" / "sba_national.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        header, *rows = list(islice(csv.reader(handle), 4))
    copy = list(rows[0])
    copy[header.index("DisbursementGross")] = "$61,000.00 "
    with open(risk_home.landing_loans / "sba_servicer.csv", "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows, copy])
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, "run-1", asset="raw_loans")
        outcome = conflicting_duplicates(con)
    key = f"sba:{rows[0][0]}"
    assert outcome.failures[["record_key", "line"]].values.tolist() == [[key, 2], [key, 5]]
    assert set(outcome.failures["message"]) == {
        f"loan {key} has 2 different versions in sba_servicer.csv (no as-of date: the file is its own snapshot): "
        "line 2; line 5"}


def test_a_corrected_tape_saved_over_the_landed_name_is_told_apart_by_sha256_and_landing_time(tmp_path, cases_dir):
    """A corrected April saved over the landed file's name lands as a second version of that name. The
    quarantine said 'line 5; line 5' and the outcome dropped its advice, since both rows' file names
    were equal: each version is named by its sha256, landing time and age, and the advice stands."""
    from datetime import datetime

    april = loan_rows(cases_dir / "F12_loans_snapshot_2024-04.csv").assign(_ingested_at=datetime(2024, 7, 1, 9, 5, 7))
    corrected = april.assign(_file_sha256="b" * 64, _ingested_at=datetime(2024, 7, 2, 14, 30, 0))
    corrected.loc[corrected["source_loan_id"] == "77004", "loan_amount"] += 100
    old = april["_file_sha256"].iloc[0]
    name = "F12_loans_snapshot_2024-04.csv"
    with duckdb.connect(str(lake_with(tmp_path / "lake.duckdb", loans=[corrected, april]))) as con:
        outcome = conflicting_duplicates(con)
    line = int(april.loc[april["source_loan_id"] == "77004", "_source_line"].iloc[0])
    older = f"{name} (sha256 {old[:12]}, landed 2024-07-01 09:05:07 UTC, the older)"
    newer = f"{name} (sha256 bbbbbbbbbbbb, landed 2024-07-02 14:30:00 UTC, the newer)"
    messages = outcome.failures[outcome.failures["record_key"] == "lendingclub:77004"]["message"]
    assert set(messages) == {f"loan lendingclub:77004 has 2 different versions in snapshot 2024-04-01: "
                             f"{older} line {line}; {newer} line {line}"}
    assert outcome.observed.endswith(
        f"; files that disagree on the same loans and snapshot: {older} and {newer} (1 loan snapshots): a corrected "
        "delivery beside the first? Withdraw the wrong one (risk-assets withdraw <sha256> --reason ...) and the "
        "other's rows stand")


def test_three_copies_of_one_name_say_which_landed_when():
    from datetime import datetime

    from risk_assets.lib.quality.duplicates import copies_said

    said = copies_said([("t.csv", "c" * 64, datetime(2024, 7, 3)), ("t.csv", "a" * 64, datetime(2024, 7, 1)),
                        ("t.csv", "b" * 64, datetime(2024, 7, 2)), ("u.csv", "d" * 64, datetime(2024, 7, 1))])
    assert said == {"a" * 64: "t.csv (sha256 aaaaaaaaaaaa, landed 2024-07-01 00:00:00 UTC, the oldest)",
                    "b" * 64: "t.csv (sha256 bbbbbbbbbbbb, landed 2024-07-02 00:00:00 UTC, the 2nd of 3 to land)",
                    "c" * 64: "t.csv (sha256 cccccccccccc, landed 2024-07-03 00:00:00 UTC, the newest)",
                    "d" * 64: "u.csv"}
