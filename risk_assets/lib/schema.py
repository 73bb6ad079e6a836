"""Canonical columns of the raw lake tables, with types, units and descriptions.

Every loan tape format (LendingClub, SBA, a user's own tape through a column mapping) is parsed
into `raw.loans` with these columns; a column the source does not carry is NULL for that source
(structurally absent, never a failed parse: failed parses go to quality.quarantine). Fields of the
source that have no canonical column are kept as text in `source_fields` (JSON), so nothing the file
said is dropped. News files are parsed into `raw.news` likewise.

Units: money in the row's `currency` (USD for the built-in formats; never converted), rates and utilisation as fractions 0-1, terms in months, employment length in
years, dates as DATE, timestamps in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    description: str


LINEAGE = (
    Column("_source_file", "VARCHAR", "Landed file the row came from (absolute path)."),
    Column("_source_line", "BIGINT", "Physical line of the record's first line in that file, 1-based."),
    Column("_file_sha256", "VARCHAR", "sha256 of the landed file's bytes (the manifest key)."),
    Column("_ingested_at", "TIMESTAMP", "UTC time the row was ingested."),
    Column("_run_id", "VARCHAR", "Dagster run id that ingested the row."),
)

LOAN_COLUMNS = (
    Column("loan_key", "VARCHAR", "Stable loan key: `<portfolio>:<source id>` where the source has an id, else `<portfolio>:<file sha256[:16]>:<line>`."),
    Column("portfolio", "VARCHAR", "Tape family the loan came from: lendingclub, sba, or the name of a declared generic mapping."),
    Column("source_loan_id", "VARCHAR", "The source's own loan id, as text (ids can exceed int64)."),
    Column("snapshot_date", "DATE", "As-of date of the tape when it says one (snapshot_month, file name), else NULL."),
    Column("origination_date", "DATE", "Issue / approval date (LendingClub issue_d, SBA ApprovalDate)."),
    Column("vintage", "INTEGER", "Vintage year: LendingClub the issue year (issue_d); SBA ApprovalFY, the approval fiscal year (October-September, so a loan approved in October 2003 is 2004); a mapped tape its mapped vintage, else the origination date's year."),
    Column("loan_status", "VARCHAR", "Status exactly as the source wrote it, trimmed."),
    Column("default_flag", "INTEGER", "1 = charged off / defaulted, 0 = paid or performing; NULL = no outcome recorded yet."),
    Column("off_policy", "BOOLEAN", "LendingClub rows after the 'does not meet the credit policy' marker."),
    Column("loan_amount", "DOUBLE", "Funded / approved amount, in `currency`."),
    Column("currency", "VARCHAR", "ISO 4217 code of the row's amounts (loan_amount, installment, income, balances): USD for LendingClub and SBA, a mapping's `currency` (default USD); never converted."),
    Column("term_months", "INTEGER", "Term in months."),
    Column("int_rate", "DOUBLE", "Interest rate, fraction 0-1 (10.65% -> 0.1065)."),
    Column("installment", "DOUBLE", "Monthly installment, in `currency`."),
    Column("grade", "VARCHAR", "Lender's credit grade (A-G)."),
    Column("sub_grade", "VARCHAR", "Lender's sub-grade (A1-G5)."),
    Column("emp_length_years", "DOUBLE", "Employment length in years ('< 1 year' -> 0, '10+ years' -> 10); NULL when the source says 'n/a'."),
    Column("home_ownership", "VARCHAR", "RENT, OWN, MORTGAGE, OTHER, NONE."),
    Column("annual_income", "DOUBLE", "Borrower's annual income, in `currency`."),
    Column("verification_status", "VARCHAR", "Income verification: Verified, Source Verified, Not Verified."),
    Column("purpose", "VARCHAR", "Stated loan purpose."),
    Column("zip3", "VARCHAR", "First three digits of the borrower's ZIP code ('860xx' -> '860')."),
    Column("addr_state", "VARCHAR", "Borrower's (SBA: business's) US state, two letters."),
    Column("dti", "DOUBLE", "Debt-to-income ratio as the source reports it (percent points, e.g. 14.14)."),
    Column("delinq_2yrs", "INTEGER", "30+ days past-due incidences in the past 2 years."),
    Column("inq_last_6mths", "INTEGER", "Credit inquiries in the past 6 months."),
    Column("open_acc", "INTEGER", "Open credit lines."),
    Column("pub_rec", "INTEGER", "Derogatory public records."),
    Column("revol_bal", "DOUBLE", "Revolving balance, in `currency`."),
    Column("revol_util", "DOUBLE", "Revolving utilisation, fraction 0-1 (may exceed 1)."),
    Column("total_acc", "INTEGER", "Total credit lines ever."),
    Column("earliest_cr_line", "DATE", "Month the earliest credit line was opened (first of month)."),
    Column("fico_range_low", "INTEGER", "Lower bound of the FICO range at origination."),
    Column("naics", "VARCHAR", "SBA: NAICS industry code, text (leading zeros kept)."),
    Column("bank_state", "VARCHAR", "SBA: state of the lending bank."),
    Column("employees", "INTEGER", "SBA NoEmp: employees of the business."),
    Column("new_business", "INTEGER", "SBA NewExist: 1 = new business (< 2 years), 0 = existing; NULL when coded 0/blank."),
    Column("jobs_created", "INTEGER", "SBA CreateJob."),
    Column("jobs_retained", "INTEGER", "SBA RetainedJob."),
    Column("franchise_code", "VARCHAR", "SBA FranchiseCode (00000 or 00001 = no franchise)."),
    Column("urban_rural", "INTEGER", "SBA UrbanRural: 1 urban, 2 rural, 0 undefined."),
    Column("revolving_line", "VARCHAR", "SBA RevLineCr: Y / N as the source wrote it."),
    Column("low_doc", "VARCHAR", "SBA LowDoc: Y / N as the source wrote it."),
    Column("disbursement_date", "DATE", "SBA DisbursementDate."),
    Column("disbursement_gross", "DOUBLE", "SBA DisbursementGross, USD."),
    Column("gross_approved", "DOUBLE", "SBA GrAppv: gross amount approved by the bank, USD."),
    Column("sba_approved", "DOUBLE", "SBA SBA_Appv: SBA's guaranteed amount, USD."),
    Column("chargeoff_date", "DATE", "Post-outcome. SBA ChgOffDate. Never a feature."),
    Column("chargeoff_principal", "DOUBLE", "Post-outcome. SBA ChgOffPrinGr, USD. Never a feature."),
    Column("balance_gross", "DOUBLE", "Post-outcome. SBA BalanceGross, USD. Never a feature."),
    Column("source_fields", "VARCHAR", "JSON object of every source field without a canonical column, raw text."),
)

NEWS_COLUMNS = (
    Column("doc_id", "VARCHAR", "Document id: the source's article id keyed by its source (`<source>:<id>`; the id alone when the record names no source) or its URL, else `content:<sha256[:16]>` of its source, headline, time and text (JSON, RSS) or `<file sha256[:16]>:<line>` (CSV, PhraseBank)."),
    Column("source", "VARCHAR", "Feed or corpus name (financial_phrasebank, wire_a, ...)."),
    Column("ticker", "VARCHAR", "Ticker the article is about, when the feed says."),
    Column("headline", "VARCHAR", "Headline as delivered (raw)."),
    Column("body", "VARCHAR", "Body as delivered (raw)."),
    Column("text_raw", "VARCHAR", "The text the model reads, before cleaning (body, else headline)."),
    Column("text_clean", "VARCHAR", "text_raw with HTML entities decoded (again where escaped twice), tags stripped, mojibake repaired, whitespace folded."),
    Column("text_field", "VARCHAR", "Which field text_raw came from: body, headline, headline+body or sentence."),
    Column("label", "VARCHAR", "Sentiment label when the source has one: negative, neutral, positive."),
    Column("published_at", "TIMESTAMP", "Publication time in UTC, when the source has one."),
    Column("text_repaired", "BOOLEAN", "True when mojibake was detected and repaired in text_clean."),
    Column("language", "VARCHAR", "Language the file's language column (lang, language, locale) gives the article, lower-cased as written ('fi', 'de-de'), 'en' for any English ('en-GB', 'English'); NULL when the file names none. The sentiment model reads English only: the daily indices and training leave out the articles not in English."),
    Column("published_date_only", "BOOLEAN", "True when the file gave the publication time as a date alone ('2024-05-02', 'May 2, 2024'): published_at holds that date at midnight UTC, a calendar day in no zone, which the daily indices count on its own date whatever their day zone; false for a time of day; NULL without published_at, and on rows landed before the column existed, which read as not a date alone."),
)


ENGLISH = "en"
"""raw.news.language of an article in English, however its file wrote it ('en-GB', 'English')."""


def in_english_sql(table: str) -> str:
    """SQL condition: the article of `table` (an alias with a `language` column: raw.news,
    marts.news_features, ml.news_scores) is in English or its file names no language, so that the
    English sentiment model's score of it means something."""
    return f"coalesce({table}.language, '{ENGLISH}') = '{ENGLISH}'"


def ddl(table: str, columns: tuple[Column, ...]) -> str:
    """CREATE TABLE IF NOT EXISTS for `table` with `columns` followed by the lineage columns."""
    body = ",\n    ".join(f"{c.name} {c.sql_type}" for c in (*columns, *LINEAGE))
    return f"CREATE TABLE IF NOT EXISTS {table} (\n    {body}\n)"


def column_descriptions(columns: tuple[Column, ...]) -> dict[str, str]:
    """name -> description, lineage included (for Dagster column schemas and dbt docs)."""
    return {c.name: c.description for c in (*columns, *LINEAGE)}


LOAN_STATUSES = [
    "Fully Paid",
    "Charged Off",
    "Current",
    "Default",
    "In Grace Period",
    "Late (16-30 days)",
    "Late (31-120 days)",
    "Does not meet the credit policy. Status:Fully Paid",
    "Does not meet the credit policy. Status:Charged Off",
    "P I F",
    "CHGOFF",
]
"""LendingClub loan_status values (LCDataDictionary) and SBA MIS_Status values (P I F, CHGOFF)."""

GRADES = list("ABCDEFG")
"""LendingClub grades (LCDataDictionary, `grade`)."""
SUB_GRADES = [f"{g}{n}" for g in GRADES for n in range(1, 6)]
"""LendingClub sub-grades A1-G5 (LCDataDictionary, `sub_grade`)."""
HOME_OWNERSHIP = ["RENT", "OWN", "MORTGAGE", "OTHER", "NONE", "ANY"]
"""LendingClub home_ownership values (LCDataDictionary)."""
VERIFICATION = ["Verified", "Source Verified", "Not Verified"]
"""LendingClub verification_status values (LCDataDictionary)."""
