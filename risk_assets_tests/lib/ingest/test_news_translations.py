"""A feed that carries each article in several languages, one headline and body column per
language (`title_en`, `title_fi`, `Body (EN)`): a Nordic desk's bilingual export. The English text
is read (the sentiment model reads English) and the translations are named, never the file
refused as no news format."""

from __future__ import annotations

import csv
import io
import json

import pytest

from risk_assets.lib.ingest.news_formats import parse_news_file
from risk_assets.lib.ingest.parsed import FileRefused

FINNISH = ["Levikkitulot kasvoivat 5 % Suomessa ja 4 % Ruotsissa vuonna 2008.",
           "Kansainvälinen myynti kasvoi 59,8 % 1 244,4 miljoonaan euroon.",
           "Airbusilla on 100 kiinteää tilausta A350-koneesta."]


@pytest.fixture
def sentences(data_dir) -> list[str]:
    """Three positive sentences of the PhraseBank vendor file, labels dropped."""
    lines = (data_dir / "news" / "financial_phrasebank_50agree.txt").read_text("utf-8-sig").splitlines()
    picked = [line.rsplit("@", 1)[0] for line in lines if line.startswith(
        ("Circulation revenue has", "International sales rose", "Airbus has 100"))]
    assert len(picked) == 3
    return picked


def _csv(path, header: list[str], rows: list[list[str]]):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_the_english_headline_and_body_of_a_bilingual_feed_are_read(tmp_path, sentences):
    rows = [[str(i + 1), f"2024-05-0{i + 1}T09:00:00Z", text[:25], fi[:25], text, fi]
            for i, (text, fi) in enumerate(zip(sentences, FINNISH, strict=True))]
    parsed = parse_news_file(_csv(tmp_path / "desk_bilingual.csv",
                                  ["id", "published_at", "title_fi", "title_en", "body_fi", "body_en"],
                                  [[r[0], r[1], r[3], r[2], r[5], r[4]] for r in rows]))

    parsed.reconcile()
    assert parsed.rows["text_clean"].to_list() == sentences
    assert parsed.rows["headline"].to_list() == [text[:25] for text in sentences]
    assert parsed.notes["columns"]["headline"] == "title_en" and parsed.notes["columns"]["body"] == "body_en"
    assert parsed.notes["ignored_columns"] == ["title_fi", "body_fi"]
    assert parsed.notes["text_in_other_languages_unread"] == (
        "title_fi, body_fi: the article's text in another language, left unread: title_en, body_en are read "
        "(English, which the sentiment model reads); to read another, declare it in news settings, "
        "\"columns\": {\"title_fi\": \"headline\"}")


def test_one_language_or_a_plain_name_beside_its_translation(tmp_path, sentences):
    # one language only, written `Body (FI)`: it is the body, the file's only text
    only = parse_news_file(_csv(tmp_path / "desk_fi.csv", ["id", "Body (FI)"],
                                [[str(i), fi] for i, fi in enumerate(FINNISH)]))
    assert only.rows["text_clean"].to_list() == FINNISH
    assert "text_in_other_languages_unread" not in only.notes
    # a plain `headline` beside `headline_sv` is the headline; the Swedish one is named
    (tmp_path / "plain").mkdir()
    plain = parse_news_file(_csv(tmp_path / "plain" / "desk.csv", ["id", "headline", "headline_sv"],
                                 [[str(i), text, "Försäljningen ökade."] for i, text in enumerate(sentences)]))
    assert plain.rows["text_clean"].to_list() == sentences
    assert plain.notes["ignored_columns"] == ["headline_sv"]
    # two translations and no English: which one is meant is not guessed, and the refusal says so
    (tmp_path / "two").mkdir()
    with pytest.raises(FileRefused) as refused:
        parse_news_file(_csv(tmp_path / "two" / "desk.csv", ["id", "title_fi", "title_sv"],
                             [[str(i), fi, "Försäljningen ökade."] for i, fi in enumerate(FINNISH)]))
    assert ("title_fi, title_sv: the article's text in 2 languages and none in English, so which one to read "
            "is not guessed; declare it in news settings, \"columns\": {\"title_fi\": \"headline\"}") in str(refused.value)


def test_a_json_feeds_translations_are_read_as_a_csvs(tmp_path, sentences):
    articles = [{"id": f"a{i}", "published_at": f"2024-05-0{i + 1}T09:00:00Z", "source": "Nordic Desk",
                 "title": {"fi": fi[:25], "en": text[:25]}, "body": {"fi": fi, "en": text}}
                for i, (text, fi) in enumerate(zip(sentences, FINNISH, strict=True))]
    path = tmp_path / "desk.json"
    path.write_text(json.dumps(articles), encoding="utf-8")
    parsed = parse_news_file(path)
    assert parsed.rows["text_clean"].to_list() == sentences
    assert parsed.notes["columns"]["body"] == "body_en"
