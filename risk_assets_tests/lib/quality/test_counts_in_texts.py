"""Counts in check texts carry thousands separators, as every other page of the UI writes them:
raw_loans_values had said `failed on 938950 rows` beside `938,950` elsewhere."""

import pandas as pd

from risk_assets.lib.quality.expectations import Rule, run_rules
from risk_assets.lib.quality.outcome import WARN


def test_a_rule_check_on_a_large_tape_writes_its_counts_with_separators():
    frame = pd.DataFrame({"loan_key": [f"sba:{i}" for i in range(12_500)],
                          "term_months": [84] * 12_498 + [0, -12]})
    rule = Rule("term_positive", "ExpectColumnValuesToBeBetween", {"column": "term_months", "min_value": 1})
    outcome = run_rules(frame, [rule], check="raw_loans_values", asset="raw_loans", severity=WARN, key_column="loan_key")
    assert outcome.observed == "1 of 1 rule failed on 2 of 12,500 rows (2 loans): term_positive"
    assert outcome.rules[0]["detail"] == "2 rows: '0' x 1, '-12' x 1"
    passed = run_rules(frame.head(12_498), [rule], check="raw_loans_values", asset="raw_loans", severity=WARN,
                       key_column="loan_key")
    assert passed.observed == "1 rule passed on 12,498 rows"
    one = run_rules(frame.head(12_499), [rule], check="raw_loans_values", asset="raw_loans", severity=WARN,
                    key_column="loan_key")
    assert one.observed == "1 of 1 rule failed on 1 of 12,499 rows (1 loan): term_positive"  # not '1 loans'


def test_a_check_on_two_monthly_snapshots_counts_failing_rows_and_loans_apart():
    """Two monthly tapes of one book (December 2,800 rows, January 3,000) had said 'failed on 5,796
    rows (96 records)': every row checked beside the loans failing. It counts the failing rows among
    those checked and the loans they are: a loan failing in both months is two rows, one loan, and a
    row failing two rules one row."""
    dec = pd.DataFrame({"loan_key": [f"corebank:{i}" for i in range(2_800)], "snapshot_date": "2019-12-31",
                        "term_months": [36] * 2_800, "int_rate": [0.12] * 2_800})
    jan = pd.DataFrame({"loan_key": [f"corebank:{i}" for i in range(3_000)], "snapshot_date": "2020-01-31",
                        "term_months": [36] * 3_000, "int_rate": [0.12] * 3_000})
    dec.loc[:81, "term_months"] = 0  # loans 0-81 in December
    jan.loc[10:95, "term_months"] = 0  # loans 10-95 in January: 72 of them failed in December too
    jan.loc[10, "int_rate"] = 1.5  # a second rule on a row already failing
    rules = [Rule("term_positive", "ExpectColumnValuesToBeBetween", {"column": "term_months", "min_value": 1}),
             Rule("int_rate_range", "ExpectColumnValuesToBeBetween", {"column": "int_rate", "max_value": 1})]
    outcome = run_rules(pd.concat([dec, jan]), rules, check="raw_loans_values", asset="raw_loans", severity=WARN,
                        key_column="loan_key")
    assert outcome.observed == ("2 of 2 rules failed on 168 of 5,800 rows (96 loans): term_positive, int_rate_range")
    assert (outcome.failing_count, outcome.failing_unit) == (169, "values")  # 168 + the rate of the same row
    news = pd.DataFrame({"doc_id": ["wire:1", "wire:2"], "headline": ["Bank lifts guidance", None]})
    rule = Rule("headline_not_null", "ExpectColumnValuesToNotBeNull", {"column": "headline"})
    assert run_rules(news, [rule], check="raw_news_values", asset="raw_news", severity=WARN,
                     key_column="doc_id").observed == "1 of 1 rule failed on 1 of 2 rows (1 document): headline_not_null"


def test_a_rule_detail_names_a_null_and_a_repeated_compound_key_as_they_read():
    """A missing grade read 'nan' x 1 (the float GX gave back for it) and a repeated compound key as a
    Python dict ("{'loan_key': 'sba:7', 'portfolio': 'sba'}")."""
    frame = pd.DataFrame({"loan_key": [f"sba:{i}" for i in range(300)] + ["sba:7"] * 2,
                          "portfolio": "sba", "grade": ["A"] * 299 + [None] * 3})
    rules = [Rule("grade_not_null", "ExpectColumnValuesToNotBeNull", {"column": "grade"}),
             Rule("loan_key_portfolio_unique", "ExpectCompoundColumnsToBeUnique", {"column_list": ["loan_key", "portfolio"]})]
    outcome = run_rules(frame, rules, check="raw_loans_values", asset="raw_loans", severity=WARN, key_column="loan_key")
    assert [r["detail"] for r in outcome.rules] == ["3 rows: null x 3", "3 rows: 'sba:7 / sba' x 3"]
