"""`portfolio_overview`: the lake summarised for a credit committee, in the UI and as an HTML report."""

from datetime import datetime, timezone

import dagster as dg

from risk_assets.defs.resources import LAKE_POOL, LakeResource
from risk_assets.lib.report.portfolio import BookPD, build_overview, how_to_open, overview_html, overview_markdown

GRADE_TABLE_SCHEMA = dg.TableSchema(
    columns=[
        dg.TableColumn("portfolio", "VARCHAR", description="Tape family: lendingclub, sba, or a declared mapping's name."),
        dg.TableColumn("risk_grade", "VARCHAR", description="Risk grade band of the loan's PD, from ml.loan_scores ('ungraded' when none)."),
        dg.TableColumn("loans", "BIGINT", description="Number of loans (one per loan key, latest snapshot)."),
        dg.TableColumn("exposure", "DOUBLE", description="Sum of loan amounts, in USD unless the portfolio names another currency ('nwc (EUR)'); never converted."),
        dg.TableColumn("mean_pd", "DOUBLE", description="Mean probability of default from the champion model, fraction 0-1."),
        dg.TableColumn("observed_default_rate", "DOUBLE", description="Defaults / labelled loans, fraction 0-1; labelled = outcome known."),
    ]
)
"""Columns of the overview's main table, loans and exposure by portfolio and risk grade."""


@dg.asset(
    group_name="scoring",
    deps=["loan_scores", "news_sentiment_daily"],
    kinds={"duckdb", "html"},
    owners=["team:risk-models"],
    pool=LAKE_POOL,
    metadata={"dagster/column_schema": GRADE_TABLE_SCHEMA},
    description=(
        "Portfolio overview for the credit committee: loans and exposure (sum of loan amounts, per currency) by risk grade and by "
        "vintage, the PD distribution, the observed default rate by vintage, the news sentiment trend "
        "and the open quality issues (failed checks, quarantined values). Shown here as markdown with "
        "plots; also written as a self-contained HTML report to RISK_HOME/reports/portfolio_overview.html "
        "with a dated copy, for readers without access to this UI. A table not in the lake yet is "
        "named in the report instead of failing the run."
    ),
)
def portfolio_overview(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    """Read the lake (read-only), render the overview, write reports/portfolio_overview[_<date>].html.

    The report's figures: loans (count), exposure (sum of loan amounts per currency, USD unless a
    portfolio names another), PD and default rates (fractions 0-1).
    """
    home = lake.home
    with lake.connect(read_only=home.lake_path.exists()) as con:
        overview = build_overview(con)
    report = overview_html(overview)
    latest = report.write(home.reports / "portfolio_overview.html")
    dated = report.write(home.reports / f"portfolio_overview_{datetime.now(timezone.utc):%Y-%m-%d}.html")
    for note in overview.missing:
        context.log.warning(note)
    headline = {label: value for label, value in overview.headline}
    metadata: dict[str, object] = {
        "overview": dg.MetadataValue.md(overview_markdown(overview, latest)),
        "report": dg.MetadataValue.path(str(latest)),
        "how_to_open_report": dg.MetadataValue.md(how_to_open(latest)),
        "dated_report": dg.MetadataValue.path(str(dated)),
        "loan_base": str(headline["loan base"]),
        "missing_tables": dg.MetadataValue.text("; ".join(overview.missing) or "none"),
    }
    for label, key in (("loans", "loans"), ("exposure (USD)", "exposure_usd"), ("scored loans", "scored_loans"),
                       ("mean PD", "mean_pd"), ("observed default rate", "observed_default_rate")):
        value = headline.get(label)
        if value is not None:
            metadata[key] = headline_value(key, value)
    metadata.update(book_metadata(overview.books, headline.get("how to read the mean PD")))
    return dg.MaterializeResult(metadata=metadata)


def book_metadata(books: list[BookPD], caveat: object) -> dict[str, object]:
    """The pooled mean PD's reading for the UI: `mean_pd_by_portfolio`, a markdown table of each book's
    scored loans, mean PD, labelled loans, observed default rate (fractions to 4 decimals) and
    pd_calibration, and `mean_pd_caveat` (`portfolio.mean_pd_caveat`) as markdown, which wraps where
    text runs on one line. {} without books."""
    if not books:
        return {}
    rows = [(b.portfolio, f"{b.scored:,}", "none" if b.mean_pd is None else f"{b.mean_pd:.4f}", f"{b.labelled:,}",
             "none" if b.observed_default_rate is None else f"{b.observed_default_rate:.4f}", b.calibration) for b in books]
    table = ("| portfolio | scored loans | mean PD | labelled loans | observed default rate | PDs (pd_calibration) |\n"
             "|---|---:|---:|---:|---:|---|\n" + "\n".join("| " + " | ".join(row) + " |" for row in rows))
    return {"mean_pd_by_portfolio": dg.MetadataValue.md(table), "mean_pd_caveat": dg.MetadataValue.md(str(caveat))}


def headline_value(key: str, value: object) -> object:
    """A headline figure as the UI's metadata shows it: counts and the USD exposure as text with
    thousands separators ("173,637,103,968.00": the UI prints a number's digits bare), fractions
    (mean PD, default rate) as numbers rounded to 4 decimals, not 16 digits."""
    if key in ("loans", "scored_loans"):
        return dg.MetadataValue.text(f"{int(value):,}")
    if key == "exposure_usd":
        return dg.MetadataValue.text(f"{float(value):,.2f}")
    return round(float(value), 4)
