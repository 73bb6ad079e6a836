"""The daily sentiment indices (ml.news_sentiment_daily, monitoring.news_sentiment_trend) count
articles by publication day in the lake's day zone, RISK_NEWS_DAY_ZONE: UTC when unset, so that a
story published at 20:00 in New York in summer (00:00 UTC) is on the next day, and the desk's own
day with America/New_York. Both tables name the zone in day_zone, the assets in their metadata."""

from __future__ import annotations

from datetime import date

import dagster as dg
import pytest

from risk_assets.defs.models.news_sentiment import news_sentiment_daily
from risk_assets.defs.monitoring.assets import news_sentiment_trend
from risk_assets.defs.resources import LakeResource
from risk_assets.lib.lake import connect
from risk_assets.lib.ml.sentiment_scoring import (
    DAILY_COLUMNS,
    NEWS_SCORES_DDL,
    DayZoneError,
    build_daily_index,
    news_day_zone,
)
from risk_assets.lib.monitoring import tables
from risk_assets.lib.monitoring.sentiment import sentiment_trend

# doc_id, published_at as landing stores it (UTC), p_negative, p_neutral, p_positive
ARTICLES = [("citi-1", "2024-05-02 23:30", 0.10, 0.20, 0.70),   # 19:30 in New York, 2 May
            ("citi-2", "2024-05-03 00:30", 0.70, 0.20, 0.10)]   # 20:30 in New York, 2 May: a UTC day later

NEW_YORK = "America/New_York"
DAILY_ROW = "SELECT day, day_zone, n_articles, net_sentiment FROM ml.news_sentiment_daily ORDER BY day"
TREND_ROW = ("SELECT day, day_zone, date_source, documents, sentiment_index FROM monitoring.news_sentiment_trend "
             "ORDER BY day")


def _lake(con) -> None:
    con.execute("CREATE TABLE marts.news_features (doc_id VARCHAR, ticker VARCHAR, published_at TIMESTAMP)")
    con.executemany("INSERT INTO marts.news_features VALUES (?, 'C', ?)", [a[:2] for a in ARTICLES])
    con.execute("CREATE TABLE raw.news (doc_id VARCHAR, _ingested_at TIMESTAMP)")
    con.execute(NEWS_SCORES_DDL)
    con.executemany("INSERT INTO ml.news_scores (doc_id, label, p_negative, p_neutral, p_positive, model_version, "
                    "sample, chunks, truncated, unknown_share, scored_at) "
                    "VALUES (?, 'neutral', ?, ?, ?, 'v1', 'unseen', 1, false, 0.0, now())",
                    [(a[0], *a[2:]) for a in ARTICLES])


def test_two_articles_either_side_of_midnight_utc_fall_on_two_days_and_the_tables_say_utc(risk_home, monkeypatch):
    monkeypatch.delenv("RISK_NEWS_DAY_ZONE", raising=False)
    with connect(risk_home.lake_path) as con:
        _lake(con)
        assert build_daily_index(con) == 2
        daily = con.execute("SELECT day, day_zone, n_articles FROM ml.news_sentiment_daily ORDER BY day").fetchall()
        trend = sentiment_trend(con)
    assert daily == [(date(2024, 5, 2), "UTC", 1), (date(2024, 5, 3), "UTC", 1)]
    assert trend.select("day", "day_zone", "documents").rows() == [(date(2024, 5, 2), "UTC", 1),
                                                                   (date(2024, 5, 3), "UTC", 1)]
    assert {c.name: c.description for c in DAILY_COLUMNS}["day"] == (
        "Publication day in the time zone day_zone names (RISK_NEWS_DAY_ZONE; UTC when unset), whatever zone the "
        "feed wrote its times in: in UTC days an article published at 20:00 in New York in summer (00:00 UTC) "
        "counts on the next day, in America/New_York days on its own.")
    assert tables.NEWS_SENTIMENT_TREND.columns["day"][1] == (
        "Publication day in the time zone day_zone names (RISK_NEWS_DAY_ZONE; UTC when unset), whatever zone the "
        "feed wrote its times in (in UTC days a document published at 20:00 in New York in summer counts on the "
        "next day, in America/New_York days on its own) where date_source = published; where date_source = "
        "ingested, the day in that zone the documents were first ingested, not published (they carry no "
        "publication date).")
    assert tables.NEWS_SENTIMENT_TREND.description.startswith(
        "One row per day (00:00 to 24:00 in the time zone day_zone names: RISK_NEWS_DAY_ZONE, UTC when unset) "
        "and date source: ")


def test_a_new_york_day_zone_puts_both_articles_on_the_desk_s_day_and_a_rebuild_in_utc_replaces_it(
        risk_home, monkeypatch):
    """The assets read RISK_NEWS_DAY_ZONE at each build; rebuilt in another zone, both tables are
    replaced whole, with no row of the former zone left beside the new ones."""
    with connect(risk_home.lake_path) as con:
        _lake(con)
    resources = {"lake": LakeResource(root=str(risk_home.root))}

    monkeypatch.setenv("RISK_NEWS_DAY_ZONE", NEW_YORK)
    in_new_york = dg.materialize([news_sentiment_daily, news_sentiment_trend], resources=resources)
    with connect(risk_home.lake_path, read_only=True) as con:
        assert con.execute(DAILY_ROW).fetchall() == [(date(2024, 5, 2), NEW_YORK, 2, 0.0)]
        assert con.execute(TREND_ROW).fetchall() == [(date(2024, 5, 2), NEW_YORK, "published", 2, 0.0)]
    assert {node: in_new_york.asset_materializations_for_node(node)[0].metadata["day_zone"].value
            for node in ("news_sentiment_daily", "news_sentiment_trend")} == {
        "news_sentiment_daily": NEW_YORK, "news_sentiment_trend": NEW_YORK}

    monkeypatch.delenv("RISK_NEWS_DAY_ZONE")
    in_utc = dg.materialize([news_sentiment_daily, news_sentiment_trend], resources=resources)
    with connect(risk_home.lake_path, read_only=True) as con:
        assert con.execute(DAILY_ROW).fetchall() == [(date(2024, 5, 2), "UTC", 1, pytest.approx(0.6)),
                                                     (date(2024, 5, 3), "UTC", 1, pytest.approx(-0.6))]
        assert con.execute(TREND_ROW).fetchall() == [(date(2024, 5, 2), "UTC", "published", 1, pytest.approx(0.6)),
                                                     (date(2024, 5, 3), "UTC", "published", 1, pytest.approx(-0.6))]
    assert in_utc.asset_materializations_for_node("news_sentiment_daily")[0].metadata["day_zone"].value == "UTC"
    assert in_utc.asset_materializations_for_node("news_sentiment_trend")[0].metadata["day_zone"].value == "UTC"


def test_an_unknown_day_zone_is_refused_naming_the_setting_and_an_example(risk_home, monkeypatch):
    with pytest.raises(DayZoneError) as refused:
        news_day_zone({"RISK_NEWS_DAY_ZONE": "America/NewYork"})
    assert str(refused.value) == (
        "RISK_NEWS_DAY_ZONE='America/NewYork' is not a time zone name (closest: America/New_York): set an IANA zone "
        "name such as America/New_York, or unset it for UTC days")
    assert news_day_zone({"RISK_NEWS_DAY_ZONE": "  "}) == "UTC"

    with connect(risk_home.lake_path) as con:
        _lake(con)
    monkeypatch.setenv("RISK_NEWS_DAY_ZONE", "New York")
    failed = dg.materialize([news_sentiment_daily], resources={"lake": LakeResource(root=str(risk_home.root))},
                            raise_on_error=False)
    assert not failed.success
    (failure,) = [e for e in failed.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    assert failure.step_failure_data.error.cause.message.strip() == (
        "risk_assets.lib.ml.sentiment_scoring.DayZoneError: "
        "RISK_NEWS_DAY_ZONE='New York' is not a time zone name (closest: America/New_York): set an IANA zone name "
        "such as America/New_York, or unset it for UTC days")
    with connect(risk_home.lake_path, read_only=True) as con:  # refused before the table was built
        assert con.execute("SELECT count(*) FROM information_schema.tables "
                           "WHERE table_name = 'news_sentiment_daily'").fetchone()[0] == 0
