"""A lender's own free-text columns, declared in its column mapping (`free_text_columns`): a form feed
or U+2028 an export wrote inside such a cell is a line break there, as in the built-in free-text
columns (`desc`, `notes`, ...), counted in the note `line_break_characters_read`. A declared name the
header lacks, or one the mapping also reads as an amount, date, id or code, refuses the file."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from risk_assets.lib.ingest.loan_formats import parse_loan_file
from risk_assets.lib.ingest.parsed import FileRefused

HEADER = ["Loan Number", "Note Date", "Original Balance", "Loan Status", "Underwriter Commentary",
          "Collateral Description", "Branch"]
ROWS = [
    ["HB-20417", "2023-02-14", "250000.00", "Current", "Strong DSCR of 1.45x.\fSponsor has 20 years in trade.",
     "2019 Peterbilt 579 tractor", "Tacoma"],
    ["HB-20418", "2023-03-01", "87500.00", "Paid Off", "", "Walk-in cooler\u2028and shelving", "Olympia"],
    ["HB-20419", "2023-03-09", "132000.00", "Charged Off", "Seasonal revenue\u2028watch Q1 cash flow",
     "Equipment lien", "Tacoma"],
]
"""A community bank's commercial loan tape: the underwriter's commentary and the collateral are typed
in words, a page break (form feed) and a Word line separator (U+2028) among them."""

MAPPING = {
    "name": "harbor",
    "applies_to": ["harbor_*.csv", "harbor_*.xlsx"],
    "currency": "USD",
    "columns": {
        "Loan Number": {"to": "source_loan_id", "required": True},
        "Note Date": {"to": "origination_date", "type": "date", "format": "%Y-%m-%d"},
        "Original Balance": {"to": "loan_amount", "type": "money"},
        "Loan Status": {"to": "loan_status"},
    },
    "status_map": {"Current": None, "Paid Off": 0, "Charged Off": 1},
}
DECLARED = {**MAPPING, "free_text_columns": ["underwriter_commentary", "Collateral Description"]}
"""The mapping naming its free-text columns, one as a database export would spell it."""


def _csv_tape(folder: Path, mapping: dict | None) -> Path:
    tape = folder / "harbor_2024-06-30.csv"
    tape.write_text("\n".join(",".join(row) for row in [HEADER, *ROWS]) + "\n", encoding="utf-8")
    if mapping is not None:
        tape.with_name(tape.name + ".mapping.json").write_text(json.dumps(mapping), encoding="utf-8")
    return tape


def _workbook_tape(folder: Path) -> Path:
    tape = folder / "harbor_2024-06-30.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in ROWS:  # XML holds no form feed: the workbook stores it escaped, `_x000C_` (ECMA-376 ST_Xstring)
        sheet.append([value.replace("\f", "_x000C_") for value in row])
    book.save(tape)
    return tape


def _landed(parsed) -> list[tuple[int, str, dict]]:
    return [(line, loan_id, json.loads(fields)) for line, loan_id, fields
            in parsed.rows.select("_source_line", "source_loan_id", "source_fields").iter_rows()]


def _read_as_line_breaks(first: int) -> list[tuple[int, str, dict]]:
    """The three loans landed with each line break read as `\\n`, the header on line `first` - 1."""
    return [
        (first, "HB-20417", {"Underwriter Commentary": "Strong DSCR of 1.45x.\nSponsor has 20 years in trade.",
                             "Collateral Description": "2019 Peterbilt 579 tractor", "Branch": "Tacoma"}),
        (first + 1, "HB-20418", {"Underwriter Commentary": "", "Collateral Description": "Walk-in cooler\nand shelving",
                                 "Branch": "Olympia"}),
        (first + 2, "HB-20419", {"Underwriter Commentary": "Seasonal revenue\nwatch Q1 cash flow",
                                 "Collateral Description": "Equipment lien", "Branch": "Tacoma"}),
    ]


NOTE = {"Underwriter Commentary": {"U+000C FORM FEED": 1, "U+2028 LINE SEPARATOR": 1},
        "Collateral Description": {"U+2028 LINE SEPARATOR": 1}}


def test_a_declared_free_text_column_reads_its_line_breaks_in_a_sidecar_mapped_csv(tmp_path):
    parsed = parse_loan_file(_csv_tape(tmp_path, DECLARED))
    parsed.reconcile()
    assert _landed(parsed) == _read_as_line_breaks(2)
    assert parsed.quarantine.height == 0
    assert parsed.notes["line_break_characters_read"] == NOTE
    assert "control_character_unmapped" not in parsed.notes


def test_a_folder_mapping_declares_them_for_a_workbook_tape(tmp_path):
    maps = tmp_path / "mappings"
    maps.mkdir()
    (maps / "harbor.json").write_text(json.dumps(DECLARED), encoding="utf-8")
    parsed = parse_loan_file(_workbook_tape(tmp_path), mapping_dirs=[maps])
    parsed.reconcile()
    assert _landed(parsed) == _read_as_line_breaks(2)
    assert parsed.quarantine.height == 0
    assert parsed.notes["line_break_characters_read"] == NOTE


def test_a_parquet_tape_reads_its_declared_free_text_too(tmp_path):
    tape = tmp_path / "harbor_2024-06-30.parquet"
    pl.DataFrame(ROWS, schema=HEADER, orient="row").write_parquet(tape)
    tape.with_name(tape.name + ".mapping.json").write_text(json.dumps(DECLARED), encoding="utf-8")
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert _landed(parsed) == _read_as_line_breaks(1)
    assert parsed.notes["line_break_characters_read"] == NOTE


def test_without_the_declaration_the_characters_stay_and_the_form_feed_is_named(tmp_path):
    """Today's reading: the loans land with the characters as written, the form feed (a C0 control)
    named in `control_character_unmapped`, U+2028 kept unremarked."""
    parsed = parse_loan_file(_csv_tape(tmp_path, MAPPING))
    parsed.reconcile()
    assert _landed(parsed) == [
        (2, "HB-20417", {"Underwriter Commentary": "Strong DSCR of 1.45x.\fSponsor has 20 years in trade.",
                         "Collateral Description": "2019 Peterbilt 579 tractor", "Branch": "Tacoma"}),
        (3, "HB-20418", {"Underwriter Commentary": "", "Collateral Description": "Walk-in cooler\u2028and shelving",
                         "Branch": "Olympia"}),
        (4, "HB-20419", {"Underwriter Commentary": "Seasonal revenue\u2028watch Q1 cash flow",
                         "Collateral Description": "Equipment lien", "Branch": "Tacoma"}),
    ]
    assert parsed.quarantine.height == 0
    assert "line_break_characters_read" not in parsed.notes
    assert parsed.notes["control_character_unmapped"] == {"Underwriter Commentary": {"records": 1, "lines": [2]}}


def test_a_declared_free_text_column_the_header_lacks_refuses_the_file(tmp_path):
    tape = _csv_tape(tmp_path, {**MAPPING, "free_text_columns": ["Underwriter Commentary", "Borrower Remarks"]})
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(tape)
    assert str(refused.value) == (
        f"{tape}: the column mapping meant for it does not fit: {tape}.mapping.json (sidecar) declares column(s) "
        "['Borrower Remarks'] that its header does not have (free_text_columns names ['Borrower Remarks']: rename "
        "it to the tape's column, or take it out of free_text_columns if the tape no longer carries it). First line: "
        f"{','.join(HEADER)!r}")


def test_a_folder_mapping_naming_the_tape_is_refused_the_same_way(tmp_path):
    maps = tmp_path / "mappings"
    maps.mkdir()
    (maps / "harbor.json").write_text(json.dumps({**MAPPING, "free_text_columns": ["Borrower Remarks"]}))
    tape = _csv_tape(tmp_path, None)
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(tape, mapping_dirs=[maps])
    assert (f"{maps / 'harbor.json'} (applies_to harbor_*.csv, harbor_*.xlsx) declares column(s) ['Borrower Remarks'] "
            "that its header does not have (free_text_columns names ['Borrower Remarks']: ") in str(refused.value)


@pytest.mark.parametrize(("declared", "mapped"), [
    ("Original Balance", "is mapped in 'columns' ('Original Balance') to 'loan_amount'"),
    ("note_date", "is mapped in 'columns' ('Note Date') to 'origination_date'"),
    ("LOAN NUMBER", "is mapped in 'columns' ('Loan Number') to 'source_loan_id'"),
    ("Loan Status", "is mapped in 'columns' ('Loan Status') to 'loan_status'"),
])
def test_a_free_text_column_also_mapped_to_a_typed_target_is_refused(tmp_path, declared, mapped):
    tape = _csv_tape(tmp_path, {**MAPPING, "free_text_columns": ["Underwriter Commentary", declared]})
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(tape)
    assert str(refused.value) == (
        f"{tape}.mapping.json: invalid column mapping: free_text_columns: {declared!r} {mapped}, which no line "
        f"break is part of; a free-text column is kept whole in source_fields: take {declared!r} out of "
        "free_text_columns or out of the typed mapping")


def test_the_portfolio_column_is_no_free_text(tmp_path):
    mapping = {**MAPPING, "portfolio_column": {"column": "Branch", "portfolios": {"Tacoma": "harbor_tacoma",
                                                                                  "Olympia": "harbor_olympia"}},
               "free_text_columns": ["Branch"]}
    tape = _csv_tape(tmp_path, mapping)
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(tape)
    assert str(refused.value) == (
        f"{tape}.mapping.json: invalid column mapping: free_text_columns: 'Branch' is the portfolio_column, whose "
        "values are codes naming each row's book; a free-text column is kept whole in source_fields: take 'Branch' "
        "out of free_text_columns or out of the typed mapping")


def test_a_free_text_column_mapped_to_the_purpose_is_free_text_already(tmp_path):
    mapping = {**DECLARED, "columns": {**MAPPING["columns"], "Collateral Description": {"to": "purpose"}}}
    parsed = parse_loan_file(_csv_tape(tmp_path, mapping))
    parsed.reconcile()
    assert parsed.rows.get_column("purpose").to_list() == [
        "2019 Peterbilt 579 tractor", "Walk-in cooler\nand shelving", "Equipment lien"]
    assert parsed.notes["line_break_characters_read"] == NOTE


def test_free_text_columns_must_be_a_list_of_names(tmp_path):
    tape = _csv_tape(tmp_path, {**MAPPING, "free_text_columns": "Underwriter Commentary"})
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(tape)
    assert str(refused.value) == (
        f"{tape}.mapping.json: invalid column mapping: 'free_text_columns' must be a list of the tape's column "
        "names, such as [\"Underwriter Commentary\"], not 'Underwriter Commentary'")
