"""Markdown cells keep placeholders and pipes readable in the Dagster UI."""

from risk_assets.lib.report.markdown import table_cell


def test_a_tag_like_placeholder_is_escaped_and_a_comparison_is_kept():
    assert table_cell("artifacts/loan_pd/<version>/ | auc 0.87 < 0.89\nnext") == \
        "artifacts/loan_pd/&lt;version>/ \\| auc 0.87 < 0.89 next"


def test_a_long_value_is_cut_with_an_ellipsis_and_none_is_empty():
    assert table_cell("x" * 100, 10) == "x" * 9 + "…"
    assert table_cell(None) == ""
