"""News text cleaning on the F18/F19 cases and the mojibake of the Financial PhraseBank files."""

from __future__ import annotations

import csv

import pytest

from risk_assets.lib.text import clean_text, decode_entities, decode_entities_once, is_usable_text, link_list_headline


def _case_rows(cases_dir, name: str) -> dict[str, dict[str, str]]:
    with (cases_dir / name).open(encoding="utf-8", newline="") as handle:
        return {row["article_id"]: row for row in csv.DictReader(handle)}


# Every headline and body of F19, cleaned: entities decoded (twice where escaped twice), tags stripped (also the ones the
# feed entity-encoded), nbsp folded, mojibake repaired, S&P / R&D / P&L untouched.
F19_CLEANED = {
    "n-3001": ("Acme Lending’s Q2 profit beats estimates", "Net income rose 12%. Shares gained 4%."),
    "n-3002": ("Globex & partners close loan sale", 'Deal "expected to be accretive", the bank said.'),
    "n-3003": ("Rates & spreads widen as Initech Credit cuts outlook", "Outlook cut — again."),
    "n-3004": ("Breaking Acme Lending halts new originations", "Originations paused pending review."),
    "n-3005": ("S&P lifts Globex Bank; R&D spend and P&L in focus", "It’s the first upgrade since 2019."),
    "n-3006": ("Initech Credit: It’s a tough quarter", "Management said it’s too early to call a bottom."),
}


@pytest.mark.parametrize("article_id", sorted(F19_CLEANED))
def test_f19_headline_and_body_cleaned_exactly(cases_dir, article_id):
    row = _case_rows(cases_dir, "F19_news_html_entities.csv")[article_id]
    headline, body = F19_CLEANED[article_id]
    assert clean_text(row["headline"]).text == headline
    assert clean_text(row["body"]).text == body


def test_f19_flags_say_what_was_found(cases_dir):
    rows = _case_rows(cases_dir, "F19_news_html_entities.csv")
    tagged = clean_text(rows["n-3001"]["body"])
    assert (tagged.had_tags, tagged.had_entities, tagged.repaired) == (True, False, False)
    encoded_tags = clean_text(rows["n-3004"]["headline"])
    assert (encoded_tags.had_tags, encoded_tags.had_entities) == (True, True)
    mojibake = clean_text(rows["n-3006"]["body"])
    assert (mojibake.repaired, mojibake.unrepaired, mojibake.had_entities) == (True, False, False)
    untouched = clean_text(rows["n-3005"]["headline"])
    assert not (untouched.had_entities or untouched.had_tags or untouched.repaired)


def test_entities_are_decoded_once_and_bare_ampersands_are_text():
    assert decode_entities_once("Rates &amp;amp; spreads") == "Rates &amp; spreads"
    assert decode_entities_once("&#8217; &#x2019; &eacute;") == "’ ’ é"
    # a bare '&' is text; a legacy name without ';' reads as a browser shows it, inside a word too
    assert decode_entities_once("AT&T, M&A, S&P, R&D") == "AT&T, M&A, S&P, R&D"
    assert decode_entities_once("Johnson &amp Johnson&nbspup, &copy Reuters, cash&nothing") == \
        "Johnson & Johnson\xa0up, © Reuters, cash¬hing"


def test_text_escaped_twice_is_decoded_until_no_entity_is_left():
    """A CMS export of already escaped HTML: `&amp;amp;` and `&amp;#39;` are `&` and `'` to a
    reader, never the markup `&amp;` or `&#39;` the model would read as words."""
    body = "Net sales rose 1% &#8217;strong&#8217; quarter &lt;b&gt;bold&lt;/b&gt; &amp;amp; more"
    assert decode_entities(body) == ("Net sales rose 1% ’strong’ quarter <b>bold</b> & more", 2)
    cleaned = clean_text(body)
    assert (cleaned.text, cleaned.entity_rounds, cleaned.had_tags) == ("Net sales rose 1% ’strong’ quarter bold & more",
                                                                       2, True)
    assert clean_text("Nokia&amp;#39;s outlook &amp;amp;amp; guidance").text == "Nokia's outlook & guidance"
    assert clean_text("S&P &amp; R&D").entity_rounds == 1 and clean_text("AT&T, M&A").entity_rounds == 0
    # bounded: what is still escaped after ENTITY_ROUNDS_MAX rounds stays as it is
    assert decode_entities("&amp;amp;amp;amp;lt;") == ("&amp;lt;", 3)


def test_angle_brackets_that_open_no_tag_stay_text():
    assert clean_text("Yield < 5% and spread > 3%").text == "Yield < 5% and spread > 3%"
    assert clean_text("<script>var x = 1;</script>Profit rose.").text == "Profit rose."


def test_phrasebank_cp850_mojibake_is_repaired(data_dir):
    lines = (data_dir / "news" / "financial_phrasebank_50agree.txt").read_text("utf-8-sig").splitlines()
    cleaned = clean_text(lines[97].rpartition("@")[0])
    assert cleaned.repaired and not cleaned.unrepaired
    assert cleaned.text.startswith("Net sales of Finnish food industry company Lännen Tehtaat 's")
    assert clean_text("Finnish Bank of +àland , +ä+ñnekoski , P+Âyry , T+®l+®").text == (
        "Finnish Bank of Åland , Äänekoski , Pöyry , Télé"
    )
    assert clean_text("+£lemiste City").text == "Ülemiste City"  # a symbol before a letter: damage


@pytest.mark.parametrize("text", ["Shares rose +£5m on the day", "Yen bonds +¥1.20", "A +® mark", "Dividend +½p",
                                  "Vodafone +¼p"])
def test_a_plus_sign_before_a_symbol_is_not_taken_for_mojibake(text):
    cleaned = clean_text(text)
    assert cleaned.text == text and not cleaned.repaired


def test_lost_bytes_are_flagged_not_guessed(data_dir):
    lines = (data_dir / "news" / "financial_phrasebank_all.csv").read_text("utf-8").splitlines()
    assert "L+\ufffdnnen" in lines[98]
    cleaned = clean_text(lines[98])
    assert cleaned.unrepaired and not cleaned.repaired
    assert "L+\ufffdnnen Tehtaat" in cleaned.text


def test_whitespace_is_folded():
    assert clean_text("  Outlook\u00a0cut \t\r\n again\u200b.  ").text == "Outlook cut again."


def test_invisible_characters_go_emoji_joiners_stay_and_neither_is_a_repair(data_dir):
    """A web page's soft hyphens ('stra\\xadtegy') and a stray byte-order mark are invisible: removed,
    and the text is not marked repaired for them. A zero-width joiner inside an emoji sequence
    builds one emoji (a family) and stays; one beside a space joins nothing and goes."""
    sentence = (data_dir / "news" / "financial_phrasebank_50agree.txt").read_text(encoding="latin-1").splitlines()[0]
    sentence = sentence.rsplit("@", 1)[0]
    words = sentence.split(" ")
    hyphenated = " ".join(w[:2] + "\u00ad" + w[2:] if len(w) > 6 else w for w in words)
    assert hyphenated != sentence
    cleaned = clean_text("\ufeff" + hyphenated + " \U0001F468\u200d\U0001F469\u200d\U0001F467 \u200d")
    assert cleaned.text == sentence + " \U0001F468\u200d\U0001F469\u200d\U0001F467"
    assert not cleaned.repaired and not cleaned.unrepaired


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (None, "missing"),
        ("", "empty"),
        ("   ", "whitespace_only"),
        ("\t  ", "whitespace_only"),
        ("&nbsp;", "whitespace_only"),
        ("nan", "null_token"),
        ("NULL", "null_token"),
        ("None", "null_token"),
        ("N/A", "null_token"),
        ("\\N", "null_token"),  # PostgreSQL COPY's and MySQL's NULL
        ("<NA>", "null_token"),
        ("[NULL]", "null_token"),  # DBeaver
        ("<null>", "null_token"),  # DataGrip
        ("—", "punctuation_only"),
        ("...", "punctuation_only"),
        ("-", "punctuation_only"),
        ("&mdash;", "punctuation_only"),
        ("<p></p>", "markup_only"),
        ("\u200f", "whitespace_only"),  # a right-to-left mark alone: removed with the zero-width characters
        ("\u200b \u200b", "whitespace_only"),  # zero-width spaces
        ("https://t.co/x7Gq2", "link_only"),
        ("www.example.com https://t.co/x7Gq2", "link_only"),
        ("$AAPL $MSFT", "ticker_only"),  # a feed body that names stocks and says nothing of them
        ("$BRK.B, $TSLA https://t.co/x7Gq2", "ticker_only"),
        ("[Removed]", "placeholder"),  # NewsAPI's withdrawn article
        ("#VALUE!", "spreadsheet_error"),
        ("#N/A", "spreadsheet_error"),
        ("0", "number_only"),
        ("2024", "number_only"),
        ("12:30", "number_only"),
        ("Please enable cookies.", "page_notice"),
        ("Click here to subscribe", "page_notice"),
        ("To continue reading, subscribe to the FT.", "page_notice"),
        ("This content is only available to subscribers.", "page_notice"),
        ("404 Not Found", "page_notice"),
        ("<p>[Removed]</p>", "placeholder"),  # judged again once the tags are gone
        ("<p>Please enable JavaScript</p>", "page_notice"),
        # an aggregator's links in place of a story (Google News RSS descriptions)
        ('<a href="https://news.google.com/rss/articles/CBMi">Nokia wins 5G deal</a>&nbsp;&nbsp;'
         '<font color="#6f6f6f">Reuters</font>', "link_list"),
        ('<ol><li><a href="x">Nokia shares rise</a>&nbsp;<font>Yahoo Finance</font></li>'
         '<li><a href="y">Nokia beats forecasts</a>&nbsp;<font>CNBC</font></li></ol>', "link_list"),
        ("<a href='https://example.com/a'>Read more</a>", "link_list"),
    ],
)
def test_no_usable_text_has_a_reason(text, reason):
    assert is_usable_text(text).reason == reason
    assert not is_usable_text(text).usable


@pytest.mark.parametrize("text", ["Acme Lending: no comment on rumours", "S&P", "-5%", "Nanotech shares",
                                  "$AAPL beats estimates", "$5 billion", "$TSLA $F #bullish",
                                  "Acme halts lending https://t.co/x7Gq2", "Acme Lending said subscribers grew 5%.",
                                  "403 jobs cut at Acme", "Subscribers to the bond issue were paid in full.",
                                  "Access denied: EU blocks Acme bid for Beta Bank",
                                  "Subscribe for shares in Acme rights issue", "<title>Acme beats</title>",
                                  "<p>Acme Lending beat estimates.</p> <a href='https://example.com/a'>Read more</a>",
                                  "Acme <a href='https://example.com/a'>Lending</a> beat estimates in the quarter"])
def test_real_text_is_usable(text):
    assert is_usable_text(text).usable
    assert is_usable_text(text).reason is None


@pytest.mark.parametrize(("raw", "text"), [
    ("<![CDATA[Acme Lending beats estimates]]>", "Acme Lending beats estimates"),  # an RSS item's text
    ("&#55357;&#56832; Acme Lending rose", "\U0001F600 Acme Lending rose"),  # an emoji as two UTF-16 halves
    ("&#xD83D;&#xDE00; up", "\U0001F600 up"),
])
def test_rss_wrappers_and_split_emoji_references_come_out_as_their_text(raw, text):
    cleaned = clean_text(raw)
    assert cleaned.text == text and not cleaned.unrepaired


def test_a_long_run_of_glued_links_is_judged_in_linear_time():
    """A pattern over repeated links once backtracked exponentially: 30 glued links took minutes."""
    assert is_usable_text("https://x" * 5_000 + " x").usable
    assert is_usable_text("https://x" * 5_000).reason == "link_only"


@pytest.mark.parametrize(("raw", "text"), [
    # angle brackets around anything but an HTML element are text: amounts, Reuters instrument codes
    ("Loans of <EUR 1m and >EUR 500k rose", "Loans of <EUR 1m and >EUR 500k rose"),
    ("Brent crude <LCOc1> rose while Apple <AAPL.O> fell", "Brent crude <LCOc1> rose while Apple <AAPL.O> fell"),
    ("<A HREF='x'>Acme</A> rose<BR/>", "Acme rose"),
    ("<o:p>Acme</o:p> <my-widget data-x=1>rose</my-widget>", "Acme rose"),  # Word's namespaced tags, custom elements
    # page chrome and code never reach the model: closed, or cut off at the end of a truncated body
    ("<head><title>Reuters.com</title></head><p>Acme rose</p><noscript>Please enable JavaScript</noscript>", "Acme rose"),
    ("<p>Acme rose</p><script>window.dataLayer=[];function gtag(){}", "Acme rose"),
    # a zero-width space shows nothing, inside a word too; direction marks are removed
    ("Nok\u200bia rose\u200b. \u200fFell", "Nokia rose. Fell"),
])
def test_tags_are_html_elements_only_and_page_chrome_is_dropped(raw, text):
    assert clean_text(raw).text == text


@pytest.mark.parametrize(("raw", "text"), [
    # comparisons in text that is no HTML keep every character, even around an element's name
    ("The spread between A<B and B>C narrowed, analysts said.", "The spread between A<B and B>C narrowed, analysts said."),
    ("Ratio of p<q and q>r was 2 <p and p> 3 in the deal", "Ratio of p<q and q>r was 2 <p and p> 3 in the deal"),
    ("Margin rose if costs<sales and margin>0 held, the CFO said.",
     "Margin rose if costs<sales and margin>0 held, the CFO said."),
    ("Rates <unchanged> at 4% while inflation <target> was met", "Rates <unchanged> at 4% while inflation <target> was met"),
    ("Margin &lt; 3% and fees &gt; 2%: the bank's M&amp;A unit gained. 5 &lt;10 &gt; 2",
     "Margin < 3% and fees > 2%: the bank's M&A unit gained. 5 <10 > 2"),
    # in HTML, an element that is no tag of HTML stays text too
    ("<p>Loans of <EUR 1m rose at AT&T</p> <AAPL.O> fell", "Loans of <EUR 1m rose at AT&T <AAPL.O> fell"),
])
def test_angle_brackets_in_text_that_is_no_html_stay_text(raw, text):
    cleaned = clean_text(raw)
    assert cleaned.text == text
    assert cleaned.had_tags is raw.startswith("<p>")


@pytest.mark.parametrize(("raw", "text"), [
    # inline elements join their text as a browser shows it; block elements separate it
    ("<p>Nok<b>ia</b> posted re<em>cord</em> sales of EUR 5<sup>1</sup>bn.</p>", "Nokia posted record sales of EUR 5 1 bn."),
    ("<style>p{color:red}</style><div>Revenue up <b>7</b>%</div><!-- hidden comment text -->", "Revenue up 7%"),
    ("Net margin <i>n line</i> with plan; EPS<a href=x>up</a>", "Net margin n line with plan; EPSup"),
    ("<SPAN class='q'>Q</SPAN>2 profit<br>rose<br/>again<li>Fiskars</li><td>5</td><td>6</td>",
     "Q2 profit rose again Fiskars 5 6"),
    ("<p>Profit rose 5&nbsp;% &amp; sales grew.</p><script>var x='<p>tracking pixel</p>';</script>"
     "<p>AT&amp;T &lt;b&gt;deal&lt;/b&gt; closed.</p>", "Profit rose 5 % & sales grew. AT&T deal closed."),
    ("Profit rose 5%. <script>track(); Outlook raised for 2025.", "Profit rose 5%."),
    # an element that is dropped with its content only when closed keeps its text when left open
    ("<p>Acme rose</p><object>Acme fell", "Acme rose Acme fell"),
])
def test_html_reads_as_a_browser_shows_it(raw, text):
    cleaned = clean_text(raw)
    assert cleaned.text == text and cleaned.had_tags


def test_a_source_truncation_marker_is_removed_and_flagged():
    cleaned = clean_text("Beta Bank shares fell after the lender... [+1520 chars]")
    assert cleaned.text == "Beta Bank shares fell after the lender" and cleaned.source_truncated
    assert not clean_text("Beta Bank shares fell [+5%]").source_truncated


def test_a_quoted_printable_mail_body_is_decoded_before_cleaning(data_dir):
    """A research mail exported raw: a real PhraseBank sentence with a curly apostrophe, as
    Outlook encodes it (quoted-printable, lines cut at 76 characters by soft breaks), inside HTML.
    It is decoded to the sentence; prose with an equals sign or a stray `=20` is left alone."""
    import quopri

    with open(data_dir / "news" / "financial_phrasebank_50agree.txt", encoding="utf-8-sig") as handle:
        sentence = next(line.rsplit("@", 1)[0] for line in handle if " 's " in line and len(line) > 120)
    curly = sentence.replace(" 's ", "\u2019s ")
    body = quopri.encodestring(f"<p>{curly} =</p>".encode()).decode("ascii")
    assert "=E2=80=99" in body and "=3D" in body and "=\n" in body
    cleaned = clean_text(body)
    assert cleaned.quoted_printable and cleaned.text == curly + " ="
    # soft breaks and no escape, wherever the 76-character lines end: after a space or inside a word
    after_a_space = 0
    for shift in range(40):
        plain = "x" * shift + " " + sentence
        encoded = quopri.encodestring(plain.encode()).decode("ascii")
        after_a_space += " =\n" in encoded
        assert "=\n" in encoded and clean_text(encoded).text == " ".join(plain.split()), shift
    assert after_a_space >= 3
    for prose in ("EUR 1.0 = USD 1.397 , the rate on the day .", "Code A=20 was used in the filing .",
                  "Net sales rose .\nThe outlook is =\nunchanged .\nShares fell .", "Net debt =\r\nEUR 12 m ."):
        left = clean_text(prose)
        assert not left.quoted_printable and left.text == " ".join(prose.split())


@pytest.mark.parametrize("text", [
    "<a href='https://example.com/a'>Nokia</a> shares rose 3 % in early trading",
    "<a href='https://example.com/a'>Nokia</a>: profit up 5%",
    "<a href='https://example.com/t'>Finnish Talentum reports its operating profit increased to EUR 20.5 mn in 2005 .</a>",
    "<ol><li><a href='x'>Nokia shares rise</a> <font>Yahoo Finance</font></li></ol> Analysts expect more cuts.",
])
def test_links_inside_a_story_or_a_story_told_in_a_link_are_text(text):
    assert is_usable_text(text).usable


@pytest.mark.parametrize(("raw", "text"), [
    ("<p>Nokia won a network deal.</p> <a href='https://example.com/a'>Read more</a>", "Nokia won a network deal."),
    ("<p>Nokia won.</p><p><a href='x'>Continue reading &raquo;</a></p>", "Nokia won."),
    ("Nokia won. <a href='x'>Read the full story</a>", "Nokia won."),
    ("Nokia won. <a href='x'>Read more about Nokia</a>", "Nokia won. Read more about Nokia"),  # says what it links
    ("Nokia <a href='x'>more</a> deals", "Nokia more deals"),  # not at the end
])
def test_a_read_more_link_at_the_end_is_dropped(raw, text):
    assert clean_text(raw).text == text


@pytest.mark.parametrize(("html", "headline"), [
    ('<a href="https://news.google.com/rss/articles/CBMi0" target="_blank">Nokia wins 5G deal &amp; more</a>'
     '&nbsp;&nbsp;<font color="#6f6f6f">Reuters</font>', "Nokia wins 5G deal & more"),
    ("<ol><li><a href='x'><b>Nokia</b> shares rise</a> <font>Yahoo Finance</font></li>"
     "<li><a href='y'>Nokia beats forecasts</a> <font>CNBC</font></li></ol>", "Nokia shares rise"),  # the first story
    ("<a href='x'>Read more</a> <a href='y'>Kesko sales rose</a>", "Kesko sales rose"),
    ("<a href='https://example.com/a'>Read more</a>", None),
    ("<a href='https://example.com/a'>https://example.com/a</a>", None),
    ("Nokia shares rose 3 % in early trading", None),  # a story, not a list of links
])
def test_the_headline_a_list_of_links_names_is_its_first_story_links_text(html, headline):
    assert link_list_headline(html) == headline
