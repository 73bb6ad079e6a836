"""A number a loan tape writes in a form no dialect reads is quarantined with the reason, in a risk
analyst's terms, and what to write instead: the tape's own currency mark written twice (never
called another currency), a percent sign before the rate, a rate in an accountant's parentheses, a
per mille sign, digits grouped in a way no mark explains, a clerk's 'whole amount' ending, a
scientific notation that lost no digit, and a workbook's date or time cell where an amount belongs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl

from risk_assets.lib.ingest.loan_formats import (
    irregular_grouping_said,
    parse_loan_file,
    sci_notation_value_said,
    unread_number_mark,
)
from risk_assets.lib.ingest.mappings import Dialect

MAPPING = {
    "name": "acme", "portfolio": "acme", "currency": "USD",
    "columns": {
        "loan_id": {"to": "source_loan_id", "required": True},
        "issue_date": {"to": "origination_date", "type": "date", "format": "%Y-%m-%d", "required": True},
        "amount": {"to": "loan_amount", "type": "money", "required": True},
        "rate": {"to": "int_rate", "type": "percent"},
        "term": {"to": "term_months", "type": "term"},
        "income": {"to": "annual_income", "type": "money"},
        "status": {"to": "loan_status", "required": True},
    },
    "status_map": {"Fully Paid": 0, "Charged Off": 1, "Current": None},
}

HEADER = "loan_id,issue_date,amount,rate,term,income,status"
NOT_A_NUMBER = "is not a number in the file's dialect; "


def _tape(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "acme_odd_amounts.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", "utf-8")
    Path(f"{path}.mapping.json").write_text(json.dumps(MAPPING), "utf-8")
    return path


def _messages(parsed) -> dict[int, tuple[str, str]]:
    return {line: (rule, message) for line, rule, message in parsed.quarantine.select("line", "rule", "message").rows()}


def test_the_tape_s_own_currency_mark_written_twice_is_said_so_not_called_another_currency(tmp_path):
    parsed = parse_loan_file(_tape(tmp_path, [
        "27003,2023-04-15,$$5000,13.50,60,37000.00,Current",
        '27015,2023-04-15,"5000 USD USD",12.04,60,147000.00,Charged Off',
        "27004,2023-05-15,€5000,5.18,60,85000.00,Current",
        "27005,2023-05-15,$5000,5.18,60,85000.00,Current",
    ]))
    said = _messages(parsed)
    assert said[2] == ("unparsable_number", "column amount: '$$5000' " + NOT_A_NUMBER + (
        "it carries the tape's own currency mark '$' twice (the tape is in USD: a currency format's mark and a "
        "typed one?): write it once, or not at all"))
    assert said[3] == ("unparsable_number", "column amount: '5000 USD USD' " + NOT_A_NUMBER + (
        "it carries the tape's own currency mark 'USD' twice (the tape is in USD: a currency format's mark and a "
        "typed one?): write it once, or not at all"))
    assert said[4] == ("currency_mismatch", "column amount: '€5000' is an amount marked with another currency "
                       "than the tape's (its mapping's \"currency\", default USD); amounts are never converted")
    assert parsed.rows.select("_source_line", "loan_amount").rows() == [(5, 5000.0)]


def test_rates_in_forms_no_dialect_reads_say_which_and_how_to_write_them(tmp_path):
    parsed = parse_loan_file(_tape(tmp_path, [
        "27020,2023-05-15,5000,%13.5,36,162000.00,Charged Off",
        "27021,2023-05-15,5000,(13.5%),36,162000.00,Charged Off",
        "27022,2023-05-15,5000,13.5‰,36,162000.00,Charged Off",
        "27023,2023-05-15,5000,13.5,36,162000.00,Charged Off",
    ]))
    said = _messages(parsed)
    assert said[2] == ("unparsable_number", "column rate: '%13.5' " + NOT_A_NUMBER + (
        "the percent sign stands before the number: a rate is written with its '%' after it (13.5%)"))
    assert said[3] == ("unparsable_number", "column rate: '(13.5%)' " + NOT_A_NUMBER + (
        "it is a rate in an accountant's parentheses, which mark a negative number, and an interest rate is "
        "never negative: write the rate without them (13.5%), or correct it"))
    assert said[4] == ("unparsable_number", "column rate: '13.5‰' " + NOT_A_NUMBER + (
        "'‰' is per mille (thousandths), and the rate column holds percent: 13.5‰ is 1.35%; write it so"))
    assert parsed.rows.select("_source_line", "int_rate").rows() == [(5, 0.135)]


def test_amounts_grouped_by_no_mark_or_ending_in_a_whole_amount_mark_say_so(tmp_path):
    parsed = parse_loan_file(_tape(tmp_path, [
        '27023,2023-05-15,"5,000,00",13.5,36,162000.00,Charged Off',
        '27005,2023-06-15,"5000,-",20.64,60,156000.00,Charged Off',
        "27016,2023-05-15,5000/-,21.57,36,162000.00,Charged Off",
        '27017,2023-05-15,"5,000.00",21.57,36,162000.00,Charged Off',
    ]))
    said = _messages(parsed)
    assert said[2] == ("unparsable_number", "column amount: '5,000,00' " + NOT_A_NUMBER + (
        "'5,000,00' groups digits in a way neither ',' as thousands separator (groups of three) nor ',' as "
        "decimal mark (one, before the decimals) explains: digits lost or values run together? correct the "
        "value in the tape"))
    assert said[3] == ("unparsable_number", "column amount: '5000,-' " + NOT_A_NUMBER + (
        "it ends in ',-', the German and Swiss way of writing a whole amount (no cents: 5000,- for 5000.00), "
        "which is no mark of the tape's dialect: write the amount without it (5000), as the tape's other "
        "amounts are written"))
    assert said[4] == ("unparsable_number", "column amount: '5000/-' " + NOT_A_NUMBER + (
        "it ends in '/-', the South Asian way of writing a whole amount (no paise: Rs. 5000/- for 5000.00), "
        "which is no mark of the tape's dialect: write the amount without it (5000), as the tape's other "
        "amounts are written"))
    assert parsed.rows.select("_source_line", "loan_amount").rows() == [(5, 5000.0)]


def test_scientific_notation_that_lost_no_digit_says_so_and_a_cut_form_that_digits_were_lost(tmp_path):
    parsed = parse_loan_file(_tape(tmp_path, [
        "27011,2023-12-15,5000e0,13.07,60,52000.00,Fully Paid",
        "27012,2023-12-15,$12.5E2,13.07,60,52000.00,Fully Paid",
        "27013,2023-12-15,1.2346E+04,13.07,60,52000.00,Fully Paid",
    ]))
    said = _messages(parsed)
    assert said[2] == ("sci_notation_value", (
        "column amount: '5000e0' is a number in scientific notation whose mantissa holds every digit (5000e0 is "
        "5000): no digit is lost, unlike a spreadsheet's cut form (1.2346E+05), but of scientific notation only "
        "R's shortest form (1e+05) is read; write it in fixed notation (5000)"))
    assert said[3][1].startswith("column amount: '$12.5E2' is a number in scientific notation whose mantissa "
                                 "holds every digit (12.5E2 is 1250)")
    assert said[4] == ("sci_notation_value", "column amount: '1.2346E+04' is a number in scientific notation "
                       "(1.2346E+04 stands for 12,346): " + _cut_said("1.2346"))


def _cut_said(mantissa: str) -> str:
    return (f"a spreadsheet writes a number so when it shortened it to fit its cell, so digits after '{mantissa}' "
            "may have been rounded away, and it is not read; re-export the column formatted as a number, or write "
            "the full figure")


def test_a_spreadsheet_s_scientific_notation_says_what_it_stands_for_and_how_to_export_it_whole(tmp_path):
    """An exact '1e3' and a rounded '1.23457E+15' alike: the message writes the figure out, says a
    spreadsheet writes the form where it shortened a number, and what to do; none is read."""
    parsed = parse_loan_file(_tape(tmp_path, [
        "27071,2023-12-15,1e3,13.07,60,1.2E+04,Fully Paid",
        "27072,2023-12-15,3.5E+05,13.07,60,1.23457E+15,Fully Paid",
        "27073,2023-12-15,5000,1.35E+01,60,52000.00,Fully Paid",
        "27074,2023-12-15,5000,13.07,60,52000.00,Fully Paid",
    ]))
    said = {(line, column): (rule, message) for line, column, rule, message
            in parsed.quarantine.select("line", "column_name", "rule", "message").rows()}
    sci = "is a number in scientific notation"
    assert said == {
        (2, "amount"): ("sci_notation_value", f"column amount: '1e3' {sci} (1e3 stands for 1,000): " + _cut_said("1")),
        (2, "income"): ("sci_notation_value",
                        f"column income: '1.2E+04' {sci} (1.2E+04 stands for 12,000): " + _cut_said("1.2")),
        (3, "amount"): ("sci_notation_value",
                        f"column amount: '3.5E+05' {sci} (3.5E+05 stands for 350,000): " + _cut_said("3.5")),
        (3, "income"): ("sci_notation_value", f"column income: '1.23457E+15' {sci} (1.23457E+15 stands for "
                        "1,234,570,000,000,000): " + _cut_said("1.23457")),
        (4, "rate"): ("sci_notation_value",
                      f"column rate: '1.35E+01' {sci} (1.35E+01 stands for 13.5): " + _cut_said("1.35")),
    }
    assert parsed.rows.select("_source_line", "loan_amount").rows() == [(5, 5000.0)]
    # a decimal-comma tape's figure in its own decimal mark, ungrouped ('12.000' would be ambiguous)
    assert sci_notation_value_said("1,2346E+05", Dialect(decimal=",", thousands=".")) == (
        f"{sci} (1,2346E+05 stands for 123460): " + _cut_said("1,2346"))
    assert sci_notation_value_said("-1,25E-01", Dialect(decimal=",", thousands=".")).startswith(
        f"{sci} (-1,25E-01 stands for -0,125): ")


def test_a_workbook_s_date_and_time_cells_in_the_amount_column_say_what_the_cell_stores(tmp_path):
    book = tmp_path / "acme_wb.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append(["A-1", "2023-01-15", 5000, 13.5, 36, 95000, "Current"])
    sheet.append(["A-2", "2023-02-15", dt.datetime(2023, 3, 15), 13.5, 36, 95000, "Current"])
    sheet.append(["A-3", "2023-03-15", dt.time(12, 0), 13.5, 36, 95000, "Current"])
    sheet.append(["A-4", "2023-04-15", "50O0", 13.5, 36, 95000, "Current"])
    sheet["C3"].number_format = "yyyy-mm-dd"
    sheet["C4"].number_format = "h:mm:ss"
    workbook.save(book)
    Path(f"{book}.mapping.json").write_text(json.dumps(MAPPING), "utf-8")
    said = _messages(parse_loan_file(book))
    assert said[3] == ("unparsable_number", (
        "column amount: '2023-03-15' is a date cell in an amount column of the workbook: Excel stores a date as a "
        "count of days (2023-03-15 is 45000), so the cell holds 45000 under a date format, or a date where the "
        "number belongs (a column shifted?); if 45000 is the value, give the cell a number format, else type the "
        "number"))
    assert said[4] == ("unparsable_number", (
        "column amount: '12:00:00' is a time cell in an amount column of the workbook: Excel stores a time as a "
        "count of days (12:00:00 is 0.5), so the cell holds 0.5 under a time format, or a time where the number "
        "belongs (a column shifted?); if 0.5 is the value, give the cell a number format, else type the number"))
    assert said[5] == ("unparsable_number", "column amount: '50O0' " + NOT_A_NUMBER + (
        "it holds letters ('O') beside its digits: write the number alone"))


def _footnote_said(mark: str, number: str) -> str:
    return (f"it ends in '{mark}', which reads as a footnote mark (a pointer to a note beside or below the table), "
            f"no part of the number: write the number alone ({number}), and keep the note in a column of its own")


def test_a_footnote_mark_after_a_number_is_said_to_be_one_and_never_read_away(tmp_path):
    """A report's footnote marks after an amount or a rate (a number in brackets, an asterisk, a dagger,
    a superscript), and after a term, are quarantined saying so and what to write; none loads as the number before it."""
    parsed = parse_loan_file(_tape(tmp_path, [
        '27031,2023-04-15,"30000 (1)",13.50,60,37000.00,Current',
        "27032,2023-04-15,30000*,13.50,60,37000.00,Current",
        "27033,2023-04-15,30000¹,13.50,60,37000.00,Current",
        '27034,2023-04-15,"30000 [a]",13.50,60,37000.00,Current',
        '27035,2023-04-15,"$30,000.00 (a)",13.50%²,60,37000.00†,Current',
        '27036,2023-04-15,30000,13.50,"60 (1)",37000.00,Current',
        "27037,2023-04-15,30000,13.50,60,37000.00,Current",
    ]))
    said = {(line, column): (rule, message) for line, column, rule, message
            in parsed.quarantine.select("line", "column_name", "rule", "message").rows()}
    assert said == {
        (2, "amount"): ("unparsable_number", "column amount: '30000 (1)' " + NOT_A_NUMBER + _footnote_said("(1)", "30000")),
        (3, "amount"): ("unparsable_number", "column amount: '30000*' " + NOT_A_NUMBER + _footnote_said("*", "30000")),
        (4, "amount"): ("unparsable_number", "column amount: '30000¹' " + NOT_A_NUMBER + _footnote_said("¹", "30000")),
        (5, "amount"): ("unparsable_number", "column amount: '30000 [a]' " + NOT_A_NUMBER + _footnote_said("[a]", "30000")),
        (6, "amount"): ("unparsable_number",
                        "column amount: '$30,000.00 (a)' " + NOT_A_NUMBER + _footnote_said("(a)", "$30,000.00")),
        (6, "rate"): ("unparsable_number", "column rate: '13.50%²' " + NOT_A_NUMBER + _footnote_said("²", "13.50%")),
        (6, "income"): ("unparsable_number", "column income: '37000.00†' " + NOT_A_NUMBER + _footnote_said("†", "37000.00")),
        (7, "term"): ("unparsable_value", "column term: '60 (1)' is not a value this column's type (term) knows; it "
                      "reads a term in whole months: 36, 36.0, '36 months' (or mths, mos, m, any case) or in years, "
                      "'3 years'; " + _footnote_said("(1)", "60")),
    }
    assert parsed.rows.select("_source_line", "loan_amount", "annual_income").rows() == [(8, 30000.0, 37000.0)]
    # an accountant's parentheses around the whole amount are a minus, no footnote
    assert unread_number_mark("(1,250.00)", "money", "USD") is None


def test_reasons_follow_the_column_s_type_and_the_tape_s_dialect():
    """Per ten thousand in a basis-points column, per mille in a fraction one, parentheses on a
    count, a mark twice in a EUR tape; in a decimal-comma tape points that group in no threes, and
    an Indian tape's lakhs, which are its grouping, not a flaw."""
    assert unread_number_mark("13.5‱", "basis_points") == (
        "'‱' is per ten thousand (basis points), and the rate column holds basis points: 13.5‱ is 13.5; write it so")
    assert unread_number_mark("13.5‰", "fraction") == (
        "'‰' is per mille (thousandths), and the rate column holds fractions: 13.5‰ is 0.0135; write it so")
    assert unread_number_mark("(36)", "number") == (
        "it is in an accountant's parentheses, which mark a negative number in amount columns only (a loan amount, "
        "an income, a balance): a count or a score is never negative; write a minus sign (-36) if it is meant, or "
        "correct it")
    assert unread_number_mark("€ 5.000,00 €", "money", "EUR") == (
        "it carries the tape's own currency mark '€' twice (the tape is in EUR: a currency format's mark and a "
        "typed one?): write it once, or not at all")
    assert unread_number_mark("5000,-", "money", "EUR").startswith("it ends in ',-', the German and Swiss way")
    assert unread_number_mark("5000", "money", "USD") is None
    comma = Dialect(decimal=",", thousands=".")
    assert irregular_grouping_said("1.234.5", comma) == (
        "'1.234.5' groups digits in a way neither '.' as thousands separator (groups of three) nor '.' as "
        "decimal mark (one, before the decimals) explains: digits lost or values run together? correct the "
        "value in the tape")
    assert irregular_grouping_said("1.234.567,50", comma) is None
    assert irregular_grouping_said("12,34,567.50", Dialect(grouping="indian")) is None


def test_a_letter_typed_among_the_digits_is_named_not_read_as_a_number_form(tmp_path, data_dir):
    """'12,5O0' (a letter O for a zero) was said to have a decimal comma, with the remedy of declaring
    the mapping's dialect "decimal": "," (on a LendingClub tape, which has no mapping): the digits
    before the letter ('12,5') are no value's form. The letters are named instead, in a mapped tape
    and in a built-in one, whatever the column's type."""
    said = _messages(parse_loan_file(_tape(tmp_path, [
        "27003,2023-04-15,\"12,5O0\",13.50,60,37000.00,Current",
        "27004,2023-05-15,5000,5.18,60,\"1O,000\",Current",
        "27005,2023-05-15,5000,1l.5,60,85000.00,Current",
    ])))
    assert said[2] == ("unparsable_number", "column amount: '12,5O0' " + NOT_A_NUMBER +
                       "it holds letters ('O') beside its digits: write the number alone")
    assert said[3] == ("unparsable_number", "column income: '1O,000' " + NOT_A_NUMBER +
                       "it holds letters ('O') beside its digits: write the number alone")
    assert said[4] == ("unparsable_number", "column rate: '1l.5' " + NOT_A_NUMBER +
                       "it holds letters ('l') beside its digits: write the number alone")

    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        header, first = handle.readline(), handle.readline()
    tape = tmp_path / "lc_2024-08.csv"
    tape.write_text(header + first.replace("5000,", '"12,5O0",', 1), "utf-8")
    assert _messages(parse_loan_file(tape))[2] == ("unparsable_number", "column loan_amnt: '12,5O0' " + NOT_A_NUMBER
                                                   + "it holds letters ('O') beside its digits: write the number alone")


def test_an_accountant_s_negative_reads_as_its_minus_in_every_amount_column_and_its_rule_says_so(tmp_path):
    """A finance export writes a negative amount in parentheses, '(1,250.00)', '($1,250.00)', '(1250)', or
    with its minus after the digits. In an amount column of any type (money, or a number filling the loan
    amount, income or a balance) it reads as the negative it states, and the column's own rule judges it,
    its message saying how a positive-looking text became negative. In a rate or a score it stays unread,
    a footnote mark after a number stays a footnote, and a ledger's CR/DR is never given a sign."""
    mapping = {
        "name": "finance", "portfolio": "finance", "currency": "USD",
        "columns": {
            "loan_id": {"to": "source_loan_id", "required": True},
            "issue_date": {"to": "origination_date", "type": "date", "format": "%Y-%m-%d", "required": True},
            "amount": {"to": "loan_amount", "type": "number", "required": True},
            "income": {"to": "annual_income", "type": "money"},
            "revol_bal": {"to": "revol_bal", "type": "number", "scale": 1000},
            "rate": {"to": "int_rate", "type": "percent"},
            "fico": {"to": "fico_range_low", "type": "int"},
            "status": {"to": "loan_status", "required": True},
        },
        "status_map": {"Fully Paid": 0, "Charged Off": 1, "Current": None},
    }
    path = tmp_path / "finance_export.csv"
    path.write_text("\n".join([
        "loan_id,issue_date,amount,income,revol_bal,rate,fico,status",
        '41001,2023-04-15,"(1,250.00)",52000.00,12.345,13.50,705,Current',
        '41002,2023-04-15,25000.00,"($1,250.00)",12.345,13.50,705,Current',
        '41003,2023-04-15,25000.00,52000.00,(12.345),13.50,705,Current',
        '41004,2023-04-15,25000.00,"1,250.00-",12.345,13.50,705,Current',
        '41005,2023-04-15,25000.00,52000.00,12.345,(13.50),(705),Current',
        '41006,2023-04-15,"30000 (1)","(52,000.00)*",12.345,13.50,705,Current',
        '41007,2023-04-15,1250 CR,52000.00,-(12.345),13.50,705,Current',
        '41008,2023-04-15,"( 25,000.00 )",52000.00,12.345,13.50,705,Fully Paid',
        '41009,2023-04-15,"25,000.00",52000.00,12.345,13.50,705,Fully Paid',
    ]) + "\n", "utf-8")
    Path(f"{path}.mapping.json").write_text(json.dumps(mapping), "utf-8")
    parsed = parse_loan_file(path)
    said = {(line, column): (rule, message) for line, column, rule, message
            in parsed.quarantine.select("line", "column_name", "rule", "message").rows()}
    bracket = "its parentheses are an accountant's minus: it reads as "
    assert said == {
        (2, "amount"): ("non_positive_amount", "column amount: '(1,250.00)' is a loan amount of zero or less; "
                        + bracket + "-1,250.00"),
        (3, "income"): ("negative_income", "column income: '($1,250.00)' is a negative income; " + bracket + "-$1,250.00"),
        (4, "revol_bal"): ("negative_amount", "column revol_bal: '(12.345)' is below zero in an amount that never is "
                           "(an installment, a balance, an amount disbursed, approved, guaranteed or charged off): a "
                           "minus sign or an accountant's parentheses on it?; " + bracket + "-12.345"),
        (5, "income"): ("negative_income", "column income: '1,250.00-' is a negative income; the '-' after its digits "
                        "is a minus (SAP's and COBOL's way of writing one): it reads as -1,250.00"),
        (6, "rate"): ("unparsable_number", "column rate: '(13.50)' " + NOT_A_NUMBER + "it is a rate in an "
                      "accountant's parentheses, which mark a negative number, and an interest rate is never "
                      "negative: write the rate without them (13.50), or correct it"),
        (6, "fico"): ("unparsable_number", "column fico: '(705)' " + NOT_A_NUMBER + "it is in an accountant's "
                      "parentheses, which mark a negative number in amount columns only (a loan amount, an income, a "
                      "balance): a count or a score is never negative; write a minus sign (-705) if it is meant, or "
                      "correct it"),
        (7, "amount"): ("unparsable_number", "column amount: '30000 (1)' " + NOT_A_NUMBER + _footnote_said("(1)", "30000")),
        (7, "income"): ("unparsable_number",
                        "column income: '(52,000.00)*' " + NOT_A_NUMBER + _footnote_said("*", "(52,000.00)")),
        (8, "amount"): ("unparsable_number", "column amount: '1250 CR' " + NOT_A_NUMBER + "it carries 'CR', a "
                        "ledger's credit mark, which is a minus in some books and not in others (a credit lowers a "
                        "loan's balance in the lender's ledger): write the amount with a minus sign where it is "
                        "negative (-1250), else alone (1250)"),
        (8, "revol_bal"): ("unparsable_number", "column revol_bal: '-(12.345)' " + NOT_A_NUMBER + "it carries two "
                           "minus marks, an accountant's parentheses and a minus sign, which may repeat or cancel "
                           "each other: write the number with one minus sign where it is negative"),
        (9, "amount"): ("non_positive_amount", "column amount: '( 25,000.00 )' is a loan amount of zero or less; "
                        + bracket + "-25,000.00"),
    }
    # the loan between them loads as written: 12.345 thousand is 12,345.00 exactly
    assert parsed.rows.select("_source_line", "loan_amount", "annual_income", "revol_bal").rows() == [
        (10, 25000.0, 52000.0, 12345.0)]
    assert unread_number_mark("(1,250.00)", "number", amount=True) is None


def _odd_tape(tmp_path: Path, lines: list[str]) -> Path:
    """A tape whose income is a plain 'number' column and whose FICO an 'int' one."""
    mapping = {**MAPPING, "columns": {**MAPPING["columns"], "income": {"to": "annual_income", "type": "number"},
                                      "fico": {"to": "fico_range_low", "type": "int"}}}
    path = tmp_path / "acme_odd_spellings.csv"
    path.write_text("\n".join([f"{HEADER},fico", *lines]) + "\n", "utf-8")
    Path(f"{path}.mapping.json").write_text(json.dumps(mapping), "utf-8")
    return path


def test_a_currency_mark_outside_the_parentheses_or_a_code_in_a_column_of_no_money_is_named(tmp_path):
    parsed = parse_loan_file(_odd_tape(tmp_path, [
        '27030,2023-05-15,5000,13.5,36,"$(1,250.00)",Current,700',
        '27031,2023-05-15,5000,"$(1,250.00)",36,62000,Current,700',
        '27032,2023-05-15,5000,13.5,36,62000,Current,"(1,250.00)$"',
        '27033,2023-05-15,5000,13.5,36,"USD 1,250",Current,700',
        '27034,2023-05-15,5000,13.5,"$(1,250.00)",62000,Current,700',
        '27035,2023-05-15,"$(1,250.00)",13.5,36,62000,Current,700',
    ]))
    said = _messages(parsed)
    assert said[2] == ("unparsable_number", "column income: '$(1,250.00)' " + NOT_A_NUMBER + (
        "it carries a currency mark ('$'), which a column of type 'number' does not read: declare the column "
        "'money', which reads the tape's own marks and an accountant's parentheses, or write the number alone"))
    assert said[3] == ("unparsable_number", "column rate: '$(1,250.00)' " + NOT_A_NUMBER + (
        "it carries a currency mark ('$'), and the column holds rates, no amounts of money: an amount in the wrong "
        "column (columns shifted?); write the column's own value"))
    assert said[4] == ("unparsable_number", "column fico: '(1,250.00)$' " + NOT_A_NUMBER + (
        "it carries a currency mark ('$'), and the column holds counts or scores, no amounts of money: an amount "
        "in the wrong column (columns shifted?); write the column's own value"))
    assert said[5] == ("unparsable_number", "column income: 'USD 1,250' " + NOT_A_NUMBER + (
        "it carries a currency mark ('USD'), which a column of type 'number' does not read: declare the column "
        "'money', which reads the tape's own marks and an accountant's parentheses, or write the number alone"))
    assert said[6] == ("unparsable_value", "column term: '$(1,250.00)' is not a value this column's type (term) "
                       "knows; it reads a term in whole months: 36, 36.0, '36 months' (or mths, mos, m, any case) "
                       "or in years, '3 years'; it carries a currency mark ('$'), and the column holds terms, no "
                       "amounts of money: an amount in the wrong column (columns shifted?); write the column's own value")
    # in a money column the mark and the parentheses are read: a minus, which a loan amount breaks
    assert said[7] == ("non_positive_amount", "column amount: '$(1,250.00)' is a loan amount of zero or less; its "
                       "parentheses are an accountant's minus: it reads as -$1,250.00")


def test_a_count_in_parentheses_and_other_script_digits_and_fractions_name_what_to_write(tmp_path):
    parsed = parse_loan_file(_odd_tape(tmp_path, [
        "27040,2023-05-15,5000,13.5,(60),62000,Current,700",
        "27041,2023-05-15,5000,13.5,36,62000,Current,\uff17\uff10\uff10",
        "27042,2023-05-15,5000,6½,36,62000,Current,700",
        "27043,2023-05-15,5000,13.5,36,\u0666\u0662\u0660\u0660\u0660,Current,700",
        "27044,2023-05-15,5000,13.5,36,62000,Current,TBD",
        "27045,2023-05-15,5000,13.5,36,62000,Current,700",
    ]))
    said = _messages(parsed)
    assert said[2] == ("unparsable_value", "column term: '(60)' is not a value this column's type (term) knows; it "
                       "reads a term in whole months: 36, 36.0, '36 months' (or mths, mos, m, any case) or in years, "
                       "'3 years'; it is in an accountant's parentheses, which mark a negative number in amount "
                       "columns only (a loan amount, an income, a balance): a count or a score is never negative; "
                       "write a minus sign (-60) if it is meant, or correct it")
    assert said[3] == ("unparsable_number", "column fico: '\uff17\uff10\uff10' " + NOT_A_NUMBER + (
        "it is written in digits other than 0-9 (U+FF17 FULLWIDTH DIGIT SEVEN, U+FF10 FULLWIDTH DIGIT ZERO): "
        "re-export the column with the digits 0-9 ('700')"))
    assert said[4] == ("unparsable_number", "column rate: '6½' " + NOT_A_NUMBER + (
        "it writes a fraction as the single character '½' (U+00BD VULGAR FRACTION ONE HALF), which no number "
        "reads: write it in decimals (6.5)"))
    assert said[5] == ("unparsable_number", "column income: '\u0666\u0662\u0660\u0660\u0660' " + NOT_A_NUMBER + (
        "it is written in digits other than 0-9 (U+0666 ARABIC-INDIC DIGIT SIX, U+0662 ARABIC-INDIC DIGIT TWO, "
        "U+0660 ARABIC-INDIC DIGIT ZERO): re-export the column with the digits 0-9 ('62000')"))
    assert said[6] == ("unparsable_number", "column fico: 'TBD' " + NOT_A_NUMBER + (
        "it holds no digit: a word or a mark where the number belongs (a placeholder such as 'TBD' or '?'): "
        "write the number, or leave the cell empty where it is unknown"))
    assert parsed.rows.select("_source_line", "term_months", "fico_range_low").rows() == [(7, 36, 700)]


def test_a_spreadsheet_error_in_a_number_column_says_what_it_is_and_what_to_do(tmp_path):
    parsed = parse_loan_file(_odd_tape(tmp_path, [
        "27050,2023-05-15,5000,#N/A,36,62000,Current,700",
        "27051,2023-05-15,5000,13.5,36,62000,Current,#VALUE!",
    ]))
    said = _messages(parsed)
    remedy = ("is a spreadsheet error value (#N/A: a lookup found nothing; #VALUE!, #REF!, #DIV/0!: a formula "
              "failed): the cell's value was lost before export; correct the formula and export again, or leave "
              "the cell empty where the value is unknown")
    assert said[2] == ("spreadsheet_error", f"column rate: '#N/A' {remedy}")
    assert said[3] == ("spreadsheet_error", f"column fico: '#VALUE!' {remedy}")


def test_a_space_grouped_number_with_a_decimal_comma_in_a_rate_or_a_score_names_both(tmp_path):
    """A French or Nordic export's '1 250,00' (a no-break or thin space between the groups) in a rate or a
    FICO column of a decimal-point tape: the message named the space grouping and not the decimal comma,
    whose dialect key is the one the tape needs."""
    parsed = parse_loan_file(_odd_tape(tmp_path, [
        '27060,2023-05-15,5000,"1\u00a0250,00",36,62000,Current,700',
        '27061,2023-05-15,5000,13.5,36,62000,Current,"1\u202f250,00"',
        '27062,2023-05-15,5000,13.5,36,62000,Current,"3\u00a0100"',
        "27063,2023-05-15,5000,13.5,36,62000,Current,700",
    ]))
    said = _messages(parsed)
    both = ("it has a decimal comma, and its digits are grouped by a space or an apostrophe (1 250,00 for 1250.00): "
            "a tape written so declares its mapping's dialect \"decimal\": \",\" and the \"thousands\" it groups by "
            "(\" \" reads any space); without that grouping declared, digits grouped so are read in money columns "
            "only, as in a count or a rate '3 100' may be two values run together")
    assert said[2] == ("unparsable_number", "column rate: '1\u00a0250,00' " + NOT_A_NUMBER + both)
    assert said[3] == ("unparsable_number", "column fico: '1\u202f250,00' " + NOT_A_NUMBER + both)
    # grouped with no decimal comma: the grouping alone
    assert said[4] == ("unparsable_number", "column fico: '3\u00a0100' " + NOT_A_NUMBER + (
        "digits grouped by a space or an apostrophe are read in money columns only: in a count or a rate, '3 100' "
        "may be two values run together; a tape that groups so declares its mapping's dialect \"thousands\""))
    assert parsed.rows.select("_source_line", "int_rate", "fico_range_low").rows() == [(5, 0.135, 700)]


def test_a_dash_alone_in_the_loan_amount_says_it_was_read_as_an_accountant_s_zero(tmp_path):
    """Excel's Comma Style and Accounting formats write a zero as '-' or '$ -': a loan amount so written reads
    as 0 and breaks 'zero or less', whose message said nothing of the dash; an income so written is a 0."""
    parsed = parse_loan_file(_odd_tape(tmp_path, [
        "27080,2023-05-15,-,13.5,36,62000,Current,700",
        '27081,2023-05-15,"$ -",13.5,36,62000,Current,700',
        "27082,2023-05-15,\u2013,13.5,36,62000,Current,700",
        "27083,2023-05-15,5000,13.5,36,-,Current,700",
    ]))
    said = _messages(parsed)
    zero = "is an accountant's zero (Excel's Comma Style and Accounting formats write 0 so): it reads as 0"
    assert said == {
        2: ("non_positive_amount", f"column amount: '-' is a loan amount of zero or less; its '-' {zero}"),
        3: ("non_positive_amount", f"column amount: '$ -' is a loan amount of zero or less; its '-' {zero}"),
        4: ("non_positive_amount", f"column amount: '\u2013' is a loan amount of zero or less; its '\u2013' {zero}"),
    }
    assert parsed.rows.select("_source_line", "loan_amount", "annual_income").rows() == [(5, 5000.0, 0.0)]


def test_a_placeholder_in_a_term_column_gives_a_number_column_s_reason_after_the_term_forms(tmp_path):
    """'--', '?' and 'TBD' in a term column got only the list of forms a term is read in; they now end with the
    reason the same value gives in a number column (the FICO here), and still load nothing."""
    parsed = parse_loan_file(_odd_tape(tmp_path, [
        "27090,2023-05-15,5000,13.5,--,62000,Current,--",
        "27091,2023-05-15,5000,13.5,?,62000,Current,?",
        "27092,2023-05-15,5000,13.5,TBD,62000,Current,TBD",
        "27093,2023-05-15,5000,13.5,36,62000,Current,700",
    ]))
    said = {(line, column): (rule, message) for line, column, rule, message
            in parsed.quarantine.select("line", "column_name", "rule", "message").rows()}
    forms = ("is not a value this column's type (term) knows; it reads a term in whole months: 36, 36.0, '36 months' "
             "(or mths, mos, m, any case) or in years, '3 years'; ")
    dash = ("it is a lone dash, as a report writes zero or nothing: write 0 where the value is zero, and leave the cell "
            "empty where it is unknown")
    word = ("it holds no digit: a word or a mark where the number belongs (a placeholder such as 'TBD' or '?'): write "
            "the number, or leave the cell empty where it is unknown")
    assert said == {
        (2, "term"): ("unparsable_value", f"column term: '--' {forms}{dash}"),
        (2, "fico"): ("unparsable_number", f"column fico: '--' {NOT_A_NUMBER}{dash}"),
        (3, "term"): ("unparsable_value", f"column term: '?' {forms}{word}"),
        (3, "fico"): ("unparsable_number", f"column fico: '?' {NOT_A_NUMBER}{word}"),
        (4, "term"): ("unparsable_value", f"column term: 'TBD' {forms}{word}"),
        (4, "fico"): ("unparsable_number", f"column fico: 'TBD' {NOT_A_NUMBER}{word}"),
    }
    assert parsed.rows.select("_source_line", "term_months").rows() == [(5, 36)]
