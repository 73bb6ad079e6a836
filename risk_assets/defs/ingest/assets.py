"""Ingest assets: every file landed in landing/loans or landing/news and not yet loaded goes into
the lake with row-level lineage, a quarantine for bad values and a reconciled manifest."""

import json
from functools import partial
from pathlib import Path

import dagster as dg

from risk_assets.defs.resources import LAKE_POOL, LakeResource
from risk_assets.lib.ingest.landing import TABLES, LandingFailed, LandingReport, land_folder, summarise_notes
from risk_assets.lib.ingest.note_meanings import notes_markdown
from risk_assets.lib.schema import column_descriptions

_KINDS = {"duckdb", "polars"}
_OWNERS = ["team:risk-data"]


def _schema(domain: str) -> dg.TableSchema:
    _, columns = TABLES[domain]
    descriptions = column_descriptions(columns)
    types = {c.name: c.sql_type for c in columns}
    types.update({"_source_file": "VARCHAR", "_source_line": "BIGINT", "_file_sha256": "VARCHAR",
                  "_ingested_at": "TIMESTAMP", "_run_id": "VARCHAR"})
    return dg.TableSchema(columns=[dg.TableColumn(name, types[name], description=text)
                                   for name, text in descriptions.items()])


def _markdown(rows: list[tuple], names: list[str], width: int = 60) -> str:
    def cell(value, name: str) -> str:
        text = "" if value is None else str(value)
        if len(text) > width:  # a path keeps its end, the file's name; other values their start
            text = "…" + text[1 - width:] if name == "_source_file" else text[: width - 1] + "…"
        return text.replace("|", "/").replace("\n", " ")

    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    lines += ["| " + " | ".join(cell(v, name) for v, name in zip(row, names)) + " |" for row in rows]
    return "\n".join(lines)


PREVIEW_FILES = 50
"""Files whose columns without a value the preview names; more are counted."""


def _columns_without_values(con, table: str, columns: list[str], by: str, run_id: str,
                            prefix: str) -> list[tuple[str, str, list[str]]]:
    """(file under landing, `by` value (a portfolio, a news source), canonical `columns` null in every one
    of its rows, in `columns`' order) for each file and `by` value among the rows `run_id` loaded into
    `table`: what the file does not carry (LendingClub's sample download has no issue date or interest
    rate) or leaves empty throughout. Files with every column filled are left out; `prefix` (the
    landing folder and '/') is cut from each path."""
    counts = ", ".join(f'count("{name}")' for name in columns)
    found = con.execute(
        f"SELECT CASE WHEN starts_with(_source_file, $prefix) THEN _source_file[{len(prefix) + 1}:] "
        f"ELSE _source_file END AS file, {by}, {counts} FROM {table} WHERE _run_id = $run "
        f"GROUP BY _source_file, {by} ORDER BY file, {by}", {"prefix": prefix, "run": run_id}).fetchall()
    return [(file, group, missing) for file, group, *filled in found
            if (missing := [name for name, n in zip(columns, filled) if not n])]


def _preview(con, domain: str, columns: list[str], run_id: str, landing: Path, by: str) -> str:
    """The first 10 rows `run_id` loaded into `domain`'s table, by file and line, as a markdown table
    whose `_source_file` is the file's path under `landing` ('loans/lendingclub_2007_2011.csv'), then
    a line per file and `by` value naming the canonical columns it gave no value (`_columns_without_values`),
    those of the preview in bold and first."""
    table, canonical_columns = TABLES[domain]
    prefix = str(landing).rstrip("/") + "/"
    select = ", ".join(f"CASE WHEN starts_with(_source_file, $prefix) THEN _source_file[{len(prefix) + 1}:] "
                       "ELSE _source_file END" if name == "_source_file" else name for name in columns)
    rows = con.execute(f"SELECT {select} FROM {table} WHERE _run_id = $run ORDER BY _source_file, _source_line "
                       "LIMIT 10", {"prefix": prefix, "run": run_id}).fetchall()
    if not rows:
        return "No new rows."
    canonical = [c.name for c in canonical_columns if c.name != by]
    empty = _columns_without_values(con, table, canonical, by, run_id, prefix)
    notes = []
    for file, group, names in empty[:PREVIEW_FILES]:  # the columns read empty above first, then the rest
        shown = [name for name in names if name in columns]
        rest = ", ".join(name for name in names if name not in columns)
        notes.append(f"- **{file}** ({by} {group}): " + (f"**{', '.join(shown)}**" + (f"; also {rest}" if rest else "")
                                                         if shown else rest))
    if len(empty) > PREVIEW_FILES:
        notes.append(f"- and {len(empty) - PREVIEW_FILES:,} more files")
    return _markdown(rows, columns) + ("" if not notes else (
        "\n\nColumns a file gave no value in any row (it does not carry them, or leaves them empty): they "
        "read empty above and in the table, as the file has them, not as a fault of the row.\n\n"
        + "\n".join(notes)))


QUARANTINE_LOG_LINES = 5
"""Quarantined values of a file quoted in the run's log (file, line, column, rule, raw value); all of them
are in quality.quarantine and `risk-assets quarantine <file>`."""


def _land(context: dg.AssetExecutionContext, lake: LakeResource, domain: str, parse, preview_columns: list[str],
          by: str):
    """Land `domain`'s new files and describe them for the UI; the preview names, per `by` value, the
    canonical columns that its files leave without a value (`_preview`)."""
    table, _ = TABLES[domain]
    folder = lake.home.landing / domain
    with lake.connect() as con:
        try:
            report: LandingReport = land_folder(con, folder, domain, parse, context.run_id,
                                                     asset=context.asset_key.path[-1], progress=context.log.info)
        except LandingFailed as exc:
            raise dg.Failure(description=f"landing {folder} failed: {exc}") from exc
        total = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        preview = _preview(con, domain, preview_columns, context.run_id, lake.home.landing, by)
        first_quarantined = {
            outcome.path: con.execute(
                "SELECT line, column_name, rule, raw_value FROM quality.quarantine WHERE run_id = ? AND source_file = ? "
                f"ORDER BY line, column_name LIMIT {QUARANTINE_LOG_LINES}", [context.run_id, str(outcome.path)]).fetchall()
            for outcome in report.files if outcome.rows_quarantined}
    by_rule = report.quarantined_by_rule()
    notes = {}
    for outcome in report.files:
        log = (context.log.warning if outcome.outcome in ("refused", "failed", "changing", "source_missing")
               else context.log.info)
        fmt = f" {outcome.format}" if outcome.format else ""
        log(f"{outcome.path}: {outcome.outcome}{fmt} loaded={outcome.rows_loaded} "
            f"quarantined_at_landing={outcome.rows_quarantined} non-data={outcome.non_data_lines} {outcome.message or ''}")
        if first_quarantined.get(outcome.path):
            shown = "; ".join(f"line {line} {column or '-'} {rule} {'' if raw is None else repr(raw[:40])}".rstrip()
                              for line, column, rule, raw in first_quarantined[outcome.path])
            context.log.info(f"{Path(outcome.path).name}: first quarantined: {shown}; every value: "
                             f"risk-assets quarantine {Path(outcome.path).name}")
        if summary := summarise_notes(outcome.notes):
            notes[Path(outcome.path).name] = summary
            context.log.info(f"{outcome.path}: notes {json.dumps(summary, default=str)}")
        for said in ("published_at_unread", "headline_scored_beside_unread_text"):
            if unread := outcome.notes.get(said):  # times or article text left unread: never only a note
                context.log.warning(f"{outcome.path}: {unread}")
    if report.rows_loaded:  # the counts above are the parse's; verify's 'held out by quarantine' adds the check's
        context.log.info(f"the value rules run next as the check {context.asset_key.path[-1]}_values: the rows it "
                         "fails are quarantined after landing (risk-assets quarantine lists them by file and rule)")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": dg.MetadataValue.int(total),
        "dagster/column_schema": _schema(domain),
        "files": dg.MetadataValue.md(report.files_markdown() if report.files else "No new file in landing."),
        "rows_loaded_this_run": dg.MetadataValue.int(report.rows_loaded),
        "quarantined_at_landing": dg.MetadataValue.md(
            (_markdown(list(by_rule.items()), ["rule", "values quarantined"]) if by_rule else
             "Nothing quarantined at landing (every value of the new files parsed).")
            + f"\n\nThe value rules (ranges, allowed sets) run next as the check `{context.asset_key.path[-1]}_values` "
              "on the whole table: the rows it fails are quarantined too; see its result in the Checks tab."),
        "preview": dg.MetadataValue.md(preview),
        # a table in plain words for the reader; the notes as the manifest keeps them for code and tests
        "reader_notes": dg.MetadataValue.md(notes_markdown(notes)),
        **({"reader_notes_json": dg.MetadataValue.json(json.loads(json.dumps(notes, default=str)))} if notes else {}),
        "landing_folder": dg.MetadataValue.path(str(folder)),
    })


@dg.asset(
    group_name="ingest",
    kinds=_KINDS,
    owners=_OWNERS,
    pool=LAKE_POOL,
    metadata={"dagster/column_schema": _schema("loans"), "dagster/table_name": "raw.loans"},
    description=(
        "Loan tapes as landed (table raw.loans): every LendingClub, SBA or mapped tape dropped in "
        "landing/loans, one row per loan record in the source's own terms, typed into the canonical "
        "columns (money in USD, rates as fractions, terms in months) with the default flag derived from "
        "the source's status (NULL while a loan has no outcome). Each row names the file, physical line "
        "and file hash it came from. Values that do not parse or break a plausibility rule are in "
        "quality.quarantine, never silently empty; raw.landed_files proves per file that every record "
        "was loaded, quarantined or skipped as a note, marker or footer. The same bytes landed twice "
        "load once. Post-outcome SBA columns (chargeoff_*, balance_gross) are kept here for audit only."
    ),
)
def raw_loans(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    from risk_assets.lib.ingest.loan_formats import parse_loan_file

    # a large tape types its values for most of a minute: the same log says how far it is
    parse = partial(parse_loan_file, mapping_dirs=[lake.home.mappings], landing=lake.home.landing_loans,
                    progress=context.log.info)
    return _land(context, lake, "loans", parse, [
        "loan_key", "portfolio", "origination_date", "loan_status", "default_flag", "loan_amount",
        "term_months", "int_rate", "_source_file", "_source_line",
    ], by="portfolio")


@dg.asset(
    group_name="ingest",
    kinds=_KINDS,
    owners=_OWNERS,
    pool=LAKE_POOL,
    metadata={"dagster/column_schema": _schema("news"), "dagster/table_name": "raw.news"},
    description=(
        "Financial news as landed (table raw.news): Financial PhraseBank files and article feeds "
        "dropped in landing/news, one row per sentence or article with its raw text, cleaned text, "
        "sentiment label where the source gives one and publication time in UTC. Rows without usable "
        "text are in quality.quarantine with the reason; every row names its file, line and file hash."
    ),
)
def raw_news(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    from risk_assets.lib.ingest.news_formats import parse_news_file

    parse = partial(parse_news_file, mapping_dirs=[lake.home.mappings])  # news settings: mappings/news/
    return _land(context, lake, "news", parse, [
        "doc_id", "source", "label", "text_clean", "_source_file", "_source_line",
    ], by="source")
