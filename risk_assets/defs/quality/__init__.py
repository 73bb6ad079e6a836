"""Dagster definitions of the quality domain: expectation suites run as blocking asset checks."""

import dagster as dg

from risk_assets.defs.quality.checks import CHECKS

defs = dg.Definitions(asset_checks=CHECKS)
