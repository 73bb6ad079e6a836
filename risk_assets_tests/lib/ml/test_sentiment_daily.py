"""The daily sentiment index: one row per publication day, articles counted once, tickers each."""

from __future__ import annotations

import pytest

from risk_assets.lib.lake import connect
from risk_assets.lib.ml.sentiment_scoring import build_daily_index


def test_an_article_about_several_tickers_counts_once_and_each_ticker_counts(risk_home):
    """'AAPL,MSFT' is one article about two tickers: two tickers that day, one article, and its
    probabilities weigh once in the day's net sentiment. An undated article is left out."""
    with connect(risk_home.lake_path) as con:
        con.execute("CREATE TABLE marts.news_features (doc_id VARCHAR, ticker VARCHAR, published_at TIMESTAMP)")
        con.execute("INSERT INTO marts.news_features VALUES ('a1', 'AAPL,MSFT', '2024-05-02 09:00'), "
                    "('a2', 'AAPL', '2024-05-02 15:00'), ('a3', NULL, '2024-05-03 08:00'), ('a4', 'ACME', NULL)")
        con.execute("CREATE TABLE ml.news_scores (doc_id VARCHAR, label VARCHAR, p_negative DOUBLE, "
                    "p_positive DOUBLE, model_version VARCHAR)")
        con.execute("INSERT INTO ml.news_scores VALUES ('a1', 'positive', 0.1, 0.7, 'v1'), "
                    "('a2', 'negative', 0.6, 0.1, 'v1'), ('a3', 'neutral', 0.2, 0.2, 'v1'), ('a4', 'neutral', 0.1, 0.1, 'v1')")
        assert build_daily_index(con) == 2
        daily = con.execute("SELECT day::VARCHAR, n_articles, n_tickers, net_sentiment, share_positive "
                            "FROM ml.news_sentiment_daily").fetchall()
    assert [d[:3] for d in daily] == [("2024-05-02", 2, 2), ("2024-05-03", 1, 0)]
    assert daily[0][3] == pytest.approx(((0.7 - 0.1) + (0.1 - 0.6)) / 2) and daily[0][4] == pytest.approx(0.5)
