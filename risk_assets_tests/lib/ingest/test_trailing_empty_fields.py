"""A record with more fields than the header whose extra fields are all empty, a trailing
delimiter (`...,Fully Paid,`), loads and the file's notes count it with its lines; a record whose
extra field holds a value stays a malformed record. Built from real LendingClub loans."""

from __future__ import annotations

import csv
from itertools import islice
from pathlib import Path

import pytest

from risk_assets.lib.ingest.loan_formats import parse_loan_file

COLUMNS = ("loan_amnt", "term", "home_ownership", "annual_inc", "loan_status")


@pytest.fixture
def tape_lines(data_dir) -> list[str]:
    """A header and the first 6 real LendingClub loans, cut to COLUMNS."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8", newline="") as handle:
        loans = list(islice(csv.DictReader(handle), 6))
    return [",".join(COLUMNS)] + [",".join(loan[c] for c in COLUMNS) for loan in loans]


def _land(tmp_path: Path, lines: list[str]):
    tape = tmp_path / "lc_tape.csv"
    tape.write_text("\n".join(lines) + "\n", encoding="utf-8")
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    return parsed


def test_records_whose_extra_fields_are_empty_load_and_are_noted(tmp_path, tape_lines):
    lines = list(tape_lines)
    lines[2] += ","        # line 3: one trailing delimiter
    lines[4] += ", ,\t"    # line 5: three empty extra fields, blanks in them
    lines[5] += ",x"       # line 6: its extra field holds a value
    parsed = _land(tmp_path, lines)
    assert parsed.rows.select("_source_line", "loan_amount", "term_months", "loan_status").rows() == [
        (2, 5000.0, 36, "Fully Paid"), (3, 2500.0, 60, "Charged Off"), (4, 2400.0, 36, "Fully Paid"),
        (5, 10000.0, 36, "Fully Paid"), (7, 5000.0, 36, "Fully Paid")]
    assert parsed.notes["trailing_empty_fields"] == {"records": 2, "lines": [3, 5]}
    assert parsed.quarantine.select("line", "rule").rows() == [(6, "malformed_record")]


def test_a_tape_without_trailing_delimiters_has_no_such_note(tmp_path, tape_lines):
    parsed = _land(tmp_path, tape_lines)
    assert parsed.rows.height == 6 and parsed.quarantine.height == 0
    assert "trailing_empty_fields" not in parsed.notes


@pytest.mark.parametrize("lacking", [[3], [3, 5], [2, 3, 5, 7]], ids=["one", "two", "four"])
def test_records_lacking_only_the_headers_empty_last_column_load_whatever_their_share(tmp_path, tape_lines, lacking):
    """A header that ends with a delimiter (an empty, unnamed last column) over lines that mostly carry
    the matching trailing delimiter: a line without it lacks only that empty column and loads, noted
    with its line, whether one line of six lacks it or most do."""
    lines = [tape_lines[0] + ","] + [line if number in lacking else line + ","
                                     for number, line in enumerate(tape_lines[1:], start=2)]
    parsed = _land(tmp_path, lines)
    assert parsed.rows.select("_source_line", "loan_amount", "term_months", "loan_status").rows() == [
        (2, 5000.0, 36, "Fully Paid"), (3, 2500.0, 60, "Charged Off"), (4, 2400.0, 36, "Fully Paid"),
        (5, 10000.0, 36, "Fully Paid"), (6, 3000.0, 60, "Fully Paid"), (7, 5000.0, 36, "Fully Paid")]
    assert parsed.quarantine.height == 0
    assert parsed.notes["header_ends_with_delimiter"] == {"records": len(lacking), "lines": lacking}


def test_a_record_short_of_a_named_column_under_a_header_ending_with_a_delimiter_stays_malformed(tmp_path, tape_lines):
    """Line 3 lost its loan_status but kept its trailing delimiter, line 5 lost loan_status and the
    delimiter: either is short of a named column, not only of the empty one, and is quarantined."""
    lines = [tape_lines[0] + ","] + [line + "," for line in tape_lines[1:]]
    lines[2] = lines[2].rsplit(",", 2)[0] + ","  # line 3: 2500,60 months,RENT,30000,
    lines[4] = lines[4].rsplit(",", 2)[0]        # line 5: 10000,36 months,RENT,49200
    parsed = _land(tmp_path, lines)
    assert parsed.rows.get_column("_source_line").to_list() == [2, 4, 6, 7]
    assert parsed.quarantine.select("line", "rule").rows() == [(3, "malformed_record"), (5, "malformed_record")]
    assert "header_ends_with_delimiter" not in parsed.notes
