"""News text as a reader sees it: page chrome, alternative parts, invisible characters and escapes
left by exports never reach `text_clean`."""

from __future__ import annotations

import json
from pathlib import Path

from risk_assets.lib.ingest.news_formats import parse_news_file


def _land(path: Path, content: str) -> dict[str, str]:
    """`content` written to `path` and read by the lake's reader: {doc_id: text_clean}."""
    path.write_text(content, encoding="utf-8")
    parsed = parse_news_file(path)
    assert parsed.quarantine.is_empty()
    return dict(zip(parsed.rows["doc_id"].to_list(), parsed.rows["text_clean"].to_list()))


def test_invisible_format_characters_inside_a_word_are_removed_not_spaced(tmp_path):
    """`Nok\\u200bia` read 'Nok ia': a zero-width space between two letters became a space, though
    no reader sees one. Every invisible format character inside a word is removed."""
    rows = [(f"z{n}", f"Nok{mark}ia profit rose") for n, mark in
            enumerate(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"], start=1)]
    texts = _land(tmp_path / "invisible.csv",
                  "id,headline,body\n" + "".join(f"{key},Results,{body}\n" for key, body in rows))
    assert texts == {key: "Nokia profit rose" for key, _ in rows}


def test_a_right_to_left_override_is_read_as_shown(tmp_path):
    """'Profit \\u202eelbats\\u202c stable' shows 'Profit stable stable': the reversed span is read in
    the order shown, not as 'elbats'; Hebrew under an override keeps its order."""
    texts = _land(tmp_path / "override.jsonl", "\n".join(json.dumps(row) for row in [
        {"id": "r1", "title": "Outlook", "body": "Profit \u202eelbats\u202c stable"},
        {"id": "r2", "title": "Outlook", "body": "Margin \u202edesaercni"},
        {"id": "r3", "title": "Outlook", "body": "Bank \u202e\u05dc\u05d0\u05d5\u05de\u05d9\u202c rose"},
    ]) + "\n")
    assert texts == {"r1": "Profit stable stable", "r2": "Margin increased",
                     "r3": "Bank \u05dc\u05d0\u05d5\u05de\u05d9 rose"}
