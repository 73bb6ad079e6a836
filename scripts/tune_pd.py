"""Compare PD training recipes on inner validation splits, never on the holdout.

The LendingClub sample is split as the main job splits it (stratified 80/20, seed 0); the 20%
holdout is set aside unread. On the other 80% (the development loans), each repeat draws an inner
stratified 80/20 split (seeds 101, 102, ...): every recipe trains on the inner 80% and is judged by
AUC and ECE on the inner 20%. Repeats share their inner splits across recipes, so differences
between recipes are paired. The defaults of PDTrainConfig and the LendingClub FeatureSpec are the
recipe that won here; their holdout figures come from the main job alone.

    python scripts/tune_pd.py [--repeats 5] [--only NAME ...] [--list]

Prints one line per (repeat, recipe) and the mean AUC and ECE per recipe. Each fit takes seconds
to tens of seconds on one CPU thread.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np
import torch

from risk_assets.lib.home import sample_dir
from risk_assets.lib.ml import metrics
from risk_assets.lib.ml.features import LENDINGCLUB
from risk_assets.lib.ml.reference_data import lendingclub_frame
from risk_assets.lib.ml.training import PDTrainConfig, _stratified, split_loans, train_pd_model

NEW_DERIVED = ("revol_limit", "open_acc_share", "loan_to_revol_limit")
BINNED = dataclasses.replace(LENDINGCLUB, numeric={k: v for k, v in LENDINGCLUB.numeric.items() if k not in NEW_DERIVED})
"""The LendingClub spec before the revolving-line features: 13 numerics, 8 quantile bins."""
PLAIN = dataclasses.replace(BINNED, numeric_bins=0)


def _binned_plus(**numeric: str):
    """BINNED with extra numeric inputs (name=transform)."""
    return dataclasses.replace(BINNED, numeric={**BINNED.numeric, **numeric})


RECIPES: dict[str, tuple[PDTrainConfig, object]] = {
    "validation split, 5 members": (PDTrainConfig(members=5, folds=1), PLAIN),
    "validation split, 10 members": (PDTrainConfig(members=10, folds=1), PLAIN),
    "validation 10%, 5 members": (PDTrainConfig(members=5, folds=1, validation_fraction=0.1), PLAIN),
    "cross-fit 5 folds, 5 members": (PDTrainConfig(members=5, folds=5), PLAIN),
    "cross-fit 5 folds, 10 members": (PDTrainConfig(members=10, folds=5), PLAIN),
    "cross-fit, no zip3": (PDTrainConfig(members=10), dataclasses.replace(PLAIN, categorical=("home_ownership", "verification_status", "addr_state"))),
    "cross-fit, min_count 30": (PDTrainConfig(members=10), dataclasses.replace(PLAIN, min_count=30)),
    "cross-fit, lr 1e-3": (PDTrainConfig(members=10, learning_rate=1e-3), PLAIN),
    "cross-fit, dropout 0.3": (PDTrainConfig(members=10, dropout=0.3), PLAIN),
    "cross-fit, hidden 128-64": (PDTrainConfig(members=10, hidden=[128, 64]), PLAIN),
    "cross-fit, 8 quantile bins": (PDTrainConfig(members=10), dataclasses.replace(PLAIN, numeric_bins=8)),
    "cross-fit, 16 quantile bins": (PDTrainConfig(members=10), dataclasses.replace(PLAIN, numeric_bins=16)),
    "cross-fit, 8 bins, 20 members": (PDTrainConfig(members=20), dataclasses.replace(PLAIN, numeric_bins=8)),
    "BINNED + revolving limit": (PDTrainConfig(members=20), _binned_plus(revol_limit="log1p")),
    "BINNED + open share": (PDTrainConfig(members=20), _binned_plus(open_acc_share="identity")),
    "BINNED + limit, share, loan/limit": (PDTrainConfig(members=20), _binned_plus(
        revol_limit="log1p", open_acc_share="identity", loan_to_revol_limit="log1p")),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", nargs="*", help="recipe names to run (default: all)")
    parser.add_argument("--list", action="store_true", help="print the recipe names and exit")
    args = parser.parse_args()
    if args.list:
        print("\n".join(RECIPES))
        return
    folder = sample_dir()
    if folder is None:
        raise SystemExit("no sample data: set RISK_SAMPLE_DIR to the folder holding loans/")
    frame = lendingclub_frame(Path(folder) / "loans" / "lendingclub_2007_2011.csv")
    frame = frame[frame["default_flag"].notna()].reset_index(drop=True)
    y = frame["default_flag"].to_numpy(dtype=np.int64)
    development = split_loans(frame, "lendingclub", PDTrainConfig()).rows["train"]
    print(f"{development.size} development loans; the {frame.shape[0] - development.size} holdout loans are not read")

    names = args.only or list(RECIPES)
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    torch.set_num_threads(1)
    for repeat in range(1, args.repeats + 1):
        inner_test = _stratified(y[development], 0.2, np.random.default_rng(100 + repeat))
        fit = frame.iloc[development[~inner_test]].copy()
        test = frame.iloc[development[inner_test]]
        for name in names:
            config, spec = RECIPES[name]
            started = time.perf_counter()
            # the inner 20% is scored by the scorer alone: the run's own holdout is a slice of `fit`
            trained = train_pd_model(fit, "lendingclub", dataclasses.replace(config, holdout_fraction=0.01), spec)
            pd_ = trained.scorer.predict_pd(test)
            auc = metrics.roc_auc(y[development[inner_test]], pd_).value
            ece = metrics.expected_calibration_error(y[development[inner_test]], pd_).value
            results[name].append((auc, ece))
            print(f"repeat {repeat} {name:<32} AUC {auc:.4f} ECE {ece:.4f} ({time.perf_counter() - started:.0f} s)", flush=True)
    print("\nrecipe                           mean AUC  mean ECE")
    for name in names:
        values = np.array(results[name])
        print(f"{name:<32} {values[:, 0].mean():8.4f}  {values[:, 1].mean():8.4f}")


if __name__ == "__main__":
    main()
