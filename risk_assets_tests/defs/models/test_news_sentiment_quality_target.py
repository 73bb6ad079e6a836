"""news_sentiment_quality_target: the version trained against its quality target (WARN, blocks
nothing), from the materialization's metadata as a run on a busy machine left it."""

import dagster as dg

from risk_assets.defs.models.news_sentiment import quality_target_verdict

SHORT_STEPS = ("132 of 396 steps, 1.00 of 3 epochs (time budget of 540 s reached before the 132 steps it may "
               "not cut; trained on to them, 649 s)")
SHORT = ("Trained short: 132 of 396 optimiser steps (1.00 of 3 epochs) because the time budget of 540 s "
         "(max_train_seconds) ran out")
TARGET = "0.86 / 0.84 (accuracy / macro-F1 FinBERT reports on a 20% split of its own of this corpus)"
VERSION = "20261207T021100Z-99d816b0"


def _busy_run(**changes) -> dict:
    """The metadata of a champion trained on a busy machine: promoted, below target, trained short."""
    return {"version": VERSION, "promoted": True, "holdout_accuracy": 0.8283, "holdout_macro_f1": 0.8024,
            "quality_target_met": False, "training_steps": SHORT_STEPS, "trained_short": SHORT, **changes}


def test_a_champion_below_target_and_trained_short_warns_with_its_figures_the_target_and_its_source():
    result = quality_target_verdict(_busy_run())
    assert (result.passed, result.severity) == (False, dg.AssetCheckSeverity.WARN)
    assert result.description == (
        f"news_sentiment {VERSION}: missed its quality target: holdout accuracy 0.8283 / macro-F1 0.8024 against "
        f"{TARGET}; trained short: {SHORT_STEPS}; champion: it scores the articles. A warning: it blocks nothing "
        "(news_sentiment_macro_f1_gate decides promotion)")
    assert result.metadata["shortfalls"].value == 2 and result.metadata["trained_short"].value == SHORT
    assert result.metadata["quality_target"].value == "0.86 / 0.84"


def test_either_shortfall_alone_warns():
    full = quality_target_verdict(_busy_run(training_steps="3 x 132", trained_short=None))
    assert not full.passed and full.metadata["shortfalls"].value == 1
    assert full.description.startswith(f"news_sentiment {VERSION}: missed its quality target: holdout accuracy "
                                       f"0.8283 / macro-F1 0.8024 against {TARGET}; every planned step trained "
                                       "(3 x 132); champion")
    short = quality_target_verdict(_busy_run(holdout_accuracy=0.8712, holdout_macro_f1=0.8533, quality_target_met=True,
                                          promoted=False))
    assert not short.passed and short.metadata["shortfalls"].value == 1
    assert short.description == (
        f"news_sentiment {VERSION}: met its quality target: holdout accuracy 0.8712 / macro-F1 0.8533 against "
        f"{TARGET}; trained short: {SHORT_STEPS}; not promoted: it scores nothing (news_sentiment_macro_f1_gate). "
        "A warning: it blocks nothing (news_sentiment_macro_f1_gate decides promotion)")


def test_a_full_training_at_target_passes_and_an_older_materialization_is_judged_by_its_figures():
    met = quality_target_verdict(_busy_run(holdout_accuracy=0.8712, holdout_macro_f1=0.8533, quality_target_met=True,
                                        training_steps="3 x 132", trained_short=None))
    assert met.passed and met.description == (
        f"news_sentiment {VERSION}: met its quality target: holdout accuracy 0.8712 / macro-F1 0.8533 against "
        f"{TARGET}; every planned step trained (3 x 132); champion: it scores the articles")
    # written before quality_target_met: the rounded figures decide; macro-F1 0.8399 misses 0.84
    older = {k: v for k, v in _busy_run(holdout_accuracy=0.8712, holdout_macro_f1=0.8399, training_steps="3 x 132",
                                     trained_short=None).items() if k != "quality_target_met"}
    assert not quality_target_verdict(older).passed


def test_no_version_trained_is_not_a_shortfall():
    """No labelled news: nothing was trained, so nothing missed a target; the gate warns of it."""
    refused = ("not trained: no labelled news to train on: no article of marts.news_features has a label "
               "(negative / neutral / positive); land a labelled file, such as the Financial PhraseBank")
    result = quality_target_verdict({"version": "none", "promoted": False, "refused": refused})
    assert (result.passed, result.metadata["shortfalls"].value) == (True, 0)
    assert result.description == (f"news_sentiment: no version trained ({refused}): nothing to judge against the "
                                  f"quality target {TARGET}; news_sentiment_macro_f1_gate says why and who scores "
                                  "the articles")
    assert quality_target_verdict(None).passed
