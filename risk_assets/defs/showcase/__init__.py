"""Dagster definitions of the showcase: the portfolio overview for a credit committee."""

import dagster as dg

from risk_assets.defs.showcase.portfolio import portfolio_overview

defs = dg.Definitions(assets=[portfolio_overview])
