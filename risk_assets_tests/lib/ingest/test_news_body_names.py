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
