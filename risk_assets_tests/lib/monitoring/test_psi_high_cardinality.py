"""PSI of high-cardinality codes (zip3, addr_state) on LendingClub loans: two random halves of one
book are stable, a moved book drifts."""

import numpy as np
import polars as pl
import pytest

from risk_assets.lib.monitoring.retrain import MonitoringSnapshot, PsiObservation, RetrainThresholds, decide
from risk_assets.lib.monitoring.stability import cohort_psi, psi_verdict


@pytest.fixture
def halves(data_dir):
    """The first 4,000 loans of the 2007-2011 tape (zip3 from '860xx'), split at random (seed 2011):
    2,051 reference, 1,949 current, 516 zip3 codes in the reference."""
    loans = pl.read_csv(data_dir / "loans" / "lendingclub_2007_2011.csv", columns=["zip_code", "addr_state"])
    loans = loans.head(4_000).with_columns(zip3=pl.col("zip_code").str.slice(0, 3)).drop("zip_code")
    in_reference = pl.Series(np.random.default_rng(2011).random(loans.height) < 0.5)
    return loans.filter(in_reference), loans.filter(~in_reference).with_columns(vintage=pl.lit(2011))


def _psi(reference: pl.DataFrame, current: pl.DataFrame) -> dict[str, dict]:
    return {r["variable"]: r for r in cohort_psi(reference, current, ["zip3", "addr_state"]).iter_rows(named=True)}


def test_a_random_half_of_the_same_loans_is_stable_and_its_unseen_codes_are_a_figure_of_their_own(halves):
    """Before, zip3 read 0.515 here (a bin of the 148 codes only one half held, and 3-loan levels)."""
    reference, current = halves
    assert (reference.height, current.height, reference["zip3"].n_unique()) == (2_051, 1_949, 516)
    psi = _psi(reference, current)
    zip3, state = psi["zip3"], psi["addr_state"]
    assert (zip3["psi"], zip3["noise_psi"]) == (pytest.approx(0.0059, abs=5e-5), pytest.approx(0.0080, abs=5e-5))
    assert (zip3["bins"], zip3["band"], zip3["kind"]) == (9, "stable", "categorical")
    assert zip3["unseen_share"] == pytest.approx(148 / 1_949)  # 7.6% of the current loans: codes the reference never held
    assert (state["psi"], state["bins"], state["band"]) == (pytest.approx(0.0126, abs=5e-5), 24, "stable")
    assert state["unseen_share"] == 0.0


def test_a_doubled_state_and_a_moved_block_of_zip3_codes_are_drift(halves):
    reference, current = halves
    california = current.filter(pl.col("addr_state") == "CA")  # 366 of 1,949 loans, 18.8%
    rest = current.filter(pl.col("addr_state") != "CA")
    doubled = pl.concat([california, california, rest.head(current.height - 2 * california.height)])
    assert _psi(reference, doubled)["addr_state"]["psi"] == pytest.approx(0.2096, abs=5e-5)  # above the retrain's 0.2

    west = current.filter(pl.col("zip3").str.starts_with("9"))  # the 9xx prefixes, West Coast: 24.5%
    east = reference.filter(pl.col("zip3").str.slice(0, 1).is_in(["0", "1"])).head(west.height).with_columns(vintage=pl.lit(2011))
    moved = _psi(reference, pl.concat([current.filter(~pl.col("zip3").str.starts_with("9")), east]))
    assert moved["zip3"]["psi"] == pytest.approx(0.2219, abs=5e-5) and moved["zip3"]["band"] == "moderate"
    assert moved["addr_state"]["psi"] == pytest.approx(1.6433, abs=5e-5) and moved["addr_state"]["band"] == "significant"


def test_unseen_codes_are_named_beside_the_psi_in_the_drift_check_and_the_retrain_reason(halves):
    reference, current = halves
    west = current.filter(pl.col("zip3").str.starts_with("9"))
    east = reference.filter(pl.col("zip3").str.slice(0, 1).is_in(["0", "1"])).head(west.height).with_columns(vintage=pl.lit(2011))
    moved = cohort_psi(reference, pl.concat([current.filter(~pl.col("zip3").str.starts_with("9")), east]), ["zip3"])
    row = moved.row(0, named=True)
    assert row["unseen_share"] == pytest.approx(140 / 1_949)

    passed, text, drifted = psi_verdict(moved.with_columns(model=pl.lit("loan_pd_lendingclub")), 0.2, 200,
                                        ("pd_score", "zip3"), "feature")
    assert (passed, drifted) == (False, 1)
    assert ("loan_pd_lendingclub zip3 on vintage 2011: 0.222 (1,949 loans, noise level 0.008, 7.2% with codes the "
            "reference never held, a retrain trigger)") in text

    thresholds = RetrainThresholds(psi=0.2, key_features=("zip3",), min_rows=200)
    observation = PsiObservation("zip3", 2011, row["psi"], row["n_current"], row["unseen_share"])
    decision = decide(MonitoringSnapshot(model="loan_pd_lendingclub", champion_version="v1", holdout_auc=0.7,
                                         new_labelled_rows=0, psi=(observation,)), thresholds)
    assert decision.trigger == "psi"
    assert ("PSI of zip3 on vintage 2011 (1,949 loans, 7.2% with codes the reference never held) = 0.222 > 0.2"
            in decision.reason)
