"""The portfolio overview's figures equal counts taken straight from the real tapes."""

from __future__ import annotations

import csv
import gzip
import html
import math
from collections import Counter
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from risk_assets.lib.lake import connect
from risk_assets.lib.report.portfolio import build_overview, overview_html, overview_markdown

SBA_ROWS = 5_000


def _section(overview, title):
    return next(s for s in overview.sections if s.title == title)


@pytest.fixture
def lendingclub_lake(risk_home, data_dir):
    """A lake whose loan base is the LendingClub tape and whose scores are the default rate per term."""
    tape = data_dir / "loans" / "lendingclub_2007_2011.csv"
    with connect(risk_home.lake_path) as con:
        con.execute(f"""
            CREATE TABLE marts.loan_features AS
            SELECT 'lendingclub:' || row_number() OVER () AS loan_key, 'lendingclub' AS portfolio,
                   NULL::INTEGER AS vintage, CAST(loan_amnt AS DOUBLE) AS loan_amount,
                   CAST(loan_status = 'Charged Off' AS INTEGER) AS default_flag, trim(term) AS term
            FROM read_csv('{tape}', all_varchar = true)""")
        con.execute("""
            CREATE TABLE ml.loan_scores AS
            SELECT loan_key, avg(default_flag) OVER (PARTITION BY term) AS pd,
                   CASE WHEN term = '60 months' THEN 'E' ELSE 'B' END AS risk_grade, 'v1' AS model_version
            FROM marts.loan_features""")
    return risk_home, tape


def test_overview_of_an_empty_lake_names_every_missing_table(risk_home):
    with connect(risk_home.lake_path) as con:
        overview = build_overview(con)
    assert dict(overview.headline)["loan base"] == "no loan table"
    missing = " ".join(overview.missing)
    assert "ml.loan_scores" in missing and "ml.news_sentiment_daily" in missing
    assert "materialize loan_scores" in overview_markdown(overview)


def test_overview_counts_match_the_lendingclub_tape(lendingclub_lake):
    home, tape = lendingclub_lake
    with tape.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_term = Counter(r["term"].strip() for r in rows)
    exposure = sum(float(r["loan_amnt"]) for r in rows)
    defaults = sum(r["loan_status"] == "Charged Off" for r in rows)

    with connect(home.lake_path, read_only=True) as con:
        overview = build_overview(con)

    headline = dict(overview.headline)
    assert headline["loans"] == len(rows) == 39_786
    assert headline["exposure (USD)"] == pytest.approx(exposure)
    assert headline["observed default rate"] == pytest.approx(defaults / len(rows))
    grades = {row[1]: row for row in _section(overview, "Loans and exposure by risk grade").rows}
    assert grades["E"][2] == by_term["60 months"] and grades["B"][2] == by_term["36 months"]
    # each grade's mean PD is its term's default rate, so it equals the observed rate
    assert grades["E"][4] == pytest.approx(grades["E"][5])
    pd_rows = _section(overview, "PD distribution").rows
    assert pd_rows[0][0] == "lendingclub" and pd_rows[0][1] == len(rows)
    assert _section(overview, "PD distribution").plot.startswith(b"\x89PNG")
    vintage = _section(overview, "Loans and exposure by vintage")
    assert vintage.rows[0][1] is None and any("No origination date" in n for n in vintage.notes)
    assert headline["portfolios without a PD champion (unscored)"] == "lendingclub"
    with connect(home.lake_path) as con:
        con.execute("INSERT INTO ml.model_registry (model, version, status, artifact_path) "
                    "VALUES ('loan_pd_lendingclub', 'v1', 'champion', '/artifacts/v1')")
        assert dict(build_overview(con).headline)["portfolios without a PD champion (unscored)"] == "none"


def test_default_rate_by_vintage_matches_the_sba_tape(risk_home, data_dir):
    tape = data_dir / "loans" / "sba_national.csv.gz"
    with gzip.open(tape, "rt", newline="", encoding="utf-8") as handle:
        rows = [r for _, r in zip(range(SBA_ROWS), csv.DictReader(handle))]
    labelled = [r for r in rows if r["MIS_Status"] in ("P I F", "CHGOFF") and r["ApprovalFY"].isdigit()]
    loans_by_year = Counter(r["ApprovalFY"] for r in labelled)
    defaults_by_year = Counter(r["ApprovalFY"] for r in labelled if r["MIS_Status"] == "CHGOFF")

    with connect(risk_home.lake_path) as con:
        features = pa.table({
            "loan_key": [r["LoanNr_ChkDgt"] for r in labelled],
            "portfolio": ["sba"] * len(labelled),
            "vintage": [int(r["ApprovalFY"]) for r in labelled],
            "loan_amount": [float(r["GrAppv"].strip().lstrip("$").replace(",", "")) for r in labelled],
            "default_flag": [int(r["MIS_Status"] == "CHGOFF") for r in labelled],
        })
        con.register("features", features)
        con.execute("CREATE TABLE marts.loan_features AS SELECT * FROM features")
        overview = build_overview(con)

    section = _section(overview, "Default rate by vintage")
    got = {row[1]: row for row in section.rows}
    assert set(got) == set(loans_by_year)
    for year, (_, _, n, d, rate) in got.items():
        assert (n, d) == (loans_by_year[year], defaults_by_year[year])
        assert rate == pytest.approx(d / n)
    assert section.plot.startswith(b"\x89PNG")


def test_open_quality_issues_are_the_checks_whose_latest_result_failed(risk_home):
    with connect(risk_home.lake_path) as con:
        con.executemany(
            "INSERT INTO quality.check_results (check_name, asset, success, severity, failing_count, evaluated_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [("rate_in_range", "stg_loans", False, "ERROR", 3, "2024-06-01 10:00"),
             ("rate_in_range", "stg_loans", True, "ERROR", 0, "2024-06-02 10:00"),
             ("grade_not_blank", "raw_loans", True, "WARN", 0, "2024-06-01 10:00"),
             ("grade_not_blank", "raw_loans", False, "WARN", 2, "2024-06-02 10:00")])
        con.executemany(
            "INSERT INTO quality.quarantine (asset, source_file, line, column_name, rule, raw_value) VALUES (?, ?, ?, ?, ?, ?)",
            [("raw_loans", "F11.csv", 3, "annual_income", "income >= 0", "-5000"),
             ("raw_loans", "F11.csv", 7, "int_rate", "rate <= 1", "135%"),
             ("raw_loans", "F07.csv", 4, "int_rate", "rate <= 1", "fifty")])
        overview = build_overview(con)
    failed = _section(overview, "Open quality issues: failed checks").rows
    assert [(r[0], r[1], r[3]) for r in failed] == [("raw_loans", "grade_not_blank", "2 (unit not recorded)")]
    assert failed[0][-1] == "2024-06-02 10:00 UTC"  # the minute and its zone, not 2024-06-02 10:00:00.000000
    quarantined = _section(overview, "Open quality issues: quarantined values").rows
    assert quarantined[0] == ("raw_loans", "rate <= 1", 2, 2)


def test_the_failed_checks_give_each_count_its_unit_and_the_quarantine_table_heads_its_check_column(risk_home):
    """The overview had shown `failing_count` 2 (the leakage check's rules) beside 811 (raw_loans_values'
    quarantined values) as if one unit, and headed the quarantine table's check names (`raw_loans_values`)
    `asset`. Each count now says its unit, recorded by the check that counted it."""
    from risk_assets.lib.quality.outcome import CheckOutcome, record, record_verdict

    failures = pd.DataFrame({"record_key": [f"sba:{i}" for i in range(811)], "source_file": "SBAnational.csv",
                             "file_sha256": "ab" * 32, "line": range(2, 813), "column_name": "term_months",
                             "rule": ["term_positive"] * 810 + ["disbursement_not_after_as_of"], "raw_value": "0",
                             "message": "term 0 months"})
    values = CheckOutcome(check="raw_loans_values", asset="raw_loans", success=False, severity="WARN",
                          observed="2 of 38 rules failed on 811 of 938,950 rows (811 loans): term_positive, "
                                   "disbursement_not_after_as_of", failures=failures,
                          rules=[{"rule": "term_positive", "success": False}, {"rule": "disbursement_not_after_as_of",
                                                                              "success": False}], rows_checked=938_950)
    with connect(risk_home.lake_path) as con:
        record(con, values, "run-1")
        record_verdict(con, "loan_features_no_leakage", "loan_features", "run-1", False, "WARN", "no blocking leakage",
                       2, {}, failing_unit="rules")
        record_verdict(con, "score_psi_drift", "score_psi", "run-1", False, "WARN", "1 PD score PSI value(s) above 0.2",
                       1, {}, failing_unit="PSI values")
        record_verdict(con, "loan_scores_coverage", "loan_scores", "run-1", False, "WARN", "lendingclub: 39,786 loans "
                       "unscored", 39_786, {}, failing_unit="loans")
        overview = build_overview(con)
    failed = _section(overview, "Open quality issues: failed checks")
    assert failed.columns == ["asset", "check", "severity", "failing", "observed_value", "evaluated"]
    assert [r[:4] for r in failed.rows] == [("loan_features", "loan_features_no_leakage", "WARN", "2 rules"),
                                            ("loan_scores", "loan_scores_coverage", "WARN", "39,786 loans"),
                                            ("raw_loans", "raw_loans_values", "WARN", "811 values"),
                                            ("score_psi", "score_psi_drift", "WARN", "1 PSI value")]
    quarantined = _section(overview, "Open quality issues: quarantined values")
    assert quarantined.columns == ["check", "rule", "values_quarantined", "files"]
    assert quarantined.rows == [("raw_loans_values", "term_positive", 810, 1),
                                ("raw_loans_values", "disbursement_not_after_as_of", 1, 1)]


def test_overview_html_is_self_contained(lendingclub_lake, tmp_path):
    home, _ = lendingclub_lake
    with connect(home.lake_path, read_only=True) as con:
        overview = build_overview(con)
    text = overview_html(overview).write(tmp_path / "overview.html").read_text()
    assert text.count('<img src="data:image/png;base64,') == 2  # exposure by grade, PD distribution
    assert "http://" not in text and "https://" not in text
    assert "39,786" in text


def test_the_overview_says_how_many_landed_loans_it_does_not_show_yet(lendingclub_lake):
    """Loans landed by a raw-only run are not in the features the overview reads: it counts them
    (a quarantined one aside) and says when the newest file landed."""
    home, _ = lendingclub_lake
    with connect(home.lake_path) as con:
        con.execute("CREATE TABLE raw.loans AS SELECT loan_key FROM marts.loan_features")
        con.execute("INSERT INTO raw.loans VALUES ('lendingclub:new-1'), ('lendingclub:new-2'), ('lendingclub:bad')")
        con.execute("INSERT INTO quality.quarantine (asset, record_key, rule) VALUES ('raw_loans_values', "
                    "'lendingclub:bad', 'negative_income')")
        con.execute("INSERT INTO raw.landed_files (sha256, path, size_bytes, domain, status, landed_at) VALUES "
                    "('s', 'landing/loans/may.csv', 1, 'loans', 'loaded', TIMESTAMP '2024-05-02 09:30:00')")
        headline = dict(build_overview(con).headline)
    assert headline["newest loan file landed (UTC)"] == "2024-05-02 09:30"
    assert headline["landed loans not in the features yet (rebuild key:stg_loans+)"] == (
        "2 (1 more are held out by quarantine: see raw_loans_values)")


def test_the_overview_does_not_say_nothing_is_missing_when_quarantined_loans_are_held_out(lendingclub_lake):
    """Every loan of the features landed, but three landed loans are quarantined (one by two rules of
    two checks): the count of loans waiting is 0, and beside it the three a rebuild will not bring in."""
    home, _ = lendingclub_lake
    with connect(home.lake_path) as con:
        con.execute("CREATE TABLE raw.loans AS SELECT loan_key FROM marts.loan_features")
        con.execute("INSERT INTO raw.loans VALUES ('lendingclub:bad-1'), ('lendingclub:bad-2'), ('lendingclub:bad-3')")
        con.executemany("INSERT INTO quality.quarantine (asset, record_key, rule) VALUES (?, ?, ?)", [
            ("raw_loans_values", "lendingclub:bad-1", "negative_income"),
            ("stg_loans_values", "lendingclub:bad-1", "rate_range"),
            ("raw_loans_values", "lendingclub:bad-2", "negative_income"),
            ("raw_loans_values", "lendingclub:bad-3", "rate_range"),
        ])
        con.execute("INSERT INTO raw.landed_files (sha256, path, size_bytes, domain, status, landed_at) VALUES "
                    "('s', 'landing/loans/may.csv', 1, 'loans', 'loaded', TIMESTAMP '2024-05-02 09:30:00')")
        headline = dict(build_overview(con).headline)
    assert headline["landed loans not in the features yet (rebuild key:stg_loans+)"] == (
        "0 (3 more are held out by quarantine: see raw_loans_values, stg_loans_values)")


def test_a_euro_book_is_labelled_by_its_currency_and_matched_to_its_model_by_its_name(risk_home, data_dir):
    """The LendingClub tape as a euro book `nwc`: exposure in EUR, never USD, tables label it
    `nwc (EUR)`, and its champion `loan_pd_nwc` is found (the label was compared with the model
    name, so a scored euro book was listed as without a champion)."""
    tape = data_dir / "loans" / "lendingclub_2007_2011.csv"
    with connect(risk_home.lake_path) as con:
        con.execute(f"""
            CREATE TABLE marts.loan_features AS
            SELECT 'nwc:' || row_number() OVER () AS loan_key, 'nwc' AS portfolio, 'EUR' AS currency,
                   NULL::INTEGER AS vintage, CAST(loan_amnt AS DOUBLE) AS loan_amount,
                   CAST(loan_status = 'Charged Off' AS INTEGER) AS default_flag
            FROM read_csv('{tape}', all_varchar = true)""")
        assert dict(build_overview(con).headline)["portfolios without a PD champion (unscored)"] == "nwc (EUR)"
        con.execute("INSERT INTO ml.model_registry (model, version, status, artifact_path) "
                    "VALUES ('loan_pd_nwc', 'v1', 'champion', '/artifacts/v1')")
        overview = build_overview(con)
    with tape.open(newline="") as f:
        exposure = sum(float(r["loan_amnt"]) for r in csv.DictReader(f))
    headline = dict(overview.headline)
    assert headline["portfolios without a PD champion (unscored)"] == "none"
    assert headline["exposure (EUR)"] == pytest.approx(exposure) and "exposure (USD)" not in headline
    assert _section(overview, "Loans and exposure by vintage").rows[0][0] == "nwc (EUR)"


def test_dated_news_without_a_sentiment_champion_is_said_to_be_unscored(risk_home, cases_dir):
    """A desk feed (F17, dated) and no sentiment champion: the overview says the articles are
    unscored and why, not that the news carries no dates."""
    from risk_assets.lib.ingest.news_formats import parse_news_file
    from risk_assets.lib.ml.sentiment_scoring import DAILY_SQL, NEWS_SCORES_DDL

    rows = parse_news_file(cases_dir / "F17_news_long_text.csv").rows.select("doc_id", "published_at")
    with connect(risk_home.lake_path) as con:
        con.register("rows", rows.to_arrow())
        con.execute("CREATE TABLE marts.news_features AS SELECT * FROM rows")
        con.execute(NEWS_SCORES_DDL)
        con.execute("ALTER TABLE marts.news_features ADD COLUMN ticker VARCHAR")
        con.execute(DAILY_SQL)
        overview = build_overview(con)
    assert dict(overview.headline)["news articles scored"] == (
        "0 of 3 (no news_sentiment champion: no labelled news to train on, or none promoted)")
    assert _section(overview, "News sentiment trend").notes == [
        "ml.news_sentiment_daily holds no rows: no news_sentiment champion, so none of the 3 articles is scored "
        "(without labelled news no model is trained: see news_sentiment_model's card)."]


def test_the_grade_table_warns_where_a_books_pds_do_not_give_its_default_rate(lendingclub_lake):
    """The grade table puts each grade's mean PD beside its observed default rate. PDs equal to
    each term's default rate match it, and nothing is said; halved, they under-state LendingClub's
    defaults by x0.50, and the section says to read them as relative risk, with the figures."""
    home, _ = lendingclub_lake
    with connect(home.lake_path, read_only=True) as con:
        assert not any("under-state" in n for n in _section(build_overview(con), "Loans and exposure by risk grade").notes)
    with connect(home.lake_path) as con:
        rate = con.execute("SELECT avg(default_flag) FROM marts.loan_features").fetchone()[0]
        con.execute("UPDATE ml.loan_scores SET pd = pd / 2")
        notes = _section(build_overview(con), "Loans and exposure by risk grade").notes
    assert [n for n in notes if "under-state" in n] == [
        f"lendingclub: over its 39,786 labelled loans the mean PD is {rate / 2:.3f} against an observed default "
        f"rate of {rate:.3f} (x0.50): its PDs under-state defaults here; read them as relative risk (the ranking "
        "holds), not as default probabilities, as its model card says of its holdout."]


def test_the_grade_table_names_the_loans_outside_the_champions_vintages(risk_home, data_dir):
    """SBA's champion trains on approvals of 1989-2003 and is judged up to 2006 (the vintages of the
    first real SBA rows that fall there); the book's older approvals (left out: recorded after their
    outcome) and its later ones are scored all the same. The grade table counts them, so its
    section says how many there are and how they compare."""
    tape = data_dir / "loans" / "sba_national.csv.gz"
    with connect(risk_home.lake_path) as con:
        con.execute(f"""
            CREATE TABLE marts.loan_features AS
            SELECT 'sba:' || LoanNr_ChkDgt AS loan_key, 'sba' AS portfolio,
                   TRY_CAST(ApprovalFY AS INTEGER) AS vintage, CAST(replace(replace(GrAppv, '$', ''), ',', '') AS DOUBLE)
                   AS loan_amount, CASE MIS_Status WHEN 'CHGOFF' THEN 1 WHEN 'P I F' THEN 0 END AS default_flag
            FROM read_csv('{tape}', all_varchar = true) LIMIT {SBA_ROWS}""")
        con.execute("CREATE TABLE ml.loan_scores AS SELECT loan_key, 0.1 AS pd, 'R5' AS risk_grade, 'v1' AS model_version "
                    "FROM marts.loan_features")
        con.execute("INSERT INTO ml.model_registry (model, version, status, artifact_path) "
                    "VALUES ('loan_pd_sba', 'v1', 'champion', '/artifacts/v1')")
        con.execute("CREATE TABLE IF NOT EXISTS ml.model_training_loans (model VARCHAR, version VARCHAR, loan_key VARCHAR)")
        con.execute("CREATE TABLE IF NOT EXISTS ml.model_holdouts (model VARCHAR, version VARCHAR, split VARCHAR, loan_key VARCHAR)")
        con.execute("INSERT INTO ml.model_training_loans SELECT 'loan_pd_sba', 'v1', loan_key FROM marts.loan_features "
                    "WHERE vintage BETWEEN 1989 AND 2003")
        con.execute("INSERT INTO ml.model_holdouts SELECT 'loan_pd_sba', 'v1', 'holdout_oot', loan_key "
                    "FROM marts.loan_features WHERE vintage BETWEEN 2004 AND 2006")
        first, last = con.execute("SELECT min(vintage), max(vintage) FROM marts.loan_features "
                                  "WHERE vintage BETWEEN 1989 AND 2006").fetchone()
        outside, rate = con.execute(
            "SELECT count(*), avg(default_flag) FROM marts.loan_features WHERE default_flag IS NOT NULL "
            "AND (vintage < ? OR vintage > ?)", [first, last]).fetchone()
        notes = _section(build_overview(con), "Loans and exposure by risk grade").notes
    assert outside > 0
    with connect(risk_home.lake_path, read_only=True) as con:
        trained, labelled = con.execute(
            "SELECT count(*) FILTER (WHERE vintage BETWEEN 1989 AND 2003), count(*) FROM marts.loan_features "
            "WHERE default_flag IS NOT NULL").fetchone()
    # the table's rates count the loans the champion learnt from: the section says how many
    assert 0 < trained < labelled
    assert [n for n in notes if "in-sample" in n] == [
        f"sba: {trained:,} of its {labelled:,} labelled loans ({trained / labelled:.0%}) trained the model that "
        "scored them, so the table's mean PD against the observed default rate is partly in-sample; the model "
        "card's holdout columns give the out-of-sample match."]
    assert [n for n in notes if "outside" in n] == [
        f"sba: {outside:,} labelled loans of vintages outside {first}-{last}, the ones its PD champion trained and was "
        f"judged on, are scored and counted here (observed default rate {rate:.3f}, mean PD 0.100); the model's "
        "figures say nothing of them."]


def test_the_label_mix_shown_for_undated_news_says_how_much_of_it_the_model_trained_on(risk_home):
    """Undated scored articles (the PhraseBank sample): with no daily index, the overview shows the
    mix of predicted labels, and says that two of its three scores are of sentences the scoring
    model trained on, whose labels it learned."""
    from risk_assets.lib.ml.sentiment_scoring import DAILY_SQL, NEWS_SCORES_DDL

    with connect(risk_home.lake_path) as con:
        con.execute("CREATE TABLE marts.news_features (doc_id VARCHAR, published_at TIMESTAMP, ticker VARCHAR)")
        con.execute("INSERT INTO marts.news_features VALUES ('a', NULL, NULL), ('b', NULL, NULL), ('c', NULL, NULL)")
        con.execute(NEWS_SCORES_DDL)
        con.execute("INSERT INTO ml.news_scores (doc_id, label, p_negative, p_neutral, p_positive, model_version, "
                    "sample, chunks, truncated, unknown_share, scored_at) VALUES "
                    "('a', 'positive', 0.1, 0.1, 0.8, 'v1', 'train', 1, false, 0, now()), "
                    "('b', 'positive', 0.1, 0.2, 0.7, 'v1', 'train', 1, false, 0, now()), "
                    "('c', 'negative', 0.7, 0.2, 0.1, 'v1', 'unseen', 1, false, 0, now())")
        con.execute(DAILY_SQL)
        section = _section(build_overview(con), "News sentiment trend")
    assert section.rows == [("negative", 1, pytest.approx(1 / 3)), ("positive", 2, pytest.approx(2 / 3))]
    assert section.notes[-2:] == [
        "Shown instead: the mix of predicted labels over all scored articles (ml.news_scores).",
        "The mix includes the sentences the scoring model trained on, whose labels it learned: "
        "2 train, 0 holdout, 1 unseen (ml.news_scores.sample)."]


def test_a_long_table_shows_its_first_and_last_rows_and_says_which_are_left_out():
    """SBA's 49 vintages, 1966 to 2014: the UI's table used to stop at its 40th row, 2005, hiding
    the newest vintages; it shows 1966-1985 and 1995-2014 and names rows 21 to 29 as left out."""
    from risk_assets.lib.report.portfolio import preview_rows

    rows = [(f"sba {year}", year) for year in range(1966, 2015)]
    shown, note = preview_rows(rows)
    assert [r[1] for r in shown] == [*range(1966, 1986), *range(1995, 2015)]
    assert note == ("rows 21 to 29 of 49 are left out here, between the two halves shown; the HTML report "
                    "(RISK_HOME/reports/portfolio_overview.html) holds every row")
    assert preview_rows(rows[:40]) == (rows[:40], None)


def test_the_vintage_tables_show_every_vintage_and_the_report_says_how_to_open_it(risk_home, data_dir, tmp_path):
    """The whole SBA tape has 52 approval years (1962-2014): the UI's two vintage tables said
    `rows 21 to 32 of 52 are left out`, hiding 1983-1994, where the champion's window (1989-2006)
    starts. Every vintage is shown now; and the HTML report, a local file, comes with how to open it."""
    tape = data_dir / "loans" / "sba_national.csv.gz"
    with connect(risk_home.lake_path) as con:
        con.execute(f"""
            CREATE TABLE marts.loan_features AS
            SELECT LoanNr_ChkDgt AS loan_key, 'sba' AS portfolio, TRY_CAST(ApprovalFY AS INTEGER) AS vintage,
                   CAST(replace(ltrim(trim(GrAppv), '$'), ',', '') AS DOUBLE) AS loan_amount,
                   CASE MIS_Status WHEN 'CHGOFF' THEN 1 WHEN 'P I F' THEN 0 END AS default_flag
            FROM read_csv('{tape}', all_varchar = true)""")
        overview = build_overview(con)
    report = tmp_path / "reports" / "portfolio_overview.html"
    text = overview_markdown(overview, report)
    years = [row[1] for row in _section(overview, "Loans and exposure by vintage").rows]
    assert len(years) == 52 and years[:2] == [None, "1962"] and years[-1] == "2014"  # None: '1976A'
    years = ["—" if y is None else y for y in years]  # markdown_table writes NULL as a dash
    for title in ("Loans and exposure by vintage", "Default rate by vintage"):
        body = text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
        assert "are left out here" not in body
        assert [line.split(" | ")[1].strip() for line in body.splitlines() if line.startswith("| sba | ")] == years
    # the plots: vintages with under 30 labelled loans (1966: 1 loan, at 100%) are left out and named
    assert _section(overview, "Default rate by vintage").plot_caption == (
        "Observed default rate (0-1) of labelled loans by vintage (origination year; SBA: approval fiscal year, "
        "October-September) and portfolio; vintages with fewer than 30 labelled loans are left out of the plot, the line "
        "broken there, their rate being mostly noise (the table lists them): sba 1966, 1968-1972, 1975; not plotted: 18 of sba's 897,167 "
        "labelled loans, which have no vintage")
    assert _section(overview, "Loans and exposure by vintage").plot_caption.endswith(
        "; not plotted: 18 of sba's 899,164 loans, which have no vintage")
    assert text.splitlines()[2] == (
        f"_The full report, every row of every table, is a local file on the machine that runs Dagster: `{report}`. "
        f"Open it there by pasting `file://{report}` into a browser's address bar (a browser does not follow a "
        "file:// link from this page), or copy the file (it is self-contained) to another machine._")


def test_the_overviews_headline_metadata_writes_counts_and_exposure_with_separators():
    """The UI showed `exposure_usd 173637103968`: it prints a number's digits bare."""
    import dagster as dg

    from risk_assets.defs.showcase.portfolio import headline_value

    assert headline_value("exposure_usd", 173_637_103_968.0) == dg.MetadataValue.text("173,637,103,968.00")
    assert headline_value("loans", 938_950) == dg.MetadataValue.text("938,950")
    assert headline_value("scored_loans", 896_360) == dg.MetadataValue.text("896,360")
    assert headline_value("mean_pd", 0.10908206272955899) == 0.1091


def test_the_vintage_plots_say_which_book_has_no_vintage_and_the_grade_plot_gives_each_book_a_panel(
        lendingclub_lake, data_dir):
    """The exposure and default-rate plots had shown SBA alone, unlabelled, with LendingClub
    (no issue date in its sample tape, so no vintage) dropped without a word; and on one linear scale
    LendingClub's grade bars were invisible beside SBA's."""
    home, _ = lendingclub_lake
    tape = data_dir / "loans" / "sba_national.csv.gz"
    with connect(home.lake_path) as con:
        con.execute(f"""
            INSERT INTO marts.loan_features (loan_key, portfolio, vintage, loan_amount, default_flag)
            SELECT 'sba:' || LoanNr_ChkDgt, 'sba', CAST(ApprovalFY AS INTEGER),
                   CAST(replace(ltrim(trim(GrAppv), '$'), ',', '') AS DOUBLE),
                   CASE MIS_Status WHEN 'CHGOFF' THEN 1 WHEN 'P I F' THEN 0 END
            FROM (SELECT * FROM read_csv('{tape}', all_varchar = true) LIMIT {SBA_ROWS})""")
        con.execute("INSERT INTO ml.loan_scores SELECT loan_key, 0.2, 'C', 'v1' FROM marts.loan_features "
                    "WHERE portfolio = 'sba'")
        overview = build_overview(con)
    no_vintage = ("; not plotted: lendingclub (39,786 {}), whose tape records no origination (issue) date, so its "
                  "loans have no vintage")
    assert _section(overview, "Loans and exposure by vintage").plot_caption.endswith(no_vintage.format("loans"))
    assert _section(overview, "Default rate by vintage").plot_caption.endswith(no_vintage.format("labelled loans"))
    grade = _section(overview, "Loans and exposure by risk grade")
    assert grade.plot.startswith(b"\x89PNG") and grade.plot_caption == (
        "Exposure (sum of loan amounts, millions, in USD unless the portfolio names another currency) by risk grade, "
        "one panel per portfolio, each on its own scale: compare portfolios by the table's exposure column, not by "
        "bar heights")


def test_the_headline_mean_pd_is_read_per_book_with_a_caveat_naming_the_book_that_under_states(lendingclub_lake,
                                                                                                 data_dir):
    """A sample lake's headline read "mean PD 0.1091" beside "observed default rate 0.1736" with nothing
    between them: the mean pooled LendingClub's calibrated PDs with SBA's, which under-state its
    defaults out of time. Here LendingClub's PDs are its terms' default rates (calibrated) and the
    first 5,000 SBA loans are all scored 0.1 against their 853 defaults in 4,984 outcomes: the
    headline gives each book's pair and names SBA, from pd_calibration, in its caveat."""
    from risk_assets.defs.showcase.portfolio import book_metadata

    home, _ = lendingclub_lake
    with connect(home.lake_path) as con:
        _add_sba_features_and_calibration(con, data_dir)
        con.execute("INSERT INTO ml.loan_scores SELECT loan_key, 0.1, 'R5', 'v2', 'under-states on holdout_oot' "
                    "FROM marts.loan_features WHERE portfolio = 'sba'")
        overview = build_overview(con)
    headline = dict(overview.headline)
    assert round(headline["mean PD"], 4) == 0.1378  # (5,670 + 5,000 x 0.1) / 44,786
    assert round(headline["observed default rate"], 4) == 0.1457  # (5,670 + 853) / 44,770
    assert headline["mean PD against observed default rate, lendingclub"] == (
        "0.1425 against 0.1425 (pd_calibration: calibrated on holdout)")
    assert headline["mean PD against observed default rate, sba"] == (
        "0.1000 against 0.1711 (pd_calibration: under-states on holdout_oot)")
    assert headline["how to read the mean PD"] == (
        "The mean PD 0.1378 pools 2 scored books (lendingclub, sba) and is no estimate of the observed default rate "
        "0.1457: sba's PDs under-state defaults (pd_calibration: under-states on holdout_oot; mean PD 0.1000 against "
        "an observed default rate of 0.1711). Compare each book's own mean PD with its own default rate, and read "
        "the PDs of a book named here as relative risk (the ranking holds), not as default probabilities.")
    labels = [label for label, _ in overview.headline]
    assert labels[labels.index("mean PD"):labels.index("mean PD") + 4] == [
        "mean PD", "mean PD against observed default rate, lendingclub", "mean PD against observed default rate, sba",
        "how to read the mean PD"]
    metadata = book_metadata(overview.books, headline["how to read the mean PD"])
    assert metadata["mean_pd_by_portfolio"].value == (
        "| portfolio | scored loans | mean PD | labelled loans | observed default rate | PDs (pd_calibration) |\n"
        "|---|---:|---:|---:|---:|---|\n"
        "| lendingclub | 39,786 | 0.1425 | 39,786 | 0.1425 | calibrated on holdout |\n"
        "| sba | 5,000 | 0.1000 | 4,984 | 0.1711 | under-states on holdout_oot |")
    assert metadata["mean_pd_caveat"].value == headline["how to read the mean PD"]
    assert "| how to read the mean PD | The mean PD 0.1378 pools" in overview_markdown(overview)


def test_a_lake_whose_every_book_is_calibrated_says_its_mean_pd_reads_against_the_default_rate(lendingclub_lake):
    """Scores written before pd_calibration was kept read 'not recorded' and are named; once recorded
    as calibrated, the caveat says the pooled figures compare."""
    home, _ = lendingclub_lake
    with connect(home.lake_path) as con:
        assert dict(build_overview(con).headline)["how to read the mean PD"] == (
            "The mean PD 0.1425 pools 1 scored book (lendingclub) and is no estimate of the observed default rate "
            "0.1425: lendingclub's PDs are not read as default probabilities (pd_calibration: not recorded; mean PD "
            "0.1425 against an observed default rate of 0.1425). Compare each book's own mean PD with its own default "
            "rate, and read the PDs of a book named here as relative risk (the ranking holds), not as default "
            "probabilities.")
        con.execute("ALTER TABLE ml.loan_scores ADD COLUMN pd_calibration VARCHAR")
        con.execute("UPDATE ml.loan_scores SET pd_calibration = 'calibrated on holdout'")
        assert dict(build_overview(con).headline)["how to read the mean PD"] == (
            "The mean PD 0.1425 pools 1 scored book (lendingclub), whose PDs are all calibrated on their holdouts "
            "(pd_calibration), so it can be read against the observed default rate 0.1425.")


def test_a_sections_several_notes_are_a_bullet_list_in_the_markdown_and_the_html(lendingclub_lake, tmp_path):
    """PDs halved: the grade table's section has two notes (the in-sample share, the under-stated
    defaults). Written as italic lines in a row they ran together into one paragraph; they are a
    bullet each, in the UI's markdown and in the HTML report. A single note stays one italic line."""
    home, _ = lendingclub_lake
    with connect(home.lake_path) as con:
        rate = con.execute("SELECT avg(default_flag) FROM marts.loan_features").fetchone()[0]
        con.execute("UPDATE ml.loan_scores SET pd = pd / 2")
        # the scoring version trained on 30,000 of the book's loans
        con.execute("CREATE TABLE IF NOT EXISTS ml.model_training_loans (model VARCHAR, version VARCHAR, loan_key VARCHAR)")
        con.execute("INSERT INTO ml.model_training_loans SELECT 'loan_pd_lendingclub', model_version, loan_key "
                    "FROM ml.loan_scores ORDER BY loan_key LIMIT 30000")
        trained = con.execute("SELECT count(*) FROM ml.model_training_loans JOIN marts.loan_features USING (loan_key) "
                              "WHERE default_flag IS NOT NULL").fetchone()[0]
        overview = build_overview(con)
    notes = _section(overview, "Loans and exposure by risk grade").notes
    assert 0 < trained < 39_786
    assert trained == 30_000
    assert notes[0] == (f"lendingclub: {trained:,} of its 39,786 labelled loans ({trained / 39_786:.0%}) trained the "
                        "model that scored them, so the table's mean PD against the observed default rate is partly "
                        "in-sample; the model card's holdout columns give the out-of-sample match.")
    under_states = (f"lendingclub: over its 39,786 labelled loans the mean PD is {rate / 2:.3f} against an observed "
                    f"default rate of {rate:.3f} (x0.50): its PDs under-state defaults here; read them as relative "
                    "risk (the ranking holds), not as default probabilities, as its model card says of its holdout.")
    assert notes[1] == under_states
    body = overview_markdown(overview).split("## Loans and exposure by risk grade\n", 1)[1]
    assert body.split("\n\n", 1)[0].splitlines() == [f"- {notes[0]}", f"- {under_states}"]
    html_text = overview_html(overview).write(tmp_path / "overview.html").read_text()
    grade = html_text.split("<h2>Loans and exposure by risk grade</h2>", 1)[1].lstrip()
    assert grade.startswith(f'<div class="notice"><ul><li>{html.escape(notes[0])}</li>'
                            f'<li>{html.escape(under_states)}</li></ul></div>')
    # one note: an italic line, as before
    from risk_assets.lib.report.portfolio import notes_markdown
    assert notes_markdown(["Nothing is in quarantine."]) == ["_Nothing is in quarantine._"]
    assert notes_markdown([]) == []


def test_a_book_whose_loans_carry_their_own_populations_verdicts_is_named_by_those_not_calibrated(lendingclub_lake,
                                                                                                   data_dir):
    """Each SBA loan carries the verdict of its vintage's holdout (pd_calibration): calibrated on the
    in-time holdout for 1989-2003, under-stated on the out-of-time one for 2004-2006, not assessed
    outside. The book is not calibrated as a whole, and the caveat reads it by the verdicts that are not."""
    home, _ = lendingclub_lake
    with connect(home.lake_path) as con:
        _add_sba_features_and_calibration(con, data_dir)
        con.execute("""INSERT INTO ml.loan_scores SELECT loan_key, 0.1, 'R5', 'v2',
                           CASE WHEN vintage BETWEEN 1989 AND 2003 THEN 'calibrated on holdout_in_time (pooled over vintages)'
                                WHEN vintage BETWEEN 2004 AND 2006 THEN 'under-states on holdout_oot'
                                WHEN vintage < 1989 THEN 'not assessed (vintage before the champion''s 1989-2006)'
                                ELSE 'not assessed (vintage after the champion''s 1989-2006)' END
                       FROM marts.loan_features WHERE portfolio = 'sba'""")
        counts = con.execute("SELECT pd_calibration, count(*) FROM ml.loan_scores WHERE model_version = 'v2' "
                             "GROUP BY 1 ORDER BY 1").fetchall()
        overview = build_overview(con)
    assert counts == [("calibrated on holdout_in_time (pooled over vintages)", 2219),
                      ("not assessed (vintage before the champion's 1989-2006)", 54), ("under-states on holdout_oot", 2727)]
    assert not [book for book in overview.books if book.portfolio == "sba"][0].calibrated
    assert dict(overview.headline)["how to read the mean PD"] == (
        "The mean PD 0.1378 pools 2 scored books (lendingclub, sba) and is no estimate of the observed default rate "
        "0.1457: sba's PDs are calibrated only in part: on some loans they under-state defaults; on some loans they "
        "were not assessed (no holdout speaks for their vintages, or it had no ECE or no defaults) (pd_calibration: calibrated on "
        "holdout_in_time (pooled over vintages); not assessed (vintage before the champion's 1989-2006); under-states on holdout_oot; mean PD "
        "0.1000 against an observed default rate of 0.1711). Compare each book's own mean PD with its own default "
        "rate, and read the PDs of a book named here as relative risk (the ranking holds), not as default probabilities.")


def _add_sba_features_and_calibration(con, data_dir: Path) -> None:
    """The first SBA_ROWS loans of the SBA national file as features (vintage = approval FY, gross
    approval in USD, default flag from MIS_Status, term in months), and a pd_calibration column on
    ml.loan_scores whose LendingClub rows read 'calibrated on holdout'."""
    con.execute(f"""
        INSERT INTO marts.loan_features
        SELECT 'sba:' || LoanNr_ChkDgt, 'sba', TRY_CAST(ApprovalFY AS INTEGER),
               CAST(replace(replace(GrAppv, '$', ''), ',', '') AS DOUBLE),
               CASE MIS_Status WHEN 'CHGOFF' THEN 1 WHEN 'P I F' THEN 0 END, Term
        FROM (SELECT * FROM read_csv(?, all_varchar = true) LIMIT {SBA_ROWS})""",
                [str(data_dir / "loans" / "sba_national.csv.gz")])
    con.execute("ALTER TABLE ml.loan_scores ADD COLUMN pd_calibration VARCHAR")
    con.execute("UPDATE ml.loan_scores SET pd_calibration = 'calibrated on holdout'")


def test_a_book_no_champion_scores_says_so_in_the_headline_not_none_against_none():
    """A book landed without outcomes (every loan 'Current'), whose PD training was refused, read
    'none against none (pd_calibration: unscored)' in the headline; it now says what it lacks."""
    from risk_assets.lib.report.portfolio import BookPD, book_headline

    current = BookPD("acme", scored=0, mean_pd=None, labelled=0, observed_default_rate=None, calibration="unscored")
    assert book_headline(current) == ("mean PD against observed default rate, acme",
                                      "no PD: no champion scores its loans (no loan has an outcome yet)")
    labelled = BookPD("acme", scored=0, mean_pd=None, labelled=12, observed_default_rate=1 / 12, calibration="unscored")
    assert book_headline(labelled)[1] == ("no PD: no champion scores its loans (observed default rate 0.0833 on 12 "
                                          "labelled loans)")
    sba = BookPD("sba", scored=898_353, mean_pd=0.10764, labelled=896_360, observed_default_rate=0.17501,
                 calibration="under-states on holdout_oot")
    assert book_headline(sba)[1] == "0.1076 against 0.1750 (pd_calibration: under-states on holdout_oot)"


def test_each_book_has_one_colour_in_every_overview_plot():
    """LendingClub was blue and SBA orange in 'Exposure by risk grade', but SBA blue in 'Default rate
    by vintage', where LendingClub (no vintage) draws no line: the colour went by the plot's order."""
    from risk_assets.lib.report import plots

    assert plots.portfolio_colours(["sba", "lendingclub", "acme", "f13"]) == {
        "lendingclub": "#4f43dd", "sba": "#e0693a", "acme": "#8d99ae", "f13": "#2a9d8f"}
    assert plots.portfolio_colours(["acme"]) == {"acme": "#8d99ae"}  # the same without the other books
    alone = plots.line_figure({"sba": [1990, 1991]}, {"sba": [0.1, 0.2]}, "Default rate by vintage", "rate",
                              plots.portfolio_colours(["sba"]))
    panels = plots.bar_panels_figure({"lendingclub": ["R1"], "sba": ["R1"]}, {"lendingclub": [1.0], "sba": [2.0]},
                                     "Exposure by risk grade", "millions", plots.portfolio_colours(["lendingclub", "sba"]))
    assert alone.axes[0].lines[0].get_color() == "#e0693a"
    assert [ax.patches[0].get_facecolor()[:3] for ax in panels.axes] == [
        tuple(int(c[i:i + 2], 16) / 255 for i in (1, 3, 5)) for c in ("#4f43dd", "#e0693a")]


def test_the_default_rate_line_breaks_at_a_vintage_left_out_of_the_plot(risk_home, monkeypatch):
    """SBA's 1975 has too few labelled loans for a rate: the line stops at 1974 and starts again at
    1976 (a NaN at 1975), not drawn straight across it, and the caption names 1975."""
    from risk_assets.lib.report import plots

    drawn = {}
    monkeypatch.setattr(plots, "line_chart", lambda x, y, title, ylabel, colours=None: drawn.update(
        x=x, y=y, colours=colours) or b"png")
    flags = {1974: [1] * 10 + [0] * 30, 1975: [1, 0, 0, 0, 0], 1976: [1] * 20 + [0] * 20}
    rows = [(f"s{year}-{i}", "sba", year, 1000.0, flag) for year, fl in flags.items() for i, flag in enumerate(fl)]
    rows += [(f"lc{i}", "lendingclub", None, 1000.0, i % 2) for i in range(40)]
    with connect(risk_home.lake_path) as con:
        con.execute("CREATE TABLE marts.loan_features (loan_key VARCHAR, portfolio VARCHAR, vintage INTEGER, "
                    "loan_amount DOUBLE, default_flag INTEGER)")
        con.executemany("INSERT INTO marts.loan_features VALUES (?, ?, ?, ?, ?)", rows)
        overview = build_overview(con)
    assert drawn["x"] == {"sba": ["1974", "1975", "1976"]} and drawn["colours"] == {"sba": "#e0693a"}
    assert drawn["y"]["sba"][0] == 0.25 and drawn["y"]["sba"][2] == 0.5 and math.isnan(drawn["y"]["sba"][1])
    assert "are left out of the plot, the line broken there, their rate being mostly noise (the table lists them): " \
           "sba 1975; " in _section(overview, "Default rate by vintage").plot_caption
