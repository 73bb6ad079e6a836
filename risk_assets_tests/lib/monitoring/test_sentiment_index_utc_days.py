"""The daily sentiment indices (ml.news_sentiment_daily, monitoring.news_sentiment_trend) count
articles by UTC publication day, and their tables say so: a story published at 20:00 in New York in
summer (00:00 UTC) is on the next day, whatever zone the feed wrote its times in."""

from __future__ import annotations

from datetime import date

from risk_assets.lib.lake import connect
from risk_assets.lib.ml.sentiment_scoring import DAILY_COLUMNS, NEWS_SCORES_DDL, build_daily_index
from risk_assets.lib.monitoring import tables
from risk_assets.lib.monitoring.sentiment import sentiment_trend

# doc_id, published_at as landing stores it (UTC), p_negative, p_neutral, p_positive
ARTICLES = [("citi-1", "2024-05-02 23:30", 0.10, 0.20, 0.70),   # 19:30 in New York, 2 May
            ("citi-2", "2024-05-03 00:30", 0.70, 0.20, 0.10)]   # 20:30 in New York, 2 May: a UTC day later


def _lake(con) -> None:
    con.execute("CREATE TABLE marts.news_features (doc_id VARCHAR, ticker VARCHAR, published_at TIMESTAMP)")
    con.executemany("INSERT INTO marts.news_features VALUES (?, 'C', ?)", [a[:2] for a in ARTICLES])
    con.execute("CREATE TABLE raw.news (doc_id VARCHAR, _ingested_at TIMESTAMP)")
    con.execute(NEWS_SCORES_DDL)
    con.executemany("INSERT INTO ml.news_scores (doc_id, label, p_negative, p_neutral, p_positive, model_version, "
                    "sample, chunks, truncated, unknown_share, scored_at) "
                    "VALUES (?, 'neutral', ?, ?, ?, 'v1', 'unseen', 1, false, 0.0, now())",
                    [(a[0], *a[2:]) for a in ARTICLES])


def test_two_articles_either_side_of_midnight_utc_fall_on_two_days_and_the_tables_say_utc(risk_home):
    with connect(risk_home.lake_path) as con:
        _lake(con)
        assert build_daily_index(con) == 2
        daily = con.execute("SELECT day, n_articles FROM ml.news_sentiment_daily ORDER BY day").fetchall()
        trend = sentiment_trend(con)
    assert daily == [(date(2024, 5, 2), 1), (date(2024, 5, 3), 1)]
    assert trend.select("day", "documents").rows() == [(date(2024, 5, 2), 1), (date(2024, 5, 3), 1)]
    assert {c.name: c.description for c in DAILY_COLUMNS}["day"] == (
        "Publication day in UTC (00:00 to 24:00 UTC), whatever time zone the feed wrote its times in: an article "
        "published at 20:00 in New York in summer (00:00 UTC) counts on the next day.")
    assert tables.NEWS_SENTIMENT_TREND.columns["day"][1] == (
        "Publication day in UTC (00:00 to 24:00 UTC, whatever time zone the feed wrote its times in: a document "
        "published at 20:00 in New York in summer counts on the next day) where date_source = published; where "
        "date_source = ingested, the UTC day the documents were first ingested, not published (they carry no "
        "publication date).")
    assert tables.NEWS_SENTIMENT_TREND.description.startswith(
        "One row per UTC day (00:00 to 24:00 UTC, not a desk's own day) and date source: ")
