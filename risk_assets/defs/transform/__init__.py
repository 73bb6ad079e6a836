"""Dagster definitions of the transform domain: the dbt project (staging and marts) on the lake."""

import dagster as dg
from dagster_dbt import DbtCliResource

from risk_assets.defs.transform.assets import DBT_ASSETS
from risk_assets.defs.transform.project import dbt_executable, dbt_project

defs = dg.Definitions(
    assets=DBT_ASSETS,
    resources={"dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())},
)
