"""The dbt models of the lake as Dagster assets; dbt tests become their asset checks."""

import os

import dagster as dg
from dagster_dbt import DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from risk_assets.defs.resources import LAKE_POOL, LakeResource
from risk_assets.defs.transform.project import dbt_project
from risk_assets.defs.transform.translator import LakeDbtTranslator

translator = LakeDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_code_references=True))


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=translator,
    name="dbt_lake",
    pool=LAKE_POOL,
)
def dbt_lake(context: dg.AssetExecutionContext, dbt: DbtCliResource, lake: LakeResource):
    """`dbt build` of the selected models and their tests on the lake (staging and marts schemas).

    dbt writes the DuckDB file, so it runs in the lake pool; the profile reads the lake's home
    from RISK_HOME, set here from the lake resource so dbt and Dagster open the same file.
    """
    os.environ["RISK_HOME"] = str(lake.home.root)
    yield from dbt.cli(["build"], context=context).stream()
