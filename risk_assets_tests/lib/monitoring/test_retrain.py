"""The retrain decision: each trigger fires on its own, none fires below the thresholds, small cohorts are ignored."""

from datetime import datetime

from risk_assets.lib.monitoring.retrain import (
    MonitoringSnapshot,
    PsiObservation,
    Rejection,
    RetrainThresholds,
    VintageAuc,
    decide,
)

T = RetrainThresholds(new_labelled_rows=1_000, psi=0.2, auc_margin=0.05, key_features=("term_months",), min_rows=200)


def snapshot(**changes) -> MonitoringSnapshot:
    base = dict(
        model="loan_pd_sba", champion_version="v1", holdout_auc=0.78, new_labelled_rows=400,
        psi=(PsiObservation("pd_score", 2004, 0.05, 2_000), PsiObservation("term_months", 2004, 0.08, 2_000)),
        vintages=(VintageAuc(2004, 2_000, 0.77, 300),),
    )
    return MonitoringSnapshot(**{**base, **changes})


def test_no_trigger_below_every_threshold():
    d = decide(snapshot(), T)
    assert not d.retrain and d.trigger == "none" and d.observed_value is None
    assert "400 labelled loans" in d.reason and "0.080" in d.reason and "0.770" in d.reason
    assert [c.trigger for c in d.checks] == ["auc_decay", "psi", "labels"]


def test_labels_trigger():
    d = decide(snapshot(new_labelled_rows=1_000), T)
    assert (d.retrain, d.trigger, d.observed_value, d.threshold) == (True, "labels", 1_000.0, 1_000.0)


def test_psi_trigger_on_the_score():
    d = decide(snapshot(psi=(PsiObservation("pd_score", 2005, 0.55, 2_000),)), T)
    assert (d.retrain, d.trigger, d.observed_value, d.threshold) == (True, "psi", 0.55, 0.2)
    assert "pd_score on vintage 2005" in d.reason
    assert d.tags()["risk/retrain_trigger"] == "psi" and d.tags()["risk/retrain_observed"] == "0.5500"


def test_a_book_without_dates_is_named_so_not_as_no_vintage():
    """LendingClub's extract and many lenders' tapes carry no dates: the loans that came after the
    champion form one cohort without a vintage, which the reasons called 'no vintage' ('PSI of
    loan_amount on no vintage (400 loans)')."""
    d = decide(snapshot(psi=(PsiObservation("term_months", None, 0.31, 400),),
                        vintages=(VintageAuc(None, 400, 0.61, 60),)), T)
    assert "PSI of term_months on the loans without a vintage (400 loans) = 0.310 > 0.2" in d.reason
    assert "AUC on the labelled loans without a vintage (400 loans, 60 defaults) = 0.610 < holdout AUC" in d.reason


def test_psi_trigger_on_a_key_feature_but_not_on_other_features():
    assert decide(snapshot(psi=(PsiObservation("term_months", 2004, 0.34, 2_000),)), T).trigger == "psi"
    assert not decide(snapshot(psi=(PsiObservation("naics", 2004, 4.3, 2_000),)), T).retrain


def test_psi_of_a_small_cohort_is_not_acted_on():
    assert not decide(snapshot(psi=(PsiObservation("pd_score", 2004, 3.0, 50),)), T).retrain


def test_auc_decay_trigger_uses_the_newest_labelled_vintage():
    vintages = (VintageAuc(2004, 2_000, 0.60, 300), VintageAuc(2008, 2_000, 0.72, 300), VintageAuc(2009, 30, 0.99, 5))
    d = decide(snapshot(vintages=vintages), T)
    assert (d.retrain, d.trigger) == (True, "auc_decay")
    assert d.observed_value == 0.72 and abs(d.threshold - 0.73) < 1e-12
    assert "vintage 2008" in d.reason


def test_all_triggers_are_named_and_auc_decay_leads():
    d = decide(snapshot(new_labelled_rows=5_000, psi=(PsiObservation("pd_score", 2008, 1.3, 2_000),),
                        vintages=(VintageAuc(2008, 2_000, 0.67, 300),)), T)
    assert d.trigger == "auc_decay"
    assert "AUC" in d.reason and "PSI" in d.reason and "labelled" in d.reason


def test_no_holdout_auc_means_no_auc_trigger():
    assert not decide(snapshot(holdout_auc=None, vintages=(VintageAuc(2008, 2_000, 0.5, 300),)), T).retrain


def test_fingerprint_changes_with_the_inputs():
    assert snapshot().fingerprint() == snapshot().fingerprint()
    assert snapshot().fingerprint() != snapshot(new_labelled_rows=401).fingerprint()


def test_a_vintage_with_too_few_defaults_is_not_judged_by_its_auc():
    """250 loans and 1 default: the AUC (0.912 here) is one loan's rank. The newest vintage with
    enough defaults and non-defaults (2022, decayed to 0.672) decides instead."""
    vintages = (VintageAuc(2022, 5_000, 0.672, 600), VintageAuc(2023, 250, 0.912, 1))
    d = decide(snapshot(vintages=vintages), T)
    assert (d.retrain, d.trigger, d.observed_value) == (True, "auc_decay", 0.672)
    assert "vintage 2022 (5,000 loans, 600 defaults)" in d.reason
    assert not decide(snapshot(vintages=(VintageAuc(2023, 250, 0.30, 1),)), T).retrain


def test_a_fixed_vintage_window_that_no_new_label_falls_in_is_not_retrained_and_says_how_to_move_it():
    """SBA's champion trains on vintages <= 2003 and is judged on 2004-2006: 16,826 new labels of 2010
    fire the triggers, but a retraining would read the same loans and be rejected at the gate (+0.0001
    on the sample lake), again at every landing. The decision names the window and its config."""
    window = "train on vintages <= 2003, out-of-time holdout 2004-2006"
    decayed = dict(new_labelled_rows=16_826, vintages=(VintageAuc(2010, 16_826, 0.686, 900),),
                   training_window=window)
    d = decide(snapshot(**decayed, new_labelled_in_window=0), T)
    assert (d.retrain, d.trigger, d.observed_value) == (False, "window", 0.686)
    assert d.reason.startswith("no retraining: it would train and judge on the same loans as champion v1, whose split "
                               f"is a fixed vintage window ({window}); none of the 16,826 new labels falls in it.")
    assert "oot_train_until, oot_holdout_from, oot_holdout_to" in d.reason and "AUC on newest labelled vintage 2010" in d.reason
    # a label that matured inside the window is new information: retrained as before
    assert decide(snapshot(**decayed, new_labelled_in_window=40), T).trigger == "auc_decay"
    assert decide(snapshot(**decayed), T).retrain  # no fixed window on record (a random or date split)


def test_a_rejected_challenger_holds_the_champion_when_triggers_fire():
    """The same loans would train the same challenger: held, with what the triggers saw; with no
    trigger the decision is 'none', the rejection unmentioned."""
    rejected = Rejection("v2", datetime(2026, 1, 2, 3, 4))
    d = decide(snapshot(new_labelled_rows=1_000), T, rejected)
    assert (d.retrain, d.trigger, d.observed_value, d.threshold) == (False, "held", None, None)
    assert d.reason == (
        "held: challenger v2, trained at 2026-01-02 03:04 UTC on these loans, was rejected; no sba loans landed since, "
        "so no automatic retraining (run retrain_loan_pd by hand to retrain now). The triggers saw: 1,000 labelled "
        "loans added since the champion's snapshot >= 1,000")
    assert d.fingerprint == snapshot(new_labelled_rows=1_000).fingerprint()
    assert decide(snapshot(), T, rejected).trigger == "none"
