"""A JSON feed whose headline is written once per language with none in English (`title: {"fi":
..., "sv": ...}`) is refused as the CSV with `title_fi` and `title_sv` is: which one the sentiment
model should read is not guessed, and the refusal names the fields and the news settings line
that reads one, not 'no article field names a headline'."""

from __future__ import annotations

import json

import pytest

from risk_assets.lib.ingest.news_formats import parse_news_file
from risk_assets.lib.ingest.parsed import FileRefused

ARTICLES = [
    {"id": 1, "published_at": "2024-05-02T09:00:00Z",
     "title": {"fi": "Nordea nostaa näkymiään vahvan neljänneksen jälkeen",
               "sv": "Nordea höjer sina utsikter efter ett starkt kvartal"}},
    {"id": 2, "published_at": "2024-05-02T10:00:00Z",
     "title": {"fi": "Kone voittaa suuren tilauksen", "sv": "Kone vinner en stor order"}},
]


def test_a_json_headline_in_several_languages_and_none_in_english_is_refused_naming_them(tmp_path):
    path = tmp_path / "nordic_desk.json"
    path.write_text(json.dumps(ARTICLES, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(FileRefused) as refused:
        parse_news_file(path)
    assert str(refused.value) == (
        f"{path}: fields title.fi, title.sv: the article's text in 2 languages and none in English, so which one "
        "to read is not guessed; declare it in news settings, \"columns\": {\"title.fi\": \"headline\"} "
        "(README, 'News files'), and land the file again")


def test_the_declaration_the_refusal_gives_reads_the_feed(tmp_path):
    path = tmp_path / "nordic_desk.jsonl"
    path.write_text("\n".join(json.dumps(article, ensure_ascii=False) for article in ARTICLES) + "\n",
                    encoding="utf-8")
    with pytest.raises(FileRefused, match=r"fields title\.fi, title\.sv: the article's text in 2 languages"):
        parse_news_file(path)
    path.with_name(path.name + ".mapping.json").write_text(
        json.dumps({"name": "nordic_desk", "columns": {"title.fi": "headline"}}), encoding="utf-8")
    parsed = parse_news_file(path)
    assert parsed.rows["headline"].to_list() == ["Nordea nostaa näkymiään vahvan neljänneksen jälkeen",
                                                 "Kone voittaa suuren tilauksen"]
