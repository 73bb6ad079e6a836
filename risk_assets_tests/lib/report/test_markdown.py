"""Markdown cells keep placeholders and pipes readable in the Dagster UI."""

from risk_assets.lib.report.markdown import table_cell


def test_a_tag_like_placeholder_is_escaped_and_a_comparison_is_kept():
    assert table_cell("artifacts/loan_pd/<version>/ | auc 0.87 < 0.89\nnext") == \
        "artifacts/loan_pd/&lt;version>/ \\| auc 0.87 < 0.89 next"


def test_a_long_value_is_cut_with_an_ellipsis_and_none_is_empty():
    assert table_cell("x" * 100, 10) == "x" * 9 + "…"
    assert table_cell(None) == ""


def test_a_long_sentence_is_cut_after_a_whole_word_never_inside_a_figure():
    """A gate's reason cut at 40 characters used to end 'p < 0.00…', a smaller p than it said."""
    reason = "gain +0.0105 (95% CI +0.0031 to +0.0179), DeLong p < 0.001, below 0.05"
    assert table_cell(reason, 58) == "gain +0.0105 (95% CI +0.0031 to +0.0179), DeLong p <…"
    assert table_cell(reason, 62) == "gain +0.0105 (95% CI +0.0031 to +0.0179), DeLong p < 0.001,…"
    assert table_cell("one two", 7) == "one two" and table_cell("one two three", 8) == "one two…"
