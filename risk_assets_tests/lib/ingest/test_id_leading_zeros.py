"""An all-digit loan id is one loan whatever leading zeros a tape writes: `00000001` in January's
tape and `1` in February's (the same tape opened and saved in Excel) share the key `bank:1`; the id
as written stays in source_loan_id and the notes count the ids whose zeros were set aside."""

from __future__ import annotations

import json
from itertools import islice

import pytest

from risk_assets.lib.ingest.landing import land_folder
from risk_assets.lib.ingest.loan_formats import key_id, parse_loan_file
from risk_assets.lib.lake import connect
from risk_assets.lib.quality.duplicates import conflicting_duplicates
from risk_assets.lib.report.loan_trace import trace_loan

MAPPING = {"name": "bank", "portfolio": "bank", "applies_to": ["bank_*.csv"],
           "columns": {"loan_id": {"to": "source_loan_id", "required": True},
                       "orig_date": {"to": "origination_date", "required": True},
                       "amount": {"to": "loan_amount", "required": True},
                       "status": {"to": "loan_status"}},
           "status_map": {"Fully Paid": 0, "Charged Off": 1, "Current": None}}


def _loans(data_dir, n: int) -> list[tuple[str, str]]:
    """(loan_amnt, loan_status) of the first n real LendingClub loans."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        rows = [line.rstrip("\r\n").split(",") for line in islice(handle, n + 1)]
    col = {name: i for i, name in enumerate(rows[0])}
    return [(r[col["loan_amnt"]], r[col["loan_status"]]) for r in rows[1:]]


def _tape(folder, name: str, ids: list[str], loans, status=None) -> None:
    lines = ["loan_id,orig_date,amount,status"]
    lines += [f"{i},2023-06-01,{amount},{status or written}" for i, (amount, written) in zip(ids, loans, strict=True)]
    (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("written, keyed", [("00000001", "1"), ("1", "1"), ("0", "0"), ("000", "0"),
                                            ("0010", "10"), ("B-0001", "B-0001"), ("0A1", "0A1"),
                                            ("012345678901234567890", "12345678901234567890"),
                                            ("０００１", "1"), ("Ｂ－０００１", "B-0001"),  # full-width forms
                                            ("١٠٠٠", "1000"), ("۰۰۱۲", "12"), ("१२३", "123")])  # Arabic-Indic, Persian, Devanagari
def test_an_all_digit_id_is_keyed_without_its_leading_zeros(written, keyed):
    assert key_id(written) == keyed


def test_two_monthly_tapes_of_the_same_loans_count_them_once(risk_home, data_dir, tmp_path):
    """January writes 00000001..00000020, February (re-saved in Excel) 1..20: 20 loans, two snapshots each."""
    loans = _loans(data_dir, 20)
    mappings = tmp_path / "mappings"
    mappings.mkdir()
    (mappings / "bank.mapping.json").write_text(json.dumps(MAPPING), encoding="utf-8")
    _tape(risk_home.landing_loans, "bank_asof_2024-01-31.csv", [f"{n:08d}" for n in range(1, 21)], loans, "Current")
    _tape(risk_home.landing_loans, "bank_asof_2024-02-29.csv", [str(n) for n in range(1, 21)], loans)
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_loans, "loans",
                    lambda p: parse_loan_file(p, mapping_dirs=[mappings]), "run-1", asset="raw_loans")
        assert con.execute("SELECT count(*), count(DISTINCT loan_key) FROM raw.loans").fetchone() == (40, 20)
        first = con.execute("SELECT loan_key, source_loan_id, strftime(snapshot_date, '%Y-%m-%d'), loan_amount "
                            "FROM raw.loans WHERE loan_key = 'bank:1' ORDER BY snapshot_date").fetchall()
        notes = dict(con.execute("SELECT regexp_extract(path, '[^/]+$'), notes FROM raw.landed_files").fetchall())
        assert conflicting_duplicates(con).success  # a re-delivery in a later snapshot, not a conflict
        by_short, by_padded, by_key = (trace_loan(con, q) for q in ("1", "00000001", "bank:00000001"))
    amount = float(loans[0][0])
    assert first == [("bank:1", "00000001", "2024-01-31", amount), ("bank:1", "1", "2024-02-29", amount)]
    assert json.loads(notes["bank_asof_2024-01-31.csv"])["source_loan_id_leading_zeros_set_aside"] == 20
    assert "source_loan_id_leading_zeros_set_aside" not in json.loads(notes["bank_asof_2024-02-29.csv"])
    assert by_short.found and by_short.lines == by_padded.lines == by_key.lines
    assert by_short.lines[0] == "loan bank:1"


def test_two_rows_of_one_file_whose_ids_differ_only_in_zeros_are_a_conflict_naming_both(risk_home, data_dir, tmp_path):
    loans = _loans(data_dir, 3)
    mappings = tmp_path / "mappings"
    mappings.mkdir()
    (mappings / "bank.mapping.json").write_text(json.dumps(MAPPING), encoding="utf-8")
    _tape(risk_home.landing_loans, "bank_asof_2024-01-31.csv", ["7", "007", "8"], [loans[0], loans[0], loans[2]])
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_loans, "loans",
                    lambda p: parse_loan_file(p, mapping_dirs=[mappings]), "run-1", asset="raw_loans")
        outcome = conflicting_duplicates(con)
    assert not outcome.success
    failures = outcome.failures.sort_values("line")
    assert failures[["record_key", "line", "column_name", "rule"]].values.tolist() == [
        ["bank:7", 2, "source_loan_id", "conflicting_duplicate"], ["bank:7", 3, "source_loan_id", "conflicting_duplicate"]]
    assert failures["raw_value"].tolist() == ["source_loan_id=7", "source_loan_id=007"]
    assert failures["message"].iloc[0] == ("loan bank:7 has 2 different versions in snapshot 2024-01-31 "
                                           "(ids as written: '007', '7'): line 2; line 3")
    assert failures["source_file"].iloc[0].endswith("bank_asof_2024-01-31.csv")


def test_a_sidecar_tape_keeps_the_id_as_written_in_source_loan_id(tmp_path):
    tape = tmp_path / "ids.csv"
    tape.write_text("ref,amount\n0042,5000\n42x,2500\n0,2400\n", encoding="utf-8")
    tape.with_name("ids.csv.mapping.json").write_text(json.dumps(
        {"name": "ids", "columns": {"ref": {"to": "source_loan_id"}, "amount": {"to": "loan_amount"}}}))
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.rows.select("loan_key", "source_loan_id").rows() == [("ids:42", "0042"), ("ids:42x", "42x"), ("ids:0", "0")]
    assert parsed.notes["source_loan_id_leading_zeros_set_aside"] == 1


def test_ids_in_full_width_digits_key_the_same_loans(risk_home, data_dir, tmp_path):
    """May's tape writes 1000..1019, June's (typed with an East Asian input method, or from a
    Shift_JIS system) the same ids in full-width digits: 20 loans, two snapshots each, the ids as
    written kept in source_loan_id and the folded ones counted in the notes."""
    loans = _loans(data_dir, 20)
    mappings = tmp_path / "mappings"
    mappings.mkdir()
    (mappings / "bank.mapping.json").write_text(json.dumps(MAPPING), encoding="utf-8")
    ascii_ids = [str(n) for n in range(1000, 1020)]
    wide_ids = [i.translate(str.maketrans("0123456789", "０１２３４５６７８９")) for i in ascii_ids]
    _tape(risk_home.landing_loans, "bank_asof_2024-05-31.csv", ascii_ids, loans, "Current")
    _tape(risk_home.landing_loans, "bank_asof_2024-06-30.csv", wide_ids, loans)
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_loans, "loans",
                    lambda p: parse_loan_file(p, mapping_dirs=[mappings]), "run-1", asset="raw_loans")
        assert con.execute("SELECT count(*), count(DISTINCT loan_key) FROM raw.loans").fetchone() == (40, 20)
        june = con.execute("SELECT source_loan_id FROM raw.loans WHERE loan_key = 'bank:1000' "
                           "AND snapshot_date = DATE '2024-06-30'").fetchone()[0]
        notes = dict(con.execute("SELECT regexp_extract(path, '[^/]+$'), notes FROM raw.landed_files").fetchall())
        found = trace_loan(con, wide_ids[0])
    assert june == "１０００"
    assert json.loads(notes["bank_asof_2024-06-30.csv"])["source_loan_id_width_folded"] == 20
    assert "source_loan_id_width_folded" not in json.loads(notes["bank_asof_2024-05-31.csv"])
    assert found.found and found.lines[0] == "loan bank:1000"
