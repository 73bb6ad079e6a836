"""RSS and Atom news feeds (a feed saved as a file, or a reader's export), and record XML (a
vendor's export, one repeated element per article: `read_records`): the articles as plain fields,
with the line each one opens on, for the feed reader of `news_formats`.

Read with the standard library's expat parser, which honours the file's declared encoding and
resolves no external entity, and refuses entity expansion past its amplification limit (billion
laughs). A multi-byte encoding expat does not know (Shift_JIS, GB2312, Big5, EUC-KR) is decoded
by Python's codec first; a UTF-8 byte-order mark wins over the declaration, and a declared
ISO-8859-1, US-ASCII or windows-1252 is read as UTF-8 where the bytes are UTF-8, else as
windows-1252 (`read_windows_1252_label`); a declared ISO-8859-15 over bytes 0x80-0x9F (C1 controls
in it) as UTF-8 or windows-1252 (`read_c1_label`), noted. HTML's named entities (`&nbsp;`, `&eacute;`), which feeds write though
XML does not define them, are read as the characters they name.

Elements are known by namespace, not by the prefix a file happens to use: Atom written as
`<a:entry>` is Atom, `<c:encoded>` bound to RSS's content module is `content:encoded`. A feed
that uses a prefix it never declares (a common slip: `media:` without its xmlns) is read by the
prefixes as written.

RSS 0.9x/2.0 and RSS 1.0 (RDF) articles are `<item>` elements, Atom's are `<entry>`. Each child
element of an article is a field: its text with the text of everything inside it (Atom's
`type="xhtml"` content, `<b>` inside a description), named by its local name (`title`), or by
`<prefix>:<name>` for a namespaced one, which goes by its local name when the article has no field
of that name (`dc:date` is the `date`, `nasdaq:tickers` the `tickers`; Media RSS's `media:` fields
keep their prefix: a photo's caption is no article text).
An element given twice (`<category>`) is a list. A `<link>` without text gives its `href` (Atom's
alternate link), resolved against the `xml:base` of its element and those around it (RFC 4287,
section 1.3; XML Base): two entries linking `index.html` under different bases are two addresses. RSS's `content:encoded` is the article's full text (`content`); `description` and
`summary` stay beside it, the feed reader's fallback. The feed's own title (`<channel><title>`,
Atom `<feed><title>`) is the source of an article that names none.
"""

from __future__ import annotations

import codecs
import html.entities
import re
import xml.parsers.expat
from collections.abc import Callable
from urllib.parse import urljoin
from dataclasses import dataclass, field
from pathlib import Path

from risk_assets.lib.ingest.parsed import FileRefused

NAMESPACES = {
    "http://www.w3.org/2005/Atom": "",
    "http://purl.org/rss/1.0/": "",
    "http://my.netscape.com/rdf/simple/0.9/": "",
    "http://backend.userland.com/rss2": "",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf",
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://purl.org/dc/terms/": "dcterms",
    "http://search.yahoo.com/mrss/": "media",
}
"""Namespace URI -> the name its elements go by: none for the feed formats' own (Atom, RSS 1.0),
the usual prefix for the modules (content, Dublin Core, Media RSS). Others keep the file's prefix."""

ITEM_TAGS = frozenset({"item", "entry"})
"""Elements that are one article: RSS `<item>`, Atom `<entry>`."""

FEED_TITLE_PARENTS = frozenset({"channel", "feed"})
"""Elements whose `<title>` names the feed: RSS `<channel>`, Atom `<feed>`."""

FEED_ROOTS = {"rss": "rss", "rdf:RDF": "rss", "feed": "atom"}
"""Root element -> feed kind."""

KEEP_PREFIXED = ("media:",)
"""Namespaces whose fields never go by their local name: Media RSS describes the item's media."""

RENAMED = {"content:encoded": "content"}
"""Namespaced names that are a feed field under another name: RSS's full text is `content`."""

INLINE_TAGS = frozenset({"a", "abbr", "b", "cite", "code", "em", "font", "i", "mark", "q", "s", "small", "span",
                         "strong", "sub", "sup", "u"})
"""Elements inside a field whose text runs on with the words around it (`Shares of <b>Nokia</b>
rose`); the start and end of any other element separate words (XHTML paragraphs, an author's
name and e-mail)."""

EXPAT_ENCODINGS = frozenset({"utf-8", "utf-16", "utf-16-le", "utf-16-be", "iso8859-1", "ascii"})
"""Encodings expat reads itself (Python's codec names); single-byte ones Python decodes for it."""

_XML_START = re.compile(rb"^(?:\xef\xbb\xbf|\xff\xfe|\xfe\xff)?(?:\s|\x00)*<(?:\x00)?[?!a-zA-Z]")
_HTML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b",
                         re.IGNORECASE | re.DOTALL)
_DECLARED = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']")
_ERROR_HINTS = {
    xml.parsers.expat.errors.XML_ERROR_NO_ELEMENTS: "the document stops before its elements close: a truncated download?",
    xml.parsers.expat.errors.XML_ERROR_UNCLOSED_TOKEN: "the document stops inside a tag: a truncated download?",
    xml.parsers.expat.errors.XML_ERROR_UNCLOSED_CDATA_SECTION: "the document stops inside a CDATA section: a truncated download?",
    xml.parsers.expat.errors.XML_ERROR_PARTIAL_CHAR: "the document stops inside a character: a truncated download?",
    xml.parsers.expat.errors.XML_ERROR_INVALID_TOKEN: "an unescaped '&' or '<', or bytes not in the declared encoding",
    xml.parsers.expat.errors.XML_ERROR_TAG_MISMATCH: "an element closed by another's end tag",
    xml.parsers.expat.errors.XML_ERROR_AMPLIFICATION_LIMIT_BREACH: "its entities expand past expat's limit: "
                                                                   "an entity-expansion attack, not a feed",
    xml.parsers.expat.errors.XML_ERROR_JUNK_AFTER_DOC_ELEMENT: "text after the document's end: two documents "
                                                               "in one file?",
}
"""Expat error -> what it most likely means in a landed feed."""


ATOM_TEXT_TYPES = {"text": "text/plain", "html": "text/html", "xhtml": "application/xhtml+xml"}
"""Atom's text construct types (RFC 4287, 3.1) as MIME types; `<content type=...>` may give a MIME
type itself."""


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
    """'rss' or 'atom' (from the root element), 'xml' for another root holding items, 'records' for
    record XML (`read_records`)."""
    title: str | None
    articles: list[XmlArticle]
    records_at: str | None = None
    """Where a record XML document's records are ('articles/article'; `read_records`), None in a feed."""
    overruled: str | None = None
    """Why the document was not read in the encoding its declaration names (`read_c1_label`), None
    when it was."""


def looks_like_xml(data: bytes) -> bool:
    """Whether the bytes start (after a byte-order mark and white space) with an XML declaration
    or element: '<?xml', '<rss', '<feed', '<rdf:RDF'."""
    return bool(_XML_START.match(data[:512]))


def read_feed(path: Path, data: bytes,
              holds_article: Callable[[dict[str, object]], bool] | None = None) -> XmlFeed:
    """Parse an RSS or Atom document into its articles; with `holds_article`, any other XML
    document's records (`read_records`), a sitemap's never.

    Args:
        path: the landed file, for messages.
        data: its bytes (decompressed), in the encoding its XML declaration names.
        holds_article: whether a record's fields name an article (`read_records`); None reads
            feeds only.

    Returns:
        XmlFeed: one XmlArticle per `<item>` / `<entry>`, or per record, in file order.

    Raises:
        FileRefused: an HTML page; bytes that are not well-formed XML (the message gives line and
            column and what the error most likely means: a truncated download, an unescaped '&',
            bytes not in the declared encoding, an entity attack); an encoding no codec knows; or
            a document with no `<item>` or `<entry>` that is no RSS or Atom feed either.
    """
    if _HTML_START.match(data[:1024]):
        raise FileRefused(f"{path}: an HTML page (a browser's 'Save as'?), not a feed: land the site's RSS or Atom "
                          "feed, or its articles as a feed CSV or JSON")
    data, overruled = _in_an_encoding_expat_reads(path, data)
    try:
        try:
            feed = _Reader(namespaces=True).read(path, data)
        except _UnboundPrefix:  # `media:content` without its xmlns: read by the prefixes as written
            feed = _Reader(namespaces=False).read(path, data)
    except NotAFeed as refused:
        if holds_article is None or refused.root in NEVER_RECORDS:
            raise
        feed = read_records(path, data, holds_article, str(refused))
    feed.overruled = overruled
    return feed


def _in_an_encoding_expat_reads(path: Path, data: bytes) -> tuple[bytes, str | None]:
    """`data` as is, or with its declaration naming the encoding it is read in (line numbers
    unchanged), and why the declared encoding was overruled (None when it was not):

    - A UTF-8 byte-order mark wins over the declaration (XML 1.0 appendix F): a declared
      ISO-8859-1 after it is rewritten as UTF-8.
    - A declared ISO-8859-1, US-ASCII or windows-1252 over bytes outside ASCII is read by
      `read_windows_1252_label`: as UTF-8 where the bytes are valid UTF-8 (a feed written as UTF-8
      under a wrong declaration, as a misconfigured CMS sends it), else as windows-1252, as the
      WHATWG Encoding Standard maps those labels (a Windows feed's curly quotes and euro sign sit
      at 0x80-0x9F, C1 controls in Latin-1, never text); given back as UTF-8.
    - A declared ISO-8859-15 whose bytes hold 0x80-0x9F, control characters in it and never text,
      is read by `read_c1_label` (as UTF-8 or windows-1252, the encoding it was written in),
      given back as UTF-8 with the reason.
    - A multi-byte encoding expat cannot read (Shift_JIS, GB2312, Big5, EUC-KR) is decoded by
      Python's codec and given back as UTF-8.

    Raises:
        FileRefused: the declared encoding is unknown, or the bytes are not in it.
    """
    declared = _DECLARED.match(data[:512])
    if declared is None:
        return data, None
    name = declared.group(1).decode("ascii")
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        raise FileRefused(f"{path}: line 1: the XML declaration names encoding {name!r}, which no codec knows") from None
    start, end = declared.span(1)  # the declaration is ASCII: its byte offsets are character offsets
    if data[:3] == codecs.BOM_UTF8:  # a BOM wins
        return (data if codec == "utf-8" else data[:start] + b"UTF-8" + data[end:]), None
    if codec in WINDOWS_1252_LABELS and not data.isascii():
        text = read_windows_1252_label(data)
        return (text[:start] + "UTF-8" + text[end:]).encode("utf-8"), None
    if codec in C1_LABELS and (reread := read_c1_label(data)) is not None:
        text, read_as = reread
        at = _C1_BYTE.search(data).start()
        line = data.count(b"\n", 0, at) + 1
        column = at - data.rfind(b"\n", 0, at)
        return (text[:start] + "UTF-8" + text[end:]).encode("utf-8"), (
            f"{path}: the XML declaration names {name}, but byte 0x{data[at]:02x} at line {line} column {column} "
            f"is a control character in {name}, never text: the document was read as {read_as}, the encoding it "
            f"was written in; declare it (<?xml version=\"1.0\" encoding=\"{read_as.lower()}\"?>) at the source")
    if codec in EXPAT_ENCODINGS or _single_byte(codec):
        return data, None
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        raise FileRefused(f"{path}: not {name} at byte offset {exc.start}, as its XML declaration says") from None
    return (text[:start] + "UTF-8" + text[end:]).encode("utf-8"), None


WINDOWS_1252_LABELS = frozenset({"iso8859-1", "ascii", "cp1252"})
"""Python's codec names for the labels the WHATWG Encoding Standard decodes as windows-1252:
ISO-8859-1, US-ASCII and windows-1252, with their aliases (`latin1`, `l1`, `us-ascii`, `ascii`)."""


def read_windows_1252_label(data: bytes) -> str:
    """Bytes labelled ISO-8859-1, US-ASCII or windows-1252 (`WINDOWS_1252_LABELS`) as text: as
    UTF-8 where they are valid UTF-8 (text outside ASCII written as UTF-8 under a wrong label;
    windows-1252 text is almost never valid UTF-8), else as windows-1252 as the WHATWG Encoding
    Standard decodes it (`WINDOWS_1252_C1`: `’` at 0x92, `€` at 0x80; 0xA0-0xFF as in Latin-1)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1").translate(WINDOWS_1252_C1)


C1_LABELS = frozenset({"iso8859-15"})
"""Python's codec names for the labels the WHATWG Encoding Standard decodes as themselves, with
C1 control characters at 0x80-0x9F, whose text Windows writes in windows-1252: ISO-8859-15
(`latin9`, `l9`). Such a label over Windows-1252 bytes (`’` at 0x92, `€` at 0x80) is read by
`read_c1_label`."""

_C1_BYTE = re.compile(rb"[\x80-\x9f]")
_NOT_IN_WINDOWS_1252 = frozenset(b"\x81\x8d\x8f\x90\x9d")
"""The five bytes windows-1252 leaves undefined (C1 controls in the WHATWG Encoding Standard too)."""


def read_c1_label(data: bytes) -> tuple[str, str] | None:
    """Bytes labelled ISO-8859-15 (`C1_LABELS`) that hold 0x80-0x9F, which are C1 control
    characters in that charset and never text, as the text they were written as, and its name:
    ('...', 'UTF-8') when the bytes are valid UTF-8 (whose `’` is E2 80 99), else ('...',
    'Windows-1252') when every such byte is a windows-1252 character (`’` at 0x92, `€` at 0x80: a
    Windows program's text under a Latin-9 label). None when the label reads the bytes with no
    control character, or some byte is none of windows-1252's either: the label's reading, as
    the WHATWG Encoding Standard decodes it, stands."""
    found = set(_C1_BYTE.findall(data))
    if not found:
        return None
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    if any(byte[0] in _NOT_IN_WINDOWS_1252 for byte in found):
        return None
    return data.decode("cp1252"), "Windows-1252"


WINDOWS_1252_C1 = {byte: char for byte in range(0x80, 0xA0)
                 if (char := bytes([byte]).decode("cp1252", errors="ignore"))}
"""windows-1252's characters at 0x80-0x9F (`’` at 0x92, `€` at 0x80); its five undefined bytes stay
the C1 controls of the same number, as the WHATWG Encoding Standard decodes them."""


def _single_byte(codec: str) -> bool:
    """Whether every byte is one character in `codec` (expat reads those through Python)."""
    try:
        return len(bytes(range(256)).decode(codec, errors="replace")) == 256
    except (UnicodeDecodeError, LookupError):
        return False


_OTHER_XML = {
    "newsMessage": " (IPTC NewsML-G2, whose <newsItem>s are read as records when it holds two or more)",
    "urlset": " (a sitemap: it lists pages, not their text)",
    "sitemapindex": " (a sitemap index: it lists sitemaps, not articles)",
}
"""Roots of XML formats that are no feed, with what to say of them in the refusal (by local name)."""

NEVER_RECORDS = frozenset({"urlset", "sitemapindex"})
"""Roots (local names) of XML documents whose repeated elements are no articles: sitemaps list pages."""


_XML_BASE = frozenset({"xml:base", "http://www.w3.org/XML/1998/namespace base"})
"""The xml:base attribute's name as expat gives it, without and with namespace processing (with
namespace prefixes on, its prefix follows: 'http://www.w3.org/XML/1998/namespace base xml')."""


def _joined(base: str, reference: str) -> str:
    """`reference` resolved against `base` (RFC 3986); as written where either is no valid URL
    (`http://[fe80::1/`: urljoin raises)."""
    try:
        return urljoin(base, reference)
    except ValueError:
        return reference


class NotAFeed(FileRefused):
    """A well-formed XML document with no <item> or <entry>: no RSS or Atom feed (the message says
    so, naming its root element, whose local name is `root`)."""

    root: str = "?"


class _UnboundPrefix(Exception):
    """The document uses a namespace prefix it never declares."""


class _Reader:
    """One pass of expat over a feed, gathering its articles (see `read_feed`)."""

    def __init__(self, namespaces: bool):
        self.parser = (xml.parsers.expat.ParserCreate(namespace_separator=" ") if namespaces
                       else xml.parsers.expat.ParserCreate())
        if namespaces:
            self.parser.namespace_prefixes = True
        self.parser.UseForeignDTD(True)  # undefined entities are reported, not fatal: '&nbsp;' is HTML's
        self.stack: list[str] = []
        self.bases: list[str] = []  # each open element's base URI (xml:base), "" for none
        self.articles: list[XmlArticle] = []
        self.current: XmlArticle | None = None
        self.field: str | None = None  # the article's child element being read
        self.text: list[str] = []
        self.title: str | None = None
        self.feed_title: list[str] | None = None
        self.root = "?"
        self.root_tag = "?"  # as expat gives it: 'uri local prefix' with namespaces on
        self.depth = -1  # length of the element stack with the current article on top
        self.named: str | None = None  # the text of a field's `name` or `title` child (Atom author, source)
        self.child_start = 0  # where the text of the field's current child starts in self.text
        self.field_type: str | None = None  # the MIME type the field's `type` attribute gives (ATOM_TEXT_TYPES)
        self.types: dict[str, str | None] = {}  # the article's fields: the type of their first element

    def read(self, path: Path, data: bytes) -> XmlFeed:
        parser = self.parser
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.characters
        parser.SkippedEntityHandler = self.skipped
        try:
            parser.Parse(data, True)
        except xml.parsers.expat.ExpatError as exc:
            if exc.code == xml.parsers.expat.errors.codes[xml.parsers.expat.errors.XML_ERROR_UNBOUND_PREFIX]:
                raise _UnboundPrefix() from None
            message = xml.parsers.expat.errors.messages[exc.code]
            hint = _ERROR_HINTS.get(message, message)
            raise FileRefused(f"{path}: line {exc.lineno} column {exc.offset + 1}: not well-formed XML ({message}): "
                              f"{hint}; an XML news file is read whole") from None
        kind = FEED_ROOTS.get(self.root, "xml")
        if not self.articles and kind == "xml":
            uri, _, local = self.root_tag.partition(" ") if " " in self.root_tag else ("", "", self.root_tag)
            local = local.split(" ")[0]
            written = f'<{local} xmlns="{uri}">' if uri else f"<{local}>"
            known = _OTHER_XML.get(local.rsplit(":", 1)[-1], "")
            refused = NotAFeed(f"{path}: an XML document with root {written} and no <item> or <entry>: "
                               f"not an RSS or Atom feed{known}")
            refused.root = local.rsplit(":", 1)[-1]
            raise refused
        return XmlFeed(kind, self.title, self.articles)

    def _name(self, tag: str) -> str:
        """'uri local prefix' (namespaces on) or 'prefix:local' as written -> the element's name."""
        parts = tag.split(" ")
        if len(parts) == 1:
            return RENAMED.get(tag, tag)
        uri, local = parts[0], parts[1]
        prefix = NAMESPACES.get(uri, parts[2] if len(parts) > 2 else uri.rstrip("/#").rsplit("/", 1)[-1])
        name = f"{prefix}:{local}" if prefix else local
        return RENAMED.get(name, name)

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        name = self._name(tag)
        if not self.stack and self.root == "?":
            self.root, self.root_tag = name, tag
        self.stack.append(name)
        base = next((value for key, value in attributes.items() if " ".join(key.split(" ")[:2]) in _XML_BASE), None)
        parent = self.bases[-1] if self.bases else ""
        self.bases.append(_joined(parent, base) if base is not None else parent)
        if self.current is None and name in ITEM_TAGS:
            self.current = XmlArticle(self.parser.CurrentLineNumber, self.parser.CurrentColumnNumber + 1)
            self.types = {}
            self.depth = len(self.stack)
        elif self.current is not None and len(self.stack) == self.depth + 1:  # a field of the article
            self.field, self.text, self.named = name, [], None
            self.field_type = ATOM_TEXT_TYPES.get(attributes.get("type", ""), attributes.get("type"))
            href = next((value for key, value in attributes.items() if self._name(key) == "href"), None)
            if name == "link" and href and attributes.get("rel", "alternate") == "alternate":
                # Atom: the first alternate (or plain) link, resolved against xml:base (RFC 4287, 1.3)
                self.current.fields.setdefault("link", _joined(self.bases[-1], href) if self.bases[-1] else href)
        elif self.field is not None:
            if len(self.stack) == self.depth + 2:  # a child of the field: where its text starts
                self.child_start = len(self.text)
            if name.rsplit(":", 1)[-1] not in INLINE_TAGS:
                self.text.append(" ")
        elif self.current is None and name == "title" and len(self.stack) >= 2 and self.stack[-2] in FEED_TITLE_PARENTS:
            self.feed_title = []

    def end(self, tag: str) -> None:
        name = self.stack.pop()
        self.bases.pop()
        if self.current is not None and len(self.stack) == self.depth - 1:  # the article's own end
            self._promote_local_names(self.current)
            self.articles.append(self.current)
            self.current = None
        elif self.field is not None and len(self.stack) == self.depth:  # a field's end
            text = self.named or re.sub(r"[ \t]*\n[ \t]*|  +", lambda m: "\n" if "\n" in m.group() else " ",
                                        "".join(self.text)).strip()
            if text and self._alternative(name, text):
                pass
            elif text:
                existing = self.current.fields.get(name)
                self.current.fields[name] = (text if existing is None else
                                             [*existing, text] if isinstance(existing, list) else [existing, text])
                self.types[name] = self.field_type
            self.field = None
        elif self.field is not None and len(self.stack) == self.depth + 1 and name in ("name", "title") \
                and self.named is None and self.field not in ("content", "summary", "description"):
            self.named = "".join(self.text[self.child_start:]).strip() or None  # Atom <author><name>, <source><title>
            self.text.append(" ")
        elif self.field is not None and name.rsplit(":", 1)[-1] not in INLINE_TAGS:
            self.text.append(" ")
        elif self.feed_title is not None and name == "title":
            self.title = self.title or "".join(self.feed_title).strip() or None
            self.feed_title = None

    def _alternative(self, name: str, text: str) -> bool:
        """Keep `text` of an element given again with another type (Atom's `<content type="text">`
        beside `<content type="html">`, or two MIME types) as an alternative representation of the
        same content: the field becomes a list of {'type': MIME type, 'value': text} parts
        (`news_formats.alternative_parts` reads one). False for any other element given again."""
        existing, kind = self.current.fields.get(name), self.field_type
        if kind is None or existing is None:
            return False
        if isinstance(existing, str) and self.types.get(name) not in (None, kind):
            self.current.fields[name] = [{"type": self.types[name], "value": existing}, {"type": kind, "value": text}]
            return True
        if isinstance(existing, list) and existing and all(isinstance(part, dict) for part in existing):
            existing.append({"type": kind, "value": text})
            return True
        return False

    @staticmethod
    def _promote_local_names(article: XmlArticle) -> None:
        """`dc:date` goes by `date`, `nasdaq:tickers` by `tickers`, when the article has no field of
        that name. Media RSS (`media:`) keeps its prefix: its `media:content` and `media:title`
        describe a photo or video, never the article's text."""
        for name in [n for n in article.fields if ":" in n and not n.startswith(KEEP_PREFIXED)]:
            local = name.rsplit(":", 1)[-1]
            if local not in article.fields:
                article.fields[local] = article.fields.pop(name)

    def characters(self, data: str) -> None:
        if self.field is not None:
            self.text.append(data)
        elif self.feed_title is not None:
            self.feed_title.append(data)

    def skipped(self, name: str, is_parameter: int) -> None:
        if not is_parameter and name in html.entities.name2codepoint:
            self.characters(chr(html.entities.name2codepoint[name]))


MARKUP_TAGS = INLINE_TAGS | frozenset({"p", "div", "br", "hr", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6",
                                       "blockquote", "pre", "table", "tr", "td", "th", "thead", "tbody", "dl", "dt",
                                       "dd", "html", "body", "section", "figure", "figcaption", "img"})
"""(X)HTML elements: inside a record's field they are the article's markup, and the field is all
their text (`<body><p>...</p><p>...</p></body>`), never fields of their own."""

_XHTML = "http://www.w3.org/1999/xhtml"
_NAMESPACE_DECLARATION = re.compile(r"^xmlns(?::|$)")


@dataclass
class _Element:
    """One element of a record XML document: its local name, attributes (by local name), where
    its start tag opens (1-based line and column), and its content in document order (text and
    child elements)."""

    name: str
    attributes: dict[str, str]
    line: int
    column: int
    markup: bool = False
    content: list = field(default_factory=list)

    @property
    def children(self) -> list[_Element]:
        return [part for part in self.content if isinstance(part, _Element)]

    def own_text(self) -> str:
        return "".join(part for part in self.content if isinstance(part, str)).strip()

    def text(self) -> str:
        """All the text inside, as a feed field's: inline markup runs on with the words around it,
        any other element separates words, line breaks kept and spaces collapsed."""
        parts: list[str] = []

        def walk(element: _Element) -> None:
            for part in element.content:
                if isinstance(part, str):
                    parts.append(part)
                else:
                    apart = part.name not in INLINE_TAGS
                    parts.append(" " * apart)
                    walk(part)
                    parts.append(" " * apart)

        walk(self)
        return re.sub(r"[ \t]*\n[ \t]*|  +", lambda m: "\n" if "\n" in m.group() else " ", "".join(parts)).strip()


class _TreeBuilder:
    """One pass of expat building `_Element`s with their positions (see `read_records`)."""

    def __init__(self, namespaces: bool):
        self.parser = (xml.parsers.expat.ParserCreate(namespace_separator=" ") if namespaces
                       else xml.parsers.expat.ParserCreate())
        self.parser.UseForeignDTD(True)  # '&nbsp;' is HTML's: reported, read as its character
        self.stack: list[_Element] = []
        self.root: _Element | None = None

    @staticmethod
    def _local(name: str) -> tuple[str, str]:
        """('uri', 'local') with namespaces on, ('', 'local') for 'prefix:local' without."""
        if " " in name:
            uri, _, local = name.partition(" ")
            return uri, local
        return "", name.rsplit(":", 1)[-1]

    def build(self, data: bytes) -> _Element:
        parser = self.parser
        parser.StartElementHandler = self.start
        parser.EndElementHandler = lambda name: self.stack.pop()
        parser.CharacterDataHandler = lambda text: self.stack[-1].content.append(text) if self.stack else None
        parser.SkippedEntityHandler = self.skipped
        parser.Parse(data, True)
        return self.root

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        uri, local = self._local(tag)
        element = _Element(local, {self._local(key)[1]: value for key, value in attributes.items()
                                   if not _NAMESPACE_DECLARATION.match(key)},
                           self.parser.CurrentLineNumber, self.parser.CurrentColumnNumber + 1,
                           markup=uri == _XHTML or (local in MARKUP_TAGS and not attributes.keys() - {"href", "class"}))
        if self.stack:
            self.stack[-1].content.append(element)
        else:
            self.root = element
        self.stack.append(element)

    def skipped(self, name: str, is_parameter: int) -> None:
        if not is_parameter and name in html.entities.name2codepoint and self.stack:
            self.stack[-1].content.append(chr(html.entities.name2codepoint[name]))


def _field_value(element: _Element) -> object:
    """A record's child element as a JSON article's field: its text where it holds no element, or
    only (X)HTML markup, or text between its elements (mixed content); else an object of its
    attributes and child elements (`<source><name>...</name></source>`), as `_record_fields`."""
    children = element.children
    if not children or element.own_text() or all(child.markup for child in children):
        text = element.text()
        return text if text or not element.attributes else dict(element.attributes)
    return _record_fields(element)


def _record_fields(record: _Element) -> dict[str, object]:
    """A record element as a JSON article object: its attributes, then its child elements (one
    given more than once is a list of its values, in file order), each by its local name; text
    written in the record itself, beside no child element of that name, is its `text`."""
    values: dict[str, list[object]] = {name: [value] for name, value in record.attributes.items()}
    for child in record.children:
        values.setdefault(child.name, []).append(_field_value(child))
    fields = {name: found[0] if len(found) == 1 else found for name, found in values.items()}
    if record.own_text() and "text" not in fields:
        fields["text"] = record.text()
    return fields


def _record_groups(root: _Element) -> list[tuple[int, str, list[_Element]]]:
    """Each run of sibling elements that share a name, two or more, and hold fields (child
    elements or attributes, not markup): (depth of their parent, '/'-joined path, the elements),
    shallowest first, then largest."""
    groups = []

    def walk(element: _Element, depth: int, path: str) -> None:
        by_name: dict[str, list[_Element]] = {}
        for child in element.children:
            if not child.markup and (child.children or child.attributes):
                by_name.setdefault(child.name, []).append(child)
        for name, members in by_name.items():
            if len(members) >= 2:
                groups.append((depth, f"{path}/{name}", members))
        for child in element.children:
            if not child.markup:
                walk(child, depth + 1, f"{path}/{child.name}")

    walk(root, 0, root.name)
    return sorted(groups, key=lambda group: (group[0], -len(group[2])))


RECORDS_WANTED = ("repeated sibling elements, one per article (<articles><article>...</article><article>..."
                  "</article></articles>), each with its fields as child elements or attributes: a headline or "
                  "body, an id and a publication time")
"""What the lake looks for in an XML document that is no RSS or Atom feed, said in its refusal."""


def read_records(path: Path, data: bytes, holds_article: Callable[[dict[str, object]], bool],
                 no_feed: str = "") -> XmlFeed:
    """Read a well-formed XML document that is no RSS or Atom feed as records: a vendor's or an
    export's record XML (`<articles><article id="...">` with `<headline>`, `<body>`, `<published>`
    children, or its fields as attributes, in a namespace or none, nested as NewsML-ish exports
    nest them). The records are the repeated sibling elements (two or more of one name under one
    parent, each with child elements or attributes) whose fields `holds_article` accepts, the
    shallowest and then the most numerous such run; where no run is accepted, the shallowest and
    most numerous run of all (the feed reader then names its fields). Each record's fields are its
    attributes and child elements by local name (`_record_fields`): a JSON article object for the
    feed reader, which reads them as it reads JSON.

    Args:
        path: the landed file, for messages.
        data: its bytes, in an encoding expat reads (`_in_an_encoding_expat_reads`).
        holds_article: whether a record's fields name an article (a headline or body).
        no_feed: why the document is no RSS or Atom feed (`NotAFeed`), to open the refusal.

    Returns:
        XmlFeed: kind 'records', no title, one XmlArticle per record (its line and column where
        its start tag opens) whose fields are the record's, possibly nested, in file order.

    Raises:
        NotAFeed: no run of repeated elements holding fields (the message names the root and
            `RECORDS_WANTED`).
    """
    try:
        root = _TreeBuilder(namespaces=True).build(data)
    except xml.parsers.expat.ExpatError:  # a prefix the document never declares: read as written
        root = _TreeBuilder(namespaces=False).build(data)
    groups = _record_groups(root)
    chosen = next((group for group in groups if any(holds_article(_record_fields(e)) for e in group[2][:20])),
                  groups[0] if groups else None)
    if chosen is None:
        refused = NotAFeed(f"{no_feed or f'{path}: an XML document with root <{root.name}>'}, and no records "
                           f"to read in its place: the lake looks for {RECORDS_WANTED}")
        refused.root = root.name
        raise refused
    return XmlFeed("records", None, [XmlArticle(e.line, e.column, _record_fields(e)) for e in chosen[2]],
                   records_at=chosen[1])
