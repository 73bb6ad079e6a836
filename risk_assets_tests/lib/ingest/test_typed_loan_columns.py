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


def test_a_utc_midnight_is_its_date_with_no_time_of_day_dropped(tmp_path):
    """A `timestamp[us, tz=UTC]` charge-off column of midnights reads as its dates, noting nothing,
    as a zone-less one does; 09:15 UTC beside them is still a time of day, dropped with a note that
    counts it alone; beside 14:30 (Adelaide's midnight, but one value of three) the midnights still
    drop no time of day: only 14:30's is counted, and it keeps its UTC date."""
    mapping = {"name": "acme", "columns": {"loan_id": {"to": "source_loan_id", "required": True},
                                           "amount": {"to": "loan_amount", "type": "money"},
                                           "chg": {"to": "chargeoff_date", "type": "date"}}}
    midnights = [dt.datetime(2023, 3, 1, tzinfo=dt.timezone.utc), dt.datetime(2023, 7, 1, tzinfo=dt.timezone.utc),
                 dt.datetime(2024, 2, 29, tzinfo=dt.timezone.utc)]
    columns = {"loan_id": pa.array(["T1", "T2", "T3"]), "amount": pa.array([1000.0, 2000.0, 4000.0])}
    parsed = parse_loan_file(_tape(tmp_path / "times.parquet",
                                   {**columns, "chg": pa.array(midnights, pa.timestamp("us", tz="UTC"))}, mapping))
    assert parsed.rows.sort("_source_line")["chargeoff_date"].to_list() == [dt.date(2023, 3, 1), dt.date(2023, 7, 1),
                                                                          dt.date(2024, 2, 29)]
    assert "date_time_of_day_dropped" not in parsed.notes and parsed.quarantine.height == 0
    morning = [*midnights[:2], dt.datetime(2024, 2, 29, 9, 15, tzinfo=dt.timezone.utc)]
    parsed = parse_loan_file(_tape(tmp_path / "times2.parquet",
                                   {**columns, "chg": pa.array(morning, pa.timestamp("us", tz="UTC"))}, mapping))
    assert parsed.notes["date_time_of_day_dropped"] == {"chg": 1}
    assert parsed.rows.sort("_source_line")["chargeoff_date"].to_list()[2] == dt.date(2024, 2, 29)
    afternoon = [*midnights[:2], dt.datetime(2024, 2, 29, 14, 30, tzinfo=dt.timezone.utc)]
    parsed = parse_loan_file(_tape(tmp_path / "times3.parquet",
                                   {**columns, "chg": pa.array(afternoon, pa.timestamp("us", tz="UTC"))}, mapping))
    assert parsed.notes["date_time_of_day_dropped"] == {"chg": 1} and "dates_from_local_midnights" not in parsed.notes
    assert parsed.rows.sort("_source_line")["chargeoff_date"].to_list()[2] == dt.date(2024, 2, 29)


def test_utc_midnights_among_afternoon_times_drop_no_time_of_day_and_keep_their_utc_date(tmp_path):
    """An origination column in UTC: 2019-03-01T00:00Z and 2019-03-02T00:00Z drop no time of day;
    15:30Z and 09:00Z do and are the two counted, each on its UTC date. A column of local midnights
    (nine loans at 23:00Z, Berlin's midnight) with one loan at 00:00Z: the nine read as the next
    day's dates, the midnight as its own, and no time of day is counted as dropped."""
    utc = dt.timezone.utc
    mapping = {"name": "acme", "columns": {"loan_id": {"to": "source_loan_id", "required": True},
                                           "amount": {"to": "loan_amount", "type": "money"},
                                           "orig": {"to": "origination_date", "type": "date"}}}
    stamps = [dt.datetime(2019, 3, 1, tzinfo=utc), dt.datetime(2019, 3, 1, 15, 30, tzinfo=utc),
              dt.datetime(2019, 3, 2, tzinfo=utc), dt.datetime(2019, 3, 2, 9, 0, tzinfo=utc)]
    parsed = parse_loan_file(_tape(tmp_path / "afternoon.parquet", {
        "loan_id": pa.array(["A1", "A2", "A3", "A4"]), "amount": pa.array([1000.0, 2000.0, 3000.0, 4000.0]),
        "orig": pa.array(stamps, pa.timestamp("us", tz="UTC"))}, mapping))
    assert parsed.rows.sort("_source_line")["origination_date"].to_list() == [
        dt.date(2019, 3, 1), dt.date(2019, 3, 1), dt.date(2019, 3, 2), dt.date(2019, 3, 2)]
    assert parsed.notes["date_time_of_day_dropped"] == {"orig": 2}
    assert "dates_from_local_midnights" not in parsed.notes and parsed.quarantine.height == 0
    berlin = [dt.datetime(2019, 3, day, 23, 0, tzinfo=utc) for day in range(1, 10)] + [dt.datetime(2019, 3, 20, tzinfo=utc)]
    parsed = parse_loan_file(_tape(tmp_path / "berlin.parquet", {
        "loan_id": pa.array([f"B{i}" for i in range(1, 11)]), "amount": pa.array([1000.0 * i for i in range(1, 11)]),
        "orig": pa.array(berlin, pa.timestamp("us", tz="UTC"))}, mapping))
    assert parsed.rows.sort("_source_line")["origination_date"].to_list() == [
        *(dt.date(2019, 3, day) for day in range(2, 11)), dt.date(2019, 3, 20)]
    assert parsed.notes["dates_from_local_midnights"] == {"orig": "9 values at 23:00 UTC read as the next day's local "
                                                                  "midnight (a zone east of UTC, written in UTC)"}
    assert "date_time_of_day_dropped" not in parsed.notes and parsed.quarantine.height == 0


MISSING_STATUS = ("column status: '' is empty: the loan's status is missing, so whether it defaulted cannot be told; "
                  "write its status, or, where the tape leaves it empty for loans with no outcome yet, add \"\": null "
                  "to the \"status_map\" of mapping 'acme' (in {mapping})")


def test_a_null_status_in_parquet_is_named_missing_as_a_csv_s_empty_status_is(tmp_path):
    """A dictionary-encoded null status and a CSV's empty status: `unknown_status`, said to be missing,
    not a status '' to add to the map."""
    path = _acme(tmp_path / "acme.parquet", [14.14, 3.3, 9.2],
                 ["Fully Paid", None, "Charged Off"])
    parsed = parse_loan_file(path)
    assert [row[:4] for row in _quarantined(parsed)] == [(2, "status", "unknown_status", "")]
    assert _quarantined(parsed)[0][4] == MISSING_STATUS.format(mapping=f"{path}.mapping.json")
    csv = tmp_path / "acme.csv"
    csv.write_text("loan_id,orig,amount,status,dti\n1001,2023-01-01,5000,Fully Paid,14.14\n"
                   "1002,2023-01-02,6000,,3.3\n1003,2023-01-03,7000,Default,9.2\n", "utf-8")
    Path(f"{csv}.mapping.json").write_text(json.dumps(MAPPING), "utf-8")
    parsed = parse_loan_file(csv)
    rows = _quarantined(parsed)
    assert [row[:4] for row in rows] == [(3, "status", "unknown_status", ""), (4, "status", "unknown_status", "Default")]
    assert rows[0][4] == MISSING_STATUS.format(mapping=f"{csv}.mapping.json")
    assert rows[1][4].startswith("column status: 'Default' is not a status of the status map of mapping 'acme'")


def test_typed_dates_under_a_month_format_say_the_days_they_drop(tmp_path):
    """A month column ('%Y-%m') typed as a Parquet date: 2019-03-15 and 2019-04-30 load as their
    months and are said (rows, lines, what was kept), a date on the 1st is a month as written. A
    snapshot_date on its month's end loads as that very day; 2024-05-15 is said. A timestamp's
    13:30 under the month format is dropped with the time-of-day count, as a CSV's is."""
    mapping = {"name": "acme", "columns": {"loan_id": {"to": "source_loan_id", "required": True},
                                           "amount": {"to": "loan_amount", "type": "money"},
                                           "orig": {"to": "origination_date", "type": "date", "format": "%Y-%m"},
                                           "snap": {"to": "snapshot_date", "type": "date", "format": "%Y-%m"}}}
    parsed = parse_loan_file(_tape(tmp_path / "months.parquet", {
        "loan_id": pa.array(["M1", "M2", "M3", "M4"]), "amount": pa.array([12000.0, 8500.0, 20000.0, 5000.0]),
        "orig": pa.array([dt.datetime(2019, 3, 15), dt.datetime(2019, 3, 1), dt.datetime(2019, 4, 30),
                          dt.datetime(2019, 6, 1, 13, 30)], pa.timestamp("us")),
        "snap": pa.array([dt.date(2024, 5, 31), dt.date(2024, 5, 15), dt.date(2024, 5, 1), dt.date(2024, 5, 31)])},
        mapping))
    assert parsed.quarantine.height == 0
    assert parsed.rows.sort("_source_line").select("origination_date", "snapshot_date").rows() == [
        (dt.date(2019, 3, 1), dt.date(2024, 5, 31)), (dt.date(2019, 3, 1), dt.date(2024, 5, 31)),
        (dt.date(2019, 4, 1), dt.date(2024, 5, 31)), (dt.date(2019, 6, 1), dt.date(2024, 5, 31))]
    assert parsed.notes["date_day_dropped"] == {
        "orig": {"rows": 2, "lines": [1, 3], "kept": "the month: 2019-03-15 loads as 2019-03-01"},
        "snap": {"rows": 1, "lines": [2], "kept": "the month: 2024-05-15 loads as 2024-05-31"}}
    assert parsed.notes["date_time_of_day_dropped"] == {"orig": 1}
