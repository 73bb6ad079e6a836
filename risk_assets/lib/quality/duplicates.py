"""Duplicate loan rows in raw.loans: exact duplicates, conflicting duplicates, re-deliveries.

A loan's *snapshot* is its tape's snapshot_date, or the landed file (sha256) when the tape has no
as-of date. Within one (loan_key, snapshot):

- rows with the same values in every canonical column are *exact duplicates*: staging keeps one
  and counts them (`duplicate_count`); rows that differ only in the unmapped `source_fields` (a SQL
  join's fan-out, one row per collateral) are too, and the check counts them apart;
- rows whose values differ are *conflicting duplicates*: nobody can tell which one is true, so all
  of them are quarantined (rule `conflicting_duplicate`) and left out of staging. Rows whose ids
  differ only in leading zeros (`01` and `1`: one key, see `loan_formats.key_id`) differ in
  `source_loan_id`, so they are always conflicting, and the message names both ids as written.

The same loan in a later snapshot is a re-delivery: a new snapshot version, not a new loan.
`dbt/models/staging/stg_loans.sql` applies the same definitions (SNAPSHOT_SQL, ROW_HASH_SQL).

A tape without a loan id keys each loan by its file and line, so nothing above can see the same
loans arrive in a second file: they are new keys. `idless_repeats` looks for that case by the
loans' origination terms (ORIGINATION_COLUMNS) and warns; it sets nothing aside, because two
loans of a thin tape may share every term. Nor can the keys tell a line copied within one file
(a paste, a join's fan-out) from the loan it copies: `idless_repeats` names the id-less lines of
one file that are equal in every mapped value (MAPPED_SQL), and leaves them loaded too.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from risk_assets.lib.lake import LINEAGE_COLUMNS, table_exists
from risk_assets.lib.quality.outcome import FAILURE_COLUMNS, WARN, CheckOutcome
from risk_assets.lib.schema import LOAN_COLUMNS

SNAPSHOT_SQL = "coalesce(cast(snapshot_date AS VARCHAR), _file_sha256)"
"""The snapshot a raw loan row belongs to: its as-of date, else its landed file."""

ROW_HASH_SQL = f"md5(to_json(row(*columns(* EXCLUDE ({', '.join(LINEAGE_COLUMNS)}, source_fields)))))"
"""md5 over every canonical column (lineage and the unmapped `source_fields` excluded): equal hashes
= an exact duplicate. Rows that differ only in columns the mapping does not read (a SQL join's
fan-out, one row per collateral) are the same loan in every value the lake holds; they collapse,
and the check counts them (`FULL_HASH_SQL`)."""
FULL_HASH_SQL = f"md5(to_json(row(*columns(* EXCLUDE ({', '.join(LINEAGE_COLUMNS)})))))"
"""md5 over every canonical column and `source_fields`: tells rows that differ only in unmapped columns."""

RULE = "conflicting_duplicate"

IDLESS_REPEAT_RULE = "idless_repeat"
IDLESS_TWIN_RULE = "idless_repeat_in_file"
IDLESS_OVERLAP_RULE = "idless_overlap"
"""Rows of a later id-less file identical in every mapped value to rows of an earlier one, fewer than
REPEAT_SHARE of either file (two exports overlapping by a few rows): warned, each copy keeps its key."""
MAPPED_SQL = f"md5(to_json(row(*columns(* EXCLUDE ({', '.join(LINEAGE_COLUMNS)}, loan_key, source_fields)))))"
"""md5 over every value the mapping read (the canonical columns but the key, which holds the line of an
id-less loan): equal for two lines of one file that say the same thing, a line copied or two loans alike."""
TWINS_LISTED = 10
"""Groups of equal lines a file's rule lists by their line numbers; the rest are counted."""
CHANGING_COLUMNS = ("loan_key", "source_loan_id", "snapshot_date", "loan_status", "default_flag",
                    "chargeoff_date", "chargeoff_principal", "balance_gross", "source_fields")
"""Columns a later tape of the same loans may change (key, as-of date, status and outcome, the
unmapped source fields such as balances); every other canonical column is an origination term."""
ORIGINATION_COLUMNS = tuple(c.name for c in LOAN_COLUMNS if c.name not in CHANGING_COLUMNS)
"""The terms that identify an id-less loan across files: amount, term, rate, dates, borrower fields."""
REPEAT_SHARE = 0.5
"""A later id-less file is reported when the loans it repeats (same origination terms) of one earlier
file of the same portfolio are at least this share (0-1) of either file: a re-delivery, a corrected
copy, the next month's tape, or the whole file after a partial copy of it. Below it, matches are
what thin tapes share by chance."""


def conflicting_duplicates(con: duckdb.DuckDBPyConnection, table: str = "raw.loans") -> CheckOutcome:
    """Find conflicting duplicates in `table` (a raw.loans-shaped table); count exact duplicates.

    Returns a WARN outcome whose failures hold one row per conflicting raw row: record_key = loan
    key, the file and line, column_name = the columns whose values differ within the group,
    raw_value = this row's values of those columns.
    """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _loan_hashes AS
        SELECT loan_key, {SNAPSHOT_SQL} AS snapshot, {ROW_HASH_SQL} AS row_hash, {FULL_HASH_SQL} AS full_hash,
               _source_file, _source_line, _file_sha256
        FROM {table}
        """
    )
    totals = con.execute(
        """
        SELECT count(*) AS rows_checked,
               count(*) - count(DISTINCT (loan_key, snapshot, row_hash)) AS exact_duplicates,
               count(DISTINCT (loan_key, snapshot, full_hash)) - count(DISTINCT (loan_key, snapshot, row_hash))
                   AS unmapped_only
        FROM _loan_hashes
        """
    ).fetchone()
    conflicts = con.execute(
        f"""
        WITH groups AS (
            SELECT loan_key, snapshot FROM _loan_hashes
            GROUP BY ALL HAVING count(DISTINCT row_hash) > 1
        )
        SELECT t.*, h.snapshot
        FROM {table} t
        JOIN _loan_hashes h USING (loan_key, _file_sha256, _source_line)
        JOIN groups g ON g.loan_key = h.loan_key AND g.snapshot = h.snapshot
        ORDER BY t.loan_key, t._source_file, t._ingested_at, t._file_sha256, t._source_line
        """
    ).df()
    con.execute("DROP TABLE _loan_hashes")
    failures = _failure_rows(conflicts)
    rows_checked, exact, unmapped_only = int(totals[0]), int(totals[1]), int(totals[2])
    loans = failures["record_key"].nunique() if len(failures) else 0
    fan_out = (f" ({unmapped_only:,} of them differ only in unmapped columns, source_fields: a join's fan-out? "
               "staging keeps the first)" if unmapped_only else "")
    redelivered = _files_in_conflict(conflicts)
    return CheckOutcome(
        check="raw_loans_unique_per_snapshot",
        asset="raw_loans",
        success=not len(failures),
        severity=WARN,
        observed=(
            f"{loans:,} loans with conflicting rows in one snapshot ({len(failures):,} rows quarantined); "
            f"{exact:,} exact duplicate rows collapsed in staging{fan_out}; {rows_checked:,} rows checked"
            + (f"; {redelivered}" if redelivered else "")
        ),
        failures=failures,
        rules=[
            {"rule": RULE, "column": "loan_key", "success": not len(failures), "failing": len(failures), "unit": "row",
             "detail": "same loan_key and snapshot, different values"},
            {"rule": "exact_duplicate", "column": "loan_key", "success": True, "failing": 0, "unit": "row",
             "detail": f"{exact:,} rows (collapsed and counted in stg_loans){fan_out}"},
        ],
        rows_checked=rows_checked,
    )


def _files_in_conflict(conflicts: pd.DataFrame, shown: int = 3) -> str:
    """What to do when conflicting rows of a loan and snapshot come from two files or more (a
    corrected month delivered beside the first, both dated alike): the files, by the loans they
    disagree on, and the remedy; '' when every conflict lies within one file."""
    if conflicts.empty:
        return ""
    files = _files_of(conflicts)
    said, names = copies_said(files), {sha: name for name, sha, _ in files}
    order = {sha: n for n, (*_, sha) in enumerate(sorted(
        (name, pd.isna(landed), str(landed), sha) for name, sha, landed in files))}
    files = (conflicts.groupby(["loan_key", "snapshot"], dropna=False)["_file_sha256"]
             .agg(lambda shas: tuple(sorted(set(shas), key=order.__getitem__))))
    pairs = files[files.map(len) > 1].value_counts()
    if pairs.empty:
        return ""
    named = "; ".join(f"{' and '.join(said[sha] for sha in shas)} ({n:,} loan snapshots)"
                      for shas, n in pairs.head(shown).items())
    one_name = any(len({names[sha] for sha in shas}) < len(shas) for shas in pairs.index)
    return (f"files that disagree on the same loans and snapshot: {named}: a corrected delivery beside the first? "
            f"Withdraw the wrong one (risk-assets withdraw {'<sha256>' if one_name else '<file>'} --reason ...) "
            "and the other's rows stand")


def _files_of(rows: pd.DataFrame) -> list[tuple[str, str, object]]:
    """(file name, sha256, landing time) of each file of `rows` (raw.loans rows with their lineage);
    the landing time is the file's first `_ingested_at`."""
    files = (rows.assign(name=rows["_source_file"].astype(str).str.rsplit("/", n=1).str[-1])
             .groupby("_file_sha256", sort=True).agg(name=("name", "first"), landed=("_ingested_at", "min")))
    return [(str(row["name"]), str(sha), row["landed"]) for sha, row in files.iterrows()]


def copies_said(files: list[tuple[str, str, object]]) -> dict[str, str]:
    """How a message names each file of `files`, (file name, sha256, landing time UTC or None), by
    sha256: its name ('tape.csv'); or, when files of two sha256s have that name (a corrected tape saved
    over the landed one), the name, sha256 prefix, landing time and which landed first:
    'tape.csv (sha256 09742912a84e, landed 2024-12-07 14:16:02 UTC, the older)' ('the newer'; of three
    or more 'the oldest', 'the 2nd of 3 to land', ..., 'the newest')."""
    said: dict[str, str] = {}
    by_name: dict[str, dict[str, object]] = {}
    for name, sha, landed in files:  # one sha256 listed twice (landed as loans and as news): its first landing
        first = by_name.setdefault(name, {}).setdefault(sha, landed)
        if pd.isna(first) or (not pd.isna(landed) and landed < first):
            by_name[name][sha] = landed
    for name, landings in by_name.items():
        copies = sorted(landings.items(), key=lambda c: (pd.isna(c[1]), c[1] if not pd.isna(c[1]) else 0, c[0]))
        for rank, (sha, landed) in enumerate(copies, start=1):
            if len(copies) == 1:
                said[sha] = name
                continue
            age = (("the older" if rank == 1 else "the newer") if len(copies) == 2 else
                   "the oldest" if rank == 1 else "the newest" if rank == len(copies) else
                   f"the {rank}{'nd' if rank == 2 else 'rd' if rank == 3 else 'th'} of {len(copies)} to land")
            when = "" if pd.isna(landed) else f"landed {pd.Timestamp(landed):%Y-%m-%d %H:%M:%S} UTC, "
            said[sha] = f"{name} (sha256 {sha[:12]}, {when}{age})"
    return said


def _failure_rows(conflicts: pd.DataFrame) -> pd.DataFrame:
    if conflicts.empty:
        return pd.DataFrame(columns=list(FAILURE_COLUMNS))
    value_columns = [c for c in conflicts.columns if c not in (*LINEAGE_COLUMNS, "snapshot")]
    rows = []
    for _, group in conflicts.groupby(["loan_key", "snapshot"], sort=False):
        differing = [c for c in value_columns if group[c].astype(str).nunique() > 1]
        # '01' and '1' share key bank:1 (leading zeros are set aside for the key): name both as written
        written = sorted({str(i) for i in group["source_loan_id"] if isinstance(i, str)}) \
            if "source_loan_id" in group else []
        ids = f" (ids as written: {', '.join(repr(i) for i in written)})" if len(written) > 1 else ""
        versions = _row_versions(group, [c for c in value_columns if c != "source_fields"])
        where = _snapshot_said(group)
        for row in group.to_dict(orient="records"):
            rows.append(
                {
                    "record_key": row["loan_key"],
                    "source_file": row["_source_file"],
                    "file_sha256": row["_file_sha256"],
                    "line": row["_source_line"],
                    "column_name": ",".join(differing),
                    "rule": RULE,
                    "raw_value": ", ".join(f"{c}={row[c]}" for c in differing),
                    "message": f"loan {row['loan_key']} has {len(versions)} different versions in {where}{ids}: "
                               f"{'; '.join(versions)}",
                }
            )
    return pd.DataFrame(rows, columns=list(FAILURE_COLUMNS))


def _snapshot_said(group: pd.DataFrame) -> str:
    """The snapshot of one loan's conflicting rows (`group`) as a reader knows it: its as-of date
    ('snapshot 2024-04-01'), or, for a file without one (whose snapshot is its sha256), the file's
    name ('sba_quirks.csv (no as-of date: the file is its own snapshot)')."""
    snapshot = str(group["snapshot"].iloc[0])
    if snapshot != str(group["_file_sha256"].iloc[0]):
        return f"snapshot {snapshot}"
    name = str(group["_source_file"].iloc[0]).rsplit("/", 1)[-1]
    return f"{name} (no as-of date: the file is its own snapshot)"


def _row_versions(group: pd.DataFrame, value_columns: list[str]) -> list[str]:
    """The distinct versions of one loan and snapshot in `group` (its conflicting raw rows), in order
    of first appearance, each as the lines that carry it: ['lines 6 and 8', 'line 7']. Rows equal in
    every value column (an exact copy of a line) are one version. A line is named with its file's
    name when the group spans files ('tape_a.csv line 6'), and with `copies_said`'s sha256, landing time
    and age when two of them share a name."""
    said = copies_said(_files_of(group))
    files = group["_file_sha256"].astype(str).map(said)
    one_file = group["_file_sha256"].nunique() == 1
    by_version: dict[tuple[str, ...], list[str]] = {}
    for (_, row), name in zip(group.iterrows(), files, strict=True):
        where = f"{row['_source_line']}" if one_file else f"{name} line {row['_source_line']}"
        by_version.setdefault(tuple(str(row[c]) for c in value_columns), []).append(where)
    said = []
    for lines in by_version.values():
        joined = lines[0] if len(lines) == 1 else f"{', '.join(lines[:-1])} and {lines[-1]}"
        said.append((f"line{'s' if len(lines) > 1 else ''} {joined}" if one_file else joined)
                    + (" (the same row)" if len(lines) > 1 else ""))
    return said


def idless_repeats(con: duckdb.DuckDBPyConnection, table: str = "raw.loans",
                   share: float = REPEAT_SHARE) -> CheckOutcome:
    """Find id-less loan files that repeat the loans of an earlier file (`raw_loans_idless_repeats`).

    A row without `source_loan_id` is keyed `<portfolio>:<file sha256[:16]>:<line>`, so a second
    file with the same loans (a re-delivery, a corrected copy landed beside the first, next month's
    tape with new statuses) adds them again under new keys and every book figure counts them twice.
    Per later file (by landing time) and portfolio, the earlier file whose loans it repeats most is
    found by an md5 of ORIGINATION_COLUMNS; it is reported when the repeated loans are at least
    `share` (0-1) of either file's id-less loans: of the later file's (a re-delivery, next month's
    tape), or of the earlier file's (a partial copy landed before the whole file: all of the
    partial copy is repeated, though it is a small share of the whole).

    Within one file, id-less lines equal in every mapped value (MAPPED_SQL) are named too: a line
    copied by hand or by a join, which loads as a second loan under its own line's key, or two
    loans alike. They are left loaded, as the repeats across files are (which is a copy is for the
    lender to say), and training keeps both.

    Returns a WARN outcome: one failed rule per reported file (its name, the earlier file's, loans
    repeated of loans in the file, and the withdrawal that removes one copy), one per file holding
    equal lines (the groups' line numbers, TWINS_LISTED of them, failing = the lines beyond the
    first of each group); no failing rows, so nothing is quarantined. rows_checked = id-less rows.
    """
    rows_checked = con.execute(f"SELECT count(*) FROM {table} WHERE source_loan_id IS NULL").fetchone()[0]
    repeats = con.execute(
        f"""
        {_repeat_pairs_sql(table)}
        SELECT later_file, earlier_file, portfolio, repeated, later_loans, earlier_loans, later_sha, earlier_sha
        FROM reported ORDER BY later_landed, later_file
        """,
        [share],
    ).fetchall()
    repeats = [(*_versions(later, later_sha, earlier, earlier_sha), *counts, withdraw)
               for later, earlier, *counts, later_sha, earlier_sha in repeats
               for withdraw in [_withdraw_name(later, earlier, earlier_sha)]]
    rules = [
        {"rule": IDLESS_REPEAT_RULE, "column": "loan_key", "success": False, "failing": repeated, "unit": "loan",
         "detail": (f"{later} repeats {repeated:,} of its {loans:,} {portfolio} loans from {earlier} "
                    f"({earlier_loans:,} loans; same origination terms); without a loan id both copies count in the book (PD training keeps the later "
                    f"copy only). If it "
                    f"replaces the earlier file: risk-assets withdraw {withdraw}")}
        for later, earlier, portfolio, repeated, loans, earlier_loans, withdraw in repeats
    ]
    twins = _twins_in_file(con, table)
    rules += [
        {"rule": IDLESS_TWIN_RULE, "column": "loan_key", "success": False, "failing": extra, "unit": "line",
         "detail": (f"{_name(file)} holds {extra:,} id-less line(s) equal in every mapped value to an earlier line "
                    f"of it ({_groups(groups)}): each loads as a loan of its own; if a line was copied, correct the "
                    f"file and land it in place of this one (risk-assets withdraw {_name(file)})")}
        for file, extra, groups in twins
    ]
    overlaps = _overlaps(con, table, share)
    rules += [
        {"rule": IDLESS_OVERLAP_RULE, "column": "loan_key", "success": False, "failing": repeated, "unit": "loan",
         "detail": (f"{_name(later)} repeats {repeated:,} of its {later_loans:,} {portfolio} loans, identical in every "
                    f"mapped value, from {_name(earlier)} ({earlier_loans:,} loans): {_name(later)} "
                    f"{_ranges(later_lines)} = {_name(earlier)} {_ranges(earlier_lines)}; an overlapping export? "
                    f"Without a loan id both copies count in the book and in PD training (under {share:.0%} of "
                    f"either file, each copy keeps a key of its own). Withdraw the overlapping file "
                    f"(risk-assets withdraw {_name(later)}) and land it again without the repeated rows, "
                    f"or re-export both with loan ids")}
        for later, earlier, portfolio, repeated, later_loans, earlier_loans, later_lines, earlier_lines in overlaps
    ]
    if not rules:
        rules = [{"rule": IDLESS_REPEAT_RULE, "column": "loan_key", "success": True, "failing": 0, "unit": "loan",
                  "detail": f"no id-less file repeats {share:.0%} or more of its loans from an earlier file, "
                            "nor a row of one in every mapped value, nor a line of its own"}]
    found = []
    if repeats:
        found.append(f"{len(repeats)} id-less file(s) repeat the loans of an earlier file: "
                     + "; ".join(f"{r[0]} {r[3]:,} of {r[4]:,} from {r[1]} ({r[5]:,} loans)" for r in repeats))
    if overlaps:
        found.append(f"{len(overlaps)} id-less file(s) repeat rows of an earlier file in every mapped value: "
                     + "; ".join(f"{_name(o[0])} {_ranges(o[6])} = {_name(o[1])} {_ranges(o[7])} ({o[3]:,} rows)"
                                 for o in overlaps))
    if twins:
        found.append(f"{len(twins)} id-less file(s) repeat a line of their own: "
                     + "; ".join(f"{_name(file)} {_groups(groups)}" for file, _, groups in twins))
    observed = ". ".join(found) or (f"no id-less row repeats a row of an earlier file in every mapped value, nor an "
                                    f"earlier line of its own file ({rows_checked:,} id-less rows checked)")
    return CheckOutcome(check="raw_loans_idless_repeats", asset="raw_loans", success=not found, severity=WARN,
                        observed=observed, rules=rules, rows_checked=rows_checked)


def _twins_in_file(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, int, list[list[int]]]]:
    """Per loaded file (in landing order), its id-less lines equal in every mapped value (MAPPED_SQL):
    (file path, lines beyond the first of each group, the groups' line numbers in line order)."""
    return con.execute(
        f"""
        WITH idless AS (
            SELECT _file_sha256 AS sha, _source_file AS file, _ingested_at, _source_line, {MAPPED_SQL} AS mapped
            FROM {table} WHERE source_loan_id IS NULL
        ),
        groups AS (
            SELECT sha, any_value(file) AS file, min(_ingested_at) AS landed,
                   list(_source_line ORDER BY _source_line) AS lines
            FROM idless GROUP BY sha, mapped HAVING count(*) > 1
        )
        SELECT any_value(file), sum(len(lines) - 1)::INTEGER, list(lines ORDER BY lines[1])
        FROM groups GROUP BY sha ORDER BY min(landed), any_value(file)
        """
    ).fetchall()


def _overlaps(con: duckdb.DuckDBPyConnection, table: str,
              share: float) -> list[tuple[str, str, str, int, int, int, list[int], list[int]]]:
    """Id-less rows of a later file (by landing time) identical in every mapped value (MAPPED_SQL) to
    rows of an earlier file of the same portfolio, for the pairs of files that `_repeat_pairs_sql`
    does not report (fewer than `share` of either file: two exports that overlap by a few rows).
    Returns per pair, in landing order: (later file path, earlier file path, portfolio, later rows
    repeated, later file's id-less rows, earlier file's id-less rows, the later lines, the earlier
    lines they repeat), lines ascending."""
    return con.execute(
        f"""
        {_repeat_pairs_sql(table)},
        rows AS (
            SELECT portfolio, _file_sha256 AS sha, _source_line AS line, {MAPPED_SQL} AS mapped
            FROM {table} WHERE source_loan_id IS NULL
        ),
        matched AS (
            SELECT l.sha AS later_sha, e.sha AS earlier_sha, l.portfolio, l.line AS later_line, e.line AS earlier_line
            FROM rows AS l
            JOIN rows AS e ON e.portfolio = l.portfolio AND e.mapped = l.mapped AND e.sha <> l.sha
            JOIN files AS fl ON fl.sha = l.sha AND fl.portfolio = l.portfolio
            JOIN files AS fe ON fe.sha = e.sha AND fe.portfolio = e.portfolio
            WHERE (fe.landed, fe.file) < (fl.landed, fl.file)
              AND NOT EXISTS (SELECT 1 FROM reported AS r
                              WHERE r.later_sha = l.sha AND r.earlier_sha = e.sha AND r.portfolio = l.portfolio)
        )
        SELECT fl.file, fe.file, m.portfolio, count(DISTINCT m.later_line)::INTEGER, fl.loans::INTEGER,
               fe.loans::INTEGER, list(DISTINCT m.later_line ORDER BY m.later_line),
               list(DISTINCT m.earlier_line ORDER BY m.earlier_line)
        FROM matched AS m
        JOIN files AS fl ON fl.sha = m.later_sha AND fl.portfolio = m.portfolio
        JOIN files AS fe ON fe.sha = m.earlier_sha AND fe.portfolio = m.portfolio
        GROUP BY m.later_sha, m.earlier_sha, m.portfolio, fl.file, fe.file, fl.loans, fe.loans, fl.landed, fe.landed
        ORDER BY fl.landed, fl.file, fe.landed, fe.file
        """,
        [share],
    ).fetchall()


def _ranges(lines: list[int]) -> str:
    """Line numbers as runs: 'lines 47-61', 'line 5', 'lines 3, 7-9 and 12'; past TWINS_LISTED runs, how many more."""
    runs: list[list[int]] = []
    for line in sorted(lines):
        if runs and line == runs[-1][1] + 1:
            runs[-1][1] = line
        else:
            runs.append([line, line])
    said = [f"{a}" if a == b else f"{a}-{b}" for a, b in runs]
    head = "line" if len(lines) == 1 else "lines"
    if len(said) > TWINS_LISTED:
        return f"{head} {', '.join(said[:TWINS_LISTED])} and {len(said) - TWINS_LISTED:,} more runs"
    return f"{head} " + (said[0] if len(said) == 1 else f"{', '.join(said[:-1])} and {said[-1]}")


def _groups(groups: list[list[int]]) -> str:
    """'lines 12 and 22; lines 3, 9 and 14' for the first TWINS_LISTED groups, and how many more."""
    def lines(group: list[int]) -> str:
        return "lines " + (", ".join(map(str, group[:-1])) + f" and {group[-1]}")
    more = f"; {len(groups) - TWINS_LISTED:,} more" if len(groups) > TWINS_LISTED else ""
    return "; ".join(lines(group) for group in groups[:TWINS_LISTED]) + more


_TERMS_SQL = f"md5(to_json(row({', '.join(ORIGINATION_COLUMNS)})))"
"""md5 over a row's origination terms (ORIGINATION_COLUMNS): equal for two copies of one id-less loan."""


def _repeat_pairs_sql(table: str) -> str:
    """The WITH clause of the id-less repeats: CTE `idless` (portfolio, sha, file, loan_key, terms of
    each id-less row) and CTE `reported` (per later file and portfolio, the earlier file it repeats
    most, when the repeated loans are at least `?` (share, 0-1) of either file: later_sha,
    earlier_sha, portfolio, later_file, earlier_file, later_landed, repeated, later_loans,
    earlier_loans). One parameter: the share."""
    return f"""
        WITH idless AS (
            SELECT portfolio, _file_sha256 AS sha, _source_file AS file, _ingested_at, loan_key,
                   {_TERMS_SQL} AS terms
            FROM {table} WHERE source_loan_id IS NULL
        ),
        files AS (
            SELECT sha, portfolio, any_value(file) AS file, min(_ingested_at) AS landed, count(*) AS loans
            FROM idless GROUP BY sha, portfolio
        ),
        earlier_terms AS (SELECT DISTINCT portfolio, sha, terms FROM idless),
        pairs AS (
            SELECT later.sha AS later_sha, earlier.sha AS earlier_sha, later.portfolio, count(*) AS repeated
            FROM idless AS later
            JOIN earlier_terms AS earlier
              ON earlier.portfolio = later.portfolio AND earlier.terms = later.terms AND earlier.sha <> later.sha
            JOIN files AS fl ON fl.sha = later.sha AND fl.portfolio = later.portfolio
            JOIN files AS fe ON fe.sha = earlier.sha AND fe.portfolio = earlier.portfolio
            WHERE (fe.landed, fe.file) < (fl.landed, fl.file)
            GROUP BY ALL
        ),
        reported AS (
            SELECT p.later_sha, p.earlier_sha, p.portfolio, fl.file AS later_file, fe.file AS earlier_file,
                   fl.landed AS later_landed, p.repeated, fl.loans AS later_loans, fe.loans AS earlier_loans
            FROM pairs AS p
            JOIN files AS fl ON fl.sha = p.later_sha AND fl.portfolio = p.portfolio
            JOIN files AS fe ON fe.sha = p.earlier_sha AND fe.portfolio = p.portfolio
            WHERE p.repeated >= ? * least(fl.loans, fe.loans)
            QUALIFY row_number() OVER (PARTITION BY p.later_sha, p.portfolio ORDER BY p.repeated DESC, fe.file) = 1
        )
    """


def idless_copies(con: duckdb.DuckDBPyConnection, table: str = "raw.loans",
                  share: float = REPEAT_SHARE) -> dict[str, str]:
    """Id-less loans repeated in a later file: {loan key of an earlier copy: loan key of the copy kept}.

    The files `idless_repeats` reports, joined with the earlier files they repeat, form groups per
    portfolio (a tape re-delivered twice: its three files are one group). Within a group, rows with
    equal origination terms (ORIGINATION_COLUMNS) in two or more files are copies of one loan; the
    copy kept is the one in the latest-landed file (a re-delivery or next month's tape carries the
    newer outcome; a whole file landed after a partial copy of it, the whole), the smallest of its
    keys when that file holds the terms twice (two loans of a thin tape). Training leaves the
    earlier copies out, so a loan neither counts twice nor sits in the holdout as a copy of a loan
    the champion trained on (`pd_lake.drop_idless_copies`). {} when no file is reported or `table`
    does not exist."""
    if not table_exists(con, table):
        return {}
    pairs = con.execute(f"{_repeat_pairs_sql(table)} SELECT portfolio, later_sha, earlier_sha FROM reported",
                        [share]).fetchall()
    if not pairs:
        return {}
    group: dict[tuple[str, str], tuple[str, str]] = {}  # (portfolio, sha) -> its group's representative

    def find(node: tuple[str, str]) -> tuple[str, str]:
        while group.setdefault(node, node) != node:
            node = group[node]
        return node

    for portfolio, later, earlier in pairs:
        group[find((portfolio, later))] = find((portfolio, earlier))
    members = pd.DataFrame([(p, sha, "|".join(find((p, sha)))) for p, sha in list(group)],
                           columns=["group_portfolio", "group_sha", "file_group"])
    con.register("_repeat_groups", members)
    try:
        rows = con.execute(
            f"""
            WITH copies AS (
                SELECT g.file_group, r.loan_key, {_TERMS_SQL} AS terms, r._file_sha256 AS sha,
                       min(r._ingested_at) OVER (PARTITION BY r._file_sha256) AS landed, r._source_file AS file
                FROM {table} AS r
                JOIN _repeat_groups AS g ON g.group_portfolio = r.portfolio AND g.group_sha = r._file_sha256
                WHERE r.source_loan_id IS NULL
            ),
            ranked AS (
                SELECT *, dense_rank() OVER (PARTITION BY file_group, terms ORDER BY landed DESC, file DESC) AS age,
                       count(DISTINCT sha) OVER (PARTITION BY file_group, terms) AS files
                FROM copies
            )
            SELECT earlier.loan_key, min(kept.loan_key)
            FROM ranked AS earlier
            JOIN ranked AS kept ON kept.file_group = earlier.file_group AND kept.terms = earlier.terms AND kept.age = 1
            WHERE earlier.files > 1 AND earlier.age > 1
            GROUP BY earlier.loan_key
            """
        ).fetchall()
    finally:
        con.unregister("_repeat_groups")
    return dict(rows)

def _name(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def _versions(later: str, later_sha: str, earlier: str, earlier_sha: str) -> tuple[str, str]:
    """The two files' names for a message; each with its sha256 prefix when the names are the same
    (a corrected file saved over the landed one under its name: 'tape.csv (sha256 6c1c297c425e)'),
    or the message would name one file twice."""
    if _name(later) != _name(earlier):
        return _name(later), _name(earlier)
    return f"{_name(later)} (sha256 {later_sha[:12]})", f"{_name(earlier)} (sha256 {earlier_sha[:12]})"


def _withdraw_name(later: str, earlier: str, earlier_sha: str) -> str:
    """What `risk-assets withdraw` takes to withdraw the earlier file: its name, or its sha256
    prefix when the later file has the same name (the name then matches both)."""
    return earlier_sha[:12] if _name(later) == _name(earlier) else _name(earlier)


IDS_CHANGED_RULE = "ids_changed"
ID_CHANGE_TERMS = ("origination_date", "vintage", "loan_amount", "term_months", "int_rate", "installment", "grade",
                   "sub_grade", "purpose", "addr_state", "zip3", "home_ownership", "naics", "gross_approved",
                   "sba_approved", "franchise_code")
"""The terms fixed when a loan is booked, by which a renumbered loan is known again: not the
borrower fields a servicing tape refreshes every month (income, balances, utilisation, DTI)."""
_ID_TERMS_SQL = f"md5(to_json(row({', '.join(ID_CHANGE_TERMS)})))"


def ids_changed(con: duckdb.DuckDBPyConnection, table: str = "raw.loans",
                share: float = REPEAT_SHARE) -> CheckOutcome:
    """Find loan files whose loans are an earlier file's under other ids (`raw_loans_ids_changed`).

    A servicer that migrates its system renumbers its loans (`LN-000003` in May, `3` in June): the
    keys differ, so the June tape's loans are new loans to the lake, the book counts each twice and
    a loan can be both repaid (May's copy, never updated) and defaulted (June's). Per later file (by
    landing time) and portfolio, among files with loan ids, the earlier file is found whose loans
    have the same booking terms (ID_CHANGE_TERMS: not the fields a servicer refreshes monthly) under
    a key the earlier file does not hold; the file is reported when such loans are at least `share` (0-1) of
    either file's loans. Only portfolios with two or more files with ids are compared.

    Returns a WARN outcome: one failed rule per reported file (both file names, the loans matched,
    one pair of ids as written); no failing rows, nothing quarantined: which ids are right, and how
    the old map to the new, is for the lender to say. rows_checked = rows with an id in the
    portfolios compared.
    """
    if not table_exists(con, table):
        return CheckOutcome(check="raw_loans_ids_changed", asset="raw_loans", success=True, severity=WARN,
                            observed="no loans landed", rows_checked=0)
    found = con.execute(
        f"""
        WITH multi AS (
            SELECT portfolio FROM {table} WHERE source_loan_id IS NOT NULL
            GROUP BY portfolio HAVING count(DISTINCT _file_sha256) > 1
        ),
        keyed AS (
            SELECT portfolio, _file_sha256 AS sha, _source_file AS file, _ingested_at, loan_key, source_loan_id,
                   {_ID_TERMS_SQL} AS terms
            FROM {table} WHERE source_loan_id IS NOT NULL AND portfolio IN (SELECT portfolio FROM multi)
        ),
        files AS (
            SELECT sha, portfolio, any_value(file) AS file, min(_ingested_at) AS landed,
                   count(DISTINCT loan_key) AS loans
            FROM keyed GROUP BY sha, portfolio
        ),
        matched AS (
            SELECT later.sha AS later_sha, earlier.sha AS earlier_sha, later.portfolio,
                   count(DISTINCT later.loan_key) AS repeated,
                   min(earlier.source_loan_id || ' -> ' || later.source_loan_id) AS example
            FROM keyed AS later
            JOIN keyed AS earlier
              ON earlier.portfolio = later.portfolio AND earlier.terms = later.terms AND earlier.sha <> later.sha
                 AND earlier.loan_key <> later.loan_key
            JOIN files AS fl ON fl.sha = later.sha AND fl.portfolio = later.portfolio
            JOIN files AS fe ON fe.sha = earlier.sha AND fe.portfolio = earlier.portfolio
            WHERE (fe.landed, fe.file) < (fl.landed, fl.file)
              AND NOT EXISTS (SELECT 1 FROM keyed AS k WHERE k.sha = earlier.sha AND k.loan_key = later.loan_key)
            GROUP BY ALL
        )
        SELECT fl.file, fe.file, m.portfolio, m.repeated, fl.loans, fe.loans, m.example, fl.sha, fe.sha
        FROM matched AS m
        JOIN files AS fl ON fl.sha = m.later_sha AND fl.portfolio = m.portfolio
        JOIN files AS fe ON fe.sha = m.earlier_sha AND fe.portfolio = m.portfolio
        WHERE m.repeated >= ? * least(fl.loans, fe.loans)
        QUALIFY row_number() OVER (PARTITION BY m.later_sha, m.portfolio ORDER BY m.repeated DESC, fe.file) = 1
        ORDER BY fl.landed, fl.file
        """,
        [share],
    ).fetchall()
    rows_checked = con.execute(
        f"SELECT count(*) FROM {table} WHERE source_loan_id IS NOT NULL AND portfolio IN "
        f"(SELECT portfolio FROM {table} WHERE source_loan_id IS NOT NULL GROUP BY portfolio "
        "HAVING count(DISTINCT _file_sha256) > 1)").fetchone()[0]
    found = [(*_versions(later, later_sha, earlier, earlier_sha), *counts, _withdraw_name(later, earlier, earlier_sha))
             for later, earlier, *counts, later_sha, earlier_sha in found]
    rules = [
        {"rule": IDS_CHANGED_RULE, "column": "source_loan_id", "success": False, "failing": repeated, "unit": "loan",
         "detail": (f"{later} holds {repeated:,} of its {loans:,} {portfolio} loans with the booking terms "
                    f"of loans of {earlier} ({earlier_loans:,} loans) under other ids (e.g. {example}): if the "
                    "servicer renumbered its loans, each counts twice in the book and in training, its earlier copy "
                    "never updated; deliver the earlier months under the new ids (or the later under the old), "
                    f"then withdraw the other copy (risk-assets withdraw {withdraw})")}
        for later, earlier, portfolio, repeated, loans, earlier_loans, example, withdraw in found
    ]
    if not rules:
        rules = [{"rule": IDS_CHANGED_RULE, "column": "source_loan_id", "success": True, "failing": 0, "unit": "loan",
                  "detail": f"no file holds {share:.0%} or more of an earlier file's loans under other ids"}]
    observed = (f"{len(found)} file(s) hold an earlier file's loans under other ids: "
                + "; ".join(f"{r[0]} {r[3]:,} of {r[4]:,} from {r[1]} (e.g. {r[6]})" for r in found)
                if found else f"no file holds an earlier file's loans under other ids ({rows_checked:,} rows checked)")
    return CheckOutcome(check="raw_loans_ids_changed", asset="raw_loans", success=not found, severity=WARN,
                        observed=observed, rules=rules, rows_checked=rows_checked)
