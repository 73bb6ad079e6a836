"""Loans that reach the features without their origination terms, or with terms a later tape restates.

`marts.loan_features` takes each origination term from the loan's earliest version that gives it
(a monthly performance tape maps statuses, not the amount the origination file gave). A loan whose
origination record never reached staging (quarantined at landing, a Freddie Mac credit score 9999
say, or never landed) is known only from its later rows: it still enters the features and is
scored, from NULL terms. `missing_origination_terms` names such loans, so that a PD computed
without the loan's amount, rate or date is not taken for one computed with them.

A later version that gives another value of an origination term is either a bureau field the
servicer refreshes (a FICO at default: information from after origination, which a PD model must
not learn) or a correction of the first file. The features keep the first value either way, and
`restated_origination_terms` names the loans and terms, so that a correction is seen and its
first file withdrawn.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache

import duckdb
import yaml

from risk_assets.lib.home import DBT_DIR

from risk_assets.lib.quality.outcome import WARN, CheckOutcome

CHECK = "loan_features_origination_terms"
RULE = "origination_terms_missing"
TERMS = ("loan_amount", "origination_date")
"""The terms whose absence marks a loan without its origination record: every built-in format and
every mapping's `required` essentials fill them on the origination row."""

LISTED = 10
"""Loans named per portfolio in the check's detail; the count covers them all."""

RESTATED_CHECK = "loan_features_origination_restated"
RESTATED_RULE = "origination_term_restated"


@cache
def origination_terms() -> tuple[str, ...]:
    """The origination terms of marts.loan_features: the dbt project variable `origination_terms`
    (dbt/dbt_project.yml), which the mart's SQL reads too."""
    with open(DBT_DIR / "dbt_project.yml", encoding="utf-8") as f:
        return tuple(yaml.safe_load(f)["vars"]["origination_terms"])


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
        {"rule": RULE, "column": ", ".join(TERMS), "success": False, "failing": loans, "unit": "loan",
         "detail": (f"{loans:,} {portfolio} loan(s) in the features have no {' and no '.join(TERMS)} in any version: "
                    f"their origination record is quarantined or never landed, so they are scored from later "
                    f"rows alone; {', '.join(named)}{' ...' if loans > len(named) else ''} "
                    f"(risk-assets loan <key> shows each one's quarantined values)")}
        for portfolio, loans, named in found
    ] or [{"rule": RULE, "column": ", ".join(TERMS), "success": True, "failing": 0, "unit": "loan",
           "detail": "every loan in the features has its origination terms"}]
    total = sum(loans for _, loans, _ in found)
    observed = (f"{total:,} loan(s) without origination terms: "
                + "; ".join(f"{portfolio} {loans:,}" for portfolio, loans, _ in found)
                if found else f"every loan has its origination terms ({rows_checked:,} loans checked)")
    return CheckOutcome(check=CHECK, asset="loan_features", success=not found, severity=WARN,
                        observed=observed, rules=rules, rows_checked=rows_checked)


def restated_origination_terms(con: duckdb.DuckDBPyConnection) -> CheckOutcome:
    """Loans of staging.stg_loans (rows a check on staging quarantined left out, as the mart leaves
    them out) with an origination term (`origination_terms`) that two of their versions give
    different values of.

    Returns a WARN outcome (rows_checked = loans with more than one version): per portfolio with such
    loans, one failed rule with their count, the loans per term, and up to LISTED loans, each with its
    first restated term as first value -> latest value and the file of the latest. Nothing is
    quarantined: the features keep the first value (the one known at origination).
    """
    terms = origination_terms()
    rows_checked = con.execute(
        "SELECT count(*) FROM (SELECT loan_key FROM staging.stg_loans GROUP BY loan_key HAVING count(*) > 1)").fetchone()[0]
    found = con.execute(
        f"""
        WITH kept AS (
            SELECT s.* FROM staging.stg_loans s
            ANTI JOIN quality.quarantine q ON q.file_sha256 = s._file_sha256 AND q.line = s._source_line
        ),
        versioned AS (
            SELECT loan_key, portfolio, snapshot_version, regexp_extract(_source_file, '[^/]+$') AS file,
                   {", ".join(f"CAST({term} AS VARCHAR) AS {term}" for term in terms)}
            FROM kept WHERE loan_key IN (SELECT loan_key FROM kept GROUP BY loan_key HAVING count(*) > 1)
        ),
        values_ AS (UNPIVOT versioned ON {", ".join(terms)} INTO NAME term VALUE value)
        SELECT portfolio, loan_key, term, arg_min(value, snapshot_version) AS first, arg_max(value, snapshot_version) AS latest,
               arg_max(file, snapshot_version) AS file
        FROM values_ GROUP BY portfolio, loan_key, term
        HAVING count(DISTINCT value) > 1
        ORDER BY portfolio, loan_key
        """
    ).fetchall()
    by_portfolio: dict[str, dict[str, list[tuple[str, str, str, str]]]] = defaultdict(lambda: defaultdict(list))
    for portfolio, loan_key, term, first, latest, file in found:
        by_portfolio[portfolio][loan_key].append((term, first, latest, file))
    rules = []
    for portfolio, loans in by_portfolio.items():
        per_term: dict[str, int] = defaultdict(int)
        for restated in loans.values():
            for term, *_ in restated:
                per_term[term] += 1
        named = []
        for loan_key in list(loans)[:LISTED]:
            term, first, latest, file = min(loans[loan_key], key=lambda r: terms.index(r[0]))
            named.append(f"{loan_key} {term} {first} -> {latest} ({file})")
        rules.append({
            "rule": RESTATED_RULE, "column": ", ".join(sorted(per_term, key=terms.index)), "success": False,
            "failing": len(loans), "unit": "loan",
            "detail": (f"{len(loans):,} {portfolio} loan(s) have an origination term that a later tape gives another "
                       f"value of ({', '.join(f'{t} {n:,}' for t, n in sorted(per_term.items(), key=lambda x: terms.index(x[0])))}); "
                       f"the features keep the first value, the one known at origination: "
                       f"{', '.join(named)}{' ...' if len(loans) > len(named) else ''}. A bureau field the servicer "
                       "refreshes is expected to differ; a correction of the first file is not taken: withdraw the "
                       "first file (risk-assets withdraw <file>) and the corrected value becomes the first"),
        })
    if not rules:
        rules = [{"rule": RESTATED_RULE, "column": ", ".join(terms), "success": True, "failing": 0, "unit": "loan",
                  "detail": "no later version restates an origination term"}]
    total = sum(len(loans) for loans in by_portfolio.values())
    observed = (f"{total:,} loan(s) with origination terms a later tape restates (the first value kept): "
                + "; ".join(f"{portfolio} {len(loans):,}" for portfolio, loans in by_portfolio.items())
                if by_portfolio else f"no origination term restated ({rows_checked:,} loans with later versions checked)")
    return CheckOutcome(check=RESTATED_CHECK, asset="loan_features", success=not by_portfolio, severity=WARN,
                        observed=observed, rules=rules, rows_checked=rows_checked)
