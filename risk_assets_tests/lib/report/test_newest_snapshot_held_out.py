"""Loans held out of the features because their newest snapshot is quarantined, though an older one
is clean: the lines that count loans held out by quarantine say how many are held out so, and
`risk-assets loan FILE:LINE` on a line set aside at landing names the account's other lines."""

from __future__ import annotations

from datetime import datetime

import duckdb

from risk_assets.cli import own_command
from risk_assets.lib.ml.training import quarantined_note
from risk_assets.lib.report.loan_trace import trace_loan
from risk_assets.lib.report.portfolio import build_overview, held_out_by_newest_snapshot, quarantined_loans_not_in_features
from risk_assets.verify import lake_totals
from risk_assets_tests.lib.quality.lake_rows import lake_with, loan_rows

NEWEST = ("2 of them because their newest snapshot is quarantined, though an older one is clean: their current "
          "state is unknown")


def _two_snapshot_lake(risk_home, tmp_path) -> tuple[str, str]:
    """December and January tapes. 60001's January row is quarantined by a value check and 60004's
    was set aside at landing (never in raw.loans): both are held out though December's row is clean.
    60005 landed in December only, quarantined: held out by its one snapshot. 60002 and 60003 are
    in the features (built here as staging would, without dbt). Returns the files' paths."""
    december, january = tmp_path / "tape_dec.csv", tmp_path / "tape_jan.csv"
    header = "loan_id,issue_d,loan_amnt,int_rate,annual_inc,loan_status,snapshot_month\n"
    december.write_text(header + "".join(f"6000{n},2019-03-01,{n}0000,0.11,50000,Current,2019-12\n"
                                         for n in (1, 2, 3, 4, 5)))
    january.write_text(header + "60001,2019-03-01,10000,0.11,50000,Charged Off,2020-01\n"
                                "60002,2019-03-01,20000,0.11,50000,Fully Paid,2020-01\n"
                                "60003,2019-03-01,30000,0.11,50000,Current,2020-01\n"
                                "60004,2019-03-01,40000,0.11,50000,Charged Off,2020-01\n")
    dec_rows, jan_rows = loan_rows(december), loan_rows(january)
    jan_rows["_ingested_at"] = datetime(2024, 8, 1)
    lake_with(risk_home.lake_path, loans=[dec_rows, jan_rows[jan_rows["source_loan_id"] != "60004"]])
    dec_sha, jan_sha = dec_rows["_file_sha256"][0], jan_rows["_file_sha256"][0]
    with duckdb.connect(str(risk_home.lake_path)) as con:
        con.executemany(
            "INSERT INTO quality.quarantine (asset, source_file, file_sha256, line, record_key, column_name, rule, "
            "quarantined_at) VALUES (?, ?, ?, ?, ?, ?, ?, now())",
            [("raw_loans_values", str(january), jan_sha, 2, "lendingclub:60001", "chargeoff_date", "chargeoff_not_after_as_of"),
             ("raw_loans", str(january), jan_sha, 5, "lendingclub:60004", "Status", "unknown_status"),
             ("raw_loans_values", str(december), dec_sha, 6, "lendingclub:60005", "annual_income", "test_rule")])
        con.executemany(
            "INSERT INTO raw.landed_files (sha256, path, size_bytes, domain, format, rows_in_file, rows_loaded, "
            "rows_quarantined, non_data_lines, status, landed_at) VALUES (?, ?, 1, 'loans', 'lendingclub', ?, ?, ?, 0, "
            "'loaded', ?)",
            [(dec_sha, str(december), 5, 5, 0, datetime(2024, 7, 1)), (jan_sha, str(january), 4, 3, 1, datetime(2024, 8, 1))])
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute("CREATE TABLE marts.loan_features AS SELECT loan_key, portfolio, vintage, origination_date, loan_amount, "
                    "default_flag FROM raw.loans WHERE _file_sha256 = ? AND loan_key IN "
                    "('lendingclub:60002', 'lendingclub:60003')", [jan_sha])
    return str(december), str(january)


def test_the_held_out_lines_count_loans_held_out_by_their_newest_snapshot(risk_home, tmp_path):
    """Three loans are held out by quarantine: two (60001, 60004) because their newest snapshot is
    quarantined though December's row is clean, which verify's lake line, the overview's headline
    and the PD card's split note each count; 60005, quarantined in its one snapshot, is not one."""
    _two_snapshot_lake(risk_home, tmp_path)
    with duckdb.connect(str(risk_home.lake_path), read_only=True) as con:
        keys = held_out_by_newest_snapshot(con)
        totals = lake_totals(con)
        headline = dict(build_overview(con).headline)
        note = quarantined_note(quarantined_loans_not_in_features(con, "lendingclub"), None, "stratified_random")
        elsewhere = held_out_by_newest_snapshot(con, "acme")
    assert keys == ["lendingclub:60001", "lendingclub:60004"]
    assert elsewhere == []
    assert totals == [
        f"lake loans: 8 snapshot rows of 5 loans landed from 2 file(s); 2 loans in loan_features, 3 held out by "
        f"quarantine ({NEWEST}) at landing and after landing, by the check raw_loans_values ({own_command()} "
        "quarantine lists them by file and rule)"]
    assert headline["landed loans not in the features yet (rebuild key:stg_loans+)"] == (
        f"0 (3 more are held out by quarantine, {NEWEST}; see raw_loans, raw_loans_values)")
    assert note == (
        f"3 loans landed but quarantined (not in marts.loan_features; {NEWEST}) are in neither training nor "
        "holdouts: 1 labelled, 1 of them defaults (100%); by rule: chargeoff_not_after_as_of 1, unknown_status 1, "
        "test_rule 1 (see risk-assets quarantine --rule chargeoff_not_after_as_of; checks raw_loans_values, "
        "stg_loans_values)")


def test_a_line_set_aside_at_landing_names_the_lines_its_account_landed_from(risk_home, tmp_path):
    """60004's January line never landed, but its December line did: the trace of the January line
    says so and how to trace the account; a line whose account landed nowhere else says nothing more."""
    _, january = _two_snapshot_lake(risk_home, tmp_path)
    with duckdb.connect(str(risk_home.lake_path)) as con:
        con.execute("INSERT INTO quality.quarantine (asset, source_file, file_sha256, line, record_key, column_name, "
                    "rule) SELECT 'raw_loans', ?, file_sha256, 6, 'lendingclub:60009', 'Status', 'unknown_status' "
                    "FROM quality.quarantine WHERE line = 5", [january])
    with duckdb.connect(str(risk_home.lake_path), read_only=True) as con:
        landed_elsewhere = trace_loan(con, f"{january}:5").lines
        landed_nowhere = trace_loan(con, f"{january}:6").lines
    assert landed_elsewhere == [
        f"{january}:5: no loan landed from this line; quarantined:",
        "  quarantined  unknown_status (raw_loans) column Status",
        "  the account lendingclub:60004 landed from tape_dec.csv line 5: risk-assets loan lendingclub:60004"]
    assert landed_nowhere == [f"{january}:6: no loan landed from this line; quarantined:",
                              "  quarantined  unknown_status (raw_loans) column Status"]
