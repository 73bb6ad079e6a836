"""A LendingClub file opened in Excel and saved again with the amount columns formatted as
Currency or Accounting (`" $ 5,000.00 "`, and `" $ -   "` for a zero): the same loans, the same
amounts, as the plain download; an amount marked with another currency is no USD amount. Numbers as
other exports write them: digits grouped by an apostrophe or a space of any width, a minus after the
digits, and the forms no dialect of the file reads, whose message names the form."""

from __future__ import annotations

import csv
import json
from itertools import islice
from pathlib import Path

import pytest

from risk_assets.lib.ingest.loan_formats import parse_loan_file
from risk_assets.lib.ingest.parsed import FileRefused

AMOUNTS = ("loan_amnt", "annual_inc", "revol_bal")
COLUMNS = ["loan_amount", "annual_income", "revol_bal", "term_months", "revol_util", "default_flag"]


@pytest.fixture
def lc_rows(data_dir) -> list[list[str]]:
    """The header and the first 60 loans of the real LendingClub file."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8", newline="") as handle:
        return list(islice(csv.reader(handle), 61))


def _write(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _accounting(value: str) -> str:
    """Excel's Accounting format (built-in format 44) as its CSV export writes a cell."""
    return " $ -   " if float(value) == 0 else f" $ {float(value):,.2f} "


def test_amounts_in_excels_accounting_format_read_as_the_plain_download(lc_rows, tmp_path):
    plain = parse_loan_file(_write(tmp_path / "plain.csv", lc_rows))
    header = lc_rows[0]
    formatted = [header] + [[_accounting(v) if header[i] in AMOUNTS else v for i, v in enumerate(row)]
                            for row in lc_rows[1:]]
    zeros = sum(float(row[header.index("revol_bal")]) == 0 for row in lc_rows[1:])
    assert zeros >= 1 and formatted[1][0] == " $ 5,000.00 "
    parsed = parse_loan_file(_write(tmp_path / "excel_accounting.csv", formatted))
    parsed.reconcile()
    assert parsed.quarantine.height == 0
    assert parsed.rows.select(COLUMNS).rows() == plain.rows.select(COLUMNS).rows()
    assert parsed.notes["accounting_zero_read"] == {"revol_bal": zeros}


def test_an_amount_in_another_currency_or_an_accounting_zero_loan_is_quarantined(lc_rows, tmp_path):
    """`€5,000.00` in a USD tape is `currency_mismatch`, never read as dollars; a loan amount of
    `$ -` is a zero loan (`non_positive_amount`); a lone dash, without the currency's mark, is
    Excel's Comma Style zero, read as 0 like the Accounting format's."""
    rows = [row[:] for row in lc_rows[:5]]
    amount, balance = rows[0].index("loan_amnt"), rows[0].index("revol_bal")
    rows[1][amount] = "€5,000.00"
    rows[2][amount] = " $ -   "
    rows[3][balance] = "-"
    parsed = parse_loan_file(_write(tmp_path / "marked.csv", rows))
    parsed.reconcile()
    assert parsed.quarantine.select("line", "column_name", "rule").rows() == [
        (2, "loan_amnt", "currency_mismatch"), (3, "loan_amnt", "non_positive_amount")]
    assert parsed.rows.get_column("revol_bal").to_list() == [0.0, float(lc_rows[4][balance])]
    assert parsed.notes["accounting_zero_read"] == {"loan_amnt": 1, "revol_bal": 1}


@pytest.mark.parametrize("preamble", ["", "sep=;\n"], ids=["header_first", "excel_sep_line"])
def test_a_semicolon_lendingclub_file_is_refused_saying_which_dialect_to_declare(lc_rows, tmp_path, preamble):
    """A continental European Excel saves CSV with ';' and decimal commas: the refusal names the
    built-in format its header is, and the dialect a mapping must declare to read it, also past the
    separator line `sep=;` some exports write for Excel (that file was refused quoting only it)."""
    path = tmp_path / "lc_excel_de.csv"
    path.write_text(preamble + "\n".join(";".join(v.replace(".", ",") for v in row) for row in lc_rows[:6]) + "\n",
                    encoding="cp1252")
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(path)
    assert "built-in lendingclub format's separated by ';'" in str(refused.value)
    assert '"dialect": {"delimiter": ";", "decimal": ",", "thousands": "."}' in str(refused.value)


@pytest.mark.parametrize("client", [False, True], ids=["report", "database_client"])
def test_a_fixed_width_report_is_refused_without_sending_the_user_to_a_mapping(lc_rows, tmp_path, client):
    """Columns aligned by spaces, no delimiter: no mapping can declare column positions, so the
    refusal says to export the tape delimited, not to declare a mapping. A database client's default
    output (BTEQ, sqlcmd) underlines the header with dashes, and its values may hold a comma: that
    file was sent to a mapping."""
    columns = ("loan_amnt", "term", "annual_inc", "addr_state", "loan_status") + (("verification_status",) if client else ())
    keep = [lc_rows[0].index(c) for c in columns]
    table = [[row[i] for i in keep] for row in lc_rows[:6]]
    if client:
        table[2][-1] = "Verified, income and employer"
    widths = [max(len(row[i]) for row in table) + 2 for i in range(len(keep))]
    if client:
        table.insert(1, ["-" * (w - 2) for w in widths])
    path = tmp_path / "lc_report.txt"
    path.write_text("\n".join("".join(v.ljust(w) for v, w in zip(row, widths)) for row in table) + "\n")
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(path)
    assert "a fixed-width layout" in str(refused.value) and "export the tape with a delimiter" in str(refused.value)
    assert "Declare a column mapping" not in str(refused.value)


def test_a_fixed_width_report_named_as_a_mapping_s_tape_gets_the_fixed_width_advice(lc_rows, tmp_path):
    """A lender's report whose name a mapping's applies_to matches: the refusal names the mapping's
    missing columns and also says the layout is fixed-width, to be exported delimited."""
    table = [["LOAN_ID", "AMOUNT", "STATUS"]] + [[f"1000{n}", row[0], row[-1]] for n, row in enumerate(lc_rows[1:6])]
    path = tmp_path / "acme_report.txt"
    path.write_text("\n".join("".join(v.ljust(12) for v in row).rstrip() for row in table) + "\n")
    (tmp_path / "maps").mkdir()
    (tmp_path / "maps" / "acme.json").write_text(json.dumps(
        {"name": "acme", "applies_to": ["acme_*.txt"], "columns": {"loan_id": {"to": "source_loan_id"},
                                                                   "amount": {"to": "loan_amount"}}}))
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(path, mapping_dirs=[tmp_path / "maps"])
    assert str(refused.value) == (
        f"{path}: the column mapping meant for it does not fit: {tmp_path / 'maps' / 'acme.json'} (applies_to "
        "acme_*.txt) declares column(s) ['amount', 'loan_id'] that its header does not have. First line: "
        "'LOAN_ID     AMOUNT      STATUS'. Its header holds no delimiter and its columns are aligned by spaces: a "
        "fixed-width layout, as a report, a database client's default output or a mainframe writes. The lake reads "
        "delimited text, not column positions (no mapping can declare them): export the tape with a delimiter (CSV, "
        "tab or pipe; BTEQ .SET SEPARATOR '|', sqlcmd -s \"|\" -W, SQL*Plus SET MARKUP CSV ON) and land that.")


def test_an_sql_insert_script_is_refused_as_a_script_not_as_a_headerless_part(lc_rows, tmp_path):
    """SQL Developer's 'Export as insert' writes a comment banner, `SET DEFINE OFF;` and one INSERT
    per loan: it was refused as a tape cut without its header, to be joined with its other parts.
    The refusal names the line of the first statement and says to export the rows as CSV."""
    header, loans = lc_rows[0], lc_rows[1:6]
    statements = [f"Insert into RISK.LC_LOANS ({','.join(header)}) values ("
                  + ",".join("'" + value.replace("'", "''") + "'" for value in loan) + ");" for loan in loans]
    path = tmp_path / "lc_loans_export.sql"
    path.write_text("\n".join(["-" * 56, "--  File created - Monday-July-01-2024", "-" * 56,
                               "REM INSERTING into RISK.LC_LOANS", "SET DEFINE OFF;", *statements]) + "\n")
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(path)
    said = str(refused.value)
    assert said.startswith(f"{path}: an SQL script (line 6: 'Insert into RISK.LC_LOANS (")
    assert "export the query's result as CSV with a header" in said and "Join the parts" not in said


def test_a_negative_revolving_balance_in_accounting_format_is_quarantined_at_landing(lc_rows, tmp_path):
    """Excel's Accounting format writes a negative as ` $ (13,648.00)`: read as minus 13,648, the
    balance loaded and was caught only by the value check after it. A revolving balance is never
    below zero: `negative_amount` at landing, as a negative income is."""
    header = lc_rows[0]
    balance = header.index("revol_bal")
    rows = [header] + [row[:] for row in lc_rows[1:4]]
    rows[1][balance] = f" $ ({float(rows[1][balance]):,.2f})"
    parsed = parse_loan_file(_write(tmp_path / "lc_accounting_negative.csv", rows))
    parsed.reconcile()
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (2, "revol_bal", "negative_amount", " $ (13,648.00)")]
    assert parsed.rows.get_column("revol_bal").to_list() == [1687.0, 2956.0]


@pytest.mark.parametrize(("mark", "name"), [
    ("'", "apostrophe"), ("\u2019", "apostrophe"),  # Swiss, typed and typeset
    (" ", "space"), ("\u00a0", "space"), ("\u202f", "space"), ("\u2009", "space"),  # French, Nordic, SI
    ("\u2007", "space"), ("\u2002", "space"), ("\u3000", "space"),  # figure, en and ideographic spaces (Zs)
])
def test_incomes_grouped_by_an_apostrophe_or_a_space_in_threes_read_as_the_download(lc_rows, tmp_path, mark, name):
    """`24'000.00` (Swiss) and `24 000` with a space of any width (French and Nordic locales, SI
    typesetting) are one number in any dialect: no locale writes those marks as a decimal mark. Such
    incomes were quarantined; grouped in threes throughout they read as the plain download does
    (note `digit_grouping_read`); grouped otherwise they stay unparsable, and the message says so."""
    header = lc_rows[0]
    income = header.index("annual_inc")
    plain = parse_loan_file(_write(tmp_path / "plain.csv", lc_rows))
    grouped = [header] + [[*row[:income], f"{float(row[income]):,.2f}".replace(",", mark), *row[income + 1:]]
                          for row in lc_rows[1:]]
    assert grouped[1][income] == f"24{mark}000.00"
    grouped[2][income] = f"30{mark}00{mark}0"  # line 3: groups of two and one
    parsed = parse_loan_file(_write(tmp_path / "lc_grouped.csv", grouped))
    parsed.reconcile()
    assert parsed.rows["annual_income"].to_list() == plain.rows.filter(
        plain.rows["_source_line"] != 3)["annual_income"].to_list()
    assert parsed.notes["digit_grouping_read"] == {"annual_inc": {name: 59}}
    assert parsed.quarantine.select("line", "rule", "raw_value").rows() == [(3, "unparsable_number", f"30{mark}00{mark}0")]
    said, example = {"apostrophe": ("an apostrophe", "24'000.00"), "space": ("a space", "24 000")}[name]
    assert parsed.quarantine["message"][0].endswith(
        f"it groups its digits with {said} but not in threes ({example} is read): a value whose digits are grouped "
        "otherwise is no number any dialect declares")


def test_counts_and_rates_are_read_in_the_dialects_own_marks_only(lc_rows, tmp_path):
    """A space between digits or a minus after them is an amount's form in accounting exports, and is
    read in money columns only. In a count or a rate `3 100` may be two values run together and `10-`
    a range cut short: read, they would load 3,100 open accounts or -10 credit lines, which no value
    rule of a count catches. They stay unparsable, and the message says why."""
    header = lc_rows[0]
    at = {name: i for i, name in enumerate(header)}
    rows = [header] + [row[:] for row in lc_rows[1:6]]
    rows[1][at["open_acc"]] = "3 100"
    rows[2][at["total_acc"]] = "10-"
    rows[3][at["revol_util"]] = "83 700%"
    rows[4][at["annual_inc"]] = "24 000.00"  # an income: an amount, read
    parsed = parse_loan_file(_write(tmp_path / "lc_counts.csv", rows))
    parsed.reconcile()
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (2, "open_acc", "unparsable_number", "3 100"), (3, "total_acc", "unparsable_number", "10-"),
        (4, "revol_util", "unparsable_number", "83 700%")]
    said = [message.split("; ", 1)[1] for message in parsed.quarantine["message"]]
    assert said[0].startswith("digits grouped by a space or an apostrophe are read in money columns only")
    assert said[1].startswith("a minus after the digits is read in money columns only")
    assert parsed.rows.select("_source_line", "annual_income").rows() == [
        (5, 24000.0), (6, float(lc_rows[5][at["annual_inc"]]))]
    assert parsed.notes["digit_grouping_read"] == {"annual_inc": {"space": 1}}


def test_a_minus_after_the_digits_is_a_minus_and_a_number_no_dialect_reads_names_its_form(lc_rows, tmp_path):
    """SAP and COBOL's edited numbers write a negative `13648-`: it was quarantined as unparsable, no
    form named. It reads as minus 13,648 (note `trailing_minus_read`), a revolving balance then below
    zero (`negative_amount`). A number the file's dialect cannot read names what it looks like and
    the mapping's dialect key that reads it: lakh grouping, a decimal comma, points as thousands."""
    header = lc_rows[0]
    at = {name: i for i, name in enumerate(header)}
    rows = [header] + [row[:] for row in lc_rows[1:6]]
    rows[1][at["revol_bal"]] += "-"
    rows[2][at["annual_inc"]] = "1,23,456"
    rows[3][at["annual_inc"]] = "12.252,00"
    rows[4][at["annual_inc"]] = "1.049.000"
    parsed = parse_loan_file(_write(tmp_path / "lc_forms.csv", rows))
    parsed.reconcile()
    assert parsed.notes["trailing_minus_read"] == {"revol_bal": 1}
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (2, "revol_bal", "negative_amount", "13648-"), (3, "annual_inc", "unparsable_number", "1,23,456"),
        (4, "annual_inc", "unparsable_number", "12.252,00"), (5, "annual_inc", "unparsable_number", "1.049.000")]
    hints = [message.split("; ", 1)[1] for message in parsed.quarantine["message"][1:]]
    assert hints == [
        "it is grouped in lakhs and crores (1,23,456): an Indian lender's tape declares its mapping's dialect "
        "\"grouping\": \"indian\"",
        "it has a decimal comma (13,64 or 1.234,56): a tape written so declares its mapping's dialect "
        "\"decimal\": \",\" (with its \"thousands\")",
        "it groups thousands with points (1.234.567): a tape written so declares its mapping's dialect "
        "\"thousands\": \".\", \"decimal\": \",\""]
    assert parsed.rows.select("_source_line", "revol_bal").rows() == [(6, float(lc_rows[5][at["revol_bal"]]))]


@pytest.mark.parametrize("kind", ["int", "number"])
def test_a_mapped_loan_amount_grouped_by_spaces_reads_and_a_tape_declaring_no_grouping_says_so(lc_rows, tmp_path,
                                                                                                kind):
    """A servicer's tape of real LendingClub amounts written `5 000` maps `loan_amount` as a whole
    number or a number: it is an amount either way, read in the forms accounting systems write. The
    same tape under a dialect that declares no thousands separator (`"thousands": ""`) leaves them
    unread, and the message says the digits are grouped and which key to declare, not that they are
    grouped otherwise than in threes."""
    import json

    at = lc_rows[0].index("loan_amnt")
    amounts = [int(row[at]) for row in lc_rows[1:7]]
    rows = [["ref", "amount"]] + [[f"L{i}", f"{amount:,}".replace(",", " ")] for i, amount in enumerate(amounts)]
    tape = _write(tmp_path / "servicer.csv", rows)
    mapping = {"name": "servicer", "columns": {"ref": {"to": "source_loan_id"},
                                                "amount": {"to": "loan_amount", "type": kind}}}
    (tmp_path / "servicer.csv.mapping.json").write_text(json.dumps(mapping))
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.rows["loan_amount"].to_list() == [float(amount) for amount in amounts]

    (tmp_path / "servicer.csv.mapping.json").write_text(json.dumps({**mapping, "dialect": {"thousands": ""}}))
    ungrouped = parse_loan_file(tape)
    ungrouped.reconcile()
    grouped = [amount for amount in amounts if amount >= 1000]
    assert ungrouped.quarantine.height == len(grouped) >= 5
    assert ungrouped.quarantine["message"][0].endswith(
        "its digits are grouped in threes, and the mapping's dialect declares no thousands separator "
        "(\"thousands\": \"\"): declare the one the tape writes")


def _german(value: str) -> str:
    """A number as Google Sheets in a German locale writes it to CSV: `5.000`, `77.385,19`, `83,7%`."""
    percent = value.endswith("%")
    number = float(value.rstrip("%"))
    text = f"{number:,.2f}".rstrip("0").rstrip(".") if number != int(number) else f"{int(number):,}"
    text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return text + "%" if percent else text


def _german_download(lc_rows: list[list[str]], columns: tuple[str, ...]) -> list[list[str]]:
    header = lc_rows[0]
    return [header] + [[_german(v) if header[i] in columns and v else v for i, v in enumerate(row)]
                       for row in lc_rows[1:]]


def test_a_german_spreadsheets_amounts_grouped_by_points_are_never_read_as_decimals(lc_rows, tmp_path):
    """Google Sheets' CSV download in a German locale writes LendingClub's 5000 as `5.000`: with the
    built-in format's decimal point it would read as 5.0. A column whose every amount with a point
    has three digits after it (cents never do) is in doubt: its `5.000`s are `ambiguous_number`,
    the message naming the dialect keys that read them. Declared so, the tape loads the download's
    values."""
    import json

    whole = [lc_rows[0]] + [row for row in lc_rows[1:] if "." not in row[lc_rows[0].index("annual_inc")]]
    assert len(whole) > 40
    german = _german_download(whole, AMOUNTS)
    assert german[1][:5] == ["5.000", "36 months", "10+ years", "RENT", "24.000"]
    tape = _write(tmp_path / "sheets_de.csv", german)
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.rows.height == 0  # every loan has an amount of 1,000 or more
    q = parsed.quarantine
    assert set(q["rule"]) == {"ambiguous_number"} and set(q["column_name"]) == set(AMOUNTS)
    first = q.filter((q["line"] == 2) & (q["column_name"] == "loan_amnt")).row(0, named=True)
    assert first["raw_value"] == "5.000"
    assert "points group thousands (5.000 for 5000, as a German" in first["message"]
    assert "\"decimal\": \",\", \"thousands\": \".\"" in first["message"]
    below_1000 = sum(float(row[whole[0].index(c)]) < 1000 for row in whole[1:] for c in AMOUNTS)
    assert q.height == 3 * (len(whole) - 1) - below_1000

    header = whole[0]
    types = {"loan_amnt": "money", "annual_inc": "money", "revol_bal": "money", "term": "term"}
    (tmp_path / "sheets_de.csv.mapping.json").write_text(json.dumps({
        "name": "sheets_de", "dialect": {"decimal": ",", "thousands": ".", "single_group_is_thousands": True},
        "columns": {c: {"to": {"loan_amnt": "loan_amount", "annual_inc": "annual_income", "term": "term_months"}
                        .get(c, c), "type": types[c]} for c in types}}))
    declared = parse_loan_file(tape)
    declared.reconcile()
    assert declared.quarantine.height == 0
    assert declared.rows.select("loan_amount", "annual_income", "revol_bal").rows() == [
        tuple(float(row[header.index(c)]) for c in AMOUNTS) for row in whole[1:]]


def test_a_decimal_comma_elsewhere_in_the_file_puts_its_few_dotted_amounts_in_doubt(lc_rows, tmp_path):
    """The same download with the utilisation column (`83,7%`) quarantines those percentages for their
    decimal comma; a loan whose utilisation is whole (`84%`) reads, and its `35.000` would be $35.
    The file shows it writes a decimal comma, so its amounts written with three digits after a point
    are in doubt even where a column has fewer than three of them."""
    header = lc_rows[0]
    util = header.index("revol_util")
    rows = [header] + [row for row in lc_rows[1:] if "." not in row[header.index("annual_inc")]][:2]
    german = _german_download(rows, (*AMOUNTS, "revol_util"))
    german[2][util] = "84%"  # a whole utilisation: nothing in its own row shows the comma
    assert german[1][util].endswith(",7%")
    parsed = parse_loan_file(_write(tmp_path / "sheets_de.csv", german))
    parsed.reconcile()
    assert parsed.rows.height == 0
    second = parsed.quarantine.filter(parsed.quarantine["line"] == 3)
    assert set(zip(second["column_name"], second["rule"])) == {(c, "ambiguous_number") for c in AMOUNTS}
    assert second["raw_value"].to_list() == [german[2][header.index(c)] for c in sorted(AMOUNTS)]


def test_amounts_with_three_decimals_or_none_grouped_by_points_load_as_written(lc_rows, tmp_path):
    """What a tape writes with points loads: a database's DECIMAL(12,3) (`5000.000`: four digits
    before the point; its `500.000` reads as 500 among them), and the amounts of a currency with
    three decimals (`13.648` dinars). Two amounts like `1.500` in a column of whole dollars are no
    such column: 1500 or 1.5 cannot be told, so they are `ambiguous_number`."""
    header = lc_rows[0]
    plain = parse_loan_file(_write(tmp_path / "plain.csv", lc_rows))
    scaled = [header] + [[f"{float(v):.3f}" if header[i] in AMOUNTS else v for i, v in enumerate(row)]
                         for row in lc_rows[1:]]
    assert scaled[1][0] == "5000.000"
    parsed = parse_loan_file(_write(tmp_path / "decimal_12_3.csv", scaled))
    parsed.reconcile()
    assert parsed.quarantine.height == 0
    assert parsed.rows.select(COLUMNS).rows() == plain.rows.select(COLUMNS).rows()

    few = [row[:] for row in lc_rows]
    balance = header.index("revol_bal")
    few[1][balance], few[2][balance] = "1.500", "2.750"
    parsed = parse_loan_file(_write(tmp_path / "few.csv", few))
    parsed.reconcile()
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (2, "revol_bal", "ambiguous_number", "1.500"), (3, "revol_bal", "ambiguous_number", "2.750")]
    assert parsed.rows.height == len(few) - 3

    # a currency with three decimals (Kuwaiti dinars: fils) writes them on every amount
    import json

    dinars = [int(row[header.index("revol_bal")]) for row in lc_rows[1:] if 1000 <= int(row[header.index("revol_bal")]) < 10**6]
    rows = [["ref", "amount"]] + [[f"K{n}", f"{amount / 1000:.3f}"] for n, amount in enumerate(dinars)]
    assert len(rows) > 40 and rows[1][1] == "13.648"
    tape = _write(tmp_path / "kwd.csv", rows)
    (tmp_path / "kwd.csv.mapping.json").write_text(json.dumps({
        "name": "kwd", "currency": "KWD", "columns": {"ref": "source_loan_id", "amount": {"to": "loan_amount", "type": "money"}}}))
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.quarantine.height == 0
    assert parsed.rows["loan_amount"].to_list() == [float(row[1]) for row in rows[1:]]


def test_one_income_grouped_by_a_point_is_never_read_as_a_thousandth(lc_rows, tmp_path):
    """`24.000` and `80.000` among LendingClub's incomes, whose column also writes cents
    (`77385.19`): read with the tape's decimal point each was 24 or 80 dollars, loaded without a word,
    as were two such values of a column (fewer than a threshold of three). No other income of the
    column has three decimals, so which was meant cannot be told: each is `ambiguous_number`, named
    in its message, and every other loan loads as written. So it is where the file writes a decimal
    comma elsewhere (a German `12.000,00` loan amount), though the column writes cents."""
    header = lc_rows[0]
    income = header.index("annual_inc")
    assert "77385.19" in [row[income] for row in lc_rows[1:]]
    rows = [row[:] for row in lc_rows]
    rows[1][income], rows[5][income] = "24.000", "80.000"  # 24000 and 80000, grouped by a point
    parsed = parse_loan_file(_write(tmp_path / "income_points.csv", rows))
    parsed.reconcile()
    q = parsed.quarantine
    assert q.select("line", "column_name", "rule", "raw_value").rows() == [
        (2, "annual_inc", "ambiguous_number", "24.000"), (6, "annual_inc", "ambiguous_number", "80.000")]
    assert "column annual_inc: '24.000' may be a whole amount whose points group thousands" in q["message"][0]
    assert parsed.rows["annual_income"].to_list() == [float(row[income]) for n, row in enumerate(lc_rows) if n not in (0, 1, 5)]
    assert 77385.19 in parsed.rows["annual_income"].to_list()

    comma = [row[:] for row in lc_rows]
    amount = header.index("loan_amnt")
    comma[1][income] = "24.000"
    comma[2][amount] = "12.000,00"  # a decimal comma the tape's dialect cannot read: the file's own form
    parsed = parse_loan_file(_write(tmp_path / "comma_elsewhere.csv", comma))
    parsed.reconcile()
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (2, "annual_inc", "ambiguous_number", "24.000"), (3, "loan_amnt", "unparsable_number", "12.000,00")]


def test_an_english_thousands_group_in_a_decimal_comma_tape_is_never_read_as_decimals(lc_rows, tmp_path):
    """A German tape, amounts `5.000,00`, whose incomes were pasted in English, `43,000`: read in the
    tape's dialect each was 43.0, a thousandth of the income, and loaded without a word. Money has two
    decimals: an amount with three after the decimal comma is quarantined as `amount_three_decimals`."""
    import json

    header = lc_rows[0]
    income = header.index("annual_inc")
    rows = [row for row in lc_rows[1:] if float(row[income]).is_integer()][:6]
    german = [header] + [list(row) for row in rows]
    amount = header.index("loan_amnt")
    for row in german[1:]:
        row[amount] = f"{float(row[amount]):,.2f}".translate(str.maketrans(",.", ".,"))  # 5.000,00
    for row in german[1:4]:
        row[income] = f"{float(row[income]):,.0f}"  # 43,000
    tape = _write(tmp_path / "bank_de.csv", german)
    (tmp_path / "bank_de.csv.mapping.json").write_text(json.dumps({
        "name": "bank_de", "dialect": {"decimal": ",", "thousands": "."},
        "columns": {"loan_amnt": {"to": "loan_amount", "type": "money"}, "annual_inc": {"to": "annual_income", "type": "money"},
                    "term": {"to": "term_months", "type": "term"}}}))

    parsed = parse_loan_file(tape)

    parsed.reconcile()
    assert parsed.quarantine.select("line", "column_name", "rule").rows() == [
        (line, "annual_inc", "amount_three_decimals") for line in (2, 3, 4)]
    assert parsed.rows["annual_income"].to_list() == [float(row[income]) for row in rows[3:]]


def test_an_amount_with_a_fraction_of_a_cent_is_quarantined_in_a_decimal_point_tape(lc_rows, tmp_path):
    """Money has two decimals: `1234.567` or `"1,234.5678"` dollars (a computation nobody rounded)
    loaded as written, a fraction of a cent no ledger holds. Each is `amount_three_decimals`, the
    mirror of `43,000` in a decimal-comma tape, its message naming what to fix; `5000.000` (a
    DECIMAL(12,3) export, whole cents) still loads. A `43.000` among them is no decimal the column
    proves (its other three-decimal values are themselves quarantined): `ambiguous_number`, one rule
    a value."""
    header = lc_rows[0]
    income, balance = header.index("annual_inc"), header.index("revol_bal")
    rows = [row[:] for row in lc_rows]
    rows[1][balance] = "13648.125"
    rows[2][income] = "30,000.5678"
    rows[3][balance] = "2956.000"
    rows[4][income] = "49.200"  # a German group pasted in: 49200
    parsed = parse_loan_file(_write(tmp_path / "sub_cent.csv", rows))
    parsed.reconcile()
    q = parsed.quarantine
    assert q.select("line", "column_name", "rule", "raw_value").rows() == [
        (2, "revol_bal", "amount_three_decimals", "13648.125"), (3, "annual_inc", "amount_three_decimals", "30,000.5678"),
        (5, "annual_inc", "ambiguous_number", "49.200")]
    assert q["message"][0] == (
        "column revol_bal: '13648.125' is an amount with more decimals than its currency's minor unit has (money "
        "has two, cents or pence; three for a dinar): a fraction of a cent left by a computation nobody rounded "
        "(1234.567), or a continental thousands group pasted in; it is never rounded here: write the amount to "
        "the cent in the export, or, for a currency of three minor digits (KWD, BHD), declare it as the "
        "mapping's \"currency\"")
    assert parsed.rows.height == len(rows) - 1 - 3
    assert parsed.rows["revol_bal"].to_list()[0] == 2956.0


def test_a_fraction_of_a_cent_in_a_workbook_a_parquet_float_or_a_decimal_comma_tape_is_quarantined(lc_rows, tmp_path):
    """The rule reads the amount, not the dialect: a workbook cell holding 12.345, a Parquet float
    column's 1234.567 and a decimal-comma tape's `1234,567` are each `amount_three_decimals`. A
    float's rounding error (110.00000000000001, a Parquet double) is no fraction of a cent, and a
    currency of three minor digits (KWD) writes its fils: `13.648` loads, `13.6485` does not."""
    import json

    import openpyxl
    import polars as pl

    header = lc_rows[0]
    amounts = [float(row[header.index("loan_amnt")]) for row in lc_rows[1:5]]  # 5000, 2500, 2400, 10000
    columns = {"ref": "source_loan_id", "amount": {"to": "loan_amount", "type": "money"}}

    book = openpyxl.Workbook()
    book.active.append(["ref", "amount"])
    for n, amount in enumerate([12.345, *amounts[1:]]):
        book.active.append([f"X{n}", amount])
    book.save(tmp_path / "bank.xlsx")
    (tmp_path / "bank.xlsx.mapping.json").write_text(json.dumps({"name": "bank", "columns": columns}))
    parsed = parse_loan_file(tmp_path / "bank.xlsx")
    assert parsed.quarantine.select("line", "rule", "raw_value").rows() == [(2, "amount_three_decimals", "12.345")]
    assert parsed.rows["loan_amount"].to_list() == amounts[1:]

    pl.DataFrame({"ref": ["P0", "P1", "P2"], "amount": [1234.567, 100 * 1.1, amounts[0]]}).write_parquet(tmp_path / "bank.parquet")
    (tmp_path / "bank.parquet.mapping.json").write_text(json.dumps({"name": "bank", "columns": columns}))
    parsed = parse_loan_file(tmp_path / "bank.parquet")
    assert parsed.quarantine.select("line", "rule", "raw_value").rows() == [(1, "amount_three_decimals", "1234.567")]
    assert parsed.rows["loan_amount"].to_list() == [110.00000000000001, 5000.0]

    rows = [["ref", "amount"], ["E0", "1234,567"], ["E1", "5.000,00"], ["E2", "2.500,50"]]
    (tmp_path / "bank_de.csv.mapping.json").write_text(json.dumps({
        "name": "bank_de", "currency": "EUR", "dialect": {"decimal": ",", "thousands": "."}, "columns": columns}))
    parsed = parse_loan_file(_write(tmp_path / "bank_de.csv", rows))
    assert parsed.quarantine.select("line", "rule", "raw_value").rows() == [(2, "amount_three_decimals", "1234,567")]
    assert "a fraction of a cent" in parsed.quarantine["message"][0]
    assert parsed.rows["loan_amount"].to_list() == [5000.0, 2500.5]

    rows = [["ref", "amount"], ["K0", "13.648"], ["K1", "13.6485"], ["K2", "2.500"]]
    (tmp_path / "bank_kw.csv.mapping.json").write_text(json.dumps({"name": "bank_kw", "currency": "KWD", "columns": columns}))
    parsed = parse_loan_file(_write(tmp_path / "bank_kw.csv", rows))
    assert parsed.quarantine.select("line", "rule", "raw_value").rows() == [(3, "amount_three_decimals", "13.6485")]
    assert parsed.rows["loan_amount"].to_list() == [13.648, 2.5]


def test_a_parquet_double_s_infinity_or_1e308_says_what_it_is_not_a_dialect_or_a_cent(lc_rows, tmp_path):
    """A float64 income of 1e308 (a double's largest value, a sentinel) was `amount_three_decimals`,
    'a fraction of a cent left by a computation nobody rounded', and a rate of inf 'not a number in
    the file's dialect; it holds no digit', though Parquet has no dialect. An amount of 2^53 or more
    is `value_out_of_range`, beyond any plausible amount; infinity says it is infinite, typed or
    written as text."""
    import json

    import polars as pl

    header = lc_rows[0]
    amounts = [float(row[header.index("loan_amnt")]) for row in lc_rows[1:5]]
    incomes = [float(row[header.index("annual_inc")]) for row in lc_rows[1:5]]
    columns = {"ref": "source_loan_id", "amount": {"to": "loan_amount", "type": "money"},
               "income": {"to": "annual_income", "type": "number"}, "rate": {"to": "int_rate", "type": "fraction"}}
    pl.DataFrame({"ref": ["P0", "P1", "P2", "P3"], "amount": amounts, "income": [1e308, *incomes[1:]],
                  "rate": [0.1065, float("inf"), 0.1527, -float("inf")]}).write_parquet(tmp_path / "bank.parquet")
    (tmp_path / "bank.parquet.mapping.json").write_text(json.dumps({"name": "bank", "columns": columns}))
    parsed = parse_loan_file(tmp_path / "bank.parquet")
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (1, "income", "value_out_of_range", "1.0000000000000000e+308"),
        (2, "rate", "unparsable_number", "inf"), (4, "rate", "unparsable_number", "-inf")]
    beyond, infinite, _ = parsed.quarantine["message"].to_list()
    assert beyond.startswith("column income: '1.0000000000000000e+308' is an amount of 2^53 (9,007,199,254,740,992) "
                             "or more, beyond any plausible amount")
    assert infinite == ("column rate: 'inf' is infinite (a float column's inf or -inf: a division by zero or an "
                        "overflow upstream), no number a loan holds; write the value, or leave it empty (null) where "
                        "it is unknown")
    assert parsed.rows.select("source_loan_id", "annual_income").rows() == [("P2", incomes[2])]

    rows = [["ref", "amount", "income", "rate"], ["C0", "5000", "Infinity", "0.1065"], ["C1", "2500", "30000", "0.1527"]]
    (tmp_path / "bank.csv.mapping.json").write_text(json.dumps({"name": "bank", "columns": columns}))
    parsed = parse_loan_file(_write(tmp_path / "bank.csv", rows))
    assert parsed.quarantine.select("line", "rule", "message").rows() == [
        (2, "unparsable_number", "column income: 'Infinity' is infinity as software writes it (inf, Infinity: a "
         "division by zero or an overflow upstream), no number a loan holds; write the value, or leave the cell "
         "empty where it is unknown")]


def test_an_unread_number_says_what_in_it_no_dialect_reads(lc_rows, tmp_path):
    """An amount, a rate, a ratio or a count the file's dialect cannot read said only that it was no
    number: a zero-width space pasted into `5000` looks like `5000` in every viewer, and the lender
    could not tell what to fix. The message names the first flaw it holds: an invisible character
    (by code point and name), digits other than 0-9, a dash for a minus, a percent sign where the
    column takes none or one too many, a magnitude suffix, letters, a lone dash where no amount
    is (in an amount it is an accountant's zero), or no digit at all."""
    header = [*lc_rows[0], "dti"]
    at = {name: i for i, name in enumerate(header)}
    rows = [header] + [[*row, "27.65"] for row in lc_rows[1:13]]
    written = {2: ("loan_amnt", "5\u200b000"), 3: ("annual_inc", "\uff13\uff10\uff10\uff10\uff10"),
               4: ("revol_bal", "\u20131687"), 5: ("dti", "27.65%"), 6: ("revol_util", "83.7%%"),
               7: ("annual_inc", "24k"), 8: ("open_acc", "3 accts"), 9: ("delinq_2yrs", "-"),
               10: ("total_acc", "TBD"), 11: ("open_acc", "1\u200b0"), 12: ("annual_inc", "1.5M"),
               13: ("inq_last_6mths", "\u2013")}
    for line, (column, value) in written.items():
        rows[line - 1][at[column]] = value
    parsed = parse_loan_file(_write(tmp_path / "lc_pasted.csv", rows))
    parsed.reconcile()
    quarantined = parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows()
    assert quarantined == [(line, column, "unparsable_number", value) for line, (column, value) in written.items()]
    unread = "is not a number in the file's dialect"
    assert parsed.quarantine["message"].to_list() == [
        f"column loan_amnt: '5\\u200b000' {unread}; it holds U+200B ZERO WIDTH SPACE, which no viewer shows "
        "(delete it, or re-export the column as numbers)",
        f"column annual_inc: '\uff13\uff10\uff10\uff10\uff10' {unread}; it is written in digits other than 0-9 "
        "(U+FF13 FULLWIDTH DIGIT THREE, U+FF10 FULLWIDTH DIGIT ZERO): re-export the column with the digits 0-9 "
        "('30000')",
        f"column revol_bal: '\u20131687' {unread}; its sign is U+2013 EN DASH, not a minus sign (an autocorrected "
        "'-'?): write the minus as '-'",
        f"column dti: '27.65%' {unread}; it carries a percent sign, in a column of plain numbers: write the number "
        "without it",
        f"column revol_util: '83.7%%' {unread}; it carries more than one percent sign ('%%': a format string's "
        "escaped '%'?): write one",
        f"column annual_inc: '24k' {unread}; it carries a thousands suffix 'k': write the number out in full",
        f"column open_acc: '3 accts' {unread}; it holds letters ('accts') beside its digits: write the number alone",
        f"column delinq_2yrs: '-' {unread}; it is a lone dash, as a report writes zero or nothing: write 0 where the "
        "value is zero, and leave the cell empty where it is unknown",
        f"column total_acc: 'TBD' {unread}; it holds no digit: a word or a mark where the number belongs (a "
        "placeholder such as 'TBD' or '?'): write the number, or leave the cell empty where it is unknown",
        f"column open_acc: '1\\u200b0' {unread}; it holds U+200B ZERO WIDTH SPACE, which no viewer shows "
        "(delete it, or re-export the column as numbers)",
        f"column annual_inc: '1.5M' {unread}; it carries a millions suffix 'M': write the number out in full",
        f"column inq_last_6mths: '\u2013' {unread}; it is a lone dash, as a report writes zero or nothing: write 0 where "
        "the value is zero, and leave the cell empty where it is unknown",
    ]
    assert parsed.rows.height == 0


def test_a_mapped_amount_with_the_tapes_currency_code_and_a_word_names_the_word_only(lc_rows, tmp_path):
    """An amount may carry its tape's currency code (`USD 24000`): the letters a message names are
    the others (`USD 24000 approx`), and an amount grouped in a decimal-comma form names that form and
    the dialect key that reads it, not the code."""
    header = lc_rows[0]
    income = header.index("annual_inc")
    rows = [header] + [row[:] for row in lc_rows[1:4]]
    rows[1][income] = "USD 24000 approx"
    rows[2][income] = "USD 24 000,50"
    rows[3][income] = "USD 30000"
    parsed = parse_loan_file(_write(tmp_path / "lc_coded.csv", rows))
    parsed.reconcile()
    assert parsed.quarantine.select("line", "rule").rows() == [(2, "unparsable_number"), (3, "unparsable_number")]
    assert [message.split("; ", 1)[1] for message in parsed.quarantine["message"]] == [
        "it holds letters ('approx') beside its digits: write the number alone",
        "it has a decimal comma (13,64 or 1.234,56): a tape written so declares its mapping's dialect "
        "\"decimal\": \",\" (with its \"thousands\")"]
    assert parsed.rows.select("_source_line", "annual_income").rows() == [(4, 30000.0)]


def test_a_loan_amount_below_one_dollar_is_quarantined_naming_the_value(lc_rows, tmp_path):
    """`.5` among 5,000s loaded as a loan of fifty cents: only amounts of zero or less were ruled
    out. No lender books a loan below one currency unit, so such an amount is quarantined
    (`loan_amount_below_one`), its message naming the column and the value; 1 itself loads."""
    rows = [row[:] for row in lc_rows[:6]]
    amount = rows[0].index("loan_amnt")
    rows[2][amount], rows[3][amount], rows[4][amount] = ".5", "0.99", "1"
    parsed = parse_loan_file(_write(tmp_path / "lc_cut_amounts.csv", rows))
    parsed.reconcile()
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (3, "loan_amnt", "loan_amount_below_one", ".5"), (4, "loan_amnt", "loan_amount_below_one", "0.99")]
    assert parsed.quarantine["message"][0].startswith(
        "column loan_amnt: '.5' is a loan amount below 1 in the tape's currency")
    assert parsed.rows.select("_source_line", "loan_amount").rows() == [
        (2, float(lc_rows[1][amount])), (5, 1.0), (6, float(lc_rows[5][amount]))]
