"""An article's body under the names scrapers and CMS exports give it (`html`, `article_html`,
`raw_html`, a `lead` beside an empty `full_text`, JSON's `article.content.text`, JSON:API's
`data.attributes.body`, a `paragraphs` list): read as the body, never dropped for the headline."""

from __future__ import annotations

import json

import pytest

from risk_assets.lib.ingest.news_formats import parse_news_file


@pytest.mark.parametrize("column", ["html", "article_html", "raw_html"])
def test_a_scraped_page_column_is_the_body_with_its_markup_removed(tmp_path, column):
    path = tmp_path / "scraper.csv"
    path.write_text(
        f"id,headline,{column},published_at\n"
        's1,Acme profit up,"<!DOCTYPE html><html><head><style>body{x:1}</style><script>window.a=""Acme profit up"";'
        '</script></head><body><h1>Acme profit up</h1><p>Acme&#8217;s profit rose 10%.</p>'
        '<script type=""text/javascript"">track();</script></body></html>",2024-07-16T09:00:00Z\n'
        "s2,Zeta loss,<div><![CDATA[Zeta posted a loss]]></div><p>Zeta posted a wider loss.</p>,"
        "2024-07-16T09:00:00Z\n", encoding="utf-8")
    parsed = parse_news_file(path)
    assert parsed.notes["columns"]["body"] == column
    assert parsed.notes["ignored_columns"] == []
    assert parsed.rows.select("doc_id", "text_field", "text_clean").rows() == [
        ("s1", "body", "Acme profit up Acme\u2019s profit rose 10%."),
        ("s2", "body", "Zeta posted a loss Zeta posted a wider loss."),
    ]


def test_a_headline_html_column_is_no_body(tmp_path):
    path = tmp_path / "titles.csv"
    path.write_text("id,title,title_html\nt1,Beta grows,<b>Beta grows</b>\n", encoding="utf-8")
    parsed = parse_news_file(path)
    assert "body" not in parsed.notes["columns"]
    assert parsed.rows.select("text_field").to_series().to_list() == ["headline"]


def test_a_lead_is_the_body_of_a_row_whose_full_text_is_empty(tmp_path):
    path = tmp_path / "html_cols4.csv"
    path.write_text("id,title,full_text,lead,published_at\n"
                    "h4,Beta grows 4,,Beta grew revenue 14% lead.,2024-07-16T09:00:00Z\n"
                    "h5,Beta grows 5,Beta grew revenue 15% in full.,Lead five.,2024-07-16T09:00:00Z\n",
                    encoding="utf-8")
    parsed = parse_news_file(path)
    assert parsed.notes["columns"]["body"] == "full_text" and parsed.notes["columns"]["body_fallback"] == "lead"
    assert parsed.notes["body_from_fallback_lines"] == [2]
    assert parsed.rows.select("body", "text_field").rows() == [
        ("Beta grew revenue 14% lead.", "body"), ("Beta grew revenue 15% in full.", "body")]


def test_nested_and_listed_bodies_of_json_articles_are_read_row_by_row(tmp_path):
    path = tmp_path / "multipart.json"
    items = [
        {"id": "n1", "title": "Alpha beats estimates", "published": "2024-07-16T09:00:00Z",
         "body": "Alpha reported strong earnings growth."},
        {"id": "n4", "headline": "Delta up", "published": "2024-07-16T09:00:00Z",
         "article": {"content": {"text": "Delta rose 5%."}}},
        {"id": "m2", "title": "Deep body", "published": "2024-07-16T09:00:00Z",
         "data": {"attributes": {"body": "Sigma raised prices."}}},
        {"id": "m3", "title": "Paragraph list", "published": "2024-07-16T09:00:00Z",
         "paragraphs": ["First para.", "Second para."]},
        {"id": "m5", "title": "Pictured", "published": "2024-07-16T09:00:00Z",
         "image": {"description": "A photo of the CEO."}},
    ]
    path.write_text(json.dumps({"items": items}, indent=1), encoding="utf-8")
    parsed = parse_news_file(path)
    assert parsed.rows.select("headline", "body", "text_field").rows() == [
        ("Alpha beats estimates", "Alpha reported strong earnings growth.", "body"),
        ("Delta up", "Delta rose 5%.", "body"),
        ("Deep body", "Sigma raised prices.", "body"),
        ("Paragraph list", "First para.\n\nSecond para.", "body"),
        ("Pictured", None, "headline"),  # a picture's caption is no article's body
    ]
    assert "data_attributes_body" not in parsed.notes["ignored_columns"]
    assert parsed.notes["ignored_columns"] == ["image_description"]


def test_an_article_scored_on_its_headline_beside_an_unread_column_holding_text_is_said(tmp_path):
    path = tmp_path / "cms.csv"
    path.write_text("id,title,article_markup,views,published_at\n"
                    "h1,Beta grows,<p>Beta grew revenue 10%.</p>,12,2024-07-16T09:00:00Z\n"
                    "h2,Beta shrinks,,40,2024-07-16T09:00:00Z\n", encoding="utf-8")
    parsed = parse_news_file(path)
    assert parsed.rows.select("doc_id", "text_field").rows() == [("h1", "headline"), ("h2", "headline")]
    assert parsed.notes["headline_scored_beside_unread_text_lines"] == [2]  # line 3's unread columns hold no words
    assert parsed.notes["headline_scored_beside_unread_text"] == (
        "1 article(s) scored on the headline alone (line 2) while the column 'article_markup' beside it holds text "
        "the reader does not take for a body; if that is the article's text, declare it in the file's news "
        "settings, \"columns\": {\"article_markup\": \"body\"} (README, 'News files'), and land the file again")


def test_a_json_article_scored_on_its_headline_names_its_unread_nested_field(tmp_path):
    path = tmp_path / "nested.json"
    path.write_text(json.dumps([
        {"id": "a1", "title": "Delta up", "published": "2024-07-16T09:00:00Z",
         "story_markup": {"html": "<p>Delta rose 5% on the day.</p>"}},
        {"id": "a2", "title": "Kone wins", "published": "2024-07-16T09:00:00Z", "body": "Kone won an order."}],
        indent=1), encoding="utf-8")
    parsed = parse_news_file(path)
    assert parsed.rows.select("doc_id", "text_field").rows() == [("a1", "headline"), ("a2", "body")]
    assert parsed.notes["headline_scored_beside_unread_text_lines"] == [2]
    assert parsed.notes["headline_scored_beside_unread_text"].startswith(
        "1 article(s) scored on the headline alone (line 2) while the field 'story_markup.html' beside it holds "
        "text the reader does not take for a body; if that is the article's text, declare it in the file's news "
        "settings, \"columns\": {\"story_markup.html\": \"body\"}")


def test_a_body_read_leaves_nothing_to_say(tmp_path):
    path = tmp_path / "html_cols.csv"
    path.write_text("id,title,article_html,published_at\n"
                    "h1,Beta grows,<p>Beta grew revenue 10%.</p>,2024-07-16T09:00:00Z\n", encoding="utf-8")
    assert "headline_scored_beside_unread_text" not in parse_news_file(path).notes


def test_a_workbook_row_scored_on_its_headline_beside_an_unread_text_column_is_said(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "News"
    for row in (["id", "title", "article_markup", "views"], ["h1", "Beta grows", "<p>Beta grew revenue 10%.</p>", 12],
                ["h2", "Beta shrinks", None, 40]):
        sheet.append(row)
    path = tmp_path / "desk.xlsx"
    book.save(path)
    parsed = parse_news_file(path)
    assert parsed.rows.select("doc_id", "text_field").rows() == [("h1", "headline"), ("h2", "headline")]
    assert parsed.notes["headline_scored_beside_unread_text_lines"] == [2]
    assert parsed.notes["headline_scored_beside_unread_text"].startswith(
        "1 article(s) scored on the headline alone (row 2) while the column 'article_markup' beside it holds text")


def test_names_tags_and_captions_beside_a_headline_are_no_unread_text(tmp_path):
    path = tmp_path / "headlines.csv"
    path.write_text("id,title,author,category,image_caption,published_at\n"
                    "k1,Kone wins order,John Smith,\"Markets, Industrials\",The chief executive speaks at an event.,"
                    "2024-07-16T09:00:00Z\n", encoding="utf-8")
    parsed = parse_news_file(path)
    assert parsed.rows.select("text_field").to_series().to_list() == ["headline"]
    assert "headline_scored_beside_unread_text" not in parsed.notes
