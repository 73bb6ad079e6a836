"""Dagster definitions of the models domain: the loan PD model and the news sentiment model."""

import dagster as dg

from risk_assets.defs.models import loan_pd, news_sentiment

defs = dg.Definitions.merge(loan_pd.defs, news_sentiment.defs)
