"""A servicer's own spellings on a declared loan tape: statuses written with hyphens, underscores
or full-width letters, yes/no flags as SAS and R write them, and the messages that say what to
declare when a value is none the mapping knows."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from risk_assets.lib.ingest.loan_formats import parse_loan_file
from risk_assets.lib.ingest.mappings import mapping_from_json
from risk_assets.lib.ingest.parsed import FileRefused

COLUMNS = {"loan_id": {"to": "source_loan_id", "required": True},
           "issue_date": {"to": "origination_date", "type": "date", "format": "%Y-%m-%d"},
           "amount": {"to": "loan_amount", "type": "money"},
           "rate": {"to": "int_rate", "type": "percent"},
           "status": {"to": "loan_status"}}
SERVICER_STATUS = {"Current": None, "Charged Off": 1, "Written off": 1, "Default": 1, "90+ DPD": 1, "30 DPD": None,
                   "Paid in Full": 0, "Settled": 0, "Repurchased": 0, "Bankrupt": 1}


def _tape(tmp_path: Path, name: str, header: str, rows: list[str], mapping: dict) -> Path:
    tape = tmp_path / name
    tape.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    tape.with_name(name + ".mapping.json").write_text(json.dumps(mapping), encoding="utf-8")
    return tape


def test_a_status_written_with_hyphens_underscores_or_full_width_letters_is_the_status_map_key(tmp_path):
    """`Written-Off`, `Paid-in-Full`, `Charged_Off` and a full-width `Ｃｕｒｒｅｎｔ` are the servicer's
    `Written off`, `Paid in Full`, `Charged Off` and `Current`: loaded in the key's spelling, with
    its flag, and counted in the notes as written."""
    statuses = ["Current", "Written-Off", "Paid-in-Full", "Charged_Off", "Ｃｕｒｒｅｎｔ", "PAID IN FULL", "90+ DPD"]
    tape = _tape(tmp_path, "servicer.csv", "loan_id,issue_date,amount,rate,status",
                 [f"S{k},2011-01-31,1000,7.5,{s}" for k, s in enumerate(statuses)],
                 {"name": "servicer", "portfolio": "servicer", "currency": "USD", "columns": COLUMNS,
                  "status_map": SERVICER_STATUS})
    parsed = parse_loan_file(tape)
    assert parsed.quarantine.height == 0
    assert parsed.rows.select("source_loan_id", "loan_status", "default_flag").rows() == [
        ("S0", "Current", None), ("S1", "Written off", 1), ("S2", "Paid in Full", 0), ("S3", "Charged Off", 1),
        ("S4", "Current", None), ("S5", "Paid in Full", 0), ("S6", "90+ DPD", 1)]
    assert parsed.notes["status_matched_ignoring_case_and_spacing"] == {
        "Charged_Off": 1, "PAID IN FULL": 1, "Paid-in-Full": 1, "Written-Off": 1, "Ｃｕｒｒｅｎｔ": 1}


def test_an_unknown_status_message_names_the_map_s_statuses_and_the_fix(tmp_path):
    """A status the map holds in no spelling is quarantined with a message that lists the map's
    statuses (the first eight, and how many more) and says to add it to the mapping's status_map."""
    tape = _tape(tmp_path, "servicer.csv", "loan_id,issue_date,amount,rate,status",
                 ["S1,2011-01-31,1000,7.5,Current", "S2,2011-01-31,1000,7.5,Repossessed"],
                 {"name": "servicer", "portfolio": "servicer", "currency": "USD", "columns": COLUMNS,
                  "status_map": SERVICER_STATUS})
    parsed = parse_loan_file(tape)
    sidecar = tape.with_name("servicer.csv.mapping.json")
    assert parsed.quarantine.select("line", "rule", "raw_value", "message").rows() == [(
        3, "unknown_status", "Repossessed",
        "column status: 'Repossessed' is not a status of the status map of mapping 'servicer', which holds "
        "'Current', 'Charged Off', 'Written off', 'Default', '90+ DPD', '30 DPD', 'Paid in Full', 'Settled' and "
        "2 more (matched ignoring case, spaces, hyphens, underscores and full-width letters); add it to the "
        f"mapping's \"status_map\" (in {sidecar}) with 1 (defaulted), 0 (repaid) or null (no outcome yet)")]


def test_lendingclub_s_long_statuses_still_map_and_fold(tmp_path):
    """LendingClub's `Does not meet the credit policy. Status:Fully Paid` is still its status (the
    default status map of a mapping that declares none), its `Late (16-30 days)` written in another
    case still folds to it, and `Charged-Off` is its `Charged Off`."""
    statuses = ["Does not meet the credit policy. Status:Fully Paid", "late (16-30 DAYS)", "Charged-Off"]
    tape = _tape(tmp_path, "lc_like.csv", "loan_id,issue_date,amount,rate,status",
                 [f"L{k},2011-01-31,1000,7.5,{s}" for k, s in enumerate(statuses)],
                 {"name": "lc_like", "portfolio": "lc_like", "currency": "USD", "columns": COLUMNS})
    parsed = parse_loan_file(tape)
    assert parsed.quarantine.height == 0
    assert parsed.rows.select("loan_status", "default_flag").rows() == [
        ("Does not meet the credit policy. Status:Fully Paid", 0), ("Late (16-30 days)", None), ("Charged Off", 1)]


def test_a_yes_no_flag_reads_t_and_f_and_notes_its_empty_values_by_column(tmp_path):
    """A bank's new-business flag as SAS and R write a logical (`T`/`F`) beside Y/N and 1/0: each is
    the flag. An empty value loads as unknown and is noted as this column's (`flag_empty`), not as
    SBA's NewExist code note (`new_exist_undefined`), which the column has nothing to do with."""
    values = ["Y", "N", "T", "F", "t", "f", "", "TRUE", "0"]
    tape = _tape(tmp_path, "flags.csv", "loan_id,issue_date,amount,rate,status,new_biz",
                 [f"F{k},2011-01-31,1000,7.5,Current,{v}" for k, v in enumerate(values)],
                 {"name": "flags", "portfolio": "flags", "currency": "USD",
                  "columns": COLUMNS | {"new_biz": {"to": "new_business", "type": "flag"}}})
    parsed = parse_loan_file(tape)
    assert parsed.quarantine.height == 0
    assert parsed.rows["new_business"].to_list() == [1, 0, 1, 0, 1, 0, None, 1, 0]
    assert parsed.notes["flag_empty"] == {"new_biz": 1}
    assert "new_exist_undefined" not in parsed.notes


def test_a_json_lines_export_is_refused_as_no_loan_tape_format_naming_the_formats_that_are(tmp_path):
    """A warehouse export written as JSON Lines, with a sidecar mapping naming its keys, is refused
    up front as what it is (not as a tape whose 'header', its first object, lacks the mapped
    columns); a pretty-printed JSON array too; a gzip-compressed one too."""
    objects = [{"loan_id": f"J{k}", "issue_date": "2011-01-31", "amount": 1000 + k, "rate": 7.5, "status": "Current"}
               for k in range(3)]
    mapping = {"name": "t19", "portfolio": "jsonl", "currency": "USD", "columns": COLUMNS}
    tape = _tape(tmp_path, "T19_export.jsonl", json.dumps(objects[0]), [json.dumps(o) for o in objects[1:]], mapping)
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(tape)
    assert str(refused.value) == (
        f"{tape}: a JSON Lines file (one JSON object per line) (first line '{json.dumps(objects[0])[:80]}'), not a "
        "table: loan tapes are read from CSV or text, Parquet or an Excel workbook, one row per loan; export the "
        "loans as CSV (or Parquet) and land that")
    pretty = tmp_path / "book.json"
    pretty.write_text("\ufeff" + json.dumps(objects, indent=2), encoding="utf-8")
    with pytest.raises(FileRefused, match=r"book\.json: a JSON document \(first line '\['\), not a table"):
        parse_loan_file(pretty)
    zipped = tmp_path / "book.json.gz"
    zipped.write_bytes(gzip.compress(tape.read_bytes()))
    with pytest.raises(FileRefused, match=r"book\.json\.gz: a JSON Lines file \(one JSON object per line\)"):
        parse_loan_file(zipped)


def test_a_year_written_with_leading_zeros_is_named_as_written_not_as_two_digits(tmp_path):
    """`31/01/0011` under `%d/%m/%Y` is the year 11 written in four digits with leading zeros, and
    `31/01/0999` the year 999: the message says so (a two-digit year, `31/01/11`, is still named as
    one)."""
    columns = COLUMNS | {"issue_date": {"to": "origination_date", "type": "date", "format": "%d/%m/%Y"}}
    tape = _tape(tmp_path, "uk.csv", "loan_id,issue_date,amount,rate,status",
                 ["U1,31/01/2011,1000,7.5,Current", "U2,31/01/0011,1000,7.5,Current", "U3,31/01/11,1000,7.5,Current",
                  "U4,31/01/0999,1000,7.5,Current", "U5,31/01/011,1000,7.5,Current"],
                 {"name": "uk", "portfolio": "uk", "currency": "GBP", "columns": columns})
    parsed = parse_loan_file(tape)
    named = "the column's format '%d/%m/%Y' (as 28/02/1997)"
    assert parsed.quarantine.select("line", "rule", "message").rows() == [
        (3, "unparsable_date", f"column issue_date: '31/01/0011' is a date in {named} whose year is written with "
                               "leading zeros, the year 11: outside 1900-2100 (a century mistyped or dropped?)"),
        (4, "unparsable_date", f"column issue_date: '31/01/11' is not a date in {named}: its year is written in two "
                               "digits (11) where the format reads four"),
        (5, "unparsable_date", f"column issue_date: '31/01/0999' is a date in {named} whose year is written with "
                               "leading zeros, the year 999: outside 1900-2100 (a century mistyped or dropped?)"),
        (6, "unparsable_date", f"column issue_date: '31/01/011' is a date in {named} whose year is written with "
                               "leading zeros, the year 11: outside 1900-2100 (a century mistyped or dropped?)")]


def test_a_type_that_cannot_fill_its_target_is_offered_only_the_types_meant_for_it(tmp_path):
    """SBA's low_doc holds its Y / N as written (text): a `flag` is refused with `text` as the fix,
    not `zip3`; a count column is not offered a flag or a term; and `zip3` fills the ZIP column only."""
    def refusal(spec: dict) -> str:
        with pytest.raises(ValueError) as refused:
            mapping_from_json(Path("t.mapping.json"), {"name": "t", "columns": {**COLUMNS, "x": spec}})
        return str(refused.value)

    assert refusal({"to": "low_doc", "type": "flag"}).endswith(
        "column 'x': type 'flag' cannot fill 'low_doc' (VARCHAR: SBA LowDoc: Y / N as the source wrote it.); "
        "declare one of ['text']")
    assert refusal({"to": "delinq_2yrs", "type": "number"}).endswith(
        "column 'x': type 'number' cannot fill 'delinq_2yrs' (INTEGER: 30+ days past-due incidences in the past 2 "
        "years.); declare one of ['int']")
    assert refusal({"to": "off_policy", "type": "flag"}).endswith(
        "column 'x': target 'off_policy' is not a column of raw.loans that a tape fills: landing computes it (true "
        "for LendingClub's loans after its 'does not meet the credit policy' marker or whose status says so, NULL in "
        "a tape with neither); leave the column out of the mapping to keep it in source_fields")
    assert refusal({"to": "addr_state", "type": "zip3"}).endswith(
        "column 'x': type 'zip3' reads a ZIP code into its first three digits (86001 -> 860); it fills zip3 only")


def test_a_header_repeating_a_name_with_a_trailing_space_shows_both_names_as_written(tmp_path):
    """A wide export's `amount` and, 300 columns on, `amount ` (a trailing space) are one name once
    trimmed: the refusal shows both as written and where, so the space can be found; in a workbook
    too."""
    header = ["loan_id", "issue_date", "amount", "rate", "status", *(f"x_{k}" for k in range(3)), "amount "]
    tape = _tape(tmp_path, "wide.csv", ",".join(header), ["W1,2011-01-31,1000,7.5,Current,a,b,c,5"],
                 {"name": "wide", "portfolio": "wide", "currency": "USD", "columns": COLUMNS})
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(tape)
    assert str(refused.value) == (
        f"{tape}: line 1: the header repeats column(s) ['amount'] (written 'amount' (column 3) and 'amount ' "
        "(column 9): names are compared without the blanks around them), a column the tape's format reads: which "
        "one is meant cannot be told; rename or drop one")
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.append([*header[:5], " amount "])
    book.active.append(["W1", "2011-01-31", 1000, 7.5, "Current", 5])
    workbook = tmp_path / "wide.xlsx"
    book.save(workbook)
    workbook.with_name("wide.xlsx.mapping.json").write_text(json.dumps(
        {"name": "wide", "portfolio": "wide", "currency": "USD", "columns": COLUMNS}), encoding="utf-8")
    with pytest.raises(FileRefused, match=re.escape(
            "the header repeats column(s) ['amount'] (written 'amount' (column 3) and ' amount ' (column 6): names "
            "are compared without the blanks around them)")):
        parse_loan_file(workbook)


def test_a_flag_reads_yes_and_no_in_the_lenders_languages_and_a_checkbox_s_tick(tmp_path):
    """A low-doc flag as lenders' systems write yes and no: on/off, Ja/Nein and J/N, Oui/Non and O/N,
    Sí/No and S/N (`Sí` also with a combining accent), Sim/Não, Ja/Nee, full-width `ＪＡ`, padded
    `  nein `, and a checkbox's `x` and `✓`: each is the flag. A word no language means yes or no by
    (`vielleicht`) is still unparsable_value."""
    values = ["on", "OFF", "Ja", "Nein", "J", "n", "Oui", "Non", "O", "Sí", "si\u0301", "No", "S", "Sim", "Não",
              "Nee", "ＪＡ", "x", "X", "✓", "vielleicht"]
    tape = _tape(tmp_path, "flags.csv", "loan_id,issue_date,amount,rate,status,low_doc",
                 [f"F{k},2011-01-31,1000,7.5,Current,{v}" for k, v in enumerate(values)],
                 {"name": "flags", "portfolio": "flags", "currency": "USD",
                  "columns": COLUMNS | {"low_doc": {"to": "new_business", "type": "flag"}}})
    parsed = parse_loan_file(tape)
    assert parsed.rows["new_business"].to_list() == [1, 0, 1, 0, 1, 0, 1, 0, 1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 1, 1]
    assert parsed.quarantine.select("line", "rule", "raw_value").rows() == [(22, "unparsable_value", "vielleicht")]


def test_a_checkbox_column_s_empty_boxes_load_as_unknown_and_the_note_says_how_to_write_no(tmp_path):
    """A checkbox column exported as `x` beside empty cells: the ticks are 1, the empty boxes load as
    unknown (never as 0: the tape does not say whether a box was left empty for 'no'), counted in
    `flag_empty` and in `flag_checkbox_unticked`, whose meaning says how to export the 'no'. A column
    of Y/N with one empty value is no checkbox column."""
    from risk_assets.lib.ingest.note_meanings import NOTE_MEANINGS

    tape = _tape(tmp_path, "boxes.csv", "loan_id,issue_date,amount,rate,status,new_biz",
                 [f"B{k},2011-01-31,1000,7.5,Current,{v}" for k, v in enumerate(["x", "", "X", "", ""])],
                 {"name": "boxes", "portfolio": "boxes", "currency": "USD",
                  "columns": COLUMNS | {"new_biz": {"to": "new_business", "type": "flag"}}})
    parsed = parse_loan_file(tape)
    assert parsed.quarantine.height == 0
    assert parsed.rows["new_business"].to_list() == [1, None, 1, None, None]
    assert parsed.notes["flag_empty"] == {"new_biz": 3}
    assert parsed.notes["flag_checkbox_unticked"] == {"new_biz": 3}
    assert "export the column with N (or 0) in those boxes" in NOTE_MEANINGS["flag_checkbox_unticked"]
    yes_no = _tape(tmp_path, "yn.csv", "loan_id,issue_date,amount,rate,status,new_biz",
                   [f"B{k},2011-01-31,1000,7.5,Current,{v}" for k, v in enumerate(["Y", "", "N"])],
                   {"name": "yn", "portfolio": "yn", "currency": "USD",
                    "columns": COLUMNS | {"new_biz": {"to": "new_business", "type": "flag"}}})
    parsed = parse_loan_file(yes_no)
    assert parsed.notes["flag_empty"] == {"new_biz": 1}
    assert "flag_checkbox_unticked" not in parsed.notes


def test_a_status_written_with_its_spaces_left_out_or_added_is_the_status_in_every_vocabulary(data_dir, tmp_path):
    """SBA's `PIF ` was `unknown_status` while the message said statuses are matched ignoring
    spaces: `P I F` without its spaces is `PIF`. Real SBA loans with their statuses so written load
    as `P I F` / `CHGOFF`; a servicer's `PaidInFull` and LendingClub's `ChargedOff` likewise."""
    import csv
    from itertools import islice

    with gzip.open(data_dir / "loans" / "sba_national.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        header, *rows = list(islice(csv.reader(handle), 6))
    at = header.index("MIS_Status")
    for row, written in zip(rows, ["PIF ", "pif", "P-I-F", "CHG OFF", "Chg_Off"]):
        row[at] = written
    tape = tmp_path / "sba_statuses.csv"
    with open(tape, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    parsed = parse_loan_file(tape)
    assert parsed.quarantine.height == 0
    assert parsed.rows.select("loan_status", "default_flag").rows() == [
        ("P I F", 0), ("P I F", 0), ("P I F", 0), ("CHGOFF", 1), ("CHGOFF", 1)]
    assert parsed.notes["status_matched_ignoring_case_and_spacing"] == {
        "CHG OFF": 1, "Chg_Off": 1, "P-I-F": 1, "PIF": 1, "pif": 1}

    statuses = ["PaidInFull", "WRITTENOFF", "Charged Off"]
    servicer = _tape(tmp_path, "servicer.csv", "loan_id,issue_date,amount,rate,status",
                     [f"S{k},2011-01-31,1000,7.5,{s}" for k, s in enumerate(statuses)],
                     {"name": "servicer", "portfolio": "servicer", "currency": "USD", "columns": COLUMNS,
                      "status_map": SERVICER_STATUS})
    assert parse_loan_file(servicer).rows.select("loan_status", "default_flag").rows() == [
        ("Paid in Full", 0), ("Written off", 1), ("Charged Off", 1)]
    lc = tmp_path / "lc_statuses.csv"
    lc.write_text("loan_amnt,term,int_rate,loan_status\n5000,36 months,10.65%,ChargedOff\n2500,60 months,15.27%,fully-paid\n")
    assert parse_loan_file(lc).rows.select("loan_status", "default_flag").rows() == [("Charged Off", 1), ("Fully Paid", 0)]
