"""The dbt models of the lake as Dagster assets; dbt tests become their asset checks."""

import os

import dagster as dg
from dagster_dbt import DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from risk_assets.defs.resources import LAKE_POOL, LakeResource
from risk_assets.defs.transform.project import dbt_project
from risk_assets.defs.transform.translator import LakeDbtTranslator

translator = LakeDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_code_references=True))


def _dbt_step(model: str) -> dg.AssetsDefinition:
    """One dbt model (and its dbt tests) as a step of its own, named dbt_<model>.

    One step per model lets the blocking checks on a staging table run before the mart built from
    it, and keeps the loan and news lineages apart: a failing check on stg_loans stops
    loan_features and what follows it, while news goes on.
    """

    @dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=translator,
                pool=LAKE_POOL, name=f"dbt_{model}", select=model)
    def step(context: dg.AssetExecutionContext, dbt: DbtCliResource, lake: LakeResource):
        """`dbt build` of the model and its tests on the lake. dbt writes the DuckDB file, so the step
        runs in the lake pool; the profile reads the lake's home from RISK_HOME, set here from the
        lake resource so dbt and Dagster open the same file. Each invocation writes to a target folder
        of its own (dagster-dbt), where no partial-parse cache can be, so dbt is told not to look for
        one (it would print 'Unable to do partial parsing' at every step); the parse is a full one either way."""
        os.environ["RISK_HOME"] = str(lake.home.root)
        yield from dbt.cli(["build", "--no-partial-parse"], context=context).stream()

    return step


DBT_ASSETS = [_dbt_step(model) for model in ("stg_loans", "loan_features", "stg_news", "news_features")]
"""The dbt project as four steps, one per model: staging then marts, loans and news apart."""
