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
    """Per portfolio whose loans carry ids and as-of dates, the open loans of its previous snapshot
    that its newest snapshot lacks.

    The newest snapshot is the latest `snapshot_date` of the portfolio, the previous one the date
    before it; a loan is open when its row in the previous snapshot has no default flag (not repaid,
    not defaulted: `Current`, late). Loans the portfolio's newest tape lacks that were already closed
    (a default flag, 0 or 1) have their outcome and are not named.

    Returns a WARN outcome (rows_checked = loans of the previous snapshots compared): per portfolio
    with such loans, one failed rule naming both snapshots and the newest tape's file, the count and
    up to LISTED loan keys; nothing is quarantined: the loans' rows are right, the tape is silent.
    """
    if not table_exists(con, table):
        return CheckOutcome(check=CHECK, asset="raw_loans", success=True, severity=WARN,
                            observed="no loans landed", rows_checked=0)
    found = con.execute(
        f"""
        WITH dated AS (
            SELECT * FROM {table} WHERE source_loan_id IS NOT NULL AND snapshot_date IS NOT NULL
        ),
        ranked AS (
            SELECT portfolio, snapshot_date, dense_rank() OVER (PARTITION BY portfolio ORDER BY snapshot_date DESC) AS age
            FROM (SELECT DISTINCT portfolio, snapshot_date FROM dated)
        ),
        newest AS (SELECT portfolio, snapshot_date FROM ranked WHERE age = 1),
        previous AS (SELECT portfolio, snapshot_date FROM ranked WHERE age = 2),
        open_before AS (
            SELECT DISTINCT d.portfolio, d.loan_key, p.snapshot_date AS previous_date
            FROM dated AS d JOIN previous AS p USING (portfolio, snapshot_date)
            WHERE d.default_flag IS NULL
        ),
        compared AS (
            SELECT DISTINCT d.portfolio, d.loan_key FROM dated AS d JOIN previous AS p USING (portfolio, snapshot_date)
        ),
        missing AS (
            SELECT o.* FROM open_before AS o
            WHERE NOT EXISTS (SELECT 1 FROM dated AS d JOIN newest AS n USING (portfolio, snapshot_date)
                              WHERE d.portfolio = o.portfolio AND d.loan_key = o.loan_key)
        )
        SELECT m.portfolio, any_value(m.previous_date), any_value(n.snapshot_date), count(*),
               list(m.loan_key ORDER BY m.loan_key)[1:{LISTED}],
               (SELECT string_agg(DISTINCT regexp_extract(d._source_file, '[^/]+$'), ', ')
                FROM dated AS d WHERE d.portfolio = m.portfolio AND d.snapshot_date = any_value(n.snapshot_date)),
               (SELECT count(*) FROM compared AS c WHERE c.portfolio = m.portfolio)
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
    rules = [
        {"rule": RULE, "column": "loan_key", "success": False, "failing": count,
         "detail": (f"{portfolio}: {count:,} of the {compared:,} loans of the {previous} snapshot, open then (no "
                    f"outcome), are not in the {newest} snapshot ({files}): paid off, sold, charged off or lost in "
                    f"the export? The tape does not say, so they stay open in the book: {', '.join(keys)}"
                    + (" ..." if count > len(keys) else ""))}
        for portfolio, previous, newest, count, keys, files, compared in found
    ]
    if not rules:
        rules = [{"rule": RULE, "column": "loan_key", "success": True, "failing": 0,
                  "detail": "every open loan of a portfolio's previous snapshot is in its newest"}]
    observed = ("; ".join(f"{p}: {n:,} open loan(s) of {prev} missing from {new}" for p, prev, new, n, *_ in found)
                if found else f"every open loan of a previous snapshot is in the newest ({rows_checked} loans with "
                              "ids and as-of dates)")
    return CheckOutcome(check=CHECK, asset="raw_loans", success=not found, severity=WARN,
                        observed=observed, rules=rules, rows_checked=rows_checked)
