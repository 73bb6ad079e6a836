"""Landing a folder of files into the lake: hash, detect duplicates, parse, add lineage, write rows,
quarantine and manifest, reconcile. The same machinery serves loan tapes and news.

Per file, in one DuckDB transaction (all of it or nothing):

- `raw.<domain>` rows with the lineage columns `_source_file`, `_source_line`, `_file_sha256`,
  `_ingested_at` (UTC) and `_run_id`;
- `quality.quarantine` rows (file, line, column, rule, raw value, message);
- `raw.non_data_lines` rows, one per line the file holds that is no record (a note above the
  header, a blank line, a repeated header, a marker, a footer, ...): its line, its kind and, where
  the reader kept it, its text (the first NON_DATA_TEXT_CHARS characters);
- the manifest row in `raw.landed_files` (keyed by the domain and the file's sha256: the same bytes
  landed as a loan tape and as news have a row, a status and a message each) and a `raw.landing_events` row.

So for every loaded file, line by line: rows_in_file = its rows in raw.<domain> (rows_loaded) +
its quarantined records (rows_quarantined, distinct lines of quality.quarantine at landing) + its
rows in raw.non_data_lines (non_data_lines); no line is counted twice (`ParsedFile.reconcile`).
The lines a record runs over after its first (a quoted value over line ends) and the header are
in none of them.

Outcomes of a path (raw.landing_events.outcome):

Each event keeps its message (a refusal's reason, a withdrawal's who, why and counts, ...), so the
history of a path stays in raw.landing_events when its manifest row is replaced.

- loaded:    parsed, reconciled, written (bytes withdrawn before: the message says when, by whom
             and why, `relanded_message`).
- duplicate: the same bytes already loaded under another name (earlier, or earlier in this batch);
             nothing is loaded, `duplicate_of` names the first file.
- refused:   the file is not a known format or cannot be decoded (`FileRefused`); the manifest row
             says why (file, line, column or byte offset). The rest of the batch still lands. A
             refused file is tried again on the next run (for example after its mapping is added).
- changing:  the file's size or modification time moved while it was read (a copy still in
             progress): nothing is loaded and no manifest row is written; it lands on a later run.
- failed:    the numbers did not reconcile (rows_in_file != loaded + quarantined + non-data, or
             raw.non_data_lines does not hold the non-data lines counted, or a line is counted
             twice) or the parser broke; nothing of the file is loaded, the manifest says why,
             and `land_folder` raises `LandingFailed` once the rest of the batch has landed.

- renamed:   the same bytes as a loaded file whose path is gone (renamed after it landed, or a
             copy kept after the first was deleted): nothing is loaded, `duplicate_of` names the
             landed path, whose name the rows keep.
- source_missing: a loaded file's path is gone (deleted or moved by hand, not withdrawn) and no
             file in the folder holds its bytes: recorded once, by the next run; its rows stay.

- withdrawn: an operator took a loaded file back out of the lake (`withdraw_file`), or landing did
             for a loan tape a version of the same snapshot saved over it at its path supersedes
             (`_supersede_in_place`): its rows,
             quarantine entries and raw.non_data_lines rows are deleted, the file is moved out of
             landing, and the manifest row stays with status `withdrawn`, the reason and the
             counts (until the same bytes are landed again on purpose; the event stays in
             raw.landing_events).

A path already loaded with the same bytes is skipped silently: landing is idempotent. A news row
whose doc_id raw.news already holds (an article re-delivered in a later file, or revised under the
same id, or the same URL written another way) is quarantined with rule `duplicate_doc_id`: raw.news
keeps one row per article.
"""

from __future__ import annotations

import dataclasses
import errno
import glob
import hashlib
import json
import os
import re
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl

from risk_assets.lib.ingest import folders
from risk_assets.lib.ingest.news_formats import (
    ARTICLE_NUMBERS, SAME_URL, loaded_rows_noted, record_place, repeat_message, url_key, with_repeat_messages,
)
from risk_assets.lib.ingest.parsed import QUARANTINE_COLUMNS, FileRefused, ParsedFile
from risk_assets.lib.lake import column_exists, names_file, table_exists, transaction
from risk_assets.lib.schema import LOAN_COLUMNS, NEWS_COLUMNS, Column, ddl

TABLES: dict[str, tuple[str, tuple[Column, ...]]] = {
    "loans": ("raw.loans", LOAN_COLUMNS),
    "news": ("raw.news", NEWS_COLUMNS),
}
"""domain -> (lake table, canonical columns)."""

_REDOWNLOAD_SUFFIX = re.compile(r" \(\d+\)$")

NON_DATA_TEXT_CHARS = 200
"""Characters of a non-data line's text kept in raw.non_data_lines.text (its first 200; a repeated
header of a wide tape runs to thousands)."""


def _moved(path: Path, state: tuple[int, int] | None) -> bool:
    """Whether the file's size or modification time differ from `state` (or it is gone): a copy in
    progress. False without a state to compare."""
    if state is None:
        return False
    try:
        return file_state(path) != state
    except OSError:
        return True


class LandingFailed(RuntimeError):
    """One or more files of a batch failed (reconcile mismatch or parser error); the message lists
    each file with its numbers. Every other file of the batch has landed."""


@dataclass
class FileOutcome:
    """What happened to one landed path."""

    path: str
    sha256: str
    size_bytes: int
    outcome: str  # loaded | duplicate | refused | failed
    format: str | None = None
    rows_in_file: int | None = None
    rows_loaded: int = 0
    rows_quarantined: int = 0
    non_data_lines: int = 0
    message: str | None = None
    duplicate_of: str | None = None
    quarantined_by_rule: dict[str, int] = field(default_factory=dict)
    notes: dict[str, object] = field(default_factory=dict)
    unterminated_line: int | None = None
    """The line the last record starts on when the file ends without a line end (its note
    `last_line_unterminated` says so in words); None otherwise, or when the reader found no record."""


@dataclass
class LandingReport:
    """Every path seen by one `land_folder` call (already-landed paths are not listed)."""

    domain: str
    run_id: str
    files: list[FileOutcome]

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    def quarantined_by_rule(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for outcome in self.files:
            for rule, n in outcome.quarantined_by_rule.items():
                totals[rule] = totals.get(rule, 0) + n
        return dict(sorted(totals.items()))

    def files_markdown(self) -> str:
        """Markdown table: file, format, rows_in_file, loaded, quarantined, non-data, status."""
        lines = ["| file | format | rows_in_file | loaded | quarantined | non-data | status |",
                 "|---|---|---:|---:|---:|---:|---|"]
        for f in self.files:
            status = f.outcome if f.outcome == "loaded" else f"{f.outcome}: {f.message or f.duplicate_of or ''}"
            lines.append(f"| {Path(f.path).name} | {f.format or ''} | {_n(f.rows_in_file)} | {f.rows_loaded:,} | "
                         f"{f.rows_quarantined:,} | {f.non_data_lines:,} | {status.replace('|', '/')} |")
        return "\n".join(lines)


NOTE_LINES_SHOWN = 20
"""Line numbers kept per note in the manifest; the count is always kept."""


def summarise_notes(notes: dict[str, object]) -> dict[str, object]:
    """A reader's notes as the manifest keeps them: None, empty lists and dicts and zero counts
    dropped (counts per column too, when every one is 0: `{"Approved": 0}`), and a list (of lines,
    such as `doc_id_unwrapped_lines`) longer than NOTE_LINES_SHOWN shortened to `{"count": n,
    "first": [the first 20]}`, so a million-row file does not write a megabyte of line numbers.
    Shape: a JSON-ready dict, at most one entry per note."""
    summary: dict[str, object] = {}
    for name, value in notes.items():
        counts = value.values() if isinstance(value, dict) else [value]
        if value is None or value == [] or value == {} or all(
                isinstance(count, (int, float)) and not isinstance(count, bool) and count == 0 for count in counts):
            continue
        if isinstance(value, list) and len(value) > NOTE_LINES_SHOWN:
            value = {"count": len(value), "first": value[:NOTE_LINES_SHOWN]}
        summary[name] = value
    return summary


def _n(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def file_sha256(path: Path, chunk_bytes: int = 1 << 20) -> str:
    """sha256 of a file's bytes, read in 1 MiB chunks (memory stays flat for any file size)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


_CONTAINER_MAGIC = (b"\x1f\x8b", b"PK\x03\x04", b"PAR1", b"\xd0\xcf\x11\xe0")
"""gzip, zip (xlsx), Parquet and OLE (xls) files: a cut copy of one fails to open, so its end says nothing."""


def unterminated_last_line(path: Path, tail_bytes: int = 200) -> str | None:
    """The end of a delimited text file's last line when the file does not end with a line end
    (LF, CR, or the DOS end-of-file mark Ctrl-Z), else None; also None for containers
    (_CONTAINER_MAGIC), for JSON and XML documents, whose parsers refuse a cut copy, and for a last
    line that ends by closing a quoted field (an even number of quotes, the last character one):
    a cut inside that field would leave its quote open, and a cut after it would leave the record
    short of fields, both of which the readers report themselves.

    A copy or download cut short ends mid-line, and its last record's value may be cut
    (`...,1000` landing as `...,10`) yet still parse. Many writers also end a file without a line
    end, so this is a note (`last_line_unterminated`), not a quarantine. Shape: at most the last 60
    characters of the line, decoded as UTF-8 (undecodable bytes replaced, NULs of UTF-16 dropped);
    a last line longer than `tail_bytes` is read whole, up to 1 MiB, to count its quotes.

    A UTF-16 file (by its byte-order mark) of an odd byte count was cut inside a character, which the
    reader leaves out (`csv_text.cut_mid_character`): its last line is returned even when the half
    character was that of its line end (`\r` of CR LF)."""
    with path.open("rb") as handle:
        head = handle.read(64)
        if head.startswith(_CONTAINER_MAGIC):
            return None
        if head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n")[:1] in (b"[", b"{", b"<"):
            return None
        size = handle.seek(0, 2)
        cut_in_code_unit = head[:2] in (b"\xff\xfe", b"\xfe\xff") and size % 2 == 1
        while True:
            handle.seek(max(0, size - tail_bytes))
            tail = handle.read()[:-1 if cut_in_code_unit else None].replace(b"\x00", b"")
            if cut_in_code_unit:  # the line end before the cut half character is no end of the file
                tail = tail.rstrip(b"\r\n")
            whole_line = b"\n" in tail or b"\r" in tail or tail_bytes >= size
            if whole_line or tail_bytes >= 1 << 20:
                break
            tail_bytes *= 4
    if not tail or tail[-1:] in (b"\n", b"\r", b"\x1a"):
        return None
    last = tail.replace(b"\r", b"\n").rsplit(b"\n", 1)[-1]
    if whole_line and last.endswith(b'"') and last.count(b'"') % 2 == 0:
        return None
    return last.decode("utf-8", errors="replace")[-60:]


def last_line_read(parsed: ParsedFile) -> int | None:
    """The line the file's last record (loaded or quarantined) or non-data line starts on; None
    when the reader found none."""
    lines = [line for line, _ in parsed.non_data_lines]
    if "_source_line" in parsed.rows.columns and parsed.rows.height:
        lines.append(parsed.rows.get_column("_source_line").max())
    if parsed.quarantine.height:
        lines.append(parsed.quarantine.get_column("line").max())
    return max((int(line) for line in lines if line is not None), default=None)


def unterminated_note(cut: str, line: int | None) -> str:
    """The note `last_line_unterminated`, for people: the end of the last line
    (`unterminated_last_line`) and the line its record starts on (`last_line_read`; the manifest
    keeps it as raw.landed_files.unterminated_line, which code reads)."""
    where = f", in the record or line that starts on line {line}, the file's last" if line is not None else ""
    return (f"the file ends without a line end, after {cut!r}{where}: a copy or download cut short ends so, "
            "and its last record may hold a cut value; compare it with the source")


def unterminated_files(con: duckdb.DuckDBPyConnection, run_id: str | None = None
                       ) -> list[tuple[str, int | None, str, str]]:
    """(path, line of its last record, the note, domain: 'loans' or 'news') of each loaded file whose last line ends without
    a line end (note `last_line_unterminated`; the line is raw.landed_files.unterminated_line, None
    when the reader found no record, or in a lake made before that column, opened read-only, until
    a run adds it from the notes): landed by the run `run_id`, or all of the lake's,
    oldest first. Many writers end a file so, yet a copy cut short does too, its last value cut
    and still parsed (`...,99000` as `...,99`): the run summary and `verify` name these files and
    lines, so the note is not left inside the manifest. [] without the table."""
    if not table_exists(con, "raw.landed_files"):
        return []
    # a lake made before the column, opened read-only, names no line until a run adds it
    line = "unterminated_line" if column_exists(con, "raw.landed_files", "unterminated_line") else "NULL"
    rows = con.execute(
        f"SELECT path, {line}, notes, domain FROM raw.landed_files WHERE status = 'loaded' "
        "AND notes LIKE '%last_line_unterminated%' AND (CAST($run AS VARCHAR) IS NULL OR run_id = $run) "
        "ORDER BY landed_at, path", {"run": run_id}).fetchall()
    out = []
    for path, number, notes, domain in rows:
        note = json.loads(notes).get("last_line_unterminated")
        if isinstance(note, str):
            out.append((path, number, note, domain))
    return out


def record_lookup(domain: str, name: str, line: int, command: str) -> str:
    """How a user looks at the record that starts on `line` of the landed file `name` (`command`:
    this program as a hint spells it): a loan tape's is traced by `<command> loan <name>:<line>`;
    news has no trace command, so a news file's is the query of raw.news that finds its article, and
    the quarantine command that lists it when it was set aside."""
    if domain != "news":
        return f"{command} loan {shlex.quote(f'{name}:{line}')}"
    like = name.replace("'", "''")
    return (f"its article: SELECT doc_id, headline, body, text_field FROM raw.news WHERE _source_file LIKE "
            f"'%/{like}' AND _source_line = {line} (in the lake, lake.duckdb); if it was set aside: "
            f"{command} quarantine {shlex.quote(name)}")


PARTIAL_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".download", ".filepart")
"""Names a writer uses while a file is still being copied (then renamed into place): left until
renamed. `.filepart` is WinSCP's, the usual SFTP client at lenders."""

CHECKSUM_SUFFIXES = {".md5": "md5", ".sha1": "sha1", ".sha256": "sha256", ".sha512": "sha512"}
"""A checksum file delivered beside a file (`tape.csv.md5`, as `md5sum tape.csv > tape.csv.md5`
writes it: the hex digest, then the name): not landed; the file it names is checked against it
before it lands (`stated_checksum`)."""

CONTROL_SUFFIXES = (".done", ".ok", ".ctl", ".trg", ".trigger", ".flag", ".eot", ".sig", ".lock")
"""Control files a transfer job puts beside a delivery: an empty trigger saying it is complete
(`tape.csv.done`, `.ok`, `.trg`, `.flag`, `.eot`), a control card with its counts (`.ctl`), a
signature (`.sig`), a lock. No loans or articles: not landed (refused, they came back on
every run with a misleading message)."""

JOB_MARKERS = re.compile(r"^_(?:SUCCESS|started_\d+|committed_\d+|common_metadata|metadata)$")
"""Files a Spark, Hadoop or Databricks job writes beside its output to say the job finished
(`_SUCCESS`, `_started_<id>`, `_committed_<id>`) or to summarise Parquet footers (`_metadata`,
`_common_metadata`): no loans or articles, and not landed. Refused, they came back on every run
(Hadoop's own readers skip names starting with `_`; any other such name is still landed). The
job's scratch folder `_temporary` is not read either: its files are the job's unfinished output."""
JOB_FOLDERS = ("_temporary", "_delta_log")
"""Folders of a data job's output that hold no deliveries: Spark's scratch output, and a Delta
table's transaction log (JSON commits and checkpoints, no rows)."""

OFFICE_OWNER_PREFIX = "~$"
"""Excel and Word write `~$<name>` beside a document while it is open (the owner file: who has it
open, a few hundred bytes, deleted on close): never a tape."""


def landable_files(folder: Path) -> list[Path]:
    """Files to land in `folder` and its subfolders (`landing/loans/2024-05/tape.csv`): not hidden
    (no part of the path starts with '.'), not a column-mapping sidecar (`*.mapping.json`), not a
    copy in progress (PARTIAL_SUFFIXES), not an Office owner file (OFFICE_OWNER_PREFIX), not a
    data job's marker or log folder (JOB_MARKERS, JOB_FOLDERS). The landing sensors watch
    exactly these files.

    Links are followed: a link to a file, and the files of a linked folder (a mounted share linked
    into landing), each folder read once however many links lead to it, so a link loop ends. A link
    whose target does not exist is listed too: reading it fails, and landing refuses it with the
    target it names (`unreadable_reason`), instead of passing over it in silence.

    Ordered by the date a file's name or folders state (`stated_date`; files without one first,
    except a name that says it is the newest, `tape_latest.csv` (folders.LATEST_IN_NAME), which
    comes last), so that monthly tapes land in date order whatever their names' order (`May 2024/`
    before `June 2024/`, `tape_05-2024.csv` before `tape_04-2025.csv`), and an undated snapshot
    landed later is the newer one; then by subfolder, then so that an original sorts before its browser
    re-download ("x (1).csv" after "x.csv"), then by name: the first of two identical files is the
    one that loads. A missing folder has none.
    """
    if not folder.is_dir():
        return []
    files, seen_folders = [], set()
    for root, folders, names in os.walk(folder, followlinks=True):
        real = os.path.realpath(root)
        if real in seen_folders:  # a link back up the tree, or two links to one folder
            folders[:] = []
            continue
        seen_folders.add(real)
        folders[:] = sorted(name for name in folders if not name.startswith(".") and name not in JOB_FOLDERS)
        for name in names:
            path = Path(root) / name
            if name.startswith(".") or JOB_MARKERS.match(name) or not (path.is_file() or path.is_symlink()):
                continue
            if name.endswith(".mapping.json") or name.lower().endswith(PARTIAL_SUFFIXES) \
                    or name.startswith(OFFICE_OWNER_PREFIX) or _is_control_file(name):
                continue
            files.append(path)  # a broken link, to a file or a folder, is listed among the files
    return sorted(files, key=lambda path: _delivery_order(path, folder))


def _is_control_file(name: str) -> bool:
    """A checksum or control file (CHECKSUM_SUFFIXES, CONTROL_SUFFIXES), by its last suffix."""
    suffix = os.path.splitext(name.lower())[1]
    return suffix in CHECKSUM_SUFFIXES or suffix in CONTROL_SUFFIXES


def stated_checksum(path: Path) -> tuple[str, Path, str | None] | None:
    """The checksum delivered beside `path` (`<name>.md5`, `.sha1`, `.sha256`, `.sha512`, any case;
    or `<stem>.md5`, `tape.md5` beside `tape.csv`, when no other file has that stem):
    (algorithm, checksum file, hex digest it states, or None when it holds no digest of that
    algorithm's length); None when there is none. A file listing several names states the digest
    on the line that names this file (`<digest>  <name>` or `<digest> *<name>` as md5sum writes
    it, `MD5 (<name>) = <digest>` as macOS and BSD md5 write it)."""
    around = sorted(path.parent.glob(glob.escape(path.stem) + ".*"))  # `tape.*`: tape.csv.md5 and tape.md5 alike
    named = [p for p in around if p.stem == path.name]
    # `tape.md5` beside `tape.csv`: the stem's checksum, when no other file shares the stem
    siblings = [p for p in around if p.suffix.lower() not in CHECKSUM_SUFFIXES]
    by_stem = around if siblings == [path] else []
    for candidate in [*named, *by_stem]:
        algorithm = CHECKSUM_SUFFIXES.get(candidate.suffix.lower())
        if algorithm is None or candidate.stem not in (path.name, path.stem):
            continue
        width = hashlib.new(algorithm).digest_size * 2
        try:
            text = candidate.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return algorithm, candidate, None
        stated = None
        for line in text.splitlines():
            found = re.match(rf"\s*([0-9A-Fa-f]{{{width}}})(?:\s+\*?(.+?))?\s*$", line)
            bsd = re.match(rf"\s*[A-Z0-9-]+\s*\((.+)\)\s*=\s*([0-9A-Fa-f]{{{width}}})\s*$", line)  # md5 -r's other form
            if found and (found[2] is None or Path(found[2].strip()).name == path.name):
                stated = found[1].lower()
                break
            if bsd and Path(bsd[1].strip()).name == path.name:
                stated = bsd[2].lower()
                break
        return algorithm, candidate, stated
    return None


def _checksum_verdict(path: Path) -> tuple[str | None, str | None]:
    """(note, refusal) from the checksum delivered beside `path`: a note naming what matched, or a
    refusal when the bytes differ from the digest (cut or corrupted in transfer) or the checksum
    file states none; (None, None) without one."""
    stated = stated_checksum(path)
    if stated is None:
        return None, None
    algorithm, checksum_file, digest = stated
    if digest is None:
        return None, (f"{path}: {checksum_file.name} states no {algorithm} digest for it (expected "
                      f"'<{hashlib.new(algorithm).digest_size * 2} hex digits>  {path.name}'): fix or remove the "
                      "checksum file; the file is tried again on the next run")
    digest_of = hashlib.new(algorithm)
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest_of.update(chunk)
    if digest_of.hexdigest() != digest:
        return None, (f"{path}: its {algorithm} is {digest_of.hexdigest()}, but {checksum_file.name} states "
                      f"{digest}: the copy differs from the file that was sent (cut or corrupted in transfer); "
                      "nothing of it is loaded; deliver it again, and it is tried again on the next run")
    return f"{algorithm} {digest} matches {checksum_file.name}", None


def unreadable_reason(path: Path, error: OSError) -> str:
    """Why landing cannot read `path` (the message of its `refused` manifest row): a link whose
    target is gone names the target; else the system's reason (permissions, a vanished file)."""
    if path.is_symlink() and not path.exists():  # through a chain of links, the target that is missing
        try:
            os.path.realpath(path, strict=True)
        except OSError as loop:
            if loop.errno == errno.ELOOP:
                return (f"{path}: a loop of links that never reaches a file ({os.readlink(path)} leads back to "
                        "itself): fix or remove the link; it is tried again on the next run")
        return (f"{path}: a link to {os.path.realpath(path)}, which does not exist (a share not mounted, a file "
                "moved or deleted): fix or remove the link; it is tried again on the next run")
    return (f"{path}: cannot be read ({error.strerror or error}): fix its permissions or copy it again; it is "
            "tried again on the next run")


def stated_date(path: Path, folder: Path) -> date | None:
    """The date a file's name states, marked or not (`tape May 2024.csv`, `tape_2024-05.csv`; the
    latest of several: a month and the day it was run), else the one its folders under `folder`
    state (`folders.read_folders`), else None."""
    if in_name := folders.name_dates(path.name):
        return max(d for d, _, _ in in_name)
    try:
        return folders.read_folders(path.parent.relative_to(folder).parts).as_of
    except ValueError:  # refused when parsed, with the folder named
        return None


def _delivery_order(path: Path, folder: Path) -> tuple[date, str, str, bool, str]:
    original = _REDOWNLOAD_SUFFIX.sub("", path.stem)
    undated = date.max if folders.LATEST_IN_NAME.search(path.name) else date.min
    return (stated_date(path, folder) or undated, path.parent.relative_to(folder).as_posix(), original,
            path.stem != original, path.name)


def file_state(path: Path) -> tuple[int, int]:
    """(size in bytes, modification time in ns): what changes while a writer is still copying."""
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


def same_place(landed: str, path: Path, folder: Path) -> bool:
    """Whether the landed path `landed` is the file `path` of the landing `folder` in a lake home that
    has moved (copied to another disk, restored from a backup, RISK_HOME renamed): the same domain
    folder and the same path under it (`.../landing/loans/2024-05/tape.csv`). Such a file is the
    one that landed, not a copy of it; a copy in another place under landing is one."""
    try:
        under = path.relative_to(folder).parts
    except ValueError:
        return False
    tail = (folder.name, *under)
    return Path(landed).parts[-len(tail):] == tail


def land_folder(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    domain: str,
    parse: Callable[[Path], ParsedFile],
    run_id: str,
    asset: str,
    progress: Callable[[str], None] | None = None,
    withdrawn_dir: Path | None = None,
) -> LandingReport:
    """Land every file of `folder` whose bytes are not yet loaded (see module docstring).

    Args:
        con: a writable lake connection (`lib.lake.connect`).
        folder: the landing folder.
        domain: "loans" or "news" (picks the table and its columns, see TABLES).
        parse: path -> ParsedFile; raises FileRefused for a file it cannot read.
        run_id: written to every row, quarantine row, manifest row and event.
        asset: the asset name recorded in quality.quarantine (raw_loans, raw_news).
        progress: called with one line before each new file is read, one once it is read (rows to
            load and to quarantine at landing: the value checks that run after, `raw_loans_values`
            and the like, may set more aside) and one when it is landed, so a long file (the 46 MB SBA tape
            reads for about 45 s and writes for about as long) is not silence in the run's log;
            `raw_loans` gives its parser the same callback, which says between the first two lines
            how far the read is (`parse_loan_file`'s `progress`).
        withdrawn_dir: where a loan tape superseded by a correction saved over it goes
            (`_supersede_in_place`; default: `withdrawn/` beside the landing folder's parent, as
            `$RISK_HOME/withdrawn` is beside `$RISK_HOME/landing`).

    Raises:
        LandingFailed: after the whole batch, when any file failed to reconcile or to parse.
    """
    table, columns = TABLES[domain]
    con.execute(ddl(table, columns))
    loaded = dict(con.execute("SELECT sha256, path FROM raw.landed_files WHERE status = 'loaded' AND domain = ?",
                              [domain]).fetchall())
    # a copy already said to be one, by its path's newest event (a path that held other bytes since,
    # and then these again, is said to be a copy again: `landed_copies_of` reads the newest event)
    recorded = set(con.execute("SELECT path, sha256 FROM raw.landing_events QUALIFY row_number() OVER "
                               "(PARTITION BY path ORDER BY seen_at DESC) = 1 "
                               "AND outcome IN ('duplicate', 'renamed')").fetchall())
    outcomes = []
    present: dict[str, list[Path]] = {}  # sha256 -> the paths in the folder holding those bytes
    for path in landable_files(folder):
        try:
            state = file_state(path)
            sha256, size = file_sha256(path), state[0]
        except OSError as exc:  # unreadable (permissions, a vanished file): the rest of the batch lands
            outcome = FileOutcome(str(path), "", 0, "refused", message=unreadable_reason(path, exc))
            _record(con, domain, outcome, run_id, manifest=False)
            outcomes.append(outcome)
            continue
        present.setdefault(sha256, []).append(path)
        if sha256 in loaded:
            first = loaded[sha256]
            if first == str(path) or (str(path), sha256) in recorded or same_place(first, path, folder):
                continue
            if _gone(first, folder, present[sha256]) and (first, sha256) not in recorded:
                outcome = FileOutcome(str(path), sha256, size, "renamed", duplicate_of=first,
                                      message=renamed_message(first, path))
                recorded.add((first, sha256))  # one path takes the name; a second copy is a copy
            else:
                outcome = FileOutcome(str(path), sha256, size, "duplicate", duplicate_of=first,
                                      message=f"same bytes as {first}")
            _record(con, domain, outcome, run_id, manifest=False)
        else:
            started = time.monotonic()
            if progress:
                progress(f"{path.name}: reading {size / 1e6:.1f} MB (sha256 {sha256[:12]})")
            outcome = _land_file(con, path, sha256, size, domain, table, columns, parse, run_id, asset, state,
                                 progress)
            if progress:
                progress(f"{path.name}: {outcome.outcome} in {time.monotonic() - started:.0f} s "
                         f"(loaded {outcome.rows_loaded}, quarantined {outcome.rows_quarantined} at landing)")
            if outcome.outcome == "loaded":
                loaded[sha256] = str(path)
                if domain == "loans":  # a tape saved over the one landed from this path
                    for superseded in _supersede_in_place(con, outcome, folder, run_id,
                                                          withdrawn_dir or folder.parent.parent / "withdrawn"):
                        loaded.pop(superseded, None)
        outcomes.append(outcome)
    if domain == "loans":
        _note_undated_beside_dated(con, outcomes)
    outcomes += _notice_gone(con, folder, domain, run_id, present, recorded)
    report = LandingReport(domain=domain, run_id=run_id, files=outcomes)
    failed = [f for f in outcomes if f.outcome == "failed"]
    if failed:
        raise LandingFailed("; ".join(f"{f.path}: {f.message}" for f in failed))
    return report


SUPERSEDED_BY = "landing"
"""Who a loan tape superseded by a correction saved over it is withdrawn by (the manifest's message:
'withdrawn by landing: superseded by <sha256> landed at the same path (...)')."""


def _supersede_in_place(con: duckdb.DuckDBPyConnection, outcome: FileOutcome, folder: Path, run_id: str,
                        withdrawn_dir: Path) -> list[str]:
    """After the loan tape of `outcome` loaded: each earlier version still loaded from its path (the
    path holds other bytes now: a corrected tape saved over it, or a tape landed while it was still
    being written and then completed) of the same snapshot (the same as-of date, `_as_of`, or both
    undated) is withdrawn by `withdraw_file`, as an operator's withdrawal does it (its rows,
    quarantine entries and non-data lines leave the lake; the manifest keeps its row, status
    `withdrawn`, 'withdrawn by landing: superseded by <sha256> landed at the same path (...)'), so
    an id-less tape's loans are not live twice under two file digests. An earlier version of another
    as-of date (monthly exports written to one name, `loans_latest.csv`) is another snapshot and stays.

    The new file's notes (its manifest row and the landing metadata) then say so in one line each:
    `supersedes` ('supersedes the version landed 2026-12-07 23:05 (sha256 dd3aa475c051; 300 loans
    withdrawn from the features, 299 repeated by the new version)': repeated = the earlier version's
    loans equal to one of the new version's in every mapped value, `duplicates.MAPPED_SQL`) and
    `same_path_other_snapshot` (the earlier version kept, its as-of date and this file's).

    Returns the sha256 of each version withdrawn, in landing order; [] when no earlier version was
    loaded from the path (the same place of a moved lake home counts, `same_place`)."""
    from risk_assets.lib.quality.duplicates import MAPPED_SQL

    earlier = [(sha, landed_at, notes) for sha, landed, landed_at, notes in con.execute(
        "SELECT sha256, path, landed_at, notes FROM raw.landed_files WHERE domain = 'loans' AND status = 'loaded' "
        "AND sha256 <> ? ORDER BY landed_at", [outcome.sha256]).fetchall()
        if landed == outcome.path or same_place(landed, Path(outcome.path), folder)]
    if not earlier:
        return []
    as_of = _as_of(con, outcome.sha256, outcome.notes)
    superseded, said, kept = [], [], []
    for sha, landed_at, notes in earlier:
        theirs = _as_of(con, sha, json.loads(notes) if notes else {})
        when = f"{landed_at:%Y-%m-%d %H:%M}"
        if theirs != as_of:
            read = ("a new snapshot" if theirs and as_of and as_of > theirs else
                    "an older snapshot" if theirs and as_of else "another snapshot")
            kept.append(f"read as {read}, not a correction: the version landed {when} from this path (sha256 "
                        f"{sha[:12]}) is the snapshot {theirs or 'undated'}, this file {as_of or 'undated'}; "
                        "both stay loaded")
            continue
        (repeated,) = con.execute(
            f"SELECT count(*) FROM raw.loans WHERE _file_sha256 = $old AND {MAPPED_SQL} IN "
            f"(SELECT {MAPPED_SQL} FROM raw.loans WHERE _file_sha256 = $new)",
            {"old": sha, "new": outcome.sha256}).fetchone()
        done = withdraw_file(con, sha, f"superseded by {outcome.sha256} landed at the same path", SUPERSEDED_BY,
                             withdrawn_dir, run_id=run_id, landing_dir=folder, domain="loans")
        said.append(f"the version landed {when} (sha256 {sha[:12]}; {done.rows_removed:,} "
                    f"loan{'' if done.rows_removed == 1 else 's'} withdrawn from the features, {repeated:,} "
                    "repeated by the new version)")
        superseded.append(sha)
    if said:
        outcome.notes["supersedes"] = "supersedes " + "; and ".join(said)
    if kept:
        outcome.notes["same_path_other_snapshot"] = "; ".join(kept)
    con.execute("UPDATE raw.landed_files SET notes = ? WHERE sha256 = ? AND domain = 'loans'",
                [json.dumps(summarise_notes(outcome.notes), default=str), outcome.sha256])
    return superseded


def _as_of(con: duckdb.DuckDBPyConnection, sha256: str, notes: dict[str, object]) -> str | None:
    """The as-of date (ISO 'YYYY-MM-DD') of the loan tape landed as `sha256`: its reader's note
    `as_of` (its name, title line, sidecar mapping or folder), else the latest snapshot_date of its
    rows in raw.loans; None for an undated tape."""
    if notes.get("as_of"):
        return str(notes["as_of"])
    (latest,) = con.execute("SELECT max(snapshot_date) FROM raw.loans WHERE _file_sha256 = ?", [sha256]).fetchone()
    return latest.isoformat() if latest else None


def _gone(landed: str, folder: Path, holders: list[Path]) -> bool:
    """Whether the landed path `landed`, in `folder`, is no longer there (no file or link at it, nor
    at the same place of a lake whose landing folder moved, among `holders`)."""
    return (Path(landed).is_relative_to(folder) and not os.path.lexists(landed)
            and not any(same_place(landed, holder, folder) for holder in holders))


def renamed_message(landed: str, path: Path | str) -> str:
    """A `renamed` event's message: `path` holds the bytes landed as `landed`, which is gone."""
    return (f"renamed from {Path(landed).name} after it landed (the same bytes; {landed} is gone): its rows stay "
            f"in the lake as that file's, and no run lands it again")


def _notice_gone(con: duckdb.DuckDBPyConnection, folder: Path, domain: str, run_id: str,
                 present: dict[str, list[Path]], recorded: set[tuple[str, str]]) -> list[FileOutcome]:
    """Record, once, each file of `domain` loaded from `folder` whose path is gone (deleted or moved
    by hand, not by `withdraw_file`, which marks it withdrawn): its rows stay in the lake. A gone
    file whose bytes a file in the folder holds (`present`: sha256 -> paths) was renamed: a
    `renamed` event of that path (`duplicate_of` the landed path), unless `recorded` (path, sha256)
    has it already; otherwise a `source_missing` event of the landed path, unless its newest event
    is one already. Returns the FileOutcome of each event recorded."""
    newest = dict(con.execute(
        "SELECT path, outcome FROM raw.landing_events "
        "QUALIFY row_number() OVER (PARTITION BY path ORDER BY seen_at DESC) = 1").fetchall())
    found = []
    for sha256, landed, size, rows in con.execute(
            "SELECT sha256, path, size_bytes, rows_loaded FROM raw.landed_files WHERE status = 'loaded' "
            "AND domain = ? ORDER BY landed_at, path", [domain]).fetchall():
        holders = present.get(sha256, [])
        if not _gone(landed, folder, holders) or (landed, sha256) in recorded:
            continue
        if holders:  # a copy kept in landing, or named anew since: the bytes are there under its name
            holder = holders[0]
            if newest.get(str(holder)) == "renamed":
                continue
            outcome = FileOutcome(str(holder), sha256, size, "renamed", duplicate_of=landed,
                                  message=renamed_message(landed, holder))
        elif newest.get(landed) == "source_missing":
            continue
        else:
            outcome = FileOutcome(landed, sha256, size, "source_missing", rows_loaded=0, message=(
                f"{landed}: gone from landing since it landed (deleted or moved, not withdrawn): its {rows or 0:,} "
                f"rows stay in the lake; withdraw it (sha256 {sha256[:12]}) if they should go"))
        _record(con, domain, outcome, run_id, manifest=False)
        found.append(outcome)
    return found


def _land_file(con, path: Path, sha256: str, size: int, domain: str, table: str,
               columns: tuple[Column, ...], parse, run_id: str, asset: str,
               state: tuple[int, int] | None = None,
               progress: Callable[[str], None] | None = None) -> FileOutcome:
    outcome = FileOutcome(str(path), sha256, size, "loaded")
    started = time.monotonic()
    error: Exception | None = None
    try:
        checksum_note, checksum_refusal = _checksum_verdict(path)
        if checksum_refusal:
            raise FileRefused(checksum_refusal)
        parsed = parse(path)
        if checksum_note:
            parsed.notes["checksum_verified"] = checksum_note
    except Exception as exc:  # judged below, once we know whether the file moved meanwhile
        error = exc
    if _moved(path, state):  # a copy in progress: half a file may parse, be refused, or break the parser
        outcome.outcome = "changing"
        outcome.message = (f"{path}: changed while it was read (still being copied?): nothing of it is loaded; "
                           "it lands on a later run, once it is complete")
        _record(con, domain, outcome, run_id, manifest=False)
        return outcome
    if isinstance(error, FileRefused):
        outcome.outcome, outcome.message = "refused", str(error)
        _record(con, domain, outcome, run_id)
        return outcome
    if error is not None:  # a parser defect must not cost the rest of the batch
        outcome.outcome, outcome.message = "failed", f"{path}: parser error {type(error).__name__}: {error}"
        _record(con, domain, outcome, run_id)
        return outcome
    if domain == "news":
        parsed = _quarantine_known_doc_ids(con, parsed, path)
    if (cut := unterminated_last_line(path)) is not None:
        outcome.unterminated_line = last_line_read(parsed)
        parsed.notes["last_line_unterminated"] = unterminated_note(cut, outcome.unterminated_line)
    outcome.format = parsed.format
    outcome.rows_in_file = parsed.data_records + len(parsed.non_data_lines)
    outcome.rows_quarantined = parsed.rows_quarantined
    outcome.non_data_lines = len(parsed.non_data_lines)
    outcome.notes = parsed.notes
    outcome.quarantined_by_rule = dict(parsed.quarantine.group_by("rule").len().sort("rule").iter_rows())
    try:
        parsed.reconcile()
    except ValueError as exc:
        outcome.outcome, outcome.message = "failed", f"{path}: {exc}"
        _record(con, domain, outcome, run_id)
        return outcome
    if progress:
        progress(f"{path.name}: read in {time.monotonic() - started:.0f} s ({parsed.rows.height:,} rows to load, "
                 f"{outcome.rows_quarantined:,} to quarantine at landing); writing them to the lake")
    now = datetime.now(UTC).replace(tzinfo=None)
    con.begin()
    try:
        outcome.rows_loaded = _insert_rows(con, table, columns, parsed.rows, path, sha256, now, run_id)
        _insert_quarantine(con, parsed.quarantine, asset, path, sha256, now, run_id)
        kept = _insert_non_data_lines(con, parsed, path, sha256, now, run_id)
        accounted = outcome.rows_loaded + outcome.rows_quarantined + outcome.non_data_lines
        if accounted != outcome.rows_in_file:
            raise ValueError(f"reconcile failed: rows_in_file {outcome.rows_in_file} != loaded {outcome.rows_loaded} "
                             f"+ quarantined {outcome.rows_quarantined} + non-data {outcome.non_data_lines}")
        if kept != outcome.non_data_lines:
            raise ValueError(f"reconcile failed: raw.non_data_lines holds {kept} lines of the file, the manifest "
                             f"counts non-data {outcome.non_data_lines}")
        _record(con, domain, outcome, run_id, now=now)
        con.commit()
    except Exception as exc:
        con.rollback()
        if interrupted(exc):  # Ctrl-C inside a DuckDB query surfaces as its RuntimeError: stop, do not go on
            raise
        outcome.outcome, outcome.rows_loaded, outcome.message = "failed", 0, f"{path}: {exc}"
        _record(con, domain, outcome, run_id)
    return outcome


def _note_undated_beside_dated(con, outcomes: list[FileOutcome]) -> None:
    """Give each loan tape of `outcomes` that loaded undated beside dated snapshots of its book the
    note `undated_beside_dated`, in its outcome and its manifest row. Judged once the whole batch
    has landed, so an undated tape and the dated tapes of a folder landed in one run say the same
    whichever landed first (undated files land first within a run)."""
    for outcome in outcomes:
        if outcome.outcome != "loaded" or not (undated := undated_beside_dated(con, Path(outcome.path),
                                                                              outcome.sha256, outcome.notes)):
            continue
        outcome.notes["undated_beside_dated"] = undated
        con.execute("UPDATE raw.landed_files SET notes = ? WHERE sha256 = ? AND domain = 'loans'",
                    [json.dumps(summarise_notes(outcome.notes), default=str), outcome.sha256])


def undated_beside_dated(con, path: Path, sha256: str, notes: dict[str, object]) -> str | None:
    """What an undated loan tape landed in raw.loans (the file at `path` of bytes `sha256`, its
    reader's `notes` without an as-of date, none of its rows with a snapshot_date) beside dated
    snapshots of its book in raw.loans changes, and how to date it: the file's note
    `undated_beside_dated`, a WARN line of the run summary. None for a dated tape, one with no row
    loaded, or a book with no dated snapshot (a book of undated tapes, as LendingClub's, ranks by landing)."""
    if notes.get("as_of"):
        return None
    try:
        rows, dated_rows, books = con.execute(
            "SELECT count(*), count(snapshot_date), list_sort(list_distinct(list(portfolio))) FROM raw.loans "
            "WHERE _file_sha256 = ?", [sha256]).fetchone()
    except duckdb.Error:  # no raw.loans yet
        return None
    if rows == 0 or dated_rows:
        return None
    dated = con.execute("SELECT portfolio, max(snapshot_date) FROM raw.loans WHERE snapshot_date IS NOT NULL "
                        "AND list_contains(?, portfolio) GROUP BY portfolio ORDER BY portfolio", [books]).fetchall()
    if not dated:
        return None
    held = ", ".join(f"{book} (latest {latest.isoformat()})" for book, latest in dated)
    return (f"undated (no as-of date in its name, a title line, its sidecar mapping or its folder) beside dated "
            f"snapshots of book {held}: its rows rank older than every dated snapshot, so a dated tape's version "
            "of each loan is the newest whatever this file says, and no charge-off date of it is checked against "
            "an as-of date (chargeoff_not_after_as_of). Date it with a title line above the header (`Loan "
            f"Portfolio Report as of 06/30/2024`), `as_of` in its sidecar mapping ({path.name}.mapping.json) or "
            "asof_YYYY-MM-DD in its file name, and land it again")


def interrupted(exc: BaseException) -> bool:
    """Whether `exc` is, or was raised while handling, an interrupt (KeyboardInterrupt, Dagster's
    execution-interrupted error, any BaseException that is not an Exception): DuckDB turns a Ctrl-C
    during a query into `RuntimeError('Query interrupted')` with the interrupt as its context."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if not isinstance(exc, Exception):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


_URL_ID_SQL = r"^\s*(?i:https?://|www\.)"
"""DuckDB's (RE2) form of `news_formats.URL_ID`: the raw.news ids that may be URLs."""


_AMP_CACHE_SQL = (r"(?s)^\s*(?i:https?:)?(?://)?(?:[^@/?#]*@)?(?i:[^@/?#:]*\.cdn\.ampproject\.org)\.*(?::[0-9]*)?"
                  r"/[cvi]/(?:s/)?([A-Za-z0-9.-]+(?::[0-9]+)?(?:[/?#].*)?)$")
"""A page in Google's AMP cache (`news_formats._AMP_CACHE_PATH`), the address it caches in group 1."""
_URL_PARTS_SQL = r"(?s)^\s*(?i:https?:)?(?://)?(?:[^@/?#]*@)?([^/?#:]*)(?::[0-9]*)?(/[^?#]*)?(?:[?#].*)?$"
"""A URL id's host (group 1) and path (group 2), without scheme, user info, port, query or fragment."""


def _url_coarse_sql(column: str) -> str:
    """A DuckDB expression that reduces a URL id to its host (lower case, without trailing dots or
    any leading `www.`, `m.`, `mobile.` and `amp.` labels) and path (percent escapes decoded, lower
    case, without leading or trailing `/amp` segments or trailing slashes), a page in Google's AMP
    cache to the address it caches: two ids with one `news_formats.url_key` always agree on it (it
    sets aside all that the key does and more; a path whose escapes are no UTF-8 reduces to `%`),
    so it picks the loaded ids worth keying in Python, by a join, without reading all of raw.news.
    It sets these labels and segments aside wherever they stand, where the key is narrower (one
    edition label after `www.`, and only where a registrable domain remains; a last `/amp` only
    after two other segments): `amp.com.au` and `com.au`, `/markets/amp` and `/markets` agree here
    and are told apart by the key."""
    url = f"regexp_replace({column}, '{_AMP_CACHE_SQL}', '//\\1')"
    host = (f"regexp_replace(rtrim(lower(regexp_extract({url}, '{_URL_PARTS_SQL}', 1)), '.'), "
            r"'^(?:(?:www|m|mobile|amp)\.)+', '')")
    path = f"lower(coalesce(try(url_decode(regexp_extract({url}, '{_URL_PARTS_SQL}', 2))), '%'))"
    path = f"regexp_replace(regexp_replace({path}, '^(?:/amp)+(/|$)', '\\1'), '(?:/amp|/)*$', '')"
    return f"{host} || {path}"


_PLACE_SQL = ("CASE WHEN n._file_sha256 IN (SELECT sha256 FROM raw.landed_files WHERE domain = 'news' AND "
              "json_extract_string(notes, '$.record_numbers') = ?) THEN 'article ' ELSE 'line ' END "
              "|| n._source_line")
"""A loaded article's place (`n`: raw.news) in the unit its file counts: `line 7`, or `article 7`
where the manifest's notes say its file numbers articles (`news_formats.ARTICLE_NUMBERS`);
one parameter, ARTICLE_NUMBERS."""


def _quarantine_known_doc_ids(con, parsed: ParsedFile, path: Path) -> ParsedFile:
    """`parsed` with every row whose doc_id raw.news already holds moved to quarantine (rule
    `duplicate_doc_id`; the message names the file and line of the loaded copy and says whether the
    text and label are the same, a re-delivery, the label differs (both named), or the text
    differs, a revision whose first version stays). An id that is a URL matches a loaded id with
    the same `news_formats.url_key` (the same address with another scheme, host case, `www.`, mobile
    or AMP edition, default port, fragment, percent escapes, tracking parameters or trailing slash;
    the message then names the loaded id too; of several, the first loaded). raw.news keeps one row
    per article, and the rows of the file still reconcile. Each article is named in the unit its
    file counts (`news_formats.record_place`: `line 4`, or a JSON response's `article 4 (line 1
    column 230)`; a loaded copy from such a file `article 2`, by the manifest's notes), and the
    notes on how a loaded row was read leave the rows quarantined here (`loaded_rows_noted`)."""
    if not parsed.rows.height:
        return parsed
    incoming = parsed.rows.select("doc_id", "text_clean", "label", "_source_line").with_columns(
        pl.col("doc_id").map_elements(url_key, return_dtype=pl.Utf8, skip_nulls=True).alias("url_key"))
    con.register("incoming_doc_ids", incoming.to_arrow())
    try:
        known = con.execute(
            "SELECT i._source_line AS line, i.doc_id, n.doc_id AS first_id, "
            "i.text_clean IS NOT DISTINCT FROM n.text_clean AS same_text, "
            "i.label IS NOT DISTINCT FROM n.label AS same_label, coalesce(i.label, 'none') AS new_label, "
            f"coalesce(n.label, 'none') AS kept_label, n._source_file AS first_file, {_PLACE_SQL} AS first_place "
            "FROM incoming_doc_ids i JOIN raw.news n ON n.doc_id = i.doc_id ORDER BY i._source_line", [ARTICLE_NUMBERS]
        ).pl()
        loaded_urls = None
        if incoming.get_column("url_key").null_count() < incoming.height:
            loaded_urls = con.execute(
                f"WITH wanted AS (SELECT DISTINCT {_url_coarse_sql('doc_id')} AS coarse FROM incoming_doc_ids "
                f"WHERE url_key IS NOT NULL) "
                f"SELECT n.doc_id AS first_id, n.text_clean AS first_text, n.label AS first_label, "
                f"n._source_file AS first_file, {_PLACE_SQL} AS first_place FROM raw.news n "
                f"SEMI JOIN wanted w ON {_url_coarse_sql('n.doc_id')} = w.coarse "
                f"WHERE regexp_matches(n.doc_id, '{_URL_ID_SQL}') "
                f"ORDER BY n._ingested_at, n._source_file, n._source_line", [ARTICLE_NUMBERS]
            ).pl()
    finally:
        con.unregister("incoming_doc_ids")
    if loaded_urls is not None and loaded_urls.height:
        firsts = loaded_urls.with_columns(
            pl.col("first_id").map_elements(url_key, return_dtype=pl.Utf8).alias("url_key")
        ).drop_nulls("url_key").unique("url_key", keep="first", maintain_order=True)
        variants = (
            incoming.filter(pl.col("url_key").is_not_null() & ~pl.col("_source_line").is_in(known.get_column("line").implode()))
            .join(firsts, on="url_key")
            .select(pl.col("_source_line").alias("line"), "doc_id", "first_id",
                    pl.col("text_clean").eq_missing(pl.col("first_text")).alias("same_text"),
                    pl.col("label").eq_missing(pl.col("first_label")).alias("same_label"),
                    pl.col("label").fill_null("none").alias("new_label"),
                    pl.col("first_label").fill_null("none").alias("kept_label"), "first_file", "first_place")
        )
        known = pl.concat([known, variants.cast(known.schema)]).sort("line")
    if not known.height:
        return parsed
    known = known.with_columns(pl.col("line").map_elements(lambda line: record_place(parsed, line),
                                                           return_dtype=pl.Utf8).alias("place"))
    quarantine = known.select(
        "line", pl.col("doc_id").alias("record_key"), pl.lit("doc_id").alias("column_name"),
        pl.lit("duplicate_doc_id").alias("rule"), pl.col("doc_id").alias("raw_value"),
        pl.format(f"{path}: {{}}: article id {{}} is already loaded from {{}} {{}}{{}} ({{}})",
                  "place", "doc_id", "first_file", "first_place",
                  pl.when(pl.col("first_id") == pl.col("doc_id")).then(pl.lit(""))
                  .otherwise(pl.format(f" as {{}} ({SAME_URL})", "first_id")),
                  pl.when(pl.col("same_text") & pl.col("same_label")).then(pl.lit("same text: a re-delivery"))
                  .when("same_text").then(pl.format("same text, different label: {} here, {} kept; withdraw the "
                                                     "loaded file if this one is right", "new_label", "kept_label"))
                  .otherwise(pl.lit("different text: the first version is kept"))).alias("message"),
    )
    lines = known.get_column("line").implode()
    rows = parsed.rows.filter(~pl.col("_source_line").is_in(lines))
    return dataclasses.replace(
        parsed,
        rows=rows,
        quarantine=pl.concat([_repeats_pointed_at_kept_copy(parsed, known),
                              quarantine.cast(QUARANTINE_COLUMNS)]).sort("line"),
        notes=loaded_rows_noted(parsed.notes, set(rows.get_column("_source_line").to_list()), parsed.counted_lines),
    )


def _repeats_pointed_at_kept_copy(parsed: ParsedFile, known: pl.DataFrame) -> pl.DataFrame:
    """`parsed.quarantine` with the messages of the file's repeated ids (`parsed.repeats`) whose
    first copy in the file is itself a copy of an article already loaded (`known`: line, first_id,
    first_file, first_place) written again to name the copy the lake keeps, its file and line:
    'already on line 2' would point at a line that is quarantined too. The comparison with the
    line it repeats stays (`news_formats.repeat_message`). Shape: as `parsed.quarantine`."""
    kept = {line: (first_file, first_place, first_id) for line, first_id, first_file, first_place
            in known.select("line", "first_id", "first_file", "first_place").iter_rows()}
    return with_repeat_messages(parsed.quarantine, {line: repeat_message(repeat, kept[repeat.first_line])
                                                    for line, repeat in parsed.repeats.items()
                                                    if repeat.first_line in kept})


def _insert_rows(con, table: str, columns: tuple[Column, ...], rows: pl.DataFrame, path: Path,
                 sha256: str, now: datetime, run_id: str) -> int:
    """Append `rows` with lineage; returns the number of rows written. Columns that are NULL in
    every row (those the source does not carry) are left to the table's default NULL."""
    if not rows.height:
        return 0
    present = [c.name for c in columns if rows.get_column(c.name).null_count() < rows.height]
    names = ", ".join(present)
    con.register("landing_rows", rows.select(*present, "_source_line").to_arrow())
    # rows carry their physical line, so the table need not keep arrival order; letting DuckDB
    # write row groups in parallel halves the wall time of a large insert on two cores
    con.execute("SET preserve_insertion_order = false")
    try:
        con.execute(
            f"INSERT INTO {table} ({names}, _source_file, _source_line, _file_sha256, _ingested_at, _run_id) "
            f"SELECT {names}, ?, _source_line, ?, ?, ? FROM landing_rows",
            [str(path), sha256, now, run_id],
        )
    finally:
        con.execute("RESET preserve_insertion_order")
        con.unregister("landing_rows")
    return con.execute(f"SELECT count(*) FROM {table} WHERE _file_sha256 = ?", [sha256]).fetchone()[0]


def _insert_quarantine(con, quarantine: pl.DataFrame, asset: str, path: Path, sha256: str,
                       now: datetime, run_id: str) -> None:
    if not quarantine.height:
        return
    con.register("landing_quarantine", quarantine.to_arrow())
    try:
        con.execute(
            "INSERT INTO quality.quarantine (asset, source_file, file_sha256, line, record_key, column_name, rule, "
            "raw_value, message, run_id, quarantined_at) "
            "SELECT ?, ?, ?, line, record_key, column_name, rule, raw_value, message, ?, ? FROM landing_quarantine",
            [asset, str(path), sha256, run_id, now],
        )
    finally:
        con.unregister("landing_quarantine")


def _insert_non_data_lines(con, parsed: ParsedFile, path: Path, sha256: str, now: datetime, run_id: str) -> int:
    """Append one raw.non_data_lines row per (line, kind) of `parsed.non_data_lines`, with the
    line's text from `parsed.non_data_text` cut to NON_DATA_TEXT_CHARS characters (NULL where the
    reader kept none). Returns the rows of the file the table then holds, which landing
    compares with the count the manifest keeps."""
    if parsed.non_data_lines:
        lines = pl.DataFrame(parsed.non_data_lines, schema={"line": pl.Int64, "kind": pl.Utf8}, orient="row")
        texts = pl.DataFrame({"line": list(parsed.non_data_text), "text": list(parsed.non_data_text.values())},
                             schema={"line": pl.Int64, "text": pl.Utf8})
        lines = lines.join(texts, on="line", how="left").with_columns(
            pl.col("text").str.slice(0, NON_DATA_TEXT_CHARS))
        con.register("landing_non_data", lines.to_arrow())
        try:
            con.execute(
                "INSERT INTO raw.non_data_lines (file_sha256, source_file, line, kind, text, run_id, landed_at) "
                "SELECT ?, ?, line, kind, text, ?, ? FROM landing_non_data",
                [sha256, str(path), run_id, now],
            )
        finally:
            con.unregister("landing_non_data")
    return con.execute("SELECT count(*) FROM raw.non_data_lines WHERE file_sha256 = ?",
                       [sha256]).fetchone()[0]


def _record(con, domain: str, outcome: FileOutcome, run_id: str, manifest: bool = True,
            now: datetime | None = None) -> None:
    """Manifest row (insert or replace by domain and sha256) and landing event for `outcome`. The
    event keeps `outcome.message` whatever the outcome (a refusal's reason, a copy's first file, a
    failure's numbers), so the history stays in raw.landing_events after the manifest row is
    replaced. A file refused before its bytes were read (a broken link, no permission: `manifest`
    False) has no sha256 to key a manifest row by; its event alone keeps the reason. Bytes withdrawn
    before and loaded again get the message `relanded_message` says, in the manifest and the event."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    if manifest and outcome.outcome == "loaded" and (again := relanded_message(con, domain, outcome.sha256)):
        outcome.message = again if not outcome.message else f"{again}; {outcome.message}"
    if manifest:
        notes = summarise_notes(outcome.notes)
        con.execute(
            "INSERT OR REPLACE INTO raw.landed_files (sha256, path, size_bytes, domain, format, rows_in_file, "
            "rows_loaded, rows_quarantined, non_data_lines, status, message, run_id, landed_at, notes, "
            "unterminated_line) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [outcome.sha256, outcome.path, outcome.size_bytes, domain, outcome.format, outcome.rows_in_file,
             outcome.rows_loaded, outcome.rows_quarantined, outcome.non_data_lines, outcome.outcome,
             outcome.message, run_id, now, json.dumps(notes, default=str) if notes else None,
             outcome.unterminated_line],
        )
    con.execute(
        "INSERT INTO raw.landing_events (path, sha256, size_bytes, outcome, duplicate_of, run_id, seen_at, message, "
        "domain) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [outcome.path, outcome.sha256, outcome.size_bytes, outcome.outcome, outcome.duplicate_of, run_id, now,
         outcome.message, domain],
    )


def relanded_message(con: duckdb.DuckDBPyConnection, domain: str, sha256: str) -> str | None:
    """The manifest message of bytes withdrawn before and landed again: 're-landed after withdrawal
    on 2024-05-02 09:14:03 UTC by operator ana: labels swapped by the vendor (120 rows and 0
    quarantine entries removed)', from the withdrawn manifest row it replaces and the time of its
    newest `withdrawn` event (the withdrawal itself stays an event of raw.landing_events). None when
    the manifest of `domain` has no withdrawn row of `sha256`."""
    row = con.execute("SELECT message FROM raw.landed_files WHERE domain = ? AND sha256 = ? AND status = 'withdrawn'",
                      [domain, sha256]).fetchone()
    if row is None:
        return None
    same_domain = "AND coalesce(domain, $domain) = $domain" if column_exists(con, "raw.landing_events", "domain") else ""
    (when,) = con.execute("SELECT max(seen_at) FROM raw.landing_events WHERE sha256 = $sha AND outcome = 'withdrawn' "
                          f"{same_domain}", {"sha": sha256, "domain": domain}).fetchone()
    said = f" on {when:%Y-%m-%d %H:%M:%S} UTC" if when else ""
    why = row[0] or "no reason recorded"
    return (f"re-landed after withdrawal{said} {why.removeprefix('withdrawn ')}" if why.startswith("withdrawn by ")
            else f"re-landed after withdrawal{said}: {why}")


class AmbiguousFile(ValueError):
    """`withdraw_file`'s `which` names several loaded files: two files of one name, or the same
    bytes landed as a loan tape and as news (one sha256, a manifest row in each domain).

    Attributes:
        copies: (sha256, path, domain, rows loaded, how the path is said) of each, in domain, path then
            landing order; the sha256 with `domain` picks one. The path is said as is, or, when files
            of two sha256s have its name (a corrected tape saved over the landed one), with the sha256
            prefix, landing time (UTC) and which is older (`duplicates.copies_said`).
    """

    def __init__(self, which: str, copies: list[tuple[str, str, str, int, datetime | None]]):
        from risk_assets.lib.quality.duplicates import copies_said

        said = copies_said([(Path(path).name, sha, landed) for sha, path, _, _, landed in copies])
        self.which = which
        self.copies = [(sha, path, domain, rows, str(Path(path).parent / said[sha]))
                       for sha, path, domain, rows, _ in copies]
        one_content = len({sha for sha, *_ in copies}) == 1
        super().__init__(
            f"{which!r} names {len(copies)} loaded files"
            + (", the same bytes landed as a loan tape and as news; say which with --domain:" if one_content
               else "; give the sha256:")
            + "".join(f"\n  {domain} {path} ({rows:,} rows): withdraw {sha[:12]} --domain {domain}"
                      for sha, _, domain, rows, path in self.copies))


@dataclass(frozen=True)
class Withdrawal:
    """What `withdraw_file` took out of the lake."""

    path: str
    sha256: str
    domain: str
    rows_removed: int
    quarantine_removed: int
    moved_to: str | None
    """Where the file went (None when no file in landing held its bytes)."""
    copies_moved: tuple[tuple[str, str], ...] = ()
    """(path, moved to) of other files in landing with the same bytes (a re-download, a file
    renamed after it landed): moved out too, or the next run would load them again."""
    replaced: str | None = None
    """The landed path when it now holds other bytes (a corrected file saved over it): left in place."""
    replaced_by: tuple[str, str | None] | None = None
    """(sha256, manifest status or None when those bytes never landed) of the bytes at `replaced`."""
    shadowed: tuple[tuple[str, int], ...] = ()
    """(file, rows) of other landed files whose articles were quarantined as duplicate_doc_id of
    the withdrawn file's articles: withdraw them too and land them again to load those rows."""
    released: tuple[tuple[str, str, int], ...] = ()
    """(path, sha256, rows) of other loan files whose rows were quarantined as conflicting_duplicate
    beside the withdrawn file's and conflict no more: out of quarantine now, as the next run's checks
    read it (staging takes them when rebuilt)."""


def last_loaded_at(con: duckdb.DuckDBPyConnection, domain: str) -> datetime | None:
    """When the newest file of `domain` ('loans' or 'news') still loaded was landed (UTC), or None."""
    if not table_exists(con, "raw.landed_files"):
        return None
    return con.execute("SELECT max(landed_at) FROM raw.landed_files WHERE domain = ? AND status = 'loaded'",
                       [domain]).fetchone()[0]


def refusals_in_landing(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(path, reason without the path it starts with) of each file whose newest landing event is a
    refusal and which is in landing still (a broken link counts: the link is there): the files each
    run tries again, oldest refusal first. The reason is the manifest's, or the event's for a file
    refused unread (a broken link, no permission: no bytes, so no manifest row). A file refused and
    then deleted, or saved over with bytes that landed since, is none. [] without the tables."""
    if not table_exists(con, "raw.landing_events") or not table_exists(con, "raw.landed_files"):
        return []
    event_message = ("e.message" if "message" in {c for (c,) in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'raw' AND table_name = 'landing_events'"
    ).fetchall()} else "NULL")  # a lake read-only opened before the column was added
    same_domain = _same_domain(con)
    refused = con.execute(
        "WITH newest AS (SELECT * FROM raw.landing_events "
        "QUALIFY row_number() OVER (PARTITION BY path ORDER BY seen_at DESC) = 1 AND outcome = 'refused') "
        f"SELECT e.path, coalesce(f.path, e.path), coalesce(f.message, {event_message}) "
        f"FROM newest AS e LEFT JOIN raw.landed_files AS f ON f.sha256 = e.sha256 AND f.status = 'refused' {same_domain} "
        "ORDER BY e.seen_at, e.path").fetchall()
    return [(path, (message or _unread_now(Path(path))).removeprefix(f"{named}: ").removeprefix(f"{path}: "))
            for path, named, message in refused if os.path.lexists(path)]


def gone_from_landing(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """(outcome, path, message) of each loaded file a run found gone from landing and still gone
    ('source_missing', the landed path: its rows stay until it is withdrawn), and of each file in
    landing a run found holding a loaded file's bytes under a new name ('renamed', the new path,
    while it is there and those bytes are loaded), oldest first. [] without the tables."""
    if not table_exists(con, "raw.landing_events") or not table_exists(con, "raw.landed_files"):
        return []
    found = con.execute(
        "WITH newest AS (SELECT * FROM raw.landing_events "
        "QUALIFY row_number() OVER (PARTITION BY path ORDER BY seen_at DESC) = 1 "
        "AND outcome IN ('source_missing', 'renamed')) "
        "SELECT e.outcome, e.path, coalesce(e.message, '') FROM newest AS e "
        f"JOIN raw.landed_files AS f ON f.sha256 = e.sha256 AND f.status = 'loaded' {_same_domain(con)} "
        "ORDER BY e.seen_at, e.path").fetchall()
    return [(outcome, path, message) for outcome, path, message in found
            if os.path.lexists(path) == (outcome == "renamed")]


def _same_domain(con: duckdb.DuckDBPyConnection) -> str:
    """SQL condition, after a join of raw.landing_events `e` and raw.landed_files `f` on sha256: the
    event is of the manifest row's domain (the same bytes may have landed in loans and in news). An
    event recorded before events kept their domain (NULL), or a lake opened read-only whose events
    have no such column, matches the one row its sha256 then had."""
    if not column_exists(con, "raw.landing_events", "domain"):
        return ""
    return "AND f.domain = coalesce(e.domain, f.domain)"


def _unread_now(path: Path) -> str:
    """Why `path` cannot be read now, for a refusal a lake recorded before events kept the reason."""
    try:
        file_state(path)
        return "refused unread on the last run (no reason recorded); it is tried again on the next run"
    except OSError as exc:
        return unreadable_reason(path, exc)


def landed_copies_of(con: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    """The landed paths whose bytes the file `name` holds, when `name` itself never landed because
    those bytes had landed first under another name: a file renamed after it landed, or a re-download
    or copy saved under a new name (a `duplicate` landing event records each, on the first run that
    sees it; `renamed` where the landed path is gone).

    `name` is a path (as recorded, or relative to the working directory) or a file name, compared
    in Unicode NFC as `landed_file` compares them. A path counts by its newest landing event only:
    one that was a copy once and holds other bytes now (refused, say) is no copy. Returns the
    distinct paths raw.landed_files keeps for those bytes, in path order (two copies of one name in
    two folders may hold two files' bytes), which the commands that take a file (`quarantine`,
    `loan FILE:LINE`, `withdraw`) then look up; [] when no such copy is named (or the lake has no
    landing events yet)."""
    if not table_exists(con, "raw.landing_events") or not table_exists(con, "raw.landed_files"):
        return []
    return [path for (path,) in con.execute(
        "WITH newest AS (SELECT * FROM raw.landing_events "
        f"WHERE {names_file('path', '$name')} OR nfc_normalize(path) = nfc_normalize($resolved) "
        "QUALIFY row_number() OVER (PARTITION BY path ORDER BY seen_at DESC) = 1) "
        f"SELECT DISTINCT f.path FROM newest AS e JOIN raw.landed_files AS f ON f.sha256 = e.sha256 {_same_domain(con)} "
        "WHERE e.outcome IN ('duplicate', 'renamed') ORDER BY f.path",
        {"name": name, "resolved": str(Path(name).resolve())}).fetchall()]


def withdraw_file(con: duckdb.DuckDBPyConnection, which: str, reason: str, actor: str,
                  withdrawn_dir: Path, run_id: str | None = None, landing_dir: Path | None = None,
                  domain: str | None = None) -> Withdrawal:
    """Take a loaded file back out of the lake, in one transaction: its rows in raw.loans / raw.news
    (by `_file_sha256`), its quarantine entries and its rows in raw.non_data_lines are deleted, and
    the conflicting_duplicate entries of the loans it shared with other files are recomputed from the
    rows left (a version that conflicted only with this one leaves quarantine: `Withdrawal.released`); its
    manifest row is kept, with its counts, status `withdrawn` and message '<actor>: <reason> (<n>
    rows removed)', and a landing event
    `withdrawn` is recorded. Every file in landing that holds those bytes (the landed path, a
    re-download, a copy renamed after it landed) is then moved to `withdrawn_dir`, so the next run
    does not land it again, and a corrected file lands in its place, its ids no longer taken; a
    landed path that now holds other bytes (a corrected file saved over it) is left where it is.
    Tables built from raw (staging, marts, scores) keep the file's rows until they are rebuilt.

    Args:
        which: the file's sha256 (or a prefix of at least 8 characters), its landed path (absolute
            or relative to the working directory), or its file name when only one landed file has it;
            or the name or path of a copy in landing that never landed because it holds a landed
            file's bytes (the file renamed after it landed: `landed_copies_of`).
        landing_dir: the landing folder to search for copies (default: the landed path's folder). A
            file there that landed in the other domain (the same bytes loaded as news beside the
            loan tape) is that domain's, and stays.
        domain: 'loans' or 'news': only the files landed in it (the same bytes landed as a loan
            tape and as news have one sha256); None: either.

    Raises:
        ValueError: a blank reason, or an unknown domain; no loaded file matches `which` (the
            message lists the loaded files' names).
        AmbiguousFile: several do; it lists each with its domain, path, rows and the arguments that
            withdraw it.
    """
    if not reason or not reason.strip():
        raise ValueError("a reason is required: it is kept in the manifest (raw.landed_files.message)")
    if domain not in (None, *TABLES):
        raise ValueError(f"no domain {domain!r}: files land as {' or '.join(TABLES)}")
    in_domain = {"domain": domain}
    named = con.execute(
        "SELECT sha256, path, domain, status, message, rows_loaded, landed_at FROM raw.landed_files "
        "WHERE status IN ('loaded', 'withdrawn') AND domain = coalesce($domain, domain) AND "
        f"({names_file('path', '$which')} OR nfc_normalize(path) = nfc_normalize($resolved) "
        "OR (length($which) >= 8 AND starts_with(sha256, lower($which)))) ORDER BY domain, path, landed_at",
        {"which": which, "resolved": str(Path(which).resolve()), **in_domain}).fetchall()
    if not named and (copies := landed_copies_of(con, which)):  # renamed after it landed, or a copy
        named = con.execute("SELECT sha256, path, domain, status, message, rows_loaded, landed_at FROM raw.landed_files "
                            "WHERE list_contains($copies, path) AND status IN ('loaded', 'withdrawn') "
                            "AND domain = coalesce($domain, domain) ORDER BY domain, path, landed_at",
                            {"copies": copies, **in_domain}).fetchall()
    matches = [(sha, path, dom, rows, landed) for sha, path, dom, status, _, rows, landed in named if status == "loaded"]
    if not matches and named:
        _, path, _, _, message, *_ = named[0]
        raise ValueError(f"{path} is withdrawn already ({message})")
    if not matches:
        names = [Path(p).name for (p,) in con.execute(
            "SELECT path FROM raw.landed_files WHERE status = 'loaded' AND domain = coalesce(?, domain) "
            "ORDER BY landed_at", [domain]).fetchall()]
        raise ValueError(f"no loaded file{'' if domain is None else ' in ' + domain} is {which!r}; "
                         f"loaded files{'' if domain is None else ' there'}: {', '.join(names) or 'none'}")
    if len(matches) > 1:
        raise AmbiguousFile(which, [(sha, path, dom, rows or 0, landed) for sha, path, dom, rows, landed in matches])
    sha256, path, domain, *_ = matches[0]
    table, _ = TABLES[domain]
    now = datetime.now(UTC).replace(tzinfo=None)
    shadowed = () if domain != "news" else tuple(con.execute(
        "SELECT q.source_file, count(*) FROM quality.quarantine AS q "
        "WHERE q.rule = 'duplicate_doc_id' AND q.file_sha256 <> ? "
        "AND q.record_key IN (SELECT doc_id FROM raw.news WHERE _file_sha256 = ?) GROUP BY 1 ORDER BY 1",
        [sha256, sha256]).fetchall())
    conflicted = [] if domain != "loans" or not table_exists(con, "quality.quarantine") else [key for (key,) in con.execute(
        "SELECT DISTINCT record_key FROM quality.quarantine WHERE asset = ? AND file_sha256 = ?",
        [CONFLICT_CHECK, sha256]).fetchall()]
    with transaction(con):
        rows = con.execute(f"DELETE FROM {table} WHERE _file_sha256 = ?", [sha256]).fetchone()[0]
        quarantined = con.execute(  # the same bytes landed in the other domain keep theirs
            "DELETE FROM quality.quarantine WHERE file_sha256 = ? AND asset IS DISTINCT FROM ?",
            [sha256, f"raw_{'news' if domain == 'loans' else 'loans'}"]).fetchone()[0]
        released = _reconcile_conflicts(con, conflicted, run_id, now)
        if table_exists(con, "raw.non_data_lines"):  # `lake.ensure_lake` makes it; a bare connection may lack it
            con.execute("DELETE FROM raw.non_data_lines WHERE file_sha256 = ?", [sha256])
        said = f"withdrawn by {actor}: {reason} ({rows:,} rows and {quarantined:,} quarantine entries removed)"
        con.execute("UPDATE raw.landed_files SET status = 'withdrawn', message = ? WHERE sha256 = ? AND domain = ?",
                    [said, sha256, domain])
        con.execute("INSERT INTO raw.landing_events (path, sha256, size_bytes, outcome, duplicate_of, run_id, seen_at, "
                    "message, domain) SELECT path, sha256, size_bytes, 'withdrawn', NULL, ?, ?, ?, domain "
                    "FROM raw.landed_files WHERE sha256 = ? AND domain = ?", [run_id, now, said, sha256, domain])
    landed = Path(path)
    theirs = _landed_in_other_domains(con, sha256, domain)
    holders = [p for p in landable_files(landing_dir or landed.parent) if _holds(p, sha256) and str(p) not in theirs]
    if landed.is_file() and landed not in holders and _holds(landed, sha256):
        holders.insert(0, landed)  # landed from outside the folder searched
    holders.sort(key=lambda p: p != landed)  # the landed path first
    moves = []
    for holder in holders:
        withdrawn_dir.mkdir(parents=True, exist_ok=True)
        target = withdrawn_dir / f"{sha256[:12]}_{holder.name}"
        n = 1
        while target.exists():
            n += 1
            target = withdrawn_dir / f"{sha256[:12]}_{n}_{holder.name}"
        holder.replace(target)
        moves.append((str(holder), str(target)))
    moved_to = moves[0][1] if moves and moves[0][0] == str(landed) else None
    copies = tuple(move for move in moves if move[0] != str(landed))
    replaced = path if landed.is_file() else None  # still there: other bytes now
    replaced_by = _bytes_at(con, landed, domain) if replaced else None
    return Withdrawal(path, sha256, domain, rows, quarantined, moved_to, copies, replaced, replaced_by, shadowed,
                      released)


CONFLICT_CHECK = "raw_loans_unique_per_snapshot"
"""The check whose quarantine entries (rule conflicting_duplicate) a loan withdrawal reconciles."""


def _reconcile_conflicts(con: duckdb.DuckDBPyConnection, keys: list[str], run_id: str | None,
                         now: datetime) -> tuple[tuple[str, str, int], ...]:
    """After a loan file's rows are deleted: the CONFLICT_CHECK entries of the other files' rows of
    `keys` (the loans the withdrawn file was in conflict on) recomputed from the rows left, so that a
    row no longer in conflict (the other version of a corrected tape) is out of quarantine before any
    check of the next run reads it, and one still in conflict with a third version says so.

    Returns (path, sha256, rows released) per file whose rows left quarantine, by path."""
    if not keys:
        return ()
    from risk_assets.lib.quality.duplicates import conflicting_duplicates

    before = con.execute("SELECT source_file, file_sha256, count(*) FROM quality.quarantine "
                         "WHERE asset = ? AND list_contains(?, record_key) GROUP BY ALL", [CONFLICT_CHECK, keys]).fetchall()
    con.execute("CREATE OR REPLACE TEMP TABLE _withdrawal_left AS SELECT * FROM raw.loans "
                "WHERE list_contains(?, loan_key)", [keys])
    try:
        failures = conflicting_duplicates(con, "_withdrawal_left").failures
    finally:
        con.execute("DROP TABLE IF EXISTS _withdrawal_left")
    con.execute("DELETE FROM quality.quarantine WHERE asset = ? AND list_contains(?, record_key)", [CONFLICT_CHECK, keys])
    if len(failures):
        rows = failures.astype(object).where(failures.notna(), None)
        con.register("_still_in_conflict", rows)
        try:
            con.execute("INSERT INTO quality.quarantine (asset, source_file, file_sha256, line, record_key, column_name, "
                        "rule, raw_value, message, run_id, quarantined_at) SELECT ?, source_file, file_sha256, "
                        "CAST(line AS BIGINT), record_key, column_name, rule, CAST(raw_value AS VARCHAR), message, ?, ? "
                        "FROM _still_in_conflict", [CONFLICT_CHECK, run_id, now])
        finally:
            con.unregister("_still_in_conflict")
    left = failures.groupby("file_sha256").size().to_dict() if len(failures) else {}
    return tuple(sorted((path, sha, n - int(left.get(sha, 0))) for path, sha, n in before if n > left.get(sha, 0)))


def _landed_in_other_domains(con: duckdb.DuckDBPyConnection, sha256: str, domain: str) -> set[str]:
    """Paths whose newest landing event saw the bytes of `sha256` in a domain other than `domain`
    (the same bytes landed, or seen as a duplicate, as news beside a loan tape): that domain's
    files, which withdrawing this domain's leaves where they are."""
    if not column_exists(con, "raw.landing_events", "domain"):
        return set()
    return {path for (path,) in con.execute(
        "SELECT path FROM raw.landing_events QUALIFY row_number() OVER (PARTITION BY path ORDER BY seen_at DESC) = 1 "
        "AND sha256 = ? AND domain IS DISTINCT FROM ? AND domain IS NOT NULL", [sha256, domain]).fetchall()}


def _bytes_at(con: duckdb.DuckDBPyConnection, path: Path, domain: str) -> tuple[str, str | None] | None:
    """(sha256, raw.landed_files status in `domain` or None when they never landed there) of the
    bytes at `path`; None when it cannot be read."""
    try:
        sha256 = file_sha256(path)
    except OSError:
        return None
    row = con.execute("SELECT status FROM raw.landed_files WHERE sha256 = ? AND domain = ?", [sha256, domain]).fetchone()
    return sha256, row[0] if row else None


def _holds(path: Path, sha256: str) -> bool:
    """Whether `path` is readable and holds the bytes of `sha256`."""
    try:
        return file_sha256(path) == sha256
    except OSError:
        return False
