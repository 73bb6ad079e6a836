"""Data quality for the lake: expectation suites (great-expectations 1.x on pandas), duplicate and
leakage checks, and the record of every verdict (quality.check_results, quality.quarantine).

No Dagster import here: `risk_assets.defs.quality` wraps these functions as asset checks.
"""
