"""Lines a terminal or news database writes under the last story of an export ('Total: 5 stories',
'Source: Bloomberg L.P. (c) 2024', 'Exported by user ...'): non-data lines kept in the notes, never
quarantined as broken stories, and a stated count of stories checked against the file's records.
Bodies are real Financial PhraseBank sentences."""

from __future__ import annotations

import json

import duckdb
import openpyxl
import pytest

from risk_assets.lib.ingest.news_formats import parse_news_file
from risk_assets.lib.quality.footers import news_footer_mismatches


@pytest.fixture
def sentences(data_dir) -> list[str]:
    lines = (data_dir / "news" / "financial_phrasebank_50agree.txt").read_text("utf-8-sig").splitlines()
    return [line.rsplit("@", 1)[0].strip() for line in lines[:6]]


def _export(path, sentences, footer: list[str]):
    rows = ["Date,Headline,Body,Ticker"]
    rows += [f'2024-05-02T09:0{i}:00Z,Story {i},"{text}",NOKIA.HE' for i, text in enumerate(sentences[:4])]
    path.write_text("\n".join(rows + footer) + "\n", encoding="utf-8")
    return path


def test_a_terminal_exports_footer_is_non_data_and_its_count_is_checked(sentences, tmp_path):
    path = _export(tmp_path / "terminal.csv", sentences, [
        ",,,", "Total: 5 stories,,,", "Source: Bloomberg L.P. (c) 2024,,,", "Exported by user jdoe on 2024-05-03 07:00"])

    parsed = parse_news_file(path)

    parsed.reconcile()
    assert parsed.data_records == 4 and parsed.rows.height == 4 and parsed.quarantine.height == 0
    assert sorted(parsed.non_data_lines) == [(6, "blank"), (7, "footer_note"), (8, "footer_note"), (9, "footer_note")]
    assert parsed.notes["footer_notes"] == [
        "7: Total: 5 stories", "8: Source: Bloomberg L.P. (c) 2024", "9: Exported by user jdoe on 2024-05-03 07:00"]
    assert parsed.notes["footer_totals"] == {"line 7": {
        "line": 7, "footer": "Total: 5 stories", "source": "the footer 'Total: 5 stories'",
        "stated": 5, "records": 4, "matches": False}}


def test_a_stated_count_that_matches_passes_and_one_that_does_not_warns(sentences, tmp_path):
    good = parse_news_file(_export(tmp_path / "good.csv", sentences, ["4 stories,,,"]))
    cut = parse_news_file(_export(tmp_path / "cut.csv", sentences, ["Total: 6 stories,,,"]))
    assert good.notes["footer_totals"]["line 6"]["matches"] is True
    with duckdb.connect() as con:
        con.execute("CREATE SCHEMA raw")
        con.execute("CREATE TABLE raw.landed_files (path VARCHAR, domain VARCHAR, status VARCHAR, notes VARCHAR, "
                    "rows_quarantined BIGINT, landed_at TIMESTAMP)")
        for path, parsed in ((tmp_path / "good.csv", good), (tmp_path / "cut.csv", cut)):
            con.execute("INSERT INTO raw.landed_files VALUES (?, 'news', 'loaded', ?, 0, now())",
                        [str(path), json.dumps(parsed.notes)])
        outcome = news_footer_mismatches(con)
    assert not outcome.success and outcome.rows_checked == 2 and outcome.asset == "raw_news"
    assert [rule["detail"] for rule in outcome.rules] == [
        "cut.csv line 6: the footer 'Total: 6 stories' states 6 rows, the file holds 4 (-2): rows were lost, "
        "or added, before the file landed (a paste or transfer cut short, a copy of part of the output)"]


def test_a_headline_only_story_at_the_end_stays_a_story(sentences, tmp_path):
    """Only footer openings, or prose in a column without article text, end a file: a last story
    with its headline alone (F18) is scored from it; prose on a line of its own is a broken record."""
    path = _export(tmp_path / "feed.csv", sentences, [
        ",Nokia wins 5G network deal in Finland,,", "the rest of a body cut by a line break"])

    parsed = parse_news_file(path)

    parsed.reconcile()
    assert "footer_notes" not in parsed.notes
    assert parsed.rows.filter(parsed.rows["_source_line"] == 6)["headline"].to_list() == [
        "Nokia wins 5G network deal in Finland"]
    assert [(r["line"], r["rule"]) for r in parsed.quarantine.iter_rows(named=True)] == [(7, "wrong_field_count")]


def test_prose_in_the_date_column_below_the_last_story_is_a_footer(sentences, tmp_path):
    path = _export(tmp_path / "desk.csv", sentences, ["Compiled for the credit desk,,,", "\x1a"])

    parsed = parse_news_file(path)

    parsed.reconcile()
    assert sorted(parsed.non_data_lines) == [(6, "footer_note"), (7, "end_of_file_marker")]
    assert parsed.notes["footer_notes"] == ["6: Compiled for the credit desk"] and "footer_totals" not in parsed.notes


def test_a_workbooks_footer_rows_are_non_data_at_their_excel_rows(sentences, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "News"
    sheet.append(["Published", "Headline", "Body"])
    for i, text in enumerate(sentences[:3]):
        sheet.append([f"2024-05-02 09:0{i}", f"Story {i}", text])
    sheet.append([])
    sheet.append(["Total: 3 articles"])
    sheet.append([None, None, "Source: Refinitiv Eikon"])
    book.save(tmp_path / "desk.xlsx")

    parsed = parse_news_file(tmp_path / "desk.xlsx")

    parsed.reconcile()
    assert parsed.rows.height == 3 and parsed.quarantine.height == 0
    assert [line for line, kind in parsed.non_data_lines if kind == "footer_note"] == [6, 7]
    assert parsed.notes["footer_totals"]["line 6"] == {
        "line": 6, "footer": "Total: 3 articles", "source": "the footer 'Total: 3 articles'",
        "stated": 3, "records": 3, "matches": True}


def test_a_last_story_that_opens_as_footers_do_stays_a_story(data_dir, tmp_path):
    """Real PhraseBank sentences opening with 'Total', and headlines opening with 'Sources' or a
    count, are stories: only whole footer shapes end a file."""
    lines = (data_dir / "news" / "financial_phrasebank_50agree.txt").read_text("utf-8-sig").splitlines()
    totals = [line.rsplit("@", 1)[0].strip() for line in lines if line.startswith("Total ")][:2]
    assert len(totals) == 2
    path = tmp_path / "desk.csv"
    path.write_text("\n".join([
        "Headline,Body,Date",
        f'Story 1,"{totals[0]}",2024-05-02T09:00:00Z',
        "Sources say Nokia in talks to sell its networks unit,,",
        "500 stories that shaped Finnish business in 2023,,",
        f',"{totals[1]}",',
        "Source: Nokia in talks to buy a Finnish software maker,,",
    ]) + "\n")

    parsed = parse_news_file(path)

    parsed.reconcile()
    assert "footer_notes" not in parsed.notes and parsed.rows.height == 5
    assert parsed.rows.sort("_source_line")["text_clean"].to_list()[3] == totals[1]


def test_a_footer_split_over_cells_or_by_an_unquoted_comma_is_still_a_footer(sentences, tmp_path):
    path = _export(tmp_path / "terminal.csv", sentences, ["Total stories:,4,,", "Total: 1,204 stories"])

    parsed = parse_news_file(path)

    parsed.reconcile()
    assert parsed.quarantine.height == 0
    assert parsed.notes["footer_notes"] == ["6: Total stories: 4", "7: Total: 1,204 stories"]
    assert {key: (v["stated"], v["matches"]) for key, v in parsed.notes["footer_totals"].items()} == {
        "line 6": (4, True), "line 7": (1204, False)}


def test_a_bare_count_under_the_last_story_is_a_footer_whose_count_is_checked(sentences, tmp_path):
    """`4` or `3 stories` alone under the last story, with or without the empty fields of the other
    columns, was quarantined as `wrong_field_count`: it is the export's count of its stories."""
    for footer, stated in ((["4"], 4), (["", "3 stories,,"], 3), (["1,204,,,"], None), (['"1,204",,,'], 1204)):
        path = _export(tmp_path / "desk.csv", sentences, footer)

        parsed = parse_news_file(path)

        parsed.reconcile()
        if stated is None:  # unquoted, the comma splits it over two cells: no count's whole shape
            assert parsed.quarantine.select("line", "rule").rows() == [(6, "no_usable_text"), (6, "unparsable_timestamp")]
            continue
        line = 5 + len(footer)
        assert parsed.rows.height == 4 and parsed.quarantine.height == 0
        assert (line, "footer_note") in parsed.non_data_lines
        assert parsed.notes["footer_totals"][f"line {line}"]["stated"] == stated
        assert parsed.notes["footer_totals"][f"line {line}"]["matches"] is (stated == 4)


def test_a_one_column_feeds_last_story_stays_a_story_and_its_bare_count_is_a_footer(data_dir, tmp_path):
    """A headline feed of one column: a last headline opening with a number is a story; the bare
    count under it is the count of the stories."""
    lines = (data_dir / "news" / "financial_phrasebank_50agree.txt").read_text("utf-8-sig").splitlines()
    dated = [line.rsplit("@", 1)[0].strip() for line in lines if line[:1].isdigit()][:3]
    path = tmp_path / "headlines.csv"
    path.write_text("Headline\n" + "\n".join(f'"{text}"' for text in dated) + "\n3\n")

    parsed = parse_news_file(path)

    parsed.reconcile()
    assert parsed.rows.sort("_source_line")["text_clean"].to_list() == dated
    assert parsed.non_data_lines == [(5, "footer_note")]
    assert parsed.notes["footer_totals"]["line 5"] == {
        "line": 5, "footer": "3", "source": "the count '3' under the stories", "stated": 3, "records": 3, "matches": True}


def test_a_number_in_a_column_of_numbers_under_the_last_story_is_a_record(sentences, tmp_path):
    """A feed whose ids are numbers: `5,,` under the last story is an article with id 5 whose text
    was lost, and `5` alone a record cut short; neither is a count of stories."""
    rows = ["id,headline,body"] + [f'{i},Story {i},"{text}"' for i, text in enumerate(sentences[:4], start=1)]
    for last, rule in (("5,,", "no_usable_text"), ("5", "wrong_field_count")):
        path = tmp_path / "cms.csv"
        path.write_text("\n".join([*rows, last]) + "\n")

        parsed = parse_news_file(path)

        parsed.reconcile()
        assert parsed.rows.height == 4 and "footer_notes" not in parsed.notes
        assert [(r["line"], r["rule"]) for r in parsed.quarantine.iter_rows(named=True)] == [(6, rule)]


def _sections(sentences, footers: list[list[str]]) -> list[str]:
    """Exports concatenated into one file: each section its header, its stories and its footer."""
    rows, at = [], 0
    for size, footer in zip((2, 3), footers):
        rows += ["Date,Headline,Body,Ticker"]
        rows += [f'2024-05-02T09:0{at + i}:00Z,Story {at + i},"{sentences[at + i]}",NOKIA.HE' for i in range(size)]
        rows += footer
        at += size
    return rows


def test_each_sections_footer_is_non_data_and_checked_against_its_own_stories(sentences, tmp_path):
    """Two exports in one file, each under its own total: the first total was quarantined as a
    broken story, and the file's last total was checked against both sections' stories."""
    path = tmp_path / "desk.csv"
    path.write_text("\n".join(_sections(sentences, [["Total: 2 stories,,,", "Source: Bloomberg L.P. (c) 2024,,,"],
                                                    ["Total: 4 stories,,,"]])) + "\n")

    parsed = parse_news_file(path)

    parsed.reconcile()
    assert parsed.rows.height == 5 and parsed.quarantine.height == 0
    assert sorted(parsed.non_data_lines) == [(4, "footer_note"), (5, "footer_note"), (6, "repeated_header"),
                                             (10, "footer_note")]
    assert parsed.notes["footer_totals"] == {
        "line 4": {"line": 4, "footer": "Total: 2 stories", "source": "the footer 'Total: 2 stories'",
                   "stated": 2, "records": 2, "matches": True, "section": "lines 2-3"},
        "line 10": {"line": 10, "footer": "Total: 4 stories", "source": "the footer 'Total: 4 stories'",
                    "stated": 4, "records": 3, "matches": False, "section": "lines 6-9"}}
    with duckdb.connect() as con:
        con.execute("CREATE SCHEMA raw")
        con.execute("CREATE TABLE raw.landed_files (path VARCHAR, domain VARCHAR, status VARCHAR, notes VARCHAR, "
                    "rows_quarantined BIGINT, landed_at TIMESTAMP)")
        con.execute("INSERT INTO raw.landed_files VALUES (?, 'news', 'loaded', ?, 0, now())",
                    [str(path), json.dumps(parsed.notes)])
        outcome = news_footer_mismatches(con)
    assert [rule["detail"] for rule in outcome.rules] == [
        "desk.csv line 10: the footer 'Total: 4 stories' states 4 rows, its section of the file (lines 6-9) holds 3 "
        "(-1): rows were lost, or added, before the file landed (a paste or transfer cut short, a copy of part of "
        "the output)"]


def test_a_grand_total_counts_the_whole_file_and_a_page_mark_ends_no_section(sentences, tmp_path):
    path = tmp_path / "desk.csv"
    path.write_text("\n".join(_sections(sentences, [["Page 1 of 2,,,"], ["Page 2 of 2,,,", "Total: 5 stories,,,",
                                                                        "Grand total: 5 stories,,,"]])) + "\n")

    parsed = parse_news_file(path)

    parsed.reconcile()
    assert parsed.rows.height == 5 and parsed.quarantine.height == 0
    assert [line for line, kind in sorted(parsed.non_data_lines) if kind == "footer_note"] == [4, 9, 10, 11]
    assert {key: (v["stated"], v["records"], v.get("section")) for key, v in parsed.notes["footer_totals"].items()} == {
        "line 10": (5, 5, None), "line 11": (5, 5, None)}


def test_between_stories_only_a_footers_whole_shape_is_a_footer(sentences, tmp_path):
    """A bare number, prose in the date column, or a headline opening as a footer does or naming a
    source, between two stories, is a record, as it was."""
    rows = _sections(sentences, [["3,,,", "Compiled for the credit desk,,,",
                                  ",Source: Nokia in talks to buy a Finnish software maker,,",
                                  ",Source: Nokia cuts jobs,,"], []])

    path = tmp_path / "desk.csv"
    path.write_text("\n".join(rows) + "\n")
    parsed = parse_news_file(path)

    parsed.reconcile()
    assert "footer_notes" not in parsed.notes
    assert parsed.quarantine.select("line", "rule").rows() == [
        (4, "no_usable_text"), (4, "unparsable_timestamp"), (5, "no_usable_text"), (5, "unparsable_timestamp")]
    assert parsed.rows.filter(parsed.rows["_source_line"].is_in([6, 7]))["text_clean"].to_list() == [
        "Source: Nokia in talks to buy a Finnish software maker", "Source: Nokia cuts jobs"]


def test_a_workbooks_sections_each_count_their_own_rows(sentences, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Published", "Headline", "Body"])
    for i, text in enumerate(sentences[:2]):
        sheet.append([f"2024-05-02 09:0{i}", f"Story {i}", text])
    sheet.append(["Total: 2 articles"])
    for i, text in enumerate(sentences[2:5], start=2):
        sheet.append([f"2024-05-02 09:0{i}", f"Story {i}", text])
    sheet.append([3])
    book.save(tmp_path / "desk.xlsx")

    parsed = parse_news_file(tmp_path / "desk.xlsx")

    parsed.reconcile()
    assert parsed.rows.height == 5 and parsed.quarantine.height == 0
    assert {key: (v["stated"], v["records"], v["matches"], v["section"])
            for key, v in parsed.notes["footer_totals"].items()} == {
        "line 4": (2, 2, True, "lines 2-3"), "line 8": (3, 3, True, "lines 5-7")}


def test_a_number_alone_in_a_later_column_under_the_last_story_is_a_record_not_a_count(sentences, tmp_path):
    """`,,,7` under the last story, in a comments column the stories leave empty, is a record whose
    text is missing (quarantined, `no_usable_text`), not the export's count of its stories: a count
    written on a line of its own stands in the first column."""
    rows = ["Date,Headline,Body,Comments"] + [f'2024-05-02T09:0{i}:00Z,Story {i},"{text}",'
                                              for i, text in enumerate(sentences[:4])]
    path = tmp_path / "desk.csv"
    path.write_text("\n".join([*rows, ",,,7"]) + "\n")

    parsed = parse_news_file(path)

    parsed.reconcile()
    assert parsed.rows.height == 4
    assert "footer_totals" not in parsed.notes and "footer_notes" not in parsed.notes
    assert parsed.quarantine.select("line", "rule").rows()[0] == (6, "no_usable_text")
