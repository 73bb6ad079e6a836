"""Characters no viewer shows, in header names and values: a byte-order mark written twice (a file
saved again by a tool that adds its own), a zero-width space or no-break space pasted into a
header name, a vertical tab for a line break inside a cell (Excel for Mac, FileMaker). None may
decide whether a column is read, and none may pass silently: each is named, by code point and name,
in the file's notes or in the quarantine message."""

from __future__ import annotations

import json
from itertools import islice
from pathlib import Path

import pytest

from risk_assets.lib.ingest import csv_text
from risk_assets.lib.ingest.loan_formats import parse_loan_file
from risk_assets.lib.ingest.news_formats import parse_news_file
from risk_assets.lib.ingest.parsed import FileRefused

BOM = "\ufeff"
ZWSP = "\u200b"
NBSP = "\u00a0"


@pytest.fixture
def lc_text(data_dir) -> str:
    """The header and the first 6 loans of the real LendingClub file, LF line ends."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        return "".join(line.rstrip("\r\n") + "\n" for line in islice(handle, 7))


def _loans(parsed) -> list[tuple]:
    return parsed.rows.select("_source_line", "loan_amount", "annual_income", "loan_status").rows()


@pytest.mark.parametrize(("written", "said"), [
    (BOM + BOM + "loan_amnt", "U+FEFF ZERO WIDTH NO-BREAK SPACE (a byte-order mark), a second one at the start of the file"),
    (ZWSP + "loan_amnt", "U+200B ZERO WIDTH SPACE"),
    ("loan\u2060_amnt", "U+2060 WORD JOINER"),
    ("loan_amnt\u200e", "U+200E LEFT-TO-RIGHT MARK"),
    ("loan" + NBSP + "amnt", "U+00A0 NO-BREAK SPACE"),
])
def test_a_lendingclub_header_name_with_invisible_characters_is_read_and_noted(lc_text, tmp_path, written, said):
    """`\\ufeff\\ufeffloan_amnt` (a BOM doubled: the first is the file's, the second stays in the
    name) and `\\u200bloan_amnt` were refused "the header lacks ['loan_amnt']" though the tape is
    LendingClub's. The name is matched without such characters; the loans read as the plain
    download, and notes['header_invisible_characters'] names the column (as matched: `loan amnt`
    for `loan\\u00a0amnt`) and the character."""
    (tmp_path / "plain.csv").write_text(lc_text, encoding="utf-8")
    plain = parse_loan_file(tmp_path / "plain.csv")
    tape = tmp_path / "lc_invisible.csv"
    tape.write_text(written + lc_text.removeprefix("loan_amnt"), encoding="utf-8")
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert _loans(parsed) == _loans(plain)
    assert parsed.rows["loan_amount"].to_list()[:3] == [5000.0, 2500.0, 2400.0]
    assert parsed.notes["header_invisible_characters"] == {csv_text.fold_header_name(written): said}
    assert "header_invisible_characters" not in plain.notes


@pytest.fixture
def bank_tape(tmp_path) -> Path:
    """A lender's tape of three loans with a sidecar mapping naming `loan_id`, `amount`, `status`."""
    tape = tmp_path / "bank_2024.csv"
    tape.with_name(tape.name + ".mapping.json").write_text(json.dumps({"name": "bank", "columns": {
        "loan_id": {"to": "source_loan_id", "required": True}, "amount": {"to": "loan_amount", "type": "money"},
        "status": {"to": "loan_status", "required": True}}, "status_map": {"Fully Paid": 0, "Charged Off": 1}}))
    return tape


ROWS = "BK-1001,24000.00,Fully Paid\nBK-1002,5000.00,Charged Off\nBK-1003,12500.00,Fully Paid\n"


def test_a_mapped_header_name_with_a_zero_width_or_no_break_space_is_read_and_noted(bank_tape):
    """`loan_id\\u00a0,\\u200bamount` (a name copied from a web page or a chat): refused as
    "declares column(s) ['amount'] that its header does not have". Matched without them."""
    bank_tape.write_text(BOM + BOM + f"loan{NBSP}id,{ZWSP}amount,status\n" + ROWS, encoding="utf-8")
    parsed = parse_loan_file(bank_tape)
    parsed.reconcile()
    assert parsed.rows.select("source_loan_id", "loan_amount", "default_flag").rows() == [
        ("BK-1001", 24000.0, 0), ("BK-1002", 5000.0, 1), ("BK-1003", 12500.0, 0)]
    assert parsed.notes["header_invisible_characters"] == {
        "loan id": "U+FEFF ZERO WIDTH NO-BREAK SPACE (a byte-order mark), a second one at the start of the file, "
                   "U+00A0 NO-BREAK SPACE",
        "amount": "U+200B ZERO WIDTH SPACE"}


def test_a_header_name_that_still_matches_nothing_is_refused_naming_its_invisible_character(bank_tape):
    """A name misspelt beside a zero-width space (`\\u200bamont`) fits no declared column: the
    refusal says which character the name holds, so the lender does not look for a name that
    reads right."""
    bank_tape.write_text(f"loan_id,{ZWSP}amont,status\n" + ROWS, encoding="utf-8")
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(bank_tape)
    assert str(refused.value).endswith(
        "declares column(s) ['amount'] that its header does not have (did you mean '\\u200bamont' for 'amount'?). "
        "First line: 'loan_id,\\u200bamont,status'. "
        "Its names hold characters no viewer shows, which are matched without them: '\\u200bamont' "
        "(U+200B ZERO WIDTH SPACE).")


NEWS = ("id,headline,body,published_at,source\n"
        "rt-20240502-001,Lender posts record quarter,Net income rose 12 % on loan growth.,2024-05-02T10:00:00Z,Reuters\n"
        "rt-20240502-002,Bank cuts outlook,The bank expects higher credit losses.,2024-05-02T11:30:00Z,Reuters\n")


@pytest.mark.parametrize(("written", "said"), [
    (BOM + BOM + "id", "U+FEFF ZERO WIDTH NO-BREAK SPACE (a byte-order mark)"),
    (ZWSP + "id", "U+200B ZERO WIDTH SPACE"),
    ("id\u00ad", "U+00AD SOFT HYPHEN"),
])
def test_a_news_id_column_with_an_invisible_character_is_read_as_the_id(tmp_path, written, said):
    """`\\ufeff\\ufeffid` or `\\u200bid`: the id column was dropped (notes ignored_columns ['\\ufeffid'])
    and each article got an id made from the file, so a re-delivery was not caught as a duplicate.
    The ids are read from the column, and the note names the character."""
    feed = tmp_path / "feed.csv"
    feed.write_text(written + NEWS.removeprefix("id"), encoding="utf-8")
    parsed = parse_news_file(feed)
    parsed.reconcile()
    assert parsed.rows["doc_id"].to_list() == ["reuters:rt-20240502-001", "reuters:rt-20240502-002"]
    assert parsed.notes["ignored_columns"] == []
    assert parsed.notes["header_invisible_characters"] == {"id": said}


def test_fold_header_name_folds_format_characters_and_unicode_spaces():
    assert csv_text.fold_header_name(f"{BOM}{ZWSP} Annual\u2009\u2007Income{NBSP}") == "Annual Income"
    assert csv_text.header_name_marks(f"{ZWSP}amount{NBSP}") == ["U+200B ZERO WIDTH SPACE", "U+00A0 NO-BREAK SPACE"]
    assert csv_text.header_name_marks("amount ") == []


def test_a_vertical_tab_in_an_article_body_is_read_as_a_line_break(tmp_path):
    """Excel for Mac and FileMaker write a line break inside a cell as a vertical tab U+000B: every
    article of such a feed was quarantined `control_character` as "a NUL or similar byte". In a
    headline or body it is read as the line break it stands for, and counted."""
    feed = tmp_path / "feed_vt.csv"
    feed.write_text(NEWS.replace("Net income rose 12 % on loan growth.", "Net income rose 12 %.\vLoans grew.")
                    .replace("Bank cuts outlook", "Bank cuts\voutlook"), encoding="utf-8")
    parsed = parse_news_file(feed)
    parsed.reconcile()
    assert parsed.quarantine.height == 0
    assert parsed.rows.select("headline", "body").rows() == [
        ("Lender posts record quarter", "Net income rose 12 %.\nLoans grew."),
        ("Bank cuts\noutlook", "The bank expects higher credit losses.")]
    assert parsed.notes["line_break_characters_read"] == {"body": {"U+000B LINE TABULATION": 1},
                                                          "headline": {"U+000B LINE TABULATION": 1}}


def test_a_separator_control_character_is_quarantined_by_its_name_never_as_a_nul(tmp_path):
    """A file separator U+001C in a body is no line break: quarantined, its message naming the
    character it holds, not "a NUL" the file does not have."""
    feed = tmp_path / "feed_fs.csv"
    feed.write_text(NEWS.replace("higher credit losses.", "higher\x1ccredit\x1flosses."), encoding="utf-8")
    parsed = parse_news_file(feed)
    parsed.reconcile()
    assert parsed.quarantine.select("line", "column_name", "rule").rows() == [(3, "body", "control_character")]
    assert parsed.quarantine["message"][0] == (
        f"{feed}: line 3: column body holds control characters U+001C FILE SEPARATOR, U+001F UNIT SEPARATOR (no "
        "text holds one: a line break or separator an export wrote inside the value, or a binary file); the lake "
        "would keep it as part of the value")


@pytest.mark.parametrize(("written", "said"), [
    ("Charged\vOff", "control character U+000B LINE TABULATION (no text holds one"),
    ("Charged\x1cOff", "control character U+001C FILE SEPARATOR (no text holds one"),
    ("Charged Off\x00", "control character U+0000 NULL (a NUL byte: a binary or truncated export)"),
])
def test_a_control_character_in_a_loan_field_is_named_in_its_quarantine_message(bank_tape, written, said):
    """A loan tape's value holding a vertical tab or a file separator was said to hold "a NUL byte";
    the message names the character found."""
    bank_tape.write_text("loan_id,amount,status\n" + ROWS.replace("Charged Off", written), encoding="utf-8")
    parsed = parse_loan_file(bank_tape)
    parsed.reconcile()
    assert parsed.quarantine.select("line", "column_name", "rule").rows() == [(3, "status", "control_character")]
    message = parsed.quarantine["message"][0]
    assert message.startswith(f"column status: '{written}' holds {said}")
    assert ("NUL" in message) == ("\x00" in written)


def _paged_feed(page_break: str) -> str:
    """Four stories over two pages of a report, `page_break` the line that opens the second page."""
    rows = [f"rt-{n},Headline {n},Body of story {n}.,2024-05-0{n}T09:00:00Z,Reuters" for n in range(1, 5)]
    return "id,headline,body,published_at,source\n" + "\n".join(rows[:2] + [page_break] + rows[2:]) + "\n"


@pytest.mark.parametrize(("page_break", "kind"), [
    ("\fid,headline,body,published_at,source", "repeated_header"),
    ("\fPage 2", "page_number"),
    ("\f", "blank"),
])
def test_a_form_feed_opening_a_news_line_is_a_page_break(tmp_path, page_break, kind):
    """A report's page break writes a form feed before the next page's first line: `\\fid,...` (the
    header again) refused the whole feed as "a header with another layout (columns not in the first
    header: id; ...)", and `\\fPage 2` was a wrong_field_count. The line is judged without it."""
    feed = tmp_path / "paged.csv"
    feed.write_text(_paged_feed(page_break), encoding="utf-8")
    parsed = parse_news_file(feed)
    parsed.reconcile()
    assert parsed.rows["headline"].to_list() == [f"Headline {n}" for n in range(1, 5)]
    assert parsed.quarantine.height == 0
    assert parsed.non_data_lines == [(4, kind)]
    assert parsed.notes["form_feed_lines"] == [4]


def test_a_header_of_another_layout_shows_invisible_characters_in_its_refusal(tmp_path):
    feed = tmp_path / "joined.csv"
    feed.write_text(_paged_feed("\u200bdoc,headline,body,published_at,source"), encoding="utf-8")
    with pytest.raises(FileRefused) as refused:
        parse_news_file(feed)
    assert "(columns not in the first header: '\\u200bdoc'; columns of the first header missing: id)" in str(refused.value)
