"""RSS and Atom news feeds, built from real Financial PhraseBank sentences: what loads, with which
id, source, time and line, and what refuses the file."""

from __future__ import annotations

import gzip
from datetime import datetime
from xml.sax.saxutils import escape

import pytest

from risk_assets.lib.ingest.news_formats import parse_news_file
from risk_assets.lib.ingest.parsed import FileRefused


@pytest.fixture(scope="module")
def sentences() -> list[str]:
    """The first 6 sentences of the PhraseBank vendor file."""
    from risk_assets_tests.conftest import DATA

    path = DATA / "news" / "financial_phrasebank_50agree.txt"
    if not path.is_file():
        pytest.skip(f"sample data not found at {path}")
    return parse_news_file(path).rows.head(6)["text_raw"].to_list()


def _rss(sentences: list[str]) -> str:
    """An RSS 2.0 feed as news sites publish it: CDATA HTML bodies, content:encoded beside the
    description, an HTML entity XML does not define, one item without a guid."""
    items = [f"""  <item>
    <title>{escape(s[:40])}</title>
    <link>https://news.example.com/a/{i}</link>
    {"" if i == 2 else f'<guid isPermaLink="false">ex-{i}</guid>'}
    <pubDate>Thu, 02 May 2024 0{i}:30:00 +0200</pubDate>
    <category>Markets</category><category>Nordics</category>
    <description><![CDATA[<p>{s[:60]}&hellip;</p>]]></description>
    <content:encoded><![CDATA[<p>{s}</p>]]></content:encoded>
  </item>""" for i, s in enumerate(sentences[:3])]
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">\n<channel>\n'
            "  <title>Nordic Markets&nbsp;Wire</title>\n  <link>https://news.example.com</link>\n"
            + "\n".join(items) + "\n</channel>\n</rss>\n")


def test_an_rss_feed_loads_each_item_with_its_id_source_time_and_line(tmp_path, sentences):
    path = tmp_path / "wire.xml"
    path.write_text(_rss(sentences))
    parsed = parse_news_file(path)
    assert parsed.format == "news_feed_rss" and parsed.quarantine.height == 0
    rows = parsed.rows
    assert rows["doc_id"].to_list() == ["ex-0", "ex-1", "https://news.example.com/a/2"]  # no guid: the link
    assert set(rows["source"]) == {"Nordic Markets\u00a0Wire"}  # the feed's title, its entity read
    assert rows["published_at"].to_list() == [datetime(2024, 5, 1, 22, 30), datetime(2024, 5, 1, 23, 30),
                                              datetime(2024, 5, 2, 0, 30)]
    assert rows["text_clean"].to_list() == sentences[:3] and set(rows["text_field"]) == {"body"}
    lines = path.read_text().split("\n")
    assert all(lines[n - 1].strip() == "<item>" for n in rows["_source_line"])


def test_an_atom_feed_reads_published_else_updated_and_the_alternate_link(tmp_path, sentences):
    path = tmp_path / "atom.xml.gz"
    path.write_bytes(gzip.compress(f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Example Markets</title>
  <entry>
    <title>{escape(sentences[0][:40])}</title>
    <link rel="self" href="https://example.com/self/1"/>
    <link rel="alternate" href="https://example.com/e/1"/>
    <published>2024-05-02T09:30:00+02:00</published>
    <updated>2024-05-04T10:00:00Z</updated>
    <summary>{escape(sentences[0])}</summary>
  </entry>
  <entry>
    <title>{escape(sentences[1][:40])}</title>
    <link href="https://example.com/e/2"/>
    <updated>2024-05-03T09:30:00Z</updated>
    <content type="html">{escape("<p>" + sentences[1] + "</p>")}</content>
  </entry>
</feed>
""".encode()))
    parsed = parse_news_file(path)
    assert parsed.format == "news_feed_atom"
    assert parsed.rows.select("doc_id", "published_at", "text_clean").rows() == [
        ("https://example.com/e/1", datetime(2024, 5, 2, 7, 30), sentences[0]),
        ("https://example.com/e/2", datetime(2024, 5, 3, 9, 30), sentences[1])]


def test_a_feed_in_its_declared_latin_1_encoding_is_read(tmp_path):
    path = tmp_path / "kauppalehti.xml"
    path.write_bytes('<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><title>Kauppalehti'
                     '</title><item><title>Lännen Tehtaat raises its dividend</title><guid>k-1</guid></item>'
                     '</channel></rss>'.encode("latin-1"))
    (row,) = parse_news_file(path).rows.iter_rows(named=True)
    assert (row["text_raw"], row["source"]) == ("Lännen Tehtaat raises its dividend", "Kauppalehti")


@pytest.mark.parametrize(("content", "expected"), [
    ("cut", "wire.xml: line 11 column 1: not well-formed XML (no element found) (the document stops before its "
            "elements close: a truncated download?)"),
    ("<!DOCTYPE html>\n<html><body><p>Please enable cookies<br></body></html>",
     "wire.xml: an HTML page (a browser's 'Save as'?), not a feed"),
    ('<?xml version="1.0"?><sitemap><url><loc>https://x</loc></url></sitemap>',
     "wire.xml: an XML document with root <sitemap> and no <item> or <entry>: not an RSS or Atom feed"),
], ids=["truncated", "html_page", "not_a_feed"])
def test_xml_that_is_no_readable_feed_is_refused_saying_why(tmp_path, sentences, content, expected):
    path = tmp_path / "wire.xml"
    path.write_text("\n".join(_rss(sentences).split("\n")[:10]) + "\n" if content == "cut" else content)
    with pytest.raises(FileRefused) as refused:
        parse_news_file(path)
    assert expected in str(refused.value)
