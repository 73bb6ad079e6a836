"""An article's language, as its file's language column gives it, is kept in raw.news.language
('en' for any English, the others lower-cased as written, NULL where the file names none), and
the notes that count rows (`not_english_languages`, the `ticker_*` counts) agree with their lines
notes when landing quarantines a row the reader loaded (an article the lake already holds)."""

from __future__ import annotations

import json

import duckdb

from risk_assets.lib.ingest.landing import land_folder
from risk_assets.lib.ingest.news_formats import article_language, parse_news_file
from risk_assets.lib.lake import connect, ensure_lake
from risk_assets.lib.schema import NEWS_COLUMNS, ddl

HEADER = "id,published_at,lang,ticker,headline\n"
FIRST = [("1", "2024-05-02T09:00:00Z", "en", "NDA.HE", "Nordea lifts its outlook after a strong first quarter"),
         ("2", "2024-05-02T10:00:00Z", "fi", "HEL:KNEBV", "Kone voittaa suuren tilauksen Saudi-Arabiasta"),
         ("3", "2024-05-02T11:00:00Z", "", "STERV.HE", "Stora Enso to close its Oulu mill")]
SECOND = [("2", "2024-05-02T10:00:00Z", "fi", "HEL:KNEBV", "Kone voittaa suuren tilauksen Saudi-Arabiasta"),
          ("4", "2024-05-03T08:00:00Z", "sv-SE", "STO:ERIC-B", "Ericsson vinner 5G-avtal i Sverige"),
          ("5", "2024-05-03T09:00:00Z", "English", "NOKIA", "Nokia wins a 5G deal in Sweden")]


def _csv(rows) -> str:
    return HEADER + "".join(f"{','.join(row)}\n" for row in rows)


def test_each_row_carries_its_language_english_as_en(tmp_path):
    path = tmp_path / "nordic_desk.csv"
    path.write_text(_csv(FIRST + SECOND[1:]), encoding="utf-8")
    rows = parse_news_file(path).rows
    assert rows["language"].to_list() == ["en", "fi", None, "sv-se", "en"]
    assert [article_language(v) for v in ("en-GB", "en_US", "ENG", " English ", "de-DE", "", "n/a", None)] == [
        "en", "en", "en", "en", "de-de", None, None, None]


def _notes(con, name: str) -> dict:
    return json.loads(con.execute("SELECT notes FROM raw.landed_files WHERE path LIKE ?", [f"%{name}"]).fetchone()[0])


def test_a_row_quarantined_at_landing_leaves_the_language_and_ticker_counts(risk_home):
    (risk_home.landing_news / "desk_0502.csv").write_text(_csv(FIRST), encoding="utf-8")
    (risk_home.landing_news / "desk_0503.csv").write_text(_csv(SECOND), encoding="utf-8")
    with connect(risk_home.lake_path) as con:
        report = land_folder(con, risk_home.landing_news, "news", parse_news_file, "run-1", asset="raw_news")
        assert {f.path.rsplit("/", 1)[-1]: (f.rows_loaded, f.rows_quarantined) for f in report.files} == {
            "desk_0502.csv": (3, 0), "desk_0503.csv": (2, 1)}
        assert con.execute("SELECT doc_id, language FROM raw.news ORDER BY doc_id").fetchall() == [
            ("1", "en"), ("2", "fi"), ("3", None), ("4", "sv-se"), ("5", "en")]
        second = _notes(con, "desk_0503.csv")
    # line 2, article 2, is already loaded from desk_0502.csv: quarantined as duplicate_doc_id
    assert second["not_english_lines"] == [3]
    assert second["not_english_languages"] == {"sv-se": 1}
    assert second["ticker_normalised_lines"] == [3]
    assert second["ticker_forms"] == {"exchange prefix": 1}  # STO:ERIC-B; HEL:KNEBV of line 2 is not counted


def test_an_older_lake_gets_the_language_column_its_rows_null(tmp_path):
    path = tmp_path / "lake.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA raw")
        con.execute(ddl("raw.news", tuple(c for c in NEWS_COLUMNS if c.name != "language")))
        con.execute("INSERT INTO raw.news (doc_id, source, text_clean) VALUES ('wire_a:1', 'wire_a', 'Profit rose')")
        ensure_lake(con)
        assert con.execute("SELECT doc_id, language FROM raw.news").fetchall() == [("wire_a:1", None)]
