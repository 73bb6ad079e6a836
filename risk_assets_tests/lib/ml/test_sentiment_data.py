"""Deduplication and the holdout split of labelled news, on both real Financial PhraseBank files."""

from __future__ import annotations

import math
import re

import polars as pl
import pytest

from risk_assets.lib.ml.sentiment import LABELS
from risk_assets.lib.ml.sentiment_data import ReservedSentences, dedupe_key, key_digest, split_holdout
from risk_assets_tests.lib.ml.phrasebank_sample import phrasebank_docs


def test_dedupe_key_matches_the_csv_copy_of_every_vendor_sentence(data_dir):
    docs = phrasebank_docs(data_dir)
    txt_keys = {dedupe_key(t) for t in docs.filter(pl.col("holdout_eligible"))["text_clean"]}
    csv_texts = docs.filter(~pl.col("holdout_eligible"))["text_clean"].to_list()
    # The re-export carries every vendor sentence, some with mojibake the cleaner could not undo.
    assert txt_keys <= {dedupe_key(t) for t in csv_texts}
    assert any("\ufffd" in t for t in csv_texts)
    assert dedupe_key("L+\ufffdnnen 's order") == dedupe_key("Lännen 's order") == dedupe_key("LÃ¤nnen's ORDER")


def test_no_sentence_is_in_both_train_and_holdout(data_dir):
    docs = phrasebank_docs(data_dir)
    split = split_holdout(docs, holdout_fraction=0.2, seed=0)

    assert not set(split.train["key"]) & set(split.holdout["key"])
    assert split.train["key"].is_unique().all() and split.holdout["key"].is_unique().all()
    eligible_ids = set(docs.filter(pl.col("holdout_eligible"))["doc_id"])
    assert set(split.holdout["doc_id"]) <= eligible_ids

    keyed = docs.with_columns(key=pl.col("text_clean").map_elements(dedupe_key, return_dtype=pl.String))
    labels_per_key = keyed.group_by("key").agg(pl.col("label").n_unique().alias("n"))
    conflicting = set(labels_per_key.filter(pl.col("n") > 1)["key"])
    eligible_keys = set(keyed.filter(pl.col("holdout_eligible"))["key"]) - conflicting
    assert split.n_conflicting == len(conflicting) > 0
    assert not conflicting & (set(split.train["key"]) | set(split.holdout["key"]))
    assert split.holdout.height == math.ceil(0.2 * len(eligible_keys))
    # Training takes every other distinct sentence, the CSV-only ones included, but those that differ
    # from a holdout sentence only in their figures ("... EUR 3.4 billion in 2008" / "... 2.9 ... 2007").
    assert split.train.height == (keyed["key"].n_unique() - len(conflicting) - split.holdout.height
                                  - split.n_holdout_templates)
    masked = lambda keys: {re.sub(r"[0-9]+", "#", k) for k in keys}  # noqa: E731
    assert split.n_holdout_templates > 5 and not masked(split.train["key"]) & masked(split.holdout["key"])
    assert split.summary()["train_sentences_sharing_a_holdout_template_dropped"] == split.n_holdout_templates

    # Stratified: each label's share of the holdout within one sentence of its share of the eligible set.
    eligible = keyed.filter(pl.col("key").is_in(eligible_keys)).unique("key")
    for label in LABELS:
        expected = (eligible["label"] == label).sum() * split.holdout.height / eligible.height
        assert abs((split.holdout["label"] == label).sum() - expected) <= 1


def test_split_depends_on_data_and_seed_not_on_row_order(data_dir):
    docs = phrasebank_docs(data_dir)
    first = split_holdout(docs, seed=0)
    shuffled = split_holdout(docs.sample(fraction=1.0, shuffle=True, seed=7), seed=0)
    other_seed = split_holdout(docs, seed=1)
    assert shuffled.snapshot == first.snapshot
    assert len(first.snapshot) == 64 and int(first.snapshot, 16) >= 0  # a whole sha256, as the PD models record
    assert set(shuffled.holdout["key"]) == set(first.holdout["key"])
    assert other_seed.snapshot != first.snapshot


def test_rows_without_text_are_left_out_and_counted(data_dir):
    docs = phrasebank_docs(data_dir).sample(n=300, seed=0)
    blank = pl.DataFrame({"doc_id": ["x1", "x2", "x3"], "text_clean": [None, "nan", " — "],
                          "label": ["neutral"] * 3, "holdout_eligible": [True] * 3})
    split = split_holdout(pl.concat([docs, blank]), seed=0)
    assert split.n_no_text == 3
    assert not {"x1", "x2", "x3"} & (set(split.train["doc_id"]) | set(split.holdout["doc_id"]))


def test_without_reference_rows_the_holdout_comes_from_all_rows(data_dir):
    docs = phrasebank_docs(data_dir).filter(~pl.col("holdout_eligible")).sample(n=300, seed=0)
    split = split_holdout(docs, seed=0)
    assert not split.holdout_from_reference
    assert split.holdout.height == math.ceil(0.2 * (split.train.height + split.holdout.height))


def test_too_few_sentences_of_a_class_is_a_clear_error(data_dir):
    docs = phrasebank_docs(data_dir).filter(pl.col("label") != "negative").head(50)
    with pytest.raises(ValueError, match="too few distinct labelled sentences"):
        split_holdout(docs, seed=0)


def test_retraining_holds_out_the_champions_holdout_again_and_never_its_training_sentences(data_dir):
    """The champion saw the first 3,800 vendor sentences; the next training sees all 4,846. A fresh
    draw would hold out hundreds of sentences the champion trained on; with the champion's sentences
    reserved its holdout is held out again, none it trained on enters, and a stratified 20% of the
    new sentences is drawn in."""
    vendor = phrasebank_docs(data_dir).filter(pl.col("holdout_eligible")).sort("doc_id")
    earlier = split_holdout(vendor.head(3800), seed=0)
    held = frozenset(map(key_digest, earlier.holdout["key"]))
    trained = frozenset(map(key_digest, earlier.train["key"]))

    fresh = split_holdout(vendor, seed=0)
    assert len(trained & set(map(key_digest, fresh.holdout["key"]))) > 400  # what the reservation prevents

    again = split_holdout(vendor, seed=0, reserved=ReservedSentences("v1", held, trained))
    digests = set(map(key_digest, again.holdout["key"]))
    assert held <= digests and not digests & trained
    assert not set(again.train["key"]) & set(again.holdout["key"])
    # the sentences the champion never saw (one label each), from the corpus itself: training drops
    # those sharing a holdout sentence's template, so train + holdout would undercount them
    keyed = vendor.with_columns(key=pl.col("text_clean").map_elements(dedupe_key, return_dtype=pl.String))
    distinct = keyed.group_by("key").agg(pl.col("label").unique()).filter(pl.col("label").list.len() == 1)
    new = distinct.with_columns(label=pl.col("label").list.first()).filter(
        ~pl.col("key").map_elements(key_digest, return_dtype=pl.String).is_in(list(held | trained)))
    drawn = new.filter(pl.col("key").is_in(again.holdout["key"].to_list()))
    for label in LABELS:
        assert drawn.filter(pl.col("label") == label).height == round(0.2 * new.filter(pl.col("label") == label).height)
    assert again.holdout.height == len(held) + drawn.height
    assert again.reserved_note == (
        f"champion v1: {len(held):,} of its holdout sentences held out again, {len(trained):,} it trained on kept out "
        f"of the holdout, {drawn.height:,} of the {new.height:,} sentences it neither trained on nor held out drawn in (stratified)")
    assert again.summary()["holdout_kept_from_champion"] == again.reserved_note


def test_a_sentence_staging_found_with_two_labels_is_left_out_and_counted(risk_home, data_dir):
    """The vendor file writes 'The Group 's business is balanced ...' twice, @positive and @neutral.
    Staging collapses the copies into one article with no label (label_conflict), so the rows the
    training reads hold no conflict of their own: the sentence must still be counted as dropped."""
    import dagster as dg
    from dagster_dbt import DbtCliResource

    from risk_assets.defs.resources import LakeResource
    from risk_assets.defs.transform.assets import DBT_ASSETS
    from risk_assets.defs.transform.project import dbt_executable, dbt_project
    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.news_formats import parse_news_file
    from risk_assets.lib.lake import connect
    from risk_assets.lib.ml.sentiment_data import n_labelled, read_labelled_news

    lines = (data_dir / "news/financial_phrasebank_50agree.txt").read_bytes().decode("utf-8-sig").splitlines()
    conflicting = [line for line in lines if line.startswith("The Group 's business is balanced by its broad")]
    assert [line.rsplit("@", 1)[1] for line in conflicting] == ["positive", "neutral"]
    picked = [line for label in LABELS for line in [x for x in lines if x.endswith(f"@{label}")][:6]]
    (risk_home.landing_news / "financial_phrasebank_50agree.txt").write_text("\r\n".join(picked + conflicting) + "\r\n")
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_news, "news", parse_news_file, "run-1", asset="raw_news")
        holdout_format = con.execute("SELECT format FROM raw.landed_files").fetchone()[0]
    resources = {"lake": LakeResource(root=str(risk_home.root)),
                 "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())}
    assert dg.materialize(DBT_ASSETS, resources=resources, selection=["stg_news", "news_features"]).success

    with connect(risk_home.lake_path, read_only=True) as con:
        docs = read_labelled_news(con, holdout_format)
    split = split_holdout(docs, seed=0)
    assert n_labelled(docs) == split.n_rows == len(picked)
    assert split.n_conflicting == split.summary()["conflicting_label_sentences_dropped"] == 1
    key = dedupe_key(conflicting[0].rsplit("@", 1)[0])
    assert key not in set(split.train["key"]) | set(split.holdout["key"])
    assert split.train.height + split.holdout.height == len(picked)


def test_the_training_sentences_only_the_re_export_carries_are_counted_with_the_label_mix_they_move(data_dir):
    """The CSV re-export carries 369 sentences the reference file lacks, all negative: they take the
    training's negative share from 12.5% to 20.1%, and the card's facts say so."""
    split = split_holdout(phrasebank_docs(data_dir), holdout_fraction=0.2, seed=0)
    assert split.train_other_source_labels == {"negative": 369}
    assert split.train_labels == {"positive": 1085, "negative": 849, "neutral": 2286}
    assert split.summary()["train_sentences_from_other_files"] == (
        "369 of the 4,220 training sentences are in no reference-format file (negative 369): they raise the training's "
        "negative share from 12.5% without them to 20.1%; the holdout holds none of them. The tuning record in the "
        "README gives the figures of a training on the reference corpus alone ('training on the reference corpus "
        "alone ... 0.836 / 0.816').")
    reference_only = split_holdout(phrasebank_docs(data_dir), holdout_fraction=0.2, seed=0, train_on_other_sources=False)
    assert reference_only.other_sources_line() is None
    assert "train_sentences_from_other_files" not in reference_only.summary()


def test_a_retraining_on_the_same_news_has_another_split_but_the_same_labelled_corpus(data_dir):
    """A retraining holds the champion's holdout out again and draws a fifth of the sentences it never
    saw (those training left out for sharing a holdout sentence's template) into its holdout, so its
    split, and `snapshot`, differ from the champion's on the very same news: the gate's exception for
    a champion cut short found no full run 'on the same data'. `corpus_digest` names the labelled
    news before the split: the same for both, and another once a sentence is added or withdrawn."""
    vendor = phrasebank_docs(data_dir).filter(pl.col("holdout_eligible")).sort("doc_id")
    champion = split_holdout(vendor, seed=0)
    assert champion.n_holdout_templates > 0  # the sentences the retraining may draw in
    reserved = ReservedSentences("v1", frozenset(map(key_digest, champion.holdout["key"])),
                                 frozenset(map(key_digest, champion.train["key"])))
    again = split_holdout(vendor, seed=0, reserved=reserved)
    assert again.holdout.height > champion.holdout.height and again.snapshot != champion.snapshot
    assert again.corpus_digest == champion.corpus_digest and len(champion.corpus_digest) == 64
    fewer = split_holdout(vendor.head(vendor.height - 1), seed=0, reserved=reserved)
    assert fewer.corpus_digest != champion.corpus_digest
