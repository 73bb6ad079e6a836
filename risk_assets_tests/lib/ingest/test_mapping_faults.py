"""Faults in a user's mapping file and Parquet tapes read through one: a mistake in the mapping is
refused with the mapping file and the key, never ignored so that rows load with nulls or with
values the mapping meant to stop; a Parquet tape reads as its CSV twin does."""

from __future__ import annotations

import json
from datetime import date, timedelta
from itertools import islice
from pathlib import Path

import polars as pl
import pytest

from risk_assets.lib.ingest.loan_formats import parse_loan_file
from risk_assets.lib.ingest.parsed import FileRefused

COLUMNS = {"ref": {"to": "source_loan_id", "required": True}, "booked": {"to": "origination_date"},
           "amount": {"to": "loan_amount"}, "status": {"to": "loan_status"}}


@pytest.fixture
def tape(data_dir, tmp_path) -> Path:
    """The first 6 real LendingClub loans as a bank's tape `acme_1.csv`: ref, booked, amount, status."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        rows = [line.rstrip("\r\n").split(",") for line in islice(handle, 7)]
    col = {name: i for i, name in enumerate(rows[0])}
    lines = ["ref,booked,amount,status"] + [
        f"B-{n},2011-12-0{n},{loan[col['loan_amnt']]},{loan[col['loan_status']]}" for n, loan in enumerate(rows[1:], start=1)]
    path = tmp_path / "acme_1.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "maps").mkdir()
    return path


def _mapping(tape: Path, document: dict | str, name: str = "acme.json") -> Path:
    path = tape.parent / "maps" / name
    path.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
    return path


def _parse(tape: Path):
    return parse_loan_file(tape, mapping_dirs=[tape.parent / "maps"])


def _acme(**extra) -> dict:
    return {"name": "acme", "applies_to": ["acme_*"], "columns": COLUMNS, **extra}


@pytest.mark.parametrize(("document", "says"), [
    (_acme(sentinel={"amount": ["999"]}), "unknown key(s) ['sentinel']; a mapping's keys are"),
    (_acme(asof="2024-06-30"), "unknown key(s) ['asof']"),
    (_acme(columns={**COLUMNS, "amount": {"to": "loan_amount", "requried": True}}),
     "column 'amount': unknown key(s) ['requried']; a column's keys are ['to', 'type', 'format', 'required', 'scale', 'description']"),
    (_acme(columns={**COLUMNS, "income": {"to": "loan_amount"}}), "'amount' and 'income' both map to 'loan_amount'"),
    (_acme(portfolio=["x"]), "'portfolio' must be a non-empty string (it starts every loan key), not ['x']"),
    (_acme(portfolio=" "), "'portfolio' must be a non-empty string"),
    (_acme(applies_to=5), "'applies_to' must be a string or a list of strings, not 5"),
    (_acme(status_map=["Fully Paid"]), "'status_map' must be an object: status text -> 1, 0 or null"),
    (_acme(columns={**COLUMNS, "amount": {"to": ["loan_amount"]}}), "target ['loan_amount'] is not a column of raw.loans"),
    (_acme(as_of="30/06/2024"), "'as_of' must be an ISO date such as '2024-06-30', not '30/06/2024'"),
    (_acme(sentinels=["999"]), "'sentinels' must be an object: source column -> list of codes"),
    (_acme(sentinels={"amount": "999"}), "sentinels.amount: must be a list of codes"),
    ('{"name": "acme", "applies_to": ["acme_*"], "columns": {"ref": "source_loan_id"}, '
     '"columns": {"ref": "source_loan_id"}}', "key(s) ['columns'] written twice in one object"),
    (_acme(control_record={"prefix": "TRL|", "record_count": 1}),
     "control_record.record_count must be the number of a field of the trailer, counted from 1"),
    (_acme(control_record={"prefix": "TRL|"}), "control_record must name a record_count or an amount_total field"),
    (_acme(control_record={"prefix": "TRL|", "amount_total": 3}), "control_record.amount_total and amount_column go together"),
    (_acme(control_record={"prefix": "TRL|", "amount_total": 3, "amount_column": "ref"}),
     "control_record.amount_column 'ref' must be a column the mapping reads as a number or money (it reads text)"),
])
def test_a_mistake_in_a_mapping_refuses_it_naming_the_file_and_the_key(tape, document, says):
    mapping = _mapping(tape, document)
    with pytest.raises(FileRefused) as refused:
        _parse(tape)
    assert f"{mapping}: " in str(refused.value) and says in str(refused.value)


def test_comments_and_descriptions_are_allowed(tape):
    _mapping(tape, _acme(_comment="exported nightly", description="Acme's book",
                         columns={**COLUMNS, "amount": {"to": "loan_amount", "description": "USD"}}))
    assert _parse(tape).rows.height == 6


def test_a_broken_mapping_for_other_files_does_not_stop_this_one(tape):
    _mapping(tape, {"name": "other", "applies_to": ["other_*"], "columns": {}}, name="other.json")
    _mapping(tape, _acme())
    assert _parse(tape).rows.height == 6
    other = tape.with_name("other_1.csv")
    other.write_text(tape.read_text())
    with pytest.raises(FileRefused, match=r"other.json: invalid column mapping: 'columns' must be an object"):
        _parse(other)


def test_numeric_sentinels_match_by_value_and_their_column_must_be_in_the_file(tape):
    lines = tape.read_text().splitlines()
    lines[2] = lines[2].replace(",2500,", ",999.00,")
    tape.write_text("\n".join(lines) + "\n")
    _mapping(tape, _acme(sentinels={"amount": [999]}))
    parsed = _parse(tape)
    parsed.reconcile()
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (3, "amount", "sentinel_value", "999.00")]
    _mapping(tape, _acme(sentinels={"amnt": ["999"]}))
    with pytest.raises(FileRefused, match=r"declares column\(s\) \['amnt'\] that its header does not have"):
        _parse(tape)


def test_a_mapping_that_fills_no_amount_date_or_outcome_says_so_in_the_notes(tape):
    _mapping(tape, _acme(columns={"ref": "source_loan_id"}))
    parsed = _parse(tape)
    assert parsed.notes["targets_not_mapped"] == [
        "loan_amount", "origination_date", "loan_status or default_flag (no outcome: every loan unlabelled)"]
    _mapping(tape, _acme())
    assert "targets_not_mapped" not in _parse(tape).notes


def test_a_parquet_tape_reads_as_its_csv_twin_month_only_snapshot_included(tape):
    """A snapshot written '2024-03' in the CSV is the month's end; the same snapshot typed as a
    Parquet date (2024-03-01) must be too, or loans issued mid-March break issue_after_asof."""
    csv_lines = ["ref,snap,booked,amount,status", "A,2024-03,2024-03-10,5000,Current", "B,2024-03,2023-01-05,2500,Fully Paid"]
    tape.write_text("\n".join(csv_lines) + "\n")
    columns = {"ref": "source_loan_id", "snap": {"to": "snapshot_date", "type": "date", "format": "%Y-%m"},
               "booked": "origination_date", "amount": "loan_amount", "status": "loan_status"}
    _mapping(tape, _acme(columns=columns))
    from_csv = _parse(tape)
    parquet = tape.with_name("acme_2.parquet")
    pl.DataFrame({"ref": ["A", "B"], "snap": [date(2024, 3, 1)] * 2, "booked": [date(2024, 3, 10), date(2023, 1, 5)],
                  "amount": [5000.0, 2500.0], "status": ["Current", "Fully Paid"]}).write_parquet(parquet)
    from_parquet = _parse(parquet)
    assert from_csv.quarantine.height == from_parquet.quarantine.height == 0
    compared = ["source_loan_id", "snapshot_date", "origination_date", "loan_amount", "default_flag"]
    assert from_parquet.rows.select(compared).rows() == from_csv.rows.select(compared).rows()
    assert from_parquet.rows["snapshot_date"].to_list() == [date(2024, 3, 31)] * 2


def test_a_parquet_tape_the_mapping_does_not_fit_names_the_mapping_and_the_missing_columns(tape):
    _mapping(tape, _acme(columns={**COLUMNS, "term": "term_months"}))
    parquet = tape.with_name("acme_2.parquet")
    pl.DataFrame({"ref": ["A"], "booked": [date(2024, 3, 10)], "amount": [1.0], "status": ["Current"]}).write_parquet(parquet)
    with pytest.raises(FileRefused) as refused:
        _parse(parquet)
    assert str(refused.value).endswith("acme.json (applies_to acme_*) declares column(s) ['term'] that the table does not have")


def test_a_mapping_file_that_is_no_json_is_named_not_fatal_to_other_tapes(tape, data_dir):
    """Which files a mapping is for cannot be read from broken JSON: a tape another format reads
    still loads (its notes name the broken file), and a tape nothing reads is refused naming it."""
    broken = _mapping(tape, '{"name": "acme", "applies_to": ["acme_*"], "columns": {', name="acme.json")
    lendingclub = tape.with_name("lc.csv")
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        lendingclub.write_text("".join(islice(handle, 4)))
    parsed = _parse(lendingclub)
    assert parsed.rows.height == 3
    assert parsed.notes["mappings_unreadable"] == [f"{broken}: column mapping is not valid JSON: "
                                                   "Expecting property name enclosed in double quotes: line 1 column 56 (char 55)"]
    with pytest.raises(FileRefused) as refused:
        _parse(tape)
    assert "no known loan tape format" in str(refused.value)
    assert str(refused.value).endswith(f"Mapping file(s) that could not be read: {broken}: column mapping is not valid "
                                       "JSON: Expecting property name enclosed in double quotes: line 1 column 56 (char 55)")


def test_a_zoned_parquet_timestamp_gives_the_date_its_zone_saw_and_says_so(tape):
    from datetime import datetime

    _mapping(tape, _acme())
    parquet = tape.with_name("acme_2.parquet")
    booked = pl.Series("booked", [datetime(2011, 1, 1, 3, 30)]).dt.replace_time_zone("UTC").dt.convert_time_zone("America/New_York")
    pl.DataFrame({"ref": ["A"], "booked": booked, "amount": [5000.0], "status": ["Current"]}).write_parquet(parquet)
    parsed = _parse(parquet)
    assert parsed.rows["origination_date"].to_list() == [date(2010, 12, 31)]
    assert parsed.notes["timestamps_dated_in_their_zone"] == {"booked": "America/New_York"}


def test_a_parquet_decimal_wider_than_38_digits_reads_exactly(tape):
    """BigQuery's BIGNUMERIC exports as decimal256, which polars cannot type: the file was refused
    as if cut short. Arrow reads it, its values as exact text, typed then as the mapping says."""
    from decimal import Decimal

    import pyarrow as pa
    import pyarrow.parquet as pq

    _mapping(tape, _acme())
    amounts = [line.split(",")[2] for line in tape.read_text().splitlines()[1:]]
    table = pa.table({"ref": [f"B-{n}" for n in range(1, 7)], "booked": ["2011-12-01"] * 6,
                      "amount": pa.array([Decimal(a) for a in amounts], pa.decimal256(40, 2)),
                      "status": ["Current"] * 6})
    parquet = tape.with_name("acme_5.parquet")
    pq.write_table(table, parquet)
    with pytest.raises(pl.exceptions.PolarsError):
        pl.read_parquet(parquet)
    parsed = _parse(parquet)
    parsed.reconcile()
    assert parsed.rows["loan_amount"].to_list() == [float(a) for a in amounts]


def test_a_bigquery_numeric_id_keys_the_loan_as_its_csv_does(tape):
    """BigQuery writes a NUMERIC id as decimal(38, 9): `1000014003.000000000` keyed the loan apart
    from the CSV's 1000014003. The scale's zeros are no part of the id; a fraction is no id
    (`non_integer_id`)."""
    from decimal import Decimal

    import pyarrow as pa
    import pyarrow.parquet as pq

    _mapping(tape, _acme())
    ids = ["1000014003", "1000024006", "1000034009.5"]
    table = pa.table({"ref": pa.array([Decimal(i) for i in ids], pa.decimal128(38, 9)),
                      "booked": ["2011-12-01"] * 3, "amount": [5000.0] * 3, "status": ["Current"] * 3})
    parquet = tape.with_name("acme_6.parquet")
    pq.write_table(table, parquet)
    parsed = _parse(parquet)
    parsed.reconcile()
    assert parsed.rows["loan_key"].to_list() == ["acme:1000014003", "acme:1000024006"]
    assert parsed.quarantine.select("line", "rule").rows() == [(3, "non_integer_id")]


def test_a_parquet_column_of_local_midnights_stored_in_utc_reads_as_the_local_dates(tape):
    """Spark, or a timestamptz export, stores a loan booked at midnight in Helsinki as 21:00 or
    22:00 UTC the day before: dated in UTC, every loan loaded a day early. As for a CSV's
    `...T22:00:00Z`, such a column reads as the local dates; a real time of day keeps its UTC date."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    _mapping(tape, _acme())
    parquet = tape.with_name("acme_3.parquet")
    local = [datetime(2011, 1, 1), datetime(2011, 7, 1), datetime(2012, 3, 31)]
    booked = pl.Series("booked", [d.replace(tzinfo=ZoneInfo("Europe/Helsinki")) for d in local]).dt.convert_time_zone("UTC")
    assert booked.dt.hour().to_list() == [22, 21, 21]
    pl.DataFrame({"ref": ["A", "B", "C"], "booked": booked, "amount": [5000.0] * 3,
                  "status": ["Current"] * 3}).write_parquet(parquet)
    parsed = _parse(parquet)
    assert parsed.rows["origination_date"].to_list() == [d.date() for d in local]
    assert "dates_from_local_midnights" in parsed.notes
    timed = tape.with_name("acme_4.parquet")
    at_nine = pl.Series("booked", [datetime(2011, 1, 1, 9), datetime(2011, 7, 1, 15)]).dt.replace_time_zone("UTC")
    pl.DataFrame({"ref": ["A", "B"], "booked": at_nine, "amount": [5000.0] * 2, "status": ["Current"] * 2}).write_parquet(timed)
    assert _parse(timed).rows["origination_date"].to_list() == [date(2011, 1, 1), date(2011, 7, 1)]



def test_a_mapping_names_its_files_whatever_their_case(tape):
    """A Windows export names the tape ACME_1.CSV; the glob acme_* names it too (fnmatch alone is
    case-sensitive on Linux, and the tape was refused as 'no known loan tape format')."""
    _mapping(tape, _acme())
    shouting = tape.with_name("ACME_1.CSV")
    tape.rename(shouting)
    parsed = _parse(shouting)
    parsed.reconcile()
    assert parsed.format == "generic:acme" and parsed.rows.height == 6


def test_a_mapping_reads_a_header_in_any_case_sentinels_included(tape):
    """An Oracle export upper-cases every name (REF, BOOKED, AMOUNT, STATUS): the mapping written for
    the bank's lower-case CSV reads it, its sentinel on AMOUNT too, and the loans are the same."""
    _mapping(tape, _acme(sentinels={"amount": [999]}))
    lower = _parse(tape)
    lines = tape.read_text().splitlines()
    lines[0] = lines[0].upper()
    lines[2] = lines[2].replace(",2500,", ",999.00,")
    shouting = tape.with_name("acme_2.csv")
    shouting.write_text("\n".join(lines) + "\n")
    upper = _parse(shouting)
    upper.reconcile()
    assert upper.format == "generic:acme"
    assert upper.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (3, "AMOUNT", "sentinel_value", "999.00")]
    kept = ["source_loan_id", "origination_date", "loan_amount", "loan_status", "_source_line"]
    assert upper.rows.select(kept).rows() == lower.rows.filter(lower.rows["_source_line"] != 3).select(kept).rows()


def test_a_header_name_typed_with_two_blanks_is_the_mapping_s_name_with_one(tape):
    """A BI report titles its columns `Funded  Amount (USD)` (two blanks, typed by hand) where the
    lender's mapping says `Funded Amount (USD)`: the tape was refused for a column its header
    lacked. Runs of blanks match as one; the loans are those of the plain header."""
    columns = {"ref": {"to": "source_loan_id"}, "booked": {"to": "origination_date", "type": "date"},
               "Funded Amount (USD)": {"to": "loan_amount", "type": "money"}, "status": {"to": "loan_status"}}
    _mapping(tape, {"name": "acme", "applies_to": ["acme_*"], "columns": columns})
    lines = tape.read_text().splitlines()
    plain, doubled = tape.with_name("acme_plain.csv"), tape.with_name("acme_doubled.csv")
    plain.write_text("\n".join(["ref,booked,Funded Amount (USD),status", *lines[1:]]) + "\n")
    doubled.write_text("\n".join(["ref,booked,Funded  Amount  (USD) ,status", *lines[1:]]) + "\n")
    kept = ["source_loan_id", "origination_date", "loan_amount", "loan_status"]
    read = _parse(doubled)
    read.reconcile()
    assert read.rows.height == 6 and read.rows.select(kept).rows() == _parse(plain).rows.select(kept).rows()


def test_dates_stored_as_counts_since_1970_are_read_with_an_epoch_format(data_dir, tmp_path):
    """An Avro export keeps a date as days since 1970 (an int), a Kafka sink a timestamp as
    milliseconds: with `format` `unix_days` / `unix_milliseconds` they load as the real SBA approval
    dates; 0 is Unix time 0, a placeholder; a strftime format without `%` is still refused."""
    import csv as csv_module
    import gzip
    from datetime import datetime, timezone

    with gzip.open(data_dir / "loans" / "sba_national.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        rows = list(islice(csv_module.DictReader(handle), 30))
    approved = [datetime.strptime(r["ApprovalDate"], "%d-%b-%y").date() for r in rows]
    approved = [d.replace(year=d.year - 100) if d.year > 2014 else d for d in approved]
    days = [(d - date(1970, 1, 1)).days for d in approved]
    millis = [int(datetime(d.year, d.month, d.day, 9, 30, tzinfo=timezone.utc).timestamp() * 1000) for d in approved]
    days[-1] = 0  # a NULL the sink wrote as 0
    frame = pl.DataFrame({"loan_id": [r["LoanNr_ChkDgt"] for r in rows], "approval_days": pl.Series(days, dtype=pl.Int32),
                          "approved_ms": millis, "status": [r["MIS_Status"] for r in rows]})
    tape = tmp_path / "avro_sba_2024-05.parquet"
    frame.write_parquet(tape)
    mapping = {"name": "avro", "applies_to": ["avro_*"], "status_map": {"P I F": 0, "CHGOFF": 1, "": None},
               "columns": {"loan_id": {"to": "source_loan_id", "required": True},
                           "approval_days": {"to": "origination_date", "format": "unix_days"},
                           "approved_ms": {"to": "disbursement_date", "format": "unix_milliseconds"},
                           "status": {"to": "loan_status"}}}
    (tmp_path / "maps").mkdir()
    _mapping(tape, mapping)
    parsed = _parse(tape)
    parsed.reconcile()
    assert parsed.rows["disbursement_date"].to_list() == approved[:-1]
    assert parsed.rows["origination_date"].to_list() == approved[:-1]
    assert parsed.quarantine.select("line", "column_name", "rule").rows() == [(30, "approval_days", "placeholder_date")]  # a Parquet row's line is its row number
    # the sink's milliseconds declared as seconds fall past 2100; days declared as seconds in 1970: a unit in doubt
    _mapping(tape, {**mapping, "columns": {**mapping["columns"],
                                           "approval_days": {"to": "origination_date", "format": "unix_seconds"}}})
    doubted = _parse(tape)
    doubted.reconcile()
    assert doubted.rows.height == 0 and set(doubted.quarantine.filter(pl.col("column_name") == "approval_days")["rule"]) == {
        "epoch_unit_in_doubt", "placeholder_date"}
    assert "a count in a coarser unit than declared" in doubted.quarantine["message"][0]
    # a book with a few real loans of 1970 (SBA's go back to 1962) reads them as dates
    early = frame.with_columns(pl.Series("approval_days", [100, 200, *days[2:]], dtype=pl.Int32))
    early.write_parquet(tape)
    _mapping(tape, mapping)
    assert _parse(tape).rows["origination_date"][:2].to_list() == [date(1970, 4, 11), date(1970, 7, 20)]
    _mapping(tape, {**mapping, "columns": {**mapping["columns"], "approval_days": {"to": "origination_date", "format": "days"}}})
    with pytest.raises(FileRefused, match=r"'format' 'days' must be a strftime pattern such as '%d.%m.%Y' or one of "
                                          r"\['unix_days', 'unix_seconds', 'unix_milliseconds', 'unix_microseconds', "
                                          r"'sas_days', 'sas_seconds', 'stata_days', 'stata_milliseconds', 'quarter'\]"):
        _parse(tape)
    # the tape's approval dates typed as dates, under the format its CSV twin declares, are those dates
    frame.with_columns(approval_days=pl.Series(approved, dtype=pl.Date)).write_parquet(tape)
    _mapping(tape, mapping)
    assert _parse(tape).rows["origination_date"].to_list() == approved


@pytest.fixture
def sba_approvals(data_dir) -> list[tuple[str, date, str]]:
    """(loan number, approval date, status) of the first 30 real SBA loans."""
    import csv as csv_module
    import gzip
    from datetime import datetime

    with gzip.open(data_dir / "loans" / "sba_national.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        rows = list(islice(csv_module.DictReader(handle), 30))
    approved = [datetime.strptime(r["ApprovalDate"], "%d-%b-%y").date() for r in rows]
    approved = [d.replace(year=d.year - 100) if d.year > 2014 else d for d in approved]  # 2-Jun-80 is 1980
    return [(r["LoanNr_ChkDgt"], d, r["MIS_Status"]) for r, d in zip(rows, approved, strict=True)]


@pytest.mark.parametrize(("fmt", "count"), [
    ("sas_days", lambda days: str(days)),                       # SAS date value, Stata %td
    ("stata_days", lambda days: str(days)),
    ("sas_seconds", lambda days: f"{days * 86400 + 34200}"),      # SAS datetime value, 09:30 that day
    ("stata_milliseconds", lambda days: f"{(days * 86400 + 34200) * 1000}"),  # Stata %tc
])
def test_sas_and_stata_counts_since_1960_are_read_with_their_format(sba_approvals, tmp_path, fmt, count):
    """SAS and Stata keep a date as days since 1 January 1960 (SAS Language Reference: a SAS date
    value), a datetime as seconds (SAS) or milliseconds (Stata %tc) since its midnight: exported as
    numbers, the SBA approval of 28 February 1997 is 13573, and each count format reads the real
    dates back; its 0 is the epoch, a placeholder."""
    days = [(d - date(1960, 1, 1)).days for _, d, _ in sba_approvals]
    assert days[0] == 13573
    lines = ["loan_id,approved,status"] + [f"{loan},{count(n)},{status}" for (loan, _, status), n in zip(sba_approvals, days)]
    lines[-1] = f"{sba_approvals[-1][0]},0,{sba_approvals[-1][2]}"
    tape = tmp_path / "sas_export.csv"
    tape.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "sas_export.csv.mapping.json").write_text(json.dumps({
        "name": "sas", "as_of": "2014-12-31", "status_map": {"P I F": 0, "CHGOFF": 1},
        "columns": {"loan_id": {"to": "source_loan_id"}, "approved": {"to": "origination_date", "format": fmt},
                    "status": {"to": "loan_status"}}}))
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.rows["origination_date"].to_list() == [d for _, d, _ in sba_approvals[:-1]]
    assert parsed.quarantine.select("line", "rule").rows() == [(31, "placeholder_date")]


def test_a_sas_date_declared_as_unix_days_names_the_1960_epoch_where_it_lands_after_the_tape(sba_approvals, tmp_path):
    """SAS day numbers declared `unix_days` land every loan 3,653 days late, silently where the date
    stays before the tape's as-of date: the loans it puts after it say why it may be, and name the
    1960 formats."""
    lines = ["loan_id,approved,status"] + [f"{loan},{(d - date(1960, 1, 1)).days},{status}"
                                           for loan, d, status in sba_approvals]
    tape = tmp_path / "sas_export.csv"
    tape.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "sas_export.csv.mapping.json").write_text(json.dumps({
        "name": "sas", "as_of": "2014-12-31", "status_map": {"P I F": 0, "CHGOFF": 1},
        "columns": {"loan_id": {"to": "source_loan_id"}, "approved": {"to": "origination_date", "format": "unix_days"},
                    "status": {"to": "loan_status"}}}))
    parsed = parse_loan_file(tape)
    late = [line for line, (_, d, _) in enumerate(sba_approvals, start=2) if d + timedelta(days=3653) > date(2014, 12, 31)]
    assert late and parsed.quarantine.select("line").to_series().to_list() == late
    assert set(parsed.quarantine["rule"]) == {"issue_after_asof"}
    assert all("read so lands 3,653 days late" in m and '"sas_days"' in m for m in parsed.quarantine["message"])


def test_a_tab_separated_tape_under_a_mapping_naming_no_delimiter_reads_at_the_tab_and_says_so(tape):
    """Excel's 'Unicode text' (UTF-16 with its BOM, tab-separated) and a .tsv, one purpose holding a
    quoted tab: the mapping names no delimiter, its header fits at the tab, so the tape loads."""
    lines = tape.read_text(encoding="utf-8").splitlines()
    tabbed = [line.replace(",", "\t") for line in lines]
    tabbed[0] += "\tpurpose"
    tabbed[1:] = [line + ("\t\"say \"\"hi\"\"\tthere\"" if n == 2 else "\tcar") for n, line in enumerate(tabbed[1:], 1)]
    _mapping(tape, _acme(columns={**COLUMNS, "purpose": {"to": "purpose"}}))
    for name, data in (("acme_1.txt", "\ufeff" + "\r\n".join(tabbed) + "\r\n"), ("acme_1.tsv", "\n".join(tabbed) + "\n")):
        text = tape.with_name(name)
        text.write_bytes(data.encode("utf-16-le" if name.endswith(".txt") else "utf-8"))
        parsed = _parse(text)
        parsed.reconcile()
        assert parsed.quarantine.height == 0 and parsed.notes["delimiter_detected"] == "\t"
        assert parsed.rows.select("source_loan_id", "origination_date", "loan_amount", "purpose").rows()[:3] == [
            ("B-1", date(2011, 12, 1), 5000.0, "car"), ("B-2", date(2011, 12, 2), 2500.0, 'say "hi"\tthere'),
            ("B-3", date(2011, 12, 3), 2400.0, "car")]
    # a mapping that names its delimiter is taken at its word: the tab-separated header does not fit it
    _mapping(tape, _acme(columns={**COLUMNS, "purpose": {"to": "purpose"}}, dialect={"delimiter": ","}))
    with pytest.raises(FileRefused, match="declares column"):
        _parse(tape.with_name("acme_1.tsv"))
    _mapping(tape, _acme())
    assert "delimiter_detected" not in _parse(tape).notes  # a comma-separated tape: nothing detected
