"""PSI: finite and smoothed on empty bins (case F14), zero on identical samples, bands, categorical pooling."""

import math

import polars as pl
import pytest

from risk_assets.lib.ml.drift import OTHER, band, psi_categorical, psi_from_counts, psi_numeric


@pytest.fixture
def f14(cases_dir):
    return (
        pl.read_csv(cases_dir / "F14_psi_reference_scores.csv"),
        pl.read_csv(cases_dir / "F14_psi_current_scores.csv"),
    )


def test_f14_half_the_bins_empty_gives_a_finite_smoothed_psi_with_epsilon_and_empty_bins(f14):
    reference, current = f14
    result = psi_numeric(reference["pd_score"].to_list(), current["pd_score"].to_list())
    assert len(result.bins) == 10
    assert result.empty_current_bins == 5  # the current PDs sit in the middle of the reference range
    assert result.empty_reference_bins == 0
    assert result.epsilon == 1e-4
    assert math.isfinite(result.psi) and result.psi > 0.2
    assert result.band == "significant"
    # Recompute by hand from the returned shares: the stated smoothing is the one applied.
    k, eps = len(result.bins), result.epsilon
    e = [(x + eps) / (1 + k * eps) for x in result.expected]
    a = [(x + eps) / (1 + k * eps) for x in result.actual]
    assert result.psi == pytest.approx(sum((ai - ei) * math.log(ai / ei) for ai, ei in zip(a, e)))
    assert result.actual == pytest.approx((0.0, 0.05, 0.375, 0.35, 0.2, 0.025, 0.0, 0.0, 0.0, 0.0))


def test_f14_fico_shift_is_finite_too(f14):
    reference, current = f14
    result = psi_numeric(reference["fico_range_low"].to_list(), current["fico_range_low"].to_list())
    assert math.isfinite(result.psi)
    assert result.empty_current_bins == 6


def test_identical_samples_have_zero_psi(f14):
    reference, _ = f14
    result = psi_numeric(reference["pd_score"].to_list(), reference["pd_score"].to_list())
    assert result.psi == 0.0 and result.band == "stable" and result.empty_bins == 0


def test_known_two_bin_value():
    # 50/50 -> 60/40: 0.1 ln 1.2 + (-0.1) ln 0.8, smoothing negligible at epsilon 1e-9
    result = psi_from_counts([50, 50], [60, 40], ["a", "b"], epsilon=1e-9)
    assert result.psi == pytest.approx(0.1 * math.log(1.2) - 0.1 * math.log(0.8), rel=1e-6)


def test_once_a_bin_empties_the_psi_is_mostly_epsilons():
    """Half the reference vanishing: the emptied bin adds about 0.5 x (9.21 + ln 0.5) = 4.26 at 1e-4,
    and the whole PSI moves with epsilon (6.91 / 4.60 / 2.26), all past the significant band."""
    psi = {eps: psi_from_counts([500, 500], [0, 1000], ["gone", "kept"], epsilon=eps) for eps in (1e-6, 1e-4, 1e-2)}
    assert [round(r.psi, 2) for r in psi.values()] == [6.91, 4.60, 2.26]
    assert all(r.empty_current_bins == 1 and r.band == "significant" for r in psi.values())
    # the kept bin adds 0.5 x ln 2 = 0.35: the rest, 4.26, is the emptied bin's term
    assert psi[1e-4].psi - 0.5 * math.log(2) == pytest.approx(0.5 * (9.21 + math.log(0.5)), abs=0.005)


def test_bands_follow_siddiqi():
    assert [band(x) for x in (0.0, 0.099, 0.1, 0.24, 0.25, 0.2501)] == [
        "stable", "stable", "moderate", "moderate", "moderate", "significant"]


def test_missing_values_are_their_own_bin():
    result = psi_numeric([1.0, 2.0, 3.0, 4.0] * 25, [1.0, None, None, 4.0] * 25)
    assert result.bins[-1] == "(missing)"
    assert result.expected[-1] == 0.0 and result.actual[-1] == 0.5
    assert math.isfinite(result.psi) and result.band == "significant"


def test_categorical_rare_and_unseen_categories_share_other_and_the_unseen_share_is_reported():
    reference = ["RENT"] * 1_200 + ["OWN"] * 790 + ["RARE"] * 10  # RARE: 0.5% < 1%
    current = ["RENT"] * 300 + ["OWN"] * 300 + ["RARE"] * 20 + ["BRAND_NEW"] * 380
    result = psi_categorical(reference, current)
    assert result.bins == (OTHER, "OWN", "RENT")
    assert result.expected == pytest.approx((0.005, 0.395, 0.6)) and result.actual == pytest.approx((0.4, 0.3, 0.3))
    assert result.unseen_share == pytest.approx(0.38)
    assert result.psi == pytest.approx(1.9566, abs=5e-5) and result.band == "significant"


def test_a_category_keeps_its_bin_only_with_20_rows_of_the_smaller_sample():
    """On a cohort of 200 loans a 5% category is worth 10 loans: it joins '(other)' (floor 10%)."""
    reference = ["RENT"] * 5_000 + ["OWN"] * 4_500 + ["MORTGAGE"] * 500
    result = psi_categorical(reference, ["RENT"] * 100 + ["OWN"] * 90 + ["MORTGAGE"] * 10)
    assert result.bins == (OTHER, "OWN", "RENT") and result.psi == 0.0
    assert psi_categorical(reference, reference[::5]).bins == ("MORTGAGE", "OWN", "RENT")


def test_missing_category_keeps_its_own_bin():
    result = psi_categorical(["A"] * 500 + ["B"] * 500, ["A"] * 250 + [None] * 250 + ["B"] * 500)
    assert result.bins == ("(missing)", "A", "B") and result.actual == pytest.approx((0.25, 0.25, 0.5))
    assert result.unseen_share == 0.0 and result.band == "significant"


def test_many_small_categories_are_grouped_in_runs_of_neighbouring_codes_so_a_shift_shows():
    """150 ZIP3 codes, none reaching 1 %: pooling them all would leave one bin and PSI 0 whatever
    happens; they are grouped in runs of consecutive codes instead. All current loans from one code,
    or from codes never seen (which fall in the run their text sorts into), is significant drift."""
    reference = [f"{100 + i % 150}" for i in range(15_000)]
    one_code = psi_categorical(reference, ["100"] * 1_000)
    unseen = psi_categorical(reference, [f"{700 + i % 300}" for i in range(1_000)])
    assert one_code.bins[0] == "100-102 (3 codes)" and len(one_code.bins) == 50  # 3 codes = 2% = 20 of 1,000
    assert one_code.band == unseen.band == "significant"
    assert unseen.bins[-1] == "247-249 (3 codes)" and unseen.actual[-1] == 1.0 and unseen.unseen_share == 1.0
    assert psi_categorical(reference, reference[:3_000]).band == "stable"


def test_a_numeric_value_the_reference_never_held_is_drift():
    """A reference of 36-month loans only (LendingClub before 2010) against a cohort that is 75 %
    60-month: one bin (-inf, inf] would read PSI 0."""
    result = psi_numeric([36.0] * 1_000, [36.0] * 250 + [60.0] * 750)
    assert result.band == "significant"
    shares = dict(zip(result.bins, result.actual))
    assert shares["(36, inf]"] == pytest.approx(0.75)
    assert psi_numeric([36.0] * 1_000, [36.0] * 400).psi == pytest.approx(0.0, abs=1e-9)


def test_empty_sample_is_refused_with_a_message():
    with pytest.raises(ValueError, match="rows in both samples"):
        psi_numeric([1.0, 2.0], [])


def test_the_noise_psi_says_what_two_samples_of_one_population_give_at_these_sizes(f14):
    """F14's 40 reference scores against its 40 current ones: PSI 4.3, far above the 0.45 that
    chance gives at these sizes. The reference's two halves (20 and 20), one population: PSI 0.16,
    'moderate' by its band, yet under the 0.9 of chance: the band alone would call noise drift."""
    reference, current = (frame["pd_score"].to_list() for frame in f14)
    shifted = psi_numeric(reference, current)
    assert shifted.noise_psi == pytest.approx(9 * (1 / 40 + 1 / 40)) and shifted.psi > 9 * shifted.noise_psi
    halves = psi_numeric(reference[::2], reference[1::2])
    assert halves.band == "moderate" and halves.noise_psi == pytest.approx(0.9) and halves.psi < halves.noise_psi
