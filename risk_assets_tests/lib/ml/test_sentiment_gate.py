"""The champion gate on macro-F1, alone and through a real training run written to the lake."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from risk_assets.lib.lake import connect
from risk_assets.lib.ml import registry
from risk_assets.lib.ml.sentiment import LABELS, MODEL_NAME, TINY_PROFILE, load_sentiment_model
from risk_assets.lib.ml.sentiment_eval import BASELINE_MODEL, GateDecision, evaluate, gate
from risk_assets.lib.ml.sentiment_pipeline import record_candidate, train_candidate
from risk_assets_tests.lib.ml.phrasebank_sample import small_docs


def test_first_model_must_beat_the_baseline():
    assert gate(0.70, 0.60, None).promote
    assert not gate(0.60, 0.60, None).promote
    assert gate(0.70, 0.60, None).reason == "promoted: first model; holdout macro-F1 0.7000 beats the TF-IDF baseline 0.6000"
    assert gate(0.55, 0.60, None).reason == "rejected: holdout macro-F1 0.5500 does not beat the TF-IDF baseline 0.6000"


def test_candidate_needs_at_least_the_champions_macro_f1():
    assert gate(0.80, 0.60, 0.80, "v1").promote
    assert not gate(0.79, 0.90, 0.80, "v1").promote
    assert gate(0.81, 0.90, 0.80, "v1").promote  # the baseline only matters for the first model
    assert gate(0.79, 0.60, 0.80, "v1").reason == (
        "rejected: holdout macro-F1 0.7900 < champion v1 re-scored on the same holdout 0.8000")
    assert gate(0.80, 0.60, 0.80, "v1").reason.startswith("promoted: holdout macro-F1 0.8000 >= champion v1")


def test_evaluate_gives_per_class_figures_and_none_for_undefined_precision():
    truth = ["negative", "neutral", "neutral", "positive", "positive", "positive"]
    guess = ["neutral", "neutral", "neutral", "positive", "positive", "neutral"]
    ev = evaluate(truth, guess)
    assert ev.metrics["accuracy"] == pytest.approx(4 / 6)
    assert ev.metrics["precision_negative"] is None and "negative" in ev.reasons["precision_negative"]
    assert ev.metrics["recall_positive"] == pytest.approx(2 / 3)
    assert ev.metrics["f1_neutral"] == pytest.approx(2 * (2 / 4) * 1.0 / (2 / 4 + 1.0))
    assert ev.macro_f1 == pytest.approx((0 + ev.metrics["f1_neutral"] + ev.metrics["f1_positive"]) / 3)
    assert ev.confusion.tolist() == [[0, 1, 0], [0, 2, 0], [0, 1, 2]]


def test_training_runs_register_judge_and_gate_in_the_lake(risk_home, data_dir):
    docs = small_docs(data_dir)
    first = train_candidate(docs, TINY_PROFILE, risk_home.artifacts, "v1", None)
    with connect(risk_home.lake_path) as con:
        record_candidate(con, first, "run-1")
        status = con.execute("SELECT status FROM ml.model_registry WHERE version = 'v1'").fetchone()[0]
        metrics = dict(con.execute(
            "SELECT model || ':' || metric, value FROM ml.model_metrics WHERE split = 'holdout'").fetchall())
        cells = con.execute(
            "SELECT model, sum(count) FROM ml.confusion_matrices GROUP BY model ORDER BY model").fetchall()
    assert first.decision == gate(first.candidate.macro_f1, first.baseline.macro_f1, None, None,
                                  f" ({first.split.holdout.height:,} holdout sentences)")
    assert status == ("champion" if first.decision.promote else "rejected")
    assert metrics[f"{MODEL_NAME}:macro_f1"] == pytest.approx(first.candidate.macro_f1)
    assert metrics[f"{BASELINE_MODEL}:macro_f1"] == pytest.approx(first.baseline.macro_f1)
    assert {f"{MODEL_NAME}:f1_{label}" for label in LABELS} <= set(metrics)
    assert cells == [(MODEL_NAME, first.split.holdout.height), (BASELINE_MODEL, first.split.holdout.height)]
    assert "data:image/png;base64," in first.card()

    # Make v1 the champion whatever its luck, then train a challenger on the same data.
    with connect(risk_home.lake_path) as con:
        if status != "champion":
            registry.promote(con, MODEL_NAME, "v1", "test: set a champion")
        champion_row = registry.champion(con, MODEL_NAME)
    second = train_candidate(docs, TINY_PROFILE, risk_home.artifacts, "v2", champion_row)

    texts, labels = second.split.holdout["text"].to_list(), second.split.holdout["label"].to_list()
    rescored = evaluate(labels, load_sentiment_model(first.artifact).predict(texts).labels)
    assert second.champion_version == "v1"
    assert second.champion.macro_f1 == pytest.approx(rescored.macro_f1)
    # the champion's holdout is held out again (same data: the same sentences), none it trained on
    assert set(second.split.holdout["key"]) == set(first.split.holdout["key"])
    scope = f" ({second.split.holdout.height:,} holdout sentences, none of them among the champion's training sentences)"
    assert second.decision == gate(second.candidate.macro_f1, second.baseline.macro_f1, rescored.macro_f1, "v1", scope)
    assert second.decision.reason.endswith(scope) and second.facts["previous champion"].endswith(scope)
    with connect(risk_home.lake_path) as con:
        record_candidate(con, second, "run-2")
        statuses = dict(con.execute("SELECT version, status FROM ml.model_registry").fetchall())
    assert statuses == ({"v1": "retired", "v2": "champion"} if second.decision.promote
                        else {"v1": "champion", "v2": "rejected"})

    # a promotion decided against a champion that was changed by hand meanwhile is refused
    third = dataclasses.replace(second, version="v3", champion_version="v0",
                                decision=GateDecision(True, "promoted: decided against v0"))
    with connect(risk_home.lake_path) as con:
        champion_before = registry.champion(con, MODEL_NAME)["version"]
        record_candidate(con, third, "run-3")
        v3_status, v3_reason = con.execute(
            "SELECT status, reason FROM ml.model_registry WHERE version = 'v3'").fetchone()
        assert registry.champion(con, MODEL_NAME)["version"] == champion_before
    assert v3_status == "rejected"
    assert v3_reason.startswith(f"rejected: the champion changed while this version trained (it was compared with v0, "
                                f"the champion is now {champion_before})")
    assert np.isfinite(second.report.seconds)


def test_the_card_says_whether_the_quality_target_is_met():
    from risk_assets.lib.ml.sentiment_eval import evaluate, quality_target_line

    labels = ["negative", "neutral", "positive"] * 10
    assert quality_target_line(evaluate(labels, labels)).startswith(
        "**Quality target 0.86 / 0.84 (accuracy / macro-F1, FinBERT on this corpus): met** (accuracy 1.0000")
    wrong = ["neutral"] * 10 + labels[10:]  # 7 of 30 wrong: accuracy 0.7667
    assert ": not met** (accuracy 0.7667 / macro_f1 " in quality_target_line(evaluate(labels, wrong))
