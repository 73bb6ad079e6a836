"""The daily sentiment index: one row per publication day, articles counted once, tickers each, and
by whether the scoring version trained on, held out or never saw them."""

from __future__ import annotations

import pytest

from risk_assets.lib.lake import connect
from risk_assets.lib.ml.sentiment_scoring import build_daily_index, sample_counts, sample_line


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


def test_a_day_counts_its_articles_by_sample_and_nets_the_unseen_alone(risk_home):
    """Of a day's four articles the version trained on one, held out one and never saw two:
    n_train 1, n_holdout 1, n_unseen 2, and net_sentiment_unseen averages the two unseen only,
    while net_sentiment keeps averaging all four. A day with no unseen article has NULL."""
    with connect(risk_home.lake_path) as con:
        con.execute("CREATE TABLE marts.news_features (doc_id VARCHAR, ticker VARCHAR, published_at TIMESTAMP)")
        con.execute("INSERT INTO marts.news_features VALUES ('t', 'A', '2024-05-02 09:00'), ('h', 'A', '2024-05-02 10:00'), "
                    "('u1', 'B', '2024-05-02 11:00'), ('u2', 'C', '2024-05-02 12:00'), ('t2', 'A', '2024-05-03 09:00')")
        con.execute("CREATE TABLE ml.news_scores (doc_id VARCHAR, label VARCHAR, p_negative DOUBLE, "
                    "p_positive DOUBLE, model_version VARCHAR, sample VARCHAR)")
        con.execute("INSERT INTO ml.news_scores VALUES ('t', 'positive', 0.0, 0.99, 'v1', 'train'), "
                    "('h', 'positive', 0.05, 0.9, 'v1', 'holdout'), ('u1', 'negative', 0.7, 0.1, 'v1', 'unseen'), "
                    "('u2', 'neutral', 0.3, 0.2, 'v1', 'unseen'), ('t2', 'negative', 0.9, 0.0, 'v1', 'train')")
        assert build_daily_index(con) == 2
        daily = con.execute("SELECT day::VARCHAR, n_articles, n_train, n_holdout, n_unseen, net_sentiment, "
                            "net_sentiment_unseen FROM ml.news_sentiment_daily ORDER BY day").fetchall()
    assert [d[:5] for d in daily] == [("2024-05-02", 4, 1, 1, 2), ("2024-05-03", 1, 1, 0, 0)]
    assert daily[0][5] == pytest.approx((0.99 + 0.85 - 0.6 - 0.1) / 4)
    assert daily[0][6] == pytest.approx((-0.6 - 0.1) / 2)
    assert daily[1][6] is None


def test_scores_written_before_the_sample_column_count_as_unknown_not_unseen(risk_home):
    """A lake whose ml.news_scores predates `sample`: the daily index still builds, counts none of
    its articles as train, holdout or unseen, and has no unseen net sentiment; sample_counts calls
    them unknown."""
    with connect(risk_home.lake_path) as con:
        con.execute("CREATE TABLE marts.news_features (doc_id VARCHAR, ticker VARCHAR, published_at TIMESTAMP)")
        con.execute("INSERT INTO marts.news_features VALUES ('a1', 'A', '2024-05-02 09:00'), ('a2', 'B', '2024-05-02 10:00')")
        con.execute("CREATE TABLE ml.news_scores (doc_id VARCHAR, label VARCHAR, p_negative DOUBLE, "
                    "p_positive DOUBLE, model_version VARCHAR)")
        con.execute("INSERT INTO ml.news_scores VALUES ('a1', 'positive', 0.1, 0.7, 'v1'), ('a2', 'neutral', 0.2, 0.2, 'v1')")
        assert build_daily_index(con) == 1
        daily = con.execute("SELECT n_articles, n_train, n_holdout, n_unseen, net_sentiment_unseen "
                            "FROM ml.news_sentiment_daily").fetchall()
        counts = sample_counts(con)
    assert daily == [(2, 0, 0, 0, None)]
    assert counts == {"train": 0, "holdout": 0, "unseen": 0, "unknown": 2}
    assert sample_line(counts) == "0 train, 0 holdout, 0 unseen, 2 unknown"


def test_the_scoring_pages_count_articles_and_never_call_the_holdout_in_sample():
    """The sample lake's figures: 967 holdout sentences on the card, 989 holdout articles on the
    scoring pages (their copies in the other PhraseBank file): the line says which it counts."""
    from risk_assets.lib.ml.sentiment_scoring import seen_line

    line = seen_line({"train": 4312, "holdout": 989, "unseen": 17, "unknown": 0}, "news_sentiment",
                     "20261207T021100Z-99d816b0")
    assert line == ("of the 5,318 articles scored, news_sentiment 20261207T021100Z-99d816b0 trained on 4,312 "
                    "(in-sample), was judged on 989 when gated (its holdout) and never saw 17 (out of sample); "
                    "articles, each copy of a sentence in another file, case or spacing counted, where the model "
                    "card counts the model's distinct sentences")
    assert "held out 5,301" not in line and "trained on or held out" not in line
    assert seen_line({"train": 3, "holdout": 1, "unseen": 0, "unknown": 2}, "news_sentiment", "v").startswith(
        "of the 6 articles scored, news_sentiment v trained on 3 (in-sample), was judged on 1 when gated (its "
        "holdout) and never saw 0 (out of sample); 2 unknown; articles")
    assert seen_line({"train": 0, "holdout": 0, "unseen": 0, "unknown": 5}, "news_sentiment", "v") == (
        "unknown for all 5 articles scored: the artifact of news_sentiment v does not record the sentences it "
        "trained and was judged on")
