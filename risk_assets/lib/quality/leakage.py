"""Post-outcome leakage: the declared denylist per source, and a single-feature separation test.

A feature recorded after the loan's outcome (a charge-off date, a recovery, the last payment) makes
a PD model look excellent and worthless in production. Two guards keep them out of
marts.loan_features:

1. POST_OUTCOME: the fields each source records after the outcome, in the source's own spelling and
   as canonical columns. `denied_columns` names any of them found among the mart's columns.
2. `separating_features`: any single feature whose AUC against the default flag reaches 0.95 within
   a portfolio is suspicious whatever its name (an honest single feature stays well below: on the
   SBA national data the strongest honest input, the term, gives AUC 0.81).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from risk_assets.lib.ml.metrics import roc_auc
from risk_assets.lib.quality.outcome import ERROR, FAILURE_COLUMNS, CheckOutcome

POST_OUTCOME: dict[str, frozenset[str]] = {
    "sba": frozenset(
        {
            "chgoffdate", "chgoffpringr", "balancegross", "mis_status",
            "chargeoff_date", "chargeoff_principal", "balance_gross",
        }
    ),
    "lendingclub": frozenset(
        {
            "total_pymnt", "total_pymnt_inv", "total_rec_prncp", "total_rec_int", "total_rec_late_fee",
            "recoveries", "collection_recovery_fee", "last_pymnt_d", "last_pymnt_amnt", "next_pymnt_d",
            "last_credit_pull_d", "last_fico_range_high", "last_fico_range_low", "out_prncp",
            "out_prncp_inv", "debt_settlement_flag", "debt_settlement_flag_date", "settlement_status",
            "settlement_date", "settlement_amount", "settlement_percentage", "settlement_term",
            "hardship_flag", "hardship_status", "pymnt_plan",
        }
    ),
    "all": frozenset({"loan_status", "source_fields"}),
}
"""Fields known only after the outcome, lower case, per source (SBA: ChgOffDate, ChgOffPrinGr,
BalanceGross, MIS_Status and their canonical names; LendingClub: payments, recoveries, last payment
and settlement fields from the LCDataDictionary). `all`: the outcome itself and the untyped bag of
source fields that may hold any of them."""

LEAKAGE_AUC = 0.95
"""A single feature with AUC >= this against the default flag fails the check."""

MIN_CLASS_ROWS = 20
"""A portfolio needs this many defaults and non-defaults before a separation test means anything."""

NOT_FEATURES = frozenset({"loan_key", "portfolio", "source_loan_id", "default_flag"})


def denied_columns(columns: list[str]) -> list[tuple[str, str]]:
    """(column, source) for every column of `columns` on a source's post-outcome denylist."""
    return [
        (column, source)
        for column in columns
        for source, names in POST_OUTCOME.items()
        if column.lower() in names
    ]


def single_feature_auc(values: pd.Series, default_flag: pd.Series) -> tuple[float | None, int]:
    """How well one feature alone separates the default flag: max(AUC, 1 - AUC), and rows used.

    AUC is the rank-based (Mann-Whitney) AUC of `risk_assets.lib.ml.metrics.roc_auc`, ties counting
    one half; taking max(AUC, 1 - AUC) scores a feature that separates in either direction. Rows
    where the feature is null are left out. Numbers and booleans are used as they are, dates as
    days since 1970-01-01; text columns with at most 64 levels are scored by each level's default
    rate (in-sample target encoding). Returns (None, n) when the test is undefined: text with more
    levels, or fewer than MIN_CLASS_ROWS rows of either class.
    """
    mask = values.notna() & default_flag.notna()
    x, y = values[mask], default_flag[mask].astype(int).to_numpy()
    positives = int(y.sum())
    if min(positives, len(y) - positives) < MIN_CLASS_ROWS:
        return None, len(y)
    if pd.api.types.is_datetime64_any_dtype(x):
        score = (x - pd.Timestamp("1970-01-01")).dt.days.to_numpy(dtype=np.float64)
    elif pd.api.types.is_bool_dtype(x) or pd.api.types.is_numeric_dtype(x):
        score = x.astype("float64").to_numpy()
    else:
        text = x.astype(str)
        if text.nunique() > 64:
            return None, len(y)
        score = text.map(pd.Series(y, index=text.index).groupby(text).mean()).to_numpy(dtype=np.float64)
    metric = roc_auc(y, score)
    if metric.value is None:
        return None, len(y)
    return max(metric.value, 1.0 - metric.value), len(y)


def leakage_outcome(features: pd.DataFrame, threshold: float = LEAKAGE_AUC) -> CheckOutcome:
    """Check marts.loan_features (n rows x features) for post-outcome leakage, per portfolio.

    Fails (ERROR) when a column is on a denylist, or when a single feature separates the default
    flag with AUC >= `threshold` within a portfolio; the observed value names the columns.
    """
    denied = denied_columns(list(features.columns))
    rules = [
        {
            "rule": "post_outcome_denylist",
            "column": ",".join(c for c, _ in denied) or None,
            "success": not denied,
            "failing": len(denied),
            "detail": "; ".join(f"{c} (post-outcome in {s})" for c, s in denied) or "no denied column",
        }
    ]
    aucs = []
    for portfolio, group in features.groupby("portfolio", sort=True):
        for column in group.columns:
            if column in NOT_FEATURES or column.startswith("_"):
                continue
            auc, n = single_feature_auc(group[column], group["default_flag"])
            if auc is not None:
                aucs.append({"portfolio": portfolio, "column": column, "auc": round(auc, 4), "rows": n})
    leaks = [a for a in aucs if a["auc"] >= threshold]
    for leak in leaks:
        rules.append(
            {
                "rule": "single_feature_separates_default",
                "column": leak["column"],
                "success": False,
                "failing": 1,
                "detail": f"{leak['portfolio']}: AUC {leak['auc']} >= {threshold} on {leak['rows']} rows",
            }
        )
    top = sorted(aucs, key=lambda a: -a["auc"])[:5]
    rules.append(
        {
            "rule": "single_feature_auc_top",
            "column": None,
            "success": not leaks,
            "failing": len(leaks),
            "detail": "; ".join(f"{a['portfolio']}.{a['column']} {a['auc']}" for a in top) or "no labelled portfolio",
        }
    )
    success = not denied and not leaks
    named = [c for c, _ in denied] + [f"{a['portfolio']}.{a['column']} (AUC {a['auc']})" for a in leaks]
    return CheckOutcome(
        check="loan_features_no_leakage",
        asset="loan_features",
        success=success,
        severity=ERROR,
        observed=(
            f"no leakage: highest single-feature AUC {top[0]['portfolio']}.{top[0]['column']} {top[0]['auc']}"
            if success and top
            else ("no leakage: no portfolio with enough labels" if success else f"leakage: {', '.join(named)}")
        ),
        failures=pd.DataFrame(columns=list(FAILURE_COLUMNS)),
        rules=rules,
        rows_checked=len(features),
    )
