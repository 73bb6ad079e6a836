"""The expectation suites of the lake, as code: which rules each table must meet.

Two suites per table:

- structural (severity ERROR, blocks downstream): the columns of the contract are present, each
  column has its declared type, the keys are not null, and (staged tables) keys are unique.
- values (severity WARN): row-level ranges and allowed sets; failing rows are quarantined with the
  rule and left out of staging, the rest of the table goes on.

Bounds and sets come from the canonical schema (`risk_assets.lib.schema`: rates and utilisation as
fractions, money in USD, terms in months) and from the sources' data dictionaries (LendingClub
LCDataDictionary; SBA 7(a) national data, Li, Mickel & Taylor 2018). The as-of date of a row is its
tape's snapshot_date when the tape says one, else the date of the check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from risk_assets.lib.quality.expectations import Rule
from risk_assets.lib.schema import (  # noqa: F401  (the code lists are part of this module's rules)
    GRADES,
    HOME_OWNERSHIP,
    LINEAGE,
    LOAN_COLUMNS,
    LOAN_STATUSES,
    NEWS_COLUMNS,
    SUB_GRADES,
    VERIFICATION,
    Column,
)

AS_OF = "_as_of"
"""Derived column: the as-of date each row's dates are checked against."""

LENDINGCLUB_TERMS = [36, 60]
"""LendingClub offered 36- and 60-month loans only (LCDataDictionary, `term`)."""

SBA_7A_MAX_LOAN = 5_000_000
"""Largest SBA 7(a) loan, USD (SBA SOP 50 10: $5,000,000 since the Small Business Jobs Act of 2010,
$2,000,000 before). The SBA national file's largest gross approval is $5,472,000 (one loan above the
cap, 40 at it, of 899,164)."""

SBA_AMOUNT_CEILING = 2 * SBA_7A_MAX_LOAN
"""Largest SBA gross approval the value rules accept, USD: twice the 7(a) maximum, far above any loan
of the national file, so a loan above it is a unit error (an amount written in cents, 28,700,000 for
$287,000.00), not a large loan. An amount in cents of a loan up to $100,000 stays below it: the rule
catches such a tape by its larger loans. DisbursementGross has no ceiling: the national file disburses
up to $11,446,325 on one loan."""

NEWS_LABELS = ["negative", "neutral", "positive"]
TEXT_FIELDS = ["body", "headline", "headline+body", "sentence"]

LOAN_KEYS = ("loan_key", "portfolio", "_source_file", "_source_line", "_file_sha256")
NEWS_KEYS = ("doc_id", "source", "text_field", "_source_file", "_source_line", "_file_sha256")

STAGED_LOAN_EXTRA = (
    Column("snapshot_version", "BIGINT", ""),
    Column("duplicate_count", "BIGINT", ""),
)
STAGED_NEWS_EXTRA = (Column("duplicate_count", "BIGINT", ""),)


def _between(name: str, column: str, low: float | None, high: float | None, why: str,
             portfolio: str | tuple[str, ...] | None = None, **extra: object) -> Rule:
    kwargs: dict[str, object] = {"column": column, "min_value": low, "max_value": high, **extra}
    return Rule(name, "ExpectColumnValuesToBeBetween", kwargs, portfolio, why)


BUILTIN_PORTFOLIOS = ("lendingclub", "sba")
"""Portfolios of the built-in tape formats, whose vocabularies (statuses, grades) the value rules know;
a mapped tape's own vocabulary is turned into the default flag by its status_map at landing, where
a status it does not name is quarantined (`unknown_status`)."""


def _in_set(name: str, column: str, values: list, why: str, portfolio: str | tuple[str, ...] | None = None) -> Rule:
    return Rule(name, "ExpectColumnValuesToBeInSet", {"column": column, "value_set": values}, portfolio, why)


def _not_after(name: str, later: str, earlier: str, why: str) -> Rule:
    return Rule(
        name,
        "ExpectColumnPairValuesAToBeGreaterThanB",
        {"column_A": later, "column_B": earlier, "or_equal": True, "ignore_row_if": "either_value_is_missing"},
        why=why,
        labels={AS_OF: "the as-of date"},
    )


CATALOG_RULES = [
    Rule("column_present", "ExpectColumnValuesToNotBeNull", {"column": "data_type"},
         why="a column of the table's contract (risk_assets.lib.schema) is missing"),
    Rule("column_type", "ExpectColumnPairValuesToBeEqual",
         {"column_A": "data_type", "column_B": "expected_type", "ignore_row_if": "either_value_is_missing"},
         why="the column's DuckDB type differs from the declared one"),
]
"""Rules on a table's catalog frame (one row per contract column: column_name, expected_type,
data_type); a failing row names the missing or mistyped column."""


@dataclass(frozen=True)
class Structure:
    """A table's contract: its columns with declared types, and the rules on its key columns."""

    columns: tuple[Column, ...]
    key_rules: list[Rule]


def _keys(keys: tuple[str, ...], unique: list[str] | None) -> list[Rule]:
    rules = [Rule(f"{k}_not_null", "ExpectColumnValuesToNotBeNull", {"column": k}, why="a key") for k in keys]
    if unique and len(unique) == 1:
        rules.append(Rule(f"{unique[0]}_unique", "ExpectColumnValuesToBeUnique", {"column": unique[0]},
                          why="one row per key"))
    elif unique:
        rules.append(Rule(f"{'_'.join(unique)}_unique", "ExpectCompoundColumnsToBeUnique", {"column_list": unique},
                          why="one row per key"))
    return rules


def loan_structure(staged: bool) -> Structure:
    """Contract of raw.loans (staged=False) or staging.stg_loans (staged=True): one row per
    (loan_key, snapshot_version) in staging; raw may repeat a key (duplicates are checked apart)."""
    if staged:
        return Structure((*LOAN_COLUMNS, *LINEAGE, *STAGED_LOAN_EXTRA),
                         _keys((*LOAN_KEYS, "snapshot_version"), ["loan_key", "snapshot_version"]))
    return Structure((*LOAN_COLUMNS, *LINEAGE), _keys(LOAN_KEYS, None))


def loan_value_rules() -> list[Rule]:
    """Row-level rules of a loan table (raw or staged). Bounds are documented in each rule's `why`."""
    return [
        _between("loan_amount_at_least_one", "loan_amount", 1, None,
                 "amount >= 1 in its currency: no lender books a loan below one currency unit (0.5 lost digits)"),
        _between("int_rate_range", "int_rate", 0, 1, "rate is a fraction 0-1 (10.65% -> 0.1065)"),
        _between("revol_util_range", "revol_util", 0, 1.5,
                 "utilisation fraction; LendingClub reports up to 1.19, above 1.5 is a unit error"),
        _in_set("term_lendingclub", "term_months", LENDINGCLUB_TERMS, "LendingClub terms: 36 or 60 months",
                portfolio="lendingclub"),
        _between("term_positive", "term_months", 0, None, "term in months > 0", strict_min=True),
        _between("annual_income_range", "annual_income", 0, 1e8,
                 "income >= 0 USD; above 100 M USD is a sentinel or unit error"),
        _between("dti_range", "dti", 0, 100, "DTI in percent points; 999 and -1 are sentinel codes"),
        _between("fico_range", "fico_range_low", 300, 850, "FICO scores span 300-850"),
        _between("emp_length_range", "emp_length_years", 0, 60, "employment length in years"),
        _between("installment_positive", "installment", 0, None, "installment > 0 USD", strict_min=True),
        _between("revol_bal_non_negative", "revol_bal", 0, None, "USD >= 0"),
        *[
            _between(f"{c}_non_negative", c, 0, None, "a count >= 0")
            for c in ("delinq_2yrs", "inq_last_6mths", "open_acc", "pub_rec", "total_acc", "employees",
                      "jobs_created", "jobs_retained")
        ],
        _between("gross_approved_positive", "gross_approved", 0, None, "USD > 0", strict_min=True),
        _between("gross_approved_within_sba_ceiling", "gross_approved", None, SBA_AMOUNT_CEILING,
                 f"USD; at most twice the SBA 7(a) maximum of ${SBA_7A_MAX_LOAN:,} (SBA SOP 50 10): above it an "
                 "amount in cents?", portfolio="sba"),
        _between("sba_approved_non_negative", "sba_approved", 0, None, "USD >= 0"),
        _between("disbursement_gross_non_negative", "disbursement_gross", 0, None,
                 "USD >= 0; 0 for a loan not disbursed (196 loans of the SBA national file)"),
        _between("chargeoff_principal_non_negative", "chargeoff_principal", 0, None,
                 "USD >= 0; 0 for a loan not charged off"),
        _between("balance_gross_non_negative", "balance_gross", 0, None, "USD >= 0; 0 once repaid or charged off"),
        _in_set("default_flag_set", "default_flag", [0, 1], "1 = defaulted, 0 = not, NULL = no outcome"),
        _in_set("grade_set", "grade", GRADES, "LendingClub grades A-G", portfolio="lendingclub"),
        _in_set("sub_grade_set", "sub_grade", SUB_GRADES, "LendingClub sub-grades A1-G5", portfolio="lendingclub"),
        _in_set("home_ownership_set", "home_ownership", HOME_OWNERSHIP, "LCDataDictionary home_ownership",
                portfolio="lendingclub"),
        _in_set("verification_status_set", "verification_status", VERIFICATION, "LCDataDictionary",
                portfolio="lendingclub"),
        _in_set("loan_status_set", "loan_status", LOAN_STATUSES, "LendingClub and SBA status codes",
                portfolio=BUILTIN_PORTFOLIOS),
        _in_set("urban_rural_set", "urban_rural", [0, 1, 2], "SBA UrbanRural: 1 urban, 2 rural, 0 undefined"),
        _in_set("new_business_set", "new_business", [0, 1], "SBA NewExist: 1 new, 0 existing"),
        Rule("addr_state_format", "ExpectColumnValuesToMatchRegex",
             {"column": "addr_state", "regex": r"^[A-Z]{2}$"}, why="two-letter US state"),
        _not_after("origination_not_after_as_of", AS_OF, "origination_date",
                   "a loan cannot be issued after the tape's as-of date"),
        _not_after("disbursement_not_after_as_of", AS_OF, "disbursement_date",
                   "a loan cannot be disbursed after the tape's as-of date"),
        _not_after("chargeoff_not_after_as_of", AS_OF, "chargeoff_date",
                   "a loan cannot be charged off after the tape's as-of date (a two-digit year in the wrong century?)"),
        _not_after("credit_line_not_after_origination", "origination_date", "earliest_cr_line",
                   "the earliest credit line is opened before the loan"),
        _between("vintage_range", "vintage", 1950, None, "origination year (SBA: approval fiscal year)"),
    ]


def news_structure(staged: bool) -> Structure:
    """Contract of raw.news or staging.stg_news: doc_id unique in both."""
    extra = STAGED_NEWS_EXTRA if staged else ()
    return Structure((*NEWS_COLUMNS, *LINEAGE, *extra), _keys(NEWS_KEYS, ["doc_id"]))


def news_value_rules() -> list[Rule]:
    """Row-level rules of a news table: label set, text present, field set, no future publication."""
    return [
        _in_set("label_set", "label", NEWS_LABELS, "sentiment labels"),
        _in_set("text_field_set", "text_field", TEXT_FIELDS, "where the text came from"),
        Rule("text_clean_not_null", "ExpectColumnValuesToNotBeNull", {"column": "text_clean"},
             why="a document without text cannot be scored"),
        Rule("text_clean_not_blank", "ExpectColumnValuesToMatchRegex", {"column": "text_clean", "regex": r"\S"},
             why="a document without text cannot be scored"),
        _not_after("published_not_after_as_of", AS_OF, "published_at", "no publication in the future"),
    ]


def with_as_of(frame: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """`frame` plus the AS_OF column: snapshot_date where the tape has one, else `as_of`.

    Shape: n rows x (columns + 1). The frame is not modified.
    """
    fallback = pd.Timestamp(as_of)
    if "snapshot_date" in frame.columns:
        values = pd.to_datetime(frame["snapshot_date"]).fillna(fallback)
    else:
        values = pd.Series(fallback, index=frame.index)
    return frame.assign(**{AS_OF: values.astype("datetime64[us]")})
