"""News file formats: detection by content and text-first parsing into the columns of raw.news.

Formats (detected from the bytes, never from the file name; gzip is opened transparently):

- `phrasebank_txt`: the Financial PhraseBank vendor text, one `sentence@label` per line, UTF-8
  with a byte-order mark, CRLF line ends (Malo et al., 2014).
- `phrasebank_csv`: its CSV re-export, header `Y,Notices`, one `label,sentence` per physical line.
- `news_feed_csv`: an article feed with a header naming a headline and/or a body, and optionally
  an id, a publication time, source, ticker and label (FEED_ALIASES lists the accepted names).
- `news_feed_json` / `news_feed_jsonl`: the same articles as a news API's JSON response (a list of
  article objects, or an object holding one) or as JSON Lines, one object per line.
- `news_feed_rss` / `news_feed_atom`: the same articles as an RSS or Atom feed (`news_xml`).
- `news_feed_xml`: the same articles as record XML, one repeated element per article (`news_xml.read_records`).
- `news_mail`: newsletters received by e-mail, a mailbox (mbox) or one message (`.eml`), each
  message an article, parsed from its own bytes in the charsets its parts declare.

Every record after the header (one physical line; in a feed, a quoted field with line breaks makes
a record of several) is loaded or quarantined with its rule, and every blank line is counted as a
non-data line; `ParsedFile.reconcile` proves it.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import calendar
import codecs
import contextvars
import csv
import decimal
import difflib
import functools
import gzip
import hashlib
import io
import json
import re
import unicodedata
import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote_plus, urlsplit

import polars as pl

from risk_assets.lib.ingest import box_tables, csv_text, news_xml
from risk_assets.lib.ingest.folders import MONTH_NAMES
from risk_assets.lib.ingest.loan_formats import (
    BUILTIN_TAPE_NAMES,
    LENDINGCLUB_SIGNATURE,
    LOAN_TAPE_TERMS,
    NOTE_TEXT,
    SBA_SIGNATURE,
)
from risk_assets.lib.ingest.parsed import QUARANTINE_COLUMNS, FileRefused, ParsedFile, RepeatedArticle
from risk_assets.lib.schema import ENGLISH, NEWS_COLUMNS
from risk_assets.lib.text import (
    NULL_TOKENS,
    blank_reason,
    clean_text,
    is_usable_text,
    link_list_headline,
    page_notice_said,
    read_line_breaks,
)

if TYPE_CHECKING:
    from email.message import EmailMessage

LABELS = frozenset({"negative", "neutral", "positive"})
"""Sentiment labels of raw.news (Financial PhraseBank's three classes)."""
LABEL_SHORT_FORMS = {"neg": "negative", "neu": "neutral", "pos": "positive"}
"""Short forms read as LABELS without settings. Class codes (`1`/`0`/`-1`, `0`/`1`/`2`) are not:
datasets number the classes differently (0 is negative in some, neutral in others), and market
words (`bullish`/`bearish`) are not credit sentiment; they are declared in news settings
(`label_map`)."""
LABEL_TRANSLATIONS = {
    **dict.fromkeys(("negativo", "negativa", "negativ", "negatief", "négatif", "negatif", "négative"), "negative"),
    **dict.fromkeys(("neutro", "neutra", "neutrale", "neutraal", "neutre"), "neutral"),
    **dict.fromkeys(("positivo", "positiva", "positiv", "positief", "positif"), "positive"),
}
"""The three labels in the languages whose headers a feed may use (Spanish, Portuguese and Italian
`negativo`/`neutro`/`positivo` and their feminine forms, Spanish `neutral`, Italian `neutrale`,
German `negativ`/`neutral`/`positiv`, Dutch `negatief`/`neutraal`/`positief`, French
`négatif`/`neutre`/`positif`, with or without the accent): read as LABELS without settings, as a
`Sentimiento` or `Stimmung` column holds them."""
LABEL_MAP_HINT = ("declare what each means in the news settings key 'label_map' "
                  '(e.g. {"label_map": {"1": "positive", "0": "neutral", "-1": "negative", "mixed": null}}; '
                  "null: not a sentiment label; README, 'News files')")


_INVISIBLE_REMOVED = str.maketrans("", "", csv_text.INVISIBLE_CHARACTER)


def label_key(raw: str) -> str:
    """A label as labels are compared: lowercased, without invisible characters
    (`csv_text.INVISIBLE_CHARACTER`: a zero-width space or bidirectional mark pasted with it) or
    surrounding white space, inner runs of white space as one space (`' Positive\u200b'` -> `'positive'`)."""
    return " ".join(raw.translate(_INVISIBLE_REMOVED).split()).lower()


_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.0*)?")


def label_number(key: str) -> int | None:
    """The whole number a label (its `label_key`) writes, or None: a class code as pandas and
    spreadsheets also write it ('+1', '1.0', '-1.0', '01' -> 1, -1, 1; a column of ints with a missing
    value is saved as floats). A fraction ('0.83', a score; '1.5') or any other text is None: only
    the same whole number is the same class code."""
    return int(key.split(".")[0]) if _WHOLE_NUMBER.fullmatch(key) else None


_POLARS_TYPES = {"VARCHAR": pl.Utf8, "TIMESTAMP": pl.Datetime("us"), "BOOLEAN": pl.Boolean}
ROWS_SCHEMA: dict[str, pl.DataType] = {
    **{c.name: _POLARS_TYPES[c.sql_type] for c in NEWS_COLUMNS},
    "_source_line": pl.Int64,
}
"""Columns of `ParsedFile.rows` for news: NEWS_COLUMNS plus the physical line."""

_BOM = "\ufeff"
_CONTROL = re.compile(csv_text.CONTROL_CHARACTER)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
"""A UTF-16 surrogate code point left in a Python string: JSON's `\\ud800` escape without its pair
(a decoder joins a whole pair, `\\ud83d\\ude00`, into its one character), or a byte that was not
UTF-8 kept by `errors='surrogateescape'`. No text holds one, and UTF-8 cannot store it."""


def surrogate_said(text: str) -> str:
    """What a quarantine message says of a value holding lone surrogates (`_LONE_SURROGATE`), each
    once in the order written, by code point and as JSON escapes it: 'holds lone surrogate U+D800
    (`\\ud800`: half of a UTF-16 surrogate pair without its other half, no character: an emoji or
    other character cut in two by the exporter)'. A low surrogate U+DC80 to U+DCFF may also be
    a byte that was not UTF-8 (0x80 to 0xFF), and the message says so."""
    found = list(dict.fromkeys(_LONE_SURROGATE.findall(text)))
    named = ", ".join(f"U+{ord(c):04X} (`\\u{ord(c):04x}`)" for c in found)
    plural = "s" if len(found) > 1 else ""
    byte = (" (or a byte that was not UTF-8, as Python keeps one)" if any(0xDC80 <= ord(c) <= 0xDCFF for c in found)
            else "")
    return (f"holds lone surrogate{plural} {named}: half of a UTF-16 surrogate pair without its other half"
            f"{byte}, which is no character (an emoji or other character cut in two by the exporter?)")


def _storable(text: str | None) -> str | None:
    """`text` as UTF-8 can store it: each lone surrogate written as its escape (`\\ud800`), so a
    quarantine entry keeps what the file wrote; other text unchanged, None stays None."""
    return text if text is None or not _LONE_SURROGATE.search(text) else \
        text.encode("utf-8", "backslashreplace").decode("utf-8")


URL_ID = re.compile(r"(?i)\s*(?:https?://|www\.)[^\s/?#]")
"""An article id that is a web address: `http://` or `https://` (any case) or a bare `www.` host."""
TRACKING_PARAMETERS = frozenset({"fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
                                 "igshid", "mc_cid", "mc_eid", "_hsenc", "_hsmi", "mkt_tok"})
"""Query parameters that say who clicked or which campaign sent the reader, not which article
(with every `utm_*`): Facebook, Google Ads, Microsoft Ads, Yandex, X, Instagram, Mailchimp,
HubSpot and Marketo click ids. A URL id's key leaves them out."""
AMP_PARAMETERS = frozenset({"amp", "usqp"})
"""Query parameters that ask for a page's AMP rendering (`?amp`, `?amp=1`) or that Google's AMP
cache adds (`usqp`, with every `amp_*`: `amp_js_v`, `amp_gsa`), not which article. A URL id's key
leaves them out."""
_EDITION_LABEL = re.compile(r"^(?:www\.)?(?:(m|mobile|amp)\.)?")
"""The first host labels a URL id's key may set aside: `www.`, then at most one of the mobile and
AMP editions' `m.`, `mobile.` and `amp.` (`_edition_host` says when)."""
GENERIC_SECOND_LEVEL = frozenset({"com", "co", "net", "org", "gov", "edu", "ac", "ne", "or"})
"""Second-level labels under which country registries sell names (`com.au`, `co.uk`, `ac.jp`,
`or.jp`, `ne.jp`): a two-label name that starts with one of them is taken for a public suffix, not
a registrable domain (no public-suffix list is consulted)."""
_AMP_SEGMENT = re.compile(r"^/amp(?=/[^/])")
"""A first path segment `amp` with another after it (`/amp/story`): the AMP rendering of the path
without it. A last segment `amp` is set aside in `url_key` only after two others (`_AMP_LAST`)."""
_AMP_LAST = re.compile(r"(?:/[^/]+){2}(/amp)$")
"""A path whose last segment is `amp` after at least two others (`/business/2024/story/amp`, group
1): an AMP rendering; `/financial-services/amp` may be a topic page named for a ticker (AMP Ltd),
another page than `/financial-services`, and stays."""


def _edition_host(host: str) -> str:
    """A lower-case host without a first label `www.` and then without one label `m.`, `mobile.` or
    `amp.` when a registrable domain remains (`www.m.wsj.com` and `m.wsj.com` are `wsj.com`). What
    remains is registrable when it has two labels or more and is not a public suffix, which is told
    by a rule: a two-label name whose first label is a generic second level (`GENERIC_SECOND_LEVEL`)
    is one. So `amp.com.au`, `www.amp.com.au` (AMP Ltd) and `m.co.uk` keep their label, and `m.co`
    (one label would remain) keeps its `m.`."""
    found = _EDITION_LABEL.match(host)
    rest = host[found.end():]
    labels = rest.split(".")
    if found.group(1) and (len(labels) < 2 or (len(labels) == 2 and labels[0] in GENERIC_SECOND_LEVEL)):
        return host[found.start(1):]  # the label is the domain's own name: only `www.` is set aside
    return rest


_AMP_CACHE_HOST = ".cdn.ampproject.org"
_AMP_CACHE_PATH = re.compile(r"/[cvi]/(s/)?([A-Za-z0-9.-]+(?::[0-9]+)?(?:/.*)?)", re.S)
"""The path of a page in Google's AMP cache (`https://www-ft-com.cdn.ampproject.org/c/s/www.ft.com/
content/x`): `/c/` (a page), `/v/` (the viewer) or `/i/` (an image), `s/` for an https origin,
then the origin's host and path as written."""
_KEPT_FRAGMENT = ("!", "/")
"""A fragment that is a route (`#!/story/7`, `#/story/7`: single-page sites) names the article and
stays in the key; any other (`#comments`) is a place on the page and is dropped."""


def url_key(doc_id: str, *, cached: bool = True) -> str | None:
    """The canonical form of an article id that is a URL (`URL_ID`), else None (an id that is no URL
    keeps its exact text as its key).

    Two spellings of one address have the same key: the scheme is dropped (`http` = `https`), the
    host lower-cased without a trailing dot, a first label `www.` and then one label `m.`,
    `mobile.` or `amp.` where a registrable domain remains (`_edition_host`: a publisher's mobile
    and AMP editions serve its articles at the same paths; `amp.com.au` stays, AMP Ltd's own site),
    the port kept unless it is 80 or 443, user info and a fragment dropped (a route fragment,
    `#!/...` or `#/...`, is kept), tracking and AMP parameters (`utm_*`, `TRACKING_PARAMETERS`,
    `amp_*`, `AMP_PARAMETERS`, in any case; an HTML-escaped `&amp;` separates like `&`) dropped
    while the other parameters stay as written and in their order, percent escapes upper-cased,
    and the path's trailing slashes, a first segment `amp` before another (`/amp/story`) and a last
    segment `amp` after two others or more (`/business/2024/story/amp`; `/financial-services/amp`,
    perhaps a topic page for the ticker AMP, stays) dropped. A page in Google's AMP cache (`https://www-ft-com.cdn.ampproject.org/c/s/www.ft.com/x`)
    has the key of the address it caches (`https://www.ft.com/x`). Other subdomains
    (`uk.finance.yahoo.com`) and other domains (`bbc.co.uk`, `bbc.com`) stay apart: no rule tells
    an edition of the same article from another article. The path keeps its case (servers tell
    `/Story` from `/story`). Percent escapes are normalised as RFC 3986 section 6.2.2 says: written
    in upper case, and an escaped unreserved character (`%7E`, `%41`) written as itself; a
    character outside ASCII (an IRI's `wärtsilä`, as a browser's address bar shows it) is written
    as the percent escapes of its UTF-8 bytes (RFC 3987 section 3.1), as a server receives it.
    Returns e.g. 'url:news.example.com/markets/story-4?id=7' for
    'HTTP://www.News.Example.com:80/markets/story-4/?utm_source=rss&id=7#comments'.
    With `cached=False` a page in the AMP cache keeps its own key: the address a cache page names
    is followed once, not again where it is itself a cache page (as `landing._url_coarse_sql`
    reads it).
    """
    if not URL_ID.match(doc_id):
        return None
    text = doc_id.strip()
    if text[:4].lower() == "www.":
        text = "//" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:  # a malformed port or IPv6 host: not an address to compare by its parts
        return None
    host = (parts.hostname or "").rstrip(".")
    if cached and host.endswith(_AMP_CACHE_HOST) and (page := _AMP_CACHE_PATH.fullmatch(parts.path)):
        origin = ("https://" if page.group(1) else "http://") + page.group(2) \
            + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")
        if key := url_key(origin, cached=False):
            return key
    host = _edition_host(host)
    if not host:
        return None
    if port not in (None, 80, 443):
        host = f"{host}:{port}"
    path = _AMP_SEGMENT.sub("", _percent_normal(parts.path).rstrip("/"))
    if last := _AMP_LAST.search(path):
        path = path[:last.start(1)]
    path = path.rstrip("/")
    kept = [_percent_normal(pair) for pair in parts.query.replace("&amp;", "&").split("&")
            if pair and not _tracking_parameter(pair.split("=", 1)[0])]
    query = "?" + "&".join(kept) if kept else ""
    fragment = "#" + parts.fragment if parts.fragment.startswith(_KEPT_FRAGMENT) else ""
    return f"url:{host}{path}{query}{fragment}"


_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
"""RFC 3986 section 2.3: characters a URI never needs to escape; `%41` and `A` are one address."""


def _percent_normal(text: str) -> str:
    """A URL's path or query parameter with its percent escapes in one form (see `url_key`):
    `w%c3%a4rtsil%C3%A4` and `wärtsilä` -> `w%C3%A4rtsil%C3%A4`, `%7Euser` -> `~user`."""
    encoded = "".join(c if c.isascii() else "".join(f"%{b:02X}" for b in c.encode("utf-8", "surrogatepass"))
                      for c in text)

    def one(escape: re.Match[str]) -> str:
        char = chr(int(escape.group()[1:], 16))
        return char if char in _UNRESERVED else escape.group().upper()

    return re.sub(r"%[0-9a-fA-F]{2}", one, encoded)


SAME_URL = ("the same address written another way: scheme, host case, www., mobile or AMP edition, default port, "
            "fragment, percent escapes, tracking parameters and trailing slash aside")
"""How a duplicate's message says that its id is the loaded copy's URL written another way."""


def repeat_message(repeat: RepeatedArticle, kept: tuple[str, str, str] | None = None,
                   first_quarantined: str | None = None) -> str:
    """The `duplicate_doc_id` message of an article id repeated within its file.

    Without `kept`, as the reader writes it, naming the line it repeats and how the two copies
    compare: `<where>: article id '42' is already on line 2 (same text: a repeat)`, `(same text,
    different label: negative here, positive kept)` or `(different text: the first version is
    kept)`. `kept` is (file, place: `line 7` or `article 7`, article id) of the copy the lake already holds where the file's
    first copy is itself quarantined as a copy of it: the message then names that copy and still
    compares the repeat with the line it repeats: `<where>: article id '42' is already loaded from
    <file> line 7, the copy kept; line 2 of this file, which it repeats (same text and label), is
    quarantined as that copy's duplicate too`. `first_quarantined` is the rule a step after the
    reader quarantined the first copy under (`ambiguous_local_time`), where the lake keeps no
    copy: `<where>: article id '42' is already on line 2 (same text and label), which is
    quarantined too (ambiguous_local_time): the lake keeps no copy of this article; correct line 2
    as its message says and land the file again`. Each names an id written another way (the same
    URL, `url_key`) as such, and a JSON response's article by its number (`article 2`,
    `RepeatedArticle.numbered`)."""
    here, there = repeat.label or "none", repeat.first_label or "none"
    written = "" if repeat.first_id == repeat.doc_id else f" as {repeat.first_id!r} ({SAME_URL})"
    first = repeat.first_place
    if kept is None and first_quarantined is None:
        verdict = ("different text: the first version is kept" if not repeat.same_text
                   else f"same text, different label: {here} here, {there} kept" if repeat.label != repeat.first_label
                   else "same text: a repeat")
        return f"{repeat.where}: article id {repeat.doc_id!r} is already on {first}{written} ({verdict})"
    verdict = ("different text" if not repeat.same_text
               else f"same text, different label: {here} here, {there} on {first}"
               if repeat.label != repeat.first_label else "same text and label")
    if kept is None:
        return (f"{repeat.where}: article id {repeat.doc_id!r} is already on {first}{written} ({verdict}), which is "
                f"quarantined too ({first_quarantined}): the lake keeps no copy of this article; correct {first} "
                "as its message says and land the file again")
    kept_file, kept_place, kept_id = kept
    loaded_as = "" if kept_id == repeat.doc_id else f" as {kept_id} ({SAME_URL})"
    return (f"{repeat.where}: article id {repeat.doc_id!r} is already loaded from {kept_file} {kept_place}"
            f"{loaded_as}, the copy kept; {first} of this file, which it repeats{written} "
            f"({verdict}), is quarantined as that copy's duplicate too")


def repeats_of_quarantined_copies(parsed: ParsedFile, first_quarantined: Mapping[int, str]) -> pl.DataFrame:
    """`parsed.quarantine` with the `duplicate_doc_id` messages of the file's repeated ids
    (`parsed.repeats`) whose first copy a step after the reader quarantined
    (`first_quarantined`: the first copy's line -> the rule) written again to say so
    (`repeat_message`): 'already on line 2' alone would point at a line that loads nothing.
    Shape: as `parsed.quarantine`."""
    return with_repeat_messages(parsed.quarantine, {
        line: repeat_message(repeat, first_quarantined=first_quarantined[repeat.first_line])
        for line, repeat in parsed.repeats.items() if repeat.first_line in first_quarantined})


def with_repeat_messages(quarantine: pl.DataFrame, rewritten: Mapping[int, str]) -> pl.DataFrame:
    """`quarantine` with the message of each `duplicate_doc_id` row on a line of `rewritten` (line ->
    message) replaced by that message; the same frame when `rewritten` is empty. Shape: as `quarantine`."""
    if not rewritten:
        return quarantine
    messages = [rewritten.get(line, message) if rule == "duplicate_doc_id" else message
                for line, rule, message in quarantine.select("line", "rule", "message").iter_rows()]
    return quarantine.with_columns(pl.Series("message", messages, dtype=pl.Utf8))


def _tracking_parameter(name: str) -> bool:
    """Whether a query parameter's name (as written, percent-escaped or not) is a tracking or AMP one."""
    plain = unquote_plus(name).strip().lower()
    return plain.startswith(("utm_", "amp_")) or plain in TRACKING_PARAMETERS or plain in AMP_PARAMETERS


_READER_ID = re.compile(r"content:[0-9a-f]{16}|[0-9a-f]{16}:[0-9]+")
"""Ids the reader makes, not the source: `content:<sha256[:16]>` (`_content_id`) and
`<file sha256[:16]>:<line>` (a feed without an id column, the PhraseBank)."""
FILE_SOURCE = "file:"
"""How the source of an article that names none starts (`_source`: `file:<file name>`)."""


def source_keyed_id(doc_id: str, source: str | None) -> str:
    """An article id as raw.news keys it: `<source>:<id>` for an id the source wrote itself (a CMS
    or database id, `'1'` -> `'ACME Wire:1'`) on a record that names its source, since such an id
    is unique within its source only (two publishers' CMS both number from 1); else the id as it
    is: a URL (unique everywhere, and compared by `url_key`), an id the reader made
    (`_READER_ID`), an id already keyed by this source, or any id of a record without a source
    (None, or `file:<name>`: a file's name is no publisher, and the next delivery has another).
    The same feed delivered again names the same source, so its ids key the same way; the source
    keys in its folded spelling (`source_key`: 'Reuters', 'REUTERS' and 'reuters ' are one
    publisher), so a delivery that spells it otherwise still meets its articles.
    `REKEY_BY_SOURCE_SQL` and `SOURCE_KEY_SQL` are the same rule in SQL."""
    if source is None or source.startswith(FILE_SOURCE) or not doc_id or URL_ID.match(doc_id) \
            or _READER_ID.fullmatch(doc_id):
        return doc_id
    prefix = f"{source_key(source)}:"
    return doc_id if doc_id.startswith(prefix) else prefix + doc_id


def source_key(source: str) -> str:
    """A source as an article id is keyed by it: trimmed, runs of blanks as one space, lower case."""
    return re.sub(r"[\t\n\f\r ]+", " ", source.strip(" \t\n\f\r")).lower()


SOURCE_KEY_SQL = r"lower(regexp_replace(trim(source, ' ' || chr(9) || chr(10) || chr(12) || chr(13)), '[\t\n\f\r ]+', ' ', 'g'))"
"""`source_key` of a raw.news row's source (DuckDB SQL)."""


REKEY_BY_SOURCE_SQL = (
    f"source IS NOT NULL AND NOT starts_with(source, '{FILE_SOURCE}') AND doc_id <> '' "
    f"AND NOT starts_with(doc_id, {SOURCE_KEY_SQL} || ':') "
    r"AND NOT regexp_matches(doc_id, '^\s*(?i:https?://|www\.)[^\s/?#]') "
    f"AND NOT regexp_full_match(doc_id, '{_READER_ID.pattern}')")
"""The raw.news rows whose doc_id `source_keyed_id` would key by their source (DuckDB SQL): rows
loaded before ids were keyed by source (`lake.rekey_news_ids_by_source`)."""


def doc_key(doc_id: str) -> str:
    """What an article id is compared by to find a repeated article: `url_key` for a URL, else the
    id itself."""
    return url_key(doc_id) or doc_id


@dataclass
class _Collector:
    """Rows and quarantine entries gathered while a file is read, turned into a ParsedFile."""

    format: str
    rows: list[dict[str, object]] = field(default_factory=list)
    quarantine: list[dict[str, object]] = field(default_factory=list)
    data_records: int = 0
    non_data_lines: list[tuple[int, str]] = field(default_factory=list)
    non_data_text: dict[int, str] = field(default_factory=dict)
    """line -> text of the non-data lines whose text is kept (`ParsedFile.non_data_text`)."""
    notes: dict[str, object] = field(default_factory=dict)
    line_notes: dict[str, list[int]] = field(default_factory=dict)
    counted_lines: dict[str, list[tuple[int, str | tuple[str, ...]]]] = field(default_factory=dict)  # note -> (line, key) of each count
    first_line_of: dict[str, int] = field(default_factory=dict)
    """`doc_key` of a doc_id -> line of its loaded row (feeds: a repeated id, or the same URL written
    another way, is quarantined)."""
    row_of: dict[str, int] = field(default_factory=dict)
    """`doc_key` of a doc_id -> index of its loaded row in `rows`."""
    repeats: dict[int, RepeatedArticle] = field(default_factory=dict)
    """line -> the facts of an article id quarantined as repeated within the file (`ParsedFile.repeats`)."""
    numbered: str = "line"
    """What the records' numbers count: 'line', or 'article' (`ARTICLE_NUMBERS`)."""
    places: dict[int, str] = field(default_factory=dict)
    """Record number -> its place as messages name it, where records are numbered by article
    (`ParsedFile.places`)."""
    label_map: Mapping[str, str | None] = field(default_factory=dict)
    """Declared labels (news settings `label_map`): `label_key` of a source label -> label or None."""
    date_order: DateOrderEvidence | None = None
    """What the file's publication-time column says of its day/month order (`settle_date_order`),
    read before its records: None where nothing needs telling."""

    def settle_date_order(self, stamps: Iterable[tuple[int, str]]) -> None:
        """Weigh the publication times of all the file's records (`stamps`: (line, value as
        written) pairs, lines as the records' quarantine names them) for the order of their day and
        month (`date_order_evidence`), before any record is read: a value whose day and month could
        be swapped is then read in the order the others show. Notes, where any value could be
        swapped, notes['published_at_date_order'], the order taken and its evidence ('day first: 3
        values read only so (lines 2, 5, 9), none only month first'), or 'both orders: ...' where
        such values stay quarantined; the lines read in the order taken are noted in
        notes['published_at_date_order_lines']."""
        self.date_order = date_order_evidence(stamps)
        if self.date_order is None:
            return
        kept = "" if self.date_order.order else "; the values whose day and month could be swapped are quarantined"
        self.notes["published_at_date_order"] = self.date_order.said() + kept

    def declared_key(self, key: str) -> str | None:
        """The `label_map` key a label (its `label_key`) stands for: itself, else the declared key
        that writes the same whole number (`label_number`: '+1' and '1.0' are a declared '1');
        None when it is not declared."""
        if key in self.label_map:
            return key
        number = label_number(key)
        return next((declared for declared in self.label_map
                     if number is not None and label_number(declared) == number), None)

    def read_label(self, raw: str, line: int) -> tuple[str | None, bool]:
        """The label a source label (`raw`, read on `line`) stands for, and whether it is recognised: the declared
        `label_map` first (a class code by its number too, `declared_key`; counted per source label
        in notes['label_mapped'], or, mapped to null, in notes['label_declared_unlabelled']), then
        LABELS, LABEL_SHORT_FORMS (the short forms counted in notes['label_short_forms']) and
        LABEL_TRANSLATIONS (counted in notes['label_translated']), compared by `label_key`. An
        unrecognised label gives (None, False) and is not noted here: the caller says what happens
        to its record. Each count keeps its line, so that a record quarantined later leaves it
        (`loaded_rows_noted`)."""
        key = label_key(raw)
        if (declared := self.declared_key(key)) is not None:
            target = self.label_map[declared]
            self._count("label_mapped" if target is not None else "label_declared_unlabelled", key, line)
            return target, True
        if key in LABELS:
            return key, True
        if key in LABEL_SHORT_FORMS:
            self._count("label_short_forms", key, line)
            return LABEL_SHORT_FORMS[key], True
        if key in LABEL_TRANSLATIONS:
            self._count("label_translated", key, line)
            return LABEL_TRANSLATIONS[key], True
        return None, False

    def unrecognised_label(self, raw: str, line: int) -> None:
        """Note a label that is not recognised, on a record loaded unlabelled: counted per
        `label_key` in notes['label_unrecognised'], its line in notes['label_unrecognised_lines']."""
        self._count("label_unrecognised", label_key(raw), line)
        self.note_line("label_unrecognised_lines", line)

    def _count(self, name: str, key: str | tuple[str, ...], line: int | None = None) -> None:
        """Count `key` once more in notes[name] ({key: count}; a tuple key counts in nested dicts,
        ('body', 'U+000B LINE TABULATION') in {column: {character: count}}); with the `line` of the
        row it was read on, so that the count leaves a row a later step quarantines
        (`loaded_rows_noted`)."""
        *outer, last = (key,) if isinstance(key, str) else key
        counts = self.notes.setdefault(name, {})
        for part in outer:
            counts = counts.setdefault(part, {})
        counts[last] = counts.get(last, 0) + 1
        if line is not None:
            self.counted_lines.setdefault(name, []).append((line, key))

    def reject(self, line: int, key: str | None, column: str, rule: str, raw: str | None, message: str) -> None:
        """Append one quarantine entry; a lone surrogate in its key, value or message (a file name
        or value holding one) is kept as its escape (`_storable`), since UTF-8 cannot store it."""
        self.quarantine.append(
            {"line": line, "record_key": _storable(key), "column_name": _storable(column), "rule": rule,
             "raw_value": _storable(raw), "message": _storable(message)}
        )

    def reject_control_characters(self, line: int, key: str | None, values: dict[str, str | None],
                                  where: str) -> bool:
        """Quarantine each value holding a control character (rule `control_character`, one entry
        per column: a NUL or similar byte from a binary or truncated export, which the lake would
        otherwise keep inside the text). Tab, LF and CR are not control characters here
        (`csv_text.CONTROL_CHARACTER`). A value holding a lone surrogate (JSON's `\\ud800` without
        its pair: `_LONE_SURROGATE`) is quarantined as `lone_surrogate` instead, its message naming
        each (`surrogate_said`): the lake's UTF-8 text cannot hold it. Returns True when any value
        was quarantined."""
        found = False
        for column, value in values.items():
            if value is not None and _LONE_SURROGATE.search(value) is not None:
                self.reject(line, key, column, "lone_surrogate", value,
                            f"{where}: column {column} {surrogate_said(value)}; UTF-8 text cannot hold it: "
                            "export the article again, or repair the value")
                found = True
            elif value is not None and (control := _CONTROL.search(value)) is not None:
                self.reject(line, key, column, "control_character", value,
                            f"{where}: column {column} {csv_text.control_character_said(value)}; the lake would "
                            "keep it as part of the value")
                found = True
        return found

    def read_line_breaks(self, column: str, value: str | None, line: int) -> str | None:
        """`value` of a headline, body or sentence column, read on `line`, with each line break an export wrote
        inside it as another character (a vertical tab from Excel for Mac or FileMaker, a form feed,
        NEL, U+2028, U+2029: `text.read_line_breaks`) read as the line feed a quoted CSV field holds,
        counted as loan tapes count them: notes['line_break_characters_read'] is {column: {character
        by code point and name (`csv_text.character_name`): values holding it}}, each count with its
        line (`_count`). None stays None."""
        if value is None or (read := read_line_breaks(value)) == value:
            return value
        for character in csv_text.LINE_BREAK_IN_CELL:
            if read.count(character) < value.count(character):
                self._count("line_break_characters_read", (column, csv_text.character_name(character)), line)
        return read

    def note_line(self, name: str, line: int) -> None:
        """List `line` under notes[name] (lines worth showing, e.g. stray quotes)."""
        self.line_notes.setdefault(name, []).append(line)

    def text_row(
        self, *, line: int, doc_id: str, source: str | None, text_raw: str, text_field: str,
        label: str | None, headline: str | None = None, body: str | None = None,
        ticker: str | None = None, published_at: datetime | None = None, clean_from: str | None = None,
        language: str | None = None, date_only: bool = False,
    ) -> None:
        """Append one loaded row; `clean_from` is the text to clean when it differs from text_raw;
        `language` is the article's as `article_language` reads it (None: the file names none);
        `date_only` whether published_at was written as a date alone (`is_date_only`), stored in
        published_date_only (NULL when published_at is None, whatever `date_only` says).
        An empty or whitespace-only headline or body is stored NULL, as every missing field is, in
        whichever format it came."""
        headline, body = (None if value is None or not value.strip() else value for value in (headline, body))
        cleaned = clean_text(text_raw if clean_from is None else clean_from)
        if cleaned.unrepaired:
            self.note_line("mojibake_unrepaired_lines", line)
        if cleaned.source_truncated:
            self.note_line("source_truncated_lines", line)
        if cleaned.quoted_printable:
            self.note_line("quoted_printable_decoded_lines", line)
        if cleaned.literal_escapes:
            self.note_line("literal_escapes_decoded_lines", line)
        if cleaned.entity_rounds > 1:  # `&amp;amp;`: escaped again over its escapes
            self.note_line("entities_escaped_twice_lines", line)
        if cleaned.had_tags:
            self.note_line("markup_removed_lines", line)
        if cleaned.boilerplate_trimmed:
            self.note_line("boilerplate_trimmed_lines", line)
        if cleaned.page_chrome_removed:
            self.note_line("page_chrome_removed_lines", line)
        if cleaned.markdown_read:
            self.note_line("markdown_read_lines", line)
        self.rows.append(
            {"doc_id": doc_id, "source": source, "ticker": ticker, "headline": headline, "body": body,
             "text_raw": text_raw, "text_clean": cleaned.text, "text_field": text_field, "label": label,
             "published_at": published_at, "text_repaired": cleaned.repaired, "language": language,
             "published_date_only": None if published_at is None else date_only,
             "_source_line": line}
        )

    def parsed(self) -> ParsedFile:
        """The file read: its rows, quarantine and notes. A note listing the lines of articles
        (`is_article_lines_note`) lists the lines of loaded rows only: a body read as Markdown or a
        time noted before its row was quarantined (a repeated id, no usable text) was read into nothing."""
        loaded = {row["_source_line"] for row in self.rows}
        line_notes = loaded_rows_noted(self.line_notes, loaded)
        result = ParsedFile(
            format=self.format,
            rows=pl.DataFrame(self.rows, schema=ROWS_SCHEMA),
            quarantine=pl.DataFrame(self.quarantine, schema=QUARANTINE_COLUMNS),
            data_records=self.data_records,
            non_data_lines=self.non_data_lines,
            notes=loaded_rows_noted({**self.notes, **{name: lines for name, lines in line_notes.items() if lines}},
                                    loaded, self.counted_lines),
            non_data_text=self.non_data_text,
            repeats=self.repeats,
            places=self.places,
            counted_lines=self.counted_lines,
        )
        result.reconcile()
        return result


FILE_LAYOUT_LINE_NOTES = frozenset({
    "form_feed_lines", "stray_quote_lines", "trailing_delimiter_lines", "quotes_read_as_text_lines",
    "byte_order_mark_lines", "mbox_from_in_body_lines"})
"""The `*_lines` notes about the file's lines, not its articles: how its lines were cut into records
and fields (a form feed's page break, an unmatched quote read to the line's end, a delimiter ending
a record, quotes read as text, a byte-order mark where files were joined, an mbox `From ` line kept
inside a message). They hold of a quarantined record as of a loaded one, whose raw value the
quarantine keeps as so cut, and are kept whole (`is_article_lines_note`)."""


def is_article_lines_note(name: str, value: object) -> bool:
    """Whether notes[name] (`value`) lists the lines of articles, saying how each was read (its
    source taken from the file's name, its id unwrapped, its body read as Markdown or found to be
    only tags, its label a null token, its publication time taken as UTC): every `*_lines` note
    holding line numbers (ints) except those about the file's layout (`FILE_LAYOUT_LINE_NOTES`).
    Such a note names only articles the lake keeps (`loaded_rows_noted`)."""
    return (name.endswith("_lines") and name not in FILE_LAYOUT_LINE_NOTES and isinstance(value, list)
            and all(isinstance(line, int) and not isinstance(line, bool) for line in value))


def loaded_rows_noted(notes: Mapping[str, object], loaded: set[int],
                      counted: Mapping[str, list[tuple[int, str | tuple[str, ...]]]] | None = None) -> dict[str, object]:
    """`notes` (a reader's notes, or its per-line notes: name -> lines) with each note listing the
    lines of articles (`is_article_lines_note`) kept to the lines in `loaded` (the `_source_line` of
    the rows still loaded), and dropped where none is left; each count note
    of `counted` (`ParsedFile.counted_lines`: name -> (line, key) of each count, as
    `not_english_languages`, the `ticker_*` and `label_*` counts and `line_break_characters_read`
    are) counted again without the rows not in
    `loaded`, so that it agrees with its lines note, and dropped where nothing is left; each note
    said of a lines note's articles (`_SAID_OF_LINES`) dropped with its last line, or said again of
    the lines left (`_said_of_lines_left`); every other note as it is."""
    notes = _counted_in(notes, loaded, counted or {})
    kept: dict[str, object] = {}
    for name, value in notes.items():
        if is_article_lines_note(name, value):
            value = [line for line in value if line in loaded]
            if not value:
                continue
        kept[name] = value
    return _said_of_lines_left(kept)


_SAID_OF_LINES = {
    "label_unrecognised_message": "label_unrecognised_lines",
    "headline_scored_beside_unread_text": "headline_scored_beside_unread_text_lines",
    "mail_charset_assumed": "mail_charset_assumed_lines",
    "mail_charset_overruled": "mail_charset_overruled_lines",
    "mail_text_undecodable": "mail_text_undecodable_lines",
    "mail_body_unreadable": "mail_body_unreadable_lines",
    "published_at_standard_in_summer": "published_at_standard_in_summer_lines",
}
"""Note -> the lines note whose articles it speaks of: its text quotes their count or lines (the
mail and label messages, the headline-scored note), or says what was found on them (the charset
error of an unreadable body, the zone words written in summer)."""


def _said_of_lines_left(notes: dict[str, object]) -> dict[str, object]:
    """`notes` with each note of `_SAID_OF_LINES` dropped where its lines note is gone, and its count
    and lines said again of the lines left: notes['label_unrecognised_message'] of the labels left
    (`_unrecognised_labels_said`), notes['headline_scored_beside_unread_text'] and the mail notes
    (`_MAIL_TEXT_NOTES`) of the lines left. Applied to a reader's own notes, it says them as they
    were written."""
    kept = {name: value for name, value in notes.items()
            if not (name in _SAID_OF_LINES and _SAID_OF_LINES[name] not in notes)}
    if isinstance(said := kept.pop("label_unrecognised_message", None), str):
        column = f": column {_label_column(kept)}: "
        if column in said:  # the file it names, as it named it
            kept.update(_unrecognised_labels_said(kept, said[:said.index(column)]))
    if isinstance(said := kept.pop("headline_scored_beside_unread_text", None), str) \
            and (lines := kept.get("headline_scored_beside_unread_text_lines")):
        kept["headline_scored_beside_unread_text"] = _HEADLINE_SCORED_SAID.sub(
            lambda m: f"{len(lines):,} article(s) scored on the headline alone "
                      f"({_lines_said(lines).replace('line', m.group(1))})", said, count=1)
    for name in _MAIL_TEXT_NOTES:
        if isinstance(said := kept.get(name), str) and (lines := kept.get(f"{name}_lines")):
            kept[name] = _MESSAGES_AT_SAID.sub(lambda _: f": {_messages_at(lines)}: ", said, count=1)
    return kept


_MESSAGES_AT_SAID = re.compile(r": messages? at line [\d, ]+(?: and \d+ more)?: ")
"""The messages a mail note (`_MAIL_TEXT_NOTES`) names after its file, said again of the lines left."""


def _messages_at(lines: Sequence[int]) -> str:
    """'message at line 4' or 'messages at line 4, 9 and 2 more' (the first ten of `lines`)."""
    shown = ", ".join(map(str, lines[:10])) + (f" and {len(lines) - 10} more" if len(lines) > 10 else "")
    return f"message{'s' if len(lines) > 1 else ''} at line {shown}"


_HEADLINE_SCORED_SAID = re.compile(r"^[\d,]+ article\(s\) scored on the headline alone \(([a-z]+?)s? [^)]*\)")
"""The count and lines that open notes['headline_scored_beside_unread_text'] (group 1: what a
record number counts, 'line' or 'row'), said again when a later step quarantines one of its rows."""


def _counted_in(notes: Mapping[str, object], loaded: set[int],
                counted: Mapping[str, list[tuple[int, str | tuple[str, ...]]]]) -> dict[str, object]:
    """`notes` with each count of `counted` (name -> (line, key) of each count; a tuple key names a
    count in nested dicts, as `line_break_characters_read` keeps {column: {character: count}}) less
    the counts read on rows not in `loaded`; a key counted to 0 is dropped, and so is a dict, or a
    note, left empty."""
    notes = dict(notes)
    for name, pairs in counted.items():
        if not isinstance(notes.get(name), dict):
            continue
        counts = _copied(notes[name])
        for line, key in pairs:
            if line not in loaded:
                _uncount(counts, (key,) if isinstance(key, str) else key)
        if counts := _nonzero(counts):
            notes[name] = counts
        else:
            del notes[name]
    return notes


def _copied(counts: dict) -> dict:
    """A copy of a (nested) count dict, its inner dicts copied too."""
    return {key: _copied(value) if isinstance(value, dict) else value for key, value in counts.items()}


def _uncount(counts: dict, path: tuple[str, ...]) -> None:
    """One count less at `path` (keys into nested dicts) of `counts`, where it is counted."""
    *outer, last = path
    for part in outer:
        counts = counts.get(part)
        if not isinstance(counts, dict):
            return
    if isinstance(counts.get(last), int):
        counts[last] -= 1


def _nonzero(counts: dict) -> dict:
    """`counts` (nested) without the keys counted to 0 and the dicts left empty."""
    kept = {}
    for key, value in counts.items():
        value = _nonzero(value) if isinstance(value, dict) else value
        if value:
            kept[key] = value
    return kept


def decode_text(path: Path, data: bytes, declared: str | None = None) -> str:
    """`data` (the file's content) as text: in the `declared` encoding (news settings), else UTF-8,
    or UTF-16 when it starts with its byte-order mark; BOM removed.

    Raises:
        FileRefused: the bytes are not valid in that encoding. The message names the file, the line
            and column (in characters, from 1) of the first bad byte, its byte offset (from 0) and
            value. For a file read as UTF-8 by default it says which remedy fits: a file with no
            valid UTF-8 text beyond ASCII is in another encoding, to declare in news settings; one
            that also holds UTF-8 text mixes encodings (`_mixed_encodings`), and declaring another
            encoding would garble its UTF-8 lines. Or the declared encoding is a single-byte code
            page and the file holds UTF-8 text, which it would read garbled (`Müller` -> `MÃ¼ller`;
            `csv_text.utf8_under_code_page`): the message names the line and the bytes, how they
            read both ways, and says to declare UTF-8 (or, in a file that mixes encodings, to
            convert only the lines of the other one).
    """
    encoding = declared or csv_text.sniff_encoding(data, "utf-8")
    if declared and (found := csv_text.utf8_under_code_page(data, declared)):
        where, mixed = found
        raise FileRefused(f"{path}: {where}; " + (mixed or (
            "the file is UTF-8: declare \"encoding\": \"utf-8\" in its news settings (or drop the encoding: "
            "news files are read as UTF-8 by default)")))
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        bad = data[exc.start]
        before = data[:exc.start].decode(encoding, errors="replace")
        line_end = "\n" if "\n" in before or b"\r" not in data else "\r"  # classic Mac OS ends lines in CR
        line, column = before.count(line_end) + 1, len(before) - (before.rfind(line_end) + 1) + 1
        if declared:
            why = _declared_encoding_fails(data, declared, bad)
        elif encoding == "utf-8":
            why = _mixed_encodings(data, bad, line_end) or (
                "news files are read as UTF-8, or as UTF-16 when they start with its byte-order mark; declare "
                f"another encoding in news settings (README, 'News files'){_in_cp1252(bad)}")
        else:
            why = "read as UTF-16 by its byte-order mark (or its NUL bytes): a cut or corrupted file?"
        raise FileRefused(
            f"{path}: line {line} column {column}: not {encoding.upper()} at byte offset {exc.start} "
            f"(byte 0x{bad:02x}): {why}"
        ) from exc
    return text.removeprefix(_BOM)


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
"""A byte that is not UTF-8, as `errors='surrogateescape'` keeps it."""


def _mixed_encodings(data: bytes, bad: int, line_end: str) -> str | None:
    """What to do about a file that is mostly UTF-8 with bytes of another encoding on some lines
    (a Windows-1252 smart quote pasted into a UTF-8 feed), else None (no line holds valid UTF-8
    beyond ASCII: the whole file is in another encoding). The text names the lines with bad bytes
    (the first five and how many) and a line of UTF-8 text, and the repair."""
    lines = data.decode("utf-8", errors="surrogateescape").split(line_end)
    foreign = [n for n, line in enumerate(lines, 1) if _ESCAPED_BYTE.search(line)]
    # a line of UTF-8 text (`written_in_utf8`): in a file of another encoding (GB18030, Shift JIS) two
    # bytes of a character may happen to be a UTF-8 one too
    utf8 = next((n for n, line in enumerate(lines, 1) if csv_text.written_in_utf8(line)), None)
    if utf8 is None:
        return None
    named = ", ".join(map(str, foreign[:5])) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
    return (f"the file mixes encodings: line{'s' if len(foreign) > 1 else ''} {named} hold{'' if len(foreign) > 1 else 's'} "
            f"bytes of another encoding{_in_cp1252(bad)}, while line {utf8} holds UTF-8 text, which declaring another "
            "encoding would garble; repair the lines named (retype the character, or export the file again as UTF-8 "
            "from where it was written), save the file as UTF-8 and land it again")


def _declared_encoding_fails(data: bytes, declared: str, bad: int) -> str:
    """Why a file is refused whose news settings declare an encoding its byte `bad` is not valid in:
    names the settings file (`SETTINGS_FILE`) and the encoding, what the byte reads as in Latin-1 /
    Windows-1252, and what to change: declare "cp1252" when the whole file reads so (Windows-1252
    holds Latin-1's letters), else the encoding the file was written in."""
    settings = SETTINGS_FILE.get()
    where = f"its news settings ({settings})" if settings else "its news settings"
    try:
        reading = bytes([bad]).decode("cp1252")
        read = (f"byte 0x{bad:02x} is {reading!r} in {'Latin-1 / ' if bad >= 0xa0 else ''}Windows-1252, "
                "a common encoding of files written on Windows")
    except UnicodeDecodeError:
        reading, read = None, f"byte 0x{bad:02x} is no character in Windows-1252 either"
    try:
        data.decode("cp1252")
        fix = "if the text is Latin-1 or Windows-1252, declare \"encoding\": \"cp1252\" there instead"
    except UnicodeDecodeError:
        fix = "declare there the encoding the file was written in"
    return (f"{where} declare{'s' if not settings else ''} \"encoding\": \"{declared}\", which this byte is not "
            f"valid in; {read}: {fix} (or save the file as {declared}) and land it again")


def _in_cp1252(byte: int) -> str:
    """', where byte 0x93 is '“' in Windows-1252' when the byte is a character there, else ''."""
    try:
        return f" (byte 0x{byte:02x} is {bytes([byte]).decode('cp1252')!r} in Windows-1252)"
    except UnicodeDecodeError:
        return ""


def physical_lines(text: str) -> list[str]:
    """Split on LF and drop the CRs before it: CRLF, and CRCRLF, what Python's csv writer leaves on
    Windows when the file was opened without newline='' (its CRLF record end, then text mode's
    LF -> CRLF); kept, that CR would end every line's last field, whose header name would then
    match no column. A final line end does not make an extra empty line. A text with CRs and no
    LF at all (classic Mac OS line ends) is split on CR."""
    lines = csv_text.lf_line_ends(text).split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.rstrip("\r") for line in lines]


_CR_STANDIN = "\ue000"
"""A lone CR inside a line (a soft break in an article body) is text, but the csv module reads it as
a line end in an unquoted field and raises; it travels through the csv module as this private-use
character and is put back in every field."""


_TRAILING_LABEL = re.compile(rf"@[\s{csv_text.INVISIBLE_CHARACTER}]*([A-Za-z]+)[\s{csv_text.INVISIBLE_CHARACTER}]*$")
"""A record's '@label' end; white space and invisible characters (a zero-width space pasted with
the label) around the label allowed."""


def _looks_like_phrasebank_txt(lines: list[str]) -> bool:
    """Most non-blank lines of the first 50 end in '@<word>', some of those words are labels, and
    the first non-blank line is a record or at least no feed header: the vendor file has none, so a
    feed whose texts end in @mentions ('thanks @neutral') under an `id,text` header stays a feed."""
    sample = [line for line in lines[:50] if line.strip()]
    words = [m.group(1).lower() for line in sample if (m := _TRAILING_LABEL.search(line))]
    first_is_no_header = bool(sample) and (_is_phrasebank_txt_record(sample[0]) or _feed_delimiter(sample[0]) is None)
    return first_is_no_header and len(words) >= 0.5 * len(sample) and any(w in LABELS for w in words)


def _is_phrasebank_txt_record(text: str) -> bool:
    """One `sentence@label` record: ends in '@' and a label."""
    return bool((m := _TRAILING_LABEL.search(text)) and m.group(1).lower() in LABELS)


def parse_phrasebank_txt(path: Path, lines: list[str], sha256: str,
                         label_map: Mapping[str, str | None] | None = None) -> ParsedFile:
    """Financial PhraseBank vendor text: `sentence@label` per line.

    The split is on the last '@' (a sentence may contain '@'). doc_id = '<sha256[:16]>:<line>'
    (the corpus has no ids), text_field = 'sentence'. Quarantined: a line with no '@'
    (rule `missing_label_separator`), a label `_Collector.read_label` does not recognise (LABELS,
    LABEL_SHORT_FORMS, LABEL_TRANSLATIONS or the declared `label_map`; rule `unknown_label`: in
    this layout the label is what ends a record, so an unknown word after the last '@' may as well be part of the
    sentence, and the text is not loaded cut; a label the map sends to null loads unlabelled), a line ending
    in two labels, `...@neutral@positive` (rule `two_labels`), a control character such as NUL in
    the sentence (rule `control_character`), an empty sentence (rule `no_usable_text`). Blank lines are non-data lines. Records joined by a lone CR are split
    (`csv_text.split_at_record_crs`).
    """
    out = _Collector("phrasebank_txt", label_map=label_map or {})
    lines = csv_text.split_at_record_crs(lines, _is_phrasebank_txt_record, quoted=False)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            out.non_data_lines.append((number, "blank"))
            continue
        out.data_records += 1
        doc_id = f"{sha256[:16]}:{number}"
        sentence, at, label_raw = line.rpartition("@")
        sentence = out.read_line_breaks("sentence", sentence, number)
        label, known = out.read_label(label_raw, number) if at else (None, False)
        if not at:
            out.reject(number, doc_id, "label", "missing_label_separator", line,
                       f"{path}: line {number} has no '@' between sentence and label")
        elif not known:
            out.reject(number, doc_id, "label", "unknown_label", label_raw,
                       f"{path}: line {number} label {label_raw!r} is not one of {sorted(LABELS)} (an '@' "
                       f"inside the sentence, or a label in another vocabulary: {LABEL_MAP_HINT})")
        elif out.reject_control_characters(number, doc_id, {"sentence": sentence}, f"{path}: line {number}"):
            continue  # quarantined, one entry per column
        elif _is_phrasebank_txt_record(sentence):
            out.reject(number, doc_id, "label", "two_labels", line,
                       f"{path}: line {number} ends in two labels "
                       f"({_TRAILING_LABEL.search(sentence).group(1)!r}, then {label_raw!r}): which one is meant?")
        elif not (usable := is_usable_text(sentence)).usable:
            out.reject(number, doc_id, "sentence", "no_usable_text", sentence,
                       f"{path}: line {number} sentence has no usable text ({usable.reason})")
        else:
            out.text_row(line=number, doc_id=doc_id, source="financial_phrasebank",
                         text_raw=sentence, text_field="sentence", label=label)
    return out.parsed()


_PHRASEBANK_CSV_HEADER = ("y", "notices")

_FIELD_AFTER_QUOTED = re.compile(r'^\s*"(?:[^"]|"")*"\s*,(.*)$', re.DOTALL)
"""A sentence field that is quoted and closed, then followed by ',' and more: a third column (a
date, a source) that would otherwise be glued to the sentence as a stray quote."""


def _header_fields(line: str) -> list[str]:
    return [name.strip().strip('"').strip().lower() for name in line.split(",")]


def _unquote_phrasebank_field(field_text: str) -> tuple[str, str, bool]:
    """Read the sentence field of one `label,sentence` line.

    Returns:
        (text as delivered, text to clean, whether a stray quote was found). A field wrapped in
        quotes is unquoted ('""' -> '"') and both texts are the same. A lone quote at only one end
        is the half of a pair whose partner was lost: the delivered text keeps it, the text to clean
        drops it (`Teleste ... ."` -> `Teleste ... .`). Quotes inside an unquoted field are text.
    """
    opens, closes = field_text.startswith('"'), field_text.endswith('"') and len(field_text) > 1
    if opens and closes:
        inner = field_text[1:-1]
        value = inner.replace('""', '"')
        return value, value, '"' in inner.replace('""', "")
    if opens or closes:
        return field_text, (field_text[1:] if opens else field_text[:-1]).replace('""', '"'), True
    return field_text, field_text, '"' in field_text


_CONTINUATION_LIMIT = 5
"""Most physical lines a quoted PhraseBank sentence may continue over (see `_phrasebank_csv_records`)."""


def _starts_a_record(line: str) -> bool:
    """A `label,sentence` line: the text before its first ',' is a label."""
    label, comma, _ = line.partition(",")
    return bool(comma) and label.strip().strip('"').lower() in LABELS


def _phrasebank_csv_records(lines: list[str], first: int = 2) -> Iterator[tuple[int, str]]:
    """(first physical line, text) of each record after the header: one line, or a sentence whose
    opening quote is closed on one of the next _CONTINUATION_LIMIT lines, none of which starts a
    record of its own (`positive,"Operating profit rose ...` + `from EUR 8.7 mn in 2007 ."`); the
    lines are joined with a line break. Anything else stays one line: a lone quote at one end is a
    stray quote (see `_unquote_phrasebank_field`)."""
    number = first
    while number <= len(lines):
        line = lines[number - 1]
        field_text = line.partition(",")[2]
        unclosed = field_text.startswith('"') and not (field_text.endswith('"') and len(field_text) > 1)
        joined = None
        if unclosed:
            for end in range(number + 1, min(number + _CONTINUATION_LIMIT, len(lines)) + 1):
                following = lines[end - 1]
                if not following.strip() or _starts_a_record(following):
                    break
                if following.endswith('"'):
                    joined = end
                    break
        if joined is None:
            yield number, line
            number += 1
        else:
            yield number, "\n".join(lines[number - 1 : joined])
            number = joined + 1


def parse_phrasebank_csv(path: Path, lines: list[str], sha256: str,
                         label_map: Mapping[str, str | None] | None = None) -> ParsedFile:
    """Financial PhraseBank CSV re-export: header `Y,Notices` (or none, notes['header']), then
    `label,sentence` per line.

    Parsed one record at a time (label up to the first ',', the sentence is the rest; a record is one
    physical line, or a quoted sentence closed on a following line, see `_phrasebank_csv_records`),
    so a stray quote that makes strict CSV readers fail, or makes lenient ones swallow the following
    lines into one field, stays within its own line; such lines are listed in
    notes['stray_quote_lines']. text_raw is the sentence as delivered (unquoted, a stray quote
    kept); text_clean is cleaned from it with the stray quote dropped. doc_id = '<sha256[:16]>:<line>'. Quarantined: a
    line with no ',' (rule `missing_field_separator`), a label `_Collector.read_label` does not
    recognise (`unknown_label`: in this layout a line whose first field is no label may be a
    sentence's continuation, so its text is not loaded as an article; a label the `label_map`
    sends to null loads unlabelled), a
    quoted sentence followed by another field (`wrong_field_count`), a
    control character such as NUL in the sentence (`control_character`), no usable sentence
    (`no_usable_text`). Blank lines are non-data lines.
    """
    out = _Collector("phrasebank_csv", label_map=label_map or {})
    headed = tuple(_header_fields(lines[0])) == _PHRASEBANK_CSV_HEADER
    out.notes["header"] = "Y,Notices" if headed else "none: the first line is a record"
    skip = 1 if headed else 0
    lines = lines[:skip] + csv_text.split_at_record_crs(lines[skip:], _starts_a_record, quoted=False)
    for number, line in _phrasebank_csv_records(lines, first=skip + 1):
        if not line.strip():
            out.non_data_lines.append((number, "blank"))
            continue
        out.data_records += 1
        doc_id = f"{sha256[:16]}:{number}"
        label_raw, comma, field_text = line.partition(",")
        label, known = out.read_label(label_raw.strip().strip('"'), number) if comma else (None, False)
        sentence_raw, sentence, stray_quote = _unquote_phrasebank_field(field_text)
        if comma:
            sentence_raw, sentence = out.read_line_breaks("Notices", sentence_raw, number), read_line_breaks(sentence)
        if not comma:
            out.reject(number, doc_id, "Notices", "missing_field_separator", line,
                       f"{path}: line {number} has no ',' between label and sentence")
        elif not known:
            out.reject(number, doc_id, "Y", "unknown_label", label_raw,
                       f"{path}: line {number} column Y: label {label_raw!r} is not one of {sorted(LABELS)} "
                       f"(a sentence's continuation line, or a label in another vocabulary: {LABEL_MAP_HINT})")
        elif extra := _FIELD_AFTER_QUOTED.match(field_text):
            out.reject(number, doc_id, "*", "wrong_field_count", line,
                       f"{path}: line {number} has a field after the quoted sentence ({extra.group(1)[:40]!r}): "
                       "the file has 2 columns, label and sentence")
        elif out.reject_control_characters(number, doc_id, {"Notices": sentence_raw}, f"{path}: line {number}"):
            continue  # quarantined, one entry per column
        elif not (usable := is_usable_text(sentence)).usable:
            out.reject(number, doc_id, "Notices", "no_usable_text", sentence_raw,
                       f"{path}: line {number} column Notices has no usable text ({usable.reason})")
        else:
            if stray_quote:
                out.note_line("stray_quote_lines", number)
            out.text_row(line=number, doc_id=doc_id, source="financial_phrasebank", text_raw=sentence_raw,
                         text_field="sentence", label=label, clean_from=sentence)
    return out.parsed()


_DATE_AND_TIME_WORDS = (("date", "time", "and"), ("datum", "uhrzeit", "und"), ("datum", "zeit", "und"),
                        ("datum", "tijd", "en"), ("date", "heure", "et"), ("fecha", "hora", "y"),
                        ("data", "hora", "e"), ("data", "ora", "e"))
"""(date word, time-of-day word, 'and') of the languages whose headers a feed may use (as
_TIME_ONLY_NAMES and the published_at aliases name them)."""
_DATE_AND_TIME_NAMES = tuple(dict.fromkeys(
    f"{date}{joiner}{time}" for date, time, both in _DATE_AND_TIME_WORDS
    for joiner in ("_", "/", "_/_", "&", "_&_", f"_{both}_")))
"""published_at names that join a date word and a time word, as `_normalise_name` writes them:
Refinitiv Eikon's and LSEG Workspace's news exports `Date/Time`, spreadsheets' `Date Time`,
`Date & Time`, `Date and Time`, German `Datum/Uhrzeit`, Dutch `Datum/tijd`, French `Date et heure`,
Spanish `Fecha y hora`, Portuguese `Data/Hora`, Italian `Data e ora`; with a zone in parentheses
(`Date/Time (GMT)`) as any time column's name."""


FEED_ALIASES: dict[str, tuple[str, ...]] = {
    "doc_id": ("article_id", "id", "doc_id", "guid", "uuid", "news_id", "story_id", "_id", "url", "link", "article_url",
               "accession_number"),
    "published_at": ("published_at", "published", "publish_date", "publish_time", "published_date", "date_published",
                     "publication_date", "pub_date", "pubdate", "date_unixtime", "date", "datetime",
                     *_DATE_AND_TIME_NAMES, "timestamp", "time",
                     "created_at", "first_created", "version_created", "time_of_arrival", "time_published",
                     "published_utc", "published_ts", "publication_ts", "date_created", "seendate", "created_utc", "created", "created_time", "created_date_time", "date_gmt", "datum", "veröffentlicht",
                     "veroeffentlicht", "erscheinungsdatum", "publicatiedatum", "date_de_publication",
                     "fecha_de_publicación", "fecha_de_publicacion", "fecha", "data_di_pubblicazione",
                     "data_pubblicazione", "data_de_publicação", "data_de_publicacao", "data", "ts"),
    "headline": ("headline", "title", "titel", "titre", "titolo", "titulo", "título", "überschrift", "ueberschrift",
                 "subject"),
    "body": ("body", "text", "content", "content_text", "content_html", "article", "message", "story", "selftext",
             "paragraphs", "html", "article_html", "body_html", "html_body", "raw_html", "page_html",
             "inhalt", "artikel", "tekst", "inhoud", "texte", "contenu", "corps", "texto", "contenido", "cuerpo",
             "testo", "contenuto", "conteúdo", "conteudo", "corpo", "full_message", "short_message", "sentence",
             "summary", "description", "lead_paragraph", "abstract", "excerpt", "snippet", "teaser", "lead", "lede",
             "standfirst"),
    "source": ("source", "source_name", "publisher", "feed", "provider", "publisher_name", "origin_title",
               "subreddit_name_prefixed",
               "subreddit", "domain", "quelle", "bron", "fuente", "fonte"),
    "ticker": ("ticker", "symbol", "tickers", "stock", "symbols", "related", "related_tickers", "ric", "ric_code", "bbg_ticker",
               "bloomberg_ticker"),
    "label": ("label", "sentiment", "y", "stimmung", "sentimiento", "sentimento", "etiqueta", "étiquette",
              "etichetta"),
}
"""Canonical field -> header names accepted for it in a feed CSV or JSON feed, in order of preference
(names are compared lowercased, with spaces and hyphens read as '_'). Headers in German, Dutch,
French, Italian, Spanish or Portuguese are read too: a headline (`Titel`, `Titre`, `Título`), a body
(`Inhalt`, `Texte`, `Contenido`, `Testo`, `Conteúdo`), a date (`Datum`, `Date de publication`,
`Fecha`, Portuguese and Italian `Data`, `Data de publicação`, `Data pubblicazione`; a date and
time named together, `Date/Time`, `Data e hora`: _DATE_AND_TIME_NAMES), a source (`Quelle`, `Fuente`, `Fonte`) and a label
(`Stimmung`, `Sentimiento`); a ticker
column may be named as Refinitiv (`RIC`) or Bloomberg (`BBG Ticker`) exports name it. A feed needs a headline or a
body. Reddit's posts name their text `selftext` (empty in a link post: the title is the text), their
time `created_utc` (epoch seconds, a float; read before its `created`) and their source
`subreddit_name_prefixed` (`r/stocks`; before `domain`, which is `self.stocks` or the linked site).
Telegram Desktop's export dates a message `date_unixtime` (epoch seconds) and
`date` (the exporting machine's wall clock, no zone), read never. Yahoo Finance's older news list dates an article `providerPublishTime` (epoch seconds, found by its
`publish_time` ending) and names its stocks `relatedTickers`.
Feedly's and Inoreader's items name the feed they came from `origin.title`: their source, not the
stream's title (a user's 'Reading List').
A message's text is its body: Logstash's events and Facebook's posts carry it as `message`
(before Facebook's generated `story`, 'X shared a link'), Graylog's as `full_message` and
`short_message`, a CSV of e-mails or tickets as `Message`; a Teams message's and an e-mail
export's `subject` is its headline. Both are read as whole names only (`status_message` is no
text). An API's envelope and error response also say `message` (`{"message": "Not Found"}`): it
counts as an article's text only in a dated object (`_own_text`).
An article's URL is its id when the feed has no id field (NewsAPI, RSS): the same article pulled
twice is then one article, not two. A scraper's page (`html`, `article_html`, `raw_html`) is the
body, its markup removed as any body's; a list of paragraph strings (`paragraphs`) is the body, joined by
a blank line. The body's last names are teasers (the New York Times'
`lead_paragraph` and `abstract`, WordPress's `excerpt`, a `lead`, `lede` or `standfirst`): read when
nothing longer is named, and beside a longer text as its fallback for a row that leaves it empty."""


def _normalise_name(name: str) -> str:
    """'Published At', 'published-at' -> 'published_at'; camelCase ('publishedAt', as JSON APIs name
    fields) is split at its capitals only when the name as written is no alias ('DateTime' stays
    'datetime'). Characters no viewer shows and Unicode spaces are folded first
    (`csv_text.fold_header_name`): `\\u200bid` and `\\ufeffid` are `id`."""
    name = csv_text.fold_header_name(name)
    plain = re.sub(r"[\s\-.]+", "_", name.lower())
    if plain in _ALL_ALIASES:
        return plain
    return re.sub(r"[\s\-.]+", "_", re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower())


_ALL_ALIASES = frozenset(alias for aliases in FEED_ALIASES.values() for alias in aliases)


def column_key(name: str) -> str:
    """A column or field name as the reader compares names (`_normalise_name`: case, surrounding
    spaces, inner spaces, hyphens and dots folded: ' Story Text ', 'story-text' and 'story_text'
    are one; a JSON field's dotted path 'content.story' is its flattened name 'content_story')."""
    return _normalise_name(str(name))


DECLARED_COLUMNS: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "news_declared_columns", default=None)
"""The news settings' `columns` of the file being read (the file's column as declared -> lake
field; None: none), set by `parse_news_file`: `_feed_columns` reads each as that field first."""


def _declared_columns() -> dict[str, str]:
    """`column_key` of each column the news settings of the file being read declare -> its field."""
    return {column_key(column): field for column, field in (DECLARED_COLUMNS.get() or {}).items()}

_DATE_ONLY_NAMES = ("date", "publish_date", "published_date", "date_published", "publication_date", "pub_date", "pubdate",
                    "datum", "erscheinungsdatum", "publicatiedatum", "date_de_publication", "fecha",
                    "fecha_de_publicación", "fecha_de_publicacion", "data_di_pubblicazione", "data_pubblicazione",
                    "data_de_publicação", "data_de_publicacao", "data")
"""published_at names that may hold a date alone; a separate time column (_TIME_ONLY_NAMES) then
completes it. Portuguese and Italian exports name the date `Data` (last of the published_at
aliases: any other time name in the header is read before it) beside `Hora` or `Ora`."""
_TIME_ONLY_NAMES = ("time", "time_of_day", "uhrzeit", "zeit", "tijd", "heure", "hora", "ora")
"""Names of a column holding the time of day beside a date column ('Time', German 'Uhrzeit', Dutch
'Tijd', French 'Heure', Spanish and Portuguese 'Hora', Italian 'Ora'); a date column named
'<stem>date' is also completed by its own '<stem>time' (`_time_of_day_column`)."""
_ZONE_NAMES = ("time_zone", "timezone", "tz", "zeitzone", "tijdzone", "fuseau_horaire", "zona_horaria",
               "fuso_orario", "fuso_horário", "gmt_offset", "utc_offset", "tz_offset")
"""Names of a column giving the zone (`America/New_York`, `GMT-4`, `+03:00`, `EST`) of each row's
zone-less publication time, as terminal and database exports write it beside Date and Time."""
_LANGUAGE_NAMES = ("lang", "language", "locale", "language_code", "lang_code", "languagecode", "sprache",
                   "langue", "idioma", "lingua", "taal", "kieli", "språk", "sprak")
"""Names of a column giving each article's language (`en`, `fi`, `de-DE`, `English`): read to name
the articles not in English (notes['not_english_lines'], raw.news.language), which the sentiment
model (English only) scores but the daily indices and its training leave out."""
_TIME_LIKE_NAMES = frozenset(FEED_ALIASES["published_at"]) | frozenset(_TIME_ONLY_NAMES) | frozenset(_DATE_ONLY_NAMES)
"""Names of a publication time, date or time-of-day column: the only ones whose parentheses may
name a zone."""


TEXT_FIELDS = ("headline", "body")
"""Fields also found by a header name's last word ('Article Body', 'News Title', 'Full Text'), so
that an article's text is not dropped for a name the aliases do not list."""

_TIME_SUFFIXES = tuple(alias for alias in FEED_ALIASES["published_at"] if "_" in alias and "pub" in alias)
"""published_at aliases that also name the field at the end of a longer name: the Guardian's
`webPublicationDate`, a nested `fields.firstPublicationDate`, a CSV's 'Last Published At'. Only the
names of two words that say 'published': a lone 'date' or 'time' ends too many other names
(`update_time`, `image_date`), and 'published' alone ends flags (`is_published`)."""


_FIRST_TEASER = FEED_ALIASES["body"].index("summary")
"""Body names from this position of FEED_ALIASES['body'] on are teasers (summary, description,
lead_paragraph, abstract, excerpt, snippet, teaser): one of them is the body only when no column
names a longer text, even by its last word only ('full_text' beside 'summary')."""


_NOT_TEXT_WORDS = frozenset({"flair", "label", "labels", "sentiment", "error", "errors"})
"""Words that make a name ending in a text word no article text: Reddit's `link_flair_text` and
`author_flair_text` are a post's tag and its author's badge ('Discussion', 'Verified'), a
dataset's `label_text` or `sentiment_text` is its label written out ('positive' beside the class
code 2), and an `error_message` (a nested `error.message`) is what went wrong fetching it."""


_EXACT_NAMES_ONLY = frozenset({"message", "subject", "html", "lead"})
"""Text aliases read only as a whole name, never as a name's last word: `status_message`,
`commit_message`, `log_message`, `data_subject` are no article's text, nor a `title_html` (a
headline's markup) or a `team_lead`."""


OTHER_PARTY_WORDS = frozenset({"user", "author", "authors", "source", "provider", "publisher", "channel", "profile",
                               "account", "entities", "entity", "app", "application", "origin", "from", "sender",
                               "owner", "creator", "feed", "symbol", "company", "organization", "team", "place",
                               "device"})
"""Words of a name's leading part that say the field describes someone or something other than the
article (a field nested under an object of that name): Twitter's `user.description` is the
author's bio, StockTwits' `source.title` the app it was posted from, Feedly's `origin.title` the
feed. Such a field is never the article's headline or body, whatever its last word; a message
with no text of its own is then `no_usable_text`, not scored on its author's bio."""


def _text_suffix_rank(name: str, canonical: str) -> int | None:
    """How well a name that is no alias of a text field still names it: None unless its last word
    is an alias ('fields_body_text', 'web_title'), no word is one of _NOT_TEXT_WORDS and no word
    before the last one of OTHER_PARTY_WORDS ('user_description', 'source_title'); else the
    position in FEED_ALIASES of the best alias among all its words, so that 'fields_body_text'
    (body) is read before 'fields_trail_text' (text), and a name that says only a teaser word
    ('fields_excerpt') after either."""
    words = name.split("_")
    aliases = FEED_ALIASES[canonical]
    if (words[-1] not in aliases or words[-1] in _EXACT_NAMES_ONLY or _NOT_TEXT_WORDS & set(words)
            or OTHER_PARTY_WORDS & set(words[:-1])):
        return None
    return min(aliases.index(word) for word in words if word in aliases)


_LANGUAGE_CODES = frozenset({"en", "eng", "english", "fi", "fin", "sv", "swe", "de", "deu", "ger", "fr", "fra", "fre",
                             "es", "spa", "it", "ita", "pt", "por", "nl", "nld", "da", "dan", "nb", "nn", "no", "nor",
                             "pl", "ru", "zh", "ja", "ko", "ar", "et", "lv", "lt", "tr", "el", "cs", "hu", "ro"})
"""ISO 639 codes a bilingual export appends to a text column's name (`title_en`, `Body (FI)`); not
`id` (Indonesian, but `title_id` is an id)."""
_ENGLISH_CODES = frozenset({"en", "eng", "english"})
_LANGUAGE_SUFFIX = re.compile(r"(?P<stem>.+?)_\(?(?P<code>[a-z]{2,7})\)?")


def _text_field_of(name: str) -> str | None:
    """The text field (TEXT_FIELDS) a normalised name says, by an alias or its last word, else None."""
    return next((canonical for canonical in TEXT_FIELDS if name in FEED_ALIASES[canonical]
                 or _text_suffix_rank(name, canonical) is not None), None)


def _text_translations(names: list[str]) -> tuple[dict[int, str], list[int], list[int]]:
    """Of normalised header names, the headline and body columns written once per language
    (`title_en`, `title_fi`, `body_(fi)`: a bilingual desk's export, or a JSON `title: {"en", "fi"}`):
    (index -> the stem it is read as, for the one translation of each text read: the English one, or
    the only one; the indices of every translation; the indices of those of which none can be
    chosen, several languages and no English). A plain name beside its translations (`headline`
    and `headline_sv`) is the text itself, and none of them is read."""
    stems: dict[str, list[tuple[str, int]]] = {}
    for i, name in enumerate(names):
        if (found := _LANGUAGE_SUFFIX.fullmatch(name)) and found["code"] in _LANGUAGE_CODES \
                and _text_field_of(found["stem"]) is not None:
            stems.setdefault(found["stem"], []).append((found["code"], i))
    read: dict[int, str] = {}
    undecided: list[int] = []
    for stem, variants in stems.items():
        if stem in names:
            continue
        english = [i for code, i in variants if code in _ENGLISH_CODES]
        if len(english) == 1 or len(variants) == 1:
            read[(english or [variants[0][1]])[0]] = stem
        else:
            undecided += [i for _, i in variants]
    return read, [i for variants in stems.values() for _, i in variants], undecided


def _datetime_twin(name: str, positions: dict[str, int]) -> int | None:
    """The column holding the same publication time more exactly than `name`: its twin in UTC,
    '<name>_gmt' or '<name>_utc' (WordPress's REST API writes `date` in the site's zone, without
    one, and `date_gmt`); or, where `name` is a date alone (_DATE_ONLY_NAMES) named '<stem>date',
    '<stem>datetime' or '<stem>date_time' ('publication_date' ->
    'publication_datetime', Factiva's and Dow Jones' feeds; 'date' -> 'datetime'); None when the
    header has none."""
    if (utc := next((f"{name}{suffix}" for suffix in ("_gmt", "_utc") if f"{name}{suffix}" in positions), None)):
        return positions[utc]  # WordPress: 'date' in the site's zone, 'date_gmt' in UTC
    if name not in _DATE_ONLY_NAMES or not name.endswith("date"):
        return None
    stem = name[: -len("date")]
    twins = (f"{stem}datetime", f"{stem}date_time")  # not '<stem>time': a time of day alone ('publish_time')
    return next((positions[twin] for twin in twins if twin in positions), None)


def _time_of_day_column(date_name: str, positions: dict[str, int]) -> int | None:
    """The column completing the date alone (_DATE_ONLY_NAMES) in `date_name` with a time of day:
    its own '<stem>time' or '<stem>time_of_day' ('publish_date' and 'publish_time', a JSON
    `pubDate` and `pubTime`, `published: {date, time}` flattened to 'published_date' and
    'published_time'), else the first of _TIME_ONLY_NAMES ('Date' and 'Time', 'Datum' and
    'Uhrzeit'); None when the header has none. Names compare without their underscores."""
    if date_name not in _DATE_ONLY_NAMES:
        return None
    if date_name.endswith("date"):
        stem = date_name[: -len("date")].replace("_", "")
        wanted = {f"{stem}time", f"{stem}timeofday"}
        if (own := next((i for name, i in positions.items() if name.replace("_", "") in wanted), None)) is not None:
            return own
    return next((positions[a] for a in _TIME_ONLY_NAMES if a in positions), None)


def _feed_columns(header: list[str], declared: Mapping[str, str] | None = None) -> dict[str, int]:
    """canonical field -> index of the header column that carries it: the column `declared` names
    for it (`column_key` of a column -> field, news settings `columns`; such a column is read as
    no other field, and the field's aliases, teasers, twins and fallback give way to it); else the
    first column named by one of its aliases (a date alone gives way to its twin with the time of day, `_datetime_twin`);
    for TEXT_FIELDS without one, the unclaimed column whose name's last word is
    an alias, best ranked (`_text_suffix_rank`); a publication time without one, the first column
    whose name ends in one of _TIME_SUFFIXES. A teaser (_FIRST_TEASER) gives way to a longer text
    found by its last word. A second body column ('description' beside 'content') is
    `body_fallback`: read for a row whose body is not usable, before the headline. A column named
    for the article's language (_LANGUAGE_NAMES: `lang`, `language`, `locale`) is `language`."""
    # a time column whose header names its zone in parentheses ('Time (ET)', 'Zeit (MEZ)') is found
    # by its name without it; any other name keeps its parentheses ('Text (PT)' is no zone)
    names = [_normalise_name(zoned["name"]) if (zoned := _ZONE_IN_NAME.fullmatch(name.strip()))
             and _normalise_name(zoned["name"]) in _TIME_LIKE_NAMES else _normalise_name(name) for name in header]
    for i, stem in _text_translations(names)[0].items():  # 'title_en' beside 'title_fi' is the headline
        names[i] = stem
    found = {}
    for column, canonical in (declared or {}).items():
        index = next((i for i, name in enumerate(header) if column_key(name) == column), None)
        if index is not None:
            found[canonical] = index
    own = set(found)  # the fields the file's declared columns give
    positions = {name: i for i, name in reversed(list(enumerate(names))) if i not in found.values()}
    for canonical, aliases in FEED_ALIASES.items():
        index = next((positions[a] for a in aliases if a in positions), None)
        if index is not None and canonical not in found:
            found[canonical] = index
    if ("published_at" in found and "published_at" not in own
            and (twin := _datetime_twin(names[found["published_at"]], positions)) is not None):
        found["published_at"] = twin  # Factiva's 'publication_date' (midnight) beside 'publication_datetime'
    if ("published_at" in found
            and (time_index := _time_of_day_column(names[found["published_at"]], positions)) is not None):
        found["published_time"] = time_index  # a 'Date' and a 'Time' column: one publication time
    zone_index = next((positions[a] for a in _ZONE_NAMES if a in positions), None)
    if "published_at" in found and zone_index is not None:
        found["published_zone"] = zone_index  # a 'Time Zone' column beside them: each row's zone
    language_index = next((positions[a] for a in _LANGUAGE_NAMES if a in positions), None)
    if language_index is not None and language_index not in found.values():
        found["language"] = language_index  # 'lang': each article's language, its rows not in English named
    if "published_at" not in found:
        claimed = set(found.values())
        index = next((i for i, name in enumerate(names)
                      if i not in claimed and name.endswith(tuple("_" + suffix for suffix in _TIME_SUFFIXES))), None)
        if index is not None:
            found["published_at"] = index
    by_suffix: dict[str, list[int]] = {}
    for canonical in TEXT_FIELDS:
        ranked = sorted((rank, i) for i, name in enumerate(names)
                        if (rank := _text_suffix_rank(name, canonical)) is not None)
        by_suffix[canonical] = [i for _, i in ranked]
        if canonical not in found:
            claimed = set(found.values())
            index = next((i for i in by_suffix[canonical] if i not in claimed), None)
            if index is not None:
                found[canonical] = index
    body = found.get("body")
    if body is not None and "body" not in own and names[body] in FEED_ALIASES["body"][_FIRST_TEASER:]:
        claimed = set(found.values())
        longer = next((i for i in by_suffix["body"]
                       if i not in claimed and _text_suffix_rank(names[i], "body") < _FIRST_TEASER), None)
        if longer is not None:  # 'summary' beside 'full_text': the text is the body, the summary its fallback
            found["body"] = longer
    if "body" in found and "body" not in own:  # NewsAPI: 'content' (cut at 200 characters, or empty) and 'description'
        claimed = set(found.values())
        fallback = next((positions[a] for a in FEED_ALIASES["body"]
                         if a in positions and positions[a] not in claimed),
                        next((i for i in by_suffix["body"] if i not in claimed), None))
        if fallback is not None:
            found["body_fallback"] = fallback
    return found


def _csv_records(lines: list[str], width: int, fmt: dict
                 ) -> Iterator[tuple[int, list[str] | None, str, bool, bool, bool]]:
    """Data records of a CSV after its header line: (first physical line, fields, raw text, re-read,
    read alone, cut in a quoted field).

    A quoted field may continue over physical lines (bodies with line breaks). A record that spans
    lines but is not one well-formed record of `width` fields (a strict reader rejects it: a quote
    never closed, or closed in mid-field) is taken for a stray quote that swallowed the lines after
    it, and each of those lines is read on its own (read alone True; re-read True on the first of
    them). The file's last record, when the file ends inside a quoted field it opens (a copy cut
    short in a body, `_cut_in_quoted_field`), is one record, its lines together, cut True. Blank
    lines come back with fields None.
    """
    reader = csv.reader((line + "\n" for line in lines[1:]), **fmt)
    first = 2
    for fields in reader:
        last = reader.line_num + 1
        span = lines[first - 1 : last]
        if last == len(lines) and _cut_in_quoted_field(span, width, fmt):
            yield first, fields, "\n".join(span), False, False, True
        elif len(span) > 1 and not _one_strict_record("\n".join(span), width, fmt):
            for offset, single in enumerate(span):
                single_fields = next(csv.reader([single], **fmt), None)
                yield first + offset, single_fields if single.strip() else None, single, offset == 0, True, False
        else:
            yield first, (fields if any(f.strip() for f in fields) else None), "\n".join(span), False, False, False
        first = last + 1


def _cut_in_quoted_field(span: list[str], width: int, fmt: dict) -> bool:
    """Whether the file ends inside a quoted field that the record on lines `span` (the file's last
    physical lines) opens: a copy cut short in a body, or a last line whose quote never closes. A
    strict CSV reader reads the text as far as it goes, its closing quote added, as one record of at
    most `width` fields, and no line after the first is a whole record of `width` fields of its own
    (then the quote was a stray one, and the lines after it are records: `_csv_records`). A quote
    closed in mid-field (`"Beta" up`) is no cut."""
    text = "\n".join(span)
    if '"' not in text or fmt.get("quoting") == csv.QUOTE_NONE or _one_strict_record(text, width, fmt):
        return False
    try:
        records = list(csv.reader(io.StringIO(text + '"'), strict=True, **fmt))
    except csv.Error:
        return False
    return (len(records) == 1 and len(records[0]) <= width
            and not any(_one_strict_record(line, width, fmt) for line in span[1:]))


def _strict_records(lines: list[str], width: int, fmt: dict) -> int:
    """How many of `lines` a strict CSV reader with `fmt` reads as one whole record of the header's
    `width` fields: a backslash before a quote (`\\"`) is taken as its escape (Spark's and MySQL's
    default CSV, `escapechar`) only when that reads more of the lines holding one whole than
    doubled quotes do."""
    return sum(_one_strict_record(line, width, fmt) for line in lines)


def _one_strict_record(text: str, width: int, fmt: dict) -> bool:
    """Whether a strict CSV reader reads `text` as one record of `width` fields (or of one more,
    empty: `_trailing_delimiter`)."""
    try:
        records = list(csv.reader(io.StringIO(text), strict=True, **fmt))
    except csv.Error:
        return False
    return len(records) == 1 and (len(records[0]) == width or _trailing_delimiter(records[0], width))


def _quotes_as_text(raw: str, width: int, delimiter: str) -> list[str] | None:
    """The fields of a one-line record that no strict CSV reader reads because a field opens with a
    quoted word and goes on after it (`"Founded" in 1649 , Fiskars ...`, a headline `"Glaston 's
    brands" update`), as a writer that never quotes writes them (a tab-separated export): the line
    split at each delimiter, when that gives the header's `width` fields; a field quoted whole
    (`"Reuters"`) is unquoted as CSV would. None when the line spans lines, splits otherwise (a
    delimiter inside the quotes: then the quote does enclose a field, and the record is broken) or
    leaves a quote open in a field (a quoted body cut off: the file does not hold the rest)."""
    if "\n" in raw:
        return None
    pieces = raw.split(delimiter)
    if len(pieces) != width or any(piece.count('"') % 2 for piece in pieces):
        return None  # a quote left open is a body cut off (a truncated copy), not a quoted word
    fields = []
    for piece in pieces:
        inner = piece.strip()[1:-1]
        whole = len(piece.strip()) >= 2 and piece.strip()[0] == piece.strip()[-1] == '"' and '"' not in inner.replace('""', "")
        fields.append(inner.replace('""', '"') if whole else piece)
    return fields


def _trailing_delimiter(fields: list[str], width: int) -> bool:
    """A record of one field more than the header's `width`, the last one empty: a writer that ends
    every data line with the delimiter ('a,b,c,') but not its header. Nothing is lost by dropping
    the empty field; a row whose extra field holds text is a wrong field count."""
    return len(fields) == width + 1 and not fields[-1].strip()


_ZONES: dict[str, int] = {
    "UTC": 0, "UT": 0, "GMT": 0, "Z": 0, "WET": 0,
    "EST": -5 * 3600, "EDT": -4 * 3600, "CST": -6 * 3600, "CDT": -5 * 3600, "MST": -7 * 3600,
    "MDT": -6 * 3600, "PST": -8 * 3600, "PDT": -7 * 3600, "AKST": -9 * 3600, "AKDT": -8 * 3600,
    "HST": -10 * 3600, "WEST": 3600, "CET": 3600, "CEST": 2 * 3600, "EET": 2 * 3600,
    "EEST": 3 * 3600, "MSK": 3 * 3600, "GST": 4 * 3600, "PKT": 5 * 3600, "SGT": 8 * 3600,
    "HKT": 8 * 3600, "AWST": 8 * 3600, "JST": 9 * 3600, "KST": 9 * 3600, "AEST": 10 * 3600,
    "AEDT": 11 * 3600, "NZST": 12 * 3600, "NZDT": 13 * 3600, "MEZ": 3600, "MESZ": 2 * 3600,
    "WEZ": 0, "WESZ": 3600, "OEZ": 2 * 3600, "OESZ": 3 * 3600, "HNEC": 3600, "HAEC": 2 * 3600,
    "HNE": -5 * 3600, "HAE": -4 * 3600, "HNC": -6 * 3600, "HAC": -5 * 3600, "HNR": -7 * 3600,
    "HAR": -6 * 3600, "HNP": -8 * 3600, "HAP": -7 * 3600, "HNA": -4 * 3600, "HAA": -3 * 3600,
    "BRT": -3 * 3600, "BRST": -2 * 3600,
}
"""Zone abbreviations read as fixed UTC offsets (seconds): RFC 5322 section 4.3 for the US ones, the
usual civil-time meaning for the others (CST only in an RFC 2822 date: see _RFC_2822_ONLY_ZONES);
MEZ and MESZ are German for CET and CEST, WEZ/WESZ for WET/WEST and OEZ/OESZ for EET/EEST; HNEC
and HAEC French for CET and CEST, and HNE/HAE, HNC/HAC, HNR/HAR, HNP/HAP, HNA/HAA the Canadian
French names of EST/EDT, CST/CDT, MST/MDT, PST/PDT and AST/ADT (heure normale / avancée de l'Est,
du Centre, des Rocheuses, du Pacifique, de l'Atlantique); BRT and BRST Brasília time, standard and
summer. Written after a time ('09:00 CET') an abbreviation is the
offset its writer used, which in summer it writes CEST; a zone column or header naming CET, EET or
WET names a zone of the IANA database instead (IANA_RULE_ZONES), read with its summer time."""

_AMBIGUOUS_ZONES = {"IST": "India +05:30, Ireland +01:00 or Israel +02:00", "ET": "EST or EDT",
                    "HE": "heure de l'Est: HNE -05:00 or HAE -04:00",
                    "CT": "CST or CDT", "MT": "MST or MDT", "PT": "PST or PDT", "AST": "Arabia or Atlantic",
                    "BST": "British Summer Time +01:00 or Bangladesh Standard Time +06:00"}
_RFC_2822_ONLY_ZONES = {"CST": "US Central -06:00, as an RFC 2822 date means it, or China +08:00, as Java's "
                                "Date.toString writes it on a server in China, or Cuba -05:00"}
"""Abbreviations with one meaning only in an RFC 2822 date ('Thu, 02 May 2024 09:00:00 CST', RFC 5322
section 4.3), where they stand last; in any other form they are ambiguous."""
US_ZONE_REGIONS = {"ET": "America/New_York", "CT": "America/Chicago", "MT": "America/Denver",
                   "PT": "America/Los_Angeles"}
"""US time names that say a region, not an offset ('ET' is EST in winter, EDT in summer): read as
the region, where the wall-clock date decides, in a zone column or a column's header ('Time (ET)');
in a time value itself they stay ambiguous (_AMBIGUOUS_ZONES)."""
SEASONAL_PAIRS = {"CET/CEST": "Europe/Berlin", "MEZ/MESZ": "Europe/Berlin", "EET/EEST": "Europe/Helsinki",
                  "WET/WEST": "Europe/Lisbon", "GMT/BST": "Europe/London", "EST/EDT": "America/New_York",
                  "CST/CDT": "America/Chicago", "MST/MDT": "America/Denver", "PST/PDT": "America/Los_Angeles",
                  "AEST/AEDT": "Australia/Sydney", "NZST/NZDT": "Pacific/Auckland"}
"""A zone's standard and summer abbreviations written as a pair ('CET/CEST'): the region whose
clock they name, where the date decides which applies (IANA time zone database)."""
IANA_RULE_ZONES = ("CET", "MET", "EET", "WET", "EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT")
"""Zone names of the IANA time zone database (its POSIX-style zones, since 2024b links to a
region: `CET` to Europe/Brussels, `EST5EDT` to America/New_York) that look like abbreviations but
observe summer time: `CET` is +01:00 in winter and +02:00
(CEST) in summer, `EST5EDT` is -05:00 or -04:00 (EDT). In a zone column or a time column's header
such a name is the zone an export's clock was set to (Java's `TimeZone` ids, a server's `TZ`), so
`zone_named` reads it through `zoneinfo`, where the date decides the offset; `EST`, `MST` and
`HST`, which the database keeps at one offset all year, stay the fixed offsets of _ZONES."""
_ZONE_OFFSET = re.compile(r"(?i)(?:UTC|GMT)?\s*(?P<sign>[+-])\s*(?:(?P<hh>\d{2})(?P<mm>\d{2})|(?P<hours>\d{1,2})"
                          r"(?::(?P<minutes>\d{2}))?)")
"""A zone written as its offset from UTC: '+03:00', '-0400', 'GMT-4', 'UTC+05:30'. Three digits
('-240', '+330': minutes, or hours and minutes run together?) are no offset form."""
_ZONE_DECIMAL_HOURS = re.compile(r"(?i)(?:UTC|GMT)?\s*(?P<sign>[+-])?\s*(?P<hours>\d{1,2})\.(?P<fraction>\d{1,2})")
"""A zone's offset in decimal hours, as a GMT offset column may hold it: '-4.0', '5.5', '+5.75'."""
_ZONE_IN_NAME = re.compile(r"(?P<name>.+?)\s*\((?P<zone>[^()]+)\)")
"""A column name, as written, that may give its values' zone in parentheses ('Time (ET)',
'Published (UTC-04:00)'); read so only for a time column's name (`_TIME_LIKE_NAMES`)."""


def zone_named(text: str) -> zoneinfo.ZoneInfo | timezone:
    """The zone a zone column or a header names: an IANA region ('America/New_York'), 'UTC', 'GMT' or
    'Z', an offset ('+03:00', '-0400', 'GMT-4', 'UTC+05:30', in decimal hours '-4.0', '5.5'; up to 14
    hours, whole, half or three-quarter: '-240' is no offset form), a standard and summer pair
    ('CET/CEST', SEASONAL_PAIRS), an IANA zone with summer time written like an abbreviation
    (IANA_RULE_ZONES: 'CET' is +2 in July, 'EST5EDT' -4), an abbreviation of _ZONES read as its
    fixed offset ('EST' -5, 'CEST' +2, 'MEZ' +1), or a US time name of US_ZONE_REGIONS ('ET' ->
    America/New_York).

    Raises:
        ValueError: anything else, or an abbreviation of several meanings (_AMBIGUOUS_ZONES: 'IST'),
            naming the value.
    """
    value = text.strip()
    upper = value.upper()
    if upper in ("UTC", "GMT", "Z", "UT", "ZULU"):
        return UTC
    if upper in US_ZONE_REGIONS:
        return zoneinfo.ZoneInfo(US_ZONE_REGIONS[upper])
    if (pair := re.sub(r"\s*/\s*", "/", upper)) in SEASONAL_PAIRS:
        return zoneinfo.ZoneInfo(SEASONAL_PAIRS[pair])
    if upper in IANA_RULE_ZONES:  # CET, EST5EDT: a zone of the database, with its summer time
        return zoneinfo.ZoneInfo(upper)
    if upper in _ZONES:
        return timezone(timedelta(seconds=_ZONES[upper]))
    if (decimal := _ZONE_DECIMAL_HOURS.fullmatch(value)) is not None:  # a GMT offset column's '-4.0', '5.5'
        hours, minutes = int(decimal["hours"]), round(float("0." + decimal["fraction"]) * 60)
        if hours > 14 or minutes not in (0, 30, 45):
            raise ValueError(f"zone {value!r}: no zone is {value} hours away from UTC")
        return timezone((-1 if decimal["sign"] == "-" else 1) * timedelta(hours=hours, minutes=minutes))
    if (offset := _ZONE_OFFSET.fullmatch(value)) is not None:
        hours, minutes = int(offset["hh"] or offset["hours"]), int(offset["mm"] or offset["minutes"] or 0)
        if hours > 14 or minutes not in (0, 30, 45):
            raise ValueError(f"zone {value!r}: no zone is {hours}:{minutes:02d} away from UTC")
        sign = -1 if offset["sign"] == "-" else 1
        return timezone(sign * timedelta(hours=hours, minutes=minutes))
    if upper in _AMBIGUOUS_ZONES or upper in _RFC_2822_ONLY_ZONES:
        meaning = _AMBIGUOUS_ZONES.get(upper) or _RFC_2822_ONLY_ZONES[upper]
        raise ValueError(f"zone {value!r} has several meanings ({meaning}); name the region ('Asia/Kolkata') "
                         "or write the offset ('+05:30')")
    if "/" in value and (region := _iana_regions().get(value.lower())) is not None:
        return zoneinfo.ZoneInfo(region)
    raise ValueError(f"zone {value!r} is no time zone this reader knows: write an IANA region "
                     "('Europe/Helsinki') or an offset ('+03:00')")


@functools.cache
def _iana_regions() -> dict[str, str]:
    """The IANA time zone database's region names, by their lower-case spelling ('europe/paris' ->
    'Europe/Paris': a header is compared lowercased)."""
    return {name.lower(): name for name in zoneinfo.available_timezones() if "/" in name}


def _is_zone(text: str) -> bool:
    """Whether `zone_named` reads a zone from `text`."""
    try:
        zone_named(text)
    except ValueError:
        return False
    return True


def _header_zone(name: str) -> tuple[str, zoneinfo.ZoneInfo | timezone | None] | None:
    """For a time column's name as written with a zone in parentheses ('Time (ET)', 'Hora
    (UTC-3)'): (the zone as written, the zone or None when no zone can be read from it: 'MEZ?');
    None for any other name."""
    zoned = _ZONE_IN_NAME.fullmatch(name.strip())
    if zoned is None or _normalise_name(zoned["name"]) not in _TIME_LIKE_NAMES:
        return None
    written = zoned["zone"].strip()
    try:
        return written, zone_named(written)
    except ValueError:
        return written, None


def wall_time_in_zone(wall: datetime, zone: zoneinfo.ZoneInfo | timezone, text: str) -> datetime:
    """A zone-less wall-clock time read in `zone`, as naive UTC.

    Raises:
        ValueError: the time is skipped or repeated in `zone` when its clocks change (daylight
            saving), so it names no single instant; the message quotes `text`.
    """
    first, second = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        skipped = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall
        raise ValueError(f"{text!r}: {wall:%Y-%m-%d %H:%M} is {'skipped' if skipped else 'repeated'} in {zone} when "
                         f"the clocks go {'forward' if skipped else 'back'}, so it names no single instant; write "
                         "the time with its offset")
    return first.astimezone(UTC).replace(tzinfo=None)


_RFC_2822_DATE = re.compile(r"(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}(?::\d{2})?\s+[A-Za-z]+")
"""RFC 2822's date-time with a zone name: '[Thu, ]02 May 2024 09:00[:00] CST'."""
_DATE_WORDS = {
    *(m.lower() for m in ("January", "February", "March", "April", "May", "June", "July", "August",
                          "September", "October", "November", "December", "Sept")),
    *(m[:3].lower() for m in ("January", "February", "March", "April", "June", "July", "August",
                              "September", "October", "November", "December")),
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
    "am", "pm", "a", "p", "m", "t", "at", "on", "th", "st", "nd", "rd",
}
_WEEKDAYS = {name: day for day, names in enumerate((
    ("monday", "mon"), ("tuesday", "tue", "tues"), ("wednesday", "wed"), ("thursday", "thu", "thur", "thurs"),
    ("friday", "fri"), ("saturday", "sat"), ("sunday", "sun"))) for name in names}
"""Weekday names and abbreviations -> Python's weekday number (Monday 0)."""
_EPOCH = datetime(1970, 1, 1)
"""Unix time 0, naive UTC: a time field's default, never a publication time."""
_EARLIEST, _LATEST = 1970, 2100
"""Years a publication time may carry; outside them it is a placeholder (.NET's 0001-01-01,
9999-12-31), not a time."""


_EPOCH_DIVISORS = {10: 1, 13: 1_000, 16: 1_000_000, 19: 1_000_000_000}
"""Digits of a Unix epoch time in seconds, milliseconds (JavaScript), microseconds (Python's
time_ns() // 1000, Postgres) and nanoseconds (Go's UnixNano, Spark) -> its divisor to seconds."""
_ZONED_SUFFIX = re.compile(r"(?<=[0-9Z])\[[A-Za-z_]+(?:[/:][A-Za-z0-9_+-]+)*[+-]?[0-9:]*\]$")
"""Java's ZonedDateTime.toString() region after the offset ('2024-05-02T09:00+02:00[Europe/Paris]')."""
_GO_TIME = re.compile(r"(?P<time>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?) (?P<sign>[+-])(?P<hours>\d{2})"
                      r"(?P<minutes>\d{2}) [A-Z]{2,5}(?: m=[+-][0-9.]+)?")
"""Go's time.Time.String(): '2024-05-02 09:00:00 +0000 UTC', '... +0200 CEST', with a monotonic
clock reading ' m=+0.0012' when taken from time.Now(); the numeric offset decides."""

_ORACLE_TIME = re.compile(
    r"(?P<day>\d{2})-(?P<month>[A-Za-z]{3})-(?P<year>\d{2}|\d{4}) (?P<hour>\d{1,2})\.(?P<minute>\d{2})\."
    r"(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,9}))? ?(?P<half>[AaPp][Mm])"
    r"(?: (?P<zone>[+-]\d{1,2}:\d{2}|UTC|GMT|(?P<region>[A-Za-z]+(?:/[A-Za-z0-9_+-]+)+)(?: (?P<abbreviation>[A-Z]{2,5}))?))?")
"""Oracle's default text of a TIMESTAMP (NLS_TIMESTAMP_FORMAT 'DD-MON-RR HH.MI.SSXFF AM') and of a
TIMESTAMP WITH TIME ZONE ('... TZR'): '02-MAY-24 09.00.00.000000 AM +02:00'. X is the session's
decimal character, a comma where NLS_NUMERIC_CHARACTERS says so ('09.00.00,000000 AM'); TZR is an
offset or a region ('Europe/Helsinki'), TZD the region's abbreviation at that moment
('Europe/Helsinki EEST', which picks the hour of a clock change that occurs twice). A two-digit RR
year is 2000-2049 for 00-49 and 1950-1999 for 50-99 (Oracle Database SQL Language Reference,
"RR Datetime Format Element", "Format Models")."""


def _oracle_iso(found: re.Match[str]) -> str:
    """The ISO 8601 text of an _ORACLE_TIME match ('2024-05-02T09:00:00.000000+02:00')."""
    year = int(found["year"])
    if len(found["year"]) == 2:
        year += 2000 if year < 50 else 1900
    month = MONTH_NAMES.get(found["month"].lower())
    if month is None:
        raise ValueError(f"{found[0]!r}: {found['month']!r} is no month")
    hour = int(found["hour"]) % 12 + (12 if found["half"].lower() == "pm" else 0)
    fraction = f".{found['fraction'][:6]}" if found["fraction"] else ""
    if found["region"]:
        return _in_region(found, year, month, hour, fraction)
    zone = {"UTC": "+00:00", "GMT": "+00:00"}.get((found["zone"] or "").upper(), found["zone"] or "")
    if zone and len(zone.split(":")[0]) == 2:  # +2:00 -> +02:00
        zone = zone[0] + "0" + zone[1:]
    return f"{year:04d}-{month:02d}-{int(found['day']):02d}T{hour:02d}:{found['minute']}:{found['second']}{fraction}{zone}"


def _in_region(found: re.Match[str], year: int, month: int, hour: int, fraction: str) -> str:
    """The ISO 8601 text, with its offset, of an _ORACLE_TIME match whose zone is a region: the
    region's offset at that wall-clock time (IANA time zone database, `zoneinfo`); where the clock
    went back and the time occurs twice, the one the abbreviation names, else the first.

    Raises:
        ValueError: the region is unknown, the time does not exist there (skipped when the clock
            went forward), or the abbreviation is not the region's at that time."""
    region = found["region"]
    try:
        zone = zoneinfo.ZoneInfo(region)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{found[0]!r}: {region!r} is no time zone region") from None
    wall = datetime.fromisoformat(
        f"{year:04d}-{month:02d}-{int(found['day']):02d}T{hour:02d}:{found['minute']}:{found['second']}{fraction}")
    readings = {fold: wall.replace(tzinfo=zone, fold=fold) for fold in (0, 1)}
    if all(r.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall for r in readings.values()):
        raise ValueError(f"{found[0]!r}: {wall:%Y-%m-%d %H:%M} does not exist in {region} (the clock went forward)")
    if abbreviation := found["abbreviation"]:
        named = [r for r in readings.values() if r.tzname() == abbreviation]
        if not named:
            raise ValueError(f"{found[0]!r}: {region} is {readings[0].tzname()} at that time, not {abbreviation}")
        return named[0].isoformat()
    return readings[0].isoformat()


_CLOCK = r"(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2})(?:[:.](?P<second>\d{2}))?)?"
_HOUR_AND_MINUTES = re.compile(r"(?i)(?<![\w.:,/-])(?P<hour>\d{1,2}) ?h ?(?P<minute>\d{2})(?: ?min\b|m\b)?(?![\w.:])")
"""French and Portuguese hours and minutes: '9h30', '09 h 30', '9h30min'."""
_MERIDIEM_DOTTED = re.compile(r"(?i)(?<![\w.:,/-])(?P<hour>\d{1,2})\.(?P<minute>\d{2}) ?(?P<half>[ap])\.? ?m\b\.?")
"""British English hours and minutes with a dot before AM/PM: '9.30am', '9.30 p.m.'."""
_CLOCK_AND_WORD = re.compile(rf"(?i)(?<![\w.:,/-]){_CLOCK} ?(?:uhr|uur|h|hs|hrs|horas?|heures?)(?!\w)\.?")
"""A time followed by the word for o'clock: German '9:00 Uhr', '09.30 Uhr', '9 Uhr', Dutch '9.30 uur',
Spanish and Portuguese '9:30 h', '09:30 horas', '9:30 hs', French '9 h', '17 heures'."""
_WORD_AND_CLOCK = re.compile(rf"(?i)(?<!\w)(?:um|om|à|às|a las|a la|alle ore|alle|ore) +{_CLOCK}(?![\w.:])")
"""A time after the word for 'at': German 'um 9:00', Dutch 'om 9.30', French 'à 9:30', Portuguese
'às 9:30', Spanish 'a las 9:30', Italian 'alle 9.30', 'ore 9.30'."""
_DOTTED_CLOCK = re.compile(r"(?:(?<=\d\s)|(?<=\d,\s))(?P<hour>\d{1,2})\.(?P<minute>\d{2})(?![\d.])")
"""Hours and minutes written with a dot after the date ('2024-05-02 09.30', '2 May 2024, 9.30', as
Italian, Dutch, Danish and Finnish write them): a time of day, never a fraction of an hour (ISO
8601 would read '09.30' as 09:00:18). Only after a date's last digit, and never three parts:
'Mon 13.05.24' is a date."""


FINANCIAL_CENTRES = {
    "tokyo": "Asia/Tokyo", "hong kong": "Asia/Hong_Kong", "singapore": "Asia/Singapore",
    "shanghai": "Asia/Shanghai", "mumbai": "Asia/Kolkata", "dubai": "Asia/Dubai", "frankfurt": "Europe/Berlin",
    "paris": "Europe/Paris", "london": "Europe/London", "zurich": "Europe/Zurich", "amsterdam": "Europe/Amsterdam",
    "milan": "Europe/Rome", "madrid": "Europe/Madrid", "stockholm": "Europe/Stockholm", "oslo": "Europe/Oslo",
    "helsinki": "Europe/Helsinki", "sydney": "Australia/Sydney", "toronto": "America/Toronto",
    "new york": "America/New_York", "chicago": "America/Chicago", "sao paulo": "America/Sao_Paulo",
    "johannesburg": "Africa/Johannesburg",
}
"""The major financial centres' names (compared lowercased, without accents: 'São Paulo', 'Zürich')
-> the IANA region whose clock each keeps, as the IANA time zone database's zone1970.tab places
them: a city that names no zone of its own keeps its country's (Frankfurt Europe/Berlin, Milan
Europe/Rome, Mumbai Asia/Kolkata). Named after a time, '9:00 a.m. New York time' (ZONE_PHRASES)
is the clock; a city alone in brackets, '09:30 (Tokyo)', may be the clock or the story's
dateline (`_read_time_comment`)."""
ZONE_PHRASES = {
    "horario de brasilia": "America/Sao_Paulo", "hora de brasilia": "America/Sao_Paulo",
    "horario de lisboa": "Europe/Lisbon", "hora de lisboa": "Europe/Lisbon",
    "hora peninsular": "Europe/Madrid", "hora de madrid": "Europe/Madrid",
    "ora italiana": "Europe/Rome", "heure de paris": "Europe/Paris",
    "deutscher zeit": "Europe/Berlin", "nederlandse tijd": "Europe/Amsterdam", "uk time": "Europe/London",
    **{f"{city} time": region for city, region in FINANCIAL_CENTRES.items()},
}
"""Words after a time that name the region whose clock it is, as the desks' languages write them
(compared lowercased, without accents: 'horário de Brasília'), -> the IANA region: '9h30 (horário
de Brasília)', '9 Uhr deutscher Zeit', '9:00 a.m. New York time', read there with its summer time."""


def _folded(text: str) -> str:
    """`text` lowercased, its accents removed and its blanks one space ('Horário  de Brasília' ->
    'horario de brasilia')."""
    return " ".join("".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).lower().split())


_ZONE_PHRASE = re.compile(r"(?i)\s*\(?\s*(?P<phrase>" + "|".join(
    r"\s+".join(re.escape(word).replace("a", "[aáàâã]").replace("i", "[iíì]").replace("u", "[uúü]")
               .replace("e", "[eéèê]").replace("o", "[oóôö]") for word in phrase.split())
    for phrase in ZONE_PHRASES) + r")\s*\)?\s*$")


def _local_clock(text: str) -> str:
    """`text` with a time of day written as the languages whose headers a feed may use write it
    ('9:00 Uhr', 'um 9 Uhr', '09.30 uur', '9h30', 'à 9 h 30', 'às 9h30min', 'a las 9:30 h', 'alle 9.30',
    '9.30am', a dot after the date: '2024-05-02 09.30') rewritten as 'HH:MM[:SS]' ('9.30am' as
    '9:30 am'), so that the forms `parse_timestamp` reads read it; the rest, a zone after it ('9:00
    Uhr MESZ' -> '09:00 MESZ') included, unchanged.

    Raises:
        ValueError: such a time is no time of the day (an hour past 23, minutes past 59: '25 Uhr'),
            naming it.
    """
    def clock(found: re.Match[str]) -> str:
        hour, minute = int(found["hour"]), int(found["minute"] or 0)
        second = found.groupdict().get("second")
        if hour > 23 or minute > 59 or (second is not None and int(second) > 59):
            raise ValueError(f"{found[0].strip()!r} is no time of day (hours 0-23, minutes 0-59): {text!r}")
        return f"{hour:02d}:{minute:02d}" + (f":{second}" if second is not None else "")

    value = _HOUR_AND_MINUTES.sub(clock, text)
    value = _MERIDIEM_DOTTED.sub(lambda found: f"{int(found['hour'])}:{found['minute']} {found['half'].lower()}m", value)
    value = _CLOCK_AND_WORD.sub(clock, value)
    value = _WORD_AND_CLOCK.sub(clock, value)
    return _DOTTED_CLOCK.sub(clock, value)


_TWELVE_HOUR_CLOCK = re.compile(
    r"(?i)(?<![\d.:])(?P<clock>(?P<hour>\d{1,2})(?:[:.]\d{2}){0,2}(?:[.,]\d{1,9})?)\s*\(?\s*(?P<half>[ap]\.?\s?m\b\.?)")
"""A time of day with AM/PM, as written ('9:30 PM', '12:05 am', '9.30 p.m.', Oracle's '09.00.00.000000 AM',
'9:30 (pm)'): its hour is 1-12."""


def _check_twelve_hour_clock(text: str) -> None:
    """Refuse a time with AM/PM whose hour is no 12-hour clock's ('00:30 PM', '13:30 PM', '0:15 am'):
    read, it would be a guess (00:30 PM as 12:30), and 13:30 PM is no time at all.

    Raises:
        ValueError: quoting the time and `text`.
    """
    for found in _TWELVE_HOUR_CLOCK.finditer(text):
        if not 1 <= int(found["hour"]) <= 12:
            raise ValueError(f"{found['clock'] + ' ' + found['half']!r} is no 12-hour clock time: with AM/PM the hour is 1-12 (12:30 PM is "
                             f"half past noon, 12:05 AM five past midnight); write the 24-hour time: {text!r}")


_DOTNET_DATE = re.compile(r"\\?/Date\((?P<ms>\d+)(?:[+-]\d{4})?\)\\?/")
"""A .NET JSON date (DataContractJsonSerializer, ASP.NET, PowerShell 5's ConvertTo-Json): milliseconds
since 1970 UTC, and an offset after them that says only in which zone it was shown."""


_CLOCK_TIME = re.compile(r"(?i)(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?|(?<=\dT)\d{4}(?:\d{2})?(?:[.,]\d+)?"
                         r"|(?<!\d)\d{1,2}\s*[ap]\.?\s?m\b\.?")
"""The time of day in a publication time's text ('09:00:00.5', ISO's basic 'T090000', '9 pm'): the
zone statements follow it."""
_CLOCK_STATEMENT = re.compile(
    r"(?<![A-Za-z])(?P<named>(?i:UTC|GMT|UT)[+-]\d{1,2}(?::?\d{2})?)(?![\d:.])"  # 'UTC+3', 'GMT+0200': one statement
    r"|(?P<offset>[+-]\d{1,2}(?::\d{2}|\d{2})?)(?![\d:.])"  # '+02:00', '-0300', '+05'
    r"|(?<![A-Za-z])(?P<word>[A-Za-z]+)(?![A-Za-z])")  # 'Z', 'UTC', 'CEST' (where _ZONES knows the word)
"""One statement of a time's clock after its time of day: an offset, named ('UTC+3') or bare
('+02:00'), or a word, which counts where it is a zone abbreviation of one meaning."""


def _clock_statements(value: str) -> list[tuple[re.Match[str], timedelta]]:
    """The statements of its clock (as matched, the UTC offset each states) a time's text makes
    after its time of day: '2024-05-02T09:00:00Z+02:00' -> Z (+00:00) and +02:00, '09:00 CEST
    +0200' -> CEST and +0200, 'GMT+0200' one. A date after the time ('09:00 2024-05-02') states
    none; an abbreviation of several meanings ('IST', 'CST' outside RFC 2822) states no one offset
    and is left to the reader, which refuses it; an offset beyond 14 hours is left to it too."""
    time = _CLOCK_TIME.search(value)
    if time is None:
        return []
    tail = re.sub(r"\d{4}-\d{1,2}-\d{1,2}", lambda date: " " * len(date[0]), value[time.end():])
    statements = []
    for found in _CLOCK_STATEMENT.finditer(tail):
        if found["word"] is not None:
            upper = found["word"].upper()
            if upper not in _ZONES or upper in _RFC_2822_ONLY_ZONES:
                continue
            offset = timedelta(seconds=_ZONES[upper])
        else:
            try:
                zone = zone_named(found[0])
            except ValueError:
                continue
            offset = zone.utcoffset(None)
        statements.append((found, offset))
    return statements


def _offset_stated_once(value: str, written: str) -> str:
    """`value`, a time's text, with its clock stated once: a time that states it more than once
    ('2024-05-02T09:00:00Z+00:00', '09:00 CEST +02:00', '+02:00+02:00', `_clock_statements`) keeps
    one of the statements, a numeric offset where it gives one, where all state the same UTC
    offset; `value` itself where it states its clock once or not at all.

    Raises:
        ValueError: two statements disagree ('09:00:00Z+02:00': Z is +00:00, +02:00 is not; '09:00 EST
            +02:00'; '+02:00+03:00'; '09:00 UTC UTC+3'), whichever the instant could be read on;
            naming both clocks and their offsets, quoting `written`.
    """
    statements = _clock_statements(value)
    if len(statements) < 2:
        return value
    (first, own), *others = statements
    for found, offset in others:
        if offset != own:
            raise ValueError(f"{written!r} names two clocks that disagree: {first[0]} is UTC{_offset_text(own)} but "
                             f"{found[0]} is UTC{_offset_text(offset)}, so the instant is in doubt; write the time "
                             "with one zone or offset")
    kept = next((found for found, _ in statements if found["word"] is None), first)
    start = _CLOCK_TIME.search(value).end()
    tail = value[start:]
    for found, _ in reversed(statements):
        if found is not kept:
            tail = tail[:found.start()] + tail[found.end():]
    return value[:start] + re.sub(r"\s{2,}", " ", tail).rstrip()


_SCIENTIFIC = re.compile(r"(?P<mantissa>\d(?:\.\d+)?)[eE]\+?(?P<power>\d{1,2})")
"""A number in scientific notation, as a spreadsheet or pandas writes a large one: '1.7146404E9',
'1.714640400e+09'."""


def _epoch_in_full(value: str, written: str) -> str:
    """Epoch time `value` written in scientific notation ('1.714640400E9') as the whole number it
    is ('1714640400'), which `parse_timestamp` reads by its digits as an epoch.

    Raises:
        ValueError: the notation rounded the number ('1.7146404E9' keeps 8 digits of 10, so the
            time is known only to the nearest 100 seconds), or it has a fraction; naming the
            number and what to write, quoting `written`.
    """
    number = decimal.Decimal(value)
    exponent = number.as_tuple().exponent
    if exponent > 0:
        whole = f"{number:f}"
        unit = {10: "seconds", 13: "milliseconds", 16: "microseconds", 19: "nanoseconds"}.get(len(whole), "units")
        raise ValueError(f"{written!r} is a number in scientific notation ({whole} in full), as a spreadsheet or "
                         f"pandas writes a large number, rounded to {len(number.as_tuple().digits)} significant digits: "
                         f"read as Unix epoch time it is known only to the nearest {10 ** exponent:,} {unit}; export "
                         "the column as whole numbers (1714640400) or as ISO 8601 times")
    return f"{number:f}"


def parse_timestamp(text: str, read_day_first: list[str] | None = None,
                    file_order: DateOrderEvidence | None = None) -> tuple[datetime, bool]:
    """A publication time as naive UTC, and whether the source gave no zone (then taken as UTC).

    Accepts ISO 8601 ('2024-05-02T09:00:00Z', '...+02:00', '2024-05-02 09:00', '2024-05-02'),
    RFC 2822 as RSS writes it ('Thu, 02 May 2024 09:00:00 GMT'), Unix epoch seconds (10 digits),
    milliseconds (13), microseconds (16) or nanoseconds (19) up to next year, Java's ZonedDateTime
    ('2024-05-02T09:00+02:00[Europe/Paris]'; without the offset the region is read, as RFC 9557
    allows: '2024-05-02T09:00[Europe/Paris]' is 07:00 UTC; with it, the region must be at that
    offset, as must a clock named in a bracket after a zone: `_one_clock`), Go's time.String()
    ('2024-05-02 09:00:00 +0200 CEST'), a .NET JSON date ('/Date(1714642200000)/', _DOTNET_DATE),
    Oracle's default TIMESTAMP [WITH TIME ZONE] text ('02-MAY-24 09.00.00.000000 AM +02:00',
    '02-MAY-24 09.00.00,000000 AM Europe/Helsinki EEST'), and free forms with AM/PM and a zone abbreviation of _ZONES ('May 2, 2024
    9:00 PM EST', '2024-05-02 15:30:00 UTC', JavaScript's 'Thu May 02 2024 21:00:00 GMT+0200 (...)'),
    their time of day also written as the desks' languages write it (`_local_clock`: '2024-05-02
    9:00 Uhr MESZ', '2024-05-02 9h30', '2024-05-02 09.30 uur', '2024-05-02 alle 9.30').
    A zone is never dropped: an abbreviation outside _ZONES, or one of several meanings (IST, ET,
    BST; CST outside an RFC 2822 date), fails, and so does a numeric date whose day and month could
    be swapped (03/04/2024; read in the file's declared date_order, or day first beside a word of a
    language that writes dates so, '02.05.2024 9:00 Uhr', that word then appended to
    `read_day_first` where given, or in the order the file's other values show, `file_order`
    (`date_order_evidence`): `_free_form_timestamp`), and a number that is no known length (6
    digits: YYMMDD, DDMMYY or MMDDYY cannot be told apart), or a spreadsheet day number (5 digits:
    45414.375). Epoch times may carry a fraction ('1711922400.75').

    Raises:
        ValueError: none of these forms, an unknown or ambiguous zone, a day/month ambiguity, an
            hour outside 1-12 with AM/PM ('00:30 PM', `_check_twelve_hour_clock`), a year outside 1970-2100 (a placeholder such as 0001-01-01), Unix time 0 itself (a
            placeholder), a time after next year, a clock stated twice in two ways that disagree
            ('09:00Z+02:00': `_offset_stated_once`), a date or time that does not exist ('2023-02-29',
            '20241302', a leap second: `_impossible_part_said`), or an epoch in scientific notation
            that lost digits ('1.7146404E9': `_epoch_in_full`); the message says which.
    """
    if (dotnet := _DOTNET_DATE.fullmatch(text.strip())) is not None:  # '/Date(1714642200000)/': ms since 1970, UTC
        text = dotnet["ms"]
    _check_twelve_hour_clock(text.strip())
    value, comments = _time_comments(text.strip())  # '09:30 CEST (Reuters) (updated)'
    regions: list[tuple[str, str]] = []  # (as written, the IANA region): read a zone-less time, else checked
    if (suffix := _ZONED_SUFFIX.search(value)) is not None:  # Java's '...+02:00[Europe/Paris]'
        regions.append((suffix[0], suffix[0][1:-1]))
        value = value[:suffix.start()]
    if (phrase := _ZONE_PHRASE.search(value)) is not None:  # '9 Uhr deutscher Zeit': a region's clock
        regions.append((phrase["phrase"], ZONE_PHRASES[_folded(phrase["phrase"])]))
        value = value[:phrase.start()]
    others = []
    for inside in comments:
        if _REGION_IN_BRACKETS.fullmatch(inside):  # '09:30 (Europe/Paris)'
            regions.append((f"({inside})", inside))
        elif (phrase := _ZONE_PHRASE.fullmatch(inside)) is not None:  # '9h30 (horário de Brasília)'
            regions.append((f"({inside})", ZONE_PHRASES[_folded(phrase["phrase"])]))
        else:
            others.append(inside)
    if go := _GO_TIME.fullmatch(value):  # Go's time.String(): '2024-05-02 09:00:00 +0200 CEST'
        _offset_stated_once(value, text.strip())  # '+0500 CEST': the abbreviation, where known, agrees
        value = f"{go['time']}{go['sign']}{go['hours']}:{go['minutes']}"
    elif oracle := _ORACLE_TIME.fullmatch(value):  # Oracle's '02-MAY-24 09.00.00.000000 AM +02:00'
        value = _oracle_iso(oracle)
    else:  # '9:00 Uhr', '9h30', '09.30 uur': the time of day as a desk's language writes it
        value = _local_clock(value)
    value, clocks = _without_time_comment(value, others, text.strip(), zoned=bool(regions))
    value = _offset_stated_once(value, text.strip())  # '09:00:00Z+02:00': two clocks, which must agree
    if (scientific := _SCIENTIFIC.fullmatch(value)) and int(scientific["power"]) >= 9:  # '1.714640400E9': an epoch
        value = _epoch_in_full(value, text.strip())
    latest = datetime.now(UTC).year + 1
    try:
        if re.fullmatch(r"(?:\d{10}|\d{13}|\d{16}|\d{19})(?:\.\d+)?", value):  # s, ms, µs or ns since 1970
            seconds = float(value) / _EPOCH_DIVISORS[len(value.split(".")[0])]
            parsed = datetime.fromtimestamp(seconds, UTC)
            if parsed.year > latest:  # '2024050215' is a compact date, not 2034
                raise ValueError(f"{value!r} read as Unix epoch time is in {parsed.year}: a compact date? "
                                 "write ISO 8601")
        elif re.fullmatch(r"\d{5}(?:\.\d+)?", value):  # 45414.375: 2024-05-02 09:00 in Excel's day count
            raise ValueError(f"{value!r} is a spreadsheet day number (an Excel serial date), not a time: the cell "
                             "lost its date format before export; format the column as a date (yyyy-mm-dd hh:mm) "
                             "and export again")
        elif re.fullmatch(r"\d+", value) and len(value) not in (4, 8, 14):  # a year alone: 'no month or day'
            which = " (YYMMDD, DDMMYY, MMDDYY or YYYYMM? the order cannot be told)" if len(value) == 6 else ""
            raise ValueError(f"{value!r}: {len(value)} digits are no timestamp form this reader knows{which}; write "
                             "ISO 8601, YYYYMMDD, or Unix epoch seconds (10 digits) or milliseconds (13)")
        else:
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                parsed = _free_form_timestamp(value, text.strip(), read_day_first, file_order)
    except (OverflowError, OSError) as exc:
        raise ValueError(f"not a time that can exist: {text!r} ({exc})") from None
    if not _EARLIEST <= parsed.year <= _LATEST:
        raise ValueError(f"year {parsed.year} is outside {_EARLIEST}-{_LATEST}: a placeholder, not a publication "
                         f"time: {text!r}")
    own = _zone_written(value)
    if parsed.tzinfo is None and regions and not is_date_only(value, parsed):
        # '2024-05-02T09:00:00[Europe/Paris]': no offset, a region (a date alone stays a day)
        own, zone = regions[0][0], zone_named(regions[0][1])
        parsed = wall_time_in_zone(parsed, zone, text).replace(tzinfo=UTC).astimezone(zone)
    if parsed.tzinfo is not None:  # '09:30 EST (Europe/Paris)': every clock named beside the time agrees
        _one_clock(parsed, own, [(written, zone) for written, region in regions
                                 if (zone := _clock_named(region)) is not None] + clocks, text)
    assumed_utc = parsed.tzinfo is None
    try:
        utc = parsed if assumed_utc else parsed.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        raise ValueError(f"not a time that can exist in UTC: {text!r}") from None
    if utc == _EPOCH:
        raise ValueError(f"{text!r} is Unix time 0 (1970-01-01 00:00 UTC), what a system writes for a time it "
                         "never had: a placeholder, not a publication time")
    if utc.year > latest:
        raise ValueError(f"{text!r} is in {utc.year}, after next year: a publication time cannot lie that far "
                         "ahead (a typo or a placeholder)")
    return utc, assumed_utc


STANDARD_TIME_REGIONS = {
    "EST": ("America/New_York", "EDT"), "CST": ("America/Chicago", "CDT"), "MST": ("America/Denver", "MDT"),
    "PST": ("America/Los_Angeles", "PDT"), "AKST": ("America/Anchorage", "AKDT"),
    "HNE": ("America/Toronto", "HAE"), "HNC": ("America/Winnipeg", "HAC"), "HNR": ("America/Edmonton", "HAR"),
    "HNP": ("America/Vancouver", "HAP"), "HNA": ("America/Halifax", "HAA"),
    "CET": ("Europe/Berlin", "CEST"), "MEZ": ("Europe/Berlin", "MESZ"), "HNEC": ("Europe/Paris", "HAEC"),
    "EET": ("Europe/Helsinki", "EEST"), "OEZ": ("Europe/Helsinki", "OESZ"), "WET": ("Europe/Lisbon", "WEST"),
    "WEZ": ("Europe/Lisbon", "WESZ"), "AEST": ("Australia/Sydney", "AEDT"), "NZST": ("Pacific/Auckland", "NZDT")}
"""A standard-time abbreviation of _ZONES -> the region whose clock it names in winter and the name
of that clock's summer time. Feeds write `EST` (or `CET`) all year for the local clock, so a time
so written on a date when that region keeps summer time is read at the stated offset but noted
(`standard_time_in_summer`). GMT is not among them: RFC 2822 and HTTP write UTC so."""


def standard_time_in_summer(text: str, utc: datetime) -> str | None:
    """The doubt a publication time `text` leaves, read as the instant `utc` (naive UTC), when it
    is written with a standard-time abbreviation (STANDARD_TIME_REGIONS) on a date its region
    keeps summer time: `EST on 2024-07-15: America/New_York keeps daylight time then, so EDT -04:00
    may have been meant; read at -05:00 as written`. None otherwise (`EDT`, an offset, a
    standard-time date, or a value whose clock is another than the abbreviation's)."""
    value, _comments = _time_comments(text.strip())
    for word in re.findall(r"(?<![A-Za-z])[A-Z]{3,4}(?![A-Za-z])", value):
        if word not in STANDARD_TIME_REGIONS:
            continue
        region, summer = STANDARD_TIME_REGIONS[word]
        zone = zoneinfo.ZoneInfo(region)
        instant = utc.replace(tzinfo=UTC)
        if not instant.astimezone(zone).dst():
            continue
        stated = timedelta(seconds=_ZONES[word])
        return (f"{word} on {(instant + stated).date()}: {region} keeps summer time then, so {summer} "
                f"{_offset_text(instant.astimezone(zone).utcoffset())} may have been meant; read at "
                f"{_offset_text(stated)} as written")
    return None


_DEFAULTS = (datetime(2001, 1, 1), datetime(2002, 2, 2))
"""Two fill-ins for dateutil that differ in year, month and day (a day valid in every month), see
`_free_form_timestamp`."""


DECLARED_ZONE: contextvars.ContextVar[str | None] = contextvars.ContextVar("news_declared_zone", default=None)
"""The time zone the news settings of the file being read declare (None: none), set by
`parse_news_file`: a time column whose header names a zone no reader knows is then read in it."""
SETTINGS_FILE: contextvars.ContextVar[Path | None] = contextvars.ContextVar("news_settings_file", default=None)
"""The news settings file of the file being read (None: none), set by `parse_news_file`: a byte its
declared encoding cannot read names it (`decode_text`)."""
DATE_ORDER: contextvars.ContextVar[str | None] = contextvars.ContextVar("news_date_order", default=None)
"""The date order the news settings of the file being read declare ('DMY', 'MDY'; None: none), set
by `parse_news_file` for the file's whole read: `_free_form_timestamp` reads a numeric date whose
day and month could be swapped in that order, where it would otherwise refuse it."""


_NUMERIC_DATE = re.compile(r"\b(\d{1,2})([/.-])(\d{1,2})\2(\d{2,4})\b")
"""A numeric date with the day and month first in some order ('01/02/2011', '01.02.2011',
'01-02-11'): the form whose order a value may leave open (`_free_form_timestamp`)."""


def _lines_said(lines: Sequence[int]) -> str:
    """'line 4', 'lines 3, 5' or 'lines 3, 5, 7 and 12 more'."""
    shown = ", ".join(map(str, lines[:5])) + (f" and {len(lines) - 5} more" if len(lines) > 5 else "")
    return f"line{'s' if len(lines) > 1 else ''} {shown}"


def _values_said(lines: Sequence[int], how: str) -> str:
    """'none only month first', '1 value reads only so (line 4)', '3 values read only so (lines 2, 4, 9)'."""
    if not lines:
        return f"none {how}"
    return f"{len(lines)} value{' reads' if len(lines) == 1 else 's read'} {how} ({_lines_said(lines)})"


@dataclass(frozen=True)
class DateOrderEvidence:
    """What a feed's publication-time column says of the order in which it writes a numeric date's
    day and month (`date_order_evidence`), each kind by the lines of its values: `day_first`, the
    values that read only day first (`13/02/2011`: no 13th month), `month_first`, only month first
    (`02/13/2011`), `dotted`, values whose day and month could be swapped written with dots
    (`01.02.2011`: day first by the convention of every locale that writes dates so), `both_ways`,
    all values whose day and month could be swapped, dotted ones included.

    `order` is 'DMY' or 'MDY' where the column shows one order and never the other (values that
    read only day first, or dotted dates, and none only month first; or the reverse), else None: the
    column holds both, or nothing tells. Where only the convention of dots tells (`by_convention`),
    the order reads dotted dates alone. Values with a word of a day-first language ('9 Uhr') are
    read by their word and not counted here; so is every value where the news settings declare the
    file's date_order. `readings`: what `parse_timestamp` made of each value in each order, by
    (value, 'DMY' or 'MDY'), where it read (`read_before`)."""

    day_first: tuple[int, ...] = ()
    month_first: tuple[int, ...] = ()
    dotted: tuple[int, ...] = ()
    both_ways: tuple[int, ...] = ()
    readings: Mapping[tuple[str, str], tuple[datetime, bool]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def order(self) -> str | None:
        """'DMY', 'MDY', or None where the column shows both orders or neither."""
        if self.month_first and not (self.day_first or self.dotted):
            return "MDY"
        if (self.day_first or self.dotted) and not self.month_first:
            return "DMY"
        return None

    @property
    def shows_both(self) -> bool:
        """The column holds values that read only day first (or dotted dates) and values that read
        only month first: two orders, rows of two systems joined?"""
        return bool(self.month_first) and bool(self.day_first or self.dotted)

    @property
    def by_convention(self) -> bool:
        """The order is day first from dotted dates alone: no value reads only one way."""
        return self.order == "DMY" and not self.day_first

    def reads(self, separator: str) -> str | None:
        """The order in which a value whose day and month could be swapped, written with
        `separator` ('/', '.', '-'), is read: `order`, but only for a dotted one `by_convention`."""
        return None if self.by_convention and separator != "." else self.order

    def read_before(self, value: str) -> tuple[datetime, bool] | None:
        """`parse_timestamp(value, file_order=self)` as the weighing already read it (a value
        without a word of a day-first language, read in the order the file shows), else None: a
        feed's dates are read once, not twice."""
        numeric = _NUMERIC_DATE.search(value)
        order = self.reads(numeric.group(2)) if numeric is not None else None
        return self.readings.get((value, order)) if order is not None else None

    def said(self) -> str:
        """The order taken and the evidence, in words, as the file's notes give it ('day first: 3
        values read only so (lines 2, 5, 9), none only month first'; 'both orders: ...'; 'no order
        shown: ...')."""
        if self.order is None and not self.shows_both:
            return (f"no order shown: {len(self.both_ways)} value(s) whose day and month could be swapped "
                    f"({_lines_said(self.both_ways)}), none that reads only one way")
        return {"DMY": "day first", "MDY": "month first", None: "both orders"}[self.order] + ": " + self.counted()

    def counted(self) -> str:
        """The evidence in words: how many values (on which lines) read only day first, only month
        first, or are dotted."""
        if self.order == "MDY":
            return f"{_values_said(self.month_first, 'only so')}, none only day first"
        said = [_values_said(self.day_first, "only so" if self.order else "only day first")] if self.day_first else []
        if self.dotted:
            said.append(f"dotted dates ({_lines_said(self.dotted)}), day first by the convention of every locale "
                        "that writes them")
        return (f"{', '.join(said)}, none only month first" if self.order else
                f"{', '.join(said)}, but {_values_said(self.month_first, 'only month first')}")


def date_order_evidence(stamps: Iterable[tuple[int, str]]) -> DateOrderEvidence | None:
    """What a feed's publication-time column (`stamps`: (line, value as written) pairs) says of its
    day/month order (DateOrderEvidence), each value read as `parse_timestamp` reads it once day
    first and once month first: one that reads only one way counts for that order, one that reads
    both ways as two different times is in doubt (`both_ways`, and `dotted` when written with
    dots). None where the news settings declare the file's date_order (it decides) or no value's
    day and month could be swapped (nothing to decide)."""
    if DATE_ORDER.get() is not None:
        return None
    found: dict[str, list[int]] = {"day_first": [], "month_first": [], "dotted": [], "both_ways": []}
    readings: dict[tuple[str, str], tuple[datetime, bool]] = {}
    for line, value in stamps:
        numeric = _NUMERIC_DATE.search(value) if isinstance(value, str) else None
        if numeric is None or _day_first_word(value) is not None:  # '9 Uhr': its word tells
            continue
        read = {}
        for order in ("DMY", "MDY"):
            token = DATE_ORDER.set(order)
            try:
                readings[(value, order)] = parse_timestamp(value)
                read[order] = readings[(value, order)][0]
            except ValueError:
                read[order] = None
            finally:
                DATE_ORDER.reset(token)
        if read["DMY"] is not None and read["MDY"] is None:
            found["day_first"].append(line)
        elif read["MDY"] is not None and read["DMY"] is None:
            found["month_first"].append(line)
        elif read["DMY"] is not None and read["DMY"] != read["MDY"]:
            found["both_ways"].append(line)
            if numeric.group(2) == ".":
                found["dotted"].append(line)
    if not found["both_ways"]:
        return None
    return DateOrderEvidence(**{kind: tuple(lines) for kind, lines in found.items()}, readings=readings)


_TIME_COMMENT = re.compile(r"\s*\((?P<inside>[^()]*)\)\s*$")
_OFFSET_IN_BRACKETS = r"(?:GMT|UTC)\s*[+-]\d{1,2}(?::?\d{2})?|[+-]\d{2}:?\d{2}"
_ZONE_BEFORE_COMMENT = re.compile(rf"(?:(?i:{_OFFSET_IN_BRACKETS})|(?<=\d)(?:Z|z)|\b(?P<zone>[A-Za-z]{{1,5}}))$")
"""The zone a time ends with ('+02:00', 'GMT+2', 'Z', 'CEST'; a word only where _ZONES knows it)."""
_HALF_OF_DAY = r"[ap]\.?\s?m\.?"
_CLOCK_IN_BRACKETS = re.compile(rf"(?i){_OFFSET_IN_BRACKETS}|{_HALF_OF_DAY}")
"""A bracket after a time that is part of it: an offset ('(+02:00)', '(+0200)', '(GMT+2)') or the
half of the day ('(pm)'). A bare '(+1)' is not: it is as often the next-day mark of a schedule
(_DAY_MARK)."""
_DAY_MARK = re.compile(r"(?i)[+-]\s?\d{1,2}(?:\s?(?P<days>d|days?|tage?|jours?|d[ií]as?|giorn[oi]|dag(?:en)?)\.?)?")
"""A sign and a number of one or two digits, alone or with a word for days, as a bracket or an item
of one after a time: '(+1)', '(-1)', '(+2)', '(+1 day)', '(+1d)', '(CEST, +1)'. A schedule writes it
for a time on the next (or last) day; without a word it may as well be an offset in hours, so the
time's date is in doubt, with a zone before it or not."""
_TIME_OF_DAY = re.compile(r"(?i)\d\s*:\s*\d|\d\s*h\s*\d|\d\s*[ap]\.?\s?m\b|\d\s*(?:uhr|uur|heures?)\b")
"""A time of day in a publication time's text ('09:30', '9h30', '9 pm', '9 Uhr'): without one the
value is a calendar day."""
_REGION_IN_BRACKETS = re.compile(r"[A-Za-z_]+(?:/[A-Za-z0-9_+-]+)+")
"""An IANA region in round brackets after a time ('09:30 (Europe/Paris)'), read as RFC 9557's square
brackets are: the region of a time without a zone, checked against one with a zone (`_one_clock`)."""


_CLOCK_WORDS = frozenset({"time", "zeit", "uhr", "heure", "hora", "horario", "ora", "tijd"})
"""Words that say a bracket names a clock ('(Osaka time)', '(heure locale)')."""


def _zone_word(word: str) -> bool:
    """Whether a word is a zone abbreviation, known (_ZONES) or of several meanings (_AMBIGUOUS_ZONES),
    in any case ('cest', 'ET')."""
    return word.upper() in _ZONES or word.upper() in _AMBIGUOUS_ZONES


def _names_a_clock(inside: str) -> bool:
    """Whether the words of a bracket after a time name a clock in part: a zone abbreviation (known
    or ambiguous), an offset ('UTC+2', '+02:00'), an IANA region ('Asia/Tokyo'), a region of
    ZONE_PHRASES, or a word of _CLOCK_WORDS. '(CEST, Reuters)' and '(Tokyo time, Kyodo)' do;
    '(Reuters)' and '(updated)' do not."""
    words = re.findall(r"[^\W\d_]+", inside)
    return (any(_zone_word(word) or _folded(word) in _CLOCK_WORDS for word in words)
            or re.search(r"[+-]\d{1,2}(?::?\d{2})?\b|[A-Za-z_]+/[A-Za-z_]+", inside) is not None
            or _ZONE_PHRASE.search(inside) is not None)


def _clock_named(item: str) -> zoneinfo.ZoneInfo | timezone | None:
    """The clock one item of a bracket after a time's zone names by itself ('(CEST, Reuters)' holds
    'CEST' and 'Reuters'), or a region written beside a time ('[Europe/Paris]'): an offset
    ('+02:00', 'UTC+5'), an abbreviation of _ZONES at its fixed offset ('CEST'), a US time name
    (US_ZONE_REGIONS: 'ET'), a standard and summer pair ('CET/CEST'), an IANA region
    ('Europe/Paris') or a region of ZONE_PHRASES ('Tokyo time'). None for anything else ('Reuters',
    JavaScript's 'Central European Summer Time', Windows' 'GMT Daylight Time') and for an
    abbreviation of several meanings ('IST', 'BST', 'CST'), which names no one clock."""
    text = item.strip()
    upper = text.upper()
    if (phrase := _ZONE_PHRASE.fullmatch(text)) is not None:
        return zoneinfo.ZoneInfo(ZONE_PHRASES[_folded(phrase["phrase"])])
    if upper in _ZONES and upper not in _RFC_2822_ONLY_ZONES:
        return timezone(timedelta(seconds=_ZONES[upper]))
    if upper in US_ZONE_REGIONS or "/" in text or re.fullmatch(f"(?i){_OFFSET_IN_BRACKETS}", text):
        try:
            return zone_named(text)
        except ValueError:  # '(Foo/Bar)', '(+25:00)': no clock this reader knows, so none to check
            return None
    return None


def _zone_written(value: str) -> str:
    """The zone a time is written with, as written ('EST', '+0200', 'Z'), for a message."""
    zone = _ZONE_BEFORE_COMMENT.search(value.rstrip())
    return zone[0] if zone is not None else "its zone"


def _offset_text(offset: timedelta) -> str:
    """A UTC offset as ISO 8601 writes it ('+02:00', '-05:00', '+05:30')."""
    minutes = int(offset.total_seconds()) // 60
    return f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _one_clock(instant: datetime, zone: str, clocks: list[tuple[str, zoneinfo.ZoneInfo | timezone]], text: str,
               read_in: bool = False) -> None:
    """Refuses a time whose value names clocks that disagree: each of `clocks` (as written, the
    zone), a bracket after the time's zone ('09:30 EST (CEST)') or a region beside it ('09:30 EST
    (Europe/Paris)'), must be at the UTC offset of `instant` (aware, in the time's own zone, written
    `zone`) at that instant; the time could have been read on either clock. With `read_in`, `zone`
    is not written in the value but the zone the file reads it in ('09:30 (Tokyo)' under a declared
    Europe/London: `_city_clocks`), and the message says so.

    Raises:
        ValueError: naming both clocks and their offsets, quoting `text`.
    """
    own = instant.utcoffset()
    for written, clock in clocks:
        if (other := instant.astimezone(clock).utcoffset()) != own:
            said = (f"is read in {zone}, at UTC{_offset_text(own)}," if read_in else
                    f"names two clocks that disagree: {zone} is UTC{_offset_text(own)}")
            raise ValueError(f"{text!r} {said} but {written} is UTC{_offset_text(other)} at that time, so the "
                             "instant is in doubt; write the time with one zone or offset")


def _city_clocks(wall: datetime, zone: zoneinfo.ZoneInfo | timezone, read_in: str, text: str) -> None:
    """Refuses a zone-less time `wall` (naive) the file reads in `zone` (a declared timezone, a
    zone column's or a header's, named `read_in` in the message) where a financial centre named
    alone in a bracket after it ('09:30 (Tokyo)', `_centre`) keeps another UTC offset at that
    instant: the bracket may say the time is on that city's clock. A time `zone` skips or repeats
    is left to the reader, which refuses it as such.

    Raises:
        ValueError: naming both clocks (`_one_clock`), quoting `text`.
    """
    # a zone-less time kept no bracket naming a zone: a city is all a bracket's clocks can be
    clocks = [clock for inside in _time_comments(text.strip())[1] for clock in _clocks_in_bracket(inside)]
    if not clocks:
        return
    try:
        instant = wall_time_in_zone(wall, zone, text).replace(tzinfo=UTC).astimezone(zone)
    except ValueError:
        return
    _one_clock(instant, read_in, clocks, text, read_in=True)


def _time_comments(value: str) -> tuple[str, list[str]]:
    """`value` without the round brackets at its end, and what each holds, in the order written:
    '09:30 CEST (Reuters) (updated)' -> ('09:30 CEST', ['Reuters', 'updated'])."""
    comments: list[str] = []
    while (comment := _TIME_COMMENT.search(value)) is not None:  # each turn takes a bracket off: it ends
        comments.insert(0, comment["inside"].strip())
        value = value[:comment.start()]
    return value, comments


def _without_time_comment(value: str, comments: list[str], written: str,
                          zoned: bool = False) -> tuple[str, list[tuple[str, zoneinfo.ZoneInfo | timezone]]]:
    """`value`, a time whose brackets (`_time_comments`) held `comments`, with each bracket dropped
    where it cannot change the instant, unwrapped where it is part of the time, and refused where it
    may name the time's clock in words; and the clocks (as written, the zone) the brackets dropped
    after a zone name, which `_one_clock` checks against the time's own once it is read. Several
    brackets ('09:30 CEST (Reuters) (updated)', '09:30 (Reuters) (updated)' under a declared zone)
    are read one by one in the order written, each by the rules for one, and the time is refused
    where one of them is; a zone one of them gives counts for the others as a zone written before
    them: '09:30 (CEST) (updated)' and '09:30 (updated) (CEST)' are '09:30 CEST'.

    Dropped: a bracket after a zone the value already gives (JavaScript's '... GMT+0200 (Central
    European Summer Time)', '2024-05-02T09:30:00Z (updated)'; but for the half of the day, '9:30 CEST
    (pm)', which is unwrapped as below; one that names a clock, '09:30 EST (CEST)', '09:30 CET
    (+05:00)', '09:30 +02:00 (UTC+5)', '(CEST, Reuters)', or a financial centre, '09:30 EST (Tokyo)',
    '09:30 GMT (London)' (in May London keeps +01:00), is checked against that zone and refused where it
    is at another offset at that instant, read where it agrees, '09:30 CEST (+02:00)': `_clock_named`,
    whose abbreviation of several meanings, '(IST)', '(BST)', names no clock and is dropped unchecked),
    with a zone another bracket gives or a region the value names (`zoned`: '09:30 (updated) (CEST)',
    '09:30 (Europe/Paris) (updated)'; one that names a clock is checked so too), or after a date without
    a time of day ('2024-05-02 (updated)': a calendar day), and, where the file's news settings declare
    its timezone (DECLARED_ZONE), any bracket of words that are no zone ('09:30 (Reuters)': the declared
    zone reads the time; a financial centre in it, '09:30 (Tokyo)', must keep the declared zone's offset
    at that instant, which the reader checks where it gives the time its zone: `_city_clocks`), unless
    it names a clock (`_names_a_clock`: '(CEST, Reuters)', '(UTC+2, Paris)', '(Zurich time)'), which the
    declared zone must not overrule. Unwrapped, so that it is read or refused as written: an offset or
    the half of the day (_CLOCK_IN_BRACKETS: '(+02:00)', '(pm)') and zone abbreviations ('(CEST)';
    '(ET)' is then refused as ambiguous). A region named in words ('(horário de Brasília)') or an IANA
    region ('(Europe/Paris)') is read before this (`parse_timestamp`).

    Raises:
        ValueError: a bracket of other words after a time without a zone, in a file that declares
            none: '(Eastern)' or '(local)' name the time's clock and '(Reuters)' does not, which no
            rule tells apart, so the time is refused rather than read as UTC, and '(Tokyo)' may be
            its clock or its dateline (the message names the city's zone to declare); and a bracket
            or an item of one that is a sign and a number ('(+1)', '(CEST, -1)', '(+1 day)':
            _DAY_MARK), with a zone before it or not, which may be a schedule's mark for another day
            and leaves the time's date in doubt. The message quotes `written` (the value as the file
            writes it).
    """
    clocks: list[tuple[str, zoneinfo.ZoneInfo | timezone]] = []
    zoned = zoned or any(_clock_named(inside) is not None for inside in comments)  # '09:30 (Reuters) (CEST)'
    for inside in comments:
        value, named = _read_time_comment(value, inside, written, zoned)
        clocks += named
    return value, clocks


def _read_time_comment(before: str, inside: str, written: str,
                       zoned: bool) -> tuple[str, list[tuple[str, zoneinfo.ZoneInfo | timezone]]]:
    """`before`, a time, with the bracket after it that holds `inside` dropped, unwrapped or refused
    as `_without_time_comment` says, and the clocks it names where it is dropped after a zone."""
    if marks := [mark for item in re.split(r"[,;]", inside) if (mark := _DAY_MARK.fullmatch(item.strip()))]:
        mark, days = marks[0], int(re.sub(r"\D", "", marks[0][0]))
        falls = f"the time {days} day{'' if days == 1 else 's'} {'before' if '-' in mark[0] else 'after'} its date"
        said = (f"is a schedule's day mark ({falls}), so the date written is not the time's: write" if mark["days"] else
                f"may be an offset in hours or a schedule's day mark ({falls}), which this reader cannot tell, so "
                "the date may be off: write the offset in full (+01:00, UTC+1) or")
        raise ValueError(f"the bracket {'(' + inside + ')'!r} after a time: {mark[0]!r} {said} the date the time "
                         f"falls on: {written!r}")
    zone_before = _ZONE_BEFORE_COMMENT.search(before.rstrip())
    if zone_before is not None and (zone_before["zone"] is None or zone_before["zone"].upper() in _ZONES):
        if re.fullmatch(_HALF_OF_DAY, inside, re.I):  # '9:30 CEST (pm)': the zone does not say the hour
            return f"{before} {inside}", []
        return before, _clocks_in_bracket(inside)
    if not _TIME_OF_DAY.search(before):  # '2024-05-02 (updated)': a calendar day, which no clock moves
        return before, []
    words = re.findall(r"[^\W\d_]+", inside)
    if _CLOCK_IN_BRACKETS.fullmatch(inside) or (words and all(_zone_word(word) for word in words)):
        return f"{before} {inside}", []
    if zoned:  # '09:30 (Europe/Paris) (updated)', '09:30 (updated) (CEST)': another bracket's zone reads it
        return before, _clocks_in_bracket(inside)
    if DECLARED_ZONE.get() is not None and not _names_a_clock(inside):  # a city in it is checked: `_city_clocks`
        return before, []
    if not _names_a_clock(inside) and (city := next((c for c in re.split(r"[,;]", inside) if _centre(c)), None)):
        region = _centre(city).key
        raise ValueError(f"the bracket {'(' + inside + ')'!r} after a time without a zone names the city "
                         f"{city.strip()!r}, which may be the time's clock ({region}) or the story's dateline, which "
                         f"this reader cannot tell: declare {region} as the file's timezone in news settings, or write "
                         f"the time's zone or UTC offset before the bracket (09:30Z, 09:30+02:00): {written!r}")
    unknown = next((word for word in words if not _zone_word(word)), inside)
    raise ValueError(f"the bracket {'(' + inside + ')'!r} after a time without a zone may name the clock it is in "
                     f"('(Tokyo)') or not ('(Reuters)'), which this reader cannot tell ({unknown!r} is no month, day, "
                     "AM/PM or known time zone): write the time's zone or UTC offset before the bracket "
                     f"(09:30Z, 09:30+02:00), or declare the file's timezone in news settings: {written!r}")


def _clocks_in_bracket(inside: str) -> list[tuple[str, zoneinfo.ZoneInfo | timezone]]:
    """The clocks (as written, the zone) the items of a bracket name (`_clock_named`, or a financial
    centre alone: `_centre`): '(CEST)' -> [('(CEST)', +02:00)], '(CEST, Reuters)' -> [('CEST in
    (CEST, Reuters)', +02:00)], '(Tokyo)' -> [('(Tokyo)', Asia/Tokyo)]."""
    items = re.split(r"[,;]", inside)
    return [(f"({inside})" if len(items) == 1 else f"{item.strip()} in ({inside})", clock)
            for item in items if (clock := _clock_named(item) or _centre(item)) is not None]


def _centre(item: str) -> zoneinfo.ZoneInfo | None:
    """The clock of a financial centre one item of a bracket names by itself ('Tokyo', 'São Paulo',
    'NEW YORK': FINANCIAL_CENTRES), else None. Unlike a zone it gives no time its clock: a city may
    be the story's dateline."""
    region = FINANCIAL_CENTRES.get(_folded(item))
    return None if region is None else zoneinfo.ZoneInfo(region)


LOCAL_MONTHS: dict[str, tuple[str, ...]] = {
    "Jan": ("januar", "janner", "janvier", "janv", "enero", "ene", "gennaio", "gen", "janeiro", "januari"),
    "Feb": ("februar", "feber", "fevrier", "fevr", "fev", "febrero", "febbraio", "fevereiro", "februari"),
    "Mar": ("marz", "mar", "maerz", "mrz", "mars", "marzo", "marco", "maart", "mrt"),
    "Apr": ("avril", "avr", "abril", "abr", "aprile"),
    "May": ("mai", "mayo", "maggio", "mag", "maio", "mei"),
    "Jun": ("juni", "juin", "junio", "giugno", "giu", "junho"),
    "Jul": ("juli", "juillet", "juil", "julio", "luglio", "lug", "julho"),
    "Aug": ("agosto", "ago", "aout", "augustus"),
    "Sep": ("septembre", "septiembre", "setiembre", "settembre", "set", "setembro"),
    "Oct": ("oktober", "okt", "octobre", "octubre", "ottobre", "ott", "outubro", "out"),
    "Nov": ("novembre", "noviembre", "novembro"),
    "Dec": ("dezember", "dez", "decembre", "dec", "diciembre", "dic", "dicembre", "dezembro"),
}
"""Month names and their common abbreviations in the languages whose headers a feed may use (German,
French, Spanish, Italian, Portuguese, Dutch; compared lowercased, without accents: 'März', 'févr.',
'março', 'Mär') -> the English abbreviation dateutil reads. Where a language writes the English
form ('april', 'november', 'jun') it is not repeated; 'mar', folded from 'Mär', is read so only
where it is not written as English's 'Mar'."""
LOCAL_WEEKDAYS: dict[str, str] = {
    **dict.fromkeys(("montag", "lundi", "lunes", "lunedi", "segunda", "maandag"), "Mon"),
    **dict.fromkeys(("dienstag", "mardi", "martes", "martedi", "terca", "dinsdag"), "Tue"),
    **dict.fromkeys(("mittwoch", "mercredi", "miercoles", "mercoledi", "quarta", "woensdag"), "Wed"),
    **dict.fromkeys(("donnerstag", "jeudi", "jueves", "giovedi", "quinta", "donderdag"), "Thu"),
    **dict.fromkeys(("freitag", "vendredi", "viernes", "venerdi", "sexta", "vrijdag"), "Fri"),
    **dict.fromkeys(("samstag", "sonnabend", "samedi", "sabado", "sabato", "zaterdag"), "Sat"),
    **dict.fromkeys(("sonntag", "dimanche", "domingo", "domenica", "zondag"), "Sun"),
}
"""Weekday names in the same languages ('Donnerstag', 'jeudi', 'quinta-feira') -> English's, so the
weekday is checked against the date as an English one is."""
LOCAL_WEEKDAY_ABBREVIATIONS: dict[str, str] = {
    **dict.fromkeys(("mo", "lun", "seg", "ma"), "Mon"), **dict.fromkeys(("di", "mar", "ter"), "Tue"),
    **dict.fromkeys(("mi", "mer", "mie", "qua", "wo"), "Wed"), **dict.fromkeys(("do", "jeu", "jue", "gio", "qui"), "Thu"),
    **dict.fromkeys(("fr", "ven", "vie", "sex", "vr"), "Fri"), **dict.fromkeys(("sa", "sam", "sab", "za"), "Sat"),
    **dict.fromkeys(("so", "dim", "dom", "zo"), "Sun"),
}
"""Weekday abbreviations in the same languages ('Do.', 'jeu.', 'mar.', 'sáb.', 'ma') -> English's,
read only where a value opens with one before its day ('mar. 2 avril 2024', 'Mi, 01.05.2024'):
elsewhere 'mar' is March; one English writes too ('mar', 'mo', 'fr', 'sa') only beside another
local word (`_local_weekday_first`)."""
_LEADING_WEEKDAY = re.compile(r"^\s*(?P<day>[^\W\d_]{2,3})\.?,?\s+(?=\d)")
_ENGLISH_DAY_LETTERS = frozenset({"mo", "tu", "we", "th", "fr", "sa", "su"})
"""English's two-letter weekdays ('Mo', 'Fr', 'Sa' are German's too): no sign of another language."""
_DAY_FIRST_WORDS = frozenset({"uhr", "uur", "heure", "heures", "hora", "horas", "horário", "horario", "hs", "um", "om",
                              "à", "às", "las", "alle", "ore"})
"""Words of a time that only the languages that write their dates day first use (German 'Uhr',
'um', Dutch 'uur', 'om', French 'heures', 'à', Spanish and Portuguese 'horas', 'hs', 'a las',
'às', Italian 'alle', 'ore'; compared lowercased): `_day_first_word`. English's 'hrs' and 'at'
are not among them, nor is 'h' alone."""


def _local_weekday_first(text: str) -> str | None:
    """The weekday abbreviation of LOCAL_WEEKDAY_ABBREVIATIONS a value opens with before its day
    ('Mi, 01.05.2024', 'jeu. 02/05/2024'), as written; None where it opens otherwise or with a word
    English writes ('Mar 2, 2024' is March; 'Mo', 'Fr', 'Sa' are English's two-letter days too)."""
    leading = _LEADING_WEEKDAY.match(text)
    if leading is None or _folded(leading["day"]) not in LOCAL_WEEKDAY_ABBREVIATIONS:
        return None
    day = leading["day"].lower()
    return None if day in _DATE_WORDS or day in _ENGLISH_DAY_LETTERS else leading["day"]


def _day_first_word(written: str) -> str | None:
    """The first word in a publication time, as written, of a language that writes its dates day
    first (German, French, Spanish, Italian, Portuguese, Dutch), else None: a word of its time
    (_DAY_FIRST_WORDS: '9:00 Uhr', 'om 9.30 uur'), French and Portuguese hours and minutes ('9h30'),
    a weekday's name (LOCAL_WEEKDAYS: 'Mittwoch', 'quinta-feira') or an abbreviation it opens with
    (`_local_weekday_first`: 'Mi,', 'jeu.'). `_free_form_timestamp` reads a numeric date whose day
    and month could be swapped day first by it ('02.05.2024 9:00 Uhr' is 2 May) where the file
    declares no date_order; an English value ('Sat 04/05/2024', 'Mar 2, 2024') has no such word."""
    if (found := _HOUR_AND_MINUTES.search(written)) is not None:
        return found[0].strip()
    for word in re.findall(r"[^\W\d_]+", written):
        if word.lower() in _DAY_FIRST_WORDS or _folded(word) in LOCAL_WEEKDAYS:
            return word
    return _local_weekday_first(written)
_LOCAL_FILLERS = frozenset({"de", "del", "le", "den", "der", "el"})
"""Words a date is written with in those languages ('2 de mayo de 2024', 'le 2 mai 2024', 'den 2.
Mai'): dropped before a local month name is read, as is Portuguese's '-feira' ('quinta-feira')."""
_MONTH_OF = {name: english for english, names in LOCAL_MONTHS.items() for name in names}


def _english_months(text: str) -> str:
    """`text` with a date written in another language's words read as English: local month names
    (LOCAL_MONTHS) as their English abbreviations, local weekday names (LOCAL_WEEKDAYS, and an
    abbreviation that opens the value, LOCAL_WEEKDAY_ABBREVIATIONS) as English's, so that a weekday
    that does not match the date is refused, the words a date is written with (_LOCAL_FILLERS)
    dropped, and German's ordinal dot after the day ('2. Mai 2024'; a month number before the
    name, '12.05. Mai 2024', is checked against it first: `_month_written_once`) dropped:
    'Donnerstag, 2. Mai 2024' -> 'Thu 2 May 2024', '2 de mayo de 2024' -> '2 May 2024', 'jeu. 2
    mai 2024 à 9h30' -> 'Thu 2 May 2024 à 9h30', '1er mai 2024' -> '1 May 2024'. Text with no local
    month or weekday name, no such word beside an English month ('13 de feb de 2024'), and no
    weekday abbreviation English does not write opening it ('Mi, 01.05.2024'), is returned as it
    is."""
    def local(word: str) -> bool:  # a local month name, not an English date word ('mar' is March either way)
        return _folded(word) in _MONTH_OF and word.lower() not in _DATE_WORDS

    words = re.findall(r"[^\W\d_]+", text)
    if not any(local(word) or _folded(word) in LOCAL_WEEKDAYS for word in words) and not (
            any(_folded(word) in _LOCAL_FILLERS for word in words) and any(w.lower() in _DATE_WORDS for w in words)
    ) and _local_weekday_first(text) is None:
        return text
    if (leading := _LEADING_WEEKDAY.match(text)) and _folded(leading["day"]) in LOCAL_WEEKDAY_ABBREVIATIONS:
        text = f"{LOCAL_WEEKDAY_ABBREVIATIONS[_folded(leading['day'])]} {text[leading.end():]}"

    def english(found: re.Match) -> str:
        word = found[0].rstrip(".")
        if local(word):
            return _MONTH_OF[_folded(word)]
        if _folded(word) in LOCAL_WEEKDAYS:
            return LOCAL_WEEKDAYS[_folded(word)]
        return "" if _folded(word) in _LOCAL_FILLERS else found[0]

    text = re.sub(r"[^\W\d_]+\.?", english, re.sub(r"(?i)-feira\b", "", text))
    text = re.sub(r"\b(\d{1,2})\.(?=\s*[A-Z][a-z]{2}\b)", r"\1", text)  # '2. May' -> '2 May'
    text = re.sub(r"\b(\d{1,2})(?:º|°|ª|er|re)(?=\s*[A-Z][a-z]{2}\b)", r"\1", text)  # '1er mai', '1º de mayo'
    return " ".join(text.split()).strip(" ,")


_MONTH_TWICE = re.compile(r"\b(?P<day>\d{1,2})\.\s?(?P<number>\d{1,2})\.?\s*(?P<word>[^\W\d_]+)\.?(?![^\W\d_])")
"""A day and a month number before a month name, as a German desk may write a date: '12.05. Mai 2024'."""


def _month_written_once(text: str, written: str) -> str:
    """`text` with a date that gives its month both as a number and as a name ('12.05. Mai 2024',
    'Sonntag, 12.05. Mai 2024', '12.05. May 2024') written with the name alone ('12. Mai 2024'),
    where the two are the same month.

    Raises:
        ValueError: the number is another month than the name ('12.04. Mai 2024'), which of the two
            is wrong cannot be told; the message quotes `written`.
    """
    def once(found: re.Match[str]) -> str:
        word = found["word"]
        english = _MONTH_OF.get(_folded(word), word) if word.lower() not in MONTH_NAMES else word
        month = MONTH_NAMES.get(english.lower())
        if month is None:  # '12.05 Uhr': no month name
            return found[0]
        if int(found["number"]) != month:
            named = "" if word.lower() in MONTH_NAMES else f" ({calendar.month_name[month]})"
            raise ValueError(f"{found[0].strip()!r} gives the month twice, and the two disagree: "
                             f"{found['number']} as a number, {word!r}{named} in words; write the date once: {written!r}")
        return f"{found['day']}. {word}"

    return _MONTH_TWICE.sub(once, text)


_TIMESTAMP_FORMS = ("ISO 8601 (2024-05-02T09:00:00+02:00), RFC 2822 (Thu, 02 May 2024 09:00:00 +0200), "
                    "a date with a month name or digits (02 May 2024 09:00, 2024/05/02), Unix epoch seconds")
"""The timestamp forms named when a value is none of them."""


_RFC_2822_DAY = (r"(?:[A-Za-z]{3},\s*)?(?P<day>\d{1,2})\s+(?P<month>[A-Za-z]{3})\s+(?P<year>\d{4})"
                 r"\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s+\S+)?")
"""An RFC 2822 date-time (`Thu, 30 Feb 2024 09:00:00 GMT`), its day, month and year named."""
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _fields_written(text: str, day_first: bool) -> tuple[int | None, ...] | None:
    """The year, month, day, hour, minute and second `text` writes (None where it writes none), as
    dateutil reads them before it checks them against the calendar and the clock (`20241302` ->
    month 13), or None where it reads no date from `text`."""
    from dateutil import parser as dateutil_parser

    try:
        fields = dateutil_parser.parser()._parse(text, dayfirst=day_first)[0]  # its reading, unchecked
    except (ValueError, OverflowError, TypeError, AttributeError, IndexError):
        return None
    if fields is None:
        return None
    return fields.year, fields.month, fields.day, fields.hour, fields.minute, fields.second


def _impossible_part_said(fields: tuple[int | None, ...], written: str) -> str | None:
    """What part of a date or time `written` gives that the calendar or the clock does not have
    (`fields` as `_fields_written` reads them): a month past 12 ('20241302'), a day its month lacks
    ('2023-02-29': 2023 is no leap year), second 60 (a leap second), a minute past 59; None where
    every part exists. The same rule for every form the reader knows: ISO 8601, YYYYMMDD, slash or
    dotted dates, month names."""
    year, month, day, hour, minute, second = fields
    if month is not None and not 1 <= month <= 12:
        return (f"{written!r} gives month {month}, and there is no month {month} (months are 1-12); the date is "
                "mistyped or its day and month are swapped: correct it at the source")
    if year is not None and month is not None and day is not None and day > calendar.monthrange(year, month)[1]:
        days = calendar.monthrange(year, month)[1]
        leap = f"{year} is no leap year: " if month == 2 and day == 29 else ""
        return (f"{written!r}: {year} has no {day} {calendar.month_name[month]} ({leap}{calendar.month_name[month]} "
                f"{year} has {days} days); the writer built the date wrongly: correct it at the source")
    if second == 60:
        return (f"{written!r} is a leap second (second 60), which the lake does not store: its times, like Unix "
                "time, have seconds 0-59; write the second before (:59) or the next minute's :00")
    if minute is not None and minute > 59:
        return f"{written!r}: minute {minute} is no minute of an hour (00-59); correct the time at the source"
    if second is not None and second > 60:
        return f"{written!r}: second {second} is no second of a minute (00-59); correct the time at the source"
    return None


def _timestamp_error_said(error: str, written: str, fields: tuple[int | None, ...] | None = None) -> str:
    """A date or time library's error text (`datetime`'s, `dateutil`'s) about `written`, said in
    the reader's words with the value: an offset beyond a day, an ISO ordinal or week date, a part
    the calendar or the clock lacks (`fields`, the parts as written: `_impossible_part_said`), or a
    value in no form this reader reads (with the forms it reads)."""
    if "offset must be a timedelta" in error:
        offset = re.search(r"[+-]\d{2}:?\d{2}$", written.strip())
        shown = f" {offset.group(0)}" if offset else ""
        return (f"{written!r}: a UTC offset{shown} is outside -24:00..+24:00, so no clock on Earth reads it; "
                "the offset is mistyped (+02:00 for +25:00?): correct it at the source")
    if re.fullmatch(r"\d{4}-?\d{3}", written.strip()):
        return (f"{written!r} is an ISO 8601 ordinal date (year and day of the year), which this reader does not "
                f"read: write the calendar date, as {_TIMESTAMP_FORMS}")
    if re.fullmatch(r"\d{4}-?W\d{2}(?:-?\d)?", written.strip()):
        return (f"{written!r} is an ISO 8601 week date, which this reader does not read: write the calendar date, "
                f"as {_TIMESTAMP_FORMS}")
    if "hour must be in 0..23" in error:
        return f"{written!r}: hour 24 or more is no time of day (00-23); write the next day's 00:00"
    rfc = re.fullmatch(_RFC_2822_DAY, written.strip())
    if rfc and "day is out of range" in error and rfc["month"].title() in _MONTHS:
        year, month = int(rfc["year"]), _MONTHS.index(rfc["month"].title()) + 1
        days = calendar.monthrange(year, month)[1]
        return (f"{written!r} is in RFC 2822 form, but its day does not exist: {rfc['month'].title()} {year} has "
                f"{days} days, not {int(rfc['day'])}; the feed's writer built the date wrongly: correct it at the source")
    if fields is not None and (impossible := _impossible_part_said(fields, written)) is not None:
        return impossible
    return f"not an ISO-8601, RFC 2822 or known timestamp form: {written!r} (this reader reads {_TIMESTAMP_FORMS})"


def _free_form_timestamp(value: str, written: str | None = None, read_day_first: list[str] | None = None,
                         file_order: DateOrderEvidence | None = None) -> datetime:
    """`parse_timestamp` for text that is not ISO 8601 (see there); messages quote it as `written`
    (the value as the file writes it, before `_local_clock`), by default `value`. A numeric date
    whose day and month could be swapped is read in the file's declared date_order (DATE_ORDER),
    else day first where `written` holds a word of a language that writes dates so
    (`_day_first_word`: '02.05.2024 9:00 Uhr', 'Mi, 01.05.2024'), that word then appended to
    `read_day_first` where given; else in the order the file's other values show
    (`file_order.reads`: '13/02/2011' elsewhere in the file, or dotted dates); else refused, the
    message saying where the file shows both orders.
    """
    written = value if written is None else written
    from dateutil import parser as dateutil_parser

    text = _english_months(_month_written_once(value, written))
    # zone names are case-insensitive (RFC 5322 section 3.3): 'gmt' is GMT
    text = re.sub(r"[A-Za-z]+", lambda m: m.group().upper() if m.group().upper() in _ZONES else m.group(), text)
    # 'GMT+0200', 'GMT+2', 'UTC+5:30' are offsets east of UTC, never read POSIX-inverted
    text = re.sub(r"\b(?:GMT|UTC)\s*([+-])(\d{1,2})(?::?(\d{2}))?\b",
                  lambda m: f"{m.group(1)}{int(m.group(2)):02d}:{m.group(3) or '00'}", text)
    for word in re.findall(r"[A-Za-z]+", text):
        if word.lower() in _DATE_WORDS:
            continue
        if word.upper() in _AMBIGUOUS_ZONES:
            raise ValueError(f"time zone {word!r} is ambiguous ({_AMBIGUOUS_ZONES[word.upper()]}): {written!r}")
        if word.upper() in _RFC_2822_ONLY_ZONES and not _RFC_2822_DATE.fullmatch(text.strip()):
            raise ValueError(f"time zone {word!r} is ambiguous outside an RFC 2822 date "
                             f"({_RFC_2822_ONLY_ZONES[word.upper()]}): {written!r}")
        if word.upper() not in _ZONES:
            raise ValueError(f"not an ISO-8601, RFC 2822 or known timestamp form ({word!r} is no month, day, "
                             f"AM/PM or known time zone): {written!r}")
    numeric = re.search(r"\b(\d{1,2})([/.-])(\d{1,2})\2(\d{2,4})\b", text)
    order, word = DATE_ORDER.get(), None
    if numeric and order is None and (word := _day_first_word(written)) is not None:
        order = "DMY"  # '02.05.2024 9:00 Uhr': as German writes a date
    elif numeric and order is None and file_order is not None:
        order = file_order.reads(numeric.group(2))  # '01/02/2011' in a file that writes '13/02/2011'
    if numeric and order is not None:
        first, second = int(numeric.group(1)), int(numeric.group(3))
        if (first if order == "MDY" else second) > 12:
            why = (f"the file's other dates show it ({file_order.said()})" if word is None and DATE_ORDER.get() is None
                   else f"the news settings declare date_order {order}" if word is None else
                   f"{word!r} is of a language that writes dates day first; write ISO 8601, or declare the file's "
                   "date order in news settings (date_order DMY or MDY)")
            raise ValueError(f"{numeric.group(0)!r} is no {'month' if order == 'MDY' else 'day'}-first date, and "
                             f"{why}: {written!r}")
        day_first = order == "DMY"
        if word is not None and first <= 12 and first != second and read_day_first is not None:
            read_day_first.append(word)
    elif numeric and int(numeric.group(1)) <= 12 and int(numeric.group(3)) <= 12 and numeric.group(1) != numeric.group(3):
        shown = (f", and the file's other dates show both orders ({file_order.counted()})"
                 if file_order is not None and file_order.shows_both else "")
        raise ValueError(f"day and month could be swapped in {numeric.group(0)!r}{shown}; write ISO 8601, or declare "
                         f"the file's date order in news settings (date_order DMY or MDY): {written!r}")
    else:
        day_first = bool(numeric and int(numeric.group(1)) > 12)
    try:
        # dateutil fills a missing year, month or day from its default (today); parsing against two
        # defaults that differ in all three shows a part the text does not give
        parsed, *others = (dateutil_parser.parse(text, tzinfos=_ZONES, dayfirst=day_first, default=default)
                           for default in _DEFAULTS)
    except (dateutil_parser.ParserError, ValueError, OverflowError) as exc:
        raise ValueError(_timestamp_error_said(str(exc), written, _fields_written(text, day_first))) from None
    missing = [part for part in ("year", "month", "day")
               if any(getattr(parsed, part) != getattr(other, part) for other in others)]
    if missing:
        named = missing[0] if len(missing) == 1 else f"{', '.join(missing[:-1])} or {missing[-1]}"
        raise ValueError(f"no {named} in {written!r}: a publication time needs a full date "
                         "(it would be filled in from today)")
    years = re.findall(r"(?<![\d:.+-])(\d{4})(?![\d:])", text)  # not a '+0000' offset
    if years and int(years[0]) != parsed.year:  # 'Mon, 01 Jan 0001' would be read as 2001
        raise ValueError(f"year {int(years[0])} is outside {_EARLIEST}-{_LATEST}: a placeholder, not a "
                         f"publication time: {written!r}")
    named_days = {_WEEKDAYS[w.lower()] for w in re.findall(r"[A-Za-z]+", text) if w.lower() in _WEEKDAYS}
    if named_days and named_days != {parsed.weekday()}:
        raise ValueError(f"the weekday written does not match the date: {parsed:%Y-%m-%d} is a {parsed:%A}: "
                         f"{written!r}")
    return parsed


def parse_news_feed_csv(path: Path, lines: list[str], sha256: str, first_line: int = 1,
                        label_map: Mapping[str, str | None] | None = None) -> ParsedFile:
    """An article feed CSV (header names per FEED_ALIASES) into raw.news rows. `lines` start at the
    header, which is physical line `first_line` of the file (2 after Excel's `sep=,` line).

    - the separator is the one of FEED_DELIMITERS that splits the header into the most fields with
      a headline or body among them (notes['delimiter']): a tab-separated feed is not one column.

    - doc_id: the id column, else '<sha256[:16]>:<line>' when the feed has no id column; an empty
      id is quarantined (rule `missing_doc_id`). An id the source wrote, on a record that names its
      source, is keyed by it (`source_keyed_id`: '<source>:<id>', lines listed in
      notes['doc_id_keyed_by_source_lines']): two publishers may both number their articles from 1.
    - text_raw: the body when it has usable text (text_field 'body'), else the headline
      (text_field 'headline'); neither usable -> quarantined (rule `no_usable_text`, the message
      gives each field's reason from `lib.text.is_usable_text`).
    - published_at: converted to UTC; a time without offset is taken as UTC (lines listed in
      notes['published_at_assumed_utc_lines']); empty -> NULL (notes['published_at_missing_lines']);
      unparsable -> quarantined (rule `unparsable_timestamp`).
    - label: read by `_Collector.read_label` (the declared `label_map`, then LABELS,
      LABEL_SHORT_FORMS and LABEL_TRANSLATIONS, whatever the case and surrounding spaces); empty
      -> NULL (unlabelled); a null token or lone dash ('NaN', 'NULL', '-') -> NULL too, listed in
      notes['label_null_token_lines'], and so is a notice in its place ('ONLY AVAILABLE IN PAID
      PLANS', notes['label_not_given_lines']); any other label (a class code such as '1', a word
      such as 'bullish') -> NULL, the article still loads to be scored (not trained on), counted per
      label in notes['label_unrecognised'] with its lines in notes['label_unrecognised_lines'].
      A quarantine of the label alone would take the whole article out of raw.news (a record with
      a quarantined value is not loaded), so the text is kept and the label is reported instead.
    - source: the source column, else 'file:<file name>' (the source is part of an article's key).
    - an id already loaded from an earlier line, or a URL id whose `url_key` is (the same address
      written another way) -> quarantined (`duplicate_doc_id`; the message says whether the text is
      the same or not; the first line's row is kept, with its URL as written). Landing applies the
      same rule to ids already in raw.news.
    - a record without the header's number of fields -> quarantined (`wrong_field_count`); the last
      one, when the file ends inside a quoted field it opens (a truncated file, the body cut on one
      line or over several) -> quarantined once, all its lines together (`cut_in_quoted_field`);
      one with text after a closing quote -> quarantined (`malformed_quotes`); a line repeating the
      header (in any case, quoted or not) is non-data (`repeated_header`); one naming the header's
      columns in another order refuses the file (FileRefused naming the line): read by position,
      the articles after it would swap fields.
    - a line written for a reader below the last story, or a footer's whole shape between stories
      (exports concatenated into one file), is non-data (`footer_note`, `_footer_lines`); a count
      of stories it states is checked against its section's records (`_note_footer`).
    - an id that is a null token ('NULL', 'nan', '-') -> `missing_doc_id`; one in scientific
      notation -> `sci_notation_id`.
    - a stray quote cannot swallow the lines after it (see `_csv_records`); the line where it
      opened is listed in notes['stray_quote_lines'].
    Columns without a canonical field are listed in notes['ignored_columns'].
    """
    delimiter = _feed_delimiter(lines[0]) or ","
    # a writer that puts a space after each delimiter in the header ('"id", "title"') does so in
    # every record: only then is a space before an opening quote read as padding
    fmt = {"delimiter": delimiter, "skipinitialspace": bool(re.search(f"{re.escape(delimiter)} +\"", lines[0]))}
    copy_text = delimiter == "\t" and any(_COPY_NULL.search(line) for line in lines[1:]) \
        and not any('\\"' in line for line in lines[1:])
    escapes = None
    width = len(next(csv.reader([lines[0].replace("\r", _CR_STANDIN)], **fmt)))
    with csv_text.csv_field_limit(sum(map(len, lines)) + len(lines)):
        if copy_text:  # PostgreSQL's COPY text format: no quoting, backslash escapes (_copy_unescape)
            escapes = _BackslashEscapes.copy_text()
        elif escaping := [line for line in lines[1:] if '\\"' in line]:
            escaped = {**fmt, "escapechar": "\\", "doublequote": False}
            if _strict_records(escaping, width, escaped) > _strict_records(escaping, width, fmt):
                # Spark's and MySQL's CSV: a quote inside a quoted field written \"; MySQL's NULL is an
                # unquoted \N, which no field's text is
                null = re.compile(f"(^|{re.escape(delimiter)})\\\\N(?={re.escape(delimiter)}|$)")
                lines = lines[:1] + [null.sub(r"\1", line) for line in lines[1:]]
                escapes = _BackslashEscapes.escaped_csv(lines, delimiter)
        if escapes is not None:
            fmt = {**fmt, "escapechar": _ESCAPE_STANDIN, "doublequote": False,
                   **({"quoting": csv.QUOTE_NONE} if copy_text else {})}
            lines = lines[:1] + [escapes.protected(line) for line in lines[1:]]
        lines = lines[:1] + csv_text.split_at_record_crs(
            lines[1:], lambda piece: len(next(csv.reader([piece], **fmt), [])) == width)
    lines = [line.replace("\r", _CR_STANDIN) for line in lines]
    with csv_text.csv_field_limit(sum(map(len, lines)) + len(lines)):
        return _parse_feed_lines(path, lines, sha256, fmt, first_line - 1, label_map, escapes)


_COPY_NULL = re.compile(r"(?:^|\t)\\N(?=\t|$)")
"""A field that is exactly `\\N`: PostgreSQL's COPY text format writes NULL so (and MySQL's SELECT
... INTO OUTFILE); no sentence is the two characters alone."""

_COPY_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|(.))", re.DOTALL)
_COPY_CHARACTERS = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def _copy_unescape(field: str) -> tuple[str, int]:
    """A field of PostgreSQL's COPY text format as the text it stands for: `\\N` alone is NULL (an
    empty value here, read as missing), `\\n` a line break, `\\t` a tab, `\\r`, `\\b`, `\\f`,
    `\\v`, `\\ddd` (octal) and `\\xhh` the characters they name, and a backslash before any other
    character that character (`\\\\` is one backslash; a backslash before a tab or a line break, as
    MySQL's `SELECT ... INTO OUTFILE` writes them, that tab or line break). Source: PostgreSQL
    documentation, COPY, "Text Format". With the number of NULs left out (`_unescaped`)."""
    if field == "\\N":
        return "", 0
    return _unescaped(field, _COPY_ESCAPE, lambda m: chr(int(m[1], 8)) if m[1] else chr(int(m[2], 16)) if m[2]
                      else _COPY_CHARACTERS.get(m[3], m[3]))


_MYSQL_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_MYSQL_CHARACTERS = {"0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a"}
"""The characters MySQL writes, and reads, as a backslash and a letter (MySQL reference manual,
LOAD DATA, "Field and Line Handling"); a backslash before any other character is that character."""


def _mysql_unescape(field: str) -> tuple[str, int]:
    """A field of MySQL's backslash-escaped CSV (`FIELDS ESCAPED BY '\\\\'`, its default) as the
    text it stands for (`_MYSQL_CHARACTERS`: `\\0` NUL, `\\b`, `\\n`, `\\r`, `\\t`, `\\Z` Ctrl-Z; a
    backslash before a quote, a separator, a line break or a backslash that character), with the
    number of NULs left out (`_unescaped`)."""
    return _unescaped(field, _MYSQL_ESCAPE, lambda m: _MYSQL_CHARACTERS.get(m[1], m[1]))


_QUOTE_ESCAPE = re.compile(r'\\(["\\])')


def _quote_unescape(field: str) -> tuple[str, int]:
    """A field of a CSV whose writer escapes only a quote (Spark's default): `\\"` is a quote and
    `\\\\` a backslash; any other backslash is text, as in `C:\\data` (`csv_text` reads loan tapes so)."""
    return _unescaped(field, _QUOTE_ESCAPE, lambda m: m[1])


def _unescaped(field: str, escape: re.Pattern[str], character: Callable[[re.Match[str]], str]) -> tuple[str, int]:
    """`field` with each `escape` replaced by its `character`, and how many of them were NULs, which are
    left out: an escaped NUL is a byte the source column held (a C string's end, a BINARY column's
    zero fill), never text, and inside the text the lake keeps it would quarantine the article as a
    control character from a binary or truncated export, which it is not. The caller notes them."""
    nuls = 0

    def one(found: re.Match[str]) -> str:
        nonlocal nuls
        decoded = character(found)
        nuls += decoded == "\0"
        return "" if decoded == "\0" else decoded

    return escape.sub(one, field), nuls


_ESCAPE_STANDIN = "\ue001"
"""The csv module's escape character in a feed written with backslash escapes, put between a
backslash and a character the csv module would otherwise take for a quote, a separator or a line
end: the backslash and its character then reach the field together and are decoded there, as the
file's writer meant (the csv module's own backslash escape would keep the letter of `\\n` and drop
the backslash). Taken out again from a line shown as written."""


@dataclass(frozen=True)
class _BackslashEscapes:
    """How a feed that escapes with backslashes is read: the characters after a backslash that the
    csv module must take as text (`protect`, `\\n` for the line end), what a field stands for
    (`unescape`, with the NULs it left out) and the file's notes on it."""

    protect: str
    unescape: Callable[[str], tuple[str, int]]
    notes: dict[str, object]

    @classmethod
    def copy_text(cls) -> _BackslashEscapes:
        """PostgreSQL's COPY text format, and MySQL's `SELECT ... INTO OUTFILE` by default (tabs, `\\N`
        for NULL, no quotes), which also writes a tab or line break in a value after a backslash."""
        return cls("\t\n", _copy_unescape, {"copy_text_format": (
            "PostgreSQL COPY text format: \\N is NULL, backslash escapes (\\n, \\t, \\\\, octal, hex; a "
            "backslash before a tab or a line break, as MySQL writes them) decoded")})

    @classmethod
    def escaped_csv(cls, lines: list[str], delimiter: str) -> _BackslashEscapes:
        """A CSV whose quotes inside quoted fields are written `\\"` (Spark, MySQL): MySQL's escapes
        (`_mysql_unescape`) where every backslash of its data lines stands in one (MySQL escapes its
        backslashes), else only a quote's and a backslash's (`_quote_unescape`)."""
        notes: dict[str, object] = {"quotes_escaped_with_backslash": sum('\\"' in line for line in lines[1:])}
        mysql = f'"\\\n{delimiter}' + "".join(_MYSQL_CHARACTERS)
        other = next((n for n, line in enumerate(lines[1:], start=2)
                      if any((m[1] or "\n") not in mysql for m in re.finditer(r"\\(.|$)", line))), None)
        if other is None:
            notes["backslash_escapes"] = ("MySQL's: \\0 (a NUL), \\b, \\n, \\r, \\t, \\Z and a backslash "
                                          "before a quote, separator, line break or backslash decoded")
            return cls(f'"\n{delimiter}', _mysql_unescape, notes)
        notes["backslash_escapes"] = (f"before a quote or a backslash only: line {other} has a backslash before "
                                      "another character, which MySQL would have escaped; such a backslash is text")
        return cls('"', _quote_unescape, notes)

    def protected(self, line: str) -> str:
        """`line` with _ESCAPE_STANDIN between each backslash and the character after it in `protect`."""
        return re.sub(r"\\(.|$)", lambda m: "\\" + _ESCAPE_STANDIN + m[1] if (m[1] or "\n") in self.protect
                      else m[0], line)


def parse_news_workbook(path: Path, content: bytes, sha256: str,
                        label_map: Mapping[str, str | None] | None = None) -> ParsedFile:
    """An article feed kept in an Excel workbook (.xlsx, .xlsm): the one visible sheet whose header,
    within its first rows, names a headline or body column (FEED_ALIASES, as a feed CSV's), read as
    the CSV that "Save as" would write from it (`workbook.records`: the values Excel last calculated)
    and validated row by row as a feed CSV's records (`_feed_record`). A row's line is its row
    number in Excel; rows above the header are notes, empty ones blank, a repeat of the header
    `repeated_header`, rows under the last story (or a section's) written for a reader `footer_note`
    (`_footer_lines`);
    a row with values beyond the header's last column is quarantined whole
    (`malformed_record`). A date-time cell under the publication-time column is read at its time of
    day (no zone: taken as UTC, as in a CSV), a date cell (its number format shows no time) as a day
    alone (`is_date_only`). A URL id column's linked cell (`=HYPERLINK(url, "Open")`, or a link
    attached to the cell) gives its address, not the text it shows (`workbook.cell_links`; notes
    `doc_id_from_cell_link_lines`). Notes name the sheet read, its header row and the sheets
    not read. Format `news_feed_xlsx`.

    Raises:
        FileRefused: no visible sheet has a feed header, two sheets do, the sheet holds formulas
            saved without their value, its header repeats a name, or it is a loan tape's header;
            each message names the file (and sheet).
    """
    from risk_assets.lib.ingest import workbook

    sheets, not_read = workbook.read_sheets(path, content)
    declared = _declared_columns()

    def fits(cells: list[str]) -> dict[str, int] | None:
        columns = _feed_columns(cells, declared)
        return columns if "headline" in columns or "body" in columns else None

    def declared_near(cells: list[str]) -> dict[str, int] | None:
        """Under declared columns, a header of several names one of which is a declared column or
        close to one (a misspelled 'Geschichtte'): read as the feed's, so that `_refuse_undeclared`
        names the declaration to fix and the closest column, not an unknown format."""
        keys = [column_key(cell) for cell in cells if cell.strip()]
        if len(keys) > 1 and any(difflib.get_close_matches(key, keys, n=1, cutoff=0.6) for key in declared):
            return _feed_columns(cells, declared) or {"": -1}  # truthy: nothing read yet, the header still fits
        return None

    no_feed = not any(workbook.find_header(sheet, fits) for sheet in sheets)
    sheet, header_row, found, notes = workbook.the_sheet(
        path, sheets, not_read, declared_near if declared and no_feed else fits, "news feeds",
        "a news feed (a headline or body column, named as in a feed CSV)",
        "Name the columns as a feed CSV's (see README, 'News files')"
        + (f", or declare them in news settings ({SETTINGS_FILE.get()} declare "
           f"{', '.join(repr(column) for column in DECLARED_COLUMNS.get() or {})}, which no sheet's header names)"
           if declared else "") + ".")
    where = f"sheet {sheet.name!r} row {header_row}"
    header_cells = [workbook.render(c).strip() for c in next(cells for n, cells in sheet.rows if n == header_row)]
    _refuse_loan_header(path, header_cells, where)
    published = found.get("published_at")  # `fits` read the header's columns already
    stamps = {header_cells[published]: workbook.DATE_OR_DATE_TIME} if published is not None else {}
    records = workbook.records(path, sheet, header_row, stamps)
    out = _Collector("news_feed_xlsx", label_map=label_map or {})
    columns = _feed_header(out, path, records.header, f"{where}: columns",
                           lambda index: (values[index] for values in records.fields.iter_rows()))
    by_url = "doc_id" in columns and _key(records.header[columns["doc_id"]]) in URL_IDS
    out.notes.update(notes)
    out.notes.update(records.notes)  # merged cells filled over the feed's rows
    out.non_data_lines.extend(records.non_data_lines)
    out.non_data_text.update(records.marked_text)
    for line, raw, message in records.malformed.iter_rows():
        out.data_records += 1
        out.reject(line, None, "*", "malformed_record", raw, f"{path}: sheet {sheet.name!r} row {line}: {message}")
    data_lines = records.malformed.get_column("line").to_list()  # what a footer's count counts
    last = max(data_lines, default=0)  # a footer below the last story is under every record
    below, between = _footer_lines(
        [(values[-1], values[:-1], ",".join(values[:-1])) for values in records.fields.iter_rows()], len(records.header),
        [i for name, i in columns.items() if name in ("headline", "body")])
    footer = {**between, **{line: text for line, text in below.items() if line > last or FOOTER_LINE.fullmatch(text)}}
    if (at := columns.get("published_at")) is not None:  # a text cell's '01/02/2011' is read as the others show
        out.settle_date_order((values[-1], values[at]) for values in records.fields.iter_rows()
                              if values[-1] not in footer)
    unread_text: dict[int, list[str]] = {}  # row -> the unread columns holding text on it
    for values in records.fields.iter_rows():  # the header's columns in order, then _source_line
        line = values[-1]
        if line in footer:
            continue
        out.data_records += 1
        data_lines.append(line)
        record = {canonical: values[i] for canonical, i in columns.items()}
        if by_url and (link := sheet.links.get((line, columns["doc_id"] + 1))):  # 'Open' shown, the address linked
            if URL_ID.match(record["doc_id"]):  # the cell shows an address itself: that one is the id
                link = record["doc_id"]
            elif link != record["doc_id"].strip():
                out.note_line("doc_id_from_cell_link_lines", line)
            record["doc_id"] = link
        if by_url and not record["doc_id"].strip():
            record["doc_id"] = _content_id(record)
            out.note_line("doc_id_from_content_lines", line)
        if held := [records.header[i] for i, name in enumerate(records.header)
                    if name in out.notes["ignored_columns"] and _holds_text(values[i]) and not _describes_other(name)]:
            unread_text[line] = held
        _feed_record(out, path, line, sha256, record, where=f"{path}: sheet {sheet.name!r} row {line}")
    if footer:
        _note_footer(out, footer, data_lines)
    _note_headline_beside_unread_text(out, unread_text, "column", "row")
    return out.parsed()


_COUNTED = r"(?:stories|articles|items|results|headlines|documents|records|rows|news\s+items)"
FOOTER_LINE = re.compile(rf"""(?ix)^\W*(?:
    (?:(?:grand\s+)?totals?|showing|count)\s*:?\s*\(?\d[\d,.]*\)?\s+{_COUNTED}
        (?:\s+(?:found|listed|selected|exported|returned|in\s+total))?          # Total: 5 stories, Total 1,204 stories exported
  | (?:(?:grand\s+)?totals?\s+)?{_COUNTED}\s*:\s*\d[\d,.]*                  # Total stories: 3, Stories: 12
  | \(?\d[\d,.]*\s+{_COUNTED}(?:\s+(?:found|listed|selected|exported|returned|in\s+total))?\)?  # 12 stories, (30 rows)
  | page\s+\d+\s+of\s+\d+
  | sources?\s*:.{{0,120}}(?:©|\(c\)|copyright).{{0,60}}                     # Source: Bloomberg L.P. (c) 2024
  | sources?\s*:\s*[^\s.!?]+(?:\s+[^\s!?]+){{0,3}}                            # Source: Refinitiv Eikon (4 words at most)
  | (?:copyright\s*(?:©|\(c\))?|©|\(c\))\s*(?:19|20)\d\d\b.{{0,120}}         # Copyright 2024 Dow Jones, © 2024 Reuters
  | (?:exported|generated|downloaded|printed|retrieved|extracted|compiled)\s+(?:by|on|at|from|via)\s.{{0,160}}
  | report\s+(?:generated|run|date)\b.{{0,160}}
  | end\s+of\s+(?:report|file|export|list|results|document)
)\W*$""")
"""What a terminal or news database writes under the last story of an export (or of each export
concatenated into one file), as a whole line: a
count ('Total: 5 stories', 'Total stories: 3', '12 results', '(30 rows)'), the provenance with a
copyright mark ('Source: Bloomberg L.P. (c) 2024', '© 2024 Reuters') or in four words at most
('Source: Refinitiv Eikon'; 'Source: Nokia in talks to buy Alcatel' is a headline), the export ('Exported by user
jdoe on 2024-05-03 07:00', 'Generated on ...', 'Page 1 of 1', 'End of report'). Whole shapes, not
opening words: 'Total operating revenue grew by 27.6 %' and 'Sources say Nokia is in talks' are
stories, and '500 stories that shaped Finnish business' is a headline."""
FOOTER_COUNT = re.compile(rf"(?i)\b(\d[\d,]*)\s+{_COUNTED}\b|{_COUNTED}\s*:\s*(\d[\d,]*)")
"""The number of stories a footer line (FOOTER_LINE) states, checked against the file's records
(notes['footer_totals'])."""
BARE_COUNT = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")
"""A number alone, as some exports write the count of their stories under the last one ('3',
'1,204'): a footer only as the one value of a line among the last lines of the file, outside a
column whose records hold numbers (`_footer_lines`)."""
_NUMBER = re.compile(r"[+-]?\d[\d,]*(?:\.\d+)?")
"""A value written as a number ('1001', '-3', '2.5'): a column holding one in a record is a
numeric column (an id, a count), where a number under the last story is a record's."""
GRAND_TOTAL = re.compile(r"(?i)^\W*grand\s+totals?\b")
"""A footer that counts the stories of the whole file ('Grand total: 5 stories'), not of its
last section."""
FOOTER_VALUES_MAX = 3
"""The most cells a footer line spreads over ('Total stories:,3' is two)."""
_SOURCE_NAMED = re.compile(r"(?i)^\W*sources?\s*:(?!.*(?:©|\(c\)|copyright))")
"""FOOTER_LINE's loosest shape, a source named in four words at most without a copyright mark
('Source: Refinitiv Eikon'): between stories, in a headline or body, a headline ('Source: Nokia
cuts jobs') as much as a footer."""


def _footer_shape(fields: Sequence[str], raw: str, width: int) -> str | None:
    """A record's text when the record is a footer's whole shape (FOOTER_LINE), else None: its
    values joined ('Total stories:,3' -> 'Total stories: 3'; FOOTER_VALUES_MAX cells at most), or,
    for a line of another field count than the header's `width`, as written ('Total: 1,204 stories'
    unquoted in a comma file)."""
    values = [value.strip() for value in fields if value.strip()]
    joined = " ".join(values)
    if len(values) <= FOOTER_VALUES_MAX and FOOTER_LINE.fullmatch(joined):
        return joined
    if len(fields) not in (width, width + 1) and FOOTER_LINE.fullmatch(raw.strip()):
        return raw.strip()
    return None


def _footer_lines(records: Sequence[tuple[int, Sequence[str] | None, str]], width: int,
                  text_columns: Iterable[int]) -> tuple[dict[int, str], dict[int, str]]:
    """The lines of a feed written for a reader, not a story: ({line: text} below its last story,
    {line: text} between its stories), line order kept by the caller.

    Below the last story, read from the end with blank records skipped, a record is a footer line
    when it is a footer's whole shape (`_footer_shape`: 'Total: 5 stories', 'Source: Bloomberg L.P.
    (c) 2024', 'Exported by user jdoe on 2024-05-03 07:00'), wherever its values stand; when its one
    value is text for a reader (two words or more, loan tapes' NOTE_TEXT) in a column that holds no
    article text (the date's, the id's: 'Compiled for the credit desk'); or, once, when its one
    value is a number alone (BARE_COUNT, '3': the count of the stories above it) where a line the
    export wrote on its own starts, in the first column, and that column's records hold no number
    (`3` in an id column of numbers is an article's id; `,,,7`, a number in the fourth column of an
    otherwise empty record, is a record's value, not the export's count). The first record
    that is none of these ends the footer: a last story whose headline or body opens with 'Total'
    or 'Source' stays a story, and so does any record above a story.

    Between stories, only a footer's whole shape is a footer line: exports concatenated into one
    file, each section under its own 'Total: 2 stories'. Prose or a number there is a record, and
    so is a source named without a copyright mark (_SOURCE_NAMED) in a headline or body column, or
    on a line whose columns cannot be told.

    `records`: (line, fields, raw text; fields None for a blank record), in file order; `width`: the
    header's columns; `text_columns`: the indexes of the headline and body columns.
    """
    text_columns = set(text_columns)
    below: dict[int, str] = {}
    counted = False

    def numeric(column: int, line: int) -> bool:  # a column where some record writes a number
        return any(number != line and fields is not None and len(fields) > column
                   and _NUMBER.fullmatch(fields[column].strip()) for number, fields, _ in records)

    for line, fields, raw in reversed(records):
        values = [(i, value.strip()) for i, value in enumerate(fields or []) if value.strip()]
        if not values or re.match(csv_text.END_OF_FILE_MARKER, values[0][1]):  # blank, or DOS's Ctrl-Z
            continue
        whole = len(fields) in (width, width + 1)
        if (shape := _footer_shape(fields, raw, width)) is not None:
            below[line] = shape
        elif whole and len(values) == 1 and values[0][0] not in text_columns and re.search(NOTE_TEXT, values[0][1]):
            below[line] = values[0][1]
        elif (not counted and len(values) == 1 and values[0][0] == 0 and BARE_COUNT.fullmatch(values[0][1])
              and not numeric(0, line)):
            below[line], counted = values[0][1], True
        else:
            break

    def in_text(fields: Sequence[str]) -> bool:  # a value in a headline or body column, or columns unknown
        return len(fields) not in (width, width + 1) or any(value.strip() and i in text_columns
                                                             for i, value in enumerate(fields))

    between = {line: shape for line, fields, raw in records
               if fields is not None and line not in below and (shape := _footer_shape(fields, raw, width)) is not None
               and not (_SOURCE_NAMED.match(shape) and in_text(fields))}
    return below, between


def _note_footer(out: _Collector, footer: Mapping[int, str], data_lines: Sequence[int]) -> None:
    """The footer lines as non-data (`footer_note`) and their notes: `footer_notes` ("line: text")
    and, for each that states a number of stories (FOOTER_COUNT, or BARE_COUNT alone), an entry of
    `footer_totals` as a loan tape's row count has it, {"line N": {line, footer, source, stated,
    records, matches}}: check `raw_news_footer_totals` names a mismatch, a story lost (or added)
    before the file landed.

    `records` counts the data records (`data_lines`, loaded or quarantined) of the section the
    footer closes: those since the previous footer that stated a count (the file's start for the
    first), as exports concatenated into one file each count their own; footer lines with no record
    between them close one section together, and a page mark ('Page 1 of 3') closes none. A 'Grand
    total' (GRAND_TOTAL) counts every record above it. When the records counted are not all the
    file's, the entry says which lines they lie on (`section`: 'lines 2-4')."""
    out.non_data_lines.extend((line, "footer_note") for line in sorted(footer))
    out.non_data_text.update(footer)
    out.notes["footer_notes"] = [f"{line}: {text[:120]}" for line, text in sorted(footer.items())]
    data_lines = sorted(data_lines)
    blocks: list[list[int]] = []  # footer lines with no record between them
    for line in sorted(footer):
        if blocks and bisect.bisect_left(data_lines, line) == bisect.bisect_right(data_lines, blocks[-1][-1]):
            blocks[-1].append(line)
        else:
            blocks.append([line])
    totals, start = {}, None  # start: the line after the last footer block that stated a count
    for block in blocks:
        stated_here = False
        for line in block:
            text = footer[line]
            if (found := FOOTER_COUNT.search(text)) is not None:
                stated = int((found[1] or found[2]).replace(",", ""))
            elif BARE_COUNT.fullmatch(text):
                stated = int(text.replace(",", ""))
            else:
                continue
            stated_here = True
            first = None if GRAND_TOTAL.match(text) else start
            counted = [n for n in data_lines if (first is None or n >= first) and n < block[0]]
            entry = {"line": line, "footer": text[:120],
                     "source": (f"the footer {text[:60]!r}" if not BARE_COUNT.fullmatch(text)
                                else f"the count {text!r} under the stories"),
                     "stated": stated, "records": len(counted), "matches": stated == len(counted)}
            if len(counted) != len(data_lines):
                opens = first if first is not None else counted[0] if counted else block[0]
                entry["section"] = f"lines {opens}-{block[0] - 1}" if counted else f"none above line {block[0]}"
            totals[f"line {line}"] = entry
        if stated_here:
            start = block[-1] + 1
    if totals:
        out.notes["footer_totals"] = totals


def _parse_feed_lines(path: Path, lines: list[str], sha256: str, fmt: dict, offset: int = 0,
                      label_map: Mapping[str, str | None] | None = None,
                      escapes: _BackslashEscapes | None = None) -> ParsedFile:
    delimiter = fmt["delimiter"]
    header = next(csv.reader([lines[0]], **fmt))
    out = _Collector("news_feed_csv", label_map=label_map or {})
    records: list[list[str]] = []
    # a form feed opening a line is a report's page break (a line printer's, a mainframe's): the line
    # after it is judged as written without it (a repeated header, a page number, a story)
    for number, line in enumerate(lines[1:], start=2):
        if line.startswith("\f"):
            out.note_line("form_feed_lines", number + offset)
    lines = [lines[0], *(line.lstrip("\f") for line in lines[1:])]

    def values(index: int) -> Iterator[str]:  # a column's values, read once when a label is looked for
        if not records:
            records.extend(fields for _, fields, *_ in _csv_records(lines, len(header), fmt)
                           if fields is not None and len(fields) in (len(header), len(header) + 1))
        return (fields[index] for fields in records)

    columns = _feed_header(out, path, header, f"line {1 + offset}: columns", values)
    by_url = "doc_id" in columns and _key(header[columns["doc_id"]]) in URL_IDS
    out.non_data_lines.extend((number, "note") for number in range(1, offset + 1))
    out.notes["delimiter"] = delimiter
    if escapes is not None:
        out.notes.update(escapes.notes)

    def written(raw: str) -> str:  # a record's text as the file holds it
        raw = raw.replace(_CR_STANDIN, "\r")
        return raw.replace(_ESCAPE_STANDIN, "") if escapes else raw

    parsed = list(_csv_records(lines, len(header), fmt))
    unread = [i for i, name in enumerate(header) if name in out.notes["ignored_columns"]]
    unread_text: dict[int, list[str]] = {}  # line -> the unread columns holding text on it
    below, between = _footer_lines([(number, fields, raw.strip(delimiter + " ")) for number, fields, raw, *_ in parsed],
                                   len(header), [i for name, i in columns.items() if name in ("headline", "body")])
    footer = {**between, **below}
    data_lines = []  # every data record's line, loaded or quarantined: what a footer's count counts
    if (at := columns.get("published_at")) is not None:  # '01/02/2011' is 1 February where '13/02/2011' is below
        out.settle_date_order((number + offset, fields[at]) for number, fields, *_ in parsed
                              if number not in footer and fields is not None and len(fields) > at)
    for number, fields, raw, re_read, alone, cut in parsed:
        if number in footer:
            continue
        number += offset
        if re_read:
            out.note_line("stray_quote_lines", number)
        if fields is None:
            out.non_data_lines.append((number, "blank"))
            continue
        if number == len(lines) + offset and re.match(csv_text.END_OF_FILE_MARKER, raw):
            out.non_data_lines.append((number, "end_of_file_marker"))
            out.non_data_text[number] = written(raw)
            continue
        if re.match(csv_text.PAGE_NUMBER_LINE, raw):  # 'Page 2', '- Page 3 -' on a line of its own
            out.non_data_lines.append((number, "page_number"))
            out.non_data_text[number] = written(raw)
            continue
        repeat = "same" if raw.strip(" \ufeff") == lines[0].strip(" \ufeff") else csv_text.header_repeat(fields, header)
        if repeat in ("reordered", "changed"):  # read by position, the articles after it would swap fields
            raise csv_text.layout_refusal(path, number, fields, header, repeat)
        if repeat == "same":  # exports concatenated into one file
            out.non_data_lines.append((number, "repeated_header"))
            out.non_data_text[number] = written(raw)
            continue
        out.data_records += 1
        data_lines.append(number)
        if cut:  # one record, all its lines: never a wrong field count per line
            through = number + raw.count("\n")
            spans = f"lines {number}-{through}" if through > number else f"line {number}"
            out.reject(number, None, "*", "cut_in_quoted_field", written(raw),
                       f"{path}: line {number}: the file ends inside a quoted field that this record opens ({spans}, "
                       "one record): its closing quote and the rest of the record never arrived (cut short in "
                       "transfer, or copied while still being written?); compare the file with its source and land "
                       "it whole")
            continue
        if _trailing_delimiter(fields, len(header)):
            fields = fields[:-1]
            out.note_line("trailing_delimiter_lines", number)
        if len(fields) != len(header):
            out.reject(number, None, "*", "wrong_field_count", written(raw),
                       f"{path}: line {number} has {len(fields)} fields, the header has {len(header)}")
            continue
        glued = '"' in raw and (not alone or raw.count('"') % 2 == 0)  # read alone: an odd quote is the stray one
        broken = glued and fmt.get("quoting") != csv.QUOTE_NONE and not _one_strict_record(raw, len(header), fmt)
        if broken and (literal := _quotes_as_text(raw, len(header), fmt.get("delimiter", ","))) is not None:
            fields = literal  # '"Founded" in 1649 , Fiskars ...': a quoted word, not a quoted field
            out.note_line("quotes_read_as_text_lines", number)
        elif broken:
            out.reject(number, None, "*", "malformed_quotes", written(raw),
                       f"{path}: line {number}: a quoted field is never closed (at the end of the file: "
                       "a truncated copy?) or text follows its closing quote; a reader would load text "
                       "the file does not hold")
            continue
        if escapes is not None:
            fields, nuls = zip(*map(escapes.unescape, fields), strict=True)
            if any(nuls):
                out.note_line("escaped_nul_removed_lines", number)
        record = {k: fields[i].replace(_CR_STANDIN, "\r") for k, i in columns.items()}
        if held := [header[i] for i in unread if _holds_text(fields[i]) and not _describes_other(header[i])]:
            unread_text[number] = held
        if by_url and not record["doc_id"].strip():  # a row without its link: known by what it says
            record["doc_id"] = _content_id(record)
            out.note_line("doc_id_from_content_lines", number)
        _feed_record(out, path, number, sha256, record)
    if footer:
        _note_footer(out, {number + offset: text for number, text in footer.items()}, data_lines)
    _note_headline_beside_unread_text(out, unread_text, "column")
    return out.parsed()


_WORD = re.compile(r"[^\W\d_]{2,}")
"""Two letters together: a word, not a number, code or flag."""
_PROSE_END = re.compile(r"[.!?…][\"'”’)\]]*\s*$|</?[A-Za-z][^>]*>")
"""A sentence's end, or markup: what an article's text shows and a name, tag or category does not."""


def _holds_text(value: object) -> bool:
    """Whether a field's value reads as an article's text: words ending a sentence (`Delta rose
    5%.`), markup (`<p>Beta grew</p>`) or six words and more; never a number, a date, a name (`John
    Smith`), a tag list (`Markets, Banking`) or nothing."""
    if not isinstance(value, str):
        return False
    words = len(_WORD.findall(value))
    return words >= 6 or (words >= 2 and _PROSE_END.search(value) is not None)


def _describes_other(name: str) -> bool:
    """Whether a field's name says it describes someone or something other than the article's text
    (`author_name`, `source_title`, `image_caption`: OTHER_PARTY_WORDS, _MEDIA_WORDS)."""
    return bool((OTHER_PARTY_WORDS | _MEDIA_WORDS) & set(_key(name).split("_")))


def _note_headline_beside_unread_text(out: _Collector, unread_text: Mapping[int, Sequence[str]], kind: str,
                                      place: str | None = None) -> None:
    """Say it when a loaded article is scored from its headline (text_field 'headline') while its
    record holds words in a field the reader did not read (`unread_text`: record number -> the
    names of its unread fields holding text): notes['headline_scored_beside_unread_text_lines']
    lists those records and notes['headline_scored_beside_unread_text'] says, naming the fields,
    that the article's text may be there and how to have it read. `kind`: 'column' or 'field';
    `place`: what a record number counts ('row' in a workbook; else `out.numbered`)."""
    lines = sorted(row["_source_line"] for row in out.rows
                   if row["text_field"] == "headline" and unread_text.get(row["_source_line"]))
    if not lines:
        return
    names = list(dict.fromkeys(name for line in lines for name in unread_text[line]))
    out.notes["headline_scored_beside_unread_text_lines"] = lines
    named = " and ".join(repr(name) for name in names)
    out.notes["headline_scored_beside_unread_text"] = (
        f"{len(lines):,} article(s) scored on the headline alone ({_lines_said(lines).replace('line', place or out.numbered)}) "
        f"while the {kind}"
        f"{'s' if len(names) > 1 else ''} {named} beside it hold{'' if len(names) > 1 else 's'} text the reader "
        f"does not take for a body; if that is the article's text, declare it in the file's news settings, "
        f"\"columns\": {json.dumps({names[0]: 'body'}, ensure_ascii=False)} (README, 'News files'), and land the "
        "file again")



_LABEL_WORDS = frozenset({"label", "labels", "sentiment"})
"""Words that make a column's name label-like ('sentiment_label', 'gold_label',
'overall_sentiment_label', 'Sentiment Class')."""
_SCORE_WORDS = frozenset({"score", "scores", "prob", "proba", "probability", "confidence", "magnitude", "relevance"})
"""Words that make a label-like name a model's output, never a label: a vendor's
`overall_sentiment_score`, a classifier's `sentiment_prob` or `label_confidence`."""


_TRUTH_WORDS = frozenset({"gold", "true", "human", "manual", "annotated", "annotation", "annotator", "target",
                          "class", "ground", "truth", "actual", "text", "name", "final", "verified",
                          "reviewed", "corrected", "consensus", "majority"})
"""Words that may stand beside a label word in the name of a column of true labels ('gold_label',
'true_sentiment', 'sentiment_class', 'label_text'). Any other word may make it another model's
output ('predicted_label', 'finbert_label', Alpha Vantage's 'overall_sentiment_label'): such a
column is never read as the label, only named."""


def _label_like(name: str) -> bool:
    """Whether a normalised column name looks like a sentiment label's: a label alias, or a name with
    a word of _LABEL_WORDS and none of _SCORE_WORDS."""
    words = set(name.split("_"))
    return name in FEED_ALIASES["label"] or (bool(words & _LABEL_WORDS) and not words & _SCORE_WORDS)


def _label_readable(name: str) -> bool:
    """Whether a label-like column may be read as the true label: every word of its name a label
    word or one of _TRUTH_WORDS ('sentiment_label', 'gold_label'; not 'predicted_label')."""
    words = {word for word in name.split("_") if not re.fullmatch(r"v?\d+", word)}  # 'true_label_v2'
    return words <= _LABEL_WORDS | _TRUTH_WORDS


TAG_OR_LABEL_NAMES = frozenset({"etiqueta", "étiquette", "etichetta"})
"""Label aliases that also mean a tag (Spanish and Portuguese `Etiqueta`, French `Étiquette`,
Italian `Etichetta`: a CMS's section tag, `Mercados`, `Banca`): such a column is the label only
when its values read as labels (`_unknown_labels`), else it is left unread and said so."""


def _unknown_labels(out: _Collector, name: str, values: Iterable[str]) -> tuple[list[str], list[str]]:
    """(each value of a column that says something, trimmed: `_present`, no spreadsheet error, no
    repeat of the column's own name; those of them that are no label the reader knows: none of the
    declared `label_map` (`_Collector.declared_key`), LABELS, LABEL_SHORT_FORMS or LABEL_TRANSLATIONS,
    compared by `label_key`). Nothing is counted: the records are read later."""
    known = LABELS | LABEL_SHORT_FORMS.keys() | LABEL_TRANSLATIONS.keys()
    said = [value.strip() for value in values if _present(value)
            and not re.match(csv_text.SPREADSHEET_ERROR, value.strip()) and label_key(value) != label_key(name)]
    return said, [value for value in said
                  if label_key(value) not in known and out.declared_key(label_key(value)) is None]


def _holds_labels(out: _Collector, name: str, values: Iterable[str]) -> bool:
    """Whether a column's values are labels the reader knows: every value that says something is
    one (`_unknown_labels`: a declared label, one of LABELS, LABEL_SHORT_FORMS or
    LABEL_TRANSLATIONS, whatever its case and spaces), and at least one does."""
    said, unknown = _unknown_labels(out, name, values)
    return bool(said) and not unknown


EPOCH_ONLY_NAMES = frozenset({"ts"})
"""published_at names read only when every value is Unix epoch seconds (Slack's `ts`,
'1714642200.000200', a message's time and id); otherwise the column is left unread and listed in
notes['time_like_columns_unread']: `ts` names too many other things to be read in any other form."""
_EPOCH_SECONDS = re.compile(r"\d{10}(?:\.\d{1,9})?")


def _feed_header(out: _Collector, path: Path, header: list[str], where: str,
                 values: Callable[[int], Iterable[str]] | None = None,
                 paths: dict[str, tuple[str, ...]] | None = None, records_apart: bool = False) -> dict[str, int]:
    """`_feed_columns` of a feed's header (CSV columns, or a JSON feed's keys), with the columns
    found and the ignored ones in `out.notes`.

    A feed with no label alias column (`label`, `sentiment`, `y`), or one whose values are not all
    labels the reader knows (a dataset's class codes 0/1/2 beside `label_text`), takes as its label
    the one label-like column whose name says true labels (`_label_readable`: 'sentiment_label',
    'gold_label', 'label_text'; never 'predicted_label') and whose values, read through `values`
    (column index -> its values in the records), are all labels the reader knows (`_holds_labels`). Label-like columns left unread (a second one beside `label`, two that both
    hold labels, Alpha Vantage's `overall_sentiment_label` with market words such as
    'Somewhat-Bullish') are listed in notes['label_like_columns_unread'], as a feed without a time
    lists its time-like ones in notes['time_like_columns_unread']. A score column is never a label.
    A label alias that also means a tag (TAG_OR_LABEL_NAMES: `Etiqueta`) is the label only when at
    most half of its values that say something are no label the reader knows (the others then load
    unlabelled and are counted, as any unrecognised label); a column of tags (`Mercados`, `Banca`)
    is left unread, listed in notes['label_like_columns_unread'], and notes['label_column_unread']
    says why, quoting its first values.

    A JSON feed's nested fields (`paths`, from `_flatten_json`) give the id, time, source and ticker
    it names no other way (`_nested_columns`); nested names that tie are listed in
    notes['nested_fields_ambiguous'], or, for the time, refuse the file as two columns of one name do.
    A feed that reads no time while a field looks like one says so in notes['published_at_unread'],
    naming it.

    `records_apart`: the names are the union of records that each name their own fields (JSON
    articles), so two spellings of one field (`published_at` on one line, `publishedAt` on another)
    refuse nothing: each record reads its own (`_field_value`), and one that writes both with
    different values is quarantined by the caller (`_names_in_conflict`).

    The news settings' `columns` (`DECLARED_COLUMNS`) are read first (`_feed_columns`): a declared
    column is its field, whatever its values, and notes['columns_declared'] lists them (column ->
    field); a column the aliases would have taken for that field is left in notes['ignored_columns'].

    Raises:
        FileRefused: two names read as one field whatever their case, spaces and hyphens
            ('headline' and 'Headline') in one header (not `records_apart`), or two nested fields
            that both name the time; `where` says where the names are ('line 1: columns'). A
            column the news settings declare that the header lacks (`_refuse_undeclared`).
    """
    declared = _declared_columns()
    columns = _feed_columns(header, declared)
    _refuse_undeclared(path, header, where, paths, records_apart, columns, declared)
    own = {canonical for canonical in declared.values() if canonical in columns}
    if paths:
        ambiguous: dict[str, list[str]] = {}
        columns.update(_nested_columns(header, paths, columns, ambiguous))
        if twins := ambiguous.pop("published_at", None):  # as two columns of one name: never a guess
            raise FileRefused(f"{path}: {where} {twins} both name the published_at (nested fields named as one "
                              "of its names, at one depth), so which one is meant is ambiguous; rename or drop one")
        if ambiguous:
            out.notes["nested_fields_ambiguous"] = ambiguous
    normalised = [_normalise_name(name) for name in header]
    for canonical, i in columns.items():
        twins = [name for name, plain in zip(header, normalised) if plain == normalised[i]]
        if len(twins) > 1 and not records_apart:
            raise FileRefused(f"{path}: {where} {twins} both name the {canonical} (names are read "
                              "whatever their case, spaces and hyphens), so which one is meant is ambiguous; "
                              "rename or drop one")
    if "label" in columns and "label" not in own and normalised[columns["label"]] in TAG_OR_LABEL_NAMES \
            and values is not None:
        said, unknown = _unknown_labels(out, header[columns["label"]], values(columns["label"]))
        if len(unknown) * 2 > len(said):  # a CMS's tags ('Mercados', 'Banca'), not sentiment labels
            out.notes["label_column_unread"] = (
                f"{header[columns.pop('label')]}: {len(unknown):,} of {len(said):,} values are no sentiment label "
                f"({', '.join(repr(v) for v in list(dict.fromkeys(unknown))[:3])}), so the column, whose name also "
                "means a tag, is not read as the label; if they are labels, declare them in news settings "
                "(label_map)")
    label_like = [i for i, name in enumerate(normalised) if _label_like(name) and i not in columns.values()]
    readable = [i for i in label_like if _label_readable(normalised[i])]
    # the records are read for this only where a column may be the label: none is named so, or the
    # one that is holds class codes (a dataset's 0/1/2) beside one of words ('label_text')
    if values is not None and readable and "label" not in own and ("label" not in columns or not _holds_labels(
            out, header[columns["label"]], values(columns["label"]))):
        holding = [i for i in readable if _holds_labels(out, header[i], values(i))]
        if len(holding) == 1:
            if "label" in columns:
                label_like.append(columns["label"])
            columns["label"] = holding[0]
    if "published_zone" in columns and values is not None:
        written = [v.strip() for v in values(columns["published_zone"]) if v is not None and _present(v)]
        unread = [v for v in written if not _is_zone(v)]
        if written and len(unread) * 2 > len(written):  # country codes, a region's name: no zone column
            out.notes["zone_column_unread"] = (
                f"{header[columns.pop('published_zone')]}: {len(unread):,} of {len(written):,} values are no time "
                f"zone ({', '.join(repr(v) for v in list(dict.fromkeys(unread))[:3])}), so the column is not read "
                "as the times' zone")
    if ("published_at" in columns and "published_at" not in own
            and normalised[columns["published_at"]] in EPOCH_ONLY_NAMES and values is not None):
        written = [v.strip() for v in values(columns["published_at"]) if v is not None and _present(v)]
        if any(not _EPOCH_SECONDS.fullmatch(v) for v in written):  # a `ts` that is no Slack time: not read
            columns.pop("published_at")
    used = set(columns.values())
    if marked := csv_text.header_marks_note(header):  # matched without them: said, never silent
        out.notes["header_invisible_characters"] = marked
    out.notes["columns"] = {canonical: header[i] for canonical, i in columns.items()}
    if declared:
        out.notes["columns_declared"] = {header[columns[canonical]]: canonical for canonical in declared.values()}
    out.notes["ignored_columns"] = [name for i, name in enumerate(header) if i not in used]
    if unread := [header[i] for i in label_like if i not in used]:
        out.notes["label_like_columns_unread"] = unread
    _, translations, _ = _text_translations(normalised)
    if (unread := [header[i] for i in translations if i not in used]) and (
            read := [header[i] for i in translations if i in used]):
        english = all(_LANGUAGE_SUFFIX.fullmatch(_normalise_name(name))["code"] in _ENGLISH_CODES for name in read)
        field = _text_field_of(_LANGUAGE_SUFFIX.fullmatch(_normalise_name(unread[0]))["stem"])
        out.notes["text_in_other_languages_unread"] = (
            f"{', '.join(unread)}: the article's text in another language, left unread: {', '.join(read)} "
            f"{'is' if len(read) == 1 else 'are'} read{' (English, which the sentiment model reads)' if english else ''}; "
            f"to read another, declare it in news settings, \"columns\": {json.dumps({unread[0]: field})}")
    if "published_at" not in columns:
        unread = [name for name in out.notes["ignored_columns"] if _time_like(name)]
        out.notes["time_like_columns_unread"] = unread
        if unread:  # every article loads without a time: said in words, never only listed
            named = [".".join(paths[name]) if paths and len(paths.get(name, ())) > 1 else name for name in unread]
            out.notes["published_at_unread"] = (
                f"no publication time read: {', '.join(repr(n) for n in named)} "
                f"{'looks' if len(named) == 1 else 'look'} like one but "
                f"{'is no name' if len(named) == 1 else 'are no names'} the reader takes for it, so every article "
                "loads with published_at empty; if it is the publication time, declare it in the file's news "
                f"settings, \"columns\": {json.dumps({named[0]: 'published_at'}, ensure_ascii=False)}"
                f"{_zone_of_name_said(named[0])} (README, 'News files'), and land the file again")
    return columns


def _zone_of_name_said(name: str) -> str:
    """For a time column whose name ends in a zone abbreviation ('published_at_est', 'Zeit CET',
    'date_pt'): the news settings `timezone` its zone-less values need beside the declaration, which
    would otherwise read them as UTC; '' for any other name. Never read so unasked: `_est` also
    abbreviates 'estimated'. The region is offered with its summer time; an abbreviation the IANA
    database keeps at one offset all year ('EST') as that offset too, which the reader notes on
    summer dates."""
    word = re.split(r"[_\W]+", name.strip())[-1].upper()
    region = STANDARD_TIME_REGIONS[word][0] if word in STANDARD_TIME_REGIONS else US_ZONE_REGIONS.get(word)
    if region is None:
        return ""
    fixed = word in _ZONES and word not in IANA_RULE_ZONES and word in zoneinfo.available_timezones()
    return (f" and, if {word!r} in its name is its values' zone, \"timezone\": \"{region}\" (its clock, summer "
            "time included)" + (f" or \"{word}\" ({_offset_text(timedelta(seconds=_ZONES[word]))} all year)" if fixed else ""))


def _refuse_undeclared(path: Path, header: list[str], where: str, paths: dict[str, tuple[str, ...]] | None,
                       records_apart: bool, columns: Mapping[str, int], declared: Mapping[str, str]) -> None:
    """Refuse a file whose header (`header`, a JSON feed's fields with their `paths`) lacks a column
    its news settings declare (`declared`: `column_key` -> field; `columns`: what `_feed_columns`
    found), naming the settings file, the column as declared, the file's columns (a nested field by
    its dotted path) and the closest of them (difflib), if any.

    Raises:
        FileRefused: a declared column is not among the header's names, compared as `column_key`.
    """
    written = {column_key(column): column for column in DECLARED_COLUMNS.get() or {}}
    missing = [key for key, canonical in declared.items()
               if canonical not in columns or column_key(header[columns[canonical]]) != key]
    if not missing:
        return
    kind = "field" if records_apart else "column"
    shown = [".".join(paths[name]) if paths and len(paths.get(name, ())) > 1 else name for name in header]
    column = written[missing[0]]
    nearest = csv_text.nearest_name(column, shown, key=column_key)
    raise FileRefused(
        f"{path}: news settings {SETTINGS_FILE.get()} declare the {kind} {column!r} as the "
        f"{declared[missing[0]]} ('columns'), but the file has no {kind} of that name (compared whatever its case "
        f"and surrounding spaces); its {kind}s ({where}): {', '.join(repr(name) for name in shown)}"
        + (f"; did you mean {nearest!r}?" if nearest else ".")
        + f" Declare the {kind} as the file names it and land the file again")


def _time_like(name: str) -> bool:
    """Whether a column or field name looks like a publication time's: a word of it (`_key`'s words)
    holds 'date', 'time', 'publish', 'created' or 'seen' (`pubDate`, `timestamp`, `updated_at`,
    `meta_published`), or the name is an epoch-only one (`ts`); never a publisher's name, nor a
    sentiment's (`sentiment_score` holds the letters 'time' and is a score)."""
    key = _key(name)
    if key in EPOCH_ONLY_NAMES:
        return True
    return not key.startswith("publisher") and any(
        re.search(r"date|time|publish|created|seen", word) and not word.startswith("sentiment")
        for word in re.split(r"[_\W]+", key))


_TIME_OF_DAY_WRITTEN = re.compile(r"\d:\d|(?<=\s)\d{1,2}\.\d\d\.\d\d(?!\d)|\dT\d|(?i:\b[ap]\.?m\b)"
                                  r"|^\s*\d{10,}(?:\.\d+)?\s*$")
"""A time of day in a timestamp's text: '09:00', Oracle's '09.00.00' after its date (never a dotted
date itself: '02.05.2024', '02.05.24'), ISO's 'T09', AM/PM, or an epoch number (whose time may be
00:00 by chance)."""


def is_date_only(text: str, parsed: datetime) -> bool:
    """Whether a publication time was written as a date alone ('2024-05-02', '20240502', 'May 2,
    2024'): read at midnight, with no time of day in its text (_TIME_OF_DAY_WRITTEN). Such a value is
    a calendar day, kept as that day (midnight UTC), never moved by a zone: read in Helsinki, its
    midnight would fall on the day before in UTC, and the daily index would count it there."""
    if parsed.time() != datetime.min.time():
        return False
    try:
        text = _local_clock(text)  # '0 Uhr', '00h00': midnight written as a time
    except ValueError:
        pass
    return _TIME_OF_DAY_WRITTEN.search(text) is None


def _in_row_zone(out: _Collector, number: int, key: str | None, where: str, record: dict[str, str],
                 stamp: str, wall: datetime, names: str) -> datetime | None:
    """A zone-less publication time read in the zone the file gives for it: the row's zone column
    (_ZONE_NAMES: 'America/New_York', 'GMT-4', '+03:00'), else the zone in its column's header
    ('Time (ET)', '_ZONE_IN_NAME'); each read by `zone_named` and counted in
    notes['published_at_zone_column_lines'] or notes['published_at_header_zone_lines']. Without
    either it stays as written, taken as UTC (notes['published_at_assumed_utc_lines']; a zone in
    news settings reads those lines later, `news_settings.in_local_zone`).

    A zone column value no zone can be read from, or a time its zone skips or repeats at a clock
    change, is quarantined (rules `unknown_time_zone`, `ambiguous_local_time`) and None returned; so
    is a time whose bracket names a financial centre that keeps another UTC offset than the zone
    that reads it (declared or the row's: `_city_clocks`), rule `unparsable_timestamp`, its message
    naming the time's columns (`names`) as a refused time's does."""
    def city_agrees(zone: zoneinfo.ZoneInfo | timezone, read_in: str) -> bool:  # '09:30 (Tokyo)' read in London
        try:
            _city_clocks(wall, zone, read_in, stamp)
        except ValueError as exc:
            out.reject(number, key, "published_at", "unparsable_timestamp", stamp, f"{where}: column {names}: "
                       f"{_timestamp_error_said(str(exc), stamp) if 'offset must be a timedelta' in str(exc) else exc}")
            return False
        return True

    zone_text = record.get("published_zone")
    if zone_text is not None and _present(zone_text):
        try:
            zone = zone_named(zone_text)
        except ValueError as exc:
            out.reject(number, key, "published_zone", "unknown_time_zone", zone_text, f"{where}: {exc}")
            return None
        note = "published_at_zone_column_lines"
    else:
        columns = out.notes.get("columns", {})
        named = next((z for c in ("published_time", "published_at") if c in columns
                      and (z := _header_zone(columns[c])) is not None), None)
        declared = DECLARED_ZONE.get()
        if named is None or (named[1] is None and declared is not None):
            if declared is not None and not city_agrees(zoneinfo.ZoneInfo(declared),
                                                        f"the news settings' timezone {declared}"):
                return None
            out.note_line("published_at_assumed_utc_lines", number)  # the declared zone reads it, if any
            return wall
        written, zone = named
        if zone is None:
            out.reject(number, key, "published_at", "unknown_time_zone", stamp,
                       f"{where}: the time column's header names the zone {written!r}, which this reader does not "
                       "know: name an IANA region or an offset in the header ('Time (Europe/Berlin)', 'Time "
                       "(UTC-05:00)'), or declare the file's timezone in news settings")
            return None
        note = "published_at_header_zone_lines"
    try:
        utc = wall_time_in_zone(wall, zone, stamp)
    except ValueError as exc:
        out.reject(number, key, "published_at", "ambiguous_local_time", stamp, f"{where}: {exc}")
        return None
    if not city_agrees(zone, f"the row's zone {zone_text.strip()!r}" if note == "published_at_zone_column_lines"
                       else f"the zone {written!r} of its column's header"):
        return None
    out.note_line(note, number)
    written_zone = zone_text.strip() if note == "published_at_zone_column_lines" else written
    if (doubt := zone_word_in_summer(written_zone, zone, utc)) is not None:  # 'EST' column, 'Time (EST)' in July
        out.note_line("published_at_standard_in_summer_lines", number)
        out.notes.setdefault("published_at_standard_in_summer", {}).setdefault(doubt.split()[0], doubt)
    return utc


def zone_word_in_summer(word: str, zone: zoneinfo.ZoneInfo | timezone, utc: datetime) -> str | None:
    """The doubt `standard_time_in_summer` says of an inline 'EST', for a zone a zone column or a time
    column's header names (`word` as written, `zone` as `zone_named` read it, `utc` the instant
    read, naive UTC): a standard-time abbreviation (STANDARD_TIME_REGIONS) read at its fixed offset
    on a date its region keeps summer time. None for any other zone, or one read with its summer
    time (`CET` of IANA_RULE_ZONES)."""
    upper = word.strip().upper()
    if upper not in STANDARD_TIME_REGIONS or not isinstance(zone, timezone) \
            or zone.utcoffset(None) != timedelta(seconds=_ZONES[upper]):
        return None
    return standard_time_in_summer(f"{utc:%Y-%m-%d %H:%M} {upper}", utc)


HEADLINE_NOT_WRITTEN = frozenset({"missing", "empty", "whitespace_only", "null_token"})
"""`is_usable_text` reasons of a headline that says nothing at all (no title, an empty one, a null
marker), which the text of the link a body holds may stand in for (`link_list_headline`); a
withdrawn article's '[Removed]' or a site's notice says the story is gone, and stays so."""


_DATE_IN_CLOCK = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}|^\s*\d{9,}(\.\d+)?\s*$")
"""A date (2024-05-02, 02.05.2024) or epoch seconds in a time-of-day column's value: the column
holds the whole publication time, read alone, not joined to the date column beside it."""


def _feed_record(out: _Collector, path: Path, number: int, sha256: str, record: dict[str, str],
                 where: str | None = None, written: set[str] | None = None) -> None:
    """Validate one feed record and append it to `out` as a row or as quarantine entries.

    `number` is the record's line (a JSON feed that puts several articles on one line numbers
    them by their place in the list instead); `where` names it in messages, by default
    '<path>: line <number>'. A record without a `doc_id` key (a CSV feed with neither an id nor a
    URL column) gets '<sha256[:16]>:<number>'; the JSON and XML readers always pass one (the
    article's own, or `_content_id`). An id written in digits only loses its leading zeros, as a
    loan id does in its key (`0100` is `100`: a spreadsheet drops them; lines in
    notes['doc_id_leading_zeros_set_aside_lines']). C1 control characters in the headline, body, source, ticker
    or id are read as the bytes they were (`_c1_reread`), in the stored fields and not only in
    text_clean, the line listed in notes['c1_controls_reread_lines']: an id is compared with the
    ids of other deliveries, and `Nokia\x92s-deal` (a Windows-1252 `’` read as Latin-1, written as
    JSON `\u0092` or XML `&#146;`) is the article its correctly decoded twin `Nokia’s-deal` is; a
    quarantine entry keeps the id as written. A record whose headline says nothing
    (HEADLINE_NOT_WRITTEN) and whose body is only links with their outlets' names (an aggregator's
    untitled item) takes the text of the body's first story link as its headline
    (`link_list_headline`, line listed in notes['headline_from_link_lines']); the body stays as
    written. `written`: the text fields (TEXT_FIELDS) the record writes, empty or null included,
    when a missing one (None) may be a field written empty (a JSON article's `"title": ""`): such a
    field is said `empty` in a quarantine message, as a CSV feed's empty cell is; None: every field
    whose value is not None is written (a CSV record). A line break an export wrote inside the
    headline or body as another character (a vertical tab from Excel for Mac or FileMaker, a form
    feed, NEL, U+2028, U+2029) is read as a line break, counted per column and character in
    notes['line_break_characters_read'] (`_Collector.read_line_breaks`); a vertical tab or form feed
    in another field, and any other control character, is `control_character`, its message naming
    the character."""
    where = where or f"{path}: line {number}"
    rejected = len(out.quarantine)
    invisible = csv_text.INVISIBLE_CHARACTER
    id_reread = "doc_id" in record and _C1_CONTROL.search(record["doc_id"]) is not None
    doc_id = (_c1_reread(record["doc_id"]).strip().strip(invisible).strip() if "doc_id" in record
              else f"{sha256[:16]}:{number}")
    if (unwrapped := csv_text.unwrap_id(doc_id)) != doc_id:
        out.note_line("doc_id_unwrapped_lines", number)
        doc_id = unwrapped
    if re.fullmatch(r"0+[0-9]+", doc_id):  # as a loan id's: Excel writes '0100' back as '100'
        out.note_line("doc_id_leading_zeros_set_aside_lines", number)
        doc_id = doc_id.lstrip("0") or "0"
    # names the article in the quarantine of its other fields, keyed as its row would be
    key = source_keyed_id(doc_id, _optional(_c1_reread(record.get("source")))) if _present(doc_id) else None
    for column in (*TEXT_FIELDS, "body_fallback"):  # a line break written inside a cell as another character
        if column in record:
            record = {**record, column: out.read_line_breaks(column, record[column], number)}
    out.reject_control_characters(number, None, {"doc_id": record["doc_id"]} if "doc_id" in record else {}, where)
    out.reject_control_characters(number, key, {c: v for c, v in record.items() if c != "doc_id"}, where)
    lost = set()  # columns already quarantined as spreadsheet errors: not judged twice
    for column, value in record.items():  # the text fields say so through is_usable_text
        if column not in (*TEXT_FIELDS, "body_fallback") and re.match(csv_text.SPREADSHEET_ERROR, value.strip()):
            lost.add(column)
            out.reject(number, None if column == "doc_id" else key, column, "spreadsheet_error", value,
                       f"{where}: column {column} holds the spreadsheet error {value.strip()!r}: its value was "
                       "lost before the file was written")
    if any(c in invisible for c in doc_id):
        out.reject(number, None, "doc_id", "invisible_character", record["doc_id"],
                   f"{where}: article id {doc_id!r} holds an invisible character inside (a zero-width space, soft "
                   "hyphen or bidirectional mark: pasted text?): no later delivery would match it")
    if not _present(doc_id):
        out.reject(number, None, "doc_id", "missing_doc_id", record["doc_id"],
                   f"{where}: no article id ({record['doc_id']!r})")
        doc_id = ""
    elif re.match(csv_text.SCI_NOTATION, doc_id):
        out.reject(number, None, "doc_id", "sci_notation_id", record["doc_id"],
                   f"{where}: article id {doc_id!r} is in scientific notation: a spreadsheet lost its digits, so "
                   "which article it is cannot be known (loan ids in it are quarantined alike); export the id "
                   "column as text and land the file again")

    headline, body = record.get("headline"), record.get("body")
    body_use, headline_use = is_usable_text(body), is_usable_text(headline)
    fallback = record.get("body_fallback")
    if not body_use.usable and (fallback_use := is_usable_text(fallback)).usable:
        out.note_line("body_from_fallback_lines", number)
        body, body_use = fallback, fallback_use
    if id_reread or any(_C1_CONTROL.search(text) for text in (headline, body, record.get("source"), record.get("ticker"))
                        if text is not None):
        headline, body = _c1_reread(headline), _c1_reread(body)
        record = {**record, **{name: _c1_reread(record[name]) for name in ("source", "ticker") if record.get(name)}}
        out.note_line("c1_controls_reread_lines", number)
    if body_use.reason == "link_list" and headline_use.reason in HEADLINE_NOT_WRITTEN \
            and (linked := link_list_headline(body)) is not None:  # an untitled item: its link names the story
        headline, headline_use = linked, is_usable_text(linked)
        out.note_line("headline_from_link_lines", number)
    if body_use.reason == "link_list" and headline_use.usable:  # an aggregator's links: the headline is the story
        out.note_line("body_link_list_lines", number)
    if body_use.reason == "page_notice" and headline_use.usable:  # a paywall or cookie notice: the headline is read
        out.note_line("body_page_notice_lines", number)
    if body_use.reason == "tags_only" and headline_use.usable:  # 'Tags: earnings, banks': no story, the headline is read
        out.note_line("body_tags_only_lines", number)
    if not (body_use.usable or headline_use.usable):
        said = {name: "empty" if use.reason == "missing" and name in (written or ()) else use.reason
                for name, use in (("body", body_use), ("headline", headline_use))}
        if body_use.reason == "page_notice" and (notice := page_notice_said(body)):  # which notice, as shown
            shown = clean_text(body).text
            said["body"] = f"page_notice, {notice}: {shown if len(shown) <= 80 else shown[:79] + '…'!r}"
        if body_use.reason == "tags_only":  # which tags, as shown
            shown = clean_text(body).text
            said["body"] = (f"tags_only, a site's tag lines and no story: "
                            f"{shown if len(shown) <= 80 else shown[:79] + '…'!r}")
        remedy = "; deliver the article's text or its headline" if body_use.reason == "tags_only" else ""
        if body_use.reason == "page_notice":
            remedy = "; the site served this in place of the article: fetch the article again, or deliver its headline"
        out.reject(number, key, "body", "no_usable_text", body,
                   f"{where}: no usable text (body: {said['body']}; headline: {said['headline']}){remedy}")

    published_at, date_only = None, False
    stamp = record.get("published_at")
    clock = record.get("published_time")
    read_from = ["published_at"]  # the columns the time is read from, named in a quarantine's message
    if (stamp is not None and clock is not None and _present(stamp) and _present(clock)
            and _DATE_IN_CLOCK.search(clock)):  # 'publish_time' beside 'publish_date' holding the whole time
        stamp, read_from = clock, ["published_time"]
    elif stamp is not None and clock is not None and _present(stamp) and _present(clock):
        stamp = f"{stamp.strip()} {clock.strip()}"
        read_from.append("published_time")
    if stamp is not None and _present(stamp) and not lost & {"published_at", "published_time"}:
        names = " and ".join(repr(out.notes.get("columns", {}).get(c, c)) for c in read_from)
        read_day_first: list[str] = []  # '02.05.2024 9:00 Uhr': 2 May, as German writes a date
        try:
            read_before = out.date_order.read_before(stamp) if out.date_order is not None else None
            published_at, naive = read_before or parse_timestamp(stamp, read_day_first, out.date_order)
        except ValueError as exc:
            out.reject(number, key, "published_at", "unparsable_timestamp", stamp,
                       f"{where}: column {names}: "
                       f"{_timestamp_error_said(str(exc), stamp) if 'offset must be a timedelta' in str(exc) else exc}")
        else:
            if read_day_first:
                out.note_line("published_at_day_first_lines", number)
            elif out.date_order is not None and out.date_order.order and number in out.date_order.both_ways:
                out.note_line("published_at_date_order_lines", number)
            if not naive and (doubt := standard_time_in_summer(stamp, published_at)) is not None:
                out.note_line("published_at_standard_in_summer_lines", number)  # 'EST' in July: EDT meant?
                out.notes.setdefault("published_at_standard_in_summer", {}).setdefault(doubt.split()[0], doubt)
            if naive and is_date_only(stamp, published_at):  # a calendar day, in no zone: the daily index's day
                out.note_line("published_at_date_only_lines", number)
                date_only = True  # raw.news.published_date_only: counted on its own date in every day zone
            elif naive:
                published_at = _in_row_zone(out, number, key, where, record, stamp, published_at, names)
    elif stamp is not None:
        out.note_line("published_at_missing_lines", number)

    label = None
    label_raw = record.get("label")
    declared = label_raw is not None and out.declared_key(label_key(label_raw)) is not None  # '★★★★★', '👍', '-'
    if label_raw is not None and (declared or _present(label_raw)) and "label" not in lost:
        label, known = out.read_label(label_raw, number)
        if not known and is_usable_text(label_raw).reason in ("page_notice", "placeholder"):
            # a plan's notice in its place: no label given
            out.note_line("label_not_given_lines", number)
        elif not known:  # the text is still scored: loaded unlabelled, counted (parse_news_file says why)
            out.unrecognised_label(label_raw, number)
    elif label_raw is not None and label_raw.strip() and "label" not in lost:  # 'NaN', 'NULL', '-': unlabelled, said so
        out.note_line("label_null_token_lines", number)

    if len(out.quarantine) > rejected:
        return
    if (keyed := source_keyed_id(doc_id, _optional(record.get("source")))) != doc_id:
        out.note_line("doc_id_keyed_by_source_lines", number)
        doc_id = keyed
    use_body = body_use.usable
    if use_body and headline_use.usable and body_repeats_headline(body, headline, _optional(record.get("source"))):
        out.note_line("body_repeats_headline_lines", number)  # one text, not two: the headline is scored once
        use_body = False
    text_raw = body if use_body else headline
    clean_from = None if use_body else _without_source_suffix(headline, _optional(record.get("source")))
    article = doc_key(doc_id)
    if article in out.first_line_of:
        kept = out.rows[out.row_of[article]]
        repeat = RepeatedArticle(where=where, doc_id=doc_id, first_line=out.first_line_of[article],
                                 first_id=kept["doc_id"],
                                 same_text=clean_text(clean_from or text_raw).text == kept["text_clean"],
                                 label=label, first_label=kept["label"], numbered=out.numbered,
                                 first_at=out.places.get(out.first_line_of[article]))
        out.repeats[number] = repeat
        out.reject(number, doc_id, "doc_id", "duplicate_doc_id", record["doc_id"], repeat_message(repeat))
        return
    out.first_line_of[article], out.row_of[article] = number, len(out.rows)
    if clean_from is not None:
        out.note_line("headline_source_suffix_lines", number)
    language = article_language(record.get("language"))
    if language not in (None, ENGLISH):  # left out of the indices and training: said, never silent
        out.note_line("not_english_lines", number)
        out._count("not_english_languages", language, number)
    out.text_row(
        line=number, doc_id=doc_id, source=_source(out, number, path, record.get("source")),
        ticker=_ticker(out, number, _optional(record.get("ticker"))), headline=headline, body=body, language=language,
        text_raw=text_raw, text_field="body" if use_body else "headline",
        label=label, published_at=published_at, clean_from=clean_from, date_only=date_only,
    )


def article_language(value: str | None) -> str | None:
    """raw.news.language from a language column's value: ENGLISH ('en') for English ('en', 'en-GB',
    'en_US', 'eng', 'English'), another language as written but trimmed and lower-cased ('fi',
    'de-de', 'swedish'), None for an empty value (the article's language not given)."""
    if value is None or not _present(value):
        return None
    written = value.strip().lower()
    return ENGLISH if re.split(r"[-_]", written)[0] in _ENGLISH_CODES else written


def _words(text: str) -> list[str]:
    """The words of a text as cleaned (`clean_text`), case folded, without punctuation or white space."""
    return re.findall(r"\w+", clean_text(text).text.casefold())


def body_repeats_headline(body: str, headline: str, source: str | None = None) -> bool:
    """Whether a body says only what its headline says: the same words in the same order once both
    are cleaned, whatever their case, punctuation and white space ('NORDEA LIFTS DIVIDEND.' under
    'Nordea lifts dividend'; 'Nokia wins 5G deal' under 'Nokia wins 5G deal - Reuters' from
    Reuters, `_without_source_suffix`). A body that opens with its headline and goes on ('Nordea
    lifts dividend. The bank said ...') is a text of its own: False."""
    said = _words(body)
    if not said:
        return False
    headlines = [headline] + [short for short in [_without_source_suffix(headline, source)] if short]
    return any(said == _words(written) for written in headlines)


def _without_source_suffix(headline: str, source: str | None) -> str | None:
    """A headline without the outlet's name an aggregator appends to it ('Nokia wins 5G deal - Reuters'
    under source 'Reuters' or 'Reuters.com', as Google News writes every title; ' | ' and ' — ' too), for the text
    scored and compared (`text_clean`; the headline stays as written); None when it has none."""
    if not source or not source.strip():
        return None
    names = {source.strip(), re.sub(r"(?i)^(?:www\.)?(.+?)\.(?:com|co|net|org|news|fi|de|uk|co\.uk|com\.au)$", r"\1", source.strip())}
    outlet = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    found = re.fullmatch(rf"(.+?)\s+[-|\u2013\u2014]\s+(?:{outlet})\s*", headline, re.IGNORECASE | re.DOTALL)
    return found[1] if found and is_usable_text(found[1]).usable else None


_C1_CONTROL = re.compile("[\x80-\x9f]")
"""A C1 control character (U+0080-U+009F): never text in a news article."""
_C1_RUN = re.compile("[\x80-\xff]*[\x80-\x9f][\x80-\xff]*")
"""A run of Latin-1 characters holding a C1 control: bytes read as Latin-1 before the file was written."""


def _c1_reread(text: str | None) -> str | None:
    """`text` with its C1 control characters read as the bytes they were. A text of Latin-1
    characters whose bytes are valid UTF-8 is UTF-8 read as Latin-1 whole (`W\u00c3\u00a4rtsil\u00c3
    \u00a4\u00e2\x80\x99s` -> `W\u00e4rtsil\u00e4\u2019s`: one reading for every letter). Else each
    run of characters U+0080-U+00FF holding a C1 control is read character by character: a UTF-8
    sequence where its bytes are one (`W\u00e4rtsil\u00e4\u00e2\x80\x99s` -> `W\u00e4rtsil\u00e4\u2019s`:
    the `\u00e4` before it stays), any other C1 control as Windows-1252 (`Nokia\x92s` ->
    `Nokia\u2019s`, `\x805m` -> `\u20ac5m`), as the WHATWG Encoding Standard reads a Latin-1
    label and HTML a character reference `&#146;` (numeric character reference end state: 0x80-0x9F
    are windows-1252). A feed carries them when a program decoded Windows-1252 (or UTF-8) text as
    Latin-1 before writing it: JSON `\u0092`, XML `&#146;`, a CSV declared Latin-1. windows-1252's
    five undefined bytes stay."""
    if text is None or not _C1_CONTROL.search(text):
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass

    def read(run: re.Match[str]) -> str:
        data, out, at = run.group().encode("latin-1"), [], 0
        while at < len(data):
            lead = data[at]
            size = 2 if 0xC2 <= lead <= 0xDF else 3 if 0xE0 <= lead <= 0xEF else 4 if 0xF0 <= lead <= 0xF4 else 1
            if size > 1:
                try:
                    out.append(data[at:at + size].decode("utf-8"))
                    at += size
                    continue
                except UnicodeDecodeError:
                    pass
            out.append(chr(lead).translate(news_xml.WINDOWS_1252_C1))
            at += 1
        return "".join(out)

    return _C1_RUN.sub(read, text)


def _present(value: str) -> bool:
    """A non-text field says something: not empty, blank, a null token or a lone dash. A URL does
    (an article's id, a source), though as a text it says nothing."""
    return value != "" and blank_reason(value) in (None, "link_only")


def _source(out: _Collector, line: int, path: Path, value: str | None) -> str:
    """The feed's source for the row, else the file's name ('file:newsapi_2024-05.csv'): the
    source is part of an article's key in the lake and is never NULL. Rows named after their file
    are listed in notes['source_from_file_name_lines']."""
    if (source := _optional(value)) is not None:
        return source
    out.note_line("source_from_file_name_lines", line)
    return f"{FILE_SOURCE}{path.name}"


@dataclass(frozen=True)
class Exchange:
    """One exchange as news feeds name it: its Refinitiv RIC suffix (empty for the US listings,
    whose canonical ticker is the bare symbol), its Bloomberg exchange codes, the prefixes Google
    Finance and TradingView write before a symbol, and its ISO 10383 market identifier codes."""

    name: str
    ric: str
    bloomberg: tuple[str, ...]
    prefixes: tuple[str, ...]
    mics: tuple[str, ...]


TICKER_EXCHANGES: tuple[Exchange, ...] = (
    Exchange("United States", "", ("US", "UN", "UW", "UQ", "UR", "UA", "UP", "UV"),
             ("NASDAQ", "NYSE", "NYSEAMERICAN", "NYSEMKT", "AMEX", "NYSEARCA", "BATS", "OTC", "OTCMKTS"),
             ("XNAS", "XNYS", "XASE", "ARCX")),
    Exchange("London Stock Exchange", "L", ("LN",), ("LON", "LSE"), ("XLON",)),
    Exchange("Nasdaq Helsinki", "HE", ("FH",), ("HEL", "OMXHEX"), ("XHEL",)),
    Exchange("Nasdaq Stockholm", "ST", ("SS",), ("STO", "OMXSTO"), ("XSTO",)),
    Exchange("Oslo Bors", "OL", ("NO",), ("OSL",), ("XOSL",)),
    Exchange("Nasdaq Copenhagen", "CO", ("DC",), ("CPH", "OMXCOP"), ("XCSE",)),
    Exchange("Xetra", "DE", ("GY",), ("ETR", "XETR"), ("XETR",)),
    Exchange("Frankfurt Stock Exchange", "F", ("GF",), ("FRA", "FWB"), ("XFRA",)),
    Exchange("Euronext Paris", "PA", ("FP",), ("EPA",), ("XPAR",)),
    Exchange("Euronext Amsterdam", "AS", ("NA",), ("AMS",), ("XAMS",)),
    Exchange("SIX Swiss Exchange", "S", ("SW",), ("SWX", "SIX"), ("XSWX",)),
    Exchange("Borsa Italiana (Milan)", "MI", ("IM",), ("BIT", "MIL"), ("XMIL",)),
    Exchange("Bolsa de Madrid (Mercado Continuo)", "MC", ("SM",), ("BME",), ("XMAD", "XMCE")),
    Exchange("Toronto Stock Exchange", "TO", ("CT",), ("TSX",), ("XTSE",)),
    Exchange("Tokyo Stock Exchange", "T", ("JT",), ("TYO",), ("XTKS",)),
    Exchange("Hong Kong Stock Exchange", "HK", ("HK",), ("HKG", "HKEX"), ("XHKG",)),
    Exchange("Australian Securities Exchange (Sydney)", "AX", ("AT",), ("ASX",), ("XASX",)),
)
"""The exchanges whose spellings of a listing `_canonical_ticker` maps, each code written as its
source writes it: Refinitiv's RIC exchange identifiers (the suffix after the dot of a RIC,
`VOD.L`), Bloomberg's exchange codes (the word before the yellow key, `VOD LN Equity`), Google
Finance's and TradingView's exchange prefixes (`LON:VOD`, `LSE:VOD`) and ISO 10383 market
identifier codes (MICs, `XLON:VOD`).

Left out on purpose, so that nothing is guessed: Bloomberg's country composites (`GR` Germany,
`CN` Canada, `JP` Japan, `AU` Australia), which stand for several venues with RICs of their own
(`.DE` and `.F`; `.TO` and `.V`), and `SE` (SIX's former virt-x segment, RIC `.VX`); the prefix
`TSE`, which is Toronto on Google Finance and Tokyo on TradingView; TradingView's `EURONEXT`,
which is Paris, Amsterdam, Brussels or Lisbon. Such a ticker is kept as written (noted in
notes['ticker_exchange_unknown'] when it is plainly a Bloomberg ticker or has a prefix), so a
composite and an exchange code of one listing stay two spellings (`RY CN Equity`, `RY CT Equity`
-> `RY.TO`): a composite read as its country's main exchange would move a TSX Venture stock to
Toronto or a Frankfurt one to Xetra."""

US_RIC_SUFFIXES = frozenset({"O", "OQ", "N", "K", "PK"})
"""RIC suffixes of US listings read as such: Nasdaq (`.O`, `.OQ`), NYSE (`.N`), the NYSE
consolidated quote (`.K`) and OTC Pink (`.PK`). Not `.A` (NYSE American) nor `.B` (Boston): on US
feeds `BRK.A`, `BF.B` are share classes. Not `.P` (NYSE Arca): some feeds write a preferred
share so (`XYZ.P`)."""

_RIC_EXCHANGES = {e.ric: e for e in TICKER_EXCHANGES if e.ric}
_BLOOMBERG_EXCHANGES = {code: e for e in TICKER_EXCHANGES for code in e.bloomberg}
_PREFIX_EXCHANGES = {prefix: e for e in TICKER_EXCHANGES for prefix in e.prefixes}
_MIC_EXCHANGES = {mic: e for e in TICKER_EXCHANGES for mic in e.mics}
_BLOOMBERG_TICKER = re.compile(r"(?P<symbol>[A-Z0-9][A-Z0-9/.&-]*)\s+(?P<code>[A-Za-z]{2})(?P<key>\s+(?i:equity))?")
"""A Bloomberg ticker: its symbol (upper case, as Bloomberg writes it: `BRK/B`), an exchange code
and the yellow key `Equity`. Only a ticker with its key is read as Bloomberg's: without it, `AAPL SM`
may as well be two tickers separated by a space (Apple and SM Energy) as Apple on Madrid, so it is
kept as written."""
_PREFIXED_TICKER = re.compile(r"(?P<prefix>[A-Za-z]+)\s*:\s*(?P<symbol>\S+)")
_BLOOMBERG_QUOTE = re.compile(r"(?P<symbol>[A-Z0-9][A-Z0-9/.&-]*):(?P<code>[A-Z]{2})")
"""Bloomberg's web quote form, the symbol then its exchange code after a colon (`AAPL:US`,
`VOD:LN`, `BRK/B:US`, as in bloomberg.com/quote/AAPL:US). Read only when the code is one of
`TICKER_EXCHANGES`' Bloomberg codes and the part before the colon is no exchange prefix, neither
one of the table (`LON:VOD`) nor one left out of it as ambiguous (`AMBIGUOUS_PREFIXES`: `TSE:HK`
stays as written)."""
AMBIGUOUS_PREFIXES = frozenset({"TSE", "EURONEXT"})
"""Exchange prefixes left out of `TICKER_EXCHANGES` because they name more than one exchange (see
its note): a ticker with one is kept as written."""
_RIC_TICKER = re.compile(r"(?P<symbol>\S+)\.(?P<suffix>[A-Z]{1,2})")
_US_SHARE_CLASS = re.compile(r"(?P<root>[A-Z]+)(?:[./-](?P<class>[A-Z])|(?P<ric_class>[a-z]))")
"""A US symbol with a one-letter share class: `BRK.B`, `BRK/B` (Bloomberg), `BRK-B`, or `BRKb`
(the RIC's lower-case class letter)."""
_BLOOMBERG_SHARE_CLASS = re.compile(r"(?P<root>[A-Z0-9]+)/(?P<class>[A-Z])")
"""A symbol with a one-letter share class after Bloomberg's slash (`BRK/B`, `ERIC/B`). On an
exchange outside the US it is written as Refinitiv writes a class there, its letter in lower case
right after the root (`ERICb.ST`, `VOLVb.ST`, `HMb.ST`, `RDSa.L`); a symbol whose last letter may
or may not be a class (Bloomberg's on-screen `ERICB SS`) has no slash and is kept as written."""
ISIN = re.compile(r"[A-Z]{2}[A-Z0-9]{9}[0-9]")
"""An ISIN's shape (ISO 6166): a country code, nine letters or digits, a check digit
(`isin_check_digit_valid`). It names a security, not where it is listed: no listing can be read
from it offline, so a ticker field holding one keeps it as written."""


def isin_check_digit_valid(value: str) -> bool:
    """Whether a 12-character ISIN's last digit is its check digit (ISO 6166: letters as 10..35,
    then the Luhn algorithm over the digits)."""
    digits = "".join(str(int(c, 36)) for c in value[:-1])
    total = 0
    for position, digit in enumerate(reversed(digits)):
        d = int(digit) * (2 if position % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10 == int(value[-1])


def _canonical_ticker(ticker: str) -> tuple[str, str | None, str | None]:
    """One listing's ticker in one spelling, whichever vendor wrote it: (ticker, the form mapped or
    None, an unknown exchange code or prefix or None).

    - A US listing is its bare symbol: `AAPL.O`, `AAPL.OQ` (RIC, `US_RIC_SUFFIXES`),
      `AAPL US Equity`, `AAPL UW Equity` (Bloomberg, with its yellow key), `AAPL:US` (Bloomberg's web
      quote, `_BLOOMBERG_QUOTE`), `NASDAQ:AAPL` (Google Finance,
      TradingView), `XNAS:AAPL` (MIC) -> `AAPL`. Its one-letter share class is written with a dot:
      `BRK/B US Equity`, `NYSE:BRK-B`, `BRKb.N` -> `BRK.B` (a symbol without an exchange is left as
      written: `BRK-B` may be a Stockholm `ERIC-B` as well).
    - Any other listing of `TICKER_EXCHANGES` is its symbol with the exchange's RIC suffix:
      `VOD LN Equity`, `LON:VOD`, `XLON:VOD` -> `VOD.L`; `NOKIA FH Equity`, `HEL:NOKIA` ->
      `NOKIA.HE`. The symbol is kept as written (`RDSA LN Equity` -> `RDSA.L`, while Refinitiv
      writes the class in lower case, `RDSa.L`: whether a last letter is a class cannot be told,
      so the two stay apart). A class after Bloomberg's slash is one, and is written as the RIC
      writes it (`_BLOOMBERG_SHARE_CLASS`: `ERIC/B:SS`, `ERIC/B SS Equity` -> `ERICb.ST`, not
      `ERIC/B.ST`, which is no RIC); a class after a space (`ERIC B SS`) is kept as written, as
      `BRK B` is. A Hong Kong stock code has four digits, as in its RIC
      (`5 HK Equity`, `HKG:5` -> `0005.HK`).
    - A ticker already in that form, or with a RIC suffix not in the table (`NESN.VX`), a
      one-letter dot that may be a share class (`BRK.B`, `BF.A`), an exchange code or prefix not in
      the table (`SAP GR Equity`, `TSE:RY`), an ISIN, or anything else is kept as written.
    """
    if (found := _BLOOMBERG_TICKER.fullmatch(ticker)) is not None and found["key"]:
        exchange = _BLOOMBERG_EXCHANGES.get(found["code"].upper())
        if exchange is None:
            return ticker, None, f"Bloomberg {found['code']}" if found["key"] else None
        return _listing(found["symbol"], exchange), "Bloomberg", None
    if (found := _PREFIXED_TICKER.fullmatch(ticker)) is not None:
        prefix = found["prefix"].upper()
        if (exchange := _MIC_EXCHANGES.get(prefix)) is not None:
            return _listing(found["symbol"], exchange), "MIC prefix", None
        if (exchange := _PREFIX_EXCHANGES.get(prefix)) is not None:
            return _listing(found["symbol"], exchange), "exchange prefix", None
    if ((found := _BLOOMBERG_QUOTE.fullmatch(ticker)) is not None and found["code"] in _BLOOMBERG_EXCHANGES
            and found["symbol"] not in AMBIGUOUS_PREFIXES):
        return _listing(found["symbol"], _BLOOMBERG_EXCHANGES[found["code"]]), "Bloomberg quote", None
    if (found := _PREFIXED_TICKER.fullmatch(ticker)) is not None:
        return ticker, None, f"prefix {found['prefix']}"
    if (found := _RIC_TICKER.fullmatch(ticker)) is not None:
        suffix = found["suffix"]
        if suffix in US_RIC_SUFFIXES:
            return _listing(found["symbol"], TICKER_EXCHANGES[0]), "RIC", None
        if (exchange := _RIC_EXCHANGES.get(suffix)) is not None:
            listing = _listing(found["symbol"], exchange)
            return listing, "RIC" if listing != ticker else None, None
    return ticker, None, None


def _listing(symbol: str, exchange: Exchange) -> str:
    """`symbol` on `exchange` in the canonical form (`_canonical_ticker`)."""
    symbol = symbol.upper() if symbol == symbol.lower() else symbol
    if not exchange.ric:
        if (share := _US_SHARE_CLASS.fullmatch(symbol)) is not None:
            letter = (share["class"] or share["ric_class"]).upper()
            # a class whose letter is an exchange's RIC suffix (`BAC-L`: `BAC.L` is London's spelling)
            # is written with Bloomberg's slash, so that no US class reads as another listing
            return f"{share['root']}{'/' if letter in _RIC_EXCHANGES else '.'}{letter}"
        return symbol
    if (share := _BLOOMBERG_SHARE_CLASS.fullmatch(symbol)) is not None:  # ERIC/B -> ERICb
        symbol = f"{share['root']}{share['class'].lower()}"
    if exchange.ric == "HK" and symbol.isdigit():
        symbol = symbol.lstrip("0").zfill(4)
    return f"{symbol}.{exchange.ric}"


def _ticker(out: _Collector, line: int, value: str | None) -> str | None:
    """A ticker without its cashtag '$', in upper case when written all in lower case ('$aapl' ->
    'AAPL'; a mixed-case exchange code such as 'RDSa.L' is kept), in one spelling per listing
    whichever vendor wrote it (`_canonical_ticker`: 'AAPL.O', 'NASDAQ:AAPL', 'AAPL US Equity' ->
    'AAPL'; 'VOD LN Equity', 'LON:VOD' -> 'VOD.L'); several tickers in one field, separated by ',',
    ';', '|', a line break or a tab, or by spaces between cashtags or whole listings ('$AAPL $MSFT',
    'AAPL.O MSFT.O'; `canonical_tickers`), are deduplicated, sorted and joined by ',' ('MSFT; $aapl' -> 'AAPL,MSFT'). Spaces are
    part of a ticker that is not mapped ('BRK B', 'SAP GR Equity'). A changed value is listed in
    notes['ticker_normalised_lines'], the tickers mapped counted by their form in
    notes['ticker_forms'] ('RIC', 'Bloomberg', 'Bloomberg quote', 'exchange prefix', 'MIC prefix'), the exchange
    codes and prefixes not in `TICKER_EXCHANGES` in notes['ticker_exchange_unknown'], and ISINs,
    which name a security but not its listing and are kept as written, in
    notes['ticker_isins_kept']. A time of day, a split ratio or a number in the field names no
    listing and is left out (`NOT_A_SYMBOL`: notes['ticker_not_a_symbol'] and
    notes['ticker_not_a_symbol_lines']), as a currency or an index is (`NOT_EQUITY`), and so is
    text ('see note', 'n/a', 'Nokia Oyj': `_is_ticker_text`), counted as 'text' in
    notes['ticker_not_a_symbol'] and listed as written in notes['ticker_text_left_out']; the row
    loads either way. A symbol with the company's name in brackets, either order ('AMZN (Amazon)',
    'Nokia (NOKIA.HE)': `_named_symbol`), is read as the symbol alone, the name counted as written
    in notes['ticker_names_dropped'] and its line listed in notes['ticker_name_dropped_lines']."""
    if value is None:
        return None
    normal, counted = canonical_tickers(value)
    for note, key in counted:
        out._count(note, key, line)
    if any(note == "ticker_not_a_symbol" for note, _ in counted):
        out.note_line("ticker_not_a_symbol_lines", line)
    if any(note == "ticker_names_dropped" for note, _ in counted):
        out.note_line("ticker_name_dropped_lines", line)
    if normal != value:
        out.note_line("ticker_normalised_lines", line)
    return normal


NOT_EQUITY = re.compile(r"(?i)(?P<market>FOREX|CRYPTO)\s*:\s*\S+|[^:]+:(?P<sector>CUR|IND|COM|GOV|CORP|MTGE|MUNI|PFD)")
"""A currency, crypto-asset, index, commodity or bond among a feed's tickers (Alpha Vantage's
`FOREX:EUR`, `CRYPTO:BTC` in `ticker_sentiment`; bloomberg.com's `EURUSD:CUR`, `SPX:IND`,
`CL1:COM`, `T 4 05/15/34:GOV`, whose market sector follows the colon): no listed stock, so not a
ticker of the daily index; dropped from the field and counted by market in
notes['ticker_not_equity']."""


_SPLIT_RATIO = r"\d+\s*(?::|/|-?\s*for\s*-?)\s*\d+"
NOT_A_SYMBOL = re.compile(
    r"(?i)(?P<either>[1-9]:[1-5]\d)"
    r"|(?P<time>(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:\s*[ap]\.?\s?m\.?)?)"
    rf"|(?P<split>(?:(?:reverse\s+)?(?:stock\s+)?split\s*)?{_SPLIT_RATIO}(?:\s*(?:reverse\s+)?(?:stock\s+)?split)?)"
    r"|(?P<number>[+-]?\d+(?:[.,]\d+)?\s*%|[+-]?\d*[.,]\d+)")
"""A value in a ticker field that names no listing: a time of day (`09:30`, `9:30 am`, `16:00:00`),
a stock split's ratio (`3:2 split`, `2-for-1`, `2 for 1`, `1:20 reverse split`, `10:1`, `1:75`) or
a number with a decimal or a percent sign (a price, `189.50`, or a change, `+2.5%`). No exchange
writes a symbol so: a RIC's or Bloomberg quote's suffix and an exchange prefix are letters
(`VOD.L`, `AAPL:US`, `LON:VOD`), and an all-digit code (Tokyo's `7203`, Hong Kong's `5`) has no
colon, slash or decimal. Dropped from the field, counted by kind in notes['ticker_not_a_symbol'],
its lines listed in notes['ticker_not_a_symbol_lines']:

- 'time of day': a clock time no ratio is written as, with seconds, `am`/`pm`, a two-digit hour
  (`09:30`, `16:00`) or minutes with a leading zero (`9:05`);
- 'split ratio': a ratio that cannot be a time (`3:2`, `10:1`: one digit after the colon; `1:75`,
  `30:1`: minutes past 59, an hour past 23) or written with 'split' or 'for' (`1:2 split`,
  `2-for-1`, `2 for 1`);
- 'time of day or split ratio': one digit, a colon and two digits from 10 to 59 (`1:10`, `9:30`),
  which a time of day and a reverse split's ratio (1 new share for 10) are both written as;
- 'number'.

Text in the field is left out too (`_is_ticker_text`)."""


TICKER_PLACEHOLDERS = frozenset({*(NULL_TOKENS - {"na"}), "various", "multiple", "several", "tbd", "tba", "unknown"})
"""Words a desk writes in a ticker column where it names no stock (compared lowercased): the null
tokens of text fields (`none`, `n/a`, `nil`, `null`; not `NA`, National Bank of Canada's symbol,
`NA.TO`, though a field of `NA` alone is a null token as any field is) and `various`, `multiple`,
`several`, `tbd`, `tba`, `unknown`."""
_BLOOMBERG_YELLOW_KEYS = frozenset({"EQUITY", "INDEX", "CURNCY", "COMDTY", "CORP", "GOVT", "MTGE", "MUNI", "PFD"})
"""Bloomberg's yellow keys (market sectors), the last word of a Bloomberg ticker (`AAPL US Equity`,
`SPX Index`): a word in lower case there is no text."""
_SPACED_SYMBOL = re.compile(r"[A-Z0-9][A-Z0-9/.&-]*(?:\s+[A-Z])?(?:\s+[A-Z]{2})?")
"""A symbol written with a space the way `_ticker` keeps one as written, once upper-cased: with a
one-letter class (`BRK B`), a Bloomberg exchange code without the yellow key (`AAPL SM`) or both
(`ERIC B SS`)."""
COMPANY_SUFFIXES = frozenset({"CORP", "CORPORATION", "INC", "INCORPORATED", "LTD", "LIMITED", "PLC", "LLC", "LP", "CO",
                              "AG", "SE", "KGAA", "GMBH", "SA", "SAS", "SPA", "NV", "BV", "OYJ", "OY", "ABP", "AB",
                              "ASA", "AS", "PTY", "BHD"})
"""Legal-form words that end a company's name (compared upper-cased, dots left out: `Inc.`,
`S.A.`, `N.V.`): `Nokia Corp`, `Apple Inc`, `Acme Ltd`, `Siemens AG`, `Nokia Oyj`. Several are
also a Bloomberg yellow key (`Corp`) or read as an exchange code (`AG`, `SA`): `_is_ticker_text`
reads such a last word as a company's when a word before it is written as a name is."""
_PROSE_WORD = re.compile(r"[a-z]{2}")
"""Two lower-case letters in a row: how a word of prose or a company's name is written (`see`,
`Nokia`), and never a symbol, whose only lower-case letter is a RIC's class (`RDSa`, `ERICb`)."""


def _is_ticker_text(written: str) -> bool:
    """Whether one ticker of a field (`canonical_tickers`' part, as written) is text, not a symbol:
    a placeholder (`TICKER_PLACEHOLDERS`: `n/a`, `various`, `TBD`), or words written as prose or a
    company's name is, with a space between them and a word in lower case (`see note`, `see text`,
    `Nokia Oyj`): no exchange's symbol has both. Not text: a Bloomberg ticker with its yellow key
    in any case (`aapl us equity`), and, once upper-cased, a symbol written with a space
    (`_SPACED_SYMBOL`: `brk b`, `aapl sm`, `eric b ss`), which `_ticker` keeps as written. Several
    tickers typed in lower case with only spaces between them (`aapl msft`) read as text: the field
    is not split at a space between bare symbols (`_spaced_tickers`), and such a value was one ticker
    of no listing (`AAPL MSFT`).
    A company's name is text whatever its legal form (`COMPANY_SUFFIXES`): `Nokia Corp`, `Acme AG`
    and `ABB Ltd` as `Nokia Oyj` is, though `Corp` is a yellow key and `AG` reads as an exchange
    code, when a word before it is written as a name, in capitals and lower case (not Bloomberg's
    bond `IBM 4 05/15/34 Corp`); typed all in lower case, such a value keeps the reading of a
    symbol (`nokia corp`, `abb ag`, as `aapl sm`)."""
    if written.lower() in TICKER_PLACEHOLDERS:
        return True
    words = written.split()
    if len(words) < 2 or not any(_PROSE_WORD.search(word) for word in words):
        return False  # one word ('aapl', 'Nokia') or all in upper case ('SEE NOTE': Sealed Air, FiscalNote)
    if (words[-1].upper().replace(".", "") in COMPANY_SUFFIXES and written != written.lower()
            and any(_PROSE_WORD.search(word) for word in words[:-1])):
        return True  # 'Nokia Corp', 'Acme AG', 'Apple Inc.'
    return words[-1].upper() not in _BLOOMBERG_YELLOW_KEYS and _SPACED_SYMBOL.fullmatch(written.upper()) is None


_NAMED_TICKER = re.compile(r"(?P<left>[^()]*[^()\s])\s*\((?P<right>[^()]*[^()\s])\s*\)")
"""A ticker with a company's name in brackets, in either order (`AMZN (Amazon)`, `Nokia (NOKIA.HE)`),
as many desks write a ticker field (`_named_symbol`)."""


def _reads_as_symbol(side: str) -> bool:
    """No word written as prose (`_PROSE_WORD`), the yellow key of a Bloomberg ticker aside
    (`AAPL US Equity`), and a capital letter or a digit: `AMZN`, `NOKIA.HE`, `$AAPL`, `7203`."""
    words = side.split()
    if len(words) > 1 and words[-1].upper() in _BLOOMBERG_YELLOW_KEYS:
        words = words[:-1]
    return re.search(r"[A-Z0-9]", side) is not None and not any(_PROSE_WORD.search(word) for word in words)


def _named_symbol(written: str) -> tuple[str, str] | None:
    """(symbol, name) of a ticker written with a company's name in brackets, either order
    (`_NAMED_TICKER`: `AMZN (Amazon)`, `AAPL (Apple Inc.)`, `Nokia (NOKIA.HE)`), when exactly one side
    reads as a symbol (`_reads_as_symbol`) and the other as a name (a word written as prose); else
    None (`amzn (Amazon)`: two names; `AMZN (AMAZON)`: two symbols)."""
    if (found := _NAMED_TICKER.fullmatch(written)) is None:
        return None
    left, right = found["left"].strip(), found["right"].strip()
    sides = [(a, b) for a, b in ((left, right), (right, left))
             if _reads_as_symbol(a) and not _reads_as_symbol(b) and _PROSE_WORD.search(b)]
    return (sides[0][0].removeprefix("$").strip(), sides[0][1]) if len(sides) == 1 else None


TICKER_SEPARATOR = re.compile(r"\s*[,;|\t\n\r\v\f\x85\u2028\u2029]\s*(?![^()]*\))")
"""Between two tickers of one field: ',', ';', '|', a line break or a tab outside brackets
(`AMZN (Amazon.com, Inc.)` is one). No symbol holds any of them; a space and a slash may be part
of one (`BRK B`, `BRK/B`), so neither is a separator (`_spaced_tickers` reads the spaces that are)."""


def _separator_name(separator: str) -> str | None:
    """How notes['ticker_split_at'] names a `TICKER_SEPARATOR` match: '|', 'line break' or 'tab';
    None for ',' and ';', the separators a field is expected to have."""
    if "," in separator or ";" in separator:
        return None
    if "|" in separator:
        return "|"
    return "tab" if separator.strip(" \t") == "" else "line break"

_CASHTAG_AFTER_SPACE = re.compile(r"\s+(?=\$[A-Za-z0-9])")
"""White space before a cashtag: a new ticker starts there (`$AAPL $MSFT`, `AAPL $MSFT`), as no
symbol holds a '$'."""
_SPACED_TOKEN = re.compile(r"[A-Za-z]+\s*:\s*[^\s:]+|[A-Z0-9][A-Z0-9/.&-]*\s+[A-Za-z]{2}\s+(?i:equity)\b|\S+")
"""One word of a ticker field split at white space, a prefix's or Bloomberg ticker's spaces kept
inside it (`NASDAQ: MSFT`, `AAPL US Equity`)."""


def _is_listing_form(token: str) -> bool:
    """Whether one word of a ticker field is a whole listing in a form the ticker rules read, so
    that it ends where the word does: a cashtag (`$AAPL`), a RIC whose suffix is in the table
    (`AAPL.O`, `VOD.L`), an exchange prefix or MIC (`NASDAQ:MSFT`, `XLON:VOD`), Bloomberg's web quote
    (`AAPL:US`), a Bloomberg ticker with its yellow key (`AAPL US Equity`), or a currency or index
    (`NOT_EQUITY`: `FOREX:EUR`). Not a bare symbol (`AAPL`, `SM`) nor an exchange code without its
    key: `AAPL SM` may be Apple on Madrid."""
    if token.startswith("$") and len(token) > 1:
        return True
    token = token.upper() if token == token.lower() else token
    if _canonical_ticker(token)[1] is not None or NOT_EQUITY.fullmatch(token) is not None:
        return True
    found = _RIC_TICKER.fullmatch(token)
    return found is not None and (found["suffix"] in _RIC_EXCHANGES or found["suffix"] in US_RIC_SUFFIXES)


def _spaced_tickers(part: str) -> tuple[list[str], list[str]]:
    """One part of a ticker field (split at `TICKER_SEPARATOR`) split at the spaces that separate
    tickers: before a cashtag (`_CASHTAG_AFTER_SPACE`: `$AAPL $MSFT`, `AAPL $MSFT`), and between words
    that are each a whole listing (`_is_listing_form`: `NASDAQ:MSFT NYSE:IBM`, `AAPL.O MSFT.O`,
    `AAPL:US MSFT:US`). Returns (the tickers as written, what split them: 'space before a cashtag',
    'space between listings'). Upper-case words a listing form does not end stay one ticker as the
    rules read it: `AAPL SM` may be Apple on Madrid, and `AAPL MSFT GOOG` cannot be told from it by
    rule."""
    how = []
    pieces = _CASHTAG_AFTER_SPACE.split(part.strip())
    if len(pieces) > 1:
        how.append("space before a cashtag")
    tickers = []
    for piece in pieces:
        words = _SPACED_TOKEN.findall(piece)
        if len(words) > 1 and all(_is_listing_form(word) for word in words):
            tickers += words
            how.append("space between listings")
        else:
            tickers.append(piece)
    return tickers, how


def _folded_ticker_field(value: str) -> tuple[str, list[str]]:
    """A ticker field without invisible characters anywhere (`csv_text.INVISIBLE_CHARACTER`: a
    zero-width space pasted after `AAPL`) and NFKC-normalised (full-width `ＡＡＰＬ` is `AAPL`, a
    no-break space a space). Returns (the field, what changed: each invisible character by code
    point and name, `U+200B ZERO WIDTH SPACE`, and 'compatibility characters (NFKC)')."""
    visible = value.translate(_INVISIBLE_REMOVED)
    changed = [f"U+{ord(c):04X} {unicodedata.name(c, '')}".strip()
               for c in dict.fromkeys(value) if c in csv_text.INVISIBLE_CHARACTER]
    folded = unicodedata.normalize("NFKC", visible)
    if folded != visible:
        changed.append("compatibility characters (NFKC)")
    return folded, changed


_BRACKETED_EXCHANGE = re.compile(r"(?P<symbol>\$?[A-Za-z0-9][A-Za-z0-9/.&-]*)\s*\(\s*(?P<exchange>[^()]*[^()\s])\s*\)")
_EXCHANGES_BY_NAME = {**{e.name.upper(): e.prefixes[0] for e in TICKER_EXCHANGES[1:] if "(" not in e.name},
                      **{prefix: prefix for prefix in _PREFIX_EXCHANGES}, **{mic: mic for mic in _MIC_EXCHANGES}}
"""An exchange named in brackets after a symbol, upper-cased (`NASDAQ`, `LSE`, `XNAS`, `London Stock
Exchange`), and the prefix `_canonical_ticker` reads it by. Not `TSE` nor `EURONEXT`
(`AMBIGUOUS_PREFIXES`), nor a Bloomberg code (`(US)`, `(NA)` read as countries or symbols)."""


def _exchange_in_brackets(written: str) -> str | None:
    """A symbol with its exchange in brackets (`AAPL (NASDAQ)`, `VOD (London Stock Exchange)`) as
    the prefixed listing `_canonical_ticker` reads (`NASDAQ:AAPL`, `LSE:VOD`); None for any other
    field (`AMZN (Amazon)` is a company's name, `_named_symbol`; `RY (TSE)` names no one exchange)."""
    if (found := _BRACKETED_EXCHANGE.fullmatch(written)) is None:
        return None
    prefix = _EXCHANGES_BY_NAME.get(" ".join(found["exchange"].upper().split()))
    return None if prefix is None else f"{prefix}:{found['symbol'].removeprefix('$')}"
_QUOTED_ITEM = r"""\s*(?:'[^'\\]*'|"[^"\\]*")\s*"""
LIST_LITERAL = re.compile(rf"\[(?:{_QUOTED_ITEM}(?:,{_QUOTED_ITEM})*,?\s*)?\]")
"""A ticker field written as a Python or JSON list of plain quoted strings: `['AAPL', 'MSFT']`,
`["AAPL"]`, `[]`. Read by pattern, never evaluated: escapes are not decoded and nothing nests."""
QUOTED = re.compile(r"""'([^'\\]*)'|"([^"\\]*)\"""")
"""One quoted item of a LIST_LITERAL: its text in group 1 (single quotes) or 2 (double)."""


def _list_items(value: str) -> list[str] | None:
    """The items of a ticker field written as a list of quoted strings (LIST_LITERAL: pandas'
    `to_csv` of a column of lists), each whole (`['Amazon.com, Inc.']` is one item); a bracketed
    list without quotes (`[AAPL, MSFT]`) is its text between the brackets split as any field is;
    None for any other field."""
    text = value.strip()
    if not (text.startswith("[") and text.endswith("]")):
        return None
    if LIST_LITERAL.fullmatch(text):
        return [single if single is not None else double for single, double in
                ((m.group(1), m.group(2)) for m in QUOTED.finditer(text))]
    return TICKER_SEPARATOR.split(text[1:-1].strip())


def canonical_tickers(value: str) -> tuple[str | None, list[tuple[str, str]]]:
    """A ticker field as the lake stores it (see `_ticker`), and what to count of it: (note, key)
    pairs for notes['ticker_forms'], ['ticker_exchange_unknown'], ['ticker_isins_kept'],
    ['ticker_not_equity'] (a currency or crypto-asset, `NOT_EQUITY`, left out),
    ['ticker_not_a_symbol'] (a time of day, a split ratio or a number, `NOT_A_SYMBOL`, or text,
    `_is_ticker_text`, left out) and ['ticker_text_left_out'] (that text as written), and
    ['ticker_names_dropped'] (a company's name written in brackets beside the symbol, `_named_symbol`:
    `AMZN (Amazon)` reads as `AMZN`, the name as written counted). Invisible characters are removed
    and the field NFKC-normalised first (`_folded_ticker_field`: ['ticker_characters_folded']). The
    field is split at `TICKER_SEPARATOR` (',', ';', '|', a line break, a tab) outside brackets
    (`AMZN (Amazon.com, Inc.)` is one ticker) and at the spaces `_spaced_tickers` reads as separators
    (`$AAPL $MSFT`, `NASDAQ:MSFT NYSE:IBM`), each split but ',' and ';' counted in
    ['ticker_split_at']; a symbol with its exchange in brackets (`AAPL (NASDAQ)`,
    `_exchange_in_brackets`) is that listing, counted as the form 'exchange in brackets'; a field written as a list literal,
    as pandas' `to_csv` writes a column of lists (`['AAPL', 'MSFT']`, or JSON's `["AAPL"]`), is its
    items (counted as the form 'list literal'). None when the field names no ticker."""
    tickers, counted = set(), []
    value, folded = _folded_ticker_field(value)
    counted += [("ticker_characters_folded", change) for change in folded]
    parts = _list_items(value)
    if parts is not None:  # pandas' to_csv of a list column
        counted.append(("ticker_forms", "list literal"))
    else:
        parts = TICKER_SEPARATOR.split(value.strip())
    if not LIST_LITERAL.fullmatch(value.strip()):  # a quoted list's items are taken whole
        counted += [("ticker_split_at", name) for found in TICKER_SEPARATOR.finditer(value.strip())
                    if (name := _separator_name(found.group())) is not None]
    spaced = []
    for part in parts:  # '$AAPL $MSFT', 'NASDAQ:MSFT NYSE:IBM'
        more, how = _spaced_tickers(part)
        spaced += more
        counted += [("ticker_split_at", split) for split in how]
    for part in spaced:
        # a list's brackets and quotes are no part of a ticker (a list literal's pieces, as an earlier
        # version stored `['AAPL', 'MSFT']`: `'MSFT'],['AAPL`)
        part = written = part.strip("[]'\" ").removeprefix("$").strip()
        if not part:
            continue
        if (listing := _exchange_in_brackets(written)) is not None:  # 'AAPL (NASDAQ)' reads as NASDAQ:AAPL
            part = written = listing
        elif (named := _named_symbol(written)) is not None:  # 'AMZN (Amazon)', 'Nokia (NOKIA.HE)'
            part = written = named[0]
            counted.append(("ticker_names_dropped", named[1]))
        part = part.upper() if part == part.lower() else part
        if (market := NOT_EQUITY.fullmatch(part)) is not None:  # Alpha Vantage's FOREX:EUR, CRYPTO:BTC
            counted.append(("ticker_not_equity", (market["market"] or market["sector"]).upper()))
            continue
        if (text := NOT_A_SYMBOL.fullmatch(part)) is not None:  # '09:30', '3:2 split', '189.50'
            counted.append(("ticker_not_a_symbol", {"either": "time of day or split ratio", "time": "time of day",
                                                    "split": "split ratio", "number": "number"}[text.lastgroup]))
            continue
        if _is_ticker_text(written):  # 'see note', 'n/a', 'Nokia Oyj'
            counted += [("ticker_not_a_symbol", "text"), ("ticker_text_left_out", written)]
            continue
        if ISIN.fullmatch(part) and isin_check_digit_valid(part):
            counted.append(("ticker_isins_kept", part))
        else:
            part, form, unknown = _canonical_ticker(part)
            if form is not None:
                counted.append(("ticker_forms", "exchange in brackets" if listing is not None else form))
            if unknown is not None:
                counted.append(("ticker_exchange_unknown", unknown))
        tickers.add(part)
    return ",".join(sorted(tickers)) or None, counted


def _optional(value: str | None) -> str | None:
    """A descriptive field (source, ticker) trimmed; absent, empty or a null token -> None."""
    return value.strip() if value is not None and _present(value) else None


def _is_phrasebank_csv(lines: list[str]) -> bool:
    """The `Y,Notices` header, or none (`_is_headerless_phrasebank_csv`)."""
    return bool(lines) and (tuple(_header_fields(lines[0])) == _PHRASEBANK_CSV_HEADER
                            or _is_headerless_phrasebank_csv(lines))


def _is_headerless_phrasebank_csv(lines: list[str]) -> bool:
    """`label,sentence` from the first line on (a re-export written without its header): the first
    line, and at least 80% of the first 50 non-blank lines, start with a label and a comma."""
    sample = [line for line in lines[:50] if line.strip()]
    return (bool(sample) and _starts_a_record(sample[0])
            and sum(map(_starts_a_record, sample)) >= 0.8 * len(sample))


FEED_DELIMITERS = (",", "\t", ";", "|")
"""Field separators a feed may use: comma, a spreadsheet's tab ("Unicode Text" export), semicolon
(European locales), pipe."""


def _feed_delimiter(header_line: str) -> str | None:
    """The FEED_DELIMITERS member that splits the header into the most fields while a headline or
    body column is found (`_feed_columns`); None when no split finds one (not a feed). Under news
    settings that declare columns, a header none of whose splits finds a text column is still read
    as a feed, at the split with the most fields, when it has several: a declared column it lacks
    (a misspelled 'Story Txt') is then refused as such, naming the closest column
    (`_refuse_undeclared`), not as an unknown format."""
    found, split = [], []
    declared = _declared_columns()
    for delimiter in FEED_DELIMITERS:
        try:
            header = next(csv.reader([header_line.replace("\r", _CR_STANDIN)], delimiter=delimiter, skipinitialspace=True))
        except (csv.Error, StopIteration):
            continue
        columns = _feed_columns(header, declared)
        if "headline" in columns or "body" in columns:
            found.append((len(header), -FEED_DELIMITERS.index(delimiter), delimiter))
        elif declared and len(header) > 1:
            split.append((len(header), -FEED_DELIMITERS.index(delimiter), delimiter))
    return max(found)[2] if found else max(split)[2] if split else None


_EXCEL_SEPARATOR_LINE = re.compile(r'"?sep=.?"?[,;\t|]*', re.IGNORECASE)
"""Excel's `sep=,` first line, which tells Excel the separator; the header is the line after it."""


def _refuse_undecided_translations(path: Path, header_line: str) -> None:
    """Refuse a feed CSV whose only text columns are translations of which none is English
    (`title_fi`, `title_sv`): which one the sentiment model should read is not guessed, and without
    this the file would be refused as no news format at all.

    Raises:
        FileRefused: naming the columns and the news settings `columns` line that reads one."""
    for delimiter in FEED_DELIMITERS:
        header = next(csv.reader([header_line], delimiter=delimiter), [])
        _refuse_undecided_text(path, header, [name.strip() for name in header], "line 1: columns")


def _refuse_undecided_text(path: Path, header: list[str], shown: list[str], what: str) -> None:
    """Refuse a feed whose header (CSV columns, or a JSON feed's flattened fields, `header`) writes
    its text once per language with none in English (`_text_translations`), naming them as `shown`
    (the same order: a JSON field by its dotted path, `title.fi`) after `what` ('line 1: columns',
    'fields') and the news settings `columns` line that reads one.

    Raises:
        FileRefused: such translations are found; else returns None."""
    _, _, undecided = _text_translations([_normalise_name(name) for name in header])
    if undecided:
        named = [shown[i] for i in undecided]
        field = _text_field_of(_LANGUAGE_SUFFIX.fullmatch(_normalise_name(header[undecided[0]]))["stem"])
        raise FileRefused(
            f"{path}: {what} {', '.join(named)}: the article's text in {len(named)} languages and none in "
            f"English, so which one to read is not guessed; declare it in news settings, \"columns\": "
            f"{json.dumps({named[0]: field}, ensure_ascii=False)} (README, 'News files'), and land the file again")


def _is_news_feed_csv(lines: list[str]) -> bool:
    return bool(lines) and _feed_delimiter(lines[0]) is not None


def _refuse_loan_tape(path: Path, header_line: str, where: str = "line 1") -> None:
    """A loan tape dropped in the news folder, told by its header line (`where` names it): read
    with each of FEED_DELIMITERS, the feed's own first, it is refused when one split is a loan
    tape's header (`_refuse_loan_header`). A LendingClub download's `title` (the loan's purpose) and
    `desc`, a tape's free-text column (`Text`, `Contenido`, `notes`), would otherwise be read as a
    feed's headline and body, every loan an article.

    Raises:
        FileRefused: see `_refuse_loan_header`.
    """
    feed_delimiter = _feed_delimiter(header_line)
    for delimiter in dict.fromkeys((feed_delimiter or ",", *FEED_DELIMITERS)):
        try:
            header = next(csv.reader([header_line], delimiter=delimiter), [])
        except csv.Error:
            continue
        if len(header) > 1 or delimiter == feed_delimiter:
            _refuse_loan_header(path, header, where)


def _loan_term(name: str) -> str:
    """A header name as LOAN_TAPE_TERMS is compared: normalised as a feed's names are
    (`_normalise_name`: case, spaces, hyphens, camelCase), a unit in brackets dropped ('Betrag
    (EUR)', 'Zins [%]'), accents folded ('Préstamo' -> 'prestamo'), any other mark an '_' ('Taux
    d'intérêt' -> 'taux_d_interet', 'Loan #' -> 'loan')."""
    plain = _normalise_name(re.sub(r"[(\[][^)\]]*[)\]]", " ", name))
    folded = unicodedata.normalize("NFKD", plain).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", folded).strip("_")


_LOAN_TERMS: dict[str, str] = {_loan_term(name): concept for concept, names in LOAN_TAPE_TERMS.items()
                               for name in names if _normalise_name(name) not in _ALL_ALIASES}
"""Normalised loan-tape column name (`_loan_term`) -> its concept (LOAN_TAPE_TERMS). A name that
FEED_ALIASES accepts for a news field (`id`) is left out: it says nothing of a loan."""
LOAN_TAPE_MIN_TERMS = 3
"""Distinct loan concepts a header must name to be a loan tape's: one `Status` column (a CMS's
draft/published) or `Amount` does not make a news export a tape."""
_NEWS_SIGNS = frozenset({
    *FEED_ALIASES["ticker"], "url", "link", "article_url",
    *(name for name in FEED_ALIASES["label"] if name not in ("label", "y")),
    *(name for name in FEED_ALIASES["published_at"] if re.search("pub|veröff|veroeff|erschein", name)),
    "author", "authors", "byline", "autor", "auteur", "autore", "auteurs", "autores"})
"""Header names only news carries: a ticker, an article URL (URL_IDS), a sentiment (not a bare
`label` or `y`: a loan dataset's default flag), an author, a publication time (`published_at`,
`Veröffentlicht`, `Data di pubblicazione`). A header with one of them is read as news whatever loan
words it also holds (a deal feed's `Amount`, `Rate`, `Status`), unless it holds two
BUILTIN_TAPE_NAMES. A headline or a text body is no such sign: a tape carries them too
(LendingClub's `title` and `desc`, a servicer's `Description`, `Text`, `Contenido`), as it carries a
source (its source system, `Quelle`) and a plain date."""


_LOAN_QUALIFIERS = ("original", "current", "initial", "approved", "funded", "total", "gross", "net", "nominal")
"""Words a servicer's tape puts before a loan term ('Original Loan Amount', 'Current Interest Rate')."""


def _loan_qualified(term: str) -> str:
    """A normalised name (`_loan_term`) as _LOAN_TERMS holds it: itself when listed, else without
    its leading _LOAN_QUALIFIERS words ('original_loan_amount' -> 'loan_amount')."""
    words = term.split("_")
    while term not in _LOAN_TERMS and len(words) > 1 and words[0] in _LOAN_QUALIFIERS:
        words = words[1:]
        term = "_".join(words)
    return term


JSON_LOANS_LANDING = ("save it as CSV (loan landing reads CSV, Parquet or Excel, not JSON) "
                      "and land it in landing/loans")
"""What to do with loan records landed as JSON among news: loan landing reads no JSON."""
XML_LOANS_LANDING = JSON_LOANS_LANDING.replace("not JSON", "not XML")
"""What to do with loan records landed as XML among news (record XML): loan landing reads no XML."""


def _refuse_loan_header(path: Path, header: list[str], where: str,
                        landing: str = "land it in landing/loans") -> None:
    """Refuse a loan tape's header found where news is read; `where` names it ('line 1', "sheet
    'Loans' row 1"), `landing` says what to do with the file. A header holding a built-in format's
    signature (LENDINGCLUB_SIGNATURE, SBA_SIGNATURE; any case) is that format's tape. Any other is a
    loan tape's when its names (`_loan_term`, less a leading 'Original' or 'Current':
    `_loan_qualified`) give LOAN_TAPE_MIN_TERMS distinct LOAN_TAPE_TERMS concepts (a loan id, a
    borrower, an amount, an interest rate, a term, a status, a grade...) in any of the languages
    the news reader reads, and it carries a mark that only a tape carries:

    - two of the built-in formats' own column names (BUILTIN_TAPE_NAMES: `loan_amnt`, `int_rate`,
      `loan_status`, `GrAppv`): a LendingClub or SBA export cut to a few columns. No news names a
      column so, and LendingClub's own export also holds `url`, `title` and `desc`, so this mark
      holds whatever else the header names;
    - a loan id column (`Loan ID`, `Kreditnummer`, `Préstamo`, `Account No`; a bare `id` is a
      story's id as well, no mark), when no column is a sign of news (_NEWS_SIGNS: a ticker, an
      article URL, an author, a sentiment, a publication time);
    - no article-text column (no headline or body, as `_feed_columns` finds them), when no column
      is a sign of news: such a file is no news feed anyway, and saying it is a tape is the better
      refusal.

    Loan words alone are not enough: a bond or loan-market wire names an issuer or borrower, an
    amount, a coupon and a maturity beside its story (`Date,Issuer,Amount,Coupon,Maturity,Story`),
    a CMS export a status, a count and a star rating beside its body; without a loan id they load
    as news. A headline (`title`) does not save a tape with a loan id: LendingClub's `title` is the
    loan's purpose.

    Raises:
        FileRefused: naming the file, `where`, the columns that make it a tape (each with its
            concept), the mark, where the file goes and, since no setting overrides the refusal,
            what to rename when the file is news after all.
    """
    names = {name.strip().lower() for name in header}
    for fmt, signature in (("LendingClub", LENDINGCLUB_SIGNATURE), ("SBA", SBA_SIGNATURE)):
        if {column.lower() for column in signature} <= names:
            raise FileRefused(f"{path}: {where} is a {fmt} loan tape's header ({', '.join(sorted(signature))}), "
                              f"not a news feed: {landing}")
    concepts: dict[str, str] = {}  # concept -> the first column naming it
    for name in header:
        concept = _LOAN_TERMS.get(_loan_qualified(_loan_term(name)))
        if concept is not None:
            concepts.setdefault(concept, name.strip())
    if len(concepts) < LOAN_TAPE_MIN_TERMS:
        return
    own = [name.strip() for name in header if name.strip().lower() in BUILTIN_TAPE_NAMES]
    if len(own) >= 2:
        quoted = ", ".join(repr(name) for name in own)
        mark = f"{quoted} are LendingClub's or SBA's own column names"
        news = f"rename {quoted}"
    elif any(_normalise_name(name) in _NEWS_SIGNS for name in header):
        return
    elif "source_loan_id" in concepts:
        loan_id = concepts["source_loan_id"]
        mark = f"{loan_id!r} is a loan id"
        news = f"rename {loan_id!r} (a story's id column is `id` or `article_id`)"
    elif not {"headline", "body"} & _feed_columns(header, _declared_columns()).keys():
        mark = "no column holds an article's text"
        news = "name its text column `headline` or `body` (see README, 'News files')"
    else:
        return
    named = ", ".join(f"{name} ({concept})" for concept, name in concepts.items())
    raise FileRefused(f"{path}: {where} is a loan tape's header, not a news feed: its columns name a loan's "
                      f"terms: {named}, and {mark}; {landing} with a column mapping "
                      f"(see README, 'Your own loan tape: a column mapping'); if the file is news, {news}")


# --- JSON feeds: a news API's response saved as is, or JSON Lines ---------------------------------

_JSON_WHITESPACE = re.compile(r"[ \t\n\r\ufeff]*")
"""White space between JSON tokens and documents, and a byte-order mark: files joined with `cat`
each open with one (PowerShell's Out-File writes it), and JSON has no other use for U+FEFF there."""
_JSON_ARTICLE_LISTS = ("articles", "data", "items", "results", "news", "feed", "stories", "documents", "records",
                       "entries", "hits", "messages")
"""Names of the list of articles in an API response, in order of preference when an object holds
several lists of objects (NewsAPI `articles`, Alpha Vantage `feed`, rss2json `items`, feedparser
`entries`, Elasticsearch `hits`, StockTwits and Telegram `messages`, most others `data`/`results`)."""
_LOCAL_CLOCKS = {"date_unixtime": frozenset({"date"})}
"""A time field -> its twins that write the same time on the exporting machine's clock without a
zone (Telegram Desktop: `date_unixtime` epoch seconds, `date` local wall time): read as UTC such a
twin would shift every message by the machine's offset, so it is never read, not even where an
article leaves the chosen field empty."""
_XML_ITEM_LISTS = ("item", "entry")
"""The article element names of RSS (`item`) and Atom (`entry`), which XML-to-JSON converters
(xmltodict, rss-parser) keep as list names: an object holding such a list of articles is a channel
or feed, though it has a title and description of its own."""
URL_IDS = frozenset({"url", "link", "article_url"})
"""doc_id names that hold the article's URL: a row that leaves it blank gets a content id (`_content_id`)."""
JSON_FEED_VERSION = "https://jsonfeed.org/version/"
"""How a JSON Feed (jsonfeed.org) names its version: its articles are `items`."""
_JSON_ERROR_KEYS = frozenset({"message", "error", "errors", "error_message", "detail", "title", "information", "note",
                              "code", "status"})
"""Keys (lowercased, spaces and hyphens read as '_') whose values an API's error response carries
(NewsAPI `status`/`code`/`message`, Alpha Vantage `Information`/`Note`/`Error Message`, RFC 7807
`title`/`detail`): quoted when a JSON file holds no articles."""
_EXTENDED_JSON = frozenset({"$oid", "$date", "$numberLong", "$numberInt", "$numberDouble", "$numberDecimal"})
"""MongoDB Extended JSON wrappers (mongoexport): `{"$oid": "..."}` is the value inside."""
_ZONED_TIME_WALL = frozenset({"date", "datetime", "time", "timestamp", "value", "local"})
_ZONED_TIME_ZONE = frozenset({"timezone", "tz", "zone", "tzid"})
"""Members of an object that is one time with its zone (`_zoned_time`), compared without case or
separators: PHP's DateTime `{"date", "timezone_type", "timezone"}`, an API's `{"dateTime", "timeZone"}`."""
_OFFSET_WRITTEN = re.compile(r"(?:[+-]\d{1,2}(?::?\d{2})?|Z)")


def _zoned_time(value: dict) -> str | None:
    """The text of a JSON object that writes one time as a wall-clock time and its zone, else None.

    PHP's `json_encode` of a DateTime (Laravel, Symfony) is `{"date": "2024-05-02 09:00:00.000000",
    "timezone_type": 3, "timezone": "Europe/Helsinki"}` (type 1 an offset, `-04:00`; type 2 an
    abbreviation, `EET`), and calendar-style APIs write `{"dateTime": ..., "timeZone": ...}`: the
    zone is the time's own, so the two are read as one text, an offset or `Z` after a space
    (`2024-05-02 11:30:00.000000 -04:00`), any other zone as RFC 9557's region in brackets
    (`2024-05-02 09:00:00.000000[Europe/Helsinki]`), which `parse_timestamp` reads in that zone,
    checks against an offset the time writes too, and refuses when it names no zone it knows.
    Flattened instead, the zone was an ignored `<key>_timezone` field and the time was taken as UTC.
    Returns None unless the object has exactly one wall-time member (_ZONED_TIME_WALL) and one zone
    member (_ZONED_TIME_ZONE), both strings, and nothing else but PHP's `timezone_type`."""
    members = {re.sub(r"[^a-z]", "", str(key).lower()): item for key, item in value.items()}
    members.pop("timezonetype", None)
    wall = [members[key] for key in members if key in _ZONED_TIME_WALL]
    zone = [members[key] for key in members if key in _ZONED_TIME_ZONE]
    if len(members) != 2 or len(wall) != 1 or len(zone) != 1 or not all(
            isinstance(item, str) and item.strip() for item in (*wall, *zone)):
        return None
    written, named = wall[0].strip(), zone[0].strip()
    return f"{written} {named}" if _OFFSET_WRITTEN.fullmatch(named) else f"{written}[{named}]"


_TICKER_KEYS = ("ticker", "symbol")
"""Members naming a stock in a list of objects (Alpha Vantage `ticker_sentiment`, Marketaux
`entities`); in a list named like a ticker field (Benzinga `stocks`) `name` does too."""
_POWERSHELL_CUT = re.compile(r"@\{[^{}]*\}")
"""What PowerShell's ConvertTo-Json writes for an object nested past its -Depth (default 2):
'@{id=reuters; name=Reuters}', a text that is not the value."""


@dataclass
class _Unreadable:
    """A JSON Lines line that is not valid JSON: its text and what the decoder said (its record
    gives where: the line, and the column where it breaks)."""

    raw: str
    message: str


@dataclass
class _JsonRecord:
    """One record of a JSON feed: an article object (or, to be quarantined, anything else found
    where articles are, or an unreadable line), where it opens in the file, its number in the file."""

    number: int
    line: int
    column: int
    value: object


def _json_error(path: Path, text: str, exc: json.JSONDecodeError, what: str) -> FileRefused:
    end = " (the text stops before the JSON closes: a truncated download?)" if _json_left_open(text) else ""
    at = text[exc.pos:exc.pos + 2]
    if at in ("//", "/*") or at[:1] == "#":
        end = " (a comment: JSON has none; JSONC and JSON5 files must lose their comments)"
    elif at[:1] in ("]", "}") and text[:exc.pos].rstrip().endswith(","):
        end = " (a comma before the closing bracket: a trailing comma, which JSON does not allow)"
    return FileRefused(f"{path}: line {exc.lineno} column {exc.colno}: not valid JSON ({exc.msg}){end}; {what}")


def _json_left_open(text: str) -> bool:
    """Whether `text` ends inside a string, or with an object or array never closed: JSON cut off."""
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
    return in_string or depth > 0


def _json_position(text: str, offset: int) -> tuple[int, int]:
    """(line, column), both 1-based, of character `offset` of `text`."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


class _RepeatedKeys(dict):
    """A JSON object that writes a member name more than once with different values: the decoder
    keeps the last, so `repeated` holds {name: [each value, in the order written]}."""

    repeated: dict[str, list[object]]


def _object_pairs(pairs: list[tuple[str, object]]) -> dict:
    """json's object_pairs_hook: the object as a dict (the last of a repeated name wins, as in
    json.loads), a `_RepeatedKeys` when a name repeats with another value (a string-building
    exporter that appends defaults after the real fields writes `"body": ""` again)."""
    found: dict[str, object] = {}
    repeated: dict[str, list[object]] = {}
    for name, value in pairs:
        if name in found and found[name] != value:
            repeated.setdefault(name, [found[name]]).append(value)
        found[name] = value
    if not repeated:
        return found
    marked = _RepeatedKeys(found)
    marked.repeated = repeated
    return marked


def _repeated_keys(value: object, prefix: str = "") -> dict[str, list[object]]:
    """{field path: values} of every name an article object, or one nested in it, repeats."""
    found: dict[str, list[object]] = {}
    if isinstance(value, dict):
        for name, values in getattr(value, "repeated", {}).items():
            found[prefix + name] = values
        for name, member in value.items():
            found |= _repeated_keys(member, f"{prefix}{name}.")
    elif isinstance(value, list):
        for member in value:
            found |= _repeated_keys(member, prefix)
    return found


class _ConstantFound(ValueError):
    """Python's json met `NaN`, `Infinity` or `-Infinity` (the constant is the message)."""


def _no_constant(name: str) -> object:
    raise _ConstantFound(name)


_DECODER = json.JSONDecoder(object_pairs_hook=_object_pairs, parse_constant=_no_constant)
_STRING_OR_CONSTANT = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)')


def _constant_error(text: str, start: int, name: str) -> json.JSONDecodeError:
    """The error of the JSON document at text[start] that writes the constant `name` (`NaN`,
    `Infinity`, `-Infinity`: Python's json.dumps writes them for a float that is not a number or
    is infinite, and Python's json reads them back, but JSON has none), at the first one written
    outside a string, so that its line and column are named as any other break is."""
    found = next(m for m in _STRING_OR_CONSTANT.finditer(text, start) if m[1])
    return json.JSONDecodeError(f"{found[1]} is no JSON value: Python's json.dumps writes it for a float that is "
                                "not a number or is infinite; write null for a missing value", text, found.start(1))
"""The decoder of news JSON: as json's, and marking objects that repeat a name (`_RepeatedKeys`)."""


def _json_values(text: str) -> list[tuple[int, object]]:
    """(offset, value) of each JSON document in `text`, one after another: one for a response
    saved as is, several for pages appended to one file (`curl >> feed.json`) or JSON Lines.

    Raises:
        json.JSONDecodeError: the text is not a sequence of JSON documents, or writes Python's
            `NaN`, `Infinity` or `-Infinity`, which JSON has not (`_constant_error`).
    """
    decoder = _DECODER
    values, position = [], _JSON_WHITESPACE.match(text).end()
    while position < len(text):
        try:
            value, stop = decoder.raw_decode(text, position)
        except _ConstantFound as found:
            raise _constant_error(text, position, str(found)) from None
        values.append((position, value))
        position = _JSON_WHITESPACE.match(text, stop).end()
    return values


def _json_array_items(text: str, start: int) -> Iterator[tuple[int, object]]:
    """(offset, value) of each element of the JSON array whose '[' is at text[start]; the text is
    known to be valid JSON there (it was decoded whole before), so the walk needs no error handling:
    it skips white space and the ',' between elements, decoding each element where it starts."""
    decoder = _DECODER
    position = _JSON_WHITESPACE.match(text, start + 1).end()
    if text[position] == "]":
        return
    while True:
        value, end = decoder.raw_decode(text, position)
        yield position, value
        position = _JSON_WHITESPACE.match(text, end).end()
        if text[position] == "]":
            return
        position = _JSON_WHITESPACE.match(text, position + 1).end()  # past the ','


def _json_member_offset(text: str, start: int, name: str) -> int:
    """Offset of the value of the last member `name` (as JSON's decoder keeps the last of repeated
    names) of the JSON object whose '{' is at text[start]; the text is known to be valid JSON."""
    decoder = json.JSONDecoder()
    position, found = _JSON_WHITESPACE.match(text, start + 1).end(), -1
    while text[position] != "}":
        key, end = decoder.raw_decode(text, position)
        position = _JSON_WHITESPACE.match(text, _JSON_WHITESPACE.match(text, end).end() + 1).end()  # past ':'
        if key == name:
            found = position
        _, end = decoder.raw_decode(text, position)
        position = _JSON_WHITESPACE.match(text, end).end()
        if text[position] == ",":
            position = _JSON_WHITESPACE.match(text, position + 1).end()
    return found


def _key(name: object) -> str:
    """A member name compared as FEED_ALIASES compares names ('Error Message' -> 'error_message')."""
    return _normalise_name(str(name))


def _is_article_list(value: object) -> bool:
    """A JSON list that may hold articles: empty, or with an object among its items (an item of
    another kind is quarantined, not a reason to refuse the others)."""
    return isinstance(value, list) and (not value or any(isinstance(item, dict) for item in value))


def _own_text(article: dict) -> bool:
    """Whether an object carries a headline or body of its own, as a plain member or one an API
    nests (`_nested_text`): an article, even one holding lists of related stories or keywords; an
    API page's text is only its feed's, nested deeper. A `message` (_ERROR_TEXT) counts only in an
    object with a time of its own (`_dated`): a Logstash event, a Facebook post; an API's envelope
    (`{"status": "ok", "message": "success", "data": [...]}`) or error (`{"message": "Not Found"}`)
    says one too."""
    weak = frozenset() if _dated(article) else _ERROR_TEXT
    return any((isinstance(value, str) or _nested_text(name, value) is not None or _rich_text(value) is not None)
               and _names_text(name) and _key(name) not in weak for name, value in article.items())


_ERROR_TEXT = frozenset({"message"})
"""A text member that an API's envelope and error response carry too (NewsAPI's and GitHub's
`message`): it makes an object an article only when the object is dated (`_own_text`)."""

_TIME_MEMBER = re.compile(r"(?:^|[_@])(?:timestamp|time|date|datetime|ts)$|_at$|_utc$")
"""Member names (as `_key` writes them) that say a time, beyond the published_at aliases:
Logstash's `@timestamp`, Facebook's `created_time`, `updated_at`; not `timeout` or `runtime`."""


def _dated(value: dict) -> bool:
    """Whether an object has a member named as a time (_TIME_MEMBER, a published_at alias) with a
    plain value (not Portuguese `data` holding an envelope's list)."""
    plain = [name for name, member in value.items() if isinstance(member, (str, int, float)) and member != ""]
    return _has_time(plain) or any(_TIME_MEMBER.search(_key(name)) for name in plain)


def _names_text(name: object) -> bool:
    """Whether a member's name is an alias of a headline or a body (TEXT_FIELDS)."""
    return any(_key(name) in FEED_ALIASES[field] for field in TEXT_FIELDS)


def _rich_text(value: object) -> str | None:
    """The text of a headline or body written as a rich-text structure, paragraph by paragraph
    with a blank line between paragraphs and the inline pieces of one paragraph joined as written;
    None when the value is no such structure, or holds no text.

    - Telegram's inline pieces, strings among objects:
      `["Net ", {"type": "bold", "text": "sales rose"}, " 4 %"]` -> 'Net sales rose 4 %';
    - a list of paragraph objects, each with its text under a _RICH_TEXT_MEMBERS name:
      `[{"type": "p", "text": "Sales rose."}, {"type": "p", "text": "Costs fell."}]` ->
      'Sales rose.\n\nCosts fell.';
    - nested blocks, as CMS exports write them: Portable Text (`_type: "block"` with `children`
      spans), Slate (`children: [{"text": ...}]`), ProseMirror and TipTap
      (`{"type": "doc", "content": [{"type": "paragraph", "content": [{"type": "text", ...}]}]}`),
      Contentful (`nodeType`, `value`), Draft.js (`{"blocks": [{"text": ..., "type": "unstyled"}]}`),
      Editor.js (`{"blocks": [{"type": "paragraph", "data": {"text": ...}}]}`), Lexical
      (`{"root": {"children": [...]}}`).

    A list of plain strings is no rich text (its paragraphs are joined by `_flatten_json`); nor is a
    list of objects that name a headline (articles), nor one in which no object holds text: such a
    list is no field (`ignored_lists`). Pieces without text (an image block) add nothing.
    """
    if isinstance(value, dict):
        root = value.get("root") if isinstance(value.get("root"), dict) else value  # Lexical
        return _rich_node_text(root, 0) if _rich_children(root) is not None else None
    if not isinstance(value, list) or not any(isinstance(item, dict) for item in value):
        return None
    if (parts := alternative_parts(value)) is not None:  # one text in several types: read one
        return parts.get("text/plain", parts.get("text/html"))
    return _rich_pieces_text(value, 0)


_MIME_TYPE_MEMBERS = ("type", "mimetype", "mime_type", "content_type", "contenttype", "media_type")
_ALTERNATIVE_TYPES = {"text/plain": "text/plain", "text/html": "text/html", "application/xhtml+xml": "text/html"}
"""MIME types of one content's alternative parts (RFC 2046 multipart/alternative, as mail and
feed APIs give them): plain text, and HTML (XHTML counts as HTML)."""


def alternative_parts(value: object) -> dict[str, str] | None:
    """The parts of a field written as alternative representations of one content, by MIME type
    ('text/plain', 'text/html'): a list of two or more objects, each naming its type (`type`,
    `mimeType`, `content_type`...: _MIME_TYPE_MEMBERS; parameters such as '; charset=utf-8' aside)
    and holding its text under `value`, `content`, `text` or `body`:
    `[{"type": "text/plain", "value": "Omega cut jobs."}, {"type": "text/html", "value":
    "<p>Omega cut jobs.</p>"}]` -> {'text/plain': 'Omega cut jobs.', 'text/html': '<p>Omega cut
    jobs.</p>'}. The first part of each type counts. None for any other value (a list of paragraphs
    or rich-text nodes)."""
    if not isinstance(value, list) or len(value) < 2 or not all(isinstance(item, dict) for item in value):
        return None
    parts: dict[str, str] = {}
    for item in value:
        members = {_key(str(name)).replace("_", ""): inner for name, inner in item.items()}
        kind = next((members[name.replace("_", "")] for name in _MIME_TYPE_MEMBERS
                     if isinstance(members.get(name.replace("_", "")), str)), None)
        text = next((item[name] for name in ("value", "content", "text", "body") if isinstance(item.get(name), str)), None)
        kind = _ALTERNATIVE_TYPES.get(kind.split(";")[0].strip().lower()) if kind else None
        if kind is None or text is None:
            return None
        parts.setdefault(kind, text)
    return parts


_JSON_FEED_ALTERNATIVES = ("content_text", "content_html")
"""JSON Feed's two representations of an item's one content (version 1.1): plain text and HTML."""


def alternatives_differ(article: dict) -> list[str]:
    """The fields of an article object whose alternative representations of one content
    (`alternative_parts`, JSON Feed's `content_text` beside `content_html`) read differently once
    cleaned (`clean_text`): the one read (plain text) may lack what the other says. [] when they
    agree or the article has none."""
    differ = []
    for name, value in article.items():
        if (parts := alternative_parts(value)) is not None and len(set(
                clean_text(text).text for text in parts.values())) > 1:
            differ.append(str(name))
    texts = [article.get(name) for name in _JSON_FEED_ALTERNATIVES]
    if all(isinstance(text, str) and text.strip() for text in texts) and len({clean_text(t).text for t in texts}) > 1:
        differ.append(" and ".join(_JSON_FEED_ALTERNATIVES))
    return differ


_RICH_TEXT_MEMBERS = ("text", "value", "content", "plain", "insert")
"""Members that hold a rich-text node's own text, in order: `text` (Portable Text spans, Slate,
ProseMirror, Draft.js, Telegram), `value` (Contentful), `content`, `plain`, `insert` (Quill)."""

_RICH_CHILDREN = ("children", "content", "blocks", "nodes")
"""Members that hold a rich-text node's inner nodes as a list (Portable Text, Slate and Lexical
`children`; ProseMirror and Contentful `content`; Draft.js and Editor.js `blocks`; `nodes`)."""

_INLINE_NODES = frozenset({
    "text", "span", "bold", "italic", "underline", "strikethrough", "strike", "code", "link", "text_link", "url",
    "autolink", "mention", "hashtag", "cashtag", "email", "phone", "phone_number", "bot_command", "spoiler",
    "custom_emoji", "emoji", "hyperlink", "entry_hyperlink", "asset_hyperlink", "strong", "em", "a", "b", "i", "u",
    "s", "sub", "sup", "tab"})
"""Node types (`type`, `_type`, `nodeType`, compared as `_key` writes them) that are pieces of a
paragraph, joined to their neighbours as written; any other typed node is a block (a paragraph)."""

_LINE_BREAK_NODES = frozenset({"hard_break", "hardbreak", "linebreak", "line_break", "br"})
"""Node types that break a line inside a paragraph (ProseMirror's `hard_break`, Lexical's `linebreak`)."""


def _rich_type(node: dict) -> str | None:
    """A rich-text node's type (`type`, `_type` or `nodeType`), as `_key` writes it; None untyped."""
    kind = next((node[name] for name in ("type", "_type", "nodeType") if isinstance(node.get(name), str)), None)
    return None if kind is None else _key(kind)


def _rich_children(node: dict) -> list | None:
    """A rich-text node's inner nodes (the first _RICH_CHILDREN member that is a list), or None."""
    return next((node[name] for name in _RICH_CHILDREN if isinstance(node.get(name), list)), None)


def _rich_node_text(node: object, depth: int) -> str | None:
    """The text of one rich-text node: a string as written; an object's inner nodes
    (`_rich_pieces_text`), else its Editor.js `data.text`, else its first _RICH_TEXT_MEMBERS string;
    a line break's '\n'. None for an object that names a headline (an article, not a node) or
    holds no text."""
    if isinstance(node, str):
        return node
    if not isinstance(node, dict) or "headline" in _feed_columns([str(name) for name in node]):
        return None
    if _rich_type(node) in _LINE_BREAK_NODES:
        return "\n"
    if (children := _rich_children(node)) is not None:
        return _rich_pieces_text(children, depth + 1)
    if isinstance(data := node.get("data"), dict) and isinstance(data.get("text"), str):
        return data["text"]
    return next((node[name] for name in _RICH_TEXT_MEMBERS if isinstance(node.get(name), str)), None)


def _rich_pieces_text(items: list, depth: int) -> str | None:
    """The text of a list of rich-text nodes at `depth` (0: a field's own list): inline pieces (strings,
    _INLINE_NODES, an untyped leaf inside a node) are joined as written into one paragraph;
    blocks (any other node, an untyped leaf at depth 0) are paragraphs of their own; paragraphs are
    joined by a blank line. A list with a string among its items is inline throughout (Telegram).
    None when no item holds text."""
    texts = [_rich_node_text(item, depth) for item in items]
    if all(text is None for text in texts):
        return None
    inline_all = any(isinstance(item, str) for item in items)
    paragraphs: list[str] = []
    run: list[str] = []
    for item, text in zip(items, texts):
        kind = _rich_type(item) if isinstance(item, dict) else None
        inline = (inline_all or isinstance(item, str) or kind in _INLINE_NODES or kind in _LINE_BREAK_NODES
                  or (kind is None and depth > 0 and _rich_children(item) is None))
        if inline:
            run.append(text or "")
            continue
        paragraphs.append("".join(run))
        run = []
        paragraphs.append(text or "")
    paragraphs.append("".join(run))
    return "\n\n".join(paragraph for paragraph in paragraphs if paragraph.strip())


_TEXT_HOLDERS = ("text", "value", "main", "rendered", "content", "body", "plain", "html")
"""Members that hold a headline's or body's text when an API nests it in an object, in order of
preference: the New York Times' `headline: {"main": ..., "kicker": ...}`, WordPress's
`title: {"rendered": ...}`, `body: {"text": ..., "lang": "en"}`, XML-to-JSON's `{"#text": ...}`."""


def _nested_text(name: object, value: object) -> str | None:
    """The text of a headline or body (a member named by a TEXT_FIELDS alias) that an API nests in
    an object, from its first member named in _TEXT_HOLDERS that holds a string; None otherwise."""
    if not isinstance(value, dict) or not _names_text(name):
        return None
    held = {str(member).lower().lstrip("#_$"): inner for member, inner in value.items() if isinstance(inner, str)}
    return next((held[holder] for holder in _TEXT_HOLDERS if holder in held), None)


def _article_list(page: dict) -> tuple[tuple[str, ...], list | dict] | None:
    """The path to the list of articles an API page holds, and the list: ('articles',) in
    NewsAPI's response; ('hits', 'hits') in Elasticsearch's (one object down); ('rss', 'channel',
    'item') in an RSS feed converted to JSON (_XML_ITEM_LISTS). Of several lists of objects, the
    first named in _JSON_ARTICLE_LISTS (`_articles_in` reads the others that hold articles too,
    `_other_article_lists`); an empty named list when no list has items. None for an
    object with a headline or body of its own (an article), or without such a list. A converted
    feed of one item holds it as an object, not a list: that object comes back.

    Raises:
        FileRefused: (a message without the file) several lists hold objects and none is named as
            the articles.
    """
    lists = [name for name, value in page.items() if _is_article_list(value)
             and not (_names_text(name) and _rich_text(value) is not None)]
    if str(page.get("version", "")).startswith(JSON_FEED_VERSION) and isinstance(page.get("items"), list):
        return ("items",), page["items"]  # JSON Feed: a title of its own beside its items
    xml_items = [name for name, value in page.items() if _key(name) in _XML_ITEM_LISTS and (
        any(isinstance(item, dict) and _own_text(item) for item in value) if isinstance(value, list)
        # a lone item: only one that is dated or identified as RSS and Atom items are, not an
        # article's own `item` object (a product it names)
        else isinstance(value, dict) and _own_text(value)
        and bool({"doc_id", "published_at"} & set(_feed_columns(list(_flatten_json(value))))))]
    if xml_items:  # an RSS channel or Atom feed converted to JSON: its own title is the feed's
        return (xml_items[0],), page[xml_items[0]]  # a dict when the feed holds one item (xmltodict)
    streamed = _streamed_lists(page, lists)
    if _own_text(page) and not streamed:  # an article, even one holding a list of related stories
        return None
    if len(streamed) == 1:  # a feed reader's stream: its own title and id beside its articles
        return (streamed[0],), page[streamed[0]]
    filled = [name for name in lists if page[name]]
    named = [name for known in _JSON_ARTICLE_LISTS for name in filled if _key(name) == known]
    chosen = named[0] if named else filled[0] if len(filled) == 1 else None
    if chosen is not None:
        return (chosen,), page[chosen]
    if filled:
        raise FileRefused(f"a JSON object with several lists of objects ({', '.join(map(str, filled))}) and none named "
                          f"as the articles ({', '.join(_JSON_ARTICLE_LISTS)}); which one holds them?")
    for name, value in page.items():  # Elasticsearch: {"hits": {"total": ..., "hits": [...]}}
        if isinstance(value, dict) and (inner := _article_list(value)) is not None and inner[1]:
            return (name, *inner[0]), inner[1]
    empty = [name for known in _JSON_ARTICLE_LISTS for name in lists if _key(name) == known]
    return ((empty[0],), []) if empty else None


def _other_article_lists(page: dict, chosen: str) -> list[str]:
    """The lists of `page` beside its list of articles `chosen` whose objects are articles too,
    each giving a headline or body (`{"articles": [...], "data": [...]}`: two lists an export
    joined, or a page and its pinned stories): read as well, never left out without a word. A
    list of other objects (NewsAPI's `sources`, authors, a rich-text headline) is not one."""
    return [name for name, value in page.items() if name != chosen and isinstance(value, list)
            and not (_names_text(name) and _rich_text(value) is not None)
            and any(isinstance(item, dict) and {"headline", "body"} & _filled_fields(item) for item in value)]


def _filled_fields(value: dict) -> set[str]:
    """The feed fields (`_feed_columns`) an object gives a value, its lists of objects aside."""
    return set(_feed_columns([name for name, text in _flatten_json(value).items() if text.strip()]))


def _streamed_lists(page: dict, lists: list[str]) -> list[str]:
    """The lists of articles of an object that is a stream, not an article: it has a title (or id)
    but neither a body nor a publication time of its own, and a list among `lists` holds objects
    that are articles (a headline or body, with a body or a publication time). Feedly's and
    Inoreader's streams (`{"id": "feed/...", "title": "Reuters: Business News", "items": [...]}`)
    read as one article would load the stream's title and drop every item; an article holding
    related stories (titles and links) has a body or a time of its own, or stories without them."""
    if {"body", "published_at"} & _filled_fields(page):
        return []
    return [name for name in lists if any(
        isinstance(item, dict) and {"headline", "body"} & (fields := _filled_fields(item))
        and {"body", "published_at"} & fields for item in page[name])]


def _error_said(document: dict) -> dict[str, object]:
    """What an API's error response says (its members named in _JSON_ERROR_KEYS, and those of a
    nested `error` object), or {} when `document` is no error: its status is neither 'error' nor an
    HTTP error code, it is no RFC 7807 problem (`type` with `detail`), and it has no error member
    (`error`, `Information`, ...) or has a headline or body of its own (an article with a note). An
    undated object whose only text is a `message` (`_own_text`), and which holds no object or list,
    is an error too: GitHub's
    `{"message": "Not Found", "documentation_url": ...}`, AWS API Gateway's `{"message":
    "Forbidden"}`, a rate-limit answer among pages; a Logstash event has its `@timestamp`."""
    keys = {_key(name): name for name in document}
    status = document.get(keys.get("status", ""))
    is_error = (str(status).lower() in ("error", "failed", "fail") or (isinstance(status, int) and status >= 400)
                or {"type", "detail"} <= set(keys)  # RFC 7807 problem details, whose `title` is no headline
                # an article may carry a `note` or `errors` field of its own: only a text-less object is an error
                or (bool({"error", "errors", "error_message", "information", "note"} & set(keys))
                    and not _own_text(document))
                # a flat, undated object that says only a `message`; an envelope holds its articles
                or (any(isinstance(document.get(keys.get(name, "")), str) for name in _ERROR_TEXT)
                    and not _own_text(document)
                    and not any(isinstance(value, (dict, list)) for value in document.values())))
    if not is_error:
        return {}
    said = {name: value for name, value in document.items()
            if _key(name) in _JSON_ERROR_KEYS and not isinstance(value, (dict, list))}
    nested = document.get(keys.get("error", ""))
    if isinstance(nested, dict):
        said.update({f"error.{name}": value for name, value in nested.items() if not isinstance(value, (dict, list))})
    return said


def _no_articles(path: Path, document: object) -> FileRefused:
    """The refusal of a JSON file in which no articles were found, saying what it holds instead."""
    if isinstance(document, dict):
        if said := _error_said(document):
            return FileRefused(f"{path}: an API's error response saved as a feed, not articles; it says {said}")
        return FileRefused(f"{path}: a JSON object holding no list of articles (members: "
                           f"{', '.join(map(str, list(document)[:12]))})")
    if isinstance(document, list):
        kinds = sorted({type(item).__name__ for item in document if not isinstance(item, dict)})
        values = (" (pandas' to_json(orient='values') writes rows without their column names: write "
                  "orient='records')" if document and all(isinstance(item, list) for item in document) else "")
        return FileRefused(f"{path}: a JSON list with no article object among its items (found {', '.join(kinds)})"
                           f"{values}; a JSON feed is a list of objects, an object holding one, or one object per line")
    return FileRefused(f"{path}: a JSON {type(document).__name__}, not a feed: a JSON feed is a list of article "
                       "objects, an object holding one, or one object per line")


def _articles_in(path: Path, text: str, offset: int, value: object, found_in: set[str]) -> list[tuple[int, object]]:
    """(offset, object) of the articles in one JSON value opening at text[offset]: an API page's
    list (`_article_list`), each item of a list (pages expanded), or the value itself (an article,
    or anything else, to be quarantined). `found_in` collects where lists were found."""
    if isinstance(value, list):
        return [article for at, item in _json_array_items(text, offset)
                for article in _articles_in(path, text, at, item, found_in)]
    if isinstance(value, dict) and (frame := _pandas_frame(text, offset, value)) is not None:
        found_in.add(frame[0])
        return frame[1]
    if isinstance(value, dict) and not _error_said(value):
        try:
            found = _article_list(value)
        except FileRefused as exc:
            raise FileRefused(f"{path}: line {_json_position(text, offset)[0]}: {exc}") from None
        if found is not None:
            names, articles = found
            where = offset
            for name in names:
                where = _json_member_offset(text, where, name)
            found_in.add(".".join(names))
            holders = [value]  # the objects down the path: an RSS channel's title is two levels down
            for name in names[:-1]:
                holders.append(holders[-1][name])
            title = next((t for holder in reversed(holders) if (t := _page_title(holder))), None)
            members = ([(where, articles)] if isinstance(articles, dict)  # a converted feed's one item
                       else _json_array_items(text, where) if articles else [])
            holder_at = offset
            for name in names[:-1]:
                holder_at = _json_member_offset(text, holder_at, name)
            for other in _other_article_lists(holders[-1], names[-1]):  # `{"articles": [...], "data": [...]}`
                found_in.add(".".join((*names[:-1], other)))
                members = [*members, *_json_array_items(text, _json_member_offset(text, holder_at, other))]
            return [(at, _with_source(article, title)) for at, item in members
                    for at, article in _articles_in(path, text, at, item, found_in)]
        if (wrapped := _thing_data(value)) is not None:  # Reddit's {"kind": "t3", "data": {post}}
            return [(_json_member_offset(text, offset, "data"), wrapped)]
        if _keyed_by_id(value):
            positions = list(value) == [str(n) for n in range(len(value))]
            found_in.add(KEYED_BY_POSITION if positions else KEYED_BY_ID)
            return [(_json_member_offset(text, offset, key),
                     {**article, "index": key} if positions and "index" not in article else
                     article if positions else _with_id(key, article)) for key, article in value.items()]
        keyed = [name for name, member in value.items() if isinstance(member, dict) and _keyed_by_id(member)]
        if len(keyed) == 1 and not _own_text(value):  # {"data": {"<id>": {article}, ...}}
            where = _json_member_offset(text, offset, keyed[0])
            found_in.add(f"{keyed[0]}: {KEYED_BY_ID}")
            return [(_json_member_offset(text, where, key), _with_id(key, article))
                    for key, article in value[keyed[0]].items()]
    return [(offset, value)]


PANDAS_COLUMNS = "pandas' to_json(orient='columns'), its default: one object per column, keyed by row"
PANDAS_SPLIT = "pandas' to_json(orient='split'): columns, index and data rows"
"""Where `_articles_in` found a data frame's rows (notes['articles_in'])."""


def _pandas_frame(text: str, offset: int, value: dict) -> tuple[str, list[tuple[int, object]]] | None:
    """A data frame that pandas' `DataFrame.to_json` wrote column-oriented, as (where, articles),
    else None. The articles are the frame's rows as objects, in the file's row order, each opening
    where its value of the first column does, with the row's index label as a field `index` (a
    default index numbers rows; read as no id, it is listed under `ignored_columns`; pandas'
    `orient='records'` leaves it out):

    - `orient='columns'` (the default): `{"headline": {"0": ..., "1": ...}, "published_at": {"0":
      1714640400000, ...}}` (times in epoch milliseconds, its default `date_unit`): every member an
      object of plain values under the same row labels, the member names naming a headline or a body;
      an article's nested text (`title: {"rendered": ...}`) is no column, nor are labels that name an
      article's own fields (`{"article": {"date": ..., "headline": ...}}` is one article wrapped);
    - `orient='split'`: `{"columns": [...], "index": [...], "data": [[...], ...]}` (`index` absent
      when written with index=False), the columns naming a headline or a body, every row a list. A
      row of another length than the columns stays a list, quarantined (`malformed_json`).

    Read as an API page, the first would be one article whose fields are `headline_0`,
    `headline_1`, ..., the second a list of lists that holds no article objects."""
    if {"columns", "data"} <= value.keys() <= {"columns", "data", "index"}:
        columns, data, index = value["columns"], value["data"], value.get("index")
        if not (isinstance(columns, list) and all(isinstance(c, str) for c in columns) and isinstance(data, list)
                and all(isinstance(row, list) for row in data) and {"headline", "body"} & _feed_columns(columns).keys()):
            return None
        labels = index if isinstance(index, list) and len(index) == len(data) else None
        rows = []
        for n, (at, row) in enumerate(_json_array_items(text, _json_member_offset(text, offset, "data")) if data else []):
            if len(row) != len(columns):
                rows.append((at, row))
                continue
            article = dict(zip(columns, row, strict=True))
            rows.append((at, article if labels is None or "index" in article else {**article, "index": labels[n]}))
        return PANDAS_SPLIT, rows
    members = list(value.values())
    if not (members and all(isinstance(m, dict) and m for m in members)
            and {"headline", "body"} & _feed_columns(list(value)).keys()
            and all(_nested_text(name, member) is None for name, member in value.items())
            and all(m.keys() == members[0].keys() and not any(isinstance(v, dict) for v in m.values()) for m in members)
            # row labels are an index's, never an article's own fields: `{"article": {"date": ..., "headline": ...}}`
            # is one article wrapped, not a frame of one column
            and not {"headline", "body", "published_at"} & _feed_columns(list(members[0])).keys()):
        return None
    first = _json_member_offsets(text, _json_member_offset(text, offset, next(iter(value))))
    return PANDAS_COLUMNS, [
        (first[label], {**{name: member[label] for name, member in value.items()},
                        **({} if "index" in value else {"index": label})})
        for label in members[0]]


def _json_member_offsets(text: str, start: int) -> dict[str, int]:
    """Offset of each member's value of the JSON object whose '{' is at text[start] (of a repeated
    name, the last, as JSON's decoder keeps it); the text is known to be valid JSON."""
    decoder = json.JSONDecoder()
    position, found = _JSON_WHITESPACE.match(text, start + 1).end(), {}
    while text[position] != "}":
        key, end = decoder.raw_decode(text, position)
        position = _JSON_WHITESPACE.match(text, _JSON_WHITESPACE.match(text, end).end() + 1).end()  # past ':'
        found[key] = position
        _, end = decoder.raw_decode(text, position)
        position = _JSON_WHITESPACE.match(text, end).end()
        if text[position] == ",":
            position = _JSON_WHITESPACE.match(text, position + 1).end()
    return found


_THING_KINDS = frozenset({"kind", "type"})
"""Members beside `data` of an object that only wraps an article: Reddit's "thing"
(`{"kind": "t3", "data": {post}}`, each child of a Listing)."""


def _thing_data(value: dict) -> dict | None:
    """The article an object wraps, else None: its `data` object, when that has a headline or body
    of its own and the wrapper has nothing else but plain _THING_KINDS members. The wrapper's
    `kind` is kept as a field of the article (listed under `ignored_columns` like any other), unless
    the article names its own; read as one record, the post's fields would be `data_title`,
    `data_selftext`, `data_id` and its text, id and time would go unread."""
    data = value.get("data")
    rest = {name: member for name, member in value.items() if name != "data"}
    if not (isinstance(data, dict) and _own_text(data) and rest and set(rest) <= _THING_KINDS
            and all(isinstance(member, str) for member in rest.values())):
        return None
    return {**rest, **data}


KEYED_BY_POSITION = ("the members of an object keyed by row position 0, 1, 2, ... (pandas' to_json(orient='index') "
                     "of a default index): the positions are no article ids")
"""Where `_articles_in` found articles keyed "0" to "n-1": a data frame's default row numbers, which
the next day's file repeats for other articles; read as ids, that file would be quarantined whole as
revisions. Each position is kept as a field `index` (listed under `ignored_columns`), and the
articles are keyed as any article without an id."""
KEYED_BY_ID = "the members of an object keyed by article id"
"""Where `_articles_in` found articles in `{"<id>": {article}, ...}` (notes['articles_in'])."""


def _keyed_by_id(value: dict) -> bool:
    """An object whose members are articles under their ids (`{"a1": {"headline": ...}, "a2": ...}`:
    pandas' `to_json(orient="index")`, a key-value store's dump): at least two members, every one an
    object, none holding an article list, and at least one with a headline or body of its own; the
    object itself is no article. Read as one record, its articles would load as one row whose
    fields are the first article's (`a1_headline`) and the rest would be lost."""
    members = list(value.values())
    return (len(members) >= 2 and not _own_text(value) and all(isinstance(m, dict) for m in members)
            and any(_own_text(m) for m in members))


def _with_id(key: str, article: dict) -> dict:
    """The article under `key` with `key` as its `id`, unless it names an id of its own."""
    if "doc_id" in _feed_columns(list(_flatten_json(article))):
        return article
    return {"id": key, **article}


def _page_title(page: dict) -> str | None:
    """The title of the feed an API page carries (JSON Feed's `title`, rss2json's `feed.title`, an
    RSS channel's `title` converted to JSON, which `_articles_in` reads on the channel), or the
    name of the chat a Telegram Desktop export holds the messages of (`{"name": "Nordic Credit
    News", "type": "public_channel", "messages": [...]}`)."""
    for holder in (page, page.get("feed")):
        if isinstance(holder, dict) and isinstance(holder.get("title"), str) and holder["title"].strip():
            return holder["title"].strip()
    if (isinstance(page.get("messages"), list) and isinstance(page.get("name"), str) and page["name"].strip()
            and re.fullmatch(TELEGRAM_CHAT_TYPES, str(page.get("type", "")))):
        return page["name"].strip()
    return None


TELEGRAM_CHAT_TYPES = r"(?:public|private)_(?:channel|supergroup|group)|personal_chat|bot_chat|saved_messages"
"""The `type` of a chat in Telegram Desktop's JSON export (result.json): its `name` is then the
messages' source."""


def _with_source(article: object, title: str | None) -> object:
    """The article object with the feed's title as its `source` when it names none, even nested
    (Feedly's `origin.title`), as an RSS channel's title is its items' source."""
    if title is None or not isinstance(article, dict) or "source" in _filled_fields(article):
        return article
    return {**article, "source": title}


def _flatten_json(article: dict, prefix: str = "", ignored: set[str] | None = None,
                  paths: dict[str, tuple[str, ...]] | None = None, trail: tuple[str, ...] = ()) -> dict[str, str]:
    """One article object as text fields, the way a feed CSV would hold them.

    - a nested object's members are named '<outer>_<inner>' (NewsAPI's `source: {id, name}` ->
      `source_id`, `source_name`); Elasticsearch's `_source` object and MongoDB's Extended JSON
      wrappers (`{"$oid": ...}`, `{"$date": ...}`) are unwrapped in place, and a time written with
      its zone as one object (PHP's DateTime, `_zoned_time`) is one field; a headline or body
      nested in an object (`headline: {"main": ...}`, `_nested_text`) is also the field itself;
    - a list of plain values is joined by ', ' (tickers: `["AAPL", "MSFT"]`), a headline's or
      body's by a blank line (paragraphs);
    - a list of objects that name stocks (`ticker` or `symbol` members; `name` in a list named
      `stocks`, `tickers` or `symbols`) gives their tickers, joined, as `tickers` when the article has
      no such field; any other list of objects is no field, its name goes to `ignored`;
    - null is empty; numbers and booleans are written as JSON writes them.

    `paths`, when given, receives each field's keys from the article's top level (`meta_published`
    -> ('meta', 'published')), so that `_nested_columns` can read a field by its own name.
    """
    fields: dict[str, str] = {}
    stocks: list[str] = []
    for key, value in article.items():
        name = f"{prefix}_{key}" if prefix else str(key)
        if paths is not None:
            paths.setdefault(name, (*trail, str(key)))
        if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in _EXTENDED_JSON:
            fields.update(_flatten_json({key: next(iter(value.values()))}, prefix, ignored, paths, trail))
        elif isinstance(value, dict) and (zoned := _zoned_time(value)) is not None:
            fields[name] = zoned
        elif isinstance(value, dict) and _names_text(key) and _nested_text(key, value) is None and (
                text := _rich_text(value)) is not None:  # a rich-text document: ProseMirror's, Draft.js'
            fields[name] = text
        elif isinstance(value, dict):
            if (text := _nested_text(key, value)) is not None:
                fields[name] = text
            fields.update(_flatten_json(value, prefix if key == "_source" else name, ignored, paths,
                                        trail if key == "_source" else (*trail, str(key))))
        elif _names_text(key) and (text := _rich_text(value)) is not None:
            fields[name] = text
        elif isinstance(value, list) and any(isinstance(item, (dict, list)) for item in value):
            named = [item.get(next((k for k in item if _key(k) in _TICKER_KEYS
                                    or (_key(k) == "name" and _key(key) in ("stocks", "tickers", "symbols"))), ""))
                     for item in value if isinstance(item, dict)]
            if named and all(isinstance(n, str) and n for n in named):
                stocks += named
            elif ignored is not None:
                ignored.add(name)
        elif isinstance(value, list):
            paragraphs = _names_text(key)
            fields[name] = ("\n\n" if paragraphs else ", ").join(_json_scalar(item) for item in value if item is not None)
        else:
            fields[name] = _json_scalar(value)
    if stocks and "tickers" not in fields:
        fields["tickers"] = ", ".join(dict.fromkeys(stocks))
    return fields


def _json_scalar(value: object) -> str:
    return "" if value is None else value if isinstance(value, str) else json.dumps(value)


NESTED_FIELDS = ("doc_id", "published_at", "source", "ticker")
"""Feed fields also found by the last key of a nested field's path (`meta.published`,
`article.date`, `data.attributes.uuid`), when no field of the article names them whole."""

_SOURCE_NAME_KEYS = ("name", "title")
"""Members of an object named for the source (`source`, `publisher`, `meta.source`) that name it:
NewsAPI's and webz.io's `source.name`."""

_MEDIA_WORDS = frozenset({"image", "images", "img", "thumbnail", "thumbnails", "media", "video", "videos", "photo",
                          "photos", "picture", "logo", "avatar", "icon", "enclosure", "enclosures", "attachment",
                          "attachments", "og", "twitter_card"})
"""Objects whose `url` or `date` is a picture's or a file's, never the article's."""


def _nested_columns(header: list[str], paths: dict[str, tuple[str, ...]], found: dict[str, int],
                    ambiguous: dict[str, list[str]]) -> dict[str, int]:
    """canonical field -> index in `header` of a nested field that carries it, for NESTED_FIELDS that
    `found` (the fields named whole, `_feed_columns`) lacks.

    A nested field (`paths`: its keys, two or more) carries a field when its last key is one of
    the field's names (FEED_ALIASES, read as `_normalise_name` reads a name: `publishedAt`), or,
    for the source, when it is the `name` or `title` of an object named for the source
    (`source: {"id": null, "name": "Reuters"}`, `meta.source.name`). An object that describes
    someone or something else (OTHER_PARTY_WORDS: `user.created_at`, `source.id`,
    `author.url`) or a picture or file (_MEDIA_WORDS: `image.url`) never gives the article's id or
    time; nor its source, unless that object is the source. The shallowest one is read; of several
    at that depth, the one whose name its field's aliases rank first, as for two columns of a flat
    feed. Two that tie (`a.published` and `b.published`) leave the field unread: their names go to
    `ambiguous` (canonical -> names), never a guess."""
    chosen: dict[str, int] = {}
    for canonical in NESTED_FIELDS:
        if canonical in found:
            continue
        aliases = FEED_ALIASES[canonical]
        candidates = []
        for i, name in enumerate(header):
            keys = [_normalise_name(key) for key in paths.get(name, ())]
            if len(keys) < 2 or i in found.values():
                continue
            leaf, outer = keys[-1], set(keys[:-1])
            if canonical == "source" and leaf in _SOURCE_NAME_KEYS and keys[-2] in aliases:
                rank, outer = aliases.index(keys[-2]), set(keys[:-2])
            elif leaf in aliases:
                rank = aliases.index(leaf)
            else:
                continue
            if outer & (OTHER_PARTY_WORDS | _MEDIA_WORDS):
                continue
            candidates.append((len(keys), rank, i))
        if not candidates:
            continue
        best = min(candidates)[:2]
        tied = [i for depth, rank, i in candidates if (depth, rank) == best]
        if len(tied) > 1:
            ambiguous[canonical] = [".".join(paths[header[i]]) for i in tied]
            continue
        chosen[canonical] = tied[0]
    return chosen


def _has_time(names: Iterable[str]) -> bool:
    """Whether a published_at alias is among the field names (a flattened article's keys)."""
    return any(_key(name) in FEED_ALIASES["published_at"] for name in names)


ARTICLE_NUMBERS = "article numbers in the file, not lines: it puts several articles on one line"
"""notes['record_numbers'] of a JSON response that opens several articles on one line: its rows'
`_source_line` and its quarantined rows' `line` hold each article's number in the file, and its
messages name an article by that number first (`article 4 (line 3 column 1)`)."""


def record_place(parsed: ParsedFile, number: int) -> str:
    """A record's stored number (`_source_line`, a quarantined row's `line`) as a message names it:
    `line 5`, or where the file numbers its articles instead (`ARTICLE_NUMBERS`) `article 5 (line 3
    column 1)`, the line and column where it opens (`ParsedFile.places`; `article 5` alone where
    the file did not keep them)."""
    if number in parsed.places:
        return parsed.places[number]
    return f"{'article' if parsed.notes.get('record_numbers') == ARTICLE_NUMBERS else 'line'} {number}"


def _parse_json_feed(path: Path, out: _Collector, sha256: str, records: list[_JsonRecord],
                     loans_landing: str = JSON_LOANS_LANDING) -> ParsedFile:
    """Load article records into `out`: each object's fields are flattened (`_flatten_json`) and
    read as a feed CSV's record, its fields chosen among the names it gives a value (an article with
    no `id` but a `url` is known by its URL; one without either has no id). notes['columns'] names
    the fields chosen over all articles, in the order first seen. Lineage: an article's `_source_line` is the line
    where its object opens; when several open on one line (a response written without line
    breaks) it is the article's number in the file instead, and notes['record_numbers'] says so.

    Quarantined: a record that is no object, or no valid JSON (JSON Lines), as `malformed_json`; an
    API's error response among pages as `api_error`; a field holding PowerShell's text for a
    cut-off nested object as `nesting_cut`; an article that writes a field twice with different
    values (JSON keeps the last, silently) as `repeated_key`, one entry per field.

    Raises:
        FileRefused: articles were found but name neither a headline nor a body, or their fields
            are a loan tape's columns (`_refuse_loan_header`: loan records saved as JSON, or as
            XML with `loans_landing` XML_LOANS_LANDING).
    """
    by_line = len({r.line for r in records}) == len(records)
    if not by_line:
        out.notes["record_numbers"], out.numbered = ARTICLE_NUMBERS, "article"
    ignored: set[str] = set()
    paths: dict[str, tuple[str, ...]] = {}
    flat = {r.number: _flatten_json(r.value, ignored=ignored, paths=paths)
            for r in records if isinstance(r.value, dict)}
    header = list(dict.fromkeys(name for fields in flat.values() for name in fields))
    if records:
        _refuse_loan_header(path, header, f"line {records[0].line} (its records' fields)", loans_landing)
    columns = _feed_header(out, path, header, "fields",
                           lambda index: (fields.get(header[index], "") for fields in flat.values()), paths,
                           records_apart=True)
    # an article that leaves its field's chosen name empty takes another accepted name it fills
    # (`_field_value`): such names are read, not ignored
    own = set(out.notes.get("columns_declared", {}).values())  # read from the declared field alone
    fallback = {name: canonical for name in out.notes.get("ignored_columns", []) for canonical in columns
                if canonical in FEED_ALIASES and canonical not in own and _key(name) in FEED_ALIASES[canonical]
                and _key(name) not in _LOCAL_CLOCKS.get(_key(header[columns[canonical]]), ())}
    if "body" in columns and "body" not in own:  # `data.attributes.body` of an article leaving the body empty
        fallback.update({name: "body" for name in out.notes.get("ignored_columns", [])
                         if _text_suffix_rank(_key(name), "body") is not None
                         and not _MEDIA_WORDS & set(_key(name).split("_"))})
    if fallback:
        out.notes["fallback_columns"] = fallback
        out.notes["ignored_columns"] = [name for name in out.notes["ignored_columns"] if name not in fallback]
    if ignored:
        out.notes["ignored_lists"] = sorted(ignored)
    if flat and not {"headline", "body"} & set(columns):  # `title: {"fi": ..., "sv": ...}`: which is not guessed
        _refuse_undecided_text(path, header, [".".join(paths[name]) if paths and len(paths.get(name, ())) > 1
                                              else name for name in header], "fields")
        raise FileRefused(f"{path}: no article field names a headline or a body (fields: {', '.join(header[:12])}); "
                          f"accepted names: {', '.join(FEED_ALIASES['headline'] + FEED_ALIASES['body'])}")
    read = {header[i] for i in columns.values()} | set(fallback)  # the fields an article's values come from
    if "published_at" in columns:  # '01/02/2011' is 1 February where another article writes '13/02/2011'
        out.settle_date_order((record.line if by_line else record.number,
                               flat[record.number].get(header[columns["published_at"]], "") if "published_at" in own
                               else _field_value(flat[record.number], header, "published_at", columns["published_at"]))
                              for record in records if record.number in flat)
    unread_text: dict[int, list[str]] = {}  # record number -> its unread fields holding text
    for record in records:
        out.data_records += 1
        number = record.line if by_line else record.number
        if not by_line:
            out.places[number] = f"article {record.number} (line {record.line} column {record.column})"
        where = f"{path}: line {record.line}" if by_line else f"{path}: {out.places[number]}"
        if isinstance(record.value, _Unreadable):
            out.reject(number, None, "*", "malformed_json", record.value.raw,
                       f"{path}: line {record.line} column {record.column}: {record.value.message}" if by_line else
                       f"{where}: {record.value.message}")
            continue
        if record.number not in flat:
            out.reject(number, None, "*", "malformed_json", json.dumps(record.value)[:200],
                       f"{where}: a JSON {type(record.value).__name__} where an article object belongs")
            continue
        if said := _error_said(record.value):  # a failed page among the pages of one file
            out.reject(number, None, "*", "api_error", json.dumps(record.value)[:200],
                       f"{where}: an API's error response where an article belongs; it says {said}")
            continue
        repeated = _repeated_keys(record.value)
        for name in [n for n in repeated if not _feed_columns([n.replace(".", "_")]) and n.replace(".", "_") not in read]:
            del repeated[name]  # a field the product does not read: which value is meant changes nothing
            out.notes.setdefault("repeated_keys_unread", {}).setdefault(name, 0)
            out.notes["repeated_keys_unread"][name] += 1
        if repeated:  # which value is the article's cannot be known
            for name, values in repeated.items():
                written = ", ".join(json.dumps(v)[:60] for v in values)
                out.reject(number, None, name, "repeated_key", written[:200],
                           f"{where}: field {name!r} is written {len(values)} times with different values "
                           f"({written}): which one is the article's cannot be known; export it again with "
                           "each field once")
            continue
        fields = flat[record.number]
        if conflicts := _names_in_conflict(fields, header, columns):  # which one is the article's cannot be known
            for canonical, named in conflicts.items():
                written = ", ".join(f"{name}={fields[name]!r}" for name in named)
                out.reject(number, None, "/".join(named), "repeated_key", written[:200],
                           f"{where}: fields {' and '.join(repr(name) for name in named)} both name the "
                           f"{canonical} (names are read whatever their case, spaces and hyphens) with different "
                           f"values ({written}): which one is the article's cannot be known; write it once and "
                           "land the file again")
            continue
        cut = [name for name, value in fields.items() if _POWERSHELL_CUT.fullmatch(value.strip())]
        if cut:
            for name in cut:
                out.reject(number, None, name, "nesting_cut", fields[name],
                           f"{where}: field {name} holds {fields[name]!r}, PowerShell's text for an object nested "
                           "deeper than ConvertTo-Json's -Depth (2 by default), not its value: export again with "
                           "-Depth 10")
            continue
        if alternatives_differ(record.value):  # plain text and HTML of one content that say different things
            out.note_line("alternative_texts_differ_lines", number)
        record = {canonical: fields.get(header[i], "") if canonical in own  # a declared field: its own name only
                  else _field_value(fields, header, canonical, i) for canonical, i in columns.items()}
        for text_field in ("headline", "body", "body_fallback"):  # an article without the field has none: NULL
            if record.get(text_field) == "":
                record[text_field] = None
        if not record.get("doc_id"):  # no id, no URL: one from what it says, the same in the next pull
            record["doc_id"] = _content_id(record)
            out.note_line("doc_id_from_content_lines", number)
        written = {name for name in TEXT_FIELDS if name in columns
                   and (header[columns[name]] in fields if name in own
                        else _field_written(fields, header, name, columns[name]))}
        if held := [".".join(paths.get(name, (name,))) for name in out.notes.get("ignored_columns", [])
                    if _holds_text(fields.get(name)) and not _describes_other(name)]:
            unread_text[number] = held
        _feed_record(out, path, number, sha256, record, where, written)
    _note_headline_beside_unread_text(out, unread_text, "field")
    return out.parsed()


def _names_in_conflict(fields: dict[str, str], header: list[str], columns: dict[str, int]) -> dict[str, list[str]]:
    """canonical field -> the names, read as one (`_normalise_name`: `published_at` and
    `publishedAt`), under which one article (its flattened `fields`) writes a field's value twice,
    differently; {} when every article's field has one value, however each article spells it."""
    conflicts = {}
    for canonical, index in columns.items():
        plain = _normalise_name(header[index])
        named = [name for name in fields if fields[name] and _normalise_name(name) == plain]
        if len({fields[name] for name in named}) > 1:
            conflicts[canonical] = named
    return conflicts


def _field_written(fields: dict[str, str], header: list[str], canonical: str, index: int) -> bool:
    """Whether an article writes a feed field at all, empty or null included: the file's column for
    it (`header[index]`) or another accepted name of it (FEED_ALIASES) is among its `fields`. An
    article without the field has it `missing`; one that writes it empty has it `empty`."""
    aliases = FEED_ALIASES.get(canonical, ())
    return header[index] in fields or any(name in fields and _key(name) in aliases for name in header)


def _field_value(fields: dict[str, str], header: list[str], canonical: str, index: int) -> str:
    """An article's value of a feed field: the column chosen for the file (`notes['columns']`), or,
    when the article leaves it empty, another accepted name of the same field that it fills (an
    article with no `id` but a `url`; pages of two APIs in one file). Never a headline found by its
    last word only: `image_title` is no headline. Of several such names the one its field's aliases
    (FEED_ALIASES) rank first is read. A body the article gives under no such name is read from a
    field whose last word names one (`_text_suffix_rank`), nested or not: JSON:API's
    `data.attributes.body`, `article.content.text`, never a picture's or file's (`image.description`,
    _MEDIA_WORDS), best ranked first, so that it is not scored on its headline alone."""
    if value := fields.get(header[index], ""):
        return value
    if canonical not in FEED_ALIASES:  # body_fallback, published_time: the file's own column only
        return ""
    local = _LOCAL_CLOCKS.get(_key(header[index]), ())
    aliases = FEED_ALIASES[canonical]
    filled = [name for name in header if fields.get(name) and _key(name) in aliases and _key(name) not in local]
    # ranked as the aliases are, as the file's own column was: a JSON Feed item without `content_text`
    # reads its `content_html`, not the `summary` teaser written before it
    if filled:
        return fields[min(filled, key=lambda name: aliases.index(_key(name)))]
    if canonical != "body":
        return ""
    ranked = [(rank, name) for name in header if fields.get(name) and not _MEDIA_WORDS & set(_key(name).split("_"))
              and (rank := _text_suffix_rank(_key(name), "body")) is not None]
    return fields[min(ranked, key=lambda found: found[0])[1]] if ranked else ""


def _content_id(record: dict[str, str | None]) -> str:
    """An article id from its source, headline, publication time and body: 'content:' + sha256[:16].
    A polled feed (RSS, an API) whose articles carry no id or URL gives each one the same id in
    every pull, so a repeat is caught as `duplicate_doc_id` instead of loading again (an id from the
    file and line would differ from pull to pull). A field the article leaves empty (None) counts as "".
    C1 control characters are read as the bytes they were first (`_c1_reread`), so an article whose
    `’` a pull wrote as `\u0092` has the id of the pull that wrote it as `’`."""
    key = "\u001f".join((_c1_reread(record.get(name)) or "").strip()
                        for name in ("source", "headline", "published_at", "body"))
    return "content:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _looks_like_json_lines(lines: list[str]) -> bool:
    """Every non-blank line opens an object and at least one line is a whole JSON value (`NaN` and
    `Infinity` are none): JSON Lines with a broken line (a pretty-printed document has member lines
    that open nothing). The first
    line may be the end of an object cut at its start (`_cut_at_start`)."""
    filled = [line for line in lines if line.strip()]
    if filled and _cut_at_start(filled):
        filled = filled[1:]
    if not filled or not all(line.lstrip().startswith("{") for line in filled):
        return False
    for line in filled:
        try:
            _DECODER.decode(line)  # strict: a line writing `NaN` is not whole JSON
            return True
        except (json.JSONDecodeError, _ConstantFound):
            continue
    return False


def _cut_at_start(filled: list[str]) -> bool:
    """JSON Lines whose first line is the end of an object, cut at its start (a download resumed
    mid-file, `tail -c`): it ends an object (`}`) without opening one, and the two lines after it are
    whole objects. That line is quarantined `malformed_json`; the file is no other format."""
    if len(filled) < 3 or filled[0].lstrip().startswith(("{", "[")) or not filled[0].rstrip().endswith("}"):
        return False
    try:
        return all(isinstance(json.loads(line), dict) for line in filled[1:3])
    except json.JSONDecodeError:
        return False


def parse_news_feed_json(path: Path, text: str, sha256: str,
                         label_map: Mapping[str, str | None] | None = None) -> ParsedFile:
    """A JSON news feed into raw.news rows: a news API's response saved as is (NewsAPI's
    `{"status": "ok", "articles": [...]}`, a list of article objects, an Elasticsearch search
    response), pages appended to one file, or JSON Lines (one article, or one page, per line;
    format `news_feed_jsonl`).

    Articles are found by `_articles_in` and each is read as a feed CSV record
    (`parse_news_feed_csv`: the same field names, FEED_ALIASES, and the same rules), its nested
    objects and lists flattened first (`_flatten_json`). An object that holds a headline or body
    itself is one article. In JSON Lines a line that is not valid JSON (a cut last line) is
    quarantined `malformed_json` with its column; the others load.

    Raises:
        FileRefused: the text is not valid JSON and not JSON Lines (a truncated download; the
            message gives the line and column where it breaks), holds no articles (an API's error
            response: what it says is quoted; a list of something else), a list of objects none of
            which has a headline or a publication time (news outlets, not articles), articles
            that name neither a headline nor a body, or records whose fields are a loan tape's
            columns (a loan id, a borrower, an amount, a rate...: `_refuse_loan_header`).
    """
    lines = physical_lines(text)
    found_in: set[str] = set()
    try:
        values = _json_values(text)
    except json.JSONDecodeError as exc:
        if not _looks_like_json_lines(lines):
            raise _json_error(path, text, exc, "a JSON feed is a list of article objects, an object holding one, "
                                               "or one object per line (JSON Lines)") from None
        return _parse_json_lines(path, text, sha256, found_in, label_map)
    one_per_line = len(values) > 1 and len(values) == sum(1 for line in lines if line.strip("\ufeff \t"))
    out = _Collector("news_feed_jsonl" if one_per_line else "news_feed_json", label_map=label_map or {})
    if marked := [n for n, line in enumerate(lines, start=1) if n > 1 and line.startswith("\ufeff")]:
        out.notes["byte_order_mark_lines"] = marked  # files joined with `cat`, each with its mark
    if one_per_line:
        out.non_data_lines = [(n, "blank") for n, line in enumerate(lines, start=1) if not line.strip()]
    found = [article for at, value in values for article in _articles_in(path, text, at, value, found_in)]
    if len(values) == 1:  # one document: it must hold articles, or be one
        _refuse_no_articles(path, values[0][1], found_in)
    _check_articles(path, found, found_in)
    out.notes["articles_in"] = sorted(found_in) or ["the top level"]
    if not found and len(values) == 1 and (stated := _stated_none(values[0][1])):
        out.notes["articles_stated"] = stated  # an API's page of a quiet day: `totalResults: 0`
    records = [_JsonRecord(n, *_json_position(text, at), value) for n, (at, value) in enumerate(found, start=1)]
    return _parse_json_feed(path, out, sha256, records)


_COUNT_MEMBERS = frozenset({"total_results", "total", "total_hits", "total_count", "num_found", "num_results",
                            "result_count", "results_count", "count"})
"""Members in which an API's page states how many articles matched (NewsAPI's `totalResults`,
`total`, `count`), compared as `_key` writes them."""


def _stated_none(document: object) -> str | None:
    """Where a JSON page states that it holds no article: a top-level _COUNT_MEMBERS member that is
    0, as 'totalResults: 0'; None when the page states no such count."""
    if not isinstance(document, dict):
        return None
    return next((f"{name}: 0" for name, value in document.items()
                 if _key(name) in _COUNT_MEMBERS and value == 0 and not isinstance(value, bool)), None)


def _refuse_no_articles(path: Path, document: object, found_in: set[str]) -> None:
    """Refuse a single JSON document in which no article list was found and that is no article
    itself: an API's error response (RFC 7807 problem details included, whose `title` is no
    headline), an object without text or article list, a list without objects, a plain value.

    Raises:
        FileRefused: see `_no_articles`.
    """
    if isinstance(document, dict) and not found_in:
        if _error_said(document) or not {"headline", "body"} & set(_feed_columns(list(_flatten_json(document)))):
            raise _no_articles(path, document)
    elif isinstance(document, list):
        if document and not any(isinstance(item, dict) for item in document):
            raise _no_articles(path, document)
    elif not isinstance(document, dict):
        raise _no_articles(path, document)


def _check_articles(path: Path, found: list[tuple[int, object]], found_in: set[str]) -> None:
    """Refuse a list that holds objects but no article: none has a headline or a publication time
    (NewsAPI's `sources`, the news outlets), under a name not in _JSON_ARTICLE_LISTS.

    Raises:
        FileRefused: naming the list and what its objects hold.
    """
    objects = [value for _, value in found if isinstance(value, dict)]
    unnamed = [name for name in found_in if _key(name.rsplit(".", 1)[-1]) not in _JSON_ARTICLE_LISTS]
    if not objects or not unnamed:
        return
    flat = [_flatten_json(value) for value in objects]
    if not any(_has_time(fields) or "headline" in _feed_columns(list(fields)) for fields in flat):
        raise FileRefused(f"{path}: the list {', '.join(unnamed)} holds objects with neither a headline nor a "
                          f"publication time (fields: {', '.join(list(dict.fromkeys(n for f in flat for n in f))[:10])}): "
                          "not articles")


def _parse_json_lines(path: Path, text: str, sha256: str, found_in: set[str],
                      label_map: Mapping[str, str | None] | None = None) -> ParsedFile:
    """JSON Lines with a line that is not valid JSON: each line is read on its own (an article or a
    page of articles); a broken line (a cut last line) is quarantined `malformed_json` with the
    column where it breaks, blank lines are non-data."""
    out = _Collector("news_feed_jsonl", label_map=label_map or {})
    records, number = [], 0
    for line_number, (offset, line) in enumerate(_lines_at(text), start=1):
        if not line.strip():
            out.non_data_lines.append((line_number, "blank"))
            continue
        try:
            found = [a for at, value in _json_values(line)  # the line alone: a cut one never reads into the next
                     for a in _articles_in(path, text, offset + at, value, found_in)]
        except json.JSONDecodeError as exc:
            cut = (" (the line starts inside an object whose beginning is not in the file: a download resumed or "
                   "cut at its start?)" if line_number == 1 and not line.lstrip().startswith(("{", "[")) else
                   " (the line stops before the object closes: a truncated file?)" if _json_left_open(line) else "")
            number += 1
            records.append(_JsonRecord(number, line_number, exc.pos + 1, _Unreadable(
                line, f"not valid JSON ({exc.msg}){cut}")))
            continue
        for at, value in found:
            number += 1
            records.append(_JsonRecord(number, *_json_position(text, at), value))
    _check_articles(path, [(0, r.value) for r in records], found_in)
    if found_in:
        out.notes["articles_in"] = sorted(found_in)
    return _parse_json_feed(path, out, sha256, records)


def _lines_at(text: str) -> list[tuple[int, str]]:
    """(offset, line) of each physical line of `text`, as `physical_lines` splits it (LF, CRLF, or
    CR alone when there is no LF), so that a line's offset in `text` is known."""
    separator = "\n" if "\n" in text or "\r" not in text else "\r"
    found, offset = [], 0
    for line in text.split(separator):
        found.append((offset, line.removesuffix("\r")))
        offset += len(line) + 1
    if found and found[-1][1] == "":
        found.pop()
    return found


_MBOX_FROM = re.compile(
    r"^From +\S+ +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),? +(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +"
    r"\d{1,2} +\d{1,2}:\d{2}(?::\d{2})?(?: +(?:[A-Z]{1,5}(?: DST)?|[+-]\d{4}))? +(?:\d{4}|\d{2})(?:\s.*)?$")
"""The separator line that opens each message of an mbox mailbox: `From`, the envelope sender
(an address, `MAILER-DAEMON`, Thunderbird's `-`), then the time the message arrived in C's
asctime form, `From alice@example.com Thu May  3 09:00:00 2024` (RFC 4155, appendix A; the
"mbox-date" of the mbox(5) manual page: seconds optional, a zone such as `+0000` or `CET DST`
before the year, as Gmail's export writes it; anything after the year, such as a zone or UUCP's
`remote from host`, is allowed). A sentence that opens `From ` (`From the desk: rates rose in
2024`) has no such date. mboxo, the format Python's `mailbox.mbox` writes, quotes a body line
opening `From ` as `>From ` but many mailers quote none (Python's `mailbox` documentation, "mbox"
and "mboxMessage"), so a `From ` line opens a message only in this form, at the file's start or
after a blank line, followed by a header line (`_mbox_separators`)."""
_MBOX_FROM_BYTES = re.compile(_MBOX_FROM.pattern.encode("ascii"))
"""`_MBOX_FROM` on a line's bytes (a mailbox is split into messages before any text is decoded)."""
_FIELD_NAME_BYTES = re.compile(rb"^[\x21-\x39\x3b-\x7e]+:")
"""A header line's field name and colon (RFC 5322 section 2.2: printable ASCII but the colon)."""
_MBOXRD_QUOTED = re.compile(rb"^>(>*From )")
"""A body line starting with `From `, which mboxrd writes with one more `>` (`>From `, `>>From `)."""
_MAIL_HEADER = re.compile(r"^[A-Za-z][A-Za-z0-9-]*:")
"""A header line's name and colon; the value may follow with a space, a tab or nothing
(`Subject:Weekly`, `From:\tDesk`: RFC 5322 section 2.2 puts no space after the colon)."""
_MAIL_HEAD = 1 << 16
"""Bytes read to tell an e-mail or a mailbox by its first header lines."""


def _mbox_separators(lines: Sequence[bytes]) -> tuple[list[int], list[int]]:
    """Where each message of an mbox mailbox opens, from the file's lines (bytes, split at LF; a CR
    before it is allowed), as 0-based line indexes: (separators, lookalikes).

    A separator is a `_MBOX_FROM` line at the file's start or after a blank line whose next line is
    a header line (RFC 4155; mboxo leaves a body's `From ` lines unquoted, so a line that only
    opens `From ` is body text). A lookalike is a line at the same place, opening `From ` and
    followed by a header line, whose date is in none of `_MBOX_FROM`'s forms: either a separator
    written by a mailer not known here or a body line; it stays in the text it is in, and
    `parse_news_mail` names it."""
    separators, lookalikes = [], []
    for n, line in enumerate(lines):
        if not line.startswith(b"From ") or (n and lines[n - 1].strip()):
            continue
        if n + 1 < len(lines) and _FIELD_NAME_BYTES.match(lines[n + 1]):
            (separators if _MBOX_FROM_BYTES.match(line) else lookalikes).append(n)
    return separators, lookalikes


def _is_mail_message(lines: list[str]) -> bool:
    """An e-mail saved as a file (`.eml`): header lines (`Name: value`, `Name:value`; continued
    lines indented) up to the first blank line, among them From and a Subject or a Date."""
    names = set()
    for line in lines:
        if not line.strip():
            break
        if line[:1] in " \t":
            continue
        if not _MAIL_HEADER.match(line):
            return False
        names.add(line.split(":", 1)[0].lower())
    return "from" in names and bool({"subject", "date"} & names)


def _looks_like_mail(data: bytes, encoding: str | None) -> bool:
    """Whether the file is an mbox mailbox (its first line that is not blank a `From ` line followed
    by a header line) or one e-mail (`_is_mail_message`), judged on its first lines read leniently
    in the file's encoding (as `decode_text` chooses it): a mailbox's messages may hold 8bit text in
    several charsets, which no one encoding of the whole file reads."""
    head = data[:_MAIL_HEAD].decode(csv_text.sniff_encoding(data, encoding or "utf-8"), errors="replace")
    lines = physical_lines(head.removeprefix(_BOM))
    if len(data) > _MAIL_HEAD:
        lines = lines[:-1]  # perhaps cut
    first = next((n for n, line in enumerate(lines) if line.strip()), len(lines))
    opens_mbox = (first + 1 < len(lines) and lines[first].startswith("From ")
                  and bool(_FIELD_NAME_BYTES.match(lines[first + 1].encode("utf-8", "replace"))))
    return bool(lines) and (opens_mbox or _is_mail_message(lines))


def _ascii_compatible(encoding: str) -> bool:
    """Whether `encoding` writes ASCII as ASCII (UTF-8, Windows-1252; not UTF-16 or EBCDIC)."""
    probe = b"From: desk@news.example\r\n"
    try:
        return probe.decode(encoding) == probe.decode("ascii")
    except (LookupError, UnicodeDecodeError):
        return False


def _mail_text(content: bytes, charset: str | None, encoding: str | None) -> tuple[str, str | None]:
    """Bytes of a message's text as text, and the line note they call for (None: none).

    Read once, by the label in force: `charset`, the one the part (or an RFC 2047 encoded word)
    declares, else `encoding`, the one news settings declare. A label ISO-8859-1, US-ASCII or
    windows-1252 is read as the WHATWG Encoding Standard reads it, as an RSS feed's declaration is
    (`news_xml.read_windows_1252_label`: Outlook and Exchange label Windows-1252 mail ISO-8859-1,
    so its `’` and `€` sit at 0x80-0x9F; bytes valid as UTF-8 are read as UTF-8). Text that
    declares none and has no encoding from news settings (a part without a charset; bytes outside
    ASCII in a header, which RFC 6532 allows as UTF-8) is read as UTF-8, else (not UTF-8) as
    Windows-1252, Outlook's default for Western mail, noted `mail_charset_assumed_lines`. A label
    ISO-8859-15 over bytes 0x80-0x9F, C1 control characters in it and never text, is overruled:
    the bytes are read as UTF-8 or Windows-1252, the encoding they were written in
    (`news_xml.read_c1_label`), noted `mail_charset_overruled_lines`. Bytes not valid in the
    declared charset or encoding are read as U+FFFD, noted `mail_text_undecodable_lines`.

    Raises:
        LookupError: a charset Python does not know.
    """
    declared = charset or encoding
    if declared is None:
        try:
            return content.decode("utf-8"), None
        except UnicodeDecodeError:
            return content.decode("cp1252", errors="replace"), "mail_charset_assumed_lines"
    if not content.isascii() and _codec_name(declared) in news_xml.WINDOWS_1252_LABELS:
        return news_xml.read_windows_1252_label(content), None
    if _codec_name(declared) in news_xml.C1_LABELS and (reread := news_xml.read_c1_label(content)) is not None:
        return reread[0], "mail_charset_overruled_lines"
    try:
        return content.decode(declared), None
    except UnicodeDecodeError:
        return content.decode(declared, errors="replace"), "mail_text_undecodable_lines"


def _codec_name(label: str) -> str | None:
    """Python's name for the codec an encoding label names (`latin1`, `ISO-8859-1` -> `iso8859-1`);
    None when no codec knows it."""
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _mail_header(message: EmailMessage, name: str, encoding: str | None) -> tuple[str, set[str]]:
    """The first `name` header of `message` as text (encoded words decoded, lines unfolded), and
    the line notes its text calls for: its bytes outside ASCII (RFC 6532) and its encoded words
    (RFC 2047) are read by `_mail_text`'s rules, as a part's text is (`_encoded_words_read`);
    ('', set()) when the message has none."""
    for key, value in message.raw_items():
        if key.lower() == name:
            notes = set()
            if _ESCAPED_BYTE.search(value):  # bytes outside ASCII, kept by the parser as escapes
                value, note = _mail_text(value.encode("ascii", "surrogateescape"), None, encoding)
                notes.add(note)
            value = _encoded_words_read(value, encoding, notes)
            return str(message.policy.header_fetch_parse(key, value)), notes - {None}
    return "", set()


_ENCODED_WORD = re.compile(r"=\?([^?\s*]+)(\*[^?\s]*)?\?([QqBb])\?([^?\s]*)\?=")
"""An RFC 2047 encoded word, `=?charset?Q?text?=` or `=?charset?B?text?=` (with RFC 2231's
language after `*`: `=?iso-8859-1*fi?Q?...?=`)."""


def _encoded_words_read(value: str, encoding: str | None, notes: set[str | None]) -> str:
    """A header's `value` with each encoded word whose label `_mail_text` reads otherwise than
    Python's e-mail parser (`news_xml.WINDOWS_1252_LABELS`: ISO-8859-1, US-ASCII, windows-1252;
    ISO-8859-15 over Windows-1252 bytes, `news_xml.C1_LABELS`) written again as a UTF-8 encoded
    word of the text `_mail_text` reads, its notes added to `notes`; the parser then decodes the
    header as it would (RFC 2047: the white space between two encoded words is dropped; a display
    name is quoted as needed).

    Outlook and Exchange write a subject's Windows-1252 `’` (0x92) and `€` (0x80) as
    `=?iso-8859-1?Q?Nokia=92s?=`; Python decodes it as Latin-1, a C1 control character in place
    of the `’`, while the WHATWG Encoding Standard reads the label as windows-1252. A word that is
    not valid Q or B encoding is left to the parser, which keeps it as written."""
    def read(word: re.Match[str]) -> str:
        charset, _, kind, encoded = word.groups()
        if _codec_name(charset) not in news_xml.WINDOWS_1252_LABELS | news_xml.C1_LABELS:
            return word.group()
        try:
            raw = (binascii.a2b_qp(encoded.encode("ascii"), header=True) if kind in "Qq"
                   else binascii.a2b_base64(encoded + "=" * (-len(encoded) % 4), strict_mode=False))
        except (binascii.Error, UnicodeEncodeError):
            return word.group()
        if raw.isascii():
            return word.group()
        text, note = _mail_text(raw, charset, encoding)
        notes.add(note)
        return "=?utf-8?b?" + base64.b64encode(text.encode("utf-8")).decode("ascii") + "?="

    return _ENCODED_WORD.sub(read, value)


_MAIL_TEXT_NOTES = {
    "mail_charset_assumed": (
        "text that declares no charset (a part without one, or bytes outside ASCII in a header) is not UTF-8: "
        "read as Windows-1252, Outlook's default for Western mail; if it is in another encoding, declare it in "
        "news settings (`encoding`; README, 'News files')"),
    "mail_charset_overruled": (
        "text labelled ISO-8859-15 held bytes 0x80-0x9F, control characters in that charset and never text: read "
        "as the encoding it was written in (Windows-1252, whose '’' is 0x92 and '€' 0x80, or UTF-8 where the bytes "
        "are valid UTF-8)"),
    "mail_text_undecodable": (
        "bytes not valid in the charset the message's part declares (or, for text that declares none, in the "
        "encoding news settings declare) were read as U+FFFD"),
}
"""What each of `_mail_text`'s line notes says, named by the note without `_lines`."""


def parse_news_mail(path: Path, data: bytes, sha256: str, encoding: str | None = None,
                    label_map: Mapping[str, str | None] | None = None) -> ParsedFile:
    """Newsletters received by e-mail: one message saved as a file (`.eml`) or a mailbox of them
    (mbox, RFC 4155: each message opens with a `From <sender> <asctime date>` line after a blank
    line or at the file's start and before a header line, `_mbox_separators`; blank lines before
    the first aside; a body line that merely opens `From `, which mboxo leaves unquoted, stays in
    its message's body, and one mboxrd wrote as `>From ` is read as `From `). Each message is an
    article, parsed from its own bytes by the standard library's e-mail parser (MIME parts,
    quoted-printable and base64), so a mailbox may hold messages in
    different charsets: its Subject the headline, its text part (else its HTML part, cleaned as any
    body) the body, its Date the publication time, its Message-ID the id and its sender's name
    (else address) the source; then validated as a feed's records are (`_parse_json_feed`).

    Each part's text is decoded once, in the charset it declares (ISO-8859-1 and US-ASCII read as
    Windows-1252, as the WHATWG Encoding Standard reads them, or as UTF-8 where the bytes are
    UTF-8);
    text that declares none, in the `encoding` news settings declare (read by the same rule),
    else UTF-8, else Windows-1252; a label ISO-8859-15 over bytes 0x80-0x9F, C1 controls in it,
    as Windows-1252 or UTF-8 (`_mail_text`: notes `mail_charset_assumed`, `mail_charset_overruled`
    and `mail_text_undecodable` name the file and the messages' lines). A header's RFC 2047 encoded
    words and its bytes outside ASCII (RFC 6532) are read by the same rules
    (`_mail_header`), so a subject Outlook wrote `=?iso-8859-1?Q?Nokia=92s?=` is `Nokia’s`. A charset Python does not know leaves the body empty (notes
    `mail_body_unreadable_lines`, `mail_body_unreadable`). A file in an encoding that does not
    write ASCII as ASCII (UTF-16) is decoded whole first (`decode_text`).

    A line placed as a separator (after a blank line, before a header line) whose date is in no
    form `_MBOX_FROM` knows stays in the text it is in, its line listed in notes
    `mbox_from_in_body_lines` and `mbox_from_in_body`; a file that opens with such a line is one
    message when it holds no other.

    Lineage: the line where the message opens (in a mailbox, the line after its `From ` line,
    which is a non-data line `mbox_separator`). Format `news_mail`.

    Raises:
        FileRefused: a mailbox whose separator lines all give their date in no known form (two or
            more lookalikes and no separator): where each message opens cannot be told.
    """
    import email
    import email.policy
    import email.utils

    if not _ascii_compatible(csv_text.sniff_encoding(data, encoding or "utf-8")):
        data, encoding = decode_text(path, data, encoding).encode("utf-8"), "utf-8"
    lines = data.removeprefix(codecs.BOM_UTF8).split(b"\n")
    starts, lookalikes = _mbox_separators(lines)
    first = next((n for n, line in enumerate(lines) if line.strip()), None)
    if not starts and first in lookalikes:
        if len(lookalikes) > 1:
            raise FileRefused(
                f"{path}: lines {', '.join(str(n + 1) for n in lookalikes[:10])}: an mbox mailbox whose 'From ' "
                f"lines ({lines[first][:80].decode('ascii', 'replace').rstrip()!r}) give the time in no form "
                "known here (asctime, as RFC 4155 writes it: 'From alice@example.com Thu May  3 09:00:00 2024'), "
                "so where each message opens cannot be told from a body line; export the mailbox again as mbox "
                "(mboxrd), or as one .eml file per message")
        starts, lookalikes = [first], []  # one message whose first line is its sender's 'From ' line
    chunks = ([(start, lines[start + 1:end]) for start, end in zip(starts, [*starts[1:], len(lines)])]
              if starts else [(0, lines)])
    out = _Collector("news_mail", label_map=label_map or {})
    out.notes["articles_in"] = ["mbox messages" if starts else "one e-mail message"]
    out.non_data_lines.extend((n + 1, "mbox_separator") for n in starts)
    for n in lookalikes:
        out.note_line("mbox_from_in_body_lines", n + 1)
    records = []
    for number, (start, chunk) in enumerate(chunks, start=1):
        line = start + (2 if starts else 1)
        message = email.message_from_bytes(b"\n".join(_MBOXRD_QUOTED.sub(rb"\1", piece) for piece in chunk),
                                           policy=email.policy.default)
        headers = {name: _mail_header(message, name, encoding) for name in ("message-id", "subject", "date", "from")}
        notes = {note for _, noted in headers.values() for note in noted}
        part = message.get_body(preferencelist=("plain", "html"))
        body = ""
        if part is not None:
            try:
                body, note = _mail_text(part.get_payload(decode=True) or b"", part.get_content_charset(), encoding)
                notes.add(note)
            except (LookupError, UnicodeError) as exc:  # a charset Python does not know (or cannot decode with)
                out.note_line("mail_body_unreadable_lines", line)
                out.notes.setdefault("mail_body_unreadable", str(exc)[:200])
        for note in sorted(filter(None, notes)):
            out.note_line(note, line)
        sender = email.utils.parseaddr(headers["from"][0])
        fields = {"id": headers["message-id"][0].strip().strip("<>"), "title": headers["subject"][0],
                  "body": body.strip(), "published": headers["date"][0], "source": sender[0] or sender[1]}
        records.append(_JsonRecord(number, line, 1, {k: v for k, v in fields.items() if v}))
    parsed = _parse_json_feed(path, out, sha256, records)
    parsed.notes["record_numbers"] = "messages are numbered by the line where each opens"
    for name, said in _MAIL_TEXT_NOTES.items():
        if noted := parsed.notes.get(f"{name}_lines"):
            parsed.notes[name] = f"{path}: {_messages_at(noted)}: {said}"
    if noted := parsed.notes.get("mbox_from_in_body_lines"):
        shown = ", ".join(map(str, noted[:10])) + (f" and {len(noted) - 10} more" if len(noted) > 10 else "")
        parsed.notes["mbox_from_in_body"] = (
            f"{path}: line{'s' if len(noted) > 1 else ''} {shown}: a line opening 'From ' after a blank line and "
            "before a header line, with no date in asctime form (RFC 4155: 'From alice@example.com Thu May  3 "
            "09:00:00 2024'), was kept in the text of the message it is in; if it opens a message of its own, "
            "export the mailbox again as mbox (mboxrd) or as one .eml file per message")
    return parsed


def parse_news_feed_xml(path: Path, data: bytes, sha256: str,
                        label_map: Mapping[str, str | None] | None = None) -> ParsedFile:
    """An RSS or Atom feed, or record XML, into raw.news rows (format `news_feed_rss` /
    `news_feed_atom` / `news_feed_xml`).

    Each `<item>` / `<entry>` (`news_xml.read_feed`) is read as a feed CSV record, with the same
    names and rules (`_parse_json_feed`): RSS `guid`/`link`, `title`, `content:encoded` or
    `description`, `pubDate`; Atom `id`, `title`, `content` or `summary`, `published` (else
    `updated` where the entry gives no other publication time: beside `pubDate`, `dc:date` or
    `created` it is the last edit's time, ignored; read for any entry, it is listed under
    notes['fallback_columns'], not notes['ignored_columns']), `link href`; other elements (`category`,
    `dc:creator`) are listed in notes['ignored_columns']. The feed's own title is the source of an article that names
    none. Lineage: the line where the article's element opens (its number in the feed when several
    open on one line).

    Any other XML document is record XML (format `news_feed_xml`, `news_xml.read_records`): its
    repeated sibling elements that name a headline or body (`_names_an_article`) are its articles,
    each record's attributes and child elements a JSON article object read as `_parse_json_feed`
    reads JSON (nested fields by their dotted path, news settings' `columns` first, a field of
    _ONE_VALUE_NAMES given twice `repeated_key`); notes['articles_in'] gives their path
    ('articles/article').

    Raises:
        FileRefused: not well-formed XML (line and column; a truncated download; in a document read
            as UTF-8, a byte that is not UTF-8 is named as `decode_text` names it, with its line,
            column and remedy: a mixed file or a declaration naming the wrong encoding), an XML
            document that is no feed and holds no records (its root named, and what the lake looks
            for), a sitemap, or items that name neither a headline nor a body.
    """
    try:
        feed = news_xml.read_feed(path, data, holds_article=_names_an_article)
    except news_xml.NotAFeed as refused:
        if DECLARED_COLUMNS.get():  # columns declared for a vendor's own XML: never read, so say which
            raise FileRefused(
                f"{refused}; news settings {SETTINGS_FILE.get()} declare the field(s) "
                f"{', '.join(repr(column) for column in DECLARED_COLUMNS.get())} ('columns'), which are read from "
                "an RSS <item>'s or Atom <entry>'s fields or a record's only: export the articles as RSS, Atom, "
                "JSON or CSV and land that file") from None
        raise
    except FileRefused as refused:
        raise _not_utf8_xml(path, data) or refused from None
    out = _Collector({"xml": "news_feed_rss", "records": "news_feed_xml"}.get(feed.kind, f"news_feed_{feed.kind}"),
                     label_map=label_map or {})
    out.notes["articles_in"] = [feed.records_at if feed.records_at else "<entry>" if feed.kind == "atom" else "<item>"]
    if feed.title:
        out.notes["feed_title"] = feed.title
    if feed.overruled:  # a Latin-9 declaration over Windows-1252 bytes (news_xml.read_c1_label)
        out.notes["feed_encoding_overruled"] = feed.overruled
    records, updated_read = [], False
    for number, article in enumerate(feed.articles, start=1):
        fields = dict(article.fields)
        if "updated" in fields and not any(_key(name) in FEED_ALIASES["published_at"] for name in fields):
            fields["published"] = fields.pop("updated")  # Atom: the last edit stands in for a publication time
            # it lacks; beside RSS's `pubDate` or Benzinga's `created` it is an edit, never read
            updated_read = True
        if feed.title and not any(_key(name) in FEED_ALIASES["source"] for name in fields):
            fields["source"] = feed.title
        texts = {name: values for name, values in fields.items()  # alternative parts of one content aside
                 if (name in _ONE_VALUE_ELEMENTS or feed.kind == "records" and _key(name) in _ONE_VALUE_NAMES)
                 and isinstance(values, list) and alternative_parts(values) is None}
        repeated = {name: values for name, values in texts.items() if len(set(values)) > 1}
        for name, values in texts.items():
            if len(set(values)) == 1:
                fields[name] = values[0]  # the same text twice: one value
        if repeated:  # which one is the article's cannot be known: quarantined as `repeated_key`
            fields = _RepeatedKeys(fields)
            fields.repeated = repeated
        records.append(_JsonRecord(number, article.line, article.column, fields))
    parsed = _parse_json_feed(path, out, sha256, records, XML_LOANS_LANDING)
    if updated_read and "updated" in parsed.notes.get("ignored_columns", []):
        # another entry's `updated` beside its `published` was an edit, but this one's dated an article: read
        parsed.notes["ignored_columns"].remove("updated")
        parsed.notes.setdefault("fallback_columns", {})["updated"] = "published_at"
    return parsed


_ONE_VALUE_ELEMENTS = frozenset({"title", "description", "summary", "content", "content:encoded", "encoded", "pubDate",
                                 "published", "updated", "date", "dc:date", "guid", "id", "link"})
"""Elements an RSS item or Atom entry holds once (its title, text, time, id): written twice with other
text (an original and an updated `<pubDate>`, a teaser and the full `<description>`), which one is
the article's cannot be known, and joined they were an unreadable time or a text said twice.
Repeated elements such as `<category>` are lists."""

_ONE_VALUE_NAMES = frozenset(alias for canonical in ("doc_id", "published_at", "headline", "body", "source", "label")
                             for alias in FEED_ALIASES[canonical])
"""Names of a record XML's fields held once (its id, time, headline, text, source, label), as
_ONE_VALUE_ELEMENTS are an RSS item's: a `<ticker>` may repeat, a `<headline>` may not."""


def _names_an_article(fields: dict[str, object]) -> bool:
    """Whether a record XML's record (its fields as a JSON article object) names a headline or a
    body, as the feed reader finds them (`_feed_columns`, the news settings' `columns` first)."""
    return bool({"headline", "body"} & set(_feed_columns(list(_flatten_json(fields)), _declared_columns())))


def _not_utf8_xml(path: Path, data: bytes) -> FileRefused | None:
    """Why expat refused an XML feed read as UTF-8 (its declaration names UTF-8 or no encoding)
    when the cause is a byte that is not UTF-8 (`decode_text`'s message; for a file with no UTF-8
    text, the remedy is a declaration naming its encoding); else None."""
    declared = re.match(rb"^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']", data[:512])
    try:
        if declared is not None and codecs.lookup(declared.group(1).decode("ascii")).name != "utf-8":
            return None
    except LookupError:
        return None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError as exc:
        bad = data[exc.start]
        before = data[:exc.start].decode("utf-8", errors="replace")
        line, column = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
        why = _mixed_encodings(data, bad, "\n") or (
            f"an XML feed is read in the encoding its XML declaration names, UTF-8 where it names none; correct the "
            f"declaration to name the file's encoding (<?xml version=\"1.0\" encoding=\"windows-1252\"?>, say){_in_cp1252(bad)}")
        return FileRefused(f"{path}: line {line} column {column}: not UTF-8 at byte offset {exc.start} "
                           f"(byte 0x{bad:02x}): {why}")


def _looks_like_json(text: str) -> bool:
    return text.lstrip()[:1] in ("{", "[")


def parse_news_file(path: Path | str, mapping_dirs: Sequence[Path | str] = ()) -> ParsedFile:
    """Detect the format of one landed news file by its content and parse it.

    Args:
        path: the landed file (plain or gzip), a Path or its text.
        mapping_dirs: folders (Paths or their text) whose `news/` subfolder may hold news settings (`news_settings`: the
            file's encoding, the zone of its zone-less times and its `label_map`); a sidecar
            beside the file is read first.

    Returns:
        ParsedFile whose `rows` has the columns ROWS_SCHEMA (NEWS_COLUMNS + `_source_line`, one row
        per loaded record) and whose `quarantine` has one row per rejected value with its rule;
        `reconcile()` has been checked. A feed article whose label is not recognised is loaded
        with label NULL; notes['label_unrecognised'] counts those labels ({label: articles}) and
        notes['label_unrecognised_message'] names the file, column, lines and the settings key
        (`label_map`) that declares them.

    Raises:
        FileRefused: an empty file, no known news format, a loan tape, undecodable bytes, or invalid
            news settings, or a column the settings' `columns` declare that the file lacks (or a file
            with no columns: e-mail, PhraseBank text); the message names the file (and the byte
            offset for a decode error). An Excel workbook is read by `parse_news_workbook`.
    """
    from risk_assets.lib.ingest.news_settings import in_local_zone, load_news_settings

    path, mapping_dirs = Path(path), [Path(folder) for folder in mapping_dirs]
    settings = load_news_settings(path, mapping_dirs)
    order = DATE_ORDER.set(settings.date_order if settings else None)
    zone = DECLARED_ZONE.set(settings.timezone if settings else None)
    declared_in = SETTINGS_FILE.set(settings.source if settings else None)
    declared_columns = DECLARED_COLUMNS.set(settings.columns if settings else None)
    try:
        parsed = _parse_news(path, settings.encoding if settings else None, settings.label_map if settings else None)
    finally:
        DATE_ORDER.reset(order)
        DECLARED_ZONE.reset(zone)
        SETTINGS_FILE.reset(declared_in)
        DECLARED_COLUMNS.reset(declared_columns)
    if settings is not None and settings.columns and "columns_declared" not in parsed.notes:
        raise FileRefused(f"{path}: news settings {settings.source} declare 'columns' "
                          f"({', '.join(repr(column) for column in settings.columns)}), but the file is "
                          f"{parsed.format}, which names no columns or fields to read them from; drop 'columns' "
                          "from the settings that apply to it")
    _explain_unrecognised_labels(parsed, path)
    if settings is None:
        return parsed
    parsed.notes["news_settings"] = str(settings.source)
    return in_local_zone(parsed, settings, str(path))


def _explain_unrecognised_labels(parsed: ParsedFile, path: Path) -> None:
    """Add notes['label_unrecognised_message'] when articles were loaded unlabelled because their
    label was not recognised: the file, the label column, the lines and each label's count, and the
    settings key that declares what they mean."""
    parsed.notes.update(_unrecognised_labels_said(parsed.notes, str(path)))


def _label_column(notes: Mapping[str, object]) -> str:
    """The file's label column as its header names it (notes['columns']), else 'label'."""
    columns = notes.get("columns")
    return str(columns.get("label", "label")) if isinstance(columns, dict) else "label"


def _unrecognised_labels_said(notes: Mapping[str, object], where: str) -> dict[str, str]:
    """{'label_unrecognised_message': text} naming `where` (the file), its label column, the lines
    (notes['label_unrecognised_lines']) and each label's count (notes['label_unrecognised']) of the
    articles loaded unlabelled, and the settings key that declares them; {} where none is counted."""
    counts = notes.get("label_unrecognised")
    if not counts:
        return {}
    lines = notes.get("label_unrecognised_lines", [])
    shown = ", ".join(map(str, lines[:10])) + (f" and {len(lines) - 10} more" if len(lines) > 10 else "")
    return {"label_unrecognised_message": (
        f"{where}: column {_label_column(notes)}: {sum(counts.values())} article(s) loaded without a label (NULL: "
        f"scored, not trained on) on line(s) {shown}, because their label is not one of {sorted(LABELS)}: "
        f"{json.dumps(counts, ensure_ascii=False)}; {LABEL_MAP_HINT}")}


@dataclass(frozen=True)
class _NulPadding:
    """The NUL bytes, and line ends among them, that end a news file's content (`csv_text.nul_padding`,
    as in loan tapes): the zero-filled space a copy writes into when it sets the file's size aside
    first (a pre-allocating transfer or download client) and stops before filling it. No data."""

    cut: int
    """Byte offset where the content ends and the padding begins (UTF-16: a whole code unit)."""
    offset: int
    """Byte offset of its first NUL."""
    nuls: int
    before: str
    """The content before `cut`, decoded (a bad byte replaced): what the copy holds."""
    line: int
    """The line of its first NUL."""
    lines: range
    """The lines that hold nothing but padding: non-data lines (`nul_padding`)."""
    marker: bytes
    """A NUL in the content's encoding where the padding follows text on its line (a last record
    it may have cut), else b''."""

    @classmethod
    def of(cls, data: bytes, declared: str | None) -> _NulPadding | None:
        if (padding := csv_text.nul_padding(data)) is None:
            return None
        encoding = csv_text.sniff_encoding(data[:padding[0]], declared or "utf-8")
        if encoding == "utf-16":  # by its byte-order mark; decoded in pieces below, so named by it
            encoding = "utf-16-be" if data.startswith(codecs.BOM_UTF16_BE) else "utf-16-le"
        unit = 2 if encoding.startswith("utf-16") else 1
        cut = padding[0] + padding[0] % unit  # UTF-16: after the text's last code unit, whose high byte may be 0
        before, rest = data[:cut].decode(encoding, errors="replace"), data[cut:].decode(encoding, errors="replace")
        if "\0" not in rest:  # UTF-16's last line end ('\n\x00'): its zero byte is half a character, no padding
            return None
        whole = csv_text.lf_line_ends(before + rest)
        line = whole.count("\n", 0, len(before) + rest.find("\0")) + 1
        on_text = bool(whole[:len(before)].rpartition("\n")[2].strip("\ufeff")) and not rest.startswith(("\n", "\r"))
        last = whole.count("\n") + (not whole.endswith("\n"))
        return cls(cut, cut + rest.find("\0") * unit, rest.count("\0") * unit, before, line,
                   range(line + on_text, last + 1), "\0".encode(encoding) if on_text else b"")

    @property
    def said(self) -> str:
        return f"{self.nuls:,} NUL bytes from byte offset {self.offset} (line {self.line})"


NUL_PADDING_CUT = ("a pre-allocating transfer stopped; was it landed before it was fully written? Land it again once "
                   "the copy is complete")

LINE_FORMATS = frozenset({"phrasebank_txt", "phrasebank_csv", "news_feed_csv", "news_mail"})
"""Formats read by line, where a record ends with its line: NUL padding that follows text on its
line may have cut that record, which looks whole without it, so a NUL is left at its end
(`_NulPadding.marker`) and quarantines it as `control_character` where a field read holds it. A
JSON value or an XML element is closed by its own syntax: one the padding cut is not read whole."""


def _nul_padded(path: Path, data: bytes, sha256: str, encoding: str | None,
                label_map: Mapping[str, str | None] | None, padding: _NulPadding) -> ParsedFile:
    """A news file whose content ends in NUL padding, read without it: its lines of padding alone
    are non-data lines (`nul_padding`) and notes['nul_padding'] gives its byte count, offset and
    line. A file that holds nothing else, or its header and no record, is refused: a copy cut short
    before its data must not land as a file of no articles; another refusal says the padding too."""
    if not padding.before.strip(" \t\r\n\ufeff"):
        raise FileRefused(f"{path}: the file holds nothing but {padding.nuls:,} NUL bytes: a copy cut short before "
                          f"its first byte ({NUL_PADDING_CUT})")
    try:
        parsed = _parse_content(path, data[:padding.cut], sha256, encoding, label_map, padding.marker)
    except FileRefused as exc:
        raise FileRefused(f"{exc}; the file then ends with {padding.said}: a copy cut short? "
                          f"({NUL_PADDING_CUT})") from exc
    if not parsed.data_records:
        raise FileRefused(f"{path}: no article (a header at most) before the file's {padding.said}: a copy cut "
                          f"short before its first record ({NUL_PADDING_CUT})")
    parsed.non_data_lines.extend((line, "nul_padding") for line in padding.lines)
    cut_record = bool(padding.marker) and parsed.format in LINE_FORMATS
    parsed.notes["nul_padding"] = (
        f"the file ends with {padding.said}"
        + (", right after its last record's text (quarantined where a field read holds the NUL left there)"
           if cut_record else "")
        + ": a copy written into space set aside for it, or cut short, ends so; compare its last articles with "
          "the source")
    return parsed


_JSON_COMMENTS = re.compile(r"\A\ufeff?(?:\s*(?://[^\n]*|#[^\n]*|/\*.*?\*/))+\s*", re.DOTALL)
"""Comments before a JSON document (`// export of ...`, `/* ... */`, `# ...`), as JSONC, JSON5 and
YAML-minded tools write and JSON does not; the document is looked for after them."""


def _parse_news(path: Path, encoding: str | None, label_map: Mapping[str, str | None] | None = None) -> ParsedFile:
    """`parse_news_file` without settings but the declared text encoding (None: UTF-8 or UTF-16)
    and label map. A workbook, an XML feed and e-mail are read from their bytes (an XML feed in
    the encoding its declaration names, e-mail in the charsets its messages declare, the declared
    encoding reading only text that declares none); other formats from the file decoded whole
    (`decode_text`). NUL bytes that end the content are read off first (`_nul_padded`)."""
    _refuse_compressed(path)
    raw, data = csv_text.read_landed_bytes(path, workbook_ok=True)
    sha256 = hashlib.sha256(raw).hexdigest()
    del raw
    if csv_text.is_workbook(path, data):
        return _refuse_without_articles(path, parse_news_workbook(path, data, sha256, label_map=label_map))
    _refuse_utf32(path, data)
    if (padding := _NulPadding.of(data, encoding)) is not None:
        return _nul_padded(path, data, sha256, encoding, label_map, padding)
    return _refuse_without_articles(path, _parse_content(path, data, sha256, encoding, label_map))


def _refuse_utf32(path: Path, data: bytes) -> None:
    """Refuse a file that opens with UTF-32's byte-order mark (FF FE 00 00 little-endian, 00 00 FE
    FF big-endian), whatever its news settings declare: news files are read as UTF-8 or UTF-16, as
    loan tapes are, and UTF-32's mark would otherwise read as UTF-16's followed by NUL bytes.

    Raises:
        FileRefused: naming the mark and how to export the file again."""
    for mark, order in ((codecs.BOM_UTF32_LE, "little-endian"), (codecs.BOM_UTF32_BE, "big-endian")):
        if data.startswith(mark):
            raise FileRefused(f"{path}: UTF-32 text ({order}: the file opens with its byte-order mark "
                              f"{mark.hex(' ').upper()}), which news landing does not read: export it again as "
                              "UTF-8 (or UTF-16) and land that")


def _refuse_without_articles(path: Path, parsed: ParsedFile) -> ParsedFile:
    """`parsed` when it holds an article (loaded or quarantined) or states that it holds none (a
    footer's 'Total stories: 0', an API page's `totalResults: 0`); otherwise a refusal, as a loan
    tape that holds its header and no loan is refused: a file with a header and no record, an empty
    JSON list, an API page whose article list is empty and says nothing of a count, a feed without
    an item is a failed export or a copy cut before its first record, and landed as 0 rows it
    would say nothing in the run's summary.

    Raises:
        FileRefused: naming the file, what it holds (its header, an empty article list, a feed
            without items), and its lines that are no record.
    """
    if parsed.data_records or "articles_stated" in parsed.notes or any(
            entry.get("stated") == 0 for entry in parsed.notes.get("footer_totals", {}).values()):
        return parsed
    listed = [where for where in parsed.notes.get("articles_in", []) if where != "the top level"]
    elements = [where for where in listed if where.startswith("<")]  # RSS's <item>, Atom's <entry>
    holds = (f"a feed without an {elements[0]} element" if elements else
             {"news_feed_json": f"an empty list of articles ({', '.join(listed)})" if listed else "an empty JSON list",
              "news_feed_jsonl": "no line with an article", "news_mail": "no message"}.get(parsed.format, "its header"))
    besides = (f" and {len(parsed.non_data_lines):,} line(s) that are no record (notes, markers, footers, blank "
               "lines)" if parsed.non_data_lines and holds == "its header" else "")
    raise FileRefused(f"{path}: the file holds {holds}{besides} and no article: a failed export, or a copy cut "
                      "before its first record? Land it again once it holds its articles (or remove it from landing)")


_DOCUMENTS = ((re.compile(rb"^PAR1"), "a Parquet file (news landing reads text: CSV, JSON, RSS/Atom, e-mail, or an "
                                       "Excel workbook; loan landing reads Parquet)"),
              (re.compile(rb"^(?:\xef\xbb\xbf)?\s*\{\\rtf"), "an RTF document (a word processor's, or Factiva's and "
                "Nexis' 'Download as RTF')"),
              (re.compile(rb"^%PDF-"), "a PDF document"),
              (re.compile(rb"(?im)\A(?:[\w-]+:[^\n]*\n|[ \t][^\n]*\n)*?(?:snapshot-content-location:|from:\s*<?saved by )"),
               "a web page saved as MHTML (a browser's 'Save as' of one page: its menus, links and footer would be "
               "read as the article, and the time of saving as its publication)"))
"""Documents a reader saves, not feeds: their layout is the page's, not an article's fields."""


def _refuse_document(path: Path, data: bytes) -> None:
    """Refuse an RTF, PDF or MHTML document (_DOCUMENTS) by what it is, with the exports that land.

    Raises:
        FileRefused: the file is one; names the file and the kind."""
    head = data[:4096]
    kind = next((what for pattern, what in _DOCUMENTS if pattern.search(head)), None)
    if kind is not None:
        raise FileRefused(f"{path}: {kind}, not a news file: news landing reads feeds and tables of articles; "
                          "export the articles as CSV, RSS/Atom or JSON (Factiva and Nexis offer CSV or XML "
                          "exports, a site its RSS feed) and land that")


NEWS_FORMATS = ("Financial PhraseBank text or CSV, a feed CSV, JSON or JSON Lines, RSS or Atom, an Excel workbook, "
                "e-mail (mbox or .eml), each plain or gzip-compressed")
"""What news landing reads, as refusals name it."""

_INNER_FORMATS = {".csv": "CSV", ".tsv": "CSV", ".txt": "text", ".json": "JSON", ".jsonl": "JSON Lines",
                  ".ndjson": "JSON Lines", ".xml": "RSS or Atom", ".rss": "RSS or Atom", ".atom": "RSS or Atom",
                  ".xlsx": "an Excel workbook", ".mbox": "e-mail", ".eml": "e-mail"}
"""A compressed file's inner suffix (`feed.jsonl.zst`) -> the news format its name says it holds."""

_UNPACK = {"bzip2-compressed": "bunzip2 -k", "xz-compressed": "unxz -k", "zstd-compressed": "zstd -d",
           "lz4-compressed": "lz4 -d", "a 7-Zip archive": "7z x", "a RAR archive": "unrar x",
           "a tar archive": "tar -xf"}
"""csv_text.COMPRESSED_MAGIC's kind -> the command that unpacks it."""


def _refuse_compressed(path: Path) -> None:
    """Refuse a news file compressed or packed as landing cannot read (csv_text.COMPRESSED_MAGIC:
    bzip2, xz, zstd, lz4, 7-Zip, RAR, tar), naming what news landing reads (NEWS_FORMATS), the
    command that unpacks it and, when its name says so (`feed.jsonl.zst`), the format inside.

    Raises:
        FileRefused: the file starts with one of those magic bytes."""
    with path.open("rb") as handle:
        head, inside = handle.read(512), ""
    if head[:2] == b"\x1f\x8b":  # gzip is read; what it holds may not be (a .tar.gz)
        try:
            with gzip.open(path) as handle:
                head, inside = handle.read(512), " inside gzip"
        except (OSError, EOFError):
            return  # a broken gzip stream: csv_text.read_landed_bytes says so
    what = next((what for magic, offset, what in csv_text.COMPRESSED_MAGIC
                 if head[offset:offset + len(magic)] == magic), None)
    if what is None:
        return
    inner = Path(path.stem) if len(path.suffixes) > 1 and "archive" not in what and not inside else None
    held = _INNER_FORMATS.get(inner.suffix.lower()) if inner else None
    unpacked = (f" gives {inner}, {held}, which news landing reads" if held else
                f" gives {inner}" if inner else "")
    command = f"{_UNPACK[what]} {path.name}" if not inside else f"gunzip it, then {_UNPACK[what]} what it gives"
    raise FileRefused(f"{path}: {what}{inside}, which news landing cannot read: it reads {NEWS_FORMATS}; unpack it "
                      f"({command}{unpacked}; or compress it with gzip instead) and land that")


def _data_value_said(value: str) -> str | None:
    """What a header cell holding `value` shows it is data, not a column name: 'a publication time'
    (a value `parse_timestamp` reads, with a date or clock in it, or epoch seconds) or 'a sentence'
    (five words or more); None for anything a header could name."""
    value = value.strip()
    if len(value.split()) >= 5:
        return "a sentence"
    if re.search(r"\d[-/.:]\d|^\d{9,}$", value):
        try:
            parse_timestamp(value)
        except ValueError:
            return None
        return "a publication time"
    return None


def _refuse_missing_header(path: Path, lines: list[str]) -> None:
    """Refuse a feed CSV written without its header line: the first non-blank line splits (at a
    FEED_DELIMITERS member) into two fields or more of which at least one is a publication time or
    a sentence (`_data_value_said`). The message names the values and gives a header to add, each
    column named by what it holds (`published_at`, `headline`: the longest sentence; `column_<n>`
    for the others), since news settings' `columns` name a header's columns, never positions.

    Raises:
        FileRefused: the first line reads as data; else returns None."""
    first = next(((number, line) for number, line in enumerate(lines, start=1) if line.strip()), None)
    if first is None:
        return
    number, line = first
    splits = []
    for delimiter in FEED_DELIMITERS:
        try:
            fields = next(csv.reader([line], delimiter=delimiter, skipinitialspace=True))
        except (csv.Error, StopIteration):
            continue
        said = [_data_value_said(field) for field in fields]
        if len(fields) >= 2 and any(said):
            splits.append((sum(map(bool, said)), len(fields), delimiter, fields, said))
    if not splits:
        return
    _, _, delimiter, fields, said = max(splits)
    sentences = [i for i, what in enumerate(said) if what == "a sentence"]
    headline = max(sentences, key=lambda i: len(fields[i])) if sentences else None
    published = said.index("a publication time") if "a publication time" in said else None
    names = ["published_at" if i == published else "headline" if i == headline else f"column_{i + 1}"
             for i in range(len(fields))]
    shown = "; ".join(f"{what} {field if len(field) <= 60 else field[:59] + '…'!r}"
                      for field, what in zip(fields, said) if what)
    raise FileRefused(
        f"{path}: line {number} reads as data, not a header ({shown}): the header line seems to be missing; "
        f"add one above it naming each column, such as {delimiter.join(names)!r} (name each column_<n> "
        "for what it holds: source, ticker, id, body), and land the file again (news settings' `columns` "
        "name a header's columns, not positions)")


def _parse_content(path: Path, data: bytes, sha256: str, encoding: str | None,
                   label_map: Mapping[str, str | None] | None, marker: bytes = b"") -> ParsedFile:
    """`_parse_news` from the content on; `marker` (NUL padding's `marker`) is put at the end of
    the content of the formats read by line."""
    _refuse_document(path, data)
    if news_xml.looks_like_xml(data):  # decoded by the XML parser, in the encoding it declares
        return parse_news_feed_xml(path, data, sha256, label_map=label_map)
    if _looks_like_mail(data, encoding):  # parsed from its bytes, each message in the charsets it declares
        return parse_news_mail(path, data + marker, sha256, encoding, label_map=label_map)
    text = decode_text(path, data, encoding)
    if not text.strip():
        raise FileRefused(f"{path}: the file is empty{' (all blank)' if text else ''}: no articles; "
                          "was it landed before it was fully written?")
    # split at line ends only (physical_lines), never at str.splitlines' U+2028, NEL, vertical tab or form
    # feed: JSON holds those inside a string, and a line split there is no JSON object
    if _looks_like_json(text) or _cut_at_start([line for line in physical_lines(text[:1 << 20])[:4] if line.strip()]):
        return parse_news_feed_json(path, text, sha256, label_map=label_map)
    lines = physical_lines(text + "\0" * bool(marker))
    if _is_phrasebank_csv(lines):
        return parse_phrasebank_csv(path, lines, sha256, label_map=label_map)
    if _looks_like_phrasebank_txt(lines):  # before feeds: a sentence can end in a word like 'content'
        return parse_phrasebank_txt(path, lines, sha256, label_map=label_map)
    if _EXCEL_SEPARATOR_LINE.fullmatch(lines[0].strip()) and len(lines) > 1:
        _refuse_loan_tape(path, lines[1], "line 2")
        if _is_news_feed_csv(lines[1:]):
            return parse_news_feed_csv(path, lines[1:], sha256, first_line=2, label_map=label_map)
    _refuse_loan_tape(path, lines[0])  # a tape with a text column reads as a feed; one without is no news format
    if _is_news_feed_csv(lines):
        return parse_news_feed_csv(path, lines, sha256, label_map=label_map)
    if (comments := _JSON_COMMENTS.match(text)) and _looks_like_json(text[comments.end():]):
        opening = text.lstrip("\ufeff \t\r\n")[:2]
        line = text.count("\n", 0, len(text) - len(text.lstrip("\ufeff \t\r\n"))) + 1
        raise FileRefused(f"{path}: line {line}: a comment ({opening}), and JSON has none: a JSON with comments "
                          "(JSONC, JSON5) file, as an editor or a config export writes it; remove the comments "
                          "(and any trailing commas) and land it again")
    _refuse_undecided_translations(path, lines[0])
    if box_tables.unbox(data, path) is not None:  # raises itself when the display left rows out
        raise FileRefused(f"{path}: a table drawn with box characters (psql's unicode line style, DuckDB's box "
                          f"display), which news landing does not read (loan landing does); "
                          f"{box_tables.EXPORT_INSTEAD.replace('tape.csv', 'news.csv')}")
    _refuse_missing_header(path, lines)
    raise FileRefused(
        f"{path}: not a known news format (expected Financial PhraseBank 'sentence@label' lines, "
        "its 'Y,Notices' CSV, a feed CSV with a headline or body column, a JSON feed: a news API's "
        "response or JSON Lines, starting with '{' or '[', an RSS or Atom feed, an Excel workbook, or e-mail: "
        "one message saved as .eml, headers first, or an mbox mailbox, each message after a 'From ' line)"
    )
