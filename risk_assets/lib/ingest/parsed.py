"""The result of parsing one landed file, shared by every tape and news format."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

QUARANTINE_COLUMNS = {
    "line": pl.Int64,
    "record_key": pl.Utf8,
    "column_name": pl.Utf8,
    "rule": pl.Utf8,
    "raw_value": pl.Utf8,
    "message": pl.Utf8,
}
"""Columns of `ParsedFile.quarantine`: physical line (1-based), loan key / doc id when known, the
source column, the rule broken (snake_case, e.g. `rate_out_of_range`), the raw text and a sentence."""


class FileRefused(ValueError):
    """The file cannot be read as any known format; the message names the file and, where it
    applies, the line, column or byte offset and what was expected. Nothing of it is loaded."""


@dataclass(frozen=True)
class RepeatedArticle:
    """An article id repeated within its file, quarantined as `duplicate_doc_id`: the facts its
    message is written from (`news_formats.repeat_message`), kept so that landing can write it
    again when the file's first copy is itself a copy of an article the lake already holds.

    Attributes:
        where: the repeat's place as its message names it (`<file>: line 5`, `<file>: sheet 'News' row 5`).
        doc_id: the repeat's article id, as loaded rows carry it.
        first_line: the line of the file's first copy of the article.
        first_id: the first copy's article id: another than doc_id where one is the other's URL
            written another way (`news_formats.url_key`).
        same_text: whether the repeat's cleaned text is the first copy's.
        label: the repeat's label (None: unlabelled).
        first_label: the first copy's label (None: unlabelled).
        numbered: what the file's records are numbered by, and so what first_line counts: 'line'
            (a physical line), or 'article' (a JSON response that puts several articles on one
            line: their numbers in the file, notes['record_numbers']).
        first_at: the first copy's place as messages name it where the number alone does not
            (`article 2 (line 1 column 40)`); None: `<numbered> <first_line>`.
    """

    where: str
    doc_id: str
    first_line: int
    first_id: str
    same_text: bool
    label: str | None
    first_label: str | None
    numbered: str = "line"
    first_at: str | None = None

    @property
    def first_place(self) -> str:
        """The first copy's place as a message names it: `line 2`, or `article 2 (line 1 column 40)`."""
        return self.first_at or f"{self.numbered} {self.first_line}"


@dataclass
class ParsedFile:
    """One landed file after parsing.

    Attributes:
        format: the detected format name (lendingclub, sba, generic:<mapping>, phrasebank_txt, ...).
        rows: loaded rows, one per good record: the canonical columns of `lib.schema`
            (LOAN_COLUMNS or NEWS_COLUMNS) plus `_source_line`; the lineage columns naming the file,
            hash, time and run are added by the landing step.
        quarantine: one row per rejected value (columns QUARANTINE_COLUMNS); a record with any
            quarantined value is not in `rows`.
        data_records: data records found in the file after the header; each one is either in
            `rows` or quarantined (see `reconcile`). The manifest's rows_in_file is
            data_records + len(non_data_lines).
        non_data_lines: (line, kind) for every physical line skipped as not data: notes above the
            header, policy markers, footers, blank lines. Each line once, never a record's first line
            (see `reconcile`); landing keeps one row per line in raw.non_data_lines.
        non_data_text: line -> the line's text as the reader kept it, for those non-data lines
            whose text it keeps (a repeated header, a marker, a footer, a total row; never a blank
            line); landing keeps it, shortened, in raw.non_data_lines.text.
        notes: facts worth showing a user (footer totals checked, dialect detected, ...).
        repeats: line -> RepeatedArticle, for each article id a news reader quarantined as
            repeated within the file (empty for loan tapes).
        places: record number -> its place as messages name it, for a file whose records are
            numbered otherwise than by line (a JSON response's `article 4 (line 3 column 1)`);
            empty where the number is a line (`news_formats.record_place`).
        counted_lines: note name -> (line, key) of each count a news reader made in a count note
            read off a row (`not_english_languages`, `ticker_forms`, `label_mapped`,
            `line_break_characters_read`, whose key is a (column, character) tuple), so that a row quarantined
            later leaves the count as it leaves the lines notes (`news_formats.loaded_rows_noted`).
    """

    format: str
    rows: pl.DataFrame
    quarantine: pl.DataFrame
    data_records: int
    non_data_lines: list[tuple[int, str]] = field(default_factory=list)
    notes: dict[str, object] = field(default_factory=dict)
    non_data_text: dict[int, str] = field(default_factory=dict)
    repeats: dict[int, RepeatedArticle] = field(default_factory=dict)
    places: dict[int, str] = field(default_factory=dict)
    counted_lines: dict[str, list[tuple[int, str | tuple[str, ...]]]] = field(default_factory=dict)

    @property
    def rows_quarantined(self) -> int:
        """Distinct records with at least one quarantined value."""
        return self.quarantine.get_column("line").n_unique() if self.quarantine.height else 0

    def reconcile(self) -> None:
        """Check that every data record is accounted for: data_records = loaded + quarantined, and
        that every counted line is counted once: no line is listed twice in `non_data_lines`, and
        none of them is the line of a loaded or quarantined record.

        Raises:
            ValueError: the numbers do not add up (the message gives all of them), or a line is
                counted twice (the message names the first such lines and their kinds).
        """
        loaded, quarantined = self.rows.height, self.rows_quarantined
        if loaded + quarantined != self.data_records:
            raise ValueError(
                f"reconcile failed for format {self.format}: {self.data_records} records in file, "
                f"{loaded} loaded + {quarantined} quarantined = {loaded + quarantined}"
            )
        if not self.non_data_lines:
            return
        kinds: dict[int, list[str]] = {}
        for line, kind in self.non_data_lines:
            kinds.setdefault(line, []).append(kind)
        twice = sorted(line for line, said in kinds.items() if len(said) > 1)
        if twice:
            raise ValueError(
                f"reconcile failed for format {self.format}: {len(twice)} line(s) counted twice as non-data lines: "
                + ", ".join(f"line {line} ({' and '.join(kinds[line])})" for line in twice[:5]))
        lines = pl.Series("line", list(kinds), pl.Int64).implode()
        records = pl.concat([self.rows.get_column("_source_line").cast(pl.Int64),
                             self.quarantine.get_column("line").cast(pl.Int64)]).unique()
        both = sorted(records.filter(records.is_in(lines)).to_list())
        if both:
            raise ValueError(
                f"reconcile failed for format {self.format}: {len(both)} record line(s) also counted as non-data "
                "lines: " + ", ".join(f"line {line} ({kinds[line][0]})" for line in both[:5]))


def empty_quarantine() -> pl.DataFrame:
    return pl.DataFrame(schema=QUARANTINE_COLUMNS)
