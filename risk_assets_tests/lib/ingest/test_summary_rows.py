"""Rows a tape holds for its reader, not loans: totals rows, footnotes and divider lines (non-data
lines of their own kinds, so the file still reconciles); vertically merged cells of a workbook's
data rows; a date cell where a workbook's id column holds text. Every tape is built from real rows
of the LendingClub and SBA samples: SBA loan numbers as ids, LendingClub amounts, incomes,
statuses and states."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
from itertools import islice
from pathlib import Path

import polars as pl
import pytest

from risk_assets.lib.ingest.loan_formats import parse_loan_file

openpyxl = pytest.importorskip("openpyxl")

N = 12
HEADER = ["Loan ID", "Issue Date", "Funded Amount", "Annual Income", "Status", "State", "Purpose"]


@pytest.fixture
def loans(data_dir) -> list[dict[str, object]]:
    """N loans: an SBA loan number and approval year as id and date, a LendingClub row's amount,
    income, status and state."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8", newline="") as handle:
        lc = list(islice(csv.DictReader(handle), N))
    with gzip.open(data_dir / "loans" / "sba_national.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        sba = list(islice(csv.DictReader(handle), N))
    return [{"Loan ID": s["LoanNr_ChkDgt"], "Issue Date": dt.datetime.strptime(s["ApprovalDate"], "%d-%b-%y").replace(year=2011),
             "Funded Amount": float(l["loan_amnt"]), "Annual Income": float(l["annual_inc"]),
             "Status": l["loan_status"], "State": l["addr_state"], "Purpose": "Total renovation" if i == 3 else "Sum Ltd" if i == 4 else ""}
            for i, (l, s) in enumerate(zip(lc, sba))]


def _mapping(folder: Path, glob: str, **extra) -> Path:
    folder.mkdir(exist_ok=True)
    columns = {"Loan ID": {"to": "source_loan_id"},
               "Issue Date": {"to": "origination_date", "type": "date"},
               "Funded Amount": {"to": "loan_amount", "type": "money"},
               "Annual Income": {"to": "annual_income", "type": "money"},
               "Status": {"to": "loan_status"}, "State": {"to": "addr_state"}}
    (folder / "acme.json").write_text(json.dumps({"name": "acme", "applies_to": [glob], "columns": columns,
                                                  "status_map": {"Fully Paid": 0, "Charged Off": 1, "": None}, **extra}))
    return folder


def _book(path: Path, rows: list[list[object]], merges: list[str] = (), above: int = 2) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Tape June"
    sheet.append(["ACME Consumer Finance - loan tape"])
    for _ in range(above - 1):
        sheet.append([])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    for ref in merges:
        sheet.merge_cells(ref)
    book.save(path)
    return path


def _row(loan: dict[str, object]) -> list[object]:
    return [loan[c] for c in HEADER]


def _kinds(parsed) -> list[tuple[int, str]]:
    return [(line, kind) for line, kind in parsed.non_data_lines if kind not in ("note", "blank")]


@pytest.mark.parametrize("totals", [
    ["Total", None, "amount", "income", None, None, None],          # the label in the id column
    [None, None, "amount", "income", "Grand Total", None, None],    # the label under another column, no id
    ["TOTAL:", None, "amount", None, None, None, None],              # capitals and a colon
    [None, None, "amount", "income", None, None, None],              # no label: the sums alone
])
def test_a_workbook_totals_row_and_footnote_are_non_data_and_the_loans_load(loans, tmp_path, totals):
    amount = sum(loan["Funded Amount"] for loan in loans)
    income = sum(loan["Annual Income"] for loan in loans)
    total = [amount if v == "amount" else income if v == "income" else v for v in totals]
    book = _book(tmp_path / "acme_2024-06.xlsx", [*map(_row, loans), total, [], ["Source: ACME servicing system"]])

    parsed = parse_loan_file(book, mapping_dirs=[_mapping(tmp_path / "m", "acme_*.xlsx")])

    parsed.reconcile()
    total_line = 3 + N + 1  # title, blank, header, then the loans
    assert parsed.rows.height == N and parsed.quarantine.height == 0
    assert parsed.rows["loan_amount"].sum() == amount
    assert sorted(parsed.rows["source_loan_id"].to_list()) == sorted(loan["Loan ID"] for loan in loans)
    assert _kinds(parsed) == [(total_line, "total_row"), (total_line + 2, "footer_note")]
    assert parsed.data_records + len(parsed.non_data_lines) == total_line + 2 - 1  # every sheet row but the header
    label = next((v for v in totals if isinstance(v, str) and v not in ("amount", "income")), "(no label)")
    assert parsed.notes["total_rows"] == [f"{total_line}: {label}"]
    assert parsed.notes["footer_notes"] == [f"{total_line + 2}: Source: ACME servicing system"]
    # a purpose 'Total renovation' and a borrower 'Sum Ltd' are no labels: their loans load
    assert json.loads(parsed.rows.filter(pl.col("_source_line") == 7)["source_fields"].item()) == {"Purpose": "Total renovation"}


def test_subtotals_per_group_and_a_grand_total_are_each_a_totals_row(loans, tmp_path):
    first, second = loans[:5], loans[5:]
    sub = lambda group: [None, None, sum(g["Funded Amount"] for g in group), None, "Subtotal", None, None]  # noqa: E731
    grand = [None, None, sum(g["Funded Amount"] for g in loans), None, "Grand Total", None, None]
    book = _book(tmp_path / "acme_2024-06.xlsx", [*map(_row, first), sub(first), *map(_row, second), sub(second), grand])

    parsed = parse_loan_file(book, mapping_dirs=[_mapping(tmp_path / "m", "acme_*.xlsx")])

    parsed.reconcile()
    assert parsed.rows.height == N and parsed.quarantine.height == 0
    assert _kinds(parsed) == [(9, "total_row"), (17, "total_row"), (18, "total_row")]


def test_a_totals_label_on_a_row_that_also_looks_like_a_loan_is_quarantined_not_dropped(loans, tmp_path):
    """Without an id, a row labelled 'Total' that holds a date and a status and whose amount is no
    sum may be a loan: quarantined under its own rule, on the label's column. A loan with a real id
    whose state cell says 'Total' loads: only an id cell or an id-less row carries a label."""
    odd = dict(loans[0], **{"Loan ID": None, "Purpose": "Total"})
    named = dict(loans[1], **{"State": "Total"})
    book = _book(tmp_path / "acme_2024-06.xlsx", [*map(_row, loans[2:]), _row(odd), _row(named)])

    parsed = parse_loan_file(book, mapping_dirs=[_mapping(tmp_path / "m", "acme_*.xlsx")])

    parsed.reconcile()
    assert parsed.rows.height == N - 1 and _kinds(parsed) == []
    ((line, column, rule, raw),) = parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows()
    assert (line, column, rule, raw) == (3 + N - 1, "Purpose", "total_row_unclear", "Total")
    assert parsed.rows.filter(pl.col("addr_state") == "Total")["source_loan_id"].to_list() == [loans[1]["Loan ID"]]


def _parse_csv(tmp_path: Path, lines: list[list[object]]):
    """`lines` written as ACME's CSV tape and read through its mapping; every record reconciles and
    the N loans load with nothing quarantined."""
    path = tmp_path / "acme_2024-06.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(lines)
    parsed = parse_loan_file(path, mapping_dirs=[_mapping(tmp_path / "m", "acme_*.csv")])
    parsed.reconcile()
    assert parsed.rows.height == N and parsed.quarantine.height == 0
    return parsed


def test_a_csv_tape_reads_its_totals_footer_and_divider_lines_as_non_data(loans, tmp_path):
    """The same rows in a mapped CSV: a totals line, a one-field divider between loans (alone and
    padded with delimiters) and a footnote; with optional columns the divider would have loaded as
    a loan keyed by its text."""
    lines = [HEADER]
    for i, loan in enumerate(loans):
        lines.append([loan["Loan ID"], loan["Issue Date"].date().isoformat(), f"${loan['Funded Amount']:,.2f}",
                      loan["Annual Income"], loan["Status"], loan["State"], loan["Purpose"]])
        if i == 5:
            lines.append(["Loans that do not meet the credit policy"])
        if i == 8:
            lines.append(["Loans that do not meet the credit policy", "", "", "", "", "", ""])
    amount = sum(loan["Funded Amount"] for loan in loans)
    lines += [["Total", "", f"{amount:,.2f}", "", "", "", ""], ["Source: ACME servicing system"]]

    parsed = _parse_csv(tmp_path, lines)

    assert parsed.rows["loan_amount"].sum() == amount
    assert _kinds(parsed) == [(8, "section_label"), (12, "section_label"), (16, "total_row"), (17, "footer_note")]
    assert parsed.notes["section_labels"] == ["8: Loans that do not meet the credit policy",
                                              "12: Loans that do not meet the credit policy"]


@pytest.mark.parametrize(("subtotal", "grand"), [
    ("{} Total", "Grand Total"),  # Excel in English
    ("{} Ergebnis", "Gesamtergebnis"),  # German
    ("Total {}", "Total général"),  # French
], ids=["english", "german", "french"])
def test_excel_subtotals_by_group_are_totals_rows_and_a_loan_text_ending_so_stays_a_loan(loans, tmp_path,
                                                                                           subtotal, grand):
    """Excel's Data > Subtotal, by State, writes a row under each group whose State cell reads
    `AZ Total` and whose amounts are the group's sums, other cells empty: 21 such rows of a tape were
    quarantined as loans missing their term and status. They are totals rows now; a loan whose
    unmapped text ends so ('Allied Total') is still a loan."""
    by_state = sorted(loans, key=lambda loan: loan["State"])
    by_state[0] = {**by_state[0], "Purpose": f"Allied {subtotal.format('Co').split()[-1]}"}
    lines, groups = [HEADER], 0
    for state in sorted({loan["State"] for loan in by_state}):
        group = [loan for loan in by_state if loan["State"] == state]
        for loan in group:
            lines.append([loan["Loan ID"], loan["Issue Date"].date().isoformat(), f"{loan['Funded Amount']:.2f}",
                          loan["Annual Income"], loan["Status"], loan["State"], loan["Purpose"]])
        lines.append(["", "", f"{sum(g['Funded Amount'] for g in group):.2f}", "", "", subtotal.format(state), ""])
        groups += 1
    lines.append(["", "", f"{sum(g['Funded Amount'] for g in loans):.2f}", "", "", grand, ""])

    parsed = _parse_csv(tmp_path, lines)

    assert [kind for _, kind in _kinds(parsed)] == ["total_row"] * (groups + 1)
    assert parsed.notes["total_rows"][-1].endswith(f": {grand}")
    assert parsed.notes["total_rows"][0].endswith(": " + subtotal.format(by_state[0]["State"]))
    assert parsed.rows["loan_amount"].sum() == sum(loan["Funded Amount"] for loan in loans)


def test_a_lendingclub_workbook_totals_row_is_non_data(data_dir, tmp_path):
    """The built-in format: 'Total' under loan_status and the sums of loan_amnt and annual_inc."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header, rows = next(reader), list(islice(reader, 15))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append([float(v) if c in ("loan_amnt", "annual_inc") else v for c, v in zip(header, row)])
    total = [None] * len(header)
    total[header.index("loan_amnt")] = sum(float(r[header.index("loan_amnt")]) for r in rows)
    total[header.index("loan_status")] = "Total"
    sheet.append(total)
    book.save(tmp_path / "lc.xlsx")

    parsed = parse_loan_file(tmp_path / "lc.xlsx")

    parsed.reconcile()
    assert parsed.format == "lendingclub" and parsed.rows.height == 15 and parsed.quarantine.height == 0
    assert _kinds(parsed) == [(17, "total_row")]


def test_lendingclub_csv_subtotals_by_state_are_totals_rows_and_an_id_less_loan_labelled_so_is_not(data_dir, tmp_path):
    """The built-in format has no loan id, so any row could be a subtotal: Excel's `AZ Total` rows
    (the state's sum of loan_amnt, every other cell empty) are totals rows, and a loan whose state
    cell was typed `CA Total` but which holds its term, status and the rest stays a loan (the value
    check on addr_state then quarantines it)."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header, rows = next(reader), sorted(islice(reader, 20), key=lambda r: r[7])
    state, amount = header.index("addr_state"), header.index("loan_amnt")
    assert state == 7
    rows[0][state] = rows[0][state] + " Total"  # a slip on a loan: not a subtotal
    lines, subtotals = [header], 0
    for value in sorted({r[state] for r in rows[1:]}):
        group = [r for r in rows[1:] if r[state] == value]
        lines += group
        lines.append(["" if c != amount else str(sum(float(r[amount]) for r in group)) for c in range(len(header))])
        lines[-1][state] = f"{value} Total"
        subtotals += 1
    lines.insert(1, rows[0])
    path = tmp_path / "lc_by_state.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(lines)

    parsed = parse_loan_file(path)

    parsed.reconcile()
    assert parsed.format == "lendingclub" and parsed.quarantine.height == 0 and parsed.rows.height == 20
    assert [kind for _, kind in _kinds(parsed)] == ["total_row"] * subtotals
    assert parsed.rows.filter(pl.col("_source_line") == 2)["addr_state"].item() == rows[0][state]


def test_vertically_merged_data_cells_give_their_value_to_every_row_they_cover(loans, tmp_path):
    """A report that groups its loans: State merged over each run of equal states, Status over runs
    of equal statuses; the merged group header above the header stays a note."""
    ordered = sorted(loans, key=lambda loan: (loan["State"], loan["Status"]))
    rows = [_row(loan) for loan in ordered]
    merges = []
    for column, key in ((6, lambda loan: loan["State"]), (5, lambda loan: (loan["State"], loan["Status"]))):
        start = 0
        for i in range(1, len(ordered) + 1):
            if i == len(ordered) or key(ordered[i]) != key(ordered[start]):
                if i - start > 1:
                    letter = "ABCDEFG"[column - 1]
                    merges.append(f"{letter}{start + 4}:{letter}{i + 3}")
                    for row in rows[start + 1:i]:
                        row[column - 1] = None  # Excel keeps the value in the top-left cell only
                start = i
    assert merges, "the sample rows must hold a run to merge"
    book = _book(tmp_path / "acme_2024-06.xlsx", rows, merges=[*merges, "A2:C2"])
    covered = sum(int(ref.split(":")[1][1:]) - int(ref.split(":")[0][1:]) for ref in merges)

    parsed = parse_loan_file(book, mapping_dirs=[_mapping(tmp_path / "m", "acme_*.xlsx")])

    parsed.reconcile()
    got = {r["source_loan_id"]: (r["loan_status"], r["addr_state"]) for r in parsed.rows.iter_rows(named=True)}
    assert got == {loan["Loan ID"]: (loan["Status"], loan["State"]) for loan in loans}
    assert parsed.rows["default_flag"].null_count() == 0
    assert sum(parsed.notes["merged_cells_filled"].values()) == covered
    assert parsed.non_data_lines[:2] == [(1, "note"), (2, "note")]


def test_a_merged_block_over_data_rows_is_named_in_the_notes(loans, tmp_path):
    book = _book(tmp_path / "acme_2024-06.xlsx", [*map(_row, loans), ["Figures unaudited, see the servicer report"]],
                 merges=[f"A{N + 4}:G{N + 5}"])

    parsed = parse_loan_file(book, mapping_dirs=[_mapping(tmp_path / "m", "acme_*.xlsx")])

    parsed.reconcile()
    assert parsed.rows.height == N
    assert parsed.notes["merged_ranges_not_filled"] == [f"A{N + 4}:G{N + 5}"]
    assert _kinds(parsed) == [(N + 4, "footer_note")]


def test_an_id_that_excel_turned_into_a_date_is_quarantined_with_its_cell(loans, tmp_path):
    rows = [_row(loan) for loan in loans]
    rows[2][0] = dt.datetime(2024, 3, 12)  # '3-12' typed into a General cell
    book = _book(tmp_path / "acme_2024-06.xlsx", rows)

    parsed = parse_loan_file(book, mapping_dirs=[_mapping(tmp_path / "m", "acme_*.xlsx")])

    parsed.reconcile()
    assert parsed.rows.height == N - 1
    ((line, column, rule, raw, message),) = parsed.quarantine.select("line", "column_name", "rule", "raw_value", "message").rows()
    assert (line, column, rule, raw) == (6, "Loan ID", "date_cell_in_text_column", "2024-03-12")
    assert "Excel turned the text typed" in message
    # a date cell under a date column is a date, as before
    assert parsed.rows.filter(pl.col("_source_line") == 4)["origination_date"].item() == loans[0]["Issue Date"].date()


@pytest.mark.parametrize("mark", ["'", "\u2019", "\u2009", "\u202f"])
def test_a_totals_line_grouped_as_its_amounts_are_is_a_totals_line(loans, tmp_path, mark):
    """A tape whose amounts are grouped by an apostrophe or a thin space (Swiss, French typesetting:
    24'000.00, 24 000.00) writes its short totals line (the label and the sum, not the header's
    width) so too: it is a totals line, not a malformed record."""
    def grouped(value: float) -> str:
        return f"{value:,.2f}".replace(",", mark)

    lines = [HEADER] + [[loan["Loan ID"], loan["Issue Date"].date().isoformat(), grouped(loan["Funded Amount"]),
                         loan["Annual Income"], loan["Status"], loan["State"], loan["Purpose"]] for loan in loans]
    amount = sum(loan["Funded Amount"] for loan in loans)
    lines.append(["Total", grouped(amount)])

    parsed = _parse_csv(tmp_path, lines)

    assert parsed.rows["loan_amount"].sum() == pytest.approx(amount)
    assert _kinds(parsed) == [(2 + N, "total_row")]


@pytest.mark.parametrize("shape", ["short", "padded", "one_cell"])
def test_a_reports_record_count_and_labelled_total_below_the_loans_are_a_checked_footer(loans, tmp_path, shape):
    """A core-banking report ends in a footer block: a blank line, `Total Records:,12`, `Total Funded
    Amount:,"USD 123,456.00"` and who ran it. The first two were quarantined as malformed loans, and
    the count was never compared. Now the count is a `row_count` line checked against the file's
    records, the labelled total a `total_row`, whether the writer left the lines short, padded them
    to the header's width or wrote label and count in one cell."""
    lines = [HEADER] + [[loan["Loan ID"], loan["Issue Date"].date().isoformat(), f"{loan['Funded Amount']:.2f}",
                         loan["Annual Income"], loan["Status"], loan["State"], loan["Purpose"]] for loan in loans]
    amount = sum(loan["Funded Amount"] for loan in loans)
    count = {"short": ["Total Records:", str(N)], "padded": ["Number of loans", str(N), "", "", "", "", ""],
             "one_cell": [f"Record count: {N}"]}[shape]
    lines += [[], count, ["Total Funded Amount:", f"USD {amount:,.2f}"], ["Report run by: JSMITH on 07/01/2024 06:12"]]

    parsed = _parse_csv(tmp_path, lines)

    assert _kinds(parsed) == [(N + 3, "row_count"), (N + 4, "total_row"), (N + 5, "footer_note")]
    # the short total line names its column: its amount is checked against that column's sum too
    assert parsed.notes["footer_totals"] == {
        f"row count, line {N + 3}": {"line": N + 3, "stated": N, "records": N, "matches": True},
        f"total row, line {N + 4}: Funded Amount": {
            "line": N + 4, "footer": "Total Funded Amount:", "column": "Funded Amount", "target": "loan_amount",
            "stated": pytest.approx(amount), "summed": pytest.approx(amount), "rows": N, "matches": True}}
    assert parsed.notes["total_rows"] == [f"{N + 4}: Total Funded Amount:"]


@pytest.mark.parametrize("short_line", [
    lambda total: ["Total", "", f"{total:.2f}"],                   # under Funded Amount, cut after it
    lambda total: ["Total Funded Amount:", f"USD {total:,.2f}"],   # its label names the column
    lambda total: ["Total", f"{total:,.2f}"],                      # under Issue Date: the sum tells the column
])
def test_a_short_totals_line_is_checked_against_the_loans_above_it(loans, tmp_path, short_line):
    """A short totals line (the label and the sum, fewer cells than the header) is set aside as a
    `total_row`. Before, its amount was never compared, so a tape that lost a loan line on the way
    landed with nothing said. Now the amount is placed under the column the line names, the column
    it stands under, or, when neither tells, the money column whose sum it matches or is nearest to,
    and checked as a full-width totals row is: the whole tape's sum matches; with a loan line cut out
    of the copy, `raw_loans_footer_totals`' rule names the line, both sums and the difference."""
    row = lambda loan: [loan["Loan ID"], loan["Issue Date"].date().isoformat(), f"{loan['Funded Amount']:.2f}",
                        loan["Annual Income"], loan["Status"], loan["State"], loan["Purpose"]]
    amount = sum(loan["Funded Amount"] for loan in loans)
    lines = [HEADER] + [row(loan) for loan in loans] + [short_line(amount)]
    parsed = _parse_csv(tmp_path, lines)
    ((key, entry),) = parsed.notes["footer_totals"].items()
    assert key == f"total row, line {N + 2}: Funded Amount"
    assert (entry["stated"], entry["summed"], entry["rows"], entry["matches"]) == (
        pytest.approx(amount), pytest.approx(amount), N, True)

    lost = loans[5]  # the copy that landed lost one loan's line; the total still counts it
    path = tmp_path / "acme_2024-07.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER] + [row(loan) for loan in loans if loan is not lost] + [short_line(amount)])
    cut = parse_loan_file(path, mapping_dirs=[_mapping(tmp_path / "m2", "acme_*.csv")])
    cut.reconcile()
    assert cut.rows.height == N - 1 and cut.quarantine.height == 0
    ((key, entry),) = cut.notes["footer_totals"].items()
    assert key == f"total row, line {N + 1}: Funded Amount" and entry["matches"] is False
    assert entry["summed"] == pytest.approx(amount - lost["Funded Amount"])

    from risk_assets.lib.quality.footers import _total_row_mismatch

    said = _total_row_mismatch(entry, 0)
    assert said.startswith(f"the totals row {entry['footer']!r} states Funded Amount")
    assert f"{-lost['Funded Amount']:+,.2f}" in said and "a loan line was lost before the file landed" in said
    assert ("the line does not say which column it totals" in said) == (short_line(0)[1] == "0.00")


def test_a_short_totals_line_of_several_amounts_under_no_money_column_is_named_unchecked(loans, tmp_path):
    """Two amounts under columns that hold no money (Issue Date, Status): which column each totals
    cannot be told, so the line is not compared, and says so (a failed `raw_loans_footer_totals`
    rule, WARN), rather than being set aside as if checked."""
    lines = [HEADER] + [[loan["Loan ID"], loan["Issue Date"].date().isoformat(), f"{loan['Funded Amount']:.2f}",
                         loan["Annual Income"], loan["Status"], loan["State"], loan["Purpose"]] for loan in loans]
    lines.append(["Total", "1,000.00", "", "", "2,000.00"])
    parsed = _parse_csv(tmp_path, lines)
    assert parsed.notes["footer_totals"] == {f"total row, line {N + 2}": {
        "line": N + 2, "footer": "Total", "checked": False,
        "reason": "which column it totals cannot be told: its label names no money column of the mapping "
                  "(Funded Amount, Annual Income), and its amounts do not stand under one ('1,000.00' under "
                  "'Issue Date', '2,000.00' under 'Status')"}}


@pytest.mark.parametrize("amount", ["GBP 100", "1.2.3"])
def test_a_bare_totals_line_whose_amount_no_money_column_reads_is_one_unchecked_entry(loans, tmp_path, amount):
    """'Total,GBP 100' on a USD tape: the text looks like an amount, yet neither money column reads it,
    so no sum can tell its column. The whole tape failed to land with `min() arg is an empty
    sequence`; now its loans land and the line is one entry saying it was not compared."""
    lines = [HEADER] + [[loan["Loan ID"], loan["Issue Date"].date().isoformat(), f"{loan['Funded Amount']:.2f}",
                         loan["Annual Income"], loan["Status"], loan["State"], loan["Purpose"]] for loan in loans]
    lines.append(["Total", amount])
    parsed = _parse_csv(tmp_path, lines)
    parsed.reconcile()
    assert parsed.rows.height == N and parsed.quarantine.height == 0
    assert _kinds(parsed) == [(N + 2, "total_row")]
    assert parsed.notes["footer_totals"] == {f"total row, line {N + 2}": {
        "line": N + 2, "footer": "Total", "checked": False, "reason": f"its amount ({amount!r}) is no amount"}}


def test_a_record_count_that_disagrees_with_the_file_fails_and_one_above_a_loan_is_not_checked(loans, tmp_path):
    """A copy that lost a loan line still states the full count: the footer check says 12 stated, 11
    records. A labelled count with loans below it (a section's) is a totals line, not the file's count."""
    row = lambda loan: [loan["Loan ID"], loan["Issue Date"].date().isoformat(), f"{loan['Funded Amount']:.2f}",
                        loan["Annual Income"], loan["Status"], loan["State"], loan["Purpose"]]
    path = tmp_path / "acme_2024-06.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *map(row, loans[:5]), ["Total Records:", "5"], *map(row, loans[6:]),
                                      ["Total Records:", str(N)]])
    parsed = parse_loan_file(path, mapping_dirs=[_mapping(tmp_path / "m", "acme_*.csv")])

    parsed.reconcile()
    assert parsed.rows.height == N - 1 and parsed.quarantine.height == 0
    assert _kinds(parsed) == [(7, "total_row"), (N + 2, "row_count")]
    assert parsed.notes["footer_totals"] == {f"row count, line {N + 2}": {
        "line": N + 2, "stated": N, "records": N - 1, "matches": False}}


def _tape_row(loan: dict[str, object]) -> list[object]:
    return [loan["Loan ID"], loan["Issue Date"].date().isoformat(), f"{loan['Funded Amount']:.2f}",
            loan["Annual Income"], loan["Status"], loan["State"], loan["Purpose"]]


@pytest.mark.parametrize("shape", ["units_row", "short", "label_off_id", "unlabelled"])
def test_a_totals_row_above_the_loans_is_checked_against_the_loans_below_it(loans, tmp_path, shape):
    """A report that prints its summary line before its detail: `TOTAL,,343800,...` directly under
    the header (and its units row). Only the rows above a total were summed, so the file warned
    `raw_loans_footer_totals` with 'stated 343800, summed 0, rows 0'. Now a totals row with no loan
    above it is checked against the loans below it, and a loan line lost on the way still fails."""
    amount = sum(loan["Funded Amount"] for loan in loans)
    income = sum(loan["Annual Income"] for loan in loans)
    top = {"units_row": [["", "YYYY-MM-DD", "USD", "USD", "", "", ""], ["TOTAL", "", f"{amount:.2f}", "", "", "", ""]],
           "short": [["Total", "", f"{amount:,.2f}"]],
           "label_off_id": [["", "", f"{amount:.2f}", "", "Grand Total", "", ""]],
           "unlabelled": [["", "", f"{amount:.2f}", f"{income:.2f}", "", "", ""]]}[shape]
    at = 1 + len(top)  # the totals row's line
    label = {"units_row": "TOTAL", "short": "Total", "label_off_id": "Grand Total", "unlabelled": "(no label)"}[shape]
    parsed = _parse_csv(tmp_path, [HEADER, *top, *map(_tape_row, loans)])

    assert (at, "total_row") in _kinds(parsed)
    assert parsed.notes["footer_totals"][f"total row, line {at}: Funded Amount"] == {
        "line": at, "footer": label, "column": "Funded Amount", "target": "loan_amount",
        "stated": pytest.approx(amount), "summed": pytest.approx(amount), "rows": N, "below": True, "matches": True}

    lost = loans[5]  # a copy that lost one loan's line: the summary line still counts it
    path = tmp_path / "acme_2024-07.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *top, *(_tape_row(loan) for loan in loans if loan is not lost)])
    cut = parse_loan_file(path, mapping_dirs=[_mapping(tmp_path / "m2", "acme_*.csv")])
    cut.reconcile()
    if shape == "unlabelled":  # a total only by its sum: without it, a record with no id, never dropped
        assert (at, "total_row") not in cut.non_data_lines
        assert cut.rows.height + cut.quarantine["line"].n_unique() == N
        return
    entry = cut.notes["footer_totals"][f"total row, line {at}: Funded Amount"]
    assert (entry["summed"], entry["rows"], entry["below"], entry["matches"]) == (
        pytest.approx(amount - lost["Funded Amount"]), N - 1, True, False)

    from risk_assets.lib.quality.footers import _total_row_mismatch

    said = _total_row_mismatch(entry, 0)
    assert f"the {N - 1} record(s) below it, loaded and quarantined alike, sum to" in said
    assert f"{-lost['Funded Amount']:+,.2f}" in said


def test_a_totals_row_above_a_section_is_checked_against_that_section_or_every_loan_below(loans, tmp_path):
    """A summary line over the first section only (a divider opens the second): it matches the loans
    up to the divider, its group; one over the whole file matches them all. A totals row with loans
    above it keeps its meaning: the sum of the loans above it."""
    first, second = loans[:6], loans[6:]
    sums = [sum(loan["Funded Amount"] for loan in part) for part in (first, second)]
    lines = [HEADER, ["Total", "", f"{sums[0]:.2f}", "", "", "", ""], *map(_tape_row, first),
             ["Loans that do not meet the credit policy"], *map(_tape_row, second),
             ["Total", "", f"{sum(sums):.2f}", "", "", "", ""]]
    parsed = _parse_csv(tmp_path, lines)

    divider, bottom = 3 + len(first), 4 + N
    assert _kinds(parsed) == [(2, "total_row"), (divider, "section_label"), (bottom, "total_row")]
    assert parsed.notes["footer_totals"] == {
        "total row, line 2: Funded Amount": {
            "line": 2, "footer": "Total", "column": "Funded Amount", "target": "loan_amount",
            "stated": pytest.approx(sums[0]), "summed": pytest.approx(sum(sums)), "rows": N, "below": True,
            "group": {"until": divider, "summed": pytest.approx(sums[0]), "rows": len(first)}, "matches": True},
        f"total row, line {bottom}: Funded Amount": {
            "line": bottom, "footer": "Total", "column": "Funded Amount", "target": "loan_amount",
            "stated": pytest.approx(sum(sums)), "summed": pytest.approx(sum(sums)), "rows": N,
            "group": {"since": 2, "summed": pytest.approx(sum(sums)), "rows": N}, "matches": True}}


@pytest.mark.parametrize("trailer", [
    [["TOTAL LOANS: 12", "", "", "", "", "", ""], ["Count", "12", "", "", "", "", ""]],  # a report's two trailers
    [["Count", "12"]],
    [["Record count: 12"]],
    [["Rows: 12", "", "", "", "", "", ""]],
    [["Number of records", "12"]],
    [["Trailer|12"]],
    [["T", "12"]],
    [["TRL", "000012"]],
    [["Records", "12"]],
    [["12 records"]],
    [["Total count:", "12"], ["Report run by: JSMITH on 07/01/2024 06:12"]],
])
def test_a_record_count_trailer_below_the_loans_is_a_checked_row_count_not_a_loan(loans, tmp_path, trailer):
    """`Count,10,,,` under the last loan loaded as loan id `Count` and was quarantined twice (its
    '10' no date, its empty status unknown); `TOTAL LOANS: 10` above it was taken for a divider
    between loans. A line of a label and a count alone below every loan, in the words export tools
    write, is the file's `row_count`, kept with its text and checked against the records it holds."""
    lines = [HEADER, *map(_tape_row, loans), *trailer]
    parsed = _parse_csv(tmp_path, lines)

    counts = [N + 2 + k for k, line in enumerate(trailer) if "Report run by" not in line[0]]
    assert [kind for line, kind in _kinds(parsed) if line in counts] == ["row_count"] * len(counts)
    assert parsed.notes["footer_totals"] == {f"row count, line {line}": {
        "line": line, "stated": N, "records": N, "matches": True} for line in counts}
    assert "section_labels" not in parsed.notes

    path = tmp_path / "acme_2024-07.csv"  # a copy that lost a loan's line: the trailer says so
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *map(_tape_row, loans[1:]), *trailer])
    cut = parse_loan_file(path, mapping_dirs=[_mapping(tmp_path / "m2", "acme_*.csv")])
    cut.reconcile()
    assert cut.rows.height == N - 1 and cut.quarantine.height == 0
    assert {entry["matches"] for entry in cut.notes["footer_totals"].values()} == {False}


def test_a_loan_whose_id_is_a_trailer_word_stays_a_loan(loans, tmp_path):
    """A loan with the id 'Count' or 'T' and its values is a loan: a trailer holds its count alone.
    A count line with a loan below it is no trailer either: it stays a record (quarantined)."""
    last = {**loans[-1], "Loan ID": "Count"}
    parsed = _parse_csv(tmp_path, [HEADER, *map(_tape_row, loans[:-1]), _tape_row(last)])
    assert parsed.rows["source_loan_id"].to_list()[-1] == "Count" and _kinds(parsed) == []

    path = tmp_path / "acme_2024-07.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *map(_tape_row, loans[:5]), ["T", "5"], *map(_tape_row, loans[5:])])
    mid = parse_loan_file(path, mapping_dirs=[_mapping(tmp_path / "m2", "acme_*.csv")])
    mid.reconcile()
    assert mid.rows.height == N and (7, "row_count") not in mid.non_data_lines
    assert mid.quarantine.filter(pl.col("line") == 7).height >= 1


@pytest.mark.parametrize("delimiter", ["|", "\t", ","])
def test_a_trailer_with_its_count_and_amount_total_closes_a_lendingclub_tape_in_any_delimiter(data_dir, tmp_path, delimiter):
    """`TRL|000009|99999.00` under a pipe-separated LendingClub tape (no mapping) was counted as a
    record and quarantined `malformed_record` (advising `pad_short_rows`), and its count never met
    the file's; `TRL,000040` alone was a checked row count. A trailer's label, count and amount
    total below the last loan is the file's `row_count` in any delimiter, its count checked."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8", newline="") as handle:
        columns, *lc = islice(csv.reader(handle), 6)
    total = sum(float(row[0]) for row in lc)
    path = tmp_path / "lc_export.txt"
    path.write_text("\n".join(delimiter.join(row) for row in [columns, *lc, ["TRL", "000009", f"{total:.2f}"]]) + "\n")
    parsed = parse_loan_file(path)

    parsed.reconcile()
    assert parsed.rows.height == 5 and parsed.quarantine.height == 0
    assert (7, "row_count") in parsed.non_data_lines
    assert parsed.notes["footer_totals"] == {"row count, line 7": {"line": 7, "stated": 9, "records": 5, "matches": False}}


@pytest.mark.parametrize(("delimiter", "trailer"), [(",", "|"), (",", "\t"), ("|", ","), ("\t", "|"), (",", ";")])
def test_a_trailer_in_another_delimiter_than_the_files_is_a_checked_row_count(data_dir, tmp_path, delimiter, trailer):
    """`TRL|000006|...` under a comma LendingClub tape (the trailer written by another program than
    the rows) was a one-field record, quarantined `malformed_record` advising `pad_short_rows`, and
    counted among the file's rows, so a tape of 5 loans whose trailer states 6 reconciled and the lost
    loan went unreported. It is the file's `row_count`, its count checked against the 5 records."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8", newline="") as handle:
        columns, *lc = islice(csv.reader(handle), 6)
    total = sum(float(row[0]) for row in lc)
    path = tmp_path / "lc_export.txt"
    path.write_text("\n".join([*(delimiter.join(row) for row in [columns, *lc]),
                                trailer.join(["TRL", "000006", f"{total:.2f}"])]) + "\n")
    parsed = parse_loan_file(path)

    parsed.reconcile()
    assert parsed.rows.height == 5 and parsed.quarantine.height == 0
    assert parsed.non_data_lines == [(7, "row_count")]
    assert parsed.notes["footer_totals"] == {"row count, line 7": {"line": 7, "stated": 6, "records": 5, "matches": False}}


def test_a_header_over_a_zero_count_trailer_in_another_delimiter_lands_empty(data_dir, tmp_path):
    """A comma header over `TRL|000000|0.00` (a day with no loans) lands empty, as it does over
    `TRL,000000,0.00`: the trailer is no malformed loan."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8", newline="") as handle:
        columns = next(csv.reader(handle))
    path = tmp_path / "lc_empty.csv"
    path.write_text(",".join(columns) + "\nTRL|000000|0.00\n")
    parsed = parse_loan_file(path)

    parsed.reconcile()
    assert parsed.rows.height == 0 and parsed.quarantine.height == 0
    assert parsed.non_data_lines == [(2, "row_count")]
    assert parsed.notes["footer_totals"] == {"row count, line 2": {"line": 2, "stated": 0, "records": 0, "matches": True}}


@pytest.mark.parametrize(("text", "said"), [
    ("TRL|000000|0.00\n", "its only line, 'TRL|000000|0.00', is a trailer (control record) stating 0 loans, with no "
     "header above: a control record of zero loans written without the tape's header, so neither its layout nor its "
     "book can be told, and it holds no loan to land: nothing is lost. If the source had loans for this date, ask for "
     "the tape again with its header and records; a tape of no loans lands with its header above the trailer"),
    ("TRL,000003,15000.00\r\n", "its only line, 'TRL,000003,15000.00', is a trailer (control record) stating 3 loans, "
     "with no header above and none of the loans it counts: a copy that lost its header and records (cut, or "
     "written before its records were); ask for the tape again and land the whole file"),
])
def test_a_file_holding_only_a_trailer_is_refused_as_the_control_record_it_is(tmp_path, text, said):
    """A file whose only line is a trailer was refused as 'a part of a file cut without its header'
    (split -l): it is a control record with no header, and says how many loans it counts."""
    from risk_assets.lib.ingest.parsed import FileRefused

    path = tmp_path / "trailer_only.csv"
    path.write_bytes(text.encode())
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(path)
    assert str(refused.value) == f"{path}: {said}"
