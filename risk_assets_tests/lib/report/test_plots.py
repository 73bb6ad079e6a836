"""Line charts of several series on a text x axis (vintages) share one sorted axis."""

from risk_assets.lib.report import plots


def test_vintage_years_of_several_books_share_one_ascending_axis_with_gaps():
    """The overview's 'Default rate by vintage': a book of 2011 loans plotted before SBA put 2011 first on
    the axis (categories took the order of first mention), then 1969, 1972 ..., and SBA's line ran
    back across the chart. Years are numbers now: ascending, and 1981-1996 missing is a gap."""
    x = {"acme": ["2011"], "sba": ["1969", "1972", "1980", "1997", "2011"]}
    categories, placed = plots.category_axis(x)
    assert categories == [] and placed == {"acme": [2011], "sba": [1969, 1972, 1980, 1997, 2011]}
    png = plots.line_chart(x, {"acme": [0.2], "sba": [0.1, 0.12, 0.05, 0.2, 0.08]}, "Default rate by vintage", "rate")
    assert png.startswith(b"\x89PNG")


def test_text_categories_share_one_sorted_axis():
    categories, placed = plots.category_axis({"b": ["2011-Q2", "2012-Q1"], "a": ["2010-Q4", "2011-Q2"]})
    assert categories == ["2010-Q4", "2011-Q2", "2012-Q1"]
    assert placed == {"b": [1, 2], "a": [0, 1]}
    assert plots.category_axis({"a": [1.0, 2.0]}) == ([], {"a": [1.0, 2.0]})
