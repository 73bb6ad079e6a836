"""Expectation suites on small lakes: each fails on its case or on one broken rule, passes on clean data."""

from datetime import date

import duckdb
import pandas as pd
import pytest

from risk_assets.lib.quality.expectations import distinct_values
from risk_assets.lib.lake import ensure_lake
from risk_assets.lib.quality.outcome import record, sample_by_rule
from risk_assets.lib.report.quarantine import ledger_sections, quarantine_ledger
from risk_assets.lib.quality.tables import SUITES, structural_check, values_check
from risk_assets_tests.lib.quality.lake_rows import lake_with, lendingclub_sample, loan_rows, news_rows, sba_sample

AS_OF = date(2024, 7, 1)


@pytest.fixture
def lc_clean(data_dir):
    return lendingclub_sample(data_dir / "loans" / "lendingclub_2007_2011.csv", 200)


def _values(path, asset="raw_loans"):
    with duckdb.connect(str(path)) as con:
        return values_check(con, SUITES[asset], AS_OF)


def _schema(path, asset="raw_loans"):
    with duckdb.connect(str(path)) as con:
        return structural_check(con, SUITES[asset])


def test_clean_lendingclub_rows_pass_both_suites(tmp_path, lc_clean):
    lake = lake_with(tmp_path / "lake.duckdb", loans=[lc_clean])
    schema, values = _schema(lake), _values(lake)
    assert schema.success, schema.observed
    assert values.success, values.observed
    assert values.rows_checked == 200 and len(values.failures) == 0


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [("int_rate", 1.2, "int_rate_range"), ("grade", "", "grade_set"), ("term_months", 48, "term_lendingclub")],
)
def test_one_broken_rule_quarantines_that_row_only(tmp_path, lc_clean, column, value, rule):
    broken = lc_clean.copy()
    broken.loc[7, column] = value
    outcome = _values(lake_with(tmp_path / "lake.duckdb", loans=[broken]))
    assert not outcome.success
    assert [r["rule"] for r in outcome.failed_rules] == [rule]
    assert outcome.failures[["record_key", "line", "column_name", "rule", "raw_value"]].to_dict("records") == [
        {"record_key": broken.loc[7, "loan_key"], "line": 9, "column_name": column, "rule": rule,
         "raw_value": str(value)}
    ]


def test_every_sba_amount_has_a_rule_and_the_real_rows_pass(tmp_path, data_dir):
    """The value rules covered the approved and guaranteed amounts but not the amount disbursed, the
    principal charged off or the balance: a negative one, loaded from a tape whose landing rules
    did not cover it, passed the check. The first 200 real SBA loans pass every rule."""
    sba = sba_sample(data_dir / "loans" / "sba_national.csv.gz", 200, tmp_path)
    assert sba.shape[0] == 200 and _values(lake_with(tmp_path / "clean.duckdb", loans=[sba])).success
    broken = sba.copy()
    for row, column in ((3, "disbursement_gross"), (5, "chargeoff_principal"), (8, "balance_gross")):
        broken.loc[row, column] = -broken.loc[row, "gross_approved"]
    outcome = _values(lake_with(tmp_path / "lake.duckdb", loans=[broken]))
    assert outcome.failures[["line", "column_name", "rule", "raw_value"]].to_dict("records") == [
        {"line": 5, "column_name": "disbursement_gross", "rule": "disbursement_gross_non_negative",
         "raw_value": "-35000.0"},
        {"line": 7, "column_name": "chargeoff_principal", "rule": "chargeoff_principal_non_negative",
         "raw_value": "-517000.0"},
        {"line": 10, "column_name": "balance_gross", "rule": "balance_gross_non_negative", "raw_value": "-305000.0"},
    ]


def test_an_sba_amount_far_above_the_7a_maximum_is_a_unit_error(tmp_path, data_dir):
    """An SBA tape whose amounts are written in cents (28,700,000 for $287,000.00) loaded at a hundred
    times their size. A gross approval above twice the 7(a) maximum of $5,000,000 fails the check
    (the national file's largest is $5,472,000); a lender's own book is not held to SBA's program."""
    sba = sba_sample(data_dir / "loans" / "sba_national.csv.gz", 200, tmp_path)
    assert sba["gross_approved"].max() <= 5_000_000
    in_cents = sba.copy()
    in_cents[["loan_amount", "gross_approved", "sba_approved"]] *= 100
    outcome = _values(lake_with(tmp_path / "lake.duckdb", loans=[in_cents]))
    failed = outcome.failures[outcome.failures["rule"] == "gross_approved_within_sba_ceiling"]
    assert failed["line"].tolist() == (sba.loc[sba["gross_approved"] > 100_000, "_source_line"]).tolist()
    assert len(failed) == 51 and failed["raw_value"].iloc[0] == "28700000.0"  # line 4: $287,000.00
    own = in_cents.assign(portfolio="acme_sba", loan_key="acme_sba:" + in_cents["source_loan_id"])
    outcome = _values(lake_with(tmp_path / "own.duckdb", loans=[own]))
    assert "gross_approved_within_sba_ceiling" not in set(outcome.failures["rule"])


def test_f11_implausible_rows_are_quarantined_with_their_rule(tmp_path, cases_dir):
    lake = lake_with(tmp_path / "lake.duckdb", loans=[loan_rows(cases_dir / "F11_loans_asof_2024-06-30_implausible.csv")])
    outcome = _values(lake)
    failing = dict(zip(outcome.failures["record_key"].str.split(":").str[1], outcome.failures["rule"]))
    assert failing == {
        "76002": "annual_income_range",
        "76004": "annual_income_range",
        "76005": "dti_range",
        "76006": "dti_range",
        "76007": "emp_length_range",
        "76008": "origination_not_after_as_of",
        "76009": "credit_line_not_after_origination",
        "76010": "loan_amount_at_least_one",
        "76011": "int_rate_range",
        "76012": "fico_range",
    }
    assert outcome.severity == "WARN" and not outcome.success
    assert set(outcome.failures["line"]) == {3, 5, 6, 7, 8, 9, 10, 11, 12, 13}
    # the failing pair of dates reads as dates, not numpy reprs
    details = {r["rule"]: r["detail"] for r in outcome.failed_rules}
    assert details["credit_line_not_after_origination"] == ("1 row: 'earliest_cr_line 2025-01-01 after "
                                                          "origination_date 2024-05-01' x 1 (the earliest credit line "
                                                          "is opened before the loan)")


def test_f07_naively_typed_table_fails_the_schema_check(tmp_path, cases_dir):
    path = tmp_path / "lake.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA raw")
        con.execute(
            f"""CREATE TABLE raw.loans AS SELECT loan_id AS source_loan_id, external_ref,
            issue_date AS origination_date, loan_amnt AS loan_amount, annual_inc AS annual_income
            FROM read_csv('{cases_dir / "F07_polars_type_pitfalls.csv"}')"""
        )
    outcome = _schema(path)
    assert not outcome.success and outcome.severity == "ERROR"
    details = {r["rule"]: r["detail"] for r in outcome.failed_rules}
    assert "source_loan_id is BIGINT, declared VARCHAR" in details["column_type"]
    assert "origination_date is VARCHAR, declared DATE" in details["column_type"]
    assert "annual_income is VARCHAR, declared DOUBLE" in details["column_type"]
    assert "loan_key is missing" in details["column_present"]
    assert len(outcome.failures) == 0  # column faults are not rows: nothing quarantined


def test_blank_key_fails_the_schema_check_and_names_the_line(tmp_path, lc_clean):
    broken = lc_clean.copy()
    broken.loc[3, "loan_key"] = None
    outcome = _schema(lake_with(tmp_path / "lake.duckdb", loans=[broken]))
    assert [r["rule"] for r in outcome.failed_rules] == ["loan_key_not_null"]
    assert outcome.failures["line"].tolist() == [5]


def test_news_label_and_blank_text_rules(tmp_path):
    rows = news_rows([("Profit rose.", "positive"), ("  ", "neutral"), ("Sales fell.", "bullish")])
    lake = lake_with(tmp_path / "lake.duckdb", news=[rows])
    outcome = _values(lake, "raw_news")
    assert dict(zip(outcome.failures["line"], outcome.failures["rule"])) == {2: "text_clean_not_blank", 3: "label_set"}
    assert _schema(lake, "raw_news").success


def test_clean_news_passes(tmp_path):
    lake = lake_with(tmp_path / "lake.duckdb", news=[news_rows([("Profit rose.", "positive"), ("Sales fell.", None)])])
    assert _values(lake, "raw_news").success


def test_a_mapped_tape_keeps_its_own_status_and_grade_vocabulary(tmp_path, lc_clean):
    """A lender's tape maps its own statuses ('Repaid', 'Written off': status_map turned them into the
    default flag at landing) and grades ('AA'): the LendingClub and SBA vocabularies are not imposed
    on it, while a LendingClub row with an unknown status still fails."""
    own = lc_clean.head(20).copy()
    own["portfolio"] = "branch_b"
    own["loan_key"] = "branch_b:" + own["loan_key"].str.split(":", n=1).str[1]
    own["loan_status"] = ["Repaid", "Written off"] * 10
    own["default_flag"] = [0, 1] * 10
    own["grade"], own["sub_grade"], own["home_ownership"] = "AA", "AA2", "Tenant"
    lendingclub = lc_clean.tail(20).copy()
    lendingclub.loc[lendingclub.index[3], "loan_status"] = "Paid-ish"

    outcome = _values(lake_with(tmp_path / "lake.duckdb", loans=[own, lendingclub]))

    assert outcome.rows_checked == 40
    assert outcome.failures[["record_key", "rule", "raw_value"]].to_dict("records") == [
        {"record_key": lendingclub.loc[lendingclub.index[3], "loan_key"], "rule": "loan_status_set", "raw_value": "Paid-ish"}]


def test_a_rule_with_one_failing_row_among_hundreds_of_another_is_shown_in_the_ui(tmp_path, cases_dir):
    """SBA's values check: 810 loans with a term of 0 and one disbursed in 2028. The UI's sample of
    failing rows was the first 20 rows, all of the term rule, and the date rule's detail read
    "e.g. ['2026-12-06 / 2028-06-18'] (a loan cannot be disbursed after the t": the as-of date first,
    like a range, and the reason cut at 80 characters. Each rule now has rows in the sample, and a
    failing pair of dates says which is which."""
    sba = loan_rows(cases_dir / "F11_loans_asof_2024-06-30_implausible.csv")
    many = pd.concat([sba.assign(annual_income=-1.0, source_loan_id=[f"{i}-{n}" for i in sba["source_loan_id"]],
                                 loan_key=[f"{k}-{n}" for k in sba["loan_key"]]) for n in range(3)], ignore_index=True)
    outcome = _values(lake_with(tmp_path / "lake.duckdb", loans=[many]))
    rules = outcome.failures["rule"]
    assert (rules == "annual_income_range").sum() > 20 and (rules == "origination_not_after_as_of").sum() == 3
    markdown = outcome.markdown(limit=20)
    sample = markdown[markdown.index("Failing rows ("):]
    assert "origination_not_after_as_of" in sample and "credit_line_not_after_origination" in sample
    shown = sample_by_rule(outcome.failures, 20)
    counts = outcome.failures["rule"].value_counts()
    assert len(counts) == 8 and shown["rule"].value_counts().to_dict() == {rule: 2 for rule in counts.index}  # 20 // 8
    assert sample.splitlines()[0] == (f"Failing rows (16 of {len(outcome.failures)}, up to 2 of each rule; "
                                      "every one with its file, line and rule: the `quarantine` asset):")
    # each row names its file, not a line number alone ('line 5 of which file?')
    first = outcome.failures.iloc[0]
    assert sample.splitlines()[2] == "| record_key | file | line | column | rule | raw value |"
    assert first["source_file"] and f"| {first['record_key']} | {first['source_file'].rsplit('/', 1)[-1]} | {first['line']} |" in sample
    detail = {r["rule"]: r["detail"] for r in outcome.failed_rules}["origination_not_after_as_of"]
    assert detail == ("3 rows: 'origination_date 2031-05-01 after the as-of date 2024-06-30' x 3 (a loan cannot be "
                      "issued after the tape's as-of date)")
    assert f"| {detail} |" in markdown  # whole: its reason was cut at 80 characters
    dated = outcome.failures.loc[rules == "origination_not_after_as_of", ["column_name", "raw_value", "message"]]
    assert dated.iloc[0].to_dict() == {  # the value alone, the pair it broke in the message
        "column_name": "origination_date", "raw_value": "2031-05-01",
        "message": "origination_date 2031-05-01 after the as-of date 2024-06-30: a loan cannot be issued after the "
                   "tape's as-of date"}


def test_the_sample_takes_a_few_rows_of_each_rule_not_nineteen_of_the_largest():
    """A sample lake's check: 810 SBA terms of 0 and one date in 2028. The sample was 19 term rows and the
    date row: a fill from the largest rule. Now five of each rule at most, in their order."""
    failures = pd.DataFrame({"rule": ["term_positive"] * 400 + ["disbursement_not_after_as_of"]
                             + ["term_positive"] * 410, "line": range(1, 812)})
    shown = sample_by_rule(failures, 20)
    assert list(zip(shown["rule"], shown["line"])) == [("term_positive", line) for line in range(1, 6)] + [
        ("disbursement_not_after_as_of", 401)]
    eight = pd.DataFrame({"rule": [f"rule_{n}" for n in range(8) for _ in range(4)], "line": range(32)})
    assert sample_by_rule(eight, 20)["rule"].value_counts().to_dict() == {f"rule_{n}": 2 for n in range(8)}
    assert len(sample_by_rule(eight.head(3), 20)) == 3


def test_a_rule_detail_gives_each_distinct_failing_value_with_its_count(tmp_path, data_dir):
    """SBA's term rule read "810 rows; e.g. ['0', '0', '0', '0', '0']" and the date rule "1 rows":
    five copies of one value, and a plural for one row."""
    sba = sba_sample(data_dir / "loans" / "sba_national.csv.gz", 200, tmp_path)
    broken = sba.copy()
    broken.loc[[3, 5, 8, 13, 21, 34, 55], "term_months"] = 0
    broken.loc[89, "term_months"] = -3
    outcome = _values(lake_with(tmp_path / "lake.duckdb", loans=[broken]))
    details = {r["rule"]: r["detail"] for r in outcome.failed_rules}
    assert details == {"term_positive": "8 rows: '0' x 7, '-3' x 1 (term in months > 0)"}
    assert distinct_values([str(n % 7) for n in range(20)] + ["9"]) == (
        "'0' x 3, '1' x 3, '2' x 3, '3' x 3, '4' x 3, and 3 other values x 6")


def test_the_quarantine_page_keeps_a_pair_rules_value_and_message_apart_and_whole(tmp_path, cases_dir):
    """The page read "first disbursement_date = '2028-06-18 after the as-of date…": the value cut at 60
    characters, and the pair the rule compared written as the value."""
    path = lake_with(tmp_path / "lake.duckdb", loans=[loan_rows(cases_dir / "F11_loans_asof_2024-06-30_implausible.csv")])
    with duckdb.connect(str(path)) as con:
        ensure_lake(con)
        record(con, values_check(con, SUITES["raw_loans"], AS_OF), "run-1")
        by_file = ledger_sections(quarantine_ledger(con))["by_file"].splitlines()
    (item,) = [line for line in by_file if "`origination_not_after_as_of`" in line]
    assert item == ("- **F11_loans_asof_2024-06-30_implausible.csv**: `origination_not_after_as_of`, 1 value, line 9 "
                    "(set aside by raw_loans_values); first origination_date = '2031-05-01': origination_date "
                    "2031-05-01 after the as-of date 2024-06-30: a loan cannot be issued after the tape's as-of date")


def test_a_rule_detail_counts_every_failing_row_not_the_first_200(tmp_path, data_dir):
    """A sample lake's SBA check read "810 rows: '0' x 200 (term in months > 0)" beside 810 quarantined
    rows of '0': the counts came from GX's list of unexpected values, which stops at 200. They are now
    counted over all failing rows, for a value rule, a pair rule and a news rule alike."""
    sba = sba_sample(data_dir / "loans" / "sba_national.csv.gz", 1_100, tmp_path)
    broken = sba.copy()
    assert sba.index[sba["term_months"] == 0].tolist() == [635, 673, 776, 916, 1_084]  # the tape's own
    broken.loc[0:807, "term_months"] = 0
    broken.loc[810:854, "term_months"] = -3
    broken.loc[[1_099, 900, 1_000, 950, 1_050, 1_098], "term_months"] = -12
    broken.loc[600:829, "disbursement_date"] = pd.Timestamp("2028-06-18")
    lake = lake_with(tmp_path / "lake.duckdb", loans=[broken])
    outcome = _values(lake)
    details = {r["rule"]: r["detail"] for r in outcome.failed_rules}
    assert details["term_positive"] == "861 rows: '0' x 810, '-3' x 45, '-12' x 6 (term in months > 0)"
    assert details["disbursement_not_after_as_of"] == (
        "230 rows: 'disbursement_date 2028-06-18 after the as-of date 2024-07-01' x 230 (a loan cannot be "
        "disbursed after the tape's as-of date)")
    with duckdb.connect(str(lake)) as con:
        record(con, outcome, "run-1")
        quarantined = con.execute("SELECT raw_value, count(*) FROM quality.quarantine WHERE rule = 'term_positive' "
                                  "GROUP BY raw_value ORDER BY 2 DESC").fetchall()
        stored = con.execute("SELECT details FROM quality.check_results WHERE check_name = 'raw_loans_values'").fetchone()[0]
    assert quarantined == [("0", 810), ("-3", 45), ("-12", 6)]
    assert "861 rows: '0' x 810, '-3' x 45, '-12' x 6 (term in months > 0)" in stored

    labels = ["positive"] * 40 + ["bullish"] * 250 + ["bearish"] * 12 + ["up"] * 3
    news = news_rows([(f"Loan book item {n} rose.", label) for n, label in enumerate(labels)])
    news_details = {r["rule"]: r["detail"] for r in _values(lake_with(tmp_path / "news.duckdb", news=[news]),
                                                           "raw_news").failed_rules}
    assert news_details["label_set"].startswith("265 rows: 'bullish' x 250, 'bearish' x 12, 'up' x 3")


def test_a_charge_off_after_the_as_of_date_is_quarantined_like_a_future_disbursement(tmp_path, data_dir):
    """SBA writes ChgOffDate with a two-digit year: '15-Jun-48' on a loan approved in fiscal 2004
    reads as 2048-06-15 (the century nearest the approval year), a charge-off decades after the
    tape was read. It loaded with no rule while a disbursement in 2030 was caught; now both are."""
    sba = sba_sample(data_dir / "loans" / "sba_national.csv.gz", 20, tmp_path)
    sba.loc[2, "chargeoff_date"] = pd.Timestamp("2048-06-15")  # line 4, approved 1997
    sba.loc[5, "chargeoff_date"] = pd.Timestamp("2024-07-01")  # on the as-of date itself: allowed
    outcome = _values(lake_with(tmp_path / "lake.duckdb", loans=[sba]))
    failed = outcome.failures[outcome.failures["rule"] == "chargeoff_not_after_as_of"]
    assert failed[["line", "column_name", "raw_value", "message"]].to_dict("records") == [{
        "line": 4, "column_name": "chargeoff_date", "raw_value": "2048-06-15",
        "message": "chargeoff_date 2048-06-15 after the as-of date 2024-07-01: a loan cannot be charged off after "
                   "the tape's as-of date (a two-digit year in the wrong century?)"}]
