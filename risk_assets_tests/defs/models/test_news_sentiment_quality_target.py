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


NOT_ASSESSED = ("quality target 0.86 / 0.84 not assessed: its figures are on Financial PhraseBank, and this holdout "
                "holds no PhraseBank sentence (no file of the reference format in the lake: it is drawn from the "
                "lake's own labelled news), so the target can be neither met nor missed on it")


def test_a_holdout_of_the_lenders_own_news_is_not_judged_against_the_phrasebank_target():
    """A lender's feed without PhraseBank: the target is neither met nor missed, so the check passes
    saying so (as a drift check with nothing to compare does); a training cut short still warns."""
    own = _busy_run(holdout_accuracy=0.7031, holdout_macro_f1=0.6394, quality_target_assessed=False,
                    training_steps="3 x 8", trained_short=None)
    del own["quality_target_met"]
    result = quality_target_verdict(own)
    assert (result.passed, result.severity) == (True, dg.AssetCheckSeverity.WARN)
    assert result.description == (
        f"news_sentiment {VERSION}: {NOT_ASSESSED} (holdout accuracy 0.7031 / macro-F1 0.6394); every planned step "
        "trained (3 x 8); champion: it scores the articles")
    assert result.metadata["shortfalls"].value == 0
    assert result.metadata["quality_target_assessed"].value is False
    assert "quality_target_met" not in result.metadata
    short = quality_target_verdict({**own, "training_steps": SHORT_STEPS, "trained_short": SHORT})
    assert (short.passed, short.metadata["shortfalls"].value) == (False, 1)
    assert short.description.startswith(f"news_sentiment {VERSION}: {NOT_ASSESSED} (holdout accuracy 0.7031 / "
                                         f"macro-F1 0.6394); trained short: {SHORT_STEPS}; champion")
    # the sample's materialization (PhraseBank holdout) is judged as before
    assert quality_target_verdict(_busy_run(quality_target_assessed=True)).metadata["shortfalls"].value == 2


def test_a_restored_champion_of_the_lenders_own_news_is_not_judged_against_the_target(tmp_path):
    """After a change by hand, the champion's meta.json says whether its holdout was PhraseBank's."""
    import json

    import duckdb

    from risk_assets.defs.models.news_sentiment import quality_target_after_change

    con = duckdb.connect()
    con.execute("CREATE SCHEMA ml")
    con.execute("CREATE TABLE ml.model_metrics (model VARCHAR, version VARCHAR, split VARCHAR, metric VARCHAR, "
                "value DOUBLE)")
    con.executemany("INSERT INTO ml.model_metrics VALUES ('news_sentiment', ?, ?, ?, ?)",
                    [(VERSION, "holdout", "accuracy", 0.70312), (VERSION, "holdout", "macro_f1", 0.63938),
                     (VERSION, "train", "steps", 24), (VERSION, "train", "planned_steps", 24)])
    for own, folder in ((False, tmp_path / "own"), (True, tmp_path / "phrasebank")):
        folder.mkdir()
        (folder / "meta.json").write_text(json.dumps({"facts": {"holdout_from_reference_corpus": own}}))
    own = quality_target_after_change(con, {"version": VERSION, "artifact_path": str(tmp_path / "own")}, "restored")
    assert (own.passed, own.metadata["shortfalls"].value) == (True, 0)
    assert own.description == (f"after a change by hand (restored): news_sentiment {VERSION}: {NOT_ASSESSED} "
                               "(holdout accuracy 0.7031 / macro-F1 0.6394); every planned step trained (24 of 24 "
                               "steps); champion: it scores the articles")
    sample = quality_target_after_change(con, {"version": VERSION, "artifact_path": str(tmp_path / "phrasebank")},
                                         "restored")
    assert (sample.passed, sample.metadata["shortfalls"].value) == (False, 1)
    gone = quality_target_after_change(con, {"version": VERSION, "artifact_path": str(tmp_path / "gone")}, "restored")
    assert gone.metadata["shortfalls"].value == 1  # no meta.json to say otherwise: judged
