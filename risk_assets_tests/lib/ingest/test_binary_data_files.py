"""A binary data file of another program landed as a loan tape (Stata, Feather, ORC, SAS, SPSS,
SQLite, Avro, PDF) is refused naming what it is and what to export, never with advice to declare a
column mapping or a quote of its escaped bytes."""

from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
import pytest

from risk_assets.lib.ingest.csv_text import SAS7BDAT_MAGIC, FileRefused
from risk_assets.lib.ingest.loan_formats import parse_loan_file

LOANS = pd.DataFrame({"loan_id": ["1077501", "1077430", "1077175"], "loan_amnt": [5000.0, 2500.0, 2400.0],
                      "int_rate": [10.65, 15.27, 15.96], "loan_status": ["Fully Paid", "Charged Off", "Fully Paid"]})
EXPORT = "which landing cannot read: export the table as CSV (UTF-8) or Parquet and land that"


def _stata(path: Path) -> None:
    LOANS.to_stata(path, write_index=False, version=114)


def _stata_118(path: Path) -> None:
    LOANS.to_stata(path, write_index=False, version=118)


def _feather(path: Path) -> None:
    feather.write_feather(pa.Table.from_pandas(LOANS, preserve_index=False), path)


def _orc(path: Path) -> None:
    pytest.importorskip("pyarrow.orc").write_table(pa.Table.from_pandas(LOANS, preserve_index=False), path)


def _sqlite(path: Path) -> None:
    with sqlite3.connect(path) as con:
        LOANS.to_sql("loans", con, index=False)
    con.close()


@pytest.mark.parametrize(("name", "write", "what"), [
    ("tape.dta", _stata, "a Stata dataset (.dta, format 114)"),
    ("tape118.dta", _stata_118, "a Stata dataset (.dta)"),
    ("tape.feather", _feather, "a Feather (Arrow IPC) file"),
    ("tape.orc", _orc, "an ORC file"),
    ("tape.sqlite", _sqlite, "an SQLite database"),
    ("tape.sas7bdat", lambda p: p.write_bytes(SAS7BDAT_MAGIC + bytes(1024)), "a SAS dataset (.sas7bdat)"),
    ("tape.sav", lambda p: p.write_bytes(b"$FL2@(#) IBM SPSS STATISTICS 64-bit MS Windows 27.0.0.0" + bytes(200)),
     "an SPSS data file (.sav)"),
    ("tape.pdf", lambda p: p.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"),
     "a PDF document"),
])
def test_a_binary_data_file_is_refused_naming_its_format_and_what_to_export(tmp_path, name, write, what):
    path = tmp_path / name
    write(path)
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(path)
    assert str(refused.value) == f"{path}: {what}, {EXPORT}"


def test_a_feather_file_compressed_with_gzip_is_named_inside_gzip(tmp_path):
    _feather(tmp_path / "tape.feather")
    path = tmp_path / "tape.feather.gz"
    path.write_bytes(gzip.compress((tmp_path / "tape.feather").read_bytes()))
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(path)
    assert str(refused.value) == f"{path}: a Feather (Arrow IPC) file inside gzip, {EXPORT}"


def test_a_csv_whose_header_begins_orc_is_read_as_text(tmp_path):
    """'ORC' at the start of a text header is no ORC file (its end is no postscript)."""
    path = tmp_path / "tape.csv"
    path.write_text("ORC_ID,amount\nA1,5000\n", "utf-8")
    Path(f"{path}.mapping.json").write_text(json.dumps({"name": "t", "columns": {
        "ORC_ID": {"to": "source_loan_id", "required": True}, "amount": {"to": "loan_amount", "type": "money"}}}))
    assert parse_loan_file(path).rows.select("source_loan_id", "loan_amount").rows() == [("A1", 5000.0)]


HDF5 = b"\x89HDF\r\n\x1a\n\x00\x00\x00\x00\x00\x08\x08\x00\x04\x00\x10\x00\x00\x00\x00\x00" * 8
"""The start of an HDF5 file (pandas' to_hdf): a binary format landing names nothing of."""


def test_an_unknown_binary_file_is_said_to_be_binary_not_dumped(tmp_path):
    """No format known, with or without a mapping meant for it: the first line is said to be binary,
    with its longest printable run, and the remedy is a CSV or Parquet export, not a mapping."""
    path = tmp_path / "tape.h5"
    path.write_bytes(HDF5)
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(path)
    assert str(refused.value) == (
        f"{path}: no known loan tape format: first line binary, not text (its longest printable run: 'HDF'); tried "
        "LendingClub (needs ['loan_amnt', 'loan_status', 'term'], none of which the header has); SBA (needs "
        "['ApprovalFY', 'LoanNr_ChkDgt', 'MIS_Status'], none of which the header has); delimiters ',' '\\t' '|'. "
        "It is not text: export the loans as CSV (or Parquet) and land that.")
    Path(f"{path}.mapping.json").write_text(json.dumps({"name": "t", "columns": {
        "loan_id": {"to": "source_loan_id", "required": True}, "amount": {"to": "loan_amount", "type": "money"}}}))
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(path)
    assert str(refused.value) == (
        f"{path}: the column mapping meant for it does not fit: {path}.mapping.json (sidecar) declares column(s) "
        "['amount', 'loan_id'] that its header does not have. First line: binary, not text (its longest printable "
        "run: 'HDF'). It is not text: export the loans as CSV (or Parquet) and land that.")
