"""PD metrics: hand-computed values, scikit-learn agreement on the real LendingClub file, and honest NULLs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from risk_assets.lib.ml import metrics


def test_auc_gini_ks_pr_auc_on_a_hand_computed_example():
    y = np.array([0, 0, 1, 1])
    s = np.array([0.1, 0.4, 0.35, 0.8])
    # pairs (default, non-default): 0.35>0.1, 0.35<0.4, 0.8>0.1, 0.8>0.4 -> 3 of 4
    assert metrics.roc_auc(y, s).value == pytest.approx(0.75)
    assert metrics.gini(y, s).value == pytest.approx(0.5)
    # thresholds 0.8: tpr .5 fpr 0; 0.4: .5/.5; 0.35: 1/.5 -> max gap 0.5
    assert metrics.ks_statistic(y, s).value == pytest.approx(0.5)
    # precision 1 at recall .5, then 2/3 at recall 1 -> .5*1 + .5*2/3
    assert metrics.average_precision(y, s).value == pytest.approx(0.5 + 0.5 * 2 / 3)


def test_ks_is_one_sided_scipys_distance_for_a_score_that_ranks_and_zero_for_an_inverted_one():
    """KS is max(TPR - FPR): scipy's two-sample distance when defaults score higher, 0 when the
    score is inverted (defaults score lower everywhere), where AUC below 0.5 tells the story."""
    from scipy.stats import ks_2samp

    rng = np.random.default_rng(0)
    y = (rng.random(5000) < 0.15).astype(int)
    s = rng.random(5000) + 0.3 * y
    two_sample = ks_2samp(s[y == 1], s[y == 0]).statistic
    assert two_sample == pytest.approx(0.3367, abs=1e-4)
    assert metrics.ks_statistic(y, s).value == pytest.approx(two_sample, abs=1e-12)
    assert metrics.ks_statistic(y, -s).value == 0.0
    assert ks_2samp(-s[y == 1], -s[y == 0]).statistic == pytest.approx(two_sample, abs=1e-12)
    assert metrics.roc_auc(y, -s).value == pytest.approx(0.2354, abs=1e-4)


def test_auc_counts_ties_as_one_half():
    y = np.array([0, 1, 0, 1])
    s = np.array([0.5, 0.5, 0.2, 0.9])
    # (0.5 vs 0.5) tie = 0.5, the other three pairs ordered -> 3.5 / 4
    assert metrics.roc_auc(y, s).value == pytest.approx(0.875)
    assert metrics.roc_auc(y, np.full(4, 0.3)).value == pytest.approx(0.5)


def test_brier_log_loss_ece_base_rate_by_hand():
    assert metrics.brier_score([0, 1], [0.2, 0.6]).value == pytest.approx((0.04 + 0.16) / 2)
    assert metrics.log_loss([1, 0], [0.8, 0.4]).value == pytest.approx(-(math.log(0.8) + math.log(0.6)) / 2)
    # bins: [0,.1) one row pd .05 rate 0; [.1,.2) two rows pd .15 rate .5; [.9,1] one row pd .95 rate 1
    ece = metrics.expected_calibration_error([0, 1, 0, 1], [0.05, 0.15, 0.15, 0.95]).value
    assert ece == pytest.approx(0.25 * 0.05 + 0.5 * 0.35 + 0.25 * 0.05)
    assert metrics.base_rate([0, 1, 1, 0, 0]).value == pytest.approx(0.4)


def test_calibration_bins_put_pd_one_in_the_last_bin_and_leave_empty_bins_nan():
    table = metrics.calibration_bins(np.array([1, 0, 1]), np.array([1.0, 0.0, 0.95]))
    assert table["count"].tolist() == [1, 0, 0, 0, 0, 0, 0, 0, 0, 2]
    assert table["default_rate"][9] == 1.0 and math.isnan(table["mean_pd"][4])
    # the edges are the tenths as written, so a reader's `upper = 0.3` finds its bin
    assert table["lower"].tolist() == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    assert table["upper"][-1] == 1.0


@pytest.mark.parametrize("y", [[0, 0, 0], [1, 1], []])
def test_ranking_metrics_are_none_with_a_reason_on_one_class_or_empty_input(y):
    s = np.linspace(0.1, 0.9, len(y))
    for fn in (metrics.roc_auc, metrics.gini, metrics.ks_statistic):
        result = fn(np.array(y), s)
        assert result.value is None and result.reason
    curve, reason = metrics.roc_curve(np.array(y), s)
    assert curve is None and ("one class" in reason or "empty" in reason)


def test_single_class_holdout_of_case_f13_gives_null_auc_and_a_real_brier(cases_dir):
    frame = pd.read_csv(cases_dir / "F13_single_class_validation.csv")
    latest = frame[frame["issue_d"] == frame["issue_d"].max()]
    y = (latest["loan_status"] == "Charged Off").astype(int).to_numpy()
    pd_ = np.full(y.size, 0.1)
    result = metrics.classification_metrics(y, pd_)
    assert result["auc"].value is None and "no defaults among 10 rows" in result["auc"].reason
    assert result["pr_auc"].value is None
    assert result["brier"].value == pytest.approx(0.01)
    assert result["base_rate"].value == 0.0


def test_bad_input_is_refused_with_a_message():
    with pytest.raises(ValueError, match="differ in length"):
        metrics.roc_auc([0, 1], [0.1])
    with pytest.raises(ValueError, match="0 or 1"):
        metrics.roc_auc([0, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="NaN"):
        metrics.roc_auc([0, 1], [0.1, float("nan")])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        metrics.brier_score([0, 1], [0.1, 1.2])


def test_metrics_match_scikit_learn_on_the_lendingclub_file(data_dir):
    from sklearn import metrics as skm
    from sklearn.calibration import calibration_curve

    frame = pd.read_csv(data_dir / "loans" / "lendingclub_2007_2011.csv")
    y = (frame["loan_status"] == "Charged Off").astype(int).to_numpy()
    # a tie-heavy score (inquiries take 9 values) and a smooth one, both mapped into (0, 1)
    for raw in (frame["inq_last_6mths"].to_numpy(float), np.log1p(frame["revol_bal"].to_numpy(float))):
        p = (raw - raw.min() + 0.5) / (raw.max() - raw.min() + 1.0)
        assert metrics.roc_auc(y, p).value == pytest.approx(skm.roc_auc_score(y, p), abs=1e-12)
        assert metrics.average_precision(y, p).value == pytest.approx(skm.average_precision_score(y, p), abs=1e-12)
        assert metrics.brier_score(y, p).value == pytest.approx(skm.brier_score_loss(y, p), abs=1e-12)
        assert metrics.log_loss(y, p).value == pytest.approx(skm.log_loss(y, p), abs=1e-9)
        fpr, tpr, _ = skm.roc_curve(y, p, drop_intermediate=False)
        assert metrics.ks_statistic(y, p).value == pytest.approx(np.max(tpr - fpr), abs=1e-12)
        prob_true, prob_pred = calibration_curve(y, p, n_bins=10)
        table = metrics.calibration_bins(y, p)
        filled = table["count"] > 0
        assert np.allclose(table["default_rate"][filled], prob_true)
        assert np.allclose(table["mean_pd"][filled], prob_pred)


def test_decile_calibration_sees_what_equal_width_bins_average_away():
    """PD 0.5 % on loans that default at 2 %, and 6 % on loans that default at 4.5 %: every PD is in
    the first tenth, where the two errors cancel (ECE 0); by PD decile each shows (0.015)."""
    y = np.array([1] * 200 + [0] * 9_800 + [1] * 450 + [0] * 9_550)
    pd = np.array([0.005] * 10_000 + [0.06] * 10_000)
    assert metrics.expected_calibration_error(y, pd).value == pytest.approx(0.0, abs=1e-12)
    assert metrics.decile_calibration_error(y, pd).value == pytest.approx(0.015)
    assert metrics.decile_calibration_error(np.array([0, 1]), np.array([0.0, 1.0])).value == 0.0
    assert metrics.decile_calibration_error(np.array([]), np.array([])).reason == "empty input"


def test_default_flags_that_mix_missing_markers_or_text_are_refused_with_counts():
    with pytest.raises(ValueError, match=r"default flags must be 0 or 1; 2 are not, e.g. 'Y', None"):
        metrics.roc_auc(np.array([0, 1, None, "Y"], dtype=object), np.array([0.1, 0.9, 0.2, 0.3]))
    assert metrics.roc_auc(np.array([0, 1, True, 0.0], dtype=object), np.array([0.1, 0.9, 0.8, 0.3])).value == 1.0


def _delong_by_definition(y, a, b):
    """DeLong's variance of AUC_a - AUC_b written out pair by pair (kernel 1 / 0.5 / 0), O(m n)."""
    out = []
    for score in (a, b):
        pos, neg = score[y == 1], score[y == 0]
        kernel = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
        out.append((kernel.mean(), kernel.mean(axis=1), kernel.mean(axis=0)))
    (auc_a, v10_a, v01_a), (auc_b, v10_b, v01_b) = out
    s10 = np.cov(np.vstack([v10_a, v10_b]))
    s01 = np.cov(np.vstack([v01_a, v01_b]))
    m, n = v10_a.size, v01_a.size
    variance = (s10[0, 0] + s10[1, 1] - 2 * s10[0, 1]) / m + (s01[0, 0] + s01[1, 1] - 2 * s01[0, 1]) / n
    return auc_a - auc_b, math.sqrt(variance)


def test_paired_auc_comparison_matches_delong_by_definition_and_a_paired_bootstrap(data_dir):
    """Two PD rankings of 3,000 LendingClub loans: revolving utilisation alone, and a score that adds
    the 60-month term and recent inquiries to it (few distinct values: ties). The midrank algorithm
    gives DeLong's figures to 1e-12; its standard error agrees with 400 paired bootstrap resamples
    within 15%."""
    frame = pd.read_csv(data_dir / "loans" / "lendingclub_2007_2011.csv").sample(3000, random_state=0)
    y = (frame["loan_status"] == "Charged Off").astype(int).to_numpy()
    utilisation = frame["revol_util"].str.rstrip("%").astype(float).fillna(0.0).to_numpy()
    wider = ((frame["term"].str.strip() == "60 months") + utilisation / 100 + frame["inq_last_6mths"] / 8).to_numpy(float)
    compared = metrics.compare_auc(y, wider, utilisation)
    difference, se = _delong_by_definition(y, wider, utilisation)
    assert compared.auc_a == pytest.approx(metrics.roc_auc(y, wider).value, abs=1e-12)
    assert compared.auc_b == pytest.approx(metrics.roc_auc(y, utilisation).value, abs=1e-12)
    assert compared.difference == pytest.approx(difference, abs=1e-12)
    assert compared.standard_error == pytest.approx(se, abs=1e-12)
    assert 0.05 < compared.difference < 0.1  # the wider score ranks defaults clearly better
    assert compared.p_value == pytest.approx(0.5 * math.erfc(difference / se / math.sqrt(2)), abs=1e-12)
    assert compared.p_value < 1e-4
    low, high = compared.interval()
    assert low == pytest.approx(difference - 1.959964 * se, abs=1e-6) and high > difference
    rng = np.random.default_rng(0)
    gains = []
    for _ in range(400):
        i = rng.integers(0, y.size, y.size)
        gains.append(metrics.roc_auc(y[i], wider[i]).value - metrics.roc_auc(y[i], utilisation[i]).value)
    assert np.std(gains) == pytest.approx(compared.standard_error, rel=0.15)
    # swapped, the same difference the other way round: p near 1
    swapped = metrics.compare_auc(y, utilisation, wider)
    assert swapped.difference == pytest.approx(-difference, abs=1e-12) and swapped.p_value > 1 - 1e-4


def test_paired_auc_comparison_of_a_model_with_itself_is_a_tie_and_undefined_without_two_of_each_class():
    y = np.array([0, 1, 0, 1, 0, 0, 1, 0])
    score = np.array([0.1, 0.8, 0.3, 0.3, 0.2, 0.9, 0.7, 0.4])
    tie = metrics.compare_auc(y, score, score)
    assert (tie.difference, tie.standard_error, tie.p_value) == (0.0, 0.0, 0.5)
    assert (tie.n_defaults, tie.n_non_defaults) == (3, 5)
    assert metrics.compare_auc(np.zeros(8, dtype=int), score, score).reason == "no defaults among 8 rows (one class only)"
    one = metrics.compare_auc(np.array([0, 1, 0, 0]), score[:4], score[:4])
    assert one.value is None and one.reason == "1 default(s) and 3 non-default(s): a paired AUC test needs 2 of each"
    with pytest.raises(ValueError, match="scores are NaN or infinite"):
        metrics.compare_auc(y, score, np.r_[score[:-1], np.nan])


def test_p_values_print_to_three_decimals_and_below_that_as_under_one_in_a_thousand():
    """A bootstrap's smallest p-value, 1 / 2,001, must not read "p 0.000" (a certainty no test gives)."""
    assert metrics.format_p(1 / 2001) == "p < 0.001"
    assert metrics.format_p(0.0) == "p < 0.001"
    assert metrics.format_p(0.0005) == "p 0.001"  # rounds up, so it is not below one in a thousand
    assert metrics.format_p(0.0107) == "p 0.011"
    assert metrics.format_p(1.0) == "p 1.000"
    assert metrics.format_p(float("nan")) == "p nan"


def test_a_p_value_beside_its_threshold_keeps_the_decimals_that_put_it_on_its_side():
    """Three decimals would print 0.0496 as "p 0.050", then judged "below 0.05": a verdict that reads
    as its own contradiction. Against the threshold it is judged by, it keeps a fourth decimal."""
    from risk_assets.lib.ml.registry import challenger_verdict

    assert metrics.format_p(0.0496, 0.05) + challenger_verdict(0.006, 0.0496, 0.05, 0.005)[1] == (
        "p 0.0496, below 0.05, and the gain is at least 0.005")
    assert metrics.format_p(0.0504, 0.05) == "p 0.0504"  # would read 0.050, "not below 0.05"
    assert metrics.format_p(0.05, 0.05) == "p 0.050"  # the threshold itself is not below it, and reads so
    assert metrics.format_p(0.0505, 0.05) == "p 0.051" and metrics.format_p(0.031, 0.05) == "p 0.031"
    assert metrics.format_p(0.0496) == "p 0.050"  # no threshold: three decimals


def test_auc_within_vintage_weights_each_vintages_auc_by_its_pairs():
    """Vintage 2001: default 0.9 against 0.5 (above) and 0.95 (below): AUC 1/2 on 2 pairs. Vintage
    2002: defaults 0.2 and 0.3 against 0.1 and 0.25: 3 of 4 pairs, AUC 3/4. Pairs-weighted
    (0.5 x 2 + 0.75 x 4) / 6 = 2/3, not the plain mean 0.625; 2003 (defaults only) has no pair and
    the undated loan is left out. Pooled, the same scores rank 6 of 20 pairs: 0.3."""
    y = np.array([1, 0, 0, 1, 1, 0, 0, 1, 1, 0])
    score = np.array([0.9, 0.5, 0.95, 0.2, 0.3, 0.1, 0.25, 0.05, 0.07, 0.01])
    vintage = np.array([2001, 2001, 2001, 2002, 2002, 2002, 2002, 2003, 2003, np.nan])
    assert metrics.auc_within_vintage(y, score, vintage).value == pytest.approx(2 / 3)
    assert metrics.auc_within_vintage(y[:-1], score[:-1], vintage[:-1]).value == pytest.approx(2 / 3)
    assert metrics.roc_auc(y[:-1], score[:-1]).value == pytest.approx(0.3)


def test_auc_within_vintage_interval_pools_each_vintages_hanley_mcneil_error_by_its_pair_weight():
    """The loans above: 2001 (AUC 1/2, 1 default, 2 non-defaults) has Hanley & McNeil variance
    (0.25 + (1/3 - 0.25)) / 2 = 1/6, 2002 (AUC 3/4, 2 and 2) (0.1875 + 0.0375 + 0.080357) / 4 =
    0.076339; weights 2/6 and 4/6, so SE^2 = 1/6 / 9 + 4 x 0.076339 / 9, SE 0.22901, and the
    interval 2/3 - 1.96 SE = 0.2178 up to 1, clipped. Undated loans: NULL with the AUC's reason."""
    y = np.array([1, 0, 0, 1, 1, 0, 0, 1, 1, 0])
    score = np.array([0.9, 0.5, 0.95, 0.2, 0.3, 0.1, 0.25, 0.05, 0.07, 0.01])
    vintage = np.array([2001, 2001, 2001, 2002, 2002, 2002, 2002, 2003, 2003, np.nan])
    low, high = metrics.auc_within_vintage_interval(y, score, vintage)
    assert round(low.value, 4) == 0.2178 and high.value == 1.0
    undated = metrics.auc_within_vintage_interval(y[:3], score[:3], np.array([None] * 3))
    assert undated == (metrics.Metric(None, "none of the 3 loans carries a vintage (no origination date)"),) * 2


def test_auc_within_vintage_is_null_with_its_reason_for_undated_loans_or_no_pair():
    y, score = np.array([0, 1, 0]), np.array([0.1, 0.7, 0.2])
    undated = metrics.auc_within_vintage(y, score, np.array([None, None, None]))
    assert undated == metrics.Metric(None, "none of the 3 loans carries a vintage (no origination date)")
    single = metrics.auc_within_vintage(y, score, np.array([2001, 2002, 2003]))
    assert single == metrics.Metric(None, "no vintage of the 3 dated loans holds both a default and a non-default")


def test_auc_vintage_only_scores_each_loan_with_its_vintages_development_default_rate():
    """Development rates: 2001 1 of 4 (0.25), 2002 1 of 2 (0.5). The holdout's one default (2002,
    0.5) against non-defaults at 0.25, 0.25 and 0.5: (1 + 1 + 1/2) / 3."""
    auc = metrics.auc_vintage_only(np.array([0, 0, 1, 0]), np.array([2001, 2001, 2002, 2002]),
                                   np.array([0, 0, 0, 1, 1, 0]), np.array([2001, 2001, 2001, 2001, 2002, 2002]))
    assert auc.value == pytest.approx(2.5 / 3)
    unseen = metrics.auc_vintage_only(np.array([0, 1]), np.array([2004, 2005]), np.array([0, 1]), np.array([2001, 2001]))
    assert unseen == metrics.Metric(None, "vintage(s) 2004, 2005 of the holdout have no development loan")


def test_every_split_records_the_mean_pd_and_the_default_rates_interval_the_calibration_verdict_reads():
    """The calibration verdict sets the mean PD against the default rate (x0.80-x1.25), yet
    ml.model_metrics held the rate alone: a validator recomputed the mean PD from the scores and had
    no sampling error for the rate. 12 loans, 4 defaults: mean PD 1.77 / 12 = 0.1475; the rate 1/3
    with its Wilson interval, centre (1/3 + z^2/24) / (1 + z^2/12), by hand 0.1381 to 0.6094."""
    y = np.array([0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1])
    pd_ = np.array([0.02, 0.05, 0.08, 0.11, 0.14, 0.20, 0.26, 0.35, 0.04, 0.09, 0.12, 0.31])
    result = metrics.classification_metrics(y, pd_)
    assert result["mean_pd"].value == pytest.approx(0.1475, abs=1e-15)
    assert result["base_rate"].value == pytest.approx(1 / 3, abs=1e-15)
    assert result["base_rate_ci_low"].value == pytest.approx(0.1381201, abs=1e-7)
    assert result["base_rate_ci_high"].value == pytest.approx(0.6093779, abs=1e-7)
    empty = metrics.classification_metrics(np.array([], dtype=int), np.array([]))
    assert [empty[name].reason for name in ("mean_pd", "base_rate_ci_low", "base_rate_ci_high")] == ["empty input"] * 3
