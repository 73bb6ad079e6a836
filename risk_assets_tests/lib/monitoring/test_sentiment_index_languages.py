"""The daily sentiment indices (monitoring.news_sentiment_trend and ml.news_sentiment_daily) read
English only, as the model does: an article its file marks in another language (ml.news_scores
.language 'fi', 'de-de') is scored but left out of them, and the trend says how many it left out;
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
    assert trend.select("day", "documents").rows() == [(date(2024, 5, 2), 2)]  # 3 May: Finnish only
    assert trend["sentiment_index"].to_list() == pytest.approx([((0.80 - 0.05) + (0.10 - 0.60)) / 2])
    assert left_out == ({"fi": 2, "de-de": 1}, "3 documents left out: their files mark them in a language other "
                        "than English (fi 2, de-de 1), which the sentiment model does not read")


def test_the_daily_index_leaves_out_the_articles_not_in_english(risk_home):
    with connect(risk_home.lake_path) as con:
        _lake(con)
        assert build_daily_index(con) == 1
        daily = con.execute("SELECT day::VARCHAR, n_articles, net_sentiment FROM ml.news_sentiment_daily").fetchall()
    assert daily == [("2024-05-02", 2, pytest.approx(((0.80 - 0.05) + (0.10 - 0.60)) / 2))]


def test_english_and_unmarked_articles_leave_nothing_out(risk_home):
    with connect(risk_home.lake_path) as con:
        _lake(con)
        con.execute("UPDATE ml.news_scores SET language = NULL WHERE language <> 'en'")
        assert sentiment_trend(con)["documents"].to_list() == [4, 1]
        assert not_english_left_out(con) == ({}, "")

