"""The PD training run's settings, apart from the training code: the Dagster config of
`loan_pd_model` mirrors them when the code location loads, which must not import torch (seconds
per process) before a step trains."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PDTrainConfig:
    """Hyperparameters and split rules of a PD training run (mirrored by the Dagster config)."""

    seed: int = 0
    members: int = 20
    folds: int = 5
    hidden: list[int] = field(default_factory=lambda: [64, 32])
    dropout: float = 0.2
    max_embedding_dim: int = 4
    learning_rate: float = 3e-3
    weight_decay: float = 1e-2
    batch_size: int = 1024
    max_epochs: int = 30
    patience: int = 4
    holdout_fraction: float = 0.2
    validation_fraction: float = 0.2
    oot_train_until: int = 2003
    oot_holdout_from: int = 2004
    oot_holdout_to: int = 2006
    max_in_time_rows: int = 50_000
    min_dated_share: float = 0.9
    min_defaults_per_split: int = 20
    device: str = "auto"
    cpu_threads: int = 1
    cpu_workers: int = 0
    point_in_time_members: int = 5
    """Members of the point-in-time backtest model (`training.point_in_time_backtest`), fitted beside
    the champion on the outcomes known at an out-of-time cut; at most `members`, at least the folds.
    5 (one per fold) adds about a fifth of the ensemble's training time (SBA: 7 s beside 39 s); 0 fits none."""
    point_in_time_horizon_years: int = 5
    """The point-in-time backtest's performance window H, in years: it fits on the development loans
    approved at least H years before the cut, labelled by a charge-off within H years of approval,
    and judges both models on the holdout's H-year outcome. 5 because SBA charges off late: of the
    development defaults 4.8% are charged off within 2 years of approval, 16% within 3, 29% within 4,
    45% within 5 (full file); 5 years gives the most H-year defaults among the loans old enough
    (463, against 297 at 3 and 453 at 6), still 11 development vintages (1989-1999), and the
    2004-2006 holdout's 5-year outcomes are all known by the file's last charge-off (2014)."""

    def __post_init__(self) -> None:
        """Raises ValueError for a setting a training would stop at, naming it: a count below 1
        (members, folds, batch_size, max_epochs, patience, max_in_time_rows, min_defaults_per_split,
        cpu_threads, max_embedding_dim, point_in_time_horizon_years), fewer members than folds (a
        fold would have no out-of-fold score), a share outside 0-1 (holdout_fraction and
        validation_fraction strictly inside it), a negative cpu_workers or point_in_time_members, an
        unknown device. A Dagster run config (`loan_pd_model`) and `RISK_RETRAIN_CONFIG` are checked
        here, before any loan is read."""
        for name in ("members", "folds", "batch_size", "max_epochs", "patience", "max_in_time_rows",
                     "min_defaults_per_split", "cpu_threads", "max_embedding_dim", "point_in_time_horizon_years"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, not {getattr(self, name)}")
        if self.members < self.folds:
            raise ValueError(f"members ({self.members}) must be at least folds ({self.folds})")
        for name in ("holdout_fraction", "validation_fraction"):
            if not 0 < getattr(self, name) < 1:
                raise ValueError(f"{name} must be between 0 and 1, not {getattr(self, name)}")
        for name in ("dropout", "min_dated_share"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be 0 to 1, not {getattr(self, name)}")
        for name in ("cpu_workers", "point_in_time_members"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be 0 or more, not {getattr(self, name)}")
        if self.device not in ("auto", "cpu", "cuda"):
            raise ValueError(f"device must be 'auto', 'cpu' or 'cuda', not {self.device!r}")
