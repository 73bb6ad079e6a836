"""Loan tape parsing on the bad-input cases and the real sample data."""

from __future__ import annotations

import csv
import gzip
import json
import re
from datetime import date
from itertools import islice

import polars as pl
import pytest

from risk_assets.lib.ingest.loan_formats import parse_loan_file
from risk_assets.lib.ingest.parsed import FileRefused


def _by_id(parsed, loan_id: str) -> dict:
    return parsed.rows.filter(pl.col("source_loan_id") == loan_id).to_dicts()[0]


def _rules(parsed) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for line, rule in parsed.quarantine.select("line", "rule").iter_rows():
        out.setdefault(line, set()).add(rule)
    return out


def test_f05_notes_marker_footers(cases_dir):
    parsed = parse_loan_file(cases_dir / "F05_loanstats_with_note_lines.csv")
    parsed.reconcile()
    assert parsed.format == "lendingclub"
    assert parsed.rows.height == 9 and parsed.quarantine.height == 0
    assert parsed.non_data_lines == [(1, "note"), (9, "blank"), (10, "policy_marker"), (14, "blank"),
                                     (15, "blank"), (16, "footer"), (17, "footer")]
    off = parsed.rows.filter(pl.col("off_policy")).get_column("source_loan_id").sort().to_list()
    assert off == ["70101", "70102", "70103"]
    totals = parsed.notes["footer_totals"]
    assert totals["policy code 1"]["stated"] == totals["policy code 1"]["loaded"] == 27900
    assert totals["policy code 2"]["matches"] and totals["policy code 2"]["loaded"] == 7000
    assert _by_id(parsed, "70102")["default_flag"] == 1 and _by_id(parsed, "70101")["default_flag"] == 0


def test_f06_formatted_strings(cases_dir):
    parsed = parse_loan_file(cases_dir / "F06_lc_formatted_strings.csv")
    parsed.reconcile()
    assert parsed.data_records == 8 and parsed.rows.height == 6
    first = _by_id(parsed, "71001")
    assert (first["term_months"], first["int_rate"], first["emp_length_years"]) == (36, pytest.approx(0.1065), 10.0)
    assert first["origination_date"] == date(2011, 12, 1) and first["revol_util"] == pytest.approx(0.837)
    assert _by_id(parsed, "71002")["term_months"] == 60 and _by_id(parsed, "71002")["emp_length_years"] == 0.0
    assert _by_id(parsed, "71003")["emp_length_years"] is None and parsed.notes["emp_length_na"] == 1
    assert _by_id(parsed, "71002")["_source_line"] == 3 and _by_id(parsed, "71003")["_source_line"] == 5
    assert "Second line of the same description" in _by_id(parsed, "71002")["source_fields"]
    assert _by_id(parsed, "71005")["default_flag"] is None  # Current: no outcome yet
    assert _rules(parsed) == {9: {"unparsable_date"}, 10: {"unparsable_date"}}
    assert set(parsed.quarantine.get_column("raw_value")) == {"2011-10", "Oct-11"}


def test_f07_wide_ids_and_bad_values(cases_dir, case_mappings):
    parsed = parse_loan_file(cases_dir / "F07_polars_type_pitfalls.csv", case_mappings)
    parsed.reconcile()
    assert parsed.format == "generic:f07_tape"
    assert parsed.rows.height == 31 and parsed.rows_quarantined == 4
    assert '"external_ref":"12345678901234567890"' in _by_id(parsed, "72031")["source_fields"]
    q = parsed.quarantine
    assert set(zip(q["line"], q["column_name"], q["raw_value"])) == {
        (33, "issue_date", "2023-13-01"), (34, "issue_date", "N/A"), (34, "annual_inc", "fifty thousand"),
        (35, "issue_date", "2023-02-30"), (35, "annual_inc", ""), (36, "issue_date", "15/04/2023"),
    }


def test_f08_excel_export(cases_dir, case_mappings):
    parsed = parse_loan_file(cases_dir / "F08_excel_export_bom_crlf.csv", case_mappings)
    parsed.reconcile()
    assert parsed.rows.get_column("source_loan_id").to_list() == ["9912140633507001"]
    assert '"branch_code":"00418"' in parsed.rows["source_fields"][0]
    assert parsed.rows["loan_status"][0] == "Fully Paid"  # no CR left from CRLF
    assert _rules(parsed) == {2: {"sci_notation_id"}, 3: {"sci_notation_id"}, 5: {"unparsable_date"}, 6: {"serial_date"}}


def test_f09_european_dialect(cases_dir, case_mappings):
    parsed = parse_loan_file(cases_dir / "F09_european_semicolon_cp1252.csv", case_mappings)
    parsed.reconcile()
    first = _by_id(parsed, "74001")
    assert first["loan_amount"] == 12000.00 and first["annual_income"] == 48500.0
    assert first["int_rate"] == pytest.approx(0.1356) and first["purpose"] == "Küchenmöbel"
    assert _by_id(parsed, "74002")["loan_amount"] == pytest.approx(1299.99)
    assert _by_id(parsed, "74004")["origination_date"] == date(2016, 2, 29)
    q = parsed.quarantine
    assert set(zip(q["line"], q["column_name"], q["rule"])) == {(4, "loan_amnt", "ambiguous_number"), (4, "annual_inc", "ambiguous_number")}


def test_f09_decode_error_names_byte_offset(cases_dir, tmp_path):
    tape = tmp_path / "F09_european_semicolon_cp1252.csv"
    tape.write_bytes((cases_dir / tape.name).read_bytes())
    (tmp_path / (tape.name + ".mapping.json")).write_text(
        '{"name": "utf8_declared", "dialect": {"delimiter": ";", "encoding": "utf-8"},'
        ' "columns": {"loan_id": {"to": "source_loan_id"}}}')
    with pytest.raises(FileRefused, match=r"F09_european_semicolon_cp1252.csv: byte offset \d+ \(line 2\)"):
        parse_loan_file(tape)


def test_f11_plausibility(cases_dir, case_mappings):
    parsed = parse_loan_file(cases_dir / "F11_loans_asof_2024-06-30_implausible.csv", case_mappings)
    parsed.reconcile()
    assert parsed.notes["as_of"] == "2024-06-30"
    assert sorted(parsed.rows.get_column("source_loan_id")) == ["76001", "76003", "76004", "76013"]
    assert {line: rules.pop() for line, rules in _rules(parsed).items()} == {
        3: "negative_income", 6: "sentinel_value", 7: "sentinel_value", 8: "sentinel_value",
        9: "issue_after_asof", 10: "credit_line_after_issue", 11: "non_positive_amount",
        12: "rate_out_of_range", 13: "fico_out_of_range",
    }
    # days_employed fills no lake column, yet its declared 365243 holds the loan out (the case's
    # requirement); the message names the mapping to drop the declaration from if such loans are wanted
    held = parsed.quarantine.filter(parsed.quarantine["line"] == 8)
    assert held.select("column_name", "raw_value").rows() == [("days_employed", "365243")]
    assert held["message"][0] == (
        "column days_employed: '365243' is a sentinel code, not a measurement: the loan is held out of the lake, "
        "so out of the features and the PD model's training; days_employed fills no lake column (it is kept only "
        "in source_fields), so if the lender wants such loans kept, remove 'days_employed' from the \"sentinels\" "
        f"of mapping 'f11_asof' (in {case_mappings[0] / 'f11.json'}) and land the file again: the code is then "
        "kept in source_fields as written")


def test_a_negative_dti_other_than_the_sentinel_is_out_of_range_not_a_sentinel(tmp_path):
    """LendingClub's -1 and 999 stand for no ratio; -3.5 (and -3.5 with a Unicode minus) used to be
    quarantined as a sentinel code too, a message that sent the reader looking for a code book."""
    dtis = ["10.5", "-3.5", "\u22123.5", "-0.01", "-1", "-1.00", "999", "0"]
    tape = tmp_path / "lc.csv"
    tape.write_text("id,loan_amnt,term,int_rate,issue_d,loan_status,annual_inc,dti\n" + "".join(
        f"{7001 + n},5000,36 months,10.65%,Dec-2011,Fully Paid,24000,{dti}\n" for n, dti in enumerate(dtis)),
        encoding="utf-8")
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (3, "dti", "value_out_of_range", "-3.5"), (4, "dti", "value_out_of_range", "\u22123.5"),
        (5, "dti", "value_out_of_range", "-0.01"), (6, "dti", "sentinel_value", "-1"),
        (7, "dti", "sentinel_value", "-1.00"), (8, "dti", "sentinel_value", "999")]
    assert parsed.quarantine["message"][0] == (
        "column dti: '-3.5' is a negative debt-to-income ratio: debt payments over income cannot be below zero, "
        "and of negative values only the code -1 is read as a sentinel; a minus sign typed or carried over from "
        "another column? correct the value in the tape, or, if the lender writes it for no value, declare it in "
        "the mapping's \"sentinels\"")
    assert parsed.quarantine["message"][3] == (
        "column dti: '-1' is a sentinel code, not a measurement: the loan is held out of the lake, so out of the "
        "features and the PD model's training; if the code means 'unknown' for this lender and the loan should be "
        "kept with the value missing, leave the cell empty or write NULL in the tape, as a mapping has no setting "
        "that reads a code as missing, and land the file again")
    assert parsed.rows.select("source_loan_id", "dti").rows() == [("7001", 10.5), ("7008", 0.0)]


def test_f12_snapshots_kept_faithfully(cases_dir, case_mappings):
    march = parse_loan_file(cases_dir / "F12_loans_snapshot_2024-03.csv", case_mappings)
    april = parse_loan_file(cases_dir / "F12_loans_snapshot_2024-04.csv", case_mappings)
    assert march.rows.height == 12 and april.rows.height == 8  # raw keeps duplicates; staging collapses
    assert set(march.rows["snapshot_date"]) == {date(2024, 3, 31)}
    assert _by_id(april, "77003")["default_flag"] == 1 and _by_id(march, "77003")["default_flag"] is None


def test_unknown_status_quarantined(tmp_path):
    tape = tmp_path / "lc.csv"
    tape.write_text("id,loan_amnt,term,loan_status\n1,1000,36 months,Fully Paid\n2,1000,36 months,Mystery\n")
    parsed = parse_loan_file(tape)
    assert parsed.rows.height == 1
    assert parsed.quarantine.select("line", "rule", "raw_value").row(0) == (3, "unknown_status", "Mystery")


def test_unknown_format_refused(tmp_path):
    tape = tmp_path / "weird.csv"
    tape.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(FileRefused, match="weird.csv: no known loan tape format"):
        parse_loan_file(tape)


@pytest.mark.parametrize("renamed, lacks", [({"loan_amnt": "Loan Amount ($)"}, "['loan_amnt']"),
                                             ({"loan_status": None}, "['loan_status']")])
def test_a_tape_a_built_in_format_almost_reads_is_refused_naming_the_columns_its_header_lacks(
        tmp_path, data_dir, renamed, lacks):
    """A LendingClub tape with loan_amnt renamed, or without loan_status, was refused with `tried
    LendingClub (needs ['loan_amnt', 'loan_status', 'term'])`, leaving the user to compare the lists;
    the refusal names the needed columns the header lacks."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8", newline="") as handle:
        records = list(islice(csv.DictReader(handle), 3))
    columns = [renamed.get(name, name) for name in records[0] if renamed.get(name, name)]
    tape = tmp_path / "lc_edited.csv"
    with open(tape, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows([value for name, value in record.items() if renamed.get(name, name)] for record in records)
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(tape)
    assert (f"tried LendingClub (needs ['loan_amnt', 'loan_status', 'term']; the header lacks {lacks}); "
            "SBA (needs ['ApprovalFY', 'LoanNr_ChkDgt', 'MIS_Status'], none of which the header has); "
            "delimiters ',' '\\t' '|'.") in str(refused.value)


def test_a_tape_of_its_header_alone_is_refused_not_landed_empty(tmp_path, data_dir, cases_dir):
    """An export that stopped after its header (a failed query, a copy cut before its first record)
    holds no loan: it is refused, as an empty file is, not landed as a tape of 0 loans; the same with
    a LendingClub download's note line, policy marker and footers left around no loan."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        header = handle.readline()
    alone = tmp_path / "lc_2024-07.csv"
    alone.write_text(header)
    with pytest.raises(FileRefused, match=r"lc_2024-07.csv: the file holds its header and no loan: a failed export"):
        parse_loan_file(alone)
    lines = (cases_dir / "F05_loanstats_with_note_lines.csv").read_text().splitlines(keepends=True)
    shell = tmp_path / "LoanStats_empty.csv"
    shell.write_text("".join(line for line in lines if not line.startswith('"7')))  # every loan line dropped
    with pytest.raises(FileRefused, match=r"LoanStats_empty.csv: the file holds its header and \d+ line\(s\) that are "
                                          r"no record \(notes, markers, footers, blank lines\) and no loan"):
        parse_loan_file(shell)


def test_a_compressed_empty_file_is_refused_as_empty_and_a_gzipped_tape_is_no_cut_part(tmp_path, cases_dir):
    """`gzip < /dev/null > tape.csv.gz` holds nothing: it was refused as a part of a file cut by
    size (`.gz` read as split's `.aa`..`.zz` suffix, and nothing ends with no line end), telling
    the user to join parts that do not exist. It is refused as empty, as an empty .csv is; a
    gzipped tape whose last line has no line end lands, as it does uncompressed."""
    empty = tmp_path / "F55_empty.csv.gz"
    empty.write_bytes(gzip.compress(b""))
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(empty)
    assert str(refused.value) == (f"{empty}: the file is empty: it is gzip-compressed (20 bytes) and decompresses to 0 "
                                  "bytes: no header and no records; was it compressed before it was fully written?")
    tape = tmp_path / "lc_2024-05.csv.gz"
    tape.write_bytes(gzip.compress((cases_dir / "F06_lc_formatted_strings.csv").read_bytes().rstrip(b"\n")))
    parsed = parse_loan_file(tape)
    assert (parsed.format, parsed.rows.height, parsed.rows_quarantined) == ("lendingclub", 6, 2)


def test_a_mapped_tape_that_states_zero_records_lands_empty(tmp_path):
    """A month without loans, said so by the file: a database client's `(0 rows)` under the header, or
    a mapping's control record stating 0 records. It lands with nothing loaded (its footer check
    holds it to the count), unlike a header with nothing said, which is refused."""
    from risk_assets_tests.lib.ingest.test_mapping_types import _map

    tape = tmp_path / "bank_2024-07.csv"
    tape.write_text("ref,amount,booked,state\n(0 rows)\n")
    _map(tape, {"ref": {"to": "source_loan_id"}, "amount": {"to": "loan_amount"},
                "booked": {"to": "origination_date"}, "state": {"to": "loan_status"}})
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert (parsed.rows.height, parsed.quarantine.height) == (0, 0)
    assert parsed.notes["footer_totals"]["row count, line 2"]["matches"] is True
    for said in ("", "(250 rows)\n"):  # nothing said, or a count of records the copy lost: refused, tried again
        tape.write_text(f"ref,amount,booked,state\n{said}")
        with pytest.raises(FileRefused, match="the file holds its header"):
            parse_loan_file(tape)


def test_lendingclub_real_sample(data_dir):
    parsed = parse_loan_file(data_dir / "loans" / "lendingclub_2007_2011.csv")
    parsed.reconcile()
    assert parsed.rows.height == 39_786 and parsed.quarantine.height == 0
    counts = dict(parsed.rows.group_by("default_flag").len().iter_rows())
    assert counts == {0: 34_116, 1: 5_670}
    first = parsed.rows.row(0, named=True)
    assert (first["term_months"], first["emp_length_years"], first["zip3"], first["revol_util"]) == (36, 10.0, "860", pytest.approx(0.837))
    assert first["loan_key"].startswith("lendingclub:") and first["loan_key"].endswith(":2")
    assert parsed.rows["_source_line"][-1] == 39_787


def test_a_cleaned_lendingclub_export_s_numeric_employment_lengths_are_years(data_dir, tmp_path):
    """A LendingClub export cleaned for modelling writes emp_length as a number (`10` for `10+ years`,
    `0` for `< 1 year`, empty for `n/a`): every loan was quarantined. Whole numbers on LendingClub's
    0-10 scale are years (note `emp_length_numbers_read`), the loans reading as the download does,
    `10+` is 10, and `2.5` and a slip past the scale (`11`) are no employment length. A column of
    months (`0`, `12`, `120`) is on another scale, so none of its numbers is read as years, its `0`
    and `6` no more than its `120` (note `emp_length_numbers_off_scale`)."""
    import csv

    source = data_dir / "loans" / "lendingclub_2007_2011.csv"
    with open(source, encoding="utf-8", newline="") as handle:
        header, *rows = list(islice(csv.reader(handle), 201))  # the first n/a is line 170
    at = header.index("emp_length")
    written = {"10+ years": "10", "< 1 year": "0", "n/a": ""}
    assert {row[at] for row in rows} >= {"10+ years", "< 1 year", "n/a", "3 years"}
    cleaned = [[*row[:at], written.get(row[at], row[at].split()[0]), *row[at + 1:]] for row in rows]
    original, tape, months = tmp_path / "lc.csv", tmp_path / "lc_cleaned.csv", tmp_path / "lc_months.csv"
    in_months = [[*row[:at], str(int(row[at]) * 12) if row[at] else "", *row[at + 1:]] for row in cleaned]
    for path, body in ((original, rows), (tape, cleaned + [[*rows[0][:at], value, *rows[0][at + 1:]]
                                                           for value in ("2.5", "11", "10+")]),
                       (months, in_months)):
        with open(path, "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([header, *body])
    plain, parsed = parse_loan_file(original), parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.rows.head(200)["emp_length_years"].to_list() == plain.rows["emp_length_years"].to_list()
    assert parsed.rows.filter(pl.col("_source_line") == 204)["emp_length_years"].to_list() == [10.0]  # 10+
    assert plain.rows["emp_length_years"].null_count() == plain.notes["emp_length_na"] >= 1
    assert parsed.notes["emp_length_numbers_read"] == 201 - plain.notes["emp_length_na"]
    assert parsed.quarantine.select("line", "rule", "raw_value").rows() == [
        (202, "unparsable_value", "2.5"), (203, "unparsable_value", "11")]

    scaled = parse_loan_file(months)
    scaled.reconcile()
    assert "emp_length_numbers_read" not in scaled.notes
    assert scaled.rows.height == plain.notes["emp_length_na"]  # only the loans that wrote no number load
    assert set(scaled.quarantine["rule"]) == {"unparsable_value"}
    assert scaled.quarantine.height == 200 - plain.notes["emp_length_na"]
    assert "a column whose numbers do is months or uncapped years" in scaled.quarantine["message"][0]
    off_scale = scaled.notes["emp_length_numbers_off_scale"]["emp_length"]
    assert off_scale["largest"] == 120 and off_scale["numbers"] == 200 - plain.notes["emp_length_na"]


def test_sba_subset(data_dir, tmp_path):
    subset = tmp_path / "sba_subset.bin"  # gzip recognised by magic bytes, not by the name
    with gzip.open(data_dir / "loans" / "sba_national.csv.gz", "rt") as src:
        lines = list(islice(src, 5001))
    with gzip.open(subset, "wt") as dst:
        dst.writelines(lines)
    parsed = parse_loan_file(subset)
    parsed.reconcile()
    assert parsed.format == "sba" and parsed.data_records == 5000
    first = parsed.rows.row(0, named=True)
    assert first["source_loan_id"] == "1000014003" and first["loan_key"] == "sba:1000014003"
    assert first["origination_date"] == date(1997, 2, 28) and first["vintage"] == 1997
    assert first["disbursement_date"] == date(1999, 2, 28)
    assert first["gross_approved"] == first["loan_amount"] == 60000.0 and first["sba_approved"] == 48000.0
    assert first["default_flag"] == 0 and first["naics"] == "451120"
    assert set(parsed.rows["default_flag"].drop_nulls()) == {0, 1}
    assert parsed.notes["new_exist_undefined"] == parsed.rows["new_business"].null_count() == 34  # NewExist 0
    charged_off = parsed.rows.filter(pl.col("chargeoff_date").is_not_null())
    assert charged_off.height > 800  # the century pivot puts every charge-off on or after approval
    assert charged_off.filter(pl.col("chargeoff_date") < pl.col("origination_date")).height == 0


def test_sba_dates_and_amounts_that_contradict_each_other_are_quarantined(data_dir, tmp_path):
    """Real SBA rows edited the way hand fixes break them: ApprovalFY 2005 on a loan approved
    28-Feb-97 (the vintage drives monitoring by approval year), a charge-off seven years before
    approval, a guarantee above the loan. The real file has none of these (899,164 rows load)."""
    with gzip.open(data_dir / "loans" / "sba_national.csv.gz", "rt") as src:
        header, *rows = [line.rstrip("\n") for line in islice(src, 5)]
    rows[0] = rows[0].replace("28-Feb-97,1997,", "28-Feb-97,2005,")
    rows[1] = rows[1].replace(",N,Y,,31-May-97,", ",N,Y,3-Mar-90,31-May-97,")
    rows[2] = re.sub(r',"[^"]*"$', ',"$900,000.00 "', rows[2])  # SBA_Appv, the last column
    tape = tmp_path / "sba.csv"
    tape.write_text("\n".join([header, *rows]) + "\n")
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.quarantine.select("line", "column_name", "rule").rows() == [
        (2, "ApprovalFY", "vintage_mismatch"), (3, "ChgOffDate", "chargeoff_before_origination"),
        (4, "SBA_Appv", "guarantee_above_amount")]
    assert parsed.rows["_source_line"].to_list() == [5]


def test_negative_sba_amounts_are_quarantined_and_a_zero_disbursement_loads(data_dir, tmp_path):
    """An SBA amount re-saved in an accountant's format, `($60,000.00)`, reads as minus 60,000: a
    negative disbursement, outstanding balance or charged-off principal loaded with no rule. Each
    is `negative_amount` now; a zero stays a real value (an undisbursed loan, a repaid balance)."""
    import csv

    with gzip.open(data_dir / "loans" / "sba_national.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(islice(reader, 7))  # the 7th loan (line 8) is charged off
    at = {name: i for i, name in enumerate(header)}
    assert rows[6][at["MIS_Status"]] == "CHGOFF" and rows[6][at["ChgOffPrinGr"]] == "$208,959.00 "
    rows[0][at["DisbursementGross"]] = "($60,000.00)"
    rows[1][at["BalanceGross"]] = "-$1,234.00"
    rows[2][at["SBA_Appv"]] = "($215,250.00)"
    rows[3][at["DisbursementGross"]] = "$0.00 "
    rows[6][at["ChgOffPrinGr"]] = "($208,959.00)"
    tape = tmp_path / "sba_accounting.csv"
    with open(tape, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (2, "DisbursementGross", "negative_amount", "($60,000.00)"),
        (3, "BalanceGross", "negative_amount", "-$1,234.00"),
        (4, "SBA_Appv", "negative_amount", "($215,250.00)"),
        (8, "ChgOffPrinGr", "negative_amount", "($208,959.00)"),
    ]
    assert parsed.rows.select("_source_line", "disbursement_gross", "balance_gross").rows() == [
        (5, 0.0, 0.0), (6, 229000.0, 0.0), (7, 517000.0, 0.0)]


def test_sba_two_digit_years_and_fiscal_suffix(tmp_path):
    header = ("LoanNr_ChkDgt,Name,City,State,Zip,Bank,BankState,NAICS,ApprovalDate,ApprovalFY,Term,NoEmp,NewExist,"
              "CreateJob,RetainedJob,FranchiseCode,UrbanRural,RevLineCr,LowDoc,ChgOffDate,DisbursementDate,"
              "DisbursementGross,BalanceGross,MIS_Status,ChgOffPrinGr,GrAppv,SBA_Appv\n")
    rows = [
        '1,A,X,IN,1,B,IN,0,28-Feb-69,1969,84,4,2,0,0,1,0,N,Y,3-Mar-90,31-May-69,"$60,000.00 ",$0.00 ,CHGOFF,"$1,000.00 ","$60,000.00 ","$48,000.00 "\n',
        '2,A,X,IN,1,B,IN,0,5-Oct-76,1976A,84,4,1,0,0,1,0,N,Y,,1-Dec-76,"$10,000.00 ",$0.00 ,,$0.00 ,"$10,000.00 ","$8,000.00 "\n',
        '3,A,X,IN,1,B,IN,0,5-Oct-06,2007,84,4,1,0,0,1,0,N,Y,,1-Dec-06,"$10,000.00 ",$0.00 ,P I F,$0.00 ,"$1,0x0.00 ","$8,000.00 "\n',
    ]
    tape = tmp_path / "sba.csv"
    tape.write_text(header + "".join(rows))
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    one, two = parsed.rows.row(0, named=True), parsed.rows.row(1, named=True)
    assert one["origination_date"] == date(1969, 2, 28) and one["chargeoff_date"] == date(1990, 3, 3)
    assert one["default_flag"] == 1 and one["new_business"] == 1 and one["chargeoff_principal"] == 1000.0
    assert two["vintage"] == 1976 and two["default_flag"] is None and two["new_business"] == 0
    assert parsed.notes["unlabelled_by_status"] == {"(empty)": 1}
    assert parsed.quarantine.select("line", "column_name", "rule").row(0) == (4, "GrAppv", "unparsable_number")


def test_an_sba_fiscal_year_with_a_letter_is_its_year_and_counted_by_value(tmp_path):
    """SBA writes its July-September 1976 approvals `1976A` (18 loans of the national file); any
    other letter (`1999B`, `2003a`) was read as its year too, silently. Each is read and counted
    by value as written (`fiscal_year_suffix_read`); `19990` and `199B` are no year."""
    header = ("LoanNr_ChkDgt,Name,City,State,Zip,Bank,BankState,NAICS,ApprovalDate,ApprovalFY,Term,NoEmp,NewExist,"
              "CreateJob,RetainedJob,FranchiseCode,UrbanRural,RevLineCr,LowDoc,ChgOffDate,DisbursementDate,"
              "DisbursementGross,BalanceGross,MIS_Status,ChgOffPrinGr,GrAppv,SBA_Appv\n")
    row = ('{nr},ACME CO,EVANSVILLE,IN,47711,FIFTH THIRD BANK,OH,451120,{approved},{fy},84,4,2,0,0,1,0,N,Y,,'
           '{approved},"$60,000.00 ",$0.00 ,P I F,$0.00 ,"$60,000.00 ","$48,000.00 "\n')
    years = [("15-Jul-76", "1976A"), ("30-Sep-76", "1976A"), ("15-Mar-99", "1999B"), ("1-Oct-02", "2003a"),
             ("28-Feb-97", "1997"), ("15-Mar-99", "19990"), ("15-Mar-99", "199B")]
    tape = tmp_path / "sba.csv"
    tape.write_text(header + "".join(row.format(nr=9000000001 + i, approved=a, fy=fy) for i, (a, fy) in enumerate(years)))
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.rows.select("_source_line", "vintage").rows() == [(2, 1976), (3, 1976), (4, 1999), (5, 2003), (6, 1997)]
    assert parsed.notes["fiscal_year_suffix_read"] == {"ApprovalFY": {"1976A": 2, "1999B": 1, "2003a": 1}}
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (7, "ApprovalFY", "unparsable_value", "19990"), (8, "ApprovalFY", "unparsable_value", "199B")]


def test_an_sba_fiscal_year_written_as_a_float_is_its_year(data_dir, tmp_path):
    """pandas writes an integer column that holds a missing value as floats: ApprovalFY `1997.0`
    quarantined every loan while NoEmp `4.0` and NAICS `451120.0` read as their codes. It is the
    year 1997 now (note `float_tail_removed`); `1997.5` is no year."""
    import csv

    with gzip.open(data_dir / "loans" / "sba_national.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(islice(reader, 6))
    fiscal = header.index("ApprovalFY")
    years = [int(row[fiscal]) for row in rows]
    for row in rows:
        row[fiscal] += ".0"
    rows[5][fiscal] = f"{years[5]}.5"
    tape = tmp_path / "sba_pandas.csv"
    with open(tape, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.rows["vintage"].to_list() == years[:5] == [1997] * 5
    assert parsed.notes["float_tail_removed"] == {"ApprovalFY": 5}
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (7, "ApprovalFY", "unparsable_value", "1997.5")]


def _sba_resaved(data_dir, tmp_path, name: str, write, keep=lambda dates: True, rows: int = 40):
    """The first real SBA loans whose dates pass `keep`, with the three dates written by `write`
    (a date -> text), as a spreadsheet writes them when it re-saves the CSV; (original, re-saved)."""
    import csv
    from datetime import datetime

    columns = ("ApprovalDate", "DisbursementDate", "ChgOffDate")
    with gzip.open(data_dir / "loans" / "sba_national.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        at = [header.index(c) for c in columns]

        def dates(row):
            read = [datetime.strptime(row[i], "%d-%b-%y").date() for i in at if row[i]]
            return [d.replace(year=d.year - 100) if d.year > 2014 else d for d in read]

        chosen = list(islice((row for row in islice(reader, 5000) if keep(dates(row))), rows))
    original, resaved = tmp_path / "sba_original.csv", tmp_path / name
    for path, rewrite in ((original, False), (resaved, True)):
        with open(path, "w", encoding="utf-8", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(header)
            for row in chosen:
                row = list(row)
                if rewrite:
                    for i in at:
                        if row[i]:
                            d = datetime.strptime(row[i], "%d-%b-%y").date()
                            row[i] = write(d.replace(year=d.year - 100) if d.year > 2014 else d)
                out.writerow(row)
    return parse_loan_file(original), resaved


@pytest.mark.parametrize(("written", "form"), [
    (lambda d: f"{d.month}/{d.day}/{d.year}", "%m/%d/%Y"),  # Excel, US locale
    (lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}", "%d/%m/%Y"),  # UK and most of Europe
    (lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}", "%d.%m.%Y"),  # German
    (lambda d: d.isoformat(), "%Y-%m-%d"),
    (lambda d: f"{d.isoformat()} 00:00:00", "%Y-%m-%d"),  # a database's DATE exported as a date-time
    (lambda d: f"{d.month}/{d.day}/{d.year} 0:00", "%m/%d/%Y"),  # Excel's date-time cell saved as CSV
    (lambda d: f"{d.month}/{d.day}/{d.year} 12:00:00 AM", "%m/%d/%Y"),
    (lambda d: d.strftime("%d-%b-%Y"), "%d-%b-%Y"),  # SAS DATE11., Oracle DD-MON-YYYY
    (lambda d: d.strftime("%d%b%Y").upper(), "%d%b%Y"),  # SAS DATE9.
    (lambda d: d.strftime("%d%b%y").upper(), "%d%b%y"),  # SAS DATE7.
    (lambda d: f"{d.strftime('%d%b%Y').upper()}:00:00:00", "%d%b%Y"),  # SAS DATETIME20.
    (lambda d: d.strftime("%Y%m%d"), "%Y%m%d"),  # compact ISO 8601
    # a date key in a pandas float column (a column with a missing value): every loan was quarantined
    (lambda d: d.strftime("%Y%m%d") + ".0", "%Y%m%d"),
])
def test_an_sba_tape_re_saved_by_a_spreadsheet_reads_its_dates(data_dir, tmp_path, written, form):
    """Excel rewrites SBA's `28-Feb-97` in its locale's short date when it re-saves the CSV, and a
    database, SAS or Oracle export writes it its own way: every loan was quarantined as
    `unparsable_date`. The form each column is written in is the one that reads it; month and day
    first are told by a day past 12 (note `sba_dates_written`); a midnight after the date is dropped
    (note `date_time_of_day_dropped`)."""
    original, resaved = _sba_resaved(data_dir, tmp_path, "sba_resaved.csv", written)
    parsed = parse_loan_file(resaved)
    parsed.reconcile()
    dates = ["origination_date", "disbursement_date", "chargeoff_date"]
    assert parsed.quarantine.height == original.quarantine.height == 0
    assert parsed.rows.select(dates).equals(original.rows.select(dates))
    assert set(parsed.notes["sba_dates_written"].values()) == {form}
    timed = written(date(1997, 2, 28)) != written(date(1997, 2, 28)).split()[0].split(":")[0]
    assert parsed.notes.get("date_time_of_day_dropped", {}).get("ApprovalDate") == (40 if timed else None)


def test_sba_dates_at_another_time_of_day_or_eight_digits_that_are_no_date_are_not_read(data_dir, tmp_path):
    """A time other than midnight after an SBA date is no calendar day (23:00 may be a midnight in
    another zone): the value is quarantined saying so, the rest of its column reads. Eight digits are
    read as YYYYMMDD when every value of the column is so shaped and all but one (a month 13, a typo
    quarantined under that form) are real days; with half of them no day, the column is numbers and
    none is read. A year written out is read
    as written, and a year outside 1900-2100 is named in its message."""
    us = lambda d: f"{d.month}/{d.day}/{d.year} 0:00"  # noqa: E731
    _, resaved = _sba_resaved(data_dir, tmp_path, "sba_times.csv", us, rows=6)
    text = resaved.read_text().splitlines()
    text[1] = text[1].replace("2/28/1997 0:00", "2/28/1997 23:00", 1)
    text[2] = text[2].replace("5/31/1997 0:00", "5/31/1897 0:00", 1)
    resaved.write_text("\n".join(text) + "\n")
    parsed = parse_loan_file(resaved)
    parsed.reconcile()
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (2, "ApprovalDate", "unparsable_date", "2/28/1997 23:00"),
        (3, "DisbursementDate", "unparsable_date", "5/31/1897 0:00")]
    first, second = parsed.quarantine["message"].to_list()
    assert "holds a time of day other than midnight" in first and "columns.ApprovalDate.format" in first
    assert second == ("column DisbursementDate: '5/31/1897 0:00' is a date in the column's format '%m/%d/%Y' (as "
                      "02/28/1997) whose year, 1897, is outside 1900-2100 (a mistyped year?)")
    assert parsed.rows.height == 4 and parsed.notes["date_time_of_day_dropped"] == {"ApprovalDate": 4, "DisbursementDate": 4}

    _, compact = _sba_resaved(data_dir, tmp_path, "sba_compact.csv", lambda d: d.strftime("%Y%m%d"), rows=6)
    text = compact.read_text().splitlines()
    text[3] = text[3].replace(",19971231,", ",19971331,", 1)
    compact.write_text("\n".join(text) + "\n")
    parsed = parse_loan_file(compact)
    parsed.reconcile()
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (4, "DisbursementDate", "unparsable_date", "19971331")]
    assert parsed.notes["sba_dates_written"] == {"ApprovalDate": "%Y%m%d", "DisbursementDate": "%Y%m%d"}
    assert "is not a date in the column's format '%Y%m%d' (as 19970228)" in parsed.quarantine["message"][0]

    with open(compact, encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    at = header.index("DisbursementDate")
    for row in rows[:3]:  # half the column no date: eight-digit numbers, not dates with a typo
        row[at] = row[at][:4] + "13" + row[at][6:]
    with open(compact, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    parsed = parse_loan_file(compact)
    parsed.reconcile()
    assert parsed.quarantine.filter(pl.col("column_name") == "DisbursementDate").height == 6
    assert parsed.notes["sba_dates_written"] == {"ApprovalDate": "%Y%m%d"}


def test_re_saved_sba_dates_whose_order_only_the_fiscal_year_tells_or_nothing_tells(data_dir, tmp_path):
    """Loans whose days are all 12 or less: `3/11/2005` is 11 March or 3 November. SBA's fiscal
    year starts on 1 October, so the approval date's ApprovalFY tells when one order crosses it; when
    neither does, the file is refused, naming the column and the mapping that declares the format."""
    us = lambda d: f"{d.month}/{d.day}/{d.year}"  # noqa: E731
    crossing = lambda ds: all(d.day <= 12 for d in ds) and (ds[0].month >= 10) != (ds[0].day >= 10)  # noqa: E731
    original, resaved = _sba_resaved(data_dir, tmp_path, "sba_fy.csv", us, keep=crossing, rows=8)
    parsed = parse_loan_file(resaved)
    assert parsed.rows.height == 8 and parsed.quarantine.height == 0
    assert parsed.rows["origination_date"].to_list() == original.rows["origination_date"].to_list()
    neither = lambda ds: all(d.day <= 9 and d.month <= 9 for d in ds)  # noqa: E731
    _, resaved = _sba_resaved(data_dir, tmp_path, "sba_unknown.csv", us, keep=neither, rows=5)
    with pytest.raises(FileRefused, match=r"sba_unknown.csv: SBA dates written with slashes \(ApprovalDate"):
        parse_loan_file(resaved)


SBA_HEADER = ("LoanNr_ChkDgt,Name,City,State,Zip,Bank,BankState,NAICS,ApprovalDate,ApprovalFY,Term,NoEmp,NewExist,"
              "CreateJob,RetainedJob,FranchiseCode,UrbanRural,RevLineCr,LowDoc,ChgOffDate,DisbursementDate,"
              "DisbursementGross,BalanceGross,MIS_Status,ChgOffPrinGr,GrAppv,SBA_Appv")


def test_sba_dates_re_saved_in_both_orders_put_those_that_read_both_ways_in_doubt(tmp_path):
    """An SBA tape whose slash dates mix a US spreadsheet's rows (`2/28/1997`) with a UK one's
    (`28/02/1997`): the column is read month-first, the day-first rows are `unparsable_date`, and
    the rows that read both ways (`03/04/1997`: 4 March or 3 April?) are `date_order_in_doubt`, as
    in a mapped tape's date column, instead of loading month-first."""
    dates = [("2/28/1997", "3/20/1997"), ("3/15/1997", "4/18/1997"), ("1/13/1997", "2/14/1997"),
             ("5/20/1997", "6/25/1997"), ("6/30/1997", "7/31/1997"), ("8/14/1997", "9/15/1997"),
             ("28/02/1997", "20/03/1997"), ("15/03/1997", "18/04/1997"), ("13/01/1997", "14/02/1997"),
             ("03/04/1997", "05/06/1997"), ("04/03/1997", "06/05/1997"), ("02/07/1997", "09/08/1997")]
    tape = tmp_path / "sba_mixed_orders.csv"
    tape.write_text("\n".join([SBA_HEADER] + [
        f"97{n:05d}003,ACME,EVANSVILLE,IN,47711,FIFTH THIRD BANK,OH,451120,{approved},1997,84,4,2,0,0,1,0,N,Y,,"
        f'{disbursed},"$60,000.00 ",$0.00 ,P I F,$0.00 ,"$60,000.00 ","$48,000.00 "'
        for n, (approved, disbursed) in enumerate(dates, 1)]) + "\n")
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.rows.select("_source_line", "origination_date").rows() == [
        (2, date(1997, 2, 28)), (3, date(1997, 3, 15)), (4, date(1997, 1, 13)),
        (5, date(1997, 5, 20)), (6, date(1997, 6, 30)), (7, date(1997, 8, 14))]
    assert parsed.quarantine.filter(pl.col("column_name") == "ApprovalDate").select("line", "rule", "raw_value").rows() == [
        (8, "unparsable_date", "28/02/1997"), (9, "unparsable_date", "15/03/1997"), (10, "unparsable_date", "13/01/1997"),
        (11, "date_order_in_doubt", "03/04/1997"), (12, "date_order_in_doubt", "04/03/1997"),
        (13, "date_order_in_doubt", "02/07/1997")]
    assert parsed.quarantine.filter(pl.col("column_name") == "DisbursementDate")["rule"].to_list() == [
        "unparsable_date"] * 3 + ["date_order_in_doubt"] * 3
    assert parsed.quarantine.filter((pl.col("line") == 11) & (pl.col("column_name") == "ApprovalDate"))["message"].item() == (
        "column ApprovalDate: '03/04/1997' reads as a date both in the form the column is read in, '%m/%d/%Y' "
        "(as 02/28/1997), and the other way round, as two different days, and 3 of the column's values read only "
        "with day and month the other way round, '%d/%m/%Y' (as 28/02/1997), and 6 only in that form: the column "
        "holds dates in both orders (rows of two systems joined?), so which day this one is cannot be told: write "
        "the column in one order, or declare the format each file writes (rows in '%d/%m/%Y' in a file of their own)")
    assert parsed.notes["sba_dates_written"] == {"ApprovalDate": "%m/%d/%Y", "DisbursementDate": "%m/%d/%Y"}


def test_parquet_tape_with_sidecar_mapping(tmp_path):
    tape = tmp_path / "bank_tape.parquet"
    pl.DataFrame({
        "ref": ["A-1", "A-2", "A-3"],
        "booked": ["2023-05-01", "2023-05-02", "not a date"],
        "principal": [1000.5, 2000.0, 3000.0],
        "state": ["Fully Paid", "Charged Off", "Fully Paid"],
    }).write_parquet(tape)
    (tmp_path / "bank_tape.parquet.mapping.json").write_text(
        '{"name": "bank", "columns": {"ref": {"to": "source_loan_id", "required": true},'
        ' "booked": {"to": "origination_date", "type": "date", "required": true},'
        ' "principal": {"to": "loan_amount", "type": "number"}, "state": {"to": "loan_status"}}}')
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.format == "generic:bank"
    assert parsed.rows.select("loan_key", "loan_amount", "default_flag").rows() == [("bank:A-1", 1000.5, 0), ("bank:A-2", 2000.0, 1)]
    assert parsed.quarantine.select("line", "column_name", "rule").row(0) == (3, "booked", "unparsable_date")


def test_parquet_float_ids_with_a_fraction_or_sign_are_quarantined_and_nan_is_counted(data_dir, tmp_path):
    """A pandas export whose id column went through floats: 1077501.0 is the id 1077501; 1077503.5
    and -0.0 are no ids a system wrote (non_integer_id); NaN amounts and incomes load as NULL,
    counted per column in the notes (nan_values). Amounts and incomes are the real LendingClub
    file's first five loans."""
    lc = pl.read_csv(data_dir / "loans" / "lendingclub_2007_2011.csv", n_rows=5, infer_schema=False)
    amounts = [float(v) for v in lc["loan_amnt"]]
    incomes = [float(v) for v in lc["annual_inc"]]
    incomes[4] = float("nan")
    tape = tmp_path / "pandas_tape.parquet"
    pl.DataFrame({
        "id": [1077501.0, 1077503.5, -0.0, 1076863.0, 1075358.0],
        "loan_amnt": amounts,
        "annual_inc": incomes,
        "loan_status": lc["loan_status"].to_list(),
    }).write_parquet(tape)
    (tmp_path / "pandas_tape.parquet.mapping.json").write_text(json.dumps({
        "name": "pandas", "columns": {"id": {"to": "source_loan_id", "required": True},
                                      "loan_amnt": {"to": "loan_amount", "type": "money"},
                                      "annual_inc": {"to": "annual_income", "type": "money"},
                                      "loan_status": {"to": "loan_status"}},
        "status_map": {"Fully Paid": 0, "Charged Off": 1}}))
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (2, "id", "non_integer_id", "1077503.5"), (3, "id", "non_integer_id", "-0")]
    assert parsed.rows.select("source_loan_id", "loan_amount", "annual_income").rows() == [
        ("1077501", amounts[0], incomes[0]), ("1076863", amounts[3], incomes[3]), ("1075358", amounts[4], None)]
    assert parsed.notes["nan_values"] == {"annual_inc": 1}


@pytest.mark.parametrize(("tape", "every", "mapped"), [
    ("sba", 700, False), ("lendingclub", 9_000, False), ("F07_polars_type_pitfalls.csv", 8, True),
    ("F11_loans_asof_2024-06-30_implausible.csv", 5, True)])
def test_typing_a_tape_says_how_far_it_is_and_reads_the_same_values(
        data_dir, cases_dir, case_mappings, tmp_path, tape, every, mapped):
    """The SBA national tape (899,164 records) logged nothing for about 40 s between `reading` and
    `read in`: typing its values is most of that. A progress line after every `progress_rows`
    records typed, the counts adding up to the file's records, then one when the column rules are
    being checked and one when they are checked, and the rows, quarantine and notes the same as
    without progress (money, rates, zip3, terms typed slice by slice; dates whole)."""
    if tape == "sba":
        path = tmp_path / "sba_subset.csv.gz"
        with gzip.open(data_dir / "loans" / "sba_national.csv.gz", "rt") as src, gzip.open(path, "wt") as dst:
            dst.writelines(islice(src, 2501))
    elif tape == "lendingclub":
        path = data_dir / "loans" / "lendingclub_2007_2011.csv"
    else:
        path = cases_dir / tape
    mapping_dirs = case_mappings if mapped else ()
    lines: list[str] = []
    quiet = parse_loan_file(path, mapping_dirs)
    told = parse_loan_file(path, mapping_dirs, progress=lines.append, progress_rows=every)
    assert told.rows.equals(quiet.rows) and told.quarantine.equals(quiet.quarantine)
    assert told.notes == quiet.notes
    typed = quiet.rows.height + quiet.quarantine.get_column("line").n_unique()
    assert re.fullmatch(rf"{re.escape(path.name)}: {quiet.data_records:,} records split "
                        r"into \d+ fields; typing their values, \d+ s since reading began", lines[0])
    said = (rf"{re.escape(path.name)}: values typed for ([\d,]+) of {typed:,} records \(\d+%\), "
            r"\d+ s since reading began")
    counts = [int(re.fullmatch(said, line).group(1).replace(",", "")) for line in lines[1:-2]]
    # then what the read does until `read in`: the SBA national tape's rules took 15 s unannounced
    assert re.fullmatch(rf"{re.escape(path.name)}: values typed; checking each against its column's rules, "
                        r"\d+ s since reading began", lines[-2])
    assert lines[-1].startswith(f"{path.name}: column rules checked; checking the rules across columns and "
                                "setting aside the records that break one, ")
    assert counts == [*range(every, typed, every), typed]
    slices = [b - a for a, b in zip([0, *counts], counts)]
    assert slices[:-1] == [every] * (len(slices) - 1) and 0 < slices[-1] <= every and sum(slices) == typed


def test_a_small_tape_types_at_once_and_says_only_that_it_is_split(data_dir):
    """By default a tape is typed in slices of a tenth of its records, at least PROGRESS_MIN_ROWS:
    the LendingClub sample (39,786 records) in one pass."""
    lines: list[str] = []
    parse_loan_file(data_dir / "loans" / "lendingclub_2007_2011.csv", progress=lines.append)
    assert len(lines) == 1 and lines[0].startswith("lendingclub_2007_2011.csv: 39,786 records split into ")


SERIAL_DATE_REMEDY = (
    ": give the column a date format in the spreadsheet before saving; a workbook's date column is read as "
    "Excel's days where each number in it is a whole five-digit day up to 2100; a count of days since 1970, as "
    "Avro and some databases write a date, is read with the column format \"unix_days\"; one since 1960, as SAS and "
    "Stata write a date, with \"sas_days\")")


def test_a_spreadsheet_day_number_names_the_date_it_is(cases_dir, case_mappings, data_dir, tmp_path):
    """A serial_date message cited Excel's day 35489 (1997-02-28) whatever the value: the lender had
    to work out that F08's 45306 is 2024-01-15, beside its neighbours' 1/15/2024. It names the day
    the value itself is in Excel's 1900 date system, and its time of day where it has one."""
    parsed = parse_loan_file(cases_dir / "F08_excel_export_bom_crlf.csv", case_mappings)
    serial = parsed.quarantine.filter(pl.col("rule") == "serial_date")
    assert serial.select("line", "column_name", "raw_value", "message").rows() == [
        (6, "issue_date", "45306", "column issue_date: '45306' looks like a spreadsheet day number, not a date "
                                   f"(45306 is Excel's day for 2024-01-15{SERIAL_DATE_REMEDY}")]
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8", newline="") as handle:
        rows = list(islice(csv.reader(handle), 5))
    rows = [[*rows[0], "issue_d"]] + [[*row, issue] for row, issue in zip(
        rows[1:], ["Dec-2011", "40878", "40878.0", "40878.5"])]
    with open(tmp_path / "lc_serial_issue_d.csv", "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    parsed = parse_loan_file(tmp_path / "lc_serial_issue_d.csv")
    parsed.reconcile()
    assert parsed.quarantine.select("line", "rule", "message").rows() == [
        (3, "serial_date", "column issue_d: '40878' looks like a spreadsheet day number, not a date (40878 is "
                           f"Excel's day for 2011-12-01{SERIAL_DATE_REMEDY}"),
        (4, "serial_date", "column issue_d: '40878.0' looks like a spreadsheet day number, not a date (40878.0 is "
                           f"Excel's day for 2011-12-01{SERIAL_DATE_REMEDY}"),
        (5, "serial_date", "column issue_d: '40878.5' looks like a spreadsheet day number, not a date (40878.5 is "
                           f"Excel's day for 2011-12-01 12:00{SERIAL_DATE_REMEDY}")]
    assert parsed.rows["origination_date"].to_list() == [date(2011, 12, 1)]
