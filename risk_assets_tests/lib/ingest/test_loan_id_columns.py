"""A tape with two columns that may each give the loan id (LendingClub's `id` and `loan_id`): the one
that keys the loans is told by their values, never by the format's order alone. Keyed by a row
number, two months' different loans merge into one key; keyed by file and line while the ids sit
in the other column, next month's tape counts every loan twice."""

from __future__ import annotations

from itertools import islice
from pathlib import Path

import pytest

from risk_assets.lib.ingest.loan_formats import parse_loan_file
from risk_assets.lib.ingest.parsed import FileRefused

LOAN_IDS = ["1077501", "1077430", "1077175", "1076863", "1075358", "1075269"]


@pytest.fixture
def lc_lines(data_dir) -> list[str]:
    """The header and the first 6 loans of the real LendingClub file, line ends removed."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        return [line.rstrip("\r\n") for line in islice(handle, 7)]


def _tape(path: Path, lc_lines: list[str], ids: list[str], loan_ids: list[str]) -> Path:
    """The real loans with an `id` and a `loan_id` column in front, holding `ids` and `loan_ids`."""
    lines = ["id,loan_id," + lc_lines[0]] + [f"{i},{n},{row}" for i, n, row in zip(ids, loan_ids, lc_lines[1:], strict=True)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _keys(parsed) -> list[str]:
    return parsed.rows.sort("_source_line").get_column("loan_key").to_list()


@pytest.mark.parametrize("first", [1, 0])
def test_a_row_number_id_column_beside_loan_id_does_not_key_the_loans(lc_lines, tmp_path, first):
    """`id` numbering the rows (1..6, or a data frame's index 0..5) and `loan_id` the loans: keyed by
    `loan_id`, so two months' tapes of different loans stay different loans; the row number stays in
    source_fields and the notes say which column keys the loans and why."""
    rows = [str(first + n) for n in range(6)]
    may = parse_loan_file(_tape(tmp_path / "lc_may.csv", lc_lines, rows, [f"LN{n}" for n in LOAN_IDS]))
    june = parse_loan_file(_tape(tmp_path / "lc_june.csv", lc_lines, rows, [f"LN9{n}" for n in LOAN_IDS]))
    assert _keys(may) == [f"lendingclub:LN{n}" for n in LOAN_IDS]
    assert _keys(june) == [f"lendingclub:LN9{n}" for n in LOAN_IDS]
    assert may.rows.sort("_source_line").get_column("source_fields").to_list()[:2] == [
        f'{{"id":"{first}"}}', f'{{"id":"{first + 1}"}}']
    assert may.notes["loan_id_row_numbers"] == "id"
    assert may.notes["loan_id_column"].startswith("loans keyed by 'loan_id'; 'id' holds row numbers")
    assert may.quarantine.height == 0 and may.rows.height == 6


def test_an_empty_id_column_beside_a_filled_loan_id_keys_by_loan_id(lc_lines, tmp_path):
    """`id` blank on every loan and `loan_id` filled: the loans are keyed by `loan_id`, not by file
    and line (which would count them twice once next month's tape lands)."""
    parsed = parse_loan_file(_tape(tmp_path / "lc.csv", lc_lines, [""] * 6, LOAN_IDS))
    assert _keys(parsed) == [f"lendingclub:{n}" for n in LOAN_IDS]
    assert parsed.rows.sort("_source_line").get_column("source_loan_id").to_list() == LOAN_IDS
    assert parsed.notes["loan_id_column_empty"] == "id"
    assert parsed.notes["loan_id_column"] == "loans keyed by 'loan_id'; 'id' is empty on every loan"


def test_id_columns_that_agree_fill_each_other(lc_lines, tmp_path):
    """`id` and `loan_id` agree wherever both are given (`1077430.0` through a float column, `01077175`
    with a zero, are the ids the key reads): keyed by `id`, a loan whose `id` is blank by its
    `loan_id`, counted in the notes; no loan quarantined as missing its id."""
    ids = ["1077501", "", "1077175", "1076863", "", "1075269"]
    loan_ids = ["1077501", "1077430.0", "01077175", "", "1075358", "1075269"]
    parsed = parse_loan_file(_tape(tmp_path / "lc.csv", lc_lines, ids, loan_ids))
    assert _keys(parsed) == [f"lendingclub:{n}" for n in LOAN_IDS]
    assert parsed.quarantine.height == 0
    assert parsed.notes["loan_id_filled_from"] == {"loan_id": 2}
    assert parsed.notes["loan_id_column"] == "loans keyed by 'id'; 'loan_id' agree(s) with it where both are given"


def test_id_columns_that_disagree_refuse_the_file_naming_both(lc_lines, tmp_path):
    """Both filled with ids that differ, neither a row number: which is the loan id is not guessed; the
    refusal names the file, both columns, the first line and both values, and the remedy."""
    loan_ids = [f"LN{n}" for n in LOAN_IDS]
    path = _tape(tmp_path / "lc.csv", lc_lines, LOAN_IDS, loan_ids)
    with pytest.raises(FileRefused, match=(
            r"lc.csv: the columns 'id' and 'loan_id' both give the loan id and disagree: line 2 has id '1077501' and "
            r"loan_id 'LN1077501' and on 5 other line\(s\)\. Which one is the loan id is not guessed: remove or rename "
            r"the column that is not, or declare a column mapping")):
        parse_loan_file(path)
