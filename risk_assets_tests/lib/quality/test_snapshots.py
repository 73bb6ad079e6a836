"""Loans that a portfolio's newest tape no longer carries, on real LendingClub lines with ids."""

from __future__ import annotations

from itertools import islice

from risk_assets.lib.ingest.landing import land_folder
from risk_assets.lib.ingest.loan_formats import parse_loan_file
from risk_assets.lib.lake import connect
from risk_assets.lib.quality.snapshots import missing_from_newest, outcome_reversed


def _tape(data_dir, ids: range, current: set[int]) -> list[str]:
    """The header and LendingClub sample loans `ids` (1-based lines) with an id column; the loans in
    `current` are still open (`Current`)."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        lines = [line.rstrip("\r\n") for line in islice(handle, max(ids) + 1)]
    body = []
    for n in ids:
        line = lines[n]
        if n in current:
            line = line.rsplit(",", 1)[0] + ",Current"
        body.append(f"{n},{line}")
    return ["id," + lines[0], *body]


def _land(risk_home, name: str, lines: list[str], run_id: str) -> None:
    (risk_home.landing_loans / name).write_text("\n".join(lines) + "\n")
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, run_id, asset="raw_loans")


def test_open_loans_that_drop_off_the_newest_tape_are_named(risk_home, data_dir):
    """May's tape holds 30 loans, 10 of them open; June's lacks 5 of the open ones and 1 repaid one.
    The 5 stayed open in the book in May's state, unremarked: they are named, with both snapshots and
    June's file; the repaid loan has its outcome and is not."""
    may = _tape(data_dir, range(1, 31), current=set(range(21, 31)))
    _land(risk_home, "lc_asof_2024-05-31.csv", may, "run-1")
    with connect(risk_home.lake_path) as con:
        assert missing_from_newest(con).success  # one snapshot: nothing to compare
    june = _tape(data_dir, [n for n in range(1, 31) if n not in (2, 22, 24, 26, 28, 30)], current=set(range(21, 31)))
    _land(risk_home, "lc_asof_2024-06-30.csv", june, "run-2")
    with connect(risk_home.lake_path) as con:
        outcome = missing_from_newest(con)
    assert not outcome.success and outcome.severity == "WARN" and outcome.failures.empty
    # the line the run summary prints names the first three
    assert outcome.observed == ("lendingclub: 5 open loan(s) of 2024-05-31 missing from 2024-06-30 "
                                "(lendingclub:22, lendingclub:24, lendingclub:26, ...)")
    (rule,) = outcome.failed_rules
    assert rule["failing"] == 5
    assert rule["detail"] == (
        "lendingclub: 5 of the 30 loans seen before the 2024-06-30 snapshot (lc_asof_2024-06-30.csv) are not in it, "
        "open when last seen (no outcome) in the 2024-05-31 snapshot: paid off, sold, charged off or lost in the "
        "export? The tapes do not say, so they stay open in the book: lendingclub:22, lendingclub:24, lendingclub:26, "
        "lendingclub:28, lendingclub:30")


def test_an_open_loan_that_dropped_off_stays_named_in_later_months(risk_home, data_dir):
    """A loan open in May and absent from June is still unaccounted for when July lands without it:
    it stays named (before, only the last two snapshots were compared, so July's check passed and the
    loan sat in the book as open for good). A loan open in June and absent from July joins it; one
    repaid in its last tape, or back in the newest, is not named."""
    open_loans = set(range(21, 31))
    _land(risk_home, "lc_asof_2024-05-31.csv", _tape(data_dir, range(1, 31), current=open_loans), "run-1")
    june = [n for n in range(1, 31) if n not in (2, 22, 24)]
    _land(risk_home, "lc_asof_2024-06-30.csv", _tape(data_dir, june, current=open_loans), "run-2")
    july = [n for n in range(1, 31) if n not in (2, 22, 24, 26)] + [24]  # 24 is back, 26 drops off
    _land(risk_home, "lc_asof_2024-07-31.csv", _tape(data_dir, sorted(july), current=open_loans), "run-3")
    with connect(risk_home.lake_path) as con:
        outcome = missing_from_newest(con)

    assert not outcome.success
    assert outcome.observed == ("lendingclub: 2 open loan(s) of 2024-05-31 to 2024-06-30 missing from 2024-07-31 "
                                "(lendingclub:22, lendingclub:26)")
    (rule,) = outcome.failed_rules
    assert rule["failing"] == 2
    assert rule["detail"].startswith(
        "lendingclub: 2 of the 30 loans seen before the 2024-07-31 snapshot (lc_asof_2024-07-31.csv) are not in it, "
        "open when last seen (no outcome) in the 2024-05-31 to 2024-06-30 snapshots")
    assert rule["detail"].endswith("stay open in the book: lendingclub:22, lendingclub:26")


def test_an_outcome_a_later_tape_reverses_is_named(risk_home, data_dir):
    """May's tape: 30 real LendingClub loans with their outcomes. June's repeats them, but one repaid
    loan is charged off and one charged-off loan is repaid. Both reversals are named with their
    snapshots and June's file (the features take June's outcome); a loan still open in May that
    closes in June is an outcome arriving, not a reversal."""
    may = _tape(data_dir, range(1, 31), current={30})
    status = {n: line.rsplit(",", 1)[1] for n, line in zip(range(1, 31), may[1:])}
    repaid = min(n for n, s in status.items() if s == "Fully Paid")
    charged_off = min(n for n, s in status.items() if s == "Charged Off")
    _land(risk_home, "lc_asof_2024-05-31.csv", may, "run-1")
    with connect(risk_home.lake_path) as con:
        assert outcome_reversed(con).success  # one snapshot: nothing to reverse
    flipped = {repaid: "Charged Off", charged_off: "Fully Paid", 30: "Fully Paid"}
    june = [may[0]] + [line.rsplit(",", 1)[0] + "," + flipped[n] if n in flipped else line
                       for n, line in zip(range(1, 31), may[1:])]
    _land(risk_home, "lc_asof_2024-06-30.csv", june, "run-2")
    with connect(risk_home.lake_path) as con:
        outcome = outcome_reversed(con)
        flags = dict(con.execute("SELECT loan_key, default_flag FROM raw.loans WHERE snapshot_date = '2024-06-30' "
                                 "AND loan_key IN (?, ?)", [f"lendingclub:{repaid}", f"lendingclub:{charged_off}"]).fetchall())

    assert flags == {f"lendingclub:{repaid}": 1, f"lendingclub:{charged_off}": 0}
    assert not outcome.success and outcome.severity == "WARN" and outcome.failures.empty
    assert outcome.observed == ("lendingclub: 1 loan(s) repaid then defaulted, 1 defaulted then repaid, "
                                "0 settled then reported open again"
                                " (a default then repaid reads repaid: mapping \"default_cured\": \"latest\"; \"keep_default\" keeps "
                                "the default)")
    (rule,) = outcome.failed_rules
    assert rule["failing"] == 2 and rule["column"] == "default_flag"
    assert (repaid, charged_off) == (1, 2)  # both reversed in June: the example quoted is the first key's
    keys = ", ".join(sorted([f"lendingclub:{repaid}", f"lendingclub:{charged_off}"]))
    assert rule["detail"] == (
        "lendingclub: 2 loan(s) whose outcome a later tape reverses (1 repaid then defaulted, 1 defaulted then "
        "repaid, 0 settled then reported open again; the earliest: lendingclub:1 repaid in the 2024-05-31 snapshot, "
        "defaulted in the 2024-06-30 one, lc_asof_2024-06-30.csv): a bounced payoff, a recovery booked as a "
        "repayment, or an error in a tape? The features take the latest settled outcome (a tape reporting the loan "
        f"open keeps it): {keys}")
    # a June row a value check quarantined is not in the features, so it reverses nothing
    with connect(risk_home.lake_path) as con:
        con.execute("INSERT INTO quality.quarantine (asset, file_sha256, line, record_key, rule, quarantined_at) "
                    "SELECT 'raw_loans_values', _file_sha256, _source_line, loan_key, 'test_rule', now() FROM raw.loans "
                    "WHERE snapshot_date = '2024-06-30' AND loan_key = ?", [f"lendingclub:{repaid}"])
        assert outcome_reversed(con).observed == ("lendingclub: 0 loan(s) repaid then defaulted, 1 defaulted then "
                                                  "repaid, 0 settled then reported open again"
                                                  " (a default then repaid reads repaid: mapping \"default_cured\": \"latest\"; \"keep_default\" keeps "
                                                  "the default)")


def _statuses(data_dir, statuses: dict[int, str], amounts: dict[int, int] | None = None) -> list[str]:
    """The header and LendingClub sample loans `statuses` (1-based lines) with an id column, each in
    the status given, and the amounts of `amounts` in place of their own."""
    lines = _tape(data_dir, range(1, max(statuses) + 1), current=set())
    body = [lines[n].rsplit(",", 1)[0] + "," + status for n, status in statuses.items()]
    body = [f"{n},{(amounts or {}).get(n, line.split(',')[1])},{line.split(',', 2)[2]}"
            for n, line in zip(statuses, body)]
    return [lines[0], *body]


def test_a_settled_outcome_a_later_tape_reports_open_keeps_its_default_flag(risk_home, data_dir):
    """Monthly tapes of one book, with ids. Loan 1 is charged off in February and March and `Current`
    in April, loan 2 repaid then `Current`; a back-dated December tape, landed last, charges off loan
    3, which February to April list as `Current`. Before, the features took the newest snapshot's
    status and the three lost their labels (default flag NULL) unremarked: an outcome is final, so
    they keep it (1, 0, 1) and the check names them as settled then reported open again, quoting the
    earliest with both files of February that report it open. Loan 4, repaid, charged off, repaid,
    counts by its latest reversal (defaulted then repaid) and keeps 0. An undated re-delivery landed
    last ranks before the dated snapshots: its charge-off of loan 7 (repaid in every dated tape) does
    not stand, nor its amount of loan 8 (6,000 against 5,000), and the check names both files."""
    import dagster as dg
    from dagster_dbt import DbtCliResource

    from risk_assets.defs.resources import LakeResource
    from risk_assets.defs.transform.assets import DBT_ASSETS
    from risk_assets.defs.transform.project import dbt_executable, dbt_project

    open_, paid, off = "Current", "Fully Paid", "Charged Off"
    feb = {1: off, 2: paid, 3: open_, 4: paid, 5: open_, 6: open_, 7: paid, 8: open_}
    tapes = [
        ("lc_asof_2024-02-29.csv", feb),
        ("lc_asof_2024-02-29_resent.csv", {3: open_}),
        ("lc_asof_2024-03-31.csv", {**feb, 4: off}),
        ("lc_asof_2024-04-30.csv", {**feb, 1: open_, 2: open_, 5: off}),
        ("lc_asof_2023-12-31.csv", {n: off if n == 3 else open_ for n in range(1, 9)}),
    ]
    for run, (name, statuses) in enumerate(tapes):
        _land(risk_home, name, _statuses(data_dir, statuses), f"run-{run}")
    _land(risk_home, "lc_redelivery.csv", _statuses(data_dir, {7: off, 8: open_}, amounts={8: 6000}), "run-9")
    resources = {"lake": LakeResource(root=str(risk_home.root)),
                 "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())}
    assert dg.materialize(DBT_ASSETS, resources=resources, selection=["stg_loans", "loan_features"]).success
    with connect(risk_home.lake_path) as con:
        flags = dict(con.execute("SELECT split_part(loan_key, ':', 2)::int, default_flag FROM marts.loan_features").fetchall())
        amount = con.execute("SELECT loan_amount FROM marts.loan_features WHERE loan_key = 'lendingclub:8'").fetchone()[0]
        outcome = outcome_reversed(con)

    assert flags == {1: 1, 2: 0, 3: 1, 4: 0, 5: 1, 6: None, 7: 0, 8: None}
    assert amount == 6000.0  # the undated file is each loan's first version: its amount is the origination term
    assert not outcome.success and outcome.severity == "WARN" and outcome.failures.empty
    assert outcome.observed == ("lendingclub: 0 loan(s) repaid then defaulted, 1 defaulted then repaid, 3 settled "
                                "then reported open again (a default then repaid reads repaid: mapping \"default_cured\": "
                                "\"latest\"; \"keep_default\" keeps the default); lendingclub: 2 loan(s) an undated file disagrees on")
    reversed_, undated = outcome.failed_rules
    assert (reversed_["rule"], reversed_["failing"], undated["rule"], undated["failing"]) == (
        "outcome_reversed", 4, "undated_copy_disagrees", 2)
    assert reversed_["detail"] == (
        "lendingclub: 4 loan(s) whose outcome a later tape reverses (0 repaid then defaulted, 1 defaulted then repaid, "
        "3 settled then reported open again; the earliest: lendingclub:3 defaulted in the 2023-12-31 snapshot, open "
        "in the 2024-02-29 one, lc_asof_2024-02-29.csv and lc_asof_2024-02-29_resent.csv): a bounced payoff, a "
        "recovery booked as a repayment, or an error in a tape? The features take the latest settled outcome (a tape "
        "reporting the loan open keeps it): lendingclub:1, lendingclub:2, lendingclub:3, lendingclub:4")
    assert undated["detail"] == (
        "lendingclub: 2 loan(s) on which an undated file disagrees with a dated snapshot (e.g. lendingclub:7: "
        "defaulted in lc_redelivery.csv, repaid in the 2024-02-29 snapshot, lc_asof_2024-02-29.csv). An undated "
        "file cannot be placed in time: it ranks before every dated snapshot, so their settled outcome stands over "
        "its own, and its amount over theirs. Date the re-delivery (an as-of marker in its name) or withdraw it: "
        "lendingclub:7, lendingclub:8")


def test_the_reversal_quoted_is_one_the_headline_counts(risk_home, data_dir):
    """Loan 1 is repaid in May, charged off in June and repaid in July; loan 2 is charged off in May
    and repaid in July. Both count as defaulted then repaid, by their latest reversal; the example
    quoted is the earliest of those counted reversals, loan 1's from June to July with July's file,
    not its first (repaid then defaulted, which the headline counts nowhere)."""
    paid, off = "Fully Paid", "Charged Off"
    for run, (name, statuses) in enumerate([("lc_asof_2024-05-31.csv", {1: paid, 2: off}),
                                            ("lc_asof_2024-06-30.csv", {1: off, 2: off}),
                                            ("lc_asof_2024-07-31.csv", {1: paid, 2: paid})]):
        _land(risk_home, name, _statuses(data_dir, statuses), f"run-{run}")
    with connect(risk_home.lake_path) as con:
        outcome = outcome_reversed(con)

    assert outcome.observed == ("lendingclub: 0 loan(s) repaid then defaulted, 2 defaulted then repaid, "
                                "0 settled then reported open again"
                                " (a default then repaid reads repaid: mapping \"default_cured\": \"latest\"; \"keep_default\" keeps "
                                "the default)")
    (rule,) = outcome.failed_rules
    assert rule["detail"].startswith(
        "lendingclub: 2 loan(s) whose outcome a later tape reverses (0 repaid then defaulted, 2 defaulted then repaid, "
        "0 settled then reported open again; the earliest: lendingclub:1 defaulted in the 2024-06-30 snapshot, repaid "
        "in the 2024-07-31 one, lc_asof_2024-07-31.csv): ")


ACME_MAPPING = {
    "name": "acme", "applies_to": ["acme_*"], "portfolio": "acme", "currency": "USD",
    "columns": {"loan_id": {"to": "source_loan_id", "required": True},
                "issue_date": {"to": "origination_date", "type": "date", "format": "%Y-%m-%d", "required": True},
                "amount": {"to": "loan_amount", "type": "money", "required": True},
                "rate": {"to": "int_rate", "type": "percent"}, "term": {"to": "term_months", "type": "term"},
                "status": {"to": "loan_status", "required": True}},
    "status_map": {"Fully Paid": 0, "Charged Off": 1, "Current": None},
}
ACME_LOANS = {  # loan id: (issue date, amount, rate, status)
    "L0016": ("2022-05-10", "14100.00", "11.84", "Fully Paid"), "L0017": ("2022-06-10", "7300.00", "13.02", "Current"),
    "L0018": ("2022-07-10", "22500.00", "9.91", "Fully Paid"), "L0019": ("2022-08-10", "5100.00", "18.40", "Current"),
    "L0020": ("2022-09-10", "8800.00", "16.01", "Charged Off"),
    "L0021": ("2022-10-10", "6900.00", "21.65", "Charged Off"),
    "L0022": ("2022-11-10", "12000.00", "14.22", "Current"),
}


def _acme_part(path, loans: dict[str, tuple[str, str, str, str]]) -> None:
    path.write_text("loan_id,issue_date,amount,rate,term,status\n"
                    + "".join(f"{key},{issued},{amount},{rate},36,{status}\n"
                              for key, (issued, amount, rate, status) in loans.items()))


def test_a_default_a_later_undated_file_reports_repaid_is_named(risk_home):
    """A lender's book split into two undated files landed together, `acme_book_part1.csv` and
    `acme_book_part2.csv`, that overlap on five loans: part 1 charges off L0020 (line 6) and lends
    6,900 on L0021, part 2 reports L0020 `Fully Paid` (line 4) and lends 99,900 on L0021. Undated,
    each file is its own snapshot, ranked by landing: part 2 is the newer version and the features
    take its repayment. The check compared only loans with as-of dates, so it passed, saying 0: the
    default left training unremarked. It names L0020 with both files, and the loans it compared."""
    import json

    import dagster as dg
    from dagster_dbt import DbtCliResource

    from risk_assets.defs.resources import LakeResource
    from risk_assets.defs.transform.assets import DBT_ASSETS
    from risk_assets.defs.transform.project import dbt_executable, dbt_project

    risk_home.mappings.mkdir(parents=True, exist_ok=True)
    (risk_home.mappings / "acme.json").write_text(json.dumps(ACME_MAPPING))
    part1 = dict(ACME_LOANS)
    part2 = {**{k: v for k, v in ACME_LOANS.items() if k >= "L0018"},
             "L0020": ("2022-09-10", "8800.00", "16.01", "Fully Paid"),
             "L0021": ("2022-10-10", "99900.00", "21.65", "Charged Off"),
             "L0022": ("2022-11-10", "12000.00", "14.22", "Charged Off"),
             "L0023": ("2022-12-10", "9400.00", "12.50", "Current")}
    _acme_part(risk_home.landing_loans / "acme_book_part1.csv", part1)
    _acme_part(risk_home.landing_loans / "acme_book_part2.csv", part2)
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_loans, "loans", lambda p: parse_loan_file(p, [risk_home.mappings]),
                    "run-1", asset="raw_loans")
    resources = {"lake": LakeResource(root=str(risk_home.root)),
                 "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())}
    assert dg.materialize(DBT_ASSETS, resources=resources, selection=["stg_loans", "loan_features"]).success
    with connect(risk_home.lake_path) as con:
        versions = con.execute("SELECT loan_key, snapshot_version, loan_status, loan_amount, "
                               "regexp_extract(_source_file, '[^/]+$'), _source_line FROM staging.stg_loans "
                               "WHERE loan_key IN ('acme:L0020', 'acme:L0021') ORDER BY 1, 2").fetchall()
        flags = dict(con.execute("SELECT loan_key, default_flag FROM marts.loan_features "
                                 "WHERE loan_key IN ('acme:L0020', 'acme:L0022')").fetchall())
        outcome = outcome_reversed(con)

    assert versions == [("acme:L0020", 1, "Charged Off", 8800.0, "acme_book_part1.csv", 6),
                        ("acme:L0020", 2, "Fully Paid", 8800.0, "acme_book_part2.csv", 4),
                        ("acme:L0021", 1, "Charged Off", 6900.0, "acme_book_part1.csv", 7),
                        ("acme:L0021", 2, "Charged Off", 99900.0, "acme_book_part2.csv", 5)]
    assert flags == {"acme:L0020": 0, "acme:L0022": 1}  # the newer version's outcome, as for dated tapes
    assert not outcome.success and outcome.severity == "WARN" and outcome.failures.empty
    assert outcome.rows_checked == 8  # every loan with an id, dated or not
    assert outcome.observed == ("acme: 0 loan(s) repaid then defaulted, 1 defaulted then repaid, "
                                "0 settled then reported open again"
                                " (a default then repaid reads repaid: mapping \"default_cured\": \"latest\"; \"keep_default\" keeps "
                                "the default)")
    (rule,) = outcome.failed_rules
    assert (rule["rule"], rule["failing"]) == ("outcome_reversed", 1)
    assert rule["detail"] == (
        "acme: 1 loan(s) whose outcome a later tape reverses (0 repaid then defaulted, 1 defaulted then repaid, "
        "0 settled then reported open again; the earliest: acme:L0020 defaulted in acme_book_part1.csv, repaid in "
        "acme_book_part2.csv, both undated, the one landed last ranking newer): a bounced payoff, a recovery booked "
        "as a repayment, or an error in a tape? The features take the latest settled outcome (a tape reporting the "
        "loan open keeps it): acme:L0020")


def test_an_undated_redelivery_reporting_a_default_open_is_named_and_undated_against_dated_once(risk_home):
    """`acme_book_part1.csv` charges off L0020 and L0021; `acme_book_part3.csv`, undated and landed in
    a later run, reports L0020 `Current` again: settled then reported open, named with both files. A
    dated tape of March, `acme_book_asof_2024-03-31.csv`, reports L0021 repaid: an undated file ranks
    before every dated snapshot, so that is the undated file disagreeing with a dated one, named once
    by its own rule and not counted as a reversal as well."""
    import json

    risk_home.mappings.mkdir(parents=True, exist_ok=True)
    (risk_home.mappings / "acme.json").write_text(json.dumps(ACME_MAPPING))
    parse = lambda p: parse_loan_file(p, [risk_home.mappings])  # noqa: E731
    _acme_part(risk_home.landing_loans / "acme_book_part1.csv", ACME_LOANS)
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_loans, "loans", parse, "run-1", asset="raw_loans")
    _acme_part(risk_home.landing_loans / "acme_book_part3.csv",
               {"L0020": ("2022-09-10", "8800.00", "16.01", "Current")})
    _acme_part(risk_home.landing_loans / "acme_book_asof_2024-03-31.csv",
               {"L0021": ("2022-10-10", "6900.00", "21.65", "Fully Paid")})
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_loans, "loans", parse, "run-2", asset="raw_loans")
        outcome = outcome_reversed(con)

    assert outcome.observed == ("acme: 0 loan(s) repaid then defaulted, 0 defaulted then repaid, 1 settled then "
                                "reported open again; acme: 1 loan(s) an undated file disagrees on")
    reversed_, undated = outcome.failed_rules
    assert (reversed_["failing"], undated["failing"]) == (1, 1)
    assert reversed_["detail"].startswith(
        "acme: 1 loan(s) whose outcome a later tape reverses (0 repaid then defaulted, 0 defaulted then repaid, "
        "1 settled then reported open again; the earliest: acme:L0020 defaulted in acme_book_part1.csv, open in "
        "acme_book_part3.csv, both undated, the one landed last ranking newer): ")
    assert undated["detail"].startswith(
        "acme: 1 loan(s) on which an undated file disagrees with a dated snapshot (e.g. acme:L0021: defaulted in "
        "acme_book_part1.csv, repaid in the 2024-03-31 snapshot, acme_book_asof_2024-03-31.csv).")
