"""A feed whose rows say their language (`lang`, `language`, `locale`): the articles not in English
land and are named, with their languages counted, since the sentiment model that scores them reads
English only; the column is read, not left among the ignored ones."""

from __future__ import annotations

import json

from risk_assets.lib.ingest.news_formats import parse_news_file
from risk_assets.lib.ingest.note_meanings import NOTE_MEANINGS

ROWS = [("1", "2024-05-02T09:00:00Z", "en", "Nordea lifts its outlook after a strong first quarter"),
        ("2", "2024-05-02T10:00:00Z", "fi", "Nordea nostaa näkymiään vahvan neljänneksen jälkeen"),
        ("3", "2024-05-02T11:00:00Z", "de-DE", "Nordea hebt die Prognose nach starkem Quartal an"),
        ("4", "2024-05-02T12:00:00Z", "fi", "Kone voittaa suuren tilauksen Saudi-Arabiasta"),
        ("5", "2024-05-02T13:00:00Z", "en_GB", "Kone wins a large order in Saudi Arabia"),
        ("6", "2024-05-02T14:00:00Z", "", "Stora Enso to close its Oulu mill")]


def test_a_csv_lang_column_names_the_rows_not_in_english(tmp_path):
    path = tmp_path / "nordic_desk.csv"
    path.write_text("id,published_at,lang,headline\n" + "".join(f"{','.join(row)}\n" for row in ROWS),
                    encoding="utf-8")
    parsed = parse_news_file(path)
    assert parsed.rows.height == 6 and parsed.quarantine.height == 0
    assert parsed.notes["columns"]["language"] == "lang"
    assert "lang" not in parsed.notes["ignored_columns"]
    assert parsed.notes["not_english_lines"] == [3, 4, 5]
    assert parsed.notes["not_english_languages"] == {"fi": 2, "de-de": 1}
    assert "English only" in NOTE_MEANINGS["not_english_lines"]


def test_a_json_lang_and_a_locale_column_name_the_articles_not_in_english(tmp_path):
    feed = tmp_path / "desk.json"
    feed.write_text(json.dumps([{"id": i, "published_at": at, "lang": lang, "headline": text}
                                for i, at, lang, text in ROWS]), encoding="utf-8")
    parsed = parse_news_file(feed)
    assert parsed.notes["not_english_lines"] == [2, 3, 4]  # article numbers of a JSON array
    assert parsed.notes["not_english_languages"] == {"fi": 2, "de-de": 1}
    export = tmp_path / "export.csv"
    export.write_text("id,published_at,Locale,headline\n"
                      "1,2024-05-02T09:00:00Z,sv-SE,Ericsson vinner 5G-avtal i Sverige\n"
                      "2,2024-05-02T10:00:00Z,English,Ericsson wins a 5G deal in Sweden\n", encoding="utf-8")
    parsed = parse_news_file(export)
    assert parsed.notes["not_english_lines"] == [2]
    assert parsed.notes["not_english_languages"] == {"sv-se": 1}
