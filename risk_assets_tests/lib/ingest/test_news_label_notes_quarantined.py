"""A count note agrees with its lines note and the loaded rows when a row it counted is quarantined:
an article whose label is unknown (`Bullish`) and whose text is unusable is in the quarantine, not
in notes['label_unrecognised'] nor its lines nor its message; and a landing that quarantines an
article the lake already holds says its label and headline notes again without it."""

from __future__ import annotations

import json

from risk_assets.lib.ingest.landing import land_folder
from risk_assets.lib.ingest.news_formats import LABEL_MAP_HINT, parse_news_file
from risk_assets.lib.lake import connect

DESK = ("doc_id,published_at,headline,body,label\n"
        "1,2024-05-02T09:00:00Z,Nordea lifts its outlook after a strong first quarter,,positive\n"
        "2,2024-05-02T10:00:00Z,,,Bullish\n"
        "3,2024-05-02T11:00:00Z,Stora Enso to close its Oulu mill,,Bullish\n"
        "4,2024-05-02T12:00:00Z,Kone wins a large order from Saudi Arabia,,Bearish\n")


def _said(where: str, lines: str, counts: dict) -> str:
    return (f"{where}: column label: {sum(counts.values())} article(s) loaded without a label (NULL: scored, "
            f"not trained on) on line(s) {lines}, because their label is not one of ['negative', 'neutral', "
            f"'positive']: {json.dumps(counts)}; {LABEL_MAP_HINT}")


def test_an_unknown_label_on_an_article_without_text_is_not_counted(tmp_path):
    path = tmp_path / "desk_0502.csv"
    path.write_text(DESK, encoding="utf-8")
    parsed = parse_news_file(path)
    assert parsed.rows.select("doc_id", "label").rows() == [("1", "positive"), ("3", None), ("4", None)]
    assert parsed.quarantine.select("line", "rule").rows() == [(3, "no_usable_text")]
    assert parsed.notes["label_unrecognised"] == {"bullish": 1, "bearish": 1}
    assert parsed.notes["label_unrecognised_lines"] == [4, 5]
    assert parsed.notes["label_unrecognised_message"] == _said(str(path), "4, 5", {"bullish": 1, "bearish": 1})


def test_an_unknown_label_alone_on_a_quarantined_article_leaves_no_note(tmp_path):
    path = tmp_path / "desk_0503.csv"
    path.write_text("doc_id,headline,body,label\n"
                    "5,Kone wins a large order from Saudi Arabia,,positive\n"
                    "6,   ,,Bullish\n", encoding="utf-8")
    notes = parse_news_file(path).notes
    assert {"label_unrecognised", "label_unrecognised_lines", "label_unrecognised_message"} & set(notes) == set()


def _notes(con, name: str) -> dict:
    return json.loads(con.execute("SELECT notes FROM raw.landed_files WHERE path LIKE ?", [f"%{name}"]).fetchone()[0])


def test_an_article_the_lake_holds_leaves_the_label_and_headline_notes(risk_home):
    (risk_home.landing_news / "desk_0502.csv").write_text(
        "id,published_at,headline,label,analyst_comment\n"
        "7,2024-05-02T09:00:00Z,Nordea lifts its outlook,Bullish,Strong quarter for the lender with margins up\n",
        encoding="utf-8")
    (risk_home.landing_news / "desk_0503.csv").write_text(
        "id,published_at,headline,label,analyst_comment\n"
        "7,2024-05-02T09:00:00Z,Nordea lifts its outlook,Bullish,Strong quarter for the lender with margins up\n"
        "8,2024-05-03T10:00:00Z,Kone wins a large order,Bearish,Order from Saudi Arabia worth 200 million euros\n"
        "9,2024-05-03T11:00:00Z,Stora Enso to close its Oulu mill,positive,About 300 jobs at risk in Oulu\n",
        encoding="utf-8")
    with connect(risk_home.lake_path) as con:
        report = land_folder(con, risk_home.landing_news, "news", parse_news_file, "run-1", asset="raw_news")
        assert {f.path.rsplit("/", 1)[-1]: (f.rows_loaded, f.rows_quarantined) for f in report.files} == {
            "desk_0502.csv": (1, 0), "desk_0503.csv": (2, 1)}
        second = _notes(con, "desk_0503.csv")
    # line 2, article 7, is already loaded from desk_0502.csv: quarantined as duplicate_doc_id
    assert second["label_unrecognised"] == {"bearish": 1}
    assert second["label_unrecognised_lines"] == [3]
    assert second["label_unrecognised_message"] == _said(
        str(risk_home.landing_news / "desk_0503.csv"), "3", {"bearish": 1})
    assert second["headline_scored_beside_unread_text_lines"] == [3, 4]
    assert second["headline_scored_beside_unread_text"].startswith(
        "2 article(s) scored on the headline alone (lines 3, 4) while the column 'analyst_comment' beside it")
