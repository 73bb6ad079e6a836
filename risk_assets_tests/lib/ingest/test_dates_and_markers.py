"""Dates and missing values as databases and spreadsheets export them: placeholder dates (SQL
Server's 1900-01-01, Unix 0, 9999-12-31) are quarantined on their own column; export missing-value
markers (NULL, \\N, NaN, NA) in number and date columns load as NULL with a note; Excel's leading
apostrophe and its day 60 (1900-02-29); and the message a built-in tape's unparsable date gives.
Inputs are real LendingClub and SBA rows with their dates and values written as those tools write them."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
from itertools import islice
from pathlib import Path

import polars as pl
import pytest

from risk_assets.lib.ingest.loan_formats import parse_loan_file

MAPPING = {
    "name": "dbx",
    "columns": {
        "loan_id": {"to": "source_loan_id", "required": True},
        "orig_date": {"to": "origination_date", "required": True},
        "amount": {"to": "loan_amount", "required": True},
        "status": {"to": "loan_status"},
        "income": {"to": "annual_income"},
        "first_credit": {"to": "earliest_cr_line"},
        "grade": {"to": "grade"},
    },
    "status_map": {"Fully Paid": 0, "Charged Off": 1},
}


@pytest.fixture
def lc_rows(data_dir) -> list[dict[str, str]]:
    """The first 12 loans of the real LendingClub file, as dicts."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8", newline="") as handle:
        return list(islice(csv.DictReader(handle), 12))


def _tape(tmp_path: Path, lc_rows, cells: list[tuple[str, str, str, str]]) -> Path:
    """A database export of the real loans (amount, status, income, grade) with each row's
    (orig_date, first_credit, income, amount) overridden where given (None keeps the real value)."""
    path = tmp_path / "db_export.csv"
    lines = ["loan_id,orig_date,amount,status,income,first_credit,grade"]
    for i, (orig, first, income, amount) in enumerate(cells):
        row = lc_rows[i]
        lines.append(",".join([f"L{i + 1}", orig, amount or row["loan_amnt"], row["loan_status"],
                               income or row["annual_inc"], first, "B"]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "db_export.csv.mapping.json").write_text(json.dumps(MAPPING), encoding="utf-8")
    return path


def test_placeholder_dates_are_quarantined_on_the_column_that_holds_them(lc_rows, tmp_path):
    """1970-01-01 origination and 1900-01-01 / 1970-01-01 credit lines used to load (a 1970 vintage,
    a 111-year credit history), and a 1900 origination blamed the valid 1985 credit line."""
    parsed = parse_loan_file(_tape(tmp_path, lc_rows, [
        ("1900-01-01", "1985-01-01", None, None),  # line 2: SQL Server's default origination
        ("2011-12-01", "1900-01-01", None, None),
        ("1970-01-01", "1985-01-01", None, None),  # Unix 0
        ("2011-12-01", "1970-01-01", None, None),
        ("9999-12-31", "1985-01-01", None, None),
        ("2011-12-01", "0001-01-01", None, None),
        ("1753-01-01", "1985-01-01", None, None),
        ("1899-12-30", "1985-01-01", None, None),
        ("1901-01-01", "1985-01-01", None, None),  # line 10: a real day, but no loan's: the origination is blamed
        ("2011-12-01", "1985-01-01", None, None),
    ]))
    parsed.reconcile()
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (2, "orig_date", "placeholder_date", "1900-01-01"),
        (3, "first_credit", "placeholder_date", "1900-01-01"),
        (4, "orig_date", "placeholder_date", "1970-01-01"),
        (5, "first_credit", "placeholder_date", "1970-01-01"),
        (6, "orig_date", "placeholder_date", "9999-12-31"),
        (7, "first_credit", "placeholder_date", "0001-01-01"),
        (8, "orig_date", "placeholder_date", "1753-01-01"),
        (9, "orig_date", "placeholder_date", "1899-12-30"),
        (10, "orig_date", "issue_before_1950", "1901-01-01"),
    ]
    assert "default date" in parsed.quarantine["message"][0]
    assert parsed.rows.select("_source_line", "origination_date", "earliest_cr_line", "loan_amount").rows() == [
        (11, dt.date(2011, 12, 1), dt.date(1985, 1, 1), float(lc_rows[9]["loan_amnt"]))]


def test_a_first_credit_line_over_90_years_before_issue_is_a_wrong_year_not_a_credit_history(lc_rows, tmp_path):
    """1901 as a first credit line is no placeholder, but a borrower with a 111-year credit history
    does not exist: the credit line is quarantined. 90 years to the day still loads; without an
    origination (or with an implausible one) the tape's as-of date is the reference."""
    parsed = parse_loan_file(_tape(tmp_path, lc_rows, [
        ("2011-12-01", "1901-01-01", None, None),  # line 2: 1901 for 2001
        ("2011-12-01", "1921-12-01", None, None),  # 90 years exactly: an old borrower, loads
        ("2011-12-01", "1921-11-30", None, None),  # a day more
        ("1901-01-01", "1925-01-01", None, None),  # the origination is wrong, judged against the day read
        ("2011-12-01", "1985-01-01", None, None),
    ]))
    parsed.reconcile()
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (2, "first_credit", "credit_history_over_90_years", "1901-01-01"),
        (4, "first_credit", "credit_history_over_90_years", "1921-11-30"),
        (5, "first_credit", "credit_history_over_90_years", "1925-01-01"),
        (5, "orig_date", "issue_before_1950", "1901-01-01"),
    ]
    assert "borrower over 104" in parsed.quarantine["message"][0]
    assert parsed.rows.select("_source_line", "earliest_cr_line").rows() == [
        (3, dt.date(1921, 12, 1)), (6, dt.date(1985, 1, 1))]


def test_a_lendingclub_credit_line_of_january_1970_is_a_real_month_january_1900_is_not(lc_rows, data_dir, tmp_path):
    """In a month-precision column (`%b-%Y`, read as the 1st) January 1970 is a real month; the
    placeholder months (Jan-1900) are still quarantined."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        header, first, second = (line.rstrip("\n") for line in islice(handle, 3))
    tape = tmp_path / "lc.csv"
    tape.write_text("\n".join([f"id,issue_d,earliest_cr_line,{header}",
                               f"1,Dec-2011,Jan-1970,{first}", f"2,Dec-2011,Jan-1900,{second}"]) + "\n")
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.rows.select("loan_key", "earliest_cr_line").rows() == [("lendingclub:1", dt.date(1970, 1, 1))]
    assert parsed.quarantine.select("line", "column_name", "rule").rows() == [(3, "earliest_cr_line", "placeholder_date")]


def test_export_missing_markers_in_number_and_date_columns_load_as_null_with_a_note(lc_rows, tmp_path):
    """NULL, \\N, NaN, NA, <NA>, NaT and 0000-00-00 in an optional income or date column used to
    quarantine the loan; the same markers in a text column loaded as NULL. Excel error values
    stay quarantined; a marker in a required column is missing_value, the marker quoted."""
    parsed = parse_loan_file(_tape(tmp_path, lc_rows, [
        ("2011-12-01", "NULL", "NULL", None),
        ("2011-12-01", "\\N", "\\N", None),
        ("2011-12-01", "NaN", "nan", None),
        ("2011-12-01", "NaT", "NA", None),
        ("2011-12-01", "0000-00-00", "<NA>", None),
        ("2011-12-01", "0000-00-00 00:00:00", "N/A", None),
        ("2011-12-01", "1985-01-01", "None", None),
        ("2011-12-01", "1985-01-01", "#VALUE!", None),  # line 9: a lost value, not a missing one
        ("2011-12-01", "#N/A", "#DIV/0!", None),
        ("2011-12-01", "1985-01-01", None, "NULL"),  # line 11: a required amount
    ]))
    parsed.reconcile()
    assert parsed.rows.select("_source_line", "annual_income", "earliest_cr_line").rows() == [
        (line, None, None) for line in range(2, 8)] + [(8, None, dt.date(1985, 1, 1))]
    assert parsed.notes["null_token_values"] == {"income": 7, "first_credit": 6, "amount": 1}  # counted as in text columns
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (9, "income", "spreadsheet_error", "#VALUE!"),
        (10, "first_credit", "spreadsheet_error", "#N/A"),
        (10, "income", "spreadsheet_error", "#DIV/0!"),
        (11, "amount", "missing_value", "NULL"),
    ]
    assert parsed.quarantine["message"][3] == (
        "column amount: 'NULL' is a missing-value marker (an export's NULL) in a required column")


def test_lendingclub_markers_and_a_leading_apostrophe_in_numbers(data_dir, tmp_path):
    """`NULL` delinquencies and an `N/A` utilisation quarantined the loan; `'5000` (Excel's text
    marker) was unwrapped in an id but quarantined as an amount."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(islice(reader, 3))
    at = {name: i for i, name in enumerate(header)}
    rows[0][at["delinq_2yrs"]] = "NULL"
    rows[1][at["revol_util"]] = "N/A"
    amount = rows[2][at["loan_amnt"]]
    rows[2][at["loan_amnt"]] = "'" + amount
    tape = tmp_path / "lc.csv"
    with open(tape, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.quarantine.height == 0
    assert parsed.rows.select("delinq_2yrs", "revol_util", "loan_amount").rows()[0][0] is None
    assert parsed.rows["revol_util"][1] is None
    assert parsed.rows["loan_amount"][2] == float(amount)
    assert parsed.notes["null_token_values"] == {"delinq_2yrs": 1, "revol_util": 1}
    assert parsed.notes["text_marker_removed"] == {"loan_amnt": 1}


def test_a_re_saved_builtin_tape_s_date_message_names_its_format_and_the_mapping_that_reads_it(data_dir, tmp_path):
    """The SBA message said ISO 8601 was expected; a date in no form an SBA tape or a spreadsheet
    writes now names the column's format and `columns.<column>.format` (a US date, as Excel writes
    it, reads: see test_loan_formats). Two-digit years are never guessed."""
    with gzip.open(data_dir / "loans" / "sba_national.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        row = next(reader)
    at = header.index("ApprovalDate")
    written = dt.datetime.strptime(row[at], "%d-%b-%y")
    row[at] = f"{written:%B} {written.day}th, {written.year}"  # as a report writes it: February 28th, 1997
    tape = tmp_path / "sba.csv"
    with open(tape, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, row])
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    q = parsed.quarantine.filter(parsed.quarantine["column_name"] == "ApprovalDate")
    assert q.select("line", "rule", "raw_value").rows() == [(2, "unparsable_date", row[at])]
    message = q["message"][0]
    assert "format '%d-%b-%y' (as 28-Feb-97)" in message and "ISO 8601" not in message
    assert "outside 1900-2100" not in message  # its year, 1997, is not the fault
    assert "columns.ApprovalDate.format" in message

    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        lc_header, lc_first = (line.rstrip("\n") for line in islice(handle, 2))
    lc = tmp_path / "lc.csv"
    lc.write_text(f"id,issue_d,{lc_header}\n1,Dec-11,{lc_first}\n")
    parsed = parse_loan_file(lc)
    assert parsed.quarantine.select("line", "column_name", "rule").rows() == [(2, "issue_d", "unparsable_date")]
    assert "format '%b-%Y' (as Feb-1997)" in parsed.quarantine["message"][0]
    assert "columns.issue_d.format" in parsed.quarantine["message"][0]


def test_excel_day_60_is_quarantined_days_59_and_61_are_read(lc_rows, tmp_path):
    """Excel's 1900 date system counts 1900-02-29; openpyxl read day 60 as 1900-02-28, day 59's date."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["loan_id", "orig_date", "amount", "status"])
    for i, serial in enumerate((60, 59, 61, 40878)):  # 40878: 2011-12-01
        sheet.append([f"X{i + 1}", serial, float(lc_rows[i]["loan_amnt"]), lc_rows[i]["loan_status"]])
        sheet.cell(row=i + 2, column=2).number_format = "yyyy-mm-dd"
    path = tmp_path / "book.xlsx"
    book.save(path)
    mapping = {**MAPPING, "columns": {k: v for k, v in MAPPING["columns"].items()
                                      if k in ("loan_id", "orig_date", "amount", "status")}}
    (tmp_path / "book.xlsx.mapping.json").write_text(json.dumps(mapping), encoding="utf-8")
    parsed = parse_loan_file(path)
    parsed.reconcile()
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (2, "orig_date", "excel_leap_day_1900", "1900-02-29"),
        (3, "orig_date", "issue_before_1950", "1900-02-28"),
        (4, "orig_date", "issue_before_1950", "1900-03-01"),
    ]
    assert parsed.rows.select("_source_line", "origination_date").rows() == [(5, dt.date(2011, 12, 1))]


def test_sas_missing_value_dot_is_an_empty_value_in_number_and_date_columns(data_dir, tmp_path):
    """A SAS DATA step writes `.` for a missing number or date. Read as a bad value, it
    quarantined every repaid SBA loan (no charge-off date) and left a book of defaults only; read
    as missing, every loan loads with its outcome and the markers are counted."""
    with gzip.open(data_dir / "loans" / "sba_national.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(islice(reader, 40))
    at = {name: i for i, name in enumerate(header)}
    dots = 0
    for row in rows:
        if not row[at["ChgOffDate"]].strip():
            row[at["ChgOffDate"]], dots = ".", dots + 1
    rows[0][at["NoEmp"]] = "."
    rows[1][at["NoEmp"]] = ".A"  # a special missing value: a code of why the number is missing
    tape = tmp_path / "sba_sas_export.csv"
    with open(tape, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    statuses = [row[at["MIS_Status"]] for row in rows]
    assert dots >= 20 and parsed.quarantine.height == 0 and parsed.rows.height == 40
    assert parsed.rows["default_flag"].to_list() == [int(s == "CHGOFF") for s in statuses]
    assert parsed.rows["chargeoff_date"].null_count() == dots and parsed.rows["employees"][:2].to_list() == [None, None]
    assert parsed.notes["null_token_values"] == {"ChgOffDate": dots, "NoEmp": 2}


def _sba_day_first(data_dir, tmp_path, n: int, month_first_lines: int = 0,
                   forms: tuple[str, str] = ("%m/%d/%Y", "%d/%m/%Y")) -> tuple[Path, list[dt.date]]:
    """A servicer's tape of the first `n` real SBA loans, approval dates written day-first
    (28/02/1997) but for its first `month_first_lines` loans (month-first), under a sidecar that
    declares %m/%d/%Y (`forms`: the declared form and the swapped one written)."""
    with gzip.open(data_dir / "loans" / "sba_national.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(islice(reader, n))
    dates = [dt.datetime.strptime(r["ApprovalDate"], "%d-%b-%y").date() for r in rows]
    dates = [d.replace(year=d.year - 100) if d.year > 2014 else d for d in dates]
    lines = ["loan_id,orig_date,amount,status"] + [
        f"{r['LoanNr_ChkDgt']},{d.strftime(forms[0])}," if i < month_first_lines
        else f"{r['LoanNr_ChkDgt']},{d.strftime(forms[1])},"
        for i, (r, d) in enumerate(zip(rows, dates))]
    lines = [line if i == 0 else line + rows[i - 1]["GrAppv"].strip("$ ").replace(",", "") + ","
             + {"P I F": "Fully Paid", "CHGOFF": "Charged Off"}.get(rows[i - 1]["MIS_Status"], "Current")
             for i, line in enumerate(lines)]
    tape = tmp_path / "uk_servicer_asof_2024-06-30.csv"
    tape.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mapping = {**MAPPING, "columns": {"loan_id": {"to": "source_loan_id", "required": True},
                                      "orig_date": {"to": "origination_date", "format": forms[0]},
                                      "amount": {"to": "loan_amount"}, "status": {"to": "loan_status"}}}
    mapping["status_map"] = {**mapping["status_map"], "Current": None}
    (tmp_path / (tape.name + ".mapping.json")).write_text(json.dumps(mapping), encoding="utf-8")
    return tape, dates


def test_day_first_dates_under_a_month_first_format_quarantine_the_ones_that_read_both_ways(data_dir, tmp_path):
    """60 real SBA approval dates written day-first, declared %m/%d/%Y: those after the 12th fail
    the format; the rest read as declared only with day and month swapped, so, since the column
    contradicts its format, they are quarantined too instead of loading as the wrong day. A date
    whose day is its month (05/05) means one day either way and loads."""
    tape, dates = _sba_day_first(data_dir, tmp_path, 60)
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    rule_of = dict(parsed.quarantine.filter(pl.col("column_name") == "orig_date").select("line", "rule").iter_rows())
    for line, day in enumerate(dates, start=2):
        expected = ("unparsable_date" if day.day > 12 else None if day.day == day.month else "date_order_in_doubt")
        assert rule_of.get(line) == expected, (line, day)
    assert set(rule_of.values()) == {"unparsable_date", "date_order_in_doubt"}
    loaded = parsed.rows.select("_source_line", "origination_date").rows()
    assert all(day == dates[line - 2] for line, day in loaded)  # what loads is the right day
    message = parsed.quarantine.filter(pl.col("rule") == "date_order_in_doubt")["message"][0]
    assert (f"declared format '%m/%d/%Y' (as 02/28/1997) and the other way round, as two different days, and "
            f"{sum(d.day > 12 for d in dates)} of the column's values read only with day and month the other way "
            "round, '%d/%m/%Y' (as 28/02/1997), and 0 only as declared: the column reads mostly the other way") in message


def test_a_date_order_in_doubt_says_the_counts_and_the_declared_format_of_its_column(data_dir, tmp_path):
    """A day-first tape (declared %d/%m/%Y) with a second system's month-first rows joined after it:
    the message of a date that reads both ways said more values read only the other way than as
    declared, and gave `28/02/1997 under %m/%d/%Y` as its example, both false here. It names the
    declared format and the other order, each with its example, the true counts, and the sign:
    both orders in one column."""
    tape, dates = _sba_day_first(data_dir, tmp_path, 60, month_first_lines=35, forms=("%d/%m/%Y", "%m/%d/%Y"))
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    confirms, contradicts = sum(d.day > 12 for d in dates[:35]), sum(d.day > 12 for d in dates[35:])
    assert 2 <= contradicts < confirms
    doubted = parsed.quarantine.filter(pl.col("rule") == "date_order_in_doubt")
    assert doubted.height and set(doubted["message"].str.replace(r"^column orig_date: '[^']*' ", "")) == {
        "reads as a date both in the column's declared format '%d/%m/%Y' (as 28/02/1997) and the other way round, "
        f"as two different days, and {contradicts} of the column's values read only with day and month the other way "
        f"round, '%m/%d/%Y' (as 02/28/1997), and {confirms} only as declared: the column holds dates in both orders "
        "(rows of two systems joined?), so which day this one is cannot be told: write the column in one order, or "
        "declare the format each file writes (rows in '%m/%d/%Y' in a file of their own)"}
    assert all(day == dates[line - 2] for line, day in parsed.rows.select("_source_line", "origination_date").rows())


def test_a_month_first_column_with_a_day_first_slip_or_two_keeps_its_format(data_dir, tmp_path):
    """The same loans written month-first as declared but for 2 written day-first: the column bears
    its format out, so only values that fail it are quarantined."""
    tape, dates = _sba_day_first(data_dir, tmp_path, 60, month_first_lines=58)
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert "date_order_in_doubt" not in set(parsed.quarantine["rule"])
    assert parsed.rows.height + parsed.quarantine["line"].n_unique() == 60


def test_us_rows_joined_with_uk_rows_load_no_date_with_day_and_month_swapped(data_dir, tmp_path):
    """35 loans written month-first as declared, then 25 day-first (two systems' exports joined):
    more dates read as declared than swapped, yet a twentieth read only swapped, so the column
    holds both orders and no date that reads both ways can be trusted; none loads swapped."""
    tape, dates = _sba_day_first(data_dir, tmp_path, 60, month_first_lines=35)
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert "date_order_in_doubt" in set(parsed.quarantine["rule"])
    assert all(day == dates[line - 2] for line, day in parsed.rows.select("_source_line", "origination_date").rows())


@pytest.mark.parametrize(("month_first_lines", "in_doubt"), [(35, True), (59, False)])
def test_a_year_first_column_is_put_in_doubt_by_a_second_order_not_by_a_slip(data_dir, tmp_path, month_first_lines,
                                                                            in_doubt):
    """ISO dates, declared %Y-%m-%d, 25 of them written year, day, month by a second system: those
    reading both ways are in doubt and none loads swapped. One such slip among 59 is a typo, not a
    second order: in a year-first column a lone value read only swapped does not outvote the dates
    that read both ways (every first of the month does), so only the slip is quarantined."""
    tape, dates = _sba_day_first(data_dir, tmp_path, 60, month_first_lines, forms=("%Y-%m-%d", "%Y-%d-%m"))
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert ("date_order_in_doubt" in set(parsed.quarantine["rule"])) is in_doubt
    assert all(day == dates[line - 2] for line, day in parsed.rows.select("_source_line", "origination_date").rows())
    if not in_doubt:
        assert parsed.rows.height + parsed.quarantine["line"].n_unique() == 60


def test_a_small_block_of_day_first_rows_joined_to_a_long_month_first_tape_loads_no_swapped_date(data_dir, tmp_path):
    """500 loans written month-first as declared, then 20 day-first (one branch's export appended):
    the 20 are under a twentieth of the tape, but they read only swapped in a run, so the dates
    around them that read both ways are in doubt; none loads swapped, and far from the block the
    month-first dates load."""
    tape, dates = _sba_day_first(data_dir, tmp_path, 520, month_first_lines=500)
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    loaded = dict(parsed.rows.select("_source_line", "origination_date").rows())
    assert all(day == dates[line - 2] for line, day in loaded.items())
    assert sum(line > 501 for line in loaded) == sum(d.day == d.month for d in dates[500:])
    assert sum(line < 480 for line in loaded) >= 470
    messages = parsed.quarantine.filter(pl.col("rule") == "date_order_in_doubt")["message"]
    assert messages.len() and messages.str.contains(
        "of the 21 rows around it read only the other way round, '%d/%m/%Y' (as 28/02/1997) (a block of rows in the "
        f"other order joined in?); of the whole column {sum(d.day > 12 for d in dates[500:])} of the column's values "
        f"read only with day and month the other way round, '%d/%m/%Y' (as 28/02/1997), and "
        f"{sum(d.day > 12 for d in dates[:500])} only as declared", literal=True).all()


def test_a_two_digit_year_whose_day_is_its_month_is_one_day_either_way_round(data_dir, tmp_path):
    """Credit lines written %m/%d/%y on a tape as of 2024-06-30: 18 read only as declared (03/25/98),
    3 in a run only day-first (25/03/99), so the column holds both orders and the 2 that read both
    ways as two different days (03/04/99) are in doubt. '05/05/55', next to the run, and 40 more
    opened 1950-1968 on a day that is its month, are one day whichever way round they are read: the
    swapped reading had left their year in this century (2055 against 1955), so they counted as two
    days, and '05/05/55' was quarantined by the run around it. They load; the message of a value in
    doubt gives the counts and the sign the rule went by; a placeholder keeps its own message."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8", newline="") as handle:
        loans = list(islice(csv.DictReader(handle), 65))
    declared_only = ["03/25/98", "04/17/95", "05/30/97", "06/14/96", "07/22/99", "08/13/94", "09/28/98", "10/19/97",
                     "11/15/96", "12/21/95", "01/26/99", "02/18/98", "03/29/97", "04/23/96", "05/16/95", "06/27/94",
                     "07/31/99", "08/24/98"]
    first_credit = (declared_only[:10] + ["25/03/99", "17/04/97", "19/08/96"] + ["03/04/99", "06/07/98", "05/05/55"]
                    + declared_only[10:] + [f"{m:02d}/{m:02d}/{50 + k % 19:02d}" for k in range(40) for m in [k % 12 + 1]]
                    + ["01/01/70"])  # a placeholder: its own rule and message, not the order's
    lines = ["loan_id,orig_date,amount,status,first_credit"] + [
        f"L{i + 1},2011-12-01,{loan['loan_amnt']},{loan['loan_status']},{written}"
        for i, (loan, written) in enumerate(zip(loans, first_credit, strict=True))]
    tape = tmp_path / "cards_asof_2024-06-30.csv"
    tape.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mapping = {**MAPPING, "columns": {"loan_id": {"to": "source_loan_id", "required": True},
                                      "orig_date": {"to": "origination_date", "required": True},
                                      "amount": {"to": "loan_amount", "required": True}, "status": {"to": "loan_status"},
                                      "first_credit": {"to": "earliest_cr_line", "format": "%m/%d/%y"}}}
    (tmp_path / (tape.name + ".mapping.json")).write_text(json.dumps(mapping), encoding="utf-8")
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    quarantined = parsed.quarantine.filter(pl.col("column_name") == "first_credit")
    assert quarantined.select("line", "rule").rows() == [
        (12, "unparsable_date"), (13, "unparsable_date"), (14, "unparsable_date"),
        (15, "date_order_in_doubt"), (16, "date_order_in_doubt"), (66, "placeholder_date")]
    assert "reads as a date both" not in quarantined["message"][5]
    assert quarantined["message"][3:5].to_list() == [
        f"column first_credit: '{written}' reads as a date both in the column's declared format '%m/%d/%y' (as "
        "02/28/97) and the other way round, as two different days, and 3 of the column's values read only with day "
        "and month the other way round, '%d/%m/%y' (as 28/02/97), and 18 only as declared: the column holds dates in "
        "both orders (rows of two systems joined?), so which day this one is cannot be told: write the column in one "
        "order, or declare the format each file writes (rows in '%d/%m/%y' in a file of their own)"
        for written in ("03/04/99", "06/07/98")]
    opened = dict(parsed.rows.select("_source_line", "earliest_cr_line").rows())
    assert opened[17] == dt.date(1955, 5, 5) and opened[18] == dt.date(1999, 1, 26)
    assert opened[26] == dt.date(1950, 1, 1) and opened[65] == dt.date(1951, 4, 4)


def test_sba_codes_written_as_floats_by_a_pandas_round_trip_are_their_codes(data_dir, tmp_path):
    """pandas reads an integer column holding one missing value as floats and writes it back as
    `2.0`: 39 of 40 SBA loans were quarantined for `NewExist`. `1.0`/`2.0` are the codes 1 and 2; a
    code the SBA does not use (`3.0`) is still quarantined, and its message says which codes are read.
    The text codes NAICS and FranchiseCode, floated the same way (`722511.0`, `1.0`), keep the codes
    as the SBA wrote them."""
    with gzip.open(data_dir / "loans" / "sba_national.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(islice(reader, 40))
    at = header.index("NewExist")
    written = [row[at] for row in rows]
    assert set(written) == {"1", "2"}
    rows[5][at] = ""  # the missing value that made pandas write floats
    for row in rows:
        row[at] = f"{row[at]}.0" if row[at] else ""
    rows[6][at] = "3.0"
    codes = {name: [row[header.index(name)] for row in rows] for name in ("NAICS", "FranchiseCode")}
    for name in codes:
        for row in rows:
            row[header.index(name)] += ".0"
    tape = tmp_path / "sba_pandas.csv"
    with open(tape, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.rows.height == 39
    expected = [None if n == 5 else int(w == "2") for n, w in enumerate(written) if n != 6]
    assert parsed.rows["new_business"].to_list() == expected
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [(8, "NewExist", "unparsable_value", "3.0")]
    kept = [n for n in range(40) if n != 6]
    assert parsed.rows["naics"].to_list() == [codes["NAICS"][n] for n in kept]
    assert parsed.rows["franchise_code"].to_list() == [codes["FranchiseCode"][n] for n in kept]
    assert parsed.notes["float_tail_removed"] == {"NAICS": 40, "FranchiseCode": 40}
    assert parsed.quarantine["message"][0] == (
        "column NewExist: '3.0' is not a value this column's type (new_exist) knows; it reads SBA NewExist codes "
        "1 (existing business), 2 (new) and 0 (undefined), also written 1.0")


@pytest.mark.parametrize(("written", "form"), [
    (lambda d: d.isoformat(), "%Y-%m-%d"),
    (lambda d: f"{d.isoformat()} 00:00:00", "%Y-%m-%d"),  # a database's DATE exported as a date-time
    (lambda d: d.strftime("%d-%b-%Y"), "%d-%b-%Y"),  # SAS DATE11., Oracle DD-MON-YYYY
    (lambda d: d.strftime("%d%b%Y").upper(), "%d%b%Y"),  # SAS DATE9.
    (lambda d: d.strftime("%Y%m%d"), "%Y%m%d"),  # compact ISO 8601
])
def test_lendingclub_months_written_as_full_dates_read_as_their_months(data_dir, tmp_path, written, form):
    """LendingClub's `Dec-2011` exported by a database or SAS as the month's first day: every loan was
    quarantined as `unparsable_date`. Four-digit-year forms read (note `lendingclub_dates_written`), a
    midnight is dropped, January 1970 stays a real month and Jan 1900 a placeholder; a time other than
    midnight leaves its value unread."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        header, *rows = (line.rstrip("\n") for line in islice(handle, 5))
    months = [(dt.date(2011, 12, 1), dt.date(1985, 1, 1)), (dt.date(2011, 12, 1), dt.date(1970, 1, 1)),
              (dt.date(2011, 11, 1), dt.date(1900, 1, 1)), (dt.date(2011, 10, 1), dt.date(2004, 8, 1))]
    issued = [written(issue) for issue, _ in months]
    issued[3] = issued[3].split()[0] + " 14:30:00" if " " in issued[3] else issued[3]
    tape = tmp_path / "lc_export.csv"
    tape.write_text("\n".join([f"issue_d,earliest_cr_line,{header}"] + [
        f"{issue},{written(credit)},{row}" for issue, (_, credit), row in zip(issued, months, rows)]) + "\n")
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.notes["lendingclub_dates_written"] == {"issue_d": form, "earliest_cr_line": form}
    timed = " " in issued[0]
    loaded = [(2, dt.date(2011, 12, 1), dt.date(1985, 1, 1)), (3, dt.date(2011, 12, 1), dt.date(1970, 1, 1))]
    quarantined = [(4, "earliest_cr_line", "placeholder_date")]
    if timed:
        quarantined.append((5, "issue_d", "unparsable_date"))
        assert parsed.notes["date_time_of_day_dropped"] == {"issue_d": 2, "earliest_cr_line": 2}
    else:
        loaded.append((5, dt.date(2011, 10, 1), dt.date(2004, 8, 1)))
        assert "date_time_of_day_dropped" not in parsed.notes
    assert parsed.rows.select("_source_line", "origination_date", "earliest_cr_line").rows() == loaded
    assert parsed.quarantine.select("line", "column_name", "rule").rows() == quarantined


def _lc_issued(data_dir, tape, issued: list[str]):
    """`tape`: the first len(issued) LendingClub sample loans with an `issue_d` column of `issued`."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        header, *rows = (line.rstrip("\n") for line in islice(handle, len(issued) + 1))
    tape.write_text("\n".join([f"issue_d,{header}"] + [f"{issue},{row}" for issue, row in zip(issued, rows)]) + "\n")
    return tape


def test_a_typo_in_a_column_of_compact_dates_is_that_value_alone(data_dir, tmp_path):
    """LendingClub months written `20111201`, one of them `20111301` (a month 13): every loan was
    quarantined, in a message naming `%b-%Y`, and once the column read as compact dates, every
    first-of-the-month value was put in doubt as if `20111301` were 13 January written year, day,
    month. A year-first date is ISO 8601's order, never swapped: the typo alone is quarantined,
    named under the column's own form."""
    parsed = parse_loan_file(_lc_issued(data_dir, tmp_path / "lc_compact.csv",
                                        ["20111201", "20111201", "20111301", "20111101", "20111001"]))
    parsed.reconcile()
    assert parsed.notes["lendingclub_dates_written"] == {"issue_d": "%Y%m%d"}
    assert parsed.rows["origination_date"].to_list() == [dt.date(2011, 12, 1), dt.date(2011, 12, 1),
                                                         dt.date(2011, 11, 1), dt.date(2011, 10, 1)]
    [(line, column, rule, message)] = parsed.quarantine.select("line", "column_name", "rule", "message").rows()
    assert (line, column, rule) == (4, "issue_d", "unparsable_date")
    assert "is not a date in the column's format '%Y%m%d'" in message


def test_a_lendingclub_month_column_holds_months_in_every_form_and_names_its_mixed_forms(data_dir, tmp_path):
    """LendingClub's `issue_d` is a month column: a workbook's day number and its own `Dec-2011` load
    the month's first day, while a database's full date (`2011-01-31`) kept its day 31. Every form
    now loads the month (note `lendingclub_days_read_as_months`). A column that mixes forms is read
    in the one that reads most of it (ISO here); the tape's own `Dec-2011` among them was quarantined
    as a spreadsheet's display format that drops the day, asking for a re-export: the message says
    the column mixes forms, which is taken as the column's, and how to declare one."""
    parsed = parse_loan_file(_lc_issued(data_dir, tmp_path / "lc_mixed.csv",
                                        ["2011-01-31", "2011-12-15", "Dec-2011", "2011-11-01", "2011-10-31"]))
    parsed.reconcile()
    assert parsed.notes["lendingclub_dates_written"] == {"issue_d": "%Y-%m-%d"}
    assert parsed.notes["lendingclub_days_read_as_months"] == {"issue_d": 3}
    assert parsed.rows.select("_source_line", "origination_date").rows() == [
        (2, dt.date(2011, 1, 1)), (3, dt.date(2011, 12, 1)), (5, dt.date(2011, 11, 1)), (6, dt.date(2011, 10, 1))]
    [(line, rule, message)] = parsed.quarantine.select("line", "rule", "message").rows()
    assert (line, rule) == (4, "unparsable_date")
    assert message == (
        "column issue_d: 'Dec-2011' is written '%b-%Y' (as Feb-1997, LendingClub's own form), another form than "
        "the column's: the column mixes date forms, and the one that reads the most of its values, '%Y-%m-%d' "
        "(as 1997-02-28), is taken as the column's form; write the column in one form, or land the file with a "
        "column mapping that declares the column's format, columns.issue_d.format (README, 'Your own loan tape')")
    assert "display format" not in message


def test_a_placeholder_date_is_one_in_any_form_whatever_the_columns_own_form(data_dir, tmp_path):
    """SBA's DisbursementDate `9999-12-31` among `28-Feb-99`s was `unparsable_date`, 'the column
    mixes date forms'; a placeholder is recognised before the column's form: written ISO, month- or
    day-first, with a midnight or in SAS's `31DEC9999`, in SBA's own columns and a mapped one."""
    with gzip.open(data_dir / "loans" / "sba_national.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header, *rows = list(islice(reader, 7))
    at = {name: i for i, name in enumerate(header)}
    written = {2: ("DisbursementDate", "9999-12-31"), 3: ("DisbursementDate", "12/31/9999"),
               4: ("ApprovalDate", "1900-01-01 00:00:00"), 5: ("ChgOffDate", "31DEC9999"), 6: ("DisbursementDate", "1/1/1900")}
    for line, (column, text) in written.items():
        rows[line - 2][at[column]] = text
    tape = tmp_path / "sba_placeholders.csv"
    with open(tape, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.quarantine.sort("line").select("line", "column_name", "rule", "raw_value").rows() == [
        (line, column, "placeholder_date", text) for line, (column, text) in written.items()]
    assert parsed.rows["_source_line"].to_list() == [7]

    tape, _ = _sba_day_first(data_dir, tmp_path, 4, forms=("%d/%m/%Y", "%d/%m/%Y"))
    lines = tape.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(lines[2].split(",")[1], "9999-12-31")
    tape.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mapped = parse_loan_file(tape)
    assert mapped.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (3, "orig_date", "placeholder_date", "9999-12-31")]
