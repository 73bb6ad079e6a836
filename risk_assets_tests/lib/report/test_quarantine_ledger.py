"""The `quarantine` asset page: values set aside by rule and file, and the files refused whole,
on real LendingClub lines with a broken one and a file that is not a tape."""

from __future__ import annotations

import dataclasses
from itertools import islice

import dagster as dg

from risk_assets.defs.quality.ledger import quarantine
from risk_assets.defs.resources import LakeResource
from risk_assets.lib.ingest.landing import land_folder
from risk_assets.lib.ingest.loan_formats import parse_loan_file
from risk_assets.lib.lake import connect
from risk_assets.lib.report.markdown import INLINE_MARKDOWN_CHARS
from risk_assets.lib.report.quarantine import (
    ledger_sections,
    line_ranges,
    quarantine_ledger,
    quarantined_lines,
    ranges_text,
)


def _land(risk_home, data_dir) -> str:
    """Land the header and 20 LendingClub loans, line 5's amount negative and line 9's income 'TBD',
    beside a file that is no tape; returns the LendingClub amount of line 5 as written."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        lines = [line.rstrip("\r\n") for line in islice(handle, 21)]
    amount = lines[4].split(",")[0]
    lines[4] = "-" + lines[4]
    fields = lines[8].split(",")
    fields[4] = "TBD"  # annual_inc
    lines[8] = ",".join(fields)
    (risk_home.landing_loans / "lc_2024-07.csv").write_text("\n".join(lines) + "\n")
    (risk_home.landing_loans / "minutes.csv").write_text("meeting,room\ncredit committee,4B\n")
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, "run-1", asset="raw_loans")
    return amount


def test_the_ledger_counts_by_rule_and_file_and_names_refused_files(risk_home, data_dir):
    amount = _land(risk_home, data_dir)
    with connect(risk_home.lake_path, read_only=True) as con:
        ledger = quarantine_ledger(con)
    assert (ledger.values, ledger.files) == (2, 1)
    assert ledger.manifest == {"loaded": 1, "refused": 1}
    by_line = {group[4]: group for group in ledger.groups}
    assert by_line[5][:8] == ("lc_2024-07.csv", "raw_loans", "non_positive_amount", 1, 5, 5, "loan_amnt", f"-{amount}")
    assert by_line[9][:8] == ("lc_2024-07.csv", "raw_loans", "unparsable_number", 1, 9, 9, "annual_inc", "TBD")
    ((file, domain, status, _, reason),) = ledger.refusals
    assert (file, domain, status) == ("minutes.csv", "loans", "refused")
    assert reason.startswith("no known loan tape format: first line 'meeting,room'")

    sections = ledger_sections(ledger)
    assert sections["summary"].startswith("**2 values in quarantine, from 1 file.** Landed files: 1 loaded, 1 refused.")
    assert "| non_positive_amount | 1 | 1 |" in sections["summary"]
    assert len(sections["summary"]) < INLINE_MARKDOWN_CHARS  # shown in place, not behind "Show Markdown"
    # lists, whose items the UI's dialog wraps: a table's cells ran off its edge, cut before the remedy
    assert (f"- **lc_2024-07.csv**: `non_positive_amount`, 1 value, line 5 (set aside by raw_loans); first "
            f"loan_amnt = '-{amount}': column loan_amnt: '-{amount}' is a loan amount of zero or less"
            ) in sections["by_file"].splitlines()
    (refused,) = sections["refused_files"].splitlines()
    assert refused.startswith("- **minutes.csv** (loans, refused ") and refused.endswith(f" UTC): {reason}")


def test_an_empty_lake_says_nothing_landed(risk_home):
    with connect(risk_home.lake_path) as con:
        sections = ledger_sections(quarantine_ledger(con))
    assert sections == {
        "summary": "**0 values in quarantine, from 0 files.** Landed files: no file has landed yet.\n\n"
                   "Nothing is in quarantine: every value of every loaded file landed.",
        "by_file": "Nothing is in quarantine.",
        "refused_files": "No file was refused.",
    }


def test_a_summary_of_many_rules_stays_short_enough_to_show_in_place(risk_home, data_dir):
    _land(risk_home, data_dir)
    with connect(risk_home.lake_path, read_only=True) as con:
        ledger = quarantine_ledger(con)
    many = dataclasses.replace(ledger, by_rule=[(f"rule_number_{i:02d}", 100 - i, 1) for i in range(60)])
    summary = ledger_sections(many)["summary"]
    assert len(summary) < INLINE_MARKDOWN_CHARS
    shown = summary.count("| rule_number_")
    assert 10 < shown < 60 and summary.endswith(f"{60 - shown} more rules, {sum(100 - i for i in range(shown, 60)):,} "
                                                "values: see by_file.")


def test_the_asset_shows_the_ledger_in_its_materialization(risk_home, data_dir):
    _land(risk_home, data_dir)
    result = dg.materialize([quarantine], resources={"lake": LakeResource(root=str(risk_home.root))})
    (event,) = result.get_asset_materialization_events()
    metadata = event.materialization.metadata
    assert metadata["dagster/row_count"].value == 2
    assert metadata["files_refused"].value == 1
    assert "non_positive_amount" in metadata["summary"].value and "minutes.csv" in metadata["refused_files"].value


def test_the_asset_lists_every_quarantined_value_with_its_file_line_column_and_rule(risk_home, data_dir):
    """The page gave a range per file and rule ('lines 637-898767') and the first value: 810 of the
    sample lake's 811 values could be found only at a shell. Under the cap each is a row of `values`."""
    amount = _land(risk_home, data_dir)
    result = dg.materialize([quarantine], resources={"lake": LakeResource(root=str(risk_home.root))})
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    assert "lines" not in metadata
    assert [record.data for record in metadata["values"].value.records] == [
        {"file": "lc_2024-07.csv", "line": 5, "column": "loan_amnt", "rule": "non_positive_amount",
         "raw_value": f"-{amount}", "message": f"column loan_amnt: '-{amount}' is a loan amount of zero or less",
         "asset": "raw_loans"},
        {"file": "lc_2024-07.csv", "line": 9, "column": "annual_inc", "rule": "unparsable_number",
         "raw_value": "TBD", "message": "column annual_inc: 'TBD' is not a number in the file's dialect; it holds no "
         "digit: a word or a mark where the number belongs (a placeholder such as 'TBD' or '?'): write the number, "
         "or leave the cell empty where it is unknown", "asset": "raw_loans"},
    ]
    assert [c.name for c in metadata["values"].value.schema.columns] == [
        "file", "line", "column", "rule", "raw_value", "message", "asset"]


def _quarantine_lines(risk_home, data_dir, lines: list[int]) -> None:
    """The landed lake of `_land` with `lines` of its file quarantined by raw_loans_values, rule term_positive."""
    _land(risk_home, data_dir)
    with connect(risk_home.lake_path) as con:
        con.executemany(
            "INSERT INTO quality.quarantine (asset, source_file, file_sha256, line, record_key, column_name, rule, "
            "raw_value, message, run_id, quarantined_at) SELECT 'raw_loans_values', source_file, file_sha256, ?, "
            "'sba:' || ?, 'term_months', 'term_positive', '0', 'term in months > 0', 'run-2', now() "
            "FROM quality.quarantine LIMIT 1", [[line, line] for line in lines])


def test_above_the_cap_the_asset_gives_every_line_as_ranges(risk_home, data_dir):
    lines = [637, *range(1204, 1211), 5192, 898766, 898767] + list(range(10_000, 12_000, 2))
    _quarantine_lines(risk_home, data_dir, lines)
    result = dg.materialize([quarantine], resources={"lake": LakeResource(root=str(risk_home.root))})
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    assert "values" not in metadata
    text = metadata["lines"].value
    head, term, *rest = text.split("\n\n", 1)[1].splitlines()
    assert text.startswith("1,013 values, more than the 1,000 listed one by one: every quarantined line by file "
                           "and rule. Each value with its column, raw text and message: "
                           "`risk-assets quarantine <file> --rule RULE --limit N`.\n\n")
    evens = ", ".join(str(n) for n in range(10_000, 12_000, 2))
    assert head == ("- **lc_2024-07.csv** `term_positive` (raw_loans_values), 1,011 values: "
                    f"lines 637, 1204-1210, 5192, {evens}, 898766-898767")
    assert sorted([term, *rest]) == [
        "- **lc_2024-07.csv** `non_positive_amount` (raw_loans), 1 value: lines 5",
        "- **lc_2024-07.csv** `unparsable_number` (raw_loans), 1 value: lines 9",
    ]


def test_ranges_past_the_budget_end_with_the_lines_left_and_the_command(risk_home, data_dir):
    _quarantine_lines(risk_home, data_dir, [637, 1204, 1205, 1206, 5192, 7000])
    with connect(risk_home.lake_path, read_only=True) as con:
        text = quarantined_lines(con, budget=20)
    assert text.splitlines()[0] == ("- **lc_2024-07.csv** `term_positive` (raw_loans_values), 6 values: lines 637, "
                                    "1204-1206, … and 2 more: `risk-assets quarantine lc_2024-07.csv --rule "
                                    "term_positive --limit 6`")
    assert line_ranges([1206, 637, 1204, 1205, 637]) == [(637, 637), (1204, 1206)]
    assert ranges_text(line_ranges([1206, 637, 1204, 1205, 9])) == "9, 637, 1204-1206"
