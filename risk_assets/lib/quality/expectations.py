"""Run a list of rules as a great-expectations 1.x suite on a pandas frame.

GX 1.x flow (the one that works on this stack; GX's DuckDB SQL datasource is broken, so tables are
read with DuckDB and validated as pandas frames): ephemeral context -> pandas datasource ->
dataframe asset -> whole-dataframe batch definition -> batch with the frame as batch parameter ->
validate the suite. Setup is add-or-update: the datasource is re-created on every call
(`add_or_update_pandas` drops its old assets), the suite is `suites.add_or_update`, so a re-run in the
same process never fails with "datasource already exists".

Row-level expectations run with result format COMPLETE and a positional row id column, so every
failing row comes back and can be quarantined with its loan key / doc id, file and line.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from risk_assets.lib.quality.outcome import FAILURE_COLUMNS, CheckOutcome, empty_failures

ROW_ID = "_row"
"""Positional row id added to the validated frame; GX reports failing rows by it."""

DATASOURCE = "lake"


@dataclass(frozen=True)
class Rule:
    """One expectation with the name it is recorded under.

    Attributes:
        name: rule name written to quarantine and check_results (e.g. `int_rate_range`).
        expectation: GX expectation class name (e.g. `ExpectColumnValuesToBeBetween`).
        kwargs: keyword arguments of that expectation (column, bounds, value set, ...).
        portfolio: when set, only rows of this portfolio (or of these portfolios) are checked (GX
            row_condition): a vocabulary of the built-in formats is not imposed on a lender's own tape.
        why: the reason or source of the bounds, shown in the check's details.
        labels: how a derived column of a pair rule reads in a failing value ({"_as_of": "the as-of
            date"}); other columns read as their names.
    """

    name: str
    expectation: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    portfolio: str | tuple[str, ...] | None = None
    why: str = ""
    labels: dict[str, str] = field(default_factory=dict)

    def failing_pair(self, a: Any, b: Any, with_column_b: bool = True) -> str:
        """A failing value of a pair rule as it reads: for "A >= B", `column_B b after column_A a`
        (`disbursement_date 2028-06-18 after the as-of date 2026-12-06`; without the first name when
        `with_column_b` is False, the row naming its column already); otherwise `a / b`."""
        if self.expectation != "ExpectColumnPairValuesAToBeGreaterThanB":
            return f"{_readable(a)} / {_readable(b)}"
        name_a, name_b = (self.labels.get(self.kwargs[k], self.kwargs[k]) for k in ("column_A", "column_B"))
        return f"{name_b + ' ' if with_column_b else ''}{_readable(b)} after {name_a} {_readable(a)}"

    @property
    def column(self) -> str | None:
        return self.kwargs.get("column") or self.kwargs.get("column_B") or (
            ",".join(self.kwargs["column_list"]) if "column_list" in self.kwargs else None
        )

    def build(self) -> Any:
        """The GX expectation object for this rule."""
        import great_expectations as gx

        kwargs = dict(self.kwargs)
        if self.portfolio is not None:
            names = (self.portfolio,) if isinstance(self.portfolio, str) else self.portfolio
            kwargs["row_condition"] = " or ".join(f'portfolio=="{name}"' for name in names)
            kwargs["condition_parser"] = "pandas"
        return getattr(gx.expectations, self.expectation)(**kwargs, meta={"rule": self.name})


@functools.lru_cache(maxsize=1)
def _context() -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def run_rules(
    frame: pd.DataFrame,
    rules: list[Rule],
    *,
    check: str,
    asset: str,
    severity: str,
    key_column: str,
) -> CheckOutcome:
    """Validate `frame` (n rows x any columns) against `rules`; return the check's outcome.

    Rules whose columns the frame lacks are not run here: the table-columns rule of the structural
    suite reports missing columns. The failing rows name `key_column` (loan_key / doc_id) and the
    lineage columns `_source_file`, `_file_sha256`, `_source_line` when the frame has them. A failed
    check's `observed` counts the failing rows among the rows checked and the distinct keys among them
    (`records_said`): '1 of 39 rules failed on 168 of 5,796 rows (96 loans): chargeoff_not_after_as_of'
    for two monthly tapes of one book.

    Raises:
        RuntimeError: GX raised inside an expectation (the message names the rule).
    """
    context = _context()
    data = frame.reset_index(drop=True)
    data[ROW_ID] = range(len(data))
    runnable = [rule for rule in rules if _columns_present(rule, data)]
    skipped = [rule for rule in rules if rule not in runnable]

    import great_expectations as gx

    suite = context.suites.add_or_update(
        gx.ExpectationSuite(name=check, expectations=[rule.build() for rule in runnable])
    )
    source = context.data_sources.add_or_update_pandas(DATASOURCE)
    batch = source.add_dataframe_asset(check).add_batch_definition_whole_dataframe("whole").get_batch(
        batch_parameters={"dataframe": data}
    )
    result = batch.validate(
        suite, result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [ROW_ID]}
    )

    by_name = {rule.name: rule for rule in runnable}
    verdicts: list[dict[str, Any]] = []
    failing_frames: list[pd.DataFrame] = []
    failing_rows: set[int] = set()  # a row failing two rules is one row
    for res in result.results:
        rule = by_name[res.expectation_config.meta["rule"]]
        if res.exception_info.get("raised_exception"):
            raise RuntimeError(f"{check}: rule {rule.name} raised: {res.exception_info['exception_message']}")
        rows = [item[ROW_ID] for item in (res.result.get("unexpected_index_list") or [])]
        verdicts.append(_verdict(rule, res.success, res.result, data.iloc[rows]))
        if rows:
            failing_frames.append(_failing_rows(data.iloc[rows], rule, key_column))
            failing_rows.update(rows)
    verdicts += [
        {"rule": r.name, "column": r.column, "success": True, "failing": 0, "unit": "value",
         "detail": "column absent; not run"}
        for r in skipped
    ]
    failures = pd.concat(failing_frames, ignore_index=True) if failing_frames else empty_failures()
    success = all(v["success"] for v in verdicts)
    failed = [v["rule"] for v in verdicts if not v["success"]]
    records = failures["record_key"].nunique() if len(failures) else 0
    observed = (
        f"{len(verdicts)} {'rule' if len(verdicts) == 1 else 'rules'} passed on {len(data):,} rows"
        if success
        else f"{len(failed)} of {len(verdicts)} {'rule' if len(verdicts) == 1 else 'rules'} failed on "
        f"{len(failing_rows):,} of {len(data):,} rows ({records_said(records, key_column)}): {', '.join(failed)}"
    )
    return CheckOutcome(
        check=check,
        asset=asset,
        success=success,
        severity=severity,
        observed=observed,
        failures=failures,
        rules=verdicts,
        rows_checked=len(data),
    )


RECORD_NOUNS = {"loan_key": ("loan", "loans"), "doc_id": ("document", "documents"),
                "column_name": ("column", "columns")}
"""What a check's failing rows are counted by, per key column: a loan tape holds one row per loan and
snapshot, so 168 failing rows of two monthly tapes can be 96 loans."""


def records_said(count: int, key_column: str) -> str:
    """`count` distinct values of `key_column` with their noun: (96, "loan_key") -> '96 loans',
    (1, "doc_id") -> '1 document'; another key column counts 'records'."""
    one, many = RECORD_NOUNS.get(key_column, ("record", "records"))
    return f"{count:,} {one if count == 1 else many}"


def _columns_present(rule: Rule, data: pd.DataFrame) -> bool:
    names = [rule.kwargs[k] for k in ("column", "column_A", "column_B") if k in rule.kwargs]
    names += list(rule.kwargs.get("column_list", []))
    if rule.portfolio is not None:
        names.append("portfolio")
    return all(name in data.columns for name in names)


def _readable(value: Any) -> str:
    """A failing value as a reader writes it: numpy and pandas dates as ISO dates ('2028-06-18'),
    a pair of columns as 'a / b', other values as str()."""
    if isinstance(value, tuple):
        return " / ".join(_readable(v) for v in value)
    if isinstance(value, (np.datetime64, pd.Timestamp)):
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()
    return str(value)


DISTINCT_SHOWN = 5
"""Distinct failing values named in a rule's detail, the most frequent first."""


def distinct_values(values: list[str | None], shown: int = DISTINCT_SHOWN) -> str:
    """Failing values as distinct values with their counts, the most frequent first (ties in order of
    appearance): ["0"] * 810 -> "'0' x 810"; past `shown` distinct values, the rest counted:
    "'0' x 5, '-1' x 2, and 3 other values x 4". None reads as null."""
    counts: dict[str | None, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return distinct_counts(list(counts.items()), shown)


def distinct_counts(counts: list[tuple[str | None, int]], shown: int = DISTINCT_SHOWN) -> str:
    """`distinct_values` from (value, count) pairs already counted, in order of first appearance:
    [("0", 800), ("-3", 10)] -> "'0' x 800, '-3' x 10"; a value given twice has its counts added."""
    merged: dict[str | None, int] = {}
    for value, n in counts:
        merged[value] = merged.get(value, 0) + int(n)
    ranked = sorted(merged.items(), key=lambda item: -item[1])
    text = ", ".join(f"{'null' if value is None else repr(value)} x {n:,}" for value, n in ranked[:shown])
    if rest := ranked[shown:]:
        text += f", and {len(rest):,} other values x {sum(n for _, n in rest):,}"
    return text


def failing_value_counts(rows: pd.DataFrame, rule: Rule) -> list[tuple[str | None, int]]:
    """Each distinct failing value of `rule` among all its failing `rows` (the validated frame's rows that
    broke it), as a reader writes it, with its number of rows, in order of first appearance.

    Counted over every failing row, never over GX's list of unexpected values (which GX caps at 200
    even with result format COMPLETE). A pair rule's value is the pair (`rule.failing_pair`: 'd1
    2020-01-01 after d2 2019-01-01', 'a / b'), a compound key's 'key / portfolio', a null None.
    """
    if "column_A" in rule.kwargs:
        columns = [rule.kwargs["column_A"], rule.kwargs["column_B"]]
    elif "column_list" in rule.kwargs:
        columns = list(rule.kwargs["column_list"])
    else:
        columns = [rule.kwargs["column"]]
    if rows.empty:
        return []
    sizes = rows.groupby(columns if len(columns) > 1 else columns[0], sort=False, dropna=False).size()

    def text(key: Any) -> str | None:
        if "column_A" in rule.kwargs:
            return rule.failing_pair(*key)
        if isinstance(key, tuple):
            return _readable(key)
        return None if pd.isna(key) else _readable(key)

    return [(text(key), int(n)) for key, n in sizes.items()]


def _verdict(rule: Rule, success: bool, result: dict[str, Any], failing: pd.DataFrame) -> dict[str, Any]:
    """A rule's verdict row for CheckOutcome.rules; `failing` is the validated frame's rows that broke
    the rule (0 rows when it passed), whose values the detail counts ("810 rows: '0' x 810 (why)")."""
    observed = result.get("observed_value")
    failing_rows = len(failing)
    if failing_rows:
        detail = f"{failing_rows:,} {'row' if failing_rows == 1 else 'rows'}: " + distinct_counts(
            failing_value_counts(failing, rule))
    elif not success and observed is not None:
        detail = f"observed {observed}"
        if "details" in result and "mismatched" in result["details"]:
            detail += f"; mismatched {result['details']['mismatched']}"
    else:
        detail = ""
    if rule.why:
        detail = f"{detail} ({rule.why})" if detail else rule.why
    return {
        "rule": rule.name,
        "column": rule.column,
        "success": bool(success),
        "failing": failing_rows if failing_rows else (0 if success else 1),
        "unit": "value" if failing_rows or success else "rule",  # a rule failed without rows: itself
        "detail": detail,
    }


def _failing_rows(rows: pd.DataFrame, rule: Rule, key_column: str) -> pd.DataFrame:
    """The failing `rows` of `rule` as a failing-rows frame (FAILURE_COLUMNS). The raw value is the
    rule's column's own value; a pair rule's message names the pair ('disbursement_date 2028-06-18
    after the as-of date 2026-12-07: a loan cannot be disbursed after the tape's as-of date')."""
    column = rule.kwargs.get("column") or rule.kwargs.get("column_B")

    def lineage(name: str) -> list[Any]:
        return rows[name].tolist() if name in rows.columns else [None] * len(rows)

    raw = rows[column].tolist() if column in rows.columns else [None] * len(rows)
    message: Any = rule.why or rule.expectation
    if "column_A" in rule.kwargs:  # the value is column_B's alone; the pair it broke is in the message
        message = [f"{rule.failing_pair(a, b)}: {message}" for b, a in zip(raw, rows[rule.kwargs["column_A"]])]
        raw = [None if pd.isna(b) else _readable(b) for b in raw]
    frame = pd.DataFrame(
        {
            "record_key": lineage(key_column),
            "source_file": lineage("_source_file"),
            "file_sha256": lineage("_file_sha256"),
            "line": lineage("_source_line"),
            "column_name": rule.column,
            "rule": rule.name,
            "raw_value": [None if pd.isna(v) else str(v) for v in raw],
            "message": message,
        }
    )
    return frame.loc[:, list(FAILURE_COLUMNS)]
