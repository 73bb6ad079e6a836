"""A declared mapping's column types against the raw.loans columns they fill: a type left out is
implied by the target, a type that cannot fill the target refuses the mapping with its file and
column, a mapped default flag is kept, and a whole-number column never cuts a decimal."""

from __future__ import annotations

import csv
import gzip
import json
from itertools import islice
from pathlib import Path

import polars as pl
import pytest

from risk_assets.lib.ingest.loan_formats import parse_loan_file
from risk_assets.lib.ingest.parsed import FileRefused


@pytest.fixture
def bank_tape(data_dir, tmp_path) -> Path:
    """The first 6 real LendingClub loans rewritten as a bank's own tape: ref, booked (ISO date),
    amount, income, term ('36.0' style), defaulted (Y/N from loan_status)."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        rows = [line.rstrip("\r\n").split(",") for line in islice(handle, 7)]
    header, loans = rows[0], rows[1:]
    col = {name: i for i, name in enumerate(header)}
    lines = ["ref,booked,amount,income,term,defaulted"]
    for n, loan in enumerate(loans, start=1):
        term = loan[col["term"]].split()[0] + ".0"
        defaulted = "Y" if loan[col["loan_status"]] == "Charged Off" else "N"
        lines.append(f"B-{n},2011-12-0{n},{loan[col['loan_amnt']]},{loan[col['annual_inc']]},{term},{defaulted}")
    tape = tmp_path / "bank_tape.csv"
    tape.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tape


def _map(tape: Path, columns: dict) -> Path:
    sidecar = tape.with_name(tape.name + ".mapping.json")
    sidecar.write_text(json.dumps({"name": "bank", "columns": columns}), encoding="utf-8")
    return sidecar


UNTYPED = {"ref": {"to": "source_loan_id"}, "booked": {"to": "origination_date"}, "amount": {"to": "loan_amount"},
           "income": {"to": "annual_income"}, "term": {"to": "term_months"}, "defaulted": {"to": "default_flag"}}


def test_columns_without_a_type_take_the_one_their_target_implies(bank_tape):
    _map(bank_tape, UNTYPED)
    parsed = parse_loan_file(bank_tape)
    parsed.reconcile()
    assert parsed.quarantine.height == 0
    got = parsed.rows.select("source_loan_id", "origination_date", "loan_amount", "annual_income",
                             "term_months", "default_flag").rows()
    assert [(r[0], r[1].isoformat(), r[2], r[3], r[4], r[5]) for r in got] == [
        ("B-1", "2011-12-01", 5000.0, 24000.0, 36, 0),
        ("B-2", "2011-12-02", 2500.0, 30000.0, 60, 1),
        ("B-3", "2011-12-03", 2400.0, 12252.0, 36, 0),
        ("B-4", "2011-12-04", 10000.0, 49200.0, 36, 0),
        ("B-5", "2011-12-05", 3000.0, 80000.0, 60, 0),
        ("B-6", "2011-12-06", 5000.0, 36000.0, 36, 0),
    ]


@pytest.mark.parametrize(("kind", "yes", "no", "rules"), [
    ("flag", "Y", "N", ["invalid_default_flag", "unparsable_value"]),  # 2 is a number, but no flag
    ("int", "1", "0", ["invalid_default_flag", "unparsable_number"]),
])
def test_a_mapped_default_flag_is_kept_and_a_bad_one_quarantined(bank_tape, kind, yes, no, rules):
    lines = bank_tape.read_text().splitlines()
    lines = [lines[0]] + [line[:-1] + (yes if line.endswith("Y") else no) for line in lines[1:]]
    lines[3] = lines[3][:-1] + "2"  # neither 1 nor 0
    lines[4] = lines[4][:-1] + "maybe"
    lines[5] = lines[5][:-1]  # empty: no outcome yet
    bank_tape.write_text("\n".join(lines) + "\n")
    _map(bank_tape, {**UNTYPED, "defaulted": {"to": "default_flag", "type": kind}})
    parsed = parse_loan_file(bank_tape)
    parsed.reconcile()
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (4, "defaulted", rules[0], "2"), (5, "defaulted", rules[1], "maybe")]
    assert parsed.rows.select("source_loan_id", "default_flag").rows() == [
        ("B-1", 0), ("B-2", 1), ("B-5", None), ("B-6", 0)]
    assert parsed.notes["unlabelled_by_default_flag"] == 1


def test_a_mapped_default_flag_wins_over_a_status_in_any_vocabulary(bank_tape):
    lines = bank_tape.read_text().splitlines()
    lines = [lines[0] + ",state"] + [line + (",written off" if line.endswith("Y") else ",closed") for line in lines[1:]]
    bank_tape.write_text("\n".join(lines) + "\n")
    _map(bank_tape, {**UNTYPED, "state": {"to": "loan_status"}})
    parsed = parse_loan_file(bank_tape)
    parsed.reconcile()
    assert parsed.quarantine.height == 0
    assert parsed.rows.select("loan_status", "default_flag").rows()[:2] == [("closed", 0), ("written off", 1)]


def test_a_whole_number_column_quarantines_a_fraction_instead_of_cutting_it(bank_tape):
    bank_tape.write_text(bank_tape.read_text().replace(",36.0,", ",36.9,", 1))
    _map(bank_tape, {**UNTYPED, "term": {"to": "term_months", "type": "int"}})
    parsed = parse_loan_file(bank_tape)
    parsed.reconcile()
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (2, "term", "not_whole_number", "36.9")]
    assert parsed.rows["term_months"].to_list() == [60, 36, 36, 60, 36]


def test_cents_with_a_fraction_and_a_percent_among_basis_points_are_quarantined_never_read_at_a_scale(bank_tape):
    """A cents column (`money_minor`) holding 5000.50 holds dollars: read as cents it would land 100
    times too small, so it is quarantined (`minor_unit_fraction`), not rounded. A rate of 13.56
    among basis points (1356) would land as 0.14 %: `rate_as_percent`, the mirror of a fraction in a
    percent column. A rate with its '%' states its scale in any rate column: 10.65% is 0.1065 where
    the column is declared `fraction` or `basis_points` (a workbook's percent-formatted cell). A
    float's rounding error on whole cents (250000.00000000003) is no fraction of a cent, but a text
    tape that writes a decimal point in a cents column cannot be trusted to count cents (dollars
    computed in floats write 2500.0000000000005 alike): `amount_in_major_units`."""
    lines = bank_tape.read_text().splitlines()
    rates = ["1065", "1527", "13.56", "10.65%", "1269", "790"]
    lines = [lines[0].replace("amount", "amount_cents") + ",rate_bp"] + [
        line.replace(amount, f"{int(amount) * 100}", 1) + f",{rate}"
        for line, amount, rate in zip(lines[1:], ["5000", "2500", "2400", "10000", "3000", "5000"], rates, strict=True)]
    lines[1] = lines[1].replace(",500000,", ",5000.50,")
    lines[2] = lines[2].replace(",250000,", ",250000.00000000003,")  # dollars * 100 in float64, written out whole
    bank_tape.write_text("\n".join(lines) + "\n")
    _map(bank_tape, {**{k: v for k, v in UNTYPED.items() if k != "amount"},
                     "amount_cents": {"to": "loan_amount", "type": "money_minor"},
                     "rate_bp": {"to": "int_rate", "type": "basis_points"}})
    parsed = parse_loan_file(bank_tape)
    parsed.reconcile()
    quarantined = parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows()
    assert quarantined == [(2, "amount_cents", "minor_unit_fraction", "5000.50"),
                           (3, "amount_cents", "amount_in_major_units", "250000.00000000003"),
                           (4, "rate_bp", "rate_as_percent", "13.56")]
    assert "a cent has no fraction, so the value is in major units (dollars)" in parsed.quarantine["message"][0]
    assert parsed.rows.select("source_loan_id", "loan_amount", "int_rate").rows() == [
        ("B-4", 10000.0, 0.1065), ("B-5", 3000.0, 0.1269), ("B-6", 5000.0, 0.079)]

    _map(bank_tape, {**{k: v for k, v in UNTYPED.items() if k != "amount"},
                     "amount_cents": {"to": "loan_amount", "type": "money_minor"},
                     "rate_bp": {"to": "int_rate", "type": "fraction"}})
    bank_tape.write_text(bank_tape.read_text().replace(",790\n", ",0.079%\n"))  # a fraction shown with a literal '%'
    as_fractions = parse_loan_file(bank_tape)
    assert as_fractions.rows.filter(pl.col("source_loan_id") == "B-4")["int_rate"].to_list() == [0.1065]
    assert as_fractions.quarantine.filter(pl.col("raw_value") == "0.079%")["rule"].to_list() == ["rate_as_fraction"]


def test_a_loan_amount_in_cents_below_one_dollar_is_quarantined_after_its_unit_is_read(bank_tape):
    """A cents column's `50` is a loan of fifty cents once its unit is read: below one currency
    unit, which no lender books, so `loan_amount_below_one`; `100` is a dollar and loads."""
    lines = bank_tape.read_text().splitlines()
    lines = [lines[0].replace("amount", "amount_cents")] + [
        line.replace(amount, cents, 1)
        for line, amount, cents in zip(lines[1:], ["5000", "2500", "2400", "10000", "3000", "5000"],
                                       ["500000", "50", "100", "1000000", "300000", "500000"], strict=True)]
    bank_tape.write_text("\n".join(lines) + "\n")
    _map(bank_tape, {**{k: v for k, v in UNTYPED.items() if k != "amount"},
                     "amount_cents": {"to": "loan_amount", "type": "money_minor"}})
    parsed = parse_loan_file(bank_tape)
    parsed.reconcile()
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (3, "amount_cents", "loan_amount_below_one", "50")]
    assert parsed.rows.select("source_loan_id", "loan_amount").rows() == [
        ("B-1", 5000.0), ("B-3", 1.0), ("B-4", 10000.0), ("B-5", 3000.0), ("B-6", 5000.0)]


def test_an_accountants_dash_in_any_amount_column_is_a_zero(bank_tape):
    """A lone dash in a mapped money column (`Balance` = `-`, Excel's Comma Style zero) was
    `unparsable_number` while the README reads an accountant's dash in an amount as a zero. Every
    amount, of a money type or a number filling one (income), reads `-`, an en or em dash, ` - ` and
    `$ -` as 0, counted per column (`accounting_zero_read`); in a count a dash is still no number."""
    lines = bank_tape.read_text().splitlines()
    balances = ["-", "\u2013", "\u2014", " - ", "$ -", "1,200.00"]
    lines = [lines[0] + ",balance,delinq"] + [
        f"{line},\"{balance}\",{'-' if n == 6 else '0'}"
        for n, (line, balance) in enumerate(zip(lines[1:], balances), 1)]
    fields = lines[2].split(",")
    lines[2] = ",".join([*fields[:3], "-", *fields[4:]])  # B-2's income
    bank_tape.write_text("\n".join(lines) + "\n")
    _map(bank_tape, {**UNTYPED, "balance": {"to": "balance_gross", "type": "money"},
                     "delinq": {"to": "delinq_2yrs", "type": "int"}})
    parsed = parse_loan_file(bank_tape)
    parsed.reconcile()
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (7, "delinq", "unparsable_number", "-")]
    assert parsed.rows.select("source_loan_id", "balance_gross", "annual_income").rows() == [
        ("B-1", 0.0, 24000.0), ("B-2", 0.0, 0.0), ("B-3", 0.0, 12252.0), ("B-4", 0.0, 49200.0), ("B-5", 0.0, 80000.0)]
    assert parsed.notes["accounting_zero_read"] == {"balance": 5, "income": 1}


def test_a_default_flag_written_as_words_is_read_and_each_spelling_counted(bank_tape):
    """A mapped default flag holding `N`, `TRUE`, `n`, `No`, `1` and `0` loaded 0/1/0/0 with no
    note, while the README said a value other than 1 or 0 is `invalid_default_flag`. The words are
    the flag's (the `flag` type reads yes/no, true/false, Y/N in any case), and each spelling read so
    is counted per column (`flag_words_read`), as SBA's booleans are (`yn_words_read`); `2` is not."""
    lines = bank_tape.read_text().splitlines()
    flags = ["N", "TRUE", "n", "No", "1", "0"]
    lines = [lines[0]] + [line.rsplit(",", 1)[0] + f",{flag}" for line, flag in zip(lines[1:], flags, strict=True)]
    _map(bank_tape, UNTYPED)
    bank_tape.write_text("\n".join(lines) + "\n")
    parsed = parse_loan_file(bank_tape)
    parsed.reconcile()
    assert parsed.quarantine.height == 0
    assert parsed.rows["default_flag"].to_list() == [0, 1, 0, 0, 1, 0]
    assert parsed.notes["flag_words_read"] == {"defaulted": {"N": 1, "No": 1, "TRUE": 1, "n": 1}}

    bank_tape.write_text("\n".join([*lines[:6], lines[6].rsplit(",", 1)[0] + ",2"]) + "\n")
    two = parse_loan_file(bank_tape)
    assert two.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (7, "defaulted", "invalid_default_flag", "2")]


@pytest.mark.parametrize("kind", ["fraction", "basis_points"])
def test_a_rate_with_its_percent_sign_below_one_percent_names_the_columns_declared_type(bank_tape, kind):
    """`0.135%` in a column declared 'fraction' (or 'basis_points') reads as the percent it writes,
    0.135 %, and is quarantined `rate_as_fraction`; its message said "in a percent column", a type
    the column is not declared. It names the declared type and how the rate is read."""
    lines = bank_tape.read_text().splitlines()
    rates = {"fraction": ["0.1065", "0.135%", "0.1527"], "basis_points": ["1065", "0.135%", "1527"]}[kind]
    lines = [lines[0] + ",rate"] + [line + f",{rate}" for line, rate in zip(lines[1:4], rates, strict=True)]
    bank_tape.write_text("\n".join(lines) + "\n")
    _map(bank_tape, {**UNTYPED, "rate": {"to": "int_rate", "type": kind}})
    parsed = parse_loan_file(bank_tape)
    parsed.reconcile()
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (3, "rate", "rate_as_fraction", "0.135%")]
    assert parsed.quarantine["message"][0] == (
        f"column rate: '0.135%' is an interest rate below 1 % in a column declared '{kind}': written with its '%', "
        "it reads as a percent whatever the column's type; a fraction shown with a literal '%' (0.1065% for "
        "10.65 %)? Write it as the column's other values are written, or as the percent with its '%' (10.65%)")
    assert parsed.rows["int_rate"].to_list() == [0.1065, 0.1527]


def test_amounts_written_in_major_units_in_a_pence_column_are_quarantined_never_read_as_pence(bank_tape):
    """A GBP tape whose amount column is declared `money_minor` (pence) and whose export wrote some
    loans in pounds: `2500.00`, `£2400`, `10000.0`, `GBP 5000.00` were each read as pence, 25.00 to
    100.00 GBP, loaded without a word. A decimal mark or the currency's sign or code is how major
    units are written, so each is `amount_in_major_units`, its message naming the type that reads it;
    whole pence load, grouped in threes too (`300,000` pence is 3,000.00 GBP). Declared `money`, the
    same pounds load at their value."""
    lines = bank_tape.read_text().splitlines()
    pence = ["500000", "2500.00", "£2400", "10000.0", "300,000", "GBP 5000.00"]
    lines = [lines[0]] + [f'{",".join(line.split(",")[:2])},"{amount}",{",".join(line.split(",")[3:])}'
                          for line, amount in zip(lines[1:], pence, strict=True)]
    bank_tape.write_text("\n".join(lines) + "\n")
    sidecar = _map(bank_tape, {**UNTYPED, "amount": {"to": "loan_amount", "type": "money_minor"}})
    sidecar.write_text(sidecar.read_text().replace('{"name": "bank"', '{"name": "bank", "currency": "GBP"'))

    parsed = parse_loan_file(bank_tape)

    parsed.reconcile()
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (3, "amount", "amount_in_major_units", "2500.00"), (4, "amount", "amount_in_major_units", "£2400"),
        (5, "amount", "amount_in_major_units", "10000.0"), (7, "amount", "amount_in_major_units", "GBP 5000.00")]
    assert parsed.quarantine["message"][0] == (
        "column amount: '2500.00' is written in major units (a decimal mark, 5000.00, or the currency's sign or "
        "code, £5000) in a column declared 'money_minor', a whole count of the currency's minor unit (pence, "
        "cents: 500000 for 5,000.00): read as one it would load a hundredth of its value; if the column holds "
        "major units, declare its type 'money' in the mapping, else export the minor units as whole numbers "
        "without a currency mark")
    assert parsed.rows.select("source_loan_id", "loan_amount").rows() == [("B-1", 5000.0), ("B-5", 3000.0)]

    sidecar.write_text(sidecar.read_text().replace('"money_minor"', '"money"'))
    as_pounds = parse_loan_file(bank_tape)
    assert as_pounds.quarantine.height == 0
    assert as_pounds.rows["loan_amount"].to_list() == [500000.0, 2500.0, 2400.0, 10000.0, 300000.0, 5000.0]


def test_a_parquet_cents_column_is_read_by_its_type_and_a_marked_text_cell_is_no_count_of_cents(tmp_path):
    """Parquet's floats are written by their type, not by the lender: a float column of cents
    (500000.0, 249999.99999999997 from dollars * 100) is whole cents, 5000.5 is no count of them
    (`minor_unit_fraction`); a text cell `$5000.00` is written in dollars (`amount_in_major_units`)."""
    tape = tmp_path / "bank_2024.parquet"
    pl.DataFrame({"ref": ["A-1", "A-2", "A-3"], "cents": [500000.0, 249999.99999999997, 5000.5]}).write_parquet(tape)
    _map(tape, {"ref": {"to": "source_loan_id"}, "cents": {"to": "loan_amount", "type": "money_minor"}})
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.rows.select("source_loan_id", "loan_amount").rows() == [("A-1", 5000.0), ("A-2", 2500.0)]
    assert parsed.quarantine.select("line", "rule", "raw_value").rows() == [(3, "minor_unit_fraction", "5000.5")]

    pl.DataFrame({"ref": ["A-1", "A-2"], "cents": ["500000", "$5000.00"]}).write_parquet(tape)
    parsed = parse_loan_file(tape)
    assert parsed.rows.select("source_loan_id", "loan_amount").rows() == [("A-1", 5000.0)]
    assert parsed.quarantine.select("line", "rule", "raw_value").rows() == [(2, "amount_in_major_units", "$5000.00")]


def _with_terms(tape: Path, written: list[str]) -> None:
    lines = tape.read_text().splitlines()
    lines = [lines[0]] + [",".join([*line.split(",")[:4], term, line.split(",")[5]])
                          for line, term in zip(lines[1:], written, strict=True)]
    tape.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize(("kind", "written", "loaded", "said"), [
    ("term", ["3", "36.0", "5", "60.0", "36.0", "36.0"], [36, 60, 36, 36], [
        (2, "3", "is a term written without its unit, read as 3 months in a column that counts months ('term'), 4 of "
                 "whose 6 terms read are 12 months or more (36, 60 months): a term in years written in a column of "
                 "months (3 years is 36 months)? Write it with its unit, '3 years' or '3 months', and land the file "
                 "again"),
        (4, "5", "is a term written without its unit, read as 5 months in a column that counts months ('term'), 4 of "
                 "whose 6 terms read are 12 months or more (36, 60 months): a term in years written in a column of "
                 "months (5 years is 60 months)? Write it with its unit, '5 years' or '5 months', and land the file "
                 "again")]),
    ("int", ["36", "60", "36", "5", "60", "36"], [36, 60, 36, 60, 36], [
        (5, "5", "is a term written without its unit, read as 5 months in a column that counts months ('int'), 5 of "
                 "whose 6 terms read are 12 months or more (36, 60 months): a term in years written in a column of "
                 "months (5 years is 60 months)? Write it with its unit, '5 years' or '5 months', and land the file "
                 "again")]),
    ("term_years", ["3", "5", "36", "3 years", "5", "60 months"], [36, 60, 36, 60, 60], [
        (4, "36", "is a term written without its unit, read as 36 years (432 months) in a column that counts years "
                  "('term_years'), 5 of whose 6 terms read are under 12 years (3, 5 years): a term in months written "
                  "in a column of years? Write it with its unit, '36 months' or '36 years', and land the file again")]),
])
def test_terms_written_on_the_scale_the_column_does_not_use_are_quarantined(bank_tape, kind, written, loaded, said):
    """`3` among terms of 36 and 60 months is 3 months as declared, or 3 years written where the
    column counts months; `36` among 3- and 5-year terms is 432 months, or 36 months. Either reading
    is a real loan in some book and a wrong term in the other, so the record is quarantined, never
    loaded on a guess, with what was read, the column's scale and what to write; the other loans
    land. A term with its unit (`3 years`, `60 months`) states its scale."""
    _with_terms(bank_tape, written)
    _map(bank_tape, {**UNTYPED, "term": {"to": "term_months", "type": kind}})
    parsed = parse_loan_file(bank_tape)
    parsed.reconcile()
    assert parsed.rows["term_months"].to_list() == loaded
    assert parsed.quarantine.select("line", "column_name", "rule").rows() == [
        (line, "term", "term_scale_unclear") for line, _, _ in said]
    assert parsed.quarantine.select("line", "raw_value", "message").rows() == [
        (line, raw, f"column term: {raw!r} {message}") for line, raw, message in said]


@pytest.mark.parametrize(("kind", "written"), [
    ("term", ["3", "6", "12", "3", "36", "6"]),  # most terms are short: a book of short loans
    ("term", ["3 years", "36", "60", "36", "60", "36"]),  # a unit says its own scale
    ("term_years", ["3", "5", "15", "20", "25", "30"]),  # most terms are long: a mortgage book
])
def test_terms_on_the_columns_own_scale_or_with_their_unit_land(bank_tape, kind, written):
    _with_terms(bank_tape, written)
    _map(bank_tape, {**UNTYPED, "term": {"to": "term_months", "type": kind}})
    parsed = parse_loan_file(bank_tape)
    parsed.reconcile()
    assert parsed.quarantine.height == 0 and parsed.rows.height == 6


def test_a_snapshot_column_that_disagrees_with_the_files_as_of_date_is_named_and_bounds_the_issue_dates(bank_tape):
    """A file named `..._asof_2024-06-30` whose snapshot column says 2024-05-31: each row is dated by
    its column, the notes say the two disagree, and a loan issued in June (after its May snapshot,
    before the name's date) is quarantined as issued after its as-of date; it used to land."""
    tape = bank_tape.with_name("bank_tape_asof_2024-06-30.csv")
    lines = bank_tape.read_text().splitlines()
    lines = [lines[0] + ",snap"] + [line.replace("2011-12-0", "2024-05-0") + ",2024-05-31" for line in lines[1:]]
    lines[6] = lines[6].replace("2024-05-06", "2024-06-15")
    tape.write_text("\n".join(lines) + "\n")
    _map(tape, {**UNTYPED, "snap": {"to": "snapshot_date"}})
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (7, "booked", "issue_after_asof", "2024-06-15")]
    assert {d.isoformat() for d in parsed.rows["snapshot_date"]} == {"2024-05-31"}
    differs = parsed.notes["as_of_differs_from_snapshots"]
    assert (differs["as_of"], differs["column"], differs["snapshot_dates"]) == ("2024-06-30", "snap", {"2024-05-31": 6})


@pytest.mark.parametrize(("column", "spec", "says"), [
    ("term", {"to": "term_months", "type": "number"}, "type 'number' cannot fill 'term_months' (INTEGER: Term in months.); declare one of ['int', 'term', 'term_years']"),
    ("booked", {"to": "loan_amount", "type": "date"}, "type 'date' cannot fill 'loan_amount' (DOUBLE: "),
    ("amount", {"to": "int_rate"}, "target 'int_rate' needs a declared type: 'percent'"),
    ("amount", {"to": "loan_amount", "type": "percent"}, "type 'percent' reads a ratio (13.56% -> 0.1356 in int_rate, 13.56 in dti)"),
    ("income", {"to": "annual_income", "type": "fraction"},
     "'annual_income' is: Borrower's annual income, in `currency`. Declare 'number'"),
    ("ref", {"to": "loan_key"}, "target 'loan_key' is not a column of raw.loans that a tape fills"),
    ("ref", {"type": "text"}, "the key 'to' (its raw.loans column) is missing"),
])
def test_a_type_that_cannot_fill_its_target_refuses_the_mapping_by_file_and_column(bank_tape, column, spec, says):
    sidecar = _map(bank_tape, {**UNTYPED, column: spec})
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(bank_tape)
    message = str(refused.value)
    assert message.startswith(f"{sidecar}: invalid column mapping: column {column!r}: ")
    assert says in message


def test_zip3_puts_back_a_leading_zero_a_spreadsheet_dropped_and_refuses_what_is_no_zip(bank_tape):
    zips = ["2134", "02134", "86001-1234", "860xx", "0860", "2134-0001"]
    lines = bank_tape.read_text().splitlines()
    bank_tape.write_text("\n".join([lines[0] + ",zip"] + [f"{line},{z}" for line, z in zip(lines[1:], zips)]) + "\n")
    _map(bank_tape, {**UNTYPED, "zip": {"to": "zip3"}})
    parsed = parse_loan_file(bank_tape)
    parsed.reconcile()
    assert parsed.rows.select("_source_line", "zip3").rows() == [(2, "021"), (3, "021"), (4, "860"), (5, "860"), (7, "021")]
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [(6, "zip", "unparsable_value", "0860")]
    assert parsed.notes["zip_leading_zero_restored"] == 2


def _zip_tape(bank_tape, zips: list[str]):
    lines = bank_tape.read_text().splitlines()
    bank_tape.write_text("\n".join([lines[0] + ",zip"] + [f"{line},{z}" for line, z in zip(lines[1:], zips)]) + "\n")
    _map(bank_tape, {**UNTYPED, "zip": {"to": "zip3"}})
    parsed = parse_loan_file(bank_tape)
    parsed.reconcile()
    return parsed


def test_in_a_column_of_five_digit_zips_a_short_zip_gets_back_the_zeros_a_spreadsheet_dropped(bank_tape):
    """'501' is 00501 (Holtsville NY, zip3 005), never zip3 501; '12' is 00012, whose zip3 000 no
    place has: NULL, counted, the loan kept."""
    parsed = _zip_tape(bank_tape, ["501", "00901", "02134", "86001", "12", "2134"])
    assert parsed.rows.select("_source_line", "zip3").rows() == [
        (2, "005"), (3, "009"), (4, "021"), (5, "860"), (6, None), (7, "021")]
    assert parsed.quarantine.height == 0
    assert (parsed.notes["zip_column_holds"], parsed.notes["zip_leading_zero_restored"], parsed.notes["zip_not_a_place"]) \
        == ("zip5", 3, 1)


def test_in_a_column_of_zip3s_three_digits_stay_a_zip3_and_placeholders_are_null(bank_tape):
    parsed = _zip_tape(bank_tape, ["501", "860xx", "021", "12", "005xx", "000"])
    assert parsed.rows.select("_source_line", "zip3").rows() == [(2, "501"), (3, "860"), (4, "021"), (6, "005"), (7, None)]
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [(5, "zip", "zip_ambiguous", "12")]
    assert parsed.notes["zip_column_holds"] == "zip3" and parsed.notes["zip_not_a_place"] == 1
    assert parsed.notes["zip_leading_zero_restored"] == 0


def test_a_short_zip_in_a_mixed_column_is_quarantined_as_ambiguous_and_99999_is_no_place(bank_tape):
    parsed = _zip_tape(bank_tape, ["501", "860", "021", "02134", "86001", "99999"])
    assert parsed.rows.select("_source_line", "zip3").rows() == [(5, "021"), (6, "860"), (7, None)]
    quarantined = parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows()
    assert quarantined == [(2, "zip", "zip_ambiguous", "501"), (3, "zip", "zip_ambiguous", "860"),
                           (4, "zip", "zip_ambiguous", "021")]
    assert parsed.quarantine["message"][0].startswith("column zip: '501' is a ZIP of 1-3 digits where the file's zip "
                                                      "column does not say which it is")
    assert parsed.notes["zip_column_holds"] == "mixed" and parsed.notes["zip_not_a_place"] == 1


def test_an_amount_in_scientific_notation_is_quarantined_not_loaded_rounded(bank_tape):
    """'1.2346E+05' is what a spreadsheet shows for 123,456.78 in a narrow column; saved as text,
    the cents and the last digits are gone."""
    bank_tape.write_text(bank_tape.read_text().replace(",24000,", ",2.4E+04,").replace(",30000,", ",$30000,"))
    _map(bank_tape, {**UNTYPED, "income": {"to": "annual_income", "type": "money"}})
    parsed = parse_loan_file(bank_tape)
    parsed.reconcile()
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (2, "income", "sci_notation_value", "2.4E+04")]
    assert parsed.rows["annual_income"].to_list() == [30000.0, 12252.0, 49200.0, 80000.0, 36000.0]


_SCI_ROWS = [  # (ref, amount, income, rate, dti) in a decimal-point tape; the comma tape swaps the marks
    ("B-1", "5,000.00", "24,000.00", "10.65", "27.65"),
    ("B-2", "1.2346E+05", "30,000.00", "15.27", "11.00"),     # a spreadsheet's cut 123,456.78
    ("B-3", "1.5E4", "12,252.00", "15.96", "8.72"),
    ("B-4", "10,000.00", "4.5e4", "13.49", "20.00"),
    ("B-5", "3,000.00", "80,000.00", "5.25e0", "17.94"),
    ("B-6", "5,000.00", "36,000.00", "7.90", "1.25e1"),
    ("B-7", "{sign}1.1e+05", "24,000.00", "10.65", "27.65"),  # MATLAB's 110,004 to 2 digits, currency-marked
    ("B-8", "1e+05", "30,000.00", "15.27", "11.00"),           # R's write.csv: exact
    ("B-9", "1.25e+08", "12,252.00", "15.96", "8.72"),        # R's exact form with a fraction
    ("B-10", "1,5e4", "49,200.00", "13.49", "20.00"),         # the other mark: no form R writes
    ("9.91214E+15", "2,500.00", "49,200.00", "13.49", "20.00"),
]


def _sci_tape(tmp_path: Path, decimal: str) -> Path:
    """_SCI_ROWS as a `decimal`-mark tape (`,`: a German bank's, thousands `.`, euros)."""
    swap = str.maketrans(".,", ",.") if decimal == "," else {}
    sign, currency = ("€ ", "EUR") if decimal == "," else ("$", "USD")
    lines = ["ref;amount;income;rate;dti"] + [
        ";".join(value.format(sign=sign).translate(swap) for value in row) for row in _SCI_ROWS]
    tape = tmp_path / "bank_sci.csv"
    tape.write_text("\n".join(lines) + "\n", encoding="utf-8")
    dialect = {"delimiter": ";", "decimal": decimal, "thousands": "." if decimal == "," else ","}
    tape.with_name(tape.name + ".mapping.json").write_text(json.dumps({
        "name": "bank", "currency": currency, "dialect": dialect, "columns": {
            "ref": {"to": "source_loan_id"}, "amount": {"to": "loan_amount", "type": "money"},
            "income": {"to": "annual_income", "type": "money"}, "rate": {"to": "int_rate", "type": "percent"},
            "dti": {"to": "dti", "type": "number"}}}))
    return tape


@pytest.mark.parametrize("decimal", [".", ","], ids=["decimal_point", "decimal_comma"])
def test_scientific_notation_is_read_in_the_tapes_own_decimal_mark(tmp_path, decimal):
    """`1,2346E+05` in a decimal-comma tape used to load as 123460 (and `1,5E4`, `4,5e4`, `5,25e0`,
    `1,25e1`, `€ 1,1e+05` as their cut values) where its decimal-point twin is quarantined: both
    dialects now quarantine the same lines, and read only R's shortest forms (write.csv's
    `1.25e+08`, write.csv2's `1,25e+08`) as exact."""
    parsed = parse_loan_file(_sci_tape(tmp_path, decimal))
    parsed.reconcile()
    swap = str.maketrans(".,", ",.") if decimal == "," else {}
    sign = "€ " if decimal == "," else "$"
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (3, "amount", "sci_notation_value", "1.2346E+05".translate(swap)),
        (4, "amount", "sci_notation_value", "1.5E4".translate(swap)),
        (5, "income", "sci_notation_value", "4.5e4".translate(swap)),
        (6, "rate", "sci_notation_value", "5.25e0".translate(swap)),
        (7, "dti", "sci_notation_value", "1.25e1".translate(swap)),
        (8, "amount", "sci_notation_value", f"{sign}1.1e+05".translate(swap)),
        (11, "amount", "sci_notation_value", "1,5e4".translate(swap)),
        (12, "ref", "sci_notation_id", "9.91214E+15".translate(swap))]
    assert parsed.quarantine["message"][0] == (
        f"column amount: '{'1.2346E+05'.translate(swap)}' is a number in scientific notation "
        f"({'1.2346E+05'.translate(swap)} stands for {'123,460' if decimal == '.' else '123460'}): a spreadsheet "
        "writes a number so when it shortened it to fit its cell, so digits after "
        f"'{'1.2346'.translate(swap)}' may have been rounded away, and it is not read; re-export the column "
        "formatted as a number, or write the full figure")
    assert parsed.rows.select("source_loan_id", "loan_amount", "annual_income", pl.col("int_rate").round(6),
                              "dti").rows() == [
        ("B-1", 5000.0, 24000.0, 0.1065, 27.65), ("B-8", 100000.0, 30000.0, 0.1527, 11.0),
        ("B-9", 125000000.0, 12252.0, 0.1596, 8.72)]
    assert parsed.notes["sci_notation_read_exact"] == {"amount": 2}


def test_a_sidecar_that_does_not_fit_refuses_the_file_instead_of_the_builtin_format_reading_it(data_dir, tmp_path):
    """A LendingClub-shaped export with its own sidecar: one declared column misspelt must not let
    the built-in LendingClub rules read the file (revol_util declared a fraction would be read as
    a percent, 100 times too small)."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        lines = [line.rstrip("\r\n") for line in islice(handle, 3)]
    tape = tmp_path / "lc_export.csv"
    tape.write_text("\n".join(lines) + "\n")
    sidecar = _map(tape, {"loan_amnt": {"to": "loan_amount"}, "issue_date": {"to": "origination_date"},
                          "revol_util": {"to": "revol_util", "type": "fraction"}})
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(tape)
    assert str(refused.value).startswith(
        f"{tape}: the column mapping meant for it does not fit: {sidecar} (sidecar) declares column(s) ['issue_date']")


def test_a_utf8_byte_order_mark_decides_over_a_declared_cp1252(tmp_path):
    """Excel's "CSV UTF-8" under a mapping written for the lender's older cp1252 exports."""
    tape = tmp_path / "eu_2024.csv"
    tape.write_bytes("\ufeffref;amount;purpose\nA1;12.000,00;Küche renovieren\n".encode("utf-8"))
    (tmp_path / "eu_2024.csv.mapping.json").write_text(json.dumps({
        "name": "eu", "dialect": {"delimiter": ";", "encoding": "cp1252", "decimal": ","},
        "columns": {"ref": {"to": "source_loan_id"}, "amount": {"to": "loan_amount"}, "purpose": {"to": "purpose"}}}))
    parsed = parse_loan_file(tape)
    assert parsed.rows.select("source_loan_id", "loan_amount", "purpose").rows() == [("A1", 12000.0, "Küche renovieren")]


_EU_TAPE = ("ref;amount;borrower;purpose\nA1;12.000,00;Müller;Küche renovieren\nA2;2.500,50;O’Rourke;Auto\n"
            "A3;€ 1.000,00;Ángel Núñez;Möbel\n")
"""A German lender's tape: names with umlauts, a typographic apostrophe, Spanish accents, a euro sign."""


def _cp1252_mapping(tmp_path: Path) -> None:
    (tmp_path / "eu_2024.csv.mapping.json").write_text(json.dumps({
        "name": "eu", "currency": "EUR", "dialect": {"delimiter": ";", "encoding": "cp1252", "decimal": ",", "thousands": "."},
        "columns": {"ref": {"to": "source_loan_id"}, "amount": {"to": "loan_amount", "type": "money"}, "purpose": {"to": "purpose"}}}))


@pytest.mark.parametrize(("tape", "says"), [
    (_EU_TAPE, "line 2: bytes 0xc3 0xbc are UTF-8 for 'ü': the text there reads ';12.000,00;Müller;Küche' as UTF-8 "
               "and ';12.000,00;MÃ¼ller;KÃ¼che' as the declared cp1252, which would load it garbled; the file is UTF-8: "
               'declare "encoding": "utf-8" in its column mapping\'s dialect (or drop dialect.encoding: UTF-8 is the default)'),
    # a three-byte character, and 'Á' (C3 81), whose second byte is no cp1252 character at all
    ("ref;amount;borrower;purpose\nA1;12.000,00;Smith;Auto\nA2;2.500,50;O’Rourke;Auto\n",
     "line 3: bytes 0xe2 0x80 0x99 are UTF-8 for '’': the text there reads '2;2.500,50;O’Rourke;Auto' as UTF-8 and "
     "'2;2.500,50;Oâ€™Rourke;Auto' as the declared cp1252"),
    ("ref;amount;borrower;purpose\nA1;12.000,00;Ángel;Auto\n",
     "line 2: bytes 0xc3 0x81 are UTF-8 for 'Á': the text there reads '1;12.000,00;Ángel;Auto' as UTF-8 and "
     "'1;12.000,00;Ã\ufffdngel;Auto' as the declared cp1252"),
], ids=["umlaut", "typographic_apostrophe", "byte_cp1252_lacks"])
def test_a_utf8_tape_under_a_mapping_declaring_cp1252_is_refused_not_loaded_garbled(tmp_path, tape, says):
    """A lender's system moved to UTF-8 exports while its mapping still declares its old cp1252:
    read as cp1252 every byte decodes, so `Müller` loaded as `MÃ¼ller` and `€ 1.000,00` was
    quarantined as no number, with no word about the encoding."""
    (tmp_path / "eu_2024.csv").write_bytes(tape.encode("utf-8"))
    _cp1252_mapping(tmp_path)
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(tmp_path / "eu_2024.csv")
    assert str(refused.value).startswith(f"{tmp_path / 'eu_2024.csv'}: {says}")


def test_a_cp1252_or_ascii_tape_under_a_mapping_declaring_cp1252_loads(tmp_path):
    tape = tmp_path / "eu_2024.csv"
    _cp1252_mapping(tmp_path)
    tape.write_bytes(_EU_TAPE.encode("cp1252"))
    parsed = parse_loan_file(tape)
    assert parsed.rows.select("source_loan_id", "loan_amount", "purpose").rows() == [
        ("A1", 12000.0, "Küche renovieren"), ("A2", 2500.5, "Auto"), ("A3", 1000.0, "Möbel")]
    assert [json.loads(fields)["borrower"] for fields in parsed.rows["source_fields"]] == ["Müller", "O’Rourke", "Ángel Núñez"]
    tape.write_bytes(b"ref;amount;borrower;purpose\nA1;12.000,00;Smith;Car\n")
    assert parse_loan_file(tape).rows.select("source_loan_id", "loan_amount").rows() == [("A1", 12000.0)]


def test_a_tape_of_utf8_and_cp1252_lines_under_a_mapping_declaring_cp1252_is_refused_as_mixed(tmp_path):
    """Declaring cp1252 reads its cp1252 lines and garbles its UTF-8 ones: both are named."""
    lines = _EU_TAPE.splitlines(keepends=True)
    (tmp_path / "eu_2024.csv").write_bytes("".join(lines[:2]).encode("utf-8") + "".join(lines[2:]).encode("cp1252"))
    _cp1252_mapping(tmp_path)
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(tmp_path / "eu_2024.csv")
    message = str(refused.value)
    assert message.startswith(f"{tmp_path / 'eu_2024.csv'}: line 2: bytes 0xc3 0xbc are UTF-8 for 'ü'")
    assert "the file mixes encodings: line(s) 2 hold UTF-8 text beyond ASCII and line(s) 3, 4 bytes of another" in message


def test_a_declared_space_thousands_separator_is_honoured_no_break_spaces_included(tmp_path):
    tape = tmp_path / "fr_2024.csv"
    tape.write_text("ref;amount\nF1;12 000,00\nF2;2\u00a0500,50\nF3;1\u202f250\nF4;1,25\nF5;1.250\n", encoding="utf-8")
    (tmp_path / "fr_2024.csv.mapping.json").write_text(json.dumps({
        "name": "fr", "dialect": {"delimiter": ";", "decimal": ",", "thousands": " "},
        "columns": {"ref": {"to": "source_loan_id"}, "amount": {"to": "loan_amount"}}}))
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.rows.select("source_loan_id", "loan_amount").rows() == [
        ("F1", 12000.0), ("F2", 2500.5), ("F3", 1250.0), ("F4", 1.25)]
    assert parsed.quarantine.select("line", "rule", "raw_value").rows() == [(6, "unparsable_number", "1.250")]


@pytest.mark.parametrize(("change", "says"), [
    ({"dialect": {"encoding": "ANSI"}}, "dialect: encoding 'ANSI' is not one Python knows"),
    ({"dialect": {"delimiter": "semicolon"}}, "dialect: delimiter must be one character"),
    ({"dialect": {"separator": ";"}}, "dialect: unknown key(s) ['separator']"),
    ({"status_map": {"Fully Paid": 0, "Charged Off": 2}}, "status_map values must be 1 (defaulted), 0 (not) or null"),
    ({"columns": {**UNTYPED, "booked": {"to": "origination_date", "format": "DD.MM.YYYY"}}}, "'format' 'DD.MM.YYYY' must be a strftime pattern"),
    ({"columns": {**UNTYPED, "ref": {"to": "source_loan_id", "required": "false"}}}, "'required' must be true or false, not 'false'"),
    ({"columns": [UNTYPED]}, "'columns' must be an object"),
])
def test_a_mapping_with_an_odd_setting_is_refused_naming_the_file_and_the_setting(bank_tape, change, says):
    sidecar = bank_tape.with_name(bank_tape.name + ".mapping.json")
    sidecar.write_text(json.dumps({"name": "bank", "columns": UNTYPED, **change}))
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(bank_tape)
    assert str(refused.value).startswith(f"{sidecar}: invalid column mapping: ") and says in str(refused.value)


def test_a_parquet_tape_is_read_by_its_types_under_a_mapping_written_for_the_lenders_csv(tmp_path):
    """One mapping for a lender's decimal-comma, dd.mm.yyyy CSVs and its Parquet deliveries: the
    Parquet values are typed, so the dialect's decimal comma and the date format do not change
    them. A float id
    (an integer column with a missing value, as pandas writes it) keeps its digits, NaN is missing."""
    import datetime as dt

    mappings = tmp_path / "mappings"
    mappings.mkdir()
    (mappings / "eubank.json").write_text(json.dumps({
        "name": "eubank", "applies_to": ["eubank_*"], "dialect": {"delimiter": ";", "decimal": ","},
        "columns": {"loan_id": {"to": "source_loan_id", "required": True},
                    "issue_date": {"to": "origination_date", "format": "%d.%m.%Y", "required": True},
                    "loan_amnt": {"to": "loan_amount", "required": True},
                    "int_rate": {"to": "int_rate", "type": "fraction"}}}))
    tape = tmp_path / "eubank_2024-06.parquet"
    pl.DataFrame({"loan_id": [1077501.0, 1077430.0, None],
                  "issue_date": [dt.datetime(2011, 12, 1), dt.datetime(2011, 12, 15, 13, 5), dt.datetime(2011, 12, 2)],
                  "loan_amnt": [12000.0, 2500.5, 1e16],
                  "int_rate": [0.1065, float("nan"), 0.1527]}).write_parquet(tape)
    parsed = parse_loan_file(tape, mapping_dirs=[mappings])
    parsed.reconcile()
    assert parsed.rows.select("loan_key", "origination_date", "loan_amount", "int_rate").rows() == [
        ("eubank:1077501", dt.date(2011, 12, 1), 12000.0, 0.1065), ("eubank:1077430", dt.date(2011, 12, 15), 2500.5, None)]
    # its 1e16 is no amount either: 2^53 or more, past a float's cents
    assert parsed.quarantine.select("line", "column_name", "rule").rows() == [
        (3, "loan_amnt", "value_out_of_range"), (3, "loan_id", "missing_value")]


def test_a_parquet_tapes_text_columns_are_read_in_the_mappings_dialect_and_its_numbers_by_their_type(tmp_path):
    """A European core system's Parquet export with its amounts and rates as strings (pandas
    `dtype=str`), as its CSV writes them, beside a float column: the strings read in the dialect the
    mapping declares (decimal comma, '.' thousands), as the CSV twin's do, the float as its number."""
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    tape = tmp_path / "eubank_2011-02.parquet"
    pq.write_table(pa.table({
        "loan_id": ["E1", "E2", "E3", "E4", "E5"],
        "issue_date": ["31.01.2011", "01.02.2011", "15.02.2011", "28.02.2011", "2011-03-01"],
        "amount": ["1.234,56", "12.500,00", "€ 2.000,00", "1000", "1,5"],
        "rate": ["7,5", "7,5 %", "12,25", "8", "9,9"],
        "income": pa.array([52000.5, 61000.0, 48250.75, 39000.0, 70000.0]),
    }), tape)
    (tmp_path / "eubank_2011-02.parquet.mapping.json").write_text(json.dumps({
        "name": "eubank", "portfolio": "eubank", "currency": "EUR", "dialect": {"decimal": ",", "thousands": "."},
        "columns": {"loan_id": {"to": "source_loan_id"},
                    "issue_date": {"to": "origination_date", "type": "date", "format": "%d.%m.%Y"},
                    "amount": {"to": "loan_amount", "type": "money"}, "rate": {"to": "int_rate", "type": "percent"},
                    "income": {"to": "annual_income", "type": "money"}}}))
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.rows.select("source_loan_id", "origination_date", "loan_amount", "int_rate", "annual_income").rows() == [
        ("E1", dt.date(2011, 1, 31), 1234.56, 0.075, 52000.5),
        ("E2", dt.date(2011, 2, 1), 12500.0, 0.075, 61000.0),
        ("E3", dt.date(2011, 2, 15), 2000.0, 0.1225, 48250.75),
        ("E4", dt.date(2011, 2, 28), 1000.0, 0.08, 39000.0),
    ]
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (5, "issue_date", "unparsable_date", "2011-03-01")]


def test_an_unreadable_or_nested_parquet_tape_is_refused_by_name(tmp_path, bank_tape):
    tape = tmp_path / "bank_2024.parquet"
    pl.DataFrame({"ref": ["A-1"], "amount": [1000.0], "payments": [[100.0, 200.0]]}).write_parquet(tape)
    _map(tape, {"ref": {"to": "source_loan_id"}, "amount": {"to": "loan_amount"}})
    with pytest.raises(FileRefused, match=r"column\(s\) \{'payments': 'List\(Float64\)'\} hold nested values"):
        parse_loan_file(tape)
    whole = tape.read_bytes()
    tape.write_bytes(whole[: len(whole) // 2])  # copied before it was complete
    with pytest.raises(FileRefused, match=r"bank_2024.parquet: not a readable Parquet file .* fully written"):
        parse_loan_file(tape)


def test_a_parquet_float_id_past_2_53_is_quarantined_not_loaded_with_other_digits(tmp_path):
    """A float64 holds every whole number only up to 2^53: 12345678901234567 is stored as
    ...568, so the key would name another loan. Below the limit the id keeps its digits."""
    tape = tmp_path / "bank_2024.parquet"
    pl.DataFrame({"ref": [1077501.0, 1.2345678901234567e16, 2.0**53 + 2], "amount": [1000.0, 2000.0, 3000.0]}).write_parquet(tape)
    _map(tape, {"ref": {"to": "source_loan_id", "required": True}, "amount": {"to": "loan_amount"}})
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.rows["loan_key"].to_list() == ["bank:1077501"]
    assert parsed.quarantine.select("line", "column_name", "rule").rows() == [
        (2, "ref", "sci_notation_id"), (3, "ref", "sci_notation_id")]
    assert parsed.quarantine["raw_value"].to_list() == ["1.2345678901234568e+16", "9.0071992547409940e+15"]


def test_a_parquet_column_with_no_text_form_is_refused_naming_it(tmp_path):
    import datetime as dt

    tape = tmp_path / "bank_2024.parquet"
    pl.DataFrame({"ref": ["A-1"], "amount": [1000.0], "term": [dt.timedelta(days=1080)]}).write_parquet(tape)
    _map(tape, {"ref": {"to": "source_loan_id"}, "amount": {"to": "loan_amount"}, "term": {"to": "term_months"}})
    with pytest.raises(FileRefused, match=r"bank_2024.parquet: column 'term' is a duration .*write it as a number"):
        parse_loan_file(tape)
    pl.DataFrame({"ref": ["A-1"], "amount": [1000.0], "note": [b"\xff\xfe caf\xe9"]}).write_parquet(tape)
    _map(tape, {"ref": {"to": "source_loan_id"}, "amount": {"to": "loan_amount"}})
    with pytest.raises(FileRefused, match=r"bank_2024.parquet: column 'note' \(Binary\) cannot be read as text"):
        parse_loan_file(tape)


def test_a_two_digit_year_is_put_in_the_century_that_is_not_in_the_future(tmp_path):
    """strptime reads '68' as 2068 and '50' as 2050; a loan issued or a credit line opened then has
    not happened yet, so the century before is meant."""
    tape = tmp_path / "y2_tape.csv"
    tape.write_text("ref,issued,first_line\nL1,Dec-11,Jan-85\nL2,Dec-11,Apr-65\nL3,Nov-68,Mar-50\n")
    _map(tape, {"ref": {"to": "source_loan_id"}, "issued": {"to": "origination_date", "format": "%b-%y"},
                "first_line": {"to": "earliest_cr_line", "format": "%b-%y"}})
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    got = parsed.rows.select("origination_date", "earliest_cr_line").rows()
    assert [(a.isoformat(), b.isoformat()) for a, b in got] == [
        ("2011-12-01", "1985-01-01"), ("2011-12-01", "1965-04-01"), ("1968-11-01", "1950-03-01")]
    assert parsed.notes["two_digit_year_shifted"] == {"issued": 1, "first_line": 2}


def test_a_two_digit_year_column_with_no_year_shifted_leaves_no_note(tmp_path, data_dir):
    """SBA's ApprovalDate (`28-Feb-97`, `%d-%b-%y`) on a lender's mapped tape: no year needed its
    century moved, yet the manifest noted `{"two_digit_year_shifted": {"Approved": 0}}`, a note
    counting nothing. A count of 0 is no note, in the reader's notes and in the manifest's."""
    from itertools import islice

    from risk_assets.lib.ingest.landing import summarise_notes

    with gzip.open(data_dir / "loans" / "sba_national.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        records = list(islice(csv.DictReader(handle), 5))
    tape = tmp_path / "acme.csv"
    with open(tape, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["Loan No", "Approved", "Amount", "Status"], *(
            [r["LoanNr_ChkDgt"], r["ApprovalDate"], r["GrAppv"], r["MIS_Status"]] for r in records)])
    tape.with_name("acme.csv.mapping.json").write_text(json.dumps({"name": "acme", "columns": {
        "Loan No": {"to": "source_loan_id"}, "Approved": {"to": "origination_date", "format": "%d-%b-%y"},
        "Amount": {"to": "loan_amount", "type": "money"}, "Status": {"to": "loan_status"}},
        "status_map": {"P I F": 0, "CHGOFF": 1}}))
    parsed = parse_loan_file(tape)
    assert parsed.rows.height == 5
    assert parsed.rows.get_column("origination_date").min().isoformat() == "1997-02-28"
    assert "two_digit_year_shifted" not in parsed.notes
    assert summarise_notes({"two_digit_year_shifted": {"Approved": 0}, "rows_padded": 0,
                            "padded_quotes_unwrapped": {"Name": 28}}) == {"padded_quotes_unwrapped": {"Name": 28}}


def test_a_two_digit_year_just_after_the_as_of_date_keeps_its_century_and_is_caught(tmp_path):
    """'15/03/27' on a tape as of 2026-11-30 is a loan issued after the tape: quarantined as
    issue_after_asof, never moved to 1927 where no rule would see it."""
    tape = tmp_path / "yy_asof_2026-11-30.csv"
    tape.write_text("ref,issued\nL1,01/06/26\nL2,15/03/27\n")
    _map(tape, {"ref": {"to": "source_loan_id"}, "issued": {"to": "origination_date", "format": "%d/%m/%y"}})
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.rows["origination_date"].dt.strftime("%Y-%m-%d").to_list() == ["2026-06-01"]
    assert parsed.quarantine.select("line", "column_name", "rule").rows() == [(3, "issued", "issue_after_asof")]


@pytest.mark.parametrize("written", ["{d} 00:00:00", "{d}T22:30:00-05:00", "{d}T00:00:00Z", "{d}T09:15:00.000+01:00",
                                     "{d} 00:00:00 UTC", "{d} 00:00:00.000000 UTC",  # BigQuery's CSV TIMESTAMP
                                     "{d} 00:00:00.000 -0800", "{d} 10:00:00+02"])   # Snowflake's, PostgreSQL's
def test_an_iso_date_time_in_a_date_column_without_a_format_is_its_calendar_date(bank_tape, written):
    """A database export writes DATE columns as ISO 8601 date-times. With no `format` declared the
    column is ISO 8601, so each loan takes the date as written (in the zone it was written in: 22:30
    New York time on the 1st is the 1st), the times are counted in the notes, and no loan is
    quarantined; a value that is no date still is, and its message says which format was expected."""
    lines = bank_tape.read_text().splitlines()
    rows = [line.split(",") for line in lines[1:]]
    for row in rows:
        row[1] = written.format(d=row[1])
    rows[5][1] = "2011-12-06 25:00"
    bank_tape.write_text("\n".join([lines[0]] + [",".join(row) for row in rows]) + "\n")
    _map(bank_tape, UNTYPED)
    parsed = parse_loan_file(bank_tape)
    parsed.reconcile()
    assert [d.isoformat() for d in parsed.rows["origination_date"]] == [f"2011-12-0{n}" for n in range(1, 6)]
    assert parsed.notes["date_time_of_day_dropped"] == {"booked": 5}
    (entry,) = parsed.quarantine.iter_rows(named=True)
    assert (entry["line"], entry["column_name"], entry["rule"]) == (7, "booked", "unparsable_date")
    assert "ISO 8601, YYYY-MM-DD, where the mapping declares none" in entry["message"]


@pytest.mark.parametrize(("fmt", "written"), [
    ("%d%b%Y", ["01DEC2011:00:00:00", "02DEC2011:00:00:00.000", "03DEC2011", "04DEC2011:13:45:00",
                "05DEC2011:00:00:00", "06DEC2011:25:00:00"]),
    ("%m/%d/%Y", ["12/1/2011 0:00", "12/2/2011 12:00 AM", "12/03/2011", "12/4/2011 13:45", "12/5/2011 0:00",
                  "12/6/2011 25:00"]),
    ("%d.%m.%Y", ["01.12.2011 00:00", "02.12.2011 00:00:00", "03.12.2011", "04.12.2011 13:45", "05.12.2011 0:00",
                  "06.12.2011 25:00"]),
])
def test_a_date_time_under_a_declared_date_format_is_its_calendar_date(bank_tape, fmt, written):
    """SAS's DATETIME20. (`01DEC2011:00:00:00`) and a spreadsheet's date-time cell saved as CSV
    (`12/1/2011 0:00`, `12/2/2011 12:00 AM`) under a mapping that declares the date's format: each
    loan takes the date as written and the times are counted, as for an ISO date-time; an hour 25
    is still no time, and its loan is quarantined."""
    lines = bank_tape.read_text().splitlines()
    rows = [line.split(",") for line in lines[1:]]
    for row, value in zip(rows, written, strict=True):
        row[1] = value
    bank_tape.write_text("\n".join([lines[0]] + [",".join(row) for row in rows]) + "\n")
    _map(bank_tape, {**UNTYPED, "booked": {"to": "origination_date", "format": fmt}})
    parsed = parse_loan_file(bank_tape)
    parsed.reconcile()
    assert [d.isoformat() for d in parsed.rows["origination_date"]] == [f"2011-12-0{n}" for n in range(1, 6)]
    assert parsed.notes["date_time_of_day_dropped"] == {"booked": 4}
    assert parsed.quarantine.select("line", "column_name", "rule").rows() == [(7, "booked", "unparsable_date")]


def test_a_date_written_with_colons_is_no_date_time(tmp_path):
    """`2011:12:01` (an EXIF-style date) under `%Y:%m:%d` is the date, not 2011 with a time cut off."""
    tape = tmp_path / "colons.csv"
    tape.write_text("ref,issued\nL1,2011:12:01\nL2,2012:02:29\n")
    _map(tape, {"ref": {"to": "source_loan_id"}, "issued": {"to": "origination_date", "format": "%Y:%m:%d"}})
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert [d.isoformat() for d in parsed.rows["origination_date"]] == ["2011-12-01", "2012-02-29"]
    assert "date_time_of_day_dropped" not in parsed.notes


def test_amounts_in_cents_rates_in_basis_points_and_terms_in_years_are_declared_and_converted(bank_tape):
    """A servicer writes the 6 real LendingClub loans in other units: the amount in cents, the term
    in years, and a rate column in basis points (LendingClub's own int_rate of each loan). The
    declared unit types load the canonical units (USD, months, fraction 0-1); a year count that is
    no whole number of months (2.3 years) is quarantined, not cut."""
    lines = bank_tape.read_text().splitlines()
    rates_bp = ["1065", "1527", "1596", "1349", "1269", "790"]  # the 6 loans' int_rate, 10.65 % ...
    out = [lines[0] + ",rate_bp"]
    for line, bp in zip(lines[1:], rates_bp, strict=True):
        ref, booked, amount, income, term, defaulted = line.split(",")
        years = {"36.0": "3 years", "60.0": "5"}[term]
        out.append(",".join([ref, booked, str(int(float(amount) * 100)), income, years, defaulted, bp]))
    out[6] = out[6].replace(",3 years,", ",2.3,")  # B-6: 27.6 months
    bank_tape.write_text("\n".join(out) + "\n")
    _map(bank_tape, {**UNTYPED, "amount": {"to": "loan_amount", "type": "money_minor"},
                     "term": {"to": "term_months", "type": "term_years"},
                     "rate_bp": {"to": "int_rate", "type": "basis_points"}})
    parsed = parse_loan_file(bank_tape)
    parsed.reconcile()
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (7, "term", "not_whole_number", "2.3")]
    assert parsed.rows.select("source_loan_id", "loan_amount", "term_months", "int_rate").rows() == [
        ("B-1", 5000.0, 36, 0.1065), ("B-2", 2500.0, 60, 0.1527), ("B-3", 2400.0, 36, 0.1596),
        ("B-4", 10000.0, 36, 0.1349), ("B-5", 3000.0, 60, 0.1269)]


def test_a_rate_in_basis_points_declared_percent_is_quarantined_with_a_hint_at_the_unit(bank_tape):
    bank_tape.write_text("\n".join(line + (",rate" if n == 0 else ",1065")
                                   for n, line in enumerate(bank_tape.read_text().splitlines())) + "\n")
    _map(bank_tape, {**UNTYPED, "rate": {"to": "int_rate", "type": "percent"}})
    parsed = parse_loan_file(bank_tape)
    assert set(parsed.quarantine["rule"]) == {"rate_out_of_range"}
    assert "is declared 'basis_points'" in parsed.quarantine["message"][0]


@pytest.mark.parametrize(("column", "spec", "currency", "says"), [
    ("income", {"to": "dti", "type": "money_minor"}, "USD",
     "type 'money_minor' converts a unit that 'dti' is not in"),
    ("amount", {"to": "loan_amount", "type": "term_years"}, "USD", "it fills term_months only"),
    ("amount", {"to": "loan_amount", "type": "basis_points"}, "USD", "type 'basis_points' reads a ratio (13.56% -> 0.1356 in int_rate, 13.56 in dti)"),
    ("amount", {"to": "loan_amount", "type": "money_minor"}, "JPY",
     "declare 'money_minor', but JPY has no minor unit (ISO 4217): declare 'money'"),
])
def test_a_unit_type_on_a_column_of_another_unit_refuses_the_mapping(bank_tape, column, spec, currency, says):
    sidecar = bank_tape.with_name(bank_tape.name + ".mapping.json")
    sidecar.write_text(json.dumps({"name": "bank", "currency": currency, "columns": {**UNTYPED, column: spec}}))
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(bank_tape)
    assert str(refused.value).startswith(f"{sidecar}: invalid column mapping: ")
    assert says in str(refused.value)


def test_minor_units_follow_the_currency_three_digits_for_a_kuwaiti_dinar(bank_tape):
    sidecar = bank_tape.with_name(bank_tape.name + ".mapping.json")
    sidecar.write_text(json.dumps({"name": "bank", "currency": "KWD",
                                   "columns": {**UNTYPED, "amount": {"to": "loan_amount", "type": "money_minor"}}}))
    parsed = parse_loan_file(bank_tape)
    assert parsed.rows["loan_amount"].to_list() == [5.0, 2.5, 2.4, 10.0, 3.0, 5.0]  # 5000 fils = 5 KWD


def test_a_declared_sentinel_is_named_before_the_plausibility_rule_its_code_also_breaks(bank_tape):
    """Freddie Mac writes 9999 for a credit score not available: declared as a sentinel, the row is
    quarantined as `sentinel_value` (the code the mapping named), not as a FICO out of range."""
    lines = bank_tape.read_text().splitlines()
    scores = ["735", "9999", "740", "690", "695", "732"]
    bank_tape.write_text("\n".join([lines[0] + ",credit_score"] + [f"{line},{s}" for line, s in zip(lines[1:], scores,
                                                                                               strict=True)]) + "\n")
    sidecar = bank_tape.with_name(bank_tape.name + ".mapping.json")
    sidecar.write_text(json.dumps({"name": "bank", "sentinels": {"credit_score": [9999]},
                                   "columns": {**UNTYPED, "credit_score": {"to": "fico_range_low"}}}))
    parsed = parse_loan_file(bank_tape)
    parsed.reconcile()
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (3, "credit_score", "sentinel_value", "9999")]
    assert parsed.rows["fico_range_low"].to_list() == [735, 740, 690, 695, 732]


def test_a_status_written_in_another_case_or_spacing_means_the_status_map_key_and_is_noted(bank_tape):
    """A servicer types `fully paid`, `Charged  off` and `CURRENT` where the status map says `Fully Paid`,
    `Charged Off` and `Current`: each is that status, loaded as the key's spelling (counted in the notes by
the status as written), so a book's statuses have one spelling each;
    a status the map does not hold in any case is still quarantined, and so is one whose fold two keys
    share (`Late` and `LATE` both in the map: which is meant cannot be told)."""
    lines = bank_tape.read_text().splitlines()
    statuses = ["fully paid", "Charged  off", "CURRENT", "Fully Paid", "late", "Defaulted"]
    bank_tape.write_text("\n".join([lines[0] + ",status"] + [f"{line},{s}" for line, s in zip(lines[1:], statuses,
                                                                                          strict=True)]) + "\n")
    columns = {key: spec for key, spec in UNTYPED.items() if key != "defaulted"} | {"status": {"to": "loan_status"}}
    sidecar = bank_tape.with_name(bank_tape.name + ".mapping.json")
    sidecar.write_text(json.dumps({"name": "bank", "columns": columns, "status_map": {
        "Fully Paid": 0, "Charged Off": 1, "Current": None, "Late": None, "LATE": 1}}))
    parsed = parse_loan_file(bank_tape)
    parsed.reconcile()
    assert parsed.rows.select("source_loan_id", "loan_status", "default_flag").rows() == [
        ("B-1", "Fully Paid", 0), ("B-2", "Charged Off", 1), ("B-3", "Current", None), ("B-4", "Fully Paid", 0)]
    assert parsed.notes["status_matched_ignoring_case_and_spacing"] == {"CURRENT": 1, "Charged  off": 1, "fully paid": 1}
    assert parsed.quarantine.select("line", "rule", "raw_value").rows() == [
        (6, "unknown_status", "late"), (7, "unknown_status", "Defaulted")]


def test_one_file_of_two_books_loads_each_loan_into_its_own_portfolio(bank_tape):
    """A servicer's tape holds an auto book and a cards book whose account numbers overlap (B-1 in
    both). With `portfolio_column` each row is its book's loan (`acme_auto:B-1`, `acme_cards:B-1`:
    two loans, no conflicting duplicate); a book the mapping does not name is quarantined with the
    value, not loaded into a guessed portfolio."""
    lines = bank_tape.read_text().splitlines()
    books = ["AUTO", "CARDS", "AUTO", "CARDS", "MORTGAGE", " AUTO"]
    rows = [f"{line},{book}" for line, book in zip(lines[1:], books, strict=True)]
    rows[1] = rows[1].replace("B-2,", "B-1,", 1)
    bank_tape.write_text("\n".join([lines[0] + ",book"] + rows) + "\n")
    sidecar = bank_tape.with_name(bank_tape.name + ".mapping.json")
    sidecar.write_text(json.dumps({"name": "acme", "columns": UNTYPED, "portfolio_column": {
        "column": "book", "portfolios": {"AUTO": "acme_auto", "CARDS": "acme_cards"}}}))
    parsed = parse_loan_file(bank_tape)
    parsed.reconcile()
    assert parsed.rows.select("loan_key", "portfolio", "loan_amount").rows() == [
        ("acme_auto:B-1", "acme_auto", 5000.0), ("acme_cards:B-1", "acme_cards", 2500.0),
        ("acme_auto:B-3", "acme_auto", 2400.0), ("acme_cards:B-4", "acme_cards", 10000.0),
        ("acme_auto:B-6", "acme_auto", 5000.0)]
    (entry,) = parsed.quarantine.iter_rows(named=True)
    assert (entry["line"], entry["column_name"], entry["rule"], entry["raw_value"]) == (
        6, "book", "unknown_portfolio", "MORTGAGE")
    assert entry["message"] == "column book: 'MORTGAGE' is not a value the mapping's portfolio_column names a portfolio for"


@pytest.mark.parametrize(("setting", "says"), [
    ({"column": "book"}, "'portfolio_column' must be an object"),
    ({"column": "book", "portfolios": {"AUTO": ""}}, "portfolio_column.portfolios must map each value"),
    ({"column": "ref", "portfolios": {"AUTO": "acme_auto"}}, "portfolio_column.column 'ref' is also mapped"),
])
def test_a_portfolio_column_setting_that_cannot_be_followed_refuses_the_mapping(bank_tape, setting, says):
    sidecar = bank_tape.with_name(bank_tape.name + ".mapping.json")
    sidecar.write_text(json.dumps({"name": "acme", "columns": UNTYPED, "portfolio_column": setting}))
    with pytest.raises(FileRefused, match="invalid column mapping") as refused:
        parse_loan_file(bank_tape)
    assert says in str(refused.value)


def test_a_portfolio_column_the_file_lacks_makes_the_mapping_not_fit(bank_tape):
    sidecar = bank_tape.with_name(bank_tape.name + ".mapping.json")
    sidecar.write_text(json.dumps({"name": "acme", "columns": UNTYPED, "portfolio_column": {
        "column": "book", "portfolios": {"AUTO": "acme_auto"}}}))
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(bank_tape)
    assert "book" in str(refused.value)


def test_zips_and_amounts_kept_as_text_for_excel_load_as_their_values(bank_tape):
    """The two ways to keep a ZIP's leading zeros (or a number as text) when a CSV opens in Excel,
    `="02134"` and `'02134`, quarantined 15 of 20 loans as unparsable; a zip that passed through a
    float column (`47711.0`) did too. They load as their values, counted per column in the notes."""
    lines = bank_tape.read_text().splitlines()
    zips = ['"=""02134"""', "'00501", "47711.0", '"=""02134-1234"""', "06010", "'86001"]
    rows = [f"{line},{z}" for line, z in zip(lines[1:], zips, strict=True)]
    rows[0] = rows[0].replace(",5000,", ',"=""5000""",', 1)
    bank_tape.write_text("\n".join([lines[0] + ",zip", *rows]) + "\n")
    _map(bank_tape, UNTYPED | {"zip": {"to": "zip3"}})
    parsed = parse_loan_file(bank_tape)
    parsed.reconcile()
    assert parsed.quarantine.height == 0
    assert parsed.rows.select("zip3", "loan_amount").rows() == [
        ("021", 5000.0), ("005", 2500.0), ("477", 2400.0), ("021", 10000.0), ("060", 3000.0), ("860", 5000.0)]
    assert parsed.notes["excel_formula_unwrapped"] == {"amount": 1, "zip": 2}
    assert parsed.notes["text_marker_removed"] == {"zip": 2}
    assert parsed.notes["zip_float_tail_removed"] == {"zip": 1}


def test_a_digits_only_date_a_float_column_wrote_with_dot_zero_reads_as_its_date(bank_tape):
    """pandas writes an integer column holding a missing value as floats: `20111201.0` under a
    `%Y%m%d` format quarantined every loan as unparsable, while the same `.0` on ids and ZIPs is
    read. The `.0` is removed and counted (`float_tail_removed`); `2011-12-01.0` is still no date."""
    lines = bank_tape.read_text().splitlines()
    rows = [line.split(",") for line in lines[1:]]
    for row in rows:
        row[1] = row[1].replace("-", "") + ".0"
    rows[5][1] = "2011-12-06.0"
    bank_tape.write_text("\n".join([lines[0], *(",".join(row) for row in rows)]) + "\n")
    _map(bank_tape, UNTYPED | {"booked": {"to": "origination_date", "type": "date", "format": "%Y%m%d"}})
    parsed = parse_loan_file(bank_tape)
    parsed.reconcile()
    assert [d.isoformat() for d in parsed.rows["origination_date"]] == [f"2011-12-0{n}" for n in range(1, 6)]
    assert parsed.notes["float_tail_removed"] == {"booked": 5}
    assert parsed.quarantine.select("line", "column_name", "rule").rows() == [(7, "booked", "unparsable_date")]


@pytest.mark.parametrize("declared", [None, "%Y-%m-%d"])
@pytest.mark.parametrize(("zone", "moved"), [("Europe/Berlin", True), ("Asia/Tokyo", True), ("Asia/Kolkata", True),
                                           ("Asia/Kathmandu", True), ("America/New_York", False), ("UTC", False)])
def test_local_midnights_written_in_utc_read_as_their_local_dates(bank_tape, zone, moved, declared):
    """A servicing front end east of UTC stores loans booked at local midnight, and JavaScript's
    toISOString() writes them in UTC: 1 January in Berlin is `2011-12-31T23:00:00.000Z` (22:00 in
    summer time). Every loan loaded a day early, its vintage and month moved, with only the note that
    the time was dropped. A column of such values reads as the local dates (note
    `dates_from_local_midnights`), whether the mapping declares the ISO format or none; west of UTC,
    or at UTC midnight, the UTC date is the local one."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    booked = [datetime(2011, 1, 1), datetime(2011, 7, 1), datetime(2011, 12, 1), datetime(2012, 3, 31),
              datetime(2012, 4, 1), datetime(2012, 10, 31)]
    written = [d.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z") for d in booked]
    lines = bank_tape.read_text().splitlines()
    rows = [line.split(",") for line in lines[1:]]
    for row, text in zip(rows, written, strict=True):
        row[1] = text
    bank_tape.write_text("\n".join([lines[0], *(",".join(row) for row in rows)]) + "\n")
    _map(bank_tape, UNTYPED | ({"booked": {"to": "origination_date", "format": declared}} if declared else {}))
    parsed = parse_loan_file(bank_tape)
    parsed.reconcile()
    assert parsed.rows["origination_date"].to_list() == [d.date() for d in booked]
    assert ("dates_from_local_midnights" in parsed.notes) == moved
    if zone == "Europe/Berlin":
        assert parsed.notes["dates_from_local_midnights"] == {
            "booked": "6 values at 22:00 and 23:00 UTC read as the next day's local midnight (a zone east of UTC, "
                      "written in UTC)"}
        assert parsed.rows["vintage"].to_list() == [2011, 2011, 2011, 2012, 2012, 2012]
    # a date kept at noon UTC (to be the same day in any zone) is no midnight: it stays as written
    for row, d in zip(rows, booked, strict=True):
        row[1] = f"{d:%Y-%m-%d}T12:00:00Z"
    bank_tape.write_text("\n".join([lines[0], *(",".join(row) for row in rows)]) + "\n")
    noon = parse_loan_file(bank_tape)
    assert noon.rows["origination_date"].to_list() == [d.date() for d in booked]
    assert "dates_from_local_midnights" not in noon.notes
    # real times of day are no midnights: the dates stay as written
    for row, hour in zip(rows, (9, 14, 23, 8, 17, 12), strict=True):
        row[1] = f"2011-12-0{rows.index(row) + 1}T{hour:02d}:30:00Z"
    bank_tape.write_text("\n".join([lines[0], *(",".join(row) for row in rows)]) + "\n")
    timed = parse_loan_file(bank_tape)
    assert [d.isoformat() for d in timed.rows["origination_date"]] == [f"2011-12-0{n}" for n in range(1, 7)]
    assert "dates_from_local_midnights" not in timed.notes
    # an end-of-day stamp, 23:59 UTC, is no zone's midnight (none is 1 minute east of UTC): it keeps its date
    for n, row in enumerate(rows):
        row[1] = f"2011-12-0{n + 1}T23:59:00Z"
    bank_tape.write_text("\n".join([lines[0], *(",".join(row) for row in rows)]) + "\n")
    end_of_day = parse_loan_file(bank_tape)
    assert [d.isoformat() for d in end_of_day.rows["origination_date"]] == [f"2011-12-0{n}" for n in range(1, 7)]
    assert "dates_from_local_midnights" not in end_of_day.notes


def test_a_reporting_quarter_reads_with_the_quarter_format(bank_tape):
    """A quarterly servicer tape names its period `2024Q2` (or `2024-Q2`, `Q2 2024`, `2Q24`): strftime
    has no quarter code, so no mapping could read it and every loan was quarantined. Format
    `quarter` reads them: the snapshot is the quarter's last day, an origination its first."""
    lines = bank_tape.read_text().splitlines()
    periods = ["2024Q2", "2024-q2", "Q2 2024", "2Q24", "Q2/2024", "2024Q5"]
    bank_tape.write_text("\n".join([lines[0] + ",period", *(f"{line},{p}" for line, p in zip(lines[1:], periods))]) + "\n")
    _map(bank_tape, UNTYPED | {"period": {"to": "snapshot_date", "type": "date", "format": "quarter"}})
    parsed = parse_loan_file(bank_tape)
    parsed.reconcile()
    assert [d.isoformat() for d in parsed.rows["snapshot_date"]] == ["2024-06-30"] * 5
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (7, "period", "unparsable_date", "2024Q5")]
    _map(bank_tape, {k: v for k, v in UNTYPED.items() if k != "booked"}
         | {"period": {"to": "origination_date", "type": "date", "format": "quarter"}})
    booked = parse_loan_file(bank_tape)
    assert [d.isoformat() for d in booked.rows["origination_date"]] == ["2024-04-01"] * 5


def test_the_unicode_minus_sign_of_nordic_locales_is_a_minus(tmp_path):
    """Java and ICU write negative numbers for Swedish, Finnish and Norwegian with U+2212 (−180,00),
    not '-': it was quarantined as unparsable with no hint. It is a minus: the amount is then judged
    as '-180,00' is (no loan amount is negative), and so is one after the digits (18−, as SAP writes
    '-' there)."""
    tape = tmp_path / "sv_2024.csv"
    tape.write_text("ref;amount\nS1;\u2212180,00\nS2;-180,00\nS3;12\u00a0000,50\nS4;18\u2212\n", encoding="utf-8")
    (tmp_path / "sv_2024.csv.mapping.json").write_text(json.dumps({
        "name": "sv", "dialect": {"delimiter": ";", "decimal": ",", "thousands": " "},
        "columns": {"ref": {"to": "source_loan_id"}, "amount": {"to": "loan_amount"}}}))
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.rows.select("source_loan_id", "loan_amount").rows() == [("S3", 12000.5)]
    assert parsed.quarantine.select("line", "rule", "raw_value").rows() == [
        (2, "non_positive_amount", "\u2212180,00"), (3, "non_positive_amount", "-180,00"), (5, "non_positive_amount", "18\u2212")]


@pytest.mark.parametrize("declared", [None, "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S.%fZ"])
def test_local_midnights_with_a_real_time_among_them_still_read_as_local_dates(tmp_path, declared):
    """Twenty loans booked at Berlin midnights, written by toISOString(), and one of them edited by
    hand at 09:15 UTC: the one real time switched the reading off, and the 19 others loaded a day
    early. 90% of ten or more values at the local-midnight times is such a column; the real time
    keeps its date as written, and the note says so. A mapping that writes the ISO format out in
    full reads as one that names none."""
    from datetime import UTC, date, datetime, timedelta
    from zoneinfo import ZoneInfo

    booked = [date(2011, 1, 1) + timedelta(days=17 * n) for n in range(20)]
    written = [datetime.combine(d, datetime.min.time(), ZoneInfo("Europe/Berlin")).astimezone(UTC)
               .strftime("%Y-%m-%dT%H:%M:%S.000Z") for d in booked]
    written[7] = f"{booked[7]:%Y-%m-%d}T09:15:00.000Z"
    tape = tmp_path / "js_tape.csv"
    tape.write_text("ref,booked,amount\n" + "".join(f"L{n},{w},5000\n" for n, w in enumerate(written)))
    booked_spec = {"to": "origination_date"} | ({"format": declared} if declared else {})
    _map(tape, {"ref": {"to": "source_loan_id"}, "booked": booked_spec, "amount": {"to": "loan_amount"}})
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.rows.sort("_source_line")["origination_date"].to_list() == booked
    assert parsed.notes["dates_from_local_midnights"]["booked"].startswith("19 values at 22:00 and 23:00 UTC")
    assert parsed.notes["dates_from_local_midnights"]["booked"].endswith("1 values at other times kept their date as written")


@pytest.mark.parametrize("zone", ["Europe/Berlin", "UTC"])
def test_a_spark_int96_timestamp_is_a_utc_instant_and_its_local_midnights_read_as_local_dates(data_dir, tmp_path,
                                                                                             zone):
    """Spark's legacy Parquet timestamp (INT96, as Hive and Impala write it too) stores UTC instants
    with no zone in the schema: a Spark session in Berlin writes 28 February's midnight as 27 February
    23:00, and every real SBA approval loaded a day early. An INT96 column is read as UTC, so its local
    midnights give the local dates (note `dates_from_local_midnights`), as a timestamp marked UTC
    does; one written at midnight UTC (Impala's wall clock, stored as is) keeps its date."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    import pyarrow as pa
    import pyarrow.parquet as pq

    with gzip.open(data_dir / "loans" / "sba_national.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        rows = list(islice(csv.reader(handle), 13))
    sba = parse_loan_file(_write_rows(tmp_path / "sba.csv", rows)).rows.sort("_source_line")
    approved = sba["origination_date"].to_list()
    instants = [datetime.combine(d, datetime.min.time(), ZoneInfo(zone)).astimezone(UTC).replace(tzinfo=None)
                for d in approved]
    table = pa.table({"loan_nr": sba["source_loan_id"].to_list(), "approval_ts": pa.array(instants, pa.timestamp("ns")),
                      "gr_appv": sba["loan_amount"].to_list(), "status": sba["loan_status"].to_list()})
    tape = tmp_path / "spark_sba.parquet"
    pq.write_table(table, tape, use_deprecated_int96_timestamps=True)
    assert pq.ParquetFile(tape).schema.column(1).physical_type == "INT96"
    (tmp_path / "spark_sba.parquet.mapping.json").write_text(json.dumps({
        "name": "spark_sba", "status_map": {"P I F": 0, "CHGOFF": 1},
        "columns": {"loan_nr": {"to": "source_loan_id"}, "approval_ts": {"to": "origination_date", "type": "date"},
                    "gr_appv": {"to": "loan_amount", "type": "money"}, "status": {"to": "loan_status"}}}))
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.quarantine.height == 0
    assert parsed.rows.sort("_source_line")["origination_date"].to_list() == approved
    assert parsed.notes["timestamps_dated_in_their_zone"] == {"approval_ts": "UTC"}
    assert ("dates_from_local_midnights" in parsed.notes) == (zone != "UTC")


def _write_rows(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


_EU_HEADER_TAPE = "Vertrag;Darlehensbetrag (€);Auszahlung;Geschäftszweck\nA1;12.000,00;31.01.2024;Auto\nA2;2.500,50;15.02.2024;Bau\n"
"""A German lender's tape whose header names are beyond ASCII and whose values are not."""


def _eu_header_mapping(folder: Path, encoding: str | None, name: str = "eu_2024.csv.mapping.json",
                       applies_to: list[str] | None = None) -> Path:
    dialect = {"delimiter": ";", "decimal": ",", "thousands": "."} | ({"encoding": encoding} if encoding else {})
    mapping = folder / name
    mapping.write_text(json.dumps({
        "name": "eu", "currency": "EUR", "dialect": dialect, **({"applies_to": applies_to} if applies_to else {}),
        "columns": {"Vertrag": {"to": "source_loan_id"}, "Darlehensbetrag (€)": {"to": "loan_amount", "type": "money"},
                    "Auszahlung": {"to": "origination_date", "type": "date", "format": "%d.%m.%Y"},
                    "Geschäftszweck": {"to": "purpose"}}},
        ensure_ascii=False), encoding="utf-8")
    return mapping


def test_a_utf8_tape_whose_header_names_are_beyond_ascii_under_cp1252_gets_the_encoding_message(tmp_path):
    """The header is the only text beyond ASCII: read as the declared cp1252 it is
    `Darlehensbetrag (â‚¬)`, which no mapping names, so the tape was refused as fitting no mapping.
    The refusal is the encoding's, as for a UTF-8 body: line 1, the bytes, both readings, declare
    UTF-8; from a sidecar and from a mappings folder's mapping alike."""
    tape = tmp_path / "eu_2024.csv"
    tape.write_bytes(_EU_HEADER_TAPE.encode("utf-8"))
    _eu_header_mapping(tmp_path, "cp1252")
    says = (f"{tape}: line 1: bytes 0xe2 0x82 0xac are UTF-8 for '€': the text there reads 'hensbetrag (€);Auszahlun' "
            "as UTF-8 and 'hensbetrag (â‚¬);Auszahlun' as the declared cp1252, which would load it garbled; the file is "
            'UTF-8: declare "encoding": "utf-8" in its column mapping\'s dialect (or drop dialect.encoding: UTF-8 is '
            "the default)")
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(tape)
    assert str(refused.value) == says
    (tmp_path / "eu_2024.csv.mapping.json").unlink()
    folder = tmp_path / "mappings"
    folder.mkdir()
    _eu_header_mapping(folder, "cp1252", "eu.json", applies_to=["eu_*.csv"])
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(tape, mapping_dirs=[folder])
    assert str(refused.value) == says


def test_a_cp1252_tape_whose_header_names_are_beyond_ascii_under_utf8_names_the_byte_and_cp1252(tmp_path):
    """The mirror: a Windows export (cp1252) under a mapping that declares no encoding (UTF-8): the
    header's `ü` (0xFC) is no UTF-8, and the refusal names the byte and says the header reads as the
    mapping's columns in cp1252, instead of "no mapping fits". Declared, the tape loads."""
    tape = tmp_path / "eu_2024.csv"
    tape.write_bytes(_EU_HEADER_TAPE.encode("cp1252"))
    _eu_header_mapping(tmp_path, None)
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(tape)
    assert str(refused.value) == (
        f"{tape}: byte offset 25 (line 1): byte 0x80 is not valid utf-8 (as Windows-1252 the text there reads "
        "'hensbetrag (€);Auszahlun'); declare the file's encoding in its column mapping (dialect.encoding): the "
        "header reads as mapping 'eu''s columns in cp1252 (\"encoding\": \"cp1252\")")
    _eu_header_mapping(tmp_path, "cp1252")
    parsed = parse_loan_file(tape)
    assert parsed.rows.select("source_loan_id", "loan_amount").rows() == [("A1", 12000.0), ("A2", 2500.5)]


def _workbook(path: Path, header: list[str], rows: list[list[object]], formats: dict[int, str] | None = None) -> Path:
    """An .xlsx of one sheet: the header, then `rows` as cells typed as given (a str is a text cell,
    a number a number cell), column index -> number format for the number cells of that column."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Darlehen"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
        for i, number_format in (formats or {}).items():
            sheet.cell(row=sheet.max_row, column=i + 1).number_format = number_format
    book.save(path)
    return path


def test_a_workbook_s_text_cells_are_read_in_the_mappings_dialect_and_its_number_cells_by_their_number(tmp_path):
    """A German lender's workbook whose amounts were pasted as text (`1.234,56`, `€ 2.000,00`) beside
    number cells (12500.5, one under a `#,##0.00 €` format) and a rate column of text (`7,5`) and
    numbers (8.25, one shown as 9.90 %): under the mapping's decimal comma and '.' thousands the text
    cells read as its CSV's do, the number cells as their numbers. A text `1.250` is one '.ddd'
    group, thousands or decimals, so it is ambiguous_number as in the CSV."""
    tape = _workbook(tmp_path / "darlehen_2024-01.xlsx", ["Vertrag", "Betrag", "Zins"], [
        ["D1", "1.234,56", "7,5"], ["D2", 12500.5, 8.25], ["D3", "€ 2.000,00", "12,25"], ["D4", 3000.25, 0.099],
        ["D5", "1.250", "8"]], formats={})
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(tape)
    book.active["B5"].number_format = '#,##0.00 [$€-407]'
    book.active["C5"].number_format = "0.00%"
    book.save(tape)
    (tmp_path / "darlehen_2024-01.xlsx.mapping.json").write_text(json.dumps({
        "name": "darlehen", "portfolio": "darlehen", "currency": "EUR",
        "dialect": {"delimiter": ";", "encoding": "cp1252", "decimal": ",", "thousands": "."},
        "columns": {"Vertrag": {"to": "source_loan_id"}, "Betrag": {"to": "loan_amount", "type": "money"},
                    "Zins": {"to": "int_rate", "type": "percent"}}}))
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.rows.select("source_loan_id", "loan_amount", "int_rate").rows() == [
        ("D1", 1234.56, 0.075), ("D2", 12500.5, 0.0825), ("D3", 2000.0, 0.1225), ("D4", 3000.25, 0.099)]
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (6, "Betrag", "ambiguous_number", "1.250")]


def test_a_pence_column_written_as_text_in_major_units_is_quarantined_in_parquet_and_workbooks_too(tmp_path):
    """A `money_minor` (pence) column that a system exported as strings: `5000.00`, `2500.0` and, in a
    decimal-comma dialect, `5000,00` and `2.500,00` are written in pounds, as a CSV's are, and read as pence they
    would load a hundredth of their value: `amount_in_major_units`, in a Parquet string column and in
    a workbook's text cells alike. Whole pence load (grouped in threes too); a Parquet float column's
    whole cents and a workbook's number cells are numbers, read by their value."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {"ref": {"to": "source_loan_id"}, "pence": {"to": "loan_amount", "type": "money_minor"}}
    tape = tmp_path / "gbbank_2024.parquet"
    pq.write_table(pa.table({"ref": ["G1", "G2", "G3", "G4"], "pence": ["500000", "5000.00", "300,000", "2500.0"],
                             "fee_pence": pa.array([1500.0, 2000.0, 2500.0, 3000.0])}), tape)
    _map(tape, columns | {"fee_pence": {"to": "revol_bal", "type": "money_minor"}})
    (tmp_path / "gbbank_2024.parquet.mapping.json").write_text(
        (tmp_path / "gbbank_2024.parquet.mapping.json").read_text().replace('"name": "bank"', '"name": "bank", "currency": "GBP"'))
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.rows.select("source_loan_id", "loan_amount", "revol_bal").rows() == [
        ("G1", 5000.0, 15.0), ("G3", 3000.0, 25.0)]
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (2, "pence", "amount_in_major_units", "5000.00"), (4, "pence", "amount_in_major_units", "2500.0")]

    book = _workbook(tmp_path / "gbbank_2024.xlsx", ["ref", "pence"],
                     [["G1", "500000"], ["G2", "5000,00"], ["G3", 250000], ["G4", "2.500,00"]])
    _map(book, columns)
    sidecar = tmp_path / "gbbank_2024.xlsx.mapping.json"
    sidecar.write_text(sidecar.read_text().replace(
        '"name": "bank"', '"name": "bank", "currency": "GBP", "dialect": {"decimal": ",", "thousands": "."}'))
    parsed = parse_loan_file(book)
    parsed.reconcile()
    assert parsed.rows.select("source_loan_id", "loan_amount").rows() == [("G1", 5000.0), ("G3", 2500.0)]
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (3, "pence", "amount_in_major_units", "5000,00"), (5, "pence", "amount_in_major_units", "2.500,00")]
