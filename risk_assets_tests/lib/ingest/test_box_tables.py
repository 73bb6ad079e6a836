"""Loan tapes saved from a terminal: DuckDB's box display and psql's unicode table. A complete table
loads every loan with the values the plain CSV gives; a display that left rows, columns or parts of
values out is refused, naming the line, never read as if it were whole."""

from __future__ import annotations

import csv
import json
from itertools import islice

import duckdb
import pytest

from risk_assets.lib.ingest.loan_formats import parse_loan_file
from risk_assets.lib.ingest.news_formats import parse_news_file
from risk_assets.lib.ingest.parsed import FileRefused

COLUMNS = ["loan_amount", "term_months", "annual_income", "revol_util", "default_flag", "loan_status"]


@pytest.fixture
def lc_rows(data_dir) -> list[list[str]]:
    """The header and the first 12 loans of the real LendingClub file."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8", newline="") as handle:
        return list(islice(csv.reader(handle), 13))


def _duckdb_display(data_dir, sql_tail: str = "", columns: str = "*", limit: int = 12) -> str:
    """What DuckDB prints for a query over the real LendingClub file (`print(relation)`, the same
    renderer as its command line's default `duckbox` mode)."""
    source = data_dir / "loans" / "lendingclub_2007_2011.csv"
    relation = duckdb.sql(f"SELECT {columns}{sql_tail} FROM read_csv('{source}', all_varchar = true) LIMIT {limit}")
    return str(relation)


def _landed(path, shown: str):
    """`shown` saved to `path` as a terminal's output is, parsed as a loan tape and reconciled."""
    path.write_text(shown, encoding="utf-8")
    parsed = parse_loan_file(path)
    parsed.reconcile()
    return parsed


def _values(parsed) -> list[tuple]:
    return parsed.rows.sort("_source_line").select(COLUMNS).rows()


def _plain(lc_rows, tmp_path, columns: list[str] | None = None):
    keep = [lc_rows[0].index(c) for c in columns] if columns else range(len(lc_rows[0]))
    path = tmp_path / "plain.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([[row[i] for i in keep] for row in lc_rows])
    return parse_loan_file(path)


def _psql(rows: list[list[str]], border: int) -> str:
    """psql's aligned output with `\\pset linestyle unicode` (border 1, its default, or 2): values
    padded to the column's width, numbers right-aligned, `(N rows)` under the table."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]

    def line(cells: list[str], header: bool) -> str:
        padded = [c.center(w) if header else (c.rjust(w) if c.replace(".", "").isdigit() else c.ljust(w))
                  for c, w in zip(cells, widths)]
        inner = " │ ".join(padded)
        return f"│ {inner} │" if border == 2 else f" {inner} "

    def rule(left: str, middle: str, right: str) -> str:
        strokes = middle.join("─" * (w + 2) for w in widths)
        return f"{left}{strokes}{right}" if border == 2 else strokes

    out = [rule("┌", "┬", "┐")] if border == 2 else []
    out += [line(rows[0], True), rule("├", "┼", "┤"), *(line(row, False) for row in rows[1:])]
    out += [rule("└", "┴", "┘")] if border == 2 else []
    return "\n".join(out + [f"({len(rows) - 1} rows)", ""])


def test_a_duckdb_box_display_loads_every_loan_as_the_csv_does(data_dir, lc_rows, tmp_path):
    """DuckDB's box: a frame above the header, a row of column types under it, the values between
    `│`, a footer `12 rows  16 columns`. Refused before as 'no known format'; now the types row,
    the rules and the footer are non-data lines, the footer's count is checked, and each loan's
    values are the plain CSV's."""
    shown = _duckdb_display(data_dir, columns="loan_amnt, term, annual_inc, revol_util, loan_status")
    assert shown.splitlines()[2].split() == ["│", *["varchar", "│"] * 5] and "12 rows" in shown.splitlines()[-1]
    parsed = _landed(tmp_path / "duckdb_box.txt", shown)
    plain = _plain(lc_rows, tmp_path, ["loan_amnt", "term", "annual_inc", "revol_util", "loan_status"])
    assert parsed.quarantine.height == 0 and parsed.rows.height == 12
    assert _values(parsed) == _values(plain)
    assert _values(parsed)[1] == (2500.0, 60, 30000.0, 0.094, 1, "Charged Off")
    assert parsed.non_data_lines == [(1, "rule_line"), (3, "column_types"), (4, "rule_line"), (17, "rule_line"),
                                     (18, "row_count")]
    assert parsed.notes["footer_totals"]["row count, line 18"] == {"line": 18, "stated": 12, "records": 12,
                                                                   "matches": True}
    assert parsed.notes["box_drawn_table"] == "DuckDB box display: 5 columns, 12 data lines"
    # the frame's outer verticals are no columns: nothing beyond the five mapped ones is kept
    assert parsed.rows.get_column("source_fields").to_list() == plain.rows.get_column("source_fields").to_list() == [None] * 12


def test_a_duckdb_display_saved_by_powershell_in_utf16_loads_too(data_dir, lc_rows, tmp_path):
    """Windows PowerShell 5's `duckdb ... > tape.txt` writes UTF-16 with a byte-order mark."""
    shown = _duckdb_display(data_dir, columns="loan_amnt, term, annual_inc, revol_util, loan_status")
    path = tmp_path / "duckdb_box_utf16.txt"
    path.write_bytes(shown.replace("\n", "\r\n").encode("utf-16"))
    parsed = parse_loan_file(path)
    parsed.reconcile()
    plain = _plain(lc_rows, tmp_path, ["loan_amnt", "term", "annual_inc", "revol_util", "loan_status"])
    assert parsed.quarantine.height == 0 and _values(parsed) == _values(plain)


@pytest.mark.parametrize("border", [1, 2])
def test_a_psql_unicode_table_loads_every_loan_as_the_csv_does(lc_rows, tmp_path, border):
    """`\\pset linestyle unicode`: `│` between columns, `─┼─` under the header, and with border 2
    a frame; `(12 rows)` is checked against the loans read."""
    path = tmp_path / f"psql_unicode_border{border}.txt"
    path.write_text(_psql(lc_rows, border), encoding="utf-8")
    parsed = parse_loan_file(path)
    parsed.reconcile()
    assert parsed.quarantine.height == 0 and parsed.rows.height == 12
    assert _values(parsed) == _values(_plain(lc_rows, tmp_path))
    kinds = dict(parsed.non_data_lines)
    count_line = 15 if border == 1 else 17
    assert kinds[count_line] == "row_count" and parsed.notes["footer_totals"][f"row count, line {count_line}"]["matches"]
    assert parsed.notes["box_drawn_table"] == ("psql unicode table" + (" (framed)" if border == 2 else "")
                                               + ": 16 columns, 12 data lines")


def test_a_duckdb_display_that_elided_rows_is_refused(data_dir, tmp_path):
    """Past 40 rows DuckDB prints the first and last 20 and a row of `·` between: read as a tape,
    60 of 100 loans would be lost without a word."""
    path = tmp_path / "duckdb_100.txt"
    shown = _duckdb_display(data_dir, columns="loan_amnt, term, annual_inc, loan_status", limit=100)
    path.write_text(shown, encoding="utf-8")
    elided = next(n for n, line in enumerate(shown.splitlines(), start=1) if "·" in line)
    with pytest.raises(FileRefused, match=rf"line {elided}: a row of '·': the box-drawn table left out rows .*COPY"):
        parse_loan_file(path)


def test_a_duckdb_display_that_elided_columns_is_refused(data_dir, tmp_path):
    """Too wide for the screen, DuckDB prints a `…` column in place of the middle ones."""
    shown = _duckdb_display(data_dir, limit=5)
    assert "columns (" in shown.splitlines()[-1] and "shown)" in shown.splitlines()[-1]
    path = tmp_path / "duckdb_wide.txt"
    path.write_text(shown, encoding="utf-8")
    with pytest.raises(FileRefused, match=r"line 2: a box-drawn table whose column \d+ is '…'"):
        parse_loan_file(path)


def test_a_duckdb_display_that_wrapped_a_long_value_is_refused(data_dir, tmp_path):
    """A value wider than DuckDB's column limit is wrapped over several lines, its other cells
    empty there: read as rows, the value is cut and its tail loads as a loan of empty cells."""
    description = "repeat('Borrower added on 12/22/11 consolidating my credit cards ', 3) AS loan_description"
    shown = _duckdb_display(data_dir, columns=f"loan_amnt, term, annual_inc, loan_status, {description}", limit=3)
    assert any(line.startswith("│           │") for line in shown.splitlines()[4:])  # DuckDB wrapped it
    path = tmp_path / "duckdb_wrapped.txt"
    path.write_text(shown, encoding="utf-8")
    with pytest.raises(FileRefused, match=r"line 6: a line with empty cells under line 5: DuckDB wrapped a long value "
                                          r"\(column 'loan_description'\)"):
        parse_loan_file(path)


def test_a_psql_value_holding_a_line_break_is_refused(lc_rows, tmp_path):
    """psql prints a value's line break as `↵` and the rest of the value on the next line, as if it
    were another row."""
    rows = [row[:] for row in lc_rows[:4]]
    rows[0].append("emp_title")
    for row in rows[1:]:
        row.append("Clerk")
    rows[2][-1] = "Senior↵"
    rows.insert(3, [""] * (len(rows[0]) - 1) + ["analyst"])
    path = tmp_path / "psql_newline.txt"
    path.write_text(_psql(rows, 1), encoding="utf-8")
    with pytest.raises(FileRefused, match=r"line 4, column 'emp_title': a value ending in '↵' holds a line break"):
        parse_loan_file(path)


def test_a_duckdb_footer_saying_part_is_shown_refuses_the_file(data_dir, tmp_path):
    """The footer alone may tell: `100 rows (40 shown)` under a table whose `·` row was cut away by
    hand still lacks 60 loans."""
    shown = _duckdb_display(data_dir, columns="loan_amnt, term, annual_inc, loan_status", limit=100)
    kept = [line for line in shown.splitlines() if "·" not in line]
    path = tmp_path / "duckdb_100_dots_removed.txt"
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    with pytest.raises(FileRefused, match=r"line \d+: '100 rows \(20 shown\).*shows only part of its rows"):
        parse_loan_file(path)


def test_a_csv_with_box_characters_in_a_value_is_read_as_a_csv(lc_rows, tmp_path):
    """A tape that merely holds a box character in a text value is no drawn table."""
    rows = [row + [title] for row, title in zip(lc_rows, ["emp_title", "Clerk │ shift lead", *["Clerk"] * 11])]
    path = tmp_path / "lc_with_bar.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    parsed = parse_loan_file(path)
    parsed.reconcile()
    assert parsed.rows.height == 12 and "box_drawn_table" not in parsed.notes
    assert "Clerk │ shift lead" in parsed.rows.sort("_source_line").get_column("source_fields")[0]


def test_a_box_drawn_news_table_is_refused_saying_how_to_export_it(data_dir, tmp_path):
    """News landing reads feeds, not displays: a DuckDB box of headlines gets a refusal that says
    what the file is and how to export it, not 'not a known news format'."""
    source = data_dir / "news" / "financial_phrasebank_50agree.txt"
    shown = str(duckdb.sql(f"SELECT split_part(column0, '@', 1)[:40] AS headline, split_part(column0, '@', 2) AS label "
                           f"FROM read_csv('{source}', header = false, delim = '\\t', quote = '') LIMIT 5"))
    path = tmp_path / "news_box.txt"
    path.write_text(shown, encoding="utf-8")
    with pytest.raises(FileRefused, match=r"a table drawn with box characters .* news landing does not read .*"
                                          r"TO 'news.csv'"):
        parse_news_file(path)


def test_a_value_holding_a_bar_a_box_line_or_a_quote_stays_one_cell(data_dir, tmp_path):
    """A display writes values as they are: `SMITH | JONES LLC`, `ACME │ HOLDINGS` (the box's own
    vertical), `"ACME, INC.`. Each stays one cell (the columns are cut where the rule's junctions
    stand), and every loan loads with its name kept."""
    source = data_dir / "loans" / "sba_national.csv.gz"
    names = {1: "SMITH | JONES LLC", 2: "ACME │ HOLDINGS", 3: '"ACME, INC.', 4: 'THE "BEST" DINER'}
    cases = " ".join(f"WHEN {n} THEN '{v}'" for n, v in names.items())
    shown = str(duckdb.sql(
        f"SELECT LoanNr_ChkDgt, CASE row_number() OVER () {cases} ELSE Name END AS Name, ApprovalDate, ApprovalFY, "
        f"Term, GrAppv, MIS_Status FROM read_csv('{source}', all_varchar = true) LIMIT 6"))
    assert "ACME │ HOLDINGS" in shown
    parsed = _landed(tmp_path / "sba_box.txt", shown)
    assert parsed.quarantine.height == 0 and parsed.rows.height == 6
    kept = [json.loads(f)["Name"] for f in parsed.rows.sort("_source_line").get_column("source_fields").to_list()]
    assert kept[:4] == list(names.values())


def test_nulls_a_display_prints_are_empty_values(data_dir, lc_rows, tmp_path):
    """DuckDB prints a NULL as `NULL`, psql with `\\pset null '(null)'` as `(null)`: in the
    employment length, as in any column, that is no value, not an unknown code quarantining the loan."""
    shown = _duckdb_display(data_dir, columns="loan_amnt, term, CASE WHEN annual_inc::INT > 40000 THEN NULL "
                                              "ELSE emp_length END AS emp_length, annual_inc, loan_status")
    assert "NULL" in shown
    parsed = _landed(tmp_path / "duckdb_nulls.txt", shown)
    assert parsed.quarantine.height == 0 and parsed.rows.height == 12
    high = [float(row[lc_rows[0].index("annual_inc")]) > 40000 for row in lc_rows[1:]]
    years = parsed.rows.sort("_source_line").get_column("emp_length_years").to_list()
    assert [y is None for y in years] == high
    assert parsed.notes["null_token_values"] == {"emp_length": sum(high)}


def test_psqls_expanded_display_is_refused_saying_how_to_export(lc_rows, tmp_path):
    """`\\x` prints one `column | value` line per field and a `-[ RECORD n ]-` line per record:
    no mapping reads that, so the refusal gives the export command, not a mapping."""
    width = max(len(name) for name in lc_rows[0])
    lines = []
    for n, row in enumerate(lc_rows[1:4], start=1):
        lines.append(f"─[ RECORD {n} ]" + "─" * (width - 10) + "┬" + "─" * 12)
        lines += [f"{name.ljust(width)} │ {value}" for name, value in zip(lc_rows[0], row)]
    path = tmp_path / "psql_x.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(path)
    assert "psql's expanded display" in str(refused.value) and "\\copy (SELECT ...) TO 'tape.csv' CSV HEADER" in str(refused.value)
    assert "Declare a column mapping" not in str(refused.value)


def test_a_wide_character_does_not_move_the_cells_of_its_line(data_dir, tmp_path):
    """A terminal gives a CJK character two columns: DuckDB pads by those, so the line's verticals
    stand where the rule's junctions do only counted so. A value holding both a wide character and
    a `│` stays one cell."""
    source = data_dir / "loans" / "lendingclub_2007_2011.csv"
    shown = str(duckdb.sql(
        f"SELECT loan_amnt, term, CASE row_number() OVER () WHEN 2 THEN '検証 │ 済み' WHEN 3 THEN 'Ｖｅｒｉｆｉｅｄ' "
        f"ELSE verification_status END AS verification_status, loan_status "
        f"FROM read_csv('{source}', all_varchar = true) LIMIT 5"))
    parsed = _landed(tmp_path / "duckdb_wide.txt", shown)
    assert parsed.quarantine.height == 0
    assert parsed.rows.sort("_source_line")["verification_status"].to_list()[1:3] == ["検証 │ 済み", "Ｖｅｒｉｆｉｅｄ"]
