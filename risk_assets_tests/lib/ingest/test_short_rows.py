"""Rows whose last cells are empty, written without their separators (Excel's text export leaves
them out): quarantined as malformed by default, with a message naming the dialect setting; read
with those cells empty when the mapping declares `pad_short_rows`. Built from real LendingClub
loans."""

from __future__ import annotations

import csv
import json
from itertools import islice
from pathlib import Path

import polars as pl
import pytest

from risk_assets.lib.ingest.loan_formats import parse_loan_file

COLUMNS = ("account", "loan_amnt", "annual_inc", "loan_status", "home_ownership", "verification_status")


def _mapping(pad: bool | None) -> dict:
    mapping = {
        "name": "excel_export",
        "columns": {
            "account": {"to": "source_loan_id", "required": True},
            "loan_amnt": {"to": "loan_amount", "type": "money", "required": True},
            "annual_inc": {"to": "annual_income", "type": "money"},
            "loan_status": {"to": "loan_status"},
            "home_ownership": {"to": "home_ownership"},
            "verification_status": {"to": "verification_status"},
        },
        "status_map": {"Fully Paid": 0, "Charged Off": 1, "Current": None},
    }
    if pad is not None:
        mapping["dialect"] = {"pad_short_rows": pad}
    return mapping


@pytest.fixture
def lc_loans(data_dir) -> list[dict[str, str]]:
    """The first 12 loans of the real LendingClub file, each given an account number (the file has
    no id column): 'LC' and its physical line."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8", newline="") as handle:
        return [{**loan, "account": f"LC{line}"} for line, loan in enumerate(islice(csv.DictReader(handle), 12), 2)]


def _excel_tape(tmp_path: Path, loans: list[dict[str, str]], pad: bool | None) -> Path:
    """The loans as Excel saves them when home ownership and verification status are cleared on
    every third loan and the verification status alone on every other loan: the separators of the empty cells at a row's end are left
    out. Returns the tape, with its sidecar mapping beside it."""
    lines = [",".join(COLUMNS)]
    for i, loan in enumerate(loans):
        values = [loan[c] for c in COLUMNS]
        keep = 4 if i % 3 == 0 else 5 if i % 2 == 0 else 6
        lines.append(",".join(values[:keep]))
    tape = tmp_path / "excel_export.csv"
    tape.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    (tmp_path / (tape.name + ".mapping.json")).write_text(json.dumps(_mapping(pad)))
    return tape


def test_short_rows_are_malformed_by_default_and_the_message_names_the_setting(lc_loans, tmp_path):
    parsed = parse_loan_file(_excel_tape(tmp_path, lc_loans, pad=None))
    parsed.reconcile()
    short_lines = [i + 2 for i in range(12) if i % 3 == 0 or i % 2 == 0]
    assert parsed.quarantine["line"].to_list() == short_lines
    assert set(parsed.quarantine["rule"]) == {"malformed_record"}
    first = parsed.quarantine.row(0, named=True)
    assert "expected 6 fields separated by ',', found 4" in first["message"]
    assert '"pad_short_rows": true' in first["message"]
    assert parsed.rows.height == 12 - len(short_lines)


def test_declared_short_rows_load_every_loan_with_the_missing_cells_empty(lc_loans, tmp_path):
    parsed = parse_loan_file(_excel_tape(tmp_path, lc_loans, pad=True))
    parsed.reconcile()
    assert parsed.quarantine.height == 0 and parsed.rows.height == 12
    rows = parsed.rows.sort("_source_line")
    assert rows["source_loan_id"].to_list() == [loan["account"] for loan in lc_loans]
    assert rows["loan_amount"].to_list() == [float(loan["loan_amnt"]) for loan in lc_loans]
    assert rows["annual_income"].to_list() == [float(loan["annual_inc"]) for loan in lc_loans]
    assert rows["home_ownership"].to_list() == [None if i % 3 == 0 else loan["home_ownership"]
                                               for i, loan in enumerate(lc_loans)]
    assert rows["verification_status"].to_list() == [
        None if i % 3 == 0 or i % 2 == 0 else loan["verification_status"] for i, loan in enumerate(lc_loans)]
    assert rows["home_ownership"][1] == "RENT" and rows["verification_status"][1] == "Source Verified"
    assert parsed.notes["short_rows_padded"] == [i + 2 for i in range(12) if i % 3 == 0 or i % 2 == 0]


def test_a_padded_row_that_lacks_a_required_value_is_quarantined_as_missing(lc_loans, tmp_path):
    tape = _excel_tape(tmp_path, lc_loans[:3], pad=True)
    lines = tape.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].split(",")[0]  # the account number alone
    tape.write_text("\n".join(lines) + "\n", encoding="utf-8")
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.quarantine.select("line", "column_name", "rule").rows() == [
        (3, "loan_amnt", "missing_value"), (3, "loan_status", "unknown_status")]
    assert parsed.rows["source_loan_id"].to_list() == ["LC2", "LC4"]


def test_pad_short_rows_must_be_a_boolean(lc_loans, tmp_path):
    tape = _excel_tape(tmp_path, lc_loans[:2], pad=None)
    (tmp_path / (tape.name + ".mapping.json")).write_text(json.dumps({**_mapping(None), "dialect": {"pad_short_rows": "yes"}}))
    with pytest.raises(Exception, match="pad_short_rows must be true or false"):
        parse_loan_file(tape)


def test_a_comment_line_between_loans_is_named_a_comment_and_a_declared_prefix_passes_it_over(lc_loans, tmp_path):
    """A script that concatenates batches writes `# --- batch 2 ---` between them: the line was
    quarantined with the advice to pad short rows, which would have loaded it as a loan of empty
    cells. The message says it is a comment and names the mapping setting that passes it over."""
    tape = _excel_tape(tmp_path, lc_loans[:4], pad=None)
    lines = [",".join(COLUMNS)] + [",".join(loan[c] for c in COLUMNS) for loan in lc_loans[:4]]
    lines.insert(3, "# --- batch 2, exported 2024-07-01 ---")
    tape.write_text("\n".join(lines) + "\n", encoding="utf-8")
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.quarantine.select("line", "rule").rows() == [(4, "malformed_record")]
    message = parsed.quarantine["message"][0]
    assert "a comment line ('#'), not a loan" in message and '"non_data_prefixes": ["#"]' in message
    assert "pad_short_rows" not in message and parsed.rows.height == 4

    (tmp_path / (tape.name + ".mapping.json")).write_text(json.dumps({**_mapping(None), "non_data_prefixes": ["#"]}))
    declared = parse_loan_file(tape)
    declared.reconcile()
    assert declared.quarantine.height == 0 and declared.rows.height == 4
    assert (4, "declared_non_data") in declared.non_data_lines


def test_a_last_record_cut_off_in_transfer_is_not_told_to_pad_short_rows(data_dir, tmp_path):
    """The header and first 20 real LendingClub loans, the file's last 40 bytes lost in transfer (no
    final line end): the short last record is malformed, and its message says the file ends
    mid-record; it suggested `"pad_short_rows": true`, which would load the cut record."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        text = "".join(islice(handle, 21))
    tape = tmp_path / "lc_cut_last.csv"
    tape.write_bytes(text.encode()[:-41])  # the line end and the 40 bytes before it
    parsed = parse_loan_file(tape)

    (line, message) = parsed.quarantine.filter(pl.col("rule") == "malformed_record").select("line", "message").row(0)
    header_fields = text.splitlines()[0].count(",") + 1
    found = text.encode()[:-41].decode().splitlines()[-1].count(",") + 1
    assert line == 21 and parsed.rows.height == 19
    assert message.endswith(f"expected {header_fields} fields separated by ',', found {found}: the file ends "
                            "mid-record, without a line end (cut short in transfer?): this last record lost its "
                            "end; compare the file with its source and land it whole")
    assert "pad_short_rows" not in message
