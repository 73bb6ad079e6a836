"""RSS and Atom news feeds (a feed saved as a file, or a reader's export): the articles as plain
fields, with the line each one opens on, for the feed reader of `news_formats`.

Read with the standard library's expat parser, which honours the file's declared encoding
(UTF-8, UTF-16, ISO-8859-1, US-ASCII) and resolves no external entity. HTML's named entities
(`&nbsp;`, `&eacute;`), which feeds write though XML does not define them, are read as the
characters they name.

RSS 0.9x/2.0 and RSS 1.0 (RDF) articles are `<item>` elements, Atom's are `<entry>`. Each
article's child elements become fields named as written, with a namespace prefix joined by '_'
(`dc:date` -> `dc_date`) and a nested element joined to its parent (`<author><name>` ->
`author_name`); an element given twice (`<category>`) is a list. A `<link>` without text gives its
`href` (Atom). RSS's `content:encoded` and Atom's `content` are the article's full text
(`content`); `description` and `summary` stay beside it, the feed reader's fallback. The feed's
own title (`<channel><title>`, Atom `<feed><title>`) is the source of an article that names none.
"""

from __future__ import annotations

import html.entities
import re
import xml.parsers.expat
from dataclasses import dataclass, field
from pathlib import Path

from risk_assets.lib.ingest.parsed import FileRefused

ITEM_TAGS = frozenset({"item", "entry"})
"""Elements that are one article: RSS `<item>`, Atom `<entry>`."""

FEED_TITLE_PARENTS = frozenset({"channel", "feed"})
"""Elements whose `<title>` names the feed: RSS `<channel>`, Atom `<feed>`."""

RENAMED = {"content:encoded": "content", "content_encoded": "content", "atom:link": "link"}
"""Namespaced names that are a feed field under another name: RSS's full text is `content`."""

_XML_START = re.compile(rb"^(?:\xef\xbb\xbf|\xff\xfe|\xfe\xff)?(?:\s|\x00)*<(?:\x00)?[?!a-zA-Z]")
_HTML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.IGNORECASE | re.DOTALL)


@dataclass
class XmlArticle:
    """One `<item>` / `<entry>`: where it opens (1-based line and column) and its fields."""

    line: int
    column: int
    fields: dict[str, object] = field(default_factory=dict)
    """name -> text, or a list of texts for an element given more than once."""


@dataclass
class XmlFeed:
    """The articles of one RSS or Atom file, and the feed's own title (None when it has none)."""

    kind: str
    """'rss' or 'atom' (from the root element), 'xml' for another root holding items."""
    title: str | None
    articles: list[XmlArticle]


def looks_like_xml(data: bytes) -> bool:
    """Whether the bytes start (after a byte-order mark and white space) with an XML declaration
    or element: '<?xml', '<rss', '<feed', '<rdf:RDF'."""
    return bool(_XML_START.match(data[:512]))


def _name(tag: str) -> str:
    """A field name for an element: `dc:date` -> `dc_date`, `content:encoded` -> `content`."""
    return RENAMED.get(tag.lower(), tag.replace(":", "_"))


def read_feed(path: Path, data: bytes) -> XmlFeed:
    """Parse an RSS or Atom document into its articles.

    Args:
        path: the landed file, for messages.
        data: its bytes (decompressed), in the encoding its XML declaration names.

    Returns:
        XmlFeed: one XmlArticle per `<item>` / `<entry>`, in file order.

    Raises:
        FileRefused: the bytes are not well-formed XML (the message gives line and column, and says
            when the document stops before its elements close: a truncated download); or the
            document holds no `<item>` or `<entry>` and is no RSS or Atom feed either (an HTML page
            or another XML saved in place of the feed).
    """
    if _HTML_START.match(data[:1024]):
        raise FileRefused(f"{path}: an HTML page (a browser's 'Save as'?), not a feed: land the site's RSS or Atom "
                          "feed, or its articles as a feed CSV or JSON")
    parser = xml.parsers.expat.ParserCreate()
    parser.UseForeignDTD(True)  # undefined entities are reported, not fatal: '&nbsp;' is HTML's
    stack: list[str] = []
    texts: list[list[str]] = []
    articles: list[XmlArticle] = []
    current: XmlArticle | None = None
    depth_of_item = -1
    feed_title: list[str | None] = [None]
    root: list[str] = []

    def start(tag: str, attributes: dict[str, str]) -> None:
        nonlocal current, depth_of_item
        if not root:
            root.append(tag.lower())
        stack.append(tag)
        texts.append([])
        if current is None and tag.lower() in ITEM_TAGS:
            current = XmlArticle(parser.CurrentLineNumber, parser.CurrentColumnNumber + 1)
            depth_of_item = len(stack)
        elif current is not None and "href" in attributes and _name(tag) == "link":
            # Atom: <link rel="alternate" href="..."/>; the first alternate (or plain) link is the article's
            if attributes.get("rel", "alternate") == "alternate":
                current.fields.setdefault("link", attributes["href"])

    def end(tag: str) -> None:
        nonlocal current
        text = "".join(texts.pop()).strip()
        stack.pop()
        if current is not None and len(stack) == depth_of_item - 1:  # the article's own end
            articles.append(current)
            current = None
        elif current is not None and text:  # a field: named by the elements from the article down
            name = "_".join(_name(t) for t in [*stack[depth_of_item:], tag])
            existing = current.fields.get(name)
            current.fields[name] = (text if existing is None else
                                    [*existing, text] if isinstance(existing, list) else [existing, text])
        elif current is None and tag.lower() == "title" and stack and stack[-1].lower() in FEED_TITLE_PARENTS:
            feed_title[0] = feed_title[0] or text or None

    def characters(data_text: str) -> None:
        if texts:
            texts[-1].append(data_text)

    def skipped(name: str, is_parameter: int) -> None:
        if texts and not is_parameter and name in html.entities.name2codepoint:
            texts[-1].append(chr(html.entities.name2codepoint[name]))

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.SkippedEntityHandler = skipped
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        code = xml.parsers.expat.ErrorString(exc.code)
        cut = " (the document stops before its elements close: a truncated download?)" if stack else ""
        raise FileRefused(f"{path}: line {exc.lineno} column {exc.offset + 1}: not well-formed XML ({code}){cut}; "
                          "an RSS or Atom feed is read whole") from None
    kind = {"rss": "rss", "rdf:rdf": "rss", "feed": "atom"}.get(root[0] if root else "", "xml")
    if not articles and kind == "xml":
        raise FileRefused(f"{path}: an XML document with root <{root[0] if root else '?'}> and no <item> or <entry>: "
                          "not an RSS or Atom feed")
    return XmlFeed(kind, feed_title[0], articles)
