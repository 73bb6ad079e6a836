"""The sentiment card's 'Limitations and intended use' and its trained-short warning set against a
full training of the same profile, on both real Financial PhraseBank files and a lake's registry."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

import numpy as np
import pytest

from risk_assets.lib.lake import connect, ensure_lake
from risk_assets.lib.ml import registry
from risk_assets.lib.ml.sentiment import MODEL_NAME, FullTraining, SentimentTrainConfig, TrainReport, config_dict
from risk_assets.lib.ml.sentiment_data import (
    ReferenceCorpus,
    labelled_articles_by_sample,
    reference_corpus,
    split_holdout,
)
from risk_assets.lib.ml.sentiment_eval import Evaluation, limitations
from risk_assets.lib.ml.sentiment_pipeline import full_training_of_profile
from risk_assets_tests.lib.ml.phrasebank_sample import phrasebank_docs

# the sample's busy-machine champion: 229 of 396 steps, holdout accuracy 0.8283, macro-F1 0.8056
CUT_SHORT = Evaluation({"accuracy": 0.8283, "macro_f1": 0.8056}, {}, np.zeros((3, 3), dtype=int))
PHRASEBANK = ReferenceCorpus(("financial_phrasebank_50agree.txt",), "50%", 4836, 0)


def test_the_card_says_what_the_sample_model_cannot_be_trusted_for(data_dir):
    """Both PhraseBank files, the default profile: the labelled articles' split, the 50%-agreement
    labels, no dates, English, the re-export's 369 negatives, the 96-token window and the missed
    target, each with the training's own figures."""
    docs = phrasebank_docs(data_dir)
    split = split_holdout(docs, holdout_fraction=0.2, seed=0)
    articles = labelled_articles_by_sample(docs, split)
    assert articles == {"train": 8083, "holdout": 1940, "left_out": 38}
    assert sum(articles.values()) == docs.height
    lines = limitations(CUT_SHORT, split, SentimentTrainConfig(), 3, PHRASEBANK, articles)
    assert lines == [
        "#### Limitations and intended use",
        "Intended use: the tone of a news sentence or headline about a company (negative / neutral / positive), "
        "read in aggregate (ml.news_sentiment_daily); not a credit verdict on one article.",
        "- in-sample scores: of the 10,061 labelled articles it read (a sentence's copies in other files, cases or "
        "spacing each counted), it trained on 8,083 (80.3%; 4,220 distinct sentences: their scores are learned, "
        "in-sample, and say nothing of the model), held out 1,940 (19.3%; 967 distinct sentences: judged on at the "
        "gate) and left out 38 (0.4%); every other article is unseen. The scoring's counts of train / holdout / unseen articles are "
        "on news_scores (metadata sample) and its check news_scores_coverage.",
        "- labels: the reference corpus (financial_phrasebank_50agree.txt; 4,836 labelled articles), 50%-agreement: "
        "a label is what at least 50% of the annotators gave, so many are judgement calls; the holdout is drawn from "
        "it alone.",
        "- no time-based test: none of the reference corpus's 4,836 articles carry a publication date, so the "
        "holdout is a random draw of the same sentences and says nothing of news written later.",
        "- English only: the encoder's vocabulary is English; a text in another language or script scores without "
        "meaning (news_scores.unknown_share near 1).",
        "- label mix: 369 training sentences are in no reference-format file (a re-export's own); they raise the "
        "training's negative share from 12.5% to 20.1%, against 12.5% of the holdout, so the model leans to "
        "'negative' more than the reference corpus does (fact train_sentences_from_other_files).",
        "- length: it reads 96 tokens at a time ([CLS]/[SEP] included): 3 of the 4,220 training sentences were "
        "longer and trained on truncated; scoring reads a longer text in up to 8 overlapping windows and marks the "
        "rest unread (news_scores.truncated).",
        "- below its quality target: holdout accuracy / macro-F1 0.8283 / 0.8056 against 0.86 / 0.84 (accuracy / "
        "macro-F1 FinBERT reports on a 20% split of its own of this corpus).",
    ]
    # trained on the reference file alone, dated, at the target: those lines go
    alone = split_holdout(docs, holdout_fraction=0.2, seed=0, train_on_other_sources=False)
    good = Evaluation({"accuracy": 0.87, "macro_f1": 0.85}, {}, np.zeros((3, 3), dtype=int))
    kept = limitations(good, alone, SentimentTrainConfig(), 0, replace(PHRASEBANK, dated=4836))
    assert [line.split(":")[0] for line in kept] == [
        "#### Limitations and intended use", "Intended use", "- labels", "- English only", "- length"]
    assert kept[-1].startswith("- length: it reads 96 tokens at a time ([CLS]/[SEP] included): 0 of the 3,851 ")


def test_a_holdout_of_the_lakes_own_news_says_the_quality_target_is_not_assessed_and_not_that_it_was_missed(data_dir):
    """No reference-format file in the lake: the labels line says the target is not assessed, and no
    line says the model fell below it."""
    split = replace(split_holdout(phrasebank_docs(data_dir), holdout_fraction=0.2, seed=0), holdout_from_reference=False)
    lines = limitations(CUT_SHORT, split, SentimentTrainConfig(), 3)
    assert [line for line in lines if "quality target" in line] == [
        "- labels: no file of the reference format (phrasebank_txt) in the lake, so the holdout is drawn from all "
        "labelled sentences, and the quality target, a figure on Financial PhraseBank, is not assessed on it."]


def test_the_agreement_and_the_dates_are_read_from_the_reference_files_of_the_lake(risk_home):
    """A file named as the PhraseBank names its files states its agreement; two levels state none."""
    with connect(risk_home.lake_path) as con:
        ensure_lake(con)
        con.execute("CREATE TABLE marts.news_features (label VARCHAR, published_at TIMESTAMP, _file_sha256 VARCHAR)")
        con.executemany("INSERT INTO raw.landed_files (sha256, path, size_bytes, domain, format, status) "
                        "VALUES (?, ?, 1, 'news', ?, 'loaded')",
                        [("a", "/landing/news/Sentences_AllAgree.txt", "phrasebank_txt"),
                         ("b", "/landing/news/desk_feed.csv", "news_feed_csv")])
        con.executemany("INSERT INTO marts.news_features VALUES (?, ?, ?)",
                        [("neutral", None, "a"), ("positive", datetime(2024, 5, 1), "a"), (None, None, "a"),
                         ("negative", datetime(2024, 5, 2), "b")])
        assert reference_corpus(con, "phrasebank_txt") == ReferenceCorpus(("Sentences_AllAgree.txt",), "all", 2, 1)
        assert reference_corpus(con, "phrasebank_csv") is None
        con.execute("INSERT INTO raw.landed_files (sha256, path, size_bytes, domain, format, status) "
                    "VALUES ('c', 'C:\\landing\\Sentences_66Agree.txt', 1, 'news', 'phrasebank_txt', 'loaded')")
        con.execute("INSERT INTO marts.news_features VALUES ('neutral', NULL, 'c')")
        assert reference_corpus(con, "phrasebank_txt") == ReferenceCorpus(
            ("Sentences_AllAgree.txt", "Sentences_66Agree.txt"), None, 3, 1)


def _register(home, con, version: str, config: SentimentTrainConfig, steps: int, accuracy: float, macro_f1: float):
    artifact = home.artifacts / MODEL_NAME / version
    artifact.mkdir(parents=True)
    (artifact / "meta.json").write_text(json.dumps({"config": config_dict(config)}))
    registry.register_candidate(con, MODEL_NAME, version, str(artifact), "macro_f1", macro_f1, "snap")
    registry.record_metrics(con, MODEL_NAME, version, "holdout", {"accuracy": accuracy, "macro_f1": macro_f1})
    registry.record_metrics(con, MODEL_NAME, version, "train", {"steps": float(steps), "planned_steps": 396.0})
    registry.reject(con, MODEL_NAME, version, "rejected: test")


def test_a_training_cut_short_is_set_against_the_latest_full_one_of_its_profile(risk_home):
    """In the registry: v1, the default profile, every step; v2, another learning rate, every step;
    v3, the default profile cut short. A busy default run (budget 540 s, seed 1) compares with v1,
    named with its figures; with none such it keeps the README's measured loss. The remedy stays."""
    default = SentimentTrainConfig()
    with connect(risk_home.lake_path) as con:
        ensure_lake(con)
        assert full_training_of_profile(con, default) is None
        _register(risk_home, con, "v1", replace(default, max_train_seconds=None), 396, 0.8470, 0.8240)
        _register(risk_home, con, "v2", replace(default, encoder_lr=6e-5), 396, 0.8380, 0.8170)
        _register(risk_home, con, "v3", default, 229, 0.8283, 0.8056)
        full = full_training_of_profile(con, replace(default, seed=1))
        assert full == FullTraining("v1", 396, 0.8470, 0.8240)
        assert full_training_of_profile(con, replace(default, epochs=2)) is None
    report = TrainReport("cpu", "float32", 541.2, 445.1, 2, 13.5, [0.7217, 0.5051], 4220, 3, 229, 396, 132, 540.0)
    warning = report.short_warning(True, full, (0.8283, 0.8056))
    assert warning.startswith(
        "Trained short: 229 of 396 optimiser steps (1.73 of 3 epochs) because the time budget of 540 s "
        "(max_train_seconds) ran out; expect lower quality than a full run (a full training of this profile, "
        "version v1, every one of its 396 steps trained, reached 0.8470 / 0.8240 accuracy / macro-F1 on its own "
        "holdout; this one 0.8283 / 0.8056 on its holdout); it stays champion until a model better beyond chance, "
        "or its profile run in full on the same data, replaces it; to train it afresh with no time budget: .venv/bin/risk-assets registry news_sentiment --retire")
    assert warning.split("; it stays champion")[1] == report.short_warning(True).split("; it stays champion")[1]
    assert "(no full training of this profile is in the registry to compare with; for the default profile on the " \
           "sample, one epoch of three costs about 0.03 macro-F1: 0.811 / 0.783 accuracy / macro-F1 against " \
           "0.836 / 0.812 on the tuning script's validation split; README, News sentiment model)" in \
           report.short_warning(True)


def test_a_version_trained_before_a_config_field_existed_keeps_its_profile(risk_home):
    """A meta.json written before supcon_lambda and supcon_temperature were fields lacks them; its
    training ran without the term (the fields' defaults), so it is still the default profile's full
    training, and no longer one when the candidate turns the term on."""
    default = SentimentTrainConfig()
    with connect(risk_home.lake_path) as con:
        ensure_lake(con)
        _register(risk_home, con, "v1", default, 396, 0.8470, 0.8240)
        meta = risk_home.artifacts / MODEL_NAME / "v1" / "meta.json"
        old = json.loads(meta.read_text())
        del old["config"]["supcon_lambda"], old["config"]["supcon_temperature"]
        meta.write_text(json.dumps(old))
        assert full_training_of_profile(con, default) == FullTraining("v1", 396, 0.8470, 0.8240)
        assert full_training_of_profile(con, replace(default, supcon_lambda=0.9)) is None


@pytest.mark.parametrize("gone", ["artifact", "metrics"])
def test_a_full_training_that_cannot_say_its_profile_or_figures_is_passed_over(risk_home, gone):
    default = SentimentTrainConfig()
    with connect(risk_home.lake_path) as con:
        ensure_lake(con)
        _register(risk_home, con, "v1", default, 396, 0.8470, 0.8240)
        _register(risk_home, con, "v2", default, 396, 0.8450, 0.8210)
        if gone == "artifact":
            (risk_home.artifacts / MODEL_NAME / "v2" / "meta.json").unlink()
        else:
            con.execute("DELETE FROM ml.model_metrics WHERE version = 'v2' AND metric = 'accuracy'")
        assert full_training_of_profile(con, default) == FullTraining("v1", 396, 0.8470, 0.8240)
