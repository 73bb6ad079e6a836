"""Monitoring of the lake's models: drift (PSI) against the loans the champion trained on, champion
performance per labelled vintage, the news sentiment index, and the retrain decision.

Pure computations on polars frames and plain values; no Dagster import. `risk_assets.defs.monitoring`
wires them to assets, sensors and a schedule.
"""
