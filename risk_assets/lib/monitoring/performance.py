"""Champion performance per labelled vintage: AUC, KS, Brier, default rate and mean PD.

Vintage analysis is how credit portfolios are tracked over time (the loans originated in one year
followed together); a champion whose AUC on the newest labelled vintage falls below its holdout AUC
is ranking the new loans worse than it did at training. Metric definitions: `risk_assets.lib.ml.metrics`.
Each default rate and AUC comes with its 95% interval (Wilson score interval; Hanley & McNeil 1982
standard error): a cohort with few defaults says little, and its interval shows how little (6
defaults among 167 loans: default rate 0.036, 0.017 to 0.076; AUC 0.43, 0.21 to 0.65).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from risk_assets.lib.ml.metrics import auc_interval, base_rate, brier_score, ks_statistic, roc_auc, wilson_interval

PERFORMANCE_COLUMNS: dict[str, tuple[pl.DataType, str]] = {
    "vintage": (pl.Int64, "Vintage year (LendingClub: issue year; SBA: approval fiscal year, October-September); NULL groups loans without one."),
    "in_training": (pl.Boolean, "True when the cohort is the loans the champion trained on (its training snapshot when those were not recorded): its AUC, KS and Brier are in-sample and flatter the model (the card's holdout figures do not); False for its holdouts and the loans that arrived after it, whose figures are out of sample (`cohort` says which)."),
    "cohort": (pl.Utf8, "Which loans: 'training' (in_training true); the holdout the champion was judged on, by its split name ('holdout' for a random holdout, 'holdout_in_time' and 'holdout_oot' for an out-of-time split's in-time and out-of-time holdouts); 'after_training' for loans first ingested after it was trained, the only cohort the retrain decision's AUC trigger reads; 'not_used' for loans labelled in the lake at training that it neither trained on nor held out (in-time loans a subsample passed over, vintages outside its window), out of sample. NULL on rows written before this column existed."),
    "n_loans": (pl.Int64, "Loans of the vintage in the cohort (scored or not)."),
    "n_labelled": (pl.Int64, "Loans with a default flag and a PD score."),
    "n_defaults": (pl.Int64, "Labelled loans with default_flag = 1."),
    "default_rate": (pl.Float64, "Observed default (charge-off) rate, fraction 0-1; NULL without labels."),
    "default_rate_low": (pl.Float64, "Lower end of the default rate's 95% Wilson score interval (Wilson 1927), fraction 0-1; defined with no defaults too; NULL without labels. A cohort with few defaults says little: its interval is wide."),
    "default_rate_high": (pl.Float64, "Upper end of that interval, fraction 0-1 (with 0 defaults among n loans, 3.84 / (n + 3.84))."),
    "mean_pd": (pl.Float64, "Mean PD the champion predicted for the labelled loans, fraction 0-1."),
    "auc": (pl.Float64, "Champion ROC AUC on the vintage; NULL with the reason when one class only."),
    "auc_low": (pl.Float64, "Lower end of the AUC's 95% interval, AUC - 1.96 SE with the Hanley & McNeil (Radiology 1982) standard error, clipped to 0-1; NULL when the AUC is (no defaults or no non-defaults). With few defaults it is wide (6 defaults: about -/+ 0.22), and the AUC says little."),
    "auc_high": (pl.Float64, "Upper end of that interval, clipped to 0-1."),
    "ks": (pl.Float64, "One-sided Kolmogorov-Smirnov statistic max(TPR - FPR), 0-1 (0 or near it when the PD ranks defaults lower: see auc); NULL with one class only."),
    "brier": (pl.Float64, "Brier score mean (pd - y)^2, 0-1."),
    "closed_early_share": (pl.Float64, "Share (0-1) of the labelled loans that are non-defaults whose contractual term (origination + term_months) runs past the date their outcome is known as of (their tape's as-of date, else the lake's newest as-of or origination date): paid off early, or kept in the extract because resolved while the rest still runs. Above MAX_CLOSED_EARLY_SHARE the vintage's outcomes are not yet representative and retrain_sensor does not judge its AUC. Loans without an origination date or a term are left out of it, defaults too; NULL, with the reason in `reason`, when no labelled loan can be placed (a book whose tapes record no origination date, as the LendingClub sample, or no term)."),
    "reason": (pl.Utf8, "Why a metric is NULL (e.g. 'no defaults among 40 rows')."),
}
"""Columns of a vintage performance frame, with types and descriptions."""

MAX_CLOSED_EARLY_SHARE = 0.5
"""A vintage most of whose labelled loans closed as non-defaults before their term could have run
(by its tape's as-of date, else the lake's newest date) is a vintage of early resolutions, not of
outcomes: the loans still running are absent or unlabelled, so its default rate and AUC say little
yet. On the SBA national data (approvals end June 2014; a 5% sample) the share is 13% for 2006, 39%
for 2008, 54% for 2009 and 70-79% for 2010-2013: the fall of the charge-off rate from 41% (2008) to
2% (2014) is partly this. A policy figure of this project, not a published constant."""


def closed_early(frame: pl.DataFrame, data_end) -> pl.Series | None:
    """Per loan: True for a labelled non-default whose contractual end (origination month + term
    months) is after the month its outcome was known as of: its tape's as-of date (`outcome_as_of`,
    when the frame has it and the tape named one), else `data_end`. None when the frame lacks
    origination_date or term_months, or data_end is None (`closed_early_unknown` says which).
    Month precision; a loan without a date or term is NULL (unknown, whatever its outcome), so that
    a share is taken over the loans whose contractual end can be placed."""
    if closed_early_unknown(frame, data_end) is not None:
        return None
    start = pl.col("origination_date").dt.year() * 12 + pl.col("origination_date").dt.month() - 1
    as_of = pl.lit(data_end).cast(pl.Date)
    if "outcome_as_of" in frame.columns:
        as_of = pl.coalesce(pl.col("outcome_as_of").cast(pl.Date), as_of)
    ends_after = (start + pl.col("term_months")) > (as_of.dt.year() * 12 + as_of.dt.month() - 1)
    placed = pl.col("origination_date").is_not_null() & pl.col("term_months").is_not_null()
    return frame.select(pl.when(placed).then(pl.col("default_flag").eq(0) & ends_after).alias("closed_early")).to_series()


def closed_early_unknown(frame: pl.DataFrame, data_end) -> str | None:
    """Why no loan of `frame` can be told closed early (`closed_early` returns None), or None when
    some can: a missing column, or no date in the book to compare a contractual end with."""
    missing = [c for c in ("origination_date", "term_months", "default_flag") if c not in frame.columns]
    if missing:
        return f"no {' or '.join(missing)} column"
    if data_end is None:
        return "the book records no origination or as-of date, so no contractual end can be placed"
    return None


COHORT_TRAINING = "training"
COHORT_AFTER_TRAINING = "after_training"
COHORT_NOT_USED = "not_used"
"""`cohort` values of the training loans, of the loans first ingested after training, and of those
labelled at training that it neither trained on nor held out (`Population.not_used`); a holdout's
rows carry its split name (ml.model_holdouts.split)."""


def vintage_performance(population: pl.DataFrame, in_training: bool, data_end=None, cohort: str | None = None) -> pl.DataFrame:
    """One row per vintage of `population` with the champion's metrics on its labelled, scored loans.

    Args:
        population: n rows with columns vintage (INTEGER, NULL allowed), default_flag (0/1/NULL)
            and pd_score (PD, fraction 0-1, NULL when the loan was not scored).
        in_training: written to every row (the champion's training loans or not).
        data_end: the lake's newest date (the newest as-of date of a tape, else origination), the
            reference of `closed_early_share` for loans whose tape named no as-of date; None leaves
            that column NULL.
        cohort: written to every row's `cohort` (see PERFORMANCE_COLUMNS); None writes
            COHORT_TRAINING when in_training, else COHORT_AFTER_TRAINING.

    Returns:
        rows x PERFORMANCE_COLUMNS, sorted by vintage (NULL last). Undefined metrics are NULL and
        their reasons joined in `reason`; no metric is ever replaced by a made-up value. A PD that is
        NaN or outside 0-1 is left out of the metrics, counted in `reason`.
    """
    label = cohort or (COHORT_TRAINING if in_training else COHORT_AFTER_TRAINING)
    rows: list[dict[str, object]] = []
    early = closed_early(population, data_end)
    if early is not None:
        population = population.with_columns(early)
    for (vintage,), cohort in population.group_by(["vintage"], maintain_order=True):
        scored = cohort.filter(pl.col("default_flag").is_not_null() & pl.col("pd_score").is_not_null())
        valid = pl.col("pd_score").is_finite() & pl.col("pd_score").is_between(0.0, 1.0)
        labelled = scored.filter(valid)
        y = labelled.get_column("default_flag").to_numpy().astype(np.int64)
        pd_ = labelled.get_column("pd_score").to_numpy().astype(np.float64)
        metrics = {
            "default_rate": base_rate(y),
            "auc": roc_auc(y, pd_),
            "ks": ks_statistic(y, pd_),
            "brier": brier_score(y, pd_),
        }
        rate_interval = wilson_interval(int(y.sum()), int(y.size))
        auc = metrics["auc"].value
        auc_range = None if auc is None else auc_interval(auc, int(y.sum()), int(y.size - y.sum()))
        reasons = sorted({f"{name}: {m.reason}" for name, m in metrics.items() if m.value is None})
        if labelled.height < scored.height:  # a PD that is NaN or outside 0-1 is no score: set aside, said
            reasons.append(f"{scored.height - labelled.height} loans left out: PD NaN or outside 0-1")
        share = labelled["closed_early"].mean() if early is not None and labelled.height else None
        if share is None:
            reasons.append("closed_early_share: " + (
                unknown if (unknown := closed_early_unknown(population, data_end)) else
                "no labelled, scored loan" if not labelled.height else
                f"none of the {labelled.height:,} labelled loans has both an origination date and a term"))
        rows.append(
            {
                "vintage": vintage,
                "in_training": in_training,
                "cohort": label,
                "n_loans": cohort.height,
                "n_labelled": labelled.height,
                "n_defaults": int(y.sum()),
                "mean_pd": float(pd_.mean()) if pd_.size else None,
                **{name: m.value for name, m in metrics.items()},
                "default_rate_low": rate_interval[0] if rate_interval else None,
                "default_rate_high": rate_interval[1] if rate_interval else None,
                "auc_low": auc_range[0] if auc_range else None,
                "auc_high": auc_range[1] if auc_range else None,
                "closed_early_share": None if share is None else float(share),
                "reason": "; ".join(reasons) or None,
            }
        )
    schema = {name: dtype for name, (dtype, _) in PERFORMANCE_COLUMNS.items()}
    return pl.DataFrame(rows, schema=schema).select(list(schema)).sort("vintage", nulls_last=True)
