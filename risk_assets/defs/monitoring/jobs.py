"""Jobs the monitoring sensors and schedule launch.

- ingest_loans / ingest_news: the ingest asset and everything downstream of it except model
  training (group models): features, scores, checks and monitoring refresh after each landing,
  while retraining stays the retrain sensor's decision.
- retrain_loan_pd: loan_pd_model and everything downstream (its gate, scoring, monitoring).
- retrain_news_sentiment: news_sentiment_model and everything downstream (gate, scores, index).
- monitoring: the monitoring group alone (the daily schedule).

Selections are written in Dagster's selection syntax, which resolves an asset another domain has not
defined yet to nothing instead of failing the whole code location.
"""

import dagster as dg

ingest_loans_job = dg.define_asset_job(
    "ingest_loans",
    selection=dg.AssetSelection.from_string("key:raw_loans+ and not group:models"),
    description="Ingest the loan tapes new in landing/loans, then refresh features, PD scores and monitoring (no training).",
)
ingest_news_job = dg.define_asset_job(
    "ingest_news",
    selection=dg.AssetSelection.from_string("key:raw_news+ and not group:models"),
    description="Ingest the news files new in landing/news, then refresh features, sentiment scores and the sentiment trend (no training).",
)
retrain_loan_pd_job = dg.define_asset_job(
    "retrain_loan_pd",
    selection=dg.AssetSelection.from_string("key:loan_pd_model+"),
    description="Retrain the loan PD model; the gate promotes the candidate only if it beats its own logistic-regression baseline and the champion on the same holdout; then rescore and refresh monitoring.",
)
retrain_news_sentiment_job = dg.define_asset_job(
    "retrain_news_sentiment",
    selection=dg.AssetSelection.from_string("key:news_sentiment_model+"),
    description="Retrain the news sentiment model; its gate promotes the candidate only if it beats the champion's macro-F1 on the same holdout; then rescore the news and refresh the sentiment index.",
)
monitoring_job = dg.define_asset_job(
    "monitoring",
    selection=dg.AssetSelection.groups("monitoring"),
    description="Refresh every monitoring table (drift, vintage performance, news sentiment trend).",
)
