"""News text as a reader sees it: page chrome, alternative parts, invisible characters and escapes
left by exports never reach `text_clean`."""

from __future__ import annotations

import json
from pathlib import Path

from risk_assets.lib.ingest.news_formats import parse_news_file


def _land(path: Path, content: str) -> dict[str, str]:
    """`content` written to `path` and read by the lake's reader: {doc_id: text_clean}."""
    path.write_text(content, encoding="utf-8")
    parsed = parse_news_file(path)
    assert parsed.quarantine.is_empty()
    return dict(zip(parsed.rows["doc_id"].to_list(), parsed.rows["text_clean"].to_list()))


def test_invisible_format_characters_inside_a_word_are_removed_not_spaced(tmp_path):
    """`Nok\\u200bia` read 'Nok ia': a zero-width space between two letters became a space, though
    no reader sees one. Every invisible format character inside a word is removed."""
    rows = [(f"z{n}", f"Nok{mark}ia profit rose") for n, mark in
            enumerate(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"], start=1)]
    texts = _land(tmp_path / "invisible.csv",
                  "id,headline,body\n" + "".join(f"{key},Results,{body}\n" for key, body in rows))
    assert texts == {key: "Nokia profit rose" for key, _ in rows}


def test_a_right_to_left_override_is_read_as_shown(tmp_path):
    """'Profit \\u202eelbats\\u202c stable' shows 'Profit stable stable': the reversed span is read in
    the order shown, not as 'elbats'; Hebrew under an override keeps its order."""
    texts = _land(tmp_path / "override.jsonl", "\n".join(json.dumps(row) for row in [
        {"id": "r1", "title": "Outlook", "body": "Profit \u202eelbats\u202c stable"},
        {"id": "r2", "title": "Outlook", "body": "Margin \u202edesaercni"},
        {"id": "r3", "title": "Outlook", "body": "Bank \u202e\u05dc\u05d0\u05d5\u05de\u05d9\u202c rose"},
    ]) + "\n")
    assert texts == {"r1": "Profit stable stable", "r2": "Margin increased",
                     "r3": "Bank \u05dc\u05d0\u05d5\u05de\u05d9 rose"}


def test_escapes_an_export_wrote_out_are_decoded_and_a_backslash_in_prose_stays(tmp_path):
    """A body encoded as JSON twice kept `\\n\\n` and `\\r\\n` as backslashes and letters in
    `text_clean`; decoded now, noted, while a Windows path keeps its backslashes."""
    path = tmp_path / "escaped_html.csv"
    path.write_text(
        "id,headline,body,published_at\n"
        "e2,Literal newline,First paragraph.\\n\\nSecond paragraph.\\r\\nThird.,2024-07-16T09:00:00Z\n"
        "e3,Accent,Caf\\u00e9 chain Acme said \\\"sales rose\\\".\\nShares \\ud83d\\ude00 up.,2024-07-16T09:00:00Z\n"
        "e4,Path,Reports are filed under C:\\new\\table and D:\\Users\\risk.,2024-07-16T09:00:00Z\n",
        encoding="utf-8")
    parsed = parse_news_file(path)
    assert parsed.rows["text_clean"].to_list() == [
        "First paragraph. Second paragraph. Third.",
        "Café chain Acme said \"sales rose\". Shares \U0001f600 up.",
        "Reports are filed under C:\\new\\table and D:\\Users\\risk.",
    ]
    assert parsed.rows["text_raw"][0] == "First paragraph.\\n\\nSecond paragraph.\\r\\nThird."
    assert parsed.notes["literal_escapes_decoded_lines"] == [2, 3]


def test_legacy_entity_names_without_a_semicolon_read_as_a_browser_shows_them(tmp_path):
    """'AT&T and Johnson &amp Johnson&nbspup' kept `&amp` and `&nbsp` as words: HTML5's legacy names
    are references without their ';' too, while a bare '&' in a company's name is text."""
    texts = _land(tmp_path / "entities.csv", (
        "id,headline,body\n"
        "e7,Entity no semi,AT&T and Johnson &amp Johnson&nbspup\n"
        "e8,Copyright,&copy 2024 Reuters: S&P cut M&A &lt 5% and P&L &gt 2%\n"))
    assert texts == {"e7": "AT&T and Johnson & Johnson up",
                     "e8": "© 2024 Reuters: S&P cut M&A < 5% and P&L > 2%"}


SCRAPED_PAGE = (
    '<html><head><title>Acme</title></head><body><header><nav><ul><li><a href="/">Home</a></li>'
    '<li><a href="/markets">Markets</a></li><li><a href="/login">Sign in</a></li></ul></nav></header>\n'
    '<main><article><h1>Acme defaults on loan</h1><p>Acme missed a payment on its term loan, lenders said.</p>'
    '</article></main>\n<aside><h3>Related</h3><ul><li><a href="/a">Stocks surge to record high on strong jobs '
    'data</a></li><li><a href="/b">Best savings rates this week</a></li></ul></aside>\n<footer><p>Subscribe to our '
    'newsletter</p><form><input type="email"/><button>Sign up</button></form><p>Terms | Privacy | Cookie settings'
    '</p></footer></body></html>')


def _csv_field(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def test_a_scraped_page_loads_its_story_without_the_site_chrome(tmp_path):
    """A scraped page's menu, 'Related' links and footer form read as the story of a loan default
    labelled negative ('Home Markets Sign in ... Stocks surge to record high ... Sign up'). Its text is
    the story element's, as a reader view shows it; where there is none, the chrome alone is left
    out; a body cut short inside a `<nav>` keeps its text."""
    path = tmp_path / "scraped_pages.csv"
    path.write_text("\n".join([
        "id,headline,content,published_at,label",
        f"p1,Acme defaults on loan,{_csv_field(SCRAPED_PAGE)},2024-07-16T09:00:00Z,negative",
        "p2,Beta cuts rates," + _csv_field(
            '<div role="banner"><a href="/">Daily Finance</a></div><header><h2>Beta cuts rates</h2></header>'
            '<p>Beta Bank cut its lending rate by 25 bp.</p><div role="complementary">Most read: Gold slips</div>'
            '<noscript>Enable JavaScript</noscript><footer>© 2024 Daily Finance</footer>') + ",2024-07-16T10:00:00Z,neutral",
        "p3,Gamma rises," + _csv_field(
            '<div role="main"><p>Gamma shares rose 4%.</p><button>Share</button></div><p>Cookie settings</p>')
        + ",2024-07-16T11:00:00Z,positive",
        "p4,Delta wins,<p>Delta won the tender.</p><nav><a href='/'>Home</a> Delta shares rose after the award"
        + ",2024-07-16T12:00:00Z,positive",
    ]) + "\n", encoding="utf-8")
    parsed = parse_news_file(path)
    assert parsed.quarantine.is_empty()
    assert parsed.rows["text_clean"].to_list() == [
        "Acme defaults on loan Acme missed a payment on its term loan, lenders said.",
        "Beta Bank cut its lending rate by 25 bp.",
        "Gamma shares rose 4%.",
        "Delta won the tender. Home Delta shares rose after the award",
    ]
    assert parsed.notes["page_chrome_removed_lines"] == [2, 6, 7]  # p1 spans lines 2-5
    assert parsed.notes["markup_removed_lines"] == [2, 6, 7, 8]


def test_alternative_representations_of_one_content_are_read_once(tmp_path):
    """`content: [{type: text/plain, ...}, {type: text/html, ...}]` read 'Omega cut jobs. Omega cut
    jobs.': two representations of one text are one text, the plain one read (else the HTML), and
    noted where they differ once cleaned; so are JSON Feed's content_text and content_html, and
    Atom's `<content>` given in two types."""
    feed = tmp_path / "multipart.json"
    feed.write_text(json.dumps({"items": [
        {"id": "m1", "title": "Two parts", "date_published": "2024-07-16T09:00:00Z", "content": [
            {"type": "text/plain", "value": "Omega cut jobs."}, {"type": "text/html", "value": "<p>Omega cut jobs.</p>"}]},
        {"id": "m2", "title": "HTML first", "date_published": "2024-07-16T09:00:00Z", "content": [
            {"mimeType": "text/html; charset=utf-8", "content": "<p>Sigma <b>raised</b> prices.</p>"},
            {"mimeType": "text/plain", "content": "Sigma raised prices by 5%."}]},
        {"id": "m3", "title": "HTML only", "date_published": "2024-07-16T09:00:00Z", "content": [
            {"type": "text/html", "value": "<p>Tau posted growth.</p>"},
            {"type": "application/xhtml+xml", "value": "<p>Tau posted growth.</p>"}]},
    ]}), encoding="utf-8")
    parsed = parse_news_file(feed)
    assert parsed.rows["text_clean"].to_list() == ["Omega cut jobs.", "Sigma raised prices by 5%.", "Tau posted growth."]
    assert parsed.notes["alternative_texts_differ_lines"] == [2]

    json_feed = tmp_path / "feed.json"
    json_feed.write_text(json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "Desk", "items": [
        {"id": "j1", "title": "Same", "content_text": "Kappa cut 40 jobs.", "content_html": "<p>Kappa cut 40 jobs.</p>"},
        {"id": "j2", "title": "Other", "content_text": "Lambda rose.", "content_html": "<p>Lambda fell.</p>"},
    ]}), encoding="utf-8")
    parsed = parse_news_file(json_feed)
    assert parsed.rows["text_clean"].to_list() == ["Kappa cut 40 jobs.", "Lambda rose."]
    assert parsed.notes["alternative_texts_differ_lines"] == [2]

    atom = tmp_path / "atom.xml"
    atom.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>Desk</title>\n'
        '<entry><id>a1</id><title>Omega</title><updated>2024-07-16T09:00:00Z</updated>\n'
        '<content type="text">Omega cut 200 jobs.</content><content type="html">&lt;p&gt;Omega cut 200 jobs.&lt;/p&gt;'
        '</content></entry>\n<entry><id>a2</id><title>Sigma</title><updated>2024-07-16T09:00:00Z</updated>\n'
        '<content type="html">&lt;p&gt;Sigma rose.&lt;/p&gt;</content><content type="text">Sigma fell.</content></entry>\n'
        '</feed>\n', encoding="utf-8")
    parsed = parse_news_file(atom)
    assert parsed.quarantine.is_empty()
    assert parsed.rows["text_clean"].to_list() == ["Omega cut 200 jobs.", "Sigma fell."]
    assert parsed.notes["alternative_texts_differ_lines"] == [5]
