"""How to read news files that do not say everything themselves: the text encoding of a desk's
export (a Finnish desk's CSV in Windows-1252, not UTF-8), the zone of publication times
written without one (a local-time feed), and which of a vendor's own columns is which, declared by
the user instead of guessed.

A settings file is JSON:

    {"name": "helsinki_desk", "applies_to": ["desk_*.csv"],
     "encoding": "cp1252", "timezone": "Europe/Helsinki",
     "label_map": {"1": "positive", "0": "neutral", "-1": "negative", "mixed": null},
     "columns": {"story_text": "body", "titel": "headline", "zeit": "published_at"}}

beside the news file as `<file name>.mapping.json` (that file alone; landing never reads it as
news), or in `$RISK_HOME/mappings/news/` naming its files by `applies_to` (file-name globs, matched
whatever their case; default `*`). Keys: `name`, `applies_to`, `encoding` (a Python codec name:
the file is decoded strictly in it, and a byte it cannot decode refuses the file), `timezone` (an
IANA zone name: publication times without a zone or offset are read as wall-clock times there, with
its daylight-saving rules, and converted to UTC; times with a zone keep theirs), `label_map` (source
label -> 'negative', 'neutral' or 'positive', or null for "not a sentiment label": the article loads
unlabelled; keys are compared whatever their case and surrounding spaces, a class code by its whole
number ('+1', '1.0' are '1'), and are read before the built-in forms, see `news_formats.read_label`),
`columns` (the file's own column, or a JSON field by its dotted path `content.story` -> one of
COLUMN_FIELDS: read as that field before any column the reader's names would take for it, which is
then ignored; names compared whatever their case and surrounding spaces; a declared column the file
lacks refuses the file, see `news_formats._refuse_undeclared`), `description`;
keys starting with `_` are comments. Without settings a news file is read as UTF-8 (or UTF-16 by
its byte-order mark) and its zone-less times are taken as UTC, as `news_formats` documents.

A wall-clock time that does not name one instant in the zone (the hour repeated when clocks go back,
or skipped when they go forward) is quarantined (`ambiguous_local_time`), never guessed.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from risk_assets.lib.ingest.mappings import names_file
from risk_assets.lib.ingest.news_formats import (
    FEED_ALIASES, LABELS, SEASONAL_PAIRS, STANDARD_TIME_REGIONS, column_key, label_key, label_number,
    loaded_rows_noted, record_place, repeats_of_quarantined_copies, zone_word_in_summer,
)
from risk_assets.lib.ingest.parsed import FileRefused, ParsedFile

SETTINGS_KEYS = ("name", "applies_to", "encoding", "timezone", "date_order", "label_map", "columns", "description")
"""Keys of a news settings file (and comments starting with '_')."""
SIDECAR_SUFFIX = ".mapping.json"
"""`<news file name><SIDECAR_SUFFIX>` holds the settings of that file alone."""
FOLDER = "news"
"""Subfolder of a mappings folder that holds news settings (`$RISK_HOME/mappings/news/`)."""
DATE_ORDERS = ("DMY", "MDY")
"""Values of `date_order`: day first (Europe: `02.05.2024`, `02/05/2024`) or month first (US)."""
COLUMN_FIELDS = tuple(FEED_ALIASES)
"""The lake's fields a news file's own column may be declared as (`columns`): the fields the reader
takes from a feed's columns, `doc_id` (an article URL is its id), `published_at`, `headline`,
`body`, `source`, `ticker`, `label`."""
ASSUMED_UTC_NOTE = "published_at_assumed_utc_lines"
"""The parsers' note listing the lines whose publication time had no zone (taken as UTC)."""


@dataclass(frozen=True)
class NewsSettings:
    """The settings that apply to one news file: where they were declared, and what they say
    (None: not declared, the default applies)."""

    source: Path
    name: str
    encoding: str | None = None
    timezone: str | None = None
    date_order: str | None = None
    """'DMY' or 'MDY': how the file writes a numeric date whose day and month could be swapped
    (`02.05.2024`, `05/02/2024`); None: such a date is quarantined."""
    label_map: dict[str, str | None] | None = None
    """`label_key(source label)` -> 'negative' / 'neutral' / 'positive', or None (not a sentiment
    label: loaded unlabelled)."""
    columns: dict[str, str] | None = None
    """The file's own column (CSV or workbook header) or JSON field (a dotted path for a nested one,
    `content.story`), as declared -> the lake field (COLUMN_FIELDS) it is read as."""


def load_news_settings(news_file: Path, mapping_dirs: Sequence[Path] = ()) -> NewsSettings | None:
    """The settings for `news_file`: its sidecar, else the one settings file of
    `<mapping dir>/news/*.json` whose `applies_to` names it; None when none does.

    Raises:
        FileRefused: a settings file that may apply is not valid JSON or not valid settings (an
            unknown key, an encoding Python has no codec for, a zone not in the IANA database, an
            applies_to that is no glob or list of globs), or two folder settings name the file
            (which one is meant is ambiguous), or a `label_map` that is no JSON object, maps a label
            to anything but 'negative', 'neutral', 'positive' or null, has an empty label, or names
            one label twice (whatever the case; a class code by its number, '1' and '1.0') with
            different targets, or `columns` that is no JSON object of column -> lake field, maps a
            column to no field of COLUMN_FIELDS, declares two columns as one field, or one column
            twice (whatever its case and spaces); the message names the
            settings file(s) and the key.
    """
    sidecar = news_file.with_name(news_file.name + SIDECAR_SUFFIX)
    if sidecar.is_file():
        return _settings(sidecar, _read(sidecar))
    named = []
    for folder in mapping_dirs:
        settings_dir = Path(folder) / FOLDER
        for path in sorted(settings_dir.glob("*.json")) if settings_dir.is_dir() else []:
            document = _read(path)
            globs = document.get("applies_to", "*") if isinstance(document, dict) else "*"
            globs = [globs] if isinstance(globs, str) else globs
            if not isinstance(globs, list) or not all(isinstance(g, str) for g in globs) or not globs:
                raise FileRefused(f"{path}: invalid news settings: 'applies_to' must be a file-name glob or a "
                                  f"list of them, not {globs!r}")
            if any(names_file(glob, news_file.name) for glob in globs):
                named.append(_settings(path, document))
    if len(named) > 1:
        raise FileRefused(f"{news_file}: news settings {', '.join(str(s.source) for s in named)} all name this "
                          "file; which one is meant is ambiguous: narrow their applies_to")
    return named[0] if named else None


def _read(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FileRefused(f"{path}: news settings are not valid JSON: {exc}") from None


def _settings(path: Path, document: object) -> NewsSettings:
    """Validated settings from one parsed settings file (see `load_news_settings` for the faults)."""
    def refuse(why: str) -> FileRefused:
        return FileRefused(f"{path}: invalid news settings: {why}")

    if not isinstance(document, dict):
        raise refuse("settings are a JSON object such as {\"name\": \"desk\", \"encoding\": \"cp1252\", "
                     "\"timezone\": \"Europe/Helsinki\"}")
    unknown = sorted(key for key in document if key not in SETTINGS_KEYS and not str(key).startswith("_"))
    if unknown:
        raise refuse(f"unknown key(s) {unknown}; news settings keys are {list(SETTINGS_KEYS)} "
                     "(a key starting with '_' is a comment)")
    encoding, zone = document.get("encoding"), document.get("timezone")
    if encoding is not None:
        try:
            encoding = codecs.lookup(encoding).name if isinstance(encoding, str) else None
        except LookupError:
            encoding = None
        if encoding is None:
            raise refuse(f"'encoding' {document['encoding']!r} is no text encoding Python knows "
                         "(e.g. 'cp1252', 'latin-1', 'utf-16', 'gb18030')")
    if zone is not None:
        try:
            if not isinstance(zone, str) or not zone.strip():
                raise ValueError(zone)
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise refuse(f"'timezone' {zone!r} is no IANA time zone name (e.g. 'Europe/Helsinki', "
                         f"'America/New_York'){_abbreviation_said(zone)}") from None
    name = document.get("name", path.name)
    if not isinstance(name, str) or not name.strip():
        raise refuse(f"'name' must be a non-empty string, not {name!r}")
    order = document.get("date_order")
    if order is not None and (not isinstance(order, str) or order.strip().upper() not in DATE_ORDERS):
        raise refuse(f"'date_order' {order!r} is none of {list(DATE_ORDERS)} (day first, as in 02.05.2024 for "
                     "2 May, or month first, as in 05/02/2024)")
    label_map = _label_map(document["label_map"], refuse) if document.get("label_map") is not None else None
    columns = _columns(document["columns"], refuse) if document.get("columns") is not None else None
    return NewsSettings(path, name, encoding, zone, order and order.strip().upper(), label_map, columns)


def _abbreviation_said(zone: object) -> str:
    """For a declared 'timezone' that is a zone abbreviation the IANA database lacks ('PST',
    'CST', 'AEST', 'CEST'): what to write instead, the region whose clock it names, its summer time
    included (STANDARD_TIME_REGIONS, SEASONAL_PAIRS); '' for any other value."""
    upper = zone.strip().upper() if isinstance(zone, str) else ""
    region = next((region for pair, region in SEASONAL_PAIRS.items() if upper in pair.split("/")), None)
    region = STANDARD_TIME_REGIONS[upper][0] if upper in STANDARD_TIME_REGIONS else region
    if region is None:
        return ""
    return (f": {upper} is an abbreviation; for the local clock of {region}, which keeps summer time, write "
            f"{region!r}")


def _columns(declared: object, refuse) -> dict[str, str]:
    """The validated `columns` of a settings file: the file's column (or JSON field path) as
    written -> lake field (COLUMN_FIELDS). `refuse(why)` makes the FileRefused naming the settings
    file."""
    example = '{"story_text": "body", "titel": "headline", "zeit": "published_at"}'
    if not isinstance(declared, dict):
        raise refuse(f"'columns' must be a JSON object of the file's column -> lake field, such as {example}; "
                     f"not {declared!r}")
    read: dict[str, str] = {}
    by_key: dict[str, str] = {}
    by_field: dict[str, str] = {}
    for column, target in declared.items():
        if not column.strip():
            raise refuse("'columns' has an empty column name")
        if not isinstance(target, str) or target.strip().lower() not in COLUMN_FIELDS:
            raise refuse(f"'columns' maps {column!r} to {target!r}, which is no lake field; a column is read as one "
                         f"of {list(COLUMN_FIELDS)} (an article URL column is the doc_id)")
        target = target.strip().lower()
        if (key := column_key(column)) in by_key:
            raise refuse(f"'columns' names {by_key[key]!r} and {column!r}, one column (names are compared whatever "
                         "their case and surrounding spaces); declare it once")
        if target in by_field:
            raise refuse(f"'columns' declares both {by_field[target]!r} and {column!r} as the {target}; which one "
                         "is meant is ambiguous: declare one")
        read[column.strip()], by_key[key], by_field[target] = target, column, column
    return read


def _label_map(declared: object, refuse) -> dict[str, str | None]:
    """The validated `label_map` of a settings file: `label_key(source label)` -> target label or
    None. `refuse(why)` makes the FileRefused naming the settings file."""
    targets = "'negative', 'neutral', 'positive', or null (not a sentiment label: the article loads unlabelled)"
    if not isinstance(declared, dict):
        raise refuse(f"'label_map' must be a JSON object of source label -> {targets}, such as "
                     f'{{"1": "positive", "0": "neutral", "-1": "negative"}}; not {declared!r}')
    read: dict[str, str | None] = {}
    seen: dict[str | int, tuple[str, str | None]] = {}  # a label, or its class code's number -> (source, target)
    for source, target in declared.items():
        key = label_key(source)
        if not key:
            raise refuse("'label_map' has an empty source label: an empty label already loads unlabelled")
        if target is not None and (not isinstance(target, str) or label_key(target) not in LABELS):
            raise refuse(f"'label_map' maps {source!r} to {target!r}; a target is {targets}")
        target = None if target is None else label_key(target)
        same = label_number(key)
        same = key if same is None else same
        if same in seen and seen[same][1] != target:
            raise refuse(f"'label_map' maps {seen[same][0]!r} to {seen[same][1]!r} and {source!r} to {target!r}; "
                         "labels are compared whatever their case and surrounding spaces, and class codes by "
                         "their number ('1', '+1', '1.0'), so which one is meant is ambiguous")
        read[key], seen[same] = target, (source, target)
    return read


def in_local_zone(parsed: ParsedFile, settings: NewsSettings, where: str) -> ParsedFile:
    """`parsed` with its zone-less publication times (the lines of notes[ASSUMED_UTC_NOTE]) read as
    wall-clock times in `settings.timezone` and converted to UTC (notes `published_at_zone` and
    `published_at_local_zone_lines`, the lines of loaded rows so read, replace the UTC note; no
    note on how a loaded row was read, `news_formats.loaded_rows_noted`, lists a line quarantined
    here). A
    time the zone repeats or skips at a daylight-saving change is taken out of the rows and
    quarantined, rule `ambiguous_local_time`, naming `where` (the file) and the line (a JSON
    response's article number, `news_formats.record_place`); the messages of the article's repeats
    in the file then say that the copy they name is quarantined too
    (`news_formats.repeats_of_quarantined_copies`). A declared zone that is a standard-time
    abbreviation the database keeps at one offset all year ('EST', 'MST') is read at that offset,
    and a time so read on a date its region keeps summer time is noted as an inline '09:00 EST' in
    July is (`published_at_standard_in_summer_lines`, and the doubt in
    `published_at_standard_in_summer`: EDT may have been meant). Unchanged without a declared zone."""
    if settings.timezone is None:
        return parsed
    zone = ZoneInfo(settings.timezone)
    notes = dict(parsed.notes)
    lines = set(notes.pop(ASSUMED_UTC_NOTE, []))
    notes["published_at_zone"] = f"{settings.timezone} (news settings {settings.source})"
    converted: dict[int, datetime] = {}
    in_summer: dict[int, str] = {}  # line -> the doubt of a standard-time 'EST' read on a summer date
    rejected = []
    for index, (line, doc_id, wall) in enumerate(parsed.rows.select("_source_line", "doc_id", "published_at").iter_rows()):
        if line not in lines or wall is None:
            continue
        first, second = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
        if first.utcoffset() == second.utcoffset():
            converted[index] = first.astimezone(UTC).replace(tzinfo=None)
            if (doubt := zone_word_in_summer(settings.timezone, timezone(first.utcoffset()), converted[index])):
                in_summer[line] = doubt
            continue
        skipped = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall
        rejected.append({
            "line": line, "record_key": doc_id, "column_name": "published_at", "rule": "ambiguous_local_time",
            "raw_value": wall.isoformat(sep=" "),
            "message": f"{where}: {record_place(parsed, line)}: {wall:%Y-%m-%d %H:%M} is "
                       + ("skipped" if skipped else "repeated") + f" in {settings.timezone} when the clocks "
                       + ("go forward" if skipped else "go back") + ", so it names no single instant; "
                       "write the time with its offset"})
    out_lines = {r["line"] for r in rejected}
    published = [converted.get(i, value) for i, value in enumerate(parsed.rows["published_at"].to_list())]
    rows = parsed.rows.with_columns(pl.Series("published_at", published, dtype=parsed.rows.schema["published_at"]))
    rows = rows.filter(~pl.col("_source_line").is_in(sorted(out_lines)))
    loaded = set(rows.get_column("_source_line").to_list())
    notes = loaded_rows_noted(notes, loaded, parsed.counted_lines)  # how a loaded row was read: not the rows quarantined here
    notes["published_at_local_zone_lines"] = sorted(lines & loaded)
    if summer_lines := sorted(set(in_summer) & loaded):
        notes["published_at_standard_in_summer_lines"] = sorted(
            set(notes.get("published_at_standard_in_summer_lines", [])) | set(summer_lines))
        doubts = dict(notes.get("published_at_standard_in_summer", {}))
        doubts.setdefault(in_summer[summer_lines[0]].split()[0], in_summer[summer_lines[0]] + " (news settings)")
        notes["published_at_standard_in_summer"] = doubts
    quarantine = pl.concat([repeats_of_quarantined_copies(parsed, dict.fromkeys(out_lines, "ambiguous_local_time")),
                            pl.DataFrame(rejected, schema=parsed.quarantine.schema)])
    result = replace(parsed, rows=rows, quarantine=quarantine, notes=notes)
    result.reconcile()
    return result
