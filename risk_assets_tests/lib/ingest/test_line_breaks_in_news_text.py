"""Line breaks typed inside a news headline, body or PhraseBank sentence, written by the export as
another character: a vertical tab U+000B (Excel for Mac, FileMaker; `_x000B_` in a workbook's XML), a
form feed, NEL U+0085, U+2028 LINE SEPARATOR or U+2029 PARAGRAPH SEPARATOR. Each is read as the line
feed a quoted CSV field holds and counted as loan tapes count it (note `line_break_characters_read`,
values per column and character), in every container news landing reads: no record is split at one
and no article is lost to it. A form feed was quarantined `control_character`, NEL read as an
ellipsis, U+2028 and U+2029 loaded unremarked."""

from __future__ import annotations

import json

import openpyxl
import pytest

from risk_assets.lib.ingest.news_formats import parse_news_file
from risk_assets.lib.ingest.note_meanings import NOTE_MEANINGS
from risk_assets.lib.text import clean_text, read_line_breaks

BREAKS = {"\x0b": "U+000B LINE TABULATION", "\x0c": "U+000C FORM FEED", "\x85": "U+0085 NEXT LINE",
          "\u2028": "U+2028 LINE SEPARATOR", "\u2029": "U+2029 PARAGRAPH SEPARATOR"}
HEADLINE = "Nordea posts record quarter{}as lending grows"
BODY = "Net interest income rose 12 % to EUR 1.9bn.{}Loan losses stayed low."
HEADLINES = ["Nordea posts record quarter\nas lending grows", "Danske Bank cuts outlook"]
BODIES = ["Net interest income rose 12 % to EUR 1.9bn.\nLoan losses stayed low.",
          "The bank expects higher credit losses in Denmark."]
CLEAN = ["Net interest income rose 12 % to EUR 1.9bn. Loan losses stayed low.",
         "The bank expects higher credit losses in Denmark."]


def _articles(brk: str) -> list[dict[str, str]]:
    return [{"url": "https://www.reuters.com/business/finance/nordea-q2-2024-07-18/",
             "title": HEADLINE.format(brk), "description": BODY.format(brk), "publishedAt": "2024-07-18T05:30:00Z"},
            {"url": "https://www.reuters.com/business/finance/danske-outlook-2024-07-19/",
             "title": "Danske Bank cuts outlook", "description": "The bank expects higher credit losses in Denmark.",
             "publishedAt": "2024-07-19T06:00:00Z"}]


def _assert_read(parsed, brk: str, line_of_first: int | None) -> None:
    parsed.reconcile()
    assert parsed.quarantine.height == 0
    assert parsed.rows.select("headline", "body").rows() == list(zip(HEADLINES, BODIES))
    assert parsed.rows["text_clean"].to_list() == CLEAN
    if line_of_first is not None:  # the line the first record starts on: none was split
        assert parsed.rows["_source_line"].to_list()[0] == line_of_first
    assert parsed.notes["line_break_characters_read"] == {"headline": {BREAKS[brk]: 1}, "body": {BREAKS[brk]: 1}}
    assert "c1_controls_reread_lines" not in parsed.notes


@pytest.mark.parametrize("brk", list(BREAKS), ids=["vt", "ff", "nel", "ls", "ps"])
def test_a_line_break_character_in_a_csv_feed_is_read_as_a_line_break(tmp_path, brk):
    feed = tmp_path / "nordic_banks.csv"
    feed.write_text("id,headline,body,published_at,source\n"
                    f"rt-0718-01,{HEADLINE.format(brk)},{BODY.format(brk)},2024-07-18T05:30:00Z,Reuters\n"
                    f"rt-0719-02,{HEADLINES[1]},{BODIES[1]},2024-07-19T06:00:00Z,Reuters\n", encoding="utf-8")
    _assert_read(parse_news_file(feed), brk, 2)


@pytest.mark.parametrize("brk", list(BREAKS), ids=["vt", "ff", "nel", "ls", "ps"])
@pytest.mark.parametrize("ascii_only", [True, False], ids=["escaped", "raw"])
def test_a_line_break_character_in_a_json_feed_is_read_as_a_line_break(tmp_path, brk, ascii_only):
    """`"\\u2028"` escaped or written raw inside a JSON string, in a NewsAPI page."""
    feed = tmp_path / "newsapi.json"
    feed.write_text(json.dumps({"status": "ok", "totalResults": 2, "articles": _articles(brk)},
                               ensure_ascii=ascii_only), encoding="utf-8")
    _assert_read(parse_news_file(feed), brk, 1)


@pytest.mark.parametrize("brk", list(BREAKS), ids=["vt", "ff", "nel", "ls", "ps"])
def test_a_line_break_character_in_json_lines_splits_no_line(tmp_path, brk):
    """JSON Lines written raw (`ensure_ascii=False`): str.splitlines would cut each line at the
    character, and neither half is an object."""
    feed = tmp_path / "articles.jsonl"
    feed.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in _articles(brk)), encoding="utf-8")
    _assert_read(parse_news_file(feed), brk, 1)


def test_json_lines_cut_at_the_start_are_told_by_their_lines_not_at_a_line_separator(tmp_path):
    """A JSON Lines download resumed mid-file whose articles hold U+2028: its first lines were split
    at the character when the format was judged, no half was an object, and the whole file was
    refused as 'not a known news format'. The cut line is quarantined, the two articles load."""
    lines = [json.dumps(a, ensure_ascii=False) for a in _articles("\u2028")]
    lines.append(json.dumps({**_articles("\u2028")[0], "url": "https://www.reuters.com/markets/nordea-2/"},
                            ensure_ascii=False))
    feed = tmp_path / "resumed.jsonl"
    feed.write_text("\n".join([lines[0][60:], *lines[1:]]) + "\n", encoding="utf-8")
    parsed = parse_news_file(feed)
    parsed.reconcile()
    assert parsed.format == "news_feed_jsonl"
    assert parsed.quarantine.select("line", "rule").rows() == [(1, "malformed_json")]
    assert parsed.rows["headline"].to_list() == [HEADLINES[1], HEADLINES[0]]
    assert parsed.notes["line_break_characters_read"] == {"headline": {"U+2028 LINE SEPARATOR": 1},
                                                          "body": {"U+2028 LINE SEPARATOR": 1}}


@pytest.mark.parametrize(("brk", "written"), [("\x85", "&#133;"), ("\x85", "\x85"), ("\u2028", "&#x2028;"),
                                              ("\u2029", "\u2029")], ids=["nel-ref", "nel", "ls-ref", "ps"])
def test_a_line_break_character_in_an_rss_feed_is_read_as_a_line_break(tmp_path, brk, written):
    """XML 1.0 holds NEL, U+2028 and U+2029 (a vertical tab or form feed it cannot hold, even as a
    reference: such a feed is refused as not well-formed)."""
    items = "".join(f"<item><title>{a['title'].replace(brk, written)}</title><link>{a['url']}</link>"
                    f"<description>{a['description'].replace(brk, written)}</description>"
                    f"<pubDate>{day}</pubDate></item>"
                    for a, day in zip(_articles(brk), ("Thu, 18 Jul 2024 05:30:00 GMT", "Fri, 19 Jul 2024 06:00:00 GMT")))
    feed = tmp_path / "banking.xml"
    feed.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Reuters Banking'
                    f"</title><link>https://www.reuters.com/</link><description>Banks</description>{items}"
                    "</channel></rss>\n", encoding="utf-8")
    _assert_read(parse_news_file(feed), brk, None)


@pytest.mark.parametrize(("brk", "written"), [("\x0c", "_x000C_"), ("\x0b", "_x000B_"), ("\x85", "\x85"),
                                              ("\u2029", "\u2029")], ids=["ff", "vt", "nel", "ps"])
def test_a_line_break_character_in_a_workbook_is_read_as_a_line_break(tmp_path, brk, written):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "headline", "body", "published_at", "source"])
    sheet.append(["rt-0718-01", HEADLINE.format(written), BODY.format(written), "2024-07-18T05:30:00Z", "Reuters"])
    sheet.append(["rt-0719-02", HEADLINES[1], BODIES[1], "2024-07-19T06:00:00Z", "Reuters"])
    feed = tmp_path / "nordic_banks.xlsx"
    book.save(feed)
    _assert_read(parse_news_file(feed), brk, 2)


@pytest.mark.parametrize("brk", list(BREAKS), ids=["vt", "ff", "nel", "ls", "ps"])
def test_a_line_break_character_in_a_phrasebank_sentence_is_read_as_a_line_break(tmp_path, brk):
    """Both PhraseBank layouts: `sentence@label` lines and the `Y,Notices` CSV. A vertical tab or form
    feed quarantined the sentence `control_character`; NEL was read as an ellipsis."""
    txt = tmp_path / "Sentences_AllAgree.txt"
    txt.write_text(f"{BODY.format(brk)}@positive\n{BODIES[1]}@negative\n", encoding="utf-8")
    table = tmp_path / "phrasebank.csv"
    table.write_text(f'y,notices\npositive,"{BODY.format(brk)}"\nnegative,{BODIES[1]}\n', encoding="utf-8")
    for path, column in ((txt, "sentence"), (table, "Notices")):
        parsed = parse_news_file(path)
        parsed.reconcile()
        assert parsed.quarantine.height == 0
        assert parsed.rows.select("text_raw", "text_clean", "label").rows() == [
            (BODIES[0], CLEAN[0], "positive"), (BODIES[1], CLEAN[1], "negative")]
        assert parsed.notes["line_break_characters_read"] == {column: {BREAKS[brk]: 1}}


def test_a_nel_where_an_ellipsis_stands_stays_the_windows_1252_ellipsis(tmp_path):
    """U+0085 is also byte 0x85 of Windows-1252, '…', in a text decoded as Latin-1: before white
    space or the end of the text, or beside another C1 control, it is read as the ellipsis."""
    feed = tmp_path / "ellipsis.csv"
    feed.write_text("id,headline,body,published_at,source\n"
                    "rt-1,Shares fell\x85 then rose,Nokia\x92s results\x85Analysts cheered.,2024-07-18T05:30:00Z,Reuters\n",
                    encoding="utf-8")
    parsed = parse_news_file(feed)
    parsed.reconcile()
    assert parsed.rows.select("headline", "body").rows() == [
        ("Shares fell\u2026 then rose", "Nokia\u2019s results\u2026Analysts cheered.")]
    assert "line_break_characters_read" not in parsed.notes
    assert parsed.notes["c1_controls_reread_lines"] == [2]


def test_news_text_cleaning_reads_each_line_break_character_as_white_space():
    """A vertical tab between two words was dropped before tokenising (`rose.Loans`)."""
    for brk in BREAKS:
        assert clean_text(f"Net income rose.{brk}Loans grew.").text == "Net income rose. Loans grew."
    assert read_line_breaks("Shares fell\x85 then rose.\x0cPage two\u2029") == "Shares fell\x85 then rose.\nPage two\n"
    assert clean_text("Kesko\u00c3\x85land deal").text == "KeskoÅland deal"  # UTF-8 'Å' read as Latin-1


def test_the_note_has_one_meaning_for_loans_and_news():
    assert "vertical_tab_read_as_line_break" not in NOTE_MEANINGS
    assert "headline" in NOTE_MEANINGS["line_break_characters_read"]
