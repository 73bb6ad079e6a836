"""The verdict of one quality check and how it is recorded in the lake.

A check produces a `CheckOutcome`: success, severity, an observed value, and the failing rows as a
frame with the columns of `FAILURE_COLUMNS` (one row per failing value: record key, file, line,
column, rule, raw value). `record` writes the verdict to `quality.check_results` and the failing rows
to `quality.quarantine` (`record_verdict` writes a verdict alone, for checks that quarantine nothing), replacing the rows the same check wrote before, so that a re-run of a check
on the same data leaves the same quarantine (idempotent) instead of piling up copies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import duckdb
import pandas as pd

from risk_assets.lib.lake import transaction

FAILURE_COLUMNS = ("record_key", "source_file", "file_sha256", "line", "column_name", "rule", "raw_value", "message")
"""Columns of a failing-rows frame; they map one to one onto quality.quarantine."""

ERROR = "ERROR"
"""Severity of a structural failure: downstream assets must not run."""
WARN = "WARN"
"""Severity of row-level failures: the rows are quarantined and the rest of the table goes on."""


def empty_failures() -> pd.DataFrame:
    """A failing-rows frame with no rows (0 x len(FAILURE_COLUMNS))."""
    return pd.DataFrame({name: pd.Series([], dtype="object") for name in FAILURE_COLUMNS})


@dataclass
class CheckOutcome:
    """Result of one check on one table.

    Attributes:
        check: check name (e.g. `raw_loans_values`), also the quarantine `asset` of its rows.
        asset: the asset checked (e.g. `raw_loans`).
        success: False when any rule failed.
        severity: ERROR (structural, blocks downstream) or WARN (row-level, rows quarantined).
        observed: one-line summary of what was measured.
        failures: failing rows, columns FAILURE_COLUMNS (k rows x 8).
        rules: per rule: {"rule", "column", "success", "failing", "unit", "detail"}; the details JSON.
            `unit` (singular: "value", "loan", "column", "vintage", "footer total") is what `failing`
            counts; the markdown shows the two together ('22 vintages').
        rows_checked: rows of the table the check read.
    """

    check: str
    asset: str
    success: bool
    severity: str
    observed: str
    failures: pd.DataFrame = field(default_factory=empty_failures)
    rules: list[dict[str, Any]] = field(default_factory=list)
    rows_checked: int = 0

    @property
    def failing_count(self) -> int:
        """Failing values (rows of `failures`); a structural failure without rows counts its rules."""
        if len(self.failures):
            return len(self.failures)
        return sum(1 for rule in self.rules if not rule["success"])

    @property
    def failing_unit(self) -> str:
        """What `failing_count` counts: "values" (quarantined values) or "rules" (a structural failure)."""
        return "values" if len(self.failures) else "rules"

    @property
    def failed_rules(self) -> list[dict[str, Any]]:
        return [rule for rule in self.rules if not rule["success"]]

    def details(self) -> dict[str, Any]:
        """JSON-ready details: rows checked, every rule's verdict and a sample of failing rows."""
        return {
            "rows_checked": self.rows_checked,
            "failing_unit": self.failing_unit,
            "rules": self.rules,
            "failing_sample": sample_records(self.failures),
        }

    def markdown(self, limit: int = 20) -> str:
        """Failed rules (each detail whole) and a sample of failing rows as markdown tables (for the
        Dagster UI), each row with its file's name and line. The sample takes a few rows of every failed
        rule (`sample_by_rule`): the first 20 of 811 rows were all of one rule, and with a fill from the
        largest rule 19 of 20 still were; every row is on the `quarantine` asset's page."""
        lines = [f"**{self.observed}**", ""]
        if self.failed_rules:
            lines += ["| rule | column | failing | detail |", "|---|---|---|---|"]
            lines += [
                f"| {r['rule']} | {r['column'] or ''} | {failing_said(r)} | {_cell(r['detail'], whole=True)} |"
                for r in self.failed_rules
            ]
            lines.append("")
        if len(self.failures):
            shown = sample_by_rule(self.failures, limit)
            lines.append(f"Failing rows ({len(shown):,} of {len(self.failures):,}"
                         + (f", up to {shown['rule'].value_counts().max()} of each rule" if len(shown) < len(self.failures) else "")
                         + "; every one with its file, line and rule: the `quarantine` asset):")
            lines.append("")
            lines.append("| record_key | file | line | column | rule | raw value |")
            lines.append("|---|---|---|---|---|---|")
            for row in shown.itertuples(index=False):  # the file by name: a line number alone names no row
                file = str(row.source_file).replace("\\", "/").rsplit("/", 1)[-1] if _cell(row.source_file) else ""
                lines.append(
                    f"| {_cell(row.record_key)} | {_cell(file)} | {_cell(row.line)} | {_cell(row.column_name)} "
                    f"| {row.rule} | {_cell(row.raw_value)} |"
                )
        return "\n".join(lines)


CELL_CHARS = 80
"""Characters of a failing row's value shown in a markdown cell; longer ones end in '…'."""


def _cell(value: Any, whole: bool = False) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    text = str(value).replace("|", "\\|").replace("\n", " ")
    return text if whole or len(text) <= CELL_CHARS else text[:CELL_CHARS - 1] + "…"


SAMPLE_PER_RULE = 5
"""Failing rows of one rule in a check's sample: a few of each rule, none of one crowding out the rest."""


def sample_by_rule(failures: pd.DataFrame, limit: int, per_rule: int = SAMPLE_PER_RULE) -> pd.DataFrame:
    """At most `limit` failing rows: the first `per_rule` of each rule (fewer when `limit` does not
    allow that many for every rule, at least one each while `limit` lasts), rules in their order of
    appearance. Nothing fills the rest of `limit`: 810 rows of one rule and 1 of another give 5 + 1
    rows, not 19 + 1. Rows keep their order in `failures`."""
    rules = failures["rule"].to_numpy()
    share = max(1, min(per_rule, limit // max(1, len(set(rules)))))
    taken: dict[str, int] = {}
    picked = []
    for position, rule in enumerate(rules):  # each rule's first `share` rows
        if taken.get(rule, 0) < share and len(picked) < limit:
            taken[rule] = taken.get(rule, 0) + 1
            picked.append(position)
    return failures.iloc[picked]


def sample_records(failures: pd.DataFrame, limit: int = 20) -> list[dict[str, Any]]:
    """At most `limit` failing rows, every rule among them (`sample_by_rule`), as JSON-ready dicts (NaN -> None)."""
    sample = sample_by_rule(failures, limit).astype(object)
    return sample.where(sample.notna(), None).to_dict(orient="records")


def record(con: duckdb.DuckDBPyConnection, outcome: CheckOutcome, run_id: str | None) -> None:
    """Write `outcome` to quality.check_results (one row) and its failing rows to quality.quarantine.

    Quarantine rows previously written under the same check name are replaced, in one transaction.
    """
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    with transaction(con):
        con.execute("DELETE FROM quality.quarantine WHERE asset = ?", [outcome.check])
        if len(outcome.failures):
            rows = outcome.failures.loc[:, list(FAILURE_COLUMNS)].astype(object)
            rows = rows.where(rows.notna(), None)
            rows["line"] = [None if v is None else int(v) for v in rows["line"]]
            rows["raw_value"] = [None if v is None else str(v) for v in rows["raw_value"]]
            con.register("_failures", rows)
            con.execute(
                """
                INSERT INTO quality.quarantine
                    (asset, source_file, file_sha256, line, record_key, column_name, rule, raw_value,
                     message, run_id, quarantined_at)
                SELECT ?, source_file, file_sha256, line, record_key, column_name, rule, raw_value,
                       message, ?, ?
                FROM _failures
                """,
                [outcome.check, run_id, now],
            )
            con.unregister("_failures")
        record_verdict(con, outcome.check, outcome.asset, run_id, outcome.success, outcome.severity,
                       outcome.observed, outcome.failing_count, outcome.details(), now)


def failing_said(rule: dict[str, Any]) -> str:
    """A rule's failing count with its unit, plural unless it is 1: '1 column', '22 vintages',
    '2,204 values'; the bare count for a rule recorded without a unit."""
    count = rule["failing"]
    if not rule.get("unit"):
        return f"{count:,}"
    return f"{count:,} {rule['unit']}" + ("" if count == 1 else "s")


def record_verdict(con: duckdb.DuckDBPyConnection, check: str, asset: str, run_id: str | None, success: bool,
                   severity: str, observed: str, failing_count: int, details: dict[str, Any],
                   evaluated_at: datetime | None = None, failing_unit: str | None = None) -> None:
    """Write one verdict to quality.check_results, for any check (data checks through `record`; model
    gates and score coverage directly, so that the overview's open issues list them too). `details`
    is stored as JSON, with `failing_unit` (what failing_count counts, plural: "values", "rules",
    "models", "loans") as its key "failing_unit" when given; `evaluated_at` defaults to now (UTC)."""
    if failing_unit is not None:
        details = {**details, "failing_unit": failing_unit}
    con.execute(
        """
        INSERT INTO quality.check_results
            (check_name, asset, run_id, success, severity, observed_value, failing_count, details, evaluated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [check, asset, run_id, success, severity, observed, failing_count, json.dumps(details, default=str),
         evaluated_at or datetime.now(timezone.utc).replace(tzinfo=None)],
    )
