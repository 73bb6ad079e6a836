"""The as-of date in a loan tape's file name, in the forms lenders write it: any case, `asof`,
`as_of` or `as-of`, the date with or without dashes. A name with an as-of marker whose date cannot
be read is refused, never loaded undated without a word."""

from __future__ import annotations

import json
from datetime import date
from itertools import islice

import pytest

from risk_assets.lib.ingest.loan_formats import parse_loan_file
from risk_assets.lib.ingest.parsed import FileRefused


def _tape(data_dir, folder, name: str):
    """The first 6 real LendingClub loans as a bank's tape (ref, booked 2011-12-01..06, amount,
    status), no snapshot_date column, with its sidecar mapping."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        rows = [line.rstrip("\r\n").split(",") for line in islice(handle, 7)]
    col = {c: i for i, c in enumerate(rows[0])}
    lines = ["ref,booked,amount,status"] + [
        f"B-{n},2011-12-0{n},{r[col['loan_amnt']]},{r[col['loan_status']]}" for n, r in enumerate(rows[1:], start=1)]
    tape = folder / name
    tape.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tape.with_name(name + ".mapping.json").write_text(json.dumps({"name": "bank", "columns": {
        "ref": {"to": "source_loan_id"}, "booked": {"to": "origination_date"}, "amount": {"to": "loan_amount"},
        "status": {"to": "loan_status"}}, "status_map": {"Fully Paid": 0, "Charged Off": 1}}), encoding="utf-8")
    return tape


@pytest.mark.parametrize("name", ["bank_asof_2011-12-03.csv", "BANK_ASOF_2011-12-03.CSV", "bank_as_of_2011-12-03.csv",
                                  "bank_as-of-2011-12-03.csv", "bank_asof_20111203.csv", "bank_AsOf2011-12-03.csv",
                                  "bank_asof-2011-12-03_v2.csv", "asof20111203.csv"])
def test_the_as_of_date_in_the_name_dates_the_tape_in_any_common_form(data_dir, tmp_path, name):
    parsed = parse_loan_file(_tape(data_dir, tmp_path, name))
    parsed.reconcile()
    assert parsed.notes["as_of"] == "2011-12-03"
    assert parsed.notes["snapshot_date_from_as_of"] == 3
    assert parsed.rows.select("source_loan_id", "snapshot_date").rows() == [
        ("B-1", date(2011, 12, 3)), ("B-2", date(2011, 12, 3)), ("B-3", date(2011, 12, 3))]
    # loans booked after the name's date are caught against it
    assert parsed.quarantine.select("line", "column_name", "rule").rows() == [
        (5, "booked", "issue_after_asof"), (6, "booked", "issue_after_asof"), (7, "booked", "issue_after_asof")]


@pytest.mark.parametrize("name, marker", [("bank_asof_2011-12-3.csv", "asof_2011-12-3"),
                                          ("bank_AS_OF_Dec2011.csv", "AS_OF_Dec2011"),
                                          ("bank_asof_201112.csv", "asof_201112"),
                                          ("bank_as-of-2011-1203.csv", "as-of-2011-1203"),
                                          ("bank_asof.csv", "asof")])
def test_a_name_with_an_as_of_marker_but_no_readable_date_is_refused_naming_the_marker(data_dir, tmp_path, name, marker):
    tape = _tape(data_dir, tmp_path, name)
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(tape)
    assert str(refused.value).startswith(f"{tape}: the file name has an as-of marker, {marker!r}, but no date in a form read")


def test_an_impossible_date_in_any_form_is_still_refused(data_dir, tmp_path):
    tape = _tape(data_dir, tmp_path, "BANK_ASOF_20240230.csv")
    with pytest.raises(FileRefused, match=r"BANK_ASOF_20240230.csv: the file name's as-of date 2024-02-30 is not a date"):
        parse_loan_file(tape)


@pytest.mark.parametrize("name", ["canvas_of_2011-12-03.csv", "bank_as_offered.csv", "bank_2011-12-03.csv"])
def test_a_name_without_an_as_of_marker_states_no_date(data_dir, tmp_path, name):
    parsed = parse_loan_file(_tape(data_dir, tmp_path, name))
    parsed.reconcile()
    assert parsed.notes["as_of"] is None and "snapshot_date_from_as_of" not in parsed.notes
    assert parsed.rows.height == 6 and parsed.quarantine.height == 0


@pytest.mark.parametrize(("title", "as_of", "note"), [
    ("ACME Bank - Loan Portfolio Report as of 12/03/2011", None, "day and month could be swapped"),
    ("ACME Bank - Loan Portfolio Report as of 12/13/2011", date(2011, 12, 13), None),
    ('"Portfolio report, as of December 3, 2011",,,', date(2011, 12, 3), None),
    ("Loans as at 3 December 2011 (unaudited)", date(2011, 12, 3), None),
    ("Stichtag / as of: 2011-12-03", date(2011, 12, 3), None),
    ("Report as of month end", None, "no date in a form read"),
])
def test_a_reports_title_line_dates_the_tape(data_dir, tmp_path, title, as_of, note):
    """A portfolio report kept under one name every month opens with `... as of 06/30/2024` above
    its header: the line was a note and the tape undated, so each month was versioned by landing time
    alone. The title's date dates the tape (note `as_of_from_title`); one whose day and month could be
    swapped, or no date at all, dates nothing and is said (`title_as_of_unread`)."""
    tape = _tape(data_dir, tmp_path, "portfolio_report.csv")
    tape.write_text(f"{title}\n\n" + tape.read_text(), encoding="utf-8")
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.notes["as_of"] == (as_of.isoformat() if as_of else None)
    assert set(parsed.rows["snapshot_date"].to_list()) == {as_of}
    if as_of:
        assert parsed.notes["as_of_from_title"].startswith("line 1: ")
    else:
        assert note in parsed.notes["title_as_of_unread"]


def test_a_title_date_that_differs_from_the_names_is_said_and_the_name_decides(data_dir, tmp_path):
    """`bank_asof_2011-12-03.csv` titled `as of 11/30/2011`: the name's date dates the tape, and the
    notes say the title states another (`title_as_of_differs`)."""
    tape = _tape(data_dir, tmp_path, "bank_asof_2011-12-03.csv")
    tape.write_text("Loan Portfolio Report as of 11/30/2011\n" + tape.read_text(), encoding="utf-8")
    parsed = parse_loan_file(tape)
    assert parsed.notes["as_of"] == "2011-12-03"
    assert parsed.notes["title_as_of_differs"] == (
        "line 1: 'as of 11/30/2011' states 2011-11-30, the tape is dated 2011-12-03 by its name or sidecar, "
        "which decides")
