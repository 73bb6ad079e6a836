"""A code location for the dead-run test: one asset in pool `lake` that holds its slot for ten
minutes (the test kills it first), and one that takes the slot and returns at once."""

import time

import dagster as dg

from risk_assets.defs.resources import LAKE_POOL


@dg.asset(pool=LAKE_POOL)
def holds_the_lake() -> None:
    time.sleep(600)  # the test kills it long before; a loaded machine must not see it end first


@dg.asset(pool=LAKE_POOL)
def needs_the_lake() -> None:
    return None


defs = dg.Definitions(assets=[holds_the_lake, needs_the_lake], executor=dg.in_process_executor)
