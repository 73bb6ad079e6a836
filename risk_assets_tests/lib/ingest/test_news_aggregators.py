"""Aggregators' feeds (Google News RSS): an item's description is a list of links to stories, its own
or a cluster of other outlets', and its title ends with the outlet's name. The story read is the
headline, without that name; nothing is quarantined and nothing else is dropped."""

from __future__ import annotations

from xml.sax.saxutils import escape

import pytest

from risk_assets.lib.ingest.news_formats import parse_news_file


@pytest.fixture
def headlines(data_dir) -> list[str]:
    """Three PhraseBank sentences, shortened to the length of a headline."""
    lines = (data_dir / "news" / "financial_phrasebank_50agree.txt").read_text("utf-8-sig").splitlines()
    return [" ".join(line.rsplit("@", 1)[0].split()[:9]) for line in lines[10:13]]


def _google_news(headlines: list[str], body_of_third: str) -> str:
    """A Google News search feed as it is served: each description is escaped HTML, a link to the
    story and the outlet's name in a <font>; the second item is a cluster of two outlets' stories."""
    outlets = ["Reuters", "Yahoo Finance", "Kauppalehti"]
    descriptions = [
        f'<a href="https://news.google.com/rss/articles/CBMi0?oc=5" target="_blank">{headlines[0]}</a>'
        f'&nbsp;&nbsp;<font color="#6f6f6f">Reuters</font>',
        f'<ol><li><a href="https://news.google.com/rss/articles/CBMi1">{headlines[1]}</a>&nbsp;&nbsp;'
        f'<font color="#6f6f6f">Yahoo Finance</font></li><li><a href="https://news.google.com/rss/articles/CBMi9">'
        f'Nokia beats forecasts</a>&nbsp;&nbsp;<font color="#6f6f6f">CNBC</font></li></ol>',
        body_of_third,
    ]
    return _feed([_item(i, f"{h} - {o}", d, o) for i, (h, o, d) in enumerate(zip(headlines, outlets, descriptions))])


def _item(number: int, title: str, description: str, outlet: str) -> str:
    """One Google News item, its title and description escaped as served; it opens a line of its own."""
    return f"""<item><title>{escape(title)}</title>
<link>https://news.google.com/rss/articles/CBMi{number}?oc=5</link><guid isPermaLink="false">CBMi{number}</guid>
<pubDate>Thu, 02 May 2024 2{number}:12:00 GMT</pubDate><description>{escape(description)}</description>
<source url="https://www.example.com">{outlet}</source></item>"""


def _feed(items: list[str]) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>"Nokia" - Google News</title>'
            f'<link>https://news.google.com/search?q=Nokia</link>\n' + "\n".join(items) + "\n</channel></rss>\n")


def test_a_google_news_item_is_read_from_its_headline_without_the_outlets_name(tmp_path, headlines):
    story = f"<p>{headlines[2]}, the company said on Thursday.</p> <a href='https://www.kauppalehti.fi/x'>Read more</a>"
    path = tmp_path / "google_news.xml"
    path.write_text(_google_news(headlines, story))

    parsed = parse_news_file(path)

    parsed.reconcile()
    assert parsed.quarantine.height == 0
    rows = parsed.rows.sort("_source_line")
    assert rows["headline"].to_list() == [f"{headlines[0]} - Reuters", f"{headlines[1]} - Yahoo Finance",
                                          f"{headlines[2]} - Kauppalehti"]  # as written
    assert rows["text_field"].to_list() == ["headline", "headline", "body"]
    assert rows["text_clean"].to_list() == [headlines[0], headlines[1],
                                            f"{headlines[2]}, the company said on Thursday."]  # 'Read more' dropped
    assert rows["source"].to_list() == ["Reuters", "Yahoo Finance", "Kauppalehti"]
    assert len(parsed.notes["body_link_list_lines"]) == 2
    assert parsed.notes["headline_source_suffix_lines"] == parsed.notes["body_link_list_lines"]


def test_a_lone_read_more_link_is_no_story_and_a_headline_naming_another_outlet_keeps_it(tmp_path, headlines):
    path = tmp_path / "google_news.xml"
    path.write_text(_google_news(headlines, "<a href='https://www.kauppalehti.fi/x'>Read more</a>")
                    .replace(" - Reuters</title>", " - Bloomberg</title>"))

    parsed = parse_news_file(path)

    rows = parsed.rows.sort("_source_line")
    assert rows["text_field"].to_list() == ["headline"] * 3
    assert rows["text_clean"].to_list() == [f"{headlines[0]} - Bloomberg", headlines[1], headlines[2]]
    assert len(parsed.notes["body_link_list_lines"]) == 3 and len(parsed.notes["headline_source_suffix_lines"]) == 2


def test_an_outlet_named_by_its_domain_is_dropped_from_the_headline_too(tmp_path, headlines):
    path = tmp_path / "google_news.xml"
    path.write_text(_google_news(headlines, "<a href='x'>Read more</a>")
                    .replace('<source url="https://www.example.com">Reuters</source>',
                             '<source url="https://www.reuters.com">Reuters.com</source>'))

    rows = parse_news_file(path).rows.sort("_source_line")

    assert rows["source"].to_list()[0] == "Reuters.com" and rows["text_clean"].to_list()[0] == headlines[0]



def test_an_untitled_items_link_is_its_headline_and_an_item_with_no_text_stays_quarantined(tmp_path, headlines):
    """Google News items saved with an empty `<title>`: their descriptions are only links to the
    story (one outlet's, or a cluster's), so each item was quarantined as `no_usable_text`. The
    text of the first story link is the headline, scored without the outlet's name; an item whose
    only link is 'Read more', or whose title says the article was withdrawn, has no story to read."""
    linked = (f'<a href="https://news.google.com/rss/articles/CBMi0?oc=5" target="_blank">{headlines[0]} - Reuters</a>'
              '&nbsp;&nbsp;<font color="#6f6f6f">Reuters</font>')
    cluster = (f'<ol><li><a href="https://news.google.com/rss/articles/CBMi1">{headlines[1]}</a>&nbsp;&nbsp;'
               '<font color="#6f6f6f">Yahoo Finance</font></li><li><a href="https://news.google.com/rss/articles/CBMi9">'
               f'{headlines[2]}</a>&nbsp;&nbsp;<font color="#6f6f6f">CNBC</font></li></ol>')
    path = tmp_path / "google_news.xml"
    path.write_text(_feed([_item(0, "", linked, "Reuters"), _item(1, " ", cluster, "Yahoo Finance"),
                           _item(2, "", "<a href='https://www.kauppalehti.fi/x'>Read more</a>", "Kauppalehti"),
                           _item(3, "[Removed]", linked.replace("CBMi0", "CBMi3"), "Reuters")]))

    parsed = parse_news_file(path)

    parsed.reconcile()
    rows = parsed.rows.sort("_source_line")
    assert rows.select("headline", "text_field", "text_clean", "source").rows() == [
        (f"{headlines[0]} - Reuters", "headline", headlines[0], "Reuters"),
        (headlines[1], "headline", headlines[1], "Yahoo Finance")]
    assert rows["body"].to_list() == [linked, cluster]  # as written
    assert parsed.notes["headline_from_link_lines"] == parsed.notes["body_link_list_lines"] == [2, 6]
    assert parsed.quarantine.select("line", "rule", "message").rows() == [
        (10, "no_usable_text", f"{path}: line 10: no usable text (body: link_list; headline: missing)"),
        (14, "no_usable_text", f"{path}: line 14: no usable text (body: link_list; headline: placeholder)")]


def test_an_rfc_2822_date_whose_day_does_not_exist_is_said_to_be_so(tmp_path, headlines):
    """`Thu, 30 Feb 2024 09:00:00 GMT` was 'not an ISO-8601, RFC 2822 or known timestamp form',
    though it is RFC 2822 written right with a day February 2024 does not have; so is 31 Apr 2023."""
    items = [f"<item><title>{escape(h)}</title><link>https://www.example.com/{n}</link><pubDate>{day}</pubDate></item>"
             for n, (h, day) in enumerate(zip(headlines, ["Thu, 02 May 2024 09:00:00 GMT", "Thu, 30 Feb 2024 09:00:00 GMT",
                                                          "Mon, 31 Apr 2023 18:30:00 +0200"]))]
    feed = tmp_path / "feed.xml"
    feed.write_text(_feed(items), encoding="utf-8")
    parsed = parse_news_file(feed)
    assert parsed.rows.height == 1
    assert [m.split(": ", 2)[2] for m in parsed.quarantine["message"]] == [
        "column 'pubDate': 'Thu, 30 Feb 2024 09:00:00 GMT' is in RFC 2822 form, but its day does not exist: Feb 2024 has "
        "29 days, not 30; the feed's writer built the date wrongly: correct it at the source",
        "column 'pubDate': 'Mon, 31 Apr 2023 18:30:00 +0200' is in RFC 2822 form, but its day does not exist: Apr 2023 "
        "has 30 days, not 31; the feed's writer built the date wrongly: correct it at the source"]
