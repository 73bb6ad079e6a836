"""What the value checks after landing say in the file's own terms, and what their quarantine does to
the default rate.

`in_source_terms`: a value check reads the lake's columns and typed values (`chargeoff_date`,
2021-01-11), while the lender wrote `ChargeOff_Dt` and `01/11/2021`. Landing keeps, per landed loan
tape, the file's column behind each lake column and each mapped date's format (notes
`source_columns`, `date_formats`; the built-in LendingClub and SBA formats are looked up for a tape
landed before those notes), so a quarantined value is named by its file's column and written as the
file writes it, with the typed value it was read as in its message.

`label_selective`: a rule that holds out loans of one outcome (charge-off dates after the as-of date
quarantine charged-off loans only) moves the default rate of what goes on. The criterion is the
pooled two-proportion z test (NIST/SEMATECH e-Handbook of Statistical Methods, 7.3.3): the default
share of the labelled loans held out against that of the labelled loans kept, flagged at |z| >=
SELECTIVE_Z with at least SELECTIVE_MIN_HELD labelled loans held out.
"""

from __future__ import annotations

import json
import math
from datetime import datetime

import duckdb
import pandas as pd

from risk_assets.lib.lake import table_exists

SELECTIVE_Z = 3.0
"""|z| of the two-proportion test from which a quarantine's default share is out of proportion
(p < 0.003 two-sided)."""
SELECTIVE_MIN_HELD = 10
"""Labelled loans a quarantine must hold out before its default share is compared: fewer say little."""


def _file_terms(con: duckdb.DuckDBPyConnection, shas: list[str]) -> dict[str, tuple[dict, dict]]:
    """sha256 -> ({lake column: file column}, {lake column: date format}) of each landed loan tape."""
    if not shas or not table_exists(con, "raw.landed_files"):
        return {}
    from risk_assets.lib.ingest.loan_formats import builtin_mapping

    terms: dict[str, tuple[dict, dict]] = {}
    for sha, fmt, notes in con.execute(
            "SELECT sha256, format, notes FROM raw.landed_files WHERE domain = 'loans' AND list_contains(?, sha256)",
            [shas]).fetchall():
        noted = json.loads(notes) if notes else {}
        columns, formats = noted.get("source_columns") or {}, noted.get("date_formats") or {}
        if not columns and fmt in ("lendingclub", "sba"):
            fields = builtin_mapping(fmt).fields
            columns = {f.target: f.source for f in fields}
            formats = {f.target: f.fmt for f in fields if f.kind == "date" and f.fmt}
        terms[sha] = (columns, formats)
    return terms


def _as_written(value: str | None, fmt: str | None) -> str | None:
    """A typed ISO date ('2021-01-11') in the file's declared format ('%m/%d/%Y' -> '01/11/2021');
    any other value, or one that is no ISO date, as it is."""
    if value is None or not fmt:
        return value
    try:
        return datetime.strptime(value, "%Y-%m-%d").strftime(fmt)
    except ValueError:
        return value


def in_source_terms(con: duckdb.DuckDBPyConnection, failures: pd.DataFrame) -> pd.DataFrame:
    """A value check's failing loan rows (FAILURE_COLUMNS) named as their file writes them: column_name
    the file's column (`ChargeOff_Dt`), raw_value a date in the column's declared format
    (`01/11/2021`), the message opening `column ChargeOff_Dt: '01/11/2021' (read as 2021-01-11)`
    where the lake's column and value opened it. Rows of a file whose terms the lake does not know
    (a lake column the file has no column for, a file landed without notes) are left as they are.
    Shape: the rows of `failures`, same columns; `failures` is not modified."""
    if failures.empty:
        return failures
    terms = _file_terms(con, sorted(failures["file_sha256"].dropna().unique().tolist()))
    if not terms:
        return failures
    out = failures.copy()
    for i, row in out.iterrows():
        columns, formats = terms.get(row["file_sha256"], ({}, {}))
        lake = row["column_name"]
        if lake not in columns:
            continue
        typed = row["raw_value"]
        written = _as_written(typed, formats.get(lake))
        said = f"column {columns[lake]}: " + ("empty" if written is None else repr(written))
        if written != typed and typed is not None:
            said += f" (read as {typed})"
        message = str(row["message"])
        opening = f"{lake} {typed} "
        out.at[i, "message"] = (f"{said} {message[len(opening):]}" if message.startswith(opening)
                                else f"{said}: {message}")
        out.at[i, "column_name"] = columns[lake]
        out.at[i, "raw_value"] = written
    return out


def label_selective(con: duckdb.DuckDBPyConnection, table: str, held_keys: list[str]) -> str:
    """One sentence per portfolio whose quarantine holds out defaults out of proportion ('' when none):
    the labelled loans of `held_keys` (quarantined loan keys of `table`, a loan table with loan_key,
    portfolio, default_flag) against the labelled loans of `table` kept (the book going on to the
    features), by the pooled two-proportion z test (module docstring). A loan's label is its default
    flag on any of its rows (max). The sentence gives the size of the bias too: the kept loans' default
    rate against that of kept and held out together. Reads `table`; shares as `training.share_of`
    writes them."""
    from risk_assets.lib.ml.training import share_of

    if not held_keys:
        return ""
    labels = con.execute(
        f"SELECT portfolio, list_contains(?, loan_key) AS held, count(*) AS labelled, sum(flag) AS defaults "
        f"FROM (SELECT loan_key, any_value(portfolio) AS portfolio, max(default_flag) AS flag FROM {table} "
        "WHERE default_flag IS NOT NULL GROUP BY loan_key) GROUP BY ALL ORDER BY 1", [held_keys]).fetchall()
    by_book: dict[str, dict[bool, tuple[int, int]]] = {}
    for portfolio, held, labelled, defaults in labels:
        by_book.setdefault(portfolio, {})[bool(held)] = (int(labelled), int(defaults or 0))
    said = []
    for portfolio, split in by_book.items():
        (n_held, d_held), (n_kept, d_kept) = split.get(True, (0, 0)), split.get(False, (0, 0))
        if n_held < SELECTIVE_MIN_HELD or not n_kept:
            continue
        pooled = (d_held + d_kept) / (n_held + n_kept)
        spread = math.sqrt(pooled * (1 - pooled) * (1 / n_held + 1 / n_kept))
        if not spread or abs(z := (d_held / n_held - d_kept / n_kept) / spread) < SELECTIVE_Z:
            continue
        are = ("all defaults" if d_held == n_held else "all repaid" if d_held == 0
               else f"{d_held:,} defaults")
        said.append(
            f"the {n_held:,} labelled {portfolio} loans held out are {are} ({share_of(d_held, n_held)} against the "
            f"book's {share_of(d_kept, n_kept)}, {d_kept:,} of {n_kept:,}; z = {z:.1f}): the features "
            f"{'under' if z > 0 else 'over'}-state the default rate ({d_kept / n_kept:.2%} against "
            f"{(d_held + d_kept) / (n_held + n_kept):.2%} with them); fix the values the rules name "
            "(risk-assets quarantine) and land the tape again, or withdraw it")
    return "; ".join(said)
