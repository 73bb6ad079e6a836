"""Tables drawn with box characters, as a database client prints them to a terminal.

psql with `\\pset linestyle unicode` draws its aligned output with `│` between columns and `─┼─`
under the header (`\\pset border 2` adds a frame, `┌─┬─┐` ... `└─┴─┘`); DuckDB's command line and
Python `print(relation)` draw the same frame with a row of column types under the header
(`varchar`, `int64`) and a footer (`12 rows  4 columns`). Saved to a file and landed, such a table
is read as the pipe-separated paste of psql's or mysql's ASCII output is (`csv_text.rule_line`,
`csv_text.ROW_COUNT_LINE`): `unbox` rewrites each line's box characters, one line for one line so
line numbers stay those of the file, and the reader goes on as for any `|`-separated file.

A display is not an export: it may leave out what did not fit the screen. DuckDB prints at most
40 rows by default, eliding the middle ones as a row of `·` and saying `100 rows (40 shown)`, drops
columns as a `…` column (`16 columns (8 shown)`), and wraps a long value over several lines; psql
marks a value's line break with `↵`. Read as rows, each would lose loans or cut values without a
word, so such a file is refused, naming the line and what was left out, and saying how to export
the table instead.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from risk_assets.lib.ingest.parsed import FileRefused

VERTICALS = "│┃║┆┊"
"""Column separators: light, heavy and double vertical lines, and the dashed ones polars draws."""
HORIZONTALS = "─━═┄┅┈┉╌╍"
"""Rule strokes: light, heavy, double and dashed horizontal lines."""
BOX_DRAWING = re.compile(r"[\u2500-\u257f]")
"""Unicode's Box Drawing block, U+2500-U+257F: strokes, corners and junctions."""
ELIDED_ROW = "·"
"""DuckDB's mark for rows it did not print (U+00B7, one per cell, three lines of it)."""
CUT = "…"
"""The ellipsis a display writes where it left text or columns out (U+2026)."""
NEWLINE_MARK = "↵"
"""psql's unicode mark at the end of a value's line when the value holds a line break (U+21B5)."""
EXPORT_INSTEAD = ("export the table instead: in DuckDB `COPY (SELECT ...) TO 'tape.csv' (HEADER)`, in psql "
                  "`\\copy (SELECT ...) TO 'tape.csv' CSV HEADER`, and land that file")

_TYPE = (r"(?:u?(?:tiny|small|big|huge)?int(?:eger)?(?:8|16|32|64|128)?|varchar(?:\(\d+\))?|text|string|double"
         r"|float[48]?|real|(?:decimal|numeric)(?:\(\d+,\s*\d+\))?|bool(?:ean)?|date|time(?:stamp)?(?:_[a-z]+)?"
         r"(?: with time zone)?|timestamptz|interval|uuid|blob|bit|json|enum|(?:struct|map|union)\(.*?\))(?:\[\d*\])*")
COLUMN_TYPES_LINE = rf"(?i)^\s*{_TYPE}(?:\s*\|\s*{_TYPE})*\s*$"
"""The row of column types DuckDB prints under the header (`varchar | int64 | decimal(6,4)` once
unboxed): a non-data line (`column_types`), never a loan."""


@dataclass
class Unboxed:
    """A box-drawn table rewritten as `|`-separated text, line for line.

    content: UTF-8 bytes, as many lines as the file had. line_kinds: (kind, regex) pairs for the
    reader's non-data lines (DuckDB's `column_types` row). notes: what was read, for the manifest."""

    content: bytes
    line_kinds: tuple[tuple[str, str], ...] = ()
    notes: dict[str, object] = field(default_factory=dict)


def _is_rule(text: str) -> bool:
    """A line of strokes and junctions only (`┌───┬───┐`, `───┼───`), with three strokes or more."""
    stripped = text.strip()
    return (bool(stripped) and all(c == " " or BOX_DRAWING.match(c) for c in stripped)
            and sum(c in HORIZONTALS for c in stripped) >= 3)


def _decode(content: bytes) -> str | None:
    """The text of a file a terminal's output was saved to: UTF-8 (a BOM allowed), or UTF-16 with
    its byte-order mark (PowerShell 5's `>`); None for any other bytes, and for a file whose first
    64 KiB hold no box-drawing character (the usual tape: not decoded twice)."""
    utf16 = content[:2] in (b"\xff\xfe", b"\xfe\xff")
    head = content[:1 << 16].decode("utf-16" if utf16 else "utf-8", errors="ignore")
    if not BOX_DRAWING.search(head):
        return None
    try:
        return content.decode("utf-16") if utf16 else content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _cells(text: str, framed: bool, joints: list[int] = ()) -> list[str]:
    """The cells of a table line, the frame's outer two verticals left out. Where the line holds a
    vertical at each of the rule's `joints` (the display columns of its `┼`, `├`, `┤`; a wide
    character such as a CJK one takes two, a combining mark none: `_display_width`), it is cut
    there only, so a value holding a `│` of its own (`ACME │ HOLDINGS`) stays one cell; else at
    every vertical."""
    if joints:
        cuts, column, wanted = [], 0, set(joints)
        for index, char in enumerate(text):
            if column in wanted and char in VERTICALS:
                cuts.append(index)
            column += _display_width(char)
        if len(cuts) == len(joints):
            pieces = [text[a + 1:b] for a, b in zip(cuts, cuts[1:])]
            return pieces if framed else [text[:cuts[0]], *pieces, text[cuts[-1] + 1:]]
    inner = text.strip()
    if framed and inner[:1] in VERTICALS and inner[-1:] in VERTICALS:
        inner = inner[1:-1]
    return re.split(f"[{VERTICALS}]", inner)


def _display_width(char: str) -> int:
    """Columns a terminal gives a character (Unicode Standard Annex #11): 2 for East Asian wide and
    full-width ones, 0 for combining marks and format characters, else 1."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _joints(rule: str) -> list[int]:
    """The character columns of a rule line's junctions and corners (`├───┼───┤`: 0, 4, 8), where
    its table's verticals stand."""
    return [n for n, c in enumerate(rule) if BOX_DRAWING.match(c) and c not in HORIZONTALS]


def _csv_cell(cell: str) -> str:
    """A display's cell as a `|`-separated field: as it is (padding and all), or quoted, CSV's way,
    when its text holds a `|` or a quote, which a display writes as they are (`SMITH | JONES LLC`,
    `"ACME, INC.`) and a reader would take for a separator or a quoted field."""
    return f'"{cell.strip().replace(chr(34), chr(34) * 2)}"' if "|" in cell or '"' in cell else cell


def _refuse_left_out(path: Path, number: int, cells: list[str], header: list[str], widths: list[int],
                     may_wrap: bool) -> None:
    """Refuse a data line (`cells` trimmed) that shows the display left something out: a row of
    `·` (elided rows), a value ending in psql's `↵` (a line break, its rest printed as another row),
    a value ending in `…` that fills its column (cut), or, where `may_wrap` (DuckDB, after a data
    line), empty cells beside filled ones (a long value wrapped over lines).

    Raises:
        FileRefused: naming the file, the line and the column, and how to export the table instead.
    """
    if any(cells) and all(cell in ("", ELIDED_ROW) for cell in cells):
        raise FileRefused(f"{path}: line {number}: a row of '{ELIDED_ROW}': the box-drawn table left out "
                          f"rows here (DuckDB prints 40 by default); {EXPORT_INSTEAD}")
    for column, cell in enumerate(cells):
        name = header[column] if column < len(header) else f"column {column + 1}"
        if cell.endswith(NEWLINE_MARK):
            raise FileRefused(f"{path}: line {number}, column {name!r}: a value ending in '{NEWLINE_MARK}' "
                              f"holds a line break, and its next line is printed as another row; {EXPORT_INSTEAD}")
        if cell.endswith(CUT) and column < len(widths) and len(cell) >= widths[column] - 2:
            raise FileRefused(f"{path}: line {number}, column {name!r}: {cell!r} is cut where the display "
                              f"ran out of width; {EXPORT_INSTEAD}")
    if may_wrap and "" in cells and any(cells):
        wrapped = next((header[c] for c, cell in enumerate(cells) if cell and c < len(header)), "?")
        raise FileRefused(f"{path}: line {number}: a line with empty cells under line {number - 1}: DuckDB "
                          f"wrapped a long value (column {wrapped!r}) over several lines; {EXPORT_INSTEAD}")


def unbox(content: bytes, path: Path) -> Unboxed | None:
    """Rewrite a table drawn with box characters (psql's unicode line style, DuckDB's box) as
    `|`-separated lines; None when the file is no such table (its first 40 lines hold no rule of
    box strokes, or no line with a vertical between values).

    Each line keeps its place: a rule line becomes dashes and `+` (`csv_text.rule_line`), a framed
    line loses its frame's outer verticals, and the verticals between cells become `|`. Cells keep
    their padding, which the reader trims; a cell holding a `|` or a quote is quoted (`_csv_cell`).
    DuckDB's row of column types under the header is a `column_types` line, its footer
    `12 rows  4 columns` a `row_count` line checked against the records read.

    Returns:
        Unboxed: the rewritten content (UTF-8), the line kinds to skip, notes['box_drawn_table'].

    Raises:
        FileRefused: the display left something out, named with its line: rows elided (a row of
            `·`, or a footer `... (40 shown)`), columns elided (a `…` column, `(8 shown)` columns), a
            value cut (a cell ending in `…` that fills its column) or wrapped over lines (DuckDB: a
            line continuing the cells above it; psql: a value ending in `↵`).
    """
    text = _decode(content)
    if text is None:
        return None
    lines = text.split("\n")
    rules = [n for n, line in enumerate(lines[:40]) if _is_rule(line)]
    tabled = [n for n, line in enumerate(lines[:40])
              if any(c in VERTICALS for c in line) and not _is_rule(line) and re.search(r"\w", line)]
    if not rules or not tabled:
        return None
    header_at = tabled[0]
    framed = lines[header_at].strip()[:1] in VERTICALS
    header = [cell.strip() for cell in _cells(lines[header_at], framed)]
    if CUT in header:
        raise FileRefused(f"{path}: line {header_at + 1}: a box-drawn table whose column {header.index(CUT) + 1} is "
                          f"'{CUT}': the display left out the columns that did not fit its width; {EXPORT_INSTEAD}")
    body_rule = next((n for n in rules if n > header_at), None)
    joints = _joints(lines[body_rule].removesuffix("\r")) if body_rule is not None else []
    duckdb = (body_rule is not None and body_rule == header_at + 2
              and re.fullmatch(COLUMN_TYPES_LINE, "|".join(_cells(lines[header_at + 1], framed))) is not None)
    widths = [len(cell) for cell in _cells(lines[header_at], framed)]
    out: list[str] = []
    data_lines = 0
    continues = False  # the line before was a data line: a DuckDB line with empty cells then wraps its value
    for n, line in enumerate(lines):
        number, end = n + 1, ("\r" if line.endswith("\r") else "")
        body = line.removesuffix("\r")
        if _is_rule(body):
            out.append(re.sub(f"[{HORIZONTALS}]", "-", BOX_DRAWING.sub(
                lambda m: m.group() if m.group() in HORIZONTALS else "+", body)) + end)
            continues = False
        elif not any(c in VERTICALS for c in body):
            if re.search(r"(?i)\([^()]*\bshown\s*\)", body):
                raise FileRefused(f"{path}: line {number}: {body.strip()!r}: the box-drawn table shows only part of "
                                  f"its rows or columns (a display, not an export); {EXPORT_INSTEAD}")
            out.append(line)
            continues = False
        else:
            raw = _cells(body, framed, joints)
            if n > (body_rule if body_rule is not None else header_at):
                data_lines += 1
                _refuse_left_out(path, number, [cell.strip() for cell in raw], header, widths, duckdb and continues)
                continues = True
            out.append("|".join(_csv_cell(cell) for cell in raw) + end)
    kind = "DuckDB box display" if duckdb else "psql unicode table" + (" (framed)" if framed else "")
    notes: dict[str, object] = {"box_drawn_table": f"{kind}: {len(header)} columns, {data_lines} data lines"}
    line_kinds = (("column_types", COLUMN_TYPES_LINE),) if duckdb else ()
    return Unboxed(content="\n".join(out).encode("utf-8"), line_kinds=line_kinds, notes=notes)
