"""Run a table's suites against the lake: read with DuckDB, validate the pandas frame with GX.

Reading strategy (the SBA tape alone is 899k rows): the column set and types are properties of the
table, so they are validated on DuckDB's catalog (one row per column), not on the rows; key rules
(not null, unique) read only the key columns of every row; value rules read only the columns they
name, of every row, so every failing row is found and quarantined.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable

import duckdb
import pandas as pd

from risk_assets.lib.quality.expectations import Rule, run_rules
from risk_assets.lib.quality.outcome import ERROR, WARN, CheckOutcome
from risk_assets.lib.quality import source_terms, suites
from risk_assets.lib.schema import Column

LINEAGE_READ = ("_source_file", "_source_line", "_file_sha256")


@dataclass(frozen=True)
class TableSuite:
    """The suites of one table: its name in the lake, its asset, its key, and both rule lists."""

    table: str
    asset: str
    key_column: str
    structure: Callable[[], suites.Structure]
    values: Callable[[], list[Rule]]


SUITES: dict[str, TableSuite] = {
    "raw_loans": TableSuite("raw.loans", "raw_loans", "loan_key",
                            lambda: suites.loan_structure(staged=False), suites.loan_value_rules),
    "stg_loans": TableSuite("staging.stg_loans", "stg_loans", "loan_key",
                            lambda: suites.loan_structure(staged=True), suites.loan_value_rules),
    "raw_news": TableSuite("raw.news", "raw_news", "doc_id",
                           lambda: suites.news_structure(staged=False), suites.news_value_rules),
    "stg_news": TableSuite("staging.stg_news", "stg_news", "doc_id",
                           lambda: suites.news_structure(staged=True), suites.news_value_rules),
}


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """Column names of `table`, in order.

    Raises:
        LookupError: the table does not exist (the message names it).
    """
    schema, name = table.split(".")
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
        "ORDER BY ordinal_position",
        [schema, name],
    ).fetchall()
    if not rows:
        raise LookupError(f"table {table} does not exist in the lake")
    return [r[0] for r in rows]


def _read(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> pd.DataFrame:
    if not columns:  # none of the wanted columns exist: the column_present rule reports that
        return pd.DataFrame(index=range(int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])))
    select = ", ".join(f'"{c}"' for c in columns)
    return con.execute(f"SELECT {select} FROM {table}").df()


def _rule_columns(rule: Rule) -> list[str]:
    names = [rule.kwargs[k] for k in ("column", "column_A", "column_B") if k in rule.kwargs]
    names += list(rule.kwargs.get("column_list", []))
    return names + (["portfolio"] if rule.portfolio else [])


def catalog_frame(con: duckdb.DuckDBPyConnection, table: str, columns: tuple[Column, ...]) -> pd.DataFrame:
    """One row per contract column: column_name, expected_type, data_type (NULL when missing).

    Shape: len(columns) rows x 3. Types are DuckDB's catalog names (VARCHAR, DOUBLE, DATE, ...).
    """
    schema, name = table.split(".")
    actual = dict(
        con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ?",
            [schema, name],
        ).fetchall()
    )
    return pd.DataFrame(
        {
            "column_name": [c.name for c in columns],
            "expected_type": [c.sql_type for c in columns],
            "data_type": pd.Series([actual.get(c.name) for c in columns], dtype="object"),
        }
    )


def structural_check(con: duckdb.DuckDBPyConnection, suite: TableSuite) -> CheckOutcome:
    """Contract columns present with their declared types (from DuckDB's catalog) and key rules on
    every row, reading only the key columns (severity ERROR: downstream must not run on failure).

    Missing or mistyped columns are listed in the rule details (not quarantined: they are not rows);
    rows with a null or repeated key are quarantined.

    Raises:
        LookupError: the table does not exist.
    """
    present = table_columns(con, suite.table)
    structure = suite.structure()
    check = f"{suite.asset}_schema"
    columns = catalog_frame(con, suite.table, structure.columns)
    catalog = run_rules(columns, suites.CATALOG_RULES,
                        check=check, asset=suite.asset, severity=ERROR, key_column="column_name")
    types = columns.set_index("column_name")
    for rule in catalog.rules:
        bad = catalog.failures.loc[catalog.failures["rule"] == rule["rule"], "record_key"]
        if len(bad):
            rule["detail"] = "; ".join(
                f"{name} is {types.at[name, 'data_type'] or 'missing'}, declared {types.at[name, 'expected_type']}"
                for name in bad
            )
    catalog.failures = catalog.failures.iloc[0:0]
    key_columns = sorted({c for r in structure.key_rules for c in _rule_columns(r)} & set(present))
    keys = run_rules(_read(con, suite.table, [*key_columns, *(c for c in LINEAGE_READ if c in present and c not in key_columns)]),
                     structure.key_rules, check=check, asset=suite.asset, severity=ERROR,
                     key_column=suite.key_column)
    rows = int(con.execute(f"SELECT count(*) FROM {suite.table}").fetchone()[0])
    return _merge(check, suite.asset, ERROR, [catalog, keys], rows)


def values_check(con: duckdb.DuckDBPyConnection, suite: TableSuite, as_of: date) -> CheckOutcome:
    """Row-level rules on every row, reading only the columns they name (severity WARN).

    A loan table's failing rows name the file's column and the value as the file writes it
    (`source_terms.in_source_terms`), and where the loans held out are of one outcome out of
    proportion (`source_terms.label_selective`) the observation ends with the sentence saying so."""
    present = set(table_columns(con, suite.table))
    rules = suite.values()
    wanted = {c for r in rules for c in _rule_columns(r)} | {suite.key_column, "snapshot_date", *LINEAGE_READ}
    frame = _read(con, suite.table, sorted((wanted - {suites.AS_OF}) & present))
    outcome = run_rules(suites.with_as_of(frame, as_of), rules, check=f"{suite.asset}_values",
                        asset=suite.asset, severity=WARN, key_column=suite.key_column)
    if suite.key_column == "loan_key" and len(outcome.failures):
        outcome.failures = source_terms.in_source_terms(con, outcome.failures)
        if {"portfolio", "default_flag"} <= present and (
                selective := source_terms.label_selective(con, suite.table, outcome.failures["record_key"].dropna()
                                                          .unique().tolist())):
            outcome.observed = f"{outcome.observed}; {selective}"
    return outcome


def _merge(check: str, asset: str, severity: str, parts: list[CheckOutcome], rows: int) -> CheckOutcome:
    rules = [rule for part in parts for rule in part.rules]
    failures = pd.concat([p.failures for p in parts], ignore_index=True)
    failed = [r["rule"] for r in rules if not r["success"]]
    observed = (
        f"{len(rules)} structural {'rule' if len(rules) == 1 else 'rules'} passed on {rows:,} rows"
        if not failed
        else f"{len(failed)} of {len(rules)} structural rules failed: {', '.join(failed)}"
    )
    return CheckOutcome(check=check, asset=asset, success=not failed, severity=severity, observed=observed,
                        failures=failures, rules=rules, rows_checked=rows)
