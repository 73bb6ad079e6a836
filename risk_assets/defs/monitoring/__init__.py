"""Dagster definitions of the monitoring domain."""

import dagster as dg

defs = dg.Definitions()
