"""Every coded column the PD model reads as a category loads in its codes' spelling whatever the
case written: LendingClub's `purpose` too (`DEBT_CONSOLIDATION`, `Credit_Card`), as its grade,
home_ownership and verification_status do, so one purpose is never two categories. Built from
real LendingClub loans."""

from __future__ import annotations

import csv
from itertools import islice

from risk_assets.lib.ingest.loan_formats import parse_loan_file

COLUMNS = ("loan_amnt", "term", "home_ownership", "annual_inc", "loan_status")


def test_purpose_codes_in_another_case_load_in_their_codes_spelling(data_dir, tmp_path):
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8", newline="") as handle:
        loans = list(islice(csv.DictReader(handle), 5))
    purposes = ["DEBT_CONSOLIDATION", "Credit_Card", "credit_card", "Home improvement", "Other"]
    lines = [",".join((*COLUMNS, "purpose"))] + [",".join((*(loan[c] for c in COLUMNS), purpose))
                                                 for loan, purpose in zip(loans, purposes, strict=True)]
    tape = tmp_path / "lc_db_export.csv"
    tape.write_text("\n".join(lines) + "\n", encoding="utf-8")
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.quarantine.height == 0
    # a purpose that is no code in any case (`Home improvement`, a space for the underscore) stays as written
    assert parsed.rows.get_column("purpose").to_list() == [
        "debt_consolidation", "credit_card", "credit_card", "Home improvement", "other"]
    assert parsed.notes["codes_matched_ignoring_case"]["purpose"] == {
        "Credit_Card": 1, "DEBT_CONSOLIDATION": 1, "Other": 1}
