"""The PD model card: metrics beside the baseline and the champion, ROC and calibration plots, the
training run's figures and the terms it uses (`card_text.terms_section`).

Plots are PNGs (matplotlib, Agg backend, imported lazily) embedded in markdown as base64, so the card
renders in the Dagster UI without files.
"""

from __future__ import annotations

import base64
import io

from dataclasses import dataclass

import numpy as np

from risk_assets.lib.ml import metrics
from risk_assets.lib.ml.card_text import plain, terms_section
from risk_assets.lib.ml.training import TrainedPD

CARD_METRICS = ("auc", "auc_ci_low", "auc_ci_high", "auc_within_vintage", "auc_within_vintage_ci_low", "auc_within_vintage_ci_high", "gini", "ks", "brier", "ece", "ece_decile", "log_loss", "pr_auc", "mean_pd", "base_rate", "base_rate_ci_low", "base_rate_ci_high", "n_rows", "n_defaults")


NOT_AVAILABLE = "n/a"
"""What a card writes for a metric that has no value (stored NULL, or not computed); a line under
its table gives the stored reason, never NULL, None or nan."""


def _fmt(value: float | None) -> str:
    """'0.6869', '2,400' (a whole number above 1: a count, with thousands separators), or
    NOT_AVAILABLE for None or NaN."""
    if value is None or np.isnan(value):
        return NOT_AVAILABLE
    return f"{value:,.0f}" if float(value).is_integer() and abs(value) > 1 else f"{value:.4f}"


def metrics_table(trained: TrainedPD, champion: dict[str, float | None] | None, champion_version: str | None,
                  champion_reasons: dict[str, str] | None = None) -> str:
    """Markdown table: one row per metric, columns candidate / baseline per split, and the champion on its own holdout.

    With cross-fitting both the ensemble's and the baseline's `validation` are out-of-fold scores of
    the development loans; the ensemble's members stopped early on those folds and its Platt scaling
    was fitted on those scores, so its `validation` figures are mildly optimistic (in-sample for the
    calibration), and a line under the table says so. A split the baseline has no scores for shows n/a.
    A metric stored NULL shows n/a, and a line under the table gives its reason (`null_reason_lines`;
    the champion's from `champion_reasons`, metric -> ml.model_metrics.reason)."""
    splits = [s for s in trained.metrics if s != "train"] + ["train"]
    header = ["metric"] + [f"{s}: model" for s in splits] + [f"{s}: baseline" for s in splits[:-1]]
    if champion is not None:
        header.append(f"champion {champion_version} (its holdout)")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name in CARD_METRICS:
        cells = [_cell(trained.metrics[s], name) for s in splits]
        cells += [_cell(trained.baseline_metrics[s], name) if s in trained.baseline_metrics else "n/a"
                  for s in splits[:-1]]
        if champion is not None:
            cells.append(_fmt(champion.get(name)))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    reasons = null_reason_lines(trained, splits, champion, champion_version, champion_reasons)
    caveat = [VALIDATION_CAVEAT] if "validation" in splits else []
    return "\n".join(lines + reasons + auc_lines(trained) + baseline_line(trained) + caveat + [TRAIN_CAVEAT])


def baseline_line(trained: TrainedPD) -> list[str]:
    """The card's line on the baseline: what it is and the regularisation strength C that
    `training._fit_baseline` chose (`run["baseline"]`), with the figure of each C it tried; none for a
    run record without the choice."""
    choice = trained.run.get("baseline")
    if not choice:
        return []
    tried = ", ".join(f"{f['c']:g}: {_fmt(f['log_loss'])}" for f in choice["grid"])
    return [f"- baseline: logistic regression on the same inputs (categoricals one-hot), L2-penalised with C "
            f"{choice['c']:g}, the lowest {choice['criterion']} among C {tried}; its validation figures are "
            "those of the chosen C (a little optimistic), its holdout figures out of sample."]


def null_reason_lines(trained: TrainedPD, splits: list[str], champion: dict[str, float | None] | None,
                      champion_version: str | None, champion_reasons: dict[str, str] | None = None) -> list[str]:
    """The lines under `metrics_table` for its cells that have no value, each with the stored reason:
    '- holdout auc_within_vintage, auc_within_vintage_ci_low, auc_within_vintage_ci_high (model and
    baseline): n/a because none of the 2400 loans carries a vintage (no origination date)' (the
    metrics of a split that give the same reason in the same columns on one line), and
    '- champion v1 ece: n/a because ...' for the champion's (`champion_reasons`, metric -> reason;
    'not recorded for that version' for a metric its rows lack). Splits in `splits` order (the
    baseline's are all but the last, train), metrics in CARD_METRICS order."""
    said: dict[tuple[str, str], list[str]] = {}
    for split in splits:
        sources = [("model", trained.metrics.get(split, {}))]
        if split != splits[-1] and split in trained.baseline_metrics:
            sources.append(("baseline", trained.baseline_metrics[split]))
        for name in CARD_METRICS:
            whom: dict[str, list[str]] = {}
            for who, found in sources:
                if name in found and _fmt(found[name].value) == NOT_AVAILABLE:
                    whom.setdefault(found[name].reason or "no reason was recorded", []).append(who)
            for reason, columns in whom.items():
                said.setdefault((f"{split} {{}} ({' and '.join(columns)})", reason), []).append(name)
    if champion is not None:
        for name in CARD_METRICS:
            if _fmt(champion.get(name)) == NOT_AVAILABLE:
                reason = (champion_reasons or {}).get(name) or (
                    "not recorded for that version" if name not in champion else "no reason was recorded")
                said.setdefault((f"champion {champion_version} {{}}", reason), []).append(name)
    return [f"- {where.format(', '.join(names))}: {NOT_AVAILABLE} because {reason}"
            for (where, reason), names in said.items()]


def _cell(split_metrics: dict[str, metrics.Metric], name: str) -> str:
    """A metric's cell; 'n/a' for one the split does not record (the holdout-only AUC interval and
    AUC within vintage on train and validation)."""
    return _fmt(split_metrics[name].value) if name in split_metrics else "n/a"


def auc_lines(trained: TrainedPD) -> list[str]:
    """The lines under the metrics table on what auc_ci_low / auc_ci_high and auc_within_vintage
    measure, with the holdouts' vintage-only AUC (`training.holdout_metrics`) as the yardstick
    beside the pooled AUC; no within-vintage line where no holdout has a vintage."""
    lines = ["- auc_ci_low, auc_ci_high: the holdout AUC's 95% interval (normal, Hanley & McNeil 1982 standard error)."]
    holdouts = [s for s in trained.metrics if s.startswith("holdout")]
    within = {s: trained.metrics[s]["auc_within_vintage"].value for s in holdouts}
    if all(value is None for value in within.values()):
        return lines
    said = "; ".join(
        f"{s}: pooled {_fmt(trained.metrics[s]['auc'].value)}, within vintage {_fmt(within[s])}"
        + (f" (95% CI {_fmt(low.value)}-{_fmt(trained.metrics[s]['auc_within_vintage_ci_high'].value)})"
           if (low := trained.metrics[s].get("auc_within_vintage_ci_low")) and low.value is not None else "")
        + (f", vintage alone {_fmt(only.value)}" if (only := trained.metrics[s].get("auc_vintage_only")) and only.value
           is not None else "")
        for s in holdouts if within[s] is not None)
    return lines + [
        "- auc_within_vintage: the AUC over pairs of a default and a non-default of the same vintage only (each "
        "vintage's AUC weighted by its pairs; its 95% interval, auc_within_vintage_ci_low / _ci_high, pools the "
        "vintages' Hanley & McNeil standard errors with the same weights). The pooled auc also credits ranking the loans of high-default vintages "
        "above those of low-default ones, which the vintage alone does (vintage alone: each loan scored by its "
        "vintage's development default rate) and which inputs that encode the recording era pick up; within vintage "
        f"only the ranking of loans approved together counts ({said})."]

VALIDATION_CAVEAT = (
    "- validation: model: scored by members that did not train on these loans, but that stopped early on them, "
    "and the Platt scaling was fitted on these scores: its ECE, Brier and log loss are in-sample for the calibration "
    "(its mean PD equals the default rate by construction) and its AUC is flattered a little by the epoch choice, so "
    "they are mildly optimistic (the baseline's are out of fold, but its C was chosen on them: a little optimistic "
    "too). The holdout columns are the honest figures."
)
"""The card's line on what the model's `validation` column measures (`training` module docstring)."""
TRAIN_CAVEAT = (
    "- train: model: the loans the model learnt from, in-sample: its figures flatter it and are there to set "
    "beside the holdout's (a wide gap is over-fitting), never to quote as its quality."
)
"""The card's line on what the model's `train` column measures."""


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    return f"![plot](data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()})"


def plots(trained: TrainedPD) -> str:
    """ROC (model vs baseline) and calibration (10 bins) on the primary holdout as markdown images."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    y = trained.holdout_y
    fig, (roc_ax, cal_ax) = plt.subplots(1, 2, figsize=(9, 4))
    for label, values in (("model", trained.holdout_pd), ("baseline", trained.baseline_holdout_pd)):
        curve, _ = metrics.roc_curve(y, values)
        if curve is not None:
            thin = metrics.thin_curve(curve)
            roc_ax.plot(thin["fpr"], thin["tpr"], label=f"{label} AUC {metrics.roc_auc(y, values).value:.3f}")
        bins = metrics.calibration_bins(y, values)
        filled = bins["count"] > 0
        cal_ax.plot(bins["mean_pd"][filled], bins["default_rate"][filled], marker="o", label=label)
    roc_ax.plot([0, 1], [0, 1], color="grey", linestyle=":")
    roc_ax.set(xlabel="false positive rate", ylabel="true positive rate", title=f"ROC, {trained.split.primary_holdout}")
    top = max(0.05, float(np.max(trained.holdout_pd)) * 1.05)
    cal_ax.plot([0, top], [0, top], color="grey", linestyle=":")
    cal_ax.set(xlabel="mean PD in bin", ylabel="observed default rate", title="calibration (10 equal-width bins)")
    roc_ax.legend()
    cal_ax.legend()
    image = _png(fig)
    plt.close(fig)
    return image


CALIBRATION_TOLERANCE = 0.02
"""ECE (fraction 0-1) up to which the card calls a holdout's PDs calibrated; the mean PD must also
lie within MEAN_PD_FACTOR of the observed default rate. A house threshold: ECE below 0.02 is what
the sample's in-time holdouts reach (LendingClub 0.004, SBA in time 0.010)."""
MEAN_PD_FACTOR = 1.25
"""The mean PD of calibrated PDs lies within this factor of the default rate either way: from
rate / 1.25 (0.8 x) to rate x 1.25, a band symmetric on the log scale, so over- and
under-statement are judged alike. A house threshold."""


MIN_WINDOW_OUTCOME_SHARE = 0.8
"""Share (0-1) of an out-of-time window's loans that must have an outcome before the card reads its
calibration as the model's. Loans that default do so early, so a window a fifth or more of whose
loans are still open holds mostly early outcomes, defaults above all: its default rate, and the PDs
measured against it, are not the vintages'. A house threshold; the SBA sample's window (2004-2006)
is 99.6% resolved."""


BIN_GAP_Z = 2.0
"""A PD bin's PDs over- or under-state its defaults only when its mean PD and its default rate differ by
more than CALIBRATION_TOLERANCE and by more than this many binomial standard errors of the rate,
sqrt(PD (1 - PD) / n): about a 95% two-sided test per bin, so a bin of a dozen loans is not read
as a finding. A house threshold."""


def miscalibrated_ranges(y: np.ndarray, pd: np.ndarray) -> list[tuple[str, float, float, float]]:
    """PD ranges where the PDs over- or under-state the observed default rate, from the reliability
    table of `metrics.calibration_bins` (ECE_BINS equal-width bins on 0-1).

    A bin is "over-state" (mean PD above its default rate) or "under-state" when the gap passes both
    CALIBRATION_TOLERANCE and BIN_GAP_Z standard errors; adjacent bins of one direction are merged.

    Args:
        y: default flags (0/1), n. pd: PDs (0-1), n.

    Returns:
        (direction, lower PD, upper PD, share of the n loans in the range, 0-1) per range, by PD.
    """
    table = metrics.calibration_bins(y, pd)
    ranges: list[tuple[str, float, float, float]] = []
    for lower, upper, count, mean_pd, rate in zip(table["lower"], table["upper"], table["count"],
                                                  table["mean_pd"], table["default_rate"]):
        if count == 0:
            continue
        gap = mean_pd - rate
        error = float(np.sqrt(max(mean_pd * (1 - mean_pd), 1e-12) / count))
        if abs(gap) <= CALIBRATION_TOLERANCE or abs(gap) <= BIN_GAP_Z * error:
            continue
        direction, share = ("over-state" if gap > 0 else "under-state"), count / len(y)
        if ranges and ranges[-1][0] == direction and ranges[-1][2] == lower:
            ranges[-1] = (direction, ranges[-1][1], float(upper), ranges[-1][3] + share)
        else:
            ranges.append((direction, float(lower), float(upper), share))
    return ranges


def _by_bin(ranges: list[tuple[str, float, float, float]]) -> str:
    """'; by PD bin, PDs under-state defaults at PD 0.0-0.3 (91.2% of loans) and over-state them at PD
    0.5-0.9 (1.3% of loans)', or '' for no range."""
    if not ranges:
        return ""
    said = [f"{direction} {'defaults' if i == 0 else 'them'} at PD {lower:.1f}-{upper:.1f} ({share:.1%} of loans)"
            for i, (direction, lower, upper, share) in enumerate(ranges)]
    return "; by PD bin, PDs " + ", ".join(said[:-1]) + (" and " if len(said) > 1 else "") + said[-1]


CALIBRATION_STATUSES = ("calibrated", "under-states", "over-states", "mis-sloped", "not judged", "not assessed")
"""The words of `calibration_status`, as `ml.loan_scores.pd_calibration` opens with one."""


@dataclass(frozen=True)
class _CalibrationReading:
    """The primary holdout's calibration figures that `calibration_status` and `calibration_verdict`
    both judge: ECE (None: not computed), mean PD and default rate (fractions 0-1), their ratio,
    whether it falls outside MEAN_PD_FACTOR, and the out-of-time window's resolved and total loans."""

    split: str
    ece: float | None
    mean_pd: float
    observed: float
    window: tuple[int, int] | None

    @property
    def assessed(self) -> bool:
        return self.ece is not None and self.observed > 0

    @property
    def ratio(self) -> float:
        return self.mean_pd / self.observed

    @property
    def level_off(self) -> bool:
        return not 1 / MEAN_PD_FACTOR <= self.ratio <= MEAN_PD_FACTOR

    @property
    def calibrated(self) -> bool:
        return self.ece <= CALIBRATION_TOLERANCE and not self.level_off

    @property
    def judged(self) -> bool:
        """False on an out-of-time window with under MIN_WINDOW_OUTCOME_SHARE of its loans resolved."""
        return not (self.window and self.window[0] / self.window[1] < MIN_WINDOW_OUTCOME_SHARE)


def _calibration_reading(trained: TrainedPD) -> _CalibrationReading:
    split = trained.split.primary_holdout
    return _CalibrationReading(split, trained.metrics[split]["ece"].value, float(np.mean(trained.holdout_pd)),
                               float(np.mean(trained.holdout_y)),
                               trained.split.window_outcomes if split == "holdout_oot" else None)


def calibration_status(trained: TrainedPD) -> str:
    """`calibration_verdict` in one word of CALIBRATION_STATUSES, followed by ' on <split>': what
    the primary holdout says of reading the PDs as default probabilities. 'calibrated' (they can be
    read so), 'under-states' / 'over-states' (the mean PD outside MEAN_PD_FACTOR of the default
    rate), 'mis-sloped' (right on average, ECE above CALIBRATION_TOLERANCE), 'not judged' (an
    out-of-time window with too few outcomes), 'not assessed' (no ECE or no defaults)."""
    return _status_word(_calibration_reading(trained))


def holdout_calibration_status(split: str, ece: float | None, y: np.ndarray, pd_: np.ndarray,
                               window: tuple[int, int] | None = None) -> str:
    """`calibration_status` of any holdout, not only the primary one: `split` its name, `ece` its
    ECE (None: not computed), `y` and `pd_` its default flags and PDs (n,), `window` the out-of-time
    window's (resolved, all) loans or None. 'calibrated on holdout_in_time'."""
    observed = float(np.mean(y)) if len(y) else 0.0
    return _status_word(_CalibrationReading(split, ece, float(np.mean(pd_)) if len(pd_) else 0.0, observed, window))


def _status_word(read: _CalibrationReading) -> str:
    if not read.assessed:
        word = "not assessed"
    elif read.calibrated:
        word = "calibrated"
    elif not read.judged:
        word = "not judged"
    else:
        word = ("under-states" if read.ratio < 1 else "over-states") if read.level_off else "mis-sloped"
    return f"{word} on {read.split}"


def calibration_verdict(trained: TrainedPD) -> str:
    """One plain sentence on the primary holdout's calibration: whether the PDs can be read as
    default probabilities there, with the mean PD against the observed default rate. The gate
    promotes on AUC (ranking) alone; this says what AUC does not.

    Calibrated: ECE at most CALIBRATION_TOLERANCE and the mean PD within MEAN_PD_FACTOR of the
    default rate. Not judged, when it fails, on an out-of-time window under MIN_WINDOW_OUTCOME_SHARE
    resolved (`Split.window_outcomes`). A mean PD outside that band says the PDs under- or over-state defaults on average;
    a mean PD inside it with ECE above the tolerance says the PDs are mis-sloped across the PD bins
    (too high in some, too low in others), right on average. Either way it names the PD ranges that
    over- and under-state defaults (`miscalibrated_ranges`): a mean below the rate can hide PD bins
    above theirs."""
    read = _calibration_reading(trained)
    split, ece, mean_pd, observed = read.split, read.ece, read.mean_pd, read.observed
    if not read.assessed:
        return f"- calibration on {split}: not assessed ({trained.metrics[split]['ece'].reason or 'no defaults'})"
    if read.calibrated:
        return (f"- calibration on {split}: PDs match observed defaults (ECE {ece:.4f}; mean PD {mean_pd:.4f}, "
                f"default rate {observed:.4f})")
    if read.level_off:
        finding = f"PDs {'under-state' if read.ratio < 1 else 'over-state'} defaults"
    else:  # the mean is right, so the error is in the shape: some PD bins too high, others too low
        finding = "PDs mis-sloped across PD bins, not over- or under-stated on average"
    ece_said = f"ECE {ece:.4f} " + (f"above {CALIBRATION_TOLERANCE}" if ece > CALIBRATION_TOLERANCE else "within tolerance")
    level_said = (f"mean PD {mean_pd:.4f} against a default rate of {observed:.4f}, x{read.ratio:.2f}"
                  + f", {'outside' if read.level_off else 'within'} x{1 / MEAN_PD_FACTOR:.2f}-x{MEAN_PD_FACTOR:.2f}"
                  + _by_bin(miscalibrated_ranges(trained.holdout_y, trained.holdout_pd)))
    if not read.judged:
        window = read.window
        return (f"- **calibration on {split}: not judged** ({finding}: {ece_said}; {level_said}), because only "
                f"{window[0]:,} of the {window[1]:,} loans of the out-of-time window have an outcome "
                f"({window[0] / window[1]:.0%}, under {MIN_WINDOW_OUTCOME_SHARE:.0%}): loans default early, so "
                "these are its early outcomes, not its vintages' default rate. Do not recalibrate on them; the "
                "ranking (AUC) is still compared on the same loans for both models")
    return (f"- **calibration on {split}: {finding}** ({ece_said}; {level_said}): the ranking (AUC) "
            "holds, but read these PDs as relative risk, not as default probabilities, until the model is "
            "recalibrated on loans like these")


def inputs_line(trained: TrainedPD) -> str:
    """The model's inputs as the card lists them: numerics with their transform, categoricals with
    their known levels, and those that took a single value in training (they move no PD)."""
    encoder = trained.scorer.encoder
    constant = [name for name, stats in encoder.numeric_stats.items() if stats.get("constant")]
    numeric = ", ".join(f"{name} ({how})" for name, how in encoder.spec.numeric.items())
    categorical = ", ".join(f"{name} ({len(encoder.vocabulary[name])} levels)" for name in encoder.spec.categorical)
    return (f"- inputs: numeric {numeric or 'none'}; categorical {categorical or 'none'}"
            + (f"; single-valued in training, so without effect: {', '.join(constant)}" if constant else ""))


def empty_inputs_lines(trained: TrainedPD, found: dict[str, dict] | None) -> list[str]:
    """The card's data lines on inputs of this model that a landed tape left empty on every row
    (`pd_lake.empty_pd_inputs`, from the landing note `column_empty`): one per input the model reads
    (its encoder's spec), naming the book, the landed file(s) and the loans left without it, since
    an input NULL on a loan carried no information about it. [] when there is none."""
    spec = trained.scorer.encoder.spec
    lines = []
    for name, entry in (found or {}).items():
        if name not in spec.numeric and name not in spec.categorical:
            continue  # a generic book leaves out an input no file fills: the inputs line does not list it
        column = ", ".join(f"`{source}`" for source in entry["sources"] if source != name)
        files = ", ".join(f"`{file}`" for file in entry["files"])
        whom = (f"all {entry['book']:,} of the book's loans, so the input carried no information in this training"
                if entry["loans"] >= entry["book"] else
                f"{entry['loans']:,} of the book's {entry['book']:,} loans, so the input carried no information about them")
        lines.append(f"- input left empty: {name}" + (f" (the tape's column {column})" if column else "")
                     + f" was empty on every row of the {trained.portfolio} book's landed file"
                     + ("s " if len(entry["files"]) > 1 else " ") + f"{files} (landing note column_empty): NULL for {whom}")
    return lines


def point_in_time_said(trained: TrainedPD) -> str:
    """The point-in-time backtest (`training.point_in_time_backtest`, run record `point_in_time`) in
    one sentence: 'Point-in-time backtest: a model fitted at the cut (2003-10-01) on the 7,620 loans approved
    before 1998-10-01 (vintages 1982-1998) with their 5-year outcomes (150 charged off within 5 years) ranks the
    2004-2006 loans' 5-year defaults (1,192 of 6,599) at AUC a (95% CI l-h); this model, on the same
    loans and outcome, b (95% CI l-h).', then the H-year PDs' Brier and ECE and what was left out; or
    why there is none ('No point-in-time backtest: ...'); '' when the training tried none (no
    out-of-time holdout, or no charge-off dates in the lake)."""
    record = trained.run.get("point_in_time")
    if not record:
        return ""
    if record["reason"]:
        return f"No point-in-time backtest: {record['reason']}."
    oot = trained.metrics["holdout_oot"]
    years = record["horizon_years"]
    before = record["approved_before"]  # 'YYYY-MM-DD': the cut less H years
    approved = (f"approved before {before[:4]}" if before.endswith("-01-01") else f"approved before {before}")
    vintages = f" (vintages {record['vintages']}, by the tape's approval year, which may be a fiscal year)" if record["vintages"] else ""
    auc = lambda name: (f"{_fmt(oot[name].value)} (95% CI {_fmt(oot[name + '_ci_low'].value)}-"  # noqa: E731
                        f"{_fmt(oot[name + '_ci_high'].value)})")
    left_out = record["without_outcome"] + record["holdout_without_outcome"]
    return (f"Point-in-time backtest: a model fitted at the cut ({record['cut']}) on the "
            f"{record['development_loans']:,} development loans {approved}{vintages} with their {years}-year "
            f"outcomes ({record['development_defaults']:,} charged off within {years} years of approval) ranks the "
            f"{record['holdout']} loans' {years}-year defaults ({record['holdout_defaults']:,} of "
            f"{record['holdout_loans']:,}) at AUC {auc('auc_point_in_time')}; this model, on the same loans and "
            f"outcome, {auc('auc_champion_same_horizon')}. The point-in-time model's PDs are {years}-year PDs: Brier "
            f"{_fmt(oot['brier_point_in_time'].value)}, ECE {_fmt(oot['ece_point_in_time'].value)}; "
            f"{record['members']} members; the {record['too_recent']:,} development loans approved later are "
            f"left out (their {years}-year outcome was not known at the cut)"
            + (f", and {left_out:,} loans whose outcome cannot be dated" if left_out else "") + ".")


GEOGRAPHIC_INPUTS = ("zip3", "addr_state", "bank_state", "same_state_bank")
"""Inputs that place the borrower (or its lender) on the map: ZIP3, state, the lending bank's state
and the flag derived from the two states (`features.DERIVED`)."""


def geographic_inputs_line(trained: TrainedPD) -> str:
    """The limitation of a model whose inputs include a field of GEOGRAPHIC_INPUTS, naming those
    fields (categoricals with their known levels); '' when it has none. Location can stand in for
    race, ethnicity or national origin: a disparate-impact (fair-lending) risk under ECOA and
    Regulation B (12 CFR 1002)."""
    encoder = trained.scorer.encoder
    found = [f"{name} ({len(encoder.vocabulary[name])} levels)" if name in encoder.spec.categorical else name
             for name in (*encoder.spec.numeric, *encoder.spec.categorical) if name in GEOGRAPHIC_INPUTS]
    if not found:
        return ""
    return (f"- geographic inputs ({', '.join(found)}): location can act as a proxy for race, ethnicity or national "
            "origin, so PDs and grades that lean on it risk disparate impact under fair-lending law (ECOA, "
            "Regulation B); review their effect before these PDs inform credit decisions or pricing.")


def _split_said(split: str) -> str:
    return "training" if split == "train" else split


def repaid_with_chargeoff_line(counts: dict | None) -> str:
    """The limitation on loans labelled repaid (default flag 0, as the tape's status says: SBA
    `P I F`) that carry a charge-off date (landing note `repaid_with_chargeoff`), from
    `pd_lake.repaid_with_chargeoff`'s counts: the book's and each split's; '' when there are none."""
    if not counts or not counts["loans"]:
        return ""
    splits = ", ".join(f"{_split_said(split)} {n:,}" for split, n in counts["splits"].items())
    return (f"- repaid with a charge-off date: {counts['loans']:,} of the book's {counts['book']:,} loans have a repaid "
            f"status and a charge-off date (landing note repaid_with_chargeoff); they are labelled repaid (default flag "
            f"0), as the tape's status says ({splits}). Read as defaults, they would raise these splits' default rates.")


def pooled_calibration_line(found: dict | None) -> str:
    """What a holdout's calibration verdict (`holdout_calibration_status`) says once its vintages are
    looked at one by one: the verdict is on the loans pooled over vintages, and the vintages whose
    mean PD falls outside MEAN_PD_FACTOR of their default rate are counted, the worst (largest
    |log(mean PD / default rate)|) named; vintages without a default cannot be judged so and are
    counted apart. '' without `found`.

    Args:
        found: `pd_lake.vintage_calibration`'s {"split", "status", "ece", "vintages": [(vintage,
            loans, mean PD, default rate), ...]} (fractions 0-1).
    """
    if not found or not found["vintages"]:
        return ""
    rows = found["vintages"]
    judged = [r for r in rows if r[3] > 0]
    outside = [r for r in judged if not 1 / MEAN_PD_FACTOR <= r[2] / r[3] <= MEAN_PD_FACTOR]
    band = f"x{1 / MEAN_PD_FACTOR:.2f}-x{MEAN_PD_FACTOR:.2f}"
    ece = f" (ECE {found['ece']:.4f})" if found["ece"] is not None else ""
    line = (f"- calibration on {found['split']} by vintage: its verdict '{found['status']}'{ece} is on its "
            f"{len(rows)} vintages pooled; ")
    if outside:
        worst = max(outside, key=lambda r: abs(np.log(r[2] / r[3])))
        line += (f"{len(outside)} of the {len(rows)} vintages fall outside {band} (worst {worst[0]}: mean PD "
                 f"{worst[2]:.4f} against a default rate of {worst[3]:.4f}, x{worst[2] / worst[3]:.2f})")
    else:
        line += f"none of the {len(rows)} vintages falls outside {band}"
    unjudged = len(rows) - len(judged)
    return line + (f"; {unjudged} without a default not judged" if unjudged else "") + "."


def limitations(trained: TrainedPD, chargeoffs: dict | None = None, repaid_chargeoffs: dict | None = None) -> list[str]:
    """The card's 'Limitations and intended use' section, from what the training recorded.

    - the PD horizon: the default flag is a charge-off at any time over the loan's contract, so PDs
      and the R1-R8 master scale's edges (`pd_lake.RISK_GRADE_EDGES`) are lifetime, not one-year, PDs;
    - out of time, how many development defaults were charged off on or after the cut
      (`pd_lake.chargeoffs_after_cut`): outcomes the model learnt that the cut did not yet know;
      and the point-in-time backtest's figure, or why there is none (`point_in_time_said`);
    - without an out-of-time split, that the holdout is a random draw of the same period;
    - the inputs that encode the recording era (`training.era_coded_inputs`, run record);
    - where the primary holdout's PDs are not calibrated (`calibration_verdict`, which says by how
      much), that the risk grades then rank relative risk;
    - loans labelled repaid that carry a charge-off date (`repaid_with_chargeoff_line`);
    - geographic inputs, a fair-lending proxy risk (`geographic_inputs_line`).

    Args:
        chargeoffs: `pd_lake.chargeoffs_after_cut`'s counts; None leaves that line out.
        repaid_chargeoffs: `pd_lake.repaid_with_chargeoff`'s counts; None leaves that line out.

    Returns:
        markdown lines: the heading, then one bullet per point.
    """
    from risk_assets.lib.ml.pd_lake import RISK_GRADE_EDGES

    edges = ", ".join(f"{edge:.1%}" for edge in RISK_GRADE_EDGES)
    lines = ["#### Limitations and intended use",
             "- PD horizon: the default flag is a charge-off at any time over the loan's contract, so these are "
             f"lifetime PDs, not 12-month PDs; the R1-R8 grade edges ({edges}, doubling as in BCBS WP14's master "
             "scales) are lifetime PDs too and do not read as one-year PDs."]
    backtest = point_in_time_said(trained)
    if chargeoffs and chargeoffs["dated"]:
        lines.append(
            f"- out-of-time test: split by approval date at {chargeoffs['cut']}"
            + (f" (the first day of fiscal {chargeoffs['vintage']}, the holdout's first vintage)" if chargeoffs.get("vintage") else "")
            + f", but the development outcomes are "
            f"observed up to the data's last charge-off: {chargeoffs['after']:,} of the {chargeoffs['dated']:,} "
            f"development defaults with a charge-off date ({chargeoffs['after'] / chargeoffs['dated']:.1%}) were "
            f"charged off on or after {chargeoffs['cut']}, so "
            + (f"its AUC is no point-in-time backtest. {backtest}" if backtest else "it is not a point-in-time backtest."))
    elif backtest:
        lines.append(f"- out-of-time test: {backtest}")
    if trained.split.primary_holdout == "holdout":
        lines.append("- no out-of-time test: the loans carry no origination date, so the holdout is a random draw of "
                     "the same period as the training and says nothing on later vintages.")
    era = trained.run.get("era_coded_inputs") or []
    if era:
        said = "; ".join(f"{e['input']} '{e['level']}' {e['high']:.0%} of {e['high_vintage']} loans, "
                         f"{e['low']:.0%} of {e['low_vintage']}" for e in era)
        lines.append(f"- inputs that encode the recording era rather than the borrower ({said}): they rank vintages by "
                     "their default rate, which flatters the pooled AUC (see auc_within_vintage).")
    split = trained.split.primary_holdout
    verdict = calibration_verdict(trained)
    if "PDs match observed defaults" not in verdict and "not assessed" not in verdict:
        lines.append(f"- risk grades on loans like those of {split}: the PDs are off there (calibration line above), "
                     "so the grades rank relative risk, not PD bands.")
    return lines + [line for line in (repaid_with_chargeoff_line(repaid_chargeoffs), geographic_inputs_line(trained)) if line]


def model_card(trained: TrainedPD, version: str, champion: dict[str, float | None] | None, champion_version: str | None,
               verdict: tuple[bool, str] | None = None, chargeoffs: dict | None = None,
               repaid_chargeoffs: dict | None = None, vintage_calibration: dict | None = None,
               champion_reasons: dict[str, str] | None = None, empty_inputs: dict[str, dict] | None = None) -> str:
    """The whole card as markdown.

    `verdict` is the champion gate's (promoted, reason) from `pd_lake.gate`, the function that
    decided it: the card opens with it under its title, as the sentiment card does ('**Gate:
    promoted** (promoted: first model; holdout AUC 0.6854 beats ...)'); None leaves it out.
    `chargeoffs`: `pd_lake.chargeoffs_after_cut`'s counts, for the 'Limitations and intended use'
    section (`limitations`); None leaves its out-of-time line out. `repaid_chargeoffs`:
    `pd_lake.repaid_with_chargeoff`'s counts, for the same section. `vintage_calibration`:
    `pd_lake.vintage_calibration`'s per-vintage figures, for the line under the calibration verdict
    (`pooled_calibration_line`); None leaves it out. `champion_reasons`: why the champion's NULL
    metrics are NULL (metric -> ml.model_metrics.reason), for the lines under the metrics table.
    `empty_inputs`: `pd_lake.empty_pd_inputs`, inputs a landed tape left empty on every row, said
    under the inputs line (`empty_inputs_lines`); None leaves them out.
    Stored values read as words and numbers (`card_text.plain`); the device, epochs and speed close
    the card under 'Training run' (`training_run_lines`), then 'Terms' (`card_text.terms_section`)."""
    run = trained.run
    term_used = "term_months" in trained.scorer.encoder.spec.numeric
    suspicion = "".join(
        f"\n- {name.replace('_', ' ')} AUC on {trained.split.primary_holdout}: {_fmt(m['auc'].value)} "
        + ("(an input this strong alone deserves suspicion: check that it is recorded before the outcome)" if term_used
           else "(not an input of this model: left out as rewritten after the outcome, see the split notes)")
        for name, m in trained.extra_metrics.items()
    )
    card = "\n".join([
        f"### loan_pd_{trained.portfolio} {version}",
        *(["", f"**Gate: {'promoted' if verdict[0] else 'not promoted'}** ({verdict[1]})", ""] if verdict else []),
        f"- split: {plain(run['split_scheme'])} (seed {plain(run['seed'])}); primary holdout: `{trained.split.primary_holdout}`",
        *[f"- {note}" for note in trained.split.notes],
        f"- rows per split: {plain(run['rows'])}; defaults per split: {plain(run['defaults'])}",
        f"- data snapshot: `{run['data_snapshot'][:16]}`",
        inputs_line(trained),
        *empty_inputs_lines(trained, empty_inputs),
        f"- calibration: {run.get('calibration', 'Platt scaling fitted on the validation split')}" + suspicion,
        calibration_verdict(trained),
        *[line for line in [pooled_calibration_line(vintage_calibration)] if line],
        "",
        metrics_table(trained, champion, champion_version, champion_reasons),
        "",
        *limitations(trained, chargeoffs, repaid_chargeoffs),
        "",
        plots(trained),
        "",
        *training_run_lines(run),
    ])
    return "\n".join([card, "", *terms_section(card)])


def training_run_lines(run: dict) -> list[str]:
    """The card's 'Training run' section: how the training ran, figures of engineering rather than of
    the model's quality, from the run record: device and autocast, the ensemble members and the
    epochs each trained, seconds (wall) and training samples (loans x epochs) per second.

    '- device: cpu, autocast none (float32)', '- 20 ensemble members, epochs each: 12, 10, 13, ...',
    '- training time: 50.51 s, 112,414 samples/s'."""
    rate = run.get("samples_per_second")
    return ["#### Training run",
            f"- device: {plain(run['device'])}, autocast {plain(run['autocast'])}",
            f"- {len(run['members'])} ensemble members, epochs each: {plain([m['epochs'] for m in run['members']])}",
            f"- training time: {plain(run['train_seconds'])} s, {plain(None if rate is None else round(rate))} samples/s"]
