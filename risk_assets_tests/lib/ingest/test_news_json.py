"""JSON news feeds (a news API's response saved as is, JSON Lines), built from real Financial
PhraseBank sentences: what loads, what is quarantined, what refuses the file."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from risk_assets.lib.ingest.news_formats import parse_news_file
from risk_assets.lib.ingest.parsed import FileRefused


@pytest.fixture(scope="module")
def sentences(phrasebank_pairs) -> list[tuple[str, str]]:
    """The first 40 (sentence, label) pairs of the PhraseBank vendor file (conftest)."""
    return phrasebank_pairs


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
    column = _error_column(lines[4][:60])
    assert f"line 7 column {column}: not valid JSON" in entry["message"] and "truncated" in entry["message"]


def _error_column(line: str) -> int:
    """The 1-based column at which Python's json module stops reading `line` alone."""
    try:
        json.loads(line)
    except json.JSONDecodeError as exc:
        return exc.colno
    raise AssertionError(f"{line!r} is valid JSON")


def test_the_same_article_pulled_twice_is_one_article(tmp_path, sentences):
    articles = _newsapi_articles(sentences[:3])
    path = tmp_path / "pull.json"
    path.write_text(json.dumps({"status": "ok", "articles": [*articles, articles[1]]}, indent=2))
    parsed = parse_news_file(path)
    assert parsed.rows.height == 3
    (entry,) = parsed.quarantine.iter_rows(named=True)
    assert entry["rule"] == "duplicate_doc_id" and entry["record_key"] == "https://news.example.com/a/1"
    assert "(same text: a repeat)" in entry["message"]


def test_alpha_vantage_feed_reads_its_compact_times_and_the_tickers_of_its_per_ticker_list(tmp_path, sentences):
    sentence, _ = sentences[0]
    path = tmp_path / "av.json"
    path.write_text(json.dumps({"items": "1", "sentiment_score_definition": "x <= -0.35: Bearish", "feed": [
        {"title": "Q1", "url": "https://av.example/1", "time_published": "20240502T093000", "authors": ["A", "B"],
         "summary": sentence, "source": "Benzinga", "topics": [{"topic": "Earnings"}],
         "ticker_sentiment": [{"ticker": "AAPL", "relevance_score": "0.9"}]}]}))
    parsed = parse_news_file(path)
    (row,) = parsed.rows.iter_rows(named=True)
    assert (row["text_raw"], row["published_at"], row["source"]) == (sentence, datetime(2024, 5, 2, 9, 30), "Benzinga")
    assert parsed.notes["articles_in"] == ["feed"] and row["ticker"] == "AAPL"
    assert parsed.notes["ignored_lists"] == ["topics"]
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
                     "unparsable_timestamp", None: "malformed_json"}
    # 'bullish' is no label the lake knows: the article is scored, unlabelled, and the label counted
    assert parsed.rows.select("doc_id", "label").rows() == [
        ("https://news.example.com/a/2", None), ("https://news.example.com/a/3", "positive")]
    assert parsed.notes["label_unrecognised"] == {"bullish": 1}
    assert parsed.data_records == 5  # 2 loaded + 3 quarantined: reconciled


def test_an_article_that_writes_its_text_empty_says_empty_and_one_without_it_missing(tmp_path, sentences):
    """An article with `"title": ""` and `"content": ""` was quarantined saying `(body: missing;
    headline: missing)`, as if it had no such fields, where a CSV feed's empty cells say `empty`:
    a field written empty is `empty`, one the article leaves out `missing`."""
    articles = _newsapi_articles(sentences[:3])
    articles[0]["title"] = articles[0]["content"] = ""
    del articles[1]["title"], articles[1]["content"], articles[1]["description"]  # no body by any name
    path = tmp_path / "feed.json"
    path.write_text(json.dumps({"status": "ok", "articles": articles}))
    parsed = parse_news_file(path)
    assert parsed.quarantine.select("record_key", "rule", "message").rows() == [
        ("https://news.example.com/a/0", "no_usable_text",
         f"{path}: article 1 (line 1 column 31): no usable text (body: empty; headline: empty)"),
        ("https://news.example.com/a/1", "no_usable_text",
         f"{path}: article 2 (line 1 column 245): no usable text (body: missing; headline: missing)")]
    assert parsed.rows["doc_id"].to_list() == ["https://news.example.com/a/2"]


@pytest.mark.parametrize(("document", "expected"), [
    ({"status": "error", "code": "rateLimited", "message": "You have made too many requests recently."},
     "an API's error response saved as a feed, not articles; it says {'status': 'error', 'code': 'rateLimited', "
     "'message': 'You have made too many requests recently.'}"),
    ({"Information": "Thank you for using Alpha Vantage! Please subscribe to any of the premium plans."},
     "it says {'Information': 'Thank you for using Alpha Vantage!"),
    ([1, 2, 3], "a JSON list with no article object among its items (found int)"),
    ({"a": [{"title": "x"}], "b": [{"title": "y"}]}, "several lists of objects (a, b) and none named as the articles"),
    ([{"id": 1, "price": 3}], "no article field names a headline or a body (fields: id, price)"),
    ({"message": "Not Found", "documentation_url": "https://docs.github.com/rest"},
     "an API's error response saved as a feed, not articles; it says {'message': 'Not Found'}"),
    ({"error": "Unauthorized", "message": "Invalid token"},
     "it says {'error': 'Unauthorized', 'message': 'Invalid token'}"),
], ids=["newsapi_error", "alpha_vantage_limit", "numbers", "two_lists", "no_text_field", "github_not_found",
        "error_and_message"])
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
    assert (parsed.data_records, parsed.rows.height, parsed.notes["articles_in"]) == (0, 0, ["articles"])


def _page(articles: list[dict]) -> dict:
    return {"status": "ok", "totalResults": len(articles), "articles": articles}


@pytest.mark.parametrize("layout", ["jsonl", "list", "appended"])
def test_api_pages_saved_in_one_file_load_every_article_and_never_a_page(tmp_path, sentences, layout):
    """A pull of several pages: one page per line, a list of pages, or pretty pages appended by
    `curl >>`. A page's own fields (rss2json's feed title and description) are no article."""
    articles = _newsapi_articles(sentences[:6])
    pages = [_page(articles[:3]), {"status": "ok", "feed": {"title": "WSJ.com: Markets", "description": "Markets News"},
                                   "items": [{"guid": a["url"], "title": a["title"], "content": a["content"],
                                              "pubDate": "2024-05-02 09:30:00"} for a in articles[3:]]}]
    path = tmp_path / "pull.json"
    path.write_text({"jsonl": "\n".join(json.dumps(p) for p in pages) + "\n",
                     "list": json.dumps(pages, indent=2),
                     "appended": "\n".join(json.dumps(p, indent=2) for p in pages)}[layout])
    parsed = parse_news_file(path)
    assert parsed.rows["text_raw"].to_list() == [s for s, _ in sentences[:6]] and parsed.quarantine.height == 0
    assert parsed.notes["articles_in"] == ["articles", "items"]
    assert parsed.format == ("news_feed_jsonl" if layout == "jsonl" else "news_feed_json")


def test_api_shapes_give_their_times_sources_and_tickers(tmp_path, sentences):
    """Finnhub (`related`, epoch `datetime`), Polygon (`published_utc`, `publisher.name`), GDELT
    (`seendate`, `domain`), Benzinga (`created` in RFC 2822, `stocks` objects), Marketaux
    (`entities` objects), Elasticsearch (`hits.hits[]._source`, `_id`), mongoexport (`$oid`, `$date`)."""
    (s0, _), (s1, _), (s2, _), (s3, _), (s4, _), (s5, _), (s6, _) = sentences[:7]
    shapes = {
        "finnhub.json": [{"category": "company", "datetime": 1714642200, "headline": s0[:30], "id": 127419531,
                          "related": "AAPL", "source": "Yahoo", "summary": s0, "url": "https://f/1"}],
        "polygon.json": {"results": [{"id": "8ec6", "publisher": {"name": "Benzinga", "homepage_url": "https://b"},
                                      "title": s1[:30], "published_utc": "2024-05-02T09:30:00Z",
                                      "tickers": ["UBER", "LYFT"], "description": s1}], "status": "OK"},
        "gdelt.json": {"articles": [{"url": "https://g/1", "title": s2, "seendate": "20240502T093000Z",
                                     "domain": "example.com", "language": "English"}]},
        "benzinga.json": [{"id": 38572001, "created": "Thu, 02 May 2024 09:30:00 -0400", "title": s3[:30], "body": s3,
                           "stocks": [{"name": "MSFT"}, {"name": "AAPL"}], "channels": [{"name": "News"}]}],
        "marketaux.json": {"meta": {"found": 1}, "data": [{"uuid": "ae0d", "title": s4[:30], "description": s4,
                                                            "published_at": "2024-05-02T09:30:00.000000Z",
                                                            "source": "fool.com", "entities": [{"symbol": "TSLA"}]}]},
        "es.json": {"took": 3, "timed_out": False, "hits": {"total": {"value": 1}, "hits": [
            {"_index": "news", "_id": "n-0", "_source": {"title": s5[:30], "body": s5, "ticker": "IBM",
                                                          "published_at": "2024-05-02T09:30:00Z", "source": "Reuters"}}]}},
        "mongo.jsonl": {"_id": {"$oid": "6633a1f0c2a4b5e6f7a8b9c0"}, "title": s6,
                        "published_at": {"$date": {"$numberLong": "1714642200000"}}, "source": "wire"},
    }
    # an id the source wrote is keyed by the source named (a URL, or an id without a source, is not)
    expected = {"finnhub.json": ("yahoo:127419531", "Yahoo", "AAPL"),
                "polygon.json": ("benzinga:8ec6", "Benzinga", "LYFT,UBER"),
                "gdelt.json": ("https://g/1", "example.com", None), "benzinga.json": ("38572001", None, "AAPL,MSFT"),
                "marketaux.json": ("fool.com:ae0d", "fool.com", "TSLA"), "es.json": ("reuters:n-0", "Reuters", "IBM"),
                "mongo.jsonl": ("wire:6633a1f0c2a4b5e6f7a8b9c0", "wire", None)}
    for name, document in shapes.items():
        path = tmp_path / name
        path.write_text(json.dumps(document))
        (row,) = parse_news_file(path).rows.iter_rows(named=True)
        source = None if row["source"] == f"file:{name}" else row["source"]
        published = datetime(2024, 5, 2, 13, 30) if name == "benzinga.json" else datetime(2024, 5, 2, 9, 30)
        assert (row["doc_id"], source, row["ticker"], row["published_at"]) == (*expected[name], published), name


def test_a_plan_notice_in_place_of_a_field_is_no_label_and_no_body(tmp_path, sentences):
    """NewsData.io's free plan writes a notice where its paid fields go: the label is not given
    (not an unknown label) and the body comes from the description."""
    (sentence, _), = sentences[:1]
    path = tmp_path / "newsdata.json"
    path.write_text(json.dumps({"status": "success", "results": [
        {"article_id": "5f1c", "title": sentence[:30], "description": sentence, "content": "ONLY AVAILABLE IN PAID PLANS",
         "sentiment": "ONLY AVAILABLE IN PROFESSIONAL AND CORPORATE PLANS", "pubDate": "2024-05-02 09:30:00"}]}))
    parsed = parse_news_file(path)
    (row,) = parsed.rows.iter_rows(named=True)
    assert (row["label"], row["text_raw"], parsed.notes["label_not_given_lines"]) == (None, sentence, [1])
    assert parsed.notes["body_from_fallback_lines"] == [1]


@pytest.mark.parametrize(("document", "expected"), [
    ({"type": "about:blank", "title": "Too Many Requests", "status": 429, "detail": "quota exceeded"},
     "an API's error response saved as a feed, not articles; it says {'title': 'Too Many Requests', 'status': 429"),
    ({"error": {"code": "usage_limit_reached", "message": "The usage limit has been reached."}},
     "it says {'error.code': 'usage_limit_reached', 'error.message': 'The usage limit has been reached.'}"),
    ({"Error Message": "the parameter apikey is invalid or missing."},
     "it says {'Error Message': 'the parameter apikey is invalid or missing.'}"),
    ({"status": "ok", "sources": [{"id": "abc-news", "name": "ABC News", "description": "Your trusted source",
                                   "url": "https://abcnews.go.com", "category": "general"}]},
     "the list sources holds objects with neither a headline nor a publication time"),
], ids=["problem_json", "nested_error", "alpha_vantage_error", "newsapi_sources"])
def test_json_that_holds_no_articles_is_refused_with_what_it_says(tmp_path, document, expected):
    path = tmp_path / "response.json"
    path.write_text(json.dumps(document))
    with pytest.raises(FileRefused) as refused:
        parse_news_file(path)
    assert expected in str(refused.value)


def test_an_object_cut_by_powershells_depth_is_quarantined_saying_how_to_export_it(tmp_path, sentences):
    """ConvertTo-Json at its default -Depth 2 writes the nested source as '@{id=reuters; name=Reuters}'."""
    article = _newsapi_articles(sentences[:1])[0] | {"source": "@{id=reuters; name=Reuters}"}
    path = tmp_path / "news.json"
    path.write_bytes(("\ufeff" + json.dumps({"status": "ok", "articles": [article]}, indent=4)).encode("utf-16-le"))
    parsed = parse_news_file(path)
    (entry,) = parsed.quarantine.iter_rows(named=True)
    assert (entry["column_name"], entry["rule"], parsed.rows.height) == ("source", "nesting_cut", 0)
    assert "export again with -Depth 10" in entry["message"]


def test_json_lines_whose_first_line_is_cut_keep_the_others(tmp_path, sentences):
    lines = [json.dumps(a) for a in _newsapi_articles(sentences[:3])]
    path = tmp_path / "wire.jsonl"
    path.write_text("\n".join([lines[0][:50], *lines[1:]]) + "\n")
    parsed = parse_news_file(path)
    assert parsed.rows["_source_line"].to_list() == [2, 3]
    assert [(e["line"], e["rule"]) for e in parsed.quarantine.iter_rows(named=True)] == [(1, "malformed_json")]


def test_a_coded_label_is_unrecognised_not_guessed(tmp_path, sentences):
    """A label written as a class code ('1', '-1', or the number 1) is never guessed: the article loads
    unlabelled and the codes are counted, with the settings key that declares them."""
    articles = _newsapi_articles(sentences[:3])
    articles[0]["sentiment"], articles[1]["sentiment"], articles[2]["sentiment"] = "1", "-1", 1
    path = tmp_path / "coded.json"
    path.write_text(json.dumps(articles))
    parsed = parse_news_file(path)
    assert parsed.quarantine.height == 0
    assert parsed.rows["label"].to_list() == [None, None, None]
    assert parsed.notes["label_unrecognised"] == {"1": 2, "-1": 1}
    assert "news settings key 'label_map'" in parsed.notes["label_unrecognised_message"]


def test_json_lines_with_crlf_blank_padding_and_a_broken_line_keep_their_line_numbers(tmp_path, sentences):
    lines = [json.dumps(a) for a in _newsapi_articles(sentences[:3])]
    path = tmp_path / "wire.jsonl"
    path.write_bytes("\r\n".join([lines[0], "   ", lines[1][:30], lines[2], ""]).encode())
    parsed = parse_news_file(path)
    assert parsed.rows["_source_line"].to_list() == [1, 4] and parsed.non_data_lines == [(2, "blank")]
    (entry,) = parsed.quarantine.iter_rows(named=True)
    assert (entry["line"], entry["rule"], entry["raw_value"]) == (3, "malformed_json", lines[1][:30])
    assert f"line 3 column {_error_column(lines[1][:30])}: not valid JSON" in entry["message"]


def test_an_article_with_a_note_or_errors_field_of_its_own_is_an_article(tmp_path, sentences):
    articles = _newsapi_articles(sentences[:2])
    articles[0]["note"], articles[1]["errors"] = "updated with analyst comment", "corrected figure in paragraph 2"
    path = tmp_path / "notes.json"
    path.write_text(json.dumps(_page(articles)))
    parsed = parse_news_file(path)
    assert parsed.rows.height == 2 and parsed.quarantine.height == 0


def test_a_logstash_events_message_and_a_teams_messages_subject_are_read(tmp_path, sentences):
    """Logstash (and Graylog, and Facebook's posts, dated `created_time`) carry the text as
    `message`: it is the body, not an ignored column beside a headline cut short. A Teams message's `subject` is its headline; its
    HTML `body.content` the body. An `error.message` nested in an article is no body."""
    (first, _), (second, _), (third, _) = sentences[:3]
    events = tmp_path / "logstash.jsonl"
    events.write_text("".join(json.dumps(
        {"@timestamp": "2024-05-03T15:30:00.000Z", "@version": "1", "message": text,
         "published": f"2024-05-02T0{i + 8}:30:00Z", "headline": text[:25], "feed": "wire"}) + "\n"
        for i, text in enumerate([first, second])))
    parsed = parse_news_file(events)
    assert parsed.quarantine.height == 0 and parsed.notes["columns"]["body"] == "message"
    assert parsed.rows.select("headline", "text_raw", "text_field", "published_at").rows() == [
        (first[:25], first, "body", datetime(2024, 5, 2, 8, 30)), (second[:25], second, "body", datetime(2024, 5, 2, 9, 30))]

    teams = tmp_path / "teams.json"
    teams.write_text(json.dumps({"@odata.count": 1, "value": [
        {"id": "1714642200457", "messageType": "message", "createdDateTime": "2024-05-02T09:30:00.457Z",
         "subject": "Market note", "summary": None, "body": {"contentType": "html", "content": f"<div><p>{third}</p></div>"},
         "error": {"code": "partial", "message": "attachments not loaded"}}]}))
    (row,) = parse_news_file(teams).rows.iter_rows(named=True)
    assert (row["headline"], row["text_clean"], row["text_field"]) == ("Market note", third, "body")

    page = tmp_path / "facebook.json"  # Graph API /{page-id}/posts
    page.write_text(json.dumps({"data": [{"message": first, "created_time": "2024-05-02T09:30:00+0000", "id": "123_456"}],
                                "paging": {"cursors": {"before": "QVFI", "after": "QVFJ"}}}))
    assert parse_news_file(page).rows.select("doc_id", "text_raw", "published_at").rows() == [
        ("123_456", first, datetime(2024, 5, 2, 9, 30))]


def test_an_apis_message_is_no_article_but_a_dated_events_is(tmp_path, sentences):
    """`message` is a body only in a dated object: an envelope's `"message": "success"` beside its
    list leaves the list the articles; an undated rate-limit answer among pages is quarantined as
    `api_error`; a `timeout` is no time; an Elasticsearch event's own `message` stays its body
    though a failed processor wrote an `error.message` beside it."""
    (first, _), (second, _) = sentences[:2]
    envelope = tmp_path / "envelope.json"
    envelope.write_text(json.dumps({"status": "ok", "message": "success", "data": [
        {"title": text[:20], "body": text, "published_at": f"2024-05-0{i + 2}T09:30:00Z"}
        for i, text in enumerate([first, second])]}))
    parsed = parse_news_file(envelope)
    assert parsed.notes["articles_in"] == ["data"] and parsed.rows["text_raw"].to_list() == [first, second]

    pages = tmp_path / "pages.jsonl"
    pages.write_text("".join(json.dumps(page) + "\n" for page in [
        {"articles": [{"title": first[:20], "content": first, "publishedAt": "2024-05-02T09:30:00Z"}]},
        {"message": "API rate limit exceeded"},
        {"articles": [{"title": second[:20], "content": second, "publishedAt": "2024-05-03T09:30:00Z"}]}]))
    parsed = parse_news_file(pages)
    assert parsed.rows["text_raw"].to_list() == [first, second]
    assert parsed.quarantine.select("line", "rule").rows() == [(2, "api_error")]
    assert "it says {'message': 'API rate limit exceeded'}" in parsed.quarantine["message"][0]

    forbidden = tmp_path / "forbidden.json"
    forbidden.write_text(json.dumps({"message": "Forbidden", "timeout": 30}))
    with pytest.raises(FileRefused, match="an API's error response saved as a feed, not articles; it says "
                                          "{'message': 'Forbidden'}"):
        parse_news_file(forbidden)

    events = tmp_path / "events.jsonl"
    events.write_text("".join(json.dumps({"@timestamp": f"2024-05-0{i + 2}T09:30:00Z", "message": text,
                                          "error": {"message": "geoip lookup failed"}}) + "\n"
                              for i, text in enumerate([first, second])))
    parsed = parse_news_file(events)
    assert parsed.quarantine.height == 0 and parsed.rows["text_raw"].to_list() == [first, second]


def test_a_json_feed_reads_its_items_with_the_feed_title_as_source(tmp_path, sentences):
    """jsonfeed.org 1.1: the top level has a title of its own, the articles are `items`."""
    path = tmp_path / "feed.json"
    path.write_text(json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "Example Markets",
                                "home_page_url": "https://example.org", "items": [
                                    {"id": f"https://example.org/{i}", "title": s[:30], "content_html": f"<p>{s}</p>",
                                     "summary": s[:20], "date_published": "2024-05-02T09:00:00-04:00"}
                                    for i, (s, _) in enumerate(sentences[:2])]}))
    parsed = parse_news_file(path)
    assert parsed.rows["text_clean"].to_list() == [s for s, _ in sentences[:2]]
    assert set(parsed.rows["source"]) == {"Example Markets"} and parsed.notes["columns"]["body"] == "content_html"
    assert set(parsed.rows["published_at"]) == {datetime(2024, 5, 2, 13, 0)}


def test_an_article_never_takes_another_fields_text_or_its_related_stories_place(tmp_path, sentences):
    """A null title does not make `image_title` the headline; an article holding related stories
    under `items` is one article (only a JSON Feed, by its version, is a page of items)."""
    (first, _), (second, _) = sentences[:2]
    path = tmp_path / "edge.json"
    path.write_text(json.dumps([
        {"id": "a", "title": None, "image_title": "Logo of the company", "body": first},
        {"id": "b", "title": "Nokia up", "body": second, "items": [{"title": "Related: Nokia Q4", "url": "https://r/1"}]},
    ]))
    parsed = parse_news_file(path)
    assert parsed.rows.select("doc_id", "headline", "text_raw").rows() == [("a", None, first), ("b", "Nokia up", second)]


@pytest.mark.parametrize("empty", ["", None], ids=["empty_string", "null"])
def test_articles_without_id_or_url_and_an_empty_field_load_with_a_content_id(tmp_path, sentences, empty):
    """A desk export with neither id nor URL: each article is known by what it says. One with an
    empty (or null) headline is scored from its body, one with an empty body from its headline; the
    file used to fail whole on the empty field."""
    lines = [{"published": f"2024-03-{10 + i}T08:00:00+01:00", "headline": sentence[:40], "body": sentence}
             for i, (sentence, _) in enumerate(sentences[:4])]
    lines[1]["headline"] = empty
    lines[2]["body"] = empty
    path = tmp_path / "desk_2024-03.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    parsed = parse_news_file(path)
    assert parsed.rows.height == 4 and parsed.quarantine.height == 0
    assert parsed.rows["headline"].to_list() == [sentences[0][0][:40], None, sentences[2][0][:40], sentences[3][0][:40]]
    assert parsed.rows["body"].to_list() == [sentences[0][0], sentences[1][0], None, sentences[3][0]]
    ids = parsed.rows["doc_id"].to_list()
    assert all(i.startswith("content:") for i in ids) and len(set(ids)) == 4
    assert parsed.notes["doc_id_from_content_lines"]
    assert parse_news_file(path).rows["doc_id"].to_list() == ids  # the same ids in the next pull


def test_a_name_read_when_the_chosen_one_is_empty_is_not_listed_as_ignored(tmp_path):
    """`headline` is the chosen name (one article has it, empty); the others carry `Titel`, which
    fills their headlines: the notes list it as a fallback, not as ignored."""
    path = tmp_path / "desk.jsonl"
    path.write_text('{"Datum": "2024-03-26", "Titel": "Lender tightens standards", "body": "Northwind tightened."}\n'
                    '{"Datum": "2024-03-27", "headline": "", "body": "Shares rose 4%."}\n')
    parsed = parse_news_file(path)
    assert parsed.rows["headline"].to_list() == ["Lender tightens standards", None]
    assert parsed.notes["columns"]["headline"] == "headline"
    assert parsed.notes["fallback_columns"] == {"Titel": "headline"} and parsed.notes["ignored_columns"] == []


def test_guardian_and_nyt_responses_give_each_article_its_time_and_its_longest_text(tmp_path, sentences):
    """The Guardian's Open Platform names its time `webPublicationDate` and nests the article in
    `fields` (`bodyText`, and the teaser `trailText` first); the New York Times' Article Search
    nests `headline: {"main": ...}` and holds a `keywords` list of objects in every article. Each
    article loads with its time, its full text as body and the teaser as the fallback; before, the
    Guardian's loaded undated with the teaser as body, and the Times' was refused."""
    (s0, _), (s1, _), (s2, _), (s3, _) = sentences[:4]
    guardian = {"response": {"status": "ok", "total": 2, "results": [
        {"id": f"business/2024/may/02/story-{i}", "type": "article", "sectionName": "Business",
         "webPublicationDate": f"2024-05-02T0{i}:30:00Z", "webTitle": text[:50],
         "webUrl": f"https://www.theguardian.com/business/2024/may/02/story-{i}",
         "fields": {"trailText": text[:40], "bodyText": text}} for i, text in enumerate((s0, s1))]}}
    path = tmp_path / "guardian.json"
    path.write_text(json.dumps(guardian, indent=1))
    parsed = parse_news_file(path)
    assert parsed.quarantine.height == 0
    assert parsed.notes["columns"] == {"doc_id": "id", "published_at": "webPublicationDate", "headline": "webTitle",
                                       "body": "fields_bodyText", "body_fallback": "fields_trailText"}
    assert parsed.rows.select("published_at", "text_raw").rows() == [
        (datetime(2024, 5, 2, 0, 30), s0), (datetime(2024, 5, 2, 1, 30), s1)]

    nyt = {"status": "OK", "response": {"docs": [
        {"abstract": text[:40], "web_url": f"https://www.nytimes.com/{i}", "lead_paragraph": text,
         "headline": {"main": text[:50], "kicker": None, "print_headline": ""},
         "keywords": [{"name": "organizations", "value": "Nokia", "rank": 1}],
         "pub_date": f"2024-05-02T1{i}:00:00+0000", "_id": f"nyt://article/{i}"} for i, text in enumerate((s2, s3))],
        "meta": {"hits": 2, "offset": 0}}}
    path = tmp_path / "nyt.json"
    path.write_text(json.dumps(nyt, indent=1))
    parsed = parse_news_file(path)
    assert parsed.quarantine.height == 0 and parsed.notes["articles_in"] == ["response.docs"]
    assert {k: parsed.notes["columns"][k] for k in ("headline", "body", "body_fallback", "published_at")} == {
        "headline": "headline", "body": "lead_paragraph", "body_fallback": "abstract", "published_at": "pub_date"}
    assert parsed.rows.select("doc_id", "published_at", "headline", "text_raw").rows() == [
        ("nyt://article/0", datetime(2024, 5, 2, 10), s2[:50], s2), ("nyt://article/1", datetime(2024, 5, 2, 11), s3[:50], s3)]


def test_a_text_nested_in_an_object_or_written_as_paragraphs_is_the_articles_text(tmp_path, sentences):
    """`body: {"text": ..., "lang": "en"}` and WordPress's `title: {"rendered": ...}` give their
    text (and WordPress's `date_gmt` the time), never a NULL body scored from the headline; a body written as a list of paragraphs is
    joined by a blank line, not by the ', ' that joins tickers."""
    (s0, _), (s1, _), (s2, _) = sentences[:3]
    articles = [
        {"id": "p1", "title": s0[:40], "body": {"text": s0, "lang": "en"}, "published": "2024-05-02T09:00:00Z"},
        {"id": 7, "date_gmt": "2024-05-02T10:00:00", "title": {"rendered": s1[:40]},
         "content": {"rendered": f"<p>{s1}</p>", "protected": False}},
        {"id": "p3", "title": s2[:40], "body": [s2[:60], s2[60:]], "tickers": ["NOK", "ERIC"],
         "published": "2024-05-02T11:00:00Z"},
    ]
    for i, article in enumerate(articles):
        path = tmp_path / f"article_{i}.json"
        path.write_text(json.dumps([article]))
        parsed = parse_news_file(path)
        (row,) = parsed.rows.iter_rows(named=True)
        assert parsed.quarantine.height == 0 and row["text_field"] == "body", article
        if i == 0:
            assert row["body"] == s0
        elif i == 1:
            assert (row["headline"], row["text_clean"], row["published_at"]) == (s1[:40], s1, datetime(2024, 5, 2, 10))
        else:
            assert row["body"] == f"{s2[:60]}\n\n{s2[60:]}" and row["ticker"] == "ERIC,NOK"


@pytest.mark.parametrize("shape", ["rss_items", "rss_one_item", "atom_entries"])
def test_an_rss_or_atom_feed_converted_to_json_loads_its_items_not_the_channel(tmp_path, sentences, shape):
    """xmltodict and rss-parser keep RSS's `item` and Atom's `entry` as list names, under a channel
    or feed that has a title and description of its own (and xmltodict writes a lone item as an
    object). Each item is an article; before, the channel loaded as the one article and its items
    were listed as ignored. The channel's or feed's title is the items' source, and keys their ids, so
    a second feed's guids numbered alike are other articles (the RSS channel's title was not read)."""
    texts = [text for text, _ in sentences[:3]]
    items = [{"title": text[:40], "description": text, "guid": f"g{i}",
              "pubDate": f"Thu, 02 May 2024 0{i}:00:00 GMT"} for i, text in enumerate(texts)]
    if shape == "rss_items":
        document = {"rss": {"@version": "2.0", "channel": {"title": "Wire", "description": "Company news", "item": items}}}
    elif shape == "rss_one_item":
        document = {"rss": {"channel": {"title": "Wire", "description": "Company news", "item": items[0]}}}
    else:
        document = {"feed": {"title": "Wire", "subtitle": "Company news", "entry": [
            {"id": item["guid"], "title": item["title"], "summary": item["description"],
             "published": f"2024-05-02T0{i}:00:00Z"} for i, item in enumerate(items)]}}
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(document, indent=1))
    parsed = parse_news_file(path)
    expected = 1 if shape == "rss_one_item" else 3
    assert parsed.quarantine.height == 0
    assert parsed.rows.select("doc_id", "source", "text_raw", "published_at").rows() == [
        (f"wire:g{i}", "Wire", texts[i], datetime(2024, 5, 2, i))
        for i in range(expected)]  # an item's id is keyed by its source, the channel's or feed's title


def test_an_article_holding_an_item_object_stays_one_article(tmp_path, sentences):
    """An article may name a product under `item`: with a title but neither id nor time, it is no
    RSS item, so the article stays the article."""
    text = sentences[0][0]
    path = tmp_path / "launch.json"
    path.write_text(json.dumps([{"id": "a1", "title": text[:40], "body": text, "published": "2024-05-02T09:00:00Z",
                                 "item": {"title": "Nokia 3310", "price": 49}}]))
    parsed = parse_news_file(path)
    assert parsed.rows.select("doc_id", "headline", "text_raw").rows() == [("a1", text[:40], text)]


def _reddit_post(i: int, sentence: str, label: str, selftext: str | None = None) -> dict:
    """One post as Reddit's `/r/stocks/new.json` lists it: a "thing" `{"kind": "t3", "data": {...}}`
    whose text is `selftext` (empty in a link post), time `created_utc` (epoch seconds, a float) and
    id `id` (`name` is the fullname `t3_<id>`), with the flair and HTML copies Reddit adds."""
    post_id = f"1c{i}x9z"
    link = selftext == ""
    return {"kind": "t3", "data": {
        "id": post_id, "name": f"t3_{post_id}", "subreddit": "stocks", "subreddit_name_prefixed": "r/stocks",
        "title": sentence[:45], "selftext": sentence if selftext is None else selftext,
        "selftext_html": None if link else f"&lt;div class=\"md\"&gt;&lt;p&gt;{sentence}&lt;/p&gt;&lt;/div&gt;",
        "link_flair_text": "Company News", "author_flair_text": None,
        "created": 1714640400.0 + 600 * i, "created_utc": 1714640400.0 + 600 * i,
        "domain": "reuters.com" if link else "self.stocks", "is_self": not link,
        "permalink": f"/r/stocks/comments/{post_id}/post/",
        "url": f"https://www.reuters.com/markets/{post_id}/" if link
        else f"https://www.reddit.com/r/stocks/comments/{post_id}/post/",
        "sentiment": label}}


def test_a_reddit_listing_reads_each_posts_selftext_time_and_id(tmp_path, sentences):
    posts = [_reddit_post(i, sentence, label, selftext="" if i == 2 else None)
             for i, (sentence, label) in enumerate(sentences[:5])]
    path = tmp_path / "r_stocks_new.json"
    path.write_text(json.dumps({"kind": "Listing", "data": {"after": "t3_1c4x9z", "dist": 5, "children": posts,
                                                            "before": None}}))
    parsed = parse_news_file(path)
    parsed.reconcile()
    assert parsed.quarantine.height == 0 and parsed.rows.height == 5
    rows = parsed.rows
    assert rows["doc_id"].to_list() == [f"r/stocks:1c{i}x9z" for i in range(5)]  # keyed by the subreddit
    assert rows["source"].to_list() == ["r/stocks"] * 5
    assert rows["published_at"].to_list() == [datetime(2024, 5, 2, 9, 0) + timedelta(minutes=10 * i)
                                              for i in range(5)]
    # a self post's text is its selftext; a link post (empty selftext) is its title, not its flair
    assert rows["text_field"].to_list() == ["body", "body", "headline", "body", "body"]
    assert rows["text_raw"].to_list() == [s for s, _ in sentences[:2]] + [sentences[2][0][:45]] + [
        s for s, _ in sentences[3:5]]
    assert rows["label"].to_list() == [label for _, label in sentences[:5]]
    assert parsed.notes["columns"] == {"doc_id": "id", "published_at": "created_utc", "headline": "title",
                                       "body": "selftext", "source": "subreddit_name_prefixed", "label": "sentiment"}
    assert parsed.notes["ignored_columns"] == ["kind", "name", "selftext_html", "link_flair_text", "author_flair_text",
                                               "is_self", "permalink"]
    assert parsed.notes["fallback_columns"] == {"subreddit": "source", "created": "published_at", "domain": "source",
                                                "url": "doc_id"}
    assert "time_like_columns_unread" not in parsed.notes


@pytest.mark.parametrize("orient", ["columns", "split", "split_no_index"])
def test_pandas_column_oriented_json_loads_every_row_as_written_by_to_json(tmp_path, sentences, orient):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({
        "id": [f"rtr-{i}" for i in range(12)],
        "headline": [s[:40] for s, _ in sentences[:12]], "body": [s for s, _ in sentences[:12]],
        "published_at": pd.to_datetime([datetime(2024, 5, 2, 9) + timedelta(hours=i) for i in range(12)]),
        "label": [label for _, label in sentences[:12]], "tickers": [["NOK", "ERIC"]] * 12, "source": "reuters"})
    frame.loc[4, "body"] = None  # NaN: written null, the headline is the text
    path = tmp_path / "frame.json"
    if orient == "split_no_index":
        frame.to_json(path, orient="split", index=False)
    else:  # the default (columns) writes times in epoch milliseconds
        frame.to_json(path, orient=orient)
    parsed = parse_news_file(path)
    parsed.reconcile()
    assert parsed.quarantine.height == 0 and parsed.rows.height == 12
    rows = parsed.rows
    assert rows["doc_id"].to_list() == [f"reuters:rtr-{i}" for i in range(12)]
    assert rows["published_at"].to_list() == [datetime(2024, 5, 2, 9) + timedelta(hours=i) for i in range(12)]
    assert rows["text_raw"].to_list() == [s for s, _ in sentences[:4]] + [sentences[4][0][:40]] + [
        s for s, _ in sentences[5:12]]
    assert rows["label"].to_list() == [label for _, label in sentences[:12]]
    assert rows["ticker"].unique().to_list() == ["ERIC,NOK"] and rows["source"].unique().to_list() == ["reuters"]
    assert parsed.notes["columns"] == {"doc_id": "id", "published_at": "published_at", "headline": "headline",
                                       "body": "body", "source": "source", "ticker": "tickers", "label": "label"}
    # the row labels stay visible, not read as ids
    assert parsed.notes["ignored_columns"] == ([] if orient == "split_no_index" else ["index"])
    assert parsed.notes["articles_in"][0].startswith(f"pandas' to_json(orient='{orient[:5] if 'split' in orient else orient}'")
    assert rows["_source_line"].to_list() == list(range(1, 13))  # one line: article numbers


def test_pandas_values_json_is_refused_saying_to_write_records(tmp_path, sentences):
    path = tmp_path / "frame.json"
    path.write_text(json.dumps([[f"n{i}", s[:40], s] for i, (s, _) in enumerate(sentences[:3])]))
    with pytest.raises(FileRefused, match=r"orient='values'\) writes rows without their column names: write "
                                          r"orient='records'"):
        parse_news_file(path)


def test_pandas_index_oriented_json_of_a_default_index_keys_no_article_by_its_row_number(tmp_path, risk_home, sentences):
    """pandas' to_json(orient='index') keys each row by its index label; with the default index that
    is 0, 1, 2, ..., which the next day's file repeats for other articles: read as ids, that file was
    quarantined whole as revisions of the first. Row positions are no ids; an index of real ids
    still keys its articles."""
    pd = pytest.importorskip("pandas")
    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.lake import connect

    for day, chunk in ((2, sentences[:6]), (3, sentences[6:12])):
        frame = pd.DataFrame({"headline": [s[:40] for s, _ in chunk], "body": [s for s, _ in chunk],
                              "published_at": [f"2024-05-0{day}T09:0{i}:00Z" for i in range(6)], "source": "reuters"})
        frame.to_json(risk_home.landing_news / f"reuters_2024-05-0{day}.json", orient="index")
    with connect(risk_home.lake_path) as con:
        report = land_folder(con, risk_home.landing_news, "news", parse_news_file, "run-1", asset="raw_news")
        ids = [row[0] for row in con.execute("SELECT doc_id FROM raw.news ORDER BY _source_file, _source_line").fetchall()]
    assert [(f.rows_loaded, f.rows_quarantined) for f in report.files] == [(6, 0), (6, 0)]
    assert len(set(ids)) == 12 and all(i.startswith("content:") for i in ids)
    keyed = pd.DataFrame({"headline": [s[:40] for s, _ in sentences[:3]]}, index=["rtr-a", "rtr-b", "rtr-c"])
    keyed.to_json(tmp_path / "keyed.json", orient="index")
    assert parse_news_file(tmp_path / "keyed.json").rows["doc_id"].to_list() == ["rtr-a", "rtr-b", "rtr-c"]


def test_an_article_that_writes_a_field_twice_is_quarantined_naming_the_field(tmp_path, sentences):
    """A string-building exporter appended its defaults after the real fields (`"body": ""`,
    `"published_at": "2024-06-30T00:00:00Z"`): JSON keeps the last value, so every article was dated
    the default day and scored from its headline, without a word. An article whose field repeats
    with another value is quarantined, one entry per field; the same value twice is harmless."""
    records = []
    for i, (text, label) in enumerate(sentences[:4]):
        real = (f'"id": "rw-{i}", "headline": {json.dumps(text[:40])}, "body": {json.dumps(text)}, '
                f'"published_at": "2024-05-0{i + 1}T09:00:00Z", "label": "{label}"')
        tail = ', "body": "", "published_at": "2024-06-30T00:00:00Z"' if i < 2 else f', "label": "{label}"'
        records.append("{" + real + tail + "}")
    path = tmp_path / "export_2024-05.json"
    path.write_text("[\n" + ",\n".join(records) + "\n]\n")
    parsed = parse_news_file(path)
    parsed.reconcile()
    assert parsed.rows.select("doc_id", "body").rows() == [(f"rw-{i}", sentences[i][0]) for i in (2, 3)]
    assert parsed.quarantine.select("line", "column_name", "rule").rows() == [
        (2, "body", "repeated_key"), (2, "published_at", "repeated_key"),
        (3, "body", "repeated_key"), (3, "published_at", "repeated_key")]
    assert parsed.quarantine["message"][1] == (
        f"{path}: line 2: field 'published_at' is written 2 times with different values "
        '("2024-05-01T09:00:00Z", "2024-06-30T00:00:00Z"): which one is the article\'s cannot be known; '
        "export it again with each field once")


def test_json_lines_files_joined_each_with_its_byte_order_mark_load_whole(tmp_path, sentences):
    """`cat a.jsonl b.jsonl` of two files PowerShell wrote (each opening with a byte-order mark): the
    mark at the start of line 4 refused the whole feed as invalid JSON. It is read as white space,
    and the lines that carry one are named in the notes."""
    lines = [json.dumps({"id": f"a{i}", "headline": text[:40], "body": text, "label": label})
             for i, (text, label) in enumerate(sentences[:6])]
    path = tmp_path / "joined_2024-05.jsonl"
    path.write_bytes(("\ufeff" + "\n".join(lines[:3]) + "\n" + "\ufeff" + "\n".join(lines[3:]) + "\n").encode("utf-8"))
    parsed = parse_news_file(path)
    parsed.reconcile()
    assert parsed.quarantine.height == 0
    assert parsed.rows.select("doc_id", "body").rows() == [(f"a{i}", text) for i, (text, _) in enumerate(sentences[:6])]
    assert parsed.notes["byte_order_mark_lines"] == [4]


def test_a_json_feed_opening_with_comments_is_refused_naming_the_comment(tmp_path, sentences):
    """An editor's JSONC export opens with `// export of the desk's feed`: it was refused as 'not
    a known news format'. JSON has no comments, and the refusal says so, with the line."""
    feed = json.dumps({"articles": [{"id": "a1", "title": sentences[0][0][:40], "description": sentences[0][0]}]})
    for name, text, line, opening in (("jsonc.json", "// export of the desk's feed\n" + feed, 1, "//"),
                                      ("block.json", "\n\n/* nightly\n   export */\n" + feed, 3, "/*"),
                                      ("hash.json", "# nightly export\n" + feed, 1, "# ")):
        path = tmp_path / name
        path.write_text(text)
        with pytest.raises(FileRefused) as refused:
            parse_news_file(path)
        assert str(refused.value).startswith(f"{path}: line {line}: a comment ({opening}), and JSON has none")
    # inside the document: the decoder's line and column, and what is there
    inside = tmp_path / "inside.json"
    inside.write_text(feed[:-2] + ",\n  // the last one\n]}")
    with pytest.raises(FileRefused, match=r"line 2 column 3: not valid JSON .* \(a comment: JSON has none"):
        parse_news_file(inside)
    trailing = tmp_path / "trailing.json"
    trailing.write_text(feed[:-2] + ",\n]}")
    with pytest.raises(FileRefused, match=r"line 2 column 1: .* \(a comma before the closing bracket: a trailing comma"):
        parse_news_file(trailing)


def test_a_field_written_twice_that_is_not_read_quarantines_nothing(tmp_path, sentences):
    """A CMS writes its `tag` twice per article: no field the lake reads, so which one is meant
    changes nothing; the articles load, and the notes count the repeats (`repeated_keys_unread`)."""
    records = [("{" + f'"id": "t-{i}", "title": {json.dumps(text[:40])}, "body": {json.dumps(text)}, '
                f'"tag": "markets", "tag": "nordics"' + "}") for i, (text, _) in enumerate(sentences[:3])]
    path = tmp_path / "cms_2024-05.json"
    path.write_text("[\n" + ",\n".join(records) + "\n]\n")
    parsed = parse_news_file(path)
    parsed.reconcile()
    assert parsed.quarantine.height == 0 and parsed.rows["doc_id"].to_list() == ["t-0", "t-1", "t-2"]
    assert parsed.notes["repeated_keys_unread"] == {"tag": 3}


def test_c1_controls_a_feed_wrote_for_windows_1252_or_utf_8_bytes_are_read_as_those_bytes(tmp_path):
    """A news API that decoded its publishers' Windows-1252 text as Latin-1 before writing JSON
    sends `\\u0092` for `’` and `\\u0080` for `€` (and `\\u00e2\\u0080\\u0099` for UTF-8's `’`):
    the headline and text_raw kept C1 control characters, which only text_clean repaired
    (`text_repaired`). C1 controls are never text: each run holding one is read as the bytes it
    was, UTF-8 where valid, else Windows-1252 (WHATWG Encoding Standard), headline and body alike,
    and the line is listed in notes['c1_controls_reread_lines']."""
    headline, body = "W\u00e4rtsil\u00e4\u2019s order of \u20ac5m", "Nokia\u2019s order book \u2013 W\u00e4rtsil\u00e4 up 5 %."
    articles = [{"url": "https://kl.example.fi/a/1", "title": "W\u00e4rtsil\u00e4\u0092s order of \u00805m",
                 "description": "Nokia\u00e2\u0080\u0099s order book \u0096 W\u00e4rtsil\u00e4 up 5 %.",
                 "publishedAt": "2024-05-02T06:15:00Z", "source": {"name": "Kauppalehti"}},
                {"url": "https://kl.example.fi/a/2", "title": "Fortum \u00a9 2024", "description": "Fortum sells plants.",
                 "publishedAt": "2024-05-02T07:15:00Z", "source": {"name": "Kauppalehti"}}]
    path = tmp_path / "kl_api.json"
    path.write_text(json.dumps({"status": "ok", "articles": articles}))
    assert "\\u0092s order of \\u00805m" in path.read_text()
    parsed = parse_news_file(path)
    parsed.reconcile()
    assert parsed.rows.select("headline", "body", "text_raw", "text_clean", "text_repaired").rows() == [
        (headline, body, body, body, False),
        ("Fortum \u00a9 2024", "Fortum sells plants.", "Fortum sells plants.", "Fortum sells plants.", False)]
    assert parsed.notes["c1_controls_reread_lines"] == [1]


def test_utf8_read_as_latin1_beside_a_latin1_letter_or_whole_comes_back_as_written(tmp_path):
    """UTF-8's `’` read as Latin-1 right after a real `ä` (`ä\\u00e2\\u0080\\u0099`), and a headline
    read as Latin-1 whole (`WÃ¤rtsilÃ¤â\\u0080\\u0099s`): every letter comes back as written, not
    half the word."""
    articles = [{"url": "https://kl.example.fi/a/1", "title": "W\u00e4rtsil\u00e4\u00e2\u0080\u0099s order",
                 "description": "W\u00c3\u00a4rtsil\u00c3\u00a4\u00e2\u0080\u0099s order book grew 5 %.",
                 "publishedAt": "2024-05-02T06:15:00Z", "source": {"name": "Kauppalehti"}}]
    path = tmp_path / "kl_api.json"
    path.write_text(json.dumps({"status": "ok", "articles": articles}))

    parsed = parse_news_file(path)

    assert parsed.rows.select("headline", "body").rows() == [
        ("W\u00e4rtsil\u00e4\u2019s order", "W\u00e4rtsil\u00e4\u2019s order book grew 5 %.")]
    assert parsed.notes["c1_controls_reread_lines"] == [1]


def test_c1_controls_in_a_source_or_ticker_are_read_as_the_bytes_they_were(tmp_path):
    articles = [{"url": "https://kl.example.fi/a/1", "title": "Kesko results", "description": "Kesko sales rose 3 %.",
                 "publishedAt": "2024-05-02T06:15:00Z", "source": {"name": "Kauppalehti\u0096Uutiset"}}]
    path = tmp_path / "kl_api.json"
    path.write_text(json.dumps({"status": "ok", "articles": articles}))

    parsed = parse_news_file(path)

    assert parsed.rows["source"].to_list() == ["Kauppalehti\u2013Uutiset"]
    assert parsed.notes["c1_controls_reread_lines"] == [1]


def test_an_id_with_c1_controls_is_the_article_its_correctly_decoded_twin_is(tmp_path, sentences):
    """A CMS id holding a Windows-1252 `’` read as Latin-1 (`\\u0092` in JSON) stayed as written while
    the text beside it was re-read, so the same article delivered again, correctly decoded, loaded
    twice. The id is re-read too: the second delivery is `duplicate_doc_id` (its quarantine entry
    keeps the id as written), and a URL with one in its path is the address its twin percent-escapes."""
    (first, _), (second, _) = sentences[:2]
    articles = [{"id": "nokia\u0092s-5g-deal", "title": first[:40], "body": first, "source": "Kauppalehti"},
                {"id": "nokia\u2019s-5g-deal", "title": first[:40], "body": first, "source": "Kauppalehti"},
                {"url": "https://kl.example.fi/nokia\u0092s-order", "title": second[:40], "body": second},
                {"url": "https://kl.example.fi/nokia%E2%80%99s-order", "title": second[:40], "body": second}]
    path = tmp_path / "cms.json"
    path.write_text(json.dumps(articles, indent=1))
    assert "\\u0092s-5g-deal" in path.read_text()

    parsed = parse_news_file(path)

    parsed.reconcile()
    assert parsed.rows.select("doc_id", "text_raw").rows() == [
        ("kauppalehti:nokia\u2019s-5g-deal", first), ("https://kl.example.fi/nokia\u2019s-order", second)]
    assert parsed.notes["c1_controls_reread_lines"] == [2, 14]
    assert parsed.quarantine.select("line", "rule", "raw_value").rows() == [
        (8, "duplicate_doc_id", "nokia\u2019s-5g-deal"), (19, "duplicate_doc_id", "https://kl.example.fi/nokia%E2%80%99s-order")]
    assert "(same text: a repeat)" in parsed.quarantine["message"][0]


def test_an_article_without_an_id_is_known_by_its_text_as_re_read(tmp_path, sentences):
    """Two pulls of an API that gives no id or URL, one writing `’` as `\\u0092`: each article's id
    is taken from its text, which is now re-read before the id is made, so the second pull's copy
    is the same article."""
    text = sentences[3][0]
    pull = [{"title": "Kesko\u0092s quarter", "body": text, "source": "Kauppalehti"},
            {"title": "Kesko\u2019s quarter", "body": text, "source": "Kauppalehti"}]
    path = tmp_path / "pulls.jsonl"
    path.write_text("\n".join(json.dumps(article) for article in pull) + "\n")

    parsed = parse_news_file(path)

    parsed.reconcile()
    assert parsed.rows["doc_id"].to_list()[0].startswith("content:") and parsed.rows.height == 1
    assert parsed.rows["headline"].to_list() == ["Kesko\u2019s quarter"]
    assert parsed.quarantine.select("line", "rule").rows() == [(2, "duplicate_doc_id")]


def test_a_field_of_the_author_or_the_posting_app_is_never_the_messages_text(tmp_path, sentences):
    """Twitter v1's `user.description` (the author's bio) and StockTwits' `source.title` (the app a
    message was posted from) end in a text word, yet describe someone or something else: a message
    keeps its own text, and one that only names stocks is `no_usable_text`, never scored on the bio
    or loaded with the app's name as its headline."""
    (s0, _), (s1, _) = sentences[:2]
    user = {"id_str": "1", "screen_name": "mdesk", "description": "Official account. Breaking news on markets."}
    tweets = [{"created_at": "Thu May 02 09:30:00 +0000 2024", "id_str": "17859861", "full_text": s0, "user": user},
              {"created_at": "Thu May 02 10:30:00 +0000 2024", "id_str": "17859862",
               "full_text": "$NOK $ERIC https://t.co/Zz0", "user": user}]
    app = {"id": 1, "title": "StockTwits Web", "url": "https://stocktwits.com"}
    messages = {"messages": [{"id": 57, "body": s1, "created_at": "2024-05-02T09:30:00Z", "source": app,
                              "symbols": [{"symbol": "NOK"}]},
                             {"id": 58, "body": "$NOK $ERIC", "created_at": "2024-05-02T10:30:00Z", "source": app,
                              "symbols": [{"symbol": "NOK"}, {"symbol": "ERIC"}]}]}
    for name, document, text in (("tweets.json", tweets, s0), ("stocktwits.json", messages, s1)):
        path = tmp_path / name
        path.write_text(json.dumps(document, indent=1))
        parsed = parse_news_file(path)
        (row,) = parsed.rows.iter_rows(named=True)
        assert (row["headline"], row["text_raw"], row["published_at"]) == (None, text, datetime(2024, 5, 2, 9, 30))
        (entry,) = parsed.quarantine.iter_rows(named=True)
        assert entry["rule"] == "no_usable_text" and "ticker_only" in entry["message"], name
        assert not {"headline", "body_fallback"} & set(parsed.notes["columns"]), name


@pytest.mark.parametrize("reader", ["feedly", "inoreader"])
def test_a_feed_readers_stream_with_a_title_of_its_own_loads_its_items_not_itself(tmp_path, sentences, reader):
    """Feedly's and Inoreader's streams carry their own `id` and `title` beside `items`: each item
    is an article, its source the feed it came from (`origin.title`), else the stream's title. Read
    as one article, the stream loaded its title and dropped every item (`ignored_lists: items`)."""
    texts = [text for text, _ in sentences[:3]]
    items = [{"id": f"Q{i}=_18f:1:ab", "title": text[:40], "crawled": 1714642260000 + 3_600_000 * i,
              "published": 1714642200000 + 3_600_000 * i if reader == "feedly" else 1714642200 + 3600 * i,
              "summary": {"content": text, "direction": "ltr"},
              "alternate": [{"href": f"https://www.reuters.com/b/{i}", "type": "text/html"}]}
             for i, text in enumerate(texts)]
    items[0]["origin"] = {"streamId": "feed/http://feeds.reuters.com/reuters/businessNews", "title": "Reuters Business"}
    stream = {"id": "feed/http://feeds.reuters.com/reuters/businessNews", "title": "Reuters: Business News",
              "direction": "ltr", "updated": 1714656600000, "alternate": [{"href": "https://www.reuters.com"}],
              "items": items}
    if reader == "inoreader":
        stream |= {"id": "user/1005/state/com.google/reading-list", "title": "Reading List", "description": "",
                   "updated": 1714656600}
    path = tmp_path / "stream.json"
    path.write_text(json.dumps(stream, indent=1))
    parsed = parse_news_file(path)
    assert parsed.quarantine.height == 0 and parsed.notes["articles_in"] == ["items"]
    title = "Reuters: Business News" if reader == "feedly" else "Reading List"
    assert parsed.rows.select("headline", "text_raw", "source", "published_at").rows() == [
        (text[:40], text, "Reuters Business" if i == 0 else title, datetime(2024, 5, 2, 9 + i, 30))
        for i, text in enumerate(texts)]


def test_teams_channel_messages_from_microsoft_graph_are_dated_when_written_not_when_edited(tmp_path, sentences):
    """Microsoft Graph lists a channel's messages under `value`, each dated `createdDateTime` (and
    `lastModifiedDateTime`, a later edit or reaction) with its text in `body.content` (HTML). The
    file was refused as objects with neither a headline nor a publication time."""
    texts = [text for text, _ in sentences[:3]]
    messages = [{"id": f"171464220045{i}", "replyToId": None, "messageType": "message",
                 "createdDateTime": f"2024-05-02T{9 + i:02d}:30:00.457Z",
                 "lastModifiedDateTime": "2024-05-04T09:30:00.457Z", "deletedDateTime": None, "subject": None,
                 "summary": None, "from": {"application": None, "user": {"id": "u1", "displayName": "Anna Virtanen"}},
                 "body": {"contentType": "html", "content": f"<div><p>{text}</p></div>"}, "attachments": [],
                 "mentions": []} for i, text in enumerate(texts)]
    path = tmp_path / "teams.json"
    path.write_text(json.dumps({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#messages",
                                "@odata.count": 3, "value": messages}, indent=2))
    parsed = parse_news_file(path)
    assert parsed.quarantine.height == 0 and parsed.notes["columns"]["published_at"] == "createdDateTime"
    assert parsed.rows.select("doc_id", "text_clean", "published_at").rows() == [
        (f"171464220045{i}", text, datetime(2024, 5, 2, 9 + i, 30, 0, 457000)) for i, text in enumerate(texts)]


def test_a_slack_exports_ts_is_read_as_epoch_seconds_and_a_ts_of_another_form_is_named_unread(tmp_path, sentences):
    """Slack's export dates each message by `ts`, epoch seconds with microseconds as a string
    ('1714642200.000200'); it loaded undated and unnamed. A `ts` holding anything else is not read
    as a time, and the notes name it."""
    texts = [text for text, _ in sentences[:3]]
    messages = [{"client_msg_id": f"6b1c-{i}", "type": "message", "text": text, "user": "U024BE7LH",
                 "ts": f"{1714642200 + 660 * i}.000{200 + i}", "team": "T0001",
                 "user_profile": {"real_name": "Credit Desk Bot"}, "blocks": [{"type": "rich_text", "elements": []}]}
                for i, text in enumerate(texts)]
    path = tmp_path / "general_2024-05-02.json"
    path.write_text(json.dumps(messages, indent=4))
    parsed = parse_news_file(path)
    assert parsed.quarantine.height == 0 and parsed.notes["columns"]["published_at"] == "ts"
    assert parsed.rows.select("text_raw", "published_at").rows() == [
        (text, datetime(2024, 5, 2, 9, 30 + 11 * i, 0, 200 + i)) for i, text in enumerate(texts)]

    for message in messages:
        message["ts"] = "r" + message["ts"]
    path.write_text(json.dumps(messages, indent=4))
    parsed = parse_news_file(path)
    assert parsed.rows["published_at"].to_list() == [None] * 3 and parsed.notes["time_like_columns_unread"] == ["ts"]


def test_yahoo_finances_older_news_list_gives_its_provider_time_and_related_tickers(tmp_path, sentences):
    """yfinance's older `Ticker.news`: `providerPublishTime` in epoch seconds and `relatedTickers`
    as a list; both were left unread (every article undated, no ticker)."""
    texts = [text for text, _ in sentences[:2]]
    path = tmp_path / "yfinance_news.json"
    path.write_text(json.dumps([{"uuid": f"a{i}-b", "title": text, "publisher": "Reuters",
                                 "link": f"https://finance.yahoo.com/news/y-{i}.html",
                                 "providerPublishTime": 1714642200 + 18000 * i, "type": "STORY",
                                 "relatedTickers": ["NOK", "ERIC"]} for i, text in enumerate(texts)]))
    parsed = parse_news_file(path)
    assert parsed.quarantine.height == 0 and "time_like_columns_unread" not in parsed.notes
    assert parsed.rows.select("doc_id", "text_raw", "ticker", "published_at").rows() == [
        (f"reuters:a{i}-b", text, "ERIC,NOK", datetime(2024, 5, 2, 9 + 5 * i, 30)) for i, text in enumerate(texts)]


def test_a_telegram_export_reads_each_message_its_rich_text_joined_and_its_unix_time(tmp_path, sentences):
    """Telegram Desktop's `result.json`: a channel's `messages`, each dated `date_unixtime` (epoch
    seconds) and `date` (the exporting machine's wall clock, no zone), its `text` a string or, with
    formatting, a list of plain and styled pieces. The file was refused as a message with two lists
    of objects (text, text_entities); `date` is never read, not even for a message without
    `date_unixtime`. The chat's `name` is each message's source, and its message ids, numbered
    per chat, are keyed by it: message 100 of another channel is another article."""
    (s0, _), (s1, _), (s2, _) = sentences[:3]
    cut = s1.index(" ", 20)
    messages = [
        {"id": 100, "type": "message", "date": "2024-05-02T12:37:00", "date_unixtime": "1714642620",
         "from": "Nordic Credit News", "text": s0, "text_entities": [{"type": "plain", "text": s0}]},
        {"id": 101, "type": "message", "date": "2024-05-02T13:37:00", "date_unixtime": "1714646220",
         "from": "Nordic Credit News", "text": [s1[:10], {"type": "bold", "text": s1[10:cut]}, s1[cut:]],
         "text_entities": [{"type": "plain", "text": s1[:10]}, {"type": "bold", "text": s1[10:cut]},
                           {"type": "plain", "text": s1[cut:]}]},
        {"id": 102, "type": "message", "date": "2024-05-02T14:37:00", "from": "Nordic Credit News", "text": s2,
         "text_entities": [{"type": "plain", "text": s2}]}]
    path = tmp_path / "result.json"
    path.write_text(json.dumps({"name": "Nordic Credit News", "type": "public_channel", "id": 1001,
                                "messages": messages}, indent=1))
    parsed = parse_news_file(path)
    assert parsed.quarantine.height == 0 and parsed.notes["columns"]["published_at"] == "date_unixtime"
    assert "date" in parsed.notes["ignored_columns"] and "date" not in parsed.notes.get("fallback_columns", {})
    assert parsed.rows.select("doc_id", "source", "text_raw", "published_at").rows() == [
        ("nordic credit news:100", "Nordic Credit News", s0, datetime(2024, 5, 2, 9, 37)),
        ("nordic credit news:101", "Nordic Credit News", s1, datetime(2024, 5, 2, 10, 37)),
        ("nordic credit news:102", "Nordic Credit News", s2, None)]

    other = tmp_path / "other" / "result.json"  # Telegram names every export result.json
    other.parent.mkdir()
    other.write_text(json.dumps({"name": "Baltic Markets", "type": "private_supergroup", "id": 2002,
                                 "messages": messages[:1]}))
    assert parse_news_file(other).rows.select("doc_id", "source").rows() == [("baltic markets:100", "Baltic Markets")]


def test_a_body_escaped_twice_is_cleaned_whole_and_its_lines_noted(tmp_path):
    """A CMS export of escaped HTML escaped again: the model reads `&` and `'`, not `&amp;` or `&#39;`."""
    articles = [{"id": "a1", "title": "Company 1 reports results &amp; outlook", "published_at": "2024-05-02T09:00:00+02:00",
                 "body": {"text": "Net sales rose 1% &#8217;strong&#8217; quarter &lt;b&gt;bold&lt;/b&gt; &amp;amp; more",
                          "lang": "en"}},
                {"id": "a2", "title": "Company 2 reports results", "published_at": "2024-05-02T09:00:00+02:00",
                 "body": {"text": "Nokia&amp;#39;s net sales rose 5 %.", "lang": "en"}}]
    path = tmp_path / "feed_nested.jsonl"
    path.write_text("\n".join(json.dumps(a) for a in articles) + "\n")
    parsed = parse_news_file(path)
    assert parsed.rows["text_clean"].to_list() == ["Net sales rose 1% ’strong’ quarter bold & more",
                                                   "Nokia's net sales rose 5 %."]
    assert parsed.notes["entities_escaped_twice_lines"] == [1, 2]


_TWO_PARAGRAPHS = "Nokia's net sales rose 5 % in the first quarter.\n\nThe outlook for the year is unchanged."


@pytest.mark.parametrize("body", [
    pytest.param([{"type": "p", "text": "Nokia's net sales rose 5 % in the first quarter."},
                  {"type": "p", "text": "The outlook for the year is unchanged."}], id="paragraph-objects"),
    pytest.param([{"_type": "block", "_key": "a1", "style": "normal", "markDefs": [], "children": [
                      {"_type": "span", "text": "Nokia's net sales rose ", "marks": []},
                      {"_type": "span", "text": "5 %", "marks": ["strong"]},
                      {"_type": "span", "text": " in the first quarter.", "marks": []}]},
                  {"_type": "block", "_key": "a2", "style": "normal", "markDefs": [], "children": [
                      {"_type": "span", "text": "The outlook for the year is unchanged.", "marks": []}]}],
                 id="portable-text"),
    pytest.param([{"type": "paragraph", "children": [{"text": "Nokia's net sales rose "}, {"text": "5 %", "bold": True},
                                                     {"text": " in the first quarter."}]},
                  {"type": "paragraph", "children": [{"text": "The outlook for the year is unchanged."}]}], id="slate"),
    pytest.param({"type": "doc", "content": [
                      {"type": "paragraph", "content": [{"type": "text", "text": "Nokia's net sales rose "},
                                                        {"type": "text", "marks": [{"type": "bold"}], "text": "5 %"},
                                                        {"type": "text", "text": " in the first quarter."}]},
                      {"type": "image", "attrs": {"src": "chart.png"}},
                      {"type": "paragraph", "content": [{"type": "text", "text": "The outlook for the year is unchanged."}]}]},
                 id="prosemirror"),
    pytest.param({"nodeType": "document", "data": {}, "content": [
                      {"nodeType": "paragraph", "data": {}, "content": [
                          {"nodeType": "text", "value": "Nokia's net sales rose 5 % in the first quarter.", "marks": []}]},
                      {"nodeType": "paragraph", "data": {}, "content": [
                          {"nodeType": "text", "value": "The outlook for the year is unchanged.", "marks": []}]}]},
                 id="contentful"),
    pytest.param({"blocks": [{"key": "9b1c", "text": "Nokia's net sales rose 5 % in the first quarter.", "type": "unstyled",
                              "depth": 0, "inlineStyleRanges": [], "entityRanges": [], "data": {}},
                             {"key": "2f0a", "text": "The outlook for the year is unchanged.", "type": "unstyled",
                              "depth": 0, "inlineStyleRanges": [], "entityRanges": [], "data": {}}], "entityMap": {}},
                 id="draft-js"),
    pytest.param({"time": 1714640400000, "version": "2.28.2", "blocks": [
                      {"id": "oUq2g", "type": "paragraph", "data": {"text": "Nokia's net sales rose 5 % in the first quarter."}},
                      {"id": "zbGZF", "type": "paragraph", "data": {"text": "The outlook for the year is unchanged."}}]},
                 id="editor-js"),
])
def test_a_rich_text_body_is_read_paragraph_by_paragraph_never_glued(tmp_path, body):
    """CMS exports write a body as a structure of blocks: each paragraph is one, joined to the next
    by a blank line as a list of strings is; the spans of one paragraph join as written."""
    article = {"id": "n10-1", "headline": "Nokia Q1", "content": body, "date": "2024-05-02T10:00:00Z"}
    path = tmp_path / "feed_list_body.jsonl"
    path.write_text(json.dumps(article) + "\n" + json.dumps({**article, "id": "n10-2"}) + "\n")
    parsed = parse_news_file(path)
    assert parsed.rows["body"].to_list() == [_TWO_PARAGRAPHS, _TWO_PARAGRAPHS]
    assert parsed.rows["text_clean"].to_list() == [" ".join(_TWO_PARAGRAPHS.split())] * 2
    assert parsed.notes["columns"]["body"] == "content" and "ignored_lists" not in parsed.notes


def test_rich_text_pieces_of_one_line_join_as_written(tmp_path):
    """Telegram's export: strings among entity objects are pieces of one sentence."""
    path = tmp_path / "channel.json"
    path.write_text(json.dumps([{"id": 7, "date": "2024-05-02T10:00:00", "text": [
        "Nokia: net ", {"type": "bold", "text": "sales rose 5 %"}, " in Q1 ", {"type": "hashtag", "text": "#NOKIA"}]}]))
    assert parse_news_file(path).rows["text_raw"].to_list() == ["Nokia: net sales rose 5 % in Q1 #NOKIA"]


def test_a_body_structure_holding_no_text_is_listed_not_read(tmp_path):
    """Blocks with no text anywhere (images, embeds) are no body: the list is named under
    `ignored_lists` and the headline alone is read."""
    article = {"id": "n10-1", "headline": "Nokia Q1 results", "date": "2024-05-02T10:00:00Z",
               "content": [{"type": "image", "src": "chart.png"}, {"type": "embed", "url": "https://example.com/v"}]}
    path = tmp_path / "feed_image_body.jsonl"
    path.write_text(json.dumps(article) + "\n")
    parsed = parse_news_file(path)
    assert parsed.notes["ignored_lists"] == ["content"]
    assert parsed.rows["text_raw"].to_list() == ["Nokia Q1 results"]


def test_json_lines_with_an_array_on_a_line_name_each_record_by_its_stored_article_number(tmp_path):
    """A JSON Lines file whose line 2 holds two articles numbers its records 1-7 in the file, not
    by line: `_source_line` and a quarantined row's `line` hold that number, and every message
    names the article by it first, then where it stands (`article 5 (line 4 column 1)`), so a
    line 5 in the quarantine never reads as the file's line 5; a repeat names the article it repeats,
    and where it stands."""
    path = tmp_path / "b02_oddlines.jsonl"
    path.write_text('{"id":"b02-1","headline":"Nordea raises its dividend"}\n'
                    '[{"id":"b02-2","headline":"Sampo holds rates"},{"id":"b02-3","headline":"Neste beats estimates"}]\n'
                    'null\n'
                    '42\n'
                    '{"id":"b02-2","headline":"Sampo holds rates"}\n'
                    '{"id":"b02-4","headline":"Kone cuts its outlook"}\n')
    parsed = parse_news_file(path)
    assert parsed.notes["record_numbers"] == "article numbers in the file, not lines: it puts several articles on one line"
    assert parsed.rows.select("_source_line", "doc_id").rows() == [(1, "b02-1"), (2, "b02-2"), (3, "b02-3"),
                                                                   (7, "b02-4")]
    assert parsed.quarantine.select("line", "rule", "message").rows() == [
        (4, "malformed_json", f"{path}: article 4 (line 3 column 1): a JSON NoneType where an article object belongs"),
        (5, "malformed_json", f"{path}: article 5 (line 4 column 1): a JSON int where an article object belongs"),
        (6, "duplicate_doc_id", f"{path}: article 6 (line 5 column 1): article id 'b02-2' is already on article 2 "
                                "(line 2 column 2) (same text: a repeat)"),
    ]
