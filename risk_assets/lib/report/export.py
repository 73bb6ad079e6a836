"""Export lake tables to CSV or Parquet files with DuckDB's COPY, for people without UI access.

One file per table, named `<schema>.<table>.<csv|parquet>`; CSV with a header row, UTF-8, comma
separated; Parquet with zstd compression. Doubles are written as DuckDB stores them (no rounding).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path

import duckdb

EXPORT_TABLES = (
    "ml.model_registry",
    "ml.model_registry_events",
    "ml.model_metrics",
    "ml.loan_scores",
    "ml.roc_curves",
    "ml.calibration_bins",
    "ml.news_scores",
    "ml.news_sentiment_daily",
    "monitoring.*",
    "quality.check_results",
)
"""The metric and score tables exported by default; `schema.*` means every table in the schema."""

FORMATS = {"csv": "(FORMAT csv, HEADER true)", "parquet": "(FORMAT parquet, COMPRESSION zstd)"}


@dataclass(frozen=True)
class Exported:
    """One written file: the table, the file and its row count."""

    table: str
    path: Path
    rows: int


def lake_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every base table and view of the lake as `schema.table`, sorted."""
    rows = con.execute(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables "
        "WHERE table_catalog = current_database() AND table_schema NOT IN ('information_schema', 'pg_catalog') "
        "ORDER BY 1"
    ).fetchall()
    return [name for (name,) in rows]


def resolve_tables(con: duckdb.DuckDBPyConnection, patterns: list[str] | tuple[str, ...]) -> tuple[list[str], list[str]]:
    """(existing tables matching `patterns` in pattern order without repeats, patterns that matched none).

    A pattern is `schema.table` or a shell-style glob such as `monitoring.*`.
    """
    available = lake_tables(con)
    found: list[str] = []
    unmatched: list[str] = []
    for pattern in patterns:
        matches = [t for t in available if fnmatch.fnmatchcase(t, pattern)]
        if not matches:
            unmatched.append(pattern)
        found += [t for t in matches if t not in found]
    return found, unmatched


def export_tables(
    con: duckdb.DuckDBPyConnection,
    names: list[str] | tuple[str, ...],
    out_dir: Path,
    fmt: str,
) -> list[Exported]:
    """Write each existing table named by `names` (names or globs) to `out_dir`, one file per table.

    Returns what was written, in order. Patterns that match no table are skipped; use
    `resolve_tables` first to report them.

    Raises:
        ValueError: `fmt` is not 'csv' or 'parquet'.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    tables, _ = resolve_tables(con, names)
    written = []
    for table in tables:
        schema, name = table.split(".", 1)
        quoted = f'"{schema}"."{name}"'
        path = out_dir / f"{table}.{fmt}"
        target = str(path).replace("'", "''")
        con.execute(f"COPY (SELECT * FROM {quoted}) TO '{target}' {FORMATS[fmt]}")
        rows = con.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0]
        written.append(Exported(table, path, rows))
    return written
