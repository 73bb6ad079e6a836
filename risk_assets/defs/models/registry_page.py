"""`model_registry`: the champions and every trained version on one asset page."""

import dagster as dg

from risk_assets.defs.resources import LAKE_POOL, LakeResource
from risk_assets.lib.report.registry import registry_sections

REGISTRY_SCHEMA = dg.TableSchema(columns=[
    dg.TableColumn("model", "VARCHAR", description="`loan_pd_<portfolio>` or `news_sentiment`."),
    dg.TableColumn("version", "VARCHAR", description="Version id; its artifact is `RISK_HOME/artifacts/<model family>/<version>/`."),
    dg.TableColumn("status", "VARCHAR", description="candidate, champion (scores the book), retired, rejected (the gate kept the champion)."),
    dg.TableColumn("artifact_path", "VARCHAR", description="Folder of the safetensors weights and JSON metadata."),
    dg.TableColumn("primary_metric", "VARCHAR", description="The gate's metric: holdout AUC (PD), macro-F1 (sentiment)."),
    dg.TableColumn("primary_value", "DOUBLE", description="Its value on the holdout, 0-1."),
    dg.TableColumn("data_snapshot", "VARCHAR", description="Hash of the training data."),
    dg.TableColumn("trained_at", "TIMESTAMP", description="UTC."),
    dg.TableColumn("promoted_at", "TIMESTAMP", description="UTC; when it became champion."),
    dg.TableColumn("reason", "VARCHAR", description="The gate's reason for its status."),
    dg.TableColumn("run_id", "VARCHAR", description="Dagster run that trained it."),
])


@dg.asset(
    group_name="models",
    deps=["loan_pd_model", "news_sentiment_model"],
    kinds={"duckdb"},
    owners=["team:risk-models"],
    pool=LAKE_POOL,
    metadata={"dagster/column_schema": REGISTRY_SCHEMA, "dagster/table_name": "ml.model_registry"},
    description=(
        "The model registry (table ml.model_registry, changes in ml.model_registry_events): which version of "
        "each model is champion and scores the book, every version trained with its status, gate metric and "
        "the reason of its latest change (the gate's verdict, or an operator's rollback or retirement with "
        "their reason), and the latest status changes. A version the time budget cut short says so first, in "
        "its status and its reason ('trained short (229 of 396 steps): ...'). Rebuilt after each training; a "
        "change made by hand (`risk-assets registry`) shows on the model's own page at once and here at the next build."
    ),
)
def model_registry(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    """Summarise ml.model_registry and ml.model_registry_events (read-only; writes nothing).

    Metadata: versions (rows of the registry), one `champion <model>` text per model (its version,
    or 'none'), and the markdown `champions`, `versions` and `latest_changes`
    (`lib.report.registry.registry_sections`).
    """
    home = lake.home
    with lake.connect(read_only=home.lake_path.exists()) as con:
        sections, champions = registry_sections(con)
        versions = con.execute("SELECT count(*) FROM ml.model_registry").fetchone()[0] if champions else 0
    context.log.info("champions: " + (", ".join(f"{m} {v}" for m, v in champions.items()) or "none"))
    return dg.MaterializeResult(metadata={
        "dagster/row_count": dg.MetadataValue.int(versions),
        **{f"champion {model}": dg.MetadataValue.text(version) for model, version in champions.items()},
        **{name: dg.MetadataValue.md(text) for name, text in sections.items()},
    })
