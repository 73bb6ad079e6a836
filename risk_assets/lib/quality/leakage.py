"""Post-outcome leakage: the declared denylist per source, and a single-feature separation test.

A feature recorded after the loan's outcome (a charge-off date, a recovery, the last payment) makes
a PD model look excellent and worthless in production. These guards keep them out of
marts.loan_features and out of training:

1. POST_OUTCOME: the fields each source records after the outcome, in the source's own spelling and
   as canonical columns. `denied_columns` names any of them found among the mart's columns.
2. `separating_features`: any single feature whose AUC against the default flag reaches 0.95 within
   a portfolio is suspicious whatever its name (an honest single feature stays well below).
3. `leaking_vintages`: vintages in which one input alone separates the default flag (AUC >= 0.95
   within the vintage) were recorded after their outcome, whatever the whole book shows: SBA's
   1981-1988 guarantee shares. Their loans are left out of PD development and holdouts by training
   and named by the check, which passes.
4. `rewritten_term`: a loan term whose form differs by outcome was rewritten after it. Contractual
   terms are whole years for most loans; on the SBA national data 86.6% of the 739,537 paid-in-full
   loans with a term have one in whole years, and 10.2% of the 156,824 charged-off ones (54, 61, 42,
   53 months, and 1 month for some): the source recorded something else there once a loan was
   charged off. The
   term alone then ranks the out-of-time holdout with AUC 0.855, and a model trained on it reports
   0.889 where the same model without it reaches 0.679. Such a term is left out of the PD inputs
   (`training.train_pd_model`) and named by the check, which passes: the mart may keep the column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from risk_assets.lib.ml.metrics import roc_auc
from risk_assets.lib.quality.outcome import ERROR, FAILURE_COLUMNS, WARN, CheckOutcome

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
            "hardship_flag", "hardship_status", "pymnt_plan", "hardship_type", "hardship_reason",
            "hardship_amount", "hardship_start_date", "hardship_end_date", "payment_plan_start_date",
            "hardship_length", "hardship_dpd", "hardship_loan_status",
            "orig_projected_additional_accrued_interest", "hardship_payoff_balance_amount",
            "hardship_last_payment_amount", "deferral_term",
        }
    ),
    "all": frozenset({"loan_status", "source_fields"}),
}
"""Fields known only after the outcome, lower case, per source (SBA: ChgOffDate, ChgOffPrinGr,
BalanceGross, MIS_Status and their canonical names; LendingClub: payments, recoveries, last payment,
hardship-plan and settlement fields from the LCDataDictionary). `all`: the outcome itself and the untyped bag of
source fields that may hold any of them."""

LEAKAGE_AUC = 0.95
"""A single feature with AUC >= this against the default flag fails the check."""

MIN_CLASS_ROWS = 20
"""A portfolio needs this many defaults and non-defaults before a separation test means anything."""

NOT_FEATURES = frozenset({"loan_key", "portfolio", "source_loan_id", "default_flag"})

DEFAULT_HEAVY = 0.5
"""A vintage too small to test is taken with the leaking ones when at least this share of its
labelled loans defaulted (and twice the book's share): a vintage whose repaid loans were purged from
the records keeps almost only its defaults (SBA 1966-1980: 84-100% against 17.5%). A policy figure
of this project, not a published constant."""

WHOLE_YEAR_TERM_GAP = 0.4
"""A term is judged rewritten after the outcome when the share of whole-year terms (multiples of 12
months) among non-defaults exceeds that among defaults by this much (fractions 0-1). An honest term
differs by outcome in its length (longer loans may default more or less), not in its form: on
LendingClub (36 or 60 months) both shares are 1.0; on SBA national they are 0.866 and 0.102.
A policy figure of this project, not a published constant."""


def rewritten_term(term: pd.Series, default_flag: pd.Series) -> str | None:
    """Why a loan term (months, n rows) looks recorded after the outcome, or None.

    Compares the share of whole-year terms (multiples of 12) among defaults and non-defaults, over
    the loans with a positive term (a term of 0 is no term, and no whole year: rule term_positive
    quarantines it); None when either class has fewer than MIN_CLASS_ROWS loans with a term, or the
    gap is below WHOLE_YEAR_TERM_GAP. The reason gives both shares and counts."""
    months = pd.to_numeric(term, errors="coerce")
    mask = (months > 0) & default_flag.notna()
    months = months[mask]
    y = default_flag[mask].astype(int)
    defaults, others = months[y == 1], months[y == 0]
    if min(len(defaults), len(others)) < MIN_CLASS_ROWS:
        return None
    whole_d, whole_o = float((defaults % 12 == 0).mean()), float((others % 12 == 0).mean())
    if whole_o - whole_d < WHOLE_YEAR_TERM_GAP:
        return None
    return (f"whole-year terms (multiples of 12 months) are {whole_d:.1%} of {len(defaults):,} defaults against "
            f"{whole_o:.1%} of {len(others):,} non-defaults: the term was rewritten after the outcome, not fixed "
            "at origination, so it would leak the outcome into the PD")


def leaking_vintages(frame: pd.DataFrame, inputs: list[str], threshold: float = LEAKAGE_AUC) -> tuple[list[int], str | None]:
    """Vintages whose loans carry a value recorded after their outcome, and why (None when none).

    A vintage leaks when one numeric input (`inputs`, columns of `frame`) alone separates its
    default flag with `single_feature_auc` >= `threshold`, on at least MIN_CLASS_ROWS defaults and
    non-defaults of that vintage. A vintage older than the newest leaking one that is too small to
    test (fewer than MIN_CLASS_ROWS of a class) is taken with it only when it is default-heavy
    (DEFAULT_HEAVY: at least half its labelled loans defaulted, and at least twice the book's rate):
    the mark of records purged once repaid; any other vintage, tested or not, is kept. On the SBA
    national data the guarantee share of 1981-1988 approvals is exactly 1.0 for loans paid in full
    and 0.75-0.90 for those charged off (AUC 0.97-0.99 within each of those years, 0.52-0.59 in any
    later one), and the years before hold 84-100% charged-off loans (the book: 17.5%): a source that
    rewrote or purged its old records once their outcome was known. A model trained on them learns
    the recording, not the risk.

    Args:
        frame: labelled loans (n rows) with `vintage`, `default_flag` and the `inputs` columns.
        inputs: the numeric inputs to test (a categorical one is not: in-sample level rates over a
            vintage of a hundred loans separate by chance).

    Returns:
        (sorted vintages to leave out, a reason naming each input, vintage and AUC).
    """
    if "vintage" not in frame or frame["vintage"].isna().all():
        return [], None
    found: dict[int, list[str]] = {}
    testable: set[int] = set()
    for vintage, group in frame.groupby("vintage", sort=True):
        for name in inputs:
            auc, _ = single_feature_auc(group[name], group["default_flag"])
            if auc is None:
                continue
            testable.add(int(vintage))
            if auc >= threshold:
                found.setdefault(int(vintage), []).append(f"{name} {auc:.3f}")
    if not found:
        return [], None
    newest = max(found)
    book_rate = float(frame["default_flag"].mean())
    rates = frame.groupby("vintage")["default_flag"].mean()
    untested = sorted(int(v) for v, rate in rates.items() if int(v) < newest and int(v) not in testable
                      and rate >= max(DEFAULT_HEAVY, 2 * book_rate))
    left_out = sorted(set(found) | set(untested))
    reason = ("an input alone separates the default flag within vintage (AUC >= "
              f"{threshold}): " + "; ".join(f"{v}: {', '.join(found[v])}" for v in sorted(found))
              + " (values recorded after the outcome)"
              + (f"; older vintages too small to test and default-heavy (at least {DEFAULT_HEAVY:.0%} and twice the "
                 f"book's {book_rate:.1%} defaulted: repaid records purged): {', '.join(map(str, untested))}"
                 if untested else ""))
    return left_out, reason


def vintage_spans(vintages: list[int], book: pd.Series) -> str:
    """`vintages` (sorted) written as ranges of the book's consecutive vintages ('1968-1988, 1991'):
    a range never hides a vintage of `book` (the vintage column) that is not among them."""
    present = sorted(int(v) for v in book.dropna().unique())
    runs: list[list[int]] = []
    for vintage in vintages:
        if runs and present.index(vintage) == present.index(runs[-1][-1]) + 1:
            runs[-1].append(vintage)
        else:
            runs.append([vintage])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


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

    Fails (ERROR, which blocks the models) when a column is on a denylist, or when a single feature
    separates the default flag with AUC >= `threshold` within a portfolio; the observed value names
    the columns. Fails with WARN (nothing blocked) when the source recorded an input after the
    outcome in a way training already leaves out: a term rewritten after charge-off
    (`rewritten_term`) or whole vintages whose inputs were (`leaking_vintages`). The data is still
    wrong at its source, so the check is not green; the observed value says what training left out.
    """
    denied = denied_columns(list(features.columns))
    rules = [
        {
            "rule": "post_outcome_denylist",
            "column": ",".join(c for c, _ in denied) or None,
            "success": not denied,
            "failing": len(denied),
            "unit": "column",
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
                "unit": "column",
                "detail": f"{leak['portfolio']}: AUC {leak['auc']} >= {threshold} on {leak['rows']:,} rows",
            }
        )
    rewritten = {}
    for portfolio, group in features.groupby("portfolio", sort=True):
        if "term_months" in group and (reason := rewritten_term(group["term_months"], group["default_flag"])):
            rewritten[portfolio] = reason
            rules.append({"rule": "term_rewritten_after_outcome", "column": "term_months", "success": False,
                          "failing": 1, "unit": "column", "detail": f"{portfolio}: {reason}; left out of the PD inputs by training"})
    from risk_assets.lib.ml.features import feature_frame, spec_for

    era_leaks = {}
    for portfolio, group in features.groupby("portfolio", sort=True):
        labelled = group[group["default_flag"].notna()]
        spec = spec_for(str(portfolio), labelled)
        try:
            inputs = feature_frame(labelled, spec)[list(spec.numeric)]
        except KeyError:  # a mart without one of the model's inputs: training says so itself
            continue
        left_out, reason = leaking_vintages(
            inputs.assign(vintage=labelled.get("vintage"), default_flag=labelled["default_flag"]), list(spec.numeric))
        if left_out:
            era_leaks[portfolio] = vintage_spans(left_out, labelled["vintage"])
            rules.append({"rule": "inputs_recorded_after_outcome_in_vintages", "column": "vintage", "success": False,
                          "failing": len(left_out), "unit": "vintage", "detail": f"{portfolio}: {reason}; vintages "
                                                  f"{vintage_spans(left_out, labelled['vintage'])} left out of PD "
                                                  "development and holdouts by training"})
    top = sorted(aucs, key=lambda a: -a["auc"])[:5]
    rules.append(
        {
            "rule": "single_feature_auc_top",
            "column": None,
            "success": not leaks,
            "failing": len(leaks),
            "unit": "column",
            "detail": "; ".join(f"{a['portfolio']}.{a['column']} {a['auc']}" for a in top) or "no labelled portfolio",
        }
    )
    blocking = bool(denied or leaks)
    success = not blocking and not rewritten and not era_leaks
    named = [c for c, _ in denied] + [f"{a['portfolio']}.{a['column']} (AUC {a['auc']})" for a in leaks]
    # what training works around, led by what was found: a yellow check under Dagster's "blocking"
    # banner must not open with "no leakage"
    term_auc = {a["portfolio"]: a["auc"] for a in aucs if a["column"] == "term_months"}
    handled = [f"{p}.term_months" + (f" (AUC {term_auc[p]} alone)" if p in term_auc else "")
               + " left out of the PD inputs (rewritten after the outcome)" for p in rewritten]
    handled += [f"{p} vintages {spans} left out of PD training (inputs recorded after the outcome)"
                for p, spans in era_leaks.items()]
    highest = (f"no single feature at AUC {threshold:g} or above; highest {top[0]['portfolio']}.{top[0]['column']} "
               f"{top[0]['auc']} on its {top[0]['rows']:,} labelled loans of every vintage" if top
               else "no portfolio with enough labels")
    if blocking:
        observed = f"leakage: {', '.join(named)}" + "".join(f"; {h}" for h in handled)
    elif handled:
        observed = f"leakage found and handled: {'; '.join(handled)}; no leakage left that would block ({highest})"
    else:
        observed = f"no leakage found: {highest}"
    return CheckOutcome(
        check="loan_features_no_leakage",
        asset="loan_features",
        success=success,
        severity=ERROR if blocking else WARN,
        observed=observed,
        failures=pd.DataFrame(columns=list(FAILURE_COLUMNS)),
        rules=rules,
        rows_checked=len(features),
    )
