"""A date-time kept in a workbook cell or a Parquet timestamp column reaches the same date rules as
the text of its CSV twin: a time of day other than midnight is quarantined in a built-in format's
date column (23:00 on 31 December may be 1 January in the lender's zone: another vintage) and
dropped with a note under a mapping, and a LendingClub month column notes the days it reads as
months, instead of the time and the day vanishing in the cell's date format."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
from itertools import islice
from pathlib import Path

import polars as pl
import pytest

from risk_assets.lib.ingest import workbook
from risk_assets.lib.ingest.loan_formats import parse_loan_file

openpyxl = pytest.importorskip("openpyxl")

TIME_OF_DAY = "holds a time of day other than midnight after its date"

LC_HEADER = ["id", "loan_amnt", "term", "int_rate", "issue_d", "loan_status", "annual_inc", "earliest_cr_line"]
LC_LOANS = [  # id, issue_d, earliest_cr_line as a database writes them
    ("1077501", "2011-12-01", "1985-01-01"),
    ("1077430", "2011-12-15", "1999-04-01"),
    ("1077175", "2011-12-15 13:30:00", "2001-11-01"),
    ("1076863", "2011-12-01 13:30:00", "1996-02-20 08:00:00"),
    ("1075358", "2011-12-31 23:00:00", "1996-01-01"),
    ("1075269", "2011-12-01", "2004-11-01"),
]


def _stamp(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


def _write_book(path: Path, header: list[str], rows: list[list[object]], date_format: str) -> Path:
    """A workbook whose datetime values are date cells under `date_format`, as Excel holds a
    database's DATETIME column after opening its CSV."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Loans"
    sheet.append(header)
    for number, row in enumerate(rows, start=2):
        sheet.append(row)
        for column, value in enumerate(row, start=1):
            if isinstance(value, dt.datetime):
                sheet.cell(row=number, column=column).number_format = date_format
    book.save(path)
    return path


def _quarantined(parsed) -> list[tuple]:
    return sorted(parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows())


def _loaded(parsed, *columns: str) -> list[tuple]:
    return parsed.rows.sort("_source_line").select("_source_line", *columns).rows()


def _lc_rows(stamped: bool) -> list[list[object]]:
    def cell(text: str) -> object:
        return _stamp(text) if stamped else text
    return [[loan_id, 5000, "36 months", "10.65%", cell(issued), "Fully Paid", 24000, cell(credit_line)]
            for loan_id, issued, credit_line in LC_LOANS]


@pytest.mark.parametrize("date_format", ["yyyy-mm-dd h:mm:ss", "yyyy-mm-dd"])
def test_a_lendingclub_workbook_s_date_times_are_quarantined_and_its_days_noted_as_in_its_csv(date_format, tmp_path):
    """13:30 and 23:00 are `unparsable_date` (23:00 on 31 December may be January in the lender's
    zone), a day other than the 1st loads as its month and is counted; whatever format shows them."""
    twin = parse_loan_file(_write_csv(tmp_path / "lc.csv", LC_HEADER, _lc_rows(stamped=False)))
    book = parse_loan_file(_write_book(tmp_path / "lc.xlsx", LC_HEADER, _lc_rows(stamped=True), date_format))

    assert book.format == twin.format == "lendingclub"
    assert _loaded(book, "source_loan_id", "origination_date", "earliest_cr_line") == [
        (2, "1077501", dt.date(2011, 12, 1), dt.date(1985, 1, 1)),
        (3, "1077430", dt.date(2011, 12, 1), dt.date(1999, 4, 1)),
        (7, "1075269", dt.date(2011, 12, 1), dt.date(2004, 11, 1)),
    ]
    assert _quarantined(book) == [
        (4, "issue_d", "unparsable_date", "2011-12-15 13:30:00"),
        (5, "earliest_cr_line", "unparsable_date", "1996-02-20 08:00:00"),
        (5, "issue_d", "unparsable_date", "2011-12-01 13:30:00"),
        (6, "issue_d", "unparsable_date", "2011-12-31 23:00:00"),
    ]
    assert book.quarantine["message"].str.contains(TIME_OF_DAY, literal=True).all()
    assert book.notes["lendingclub_days_read_as_months"] == {"issue_d": 1}
    assert book.notes["lendingclub_dates_written"] == {"issue_d": "%Y-%m-%d", "earliest_cr_line": "%Y-%m-%d"}
    assert _loaded(book, "source_loan_id", "origination_date", "earliest_cr_line") == _loaded(
        twin, "source_loan_id", "origination_date", "earliest_cr_line")
    assert _quarantined(book) == _quarantined(twin)
    assert {k: twin.notes[k] for k in ("lendingclub_days_read_as_months", "lendingclub_dates_written")} == {
        k: book.notes[k] for k in ("lendingclub_days_read_as_months", "lendingclub_dates_written")}


def test_a_lendingclub_workbook_of_first_days_keeps_its_month_columns_without_notes(tmp_path):
    """Date cells that are all the 1st at midnight lose nothing in `Dec-2011`: no note is added."""
    rows = [[loan_id, 5000, "36 months", "10.65%", dt.datetime(2011, 12, 1), "Fully Paid", 24000,
             dt.datetime(1985, 1, 1)] for loan_id, _, _ in LC_LOANS]

    parsed = parse_loan_file(_write_book(tmp_path / "lc.xlsx", LC_HEADER, rows, "mmm-yy"))

    assert parsed.quarantine.height == 0 and parsed.rows.height == 6
    assert set(parsed.rows["origination_date"]) == {dt.date(2011, 12, 1)}
    assert not {"lendingclub_days_read_as_months", "lendingclub_dates_written", "date_time_of_day_dropped"} & set(parsed.notes)


SBA_STAMPS = [  # ApprovalDate, DisbursementDate, ChgOffDate of four loans of the SBA sample
    (dt.datetime(1997, 2, 28), dt.datetime(1999, 2, 28), None),
    (dt.datetime(1997, 2, 28, 13, 30), dt.datetime(1997, 5, 31, 23, 0), None),
    (dt.datetime(1997, 2, 28), dt.datetime(1997, 12, 31), dt.datetime(2001, 3, 31, 23, 0)),
    (dt.datetime(1997, 2, 28), dt.datetime(1997, 6, 30), None),
]


def _as_sba_writes(stamp: dt.datetime | None) -> str:
    """SBA's own `28-Feb-97`, with the time of day a database export puts after it when not midnight."""
    if stamp is None:
        return ""
    return stamp.strftime("%d-%b-%y") + (stamp.strftime(" %H:%M:%S") if stamp.time() != dt.time() else "")


def test_an_sba_workbook_s_date_times_are_quarantined_as_its_csv_s(data_dir, tmp_path):
    with gzip.open(data_dir / "loans" / "sba_national.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(islice(reader, len(SBA_STAMPS)))
    at = [header.index(name) for name in ("ApprovalDate", "DisbursementDate", "ChgOffDate")]
    texts, cells = [list(row) for row in rows], [list(row) for row in rows]
    for k, stamps in enumerate(SBA_STAMPS):
        for i, stamp in zip(at, stamps):
            texts[k][i], cells[k][i] = _as_sba_writes(stamp), stamp or ""
    twin = parse_loan_file(_write_csv(tmp_path / "sba.csv", header, texts))

    book = parse_loan_file(_write_book(tmp_path / "sba.xlsx", header, cells, "yyyy-mm-dd h:mm:ss"))

    assert book.format == twin.format == "sba"
    assert _quarantined(book) == _quarantined(twin) == [
        (3, "ApprovalDate", "unparsable_date", "28-Feb-97 13:30:00"),
        (3, "DisbursementDate", "unparsable_date", "31-May-97 23:00:00"),
        (4, "ChgOffDate", "unparsable_date", "31-Mar-01 23:00:00"),
    ]
    assert book.quarantine["message"].str.contains(TIME_OF_DAY, literal=True).all()
    assert _loaded(book, "origination_date", "disbursement_date") == _loaded(
        twin, "origination_date", "disbursement_date") == [
        (2, dt.date(1997, 2, 28), dt.date(1999, 2, 28)), (5, dt.date(1997, 2, 28), dt.date(1997, 6, 30))]


MAPPED_ISSUES = [dt.datetime(2011, 12, 1), dt.datetime(2011, 12, 15, 13, 30), dt.datetime(2011, 12, 31, 23, 0),
                 dt.datetime(2011, 12, 1)]


def _mapping(folder: Path, fmt: str | None = None) -> Path:
    issue = {"to": "origination_date", "type": "date", "required": True} | ({"format": fmt} if fmt else {})
    folder.mkdir(exist_ok=True)
    (folder / "pqbank.json").write_text(json.dumps({
        "name": "pqbank", "applies_to": ["pqbank_*"], "as_of": "2024-06-30",
        "columns": {"id": {"to": "source_loan_id", "required": True}, "issue_d": issue,
                    "loan_amnt": {"to": "loan_amount", "type": "money", "required": True},
                    "loan_status": {"to": "loan_status"}},
        "status_map": {"Fully Paid": 0, "Charged Off": 1}}))
    return folder


def _mapped_rows(issues: list[object]) -> list[list[object]]:
    return [[f"PQ{n}", issued, 5000, "Fully Paid"] for n, issued in enumerate(issues, start=1)]


@pytest.mark.parametrize("fmt, written", [(None, "%Y-%m-%d"), ("%m/%d/%Y", "%m/%d/%Y")])
def test_a_mapped_workbook_s_date_times_keep_their_date_and_are_noted_as_in_its_csv(fmt, written, tmp_path):
    """Under a mapping the date is read as written and the time dropped with a note: 23:00 on
    31 December stays the 31st, as in the CSV that writes `2011-12-31 23:00:00`."""
    mappings = [_mapping(tmp_path / "mappings", fmt)]
    header = ["id", "issue_d", "loan_amnt", "loan_status"]
    texts = [stamp.strftime(written) + (stamp.strftime(" %H:%M:%S") if stamp.time() != dt.time() else "")
             for stamp in MAPPED_ISSUES]
    twin = parse_loan_file(_write_csv(tmp_path / "pqbank_h04.csv", header, _mapped_rows(texts)), mappings)

    book = parse_loan_file(_write_book(tmp_path / "pqbank_h03.xlsx", header, _mapped_rows(MAPPED_ISSUES),
                                       "yyyy-mm-dd h:mm:ss"), mappings)

    assert _loaded(book, "origination_date") == [
        (2, dt.date(2011, 12, 1)), (3, dt.date(2011, 12, 15)), (4, dt.date(2011, 12, 31)), (5, dt.date(2011, 12, 1))]
    assert _loaded(book, "origination_date") == _loaded(twin, "origination_date")
    assert book.quarantine.height == twin.quarantine.height == 0
    assert book.notes["date_time_of_day_dropped"] == twin.notes["date_time_of_day_dropped"] == {"issue_d": 2}


@pytest.mark.parametrize("zone", [None, "America/New_York"])
def test_a_parquet_timestamp_column_s_times_of_day_are_noted_as_in_its_csv(zone, tmp_path):
    """A timestamp without a zone (or in the lender's own) is a wall-clock time: its date is the one
    written, and a time other than midnight is dropped with a note, not silently."""
    mappings = [_mapping(tmp_path / "mappings")]
    frame = pl.DataFrame({"id": ["PQ1", "PQ2", "PQ3", "PQ4"], "issue_d": MAPPED_ISSUES,
                          "loan_amnt": [5000.0] * 4, "loan_status": ["Fully Paid"] * 4})
    if zone:
        frame = frame.with_columns(pl.col("issue_d").dt.replace_time_zone(zone))
    frame.write_parquet(tmp_path / "pqbank_h01.parquet")
    texts = [stamp.isoformat(sep=" ") if stamp.time() != dt.time() else stamp.date().isoformat() for stamp in MAPPED_ISSUES]
    twin = parse_loan_file(_write_csv(tmp_path / "pqbank_h04.csv", ["id", "issue_d", "loan_amnt", "loan_status"],
                                      _mapped_rows(texts)), mappings)

    parsed = parse_loan_file(tmp_path / "pqbank_h01.parquet", mappings)

    assert _loaded(parsed, "origination_date") == [
        (1, dt.date(2011, 12, 1)), (2, dt.date(2011, 12, 15)), (3, dt.date(2011, 12, 31)), (4, dt.date(2011, 12, 1))]
    assert parsed.rows["origination_date"].to_list() == twin.rows.sort("_source_line")["origination_date"].to_list()
    assert parsed.notes["date_time_of_day_dropped"] == twin.notes["date_time_of_day_dropped"] == {"issue_d": 2}


@pytest.mark.parametrize("cell, date_format, text", [
    (dt.datetime(2011, 12, 15, 13, 30), "%Y-%m-%d", "2011-12-15 13:30:00"),
    (dt.datetime(2011, 12, 15, 13, 30, 0, 250000), "%Y-%m-%d", "2011-12-15 13:30:00.250000"),
    (dt.datetime(2011, 12, 15, 13, 30), "%m/%d/%Y", "12/15/2011 13:30:00"),
    (dt.datetime(2011, 12, 15, 13, 30), "%Y-%m-%d %H:%M", "2011-12-15 13:30"),
    (dt.datetime(2011, 12, 15), "%d-%b-%y", "15-Dec-11"),
    (dt.date(2011, 12, 1), "%b-%Y", "Dec-2011"),
])
def test_a_date_time_cell_is_written_with_its_time_unless_midnight_or_the_format_writes_one(cell, date_format, text):
    assert workbook.render(cell, date_format) == text
