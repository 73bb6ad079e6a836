"""The daily sentiment indices (monitoring.news_sentiment_trend and ml.news_sentiment_daily) read
English only, as the model does: an article its file marks in another language (ml.news_scores
.language 'fi', 'de-de') is scored but left out of their figures, each day counting those it left out
(documents_not_english, n_not_english), a day of only such articles with 0 counted and no index;
English ('en') and unmarked (NULL) articles count."""

from __future__ import annotations

from datetime import date

import pytest

from risk_assets.lib.lake import connect
from risk_assets.lib.ml.sentiment_scoring import NEWS_SCORES_DDL, build_daily_index
from risk_assets.lib.monitoring.sentiment import not_english_left_out, sentiment_trend

# doc_id, published_at, language, p_negative, p_neutral, p_positive
ARTICLES = [("nordea-1", "2024-05-02 09:00", "en", 0.05, 0.15, 0.80),    # Nordea lifts its outlook
            ("nordea-2", "2024-05-02 10:00", "fi", 0.70, 0.20, 0.10),    # the same news in Finnish, misread
            ("kone-1", "2024-05-02 11:00", None, 0.60, 0.30, 0.10),      # Kone cuts its guidance
            ("kone-2", "2024-05-02 12:00", "de-de", 0.10, 0.80, 0.10),
            ("stora-1", "2024-05-03 08:00", "fi", 0.20, 0.20, 0.60)]


def _lake(con) -> None:
    con.execute("CREATE TABLE marts.news_features (doc_id VARCHAR, ticker VARCHAR, published_at TIMESTAMP, "
                "language VARCHAR)")
    con.executemany("INSERT INTO marts.news_features VALUES (?, 'NDA.HE', ?, ?)", [a[:3] for a in ARTICLES])
    con.execute("CREATE TABLE raw.news (doc_id VARCHAR, _ingested_at TIMESTAMP)")
    con.execute(NEWS_SCORES_DDL)
    con.executemany("INSERT INTO ml.news_scores (doc_id, label, p_negative, p_neutral, p_positive, model_version, "
                    "sample, chunks, truncated, unknown_share, scored_at, language) "
                    "VALUES (?, 'neutral', ?, ?, ?, 'v1', 'unseen', 1, false, 0.0, now(), ?)",
                    [(a[0], *a[3:], a[2]) for a in ARTICLES])


def test_the_trend_leaves_out_the_articles_not_in_english_and_says_how_many(risk_home):
    with connect(risk_home.lake_path) as con:
        _lake(con)
        trend = sentiment_trend(con)
        left_out = not_english_left_out(con)
    assert trend.select("day", "date_source", "documents", "documents_unseen", "documents_not_english").rows() == [
        (date(2024, 5, 2), "published", 2, 2, 2), (date(2024, 5, 3), "published", 0, 0, 1)]  # 3 May: Finnish only
    day_index = ((0.80 - 0.05) + (0.10 - 0.60)) / 2
    assert trend["sentiment_index"].to_list() == [pytest.approx(day_index), None]
    assert trend["negative_share"].to_list() == [0.5, None]
    assert trend["index_7d"].to_list() == [pytest.approx(day_index), pytest.approx(day_index)]
    assert trend["sentiment_index_unseen"].to_list() == [pytest.approx(day_index), None]
    assert left_out == ({"fi": 2, "de-de": 1}, "3 documents left out: their files mark them in a language other "
                        "than English (fi 2, de-de 1), which the sentiment model does not read")


def test_the_daily_index_leaves_out_the_articles_not_in_english(risk_home):
    with connect(risk_home.lake_path) as con:
        _lake(con)
        assert build_daily_index(con) == 2
        daily = con.execute("SELECT day::VARCHAR, n_articles, n_tickers, net_sentiment, n_unseen, n_not_english, "
                            "model_version FROM ml.news_sentiment_daily ORDER BY day").fetchall()
    assert daily == [("2024-05-02", 2, 1, pytest.approx(((0.80 - 0.05) + (0.10 - 0.60)) / 2), 2, 2, "v1"),
                     ("2024-05-03", 0, 0, None, 0, 1, "v1")]  # 3 May: Finnish only


def test_english_and_unmarked_articles_leave_nothing_out(risk_home):
    with connect(risk_home.lake_path) as con:
        _lake(con)
        con.execute("UPDATE ml.news_scores SET language = NULL WHERE language <> 'en'")
        trend = sentiment_trend(con)
        assert trend["documents"].to_list() == [4, 1]
        assert trend["documents_not_english"].to_list() == [0, 0]
        assert build_daily_index(con) == 2
        assert con.execute("SELECT n_not_english FROM ml.news_sentiment_daily ORDER BY day").fetchall() == [(0,), (0,)]
        assert not_english_left_out(con) == ({}, "")



def test_the_trend_table_and_its_preview_count_per_day_the_articles_left_out(risk_home):
    """An undated Swedish article counts on its ingest day's row; the stored table, its column
    schema and the preview carry documents_not_english."""
    import dagster as dg

    from risk_assets.defs.monitoring.assets import news_sentiment_trend
    from risk_assets.defs.resources import LakeResource

    with connect(risk_home.lake_path) as con:
        _lake(con)
        con.execute("INSERT INTO marts.news_features VALUES ('ericsson-1', 'ERIC-B.ST', NULL, 'sv-se')")
        con.execute("INSERT INTO raw.news VALUES ('ericsson-1', '2024-06-01 07:30')")
        con.execute("INSERT INTO ml.news_scores (doc_id, label, p_negative, p_neutral, p_positive, model_version, "
                    "sample, chunks, truncated, unknown_share, scored_at, language) "
                    "VALUES ('ericsson-1', 'neutral', 0.3, 0.4, 0.3, 'v1', 'unseen', 1, false, 0.0, now(), 'sv-se')")
    result = dg.materialize([news_sentiment_trend], resources={"lake": LakeResource(root=str(risk_home.root))})
    meta = result.asset_materializations_for_node("news_sentiment_trend")[0].metadata
    with connect(risk_home.lake_path, read_only=True) as con:
        stored = con.execute("SELECT day::VARCHAR, date_source, documents, documents_not_english "
                             "FROM monitoring.news_sentiment_trend ORDER BY day").fetchall()
    assert stored == [("2024-05-02", "published", 2, 2), ("2024-05-03", "published", 0, 1),
                      ("2024-06-01", "ingested", 0, 1)]
    assert meta["not_english_left_out"].value == {"fi": 2, "de-de": 1, "sv-se": 1}
    schema = news_sentiment_trend.metadata_by_key[news_sentiment_trend.key]["dagster/column_schema"]
    assert [c.name for c in schema.columns][-2:] == ["documents_not_english", "computed_at"]
    assert "| sentiment_index_unseen | documents_not_english |" in meta["preview"].value
    assert "| 2024-05-03 | published | 0 |  | 0.1250 | 0 |  | 1 |" in meta["preview"].value
    # the ingest day of the Swedish article alone has no index: no day dated by ingestion to warn of
    assert meta["dating"].value == "every row dated by publication: 1 day by publication date (2 documents)"
    assert (meta["days_by_ingestion"].value, meta["days_by_publication"].value) == (0, 1)
    assert meta["preview"].value.startswith(
        "**4 documents left out: their files mark them in a language other than English (fi 2, de-de 1, sv-se 1), "
        "which the sentiment model does not read.**\n\n| day | date_source |")


def test_a_trend_table_made_before_the_count_gets_its_column(risk_home):
    from risk_assets.lib.monitoring import tables

    with connect(risk_home.lake_path) as con:
        _lake(con)
        con.execute("CREATE SCHEMA IF NOT EXISTS monitoring")
        con.execute("CREATE TABLE monitoring.news_sentiment_trend (day DATE, date_source VARCHAR, documents BIGINT)")
        assert tables.replace(con, tables.NEWS_SENTIMENT_TREND, sentiment_trend(con)) == 2
        assert con.execute("SELECT day::VARCHAR, documents, documents_not_english FROM monitoring.news_sentiment_trend "
                           "ORDER BY day").fetchall() == [("2024-05-02", 2, 2), ("2024-05-03", 0, 1)]
