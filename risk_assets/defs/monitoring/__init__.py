"""Dagster definitions of the monitoring domain: monitoring tables, landing and retrain sensors, the sensors that
tag each finished run with what it did, the daily schedule."""

import dagster as dg

from risk_assets.defs.monitoring.assets import loan_monitoring, news_sentiment_trend
from risk_assets.defs.monitoring.jobs import (
    ingest_loans_job,
    ingest_news_job,
    monitoring_job,
    retrain_loan_pd_job,
    retrain_news_sentiment_job,
)
from risk_assets.defs.monitoring.policy import RetrainPolicy
from risk_assets.defs.monitoring.schedules import daily_monitoring_schedule
from risk_assets.defs.monitoring.sensors import (
    dead_runs_sensor,
    failed_run_outcome_sensor,
    landing_loans_sensor,
    landing_news_sensor,
    retrain_sensor,
    run_outcome_sensor,
    sentiment_retrain_sensor,
)

defs = dg.Definitions(
    assets=[loan_monitoring, news_sentiment_trend],
    jobs=[ingest_loans_job, ingest_news_job, retrain_loan_pd_job, retrain_news_sentiment_job, monitoring_job],
    sensors=[dead_runs_sensor, landing_loans_sensor, landing_news_sensor, retrain_sensor, sentiment_retrain_sensor,
             run_outcome_sensor, failed_run_outcome_sensor],
    schedules=[daily_monitoring_schedule],
    resources={"retrain_policy": RetrainPolicy()},
)
