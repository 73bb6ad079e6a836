"""Two spellings of one field across the articles of a JSON file (`published_at` on one line,
`publishedAt` on another): each article reads its own; only an article that writes both, with
different values, is quarantined, by itself, naming its line and both fields."""

from __future__ import annotations

import json
from datetime import datetime

from risk_assets.lib.ingest.news_formats import parse_news_file

MIXED = [
    '{"id": "n1", "headline": "Line one", "body": "Body one.", "published_at": "2024-07-16T09:00:00Z"}',
    '[{"id": "n2", "headline": "Arr a", "body": "Body a.", "published_at": "2024-07-16T09:00:00Z"}, '
    '{"id": "n3", "headline": "Arr b", "body": "Body b.", "published_at": "2024-07-16T09:00:00Z"}]',
    '{"status": "ok", "articles": [{"id": "n4", "title": "Env", "description": "Env body.", '
    '"publishedAt": "2024-07-17T10:30:00Z"}]}',
    '{"id": "n5", "headline": "Line five", "body": "Body five.", "published_at": "2024-07-16T09:00:00Z"}',
]


def test_json_lines_spelling_a_field_two_ways_on_different_lines_load_every_article(tmp_path):
    path = tmp_path / "ndjson_mixed.jsonl"
    path.write_text("\n".join(MIXED) + "\n", encoding="utf-8")
    parsed = parse_news_file(path)
    assert parsed.quarantine.height == 0
    assert parsed.rows.select("doc_id", "headline", "body", "published_at").rows() == [
        ("n1", "Line one", "Body one.", datetime(2024, 7, 16, 9)),
        ("n2", "Arr a", "Body a.", datetime(2024, 7, 16, 9)),
        ("n3", "Arr b", "Body b.", datetime(2024, 7, 16, 9)),
        ("n4", "Env", "Env body.", datetime(2024, 7, 17, 10, 30)),
        ("n5", "Line five", "Body five.", datetime(2024, 7, 16, 9)),
    ]


def test_one_json_line_writing_a_field_under_two_names_differently_is_quarantined_alone(tmp_path):
    path = tmp_path / "ndjson_conflict.jsonl"
    lines = [MIXED[0],
             '{"id": "n6", "headline": "Both", "body": "Body six.", "published_at": "2024-07-16T09:00:00Z", '
             '"publishedAt": "2024-07-18T09:00:00Z"}',
             '{"id": "n7", "headline": "Same twice", "body": "Body seven.", "published_at": "2024-07-16T09:00:00Z", '
             '"publishedAt": "2024-07-16T09:00:00Z"}',
             MIXED[3]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    parsed = parse_news_file(path)
    assert parsed.rows["doc_id"].to_list() == ["n1", "n7", "n5"]  # the same value twice is one value
    ((line, column, rule, raw, message),) = parsed.quarantine.select(
        "line", "column_name", "rule", "raw_value", "message").rows()
    assert (line, column, rule) == (2, "published_at/publishedAt", "repeated_key")
    assert raw == "published_at='2024-07-16T09:00:00Z', publishedAt='2024-07-18T09:00:00Z'"
    assert message == (
        f"{path}: line 2: fields 'published_at' and 'publishedAt' both name the published_at (names are read "
        "whatever their case, spaces and hyphens) with different values (published_at='2024-07-16T09:00:00Z', "
        "publishedAt='2024-07-18T09:00:00Z'): which one is the article's cannot be known; write it once and "
        "land the file again")


def test_a_json_array_whose_articles_spell_the_time_two_ways_loads_both(tmp_path):
    path = tmp_path / "array.json"
    path.write_text(json.dumps([
        {"id": "a1", "title": "Kone wins order", "published_at": "2024-07-16T09:00:00Z"},
        {"id": "a2", "title": "Fortum cuts outlook", "publishedAt": "2024-07-17T09:00:00Z"}], indent=1),
        encoding="utf-8")
    parsed = parse_news_file(path)
    assert parsed.rows.select("doc_id", "published_at").rows() == [
        ("a1", datetime(2024, 7, 16, 9)), ("a2", datetime(2024, 7, 17, 9))]
