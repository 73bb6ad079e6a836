"""The notes that count how a label or a line break was read (`label_short_forms`,
`label_translated`, `label_mapped`, `label_declared_unlabelled`, `line_break_characters_read`)
count only the rows that land, as the lines notes list them: an article the lake already holds,
or a record its reader quarantines after reading its label, leaves the counts."""

from __future__ import annotations

import json

from risk_assets.lib.ingest.landing import land_folder
from risk_assets.lib.ingest.news_formats import parse_news_file
from risk_assets.lib.lake import connect

HEADER = "id,published_at,headline,body,sentiment\n"
VT, LS = "\x0b", "\u2028"
FIRST = [("1", "2024-05-02T09:00:00Z", "Nordea lifts its outlook", f"Net interest income rose 12 %.{VT}Loan losses stayed low.", "pos"),
         ("2", "2024-05-02T10:00:00Z", "Danske Bank cuts its outlook", f"Credit losses rise in Denmark.{LS}Shares fell 4 %.", "negatief")]
SECOND = [FIRST[1],  # already loaded from desk_0502.csv: quarantined duplicate_doc_id at landing
          ("3", "2024-05-03T08:00:00Z", "SEB warns on property loans", f"Commercial property values fell.{VT}Provisions rose.", "neg"),
          ("4", "2024-05-03T09:00:00Z", "Swedbank beats forecasts", "Profit rose on higher margins.", "positief")]


def _csv(rows) -> str:
    return HEADER + "".join(",".join(f'"{value}"' for value in row) + "\n" for row in rows)


def _landed_notes(con, name: str) -> dict:
    return json.loads(con.execute("SELECT notes FROM raw.landed_files WHERE path LIKE ?", [f"%{name}"]).fetchone()[0])


def test_an_article_the_lake_holds_leaves_the_label_and_line_break_counts(risk_home):
    (risk_home.landing_news / "desk_0502.csv").write_text(_csv(FIRST), encoding="utf-8")
    (risk_home.landing_news / "desk_0503.csv").write_text(_csv(SECOND), encoding="utf-8")
    with connect(risk_home.lake_path) as con:
        report = land_folder(con, risk_home.landing_news, "news", parse_news_file, "run-1", asset="raw_news")
        assert {f.path.rsplit("/", 1)[-1]: (f.rows_loaded, f.rows_quarantined) for f in report.files} == {
            "desk_0502.csv": (2, 0), "desk_0503.csv": (2, 1)}
        first, second = _landed_notes(con, "desk_0502.csv"), _landed_notes(con, "desk_0503.csv")
    assert first["label_short_forms"] == {"pos": 1}
    assert first["label_translated"] == {"negatief": 1}
    assert first["line_break_characters_read"] == {"body": {"U+000B LINE TABULATION": 1, "U+2028 LINE SEPARATOR": 1}}
    # line 2 (article 2, 'negatief', a U+2028 in its body) is desk_0502.csv's: counted there only
    assert second["label_short_forms"] == {"neg": 1}
    assert second["label_translated"] == {"positief": 1}
    assert second["line_break_characters_read"] == {"body": {"U+000B LINE TABULATION": 1}}


def test_a_declared_label_of_an_article_the_lake_holds_is_not_counted_again(risk_home, tmp_path):
    maps = tmp_path / "maps"
    (maps / "news").mkdir(parents=True)
    (maps / "news" / "desk.json").write_text(json.dumps({
        "name": "desk", "applies_to": ["desk_*.csv"], "label_map": {"1": "positive", "-1": "negative", "0": None}}))
    coded = {"pos": "1", "negatief": "-1", "neg": "0", "positief": "1"}
    (risk_home.landing_news / "desk_0502.csv").write_text(
        _csv([(*row[:4], coded[row[4]]) for row in FIRST]), encoding="utf-8")
    (risk_home.landing_news / "desk_0503.csv").write_text(
        _csv([(*row[:4], coded[row[4]]) for row in SECOND]), encoding="utf-8")
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_news, "news", lambda path: parse_news_file(path, [maps]), "run-1",
                    asset="raw_news")
        assert con.execute("SELECT doc_id, label FROM raw.news ORDER BY doc_id").fetchall() == [
            ("1", "positive"), ("2", "negative"), ("3", None), ("4", "positive")]
        first, second = _landed_notes(con, "desk_0502.csv"), _landed_notes(con, "desk_0503.csv")
    assert first["label_mapped"] == {"1": 1, "-1": 1}
    assert second["label_mapped"] == {"1": 1}  # the '-1' of line 2 is desk_0502.csv's article
    assert second["label_declared_unlabelled"] == {"0": 1}


def test_a_record_its_reader_quarantines_after_reading_its_label_leaves_the_count(tmp_path):
    path = tmp_path / "phrasebank_sample.txt"
    path.write_text("Operating profit rose to EUR 13.1 mn from EUR 8.7 mn .@positive\n"
                    "Net sales fell 5 %\x0bin the quarter \x00 .@neg\n"
                    "Pre-tax loss totaled\x0bEUR 0.3 mn .@negatief\n"
                    "The company 's order book stood at EUR 1.2 bn .@neutraal\n"
                    "Nordea 's lending grew\x0bacross the Nordics .@pos\n", encoding="utf-8")
    parsed = parse_news_file(path)
    assert parsed.format == "phrasebank_txt"
    assert parsed.quarantine.select("line", "rule").rows() == [(2, "control_character")]
    assert parsed.rows["label"].to_list() == ["positive", "negative", "neutral", "positive"]
    assert parsed.notes["label_short_forms"] == {"pos": 1}  # not the 'neg' of line 2
    assert parsed.notes["label_translated"] == {"negatief": 1, "neutraal": 1}
    assert parsed.notes["line_break_characters_read"] == {"sentence": {"U+000B LINE TABULATION": 2}}
