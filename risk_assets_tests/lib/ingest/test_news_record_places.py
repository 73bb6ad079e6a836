"""Landing and lineage name each news record in the unit its file counts (a line, or a JSON
response's article with the line and column where it opens), and the notes on how a loaded row was
read list only rows that are loaded, as the quarantine table lists the others."""

from __future__ import annotations

import json

from risk_assets.lib.ingest.landing import land_folder
from risk_assets.lib.ingest.news_formats import parse_news_file
from risk_assets.lib.lake import connect

FIRST = [{"id": "a1", "title": "Nordea raises its dividend", "publishedAt": "2024-05-02T09:00:00Z"},
         {"id": "a2", "title": "Sampo cuts its outlook", "publishedAt": "2024-05-02T10:00:00Z"}]
SECOND = [{"id": "a3", "title": "Neste beats estimates", "publishedAt": "2024-05-03T09:00:00Z"}, FIRST[1]]


def _land(risk_home, run_id: str) -> None:
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_news, "news", parse_news_file, run_id, asset="raw_news")


def test_an_article_already_loaded_is_named_by_article_in_a_json_response_on_both_sides(risk_home):
    first = risk_home.landing_news / "n01_newsapi.json"
    first.write_text(json.dumps({"status": "ok", "articles": FIRST}))
    _land(risk_home, "run-1")
    second = risk_home.landing_news / "n02_newsapi.json"
    second.write_text(json.dumps({"status": "ok", "articles": SECOND}))
    _land(risk_home, "run-2")
    with connect(risk_home.lake_path) as con:
        quarantined = con.execute("SELECT line, rule, message FROM quality.quarantine WHERE source_file = ?",
                                  [str(second)]).fetchall()
    assert quarantined == [
        (2, "duplicate_doc_id", f"{second}: article 2 (line 1 column 118): article id a2 is already loaded from "
                                f"{first} article 2 (same text: a re-delivery)")]


def test_an_article_already_loaded_from_a_csv_is_named_by_its_line(risk_home):
    first = risk_home.landing_news / "n01_wire.csv"
    first.write_text("id,headline\na1,Nordea raises its dividend\na2,Sampo cuts its outlook\n")
    _land(risk_home, "run-1")
    second = risk_home.landing_news / "n02_newsapi.json"
    second.write_text(json.dumps({"articles": [{"id": "a3", "title": "Neste beats estimates"},
                                               {"id": "a2", "title": "Sampo cuts its outlook"}]}))
    _land(risk_home, "run-2")
    with connect(risk_home.lake_path) as con:
        quarantined = con.execute("SELECT line, message FROM quality.quarantine WHERE source_file = ?",
                                  [str(second)]).fetchall()
    assert quarantined == [
        (2, f"{second}: article 2 (line 1 column 63): article id a2 is already loaded from {first} line 3 "
            "(same text: a re-delivery)")]


def test_a_row_quarantined_at_landing_leaves_the_notes_on_how_loaded_rows_were_read(risk_home):
    first = risk_home.landing_news / "n01_wire.csv"
    first.write_text("id,headline\na2,Sampo cuts its outlook\n")
    _land(risk_home, "run-1")
    second = risk_home.landing_news / "n02_feed.csv"
    second.write_text("id,headline,ticker\na1,Nordea raises its dividend,nda fh\na2,Sampo cuts its outlook,"
                      "sampo fh\na3,Neste beats estimates,\n")
    _land(risk_home, "run-2")
    with connect(risk_home.lake_path) as con:
        notes = json.loads(con.execute("SELECT notes FROM raw.landed_files WHERE path = ?", [str(second)]).fetchone()[0])
        loaded = con.execute("SELECT _source_line FROM raw.news WHERE _source_file = ? ORDER BY 1",
                             [str(second)]).fetchall()
        quarantined = con.execute("SELECT line FROM quality.quarantine WHERE source_file = ?",
                                  [str(second)]).fetchall()
    assert loaded == [(2,), (4,)]
    assert quarantined == [(3,)]
    assert notes["source_from_file_name_lines"] == [2, 4]


def test_a_time_the_declared_zone_repeats_leaves_the_notes_on_how_loaded_rows_were_read(tmp_path):
    path = tmp_path / "n03_desk.csv"
    path.write_text("id,headline,published_at\n"
                    "d1,Nordea raises its dividend,2024-10-27 03:30\n"
                    "d2,Sampo cuts its outlook,2024-10-27 09:00\n")
    (tmp_path / "n03_desk.csv.mapping.json").write_text('{"timezone": "Europe/Helsinki"}')
    parsed = parse_news_file(path)
    assert parsed.rows.select("_source_line", "doc_id").rows() == [(3, "d2")]
    assert parsed.quarantine.select("line", "rule").rows() == [(2, "ambiguous_local_time")]
    assert parsed.notes["source_from_file_name_lines"] == [3]
    assert parsed.notes["published_at_local_zone_lines"] == [3]


def test_a_standard_time_zone_on_a_summer_date_is_read_as_written_and_noted(tmp_path):
    from datetime import datetime

    path = tmp_path / "n04_us_desk.csv"
    path.write_text("id,headline,published_at\n"
                    "u1,Nordea raises its dividend,2024-07-15 09:00 EST\n"
                    "u2,Sampo cuts its outlook,2024-01-15 09:00 EST\n"
                    "u3,Neste beats estimates,2024-07-15 09:00 EDT\n"
                    "u4,Kone wins an order,\"July 15, 2024 9:00 PM PST\"\n"
                    "u5,UPM closes a mill,2024-07-15 09:00 CET\n"
                    "u6,Fortum sells a plant,\"Mon, 15 Jul 2024 09:00:00 GMT\"\n")
    parsed = parse_news_file(path)
    assert parsed.rows.select("_source_line", "published_at").rows() == [
        (2, datetime(2024, 7, 15, 14, 0)), (3, datetime(2024, 1, 15, 14, 0)), (4, datetime(2024, 7, 15, 13, 0)),
        (5, datetime(2024, 7, 16, 5, 0)), (6, datetime(2024, 7, 15, 8, 0)), (7, datetime(2024, 7, 15, 9, 0))]
    assert parsed.notes["published_at_standard_in_summer_lines"] == [2, 5, 6]
    assert parsed.notes["published_at_standard_in_summer"] == {
        "EST": "EST on 2024-07-15: America/New_York keeps summer time then, so EDT -04:00 may have been meant; "
               "read at -05:00 as written",
        "PST": "PST on 2024-07-15: America/Los_Angeles keeps summer time then, so PDT -07:00 may have been meant; "
               "read at -08:00 as written",
        "CET": "CET on 2024-07-15: Europe/Berlin keeps summer time then, so CEST +02:00 may have been meant; "
               "read at +01:00 as written"}
