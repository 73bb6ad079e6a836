"""A mapped column the tape leaves empty on every loan, and a totals row with no label at the foot of
a tape: each is said in the file's notes (and the totals row quarantined under a rule of its own),
never loaded in silence."""

from __future__ import annotations

import json
from pathlib import Path

from risk_assets.lib.ingest.landing import summarise_notes
from risk_assets.lib.ingest.loan_formats import parse_loan_file
from risk_assets.lib.ingest.note_meanings import notes_markdown

ACME = {
    "name": "acme", "portfolio": "acme", "currency": "USD",
    "columns": {
        "loan_id": {"to": "source_loan_id", "required": True},
        "issue_date": {"to": "origination_date", "type": "date", "format": "%Y-%m-%d", "required": True},
        "amount": {"to": "loan_amount", "type": "money", "required": True},
        "rate": {"to": "int_rate", "type": "percent"},
        "term": {"to": "term_months", "type": "term"},
        "income": {"to": "annual_income", "type": "money"},
        "dti": {"to": "dti", "type": "number"},
        "new_biz": {"to": "new_business", "type": "flag"},
        "status": {"to": "loan_status", "required": True},
    },
    "status_map": {"Fully Paid": 0, "Charged Off": 1, "Current": None},
}
HEADER = "loan_id,issue_date,amount,rate,term,income,dti,new_biz,status"
AMOUNTS = [7800, 25100, 20900, 6200, 14300, 9100, 30000, 11800, 5400, 17600,
           22400, 8900, 13300, 26700, 4100, 19900, 3800, 22100, 28600, 21000]
STATUSES = ["Charged Off", "Fully Paid", "Current", "Fully Paid"]


def _rows(rate: bool = True, income: bool = True) -> list[str]:
    return [f"{9000 + k},2023-{k % 12 + 1:02d}-15,{amount:.2f},{f'{11 + k * 0.37:.2f}' if rate else ''},"
            f"{36 if k % 2 else 60},{f'{60000 + k * 4000:.2f}' if income else ''},{5 + k * 0.9:.2f},{k % 2},"
            f"{STATUSES[k % 4]}" for k, amount in enumerate(AMOUNTS)]


def _tape(tmp_path: Path, name: str, lines: list[str]) -> Path:
    tape = tmp_path / name
    tape.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    tape.with_name(name + ".mapping.json").write_text(json.dumps(ACME), encoding="utf-8")
    return tape


def test_mapped_columns_empty_on_every_loan_are_noted_with_what_loads(tmp_path):
    """`rate` and `income` blank on all 20 loans: int_rate and annual_income load NULL, and the
    notes name both columns, what loads and that the PD model reads them."""
    parsed = parse_loan_file(_tape(tmp_path, "acme_10_emptycols.csv", _rows(rate=False, income=False)))
    assert parsed.rows.height == 20 and parsed.quarantine.height == 0
    assert parsed.rows["int_rate"].null_count() == 20 and parsed.rows["annual_income"].null_count() == 20
    assert parsed.notes["column_empty"] == {"rate": "int_rate NULL on all 20 rows, a PD input",
                                            "income": "annual_income NULL on all 20 rows, a PD input"}
    table = notes_markdown({"acme_10_emptycols.csv": summarise_notes(parsed.notes)})
    assert ("| acme_10_emptycols.csv | column_empty |  | mapped columns present but empty on every data row: "
            "each loads NULL (unknown) for every loan of the file, never 0;") in table
    assert "(rate: int_rate NULL on all 20 rows, a PD input; income: annual_income NULL on all 20 rows, a PD input)" \
        in table


def test_a_column_filled_on_one_loan_is_not_noted_empty(tmp_path):
    rows = _rows(rate=False)
    rows[7] = rows[7].replace(",,36,", ",12.50,36,").replace(",,60,", ",12.50,60,")
    parsed = parse_loan_file(_tape(tmp_path, "acme_one_rate.csv", rows))
    assert parsed.rows["int_rate"].null_count() == 19
    assert "column_empty" not in parsed.notes


def test_a_totals_row_without_a_label_is_quarantined_as_one_comparing_its_amount_with_the_sum(tmp_path):
    """Line 22 of a 20-loan tape holds only an amount, 100 more than the 20 loans' (371,500.00): no
    id, no label, nothing but the amount. It is a totals row without its label, quarantined once under
    `unlabelled_total` (not as three empty required cells), its message comparing the amount with
    the sum, and the gap is named by raw_loans_footer_totals as a labelled row's is."""
    total = sum(AMOUNTS)
    assert total == 319000
    parsed = parse_loan_file(_tape(tmp_path, "acme_13_totals.csv", _rows() + [f",,{total + 100:.2f},,,,,,"]))
    assert parsed.rows.height == 20
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value", "message").rows() == [(
        22, "amount", "unlabelled_total", "319100.00",
        "column amount: '319100.00' is an amount in a row below the last loan with no id, no label and no other "
        "value: a totals row without its label; 319,100.00 against 319,000.00, the sum of amount over the 20 "
        "record(s) above it, loaded and quarantined alike: it does not match (-100.00): a loan line was lost "
        "before the file landed, or the total is wrong (check raw_loans_footer_totals)")]
    assert parsed.notes["footer_totals"] == {"total row, line 22: amount": {
        "line": 22, "footer": "(no label)", "column": "amount", "target": "loan_amount", "stated": 319100.0,
        "summed": 319000.0, "rows": 20, "matches": False}}
    parsed.reconcile()  # 21 records: 20 loaded, 1 quarantined
    from risk_assets.lib.quality.footers import _total_row_mismatch

    assert _total_row_mismatch(parsed.notes["footer_totals"]["total row, line 22: amount"], 1) == (
        "the totals row '(no label)' states amount 319,100.00, the 20 record(s) above it, loaded and quarantined "
        "alike, sum to 319,000.00 (-100.00); 1 row(s) of the file are quarantined")


def test_an_unlabelled_total_above_a_count_and_total_trailer_is_still_one(tmp_path):
    """The finder's tape: the unlabelled total (line 22), then `20,,<sum>` (line 23), which holds a
    value in the id column and so stays a record, quarantined for its empty date and status."""
    total = sum(AMOUNTS)
    parsed = parse_loan_file(_tape(tmp_path, "acme_13_totals.csv", _rows() + [f",,{total + 100:.2f},,,,,,",
                                                                              f"20,,{total:.2f},,,,,,"]))
    assert parsed.quarantine.select("line", "column_name", "rule").rows() == [
        (22, "amount", "unlabelled_total"), (23, "issue_date", "missing_value"), (23, "status", "missing_value")]


def test_a_loan_without_its_id_is_still_a_missing_value_not_a_total(tmp_path):
    """A loan whose id is blank but whose date, rate and status are given is a loan with a missing id,
    however far down it stands; so is an amount-only row with a loan below it."""
    rows = _rows()
    rows[-1] = "," + rows[-1].split(",", 1)[1]
    rows.insert(10, ",,5000.00,,,,,,")
    parsed = parse_loan_file(_tape(tmp_path, "acme_no_id.csv", rows))
    rules = parsed.quarantine.select("line", "column_name", "rule").rows()
    assert (22, "loan_id", "missing_value") in rules and (12, "loan_id", "missing_value") in rules
    assert not [r for r in rules if r[2] == "unlabelled_total"]
    assert "footer_totals" not in parsed.notes
