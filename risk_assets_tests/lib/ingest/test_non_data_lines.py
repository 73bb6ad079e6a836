"""raw.non_data_lines: every line of a loaded file that is no record, by line, kind and text, written
with the file's rows so that rows_loaded + rows_quarantined + its rows = rows_in_file, line by line."""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from risk_assets.lib.ingest import landing
from risk_assets.lib.ingest.landing import LandingFailed, land_folder, withdraw_file
from risk_assets.lib.ingest.loan_formats import parse_loan_file
from risk_assets.lib.ingest.news_formats import parse_news_file
from risk_assets.lib.lake import connect

F05 = "F05_loanstats_with_note_lines.csv"
F05_NON_DATA = [
    (1, "note", "Notes offered by Prospectus (https://www.example.invalid/prospectus)"),
    (9, "blank", None),
    (10, "policy_marker", "Loans that do not meet the credit policy"),
    (14, "blank", None),
    (15, "blank", None),
    (16, "footer", "Total amount funded in policy code 1: 27900"),
    (17, "footer", "Total amount funded in policy code 2: 7000"),
]
"""The F05 case's note above the header, blank lines, policy marker and footers, as the file holds them."""


def _manifest(con, name: str) -> tuple:
    return con.execute("SELECT sha256, path, status, rows_in_file, rows_loaded, rows_quarantined, non_data_lines, "
                       "run_id, landed_at, message FROM raw.landed_files WHERE path LIKE '%' || ?", [name]).fetchone()


def test_each_non_data_line_of_a_loaded_file_is_kept_with_its_kind_and_text(land_cases, risk_home):
    land_cases(F05)
    with connect(risk_home.lake_path, read_only=True) as con:
        sha, path, status, in_file, loaded, quarantined, non_data, run_id, landed_at, _ = _manifest(con, F05)
        kept = con.execute("SELECT line, kind, text FROM raw.non_data_lines WHERE file_sha256 = ? ORDER BY line",
                           [sha]).fetchall()
        lineage = con.execute("SELECT DISTINCT source_file, run_id, landed_at FROM raw.non_data_lines "
                              "WHERE file_sha256 = ?", [sha]).fetchall()
        loan_lines = {n for (n,) in con.execute("SELECT _source_line FROM raw.loans WHERE _file_sha256 = ?",
                                                [sha]).fetchall()}
    assert status == "loaded" and kept == F05_NON_DATA
    assert (in_file, loaded, quarantined, non_data) == (16, 9, 0, 7) and loaded + quarantined + len(kept) == in_file
    assert lineage == [(path, run_id, landed_at)]
    # line by line: the header (line 2) and the records' lines are in none of the non-data lines
    assert loan_lines == {3, 4, 5, 6, 7, 8, 11, 12, 13} and not loan_lines & {line for line, _, _ in kept}


def test_a_news_file_keeps_its_blank_line_and_repeated_header(risk_home, cases_dir):
    """The F19 feed with a blank line and its header again (two exports joined) after its fourth line."""
    lines = (cases_dir / "F19_news_html_entities.csv").read_text(encoding="utf-8").splitlines()
    feed = risk_home.landing_news / "wire_joined.csv"
    feed.write_text("\n".join([*lines[:4], "", lines[0], *lines[4:]]) + "\n", encoding="utf-8")
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_news, "news", parse_news_file, "run-news", asset="raw_news")
        sha, _, status, in_file, loaded, quarantined, non_data, *_ = _manifest(con, feed.name)
        kept = con.execute("SELECT line, kind, text FROM raw.non_data_lines WHERE file_sha256 = ? ORDER BY line",
                           [sha]).fetchall()
    assert status == "loaded" and kept == [(5, "blank", None), (6, "repeated_header", lines[0])]
    assert (in_file, loaded, quarantined, non_data) == (8, 6, 0, 2)


def test_a_withdrawn_file_leaves_no_non_data_line_and_lands_them_once_again(land_cases, risk_home):
    land_cases(F05)
    withdrawn = risk_home.root / "withdrawn"
    with connect(risk_home.lake_path) as con:
        taken = withdraw_file(con, F05, "wrong month", "operator test", withdrawn)
        assert con.execute("SELECT count(*) FROM raw.non_data_lines").fetchone()[0] == 0
        assert _manifest(con, F05)[6] == 7  # the manifest keeps the count
    shutil.copyfile(taken.moved_to, risk_home.landing_loans / F05)  # landed again on purpose
    land_cases(run_id="run-2")
    with connect(risk_home.lake_path, read_only=True) as con:
        assert con.execute("SELECT line, kind, text, run_id FROM raw.non_data_lines ORDER BY line").fetchall() == [
            (*row, "run-2") for row in F05_NON_DATA]


def test_a_table_that_does_not_hold_the_lines_counted_fails_the_file_by_name(land_cases, risk_home, monkeypatch):
    monkeypatch.setattr(landing, "_insert_non_data_lines", lambda con, parsed, *rest: 0)
    with pytest.raises(LandingFailed) as failed:
        land_cases(F05)
    said = (f"{risk_home.landing_loans / F05}: reconcile failed: raw.non_data_lines holds 0 lines of the file, "
            "the manifest counts non-data 7")
    with connect(risk_home.lake_path, read_only=True) as con:
        assert _manifest(con, F05)[2::7] == ("failed", said)
        assert con.execute("SELECT count(*) FROM raw.loans").fetchone()[0] == 0
    assert str(failed.value).endswith(said)


@pytest.mark.parametrize(("extra", "said"), [
    ((9, "blank"), "1 line(s) counted twice as non-data lines: line 9 (blank and blank)"),
    ((3, "blank"), "1 record line(s) also counted as non-data lines: line 3 (blank)"),
])
def test_a_line_counted_twice_fails_the_file_by_name(risk_home, cases_dir, extra, said):
    """A reader that lists a line twice, or a record's line as non-data too, keeps the counts equal
    (rows_in_file is counted from the same list) while one line goes unaccounted: refused by line."""
    def parse(path):
        parsed = parse_loan_file(path)
        return dataclasses.replace(parsed, non_data_lines=[*parsed.non_data_lines, extra])

    shutil.copyfile(cases_dir / F05, risk_home.landing_loans / F05)
    with connect(risk_home.lake_path) as con:
        with pytest.raises(LandingFailed) as failed:
            land_folder(con, risk_home.landing_loans, "loans", parse, "run-1", asset="raw_loans")
        message = _manifest(con, F05)[9]
        assert con.execute("SELECT count(*) FROM raw.non_data_lines").fetchone()[0] == 0
    assert message == f"{risk_home.landing_loans / F05}: reconcile failed for format lendingclub: {said}"
    assert str(failed.value).endswith(message)
