"""One article under several spellings of its URL (trailing slash, tracking parameters, http vs
https, host case, fragment, a publisher's mobile and AMP editions) is one article: within a feed
and across feeds landed one after the other, built from real Financial PhraseBank sentences."""

from __future__ import annotations

import csv
import io
import json
from xml.sax.saxutils import escape

import pytest

from risk_assets.lib.ingest.news_formats import SAME_URL, parse_news_file, url_key
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


SAME_ADDRESS = [
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
    # a publisher's mobile and AMP editions: a first host label m., mobile. or amp. (like www.)
    ("https://www.wsj.com/articles/outokumpu-11", "https://m.wsj.com/articles/outokumpu-11"),
    ("https://www.wsj.com/articles/outokumpu-11", "https://mobile.wsj.com/articles/outokumpu-11"),
    ("https://www.ft.com/content/abc-123", "https://amp.ft.com/content/abc-123"),
    ("https://wsj.com/articles/outokumpu-11", "HTTPS://M.WSJ.COM./articles/outokumpu-11/"),
    ("https://m.co/a/1", "https://M.CO./a/1"),  # a host that is m. and one label keeps its m.
    ("https://www.bbc.co.uk/news/business-1", "https://m.bbc.co.uk/news/business-1"),  # a domain under co.uk remains
    ("https://wsj.com/articles/outokumpu-11", "https://www.m.wsj.com/articles/outokumpu-11"),  # www., then one label
    # AMP Ltd's own domain: amp.com.au is no AMP edition of com.au (a public suffix), only www. is set aside
    ("https://amp.com.au/newsroom/amp-results-2024", "https://www.amp.com.au/newsroom/amp-results-2024/"),
    # a first path segment amp before another, a last one after two others or more
    ("https://www.theguardian.com/business/2024/may/02/story", "https://www.theguardian.com/business/2024/may/02/story/amp"),
    ("https://www.theguardian.com/business/2024/may/02/story", "https://amp.theguardian.com/business/2024/may/02/story"),
    ("https://news.example.com/tag/nokia", "https://news.example.com/tag/nokia/amp/"),
    ("https://example.com/story", "https://example.com/amp/story"),
    ("https://example.com/news/2024/story", "https://amp.example.com/amp/news/2024/story/amp/"),
    ("https://example.com/story", "https://example.com/%61mp/story"),
    # AMP parameters, as tracking parameters
    ("https://news.example.com/a?id=7", "https://news.example.com/a?amp&id=7"),
    ("https://news.example.com/a?id=7", "https://news.example.com/a?id=7&amp=1"),
    # a page in Google's AMP cache and the address it caches
    ("https://www.ft.com/content/abc-123",
     "https://www-ft-com.cdn.ampproject.org/c/s/www.ft.com/content/abc-123?amp_js_v=a6&amp_gsa=1&usqp=mq331AQFKAGwASA%3D"),
    ("http://example.com/story?id=7", "https://example-com.cdn.ampproject.org/c/example.com/amp/story?id=7"),
    ("https://www.ft.com/content/abc-123", "https://www-ft-com.cdn.ampproject.org/v/s/m.ft.com/content/abc-123/"),
]


@pytest.mark.parametrize(("a", "b"), SAME_ADDRESS)
def test_spellings_of_one_address_share_a_key(a, b):
    assert url_key(a) == url_key(b) is not None


@pytest.mark.parametrize(("a", "b"), SAME_ADDRESS)
def test_the_lake_side_prefilter_keeps_spellings_of_one_address_together(a, b):
    """landing._url_coarse_sql picks the loaded ids that may share an incoming id's url_key: it
    must agree on every two spellings of one address (else a loaded copy is missed)."""
    import duckdb

    from risk_assets.lib.ingest.landing import _url_coarse_sql

    with duckdb.connect() as con:
        coarse_a, coarse_b = con.execute(f"SELECT {_url_coarse_sql('$1')}, {_url_coarse_sql('$2')}", [a, b]).fetchone()
    assert coarse_a == coarse_b


@pytest.mark.parametrize(("a", "b"), [
    ("https://news.example.com/a?id=7&p=2", "https://news.example.com/a?p=2&id=7"),  # the order is the site's
    ("https://news.example.com/a?id=7", "https://news.example.com/a?id=8"),
    ("https://news.example.com/Story", "https://news.example.com/story"),  # paths are case-sensitive
    ("https://news.example.com/a", "https://news.example.com:8443/a"),
    ("https://news.example.com/#!/story/1", "https://news.example.com/#!/story/2"),  # a route names the page
    ("https://news.example.com/a", "https://other.example.com/a"),
    ("https://news.example.com/a%2Fb", "https://news.example.com/a/b"),  # an escaped '/' is reserved: another path
    ("https://news.example.com/?q=a%26b", "https://news.example.com/?q=a&b"),  # an escaped '&' is part of a value
    # other subdomains and other domains are other sites: no rule tells an edition from another article
    ("https://uk.finance.yahoo.com/news/nokia-1", "https://finance.yahoo.com/news/nokia-1"),
    ("https://www.bbc.co.uk/news/business-1", "https://www.bbc.com/news/business-1"),
    ("https://m.co/a/1", "https://co/a/1"),  # m. is set aside only where a domain with a dot remains
    # ... and only where a registrable domain remains: com.au, co.uk and or.jp are public suffixes
    ("https://amp.com.au/newsroom/amp-results-2024", "https://com.au/newsroom/amp-results-2024"),
    ("https://www.amp.com.au/newsroom/amp-results-2024", "https://com.au/newsroom/amp-results-2024"),
    ("https://m.co.uk/a/1", "https://co.uk/a/1"),
    ("https://mobile.or.jp/a/1", "https://or.jp/a/1"),
    ("https://m.wsj.com/a/1", "https://m.m.wsj.com/a/1"),  # one edition label, not two
    # a last segment amp after fewer than two others may be a page of its own (a topic or the ticker AMP)
    ("https://www.afr.com/financial-services", "https://www.afr.com/financial-services/amp"),
    ("https://www.example.com/markets", "https://www.example.com/markets/amp"),
    ("https://example.com/", "https://example.com/amp"),
    ("https://news.example.com/a/amp/b", "https://news.example.com/a/b"),  # amp inside the path
    ("https://news.example.com/a/amp-stories", "https://news.example.com/a"),
    ("https://news.example.com/a?amplify=1", "https://news.example.com/a"),
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
                                "another way: scheme, host case, www., mobile or AMP edition, default port, fragment, "
                                "percent escapes, tracking parameters and trailing slash aside) (same text: a repeat)")
    # the row keeps the URL as written: only the comparison is canonical
    assert parsed.quarantine["raw_value"].to_list()[4] == "http://news.example.com/markets/story-4"


def test_url_variants_in_a_later_feed_are_duplicates_of_the_loaded_copy(risk_home, sentences):
    """Feed A (CSV, ticker NOK) lands first; feed B, an RSS feed naming the same eight stories under
    eight spellings of their URLs, and no ticker, loads nothing; feed C (JSON) names four of them by
    its own ids, and loads them (their own ids: staging collapses the same text)."""

    (risk_home.landing_news / "feed_a.csv").write_text(_feed_csv(sentences, [f"{BASE}{i}" for i in range(8)]))
    (risk_home.landing_news / "feed_b.xml").write_text(_feed_rss(sentences, VARIANTS))
    (risk_home.landing_news / "feed_c.json").write_text(json.dumps({"status": "ok", "articles": [
        {"id": f"aggC-{1000 + i}", "url": f"{BASE}{i}", "title": f"Headline {i}", "description": sentences[i],
         "publishedAt": f"2024-03-05T09:{i:02d}:00Z", "ticker": "NOK"} for i in range(4)]}))
    assert _land(risk_home) == [("feed_a.csv", 8, 0), ("feed_b.xml", 0, 8), ("feed_c.json", 4, 0)]
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
        "(the same address written another way: scheme, host case, www., mobile or AMP edition, default port, fragment, "
        "percent escapes, tracking parameters and trailing slash aside) (same text: a re-delivery)")
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
    assert message.endswith(f"as {BASE}0 (the same address written another way: scheme, host case, www., mobile or "
                            "AMP edition, default port, fragment, percent escapes, tracking parameters and trailing slash "
                            "aside) (different text: the first version is kept)")


def _land(risk_home) -> list[tuple[str, int, int]]:
    """Land the news folder once: (file name, rows loaded, rows quarantined) per file."""
    from risk_assets.lib.ingest.landing import land_folder

    with connect(risk_home.lake_path) as con:
        report = land_folder(con, risk_home.landing_news, "news", parse_news_file, "run-1", asset="raw_news")
    return [(f.path.rsplit("/", 1)[-1], f.rows_loaded, f.rows_quarantined) for f in report.files]


def _newsapi_page(sentences, urls, names) -> str:
    """A NewsAPI page naming each story by `urls`: its content cut as NewsAPI cuts it."""
    return json.dumps({"status": "ok", "totalResults": len(urls), "articles": [
        {"source": {"id": None, "name": name}, "author": None, "title": f"Headline {i}", "description": sentence[:60],
         "url": url, "publishedAt": f"2024-03-05T09:{i:02d}:00Z", "content": f"{sentence[:120]}… [+900 chars]"}
        for i, (url, sentence, name) in enumerate(zip(urls, sentences, names, strict=True))]}, indent=1)


def test_mobile_and_amp_editions_of_a_loaded_story_are_its_duplicates(risk_home, sentences):
    """A publisher's feed (www. addresses, full text) lands first; a NewsAPI page (m., amp. and /amp
    addresses, text cut) and an RSS feed (amp., mobile. and Google's AMP cache) name the same
    stories: they are quarantined as duplicates of the loaded copies, whose first version stays. A
    story on uk.finance.yahoo.com is another site's page than finance.yahoo.com's, and loads."""

    publisher = ["https://www.wsj.com/articles/outokumpu-11", "https://www.ft.com/content/abc-123",
                 "https://www.theguardian.com/business/2024/mar/05/upm-profit", "https://finance.yahoo.com/news/nokia-1"]
    newsapi = ["https://m.wsj.com/articles/outokumpu-11", "https://amp.ft.com/content/abc-123",
               "https://www.theguardian.com/business/2024/mar/05/upm-profit/amp", "https://uk.finance.yahoo.com/news/nokia-1"]
    rss = ["https://amp.wsj.com/articles/outokumpu-11?amp=1",
           "https://www-ft-com.cdn.ampproject.org/c/s/www.ft.com/content/abc-123?amp_js_v=a6&usqp=mq331AQFKAGwASA%3D",
           "https://mobile.theguardian.com/business/2024/mar/05/upm-profit"]
    (risk_home.landing_news / "feed_a.csv").write_text(_feed_csv(sentences[:4], publisher))
    (risk_home.landing_news / "feed_b.json").write_text(
        _newsapi_page(sentences[:4], newsapi, ["WSJ", "Financial Times", "The Guardian", "Yahoo Finance UK"]))
    (risk_home.landing_news / "feed_c.xml").write_text(_feed_rss(sentences[:3], rss))
    assert _land(risk_home) == [("feed_a.csv", 4, 0), ("feed_b.json", 1, 3), ("feed_c.xml", 0, 3)]
    with connect(risk_home.lake_path, read_only=True) as con:
        loaded = con.execute("SELECT doc_id, text_raw FROM raw.news ORDER BY _source_file, _source_line").fetchall()
        quarantined = con.execute("SELECT source_file, record_key, message FROM quality.quarantine "
                                  "WHERE rule = 'duplicate_doc_id' ORDER BY source_file, line").fetchall()
    assert loaded[:4] == list(zip(publisher, sentences[:4]))
    assert loaded[4][0] == "https://uk.finance.yahoo.com/news/nokia-1"
    assert [(path.rsplit("/", 1)[-1], key) for path, key, _ in quarantined] == [
        *(("feed_b.json", url) for url in newsapi[:3]), *(("feed_c.xml", url) for url in rss)]
    feed_a = str(risk_home.landing_news / "feed_a.csv")
    for (_, key, message), first_line in zip(quarantined, [2, 3, 4, 2, 3, 4], strict=True):
        assert f"article id {key} is already loaded from {feed_a} line {first_line} as {publisher[first_line - 2]} " \
               f"({SAME_URL})" in message
    assert quarantined[0][2].endswith("(different text: the first version is kept)")  # NewsAPI's cut text
    assert quarantined[3][2].endswith("(same text: a re-delivery)")


def test_a_domain_named_amp_and_a_page_named_amp_are_no_amp_editions(risk_home, sentences):
    """AMP Ltd (ASX: AMP) publishes at amp.com.au: its press release under www.amp.com.au and under
    the bare host is one article (the bare host keyed as `com.au/...`, so both loaded). A topic page
    `/financial-services/amp` and the section `/financial-services`, and `/markets/amp` and
    `/markets`, are two pages each (the second of each was quarantined as a duplicate, 'different
    text: the first version is kept'); a story's `/amp` after two other segments is its AMP edition."""
    first = ["https://www.amp.com.au/newsroom/amp-results-2024", "https://www.afr.com/financial-services/amp",
             "https://www.example.com/markets/amp", "https://news.example.com/tag/nokia"]
    second = ["https://amp.com.au/newsroom/amp-results-2024", "https://www.afr.com/financial-services",
              "https://www.example.com/markets", "https://news.example.com/tag/nokia/amp"]
    (risk_home.landing_news / "feed_a.csv").write_text(_feed_csv(sentences[:4], first))
    (risk_home.landing_news / "feed_b.csv").write_text(_feed_csv([sentences[0], *sentences[4:7]], second))
    assert _land(risk_home) == [("feed_a.csv", 4, 0), ("feed_b.csv", 2, 2)]
    with connect(risk_home.lake_path, read_only=True) as con:
        loaded = con.execute("SELECT doc_id, text_raw FROM raw.news ORDER BY _source_file, _source_line").fetchall()
        quarantined = con.execute("SELECT line, record_key, message FROM quality.quarantine "
                                  "WHERE rule = 'duplicate_doc_id' ORDER BY line").fetchall()
    assert loaded == [*zip(first, sentences[:4]), (second[1], sentences[4]), (second[2], sentences[5])]
    assert [(line, key) for line, key, _ in quarantined] == [(2, second[0]), (5, second[3])]
    feed_a = str(risk_home.landing_news / "feed_a.csv")
    assert quarantined[0][2].endswith(f"article id {second[0]} is already loaded from {feed_a} line 2 as {first[0]} "
                                      f"({SAME_URL}) (same text: a re-delivery)")
    assert f"is already loaded from {feed_a} line 5 as {first[3]} ({SAME_URL})" in quarantined[1][2]


def test_an_iri_in_a_later_feed_is_a_duplicate_of_its_loaded_escaped_address(risk_home, sentences):
    """The lake-side look-up finds a loaded copy whose path escapes what the new one writes as it
    reads (`w%C3%A4rtsil%C3%A4` loaded, `wärtsilä` arriving on the mobile edition)."""
    from risk_assets.lib.ingest.landing import land_folder

    escaped = "https://www.kauppalehti.fi/uutiset/w%C3%A4rtsil%C3%A4-tilaus/a1"
    (risk_home.landing_news / "a.csv").write_text(_feed_csv(sentences[:1], [escaped]))
    (risk_home.landing_news / "b.csv").write_text(_feed_csv(sentences[:1], ["https://m.kauppalehti.fi/uutiset/wärtsilä-tilaus/a1/"]))
    with connect(risk_home.lake_path) as con:
        report = land_folder(con, risk_home.landing_news, "news", parse_news_file, "run-1", asset="raw_news")
        (message,) = con.execute("SELECT message FROM quality.quarantine").fetchone()
    assert [(f.rows_loaded, f.rows_quarantined) for f in report.files] == [(1, 0), (0, 1)]
    assert f"as {escaped} ({SAME_URL}) (same text: a re-delivery)" in message
