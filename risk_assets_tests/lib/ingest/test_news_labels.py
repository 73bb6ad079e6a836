"""Sentiment labels written in another vocabulary: real PhraseBank sentences labelled as other
datasets and desks label them (`POS`, ` Positive `, `neg`, class codes `1`/`0`/`-1`, `bullish`).
An article is never lost because of its label: a label the lake does not recognise loads the
article unlabelled, counted in the notes, and news settings declare what such labels mean
(`label_map`), validated when the settings load."""

from __future__ import annotations

import datetime as dt
import json
import re

import openpyxl
import pytest

from risk_assets.lib.ingest.news_formats import LABELS, label_key, parse_news_file
from risk_assets.lib.ingest.parsed import FileRefused


@pytest.fixture
def sentences(data_dir) -> list[str]:
    """The first 12 sentences of the PhraseBank vendor file (their labels are not used here)."""
    lines = (data_dir / "news" / "financial_phrasebank_50agree.txt").read_text("utf-8-sig").splitlines()
    return [line.rsplit("@", 1)[0] for line in lines[:12]]


# the label each article of the feed carries, in another vocabulary
LABELS_WRITTEN = ["POS", " Positive ", "NEG", "neu", "1", "-1", "0", "bullish", "Bullish", "bearish", "NEUTRAL", "1"]


@pytest.fixture
def coded_feed(sentences, tmp_path):
    """A feed CSV of 12 real sentences whose labels are in LABELS_WRITTEN's mixed vocabulary."""
    rows = [f'w{i},2024-05-02T09:{i:02d}:00Z,"{text[:40]}","{text}",{label}'
            for i, (text, label) in enumerate(zip(sentences, LABELS_WRITTEN, strict=True))]
    path = tmp_path / "landing" / "wire_2024-05-02.csv"
    path.parent.mkdir()
    path.write_text("id,published,headline,body,sentiment\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _settings(folder, name="wire.json", **document):
    (folder / "news").mkdir(parents=True, exist_ok=True)
    (folder / "news" / name).write_text(json.dumps({"name": "wire", "applies_to": ["wire_*.csv"], **document}))
    return folder / "news" / name


def test_unrecognised_labels_load_the_article_unlabelled_and_are_counted(coded_feed, sentences):
    parsed = parse_news_file(coded_feed)

    parsed.reconcile()
    assert parsed.quarantine.height == 0
    assert parsed.rows.height == 12  # every article loads: its text is scored
    assert parsed.rows["text_raw"].to_list() == sentences
    assert parsed.rows["label"].to_list() == [
        "positive", "positive", "negative", "neutral", None, None, None, None, None, None, "neutral", None]
    assert parsed.notes["label_short_forms"] == {"pos": 1, "neg": 1, "neu": 1}
    assert parsed.notes["label_unrecognised"] == {"1": 2, "-1": 1, "0": 1, "bullish": 2, "bearish": 1}
    assert parsed.notes["label_unrecognised_lines"] == [6, 7, 8, 9, 10, 11, 13]
    message = parsed.notes["label_unrecognised_message"]
    assert message.startswith(f"{coded_feed}: column sentiment: 7 article(s) loaded without a label "
                              "(NULL: scored, not trained on) on line(s) 6, 7, 8, 9, 10, 11, 13")
    assert '{"1": 2, "-1": 1, "0": 1, "bullish": 2, "bearish": 1}' in message
    assert "news settings key 'label_map'" in message


def test_a_declared_label_map_gives_the_labels_and_says_what_it_did(coded_feed, tmp_path):
    settings = _settings(tmp_path / "maps", label_map={
        "1": "positive", "0": "Neutral", "-1": "negative", " BULLISH ": None, "bearish": None})

    parsed = parse_news_file(coded_feed, mapping_dirs=[tmp_path / "maps"])

    parsed.reconcile()
    assert parsed.quarantine.height == 0 and parsed.rows.height == 12
    assert parsed.rows["label"].to_list() == [
        "positive", "positive", "negative", "neutral", "positive", "negative", "neutral", None, None, None,
        "neutral", "positive"]
    assert parsed.notes["label_mapped"] == {"1": 2, "-1": 1, "0": 1}
    assert parsed.notes["label_declared_unlabelled"] == {"bullish": 2, "bearish": 1}
    assert parsed.notes["news_settings"] == str(settings)
    assert not {"label_unrecognised", "label_unrecognised_lines", "label_unrecognised_message"} & set(parsed.notes)


def test_a_class_code_written_as_another_form_of_the_same_whole_number_is_the_declared_code(sentences, tmp_path):
    """pandas saves an int column with a missing value as floats ('1.0'), and some tools sign the
    positive class ('+1'): the same whole number is the declared code; a score ('0.83') or a fraction
    ('1.5') is no code and loads unlabelled, noted."""
    written = ["+1", "1.0", "-1.0", "0.0", "01", "-0", "1", "0.83", "1.5", "2.0", "", "-1"]
    rows = [f'p{i},2024-05-02T09:{i:02d}:00Z,"{text}",{label}'
            for i, (text, label) in enumerate(zip(sentences, written, strict=True))]
    path = tmp_path / "wire_2024-05-02.csv"
    path.write_text("id,published,body,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    path.with_name(path.name + ".mapping.json").write_text(json.dumps(
        {"name": "pm1", "label_map": {"1": "positive", "0": "neutral", "-1": "negative"}}))

    parsed = parse_news_file(path)

    parsed.reconcile()
    assert parsed.quarantine.height == 0 and parsed.rows.height == 12
    assert parsed.rows["text_raw"].to_list() == sentences
    assert parsed.rows["label"].to_list() == [
        "positive", "positive", "negative", "neutral", "positive", "neutral", "positive", None, None, None, None,
        "negative"]
    assert parsed.notes["label_mapped"] == {"+1": 1, "1.0": 1, "-1.0": 1, "0.0": 1, "01": 1, "-0": 1, "1": 1, "-1": 1}
    assert parsed.notes["label_unrecognised"] == {"0.83": 1, "1.5": 1, "2.0": 1}
    assert parsed.notes["label_unrecognised_lines"] == [9, 10, 11]


@pytest.mark.parametrize(("label_map", "why"), [
    ({"bullish": "buy"}, "'label_map' maps 'bullish' to 'buy'; a target is 'negative', 'neutral', 'positive', "
                         "or null"),
    ({"1": 1}, "'label_map' maps '1' to 1; a target is"),
    (["1", "positive"], "'label_map' must be a JSON object of source label -> "),
    ({"POS": "positive", " pos": "negative"}, "'label_map' maps 'POS' to 'positive' and ' pos' to 'negative'; "
                                              "labels are compared whatever their case"),
    ({" ": "neutral"}, "'label_map' has an empty source label"),
    ({"1": "positive", "1.0": "negative"}, "'label_map' maps '1' to 'positive' and '1.0' to 'negative'; labels are "
                                           "compared whatever their case and surrounding spaces, and class codes by "
                                           "their number"),
])
def test_an_invalid_label_map_refuses_the_file_naming_the_settings_and_the_key(coded_feed, tmp_path, label_map, why):
    settings = _settings(tmp_path / "maps", label_map=label_map)
    with pytest.raises(FileRefused, match=re.escape(f"{settings}: invalid news settings: {why}")):
        parse_news_file(coded_feed, mapping_dirs=[tmp_path / "maps"])


def test_workbook_labels_go_through_the_same_path(sentences, tmp_path):
    """A number cell `1` reads as the label '1', as "Save as CSV" writes it; the sidecar maps it."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "News"
    sheet.append(["Article ID", "Published", "Headline", "Body", "Sentiment"])
    for i, (text, label) in enumerate(zip(sentences[:5], [1, -1, "Bullish", "POS", 0], strict=True)):
        sheet.append([f"A-{i}", dt.datetime(2024, 4, 18, 9, 30 + i), text[:40], text, label])
    path = tmp_path / "desk_news.xlsx"
    book.save(path)

    parsed = parse_news_file(path)
    parsed.reconcile()
    assert parsed.rows.height == 5 and parsed.quarantine.height == 0
    assert parsed.rows["label"].to_list() == [None, None, None, "positive", None]
    assert parsed.notes["label_unrecognised"] == {"1": 1, "-1": 1, "bullish": 1, "0": 1}
    assert parsed.notes["label_unrecognised_message"].startswith(f"{path}: column Sentiment: 4 article(s)")

    path.with_name(path.name + ".mapping.json").write_text(json.dumps(
        {"name": "desk", "label_map": {"1": "positive", "-1": "negative", "0": "neutral", "bullish": None}}))
    parsed = parse_news_file(path)
    assert parsed.rows["label"].to_list() == ["positive", "negative", None, "positive", "neutral"]
    assert parsed.notes["label_mapped"] == {"1": 1, "-1": 1, "0": 1}
    assert parsed.notes["label_declared_unlabelled"] == {"bullish": 1}


def test_phrasebank_text_reads_short_forms_and_declared_labels_and_quarantines_unknown_ones(sentences, tmp_path):
    """In `sentence@label` the label marks the record: an unknown word after the last '@' may be part
    of the sentence, so the line stays quarantined, and its message says how to declare the label."""
    path = tmp_path / "phrases.txt"
    path.write_text("".join(f"{text}@{label}\n" for text, label in
                            zip(sentences[:4], ["positive", "POS", "1", "neu"], strict=True)), encoding="utf-8")

    parsed = parse_news_file(path)
    assert parsed.rows.select("_source_line", "label").rows() == [(1, "positive"), (2, "positive"), (4, "neutral")]
    entry = parsed.quarantine.row(0, named=True)
    assert (entry["line"], entry["column_name"], entry["rule"], entry["raw_value"]) == (3, "label", "unknown_label", "1")
    assert entry["message"].startswith(f"{path}: line 3 label '1' is not one of ['negative', 'neutral', 'positive']")
    assert "news settings key 'label_map'" in entry["message"]

    path.with_name(path.name + ".mapping.json").write_text(json.dumps({"name": "pb", "label_map": {"1": "positive"}}))
    parsed = parse_news_file(path)
    assert parsed.quarantine.height == 0
    assert parsed.rows["label"].to_list() == ["positive", "positive", "positive", "neutral"]
    assert parsed.notes["label_mapped"] == {"1": 1}


@pytest.fixture
def labelled(data_dir) -> list[tuple[str, str]]:
    """The first 10 (sentence, label) pairs of the PhraseBank vendor file, labels as the corpus gives them."""
    lines = (data_dir / "news" / "financial_phrasebank_50agree.txt").read_text("utf-8-sig").splitlines()
    return [tuple(line.rsplit("@", 1)) for line in lines[:10]]


def _scored_feed(folder, labelled, header: str, extra) -> object:
    """A feed CSV of real sentences whose last columns are `extra(i, label)` under `header`."""
    rows = [f'n{i},"{text[:40]}","{text}",2024-05-02T09:{i:02d}:00Z,{extra(i, label)}'
            for i, (text, label) in enumerate(labelled)]
    path = folder / "scored_2024-05-02.csv"
    path.write_text(f"id,headline,body,published_at,{header}\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_label_column_named_sentiment_label_is_read_beside_a_vendor_score(labelled, tmp_path):
    scores = {"positive": "0.90", "neutral": "0.05", "negative": "-0.70"}
    path = _scored_feed(tmp_path, labelled, "sentiment_score,sentiment_label",
                        lambda i, label: f"{scores[label]},{label.capitalize() if i == 3 else label}")
    parsed = parse_news_file(path)

    parsed.reconcile()
    assert parsed.rows.height == 10 and parsed.quarantine.height == 0
    assert parsed.rows["label"].to_list() == [label for _, label in labelled]
    assert parsed.notes["columns"]["label"] == "sentiment_label"
    assert parsed.notes["ignored_columns"] == ["sentiment_score"]  # a score is never a label, nor label-like
    assert "label_like_columns_unread" not in parsed.notes


def test_label_like_columns_left_unread_are_named(labelled, tmp_path):
    # beside `label`, a second label-like column is not read: it is named
    beside = parse_news_file(_scored_feed(tmp_path, labelled, "label,gold_label",
                                          lambda i, label: f"{label},{'neutral' if i % 2 else label}"))
    assert beside.rows["label"].to_list() == [label for _, label in labelled]
    assert beside.notes["label_like_columns_unread"] == ["gold_label"]
    # two columns of true labels, neither named `label`: which one is meant is not guessed
    (tmp_path / "two").mkdir()
    two = parse_news_file(_scored_feed(tmp_path / "two", labelled, "gold_label,human_label",
                                       lambda i, label: f"{label},neutral"))
    assert two.rows["label"].to_list() == [None] * 10
    assert two.notes["label_like_columns_unread"] == ["gold_label", "human_label"]
    # an annotator's labels beside a model's: the annotator's are the label, the model's are named
    (tmp_path / "model").mkdir()
    model = parse_news_file(_scored_feed(tmp_path / "model", labelled, "annotator_label,model_label",
                                         lambda i, label: f"{label},neutral"))
    assert model.rows["label"].to_list() == [label for _, label in labelled]
    assert model.notes["label_like_columns_unread"] == ["model_label"]
    # Alpha Vantage's market words are no sentiment labels: named, not read; its score is not label-like
    (tmp_path / "av").mkdir()
    words = {"positive": "Somewhat-Bullish", "neutral": "Neutral", "negative": "Bearish"}
    vendor = parse_news_file(_scored_feed(tmp_path / "av", labelled, "overall_sentiment_score,overall_sentiment_label",
                                          lambda i, label: f"0.31,{words[label]}"))
    assert vendor.rows["label"].to_list() == [None] * 10
    assert vendor.notes["label_like_columns_unread"] == ["overall_sentiment_label"]
    assert vendor.notes["ignored_columns"] == ["overall_sentiment_score", "overall_sentiment_label"]


def test_a_json_feeds_sentiment_label_is_read_and_class_codes_only_when_declared(labelled, tmp_path):
    codes = {"negative": "-1", "neutral": "0", "positive": "1"}
    articles = [{"id": f"j{i}", "title": text[:40], "content": text, "published_at": f"2024-05-02T09:{i:02d}:00Z",
                 "sentiment_score": 0.5, "sentiment_label": codes[label]}
                for i, (text, label) in enumerate(labelled)]
    path = tmp_path / "wire_2024-05-02.json"
    path.write_text(json.dumps({"status": "ok", "articles": articles}), encoding="utf-8")
    coded = parse_news_file(path)
    assert coded.rows["label"].to_list() == [None] * 10  # class codes are never guessed
    assert coded.notes["label_like_columns_unread"] == ["sentiment_label"]

    settings = _settings(tmp_path / "settings", applies_to=["wire_*.json"],
                         label_map={"1": "positive", "0": "neutral", "-1": "negative"})
    declared = parse_news_file(path, mapping_dirs=[settings.parent.parent])
    assert declared.rows["label"].to_list() == [label for _, label in labelled]
    assert declared.notes["columns"]["label"] == "sentiment_label"
    assert "label_like_columns_unread" not in declared.notes


def test_another_models_predictions_are_never_read_as_the_label(labelled, tmp_path):
    """A column of a classifier's output ('predicted_label', 'finbert_label') holds the label words
    too: read as the label, the sentiment model would train and be judged on another model's
    output. Only a name that says true labels is read; the others are named."""
    for name in ("predicted_label", "finbert_label", "pred_sentiment"):
        folder = tmp_path / name
        folder.mkdir()
        parsed = parse_news_file(_scored_feed(folder, labelled, f"{name},prediction_confidence",
                                              lambda i, label: f"{label},0.9"))
        assert parsed.rows["label"].to_list() == [None] * 10, name
        assert parsed.notes["label_like_columns_unread"] == [name]


def test_class_codes_beside_their_words_take_the_words_as_the_label(labelled, tmp_path):
    """A dataset export (Hugging Face's) writes the class code as `label` (0 negative, 1 neutral, 2
    positive) and the word as `label_text`: the codes were unknown labels and `label_text` was taken
    for a body. The words are the label now, and the code column is named as unread."""
    codes = {"negative": 0, "neutral": 1, "positive": 2}
    parsed = parse_news_file(_scored_feed(tmp_path, labelled, "label,label_text",
                                          lambda i, label: f"{codes[label]},{label}"))
    parsed.reconcile()
    assert parsed.rows["label"].to_list() == [label for _, label in labelled]
    assert parsed.notes["columns"]["label"] == "label_text" and "body_fallback" not in parsed.notes["columns"]
    assert parsed.notes["label_like_columns_unread"] == ["label"]


def test_true_labels_under_a_versioned_or_final_name_or_written_out_beside_codes_are_read(labelled, tmp_path):
    codes = {"negative": 0, "neutral": 1, "positive": 2}
    for header, row in (("final_label,notes", lambda i, label: f"{label},checked"),
                        ("true_label_v2,notes", lambda i, label: f"{label},checked"),
                        ("label,sentiment_text", lambda i, label: f"{codes[label]},{label}")):
        folder = tmp_path / header.split(",")[0]
        folder.mkdir()
        parsed = parse_news_file(_scored_feed(folder, labelled, header, row))
        assert parsed.rows["label"].to_list() == [label for _, label in labelled], header
        assert "body_fallback" not in parsed.notes["columns"], header


@pytest.mark.parametrize(("header", "words"), [
    ("Sentimiento", {"negative": "negativo", "neutral": "neutral", "positive": "Positivo"}),
    ("Sentimento", {"negative": "negativa", "neutral": "neutro", "positive": "positiva"}),
    ("Stimmung", {"negative": "negativ", "neutral": "Neutral", "positive": "positiv"}),
    ("Sentiment", {"negative": "négatif", "neutral": "neutre", "positive": "positif"}),
])
def test_labels_written_in_the_desks_language_are_read(labelled, tmp_path, header, words):
    """A Spanish, Portuguese, German or French export writes its labels in its own language
    (`negativo`, `neutro`, `positiv`, `négatif`): each was an unrecognised label, so no article of
    a labelled desk trained the model. They read as the three labels, counted by the word written."""
    parsed = parse_news_file(_scored_feed(tmp_path, labelled, header, lambda i, label: words[label]))
    assert parsed.rows["label"].to_list() == [label for _, label in labelled]
    assert "label_unrecognised" not in parsed.notes
    written = [label_key(words[label]) for _, label in labelled if words[label].lower() not in LABELS]
    assert parsed.notes.get("label_translated", {}) == {w: written.count(w) for w in dict.fromkeys(written)}


def _spanish_export(path, labelled, etiquetas: list[str]):
    """A Spanish CMS export of real sentences with an `Etiqueta` column holding `etiquetas`."""
    rows = [f'e{i};"{text[:40]}";"{text}";2024-05-02T09:{i:02d}:00Z;{etiqueta}'
            for i, ((text, _), etiqueta) in enumerate(zip(labelled, etiquetas))]
    path.write_text("id;Título;Contenido;Fecha;Etiqueta\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_an_etiqueta_column_of_tags_is_no_label_column(labelled, tmp_path):
    """`Etiqueta` (Spanish and Portuguese for a label, and for a CMS's tag) holding `Mercados`,
    `Banca`: it was taken as the sentiment label, every article counted as an unrecognised label.
    Tags leave the column unread, and the notes say why; a real `Etiqueta` column of
    `negativo`/`neutro`/`positivo` is still the label, and so are tags a `label_map` declares."""
    tags = _spanish_export(tmp_path / "cms_2024-05-02.csv", labelled, ["Mercados", "Banca", "Mercados", "Empresas"])
    parsed = parse_news_file(tags)
    assert parsed.rows.select("doc_id", "label").rows() == [("e0", None), ("e1", None), ("e2", None), ("e3", None)]
    assert parsed.quarantine.height == 0 and "label_unrecognised" not in parsed.notes
    assert "label" not in parsed.notes["columns"] and parsed.notes["ignored_columns"] == ["Etiqueta"]
    assert parsed.notes["label_like_columns_unread"] == ["Etiqueta"]
    assert parsed.notes["label_column_unread"].startswith(
        "Etiqueta: 4 of 4 values are no sentiment label ('Mercados', 'Banca', 'Empresas'), so the column")

    (tmp_path / "es").mkdir()
    words = {"negative": "negativo", "neutral": "neutro", "positive": "positivo"}
    real = parse_news_file(_spanish_export(tmp_path / "es" / "cms_2024-05-02.csv", labelled,
                                           [words[label] for _, label in labelled[:3]] + ["mixto"]))
    assert real.rows["label"].to_list() == [label for _, label in labelled[:3]] + [None]
    assert real.notes["columns"]["label"] == "Etiqueta" and "label_column_unread" not in real.notes
    assert real.notes["label_unrecognised"] == {"mixto": 1}  # loaded unlabelled and counted, as any unknown label

    tags.with_name(tags.name + ".mapping.json").write_text(json.dumps(
        {"name": "cms", "label_map": {"mercados": "neutral", "banca": "negative", "empresas": "positive"}}))
    declared = parse_news_file(tags)
    assert declared.rows["label"].to_list() == ["neutral", "negative", "neutral", "positive"]
    assert "label_column_unread" not in declared.notes
