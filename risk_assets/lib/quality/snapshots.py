"""Loans that a portfolio's newest tape no longer carries.

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
            WHERE NOT EXISTS (SELECT 1 FROM dated AS d
                              WHERE d.portfolio = e.portfolio AND d.loan_key = e.loan_key
                                AND d.snapshot_date = e.last_date AND d.default_flag IS NOT NULL)
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
    rows_checked = con.execute(
        f"""
        SELECT count(DISTINCT (portfolio, loan_key)) FROM {table}
        WHERE source_loan_id IS NOT NULL AND snapshot_date IS NOT NULL
        """
    ).fetchone()[0]

    def span(first, last) -> str:
        return f"{first}" if first == last else f"{first} to {last}"

    rules = [
        {"rule": RULE, "column": "loan_key", "success": False, "failing": count,
         "detail": (f"{portfolio}: {count:,} of the {compared:,} loans of the {span(first, last)} "
                    f"snapshot{'' if first == last else 's'}, open when last seen (no outcome), are not in the "
                    f"{newest} snapshot ({files}): paid off, sold, charged off or lost in the export? The tapes do "
                    f"not say, so they stay open in the book: {', '.join(keys)}"
                    + (" ..." if count > len(keys) else ""))}
        for portfolio, first, last, newest, count, keys, files, compared in found
    ]
    if not rules:
        rules = [{"rule": RULE, "column": "loan_key", "success": True, "failing": 0,
                  "detail": "every loan open when last seen is in its portfolio's newest snapshot"}]
    observed = ("; ".join(f"{p}: {n:,} open loan(s) of {span(first, last)} missing from {new}"
                          for p, first, last, new, n, *_ in found)
                if found else f"every loan open when last seen is in the newest snapshot ({rows_checked} loans with "
                              "ids and as-of dates)")
    return CheckOutcome(check=CHECK, asset="raw_loans", success=not found, severity=WARN,
                        observed=observed, rules=rules, rows_checked=rows_checked)
