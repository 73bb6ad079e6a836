"""Replay a loan tape as a sequence of vintage files, to watch the lake react to each one.

`split_by_vintage` cuts a tape (CSV or gzip CSV) into one gzip CSV per vintage year, each with the
tape's header and its values as text, unchanged (DuckDB reads every column as text and writes it
back). `drop_into` copies files into a landing folder one at a time, writing under a '.part' name
and renaming, so a landing sensor never sees half a file.

The vintage column is the tape's own: SBA's ApprovalFY by default (a few values carry a letter
suffix, e.g. '1976A': the leading four digits are the year).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb

SBA_VINTAGE_COLUMN = "ApprovalFY"


def split_by_vintage(
    tape: Path,
    out_dir: Path,
    vintage_column: str = SBA_VINTAGE_COLUMN,
    years: range | None = None,
    prefix: str | None = None,
) -> dict[int, Path]:
    """Write one gzip CSV per vintage year of `tape` into `out_dir`: '<prefix>_<year>.csv.gz'.

    Rows keep the tape's order; every value is written back as the text it was read as.

    Args:
        years: keep only these years; None keeps every year.
        prefix: file name prefix (default: the tape's name up to its first dot).

    Returns:
        year -> file written, in year order.

    Raises:
        ValueError: `tape` is not a file, or DuckDB cannot read it as a CSV (a workbook, Parquet, a
            folder), the header has no `vintage_column` (the message lists the columns and names
            the option that picks another), or a row's vintage does not start with a four-digit
            year (the message names the file and gives the first such value). Nothing is written
            then, and `out_dir` is not created.
    """
    prefix = prefix or tape.name.split(".")[0]
    if not tape.is_file():
        raise ValueError(f"{tape}: {'a folder, not a file' if tape.is_dir() else 'no such file'}: "
                         "name a loan tape, a CSV or gzip CSV file")
    with duckdb.connect() as con:
        con.execute("SET enable_progress_bar = false")
        try:
            con.execute(
                "CREATE TEMP TABLE tape AS SELECT *, row_number() OVER () AS _row "
                "FROM read_csv(?, all_varchar = true, header = true, auto_detect = true)",
                [str(tape)],
            )
        except duckdb.Error as exc:  # binary, a workbook, an unreadable file: DuckDB's reason, first line
            reason = " ".join(str(exc).split("\n")[0].split())
            raise ValueError(f"{tape}: not read as a CSV or gzip CSV tape ({reason})") from None
        columns = [r[0] for r in con.execute("SELECT column_name FROM (DESCRIBE tape)").fetchall() if r[0] != "_row"]
        if vintage_column not in columns:
            raise ValueError(f"{tape}: header has no column {vintage_column!r} (columns: {columns}); "
                             "name the tape's vintage column with --column")
        out_dir.mkdir(parents=True, exist_ok=True)
        column = '"' + vintage_column.replace('"', '""') + '"'
        con.execute(f"ALTER TABLE tape ADD COLUMN _year INTEGER")
        con.execute(f"UPDATE tape SET _year = TRY_CAST(regexp_extract({column}, '^\\s*(\\d{{4}})', 1) AS INTEGER)")
        bad = con.execute(f"SELECT _row, {column} FROM tape WHERE _year IS NULL ORDER BY _row LIMIT 1").fetchone()
        if bad is not None:
            raise ValueError(f"{tape}: data row {bad[0]}: {vintage_column}={bad[1]!r} is not a year")
        wanted = [y for (y,) in con.execute("SELECT DISTINCT _year FROM tape ORDER BY _year").fetchall()
                  if years is None or y in years]
        select = ", ".join('"' + c.replace('"', '""') + '"' for c in columns)
        paths = {}
        for year in wanted:
            paths[year] = out_dir / f"{prefix}_{year}.csv.gz"
            con.execute(
                f"COPY (SELECT {select} FROM tape WHERE _year = {int(year)} ORDER BY _row) "
                f"TO '{paths[year].as_posix().replace(chr(39), chr(39) * 2)}' (FORMAT csv, HEADER, COMPRESSION gzip)"
            )
    return paths


def drop_into(
    files: list[Path],
    landing: Path,
    wait: Callable[[Path], None] | None = None,
) -> Iterator[Path]:
    """Copy `files` into `landing` one at a time, yielding each landed path.

    Each copy goes to '<name>.part' and is renamed into place, so a landing sensor never sees half
    a file. `wait(landed)` runs after each file (a pause or a keypress); None goes straight on.
    """
    landing.mkdir(parents=True, exist_ok=True)
    for file in files:
        target = landing / file.name
        partial = target.with_name(target.name + ".part")
        shutil.copyfile(file, partial)
        partial.replace(target)
        yield target
        if wait is not None:
            wait(target)


def pause(seconds: float) -> Callable[[Path], None]:
    """A `wait` for drop_into that sleeps `seconds` after each file."""
    return lambda _landed: time.sleep(seconds)
