"""The single Definitions object of the risk_assets code location.

Each domain folder under `defs/` exposes its own `defs`; this module merges them and adds the
cross-cutting policy: resources for the environment and the in-process executor, which keeps the
steps of one run serial so that one run never competes with itself for the DuckDB write lock.
"""

import dagster as dg

from risk_assets.defs import ingest, models, monitoring, quality, showcase, transform
from risk_assets.defs.resources import resources_for_env

defs = dg.Definitions.merge(
    ingest.defs,
    quality.defs,
    transform.defs,
    models.defs,
    monitoring.defs,
    showcase.defs,
    dg.Definitions(resources=resources_for_env(), executor=dg.in_process_executor),
)
