"""PSI of every model feature and of the PD score, per vintage, against the loans the champion trained on.

Frames in, frames out: the reference is the champion's training population (n_ref rows), the
current population holds the loans that arrived after it (n_cur rows) with a `vintage` column;
one PSI row is produced per (vintage, variable). See `risk_assets.lib.ml.drift` for the formula,
the smoothing and the bands (Siddiqi 2006).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import polars as pl

from risk_assets.lib.ml.drift import DEFAULT_BINS, DEFAULT_EPSILON, PsiResult, psi_categorical, psi_numeric

PSI_COLUMNS: dict[str, tuple[pl.DataType, str]] = {
    "vintage": (pl.Int64, "Vintage year of the current cohort (LendingClub: issue year; SBA: approval fiscal year, October-September); NULL groups loans without one."),
    "variable": (pl.Utf8, "Feature column of marts.loan_features, or 'pd_score' for the champion's PD."),
    "kind": (pl.Utf8, "numeric (reference-decile bins) or categorical (a bin per category holding 1% of the reference and 20 rows' "
                      "worth of the smaller sample; the rarer ones and codes the reference never held share '(other)')."),
    "psi": (pl.Float64, "Smoothed population stability index, >= 0, always finite."),
    "band": (pl.Utf8, "stable (< 0.1), moderate (0.1-0.25), significant (> 0.25), after Siddiqi (2006)."),
    "n_reference": (pl.Int64, "Rows of the champion's reference compared: the loans it trained on (its training snapshot when those were not recorded)."),
    "n_current": (pl.Int64, "Rows of the cohort compared."),
    "bins": (pl.Int64, "Bins compared (ties in the reference quantiles merge bins; missing values add one)."),
    "empty_reference_bins": (pl.Int64, "Bins with no reference row (e.g. a value below the reference's minimum)."),
    "empty_current_bins": (pl.Int64, "Bins with no current row."),
    "epsilon": (pl.Float64, "Smoothing share added to every bin before the log."),
    "bin_shares": (pl.Utf8, "JSON: bin labels with reference and current shares (fractions 0-1, unsmoothed)."),
    "noise_psi": (pl.Float64, "PSI two samples of these sizes from one population give on average, (bins - 1) x "
                              "(1/n_reference + 1/n_current) (Yurdakul 2018): a PSI near it is noise, whatever its band."),
    "unseen_share": (pl.Float64, "Categorical only: share of the cohort's rows (fraction 0-1) with a code the reference never held "
                                 "(counted in '(other)', not a bin of its own); NULL for a numeric variable."),
}
"""Columns of a PSI frame, with types and descriptions (also the Dagster column schema)."""


def _row(vintage: int | None, variable: str, kind: str, result: PsiResult) -> dict[str, object]:
    shares = [
        {"bin": b, "reference": round(e, 6), "current": round(a, 6)}
        for b, e, a in zip(result.bins, result.expected, result.actual)
    ]
    return {
        "vintage": vintage,
        "variable": variable,
        "kind": kind,
        "psi": result.psi,
        "band": result.band,
        "n_reference": result.n_reference,
        "n_current": result.n_current,
        "bins": len(result.bins),
        "empty_reference_bins": result.empty_reference_bins,
        "empty_current_bins": result.empty_current_bins,
        "epsilon": result.epsilon,
        "bin_shares": json.dumps(shares),
        "noise_psi": result.noise_psi,
        "unseen_share": result.unseen_share,
    }


def is_numeric(dtype: pl.DataType) -> bool:
    """Numeric and date variables are binned on reference quantiles (a date as its day number:
    earliest_cr_line, disbursement_date); everything else is categorical."""
    return dtype.is_numeric() or dtype in (pl.Date, pl.Datetime)


def cohort_psi(
    reference: pl.DataFrame,
    current: pl.DataFrame,
    variables: Sequence[str],
    bins: int = DEFAULT_BINS,
    epsilon: float = DEFAULT_EPSILON,
) -> pl.DataFrame:
    """PSI of each variable between the reference and each vintage of the current population.

    Args:
        reference: n_ref rows holding `variables`.
        current: n_cur rows holding `variables` and `vintage` (INTEGER, NULL allowed).
        variables: columns to compare; a column entirely NULL in both frames is left out (the
            portfolio does not carry it), a column entirely NULL in one frame only is compared
            (that is drift).

    Returns:
        one row per (vintage, variable), columns PSI_COLUMNS, sorted by vintage then variable;
        empty when either frame has no rows.
    """
    rows: list[dict[str, object]] = []
    if reference.height and current.height:
        for (vintage,), cohort in current.group_by(["vintage"], maintain_order=True):
            for variable in variables:
                ref, cur = reference.get_column(variable), cohort.get_column(variable)
                if ref.null_count() == ref.len() and cur.null_count() == cur.len():
                    continue
                if is_numeric(ref.dtype):
                    if ref.dtype in (pl.Date, pl.Datetime):
                        ref, cur = ref.cast(pl.Date).cast(pl.Int32), cur.cast(pl.Date).cast(pl.Int32)  # days since 1970-01-01
                    result = psi_numeric(ref.cast(pl.Float64).to_list(), cur.cast(pl.Float64).to_list(), bins, epsilon)
                    rows.append(_row(vintage, variable, "numeric", result))
                else:
                    result = psi_categorical(ref.cast(pl.Utf8).to_list(), cur.cast(pl.Utf8).to_list(), epsilon)
                    rows.append(_row(vintage, variable, "categorical", result))
    schema = {name: dtype for name, (dtype, _) in PSI_COLUMNS.items()}
    return pl.DataFrame(rows, schema=schema).sort(["vintage", "variable"], nulls_last=True)


PSI_SHOWN = 10
"""Drifted cells a drift check's description names, worst first; the rest are counted."""


def no_reference(row: dict) -> str | None:
    """Why drift cannot be measured for one champion (a monitoring.champion_population row as a dict),
    or None when it can: its reference holds no loan, because the loans it trained on are gone from
    the lake ('the 2,400 loans champion v1 trained on are gone from the lake (lc_part1.csv: withdrawn
    on ...)'), or, for a champion whose training loans are not recorded, because no labelled loan was
    in the lake when it trained. With no loan after its training either, the text says that too."""
    if row.get("reference_rows"):
        return None
    gone = row.get("training_loans_gone")
    why = row.get("training_loans_gone_why")
    reference = (f"the {gone:,} loans champion {row['champion_version']} trained on are gone from the lake ({why})"
                 if gone else f"champion {row['champion_version']}'s training loans are not recorded and its "
                 "training snapshot holds no labelled loan")
    new = row.get("new_rows") or 0
    after = (f"{new:,} loans after its training have nothing to be compared with" if new else
             "and no loan has arrived after its training either")
    return f"{reference}; {after}"


def psi_verdict(frame: pl.DataFrame, psi_limit: float, min_rows: int, watched: Sequence[str],
                what: str, population: pl.DataFrame | None = None) -> tuple[bool, str, int]:
    """Whether a PSI table (monitoring.feature_psi or score_psi rows: model, vintage, variable, psi,
    noise_psi, n_current) shows drift, by the retrain policy's own figures: a cell drifted when its
    PSI is above `psi_limit` (0.2) on a cohort of at least `min_rows` loans (200; a smaller one's
    PSI is mostly noise, so it is counted, not judged). The retrain sensor acts only on the PD score
    and the key features (`watched`); the other features' drift is for the analyst to read, and
    before this verdict the UI showed it nowhere but in the table.

    `population` (monitoring.champion_population rows) tells the empty cases apart: a champion
    without loans after its training passes (nothing to compare yet), but one whose reference is
    empty (its training loans withdrawn from the lake) fails, since its drift cannot be measured
    (`no_reference`), whatever the other champions' cells say.

    Returns (passed, description naming the PSI_SHOWN worst cells with their cohort size and noise
    level, marking the ones that trigger a retrain, drifted cells); `what` names the table's
    variables in the text ('feature', 'PD score')."""
    unmeasured = [] if population is None else [
        f"{row['model']}: {why}" for row in population.sort("model").iter_rows(named=True)
        if (why := no_reference(row)) is not None]
    passed, text, drifted = _psi_cells_verdict(frame, psi_limit, min_rows, watched, what)
    if not unmeasured:
        return passed, text, drifted
    head = f"{what} drift cannot be measured (no reference to compare with): " + "; ".join(unmeasured)
    measured = population.height - len(unmeasured)
    return False, head + (f". {text[0].upper()}{text[1:]}" if measured or not frame.is_empty() else ""), drifted


def psi_judged(frame: pl.DataFrame, min_rows: int) -> dict[str, int]:
    """What `psi_verdict` measured in a PSI table (monitoring.feature_psi or score_psi rows): the
    cohorts (model, vintage) and cells (model, vintage, variable) of at least `min_rows` loans it
    judged, and the cells of smaller cohorts it only counted. All 0 on an empty table: a check that
    passed on nothing, which `drifted_values: 0` alone would read as 'no drift'."""
    judged = frame.filter(pl.col("n_current") >= min_rows) if frame.height else frame
    return {"cohorts_judged": judged.select("model", "vintage").unique().height if judged.height else 0,
            "cells_judged": judged.height, "cells_too_small": frame.height - judged.height}


def unseen_codes(share: float | None) -> str:
    """', 7.6% with codes the reference never held' for a categorical PSI whose cohort holds such
    codes (`share` a fraction 0-1, PSI_COLUMNS' unseen_share), '' otherwise: a new code is worth
    saying beside the PSI, which counts it in '(other)'."""
    return f", {share:.1%} with codes the reference never held" if share else ""


def _psi_cells_verdict(frame: pl.DataFrame, psi_limit: float, min_rows: int, watched: Sequence[str],
                       what: str) -> tuple[bool, str, int]:
    """`psi_verdict` on the PSI cells alone."""
    if frame.is_empty():
        return True, f"Nothing to compare yet: no cohort of loans after the champion's training to compare its {what} with", 0
    judged = frame.filter(pl.col("n_current") >= min_rows)
    drifted = judged.filter(pl.col("psi") > psi_limit).sort("psi", descending=True)
    small = frame.height - judged.height
    unjudged = (f"; {small:,} cell(s) of cohorts under {min_rows} loans not judged (a few dozen loans' PSI is "
                "mostly noise)") if small else ""
    if drifted.is_empty():
        top = judged.sort("psi", descending=True).head(1).rows(named=True)
        highest = (f" (highest: {top[0]['model']} {top[0]['variable']} on vintage {top[0]['vintage'] or 'none'}, "
                   f"{top[0]['psi']:.3f})") if top else ""
        return True, (f"no {what} PSI above {psi_limit} on a cohort of {min_rows} loans or more{highest}"
                      f"{unjudged}"), 0

    def cell(row: dict) -> str:
        trigger = ", a retrain trigger" if row["variable"] in watched else ""
        return (f"{row['model']} {row['variable']} on vintage {row['vintage'] or 'none'}: {row['psi']:.3f} "
                f"({row['n_current']:,} loans, noise level {row['noise_psi']:.3f}{unseen_codes(row.get('unseen_share'))}"
                f"{trigger})")

    shown = "; ".join(cell(row) for row in drifted.head(PSI_SHOWN).iter_rows(named=True))
    more = f"; and {drifted.height - PSI_SHOWN:,} more" if drifted.height > PSI_SHOWN else ""
    return False, (f"{drifted.height:,} {what} PSI value(s) above {psi_limit} (the retrain policy's threshold) on "
                   f"cohorts of {min_rows} loans or more: {shown}{more}. The retrain sensor acts on the PD score and "
                   f"the key features ({', '.join(w for w in watched if w != 'pd_score')}); its verdict is in "
                   f"monitoring.retrain_decisions{unjudged}"), drifted.height
