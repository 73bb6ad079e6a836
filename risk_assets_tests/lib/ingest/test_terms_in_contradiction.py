"""Values of one SBA loan that contradict each other, as the real national file has them: loaded and
counted in the file's notes (the sample's figures stay what they were), never silently."""

from __future__ import annotations

import csv
import gzip
from itertools import islice
from pathlib import Path

from risk_assets.lib.ingest.loan_formats import parse_loan_file
from risk_assets.lib.ingest.note_meanings import note_cells


def _sba_tape(data_dir: Path, tmp_path: Path, edits: dict[int, dict[str, str]]) -> Path:
    """The header and first 8 loans of the real SBA national file, loan i (file line i + 1) with
    the columns of edits[i] written as given."""
    with gzip.open(data_dir / "loans" / "sba_national.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        header, *rows = list(islice(csv.reader(handle), 9))
    for i, columns in edits.items():
        for column, value in columns.items():
            rows[i][header.index(column)] = value
    tape = tmp_path / "sba.csv"
    with open(tape, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *rows])
    return tape


def test_a_paid_in_full_status_with_a_charge_off_is_noted_with_its_lines(data_dir, tmp_path):
    """`P I F` with ChgOffDate 15-Jun-02 (line 3) or with ChgOffPrinGr $12,345 (line 4) loaded as
    default flag 0 with no word: 4,927 loans of the real file are so. Both load, and the note names
    them; a CHGOFF loan with both columns (line 5) and a P I F one with $0.00 (the rest) are not."""
    tape = _sba_tape(data_dir, tmp_path, {
        1: {"ChgOffDate": "15-Jun-02"}, 2: {"ChgOffPrinGr": "$12,345.00 "},
        3: {"MIS_Status": "CHGOFF", "ChgOffDate": "15-Jun-02", "ChgOffPrinGr": "$12,345.00 "}})
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.quarantine.height == 0 and parsed.rows.height == 8
    assert parsed.rows["default_flag"].to_list() == [0, 0, 0, 1, 0, 0, 1, 0]  # line 8: a real CHGOFF
    assert parsed.notes["repaid_with_chargeoff"] == {"count": 2, "first": [3, 4]}
    assert "disbursed_before_origination" not in parsed.notes
    assert note_cells("repaid_with_chargeoff", parsed.notes["repaid_with_chargeoff"])[0] == "2"


def test_a_disbursement_before_approval_is_noted_with_its_lines(data_dir, tmp_path):
    """DisbursementDate 28-Feb-99 on a loan approved 15-Mar-04 loaded silently: 808 loans of the real
    file are disbursed before their approval date. They load, counted with their lines; a
    disbursement on the approval day (line 6) is no contradiction."""
    tape = _sba_tape(data_dir, tmp_path, {
        1: {"ApprovalDate": "15-Mar-04", "ApprovalFY": "2004", "DisbursementDate": "28-Feb-99"},
        4: {"DisbursementDate": "27-Feb-97"}, 5: {"DisbursementDate": "28-Feb-97"}})
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.quarantine.height == 0 and parsed.rows.height == 8
    assert parsed.notes["disbursed_before_origination"] == {"count": 2, "first": [3, 6]}
    assert "repaid_with_chargeoff" not in parsed.notes
