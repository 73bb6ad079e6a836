"""Cleaning of news text before it is stored as `text_clean` and read by the sentiment model.

`clean_text` applies, in this order:

0. **Escapes of an export decoded.** A text encoded as a JSON string twice holds its line breaks and
   characters as escapes ('First paragraph.\\n\\nSecond.', 'caf\\u00e9'): they are decoded when the
   text plainly is one (`decode_literal_escapes`); a backslash in prose (a Windows path) stays.
   A mail body exported raw (RFC 2045: `=E2=80=99` for ’, `=3D` for `=`, a line cut by a soft
   break `=` at its end) is decoded when it plainly is one (`is_quoted_printable`), as UTF-8, else
   Windows-1252; text with a stray `=20` is left alone.
1. **HTML entities decoded until none is left.** Well-formed references that end in ';'
   (`&amp;`, `&#8217;`, `&#x2019;`), and HTML5's legacy names that a browser reads without it
   (`&amp`, `&nbsp`, `&lt`, `&copy`: LEGACY_ENTITY_NAMES, 'Johnson &amp Johnson&nbspup' ->
   'Johnson & Johnson up'), are decoded, each by `html.unescape`, and the result again
   while a round decodes something, ENTITY_ROUNDS_MAX rounds at most: a feed that escaped its
   text twice (`&amp;amp;`, `&amp;#39;`, a CMS export of already escaped HTML) reads `&` and `'`,
   never the markup `&amp;` or `&#39;` the model would read as words (`entity_rounds` says how
   many rounds a text needed). Bare ampersands in
   "S&P", "R&D", "P&L", "AT&T" are text, not references, and stay as they are.
2. **Markup removed.** Text that is HTML (`is_html`: it holds a tag only markup writes, `<p>`,
   `</b>`, `<br/>`, `<a href=...>`, a comment or a doctype) is read as a browser shows it, by the
   standard library's `html.parser` (`strip_tags`): an inline element's tags join the text around
   them (`Nok<b>ia</b>` -> `Nokia`, `up <b>7</b>%` -> `up 7%`), a block element's tags (`<p>`,
   `<br>`, `<li>`, `<td>`) become a space; `<script>`, `<style>`, `<noscript>`, `<template>` and
   `<head>` (with the page's `<title>`) elements are dropped with their content, and one left
   unclosed (a body cut short) is dropped to the end of the text. A web page is read as a reader
   view shows it (`read_html`): the text of its `<article>`, `<main>` or role=main element where it
   has one, without the page's chrome (`<nav>`, `<aside>`, `<form>`, `<header>` and `<footer>`
   outside the story...). This runs after step 1, so markup
   a feed escaped once (`&lt;b&gt;Breaking&lt;/b&gt;`) is removed too: such a feed delivers markup,
   not a sentence about angle brackets. Angle brackets around anything but an HTML element stay
   text ("loans of <EUR 1m and >EUR 500k", Reuters codes `<AAPL.O>`, `<LCOc1>`), and text that is
   no HTML keeps every character ("rates < 5%", "A<B and B>C narrowed", "2 <p and p> 3").
   A link at the very end whose text only points to the rest (`<a href=...>Read more</a>`,
   `Continue reading »`, `Full story`: _READ_MORE_LINK) is dropped with its text: it says nothing
   of the story. A source's truncation marker at the end ("... [+1520 chars]", NewsAPI) is removed and flagged.
   A line break an export wrote as a vertical tab, form feed, NEL, U+2028 or U+2029 is read as one
   (`read_line_breaks`): white space between two words, never a character dropped between them.
   A text that is plainly Markdown (a link, image, autolink, heading or `**bold**` in it) is read
   as rendered (`read_markdown`): a link is its words, an image or a bare address nothing, and the
   heading, emphasis, bullet and quote marks are dropped.
3. **Mojibake repaired.** `ftfy` (encoding fixes only: quotes are not uncurled, HTML is not touched)
   repairs UTF-8 read as Windows-1252 / Latin-1 ("Itâ€™s" -> "It’s"). Then the damage found in the
   Financial PhraseBank vendor file is repaired: UTF-8 read as code page 850 with the box-drawing
   lead byte flattened to '+' ("L+ñnnen" -> "Lännen", "Bank of +àland" -> "Bank of Åland").
   Damage that lost the original bytes (U+FFFD, as in "L+�nnen") cannot be repaired; it is left in
   place and flagged. Then the **boilerplate around the story is trimmed** (`trim_boilerplate`), at its
   start and end only: a wire's dateline ('LONDON, March 3 (Reuters) -', '(Bloomberg) --'), a
   WordPress feed's 'The post ... appeared first on ...', a credit line ('Reporting by ...; Editing
   by ...'), a copyright footer, a closing sentence of a site's notice ('Sign up for our
   newsletter'); text that is nothing else stays as it is, for `is_usable_text` to judge.
4. **Whitespace folded.** A span a right-to-left override shows reversed is read in the order shown
   (`read_overrides`). No-break and other Unicode spaces become a space; the invisible format
   characters (zero-width spaces and joiners, word joiner, byte-order mark, soft hyphen) are removed,
   inside a word too ('Nok\\u200bia' is 'Nokia'), and so are the bidirectional marks and overrides
   (U+200E, U+200F, U+202A-U+202E, U+2066-U+2069); runs of whitespace become one space, and the ends
   are trimmed.

`is_usable_text` decides whether a field carries text a model can read at all.
"""

from __future__ import annotations

import html
import html.entities
import quopri
import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser

import ftfy

from risk_assets.lib.ingest.csv_text import LINE_BREAK_IN_CELL, SPREADSHEET_ERROR

LEGACY_ENTITY_NAMES = tuple(sorted((name for name in html.entities.html5 if not name.endswith(";")),
                                   key=len, reverse=True))
"""HTML5's legacy named references, which a browser decodes in text without their ';' (`&amp`,
`&nbsp`, `&lt`, `&gt`, `&quot`, `&copy`, `&eacute`...: 106 names, longest first)."""
_ENTITY = re.compile(r"&(?:(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});|(?:"
                     + "|".join(LEGACY_ENTITY_NAMES) + "))")
HTML_ELEMENTS = frozenset("""
a abbr address area article aside audio b base bdi bdo big blockquote body br button canvas caption
center cite code col colgroup data datalist dd del details dfn dialog div dl dt em embed fieldset
figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html i
iframe img input ins kbd label legend li link main map mark menu meta meter nav noscript object ol
optgroup option output p param picture pre progress q rp rt ruby s samp script section select
small source span strike strong style sub summary sup svg table tbody td template textarea tfoot th
thead time title tr track tt u ul var video wbr
""".split())
"""Element names of HTML (WHATWG HTML Living Standard, section 4, with the obsolete ones feeds still
carry: big, center, font, frame, strike, tt). Only these, namespaced names and custom elements
(with a hyphen) are read as tags."""

_DROPPED_ELEMENTS = frozenset("script style noscript template head iframe video audio object".split())
"""Elements whose content is no text of the page: code, styles, the head, and the fallback a browser
shows where it cannot embed a frame or a player ('Your browser does not support iframes')."""
_UNCLOSED_DROPPED_ELEMENTS = frozenset({"script", "style", "noscript", "template"})
"""Dropped elements removed to the end of the text when left unclosed (a body cut short); the others
are removed only when closed."""
_TAG = re.compile(
    r"</?(?:" + "|".join(sorted(HTML_ELEMENTS, key=len, reverse=True)) + r"|[A-Za-z][A-Za-z0-9]*[:-][A-Za-z0-9:-]+)"
    r"(?=[\s/>])(?:\s[^<>]*)?/?>|<!--.*?-->|<!DOCTYPE[^<>]*>",
    re.IGNORECASE | re.DOTALL)
_READ_MORE_LINK = re.compile(
    r"<a\b[^<>]*>\s*(?:read\s+more|continue\s+reading|read\s+the\s+(?:full\s+|whole\s+)?(?:story|article)|"
    r"full\s+(?:story|article)|more)(?:\s*<span\b[^<>]*>[^<>]{0,200}</span\s*>){0,2}"
    r"\s*(?:\.\.\.|…|»|›|>>|→)?\s*</a\s*>(?:\s|</[A-Za-z][A-Za-z0-9]*\s*>)*\Z",
    re.IGNORECASE)
"""A link at the end of a text that only points to the rest of the story ('Read more', 'Continue
reading »', 'Read the full article', 'Full story'), with what trails it (a closing '</p>'); the
story's title WordPress puts inside it for screen readers ('Continue reading <span
class="screen-reader-text">Gamma outlook</span>') goes with it."""
_SOURCE_TRUNCATION = re.compile(r"\s*(?:\.\.\.|…)?\s*\[\+\d+ chars\]\s*\Z")
"""NewsAPI's marker for content it cut: '... [+1520 chars]' at the end of the text."""
# '+' followed by one character of code page 850 that stands for a UTF-8 continuation byte
# (0x80-0xBF): the remains of a two-byte UTF-8 sequence C3 xx read as cp850, where the lead byte
# C3 ('├') was later flattened to ASCII '+'.
_CP850_CONTINUATION = "".join(
    ch for ch in bytes(range(0x80, 0xC0)).decode("cp850") if not ch.isascii()
)
_FLATTENED_CP850 = re.compile(f"\\+([{re.escape(_CP850_CONTINUATION)}])")
_CP1252_CONTINUATION = "".join(
    bytes([byte]).decode("cp1252") for byte in range(0x80, 0xC0) if byte not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
)
_CAPITAL_READ_AS_CP1252 = re.compile(f"\u00c3([{re.escape(_CP1252_CONTINUATION)}])(?=[^\\W\\d_])")
"""A UTF-8 letter of U+00C0-U+00FF read as Windows-1252, 'Ã' and the character its second byte is
there ('Ã…' is 'Å', bytes C3 85), before a letter: the damage ftfy leaves where it is the text's only
one ('Ã…land', the Åland Islands), because its heuristics take 'Ã…' alone for plausible text."""
_ZERO_WIDTH = re.compile("[\u00ad\u200b\u200c\u2060\ufeff\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Invisible characters removed from news text, inside a word too, as a reader sees none of them:
the soft hyphen (a hyphenation hint, 'stra\\xadtegy' is 'strategy'), zero-width spaces
('Nok\\u200bia' is 'Nokia') and non-joiners, word joiner, byte-order mark, bidirectional marks
and embeddings (a span an override reverses is read first: `read_overrides`)."""
_LONE_ZWJ = re.compile("(?<!\\S)\u200d|\u200d(?!\\S)|(?<=[\\x21-\\u024f])\u200d(?=[\\x21-\\u024f])")
"""A zero-width joiner that joins nothing is removed: beside a space, at either end, or between two
Latin characters ('Nok\\u200dia'), which it never shapes. Between other characters it stays: it
builds one emoji from several ('👨\\u200d👩\\u200d👧', a family) and shapes Indic and Arabic letters."""
_RIGHT_TO_LEFT_OVERRIDE = re.compile("\u202e([^\u202c\n]*)(?:\u202c|(?=\n)|\\Z)")
"""A span a right-to-left override (U+202E) shows reversed, up to its pop (U+202C), the line's end
or the text's end."""
_WHITESPACE = re.compile(r"\s+")
_NEL_AS_LINE_BREAK = re.compile("(?<![\u0080-\u00ff])\u0085(?=[^\\s\u0080-\u00ff\"'\u201d\u2019)\\].,;:!?])")
"""A NEL U+0085 that is a line break: between two characters of the text, neither a Latin-1
character (U+0080-U+00FF: then it is a byte of UTF-8 read as Latin-1, 'Ã\\x85' for 'Å'), and
followed by the next line's first character, not by white space, punctuation, a closing quote or the
end of the text, where a Windows-1252 ellipsis '…' (byte 0x85) read as Latin-1 stands
('fell\\x85 then rose')."""
_C1_BESIDE_NEL = re.compile("[\u0080-\u0084\u0086-\u009f]")
_FTFY_ENCODING_ONLY = ftfy.TextFixerConfig(
    unescape_html=False,
    uncurl_quotes=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    fix_line_breaks=False,
    normalization="NFC",
    explain=False,
)
EXPORT_NULL_MARKERS = ("null", "nan", "\\n", "<na>", "(null)", "[null]", "<null>")
"""What export tools write for a missing value and never for a real one (compared lowercased): SQL
NULL, pandas' NaN and `<NA>`, PostgreSQL COPY's and MySQL's `\\N`, C's printf of a null string
`(null)`, DBeaver's `[NULL]` and DataGrip's `<null>`. The base of every null-marker list here: news
text (NULL_TOKENS) and loan tapes (loan_formats.NULL_TOKENS and MISSING_MARKERS) add their own."""

NULL_TOKENS = frozenset({*EXPORT_NULL_MARKERS, "none", "n/a", "na", "nil", "undefined"})
"""Text that stands for a missing article or headline (compared lowercased): EXPORT_NULL_MARKERS,
and the words a feed writes where no text is (None, N/A, NA, nil, JavaScript's `undefined`), which
are no sentence either."""

PLACEHOLDERS = frozenset({"[removed]", "[deleted]", "loading", "loading...", "loading\u2026"})
"""Text a source puts where an article was withdrawn (NewsAPI's '[Removed]', Reddit's '[deleted]'),
or a spreadsheet where its import has not filled the cell yet (Google Sheets' IMPORTFEED and
IMPORTXML write 'Loading...'), compared lowercased."""


@dataclass(frozen=True)
class CleanedText:
    """Result of `clean_text`.

    Attributes:
        text: the cleaned text (may be empty).
        had_entities: at least one HTML entity was decoded.
        had_tags: at least one tag was stripped (including tags that were entity-encoded).
        repaired: mojibake was detected and repaired.
        unrepaired: damage that cannot be undone remains (U+FFFD replacement characters).
        source_truncated: the text ended in its source's truncation marker ('[+1520 chars]'),
            removed here: the article is longer than what was delivered.
    """

    text: str
    had_entities: bool
    had_tags: bool
    repaired: bool
    unrepaired: bool
    source_truncated: bool = False
    quoted_printable: bool = False
    """The text was a quoted-printable mail body, decoded first (step 0)."""
    page_chrome_removed: bool = False
    """The text was a web page whose chrome (menus, 'Related' links, a footer, text outside its
    `<article>`) was left out (`read_html`)."""
    literal_escapes: bool = False
    """The text held JSON string escapes an export left as characters ('\\n', '\\u00e9'), decoded
    first (`decode_literal_escapes`)."""
    entity_rounds: int = 0
    """Rounds of entity decoding that changed the text (step 1): 0 without entities, 1 for text
    escaped once, 2 or more for text escaped again over its escapes (`&amp;amp;`)."""
    boilerplate_trimmed: bool = False
    """A wire's dateline, a footer, a credit line or a site's notice was cut from the start or end of
    the text (`trim_boilerplate`)."""
    markdown_read: bool = False
    """The text was Markdown, read as rendered: link targets, image addresses and marks left out
    (`read_markdown`)."""


@dataclass(frozen=True)
class Usability:
    """Whether a field carries usable text; `reason` names why not (None when usable)."""

    usable: bool
    reason: str | None = None


def decode_entities_once(text: str) -> str:
    """Decode each well-formed HTML character reference (ending in ';', or a legacy name a browser
    reads without it: LEGACY_ENTITY_NAMES) exactly once.

    "&amp;amp;" -> "&amp;", "&#8217;" -> "’", "&nbspup" -> "\\xa0up", "S&P" -> "S&P" (not a reference), and an emoji
    written as two surrogate references "&#55357;&#56832;" -> "😀" (see `_pair_references`).
    """
    return _ENTITY.sub(lambda m: html.unescape(m.group(0)), _pair_references(text) if "&#" in text else text)


ENTITY_ROUNDS_MAX = 3
"""The most rounds of entity decoding one text gets (`decode_entities`): text escaped three times
over (`&amp;amp;amp;`) reads whole; a text that still holds references after that keeps them."""


def decode_entities(text: str) -> tuple[str, int]:
    """Decode well-formed HTML character references (`decode_entities_once`) round after round
    until a round changes nothing, ENTITY_ROUNDS_MAX rounds at most.

    "Rates &amp;amp; spreads" -> ("Rates & spreads", 2), "It&amp;#39;s" -> ("It's", 2),
    "S&P &amp; R&D" -> ("S&P & R&D", 1), "no entity" -> ("no entity", 0).

    Returns:
        (the decoded text, the number of rounds that changed it).
    """
    rounds = 0
    while rounds < ENTITY_ROUNDS_MAX and (decoded := decode_entities_once(text)) != text:
        text, rounds = decoded, rounds + 1
    return text, rounds


_NUMERIC_PAIR = re.compile(r"&#(?:[xX]([0-9a-fA-F]+)|(\d+));&#(?:[xX]([0-9a-fA-F]+)|(\d+));")


def _pair_references(text: str) -> str:
    """'&#55357;&#56832;': an emoji written as the two UTF-16 halves (surrogates) of its code point,
    as JavaScript escapes it; HTML decodes each half to U+FFFD. The pair is joined into the one
    character it encodes (U+1F600) before the references are decoded."""
    def join(match: re.Match[str]) -> str:
        high = int(match.group(1), 16) if match.group(1) else int(match.group(2))
        low = int(match.group(3), 16) if match.group(3) else int(match.group(4))
        if 0xD800 <= high <= 0xDBFF and 0xDC00 <= low <= 0xDFFF:
            return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
        return match.group(0)

    return _NUMERIC_PAIR.sub(join, text)


def strip_tags(text: str) -> str:
    """`text` as a browser shows it when it is HTML (`is_html`), else as it is; either way a CDATA
    section keeps its text without its wrapper ('<![CDATA[Acme beats]]>' -> ' Acme beats ', as RSS
    items carry it).

    HTML is read by the standard library's `html.parser`: a tag of an inline element
    (INLINE_ELEMENTS) is removed, joining the text on either side as it is shown
    ('Nok<b>ia</b>' -> 'Nokia', 'up <b>7</b>%' -> 'up 7%'); any other tag of HTML_ELEMENTS, a
    namespaced one (Word's `<o:p>`) or a custom element (with a hyphen) becomes a space ('a<br>b',
    '</p><p>'); comments, declarations and processing instructions are removed; `<script>`,
    `<style>`, `<noscript>`, `<template>`, `<head>`, `<iframe>`, `<video>`, `<audio>` and `<object>`
    (_DROPPED_ELEMENTS) are removed with their content, to the end of the text where one of the
    first four is left unclosed. What looks like a tag of no element ('<EUR 1m and >', '<AAPL.O>')
    stays text, and so does every character of text that is no HTML ('A<B and B>C narrowed').
    Entities are not decoded here (`decode_entities` does it before)."""
    return read_html(text)[0]


def read_html(text: str) -> tuple[str, bool]:
    """`text` as `strip_tags` reads it, and whether page chrome was left out: as a browser's reader
    view shows a page, the text of a story element (`<article>`, `<main>`, role=main:
    MAIN_ELEMENTS) where the HTML has one, and never that of page chrome (PAGE_CHROME_ELEMENTS
    `<nav>`, `<aside>`, `<form>`, `<button>`; `<header>` and `<footer>` outside the story; an element
    of PAGE_CHROME_ROLES) closed by its end tag. A scraped page's menu, 'Related' links and footer
    read as its story would train the model on them. (text, False) for text with no chrome."""
    unwrapped = _CDATA.sub(r" \1 ", text)
    if not is_html(unwrapped):
        return unwrapped, False
    closed = {name for name in _DROPPED_ELEMENTS if re.search(rf"</{name}\s*>", unwrapped, re.IGNORECASE)}
    reader = _TextOfHtml(closed)
    # every '&' and each '<' that opens no markup are escaped: the parser gives them back as text
    reader.feed(_NOT_MARKUP.sub("&lt;", unwrapped.replace("&", "&amp;")))
    reader.close()
    return reader.text()


INLINE_ELEMENTS = frozenset("""
a abbr b bdi bdo big cite code data del dfn em font i ins kbd label mark q s samp small span strike
strong time tt u var wbr
""".split())
"""Elements of HTML_ELEMENTS a browser shows inside the line of the text around them (phrasing
content shown inline, WHATWG HTML section 15.3): their tags separate no words. Every other
element's tag (p, div, br, li, h1-h6, tr, td, ...) does, `<sup>` and `<sub>` too: a footnote mark or
an exponent joined to the figure before it would make another number ('EUR 5<sup>1</sup>bn' read
as 'EUR 51bn')."""

_HTML_SIGN = re.compile(
    r"</?(?:" + "|".join(sorted(HTML_ELEMENTS, key=len, reverse=True)) + r"|[A-Za-z][A-Za-z0-9]*[:-][A-Za-z0-9:-]+)"
    r"(?:\s*/?>|\s[^<>]*=[^<>]*>)|</(?:[A-Za-z][A-Za-z0-9:-]*)\s*>|<!--|<!DOCTYPE\b",
    re.IGNORECASE)
"""What only markup writes: a tag of an element (HTML_ELEMENTS, namespaced or custom) alone
('<b>', '</p>', '<br/>') or with an attribute given a value ('<a href=x>'), a closing tag, a comment,
a doctype. '<B and B>' in 'A<B and B>C' reads as a tag with two attributes but is no sign of HTML."""
_NOT_MARKUP = re.compile(
    r"<(?!/?(?:" + "|".join(sorted(HTML_ELEMENTS, key=len, reverse=True)) + r"|[A-Za-z][A-Za-z0-9]*[:-][A-Za-z0-9:-]+)"
    r"[\s/>]|!|\?)", re.IGNORECASE)
"""A '<' in HTML that opens no tag of an element, comment, declaration or processing instruction:
text ('<EUR 1m', '<AAPL.O>', '5 <10')."""


def is_html(text: str) -> bool:
    """Whether `text` (entities decoded) is HTML: it holds a sign only markup writes (_HTML_SIGN:
    '<p>', '</b>', '<br/>', '<a href=x>', '<!-- -->', '<!DOCTYPE html>'). Comparisons and other
    angle brackets ('A<B and B>C', 'rates < 5%', '<EUR 1m', '<AAPL.O>') are not."""
    return "<" in text and _HTML_SIGN.search(text) is not None


PAGE_CHROME_ELEMENTS = frozenset({"nav", "aside", "form", "button"})
"""Elements of a page's chrome, not of its story: menus, 'Related' boxes, sign-up forms and their
buttons. `<header>` and `<footer>` are chrome too outside the story's element (MAIN_ELEMENTS);
inside it they hold the story's own headline and byline. (`<noscript>` and `<template>` are dropped
as code: _DROPPED_ELEMENTS.)"""
PAGE_CHROME_ROLES = frozenset({"navigation", "complementary", "banner", "contentinfo"})
"""ARIA landmark roles of page chrome (WAI-ARIA 1.2): an element given one is dropped as
PAGE_CHROME_ELEMENTS are (`<div role="navigation">`)."""
MAIN_ELEMENTS = frozenset({"article", "main"})
"""Elements that hold a page's story (and any element with `role="main"`): where HTML has one, its
text is the story's, as a browser's reader view shows it."""
_VOID_ELEMENTS = frozenset("area base br col embed hr img input link meta param source track wbr".split())
"""Elements without content or end tag: never open."""


class _TextOfHtml(HTMLParser):
    """Collects the text of HTML as `strip_tags` describes it, in `parts`, each with where it stands
    (`_places`: the page chrome elements open around it, and whether a story element is)."""

    def __init__(self, closed: set[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._closed = closed  # dropped elements closed somewhere in the text
        self._dropping = 0  # depth inside dropped elements
        self._open: list[tuple[str, int, bool]] = []  # open elements: name, number, chrome or story
        self._chrome: set[int] = set()  # numbers of the chrome elements
        self._chrome_closed: set[int] = set()  # numbers of the chrome elements closed by their end tag
        self._story = 0  # story elements open (MAIN_ELEMENTS, role=main)
        self._opened = 0  # elements opened so far: each one's number
        self.has_story = False
        self._places: list[tuple[tuple[int, ...], bool]] = []

    def _append(self, text: str) -> None:
        self.parts.append(text)
        self._places.append((tuple(number for _, number, _ in self._open if number in self._chrome), self._story > 0))

    def _tag(self, tag: str) -> None:
        self._append("" if tag in INLINE_ELEMENTS else " ")

    def _open_element(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Track an element that has content: page chrome (PAGE_CHROME_ELEMENTS, PAGE_CHROME_ROLES,
        `<header>` and `<footer>` outside the story) or the story (MAIN_ELEMENTS, role=main)."""
        roles = set((dict(attrs).get("role") or "").lower().split())
        story = tag in MAIN_ELEMENTS or "main" in roles
        chrome = not story and (tag in PAGE_CHROME_ELEMENTS or bool(roles & PAGE_CHROME_ROLES)
                                or (tag in ("header", "footer") and not self._story))
        self._opened += 1
        number = self._opened
        if chrome:
            self._chrome.add(number)
        if story:
            self._story += 1
            self.has_story = True
        self._open.append((tag, number, story))

    def _close_element(self, tag: str) -> None:
        """Close the innermost open `tag` and what is open inside it, as a browser does; an end tag
        of no open element is ignored."""
        if not any(name == tag for name, _, _ in self._open):
            return
        while self._open:
            name, number, story = self._open.pop()
            self._story -= story
            if name == tag:
                if number in self._chrome:
                    self._chrome_closed.add(number)
                return

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED_ELEMENTS and (tag in self._closed or tag in _UNCLOSED_DROPPED_ELEMENTS):
            self._dropping += 1
            self._append(" ")
        elif not self._dropping:
            self._tag(tag)
            if tag not in _VOID_ELEMENTS:
                self._open_element(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self._dropping:
            self._tag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._dropping and tag in _DROPPED_ELEMENTS:
            self._dropping -= 1
            self._append(" ")
        elif not self._dropping:
            self._close_element(tag)
            self._tag(tag)

    def handle_data(self, data: str) -> None:
        if not self._dropping:
            self._append(data)

    def unknown_decl(self, data: str) -> None:
        """A marked section other than CDATA (CDATA is unwrapped before parsing): removed."""

    def text(self) -> tuple[str, bool]:
        """The text as a reader view shows it, and whether text of the page's chrome (or outside its
        story element) was left out: parts inside a page chrome element closed by its end tag (one
        left unclosed, a body cut short, keeps its text), and, where the HTML has a story element,
        every part outside one."""
        kept, left_out = [], False
        for part, (chrome, in_story) in zip(self.parts, self._places):
            if (self.has_story and not in_story) or any(number in self._chrome_closed for number in chrome):
                left_out = left_out or bool(part.strip())
                kept.append(" " if part else "")  # a block's edge stays a word break
            else:
                kept.append(part)
        return "".join(kept), left_out


_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)


def repair_mojibake(text: str) -> str:
    """Undo encoding damage: ftfy's UTF-8-as-cp1252/latin-1 repair, a lone 'Ã…' inside a word that
    ftfy leaves (_CAPITAL_READ_AS_CP1252), then the flattened-cp850 form.

    "Itâ€™s" -> "It’s"; "Ã…land" -> "Åland"; "L+ñnnen" -> "Lännen". Text without damage is returned unchanged, and so
    is a plus sign and a symbol outside a word ("+£5m", "+¥1.20", "+½p").
    """
    fixed = ftfy.fix_text(text, config=_FTFY_ENCODING_ONLY)

    def repair(match: re.Match[str]) -> str:
        # '+' and a letter ('+àland', 'P+Âyry'), or any continuation inside a word ('T+®l+®') or
        # before one ('+£lemiste' is Ülemiste), is the damage; a sign and a symbol before a digit
        # or a space ('+£5m', '+¥1.20', '+® mark'), or a sign and a fraction ('+½p'), are left alone
        end = match.end()
        before_is_letter = match.start() > 0 and fixed[match.start() - 1].isalpha()
        after_is_letter = end < len(fixed) and fixed[end].isalpha()
        if unicodedata.numeric(match.group(1), None) is not None and not before_is_letter:
            return match.group(0)  # '+½p', '+¼p': a price move in pence
        if not (match.group(1).isalpha() or before_is_letter or after_is_letter):
            return match.group(0)
        return bytes([0xC3, match.group(1).encode("cp850")[0]]).decode("utf-8")

    fixed = _CAPITAL_READ_AS_CP1252.sub(lambda m: m.group(0).encode("cp1252").decode("utf-8"), fixed)
    return _FLATTENED_CP850.sub(repair, fixed)


def read_line_breaks(text: str) -> str:
    """`text` with each line break an export wrote as another character (LINE_BREAK_IN_CELL: a
    vertical tab U+000B from Excel for Mac or FileMaker, a form feed U+000C, U+2028 LINE SEPARATOR,
    U+2029 PARAGRAPH SEPARATOR, and a NEL U+0085 that is one) read as a line feed '\\n', as a quoted
    CSV field holds it: 'rose 12 %.\\x0bLoans grew.' -> 'rose 12 %.\\nLoans grew.'.

    A NEL is a line break only where _NEL_AS_LINE_BREAK places one and the text holds no other C1
    control (U+0080-U+009F): elsewhere it is the Windows-1252 ellipsis '…' (byte 0x85) of a text
    decoded as Latin-1, which mojibake repair reads back ('Shares fell\\x85 then rose',
    'Nokia\\x92s \\x85'). As long as `text`; a text without any is returned as it is."""
    if not any(c in text for c in LINE_BREAK_IN_CELL):
        return text
    if "\x85" in text and not _C1_BESIDE_NEL.search(text):
        text = _NEL_AS_LINE_BREAK.sub("\n", text)
    return re.sub(f"[{LINE_BREAK_IN_CELL.replace(chr(0x85), '')}]", "\n", text)


_MD_LINK = re.compile(r"(!?)\[([^\[\]\n]*)\]\(\s*<?((?:https?://|www\.|/|#|mailto:)[^\s()<>]*)>?"
                      r"(?:\s+\"[^\"\n]*\"|\s+'[^'\n]*')?\s*\)")
"""A Markdown link `[words](https://... "title")`, or with `!` an image."""
_MD_AUTOLINK = re.compile(r"<(?:https?://|mailto:)[^\s<>]+>")
_MD_HEADING = re.compile(r"(?m)^[ \t]{0,3}#{1,6}[ \t]+(\S.*?)(?:[ \t]+#+)?[ \t]*$")
_MD_STRONG = re.compile(r"(?<![\w*])\*\*(?=\S)(.+?)(?<=\S)\*\*(?![\w*])")
_MD_UNDERSCORE_STRONG = re.compile(r"(?<![\w_])__(?=\S)(.+?)(?<=\S)__(?![\w_])")
_MD_EMPHASIS = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])")
_MD_RULE = re.compile(r"(?m)^[ \t]*(?:[*_-][ \t]*){3,}$")
_MD_BULLET = re.compile(r"(?m)^[ \t]*[*+-][ \t]+(?=\S)")
_MD_QUOTE = re.compile(r"(?m)^[ \t]*>[ \t]?")
_MD_CODE = re.compile(r"`([^`\n]+)`")


def read_markdown(text: str) -> str:
    """`text` as a reader sees a Markdown text rendered (a Reddit post's `selftext`, a newsletter
    tool's or a CMS's Markdown export): a link `[words](https://...)` is its words, an image
    `![chart](https://...)` and an autolink `<https://...>` nothing, a heading `## Results` its
    words, `**bold**`, `__bold__`, `*stress*` and `` `code` `` their words; bullet (`* `, `- `)
    and quote (`> `) marks at a line's start and rules (`---`) are dropped. Only a text that is
    plainly Markdown is read so: it holds a link, an image, an autolink, a heading or `**bold**`;
    any other keeps every character ('5 * 2 %', 'Loans [in EUR m] (2023)', '#1 lender')."""
    if not (_MD_LINK.search(text) or _MD_AUTOLINK.search(text) or _MD_HEADING.search(text)
            or _MD_STRONG.search(text)):
        return text
    text = _MD_LINK.sub(lambda m: "" if m.group(1) else m.group(2), text)
    text = _MD_AUTOLINK.sub("", text)
    text = _MD_HEADING.sub(r"\1", text)
    text = _MD_RULE.sub("", text)
    text = _MD_BULLET.sub("", text)
    text = _MD_QUOTE.sub("", text)
    text = _MD_STRONG.sub(r"\1", text)
    text = _MD_UNDERSCORE_STRONG.sub(r"\1", text)
    text = _MD_EMPHASIS.sub(r"\1", text)
    return _MD_CODE.sub(r"\1", text)


def read_overrides(text: str) -> str:
    """`text` with each span a right-to-left override shows reversed (U+202E up to U+202C, the line's
    end or the text's end: _RIGHT_TO_LEFT_OVERRIDE) written in the order a reader reads it: 'Profit
    \\u202eelbats\\u202c stable' -> 'Profit stable stable', as a page shows it, not the 'elbats'
    the model would otherwise read (a trick to hide words from filters). A span holding right-to-left
    letters (Hebrew, Arabic: bidirectional class R or AL), which an override does not reorder, keeps
    its order. The marks themselves are removed later (`fold_whitespace`). As long as `text`."""
    if "\u202e" not in text:
        return text

    def shown(match: re.Match[str]) -> str:
        span = match.group(1)
        if any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in span):
            return span
        return span[::-1]

    return _RIGHT_TO_LEFT_OVERRIDE.sub(shown, text)


def fold_whitespace(text: str) -> str:
    """No-break and other Unicode spaces -> ' '; the invisible characters (_ZERO_WIDTH, inside a word
    too, and a zero-width joiner that joins nothing: _LONE_ZWJ) removed; runs folded; trimmed."""
    visible = _LONE_ZWJ.sub("", _ZERO_WIDTH.sub("", text))
    return _WHITESPACE.sub(" ", visible).strip()


_QP_SOFT_BREAK = re.compile(r"=\r?\n")
QP_FILLED_LINE = (70, 76)
"""Lengths, `=` included, of a line a quoted-printable encoder ended with a soft break: it fills
lines up to RFC 2045's 76 characters, ending one early only to keep an escape whole."""
_QP_ESCAPE = re.compile(r"=[0-9A-F]{2}")
_QP_UTF8_SEQUENCE = re.compile(r"=[C-F][0-9A-F](?:=[89AB][0-9A-F]){1,3}")


def is_quoted_printable(text: str) -> bool:
    """Whether `text` is plainly a quoted-printable body (RFC 2045, section 6.7): soft line breaks
    (`=` ending a line) beside an escape (`=3D`) or as its only line breaks, an escaped UTF-8
    sequence (`=E2=80=99`), or two escapes of `=` itself (`=3D`). A lone `=20` or `A=B` in prose
    is not enough."""
    escapes = _QP_ESCAPE.findall(text)
    soft = len(_QP_SOFT_BREAK.findall(text))
    # without escapes, soft breaks must be the only line breaks, and either cut a word ('corre=\nsponds')
    # or end lines an encoder filled (70-76 characters, RFC 2045's limit): prose may end a short or
    # long line in ' =' ('Net debt =\nEUR 12 m')
    cuts_a_word = bool(re.search(r"\S=\r?\n", text))
    broken = [line.rstrip("\r") for line in text.split("\n")[:-1]]
    filled = bool(broken) and all(QP_FILLED_LINE[0] <= len(line) <= QP_FILLED_LINE[1] for line in broken)
    return bool((soft and (escapes or (soft == text.count("\n") and (cuts_a_word or filled))))
                or _QP_UTF8_SEQUENCE.search(text) or escapes.count("=3D") >= 2)


def decode_quoted_printable(text: str) -> str:
    """`text` decoded from quoted-printable when `is_quoted_printable`, as UTF-8, else as
    Windows-1252 (Outlook's default charset for Western mail); otherwise `text` unchanged."""
    if not is_quoted_printable(text):
        return text
    data = quopri.decodestring(text.replace("\r\n", "\n").encode("utf-8"))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


_BACKSLASH = re.compile(r"\\(?:u[0-9a-fA-F]{4}|.|\Z)", re.DOTALL)
_LITERAL_ESCAPES = {"\\n": "\n", "\\r": "\r", "\\t": "\t", '\\"': '"', "\\/": "/", "\\\\": "\\"}
_ESCAPED_TEXT = re.compile(r"\\r\\n|\\n\\n|\\u[0-9a-fA-F]{4}|[.!?;\"')\]](?:\\r)?\\n")
"""What only text escaped as a JSON string again writes: a line break written out (`\\r\\n`, `\\n\\n`,
`\\n` after a sentence's end) or a character escape (`\\u00e9`). A Windows path ('C:\\new\\table')
writes none of them."""
_SURROGATE_PAIR_ESCAPE = re.compile(r"\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})", re.IGNORECASE)


def decode_literal_escapes(text: str) -> str:
    """`text` with the JSON string escapes an export left in it as characters decoded: a text
    encoded as JSON twice (or written out from a JSON string without decoding it) holds
    'First paragraph.\\n\\nSecond.' with a backslash and an 'n' where a line break was ->
    'First paragraph.\n\nSecond.'; `\\r`, `\\t`, `\\"`, `\\/`, `\\\\` and `\\u00e9` (-> 'é', a
    surrogate pair `\\ud83d\\ude00` -> one emoji) too. Only a text that is plainly so is decoded: it
    holds a sign only escaping writes (_ESCAPED_TEXT) and every backslash in it starts one of those
    escapes; a single backslash in prose ('C:\\Users\\reports', 'C:\\new\\table', '\\d+') keeps
    the text as it is. As long as `text` or shorter."""
    if "\\" not in text or not _ESCAPED_TEXT.search(text):
        return text
    escapes = _BACKSLASH.findall(text)
    if not all(escape in _LITERAL_ESCAPES or len(escape) == 6 for escape in escapes):
        return text
    paired = _SURROGATE_PAIR_ESCAPE.sub(
        lambda m: chr(0x10000 + ((int(m.group(1), 16) - 0xD800) << 10) + int(m.group(2), 16) - 0xDC00), text)
    # a lone surrogate escape (`\\ud800`) stays written out: UTF-8 text cannot hold it
    return _BACKSLASH.sub(lambda m: _LITERAL_ESCAPES.get(m.group(0)) or (
        m.group(0) if 0xD800 <= int(m.group(0)[2:], 16) <= 0xDFFF else chr(int(m.group(0)[2:], 16))), paired)


def clean_text(raw: str) -> CleanedText:
    """Clean one news text: entities decoded (again where escaped twice), tags stripped, mojibake
    repaired, whitespace folded.

    Args:
        raw: the text as delivered.

    Returns:
        CleanedText with the cleaned text and flags saying what was found (see the module docstring
        for each step and its order).
    """
    unescaped = decode_literal_escapes(raw)
    unquoted = decode_quoted_printable(unescaped)
    decoded, entity_rounds = decode_entities(unquoted)
    unmarked, page_chrome = read_html(_READ_MORE_LINK.sub("", decoded))
    stripped = read_markdown(read_line_breaks(unmarked))
    repaired = repair_mojibake(stripped)
    whole = _SOURCE_TRUNCATION.sub("", repaired)
    story = trim_boilerplate(whole.strip())
    return CleanedText(
        text=fold_whitespace(read_overrides(story)),
        had_entities=decoded != unquoted,
        had_tags=unmarked != decoded,  # a line break read (`read_line_breaks`) is no markup
        # only a change of visible text is a repair: ftfy also drops a stray byte-order mark
        repaired=fold_whitespace(unicodedata.normalize("NFC", stripped)) != fold_whitespace(repaired),
        unrepaired="\ufffd" in repaired,
        source_truncated=whole != repaired,
        quoted_printable=unquoted != unescaped,
        literal_escapes=unescaped != raw,
        page_chrome_removed=page_chrome,
        entity_rounds=entity_rounds,
        boilerplate_trimmed=fold_whitespace(story) != fold_whitespace(whole),
        markdown_read=stripped != read_line_breaks(unmarked),
    )


def blank_reason(text: str) -> str | None:
    """Why `text` as it stands says nothing: `whitespace_only`, `null_token` (NULL_TOKENS, any case),
    `punctuation_only` (every character Unicode punctuation, a symbol, a space or an invisible
    control or format character such as a zero-width space or a direction mark) or `link_only`
    (nothing but URLs); None when it says something. No cleaning is applied (see
    `is_usable_text`). Used for any field, text or not."""
    folded = fold_whitespace(text)
    if not folded:
        return "whitespace_only"
    if folded.lower() in NULL_TOKENS:
        return "null_token"
    if all(unicodedata.category(ch)[0] in "PSZC" for ch in folded):
        return "punctuation_only"
    if all(_LINK.match(token) for token in folded.split()):
        return "link_only"
    return None


_ANCHOR = re.compile(r"<a\b[^<>]*>.*?</a\s*>", re.IGNORECASE | re.DOTALL)
LINK_LABEL_WORDS = 4
"""The most words of a text outside a link that still reads as its label ('Reuters', 'Yahoo Finance',
'The Wall Street Journal'), not a sentence of the story's own."""


_STORY_IN_LINK_WORDS = 8
"""Words from which a link's text ending as a sentence does ('.', '!') is the story itself, not a
headline linking to one ('Finnish Talentum reports its operating profit increased to EUR 20.5 mn .')."""
_SEPARATOR = re.compile(r"[\s\-|\u00b7\u2013\u2014:,]*")


def _links_and_labels_only(text: str) -> bool:
    """Whether HTML text is a list of links with their outlets' names and nothing of its own: one
    link or more (`<a ...>...</a>`), no text before the first, and after each at most one label,
    an element's text (`<font>Reuters</font>`, `<span>`) of LINK_LABEL_WORDS words or fewer that
    ends no sentence, with only separators (spaces, '-', '|', '·') outside elements. Google News RSS
    writes each item's description so (the story's link, or a cluster of several outlets'), and a
    lone 'Read more' link says nothing either. Words after a link outside any element ('<a>Nokia</a>
    shares rose 3 %'), a sentence before a link, or a link whose text is a sentence of
    _STORY_IN_LINK_WORDS words or more are a story."""
    if "<" not in text or not _ANCHOR.search(text):
        return False
    for anchor in _ANCHOR.findall(text):
        words = fold_whitespace(html.unescape(_TAG.sub(" ", anchor))).split()
        if len(words) >= _STORY_IN_LINK_WORDS and words[-1].endswith((".", "!")):
            return False
    before, *after = _ANCHOR.split(text)
    if fold_whitespace(html.unescape(_TAG.sub(" ", before))):
        return False
    for part in after:
        labels, opened, position = [], False, 0
        for tag in [*_TAG.finditer(part), None]:
            piece = fold_whitespace(html.unescape(part[position:tag.start() if tag else len(part)]))
            if piece and not opened and not _SEPARATOR.fullmatch(piece):
                return False  # text of its own after a link, outside any element
            if piece and opened and not _SEPARATOR.fullmatch(piece):
                labels.append(piece)
            if tag is None:
                break
            opened, position = not tag.group().startswith("</"), tag.end()
        if len(labels) > 1 or any(len(label.split()) > LINK_LABEL_WORDS or label.endswith((".", "!", "?"))
                                  for label in labels):
            return False
    return True


def link_list_headline(text: str | None) -> str | None:
    """The headline of the story that HTML made only of links and their outlets' names links to
    (`is_usable_text` reason `link_list`): the text of its first link that says something and is
    no pointer to the rest of a story (_READ_MORE_LINK), with its entities decoded once, its tags
    stripped and its white space folded. Google News RSS writes an item's description so, its
    first link being the item's story: `<a href=...>Nokia wins 5G deal - Reuters</a>&nbsp;&nbsp;
    <font>Reuters</font>` -> 'Nokia wins 5G deal - Reuters'; of a cluster (`<ol><li><a>...`), the
    first story's. None when `text` is no such list, or none of its links has usable text (a lone
    'Read more', a link whose text is its address)."""
    if text is None or not _links_and_labels_only(text):
        return None
    for anchor in _ANCHOR.findall(text):
        if _READ_MORE_LINK.fullmatch(anchor):
            continue
        words = fold_whitespace(strip_tags(decode_entities_once(anchor)))
        if is_usable_text(words).usable:
            return words
    return None


def _not_text_reason(text: str) -> str | None:
    """Why a text field's value, blank or not, is no text to read: `placeholder` (PLACEHOLDERS),
    `spreadsheet_error` (an Excel error value such as #N/A or #VALUE!), `number_only` (digits and
    number punctuation only: '0', '2024', '12:30'; '-5%' keeps its sign and percent and is read),
    `page_notice` (only boilerplate a site serves in place of the article: a paywall, a cookie prompt,
    a bot check, an error page, a pointer to the story elsewhere: `page_notice_family`) or
    `ticker_only` (nothing but cashtags such as $AAPL, and links: the stocks are named, nothing is
    said of them) or `tags_only` (only a site's tag or metadata lines, 'Tags: earnings, banks':
    `is_tag_lines`). Not for a ticker column, where '$AAPL' is the value."""
    folded = fold_whitespace(text)
    if folded.lower() in PLACEHOLDERS:
        return "placeholder"
    if re.match(SPREADSHEET_ERROR, folded):
        return "spreadsheet_error"
    if _NUMBER_ONLY.fullmatch(folded):
        return "number_only"
    if page_notice_family(folded) is not None:
        return "page_notice"
    if is_tag_lines(text):
        return "tags_only"
    if all(_CASHTAG.fullmatch(token) or _LINK.match(token) for token in folded.split()):
        return "ticker_only"
    return None


_NUMBER_ONLY = re.compile(r"[\d\s.,:/+-]+")
_SITE = r"(?:\s+[\w&'-]+(?:[./][\w-]+)*){1,4}"
"""A site or outlet named after 'at', 'on' or 'Photo:' ('Bloomberg.com', 'The Wall Street Journal'):
up to four words, dots only inside a word, so a sentence that follows is never read as its name."""

PAGE_NOTICE_FAMILIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "paywall": ("a paywall notice", (
        r"(?:click\s+here\s+(?:to\s+)?)?(?:subscribe|sign\s+up|register)(?:\s+(?:now|today|here|free))*"
        r"(?:\s+(?:to|for)\s+(?:(?:our|the|a|an|your)\s+)?(?:free\s+|daily\s+|weekly\s+)?(?:newsletters?|updates|"
        r"alerts|(?:full\s+|unlimited\s+)?access|(?:continue\s+)?read(?:ing)?|more|free|\$\s?\d[\d.,]*)\b[^.!?]*)?",
        r"to\s+(?:(?:continue\s+)?read(?:ing)?|access|view|unlock)\b[^.!?]*"
        r"\b(?:subscribe|subscription|sign\s+in|log\s+in|register)\b[^.!?]*",
        r"already\s+(?:a\s+)?(?:subscriber|member|registered)",
        r"(?:log|sign)\s+in(?:\s+(?:here|now))?(?:\s+to\s+(?:continue|read|access|view)\b[^.!?]*)?",
        r"(?:this|the)\s+(?:content|article|story|page)(?:\s+you\s+(?:requested|are\s+trying\s+to\s+(?:access|view)))?"
        r"\s+is\s+(?:only\s+)?(?:available\s+)?(?:exclusively\s+)?(?:for|to)\s+(?:our\s+)?(?:paying\s+|premium\s+|digital\s+)?"
        r"(?:subscribers|members)(?:\s+only)?",
        r"(?:subscribers|members)\s+only",
        r"you(?:'ve|\s+have)\s+(?:reached|used)\s+(?:your|the|all)\b[^.!?]*\bfree\s+(?:articles?|stories)\b[^.!?]*",
    )),
    "consent": ("a cookie or JavaScript prompt", (
        r"(?:please\s+)?(?:enable|turn\s+on|allow)\s+(?:javascript|cookies)(?:\s+(?:and|or)\s+(?:javascript|cookies))?"
        r"(?:\s+(?:to|and|in)\b[^.!?]*)?",
        r"(?:javascript|cookies)\s+(?:is|are)\s+(?:disabled|turned\s+off|blocked|required|not\s+enabled)\b[^.!?]*",
        r"we\s+use\s+cookies(?:\s+(?:and\s+similar\s+technologies\s+)?(?:to|so|on|for)\b[^.!?]*)?",
        r"by\s+(?:continuing|using\s+(?:this|our)\s+(?:site|website))\b[^.!?]*\b(?:accept|agree|consent)\b[^.!?]*",
        r"(?:accept|reject)\s+(?:all\s+)?cookies",
        r"(?:your\s+)?browser\s+(?:is\s+not\s+supported|does\s+not\s+support\b[^.!?]*)",
    )),
    "bot_check": ("a check that the reader is no robot", (
        r"(?:please\s+)?(?:verify|confirm)\s+(?:that\s+)?you(?:'re|\s+are)\s+(?:a\s+)?(?:human|not\s+a\s+(?:robot|bot))",
        r"are\s+you\s+a\s+robot",
        r"checking\s+(?:if\s+the\s+site\s+connection\s+is\s+secure|your\s+browser)\b[^.!?]*",
        r"access\s+(?:denied|to\s+this\s+page\s+has\s+been\s+denied)",
    )),
    "error_page": ("an error page", (
        r"page\s+not\s+found",
        r"(?:error\s+)?40[34](?:\s*[-:]?\s*(?:not\s+found|forbidden|page\s+not\s+found))?",
        r"only\s+available\s+(?:in|on|with)\s+(?:\w+\s+){0,4}(?:plans?|subscriptions?|tiers?)",
    )),
    "pointer": ("a pointer to the story elsewhere", (
        r"click\s+here(?:\s+(?:to|for)\b[^.!?]*)?",
        r"(?:read|see|view)\s+(?:more|the\s+(?:full|whole|complete)\s+(?:story|article|report)|the\s+rest)"
        r"(?:\s+(?:here|at|on)\b(?:" + _SITE + r")?)?",
        r"(?:continue\s+reading|full\s+(?:story|article))(?:\s+(?:here|at|on)\b(?:" + _SITE + r")?)?",
        r"(?:this\s+(?:article|story|post)\s+(?:was\s+)?(?:originally\s+|first\s+)?|originally\s+|first\s+)"
        r"(?:published|appeared|posted)"
        r"\s+(?:on|at|in)" + _SITE,
        r"the\s+post\b[^.!?]*?\bappeared\s+first\s+on" + _SITE,
    )),
    "media": ("a caption for a video or photo", (
        r"watch(?:\s+the)?\s+(?:video|clip)(?:\s+(?:above|below|here))?",
        r"(?:photo|image|picture|video)(?:\s+credit)?\s*:" + _SITE,
    )),
    "filler": ("placeholder filler (lorem ipsum)", (r"lorem\s+ipsum\b.*",)),
}
"""The families of boilerplate a site serves in place of an article, each with the words a
quarantine message names it by and the sentences it is written in (regular expressions matched from
a sentence's start, any case): a paywall ('Subscribe to continue reading. Already a subscriber? Log
in', 'This content is for subscribers only.'), a cookie or JavaScript prompt ('We use cookies to
improve your experience.', 'JavaScript is disabled in your browser.'), a bot check ('Please verify
you are a human', 'Access denied'), an error page or an API plan's notice ('404 Not Found', 'ONLY
AVAILABLE IN PAID PLANS'), a pointer to the story elsewhere ('Click here to read more', 'Read more at
Bloomberg.com', 'This article was originally published on Benzinga.com', 'Continue reading...'), a
caption ('Watch the video above.', 'Photo: Reuters') and filler ('Lorem ipsum dolor sit amet...').
A text is such a notice only when nothing is left once its boilerplate sentences are removed
(`page_notice_family`): a sentence of its own ('Acme said subscribers grew 5%.') makes it text."""

_NOTICE_SENTENCES = {family: re.compile(r"(?:" + "|".join(patterns) + r")(?![\w$])", re.IGNORECASE | re.DOTALL)
                     for family, (_, patterns) in PAGE_NOTICE_FAMILIES.items()}
_NOTICE_SEPARATOR = re.compile(r"[\s.!?…:;,|»›>→\-–—]*")


def page_notice_family(text: str) -> str | None:
    """The family (PAGE_NOTICE_FAMILIES: 'paywall', 'consent', 'bot_check', 'error_page', 'pointer',
    'media', 'filler') of the first boilerplate sentence of `text` when `text` (white space folded)
    consists of such sentences only, the punctuation between them aside; None when any sentence of
    its own is left. 'Subscribe to continue reading. Already a subscriber? Log in' -> 'paywall';
    'Acme said subscribers grew 5%.' -> None."""
    folded = fold_whitespace(text)
    position, families = _NOTICE_SEPARATOR.match(folded).end(), []
    while position < len(folded):
        for family, sentence in _NOTICE_SENTENCES.items():
            if (found := sentence.match(folded, position)) and found.end() > position:
                families.append(family)
                position = _NOTICE_SEPARATOR.match(folded, found.end()).end()
                break
        else:
            return None
    return families[0] if families else None


def page_notice_said(text: str | None) -> str | None:
    """What a text that is only a site's notice (`page_notice_family`) is, in the words a quarantine
    message names it by: 'a paywall notice', 'a cookie or JavaScript prompt', ...; None for text."""
    family = page_notice_family(text) if text is not None else None
    if family is None and text is not None and is_html(text):
        family = page_notice_family(clean_text(text).text)
    return PAGE_NOTICE_FAMILIES[family][0] if family else None


_WIRE_DATELINE = re.compile(
    r"\A(?:[A-Z][A-Z.'/\- ]{1,40}(?:,\s+(?:[A-Z][a-z]{2,8}\.?|[A-Z]{3,9})\s+\d{1,2}(?:,\s+\d{4})?)?\s+)?"
    r"\((?:Reuters|Bloomberg|AP|Associated Press|AFP|Dow Jones|Reuters Breakingviews|IFR)\)\s*(?:--?|–|—)\s*"
    r"|\A[A-Z][A-Z.'/\- ]{1,40},\s+[A-Z][a-z]{2,8}\.?\s+\d{1,2},\s+\d{4}\s+"
    r"/\s*(?:PRNewswire|PR Newswire|Business Wire|GLOBE NEWSWIRE|ACCESSWIRE)\s*/\s*(?:--?|–|—)\s*")
"""A wire service's dateline opening a story, in capitals as the wires write it: 'NEW YORK (Reuters) -',
'LONDON, March 3 (Reuters) -', 'FRANKFURT/PARIS (Reuters) -', '(Bloomberg) --', a press release's
'NEW YORK, March 3, 2024 /PRNewswire/ --'."""

_SENTENCE_START = r"(?:(?<=[.!?…\"”’)])\s+|\s*\n\s*|\A)"
"""Where a sentence starts: after a full stop, question or exclamation mark (a closing quote or
bracket may follow it) and white space, at a line break, or at the start of the text."""
_LAST_SENTENCE = re.compile(r"(?<=[.!?…\"”’)])\s+|\s*\n\s*")
_TRAILING_FOOTER = re.compile(
    _SENTENCE_START + r"(?:"
    r"The post (?:(?![.!?]\s).){1,300}? appeared first on [^.!?]{1,100}\.?"
    r"|\(?(?:(?:Additional )?Reporting|Writing|Editing|Compiled) by [^()]{1,300}?\)?\.?"
    r"|(?:©|\([Cc]\)|Copyright)\s*(?:©\s*)?(?:19|20)\d\d(?:\s*[-–]\s*(?:19|20)\d\d)?,?\s+.{1,80}?"
    r"(?:\.?\s*All [Rr]ights [Rr]eserved\.?)?"
    r"(?:\s*This material may not be published, broadcast, rewritten,? or redistributed\.?)?"
    r"|(?:Continue reading|Read more)\s*(?:\.\.\.|…|»|›|>>|→)?"
    r")\s*\Z")
"""What a site or wire closes a story with, at its very end after a sentence: a WordPress feed's
'The post <title> appeared first on <site>.', a credit line ('Reporting by John Doe; Editing by Jane
Roe', in brackets or not), a copyright footer ('© 2024 Thomson Reuters. All rights reserved.',
'Copyright 2024 Bloomberg L.P.') and a link to the rest left as text ('Continue reading »')."""


_TAG_LABEL = (r"(?:(?:related\s+)?(?:tags?|topics?|keywords?|key\s+words|categor(?:y|ies))|tagged(?:\s+with)?"
              r"|filed\s+under|posted\s+in)")
_TAG_WORD = r"#?(?:[^\s,;|:!?.#·•]|\.(?=[^\s.]))+"
_TAG_ITEM = rf"{_TAG_WORD}(?:[ \t]+{_TAG_WORD}){{0,4}}"
_TAG_LINE = rf"{_TAG_LABEL}[ \t]*:\s*{_TAG_ITEM}(?:(?:[ \t]*[,;|·•][ \t]*|[ \t]+(?=#)){_TAG_ITEM})*[ \t]*\.?"
TAG_LINES = re.compile(rf"{_TAG_LINE}(?:\s+{_TAG_LINE})*\s*", re.IGNORECASE)
"""A site's tag or metadata lines, the whole text (`fullmatch`): a label ('Tags', 'Keywords',
'Categories', 'Filed under', 'Topics', 'Posted in', any case) and a colon, then a list of items of
one to five words each, separated by commas, semicolons, bars, bullets or written as hashtags ('Tags:
earnings, banks, Nordea', 'Topics: #rates #credit'). No prose: a sentence of six words or more after
the colon ('Topics: the bank raised its rates again this year.') or one that merely holds the word
('The bank tags loans as watch-list.') is none."""
_TRAILING_TAGS = re.compile(r"(?:(?<=[.!?…\"”’])\s+|\s*\n\s*)" + rf"(?:{TAG_LINES.pattern})\Z", re.IGNORECASE)
"""Tag lines closing a story (`TAG_LINES`), after a sentence's full stop, question or exclamation
mark (a closing quote may follow it) or on lines of their own; not after a bracket, where a wire's
one-line item ends '( Reporting by Helsinki Newsroom ) Keywords : TECNOMEN-RESULTS' and its words
are the item as labelled (Financial PhraseBank)."""


def is_tag_lines(text: str) -> bool:
    """Whether `text` (white space folded) is only a site's tag or metadata lines (`TAG_LINES`):
    'Tags: earnings, banks, Nordea' -> True; 'Nordea raised its dividend. Tags: banks' -> False (the
    story's sentence is text; `trim_boilerplate` cuts the tags from its end)."""
    return TAG_LINES.fullmatch(text.strip()) is not None


def trim_boilerplate(text: str) -> str:
    """`text` without the boilerplate a site or wire wraps a story in, at its
    start and end only, never inside a sentence: a wire's dateline (_WIRE_DATELINE), then from the
    end, while any is left, a footer or credit line (_TRAILING_FOOTER), a sentence of a site's
    notice (PAGE_NOTICE_FAMILIES: 'Sign up for our newsletter', 'Read more at Bloomberg.com') or
    the site's tag lines ('Tags: earnings, banks', `TAG_LINES`).
    Text made of boilerplate only is returned as it is, for `is_usable_text` to judge.
    'LONDON, July 16 (Reuters) - Acme raised its guidance. Reporting by John Doe; Editing by Jane
    Roe' -> 'Acme raised its guidance.'"""
    trimmed = _WIRE_DATELINE.sub("", text, count=1)
    while True:
        shorter = _TRAILING_FOOTER.sub("", trimmed, count=1)
        if shorter == trimmed:
            last = max((start.end() for start in _LAST_SENTENCE.finditer(trimmed)), default=0)
            is_notice = last and page_notice_family(trimmed[last:]) is not None
            shorter = trimmed[:last].rstrip() if is_notice else _TRAILING_TAGS.sub("", trimmed, count=1)
        if shorter == trimmed or not shorter.strip(" .!?…:;,|-–—"):
            return trimmed if trimmed.strip(" .!?…:;,|-–—") else text
        trimmed = shorter


_CASHTAG = re.compile(r"\$[A-Za-z]{1,6}(?:\.[A-Za-z]{1,2})?[.,;:!?]*")
"""A cashtag token ($AAPL, $BRK.B, '$TSLA,'): a feed body made only of them (and links) names
stocks but says nothing about them."""

_LINK = re.compile(r"(?:https?://|www\.)\S*", re.IGNORECASE)
"""A whitespace-separated token that is a link (a tweet's `https://t.co/...`); text made only of
such tokens has no words to read."""


def is_usable_text(text: str | None) -> Usability:
    """Decide whether a field as delivered carries text a sentiment model can read.

    Not usable, with the reason: `missing` (None), `empty` (""), `whitespace_only`,
    `null_token` ("nan", "NULL", "None", "N/A", ... see NULL_TOKENS), `placeholder` ("[Removed]"),
    `spreadsheet_error` ("#N/A", "#VALUE!"), `number_only` ("0", "2024"), `page_notice` ("Please
    enable cookies.", "Click here to subscribe"), `punctuation_only`
    (a lone dash, an ellipsis, "—", "..."; a lone zero-width or direction mark is whitespace only), `link_only`
    (only URLs), `ticker_only` ("$AAPL $MSFT https://t.co/x"), `tags_only` ("Tags: earnings, banks, Nordea",
    "Keywords: ..."), `markup_only` (nothing left once `clean_text` has
    removed tags, as in "<p></p>"), `link_list` (HTML whose text is links and short labels only, as an
    aggregator writes in place of a story: Google News's `<a href=...>Nokia wins 5G deal</a>
    <font>Reuters</font>`, or a lone 'Read more' link). The reasons of `blank_reason` are applied to the text as
    delivered and then to its cleaned form, so "&nbsp;" is whitespace only and "&mdash;"
    punctuation only.
    """
    if text is None:
        return Usability(False, "missing")
    if text == "":
        return Usability(False, "empty")
    if reason := blank_reason(text) or _not_text_reason(text):
        return Usability(False, reason)
    if _links_and_labels_only(text):
        return Usability(False, "link_list")
    cleaned = clean_text(text)
    if not cleaned.text and cleaned.had_tags:
        return Usability(False, "markup_only")
    if reason := blank_reason(cleaned.text) or _not_text_reason(cleaned.text):
        return Usability(False, reason)
    return Usability(True)
