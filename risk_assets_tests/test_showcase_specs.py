"""Every asset and check explains itself in the UI: what a risk analyst sees without reading code.

Each materializable asset of the code location must carry a description, one of the product's
groups, kinds, owners, and a column schema (`dagster/column_schema`) with a description for every
column; every asset check must carry a description. Assets that are only referenced (declared as a
dependency but defined by nobody) are reported as such.
"""

from __future__ import annotations

import dagster as dg
import pytest

from risk_assets.definitions import defs

GROUPS = {"ingest", "quality", "transform", "models", "scoring", "monitoring"}

GRAPH = defs.resolve_asset_graph()
ASSETS = sorted(GRAPH.materializable_asset_keys, key=lambda k: k.to_user_string())
CHECKS = sorted(GRAPH.asset_check_keys, key=lambda k: k.to_user_string())


def spec_problems(node) -> list[str]:
    """What an analyst would miss on this asset's page, one phrase per gap (empty when complete)."""
    problems = []
    if not (node.description or "").strip():
        problems.append("no description")
    if node.group_name not in GROUPS:
        problems.append(f"group {node.group_name!r} is not one of {sorted(GROUPS)}")
    if not node.kinds:
        problems.append("no kinds")
    if not node.owners:
        problems.append("no owners")
    schema = node.metadata.get("dagster/column_schema")
    if isinstance(schema, dg.TableSchemaMetadataValue):
        schema = schema.schema
    if not isinstance(schema, dg.TableSchema) or not schema.columns:
        problems.append("no dagster/column_schema in its definition metadata")
    else:
        bare = [c.name for c in schema.columns if not (c.description or "").strip()]
        if bare:
            problems.append(f"columns without a description: {', '.join(bare)}")
    return problems


@pytest.mark.parametrize("key", ASSETS, ids=lambda k: k.to_user_string())
def test_asset_is_described_for_an_analyst(key):
    problems = spec_problems(GRAPH.get(key))
    if problems:
        pytest.fail(f"{key.to_user_string()}: " + "; ".join(problems), pytrace=False)


@pytest.mark.parametrize("key", CHECKS, ids=lambda k: k.to_user_string())
def test_asset_check_has_a_description(key):
    if not (GRAPH.get_check_spec(key).description or "").strip():
        pytest.fail(f"check {key.to_user_string()} has no description", pytrace=False)


def test_every_referenced_asset_is_defined():
    """A dependency on a key nobody defines shows as a grey external box in the lineage."""
    undefined = sorted(k.to_user_string() for k in GRAPH.external_asset_keys)
    if undefined:
        pytest.fail(f"assets referenced but not defined: {undefined}", pytrace=False)
