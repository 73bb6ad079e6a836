"""Duplicate loan rows in raw.loans: exact duplicates, conflicting duplicates, re-deliveries.

A loan's *snapshot* is its tape's snapshot_date, or the landed file (sha256) when the tape has no
as-of date. Within one (loan_key, snapshot):

- rows with the same values in every canonical column are *exact duplicates*: staging keeps one
  and counts them (`duplicate_count`);
- rows whose values differ are *conflicting duplicates*: nobody can tell which one is true, so all
  of them are quarantined (rule `conflicting_duplicate`) and left out of staging.

The same loan in a later snapshot is a re-delivery: a new snapshot version, not a new loan.
`dbt/models/staging/stg_loans.sql` applies the same definitions (SNAPSHOT_SQL, ROW_HASH_SQL).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from risk_assets.lib.lake import LINEAGE_COLUMNS
from risk_assets.lib.quality.outcome import FAILURE_COLUMNS, WARN, CheckOutcome

SNAPSHOT_SQL = "coalesce(cast(snapshot_date AS VARCHAR), _file_sha256)"
"""The snapshot a raw loan row belongs to: its as-of date, else its landed file."""

ROW_HASH_SQL = f"md5(to_json(row(*columns(* EXCLUDE ({', '.join(LINEAGE_COLUMNS)})))))"
"""md5 over every canonical column (lineage excluded): equal hashes = an exact duplicate."""

RULE = "conflicting_duplicate"


def conflicting_duplicates(con: duckdb.DuckDBPyConnection, table: str = "raw.loans") -> CheckOutcome:
    """Find conflicting duplicates in `table` (a raw.loans-shaped table); count exact duplicates.

    Returns a WARN outcome whose failures hold one row per conflicting raw row: record_key = loan
    key, the file and line, column_name = the columns whose values differ within the group,
    raw_value = this row's values of those columns.
    """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _loan_hashes AS
        SELECT loan_key, {SNAPSHOT_SQL} AS snapshot, {ROW_HASH_SQL} AS row_hash,
               _source_file, _source_line, _file_sha256
        FROM {table}
        """
    )
    totals = con.execute(
        """
        SELECT count(*) AS rows_checked,
               count(*) - count(DISTINCT (loan_key, snapshot, row_hash)) AS exact_duplicates
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
        ORDER BY t.loan_key, t._source_file, t._source_line
        """
    ).df()
    con.execute("DROP TABLE _loan_hashes")
    failures = _failure_rows(conflicts)
    rows_checked, exact = int(totals[0]), int(totals[1])
    loans = failures["record_key"].nunique() if len(failures) else 0
    return CheckOutcome(
        check="raw_loans_unique_per_snapshot",
        asset="raw_loans",
        success=not len(failures),
        severity=WARN,
        observed=(
            f"{loans} loans with conflicting rows in one snapshot ({len(failures)} rows quarantined); "
            f"{exact} exact duplicate rows collapsed in staging; {rows_checked} rows checked"
        ),
        failures=failures,
        rules=[
            {"rule": RULE, "column": "loan_key", "success": not len(failures), "failing": len(failures),
             "detail": "same loan_key and snapshot, different values"},
            {"rule": "exact_duplicate", "column": "loan_key", "success": True, "failing": 0,
             "detail": f"{exact} rows (collapsed and counted in stg_loans)"},
        ],
        rows_checked=rows_checked,
    )


def _failure_rows(conflicts: pd.DataFrame) -> pd.DataFrame:
    if conflicts.empty:
        return pd.DataFrame(columns=list(FAILURE_COLUMNS))
    value_columns = [c for c in conflicts.columns if c not in (*LINEAGE_COLUMNS, "snapshot")]
    rows = []
    for _, group in conflicts.groupby(["loan_key", "snapshot"], sort=False):
        differing = [c for c in value_columns if group[c].astype(str).nunique() > 1]
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
                    "message": f"loan {row['loan_key']} has {len(group)} different rows in snapshot {row['snapshot']}",
                }
            )
    return pd.DataFrame(rows, columns=list(FAILURE_COLUMNS))
