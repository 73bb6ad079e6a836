"""Thin Dagster wrappers around risk_assets.lib, one folder per domain."""
