"""A report's trailer block below the last loan of a tape: a heading ('Summary'), a marking
('Confidential') and its field lines ('Report date:,2024-06-30'), short or padded to the header's
width as Excel writes them, are footer notes, never loans whose terms are missing, malformed
records or a totals row without its label; the trailer's record count is then checked against the
loans alone. Built from the first 12 rows of the LendingClub sample."""

from __future__ import annotations

import csv
from itertools import islice
from pathlib import Path

import pytest

from risk_assets.lib.ingest.loan_formats import parse_loan_file

N = 12


@pytest.fixture
def lc_lines(data_dir) -> list[str]:
    """The LendingClub sample's header and first N loans, as comma-separated lines."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8", newline="") as handle:
        return [",".join(row) for row in islice(csv.reader(handle), N + 1)]


def _write(path: Path, lines: list[str]) -> Path:
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path


TRAILER = ["Summary", "Report date:,2024-06-30", "Prepared by:,J. Smith", "Loans:,12", "Confidential"]


@pytest.mark.parametrize("padded", [False, True], ids=["short", "padded"])
def test_a_trailer_block_is_footer_notes_and_its_count_matches(tmp_path, lc_lines, padded):
    width = lc_lines[0].count(",")
    trailer = [line + "," * (width - line.count(",")) if padded else line for line in TRAILER]
    parsed = parse_loan_file(_write(tmp_path / "acme_servicing_export.csv", lc_lines + [""] + trailer))

    assert parsed.rows.height == N
    assert parsed.quarantine.height == 0
    assert parsed.data_records == N
    assert parsed.non_data_lines == [(14, "blank"), (15, "footer_note"), (16, "footer_note"),
                                     (17, "footer_note"), (18, "row_count"), (19, "footer_note")]
    assert parsed.notes["footer_notes"] == ["15: Summary", "16: Report date: 2024-06-30",
                                            "17: Prepared by: J. Smith", "19: Confidential"]
    assert parsed.notes["footer_totals"]["row count, line 18"] == {"line": 18, "stated": 12, "records": 12, "matches": True}
    assert parsed.rows.get_column("loan_amount").sum() == 67375.0


def test_a_lone_word_between_loans_or_a_cut_last_loan_stays_a_record(tmp_path, lc_lines):
    """Only below the last loan is a lone word a note; a last line cut to its first value stays malformed."""
    lines = lc_lines[:6] + ["Summary"] + lc_lines[6:] + ["5000"]
    parsed = parse_loan_file(_write(tmp_path / "tape.csv", lines))

    assert parsed.rows.height == N
    assert sorted(zip(parsed.quarantine.get_column("line"), parsed.quarantine.get_column("rule"))) == [
        (7, "malformed_record"), (15, "malformed_record")]
    assert parsed.non_data_lines == []


@pytest.mark.parametrize(("renamed", "said"), [
    ({0: "loan_amnt (USD)", 1: "term (months)"},
     "the header lacks ['loan_amnt', 'term']; 'loan_amnt (USD)' (column 1) is loan_amnt with a unit or scale after it; "
     "'term (months)' (column 2) is term with a unit or scale after it: rename the column"),
    ({0: "loan_amnt_000"}, "the header lacks ['loan_amnt']; 'loan_amnt_000' (column 1) is loan_amnt with a unit or scale after it: "
                           "rename the column as the format names it where its values are in the format's own unit"),
    ({15: "loan_status_date"}, "the header lacks ['loan_status']); SBA"),
], ids=["units", "thousands", "another_column"])
def test_a_header_naming_a_builtin_column_with_its_unit_is_refused_naming_that_column(tmp_path, lc_lines, renamed, said):
    """A refusal of a LendingClub header whose names carry a unit or a scale names those columns and
    what to do, instead of saying only that the header lacks them; another column's name is not one."""
    from risk_assets.lib.ingest.parsed import FileRefused

    names = lc_lines[0].split(",")
    for at, name in renamed.items():
        names[at] = name
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(_write(tmp_path / "servicer_export.csv", [",".join(names)] + lc_lines[1:]))
    assert said in str(refused.value)
