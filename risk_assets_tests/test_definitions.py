"""The code location loads, and its graph holds the assets the lake is built from."""

import dagster as dg

from risk_assets.definitions import defs


def test_definitions_load_and_validate(risk_home):
    repo = defs.get_repository_def()
    keys = {key.to_user_string() for key in repo.asset_graph.get_all_asset_keys()}
    assert {"raw_loans", "raw_news"} <= keys
    dg.Definitions.validate_loadable(defs)
