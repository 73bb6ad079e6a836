"""Asset checks that gate the lake, wrapping risk_assets.lib.quality (great-expectations 1.x).

Per table (raw_loans, raw_news, stg_loans, stg_news) two checks:

- `<asset>_schema` (blocking, ERROR on failure): contract columns and types, keys not null/unique.
  Downstream assets do not run when it fails.
- `<asset>_values` (blocking, WARN on failure): row-level ranges and allowed sets. Failing rows go to
  quality.quarantine and are left out of staging; the rest goes on. Blocking only orders it before
  downstream assets, so that staging reads a complete quarantine.

Plus `raw_loans_unique_per_snapshot` (conflicting duplicates quarantined, WARN),
`raw_loans_idless_repeats` (id-less tapes that repeat an earlier file's loans, WARN, nothing
quarantined), `raw_loans_ids_changed` (a tape holding an earlier tape's loans under other ids, WARN,
nothing quarantined), `raw_loans_missing_from_newest` (open loans a portfolio's newest tape no longer
carries, WARN), `raw_loans_outcome_reversed` (an outcome a later tape reverses or reports open, or an undated file contradicts, WARN), `raw_loans_footer_totals` (a tape's footer totals against its loaded amounts, WARN), `raw_news_footer_totals`
(a news export's stated count of stories against its records, WARN), `loan_features_no_leakage` (ERROR for a leak that would reach the model; WARN for one training leaves out), `loan_features_origination_terms` (loans
scored without their origination record, WARN), `loan_features_origination_restated` (origination
terms a later tape gives another value of; the features keep the first, WARN). Every evaluation is written to quality.check_results; the UI
shows the failed rules and a sample of the failing rows as markdown.

great_expectations takes ~4 s to import: it is imported inside the checks, never at load time.
"""

import importlib
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import dagster as dg

from risk_assets.defs.resources import LAKE_POOL, LakeResource

if TYPE_CHECKING:
    from risk_assets.lib.quality.outcome import CheckOutcome

def _result(outcome: "CheckOutcome", context: dg.AssetCheckExecutionContext, lake: LakeResource) -> dg.AssetCheckResult:
    """The check's verdict for Dagster, after recording it in quality.check_results. A failed check is
    also logged at WARNING (severity WARN) or ERROR level with its observation (`say_failed`)."""
    from risk_assets.defs.quality.verdicts import say_failed
    from risk_assets.lib.quality.outcome import ERROR, record

    with lake.connect() as con:
        record(con, outcome, context.run.run_id)
    if not outcome.success:
        say_failed(context.log, outcome.check, outcome.asset, outcome.severity, outcome.observed)
    return dg.AssetCheckResult(
        passed=outcome.success,
        severity=dg.AssetCheckSeverity.ERROR if outcome.severity == ERROR else dg.AssetCheckSeverity.WARN,
        description=outcome.observed,
        metadata={
            "observed": outcome.observed,
            "rows_checked": outcome.rows_checked,
            "failing_count": outcome.failing_count,
            "failing_unit": outcome.failing_unit,
            "failed_rules": ", ".join(r["rule"] for r in outcome.failed_rules) or "none",
            "failing_rows": dg.MetadataValue.md(outcome.markdown()),
        },
    )


def _table_checks(asset: str, table: str) -> list[dg.AssetChecksDefinition]:
    @dg.asset_check(
        asset=asset,
        name=f"{asset}_schema",
        blocking=True,
        pool=LAKE_POOL,
        description=(
            f"Columns, types and keys. {table}: every contract column present with its declared DuckDB type; keys not null "
            "(and unique where the table promises it). A failure (red, severity ERROR) stops the downstream "
            "assets."
        ),
    )
    def schema_check(context: dg.AssetCheckExecutionContext, lake: LakeResource) -> dg.AssetCheckResult:
        from risk_assets.lib.quality.tables import SUITES, structural_check

        with lake.connect() as con:
            outcome = structural_check(con, SUITES[asset])
        return _result(outcome, context, lake)

    rules = ("amount > 0, rates 0-1, LendingClub term 36/60, income >= 0, dates not after the as-of date, "
             "status and home ownership sets, ..." if "loans" in asset else
             "label one of negative / neutral / positive, cleaned text present, text field set, no publication "
             "time in the future")

    @dg.asset_check(
        asset=asset,
        name=f"{asset}_values",
        blocking=True,
        pool=LAKE_POOL,
        description=(
            f"Value ranges and allowed sets. {table}: row-level rules ({rules}). Blocking, as Dagster means it: "
            "the downstream assets wait for the check, so that they read a complete quarantine, and only a failure "
            "of severity ERROR would stop them. Its rule failures are severity WARN (yellow), which blocks nothing: "
            "the failing rows are quarantined with their rule (quality.quarantine) and left out of staging, and "
            "the rest goes on."
        ),
    )
    def values_check(context: dg.AssetCheckExecutionContext, lake: LakeResource) -> dg.AssetCheckResult:
        from risk_assets.lib.quality.tables import SUITES, values_check as run_values

        with lake.connect() as con:
            outcome = run_values(con, SUITES[asset], datetime.now(timezone.utc).date())
        return _result(outcome, context, lake)

    return [schema_check, values_check]


def _lake_check(asset: str, name: str, title: str, description: str, outcome_of: str,
                blocking: bool = False) -> dg.AssetChecksDefinition:
    """An asset check whose verdict is `outcome_of(con)`, a 'module:function' of risk_assets.lib.quality
    that takes a lake connection and returns a CheckOutcome; imported when the check runs, not at load.
    Its description starts with `title`, a few plain words: the UI's list of checks cuts a long name
    in the middle (`raw_loans_mis…g_from_newest`) and shows the description's start beside it."""
    module, function = outcome_of.split(":")

    @dg.asset_check(asset=asset, name=name, blocking=blocking, pool=LAKE_POOL, description=f"{title}. {description}")
    def check(context: dg.AssetCheckExecutionContext, lake: LakeResource) -> dg.AssetCheckResult:
        compute = getattr(importlib.import_module(f"risk_assets.lib.quality.{module}"), function)
        with lake.connect() as con:
            outcome = compute(con)
        return _result(outcome, context, lake)

    return check


raw_loans_unique_per_snapshot = _lake_check(
    "raw_loans", "raw_loans_unique_per_snapshot", title="One set of values per loan and snapshot", blocking=True, outcome_of="duplicates:conflicting_duplicates",
    description=(
        "raw.loans: one set of values per loan key and snapshot. Conflicting duplicates (same key and "
        "snapshot, different values) are quarantined (rule conflicting_duplicate) and left out of "
        "staging; exact duplicates are counted (staging collapses them). Blocking, as Dagster means it: the "
        "downstream assets wait for the check, so that they read a complete quarantine, and only a failure of "
        "severity ERROR would stop them. Its failure is severity WARN, which blocks nothing."
    ),
)

raw_loans_idless_repeats = _lake_check(
    "raw_loans", "raw_loans_idless_repeats", title="Id-less tapes repeating earlier loans", outcome_of="duplicates:idless_repeats",
    description=(
        "raw.loans: no tape without a loan id repeats the loans of an earlier file. Such a tape keys a "
        "loan by file and line, so a re-delivery, a corrected copy landed beside the first or next "
        "month's tape adds the same loans again under new keys and they count twice. A file is named "
        "when half or more of its loans have the origination terms (amount, term, rate, dates, borrower "
        "fields) of one earlier file's loans. Severity WARN; nothing is quarantined: withdraw the copy "
        "that is wrong (`risk-assets withdraw <file>`), or map a loan id column."
    ),
)

raw_loans_ids_changed = _lake_check(
    "raw_loans", "raw_loans_ids_changed", title="Earlier loans under new ids", outcome_of="duplicates:ids_changed",
    description=(
        "raw.loans: no tape holds an earlier tape's loans under other ids. A servicer that migrates its "
        "system renumbers its loans (LN-000003, then 3): the later tape's loans are new keys, every loan "
        "counts twice and its earlier copy is never updated. A file is named when half or more of its loans "
        "have the booking terms (date, amount, term, rate, grade, purpose, place: not the fields a servicer "
        "refreshes monthly) of one earlier file's loans under ids that file does not hold. Severity "
        "WARN; nothing is quarantined: deliver the months under one set of ids and withdraw the other copy."
    ),
)

raw_loans_missing_from_newest = _lake_check(
    "raw_loans", "raw_loans_missing_from_newest", title="Open loans missing from the newest tape", outcome_of="snapshots:missing_from_newest",
    description=(
        "raw.loans: every loan open when a portfolio's tapes last listed it (no outcome then) is in its newest "
        "snapshot. A servicer's monthly tape lists the loans it still services: one that drops off (paid off, "
        "sold, charged off, or lost in the export) stays open in the book in its last state, since the tape does "
        "not say how it left; it stays named in every later month until a tape gives its outcome. Names the "
        "snapshots the loans were last seen in, the newest tape and the loans. Severity WARN; nothing is "
        "quarantined."
    ),
)

raw_loans_outcome_reversed = _lake_check(
    "raw_loans", "raw_loans_outcome_reversed", title="Outcomes a later tape reverses", outcome_of="snapshots:outcome_reversed",
    description=(
        "raw.loans: no loan's outcome is reversed by a later snapshot (repaid in one month's tape, charged "
        "off in a later one, the other way round, or either then reported open again): a bounced payoff, a "
        "recovery booked as a repayment, or an error in a tape. The features take the latest settled outcome "
        "(an open row does not erase one) and the PD model learns it; the check names the loans per portfolio, "
        "with each direction's count and the earliest counted reversal's snapshots and files (undated files, "
        "each its own snapshot, compared among themselves in landing order). It also names "
        "the loans on which an undated file, ranked before every dated snapshot, disagrees with one (settled "
        "outcome or amount), with both files. Severity WARN; nothing is quarantined."
    ),
)

raw_news_footer_totals = _lake_check(
    "raw_news", "raw_news_footer_totals", title="Footer story counts against the records", outcome_of="footers:news_footer_mismatches",
    description=(
        "raw.news: every count of stories a news export's footer states ('Total: 5 stories') equals the "
        "records the file holds. A mismatch means a story was lost, or added, before the file landed (an "
        "export cut short, a hand edit): the check names the file, the footer's line and both counts. "
        "Severity WARN; nothing is quarantined."
    ),
)

raw_loans_footer_totals = _lake_check(
    "raw_loans", "raw_loans_footer_totals", title="Footer totals against the loaded amounts", outcome_of="footers:footer_mismatches",
    description=(
        "raw.loans: every footer total a tape states (LendingClub's 'Total amount funded in policy code "
        "N') equals the amounts loaded from its part of the file. A mismatch means a data line was lost "
        "before the file landed, or loans of it were quarantined: the check names the file, the footer's "
        "line and both sums. Severity WARN; nothing is quarantined."
    ),
)

loan_features_origination_terms = _lake_check(
    "loan_features", "loan_features_origination_terms", title="Loans without origination terms", outcome_of="origination:missing_origination_terms",
    description=(
        "marts.loan_features: every loan has its origination terms (an amount or an origination date in "
        "some version). A loan known only from later rows (its origination record quarantined, a credit "
        "score 9999 say, or never landed; a monthly performance tape alone) is still scored, from NULL "
        "terms: the check names such loans per portfolio and the file each came from. Severity WARN; "
        "nothing is quarantined."
    ),
)

loan_features_origination_restated = _lake_check(
    "loan_features", "loan_features_origination_restated", title="Origination terms a later tape restates", outcome_of="origination:restated_origination_terms",
    description=(
        "marts.loan_features: no origination term (amount, rate, term, FICO, income, ...: the dbt variable "
        "origination_terms) is given another value by a later version of the loan. The features keep the first "
        "value, the one known at origination: a bureau field a servicer refreshes monthly (a FICO at default) "
        "would teach the PD model the outcome. The check names the loans and terms per portfolio with both "
        "values and the later file, so that a correction of the first file is seen (withdraw the first file). "
        "Severity WARN; nothing is quarantined."
    ),
)


@dg.asset_check(
    asset="loan_features",
    name="loan_features_no_leakage",
    blocking=True,
    pool=LAKE_POOL,
    description=(
        "No outcome leaking into the features. marts.loan_features holds no post-outcome field (denylist per source in "
        "risk_assets/lib/quality/leakage.py) and no single feature separates the default flag "
        "within a portfolio (AUC >= 0.95, either direction): ERROR, which stops the models, naming the "
        "column. WARN, blocking nothing, when the source recorded inputs after the outcome in a way "
        "training leaves out (a term rewritten after charge-off, vintages whose inputs rank the default "
        "flag alone): the observed value names the column or the vintages."
    ),
)
def loan_features_no_leakage(context: dg.AssetCheckExecutionContext, lake: LakeResource) -> dg.AssetCheckResult:
    from risk_assets.lib.quality.leakage import leakage_outcome

    with lake.connect() as con:
        features = con.execute("SELECT * FROM marts.loan_features").df()
    return _result(leakage_outcome(features), context, lake)


CHECKS: list[dg.AssetChecksDefinition] = [
    *_table_checks("raw_loans", "raw.loans"),
    *_table_checks("raw_news", "raw.news"),
    *_table_checks("stg_loans", "staging.stg_loans"),
    *_table_checks("stg_news", "staging.stg_news"),
    raw_loans_unique_per_snapshot,
    raw_loans_idless_repeats,
    raw_loans_ids_changed,
    raw_loans_missing_from_newest,
    raw_loans_outcome_reversed,
    raw_loans_footer_totals,
    raw_news_footer_totals,
    loan_features_no_leakage,
    loan_features_origination_terms,
    loan_features_origination_restated,
]
