"""Excel workbooks (.xlsx, .xlsm) as loan tapes: a sheet's cells as the text records the tape
parser reads, each with the row number Excel shows.

Lenders keep tapes in workbooks, and "Save as CSV" loses nothing a workbook reader cannot recover,
so landing reads the workbook itself (openpyxl, read-only, the values Excel last calculated) and
writes each cell as that CSV would:

- text as typed (an id stored as text keeps its leading zeros; Excel's `'` prefix is not part of it);
- a number in positional notation, a whole one without `.0`; one formatted as a percentage as the
  percentage it shows (0.1065 under `0.00%` -> `10.65%`), since a tape's rate column is read as
  percent; one under a currency format with the currency's mark (`5000 €` under `#,##0.00 [$€-407]`,
  `currency_mark`), so that an amount in another currency than the tape's is quarantined; a float
  at or past 2^53 in scientific notation, so that as an id it is quarantined (its digits are not
  exact: IEEE 754 has a 53-bit significand);
- a date cell in the date format the tape's mapping declares for its column (so the typed parse reads
  back the same day), ISO 8601 elsewhere; a date-time whose time of day is not midnight with that
  time after its date (`13:30:00`), as a CSV export writes it, so that the parse's date rules judge
  the time (dropped and noted, or quarantined where a time may be a midnight in another zone) rather
  than never see it; a month column (`months_from_days`) whose cells hold other days or times in
  ISO 8601, `2011-12-15`, for the same reason; an error value (`#N/A`, `#REF!`) as its text, which the
  parse quarantines as `spreadsheet_error`;
- TRUE / FALSE for a boolean.

A row's line is its row number in the sheet, the number a user finds in Excel. Rows above the header
are notes, empty rows blank, a row that repeats the header `repeated_header`; a row with values
beyond the header's last column is malformed (the values are never dropped). Only visible sheets are
read; the notes name the sheet read and the others. Hidden or filtered rows and hidden columns are
read, as "Save as CSV" writes them, and named in the notes (`hidden_rows_read`, `hidden_columns_read`).

Merged cells: a workbook stores a merged range's value in its top-left cell only, and the read-only
reader does not see the ranges (`<mergeCells>` is read from the sheet's XML instead, `merged_ranges`).
A range that runs down the rows of one column below the header (a report that "groups" its loans by
state or status) gives its value to every row it covers, as Excel shows it; the cells filled are
counted per column in the notes (`merged_cells_filled`). A range over several rows and columns of
data is named in the notes (`merged_ranges_not_filled`) and left as stored; ranges above the header
and ranges within one row (a title or a note spread across columns) are left as stored too.

A date cell holding Excel's day 60 (1900-02-29, a day Excel's 1900 date system counts although it
never existed; `LeapDay1900`) is flagged `excel_leap_day_1900`: openpyxl reads it as 1900-02-28,
the day of serial 59, so the day meant cannot be told. Days 1-59 and from 61 on are read as the days
Excel shows.

A date column's number cells (dates pasted as values into General cells, `35489`) are read as the
days they name in the workbook's date system (1900, or 1904: `workbookPr date1904`), when the
caller names the column (`records(serial_dates=...)`) and each of its numbers is a whole five-digit
day up to 2100 (`serial_days`); the notes count them (`excel_serial_dates_read`). Otherwise they are
written as their digits, which the parse quarantines as `serial_date`.

A date cell under a column the caller reads as text (`records(text_columns=...)`, a loan id that
Excel turned into a date on typing, `3-12` -> 12 March) is flagged `date_cell_in_text_column`: the
text as typed is lost, and the date is no value of the column.

Formulas: openpyxl reads the value Excel cached when it saved the file. A workbook written by a
program that never calculated its formulas holds no cached value: such cells are listed
(`uncalculated_formulas`, whatever namespace prefix the sheet's elements carry) and the tape is
refused rather than read with them empty. A workbook that asks for its formulas to be recalculated
on opening (`fullCalcOnLoad`, XlsxWriter's, with 0 stored beside each) holds no value that is a
result: every formula cell is listed (`recalculates_on_load`).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from risk_assets.lib.ingest import csv_text
from risk_assets.lib.ingest.parsed import FileRefused

HEADER_SEARCH_ROWS = 30
"""Rows of a sheet searched for the header (title and note rows often sit above it)."""

Cell = str | dt.date | dt.datetime
"""A cell as read: its text, or a date / datetime to be written in its column's date format."""


@dataclass
class Sheet:
    """One visible worksheet: its name and its rows, each (row number as Excel shows it, cells)."""

    name: str
    rows: list[tuple[int, list[Cell]]]
    uncalculated: list[str] = field(default_factory=list)
    """References of formula cells saved without a value (`C2`): see `uncalculated_formulas`."""
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    """Merged ranges as (first column, first row, last column, last row), 1-based: see `merged_ranges`."""
    hidden_rows: list[int] = field(default_factory=list)
    """Rows hidden or filtered out of view (1-based): see `hidden_lines`."""
    hidden_columns: list[int] = field(default_factory=list)
    """Columns hidden from view (1-based): see `hidden_lines`."""
    recalculated: bool = False
    """The workbook asks for its formulas to be recalculated on opening (`recalculates_on_load`) and
    every formula cell of the sheet holds a stored value, which may be stale rather than missing."""
    epoch: dt.datetime = dt.datetime(1899, 12, 30)
    """Day 0 of the workbook's date system (WINDOWS_EPOCH, or 1904-01-01 in the 1904 system): see `serial_days`."""
    links: dict[tuple[int, int], str] = field(default_factory=dict)
    """Web addresses of linked cells by (row, column), 1-based: see `cell_links`."""

    def head(self) -> list[tuple[int, list[str]]]:
        """The first HEADER_SEARCH_ROWS rows as stripped text, for finding the header."""
        return [(number, [render(cell).strip() for cell in cells]) for number, cells in self.rows[:HEADER_SEARCH_ROWS]]


def read_sheets(path: Path, content: bytes) -> tuple[list[Sheet], list[str]]:
    """The visible worksheets of a workbook, every cell as `Cell`, and the names of the sheets not read
    (hidden ones, chart sheets).

    Raises:
        FileRefused: the bytes are not a readable workbook (a file copied before it was complete), or
            one saved as Strict Open XML (STRICT_SPREADSHEETML).
            (A password-protected workbook is an encrypted OLE2 file, not a ZIP: landing refuses it
            before it gets here, `csv_text.read_landed_bytes`.)
    """
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    book_xml = workbook_part(content)
    if STRICT_SPREADSHEETML in book_xml:
        raise FileRefused(f"{path}: an Excel workbook saved as \"Strict Open XML Spreadsheet\" (namespace "
                          f"{STRICT_SPREADSHEETML.decode()}), which cannot be read: open it in Excel and save it as "
                          "an ordinary \"Excel Workbook (.xlsx)\" (or the sheet as CSV UTF-8) and land that")
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileRefused(f"{path}: not a readable Excel workbook ({type(exc).__name__}: {str(exc)[:200]}); "
                          "was it landed before it was fully written? Else save the sheet as CSV (UTF-8) and land that") from None
    recalculated = recalculates_on_load(book_xml)
    try:
        sheets, skipped = [], []
        for sheet in book.worksheets:
            if sheet.sheet_state != "visible":
                skipped.append(f"{sheet.title} ({sheet.sheet_state})")
                continue
            sheet.reset_dimensions()  # a writer's stated dimensions may be wrong; read to the last row
            rows = [(number, [_cell(c) for c in row]) for number, row in enumerate(sheet.iter_rows(), start=1)]
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                xml = archive.read(sheet._worksheet_path)
            if book.epoch == WINDOWS_EPOCH:
                rows = _leap_day_1900(rows, xml)
            uncalculated = uncalculated_formulas(content, sheet._worksheet_path, xml, recalculated)
            # a formula saved with no value at all is said so, whether or not the workbook asks to recalculate
            valued = recalculated and not uncalculated_formulas(content, sheet._worksheet_path, xml)
            sheets.append(Sheet(sheet.title, rows, uncalculated, merged_ranges(xml), *hidden_lines(xml),
                                recalculated=valued, epoch=book.epoch,
                                links=cell_links(content, sheet._worksheet_path, xml)))
        skipped += [f"{s.title} (chart sheet)" for s in book.chartsheets]
    finally:
        book.close()
    return sheets, skipped


class Number(str):
    """A number cell's text (`_cell`), told from the same digits typed as text: in a date column a
    whole one may be an Excel serial date, read by the workbook's date system (`serial_days`)."""


class ShownNumber(str):
    """A number cell's text with the mark its number format shows (`10.65%`, `$5000.5`, `_cell`):
    written with a decimal point, as `Number` is, but no serial date."""


def in_decimal(cell: Cell, text: str, decimal: str) -> str:
    """`text`, a cell's rendering, with `decimal` for its decimal point where the cell is a number
    (`Number`, `ShownNumber`), so that a number cell reads in a tape's dialect as its text cells do
    (`1234.56` -> `1234,56` under a decimal comma); a text cell's text as typed."""
    if decimal != "." and isinstance(cell, Number | ShownNumber):
        return text.replace(".", decimal)
    return text


SERIAL_DATE = re.compile(r"^\d{5}$")
"""A whole number that may be an Excel serial date: five digits, as `loan_formats`' serial_date rule
reads a day number (10000 is 1927-05-18 in the 1900 date system)."""
SERIAL_LAST_YEAR = 2100
"""The last year a serial date may land in, as a tape's dates may (`loan_formats._date`: 1900-2100)."""


def serial_days(cells: Sequence[Cell], epoch: dt.datetime) -> list[dt.date] | None:
    """The days a date column's number cells (`Number`) name as Excel serial dates counted from
    `epoch` (the workbook's date system, 1900 or 1904: Excel knows it, so a workbook's day number
    is a day, where a CSV's is not), in order; None when any of them is no whole five-digit number
    (SERIAL_DATE) or lands after SERIAL_LAST_YEAR: such a column's numbers are not all serial
    dates (a date typed as digits, `22897` for 2/28/97), and none is read as one."""
    days = []
    for cell in cells:
        if not SERIAL_DATE.match(cell):
            return None
        day = (epoch + dt.timedelta(days=int(cell))).date()
        if day.year > SERIAL_LAST_YEAR:
            return None
        days.append(day)
    return days


class TimeCell(str):
    """A time-of-day or duration cell's text as openpyxl reads it (`12:00:00`, `1 day, 2:00:00`),
    told from the same text typed; `days` is the number Excel stores for it, a time of day as a
    fraction of a day (12:00:00 is 0.5)."""

    days: float = 0.0


def _time_cell(value: dt.time | dt.timedelta) -> TimeCell:
    """A time or duration cell (`_cell`) as its text, with the days it stores."""
    cell = TimeCell(xstring_text(str(value)))
    if isinstance(value, dt.timedelta):
        cell.days = value.total_seconds() / 86400
    else:
        cell.days = (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400
    return cell


def _stored_days(cell: dt.date | TimeCell, epoch: dt.datetime) -> str:
    """The number Excel stores for a date, date-time or time cell in a workbook of date system
    `epoch` (its day 0): days since then, a time as their fraction ('45000' for 2023-03-15, '0.5' for
    12:00:00), as `%.10g` writes it."""
    if isinstance(cell, TimeCell):
        return f"{cell.days:.10g}"
    moment = cell if isinstance(cell, dt.datetime) else dt.datetime.combine(cell, dt.time())
    return f"{(moment - epoch).total_seconds() / 86400:.10g}"


class LeapDay1900(str):
    """A date cell holding Excel's day 60 in the 1900 date system, written as Excel shows it
    (`1900-02-29`): a day that never existed. Excel counts 1900 as a leap year (kept from Lotus 1-2-3
    for compatibility; Microsoft, "Excel incorrectly assumes that the year 1900 is a leap year"), so
    day 60 is no date; openpyxl reads it as 1900-02-28, the same day as day 59. `records` flags the
    cell `excel_leap_day_1900` for the parse to quarantine."""


WINDOWS_EPOCH = dt.datetime(1899, 12, 30)
"""Day 0 of Excel's 1900 date system as openpyxl counts it (`openpyxl.utils.datetime.WINDOWS_EPOCH`)."""
_SERIAL_59_OR_60 = dt.datetime(1900, 2, 28)


def _leap_day_1900(rows: list[tuple[int, list[Cell]]], xml: bytes) -> list[tuple[int, list[Cell]]]:
    """`rows` with each date cell read as 1900-02-28 whose stored serial (the sheet XML's `<v>`) is
    60, not 59, replaced by LeapDay1900. Only such cells are looked up: the XML is searched once per
    cell, and a tape holds none but by mistake."""
    from openpyxl.utils import get_column_letter

    out = []
    for number, cells in rows:
        for i, cell in enumerate(cells):
            if isinstance(cell, dt.date) and (cell.year, cell.month, cell.day) == (1900, 2, 28):
                ref = f"{get_column_letter(i + 1)}{number}".encode()
                found = re.search(rb'<c\b[^>]*\br="' + ref + rb'"[^>]*>(?:(?!</c>).)*?<v>\s*([^<]*?)\s*</v>', xml, re.S)
                if found and 60 <= float(found.group(1)) < 61:
                    cells = [*cells[:i], LeapDay1900("1900-02-29"), *cells[i + 1:]]
        out.append((number, cells))
    return out


_FORMULA_WITHOUT_VALUE = re.compile(
    rb'<(?:\w+:)?c\b(?P<attrs>[^>]*)>\s*<(?:\w+:)?f\b[^>]*(?:/>|>[^<]*</(?:\w+:)?f>)\s*'
    rb'(?P<value><(?:\w+:)?v\s*/>|<(?:\w+:)?v>(?P<text>[^<]*)</(?:\w+:)?v>)?\s*</(?:\w+:)?c>')
"""A formula cell (`<c r="M2"><f>13648*1</f><v>0</v></c>`), its value element and that element's text
when it has one. Elements may carry any namespace prefix (`<x:c>`, `<x:f>`, `<x:v />`: the .NET Open
XML SDK writes them so), as `_HIDDEN_ROW` and `_MERGE_CELL` allow."""
_CELL_REF = re.compile(rb'\br="([A-Z]+[0-9]+)"')


def uncalculated_formulas(content: bytes, part: str, xml: bytes | None = None, recalculated: bool = False) -> list[str]:
    """Cells of worksheet part `part` (`xl/worksheets/sheet1.xml`) that hold a formula and no value.

    Excel and LibreOffice save each formula's last value beside it (`<f>A2*B2</f><v>84</v>`), and that
    value is what landing reads; a program that writes formulas without calculating them (openpyxl,
    most report generators) leaves `<v>` out or empty (`<v/>`, `<x:v />`), and the cell would read as
    empty. An empty value of a formula typed as text (`t="str"`) is a calculated empty string and is
    not listed. `recalculated`: the workbook asks for its formulas to be recalculated on opening
    (`recalculates_on_load`), so no stored value is a result and every formula cell is listed.
    `xml`: the part's bytes when the caller has read them already.
    """
    if xml is None:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            xml = archive.read(part)
    refs = []
    for found in _FORMULA_WITHOUT_VALUE.finditer(xml):
        valued = found["text"] is not None and found["text"].strip() != b""
        if not recalculated and (valued or (found["value"] and b't="str"' in found["attrs"])):
            continue
        ref = _CELL_REF.search(found["attrs"])
        refs.append(ref.group(1).decode() if ref else "?")
    return refs


_OFFICE_DOCUMENT = re.compile(rb'<(?:\w+:)?Relationship\b[^>]*\bType="[^"]*/officeDocument"[^>]*>')
_TARGET = re.compile(rb'\bTarget="/?([^"]+)"')


def workbook_part(content: bytes) -> bytes:
    """The bytes of a workbook's workbook part (`xl/workbook.xml`, or where the package's
    relationships put it: ECMA-376 Part 2, 9.3), b"" when it cannot be read (openpyxl then says why)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            rels = archive.read("_rels/.rels") if "_rels/.rels" in archive.namelist() else b""
            target = (_TARGET.search(found.group(0)) if (found := _OFFICE_DOCUMENT.search(rels)) else None)
            return archive.read(target.group(1).decode() if target else "xl/workbook.xml")
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return b""


STRICT_SPREADSHEETML = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
"""The SpreadsheetML namespace of ISO/IEC 29500 Strict (Excel's "Strict Open XML Spreadsheet"), in
place of the transitional `http://schemas.openxmlformats.org/spreadsheetml/2006/main`: openpyxl
finds no sheet in such a workbook (and warns about each), so it is refused by name."""

_FULL_CALC_ON_LOAD = re.compile(rb'<(?:\w+:)?calcPr\b[^>]*\bfullCalcOnLoad="(?:1|true)"')


def recalculates_on_load(book_xml: bytes) -> bool:
    """Whether a workbook part asks for every formula to be recalculated when the workbook is opened
    (`<calcPr fullCalcOnLoad="1"/>`, ECMA-376 Part 1, 18.2.2). XlsxWriter (which pandas' `to_excel`
    uses) writes it, with a value of 0 stored beside each formula it never calculated; Excel and
    LibreOffice recalculate and save real values without it. In such a workbook no formula's stored
    value is a result (`uncalculated_formulas`). Read from the XML: openpyxl takes an absent
    attribute for true."""
    return bool(_FULL_CALC_ON_LOAD.search(book_xml))


_MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Za-z]+[0-9]+(?::[A-Za-z]+[0-9]+)?)"')


_HYPERLINK_FORMULA = re.compile(
    rb'<(?:\w+:)?c\b[^>]*?\br="([A-Za-z]+[0-9]+)"[^>]*>\s*<(?:\w+:)?f\b[^>]*>\s*(?:_xlfn\.)?HYPERLINK\(\s*'
    rb'(?:"|&quot;)((?:(?!"|&quot;).)*)(?:"|&quot;)\s*[,)]', re.I | re.S)
"""A cell whose formula is `HYPERLINK("https://...", "Open")` with its address written out whole (not
built from other cells, `"https://x/"&B2`)."""
_HYPERLINK_ELEMENT = re.compile(rb'<(?:\w+:)?hyperlink\b[^>]*?>')
_ATTRIBUTE = re.compile(rb'\b([\w:]+)="([^"]*)"')
_RELATIONSHIP = re.compile(rb'<(?:\w+:)?Relationship\b[^>]*?>')


def cell_links(content: bytes, part: str, xml: bytes) -> dict[tuple[int, int], str]:
    """The web address each linked cell of worksheet part `part` points to, by (row, column),
    1-based: a `HYPERLINK("https://...", "Open")` formula's first argument, or the target of a
    hyperlink attached to the cell (`<hyperlinks><hyperlink ref="D3" r:id="rId1"/>`, its address in
    the part's relationships; ECMA-376 Part 1, 18.3.1.47). The cell's value is the text it shows
    ('Open', 'Reuters'), which openpyxl's read-only mode reads and is no address. Links within the
    workbook (a `location` alone) are left out; {} when the sheet has none."""
    from html import unescape

    from openpyxl.utils.cell import coordinate_to_tuple

    links: dict[tuple[int, int], str] = {}
    if b"HYPERLINK" in xml.upper():
        for found in _HYPERLINK_FORMULA.finditer(xml):
            links[coordinate_to_tuple(found.group(1).decode().upper())] = unescape(found.group(2).decode())
    if b"hyperlink" not in xml:
        return links
    rels_part = part.rsplit("/", 1)[0] + "/_rels/" + part.rsplit("/", 1)[1] + ".rels"
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            rels = archive.read(rels_part)
    except KeyError:
        rels = b""
    targets = {}
    for element in _RELATIONSHIP.finditer(rels):
        attributes = {k.split(b":")[-1]: v for k, v in _ATTRIBUTE.findall(element.group())}
        if b"Id" in attributes and b"Target" in attributes:
            targets[attributes[b"Id"]] = unescape(attributes[b"Target"].decode())
    for element in _HYPERLINK_ELEMENT.finditer(xml):
        attributes = dict(_ATTRIBUTE.findall(element.group()))
        target = targets.get(attributes.get(b"r:id", b""))
        ref = attributes.get(b"ref", b"").decode().upper()
        if target and re.fullmatch(r"[A-Z]+[0-9]+", ref):  # a range's link names its first cell only
            links.setdefault(coordinate_to_tuple(ref), target)
    return links


def merged_ranges(xml: bytes) -> list[tuple[int, int, int, int]]:
    """The merged ranges a worksheet part declares (`<mergeCells><mergeCell ref="D2:D5"/>`, ECMA-376
    Part 1, 18.3.1.55), as (first column, first row, last column, last row), 1-based; [] when it
    declares none. Read from the XML because openpyxl's read-only mode, which streams big sheets,
    does not expose merged cells; a scan for the element costs little beside the read itself."""
    from openpyxl.utils.cell import range_boundaries

    if b"mergeCell" not in xml:
        return []
    ranges = []
    for found in _MERGE_CELL.finditer(xml):
        min_col, min_row, max_col, max_row = range_boundaries(found.group(1).decode().upper())
        ranges.append((min_col, min_row, max_col, max_row))
    return ranges


_HIDDEN_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*?\bhidden="(?:1|true)"[^>]*>')
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_HIDDEN_COLUMNS = re.compile(rb'<(?:\w+:)?col\b[^>]*?>')


def hidden_lines(xml: bytes) -> tuple[list[int], list[int]]:
    """The rows and columns a worksheet part hides (`<row r="7" hidden="1">`, `<col min="3" max="4"
    hidden="1"/>`; ECMA-376 Part 1, 18.3.1.73 and 18.3.1.13): rows a filter or the user hid, and
    hidden columns, 1-based, ascending. Landing reads them, as Excel's "Save as CSV" writes them,
    and names them in the notes (`hidden_rows_read`, `hidden_columns_read`): a filtered view may
    have been meant as the tape, and the reader should know the hidden loans are in it."""
    rows = sorted(int(m.group(1)) for found in _HIDDEN_ROW.finditer(xml)
                  if (m := _ROW_NUMBER.search(found.group(0))))
    columns: set[int] = set()
    for found in _HIDDEN_COLUMNS.finditer(xml):
        tag = found.group(0)
        if re.search(rb'\bhidden="(?:1|true)"', tag):
            low, high = re.search(rb'\bmin="(\d+)"', tag), re.search(rb'\bmax="(\d+)"', tag)
            if low and high:
                columns.update(range(int(low.group(1)), int(high.group(1)) + 1))
    return rows, sorted(columns)


def _cell(cell) -> Cell:
    """One openpyxl cell as the text a CSV export writes (dates kept for their column's format)."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime) and value.time() == dt.time() and not _shows_time(cell):
        return value.date()  # a date cell: the day alone, as its format shows it
    if isinstance(value, dt.datetime | dt.date):
        return value
    if isinstance(value, int | float):
        number_format = getattr(cell, "number_format", None) or ""
        if "%" in _LITERALS.sub("", number_format):  # 0.00%: Excel shows the value x 100
            return ShownNumber(_number_text(value * 100) + "%")
        if "%" in number_format:  # 0.0"%": a literal sign
            return ShownNumber(_number_text(value) + "%")
        if (marked := currency_mark(number_format)) and np.isfinite(value):
            mark, before = marked
            return ShownNumber(f"{mark}{_number_text(value)}" if before else f"{_number_text(value)} {mark}")
        return Number(_number_text(value))
    if isinstance(value, dt.time | dt.timedelta):
        return _time_cell(value)
    return xstring_text(str(value))  # text or an error value (#N/A)


_XSTRING_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def xstring_text(text: str) -> str:
    """A cell's text with the escapes Office Open XML writes for characters XML cannot hold decoded
    (ST_Xstring, ECMA-376 Part 1 22.9.2.19): `_x000B_` is the vertical tab Excel for Mac writes for
    a line break in a cell, `_x000D_` a carriage return, `_x005F_` an underscore that escapes a
    typed `_x...`; openpyxl gives them as written. `'car_x000B_loan'` -> `'car\x0bloan'`. A text
    whose escapes name half a character (a lone surrogate) is returned as written."""
    if "_x" not in text:
        return text
    decoded = _XSTRING_ESCAPE.sub(lambda found: chr(int(found[1], 16)), text)
    try:  # a character past U+FFFF is escaped as its two UTF-16 halves
        return decoded.encode("utf-16", "surrogatepass").decode("utf-16")
    except UnicodeDecodeError:
        return text


_LITERALS = re.compile(r'"[^"]*"|\\.')
"""Literal text in an Excel number format: a quoted string or a backslash-escaped character."""
_FORMAT_PARTS = re.compile(r'\[\$(?P<tag>[^\]-]*)[^\]]*\]|"(?P<quoted>[^"]*)"|\\(?P<escaped>.)|\[[^\]]*\]|(?P<sign>[$€£¥₹])')
"""The parts of a number format that may name a currency: a currency tag `[$€-407]` (its symbol, then
an optional locale: `[$-409]` names a locale only), a quoted or escaped literal, another bracket
(`[Red]`, `[>=100]`: skipped) and a bare currency sign (Excel shows `$` unquoted)."""
_CURRENCY_LITERAL = re.compile(r"[$€£¥₹]|^[A-Z]{3}$|^Fr\.$")
"""A literal that is a currency mark: one holding a currency sign (`"€"`, `"US$"`), an ISO 4217 code
(`"EUR"`) or the Swiss franc's `Fr.`; other literals (`"K"`, `" months"`) are not."""


def currency_mark(number_format: str) -> tuple[str, bool] | None:
    """(the currency mark a number format shows, whether before the number) for a currency format:
    `#,##0.00 [$€-407]` -> ('€', False), `[$EUR] #,##0` -> ('EUR', True), `"$"#,##0.00` -> ('$', True),
    `[$£-809]#,##0.00` -> ('£', True); None for a format that shows none (`General`, `#,##0,"K"`,
    `[$-409]#,##0`). Read in the format's first section (positive numbers). Excel's "Save as CSV"
    writes the mark with the number (`5.000,00 €`), so the parse reads a workbook's amount as that
    CSV's: a mark of the tape's currency is removed, another quarantines it (`currency_mismatch`)."""
    section = re.match(r'(?:"[^"]*"|\\.|[^;])*', number_format).group(0)
    for found in _FORMAT_PARTS.finditer(section):
        mark = (found["tag"] or found["quoted"] or found["escaped"] or found["sign"] or "").strip()
        if mark and (found["tag"] or found["sign"] or _CURRENCY_LITERAL.search(mark)):
            ahead = re.sub(r"\[[^\]]*\]", "", _LITERALS.sub("", section[:found.start()]))
            return mark, not re.search(r"[0#?]", ahead)
    return None


def _shows_time(cell) -> bool:
    """Whether a cell's number format shows a time of day (hours, seconds or AM/PM; an `m` is
    minutes only beside them), so that a date cell at midnight is told from a date-time at 00:00."""
    number_format = _LITERALS.sub("", getattr(cell, "number_format", None) or "")
    return bool(re.search(r"(?i)[hs]|am/pm|a/p", re.sub(r"\[[^\]]*\]", "", number_format)))


DATE_OR_DATE_TIME = "date or date-time"
"""A `render` format for a column whose cells may be dates or date-times (a news feed's
publication time): a date cell is written `%Y-%m-%d`, a date-time `%Y-%m-%dT%H:%M:%S`, so a reader
can tell a day from a time at midnight."""


def _number_text(value: int | float) -> str:
    """A number in positional notation (1250, 13.25, 0.000015), never 1e-05; one at or past 2^53 in
    scientific notation (`9.9121400000000000e+15`): every number in a workbook is a double, whatever
    the XML writes (openpyxl gives an int for `9912140000000000`), so its whole digits are not exact."""
    if not np.isfinite(value):  # no cell holds one; Excel shows #NUM!, which is quarantined as spreadsheet_error
        return "#NUM!"
    if abs(value) >= csv_text.FLOAT_EXACT_LIMIT:
        return f"{float(value):.16e}"
    if isinstance(value, int):
        return str(value)
    if value == int(value):
        return str(int(value))
    return np.format_float_positional(float(f"{value:.15g}"), trim="-")


def _writes_time(date_format: str) -> bool:
    """Whether a strftime format writes a time of day itself (%H, %I, %M, %S, %p, %f, %z, %X, %c, %T)."""
    return re.search(r"%[HIMSpfzXcT]", date_format) is not None


def _holds_time(cell: Cell) -> bool:
    """Whether a cell is a date-time whose time of day is not midnight (`13:30`, `23:00`)."""
    return isinstance(cell, dt.datetime) and cell.time() != dt.time()


def render(cell: Cell, date_format: str = "%Y-%m-%d") -> str:
    """A cell's text: a date or datetime in `date_format` (strftime; `DATE_OR_DATE_TIME`: each as
    it is), anything else as read. A datetime whose time of day is not midnight, under a format that
    writes no time, is followed by its time in ISO 8601 (`2011-12-15 13:30:00`, `.250000` for a
    fraction of a second), as a CSV export of the cell writes it, so that a reader's date rules
    decide what the time means rather than never see it; at midnight the date alone is written."""
    if date_format == DATE_OR_DATE_TIME and isinstance(cell, dt.date):
        return cell.strftime("%Y-%m-%dT%H:%M:%S" if isinstance(cell, dt.datetime) else "%Y-%m-%d")
    if _holds_time(cell) and not _writes_time(date_format):
        return f"{cell.strftime(date_format)} {cell.time().isoformat()}"
    if isinstance(cell, dt.datetime | dt.date):
        return cell.strftime(date_format)
    return cell


def find_header(sheet: Sheet, fits: Callable[[list[str]], object]) -> tuple[int, object] | None:
    """(row number, what `fits` returned) for the first of the sheet's head rows that `fits`
    accepts (returns a truthy value for), else None."""
    for number, cells in sheet.head():
        found = fits(cells)
        if found:
            return number, found
    return None


def the_sheet(path: Path, sheets: list[Sheet], not_read: list[str], fits: Callable[[list[str]], object],
              holds: str, misfit: str = "", remedy: str = "") -> tuple[Sheet, int, object, dict[str, object]]:
    """The one visible sheet whose header (within its first HEADER_SEARCH_ROWS rows) `fits`.

    Args:
        holds: what a fitting sheet holds, plural ("loan tapes", "news feeds"), for the messages.
        misfit: said after "no visible sheet whose header fits ..." when none fits (what was expected).
        remedy: the last sentence of that message (what to do).

    Returns:
        (sheet, header row number, what `fits` returned, notes: `workbook_sheet`,
        `workbook_header_row` and `workbook_sheets_not_read` when other sheets were skipped).

    Raises:
        FileRefused: two sheets fit (which one is meant is ambiguous); none fits (each sheet's first
            row is quoted, and the sheets not read); the sheet holds formulas saved without their
            value (see `uncalculated_formulas`).
    """
    found = [(sheet, hit) for sheet in sheets if (hit := find_header(sheet, fits))]
    if len(found) > 1:
        raise FileRefused(f"{path}: sheets {', '.join(repr(s.name) for s, _ in found)} all hold {holds}; "
                          "which one to land is ambiguous: save each sheet as its own workbook or CSV and land those")
    if not found:
        firsts = "; ".join(f"sheet {s.name!r} first row {next((c for _, c in s.head() if any(c)), [])[:12]}" for s in sheets)
        raise FileRefused(f"{path}: an Excel workbook with no visible sheet whose header fits {misfit}"
                          + f" ({firsts or 'no visible sheet'}"
                          + (f"; not read: {', '.join(not_read)}" if not_read else "") + "). " + remedy)
    sheet, (header_row, hit) = found[0]
    if sheet.uncalculated:
        shown = ", ".join(sheet.uncalculated[:5]) + (", ..." if len(sheet.uncalculated) > 5 else "")
        if sheet.recalculated:  # values stored, but maybe not the formulas' results: say so, not that they lack one
            said = (f"the workbook asks for its formulas to be recalculated when it is opened (fullCalcOnLoad), so the "
                    f"values stored with sheet {sheet.name!r}'s {len(sheet.uncalculated):,} formula cell(s) ({shown}) "
                    "may be stale: a program that never calculated them writes it so (XlsxWriter and pandas store 0 "
                    "beside each), and such a value is no result yet would load as one")
        else:
            said = (f"sheet {sheet.name!r} holds {len(sheet.uncalculated):,} formula cell(s) saved without their value "
                    f"({shown}): the program that wrote it never calculated them, so they would read as empty")
        raise FileRefused(f"{path}: {said}. Open and save it in Excel or LibreOffice (which store "
                          "each formula's value), then land it again")
    notes: dict[str, object] = {"workbook_sheet": sheet.name, "workbook_header_row": header_row}
    others = [s.name for s in sheets if s is not sheet] + not_read
    if others:
        notes["workbook_sheets_not_read"] = others
    return sheet, header_row, hit, notes


def records(
    path: Path,
    sheet: Sheet,
    header_row: int,
    date_formats: dict[str, str],
    line_kinds: Sequence[tuple[str, str]] = (),
    text_columns: Collection[str] = (),
    reads: Callable[[str], bool] | None = None,
    serial_dates: Collection[str] = (),
    decimal: str = ".",
    numbers: Collection[str] = (),
    months_from_days: Collection[str] = (),
) -> csv_text.TextRecords:
    """The sheet's data rows below `header_row` as text records (`_source_line` = sheet row), with
    the merged ranges over data rows filled (see the module's docstring; `notes` counts them).

    Args:
        date_formats: column -> strftime format for its date cells (the mapping's declared format);
            other columns write dates as ISO 8601.
        line_kinds: (kind, regex) pairs matched against a row's cells joined by commas, as a CSV
            export writes the row: a match is a non-data row of that kind (markers, footers).
        text_columns: columns read as text (a loan id, a status): a date cell under one of them is
            flagged (`flagged`: line, column, `date_cell_in_text_column`) for the parse to quarantine.
        reads: whether the caller reads a column by this name (`csv_text.distinct_header`): a
            repeated name is refused only then; another repeat is read under a name of its own
            (`comment_2`), listed in notes['header_repeats']. None: every column is read.
        serial_dates: date columns whose whole-number cells are read as Excel serial dates, when
            all of them are (`serial_days`), counted in notes['excel_serial_dates_read']; a number
            cell of another column, or of one whose numbers are not all serials, is its digits.
        decimal, numbers: the number cells of the columns in `numbers` (those the caller reads as
            numbers in its dialect) are written with `decimal` for their decimal point (`in_decimal`),
            so that they read as the column's text cells, written in the tape's dialect (`1.234,56`), do.
        months_from_days: date columns whose format names a month without its day (LendingClub's
            `%b-%Y`) and whose reader reads an ISO 8601 date as its month too: where a date cell of
            one names a day other than the 1st or a time of day other than midnight, the column's
            date cells are written `%Y-%m-%d` (with the time, `render`), so that the day and the
            time reach the reader's rules as in the CSV twin instead of being dropped by the format.

    Raises:
        FileRefused: the header repeats a column name that is read (names compared whatever their
            case) or holds `_source_line`; names file, sheet and row.
    """
    from openpyxl.utils import get_column_letter

    where = f"{path}: sheet {sheet.name!r} row {header_row}"
    header_cells = next(cells for number, cells in sheet.rows if number == header_row)
    width = max((i + 1 for i, c in enumerate(header_cells) if render(c).strip()), default=0)
    written = csv_text.named_columns([render(c).strip() for c in header_cells[:width]])
    header, repeats = csv_text.distinct_header(written, where, reads, [render(c) for c in header_cells[:width]])
    if "_source_line" in header:
        raise FileRefused(f"{where}: column '_source_line' is a lineage column the lake sets itself; drop or rename it")
    formats = [date_formats.get(name, "%Y-%m-%d") for name in header]
    kinds = [(kind, re.compile(pattern)) for kind, pattern in line_kinds]
    rows, notes = _filled_merges(sheet, header_row, header)
    rows, serial_rows = _serial_dates(rows, header_row, header, set(serial_dates), sheet.epoch)
    for i, name in enumerate(header):
        if name in set(months_from_days) and any(
                i < len(cells) and isinstance(cells[i], dt.date) and (cells[i].day != 1 or _holds_time(cells[i]))
                for number, cells in rows if number > header_row):
            formats[i] = "%Y-%m-%d"  # the days the month format would drop
    # a month column (`%b-%Y`) writes a date cell's month alone: the days it drops are listed for the reader to say
    months_at = {i for i, fmt in enumerate(formats) if "%" in fmt and "%d" not in fmt and "%j" not in fmt}
    days_in_months: dict[str, dict[int, str]] = {}
    texts_at = {i for i, name in enumerate(header) if name in set(text_columns)}
    numbers_at = {i for i, name in enumerate(header) if name in set(numbers)} if decimal != "." else set()
    read_as_numbers = [i for i, name in enumerate(header) if name in set(numbers)]
    date_cells: dict[str, dict[int, tuple[str, str]]] = {}

    non_data: list[tuple[int, str]] = [(n, "note") for n, _ in rows if n < header_row]
    marked: dict[int, str] = {}
    good: list[list[str]] = []
    lines: list[int] = []
    malformed: list[tuple[int, str, str]] = []
    flagged: list[tuple[int, str, str]] = []
    for number, cells in rows:
        if number <= header_row:
            continue
        texts = [render(c, formats[i] if i < width else "%Y-%m-%d") for i, c in enumerate(cells)]
        joined = ",".join(texts).rstrip(",")
        if not any(t.strip() for t in texts):
            non_data.append((number, "blank"))
            continue
        if [t.strip() for t in texts[:width]] == written and not any(t.strip() for t in texts[width:]):
            non_data.append((number, "repeated_header"))
            marked[number] = joined
            continue
        named = [t.strip() for t in texts[:width]] + [t.strip() for t in texts[width:] if t.strip()]
        if (layout := csv_text.header_repeat(named, written)) in ("reordered", "changed"):
            raise csv_text.layout_refusal(f"{path}: sheet {sheet.name!r}", number, named, written, layout)
        if layout == "same":  # spelled as columns are matched (`Loan Amnt` for `loan_amnt`)
            non_data.append((number, "repeated_header"))
            marked[number] = joined
            continue
        kind = next((k for k, pattern in kinds if pattern.search(joined)), None)
        if kind:
            non_data.append((number, kind))
            marked[number] = joined
            continue
        beyond = [i for i in range(width, len(texts)) if texts[i].strip()]
        if beyond:
            malformed.append((number, joined, f"values beyond the header's {width} columns, in column(s) "
                                              f"{', '.join(get_column_letter(i + 1) for i in beyond)}"))
            continue
        texts = [in_decimal(cells[i], text, decimal) if i in numbers_at else text for i, text in enumerate(texts)]
        good.append(texts[:width] + [""] * (width - len(texts)))
        lines.append(number)
        for i in months_at:
            if i < len(cells) and isinstance(cells[i], dt.date) and cells[i].day != 1:
                days_in_months.setdefault(header[i], {})[number] = cells[i].strftime("%Y-%m-%d")
        flagged += [(number, header[i], "date_cell_in_text_column") for i in sorted(texts_at)
                    if i < len(cells) and isinstance(cells[i], dt.date | dt.datetime)]
        flagged += [(number, header[i], "excel_leap_day_1900") for i in range(min(width, len(cells)))
                    if isinstance(cells[i], LeapDay1900)]
        for i in read_as_numbers:  # a date or time cell where a number belongs: what it stores
            if i < len(cells) and isinstance(cells[i], dt.date | TimeCell):
                what = ("time" if isinstance(cells[i], TimeCell)
                        else "date and time" if _holds_time(cells[i]) else "date")
                date_cells.setdefault(header[i], {})[number] = (what, _stored_days(cells[i], sheet.epoch))
    if serials := {header[i]: n for i, read in serial_rows.items() if (n := len(read & set(lines)))}:
        notes["excel_serial_dates_read"] = serials
    hidden_read = sorted(set(sheet.hidden_rows) & set(lines))
    if hidden_read:
        notes["hidden_rows_read"] = hidden_read
    if repeats:
        notes["header_repeats"] = repeats
    if hidden_columns := [header[i - 1] for i in sheet.hidden_columns if i <= width]:
        notes["hidden_columns_read"] = hidden_columns
    fields = pl.DataFrame([pl.Series(name, [row[i] for row in good], pl.Utf8) for i, name in enumerate(header)]
                          + [pl.Series("_source_line", lines, pl.Int64)])
    bad = pl.DataFrame(malformed, schema={"line": pl.Int64, "raw_value": pl.Utf8, "message": pl.Utf8}, orient="row")
    return csv_text.TextRecords(header=header, fields=fields, malformed=bad, non_data_lines=sorted(non_data),
                                marked_text=marked, flagged=flagged, notes=notes, days_in_month_columns=days_in_months,
                                date_cells_in_number_columns=date_cells)


def _serial_dates(rows: list[tuple[int, list[Cell]]], header_row: int, header: list[str], columns: set[str],
                  epoch: dt.datetime) -> tuple[list[tuple[int, list[Cell]]], dict[int, set[int]]]:
    """`rows` with the number cells below `header_row` of each named date column replaced by the
    days they name as Excel serial dates, where all of them do (`serial_days`); and {column index:
    the rows whose cell was replaced}."""
    at = [i for i, name in enumerate(header) if name in columns]
    read: dict[int, set[int]] = {}
    rows = list(rows)
    for i in at:
        where = [(k, number) for k, (number, cells) in enumerate(rows)
                 if number > header_row and i < len(cells) and isinstance(cells[i], Number)]
        days = serial_days([rows[k][1][i] for k, _ in where], epoch) if where else None
        if not days:
            continue
        for (k, number), day in zip(where, days):
            cells = list(rows[k][1])
            cells[i] = day
            rows[k] = (number, cells)
        read[i] = {number for _, number in where}
    return rows, read


def _filled_merges(sheet: Sheet, header_row: int, header: list[str]) -> tuple[list[tuple[int, list[Cell]]], dict[str, object]]:
    """The sheet's rows with each merged range below `header_row` that runs down one column filled
    with its top-left value, as Excel shows it (the file stores the value in the top-left cell only);
    and the notes: `merged_cells_filled` (column -> cells filled) and `merged_ranges_not_filled`
    (references of ranges over several rows and columns of data, left as stored)."""
    from openpyxl.utils import get_column_letter

    down = [r for r in sheet.merged if r[1] > header_row and r[3] > r[1] and r[0] == r[2]]
    blocks = [r for r in sheet.merged if r[1] > header_row and r[3] > r[1] and r[2] > r[0]]
    notes: dict[str, object] = {}
    if blocks:
        notes["merged_ranges_not_filled"] = [f"{get_column_letter(a)}{b}:{get_column_letter(c)}{d}" for a, b, c, d in blocks]
    if not down:
        return sheet.rows, notes
    rows = [(number, list(cells)) for number, cells in sheet.rows]
    at = {number: i for i, (number, _) in enumerate(rows)}
    filled: dict[str, int] = {}
    for column, first, _, last in sorted(down, key=lambda r: (r[1], r[0])):
        top = rows[at[first]][1] if first in at else []
        value = top[column - 1] if column - 1 < len(top) else ""
        if value == "":
            continue
        name = header[column - 1] if column - 1 < len(header) else get_column_letter(column)
        for number in range(first + 1, last + 1):
            if number not in at:  # a row past the last one read: nothing below it to fill
                continue
            cells = rows[at[number]][1]
            cells.extend([""] * (column - len(cells)))
            cells[column - 1] = value
            filled[name] = filled.get(name, 0) + 1
    if filled:
        notes["merged_cells_filled"] = filled
    return rows, notes
