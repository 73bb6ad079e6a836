"""What the folders between the landing folder and a tape say about it.

Vendors and data platforms deliver monthly tapes one folder per month under the same file name
(`acme/2024-06-30/acme_tape.csv`, `loans/2024/06/tape.csv`, `as_of=2024-06-30/part-0.csv`), and
Spark, pyarrow and DuckDB write a column they partition by into the folder names only
(`addr_state=AZ/part-00000.csv`: Hive-style partitioning, `name=value`, the value percent-escaped).
Read by its file alone, such a tape is undated, so its loans would be versioned by landing order,
which follows paths (`2024-06-30/` lands before `asof_2024-05-31/`, `June 2024/` before `May 2024/`);
and its partition column would load as NULL.

`read_folders` turns the folder names into:
- an as-of date, from the folder nearest the file that states one: an as-of marker with a date
  (`asof_2024-05-31`, the form a file name takes), a folder that is a date and nothing else
  (`2024-06-30`, `20240630`), a month (`2024-06`, `06-2024`, `June 2024`, `2024_Jun`: its last
  day), nested year, month and day folders (`2024/06/`, `2024/06/30/`, `year=2024/month=06/`),
  or a Hive partition of a date key (`as_of=`, `snapshot_date=`, `dt=`, `date=` ...);
- the values of Hive partitions, by name, for columns the tape's mapping reads and the file lacks.

A year alone (`2024/`) states no as-of date, nor six digits (`200612/`: a lender's or a batch's
number as likely). The caller applies the folder's date only to a file whose name carries no other
month (a folder of a bulk back-fill holds tapes of many months); `name_dates` reads the dates a file
name carries without an as-of marker, which order landing (`landing.stated_date`).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import unquote

AS_OF_MARKER = r"(?<![a-z])as[_-]?of(?![a-z])"
"""An as-of marker in a file or folder name, in any case: `asof`, `as_of`, `as-of`, `ASOF`, `AsOf`
(not part of a word: `canvas_of`, `as_offered` are none)."""
AS_OF_IN_NAME = re.compile(AS_OF_MARKER + r"[_-]?(\d{4})(-?)(\d{2})\2(\d{2})(?!\d)", re.IGNORECASE)
"""An as-of marker, an optional `_` or `-`, then an ISO 8601 calendar date, extended
(`2024-01-31`) or basic (`20240131`) form: `asof_2024-01-31`, `ASOF_2024-01-31`, `as_of_2024-01-31`,
`as-of-2024-01-31`, `asof_20240131`, `AsOf2024-01-31`."""
AS_OF_MARKER_IN_NAME = re.compile(AS_OF_MARKER + r"[^.]{0,12}", re.IGNORECASE)
"""An as-of marker and what follows it (up to a suffix), for a message when no date is read there."""

MONTH_NAMES = {**{name.lower(): number for number in range(1, 13)
                  for name in (calendar.month_name[number], calendar.month_abbr[number])}, "sept": 9}
"""English month names, their three-letter forms and `Sept`, lowercased -> month number 1-12."""

DATE_KEYS = ("as_of", "asof", "as_of_date", "asofdate", "snapshot", "snapshot_date", "report_date",
             "reporting_date", "dt", "date", "period", "month")
"""Hive partition names whose value is the tape's as-of date (compared lowercased); `year=`,
`month=` and `day=` folders nested in that order state one too."""
DATE_PARTS = (*DATE_KEYS, "year", "month", "day")
"""Hive partition names read as (part of) a date, never as a column's value."""

_DAY = re.compile(r"(\d{4})([-_.]?)(\d{2})\2(\d{2})")
_MONTH_NUMBERS = re.compile(r"(\d{4})[-_.](\d{2})|(\d{2})[-_.](\d{4})")
_MONTH_WORDS = re.compile(r"([a-z]+)[-_. ]?(\d{4})|(\d{4})[-_. ]?([a-z]+)", re.IGNORECASE)
_PARTITION = re.compile(r"([^=]+)=(.*)")
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
"""The folder value Hive, Spark and pyarrow write for a partition column's NULL: read as empty."""


@dataclass(frozen=True)
class FolderFacts:
    """What a tape's folders state.

    Attributes:
        as_of: the as-of date, or None.
        as_of_from: the folder text it was read from (`2024-06`, `year=2024/month=06`), for notes.
        month_end: True when the folder names a month and `as_of` is its last day.
        partitions: Hive partition values by name as written in the folder (`{"addr_state": "AZ"}`),
            percent-escapes decoded, `__HIVE_DEFAULT_PARTITION__` (a NULL) as ''; the date keys among
            them too.
    """

    as_of: date | None = None
    as_of_from: str | None = None
    month_end: bool = False
    partitions: dict[str, str] = field(default_factory=dict)


def _month_end(year: int, month: int) -> date | None:
    if not (1 <= month <= 12 and 1900 <= year <= 2199):
        return None
    return date(year, month, calendar.monthrange(year, month)[1])


def folder_date(name: str) -> tuple[date, bool] | None:
    """The date a folder name is, whole, or None: (date, True) for a month, as its last day.

    Forms: `2024-06-30`, `2024_06_30`, `2024.06.30`, `20240630`; months `2024-06`, `2024_06`,
    `06-2024`, `06.2024`, `June 2024`, `Jun_2024`, `2024-June` (six digits, `200612`, are as likely a
    lender's or a batch's number: no date). Names that only contain a date (`tape 2024-06`,
    `backup_2024-06-30_old`) and dates that do not exist (2024-06-31) are None.
    """
    text = name.strip()
    if found := _DAY.fullmatch(text):
        try:
            return date(int(found.group(1)), int(found.group(3)), int(found.group(4))), False
        except ValueError:
            return None
    if found := _MONTH_NUMBERS.fullmatch(text):
        year, month = (found.group(1), found.group(2)) if found.group(1) else (found.group(4), found.group(3))
        end = _month_end(int(year), int(month))
        return (end, True) if end else None
    if found := _MONTH_WORDS.fullmatch(text):
        word, year = (found.group(1), found.group(2)) if found.group(1) else (found.group(4), found.group(3))
        month = MONTH_NAMES.get(word.lower())
        end = _month_end(int(year), month) if month else None
        return (end, True) if end else None
    return None


def _nested(parts: Sequence[str], at: int) -> tuple[date, bool, int] | None:
    """A year folder followed by a month folder (and a day folder): `2024/06`, `2024/06/30`,
    `year=2024/month=06/day=30`, read from parts[at]. Returns (date, month_end, folders used)."""
    def value(part: str, key: str) -> str:
        found = _PARTITION.fullmatch(part)
        return found.group(2) if found and found.group(1).lower() == key else part
    year, month = value(parts[at], "year"), value(parts[at + 1], "month") if at + 1 < len(parts) else ""
    if not (re.fullmatch(r"\d{4}", year) and re.fullmatch(r"\d{1,2}", month)):
        return None
    day = value(parts[at + 2], "day") if at + 2 < len(parts) else ""
    if re.fullmatch(r"\d{1,2}", day):
        try:
            return date(int(year), int(month), int(day)), False, 3
        except ValueError:
            return None
    end = _month_end(int(year), int(month))
    return (end, True, 2) if end else None


_NAME_DATES = (
    (re.compile(r"(?<![\d])((?:19|20)\d{2})([-_.]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?![\d])"), "day"),
    (re.compile(r"(?<![\d])(\d{2})([-_.])(\d{2})\2((?:19|20)\d{2})(?![\d])"), "day-month-year"),
    (re.compile(r"(?<![\d])((?:19|20)\d{2})[-_.](0[1-9]|1[0-2])(?![\d])"), "year-month"),
    (re.compile(r"(?<![\d])(0[1-9]|1[0-2])[-_.]((?:19|20)\d{2})(?![\d])"), "month-year"),
    (re.compile(r"(?<![A-Za-z])([A-Za-z]{3,9})[-_. ]?((?:19|20)\d{2})(?![\d])"), "name-year"),
    (re.compile(r"(?<![\d])((?:19|20)\d{2})[-_. ]?([A-Za-z]{3,9})(?![A-Za-z])"), "year-name"),
)
"""Dates a file name may carry without an as-of marker, longest form first: `tape_2024-06-30`,
`LOANS_20240630`, `tape_12-31-2023` or `tape_31-12-2023` (read only where one order of day and
month exists), `tape_2024-06`, `tape_06-2024`, `tape May 2024`, `tape_2024May` (a month: its last
day). A year alone (`lendingclub_2007_2011`) is none."""


LATEST_IN_NAME = re.compile(r"(?<![a-z])(?:latest|newest|most[-_ ]?recent)(?![a-z])", re.IGNORECASE)
"""A file name that says it is the newest snapshot without a date: `acme_tape_latest.csv`,
`loans-NEWEST.csv`, `tape most recent.csv`. Among the files one run finds, it lands after the dated
ones (`landing.stated_date` orders, never dates, by it). `current` is not read so: a lender's
`current_loans.csv` may be the loans in status Current on any date."""


def _exists(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def name_dates(name: str) -> list[tuple[date, bool, str]]:
    """The distinct dates a file name carries without an as-of marker (see _NAME_DATES), each as
    (date, month_end, text as written), in the order written; [] for none. A form whose date does
    not exist (2024-02-30, `Foo 2024`) is no date."""
    stem = name.split(".")[0]
    found: dict[date, tuple[date, bool, str, int]] = {}
    taken = [False] * len(stem)
    for pattern, form in _NAME_DATES:
        for match in pattern.finditer(stem):
            if any(taken[match.start():match.end()]):
                continue
            groups = match.groups()
            try:
                if form == "day":
                    read, month_end = date(int(groups[0]), int(groups[2]), int(groups[3])), False
                elif form == "day-month-year":  # 31-12-2023 or 12-31-2023: read only when one order exists
                    first, second, year = int(groups[0]), int(groups[2]), int(groups[3])
                    valid = {(m, d) for m, d in ((first, second), (second, first)) if _exists(year, m, d)}
                    if len(valid) > 1:  # 05-06-2024: May 6 or June 5; none of its parts is read either
                        taken[match.start():match.end()] = [True] * (match.end() - match.start())
                    read = date(year, *valid.pop()) if len(valid) == 1 else None
                    month_end = False
                else:
                    year, month = {"year-month": (groups[0], groups[1]), "month-year": (groups[1], groups[0]),
                                   "name-year": (groups[1], MONTH_NAMES.get(groups[0].lower())),
                                   "year-name": (groups[0], MONTH_NAMES.get(groups[1].lower()))}[form]
                    read, month_end = (_month_end(int(year), int(month)) if month else None), True
            except ValueError:
                read = None
            if read is None:
                continue
            taken[match.start():match.end()] = [True] * (match.end() - match.start())
            found.setdefault(read, (read, month_end, match.group(0), match.start()))
    return [(d, m, text) for d, m, text, _ in sorted(found.values(), key=lambda item: item[3])]


def read_folders(parts: Sequence[str]) -> FolderFacts:
    """What the folder names `parts` (from the landing folder down to the tape's own folder) state.

    Args:
        parts: the folder names between the landing folder and the file, outermost first.

    Returns:
        FolderFacts; the as-of date is the one stated nearest the file.

    Raises:
        ValueError: a folder has an as-of marker whose date is not read (`asof_June2024`) or does
            not exist (`asof_2024-06-31`), with the folder named: as for a file name, a date meant
            to version the tape must not be dropped without a word.
    """
    partitions: dict[str, str] = {}
    for part in parts:
        if found := _PARTITION.fullmatch(part):
            value = unquote(found.group(2))
            partitions[unquote(found.group(1))] = "" if value == HIVE_NULL else value
    for index in range(len(parts) - 1, -1, -1):
        part = parts[index]
        nested = next((n for start in (index - 2, index - 1) if start >= 0
                       and (n := _nested(parts, start)) and start + n[2] - 1 == index), None)
        if nested:
            return FolderFacts(nested[0], "/".join(parts[index - nested[2] + 1: index + 1]), nested[1], partitions)
        key_value = _PARTITION.fullmatch(part)
        if key_value and key_value.group(1).lower() not in DATE_KEYS:
            continue  # a column's value (addr_state=AZ), not a date
        text = unquote(key_value.group(2)) if key_value else part
        if found := AS_OF_IN_NAME.search(text):
            written = f"{found.group(1)}-{found.group(3)}-{found.group(4)}"
            try:
                return FolderFacts(date.fromisoformat(written), part, False, partitions)
            except ValueError:
                raise ValueError(f"folder {part!r} states the as-of date {written}, which is not a date") from None
        if read := folder_date(text):
            return FolderFacts(read[0], part, read[1], partitions)
        if ((day := _DAY.fullmatch(text.strip())) and day.group(2)) or (day := AS_OF_IN_NAME.search(text)):
            # 2024-02-30 is a date that does not exist; eight digits (10045821) may be a batch number
            written = f"{day.group(1)}-{day.group(3)}-{day.group(4)}"
            raise ValueError(f"folder {part!r} states the as-of date {written}, which is not a date")
        if key_value or AS_OF_MARKER_IN_NAME.search(text):
            raise ValueError(f"folder {part!r} names an as-of date in no form read (asof_YYYY-MM-DD, YYYY-MM-DD, "
                             "YYYY-MM, MM-YYYY, a month's name and year, or year/month/day folders)")
    return FolderFacts(partitions=partitions)
