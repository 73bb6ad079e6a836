"""Binary classification metrics for probability-of-default (PD) models, written out in numpy.

Every metric returns a `Metric`: a value, or None with the reason it cannot be computed (empty
input, one class only). A metric that is undefined is never replaced by a made-up number such as an
AUC of 0.5; the reason travels to `ml.model_metrics.reason`.

Inputs everywhere: `y` is a 1-D array of default flags (0/1, n rows); `score` / `pd` is a 1-D array
of n finite scores (for the calibration metrics: probabilities in [0, 1]). Ranking metrics (AUC,
Gini, KS, PR-AUC) accept any monotone score; calibration metrics (Brier, ECE, log loss) need PDs.

Definitions and sources:
- AUC: probability that a random default scores above a random non-default, ties counting one half;
  computed from average ranks (Mann-Whitney U / (n1 n0); Hanley & McNeil, Radiology 1982).
- Gini (accuracy ratio): 2 AUC - 1.
- KS: max over thresholds t of TPR - FPR = F0(t) - F1(t), with F1 and F0 the cumulative score
  distributions of defaults and non-defaults: the one-sided Kolmogorov-Smirnov statistic, the
  separation in the direction the score claims (defaults score higher), as scorecards report it
  (Siddiqi, Credit Risk Scorecards, Wiley 2006). When the widest gap between F0 and F1 lies that way,
  as for a score that ranks defaults higher, it equals the two-sample KS distance max |F0 - F1| of
  scipy.stats.ks_2samp; a score that ranks defaults lower (AUC below 0.5) reads 0 or near it however
  far apart the two distributions are, and its AUC below 0.5 says so.
- Brier score: mean (pd - y)^2 (Brier, Monthly Weather Review 1950).
- ECE: expected calibration error over 10 equal-width bins of the PD on [0, 1]; bin b holds
  pd in [b/10, (b+1)/10) (the last bin includes 1.0); ECE = sum_b (n_b / n) |mean(y_b) - mean(pd_b)|
  (Naeini, Cooper & Hauskrecht, AAAI 2015; Guo et al., ICML 2017). Empty bins contribute nothing.
- ECE by decile (`ece_decile`): the same sum over 10 equal-mass bins of the sorted PDs (adaptive
  ECE, Nixon et al., CVPR Workshops 2019). A retail book's PDs mostly sit below 10 %, all in the
  first equal-width bin, where over- and under-estimates cancel; deciles of the PD split that bin
  up, as a risk-grade calibration table does.
- Log loss: -mean(y log p + (1 - y) log(1 - p)), p clipped to [1e-15, 1 - 1e-15].
- PR-AUC: average precision, sum_k (R_k - R_{k-1}) P_k over distinct score thresholds taken from
  the highest score down (the step-wise definition of scikit-learn's average_precision_score,
  which does not interpolate).
- Mean PD: mean(pd), set against the base rate by the card's calibration verdict (calibration in the
  large: Steyerberg, Clinical Prediction Models, Springer 2009, ch. 15).
- Base rate: mean(y), the observed default rate. Its 95% interval (`wilson_interval`) is the Wilson
  score interval (Wilson, JASA 1927; recommended over the Wald interval for small n or rates near 0
  by Brown, Cai & DasGupta, Statistical Science 2001): defined with no defaults too, where it runs
  from 0 to z^2 / (n + z^2).
- AUC interval (`auc_interval`): AUC -/+ z SE with the standard error of Hanley & McNeil (Radiology
  1982, eq. 2), SE^2 = (A(1-A) + (m-1)(Q1-A^2) + (n-1)(Q2-A^2)) / (m n), Q1 = A/(2-A),
  Q2 = 2A^2/(1+A), m defaults and n non-defaults, clipped to [0, 1]; undefined with one class only.
- Paired AUC comparison (`compare_auc`): two models scored on the same loans; the difference of
  their AUCs, its standard error from DeLong's covariance of the two Mann-Whitney statistics
  (DeLong, DeLong & Clarke-Pearson, Biometrics 1988; the midrank algorithm of Sun & Xu, IEEE
  Signal Processing Letters 2014), and the one-sided p-value of "the first ranks better" under a
  normal approximation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas  # not as pd: pd names the PD arrays here

ECE_BINS = 10
LOG_LOSS_EPS = 1e-15


@dataclass(frozen=True)
class Metric:
    """A metric value, or None with the reason it could not be computed."""

    value: float | None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.value is not None


def _undefined(reason: str) -> Metric:
    return Metric(None, reason)


def _check(y: np.ndarray, score: np.ndarray, probabilities: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Validate and convert inputs.

    Raises:
        ValueError: shapes differ, y holds values other than 0/1, scores are not finite, or
            (with `probabilities`) a PD lies outside [0, 1].
    """
    y = np.asarray(y).reshape(-1)
    score = np.asarray(score, dtype=np.float64).reshape(-1)
    if y.shape != score.shape:
        raise ValueError(f"default flags ({y.shape[0]} rows) and scores ({score.shape[0]} rows) differ in length")
    ok = np.array([v in (0, 1) and not isinstance(v, str) for v in y.tolist()], dtype=bool) if y.dtype == object \
        else np.isin(y, (0, 1))
    if y.size and not ok.all():
        bad = sorted({repr(v) for v in y[~ok].tolist()})[:5]
        raise ValueError(f"default flags must be 0 or 1; {int((~ok).sum())} are not, e.g. {', '.join(bad)}")
    if not np.isfinite(score).all():
        raise ValueError(f"{int((~np.isfinite(score)).sum())} scores are NaN or infinite")
    if probabilities and score.size and (score.min() < 0.0 or score.max() > 1.0):
        raise ValueError(f"PDs must lie in [0, 1]; found range [{score.min()}, {score.max()}]")
    return y.astype(np.int64), score


def _two_classes(y: np.ndarray) -> str | None:
    """Why a ranking metric is undefined on `y`, or None when it has both classes."""
    if y.size == 0:
        return "empty input"
    positives = int(y.sum())
    if positives == 0:
        return f"no defaults among {y.size:,} rows (one class only)"
    if positives == y.size:
        return f"no non-defaults among {y.size:,} rows (one class only)"
    return None


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks of `values`, tied values sharing the mean of their ranks."""
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    ends = np.r_[starts[1:], values.size]
    mean_rank = (starts + ends + 1) / 2.0  # ranks starts+1 .. ends, averaged
    ranks = np.empty(values.size, dtype=np.float64)
    ranks[order] = np.repeat(mean_rank, ends - starts)
    return ranks


def roc_auc(y: np.ndarray, score: np.ndarray) -> Metric:
    """Area under the ROC curve from average ranks (ties count one half); None with one class only."""
    y, score = _check(y, score)
    if reason := _two_classes(y):
        return _undefined(reason)
    n1 = int(y.sum())
    n0 = y.size - n1
    rank_sum = _average_ranks(score)[y == 1].sum()
    return Metric(float((rank_sum - n1 * (n1 + 1) / 2.0) / (n1 * n0)))


def auc_within_vintage(y: np.ndarray, score: np.ndarray, vintage: np.ndarray) -> Metric:
    """AUC over the pairs of a default and a non-default of the same vintage only: the per-vintage
    AUCs averaged with weights n1_v x n0_v, each vintage's count of (default, non-default) pairs,

        AUC_within = sum_v n1_v n0_v AUC_v / sum_v n1_v n0_v,

    the stratified c-statistic (the concordance counted within strata only; Hand & Till, Machine
    Learning 2001, average class-pair AUCs the same way over pairs). A pooled AUC also credits the
    model for ranking loans of a high-default vintage above those of a low-default one, which any
    input that encodes the recording era does; within vintage that credit is gone.

    Args:
        y: default flags (n,), 0/1. score: scores or PDs (n,), higher = riskier.
        vintage: the loans' vintages (n,), e.g. approval years; NaN / None for a loan without one,
            which is left out of the pairs.

    Returns:
        The AUC (0-1); None with the reason when no loan carries a vintage, or no vintage holds both
        a default and a non-default (no pair to compare).

    Raises:
        ValueError: as `roc_auc`, or when `vintage` is not n long.
    """
    found = _vintage_aucs(y, score, vintage)
    if isinstance(found, Metric):
        return found
    pairs = sum(n1 * n0 for _, n1, n0 in found)
    return Metric(sum(auc * n1 * n0 for auc, n1, n0 in found) / pairs)


def _vintage_aucs(y: np.ndarray, score: np.ndarray, vintage: np.ndarray) -> list[tuple[float, int, int]] | Metric:
    """(AUC, defaults, non-defaults) of each vintage holding both, or the undefined Metric with its
    reason (`auc_within_vintage`'s)."""
    y, score = _check(y, score)
    missing = pandas.isna(pandas.Series(np.asarray(vintage, dtype=object)))
    if missing.size != y.size:
        raise ValueError(f"vintage has {missing.size} rows, the default flags {y.size}")
    if y.size == 0:
        return _undefined("empty input")
    if missing.all():
        return _undefined(f"none of the {y.size:,} loans carries a vintage (no origination date)")
    vintages = np.asarray(vintage, dtype=object)[~missing.to_numpy()]
    y_dated, score_dated = y[~missing.to_numpy()], score[~missing.to_numpy()]
    found = []
    for value in pandas.unique(vintages):
        inside = vintages == value
        n1 = int(y_dated[inside].sum())
        n0 = int(inside.sum()) - n1
        if n1 and n0:
            found.append((roc_auc(y_dated[inside], score_dated[inside]).value, n1, n0))
    if not found:
        return _undefined(f"no vintage of the {y_dated.size:,} dated loans holds both a default and a non-default")
    return found


def auc_within_vintage_interval(y: np.ndarray, score: np.ndarray, vintage: np.ndarray,
                                z: float | None = None) -> tuple[Metric, Metric]:
    """Normal interval (95% by default, z None: Z_95) of `auc_within_vintage`, clipped to [0, 1]. The vintages hold
    different loans, so their AUCs are independent and the weighted mean's variance is

        SE^2 = sum_v w_v^2 SE_v^2,   w_v = n1_v n0_v / sum_u n1_u n0_u,

    with SE_v each vintage's Hanley & McNeil (Radiology 1982) standard error (`auc_standard_error`),
    the variance of a stratified c-statistic as a weighted sum of independent strata. A vintage with
    few defaults adds a wide SE_v, so an interval on 380 defaults over 15 vintages is wider than the
    pooled AUC's on the same loans.

    Args: as `auc_within_vintage`.

    Returns:
        (low, high) Metrics, each None with `auc_within_vintage`'s reason when it is undefined.
    """
    found = _vintage_aucs(y, score, vintage)
    if isinstance(found, Metric):
        return found, found
    weights = np.array([n1 * n0 for _, n1, n0 in found], dtype=np.float64)
    weights /= weights.sum()
    auc = float(sum(w * a for w, (a, _, _) in zip(weights, found)))
    se = math.sqrt(sum(w * w * auc_standard_error(a, n1, n0) ** 2 for w, (a, n1, n0) in zip(weights, found)))
    low, high = normal_interval(auc, se, Z_95 if z is None else z)
    return Metric(max(0.0, low)), Metric(min(1.0, high))


def auc_vintage_only(y: np.ndarray, vintage: np.ndarray, development_y: np.ndarray,
                     development_vintage: np.ndarray) -> Metric:
    """AUC on a holdout of the vintage alone: each loan scored with its vintage's default rate in the
    development data (`development_y`, `development_vintage`; fractions 0-1). What knowing only
    when a loan was approved already ranks, the yardstick beside a pooled AUC that mixes vintages.

    Args:
        y, vintage: the holdout's default flags and vintages (n,). development_y,
            development_vintage: the development loans' (m,).

    Returns:
        The AUC; None with the reason when a holdout loan has no vintage, or a holdout vintage has no
        development loan (an out-of-time holdout: its vintages are all new), or one class only.
    """
    y = np.asarray(y)
    holdout, development = pandas.Series(np.asarray(vintage, dtype=object)), pandas.Series(np.asarray(development_vintage, dtype=object))
    if holdout.isna().any():
        return _undefined(f"{int(holdout.isna().sum()):,} of the {y.size:,} loans carry no vintage (no origination date)")
    rate = pandas.Series(np.asarray(development_y, dtype=np.float64)).groupby(development.to_numpy()).mean()
    unseen = sorted(set(holdout) - set(rate.index))
    if unseen:
        return _undefined(f"vintage(s) {', '.join(map(str, unseen))} of the holdout have no development loan")
    return roc_auc(y, holdout.map(rate).to_numpy(dtype=np.float64))


Z_95 = 1.959963984540054
"""Two-sided 95% quantile of the standard normal, Phi^-1(0.975)."""


def format_p(p: float, threshold: float | None = None) -> str:
    """A p-value as a report prints it: "p 0.031", "p 0.500", and "p < 0.001" for one that three
    decimals would show as 0.000 (APA Publication Manual, 7th ed., 6.36: report exact p-values to two or
    three decimals, p < .001 below that). With the `threshold` it is judged against, a p-value that
    three decimals would round onto the threshold's other side, or onto the threshold itself, gets
    the decimals that keep it on its own side ("p 0.0496", never "p 0.050, below 0.05"). A NaN
    reads "p nan"."""
    if math.isnan(p):
        return "p nan"
    if p < 0.0005:
        return "p < 0.001"
    decimals = 3
    if threshold is not None and p != threshold:
        while decimals < 8 and ((round(p, decimals) < threshold) != (p < threshold) or round(p, decimals) == threshold):
            decimals += 1
    return f"p {p:.{decimals}f}"


def normal_interval(estimate: float, standard_error: float, z: float = Z_95) -> tuple[float, float]:
    """Two-sided normal confidence interval (estimate -/+ z x standard error; 95% by default)."""
    return estimate - z * standard_error, estimate + z * standard_error


@dataclass(frozen=True)
class AucComparison:
    """Two models' AUCs on the same loans and the paired test of their difference.

    Attributes:
        auc_a, auc_b: each model's AUC (0-1).
        difference: auc_a - auc_b (AUC points).
        standard_error: DeLong standard error of the difference; 0 when the two rank every pair of
            a default and a non-default alike.
        p_value: one-sided P(a difference this large | the models rank equally well); 0.5 for a
            difference of exactly 0 with no spread, 1.0 when a is worse with no spread.
        n_defaults, n_non_defaults: the loans compared.
    """

    auc_a: float
    auc_b: float
    difference: float
    standard_error: float
    p_value: float
    n_defaults: int
    n_non_defaults: int

    def interval(self, z: float = Z_95) -> tuple[float, float]:
        """Two-sided normal confidence interval of the difference (95% by default)."""
        return normal_interval(self.difference, self.standard_error, z)


def _delong_components(y: np.ndarray, score: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """(AUC, V10 per default (m,), V01 per non-default (n,)): DeLong's structural components,
    V10_i = share of non-defaults ranked below default i (ties one half), V01_j = share of defaults
    ranked above non-default j; AUC is the mean of either. Midranks as in Sun & Xu (2014)."""
    positives, negatives = score[y == 1], score[y == 0]
    m, n = positives.size, negatives.size
    overall = _average_ranks(np.concatenate([positives, negatives]))
    v10 = (overall[:m] - _average_ranks(positives)) / n
    v01 = 1.0 - (overall[m:] - _average_ranks(negatives)) / m
    return float(v10.mean()), v10, v01


def compare_auc(y: np.ndarray, score_a: np.ndarray, score_b: np.ndarray) -> AucComparison | Metric:
    """Paired comparison of two models' AUCs on the same n loans (DeLong et al. 1988).

    Var(AUC_a - AUC_b) = (s10_aa + s10_bb - 2 s10_ab) / m + (s01_aa + s01_bb - 2 s01_ab) / n, with
    s10 / s01 the sample covariances of the structural components over the m defaults / n
    non-defaults. The p-value is 1 - Phi(difference / standard error).

    Args:
        y: default flags (n,), 0/1.
        score_a, score_b: the two models' scores for the same loans, in the same order (n,).

    Returns:
        AucComparison, or an undefined Metric with the reason (one class only, fewer than 2 loans
        of a class: no covariance).

    Raises:
        ValueError: as `roc_auc`, for either score.
    """
    y, score_a = _check(y, score_a)
    _, score_b = _check(y, score_b)
    if reason := _two_classes(y):
        return _undefined(reason)
    m = int(y.sum())
    n = y.size - m
    if m < 2 or n < 2:
        return _undefined(f"{m} default(s) and {n} non-default(s): a paired AUC test needs 2 of each")
    auc_a, v10_a, v01_a = _delong_components(y, score_a)
    auc_b, v10_b, v01_b = _delong_components(y, score_b)
    variance = float(np.var(v10_a - v10_b, ddof=1) / m + np.var(v01_a - v01_b, ddof=1) / n)
    difference = auc_a - auc_b
    se = math.sqrt(max(variance, 0.0))
    if se > 1e-12:
        p_value = 0.5 * math.erfc(difference / se / math.sqrt(2.0))
    else:
        p_value = 0.5 if abs(difference) < 1e-12 else (0.0 if difference > 0 else 1.0)
    return AucComparison(auc_a, auc_b, difference, se, p_value, m, n)


def gini(y: np.ndarray, score: np.ndarray) -> Metric:
    """Gini coefficient (accuracy ratio) 2 AUC - 1; None when AUC is undefined."""
    auc = roc_auc(y, score)
    return auc if auc.value is None else Metric(2.0 * auc.value - 1.0)


def _cumulative_counts(y: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(thresholds descending, true positives, false positives) at each distinct score threshold.

    At threshold t a row is flagged when score >= t; tied scores enter together.
    """
    order = np.argsort(-score, kind="mergesort")
    sorted_score = score[order]
    sorted_y = y[order]
    last_of_tie = np.r_[np.flatnonzero(sorted_score[1:] != sorted_score[:-1]), y.size - 1]
    tp = np.cumsum(sorted_y)[last_of_tie]
    fp = (last_of_tie + 1) - tp
    return sorted_score[last_of_tie], tp, fp


def roc_curve(y: np.ndarray, score: np.ndarray) -> tuple[dict[str, np.ndarray] | None, str | None]:
    """ROC curve points, starting at (0, 0) and ending at (1, 1).

    Returns:
        ({"threshold", "fpr", "tpr"} arrays of k+1 points for k distinct scores; the first threshold
        is +inf), None) or (None, reason) with one class only.
    """
    y, score = _check(y, score)
    if reason := _two_classes(y):
        return None, reason
    thresholds, tp, fp = _cumulative_counts(y, score)
    n1 = int(y.sum())
    n0 = y.size - n1
    return {
        "threshold": np.r_[np.inf, thresholds],
        "fpr": np.r_[0.0, fp / n0],
        "tpr": np.r_[0.0, tp / n1],
    }, None


def thin_curve(curve: dict[str, np.ndarray], max_points: int = 201) -> dict[str, np.ndarray]:
    """At most `max_points` points of a curve, evenly spaced by index, first and last kept (for tables and plots)."""
    n = curve["fpr"].size
    if n <= max_points:
        return curve
    keep = np.unique(np.linspace(0, n - 1, max_points).round().astype(int))
    return {name: values[keep] for name, values in curve.items()}


def ks_statistic(y: np.ndarray, score: np.ndarray) -> Metric:
    """One-sided Kolmogorov-Smirnov statistic max over thresholds of TPR - FPR, in [0, 1]; None with one class only.

    The separation in the direction the score claims (defaults scoring higher), as scorecards report
    it: equal to scipy.stats.ks_2samp's two-sample distance when the widest gap between the two score
    distributions lies that way; an inverted score (AUC below 0.5) reads 0 or near it, and its AUC
    below 0.5 says so. See the module docstring.
    """
    curve, reason = roc_curve(y, score)
    if curve is None:
        return _undefined(reason)
    return Metric(float(np.max(curve["tpr"] - curve["fpr"])))


def average_precision(y: np.ndarray, score: np.ndarray) -> Metric:
    """PR-AUC as average precision (step-wise, not interpolated); None when there is no default."""
    y, score = _check(y, score)
    if y.size == 0:
        return _undefined("empty input")
    n1 = int(y.sum())
    if n1 == 0:
        return _undefined(f"no defaults among {y.size:,} rows: recall is undefined")
    _, tp, fp = _cumulative_counts(y, score)
    precision = tp / (tp + fp)
    recall = tp / n1
    return Metric(float(np.sum(np.diff(np.r_[0.0, recall]) * precision)))


def brier_score(y: np.ndarray, pd: np.ndarray) -> Metric:
    """Mean squared error of the PD against the default flag, in [0, 1]; None on empty input."""
    y, pd = _check(y, pd, probabilities=True)
    if y.size == 0:
        return _undefined("empty input")
    return Metric(float(np.mean((pd - y) ** 2)))


def log_loss(y: np.ndarray, pd: np.ndarray) -> Metric:
    """Mean negative log-likelihood (nats), PD clipped to [1e-15, 1 - 1e-15]; None on empty input."""
    y, pd = _check(y, pd, probabilities=True)
    if y.size == 0:
        return _undefined("empty input")
    p = np.clip(pd, LOG_LOSS_EPS, 1.0 - LOG_LOSS_EPS)
    return Metric(float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p))))


def mean_pd(y: np.ndarray, pd: np.ndarray) -> Metric:
    """Mean PD over the rows (fraction 0-1), the figure the calibration verdict sets against the base
    rate; None on empty input."""
    y, pd = _check(y, pd, probabilities=True)
    if y.size == 0:
        return _undefined("empty input")
    return Metric(float(pd.mean()))


def base_rate_interval(y: np.ndarray) -> tuple[Metric, Metric]:
    """(low, high): the Wilson 95% interval of the observed default rate mean(y) (`wilson_interval`),
    the sampling error a mean PD is judged against; both None on empty input."""
    y, _ = _check(y, np.zeros(np.asarray(y).size))
    if y.size == 0:
        return _undefined("empty input"), _undefined("empty input")
    low, high = wilson_interval(int(y.sum()), int(y.size))
    return Metric(low), Metric(high)


def base_rate(y: np.ndarray) -> Metric:
    """Observed default rate mean(y); None on empty input."""
    y, _ = _check(y, np.zeros(np.asarray(y).size))
    if y.size == 0:
        return _undefined("empty input")
    return Metric(float(y.mean()))


def wilson_interval(defaults: int, n: int, z: float = Z_95) -> tuple[float, float] | None:
    """Wilson score interval of a default rate defaults / n (95% by default), as fractions 0-1;
    None when n is 0. Wilson (JASA 1927): centre (p + z^2/2n) / (1 + z^2/n), half-width
    z sqrt(p(1-p)/n + z^2/4n^2) / (1 + z^2/n).

    Raises:
        ValueError: defaults outside 0..n.
    """
    if not 0 <= defaults <= n:
        raise ValueError(f"defaults {defaults} outside 0..{n}")
    if n == 0:
        return None
    p = defaults / n
    denominator = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def auc_interval(auc: float, defaults: int, non_defaults: int, z: float = Z_95) -> tuple[float, float] | None:
    """Normal interval of an AUC (95% by default) with the Hanley & McNeil (1982) standard error,
    clipped to [0, 1]; None when either class is empty (the AUC is undefined). With few defaults the
    interval is wide: with 6 defaults among 167 loans, an AUC of 0.4296 reads 0.21 to 0.65."""
    if defaults < 1 or non_defaults < 1:
        return None
    low, high = normal_interval(auc, auc_standard_error(auc, defaults, non_defaults), z)
    return max(0.0, low), min(1.0, high)


def auc_standard_error(auc: float, defaults: int, non_defaults: int) -> float:
    """Hanley & McNeil (Radiology 1982) standard error of an AUC of `auc` (0-1) judged on `defaults`
    defaults and `non_defaults` non-defaults (each at least 1): with Q1 = A / (2 - A) and
    Q2 = 2 A^2 / (1 + A), SE^2 = (A (1 - A) + (n1 - 1)(Q1 - A^2) + (n0 - 1)(Q2 - A^2)) / (n1 n0)."""
    q1, q2 = auc / (2.0 - auc), 2.0 * auc * auc / (1.0 + auc)
    variance = (auc * (1 - auc) + (defaults - 1) * (q1 - auc * auc) + (non_defaults - 1) * (q2 - auc * auc)) / (
        defaults * non_defaults)
    return math.sqrt(max(variance, 0.0))


def calibration_bins(y: np.ndarray, pd: np.ndarray, bins: int = ECE_BINS) -> dict[str, np.ndarray]:
    """Reliability table over `bins` equal-width PD bins on [0, 1] (the last bin includes 1.0).

    Returns:
        arrays of length `bins`: "bin" (0-based), "lower", "upper", "count", "mean_pd" and
        "default_rate" (NaN where the bin is empty).
    """
    y, pd = _check(y, pd, probabilities=True)
    index = np.minimum((pd * bins).astype(np.int64), bins - 1)
    count = np.bincount(index, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_pd = np.bincount(index, weights=pd, minlength=bins) / count
        default_rate = np.bincount(index, weights=y, minlength=bins) / count
    edges = np.arange(bins + 1) / bins  # 3 / 10 is 0.3, where linspace gives 0.30000000000000004
    return {
        "bin": np.arange(bins),
        "lower": edges[:-1],
        "upper": edges[1:],
        "count": count,
        "mean_pd": mean_pd,
        "default_rate": default_rate,
    }


def expected_calibration_error(y: np.ndarray, pd: np.ndarray, bins: int = ECE_BINS) -> Metric:
    """ECE over `bins` equal-width bins (definition in the module docstring); None on empty input."""
    y, pd = _check(y, pd, probabilities=True)
    if y.size == 0:
        return _undefined("empty input")
    table = calibration_bins(y, pd, bins)
    filled = table["count"] > 0
    gaps = np.abs(table["default_rate"][filled] - table["mean_pd"][filled])
    return Metric(float(np.sum(table["count"][filled] / y.size * gaps)))


def decile_calibration_error(y: np.ndarray, pd: np.ndarray, bins: int = ECE_BINS) -> Metric:
    """ECE over `bins` equal-mass bins of the PD (module docstring, `ece_decile`): bins cut at the
    PD's deciles, right-closed, so equal PDs always share a bin (ties collapse bins rather than
    being split by row order); None on empty input."""
    y, pd = _check(y, pd, probabilities=True)
    if y.size == 0:
        return _undefined("empty input")
    edges = np.unique(np.quantile(pd, np.linspace(0, 1, bins + 1)[1:-1]))
    index = np.searchsorted(edges, pd, side="left")
    count = np.bincount(index)
    filled = count > 0
    gaps = np.abs(np.bincount(index, weights=y)[filled] - np.bincount(index, weights=pd)[filled])
    return Metric(float(np.sum(gaps) / y.size))


def classification_metrics(y: np.ndarray, pd: np.ndarray) -> dict[str, Metric]:
    """Every metric of the PD model card on one split: auc, gini, ks, brier, ece, ece_decile, log_loss,
    pr_auc, mean_pd, base_rate with its Wilson 95% interval (base_rate_ci_low, base_rate_ci_high),
    n_rows, n_defaults."""
    y, pd = _check(y, pd, probabilities=True)
    rate_low, rate_high = base_rate_interval(y)
    return {
        "auc": roc_auc(y, pd),
        "gini": gini(y, pd),
        "ks": ks_statistic(y, pd),
        "brier": brier_score(y, pd),
        "ece": expected_calibration_error(y, pd),
        "ece_decile": decile_calibration_error(y, pd),
        "log_loss": log_loss(y, pd),
        "pr_auc": average_precision(y, pd),
        "mean_pd": mean_pd(y, pd),
        "base_rate": base_rate(y),
        "base_rate_ci_low": rate_low,
        "base_rate_ci_high": rate_high,
        "n_rows": Metric(float(y.size)),
        "n_defaults": Metric(float(y.sum())),
    }
