"""The run's risk/notes tag counts the values its checks quarantined, beside the files it landed
with records quarantined at landing."""

from datetime import datetime

from risk_assets.lib.lake import connect
from risk_assets.lib.report.run_outcome import lake_outcomes, outcome_notes

RUN = "8f14e45f-ceea-4e7a-9c1b-2f1a6d0b7c11"
SBA = "/lake/landing/loans/sba_national.csv.gz"


def test_values_quarantined_by_checks_are_counted_per_check_and_landing_quarantine_per_file(tmp_path):
    lake_path = tmp_path / "lake.duckdb"
    now = datetime(2026, 12, 6, 17, 31)
    with connect(lake_path) as con:
        con.execute("INSERT INTO raw.landed_files (path, sha256, size_bytes, domain, run_id, status, rows_in_file, non_data_lines, "
                    "rows_quarantined) VALUES (?, 'ab12', 412733, 'loans', ?, 'loaded', 3000, 0, 2)", [SBA, RUN])
        rows = [("raw_loans", SBA, "ab12", 7, "sba:1000014003", "GrAppv", "unparseable_number", "$1O,000.00", RUN),
                ("raw_loans", SBA, "ab12", 9, "sba:1000024006", "ApprovalDate", "unparseable_date", "31-Feb-97", RUN)]
        # 4 values of 3 loans: one loan fails both rules
        rows += [("raw_loans_values", SBA, "ab12", line, key, column, rule, value, RUN) for line, key, column, rule, value in (
            (12, "sba:1000034009", "term_months", "term_positive", "0"),
            (15, "sba:1000044001", "term_months", "term_positive", "0"),
            (15, "sba:1000044001", "disbursement_date", "disbursement_not_after_as_of", "2031-06-30"),
            (21, "sba:1000054004", "disbursement_date", "disbursement_not_after_as_of", "2030-01-31"))]
        rows += [("raw_loans_values", SBA, "ab12", 30, "sba:1000064007", "term_months", "term_positive", "0",
                  "another-run")]  # an earlier run's: not this one's
        con.executemany("INSERT INTO quality.quarantine (asset, source_file, file_sha256, line, record_key, column_name, "
                        "rule, raw_value, run_id, quarantined_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [[*row, now] for row in rows])
    outcomes = lake_outcomes(lake_path, RUN, 1.0)
    assert outcomes.checked_out == [("raw_loans_values", 4, 3)]
    assert outcome_notes(outcomes) == ["sba_national.csv.gz: 2 of 3,000 records quarantined",
                                       "raw_loans_values: 4 values of 3 records quarantined"]
