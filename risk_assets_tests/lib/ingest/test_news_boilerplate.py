"""News bodies that are not the article: a site's notice served in its place (a paywall, a cookie
prompt, a bot check, a pointer to the story elsewhere, filler) is never scored or trained on as the
story, and the boilerplate a wire or a blog wraps a story in is cut from `text_clean`."""

from __future__ import annotations

import csv
import io

import pytest

from risk_assets.lib.ingest.news_formats import parse_news_file
from risk_assets.lib.text import clean_text, is_usable_text, page_notice_family

NOTICES = [
    ("Click here to read more", "pointer"),
    ("Subscribe to continue reading. Already a subscriber? Log in", "paywall"),
    ("This content is for subscribers only.", "paywall"),
    ("Read more at Bloomberg.com", "pointer"),
    ("To read this article, please subscribe.", "paywall"),
    ("JavaScript is disabled in your browser.", "consent"),
    ("The content you requested is available to subscribers only. Subscribe now for $1.", "paywall"),
    ("We use cookies to improve your experience. By continuing you accept.", "consent"),
    ("Please verify you are a human", "bot_check"),
    ("This article was originally published on Benzinga.com", "pointer"),
    ("Continue reading...", "pointer"),
    ("Watch the video above.", "media"),
    ("Lorem ipsum dolor sit amet, consectetur adipiscing elit.", "filler"),
    ("<p>Please enable JavaScript</p>", None),  # the family is read from its text once the tags are gone
]


@pytest.mark.parametrize(("body", "family"), NOTICES)
def test_a_body_made_only_of_a_sites_notice_is_no_usable_text(body, family):
    assert is_usable_text(body).reason == "page_notice"
    assert page_notice_family(body) == family


@pytest.mark.parametrize("text", [
    "Acme Lending said subscribers grew 5%.",
    "Subscribers to the bond issue were paid in full.",
    "Read more at Bloomberg.com. Acme cut its dividend.",
    "This article was originally published on Benzinga.com. Acme raised its guidance by 4%.",
    "Lorem Bank's net interest income rose 3%.",
    "We use cookies data to price insurance, Acme said.",
])
def test_a_sentence_of_its_own_beside_boilerplate_is_text(text):
    assert is_usable_text(text).usable


def _csv(rows: list[tuple[str, str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "headline", "body", "published_at", "label"])
    writer.writerows((doc_id, headline, body, "2024-07-16T09:00:00Z", "neutral") for doc_id, headline, body in rows)
    return out.getvalue()


def test_a_notice_body_scores_its_headline_or_is_quarantined_naming_the_notice(tmp_path):
    """The rows of a vendor's quality sample: each body is a notice, so the headline is read (and
    labelled) instead; without a headline the article is quarantined, the message saying what the
    body was."""
    path = tmp_path / "quality.csv"
    path.write_text(_csv([
        ("q3", "Gamma update", "Click here to read more"),
        ("q4", "Delta results", "Subscribe to continue reading. Already a subscriber? Log in"),
        ("q6", "Zeta outlook", "This content is for subscribers only."),
        ("q7", "Eta news", "Read more at Bloomberg.com"),
        ("q10", "Kappa", "JavaScript is disabled in your browser."),
        ("q11", "", "Please verify you are a human"),
        ("q12", "", "Lorem ipsum dolor sit amet, consectetur adipiscing elit."),
        ("q13", "Lambda bonds", "Acme Lending said subscribers grew 5%."),
    ]))

    parsed = parse_news_file(path)

    rows = parsed.rows.sort("_source_line")
    assert rows.select("doc_id", "text_clean", "text_field", "label").rows() == [
        ("q3", "Gamma update", "headline", "neutral"),
        ("q4", "Delta results", "headline", "neutral"),
        ("q6", "Zeta outlook", "headline", "neutral"),
        ("q7", "Eta news", "headline", "neutral"),
        ("q10", "Kappa", "headline", "neutral"),
        ("q13", "Acme Lending said subscribers grew 5%.", "body", "neutral"),
    ]
    assert parsed.notes["body_page_notice_lines"] == [2, 3, 4, 5, 6]
    assert parsed.quarantine.select("rule", "column_name", "message").rows() == [
        ("no_usable_text", "body",
         f"{path}: line 7: no usable text (body: page_notice, a check that the reader is no robot: 'Please verify "
         "you are a human'; headline: empty); the site served this in place of the article: fetch the article "
         "again, or deliver its headline"),
        ("no_usable_text", "body",
         f"{path}: line 8: no usable text (body: page_notice, placeholder filler (lorem ipsum): 'Lorem ipsum dolor "
         "sit amet, consectetur adipiscing elit.'; headline: empty); the site served this in place of the article: "
         "fetch the article again, or deliver its headline"),
    ]


@pytest.mark.parametrize(("body", "story"), [
    ("LONDON, July 16 (Reuters) - Acme raised its guidance. Reporting by John Doe; Editing by Jane Roe",
     "Acme raised its guidance."),
    ("NEW YORK (Reuters) - Omega missed a coupon on its 2027 bonds.", "Omega missed a coupon on its 2027 bonds."),
    ("FRANKFURT/PARIS, March 3 (Reuters) - Acme cut its dividend. (Reporting by A. Berg in Frankfurt; Additional "
     "reporting by C. Dupont; Editing by D. Evans)", "Acme cut its dividend."),
    ("(Bloomberg) -- Acme sold $500 million of bonds.", "Acme sold $500 million of bonds."),
    ("Beta agreed a deal.\n\nSign up for our newsletter\n\nCopyright 2024 Bloomberg L.P. All rights reserved. This "
     "material may not be published, broadcast, rewritten or redistributed.", "Beta agreed a deal."),
    ("Acme fell 4%. © 2024 Thomson Reuters. All rights reserved.", "Acme fell 4%."),
    ("Acme fell 4%. Read more at Bloomberg.com", "Acme fell 4%."),
    ('<p>Moody\'s cut Acme to Ba1 on weak cash flow.</p>\n<p>The post <a href="https://blog.example.com/acme">Acme '
     'downgraded to junk</a> appeared first on <a href="https://blog.example.com">Credit Blog</a>.</p>',
     "Moody's cut Acme to Ba1 on weak cash flow."),
])
def test_boilerplate_around_a_story_is_cut_from_its_start_and_end(body, story):
    cleaned = clean_text(body)
    assert (cleaned.text, cleaned.boilerplate_trimmed) == (story, True)


@pytest.mark.parametrize("text", [
    "Acme said reporting by analysts was weak, and editing by hand slowed audits.",
    "The post office unit of Acme appeared first on the list of sales.",
    "Copyright fees rose 5% in 2024 at Acme.",
    "Sales in NEW YORK (Reuters data) - rose.",
])
def test_boilerplate_words_inside_a_sentence_stay(text):
    cleaned = clean_text(text)
    assert (cleaned.text, cleaned.boilerplate_trimmed) == (text, False)


def test_wordpress_continue_reading_link_with_its_screen_reader_title_is_dropped():
    body = ('<p>Gamma outlook stable. <a href="https://x.com/g" class="more-link">Continue reading '
            '<span class="screen-reader-text">Gamma outlook</span></a></p>')
    assert clean_text(body).text == "Gamma outlook stable."


def test_a_feed_notes_the_rows_whose_boilerplate_was_cut(tmp_path):
    path = tmp_path / "boiler.csv"
    path.write_text(_csv([
        ("b1", "Acme raises guidance", "Acme raised its guidance."),
        ("b2", "Acme raises guidance", "LONDON, July 16 (Reuters) - Acme raised its guidance. Reporting by John Doe; "
                                       "Editing by Jane Roe"),
    ]))

    parsed = parse_news_file(path)

    assert parsed.rows.sort("_source_line")["text_clean"].to_list() == ["Acme raised its guidance."] * 2
    assert parsed.notes["boilerplate_trimmed_lines"] == [3]


def test_no_phrasebank_sentence_is_a_notice_or_trimmed(data_dir):
    """The sample corpus loads as before: none of its sentences reads as boilerplate."""
    lines = (data_dir / "news" / "financial_phrasebank_50agree.txt").read_text("utf-8-sig", errors="replace").splitlines()
    sentences = [line.rsplit("@", 1)[0] for line in lines]
    assert len(sentences) == 4846
    assert [s for s in sentences if clean_text(s).boilerplate_trimmed or page_notice_family(s)] == []


@pytest.mark.parametrize("body", [
    "Tags: earnings, banks, Nordea",
    "Keywords: credit risk; Nordea; Q2 2024",
    "Categories: Banking | Nordic",
    "Filed under: Banks, Earnings.",
    "Topics: #rates #credit",
    "TAGS: U.S., banks, S&P 500",
    "<p>Tags: earnings, banks</p><p>Categories: Banking</p>",
    "Tags: earnings\nCategories: Banks",
])
def test_a_body_made_only_of_tag_lines_is_no_usable_text(body):
    assert is_usable_text(body).reason == "tags_only"


@pytest.mark.parametrize("text", [
    "The bank tags loans as watch-list.",
    "Topics: the bank raised its rates again this year.",
    "Tags: Nordea raised its dividend by 5% on Tuesday.",
    "Nordea raised its dividend. Tags remain on watch-list loans.",
])
def test_sentences_that_hold_the_word_tags_are_text_and_kept_whole(text):
    assert is_usable_text(text).usable
    assert clean_text(text).text == text and not clean_text(text).boilerplate_trimmed


@pytest.mark.parametrize(("body", "story"), [
    ("Nordea raised its dividend.\nTags: earnings, banks, Nordea", "Nordea raised its dividend."),
    ("Nordea raised its dividend. Keywords: Nordea, dividend", "Nordea raised its dividend."),
    ("<p>Danske Bank cut its outlook.</p><p>Filed under: Banks</p><p>Topics: Earnings</p>",
     "Danske Bank cut its outlook."),
    ("Nordea raised its dividend. Tags: Nordea, dividend. Reporting by John Doe", "Nordea raised its dividend."),
])
def test_tag_lines_closing_a_story_are_trimmed(body, story):
    cleaned = clean_text(body)
    assert (cleaned.text, cleaned.boilerplate_trimmed) == (story, True)


def test_a_tag_line_body_scores_its_headline_or_is_quarantined_naming_the_tags(tmp_path):
    """A CMS export whose body column holds the article's tags: the headline is the only prose, so it
    is scored (noted); without a headline the row is quarantined, the message quoting the tags."""
    path = tmp_path / "cms_export.csv"
    path.write_text(_csv([
        ("n1", "Nordea lifts dividend", "Tags: earnings, banks, Nordea"),
        ("n2", "", "Keywords: credit risk; Nordea"),
        ("n3", "Danske Bank cuts outlook", "Danske Bank cut its outlook for 2024.\nFiled under: Banks, Earnings"),
        ("n4", "Swedbank tags loans", "The bank tags loans as watch-list, Swedbank said."),
    ]))

    parsed = parse_news_file(path)

    assert parsed.rows.sort("_source_line").select("doc_id", "text_clean", "text_field").rows() == [
        ("n1", "Nordea lifts dividend", "headline"),
        ("n3", "Danske Bank cut its outlook for 2024.", "body"),
        ("n4", "The bank tags loans as watch-list, Swedbank said.", "body"),
    ]
    assert parsed.notes["body_tags_only_lines"] == [2]
    assert parsed.notes["boilerplate_trimmed_lines"] == [4]
    assert parsed.quarantine.select("rule", "message").rows() == [(
        "no_usable_text",
        f"{path}: line 3: no usable text (body: tags_only, a site's tag lines and no story: "
        "'Keywords: credit risk; Nordea'; headline: empty); deliver the article's text or its headline")]


def test_a_body_that_only_repeats_its_headline_is_scored_once_as_the_headline(tmp_path):
    """A wire export that fills the body with the headline when the story has none (in capitals,
    with a full stop, as HTML, or without the outlet's name the headline carries): one text, scored
    once as the headline; a body that opens with the headline and goes on is the story."""
    path = tmp_path / "wire.csv"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "headline", "body", "source", "published_at"])
    writer.writerows((doc_id, headline, body, "Reuters", "2024-07-16T09:00:00Z") for doc_id, headline, body in [
        ("n1", "Nordea lifts dividend", "NORDEA LIFTS DIVIDEND."),
        ("n2", "Nokia wins 5G deal - Reuters", "Nokia wins  5G deal"),
        ("n3", "Danske Bank cuts outlook", "Danske Bank cuts outlook. The bank cut its 2024 outlook on weak fees."),
        ("n4", "Swedbank: results in line", "<p>Swedbank -- results in line</p>"),
    ])
    path.write_text(out.getvalue())

    parsed = parse_news_file(path)

    assert parsed.rows.sort("_source_line").select("doc_id", "body", "text_clean", "text_field").rows() == [
        ("reuters:n1", "NORDEA LIFTS DIVIDEND.", "Nordea lifts dividend", "headline"),
        ("reuters:n2", "Nokia wins  5G deal", "Nokia wins 5G deal", "headline"),
        ("reuters:n3", "Danske Bank cuts outlook. The bank cut its 2024 outlook on weak fees.",
         "Danske Bank cuts outlook. The bank cut its 2024 outlook on weak fees.", "body"),
        ("reuters:n4", "<p>Swedbank -- results in line</p>", "Swedbank: results in line", "headline"),
    ]
    assert parsed.notes["body_repeats_headline_lines"] == [2, 3, 5]
    assert parsed.quarantine.is_empty()
