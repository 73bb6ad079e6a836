"""How the model cards read to a credit-risk analyst: stored values as words and numbers, the
training run's engineering figures apart, the trained-short warning in one sentence, and a 'Terms'
section from the one definition table both cards share. Lines are exact."""

import numpy as np
import pytest

from risk_assets.lib.ml.card_text import TERMS, plain, terms_section
from risk_assets.lib.ml.model_card import CALIBRATION_TOLERANCE, training_run_lines
from risk_assets.lib.ml.sentiment import TrainReport
from risk_assets.lib.ml.sentiment_eval import GateDecision, evaluate, model_card


def test_a_stored_value_reads_as_words_and_numbers_never_as_python():
    assert plain({"train": 31829, "holdout": 7957}) == "train 31,829, holdout 7,957"
    assert plain([12, 10, 13]) == "12, 10, 13"
    assert plain(True) == "yes" and plain(False) == "no" and plain(None) == "none"
    assert plain(112414.0) == "112,414"
    assert plain(785.5) == "786"
    assert plain(50.512) == "50.51"
    assert plain(np.int64(4220)) == "4,220"
    assert plain(float("nan")) == "n/a"
    assert plain("cpu (float32)") == "cpu (float32)"


def test_the_pd_cards_training_run_holds_the_engineering_figures_in_words():
    run = {"device": "cpu", "autocast": "none (float32)", "train_seconds": 50.512, "samples_per_second": 112414.0,
           "members": [{"epochs": 12}, {"epochs": 10}, {"epochs": 13}]}
    assert training_run_lines(run) == [
        "#### Training run",
        "- device: cpu, autocast none (float32)",
        "- 3 ensemble members, epochs each: 12, 10, 13",
        "- training time: 50.51 s, 112,414 samples/s"]


def test_the_terms_section_spells_out_the_terms_a_card_uses_and_no_other():
    text = "| ece | 0.0038 |\n| ks | 0.2757 |\nholdout AUC 0.6854; one-sided paired DeLong p < 0.001\n![plot](data:image/png;base64,PSI+gini)"
    assert terms_section(text) == [
        "#### Terms",
        "- AUC (area under the ROC curve): the chance that a randomly drawn default gets a higher PD than a randomly "
        "drawn non-default, 0.5 (a coin toss) to 1 (perfect ranking); its 95% interval uses the Hanley & McNeil "
        "(1982) standard error.",
        "- KS (Kolmogorov-Smirnov statistic, one-sided as scorecards report it, Siddiqi 2006): the largest amount, over "
        "all PD cut-offs, by which the share of defaults above the cut-off exceeds the share of non-defaults above it, "
        "0-1; higher separates them better, and a PD that ranks defaults lower reads 0 or near it.",
        "- ECE (expected calibration error, Naeini et al. 2015): the mean gap between predicted PD and observed default "
        "rate over PD bins, weighted by their loans, 0-1 (ece: 10 equal-width bins; ece_decile: bins at the PD's "
        "deciles); under 0.02 reads as calibrated here.",
        "- DeLong test (DeLong, DeLong & Clarke-Pearson 1988): whether two models' AUCs on the same loans differ "
        "beyond chance, from the paired variance of the two AUCs; p is its one-sided p-value."]


def test_the_ks_and_pr_auc_terms_say_what_the_card_computes():
    """The card's KS read 'the widest gap between the share of defaults and of non-defaults below the
    cut-off', the two-sided distance, while `metrics.ks_statistic` takes TPR - FPR one way only; and
    its PR-AUC cited an area while the card stores average precision. On 6 loans whose PDs rank the
    defaults lowest, the two-sided distance is 1 and the card's KS 0; average precision is
    (1/5 + 2/6) / 2 = 0.2667, the trapezoid area under the same curve (scikit-learn's auc) 0.1833."""
    from risk_assets.lib.ml import metrics

    y, pd_ = np.array([1, 1, 0, 0, 0, 0]), np.array([0.01, 0.02, 0.10, 0.20, 0.30, 0.40])
    assert metrics.ks_statistic(y, pd_).value == 0.0
    assert "share of defaults above the cut-off exceeds the share of non-defaults above it" in TERMS["KS"][1]
    assert "a PD that ranks defaults lower reads 0 or near it" in TERMS["KS"][1]
    assert metrics.average_precision(y, pd_).value == pytest.approx((1 / 5 + 2 / 6) / 2, abs=1e-15)
    assert TERMS["PR-AUC"][1].startswith("PR-AUC (average precision): the precision at each default's rank down "
                                         "the PDs, averaged over the defaults, the step-wise area")


def test_the_ece_term_gives_the_threshold_the_pd_card_judges_calibration_by():
    assert f"under {CALIBRATION_TOLERANCE} reads as calibrated here" in TERMS["ECE"][1]


def _sentiment_card(promote: bool, warning: str = "") -> list[str]:
    truth = ["negative"] * 3 + ["neutral"] * 5 + ["positive"] * 2
    candidate = evaluate(truth, ["negative", "negative", "neutral"] + ["neutral"] * 5 + ["positive", "negative"])
    baseline = evaluate(truth, ["neutral"] * 10)
    facts = {"device": "cpu (float32)", "training sentences / s": 5.4321, "epoch losses": "0.6969",
             "train_sentences": 4220, "holdout_from_reference_corpus": True}
    return model_card("v2", candidate, baseline, candidate, "v1",
                      GateDecision(promote, "promoted: for the test; one-sided paired bootstrap p < 0.001"),
                      facts, warning).splitlines()


def test_the_sentiment_card_heads_its_columns_by_role_and_keeps_the_training_run_last():
    lines = _sentiment_card(True)
    assert "| holdout metric | this version | TF-IDF baseline | previous champion v1 |" in lines
    assert "| holdout metric | this version | TF-IDF baseline | champion v1 |" in _sentiment_card(False)
    facts = lines.index("| fact | value |")
    run = lines.index("#### Training run")
    assert lines[facts:facts + 4] == ["| fact | value |", "|---|---|", "| train_sentences | 4,220 |",
                                      "| holdout_from_reference_corpus | yes |"]
    assert lines[run:run + 6] == ["#### Training run", "", "| fact | value |", "|---|---|",
                                  "| device | cpu (float32) |", "| training sentences / s | 5.432 |"]
    assert lines[run + 6] == "| epoch losses | 0.6969 |"
    terms = lines.index("#### Terms")
    assert terms > run
    assert [line.split(" (")[0].split(":")[0] for line in lines[terms + 1:]] == [
        "- accuracy", "- precision_<label>", "- macro-F1", "- paired bootstrap"]
    assert lines[terms + 1:] == [f"- {TERMS[name][1]}" for name in
                                 ("accuracy", "precision, recall, F1", "macro-F1", "paired bootstrap")]


def test_a_sentiment_card_cut_short_opens_with_one_sentence_and_no_command():
    report = TrainReport("cpu", "float32", 785.5, 403.8, 2, 5.4, [0.6969], 4220, 3, 132, 396, 132, 540.0)
    note = report.short_note()
    assert note == ("Trained short: 132 of 396 optimiser steps (time budget of 540 s), so the figures below are "
                    "expected to fall short of a full training's; how to retrain it is in the check "
                    "news_sentiment_quality_target (metadata trained_short) and the README, News sentiment model.")
    lines = _sentiment_card(True, note)
    assert lines[:4] == ["### news_sentiment v2", "", f"**Warning:** {note}", ""]
    assert "risk-assets" not in "\n".join(lines)
    assert TrainReport("cpu", "float32", 785.5, 403.8, 2, 5.4, [0.6969], 4220, 3, 396, 396, 132).short_note() == ""
