"""A JSON feed's publication time, source, id and ticker nested in objects (`meta.published`,
`meta.source.name`, `article.date`), read by the field's own name as a nested headline and body
are; and a time the reader can see but not use, said in words."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from risk_assets.lib.ingest.news_formats import parse_news_file
from risk_assets.lib.ingest.parsed import FileRefused


def _jsonl(path, articles: list[dict]):
    path.write_text("".join(json.dumps(article) + "\n" for article in articles), encoding="utf-8")
    return parse_news_file(path)


def test_a_webz_like_article_reads_its_nested_time_and_source_name(tmp_path):
    articles = [{"uuid": f"a{i}", "meta": {"published": f"2024-05-0{i + 1}T09:00:00Z", "source": {"name": "Reuters"}},
                 "content": {"title": f"Nokia shares rise {i} percent",
                             "body": f"Nokia said profit grew by {i} percent in the quarter."},
                 "tags": ["NOKIA.HE"], "sentiment": {"label": "positive", "score": 0.9}} for i in range(3)]
    parsed = _jsonl(tmp_path / "n01_nested_articles.jsonl", articles)
    assert parsed.quarantine.height == 0
    assert parsed.rows["published_at"].to_list() == [datetime(2024, 5, d, 9) for d in (1, 2, 3)]
    assert parsed.rows["source"].to_list() == ["Reuters"] * 3
    assert parsed.rows["doc_id"].to_list() == ["reuters:a0", "reuters:a1", "reuters:a2"]
    columns = parsed.notes["columns"]
    assert (columns["published_at"], columns["source"], columns["doc_id"]) == ("meta_published", "meta_source_name",
                                                                                "uuid")
    assert "time_like_columns_unread" not in parsed.notes and "published_at_unread" not in parsed.notes
    assert parsed.notes["ignored_columns"] == ["tags", "sentiment_score"]  # a score is no time


def test_a_newsapi_like_page_nested_one_level_deeper_reads_the_source_name_never_its_id(tmp_path):
    articles = [{"data": {"source": {"id": None, "name": "Reuters"}, "publishedAt": "2024-05-02T06:30:00Z",
                          "title": "Fortum cuts its outlook", "url": "https://news.example.com/a/1"}},
                {"data": {"source": {"id": "bbg", "name": "Bloomberg"}, "publishedAt": "2024-05-02T07:45:00Z",
                          "title": "Neste beats estimates", "url": "https://news.example.com/a/2"}}]
    parsed = _jsonl(tmp_path / "wrapped_newsapi.jsonl", articles)
    rows = parsed.rows
    assert rows["published_at"].to_list() == [datetime(2024, 5, 2, 6, 30), datetime(2024, 5, 2, 7, 45)]
    assert rows["source"].to_list() == ["Reuters", "Bloomberg"]
    assert rows["doc_id"].to_list() == ["https://news.example.com/a/1", "https://news.example.com/a/2"]
    assert parsed.notes["columns"]["doc_id"] == "data_url"  # source.id is the outlet's, not the article's


def test_an_item_object_gives_its_date_id_and_ticker_never_a_picture_s_or_a_user_s(tmp_path):
    articles = [{"item": {"id": "x-17", "date": "2024-05-03 14:05", "ticker": "SAMPO.HE",
                          "image": {"url": "https://img.example.com/1.jpg", "date": "2019-01-01"}},
                 "headline": "Sampo lifts its dividend",
                 "user": {"id": 99, "created_at": "2011-02-03T00:00:00Z"},
                 "extra": {"related": {"date": "2020-01-01"}}}]
    parsed = _jsonl(tmp_path / "item_objects.jsonl", articles)
    row = parsed.rows.row(0, named=True)
    assert (row["doc_id"], row["published_at"], row["ticker"]) == ("x-17", datetime(2024, 5, 3, 14, 5), "SAMPO.HE")
    assert {name: parsed.notes["columns"][name] for name in ("doc_id", "published_at", "ticker")} == {
        "doc_id": "item_id", "published_at": "item_date", "ticker": "item_ticker"}


def test_an_article_wrapper_reads_its_date_and_headline(tmp_path):
    parsed = _jsonl(tmp_path / "article_wrapped.jsonl",
                    [{"article": {"date": "2024-05-03T14:05:00Z", "headline": "Sampo lifts its dividend"}}])
    assert parsed.rows.select("published_at", "headline").row(0) == (datetime(2024, 5, 3, 14, 5),
                                                                     "Sampo lifts its dividend")


def test_two_nested_times_of_one_depth_and_name_refuse_the_file_as_two_columns_would(tmp_path):
    articles = [{"uuid": "a0", "meta": {"published": "2024-05-01T09:00:00Z"},
                 "crawl": {"published": "2024-05-03T10:00:00Z"}, "title": "Nokia shares rise"}]
    with pytest.raises(FileRefused, match=r"\['meta.published', 'crawl.published'\] both name the published_at"):
        _jsonl(tmp_path / "two_times.jsonl", articles)


def test_two_nested_times_of_one_depth_read_the_better_name_as_two_columns_do(tmp_path):
    articles = [{"uuid": "a0", "meta": {"date": "2024-05-03", "published": "2024-05-01T09:00:00Z"},
                 "title": "Nokia shares rise"}]
    parsed = _jsonl(tmp_path / "date_and_published.jsonl", articles)
    assert parsed.rows["published_at"].to_list() == [datetime(2024, 5, 1, 9)]
    assert parsed.notes["columns"]["published_at"] == "meta_published"


def test_a_time_like_field_left_unread_is_said_in_words_naming_it(tmp_path):
    articles = [{"uuid": f"a{i}", "meta": {"first_seen_on": f"2024-05-0{i + 1}"}, "title": f"Story {i}",
                 "sentiment": {"label": "neutral", "score": 0.4}} for i in range(2)]
    parsed = _jsonl(tmp_path / "unread_time.jsonl", articles)
    assert parsed.rows["published_at"].to_list() == [None, None]
    assert parsed.notes["time_like_columns_unread"] == ["meta_first_seen_on"]
    assert parsed.notes["published_at_unread"] == (
        "no publication time read: 'meta.first_seen_on' looks like one but is no name the reader takes for it, "
        "so every article loads with published_at empty; if it is the publication time, declare it in the file's "
        "news settings, \"columns\": {\"meta.first_seen_on\": \"published_at\"} (README, 'News files'), and "
        "land the file again")


@pytest.fixture
def phrasebank_sentences(data_dir) -> list[str]:
    """The first 6 sentences of the PhraseBank vendor file, labels dropped."""
    lines = (data_dir / "news" / "financial_phrasebank_50agree.txt").read_text("utf-8-sig").splitlines()
    return [line.rsplit("@", 1)[0] for line in lines[:6]]


def test_a_time_written_as_an_object_with_its_zone_is_read_in_that_zone(tmp_path, phrasebank_sentences):
    """PHP's json_encode writes a DateTime as `{"date", "timezone_type", "timezone"}` and Google's
    Calendar-style APIs write `{"dateTime", "timeZone"}`: the zone beside the wall-clock time is the
    time's own, never an ignored field leaving the time read as UTC (three hours off in Helsinki)."""
    s = phrasebank_sentences
    articles = [
        {"id": 101, "title": s[0][:30], "body": s[0], "source": "Nordic Wire",  # PHP, a region (type 3)
         "published": {"date": "2024-05-02 09:00:00.000000", "timezone_type": 3, "timezone": "Europe/Helsinki"}},
        {"id": 102, "title": s[1][:30], "body": s[1], "source": "Nordic Wire",  # PHP, an offset (type 1)
         "published": {"date": "2024-05-02 11:30:00.000000", "timezone_type": 1, "timezone": "-04:00"}},
        {"id": 103, "title": s[2][:30], "body": s[2], "source": "Nordic Wire",  # PHP, an abbreviation (type 2)
         "published": {"date": "2024-01-15 09:00:00.000000", "timezone_type": 2, "timezone": "EET"}},
        {"id": 104, "title": s[3][:30], "body": s[3], "source": "Nordic Wire",
         "published": {"dateTime": "2024-07-01T08:15:00", "timeZone": "Europe/Stockholm"}},
        {"id": 105, "title": s[4][:30], "body": s[4], "source": "Nordic Wire",  # an offset and a region that agree
         "published": {"dateTime": "2024-07-01T08:15:00+03:00", "timeZone": "Europe/Helsinki"}},
        {"id": 106, "title": s[5][:30], "body": s[5], "source": "Nordic Wire",  # a zone no reader knows: never UTC
         "published": {"date": "2024-05-02 09:00:00.000000", "timezone_type": 3, "timezone": "Europe/Helsingfors"}},
    ]
    path = tmp_path / "php_wire_2024-05-02.json"
    path.write_text(json.dumps(articles, indent=2), encoding="utf-8")
    parsed = parse_news_file(path)

    parsed.reconcile()
    assert parsed.rows["doc_id"].to_list() == [f"nordic wire:{n}" for n in range(101, 106)]
    assert parsed.rows["published_at"].to_list() == [datetime(2024, 5, 2, 6), datetime(2024, 5, 2, 15, 30),
                                                     datetime(2024, 1, 15, 7), datetime(2024, 7, 1, 6, 15),
                                                     datetime(2024, 7, 1, 5, 15)]
    assert "published_at_assumed_utc_lines" not in parsed.notes
    assert parsed.notes["columns"]["published_at"] == "published"
    assert "published_timezone" not in parsed.notes["ignored_columns"]
    (quarantined,) = parsed.quarantine.iter_rows(named=True)
    assert (quarantined["line"], quarantined["rule"], quarantined["raw_value"]) == (
        55, "unparsable_timestamp", "2024-05-02 09:00:00.000000[Europe/Helsingfors]")  # where its object opens
    assert "'Europe/Helsingfors' is no time zone this reader knows" in quarantined["message"]
