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


def test_a_lone_series_is_named_in_a_legend_and_panels_give_each_book_its_own_scale():
    """The overview's vintage plots showed SBA's one series with no legend, so no reader could tell
    which book it was; the grade plot put LendingClub's 446 million beside SBA's 173,000 million on one
    scale. Every series is named now, and `bar_panels_figure` draws a panel per book."""
    bars = plots.bar_figure(["1990", "1991"], {"sba": [1200.0, 1500.0]}, "Exposure by vintage", "millions")
    assert [t.get_text() for t in bars.axes[0].get_legend().get_texts()] == ["sba"]
    line = plots.line_figure({"sba": ["1990", "1991"]}, {"sba": [0.12, 0.15]}, "Default rate by vintage", "rate")
    assert [t.get_text() for t in line.axes[0].get_legend().get_texts()] == ["sba"]
    panels = plots.bar_panels_figure({"lendingclub": ["B", "E"], "sba": ["A", "B", "C"]},
                                     {"lendingclub": [306.0, 140.0], "sba": [60_000.0, 90_000.0, 23_600.0]},
                                     "Exposure by risk grade", "millions")
    assert [ax.get_title() for ax in panels.axes] == ["lendingclub", "sba"]
    assert panels.axes[0].get_ylim()[1] < 400 < panels.axes[1].get_ylim()[1]  # each on its own scale
    assert [t.get_text() for t in panels.axes[1].get_xticklabels()] == ["A", "B", "C"]
