"""Platt calibration of the PD ensemble's logits."""

import numpy as np
import pytest

from risk_assets.lib.ml.pd_model import fit_platt


def _book(spread: float, shift: float, n: int = 20_000) -> tuple[np.ndarray, np.ndarray]:
    """Logits spread x z + shift of a book whose true log-odds are 0.7 z - 2.5 (about 9% defaults)."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(0.7 * z - 2.5)))).astype(int)
    return spread * z + shift, y


@pytest.mark.parametrize(("spread", "shift"), [(1.0, 0.0), (2.0, 0.0), (1.0, 2.0), (2.0, -1.0), (8.0, 3.0), (0.2, -2.0)])
def test_platt_is_the_maximum_likelihood_fit_whatever_the_logits_scale(spread, shift):
    """Over-confident logits (spread twice too wide, shifted) made a plain Newton step from (1, 0)
    diverge to slopes of 1e12 and mean PDs of 0. The fit must reach the likelihood's maximum, where
    both score equations hold: predicted defaults equal observed ones, overall and weighted by logit,
    and it recovers the true slope 0.7 / spread."""
    logits, y = _book(spread, shift)
    a, b = fit_platt(logits, y)
    pd_ = 1 / (1 + np.exp(-(a * logits + b)))
    assert abs((pd_ - y).sum()) < 1e-3 * y.sum()
    assert abs(((pd_ - y) * logits).sum()) < 1e-3 * np.abs(logits * y).sum()
    assert a == pytest.approx(0.7 / spread, rel=0.06)
    assert pd_.mean() == pytest.approx(y.mean(), abs=1e-4)


def test_platt_refuses_one_class_and_stays_finite_and_ranking_on_separated_logits():
    logits, y = _book(1.0, 0.0, n=200)
    with pytest.raises(ValueError, match="both defaults and non-defaults"):
        fit_platt(logits, np.zeros_like(y))
    # separated classes have no maximum-likelihood slope: a steep finite one that keeps the ranking
    a, b = fit_platt(np.r_[-np.arange(1.0, 11.0), np.arange(1.0, 11.0)], np.r_[np.zeros(10), np.ones(10)])
    assert np.isfinite([a, b]).all() and a > 5 and abs(b) < 1e-6
