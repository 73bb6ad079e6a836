"""What loading a news file does to markup in its text, and to a headline or body left blank."""

from __future__ import annotations

import json

from risk_assets.lib.ingest.news_formats import parse_news_file
from risk_assets.lib.text import clean_text


def test_html_bodies_are_read_as_shown_and_counted_while_comparisons_stay_text(tmp_path):
    feed = tmp_path / "nokia_feed.csv"
    feed.write_text(
        "id,headline,body\n"
        'n1,Nokia sales,"<p>Nok<b>ia</b> posted re<em>cord</em> sales of EUR 5<sup>1</sup>bn.</p>"\n'
        'n2,Spreads,"The spread between A<B and B>C narrowed, analysts said."\n'
        'n3,Ratios,"Ratio of p<q and q>r was 2 <p and p> 3 in the deal"\n'
        'n4,Outlook,"First line<br>second line<br/>third"\n', encoding="utf-8")
    parsed = parse_news_file(feed)
    assert parsed.rows.select("doc_id", "text_clean").rows() == [
        ("n1", "Nokia posted record sales of EUR 5 1 bn."),
        ("n2", "The spread between A<B and B>C narrowed, analysts said."),
        ("n3", "Ratio of p<q and q>r was 2 <p and p> 3 in the deal"),
        ("n4", "First line second line third")]
    assert parsed.notes["markup_removed_lines"] == [2, 5]


def test_a_line_break_written_as_a_vertical_tab_is_no_markup():
    cleaned = clean_text("Fiskars net sales rose 12 %.\x0bOperating profit fell.")
    assert cleaned.text == "Fiskars net sales rose 12 %. Operating profit fell." and not cleaned.had_tags


def test_a_blank_headline_or_body_is_null_in_every_format_and_the_row_is_scored_from_the_other(tmp_path):
    feed = tmp_path / "feed.csv"
    feed.write_text("id,headline,body\n"
                    "k1,,Kesko's sales rose 4 % in March .\n"
                    "k2,Kesko sales up 4 %,   \n", encoding="utf-8")
    items = tmp_path / "feed.json"
    items.write_text(json.dumps([{"id": "k1", "headline": " ", "body": "Kesko's sales rose 4 % in March ."},
                                 {"id": "k2", "headline": "Kesko sales up 4 %", "body": ""}]), encoding="utf-8")
    for path in (feed, items):
        rows = parse_news_file(path).rows.select("doc_id", "headline", "body", "text_field", "text_clean").rows()
        assert rows == [("k1", None, "Kesko's sales rose 4 % in March .", "body", "Kesko's sales rose 4 % in March ."),
                        ("k2", "Kesko sales up 4 %", None, "headline", "Kesko sales up 4 %")], path.name
