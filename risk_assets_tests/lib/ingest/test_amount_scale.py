"""A lender's tape that writes its amounts in thousands (`Loan Amount (USD k)`, `annual_inc_000`)
loads through a mapping whose columns declare their `scale`: exactly (the decimal mark moved, no
float error), in any dialect, with an amount that so scaled holds a fraction of a cent quarantined,
never rounded; a scale that fits no amount column refuses the mapping."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from itertools import islice
from pathlib import Path

import pytest

from risk_assets.lib.ingest.loan_formats import parse_loan_file
from risk_assets.lib.ingest.parsed import FileRefused

N = 24
"""LendingClub sample loans used: among them revol_bal 32135 (line 23), which 32.135 * 1000 makes
32134.999999999996 in floats, and income 77385.19 (line 21), written 77.38519 in thousands."""

MAPPING = {
    "name": "acme_k", "currency": "USD", "as_of": "2012-01-01",
    "columns": {
        "Loan ID": {"to": "source_loan_id", "required": True},
        "Loan Amount (USD k)": {"to": "loan_amount", "type": "money", "scale": 1000, "required": True},
        "term": {"to": "term_months", "type": "term"},
        "annual_inc_000": {"to": "annual_income", "scale": 1000},
        "revol_bal_000": {"to": "revol_bal", "type": "money", "scale": 1000},
        "loan_status": {"to": "loan_status", "required": True},
    },
}


@pytest.fixture
def lc_rows(data_dir) -> list[dict[str, str]]:
    """The LendingClub sample's first N loans."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8", newline="") as handle:
        return list(islice(csv.DictReader(handle), N))


def _thousands(text: str, decimal: str = ".") -> str:
    """An amount as a tape in thousands writes it: 12252 -> '12.252', 5000 -> '5'."""
    return format(Decimal(text) / 1000, "f").replace(".", decimal)


def _tape(tmp_path: Path, lines: list[str], mapping: dict = MAPPING, name: str = "acme_k_2011.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", "utf-8")
    Path(f"{path}.mapping.json").write_text(json.dumps(mapping), "utf-8")
    return path


def test_a_tape_in_thousands_loads_each_amount_exactly_and_a_fraction_of_a_cent_is_quarantined(tmp_path, lc_rows):
    header = "Loan ID,Loan Amount (USD k),term,annual_inc_000,revol_bal_000,loan_status"
    lines = [header] + [f"LC{i},{_thousands(r['loan_amnt'])},{r['term']},{_thousands(r['annual_inc'])},"
                        f"{_thousands(r['revol_bal'])},{r['loan_status']}" for i, r in enumerate(lc_rows)]
    lines += ['X1,"$12.345",36 months,"1,234.5",0.0005,Fully Paid',  # 12.345 * 1000 is 12344.999999999998
              "X2,12.345678,36 months,24,13.648,Fully Paid",
              "X3,5,36 months,24.0001234,13.648,Charged Off"]
    parsed = parse_loan_file(_tape(tmp_path, lines))
    loaded = {key: values for key, *values in
              parsed.rows.select("source_loan_id", "loan_amount", "annual_income", "revol_bal").rows()}
    assert loaded == {**{f"LC{i}": [float(r["loan_amnt"]), float(r["annual_inc"]), float(r["revol_bal"])]
                         for i, r in enumerate(lc_rows)},
                      "X1": [12345.0, 1234500.0, 0.5]}
    assert loaded["LC21"][2] == 32135.0 and loaded["LC19"][1] == 77385.19
    said = ('is an amount in a column whose mapping declares a "scale" (1000: 12.5 thousand is 12,500.00) that, so '
            "scaled, holds a fraction of a cent (12.345678 thousand is 12,345.678): a cent has no fraction, so digits "
            "are out of place or the column is not in that scale; never rounded: correct the value, or the mapping's "
            "scale")
    assert parsed.quarantine.select("line", "column_name", "rule", "message").rows() == [
        (27, "Loan Amount (USD k)", "scaled_amount_fraction", f"column Loan Amount (USD k): '12.345678' {said}"),
        (28, "annual_inc_000", "scaled_amount_fraction", f"column annual_inc_000: '24.0001234' {said}")]


def test_a_decimal_comma_tape_in_thousands_reads_three_decimals_as_its_dollars(tmp_path, lc_rows):
    """`12,252` thousand in a decimal-comma tape is 12,252.00, not an English thousands group pasted in."""
    mapping = {**MAPPING, "dialect": {"delimiter": ";", "decimal": ","}}
    lines = ["Loan ID;Loan Amount (USD k);term;annual_inc_000;revol_bal_000;loan_status"] + [
        f"LC{i};{_thousands(r['loan_amnt'], ',')};{r['term']};{_thousands(r['annual_inc'], ',')};"
        f"{_thousands(r['revol_bal'], ',')};{r['loan_status']}" for i, r in enumerate(lc_rows[:4])]
    lines.append("X1;1.234,5;36 months;12,3456789;0;Fully Paid")
    parsed = parse_loan_file(_tape(tmp_path, lines, mapping))
    assert parsed.rows.select("source_loan_id", "loan_amount", "annual_income").rows() == [
        ("LC0", 5000.0, 24000.0), ("LC1", 2500.0, 30000.0), ("LC2", 2400.0, 12252.0), ("LC3", 10000.0, 49200.0)]
    assert parsed.quarantine.select("line", "rule", "raw_value").rows() == [(6, "scaled_amount_fraction", "12,3456789")]


@pytest.mark.parametrize(("column", "said"), [
    ({"to": "loan_amount", "type": "money", "scale": "thousands"},
     "'scale' 'thousands' must be what one written unit stands for: 1000 (thousands), 1000000 (millions), "
     "1000000000 (billions)"),
    ({"to": "loan_amount", "type": "money", "scale": 1024},
     "'scale' 1024 must be what one written unit stands for: 1000 (thousands)"),
    ({"to": "loan_amount", "type": "money_minor", "scale": 1000},
     "'scale' reads an amount written in major units with its decimals (12.5 thousand is 12,500.00); type "
     "'money_minor' takes none: declare 'money'"),
    ({"to": "dti", "type": "number", "scale": 1000},
     "'scale' states the unit of an amount in the tape's currency (loan_amount, installment, annual_income, "
     "revol_bal, disbursement_gross, gross_approved, sba_approved, chargeoff_principal, balance_gross), and 'dti' "
     "is none"),
], ids=["word", "not_a_power_of_1000", "cents", "ratio"])
def test_a_scale_that_fits_no_amount_column_refuses_the_mapping(tmp_path, column, said):
    mapping = {"name": "acme_k", "columns": {"Loan ID": "source_loan_id", "amount": column}}
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(_tape(tmp_path, ["Loan ID,amount", "1,12.5"], mapping))
    assert f"invalid column mapping: column 'amount': {said}" in str(refused.value)


def test_a_lendingclub_header_in_thousands_is_told_the_scale_that_reads_it(tmp_path, data_dir):
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8", newline="") as handle:
        lines = [",".join(row) for row in islice(csv.reader(handle), 6)]
    lines[0] = lines[0].replace("loan_amnt", "loan_amnt_000", 1)
    (tmp_path / "servicer_export.csv").write_text("\n".join(lines) + "\n", "utf-8")
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(tmp_path / "servicer_export.csv")
    assert ("'loan_amnt_000' (column 1) is loan_amnt with a unit or scale after it: rename the column as the format "
            "names it where its values are in the format's own unit (dollars, months, percent), else declare a column "
            "mapping that reads them (an amount in thousands, as loan_amnt_000 or 'Loan Amount (USD k)' writes it, is "
            "read by declaring the column's \"scale\": 1000, in millions 1000000; README, 'Your own loan tape')"
            ) in str(refused.value)
