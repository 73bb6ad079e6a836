"""The portfolio overview for a credit committee, computed from the lake in SQL.

Sections (each a table and, where it helps, a plot):

- loans and exposure by risk grade, from ml.loan_scores joined to the loan base
- loans and exposure by vintage (origination year; SBA: approval fiscal year)

Exposure is the sum of loan amounts in the portfolio's currency: USD, unless the portfolio's label
names another (`nwc (EUR)`, a mapping's `currency`); amounts are never converted.
- PD distribution per portfolio (50 bins of width 0.02 over 0-1, and quantiles)
- default rate by vintage: defaults / labelled loans (loans whose outcome is known)
- news sentiment trend, from ml.news_sentiment_daily (or the label mix of ml.news_scores when no
  article carries a date)
- open quality issues: checks whose latest result failed (quality.check_results: the data checks,
  the champion gates and score coverage) and quarantined values by asset and rule (quality.quarantine)

The loan base is marts.loan_features (one row per loan, latest snapshot); before dbt has run it is
raw.loans reduced to each loan's latest snapshot. A table that is not in the lake yet does not fail
the overview: its section says what is missing.
"""

from __future__ import annotations

from collections.abc import Sequence

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    import pandas as pd

from risk_assets.lib.report import plots
from risk_assets.lib.report.html import HtmlReport, markdown_image, markdown_table

PD_BINS = 50
"""Histogram bins of the PD distribution: 50 bins of width 0.02 over [0, 1]."""

SCORE_COLUMNS = {
    "pd": ("pd", "pd_calibrated", "probability_of_default", "pd_score"),
    "grade": ("risk_grade", "grade_band", "pd_grade", "risk_band"),
    "version": ("model_version", "version"),
    "scored_at": ("scored_at", "_scored_at", "created_at"),
}
"""Accepted names of the ml.loan_scores columns the overview reads, first match wins."""


@dataclass
class Section:
    """One part of the overview: a table (`rows` x `columns`), an optional plot and notes."""

    title: str
    columns: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    plot: bytes | None = None
    plot_caption: str = ""
    notes: list[str] = field(default_factory=list)
    every_row: bool = False
    """Show every row in the markdown too (the vintage tables: a cap would hide the middle
    vintages, where a champion's training window lies); other tables stop at MAX_MARKDOWN_ROWS."""


@dataclass(frozen=True)
class BookPD:
    """One book's PDs against its outcomes: `scored` loans with a champion's PD and their mean PD,
    `labelled` loans (outcome known) and their observed default rate (fractions 0-1; None when there
    are none), and `calibration`, what `ml.loan_scores.pd_calibration` says of its PDs ('calibrated
    on holdout', 'under-states on holdout_oot'; its loans' distinct verdicts '; '-joined; 'not
    recorded' where the lake has no such column)."""

    portfolio: str
    scored: int
    mean_pd: float | None
    labelled: int
    observed_default_rate: float | None
    calibration: str

    @property
    def calibrated(self) -> bool:
        """Whether every version that scored the book reads its PDs as default probabilities."""
        return all(part.startswith("calibrated") for part in self.calibration.split("; "))


_CALIBRATION_READS = {
    "under-states": "under-state defaults",
    "over-states": "over-state defaults",
    "mis-sloped": "match defaults on average but not by PD band",
    "not judged": "were not judged (too few outcomes in the out-of-time window)",
    "not assessed": "were not assessed (no holdout speaks for their vintages, or it had no ECE or no defaults)",
}
"""What a book's PDs do, by the first words of its `pd_calibration` (`model_card.CALIBRATION_STATUSES`)."""


@dataclass
class PortfolioOverview:
    """The whole overview: headline figures (label, value) and the sections in reading order."""

    as_of: datetime
    headline: list[tuple[str, object]]
    sections: list[Section]
    books: list[BookPD] = field(default_factory=list)
    """Each book's mean PD beside its observed default rate (`pd_by_book`); [] without scores or loans."""

    @property
    def missing(self) -> list[str]:
        """Every note saying a table is not in the lake yet."""
        return [note for s in self.sections for note in s.notes if "not in the lake" in note]


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str] | None:
    """Column name -> DuckDB type of `schema.table`, or None when the table does not exist."""
    schema, name = table.split(".", 1)
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
        [schema, name],
    ).fetchall()
    return {c: t for c, t in rows} or None


def _pick(columns: dict[str, str], candidates: tuple[str, ...]) -> str | None:
    return next((c for c in candidates if c in columns), None)


def _loan_base(con: duckdb.DuckDBPyConnection) -> tuple[str | None, str]:
    """(SQL of one row per loan with book (the portfolio's name), portfolio (labelled with a non-USD
    currency), currency, vintage, loan_amount, default_flag, or None; its source)."""
    marts = table_columns(con, "marts.loan_features")
    if marts:
        return (f"SELECT loan_key, {_labelled_portfolio(marts)}, vintage, loan_amount, default_flag "
                "FROM marts.loan_features", "marts.loan_features")
    raw = table_columns(con, "raw.loans")
    if raw:
        order = "snapshot_date DESC NULLS LAST, _ingested_at DESC" if "snapshot_date" in raw else "_ingested_at DESC"
        return (
            f"SELECT loan_key, {_labelled_portfolio(raw)}, vintage, loan_amount, default_flag FROM raw.loans "
            f"QUALIFY row_number() OVER (PARTITION BY loan_key ORDER BY {order}) = 1",
            "raw.loans (latest snapshot per loan; marts.loan_features is not in the lake yet)",
        )
    return None, "no loan table"


def _labelled_portfolio(columns: list[str]) -> str:
    """SQL of a loan's portfolio as the overview names it, and its currency: the portfolio with its
    currency when that is not USD (`nwc (EUR)`), so that no table or plot reads another currency's
    amounts as dollars (a lake from before the currency column: USD); `book` keeps the portfolio's
    own name, which its PD model is named after (`loan_pd_nwc`)."""
    if "currency" not in columns:
        return "portfolio AS book, portfolio, 'USD' AS currency"
    return ("portfolio AS book, portfolio || CASE WHEN coalesce(currency, 'USD') = 'USD' THEN '' ELSE ' (' || currency || ')' END "
            "AS portfolio, coalesce(currency, 'USD') AS currency")


def _scores(con: duckdb.DuckDBPyConnection) -> tuple[str | None, list[str]]:
    """(SQL of the latest score per loan as loan_key, pd, risk_grade, model_version, or None; notes)."""
    columns = table_columns(con, "ml.loan_scores")
    if not columns:
        return None, ["ml.loan_scores is not in the lake yet: materialize loan_scores to see PDs and risk grades."]
    picked = {role: _pick(columns, names) for role, names in SCORE_COLUMNS.items()}
    if "loan_key" not in columns or picked["pd"] is None:
        return None, [f"ml.loan_scores has no loan_key or PD column (columns: {', '.join(columns)})."]
    grade = picked["grade"] or "NULL"
    version = picked["version"] or "NULL"
    order = picked["scored_at"] or version
    sql = (
        f"SELECT loan_key, {picked['pd']} AS pd, CAST({grade} AS VARCHAR) AS risk_grade, "
        f"CAST({version} AS VARCHAR) AS model_version FROM ml.loan_scores "
        f"QUALIFY row_number() OVER (PARTITION BY loan_key ORDER BY {order} DESC NULLS LAST) = 1"
    )
    return sql, []


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[tuple]]:
    cursor = con.execute(sql)
    return [d[0] for d in cursor.description], cursor.fetchall()


def _by_grade(con: duckdb.DuckDBPyConnection, base: str | None, scores: str | None, notes: list[str]) -> Section:
    section = Section("Loans and exposure by risk grade", notes=list(notes))
    if scores is None:
        return section
    amount = "b.loan_amount" if base else "NULL"
    portfolio = "coalesce(b.portfolio, 'unknown')" if base else "'all'"
    join = f"LEFT JOIN ({base}) b USING (loan_key)" if base else ""
    section.columns, section.rows = _rows(con, f"""
        SELECT {portfolio} AS portfolio, coalesce(s.risk_grade, 'ungraded') AS risk_grade,
               count(*) AS loans, sum({amount}) AS exposure, avg(s.pd) AS mean_pd,
               {"avg(b.default_flag)" if base else "NULL"} AS observed_default_rate
        FROM ({scores}) s {join}
        GROUP BY ALL ORDER BY portfolio, risk_grade""")
    if base:
        section.notes += (_in_sample_notes(con, base, scores) + _calibration_notes(con, base, scores)
                          + _outside_window_notes(con, base, scores))
    grades: dict[str, list[str]] = {}
    series: dict[str, list[float]] = {}
    for portfolio_name, grade, _, exposure, _, _ in section.rows:  # ordered by portfolio, grade
        grades.setdefault(portfolio_name, []).append(grade)
        series.setdefault(portfolio_name, []).append((exposure or 0.0) / 1e6)
    if section.rows:
        # one panel per portfolio, each on its own scale: on one scale LendingClub's bars were invisible beside SBA's
        section.plot = plots.bar_panels(grades, series, "Exposure by risk grade", "millions (USD unless labelled)",
                                        plots.portfolio_colours(list(series)))
        section.plot_caption = ("Exposure (sum of loan amounts, millions, in USD unless the portfolio names another "
                                "currency) by risk grade, one panel per portfolio, each on its own scale: compare "
                                "portfolios by the table's exposure column, not by bar heights")
    return section


def _in_sample_notes(con: duckdb.DuckDBPyConnection, base: str, scores: str) -> list[str]:
    """One note per book some of whose labelled scored loans trained the version that scored them
    (`ml.model_training_loans`): the grade table's observed default rate and mean PD count those
    in-sample loans, where the PDs flatter the model, so the match is read on the model card's
    holdout columns. [] without the table."""
    if not table_columns(con, "ml.model_training_loans"):
        return []
    rows = con.execute(f"""
        SELECT b.portfolio, count(*) AS labelled, count(t.loan_key) AS trained
        FROM ({scores}) s JOIN ({base}) b USING (loan_key)
        LEFT JOIN (SELECT DISTINCT version, loan_key FROM ml.model_training_loans) t
          ON t.loan_key = s.loan_key AND t.version = s.model_version
        WHERE b.default_flag IS NOT NULL AND s.pd IS NOT NULL
        GROUP BY ALL HAVING count(t.loan_key) > 0 ORDER BY 1""").fetchall()
    return [f"{portfolio}: {trained:,} of its {labelled:,} labelled loans ({trained / labelled:.0%}) trained the model "
            "that scored them, so the table's mean PD against the observed default rate is partly in-sample; the "
            "model card's holdout columns give the out-of-sample match." for portfolio, labelled, trained in rows]


def _calibration_notes(con: duckdb.DuckDBPyConnection, base: str, scores: str) -> list[str]:
    """One note per portfolio whose PDs, over its labelled scored loans, do not match its observed
    default rate (mean PD outside x0.8-x1.25 of the rate, `model_card.MEAN_PD_FACTOR`): the grade
    table's mean PD and observed rate then differ by design, and its PDs rank risk but do not give
    default probabilities (the model card's calibration verdict says the same on its holdout)."""
    from risk_assets.lib.ml.model_card import MEAN_PD_FACTOR

    notes = []
    for portfolio, loans, mean_pd, rate in con.execute(f"""
            SELECT b.portfolio, count(*), avg(s.pd), avg(b.default_flag)
            FROM ({scores}) s JOIN ({base}) b USING (loan_key)
            WHERE b.default_flag IS NOT NULL AND s.pd IS NOT NULL
            GROUP BY ALL ORDER BY 1""").fetchall():
        if not rate or not mean_pd or 1 / MEAN_PD_FACTOR <= mean_pd / rate <= MEAN_PD_FACTOR:
            continue
        direction = "under-state" if mean_pd < rate else "over-state"
        notes.append(f"{portfolio}: over its {loans:,} labelled loans the mean PD is {mean_pd:.3f} against an observed "
                     f"default rate of {rate:.3f} (x{mean_pd / rate:.2f}): its PDs {direction} defaults here; read "
                     "them as relative risk (the ranking holds), not as default probabilities, as its model card "
                     "says of its holdout.")
    return notes


def _outside_window_notes(con: duckdb.DuckDBPyConnection, base: str, scores: str) -> list[str]:
    """One note per book with labelled loans of vintages outside those its PD champion trained and
    was judged on (its training and holdout loans, `ml.model_training_loans`, `ml.model_holdouts`):
    they are scored and counted in the grade table, but the model's figures say nothing of them
    (SBA: the 1966-1988 approvals left out of training, whose records were written after their
    outcome, and those after the out-of-time window). [] without those tables or dated loans."""
    if not all(table_columns(con, t) for t in ("ml.model_registry", "ml.model_training_loans", "ml.model_holdouts")):
        return []
    rows = con.execute(f"""
        WITH champion AS (SELECT model, version FROM ml.model_registry WHERE status = 'champion'),
        seen AS (
            SELECT c.model, b.portfolio, min(b.vintage) AS first, max(b.vintage) AS last
            FROM champion c
            JOIN (SELECT model, version, loan_key FROM ml.model_training_loans
                  UNION ALL SELECT model, version, loan_key FROM ml.model_holdouts) k USING (model, version)
            JOIN ({base}) b USING (loan_key)
            GROUP BY ALL HAVING min(b.vintage) IS NOT NULL)
        SELECT s.portfolio, s.first, s.last, count(*), avg(b.default_flag), avg(sc.pd)
        FROM seen s JOIN ({base}) b ON b.portfolio = s.portfolio
        JOIN ({scores}) sc USING (loan_key)
        WHERE b.default_flag IS NOT NULL AND (b.vintage < s.first OR b.vintage > s.last)
        GROUP BY ALL ORDER BY 1""").fetchall()
    return [f"{portfolio}: {loans:,} labelled loans of vintages outside {first}-{last}, the ones its PD champion "
            f"trained and was judged on, are scored and counted here (observed default rate {rate:.3f}, mean PD "
            f"{'none' if mean_pd is None else f'{mean_pd:.3f}'}); the model's figures say nothing of them."
            for portfolio, first, last, loans, rate, mean_pd in rows]


def pd_by_book(con: duckdb.DuckDBPyConnection, base: str, scores: str) -> list[BookPD]:
    """Each book of the loan base (SQL of `_loan_base`), by its portfolio label, with its latest
    scores (SQL of `_scores`): its mean PD beside its observed default rate, and its champion's
    `pd_calibration` (distinct values joined by '; ', 'not recorded' where the lake has none)."""
    has_calibration = "pd_calibration" in (table_columns(con, "ml.loan_scores") or {})
    calibration = ("LEFT JOIN (SELECT DISTINCT loan_key, CAST(model_version AS VARCHAR) AS model_version, pd_calibration "
                   "FROM ml.loan_scores) c ON c.loan_key = s.loan_key AND c.model_version = s.model_version"
                   if has_calibration else "")
    rows = con.execute(f"""
        SELECT b.portfolio, count(s.pd), avg(s.pd), count(b.default_flag), avg(b.default_flag),
               {"string_agg(DISTINCT c.pd_calibration, '; ' ORDER BY c.pd_calibration)" if has_calibration else "NULL"}
        FROM ({base}) b LEFT JOIN ({scores}) s USING (loan_key) {calibration}
        GROUP BY ALL ORDER BY 1""").fetchall()
    return [BookPD(portfolio, scored, mean_pd, labelled, rate, said or ("unscored" if not scored else "not recorded"))
            for portfolio, scored, mean_pd, labelled, rate, said in rows]


def _what_pds_do(calibration: str) -> str:
    """'under-state defaults' for 'under-states on holdout_oot'; a plain phrase for a status not known
    here. A book whose loans carry several verdicts ('; '-joined, each loan its population's) reads
    by those not calibrated, each of its own loans: 'are calibrated only in part: on some loans they
    under-state defaults; on some loans they were not assessed (...)'."""
    parts = calibration.split("; ")
    off = sorted((part for part in parts if not part.startswith("calibrated")), key=lambda part: part.startswith("not "))
    reads = list(dict.fromkeys(
        next((reads for status, reads in _CALIBRATION_READS.items() if part.startswith(status)),
             "are not read as default probabilities") for part in off))
    said = " and ".join(reads)
    if len(off) < len(parts):  # each reading holds for loans of its own, not for the same ones
        return "are calibrated only in part: " + "; ".join(f"on some loans they {reads_so}" for reads_so in reads)
    return said


def _figure(value: float | None) -> str:
    return "none" if value is None else f"{value:.4f}"


def book_headline(book: BookPD) -> tuple[str, str]:
    """A book's headline row: ("mean PD against observed default rate, sba", "0.1076 against 0.1750
    (pd_calibration: under-states on holdout_oot)"); for a book no champion scores, what it has instead
    of a mean PD: "no PD: no champion scores its loans (no loan has an outcome yet)", or its observed
    default rate on its labelled loans, not "none against none"."""
    what = f"mean PD against observed default rate, {book.portfolio}"
    if not book.scored:
        outcomes = (f"observed default rate {book.observed_default_rate:.4f} on {book.labelled:,} labelled loans"
                    if book.observed_default_rate is not None else "no loan has an outcome yet")
        return what, f"no PD: no champion scores its loans ({outcomes})"
    return what, (f"{_figure(book.mean_pd)} against {_figure(book.observed_default_rate)} "
                  f"(pd_calibration: {book.calibration})")


def mean_pd_caveat(books: Sequence[BookPD], mean_pd: float | None, rate: float | None) -> str:
    """How to read the pooled mean PD beside the pooled observed default rate: it pools every scored
    book, so where some book's PDs are not calibrated (`BookPD.calibrated`) the caveat names each such
    book and what its pd_calibration says; otherwise it says the two can be compared."""
    scored = [book for book in books if book.scored]
    off = [book for book in scored if not book.calibrated]
    pooled = (f"The mean PD {_figure(mean_pd)} pools {len(scored)} scored book{'s' if len(scored) != 1 else ''} "
              f"({', '.join(book.portfolio for book in scored)})")
    if not off:
        return (f"{pooled}, whose PDs are all calibrated on their holdouts (pd_calibration), so it can be read "
                f"against the observed default rate {_figure(rate)}.")
    said = "; ".join(
        f"{book.portfolio}'s PDs {_what_pds_do(book.calibration)} (pd_calibration: {book.calibration}; mean PD {_figure(book.mean_pd)} against an observed default rate of "
        f"{_figure(book.observed_default_rate)})" for book in off)
    return (f"{pooled} and is no estimate of the observed default rate {_figure(rate)}: {said}. Compare each "
            "book's own mean PD with its own default rate, and read the PDs of a book named here as relative risk "
            "(the ranking holds), not as default probabilities.")


def _by_vintage(con: duckdb.DuckDBPyConnection, base: str | None, scores: str | None) -> Section:
    section = Section("Loans and exposure by vintage", every_row=True)
    if base is None:
        section.notes.append("No loan table is in the lake yet: materialize raw_loans.")
        return section
    pd_join = f"LEFT JOIN ({scores}) s USING (loan_key)" if scores else ""
    section.columns, section.rows = _rows(con, f"""
        SELECT b.portfolio, CAST(b.vintage AS VARCHAR) AS vintage, count(*) AS loans,
               sum(b.loan_amount) AS exposure, {"avg(s.pd)" if scores else "NULL"} AS mean_pd
        FROM ({base}) b {pd_join}
        GROUP BY b.portfolio, b.vintage ORDER BY b.portfolio, b.vintage NULLS FIRST""")
    dated = [r for r in section.rows if r[1] is not None]
    if dated:
        vintages = sorted({r[1] for r in dated})
        series: dict[str, list[float]] = {}
        for portfolio, vintage, _, exposure, _ in dated:
            series.setdefault(portfolio, [0.0] * len(vintages))[vintages.index(vintage)] = (exposure or 0.0) / 1e6
        section.plot = plots.bar_chart(vintages, series, "Exposure by vintage", "millions (USD unless labelled)",
                                       plots.portfolio_colours(list(series)))
        section.plot_caption = ("Exposure (millions, in USD unless the portfolio names another currency) by "
                                "vintage (origination year; SBA: approval fiscal year, October-September) and portfolio"
                                + unplotted_vintages(section.rows))
    undated = [r[0] for r in section.rows if r[1] is None]
    if undated:
        section.notes.append(f"No origination date in the source for: {', '.join(undated)} (vintage shown as empty).")
    return section


def unplotted_vintages(rows: Sequence[Sequence[object]], noun: str = "loans") -> str:
    """The caption's sentence naming the loans a by-vintage plot cannot show, from a vintage table's
    rows (portfolio, vintage (NULL: none), count of `noun`, ...): a portfolio none of whose loans has
    a vintage ("; not plotted: lendingclub (39,786 loans), whose tape records no origination (issue)
    date, so its loans have no vintage"), and a portfolio with some loans without one ("18 of sba's
    899,164 loans, which have no vintage"). '' when every loan has one."""
    loans: dict[str, int] = {}
    undated: dict[str, int] = {}
    for portfolio, vintage, n, *_ in rows:
        loans[portfolio] = loans.get(portfolio, 0) + n
        if vintage is None:
            undated[portfolio] = undated.get(portfolio, 0) + n
    said = [f"{p} ({n:,} {noun}), whose tape records no origination (issue) date, so its loans have no vintage"
            if n == loans[p] else f"{n:,} of {p}'s {loans[p]:,} {noun}, which have no vintage"
            for p, n in undated.items() if n]
    return f"; not plotted: {'; '.join(said)}" if said else ""


def _pd_distribution(con: duckdb.DuckDBPyConnection, base: str | None, scores: str | None) -> Section:
    section = Section("PD distribution")
    if scores is None:
        section.notes.append("ml.loan_scores is not in the lake yet: no PDs to show.")
        return section
    portfolio = "coalesce(b.portfolio, 'unknown')" if base else "'all'"
    join = f"LEFT JOIN ({base}) b USING (loan_key)" if base else ""
    scored = f"SELECT {portfolio} AS portfolio, s.pd FROM ({scores}) s {join} WHERE s.pd IS NOT NULL"
    section.columns, section.rows = _rows(con, f"""
        SELECT portfolio, count(*) AS loans, avg(pd) AS mean_pd,
               quantile_cont(pd, 0.05) AS p05, quantile_cont(pd, 0.25) AS p25, median(pd) AS median,
               quantile_cont(pd, 0.75) AS p75, quantile_cont(pd, 0.95) AS p95
        FROM ({scored}) GROUP BY portfolio ORDER BY portfolio""")
    binned = con.execute(f"""
        SELECT portfolio, least(CAST(floor(pd * {PD_BINS}) AS INTEGER), {PD_BINS - 1}) AS bin, count(*)
        FROM ({scored}) GROUP BY ALL""").fetchall()
    counts: dict[str, list[int]] = {}
    for portfolio_name, bin_index, n in binned:
        counts.setdefault(portfolio_name, [0] * PD_BINS)[max(bin_index, 0)] += n
    if counts:
        edges = [i / PD_BINS for i in range(PD_BINS + 1)]
        section.plot = plots.binned_shares(edges, counts, "PD distribution", "probability of default (0-1)",
                                           plots.portfolio_colours(list(counts)))
        section.plot_caption = f"Share of loans per PD bin (width {1 / PD_BINS}), per portfolio"
    return section


def _default_rate(con: duckdb.DuckDBPyConnection, base: str | None) -> Section:
    section = Section("Default rate by vintage", every_row=True)
    if base is None:
        section.notes.append("No loan table is in the lake yet: materialize raw_loans.")
        return section
    section.columns, section.rows = _rows(con, f"""
        SELECT portfolio, CAST(vintage AS VARCHAR) AS vintage, count(default_flag) AS labelled_loans,
               sum(default_flag) AS defaults, avg(default_flag) AS default_rate
        FROM ({base}) GROUP BY portfolio, vintage ORDER BY portfolio, vintage NULLS FIRST""")
    x: dict[str, list[str]] = {}
    y: dict[str, list[float]] = {}
    few: dict[str, list[str]] = {}
    for portfolio, vintage, labelled, _, rate in section.rows:
        if vintage is not None and labelled >= MIN_LABELLED_FOR_RATE:
            x.setdefault(portfolio, []).append(vintage)
            y.setdefault(portfolio, []).append(rate)
        elif vintage is not None and labelled:
            few.setdefault(portfolio, []).append(vintage)
            if portfolio in y:  # a NaN breaks the line: a left-out vintage is not bridged by a straight line
                x[portfolio].append(vintage)
                y[portfolio].append(float("nan"))
    if y:
        section.plot = plots.line_chart(x, y, "Default rate by vintage", "defaults / labelled loans",
                                        plots.portfolio_colours(list(y)))
        left_out = "; ".join(f"{p} {_year_ranges(v)}" for p, v in few.items())
        section.plot_caption = ("Observed default rate (0-1) of labelled loans by vintage (origination year; "
                                "SBA: approval fiscal year, October-September) and portfolio"
                                + (f"; vintages with fewer than {MIN_LABELLED_FOR_RATE} labelled loans are left out "
                                   f"of the plot, the line broken there, their rate being mostly noise (the table lists them): {left_out}"
                                   if few else "")
                                + unplotted_vintages(section.rows, "labelled loans"))
    section.notes.append("Labelled loans are those whose outcome is known (default flag not NULL).")
    return section


MIN_LABELLED_FOR_RATE = 30
"""Fewest labelled loans a vintage needs for the overview to plot its default rate: below it a rate
is mostly noise (1 labelled loan plots 0% or 100%; at a 20% rate, 30 loans give a 95% Wilson interval
of 0.10-0.37, 10 loans 0.06-0.51). A policy figure of this report, not a published constant."""


def _year_ranges(vintages: Sequence[str]) -> str:
    """Vintages as runs of consecutive years ("1966, 1968-1972"); text that is no year as it is."""
    years = sorted(int(v) for v in vintages if str(v).lstrip("-").isdigit())
    runs: list[list[int]] = []
    for year in years:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    said = [f"{r[0]}" if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs]
    return ", ".join(said + [str(v) for v in vintages if not str(v).lstrip("-").isdigit()])


def _sentiment_champion(con: duckdb.DuckDBPyConnection) -> str | None:
    """The news_sentiment champion's version, or None."""
    if not table_columns(con, "ml.model_registry"):
        return None
    return con.execute("SELECT max(version) FROM ml.model_registry WHERE model = 'news_sentiment' "
                       "AND status = 'champion'").fetchone()[0]


def _news_coverage(con: duckdb.DuckDBPyConnection) -> list[tuple[str, object]]:
    """[("news articles scored", "N of M ...")] when the lake holds news: how many articles the
    sentiment champion scored, and why none when there is no champion; with scores, how many of them
    the scoring version trained on, held out or never saw (ml.news_scores.sample), so that an
    in-sample score, learned and near-certainly right, is not read as the model's skill."""
    from risk_assets.lib.ml.sentiment_scoring import ARTICLES_NOT_SENTENCES, sample_counts, sample_line

    if not table_columns(con, "marts.news_features"):
        return []
    articles = con.execute("SELECT count(*) FROM marts.news_features").fetchone()[0]
    scored = con.execute("SELECT count(DISTINCT doc_id) FROM ml.news_scores").fetchone()[0] \
        if table_columns(con, "ml.news_scores") else 0
    champion = _sentiment_champion(con)
    said = f"{scored:,} of {articles:,}" + ("" if champion else " (no news_sentiment champion: no labelled news to "
                                                                "train on, or none promoted)")
    if scored:
        said += (f"; by whether the version that scored them saw them: {sample_line(sample_counts(con))} "
                 f"(train: in-sample, learned; holdout: judged on when gated; unseen: out of sample; "
                 f"{ARTICLES_NOT_SENTENCES})")
    return [("news articles scored", said)]


def _why_no_daily_sentiment(con: duckdb.DuckDBPyConnection) -> str:
    """Why the daily sentiment index is empty, from the lake: no articles, no sentiment champion (so
    every article unscored), or no scored article with a publication date."""
    if not table_columns(con, "marts.news_features"):
        return "no news in the lake yet"
    articles, dated = con.execute("SELECT count(*), count(published_at) FROM marts.news_features").fetchone()
    champion = _sentiment_champion(con)
    if champion is None:
        return (f"no news_sentiment champion, so none of the {articles:,} articles is scored (without labelled news "
                "no model is trained: see news_sentiment_model's card)")
    if not dated:
        return (f"none of the {articles:,} articles carries a publication date (the PhraseBank sample has none); "
                "monitoring.news_sentiment_trend dates them by the day they were ingested instead (date_source = "
                "ingested), which is not that day's market sentiment")
    return f"{dated:,} of {articles:,} articles carry a date, but none of them is scored yet: materialize news_scores"


def _sentiment(con: duckdb.DuckDBPyConnection) -> Section:
    section = Section("News sentiment trend")
    daily = table_columns(con, "ml.news_sentiment_daily")
    if daily:
        date_col = next((c for c, t in daily.items() if t.upper().startswith(("DATE", "TIMESTAMP"))), None)
        numeric = [c for c, t in daily.items() if c != date_col and t.upper() in
                   ("DOUBLE", "FLOAT", "REAL", "DECIMAL", "BIGINT", "INTEGER", "HUGEINT")]
        if date_col and numeric:
            section.columns, section.rows = _rows(con, (
                f"SELECT * FROM (SELECT {date_col}, {', '.join(numeric)} FROM ml.news_sentiment_daily "
                f"ORDER BY {date_col} DESC LIMIT 60) ORDER BY 1"))
            index_col = next((c for c in numeric if "index" in c or "sentiment" in c or "mean" in c), numeric[0])
            if section.rows:
                position = section.columns.index(index_col)
                points = [r for r in section.rows if r[position] is not None]
                section.plot = plots.line_chart({index_col: [r[0] for r in points]},
                                                {index_col: [r[position] for r in points]},
                                                "News sentiment index", index_col)
                section.plot_caption = f"{index_col} per day, last 60 days with news"
                return section
        section.notes.append(f"ml.news_sentiment_daily holds no rows: {_why_no_daily_sentiment(con)}.")
    else:
        section.notes.append("ml.news_sentiment_daily is not in the lake yet: materialize news_sentiment_daily.")
    scores = table_columns(con, "ml.news_scores")
    label = _pick(scores or {}, ("predicted_label", "label", "sentiment"))
    if label and con.execute("SELECT count(*) FROM ml.news_scores").fetchone()[0]:
        section.columns, section.rows = _rows(con, (
            f"SELECT {label} AS predicted_label, count(*) AS articles, "
            f"count(*) / sum(count(*)) OVER () AS share FROM ml.news_scores GROUP BY 1 ORDER BY 1"))
        section.notes.append("Shown instead: the mix of predicted labels over all scored articles (ml.news_scores).")
        from risk_assets.lib.ml.sentiment_scoring import TRAIN, sample_counts, sample_line

        counts = sample_counts(con)
        if counts[TRAIN]:  # a learned label is no prediction: say how much of the mix is the training's own
            section.notes.append(f"The mix includes the sentences the scoring model trained on, whose labels it "
                                 f"learned: {sample_line(counts)} (ml.news_scores.sample).")
    return section


FAILING_UNIT_UNKNOWN = "(unit not recorded)"
"""The unit the failed checks table gives a count recorded without one (a verdict written before
checks recorded their unit, or by a check that does not say it)."""


def _counted(count: int, unit: str | None) -> str:
    """A count with its plural unit, singular for 1 ("811 values", "1 model", "2 PSI values");
    FAILING_UNIT_UNKNOWN beside a count recorded without one."""
    if not unit:
        return f"{count:,} {FAILING_UNIT_UNKNOWN}"
    return f"{count:,} {unit.removesuffix('s') if count == 1 else unit}"


def _failed_checks(con: duckdb.DuckDBPyConnection) -> Section:
    """Checks whose latest result failed: asset, check, severity, `failing` (the count with its own
    unit, as each check counts differently: "811 values" quarantined beside "2 rules" or "1 models";
    quality.check_results.details.failing_unit), the observed value and when."""
    section = Section("Open quality issues: failed checks")
    if not table_columns(con, "quality.check_results"):
        section.notes.append("quality.check_results is not in the lake yet: no check has run.")
        return section
    columns, rows = _rows(con, """
        SELECT asset, check_name AS "check", severity, failing_count,
               try(json_extract_string(details, '$.failing_unit')) AS failing_unit, observed_value,
               strftime(evaluated_at, '%Y-%m-%d %H:%M') || ' UTC' AS evaluated
        FROM quality.check_results
        QUALIFY row_number() OVER (PARTITION BY asset, check_name ORDER BY evaluated_at DESC) = 1
            AND NOT success
        ORDER BY severity, asset, check_name""")
    section.columns = ["asset", "check", "severity", "failing", "observed_value", "evaluated"]
    section.rows = [(asset, check, severity,
                     None if count is None else _counted(count, unit), observed, evaluated)
                    for asset, check, severity, count, unit, observed, evaluated in rows]
    if not section.rows:
        section.notes.append("Every check passed on its latest evaluation.")
    return section


def _quarantine(con: duckdb.DuckDBPyConnection) -> Section:
    """Quarantined values by the check that set them aside (quality.quarantine.asset holds the
    check's name, `raw_loans_values`, so the column is headed `check`) and rule."""
    section = Section("Open quality issues: quarantined values")
    if not table_columns(con, "quality.quarantine"):
        section.notes.append("quality.quarantine is not in the lake yet.")
        return section
    section.columns, section.rows = _rows(con, """
        SELECT asset AS "check", rule, count(*) AS values_quarantined, count(DISTINCT source_file) AS files
        FROM quality.quarantine GROUP BY ALL ORDER BY values_quarantined DESC, asset, rule""")
    if not section.rows:
        section.notes.append("Nothing is in quarantine.")
    return section


def build_overview(con: duckdb.DuckDBPyConnection) -> PortfolioOverview:
    """Compute every section of the overview from the lake behind `con` (read-only use)."""
    base, base_source = _loan_base(con)
    scores, score_notes = _scores(con)
    headline: list[tuple[str, object]] = [("loan base", base_source)]
    books: list[BookPD] = []
    if base:
        loans, labelled, rate = con.execute(
            f"SELECT count(*), count(default_flag), avg(default_flag) FROM ({base})").fetchone()
        # amounts are never converted: one exposure line per currency (a portfolio label names a non-USD one)
        by_currency = con.execute(f"SELECT currency, sum(loan_amount) FROM ({base}) GROUP BY currency "
                                  "ORDER BY currency <> 'USD', currency").fetchall()
        headline += [("loans", loans)]
        headline += [(f"exposure ({currency})", exposure) for currency, exposure in by_currency]
        headline += [("labelled loans", labelled), ("observed default rate", rate)]
        if table_columns(con, "ml.model_registry"):
            without = [p for (p,) in con.execute(f"""
                SELECT DISTINCT b.portfolio FROM ({base}) AS b
                WHERE NOT EXISTS (SELECT 1 FROM ml.model_registry AS r
                                  WHERE r.model = 'loan_pd_' || b.book AND r.status = 'champion')
                ORDER BY 1""").fetchall()]
            headline.append(("portfolios without a PD champion (unscored)", ", ".join(without) or "none"))
    headline += _news_coverage(con)
    headline += _freshness(con)
    if scores:
        scored, mean_pd, versions = con.execute(
            f"SELECT count(*), avg(pd), string_agg(DISTINCT model_version, ', ') FROM ({scores})").fetchone()
        headline += [("scored loans", scored), ("mean PD", mean_pd)]
        if base:
            books = pd_by_book(con, base, scores)
            headline += [book_headline(book) for book in books]
            headline.append(("how to read the mean PD", mean_pd_caveat(books, mean_pd, rate)))  # rate: the base's
        headline.append(("model version(s)", versions))
    sections = [
        _by_grade(con, base, scores, score_notes),
        _by_vintage(con, base, scores),
        _pd_distribution(con, base, scores),
        _default_rate(con, base),
        _sentiment(con),
        _failed_checks(con),
        _quarantine(con),
    ]
    return PortfolioOverview(datetime.now(timezone.utc), headline, sections, books)


def _freshness(con: duckdb.DuckDBPyConnection) -> list[tuple[str, object]]:
    """How current the overview's inputs are: when the newest loan file landed (UTC), and how many
    landed loans, not quarantined, are not in marts.loan_features yet (files landed by a raw-only
    run: rebuild `key:stg_loans+` to see them here), with, when some are, the landed loans held out
    by quarantine beside that count (`"0 (811 more are held out by quarantine: see
    raw_loans_values)"`), which no rebuild brings in: a bare 0 would read as nothing missing; those
    held out because their newest snapshot is quarantined are counted there when there are some
    (`newest_snapshot_said`). Empty without the tables."""
    if not (table_columns(con, "raw.landed_files") and table_columns(con, "raw.loans")):
        return []
    (landed,) = con.execute("SELECT max(landed_at) FROM raw.landed_files WHERE domain = 'loans' "
                            "AND status = 'loaded'").fetchone()
    rows: list[tuple[str, object]] = [("newest loan file landed (UTC)", f"{landed:%Y-%m-%d %H:%M}" if landed else "none")]
    if (waiting := landed_loans_not_in_features(con)) is not None:
        held, checks = quarantined_not_in_features_count(con)
        value: object = waiting
        if held:
            newest = newest_snapshot_said(len(held_out_by_newest_snapshot(con)))
            why = f", {newest};" if newest else ":"
            value = f"{waiting:,} ({held:,} more are held out by quarantine{why} see {', '.join(checks)})"
        rows.append(("landed loans not in the features yet (rebuild key:stg_loans+)", value))
    return rows


def landed_loans_not_in_features(con: duckdb.DuckDBPyConnection) -> int | None:
    """Distinct loans in raw.loans, none of whose rows is quarantined, that marts.loan_features does
    not hold yet: files landed by a raw-only run (the landing sensor's, `--select raw_loans`) wait
    there until `key:stg_loans+` is rebuilt (staging, then the features), and are neither scored nor
    monitored meanwhile.
    None when raw.loans, marts.loan_features or quality.quarantine is not in the lake."""
    if not all(table_columns(con, t) for t in ("raw.loans", "marts.loan_features", "quality.quarantine")):
        return None
    (waiting,) = con.execute(f"""
        SELECT count(DISTINCT r.loan_key) FROM raw.loans AS r
        WHERE {_NOT_IN_FEATURES} AND NOT {_QUARANTINED}""").fetchone()
    return waiting


def quarantined_not_in_features_count(con: duckdb.DuckDBPyConnection) -> tuple[int, list[str]]:
    """(distinct loans in raw.loans that marts.loan_features lacks because a value of theirs is
    quarantined, the quarantine checks (quality.quarantine.asset, sorted) that hold them out). A
    loan held by two checks counts once. (0, []) without raw.loans, marts.loan_features or
    quality.quarantine."""
    if not all(table_columns(con, t) for t in ("raw.loans", "marts.loan_features", "quality.quarantine")):
        return 0, []
    (held, checks) = con.execute(f"""
        SELECT count(DISTINCT r.loan_key), list(DISTINCT q.asset ORDER BY q.asset)
        FROM raw.loans AS r JOIN quality.quarantine AS q ON q.record_key = r.loan_key
        WHERE {_NOT_IN_FEATURES}""").fetchone()
    return held, [c for c in (checks or []) if c is not None]


def held_out_by_newest_snapshot(con: duckdb.DuckDBPyConnection, portfolio: str | None = None) -> list[str]:
    """The loan keys (sorted; of `portfolio` alone when given), among the landed loans quarantine
    keeps out of marts.loan_features (`quarantined_not_in_features_count`), held out because a row
    of their newest snapshot is quarantined though an older snapshot's row is clean: staging holds
    such a loan out rather than read it from the older row (dbt/models/staging/stg_loans.sql), so
    the loan is gone from the features with a clean row in the lake. Snapshots are ordered as
    staging orders them (snapshot_date, undated last, then ingest time), over raw.loans and the rows
    set aside at landing (placed in their file's snapshot). [] without the tables or the lineage
    columns (a lake of one snapshot per loan has none)."""
    lineage = {"snapshot_date", "_file_sha256", "_source_line", "_ingested_at", "portfolio"}
    if not (all(table_columns(con, t) for t in ("marts.loan_features", "quality.quarantine"))
            and lineage <= set(table_columns(con, "raw.loans") or {})):
        return []
    rows = con.execute(f"""
        WITH held AS (
            SELECT DISTINCT r.loan_key FROM raw.loans AS r
            WHERE {_NOT_IN_FEATURES} AND {_QUARANTINED} AND ($portfolio IS NULL OR r.portfolio = $portfolio)),
        files AS (
            SELECT _file_sha256, max(snapshot_date) AS snapshot_date, min(_ingested_at) AS ingested_at
            FROM raw.loans GROUP BY _file_sha256),
        landed AS (
            SELECT r.loan_key, r.snapshot_date, r._ingested_at AS ingested_at, r._file_sha256, r._source_line AS line,
                   true AS in_raw
            FROM raw.loans AS r SEMI JOIN held AS h ON h.loan_key = r.loan_key
            UNION ALL
            SELECT q.record_key, f.snapshot_date, f.ingested_at, q.file_sha256, q.line, false
            FROM quality.quarantine AS q JOIN files AS f ON f._file_sha256 = q.file_sha256
            SEMI JOIN held AS h ON h.loan_key = q.record_key
            ANTI JOIN raw.loans AS r ON r._file_sha256 = q.file_sha256 AND r._source_line = q.line),
        placed AS (
            SELECT *, coalesce(CAST(snapshot_date AS VARCHAR), _file_sha256) AS snapshot,
                   first_value(coalesce(CAST(snapshot_date AS VARCHAR), _file_sha256)) OVER (
                       PARTITION BY loan_key ORDER BY snapshot_date DESC NULLS LAST, ingested_at DESC) AS newest,
                   EXISTS (SELECT 1 FROM quality.quarantine AS q
                           WHERE q.file_sha256 = l._file_sha256 AND q.line = l.line) AS quarantined,
                   -- a staging check's entry does not hold a loan out (stg_loans.sql, held)
                   EXISTS (SELECT 1 FROM quality.quarantine AS q WHERE q.file_sha256 = l._file_sha256
                           AND q.line = l.line AND NOT starts_with(q.asset, 'stg_')) AS holds
            FROM landed AS l)
        SELECT loan_key FROM placed GROUP BY loan_key
        HAVING bool_or(holds AND snapshot = newest) AND bool_or(in_raw AND NOT quarantined AND snapshot <> newest)
        ORDER BY loan_key""", {"portfolio": portfolio}).fetchall()
    return [key for (key,) in rows]


def newest_snapshot_said(count: int) -> str:
    """How the lines that count loans held out by quarantine (verify's lake loans line, the
    overview's headline, the PD card's split note) say `count` of them are held out by their newest
    snapshot (`held_out_by_newest_snapshot`): '7 of them because their newest snapshot is
    quarantined, though an older one is clean: their current state is unknown'; '' for 0."""
    if not count:
        return ""
    return (f"{count:,} of them because their newest snapshot is quarantined, though an older one is clean: "
            "their current state is unknown")


_NOT_IN_FEATURES = "NOT EXISTS (SELECT 1 FROM marts.loan_features AS f WHERE f.loan_key = r.loan_key)"
_QUARANTINED = "EXISTS (SELECT 1 FROM quality.quarantine AS q WHERE q.record_key = r.loan_key)"
"""The landed loans (raw.loans AS r) that marts.loan_features lacks, and those with a quarantined value."""


def quarantined_loans_not_in_features(con: duckdb.DuckDBPyConnection, portfolio: str) -> pd.DataFrame | None:
    """The loans of `portfolio` that landed in raw.loans but that marts.loan_features does not hold
    because a value of theirs is quarantined (staging drops them: checks raw_loans_values,
    stg_loans_values): one row per loan with loan_key, vintage, origination_date and default_flag
    (of its latest row), `rules` (its quarantine rules, comma-separated) and `newest_quarantined`
    (held out because its newest snapshot is quarantined though an older one is clean:
    `held_out_by_newest_snapshot`). So training and holdouts never see them, whatever their
    outcome. None when raw.loans, marts.loan_features or quality.quarantine is not in the lake."""
    if not all(table_columns(con, t) for t in ("raw.loans", "marts.loan_features", "quality.quarantine")):
        return None
    return con.execute(f"""
        SELECT r.loan_key, arg_max(r.vintage, r._ingested_at) AS vintage,
               arg_max(r.origination_date, r._ingested_at) AS origination_date,
               arg_max(r.default_flag, r._ingested_at) AS default_flag,
               (SELECT string_agg(DISTINCT q.rule, ',' ORDER BY q.rule) FROM quality.quarantine AS q
                WHERE q.record_key = r.loan_key) AS rules,
               list_contains(?::VARCHAR[], r.loan_key) AS newest_quarantined
        FROM raw.loans AS r WHERE r.portfolio = ? AND {_NOT_IN_FEATURES} AND {_QUARANTINED}
        GROUP BY r.loan_key ORDER BY r.loan_key""", [held_out_by_newest_snapshot(con, portfolio), portfolio]).df()


MAX_MARKDOWN_ROWS = 40
"""Rows per table in the markdown preview; the HTML report and the exports carry them all."""


def preview_rows(rows: Sequence[Sequence[object]], limit: int = MAX_MARKDOWN_ROWS,
                 report: str = "RISK_HOME/reports/portfolio_overview.html") -> tuple[list, str | None]:
    """(rows to show, a note on those left out or None): all of `rows` when they fit in `limit`, else
    the first and the last limit / 2, the note naming the rows left out and the HTML report
    (`report`, a path) that holds them. The vintage tables do not come here (Section.every_row)."""
    if len(rows) <= limit:
        return list(rows), None
    head, tail = rows[: limit // 2], rows[len(rows) - (limit - limit // 2):]
    return [*head, *tail], (f"rows {len(head) + 1:,} to {len(rows) - len(tail):,} of {len(rows):,} are left out here, "
                            f"between the two halves shown; the HTML report ({report}) holds every row")


def how_to_open(report: Path) -> str:
    """How a reader of the UI opens the HTML report at `report` (an absolute path): it is a file on
    the machine that runs Dagster, not a page the UI serves, and a browser does not follow a file://
    link from a web page, so the text gives the address to paste."""
    return (f"The full report, every row of every table, is a local file on the machine that runs Dagster: "
            f"`{report}`. Open it there by pasting `{report.resolve().as_uri()}` into a browser's address bar "
            "(a browser does not follow a file:// link from this page), or copy the file (it is self-contained) "
            "to another machine.")


def notes_markdown(notes: list[str]) -> list[str]:
    """A section's notes as markdown lines: one note as an italic line, several as a bullet list (a
    note each), since lines in a row join into one paragraph; [] without notes."""
    if len(notes) == 1:
        return [f"_{notes[0]}_"]
    return [f"- {note}" for note in notes]


def overview_markdown(overview: PortfolioOverview, report: Path | None = None) -> str:
    """The overview as markdown with plots embedded, for Dagster's materialization metadata; with
    `report`, the HTML report's path, a line on how to open it."""
    parts = ["# Portfolio overview", ""]
    if report is not None:
        parts += [f"_{how_to_open(report)}_", ""]
    parts += [markdown_table(["figure", "value"], overview.headline, digits=4)]
    for section in overview.sections:
        parts += ["", f"## {section.title}"]
        parts += notes_markdown(section.notes)
        if section.rows:
            shown, left_out = (list(section.rows), None) if section.every_row else preview_rows(
                section.rows, report=str(report) if report else "RISK_HOME/reports/portfolio_overview.html")
            if left_out:
                parts += ["", f"_{left_out}._"]
            parts += ["", markdown_table(section.columns, shown)]
        if section.plot:
            parts += ["", markdown_image(section.plot, section.plot_caption)]
    return "\n".join(parts) + "\n"


def overview_html(overview: PortfolioOverview) -> HtmlReport:
    """The overview as a self-contained HTML report (every row of every table)."""
    report = HtmlReport("Portfolio overview", subtitle=f"lake as of {overview.as_of:%Y-%m-%d %H:%M} UTC")
    report.heading("Key figures").table(["figure", "value"], overview.headline)
    for section in overview.sections:
        report.heading(section.title)
        report.notices(section.notes)
        if section.rows:
            report.table(section.columns, section.rows)
        if section.plot:
            report.image(section.plot, section.plot_caption)
    return report
