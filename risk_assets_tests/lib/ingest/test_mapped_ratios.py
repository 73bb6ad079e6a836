"""A lender's own loan tape whose ratios carry a '%' or are written as fractions: each loads into
its lake column's own unit, exactly (dti in percent points, int_rate and revol_util as fractions)."""

import json

import pytest

from risk_assets.lib.ingest.loan_formats import parse_loan_file

HEADER = "Acct_No,Orig_Dt,Orig_Bal,Int_Rt,DTI_Pct,Revol_Util,Branch_Cd,Status\n"
LOANS = [("100234", "01/15/2021", "12000.00", "7.89%", "23.13%", "0.07%", "014", "ACTIVE"),
         ("100235", "02/03/2021", "8500.00", "13.56%", "9.8%", "56.2%", "999", "PAIDOFF"),
         ("100236", "02/17/2021", "20000.00", "7.07%", "31.07%", "83.7%", "022", "CO")]


def _corebank(tmp_path, dti: dict, sentinels: dict | None = None, loans=LOANS):
    tape = tmp_path / "LOANTAPE_M1.csv"
    tape.write_text(HEADER + "".join(",".join(loan) + "\n" for loan in loans), encoding="utf-8")
    (tmp_path / "LOANTAPE_M1.csv.mapping.json").write_text(json.dumps({
        "name": "corebank", "portfolio": "mybank", "currency": "USD",
        "columns": {"Acct_No": {"to": "source_loan_id", "required": True},
                    "Orig_Dt": {"to": "origination_date", "type": "date", "format": "%m/%d/%Y"},
                    "Orig_Bal": {"to": "loan_amount", "type": "money"},
                    "Int_Rt": {"to": "int_rate", "type": "percent"},
                    "DTI_Pct": {"to": "dti", **dti},
                    "Revol_Util": {"to": "revol_util", "type": "percent"},
                    "Status": {"to": "loan_status"}},
        "status_map": {"ACTIVE": None, "PAIDOFF": 0, "CO": 1},
        **({"sentinels": sentinels} if sentinels else {})}), encoding="utf-8")
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    return parsed


@pytest.mark.parametrize("kind", ["percent", "fraction", "basis_points"])
def test_a_dti_written_with_its_percent_sign_loads_in_percent_points(tmp_path, kind):
    """`23.13%` is 23.13 percent points in dti whichever rate type the column declares, and the
    fraction columns beside it get the decimal as written (0.07% is 0.0007, not 0.0007000000000000001)."""
    parsed = _corebank(tmp_path, {"type": kind})
    assert parsed.quarantine.height == 0
    assert parsed.rows.select("source_loan_id", "int_rate", "dti", "revol_util").rows() == [
        ("100234", 0.0789, 23.13, 0.0007), ("100235", 0.1356, 9.8, 0.562), ("100236", 0.0707, 31.07, 0.837)]


@pytest.mark.parametrize(("kind", "written"), [("fraction", ("0.2313", "0.098", "0.3107")),
                                               ("basis_points", ("2313", "980", "3107"))])
def test_a_dti_written_as_a_fraction_or_in_basis_points_loads_in_percent_points_exactly(tmp_path, kind, written):
    """0.2313 * 100 is 23.130000000000003 in floats: the decimal mark is moved instead."""
    loans = [(*loan[:4], dti, *loan[5:]) for loan, dti in zip(LOANS, written)]
    parsed = _corebank(tmp_path, {"type": kind}, loans=loans)
    assert parsed.quarantine.height == 0
    assert parsed.rows.get_column("dti").to_list() == [23.13, 9.8, 31.07]


def test_a_percent_signed_dti_declared_number_names_the_type_that_reads_it(tmp_path):
    parsed = _corebank(tmp_path, {"type": "number"})
    assert parsed.rows.height == 0
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (2, "DTI_Pct", "unparsable_number", "23.13%"), (3, "DTI_Pct", "unparsable_number", "9.8%"),
        (4, "DTI_Pct", "unparsable_number", "31.07%")]
    assert parsed.quarantine["message"][0] == (
        "column DTI_Pct: '23.13%' is not a number in the file's dialect; it carries a percent sign, in a column "
        "declared 'number': declare the mapping column's \"type\": \"percent\", which reads '23.13%' into dti in "
        "percent points")


def test_a_sentinel_on_a_column_kept_only_in_source_fields_holds_its_loan_out_naming_the_remedy(tmp_path):
    """Branch_Cd fills no lake column, yet its declared code 999 holds the loan out as one on a lake
    column does: the mapping declares the code no measurement. Each message says the loan is out of
    the lake, and the remedy for its column: drop the source-only column's declaration from the
    mapping (named), or write the lake column's cell empty in the tape."""
    loans = [(*loan[:4], "999" if n == 2 else loan[4], *loan[5:]) for n, loan in enumerate(LOANS)]
    parsed = _corebank(tmp_path, {"type": "percent"}, {"Branch_Cd": ["999"], "DTI_Pct": ["999"]}, loans)
    assert "sentinels_in_source_fields" not in parsed.notes
    assert parsed.rows.select("source_loan_id", "source_fields").rows() == [("100234", '{"Branch_Cd":"014"}')]
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (3, "Branch_Cd", "sentinel_value", "999"), (4, "DTI_Pct", "sentinel_value", "999")]
    held_out = ("is a sentinel code, not a measurement: the loan is held out of the lake, so out of the features "
                "and the PD model's training; ")
    assert parsed.quarantine["message"].to_list() == [
        "column Branch_Cd: '999' " + held_out + "Branch_Cd fills no lake column (it is kept only in "
        "source_fields), so if the lender wants such loans kept, remove 'Branch_Cd' from the \"sentinels\" of "
        f"mapping 'corebank' (in {tmp_path / 'LOANTAPE_M1.csv.mapping.json'}) and land the file again: the code "
        "is then kept in source_fields as written",
        "column DTI_Pct: '999' " + held_out + "if the code means 'unknown' for this lender and the loan should be "
        "kept with the value missing, leave the cell empty or write NULL in the tape, as a mapping has no "
        "setting that reads a code as missing, and land the file again"]


def test_a_percent_into_a_fraction_column_is_the_decimal_as_written(tmp_path):
    """83.7 / 100 is 0.8370000000000001 and 0.07 / 100 0.0007000000000000001 in floats."""
    loans = [(*loan[:4], loan[4].rstrip("%"), *loan[5:]) for loan in LOANS]
    parsed = _corebank(tmp_path, {"type": "number"}, loans=loans)
    assert parsed.rows.select("int_rate", "dti", "revol_util").rows() == [
        (0.0789, 23.13, 0.0007), (0.1356, 9.8, 0.562), (0.0707, 31.07, 0.837)]
