"""Money written with its currency: the F09 euro tape with '€' / 'EUR' marks and an accountant's
parentheses reads as the plain F09 does, in EUR; a pound amount in it, or a euro amount in a USD
tape, is quarantined as currency_mismatch, never read as a number."""

from __future__ import annotations

import json

import pytest

from risk_assets.lib.ingest.loan_formats import parse_loan_file
from risk_assets_tests.lib.ingest.conftest import MAPPINGS, write_euro_mapping

F09 = "F09_european_semicolon_cp1252.csv"


def _marked_f09(cases_dir, tmp_path, currency: str | None, marks: dict[str, str]):
    """F09 with each listed loan's amount rewritten (loan id -> amount text), money-typed, as a
    sidecar-mapped tape; returns the parsed file."""
    lines = (cases_dir / F09).read_bytes().decode("cp1252").split("\n")
    for i, line in enumerate(lines):
        fields = line.split(";")
        if fields[0] in marks:
            fields[2] = marks[fields[0]]
            lines[i] = ";".join(fields)
    tape = tmp_path / "eu_bank_2016.csv"
    tape.write_bytes("\n".join(lines).encode("cp1252"))
    mapping = json.loads((MAPPINGS / "f09.json").read_text())
    mapping["columns"]["loan_amnt"]["type"] = "money"
    mapping["columns"]["annual_inc"]["type"] = "money"
    if currency:
        mapping["currency"] = currency
    (tmp_path / (tape.name + ".mapping.json")).write_text(json.dumps(mapping))
    return parse_loan_file(tape)


def _amounts(parsed) -> dict[str, tuple[float, str]]:
    return {r["source_loan_id"]: (r["loan_amount"], r["currency"]) for r in parsed.rows.iter_rows(named=True)}


def test_euro_marks_read_as_the_plain_amounts_in_eur(cases_dir, tmp_path):
    plain = parse_loan_file(cases_dir / F09, [MAPPINGS])
    marked = _marked_f09(cases_dir, tmp_path, "EUR", {"74001": "12.000,00 €", "74002": "€1.299,99", "74004": "EUR 950,50"})
    marked.reconcile()
    assert {k: v for k, (v, _) in _amounts(marked).items()} == {r["source_loan_id"]: r["loan_amount"]
                                                                for r in plain.rows.iter_rows(named=True)}
    assert {c for _, c in _amounts(marked).values()} == {"EUR"}
    assert {c for c in plain.rows["currency"]} == {"USD"}  # a mapping without "currency": USD
    # and says so, since a book in pounds or euros would count as dollars in the overview's exposure
    assert plain.notes["currency_assumed"] == "USD" and "currency_assumed" not in marked.notes
    from risk_assets.lib.ingest.note_meanings import NOTE_MEANINGS

    assert NOTE_MEANINGS["currency_assumed"].startswith("the column mapping names no `currency`, so the tape's "
                                                        "amounts were taken as USD")


def test_another_currency_is_quarantined_not_read(cases_dir, tmp_path):
    parsed = _marked_f09(cases_dir, tmp_path, "EUR", {"74001": "£12,000.00", "74002": "(1.299,99)"})
    parsed.reconcile()
    rules = {(row["line"], row["column_name"]): row["rule"] for row in parsed.quarantine.iter_rows(named=True)}
    assert rules[(2, "loan_amnt")] == "currency_mismatch"
    assert rules[(3, "loan_amnt")] == "non_positive_amount"  # parentheses are a minus: -1,299.99
    message = parsed.quarantine.filter(parsed.quarantine["rule"] == "currency_mismatch")["message"][0]
    assert "'£12,000.00' is an amount marked with another currency than the tape's" in message


def test_a_usd_tape_refuses_euro_amounts(cases_dir, tmp_path):
    parsed = _marked_f09(cases_dir, tmp_path, None, {"74001": "12.000,00 €", "74002": "$1.299,99"})
    rules = {(row["line"], row["column_name"]): row["rule"] for row in parsed.quarantine.iter_rows(named=True)}
    assert rules[(2, "loan_amnt")] == "currency_mismatch"
    assert _amounts(parsed)["74002"] == (pytest.approx(1299.99), "USD")


def test_a_currency_that_is_no_iso_code_refuses_the_mapping(cases_dir, tmp_path):
    from risk_assets.lib.ingest.parsed import FileRefused

    with pytest.raises(FileRefused, match=r"'currency' must be an ISO 4217 code of three capital letters such as "
                                          r"'EUR', not '€'"):
        _marked_f09(cases_dir, tmp_path, "€", {})


def test_a_lake_from_before_the_currency_column_reads_its_loans_as_usd(tmp_path):
    import duckdb

    from risk_assets.lib.lake import connect

    lake = tmp_path / "lake.duckdb"
    with duckdb.connect(str(lake)) as con:  # raw.loans as it was made before it had the column
        con.execute("CREATE SCHEMA raw")
        con.execute("CREATE TABLE raw.loans (loan_key VARCHAR, loan_amount DOUBLE)")
        con.execute("INSERT INTO raw.loans VALUES ('lendingclub:1', 5000.0)")
    with connect(lake) as con:
        assert con.execute("SELECT loan_key, loan_amount, currency FROM raw.loans").fetchall() == [
            ("lendingclub:1", 5000.0, "USD")]


def test_dollar_marks_in_any_case_spacing_or_brackets_read_as_the_amount_in_a_usd_tape(data_dir, tmp_path):
    """The first 8 real LendingClub amounts written the ways servicer exports write dollars: a code
    in lower case, the code in brackets after the number, 'U.S. $', a bracketed minus after the
    code. Each reads as the plain amount (the minus as a minus); a peso mark is still another
    currency."""
    from itertools import islice

    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        rows = [line.rstrip("\r\n").split(",") for line in islice(handle, 9)]
    amount = rows[0].index("loan_amnt")
    plain = [float(row[amount]) for row in rows[1:]]
    written = [f"usd {plain[0]:,.0f}", f"$ {plain[1]:,.0f} (USD)", f"U.S. ${plain[2]:,.2f}", f"USD ({plain[3]:,.2f})",
               f"({plain[4]:,.2f} usd)", f"US $ {plain[5]:,.2f}", f"{plain[6]:,.2f}usd", f"MXN$ {plain[7]:,.0f}"]
    tape = tmp_path / "servicer.csv"
    tape.write_text("ref,amount\n" + "".join(f'L{i},"{text}"\n' for i, text in enumerate(written)))
    (tmp_path / "servicer.csv.mapping.json").write_text(json.dumps(
        {"name": "servicer", "columns": {"ref": "source_loan_id", "amount": {"to": "loan_amount", "type": "money"}}}))
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    loaded = dict(parsed.rows.select("source_loan_id", "loan_amount").rows())
    assert loaded == {"L0": plain[0], "L1": plain[1], "L2": plain[2], "L5": plain[5], "L6": plain[6]}
    assert parsed.quarantine.select("line", "rule", "raw_value").rows() == [
        (5, "non_positive_amount", f"USD ({plain[3]:,.2f})"), (6, "non_positive_amount", f"({plain[4]:,.2f} usd)"),
        (9, "currency_mismatch", f"MXN$ {plain[7]:,.0f}")]


def test_a_date_that_misses_the_declared_format_is_quarantined_naming_that_format(cases_dir, tmp_path):
    """F09 declares `%d.%m.%Y`: a loan whose date is written `01.03.11` is quarantined with a message
    that quotes the declared format, not the ISO default, and says what is wrong with the value."""
    lines = (cases_dir / F09).read_bytes().decode("cp1252").split("\n")
    fields = lines[1].split(";")
    fields[1] = "01.03.11"
    lines[1] = ";".join(fields)
    tape = tmp_path / "eu_bank_dates.csv"
    tape.write_bytes("\n".join(lines).encode("cp1252"))
    (tmp_path / (tape.name + ".mapping.json")).write_text((MAPPINGS / "f09.json").read_text())
    parsed = parse_loan_file(tape)
    entry = parsed.quarantine.filter(parsed.quarantine["rule"] == "unparsable_date").row(0, named=True)
    assert (entry["line"], entry["column_name"], entry["raw_value"]) == (2, "issue_date", "01.03.11")
    assert entry["message"] == ("column issue_date: '01.03.11' is not a date in the column's format '%d.%m.%Y' (as 28.02.1997): "
                                "its year is written in two digits (11) where the format reads four")


def test_rows_whose_currency_column_names_another_currency_than_the_tapes_are_quarantined(cases_dir, tmp_path):
    """A European lender's book export holds EUR, GBP and CHF loans with a `Währung` column: the
    column was ignored, and every amount loaded as the tape's EUR. The rows in another currency are
    quarantined (`row_currency_differs`, naming the column and code); the EUR rows load; an empty
    code is the tape's currency."""
    lines = (cases_dir / F09).read_bytes().decode("cp1252").split("\n")
    codes = ["Währung", "EUR", "GBP", "eur", "CHF", ""]
    body = [line for line in lines[1:] if line.strip()]
    tape = tmp_path / "eu_book_2016.csv"
    tape.write_bytes("\n".join(f"{line};{code}" for line, code in zip([lines[0], *body], codes + ["EUR"] * 20))
                     .encode("cp1252"))
    mapping = json.loads((MAPPINGS / "f09.json").read_text()) | {"currency": "EUR", "applies_to": ["eu_book_*.csv"]}
    (tmp_path / (tape.name + ".mapping.json")).write_text(json.dumps(mapping))
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.notes["row_currency_column"] == "Währung"
    currency = parsed.quarantine.filter(parsed.quarantine["column_name"] == "Währung")
    assert currency.select("line", "rule", "raw_value").rows() == [
        (3, "row_currency_differs", "GBP"), (5, "row_currency_differs", "CHF")]
    plain = parse_loan_file(cases_dir / F09, [MAPPINGS])  # the same loans without the column
    kept = set(plain.rows["_source_line"]) - {3, 5}
    assert set(parsed.rows["_source_line"]) == kept and set(parsed.rows["currency"]) == {"EUR"}


def test_a_currency_column_written_in_symbols_words_or_numeric_codes_is_read(cases_dir, tmp_path):
    """One value written `Euro`, or symbols (`€`, `£`), or ISO numeric codes (`978`, `826`) switched
    the column off, and the GBP rows loaded as EUR. A symbol, word or numeric code for the tape's
    currency is the tape's; any other value is quarantined with its row."""
    lines = (cases_dir / F09).read_bytes().decode("cp1252").split("\n")
    body = [line for line in lines[1:] if line.strip()]
    codes = ["Euro", "£", "978", "Dollar", "€"]  # F09's five loans
    tape = tmp_path / "eu_book_2016.csv"
    rows = [f"{line};{code}" for line, code in zip(body, codes + ["EUR"] * len(body))]
    tape.write_bytes("\n".join([lines[0] + ";ccy", *rows]).encode("cp1252"))
    mapping = json.loads((MAPPINGS / "f09.json").read_text()) | {"currency": "EUR", "applies_to": ["eu_book_*.csv"]}
    (tmp_path / (tape.name + ".mapping.json")).write_text(json.dumps(mapping))
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    currency = parsed.quarantine.filter(parsed.quarantine["column_name"] == "ccy")
    assert currency.select("line", "raw_value").rows() == [(3, "£"), (5, "Dollar")]


@pytest.mark.parametrize("written", ["EUR {}", "{} EUR", "EUR{}"])
def test_amounts_written_with_their_currency_code_on_the_first_rows_are_loans_not_column_labels(written, data_dir,
                                                                                                  tmp_path):
    """A euro tape in LendingClub's columns whose every amount carries its code ('EUR 5000'): the
    letters do not make its first rows a label row under the header; all its loans load, in EUR."""
    import csv

    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [next(reader) for _ in range(12)]
    amounts = [header.index(c) for c in ("loan_amnt", "annual_inc", "revol_bal")]
    tape = tmp_path / "kredite.csv"
    with open(tape, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header] + [[written.format(v) if i in amounts else v for i, v in enumerate(row)]
                                                 for row in rows])
    write_euro_mapping(tape)

    parsed = parse_loan_file(tape)

    parsed.reconcile()
    assert parsed.non_data_lines == [] and "column_labels" not in parsed.notes
    assert parsed.rows.height == 12 and parsed.quarantine.height == 0 and set(parsed.rows["currency"]) == {"EUR"}
    loaded = parsed.rows.sort("_source_line")
    assert loaded["loan_amount"].to_list() == [float(row[amounts[0]]) for row in rows]
    assert loaded["revol_bal"].to_list() == [float(row[amounts[2]]) for row in rows]
