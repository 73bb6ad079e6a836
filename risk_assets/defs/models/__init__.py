"""Dagster definitions of the models domain: the loan PD model, the news sentiment model and the
registry's page."""

import dagster as dg

from risk_assets.defs.models import loan_pd, news_sentiment
from risk_assets.defs.models.registry_page import model_registry

defs = dg.Definitions.merge(loan_pd.defs, news_sentiment.defs, dg.Definitions(assets=[model_registry]))
