"""Dagster definitions of the ingest domain: raw_loans and raw_news."""

import dagster as dg

from risk_assets.defs.ingest.assets import raw_loans, raw_news

defs = dg.Definitions(assets=[raw_loans, raw_news])
