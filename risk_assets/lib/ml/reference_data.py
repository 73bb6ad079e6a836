"""Loan-feature frames read straight from the shared sample files, in the shape of marts.loan_features.

The lake builds marts.loan_features through ingestion and dbt; reference figures (tests, benchmarks)
need the same canonical columns without running the lake. These readers map the two public sample
tapes to the canonical columns of `risk_assets.lib.schema.LOAN_COLUMNS` with the same units (money
in USD, rates and utilisation as fractions 0-1, term in months, employment length in years).
They do not quarantine: a value that does not parse is an error here, since the samples are clean
in the columns read.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

LENDINGCLUB_FEATURES = (
    "loan_amount", "term_months", "emp_length_years", "home_ownership", "annual_income",
    "verification_status", "zip3", "addr_state", "delinq_2yrs", "inq_last_6mths", "open_acc",
    "pub_rec", "revol_bal", "revol_util", "total_acc",
)


def _emp_length_years(text: pd.Series) -> pd.Series:
    """'10+ years' -> 10, '< 1 year' -> 0, '3 years' -> 3, 'n/a' -> NaN (as the schema defines)."""
    cleaned = text.str.strip()
    years = cleaned.str.extract(r"(\d+)")[0].astype(float)
    years[cleaned.str.startswith("<")] = 0.0
    return years


def lendingclub_frame(path: Path) -> pd.DataFrame:
    """The LendingClub 2007-2011 sample as loan features: 39,786 rows x (keys + 15 inputs + default_flag).

    loan_key is 'lendingclub:<file sha256[:16]>:<physical line>' (the extract has no loan id);
    origination_date and vintage are NULL (the extract has no issue date).
    """
    path = Path(path)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    number = lambda col: pd.to_numeric(raw[col].str.strip().replace("", np.nan))  # noqa: E731
    frame = pd.DataFrame({
        "loan_key": [f"lendingclub:{sha}:{line}" for line in range(2, len(raw) + 2)],
        "portfolio": "lendingclub",
        "origination_date": pd.NaT,
        "vintage": pd.array([pd.NA] * len(raw), dtype="Int64"),
        "default_flag": (raw["loan_status"].str.strip() == "Charged Off").astype(int),
        "loan_amount": number("loan_amnt"),
        "term_months": raw["term"].str.extract(r"(\d+)")[0].astype(int),
        "emp_length_years": _emp_length_years(raw["emp_length"]),
        "home_ownership": raw["home_ownership"].str.strip(),
        "annual_income": number("annual_inc"),
        "verification_status": raw["verification_status"].str.strip(),
        "zip3": raw["zip_code"].str.strip().str[:3],
        "addr_state": raw["addr_state"].str.strip(),
        "delinq_2yrs": number("delinq_2yrs"),
        "inq_last_6mths": number("inq_last_6mths"),
        "open_acc": number("open_acc"),
        "pub_rec": number("pub_rec"),
        "revol_bal": number("revol_bal"),
        "revol_util": pd.to_numeric(raw["revol_util"].str.strip().str.rstrip("%").replace("", np.nan)) / 100.0,
        "total_acc": number("total_acc"),
    })
    return frame


_SBA_SQL = """
SELECT
    'sba:' || LoanNr_ChkDgt AS loan_key,
    'sba' AS portfolio,
    -- two-digit years: %y reads 62-68 as 2062-2068; the file spans 1962-2014
    CASE WHEN d > DATE '2014-12-31' THEN d - INTERVAL 100 YEAR ELSE d END::DATE AS origination_date,
    TRY_CAST(regexp_extract(ApprovalFY, '^\\d{4}') AS INTEGER) AS vintage,
    CASE trim(MIS_Status) WHEN 'CHGOFF' THEN 1 WHEN 'P I F' THEN 0 END AS default_flag,
    TRY_CAST(Term AS INTEGER) AS term_months,
    State AS addr_state, BankState AS bank_state, NAICS AS naics,
    TRY_CAST(NoEmp AS INTEGER) AS employees,
    CASE trim(NewExist) WHEN '2' THEN 1 WHEN '1' THEN 0 END AS new_business,
    TRY_CAST(CreateJob AS INTEGER) AS jobs_created,
    TRY_CAST(RetainedJob AS INTEGER) AS jobs_retained,
    FranchiseCode AS franchise_code,
    TRY_CAST(UrbanRural AS INTEGER) AS urban_rural,
    RevLineCr AS revolving_line, LowDoc AS low_doc,
    TRY_CAST(replace(replace(trim(GrAppv), '$', ''), ',', '') AS DOUBLE) AS gross_approved,
    TRY_CAST(replace(replace(trim(SBA_Appv), '$', ''), ',', '') AS DOUBLE) AS sba_approved
FROM (
    SELECT *, TRY_STRPTIME(ApprovalDate, '%d-%b-%y')::DATE AS d
    FROM read_csv(?, all_varchar = true, header = true)
)
"""


def sba_frame(path: Path, limit: int | None = None, sample_fraction: float | None = None) -> pd.DataFrame:
    """The SBA national sample as loan features (pre-origination fields only; post-outcome columns are not read).

    Args:
        limit: keep at most this many rows (file order).
        sample_fraction: keep a reproducible Bernoulli sample of this fraction (repeatable seed 0).

    Returns:
        up to 899,164 rows x 19 columns; money in USD.
    """
    sql = _SBA_SQL
    if sample_fraction is not None:
        sql = f"SELECT * FROM ({sql}) USING SAMPLE {100.0 * sample_fraction} PERCENT (bernoulli, 0)"
    if limit is not None:
        sql = f"SELECT * FROM ({sql}) LIMIT {int(limit)}"
    with duckdb.connect() as con:
        con.execute("SET enable_progress_bar = false")
        return con.execute(sql, [str(path)]).df()
