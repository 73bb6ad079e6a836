"""The code location loads, and its graph holds the assets the lake is built from."""

import dagster as dg
from dagster._core.execution.api import create_execution_plan

from risk_assets.cli import MAIN_JOB_STEPS
from risk_assets.definitions import defs


def test_definitions_load_and_validate(risk_home):
    repo = defs.get_repository_def()
    keys = {key.to_user_string() for key in repo.asset_graph.get_all_asset_keys()}
    assert {"raw_loans", "raw_news"} <= keys
    dg.Definitions.validate_loadable(defs)


def test_the_main_jobs_step_count_that_the_run_announces_is_its_plans():
    """`risk-assets run` says how many steps the whole lake has, before Dagster's log starts."""
    plan = create_execution_plan(defs.resolve_implicit_global_asset_job_def())
    steps = set(plan.step_keys_to_execute)
    assert len(steps) == MAIN_JOB_STEPS
    assert {"raw_loans", "dbt_stg_loans", "news_sentiment_model", "loan_pd_model_loan_pd_gate", "portfolio_overview"} <= steps
