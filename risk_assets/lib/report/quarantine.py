"""The quarantine as a reader at a shell sees it: what was set aside, by file and rule, and each
value with its file, line, column, rule and raw text (`risk-assets quarantine`).

Rows come from `quality.quarantine`: values refused when a file landed (asset `raw_loans`,
`raw_news`) and rows the value checks failed (`raw_loans_values`, `raw_news_values`) and the
scoring set aside (`news_scores`, rule `no_usable_text`). Its `line` is the physical line of the
landed file (an Excel row for a workbook): the `_source_line` of the row in raw.loans / raw.news.
"""

from __future__ import annotations

import duckdb

from risk_assets.lib.lake import table_exists

DEFAULT_LIMIT = 20
"""Quarantined values listed for one file unless asked for more."""


def quarantine_summary(con: duckdb.DuckDBPyConnection, rule: str | None = None) -> list[str]:
    """One line per (file, asset, rule): values quarantined and the first line (only `rule`'s when
    given). Says so when the lake has no quarantine table or nothing matches."""
    if not table_exists(con, "quality.quarantine"):
        return ["no quality.quarantine table yet: nothing has landed"]
    rows = con.execute(
        "SELECT regexp_extract(source_file, '[^/]*$') AS file, asset, rule, count(*) AS n, min(line) "
        "FROM quality.quarantine WHERE ? IS NULL OR rule = ? GROUP BY ALL ORDER BY file, asset, n DESC",
        [rule, rule]).fetchall()
    if not rows:
        return [f"no value quarantined with rule {rule!r}" if rule else "quality.quarantine is empty: every value landed"]
    width = max(len(r[0] or "-") for r in rows)
    lines = [f"{'file':<{width}}  {'asset':<17} {'rule':<28} {'values':>8}  first line"]
    lines += [f"{file or '-':<{width}}  {asset:<17} {rule:<28} {n:>8,}  {first}" for file, asset, rule, n, first in rows]
    lines.append("one file's values: risk-assets quarantine <file name> [--rule RULE] [--limit N]")
    return lines


def quarantine_rows(con: duckdb.DuckDBPyConnection, file: str, rule: str | None = None,
                    limit: int = DEFAULT_LIMIT) -> tuple[list[str], bool]:
    """The quarantined values of one landed file (its name, path or sha256 prefix of 8+ characters),
    by line: `line, column, rule, raw value, message` and the asset that set each aside, at most
    `limit` of them; (lines, whether the file has any)."""
    if not table_exists(con, "quality.quarantine"):
        return ["no quality.quarantine table yet: nothing has landed"], False
    match = ("(source_file = $file OR ends_with(source_file, '/' || $file) "
             "OR (length($file) >= 8 AND starts_with(file_sha256, $file)))")
    params = {"file": file, "rule": rule}
    total = con.execute(f"SELECT count(*) FROM quality.quarantine WHERE {match} AND ($rule IS NULL OR rule = $rule)",
                        params).fetchone()[0]
    if not total:
        what = f" with rule {rule!r}" if rule else ""
        landed = landed_file(con, file)
        if landed is None:
            return [f"{file}: no landed file has this name, path or sha256 (landed files: raw.landed_files; "
                    "quarantined ones: `risk-assets quarantine`)"], False
        path, status, loaded, message = landed
        if status == "refused":
            return [f"{file}: refused when it landed, so nothing of it was read or quarantined: "
                    f"{(message or '').removeprefix(path + ': ')}"], True
        return [f"{file}: no quarantined value{what}; {status}, {loaded or 0:,} rows loaded"], True
    rows = con.execute(
        f"SELECT line, column_name, rule, raw_value, message, asset FROM quality.quarantine "
        f"WHERE {match} AND ($rule IS NULL OR rule = $rule) ORDER BY line, column_name LIMIT {int(limit)}",
        params).fetchall()
    lines = [f"{file}: {total:,} quarantined value(s){f' with rule {rule!r}' if rule else ''}"
             + (f", the first {len(rows)} by line" if total > len(rows) else "")]
    for line, column, rule_name, raw, message, asset in rows:
        value = "" if raw is None else f" {raw[:60]!r}"
        lines.append(f"  line {line}  {column or '-'}  {rule_name}{value}: {message or ''} ({asset})")
    return lines, True


def landed_file(con: duckdb.DuckDBPyConnection, file: str) -> tuple[str, str, int | None, str | None] | None:
    """(path, status, rows_loaded, message) of the newest raw.landed_files row whose path is `file` or
    ends with `/<file>`, or whose sha256 starts with `file` (8+ characters); None when none does."""
    if not table_exists(con, "raw.landed_files"):
        return None
    return con.execute(
        "SELECT path, status, rows_loaded, message FROM raw.landed_files WHERE path = $file "
        "OR ends_with(path, '/' || $file) OR (length($file) >= 8 AND starts_with(sha256, $file)) "
        "ORDER BY landed_at DESC LIMIT 1", {"file": file}).fetchone()
