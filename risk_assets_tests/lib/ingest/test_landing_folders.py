"""Tapes delivered one folder per month, and Hive-style partition folders: the folder's as-of date
versions the tape, and a partition's value fills the column the files lack."""

from __future__ import annotations

from itertools import islice
from pathlib import Path

import dagster as dg
import pytest
from dagster_dbt import DbtCliResource

from risk_assets.defs.ingest.assets import raw_loans
from risk_assets.defs.resources import LakeResource
from risk_assets.defs.transform.assets import DBT_ASSETS
from risk_assets.defs.transform.project import dbt_executable, dbt_project
from risk_assets.lib.ingest.folders import folder_date, name_dates, read_folders
from risk_assets.lib.ingest.loan_formats import parse_loan_file
from risk_assets.lib.ingest.parsed import FileRefused
from risk_assets.lib.lake import connect


@pytest.fixture
def lc_lines(data_dir) -> list[str]:
    """The header and the first 6 loans of the real LendingClub file, line ends removed."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        return [line.rstrip("\r\n") for line in islice(handle, 7)]


def _tape(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _with_ids(lc_lines: list[str], first_id: int = 1000) -> list[str]:
    return ["id," + lc_lines[0]] + [f"{first_id + n},{line}" for n, line in enumerate(lc_lines[1:])]


@pytest.mark.parametrize(("parts", "as_of", "month_end"), [
    (("acme", "2024-06-30"), "2024-06-30", False),
    (("acme", "asof_2024-05-31"), "2024-05-31", False),
    (("20240630",), "2024-06-30", False),
    (("2024-06",), "2024-06-30", True),
    (("06-2024",), "2024-06-30", True),
    (("May 2024",), "2024-05-31", True),
    (("2024_Feb",), "2024-02-29", True),
    (("2024", "06"), "2024-06-30", True),
    (("2024", "06", "15", "acme"), "2024-06-15", False),
    (("year=2024", "month=6"), "2024-06-30", True),
    (("as_of=2024-05-31", "addr_state=AZ"), "2024-05-31", False),
    (("acme", "2024"), None, False),  # a year states no as-of date
    (("200612",), None, False),  # nor six digits: a lender's or a batch's number as likely as a month
    (("addr_state=AZ",), None, False),
    (("backup_2024-06-30_old",), None, False),  # a name that only contains a date
])
def test_the_folder_nearest_the_file_that_states_a_date_gives_the_as_of(parts, as_of, month_end):
    facts = read_folders(parts)
    assert (facts.as_of.isoformat() if facts.as_of else None, facts.month_end) == (as_of, month_end)


@pytest.mark.parametrize("part", ["asof_June2024", "dt=yesterday", "asof_2024-06-31", "snapshot_date=2024-13",
                                  "as_of=2024-06-31", "2024-02-30"])
def test_a_folder_meant_to_date_the_tape_whose_date_is_not_read_is_an_error(part):
    """A marker or date partition whose date is not read, or does not exist, refuses the tape."""
    with pytest.raises(ValueError, match=part):
        read_folders(("acme", part))


def test_dates_folder_and_file_names_carry():
    assert folder_date("2024-06-31") is None
    assert folder_date("200612") is None  # six digits are as likely a lender's or a batch's number
    assert [[(d.isoformat(), text) for d, _, text in name_dates(n)] for n in (
        "acme_tape.csv", "tape_2024-05.csv", "LOANS_20240531.CSV", "acme_tape June 2024.csv", "tape_06-2024.csv",
        "lendingclub_2007_2011.csv", "loans_2024-01_to_2024-03.csv", "report_2024-06-30_v2.csv")] == [
        [], [("2024-05-31", "2024-05")], [("2024-05-31", "20240531")], [("2024-06-30", "June 2024")],
        [("2024-06-30", "06-2024")], [], [("2024-01-31", "2024-01"), ("2024-03-31", "2024-03")],
        [("2024-06-30", "2024-06-30")]]


def test_monthly_tapes_in_dated_folders_are_versioned_by_the_folder_whatever_the_landing_order(risk_home, lc_lines):
    """The same file name every month, one folder per month: `2024-06-30/` sorts before
    `asof_2024-05-31/`, and landed in path order and undated, May's `Fully Paid` rows became each
    loan's newest version and June's charge-off vanished from the features. Dated by their folders
    (and landed in that order), June is the newest version of every loan."""
    may = _with_ids(lc_lines)
    june = [may[0]] + [line.replace(",Fully Paid", ",Charged Off") if n == 1 else line for n, line in enumerate(may[1:], 1)]
    assert may[1].endswith(",Fully Paid") and june[1].endswith(",Charged Off")
    _tape(risk_home.landing_loans / "acme" / "asof_2024-05-31" / "acme_tape.csv", may)
    _tape(risk_home.landing_loans / "acme" / "2024-06-30" / "acme_tape.csv", june)
    resources = {"lake": LakeResource(root=str(risk_home.root)),
                 "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())}
    result = dg.materialize([raw_loans, *DBT_ASSETS], resources=resources, selection=["raw_loans", "stg_loans"])
    assert result.success
    notes = result.asset_materializations_for_node("raw_loans")[0].metadata["reader_notes_json"].value
    assert notes["acme_tape.csv"]["as_of_from_folder"] in ("2024-06-30 -> 2024-06-30", "asof_2024-05-31 -> 2024-05-31")
    with connect(risk_home.lake_path, read_only=True) as con:
        landed = con.execute("SELECT _source_file, min(snapshot_date)::VARCHAR, count(*) FROM raw.loans "
                             "GROUP BY 1 ORDER BY min(_ingested_at)").fetchall()
        versions = con.execute("SELECT snapshot_version, loan_status, snapshot_date::VARCHAR FROM staging.stg_loans "
                               "WHERE loan_key = 'lendingclub:1000' ORDER BY 1").fetchall()
    assert [(Path(f).parent.name, d, n) for f, d, n in landed] == [("asof_2024-05-31", "2024-05-31", 6),
                                                                   ("2024-06-30", "2024-06-30", 6)]
    assert versions == [(1, "Fully Paid", "2024-05-31"), (2, "Charged Off", "2024-06-30")]


def test_a_file_name_with_a_date_of_its_own_is_not_given_its_folders_and_an_unread_folder_date_refuses(
        tmp_path, lc_lines):
    """A back-fill folder holds tapes of many months: a file whose name carries a date, marked or not,
    is not given the folder's (an unmarked date in a name may be a run date: it orders landing, see
    below, but dates nothing). A folder meant to date its tapes whose date cannot be read refuses them."""
    import datetime as dt

    landing = tmp_path / "landing"
    named = _tape(landing / "2024-06-30" / "loans_asof_2024-03-31.csv", _with_ids(lc_lines))
    dated = _tape(landing / "2024-06-30" / "tape_2024-04.csv", _with_ids(lc_lines))
    parsed = parse_loan_file(named, landing=landing)
    assert parsed.rows.get_column("snapshot_date").unique().to_list() == [dt.date(2024, 3, 31)]
    assert "as_of_from_folder" not in parsed.notes
    parsed = parse_loan_file(dated, landing=landing)
    assert parsed.rows.get_column("snapshot_date").null_count() == 6 and "as_of_from_folder" not in parsed.notes
    bad = _tape(landing / "acme" / "asof_June2024" / "tape.csv", _with_ids(lc_lines))
    with pytest.raises(FileRefused, match=r"tape.csv: folder 'asof_June2024' names an as-of date in no form read"):
        parse_loan_file(bad, landing=landing)


def test_a_hive_partition_folder_gives_its_column_to_the_files_that_lack_it(tmp_path, lc_lines):
    """Spark's partitionBy("addr_state") keeps the state in the folder name only: it loaded as NULL
    on every loan. The partition fills a mapped column the file lacks; one that names no mapped
    column is listed, never dropped without a word."""
    header = lc_lines[0].split(",")
    state = header.index("addr_state")
    without_state = [",".join(v for i, v in enumerate(line.split(",")) if i != state) for line in lc_lines]
    landing = tmp_path / "landing"
    tape = _tape(landing / "lc_by_state" / "region=west" / "addr_state=AZ" / "part-00000.csv", without_state)
    parsed = parse_loan_file(tape, landing=landing)
    parsed.reconcile()
    assert parsed.rows.height == 6 and parsed.quarantine.height == 0
    assert parsed.rows.get_column("addr_state").to_list() == ["AZ"] * 6
    assert parsed.notes["columns_from_folder"] == {"addr_state": "AZ"}
    assert parsed.notes["folder_values_unread"] == {"region": "west"}
    # Hive's NULL partition is an empty value, not a state named __HIVE_DEFAULT_PARTITION__
    unknown = _tape(landing / "lc_by_state" / "addr_state=__HIVE_DEFAULT_PARTITION__" / "part-00000.csv", without_state)
    assert parse_loan_file(unknown, landing=landing).rows.get_column("addr_state").null_count() == 6
    # a file that has the column keeps its own values
    own = _tape(landing / "addr_state=AZ" / "part-00001.csv", lc_lines)
    parsed = parse_loan_file(own, landing=landing)
    assert parsed.rows.get_column("addr_state").to_list() == [line.split(",")[state] for line in lc_lines[1:]]
    assert "columns_from_folder" not in parsed.notes
    states = [line.split(",")[state] for line in lc_lines[1:]]
    assert parsed.notes["folder_values_differ"] == {
        "addr_state": f"the folder says 'AZ', {sum(s != 'AZ' for s in states)} rows another value"}


def test_a_loan_issued_after_its_folders_date_names_the_folder_in_its_quarantine_message(tmp_path, lc_lines):
    """A folder of originations by month (a vintage, `2011-10/`) is no as-of date, yet reads as one:
    the December 2011 loans of the real file would be issued after it. They are quarantined with
    the rule as before, and the message says the date came from the folder and how to give the
    tape's own."""
    landing = tmp_path / "landing"
    issued = ["Oct-2011", "Oct-2011", "Nov-2011", "Dec-2011", "Oct-2011", "Dec-2011"]
    lines = _with_ids(lc_lines)
    tape = _tape(landing / "2011-10" / "originations.csv",
                 ["issue_d," + lines[0]] + [f"{month},{line}" for month, line in zip(issued, lines[1:], strict=True)])
    parsed = parse_loan_file(tape, landing=landing)
    parsed.reconcile()
    assert parsed.notes["as_of_from_folder"] == "2011-10 -> 2011-10-31 (the month's last day)"
    assert parsed.rows.height == 3
    late = parsed.quarantine.filter(parsed.quarantine["rule"] == "issue_after_asof")
    assert late["line"].to_list() == [4, 5, 7]
    assert late["message"][0].endswith(
        "is an issue date after the tape's as-of date (2011-10-31, from the folder '2011-10': if it names no "
        "as-of date, give the tape's in its file name (asof_YYYY-MM-DD) or a sidecar mapping's as_of)")


def test_undated_monthly_tapes_land_in_the_order_of_the_dates_their_names_or_folders_state(risk_home, lc_lines):
    """`June 2024/acme_tape June 2024.csv` sorts before `May 2024/acme_tape May 2024.csv`. Their names
    carry a date (no as-of marker), so neither is dated and staging orders their versions by
    landing time: landing in path order made May's rows the newest and June's charge-off vanished.
    Files land in the order of the dates their names (else their folders) state."""
    from risk_assets.lib.ingest.landing import landable_files

    may = _with_ids(lc_lines)
    june = [may[0]] + [line.replace(",Fully Paid", ",Charged Off") if n == 1 else line for n, line in enumerate(may[1:], 1)]
    _tape(risk_home.landing_loans / "acme" / "June 2024" / "acme_tape June 2024.csv", june)
    _tape(risk_home.landing_loans / "acme" / "May 2024" / "acme_tape May 2024.csv", may)
    earlier = [may[0]] + [line.replace(",Fully Paid", ",Current") if n == 1 else line for n, line in enumerate(may[1:], 1)]
    _tape(risk_home.landing_loans / "acme" / "tape_06-2023.csv", earlier)
    _tape(risk_home.landing_loans / "lendingclub.csv", lc_lines)
    assert [p.name for p in landable_files(risk_home.landing_loans)] == [
        "lendingclub.csv", "tape_06-2023.csv", "acme_tape May 2024.csv", "acme_tape June 2024.csv"]
    resources = {"lake": LakeResource(root=str(risk_home.root)),
                 "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())}
    assert dg.materialize([raw_loans, *DBT_ASSETS], resources=resources, selection=["raw_loans", "stg_loans"]).success
    with connect(risk_home.lake_path, read_only=True) as con:
        versions = con.execute("SELECT snapshot_version, loan_status, regexp_extract(_source_file, '[^/]+$') "
                               "FROM staging.stg_loans WHERE loan_key = 'lendingclub:1000' ORDER BY 1").fetchall()
    assert versions == [(1, "Current", "tape_06-2023.csv"), (2, "Fully Paid", "acme_tape May 2024.csv"),
                        (3, "Charged Off", "acme_tape June 2024.csv")]


def test_an_undated_tape_named_latest_lands_after_the_dated_ones_so_it_is_the_newest_version(risk_home, lc_lines):
    """`acme_tape_latest.csv` beside `acme_tape_2024-05.csv`: undated files land first, so the latest
    tape was the older version and May's `Fully Paid` outlived its charge-off. A name that says it is
    the newest lands after the dated files; `current_loans.csv` is not read so."""
    from risk_assets.lib.ingest.landing import landable_files

    may = _with_ids(lc_lines)
    latest = [may[0]] + [line.replace(",Fully Paid", ",Charged Off") if n == 1 else line for n, line in enumerate(may[1:], 1)]
    _tape(risk_home.landing_loans / "acme" / "acme_tape_latest.csv", latest)
    _tape(risk_home.landing_loans / "acme" / "acme_tape_2024-05.csv", may)
    _tape(risk_home.landing_loans / "other" / "current_loans.csv", _with_ids(lc_lines, first_id=5000))
    _tape(risk_home.landing_loans / "other" / "loans NEWEST.csv", _with_ids(lc_lines, first_id=7000))
    assert [p.name for p in landable_files(risk_home.landing_loans)] == [
        "current_loans.csv", "acme_tape_2024-05.csv", "acme_tape_latest.csv", "loans NEWEST.csv"]
    resources = {"lake": LakeResource(root=str(risk_home.root)),
                 "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())}
    assert dg.materialize([raw_loans, *DBT_ASSETS], resources=resources, selection=["raw_loans", "stg_loans"]).success
    with connect(risk_home.lake_path, read_only=True) as con:
        versions = con.execute("SELECT snapshot_version, loan_status, regexp_extract(_source_file, '[^/]+$') "
                               "FROM staging.stg_loans WHERE loan_key = 'lendingclub:1000' ORDER BY 1").fetchall()
    assert versions == [(1, "Fully Paid", "acme_tape_2024-05.csv"), (2, "Charged Off", "acme_tape_latest.csv")]


def test_a_name_that_repeats_its_folders_month_keeps_the_folders_date_and_names_order_landing(tmp_path, lc_lines):
    """`2024-06-30/acme_tape_20240630.csv` beside `2024-05-31/acme_tape.csv`: the name's date
    confirms its folder's, so June is dated too (undated, it was the older version). Landing order
    reads the names' dates in US or day-first order where only one exists, `Sept`, and the latest
    of a month and the day it was run; an eight-digit batch folder that is no date loads undated."""
    import datetime as dt

    from risk_assets.lib.ingest.landing import landable_files

    landing = tmp_path / "landing"
    june = _tape(landing / "mixed" / "2024-06-30" / "acme_tape_20240630.csv", _with_ids(lc_lines))
    parsed = parse_loan_file(june, landing=landing)
    assert parsed.rows.get_column("snapshot_date").unique().to_list() == [dt.date(2024, 6, 30)]
    for name in ("acme_tape_01-31-2024.csv", "acme_tape_12-31-2023.csv", "acme_tape Sept 2024.csv",
                 "acme_tape Aug 2024.csv", "acme_tape May 2024 run 2024-06-03.csv", "acme_tape Apr 2024 run 2024-05-02.csv"):
        _tape(landing / "names" / name, _with_ids(lc_lines))
    order = [p.name for p in landable_files(landing / "names")]
    assert order == ["acme_tape_12-31-2023.csv", "acme_tape_01-31-2024.csv", "acme_tape Apr 2024 run 2024-05-02.csv",
                     "acme_tape May 2024 run 2024-06-03.csv", "acme_tape Aug 2024.csv", "acme_tape Sept 2024.csv"]
    batch = _tape(landing / "10045821" / "tape.csv", _with_ids(lc_lines))
    parsed = parse_loan_file(batch, landing=landing)
    assert parsed.rows.height == 6 and parsed.rows.get_column("snapshot_date").null_count() == 6
