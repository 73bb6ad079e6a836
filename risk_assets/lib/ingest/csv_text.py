"""Text-first reading of delimited files: bytes -> UTF-8 text -> records of text fields, each with
the physical line it starts on.

No value is typed here: every field stays the exact text the file held, so that the typed parse that
follows (`loan_formats`, `news_formats`) can quarantine a value with its raw text and line. The
reading is vectorised with polars: the SBA file (899,164 records x 27 fields) takes about 3 CPU-seconds on two
cores.

Physical lines: a record normally occupies one line. A quoted field may hold line breaks (a
LendingClub `desc` typed with hard returns); such a record spans several physical lines and is
numbered by its first. Record boundaries are found by quote parity: a line with an odd number of
`"` characters opens (or closes) a quoted field that continues on the next line (RFC 4180 escapes a
quote as `""`, which keeps the parity). A quote that is text (`Operator 12" press`) or never closed
would make every line after it one record: a record of several lines that a CSV reader would not
read as one record of the header's field count is split again after its first line (`_resync`), so
such a quote costs at most its own line; a file that ends inside a quoted field over lines (a copy
cut short) is one malformed record, not one per line (`_cut_inside_quote`), marked as cut there
(`TextRecords.cut_in_quoted_field`). A record with a quoted
field never closed, or with text
after its closing quote, is malformed: a lenient reader would load a value the file does not hold.
A quoted field with a line break that also holds such a quote (`"Need 12" press` + line break +
`for my shop"`) leaves the parity of its lines wrong; its lines are joined again into the one
malformed record they are (`_quoted_fields_over_lines`), so its last line is neither a record of
its own nor a note. A file whose writer escapes a quote with a backslash (`\\"`, Spark's and MySQL's
CSV) has those records rewritten as RFC 4180 quotes them first, when that reads more of them whole
(`_backslash_escapes`).
"""

from __future__ import annotations

import codecs
import csv
import difflib
import gzip
import io
import re
import unicodedata
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from risk_assets.lib.ingest.parsed import FileRefused

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
"""A ZIP archive's end record with no local file before it: an archive of no file."""
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_QUOTED = r'"(?:[^"]|"")*"'
"""A quoted CSV field, escaped quotes included (RFC 4180 section 2.7)."""


FLOAT_EXACT_LIMIT = 2.0**53
"""Whole numbers past 2^53 are not all representable in a float64 (IEEE 754: 53-bit significand):
such a number from a typed source (Parquet, a workbook) is written in scientific notation, and as
an id it is quarantined."""

SCI_NOTATION = r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]\d+$"
"""A number as a spreadsheet shows it in scientific notation (9.91214E+15, 1.2346E+05, 7.5E-01; a
continental locale's `9,91214E+15` with its decimal comma): its digits are lost. The exponent is
always signed, so an id such as 2019E00123 is not taken for one."""

CONTROL_CHARACTER = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
"""A C0 control character other than tab, line feed and carriage return, or DEL: never part of a
value (a NUL comes from a binary or truncated export); Python and polars regex alike."""

LINE_BREAK_IN_CELL = "\x0b\x0c\x85\u2028\u2029"
"""The characters an export writes for a line break typed inside a cell: the vertical tab U+000B
(Excel for Mac, FileMaker), the form feed U+000C (a long description's page break), NEL U+0085, and
Unicode's LINE SEPARATOR U+2028 and PARAGRAPH SEPARATOR U+2029. In free text each stands for the
line feed a quoted CSV field holds; elsewhere it is no part of a value."""

def fold_header_name(name: str) -> str:
    """A header name as it is matched against the names a format or mapping declares: its Unicode
    format characters (general category Cf: a second byte-order mark U+FEFF, zero-width space
    U+200B, joiners, word joiner U+2060, LRM/RLM, soft hyphen U+00AD, ...) removed, each run of
    white space (a no-break or other Unicode space, category Zs, included) one plain space, and the
    ends trimmed: `'\\u200bamount'` and `'amount\\u00a0'` are `'amount'`. Case is kept (callers
    casefold). No viewer shows these characters, so they must not decide whether a column matches;
    `header_name_marks` names those a name held, for the file's notes."""
    kept = "".join(" " if unicodedata.category(c) == "Zs" else c for c in name
                   if unicodedata.category(c) != "Cf")
    return re.sub(r"\s+", " ", kept).strip()


def column_name_key(name: str) -> str:
    """A column name as header and mapping are matched: casefolded, each run of blanks or
    underscores between words one space (`Annual  Income (USD)`, typed with two, is the mapping's
    `Annual Income (USD)`; Tableau's and Power BI's display names `Loan Amnt`, `Loan Status` are
    LendingClub's `loan_amnt`, `loan_status`); an underscore at either end stays (`_id` is not `id`).
    Characters no viewer shows and Unicode spaces are folded first (`fold_header_name`):
    `\\u200bamount` and `loan_id\\u00a0` are `amount` and `loan_id` (notes `header_invisible_characters`)."""
    return re.sub(r"(?<=\S)[\s_]+(?=\S)", " ", fold_header_name(name)).casefold()


def nearest_name(name: str, names: Sequence[str], key: Callable[[str], str] = column_name_key) -> str | None:
    """The one of `names` (as written) closest to `name` when both are compared as `key` (difflib's
    ratio 0.6 or more), else None: a refusal's 'did you mean' for a declared column a file lacks
    (`Chargeoff_Date` for a mapping's `ChargeOff_Dt`)."""
    keys = {key(candidate): candidate for candidate in reversed(names) if candidate}
    close = difflib.get_close_matches(key(name), list(keys), n=1, cutoff=0.6)
    return keys[close[0]] if close else None


def header_name_marks(name: str) -> list[str]:
    """The invisible characters and Unicode spaces other than U+0020 in a header name, each once in
    the order written, by code point and Unicode name (`['U+200B ZERO WIDTH SPACE']`); [] for a
    name that `fold_header_name` leaves as written but for plain blanks around it."""
    found = [c for c in name if unicodedata.category(c) == "Cf" or (unicodedata.category(c) == "Zs" and c != " ")]
    return [character_name(c) for c in dict.fromkeys(found)]


def header_marks_note(header: Sequence[str]) -> dict[str, str]:
    """The note `header_invisible_characters` of a header: {column name as matched
    (`fold_header_name`): the characters folded out of it, `header_name_marks` joined by ', '}, for
    each name that held one (`{'id': 'U+200B ZERO WIDTH SPACE'}`); {} for a header without any."""
    return {fold_header_name(name): ", ".join(marks) for name in header if (marks := header_name_marks(name))}


BINARY_LINE_SHARE = 0.1
"""Share of a first line's characters (of its first 200) that, as control characters other than tab
or as bytes no character (U+FFFD), make it binary rather than text; one NUL does too."""


def first_line_said(line: str) -> str:
    """A file's first line as a message quotes it: its first 200 characters as Python writes them
    ('loan_id,amount'), or, for a binary line (BINARY_LINE_SHARE), that it is binary with its longest
    printable run, never the escaped bytes themselves: "binary, not text (its longest printable run: 'ARROW1')"."""
    head = line[:200]
    odd = sum(1 for char in head if (char < " " and char != "\t") or char in "\x7f\ufffd")
    if "\x00" not in head and odd <= BINARY_LINE_SHARE * len(head):
        return repr(head)
    run = max(re.findall(r"[ -~]+", head), key=len, default="").strip()[:40]
    return "binary, not text" + (f" (its longest printable run: {run!r})" if len(run) >= 3 else "")


def header_marks_said(line: str) -> str:
    """The part of a refusal that names the characters no viewer shows in a header line's names
    (split at any of `,;|` and tab): ` Its names hold characters no viewer shows, which are matched
    without them: '\\u200bamont' (U+200B ZERO WIDTH SPACE).`; '' for a line without any. A name
    that still matches nothing is then seen for what it is, not as a name the file has."""
    marked = [f"{name!r} ({', '.join(marks)})" for name in re.split(r"[,;|\t]", line.removeprefix("\ufeff"))
              if (marks := header_name_marks(name.strip(" \"")))]
    return (f" Its names hold characters no viewer shows, which are matched without them: {', '.join(marked[:4])}"
            f"{', ...' if len(marked) > 4 else ''}." if marked else "")


def character_name(character: str) -> str:
    """A character by code point and Unicode name, as messages and notes name one: 'U+200B ZERO WIDTH
    SPACE', 'U+000B LINE TABULATION', 'U+0000 NULL' (the names Python's unicodedata lacks for C0
    controls come from their Unicode aliases; U+FEFF is said to be a byte-order mark)."""
    said = f"U+{ord(character):04X} {unicodedata.name(character, '') or _C0_NAMES.get(character, 'CONTROL')}"
    return said + " (a byte-order mark)" if character == "\ufeff" else said


_C0_NAMES = {chr(n): name for n, name in enumerate((
    "NULL", "START OF HEADING", "START OF TEXT", "END OF TEXT", "END OF TRANSMISSION", "ENQUIRY",
    "ACKNOWLEDGE", "ALERT", "BACKSPACE", "CHARACTER TABULATION", "LINE FEED", "LINE TABULATION",
    "FORM FEED", "CARRIAGE RETURN", "SHIFT OUT", "SHIFT IN", "DATA LINK ESCAPE", "DEVICE CONTROL ONE",
    "DEVICE CONTROL TWO", "DEVICE CONTROL THREE", "DEVICE CONTROL FOUR", "NEGATIVE ACKNOWLEDGE",
    "SYNCHRONOUS IDLE", "END OF TRANSMISSION BLOCK", "CANCEL", "END OF MEDIUM", "SUBSTITUTE", "ESCAPE",
    "FILE SEPARATOR", "GROUP SEPARATOR", "RECORD SEPARATOR", "UNIT SEPARATOR"))} | {"\x7f": "DELETE", "\x85": "NEXT LINE"}
"""The Unicode names (formal aliases) of the C0 control characters, DEL and NEL (the line break of
LINE_BREAK_IN_CELL among the C1 controls), which `unicodedata.name` does not give."""


def control_character_said(text: str) -> str:
    """What a quarantine message says of a value holding control characters (CONTROL_CHARACTER),
    naming each by code point and name: 'holds control character U+0000 NULL (a NUL byte: a binary
    or truncated export)'; for one without a NUL, 'holds control characters U+000B LINE TABULATION,
    U+001C FILE SEPARATOR (no text holds one: a line break or separator an export wrote inside the
    value, or a binary file)'. Never claims a NUL that is not there."""
    named = control_characters_named(text)
    plural = "s" if "," in named else ""
    why = ("a NUL byte: a binary or truncated export" if "\x00" in text else
           "no text holds one: a line break or separator an export wrote inside the value, or a binary file")
    return f"holds control character{plural} {named} ({why})"


def control_characters_named(text: str) -> str:
    """The control characters (CONTROL_CHARACTER) and line breaks written inside a cell
    (LINE_BREAK_IN_CELL: NEL, U+2028, U+2029 too) a value holds, each once in the order written, by
    code point and name, joined by ', ': 'U+000B LINE TABULATION, U+001C FILE SEPARATOR'; '' for none."""
    found = re.findall(f"{CONTROL_CHARACTER}|[{LINE_BREAK_IN_CELL}]", text)
    return ", ".join(character_name(c) for c in dict.fromkeys(found))


END_OF_FILE_MARKER = r"^\x1a+\s*$"
"""A last line holding only Ctrl-Z (SUB, 0x1A): the end-of-file mark that DOS tools and some
mainframe transfers append. A non-data line (`end_of_file_marker`), not a malformed record."""

def nul_padding(data: bytes) -> tuple[int, int] | None:
    """(offset of the first NUL byte, how many NUL bytes) of the NUL bytes, and line ends among
    them, that end `data`; None when it does not end so. Such an end is the zero-filled space a copy
    writes into when it sets the file's size aside first (a pre-allocating transfer or download
    client) and stops before filling it, or the blocks a file system leaves after a crash: no data.
    Its lines of NULs alone are non-data lines (`nul_padding`), and the file's notes say so with the
    byte count, since the copy may be cut short. Read from the end, 64 KiB at a time."""
    start = len(data)
    while start:
        chunk = data[max(0, start - (1 << 16)):start]
        kept = chunk.rstrip(b"\x00\r\n")
        start -= len(chunk) - len(kept)
        if kept:
            break
    tail = data[start:]
    return (start + tail.index(b"\x00"), tail.count(b"\x00")) if b"\x00" in tail else None


SPREADSHEET_ERROR = r"(?i)^#(?:N/A(?:\s+\S.*)?|VALUE!|REF!|DIV/0!|NUM!|NAME\?|NULL!|SPILL!|CALC!|FIELD!|BLOCKED!|CONNECT!|BUSY!|UNKNOWN!|GETTING_DATA)$"
"""An Excel error value (#N/A, #VALUE!, #REF!, #DIV/0!, ...: Microsoft's list of formula errors) left
in a cell, or one of the Bloomberg add-in's (`#N/A N/A` for no data, `#N/A Requesting Data...` for a
pull not finished, `#N/A Invalid Security`): the value was lost in a spreadsheet before the file
was written."""

COLUMN_TOO_NARROW = r"^#{3,}$"
"""'########': Excel's display of a value (a date, a number) wider than its column; "Save as CSV"
writes cells as displayed, so the value itself was lost."""

ID_WRAPPERS = (
    (r'^="(.*)"$', "$1"),             # ="1077175": Excel's formula that forces text
    (r"^'", ""),                      # '1076863: Excel's text marker
    (r"^(\d+)\.0+$", "$1"),            # 1077501.0: an integer id that passed through a float column
)
"""(pattern, replacement) pairs that undo what spreadsheets and float columns do to ids, applied in
order (an id written with digit grouping, 1,077,502, is read first: ID_GROUPED_FORMS). Replacements
use `$1` (polars); `unwrap_id` applies them in Python."""

APOSTROPHES = "'\u2019"
"""The apostrophes a Swiss number is grouped with: typed ' or typeset U+2019 (1'234.50, 1’234.50)."""
WIDE_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
"""Every Unicode space (general category Zs) other than U+0020: those French, Nordic and SI
typesetting group digits with, no-break space U+00A0, narrow no-break space U+202F, thin space
U+2009 (CLDR number symbols), and those a word processor or typesetter writes for them, the figure
space U+2007 (a digit's width, made for aligning numbers), the en and em spaces U+2000-U+2006, the
punctuation and hair spaces U+2008 and U+200A, the medium mathematical space U+205F, the ideographic
space U+3000 and the Ogham space mark U+1680. A digit grouping of any width is one mark."""
SPACES = " " + WIDE_SPACES
"""Every space a number is grouped with (a plain space and WIDE_SPACES)."""

ID_GROUPED_FORMS = (
    r"^([1-9]\d{0,2}(?:,\d{3})+)(?:\.0+)?$",                 # 1,077,502 (and 1,077,502.00)
    r"^([1-9]\d{0,2}(?:\.\d{3}){2,})(?:,0+)?$",               # 1.000.014.003 (German, Dutch, Italian, ...)
    r"^([1-9]\d{0,2}(?:\.\d{3})+),0+$",                      # 14.003,00: one group, with a decimal comma
    rf"^([1-9]\d{{0,2}}(?:[{SPACES}]\d{{3}})+)(?:,0+)?$",     # 1 000 084 002 (French, Nordic: no-break spaces)
    rf"^([1-9]\d{{0,2}}(?:[{APOSTROPHES}]\d{{3}})+)(?:\.0+)?$",  # 1'000'146'010 (Swiss)
)
"""An id shown with a number format's digit grouping, in the locales' separators (CLDR number
symbols: `,` English, `.` German and most of continental Europe, a space or no-break space French
and Nordic, an apostrophe Swiss), with the decimal zeros a currency or 2-decimal format adds. The
first group holds the digits without their separators. A single `.` group (`1.000`) is left alone:
it may be a float's `1.000`, one, as much as a thousand."""


ID_GROUPED_DECIMAL_COMMA = (
    r"^([1-9]\d{0,2}(?:\.\d{3})+)(?:,0+)?$",                   # 7.000, 14.003, 1.000.014.003 (and ,00)
    *ID_GROUPED_FORMS[3:],
)
"""ID_GROUPED_FORMS for a tape whose dialect declares '.' thousands and a decimal comma (a German,
Dutch, Italian or Spanish export): there one '.ddd' group is grouping too (`7.000` is 7000, not a
float's 7: the float tail is `,0`), and a comma is the decimal mark, never grouping."""


def id_grouped_forms(thousands: str = ",", decimal: str = ".") -> tuple[str, ...]:
    """The digit-grouping forms an id is unwrapped from in a tape of this dialect: ID_GROUPED_FORMS;
    ID_GROUPED_DECIMAL_COMMA where '.' groups thousands and ',' is the decimal mark; and where the
    decimal mark is ',' with another grouping (French, Nordic: a space), those forms but the comma's,
    since `7,000` is then seven, never seven thousand."""
    if decimal != ",":
        return ID_GROUPED_FORMS
    return ID_GROUPED_DECIMAL_COMMA if thousands == "." else ID_GROUPED_FORMS[1:]


def float_tail(decimal: str = ".") -> str:
    """The decimal zeros a float column adds to an integer id (`1077501.0`; `1077501,0` where the
    decimal mark is a comma): regex, group 1 the id."""
    return ID_WRAPPERS[2][0] if decimal == "." else ID_WRAPPERS[2][0].replace(r"\.", ",")


def ungrouped_id(text: str) -> str | None:
    """The digits of an id written with a number format's digit grouping (ID_GROUPED_FORMS:
    `1.000.014.003` -> `1000014003`, `1 000 084 002`, `1'000'146'010`, `1,077,502.00`), else None."""
    for form in ID_GROUPED_FORMS:
        if found := re.match(form, text):
            return re.sub(r"\D", "", found.group(1))
    return None


def unwrap_id(text: str) -> str:
    """An id as its system wrote it: `="1077175"` -> 1077175, `'1076863` -> 1076863, `1077501.0` ->
    1077501, `1,077,502` or `1.077.502` -> 1077502 (ID_GROUPED_FORMS, ID_WRAPPERS); anything else unchanged."""
    for pattern, replacement in ID_WRAPPERS[:2]:
        text = re.sub(pattern, replacement.replace("$1", r"\1"), text)
    if (digits := ungrouped_id(text)) is not None:
        return digits
    pattern, replacement = ID_WRAPPERS[2]
    return re.sub(pattern, replacement.replace("$1", r"\1"), text)


INVISIBLE_CHARACTER = ("\u200b\u200c\u200d\u2060\ufeff\u00ad\u061c\u180e\u200e\u200f"
                       "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Characters no viewer shows (Unicode general category Cf, format): zero-width space, non-joiner
and joiner, word joiner, a stray byte-order mark, the soft hyphen (a hyphenation hint), the
Mongolian vowel separator, and the bidirectional marks that right-to-left locales and copies from
mail or chat clients add: the Arabic letter mark, LRM and RLM, the embeddings and overrides
U+202A-U+202E and the isolates U+2066-U+2069 (Unicode Standard Annex #9). Unicode does not count
them as white space, so a plain strip leaves them: `\u200f1000024006` and `1000024006` would be two
loans. One at either end of a value is stripped like white space; one inside an id or text value
is quarantined (`invisible_character`)."""

SCI_NOTATION_NUMBER = r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)[eE][+-]?\d+$"
"""Scientific notation in a numeric column, signed exponent or not (1.2346E5, 1e3, .5e3), with a
decimal point or a decimal comma (a continental spreadsheet's `1,2346E+05`; in a decimal-point tape
a comma there groups nothing either): a spreadsheet writes it where it cut the value to the digits
a cell shows, while float parsing would take it silently; quarantined (sci_notation_value) unless
`is_shortest_form`."""

SCI_NOTATION_SHORTEST = r"^[+-]?[1-9](?:\.\d{1,14})?e[+-]\d{2,3}$"
"""The form of scientific notation R's write.csv writes (`1e+05`, `1.5e+06`): a lower-case `e`, a
signed exponent of two or three digits. R writes it for a value, with up to 15 significant
digits, only when it is shorter than fixed notation (`1e+05` for 100000, never `2.5e+05` for
250000); `is_shortest_form` checks that, so a cut form such as MATLAB's csvwrite `1.7131e+05`
(171312 to 5 digits) or C's %g `1.23457e+05` is quarantined, as a spreadsheet's upper-case
`1.2346E+05` is. R's write.csv2 writes the same forms with a decimal comma (`1,25e+08`):
`sci_notation_shortest`."""


def sci_notation_shortest(decimal: str = ".") -> str:
    """SCI_NOTATION_SHORTEST with the tape's decimal mark `decimal` (`.` or `,`, as its dialect
    declares it): a regex. A mantissa written with the other mark is no form R writes in that
    tape, so it stays quarantined as a cut value."""
    return SCI_NOTATION_SHORTEST if decimal == "." else SCI_NOTATION_SHORTEST.replace(r"\.", re.escape(decimal))


def is_shortest_form(text: str, decimal: str = ".") -> bool:
    """Whether `text` (`sci_notation_shortest(decimal)`, `decimal` the tape's decimal mark) is
    shorter than the value in fixed notation, as R writes scientific notation only then: `1e+05`
    (5 characters, 100000 has 6) is, `2.5e+05` and `1.7131e+05` are not (250000, 171310); with a
    decimal comma `1,25e+08` is (125000000). Such a value is exact: read, counted in
    notes['sci_notation_read_exact']."""
    if not re.fullmatch(sci_notation_shortest(decimal), text):
        return False
    fixed = format(Decimal(text.replace(decimal, ".")), "f").lstrip("+")
    fixed = fixed.rstrip("0").rstrip(".") if "." in fixed else fixed
    return len(text.lstrip("+")) < len(fixed)


@contextmanager
def csv_field_limit(size: int) -> Iterator[None]:
    """Let the csv module read fields up to `size` characters (its default limit is 131,072: one
    long article body or loan description would raise), and restore the previous limit afterwards."""
    previous = csv.field_size_limit()
    csv.field_size_limit(max(previous, size + 1))
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _one_record(delimiter: str) -> str:
    """Regex of text that a CSV reader reads as exactly one record, as the file meant it: fields
    split by `delimiter`, each either quoted (a quote at the field's start, closed right before the
    next delimiter or the end, `""` inside; line breaks allowed) or unquoted (no line break, not
    starting with a quote; a quote further in is text, `12" press`). A quote never closed, or text
    after a closing quote (`"Operator" press`, which readers glue into one value), does not match."""
    escaped = r"\t" if delimiter == "\t" else ("\\" + delimiter if delimiter in r"|\.^$*+?()[]{}" else delimiter)
    unquoted = f'(?:[^"{escaped}\n][^{escaped}\n]*)?'
    one_field = f"(?:{_QUOTED}|{unquoted})"
    return f"^{one_field}(?:{escaped}{one_field})*$"


def rule_line(delimiter: str) -> str:
    """A line drawn by a database client or a text table between its header and rows or around
    them: dashes or equals signs (three or more together), with only `+`, `|`, `:`, `_`, blanks
    and the delimiter between (psql's `----+----`, mysql's `+----+`, sqlcmd's and SQL*Plus's
    `---- ----`, a markdown `|---|`). A non-data line (`rule_line`), never a loan."""
    allowed = rf"[\s\-=+|:_{re.escape(delimiter)}]*"
    return rf"^{allowed}[-=]{{3}}{allowed}$"


ROW_COUNT_LINE = r"(?i)^\s*\(?\d[\d,]* rows?(?: affected| selected)?\)?\.?(?:\s+\d[\d,]* columns?)?\s*$"
"""A database client's count of the rows it printed: psql's `(30 rows)`, sqlcmd's `(30 rows
affected)`, SQL*Plus's `30 rows selected.`, DuckDB's `30 rows  16 columns`: a non-data line
(`row_count`), never a loan."""


PAGE_NUMBER_LINE = (r'(?i)^(?:\s*(?:"")?\s*[,;|\t])*\s*"?\s*[-–—]?\s*(?:page|pg\.?)\s*\d+(?:\s*(?:of|/)\s*\d+)?'
                    r'\s*[-–—]?\s*"?(?:\s*[,;|\t]\s*(?:"")?)*\s*$')
"""A report's page number on a line of its own (`Page 1 of 3`, `- Page 2 -`, `PAGE 3/7,,,,`,
`"Page 3 of 3"` from a writer that quotes every field, `Pg 4`), in any one cell of a line whose
other cells are empty (`,,,Page 2 of 5,,`: a report centring it), where a paginated report breaks
a page: a non-data line (`page_number`), never a loan."""


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def is_workbook(path: Path, data: bytes) -> bool:
    """True for an Office Open XML workbook: a ZIP whose parts include `xl/`, or a ZIP named .xlsx / .xlsm."""
    return data[:4] == ZIP_MAGIC and (b"xl/" in data[:65536] or path.suffix.lower() in WORKBOOK_SUFFIXES)


_OFFICE_DOCUMENTS = (
    (ZIP_MAGIC, b"word/document.xml", "a Word document (.docx)"),
    (ZIP_MAGIC, b"ppt/presentation.xml", "a PowerPoint presentation (.pptx)"),
    (ZIP_MAGIC, b"application/vnd.oasis.opendocument.text", "an OpenDocument text (.odt)"),
    (ZIP_MAGIC, b"application/vnd.oasis.opendocument.presentation", "an OpenDocument presentation (.odp)"),
    (ZIP_MAGIC, b"application/vnd.oasis.opendocument.graphics", "an OpenDocument drawing (.odg)"),
    (ZIP_MAGIC, b"application/epub+zip", "an EPUB e-book (.epub)"),
    (ZIP_MAGIC, b"Index/Document.iwa", "an Apple Pages or Keynote document"),
    (OLE2_MAGIC, "WordDocument".encode("utf-16-le"), "a legacy Word document (.doc)"),
    (OLE2_MAGIC, "PowerPoint Document".encode("utf-16-le"), "a legacy PowerPoint presentation (.ppt)"),
)
"""(container magic, a part or stream name or mimetype it holds, what it is): the office text and
slide formats, ZIP (Office Open XML, OpenDocument, EPUB, iWork) or OLE2 (Office 97-2003) files
that hold a document, not a table. A ZIP stores its part names and an OpenDocument or EPUB its
`mimetype` uncompressed; an OLE2 file names its streams in UTF-16."""


def office_document(data: bytes) -> str | None:
    """What office document `data` (a file's bytes) is, as `_OFFICE_DOCUMENTS` names it ('a Word
    document (.docx)'), or None for any other file, workbooks and spreadsheets included."""
    return next((what for magic, part, what in _OFFICE_DOCUMENTS if data[:len(magic)] == magic and part in data),
                None)


def read_landed_bytes(path: Path, workbook_ok: bool = False) -> tuple[bytes, bytes]:
    """The file's bytes as landed and its content, gunzipped when it starts with the gzip magic
    bytes 1f 8b (whatever its name says). With `workbook_ok` an Excel workbook (.xlsx, .xlsm)
    comes back as it is, for the caller to read (loan tapes do; see `workbook`).

    Returns:
        (landed bytes, content bytes); the two are the same object for an uncompressed file.

    Raises:
        FileRefused: gzip magic bytes but the stream cannot be decompressed (names file and error),
            or it decompresses to 0 bytes (an empty file, compressed);
            a ZIP archive, an Excel workbook (xlsx is a ZIP; unless `workbook_ok`) or a legacy .xls;
            an office document (`office_document`: .docx, .odt, .pptx, .epub, .doc); another compression
            or archive (COMPRESSED_MAGIC: bzip2, xz, zstd, 7-Zip, RAR, tar), or gzip twice: the
            file is not a table of text, and the message says what to land instead.
    """
    raw = path.read_bytes()
    _refuse_container(path, raw)
    if raw[:4] == EMPTY_ZIP_MAGIC:
        raise FileRefused(f"{path}: an empty ZIP archive (it holds no file): export the tape again and land it")
    if (document := office_document(raw)) is not None:
        raise FileRefused(f"{path}: {document}, a document, not a data file: landing reads tables of loans or "
                          "articles; put its table or its articles into a CSV (UTF-8; news: one article a row, "
                          "under a header such as published_at,headline,body) and land that")
    if raw[:4] == ZIP_MAGIC and (b"application/vnd.oasis.opendocument.spreadsheet" in raw[:256]
                                 or (b"content.xml" in raw and b"META-INF/manifest.xml" in raw and b"xl/" not in raw[:65536])):
        raise FileRefused(f"{path}: an OpenDocument spreadsheet (.ods, from LibreOffice or Google Sheets): save the "
                          "sheet as .xlsx or as CSV (UTF-8) and land that")
    if raw[:4] == ZIP_MAGIC and b"xl/workbook.bin" in raw[:65536]:
        raise FileRefused(f"{path}: an Excel binary workbook (.xlsb), which cannot be read without Excel: save it "
                          "as .xlsx or the sheet as CSV (UTF-8) and land that")
    if raw[:4] == ZIP_MAGIC:
        workbook = is_workbook(path, raw)
        if workbook and workbook_ok:
            return raw, raw
        raise FileRefused(f"{path}: " + ("an Excel workbook: save the sheet as CSV (UTF-8) and land that"
                                         if workbook else "a ZIP archive: unzip it and land the files inside"))
    if raw[:8] == OLE2_MAGIC:
        raise FileRefused(f"{path}: a legacy Excel (.xls), a password-protected workbook or another OLE2 document: "
                          "save the sheet as CSV (UTF-8) or, for a loan tape, as an unprotected .xlsx and land that")
    if raw[:2] != GZIP_MAGIC:
        _refuse_cut_by_size(path, raw)
        return raw, raw
    try:
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        content = decompressor.decompress(raw) + decompressor.flush()
        if decompressor.unused_data:  # a multi-member gzip: let the stdlib walk the members
            content = gzip.decompress(raw)
        elif not decompressor.eof:
            raise EOFError(f"the compressed stream ends early after {len(content):,} bytes of content (a truncated file?)")
    except (zlib.error, OSError, EOFError) as exc:
        raise FileRefused(f"{path}: starts with the gzip magic bytes 1f 8b but cannot be decompressed: {exc}") from None
    if not content:  # `gzip < /dev/null`: a compressed nothing, not the cut part its ending would suggest
        raise FileRefused(f"{path}: the file is empty: it is gzip-compressed ({len(raw):,} bytes) and decompresses to "
                          "0 bytes: no header and no records; was it compressed before it was fully written?")
    if content[:2] == GZIP_MAGIC:
        raise FileRefused(f"{path}: gzip inside gzip (compressed twice): decompress it once and land that")
    _refuse_container(path, content, inside=" inside gzip")
    _refuse_cut_by_size(path, content, name=path.name[:-3] if path.name.lower().endswith(".gz") else path.name)
    return raw, content


SIZE_SPLIT_PART = re.compile(r"(?i)\.(?:csv|tsv|txt|dat|psv|jsonl?|ndjson)\.(?:[a-z]{2}|\d{2,3})$|^x[a-z]{2}$|[-_]x[a-z]{2}$")
"""A file name that a cut by size gives its parts: `tape.csv.aa`, `tape.csv.ab` (`split -b 25M
tape.csv tape.csv.`), `tape.csv.001` (7-Zip, HJSplit), `xaa` (split's default prefix), `tape-xab`."""


def _refuse_cut_by_size(path: Path, content: bytes, name: str | None = None) -> None:
    """Refuse a text file whose name (`name`, default the path's; a gzip's without `.gz`, the name
    of what it holds: `tape.csv.gz` is no part `.gz` of `tape.csv`) says it is a part of a file cut
    by size and which ends without a line end: its last record is cut mid-value ('10000.00' ends as
    '10.'), and would load as a wrong value. A part cut between lines (`split -l`) ends with a line
    end (LF, CR, EBCDIC's NL; UTF-16's zero bytes and a DOS end-of-file mark after it) and is read
    as it is; Parquet and workbooks are left to their readers.

    Raises:
        FileRefused: names the file, its last line and how to join the parts.
    """
    if (content[:4] == b"PAR1" or content.rstrip(b"\x00\x1a").endswith((b"\n", b"\r", b"\x15"))
            or not SIZE_SPLIT_PART.search(name or path.name)):
        return
    last = content.rsplit(b"\n", 1)[-1][-60:].decode("utf-8", "replace")
    raise FileRefused(
        f"{path}: its name says it is a part of a larger file cut by size (split -b, 7-Zip), and it ends mid-line "
        f"without a line end (last line ends {last!r}): its last record is cut, and the next part begins with the "
        "rest of it. Join the parts in order (cat tape.csv.aa tape.csv.ab ... > tape.csv) and land the whole file")


COMPRESSED_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"BZh", 0, "bzip2-compressed"),
    (b"\xfd7zXZ\x00", 0, "xz-compressed"),
    (b"\x28\xb5\x2f\xfd", 0, "zstd-compressed"),
    (b"7z\xbc\xaf\x27\x1c", 0, "a 7-Zip archive"),
    (b"Rar!\x1a\x07", 0, "a RAR archive"),
    (b"\x04\x22\x4d\x18", 0, "lz4-compressed"),
    (b"ustar", 257, "a tar archive"),
)
"""(magic bytes, offset, what the file is) of the containers landing cannot read (gzip can be read
and ZIP is refused with its own advice): refused by name rather than as an unknown format with a
dump of binary in the message."""


SAS7BDAT_MAGIC = bytes(12) + b"\xc2\xea\x81\x60\xb3\x14\x11\xcf\xbd\x92\x08\x00\x09\xc7\x31\x8c\x18\x1f\x10\x11"
"""The 32 bytes a SAS dataset (.sas7bdat) starts with (ReadStat, sas7bdat_read.c)."""

DATA_FILE_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"ARROW1", 0, "a Feather (Arrow IPC) file"),
    (b"FEA1", 0, "a Feather (version 1) file"),
    (b"<stata_dta>", 0, "a Stata dataset (.dta)"),
    (SAS7BDAT_MAGIC, 0, "a SAS dataset (.sas7bdat)"),
    (b"$FL2", 0, "an SPSS data file (.sav)"),
    (b"$FL3", 0, "an SPSS compressed data file (.zsav)"),
    (b"SQLite format 3\x00", 0, "an SQLite database"),
    (b"Obj\x01", 0, "an Avro data file"),
    (b"%PDF-", 0, "a PDF document"),
)
"""(magic bytes, offset, what the file is) of binary data files of other programs than the ones
landing reads (CSV or text, Parquet, .xlsx): refused by name with what to export instead, rather
than as an unknown text format with its binary header quoted. An older Stata dataset (formats
102-115) has no magic string (`_is_old_stata`); an ORC file's three letters are checked at both ends
(`_is_orc`)."""

DATA_FILE_REMEDY = "which landing cannot read: export the table as CSV (UTF-8) or Parquet and land that"
"""What a refusal of a DATA_FILE_MAGIC file says to do."""


def _is_old_stata(data: bytes) -> bool:
    """Whether `data` starts as a Stata dataset of formats 102-115 (Stata 1-12) does: its format
    number (0x66-0x73), byte order (1 big-endian, 2 little-endian), file type 1 and a zero byte
    (Stata's dta documentation, 'Header'). 'r' (0x72) then a control byte begins no text file."""
    return len(data) >= 4 and 0x66 <= data[0] <= 0x73 and data[1] in (1, 2) and data[2] == 1 and data[3] == 0


def _is_orc(data: bytes) -> bool:
    """Whether `data` is an ORC file: 'ORC' at its start and before its last byte (the postscript's
    length), as the ORC specification writes it; a text file whose header begins 'ORC' is no ORC file."""
    return data[:3] == b"ORC" and data[-4:-1] == b"ORC"


DBASE_VERSIONS = frozenset({0x02, 0x03, 0x30, 0x31, 0x32, 0x43, 0x63, 0x83, 0x8B, 0xCB, 0xF5, 0xFB})
"""First bytes of a dBase table (.dbf): dBase II-IV, Visual FoxPro, with or without memo files."""


def is_dbase(data: bytes) -> bool:
    """Whether `data` is a dBase table (.dbf, as dBase, FoxPro, Clipper and GIS tools write it):
    a version byte (DBASE_VERSIONS), a last-update date (YY MM DD, bytes 1-3), a header length
    (bytes 8-9, little-endian) and, inside the header, the end of its 32-byte field descriptors
    (byte 0x0D at 32 + 32 x fields), the first descriptor's type letter at byte 43. Binary, it would be read as text with a header of field
    descriptors."""
    if len(data) < 65 or data[0] not in DBASE_VERSIONS or not (1 <= data[2] <= 12 and 1 <= data[3] <= 31):
        return False  # a text file's third byte is a character (0x20 and up) or a line end, no month
    if data[43:44] not in [bytes([c]) for c in b"CNDLMFBGPYTIVWX@O+0"]:  # the first field's type letter
        return False
    header_length = int.from_bytes(data[8:10], "little")
    if not 65 <= header_length <= len(data) or b"\x00" not in data[33:43]:  # a field name is NUL-padded to 11 bytes
        return False
    ends = (header_length - 1, header_length - 264)  # dBase: the terminator ends the header; Visual FoxPro: 263 bytes before
    return any(end >= 64 and (end - 32) % 32 == 0 and data[end] == 0x0D for end in ends)


def _refuse_container(path: Path, data: bytes, inside: str = "") -> None:
    """Raise FileRefused when `data` starts like one of COMPRESSED_MAGIC or DATA_FILE_MAGIC (and,
    inside gzip, ZIP), or is a Stata dataset without a magic string (`_is_old_stata`) or a dBase
    table (`is_dbase`)."""
    for magic, offset, what in COMPRESSED_MAGIC:
        if data[offset:offset + len(magic)] == magic:
            verb = "unpack it" if "archive" in what else "decompress it (or compress it with gzip)"
            raise FileRefused(f"{path}: {what}{inside}: {verb} and land the CSV or Parquet file")
    for magic, offset, what in DATA_FILE_MAGIC:
        if data[offset:offset + len(magic)] == magic:
            raise FileRefused(f"{path}: {what}{inside}, {DATA_FILE_REMEDY}")
    if _is_orc(data):
        raise FileRefused(f"{path}: an ORC file{inside}, {DATA_FILE_REMEDY}")
    if _is_old_stata(data):
        raise FileRefused(f"{path}: a Stata dataset (.dta, format {data[0]}){inside}, {DATA_FILE_REMEDY}")
    if is_dbase(data):
        raise FileRefused(f"{path}: a dBase table (.dbf: dBase, FoxPro, a GIS or an old core system){inside}, which is "
                          "binary: open it in LibreOffice Calc or Excel (or read it with the dbfread package) and save "
                          "it as CSV (UTF-8), then land that")
    if inside and data[:4] == ZIP_MAGIC and _OOXML_WORKBOOK_PART.search(data):
        raise FileRefused(f"{path}: an Excel workbook compressed with gzip: unpack it (gunzip) and land the .xlsx")
    if inside and data[:4] == ZIP_MAGIC:
        raise FileRefused(f"{path}: a ZIP archive inside gzip: unpack it and land the files inside")


_OOXML_WORKBOOK_PART = re.compile(rb"xl/workbook\.(?:xml|bin)")
"""The name of the part that makes a ZIP an Office Open XML workbook (`.bin` in an .xlsb): a ZIP
stores its part names uncompressed, in its entries' headers."""


def sniff_encoding(data: bytes, declared: str) -> str:
    """The encoding to decode `data` with: a byte-order mark decides over the declared encoding, as
    in the WHATWG Encoding Standard's decode algorithm: UTF-16 (FF FE or FE FF, as Excel's "Unicode
    Text" export writes) or UTF-8 (EF BB BF, Excel's "CSV UTF-8", even where a mapping declares
    cp1252); then UTF-16 written without its mark (`_utf16_without_bom`); otherwise the declared one."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8"
    return _utf16_without_bom(data) or declared


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' for UTF-16 text written without a byte-order mark, else None.

    Text of Latin letters, digits and punctuation in UTF-16 has a zero high byte in every code unit:
    of the first 4 KiB, at least 90% of the odd bytes are NUL and no even byte is (little-endian), or
    the reverse (big-endian). No UTF-8 or single-byte text has that pattern; UTF-16 text mostly
    outside Latin script falls through to the declared encoding and its decode error.
    """
    head = data[:4096]
    if len(head) < 8:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) >= 0.9 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


DECLARE_ENCODING = "declare the file's encoding in its column mapping (dialect.encoding)"
"""What to do about a byte the declared encoding cannot read, for a tape read by a declared mapping."""
DECLARE_UTF8 = ("the file is UTF-8: declare \"encoding\": \"utf-8\" in its column mapping's dialect (or drop "
                "dialect.encoding: UTF-8 is the default)")
"""What to do about a UTF-8 tape under a mapping that declares a single-byte code page (`to_utf8`);
a built-in format reads UTF-8 already."""
RESAVE_AS_UTF8 = ("the built-in LendingClub and SBA formats read UTF-8 (or UTF-16 by its byte-order mark): re-save "
                  "the file as UTF-8 (Excel: 'CSV UTF-8'; iconv -f cp1252 -t utf-8)")
"""The same for a tape of a built-in format, which has no mapping to declare an encoding in."""


def to_utf8(data: bytes, encoding: str, path: Path, remedy: str = DECLARE_ENCODING) -> bytes:
    """Validate `data` as `encoding` (see `sniff_encoding`) and return it as UTF-8 without a
    byte-order mark. An EBCDIC file whose lines end in NL alone (EBCDIC_CODECS) gets LF line ends;
    CR LF, LF and CR alone (classic Mac OS, Excel for Mac's "CSV (Macintosh)") are kept as written:
    `read_records` reads a CR-only file's CRs as line ends and keeps one inside a quoted field.

    Raises:
        FileRefused: a byte sequence is not valid in `encoding`; the message names the file, the
            byte offset (0-based, in the decompressed content), the line and the byte, the text
            around it as Windows-1252 would read it (the usual other encoding), and `remedy`. Or
            `encoding` is a single-byte code page and the file holds UTF-8 text, which it would
            read as mojibake (`utf8_under_code_page`): the message names the line, the bytes, how
            they read both ways, and the remedy (declare UTF-8; for a file that mixes encodings,
            convert only its lines of the other one).
    """
    encoding = sniff_encoding(data, encoding)
    name = codecs.lookup(encoding).name
    if name in ("utf-8", "utf-8-sig") and data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
        name = "utf-8"
    if found := utf8_under_code_page(data, encoding):
        where, mixed = found
        raise FileRefused(f"{path}: {where}; {mixed or DECLARE_UTF8}")
    try:
        text = data.decode(name)
    except UnicodeDecodeError as exc:
        if cut_mid_character(data, name, exc):  # a copy cut short, not another encoding: read what arrived
            return to_utf8(data[:exc.start], encoding, path, remedy)
        line = data.count(b"\n", 0, exc.start) + 1
        around = data[max(0, exc.start - 12):exc.start + 12].decode("cp1252", errors="replace").splitlines() or [""]
        raise FileRefused(
            f"{path}: byte offset {exc.start} (line {line}): byte 0x{data[exc.start]:02x} is not valid "
            f"{encoding} (as Windows-1252 the text there reads {max(around, key=len).strip()!r}); "
            f"{(_mixed_with_utf8(data) if name == 'utf-8' else None) or remedy}"
        ) from None
    if name in EBCDIC_CODECS and "\x85" in text and "\n" not in text:  # the mainframe's NL (0x15) ends its lines
        text = text.replace("\x85", "\n")
    return data if name == "utf-8" else text.removeprefix("\ufeff").encode("utf-8")


def cut_mid_character(data: bytes, codec: str, error: UnicodeDecodeError) -> bool:
    """Whether the only bytes of `data` that `codec` (a codec name) cannot decode, `error`'s, are an
    unfinished character at its very end: a UTF-16 file of an odd byte count or ending in the first
    half of a surrogate pair, a UTF-8 file ending inside a multi-byte character. Such a file is a
    copy cut short, not text in another encoding; what precedes the unfinished character decodes."""
    return (error.end == len(data) and codec.startswith(("utf-8", "utf-16", "utf-32"))
            and error.reason in ("truncated data", "unexpected end of data"))


_LATIN_TEXT = re.compile("[^\x00-\x7f\u00a0-\u017f\u2000-\u206f\u20a0-\u20cf\u2100-\u214f]")


def written_in_utf8(line: str) -> bool:
    """Whether a line decoded as UTF-8 (bytes that are not UTF-8 escaped as surrogates) is UTF-8 text:
    it holds a character beyond ASCII, no byte that is not UTF-8, and only the characters Western text
    is written with (Latin letters and signs, punctuation such as ’ and –, currency, €): two bytes of
    another encoding that happen to be UTF-8 (Windows-1252's `É` and a no-break space read as `ɠ`,
    GB18030's pairs) are not."""
    return (re.search("[^\x00-\x7f]", line) is not None and not re.search("[\udc80-\udcff]", line)
            and not _LATIN_TEXT.search(line))


def _mixed_with_utf8(data: bytes) -> str | None:
    """The remedy for a file that is UTF-8 on some lines and another encoding on others (two months'
    exports joined with `cat`, one saved as UTF-8 and one as Windows-1252), else None: converting the
    whole file from Windows-1252 would garble its UTF-8 lines ('O’Rourke' -> 'Oâ€™Rourke'), so the
    lines of each kind are named. A line of UTF-8 text: `written_in_utf8`."""
    lines = data.decode("utf-8", errors="surrogateescape").split("\n")
    foreign = [n for n, line in enumerate(lines, 1) if re.search("[\udc80-\udcff]", line)]
    utf8 = [n for n, line in enumerate(lines, 1) if written_in_utf8(line)]
    if not utf8:
        return None
    def named(numbers: list[int]) -> str:
        return ", ".join(map(str, numbers[:5])) + (f" and {len(numbers) - 5:,} more" if len(numbers) > 5 else "")
    return (f"the file mixes encodings: line(s) {named(utf8)} hold UTF-8 text beyond ASCII and line(s) "
            f"{named(foreign)} bytes of another encoding (Windows-1252, as quoted?), as when two exports saved "
            "differently are joined; converting the whole file from Windows-1252 would garble its UTF-8 lines: "
            "convert only the lines of the other encoding (or export each part again as UTF-8), join them and land "
            "the file again")


_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
"""A byte sequence of the form UTF-8 writes a character beyond ASCII in (`ü` is C3 BC)."""


def single_byte_code_page(encoding: str) -> bool:
    """Whether `encoding` (a codec name Python knows) writes ASCII as ASCII and every other
    character in one byte: Windows-1252, ISO-8859-x, cp850, KOI8-R; not UTF-8, UTF-16, EBCDIC or
    the multi-byte East Asian codecs."""
    ascii_bytes, high = bytes(range(0x80)), bytes(range(0x80, 0x100))
    try:
        return (codecs.lookup(encoding).name not in ("utf-8", "utf-8-sig")
                and ascii_bytes.decode(encoding) == ascii_bytes.decode("ascii")
                and len(high.decode(encoding, errors="replace")) == len(high))
    except (LookupError, UnicodeDecodeError):
        return False


def utf8_under_code_page(data: bytes, encoding: str) -> tuple[str, str | None] | None:
    """Where a file declared to be in a single-byte code page (`single_byte_code_page`) holds
    UTF-8 text, which that code page would read as mojibake, never failing (`Müller` ->
    `MÃ¼ller`, `O’Rourke` -> `Oâ€™Rourke`, `€` -> `â‚¬`); else None.

    The file is UTF-8 when all of it decodes as UTF-8 and it holds a character beyond ASCII: a text
    in a single-byte code page almost never does (its accented letters would each have to be
    followed by a symbol such as `©` or `…`). A file that does not decode whole, with a line of
    Western text in UTF-8 (`written_in_utf8`), mixes encodings (`_mixed_with_utf8`).

    Returns:
        (where, mixed): `where` names the line (from 1), the first such character's bytes, and a
        stretch of the line as UTF-8 and as `encoding` read them; `mixed` is the remedy for a file
        that mixes encodings, None for one that is UTF-8 throughout.
    """
    if data.isascii() or not single_byte_code_page(encoding):
        return None
    try:
        data.decode("utf-8")
        first, mixed = next(_UTF8_SEQUENCE.finditer(data), None), None
    except UnicodeDecodeError:
        lines = (m for m in _UTF8_SEQUENCE.finditer(data) if written_in_utf8(
            data[data.rfind(b"\n", 0, m.start()) + 1:_line_end(data, m.end())].decode("utf-8", errors="surrogateescape")))
        first = next(lines, None)
        mixed = _mixed_with_utf8(data) if first else None
    if first is None:
        return None
    start, end = data.rfind(b"\n", 0, first.start()) + 1, _line_end(data, first.end())
    line = data[start:end].decode("utf-8", errors="replace").rstrip("\r")
    at = len(data[start:first.start()].decode("utf-8", errors="replace"))
    stretch = line[max(0, at - 12):at + 12].strip()
    as_declared = stretch.encode("utf-8").decode(encoding, errors="replace")
    number = data.count(b"\n", 0, start) + 1
    return (f"line {number}: bytes {' '.join(f'0x{b:02x}' for b in first.group())} are UTF-8 "
            f"for {line[at]!r}: the text there reads {stretch!r} as UTF-8 and {as_declared!r} as the declared "
            f"{encoding}, which would load it garbled", mixed)


def _line_end(data: bytes, at: int) -> int:
    """The offset of the LF that ends the line holding offset `at`, or the data's end."""
    end = data.find(b"\n", at)
    return len(data) if end < 0 else end


EBCDIC_CODECS = frozenset({"cp037", "cp273", "cp424", "cp500", "cp875", "cp1026", "cp1140"})
"""Python's EBCDIC code pages (codecs.lookup names): a mainframe ends its records with NL, byte
0x15, which they decode as U+0085 (NEL), not a line end for the CSV reader; a file of such lines
(and no LF) gets LF line ends, as a CR-only file is read with them."""


def _lf_line_ends(data: bytes) -> bytes:
    """CR line ends as LF when the text has CRs and no LF at all (a CR-only file)."""
    return data.replace(b"\r", b"\n") if b"\r" in data and b"\n" not in data else data


def lf_line_ends(text: str) -> str:
    """`_lf_line_ends` for decoded text."""
    return text.replace("\r", "\n") if "\r" in text and "\n" not in text else text


def split_at_record_crs(lines: list[str], is_record: Callable[[str], bool], quoted: bool = True) -> list[str]:
    """Lines with a lone CR that ends a record, split there.

    A file edited on two systems can end some records with a lone CR (classic Mac OS) among LF or
    CRLF line ends; read by LF, two records become one line. A line that holds a CR and whose
    CR-separated pieces are each one record by `is_record` (and balanced in quotes, so no piece sits
    inside a quoted field) is such a join: its pieces become lines of their own, as Python's
    universal newlines read them, and the lines after it are numbered one further per split. A CR
    anywhere else (a soft break inside an article body, a CR inside a quoted field) stays text.

    Args:
        lines: physical lines split on LF, CR of CRLF removed.
        is_record: whether one piece of text, without CR, is one record of the file's format.
        quoted: the format quotes fields (CSV), so a piece must hold an even number of quotes; False
            for formats whose quotes are text (PhraseBank's `sentence@label`: a 12" screen).
    """
    out: list[str] = []
    for line in lines:
        if "\r" in line:
            pieces = line.split("\r")
            if all((not quoted or piece.count('"') % 2 == 0) and is_record(piece) for piece in pieces):
                out.extend(pieces)
                continue
        out.append(line)
    return out


def head_lines(data: bytes, encoding: str = "utf-8", n: int = 30) -> list[str]:
    """The first `n` physical lines (for format sniffing), decoded leniently, BOM and CR removed;
    a UTF-16 byte-order mark and CR-only line ends are honoured as in `to_utf8`. A line whose
    quoted field runs over line ends (a header name wrapped in its cell by Excel's Alt+Enter)
    holds the lines it runs over too (`join_quoted`); the lines after it keep their places, so the
    list's index is still the physical line."""
    encoding = sniff_encoding(data, encoding)
    text = lf_line_ends(data[:65536].decode(encoding, errors="replace").removeprefix("\ufeff"))
    if codecs.lookup(encoding).name in EBCDIC_CODECS and "\x85" in text and "\n" not in text:
        text = text.replace("\x85", "\n")  # the mainframe's NL, as in to_utf8
    lines = [line.removesuffix("\r") for line in text.split("\n")[: n + QUOTED_LINE_BREAKS]]
    return [join_quoted(lines, i)[0] for i in range(min(n, len(lines)))]


QUOTED_LINE_BREAKS = 4
"""Line breaks a quoted header name may hold (`join_quoted`); a quote left open longer is a stray one."""


def join_quoted(lines: Sequence[str], index: int) -> tuple[str, int]:
    """Line `index` joined with the lines its quoted field runs over, and how many lines that is:
    ('"home\nownership",loan_status', 2) for a header whose cell holds a line break. A quote still
    open after QUOTED_LINE_BREAKS more lines, or at the end, is taken for a stray one: the line
    alone, 1."""
    text = lines[index]
    for extra in range(1, QUOTED_LINE_BREAKS + 1):
        if text.count('"') % 2 == 0:
            return text, extra
        if index + extra >= len(lines):
            break
        text += "\n" + lines[index + extra]
    return (text, QUOTED_LINE_BREAKS + 1) if text.count('"') % 2 == 0 else (lines[index], 1)


def named_columns(header: list[str]) -> list[str]:
    """Header names, an empty one named by its position (`column_17`, 1-based): exports often end
    every line with a delimiter, or carry untitled columns."""
    return [name or f"column_{n}" for n, name in enumerate(header, start=1)]


def distinct_header(header: list[str], where: str, reads: Callable[[str], bool] | None = None,
                    as_written: Sequence[str] | None = None) -> tuple[list[str], dict[str, list[str]]]:
    """The header with each column under a name of its own, and its repeats: {name as first
    written: [the names its columns are read under]}, {} when no name repeats.

    A name written again (`comment,comment`: two exports' columns pasted side by side) keeps its
    first column's name, and each later column gets `<name>_<n>`, n its occurrence (2, 3, ...;
    past any name the header holds already): every column's values are kept (a loan tape's unread
    ones in `source_fields`). Names that differ only in case, blanks or underscores (`Comment`,
    `comment`; `Loan Amnt`, `loan_amnt`) are distinct as written, and listed alike.

    `as_written`: the header's names as the file writes them, before the blanks around them were
    trimmed (one per column), so a refusal can show `'amount'` and `'amount '` where the trimmed
    names are one; None: as `header`.

    Raises:
        FileRefused: `reads` says a repeated name is read (a loan tape's mapped column, a built-in
            format's, a column read by its name): names are matched whatever their case, so
            which column is meant cannot be told; the message (prefixed `where`) names them, and
            each column of a repeat written otherwise (`repr`, with its position).
            `reads` None: every column is read (a news feed finds its columns by name).
    """
    folded = [re.sub(r"(?<=\S)[\s_]+(?=\S)", " ", fold_header_name(name)).casefold()
              for name in header]  # as loan_formats._name_key
    groups = {f: [n for n, g in zip(header, folded) if g == f] for f in dict.fromkeys(folded) if folded.count(f) > 1}
    read = {f: names for f, names in groups.items() if reads is None or any(reads(name) for name in names)}
    said = "" if reads is None else ", a column the tape's format reads: which one is meant cannot be told; rename or drop one"
    if exact := sorted({name for names in read.values() for name in names if names.count(name) > 1}):
        raise FileRefused(f"{where}: the header repeats column(s) {exact}{_spelled(exact, header, as_written)}{said}")
    if read:
        alike = "; ".join(" / ".join(repr(name) for name in names) for names in read.values())
        raise FileRefused(f"{where}: header columns differ only in case, spaces or underscores ({alike}): columns are "
                          "matched by name whatever these, so which one is meant is ambiguous; rename or drop one")
    named: list[str] = []
    repeats: dict[str, list[str]] = {}
    taken = set(folded)
    for name, f in zip(header, folded):
        given = name
        if name in header[: len(named)]:  # the same name again: read under one of its own
            n = 2
            while f"{name}_{n}".casefold() in taken:
                n += 1
            given = f"{name}_{n}"
            taken.add(given.casefold())
        if f in groups:
            repeats.setdefault(groups[f][0], []).append(given)
        named.append(given)
    return named, repeats


def _spelled(names: Sequence[str], header: Sequence[str], as_written: Sequence[str] | None) -> str:
    """How the columns of each repeated name in `names` are written, where they are not all written
    alike (the spaces around a name are trimmed before names are compared):
    ` (written 'amount' (column 3) and 'amount ' (column 306): names are compared without the blanks
    around them)`; '' when each is written as the others, or `as_written` does not match `header`."""
    if as_written is None or len(as_written) != len(header):
        return ""
    spelled = []
    for name in names:
        columns = [(n, written) for n, (read, written) in enumerate(zip(header, as_written, strict=True), start=1)
                   if read == name]
        if len({written for _, written in columns}) > 1:
            spelled.append(" and ".join(f"{written!r} (column {n})" for n, written in columns))
    if not spelled:
        return ""
    return f" (written {'; '.join(spelled)}: names are compared without the blanks around them)"


def split_fields(line: str, delimiter: str) -> list[str]:
    """One line's fields, CSV-unquoted and stripped of surrounding spaces (for header sniffing); a
    field quoted after padding (`a, "b"`, which CSV reads as ' "b"') is unquoted too. A line the
    csv module cannot split (a stray CR) is one field."""
    try:  # a line break inside a quoted name (Excel's Alt+Enter) reads as a space: 'home ownership'
        return [re.sub(r"\s*\n\s*", " ", value.strip())
                for value in next(csv.reader([line], delimiter=delimiter, skipinitialspace=True), [])]
    except csv.Error:
        return [line.strip()]


def _header_keys(names: Sequence[str]) -> list[str]:
    """Header names as columns are matched (`column_name_key`), an empty one named by its position
    (`named_columns`: `column_17`), without the untitled columns at the end: the empty fields of an
    export that writes a delimiter after its last field are no columns of their own."""
    untitled = [column_name_key(f"column_{i + 1}") for i in range(len(names))]
    keys = [column_name_key(name) or untitled[i] for i, name in enumerate(names)]
    while keys and keys[-1] == untitled[len(keys) - 1]:
        keys.pop()
    return keys


def header_repeat(fields: Sequence[str], header: Sequence[str]) -> str | None:
    """Whether a record's fields repeat the header (two exports joined into one file): 'same' when
    they name the header's columns in its order as column names are matched (`column_name_key`:
    whatever their case, quotes or padding, blanks or underscores, `Loan Amnt` for `loan_amnt`),
    with or without empty fields after the last (`revol_bal,`), 'reordered' when they name the same
    columns in another order, 'changed' when half or more of them (at least two) are the header's
    names but the columns are not the same (a later export renamed, added or dropped some), None
    when they are not a header."""
    folded, names = _header_keys(fields), _header_keys(header)
    if folded == names:
        return "same"
    if sorted(folded) == sorted(names):
        return "reordered"
    shared = len(set(folded) & set(names))
    return "changed" if shared >= max(2, (len(folded) + 1) // 2) else None


def layout_refusal(path: Path, line: int, fields: Sequence[str], header: Sequence[str], verdict: str) -> FileRefused:
    """The refusal of a file whose header comes back at `line` in another order or another layout
    (`header_repeat` 'reordered' or 'changed'): read by position under the first header, the records
    after it would load one column's values under another's name. A name holding a character no
    viewer shows (a control or format character, a Unicode space) is shown by `repr`, so the message
    never lists a name that reads as one the header has."""
    if verdict == "reordered":
        return reordered_header_refusal(path, line, fields, header)
    keys, header_keys = _header_keys(fields), _header_keys(header)  # as `header_repeat` compared them
    shown = [_shown(field) if field.strip() else f"an untitled column {i + 1}" for i, field in enumerate(fields)]
    new = [shown[i] for i, key in enumerate(keys) if key not in set(header_keys)]
    gone = [_shown(header[i]) for i, key in enumerate(header_keys) if key not in set(keys)]
    moved = [f"{shown[i]} (column {i + 1}, {_shown(header[i])} in the header)" for i, key in enumerate(keys)
             if i < len(header_keys) and key != header_keys[i]
             and not new and not gone]  # an added or dropped column moves every later one: said above
    said = [f"columns not in the first header: {', '.join(new[:4])}{', ...' if len(new) > 4 else ''}" if new else "",
            f"columns of the first header missing: {', '.join(gone[:4])}{', ...' if len(gone) > 4 else ''}" if gone else "",
            f"moved: {', '.join(moved[:3])}{', ...' if len(moved) > 3 else ''}" if moved else ""]
    if not any(said):  # the same names, one of them twice (`a,b,c,a` under `a,b,c`)
        said = [f"{len(keys)} columns where the first header has {len(header_keys)}"]
    return FileRefused(
        f"{path}: line {line} is a header with another layout ({'; '.join(s for s in said if s)}): two exports "
        f"joined into one file? The records after it follow that layout; split the file at line {line} and "
        "land both parts (each with the mapping that fits it)")


def _shown(name: str) -> str:
    """A header name as a message shows it: as written, or by `repr` where it holds a character no
    viewer shows (`'\\x0cid'`, `'\\u200bid'`)."""
    return name if name.isprintable() and not header_name_marks(name) else repr(name)


def reordered_header_refusal(path: Path, line: int, fields: Sequence[str], header: Sequence[str]) -> FileRefused:
    """The refusal of a file whose header comes back at `line` with its columns in another order:
    read by position, the records after it would load one column's values under another's name."""
    moved = [f"{field} (column {i + 1}, {header[i]} in the header)" for i, field in enumerate(fields)
             if fold_header_name(field).casefold() != fold_header_name(header[i]).casefold()]
    return FileRefused(
        f"{path}: line {line} repeats the header with its columns in another order ({', '.join(moved[:4])}"
        f"{', ...' if len(moved) > 4 else ''}): two exports joined into one file? The records after it follow "
        f"that order; split the file at line {line} and land both parts")


@dataclass
class TextRecords:
    """The data records of one file, all fields as text.

    Attributes:
        header: column names as the file wrote them (unquoted, trimmed).
        fields: one Utf8 column per header name, plus `_source_line` (Int64, physical line of the
            record's first line, 1-based); rows = well-formed data records.
        malformed: records whose field count differs from the header: `line`, `raw_value`, `message`.
        cut_in_quoted_field: the line of the malformed record the file ends inside of (a quoted field
            it opens over lines is never closed: a copy cut short, `_cut_inside_quote`), quarantined
            under a rule of its own; None when the file ends outside any quoted field.
        non_data_lines: (line, kind) for notes above the header, blank lines and any line a format
            marks as not data (markers, footers).
        marked_text: line -> text of each line skipped by one of the format's `line_kinds`.
        note_text: line -> text of each note line above the header (kind `note` or `rule_line`).
        flagged: (line, column, rule) for a value the reader saw to be wrong before any parse (a
            workbook's date cell under a text column, `date_cell_in_text_column`): the typed parse
            quarantines the record under that rule, whatever else its value parses to.
        notes: what the reader did to the cells without refusing them (a workbook's merged cells
            filled, `merged_cells_filled`), merged into the file's notes.
        numbers_typed: columns whose text a reader wrote from typed numbers (a Parquet number
            column), not the lender's export: a `money_minor` value there is judged by its number
            (a float's 199899.99999999997 cents is whole), not by a decimal mark in its text. A
            Parquet string column, a workbook and a text file are the lender's writing.
        days_in_month_columns: column -> {line: the date written, ISO 8601} for a typed date (a
            Parquet date or timestamp, a workbook's date cell) on another day than the 1st in a
            column whose declared format names a month without its day (`%Y-%m`, `%b-%Y`): the text
            holds its month only, and the parse says which days it dropped (`date_day_dropped`).
        date_cells_in_number_columns: column -> {line: (what the cell is, 'date', 'time' or 'date and
            time'; the number Excel stores for it, '45000' for 2023-03-15, '0.5' for 12:00:00)} for a
            workbook's date or time cell under a column read as numbers: its text is no number, and
            its message says what the cell holds.
    """

    header: list[str]
    fields: pl.DataFrame
    malformed: pl.DataFrame
    non_data_lines: list[tuple[int, str]]
    marked_text: dict[int, str] = field(default_factory=dict)
    flagged: list[tuple[int, str, str]] = field(default_factory=list)
    note_text: dict[int, str] = field(default_factory=dict)
    notes: dict[str, object] = field(default_factory=dict)
    cut_in_quoted_field: int | None = None
    numbers_typed: frozenset[str] = frozenset()
    days_in_month_columns: dict[str, dict[int, str]] = field(default_factory=dict)
    date_cells_in_number_columns: dict[str, dict[int, tuple[str, str]]] = field(default_factory=dict)

    @property
    def data_records(self) -> int:
        return self.fields.height + self.malformed.height


def _physical_lines(data: bytes) -> pl.Series:
    """Every physical line of UTF-8 `data` as text, trailing CR removed (`_crlf_ends` says which
    lines had one)."""
    if b"\x1f" not in data:
        lines = pl.read_csv(
            io.BytesIO(data), has_header=False, quote_char=None, separator="\x1f",
            new_columns=["text"], infer_schema=False, empty_string_is_null=False, raise_if_empty=False,
        )
        series = lines.get_column("text") if lines.width else pl.Series("text", [], pl.Utf8)
    else:
        text = data.decode("utf-8")
        series = pl.Series("text", text.split("\n")[: text.count("\n") + (not text.endswith("\n"))])
    return series.fill_null("").str.strip_suffix("\r")


def _crlf_ends(data: bytes, lines: int) -> pl.Series:
    """For each of the `lines` physical lines of UTF-8 `data` (`_physical_lines`), whether its line
    end is CR LF: inside a quoted field that CR is text the writer put in the value (a description
    typed on Windows), and the line end is joined back as written (`_group_lines`, `line_end`). A
    scan of every byte: `read_records` calls it only for a file with a quoted field that runs over
    lines."""
    octets = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(octets == 0x0A)[:lines]
    crlf = (ends > 0) & (octets[np.maximum(ends - 1, 0)] == 0x0D)
    return pl.Series("crlf", np.concatenate([crlf, np.zeros(lines - len(crlf), dtype=bool)]), pl.Boolean)


def _field_count(delimiter: str) -> pl.Expr:
    """Fields in `text`: delimiters outside quoted fields, plus one."""
    return pl.col("text").str.replace_all(_QUOTED, "").str.count_matches(delimiter, literal=True) + 1


def _group_lines(lines: pl.DataFrame) -> pl.DataFrame:
    """Physical lines (`_source_line`, `text`, `line_end`) grouped into records by quote parity: a
    line with an odd number of quotes opens a quoted field that the next such line closes. The
    lines of a record are joined by their own line ends as written (`line_end`: CR LF, LF, or CR
    in a CR-only file), so a quoted field keeps the text it was written with. Adds `lines`, the
    physical lines of each record."""
    odd = lines.get_column("text").str.count_matches('"', literal=True) % 2 == 1
    inside_after = (odd.cast(pl.Int64).cum_sum() % 2) == 1
    starts = ~inside_after.shift(1, fill_value=False)
    record = starts.cum_sum()
    last_of_record = record != record.shift(-1, fill_value=-1)
    end = pl.when(pl.lit(last_of_record)).then(pl.lit("")).otherwise(pl.col("line_end"))
    return (
        lines.with_columns(record=record, text=pl.col("text") + end)
        .group_by("record", maintain_order=True)
        .agg(pl.col("_source_line").first(), pl.col("text").str.join(""), pl.col("_source_line").alias("lines"))
        .drop("record")
    )


def _resync(records: pl.DataFrame, lines: pl.DataFrame, delimiter: str, width: int) -> pl.DataFrame:
    """Undo what a stray quote did to the grouping: a record of several lines that is not one CSV
    record of `width` fields (`_one_record`) was opened by a quote that is text (`12" press`) or
    never closed, and swallowed the lines after it; two text quotes in the same column even pair
    up into the right field count. Its first line becomes a record of its own and the lines after
    it are grouped again, until every record of several lines is one record of `width` fields.
    Returns `_source_line`, `text` per record, in line order; no line is lost or repeated."""
    text_of = dict(zip(lines.get_column("_source_line").to_list(), lines.get_column("text").to_list()))
    end_of = dict(zip(lines.get_column("_source_line").to_list(), lines.get_column("line_end").to_list()))
    while True:
        counted = records.with_columns(n_fields=_field_count(delimiter))
        swallowing = (pl.col("lines").list.len() > 1) & (
            (pl.col("n_fields") != width) | ~pl.col("text").str.contains(_one_record(delimiter))
        )
        bad = counted.filter(swallowing)
        if not bad.height:
            return records.select("_source_line", "text").sort("_source_line")
        parts = [counted.filter(~swallowing).drop("n_fields")]
        for numbers in bad.get_column("lines").to_list():
            parts.append(pl.DataFrame({"_source_line": [numbers[0]], "text": [text_of[numbers[0]]],
                                       "lines": [[numbers[0]]]}, schema=parts[0].schema))
            rest = pl.DataFrame({"_source_line": numbers[1:], "text": [text_of[n] for n in numbers[1:]],
                                 "line_end": [end_of[n] for n in numbers[1:]]},
                                schema={"_source_line": pl.Int64, "text": pl.Utf8, "line_end": pl.Utf8})
            parts.append(_group_lines(rest).select(parts[0].columns))
        records = pl.concat(parts)


def _cut_inside_quote(records: pl.DataFrame, lines: pl.DataFrame, delimiter: str, width: int
                      ) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """The records (`_group_lines`) with the last one set aside when the file ends inside a quoted
    field: (the others, that record as `_source_line`, `text`, `spans`), or (records, None).

    A copy cut short inside a quoted field that runs over lines (a `desc` typed with line breaks)
    leaves that field's quote open at the end of the file: the record's first line opens the field
    (a quote at a field's start, never closed on that line) and its other lines are the field's text,
    none of them a record of `width` fields. Such a record is one record, cut; `_resync` would make
    each of its lines a malformed record of its own and count one record of the file twice or more.
    A quote that is text (`12" press`) opens no field, and the lines after it are records: `_resync`
    splits those. `spans` is the file's last line."""
    odd = lines.get_column("text").str.count_matches('"', literal=True) % 2 == 1
    if not records.height or odd.sum() % 2 == 0:
        return records, None
    last = records.tail(1)
    numbers = last.get_column("lines").item().to_list()
    first = lines.filter(pl.col("_source_line") == numbers[0]).get_column("text").item()
    opens = [k for k, char in enumerate(first) if char == '"' and (k == 0 or first[k - 1] == delimiter)]
    left_open = any(f'"{delimiter}' not in first[start + 1:] and not first.endswith('"') for start in opens)
    rest = lines.filter(pl.col("_source_line").is_in(numbers[1:]))
    records_among = rest.filter((_field_count(delimiter) == width) & pl.col("text").str.contains(_one_record(delimiter)))
    if not left_open or records_among.height:
        return records, None
    return records.head(records.height - 1), last.select("_source_line", "text", spans=pl.lit(numbers[-1], pl.Int64))


def _backslash_escapes(lines: pl.Series, first: int, width: int, delimiter: str) -> tuple[pl.Series, int]:
    """The physical lines with the records a writer escaped with backslashes rewritten as RFC 4180
    writes them, and how many of them hold an escaped quote (0: the file is read as it is).

    Spark's CSV writer and MySQL's `SELECT ... INTO OUTFILE` write a quote inside a quoted field as
    `\\"`, not `""` (Spark's `escape` option, default a backslash; MySQL's `FIELDS ESCAPED BY`):
    `"He said \\"ok\\", then left"`. Read with doubled quotes, each such record is malformed. The
    data lines from index `first` that hold `\\"` decide, as the news reader decides: when a strict
    reader with the backslash as escape reads more of them as one record of `width` fields (or one
    more, empty: a trailing delimiter) than one with doubled quotes does, every data line holding a
    backslash that it so reads is rewritten with its fields quoted as RFC 4180 quotes them. A
    backslash escapes only a quote or a backslash (`\\\\` is one); any other, as in `C:\\data` or
    MySQL's NULL `\\N` (an export null marker, read later), stays a backslash. A line it does not
    read whole stays as written, for the reader to judge. Line numbers do not change."""
    data_lines = lines.slice(first)
    if not data_lines.str.contains('\\"', literal=True).any():
        return lines, 0
    doubled = {"delimiter": delimiter, "strict": True}
    escaping = {**doubled, "escapechar": "\\", "doublequote": False}
    texts = lines.to_list()
    quoted = [text for text in texts[first:] if '\\"' in text]
    with csv_field_limit(max(map(len, quoted))):
        if (sum(_whole_record(_lone_backslashes_kept(t), width, escaping) is not None for t in quoted)
                <= sum(_whole_record(t, width, doubled) is not None for t in quoted)):
            return lines, 0
        escaped = 0
        for i in range(first, len(texts)):
            if "\\" in texts[i] and (fields := _whole_record(_lone_backslashes_kept(texts[i]), width, escaping)):
                escaped += '\\"' in texts[i]
                out = io.StringIO()
                csv.writer(out, delimiter=delimiter, lineterminator="").writerow(fields)
                texts[i] = out.getvalue()
    return pl.Series("text", texts, pl.Utf8), escaped


def _lone_backslashes_kept(text: str) -> str:
    """`text` with each backslash that escapes neither a quote nor a backslash doubled, so that a
    reader whose escape is the backslash keeps it (`C:\\data`, `\\N`)."""
    return re.sub(r'\\(["\\]?)', lambda found: found.group(0) if found.group(1) else "\\\\", text)


def _whole_record(text: str, width: int, fmt: dict) -> list[str] | None:
    """The fields of `text` when a strict CSV reader with `fmt` reads it as one record of `width`
    fields (or of one more, empty: a trailing delimiter), else None."""
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), **fmt))
    except csv.Error:
        return None
    if len(records) != 1 or not (len(records[0]) == width or (len(records[0]) == width + 1 and not records[0][-1])):
        return None
    return records[0]


def _quoted_fields_over_lines(records: pl.DataFrame, width: int, delimiter: str) -> pl.DataFrame:
    """Records that one record of the file became when a quoted field with a line break in it also
    holds a quote that is not doubled, joined again: `"Need 12" press` + line break + `for my shop"`
    in a `desc`. Quote parity cannot group such a record (the quote typed for inches leaves the
    first line with an even count and the last with an odd one), so its first line was read as a
    record of its own, malformed, and its last line, the rest of the field and the fields after it,
    as another: a one-cell line that would pass for a divider (`section_label`), or a short row that
    `pad_short_rows` would load.

    A run of malformed records on consecutive lines, up to QUOTED_LINE_BREAKS after the first, is
    one record (`_one_field_over_lines`) when its first is misquoted, never one CSV record on its
    own (a field's quote never closed, or text after its closing quote): records that are merely
    of another width than the header's (an export with a column more) are never joined. The joined
    record keeps its first line and stays malformed (`misquoted`, as its first was), its text being
    all its lines; `spans` holds its last line (null for every other record). `records` holds `_source_line`, `text`, `n_fields`, `misquoted` and
    `filled_extra`; no line is lost or repeated."""
    broken = (pl.col("n_fields") != width) | pl.col("misquoted") | pl.col("filled_extra")
    candidates = records.filter(broken).select("_source_line", "text", "misquoted").sort("_source_line").rows()
    joined: dict[int, tuple[str, int]] = {}
    taken: list[int] = []
    i = 0
    while i < len(candidates):
        first, text, misquoted = candidates[i]
        last = first + text.count("\n")
        run = [text]
        for j in range(i + 1, min(i + 1 + QUOTED_LINE_BREAKS, len(candidates)) if misquoted else 0):
            line, more, _ = candidates[j]
            if line != last + 1:
                break
            run.append(more)
            last = line + more.count("\n")
            if _one_field_over_lines("\n".join(run), width, delimiter):
                joined[first] = ("\n".join(run), last)
                taken += [number for number, *_ in candidates[i + 1 : j + 1]]
                i = j
                break
        i += 1
    if not joined:
        return records.with_columns(spans=pl.lit(None, pl.Int64))
    fixes = pl.DataFrame({"_source_line": list(joined), "_joined": [t for t, _ in joined.values()],
                          "spans": [last for _, last in joined.values()]},
                         schema={"_source_line": pl.Int64, "_joined": pl.Utf8, "spans": pl.Int64})
    return (records.filter(~pl.col("_source_line").is_in(taken))
            .join(fixes, on="_source_line", how="left", maintain_order="left")
            .with_columns(text=pl.coalesce("_joined", "text")).drop("_joined"))


def _one_field_over_lines(text: str, width: int, delimiter: str) -> bool:
    """Whether `text`, lines of malformed records joined by line breaks, is one record whose quoted
    field runs over every line break and holds quotes that are not doubled: read with the quotes
    inside that field doubled, it is one record of `width` fields (`_one_record`); or its first line
    leaves a field opened by a quote open at its end (no quote after it closes it: none is followed
    by the delimiter, and the line does not end with one), the lines between hold no quote, and its
    last line holds an odd number of quotes, the one that closes the field among them, so that the
    field's end, and the fields after it, cannot be told."""
    lines = text.split("\n")
    first_end, last_start = len(lines[0]), len(text) - len(lines[-1])
    quotes = [k for k, char in enumerate(text) if char == '"']
    opens = [k for k in quotes if k < first_end and (k == 0 or text[k - 1] == delimiter)]
    closes = [k for k in quotes if k >= last_start and (k == len(text) - 1 or text[k + 1] == delimiter)]
    one = re.compile(_one_record(delimiter))
    for start in opens:
        for end in closes:
            reread = text[: start + 1] + text[start + 1 : end].replace('"', '""') + text[end:]
            if one.fullmatch(reread) and re.sub(_QUOTED, "", reread).count(delimiter) + 1 == width:
                return True
    left_open = any(f'"{delimiter}' not in lines[0][start + 1 :] and not lines[0].removesuffix("\r").endswith('"')
                    for start in opens)
    return (left_open and not any('"' in line for line in lines[1:-1])
            and lines[-1].count('"') % 2 == 1)


def _split_one_by_one(good: pl.DataFrame, header: list[str], delimiter: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Records (`_source_line`, `text`) split one at a time by the csv module: (fields as in
    TextRecords.fields, malformed rows for records that do not give len(header) fields)."""
    rows, bad = [], []
    with csv_field_limit(good.get_column("text").str.len_chars().max() or 0):
        for line, text in good.select("_source_line", "text").iter_rows():
            try:
                split = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
            except csv.Error as exc:
                bad.append((line, text, f"cannot be split into fields: {exc}"))
                continue
            if len(split) == 1 and len(split[0]) == len(header):
                rows.append([*split[0], line])
            else:
                found = sum(len(r) for r in split)
                bad.append((line, text, f"expected {len(header)} fields separated by '{delimiter}', "
                                        f"found {found} (a quote that does not open or close a field)"))
    schema = {**{name: pl.Utf8 for name in header}, "_source_line": pl.Int64}
    fields = pl.DataFrame(rows, schema=schema, orient="row")
    malformed = pl.DataFrame(bad, schema={"line": pl.Int64, "raw_value": pl.Utf8, "message": pl.Utf8}, orient="row")
    return fields, malformed


def _repeated_headers(frame: pl.DataFrame, path: Path, header: list[str], delimiter: str) -> list[int]:
    """Lines of `frame` (text records) that repeat the header in its order (`header_repeat`: quoted,
    cased or spelled differently, `Loan Amnt` for `loan_amnt`, with a delimiter after the last
    name or without). Raises FileRefused (`layout_refusal`) for one in another order or another
    layout. Only lines holding two of the first, last and two longest column names are split, so a
    large file costs four substring scans."""
    names = [key.replace("_", " ") for key in _header_keys([name.strip(" \ufeff") for name in header])]
    if not names:  # a header of untitled columns alone: no line names them
        return []
    probes = list(dict.fromkeys([names[0], names[-1], *sorted(names, key=len, reverse=True)[:2]])) if names else []
    lowered = frame.get_column("text").str.to_lowercase().str.replace_all("_", " ", literal=True)  # once, not per probe
    held = pl.sum_horizontal(lowered.str.contains(probe, literal=True).cast(pl.Int32) for probe in probes) if probes \
        else pl.lit(0)
    candidates = frame.filter(held >= min(2, len(probes)))
    repeats = []
    for line, text in candidates.select("_source_line", "text").iter_rows():
        fields = split_fields(text, delimiter)
        verdict = header_repeat(fields, header)
        if verdict in ("reordered", "changed"):
            raise layout_refusal(path, line, fields, header, verdict)
        if verdict == "same":
            repeats.append(line)
    return repeats


def _short_of_untitled(untitled: int, width: int, delimiter: str) -> tuple[pl.Expr, pl.Expr]:
    """For a header whose last `untitled` columns have no name: (the text of a record that stops
    before them, padded to the header's width: a when-chain to finish with `.otherwise`; whether it
    is such a record). Such a record holds the named columns and none, or fewer, of the untitled
    ones, all empty: `1,2,3` or `1,2,3,` under `a,b,c,,`; its text ends with as many delimiters as it
    holds untitled fields, and not with one more (a named field left empty there is not told from a
    lost one)."""
    named = width - untitled
    padded, found = None, pl.lit(False)
    for held in range(untitled):
        tail = re.escape(delimiter) * held
        is_short = (pl.col("n_fields") == named + held) & pl.col("text").str.contains(f"(?:^|[^{re.escape(delimiter)}]){tail}\\s*$")
        then = pl.col("text") + delimiter * (untitled - held)
        padded = pl.when(is_short).then(then) if padded is None else padded.when(is_short).then(then)
        found = found | is_short
    return padded, found


def _trailing_delimiter_column(records: pl.DataFrame, header: list[str], delimiter: str,
                               header_ends_empty: int = 0) -> tuple[pl.DataFrame, list[str], bool]:
    """An export that ends each data line with a delimiter its header line lacks (ERP and mainframe
    writers put one after every field): with half the records or more one field longer than the
    header and that field empty, the header gains an empty column, named by position
    (`column_17`, as when the header ends with a delimiter too), and a record written without the
    trailing delimiter is read with that column empty. Otherwise every record would be
    malformed. A record whose extra field is not empty (a separator inside a value shifted its
    fields) gets `filled_extra` True and stays malformed. Returns (records with `filled_extra`,
    header, whether it was widened).

    A record of the header's width that itself ends with the delimiter is not padded: in such a
    file it is one field short (`K9|5375|Charged Off|201110|60|` lost its rate, and padded, its term
    would load as the rate), or its last value is empty and its trailing delimiter missing; the
    two cannot be told apart, so it gets `lost_field` True and stays malformed.

    The mirror case: a header that ends with delimiters (`header_ends_empty`: how many of its last
    columns are untitled) over data lines that end with fewer or none (a report tool that writes a
    separator after every header cell only, or one more after the header than after each line, or a
    writer that drops the trailing separator on some lines only: `_short_of_untitled`). Those
    records, however few, are read with the untitled columns empty: all they lack is an empty,
    unnamed column, so nothing is lost; the header is kept (widened True). A record short of a
    named column is not such a record and stays malformed."""
    width = len(header)
    ends_empty = pl.col("text").str.contains(f"{re.escape(delimiter)}\\s*$")
    if header_ends_empty and records.height:
        short, n_short = _short_of_untitled(header_ends_empty, width, delimiter)
        if records.select(n_short.any()).item():
            records = records.with_columns(
                text=short.otherwise(pl.col("text")),
                n_fields=pl.when(n_short).then(width).otherwise(pl.col("n_fields")),
                filled_extra=pl.lit(False), lost_field=pl.lit(False))
            return records, header, True
    trailing = (pl.col("n_fields") == width + 1) & ends_empty
    n_trailing = records.select(trailing.sum()).item() if records.height else 0
    if not n_trailing or 2 * n_trailing < records.height:
        return _empty_trailing_fields(records, header, delimiter)
    unpadded = (pl.col("n_fields") == width) & ~ends_empty
    records = records.with_columns(
        filled_extra=(pl.col("n_fields") == width + 1) & ~ends_empty,
        lost_field=(pl.col("n_fields") == width) & ends_empty,
    ).with_columns(
        text=pl.when(unpadded).then(pl.col("text") + delimiter).otherwise(pl.col("text")),
        n_fields=pl.when(unpadded).then(width + 1).otherwise(pl.col("n_fields")),
    )
    return records, named_columns([*header, ""]), True


def _trailing_empty_fields(records: pl.DataFrame, width: int, delimiter: str) -> tuple[pl.DataFrame, list[int]]:
    """Records longer than the header (`width` fields) whose extra fields are all empty, trailing
    delimiters only (`...,Fully Paid,`: an export or hand edit that ends some lines with one more
    delimiter), read without them: nothing is lost, so they load instead of being malformed. A
    record whose extra field holds a value (`...,Fully Paid,x`, or a delimiter inside a value that
    shifted its fields) keeps its length and stays malformed.

    `records` holds `text` and `n_fields` (`_field_count`). Returns the records and the physical
    lines (`_source_line`) of those read so, in order; [] when none was."""
    if not records.height:
        return records, []
    blank = f"[^\\S{re.escape(delimiter)}]*"  # white space that is not the delimiter itself
    trailing = (pl.col("text").str.extract(f"((?:{re.escape(delimiter)}{blank})+)$", 1)
                .str.count_matches(delimiter, literal=True).fill_null(0))
    extra = pl.col("n_fields") - width
    emptied = records.filter((extra > 0) & (trailing >= extra))
    if not emptied.height:
        return records, []
    cut = {line: re.sub(f"(?:{re.escape(delimiter)}{blank}){{{n - width}}}$", "", text)
           for line, text, n in emptied.select("_source_line", "text", "n_fields").iter_rows()}
    lines = list(cut)
    read = pl.col("_source_line").is_in(lines)
    return records.with_columns(
        text=pl.when(read).then(pl.col("_source_line").replace_strict(cut, default=None, return_dtype=pl.Utf8))
        .otherwise(pl.col("text")),
        n_fields=pl.when(read).then(pl.lit(width, records.schema["n_fields"])).otherwise(pl.col("n_fields")),
    ), lines


def _numbered_rows(texts: pl.Series, delimiter: str) -> bool:
    """Whether records' first fields are R's row names: quoted (`"181"`, write.table's default), or
    numbers that go up by one from each record to the next. A tape whose first column is an id and
    whose records hold one field too many (an amount written `2,500` unquoted) is neither."""
    first = texts.str.extract(f'^\\s*("?)(\\d+)"?\\s*{re.escape(delimiter)}', 2).cast(pl.Int64, strict=False)
    quoted = texts.str.contains(f'^\\s*"\\d+"\\s*{re.escape(delimiter)}')
    return bool(quoted.all()) or (first.len() > 1 and bool((first.diff().drop_nulls() == 1).all()))


def _empty_trailing_fields(records: pl.DataFrame, header: list[str], delimiter: str
                           ) -> tuple[pl.DataFrame, list[str], bool]:
    """`_trailing_delimiter_column` for a grid that ends every data line with several empty fields
    its header lacks (a report or grid copy writing `\t\t\t` after each row's last value): with half
    the records or more exactly k > 1 fields longer than the header and those k fields empty, the
    header gains k empty columns (`column_28` ...), and a record written without them is read with
    them empty. A record of that length with a value in them (`filled_extra`) stays malformed, as
    does any other length. Returns (records with `filled_extra` and `lost_field`, header, widened).

    And R's `write.table` with row names: half the records or more one field longer than the header
    and starting with a row name (`"181"`, quoted, or numbers going up by one: `_numbered_rows`), their last field not empty: the
    header gains an untitled first column (`column_1`), which no mapping reads, instead of every
    record being malformed."""
    width = len(header)
    unchanged = records.with_columns(filled_extra=pl.lit(False), lost_field=pl.lit(False)), header, False
    row_names = (pl.col("n_fields") == width + 1) & pl.col("text").str.contains(f'^\\s*"?\\d+"?\\s*{re.escape(delimiter)}')
    if records.height and 2 * records.select(row_names.sum()).item() >= records.height and _numbered_rows(
            records.filter(row_names).get_column("text"), delimiter):
        # R's write.table (row.names = TRUE) writes each row's name first and leaves it out of the
        # header: the header gains an untitled first column (`column_1`); the named columns keep their values
        return unchanged[0], named_columns(["", *header]), True
    longer = records.filter(pl.col("n_fields") > width + 1).get_column("n_fields") if records.height else None
    if longer is None or 2 * longer.len() < records.height:
        return unchanged
    extra = int(longer.mode().min()) - width
    blank = f"[^\\S{re.escape(delimiter)}]*"  # white space that is not the delimiter itself
    tail_empty = pl.col("text").str.contains(f"(?:{re.escape(delimiter)}{blank}){{{extra}}}$")
    held = (pl.col("n_fields") == width + extra) & tail_empty
    if 2 * records.select(held.sum()).item() < records.height:
        return unchanged
    unpadded = pl.col("n_fields") == width
    records = records.with_columns(
        filled_extra=(pl.col("n_fields") == width + extra) & ~tail_empty, lost_field=pl.lit(False),
    ).with_columns(
        text=pl.when(unpadded).then(pl.col("text") + delimiter * extra).otherwise(pl.col("text")),
        n_fields=pl.when(unpadded).then(width + extra).otherwise(pl.col("n_fields")),
    )
    return records, named_columns([*header, *[""] * extra]), True


COMMENT_LINE = r"^\s*(#|--|//)"
"""A line that a script or a person wrote as a comment between a tape's records (`# --- batch 2 ---`)."""


def _pad_short_rows(records: pl.DataFrame, width: int, delimiter: str) -> tuple[pl.DataFrame, list[int]]:
    """Records of fewer than `width` fields, read as rows whose last cells are empty: Excel leaves
    out the separators of empty cells at the end of a row when it saves text (Microsoft, "Column
    delimiters not added for blank cells in text file", KB 77295). The missing fields are appended
    as empty ('' then loads as NULL, or quarantines a required column as `missing_value`). A record
    that lost a field in its middle cannot be told from one whose last cells are empty, so this is
    only done when a mapping declares it (`pad_short_rows`). A misquoted record is left as it is.
    Returns (records, the padded records' first lines, ascending)."""
    short = (pl.col("n_fields") < width) & ~pl.col("misquoted")
    lines = records.filter(short).get_column("_source_line").to_list()
    if not lines:
        return records, []
    records = records.with_columns(
        text=pl.when(short).then(pl.col("text") + pl.lit(delimiter).repeat_by(width - pl.col("n_fields")).list.join(""))
        .otherwise(pl.col("text")),
        n_fields=pl.when(short).then(pl.lit(width, dtype=pl.UInt32).cast(records.schema["n_fields"])).otherwise(pl.col("n_fields")),
    )
    return records, sorted(lines)


def first_data_line(lines: Sequence[str], line_kinds: Sequence[tuple[str, str]] = ()) -> str:
    """The first line that is neither blank nor of one of the `line_kinds` (a declared header or
    trailer record), '' when there is none: a file without a header takes its width from it."""
    kinds = [re.compile(pattern) for _, pattern in line_kinds]
    return next((line for line in lines if line.strip() and not any(kind.search(line) for kind in kinds)), "")


def read_records(
    data: bytes,
    *,
    path: Path,
    delimiter: str,
    header_line: int,
    line_kinds: Sequence[tuple[str, str]] = (),
    pad_short_rows: bool = False,
    reads: Callable[[str], bool] | None = None,
) -> TextRecords:
    """Split UTF-8 `data` into the header and text records with physical line numbers.

    Args:
        data: the file's content as UTF-8 (see `to_utf8`), its lines ended by LF, CR LF, or CR
            alone (a CR-only file: each CR is a line end, and one inside a quoted field stays in
            the value, as a CR LF or LF there does).
        path: the landed file, for messages.
        delimiter: one-character field separator.
        header_line: physical line of the header, 1-based; lines above it are notes (non-data). 0:
            the file has no header (a mapping with `"header": false`); every line is data and the
            columns are named by position, `column_1` to `column_<n>`, n the field count of the
            first non-blank line.
        line_kinds: (kind, regex) pairs; a line (outside any quoted field) that matches is skipped
            as non-data of that kind. Blank lines and lines of delimiters only (`,,,,`) are always
            skipped as `blank`, a line that repeats the header (exports concatenated into one
            file; a byte-order mark, quotes or another case included) as `repeated_header`, and
            the NUL bytes that end a file (`nul_padding`) as `nul_padding`, with notes['nul_padding'].
            A file whose header is followed by NUL padding alone is refused (FileRefused): a copy
            cut before its first record must not land as an empty tape.
            Data lines that end with a delimiter the header lacks give the header an empty last
            column (`_trailing_delimiter_column`).
        pad_short_rows: a record with fewer fields than the header gets empty fields at its end
            (`_pad_short_rows`), its lines listed in notes['short_rows_padded']; False: it is
            malformed, and its message names the setting.
        reads: whether the caller reads a column by this name (`distinct_header`): a name the
            header repeats is refused only then; another repeat is read under a name of its own
            (`comment_2`), listed in notes['header_repeats']. None: every column is read.

    Raises:
        FileRefused: the header repeats a column name that is read (`distinct_header`) or holds
            `_source_line`, or comes back later with its columns in another order. An empty
            column name is named by its position (`column_17`).
    """
    cr_only = b"\r" in data and b"\n" not in data
    data = _lf_line_ends(data)
    lines = _physical_lines(data)
    if header_line == 0:
        first = first_data_line(lines.to_list(), line_kinds)
        header_text, header_lines = None, 0
        header = named_columns([""] * len(split_fields(first, delimiter)))
    else:
        header_text, header_lines = join_quoted(lines[header_line - 1 : header_line + QUOTED_LINE_BREAKS].to_list(), 0)
        header = named_columns(split_fields(header_text, delimiter))
    written = header  # as the file writes it: a later line that repeats the header repeats these names
    try:  # the names with the blanks around them, for a refusal of a repeated name
        raw_names = (None if header_text is None else
                     next(csv.reader([header_text.lstrip("\ufeff")], delimiter=delimiter), None))
    except csv.Error:
        raw_names = None
    header, repeats = distinct_header(header, f"{path}: line {header_line}", reads, raw_names)
    if "_source_line" in header:
        raise FileRefused(f"{path}: line {header_line}: column '_source_line' is a lineage column the lake "
                          "sets itself (the file looks like an export of the lake); drop or rename it")
    above = lines[: max(header_line - 1, 0)].to_list()  # a client's frame drawn above the header is a rule
    non_data = [(n, "rule_line" if re.search(rule_line(delimiter), text) else "note") for n, text in enumerate(above, start=1)]
    non_data += [(n, "header_continued") for n in range(header_line + 1, header_line + header_lines)]
    lines, escaped = _backslash_escapes(lines, max(header_line + header_lines - 1, 0), len(header), delimiter)
    physical_lines, split = len(lines), None
    if lines.str.contains("\r", literal=True).any():  # records joined by a lone CR (mixed line ends)
        width, quoted = len(header), re.compile(_QUOTED)
        split = [split_at_record_crs([line], lambda piece: quoted.sub("", piece).count(delimiter) + 1 == width)
                 if "\r" in line else [line] for line in lines.to_list()]
        lines = pl.Series("text", [piece for pieces in split for piece in pieces], pl.Utf8)
    split_at_crs = split is not None

    first_read = max(header_line + header_lines - 1, 0)  # the first line after the header, counted from 0
    frame = pl.DataFrame({"text": lines}).with_row_index("_source_line", offset=1)
    frame = frame.with_columns(pl.col("_source_line").cast(pl.Int64)).slice(first_read)
    odd = frame.get_column("text").str.count_matches('"', literal=True) % 2 == 1
    cut_in_quote = None
    if odd.any():  # a quoted field runs over line ends: group lines into records
        # only lines joined into a record keep their line ends, so only then are the file's bytes scanned
        ends = _crlf_ends(data, physical_lines).to_frame().with_columns(at_lone_cr=pl.lit(False))
        if split_at_crs:  # a line split at lone CRs: each piece but its last ends in that CR, the last as the line did
            ends = pl.DataFrame({"crlf": [crlf and k == len(pieces) - 1 for pieces, crlf in zip(split, ends["crlf"])
                                          for k in range(len(pieces))],
                                 "at_lone_cr": [k < len(pieces) - 1 for pieces in split for k in range(len(pieces))]})
        line_end = (pl.when(pl.col("at_lone_cr")).then(pl.lit("\r")).when(pl.col("crlf")).then(pl.lit("\r\n"))
                    .otherwise(pl.lit("\r" if cr_only else "\n")))  # LF, or CR in a CR-only file
        frame = frame.with_columns(ends.select(line_end=line_end).to_series().slice(first_read))
        grouped, cut_in_quote = _cut_inside_quote(_group_lines(frame), frame, delimiter, len(header))
        frame = _resync(grouped, frame, delimiter, len(header))
        if cut_in_quote is not None:  # one record, cut: never split into a malformed record per line
            frame = pl.concat([frame, cut_in_quote.select("_source_line", "text")])
    frame = frame.drop("line_end", strict=False)
    empty_fields = f"^[\\s{re.escape(delimiter)}]*$"  # blank, or delimiters only: ",,,," (a formatted, empty spreadsheet row)
    kind = pl.when(pl.col("text").str.contains(empty_fields)).then(pl.lit("blank"))
    kind = kind.when(pl.col("text").str.contains(rule_line(delimiter))).then(pl.lit("rule_line"))
    kind = kind.when(pl.col("text").str.contains(ROW_COUNT_LINE)).then(pl.lit("row_count"))
    kind = kind.when(pl.col("text").str.contains(PAGE_NUMBER_LINE)).then(pl.lit("page_number"))
    kind = kind.when((pl.col("_source_line") == pl.col("_source_line").max())
                     & pl.col("text").str.contains(END_OF_FILE_MARKER)).then(pl.lit("end_of_file_marker"))
    if padding := nul_padding(data):  # the file's end zero-filled: a pre-allocated or cut copy
        padded_from = data.count(b"\n", 0, padding[0]) + 1  # its first NUL's line
        kind = kind.when((pl.col("_source_line") >= padded_from) & pl.col("text").str.contains(r"^\x00+$")
                         ).then(pl.lit("nul_padding"))
    if header_text is not None:
        again = _repeated_headers(frame, path, written, delimiter)
        kind = kind.when((pl.col("text").str.strip_chars(" \ufeff") == header_text.strip(" \ufeff"))
                         | pl.col("_source_line").is_in(again)).then(pl.lit("repeated_header"))
    for name, pattern in line_kinds:
        kind = kind.when(pl.col("text").str.contains(pattern)).then(pl.lit(name))
    frame = frame.with_columns(kind=kind.otherwise(None))
    skipped = frame.filter(pl.col("kind").is_not_null())
    non_data += list(zip(skipped.get_column("_source_line").to_list(), skipped.get_column("kind").to_list()))
    marked = skipped.filter(pl.col("kind") != "blank")
    marked_text = dict(zip(marked.get_column("_source_line").to_list(), marked.get_column("text").to_list()))
    records = frame.filter(pl.col("kind").is_null()).drop("kind")

    records = records.with_columns(n_fields=_field_count(delimiter))
    header_fields = split_fields(header_text, delimiter) if header_text is not None else []
    named = len(header_fields)
    while named > 1 and header_fields[named - 1] == "":
        named -= 1
    header_ends_empty = len(header_fields) - named  # untitled columns after the last named one
    short_of_header = (records.filter(_short_of_untitled(header_ends_empty, len(header), delimiter)[1])
                       .get_column("_source_line").to_list() if header_ends_empty else [])
    records, header, widened = _trailing_delimiter_column(records, header, delimiter, header_ends_empty)
    records, emptied_lines = _trailing_empty_fields(records, len(header), delimiter)
    reader_notes: dict[str, object] = {"header_repeats": repeats} if repeats else {}
    if header_text is not None and (marked := header_marks_note(split_fields(header_text, delimiter))):
        reader_notes["header_invisible_characters"] = marked  # the lines come without the file's own byte-order mark
    if escaped:
        reader_notes["quotes_escaped_with_backslash"] = escaped
    if padding:
        first, nuls = padding
        own_line = first == 0 or data[first - 1] in b"\r\n"
        reader_notes["nul_padding"] = (
            f"the file ends with {nuls:,} NUL bytes from line {padded_from}"
            + ("" if own_line else ", in its last record's text (quarantined where a column read holds them)")
            + ": a copy written into space set aside for it, or cut short, ends so; compare its last records with "
              "the source")
    if header_ends_empty and widened:
        reader_notes["header_ends_with_delimiter"] = {"records": len(short_of_header), "lines": short_of_header[:20]}
    if emptied_lines:
        reader_notes["trailing_empty_fields"] = {"records": len(emptied_lines), "lines": emptied_lines[:20]}
    records = records.with_columns(
        misquoted=pl.col("text").str.contains('"', literal=True) & ~pl.col("text").str.contains(_one_record(delimiter)),
    )
    records = _quoted_fields_over_lines(records, len(header), delimiter)
    padded: list[int] = []
    if pad_short_rows and not widened:
        records, padded = _pad_short_rows(records, len(header), delimiter)
    well_formed = (pl.col("n_fields") == len(header)) & ~pl.col("misquoted") & ~pl.col("filled_extra")
    comment_mark = pl.col("text").str.extract(COMMENT_LINE, 1)  # '#', '--' or '//' of a comment line
    # a short last record of a file without a final line end was cut off in transfer: padding it
    # (pad_short_rows) would load the cut record, so its message must not suggest it
    last_line = records.get_column("_source_line").max()
    cut_short = (pl.col("_source_line") == last_line if last_line is not None and not data.endswith((b"\n", b"\r"))
                 else pl.lit(False))
    good = records.filter(well_formed)
    cut_first, cut_last = cut_in_quote.row(0)[::2] if cut_in_quote is not None else (0, 0)
    cut_lines = f"line {cut_first}" if cut_first == cut_last else f"lines {cut_first}-{cut_last}"
    malformed = records.filter(~well_formed).select(
        pl.col("_source_line").alias("line"),
        pl.col("text").alias("raw_value"),
        pl.when(pl.col("_source_line") == cut_first)
        .then(pl.lit(f"the file ends inside a quoted field that this record opens ({cut_lines}, one record): "
                     "its closing quote and the rest of the record never arrived (cut short in transfer?); "
                     "compare the file with its source and land it whole"))
        .when(pl.col("spans").is_not_null())
        .then(pl.format("lines {}-{} are one record: a quoted field runs over the line end and holds a quote that "
                        "is not doubled (RFC 4180 writes a quote inside a quoted field as \"\"), so where the field "
                        f"ends cannot be told: not one record of {len(header)} fields separated by '{delimiter}'",
                        "_source_line", "spans"))
        .when(pl.col("misquoted") & pl.col("text").str.contains('\\"', literal=True))
        .then(pl.lit("a quoted field is never closed, or text follows its closing quote: not one record of "
                     f"{len(header)} fields separated by '{delimiter}', with a quote inside a field doubled (\"\") "
                     "or escaped by a backslash (\\\", as Spark and MySQL write it; read so only where that reads "
                     "more of the file's records whole)"))
        .when(pl.col("misquoted"))
        .then(pl.lit("a quoted field is never closed, or text follows its closing quote: "
                     f"not one record of {len(header)} fields separated by '{delimiter}'"))
        .when(pl.col("filled_extra"))
        .then(pl.lit(f"the file ends its data lines with an empty field after the header's {len(header) - 1} "
                     "columns, and this line fills it: a separator inside a value shifted its fields"))
        .when(pl.col("lost_field"))
        .then(pl.lit(f"the file ends its data lines with '{delimiter}' after the header's {len(header) - 1} "
                     f"columns, and this line has {len(header) - 1} fields ending with '{delimiter}': a field is "
                     "missing (its values after the gap would load one column early), or its last value is empty "
                     "and its trailing separator missing; which cannot be told"))
        .when(pl.lit(header_text is not None) & pl.col("text").str.strip_chars(" \ufeff").str.ends_with(
            (header_text or "").strip(" \ufeff")))
        .then(pl.format(f"expected {len(header)} fields separated by '{delimiter}', found {{}}: the header is glued "
                        "onto the end of this record (two files joined, the first without a line end at its end); "
                        "the record is before it", "n_fields"))
        .when((pl.col("n_fields") < len(header)) & cut_short)
        .then(pl.format(f"expected {len(header)} fields separated by '{delimiter}', found {{}}: the file ends "
                        "mid-record, without a line end (cut short in transfer?): this last record lost its end; "
                        "compare the file with its source and land it whole", "n_fields"))
        .when((pl.col("n_fields") < len(header)) & comment_mark.is_not_null())
        .then(pl.format(f"expected {len(header)} fields separated by '{delimiter}', found {{}}: a comment line "
                        "('{}'), not a loan; to pass such lines over, declare \"non_data_prefixes\": [\"{}\"] in "
                        "the file's mapping", "n_fields", comment_mark, comment_mark))
        .when(pl.col("n_fields") < len(header))
        .then(pl.format(f"expected {len(header)} fields separated by '{delimiter}', found {{}}: if the file's writer "
                        "left out the separators of empty cells at the end of a row (Excel does), declare "
                        "\"pad_short_rows\": true in its column mapping's dialect", "n_fields"))
        .otherwise(pl.format(f"expected {len(header)} fields separated by '{delimiter}', found {{}}", "n_fields"))
        .alias("message"),
    )
    if good.height:
        every_line_a_record = good.height == frame.height and not (odd.any() or split_at_crs or widened or padded
                                                                   or escaped)
        source = data if every_line_a_record else good.get_column("text").str.join("\n").item().encode("utf-8")
        try:
            fields = pl.read_csv(
                io.BytesIO(source), skip_lines=header_line if every_line_a_record else 0,
                has_header=False, new_columns=header, separator=delimiter, quote_char='"',
                infer_schema=False, empty_string_is_null=False,
            )
        except pl.exceptions.PolarsError:
            fields = None
        if fields is None or fields.height != good.height:
            # a quote polars reads differently from the count above (a quote inside a field, a space
            # before an opening quote): split record by record, as the csv module reads it
            fields, unsplit = _split_one_by_one(good, header, delimiter)
            malformed = pl.concat([malformed, unsplit]).sort("line")
        else:
            fields = fields.with_columns(good.get_column("_source_line"))
    else:
        fields = pl.DataFrame(schema={**{name: pl.Utf8 for name in header}, "_source_line": pl.Int64})
    if padding and fields.height == 0 and malformed.height == 0:  # a header, then zeros: a copy cut before its data
        raise FileRefused(f"{path}: the file holds its header and then {padding[1]:,} NUL bytes from line "
                          f"{padded_from}, no record: a copy cut short before its first record (a pre-allocating "
                          "transfer stopped); was it landed before it was fully written? Land it again once the "
                          "copy is complete")
    return TextRecords(header=header, fields=fields, malformed=malformed, non_data_lines=sorted(non_data),
                       marked_text=marked_text, note_text=dict(enumerate(above, start=1)),
                       notes={**reader_notes, **({"short_rows_padded": padded} if padded else {})},
                       cut_in_quoted_field=cut_first if cut_first in malformed.get_column("line") else None)
