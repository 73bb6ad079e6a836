"""Every note listing the lines of articles (how a body, id, label or time was read) names only the
articles that land: an article its reader quarantines (a publication time at hour 25), or one the
lake already holds, leaves `markdown_read_lines`, `label_null_token_lines`,
`doc_id_leading_zeros_set_aside_lines`, `body_tags_only_lines` and their like, a note left with no
line is dropped, and a message quoting the lines is said again; notes on the file's layout (a stray
quote, a form feed) keep their lines."""

from __future__ import annotations

import json

from risk_assets.lib.ingest.landing import land_folder
from risk_assets.lib.ingest.news_formats import _MAIL_TEXT_NOTES, loaded_rows_noted, parse_news_file
from risk_assets.lib.lake import connect

ARTICLE_NOTES = ("doc_id_leading_zeros_set_aside_lines", "markdown_read_lines", "body_tags_only_lines",
                 "label_null_token_lines", "source_from_file_name_lines")

DESK = ("doc_id,published_at,headline,body,label\n"
        "0101,2024-05-02T09:00:00Z,Nordea lifts its outlook,"
        "**Net interest income** rose 12 % on [higher margins](https://example.com/nordea).,positive\n"
        # hour 25: quarantined unparsable_timestamp after its id, body and label were read
        "0102,2024-05-02T25:00:00Z,Danske Bank cuts its outlook,\"Tags: earnings, banks\",NULL\n"
        "0103,2024-05-02T11:00:00Z,Kone wins a large order from Saudi Arabia,\"Tags: orders, industrials\",neutral\n")


def _article_notes(notes: dict) -> dict:
    return {name: notes[name] for name in ARTICLE_NOTES if name in notes}


def test_a_csv_article_quarantined_by_its_reader_leaves_the_notes_on_how_it_was_read(tmp_path):
    path = tmp_path / "desk_0502.csv"
    path.write_text(DESK, encoding="utf-8")
    parsed = parse_news_file(path)
    assert parsed.rows.select("doc_id", "_source_line").rows() == [("101", 2), ("103", 4)]
    assert parsed.quarantine.select("line", "rule").rows() == [(3, "unparsable_timestamp")]
    # line 3 had its zeros set aside, its tag-only body noted and its 'NULL' label read as none
    assert _article_notes(parsed.notes) == {
        "doc_id_leading_zeros_set_aside_lines": [2, 4], "source_from_file_name_lines": [2, 4],
        "markdown_read_lines": [2], "body_tags_only_lines": [4]}


def test_a_json_lines_article_quarantined_by_its_reader_leaves_the_notes_on_how_it_was_read(tmp_path):
    path = tmp_path / "wire_0502.jsonl"
    path.write_text("".join(json.dumps(article) + "\n" for article in [
        {"id": "0201", "published_at": "2024-05-02T09:00:00Z", "title": "Sampo raises its dividend",
         "body": "## Dividend\n\nSampo will pay **1.80 euros** a share.", "label": "positive"},
        {"id": "0202", "published_at": "2024-05-02T25:00:00Z", "title": "Fortum sells its stake",
         "body": "Tags: utilities, divestments", "label": "NULL"},
    ]), encoding="utf-8")
    parsed = parse_news_file(path)
    assert parsed.rows.select("doc_id", "_source_line").rows() == [("201", 1)]
    assert parsed.quarantine.select("line", "rule").rows() == [(2, "unparsable_timestamp")]
    assert _article_notes(parsed.notes) == {
        "doc_id_leading_zeros_set_aside_lines": [1], "source_from_file_name_lines": [1], "markdown_read_lines": [1]}


def _landed_notes(con, name: str) -> dict:
    return json.loads(con.execute("SELECT notes FROM raw.landed_files WHERE path LIKE ?", [f"%{name}"]).fetchone()[0])


def test_an_article_the_lake_holds_leaves_the_notes_on_how_it_was_read(risk_home):
    (risk_home.landing_news / "desk_0502.csv").write_text(
        "doc_id,published_at,headline,body,label\n"
        "7,2024-05-02T09:00:00Z,Nordea lifts its outlook,Net interest income rose 12 %.,positive\n", encoding="utf-8")
    (risk_home.landing_news / "desk_0503.csv").write_text(
        "doc_id,published_at,headline,body,label\n"
        # article 7 again, written '0007': quarantined duplicate_doc_id at landing
        "0007,2024-05-02T09:00:00Z,Nordea lifts its outlook,**Net interest income** rose 12 %.,NULL\n"
        "0008,2024-05-03T10:00:00Z,Kone wins a large order,\"Tags: orders, industrials\",neutral\n", encoding="utf-8")
    with connect(risk_home.lake_path) as con:
        report = land_folder(con, risk_home.landing_news, "news", parse_news_file, "run-1", asset="raw_news")
        assert {f.path.rsplit("/", 1)[-1]: (f.rows_loaded, f.rows_quarantined) for f in report.files} == {
            "desk_0502.csv": (1, 0), "desk_0503.csv": (1, 1)}
        assert con.execute("SELECT line, rule FROM quality.quarantine WHERE source_file LIKE '%desk_0503.csv'"
                           ).fetchall() == [(2, "duplicate_doc_id")]
        second = _landed_notes(con, "desk_0503.csv")
    assert _article_notes(second) == {
        "doc_id_leading_zeros_set_aside_lines": [3], "source_from_file_name_lines": [3], "body_tags_only_lines": [3]}


def test_a_mail_note_is_said_again_of_the_messages_left_and_layout_notes_keep_their_lines():
    said = _MAIL_TEXT_NOTES["mail_charset_assumed"]
    notes = {"stray_quote_lines": [40], "form_feed_lines": [40], "mail_charset_assumed_lines": [2, 40, 77],
             "mail_charset_assumed": f"inbox.mbox: messages at line 2, 40, 77: {said}",
             "mail_body_unreadable_lines": [40], "mail_body_unreadable": "unknown encoding: x-mac-cyrillic"}
    assert loaded_rows_noted(notes, {2, 77}) == {
        "stray_quote_lines": [40], "form_feed_lines": [40], "mail_charset_assumed_lines": [2, 77],
        "mail_charset_assumed": f"inbox.mbox: messages at line 2, 77: {said}"}
    assert loaded_rows_noted(notes, {77})["mail_charset_assumed"] == f"inbox.mbox: message at line 77: {said}"
