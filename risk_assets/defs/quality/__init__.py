"""Dagster definitions of the quality domain."""

import dagster as dg

defs = dg.Definitions()
