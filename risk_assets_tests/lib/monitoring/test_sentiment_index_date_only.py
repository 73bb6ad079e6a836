"""A publication date written without a time (`2024-05-02`) is a calendar day in no zone: landing
records it in raw.news.published_date_only, and the daily sentiment indices count the article on
that date in every day zone (RISK_NEWS_DAY_ZONE), where its stored midnight UTC would fall on the
day before west of UTC. Timed articles still count on the zone's day."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime

import dagster as dg
import duckdb
import openpyxl
import pytest
from dagster_dbt import DbtCliResource

from risk_assets.defs.models.news_sentiment import news_sentiment_daily
from risk_assets.defs.monitoring.assets import news_sentiment_trend
from risk_assets.defs.resources import LakeResource
from risk_assets.defs.transform.assets import DBT_ASSETS
from risk_assets.defs.transform.project import dbt_executable, dbt_project
from risk_assets.lib.ingest.landing import land_folder
from risk_assets.lib.ingest.news_formats import parse_news_file
from risk_assets.lib.lake import connect, ensure_lake
from risk_assets.lib.ml.sentiment_scoring import NEWS_SCORES_DDL, build_daily_index
from risk_assets.lib.monitoring.sentiment import sentiment_trend
from risk_assets.lib.schema import NEWS_COLUMNS, ddl

# id, published as the file writes it, body, p_negative, p_neutral, p_positive
ARTICLES = [("d1", "2024-05-02", "Acme lifts its dividend after a record quarter.", 0.10, 0.20, 0.70),
            ("t1", "2024-05-02T23:30:00Z", "Acme shares slide on a profit warning.", 0.50, 0.40, 0.10),  # 19:30 New York
            ("t2", "2024-05-03T00:30:00Z", "Acme names a new chief financial officer.", 0.10, 0.40, 0.50)]  # 20:30 New York, 2 May

DAILY_ROWS = "SELECT day, day_zone, n_articles, net_sentiment FROM ml.news_sentiment_daily ORDER BY day"
TREND_ROWS = ("SELECT day, day_zone, date_source, documents, sentiment_index FROM monitoring.news_sentiment_trend "
              "ORDER BY day")


def _csv_text(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    return buffer.getvalue()


def test_every_reader_records_whether_the_publication_time_was_a_date_alone(tmp_path):
    """CSV, JSON, RSS and workbooks alike: true for a date alone, false for a time of day, NULL without one."""
    rows = [["a", "2024-05-02", "Acme lifts its dividend."], ["b", "2024-05-02 09:00", "Acme shares slide."],
            ["c", "", "Acme names a new chief."]]
    (tmp_path / "desk.csv").write_text(_csv_text(["id", "published", "body"], rows), encoding="utf-8")
    (tmp_path / "desk.json").write_text(json.dumps(
        [{"id": i, "published": p, "body": b} if p else {"id": i, "body": b} for i, p, b in rows]), encoding="utf-8")
    items = "".join(f"<item><guid>{i}</guid><title>{b}</title>" + (f"<pubDate>{p}</pubDate>" if p else "") + "</item>"
                    for i, p, b in [("a", "Thu, 02 May 2024", "Acme lifts its dividend."),
                                    ("b", "Thu, 02 May 2024 09:00:00 GMT", "Acme shares slide."),
                                    ("c", None, "Acme names a new chief.")])
    (tmp_path / "desk.xml").write_text(f'<?xml version="1.0"?><rss version="2.0"><channel><title>Desk</title>'
                                       f"{items}</channel></rss>", encoding="utf-8")
    book = openpyxl.Workbook()
    for row in [["id", "published", "body"], *rows]:
        book.active.append(row)
    book.save(tmp_path / "desk.xlsx")
    for name in ("desk.csv", "desk.json", "desk.xml", "desk.xlsx"):
        parsed = parse_news_file(tmp_path / name)
        assert parsed.rows.select("published_at", "published_date_only").rows() == [
            (datetime(2024, 5, 2), True), (datetime(2024, 5, 2, 9), False), (None, None)], name
    assert {c.name: c.sql_type for c in NEWS_COLUMNS}["published_date_only"] == "BOOLEAN"


def _land_score_and_build(risk_home, tmp_path) -> dict:
    """Land ARTICLES from one CSV, build the marts, score each article; the resources to build the indices."""
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "wire.csv").write_text(_csv_text(["id", "published", "body"], [list(a[:3]) for a in ARTICLES]),
                                      encoding="utf-8")
    with connect(risk_home.lake_path) as con:
        land_folder(con, landing, "news", parse_news_file, "r1", asset="raw_news")
    lake = LakeResource(root=str(risk_home.root))
    assert dg.materialize(DBT_ASSETS, resources={"lake": lake, "dbt": DbtCliResource(
        project_dir=dbt_project, dbt_executable=dbt_executable())}, selection=["stg_news", "news_features"]).success
    with connect(risk_home.lake_path) as con:
        con.execute(NEWS_SCORES_DDL)
        for doc, _, text, *probabilities in ARTICLES:
            con.execute("INSERT INTO ml.news_scores (doc_id, label, p_negative, p_neutral, p_positive, model_version, "
                        "sample, chunks, truncated, unknown_share, scored_at) SELECT doc_id, 'neutral', ?, ?, ?, 'v1', "
                        "'unseen', 1, false, 0.0, now() FROM marts.news_features WHERE text_clean = ?",
                        [*probabilities, text])
    return {"lake": lake}


def test_a_date_alone_stays_on_its_date_in_new_york_days_and_in_utc_days(risk_home, tmp_path, monkeypatch):
    """In America/New_York days the date-only article is on 2 May (its midnight UTC is 20:00 on 1 May
    there), beside both timed ones (19:30 and 20:30 on 2 May); in UTC days it is on 2 May beside the
    23:30 one, and the 00:30 one is on 3 May."""
    resources = _land_score_and_build(risk_home, tmp_path)
    with duckdb.connect(str(risk_home.lake_path), read_only=True) as con:
        landed = con.execute("SELECT published_at, published_date_only FROM raw.news ORDER BY published_at").fetchall()
        marts = con.execute("SELECT published_at, published_date_only FROM marts.news_features "
                            "ORDER BY published_at").fetchall()
    assert landed == marts == [(datetime(2024, 5, 2), True), (datetime(2024, 5, 2, 23, 30), False),
                               (datetime(2024, 5, 3, 0, 30), False)]

    monkeypatch.setenv("RISK_NEWS_DAY_ZONE", "America/New_York")
    assert dg.materialize([news_sentiment_daily, news_sentiment_trend], resources=resources).success
    with duckdb.connect(str(risk_home.lake_path), read_only=True) as con:
        assert con.execute(DAILY_ROWS).fetchall() == [(date(2024, 5, 2), "America/New_York", 3, pytest.approx(0.2))]
        assert con.execute(TREND_ROWS).fetchall() == [
            (date(2024, 5, 2), "America/New_York", "published", 3, pytest.approx(0.2))]

    monkeypatch.delenv("RISK_NEWS_DAY_ZONE")
    assert dg.materialize([news_sentiment_daily, news_sentiment_trend], resources=resources).success
    with duckdb.connect(str(risk_home.lake_path), read_only=True) as con:
        assert con.execute(DAILY_ROWS).fetchall() == [(date(2024, 5, 2), "UTC", 2, pytest.approx(0.1)),
                                                      (date(2024, 5, 3), "UTC", 1, pytest.approx(0.4))]
        assert con.execute(TREND_ROWS).fetchall() == [(date(2024, 5, 2), "UTC", "published", 2, pytest.approx(0.1)),
                                                      (date(2024, 5, 3), "UTC", "published", 1, pytest.approx(0.4))]


def test_an_older_lake_gets_the_column_and_its_rows_count_as_timed(tmp_path):
    """raw.news landed before published_date_only gains it, NULL on its rows; those rows, and marts
    built before the column, count on the zone's day: a stored midnight UTC is 1 May in New York."""
    with duckdb.connect(str(tmp_path / "lake.duckdb")) as con:
        for schema in ("raw", "marts", "ml"):
            con.execute(f"CREATE SCHEMA {schema}")
        con.execute(ddl("raw.news", tuple(c for c in NEWS_COLUMNS if c.name != "published_date_only")))
        con.execute("INSERT INTO raw.news (doc_id, ticker, text_clean, published_at, _ingested_at) "
                    "VALUES ('wire_a:1', 'ACME', 'Profit rose', '2024-05-02 00:00', '2024-06-01 09:00')")
        ensure_lake(con)
        assert con.execute("SELECT doc_id, published_date_only FROM raw.news").fetchall() == [("wire_a:1", None)]
        con.execute(NEWS_SCORES_DDL)
        con.execute("INSERT INTO ml.news_scores (doc_id, label, p_negative, p_neutral, p_positive, model_version, "
                    "sample, chunks, truncated, unknown_share, scored_at) "
                    "VALUES ('wire_a:1', 'positive', 0.1, 0.2, 0.7, 'v1', 'unseen', 1, false, 0.0, now())")
        for columns in ("doc_id, ticker, published_at", "doc_id, ticker, published_at, published_date_only"):
            con.execute(f"CREATE OR REPLACE TABLE marts.news_features AS SELECT {columns} FROM raw.news")
            assert build_daily_index(con, "America/New_York") == 1
            assert con.execute(DAILY_ROWS).fetchall() == [(date(2024, 5, 1), "America/New_York", 1, pytest.approx(0.6))]
            assert sentiment_trend(con, "America/New_York").select("day", "date_source", "documents").rows() == [
                (date(2024, 5, 1), "published", 1)]
