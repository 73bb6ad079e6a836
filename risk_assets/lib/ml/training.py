"""Training a PD model on marts.loan_features: splits, the positives check, the training loop, calibration.

Splits (every loan key in exactly one split; unlabelled loans in none):
- out-of-time, when the portfolio has origination dates: `sba` trains on vintages (approval
  fiscal years) <= `oot_train_until` and holds out vintages `oot_holdout_from`..`oot_holdout_to`
  (`holdout_oot`);
  any other dated portfolio holds out the loans originated on or after the date that leaves the
  share nearest `holdout_fraction` (the notes give the share); one whose dates allow no cut between
  half and twice that share (a single date, two equal vintages, a tiny last vintage) is split
  stratified at random.
  The in-time rows give a stratified `holdout_in_time` slice and a `validation` slice; a book
  too small for that slice to hold `min_defaults_per_split` defaults and non-defaults keeps no
  in-time holdout (the out-of-time one judges the model; the notes say so).
- stratified random otherwise (LendingClub): `holdout` = `holdout_fraction` of the keys,
  `validation` = `validation_fraction` of the rest, both stratified on the default flag, seed recorded.
The primary holdout (what the gate compares) is `holdout_oot` for out-of-time splits, else `holdout`.
A retraining while a champion exists keeps the random holdout stable (`ReservedKeys`): the
champion's held-out loans are held out again, the loans it trained on never enter the holdout, and
only loans new since then are drawn; so the champion is re-scored on loans it never saw. Its
held-out loans of vintages the vintage rule leaves out (`_without_leaking_vintages`) are not held
out again; the notes and the run record (`champion_holdout`) count them.
When more than `max_in_time_rows` labelled loans are in time, a stratified sample of them is drawn
first (the split notes say so); the out-of-time holdout is never subsampled. With a champion, its
held-out loans among them are all in the sample and the rest of each class's share is drawn from the
other loans, so that they are held out again (not only the sampled share of them).

Training: an ensemble of `members` PDNets (seeds seed, seed+1, ...), AdamW, early stopping on a
validation log loss, then Platt scaling of the mean logit. With `folds` = K > 1 (the default) the
ensemble is cross-fitted: the in-time loans outside the holdouts (the development loans, split
`train`) are cut into K stratified folds; member i trains on every fold but fold i mod K and stops
early on that fold; every development loan is then scored by the members that did not train on it
(its out-of-fold logit, split `validation` in the metrics), and Platt scaling is fitted on those
out-of-fold logits. The `validation` figures are thus out of fold for the weights only: the members
that score fold k chose their epoch on fold k's labels (early stopping on its log loss), and the
Platt scaling is fitted on these same scores, so the validation mean PD, ECE, Brier and log loss
are in-sample for the calibration (a Platt fit with an intercept makes the mean PD equal the
default rate there) and the AUC is flattered a little by the epoch choice: mildly optimistic. The
holdouts chose nothing; their figures are the honest ones. A categorical level none of a member's training loans had (the unknown bucket,
or a rare level whose loans all fell in its held-out fold) gets, in that member, the count-weighted
mean of the seen levels' embeddings: such a loan then scores as the training mix would, not by a
random row. Every development loan thus serves both to fit and to calibrate, without a
loan ever calibrating a member that trained on it (cross-fitting: Chernozhukov et al., "Double/
debiased machine learning", Econometrics Journal 2018; out-of-fold calibration as in scikit-learn's
CalibratedClassifierCV). With `folds` = 1 a single `validation_fraction` split does both jobs (early
stopping and calibration), and its figures carry the same caveat. A
book whose development loans cannot give each of K folds `min_defaults_per_split` defaults (and
non-defaults) is cut into as many folds as they fill, at least 2 (the notes say so).
Device: CUDA with bf16 autocast when available, else CPU in float32; one code path.
"""

from __future__ import annotations

import copy
import hashlib
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd
import torch
from torch import nn

from risk_assets.lib.ml import metrics
from risk_assets.lib.ml.features import FeatureEncoder, FeatureSpec, feature_frame, spec_for
from risk_assets.lib.ml.pd_model import PDNet, PDScorer, fit_platt
from risk_assets.lib.ml.train_config import PDTrainConfig
from risk_assets.lib.quality.leakage import leaking_vintages, rewritten_term, vintage_spans


@dataclass(frozen=True)
class ReservedKeys:
    """The loans the current champion saw, by loan key: `holdout`, those of its random holdout
    (`holdout` or `holdout_in_time`), and `trained`, those it trained or calibrated on (splits
    train and validation). A retraining holds the first out again and keeps the second out of its
    holdout, so that champion and challenger are compared on loans neither has fitted."""

    version: str
    holdout: frozenset[str]
    trained: frozenset[str] | None
    """None when the lake did not record them (a champion trained before ml.model_training_loans):
    then any loan outside its holdout may have trained it, and only its holdout is held out."""


@dataclass(frozen=True)
class VintagesLeftOut:
    """The labelled loans the vintage rule (`quality.leakage.leaking_vintages`) left out of PD
    development and holdouts before the split: inputs recorded after the outcome."""

    vintages: tuple[int, ...]
    """The vintages left out, ascending (approval years for SBA)."""
    spans: str
    """The same as ranges of the book's consecutive vintages ('1966-1988'; `leakage.vintage_spans`)."""
    keys: frozenset[str]
    """Loan keys of the labelled loans of those vintages."""


class InsufficientDefaults(ValueError):
    """Too few defaults (or non-defaults) in a split to train, calibrate or evaluate a PD model."""


@dataclass
class Split:
    """Row positions of each split in the labelled frame, and how they were drawn.

    `folds`: with cross-fitting, the fold (0..K-1) of each row of rows["train"], aligned with it;
    None with a single validation split.
    """

    rows: dict[str, np.ndarray]
    scheme: str
    primary_holdout: str
    notes: list[str]
    folds: np.ndarray | None = None
    champion_holdout: dict | None = None
    """With a champion (`ReservedKeys`): where its random holdout went, in loans: `version`,
    `loans` (its held-out loans), `held_out_again`, `left_out_by_vintage_rule` (of the vintages
    `vintages_left_out`, '1981-1988', or None), `elsewhere` (not among this training's pool of
    labelled loans: gone from the mart, unlabelled or out of time; the in-time subsample keeps
    every one of them); the last three add up to `loans`. None without a champion."""
    window_outcomes: tuple[int, int] | None = None
    """With an out-of-time holdout: (loans of its window with an outcome, all loans of its window,
    open ones included), from `window_outcomes`; None without one."""

    @property
    def n_folds(self) -> int:
        """Cross-fitting folds of this split (K; fewer than the config's when the defaults fill fewer);
        1 with a single validation split."""
        return 1 if self.folds is None or self.folds.size == 0 else int(self.folds.max()) + 1

    def fold_rows(self) -> list[np.ndarray]:
        """Row positions of each cross-fitting fold (K arrays); [] without cross-fitting."""
        if self.folds is None or self.folds.size == 0:  # no development loan: check_defaults says so
            return []
        return [self.rows["train"][self.folds == k] for k in range(int(self.folds.max()) + 1)]


@dataclass
class ValidationScores:
    """The PDs behind a version's `validation` metrics, one per loan, so that they can be recomputed.

    With cross-fitting (K folds) these are the n development loans, each scored by the members
    trained without its fold (which stopped early on it) and calibrated by the Platt scaling fitted
    on all of them; with a single validation split, the n loans of that split, which chose the epochs
    and fitted the calibration too. Out of sample for the weights, in-sample for the calibration: see
    the module docstring. Arrays of n, aligned.
    """

    keys: np.ndarray
    """Loan keys (str)."""
    y: np.ndarray
    """Default flag 0/1 at training time."""
    pd: np.ndarray
    """The model's PD, fraction 0-1."""
    baseline_pd: np.ndarray
    """The logistic-regression baseline's PD on the same loans (cross-fitted in the same folds)."""
    fold: np.ndarray | None
    """Cross-fitting fold 0..K-1 of each loan; None with a single validation split."""


@dataclass
class HoldoutScores:
    """The PDs behind one holdout's metrics, the model's and its baseline's, one per holdout row
    (n loans, arrays of n, aligned), so that the holdout figures and the gate's comparison with the
    baseline can be recomputed without retraining."""

    keys: np.ndarray
    """Loan keys (str)."""
    y: np.ndarray
    """Default flag 0/1 at training time."""
    pd: np.ndarray
    """The model's PD, fraction 0-1."""
    baseline_pd: np.ndarray
    """The logistic-regression baseline's PD on the same loans, fraction 0-1."""


@dataclass
class TrainedPD:
    """Everything a training run produced: the scorer, its splits, metrics, baseline and run record."""

    portfolio: str
    scorer: PDScorer
    split: Split
    keys: dict[str, np.ndarray]
    metrics: dict[str, dict[str, metrics.Metric]]
    baseline_metrics: dict[str, dict[str, metrics.Metric]]
    holdout_pd: np.ndarray
    holdout_y: np.ndarray
    baseline_holdout_pd: np.ndarray
    run: dict
    extra_metrics: dict[str, dict[str, metrics.Metric]]
    validation: ValidationScores
    holdouts: dict[str, HoldoutScores]
    """Per holdout split (holdout, or holdout_oot and holdout_in_time), the PDs behind its metrics."""


def pick_device(preference: str = "auto") -> torch.device:
    """CUDA when available (or asked for), else CPU."""
    if preference == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(preference)


def snapshot_hash(frame: pd.DataFrame) -> str:
    """sha256 (hex) of the labelled rows of a loan-features frame, independent of row order."""
    ordered = frame.sort_values("loan_key").reset_index(drop=True)
    digest = hashlib.sha256()
    digest.update(",".join(ordered.columns).encode())
    digest.update(pd.util.hash_pandas_object(ordered.astype("string"), index=False).to_numpy().tobytes())
    return digest.hexdigest()


def _stratified(keys_y: np.ndarray, fraction: float, rng: np.random.Generator,
                keep: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask (n,) picking `fraction` of the n rows within each class (0/1) of keys_y.

    `keep`: boolean (n,), rows that must be picked (the champion's held-out loans when the in-time
    loans are subsampled): each class still gets round(fraction x its rows) picks, its kept rows
    first and the rest drawn at random from its other rows (all of its kept rows, and no other, should
    they outnumber that). With no row kept (or None) the draw is the plain one, the same rows for the
    same seed.
    """
    mask = np.zeros(keys_y.size, dtype=bool)
    for label in (0, 1):
        members = np.flatnonzero(keys_y == label)
        take = int(round(fraction * members.size))
        if keep is not None:
            mask[members[keep[members]]] = True
            take -= int(keep[members].sum())
            members = members[~keep[members]]
        mask[rng.permutation(members)[:max(take, 0)]] = True
    return mask


def _hold_out(keys: np.ndarray, keys_y: np.ndarray, fraction: float, rng: np.random.Generator,
              reserved: ReservedKeys | None, notes: list[str], what: str = "",
              left_out: VintagesLeftOut | None = None) -> tuple[np.ndarray, dict | None]:
    """Boolean mask of the pool's keys drawn into the random holdout (`holdout` or `holdout_in_time`),
    and where the champion's holdout went (`Split.champion_holdout`; None without a champion).

    Without a champion: a stratified `fraction` of the pool. With one (`reserved`): the champion's
    holdout loans stay held out, the loans it trained or calibrated on stay out, and a stratified
    `fraction` of the loans it did neither with is drawn in; the split notes give the three counts.
    So `fraction` and the seed apply to those loans only: a loan never changes side while the
    champion stands. When the champion's training loans are not recorded, only its holdout is kept.
    `what` qualifies the holdout in the notes ("in-time " beside an out-of-time holdout, which is
    drawn by date). Champion holdout loans of the vintages `left_out` by the vintage rule are not in
    the pool; the note then gives the champion's whole holdout, those loans and their vintages, and
    any other held-out loan not in the pool, so that the counts add up to the champion's holdout.
    """
    if reserved is None:
        return _stratified(keys_y, fraction, rng), None
    kept = np.fromiter((key in reserved.holdout for key in keys), dtype=bool, count=keys.size)
    ruled = len(reserved.holdout & left_out.keys) if left_out is not None else 0
    counts = {"version": reserved.version, "loans": len(reserved.holdout), "held_out_again": int(kept.sum()),
              "left_out_by_vintage_rule": ruled, "vintages_left_out": left_out.spans if ruled else None,
              "elsewhere": len(reserved.holdout) - int(kept.sum()) - ruled}
    if ruled:
        again = (f"{int(kept.sum()):,} of its {len(reserved.holdout):,} {what}held-out loans held out again, {ruled:,} left "
                 f"out by the vintage rule (vintages {left_out.spans}: inputs recorded after the outcome)"
                 + (f", {counts['elsewhere']:,} not among this training's {what}labelled loans" if counts["elsewhere"] else ""))
    else:
        again = f"{int(kept.sum()):,} of its {what}held-out loans held out again"
    if reserved.trained is None:
        notes.append(f"holdout kept from champion {reserved.version}: {again}; its training loans are not recorded, "
                     "so no other loan is drawn in")
        return kept, counts
    seen = ~kept & np.fromiter((key in reserved.trained for key in keys), dtype=bool, count=keys.size)
    new = np.flatnonzero(~kept & ~seen)
    held = kept.copy()
    drawn = new[_stratified(keys_y[new], fraction, rng)]
    held[drawn] = True
    notes.append(f"holdout kept from champion {reserved.version}: {again}, "
                 f"{int(seen.sum()):,} loans it trained on kept out of the holdout, {drawn.size:,} of the {new.size:,} loans "
                 "it neither trained on nor held out drawn in (stratified)")
    return held, counts


def split_loans(frame: pd.DataFrame, portfolio: str, config: PDTrainConfig,
                reserved: ReservedKeys | None = None, left_out: VintagesLeftOut | None = None) -> Split:
    """Assign every labelled loan key to one split (rules in the module docstring).

    `frame` holds labelled rows only, one per loan key (grouping: a key repeated would still land in
    one split, since the draw is made over distinct keys and mapped back). `reserved`: what the
    current champion saw; with it the random holdout is kept stable across retrainings (`_hold_out`),
    so the gate can re-score the champion on loans it never trained on. `left_out`: the loans the
    vintage rule took out of `frame` before, so that the notes and `Split.champion_holdout` count
    the champion's held-out loans among them.
    """
    rng = np.random.default_rng(config.seed)
    keys, key_of_row = np.unique(frame["loan_key"].to_numpy(dtype=str), return_inverse=True)
    key_y = np.zeros(keys.size, dtype=np.int64)
    np.maximum.at(key_y, key_of_row, frame["default_flag"].to_numpy(dtype=np.int64))
    assignment = np.full(keys.size, "", dtype=object)
    notes: list[str] = []
    has_vintage = "vintage" in frame and frame["vintage"].notna().any()
    dated_share = float(frame["origination_date"].notna().mean()) if "origination_date" in frame else 0.0
    # A portfolio where only a few loans carry dates (a dated tape mixed into an undated one) would
    # otherwise be split out of time on those few and leave the rest unused.
    has_date = dated_share >= config.min_dated_share
    if 0.0 < dated_share < config.min_dated_share:
        notes.append(f"only {dated_share:.1%} of loans carry an origination date (< {config.min_dated_share:.0%}): "
                     "stratified random split")
    if portfolio == "sba" and has_vintage:
        vintage = np.full(keys.size, -1, dtype=np.int64)
        vintage[key_of_row] = frame["vintage"].fillna(-1).to_numpy(dtype=np.int64)
        in_time = (vintage >= 0) & (vintage <= config.oot_train_until)
        assignment[(vintage >= config.oot_holdout_from) & (vintage <= config.oot_holdout_to)] = "holdout_oot"
        unused = int((~in_time & (assignment != "holdout_oot")).sum())
        assignment[~in_time & (assignment != "holdout_oot")] = "unused"
        notes.append(f"train on vintages <= {config.oot_train_until}; out-of-time holdout {config.oot_holdout_from}-"
                     f"{config.oot_holdout_to}; {unused:,} labelled loans of other or unknown vintages unused")
        scheme, primary = "out_of_time_vintage", "holdout_oot"
    elif has_date and (oot := _out_of_time_cut(frame, keys, key_of_row, config.holdout_fraction)) is not None:
        date, known, cut = oot
        in_time = known & (date < cut)
        assignment[known & (date >= cut)] = "holdout_oot"
        assignment[~known] = "unused"
        held_share = float((known & (date >= cut)).sum() / known.sum())
        notes.append(f"out-of-time holdout: loans originated on or after {np.datetime64(int(cut), 'D')}, "
                     f"{held_share:.0%} of the dated loans (holdout_fraction {config.holdout_fraction:.0%}: the "
                     f"origination date nearest it); {int((~known).sum()):,} loans without an origination date unused")
        scheme, primary = "out_of_time_date", "holdout_oot"
    else:
        if has_date:
            notes.append(f"no origination date leaves an out-of-time holdout between half and twice holdout_fraction "
                         f"({config.holdout_fraction:.0%}) of the dated loans (one date, a last date holding most of "
                         "them, or a last vintage of a handful): stratified random split")
        in_time = np.ones(keys.size, dtype=bool)
        scheme, primary = "stratified_random", "holdout"
    pool = np.flatnonzero(in_time)
    if pool.size > config.max_in_time_rows:
        # the champion's held-out loans still in the pool enter the sample first, or the draw would
        # keep only max_in_time_rows / pool.size of them (519 of 5,000 for SBA) and its successor's
        # in-time holdout would hold mostly other loans than the champion's
        again = None if reserved is None else np.fromiter(
            (key in reserved.holdout for key in keys[pool]), dtype=bool, count=pool.size)
        kept = _stratified(key_y[pool], config.max_in_time_rows / pool.size, rng, again)
        which = "" if scheme == "stratified_random" else "in-time "
        notes.append(SUBSAMPLE_NOTE.format(pool=f"{pool.size:,}", kept=f"{int(kept.sum()):,}")
                     + (f", the champion's {int(again.sum()):,} {which}held-out loans among them" if reserved is not None else ""))
        assignment[pool[~kept]] = "unused"
        pool = pool[kept]
    fraction = config.holdout_fraction if scheme == "stratified_random" else config.holdout_fraction / 2
    held, champion_holdout = _hold_out(keys[pool], key_y[pool], fraction, rng, reserved, notes,
                                       "" if scheme == "stratified_random" else "in-time ", left_out)
    if scheme != "stratified_random" and reserved is None and _too_few(key_y[pool[held]], config.min_defaults_per_split):
        # a small dated book: the out-of-time holdout judges the model; an in-time slice of a few
        # defaults would judge nothing and only refuse the training
        small = key_y[pool[held]]
        notes.append(f"no in-time holdout: {fraction:.0%} of the in-time loans would hold {int(small.sum()):,} defaults and "
                     f"{int(small.size - small.sum()):,} non-defaults (< min_defaults_per_split {config.min_defaults_per_split}); "
                     "they develop the model, and the out-of-time holdout alone judges it")
        held = np.zeros(pool.size, dtype=bool)
    if held.any() or scheme == "stratified_random":
        assignment[pool[held]] = "holdout" if scheme == "stratified_random" else "holdout_in_time"
    rest = pool[~held]
    key_fold = None
    folds = _folds_that_fit(key_y[rest], config, notes)
    if folds > 1:
        key_fold = np.full(keys.size, -1, dtype=np.int64)
        for label in (0, 1):  # deal each class round-robin over the folds: stratified, sizes differ by <= 1
            members = rest[key_y[rest] == label]
            key_fold[rng.permutation(members)] = np.arange(members.size) % folds
        assignment[rest] = "train"
        notes.append(f"development loans (split train) cross-fitted in {folds} stratified folds; "
                     "split validation = their out-of-fold scores")
    else:
        val = _stratified(key_y[rest], config.validation_fraction, rng)
        assignment[rest[val]] = "validation"
        assignment[rest[~val]] = "train"
    row_split = assignment[key_of_row]
    order = ["train"] + (["validation"] if key_fold is None else []) + [primary]
    order += ["holdout_in_time"] if scheme != "stratified_random" and (assignment == "holdout_in_time").any() else []
    rows = {name: np.flatnonzero(row_split == name) for name in order}
    folds = key_fold[key_of_row][rows["train"]] if key_fold is not None else None
    return Split(rows, scheme, primary, notes, folds, champion_holdout)


SUBSAMPLE_NOTE = "in-time loans subsampled (stratified) from {pool} to {kept} to bound CPU training time"
"""The split note of a training that drew `max_in_time_rows` of its in-time loans (`split_loans`),
its counts with thousands separators ('from 492,941 to 50,000'); `in_time_subsample` reads it back
from the run record."""
_SUBSAMPLE_READ = re.compile(re.escape(SUBSAMPLE_NOTE).replace(r"\{pool\}", r"(?P<pool>\d[\d,]*)")
                             .replace(r"\{kept\}", r"(?P<kept>\d[\d,]*)"))
"""Reads the note with or without separators: records written before the counts had them say
'from 492941 to 50000'."""


def in_time_subsample(run: dict) -> tuple[int, int] | None:
    """(in-time loans, loans drawn from them) of a training that subsampled its in-time loans, read
    from its run record's split notes (meta.json `run.split_notes`, as the model card shows them);
    None when it drew none, or the record holds no split notes."""
    for note in run.get("split_notes") or ():
        if found := _SUBSAMPLE_READ.match(str(note)):  # a retraining's note goes on after it
            return int(found["pool"].replace(",", "")), int(found["kept"].replace(",", ""))
    return None


def _too_few(y: np.ndarray, minimum: int) -> bool:
    """Whether default flags `y` hold fewer than `minimum` defaults or non-defaults."""
    return int(y.sum()) < minimum or int(y.size - y.sum()) < minimum


def _folds_that_fit(y: np.ndarray, config: PDTrainConfig, notes: list[str]) -> int:
    """Cross-fitting folds for development loans with default flags `y`: `config.folds`, or fewer
    (at least 2) when the defaults or non-defaults cannot give every fold `min_defaults_per_split`;
    1 stays 1. Fewer than 2 such folds: `config.folds`, and `check_defaults` refuses saying why."""
    if config.folds <= 1:
        return config.folds
    fitting = min(int(y.sum()), int(y.size - y.sum())) // config.min_defaults_per_split
    if 2 <= fitting < config.folds:
        notes.append(f"{fitting} cross-fitting folds, not {config.folds}: {int(y.sum()):,} development defaults and "
                     f"{int(y.size - y.sum()):,} non-defaults fill {fitting} folds of at least "
                     f"{config.min_defaults_per_split} each")
        return fitting
    return config.folds


def _out_of_time_cut(frame: pd.DataFrame, keys: np.ndarray, key_of_row: np.ndarray,
                     fraction: float) -> tuple[np.ndarray, np.ndarray, int] | None:
    """(origination date per key in days since 1970, whether it is known, the cut) of a dated
    portfolio's out-of-time holdout, or None when the loans carry a single date.

    The cut is the origination date, after the first, whose loans on or after it come nearest to
    `fraction` of the dated loans (a quantile cut overshoots when dates are few: four quarters of
    30, 30, 25 and 15% held out 40%, not the last quarter's 15%). None too when even the nearest
    share is more than twice `fraction` (two vintages of equal size would hold out half the book) or
    less than half of it (a new vintage of a few dozen loans, too few defaults to judge a model).
    """
    date = np.full(keys.size, np.iinfo(np.int64).min, dtype=np.int64)
    date[key_of_row] = frame["origination_date"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    known = date != np.iinfo(np.int64).min
    values, counts = np.unique(date[known], return_counts=True)
    if values.size < 2:
        return None
    share_from = counts[::-1].cumsum()[::-1] / counts.sum()  # share of dated loans on or after each date
    best = 1 + int(np.argmin(np.abs(share_from[1:] - fraction)))
    if not fraction / 2 <= share_from[best] <= 2 * fraction:  # no date cuts near it: the last vintage is most
        return None                                          # of the book, or a handful of loans
    return date, known, int(values[best])


def _auc_standard_error(defaults: int, auc: float = 0.7) -> float:
    """Hanley & McNeil (Radiology 1982) standard error of an AUC of `auc` from `defaults` defaults
    and as many non-defaults: how noisy a holdout of that size judges a model."""
    return metrics.auc_standard_error(auc, defaults, defaults)


def check_defaults(y: np.ndarray, split: Split, minimum: int) -> None:
    """Refuse to train when any split has fewer than `minimum` defaults or non-defaults.

    Raises:
        InsufficientDefaults: the message lists defaults / rows per split.
    """
    counts = {name: (int(y[idx].sum()), int(idx.size)) for name, idx in split.rows.items()}
    for k, idx in enumerate(split.fold_rows()):
        counts[f"validation fold {k + 1}"] = (int(y[idx].sum()), int(idx.size))
    short = [name for name, (pos, n) in counts.items() if pos < minimum or n - pos < minimum]
    if short:
        table = ", ".join(f"{name}: {pos} defaults / {n} loans" for name, (pos, n) in counts.items())
        raise InsufficientDefaults(
            f"too few defaults to train a PD model ({split.scheme} split; at least {minimum} defaults and "
            f"{minimum} non-defaults needed per split; short: {', '.join(short)}). Positives per split: {table}. "
            f"The retrain sensor tries again as defaults land; loan_pd_model config min_defaults_per_split lowers "
            f"the floor, at a price: the AUC of {max(minimum // 2, 1)} defaults has a standard error near "
            f"{_auc_standard_error(max(minimum // 2, 1)):.2f}"
        )


def _train_member(
    net: PDNet, data: dict[str, tuple[torch.Tensor, ...]], config: PDTrainConfig, seed: int, device: torch.device
) -> dict:
    """Train one ensemble member with early stopping on the validation log loss; returns its record."""
    generator = torch.Generator().manual_seed(seed)
    net.to(device)
    optimiser = torch.optim.AdamW(net.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    loss_fn = nn.BCEWithLogitsLoss()
    num, cat, y = data["train"]
    vnum, vcat, vy = data["validation"]
    best, best_state, stale, epochs = float("inf"), None, 0, 0
    for epoch in range(config.max_epochs):
        net.train()
        order = torch.randperm(y.shape[0], generator=generator).to(device)
        for start in range(0, y.shape[0], config.batch_size):
            batch = order[start:start + config.batch_size]
            with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
                logit = net(num[batch], cat[batch])
            loss = loss_fn(logit.float(), y[batch])
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
        net.eval()
        with torch.no_grad(), torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            val_loss = float(loss_fn(net(vnum, vcat).float(), vy))
        epochs = epoch + 1
        if val_loss < best - 1e-5:
            best, best_state, stale = val_loss, copy.deepcopy(net.state_dict()), 0
        else:
            stale += 1
            if stale >= config.patience:
                break
    net.load_state_dict(best_state)
    return {"seed": seed, "epochs": epochs, "best_validation_log_loss": best}


BASELINE_C_GRID = (1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0)
"""The logistic-regression baseline's candidate regularisation strengths C (scikit-learn's inverse
L2 penalty: the fit minimises C x the summed log loss + half the squared weights, on standardised
numeric inputs and 0/1 one-hot levels), in half-decade steps from scikit-learn's default 1.0 down to
1e-3. At 1.0 the one-hot levels (589 on LendingClub, zip3 codes of a few dozen loans among them) fit
their own default rates: train AUC 0.7235, out of fold 0.6732. On the main job's development
loans the out-of-fold log loss of LendingClub is lowest inside the grid, at 0.03 (0.38259 against
0.38482 at 1e-3 and 0.38692 at 1; 0.01 is within 0.00003), so a finer grid could gain little; SBA's
inputs barely over-fit its 45,000 loans: flat from 0.1 (0.24972) to 1 (0.24969, chosen), so a
C beyond the grid would not move it either."""


@dataclass(frozen=True)
class BaselineChoice:
    """How the baseline's C was chosen: `c` the chosen C, `criterion` what chose it, and per C of
    BASELINE_C_GRID its figures on the loans that chose it (`grid`: [{"c", "log_loss", "auc"}, ...])."""

    c: float
    criterion: str
    grid: list[dict]


def _fit_baseline(
    num: dict[str, np.ndarray], cat: dict[str, np.ndarray], y_train: np.ndarray, cardinalities: list[int], seed: int,
    folds: np.ndarray | None = None, y_validation: np.ndarray | None = None, grid: Sequence[float] | None = None,
) -> tuple[dict[str, np.ndarray], BaselineChoice]:
    """Logistic regression on the same encoded inputs (categoricals one-hot); PDs per split, and its C.

    The regularisation strength C is chosen among `grid` (BASELINE_C_GRID when None, read at the
    call) on the development loans alone, by log
    loss (a proper scoring rule, smooth in C, and it judges calibration as well as ranking, which
    the baseline's ECE is quoted for; the AUC barely moves near the optimum): with `folds` (the
    cross-fitting fold of each train row), the baseline is cross-fitted like the ensemble, one fit
    per fold and C on the other folds, scoring that fold; the C of the lowest out-of-fold log loss
    over all development loans is refitted on all of them, and its out-of-fold PDs come back as
    split "validation". Those `validation` figures are thus a little optimistic (the best of the
    grid on the same loans); the holdouts chose nothing and stay out of sample. Without folds, C is
    chosen on the validation split (`y_validation`, its default flags), scored by the fit on train.

    Each fold's fits run through the grid upwards, each starting from the previous C's weights
    (lbfgs warm start): on the main job's development loans LendingClub's 36 fits took 51 s where
    the 6 fits at C = 1 alone took 38 s, SBA's (45,000 loans) 24 s against 14 s (a 2-core machine
    beside other work): about 20 s more per main job.

    Returns:
        ({split: PD (n,)}, BaselineChoice).

    Raises:
        ValueError: without folds, when the splits hold no "validation" or y_validation is None.
    """
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    offsets = np.r_[0, np.cumsum(cardinalities)[:-1]].astype(np.int64)
    grid = sorted(BASELINE_C_GRID if grid is None else grid)

    def design(split: str):
        n = num[split].shape[0]
        codes = cat[split] + offsets
        onehot = sparse.csr_matrix(
            (np.ones(codes.size), (np.repeat(np.arange(n), codes.shape[1]), codes.ravel())),
            shape=(n, int(sum(cardinalities))),
        )
        return sparse.hstack([sparse.csr_matrix(num[split]), onehot]).tocsr()

    def path(x, y):
        """One fit per C of the grid, upwards, each warm-started from the last: [model, ...]."""
        model = LogisticRegression(C=grid[0], max_iter=2000, random_state=seed, warm_start=True)
        fitted = []
        for c in grid:
            fitted.append(copy.deepcopy(model.set_params(C=c).fit(x, y)))
        return fitted

    x_train = design("train")
    if folds is not None:
        scored, y_scored = np.empty((len(grid), y_train.size)), y_train
        for k in np.unique(folds):
            held = folds == k
            for i, model in enumerate(path(x_train[~held], y_train[~held])):
                scored[i, held] = model.predict_proba(x_train[held])[:, 1]
        criterion = f"out-of-fold log loss over the {y_train.size:,} development loans ({np.unique(folds).size} folds)"
    else:
        if "validation" not in num or y_validation is None:
            raise ValueError("without cross-fitting folds, the baseline's C is chosen on the validation split: "
                             "give its rows and y_validation")
        models = path(x_train, y_train)
        x_validation, y_scored = design("validation"), y_validation
        scored = np.stack([model.predict_proba(x_validation)[:, 1] for model in models])
        criterion = f"log loss on the {y_validation.size:,} validation loans (fitted on the development loans)"
    figures = [{"c": c, "log_loss": metrics.log_loss(y_scored, scored[i]).value,
                "auc": metrics.roc_auc(y_scored, scored[i]).value} for i, c in enumerate(grid)]
    best = int(np.argmin([f["log_loss"] for f in figures]))
    choice = BaselineChoice(c=grid[best], criterion=criterion, grid=figures)
    if folds is not None:
        model = LogisticRegression(C=grid[best], max_iter=2000, random_state=seed).fit(x_train, y_train)
    else:
        model = models[best]
    pds = {split: model.predict_proba(design(split))[:, 1] for split in num}
    if folds is not None:
        pds["validation"] = scored[best]
    return pds, choice


def _average_unseen_levels(net: PDNet, codes: torch.Tensor) -> None:
    """Give every categorical level no loan of the member's training rows had (the unknown bucket,
    code 0, when no rare or missing value trained it; a known level whose few loans all fell in
    the member's held-out fold) the mean of the seen levels' embeddings, weighted by their training
    counts. Left at its random start, such a row would move a loan's PD by a random amount (and,
    out of fold, its calibration); as the average, the loan scores as the training mix would.

    Args:
        codes: the categorical codes the member trained on (n x inputs).
    """
    with torch.no_grad():
        for j, table in enumerate(net.embeddings):
            counts = torch.bincount(codes[:, j].cpu(), minlength=table.num_embeddings).to(table.weight.dtype)
            unseen = (counts == 0).to(table.weight.device)
            if unseen.any() and counts.sum() > 0:
                mean = (counts / counts.sum()).to(table.weight.device) @ table.weight
                table.weight[unseen] = mean


PARALLEL_MIN_MEMBER_LOANS = 200_000
"""With `cpu_workers` 0, an ensemble of fewer member x development loans than this (20 members of
10,000 loans) trains in this process: a worker process spends 5 to 8 s starting and importing torch
on a 2-core machine, about what half of such an ensemble takes (LendingClub's 20 members of 31,829
development loans: 63 s on one core, 40 s on two, start-up included)."""


def member_workers(config: PDTrainConfig, n_train: int, device: torch.device) -> int:
    """How many processes train the ensemble's members side by side: `config.cpu_workers` when set,
    else, on a CPU with `config.members` x `n_train` development loans of at least
    PARALLEL_MIN_MEMBER_LOANS, one per CPU core this process may use (up to `members`), else 1 (this
    process). On CUDA always 1."""
    if device.type != "cpu":
        return 1
    if config.cpu_workers > 0:
        return min(config.cpu_workers, config.members)
    if config.members * n_train < PARALLEL_MIN_MEMBER_LOANS:
        return 1
    from joblib import cpu_count  # the cores this process may use: affinity and a container's CPU quota

    return max(1, min(cpu_count() // max(1, config.cpu_threads), config.members))


@dataclass(frozen=True)
class _EnsembleData:
    """What every member trains from: the encoded development (and validation) rows, numeric (n x d,
    float32) and categorical codes (n x c, int64), their default flags (n,) and the net's shape.
    numpy arrays, so that joblib hands them to worker processes as shared memory maps."""

    num: np.ndarray
    cat: np.ndarray
    target: np.ndarray
    n_numeric: int
    cardinalities: list[int]
    config: PDTrainConfig

    def tensors(self, device: torch.device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        # a worker's arrays are read-only memory maps: copied into memory torch may own
        return tuple(torch.from_numpy(a if a.flags.writeable else np.array(a)).to(device)
                     for a in (self.num, self.cat, self.target))

    def net(self, state: dict[str, torch.Tensor] | None = None) -> PDNet:
        """A member's net: newly initialised from torch's current seed, or, given a worker's state dict,
        those weights in eval mode."""
        config = self.config
        net = PDNet(self.n_numeric, self.cardinalities, config.hidden, config.dropout, config.max_embedding_dim)
        if state is not None:
            net.load_state_dict(state)
            net.eval()
        return net


def _fit_member(data: _EnsembleData, i: int, fit_rows: np.ndarray, stop_rows: np.ndarray,
                device: torch.device, tensors: tuple[torch.Tensor, ...] | None = None) -> tuple[PDNet, dict]:
    """Member i: seeded with seed + i, trained on `fit_rows`, stopped early on `stop_rows`; returned on
    the CPU in eval mode. The same seed and rows give the same weights in whichever process trains it."""
    torch.manual_seed(data.config.seed + i)
    net = data.net()
    num, cat, target = tensors if tensors is not None else data.tensors(device)
    fit, stop = (torch.from_numpy(np.array(rows)).to(device) for rows in (fit_rows, stop_rows))
    split = {"train": (num[fit], cat[fit], target[fit]), "validation": (num[stop], cat[stop], target[stop])}
    record = _train_member(net, split, data.config, data.config.seed + i, device)
    _average_unseen_levels(net, cat[fit])
    return net.cpu().eval(), record


def _member_in_worker(data: _EnsembleData, i: int, fit_rows: np.ndarray, stop_rows: np.ndarray
                      ) -> tuple[dict[str, torch.Tensor], dict]:
    """Member i trained in a worker process, on `cpu_threads` threads as in the step's own process;
    its weights (a state dict) and record go back."""
    torch.set_num_threads(data.config.cpu_threads)
    net, record = _fit_member(data, i, fit_rows, stop_rows, torch.device("cpu"))
    return net.state_dict(), record


def _fit_ensemble(
    encoded: tuple[np.ndarray, np.ndarray], y: np.ndarray, split: Split, n_train: int, encoder: FeatureEncoder,
    config: PDTrainConfig, device: torch.device, log: Callable[[str], None] | None = None,
) -> tuple[list[PDNet], list[dict], np.ndarray | None]:
    """Train the ensemble on the development rows.

    Members are independent (member i: seed + i, its own folds), so on a CPU with enough loans they
    train side by side in `member_workers` processes (joblib's loky workers, one torch thread each)
    and come back in member order: the same weights, out-of-fold logits and log lines as one
    process gives.

    Args:
        encoded: numeric (n x d) and categorical (n x c) inputs of the development rows (split train),
            followed, without cross-fitting, by the validation rows.
        y: default flags of the same rows (n,).
        n_train: how many of the n rows are development rows.
        log: called with one line per trained member (epochs, validation log loss, seconds so far),
            and, when members train in worker processes, one line saying how many first.

    Returns:
        (members, one record per member, out-of-fold logits of the development rows (n_train,) or
        None without cross-fitting).

    Raises:
        ValueError: fewer members than folds (a fold would have no out-of-fold score).
    """
    data = _EnsembleData(encoded[0], encoded[1], y.astype(np.float32), len(encoder.numeric_columns),
                         list(encoder.cardinalities), config)
    if split.folds is None:
        index = np.arange(y.size)
        plans = [(index[:n_train], index[n_train:])] * config.members
    else:
        k = split.n_folds
        if config.members < k:
            raise ValueError(f"members ({config.members}) must be at least folds ({k}): "
                             "every fold needs a member that did not train on it")
        plans = [(np.flatnonzero(split.folds != i % k), np.flatnonzero(split.folds == i % k))
                 for i in range(config.members)]
    workers = member_workers(config, n_train, device)
    started = time.perf_counter()
    if workers > 1:
        from joblib import Parallel, delayed

        if log:
            log(f"training {len(plans)} members in {workers} processes side by side, {config.cpu_threads} CPU "
                "thread(s) each")
        states = Parallel(n_jobs=workers, backend="loky", return_as="generator")(
            delayed(_member_in_worker)(data, i, fit_rows, stop_rows) for i, (fit_rows, stop_rows) in enumerate(plans))
        trained = ((data.net(state), record) for state, record in states)
    else:
        tensors = data.tensors(device)
        trained = (_fit_member(data, i, fit_rows, stop_rows, device, tensors)
                   for i, (fit_rows, stop_rows) in enumerate(plans))
    num, cat = torch.from_numpy(data.num), torch.from_numpy(data.cat)
    members, records = [], []
    oof_sum = np.zeros(n_train) if split.folds is not None else None
    oof_count = np.zeros(n_train)
    for i, ((_, stop_rows), (net, record)) in enumerate(zip(plans, trained)):
        members.append(net)
        if oof_sum is not None:
            with torch.no_grad():
                oof_sum[stop_rows] += net(num[stop_rows], cat[stop_rows]).double().numpy()
            oof_count[stop_rows] += 1
            record["validation_fold"] = i % split.n_folds + 1
        records.append(record)
        if log:
            stopped_on = f"validation fold {record['validation_fold']}" if "validation_fold" in record else "validation split"
            log(f"member {i + 1}/{len(plans)}: {record['epochs']} epochs, best log loss {record['best_validation_log_loss']:.4f} "
                f"on {stopped_on}; {time.perf_counter() - started:.0f} s since training started")
    return members, records, (oof_sum / oof_count if oof_sum is not None else None)


def _without_leaking_vintages(labelled: pd.DataFrame, spec: FeatureSpec
                              ) -> tuple[pd.DataFrame, str | None, VintagesLeftOut | None]:
    """`labelled` without the vintages whose inputs were recorded after the outcome
    (`quality.leakage.leaking_vintages`), the split note that says how many loans and defaults
    left and why, and which vintages and loans they were (both None when none left). They neither
    train nor judge the model: a holdout of them would credit it with the recording, not the risk.
    They stay in the lake and are scored."""
    numeric = list(spec.numeric)
    if not numeric or "vintage" not in labelled:
        return labelled, None, None
    inputs = feature_frame(labelled, spec)[numeric].assign(vintage=labelled["vintage"],
                                                         default_flag=labelled["default_flag"])
    left_out, reason = leaking_vintages(inputs, numeric)
    if not left_out:
        return labelled, None, None
    gone = labelled["vintage"].isin(left_out)
    spans = vintage_spans(left_out, labelled["vintage"])
    note = (f"{int(gone.sum()):,} loans ({int(labelled.loc[gone, 'default_flag'].sum()):,} defaults) of vintages "
            f"{spans} left out of development and holdouts: {reason}")
    taken = VintagesLeftOut(tuple(left_out), spans, frozenset(labelled.loc[gone, "loan_key"].astype(str)))
    return labelled[~gone].reset_index(drop=True), note, taken


def share_of(part: int, whole: int) -> str:
    """`part` of `whole` as a percentage, to the unit, or to the tenth when the unit would read 0% or
    100% for a share that is neither: 945 open loans of 221,538 are 99.6% resolved, not 100%."""
    share = part / whole
    whole_percent = f"{share:.0%}"
    if 0 < part < whole and whole_percent in ("0%", "100%"):
        return f"{share:.1%}" if f"{share:.1%}" not in ("0.0%", "100.0%") else f"{share:.2%}"
    return whole_percent


def window_outcomes(frame: pd.DataFrame, holdout: pd.DataFrame, scheme: str) -> tuple[int, int]:
    """(loans with an outcome, all loans) of the out-of-time holdout's window: the loans of `frame`
    (the portfolio's features, open loans included) originated on or after the holdout's first
    origination date (`out_of_time_date`), or of its vintages (`out_of_time_vintage`). The first is
    the holdout's size. Loans resolve early when they default, so a window most of whose loans are
    open holds the early outcomes only: more defaults than the vintages will end with."""
    return len(holdout), int(max(len(holdout), in_window(frame, holdout, scheme).sum()))


def in_window(frame: pd.DataFrame, holdout: pd.DataFrame, scheme: str) -> pd.Series:
    """Per row of `frame`: whether it falls in the out-of-time holdout's window, its vintages
    (`out_of_time_vintage`) or on or after its first origination date; False without the value."""
    if scheme == "out_of_time_vintage":
        inside = frame["vintage"].between(holdout["vintage"].min(), holdout["vintage"].max())
    else:
        inside = pd.to_datetime(frame["origination_date"]) >= pd.to_datetime(holdout["origination_date"]).min()
    return inside.fillna(False).astype(bool)


def quarantined_note(quarantined: pd.DataFrame, holdout: pd.DataFrame | None, scheme: str) -> str:
    """The split note on the loans that landed but were quarantined (`portfolio.
    quarantined_loans_not_in_features`: no row in marts.loan_features): they are in no split, and
    an outcome-driven rewrite (SBA's term 0 after a charge-off) makes them mostly defaults, so the
    card says how many, their defaults, how many fall in the out-of-time holdout's window
    (`in_window`; `holdout` None without one) and where to see them; and, when some are, how many
    are held out because their newest snapshot is quarantined though an older one is clean
    (`newest_quarantined`).

    Args:
        quarantined: one row per loan with vintage, origination_date, default_flag, rules and
            (optionally) newest_quarantined.
        holdout: the out-of-time holdout's rows (vintage, origination_date), or None.
    """
    from risk_assets.lib.report.portfolio import newest_snapshot_said

    labels = quarantined["default_flag"].dropna()
    defaults = int(labels.sum())
    rules = quarantined["rules"].fillna("").str.split(",").explode()
    counts = rules[rules != ""].value_counts()
    window_note = ""
    if holdout is not None and len(holdout):
        window = (f"vintages {holdout['vintage'].min()}-{holdout['vintage'].max()}" if scheme == "out_of_time_vintage"
                  else f"originated on or after {pd.to_datetime(holdout['origination_date']).min():%Y-%m-%d}")
        window_note = f"; {int(in_window(quarantined, holdout, scheme).sum()):,} of them in the out-of-time window ({window})"
    top = counts.index[0] if len(counts) else None
    newest = int(quarantined["newest_quarantined"].fillna(False).sum()) if "newest_quarantined" in quarantined else 0
    why = f"; {newest_snapshot_said(newest)}" if newest else ""
    return (f"{len(quarantined):,} loans landed but quarantined (not in marts.loan_features{why}) are in neither training "
            f"nor holdouts: {len(labels):,} labelled, {defaults:,} of them defaults"
            f"{f' ({share_of(defaults, len(labels))})' if len(labels) else ''}{window_note}; by rule: " + ", ".join(f"{rule} {n:,}" for rule, n in counts.items())
            + f" (see risk-assets quarantine --rule {top}; checks raw_loans_values, stg_loans_values)")


def train_pd_model(frame: pd.DataFrame, portfolio: str, config: PDTrainConfig, spec: FeatureSpec | None = None,
                   log: Callable[[str], None] | None = None, reserved: ReservedKeys | None = None,
                   notes: Sequence[str] = (), quarantined: pd.DataFrame | None = None,
                   chargeoff_dates: pd.Series | None = None) -> TrainedPD:
    """Train, calibrate and evaluate the PD model of one portfolio (splits, ensemble and calibration
    as the module docstring says).

    Args:
        frame: marts.loan_features rows of the portfolio (n x canonical columns); unlabelled rows are dropped.
        spec: the feature spec; None = the portfolio's own (`spec_for`).
        log: called with one progress line per trained ensemble member and two for the baseline.
        reserved: what the current champion saw (`ReservedKeys`); None = draw the holdout afresh.
        notes: what the caller did to `frame` before (loans it left out), added to the split notes.
        quarantined: the portfolio's landed loans that a quarantined value keeps out of `frame`
            (`portfolio.quarantined_loans_not_in_features`); a split note counts them
            (`quarantined_note`). None or empty: no note.
        chargeoff_dates: the portfolio's charge-off date per loan key (datetime64, NaT where none;
            `pd_lake.chargeoff_dates`). With an out-of-time holdout, a point-in-time model is fitted
            beside this one (`point_in_time_backtest`): its figures join the holdout_oot metrics and
            the run record's `point_in_time`. None: no backtest (the lake has no charge-off dates).

    Returns:
        The scorer with metrics per split: train (in-sample), validation (out-of-fold with
        cross-fitting, else the validation split; the epochs and the calibration were chosen on it,
        so mildly optimistic), the primary holdout and, out of time, holdout_in_time (the honest
        figures).

    Raises:
        InsufficientDefaults: no loan has an outcome, or a split or fold holds too few defaults
            (message lists defaults per split).
        ValueError: fewer members than folds.
    """
    labelled = frame[frame["default_flag"].notna()].reset_index(drop=True)
    if labelled.empty:
        raise InsufficientDefaults(
            f"no loan of portfolio {portfolio!r} has an outcome yet ({len(frame):,} loans, every default flag NULL: "
            "current, in grace or late loans, or a status the mapping leaves unlabelled): nothing to train on")
    spec = spec or spec_for(portfolio, labelled)
    labelled, leak_note, left_out = _without_leaking_vintages(labelled, spec)
    if labelled.empty:
        raise InsufficientDefaults(f"no loan of portfolio {portfolio!r} is left to train on: {leak_note}")
    y_all = labelled["default_flag"].to_numpy(dtype=np.int64)
    split = split_loans(labelled, portfolio, config, reserved, left_out)
    split.notes[:0] = [*notes, *([leak_note] if leak_note else [])]
    if split.primary_holdout == "holdout_oot":
        split.window_outcomes = window_outcomes(frame, labelled.iloc[split.rows["holdout_oot"]], split.scheme)
        resolved, loans = split.window_outcomes
        split.notes.append(f"out-of-time window: {resolved:,} of its {loans:,} loans have an outcome "
                           f"({share_of(resolved, loans)}), the rest are still open")
    if quarantined is not None and len(quarantined):
        oot = labelled.iloc[split.rows["holdout_oot"]] if split.primary_holdout == "holdout_oot" else None
        split.notes.append(quarantined_note(quarantined, oot, split.scheme))
    try:
        check_defaults(y_all, split, config.min_defaults_per_split)
    except InsufficientDefaults as exc:
        if leak_note:  # the refusal names what the vintage rule took
            raise InsufficientDefaults(f"{exc}; before the split, {leak_note}") from None
        raise
    device = pick_device(config.device)

    parts = {name: labelled.iloc[idx] for name, idx in split.rows.items()}
    if "term_months" in spec.numeric and (reason := rewritten_term(parts["train"]["term_months"],
                                                                    parts["train"]["default_flag"])):
        spec = replace(spec, numeric={k: v for k, v in spec.numeric.items() if k != "term_months"})
        split.notes.append(f"term_months left out of the inputs: on the development loans {reason}")
    encoder = FeatureEncoder.fit(parts["train"], spec)
    encoded = {name: encoder.transform(part) for name, part in parts.items()}
    ys = {name: y_all[idx] for name, idx in split.rows.items()}
    fitted = ["train"] + (["validation"] if "validation" in parts else [])

    started = time.perf_counter()
    # a net this small trains fastest on one thread: synchronising threads costs more than it saves
    threads = torch.get_num_threads()
    torch.set_num_threads(config.cpu_threads)
    try:
        members, records, oof_logits = _fit_ensemble(
            (np.concatenate([encoded[n][0] for n in fitted]), np.concatenate([encoded[n][1] for n in fitted])),
            np.concatenate([ys[n] for n in fitted]), split, ys["train"].size, encoder, config, device, log)
    finally:
        torch.set_num_threads(threads)
    seconds = time.perf_counter() - started
    samples = sum(r["epochs"] for r in records) * ys["train"].size * (1 - 1 / split.n_folds if oof_logits is not None else 1)

    scorer = PDScorer(encoder, members, (1.0, 0.0))
    logits = {name: scorer.encoded_logits(*encoded[name]) for name in parts}
    if oof_logits is not None:
        scorer.platt = fit_platt(oof_logits, ys["train"])
        pds = {name: scorer.calibrate(logit) for name, logit in logits.items()}
        pds = {"train": pds["train"], "validation": scorer.calibrate(oof_logits), **pds}
        ys = {"train": ys["train"], "validation": ys["train"], **ys}
        calibration_note = f"Platt scaling fitted on the out-of-fold scores of the {ys['train'].size:,} development loans"
    else:
        scorer.platt = fit_platt(logits["validation"], ys["validation"])
        pds = {name: scorer.calibrate(logit) for name, logit in logits.items()}
        calibration_note = f"Platt scaling fitted on the validation split ({ys['validation'].size:,} loans)"

    grid = len(BASELINE_C_GRID)
    fits = grid * split.n_folds + 1 if split.folds is not None else grid
    if log:
        log(f"logistic-regression baseline: {fits} fit(s) on {ys['train'].size:,} development loans "
            f"(its C chosen among {grid})")
    baseline_started = time.perf_counter()
    baseline, baseline_choice = _fit_baseline(
        {k: v[0] for k, v in encoded.items()}, {k: v[1] for k, v in encoded.items()}, ys["train"],
        encoder.cardinalities, config.seed, split.folds, None if split.folds is not None else ys["validation"])
    if log:
        log(f"logistic-regression baseline fitted in {time.perf_counter() - baseline_started:.0f} s "
            f"(C {baseline_choice.c:g}, by {baseline_choice.criterion})")
    primary = split.primary_holdout
    trained = TrainedPD(
        portfolio=portfolio,
        scorer=scorer,
        split=split,
        keys={name: part["loan_key"].to_numpy(dtype=str) for name, part in parts.items()},
        metrics={name: {**metrics.classification_metrics(ys[name], pd_),
                        **(holdout_metrics(ys[name], pd_, parts[name], parts["train"], vintage_only=True)
                           if name.startswith("holdout") else {})}
                 for name, pd_ in pds.items()},
        baseline_metrics={name: {**metrics.classification_metrics(ys[name], pd_),
                                 **(holdout_metrics(ys[name], pd_, parts[name], parts["train"])
                                    if name.startswith("holdout") else {})}
                          for name, pd_ in baseline.items()},
        holdout_pd=pds[primary],
        holdout_y=ys[primary],
        baseline_holdout_pd=baseline[primary],
        extra_metrics=_suspicion_checks(parts[primary], ys[primary]) if portfolio == "sba" else {},
        validation=ValidationScores(
            keys=parts["train" if oof_logits is not None else "validation"]["loan_key"].to_numpy(dtype=str),
            y=ys["validation"], pd=pds["validation"], baseline_pd=baseline["validation"],
            fold=split.folds if oof_logits is not None else None),
        holdouts={name: HoldoutScores(keys=parts[name]["loan_key"].to_numpy(dtype=str), y=ys[name], pd=pds[name],
                                      baseline_pd=baseline[name])
                  for name in parts if name.startswith("holdout")},
        run={
            "device": str(device),
            "autocast": "bf16" if device.type == "cuda" else "none (float32)",
            "torch": torch.__version__,
            "seed": config.seed,
            "train_seconds": round(seconds, 3),
            "samples_per_second": round(samples / seconds, 1) if seconds > 0 else None,
            "members": records,
            "rows": {name: int(idx.size) for name, idx in split.rows.items()},
            "defaults": {name: int(ys[name].sum()) for name in parts},
            "data_snapshot": snapshot_hash(labelled),
            "split_scheme": split.scheme,
            "primary_holdout": primary,
            "split_notes": split.notes,
            # the vintage rule's verdict, read back by monitoring: labels of these vintages cannot train a successor
            "vintages_left_out": list(left_out.vintages) if left_out else [],
            "era_coded_inputs": era_coded_inputs(parts["train"], spec),
            **({"champion_holdout": split.champion_holdout} if split.champion_holdout is not None else {}),
            "calibration": calibration_note,
            "baseline": asdict(baseline_choice),
            "config": asdict(config),
        },
    )
    trained.baseline_metrics["validation"]["regularisation_c"] = metrics.Metric(baseline_choice.c)
    if primary == "holdout_oot" and chargeoff_dates is not None:
        figures, trained.run["point_in_time"] = point_in_time_backtest(
            parts, encoded, fitted, split, encoder, config, device, chargeoff_dates, pds["holdout_oot"], log)
        trained.metrics[primary].update(figures)
    if primary == "holdout_oot":
        trained.run["calibration_by_population"] = calibration_by_population(trained, parts, pds, ys)
    return trained


def _span(frame: pd.DataFrame) -> dict:
    """The vintages [first, last] and origination dates ['YYYY-MM-DD', ...] of some loan-feature rows
    (None where none carries one)."""
    vintages = pd.to_numeric(frame["vintage"], errors="coerce").dropna() if "vintage" in frame else pd.Series(dtype=float)
    dates = pd.to_datetime(frame["origination_date"], errors="coerce").dropna() if "origination_date" in frame else pd.Series(dtype="datetime64[ns]")
    return {"vintages": [int(vintages.min()), int(vintages.max())] if len(vintages) else None,
            "dates": [f"{dates.min():%Y-%m-%d}", f"{dates.max():%Y-%m-%d}"] if len(dates) else None}


def calibration_by_population(trained: TrainedPD, parts: dict[str, pd.DataFrame], pds: dict[str, np.ndarray],
                              ys: dict[str, np.ndarray]) -> dict:
    """Which loans each holdout of an out-of-time split speaks for, and what it says of their PDs, so
    that a scored loan carries the verdict of its own population (`pd_lake.pd_calibration_by_loan`),
    not the primary holdout's alone: the in-time holdout speaks for the vintages the model was
    developed on (its development and in-time held-out loans), the out-of-time holdout for its window.

    Args:
        parts: the labelled rows of each split (`vintage`, `origination_date`). pds, ys: each split's
            PDs and default flags (n,).

    Returns:
        {"scheme": the split scheme (loans are placed by vintage for out_of_time_vintage, else by
        origination date), "span": `_span` of every development and held-out loan, "populations":
        [{"split", "status" (`model_card.holdout_calibration_status`), "vintages", "dates"}, ...]}.
    """
    from risk_assets.lib.ml.model_card import holdout_calibration_status

    populations = []
    if "holdout_in_time" in parts:
        populations.append({"split": "holdout_in_time", **_span(pd.concat([parts["train"], parts["holdout_in_time"]])),
                            "status": holdout_calibration_status("holdout_in_time", trained.metrics["holdout_in_time"]["ece"].value,
                                                                 ys["holdout_in_time"], pds["holdout_in_time"])})
    populations.append({"split": "holdout_oot", **_span(parts["holdout_oot"]),
                        "status": holdout_calibration_status("holdout_oot", trained.metrics["holdout_oot"]["ece"].value,
                                                             ys["holdout_oot"], pds["holdout_oot"], trained.split.window_outcomes)})
    every = pd.concat([parts[name] for name in parts if name == "train" or name.startswith("holdout")])
    return {"scheme": trained.split.scheme, "span": _span(every), "populations": populations}


ERA_SHARE_SPAN = 0.5
"""A categorical input's level whose share of a vintage's loans differs by at least this much (0-1)
between two development vintages is read as coding the recording era, not the borrower: an
'undefined' code used for nearly every loan of some years and almost none of others. A house threshold."""
MIN_VINTAGE_LOANS = 100
"""Development loans a vintage needs before its level shares count for ERA_SHARE_SPAN."""


def era_coded_inputs(development: pd.DataFrame, spec: FeatureSpec) -> list[dict]:
    """The categorical inputs that encode the recording era: per input, the level (a missing value
    counted as the level 'missing') whose share of a vintage's development loans spans the most
    across vintages of at least MIN_VINTAGE_LOANS loans, when that span reaches ERA_SHARE_SPAN.
    Such an input lets the model rank vintages by their default rate, which a pooled AUC credits.

    Args:
        development: the development loans (split train), with `vintage` and the spec's columns.

    Returns:
        One dict per such input, by span descending: input, level, low and high (shares 0-1) with
        the vintage of each (low_vintage, high_vintage). [] without vintages.
    """
    dated = development[development["vintage"].notna()]
    counts = dated["vintage"].value_counts()
    dated = dated[dated["vintage"].isin(counts.index[counts >= MIN_VINTAGE_LOANS])]
    if dated["vintage"].nunique() < 2:
        return []
    inputs = feature_frame(dated, replace(spec, numeric={}))
    found = []
    for name in spec.categorical:
        shares = pd.crosstab(dated["vintage"].to_numpy(), inputs[name].astype("string").fillna("missing").to_numpy(),
                             normalize="index")
        span = shares.max() - shares.min()
        level = span.idxmax()
        if span[level] >= ERA_SHARE_SPAN:
            column = shares[level]
            found.append({"input": name, "level": str(level), "low": round(float(column.min()), 4),
                          "low_vintage": int(column.idxmin()), "high": round(float(column.max()), 4),
                          "high_vintage": int(column.idxmax()), "span": round(float(span[level]), 4)})
    return sorted(found, key=lambda f: -f["span"])


HOLDOUT_METRICS = ("auc_ci_low", "auc_ci_high", "auc_within_vintage", "auc_within_vintage_ci_low", "auc_within_vintage_ci_high")
"""What a holdout records beyond `metrics.classification_metrics` (and, for the model, auc_vintage_only)."""


def holdout_metrics(y: np.ndarray, pd_: np.ndarray, holdout: pd.DataFrame, development: pd.DataFrame,
                    vintage_only: bool = False) -> dict[str, metrics.Metric]:
    """A holdout's AUC read three more ways: its 95% interval, within vintage, and against vintage alone.

    Args:
        y, pd_: the holdout's default flags and PDs (n,). holdout: its n loan-feature rows (column
            `vintage`, NULL where the loan has no origination date). development: the development
            loans' rows (split train: `vintage`, `default_flag`).
        vintage_only: also give `auc_vintage_only` (the same for every model of a split, so the
            model records it and its baseline does not).

    Returns:
        auc_ci_low, auc_ci_high: the AUC's normal 95% interval with the Hanley & McNeil (1982)
        standard error (`metrics.auc_interval`); auc_within_vintage: the AUC over pairs of the same
        vintage (`metrics.auc_within_vintage`) with its 95% interval, auc_within_vintage_ci_low /
        _ci_high (Hanley & McNeil standard errors pooled over the vintages,
        `metrics.auc_within_vintage_interval`); auc_vintage_only: the AUC of the vintage's development
        default rate as the score (`metrics.auc_vintage_only`). Each None with its reason when undefined.
    """
    auc = metrics.roc_auc(y, pd_)
    defaults = int(np.sum(y))
    interval = metrics.auc_interval(auc.value, defaults, y.size - defaults) if auc.value is not None else None
    low, high = ((metrics.Metric(interval[0]), metrics.Metric(interval[1])) if interval
                 else (metrics.Metric(None, auc.reason),) * 2)
    vintage = holdout["vintage"].to_numpy(dtype=object)
    within_low, within_high = metrics.auc_within_vintage_interval(y, pd_, vintage)
    found = {"auc_ci_low": low, "auc_ci_high": high, "auc_within_vintage": metrics.auc_within_vintage(y, pd_, vintage),
             "auc_within_vintage_ci_low": within_low, "auc_within_vintage_ci_high": within_high}
    if vintage_only:
        found["auc_vintage_only"] = metrics.auc_vintage_only(y, vintage, development["default_flag"].to_numpy(dtype=np.float64),
                                                             development["vintage"].to_numpy(dtype=object))
    return found


def _suspicion_checks(holdout: pd.DataFrame, y: np.ndarray) -> dict[str, dict[str, metrics.Metric]]:
    """Single-input AUCs on SBA's primary holdout for inputs suspected of leaking the outcome.

    Term is one: in the SBA data loans of 240+ months rarely default, and a term can be shortened
    after the fact. Its AUC alone (longer term = lower PD) is reported next to the model's.
    """
    if "term_months" not in holdout or holdout["term_months"].isna().all():
        return {}
    term = pd.to_numeric(holdout["term_months"], errors="coerce").fillna(0).to_numpy(dtype=np.float64)
    return {"term_only": {"auc": metrics.roc_auc(y, -term)}}


POINT_IN_TIME_METRICS = ("auc_point_in_time", "auc_point_in_time_ci_low", "auc_point_in_time_ci_high",
                         "auc_champion_same_horizon", "auc_champion_same_horizon_ci_low",
                         "auc_champion_same_horizon_ci_high", "brier_point_in_time", "ece_point_in_time")
"""The point-in-time backtest's rows on split holdout_oot (`point_in_time_backtest`)."""


def chargeoff_dates_of(keys: pd.Series, chargeoff_dates: pd.Series) -> np.ndarray:
    """The charge-off date of each loan key (n,) as datetime64[ns], NaT where `chargeoff_dates` (per
    loan key; the last of a key given twice) has none. Empty `chargeoff_dates` give all NaT (a
    pandas map over an empty datetime series raises instead)."""
    known = chargeoff_dates[~chargeoff_dates.index.duplicated(keep="last")]
    at = pd.Index(known.index.astype(str)).get_indexer(keys.astype(str))
    dates = np.append(pd.to_datetime(known).to_numpy(dtype="datetime64[ns]"), np.datetime64("NaT", "ns"))
    return dates[at]  # -1 (not found) picks the NaT appended last


def horizon_outcomes(rows: pd.DataFrame, chargeoff_dates: pd.Series, years: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each loan's outcome over a fixed performance window: charged off within `years` of approval.

    Args:
        rows: loan-feature rows (`loan_key`, `origination_date` = approval date, `default_flag`).
        chargeoff_dates: charge-off date (datetime64) per loan key.

    Returns:
        (label (n,) int64: 1 when a default was charged off before approval + `years`;
        window_end (n,) datetime64[ns]: approval + `years`, NaT without an approval date;
        usable (n,) bool: the outcome can be told, i.e. an approval date and, for a default, a
        charge-off date).
    """
    approved = pd.DatetimeIndex(pd.to_datetime(rows["origination_date"]))
    window_end = (approved + pd.DateOffset(years=years)).to_numpy(dtype="datetime64[ns]")
    charged = chargeoff_dates_of(rows["loan_key"], chargeoff_dates)
    lifetime = rows["default_flag"].to_numpy(dtype=np.int64) == 1
    label = lifetime & ~np.isnat(charged) & ~np.isnat(window_end) & (charged < window_end)
    usable = ~np.isnat(window_end) & ~(lifetime & np.isnat(charged))
    return label.astype(np.int64), window_end, usable


def point_in_time_backtest(parts: dict[str, pd.DataFrame], encoded: dict[str, tuple[np.ndarray, np.ndarray]],
                           fitted: list[str], split: Split, encoder: FeatureEncoder, config: PDTrainConfig,
                           device: torch.device, chargeoff_dates: pd.Series, champion_pd: np.ndarray,
                           log: Callable[[str], None] | None = None) -> tuple[dict[str, metrics.Metric], dict]:
    """What a model built at the out-of-time cut would have achieved on the held-out vintages, over a
    fixed performance window of H = `config.point_in_time_horizon_years` years.

    The development outcomes are lifetime ones: a loan approved in 2002 and charged off in 2008 is a
    default the cut (2003-10-01) did not know, and a loan approved in 2003 had had no time to default
    (unseasoned). A model fitted on 'charged off before the cut' would learn recency. So the
    point-in-time model fits only on the development loans approved at least H years before the cut
    (their H-year outcome was known then), labelled 1 when charged off within H years of approval
    (`horizon_outcomes`), with the same config, inputs, encoder, seed and folds (restricted to those
    loans), `config.point_in_time_members` members (at most `members`, at least the folds), then
    Platt scaling on its out-of-fold scores: its PDs are H-year PDs. It scores the holdout_oot loans
    against the same H-year outcome, and so is this model (`champion_pd`), so the two AUCs measure
    one target. A backtest figure, not a candidate: not saved. Loans whose outcome cannot be told
    (no approval date, or a default without a charge-off date) are left out of both and counted.

    The cut is the holdout's first origination date, the split's real boundary, as in
    `pd_lake.chargeoffs_after_cut` (SBA: 2003-10-01, the first day of fiscal 2004); 1 January of the
    holdout's first vintage only for an approval-year split whose holdout carries no dates.

    Args:
        parts, encoded: the loan-feature rows and encoded inputs of each split (train_pd_model's).
        fitted: the development splits the ensemble fitted on (train, then validation with folds = 1).
        chargeoff_dates: charge-off date (datetime64) per loan key.
        champion_pd: this model's calibrated PDs of the holdout_oot loans (n_holdout,).

    Returns:
        (the holdout_oot rows `POINT_IN_TIME_METRICS`: both AUCs against the H-year outcome with
        their 95% Hanley & McNeil intervals, Brier and ECE of the H-year PDs, each None with the
        reason when no model could be fitted; the run record: cut, horizon_years, approved_before
        (cut - H), holdout (its vintages or first date), development_loans and development_defaults
        (used: old enough, H-year defaults), vintages ('1989-1999') and n_vintages of those,
        too_recent (development loans approved after approved_before), without_outcome (development
        loans left out: no approval or charge-off date), holdout_loans, holdout_defaults (within H
        years), holdout_without_outcome, members, seconds, reason (None when fitted)).
        No model is fitted, and the reason says why, when no development default carries a
        charge-off date, when `point_in_time_members` is 0, when the holdout's H-year windows close
        after the lake's last charge-off (outcomes not yet known), or when the loans old enough leave
        a fold (or the validation split) under `min_defaults_per_split` defaults or non-defaults.
    """
    years = config.point_in_time_horizon_years
    holdout = parts["holdout_oot"]
    if split.scheme == "out_of_time_vintage":
        first, last = int(holdout["vintage"].min()), int(holdout["vintage"].max())
        window = f"{first}-{last}" if last > first else str(first)
        # the split's real boundary: a fiscal vintage (SBA's 2004) opens on 2003-10-01, not 1 January,
        # and an outcome charged off after the holdout's first approval was not known at the cut
        opened = pd.to_datetime(holdout["origination_date"]).min() if "origination_date" in holdout else pd.NaT
        cut = pd.Timestamp(opened) if pd.notna(opened) else pd.Timestamp(first, 1, 1)
        said = f"{cut:%Y-%m-%d}"
    else:
        cut = pd.Timestamp(holdout["origination_date"].min())
        said = f"{cut:%Y-%m-%d}"
        window = f"loans originated from {said}"
    approved_before = cut - pd.DateOffset(years=years)
    development = pd.concat([parts[name] for name in fitted])
    label, window_end, usable = horizon_outcomes(development, chargeoff_dates, years)
    # strictly before `approved_before`, as the card and the reason say: a loan approved on that very day
    # (SBA's 1998-10-01 opens fiscal 1999) would add a vintage the stated date leaves out
    seasoned = usable & (window_end < cut.to_datetime64())
    vintages = sorted({int(v) for v in development["vintage"][seasoned].dropna()}) if "vintage" in development else []
    h_label, h_end, h_usable = horizon_outcomes(holdout, chargeoff_dates, years)
    record = {"cut": said, "horizon_years": years, "approved_before": f"{approved_before:%Y-%m-%d}", "holdout": window,
              "development_loans": int(seasoned.sum()), "development_defaults": int(label[seasoned].sum()),
              "vintages": (f"{vintages[0]}-{vintages[-1]}" if len(vintages) > 1 else str(vintages[0])) if vintages else None,
              "n_vintages": len(vintages), "too_recent": int((usable & ~seasoned).sum()),
              "without_outcome": int((~usable).sum()), "holdout_loans": int(h_usable.sum()),
              "holdout_defaults": int(h_label[h_usable].sum()), "holdout_without_outcome": int((~h_usable).sum()),
              "members": 0, "seconds": 0.0, "reason": None}
    n_train = parts["train"].shape[0]
    y_fit = label[seasoned]
    groups = ({f"fold {k + 1}": label[seasoned & (split.folds == k)] for k in range(split.n_folds)}
              if split.folds is not None  # folds: the development rows are split train alone
              else {"development": label[:n_train][seasoned[:n_train]], "validation": label[n_train:][seasoned[n_train:]]})
    minimum = config.min_defaults_per_split
    short = [f"{name} {int(y.sum()):,}" for name, y in groups.items() if y.sum() < minimum or y.size - y.sum() < minimum]
    last_chargeoff = chargeoff_dates.max() if len(chargeoff_dates) else pd.NaT
    open_until = pd.Timestamp(np.max(h_end[h_usable])) if h_usable.any() else pd.NaT
    dated = (development["default_flag"].to_numpy() == 1) & ~np.isnat(chargeoff_dates_of(development["loan_key"], chargeoff_dates))
    if not dated.any():
        record["reason"] = ("no development default carries a charge-off date, so the outcomes known at the cut "
                            f"({said}) cannot be told")
    elif config.point_in_time_members <= 0:
        record["reason"] = "point_in_time_members is 0"
    elif pd.isna(open_until):
        record["reason"] = f"no holdout loan has an approval date, so its {years}-year outcome cannot be told"
    elif open_until > last_chargeoff:
        record["reason"] = (f"the holdout's {years}-year outcomes are not all known: its last loan's window closes "
                            f"{open_until:%Y-%m-%d}, after the lake's last charge-off ({last_chargeoff:%Y-%m-%d})")
    elif short:
        record["reason"] = (f"only {record['development_loans']:,} development loans were approved before "
                            f"{record['approved_before']} ({years} years before the cut, {said}), with "
                            f"{record['development_defaults']:,} charged off within {years} years: too few to fit at "
                            f"the cut ({', '.join(short)} defaults; at least {minimum} each, min_defaults_per_split)")
    if record["reason"]:
        if log:
            log(f"no point-in-time model: {record['reason']}")
        return {name: metrics.Metric(None, record["reason"]) for name in POINT_IN_TIME_METRICS}, record

    members = min(config.point_in_time_members, config.members)
    members = max(members, split.n_folds) if split.folds is not None else members
    on_seasoned = replace(split, folds=split.folds[seasoned]) if split.folds is not None else split
    started = time.perf_counter()
    threads = torch.get_num_threads()
    torch.set_num_threads(config.cpu_threads)
    try:
        nets, _, oof_logits = _fit_ensemble(
            (np.concatenate([encoded[n][0] for n in fitted])[seasoned],
             np.concatenate([encoded[n][1] for n in fitted])[seasoned]),
            y_fit, on_seasoned, int(seasoned[:n_train].sum()), encoder, replace(config, members=members), device,
            (lambda line: log(f"point-in-time model: {line}")) if log else None)
    finally:
        torch.set_num_threads(threads)
    n_fit = int(seasoned[:n_train].sum())
    scorer = PDScorer(encoder, nets, (1.0, 0.0))
    if oof_logits is not None:
        scorer.platt = fit_platt(oof_logits, y_fit[:n_fit])
    else:
        validation = encoded["validation"]
        in_window = seasoned[n_train:]
        scorer.platt = fit_platt(scorer.encoded_logits(validation[0][in_window], validation[1][in_window]), y_fit[n_fit:])
    num, cat = encoded["holdout_oot"]
    point_in_time_pd = scorer.calibrate(scorer.encoded_logits(num[h_usable], cat[h_usable]))
    y = h_label[h_usable]
    found = metrics.classification_metrics(y, point_in_time_pd)
    record.update(members=members, seconds=round(time.perf_counter() - started, 3))
    return {**_auc_with_interval("auc_point_in_time", y, point_in_time_pd),
            **_auc_with_interval("auc_champion_same_horizon", y, np.asarray(champion_pd)[h_usable]),
            "brier_point_in_time": found["brier"], "ece_point_in_time": found["ece"]}, record


def _auc_with_interval(name: str, y: np.ndarray, pd_: np.ndarray) -> dict[str, metrics.Metric]:
    """`name`, `name`_ci_low and `name`_ci_high: the AUC of `pd_` against `y` and its 95% Hanley &
    McNeil interval (`metrics.auc_interval`); each None with the reason when undefined."""
    auc = metrics.roc_auc(y, pd_)
    defaults = int(np.sum(y))
    interval = metrics.auc_interval(auc.value, defaults, y.size - defaults) if auc.value is not None else None
    low, high = ((metrics.Metric(interval[0]), metrics.Metric(interval[1])) if interval
                 else (metrics.Metric(None, auc.reason),) * 2)
    return {name: auc, f"{name}_ci_low": low, f"{name}_ci_high": high}


def code_version() -> str:
    """'risk_assets <package version>' plus '+<git commit>' when the source tree is a git checkout."""
    import subprocess
    from importlib.metadata import PackageNotFoundError, version

    from risk_assets.lib.home import PROJECT_ROOT

    try:
        text = f"risk_assets {version('risk_assets')}"
    except PackageNotFoundError:
        text = "risk_assets (not installed)"
    try:
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return text
    return f"{text}+{commit.stdout.strip()}" if commit.returncode == 0 else text


def artifact_meta(trained: TrainedPD, model: str, version: str) -> dict:
    """The JSON half of a PD artifact: architecture, encoder (with its spec), calibration (Platt's a
    and b, what it was fitted on, and `model_card.calibration_status` on the primary holdout),
    metrics, run record, lineage."""
    from risk_assets.lib.ml.model_card import calibration_status

    config = trained.run["config"]
    return {
        "model": model,
        "version": version,
        "portfolio": trained.portfolio,
        "architecture": trained.scorer.architecture(config["hidden"], config["dropout"], config["max_embedding_dim"]),
        "encoder": trained.scorer.encoder.to_json(),
        "calibration": {"method": "platt", "a": trained.scorer.platt[0], "b": trained.scorer.platt[1], "fitted_on": trained.run["calibration"],
                        "status": calibration_status(trained)},
        "metrics": {split: {k: m.value for k, m in values.items()} for split, values in trained.metrics.items()},
        "baseline_metrics": {split: {k: m.value for k, m in values.items()} for split, values in trained.baseline_metrics.items()},
        "run": trained.run,
        "code_version": code_version(),
    }
