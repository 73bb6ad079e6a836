"""The PD network, its calibration, and a scorer rebuilt from an artifact without training state.

`PDNet`: categorical codes go through one embedding table each, are concatenated with the
standardised numerics, and pass an MLP (Linear -> SiLU -> Dropout per hidden layer) to one logit.
Shapes: numeric float32 (batch x n_numeric), categorical int64 (batch x n_categorical) -> logit (batch,).

`PDScorer` averages the logits of an ensemble of PDNets (members trained from different seeds),
then applies Platt scaling fitted on the validation split: PD = sigmoid(a * logit + b)
(Platt, 1999, "Probabilistic outputs for support vector machines").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

from risk_assets.lib.ml.artifacts import load_artifact
from risk_assets.lib.ml.features import FeatureEncoder


def embedding_dim(cardinality: int, max_dim: int) -> int:
    """Embedding width for a table of `cardinality` rows: min(max_dim, round(1.6 * cardinality ** 0.56)),
    the rule of thumb of fast.ai's tabular models (Howard & Gugger, Information 2020)."""
    return max(1, min(max_dim, round(1.6 * cardinality**0.56)))


class PDNet(nn.Module):
    """MLP on numerics + categorical embeddings, one default logit per loan (see module docstring)."""

    def __init__(self, n_numeric: int, cardinalities: list[int], hidden: list[int], dropout: float, max_embedding_dim: int):
        super().__init__()
        self.embeddings = nn.ModuleList(nn.Embedding(c, embedding_dim(c, max_embedding_dim)) for c in cardinalities)
        width = n_numeric + sum(e.embedding_dim for e in self.embeddings)
        layers: list[nn.Module] = []
        for size in hidden:
            layers += [nn.Linear(width, size), nn.SiLU(), nn.Dropout(dropout)]
            width = size
        layers.append(nn.Linear(width, 1))
        self.mlp = nn.Sequential(*layers)

    def forward(self, numeric: torch.Tensor, categorical: torch.Tensor) -> torch.Tensor:
        parts = [numeric, *(table(categorical[:, i]) for i, table in enumerate(self.embeddings))]
        return self.mlp(torch.cat(parts, dim=1)).squeeze(1)


def fit_platt(logits: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling (a, b): the unpenalised maximum-likelihood logistic regression of the default flag
    on the ensemble logit, so that PD = sigmoid(a x logit + b) (Platt, Probabilistic Outputs for
    Support Vector Machines, 1999). Fitted by scikit-learn's Newton solver with a line search
    (`newton-cholesky`), which converges from any start; a plain Newton step from (1, 0) overshoots
    on over-confident logits (spread twice too wide) and diverged to slopes of 1e12.

    Args:
        logits: ensemble logits (n,), before calibration.
        y: default flags (n,), 0/1.

    Returns:
        (a, b): slope and intercept, both finite. a is positive unless the logits rank the split's
        defaults below its non-defaults.

    Raises:
        ValueError: fewer than two classes in y (the scale is then undefined), or the fit does not
            converge to finite coefficients. Logits that separate the classes perfectly have no
            maximum; the solver stops where the log loss no longer falls, at a steep finite slope.
    """
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(y, dtype=np.float64)
    if y.min() == y.max():
        raise ValueError("Platt scaling needs both defaults and non-defaults in the validation split")
    x = np.asarray(logits, dtype=np.float64).reshape(-1, 1)
    fit = LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-10, max_iter=100).fit(x, y)
    a, b = float(fit.coef_[0, 0]), float(fit.intercept_[0])
    if not (np.isfinite(a) and np.isfinite(b)) or fit.n_iter_[0] >= fit.max_iter:
        raise ValueError(f"Platt scaling did not converge: a={a:g}, b={b:g} after {int(fit.n_iter_[0])} Newton steps")
    return a, b


@dataclass
class PDScorer:
    """Encoder + ensemble + Platt calibration: loan features in, calibrated PD out."""

    encoder: FeatureEncoder
    members: list[PDNet]
    platt: tuple[float, float]

    def logits(self, frame: pd.DataFrame, batch_size: int = 65536, device: str = "cpu") -> np.ndarray:
        """Mean ensemble logit per row of `frame` (n,), before calibration."""
        return self.encoded_logits(*self.encoder.transform(frame), batch_size=batch_size, device=device)

    @torch.no_grad()
    def encoded_logits(self, numeric: np.ndarray, categorical: np.ndarray, batch_size: int = 65536, device: str = "cpu") -> np.ndarray:
        """Mean ensemble logit (n,) from encoded inputs: numeric float32 (n x d), categorical int64 (n x c)."""
        out = np.empty(numeric.shape[0], dtype=np.float64)
        for member in self.members:
            member.eval().to(device)
        for start in range(0, numeric.shape[0], batch_size):
            num = torch.from_numpy(numeric[start:start + batch_size]).to(device)
            cat = torch.from_numpy(categorical[start:start + batch_size]).to(device)
            stacked = torch.stack([m(num, cat).float() for m in self.members])
            out[start:start + batch_size] = stacked.mean(0).cpu().numpy()
        return out

    def calibrate(self, logits: np.ndarray) -> np.ndarray:
        a, b = self.platt
        return 1.0 / (1.0 + np.exp(-(a * logits + b)))

    def predict_pd(self, frame: pd.DataFrame, batch_size: int = 65536) -> np.ndarray:
        """Calibrated PD in [0, 1] per row of `frame` (n,)."""
        return self.calibrate(self.logits(frame, batch_size))

    def tensors(self) -> dict[str, torch.Tensor]:
        """All weights, keyed '<member>.<parameter>', for safetensors."""
        return {f"{i}.{k}": v for i, m in enumerate(self.members) for k, v in m.state_dict().items()}

    def architecture(self, hidden: list[int], dropout: float, max_embedding_dim: int) -> dict:
        return {
            "members": len(self.members),
            "n_numeric": len(self.encoder.numeric_columns),
            "cardinalities": self.encoder.cardinalities,
            "hidden": list(hidden),
            "dropout": dropout,
            "max_embedding_dim": max_embedding_dim,
            "platt": list(self.platt),
        }


def load_pd_model(folder: Path) -> tuple[PDScorer, dict]:
    """Rebuild a scorer from an artifact folder (weights.safetensors + meta.json); no pickle, no training state.

    Returns:
        (scorer, meta)

    Raises:
        FileNotFoundError: not an artifact folder.
        KeyError: meta.json lacks the architecture or encoder (not a PD artifact).
    """
    tensors, meta = load_artifact(folder)
    arch = meta["architecture"]
    encoder = FeatureEncoder.from_json(meta["encoder"])
    members = []
    for i in range(arch["members"]):
        net = PDNet(arch["n_numeric"], arch["cardinalities"], arch["hidden"], arch["dropout"], arch["max_embedding_dim"])
        prefix = f"{i}."
        net.load_state_dict({k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)})
        members.append(net.eval())
    a, b = arch["platt"]
    if not (math.isfinite(a) and math.isfinite(b)):
        raise ValueError(f"{folder}: calibration parameters are not finite")
    return PDScorer(encoder, members, (a, b)), meta
