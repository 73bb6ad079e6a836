"""Dagster definitions of the models domain."""

import dagster as dg

defs = dg.Definitions()
