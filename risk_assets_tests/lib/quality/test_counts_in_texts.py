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
    assert outcome.observed == "1 of 1 rule failed on 12,500 rows (2 records): term_positive"
    assert outcome.rules[0]["detail"] == "2 rows: '0' x 1, '-12' x 1"
    passed = run_rules(frame.head(12_498), [rule], check="raw_loans_values", asset="raw_loans", severity=WARN,
                       key_column="loan_key")
    assert passed.observed == "1 rule passed on 12,498 rows"
    one = run_rules(frame.head(12_499), [rule], check="raw_loans_values", asset="raw_loans", severity=WARN,
                    key_column="loan_key")
    assert one.observed == "1 of 1 rule failed on 12,499 rows (1 record): term_positive"  # not '1 records'


def test_a_rule_detail_names_a_null_and_a_repeated_compound_key_as_they_read():
    """A missing grade read 'nan' x 1 (the float GX gave back for it) and a repeated compound key as a
    Python dict ("{'loan_key': 'sba:7', 'portfolio': 'sba'}")."""
    frame = pd.DataFrame({"loan_key": [f"sba:{i}" for i in range(300)] + ["sba:7"] * 2,
                          "portfolio": "sba", "grade": ["A"] * 299 + [None] * 3})
    rules = [Rule("grade_not_null", "ExpectColumnValuesToNotBeNull", {"column": "grade"}),
             Rule("loan_key_portfolio_unique", "ExpectCompoundColumnsToBeUnique", {"column_list": ["loan_key", "portfolio"]})]
    outcome = run_rules(frame, rules, check="raw_loans_values", asset="raw_loans", severity=WARN, key_column="loan_key")
    assert [r["detail"] for r in outcome.rules] == ["3 rows: null x 3", "3 rows: 'sba:7 / sba' x 3"]
