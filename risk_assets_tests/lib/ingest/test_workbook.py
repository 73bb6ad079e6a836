"""Loan tapes kept as Excel workbooks: the real LendingClub and SBA rows written as Excel holds them
after opening the CSV (numbers as numbers, rates as percentages, dates as date cells, money under a
currency format) load the same loans as the CSV, each at the row Excel shows."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import re
import zipfile
from itertools import islice
from pathlib import Path

import polars as pl
import pytest

from risk_assets.lib.ingest.landing import landable_files
from risk_assets.lib.ingest.loan_formats import parse_loan_file
from risk_assets.lib.ingest.parsed import FileRefused
from risk_assets_tests.lib.ingest.conftest import write_euro_mapping

openpyxl = pytest.importorskip("openpyxl")

LC_ROWS = 40
SBA_ROWS = 40


def _as_excel_opens(text: str) -> tuple[object, str]:
    """(value, number format) of a CSV field as Excel types it on opening the CSV: whole numbers and
    decimals as numbers, `83.70%` as 0.837 under 0.00%, `$60,000.00` as 60000 under a currency
    format, `2024-01-15`, `2024-03`, `1/15/2024` (US locale) and `28-Feb-97` as date cells (Excel's
    two-digit years: 00-29 -> 20xx, 30-99 -> 19xx), `9.91214E+15` as that float;
    anything else, and a number with a leading zero (kept as text, as a zip column formatted Text), as text."""
    t = text.strip()
    if re.fullmatch(r"-?(?:0|[1-9]\d{0,14})", t):
        return int(t), "General"
    if re.fullmatch(r"-?\d+\.\d+", t):
        return float(t), "General"
    if m := re.fullmatch(r"(-?\d+(?:\.\d+)?)%", t):
        return float(m.group(1)) / 100, "0.00%"
    if m := re.fullmatch(r"\$(-?[\d,]+(?:\.\d+)?)", t):
        return float(m.group(1).replace(",", "")), '"$"#,##0.00'
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", t):
        return dt.datetime.strptime(t, "%Y-%m-%d"), "yyyy-mm-dd"
    if re.fullmatch(r"\d{4}-\d{2}", t):
        return dt.datetime.strptime(t, "%Y-%m"), "mmm-yy"
    if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", t):  # a US-locale Excel; 13/01/2024 is no date there and stays text
        try:
            return dt.datetime.strptime(t, "%m/%d/%Y"), "m/d/yyyy"
        except ValueError:
            return text, "General"
    if re.fullmatch(r"\d\.\d+E\+\d+", t):
        return float(t), "0.00E+00"
    if re.fullmatch(r"\d{1,2}-[A-Z][a-z]{2}-\d{2}", t):
        day = dt.datetime.strptime(t, "%d-%b-%y")
        if day.year % 100 >= 30 and day.year >= 2000:
            day = day.replace(year=day.year - 100)
        return day, "d-mmm-yy"
    return text, "General"


def _write_book(path: Path, header: list[str], rows: list[list[str]], *, title_rows: int = 0,
                extra_sheets: dict[str, list[list[object]]] | None = None, hidden: dict[str, list[list[object]]] | None = None) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Loans"
    for _ in range(title_rows):
        sheet.append(["Loan tape, exported for the credit committee"] if _ == 0 else [])
    sheet.append(header)
    for number, row in enumerate(rows, start=title_rows + 2):
        typed = [_as_excel_opens(v) for v in row]
        sheet.append([value for value, _ in typed])
        for column, (_, number_format) in enumerate(typed, start=1):
            sheet.cell(row=number, column=column).number_format = number_format
    for name, cells in (extra_sheets or {}).items():
        extra = book.create_sheet(name)
        for row in cells:
            extra.append(row)
    for name, cells in (hidden or {}).items():
        hidden_sheet = book.create_sheet(name)
        for row in cells:
            hidden_sheet.append(row)
        hidden_sheet.sheet_state = "hidden"
    book.save(path)
    return path


def _csv_rows(path: Path, n: int, opener=open) -> tuple[list[str], list[list[str]]]:
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return header, list(islice(reader, n))


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


def _loans(parsed, offset: int = 0) -> list[tuple]:
    """Loaded rows without the columns that name the file (key, hash), the line shifted by `offset`."""
    frame = parsed.rows.drop([c for c in parsed.rows.columns if c in ("loan_key", "_file_sha256", "source_fields")])
    return frame.with_columns(pl.col("_source_line") - offset).sort("_source_line").rows()


def test_a_lendingclub_workbook_loads_the_loans_of_its_csv_at_the_rows_excel_shows(data_dir, tmp_path):
    header, rows = _csv_rows(data_dir / "loans" / "lendingclub_2007_2011.csv", LC_ROWS)
    twin = parse_loan_file(_write_csv(tmp_path / "lc.csv", header, rows))
    book = _write_book(tmp_path / "lc.xlsx", header, rows, title_rows=2,
                       extra_sheets={"Notes": [["Source: LendingClub public loan data 2007-2011"]]},
                       hidden={"Scratch": [header, rows[0]]})

    parsed = parse_loan_file(book)

    parsed.reconcile()
    assert parsed.format == twin.format == "lendingclub"
    assert parsed.rows.height == twin.rows.height == LC_ROWS and parsed.quarantine.height == twin.quarantine.height == 0
    assert _loans(parsed, offset=2) == _loans(twin)  # title and blank row above the header: line + 2
    assert parsed.rows["revol_util"].head(2).to_list() == pytest.approx([0.837, 0.094])  # 83.70% held as 0.837 under 0.00%
    assert parsed.non_data_lines == [(1, "note"), (2, "note")]
    assert parsed.notes["workbook_sheet"] == "Loans" and parsed.notes["workbook_header_row"] == 3
    assert parsed.notes["workbook_sheets_not_read"] == ["Notes", "Scratch (hidden)"]


def test_an_sba_workbook_with_date_cells_and_currency_loads_the_loans_of_its_csv(data_dir, tmp_path):
    """Excel turns `28-Feb-97` into a date cell and `$60,000.00` into 60000 under a currency format:
    the dates come back with the century the CSV's ApprovalFY gives, the amounts in USD."""
    header, rows = _csv_rows(data_dir / "loans" / "sba_national.csv.gz", SBA_ROWS, opener=gzip.open)
    twin = parse_loan_file(_write_csv(tmp_path / "sba.csv", header, rows))
    assert isinstance(_as_excel_opens(rows[0][header.index("ApprovalDate")])[0], dt.datetime)

    parsed = parse_loan_file(_write_book(tmp_path / "sba.xlsx", header, rows))

    parsed.reconcile()
    assert parsed.format == "sba" and parsed.rows.height == SBA_ROWS
    assert parsed.quarantine.height == twin.quarantine.height
    assert _loans(parsed) == _loans(twin)
    first = parsed.rows.row(0, named=True)
    assert (first["origination_date"], first["loan_amount"]) == (dt.date(1997, 2, 28), 60000.0)


SBA_DATES = ("ApprovalDate", "DisbursementDate", "ChgOffDate")


def _with_day_numbers(book: Path, header: list[str], date1904: bool = False) -> dict[str, int]:
    """Each date cell of the SBA date columns of `book` replaced by its day number in the workbook's
    date system, in General format (dates pasted as values); the cells replaced per column."""
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    workbook = openpyxl.load_workbook(book)
    if date1904:
        workbook.epoch = CALENDAR_MAC_1904  # Excel for Mac's: day 0 is 1904-01-01
    epoch = dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 30)
    replaced = dict.fromkeys(SBA_DATES, 0)
    for row in workbook.active.iter_rows(min_row=2):
        for name in SBA_DATES:
            cell = row[header.index(name)]
            if isinstance(cell.value, dt.datetime):
                cell.value, cell.number_format = (cell.value - epoch).days, "General"
                replaced[name] += 1
    workbook.save(book)
    return replaced


@pytest.mark.parametrize("date1904", [False, True])
def test_date_columns_holding_day_numbers_read_as_the_days_of_the_workbook_s_date_system(date1904, data_dir, tmp_path):
    """An SBA sheet whose dates lost their format (pasted as values into General cells: 35489 for
    28-Feb-97): in a workbook the date system is known (1900, or Excel for Mac's 1904), so each
    column of five-digit day numbers loads the days of the CSV, noted per column."""
    header, rows = _csv_rows(data_dir / "loans" / "sba_national.csv.gz", SBA_ROWS, opener=gzip.open)
    twin = parse_loan_file(_write_csv(tmp_path / "sba.csv", header, rows))
    book = _write_book(tmp_path / "sba.xlsx", header, rows)
    replaced = _with_day_numbers(book, header, date1904)
    first = openpyxl.load_workbook(book).active.cell(row=2, column=header.index("ApprovalDate") + 1).value
    assert rows[0][header.index("ApprovalDate")] == "28-Feb-97" and first == (34027 if date1904 else 35489)

    parsed = parse_loan_file(book)

    parsed.reconcile()
    assert parsed.rows.height == SBA_ROWS and parsed.quarantine.height == twin.quarantine.height == 0
    assert _loans(parsed) == _loans(twin)
    assert parsed.rows["origination_date"][0] == dt.date(1997, 2, 28)
    assert parsed.notes["excel_serial_dates_read"] == {name: n for name, n in replaced.items() if n}
    assert replaced["ApprovalDate"] == SBA_ROWS and 0 < replaced["ChgOffDate"] < SBA_ROWS


def test_a_date_column_whose_numbers_are_not_all_day_numbers_is_quarantined_as_serial_date(data_dir, tmp_path):
    """One approval date typed as 99999 (a day in 2173): the column's numbers are not all Excel days,
    so none is read as one; each is quarantined as serial_date, never read as another date, while
    the other date columns' day numbers are read."""
    header, rows = _csv_rows(data_dir / "loans" / "sba_national.csv.gz", 10, opener=gzip.open)
    book = _write_book(tmp_path / "sba.xlsx", header, rows)
    _with_day_numbers(book, header)
    workbook = openpyxl.load_workbook(book)
    workbook.active.cell(row=11, column=header.index("ApprovalDate") + 1, value=99999)
    workbook.save(book)

    parsed = parse_loan_file(book)

    parsed.reconcile()
    assert parsed.rows.height == 0 and parsed.rows_quarantined == 10
    approval = parsed.quarantine.filter(pl.col("column_name") == "ApprovalDate").sort("line")
    assert approval["rule"].unique().to_list() == ["serial_date"] and approval["line"].to_list() == list(range(2, 12))
    assert approval["raw_value"][0] == "35489" and "looks like a spreadsheet day number" in approval["message"][0]
    assert "ApprovalDate" not in parsed.notes["excel_serial_dates_read"]
    assert parsed.notes["excel_serial_dates_read"]["DisbursementDate"] == 10


def test_a_workbook_whose_unread_columns_repeat_a_name_loads_both(data_dir, tmp_path):
    """Two `Note` columns the SBA format does not read: the sheet loads as its CSV twin does, both
    notes kept under names of their own; a repeated column the format reads refuses it."""
    header, rows = _csv_rows(data_dir / "loans" / "sba_national.csv.gz", 5, opener=gzip.open)
    noted = [row + [row[header.index("City")], row[header.index("Bank")]] for row in rows]
    parsed = parse_loan_file(_write_book(tmp_path / "sba.xlsx", header + ["Note", "Note"], noted))
    parsed.reconcile()
    assert _loans(parsed) == _loans(parse_loan_file(_write_csv(tmp_path / "sba.csv", header, rows)))
    assert parsed.notes["header_repeats"] == {"Note": ["Note", "Note_2"]}
    fields = [json.loads(f) for f in parsed.rows["source_fields"]]
    assert [(f["Note"], f["Note_2"]) for f in fields] == [(row[header.index("City")], row[header.index("Bank")])
                                                          for row in rows]
    with pytest.raises(FileRefused, match=r"sheet 'Loans' row 1: the header repeats column\(s\) \['GrAppv'\]"):
        parse_loan_file(_write_book(tmp_path / "twice.xlsx", header + ["GrAppv"], [row + ["1"] for row in rows]))


def test_workbook_cells_that_lost_their_value_are_quarantined_at_their_row(data_dir, tmp_path):
    """An error value, a value typed beyond the header's last column, and an id Excel turned into a
    float past 2^53 are quarantined with the sheet row; the other loans load."""
    header, rows = _csv_rows(data_dir / "loans" / "sba_national.csv.gz", 5, opener=gzip.open)
    book = _write_book(tmp_path / "sba.xlsx", header, rows)
    workbook = openpyxl.load_workbook(book)
    sheet = workbook.active
    sheet.cell(row=2, column=header.index("DisbursementGross") + 1, value="#N/A")
    sheet.cell(row=3, column=len(header) + 2, value="see note")  # two columns past the header
    sheet.cell(row=4, column=1, value=9.91214e15)  # LoanNr_ChkDgt as a float
    term = sheet.cell(row=5, column=header.index("Term") + 1)
    term.number_format = '0" months"'  # a literal suffix, shown but not stored: the value stays 84
    workbook.save(book)

    parsed = parse_loan_file(book)

    parsed.reconcile()
    assert sorted(parsed.rows["_source_line"].to_list()) == [5, 6]
    assert parsed.rows.sort("_source_line")["term_months"].to_list()[0] == int(rows[3][header.index("Term")])
    quarantined = {(r["line"], r["rule"]) for r in parsed.quarantine.iter_rows(named=True)}
    assert (2, "spreadsheet_error") in quarantined and (4, "sci_notation_id") in quarantined
    beyond = parsed.quarantine.filter(pl.col("line") == 3).row(0, named=True)
    assert beyond["rule"] == "malformed_record" and "beyond the header's 27 columns, in column(s) AC" in beyond["message"]


def test_an_unreadable_or_ambiguous_workbook_is_refused_by_name(data_dir, tmp_path):
    header, rows = _csv_rows(data_dir / "loans" / "lendingclub_2007_2011.csv", 3)
    two = _write_book(tmp_path / "two_tapes.xlsx", header, rows, extra_sheets={"June": [header, *rows]})
    with pytest.raises(FileRefused, match=r"two_tapes.xlsx: sheets 'Loans', 'June' all hold loan tapes"):
        parse_loan_file(two)

    notes = _write_book(tmp_path / "notes.xlsx", ["borrower", "amount"], [["A", "5"]])
    with pytest.raises(FileRefused, match=r"notes.xlsx: an Excel workbook with no visible sheet whose header fits.*"
                                          r"sheet 'Loans' first row \['borrower', 'amount'\]"):
        parse_loan_file(notes)

    protected = tmp_path / "protected.xlsx"  # Excel encrypts a password-protected workbook into an OLE2 file
    protected.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    with pytest.raises(FileRefused, match=r"protected.xlsx: a legacy Excel \(.xls\), a password-protected workbook"):
        parse_loan_file(protected)

    formulas = _write_book(tmp_path / "formulas.xlsx", header, rows)
    book = openpyxl.load_workbook(formulas)
    for row in (2, 3, 4):  # a generated report: the amount as a formula, never calculated
        book.active.cell(row=row, column=1, value=f"=1000*{row}")
    book.save(formulas)
    with pytest.raises(FileRefused, match=r"formulas.xlsx: sheet 'Loans' holds 3 formula cell\(s\) saved without "
                                          r"their value \(A2, A3, A4\).*Open and save it in Excel or LibreOffice"):
        parse_loan_file(formulas)
    calculated = _repacked(formulas, tmp_path / "calculated.xlsx", {  # as Excel saves it: each formula with its value
        SHEET_PART: lambda xml: re.sub(rb"<f>1000\*(\d)</f><v\s*/>", rb"<f>1000*\1</f><v>\g<1>000</v>", xml),
        BOOK_PART: _as_excel_saves})
    assert parse_loan_file(calculated).rows.sort("_source_line")["loan_amount"].to_list() == [2000.0, 3000.0, 4000.0]

    good = _write_book(tmp_path / "good.xlsx", header, rows).read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good[: len(good) // 2])  # landed before the copy finished
    with pytest.raises(FileRefused, match=r"cut.xlsx: not a readable Excel workbook"):
        parse_loan_file(cut)


def test_a_workbook_whose_sidecar_names_columns_no_sheet_has_is_refused_naming_them(data_dir, tmp_path):
    """The refusal said the sidecar "declares column(s) [...] that no sheet's header does not have",
    a double negative that reads as the opposite of what it means: it names the declared columns
    no sheet's header has."""
    _, rows = _csv_rows(data_dir / "loans" / "lendingclub_2007_2011.csv", 2)
    book = _write_book(tmp_path / "acme4.xlsx", ["Loan", "Issue", "Amount", "Status"],
                       [[row[0], row[2], row[1], row[-1]] for row in rows])
    (tmp_path / "acme4.xlsx.mapping.json").write_text(json.dumps({"name": "acme4", "columns": {
        "Loan ID": {"to": "source_loan_id"}, "Issue Date": {"to": "origination_date", "type": "date"},
        "Amount (USD)": {"to": "loan_amount", "type": "money"}, "Status": {"to": "loan_status"}}}))
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(book)
    assert (f"{tmp_path / 'acme4.xlsx.mapping.json'} (sidecar) declares column(s) ['Amount (USD)', 'Issue Date', "
            "'Loan ID'] that no sheet's header has (sheet 'Loans' first row ['Loan', 'Issue', 'Amount', 'Status'])"
            ) in str(refused.value)


SHEET_PART, BOOK_PART = "xl/worksheets/sheet1.xml", "xl/workbook.xml"


def _repacked(source: Path, target: Path, edits: dict[str, object]) -> Path:
    """A copy of workbook `source` at `target` with the named parts rewritten (part -> bytes -> bytes)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item.filename)
            new.writestr(item, edits[item.filename](data) if item.filename in edits else data)
    return target


def _as_excel_saves(book_xml: bytes) -> bytes:
    """A workbook part as Excel saves it: its formulas calculated, no recalculation asked of the next
    reader (openpyxl and XlsxWriter write `<calcPr fullCalcOnLoad="1"/>`)."""
    return re.sub(rb'\s*fullCalcOnLoad="(?:1|true)"', b"", book_xml)


def _prefixed(xml: bytes) -> bytes:
    """A part as the .NET Open XML SDK writes it: every element under the prefix `x:`."""
    return re.sub(rb"<(/?)(\w+)", rb"<\1x:\2", xml).replace(b'xmlns="', b'xmlns:x="', 1)


@pytest.mark.parametrize("writer", ["xlsxwriter", "recalc_with_values", "open_xml_sdk", "excel", "excel_prefixed"])
def test_formulas_whose_stored_value_is_no_result_refuse_the_workbook(writer, data_dir, tmp_path):
    """revol_bal written as formulas (`=13648*1`). XlsxWriter (pandas' to_excel) stores 0 beside each
    and asks for recalculation on opening (fullCalcOnLoad): the zeros are no balances and the book is
    refused naming the cells. The Open XML SDK writes `<x:c><x:f>13648*1</x:f><x:v /></x:c>`: no value
    under any prefix refuses it too. Saved by Excel (the value beside each formula, no recalculation
    asked), prefixed or not, the book loads its CSV's balances."""
    header, rows = _csv_rows(data_dir / "loans" / "lendingclub_2007_2011.csv", 12)
    column = header.index("revol_bal")
    assert column == 12 and all(row[column].isdigit() for row in rows)  # revol_bal is column M
    book = _write_book(tmp_path / "written.xlsx", header, rows)
    workbook = openpyxl.load_workbook(book)
    for number, row in enumerate(rows, start=2):
        workbook.active.cell(row=number, column=column + 1, value=f"={row[column]}*1")
    workbook.save(book)  # openpyxl: <c r="M2"><f>13648*1</f><v /></c>, and fullCalcOnLoad="1"

    stored = {"xlsxwriter": rb"<f>\1*1</f><v>0</v>", "recalc_with_values": rb"<f>\1*1</f><v>\1</v>", "open_xml_sdk": rb"<f>\1*1</f><v />"}.get(writer, rb"<f>\1*1</f><v>\1</v>")
    sheet = lambda xml: re.sub(rb"<f>(\d+)\*1</f><v\s*/>", stored, xml)  # noqa: E731
    edits = {"xlsxwriter": {SHEET_PART: sheet}, "recalc_with_values": {SHEET_PART: sheet},
             "open_xml_sdk": {SHEET_PART: lambda xml: _prefixed(sheet(xml)), BOOK_PART: _as_excel_saves},
             "excel": {SHEET_PART: sheet, BOOK_PART: _as_excel_saves},
             "excel_prefixed": {SHEET_PART: lambda xml: _prefixed(sheet(xml)), BOOK_PART: _as_excel_saves}}[writer]
    landed = _repacked(book, tmp_path / f"{writer}.xlsx", edits)
    if writer == "open_xml_sdk":
        with zipfile.ZipFile(landed) as archive:
            assert b'<x:c r="M2"><x:f>13648*1</x:f><x:v /></x:c>' in archive.read(SHEET_PART)

    if writer.startswith("excel"):
        parsed = parse_loan_file(landed)
        parsed.reconcile()
        assert parsed.rows.height == 12 and parsed.quarantine.height == 0
        assert parsed.rows.sort("_source_line")["revol_bal"].to_list() == [float(row[column]) for row in rows]
        assert _loans(parsed) == _loans(parse_loan_file(_write_csv(tmp_path / "lc.csv", header, rows)))
        return
    if writer == "open_xml_sdk":
        with pytest.raises(FileRefused, match=r"open_xml_sdk.xlsx: sheet 'Loans' holds 12 formula cell\(s\) saved without "
                                              r"their value \(M2, M3, M4, M5, M6, \.\.\.\): the program that wrote it "
                                              r"never calculated them, so they would read as empty.*Open and save it in"):
            parse_loan_file(landed)
        return
    # values stored (XlsxWriter's zeros, or a book's own), but recalculation asked: that is the reason, first
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(landed)
    assert str(refused.value) == (
        f"{landed}: the workbook asks for its formulas to be recalculated when it is opened (fullCalcOnLoad), so "
        "the values stored with sheet 'Loans''s 12 formula cell(s) (M2, M3, M4, M5, M6, ...) may be stale: a program "
        "that never calculated them writes it so (XlsxWriter and pandas store 0 beside each), and such a value is no "
        "result yet would load as one. Open and save it in Excel or LibreOffice (which store each formula's value), "
        "then land it again")


def test_a_strict_open_xml_workbook_is_refused_by_name_not_as_a_sheet_that_fits_no_format(data_dir, tmp_path):
    """Excel's "Strict Open XML Spreadsheet" writes the same parts under ISO/IEC 29500 Strict
    namespaces, in which openpyxl finds no sheet: the workbook is refused naming what it is and how to
    save it instead, not with advice to declare a mapping, and without openpyxl's warnings."""
    import warnings

    header, rows = _csv_rows(data_dir / "loans" / "lendingclub_2007_2011.csv", 12)
    book = _write_book(tmp_path / "transitional.xlsx", header, rows)
    assert parse_loan_file(book).rows.height == 12

    def strict(xml: bytes) -> bytes:
        for transitional, iso in ((b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                                   b"http://purl.oclc.org/ooxml/spreadsheetml/main"),
                                  (b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                                   b"http://purl.oclc.org/ooxml/officeDocument/relationships")):
            xml = xml.replace(transitional, iso)
        return xml

    with zipfile.ZipFile(book) as archive:
        landed = _repacked(book, tmp_path / "strict.xlsx", dict.fromkeys(archive.namelist(), strict))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # openpyxl's "invalid specification" warnings would raise here
        with pytest.raises(FileRefused, match=r"strict.xlsx: an Excel workbook saved as \"Strict Open XML Spreadsheet\" "
                                              r"\(namespace http://purl.oclc.org/ooxml/spreadsheetml/main\), which cannot "
                                              r"be read: open it in Excel and save it as an ordinary \"Excel Workbook "
                                              r"\(.xlsx\)\"") as refused:
            parse_loan_file(landed)
    assert "column mapping" not in str(refused.value)


def test_a_workbook_compressed_with_gzip_is_refused_as_a_workbook_not_as_a_zip_archive(data_dir, tmp_path):
    """A tape.xlsx.gz (a workbook gzipped for transfer) is refused saying to gunzip it and land the
    .xlsx, not to land "the files inside" the ZIP an .xlsx is."""
    header, rows = _csv_rows(data_dir / "loans" / "lendingclub_2007_2011.csv", 12)
    book = _write_book(tmp_path / "tape.xlsx", header, rows)
    landed = tmp_path / "tape.xlsx.gz"
    landed.write_bytes(gzip.compress(book.read_bytes()))
    with pytest.raises(FileRefused, match=r"tape.xlsx.gz: an Excel workbook compressed with gzip: unpack it \(gunzip\) "
                                          r"and land the .xlsx$"):
        parse_loan_file(landed)


def test_excel_owner_files_are_not_landed(tmp_path):
    """Excel writes `~$<name>.xlsx` beside a workbook while it is open: never a tape."""
    (tmp_path / "tape.xlsx").write_bytes(b"PK\x03\x04")
    (tmp_path / "~$tape.xlsx").write_bytes(b"\x0bjane.doe" + b" " * 40)
    assert [p.name for p in landable_files(tmp_path)] == ["tape.xlsx"]


def test_a_workbook_lands_in_the_lake_with_its_sheet_in_the_manifest(data_dir, risk_home, tmp_path):
    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.lake import connect

    header, rows = _csv_rows(data_dir / "loans" / "lendingclub_2007_2011.csv", 12)
    _write_book(risk_home.landing_loans / "lc_2024-07.xlsx", header, rows, title_rows=1)

    with connect(risk_home.lake_path) as con:
        report = land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, "run-1", asset="raw_loans")
        manifest = con.execute("SELECT status, format, rows_in_file, rows_loaded, non_data_lines, notes "
                               "FROM raw.landed_files").fetchall()
        lines = con.execute("SELECT min(_source_line), max(_source_line), count(*) FROM raw.loans").fetchone()

    assert [f.outcome for f in report.files] == ["loaded"]
    ((outcome, fmt, rows_in_file, loaded, non_data, notes),) = manifest
    assert (outcome, fmt, rows_in_file, loaded, non_data) == ("loaded", "lendingclub", 13, 12, 1)
    assert '"workbook_sheet": "Loans"' in notes and '"workbook_header_row": 2' in notes
    assert lines == (3, 14, 12)  # title row 1, header row 2: the loans are Excel rows 3-14


@pytest.mark.parametrize("case", ["F08_excel_export_bom_crlf.csv", "F12_loans_snapshot_2024-03.csv"])
def test_a_declared_mapping_reads_the_workbook_twin_of_its_csv(case, cases_dir, case_mappings, tmp_path):
    """The mapping's date formats (`%m/%d/%Y`, `%Y-%m` for a month) read the date cells Excel made
    of them; F08's ids, which Excel shows as 9.91214E+15, are quarantined in both (sci_notation_id).
    F08's issue date written as Excel's day number 45306 is quarantined in the CSV (serial_date: its
    date system is unknown there) and read as 2024-01-15 in the workbook, whose date system is known."""
    import json

    twin = parse_loan_file(cases_dir / case, mapping_dirs=case_mappings)
    header, rows = _csv_rows(cases_dir / case, 10**6, opener=lambda p, m, **kw: open(p, m, **{**kw, "encoding": "utf-8-sig"}))
    book = _write_book(tmp_path / case.replace(".csv", ".xlsx"), header, rows)
    mapping_dir = tmp_path / "mappings"
    mapping_dir.mkdir()
    for source in case_mappings[0].glob("*.json"):
        declared = json.loads(source.read_text())
        declared["applies_to"] = [glob.replace(".csv", ".xlsx") for glob in declared["applies_to"]]
        (mapping_dir / source.name).write_text(json.dumps(declared))

    parsed = parse_loan_file(book, mapping_dirs=[mapping_dir])

    parsed.reconcile()
    rules = lambda p: sorted(p.quarantine.select("line", "rule").unique().rows())  # noqa: E731
    serial = [line for line, rule in rules(twin) if rule == "serial_date"]
    assert parsed.format == twin.format and parsed.rows.height == twin.rows.height + len(serial)
    assert [row for row in _loans(parsed) if row[-1] not in serial] == _loans(twin)
    assert rules(parsed) == [(line, rule) for line, rule in rules(twin) if line not in serial]
    if case.startswith("F08"):
        assert {rule for _, rule in rules(parsed)} >= {"sci_notation_id"} and serial == [6]
        assert parsed.rows.filter(pl.col("_source_line") == 6)["origination_date"].to_list() == [dt.date(2024, 1, 15)]
        assert parsed.notes["excel_serial_dates_read"] == {"issue_date": 1}
    else:
        assert parsed.rows["snapshot_date"].unique().to_list() == [dt.date(2024, 3, 31)]


@pytest.mark.parametrize(("value", "number_format", "text"), [
    (0.1065, "0.00%", "10.65%"),                   # a rate Excel shows as a percentage
    (10.65, '0.00"%"', "10.65%"),                  # a literal % sign: shown, not scaled
    (0.1 + 0.2, "General", "0.3"),                 # Excel's 15 significant digits, not 0.30000000000000004
    (1.5e-05, "General", "0.000015"),              # positional, never 1.5e-05
    (60000.0, '"$"#,##0.00', "$60000"),            # money: the number with its currency's mark, as the CSV writes it
    (5000, "#,##0.00 [$€-407]", "5000 €"),         # a currency tag after the number (German euro)
    (5000, "[$EUR] #,##0", "EUR5000"),             # a currency tag naming its ISO 4217 code
    (5000, '"€"#,##0', "€5000"),                   # a quoted sign
    (5000, "[$£-809]#,##0.00", "£5000"),
    (5000, "[$$-409]#,##0.00", "$5000"),           # US dollars: a USD tape reads 5000
    (5000, '#,##0,"K"', "5000"),                   # a literal that names no currency
    (5000, "[$-409]#,##0", "5000"),                # a locale tag without a symbol
    (9912140000000000, "0", "9.9121400000000000e+15"),  # past 2^53: its digits are not exact
    (float("inf"), "General", "#NUM!"),            # no cell holds one; Excel would show #NUM!
    (True, "General", "TRUE"),
    (None, "General", ""),
])
def test_a_cell_is_written_as_excel_shows_it_in_a_csv(value, number_format, text):
    from types import SimpleNamespace

    from risk_assets.lib.ingest.workbook import _cell

    assert _cell(SimpleNamespace(value=value, number_format=number_format)) == text


@pytest.mark.parametrize(("number_format", "written"), [
    ("#,##0.00 [$€-407]", "5000 €"), ("[$EUR] #,##0.00", "EUR5000"), ('"€"#,##0', "€5000"),
    ("[$£-809]#,##0.00", "£5000"), ("[$$-409]#,##0.00", None)])
def test_amounts_under_another_currency_s_format_are_quarantined_as_their_csv_would_be(number_format, written, data_dir,
                                                                                       tmp_path):
    """A German lender's tape in LendingClub's columns, its amounts Euro cells: Save as CSV writes
    `5.000,00 €`, which a USD tape quarantines as currency_mismatch; so are the cells, never loaded
    as dollars. A tape whose mapping declares EUR reads them; dollar cells load in the USD tape."""
    header, rows = _csv_rows(data_dir / "loans" / "lendingclub_2007_2011.csv", 12)
    amounts = [header.index(c) for c in ("loan_amnt", "annual_inc", "revol_bal")]
    book = _write_book(tmp_path / "kredite.xlsx", header, rows)
    workbook = openpyxl.load_workbook(book)
    for number in range(2, len(rows) + 2):
        for column in amounts:
            workbook.active.cell(row=number, column=column + 1).number_format = number_format
    workbook.save(book)

    parsed = parse_loan_file(book)

    parsed.reconcile()
    if written is None:  # dollars in a USD tape
        assert _loans(parsed) == _loans(parse_loan_file(_write_csv(tmp_path / "lc.csv", header, rows)))
        return
    assert parsed.rows.height == 0 and parsed.rows_quarantined == 12
    rules = sorted({(r["column_name"], r["rule"]) for r in parsed.quarantine.iter_rows(named=True)})
    assert rules == [("annual_inc", "currency_mismatch"), ("loan_amnt", "currency_mismatch"), ("revol_bal", "currency_mismatch")]
    first = parsed.quarantine.filter((pl.col("line") == 2) & (pl.col("column_name") == "loan_amnt")).row(0, named=True)
    assert rows[0][0] == "5000" and first["raw_value"] == written
    assert "is an amount marked with another currency than the tape's" in first["message"]
    if "£" in written:
        return
    write_euro_mapping(book)
    in_euros = parse_loan_file(book)
    in_euros.reconcile()
    assert in_euros.quarantine.height == 0 and set(in_euros.rows["currency"]) == {"EUR"}
    assert in_euros.rows.sort("_source_line")["loan_amount"].to_list() == [float(row[0]) for row in rows]


def test_a_workbook_whose_header_comes_back_in_another_layout_is_refused_at_that_row(data_dir, tmp_path):
    """Two monthly sheets pasted one under the other, the second with annual_inc and revol_bal
    renamed and swapped: read by position, its loans would load incomes as balances. The workbook
    is refused at the row of the second header, naming the renamed columns."""
    header, rows = _csv_rows(data_dir / "loans" / "lendingclub_2007_2011.csv", 6)
    second = list(header)
    i, j = header.index("annual_inc"), header.index("revol_bal")
    second[i], second[j] = "revolving_balance", "annual_income"
    book = _write_book(tmp_path / "q1.xlsx", header, rows[:3] + [second] + rows[3:])
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(book)
    assert str(refused.value).startswith(
        f"{book}: sheet 'Loans': line 5 is a header with another layout (columns not in the first header: "
        "revolving_balance, annual_income; columns of the first header missing: annual_inc, revol_bal)")


def test_hidden_and_filtered_rows_and_hidden_columns_are_read_and_named(data_dir, tmp_path):
    """A workbook a user filtered to the charged-off loans and whose income column is hidden: every
    loan is read, as Save as CSV writes it, and the notes name the hidden rows and the hidden column,
    so a reader who meant the filtered view as the tape learns that the rest is in it."""
    header, rows = _csv_rows(data_dir / "loans" / "lendingclub_2007_2011.csv", 12)
    book = _write_book(tmp_path / "filtered.xlsx", header, rows)
    workbook = openpyxl.load_workbook(book)
    sheet = workbook["Loans"]
    status = header.index("loan_status")
    hidden = [number for number, row in enumerate(rows, start=2) if row[status] != "Charged Off"]
    for number in hidden:
        sheet.row_dimensions[number].hidden = True
    sheet.column_dimensions["E"].hidden = True  # annual_inc
    sheet.auto_filter.ref = f"A1:P{len(rows) + 1}"
    workbook.save(book)

    parsed = parse_loan_file(book)

    parsed.reconcile()
    assert header[4] == "annual_inc" and parsed.rows.height == 12 and parsed.quarantine.height == 0
    assert parsed.notes["hidden_rows_read"] == hidden and len(hidden) == 9  # 3 of the first 12 loans charged off
    assert parsed.notes["hidden_columns_read"] == ["annual_inc"]
    assert parsed.rows.sort("_source_line")["annual_income"].to_list() == [float(row[4]) for row in rows]


def test_date_cells_under_a_month_format_say_the_days_they_drop(tmp_path):
    """A lender's workbook whose mapping declares its first-payment month '%b-%Y': date cells on the
    15th and the 28th load as their months and are said by row, a cell on the 1st is a month as
    written, and a text cell '15/03/2019' is no month in the format (unparsable_date), as in the CSV."""
    book = tmp_path / "acme_tape.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["loan_id", "amount", "first_payment"])
    for row in (["A-1001", 12000, dt.datetime(2019, 3, 15)], ["A-1002", 8500, dt.datetime(2019, 3, 1)],
                ["A-1003", 20000, dt.datetime(2019, 2, 28)], ["A-1004", 5000, "15/03/2019"]):
        sheet.append(row)
    workbook.save(book)
    Path(f"{book}.mapping.json").write_text(json.dumps({
        "name": "acme", "columns": {"loan_id": {"to": "source_loan_id", "required": True},
                                    "amount": {"to": "loan_amount", "type": "money"},
                                    "first_payment": {"to": "origination_date", "type": "date", "format": "%b-%Y"}}}),
        "utf-8")
    parsed = parse_loan_file(book)
    assert parsed.rows.sort("_source_line").select("_source_line", "origination_date").rows() == [
        (2, dt.date(2019, 3, 1)), (3, dt.date(2019, 3, 1)), (4, dt.date(2019, 2, 1))]
    assert parsed.notes["date_day_dropped"] == {
        "first_payment": {"rows": 2, "lines": [2, 4], "kept": "the month: 2019-03-15 loads as 2019-03-01"}}
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (5, "first_payment", "unparsable_date", "15/03/2019")]


def test_date_cells_of_a_1904_date_system_workbook_load_on_their_day(tmp_path):
    """A workbook saved by Excel for Mac in the 1904 date system stores 15 March 2019 as day 41712,
    not 43539: its date cells load on the days they show, as a 1900-system workbook's do."""
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    book = tmp_path / "acme_mac.xlsx"
    workbook = openpyxl.Workbook()
    workbook.epoch = CALENDAR_MAC_1904
    sheet = workbook.active
    sheet.append(["loan_id", "amount", "issued"])
    for row in (["A-1001", 12000, dt.datetime(2019, 3, 15)], ["A-1002", 8500, dt.datetime(2011, 12, 1)]):
        sheet.append(row)
    workbook.save(book)
    with zipfile.ZipFile(book) as archive:
        assert b'date1904="1"' in archive.read("xl/workbook.xml") or b"date1904=\"true\"" in archive.read("xl/workbook.xml")
    Path(f"{book}.mapping.json").write_text(json.dumps({
        "name": "acme", "columns": {"loan_id": {"to": "source_loan_id", "required": True},
                                    "amount": {"to": "loan_amount", "type": "money"},
                                    "issued": {"to": "origination_date", "type": "date"}}}), "utf-8")
    parsed = parse_loan_file(book)
    assert parsed.quarantine.height == 0
    assert parsed.rows.sort("_source_line").select("_source_line", "origination_date").rows() == [
        (2, dt.date(2019, 3, 15)), (3, dt.date(2011, 12, 1))]
