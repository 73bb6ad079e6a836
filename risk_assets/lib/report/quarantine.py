"""The quarantine as a reader sees it: what was set aside, by file and rule, and each value with
its file, line, column, rule and raw text, at a shell (`risk-assets quarantine`) and on the
`quarantine` asset's page in the UI (`quarantine_ledger`, `ledger_sections`, with the files refused
whole).

Rows come from `quality.quarantine`: values refused when a file landed (asset `raw_loans`,
`raw_news`) and rows the value checks failed (`raw_loans_values`, `raw_news_values`) and the
scoring set aside (`news_scores`, rule `no_usable_text`). Its `line` is the physical line of the
landed file (an Excel row for a workbook): the `_source_line` of the row in raw.loans / raw.news.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

import duckdb

from risk_assets.lib.ingest.landing import landed_copies_of, refusals_in_landing
from risk_assets.lib.lake import names_file, table_exists
from risk_assets.lib.report.markdown import INLINE_MARKDOWN_CHARS, inline_text

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
    assets = max(17, *(len(r[1]) for r in rows))
    rules = max(28, *(len(r[2]) for r in rows))
    lines = [f"{'file':<{width}}  {'asset':<{assets}} {'rule':<{rules}} {'values':>8}  first line"]
    lines += [f"{file or '-':<{width}}  {asset:<{assets}} {rule:<{rules}} {n:>8,}  {first}"
              for file, asset, rule, n, first in rows]
    lines.append("one file's values: risk-assets quarantine <file name> [--rule RULE] [--limit N]")
    return lines


def known_rules() -> frozenset[str]:
    """The rule names landing and the value checks write to quality.quarantine: the loan tape's
    (`loan_formats.RULES`) and the great-expectations rules of the loan and news suites."""
    from risk_assets.lib.ingest.loan_formats import RULES
    from risk_assets.lib.quality.suites import CATALOG_RULES, loan_value_rules, news_value_rules

    return frozenset(RULES) | {rule.name for rule in (*CATALOG_RULES, *loan_value_rules(), *news_value_rules())}


def rule_not_held(con: duckdb.DuckDBPyConnection, rule: str) -> str | None:
    """Why `--rule RULE` can match nothing, or None when some quarantined value has `rule`: no value
    of the whole quarantine has it, with the closest rule it holds when one is near (a misspelled
    rule, 'unparseable_number') and every rule it holds with its count of values, so a mistyped
    rule is not read as a file or a lake with nothing quarantined. A rule of the catalogue
    (`known_rules`) that no value broke, and that is not near a rule held, is no typo: None, and the
    listing says that nothing has it."""
    import difflib

    if not table_exists(con, "quality.quarantine"):
        return f"no value in the quarantine has rule {rule!r}: no quality.quarantine table yet, nothing has landed"
    held = con.execute("SELECT rule, count(*) FROM quality.quarantine GROUP BY rule ORDER BY count(*) DESC, rule"
                       ).fetchall()
    if any(name == rule for name, _ in held):
        return None
    if not held:
        return f"no value in the quarantine has rule {rule!r}: quality.quarantine is empty, every value landed"
    close = difflib.get_close_matches(rule, [name for name, _ in held], n=1)
    if not close and rule in known_rules():
        return None  # a rule of the catalogue that nothing broke: the listing says 'no value ... with rule'
    return (f"no value in the quarantine has rule {rule!r}{f'; did you mean {close[0]!r}?' if close else ''} "
            f"(its rules: {', '.join(f'{name} {n:,}' for name, n in held)})")


def quarantine_rows(con: duckdb.DuckDBPyConnection, file: str, rule: str | None = None,
                    limit: int = DEFAULT_LIMIT) -> tuple[list[str], bool]:
    """The quarantined values of one landed file (its name, path or sha256 prefix of 8+ characters,
    or the name of a copy that holds its bytes: `landed_copies_of`), by line: `line, column, rule, raw
    value, message` and the asset that set each aside, at most `limit` of them; (lines, whether the
    file has any). A name or path that several landed versions have (a corrected file saved over the
    landed one under its name) lists the versions, the newest first (sha256 prefix, landed at, status),
    then the newest's values, and names the command that lists an older one's."""
    if not table_exists(con, "quality.quarantine"):
        return ["no quality.quarantine table yet: nothing has landed"], False
    if landed_file(con, file) is None and (copies := landed_copies_of(con, file)):
        if len(copies) > 1:
            return [several_copies(file, copies)], False
        lines, found = quarantine_rows(con, copies[0], rule, limit)
        return [same_bytes_as(file, copies[0]), *lines], found
    if len(versions := landed_versions(con, file)) > 1:
        newest, *older = versions
        lines, found = quarantine_rows(con, newest[0][:12], rule, limit)
        return [f"{file}: {len(versions)} landed versions have this name, the newest first:",
                *(f"  sha256 {sha[:12]}  landed {at:%Y-%m-%d %H:%M} UTC  {status}  {path}"
                  for sha, path, at, status in versions),
                *lines,
                *(f"the older version's: risk-assets quarantine {sha[:12]}" for sha, *_ in older)], found
    match = f"({names_file('source_file', '$file')} OR (length($file) >= 8 AND starts_with(file_sha256, $file)))"
    params = {"file": file, "rule": rule}
    total = con.execute(f"SELECT count(*) FROM quality.quarantine WHERE {match} AND ($rule IS NULL OR rule = $rule)",
                        params).fetchone()[0]
    if not total:
        what = f" with rule {rule!r}" if rule else ""
        landed = landed_file(con, file)
        if landed is None:
            return [f"{file}: no landed file has this name, path or sha256 (landed files: raw.landed_files; "
                    "quarantined ones: `risk-assets quarantine`; a copy of a landed file, or the file renamed "
                    "after it landed, is found by its name once a run has seen it)"], False
        path, status, loaded, message, sha256 = landed
        if status == "refused":
            return [f"{file}: refused when it landed, so nothing of it was read or quarantined: "
                    f"{(message or '').removeprefix(path + ': ')}"], True
        if status == "withdrawn":
            return [f"{file}: {withdrawal(con, sha256, message)}"], True
        return [f"{file}: no quarantined value{what}; {status}, {loaded or 0:,} rows loaded"], True
    rows = con.execute(
        f"SELECT line, column_name, rule, raw_value, message, asset FROM quality.quarantine "
        f"WHERE {match} AND ($rule IS NULL OR rule = $rule) ORDER BY line, column_name LIMIT {int(limit)}",
        params).fetchall()
    lines = [f"{file}: {total:,} quarantined value(s){f' with rule {rule!r}' if rule else ''}"
             + (f", the first {len(rows)} by line" if total > len(rows) else "")]
    width = max((len(str(row[0])) for row in rows), default=1)  # line numbers right-aligned: columns stay put
    for line, column, rule_name, raw, message, asset in rows:
        value = "" if raw is None else f" {raw[:60]!r}"
        lines.append(f"  line {str(line):>{width}}  {column or '-'}  {rule_name}{value}: {message or ''} ({asset})")
    return lines, True


def same_bytes_as(name: str, landed_path: str) -> str:
    """The line that says `name` is a copy of the landed file at `landed_path`."""
    return (f"{name}: the same bytes as {landed_path.rsplit('/', 1)[-1]}, which landed first (the file renamed after "
            "it landed, or a copy): its record follows")


def several_copies(name: str, landed_paths: list[str]) -> str:
    """The line that says `name` names copies of several landed files (one name in two folders)."""
    return (f"{name}: copies of {len(landed_paths)} landed files have this name: {', '.join(landed_paths)}; give the "
            "copy's path, or the landed file's name, path or sha256")


def landed_versions(con: duckdb.DuckDBPyConnection, file: str) -> list[tuple[str, str, datetime | None, str]]:
    """(sha256, path, landed_at UTC, status) of every raw.landed_files row whose path is `file` or
    ends with `/<file>` (as `landed_file` matches them; not a sha256 prefix), the newest first: more
    than one when other bytes landed under the name (a corrected file saved over the landed one)."""
    if not table_exists(con, "raw.landed_files"):
        return []
    return con.execute(f"SELECT sha256, path, landed_at, status FROM raw.landed_files WHERE {names_file('path', '?')} "
                       "ORDER BY landed_at DESC NULLS LAST, sha256", [file, file]).fetchall()


WITHDRAWN = re.compile(r"^withdrawn by (?P<actor>.+?): (?P<reason>.*) \((?P<rows>[\d,]+) rows and "
                       r"(?P<quarantined>[\d,]+) quarantine entries removed\)$", re.DOTALL)
"""The manifest message `landing.withdraw_file` writes: 'withdrawn by <actor>: <reason> (<n> rows and
<m> quarantine entries removed)'."""


def withdrawal(con: duckdb.DuckDBPyConnection, sha256: str, message: str | None) -> str:
    """What became of a withdrawn file, from its manifest message and its `withdrawn` landing event:
    'withdrawn on <YYYY-MM-DD HH:MM> UTC by <actor> (<reason>): its <n> loaded rows and <m> quarantine
    entries were removed from the lake'. A message in another form is quoted as it is."""
    (when,) = con.execute("SELECT max(seen_at) FROM raw.landing_events WHERE sha256 = ? AND outcome = 'withdrawn'",
                          [sha256]).fetchone() if table_exists(con, "raw.landing_events") else (None,)
    on = f" on {when:%Y-%m-%d %H:%M} UTC" if when is not None else ""
    said = WITHDRAWN.match(message or "")
    if said is None:
        return f"withdrawn{on}: {message or 'no reason recorded'}"
    return (f"withdrawn{on} by {said['actor']} ({said['reason']}): its {said['rows']} loaded rows and "
            f"{said['quarantined']} quarantine entries were removed from the lake")


def landed_file(con: duckdb.DuckDBPyConnection, file: str) -> tuple[str, str, int | None, str | None, str] | None:
    """(path, status, rows_loaded, message, sha256) of the newest raw.landed_files row whose path is `file` or
    ends with `/<file>` (compared in Unicode NFC: macOS stores `münchen` decomposed, a user types it
    composed), or whose sha256 starts with `file` (8+ characters); else (path, 'refused', None, reason, None)
    of a file in landing refused unread (a broken link: no bytes, so no manifest row, only its
    landing event: `landing.refusals_in_landing`); None when none does."""
    if not table_exists(con, "raw.landed_files"):
        return None
    landed = con.execute(
        f"SELECT path, status, rows_loaded, message, sha256 FROM raw.landed_files WHERE {names_file('path', '$file')} "
        "OR (length($file) >= 8 AND starts_with(sha256, $file)) "
        "ORDER BY landed_at DESC LIMIT 1", {"file": file}).fetchone()
    if landed is not None:
        return landed
    wanted = unicodedata.normalize("NFC", file)
    return next(((path, "refused", None, reason, None) for path, reason in refusals_in_landing(con)
                 if unicodedata.normalize("NFC", path) == wanted
                 or unicodedata.normalize("NFC", path).endswith("/" + wanted)), None)  # as lake.names_file


LEDGER_GROUPS = 200
"""(file, asset, rule) groups listed in the UI's quarantine table; the rest are counted and left to
`risk-assets quarantine`."""
VALUE_CHARS = 400
"""Characters of a group's first value (column and raw text) in `by_file`: a value is shown whole
unless longer (an article's text); the message follows it apart."""
LEDGER_REFUSALS = 50
"""Refused or failed files listed in the UI, newest first."""


@dataclass(frozen=True)
class QuarantineLedger:
    """The quarantine and the landing manifest at one moment, for the `quarantine` asset's page.

    values: rows of quality.quarantine; files: distinct files among them; by_rule: (rule, values,
    files) largest first; groups: per (file, asset, rule), at most LEDGER_GROUPS, largest first:
    (file name, asset, rule, values, first line, last line, and the first value's column, raw text
    and message without the file's path);
    more_groups: groups not listed; manifest: files per status in raw.landed_files (loaded, refused,
    failed, withdrawn); refusals: (file name, domain, status, landed_at UTC, reason without the
    file's path), newest first.
    """

    values: int
    files: int
    by_rule: list[tuple[str, int, int]]
    groups: list[tuple]
    more_groups: int
    manifest: dict[str, int]
    refusals: list[tuple]


def quarantine_ledger(con: duckdb.DuckDBPyConnection) -> QuarantineLedger:
    """Read quality.quarantine and raw.landed_files (either may be missing: counted as empty)."""
    values = files = more = 0
    by_rule: list[tuple[str, int, int]] = []
    groups: list[tuple] = []
    if table_exists(con, "quality.quarantine"):
        values, files = con.execute("SELECT count(*), count(DISTINCT file_sha256) FROM quality.quarantine").fetchone()
        by_rule = con.execute("SELECT rule, count(*) AS n, count(DISTINCT file_sha256) FROM quality.quarantine "
                              "GROUP BY rule ORDER BY n DESC, rule").fetchall()
        grouped = con.execute(
            """
            SELECT regexp_extract(source_file, '[^/]*$') AS file, asset, rule, count(*) AS n, min(line), max(line),
                   arg_min(column_name, (line, column_name)), arg_min(raw_value, (line, column_name)),
                   arg_min(CASE WHEN starts_with(message, source_file || ': ') THEN message[length(source_file) + 3:]
                           ELSE message END, (line, column_name))
            FROM quality.quarantine GROUP BY source_file, asset, rule
            ORDER BY n DESC, file, asset, rule
            """).fetchall()
        groups, more = grouped[:LEDGER_GROUPS], max(0, len(grouped) - LEDGER_GROUPS)
    manifest: dict[str, int] = {}
    refusals: list[tuple] = []
    if table_exists(con, "raw.landed_files"):
        manifest = dict(con.execute("SELECT status, count(*) FROM raw.landed_files GROUP BY status ORDER BY status").fetchall())
        refusals = con.execute(
            "SELECT regexp_extract(path, '[^/]*$'), domain, status, landed_at, "
            "CASE WHEN starts_with(message, path || ': ') THEN message[length(path) + 3:] ELSE message END "
            "FROM raw.landed_files "
            f"WHERE status IN ('refused', 'failed') ORDER BY landed_at DESC, path LIMIT {LEDGER_REFUSALS}").fetchall()
    return QuarantineLedger(values, files, by_rule, groups, more, manifest, refusals)


def ledger_sections(ledger: QuarantineLedger) -> dict[str, str]:
    """The ledger as markdown sections, one metadata entry each:

    - `summary`: the headline (values, files, landed files by status) and the values by rule, the
      largest first, as many as keep it under INLINE_MARKDOWN_CHARS (shown in place in the UI);
    - `by_file`: values by file and rule with the lines they span and the first one's column, raw
      text (whole up to VALUE_CHARS) and message (up to 600), one list item each (the UI's markdown dialog wraps a list, not a table's cells);
    - `refused_files`: the files refused whole, with their whole reason, one list item each.
    """
    statuses = ", ".join(f"{n:,} {status}" for status, n in ledger.manifest.items()) or "no file has landed yet"
    summary = [f"**{count_of(ledger.values, 'value')} in quarantine, from {count_of(ledger.files, 'file')}.** "
               f"Landed files: {statuses}."]
    if ledger.by_rule:
        summary += ["", "| rule | values | files |", "|---|---:|---:|"]
        for shown, (rule, n, f) in enumerate(ledger.by_rule):
            row = f"| {rule} | {n:,} | {f:,} |"
            if len("\n".join(summary)) + len(row) > INLINE_MARKDOWN_CHARS - 80:  # stay in place in the UI
                rest = ledger.by_rule[shown:]
                summary.append(f"\n{len(rest)} more rules, {sum(r[1] for r in rest):,} values: see by_file.")
                break
            summary.append(row)
        # a list, not a table: Dagster's markdown dialog does not wrap a table's cells, so a reason
        # ran off its right edge, or was cut before the remedy that ends it
        by_file = []
        for file, asset, rule, n, first, last, column, raw, message in ledger.groups:
            span = "" if first is None else (f", line {first}" if first == last else f", lines {first}-{last}")
            value = f"{column or '-'} = {'none' if raw is None else repr(raw)}"
            by_file.append(f"- **{inline_text(file or '-', 80)}**: `{rule}`, {count_of(n, 'value')}{span} (set aside by "
                           f"{asset}); first {inline_text(value, VALUE_CHARS)}: {inline_text(message, 600)}")
        if ledger.more_groups:
            by_file.append(f"\n{ledger.more_groups:,} more (file, rule) groups: `risk-assets quarantine`.")
        by_file += ["", "Every value with its line: `risk-assets quarantine <file> [--rule RULE]`."]
    else:
        summary += ["", "Nothing is in quarantine: every value of every loaded file landed."]
        by_file = ["Nothing is in quarantine."]
    if ledger.refusals:
        refused = [f"- **{inline_text(file, 80)}** ({domain}, {status}{'' if at is None else f' {at:%Y-%m-%d %H:%M} UTC'}): "
                   f"{inline_text(message, 2000)}" for file, domain, status, at, message in ledger.refusals]
    else:
        refused = ["No file was refused."]
    return {"summary": "\n".join(summary), "by_file": "\n".join(by_file), "refused_files": "\n".join(refused)}


def count_of(n: int, noun: str) -> str:
    """`n` with thousands commas and `noun`, plural unless `n` is 1: '1 file', '2,204 values'."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


ROWS_CAP = 1_000
"""Quarantined values listed one by one on the `quarantine` asset's page (a table); above it, their
lines as ranges per file and rule. 1,000 rows of the sample's SBA values serialize to 219 kB in
Dagster's event log (a landing message of 150 characters adds about 150 kB); the ranges of any
number of lines stay within LINES_CHARS."""
LINES_CHARS = 200_000
"""Characters of line ranges on the asset's page; a group whose ranges pass it ends with a count
and the command that lists the rest."""


def quarantined_values(con: duckdb.DuckDBPyConnection, cap: int = ROWS_CAP) -> list[tuple] | None:
    """Every row of quality.quarantine as (file name, line, column, rule, raw value, message without
    the file's path, asset), by file, line and column; None when there are more than `cap` (or no table)."""
    if not table_exists(con, "quality.quarantine"):
        return None
    if con.execute("SELECT count(*) FROM quality.quarantine").fetchone()[0] > cap:
        return None
    return con.execute(
        """
        SELECT regexp_extract(source_file, '[^/]*$') AS file, line, column_name, rule, raw_value,
               CASE WHEN starts_with(message, source_file || ': ') THEN message[length(source_file) + 3:]
               ELSE message END, asset
        FROM quality.quarantine ORDER BY file, source_file, line, column_name, rule
        """).fetchall()


def line_ranges(lines: list[int]) -> list[tuple[int, int]]:
    """Line numbers as sorted runs of consecutive lines, (first, last) each: [1206, 637, 1204, 1205] ->
    [(637, 637), (1204, 1206)]. `ranges_text` writes them."""
    spans: list[list[int]] = []
    for line in sorted(set(lines)):
        if spans and line == spans[-1][1] + 1:
            spans[-1][1] = line
        else:
            spans.append([line, line])
    return [(a, b) for a, b in spans]


def ranges_text(spans: list[tuple[int, int]]) -> str:
    """Runs of lines as a reader writes them: '637, 1204-1206'."""
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def quarantined_lines(con: duckdb.DuckDBPyConnection, budget: int = LINES_CHARS) -> str:
    """Markdown: per file and rule (the largest first), every quarantined line as ranges
    ('637, 1204-1210'), one list item each, within about `budget` characters in all; a group cut
    short ends with how many lines it leaves out and the command that lists them. '' when nothing
    is quarantined."""
    if not table_exists(con, "quality.quarantine"):
        return ""
    groups = con.execute(
        "SELECT regexp_extract(source_file, '[^/]*$') AS file, asset, rule, "
        "list(DISTINCT line ORDER BY line) FILTER (WHERE line IS NOT NULL), count(*) AS n "
        "FROM quality.quarantine GROUP BY source_file, asset, rule ORDER BY n DESC, file, asset, rule").fetchall()
    items, left = [], budget
    for file, asset, rule, lines, n in groups:
        item = f"- **{inline_text(file or '-', 80)}** `{rule}` ({asset}), {count_of(n, 'value')}: lines "
        lines = lines or []
        spans = line_ranges(lines)
        kept: list[tuple[int, int]] = []
        for span in spans:
            left -= len(str(span[0])) + (len(str(span[1])) + 1 if span[1] != span[0] else 0) + 2
            if left < 0:
                break
            kept.append(span)
        item += ranges_text(kept) or "none"
        if len(kept) < len(spans):
            more = len(lines) - sum(b - a + 1 for a, b in kept)
            item += (f", … and {more:,} more: `risk-assets quarantine {file} --rule {rule} --limit {n}`")
        items.append(item)
    return "\n".join(items)
