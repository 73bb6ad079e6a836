"""RSS and Atom news feeds, built from real Financial PhraseBank sentences: what loads, with which
id, source, time and line, and what refuses the file."""

from __future__ import annotations

import codecs
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
    # a guid is keyed by the feed's title, the source; no guid: the link, unkeyed
    assert rows["doc_id"].to_list() == ["nordic markets\u00a0wire:ex-0", "nordic markets\u00a0wire:ex-1",
                                        "https://news.example.com/a/2"]
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
    # the second entry's `updated` dated it: read, so never listed as ignored beside the first's edit time
    assert parsed.notes["fallback_columns"] == {"updated": "published_at"}
    assert parsed.notes["ignored_columns"] == []


def test_a_feed_in_its_declared_latin_1_encoding_is_read(tmp_path):
    path = tmp_path / "kauppalehti.xml"
    path.write_bytes('<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><title>Kauppalehti'
                     '</title><item><title>Lännen Tehtaat raises its dividend</title><guid>k-1</guid></item>'
                     '</channel></rss>'.encode("latin-1"))
    (row,) = parse_news_file(path).rows.iter_rows(named=True)
    assert (row["text_raw"], row["source"]) == ("Lännen Tehtaat raises its dividend", "Kauppalehti")


@pytest.mark.parametrize(("content", "expected"), [
    ("cut", "wire.xml: line 11 column 1: not well-formed XML (no element found): the document stops before its "
            "elements close: a truncated download?"),
    ("<!DOCTYPE html>\n<html><body><p>Please enable cookies<br></body></html>",
     "wire.xml: an HTML page (a browser's 'Save as'?), not a feed"),
    ('<?xml version="1.0"?><sitemap><url><loc>https://x</loc></url></sitemap>',
     "wire.xml: an XML document with root <sitemap> and no <item> or <entry>: not an RSS or Atom feed"),
    # a namespaced root was shown as '<2006-10-01:newsMessage>', the namespace's tail taken for a prefix
    ('<?xml version="1.0"?><newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/"><itemSet/></newsMessage>',
     'wire.xml: an XML document with root <newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/"> and no <item> '
     "or <entry>: not an RSS or Atom feed (IPTC NewsML-G2, whose <newsItem>s are read as records when it holds two "
     "or more), and no records to read in its place"),
    ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://x</loc>'
     '</url></urlset>', "(a sitemap: it lists pages, not their text)"),
], ids=["truncated", "html_page", "not_a_feed", "newsml_g2", "sitemap"])
def test_xml_that_is_no_readable_feed_is_refused_saying_why(tmp_path, sentences, content, expected):
    path = tmp_path / "wire.xml"
    path.write_text("\n".join(_rss(sentences).split("\n")[:10]) + "\n" if content == "cut" else content)
    with pytest.raises(FileRefused) as refused:
        parse_news_file(path)
    assert expected in str(refused.value)


def _write(tmp_path, name: str, text: str, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_text_inside_child_elements_is_the_fields_text(tmp_path, sentences):
    """Atom xhtml content and title, and inline markup in a description: every word is kept, and
    paragraphs stay apart; an Atom author is its name."""
    first, second = sentences[0], sentences[1]
    atom = _write(tmp_path, "xhtml.xml", f"""<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Blog</title>
<entry><id>tag:1</id><updated>2024-05-02T09:00:00Z</updated>
<title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Elcoteq <b>lays off</b> staff</div></title>
<author><name>Jane Doe</name><email>jane@example.org</email></author>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>{escape(first)}</p><p>{escape(second)}</p></div></content>
</entry></feed>""")
    (row,) = parse_news_file(atom).rows.iter_rows(named=True)
    assert (row["headline"], row["text_raw"]) == ("Elcoteq lays off staff", f"{first} {second}")
    rss = _write(tmp_path, "inline.xml", '<rss version="2.0"><channel><title>W</title><item><guid>g1</guid>'
                 '<description>Shares of <b>Nokia</b> rose <i>5 %</i> after the <a href="x">report</a>.</description>'
                 "</item></channel></rss>")
    (row,) = parse_news_file(rss).rows.iter_rows(named=True)
    assert row["text_raw"] == "Shares of Nokia rose 5 % after the report."


@pytest.mark.parametrize("encoding", ["shift_jis", "gb2312", "big5", "euc-kr"])
def test_a_feed_in_a_multi_byte_encoding_is_read(tmp_path, encoding):
    title = {"shift_jis": "トヨタ自動車の純利益は増加した", "gb2312": "贵州茅台一季度净利润同比增长",
             "big5": "台積電第一季營收成長", "euc-kr": "삼성전자 영업이익 증가"}[encoding]
    path = _write(tmp_path, "feed.xml", f'<?xml version="1.0" encoding="{encoding.upper()}"?>\n<rss version="2.0">'
                  f"<channel><title>F</title><item><guid>g1</guid><title>{title}</title></item></channel></rss>", encoding)
    (row,) = parse_news_file(path).rows.iter_rows(named=True)
    assert row["text_raw"] == title


def test_elements_are_known_by_namespace_and_a_prefixed_field_by_its_local_name(tmp_path, sentences):
    """Atom written with an `a:` prefix is Atom; `c:encoded` bound to the content module is the full
    text; RSS 1.0's `dc:date` is the publication time; Nasdaq's `nasdaq:tickers` are the tickers."""
    prefixed = _write(tmp_path, "a.xml", f"""<a:feed xmlns:a="http://www.w3.org/2005/Atom"><a:title>P</a:title>
<a:entry><a:id>tag:1</a:id><a:updated>2024-05-02T09:00:00Z</a:updated><a:title>T</a:title>
<a:summary>{escape(sentences[0])}</a:summary></a:entry></a:feed>""")
    (row,) = parse_news_file(prefixed).rows.iter_rows(named=True)
    assert (row["doc_id"], row["source"], row["text_raw"]) == ("p:tag:1", "P", sentences[0])
    rdf = _write(tmp_path, "wire.rdf", f"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:c="http://purl.org/rss/1.0/modules/content/"
 xmlns:nasdaq="http://nasdaq.com/reference/feeds/1.0">
<channel rdf:about="https://w.example"><title>Example Wire</title></channel>
<item rdf:about="https://w.example/a/1"><title>T</title><link>https://w.example/a/1</link>
<description>Short teaser.</description><c:encoded>{escape(sentences[1])}</c:encoded>
<dc:date>2024-05-02T09:00:00+09:00</dc:date><nasdaq:tickers>TPS1V,ELQAV</nasdaq:tickers></item>
</rdf:RDF>""")
    parsed = parse_news_file(rdf)
    (row,) = parsed.rows.iter_rows(named=True)
    assert parsed.format == "news_feed_rss"
    assert (row["text_raw"], row["published_at"], row["ticker"], row["source"]) == (
        sentences[1], datetime(2024, 5, 2, 0, 0), "ELQAV,TPS1V", "Example Wire")


def test_items_without_guid_or_link_keep_one_id_across_pulls(tmp_path, sentences):
    """An id from the item's source, title, time and text: the 10:00 pull repeats the 09:00 one's
    story under the same id, so landing quarantines it as a duplicate instead of loading it twice."""
    def pull(name, stories):
        items = "".join(f"<item><title>{escape(t[:30])}</title><pubDate>Thu, 02 May 2024 08:00:00 gmt</pubDate>"
                        f"<description>{escape(t)}</description></item>" for t in stories)
        return parse_news_file(_write(tmp_path, name, f'<rss version="2.0"><channel><title>W</title>{items}</channel></rss>'))

    first, second = pull("0900.xml", sentences[:2]), pull("1000.xml", [sentences[2], *sentences[:2]])
    assert second.rows["doc_id"].to_list()[1:] == first.rows["doc_id"].to_list()
    assert all(d.startswith("content:") for d in second.rows["doc_id"]) and second.notes["doc_id_from_content_lines"]
    assert set(first.rows["published_at"]) == {datetime(2024, 5, 2, 8, 0)}  # 'gmt' in lower case is GMT


@pytest.mark.parametrize(("content", "expected"), [
    ('<rss version="2.0"><channel><title>A & B</title></channel></rss>',
     "line 1 column 39: not well-formed XML (not well-formed (invalid token)): an unescaped '&' or '<', or bytes "
     "not in the declared encoding"),
    ('<rss version="2.0"><channel><title>A</channel></rss>',
     "line 1 column 39: not well-formed XML (mismatched tag): an element closed by another's end tag"),
    ('<?xml version="1.0"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "x">\n'
     '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>502 Bad Gateway<br></p></body></html>',
     "an HTML page (a browser's 'Save as'?), not a feed"),
], ids=["bare_ampersand", "mismatched_tag", "xhtml_error_page"])
def test_an_xml_fault_is_named_for_what_it_is_not_called_a_truncation(tmp_path, content, expected):
    with pytest.raises(FileRefused) as refused:
        parse_news_file(_write(tmp_path, "feed.xml", content))
    assert expected in str(refused.value) and "truncated" not in str(refused.value)


def test_a_media_rss_caption_is_never_the_articles_text(tmp_path, sentences):
    path = _write(tmp_path, "media.xml", f"""<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">
<channel><title>W</title><item><guid>a1</guid><title>T</title><description>{escape(sentences[0])}</description>
<media:content url="https://img/1.jpg"><media:description>File photo of the head office</media:description>
</media:content><media:title>Head office</media:title></item></channel></rss>""")
    parsed = parse_news_file(path)
    (row,) = parsed.rows.iter_rows(named=True)
    assert (row["text_raw"], row["headline"]) == (sentences[0], "T")
    assert {"media:content", "media:title"} <= set(parsed.notes["ignored_columns"])


def test_a_byte_that_is_not_utf8_in_a_utf8_feed_is_named_with_its_line_and_remedy(tmp_path, sentences):
    """An RSS feed declared UTF-8 with a Windows-1252 smart quote pasted into one description: the
    refusal names the byte's line and column and, since other items hold UTF-8 text ('–'), says
    the file mixes encodings rather than advising another declaration; without UTF-8 text, the
    declaration is what to correct."""
    items = "\n".join(f"<item><guid>g{i}</guid><title>Update {i} \u2013 Helsinki</title>"
                      f"<description>{escape(s)}</description></item>" for i, s in enumerate(sentences[:3]))
    data = (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>W</title>\n{items}\n'
            "</channel></rss>\n").encode()
    quote = b"\x93"
    data = data.replace(b"<guid>g1</guid>", b"<guid>g1</guid>" + quote)  # line 4: item g1
    path = tmp_path / "mixed.xml"
    path.write_bytes(data)
    line_4 = data.split(b"\n")[3]
    offset = data.index(b"</guid>" + quote) + len(b"</guid>")  # not data.index(quote): '\u2013' holds a 0x93 too
    column = len(line_4[:line_4.index(b"</guid>" + quote) + len(b"</guid>")].decode()) + 1
    with pytest.raises(FileRefused) as refused:
        parse_news_file(path)
    assert str(refused.value) == (
        f"{path}: line 4 column {column}: not UTF-8 at byte offset {offset} (byte 0x93): the file mixes "
        "encodings: line 4 holds bytes of another encoding (byte 0x93 is '\u201c' in Windows-1252), while line 3 "
        "holds UTF-8 text, which declaring another encoding would garble; repair the lines named (retype the "
        "character, or export the file again as UTF-8 from where it was written), save the file as UTF-8 and land "
        "it again")
    path.write_bytes(data.replace("\u2013".encode(), b"-"))
    with pytest.raises(FileRefused, match=r"line 4 column \d+: not UTF-8 at byte offset \d+ \(byte 0x93\): an XML "
                                          r"feed is read in the encoding its XML declaration names, UTF-8 where it "
                                          r"names none; correct the declaration"):
        parse_news_file(path)


def test_an_item_that_writes_its_time_or_text_twice_is_quarantined_naming_the_element(tmp_path, sentences):
    """A CMS writes an item's original and updated `<pubDate>`, or a teaser and the full
    `<description>`: joined, the times were an unreadable `unparsable_timestamp` without a word of
    why, and the teaser was scored twice. Which one is the article's cannot be known: the item is
    quarantined as `repeated_key`, naming the element; the same text twice, and categories, are fine."""
    def item(i, extra):
        return (f"<item><title>{escape(sentences[i][:40])}</title><guid>g-{i}</guid>"
                f"<pubDate>Thu, 02 May 2024 0{i}:30:00 GMT</pubDate>{extra}</item>")

    body = escape(sentences[3])
    path = _write(tmp_path, "cms.xml", '<?xml version="1.0"?><rss version="2.0"><channel><title>CMS</title>'
                  + item(0, "<pubDate>Sun, 30 Jun 2024 00:00:00 GMT</pubDate>")
                  + item(1, f"<description>{escape(sentences[1][:30])}</description>"
                            f"<description>{escape(sentences[1])}</description>")
                  + item(2, f"<description>{body}</description><description>{body}</description>"
                            "<category>Markets</category><category>Nordics</category>")
                  + "</channel></rss>")
    parsed = parse_news_file(path)
    parsed.reconcile()
    assert parsed.rows.select("doc_id", "body", "ticker").rows() == [("cms:g-2", sentences[3], None)]
    # one line holds the whole feed: lineage numbers the items (notes['record_numbers'])
    assert parsed.quarantine.select("line", "column_name", "rule").rows() == [
        (1, "pubDate", "repeated_key"), (2, "description", "repeated_key")]
    assert "'pubDate' is written 2 times with different values" in parsed.quarantine["message"][0]


@pytest.mark.parametrize("declared", ["ISO-8859-1", "us-ascii"])
def test_a_feed_declared_latin_1_but_written_on_windows_reads_as_windows_1252(tmp_path, sentences, declared):
    """A feed that declares ISO-8859-1 (or US-ASCII) and was written in windows-1252 puts its curly
    quotes and euro sign at 0x91-0x94 and 0x80, C1 control characters in Latin-1: the headline
    kept `Nokia\\x92s`. Browsers and feed readers decode those labels as windows-1252 (WHATWG
    Encoding Standard), and so does the reader now; a Latin-1 letter (`ä`) is the same in both."""
    title = "Nokia\u2019s \u201cW\u00e4rtsil\u00e4\u201d order worth \u20ac5m"
    body = f"{sentences[0]} \u2013 W\u00e4rtsil\u00e4"
    rss = (f'<?xml version="1.0" encoding="{declared}"?>\n<rss version="2.0"><channel><title>Wire</title>\n'
           f"<item><guid>w1</guid><title>{escape(title)}</title><description>{escape(body)}</description>"
           "<pubDate>Thu, 02 May 2024 09:00:00 GMT</pubDate></item>\n</channel></rss>\n")
    feed = tmp_path / "wire.xml"
    feed.write_bytes(rss.encode("cp1252"))
    parsed = parse_news_file(feed)
    assert parsed.rows.select("headline", "text_raw").rows() == [(title, body)]


def _wartsila_wire(declared: str, sentence: str) -> tuple[str, str, str]:
    """(headline, body, RSS document) of one item declaring `declared`: the headline with letters
    beyond Latin-1 (`’`, `€`), the body a PhraseBank sentence with `– Wärtsilä` after it."""
    title = "W\u00e4rtsil\u00e4\u2019s order worth \u20ac5m"
    body = f"{sentence} \u2013 W\u00e4rtsil\u00e4"
    rss = (f'<?xml version="1.0" encoding="{declared}"?>\n<rss version="2.0"><channel><title>Wire</title>\n'
           f"<item><guid>w1</guid><title>{escape(title)}</title><description>{escape(body)}</description>"
           "<pubDate>Thu, 02 May 2024 09:00:00 GMT</pubDate></item>\n</channel></rss>\n")
    return title, body, rss


def test_a_utf_8_byte_order_mark_wins_over_a_declared_latin_1(tmp_path, sentences):
    """A feed saved as UTF-8 with a byte-order mark by an editor that kept its `ISO-8859-1`
    declaration: the headline loaded as `WÃ¤rtsilÃ¤â\\x80\\x99s order worth â\\x82¬5m`, the
    bytes read as the declaration says. The mark says UTF-8, and wins."""
    title, body, rss = _wartsila_wire("ISO-8859-1", sentences[1])
    feed = tmp_path / "wire.xml"
    feed.write_bytes(codecs.BOM_UTF8 + rss.encode("utf-8"))
    parsed = parse_news_file(feed)
    parsed.reconcile()
    assert parsed.rows.select("headline", "text_raw", "text_repaired", "_source_line").rows() == [
        (title, body, False, 3)]


@pytest.mark.parametrize("declared", ["ISO-8859-1", "us-ascii", "windows-1252", "latin1"])
def test_a_feed_written_as_utf_8_under_a_latin_1_declaration_reads_as_utf_8(tmp_path, sentences, declared):
    """A CMS that declares ISO-8859-1 (or US-ASCII, or windows-1252) and writes UTF-8: `’` is
    E2 80 99, and read as windows-1252 the headline was `WÃ¤rtsilÃ¤â€™s`. Bytes that are valid
    UTF-8 outside ASCII are read as UTF-8 (windows-1252 text is almost never valid UTF-8)."""
    title, body, rss = _wartsila_wire(declared, sentences[2])
    feed = tmp_path / "wire.xml"
    feed.write_bytes(rss.encode("utf-8"))
    parsed = parse_news_file(feed)
    parsed.reconcile()
    assert parsed.rows.select("headline", "text_raw", "text_repaired").rows() == [(title, body, False)]


def test_a_feed_declared_us_ascii_with_latin_1_letters_reads_them(tmp_path, sentences):
    """US-ASCII is a windows-1252 label (WHATWG): a `ä` at 0xE4 under it is `ä`, as under ISO-8859-1."""
    feed = tmp_path / "wire.xml"
    feed.write_bytes(('<?xml version="1.0" encoding="us-ascii"?><rss version="2.0"><channel><title>Kauppalehti'
                      f"</title><item><title>L\u00e4nnen Tehtaat</title><description>{escape(sentences[3])}"
                      "</description><guid>k-1</guid></item></channel></rss>").encode("latin-1"))
    assert parse_news_file(feed).rows.select("headline", "text_raw").rows() == [("L\u00e4nnen Tehtaat", sentences[3])]


def test_a_feed_declared_latin_9_but_written_on_windows_reads_as_windows_1252_and_says_so(tmp_path, sentences):
    """A Finnish CMS declares ISO-8859-15 (Latin-9, for its `€`) and writes windows-1252, whose `’`
    and `€` sit at 0x92 and 0x80: C1 control characters in Latin-9, which the WHATWG Encoding
    Standard decodes as itself, so the headline kept `W\u00e4rtsil\u00e4\\x92s order of \\x805m`
    and no note said why. Bytes 0x80-0x9F are never text: the document is read as windows-1252,
    headline and body alike, and notes['feed_encoding_overruled'] names the byte and its place."""
    title, body, rss = _wartsila_wire("ISO-8859-15", sentences[4])  # the body's `\u2013` is 0x96
    feed = tmp_path / "kl_wire.xml"
    feed.write_bytes(rss.encode("cp1252"))
    assert b"W\xe4rtsil\xe4\x92s order worth \x805m" in feed.read_bytes() and b" \x96 W\xe4rtsil\xe4" in feed.read_bytes()
    parsed = parse_news_file(feed)
    parsed.reconcile()
    assert parsed.rows.select("headline", "text_raw", "text_clean", "text_repaired").rows() == [
        (title, body, body, False)]
    assert parsed.notes["feed_encoding_overruled"] == (
        f"{feed}: the XML declaration names ISO-8859-15, but byte 0x92 at line 3 column 37 is a control character in "
        "ISO-8859-15, never text: the document was read as Windows-1252, the encoding it was written in; declare it "
        '(<?xml version="1.0" encoding="windows-1252"?>) at the source')


def test_a_feed_in_its_declared_latin_9_keeps_its_euro_sign_and_no_note(tmp_path, sentences):
    """Latin-9's own `\u20ac` (0xA4) and `\u0152` (0xBC) are read as declared: only bytes that are
    control characters in it overrule the declaration."""
    title = "W\u00e4rtsil\u00e4 order worth \u20ac5m, \u0152uvre"
    feed = tmp_path / "kl_wire.xml"
    feed.write_bytes(('<?xml version="1.0" encoding="ISO-8859-15"?>\n<rss version="2.0"><channel><title>Wire</title>'
                      f"<item><guid>w1</guid><title>{title}</title><description>{escape(sentences[5])}</description>"
                      "</item></channel></rss>\n").encode("iso-8859-15"))
    parsed = parse_news_file(feed)
    assert parsed.rows.select("headline", "text_raw").rows() == [(title, sentences[5])]
    assert "feed_encoding_overruled" not in parsed.notes


def test_a_feed_written_as_utf_8_under_a_latin_9_declaration_reads_as_utf_8(tmp_path, sentences):
    """UTF-8's `\u2019` is E2 80 99: under a Latin-9 declaration 0x80 and 0x99 are control
    characters, and bytes valid as UTF-8 are read as UTF-8, noted."""
    title, body, rss = _wartsila_wire("iso-8859-15", sentences[2])
    feed = tmp_path / "wire.xml"
    feed.write_bytes(rss.encode("utf-8"))
    parsed = parse_news_file(feed)
    assert parsed.rows.select("headline", "text_raw").rows() == [(title, body)]
    assert "was read as UTF-8" in parsed.notes["feed_encoding_overruled"]


def test_character_references_to_c1_controls_read_as_windows_1252_as_html_reads_them(tmp_path, sentences):
    """A CMS escapes its Windows-1252 `’` as `&#146;` (the byte's number): XML reads it as the C1
    control U+0092, so the headline kept `Nokia\\x92s` though text_clean, cleaned as HTML, read
    `’`. HTML reads such a reference as windows-1252's character (WHATWG HTML, numeric character
    reference end state), and so is the headline now, noted in notes['c1_controls_reread_lines']."""
    feed = tmp_path / "wire.xml"
    feed.write_text('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>Wire</title>\n'
                    "<item><guid>w1</guid><title>Nokia&#146;s &#x80;5m order &#150; W&#228;rtsil&#228;</title>"
                    f"<description>{escape(sentences[0])} &#147;Nokia&#148;</description></item>\n</channel></rss>\n")
    parsed = parse_news_file(feed)
    parsed.reconcile()
    text = f"{sentences[0]} \u201cNokia\u201d"
    assert parsed.rows.select("headline", "text_raw", "text_clean").rows() == [
        ("Nokia\u2019s \u20ac5m order \u2013 W\u00e4rtsil\u00e4", text, text)]
    assert parsed.notes["c1_controls_reread_lines"] == [3]


def test_a_guid_with_a_character_reference_to_a_c1_control_is_its_correctly_decoded_twin(tmp_path, sentences):
    """A CMS writes its Windows-1252 `’` in a guid as `&#146;` (XML reads U+0092): the guid stayed as
    written while the headline beside it was re-read, so the item delivered again with a correct
    `’` loaded twice. The guid is re-read as the headline is; the quarantine entry keeps it as written."""
    items = [f"<item><guid>nokia\u2019s-deal</guid><title>Nokia\u2019s deal</title>"
             f"<description>{escape(sentences[0])}</description></item>",
             f"<item><guid>nokia&#146;s-deal</guid><title>Nokia&#146;s deal</title>"
             f"<description>{escape(sentences[0])}</description></item>"]
    feed = tmp_path / "wire.xml"
    feed.write_text('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>Wire</title>\n'
                    + "\n".join(items) + "\n</channel></rss>\n")

    parsed = parse_news_file(feed)

    parsed.reconcile()
    assert parsed.rows.select("doc_id", "headline", "text_raw").rows() == [
        ("wire:nokia\u2019s-deal", "Nokia\u2019s deal", sentences[0])]
    # the re-read item is the quarantined twin, so the note on how articles were read names no line
    assert "c1_controls_reread_lines" not in parsed.notes
    assert parsed.quarantine.select("line", "rule", "raw_value").rows() == [(4, "duplicate_doc_id", "nokia\x92s-deal")]
    assert "article id 'wire:nokia\u2019s-deal' is already on line 3 (same text: a repeat)" in parsed.quarantine["message"][0]


def _records(sentences: list[str]) -> str:
    """A vendor's record XML export: one `<article>` per story, its id an attribute, its fields
    child elements, its body written as XHTML paragraphs, a story with two tickers."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<articles generated="2024-03-01T10:00:00Z">
  <article id="nw-101">
    <headline>{escape(sentences[0][:40])}</headline>
    <body><p>{escape(sentences[0])}</p><p>{escape(sentences[1])}</p></body>
    <published>2024-03-01T09:30:00Z</published>
    <ticker>KNEBV</ticker>
  </article>
  <article id="nw-102">
    <headline>{escape(sentences[2][:40])}</headline>
    <body>{escape(sentences[2])}</body>
    <published>2024-03-01T11:05:00+02:00</published>
    <ticker>NOKIA</ticker><ticker>ERIC</ticker>
  </article>
  <article id="nw-103">
    <headline>{escape(sentences[3][:40])}</headline>
    <body>{escape(sentences[3])}</body>
    <published>yesterday</published>
  </article>
</articles>
"""


def test_record_xml_is_read_as_articles_with_their_lines_and_a_quarantine_naming_file_line_and_field(
        tmp_path, sentences):
    path = _write(tmp_path, "vendor.xml", _records(sentences))
    parsed = parse_news_file(path)
    assert parsed.format == "news_feed_xml" and parsed.notes["articles_in"] == ["articles/article"]
    rows = parsed.rows
    assert rows["doc_id"].to_list() == ["nw-101", "nw-102"]
    assert rows["text_raw"].to_list() == [f"{sentences[0]} {sentences[1]}", sentences[2]]
    assert rows["published_at"].to_list() == [datetime(2024, 3, 1, 9, 30), datetime(2024, 3, 1, 9, 5)]
    assert rows["ticker"].to_list() == ["KNEBV", "ERIC,NOKIA"]
    assert rows["_source_line"].to_list() == [3, 9]  # where each <article> opens
    (bad,) = parsed.quarantine.iter_rows(named=True)
    assert (bad["rule"], bad["raw_value"]) == ("unparsable_timestamp", "yesterday")
    assert bad["message"].startswith(f"{path}: line 15: column 'published': ")


def test_record_xml_with_its_fields_as_attributes_in_a_namespace_is_read(tmp_path, sentences):
    """Fields as attributes, the story's text the record's own, under a default namespace."""
    path = _write(tmp_path, "export.xml", f"""<?xml version="1.0"?>
<export xmlns="urn:vendor:news:2">
<story id="s1" headline="{escape(sentences[0][:40])}" published="2024-03-01T09:30:00Z" ticker="KNEBV">{escape(sentences[0])}</story>
<story id="s2" headline="{escape(sentences[1][:40])}" published="2024-03-02T10:00:00Z" ticker="NOKIA"/>
</export>""")
    parsed = parse_news_file(path)
    assert parsed.notes["articles_in"] == ["export/story"] and parsed.quarantine.height == 0
    assert parsed.rows.select("doc_id", "headline", "text_raw", "published_at", "ticker").rows() == [
        ("s1", sentences[0][:40], sentences[0], datetime(2024, 3, 1, 9, 30), "KNEBV"),
        ("s2", sentences[1][:40], sentences[1][:40], datetime(2024, 3, 2, 10, 0), "NOKIA")]


def test_nested_record_xml_is_read_by_its_dotted_fields_and_declared_columns(tmp_path, sentences):
    """NewsML-ish nesting: the records under a wrapper, a header beside them, fields nested in
    groups; the news settings declare the nested text by its dotted path, as for JSON."""
    items = "".join(f"""
  <newsItem guid="urn:newsml:ex:{i}">
   <itemMeta><versionCreated>2024-03-0{i}T09:30:00Z</versionCreated></itemMeta>
   <contentMeta><headline>{escape(s[:40])}</headline></contentMeta>
   <contentSet><inlineXML><html xmlns="http://www.w3.org/1999/xhtml"><body><p>{escape(s)}</p></body></html></inlineXML></contentSet>
  </newsItem>""" for i, s in enumerate(sentences[:2], start=1))
    path = _write(tmp_path, "agency.xml", '<?xml version="1.0"?>\n<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/">'
                  f"\n <header><sent>2024-03-03T00:00:00Z</sent><sent>2024-03-03T00:00:01Z</sent></header>\n"
                  f" <itemSet>{items}\n </itemSet>\n</newsMessage>\n")
    path.with_name(path.name + ".mapping.json").write_text(
        '{"name": "agency", "columns": {"contentSet.inlineXML": "body", "itemMeta.versionCreated": "published_at"}}')
    parsed = parse_news_file(path)
    assert parsed.notes["articles_in"] == ["newsMessage/itemSet/newsItem"]
    assert parsed.rows.select("doc_id", "headline", "text_raw", "published_at", "_source_line").rows() == [
        ("urn:newsml:ex:1", sentences[0][:40], sentences[0], datetime(2024, 3, 1, 9, 30), 5),
        ("urn:newsml:ex:2", sentences[1][:40], sentences[1], datetime(2024, 3, 2, 9, 30), 10)]


def test_a_record_that_writes_its_headline_twice_is_quarantined_naming_the_field(tmp_path, sentences):
    path = _write(tmp_path, "vendor.xml", "<articles>\n" + "".join(
        f'<article id="{i}"><headline>{escape(s[:30])}</headline>'
        + (f"<headline>{escape(s[:20])}</headline>" if i == 2 else "") + "</article>\n"
        for i, s in enumerate(sentences[:2], start=1)) + "</articles>")
    parsed = parse_news_file(path)
    assert parsed.rows["doc_id"].to_list() == ["1"]
    (bad,) = parsed.quarantine.iter_rows(named=True)
    assert (bad["rule"], bad["column_name"]) == ("repeated_key", "headline")
    assert bad["message"].startswith(f"{path}: line 3: field 'headline' is written 2 times with different values")


@pytest.mark.parametrize(("content", "expected"), [
    ('<?xml version="1.0"?>\n<articles><article id="a1"><headline>Kone wins</headline></article></articles>',
     "export.xml: an XML document with root <articles> and no <item> or <entry>: not an RSS or Atom feed, and no "
     "records to read in its place: the lake looks for repeated sibling elements, one per article (<articles>"
     "<article>...</article><article>...</article></articles>), each with its fields as child elements or "
     "attributes: a headline or body, an id and a publication time"),
    ('<?xml version="1.0"?>\n<articles>\n<article id="a1"><headline>Kone & Partners</headline></article>\n'
     '<article id="a2"><headline>Nokia</headline></article></articles>',
     "export.xml: line 3 column 34: not well-formed XML (not well-formed (invalid token)): an unescaped '&' or '<', "
     "or bytes not in the declared encoding; an XML news file is read whole"),
], ids=["one_record", "bare_ampersand"])
def test_record_xml_without_repeated_records_or_well_formed_xml_is_refused_naming_file_and_place(
        tmp_path, content, expected):
    with pytest.raises(FileRefused) as refused:
        parse_news_file(_write(tmp_path, "export.xml", content))
    assert str(refused.value) == f"{tmp_path / 'export.xml'}: {expected.split(': ', 1)[1]}"


def test_loan_records_saved_as_xml_among_news_are_sent_to_loan_landing_as_csv(tmp_path):
    path = _write(tmp_path, "loans.xml", '<?xml version="1.0"?>\n<loans>\n' + "".join(
        f"<loan><id>{i}</id><loan_amnt>{amount}</loan_amnt><term>36 months</term><int_rate>10.65%</int_rate>"
        f"<loan_status>{status}</loan_status><issue_d>Dec-2011</issue_d></loan>\n"
        for i, amount, status in ((1077501, 5000, "Fully Paid"), (1077430, 2500, "Charged Off"))) + "</loans>\n")
    with pytest.raises(FileRefused) as refused:
        parse_news_file(path)
    assert str(refused.value) == (
        f"{path}: line 3 (its records' fields) is a LendingClub loan tape's header (loan_amnt, loan_status, term), "
        "not a news feed: save it as CSV (loan landing reads CSV, Parquet or Excel, not XML) and land it in "
        "landing/loans")
