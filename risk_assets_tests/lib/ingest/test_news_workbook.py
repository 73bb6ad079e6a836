"""A desk's news kept in an Excel workbook: real PhraseBank sentences in a sheet as analysts keep
them (a title row above the header, date cells, a pasted-in header, an error value, a note typed
past the last column). Every row loads or is quarantined with its rule at the row Excel shows."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from risk_assets.lib.ingest.news_formats import parse_news_file
from risk_assets.lib.ingest.parsed import FileRefused


@pytest.fixture
def sentences(data_dir) -> list[tuple[str, str]]:
    lines = (data_dir / "news" / "financial_phrasebank_50agree.txt").read_text("utf-8-sig").splitlines()
    return [tuple(line.rsplit("@", 1)) for line in lines[:8]]


def _book(path, sheets: dict[str, list[list[object]]]):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_a_news_workbook_loads_every_article_at_the_row_excel_shows(sentences, tmp_path):
    header = ["Article ID", "Published", "Headline", "Body", "Label"]
    rows = [[f"A-{i}", dt.datetime(2024, 4, 18, 9, 30 + i), f"Headline {i}", text, label]
            for i, (text, label) in enumerate(sentences[:5])]
    rows[2][0] = "#N/A"  # an id lost to a broken lookup
    rows[3] = rows[3] + [None, "checked by JK"]  # a note typed two columns past the header
    path = _book(tmp_path / "desk_news.xlsx", {
        "Read me": [["This workbook holds the desk's tagged news"]],
        "News": [["Desk news, April 2024"], [], header, *rows[:3], header, *rows[3:]],
    })

    parsed = parse_news_file(path)

    parsed.reconcile()
    assert parsed.format == "news_feed_xlsx"
    assert parsed.notes["workbook_sheet"] == "News" and parsed.notes["workbook_header_row"] == 3
    assert parsed.notes["workbook_sheets_not_read"] == ["Read me"]
    loaded = parsed.rows.sort("_source_line")
    assert loaded.select("_source_line", "doc_id", "headline", "text_raw", "label").rows() == [
        (4, "A-0", "Headline 0", sentences[0][0], sentences[0][1]),
        (5, "A-1", "Headline 1", sentences[1][0], sentences[1][1]),
        (9, "A-4", "Headline 4", sentences[4][0], sentences[4][1])]
    assert loaded["published_at"].to_list()[0] == dt.datetime(2024, 4, 18, 9, 30)
    quarantined = {(r["line"], r["rule"]) for r in parsed.quarantine.iter_rows(named=True)}
    assert quarantined == {(6, "spreadsheet_error"), (8, "malformed_record")}
    note = parsed.quarantine.filter(parsed.quarantine["line"] == 8).row(0, named=True)
    assert note["message"].startswith(f"{path}: sheet 'News' row 8: values beyond the header's 5 columns, in column(s) G")
    assert (7, "repeated_header") in parsed.non_data_lines and (1, "note") in parsed.non_data_lines


def test_a_workbook_without_a_feed_or_holding_a_loan_tape_is_refused_by_name(data_dir, tmp_path):
    plain = _book(tmp_path / "contacts.xlsx", {"People": [["name", "phone"], ["Ana", "123"]]})
    with pytest.raises(FileRefused, match=r"contacts.xlsx: an Excel workbook with no visible sheet whose header fits a "
                                          r"news feed .*sheet 'People' first row \['name', 'phone'\]"):
        parse_news_file(plain)
    two = _book(tmp_path / "two.xlsx", {"Mon": [["headline"], ["Profit up"]], "Tue": [["headline"], ["Profit down"]]})
    with pytest.raises(FileRefused, match=r"two.xlsx: sheets 'Mon', 'Tue' all hold news feeds"):
        parse_news_file(two)
    header = (data_dir / "loans" / "lendingclub_2007_2011.csv").read_text().splitlines()[0].split(",")
    tape = _book(tmp_path / "loans.xlsx", {"Loans": [header + ["title", "desc"], ["1"] * (len(header) + 2)]})
    with pytest.raises(FileRefused, match=r"loans.xlsx: sheet 'Loans' row 1 is a LendingClub loan tape's header"):
        parse_news_file(tape)
