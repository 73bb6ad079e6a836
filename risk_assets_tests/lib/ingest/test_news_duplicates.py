"""One article under several spellings of its URL (trailing slash, tracking parameters, http vs
https, host case, fragment) is one article: within a feed and across feeds landed one after the
other, built from real Financial PhraseBank sentences."""

from __future__ import annotations

import csv
import io
import json
from xml.sax.saxutils import escape

import pytest

from risk_assets.lib.ingest.news_formats import parse_news_file, url_key
from risk_assets.lib.lake import connect

BASE = "https://news.example.com/markets/story-"

VARIANTS = [
    f"{BASE}0",                                          # the same URL
    f" {BASE}1 ",                                        # with spaces around it
    f"{BASE}2/",                                         # trailing slash
    f"{BASE}3?utm_source=rss&utm_medium=feed",           # tracking parameters
    f"http://news.example.com/markets/story-4",          # http vs https
    f"https://NEWS.EXAMPLE.COM/markets/story-5",         # host case
    f"{BASE}6#comments",                                 # a fragment
    f"https://www.news.example.com:443/markets/story-7?fbclid=IwAR0x&gclid=Cj0&mc_cid=1a&mc_eid=2b",
]


@pytest.fixture(scope="module")
def sentences() -> list[str]:
    """Eight PhraseBank sentences (vendor file lines 201-208)."""
    from risk_assets_tests.conftest import DATA

    path = DATA / "news" / "financial_phrasebank_50agree.txt"
    if not path.is_file():
        pytest.skip(f"sample data not found at {path}")
    return parse_news_file(path).rows["text_raw"].to_list()[200:208]


def _feed_csv(sentences, urls, ticker="NOK") -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["url", "published_at", "ticker", "title", "body"])
    for i, (url, sentence) in enumerate(zip(urls, sentences, strict=True)):
        writer.writerow([url, f"2024-03-05T09:{i:02d}:00Z", ticker, f"Headline {i}", sentence])
    return out.getvalue()


def _feed_rss(sentences, links) -> str:
    items = "\n".join(
        f"<item><title>Headline {i}</title><link>{escape(link)}</link><pubDate>Tue, 05 Mar 2024 09:{i:02d}:00 GMT</pubDate>"
        f"<description><![CDATA[{sentence}]]></description></item>"
        for i, (link, sentence) in enumerate(zip(links, sentences, strict=True)))
    return f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Aggregator B</title>\n{items}\n</channel></rss>\n'


@pytest.mark.parametrize(("a", "b"), [
    ("https://news.example.com/markets/story-3", "https://news.example.com/markets/story-3/"),
    ("https://news.example.com/a/1", "http://news.example.com/a/1"),
    ("https://news.example.com/a/1", "HTTPS://News.Example.COM/a/1"),
    ("https://news.example.com/a/1", "https://www.news.example.com/a/1"),
    ("https://news.example.com/a/1", "www.news.example.com/a/1"),
    ("https://news.example.com/a/1", "https://news.example.com:443/a/1"),
    ("http://news.example.com/a/1", "http://news.example.com:80/a/1"),
    ("https://news.example.com/a/1", "https://news.example.com/a/1#comments"),
    ("https://news.example.com/a/1", "https://news.example.com/a/1?UTM_Source=rss&utm_medium=feed&utm_campaign=x"),
    ("https://news.example.com/a?id=7&p=2", "https://news.example.com/a/?fbclid=Iw&id=7&gclid=Cj&p=2&mc_cid=1&mc_eid=2"),
    ("https://news.example.com/a/caf%c3%a9", "https://news.example.com/a/caf%C3%A9"),
    ("https://news.example.com/a?id=7", "https://news.example.com/a?utm_source=x&amp;id=7"),  # HTML-escaped '&'
    # an IRI as an address bar shows it, and the URI a server receives (RFC 3987 section 3.1)
    ("https://www.kauppalehti.fi/uutiset/wärtsilä-tilaus/a1", "https://www.kauppalehti.fi/uutiset/w%C3%A4rtsil%C3%A4-tilaus/a1"),
    ("https://news.example.com/haku?q=wärtsilä", "https://news.example.com/haku?q=w%c3%a4rtsil%c3%a4"),
    ("https://news.example.com/~desk/a", "https://news.example.com/%7Edesk/%61"),  # escaped unreserved characters
    ("https://news.example.com/story/8", "https://news.example.com/story/8?"),  # an empty query
])
def test_spellings_of_one_address_share_a_key(a, b):
    assert url_key(a) == url_key(b) is not None


@pytest.mark.parametrize(("a", "b"), [
    ("https://news.example.com/a?id=7&p=2", "https://news.example.com/a?p=2&id=7"),  # the order is the site's
    ("https://news.example.com/a?id=7", "https://news.example.com/a?id=8"),
    ("https://news.example.com/Story", "https://news.example.com/story"),  # paths are case-sensitive
    ("https://news.example.com/a", "https://news.example.com:8443/a"),
    ("https://news.example.com/#!/story/1", "https://news.example.com/#!/story/2"),  # a route names the page
    ("https://news.example.com/a", "https://other.example.com/a"),
    ("https://news.example.com/a%2Fb", "https://news.example.com/a/b"),  # an escaped '/' is reserved: another path
    ("https://news.example.com/?q=a%26b", "https://news.example.com/?q=a&b"),  # an escaped '&' is part of a value
])
def test_different_addresses_keep_different_keys(a, b):
    assert url_key(a) != url_key(b)


@pytest.mark.parametrize("doc_id", ["aggC-1000", "a1", "content:0f3a", "ab12cd34:17", "urn:uuid:1b4e28ba", "ftp://x/y"])
def test_ids_that_are_no_web_address_have_no_url_key(doc_id):
    assert url_key(doc_id) is None


def test_url_variants_within_one_feed_are_duplicates_of_the_first_copy(tmp_path, sentences):
    path = tmp_path / "feed.csv"
    path.write_text(_feed_csv([*sentences, *sentences],
                              [f"{BASE}{i}" for i in range(8)] + VARIANTS))
    parsed = parse_news_file(path)
    parsed.reconcile()
    assert parsed.rows["doc_id"].to_list() == [f"{BASE}{i}" for i in range(8)]
    assert parsed.quarantine.select("line", "rule").rows() == [(line, "duplicate_doc_id") for line in range(10, 18)]
    messages = parsed.quarantine["message"].to_list()
    assert messages[0].endswith(f"article id '{BASE}0' is already on line 2 (same text: a repeat)")
    assert messages[2].endswith(f"article id '{BASE}2/' is already on line 4 as '{BASE}2' (the same address written "
                                "another way: scheme, host case, www., default port, fragment, percent escapes, "
                                "tracking parameters and trailing slash aside) (same text: a repeat)")
    # the row keeps the URL as written: only the comparison is canonical
    assert parsed.quarantine["raw_value"].to_list()[4] == "http://news.example.com/markets/story-4"


def test_url_variants_in_a_later_feed_are_duplicates_of_the_loaded_copy(risk_home, sentences):
    """Feed A (CSV, ticker NOK) lands first; feed B, an RSS feed naming the same eight stories under
    eight spellings of their URLs, and no ticker, loads nothing; feed C (JSON) names four of them by
    its own ids, and loads them (their own ids: staging collapses the same text)."""
    from risk_assets.lib.ingest.landing import land_folder

    (risk_home.landing_news / "feed_a.csv").write_text(_feed_csv(sentences, [f"{BASE}{i}" for i in range(8)]))
    (risk_home.landing_news / "feed_b.xml").write_text(_feed_rss(sentences, VARIANTS))
    (risk_home.landing_news / "feed_c.json").write_text(json.dumps({"status": "ok", "articles": [
        {"id": f"aggC-{1000 + i}", "url": f"{BASE}{i}", "title": f"Headline {i}", "description": sentences[i],
         "publishedAt": f"2024-03-05T09:{i:02d}:00Z", "ticker": "NOK"} for i in range(4)]}))
    with connect(risk_home.lake_path) as con:
        report = land_folder(con, risk_home.landing_news, "news", parse_news_file, "run-1", asset="raw_news")
    assert [(f.path.rsplit("/", 1)[-1], f.rows_loaded, f.rows_quarantined) for f in report.files] == [
        ("feed_a.csv", 8, 0), ("feed_b.xml", 0, 8), ("feed_c.json", 4, 0)]
    with connect(risk_home.lake_path, read_only=True) as con:
        loaded = con.execute("SELECT doc_id FROM raw.news WHERE _source_file LIKE '%feed_a.csv' ORDER BY doc_id").fetchall()
        quarantined = con.execute("SELECT line, record_key, message FROM quality.quarantine WHERE rule = 'duplicate_doc_id' "
                                  "ORDER BY line").fetchall()
    assert [r[0] for r in loaded] == [f"{BASE}{i}" for i in range(8)]
    assert [(line, key) for line, key, _ in quarantined] == [(2 + i, variant.strip())
                                                             for i, variant in enumerate(VARIANTS)]
    feed_a = str(risk_home.landing_news / "feed_a.csv")
    assert quarantined[0][2].endswith(f"article id {BASE}0 is already loaded from {feed_a} line 2 (same text: a re-delivery)")
    assert quarantined[4][2].endswith(
        f"article id http://news.example.com/markets/story-4 is already loaded from {feed_a} line 6 as {BASE}4 "
        "(the same address written another way: scheme, host case, www., default port, fragment, percent escapes, tracking "
        "parameters and trailing slash aside) (same text: a re-delivery)")
    assert f"line 9 as {BASE}7 (the same address" in quarantined[7][2]


def test_a_revised_text_under_a_url_variant_keeps_the_first_version(risk_home, sentences):
    from risk_assets.lib.ingest.landing import land_folder

    (risk_home.landing_news / "a.csv").write_text(_feed_csv(sentences[:2], [f"{BASE}0", f"{BASE}1"]))
    (risk_home.landing_news / "b.csv").write_text(_feed_csv(sentences[2:4], [f"{BASE}0/?utm_source=x", f"{BASE}9"]))
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_news, "news", parse_news_file, "run-1", asset="raw_news")
        rows = con.execute("SELECT doc_id, text_raw FROM raw.news ORDER BY doc_id").fetchall()
        (message,) = con.execute("SELECT message FROM quality.quarantine").fetchone()
    assert rows == [(f"{BASE}0", sentences[0]), (f"{BASE}1", sentences[1]), (f"{BASE}9", sentences[3])]
    assert message.endswith(f"as {BASE}0 (the same address written another way: scheme, host case, www., default "
                            "port, fragment, percent escapes, tracking parameters and trailing slash aside) (different text: the first "
                            "version is kept)")
