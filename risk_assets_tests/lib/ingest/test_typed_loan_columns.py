"""A Parquet loan tape's typed columns read as their CSV twin's text would: a DTI column whose
values above 2 show it is in percent points loads its 1.1, a zoned timestamp at midnight is its date,
and a null status is named as missing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from risk_assets.lib.ingest.loan_formats import parse_loan_file

MAPPING = {"name": "acme", "portfolio": "acme", "as_of": "2024-06-30",
           "columns": {"loan_id": {"to": "source_loan_id", "required": True},
                       "orig": {"to": "origination_date", "type": "date"},
                       "amount": {"to": "loan_amount", "type": "money", "required": True},
                       "status": {"to": "loan_status"},
                       "dti": {"to": "dti", "type": "number"}},
           "status_map": {"Fully Paid": 0, "Charged Off": 1, "Current": None}}


def _tape(path: Path, columns: dict[str, pa.Array], mapping: dict = MAPPING) -> Path:
    """`columns` written as a Parquet file at `path`, with `mapping` beside it."""
    pq.write_table(pa.table(columns), path)
    Path(f"{path}.mapping.json").write_text(json.dumps(mapping), "utf-8")
    return path


def _acme(path: Path, dti: list[float | None], status: list[str | None] | None = None) -> Path:
    n = len(dti)
    return _tape(path, {
        "loan_id": pa.array(range(1001, 1001 + n), pa.int64()),
        "orig": pa.array([dt.date(2023, 1, 1 + i) for i in range(n)], pa.date32()),
        "amount": pa.array([5000.0 + 1000 * i for i in range(n)]),
        "status": pa.array(status or ["Fully Paid", "Charged Off"] * (n // 2) + ["Fully Paid"] * (n % 2)
                           ).dictionary_encode(),
        "dti": pa.array(dti, pa.float64())})


def _quarantined(parsed) -> list[tuple]:
    return sorted(parsed.quarantine.select("line", "column_name", "rule", "raw_value", "message").rows())


def test_a_dti_of_1_1_among_values_above_2_loads_in_percent_points(tmp_path):
    """DTI 14.14, 3.3, 2.2, 1.1, 1.0, 1.0: read as fractions the last three would be 110 % and 100 %,
    more than twice any DTI the file writes in percent points; they are 1.1 % and 1 %, not unclear."""
    parsed = parse_loan_file(_acme(tmp_path / "acme.parquet", [14.14, 3.3, 2.2, 1.1, 1.0, 1.0]))
    assert _quarantined(parsed) == []
    assert parsed.rows.sort("_source_line")["dti"].to_list() == [14.14, 3.3, 2.2, 1.1, 1.0, 1.0]


def test_ratios_within_the_range_of_the_column_s_percent_points_stay_unclear_and_say_their_readings(tmp_path):
    """0.35 and 0.22 among 35.2, 18.4 and 27.9 read as fractions are 35 % and 22 %, DTIs the file
    shows: their scale stays unclear, and the message gives the value's own two readings. 1.4 would be
    140 %, twice past the largest (35.2): it loads as 1.4 %."""
    parsed = parse_loan_file(_acme(tmp_path / "acme.parquet", [35.2, 18.4, 27.9, 0.35, 0.22, 1.4]))
    assert [row[:4] for row in _quarantined(parsed)] == [(4, "dti", "percent_scale_unclear", "0.35"),
                                                        (5, "dti", "percent_scale_unclear", "0.22")]
    assert [row[4] for row in _quarantined(parsed)] == [
        "column dti: '0.35' is 0-2 without a '%' where the file does not show its scale: 0.35 % or, as a fraction, 35 %?",
        "column dti: '0.22' is 0-2 without a '%' where the file does not show its scale: 0.22 % or, as a fraction, 22 %?"]
    assert parsed.rows.sort("_source_line")["dti"].to_list() == [35.2, 18.4, 27.9, 1.4]


def test_a_utilisation_read_per_cent_quotes_its_own_readings(tmp_path):
    """A percent column stores the value / 100; the message still quotes it as written."""
    mapping = {**MAPPING, "columns": {**MAPPING["columns"], "util": {"to": "revol_util", "type": "percent"}}}
    path = tmp_path / "acme.csv"
    path.write_text("loan_id,orig,amount,status,dti,util\n"
                    "1001,2023-01-01,5000,Fully Paid,14.1,83.7%\n"
                    "1002,2023-01-02,6000,Fully Paid,9.2,0.837\n", "utf-8")
    Path(f"{path}.mapping.json").write_text(json.dumps(mapping), "utf-8")
    parsed = parse_loan_file(path)
    assert [row[1:] for row in _quarantined(parsed)] == [(
        "util", "percent_scale_unclear", "0.837",
        "column util: '0.837' is 0-2 without a '%' where the file does not show its scale: 0.837 % or, as a "
        "fraction, 83.7 %?")]
