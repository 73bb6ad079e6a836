"""Loans that reach the features without their origination terms.

`marts.loan_features` carries each origination term forward from the loan's earlier versions
(a monthly performance tape maps statuses, not the amount the origination file gave). A loan whose
origination record never reached staging (quarantined at landing, a Freddie Mac credit score 9999
say, or never landed) is known only from its later rows: it still enters the features and is
scored, from NULL terms. `missing_origination_terms` names such loans, so that a PD computed
without the loan's amount, rate or date is not taken for one computed with them.
"""

from __future__ import annotations

import duckdb

from risk_assets.lib.quality.outcome import WARN, CheckOutcome

CHECK = "loan_features_origination_terms"
RULE = "origination_terms_missing"
TERMS = ("loan_amount", "origination_date")
"""The terms whose absence marks a loan without its origination record: every built-in format and
every mapping's `required` essentials fill them on the origination row."""

LISTED = 10
"""Loans named per portfolio in the check's detail; the count covers them all."""


def missing_origination_terms(con: duckdb.DuckDBPyConnection, table: str = "marts.loan_features") -> CheckOutcome:
    """Loans of `table` with none of TERMS (no amount, no origination date), in a portfolio whose
    other loans carry at least one of them (a mapping that maps neither is said in its files' notes,
    `targets_not_mapped`, and is not repeated here for every loan).

    Returns a WARN outcome (rows_checked = loans in `table`): per portfolio with such loans, one
    failed rule with their count and up to LISTED loan keys, each followed by the file its latest
    version came from; nothing is quarantined (the loan's origination row, if it landed, already is:
    `risk-assets loan <key>` shows it).
    """
    rows_checked = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    absent = " AND ".join(f"f.{term} IS NULL" for term in TERMS)
    present = " OR ".join(f"{term} IS NOT NULL" for term in TERMS)
    found = con.execute(
        f"""
        WITH termed AS (SELECT DISTINCT portfolio FROM {table} WHERE {present}),
        missing AS (
            SELECT f.portfolio, f.loan_key,
                   (SELECT regexp_extract(s._source_file, '[^/]+$')
                    FROM staging.stg_loans s WHERE s.loan_key = f.loan_key
                    ORDER BY s.snapshot_version DESC LIMIT 1) AS file
            FROM {table} f JOIN termed USING (portfolio)
            WHERE {absent}
        )
        SELECT portfolio, count(*) AS loans,
               list(loan_key || coalesce(' (' || file || ')', '') ORDER BY loan_key)[1:{LISTED}] AS named
        FROM missing GROUP BY portfolio ORDER BY portfolio
        """
    ).fetchall()
    rules = [
        {"rule": RULE, "column": ", ".join(TERMS), "success": False, "failing": loans,
         "detail": (f"{loans:,} {portfolio} loan(s) in the features have no {' and no '.join(TERMS)} in any version: "
                    f"their origination record is quarantined or never landed, so they are scored from later "
                    f"rows alone; {', '.join(named)}{' ...' if loans > len(named) else ''} "
                    f"(risk-assets loan <key> shows each one's quarantined values)")}
        for portfolio, loans, named in found
    ] or [{"rule": RULE, "column": ", ".join(TERMS), "success": True, "failing": 0,
           "detail": "every loan in the features has its origination terms"}]
    total = sum(loans for _, loans, _ in found)
    observed = (f"{total:,} loan(s) without origination terms: "
                + "; ".join(f"{portfolio} {loans:,}" for portfolio, loans, _ in found)
                if found else f"every loan has its origination terms ({rows_checked:,} loans checked)")
    return CheckOutcome(check=CHECK, asset="loan_features", success=not found, severity=WARN,
                        observed=observed, rules=rules, rows_checked=rows_checked)
