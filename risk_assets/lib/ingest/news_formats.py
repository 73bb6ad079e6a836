"""News file formats: detection by content and text-first parsing into the columns of raw.news.

Formats (detected from the bytes, never from the file name; gzip is opened transparently):

- `phrasebank_txt`: the Financial PhraseBank vendor text, one `sentence@label` per line, UTF-8
  with a byte-order mark, CRLF line ends (Malo et al., 2014).
- `phrasebank_csv`: its CSV re-export, header `Y,Notices`, one `label,sentence` per physical line.
- `news_feed_csv`: an article feed with a header naming an id, a timestamp, a headline and/or a
  body (see FEED_ALIASES for the accepted names).

Every physical line after the header is one data record (loaded or quarantined with its rule) or
one counted non-data line (blank lines); `ParsedFile.reconcile` proves it.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from risk_assets.lib.ingest.parsed import QUARANTINE_COLUMNS, FileRefused, ParsedFile
from risk_assets.lib.schema import NEWS_COLUMNS
from risk_assets.lib.text import clean_text, is_usable_text

LABELS = frozenset({"negative", "neutral", "positive"})
"""Sentiment labels of raw.news (Financial PhraseBank's three classes)."""

_POLARS_TYPES = {"VARCHAR": pl.Utf8, "TIMESTAMP": pl.Datetime("us"), "BOOLEAN": pl.Boolean}
ROWS_SCHEMA: dict[str, pl.DataType] = {
    **{c.name: _POLARS_TYPES[c.sql_type] for c in NEWS_COLUMNS},
    "_source_line": pl.Int64,
}
"""Columns of `ParsedFile.rows` for news: NEWS_COLUMNS plus the physical line."""

_GZIP_MAGIC = b"\x1f\x8b"
_BOM = "\ufeff"


@dataclass
class _Collector:
    """Rows and quarantine entries gathered while a file is read, turned into a ParsedFile."""

    format: str
    rows: list[dict[str, object]] = field(default_factory=list)
    quarantine: list[dict[str, object]] = field(default_factory=list)
    data_records: int = 0
    non_data_lines: list[tuple[int, str]] = field(default_factory=list)
    notes: dict[str, object] = field(default_factory=dict)

    def reject(self, line: int, key: str | None, column: str, rule: str, raw: str | None, message: str) -> None:
        self.quarantine.append(
            {"line": line, "record_key": key, "column_name": column, "rule": rule,
             "raw_value": raw, "message": message}
        )

    def note_line(self, name: str, line: int) -> None:
        lines = self.notes.setdefault(name, [])
        assert isinstance(lines, list)
        lines.append(line)

    def text_row(
        self, *, line: int, doc_id: str, source: str, text_raw: str, text_field: str, label: str | None,
        headline: str | None = None, body: str | None = None, ticker: str | None = None,
        published_at: object = None, clean_from: str | None = None,
    ) -> None:
        """Append one loaded row; `clean_from` is the text to clean when it differs from text_raw."""
        cleaned = clean_text(text_raw if clean_from is None else clean_from)
        if cleaned.unrepaired:
            self.note_line("mojibake_unrepaired_lines", line)
        self.rows.append(
            {"doc_id": doc_id, "source": source, "ticker": ticker, "headline": headline, "body": body,
             "text_raw": text_raw, "text_clean": cleaned.text, "text_field": text_field, "label": label,
             "published_at": published_at, "text_repaired": cleaned.repaired, "_source_line": line}
        )

    def parsed(self) -> ParsedFile:
        result = ParsedFile(
            format=self.format,
            rows=pl.DataFrame(self.rows, schema=ROWS_SCHEMA),
            quarantine=pl.DataFrame(self.quarantine, schema=QUARANTINE_COLUMNS),
            data_records=self.data_records,
            non_data_lines=self.non_data_lines,
            notes=self.notes,
        )
        result.reconcile()
        return result


def read_text(path: Path) -> tuple[str, str]:
    """Read a landed news file as text: gzip opened by its magic bytes, UTF-8, BOM removed.

    Returns:
        (text, sha256 hex of the landed bytes, compressed bytes when gzip).

    Raises:
        FileRefused: the bytes are not valid UTF-8 (the message names the file and the byte offset,
            counted in the decompressed stream when the file is gzip) or the gzip stream is corrupt.
    """
    data = path.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    if data[:2] == _GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise FileRefused(f"{path}: corrupt gzip stream ({exc})") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileRefused(
            f"{path}: not UTF-8 at byte offset {exc.start} (byte 0x{data[exc.start]:02x}); "
            "news files are read as UTF-8"
        ) from exc
    return text.removeprefix(_BOM), sha256


def physical_lines(text: str) -> list[str]:
    """Split on LF and drop the CR of CRLF; a final line end does not make an extra empty line."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def _looks_like_phrasebank_txt(lines: list[str]) -> bool:
    sample = [line for line in lines[:50] if line.strip()]
    hits = sum(1 for line in sample if line.rpartition("@")[2].strip().lower() in LABELS)
    return bool(sample) and hits >= 0.8 * len(sample)


def parse_phrasebank_txt(path: Path, lines: list[str], sha256: str) -> ParsedFile:
    """Financial PhraseBank vendor text: `sentence@label` per line.

    The split is on the last '@' (a sentence may contain '@'). doc_id = '<sha256[:16]>:<line>'
    (the corpus has no ids), text_field = 'sentence'. Quarantined: a line with no '@'
    (rule `missing_label_separator`), a label outside LABELS (rule `unknown_label`), an empty
    sentence (rule `no_usable_text`). Blank lines are non-data lines.
    """
    out = _Collector("phrasebank_txt")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            out.non_data_lines.append((number, "blank"))
            continue
        out.data_records += 1
        doc_id = f"{sha256[:16]}:{number}"
        sentence, at, label_raw = line.rpartition("@")
        label = label_raw.strip().lower()
        if not at:
            out.reject(number, doc_id, "label", "missing_label_separator", line,
                       f"{path}: line {number} has no '@' between sentence and label")
        elif label not in LABELS:
            out.reject(number, doc_id, "label", "unknown_label", label_raw,
                       f"{path}: line {number} label {label_raw!r} is not one of {sorted(LABELS)}")
        elif not (usable := is_usable_text(clean_text(sentence).text)).usable:
            out.reject(number, doc_id, "sentence", "no_usable_text", sentence,
                       f"{path}: line {number} sentence has no usable text ({usable.reason})")
        else:
            out.text_row(line=number, doc_id=doc_id, source="financial_phrasebank",
                         text_raw=sentence, text_field="sentence", label=label)
    return out.parsed()


def parse_news_file(path: Path) -> ParsedFile:
    """Detect the format of one landed news file by its content and parse it.

    Args:
        path: the landed file (plain or gzip).

    Returns:
        ParsedFile whose `rows` has the columns ROWS_SCHEMA (NEWS_COLUMNS + `_source_line`, one row
        per loaded record) and whose `quarantine` has one row per rejected value with its rule;
        `reconcile()` has been checked.

    Raises:
        FileRefused: no known news format, or undecodable bytes; the message names the file
            (and the byte offset for a decode error).
    """
    text, sha256 = read_text(path)
    lines = physical_lines(text)
    if _looks_like_phrasebank_txt(lines):
        return parse_phrasebank_txt(path, lines, sha256)
    raise FileRefused(
        f"{path}: not a known news format (expected Financial PhraseBank 'sentence@label' lines, "
        "its 'Y,Notices' CSV, or a feed CSV with a headline or body column)"
    )
