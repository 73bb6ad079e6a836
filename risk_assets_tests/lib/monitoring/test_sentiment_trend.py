"""monitoring.news_sentiment_trend: the daily index and its 7-day mean, undated documents dated by
their first ingest, and each day's documents by whether the scoring version trained on them."""

from __future__ import annotations

import pytest

from risk_assets.lib.lake import connect
from risk_assets.lib.monitoring.sentiment import sentiment_trend


def _lake(con, with_sample: bool = True) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute("CREATE TABLE raw.news (doc_id VARCHAR, _ingested_at TIMESTAMP)")
    con.execute("INSERT INTO raw.news VALUES ('t', '2024-06-01 08:00'), ('t', '2024-06-09 08:00'), "
                "('u1', '2024-06-01 08:00'), ('u2', '2024-06-01 08:00'), ('h', '2024-06-01 08:00'), "
                "('p', '2024-06-01 08:00'), ('q', '2024-06-01 08:00')")
    con.execute("CREATE TABLE marts.news_features (doc_id VARCHAR, published_at TIMESTAMP)")
    con.execute("INSERT INTO marts.news_features VALUES ('t', NULL), ('u1', NULL), ('u2', NULL), ('h', NULL), "
                "('p', '2024-05-01 09:00'), ('q', '2024-05-07 09:00')")
    sample = ", sample VARCHAR" if with_sample else ""
    con.execute(f"CREATE TABLE ml.news_scores (doc_id VARCHAR, p_negative DOUBLE, p_neutral DOUBLE, p_positive DOUBLE{sample})")
    rows = [("t", 0.0, 0.05, 0.95, "train"), ("h", 0.1, 0.2, 0.7, "holdout"), ("u1", 0.7, 0.2, 0.1, "unseen"),
            ("u2", 0.2, 0.6, 0.2, "unseen"), ("p", 0.1, 0.1, 0.8, "unseen"), ("q", 0.6, 0.3, 0.1, "train")]
    con.executemany(f"INSERT INTO ml.news_scores VALUES (?, ?, ?, ?{', ?' if with_sample else ''})",
                    [r if with_sample else r[:4] for r in rows])


COLUMNS = ["day", "date_source", "documents", "documents_train", "documents_holdout", "documents_unseen"]


def test_each_day_counts_its_documents_by_sample_and_indexes_the_unseen_alone(risk_home):
    """Four undated documents, first ingested on 1 June (one again on 9 June: its first ingest
    counts), and two published in May. The ingest day holds one train, one holdout and two unseen
    documents: its index averages all four (0.95 + 0.6 - 0.6 + 0 over 4), its unseen index the two
    unseen alone ((-0.6 + 0) / 2). 7 May's 7-day mean takes in 1 May (6 days before), and 7 May,
    all train, has no unseen index."""
    with connect(risk_home.lake_path) as con:
        _lake(con)
        trend = sentiment_trend(con).sort("date_source", "day")
    assert trend.select(COLUMNS).rows() == [
        (trend["day"][0], "ingested", 4, 1, 1, 2),
        (trend["day"][1], "published", 1, 0, 0, 1),
        (trend["day"][2], "published", 1, 1, 0, 0),
    ]
    assert [str(d) for d in trend["day"]] == ["2024-06-01", "2024-05-01", "2024-05-07"]
    assert trend["sentiment_index"].to_list() == pytest.approx([(0.95 + 0.6 - 0.6 + 0.0) / 4, 0.7, -0.5])
    assert trend["sentiment_index_unseen"].to_list()[:2] == pytest.approx([-0.3, 0.7])
    assert trend["sentiment_index_unseen"][2] is None
    assert trend["index_7d"][2] == pytest.approx((0.7 - 0.5) / 2)
    assert trend["negative_share"].to_list() == pytest.approx([0.25, 0.0, 1.0])


def test_scores_written_before_the_sample_column_are_counted_as_unknown(risk_home):
    """An ml.news_scores without `sample` (written before it existed): the trend still builds, and
    none of its documents is called train, holdout or unseen."""
    with connect(risk_home.lake_path) as con:
        _lake(con, with_sample=False)
        trend = sentiment_trend(con).sort("date_source", "day")
    assert trend["documents"].to_list() == [4, 1, 1]
    assert trend["documents_train"].to_list() == trend["documents_unseen"].to_list() == [0, 0, 0]
    assert trend["sentiment_index_unseen"].null_count() == 3


def test_rows_dated_by_ingestion_say_so_in_the_assets_metadata_and_preview(risk_home):
    """The undated documents' row (the ingest day, 1 June) is no day's market sentiment: the asset's
    metadata and preview say it is dated by ingestion, not publication, and its description says
    what date_source = ingested means."""
    import dagster as dg

    from risk_assets.defs.monitoring.assets import news_sentiment_trend
    from risk_assets.defs.resources import LakeResource
    from risk_assets.lib.monitoring.sentiment import trend_dating

    with connect(risk_home.lake_path) as con:
        _lake(con)
    result = dg.materialize([news_sentiment_trend], resources={"lake": LakeResource(root=str(risk_home.root))})
    meta = result.asset_materializations_for_node("news_sentiment_trend")[0].metadata
    dating = ("1 day dated by ingestion, not publication (4 documents without a publication date, dated by the day "
              "they were ingested: not that day's market sentiment); 2 days by publication date (2 documents)")
    assert meta["dating"].value == dating
    assert (meta["days_by_ingestion"].value, meta["days_by_publication"].value) == (1, 2)
    assert meta["preview"].value.startswith(f"**{dating[0].upper()}{dating[1:]}.**\n\n| day | date_source |")
    assert "dated by ingestion, not publication" in news_sentiment_trend.descriptions_by_key[
        news_sentiment_trend.key]
    with connect(risk_home.lake_path) as con:
        con.execute("DELETE FROM marts.news_features WHERE published_at IS NULL")
        con.execute("DELETE FROM ml.news_scores WHERE doc_id NOT IN (SELECT doc_id FROM marts.news_features)")
        assert trend_dating(sentiment_trend(con)) == "every row dated by publication: 2 days by publication date (2 documents)"


def test_the_overview_says_the_trend_dates_undated_news_by_ingestion(risk_home):
    from risk_assets.lib.report.portfolio import _why_no_daily_sentiment

    with connect(risk_home.lake_path) as con:
        _lake(con)
        con.execute("UPDATE marts.news_features SET published_at = NULL")
        con.execute("INSERT INTO ml.model_registry (model, version, status, artifact_path) "
                    "VALUES ('news_sentiment', 'v1', 'champion', 'v1')")
        assert _why_no_daily_sentiment(con) == (
            "none of the 6 articles carries a publication date (the PhraseBank sample has none); "
            "monitoring.news_sentiment_trend dates them by the day they were ingested instead (date_source = "
            "ingested), which is not that day's market sentiment")
