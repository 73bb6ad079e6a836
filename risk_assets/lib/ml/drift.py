"""Population stability index (PSI): how far a current sample's distribution has moved from a reference.

    PSI = sum over bins i of (a_i - e_i) * ln(a_i / e_i)

with e_i the reference (expected) share and a_i the current (actual) share of bin i. Formula, the
decile binning of the reference and the interpretation bands are the credit-risk convention of
Siddiqi, N. (2006), *Credit Risk Scorecards*, Wiley, ch. 8 ("system stability report"); see also
Yurdakul, B. (2018), *Statistical Properties of Population Stability Index*, Western Michigan
University, for the bands' statistical behaviour.

A bin that is empty in either sample makes the raw formula infinite (ln 0). Every share here is
smoothed additively, p_i = (share_i + epsilon) / (1 + k * epsilon) over the k bins, so each term is
finite and the shares still sum to 1; the epsilon and the number of empty bins are returned with
the value, so a reader can tell a smoothed PSI from an unsmoothed one. Missing values (None / NaN)
are a bin of their own: a feature that suddenly goes missing is drift too.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

DEFAULT_BINS = 10
"""Reference deciles (Siddiqi 2006)."""

DEFAULT_EPSILON = 1e-4
"""Share added to every bin before the log (fraction 0-1). A bin holding `share` of one sample and
none of the other adds about share x (ln(share) - ln(epsilon)) = share x (9.21 + ln share) at 1e-4:
4.26 for a share of 0.5, 0.69 for 0.1, 0.046 for 0.01. Once a bin empties, the PSI is mostly a
function of epsilon: half the reference vanishing (two bins of 0.5, one emptied) gives 6.91, 4.60
and 2.26 with epsilon 1e-6, 1e-4 and 1e-2, every one far past the significant band; read such a PSI
by its empty-bin counts (`PsiResult.empty_current_bins`, `empty_reference_bins`), not by its size."""

STABLE_BELOW = 0.1
SIGNIFICANT_ABOVE = 0.25
"""Bands (Siddiqi, Credit Risk Scorecards, 2006; the rule of thumb Yurdakul & Naranjo, Journal of Risk
Model Validation 2020, quote): PSI < 0.1 stable, 0.1 <= PSI <= 0.25 moderate shift, PSI > 0.25
significant shift."""

MISSING = "(missing)"
OTHER = "(other)"

DEFAULT_MIN_SHARE = 0.01
"""A category keeps a bin of its own only when it holds at least 1% of the reference (Siddiqi 2006
coarse-classes attributes before measuring stability: with hundreds of codes, NAICS or ZIP3, most
bins would hold a handful of rows and PSI would measure their sampling noise)."""

MIN_BIN_ROWS = 20
"""...and at least 20 rows' worth of the smaller sample (its share x min(n_reference, n_current)).
PSI under no shift is about chi-square / n with (k - 1) degrees of freedom (Yurdakul 2018), an
approximation that needs a handful of expected rows per bin (Cochran's 5); with 20 rows a bin, a
sample of n rows has at most n / 20 category bins, so the noise level (k - 1) x (1/n_reference +
1/n_current) stays at about 0.1 or under whatever the sizes: half the retrain policy's 0.2. On 200
loans that means 10% of the reference, on 2,000 or more the 1% floor."""


@dataclass(frozen=True)
class PsiResult:
    """One PSI comparison.

    Attributes:
        psi: the smoothed PSI, >= 0 and always finite.
        band: 'stable', 'moderate' or 'significant' (see `band`).
        bins: labels of the k bins compared ('(-inf, 0.31]', 'RENT', '(missing)', ...).
        expected: reference shares per bin, fractions 0-1 before smoothing (k).
        actual: current shares per bin, fractions 0-1 before smoothing (k).
        empty_reference_bins: bins with no reference row.
        empty_current_bins: bins with no current row.
        epsilon: the smoothing share added to every bin.
        n_reference, n_current: rows in each sample (missing values included).
        unseen_share: categorical only, the share of current rows (fraction 0-1) whose category the
            reference never held: a new code, counted in the bin '(other)' rather than one of its
            own, reported here as a figure of its own; None for a numeric variable.
    """

    psi: float
    band: str
    bins: tuple[str, ...]
    expected: tuple[float, ...]
    actual: tuple[float, ...]
    empty_reference_bins: int
    empty_current_bins: int
    epsilon: float
    n_reference: int
    n_current: int
    edges: tuple[float, ...] = field(default=())
    unseen_share: float | None = None

    @property
    def noise_psi(self) -> float | None:
        """The PSI two samples of these sizes drawn from one population give on average,
        (k - 1) x (1/n_reference + 1/n_current) for k bins (the chi-square approximation of PSI
        under no shift; Yurdakul, Statistical Properties of the Population Stability Index, 2018).
        A PSI near it is sampling noise whatever its band: 10 loans against 10 bins give about 0.9.
        None when a sample is empty."""
        if not self.n_reference or not self.n_current:
            return None
        return (len(self.bins) - 1) * (1 / self.n_reference + 1 / self.n_current)

    @property
    def empty_bins(self) -> int:
        """Bins empty in at least one of the two samples."""
        return sum(1 for e, a in zip(self.expected, self.actual) if e == 0 or a == 0)


def band(psi: float) -> str:
    """'stable' (< 0.1), 'moderate' (0.1 to 0.25) or 'significant' (> 0.25), after Siddiqi (2006)."""
    if psi < STABLE_BELOW:
        return "stable"
    if psi <= SIGNIFICANT_ABOVE:
        return "moderate"
    return "significant"


def psi_from_counts(
    reference_counts: Sequence[int],
    current_counts: Sequence[int],
    bins: Sequence[str],
    epsilon: float = DEFAULT_EPSILON,
    edges: Sequence[float] = (),
) -> PsiResult:
    """Smoothed PSI from per-bin counts of the two samples (k bins each, same order).

    Raises:
        ValueError: the count vectors differ in length, a count is negative, a sample has no rows,
            or epsilon is not in (0, 1).
    """
    ref = np.asarray(reference_counts, dtype=float)
    cur = np.asarray(current_counts, dtype=float)
    if ref.shape != cur.shape or ref.ndim != 1 or len(bins) != ref.size:
        raise ValueError(f"PSI needs two count vectors of equal length k and k bin labels; got {ref.shape}, {cur.shape}, {len(bins)}")
    if (ref < 0).any() or (cur < 0).any():
        raise ValueError("PSI counts must be >= 0")
    if ref.sum() == 0 or cur.sum() == 0:
        raise ValueError(f"PSI needs rows in both samples; got {int(ref.sum())} reference, {int(cur.sum())} current")
    if not 0 < epsilon < 1:
        raise ValueError(f"epsilon must be in (0, 1); got {epsilon}")
    expected, actual = ref / ref.sum(), cur / cur.sum()
    k = ref.size
    e_s = (expected + epsilon) / (1 + k * epsilon)
    a_s = (actual + epsilon) / (1 + k * epsilon)
    value = float(np.sum((a_s - e_s) * np.log(a_s / e_s)))
    # Each term is >= 0 analytically; clip the float noise of identical samples to an exact zero.
    value = max(value, 0.0)
    return PsiResult(
        psi=value,
        band=band(value),
        bins=tuple(bins),
        expected=tuple(float(x) for x in expected),
        actual=tuple(float(x) for x in actual),
        empty_reference_bins=int((ref == 0).sum()),
        empty_current_bins=int((cur == 0).sum()),
        epsilon=epsilon,
        n_reference=int(ref.sum()),
        n_current=int(cur.sum()),
        edges=tuple(float(x) for x in edges),
    )


def _as_float_array(values: Iterable[float | int | None]) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


def quantile_edges(reference: np.ndarray, bins: int = DEFAULT_BINS) -> np.ndarray:
    """Interior cut points of `bins` reference quantile bins (at most bins - 1, distinct, sorted).

    Ties collapse edges, so a feature with few distinct values (term: 84, 120, 240 months) gets as
    many bins as it can fill rather than empty duplicates, plus one bin below the reference's minimum
    and one above its maximum (up to bins + 1 cut points then), so a value the reference never held
    is drift. Missing values are ignored here.
    """
    finite = reference[~np.isnan(reference)]
    if finite.size == 0:
        return np.array([], dtype=float)
    cuts = np.quantile(finite, np.linspace(0, 1, bins + 1)[1:-1], method="linear")
    # A cut equal to the maximum would leave the top bin empty in the reference itself.
    edges = np.unique(cuts[cuts < finite.max()])
    if edges.size + 1 < bins:
        # Few distinct values (a constant, or 36 / 60 months): the outer bins would reach past the
        # reference's range, so values it never held (60-month loans after a 36-month-only
        # reference) would share its bin and PSI would read 0. Values below its minimum and above
        # its maximum get bins of their own.
        low, high = finite.min(), finite.max()
        edges = np.unique(np.concatenate([[np.nextafter(low, -np.inf)], edges, [high]]))
    return edges


def _edge_labels(edges: np.ndarray) -> list[str]:
    """'(lo, hi]' per bin; the bin below a reference minimum m reads '(-inf, m)' and the bin that
    holds m alone '[m, m]' (their edge is the float just below m, see `quantile_edges`)."""
    bounds = [-math.inf, *edges.tolist(), math.inf]
    labels = []
    for i, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:])):
        if i + 2 < len(bounds) and math.isfinite(hi) and np.nextafter(hi, math.inf) == bounds[i + 2]:
            labels.append(f"({lo:.6g}, {bounds[i + 2]:.6g})")
        elif math.isfinite(lo) and np.nextafter(lo, math.inf) == hi:
            labels.append(f"[{hi:.6g}, {hi:.6g}]")
        else:
            labels.append(f"({lo:.6g}, {hi:.6g}]")
    return labels


def psi_numeric(
    reference: Iterable[float | int | None],
    current: Iterable[float | int | None],
    bins: int = DEFAULT_BINS,
    epsilon: float = DEFAULT_EPSILON,
) -> PsiResult:
    """PSI of a numeric variable (a feature or the PD score) over reference-quantile bins.

    Args:
        reference: the reference sample (e.g. the champion's training snapshot), n_ref values.
        current: the current sample (a new vintage or landed batch), n_cur values.
        bins: number of reference quantile bins (deciles by default); bins are right-closed
            (lo, hi], the outer ones open to -inf / +inf so current values outside the reference
            range still count. Missing values (None / NaN) form one more bin when either sample has any.
        epsilon: smoothing share (see the module docstring).

    Raises:
        ValueError: a sample is empty or bins < 2.
    """
    if bins < 2:
        raise ValueError(f"bins must be >= 2; got {bins}")
    ref, cur = _as_float_array(reference), _as_float_array(current)
    edges = quantile_edges(ref, bins)
    labels = _edge_labels(edges)
    ref_idx = np.searchsorted(edges, ref[~np.isnan(ref)], side="left")
    cur_idx = np.searchsorted(edges, cur[~np.isnan(cur)], side="left")
    ref_counts = np.bincount(ref_idx, minlength=len(labels)).tolist()
    cur_counts = np.bincount(cur_idx, minlength=len(labels)).tolist()
    ref_missing, cur_missing = int(np.isnan(ref).sum()), int(np.isnan(cur).sum())
    if ref_missing or cur_missing:
        labels.append(MISSING)
        ref_counts.append(ref_missing)
        cur_counts.append(cur_missing)
    return psi_from_counts(ref_counts, cur_counts, labels, epsilon, edges=edges.tolist())


def psi_categorical(
    reference: Iterable[object],
    current: Iterable[object],
    epsilon: float = DEFAULT_EPSILON,
    min_share: float = DEFAULT_MIN_SHARE,
    min_rows: int = MIN_BIN_ROWS,
) -> PsiResult:
    """PSI of a categorical variable over coarse classes of its categories (Siddiqi 2006, ch. 6 and 8).

    A category keeps a bin of its own when its reference share reaches the floor
    max(`min_share`, `min_rows` / min(n_reference, n_current)) (see `DEFAULT_MIN_SHARE`,
    `MIN_BIN_ROWS`). The other categories, and the categories the reference never held, share the
    bin '(other)': a sparse code moving by a row or two, or a code seen only in one of two random
    halves of one book, is sampling noise, not a shift. The share of current rows with a code the
    reference never held is `PsiResult.unseen_share`, a figure of its own. When no category reaches
    the floor (150 ZIP3 codes of 0.7% each), the categories, in text order, are grouped into runs of
    consecutive codes holding at least the floor each ('100-114 (15 codes)'; neighbouring ZIP3
    prefixes are neighbouring places, neighbouring NAICS codes related industries), and an unseen
    code falls in the run its text sorts into. None (and NaN) is the bin '(missing)', never pooled:
    a feature that goes missing is drift. Values are compared as text.

    Args:
        reference, current: the two samples' values (n_reference, n_current of them).
        epsilon: smoothing share (see the module docstring).
        min_share: smallest reference share (fraction 0-1) of a category with a bin of its own.
        min_rows: smallest count, in the smaller sample, a category's share must be worth.

    Raises:
        ValueError: a sample is empty.
    """

    def key(v: object) -> str:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return MISSING
        return str(v)

    ref = Counter(key(v) for v in reference)
    cur = Counter(key(v) for v in current)
    n_ref, n_cur = sum(ref.values()), sum(cur.values())
    if not n_ref or not n_cur:
        raise ValueError(f"PSI needs rows in both samples; got {n_ref} reference, {n_cur} current")
    floor = max(min_share, min_rows / min(n_ref, n_cur))
    codes = sorted(c for c in ref if c != MISSING)
    unseen = sum(n for c, n in cur.items() if c != MISSING and c not in ref)
    kept = {c for c in codes if ref[c] / n_ref >= floor}
    if kept:
        pool = lambda c: c if c in kept else OTHER  # noqa: E731
    else:
        starts, labels_of = _code_runs(codes, ref, n_ref, floor)
        pool = lambda c: labels_of[max(bisect.bisect_right(starts, c) - 1, 0)]  # noqa: E731
    ref_binned: Counter[str] = Counter()
    cur_binned: Counter[str] = Counter()
    for counts, binned in ((ref, ref_binned), (cur, cur_binned)):
        for c, n in counts.items():
            binned[MISSING if c == MISSING else pool(c)] += n
    labels = sorted(set(ref_binned) | set(cur_binned))
    result = psi_from_counts([ref_binned[c] for c in labels], [cur_binned[c] for c in labels], labels, epsilon)
    return replace(result, unseen_share=unseen / n_cur)


def _code_runs(codes: Sequence[str], counts: Counter[str], n: int, floor: float) -> tuple[list[str], list[str]]:
    """Runs of consecutive `codes` (sorted text) holding at least `floor` of the n reference rows each
    (the last short run joins the one before): (first code of each run, label of each run). With no
    code at all (a reference all missing) one run, '(other)', takes every code."""
    runs: list[list[str]] = []
    held = 0
    for code in codes:
        if not runs or held >= floor * n:
            runs.append([])
            held = 0
        runs[-1].append(code)
        held += counts[code]
    if len(runs) > 1 and held < floor * n:
        runs[-2].extend(runs.pop())
    if not runs:
        return [""], [OTHER]
    labels = [run[0] if len(run) == 1 else f"{run[0]}-{run[-1]} ({len(run)} codes)" for run in runs]
    return [run[0] for run in runs], labels
