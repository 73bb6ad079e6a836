"""Loans that a portfolio's newest tape no longer carries, and outcomes a later tape reverses.

A servicer's monthly tape lists the loans it still services. A loan that was on last month's tape
and is not on this month's has left the book somehow (paid off, sold, charged off and moved to a
recovery system, or lost in the export), and the tape does not say how: the lake keeps the loan in
its last known state, an open loan with no outcome, in every later figure. `missing_from_newest`
names such loans, so that the lender can say what became of them (a tape that lists closed loans
with their final status, or a mapping of the closing file) instead of the book counting them open.
"""

from __future__ import annotations

import duckdb

from risk_assets.lib.lake import table_exists
from risk_assets.lib.quality.duplicates import SNAPSHOT_SQL
from risk_assets.lib.quality.outcome import WARN, CheckOutcome

CHECK = "raw_loans_missing_from_newest"
RULE = "loan_missing_from_newest_tape"
LISTED = 10
"""Loans named per portfolio in the check's detail; the count covers them all."""


def _dated_loans(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Loans (portfolio, loan key) with an id and an as-of date: what both checks compare."""
    return con.execute(f"SELECT count(DISTINCT (portfolio, loan_key)) FROM {table} "
                       "WHERE source_loan_id IS NOT NULL AND snapshot_date IS NOT NULL").fetchone()[0]


NAMED_IN_SUMMARY = 3
"""Loans named in the one-line observation the run summary prints; the rule's detail names LISTED."""


def missing_from_newest(con: duckdb.DuckDBPyConnection, table: str = "raw.loans") -> CheckOutcome:
    """Per portfolio whose loans carry ids and as-of dates, the loans open when last seen that its
    newest snapshot lacks.

    The newest snapshot is the latest `snapshot_date` of the portfolio. A loan is named when its own
    latest snapshot is older than that and its row there has no default flag (not repaid, not
    defaulted: `Current`, late): it stays named in every later month until a tape gives its outcome,
    not only in the month it dropped off. Loans that were already closed (a default flag, 0 or 1)
    when last seen have their outcome and are not named.

    Returns a WARN outcome (rows_checked = loans with ids and as-of dates): per portfolio with such
    loans, one failed rule naming the snapshots they were last seen in, the newest snapshot and its
    file, the count and up to LISTED loan keys; nothing is quarantined: the loans' rows are right,
    the tape is silent.
    """
    if not table_exists(con, table):
        return CheckOutcome(check=CHECK, asset="raw_loans", success=True, severity=WARN,
                            observed="no loans landed", rows_checked=0)
    found = con.execute(
        f"""
        WITH dated AS (
            SELECT * FROM {table} WHERE source_loan_id IS NOT NULL AND snapshot_date IS NOT NULL
        ),
        newest AS (SELECT portfolio, max(snapshot_date) AS snapshot_date FROM dated GROUP BY portfolio),
        last_seen AS (
            SELECT portfolio, loan_key, max(snapshot_date) AS last_date FROM dated GROUP BY portfolio, loan_key
        ),
        earlier AS (
            SELECT l.portfolio, l.loan_key, l.last_date FROM last_seen AS l JOIN newest AS n USING (portfolio)
            WHERE l.last_date < n.snapshot_date
        ),
        missing AS (
            SELECT e.* FROM earlier AS e
            WHERE EXISTS (SELECT 1 FROM dated AS d  -- open then (rows that disagree: staging drops both)
                          WHERE d.portfolio = e.portfolio AND d.loan_key = e.loan_key
                            AND d.snapshot_date = e.last_date AND d.default_flag IS NULL)
        )
        SELECT m.portfolio, min(m.last_date), max(m.last_date), any_value(n.snapshot_date), count(*),
               list(m.loan_key ORDER BY m.loan_key)[1:{LISTED}],
               (SELECT string_agg(DISTINCT regexp_extract(d._source_file, '[^/]+$'), ', ')
                FROM dated AS d WHERE d.portfolio = m.portfolio AND d.snapshot_date = any_value(n.snapshot_date)),
               (SELECT count(DISTINCT d.loan_key) FROM dated AS d JOIN newest AS n2 USING (portfolio)
                WHERE d.portfolio = m.portfolio AND d.snapshot_date < n2.snapshot_date)
        FROM missing AS m JOIN newest AS n USING (portfolio)
        GROUP BY m.portfolio ORDER BY m.portfolio
        """
    ).fetchall()
    rows_checked = _dated_loans(con, table)

    def span(first, last) -> str:
        return f"{first}" if first == last else f"{first} to {last}"

    rules = [
        {"rule": RULE, "column": "loan_key", "success": False, "failing": count, "unit": "loan",
         "detail": (f"{portfolio}: {count:,} of the {compared:,} loans seen before the {newest} snapshot "
                    f"({files}) are not in it, open when last seen (no outcome) in the {span(first, last)} "
                    f"snapshot{'' if first == last else 's'}: paid off, sold, charged off or lost in the export? The "
                    f"tapes do not say, so they stay open in the book: {', '.join(keys)}"
                    + (" ..." if count > len(keys) else ""))}
        for portfolio, first, last, newest, count, keys, files, compared in found
    ]
    if not rules:
        rules = [{"rule": RULE, "column": "loan_key", "success": True, "failing": 0, "unit": "loan",
                  "detail": "every loan open when last seen is in its portfolio's newest snapshot"}]
    observed = ("; ".join(f"{p}: {n:,} open loan(s) of {span(first, last)} missing from {new} "
                          f"({', '.join(keys[:NAMED_IN_SUMMARY])}{', ...' if n > NAMED_IN_SUMMARY else ''})"
                          for p, first, last, new, n, keys, *_ in found)
                if found else f"every loan open when last seen is in the newest snapshot ({rows_checked:,} loans with "
                              "ids and as-of dates)")
    return CheckOutcome(check=CHECK, asset="raw_loans", success=not found, severity=WARN,
                        observed=observed, rules=rules, rows_checked=rows_checked)


REVERSED_CHECK = "raw_loans_outcome_reversed"
REVERSED_RULE = "outcome_reversed"
UNDATED_RULE = "undated_copy_disagrees"
TURNS = {"to_default": "repaid then defaulted", "to_repaid": "defaulted then repaid",
         "reopened": "settled then reported open again"}
"""The directions of a reversal, in the order the check counts them."""
STATE = {0: "repaid", 1: "defaulted", None: "open"}


def _kept(table: str) -> str:
    """The rows with ids as staging reads them: rows a check on raw_loans quarantined are out (not
    those of checks on staging itself, which staging keeps)."""
    return f"""kept AS (
            SELECT r.* FROM {table} AS r
            WHERE r.source_loan_id IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM quality.quarantine AS q
                              WHERE q.file_sha256 = r._file_sha256 AND q.line = r._source_line
                                AND NOT starts_with(q.asset, 'stg_'))
        )"""


def _reversals(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    """Per portfolio: the count of each direction of TURNS, the loan whose counted reversal is the
    earliest (its key, state before and after, both snapshots' dates, NULL for an undated file, the
    file or files whose row reverses and the file of the outcome reversed), up to LISTED loan keys
    and the count.

    A loan's snapshots are ranked as staging ranks them: dated ones by their as-of date, undated
    ones (each file its own snapshot) by landing time, then path. Undated files are compared with
    each other and dated snapshots with each other; where an undated file disagrees with a dated
    snapshot, `_undated_disagreements` names it."""
    return con.execute(
        f"""
        WITH {_kept(table)},
        outcomes AS (  -- one state per loan and snapshot: its outcome, or NULL (open); rows of a
                            -- snapshot that disagree on it are neither (raw_loans_unique_per_snapshot)
            SELECT portfolio, loan_key, any_value(snapshot_date) AS snapshot_date, min(_ingested_at) AS landed,
                   min(_source_file) AS path, any_value(default_flag) AS default_flag,
                   string_agg(DISTINCT regexp_extract(_source_file, '[^/]+$'), ' and '
                              ORDER BY regexp_extract(_source_file, '[^/]+$')) AS file
            FROM kept GROUP BY portfolio, loan_key, {SNAPSHOT_SQL}
            HAVING count(DISTINCT coalesce(default_flag, -1)) = 1
        ),
        steps AS (
            SELECT *, lag(default_flag) OVER w AS before_state,
                   last_value(default_flag IGNORE NULLS) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                       AS before_flag,
                   last_value(CASE WHEN default_flag IS NOT NULL THEN snapshot_date END IGNORE NULLS)
                       OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_date,
                   last_value(CASE WHEN default_flag IS NOT NULL THEN file END IGNORE NULLS)
                       OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_file,
                   row_number() OVER w AS step
            FROM outcomes
            WINDOW w AS (PARTITION BY portfolio, loan_key, snapshot_date IS NULL ORDER BY snapshot_date, landed, path)
        ),
        turns AS (  -- a settled outcome replaced by the other, or reported open by the next snapshot
            SELECT *, CASE WHEN default_flag IS NULL THEN 'reopened'
                           WHEN before_flag = 0 THEN 'to_default' ELSE 'to_repaid' END AS turn
            FROM steps
            WHERE (default_flag IS NOT NULL AND before_flag IS NOT NULL AND default_flag <> before_flag)
               OR (default_flag IS NULL AND before_state IS NOT NULL)
        ),
        reversed AS (  -- a loan reversed more than once counts by its latest reversal, and is quoted by it
            SELECT portfolio, loan_key, arg_max(turn, (snapshot_date IS NOT NULL, step)) AS turn,
                   arg_max({{'before_flag': before_flag, 'after_flag': default_flag, 'before_date': before_date,
                             'after_date': snapshot_date, 'file': file, 'before_file': before_file}},
                           (snapshot_date IS NOT NULL, step)) AS quoted,
                   max((snapshot_date IS NOT NULL, coalesce(snapshot_date, DATE '0001-01-01'),
                        CASE WHEN snapshot_date IS NULL THEN landed ELSE TIMESTAMP '0001-01-01' END)) AS latest
            FROM turns GROUP BY portfolio, loan_key
        )
        SELECT portfolio, count(*) FILTER (WHERE turn = 'to_default'), count(*) FILTER (WHERE turn = 'to_repaid'),
               count(*) FILTER (WHERE turn = 'reopened'),
               arg_min((loan_key, quoted.before_flag, quoted.after_flag, quoted.before_date, quoted.after_date,
                        quoted.file, quoted.before_file), (latest, loan_key)),
               list(loan_key ORDER BY loan_key)[1:{LISTED}], count(*)
        FROM reversed GROUP BY portfolio ORDER BY portfolio
        """
    ).fetchall()


def _undated_disagreements(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    """Per portfolio: loans whose row in an undated file disagrees with a dated snapshot's on the
    outcome (both settled) or the amount, with the first such loan (its key, both files, the
    snapshot and both values) and up to LISTED keys."""
    return con.execute(
        f"""
        WITH {_kept(table)},
        undated AS (
            SELECT *, regexp_extract(_source_file, '[^/]+$') AS file FROM kept WHERE snapshot_date IS NULL
        ),
        dated AS (
            SELECT *, regexp_extract(_source_file, '[^/]+$') AS file FROM kept WHERE snapshot_date IS NOT NULL
        ),
        differ AS (
            SELECT u.portfolio, u.loan_key, u.file AS undated_file, d.file AS dated_file, d.snapshot_date,
                   CASE WHEN u.default_flag <> d.default_flag THEN 'outcome' ELSE 'amount' END AS term,
                   CASE WHEN u.default_flag <> d.default_flag THEN u.default_flag ELSE u.loan_amount END AS undated_value,
                   CASE WHEN u.default_flag <> d.default_flag THEN d.default_flag ELSE d.loan_amount END AS dated_value
            FROM undated AS u JOIN dated AS d USING (portfolio, loan_key)
            WHERE u.default_flag <> d.default_flag OR abs(u.loan_amount - d.loan_amount) >= 0.005
        )
        SELECT portfolio, count(DISTINCT loan_key),
               arg_min((loan_key, undated_file, dated_file, snapshot_date, term, undated_value, dated_value),
                       (loan_key, snapshot_date, term)),
               list(DISTINCT loan_key ORDER BY loan_key)[1:{LISTED}]
        FROM differ GROUP BY portfolio ORDER BY portfolio
        """
    ).fetchall()


KEEP_SAID = ' but keep a default (mapping "default_cured": "keep_default")'
"""How a reversal's detail says the book keeps a default a later tape cures."""


def default_kept_portfolios(con: duckdb.DuckDBPyConnection, table: str = "raw.loans") -> set[str]:
    """Portfolios of `table` with rows from a file read under a mapping's "default_cured":
    "keep_default" (the file's notes in raw.landed_files), whose features keep a default a later tape
    cures (marts.loan_features); empty without raw.landed_files."""
    if not table_exists(con, "raw.landed_files"):
        return set()
    return {row[0] for row in con.execute(
        f"""SELECT DISTINCT r.portfolio FROM {table} AS r JOIN raw.landed_files AS f
            ON f.sha256 = r._file_sha256 AND f.status = 'loaded'
            WHERE json_extract_string(f.notes, '$.default_cured') = 'keep_default'""").fetchall()}


def outcome_reversed(con: duckdb.DuckDBPyConnection, table: str = "raw.loans") -> CheckOutcome:
    """Per portfolio whose loans carry ids, the loans whose outcome a later snapshot reverses: repaid
    (default flag 0) in one tape and defaulted (1) in a later one, defaulted then repaid, or settled
    (either) then reported open again (Current, in grace, late); and the loans on which an undated
    file disagrees with a dated snapshot.

    An outcome is final in the lake's terms, so a reversal is a bounced payoff, a recovery booked as
    a repayment, or an error in one of the tapes. The features take the latest settled outcome: a
    later settled one replaces the earlier (unless the book's mapping says "default_cured":
    "keep_default": then a default stays; the message names the setting either way), and the PD model learns it, without a word unless this
    check names it; a tape that reports a settled loan open again does not erase its outcome (the
    label would be lost silently), and is named too. The rows are read as staging reads them (rows a
    check on raw_loans quarantined left out); rows of one snapshot that disagree are conflicting
    duplicates (raw_loans_unique_per_snapshot), not an outcome. A loan reversed more than once
    counts in the direction of its latest reversal, and the example quoted is the earliest of the
    counted reversals, with the file (or files of that snapshot) whose row reverses.

    Undated files (each its own snapshot) are ranked among themselves as staging ranks them, the
    one landed last the newer: two parts of a book landed together, or a re-delivery, that disagree
    on a settled outcome are a reversal too, quoted with both files (`acme:L0020 defaulted in
    acme_book_part1.csv, repaid in acme_book_part2.csv, both undated, ...`).

    An undated file (a re-delivery with no as-of date) cannot be placed among dated snapshots:
    staging ranks it before them, so a dated snapshot's settled outcome stands over its own, and
    its amount, as the first version's, over theirs. Each loan it disagrees on (both outcomes
    settled and different, or other amounts) is named with both files, so that no correction is
    taken or ignored unseen.

    Returns a WARN outcome (rows_checked = loans with ids, dated or not): per portfolio with such
    loans, one failed rule for reversals (each direction's count, the example, up to LISTED loan
    keys) and one for an undated file's disagreements; nothing is quarantined.
    """
    if not table_exists(con, table) or not table_exists(con, "quality.quarantine"):
        return CheckOutcome(check=REVERSED_CHECK, asset="raw_loans", success=True, severity=WARN,
                            observed="no loans landed", rows_checked=0)
    found = _reversals(con, table)
    undated = _undated_disagreements(con, table)
    rows_checked = con.execute(f"SELECT count(DISTINCT (portfolio, loan_key)) FROM {table} "
                               "WHERE source_loan_id IS NOT NULL").fetchone()[0]

    kept = default_kept_portfolios(con, table)

    def counts(to_default: int, to_repaid: int, reopened: int) -> str:
        return ", ".join(f"{n:,} {words}" for n, words in zip((to_default, to_repaid, reopened), TURNS.values()))

    def shown(term: str, value) -> str:
        return STATE[value] if term == "outcome" else f"amount {value:,.2f}"

    def turned(key, before, after, before_date, after_date, file, before_file) -> str:
        if after_date is None:  # two undated files: staging ranks them by landing
            return (f"{key} {STATE[before]} in {before_file}, {STATE[after]} in {file}, both undated, the one "
                    "landed last ranking newer")
        return f"{key} {STATE[before]} in the {before_date} snapshot, {STATE[after]} in the {after_date} one, {file}"

    rules = [
        {"rule": REVERSED_RULE, "column": "default_flag", "success": False, "failing": count, "unit": "loan",
         "detail": (f"{portfolio}: {count:,} loan(s) whose outcome a later tape reverses ({counts(a, b, c)}; the "
                    f"earliest: {turned(*example)}): a bounced payoff, a recovery booked as a repayment, or an error "
                    f"in a tape? The features take the latest settled outcome (a tape reporting the loan open keeps "
                    f"it){KEEP_SAID if portfolio in kept else ''}"
                    f": {', '.join(keys)}" + (" ..." if count > len(keys) else ""))}
        for portfolio, a, b, c, example, keys, count in found
    ] + [
        {"rule": UNDATED_RULE, "column": "default_flag, loan_amount", "success": False, "failing": count, "unit": "loan",
         "detail": (f"{portfolio}: {count:,} loan(s) on which an undated file disagrees with a dated snapshot (e.g. "
                    f"{key}: {shown(term, value)} in {undated_file}, {shown(term, dated_value)} in the {date} snapshot, "
                    f"{dated_file}). An undated file cannot be placed in time: it ranks before every dated snapshot, "
                    f"so their settled outcome stands over its own, and its amount over theirs. Date the re-delivery "
                    f"(an as-of marker in its name) or withdraw it: {', '.join(keys)}"
                    + (" ..." if count > len(keys) else ""))}
        for portfolio, count, (key, undated_file, dated_file, date, term, value, dated_value), keys in undated
    ]
    if not rules:
        rules = [{"rule": REVERSED_RULE, "column": "default_flag", "success": True, "failing": 0, "unit": "loan",
                  "detail": "no loan's outcome is reversed by a later snapshot"}]
    def cured(portfolio: str, to_repaid: int) -> str:  # what the features make of a default then repaid
        if not to_repaid:
            return ""
        if portfolio in kept:
            return ' (a default then repaid keeps its default: mapping "default_cured": "keep_default")'
        return (' (a default then repaid reads repaid: mapping "default_cured": "latest"; "keep_default" keeps '
                'the default)')

    observed = "; ".join([f"{p}: {a:,} loan(s) {counts(a, b, c).split(' ', 1)[1]}{cured(p, b)}"
                          for p, a, b, c, *_ in found]
                         + [f"{p}: {n:,} loan(s) an undated file disagrees on" for p, n, *_ in undated])
    if not observed:
        observed = (f"no outcome reversed by a later snapshot ({rows_checked:,} loans with ids, dated or not: "
                    "undated files ranked by landing)")
    return CheckOutcome(check=REVERSED_CHECK, asset="raw_loans", success=not (found or undated), severity=WARN,
                        observed=observed, rules=rules, rows_checked=rows_checked)
