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
from risk_assets.lib.ingest.folders import folder_date, name_has_date, read_folders
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
    (("addr_state=AZ",), None, False),
    (("backup_2024-06-30_old",), None, False),  # a name that only contains a date
])
def test_the_folder_nearest_the_file_that_states_a_date_gives_the_as_of(parts, as_of, month_end):
    facts = read_folders(parts)
    assert (facts.as_of.isoformat() if facts.as_of else None, facts.month_end) == (as_of, month_end)


@pytest.mark.parametrize("part", ["asof_June2024", "dt=yesterday", "asof_2024-06-31", "snapshot_date=2024-13"])
def test_a_folder_meant_to_date_the_tape_whose_date_is_not_read_is_an_error(part):
    with pytest.raises(ValueError, match=part):
        read_folders(("acme", part))


def test_dates_and_file_names():
    assert folder_date("2024-06-31") is None and folder_date("201913") is None
    assert [name_has_date(n) for n in ("acme_tape.csv", "tape_2024-05.csv", "LOANS_20240531.CSV", "tape May 2024.csv",
                                       "lendingclub_2007_2011.csv")] == [False, True, True, True, False]


def test_monthly_tapes_in_dated_folders_are_versioned_by_the_folder_whatever_the_landing_order(risk_home, lc_lines):
    """The same file name every month, one folder per month: `2024-06-30/` sorts (and lands) before
    `asof_2024-05-31/`. Undated, May's `Fully Paid`/`Current` rows landed last became each loan's
    newest version and June's charge-off vanished from the features. Dated by their folders, June
    is the newest version of every loan."""
    may = _with_ids(lc_lines)
    june = [may[0]] + [line.replace(",Fully Paid", ",Charged Off") if n == 1 else line for n, line in enumerate(may[1:], 1)]
    assert may[1].endswith(",Fully Paid") and june[1].endswith(",Charged Off")
    _tape(risk_home.landing_loans / "acme" / "asof_2024-05-31" / "acme_tape.csv", may)
    _tape(risk_home.landing_loans / "acme" / "2024-06-30" / "acme_tape.csv", june)
    resources = {"lake": LakeResource(root=str(risk_home.root)),
                 "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())}
    result = dg.materialize([raw_loans, *DBT_ASSETS], resources=resources, selection=["raw_loans", "stg_loans"])
    assert result.success
    notes = result.asset_materializations_for_node("raw_loans")[0].metadata["reader_notes"].value
    assert notes["acme_tape.csv"]["as_of_from_folder"] in ("2024-06-30 -> 2024-06-30", "asof_2024-05-31 -> 2024-05-31")
    with connect(risk_home.lake_path, read_only=True) as con:
        landed = con.execute("SELECT _source_file, min(snapshot_date)::VARCHAR, count(*) FROM raw.loans "
                             "GROUP BY 1 ORDER BY min(_ingested_at)").fetchall()
        versions = con.execute("SELECT snapshot_version, loan_status, snapshot_date::VARCHAR FROM staging.stg_loans "
                               "WHERE loan_key = 'lendingclub:1000' ORDER BY 1").fetchall()
    assert [(Path(f).parent.name, d, n) for f, d, n in landed] == [("2024-06-30", "2024-06-30", 6),
                                                                   ("asof_2024-05-31", "2024-05-31", 6)]
    assert versions == [(1, "Fully Paid", "2024-05-31"), (2, "Charged Off", "2024-06-30")]


def test_a_file_name_with_its_own_date_keeps_it_and_an_unread_folder_date_refuses(tmp_path, lc_lines):
    """A back-fill folder holds tapes of many months: a file whose name carries a date is not given
    the folder's. A folder meant to date its tapes whose date cannot be read refuses them."""
    landing = tmp_path / "landing"
    named = _tape(landing / "2024-06-30" / "loans_asof_2024-03-31.csv", _with_ids(lc_lines))
    dated = _tape(landing / "2024-06-30" / "tape_2024-04.csv", _with_ids(lc_lines))
    parsed = parse_loan_file(named, landing=landing)
    assert parsed.rows.get_column("snapshot_date").unique().to_list() == [__import__("datetime").date(2024, 3, 31)]
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
    # a file that has the column keeps its own values
    own = _tape(landing / "addr_state=AZ" / "part-00001.csv", lc_lines)
    parsed = parse_loan_file(own, landing=landing)
    assert parsed.rows.get_column("addr_state").to_list() == [line.split(",")[state] for line in lc_lines[1:]]
    assert "columns_from_folder" not in parsed.notes


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
        "is an issue date after the tape's as-of date (2011-10-31, from the folder '2011-10': if the folder "
        "names no as-of date, give the tape's in its file name or a sidecar mapping's as_of)")
