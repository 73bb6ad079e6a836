"""Which landed files are new: the landing sensors' logic, keyed by content, never by clock.

A file is new when its bytes (sha256) have not been seen before, in the sensor's cursor or in the
lake's manifest raw.landed_files. Modification times never decide what is new, so a file copied
with its old mtime preserved (cp -p, rsync -t, an unzip) is still picked up; they only hold back a
file modified in the last SETTLE_SECONDS, whose copy may still be running; and the same bytes under
two names (a browser's "loans (1).csv") are one new content, not two. A content an operator
withdrew (`risk-assets withdraw`, manifest status `withdrawn`) is new again when it is dropped
back: its run key then carries the number of withdrawals, because Dagster starts one run per run
key, ever.

The cursor is JSON: {"files": [{"name", "size", "sha256"}, ...]}, every file seen so far.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import time

from risk_assets.lib.ingest.landing import file_sha256, file_state, landable_files, unreadable_reason

SETTLE_SECONDS = 10
"""A file modified less than this long ago may still be being copied: it is left for a later tick."""


@dataclass(frozen=True)
class SeenFile:
    """A file in a landing folder: name (relative to the folder), size in bytes, sha256 (hex)."""

    name: str
    size: int
    sha256: str


@dataclass
class LandingPlan:
    """The outcome of one look at a landing folder.

    Attributes:
        new: one entry per new content: the file that carries it (first by name) and the other
            names with the same bytes in this look.
        known: files whose content was seen before (cursor or manifest).
        copies: of the known files, those seen under their name for the first time: a late copy of
            content seen already, one line each, '<name>: same bytes as <earlier name>, landed
            already; no run' (`seen already` where the manifest does not hold it yet).
        cursor: the cursor to store (every file seen, this look included).
    """

    new: list[tuple[SeenFile, list[SeenFile]]] = field(default_factory=list)
    known: list[SeenFile] = field(default_factory=list)
    copies: list[str] = field(default_factory=list)
    cursor: str = ""


@dataclass
class Scan:
    """One look at a landing folder: the complete files, and those left for now with why."""

    files: list[SeenFile] = field(default_factory=list)
    settling: list[str] = field(default_factory=list)
    """Names modified less than SETTLE_SECONDS ago: a copy may still be running."""
    unreadable: list[str] = field(default_factory=list)
    """'<name>: <reason>' of files that cannot be read (permissions)."""


def scan(folder: Path, settle_seconds: float = SETTLE_SECONDS, now: float | None = None) -> Scan:
    """The files `raw_loans` / `raw_news` would land (`landing.landable_files`: subfolders included,
    hidden files, mapping sidecars and PARTIAL_SUFFIXES names skipped), sorted by name, with size
    and sha256. A file modified less than `settle_seconds` before `now` (epoch seconds), or whose
    size or modification time moved while it was hashed, is `settling`: a copy in progress is
    never landed half-written. A file that cannot be read is `unreadable`, never a failed tick.
    """
    now = time.time() if now is None else now
    result = Scan()
    for path in sorted(landable_files(folder)):
        name = path.relative_to(folder).as_posix()
        try:
            before = file_state(path)
            if now - before[1] / 1e9 < settle_seconds:
                result.settling.append(name)
                continue
            sha256 = file_sha256(path)
            if file_state(path) != before:
                result.settling.append(name)
                continue
        except OSError as exc:
            broken_link = path.is_symlink() and not path.exists()
            reason = unreadable_reason(path, exc).removeprefix(f"{path}: ") if broken_link else exc.strerror or exc
            result.unreadable.append(f"{name}: {reason}")
            continue
        result.files.append(SeenFile(name, before[0], sha256))
    return result


def read_cursor(cursor: str | None) -> list[SeenFile]:
    """Files recorded in a cursor; an empty or missing cursor records none.

    Raises:
        ValueError: the cursor is not the JSON this module writes (the message quotes its start).
    """
    if not cursor:
        return []
    try:
        return [SeenFile(str(f["name"]), int(f["size"]), str(f["sha256"])) for f in json.loads(cursor)["files"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"landing sensor cursor is not {{'files': [...]}} JSON: {cursor[:80]!r}") from exc


def plan(files: list[SeenFile], cursor: str | None, manifest_sha256: set[str] = frozenset(),
         withdrawn: Mapping[str, int] | None = None, landed: Mapping[str, str] | None = None) -> LandingPlan:
    """Split `files` into new contents and known ones, and build the next cursor.

    Args:
        files: the folder's files now (see `scan`).
        cursor: the previous cursor (None on the first look).
        manifest_sha256: contents the lake has already recorded in raw.landed_files.
        withdrawn: contents whose manifest status is `withdrawn`, with how often each was withdrawn:
            new again whatever the cursor or manifest say.
        landed: the name the manifest landed each content under (relative to the landing folder),
            for `copies` to name.
    """
    seen = read_cursor(cursor)
    known_hashes = ({f.sha256 for f in seen} | set(manifest_sha256)) - set(withdrawn or {})
    result = LandingPlan()
    by_hash: dict[str, list[SeenFile]] = {}
    earlier = {f.sha256: f.name for f in sorted(seen, key=lambda f: f.name, reverse=True)}
    seen_names = {(f.name, f.sha256) for f in seen}
    for f in files:
        if f.sha256 in known_hashes:
            result.known.append(f)
            landed_as = (landed or {}).get(f.sha256)
            other = earlier.get(f.sha256) if landed_as in (None, f.name) else landed_as
            if (f.name, f.sha256) not in seen_names and landed_as != f.name and other not in (None, f.name):
                in_manifest = f.sha256 in manifest_sha256
                result.copies.append(f"{f.name}: same bytes as {other}, {'landed' if in_manifest else 'seen'} "
                                     "already; no run")
        else:
            by_hash.setdefault(f.sha256, []).append(f)
    result.new = [(group[0], group[1:]) for group in by_hash.values()]
    merged = {(f.name, f.sha256): f for f in [*seen, *files]}
    result.cursor = json.dumps({"files": [asdict(f) for f in sorted(merged.values(), key=lambda f: (f.name, f.sha256))]})
    return result


def run_key(domain: str, sha256: str, withdrawals: int = 0) -> str:
    """The landing run's key: '<domain>:<sha256>', plus ':after-withdrawal-<n>' for a content
    withdrawn n times, so that landing it again is a new run and a repeat tick is not."""
    return f"{domain}:{sha256}" + (f":after-withdrawal-{withdrawals}" if withdrawals else "")
