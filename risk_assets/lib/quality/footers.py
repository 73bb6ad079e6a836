"""A tape's own control totals against what loaded from it.

A LendingClub download ends with footers, "Total amount funded in policy code 1: 61,850", one
per policy code. Landing checks them against the amounts it loaded from the same section of the
file (`loan_formats._footer_check`) and keeps the verdict in the file's notes (`footer_totals`).
A database client's row count (`(30 rows)`, `30 rows selected.`) is checked against the records the
file holds. A footer that does not match says that the file lost a data line before it landed (a
hand edit, a cut copy) or that loans of it were quarantined: `footer_mismatches` reports it as a
warning, so it is not left inside the notes. A totals row landing sets aside (`Total` under a
column, the sum of loan_amnt beside it: `loan_formats._total_row_checks`) is checked the same way,
each amount it carries against the sum of that column over the file's records above it (below it,
for a summary line above every record), loaded and quarantined alike. A news export's count of its stories ('Total: 5
stories', `news_formats._note_footer`) is checked against the records it holds the same way
(`news_footer_mismatches`); in exports concatenated into one file, each section's count against
the records of that section (the entry's `section`, 'lines 2-4').
"""

from __future__ import annotations

import json

import duckdb

from risk_assets.lib.lake import table_exists
from risk_assets.lib.quality.outcome import WARN, CheckOutcome

CHECK = "raw_loans_footer_totals"
NEWS_CHECK = "raw_news_footer_totals"
RULE = "footer_total_mismatch"


def footer_mismatches(con: duckdb.DuckDBPyConnection) -> CheckOutcome:
    """Loaded loan files whose footer totals (USD, per policy code) differ from the amounts loaded,
    or whose totals rows state an amount other than the sum of the records above them (below them,
    for a summary line above every record).

    Returns a WARN outcome (rows_checked = loaded loan files with footers): one failed rule per
    footer that does not match, with the file, the footer's line, the amount it states, the amount
    loaded, the difference, and the file's quarantined rows (which may explain it); nothing is
    quarantined.
    """
    return _mismatches(con, "loans", CHECK, "raw_loans")


def news_footer_mismatches(con: duckdb.DuckDBPyConnection) -> CheckOutcome:
    """Loaded news files whose footer states a number of stories ('Total: 5 stories', a bare '5'
    under the last story) other than the records the file holds, or, in a file of several sections
    each closed by its own count, than the records of that section. Returns a WARN outcome
    (rows_checked = loaded news files with such a footer), one failed rule per footer that does not
    match, naming the file, the footer's line and both counts; nothing is quarantined."""
    return _mismatches(con, "news", NEWS_CHECK, "raw_news")


def _mismatches(con: duckdb.DuckDBPyConnection, domain: str, check: str, asset: str) -> CheckOutcome:
    """`footer_mismatches` over the loaded files of one domain ('loans', 'news')."""
    files = []
    if table_exists(con, "raw.landed_files"):
        files = con.execute(
            "SELECT path, notes, rows_quarantined FROM raw.landed_files "
            "WHERE domain = ? AND status = 'loaded' AND notes LIKE '%footer_totals%' ORDER BY landed_at, path",
            [domain],
        ).fetchall()
    rules = []
    for path, notes, quarantined in files:
        name = path.rsplit("/", 1)[-1]
        for key, footer in json.loads(notes).get("footer_totals", {}).items():
            if "reason" in footer:  # a control record whose field is no number: nothing was checked
                where = f" in line {footer['line']}, {footer['footer']!r}" if "line" in footer else ""
                rules.append({"rule": RULE, "column": "*", "success": False, "failing": 1, "unit": "footer total",
                              "detail": f"{name} {key}: not checked: {footer['reason']}{where}"})
                continue
            if footer.get("matches", True):
                continue
            if "summed" in footer:  # a totals row's amount, against the records above (or below) it
                rules.append({"rule": RULE, "column": footer["target"], "success": False, "failing": 1, "unit": "footer total",
                              "detail": f"{name} line {footer['line']}: {_total_row_mismatch(footer, quarantined)}"})
                continue
            if "records" in footer:  # a database client's row count, a control record's
                stated, read = footer["stated"], footer["records"]
                source = footer.get("source", "the export's row count")
                holds = (f"its section of the file ({footer['section']}) holds" if "section" in footer
                         else "the file holds")
                rules.append({
                    "rule": RULE, "column": "*", "success": False, "failing": 1, "unit": "footer total",
                    "detail": (f"{name} line {footer['line']}: {source} "
                               f"states {stated:,} rows, {holds} {read:,} ({read - stated:+,}): rows were "
                               "lost, or added, before the file landed (a paste or transfer cut short, a copy of "
                               "part of the output)")})
                continue
            stated, loaded = footer["stated"], footer["loaded"]
            what = footer.get("source", f"the footer of {key.split(',')[0]}")
            # a control total written in its column's units (thousands, cents): as written, then as read
            stated_said = (f"{footer['written']} in {footer['scale']}, that is {stated:,.2f}" if footer.get("scale")
                           else f"{stated:,.2f}")
            rules.append({
                "rule": RULE, "column": "loan_amount", "success": False, "failing": 1, "unit": "footer total",
                "detail": (f"{name} line {footer['line']}: {what} states "
                           f"{stated_said}, the loans loaded from that part of the file sum to {loaded:,.2f} "
                           f"({loaded - stated:+,.2f}); {quarantined:,} row(s) of the file are quarantined"
                           + (" and may explain it" if quarantined else
                              ": a data line was lost before the file landed, or the footer is wrong"))})
    mismatched = len(rules)
    counted = "loans loaded" if domain == "loans" else "stories the file holds"
    observed = (f"{mismatched} footer total(s) do not match the {counted}: "
                + "; ".join(dict.fromkeys(r["detail"].split(":")[0] for r in rules))  # a trailer's count and total: one place
                if mismatched else f"every footer total matches ({len(files)} file(s) with footers)")
    rules = rules or [{"rule": RULE, "column": "loan_amount" if domain == "loans" else "*", "success": True,
                       "failing": 0, "unit": "footer total", "detail": f"every footer total matches the {counted}"}]
    return CheckOutcome(check=check, asset=asset, success=not mismatched, severity=WARN,
                        observed=observed, rules=rules, rows_checked=len(files))


def _total_row_mismatch(footer: dict[str, object], quarantined: int) -> str:
    """What a totals row's figure that matches no sum says: the amount it states, the sum of the
    file's records above it (loaded and quarantined alike: the row totals what the file held), and
    of those since the totals row above it, a subtotal's group; for a totals row above every record
    (entry "below": a summary line before its detail), the sums of the records below it, all of
    them and those up to the next totals row or section label."""
    stated, summed = footer["stated"], footer["summed"]
    column = footer["column"] + (" (the line does not say which column it totals: the nearest sum's)"
                                 if footer.get("column_guessed") else "")
    where = "below" if footer.get("below") else "above"
    text = (f"the totals row {footer['footer']!r} states {column} {stated:,.2f}, the {footer['rows']:,} "
            f"record(s) {where} it, loaded and quarantined alike, sum to {summed:,.2f} ({summed - stated:+,.2f})")
    if group := footer.get("group"):
        part = (f"up to line {group['until']} (the next totals row or section label)" if "until" in group
                else f"since the totals row of line {group['since']}")
        text += f", the {group['rows']:,} {part} to {group['summed']:,.2f} ({group['summed'] - stated:+,.2f})"
    return text + (f"; {quarantined:,} row(s) of the file are quarantined" if quarantined else
                   "; a loan line was lost before the file landed, or the total is wrong")
