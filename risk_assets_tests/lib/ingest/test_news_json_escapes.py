"""News JSON beyond plain values: lone UTF-16 surrogates (`\\ud800`), several article lists, Python's `NaN`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from risk_assets.lib.ingest.news_formats import parse_news_file
from risk_assets.lib.ingest.parsed import FileRefused
from risk_assets.lib.lake import connect

SURROGATE_SAID = ("half of a UTF-16 surrogate pair without its other half, which is no character (an emoji or "
                  "other character cut in two by the exporter?); UTF-8 text cannot hold it: export the article "
                  "again, or repair the value")


def _escapes_file(tmp_path: Path) -> Path:
    """A desk's export on one line: a NUL, a cut emoji (`\\ud800`), a bell and a clean article."""
    path = tmp_path / "desk_escapes.json"
    path.write_text('[{"id":"b06-1","headline":"escaped nul \\u0000 here"},'
                    '{"id":"b06-2","headline":"lone surrogate \\ud800 here"},'
                    '{"id":"b06-3","headline":"bell \\u0007 here"},'
                    '{"id":"b06-4","headline":"ok after"}]', encoding="utf-8")
    return path


def test_a_lone_surrogate_quarantines_its_article_and_the_rest_load(tmp_path):
    path = _escapes_file(tmp_path)
    parsed = parse_news_file(path)
    assert parsed.rows["doc_id"].to_list() == ["b06-4"]
    assert parsed.data_records == 4
    cut = parsed.quarantine.filter(parsed.quarantine["record_key"] == "b06-2").to_dicts()
    assert cut == [{"line": 2, "record_key": "b06-2", "column_name": "headline", "rule": "lone_surrogate",
                    "raw_value": "lone surrogate \\ud800 here",
                    "message": f"{path}: article 2 (line 1 column 54): column headline holds lone surrogate "
                               f"U+D800 (`\\ud800`): {SURROGATE_SAID}"}]
    assert parsed.quarantine["rule"].to_list() == ["control_character", "lone_surrogate", "control_character"]


def test_lone_surrogates_high_or_low_in_any_field_read_are_quarantined_and_a_pair_is_its_emoji(tmp_path):
    path = tmp_path / "wire.json"
    path.write_text(
        '[\n{"id":"s1","headline":"Nordea lifts guidance \\udc80 again","published_at":"2024-05-02T09:00:00Z"},\n'
        '{"id":"https://www.reuters.com/markets/nordea\\ud800","headline":"an address cut"},\n'
        '{"headline":"Kone beats estimates \\ud83d\\ude00"},\n'
        '{"headline":"no id, a cut emoji \\ud83d"},\n'
        '{"id":"s5","headline":"Wartsila order","published_at":"2024-05-02\\udfff"},\n'
        '{"id":"s6","headline":"Sampo dividend","source":"Reu\\ud800ters"},\n'
        '{"id":"s7","headline":"Fortum sale","author":"Jo \\udc80 Doe"}\n]\n', encoding="utf-8")
    parsed = parse_news_file(path)
    rows = parsed.rows.select("doc_id", "headline", "_source_line").rows()
    assert rows == [("content:ae28ac617e981823", "Kone beats estimates \U0001F600", 4), ("s7", "Fortum sale", 8)]
    surrogates = parsed.quarantine.filter(parsed.quarantine["rule"] == "lone_surrogate")
    assert surrogates.select("line", "record_key", "column_name", "raw_value").rows() == [
        (2, "s1", "headline", "Nordea lifts guidance \\udc80 again"),
        (3, None, "doc_id", "https://www.reuters.com/markets/nordea\\ud800"),
        (5, "content:17d9fd5b6df01c11", "headline", "no id, a cut emoji \\ud83d"),
        (6, "s5", "published_at", "2024-05-02\\udfff"),
        (7, "reu\\ud800ters:s6", "source", "Reu\\ud800ters"),
    ]
    assert surrogates["message"][0] == (
        f"{path}: line 2: column headline holds lone surrogate U+DC80 (`\\udc80`): half of a UTF-16 surrogate pair "
        "without its other half (or a byte that was not UTF-8, as Python keeps one), which is no character (an "
        "emoji or other character cut in two by the exporter?); UTF-8 text cannot hold it: export the article "
        "again, or repair the value")


def test_a_lone_surrogate_in_json_lines_quarantines_its_line_only(tmp_path):
    path = tmp_path / "wire.jsonl"
    path.write_text('{"id":"j1","headline":"Neste margin \\ud800 cut"}\n'
                    '{"id":"j2","headline":"UPM mill \\ud83d\\ude80"}\n', encoding="utf-8")
    parsed = parse_news_file(path)
    assert parsed.rows.select("doc_id", "headline").rows() == [("j2", "UPM mill \U0001F680")]
    assert parsed.quarantine.select("line", "record_key", "column_name", "rule").rows() == [
        (1, "j1", "headline", "lone_surrogate")]
    assert parsed.quarantine["message"][0] == (
        f"{path}: line 1: column headline holds lone surrogate U+D800 (`\\ud800`): {SURROGATE_SAID}")


def test_a_file_with_a_lone_surrogate_lands_its_good_articles(risk_home):
    from risk_assets.lib.ingest.landing import land_folder

    _escapes_file(risk_home.landing_news)
    with connect(risk_home.lake_path) as con:
        report = land_folder(con, risk_home.landing_news, "news", parse_news_file, "run-1", asset="raw_news")
        assert [(f.outcome, f.rows_loaded, f.rows_quarantined) for f in report.files] == [("loaded", 1, 3)]
        assert con.execute("SELECT doc_id FROM raw.news").fetchall() == [("b06-4",)]
        assert con.execute("SELECT line, rule, raw_value FROM quality.quarantine WHERE rule = 'lone_surrogate'"
                           ).fetchall() == [(2, "lone_surrogate", "lone surrogate \\ud800 here")]


def test_every_list_of_articles_in_a_response_is_read(tmp_path):
    """An export that joined two pages' lists into one object: the articles of both load, the list
    of outlets beside them is no article, and the notes name both lists read."""
    path = tmp_path / "joined.json"
    path.write_text('{"status": "ok",\n'
                    ' "articles": [\n'
                    '  {"id": "n1", "title": "Nordea lifts guidance", "publishedAt": "2024-05-02T09:00:00Z"}\n'
                    ' ],\n'
                    ' "sources": [{"id": "reuters", "name": "Reuters"}],\n'
                    ' "data": [\n'
                    '  {"id": "n2", "title": "Kone beats estimates", "publishedAt": "2024-05-02T10:00:00Z"},\n'
                    '  {"id": "n3", "description": "Sampo raises its dividend"}\n'
                    ' ]\n}\n', encoding="utf-8")
    parsed = parse_news_file(path)
    assert parsed.rows.select("doc_id", "headline", "body", "_source_line").rows() == [
        ("n1", "Nordea lifts guidance", None, 3), ("n2", "Kone beats estimates", None, 7),
        ("n3", None, "Sampo raises its dividend", 8)]
    assert parsed.data_records == 3
    assert parsed.quarantine.height == 0
    assert parsed.notes["articles_in"] == ["articles", "data"]


def test_a_second_list_of_items_in_a_converted_rss_channel_is_read(tmp_path):
    path = tmp_path / "channel.json"
    path.write_text('{"rss": {"channel": {"title": "Credit desk",\n'
                    '  "item": [{"title": "Fortum sells stake", "pubDate": "Thu, 02 May 2024 09:00:00 GMT"}],\n'
                    '  "pinned": [{"title": "Neste margin warning", "pubDate": "Thu, 02 May 2024 10:00:00 GMT"}]}}}\n',
                    encoding="utf-8")
    parsed = parse_news_file(path)
    assert parsed.rows.select("headline", "source", "_source_line").rows() == [
        ("Fortum sells stake", "Credit desk", 2), ("Neste margin warning", "Credit desk", 3)]
    assert parsed.notes["articles_in"] == ["rss.channel.item", "rss.channel.pinned"]


CONSTANT_SAID = ("is no JSON value: Python's json.dumps writes it for a float that is not a number or is infinite; "
                 "write null for a missing value")


def test_a_json_document_writing_nan_is_refused_at_its_line_and_column(tmp_path):
    path = tmp_path / "types.json"
    path.write_text('[{"id": "a26-1", "headline": "Nordea lifts guidance", "label": 1},\n'
                    ' {"id": "a26-2", "headline": "Kone \\"NaN\\" and Infinity in text", "label": 0},\n'
                    ' {"id": "a26-3", "headline": NaN, "body": "nan headline body"}]\n', encoding="utf-8")
    with pytest.raises(FileRefused) as refused:
        parse_news_file(path)
    assert str(refused.value) == (
        f"{path}: line 3 column 30: not valid JSON (NaN {CONSTANT_SAID}); a JSON feed is a list of article objects, "
        "an object holding one, or one object per line (JSON Lines)")


@pytest.mark.parametrize("constant, column", [("Infinity", 56), ("-Infinity", 56), ("NaN", 56)])
def test_each_non_json_constant_in_any_field_is_refused(tmp_path, constant, column):
    path = tmp_path / "wire.json"
    path.write_text(f'{{"articles": [{{"id": "w1", "title": "Fortum", "score": {constant}}}]}}', encoding="utf-8")
    with pytest.raises(FileRefused, match=re.escape(f"line 1 column {column}: not valid JSON ({constant} {CONSTANT_SAID})")):
        parse_news_file(path)


def test_a_json_lines_line_writing_infinity_is_quarantined_and_the_others_load(tmp_path):
    path = tmp_path / "wire.jsonl"
    path.write_text('{"id":"k1","headline":"Neste margin","score":NaN}\n'
                    '{"id":"k2","headline":"UPM mill","published_at":-Infinity}\n'
                    '{"id":"k3","headline":"Kone \\"NaN\\" Infinity text"}\n', encoding="utf-8")
    parsed = parse_news_file(path)
    assert parsed.rows.select("doc_id", "headline").rows() == [("k3", 'Kone "NaN" Infinity text')]
    assert parsed.quarantine.select("line", "column_name", "rule", "message").rows() == [
        (1, "*", "malformed_json", f"{path}: line 1 column 46: not valid JSON (NaN {CONSTANT_SAID})"),
        (2, "*", "malformed_json", f"{path}: line 2 column 49: not valid JSON (-Infinity {CONSTANT_SAID})")]


@pytest.mark.parametrize("codec, order, mark", [("utf-32-le", "little-endian", "FF FE 00 00"),
                                                ("utf-32-be", "big-endian", "00 00 FE FF")])
def test_a_utf32_file_is_refused_as_utf32_not_as_a_copy_cut_short(tmp_path, codec, order, mark):
    path = tmp_path / "desk_utf32.csv"
    text = "\ufeffid,headline,published_at\nn1,Fortum sells stake,2024-05-02T09:00:00Z\n"
    path.write_bytes(text.encode(codec))
    with pytest.raises(FileRefused) as refused:
        parse_news_file(path)
    assert str(refused.value) == (f"{path}: UTF-32 text ({order}: the file opens with its byte-order mark {mark}), "
                                  "which news landing does not read: export it again as UTF-8 (or UTF-16) and land that")
