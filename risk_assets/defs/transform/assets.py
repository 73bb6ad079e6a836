"""The dbt models of the lake as Dagster assets; dbt tests become their asset checks."""

import os

import dagster as dg
from dagster_dbt import DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from risk_assets.defs.resources import LAKE_POOL, LakeResource
from risk_assets.defs.transform.project import dbt_project
from risk_assets.defs.transform.translator import LakeDbtTranslator

translator = LakeDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_code_references=True))


_DBT_STEP = {"manifest": dbt_project.manifest_path, "project": dbt_project, "dagster_dbt_translator": translator,
             "pool": LAKE_POOL}
"""What both dbt steps share; each adds its name and its dbt selection."""


def _build(context: dg.AssetExecutionContext, dbt: DbtCliResource, lake: LakeResource):
    """`dbt build` of the step's models and their tests on the lake.

    dbt writes the DuckDB file, so each step runs in the lake pool; the profile reads the lake's home
    from RISK_HOME, set here from the lake resource so dbt and Dagster open the same file.
    """
    os.environ["RISK_HOME"] = str(lake.home.root)
    yield from dbt.cli(["build"], context=context).stream()


@dbt_assets(**_DBT_STEP, name="dbt_staging", select="path:models/staging")
def dbt_staging(context: dg.AssetExecutionContext, dbt: DbtCliResource, lake: LakeResource):
    """dbt staging models (stg_loans, stg_news) and their tests. A step of its own, so that the
    blocking checks on staging run before any mart is built from it."""
    yield from _build(context, dbt, lake)


@dbt_assets(**_DBT_STEP, name="dbt_marts", select="path:models/marts")
def dbt_marts(context: dg.AssetExecutionContext, dbt: DbtCliResource, lake: LakeResource):
    """dbt marts (loan_features, news_features) and their tests, built once staging passed its checks."""
    yield from _build(context, dbt, lake)


DBT_ASSETS = [dbt_staging, dbt_marts]
"""The dbt project in two steps, staging then marts."""
