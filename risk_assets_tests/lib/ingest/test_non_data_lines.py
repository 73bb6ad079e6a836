"""Non-data lines: each line of a landed file is counted once, as a record's or as a non-data line."""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from risk_assets.lib.ingest.landing import LandingFailed, land_folder
from risk_assets.lib.ingest.loan_formats import parse_loan_file
from risk_assets.lib.lake import connect

F05 = "F05_loanstats_with_note_lines.csv"


def _manifest(con, name: str) -> tuple:
    return con.execute("SELECT sha256, path, status, rows_in_file, rows_loaded, rows_quarantined, non_data_lines, "
                       "run_id, landed_at, message FROM raw.landed_files WHERE path LIKE '%' || ?", [name]).fetchone()


@pytest.mark.parametrize(("extra", "said"), [
    ((9, "blank"), "1 line(s) counted twice as non-data lines: line 9 (blank and blank)"),
    ((3, "blank"), "1 record line(s) also counted as non-data lines: line 3 (blank)"),
])
def test_a_line_counted_twice_fails_the_file_by_name(risk_home, cases_dir, extra, said):
    """A reader that lists a line twice, or a record's line as non-data too, keeps the counts equal
    (rows_in_file is counted from the same list) while one line goes unaccounted: refused by line."""
    def parse(path):
        parsed = parse_loan_file(path)
        return dataclasses.replace(parsed, non_data_lines=[*parsed.non_data_lines, extra])

    shutil.copyfile(cases_dir / F05, risk_home.landing_loans / F05)
    with connect(risk_home.lake_path) as con:
        with pytest.raises(LandingFailed) as failed:
            land_folder(con, risk_home.landing_loans, "loans", parse, "run-1", asset="raw_loans")
        message = _manifest(con, F05)[9]
    assert message == f"{risk_home.landing_loans / F05}: reconcile failed for format lendingclub: {said}"
    assert str(failed.value).endswith(message)
