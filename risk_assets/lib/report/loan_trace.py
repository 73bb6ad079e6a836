"""One loan's path through the lake, for an analyst asking "where did this PD come from?" or "what
happened to line 17 of that tape?": the file and line it landed from, every value quarantined on
the way (with its rule), whether it reached the features, and its score with the model version.

A loan is looked up by its loan key (`sba:1000014003`), by its id in the tape (`1000014003`; every
portfolio, or one), or by file and line (`lendingclub_2007_2011.csv:17`), which also finds a line
whose record never became a loan (quarantined at landing), and says what a line that is no record
is: a non-data line by its kind and text (raw.non_data_lines), the header, or a line inside the
record above (a quoted value running over lines).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from risk_assets.lib.ingest.landing import landed_copies_of, record_lookup
from risk_assets.lib.ingest.loan_formats import builtin_mapping, key_id, vintage_definition
from risk_assets.lib.lake import column_exists, names_file, table_exists
from risk_assets.lib.ml import registry
from risk_assets.lib.ml.artifacts import load_meta
from risk_assets.lib.quality.duplicates import idless_copies
from risk_assets.lib.report.portfolio import table_columns
from risk_assets.lib.report.quarantine import landed_file, same_bytes_as, several_copies, withdrawal

MAX_LOANS = 10
"""Loans listed for one lookup (an id shared by several portfolios, several snapshots of one loan)."""
FILE_LINE = re.compile(r"^(?P<file>.+):(?P<line>[1-9]\d*)$")
"""`<file name or path>:<line>`: a landed file's physical line (an Excel row for a workbook)."""


@dataclass
class LoanTrace:
    """What the lake holds about one lookup: `lines` to print, and whether anything was found."""

    query: str
    lines: list[str]
    found: bool


def trace_loan(con: duckdb.DuckDBPyConnection, query: str, portfolio: str | None = None) -> LoanTrace:
    """Trace a loan key, a tape's loan id, or `<file>:<line>` through raw.loans, quality.quarantine,
    marts.loan_features and ml.loan_scores (read only).

    Returns one block of lines per loan found (at most MAX_LOANS, each snapshot of a loan its own
    line): where it landed (file, line, sha256 prefix, run, time; `cut?` when that line is the last of a
    file that ends without a line end, `_unterminated_said`), its status and default flag,
    amount (in its currency) and origination date; each quarantined value (asset, rule, column, raw value); whether
    marts.loan_features holds it; its PD (fraction 0-1), risk grade and the model version that
    scored it, and whether that version is still the champion. A file:line that no loan came from
    lists what was quarantined at that line; a line of a loaded file that is no record says what it
    is, in one line: a non-data line by its kind and text (raw.non_data_lines, `_non_data_line`),
    the header (`_header_line`), or inside the record above, which is then traced
    (`_inside_record`); for a file landed before raw.non_data_lines, what the manifest's count and
    notes tell (`_named_line`, `_line_without_loan`). A line after the last record that is no
    non-data line is no match (found False). The file of a file:line may also be a copy that never
    landed because it holds a landed file's bytes (renamed after it landed: `landed_copies_of`); the
    first line then names the landed file the lookup reads. A key or id of a withdrawn file's loan
    names the file, its line and the withdrawal (`_withdrawn_loan`).
    """
    if (news := _news_file_line(con, query)) is not None:
        return LoanTrace(query, [news], False)
    if not table_exists(con, "raw.loans"):
        return LoanTrace(query, ["the lake has no raw.loans yet: land a loan tape first (risk-assets run)"], False)
    if portfolio is not None and (unknown := _portfolio_not_held(con, portfolio)):
        return LoanTrace(query, [unknown], False)
    keys = _loan_keys(con, query, portfolio)
    lines: list[str] = []
    found = FILE_LINE.match(query)
    if not keys and found and portfolio is not None and (elsewhere := _loan_keys(con, query, None)):
        held = [p for (p,) in con.execute("SELECT DISTINCT portfolio FROM raw.loans WHERE list_contains(?, loan_key) "
                                          "ORDER BY 1", [elsewhere]).fetchall()]
        return LoanTrace(query, [f"{query}: its loan is in portfolio {', '.join(map(repr, held))}, not {portfolio!r}: "
                                 "look it up without --portfolio, or with that one"], False)
    if not keys and found and landed_file(con, found["file"]) is None:
        copies = landed_copies_of(con, found["file"])
        if len(copies) > 1:
            return LoanTrace(query, [several_copies(found["file"], copies)], False)
        if copies:  # the file renamed after it landed, or a copy: look it up by the landed name
            trace = trace_loan(con, f"{copies[0]}:{found['line']}", portfolio)
            return LoanTrace(query, [same_bytes_as(found["file"], copies[0]), *trace.lines], trace.found)
    if not keys:
        quarantined = _quarantine_at_line(con, query)
        landed = landed_file(con, found["file"]) if found else None
        if quarantined:
            cut = _unterminated_said(con, landed[4], int(found["line"])) if landed and landed[4] else []
            return LoanTrace(query, [f"{query}: no loan landed from this line; quarantined:", *quarantined, *cut,
                                     *_account_landed_elsewhere(con, query)], True)
        if landed is not None:
            line, last = int(found["line"]), _last_record_line(con, landed[0])
            listed = landed[1] == "loaded" and _lists_non_data_lines(con, landed[4])
            if listed and (named := _non_data_line(con, found["file"], line, landed[4])):
                return LoanTrace(query, [named], True)
            if landed[1] == "loaded" and not listed and (named := _named_line(con, found["file"], line, landed[4])):
                return LoanTrace(query, [named], True)
            if last is not None and line > last:  # nothing there to explain: no match, as for an unknown key
                what = ("past the file's end, or inside that record (a quoted value running over lines): no "
                        "non-data line of the file is on it (raw.non_data_lines)" if listed
                        else "a footer, a blank line or past the file's end")
                return LoanTrace(query, [f"{found['file']}:{line}: after the file's last record (line {last:,}): "
                                         f"{what}; no loan ({landed[1]}, {landed[2] or 0:,} loans loaded)"], False)
            if listed and (header := _header_line(con, found["file"], line, landed[4])):
                return LoanTrace(query, [header], True)
            if landed[1] == "loaded" and (inside := _inside_record(con, found["file"], line, landed[4])):
                said, start = inside
                if start is None:
                    return LoanTrace(query, [said], True)
                trace = trace_loan(con, f"{found['file']}:{start}", portfolio)
                return LoanTrace(query, [said, *trace.lines], trace.found)
            return LoanTrace(query, [_line_without_loan(con, found["file"], line, landed, listed)], True)
        if withdrawn := _withdrawn_loan(con, query, portfolio):
            return LoanTrace(query, withdrawn, True)
        where = f" in portfolio {portfolio!r}" if portfolio else ""
        return LoanTrace(query, [f"{query}: no loan key, loan id{where} or file:line in the lake matches"], False)
    for key in keys[:MAX_LOANS]:
        lines += _loan_block(con, key)
    if len(keys) > MAX_LOANS:
        lines.append(f"... and {len(keys) - MAX_LOANS} more loans match {query!r}; narrow it with --portfolio")
    return LoanTrace(query, lines, True)


IDLESS_KEY = re.compile(r"^(?P<portfolio>[^:]+):(?P<sha>[0-9a-f]{16}):(?P<line>[1-9]\d*)$")
"""The key of a loan its tape gives no id: portfolio, the file's sha256 prefix and the line (`loan_formats`)."""


def _withdrawn_loan(con: duckdb.DuckDBPyConnection, query: str, portfolio: str | None) -> list[str]:
    """What to say of a loan key or id raw.loans no longer holds because its file was withdrawn
    (`risk-assets withdraw`), one line per file: the file and line it landed from and the withdrawal
    (when, by whom, why, what was removed), and, while marts.loan_features still holds the loan (not
    rebuilt since), that its features and scores stay until the rebuild. The file is read off the
    key of a loan without a tape id (its sha256 prefix and line), else off staging.stg_loans, which
    keeps the rows until rebuilt. Empty when no withdrawn file is known to have held it."""
    if not table_exists(con, "raw.landed_files"):
        return []
    idless = IDLESS_KEY.match(query)
    if idless and (portfolio is None or idless["portfolio"] == portfolio):
        rows = [(*row, int(idless["line"]), query) for row in con.execute(
            "SELECT path, sha256, message FROM raw.landed_files WHERE domain = 'loans' AND status = 'withdrawn' "
            "AND starts_with(sha256, ?) ORDER BY landed_at", [idless["sha"]]).fetchall()]
    elif set(table_columns(con, "staging.stg_loans") or ()) >= {"loan_key", "source_loan_id", "portfolio", "_file_sha256"}:
        rows = con.execute(
            "SELECT DISTINCT m.path, m.sha256, m.message, s._source_line, s.loan_key FROM staging.stg_loans AS s "
            "JOIN raw.landed_files AS m ON m.sha256 = s._file_sha256 AND m.domain = 'loans' AND m.status = 'withdrawn' "
            "WHERE (s.loan_key = $q OR s.source_loan_id = $q) AND ($p IS NULL OR s.portfolio = $p) ORDER BY 1, 4",
            {"q": query, "p": portfolio}).fetchall()
    else:
        rows = []
    lines = []
    for path, sha256, message, line, key in rows:
        said = f"loan {key}: landed from {Path(path).name} line {line}, a file since {withdrawal(con, sha256, message)}"
        if table_exists(con, "marts.loan_features") and con.execute(
                "SELECT count(*) FROM marts.loan_features WHERE loan_key = ?", [key]).fetchone()[0]:
            said += ("; it is still in loan_features and its scores until they are rebuilt: risk-assets run "
                     "--no-seed --select 'key:stg_loans+ and not group:models'")
        lines.append(said)
    return lines


def _news_file_line(con: duckdb.DuckDBPyConnection, query: str) -> str | None:
    """What to say of a `<file>:<line>` whose file landed as news and never as a loan tape (a news
    file's `CUT?` line looked up with `loan`): that it is a news file, and how to find its article
    (`landing.record_lookup`); None for any other query."""
    found = FILE_LINE.match(query)
    if found is None or not table_exists(con, "raw.landed_files"):
        return None
    domains = {domain for (domain,) in con.execute(
        f"SELECT DISTINCT domain FROM raw.landed_files WHERE {names_file('path', '$file')}",
        {"file": found["file"]}).fetchall()}
    if domains != {"news"}:
        return None
    name = Path(found["file"]).name
    return (f"{name} is a news file (landed into raw.news), not a loan tape: `loan` traces loans. Line "
            f"{found['line']}: {record_lookup('news', name, int(found['line']), 'risk-assets')}")


def _portfolio_not_held(con: duckdb.DuckDBPyConnection, portfolio: str) -> str | None:
    """Why `--portfolio` can match no loan, or None when raw.loans holds loans of `portfolio`: the
    lake has no such portfolio (a typo, 'lendingclb'), said with the closest it holds and each of its
    portfolios with its count of loans (raw.loans rows), so the miss is not read as a loan not there."""
    import difflib

    held = con.execute("SELECT portfolio, count(*) FROM raw.loans GROUP BY portfolio ORDER BY 1").fetchall()
    if any(name == portfolio for name, _ in held):
        return None
    close = difflib.get_close_matches(portfolio, [name for name, _ in held], n=1)
    listed = ", ".join(f"{name} ({n:,} row{'' if n == 1 else 's'})" for name, n in held) or "none: no loan has landed"
    return (f"no portfolio {portfolio!r} in the lake{f'; did you mean {close[0]!r}?' if close else ''} "
            f"(its portfolios: {listed})")


def _loan_keys(con: duckdb.DuckDBPyConnection, query: str, portfolio: str | None) -> list[str]:
    """Loan keys matching the query (of `portfolio` alone when given): the key itself, the tape's id
    as written, an all-digit id with or without its leading zeros (`1` and `00000001`, also in a key:
    `bank:00000001`), or file:line."""
    found = FILE_LINE.match(query)
    if found:
        rows = con.execute(
            f"SELECT DISTINCT loan_key, portfolio FROM raw.loans WHERE _source_line = ? AND "
            f"{names_file('_source_file', '?')} ORDER BY 1",
            [int(found["line"]), found["file"], found["file"]]).fetchall()
        if rows:
            return [key for key, of in rows if portfolio is None or of == portfolio]
    # an all-digit id is keyed without its leading zeros: '00000001' and '1' find the same loan,
    # whichever form its tapes wrote (`loan_formats.key_id`)
    keyed = key_id(query)
    portfolio_of, _, id_of = query.partition(":")
    as_key = f"{portfolio_of}:{key_id(id_of)}" if id_of else query
    rows = con.execute(
        "SELECT DISTINCT loan_key FROM raw.loans WHERE (loan_key = ? OR loan_key = ? OR source_loan_id = ? "
        "OR (source_loan_id IS NOT NULL AND loan_key = portfolio || ':' || ?)) "
        "AND (? IS NULL OR portfolio = ?) ORDER BY 1",
        [query, as_key, query, keyed, portfolio, portfolio]).fetchall()
    return [r[0] for r in rows]


def _quarantine_at_line(con: duckdb.DuckDBPyConnection, query: str) -> list[str]:
    found = FILE_LINE.match(query)
    if not found or not table_exists(con, "quality.quarantine"):
        return []
    rows = con.execute(
        f"SELECT asset, rule, column_name, raw_value, message FROM quality.quarantine WHERE line = ? "
        f"AND {names_file('source_file', '?')} ORDER BY asset, column_name",
        [int(found["line"]), found["file"], found["file"]]).fetchall()
    return [_quarantine_line(*row) for row in rows]


def _account_landed_elsewhere(con: duckdb.DuckDBPyConnection, query: str) -> list[str]:
    """For a file:line quarantined at landing, whose record key (quality.quarantine.record_key) is a
    loan that landed from other lines (its other snapshots' tapes): '  the account lendingclub:0100201559
    landed from LOANTAPE_M2.csv line 1263: risk-assets loan lendingclub:0100201559', naming its
    landed lines in snapshot order (the last MAX_LINES_NAMED), so a reader does not take the account
    for one the lake lacks; [] when the key landed nowhere."""
    found = FILE_LINE.match(query)
    if not found or not table_exists(con, "quality.quarantine"):
        return []
    keys = [key for (key,) in con.execute(
        f"SELECT DISTINCT record_key FROM quality.quarantine WHERE line = ? AND record_key IS NOT NULL "
        f"AND {names_file('source_file', '?')} ORDER BY 1", [int(found["line"]), found["file"], found["file"]]).fetchall()]
    lines = []
    for key in keys:
        landed = con.execute("SELECT _source_file, _source_line FROM raw.loans WHERE loan_key = ? "
                             "ORDER BY snapshot_date NULLS FIRST, _ingested_at, _source_line", [key]).fetchall()
        if not landed:
            continue
        named = [f"{file.rsplit('/', 1)[-1]} line {line}" for file, line in landed[-MAX_LINES_NAMED:]]
        earlier = f" (and {len(landed) - MAX_LINES_NAMED:,} earlier line(s))" if len(landed) > MAX_LINES_NAMED else ""
        lines.append(f"  the account {key} landed from {', '.join(named)}{earlier}: risk-assets loan {key}")
    return lines


MAX_LINES_NAMED = 3
"""Landed lines of an account a quarantined line names (`_account_landed_elsewhere`); the trace lists them all."""


def _last_record_line(con: duckdb.DuckDBPyConnection, path: str) -> int | None:
    """The last physical line (1-based) of the landed file at `path` that a loan or a quarantined
    record came from; None when none did (a refused file) or the tables are missing."""
    if not table_exists(con, "quality.quarantine"):
        return None
    (last,) = con.execute(
        "SELECT greatest((SELECT max(_source_line) FROM raw.loans WHERE _file_sha256 = f.sha256), "
        "(SELECT max(line) FROM quality.quarantine WHERE file_sha256 = f.sha256)) "
        "FROM raw.landed_files AS f WHERE f.path = ? ORDER BY f.landed_at DESC LIMIT 1", [path]).fetchone() or (None,)
    return last


NAMED_LINES = {"total_rows": "the file's total row", "footer_notes": "a footer note below the records",
               "section_labels": "a section label between the records"}
"""Notes of raw.landed_files that name non-data lines ('<line>: <text>'; `loan_formats` writes them),
and what such a line is."""


def _notes(con: duckdb.DuckDBPyConnection, sha256: str) -> tuple[dict, int]:
    """(notes, non_data_lines) of the landed loan tape `sha256` in raw.landed_files."""
    notes, non_data = con.execute("SELECT notes, non_data_lines FROM raw.landed_files WHERE sha256 = ? AND domain = 'loans'",
                                  [sha256]).fetchone() or (None, 0)
    return (json.loads(notes) if notes else {}), non_data or 0


def _lines_named(notes: dict) -> dict[int, tuple[str, str, str]]:
    """{line: (note, what the line is, its text)} of the lines the file's notes name (NAMED_LINES);
    a long list is kept as {"count", "first"} (`landing.summarise_notes`): its first lines count."""
    named = {}
    for note, what in NAMED_LINES.items():
        entries = notes.get(note) or []
        for entry in entries.get("first", []) if isinstance(entries, dict) else entries:
            number, _, text = str(entry).partition(": ")
            if number.isdigit():
                named[int(number)] = (note, what, text)
    return named


def _named_line(con: duckdb.DuckDBPyConnection, file: str, line: int, sha256: str) -> str | None:
    """What a line that the landed file's notes name is ('F05.csv:32: the file's total row ('Total'),
    not a loan ...'), or None when they name it not."""
    if (named := _lines_named(_notes(con, sha256)[0]).get(line)) is None:
        return None
    note, what, text = named
    return f"{file}:{line}: {what} ({text!r}), not a loan (the manifest's notes, {note})"


NON_DATA_KINDS = {
    "blank": "a blank line (empty, or separators only)",
    "note": "a note or title above the header",
    "rule_line": "a rule line (a frame drawn with dashes or box characters)",
    "header_continued": "the header, continued (a quoted column name running over lines)",
    "repeated_header": "a repeated header",
    "column_labels": "a row of column labels",
    "column_types": "a row of column types",
    "policy_marker": "a credit-policy marker",
    "section_label": "a section label between the records",
    "footer": "a footer",
    "footer_note": "a footer note below the records",
    "total_row": "a total row",
    "row_count": "a row count",
    "page_number": "a page number",
    "end_of_file_marker": "an end-of-file marker",
    "nul_padding": "NUL padding at the file's end",
    "declared_non_data": "a line the mapping declares no record (non_data_prefixes)",
    "mbox_separator": "an mbox message separator",
}
"""Kinds of raw.non_data_lines (as the readers write them) and what a line of that kind is; another
kind is said as 'a non-data line of kind <kind>'."""
TEXT_SHOWN = 80
"""Characters of a non-data line's text shown in its trace (raw.non_data_lines keeps up to 200)."""


def _lists_non_data_lines(con: duckdb.DuckDBPyConnection, sha256: str) -> bool:
    """Whether raw.non_data_lines holds every non-data line of the loaded file `sha256`: the table
    exists and holds as many rows of the file as raw.landed_files.non_data_lines counts. False for
    a file landed before the table existed (no rows, a count above 0), which only the counts tell of."""
    if not table_exists(con, "raw.non_data_lines"):
        return False
    (listed,) = con.execute(
        "SELECT (SELECT count(*) FROM raw.non_data_lines WHERE file_sha256 = f.sha256) = coalesce(f.non_data_lines, 0) "
        "FROM raw.landed_files AS f WHERE f.sha256 = ? AND f.domain = 'loans'", [sha256]).fetchone() or (False,)
    return bool(listed)


def _non_data_line(con: duckdb.DuckDBPyConnection, file: str, line: int, sha256: str) -> str | None:
    """What the line is when raw.non_data_lines lists it for the file `sha256` ('F.csv:57: a
    repeated header ('id,loan_amnt,...'), not a loan (raw.non_data_lines, kind repeated_header)'),
    its text shown up to TEXT_SHOWN characters where the reader kept it; None when it is not listed."""
    row = con.execute("SELECT kind, text FROM raw.non_data_lines WHERE file_sha256 = ? AND line = ? LIMIT 1",
                      [sha256, line]).fetchone()
    if row is None:
        return None
    kind, text = row
    what = NON_DATA_KINDS.get(kind, f"a non-data line of kind {kind!r}")
    shown = "" if text is None else f" ({text[:TEXT_SHOWN]!r}{' ...' if len(text) > TEXT_SHOWN else ''})"
    return f"{file}:{line}: {what}{shown}, not a loan (raw.non_data_lines, kind {kind})"


def _header_line(con: duckdb.DuckDBPyConnection, file: str, line: int, sha256: str) -> str | None:
    """'F.csv:3: the file's header, not a loan ...' when `line` lies above the first record of the
    loaded file `sha256` and is the one line there that raw.non_data_lines does not list (every line
    above the first record is the header or a non-data line; call it only where the table lists
    the file's lines, `_lists_non_data_lines`); None otherwise (a file without a header, a line at
    or below the first record)."""
    if not table_exists(con, "quality.quarantine"):
        return None
    first, listed_above = con.execute(
        "WITH first AS (SELECT min(l) AS l FROM (SELECT _source_line AS l FROM raw.loans WHERE _file_sha256 = $sha "
        "UNION ALL SELECT line FROM quality.quarantine WHERE file_sha256 = $sha)) "
        "SELECT (SELECT l FROM first), (SELECT count(*) FROM raw.non_data_lines WHERE file_sha256 = $sha "
        "AND line < (SELECT l FROM first))", {"sha": sha256}).fetchone()
    if first is None or line >= first or first - 1 - listed_above != 1:
        return None
    return (f"{file}:{line}: the file's header, not a loan (the one line above its first record, line {first:,}, "
            "that raw.non_data_lines does not list)")


def _inside_record(con: duckdb.DuckDBPyConnection, file: str, line: int, sha256: str) -> tuple[str, int | None] | None:
    """For a line between two records' first lines (raw.loans `_source_line`, quality.quarantine
    `line`) of the loaded file `sha256`: (what it is, the line of the record it belongs to, or None
    when that cannot be told). Where raw.non_data_lines lists the file's non-data lines
    (`_lists_non_data_lines`) and not this one, or no non-data line is left that the file's notes do
    not name (a file landed before the table), the line is inside the record above (a quoted value
    running over lines), which is then traced; else it is that or one of the non-data lines the
    manifest counts without naming them (a repeated header, a marker, a blank line). None when the
    line is not between two records. A line the table lists is said by `_non_data_line` before."""
    if not table_exists(con, "quality.quarantine"):
        return None
    above, below = con.execute(
        "SELECT max(l) FILTER (WHERE l < $line), min(l) FILTER (WHERE l > $line) FROM "
        "(SELECT _source_line AS l FROM raw.loans WHERE _file_sha256 = $sha "
        "UNION ALL SELECT line FROM quality.quarantine WHERE file_sha256 = $sha)",
        {"line": line, "sha": sha256}).fetchone()
    if above is None or below is None:
        return None
    if _lists_non_data_lines(con, sha256) and _non_data_line(con, file, line, sha256) is None:
        unnamed = 0
    else:
        notes, non_data = _notes(con, sha256)
        unnamed = non_data - len(_lines_named(notes))
    if unnamed <= 0:
        return (f"{file}:{line}: inside the record that starts on line {above} (a quoted value running over "
                f"lines; the next record starts on line {below}); that record:"), above
    return (f"{file}:{line}: no record starts on this line; it lies between the records of lines {above} and "
            f"{below}: inside the record of line {above} (a quoted value running over lines), or one of the "
            f"file's {unnamed:,} non-data line(s) (a repeated header, a marker, a blank line) that the manifest "
            f"counts without saying which lines they are; the record of line {above}: "
            f"risk-assets loan {file}:{above}"), None


def _line_without_loan(con: duckdb.DuckDBPyConnection, file: str, line: int,
                       landed: tuple[str, str, int | None, str | None, str], listed: bool = False) -> str:
    """Why a line of a landed file holds no loan and no quarantined value: the file was refused, or
    withdrawn (its rows removed), or the line is not a record's. `listed`: raw.non_data_lines lists
    the file's non-data lines (`_lists_non_data_lines`), and not this one; else the file landed
    before the table, and the line may be any of them."""
    path, status, loaded, message, sha256 = landed
    if status == "refused":
        return f"{file}:{line}: the file was refused when it landed, so no line of it was read: " \
               f"{(message or '').removeprefix(path + ': ')}"
    if status == "withdrawn":
        return f"{file}:{line}: no line of this file holds a loan now: the file was {withdrawal(con, sha256, message)}"
    if listed:
        return (f"{file}:{line}: no loan, no quarantined value and no non-data line (raw.non_data_lines): the "
                f"header or a line of it, or past the file's end ({status}, {loaded or 0:,} loans loaded)")
    return (f"{file}:{line}: no loan and no quarantined value: the header, a note or title above it, a blank "
            f"line, a marker or footer, or past the file's end ({status}, {loaded or 0:,} loans loaded)")


def _unterminated_said(con: duckdb.DuckDBPyConnection, sha256: str, line: int) -> list[str]:
    """['  cut?  line 21 is the file's last and has no line end ...'] when the landed file `sha256`
    ends without a line end (note `last_line_unterminated`) in the record of `line`: a copy cut
    short ends so, and its values may be cut yet parse (`99000` landing as `99`); else []."""
    if not column_exists(con, "raw.landed_files", "unterminated_line"):
        return []  # a lake made before the manifest kept the line, opened read-only
    (last,) = con.execute("SELECT unterminated_line FROM raw.landed_files WHERE sha256 = ? AND domain = 'loans'",
                          [sha256]).fetchone() or (None,)
    if last != line:
        return []
    note = _notes(con, sha256)[0].get("last_line_unterminated")
    return [f"  cut?         line {line} is the file's last record and has no line end: {note}"]


def _quarantine_line(asset: str, rule: str, column: str | None, raw_value: str | None, message: str | None) -> str:
    value = "" if raw_value is None else f" value {raw_value[:80]!r}"
    return f"  quarantined  {rule} ({asset}) column {column or '-'}{value}: {message or ''}".rstrip(": ")


def _loan_block(con: duckdb.DuckDBPyConnection, key: str) -> list[str]:
    lines = [f"loan {key}"]
    currency = "coalesce(currency, 'USD')" if "currency" in (table_columns(con, "raw.loans") or {}) else "'USD'"
    landed = con.execute(
        "SELECT _source_file, _source_line, _file_sha256, _run_id, _ingested_at, snapshot_date, loan_status, "
        f"default_flag, loan_amount, {currency}, origination_date FROM raw.loans WHERE loan_key = ? "
        "ORDER BY snapshot_date NULLS FIRST, _ingested_at", [key]).fetchall()
    for file, line, sha, run, at, snapshot, status, flag, amount, unit, originated in landed:
        name = file.rsplit("/", 1)[-1]
        snap = f" snapshot {snapshot}" if snapshot else ""
        lines.append(f"  landed       {name} line {line}{snap} (sha256 {sha[:12]}, run {str(run)[:8]}, {at:%Y-%m-%d %H:%M} UTC)")
        amount_text = f"{amount:,.2f} {unit}" if amount is not None else "no amount"
        said = f"status {status!r} ->" if status is not None else "no status;"
        lines.append(f"               {said} default flag {'-' if flag is None else flag}; "
                     f"{amount_text}; originated {originated or '-'}")
        lines += _unterminated_said(con, sha, line)
    if table_exists(con, "quality.quarantine"):
        rows = con.execute("SELECT asset, rule, column_name, raw_value, message FROM quality.quarantine "
                           "WHERE record_key = ? ORDER BY asset, column_name", [key]).fetchall()
        lines += [_quarantine_line(*row) for row in rows] or ["  quarantined  nothing"]
    if table_exists(con, "marts.loan_features"):
        held = con.execute("SELECT count(*) FROM marts.loan_features WHERE loan_key = ?", [key]).fetchone()[0]
        lines.append("  features     " + _features_said(con, key, bool(held)))
    else:
        held = 0
    if table_exists(con, "ml.loan_scores"):
        scores = con.execute("SELECT pd, risk_grade, model, model_version, scored_at FROM ml.loan_scores "
                             "WHERE loan_key = ?", [key]).fetchall()
        champions = dict(con.execute("SELECT model, version FROM ml.model_registry WHERE status = 'champion'").fetchall()) \
            if table_exists(con, "ml.model_registry") else {}
        for pd_, grade, model, version, scored_at in scores:
            standing = "the champion" if champions.get(model) == version else "no longer the champion"
            lines.append(f"  score        PD {pd_:.4f} (grade {grade}) by {model} {version} ({standing}), "
                         f"scored {scored_at:%Y-%m-%d %H:%M} UTC; {_sample_role(con, model, version, key)}")
        if not scores:
            lines.append("  score        none: " + ("only loans in marts.loan_features are scored" if not held else
                                                    _unscored_why(con, key)))
    return lines


def _features_said(con: duckdb.DuckDBPyConnection, key: str, held: bool) -> str:
    """Which snapshot of loan `key` marts.loan_features reads (`held`: it holds the loan), or why it
    holds none: its newest snapshot has a quarantined row, so the loan is held out rather than read
    from an older one (dbt/models/staging/stg_loans.sql), e.g. 'not in marts.loan_features: held out,
    its newest snapshot (LOANTAPE_M2.csv line 1203, snapshot 2020-01-31) is quarantined
    (chargeoff_not_after_as_of): its current state is unknown, and its older snapshot is not used'."""
    if held:
        row = con.execute(
            "SELECT _source_file, _source_line, snapshot_date, snapshot_version, count(*) OVER () "
            "FROM staging.stg_loans AS s WHERE loan_key = ? AND NOT EXISTS (SELECT 1 FROM quality.quarantine AS q "
            "WHERE q.file_sha256 = s._file_sha256 AND q.line = s._source_line) "
            "ORDER BY snapshot_version DESC LIMIT 1", [key]).fetchone() if table_exists(con, "staging.stg_loans") \
            and table_exists(con, "quality.quarantine") else None
        if row is None:
            return "in marts.loan_features"
        file, line, snapshot, version, versions = row
        snap = f", snapshot {snapshot}" if snapshot else ""
        return (f"in marts.loan_features, from {file.rsplit('/', 1)[-1]} line {line}{snap} "
                f"(its latest snapshot, version {version} of {versions} standing)")
    if table_exists(con, "quality.quarantine") and (newest := newest_snapshot_quarantined(con, key)):
        file, line, snapshot, rules = newest
        snap = f", snapshot {snapshot}" if snapshot else ""
        older = " and its older snapshot is not used" if con.execute(
            "SELECT count(*) FROM raw.loans WHERE loan_key = ? AND NOT (_source_file = ? AND _source_line = ?)",
            [key, file, line]).fetchone()[0] else ""
        return (f"not in marts.loan_features: held out, its newest snapshot ({file.rsplit('/', 1)[-1]} line {line}{snap}) "
                f"is quarantined ({rules}): its current state is unknown{older}")
    return "not in marts.loan_features (a quarantined value above, or not built since it landed)"


def newest_snapshot_quarantined(con: duckdb.DuckDBPyConnection, key: str) -> tuple[str, int, object, str] | None:
    """(file path, line, snapshot date or None, rules comma-separated) of a quarantined row in loan
    `key`'s newest snapshot, the rule staging holds a loan out by: snapshots ordered by snapshot_date
    (undated first), then ingest time, over raw.loans and the rows set aside at landing (in
    quality.quarantine only, placed in their file's snapshot). None when that snapshot has none."""
    return con.execute("""
        WITH files AS (
            SELECT _file_sha256, any_value(_source_file) AS file, max(snapshot_date) AS snapshot_date,
                   min(_ingested_at) AS ingested_at FROM raw.loans GROUP BY _file_sha256),
        landed AS (
            SELECT _source_file AS file, _file_sha256, _source_line AS line, snapshot_date, _ingested_at AS ingested_at
            FROM raw.loans WHERE loan_key = $key
            UNION ALL
            SELECT f.file, q.file_sha256, q.line, f.snapshot_date, f.ingested_at
            FROM quality.quarantine AS q JOIN files AS f ON f._file_sha256 = q.file_sha256
            WHERE q.record_key = $key AND NOT EXISTS (
                SELECT 1 FROM raw.loans AS r WHERE r._file_sha256 = q.file_sha256 AND r._source_line = q.line)),
        newest AS (
            SELECT * FROM landed WHERE coalesce(CAST(snapshot_date AS VARCHAR), _file_sha256) = (
                SELECT coalesce(CAST(snapshot_date AS VARCHAR), _file_sha256) FROM landed
                ORDER BY snapshot_date DESC NULLS LAST, ingested_at DESC LIMIT 1))
        SELECT n.file, n.line, n.snapshot_date, string_agg(DISTINCT q.rule, ',' ORDER BY q.rule)
        FROM newest AS n JOIN quality.quarantine AS q ON q.file_sha256 = n._file_sha256 AND q.line = n.line
        GROUP BY ALL ORDER BY n.line LIMIT 1""", {"key": key}).fetchone()


def _sample_role(con: duckdb.DuckDBPyConnection, model: str, version: str, key: str) -> str:
    """Whether `version` learnt from the loan (in-sample: its PD flatters it), held it out (the loan
    is one of the loans its figures were measured on), or never saw it (out of sample). An id-less
    loan landed again in a later file (`duplicates.idless_copies`) trains as its later copy: its
    role is that copy's, named as such. The later copy of a loan that `version` saw under an
    earlier copy's key (trained before the later file landed) takes that copy's role, named too."""
    if role := _role_by_key(con, model, version, key):
        return role
    copies = idless_copies(con)
    if (kept := copies.get(key)) is not None:
        return (f"an earlier copy of loan {kept} (the same origination terms, landed again in a later file; check "
                f"raw_loans_idless_repeats), which stands for it in training: "
                f"{_role_by_key(con, model, version, kept) or _out_of_sample(con, model, version, kept)}")
    for earlier in sorted(early for early, later in copies.items() if later == key):
        if role := _role_by_key(con, model, version, earlier):
            return (f"a later copy of loan {earlier} (the same origination terms, landed again in a later file; "
                    f"check raw_loans_idless_repeats), which this version saw under that key: {role}")
    return _out_of_sample(con, model, version, key)


def _out_of_sample(con: duckdb.DuckDBPyConnection, model: str, version: str, key: str) -> str:
    """'out of sample: this version never saw the loan', with why when the lake says: the loan landed
    after the version trained; its vintage is one the vintage rule left out (inputs recorded after the
    outcome; meta.json `run.vintages_left_out`); it is after the fixed out-of-time window; it had
    no outcome (default flag) when the version trained; or, labelled and in time, it was not drawn
    into the in-time loans the training subsampled (meta.json `run.split_notes`,
    `training.in_time_subsample`). A vintage is named with what it is for the loan's tape
    (`_vintage_said`). The registry's trained_at and raw.loans._ingested_at are both UTC."""
    said = "out of sample: this version never saw the loan"
    if not table_exists(con, "ml.model_registry"):
        return said
    row = registry.version_row(con, model, version)  # its artifact_path found where the home is now
    if row is None or row["trained_at"] is None:
        return said
    trained_at, artifact = row["trained_at"], row["artifact_path"]
    (landed, flagged) = con.execute(
        "SELECT min(_ingested_at), count(default_flag) FILTER (WHERE _ingested_at <= ?) FROM raw.loans "
        "WHERE loan_key = ?", [trained_at, key]).fetchone()
    if landed is not None and landed > trained_at:
        return f"{said}: it landed after this version trained ({trained_at:%Y-%m-%d %H:%M} UTC)"
    run = _run_record(artifact)
    held, vintage, originated = _features_of(con, key)
    if vintage is not None and int(vintage) in {int(v) for v in run.get("vintages_left_out") or ()}:
        return (f"{said}: {_vintage_said(con, key, vintage, originated)} is one the vintage rule left out of "
                "development and holdouts, an input there being recorded after the outcome (the model card's "
                "split notes name them; check loan_features_no_leakage)")
    config = run.get("config") or {}
    scheme = run.get("split_scheme")
    if vintage is not None and scheme == "out_of_time_vintage" and int(vintage) > int(config["oot_holdout_to"]):
        return (f"{said}: {_vintage_said(con, key, vintage, originated)} is after the out-of-time window (train "
                f"on vintages <= {config['oot_train_until']}, holdout {config['oot_holdout_from']}-"
                f"{config['oot_holdout_to']}; later vintages are not used)")
    if landed is not None and not flagged:
        return f"{said}: it had no outcome (default flag) when this version trained, so it could neither train nor judge it"
    from risk_assets.lib.ml.training import in_time_subsample  # torch: imported only where a trace needs it

    if held and (drawn := in_time_subsample(run)) is not None:
        # a later loan is held out (never subsampled), an undated one unused: only an in-time one is drawn
        if scheme == "out_of_time_vintage" and vintage is not None and 0 <= int(vintage) <= int(config["oot_train_until"]):
            in_time = (f"{_vintage_said(con, key, vintage, originated)} is in time (train on vintages <= "
                       f"{config['oot_train_until']}), but it was ")
        elif (scheme == "out_of_time_date" and originated is not None) or scheme == "stratified_random":
            in_time = "labelled and in time, it was "
        else:
            return said
        pool, kept = drawn
        return (f"{said}: {in_time}not drawn into the {kept:,} in-time loans subsampled (stratified) from "
                f"{pool:,} for this version to bound CPU training time (the model card's split notes)")
    return said


def _features_of(con: duckdb.DuckDBPyConnection, key: str) -> tuple[bool, int | None, object]:
    """(whether marts.loan_features holds the loan, its vintage, its origination date); None where
    the table or the column is missing or the value NULL."""
    columns = (table_columns(con, "marts.loan_features") or {}) if table_exists(con, "marts.loan_features") else {}
    if not columns:
        return False, None, None
    vintage = "any_value(vintage)" if "vintage" in columns else "NULL"
    originated = "any_value(origination_date)" if "origination_date" in columns else "NULL"
    held, vintage, originated = con.execute(
        f"SELECT count(*) > 0, {vintage}, {originated} FROM marts.loan_features WHERE loan_key = ?", [key]).fetchone()
    return bool(held), vintage, originated


def _vintage_said(con: duckdb.DuckDBPyConnection, key: str, vintage: int, originated: object) -> str:
    """'its vintage 1985 (for this tape ApprovalFY, a fiscal year running October-September ...;
    originated 1984-10-01)': what the vintage is for the format of the file the loan last landed
    from (`loan_formats.vintage_definition`), when it is a built-in one; else 'its vintage 1985'."""
    (fmt,) = con.execute(
        "SELECT any_value(f.format ORDER BY r._ingested_at DESC) FROM raw.loans AS r "
        "JOIN raw.landed_files AS f ON f.sha256 = r._file_sha256 AND f.domain = 'loans' WHERE r.loan_key = ?",
        [key]).fetchone() \
        if table_exists(con, "raw.landed_files") else (None,)
    try:
        definition = vintage_definition(builtin_mapping(fmt)) if fmt else None
    except KeyError:  # a declared mapping's format: its vintage is what the mapping maps
        definition = None
    if definition is None:
        return f"its vintage {vintage}"
    dated = f"; originated {originated}" if originated is not None else ""
    return f"its vintage {vintage} (for {fmt} tapes: {definition}{dated})"


def _run_record(artifact: str | None) -> dict:
    """The run record of an artifact's meta.json; {} when it cannot be read (deleted)."""
    try:
        return (load_meta(Path(artifact)).get("run") or {}) if artifact else {}
    except (OSError, ValueError):
        return {}


def _role_by_key(con: duckdb.DuckDBPyConnection, model: str, version: str, key: str) -> str | None:
    """The loan `key`'s role in `version` by that key alone: trained on, held out (which split), or None."""
    if table_exists(con, "ml.model_training_loans") and con.execute(
            "SELECT count(*) FROM ml.model_training_loans WHERE model = ? AND version = ? AND loan_key = ?",
            [model, version, key]).fetchone()[0]:
        return "in-sample: this version trained on the loan"
    if table_exists(con, "ml.model_holdouts") and (split := con.execute(
            "SELECT min(split) FROM ml.model_holdouts WHERE model = ? AND version = ? AND loan_key = ?",
            [model, version, key]).fetchone()[0]):
        return f"held out: one of the loans this version was measured on ({split})"
    return None


def _unscored_why(con: duckdb.DuckDBPyConnection, key: str) -> str:
    """Why a loan in the features has no score: its portfolio's reason (`pd_lake.unscored_reason`:
    never trained, training refused and why, retired, ...) once the model tables exist."""
    if not (table_exists(con, "ml.model_registry") and table_exists(con, "ml.model_metrics")):
        return "no model trained in this lake yet"
    from risk_assets.lib.ml.pd_lake import unscored_reason

    (portfolio,) = con.execute("SELECT any_value(portfolio) FROM raw.loans WHERE loan_key = ?", [key]).fetchone()
    return unscored_reason(con, portfolio)
