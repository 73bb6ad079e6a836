"""The sentiment model on real PhraseBank sentences and the news cases F17-F19, with the tiny profile."""

from __future__ import annotations

import csv
import json
import math
import random
import re
from dataclasses import replace

import numpy as np
import polars as pl
import pytest

from risk_assets.lib.ingest.news_formats import parse_news_file
from risk_assets.lib.ml.sentiment import (
    LABELS,
    TINY_PROFILE,
    SentimentModel,
    SentimentTrainConfig,
    length_batches,
    progress_marks,
    load_sentiment_model,
    pick_device,
    save_sentiment_model,
    schedule_factor,
    train_sentiment,
)
from risk_assets.lib.ml.sentiment_data import ReservedSentences, key_digest, split_holdout
from risk_assets.lib.ml.sentiment_scoring import score_documents
from risk_assets_tests.lib.ml.phrasebank_sample import small_docs


@pytest.fixture(scope="module")
def tiny(request):
    """(model, report, split): the tiny profile trained once on ~70 real sentences."""
    from risk_assets_tests.conftest import DATA

    if not DATA.is_dir():
        pytest.skip(f"sample data not found at {DATA}")
    split = split_holdout(small_docs(DATA), seed=0)
    model, report = train_sentiment(split.train["text"].to_list(), split.train["label"].to_list(), TINY_PROFILE)
    return model, report, split


def with_chunks(model: SentimentModel, max_chunks: int) -> SentimentModel:
    return SentimentModel(model.classifier, model.tokenizer, model.max_tokens, max_chunks,
                          model.chunk_stride, model.device)


def test_training_runs_and_reports(tiny):
    model, report, split = tiny
    assert report.n_train == split.train.height <= TINY_PROFILE.max_train_examples
    assert report.device == pick_device()
    assert len(report.epoch_losses) == TINY_PROFILE.epochs and all(math.isfinite(x) for x in report.epoch_losses)
    assert report.steps == math.ceil(report.n_train / TINY_PROFILE.batch_size) * TINY_PROFILE.epochs
    scored = model.predict(split.holdout["text"].to_list())
    assert scored.probs.shape == (split.holdout.height, len(LABELS))
    np.testing.assert_allclose(scored.probs.sum(axis=1), 1.0, atol=1e-6)
    assert scored.labels == [LABELS[k] for k in scored.probs.argmax(axis=1)]


def test_artifact_round_trip_gives_identical_probabilities(tiny, tmp_path, cases_dir):
    model, _, split = tiny
    folder = save_sentiment_model(model, tmp_path, "v1", {"note": "round trip"})
    texts = split.holdout["text"].to_list() + parse_news_file(cases_dir / "F17_news_long_text.csv").rows["text_clean"].to_list()

    loaded = load_sentiment_model(folder, device=model.device)

    before, after = model.predict(texts), loaded.predict(texts)
    assert np.array_equal(before.probs, after.probs)
    assert (before.chunks, before.truncated) == (after.chunks, after.truncated)
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert {"weights.safetensors", "meta.json", "encoder/config.json", "tokenizer/tokenizer.json"} <= files
    assert not [f for f in files if f.endswith((".bin", ".pt", ".pth", ".pkl", ".pickle"))]
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["labels"] == list(LABELS) and meta["note"] == "round trip"
    assert not {"optimizer", "scheduler"} & set(meta)


def test_long_article_is_chunked_and_marked_not_crashed(tiny, cases_dir):
    """F17: a body far past 512 tokens is read in windows; past max_chunks it is marked truncated."""
    model, _, _ = tiny
    rows = parse_news_file(cases_dir / "F17_news_long_text.csv").rows
    texts = rows["text_clean"].to_list()
    n_tokens = [len(model.tokenizer(t)["input_ids"]) for t in texts]
    long = int(np.argmax(n_tokens))
    assert n_tokens[long] > 512

    every = with_chunks(model, 1000).predict(texts)
    windows = every.chunks[long]
    step = model.max_tokens - 2 - model.chunk_stride
    assert windows == math.ceil((n_tokens[long] - 2 - model.chunk_stride) / step)
    assert every.truncated == [False] * len(texts)

    capped = with_chunks(model, 8).predict(texts)
    assert capped.chunks[long] == min(windows, 8) and capped.truncated[long] == (windows > 8)
    truncated = with_chunks(model, 1).predict(texts)
    assert truncated.chunks == [1, 1, 1] and truncated.truncated[long]
    for i in range(len(texts)):
        if i != long and n_tokens[i] <= model.max_tokens:
            assert (every.chunks[i], every.truncated[i]) == (1, False)
    for scored in (every, capped, truncated):
        np.testing.assert_allclose(scored.probs.sum(axis=1), 1.0, atol=1e-6)


def test_scoring_logs_progress_by_tenths_without_changing_scores(tiny):
    """A long scoring run says how far it is: a line at each further tenth of the windows scored."""
    model, _, split = tiny
    texts = [t for t in split.train["text"].to_list()
             if len(model.tokenizer(t)["input_ids"]) <= model.max_tokens][:40]  # one window each
    small_batches = SentimentModel(model.classifier, model.tokenizer, model.max_tokens, model.max_chunks,
                                   model.chunk_stride, model.device, batch_size=4)
    lines: list[str] = []

    logged = small_batches.predict(texts, log=lines.append)

    assert len(texts) == 40 and logged.chunks == [1] * 40  # 10 batches of 4 windows
    assert [int(line.split()[1]) for line in lines] == list(range(4, 40, 4))
    assert all(line.endswith(" s") and "of 40 windows (40 texts)" in line for line in lines)
    np.testing.assert_allclose(logged.probs, model.predict(texts).probs, atol=1e-6)


def test_headline_only_article_is_scored_from_its_headline(tiny, cases_dir):
    """F18: the parser keeps headline-only rows with text_field 'headline'; scoring uses that text."""
    model, _, _ = tiny
    parsed = parse_news_file(cases_dir / "F18_news_empty_text.csv").rows
    scores, no_text = score_documents(model, parsed.select("doc_id", "text_clean", "text_field"), "v1")

    assert no_text.height == 0 and scores.height == parsed.height
    headline_only = scores.filter(pl.col("doc_id") == "wire_a:n-2007").row(0, named=True)  # keyed by its source
    assert headline_only["text_field"] == "headline"
    with open(cases_dir / "F18_news_empty_text.csv", newline="", encoding="utf-8") as handle:
        headline = next(r["headline"] for r in csv.DictReader(handle) if r["article_id"] == "n-2007")
    direct = model.predict([headline]).probs[0]
    assert [headline_only[f"p_{label}"] for label in LABELS] == pytest.approx(direct.tolist(), abs=1e-6)


def test_rows_without_text_are_set_aside_with_a_reason(tiny, cases_dir):
    """F18 guard: the raw empty, whitespace, 'nan', 'None' and '...' bodies never reach the model."""
    model, _, _ = tiny
    with open(cases_dir / "F18_news_empty_text.csv", newline="", encoding="utf-8") as handle:
        raw = [(r["article_id"], r["body"]) for r in csv.DictReader(handle)]
    docs = pl.DataFrame({"doc_id": [d for d, _ in raw], "text_clean": [b for _, b in raw],
                         "text_field": ["body"] * len(raw)})
    scores, no_text = score_documents(model, docs, "v1")

    assert scores.height + no_text.height == len(raw)
    assert set(no_text["doc_id"]) == {"n-2002", "n-2003", "n-2004", "n-2005", "n-2006", "n-2007"}
    assert dict(no_text.select("doc_id", "reason").iter_rows())["n-2004"] == "null_token"
    with pytest.raises(ValueError, match="empty"):
        model.predict(["  "])


def test_entities_and_tags_are_cleaned_before_tokenising(tiny, cases_dir):
    """F19: the model reads text_clean, in which no entity or tag fragment is left to tokenise."""
    model, _, _ = tiny
    rows = parse_news_file(cases_dir / "F19_news_html_entities.csv").rows
    debris = {"&", "amp", "#", "<", ">", "quot", "nbsp", "mdash", "br", "82"}
    raw_tokens = {t for text in rows["text_raw"] for t in model.tokenizer.tokenize(text)}
    clean_tokens = {t for text in rows["text_clean"] for t in model.tokenizer.tokenize(text)}
    assert raw_tokens & debris
    assert not clean_tokens & debris
    scores, _ = score_documents(model, rows.select("doc_id", "text_clean", "text_field"), "v1")
    assert scores.height == rows.height


def test_length_batches_cover_every_sentence_once_with_little_padding():
    rng = random.Random(0)
    lengths = [rng.randint(5, 90) for _ in range(1000)]
    batches = length_batches(lengths, 32, random.Random(0))
    assert sorted(i for b in batches for i in b) == list(range(1000))
    assert max(len(b) for b in batches) == 32
    padded = sum(len(b) * max(lengths[i] for i in b) for b in batches)
    assert padded < 1.2 * sum(lengths)  # random batches pad to ~1.9x here


def test_progress_lines_fall_at_even_shares_of_the_padded_tokens_not_of_the_sentences():
    """Three progress marks per epoch, each where the padded tokens computed so far first reach a
    quarter, half and three quarters of the epoch's: the sentence counts at those marks differ from
    n/4 when long and short batches come in an uneven order."""
    lengths = [10] * 64 + [80] * 64  # two batches of short sentences, two of long ones
    batches = [list(range(0, 32)), list(range(32, 64)), list(range(64, 96)), list(range(96, 128))]
    # padded tokens per batch: 320, 320, 2560, 2560 of 5760; quarters at 1440, 2880, 4320. The third
    # batch carries the epoch past both the quarter and the half: one line, at 2/4; the last batch
    # is the epoch's own line.
    assert progress_marks(batches, lengths) == {2: 2}
    assert progress_marks(list(reversed(batches)), lengths) == {0: 1, 1: 3}
    rng = random.Random(0)
    lengths = [rng.randint(5, 90) for _ in range(1000)]
    batches = length_batches(lengths, 32, random.Random(0))
    marks = progress_marks(batches, lengths)
    assert sorted(marks.values()) == [1, 2, 3]
    costs = [len(b) * max(lengths[i] for i in b) for b in batches]
    for index, part in marks.items():
        assert sum(costs[:index + 1]) >= part * sum(costs) / 4 > sum(costs[:index])


def test_training_refuses_unknown_labels():
    with pytest.raises(ValueError, match="not among"):
        train_sentiment(["Profit rose."], ["bullish"], replace(TINY_PROFILE, epochs=1))


def test_frozen_word_embeddings_stay_pretrained_while_the_encoder_learns(tiny):
    """freeze_embeddings (the default): the 30,522 x 384 word-embedding table is the packaged one
    after training; the transformer layers above it have moved."""
    from transformers import AutoModel

    from risk_assets.lib.ml.sentiment import encoder_path

    model, _, _ = tiny
    assert TINY_PROFILE.freeze_embeddings
    pretrained = AutoModel.from_pretrained(encoder_path())
    trained = model.classifier.encoder
    assert trained.embeddings.word_embeddings.weight.shape == (30522, 384)
    assert (trained.embeddings.word_embeddings.weight.cpu() == pretrained.embeddings.word_embeddings.weight).all()
    first_query = "encoder.layer.0.attention.self.query.weight"
    assert not (trained.get_parameter(first_query).cpu() == pretrained.get_parameter(first_query)).all()


def test_pooling_is_stored_and_restored(tiny, tmp_path):
    """The tiny fixture pools the [CLS] state (the default); a mean-pooled model round-trips too."""
    from risk_assets.lib.ml.sentiment import POOLINGS

    model, _, split = tiny
    assert model.classifier.pooling == "cls" and POOLINGS == ("mean", "cls")
    texts, labels = split.train["text"].to_list()[:16], split.train["label"].to_list()[:16]
    mean_model, _ = train_sentiment(texts, labels, replace(TINY_PROFILE, pooling="mean", max_train_examples=None))
    loaded = load_sentiment_model(save_sentiment_model(mean_model, tmp_path, "mean", {}), device=mean_model.device)
    assert loaded.classifier.pooling == "mean"
    assert np.array_equal(mean_model.predict(texts).probs, loaded.predict(texts).probs)
    with pytest.raises(ValueError, match="pooling 'max' is not one of"):
        train_sentiment(texts, labels, replace(TINY_PROFILE, pooling="max"))


def test_layer_lr_decay_gives_each_depth_its_rate():
    """layer_lr_decay 0.5: the top of 6 layers trains at encoder_lr, layer 0 at encoder_lr x 0.5^5, the
    embeddings at x 0.5^6, the head at head_lr; every trainable tensor is in exactly one group."""
    from risk_assets.lib.ml.sentiment import SentimentTrainConfig, _param_groups, new_classifier

    config = SentimentTrainConfig(encoder_lr=1e-4, head_lr=1e-3, layer_lr_decay=0.5)
    classifier = new_classifier(0.1, "cls")
    classifier.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    groups = _param_groups(classifier, config)
    lr_of = {id(p): g["lr"] for g in groups for p in g["params"]}
    assert sum(len(g["params"]) for g in groups) == len(lr_of) == sum(
        p.requires_grad for p in classifier.parameters())
    encoder = classifier.encoder
    assert lr_of[id(encoder.get_parameter("encoder.layer.5.attention.self.query.weight"))] == pytest.approx(1e-4)
    assert lr_of[id(encoder.get_parameter("encoder.layer.0.attention.self.query.weight"))] == pytest.approx(1e-4 * 0.5 ** 5)
    assert lr_of[id(encoder.get_parameter("embeddings.position_embeddings.weight"))] == pytest.approx(1e-4 * 0.5 ** 6)
    assert lr_of[id(classifier.head.weight)] == pytest.approx(1e-3)
    assert id(encoder.embeddings.word_embeddings.weight) not in lr_of
    no_decay = {id(p) for g in groups if g["weight_decay"] == 0.0 for p in g["params"]}
    assert id(encoder.get_parameter("encoder.layer.3.output.LayerNorm.weight")) in no_decay
    assert id(encoder.get_parameter("encoder.layer.3.output.dense.weight")) not in no_decay


def test_weight_average_is_the_model_kept(tiny):
    """ema_decay close to 1 keeps the weights of the first step (the average starts from them): one
    AdamW step moves a weight by about encoder_lr, while the last step's weights (ema_decay 0, the
    tiny fixture) have moved over all steps; the averaged model scores like any other."""
    from transformers import AutoModel

    from risk_assets.lib.ml.sentiment import encoder_path

    _, _, split = tiny
    texts, labels = split.train["text"].to_list(), split.train["label"].to_list()
    averaged, _ = train_sentiment(texts, labels, replace(TINY_PROFILE, ema_decay=0.999999))
    moved, _, _ = tiny
    name = "encoder.layer.0.attention.self.query.weight"
    pretrained = AutoModel.from_pretrained(encoder_path()).get_parameter(name)
    drift_averaged = (averaged.classifier.encoder.get_parameter(name).cpu() - pretrained).abs().max().item()
    drift_last = (moved.classifier.encoder.get_parameter(name).cpu() - pretrained).abs().max().item()
    print(f"largest change from the pretrained weight: averaged {drift_averaged:.2e}, last step {drift_last:.2e}")
    assert drift_averaged < 1.1 * TINY_PROFILE.encoder_lr < 3 * drift_averaged < drift_last
    assert averaged.predict(texts[:4]).probs.shape == (4, len(LABELS))


def test_rdrop_term_is_the_symmetric_kl_of_the_two_passes(tiny):
    """p = (1/2, 1/2) against q = (3/4, 1/4): KL(p||q) = 0.143841, KL(q||p) = 0.130812, their mean
    0.137327 nats; identical passes give 0. A training with rdrop_alpha runs each batch twice and
    scores like any other."""
    import torch

    from risk_assets.lib.ml.sentiment import _symmetric_kl

    p, q = torch.tensor([[0.0, 0.0]]), torch.tensor([[math.log(3.0), 0.0]])
    assert _symmetric_kl(p, q).item() == pytest.approx(0.137327, abs=1e-6)
    assert _symmetric_kl(q, p).item() == pytest.approx(0.137327, abs=1e-6)
    assert _symmetric_kl(q.repeat(4, 1), q.repeat(4, 1)).item() == pytest.approx(0.0, abs=1e-7)
    _, _, split = tiny
    texts, labels = split.train["text"].to_list(), split.train["label"].to_list()
    model, report = train_sentiment(texts, labels, replace(TINY_PROFILE, rdrop_alpha=1.0))
    assert report.steps == report.planned_steps == math.ceil(len(texts) / TINY_PROFILE.batch_size)
    assert model.predict(texts[:4]).probs.shape == (4, len(LABELS))


def test_supervised_contrastive_loss_matches_the_hand_computed_values(tiny):
    """Two classes of two, z = (2, 0), (3, 0) | (0, 0.5), (0, 4), tau 0.5: normalised, a row's one
    positive has cosine 1 and its two negatives 0, so each anchor's term is
    -log(e^(1/0.5) / (e^2 + e^0 + e^0)) = log(e^2 + 2) - 2 = 2.239545 - 2 = 0.239545 (the lengths do
    not count). Three of class 0 at (1, 0) and one of class 1 at (0, 1), tau 1: an anchor of class 0
    has two positives at e^1 and one negative at e^0, each positive's term log(2e + 1) - 1 =
    1.861995 - 1 = 0.861995; the anchor of class 1 has no positive and no term, so the mean is
    0.861995 (counting it as 0 would give 0.646496). No two rows of a class: 0. A training with
    supcon_lambda runs and scores like any other."""
    import torch

    from risk_assets.lib.ml.sentiment import supervised_contrastive_loss

    pairs = torch.tensor([[2.0, 0.0], [3.0, 0.0], [0.0, 0.5], [0.0, 4.0]])
    assert supervised_contrastive_loss(pairs, torch.tensor([0, 0, 1, 1]), 0.5).item() == pytest.approx(
        math.log(math.e ** 2 + 2) - 2, abs=1e-6)
    assert math.log(math.e ** 2 + 2) - 2 == pytest.approx(0.239545, abs=1e-6)
    three_and_one = torch.tensor([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    loss = supervised_contrastive_loss(three_and_one, torch.tensor([0, 0, 0, 1]), 1.0)
    assert loss.item() == pytest.approx(0.861995, abs=1e-6)
    assert supervised_contrastive_loss(three_and_one, torch.tensor([0, 1, 2, 3]), 1.0).item() == 0.0
    _, _, split = tiny
    texts, labels = split.train["text"].to_list(), split.train["label"].to_list()
    model, report = train_sentiment(texts, labels, replace(TINY_PROFILE, supcon_lambda=0.9))
    assert report.steps == report.planned_steps and all(math.isfinite(x) for x in report.epoch_losses)
    assert model.predict(texts[:4]).probs.shape == (4, len(LABELS))


@pytest.mark.parametrize(("change", "says"), [
    ({"rdrop_alpha": -1.0}, "rdrop_alpha must be 0 (off) or above, not -1.0"),
    ({"supcon_lambda": 1.0}, "supcon_lambda must be in [0, 1) (0 = off; 1 would drop the cross-entropy"),
    ({"supcon_lambda": -0.1}, "supcon_lambda must be in [0, 1)"),
    ({"supcon_lambda": 0.9, "supcon_temperature": 0.0}, "supcon_temperature must be above 0, not 0.0"),
    ({"supcon_temperature": -0.3}, "supcon_temperature must be above 0, not -0.3"),
    ({"max_tokens": 1024}, "max_tokens 1024 is outside 8-512"),
    ({"max_tokens": 32, "chunk_stride": 30}, "chunk_stride 30 must be 0 or more and below max_tokens - 2"),
    ({"epochs": 0}, "epochs must be at least 1"),
    ({"max_train_seconds": 0}, "max_train_seconds must be above 0 (or None for no budget), not 0"),
    ({"min_train_epochs": 4}, "min_train_epochs must be 0 to epochs (3), not 4"),
    ({"min_train_epochs": -0.5}, "min_train_epochs must be 0 to epochs (3), not -0.5"),
])
def test_a_config_the_encoder_cannot_run_is_refused_when_built(change, says):
    """1024 tokens used to train (short sentences fit) and then crash scoring the first long article
    on the encoder's 512 positions."""
    with pytest.raises(ValueError, match=re.escape(says)):
        SentimentTrainConfig(**change)


def test_text_the_tokenizer_cannot_read_is_scored_and_says_so(tiny):
    """A Thai article is one [UNK] to the English WordPiece vocabulary: its probabilities say nothing,
    and its score row says that (unknown_share 1.0) beside a real sentence (0.0)."""
    model, _, split = tiny
    english = split.holdout["text"][0]
    docs = pl.DataFrame({"doc_id": ["th", "en"], "text_clean": ["ธนาคารกรุงเทพรายงานกำไรเพิ่มขึ้น", english],
                         "text_field": ["body", "body"]})
    scores, no_text = score_documents(model, docs, "v1")
    assert no_text.height == 0
    assert dict(scores.select("doc_id", "unknown_share").iter_rows()) == {"th": 1.0, "en": 0.0}


def test_unknown_share_counts_the_unreadable_tokens_of_a_mixed_text(tiny):
    """A text of English words around one Thai word: the Thai word is one [UNK] among its WordPiece
    tokens, so its share is 1 / (tokens without [CLS] and [SEP])."""
    model, _, _ = tiny
    text = "Profit rose ธนาคาร sharply"
    tokens = model.tokenizer.tokenize(text)
    assert tokens.count(model.tokenizer.unk_token) == 1
    scored = model.predict([text, "Profit rose sharply"])
    assert scored.unknown_share == [1 / len(tokens), 0.0]


@pytest.mark.parametrize(("lengths", "device", "width"), [
    ([3, 1], "cpu", 3), ([3, 1], "cuda", 8), ([8, 2], "cuda", 8), ([9], "cuda", 16), ([96, 40], "cuda", 96),
])
def test_cuda_batches_are_padded_to_a_multiple_of_eight_tokens(lengths, device, width):
    from risk_assets.lib.ml.sentiment import padded_width

    assert padded_width(lengths, device) == width


def test_the_schedule_is_transformers_linear_warmup_and_decay_step_for_step():
    """Without a time budget (or ahead of its pace) the learning rate of every optimiser step is the
    one transformers' get_linear_schedule_with_warmup gives, to the last bit: the default profile's
    396 steps with 39 of warmup."""
    import torch
    from transformers import get_linear_schedule_with_warmup

    optimizer = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=1e-4)
    scheduler = get_linear_schedule_with_warmup(optimizer, 39, 396)
    theirs = []
    for _ in range(396):
        theirs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert [1e-4 * schedule_factor(k, 39, 396) for k in range(396)] == theirs
    assert schedule_factor(19.5, 39, 396) == 0.5 and schedule_factor(396, 39, 396) == 0.0


class Ticks:
    """A clock that moves one second each time it is read."""

    def __init__(self) -> None:
        self.now = -1.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def test_a_time_budget_anneals_the_rates_within_it_and_stops_training_there(tiny):
    """64 sentences in batches of 8 over 2 epochs plan 16 steps. On a clock at one second a step and a
    budget of 10 s the clock runs ahead of the steps (position 1.6 x steps done), so the run stops
    after 10 steps, a quarter into the second epoch, and says so; with a budget the steps keep ahead
    of, the weights are those of the step-counted schedule, bit for bit."""
    import torch

    _, _, split = tiny
    rows = pl.concat([split.train, split.holdout]).head(64)  # any 64 real sentences: nothing is judged here
    texts, labels = rows["text"].to_list(), rows["label"].to_list()
    assert len(texts) == 64
    # 16 tokens a sentence: the schedule is judged here, not the model, and it costs a third of 48 tokens' time
    config = replace(TINY_PROFILE, epochs=2, max_train_examples=None, max_tokens=16, chunk_stride=4)
    lines: list[str] = []

    cut, report = train_sentiment(texts, labels, replace(config, max_train_seconds=10.0), lines.append, clock=Ticks())

    assert (report.steps, report.planned_steps, report.stopped_at_budget) == (10, 16, True)
    assert report.clock_led_steps == 9  # every step after the first (position 1.6 x its index)
    assert len(report.epoch_losses) == 2 and all(math.isfinite(x) for x in report.epoch_losses)
    assert report.steps_line() == "10 of 16 steps, 1.25 of 2 epochs (time budget of 10 s reached)"
    assert lines[0].startswith("fine-tuning on 64 sentences, cpu (")
    assert lines[0].endswith("2 epochs x 8 optimiser steps of 8 sentences = 16 steps; time budget 10 s "
                             "(max_train_seconds), which may not cut the first 8 steps (min_train_epochs 1); "
                             "a line at each quarter of an epoch's work (up to three) and one at its end")
    assert lines[-2].startswith("epoch 2/2 cut short: mean loss")
    assert lines[-1].startswith("time budget of 10 s (max_train_seconds) reached after 10 of 16 optimiser steps "
                                "(1.25 of 2 epochs): the learning rates were annealed to 0 within it")
    assert cut.predict(texts[:3]).probs.shape == (3, len(LABELS))

    unbounded_lines: list[str] = []
    unbounded, full = train_sentiment(texts, labels, replace(config, max_train_seconds=None), unbounded_lines.append,
                                      clock=Ticks())
    assert "= 16 steps; no time budget; a line at each quarter" in unbounded_lines[0]
    ahead, ahead_report = train_sentiment(texts, labels, replace(config, max_train_seconds=1e6), clock=Ticks())
    assert (full.steps, full.stopped_at_budget, full.clock_led_steps, full.steps_line()) == (16, False, 0, "2 x 8")
    # the card's warning: how far it went, what to expect, how to train again; none for a full run
    # a 2-epoch profile: the measured loss is the default profile's, and said so
    expect = ("expect lower quality than a full run (no full training of this profile is in the registry to compare "
              "with; for the default profile on the sample, one epoch of three costs about 0.03 macro-F1: "
              "0.811 / 0.783 accuracy / macro-F1 against 0.836 / 0.812 on the tuning script's validation split; "
              "README, News sentiment model); ")
    # a command to paste, as the README spells the program, that gives the training all the time it needs
    run = (".venv/bin/risk-assets run --no-seed --select 'key:news_sentiment_model+' --config-json "
           """'{"ops": {"news_sentiment_model": {"config": {"max_train_seconds": null}}}}'; sentiment_retrain_sensor's """
           "runs take the same config from RISK_RETRAIN_CONFIG (README, Automation)")
    assert report.short_warning(True) == (
        "Trained short: 10 of 16 optimiser steps (1.25 of 2 epochs) because the time budget of 10 s "
        f"(max_train_seconds) ran out; {expect}it stays champion until a model better beyond chance, or its profile "
        "run in full on the same data, replaces it; to train it afresh with no time budget: .venv/bin/risk-assets "
        f"registry news_sentiment --retire --reason 'trained on a busy machine', then {run}; with `dagster dev` "
        "running, sentiment_retrain_sensor requests this retraining by itself (trigger trained_short; README, "
        "Automation)")
    assert report.short_warning(False) == (
        "Trained short: 10 of 16 optimiser steps (1.25 of 2 epochs) because the time budget of 10 s "
        f"(max_train_seconds) ran out; {expect}it was not promoted; to train again with no time budget: {run}")
    assert full.short_warning(True) == full.short_warning(False) == ""
    assert (ahead_report.steps, ahead_report.stopped_at_budget, ahead_report.clock_led_steps) == (16, False, 0)
    name = "encoder.layer.5.output.dense.weight"
    assert torch.equal(unbounded.classifier.encoder.get_parameter(name), ahead.classifier.encoder.get_parameter(name))
    assert not torch.equal(unbounded.classifier.encoder.get_parameter(name), cut.classifier.encoder.get_parameter(name))


def test_a_machine_too_busy_for_one_epoch_overruns_the_budget_to_finish_it(tiny):
    """On a machine so busy that the budget would end training half-way through the first epoch (a
    test suite beside the run cut the sample's fine-tuning to 66 of 396 steps, holdout macro-F1 0.726
    against 0.822), the budget may not cut min_train_epochs: the schedule is held back so that the
    rates reach 0 at the end of that epoch, the training runs on past the budget to get there, and
    the log and the card say so. With min_train_epochs 0 the budget alone decides, as before."""
    _, _, split = tiny
    rows = pl.concat([split.train, split.holdout]).head(64)
    texts, labels = rows["text"].to_list(), rows["label"].to_list()
    # 2 epochs of 8 steps; a clock at 1 s a step against a budget of 4 s puts the clock at 4 x the steps
    config = replace(TINY_PROFILE, epochs=2, max_train_examples=None, max_train_seconds=4.0, max_tokens=16, chunk_stride=4)
    lines: list[str] = []

    held, report = train_sentiment(texts, labels, config, lines.append, clock=Ticks())

    assert (report.steps, report.planned_steps, report.min_steps, report.overran_budget) == (8, 16, 8, True)
    assert report.stopped_at_budget and report.seconds == 9.0
    assert report.steps_line() == ("8 of 16 steps, 1.00 of 2 epochs (time budget of 4 s reached before the 8 steps "
                                   "it may not cut; trained on to them, 9 s)")
    assert lines[-1].startswith("time budget of 4 s (max_train_seconds) reached before the 8 optimiser steps "
                                "it may not cut (min_train_epochs 1): trained on to them, 8 s, 8 of 16 steps")
    assert not any(line.startswith("time budget of 4 s (max_train_seconds) reached after") for line in lines)
    assert "which may not cut the first 8 steps (min_train_epochs 1)" in lines[0]
    assert held.predict(texts[:2]).probs.shape == (2, len(LABELS))

    alone_lines: list[str] = []
    _, budget_alone = train_sentiment(texts, labels, replace(config, min_train_epochs=0), alone_lines.append,
                                      clock=Ticks())
    assert "; time budget 4 s (max_train_seconds), which may end it at any step (min_train_epochs 0); " in alone_lines[0]
    assert (budget_alone.steps, budget_alone.min_steps, budget_alone.overran_budget) == (4, 0, False)
    assert budget_alone.steps_line() == "4 of 16 steps, 0.50 of 2 epochs (time budget of 4 s reached)"
    # a floor of one and a half epochs ends the training half-way through the second
    fraction_lines: list[str] = []
    _, fraction = train_sentiment(texts, labels, replace(config, min_train_epochs=1.5), fraction_lines.append,
                                  clock=Ticks())
    assert (fraction.steps, fraction.min_steps, fraction.overran_budget) == (12, 12, True)
    assert any(line.startswith("epoch 2/2 cut short: mean loss") for line in fraction_lines)
    # a budget the clock passes only after the first epoch is not overrun: the floor never holds it back
    _, later = train_sentiment(texts, labels, replace(config, max_train_seconds=10.0), clock=Ticks())
    assert (later.steps, later.overran_budget) == (10, False)
    # one epoch planned and a floor of one: every step runs, and the steps past the budget are said
    _, single = train_sentiment(texts, labels, replace(config, epochs=1), clock=Ticks())
    assert (single.steps, single.stopped_at_budget, single.overran_budget) == (8, False, True)
    assert single.steps_line() == ("8 of 8 steps, 1.00 of 1 epochs (time budget of 4 s reached before the 8 steps "
                                   "it may not cut; trained on to them, 9 s)")
    # every planned step ran, past the budget: nothing cut short to warn of
    assert single.short_warning(True) == ""
    assert report.short_warning(False).startswith(
        "Trained short: 8 of 16 optimiser steps (1.00 of 2 epochs) because the time budget of 4 s (max_train_seconds) "
        "ran out (it ran on past the budget, 9 s in all, to finish the 8 steps min_train_epochs keeps from being "
        "cut); expect lower quality than a full run")


def test_a_run_the_clock_led_for_a_while_says_so_though_it_ran_every_step(tiny):
    """A machine slow at first (a GPU's start-up, a busy neighbour) and fast after can run every
    planned step on a schedule the clock set in part: the card's line says for how many steps."""

    class SlowStart:
        """Five seconds for each of the first three steps, a hundredth of a second after."""

        def __init__(self) -> None:
            self.reads, self.now = 0, 0.0

        def __call__(self) -> float:
            self.now += 0.0 if self.reads == 0 else (5.0 if self.reads <= 3 else 0.01)
            self.reads += 1
            return self.now

    _, _, split = tiny
    rows = pl.concat([split.train, split.holdout]).head(64)
    config = replace(TINY_PROFILE, epochs=2, max_train_examples=None, max_train_seconds=40.0, max_tokens=16, chunk_stride=4)
    _, report = train_sentiment(rows["text"].to_list(), rows["label"].to_list(), config, clock=SlowStart())
    # after step 1: 5 s -> position 2 > 1; step 2: 10 s -> 4 > 2; step 3: 15 s -> 6 > 3; step 4: 15.01 s -> 6.004 > 4;
    # step 5: 15.02 s -> 6.008 > 5; step 6: 15.03 s -> 6.012 > 6; from step 7 on the step count leads
    assert (report.steps, report.stopped_at_budget, report.clock_led_steps) == (16, False, 6)
    assert report.steps_line() == "2 x 8 (the time budget's clock set the rate of 6 steps)"


def test_each_score_says_whether_the_model_trained_on_held_out_or_never_saw_its_sentence(tiny):
    """`sample` by the training's dedupe key: a training sentence and a copy of it in capitals with
    other spacing and quoting are train, a holdout sentence holdout, a new sentence unseen; without
    a record of the sentences (seen None) every score is unknown."""
    model, _, split = tiny
    seen = ReservedSentences("v1", frozenset(key_digest(k) for k in split.holdout["key"]),
                             frozenset(key_digest(k) for k in split.train["key"]))
    trained, held = split.train["text"][0], split.holdout["text"][0]
    copy = '"' + "  ".join(trained.upper().split()) + ' "'
    docs = pl.DataFrame({"doc_id": ["train", "copy", "holdout", "new"],
                         "text_clean": [trained, copy, held, "Acme Widgets tripled its quarterly loss ."],
                         "text_field": ["body"] * 4})
    scores, _ = score_documents(model, docs, "v1", seen=seen)
    assert dict(scores.select("doc_id", "sample").iter_rows()) == {
        "train": "train", "copy": "train", "holdout": "holdout", "new": "unseen"}
    unrecorded, _ = score_documents(model, docs, "v1")
    assert unrecorded["sample"].to_list() == ["unknown"] * 4
    assert scores.drop("sample", "scored_at").equals(unrecorded.drop("sample", "scored_at"))
