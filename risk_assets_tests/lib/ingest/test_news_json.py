"""JSON news feeds (a news API's response saved as is, JSON Lines), built from real Financial
PhraseBank sentences: what loads, what is quarantined, what refuses the file."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from risk_assets.lib.ingest.news_formats import parse_news_file
from risk_assets.lib.ingest.parsed import FileRefused


@pytest.fixture(scope="module")
def sentences() -> list[tuple[str, str]]:
    """The first 40 (sentence, label) pairs of the PhraseBank vendor file."""
    from risk_assets_tests.conftest import DATA

    path = DATA / "news" / "financial_phrasebank_50agree.txt"
    if not path.is_file():
        pytest.skip(f"sample data not found at {path}")
    rows = parse_news_file(path).rows.head(40)
    return list(zip(rows["text_raw"], rows["label"], strict=True))


def _newsapi_articles(sentences) -> list[dict]:
    """NewsAPI's article objects: no id, the URL, a nested source, a headline and a content."""
    start = datetime(2024, 5, 2, 6, 30)
    return [{"source": {"id": None, "name": "Reuters" if i % 2 else "Bloomberg"}, "author": None,
             "title": sentence[:40], "description": None, "url": f"https://news.example.com/a/{i}",
             "publishedAt": f"{start + timedelta(hours=i):%Y-%m-%dT%H:%M:%SZ}", "content": sentence,
             "sentiment": label}
            for i, (sentence, label) in enumerate(sentences)]


@pytest.mark.parametrize("indent", [2, None], ids=["pretty", "one_line"])
def test_a_newsapi_response_loads_every_article_with_its_url_as_id(tmp_path, sentences, indent):
    path = tmp_path / "newsapi_2024-05-02.json"
    articles = _newsapi_articles(sentences)
    path.write_text(json.dumps({"status": "ok", "totalResults": 40, "articles": articles}, indent=indent))
    parsed = parse_news_file(path)
    assert parsed.format == "news_feed_json" and parsed.data_records == 40 and parsed.quarantine.height == 0
    rows = parsed.rows
    assert rows["text_raw"].to_list() == [s for s, _ in sentences]
    assert rows["label"].to_list() == [label for _, label in sentences]
    assert rows["doc_id"][3] == "https://news.example.com/a/3" and rows["source"][3] == "Reuters"
    assert rows["published_at"][3] == datetime(2024, 5, 2, 9, 30)
    assert parsed.notes["columns"] == {"doc_id": "url", "published_at": "publishedAt", "headline": "title",
                                       "body": "content", "source": "source_name", "label": "sentiment",
                                       "body_fallback": "description"}
    if indent:  # each article opens on its own line: lineage names it
        text_lines = path.read_text().split("\n")
        assert all(text_lines[line - 1].strip() == "{" for line in rows["_source_line"])
        assert rows["_source_line"][0] == 5 and "record_numbers" not in parsed.notes
    else:  # one line: the article's number in the list
        assert rows["_source_line"].to_list() == list(range(1, 41))
        assert "not lines" in parsed.notes["record_numbers"]


def test_json_lines_quarantine_a_cut_last_line_with_its_column_and_keep_the_rest(tmp_path, sentences):
    path = tmp_path / "wire.jsonl"
    lines = [json.dumps(a) for a in _newsapi_articles(sentences[:5])]
    path.write_text("\n".join(lines) + "\n\n" + lines[4][:60] + "\n")
    parsed = parse_news_file(path)
    assert parsed.format == "news_feed_jsonl"
    assert parsed.rows.height == 5 and parsed.non_data_lines == [(6, "blank")]
    (entry,) = parsed.quarantine.iter_rows(named=True)
    assert (entry["line"], entry["rule"], entry["raw_value"]) == (7, "malformed_json", lines[4][:60])
    assert "line 7 column" in entry["message"] and "truncated" in entry["message"]


def test_the_same_article_pulled_twice_is_one_article(tmp_path, sentences):
    articles = _newsapi_articles(sentences[:3])
    path = tmp_path / "pull.json"
    path.write_text(json.dumps({"status": "ok", "articles": [*articles, articles[1]]}, indent=2))
    parsed = parse_news_file(path)
    assert parsed.rows.height == 3
    (entry,) = parsed.quarantine.iter_rows(named=True)
    assert entry["rule"] == "duplicate_doc_id" and entry["record_key"] == "https://news.example.com/a/1"
    assert "(same text: a repeat)" in entry["message"]


def test_alpha_vantage_feed_reads_its_compact_times_and_skips_per_ticker_lists(tmp_path, sentences):
    sentence, _ = sentences[0]
    path = tmp_path / "av.json"
    path.write_text(json.dumps({"items": "1", "sentiment_score_definition": "x <= -0.35: Bearish", "feed": [
        {"title": "Q1", "url": "https://av.example/1", "time_published": "20240502T093000", "authors": ["A", "B"],
         "summary": sentence, "source": "Benzinga", "topics": [{"topic": "Earnings"}],
         "ticker_sentiment": [{"ticker": "AAPL", "relevance_score": "0.9"}]}]}))
    parsed = parse_news_file(path)
    (row,) = parsed.rows.iter_rows(named=True)
    assert (row["text_raw"], row["published_at"], row["source"]) == (sentence, datetime(2024, 5, 2, 9, 30), "Benzinga")
    assert parsed.notes["articles_in"] == "member 'feed'"
    assert parsed.notes["ignored_lists"] == ["ticker_sentiment", "topics"]
    assert parsed.notes["published_at_assumed_utc_lines"] == [1]


def test_bad_articles_are_quarantined_by_the_feed_rules(tmp_path, sentences):
    articles = _newsapi_articles(sentences[:4])
    articles[0]["content"], articles[0]["title"] = None, "   "
    articles[1]["publishedAt"] = "03/04/2024 10:00"
    articles[2]["sentiment"] = "bullish"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([*articles, "not an article"], indent=1))
    parsed = parse_news_file(path)
    rules = dict(zip(parsed.quarantine["record_key"], parsed.quarantine["rule"], strict=True))
    assert rules == {"https://news.example.com/a/0": "no_usable_text", "https://news.example.com/a/1":
                     "unparsable_timestamp", "https://news.example.com/a/2": "unknown_label", None: "malformed_json"}
    assert parsed.rows["doc_id"].to_list() == ["https://news.example.com/a/3"]
    assert parsed.data_records == 5  # 1 loaded + 4 quarantined: reconciled


@pytest.mark.parametrize(("document", "expected"), [
    ({"status": "error", "code": "rateLimited", "message": "You have made too many requests recently."},
     "'message': 'You have made too many requests recently.'}: an API's error response saved as a feed?"),
    ({"Information": "Thank you for using Alpha Vantage! Please subscribe to any of the premium plans."},
     "it says {'Information': 'Thank you for using Alpha Vantage!"),
    ([1, 2, 3], "a JSON list with no article object among its items (found int)"),
    ({"a": [{"title": "x"}], "b": [{"title": "y"}]}, "several lists of objects (a, b) and none named as the articles"),
    ([{"id": 1, "price": 3}], "no article field names a headline or a body (fields: id, price)"),
], ids=["newsapi_error", "alpha_vantage_limit", "numbers", "two_lists", "no_text_field"])
def test_a_json_file_without_articles_is_refused_saying_why(tmp_path, document, expected):
    path = tmp_path / "response.json"
    path.write_text(json.dumps(document))
    with pytest.raises(FileRefused, match="response.json") as refused:
        parse_news_file(path)
    assert expected in str(refused.value)


def test_a_truncated_json_download_is_refused_naming_where_it_stops(tmp_path, sentences):
    path = tmp_path / "cut.json"
    text = json.dumps({"status": "ok", "articles": _newsapi_articles(sentences[:3])}, indent=2)
    path.write_text(text[:900])
    with pytest.raises(FileRefused) as refused:
        parse_news_file(path)
    line = text[:900].count("\n") + 1
    assert f"cut.json: line {line} column" in str(refused.value)
    assert "a truncated download?" in str(refused.value)


def test_an_empty_article_list_loads_nothing_and_refuses_nothing(tmp_path):
    path = tmp_path / "quiet_day.json"
    path.write_text(json.dumps({"status": "ok", "totalResults": 0, "articles": []}))
    parsed = parse_news_file(path)
    assert (parsed.data_records, parsed.rows.height, parsed.notes["articles_in"]) == (0, 0, "member 'articles'")
