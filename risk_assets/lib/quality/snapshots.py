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
        {"rule": RULE, "column": "loan_key", "success": False, "failing": count,
         "detail": (f"{portfolio}: {count:,} of the {compared:,} loans seen before the {newest} snapshot "
                    f"({files}) are not in it, open when last seen (no outcome) in the {span(first, last)} "
                    f"snapshot{'' if first == last else 's'}: paid off, sold, charged off or lost in the export? The "
                    f"tapes do not say, so they stay open in the book: {', '.join(keys)}"
                    + (" ..." if count > len(keys) else ""))}
        for portfolio, first, last, newest, count, keys, files, compared in found
    ]
    if not rules:
        rules = [{"rule": RULE, "column": "loan_key", "success": True, "failing": 0,
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


def outcome_reversed(con: duckdb.DuckDBPyConnection, table: str = "raw.loans") -> CheckOutcome:
    """Per portfolio whose loans carry ids and as-of dates, the loans whose outcome a later snapshot
    reverses: repaid (default flag 0) in one tape and defaulted (1) in a later one, or defaulted
    then repaid.

    An outcome is final in the lake's terms, so a reversal is a bounced payoff, a recovery booked as
    a repayment, or an error in one of the tapes; the features take the later tape's flag, and the
    PD model learns it, without a word unless this check names it. The rows are read as staging
    reads them (rows a check on raw_loans quarantined left out); rows of one snapshot that disagree
    are conflicting duplicates (raw_loans_unique_per_snapshot), not an outcome. A loan reversed more
    than once counts in the direction of its latest reversal.

    Returns a WARN outcome (rows_checked = loans with ids and as-of dates): per portfolio with such
    loans, one failed rule with the count of each direction, the first reversal's snapshots and the
    later tape's file, and up to LISTED loan keys; nothing is quarantined.
    """
    if not table_exists(con, table) or not table_exists(con, "quality.quarantine"):
        return CheckOutcome(check=REVERSED_CHECK, asset="raw_loans", success=True, severity=WARN,
                            observed="no loans landed", rows_checked=0)
    found = con.execute(
        f"""
        WITH kept AS (  -- as staging reads them: rows a check on raw_loans quarantined are out
            SELECT r.* FROM {table} AS r
            WHERE r.source_loan_id IS NOT NULL AND r.snapshot_date IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM quality.quarantine AS q
                              WHERE q.file_sha256 = r._file_sha256 AND q.line = r._source_line
                                AND NOT starts_with(q.asset, 'stg_'))
        ),
        outcomes AS (  -- one outcome per loan and snapshot; rows of a snapshot that disagree are no outcome
            SELECT portfolio, loan_key, snapshot_date, any_value(default_flag) AS default_flag,
                   min(regexp_extract(_source_file, '[^/]+$')) AS file
            FROM kept GROUP BY portfolio, loan_key, snapshot_date
            HAVING count(DISTINCT coalesce(default_flag, -1)) = 1 AND any_value(default_flag) IS NOT NULL
        ),
        steps AS (
            SELECT *, lag(default_flag) OVER w AS before_flag, lag(snapshot_date) OVER w AS before_date
            FROM outcomes WINDOW w AS (PARTITION BY portfolio, loan_key ORDER BY snapshot_date)
        ),
        reversed AS (  -- a loan reversed more than once counts by its latest reversal
            SELECT portfolio, loan_key, arg_max(before_flag, snapshot_date) AS before_flag,
                   min(snapshot_date) AS first_date, arg_min(before_date, snapshot_date) AS first_before,
                   arg_min(file, snapshot_date) AS first_file
            FROM steps WHERE before_flag <> default_flag GROUP BY portfolio, loan_key
        )
        SELECT portfolio, count(*) FILTER (WHERE before_flag = 0), count(*) FILTER (WHERE before_flag = 1),
               arg_min(first_before, first_date), min(first_date), arg_min(first_file, first_date),
               list(loan_key ORDER BY loan_key)[1:{LISTED}], count(*)
        FROM reversed GROUP BY portfolio ORDER BY portfolio
        """
    ).fetchall()
    rows_checked = _dated_loans(con, table)
    rules = [
        {"rule": REVERSED_RULE, "column": "default_flag", "success": False, "failing": count,
         "detail": (f"{portfolio}: {count:,} loan(s) whose outcome a later tape reverses ({to_default:,} repaid then "
                    f"defaulted, {to_repaid:,} defaulted then repaid; the first from the {before} snapshot to the "
                    f"{after} one, {file}): a bounced payoff, a recovery booked as a repayment, or an error in a "
                    f"tape? The features take the later tape's outcome: {', '.join(keys)}"
                    + (" ..." if count > len(keys) else ""))}
        for portfolio, to_default, to_repaid, before, after, file, keys, count in found
    ]
    if not rules:
        rules = [{"rule": REVERSED_RULE, "column": "default_flag", "success": True, "failing": 0,
                  "detail": "no loan's outcome is reversed by a later snapshot"}]
    observed = ("; ".join(f"{p}: {n:,} loan(s) repaid then defaulted, {m:,} defaulted then repaid"
                          for p, n, m, *_ in found)
                if found else f"no outcome reversed by a later snapshot ({rows_checked:,} loans with ids and as-of dates)")
    return CheckOutcome(check=REVERSED_CHECK, asset="raw_loans", success=not found, severity=WARN,
                        observed=observed, rules=rules, rows_checked=rows_checked)
