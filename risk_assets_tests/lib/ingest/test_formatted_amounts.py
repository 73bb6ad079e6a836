"""A LendingClub file opened in Excel and saved again with the amount columns formatted as
Currency or Accounting (`" $ 5,000.00 "`, and `" $ -   "` for a zero): the same loans, the same
amounts, as the plain download; an amount marked with another currency is no USD amount."""

from __future__ import annotations

import csv
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
    neither read as a zero nor as missing (`unparsable_number`)."""
    rows = [row[:] for row in lc_rows[:5]]
    amount, balance = rows[0].index("loan_amnt"), rows[0].index("revol_bal")
    rows[1][amount] = "€5,000.00"
    rows[2][amount] = " $ -   "
    rows[3][balance] = "-"
    parsed = parse_loan_file(_write(tmp_path / "marked.csv", rows))
    parsed.reconcile()
    assert parsed.quarantine.select("line", "column_name", "rule").rows() == [
        (2, "loan_amnt", "currency_mismatch"), (3, "loan_amnt", "non_positive_amount"), (4, "revol_bal", "unparsable_number")]
    assert parsed.rows.get_column("revol_bal").to_list() == [float(lc_rows[4][balance])]


def test_a_semicolon_lendingclub_file_is_refused_saying_which_dialect_to_declare(lc_rows, tmp_path):
    """A continental European Excel saves CSV with ';' and decimal commas: the refusal names the
    built-in format its header is, and the dialect a mapping must declare to read it."""
    path = tmp_path / "lc_excel_de.csv"
    path.write_text("\n".join(";".join(v.replace(".", ",") for v in row) for row in lc_rows[:6]) + "\n",
                    encoding="cp1252")
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(path)
    assert "built-in lendingclub format's separated by ';'" in str(refused.value)
    assert '"dialect": {"delimiter": ";", "decimal": ",", "thousands": "."}' in str(refused.value)


def test_a_fixed_width_report_is_refused_without_sending_the_user_to_a_mapping(lc_rows, tmp_path):
    """Columns aligned by spaces, no delimiter: no mapping can declare column positions, so the
    refusal says to export the tape delimited, not to declare a mapping."""
    keep = [lc_rows[0].index(c) for c in ("loan_amnt", "term", "annual_inc", "addr_state", "loan_status")]
    table = [[row[i] for i in keep] for row in lc_rows[:6]]
    widths = [max(len(row[i]) for row in table) + 2 for i in range(len(keep))]
    path = tmp_path / "lc_report.txt"
    path.write_text("\n".join("".join(v.ljust(w) for v, w in zip(row, widths)) for row in table) + "\n")
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(path)
    assert "a fixed-width layout" in str(refused.value) and "export the tape with a delimiter" in str(refused.value)
    assert "Declare a column mapping" not in str(refused.value)


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
