"""The dbt models of the lake as Dagster assets; dbt tests become their asset checks."""

import os

import dagster as dg
from dagster_dbt import DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from risk_assets.defs.resources import LAKE_POOL, LakeResource
from risk_assets.defs.transform.project import dbt_project
from risk_assets.defs.transform.translator import LakeDbtTranslator

translator = LakeDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_code_references=True))


def _build(context: dg.AssetExecutionContext, dbt: DbtCliResource, lake: LakeResource):
    """`dbt build` of the selected models and their tests on the lake.

    dbt writes the DuckDB file, so it runs in the lake pool; the profile reads the lake's home
    from RISK_HOME, set here from the lake resource so dbt and Dagster open the same file.
    """
    os.environ["RISK_HOME"] = str(lake.home.root)
    yield from dbt.cli(["build"], context=context).stream()


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=translator,
    name="dbt_staging",
    select="path:models/staging",
    pool=LAKE_POOL,
)
def dbt_staging(context: dg.AssetExecutionContext, dbt: DbtCliResource, lake: LakeResource):
    """`dbt build` of the staging models (stg_loans, stg_news) and their dbt tests.

    A step of its own, apart from the marts, so that the blocking Python checks on stg_* (schema
    contract, row rules) run after staging and before any mart reads it: a failed ERROR check on
    either staging model stops the marts step, both marts.
    """
    yield from _build(context, dbt, lake)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=translator,
    name="dbt_marts",
    select="path:models/marts",
    pool=LAKE_POOL,
)
def dbt_marts(context: dg.AssetExecutionContext, dbt: DbtCliResource, lake: LakeResource):
    """`dbt build` of the marts (loan_features, news_features) and their dbt tests, after staging and its checks."""
    yield from _build(context, dbt, lake)


DBT_ASSETS = [dbt_staging, dbt_marts]
"""The dbt project as two Dagster steps: staging, then the marts."""
