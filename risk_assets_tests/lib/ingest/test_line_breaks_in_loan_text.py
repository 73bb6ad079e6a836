"""Line breaks typed inside a loan tape's free-text cell, written by the export as another
character: a vertical tab U+000B (Excel for Mac, FileMaker; `_x000B_` in a workbook's XML), a form
feed, NEL U+0085, U+2028 LINE SEPARATOR or U+2029 PARAGRAPH SEPARATOR. In a free-text column (the
purpose, LendingClub's `desc`, `title`, `emp_title`) each is the line feed a quoted CSV field holds,
counted in the note `line_break_characters_read`; in an amount, id or code it breaks the value, and
the record is quarantined as before."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from risk_assets.lib.ingest import workbook
from risk_assets.lib.ingest.loan_formats import parse_loan_file
from risk_assets.lib.ingest.note_meanings import NOTE_MEANINGS, note_cells

HEADER = "id,loan_amnt,term,int_rate,installment,grade,emp_title,issue_d,loan_status,purpose,title,desc"
LOANS = [
    '1077501,5000,36 months,10.65%,162.87,B,Ryder,Dec-2011,Fully Paid,credit_card,Computer,'
    '"Borrower added on 12/22/11 > I need to\nupgrade my business technologies."',
    "1077430,2500,60 months,15.27%,59.83,C,Walgreens,Dec-2011,Charged Off,car,bike,"
    "Borrower added on 12/22/11 > I plan to use this money\vto buy a bike.",
    "1077175,2400,36 months,15.96%,84.33,C,,Dec-2011,Fully Paid,small_business,real estate\u2028business,",
    "1076863,10000,36 months,13.49%,339.31,C,AIR RESOURCES\x85BOARD,Dec-2011,Fully Paid,other,Personel,"
    "Page one of my story.\fPage two\vof it.",
    "1075358,3000,60 months,12.69%,67.79,B,University Medical Group,Dec-2011,Current,Pay off\u2029my cards,Personal,",
    "1075269,50\v00,36 months,7.90%,156.46,A,Veolia Transportaton,Dec-2011,Fully Paid,wedding,My wedding loan,",
    "1069639,7000,60 months,15.96%,170.08,C\v,Southern Star Photography,Dec-2011,Fully Paid,debt_consolidation,Loan,",
    "1072053,3000,36 months,18.64%,109.43,E,MKC Accounting,Dec-2011,Fully Paid,car\x1bloan,Car Downpayment,",
    "1071795,5600,60 months,21.28%,152.39,F\vG,,Dec-2011,Charged Off,small_business,Expand Business,",
    "1071570,5375,60 months,12.69%,121.45,B,Starbucks,Dec-2011,Charged Off,other,Building my credit,"
    "a NUL\x00in my text",
]


@pytest.fixture
def lc_tape(tmp_path) -> Path:
    """A LendingClub download of ten loans whose free text and values hold line-break characters."""
    tape = tmp_path / "LoanStats3a.csv"
    tape.write_bytes(("\n".join([HEADER, *LOANS]) + "\n").encode("utf-8"))
    return tape


def _kept(parsed) -> dict[int, tuple[str, str, dict]]:
    """{line: (purpose, grade, source_fields)} of the loans that landed."""
    return {line: (purpose, grade, json.loads(fields)) for line, purpose, grade, fields
            in parsed.rows.select("_source_line", "purpose", "grade", "source_fields").iter_rows()}


def test_line_breaks_in_a_lendingclub_tapes_free_text_are_read_as_line_breaks_and_counted(lc_tape):
    """The loans whose description, title, employer title or purpose holds a vertical tab, form feed,
    NEL or U+2028/U+2029 land (they were quarantined, or loaded the character unremarked), each
    character read as the `\\n` of line 2's quoted description."""
    parsed = parse_loan_file(lc_tape)
    parsed.reconcile()
    assert _kept(parsed) == {
        2: ("credit_card", "B", {"emp_title": "Ryder", "title": "Computer",
                                 "desc": "Borrower added on 12/22/11 > I need to\nupgrade my business technologies."}),
        4: ("car", "C", {"emp_title": "Walgreens", "title": "bike",
                         "desc": "Borrower added on 12/22/11 > I plan to use this money\nto buy a bike."}),
        5: ("small_business", "C", {"emp_title": "", "title": "real estate\nbusiness", "desc": ""}),
        6: ("other", "C", {"emp_title": "AIR RESOURCES\nBOARD", "title": "Personel",
                           "desc": "Page one of my story.\nPage two\nof it."}),
        7: ("Pay off\nmy cards", "B", {"emp_title": "University Medical Group", "title": "Personal", "desc": ""}),
        # a trailing one is trimmed with the value's other blanks, as a trailing line feed is
        9: ("debt_consolidation", "C", {"emp_title": "Southern Star Photography", "title": "Loan", "desc": ""}),
        12: ("other", "B", {"emp_title": "Starbucks", "title": "Building my credit", "desc": "a NUL\x00in my text"}),
    }
    assert parsed.notes["line_break_characters_read"] == {
        "purpose": {"U+2029 PARAGRAPH SEPARATOR": 1},
        "emp_title": {"U+0085 NEXT LINE": 1},
        "title": {"U+2028 LINE SEPARATOR": 1},
        "desc": {"U+000B LINE TABULATION": 2, "U+000C FORM FEED": 1},
    }
    # a NUL in a free-text column the book keeps whole still lands and is named, as before
    assert parsed.notes["control_character_unmapped"] == {"desc": {"records": 1, "lines": [12]}}


_SAID = "(no text holds one: a line break or separator an export wrote inside the value, or a binary file)"


def test_a_line_break_character_in_an_amount_or_code_or_another_control_in_free_text_is_quarantined(lc_tape):
    """No line break is part of an amount or a grade, and an ESC is no line break in a purpose: those
    records stay quarantined `control_character`, the message naming the character."""
    parsed = parse_loan_file(lc_tape)
    parsed.reconcile()
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (8, "loan_amnt", "control_character", "50\v00"),
        (10, "purpose", "control_character", "car\x1bloan"),
        (11, "grade", "control_character", "F\vG"),
    ]
    assert parsed.quarantine["message"].to_list() == [
        f"column loan_amnt: '50\v00' holds control character U+000B LINE TABULATION {_SAID}",
        f"column purpose: 'car\x1bloan' holds control character U+001B ESCAPE {_SAID}",
        f"column grade: 'F\vG' holds control character U+000B LINE TABULATION {_SAID}",
    ]


@pytest.mark.parametrize(("column", "written", "said"), [
    ("grade", "B\u2028C", "U+2028 LINE SEPARATOR"),
    ("home_ownership", "RE\x85NT", "U+0085 NEXT LINE"),
    ("loan_status", "Fully\u2029Paid", "U+2029 PARAGRAPH SEPARATOR"),
    ("loan_amnt", "50\u202800", "U+2028 LINE SEPARATOR"),
    ("issue_d", "Dec\x85-2011", "U+0085 NEXT LINE"),
])
def test_a_unicode_line_break_in_a_code_amount_or_date_is_quarantined_by_its_name(tmp_path, column, written, said):
    """NEL, U+2028 and U+2029 are no control characters of C0, so in a code they loaded unremarked
    (`B\u2028C` a grade of its own, `Fully\u2029Paid` matched as Fully Paid ignoring its spacing),
    and in an amount or date the message said only that the value did not read."""
    header = "id,loan_amnt,term,int_rate,grade,home_ownership,issue_d,loan_status,purpose"
    loan = dict(zip(header.split(","), "1077501,5000,36 months,10.65%,B,RENT,Dec-2011,Fully Paid,car".split(","), strict=True))
    tape = tmp_path / "LoanStats3a.csv"
    tape.write_text(f"{header}\n{','.join(loan.values())}\n{','.join({**loan, 'id': '1077430', column: written}.values())}\n",
                    encoding="utf-8")
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.rows.get_column("source_loan_id").to_list() == ["1077501"]
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (3, column, "control_character", written)]
    assert parsed.quarantine["message"][0] == f"column {column}: '{written}' holds control character {said} {_SAID}"


SERVICER_MAPPING = {"name": "servicer", "columns": {
    "LoanID": {"to": "source_loan_id", "required": True},
    "OrigAmount": {"to": "loan_amount", "type": "money"},
    "Status": {"to": "loan_status", "required": True},
    "LoanPurpose": {"to": "purpose"},
    "Grade": {"to": "grade"},
    "OrigDate": {"to": "origination_date", "type": "date", "format": "%Y-%m-%d"}},
    "status_map": {"Current": None, "Paid Off": 0, "Charged Off": 1}}
"""A servicer's tape whose purpose is typed in words, and whose `Description` and `Employer Title`
are kept in source_fields."""

SERVICER_ROWS = [
    ("SV-0001", 12500.0, "Current", "2023-03-14", "Purchase of delivery van", "A", "Owner-operator", "Fleet\vexpansion"),
    ("SV-0002", 8000.0, "Paid Off", "2022-11-02", "Refinance\vcredit cards", "B", "Nurse\u2029ICU", ""),
    ("SV-0\v003", 15000.0, "Charged Off", "2022-06-30", "Working capital", "C", "Chef", ""),
]


def _servicer_frame() -> pl.DataFrame:
    return pl.DataFrame(SERVICER_ROWS, orient="row", schema=[
        "LoanID", "OrigAmount", "Status", "OrigDate", "LoanPurpose", "Grade", "Employer Title", "Description"])


def _servicer_kept(parsed) -> list[tuple]:
    return [(line, loan_id, purpose, json.loads(fields)) for line, loan_id, purpose, fields
            in parsed.rows.select("_source_line", "source_loan_id", "purpose", "source_fields").iter_rows()]


def test_a_parquet_tapes_free_text_line_breaks_are_read_and_its_ids_are_not(tmp_path):
    """A Parquet tape's strings go the CSV's way: a vertical tab in the purpose or description and a
    paragraph separator in the employer title are line breaks; one in the loan id quarantines it."""
    tape = tmp_path / "servicer_2024-06-30.parquet"
    _servicer_frame().write_parquet(tape)
    tape.with_name(tape.name + ".mapping.json").write_text(json.dumps(SERVICER_MAPPING))
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert _servicer_kept(parsed) == [
        (1, "SV-0001", "Purchase of delivery van", {"Employer Title": "Owner-operator", "Description": "Fleet\nexpansion"}),
        (2, "SV-0002", "Refinance\ncredit cards", {"Employer Title": "Nurse\nICU", "Description": ""}),
    ]
    assert parsed.notes["line_break_characters_read"] == {
        "LoanPurpose": {"U+000B LINE TABULATION": 1},
        "Employer Title": {"U+2029 PARAGRAPH SEPARATOR": 1},
        "Description": {"U+000B LINE TABULATION": 1},
    }
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (3, "LoanID", "control_character", "SV-0\v003")]


def test_a_workbooks_escaped_vertical_tab_is_the_line_break_excel_for_mac_typed(tmp_path):
    """Excel for Mac writes a line break typed in a cell as a vertical tab, which XML cannot hold:
    the workbook stores `_x000B_` (ECMA-376 ST_Xstring), and it loaded as those seven characters.
    Decoded, it is read as a line break in free text and quarantines a loan id."""
    tape = tmp_path / "servicer_2024-06-30.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(_servicer_frame().columns))
    for row in SERVICER_ROWS:  # openpyxl writes a cell's text as given: the XML holds `_x000B_`
        sheet.append([v.replace("\v", "_x000B_") if isinstance(v, str) else v for v in row])
    book.save(tape)
    tape.with_name(tape.name + ".mapping.json").write_text(json.dumps(SERVICER_MAPPING))
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert _servicer_kept(parsed) == [
        (2, "SV-0001", "Purchase of delivery van", {"Employer Title": "Owner-operator", "Description": "Fleet\nexpansion"}),
        (3, "SV-0002", "Refinance\ncredit cards", {"Employer Title": "Nurse\nICU", "Description": ""}),
    ]
    assert parsed.notes["line_break_characters_read"]["LoanPurpose"] == {"U+000B LINE TABULATION": 1}
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (4, "LoanID", "control_character", "SV-0\v003")]


@pytest.mark.parametrize(("stored", "text"), [
    ("car_x000B_loan", "car\vloan"),
    ("line one_x000D_\nline two", "line one\r\nline two"),
    ("a typed _x005F_x000B_ stays", "a typed _x000B_ stays"),
    ("_xD83D__xDE00_", "\U0001F600"),
    ("half _xD83D_ a character", "half _xD83D_ a character"),
    ("B_x", "B_x"),
])
def test_a_workbook_cells_xml_escapes_are_decoded(stored, text):
    assert workbook.xstring_text(stored) == text


def test_the_note_says_what_it_did():
    count, meaning = note_cells("line_break_characters_read", {"desc": {"U+000B LINE TABULATION": 2}})
    assert meaning.startswith(NOTE_MEANINGS["line_break_characters_read"])
    assert "read as line breaks, as a quoted CSV field's are" in meaning


def test_the_notes_table_counts_every_character_of_every_column():
    count, meaning = note_cells("line_break_characters_read", {
        "desc": {"U+000B LINE TABULATION": 2, "U+000C FORM FEED": 1}, "title": {"U+2028 LINE SEPARATOR": 1}})
    assert count == "4"
    assert meaning.endswith("(by column: desc: U+000B LINE TABULATION 2, U+000C FORM FEED 1; "
                            "title: U+2028 LINE SEPARATOR 1)")
