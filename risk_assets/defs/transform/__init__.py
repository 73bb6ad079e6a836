"""Dagster definitions of the transform domain."""

import dagster as dg

defs = dg.Definitions()
