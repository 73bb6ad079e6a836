"""Id-less tapes that repeat an earlier file's loans: found by origination terms, on real LendingClub lines."""

from __future__ import annotations

from itertools import islice

from risk_assets.lib.ingest.landing import land_folder, withdraw_file
from risk_assets.lib.ingest.loan_formats import parse_loan_file
from risk_assets.lib.lake import connect
from risk_assets.lib.quality.duplicates import idless_repeats


def _lines(data_dir, n: int) -> list[str]:
    """The header and the first n loans of the LendingClub sample (no loan id column)."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        return [line.rstrip("\r\n") for line in islice(handle, n + 1)]


def _land(risk_home, name: str, lines: list[str], run_id: str, newline: str = "\n") -> None:
    (risk_home.landing_loans / name).write_bytes((newline.join(lines) + newline).encode())
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, run_id, asset="raw_loans")


def test_next_months_tape_of_the_same_loans_is_named_with_its_share(risk_home, data_dir):
    lines = _lines(data_dir, 210)
    _land(risk_home, "lc_2024-01.csv", lines[:201], "run-1")
    # next month: the same 200 loans, 20 of them now charged off, 10 new loans, saved with CRLF
    month2 = [lines[0]] + [line.replace("Fully Paid", "Charged Off") if i < 20 else line
                           for i, line in enumerate(lines[1:201])] + lines[201:]
    _land(risk_home, "lc_2024-02.csv", month2, "run-2", newline="\r\n")

    with connect(risk_home.lake_path) as con:
        outcome = idless_repeats(con)
        loans = con.execute("SELECT count(*), count(DISTINCT loan_key) FROM raw.loans").fetchone()

    assert loans == (410, 410)  # both copies are in the lake, under different keys
    assert not outcome.success and outcome.severity == "WARN"
    assert outcome.observed == ("1 id-less file(s) repeat the loans of an earlier file: "
                                "lc_2024-02.csv 200 of 210 from lc_2024-01.csv (200 loans)")
    (rule,) = outcome.failed_rules
    assert rule["failing"] == 200
    assert rule["detail"].endswith("If it replaces the earlier file: risk-assets withdraw lc_2024-01.csv")
    assert outcome.failures.empty  # nothing is quarantined: the lender says which copy is right
    assert outcome.rows_checked == 410


def test_withdrawing_the_replaced_file_clears_the_warning(risk_home, data_dir):
    lines = _lines(data_dir, 100)
    _land(risk_home, "lc_2024-01.csv", lines, "run-1")
    _land(risk_home, "lc_2024-01_corrected.csv", lines[:50] + lines[51:], "run-2")  # one line dropped
    with connect(risk_home.lake_path) as con:
        assert idless_repeats(con).failed_rules[0]["failing"] == 99
        withdraw_file(con, "lc_2024-01.csv", "replaced by the corrected copy", "analyst", risk_home.root / "withdrawn")
        outcome = idless_repeats(con)
    assert outcome.success
    assert outcome.observed == "no id-less file repeats an earlier one (99 id-less rows checked)"


def test_different_loans_of_one_portfolio_do_not_match_by_chance(risk_home, data_dir):
    lines = _lines(data_dir, 4000)
    _land(risk_home, "lc_part1.csv", lines[:2001], "run-1")
    _land(risk_home, "lc_part2.csv", [lines[0]] + lines[2001:], "run-2")
    with connect(risk_home.lake_path) as con:
        every_match = idless_repeats(con, share=0.0)  # any repeated loan at all would be named
    assert every_match.success and every_match.rows_checked == 4000


def test_the_whole_file_landed_after_a_partial_copy_of_it_is_named(risk_home, data_dir):
    """A tape landed while it was still being copied (its first 300 loans, the last line whole),
    then the finished copy of 2,000: every loan of the partial copy is repeated, though they are
    only 15% of the whole file, so the warning names the pair and the file to withdraw."""
    lines = _lines(data_dir, 2000)
    _land(risk_home, "LoanStats_copying.csv", lines[:301], "run-1")
    _land(risk_home, "LoanStats.csv", lines, "run-2")
    with connect(risk_home.lake_path) as con:
        outcome = idless_repeats(con)
    assert not outcome.success
    assert outcome.observed == ("1 id-less file(s) repeat the loans of an earlier file: "
                                "LoanStats.csv 300 of 2,000 from LoanStats_copying.csv (300 loans)")
    assert outcome.failed_rules[0]["detail"].endswith("risk-assets withdraw LoanStats_copying.csv")
