"""Id-less tapes that repeat an earlier file's loans: found by origination terms, on real LendingClub lines."""

from __future__ import annotations

from itertools import islice

from risk_assets.lib.ingest.landing import land_folder, withdraw_file
from risk_assets.lib.ingest.loan_formats import parse_loan_file
from risk_assets.lib.lake import connect
from risk_assets.lib.quality.duplicates import idless_copies, idless_repeats


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


def _keys(con, name: str) -> dict[int, str]:
    return dict(con.execute("SELECT _source_line, loan_key FROM raw.loans WHERE _source_file LIKE ?", [f"%/{name}"]).fetchall())


def test_training_keeps_the_later_copy_of_each_repeated_loan(risk_home, data_dir):
    """The copies that training leaves out: each loan of last month's tape that this month's tape
    repeats (20 of them now charged off) maps to its copy in this month's, line for line; the 10
    new loans and the loans of a tape that repeats nothing are no copies."""
    lines = _lines(data_dir, 230)
    _land(risk_home, "lc_2024-01.csv", lines[:201], "run-1")
    month2 = [lines[0]] + [line.replace("Fully Paid", "Charged Off") if i < 20 else line
                           for i, line in enumerate(lines[1:201])] + lines[201:211]
    _land(risk_home, "lc_2024-02.csv", month2, "run-2")
    _land(risk_home, "other_book.csv", [lines[0]] + lines[211:], "run-3")
    with connect(risk_home.lake_path) as con:
        copies = idless_copies(con)
        first, second = _keys(con, "lc_2024-01.csv"), _keys(con, "lc_2024-02.csv")
    assert copies == {first[line]: second[line] for line in range(2, 202)}


def test_a_chain_of_redeliveries_maps_every_copy_to_the_newest(risk_home, data_dir):
    lines = _lines(data_dir, 100)
    _land(risk_home, "tape_v1.csv", lines, "run-1")
    _land(risk_home, "tape_v2.csv", lines + [lines[1]], "run-2")  # v2 repeats its first loan at its end
    _land(risk_home, "tape_v3.csv", lines, "run-3", newline="\r\n")  # v1's loans, other bytes: a new file
    with connect(risk_home.lake_path) as con:
        copies = idless_copies(con)
        v1, v2, v3 = (_keys(con, f"tape_v{n}.csv") for n in (1, 2, 3))
    assert {copies[v1[line]] for line in range(2, 102)} == {v3[line] for line in range(2, 102)}
    assert all(copies[v2[line]] == v3[line] for line in range(2, 102))
    assert copies[v2[102]] == v3[2]  # v2's second copy of its first loan is a copy of the same loan
    assert not set(v3.values()) & set(copies)  # the newest copies are the ones kept


def test_withdrawing_the_replaced_file_clears_the_warning(risk_home, data_dir):
    lines = _lines(data_dir, 100)
    _land(risk_home, "lc_2024-01.csv", lines, "run-1")
    _land(risk_home, "lc_2024-01_corrected.csv", lines[:50] + lines[51:], "run-2")  # one line dropped
    with connect(risk_home.lake_path) as con:
        assert idless_repeats(con).failed_rules[0]["failing"] == 99
        withdraw_file(con, "lc_2024-01.csv", "replaced by the corrected copy", "analyst", risk_home.root / "withdrawn")
        outcome = idless_repeats(con)
    assert outcome.success
    assert outcome.observed == ("no id-less row repeats a row of an earlier file in every mapped value, nor an "
                                "earlier line of its own file (99 id-less rows checked)")


def test_different_loans_of_one_portfolio_do_not_match_by_chance(risk_home, data_dir):
    lines = _lines(data_dir, 4000)
    _land(risk_home, "lc_part1.csv", lines[:2001], "run-1")
    _land(risk_home, "lc_part2.csv", [lines[0]] + lines[2001:], "run-2")
    with connect(risk_home.lake_path) as con:
        every_match = idless_repeats(con, share=0.0)  # any repeated loan at all would be named
        copies = idless_copies(con, share=0.0)
    assert every_match.success and every_match.rows_checked == 4000 and copies == {}


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


def test_a_tape_whose_servicer_renumbered_its_loans_is_named_with_a_pair_of_ids(risk_home, data_dir):
    """May's tape keys its loans `LN-000001`...; after a system migration June's keys the same loans
    `1`...: the book held every loan twice, May's copy never updated, and 20 loans were both repaid
    and defaulted, with every check green. `raw_loans_ids_changed` names the file, the earlier one,
    the loans matched and a pair of ids; the same tape delivered again under its own ids is not named."""
    from risk_assets.lib.quality.duplicates import ids_changed

    lines = _lines(data_dir, 210)
    may = ["id," + lines[0]] + [f"LN-{n:06d},{line}" for n, line in enumerate(lines[1:201], start=1)]
    _land(risk_home, "lc_2024-05.csv", may, "run-1")
    with connect(risk_home.lake_path) as con:
        assert ids_changed(con).success  # one file: nothing to compare
    again = [may[0]] + [line.replace("Fully Paid", "Charged Off") if n <= 20 else line for n, line in enumerate(may[1:], 1)]
    _land(risk_home, "lc_2024-05_restated.csv", again, "run-2")
    with connect(risk_home.lake_path) as con:
        assert ids_changed(con).success  # a restatement under the same ids is the same loans
    # June renumbers the loans, and refreshes the revolving balance a servicing tape reports monthly
    def refreshed(line: str) -> str:
        cells = line.split(",")
        cells[12] = str(int(cells[12]) + 100)  # revol_bal
        return ",".join(cells)

    june = ["id," + lines[0]] + [f"{n},{refreshed(line.replace('Fully Paid', 'Charged Off') if n <= 20 else line)}"
                                 for n, line in enumerate(lines[1:211], start=1)]
    _land(risk_home, "lc_2024-06.csv", june, "run-3")
    with connect(risk_home.lake_path) as con:
        outcome = ids_changed(con)
    assert not outcome.success and outcome.severity == "WARN" and outcome.failures.empty
    assert outcome.observed == ("1 file(s) hold an earlier file's loans under other ids: "
                                "lc_2024-06.csv 200 of 210 from lc_2024-05.csv (e.g. LN-000001 -> 1)")
    (rule,) = outcome.failed_rules
    assert rule["failing"] == 200 and rule["detail"].endswith("(risk-assets withdraw lc_2024-05.csv)")


def test_a_line_copied_within_an_idless_tape_is_named_with_both_lines_and_stays_loaded(risk_home, data_dir):
    """A tape without a loan id whose line 22 is a byte copy of line 12 (a paste): the key of an
    id-less loan holds its line, so both lines loaded as loans with nothing said. The check names
    the file and both lines; both stay loaded, as the repeats across files do (two loans of a thin
    tape may be alike), and a tape without such a line is not named."""
    lines = _lines(data_dir, 40)
    _land(risk_home, "lc_clean.csv", [lines[0]] + lines[21:], "run-1")
    with connect(risk_home.lake_path) as con:
        assert idless_repeats(con).success
    _land(risk_home, "lc_pasted.csv", lines[:21] + [lines[11]], "run-2")
    with connect(risk_home.lake_path) as con:
        outcome = idless_repeats(con)
        keys = _keys(con, "lc_pasted.csv")
    assert len(keys) == 21 and keys[22] != keys[12]  # both copies are loans
    assert not outcome.success and outcome.severity == "WARN" and outcome.failures.empty
    (rule,) = outcome.failed_rules
    assert (rule["rule"], rule["failing"]) == ("idless_repeat_in_file", 1)
    assert rule["detail"] == ("lc_pasted.csv holds 1 id-less line(s) equal in every mapped value to an earlier line of "
                              "it (lines 12 and 22): each loads as a loan of its own; if a line was copied, correct "
                              "the file and land it in place of this one (risk-assets withdraw lc_pasted.csv)")
    assert outcome.observed.endswith("1 id-less file(s) repeat a line of their own: lc_pasted.csv lines 12 and 22")


def test_two_idless_exports_overlapping_by_15_rows_are_warned_with_both_line_ranges(risk_home, data_dir):
    """Two LendingClub exports without ids, 60 loans each, the last 15 rows of the first (lines
    47-61) the first 15 of the second (lines 2-16): 100 loans, 115 rows. Under the half-of-either-file
    threshold the copies keep keys of their own (training's rule), but the check must not pass
    saying no file repeats another: it names both files, the rows and their lines, and what to do."""
    lines = _lines(data_dir, 105)
    _land(risk_home, "lc_export_part1.csv", lines[:61], "run-1")
    _land(risk_home, "lc_export_part2.csv", [lines[0]] + lines[46:106], "run-2")
    with connect(risk_home.lake_path) as con:
        outcome = idless_repeats(con)
        rows = con.execute("SELECT count(*), count(DISTINCT loan_key) FROM raw.loans").fetchone()
        copies = idless_copies(con)
    assert rows == (120, 120) and copies == {}  # both copies stay, each with its key; training unchanged
    assert not outcome.success and outcome.severity == "WARN" and outcome.failures.empty
    (rule,) = outcome.failed_rules
    assert (rule["rule"], rule["failing"]) == ("idless_overlap", 15)
    assert rule["detail"] == (
        "lc_export_part2.csv repeats 15 of its 60 lendingclub loans, identical in every mapped value, from "
        "lc_export_part1.csv (60 loans): lc_export_part2.csv lines 2-16 = lc_export_part1.csv lines 47-61; an "
        "overlapping export? Without a loan id both copies count in the book and in PD training (under 50% of "
        "either file, each copy keeps a key of its own). Withdraw the overlapping file (risk-assets withdraw "
        "lc_export_part2.csv) and land it again without the repeated rows, or re-export both with loan ids")
    assert outcome.observed == ("1 id-less file(s) repeat rows of an earlier file in every mapped value: "
                                "lc_export_part2.csv lines 2-16 = lc_export_part1.csv lines 47-61 (15 rows)")
    assert outcome.rows_checked == 120


def test_idless_files_sharing_no_row_pass_saying_what_was_checked(risk_home, data_dir):
    lines = _lines(data_dir, 60)
    _land(risk_home, "lc_a.csv", lines[:31], "run-1")
    _land(risk_home, "lc_b.csv", [lines[0]] + lines[31:], "run-2")
    with connect(risk_home.lake_path) as con:
        outcome = idless_repeats(con)
    assert outcome.success
    assert outcome.observed == ("no id-less row repeats a row of an earlier file in every mapped value, nor an "
                                "earlier line of its own file (60 id-less rows checked)")
