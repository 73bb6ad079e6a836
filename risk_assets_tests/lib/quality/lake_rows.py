"""Small lakes for quality and transform tests: case files mapped onto the canonical raw tables.

`loan_rows` maps a loan case file (F11, F12, ...) onto raw.loans columns the way ingestion does for
a LendingClub-style tape: loan_key 'lendingclub:<loan_id>', rates already fractions, snapshot from
`snapshot_month` or an `asof_YYYY-MM-DD` file name, lineage = file, physical line, sha256.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from risk_assets.lib.lake import ensure_lake
from risk_assets.lib.schema import LINEAGE, LOAN_COLUMNS, NEWS_COLUMNS, ddl

RENAME = {
    "loan_id": "source_loan_id",
    "issue_d": "origination_date",
    "issue_date": "origination_date",
    "loan_amnt": "loan_amount",
    "annual_inc": "annual_income",
}
DEFAULT_FLAG = {"Charged Off": 1, "Default": 1, "Fully Paid": 0}


def loan_rows(path: Path) -> pd.DataFrame:
    """raw.loans rows (n x len(LOAN_COLUMNS + LINEAGE)) for a case file of n data rows."""
    text = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = text.rename(columns=RENAME)
    out = pd.DataFrame(index=frame.index)
    out["source_loan_id"] = frame["source_loan_id"]
    out["loan_key"] = "lendingclub:" + frame["source_loan_id"]
    out["portfolio"] = "lendingclub"
    if "snapshot_month" in frame:
        out["snapshot_date"] = pd.to_datetime(frame["snapshot_month"] + "-01")
    elif match := re.search(r"asof_(\d{4}-\d{2}-\d{2})", path.name):
        out["snapshot_date"] = pd.Timestamp(match.group(1))
    out["origination_date"] = pd.to_datetime(frame["origination_date"])
    out["vintage"] = out["origination_date"].dt.year
    if "loan_status" in frame:
        out["loan_status"] = frame["loan_status"]
        out["default_flag"] = frame["loan_status"].map(DEFAULT_FLAG)
    for column in ("loan_amount", "int_rate", "annual_income", "dti", "fico_range_low"):
        if column in frame:
            out[column] = pd.to_numeric(frame[column])
    if "days_employed" in frame:
        # application_record convention: days before the application, negative; 365243 = sentinel
        out["emp_length_years"] = -pd.to_numeric(frame["days_employed"]) / 365.25
    if "earliest_cr_line" in frame:
        out["earliest_cr_line"] = pd.to_datetime(frame["earliest_cr_line"])
    out["_source_file"] = str(path)
    out["_source_line"] = frame.index + 2
    out["_file_sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    out["_ingested_at"] = datetime(2024, 7, 1)
    out["_run_id"] = "test"
    return out


def lake_with(path: Path, loans: list[pd.DataFrame] = (), news: list[pd.DataFrame] = ()) -> Path:
    """Create a lake at `path` with raw.loans / raw.news holding the given rows; returns `path`."""
    con = duckdb.connect(str(path))
    ensure_lake(con)
    con.execute(ddl("raw.loans", LOAN_COLUMNS))
    con.execute(ddl("raw.news", NEWS_COLUMNS))
    for table, frames, columns in (("raw.loans", loans, LOAN_COLUMNS), ("raw.news", news, NEWS_COLUMNS)):
        names = [c.name for c in (*columns, *LINEAGE)]
        for frame in frames:
            con.register("_rows", frame)
            present = [n for n in names if n in frame.columns]
            cols = ", ".join(present)
            con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _rows")
            con.unregister("_rows")
    con.close()
    return path


def news_rows(texts: list[tuple[str, str | None]], source: str = "wire_a") -> pd.DataFrame:
    """raw.news rows for (text, label) pairs, one per line of a fictitious file."""
    sha = hashlib.sha256("\n".join(t for t, _ in texts).encode()).hexdigest()
    return pd.DataFrame(
        {
            "doc_id": [f"{sha[:16]}:{i + 1}" for i in range(len(texts))],
            "source": source,
            "text_raw": [t for t, _ in texts],
            "text_clean": [t for t, _ in texts],
            "text_field": "sentence",
            "label": [label for _, label in texts],
            "text_repaired": False,
            "_source_file": f"/landing/news/{source}.txt",
            "_source_line": range(1, len(texts) + 1),
            "_file_sha256": sha,
            "_ingested_at": datetime(2024, 7, 1),
            "_run_id": "test",
        }
    )


def sba_sample(path: Path, rows: int, tmp_dir: Path) -> pd.DataFrame:
    """The first `rows` loans of the real SBA national file (gzip) as raw.loans rows, read by the
    built-in SBA format as landing reads them, with lineage; a copy of those lines is written to
    `tmp_dir` to be parsed."""
    import gzip
    from itertools import islice

    from risk_assets.lib.ingest.loan_formats import parse_loan_file

    tape = tmp_dir / "sba_sample.csv"
    with gzip.open(path, "rt", encoding="utf-8", newline="") as src:
        tape.write_text("".join(islice(src, rows + 1)), encoding="utf-8")
    parsed = parse_loan_file(tape)
    frame = parsed.rows.to_pandas()
    frame["_source_file"] = str(tape)
    frame["_file_sha256"] = hashlib.sha256(tape.read_bytes()).hexdigest()
    frame["_ingested_at"] = datetime(2024, 7, 1)
    frame["_run_id"] = "test"
    return frame


def lendingclub_sample(path: Path, rows: int) -> pd.DataFrame:
    """The first `rows` loans of the real LendingClub sample as raw.loans rows.

    The sample has no id, issue date, rate or grade: the key is '<sha256[:16]>:<line>' as ingestion
    derives it, and int_rate / grade are set to a plausible 0.1065 / 'B' so that single-rule tests can
    break them one at a time.
    """
    text = pd.read_csv(path, dtype=str, nrows=rows, keep_default_na=False)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    lines = text.index + 2
    emp = text["emp_length"].str.replace("< 1 year", "0").str.extract(r"(\d+)")[0]
    return pd.DataFrame(
        {
            "loan_key": [f"lendingclub:{sha[:16]}:{line}" for line in lines],
            "portfolio": "lendingclub",
            "loan_status": text["loan_status"],
            "default_flag": text["loan_status"].map(DEFAULT_FLAG),
            "loan_amount": pd.to_numeric(text["loan_amnt"]),
            "term_months": text["term"].str.extract(r"(\d+)")[0].astype(int),
            "int_rate": 0.1065,
            "grade": "B",
            "emp_length_years": pd.to_numeric(emp),
            "home_ownership": text["home_ownership"],
            "annual_income": pd.to_numeric(text["annual_inc"]),
            "verification_status": text["verification_status"],
            "zip3": text["zip_code"].str[:3],
            "addr_state": text["addr_state"],
            "delinq_2yrs": pd.to_numeric(text["delinq_2yrs"]),
            "inq_last_6mths": pd.to_numeric(text["inq_last_6mths"]),
            "open_acc": pd.to_numeric(text["open_acc"]),
            "pub_rec": pd.to_numeric(text["pub_rec"]),
            "revol_bal": pd.to_numeric(text["revol_bal"]),
            "revol_util": pd.to_numeric(text["revol_util"].str.rstrip("%"), errors="coerce") / 100,
            "total_acc": pd.to_numeric(text["total_acc"]),
            "_source_file": str(path),
            "_source_line": lines,
            "_file_sha256": sha,
            "_ingested_at": datetime(2024, 7, 1),
            "_run_id": "test",
        }
    )
