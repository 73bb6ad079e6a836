"""`quarantine`: the lake's quarantine and refused files on one asset page, for a reader of the UI."""

import dagster as dg

from risk_assets.defs.resources import LAKE_POOL, LakeResource
from risk_assets.lib.report.quarantine import (
    ROWS_CAP,
    count_of,
    ledger_sections,
    quarantine_ledger,
    quarantined_lines,
    quarantined_values,
)

QUARANTINE_SCHEMA = dg.TableSchema(columns=[
    dg.TableColumn("asset", "VARCHAR", description="What set the value aside: raw_loans / raw_news at landing, a check name "
                                                   "(raw_loans_values, raw_loans_unique_per_snapshot, ...), news_scores."),
    dg.TableColumn("source_file", "VARCHAR", description="Landed file the value came from (absolute path)."),
    dg.TableColumn("file_sha256", "VARCHAR", description="sha256 of that file's bytes (raw.landed_files key)."),
    dg.TableColumn("line", "BIGINT", description="Physical line of the record in the file, 1-based (a workbook: its Excel row)."),
    dg.TableColumn("record_key", "VARCHAR", description="Loan key or article id, when one was read."),
    dg.TableColumn("column_name", "VARCHAR", description="Source column(s) of the value."),
    dg.TableColumn("rule", "VARCHAR", description="The rule it broke (unparseable_number, non_positive_amount, no_usable_text, ...)."),
    dg.TableColumn("raw_value", "VARCHAR", description="The value as the file wrote it."),
    dg.TableColumn("message", "VARCHAR", description="What was wrong, naming file, line and column."),
    dg.TableColumn("run_id", "VARCHAR", description="Dagster run that set it aside."),
    dg.TableColumn("quarantined_at", "TIMESTAMP", description="When, UTC."),
])

VALUES_SCHEMA = dg.TableSchema(columns=[
    dg.TableColumn("file", "VARCHAR", description="Name of the landed file."),
    dg.TableColumn("line", "BIGINT", description="Physical line in it, 1-based (a workbook: its Excel row)."),
    dg.TableColumn("column", "VARCHAR", description="Source column(s) of the value."),
    dg.TableColumn("rule", "VARCHAR", description="The rule it broke."),
    dg.TableColumn("raw_value", "VARCHAR", description="The value as the file wrote it."),
    dg.TableColumn("message", "VARCHAR", description="What was wrong and what to do."),
    dg.TableColumn("asset", "VARCHAR", description="What set it aside: raw_loans, raw_loans_values, ..."),
])
"""The `values` entry: one row per quarantined value, while there are at most ROWS_CAP."""


@dg.asset(
    group_name="quality",
    deps=["raw_loans", "raw_news", "stg_loans", "stg_news", "news_scores"],
    kinds={"duckdb"},
    owners=["team:risk-data"],
    pool=LAKE_POOL,
    metadata={"dagster/column_schema": QUARANTINE_SCHEMA, "dagster/table_name": "quality.quarantine"},
    description=(
        "The quarantine (table quality.quarantine): every value the lake set aside instead of loading it, "
        "with its file, line, column, rule and raw text. Landing sets aside what does not parse; the value "
        "checks on raw_loans / raw_news what breaks a range or an allowed set; raw_loans_unique_per_snapshot "
        "conflicting duplicates; news_scores articles with no usable text. This page counts them by rule "
        "and by file, quotes each group's first value, and lists the files refused whole with the reason "
        f"(raw.landed_files). Every value with its file, line, column, rule, raw text and message is in the "
        f"`values` table while there are at most {ROWS_CAP:,}; above that, `lines` gives every quarantined line "
        "as ranges per file and rule, and `risk-assets quarantine <file> --rule RULE` lists the values. "
        "Rebuilt after each landing."
    ),
)
def quarantine(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    """Summarise quality.quarantine and the refused files of raw.landed_files (read-only; writes nothing).

    Metadata: values (rows of quality.quarantine), files with a quarantined value, refused files,
    three markdown entries (`lib.report.quarantine.ledger_sections`): `summary` by rule, `by_file`
    (up to 200 file and rule groups) and `refused_files` (up to 50); and either `values`, a table of
    every quarantined value (at most ROWS_CAP rows), or `lines`, every quarantined line as ranges per
    file and rule (markdown, `quarantined_lines`).
    """
    home = lake.home
    with lake.connect(read_only=home.lake_path.exists()) as con:
        ledger = quarantine_ledger(con)
        values = quarantined_values(con)
        lines = None if values is not None else quarantined_lines(con)
    context.log.info(f"quarantine: {count_of(ledger.values, 'value')} from {count_of(ledger.files, 'file')}; "
                     f"landed files by status: {ledger.manifest or 'none'}")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": dg.MetadataValue.int(ledger.values),
        "files_with_quarantined_values": dg.MetadataValue.int(ledger.files),
        "files_refused": dg.MetadataValue.int(ledger.manifest.get("refused", 0) + ledger.manifest.get("failed", 0)),
        **{name: dg.MetadataValue.md(text) for name, text in ledger_sections(ledger).items()},
        **({"values": dg.MetadataValue.table(
            [dg.TableRecord(dict(zip(("file", "line", "column", "rule", "raw_value", "message", "asset"), row)))
             for row in values], schema=VALUES_SCHEMA)} if values is not None else {}),
        **({"lines": dg.MetadataValue.md(
            f"{count_of(ledger.values, 'value')}, more than the {ROWS_CAP:,} listed one by one: every quarantined "
            f"line by file and rule. Each value with its column, raw text and message: "
            f"`risk-assets quarantine <file> --rule RULE --limit N`.\n\n{lines}")} if lines else {}),
    })
