"""Small plots for reports and Dagster markdown metadata, returned as PNG bytes.

matplotlib is imported inside each function (it costs ~0.5 s and the code location must load fast)
and used through `matplotlib.figure.Figure`, which renders with the Agg backend without touching
pyplot's global state, so plotting is safe from any thread and needs no display.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Mapping, Sequence

PALETTE = ("#4f43dd", "#e0693a", "#2a9d8f", "#c9184a", "#8d99ae", "#f4a261")
DPI = 100
MAX_TICK_LABELS = 20
"""Most category labels an x axis shows (every k-th beyond that), so that rotated labels stay legible."""

PORTFOLIO_COLOURS = {"lendingclub": PALETTE[0], "sba": PALETTE[1]}
"""The sample books' fixed colours, the same in every plot of the portfolio overview (blue and orange)."""


def portfolio_colours(names: Sequence[str]) -> dict[str, str]:
    """A colour per portfolio name for the overview's plots: PORTFOLIO_COLOURS for the sample books; a
    lender's book the palette's colour its name hashes to (crc32), so the same in every plot, stepping
    to the next free colour where another book of the plot holds it."""
    colours = {name: PORTFOLIO_COLOURS[name] for name in names if name in PORTFOLIO_COLOURS}
    free = [c for c in PALETTE if c not in PORTFOLIO_COLOURS.values()]
    for name in sorted(set(names) - set(colours)):
        start = zlib.crc32(name.encode()) % len(free)
        turns = [free[(start + k) % len(free)] for k in range(len(free))]
        colours[name] = next((c for c in turns if c not in colours.values()), turns[0])
    return colours


def _colour(name: str, i: int, colours: Mapping[str, str] | None) -> str:
    """The series' colour: its entry of `colours` (`portfolio_colours`), else the palette's i-th."""
    return colours[name] if colours and name in colours else PALETTE[i % len(PALETTE)]


def _figure(width: float = 7.0, height: float = 3.6):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI)
    return fig, fig.add_subplot(1, 1, 1)


def _png(fig) -> bytes:
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def bar_chart(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    title: str,
    ylabel: str,
    colours: Mapping[str, str] | None = None,
) -> bytes:
    """Grouped bars as PNG: `bar_figure`."""
    return _png(bar_figure(labels, series, title, ylabel, colours))


def bar_figure(labels: Sequence[str], series: Mapping[str, Sequence[float]], title: str, ylabel: str,
               colours: Mapping[str, str] | None = None):
    """Grouped bars: one group per label, one bar per series (each series as long as `labels`), a
    legend naming the series even when there is one (a lone series is a portfolio too, and the
    reader must know which).

    Returns:
        the matplotlib Figure.

    Raises:
        ValueError: a series' length differs from the number of labels.
    """
    for name, values in series.items():
        if len(values) != len(labels):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(labels)} labels")
    fig, ax = _figure()
    width = 0.8 / max(len(series), 1)
    for i, (name, values) in enumerate(series.items()):
        positions = [x + (i - (len(series) - 1) / 2) * width for x in range(len(labels))]
        ax.bar(positions, [v if v is not None else 0.0 for v in values], width=width,
               label=name, color=_colour(name, i, colours))
    step = -(-len(labels) // MAX_TICK_LABELS)  # every step-th label: 53 vintages would overlap
    ax.set_xticks(range(0, len(labels), step))
    ax.set_xticklabels(labels[::step], rotation=45 if len(labels) > 12 else 0,
                       ha="right" if len(labels) > 12 else "center", fontsize=8 if len(labels) > 12 else 10)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    if series:
        ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return fig


def bar_panels(labels: Mapping[str, Sequence[str]], series: Mapping[str, Sequence[float]], title: str,
               ylabel: str, colours: Mapping[str, str] | None = None) -> bytes:
    """Bars as PNG, one panel per series: `bar_panels_figure`."""
    return _png(bar_panels_figure(labels, series, title, ylabel, colours))


def bar_panels_figure(labels: Mapping[str, Sequence[str]], series: Mapping[str, Sequence[float]], title: str,
                      ylabel: str, colours: Mapping[str, str] | None = None):
    """One panel per series (portfolio), side by side, each with its own labels (`labels[name]`, as
    long as `series[name]`) and its own linear y scale, titled by the series' name: a book 40 times
    smaller than another is invisible beside it on one shared scale, and a log scale is hard to read
    as amounts.

    Returns:
        the matplotlib Figure (no panel when `series` is empty).

    Raises:
        ValueError: a series has a different number of values and labels.
    """
    from matplotlib.figure import Figure

    for name, values in series.items():
        if len(values) != len(labels.get(name, ())):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(labels.get(name, ()))} labels")
    fig = Figure(figsize=(max(7.0, 3.5 * len(series)), 3.6), dpi=DPI)
    fig.suptitle(title)
    for i, (name, values) in enumerate(series.items()):
        ax = fig.add_subplot(1, len(series), i + 1)
        names = list(labels[name])
        ax.bar(range(len(names)), [v if v is not None else 0.0 for v in values], color=_colour(name, i, colours))
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(names, fontsize=8 if len(names) > 12 else 10)
        ax.set_title(name, fontsize=10)
        if i == 0:
            ax.set_ylabel(ylabel)
        ax.grid(axis="y", alpha=0.3)
    return fig


def line_chart(
    x: Mapping[str, Sequence[object]],
    y: Mapping[str, Sequence[float]],
    title: str,
    ylabel: str,
    colours: Mapping[str, str] | None = None,
) -> bytes:
    """Lines as PNG: `line_figure`."""
    return _png(line_figure(x, y, title, ylabel, colours))


def line_figure(x: Mapping[str, Sequence[object]], y: Mapping[str, Sequence[float]], title: str, ylabel: str,
                colours: Mapping[str, str] | None = None):
    """One line per series name, named in a legend even when there is one; `x[name]` and `y[name]`
    are the series' points (dates, numbers, or text categories such as vintages, which share one
    sorted axis: `category_axis`). A NaN y breaks the line there (a point left out, not bridged).

    Returns:
        the matplotlib Figure.

    Raises:
        ValueError: a series has a different number of x and y values, or no x at all.
    """
    fig, ax = _figure()
    for name in y:
        if name not in x or len(x[name]) != len(y[name]):
            raise ValueError(f"series {name!r}: x and y differ in length")
    categories, x = category_axis(x)
    for i, name in enumerate(y):
        ax.plot(x[name], y[name], marker="o", markersize=3, label=name, color=_colour(name, i, colours))
    if all(isinstance(v, int) for values in x.values() for v in values):  # years: whole-number ticks
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(nbins=MAX_TICK_LABELS, integer=True))
    if categories:
        from matplotlib.ticker import FixedFormatter, FixedLocator

        step = -(-len(categories) // MAX_TICK_LABELS)  # every step-th label: 53 vintages would overlap
        ax.xaxis.set_major_locator(FixedLocator(range(0, len(categories), step)))
        ax.xaxis.set_major_formatter(FixedFormatter(categories[::step]))
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    if y:
        ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    return fig


def category_axis(x: Mapping[str, Sequence[object]]) -> tuple[list[str], Mapping[str, Sequence[object]]]:
    """Text x values (categories: vintages as text) on one sorted axis shared by every series: the
    sorted categories and each series' points as positions on that axis. Plotted as they were,
    categories took their order from the first series that named them, so a small book of 2011
    loans plotted first put 2011 before SBA's 1969 and its line ran back across the chart. Text that
    is whole numbers (vintage years) becomes those numbers, so a run of missing years shows as a gap;
    numbers and dates are left as they are: ([], x)."""
    if not any(isinstance(v, str) for values in x.values() for v in values):
        return [], x
    if all(str(v).lstrip("-").isdigit() for values in x.values() for v in values):
        return [], {name: [int(v) for v in values] for name, values in x.items()}
    categories = sorted({str(v) for values in x.values() for v in values})
    at = {category: i for i, category in enumerate(categories)}
    return categories, {name: [at[str(v)] for v in values] for name, values in x.items()}


def binned_shares(
    edges: Sequence[float],
    counts: Mapping[str, Sequence[int]],
    title: str,
    xlabel: str,
    colours: Mapping[str, str] | None = None,
) -> bytes:
    """Step histograms from counts already binned (e.g. in SQL), one per group, as shares 0-1.

    `edges` has one more value than each group's counts. Shares rather than counts so that a small
    portfolio is visible beside a large one.

    Raises:
        ValueError: a group's counts do not match the number of bins.
    """
    fig, ax = _figure()
    for i, (name, group) in enumerate(counts.items()):
        if len(group) != len(edges) - 1:
            raise ValueError(f"group {name!r} has {len(group)} counts for {len(edges) - 1} bins")
        total = sum(group)
        if total == 0:
            continue
        ax.stairs([c / total for c in group], list(edges), fill=True, alpha=0.45,
                  label=f"{name} (n={total:,})", color=_colour(name, i, colours))
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("share of loans")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _png(fig)
