"""How dbt resources appear in Dagster: keys, group, owners, descriptions, column schemas.

dbt models keep their own names as plain asset keys (stg_loans, stg_news, loan_features,
news_features) in group `transform`; the dbt sources raw.loans and raw.news map onto the ingest
assets raw_loans and raw_news, so lineage runs from the landed files to the marts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator

from risk_assets.lib.schema import LINEAGE, LOAN_COLUMNS, NEWS_COLUMNS

SOURCE_ASSETS = {("raw", "loans"): "raw_loans", ("raw", "news"): "raw_news", ("raw", "landed_files"): "raw_loans"}
"""dbt source (source name, table) -> Dagster asset key of the ingest asset that writes it. The
manifest raw.landed_files is written by both ingest assets; the dbt models read only loan tapes'
rows of it (marts.loan_features: a mapping's default_cured), so it is raw_loans's."""

CANONICAL_TYPES = {c.name: (c.sql_type, c.description) for c in (*LOAN_COLUMNS, *NEWS_COLUMNS, *LINEAGE)}


class LakeDbtTranslator(DagsterDbtTranslator):
    """Plain model names as keys, group `transform`, team owner, column schema from the manifest
    completed by the canonical schema's types and descriptions."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            key = (dbt_resource_props["source_name"], dbt_resource_props["name"])
            if key in SOURCE_ASSETS:
                return dg.AssetKey(SOURCE_ASSETS[key])
        return dg.AssetKey(dbt_resource_props["name"])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return "transform"

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> Sequence[str] | None:
        return ["team:risk-data"]

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        description = (dbt_resource_props.get("description") or "").strip()
        schema, name = dbt_resource_props.get("schema"), dbt_resource_props.get("name")
        if not description:
            return super().get_description(dbt_resource_props)
        sql = (dbt_resource_props.get("raw_code") or "").strip()
        code = f"\n\n#### SQL\n\n```sql\n{sql}\n```" if sql else ""
        return f"{description}\n\nTable `{schema}.{name}` in the DuckDB lake, built by dbt.{code}"

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        """dbt tests as asset checks, each with a sentence saying what it guards (from the test's
        name and arguments when the YAML gives no description)."""
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None or spec.description:
            return spec
        return spec._replace(description=describe_dbt_test(manifest["nodes"].get(unique_id, {})))

    def get_metadata(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, Any]:
        metadata = dict(super().get_metadata(dbt_resource_props))
        documented = dbt_resource_props.get("columns") or {}
        if documented and dbt_resource_props["resource_type"] == "model":
            metadata["dagster/column_schema"] = dg.TableSchema(
                columns=[
                    dg.TableColumn(
                        name=name,
                        type=CANONICAL_TYPES.get(name, ("", ""))[0] or (column.get("data_type") or "unknown"),
                        description=column.get("description") or CANONICAL_TYPES.get(name, ("", ""))[1],
                    )
                    for name, column in documented.items()
                ]
            )
        return metadata


TEST_SENTENCES = {
    "not_null": "every row has a value in `{column}`",
    "unique": "no two rows share the same `{column}`",
    "accepted_values": "`{column}` only takes the values {values}",
    "unique_combination_of_columns": "no two rows share the same ({columns})",
    "relationships": "every `{column}` exists in {to}",
}


def describe_dbt_test(node: Mapping[str, Any]) -> str:
    """One sentence for a dbt test node of the manifest, e.g. 'dbt test: every row has a value in
    `loan_key`.' Falls back to the test's name for tests without a known template."""
    meta = node.get("test_metadata") or {}
    kwargs = dict(meta.get("kwargs") or {})
    column = kwargs.get("column_name") or node.get("column_name") or ""
    template = TEST_SENTENCES.get(meta.get("name", ""))
    if template is None:
        return f"dbt test `{node.get('name', 'unnamed')}` on the built table; fails the dbt step when rows break it."
    values = ", ".join(str(v) for v in kwargs.get("values", []))
    columns = ", ".join(f"`{c}`" for c in kwargs.get("combination_of_columns", []))
    sentence = template.format(column=column, values=values, columns=columns, to=kwargs.get("to", "the parent table"))
    return f"dbt test: {sentence}. A failure stops the models built after it in the same dbt step."
