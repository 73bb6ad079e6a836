"""Dagster definitions of the quality domain: expectation suites run as blocking asset checks, and
the quarantine's own asset page."""

import dagster as dg

from risk_assets.defs.quality.checks import CHECKS
from risk_assets.defs.quality.ledger import quarantine

defs = dg.Definitions(assets=[quarantine], asset_checks=CHECKS)
