"""Real rows made messy the way real exports and hand edits make them: a quote typed as inches, a
separator in the wrong place, a truncated download, a spreadsheet's UTF-16 or old-Mac export, a
32-bit overflow, a rate written as a fraction, a long or multi-line article. Each file must load
every record or quarantine it with its rule (or be refused with a message naming the file);
none may lose a row or change a value silently."""

from __future__ import annotations

import csv
import gzip
import json
from datetime import datetime
import re
from itertools import islice
from pathlib import Path

import polars as pl
import pytest

from risk_assets.lib.ingest import csv_text
from risk_assets.lib.ingest.loan_formats import parse_loan_file
from risk_assets.lib.ingest.news_formats import _feed_delimiter, parse_news_file
from risk_assets.lib.ingest.parsed import FileRefused

COLUMNS = ["loan_amount", "term_months", "annual_income", "delinq_2yrs", "revol_bal", "revol_util", "default_flag"]


@pytest.fixture
def lc_lines(data_dir) -> list[str]:
    """The header and the first 6 loans of the real LendingClub file, line ends removed."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        return [line.rstrip("\r\n") for line in islice(handle, 7)]


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _with_emp_titles(lc_lines: list[str], tmp_path: Path, titles: dict[int, str]) -> Path:
    """The loans with an emp_title column ('Clerk'), the loan on each physical line of `titles`
    titled as written (quotes and all)."""
    lines = [lc_lines[0] + ",emp_title"] + [row + ",Clerk" for row in lc_lines[1:]]
    for line, title in titles.items():
        lines[line - 1] = lc_lines[line - 1] + "," + title
    return _write(tmp_path / "lc.csv", lines)


def _with_emp_title(lc_lines: list[str], tmp_path: Path, line: int, title: str) -> Path:
    return _with_emp_titles(lc_lines, tmp_path, {line: title})


def _values(parsed) -> list[tuple]:
    return parsed.rows.select("_source_line", *COLUMNS).rows()


def _quarantined(parsed) -> list[tuple]:
    return parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows()


def test_a_quote_typed_inside_a_text_field_swallows_no_loans(lc_lines, tmp_path):
    """`Operator 12" press`: one quote in an unquoted field used to open a quoted field that ran to
    the end of the file, turning 5 loans into one malformed record."""
    parsed = parse_loan_file(_with_emp_title(lc_lines, tmp_path, 3, 'Operator 12" press'))
    parsed.reconcile()
    assert parsed.data_records == 6 and parsed.quarantine.height == 0
    assert parsed.rows["_source_line"].to_list() == [2, 3, 4, 5, 6, 7]
    assert parsed.rows.filter(pl.col("_source_line") == 3)["loan_amount"].item() == 2500
    original = parse_loan_file(_write(tmp_path / "original.csv", lc_lines))
    assert _values(parsed) == _values(original)


def test_a_quote_that_never_closes_costs_its_own_line_only(lc_lines, tmp_path):
    parsed = parse_loan_file(_with_emp_title(lc_lines, tmp_path, 3, '"Operator, press'))
    parsed.reconcile()
    assert parsed.rows["_source_line"].to_list() == [2, 4, 5, 6, 7]
    assert [(line, rule) for line, _, rule, _ in _quarantined(parsed)] == [(3, "malformed_record")]


def test_two_quotes_typed_as_inches_in_one_column_swallow_no_loans(lc_lines, tmp_path):
    """`12" press` on line 3 and `6" pipe` on line 5: the two text quotes pair up by parity, and the
    lines between them have the header's field count when the quotes sit in the same column; the
    group is still not one record as a CSV reader reads it (a quote inside an unquoted field is text),
    so it is split again and every loan loads with its own values."""
    parsed = parse_loan_file(_with_emp_titles(lc_lines, tmp_path, {3: 'Operator 12" press', 5: 'Welder 6" pipe'}))
    parsed.reconcile()
    assert parsed.quarantine.height == 0
    assert parsed.rows["_source_line"].to_list() == [2, 3, 4, 5, 6, 7]
    original = parse_loan_file(_write(tmp_path / "original.csv", lc_lines))
    assert _values(parsed) == _values(original)


@pytest.mark.parametrize("where, expected", [(3, "malformed_record"), (7, "cut_in_quoted_field")])
def test_a_quoted_field_never_closed_is_quarantined_on_any_line(lc_lines, tmp_path, where, expected):
    """An opening quote with no closing one is malformed wherever it is, the last line included
    (where a lenient reader would load the field with its quote dropped). On the last line the file
    ends inside that quoted field, as a copy cut short does: its own rule says so."""
    parsed = parse_loan_file(_with_emp_titles(lc_lines, tmp_path, {where: '"Operator, press'}))
    parsed.reconcile()
    assert [(line, rule) for line, _, rule, _ in _quarantined(parsed)] == [(where, expected)]
    assert parsed.rows["_source_line"].to_list() == [n for n in range(2, 8) if n != where]


@pytest.mark.parametrize("title", ['"Operator 12" press\nfor my shop"',           # the stray quote on the first line
                                   '"Operator\nfor my 12" press"',                # ... on the last
                                   '"Operator 12" press\nfor my\nshop, Tucson"'])  # over three lines, a comma in it
def test_a_quoted_field_over_lines_with_a_quote_not_doubled_is_one_quarantined_record(lc_lines, tmp_path, title):
    """A quoted emp_title typed with a hard return that also holds a quote for inches, not doubled:
    quote parity leaves its first line even and its last odd, so the loan was read as two records,
    its first line malformed and its last (`for my shop"`) a one-cell line taken for a divider
    between loans (`section_label`). It is one record, quarantined whole with all its lines, and
    the loans after it load with their own values."""
    parsed = parse_loan_file(_with_emp_titles(lc_lines, tmp_path, {4: title}))
    parsed.reconcile()
    spans = title.count("\n")
    assert parsed.data_records == 6 and parsed.non_data_lines == [] and "section_labels" not in parsed.notes
    ((line, column, rule, raw),) = _quarantined(parsed)
    assert (line, column, rule, raw) == (4, None, "malformed_record", lc_lines[3] + "," + title)
    assert parsed.quarantine["message"].item().startswith(f"lines 4-{4 + spans} are one record: a quoted field runs over")
    assert parsed.rows["_source_line"].to_list() == [2, 3, 5 + spans, 6 + spans, 7 + spans]
    original = parse_loan_file(_write(tmp_path / "original.csv", lc_lines))
    assert _values(parsed)[2:] == [(line + spans, *values) for line, *values in _values(original)[3:]]


@pytest.mark.parametrize("cut_after, last", [("A c", 9), ("A crew\n", 9), ("Day sh", 8), ("lead", 10)],
                         ids=["inside_its_second_line", "at_its_second_line_end", "inside_its_first_line",
                              "before_its_closing_quote"])
def test_a_file_cut_inside_a_quoted_field_over_lines_is_one_quarantined_record(lc_lines, tmp_path, cut_after, last):
    """The real loans with an emp_title over lines on loans 5 and 6 (lines 6-7 and 8-10), the copy
    cut inside loan 6's title: at the end of the file its quote is still open. Its lines are one
    record, quarantined once under its first line as `cut_in_quoted_field` with a message that the
    file ends inside a quoted field; each of its lines was a malformed record, so one record cut
    short was counted two or three times, and then it kept the rule of a field count that differs."""
    whole = _with_emp_titles(lc_lines, tmp_path, {6: '"Night shift\nB crew"', 7: '"Day shift\nA crew\nlead"'}
                             ).read_text(encoding="utf-8")
    cut = whole[: whole.index(cut_after, whole.index(lc_lines[6])) + len(cut_after)]
    tape = tmp_path / "lc_cut.csv"
    tape.write_text(cut, encoding="utf-8")
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.data_records == 6 and parsed.rows["_source_line"].to_list() == [2, 3, 4, 5, 6]
    ((line, column, rule, raw),) = _quarantined(parsed)
    assert (line, column, rule) == (8, None, "cut_in_quoted_field") and raw == cut[cut.index(lc_lines[6]):].rstrip("\n")
    said = f"lines 8-{last}" if last > 8 else "line 8"
    assert parsed.quarantine["message"].item().endswith(
        f"the file ends inside a quoted field that this record opens ({said}, one record): its closing quote and "
        "the rest of the record never arrived (cut short in transfer?); compare the file with its source and land "
        "it whole")
    assert parsed.rows.filter(pl.col("_source_line") == 6)["source_fields"].item() == json.dumps(
        {"emp_title": "Night shift\nB crew"}, separators=(",", ":"))


def test_an_sba_name_over_two_lines_with_a_quote_not_doubled_is_one_record_never_padded(data_dir, tmp_path):
    """An SBA borrower's name with a line break and a quote for inches inside (`"B&T 12" SCREW ...` +
    line break + `... INC"`): its second line, the end of the name and the loan's other 26 fields,
    was a record of its own whose message advised `pad_short_rows`, which would load the fragment
    as a loan keyed by the name's last word. One loan, one quarantined record, built-in or mapped
    with short rows padded."""
    with gzip.open(data_dir / "loans" / "sba_national.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        header, *rows = list(islice(csv.reader(handle), 9))
    name = rows[5][1]  # B&T SCREW MACHINE COMPANY, INC: quoted, a comma in it
    words = name.split(" ")
    rows[5][1] = f"{words[0]} 12\" {' '.join(words[1:3])}\n{' '.join(words[3:])}"
    lines = [",".join(header)]
    for row in rows:
        quoted = ['"' + v + '"' if ("," in v or "\n" in v) else v for v in row]
        lines.append(",".join(quoted))
    tape = _write(tmp_path / "sba.csv", lines)
    built_in = parse_loan_file(tape)
    built_in.reconcile()
    assert built_in.data_records == 8 and built_in.non_data_lines == []
    ((line, column, rule, raw),) = _quarantined(built_in)
    assert (line, rule, raw) == (7, "malformed_record", lines[6])
    assert "lines 7-8 are one record" in built_in.quarantine["message"].item()
    assert "pad_short_rows" not in built_in.quarantine["message"].item()
    assert built_in.rows["source_loan_id"].to_list() == [row[0] for i, row in enumerate(rows) if i != 5]
    (tmp_path / "sba.csv.mapping.json").write_text(json.dumps({
        "name": "sba_padded", "dialect": {"pad_short_rows": True},
        "columns": {"LoanNr_ChkDgt": {"to": "source_loan_id"}, "Name": {"to": "purpose"},
                    "GrAppv": {"to": "loan_amount", "type": "money"}, "MIS_Status": {"to": "loan_status"}},
        "status_map": {"P I F": 0, "CHGOFF": 1}}))
    padded = parse_loan_file(tape)
    padded.reconcile()
    assert [(line, rule) for line, _, rule, _ in _quarantined(padded)] == [(7, "malformed_record")]
    assert padded.rows["source_loan_id"].to_list() == [row[0] for i, row in enumerate(rows) if i != 5]
    assert "short_rows_padded" not in padded.notes
    # loans that are whole records of another width (a header with a column more) are never joined
    (tmp_path / "sba.csv.mapping.json").unlink()
    wider = parse_loan_file(_write(tmp_path / "sba.csv", [lines[0] + ",Extra", *lines[1:6], *lines[7:]]))
    wider.reconcile()
    assert wider.data_records == 7 and wider.quarantine["line"].to_list() == [2, 3, 4, 5, 6, 7, 8]


def test_text_after_a_closing_quote_is_quarantined_not_glued_on(lc_lines, tmp_path):
    """`"Operator" press`: a reader glues the text after the closing quote onto the field; the value
    is not what the file holds, so the record is quarantined with its line."""
    parsed = parse_loan_file(_with_emp_titles(lc_lines, tmp_path, {4: '"Operator" press'}))
    parsed.reconcile()
    assert [(line, rule) for line, _, rule, _ in _quarantined(parsed)] == [(4, "malformed_record")]
    assert "quote" in parsed.quarantine["message"].item()


def test_a_space_before_an_opening_quote_quarantines_the_record_with_its_line(lc_lines, tmp_path):
    parsed = parse_loan_file(_with_emp_title(lc_lines, tmp_path, 4, ' "Smith, John"'))
    parsed.reconcile()
    assert parsed.rows["_source_line"].to_list() == [2, 3, 5, 6, 7]
    ((line, column, rule, raw),) = _quarantined(parsed)
    assert (line, column, rule) == (4, None, "malformed_record") and raw.endswith(', "Smith, John"')
    assert "found 18" in parsed.quarantine["message"].item()


def test_a_thousands_separator_out_of_place_is_quarantined_not_removed(lc_lines, tmp_path):
    """'13,64' is not 1364, '9,4%' not 94 %: the comma is a decimal comma or a typo, not thousands.
    Well-placed separators ('13,648', '24,000.00') still read as thousands."""
    lines = list(lc_lines)
    lines[1] = lc_lines[1].replace(",13648,", ',"13,648",').replace(",24000,", ',"24,000.00",')
    lines[2] = lc_lines[2].replace(",1687,", ',"16,87",')
    lines[3] = lc_lines[3].replace(",98.50%,", ',"98,5%",')
    lines[4] = lc_lines[4].replace(",CA,0,1,10,", ',CA,"1,0",1,10,')
    parsed = parse_loan_file(_write(tmp_path / "lc.csv", lines))
    parsed.reconcile()
    assert [(line, column, rule, raw) for line, column, rule, raw in _quarantined(parsed)] == [
        (3, "revol_bal", "unparsable_number", "16,87"),
        (4, "revol_util", "unparsable_number", "98,5%"),
        (5, "delinq_2yrs", "unparsable_number", "1,0"),
    ]
    first = parsed.rows.row(0, named=True)
    assert (first["revol_bal"], first["annual_income"]) == (13648, 24000)


def test_a_decimal_point_in_a_decimal_comma_file_is_quarantined(tmp_path):
    """Dialect decimal ',' thousands '.': '1.250,50' is 1250.5; '950.5' and '60000.50' (a
    spreadsheet cell typed the English way) are not 9505 and 6000050."""
    (tmp_path / "maps").mkdir()
    (tmp_path / "maps" / "eu.json").write_text(
        '{"name": "eu", "applies_to": ["eu_*.csv"], "dialect": {"delimiter": ";", "decimal": ",", "thousands": "."},'
        ' "columns": {"loan_id": {"to": "source_loan_id", "required": true},'
        ' "loan_amnt": {"to": "loan_amount", "type": "number", "required": true},'
        ' "annual_inc": {"to": "annual_income", "type": "number"}}}'
    )
    tape = _write(tmp_path / "eu_tape.csv", ["loan_id;loan_amnt;annual_inc", "1;1.250,50;48.500,00", "2;950.5;31200",
                                             "3;2400;60000.50"])
    parsed = parse_loan_file(tape, [tmp_path / "maps"])
    parsed.reconcile()
    assert parsed.rows.select("source_loan_id", "loan_amount", "annual_income").rows() == [("1", 1250.5, 48500.0)]
    assert [(line, column, rule) for line, column, rule, _ in _quarantined(parsed)] == [
        (3, "loan_amnt", "unparsable_number"), (4, "annual_inc", "unparsable_number")]


def test_a_truncated_gzip_is_refused_not_half_loaded(lc_lines, tmp_path):
    whole = gzip.compress(("\n".join(lc_lines * 40) + "\n").encode())
    tape = tmp_path / "lc.csv.gz"
    tape.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(FileRefused, match=r"lc\.csv\.gz: .*ends early .*truncated"):
        parse_loan_file(tape)
    news = tmp_path / "feed.csv.gz"
    whole = gzip.compress(b"headline\n" + b"".join(b"Acme rose %d.\n" % i for i in range(5000)))
    news.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(FileRefused, match=r"feed\.csv\.gz: .*ends early"):
        parse_news_file(news)


@pytest.mark.parametrize("variant", ["utf16_tab", "cr_only", "pipe"])
def test_spreadsheet_and_old_mac_exports_load_like_the_original(lc_lines, tmp_path, variant):
    """Excel's "Unicode Text" (UTF-16 with a byte-order mark, tab-separated), Excel for Mac's CR-only
    line ends, and a pipe-separated dump give the same loans as the vendor's CSV."""
    original = parse_loan_file(_write(tmp_path / "original.csv", lc_lines))
    text = {
        "utf16_tab": "\r\n".join(line.replace(",", "\t") for line in lc_lines) + "\r\n",
        "cr_only": "\r".join(lc_lines) + "\r",
        "pipe": "\n".join(line.replace(",", "|") for line in lc_lines) + "\n",
    }[variant]
    tape = tmp_path / f"{variant}.txt"
    tape.write_bytes(text.encode("utf-16") if variant == "utf16_tab" else text.encode())
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.format == "lendingclub" and parsed.quarantine.height == 0
    assert _values(parsed) == _values(original) and len(_values(parsed)) == 6


def test_a_count_beyond_32_bits_is_quarantined(lc_lines, tmp_path):
    lines = list(lc_lines)
    lines[2] = lc_lines[2].replace(",0,5,3,0,", ",3000000000,5,3,0,")
    parsed = parse_loan_file(_write(tmp_path / "lc.csv", lines))
    parsed.reconcile()
    assert _quarantined(parsed) == [(3, "delinq_2yrs", "value_out_of_range", "3000000000")]
    assert parsed.rows.height == 5
    # Past 64 bits too: out of range, not 'a number with a fraction'.
    lines[2] = lc_lines[2].replace(",0,5,3,0,", ",99999999999999999999,5,3,0,")
    parsed = parse_loan_file(_write(tmp_path / "lc.csv", lines))
    assert _quarantined(parsed) == [(3, "delinq_2yrs", "value_out_of_range", "99999999999999999999")]


def test_a_rate_written_as_a_fraction_is_quarantined(lc_lines, tmp_path):
    """int_rate 0.1065 in a percent column would read as 0.1065 %; 10.65% and a 0 % rate load."""
    lines = [lc_lines[0] + ",int_rate", lc_lines[1] + ",0.1065", lc_lines[2] + ",10.65%", lc_lines[3] + ",0%"]
    parsed = parse_loan_file(_write(tmp_path / "lc.csv", lines))
    parsed.reconcile()
    assert _quarantined(parsed) == [(2, "int_rate", "rate_as_fraction", "0.1065")]
    assert parsed.rows["int_rate"].to_list() == [pytest.approx(0.1065), 0.0]


def test_a_rate_as_fraction_message_names_the_mapping_that_loads_its_rows(lc_lines, tmp_path):
    """A pipe export whose rates are half fractions (`0.1065`), half percents (`13.49%`): half its
    loans were quarantined as `rate_as_fraction` with no way out. The message names the column type
    that reads the column, and a mapping declaring it loads every loan, each rate as meant."""
    rates = ["0.1065", "13.49%", "0.1527", "7.9%", "0.1596", "18.64%"]
    tape = _write(tmp_path / "lc_export.csv", [lc_lines[0] + ",int_rate"] + [
        line + "," + rate for line, rate in zip(lc_lines[1:], rates)])
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert _quarantined(parsed) == [(line, "int_rate", "rate_as_fraction", rate)
                                    for line, rate in zip(range(2, 8), rates) if "%" not in rate]
    assert parsed.quarantine["message"][0] == (
        "column int_rate: '0.1065' is an interest rate below 1 % in a percent column: a fraction (0.1065 for 10.65 %)? "
        "If the column writes its rates as fractions, land the file with a column mapping that declares "
        "columns.int_rate.type \"fraction\": it reads 0.1065 as 10.65 %, and a rate written with its '%' (10.65%) "
        "as a percent still (README, 'Your own loan tape')")

    (tmp_path / "lc_export.csv.mapping.json").write_text(json.dumps({
        "name": "lc_export", "applies_to": ["lc_export.csv"], "columns": {
            "loan_amnt": {"to": "loan_amount", "type": "money", "required": True},
            "int_rate": {"to": "int_rate", "type": "fraction"},
            "loan_status": {"to": "loan_status", "required": True}}}))
    declared = parse_loan_file(tape)
    declared.reconcile()
    assert declared.quarantine.height == 0
    assert declared.rows["int_rate"].to_list() == [0.1065, 0.1349, 0.1527, 0.079, 0.1596, 0.1864]
    assert declared.rows["loan_amount"].to_list() == [float(line.split(",")[0]) for line in lc_lines[1:]]


def _utilisation_as(lines: list[str], write) -> list[str]:
    """The loans with revol_util (14th column, '83.70%') rewritten by `write(percent: float)`."""
    out = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        if cells[13]:
            cells[13] = write(float(cells[13].rstrip("%")))
        out.append(",".join(cells))
    return out


def test_a_utilisation_column_written_as_fractions_is_read_as_fractions(data_dir, tmp_path):
    """A re-export writes revol_util 0.837 for 83.7 %: read per cent it would be 100 times too
    small, silently. With 20 or more values, none with '%' and all within 0-1, the file shows its
    scale: the values load as fractions and the notes count them."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        lines = [line.rstrip("\r\n") for line in islice(handle, 41)]
    original = parse_loan_file(_write(tmp_path / "original.csv", lines))
    parsed = parse_loan_file(_write(tmp_path / "fractions.csv", _utilisation_as(lines, lambda v: f"{v / 100:.4f}")))
    parsed.reconcile()
    assert parsed.quarantine.height == 0 and parsed.rows.height == 40
    assert parsed.rows["revol_util"].to_list() == pytest.approx(original.rows["revol_util"].to_list())
    positive = original.rows.filter(pl.col("revol_util") > 0).height
    assert parsed.notes["percent_written_as_fraction"] == {"revol_util": positive} and positive >= 20
    # Per cent without the sign (83.7) loads as before; nothing is noted.
    bare = parse_loan_file(_write(tmp_path / "bare.csv", _utilisation_as(lines, lambda v: f"{v:.2f}")))
    assert bare.rows["revol_util"].to_list() == pytest.approx(original.rows["revol_util"].to_list())
    assert "percent_written_as_fraction" not in bare.notes
    # A line drawn over its limit (1.05, 105 %) is a fraction too in such a file.
    over = _utilisation_as(lines, lambda v: f"{v / 100:.4f}")
    over[1] = over[1].replace(",0.8370,", ",1.05,")
    parsed = parse_loan_file(_write(tmp_path / "over.csv", over))
    assert parsed.quarantine.height == 0 and parsed.rows["revol_util"][0] == pytest.approx(1.05)
    # One percent among fractions: the file mixes scales, so the fractions' scale is unclear.
    mixed = _utilisation_as(lines, lambda v: f"{v / 100:.4f}")
    mixed[1] = mixed[1].replace(",0.8370,", ",83.7,")
    parsed = parse_loan_file(_write(tmp_path / "mixed.csv", mixed))
    parsed.reconcile()
    assert {rule for _, _, rule, _ in _quarantined(parsed)} == {"percent_scale_unclear"}
    assert parsed.quarantine.height == positive - 1
    assert parsed.rows.filter(pl.col("_source_line") == 2)["revol_util"].item() == pytest.approx(0.837)
    # Interest rates too: 40 rates of 0.1065 are fractions, not 40 loans priced at 0.1 %.
    rated = parse_loan_file(_write(tmp_path / "rates.csv", [lines[0] + ",int_rate"] + [line + ",0.1065" for line in lines[1:]]))
    assert rated.quarantine.height == 0 and rated.rows["int_rate"].to_list() == pytest.approx([0.1065] * 40)
    assert rated.notes["percent_written_as_fraction"] == {"int_rate": 40}


def test_one_genuine_small_utilisation_in_a_small_tape_is_no_second_scale(data_dir, tmp_path):
    """Ten loans in percent points without '%', one of them a real 1.5 %: one value within 0-2 is
    a borrower, not a second scale, and loads."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        lines = [line.rstrip("\r\n") for line in islice(handle, 11)]
    bare = _utilisation_as(lines, lambda v: f"{v:.2f}")
    cells = bare[3].split(",")
    cells[13] = "1.50"
    bare[3] = ",".join(cells)
    parsed = parse_loan_file(_write(tmp_path / "small.csv", bare))
    parsed.reconcile()
    assert parsed.quarantine.height == 0 and parsed.rows.filter(pl.col("_source_line") == 4)["revol_util"].item() == 0.015


@pytest.mark.parametrize(("percent_loans", "fraction_loans"), [(40, 15), (90, 10)])
def test_fractions_mixed_into_a_percent_column_without_signs_are_quarantined_not_read_100_times_small(
        data_dir, tmp_path, percent_loans, fraction_loans):
    """An export across a system migration: utilisations in percent points without '%' (83.7),
    then some written as fractions (0.837). Values at most 2 are 2 % of LendingClub's utilisations
    above 0; a tenth or more is evidence of two scales: the fractions are quarantined, the percent
    points load as before."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        lines = [line.rstrip("\r\n") for line in islice(handle, percent_loans + fraction_loans + 1)]
    bare = _utilisation_as(lines, lambda v: f"{v:.2f}")
    fractions = _utilisation_as(lines, lambda v: f"{v / 100:.4f}")
    cut = percent_loans + 1
    migrated = bare[:cut] + fractions[cut:]
    original = parse_loan_file(_write(tmp_path / "original.csv", lines))
    parsed = parse_loan_file(_write(tmp_path / "migration.csv", migrated))
    parsed.reconcile()
    utilisation = original.rows.select("_source_line", "revol_util").rows()
    doubted = {line for line, util in utilisation if util and (line > cut or util <= 0.02)}
    assert {(line, rule) for line, _, rule, _ in _quarantined(parsed)} == {(line, "percent_scale_unclear") for line in doubted}
    assert len(doubted) >= fraction_loans - 2
    loaded = dict(parsed.rows.select("_source_line", "revol_util").rows())
    assert all(loaded[line] == pytest.approx(util) for line, util in utilisation if line in loaded)


def test_a_dti_written_as_a_ratio_is_read_in_percent_points(data_dir, tmp_path):
    """DTI is held in percent points (14.14). A system that writes 0.1414 would load 100 times too
    small: 40 ratios, all within 0-2, load in percent points and the notes say so; ratios mixed into
    percent points are quarantined (percent_scale_unclear). The DTI is built from two real columns,
    revolving balance over income, as the sample carries none."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8", newline="") as handle:
        rows = list(islice(csv.DictReader(handle), 40))
    dti = [round(100 * float(r["revol_bal"]) / float(r["annual_inc"]), 2) for r in rows]
    assert sum(d > 2 for d in dti) >= 30
    columns = '"dti": {"to": "dti"}'
    ratio = parse_loan_file(_declared(tmp_path, "id,dti", [f"L{i},{d / 100:.4f}" for i, d in enumerate(dti)], columns))
    ratio.reconcile()
    assert ratio.quarantine.height == 0 and ratio.rows["dti"].to_list() == pytest.approx(dti, abs=0.01)
    assert ratio.notes["percent_written_as_fraction"] == {"dti": sum(d > 0 for d in dti)}
    points = parse_loan_file(_declared(tmp_path, "id,dti", [f"L{i},{d}" for i, d in enumerate(dti)], columns))
    assert points.rows["dti"].to_list() == pytest.approx(dti) and "percent_written_as_fraction" not in points.notes
    mixed = [f"L{i},{d if i < 25 else d / 100:.4f}" for i, d in enumerate(dti)]
    parsed = parse_loan_file(_declared(tmp_path, "id,dti", mixed, columns))
    parsed.reconcile()
    assert {line for line, _, rule, _ in _quarantined(parsed) if rule == "percent_scale_unclear"} == {
        i + 2 for i, d in enumerate(dti) if d > 0 and (i >= 25 or d <= 2)}


def test_a_utilisation_whose_scale_the_file_leaves_open_is_quarantined(lc_lines, tmp_path):
    """Six fractions are too few to call the column's scale; and 0.5 among '%' values is 0.5 % or
    50 %. Both are quarantined (percent_scale_unclear), never read as 0.005 silently; 0 loads."""
    few = _utilisation_as(lc_lines, lambda v: f"{v / 100:.3f}")
    parsed = parse_loan_file(_write(tmp_path / "few.csv", few))
    parsed.reconcile()
    assert {rule for _, column, rule, _ in _quarantined(parsed)} == {"percent_scale_unclear"}
    assert parsed.quarantine.height == 6 and parsed.rows.height == 0
    mixed = list(lc_lines)
    mixed[2] = mixed[2].replace(",9.40%,", ",0.5,")
    mixed[3] = mixed[3].replace(",98.50%,", ",0,")
    parsed = parse_loan_file(_write(tmp_path / "mixed.csv", mixed))
    parsed.reconcile()
    assert _quarantined(parsed) == [(3, "revol_util", "percent_scale_unclear", "0.5")]
    assert parsed.rows.filter(pl.col("_source_line") == 4)["revol_util"].item() == 0.0


@pytest.fixture
def sentences(data_dir) -> list[tuple[str, str]]:
    """The first 40 (sentence, label) pairs of the real Financial PhraseBank 50%-agreement file."""
    lines = (data_dir / "news" / "financial_phrasebank_50agree.txt").read_text("utf-8-sig").splitlines()
    return [tuple(line.rsplit("@", 1)) for line in lines[:40]]


def test_feed_bodies_past_the_csv_modules_field_limit_and_with_lone_crs_load_whole(sentences, tmp_path):
    """The csv module stops at 131,072 characters per field and at a CR inside an unquoted field;
    neither may stop the file: the long body loads whole, the CR stays in the text, and a stray
    quote before a long text costs its own line only."""
    long_body = " ".join(sentence for sentence, _ in sentences[:5]).replace('"', "") * 400
    assert len(long_body) > 131_072
    plain = [sentence for sentence, _ in sentences if "," not in sentence and '"' not in sentence]
    feed = tmp_path / "feed.csv"
    feed.write_text(
        "article_id,headline,body,label\n"
        f'a1,Long,"{long_body}",neutral\n'
        f"a2,Soft break,{plain[0]}\r{plain[1]},positive\n"
        f'a3,Stray,"Opening quote never closed {long_body}\n'
        f'a4,Next,"{sentences[2][0]}",{sentences[2][1]}\n',
        newline="",
    )
    parsed = parse_news_file(feed)
    parsed.reconcile()
    rows = {row["doc_id"]: row for row in parsed.rows.iter_rows(named=True)}
    assert list(rows) == ["a1", "a2", "a4"]
    assert parsed.quarantine.select("line", "rule").rows() == [(4, "wrong_field_count")]  # the stray quote's line
    assert rows["a1"]["body"] == long_body
    assert rows["a2"]["body"] == f"{plain[0]}\r{plain[1]}"
    assert rows["a4"]["label"] == sentences[2][1]
    assert parsed.notes["stray_quote_lines"] == [4]


def test_phrasebank_csv_sentence_quoted_over_two_lines_is_one_record(sentences, tmp_path):
    """A quoted sentence with a line break is one sentence, not a half sentence loaded and a half
    quarantined; a record-starting line after an unclosed quote is not swallowed."""
    first, second = sentences[3][0].split(" ", 1)
    path = tmp_path / "phrasebank.csv"
    path.write_text(
        "Y,Notices\n"
        f'{sentences[3][1]},"{first}\n{second}"\n'
        f'{sentences[4][1]},"{sentences[4][0]}\n'
        f"{sentences[2][1]},{sentences[2][0]}\n"
    )
    parsed = parse_news_file(path)
    parsed.reconcile()
    assert parsed.rows.select("_source_line", "label", "text_raw").rows() == [
        (2, sentences[3][1], f"{first}\n{second}"),
        (4, sentences[4][1], f'"{sentences[4][0]}'),
        (5, sentences[2][1], sentences[2][0]),
    ]
    assert parsed.rows["text_clean"][0] == sentences[3][0]


def test_feed_text_column_named_by_its_last_word_is_read(sentences, tmp_path):
    """'Article Body' and 'News Title' are not aliases, but their last words are: the body is read,
    not dropped for the headline; 'Article ID' stays the id and a 'Text Length' column is not text."""
    path = tmp_path / "feed.csv"
    path.write_text(
        "Article ID,News Title,Article Body,Text Length,Sentiment\n"
        f'n1,Results,"{sentences[0][0]}",{len(sentences[0][0])},{sentences[0][1].capitalize()}\n'
    )
    parsed = parse_news_file(path)
    assert parsed.notes["columns"] == {"doc_id": "Article ID", "headline": "News Title", "body": "Article Body",
                                       "label": "Sentiment"}
    assert parsed.rows.select("doc_id", "headline", "text_field", "text_raw", "label").row(0) == (
        "n1", "Results", "body", sentences[0][0], sentences[0][1])


def test_loans_joined_by_a_lone_cr_are_two_loans_a_cr_inside_a_quoted_field_is_text(lc_lines, tmp_path):
    """A tape edited on two systems: loans 2 and 3 end with a classic-Mac CR among LF line ends, so
    read by LF three loans share one line. Each becomes a record of its own, numbered as if the CR
    were a line end; a CR inside a quoted field is left in its value."""
    lines = [lc_lines[0] + ",emp_title"] + [row + ",Clerk" for row in lc_lines[1:]]
    lines[5] = lc_lines[5] + ',"Night\rshift"'
    tape = tmp_path / "mixed.csv"
    tape.write_bytes(("\n".join(lines[:2]) + "\n" + "\r".join(lines[2:5]) + "\n" + "\n".join(lines[5:]) + "\n").encode())
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.quarantine.height == 0 and parsed.data_records == 6
    assert parsed.rows["_source_line"].to_list() == [2, 3, 4, 5, 6, 7]
    original = parse_loan_file(_write(tmp_path / "original.csv", lc_lines))
    assert _values(parsed) == _values(original)
    assert '"emp_title":"Night\\rshift"' in parsed.rows.filter(pl.col("_source_line") == 6)["source_fields"].item()


@pytest.mark.parametrize("record_end, breaks", [("\r\n", ("\r\n", "\n")), ("\r", ("\r", "\r"))],
                         ids=["crlf_records_crlf_and_lf_in_values", "cr_only"])
def test_a_quoted_field_keeps_its_line_ends_as_written_crlf_lf_or_cr(lc_lines, tmp_path, record_end, breaks):
    """A tape whose quoted emp_title values hold line breaks. With CR LF record ends, one typed on
    Windows (CR LF), one on a Mac or Linux (LF); in a CR-only tape (classic Mac OS, Excel for Mac's
    "CSV (Macintosh)"), both CR. Each value keeps the line end it was written with: the CR of CR LF
    was dropped, and a CR-only tape's CR became LF, so the value loaded was not the file's."""
    lines = [lc_lines[0] + ",emp_title"] + [row + ",Clerk" for row in lc_lines[1:]]
    lines[2] = lc_lines[2] + f',"Night{breaks[0]}shift, ""B"" crew"'
    lines[4] = lc_lines[4] + f',"Day{breaks[1]}shift"'
    tape = tmp_path / "windows.csv"
    tape.write_bytes((record_end.join(lines) + record_end).encode())
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.quarantine.height == 0 and parsed.rows["_source_line"].to_list() == [2, 3, 5, 6, 8, 9]
    titles = dict(parsed.rows.select("_source_line", pl.col("source_fields").map_elements(
        lambda fields: json.loads(fields)["emp_title"], return_dtype=pl.Utf8)).rows())
    assert titles == {2: "Clerk", 3: f'Night{breaks[0]}shift, "B" crew', 5: "Clerk", 6: f"Day{breaks[1]}shift",
                      8: "Clerk", 9: "Clerk"}
    original = parse_loan_file(_write(tmp_path / "original.csv", lc_lines))
    assert [row[1:] for row in _values(parsed)] == [row[1:] for row in _values(original)]


def test_line_ends_are_looked_up_only_in_a_tape_whose_quoted_field_runs_over_lines(lc_lines, tmp_path, monkeypatch):
    """Which lines end in CR LF matters only where lines are joined into one record (a quoted field
    with a line break in it); every byte of every tape was scanned for it. A CR LF tape whose quoted
    fields keep to their lines is read without the scan, to the values of the same tape in LF; the
    scan is still made for one whose quoted field runs over a CR LF."""
    scans = []
    line_ends = csv_text._crlf_ends
    monkeypatch.setattr(csv_text, "_crlf_ends", lambda data, lines: scans.append(lines) or line_ends(data, lines))
    lines = [lc_lines[0] + ",emp_title"] + [row + ',"Clerk, night shift"' for row in lc_lines[1:]]
    windows = tmp_path / "windows.csv"
    windows.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    parsed = parse_loan_file(windows)
    parsed.reconcile()
    assert scans == [] and parsed.quarantine.height == 0
    assert _values(parsed) == _values(parse_loan_file(_write(tmp_path / "unix.csv", lines)))
    lines[2] = lc_lines[2] + ',"Night\r\nshift"'
    windows.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    parsed = parse_loan_file(windows)
    assert scans == [len(lines) + 1] and parsed.quarantine.height == 0
    assert json.loads(parsed.rows.filter(pl.col("_source_line") == 3)["source_fields"].item())["emp_title"] == "Night\r\nshift"


def test_phrasebank_records_joined_by_a_lone_cr_keep_their_own_labels(sentences, tmp_path):
    """`s1@neutral<CR>s2@positive` read by LF is one line whose last '@' gives s2's label to both
    sentences; split at the CR, each keeps its own. A line ending in two labels is quarantined."""
    (s1, l1), (s2, l2), (s3, l3), (s4, l4) = sentences[1], sentences[2], sentences[3], sentences[4]
    assert (l1, l2) == ("neutral", "negative")
    path = tmp_path / "phrasebank.txt"
    path.write_bytes(f"{s1}@{l1}\r{s2}@{l2}\r\n{s3}@{l3}@{l4}\r\n{s4}@{l4}\r\n".encode())
    parsed = parse_news_file(path)
    parsed.reconcile()
    assert parsed.rows.select("_source_line", "text_raw", "label").rows() == [(1, s1, l1), (2, s2, l2), (4, s4, l4)]
    assert parsed.quarantine.select("line", "rule").rows() == [(3, "two_labels")]
    inches = tmp_path / "inches.txt"  # a quote in a sentence is text, not CSV quoting
    inches.write_bytes(f'{s1} 12" screens@{l1}\r{s2}@{l2}\r\n'.encode())
    assert parse_news_file(inches).rows.select("_source_line", "label").rows() == [(1, l1), (2, l2)]
    assert f"({l3!r}, then {l4!r})" in parsed.quarantine["message"].item()


def test_phrasebank_csv_and_feed_records_joined_by_a_lone_cr_are_split(sentences, tmp_path):
    plain = [(s, label) for s, label in sentences if "," not in s and '"' not in s]
    (s1, l1), (s2, l2), (s3, l3) = plain[:3]
    csv_path = tmp_path / "phrasebank.csv"
    csv_path.write_bytes(f"Y,Notices\r\n{l1},{s1}\r{l2},{s2}\r\n{l3},{s3}\r\n".encode())
    parsed = parse_news_file(csv_path)
    parsed.reconcile()
    assert parsed.rows.select("_source_line", "text_raw", "label").rows() == [(2, s1, l1), (3, s2, l2), (4, s3, l3)]

    feed = tmp_path / "feed.csv"
    feed.write_bytes(f"id,headline,body,label\na1,H1,{s1},{l1}\ra2,H2,{s2},{l2}\na3,Soft,{s1}\r{s2},{l3}\n".encode())
    parsed = parse_news_file(feed)
    parsed.reconcile()
    assert parsed.rows.select("_source_line", "doc_id", "body", "label").rows() == [
        (2, "a1", s1, l1), (3, "a2", s2, l2), (4, "a3", f"{s1}\r{s2}", l3)]


def test_a_repeated_article_id_is_quarantined_within_a_feed_and_across_files(sentences, risk_home):
    """raw.news holds one row per article id. A feed that repeats an id (the same article twice, or
    a revision under the same id) keeps the first row and quarantines the repeat with the line it
    repeats; a later file re-delivering a loaded id is screened the same way at landing."""
    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.lake import connect

    plain = [(s, label) for s, label in sentences if "," not in s and '"' not in s]
    (s1, l1), (s2, l2), (s3, l3) = plain[:3]
    first = risk_home.landing_news / "feed_day1.csv"
    first.write_text(f"id,body,label\na1,{s1},{l1}\na2,{s2},{l2}\na1,{s1},{l1}\na2,{s3},{l3}\n")
    parsed = parse_news_file(first)
    parsed.reconcile()
    assert parsed.rows.select("_source_line", "doc_id").rows() == [(2, "a1"), (3, "a2")]
    assert parsed.quarantine.select("line", "rule", "raw_value").rows() == [(4, "duplicate_doc_id", "a1"),
                                                                            (5, "duplicate_doc_id", "a2")]
    assert parsed.quarantine["message"].to_list() == [
        f"{first}: line 4: article id 'a1' is already on line 2 (same text: a repeat)",
        f"{first}: line 5: article id 'a2' is already on line 3 (different text: the first version is kept)"]

    (risk_home.landing_news / "feed_day2.csv").write_text(f"id,body,label\na2,{s2},{l2}\na3,{s3},{l3}\n")
    with connect(risk_home.lake_path) as con:
        report = land_folder(con, risk_home.landing_news, "news", parse_news_file, "run-1", asset="raw_news")
        rows = con.execute("SELECT doc_id, _source_file, _source_line FROM raw.news ORDER BY 1").fetchall()
        quarantined = con.execute("SELECT source_file, line, rule, message FROM quality.quarantine ORDER BY 1, 2").fetchall()
    assert [(f.rows_in_file, f.rows_loaded, f.rows_quarantined) for f in report.files] == [(4, 2, 2), (2, 1, 1)]
    assert [(doc_id, file.rsplit("/", 1)[1], line) for doc_id, file, line in rows] == [
        ("a1", "feed_day1.csv", 2), ("a2", "feed_day1.csv", 3), ("a3", "feed_day2.csv", 3)]
    assert quarantined[2][1:3] == (2, "duplicate_doc_id")
    assert quarantined[2][3].endswith(f"article id a2 is already loaded from {first} line 3 (same text: a re-delivery)")


@pytest.mark.parametrize("delimiter", ["\t", ";", "|"])
def test_a_feed_separated_by_tabs_semicolons_or_pipes_is_read_by_its_columns(sentences, tmp_path, delimiter):
    """A spreadsheet's tab-separated export used to be read as one column whose name ends in 'body':
    the whole line, id and label included, became the article text."""
    (s1, l1), (s2, l2) = [(s, label) for s, label in sentences if not set(s) & set('\t;|"')][:2]
    feed = tmp_path / "feed.txt"
    feed.write_text(delimiter.join(["id", "headline", "body", "label"]) + "\n"
                    + delimiter.join(["n1", "Results", s1, l1]) + "\n"
                    + delimiter.join(["n2", "Outlook", s2, l2]) + "\n")
    parsed = parse_news_file(feed)
    parsed.reconcile()
    assert parsed.format == "news_feed_csv" and parsed.notes["delimiter"] == delimiter
    assert parsed.rows.select("doc_id", "headline", "text_raw", "label").rows() == [
        ("n1", "Results", s1, l1), ("n2", "Outlook", s2, l2)]


def test_monthly_exports_concatenated_into_one_file_skip_the_repeated_header(lc_lines, tmp_path):
    """`cat jan.csv feb.csv > q1.csv`: the second header is a non-data line, not a loan whose every
    value fails to parse."""
    tape = _write(tmp_path / "q1.csv", lc_lines[:4] + lc_lines[:1] + lc_lines[4:])
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.quarantine.height == 0 and parsed.non_data_lines == [(5, "repeated_header")]
    assert parsed.rows["_source_line"].to_list() == [2, 3, 4, 6, 7, 8]
    original = parse_loan_file(_write(tmp_path / "original.csv", lc_lines))
    assert parsed.rows["loan_amount"].to_list() == original.rows["loan_amount"].to_list()


def test_a_repeated_header_quoted_or_in_capitals_is_skipped_and_a_reordered_one_refuses_the_tape(lc_lines, tmp_path):
    """A second export written by another tool quotes its header or shouts it: still a header. One
    that lists the columns in another order would load, read by position, incomes as revolving
    balances: the tape is refused, naming the line and the moved columns."""
    quoted = ",".join(f'"{name.upper()}"' for name in lc_lines[0].split(","))
    parsed = parse_loan_file(_write(tmp_path / "q1.csv", lc_lines[:4] + [quoted] + lc_lines[4:]))
    parsed.reconcile()
    assert parsed.quarantine.height == 0 and parsed.non_data_lines == [(5, "repeated_header")]
    names = lc_lines[0].split(",")
    i, j = names.index("annual_inc"), names.index("revol_bal")
    names[i], names[j] = names[j], names[i]
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(_write(tmp_path / "q2.csv", lc_lines[:4] + [",".join(names)] + lc_lines[4:]))
    assert str(refused.value).endswith(
        "q2.csv: line 5 repeats the header with its columns in another order (revol_bal (column 5, annual_inc in the "
        "header), annual_inc (column 13, revol_bal in the header)): two exports joined into one file? The records after "
        "it follow that order; split the file at line 5 and land both parts")


@pytest.mark.parametrize(("change", "says"), [
    ("swap_and_rename", "columns not in the first header: revolving_balance, annual_income; columns of the first "
                        "header missing: annual_inc, revol_bal"),
    ("add", "columns not in the first header: int_rate_2)"),
])
def test_a_header_with_another_layout_part_way_down_refuses_the_tape(lc_lines, tmp_path, change, says):
    """The second export joined on renamed and swapped two columns (or added one): read by position
    under the first header its incomes would load as revolving balances. A line naming half or more
    of the header's columns is a header: the tape is refused at that line, saying what changed."""
    names = lc_lines[0].split(",")
    if change == "swap_and_rename":
        i, j = names.index("annual_inc"), names.index("revol_bal")
        names[i], names[j] = "revolving_balance", "annual_income"
        rows = lc_lines[4:]
    else:
        names.insert(3, "int_rate_2")
        rows = [",".join(line.split(",")[:3] + ["0.1"] + line.split(",")[3:]) for line in lc_lines[4:]]
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(_write(tmp_path / "q3.csv", lc_lines[:4] + [",".join(names)] + rows))
    message = str(refused.value)
    assert message.startswith(f"{tmp_path / 'q3.csv'}: line 5 is a header with another layout ({says}")
    assert message.endswith("split the file at line 5 and land both parts (each with the mapping that fits it)")


@pytest.mark.parametrize("again", [
    lambda header: header + ",",  # a writer that ends every line with a delimiter
    lambda header: header + ",,",
    lambda header: header.replace("loan_amnt", "Loan Amnt").replace("annual_inc", "Annual Inc"),  # a BI display name
    lambda header: header.upper().replace("_", " ") + ",",
])
def test_a_header_repeated_with_a_trailing_delimiter_or_another_spelling_of_its_names_is_a_repeated_header(
        lc_lines, tmp_path, again):
    """`...,revol_bal,` (a delimiter after the last name) or `Loan Amnt` for `loan_amnt` (names the
    product matches as one column) repeating the header part way down refused the tape as a header
    of another layout, the first listing no column at all. It is the header again: a non-data line,
    and the loans on both sides of it load."""
    parsed = parse_loan_file(_write(tmp_path / "q4.csv", lc_lines[:4] + [again(lc_lines[0])] + lc_lines[4:]))
    parsed.reconcile()
    assert parsed.quarantine.height == 0 and parsed.non_data_lines == [(5, "repeated_header")]
    assert parsed.rows["_source_line"].to_list() == [2, 3, 4, 6, 7, 8]
    assert parsed.rows["loan_amount"].to_list() == [float(line.split(",")[0]) for line in lc_lines[1:]]


@pytest.mark.parametrize(("change", "says"), [
    (lambda names: names[:3] + [""] + names[3:], "columns not in the first header: an untitled column 4"),
    (lambda names: names + ["loan_amnt"], "17 columns where the first header has 16"),
    (lambda names: names + ["grade"], "columns not in the first header: grade"),
])
def test_a_header_of_another_layout_names_what_differs_and_never_an_empty_list(lc_lines, tmp_path, change, says):
    """A repeated header with a column more (untitled, or a name written twice, or a new one) is
    another layout: the tape is still refused, its message naming what differs, never an empty
    list of columns."""
    names = change(lc_lines[0].split(","))
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(_write(tmp_path / "q5.csv", lc_lines[:4] + [",".join(names)] + lc_lines[4:]))
    assert str(refused.value) == (
        f"{tmp_path / 'q5.csv'}: line 5 is a header with another layout ({says}): two exports joined into one file? "
        "The records after it follow that layout; split the file at line 5 and land both parts (each with the "
        "mapping that fits it)")


def test_a_header_glued_onto_the_last_loan_of_the_first_export_is_named_in_that_line_s_message(lc_lines, tmp_path):
    """`cat jan.csv feb.csv` where jan.csv ends without a line end: its last loan and feb's header
    share a line. The line is quarantined whole (its loan is in the quarantine with the raw text),
    and the message says a header is glued onto it; the loans after it load."""
    tape = tmp_path / "q1.csv"
    tape.write_text("\n".join(lc_lines[:4]) + lc_lines[0] + "\n" + "\n".join(lc_lines[4:]) + "\n")
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    (entry,) = parsed.quarantine.iter_rows(named=True)
    assert (entry["line"], entry["rule"]) == (4, "malformed_record")
    assert entry["message"].endswith("the header is glued onto the end of this record (two files joined, the first "
                                     "without a line end at its end); the record is before it")
    assert parsed.rows["_source_line"].to_list() == [2, 3, 5, 6, 7]


def test_a_tape_padded_after_each_comma_and_quoted_loads_without_its_quotes(lc_lines, tmp_path):
    """`5000, "36 months", "10+ years", "RENT"`: CSV reads ' "RENT"' as text with its quotes, so
    every value failed to parse or, in a text column, loaded as '"RENT"'."""
    padded = [", ".join(f'"{value}"' for value in line.split(",")) for line in lc_lines]
    parsed = parse_loan_file(_write(tmp_path / "padded.csv", padded))
    parsed.reconcile()
    original = parse_loan_file(_write(tmp_path / "original.csv", lc_lines))
    assert parsed.quarantine.height == 0
    columns = [c for c in original.rows.columns if c not in ("loan_key", "_file_sha256", "_source_file")]
    assert parsed.rows.select(columns).equals(original.rows.select(columns))
    assert parsed.rows["home_ownership"].to_list() == original.rows["home_ownership"].to_list() != []
    assert parsed.notes["padded_quotes_unwrapped"]["home_ownership"] == 6


def test_an_issue_date_in_the_future_is_quarantined_when_the_tape_names_no_as_of(tmp_path):
    tape = _write(tmp_path / "lc.csv", ["id,loan_amnt,term,issue_d,loan_status",
                                        "1,5000,36 months,Dec-2011,Fully Paid", "2,2500,60 months,Dec-2099,Current"])
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert _quarantined(parsed) == [(3, "issue_d", "issue_in_future", "Dec-2099")]
    assert parsed.rows["source_loan_id"].to_list() == ["1"]


def _tar(content: bytes, mode: str) -> bytes:
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        info = tarfile.TarInfo("loans.csv")
        info.size = len(content)
        archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def _zip(entries: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(("pack", "says"), [
    (lambda b: __import__("bz2").compress(b), "bzip2-compressed: decompress it (or compress it with gzip) and land"),
    (lambda b: __import__("lzma").compress(b), "xz-compressed: decompress it"),
    (lambda b: _tar(b, "w"), "a tar archive: unpack it and land the CSV or Parquet file"),
    (lambda b: _tar(b, "w:gz"), "a tar archive inside gzip: unpack it"),
    (lambda b: gzip.compress(gzip.compress(b)), "gzip inside gzip (compressed twice): decompress it once"),
    (lambda b: gzip.compress(_zip({"loans.csv": b})), "a ZIP archive inside gzip: unpack it and land the files inside"),
    (lambda b: b"\x04\x22\x4d\x18" + b, "lz4-compressed: decompress it (or compress it with gzip)"),
    (lambda b: _zip({}), "an empty ZIP archive (it holds no file)"),
    (lambda b: _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b}),
     "an OpenDocument spreadsheet (.ods, from LibreOffice or Google Sheets): save the sheet as .xlsx or as CSV"),
    (lambda b: _zip({"content.xml": b, "META-INF/manifest.xml": b"<manifest/>", "mimetype": b"x"}),
     "an OpenDocument spreadsheet (.ods"),  # its mimetype entry not first, as some writers store it
    (lambda b: _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b}),
     "an Excel binary workbook (.xlsb), which cannot be read without Excel: save it as .xlsx"),
])
def test_a_compression_archive_or_workbook_landing_cannot_read_is_refused_by_name(lc_lines, tmp_path, pack, says):
    """Not 'no known loan tape format' with a dump of binary: the message says what the file is (to
    news landing, a compression or archive with the formats news reads instead of a loan tape's)."""
    path = tmp_path / "loans.csv"
    path.write_bytes(pack(("\n".join(lc_lines) + "\n").encode()))
    for parse in (parse_loan_file, parse_news_file):
        with pytest.raises(FileRefused) as refused:
            parse(path)
        kind = says.split(":")[0]
        if parse is parse_news_file and kind.removesuffix(" inside gzip") in {what for *_, what in csv_text.COMPRESSED_MAGIC}:
            says = f"{kind}, which news landing cannot read: it reads Financial PhraseBank text or CSV"
        assert str(refused.value).startswith(f"{path}: {says}")


def test_a_json_export_of_loans_is_refused_as_json_not_as_an_unknown_table(data_dir, tmp_path):
    """mongoexport writes one JSON object per loan; a mapping cannot read JSON, so the refusal says
    to export CSV or Parquet rather than to declare a column mapping."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8", newline="") as handle:
        rows = list(islice(csv.DictReader(handle), 3))
    path = tmp_path / "lc_loans_export.ndjson"
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(path)
    assert str(refused.value).startswith(f"{path}: a JSON Lines file (one JSON object per line) (first line '{{")
    assert str(refused.value).endswith("not a table: loan tapes are read from CSV or text, Parquet or an Excel "
                                       "workbook, one row per loan; export the loans as CSV (or Parquet) and land that")
    for name, text, says in (("lc_tape.fods", '<?xml version="1.0"?>\n<office:document/>', "an XML document (a flat "
                              "OpenDocument .fods"), ("report.xls", "<html><body><table><tr><td>1</td></tr></table>",
                                                     "an HTML page (a web report saved as .xls?)")):
        (tmp_path / name).write_text(text, encoding="utf-8")
        with pytest.raises(FileRefused, match=re.escape(f"{tmp_path / name}: {says}")):
            parse_loan_file(tmp_path / name)


def test_a_feed_header_repeated_in_another_case_or_order(tmp_path):
    feed = tmp_path / "feed.csv"
    feed.write_text('id,title,body\n1,Head 1,Operating profit rose to EUR 13.1 mn .\n"id","title","body"\nID,TITLE,BODY\n'
                    "2,Head 2,Net sales fell 5 % .\n")
    parsed = parse_news_file(feed)
    parsed.reconcile()
    assert parsed.rows["doc_id"].to_list() == ["1", "2"]
    assert parsed.non_data_lines == [(3, "repeated_header"), (4, "repeated_header")]
    feed.write_text("id,title,body\n1,Head 1,Operating profit rose to EUR 13.1 mn .\nid,body,title\n2,Net sales fell 5 % .,Head 2\n")
    with pytest.raises(FileRefused, match=r"feed.csv: line 3 repeats the header with its columns in another order "
                                          r"\(body \(column 2, title in the header\), title \(column 3, body in the header\)\)"):
        parse_news_file(feed)


@pytest.mark.parametrize(("content", "says"), [(b"", "(0 bytes)"), (b"\r\n\r\n", "(4 bytes, all blank)"),
                                               (b"\xef\xbb\xbf", "(3 bytes, a byte-order mark and blanks)"),
                                               (b"\xef\xbb\xbf\r\n", "(5 bytes, a byte-order mark and blanks)")])
def test_an_empty_tape_is_refused_as_empty(tmp_path, content, says):
    tape = tmp_path / "loans_2024-07.csv"
    tape.write_bytes(content)
    with pytest.raises(FileRefused, match=rf"loans_2024-07.csv: the file is empty {re.escape(says)}"):
        parse_loan_file(tape)


def test_an_empty_news_file_is_refused_as_empty(tmp_path):
    path = tmp_path / "wire_2024-07-01.csv"
    path.write_bytes(b"\n")
    with pytest.raises(FileRefused, match=r"wire_2024-07-01.csv: the file is empty \(all blank\): no articles"):
        parse_news_file(path)


def test_spreadsheet_residue_is_not_data_and_changes_no_loan(lc_lines, tmp_path):
    """Formatted-but-empty rows (`,,,,`), every line ending in a delimiter under a header with
    untitled columns, and a second export glued on with its own byte-order mark: non-data lines
    and named columns, never loans."""
    header_cols = lc_lines[0].count(",") + 1
    lines = [lc_lines[0] + ",,"] + [row + ",," for row in lc_lines[1:4]] + ["," * (header_cols + 1)]
    lines += ["\ufeff" + lc_lines[0] + ",,"] + [row + ",," for row in lc_lines[4:]]
    parsed = parse_loan_file(_write(tmp_path / "residue.csv", lines))
    parsed.reconcile()
    assert parsed.quarantine.height == 0
    assert parsed.non_data_lines == [(5, "blank"), (6, "repeated_header")]
    original = parse_loan_file(_write(tmp_path / "original.csv", lc_lines))
    assert parsed.rows["loan_amount"].to_list() == original.rows["loan_amount"].to_list()
    assert parsed.rows["source_fields"][0] == f'{{"column_{header_cols + 1}":"","column_{header_cols + 2}":""}}'


def test_numbers_a_spreadsheet_showed_in_scientific_notation_are_quarantined(lc_lines, tmp_path):
    lines = list(lc_lines)
    lines[2] = lines[2].replace("2500,", "2.5E+03,", 1)
    parsed = parse_loan_file(_write(tmp_path / "sci.csv", lines))
    parsed.reconcile()
    assert _quarantined(parsed) == [(3, "loan_amnt", "sci_notation_value", "2.5E+03")]


def test_r_write_csv_shortest_forms_are_read_exactly_and_cut_forms_still_quarantined(data_dir, tmp_path):
    """R's write.csv writes 100000 as `1e+05` and 200000 as `2e+05` (scientific only where it is
    shorter than fixed notation, with up to 15 significant digits): exact, so the high incomes load
    instead of leaving the book (the sample's incomes in whole hundred thousands: 715 of 39,786
    loans, defaulting at 9.9 % against 14.3 %, so quarantining them biased the book). A
    spreadsheet's upper-case `1.0E+05`, C's six-digit `%g` cut (`1.23457e+05`) and MATLAB's
    five-digit `1.1e+05` for 110004 are no shortest forms and stay quarantined."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        at = header.index("annual_inc")
        every = list(reader)
    rows = [row for row in every if row[at] == "100000"][:9] + [row for row in every if row[at] == "200000"][:4]
    r_form = {"100000": "1e+05", "200000": "2e+05"}
    # the first loan's income as a spreadsheet writes it, the second's as C's %g cuts an income of
    # 123,456.78, the third's as MATLAB's csvwrite cuts 110,004
    written = [[*row[:at], {0: "1.0E+05", 1: "1.23457e+05", 2: "1.1e+05"}.get(i, r_form[row[at]]), *row[at + 1:]]
               for i, row in enumerate(rows)]
    tape = tmp_path / "lc_r_export.csv"
    with open(tape, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *written])
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    cut = {2, 3, 4}
    assert {(line, rule) for line, _, rule, _ in _quarantined(parsed)} == {(line, "sci_notation_value") for line in cut}
    exact = {i + 2: float(row[at]) for i, row in enumerate(rows) if i + 2 not in cut}
    assert dict(parsed.rows.select("_source_line", "annual_income").rows()) == exact and len(exact) == 10
    assert {row[at] for row in rows} == {"100000", "200000"}
    assert parsed.notes["sci_notation_read_exact"] == {"annual_inc": len(exact)}


def test_ids_wrapped_by_a_spreadsheet_or_a_float_column_load_under_their_own_key(tmp_path):
    tape = tmp_path / "lc.csv"
    tape.write_text("id,loan_amnt,term,loan_status\n1077501.0,5000,36 months,Fully Paid\n"
                    '"=""1077175""",2400,36 months,Fully Paid\n\'1076863,10000,36 months,Charged Off\n'
                    "2019E00123,3000,60 months,Fully Paid\n")
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.quarantine.height == 0
    assert parsed.rows["loan_key"].to_list() == ["lendingclub:1077501", "lendingclub:1077175", "lendingclub:1076863",
                                                 "lendingclub:2019E00123"]
    assert parsed.notes["source_loan_id_unwrapped"] == 3


def test_file_level_faults_are_refused_by_name_not_raised(lc_lines, tmp_path):
    with pytest.raises(FileRefused, match=r"loans_asof_2024-06-31.csv: the file name's as-of date 2024-06-31 is not a date"):
        parse_loan_file(_write(tmp_path / "loans_asof_2024-06-31.csv", lc_lines))
    exported = [lc_lines[0] + ",_source_line"] + [row + f",{n}" for n, row in enumerate(lc_lines[1:], start=2)]
    with pytest.raises(FileRefused, match=r"column '_source_line' is a lineage column the lake sets itself"):
        parse_loan_file(_write(tmp_path / "lake_export.csv", exported))


def test_a_footer_total_that_cannot_be_read_is_recorded_unchecked(cases_dir, tmp_path):
    text = (cases_dir / "F05_loanstats_with_note_lines.csv").read_text()
    tape = tmp_path / "LoanStats_footer.csv"
    tape.write_text(text.replace("Total amount funded in policy code 1: 27900", "Total amount funded in policy code 1: $27,900.00."))
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.notes["footer_totals"]["policy code 1"]["matches"]
    tape.write_text(text.replace("Total amount funded in policy code 1: 27900", "Total amount funded in policy code 1: 27.900.00"))
    totals = parse_loan_file(tape).notes["footer_totals"]
    assert totals["line 16"] == {"footer": "Total amount funded in policy code 1: 27.900.00", "checked": False}


def test_a_field_past_the_csv_modules_limit_loads_when_records_are_split_one_by_one(lc_lines, tmp_path):
    """A stray quote sends the reader to the csv module record by record; its 131,072-character field
    limit must not turn a well-formed record with a long text into a malformed one."""
    long_title = "Clerk " * 30_000
    parsed = parse_loan_file(_with_emp_titles(lc_lines, tmp_path, {3: 'Operator 12" press', 5: f'"{long_title}"'}))
    parsed.reconcile()
    assert parsed.quarantine.height == 0
    assert f'"emp_title":"{long_title.strip()}' in parsed.rows.filter(pl.col("_source_line") == 5)["source_fields"].item()


def test_feed_faults_of_ids_headers_and_quotes_are_quarantined_with_their_rule(sentences, tmp_path):
    """Concatenated exports repeat the header (a non-data line, not an article with id 'id'); an id
    written as a null token or shown in scientific notation is no id; a file cut off inside a
    quoted body would load text the file does not hold. A body that opens with a quoted word and
    goes on after it (`"..." he said`) is its text as written, quotes and all, not a quoted field."""
    plain = [(s, label) for s, label in sentences if "," not in s and '"' not in s]
    (s1, l1), (s2, l2), (s3, l3), (s4, l4), (s5, l5) = plain[:5]
    feed = tmp_path / "feed.csv"
    header = "id,headline,label,body"
    feed.write_text(
        f"{header}\na1,H1,{l1},{s1}\n\ufeff{header}\nNULL,H2,{l2},{s2}\n1.23457E+15,H3,{l3},{s3}\n"
        f'a4,H4,{l4},"{s4}" he said\na5,H5,{l5},"{s5[:20]}'
    )
    parsed = parse_news_file(feed)
    parsed.reconcile()
    assert parsed.rows.select("_source_line", "doc_id").rows() == [(2, "a1"), (6, "a4")]
    assert parsed.rows["text_raw"][1] == f'"{s4}" he said' and parsed.notes["quotes_read_as_text_lines"] == [6]
    assert parsed.non_data_lines == [(3, "repeated_header")]
    assert parsed.quarantine.select("line", "column_name", "rule").rows() == [
        (4, "doc_id", "missing_doc_id"), (5, "doc_id", "sci_notation_id"), (7, "*", "cut_in_quoted_field")]


@pytest.mark.parametrize("cut_after, lines", [("Sales", 2), ("Sales fell.\n", 2), ("Profit", 1)],
                         ids=["inside_its_second_line", "at_its_second_line_end", "inside_its_first_line"])
def test_a_feed_cut_inside_a_quoted_body_over_lines_is_one_quarantined_record(sentences, tmp_path, cut_after, lines):
    """Real sentences in a feed whose bodies run over lines; the copy is cut inside the last
    article's body, whose quote is still open at the end of the file. Its lines are one record,
    quarantined once under its first line as `cut_in_quoted_field`; each of its lines was read on
    its own as a stray quote's, two records of the wrong field count for one article cut short."""
    plain = [(s, label) for s, label in sentences if "," not in s and '"' not in s]
    (s1, l1), (s2, l2), (s3, l3) = plain[:3]
    whole = (f'id,headline,body,label\na1,H1,"{s1}\n{s2}",{l1}\na2,H2,{s3},{l2}\n'
             f'a3,H3,"Profit rose.\nSales fell.\nMargins held.",{l3}\n')
    cut = whole[: whole.index(cut_after, whole.index("a3,")) + len(cut_after)]
    feed = tmp_path / "feed_cut.csv"
    feed.write_text(cut, encoding="utf-8")
    parsed = parse_news_file(feed)
    parsed.reconcile()
    assert parsed.rows.select("_source_line", "doc_id", "text_raw").rows() == [(2, "a1", f"{s1}\n{s2}"),
                                                                              (4, "a2", s3)]
    assert parsed.data_records == 3 and "stray_quote_lines" not in parsed.notes
    ((line, column, rule, raw, message),) = parsed.quarantine.select(
        "line", "column_name", "rule", "raw_value", "message").rows()
    assert (line, column, rule) == (5, "*", "cut_in_quoted_field") and raw == cut[cut.index("a3,"):].rstrip("\n")
    said = "lines 5-6" if lines == 2 else "line 5"
    assert message == (f"{feed}: line 5: the file ends inside a quoted field that this record opens ({said}, one "
                       "record): its closing quote and the rest of the record never arrived (cut short in transfer, "
                       "or copied while still being written?); compare the file with its source and land it whole")


def test_phrasebank_text_is_not_taken_for_a_feed_when_its_first_sentence_ends_a_piece_in_content(data_dir, tmp_path):
    """Real vendor line 3415 splits at its commas into pieces, the last ending in 'content': a feed
    header by its last word. Most lines ending in '@label' decide first."""
    lines = (data_dir / "news" / "financial_phrasebank_50agree.txt").read_text("utf-8-sig").splitlines()
    start = next(i for i, line in enumerate(lines) if _feed_delimiter(line.rsplit("@", 1)[0]))
    path = tmp_path / "slice.txt"
    path.write_text("\n".join(lines[start : start + 30]) + "\n", encoding="utf-8")
    parsed = parse_news_file(path)
    parsed.reconcile()
    assert parsed.format == "phrasebank_txt" and parsed.rows.height == 30
    assert parsed.rows["text_raw"][0] == lines[start].rsplit("@", 1)[0]


def test_a_feed_written_with_a_space_after_each_comma_is_read_by_its_columns(sentences, tmp_path):
    plain = [(s, label) for s, label in sentences if '"' not in s]
    (s1, l1), (s2, l2) = plain[:2]
    feed = tmp_path / "feed.csv"
    feed.write_text(f'"id", "title", "body", "label"\n"n1", "Results", "{s1}", "{l1}"\nn2, Outlook, "{s2}", {l2}\n')
    parsed = parse_news_file(feed)
    parsed.reconcile()
    assert parsed.rows.select("doc_id", "headline", "text_raw", "label").rows() == [
        ("n1", "Results", s1, l1), ("n2", "Outlook", s2, l2)]


def test_archives_and_workbooks_are_refused_saying_what_to_land(lc_lines, tmp_path):
    import zipfile

    archive = tmp_path / "loans_2024-07.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as bundle:
        bundle.writestr("loans.csv", "\n".join(lc_lines) + "\n")
    with pytest.raises(FileRefused, match=r"loans_2024-07.zip: a ZIP archive: unzip it and land the files inside"):
        parse_loan_file(archive)
    workbook = tmp_path / "wire_2024-07.xlsx"  # a workbook cut short: its parts but no workbook.xml
    with zipfile.ZipFile(workbook, "w") as book:
        book.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    with pytest.raises(FileRefused, match=r"wire_2024-07.xlsx: not a readable Excel workbook .*was it landed "
                                          r"before it was fully written\? Else save the sheet as CSV"):
        parse_news_file(workbook)


def test_a_lendingclub_export_with_upper_case_column_names_is_the_same_tape(lc_lines, tmp_path):
    """A database export upper-cases the names (LOAN_AMNT, LOAN_STATUS); the values are LendingClub's."""
    parsed = parse_loan_file(_write(tmp_path / "LC_EXPORT.csv", [lc_lines[0].upper()] + lc_lines[1:]))
    parsed.reconcile()
    original = parse_loan_file(_write(tmp_path / "original.csv", lc_lines))
    assert parsed.format == "lendingclub" and parsed.quarantine.height == 0
    assert _values(parsed) == _values(original)


def test_a_glued_quote_after_a_stray_one_is_read_as_written(sentences, tmp_path):
    """Lines after an unclosed quote are read one by one; one of them with text glued after its
    closing quote ('"Beta" up') would load as 'Beta up' if the strict check skipped them: it is read
    as written, quotes and all. One whose glued quote holds a comma stays malformed."""
    feed = tmp_path / "feed.csv"
    feed.write_text('id,headline,body\n1,Alpha,"Opening quote never closed\n2,"Beta" up,Body two\n3,Gamma,Body three\n'
                    '4,"Delta, Inc." up,Body four\n')
    parsed = parse_news_file(feed)
    parsed.reconcile()
    assert parsed.rows.select("doc_id", "headline").rows() == [("1", "Alpha"), ("2", '"Beta" up'), ("3", "Gamma")]
    assert parsed.quarantine.select("line", "rule").rows() == [(5, "malformed_quotes")]


@pytest.mark.parametrize("twin", ["Loan_Amnt", "LOAN_AMNT", "Loan Amnt"])
def test_header_columns_differing_only_in_case_are_refused_not_guessed(lc_lines, tmp_path, twin):
    """`loan_amnt` and `Loan_Amnt` in one header: names are matched whatever their case, and the last
    one used to win silently, loading 9999 as the amount of a 5,000 USD loan."""
    lines = [lc_lines[0] + f",{twin}"] + [row + ",9999" for row in lc_lines[1:]]
    with pytest.raises(FileRefused, match=r"lc\.csv: line 1: header columns differ only in case, spaces or underscores "
                                          rf"\('loan_amnt' / '{twin}'\)"):
        parse_loan_file(_write(tmp_path / "lc.csv", lines))


@pytest.mark.parametrize(("twin", "kept_as"), [("desc", "desc_2"), ("Desc", "Desc")])
def test_a_column_the_tape_does_not_read_written_twice_is_kept_under_two_names(lc_lines, tmp_path, twin, kept_as):
    """Two columns under one name (or two in another case) that the LendingClub format does not read
    (a `desc` pasted twice, here holding each loan's state and zip): the tape loads, each column's
    values kept in source_fields under a name of its own, the repeat named in the notes. The same
    repeat of a column the format reads refuses the tape."""
    places = [row.split(",")[6:8] for row in lc_lines[1:]]  # zip_code, addr_state
    lines = [lc_lines[0] + f",desc,{twin}"] + [f"{row},{state},{zip3}" for row, (zip3, state) in zip(lc_lines[1:], places)]
    parsed = parse_loan_file(_write(tmp_path / "lc.csv", lines))
    parsed.reconcile()
    assert parsed.quarantine.height == 0 and _values(parsed) == _values(parse_loan_file(_write(tmp_path / "o.csv", lc_lines)))
    assert [json.loads(fields) for fields in parsed.rows["source_fields"]] == [
        {"desc": state, kept_as: zip3} for zip3, state in places]
    assert places[0] == ["860xx", "AZ"]
    assert parsed.notes["header_repeats"] == {"desc": ["desc", kept_as]}
    read_twice = [lc_lines[0] + ",revol_bal"] + [row + ",0" for row in lc_lines[1:]]
    with pytest.raises(FileRefused, match=r"lc\.csv: line 1: the header repeats column\(s\) \['revol_bal'\], a column "
                                          r"the tape's format reads: which one is meant cannot be told"):
        parse_loan_file(_write(tmp_path / "lc.csv", read_twice))


def test_a_mapped_tape_whose_unmapped_columns_repeat_a_name_loads_and_a_mapped_one_refuses(data_dir, tmp_path):
    """A lender's tape with two `comment` columns its mapping does not read loads, both comments
    kept; the same tape with its mapped `amount` written twice is refused, naming it."""
    with gzip.open(data_dir / "loans" / "sba_national.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        sba = list(islice(csv.DictReader(handle), 5))
    rows = [f"{r['LoanNr_ChkDgt']},{r['GrAppv'].strip().lstrip('$').replace(',', '')},{r['Bank'].replace(',', '')},"
            f"{r['City']}" for r in sba]
    tape = _declared(tmp_path, "id,amount,comment,comment", rows, '"amount": {"to": "loan_amount", "type": "money"}')
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.rows.select("source_loan_id", "loan_amount").rows() == [
        (r["LoanNr_ChkDgt"], float(r["GrAppv"].strip().lstrip("$").replace(",", ""))) for r in sba]
    assert [json.loads(f) for f in parsed.rows["source_fields"]] == [
        {"comment": r["Bank"].replace(",", ""), "comment_2": r["City"]} for r in sba]
    tape = _declared(tmp_path, "id,amount,comment,AMOUNT", rows, '"amount": {"to": "loan_amount", "type": "money"}')
    with pytest.raises(FileRefused, match=r"tape\.csv: line 1: header columns differ only in case, spaces or underscores "
                                          r"\('amount' / 'AMOUNT'\)"):
        parse_loan_file(tape)


def test_a_feed_header_naming_one_field_twice_in_different_case_is_refused(sentences, tmp_path):
    (s1, l1), = sentences[:1]
    feed = _write(tmp_path / "feed.csv", ["id,headline,Headline,body,label", f'n1,Results,Other,"{s1}",{l1}'])
    with pytest.raises(FileRefused, match=r"feed\.csv: line 1: columns \['headline', 'Headline'\] both name the headline"):
        parse_news_file(feed)


def test_scientific_notation_without_an_exponent_sign_is_quarantined_in_numeric_columns(lc_lines, tmp_path):
    """1.2346E5 (a spreadsheet with its exponent sign dropped) parses as a float, 123460: the digits
    lost upstream would load as a real amount. Any exponent form in a numeric column is quarantined."""
    lines = list(lc_lines)
    lines[1] = lc_lines[1].replace("5000,36 months", "1.2346E5,36 months", 1)
    lines[2] = re.sub(r",(\d+),(\d+\.\d+%),", r",\1,1e1%,", lc_lines[2], count=1)
    parsed = parse_loan_file(_write(tmp_path / "lc.csv", lines))
    parsed.reconcile()
    assert [q[:3] for q in _quarantined(parsed)] == [(2, "loan_amnt", "sci_notation_value"), (3, "revol_util", "sci_notation_value")]
    assert parsed.rows.height == 4


def test_a_nul_byte_in_a_value_is_quarantined_with_its_column_loans_and_news(lc_lines, sentences, tmp_path):
    """A NUL (a binary or truncated export) used to load into a news id ('a2\\x00' is not 'a2', so it
    escaped the duplicate-id check) and into loan text."""
    lines = list(lc_lines)
    lines[3] = lc_lines[3].replace(",RENT,", ",RE\x00NT,", 1)
    parsed = parse_loan_file(_write(tmp_path / "lc.csv", lines))
    parsed.reconcile()
    assert _quarantined(parsed) == [(4, "home_ownership", "control_character", "RE\x00NT")]
    (s1, l1), (s2, l2) = [(s, label) for s, label in sentences if '"' not in s][:2]
    feed = _write(tmp_path / "feed.csv", ["id,body,label", f'n1,"{s1}",{l1}', f'n2\x00,"{s2}",{l2}'])
    news = parse_news_file(feed)
    news.reconcile()
    assert news.rows["doc_id"].to_list() == ["n1"]
    assert news.quarantine.select("line", "column_name", "rule").rows() == [(3, "doc_id", "control_character")]


def test_a_nul_byte_in_a_column_the_book_does_not_read_lands_the_loan_and_is_named_in_the_notes(lc_lines, tmp_path):
    """An unmapped column (a borrower's free text, kept whole in `source_fields`) holding a NUL: the
    loan's own values are whole, so it lands, and the notes name the column and its lines instead
    of the NUL passing unremarked into the lake."""
    lines = [lc_lines[0] + ",desc"] + [line + ",plain text" for line in lc_lines[1:]]
    lines[2] = lc_lines[2] + ",has a NUL \x00 here"
    parsed = parse_loan_file(_write(tmp_path / "lc.csv", lines))
    parsed.reconcile()
    assert parsed.quarantine.height == 0 and parsed.rows.height == len(lc_lines) - 1
    assert parsed.notes["control_character_unmapped"] == {"desc": {"records": 1, "lines": [3]}}
    kept = parsed.rows.filter(pl.col("_source_line") == 3).get_column("source_fields").item()
    assert json.loads(kept) == {"desc": "has a NUL \x00 here"}


def test_spreadsheet_errors_and_export_null_markers_in_text_columns(tmp_path):
    """#N/A in a category column used to load as the category '#N/A', and NULL as 'NULL'. An Excel
    error value is a lost value, quarantined in any column; an export null marker in a text column
    is an empty value (NULL, counted in the notes; missing_value where the column is required)."""
    tape = _write(tmp_path / "lc.csv", [
        "id,loan_amnt,term,loan_status,grade,home_ownership",
        "1,5000,36 months,Fully Paid,#N/A,RENT",
        "2,5000,36 months,Fully Paid,B,NULL",
        "3,#DIV/0!,36 months,Charged Off,B,RENT",
        "NULL,5000,36 months,Fully Paid,B,RENT",
        "5,5000,36 months,Fully Paid,nan,NONE",
        "6,5000,36 months,Fully Paid,[NULL],<null>",  # DBeaver's and DataGrip's markers
        "7,5000,36 months,Fully Paid,(null),\\N",  # C's printf, PostgreSQL COPY's
    ])
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.rows.select("loan_key", "grade", "home_ownership").rows() == [
        ("lendingclub:2", "B", None), ("lendingclub:5", None, "NONE"), ("lendingclub:6", None, None),
        ("lendingclub:7", None, None)]
    assert [q[:3] for q in _quarantined(parsed)] == [
        (2, "grade", "spreadsheet_error"), (4, "loan_amnt", "spreadsheet_error"), (5, "id", "missing_value")]
    assert parsed.notes["null_token_values"] == {"id": 1, "grade": 3, "home_ownership": 3}


def test_ids_with_invisible_characters_or_thousands_separators_keep_their_loan_key(tmp_path):
    """A zero-width space pasted after an id, or a number format with separators applied to the id
    column, used to give a key no re-delivery matches; one inside an id is quarantined."""
    tape = _write(tmp_path / "lc.csv", [
        "id,loan_amnt,term,loan_status",
        "1077501\u200b,5000,36 months,Fully Paid",
        '"1,077,502",5000,36 months,Fully Paid',
        "\ufeff1077503,5000,36 months,Fully Paid",
        "10775\u200b04,5000,36 months,Fully Paid",
    ])
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.rows["loan_key"].to_list() == ["lendingclub:1077501", "lendingclub:1077502", "lendingclub:1077503"]
    assert parsed.notes["source_loan_id_unwrapped"] == 1
    assert [q[:3] for q in _quarantined(parsed)] == [(5, "id", "invisible_character")]
    feed = parse_news_file(_write(tmp_path / "feed.csv", [
        "id,headline", "n1\u200b,Acme Lending beats estimates", "n\u200b2,Acme Lending cuts guidance"]))
    feed.reconcile()
    assert feed.rows["doc_id"].to_list() == ["n1"]
    assert feed.quarantine.select("line", "column_name", "rule").rows() == [(3, "doc_id", "invisible_character")]


def test_a_control_character_in_a_phrasebank_sentence_is_quarantined_in_both_formats(sentences, tmp_path):
    """The PhraseBank text and CSV readers took a NUL or an ESC inside a sentence as text, so it
    reached the tokenizer; like feeds and loan tapes, such a line is quarantined with its rule and
    column, and the other sentences load."""
    plain = [(s, label) for s, label in sentences if "," not in s and '"' not in s][:4]
    broken = {2: plain[1][0][:10] + "\x00" + plain[1][0][10:], 4: plain[3][0] + "\x1b"}

    txt_lines = [broken.get(n, s) + "@" + label for n, (s, label) in enumerate(plain, start=1)]
    txt = parse_news_file(_write(tmp_path / "bank.txt", txt_lines))
    txt.reconcile()
    assert txt.format == "phrasebank_txt"
    assert txt.rows["text_raw"].to_list() == [plain[0][0], plain[2][0]]
    assert txt.quarantine.select("line", "column_name", "rule").rows() == [
        (2, "sentence", "control_character"), (4, "sentence", "control_character")]
    assert "U+0000" in txt.quarantine["message"][0] and "bank.txt: line 2" in txt.quarantine["message"][0]

    csv_lines = ["Y,Notices"] + [f"{label},{broken.get(n, s)}" for n, (s, label) in enumerate(plain, start=1)]
    csv = parse_news_file(_write(tmp_path / "bank.csv", csv_lines))
    csv.reconcile()
    assert csv.format == "phrasebank_csv"
    assert csv.rows["text_raw"].to_list() == [plain[0][0], plain[2][0]]
    assert csv.quarantine.select("line", "column_name", "rule").rows() == [
        (3, "Notices", "control_character"), (5, "Notices", "control_character")]
    assert "U+001B" in csv.quarantine["message"][1]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_written_without_a_byte_order_mark_loads_like_the_original(lc_lines, sentences, tmp_path, encoding):
    """A UTF-16 export without its byte-order mark used to be refused as 'no known loan tape format'
    with a first line of NULs; its NUL pattern names it, and it loads like the UTF-8 original."""
    original = parse_loan_file(_write(tmp_path / "lc.csv", lc_lines))
    wide = tmp_path / "lc16.csv"
    wide.write_bytes(("\n".join(lc_lines) + "\n").encode(encoding))
    parsed = parse_loan_file(wide)
    parsed.reconcile()
    assert _values(parsed) == _values(original) and parsed.rows.height == 6
    feed = tmp_path / "feed16.csv"
    feed.write_bytes(("id,body,label\n" + "".join(f'n{i},"{s}",{label}\n' for i, (s, label) in enumerate(sentences[:5])
                                                 if '"' not in s)).encode(encoding))
    news = parse_news_file(feed)
    news.reconcile()
    assert news.rows["text_raw"].to_list() == [s for s, _ in sentences[:5] if '"' not in s]


def test_a_first_thousands_group_of_zero_is_a_decimal_comma_not_thousands(lc_lines, tmp_path):
    """'0,837' and '00,100' group nothing: read as thousands they were 837 and 100, a utilisation of
    837 % and an income 240 times too small, with no rule. Well-placed groups still read."""
    lines = list(lc_lines)
    lines[1] = lc_lines[1].replace(",13648,83.70%,", ',"0,500","0,837",')
    lines[2] = lc_lines[2].replace(",30000,", ',"00,100",')
    lines[3] = lc_lines[3].replace(",12252,", ',"12,252",')
    parsed = parse_loan_file(_write(tmp_path / "lc.csv", lines))
    parsed.reconcile()
    assert _quarantined(parsed) == [(2, "revol_bal", "unparsable_number", "0,500"),
                                    (2, "revol_util", "unparsable_number", "0,837"),
                                    (3, "annual_inc", "unparsable_number", "00,100")]
    assert parsed.rows.filter(pl.col("_source_line") == 4)["annual_income"].item() == 12252


def _declared(tmp_path: Path, header: str, rows: list[str], columns: dict, dialect: str = "") -> Path:
    """A tape of `rows` under `header`, read by a sidecar mapping of `columns` (JSON text)."""
    tape = _write(tmp_path / "tape.csv", [header, *rows])
    (tmp_path / "tape.csv.mapping.json").write_text(
        f'{{"name": "t", {dialect} "columns": {{"id": {{"to": "source_loan_id", "required": true}}, {columns}}}}}')
    return tape


def test_whole_amounts_of_a_million_in_a_german_tape_are_not_ambiguous(tmp_path):
    """Decimal ',' thousands '.': two '.ddd' groups cannot be an English decimal; one can ('1.250')."""
    tape = _declared(tmp_path, "id;amount", ["1;1.250.000", "2;3.125.000,00", "3;1.250", "4;950,00"],
                     '"amount": {"to": "loan_amount", "type": "money"}',
                     '"dialect": {"delimiter": ";", "decimal": ",", "thousands": "."},')
    parsed = parse_loan_file(tape)
    assert parsed.rows.select("source_loan_id", "loan_amount").rows() == [("1", 1250000.0), ("2", 3125000.0),
                                                                          ("4", 950.0)]
    assert _quarantined(parsed) == [(4, "amount", "ambiguous_number", "1.250")]


def test_a_default_flag_in_a_number_format_reads_as_the_flag(tmp_path):
    """'1.00', '0.00', '01' (SAS, Excel number formats) are 1 / 0; 2 and 0.5 are no flag."""
    tape = _declared(tmp_path, "id,amount,flag", [f"{i},5000,{v}" for i, v in
                                                  enumerate(["1.00", "0.00", "01", "+1", "2", "0.5"])],
                     '"amount": {"to": "loan_amount"}, "flag": {"to": "default_flag"}')
    parsed = parse_loan_file(tape)
    assert parsed.rows.select("source_loan_id", "default_flag").rows() == [("0", 1), ("1", 0), ("2", 1), ("3", 1)]
    assert [(line, rule) for line, _, rule, _ in _quarantined(parsed)] == [
        (6, "invalid_default_flag"), (7, "invalid_default_flag")]


def test_a_compact_date_without_zero_padding_is_unparsable_not_guessed(tmp_path):
    """'%Y%m%d' on '2011121': December 1 or January 21? Only the format's full width is read."""
    tape = _declared(tmp_path, "id,amount,issued", ["1,5000,20111201", "2,5000,2011121", "3,5000,201112"],
                     '"amount": {"to": "loan_amount"}, "issued": {"to": "origination_date", "format": "%Y%m%d"}')
    parsed = parse_loan_file(tape)
    assert [str(d) for d in parsed.rows["origination_date"]] == ["2011-12-01"]
    assert [(line, rule) for line, _, rule, _ in _quarantined(parsed)] == [(3, "unparsable_date"), (4, "unparsable_date")]


def test_data_lines_ending_in_a_delimiter_the_header_lacks_load_every_loan(data_dir, tmp_path):
    """An ERP export writes a separator after every field, the header's last included or not: the
    extra empty field is an unnamed column, not 50 malformed loans."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        lines = [line.rstrip("\r\n") for line in islice(handle, 51)]
    padded = [lines[0]] + [line + "," for line in lines[1:50]] + [lines[50]]  # the last line without
    parsed = parse_loan_file(_write(tmp_path / "erp.csv", padded))
    original = parse_loan_file(_write(tmp_path / "plain.csv", lines))
    assert parsed.quarantine.height == 0
    assert parsed.rows.select(COLUMNS).equals(original.rows.select(COLUMNS)) and parsed.rows.height == 50


def test_a_header_name_wrapped_in_its_cell_is_one_name_and_no_loan(lc_lines, tmp_path):
    """Excel's Alt+Enter puts a line break inside a quoted header name: the header is one record
    over two lines ('home ownership', read as LendingClub's home_ownership: names match whatever
    their blanks and underscores), the second counted as `header_continued`, never a loan."""
    header = lc_lines[0].replace("home_ownership", '"home\nownership"') + ',"Comments\n(free text)"'
    parsed = parse_loan_file(_write(tmp_path / "lc.csv", [header, *(row + ",ok" for row in lc_lines[1:])]))
    parsed.reconcile()
    assert parsed.format == "lendingclub" and parsed.data_records == 6 and parsed.quarantine.height == 0
    assert parsed.non_data_lines == [(2, "header_continued"), (3, "header_continued")]
    assert parsed.rows["_source_line"].to_list() == [4, 5, 6, 7, 8, 9]
    first = parsed.rows.row(0, named=True)
    assert first["home_ownership"] == "RENT" and first["source_fields"] == '{"Comments (free text)":"ok"}'


def test_a_lendingclub_download_with_its_id_column_left_blank_loads_keyed_by_line(lc_lines, tmp_path):
    """Later LendingClub downloads keep `id` and leave it blank: keyed by file and line, as without it."""
    lines = ["id," + lc_lines[0]] + ["," + row for row in lc_lines[1:]]
    parsed = parse_loan_file(_write(tmp_path / "lc.csv", lines))
    assert parsed.rows.height == 6 and parsed.notes["loan_id_column_empty"] == "id"
    assert parsed.rows["loan_key"][0].startswith("lendingclub:") and parsed.rows["loan_key"][0].endswith(":2")
    lines[3] = "1077501," + lc_lines[3]  # one id given: the others are missing, as the rule says
    assert {r for _, _, r, _ in _quarantined(parse_loan_file(_write(tmp_path / "lc.csv", lines)))} == {"missing_value"}


def test_a_loan_tape_with_title_and_desc_columns_dropped_among_news_is_refused(lc_lines, tmp_path):
    """LendingClub's full downloads carry `title` (the loan's purpose) and `desc`: read as a feed,
    each loan would be an article headed 'Debt consolidation'."""
    lines = [lc_lines[0] + ",title,desc"] + [row + ",Debt consolidation,Paying off cards" for row in lc_lines[1:]]
    with pytest.raises(FileRefused, match=r"LoanStats3a.csv: line 1 is a LendingClub loan tape's header "
                                          r"\(loan_amnt, loan_status, term\), not a news feed: land it in landing/loans"):
        parse_news_file(_write(tmp_path / "LoanStats3a.csv", lines))


def test_a_tape_name_near_the_file_system_limit_loads(lc_lines, tmp_path):
    """A 245-byte name is legal, but its sidecar's name would pass the 255-byte limit: no sidecar
    can exist, so none is looked for, rather than an OSError on every run."""
    parsed = parse_loan_file(_write(tmp_path / ("servicer_export_" + "x" * 225 + ".csv"), lc_lines))
    assert parsed.format == "lendingclub" and parsed.rows.height == 6


def test_a_line_that_fills_the_empty_trailing_field_is_malformed_not_shifted(data_dir, tmp_path):
    """In an ERP export whose lines end with a delimiter, a line whose value holds the separator
    (`debt, cards`) has as many fields as the others but no empty last one: read, its fields would
    shift one column (home_ownership 'cards'); it is a malformed record."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        lines = [line.rstrip("\r\n") for line in islice(handle, 8)]
    padded = [lines[0]] + [line + "," for line in lines[1:]]
    padded[3] = lines[3].replace(",RENT,", ",RENT, extra,")  # 17 fields, the last one filled
    parsed = parse_loan_file(_write(tmp_path / "erp.csv", padded))
    assert parsed.rows["_source_line"].to_list() == [2, 3, 5, 6, 7, 8]
    (entry,) = parsed.quarantine.iter_rows(named=True)
    assert (entry["line"], entry["rule"]) == (4, "malformed_record")
    assert "this line fills it: a separator inside a value shifted its fields" in entry["message"]


def test_a_line_that_lost_a_field_but_kept_its_trailing_delimiter_is_malformed_not_shifted(data_dir, tmp_path):
    """In the same export, a line that lost a value (its revol_util) but still ends with the
    delimiter has the header's field count: padded, every value after the gap would load one column
    early (the loan's total_acc as its revol_util). It is a malformed record; a line written
    without the trailing delimiter still loads."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        lines = [line.rstrip("\r\n") for line in islice(handle, 8)]
    header = lines[0].split(",")
    padded = [lines[0]] + [line + "," for line in lines[1:]]
    fields = lines[4].split(",")
    del fields[header.index("revol_util")]
    padded[4] = ",".join(fields) + ","
    padded[6] = lines[6]  # no trailing delimiter: the empty column is read as empty
    parsed = parse_loan_file(_write(tmp_path / "erp.csv", padded))
    parsed.reconcile()
    assert parsed.rows["_source_line"].to_list() == [2, 3, 4, 6, 7, 8]
    (entry,) = parsed.quarantine.iter_rows(named=True)
    assert (entry["line"], entry["rule"], entry["raw_value"]) == (5, "malformed_record", padded[4])
    assert "a field is missing" in entry["message"]


def test_a_default_flag_is_read_in_the_tapes_number_dialect(tmp_path):
    """Decimal comma, thousands point: '1,00' is the flag 1; '1.000' is a thousand, no flag."""
    tape = _declared(tmp_path, "id;amount;flag", ["1;5000;1,00", "2;5000;0,00", "3;5000;1.000"],
                     '"amount": {"to": "loan_amount"}, "flag": {"to": "default_flag"}',
                     '"dialect": {"delimiter": ";", "decimal": ",", "thousands": "."},')
    parsed = parse_loan_file(tape)
    assert parsed.rows.select("source_loan_id", "default_flag").rows() == [("1", 1), ("2", 0)]
    assert [(line, rule) for line, _, rule, _ in _quarantined(parsed)] == [(4, "invalid_default_flag")]


def test_a_json_object_keyed_by_article_id_loads_every_article(sentences, tmp_path):
    """pandas' to_json(orient="index") and key-value dumps keep articles under their ids. Read as one
    record, the file loaded one row (the first article's fields) and dropped the rest unseen."""
    import json

    articles = {f"pd{i}": {"headline": text[:40], "body": text, "label": label, "published": "2024-04-07T08:00:00Z"}
                for i, (text, label) in enumerate(sentences[:5])}
    articles["pd3"]["id"] = "own-3"  # an article naming its own id keeps it
    feed = tmp_path / "by_id.json"
    feed.write_text(json.dumps(articles, indent=1))
    parsed = parse_news_file(feed)
    parsed.reconcile()
    assert parsed.rows.select("doc_id", "text_raw", "label").rows() == [
        ("pd0", sentences[0][0], sentences[0][1]), ("pd1", sentences[1][0], sentences[1][1]),
        ("pd2", sentences[2][0], sentences[2][1]), ("own-3", sentences[3][0], sentences[3][1]),
        ("pd4", sentences[4][0], sentences[4][1])]
    assert parsed.notes["articles_in"] == ["the members of an object keyed by article id"]
    assert parsed.rows["_source_line"].to_list() == [2, 8, 14, 20, 27]  # the line each article opens on

    wrapped = tmp_path / "wrapped.json"  # the same under an API's envelope
    wrapped.write_text(json.dumps({"status": "ok", "data": articles}))
    parsed = parse_news_file(wrapped)
    parsed.reconcile()
    assert parsed.rows["doc_id"].to_list() == ["pd0", "pd1", "pd2", "own-3", "pd4"]
    assert parsed.notes["articles_in"] == ["data: the members of an object keyed by article id"]


def test_a_feed_written_by_pythons_csv_module_on_windows_keeps_its_last_column(sentences, tmp_path):
    """csv.writer on a file opened without newline='' writes CR CR LF on Windows. The second CR
    ended the header's last name ('label\\r'), so a labelled file loaded with every label NULL."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["id", "published", "body", "label"])
    for i, (text, label) in enumerate(sentences[:6]):
        writer.writerow([f"c{i}", "2024-04-05T09:00:00Z", text, label])
    feed = tmp_path / "windows.csv"
    feed.write_bytes(buffer.getvalue().replace("\r\n", "\r\r\n").encode())
    parsed = parse_news_file(feed)
    parsed.reconcile()
    assert parsed.notes["columns"]["label"] == "label" and parsed.notes["ignored_columns"] == []
    assert parsed.rows.select("doc_id", "text_raw", "label").rows() == [
        (f"c{i}", text, label) for i, (text, label) in enumerate(sentences[:6])]


def test_a_feed_that_ends_each_data_line_with_its_delimiter_loads_every_article(sentences, tmp_path):
    """'a,b,c,' under a header without the trailing comma: the empty last field is dropped and the
    lines are noted, not every article quarantined as a wrong field count; a line whose extra field
    holds text is still one (a comma inside an unquoted value shifted its fields), and a quoted body
    over two lines is still one record."""
    (s0, l0), (s1, l1), (s2, l2) = sentences[:3]
    first, second = s2.split(" ", 1)
    path = tmp_path / "desk_feed.csv"
    path.write_text(
        "id,headline,body,published_at\n"
        f'b0,Results,"{s0}",2024-05-02T10:00:00Z,\n'
        f'b1,Results,"{s1}",2024-05-02T11:00:00Z,extra\n'
        f'b2,Results,"{first}\n{second}",2024-05-02T12:00:00Z,\n'
    )
    parsed = parse_news_file(path)
    parsed.reconcile()
    assert parsed.rows.select("doc_id", "_source_line", "text_raw", "published_at").rows() == [
        ("b0", 2, s0, datetime(2024, 5, 2, 10)), ("b2", 4, f"{first}\n{second}", datetime(2024, 5, 2, 12))]
    assert parsed.quarantine.select("line", "rule").rows() == [(3, "wrong_field_count")]
    assert parsed.notes["trailing_delimiter_lines"] == [2, 4]


def test_a_dos_end_of_file_mark_is_a_non_data_line_in_loan_tapes_and_feeds(lc_lines, sentences, tmp_path):
    """A last line holding only Ctrl-Z (0x1A), as DOS tools end a file, is counted as non-data
    (`end_of_file_marker`), not quarantined as a malformed record; every loan and article loads."""
    tape = tmp_path / "lc.csv"
    tape.write_bytes(("\r\n".join(lc_lines) + "\r\n\x1a").encode())
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.rows.height == 6 and parsed.quarantine.height == 0
    assert parsed.non_data_lines == [(8, "end_of_file_marker")]

    plain = [sentence for sentence, _ in sentences if '"' not in sentence][:3]
    feed = tmp_path / "feed.csv"
    feed.write_bytes(("id,headline\r\n" + "".join(f'n{i},"{s}"\r\n' for i, s in enumerate(plain)) + "\x1a").encode())
    parsed = parse_news_file(feed)
    parsed.reconcile()
    assert parsed.rows["headline"].to_list() == plain and parsed.quarantine.height == 0
    assert parsed.non_data_lines == [(5, "end_of_file_marker")]
    # a Ctrl-Z inside the file is a control character in a value, not an end
    feed.write_bytes(f'id,headline\nn0,"{plain[0]}\x1a"\nn1,"{plain[1]}"\n'.encode())
    assert parse_news_file(feed).quarantine.select("line", "rule").rows() == [(2, "control_character")]


def test_nul_bytes_that_end_a_copy_are_padding_named_in_the_notes_not_a_loan(lc_lines, risk_home):
    """A copy written into space set aside for it, stopped before filling it, ends in NUL bytes: after
    the last line end they are a non-data line (`nul_padding`), not a malformed loan of 4,096 NULs,
    and the notes give their count; landed, the file reconciles. Where the NULs follow a cut last
    loan (`Fully Pa`), that loan is quarantined for them and the note says they are in its text."""
    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.lake import connect

    text = "\n".join(lc_lines) + "\n"
    tape = risk_home.landing_loans / "lc_2024-05.csv"
    tape.write_bytes(text.encode() + b"\x00" * 4096)
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.quarantine.height == 0 and parsed.non_data_lines == [(8, "nul_padding")]
    assert _values(parsed) == _values(parse_loan_file(_write(risk_home.root / "original.csv", lc_lines)))
    assert parsed.notes["nul_padding"].startswith("the file ends with 4,096 NUL bytes from line 8: a copy")
    with connect(risk_home.lake_path) as con:
        report = land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, "run-1", asset="raw_loans")
        assert [(f.outcome, f.rows_in_file, f.rows_loaded, f.non_data_lines) for f in report.files] == [
            ("loaded", 7, 6, 1)]
    cut = text.encode()[: text.rindex("Fully Paid") + len("Fully Pa")]
    tape.write_bytes(cut + b"\x00" * 512)
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert [(line, column, rule) for line, column, rule, _ in _quarantined(parsed)] == [(7, "loan_status", "control_character")]
    assert parsed.non_data_lines == [] and "512 NUL bytes from line 7, in its last record's text" in parsed.notes["nul_padding"]


def test_a_header_followed_by_nul_bytes_alone_is_refused_as_a_cut_copy(lc_lines, tmp_path):
    """A copy stopped before its first loan (the header, then the zeros set aside for the rest)
    would land as an empty tape that reconciles; it is refused, naming the NUL bytes and their line."""
    tape = tmp_path / "lc_2024-05.csv"
    tape.write_bytes((lc_lines[0] + "\n").encode() + b"\x00" * 1000)

    with pytest.raises(FileRefused, match=r"lc_2024-05\.csv: the file holds its header and then 1,000 NUL bytes "
                                          r"from line 2, no record: a copy cut short"):
        parse_loan_file(tape)


def test_a_spreadsheet_day_number_in_a_feeds_time_column_is_quarantined_by_name(sentences, tmp_path):
    path = tmp_path / "feed.csv"
    path.write_text(f'id,headline,published_at\nn1,"{sentences[0][0]}",45414.375\n')
    parsed = parse_news_file(path)
    (entry,) = parsed.quarantine.iter_rows(named=True)
    assert (entry["line"], entry["column_name"], entry["raw_value"]) == (2, "published_at", "45414.375")
    assert "spreadsheet day number (an Excel serial date)" in entry["message"]


def test_a_summary_gives_way_to_a_longer_text_named_by_its_last_word(sentences, tmp_path):
    """'Summary' is an accepted body name, but beside a 'Full Text' column it is a teaser: the full
    text is the body and the summary its fallback, read for a row whose full text is empty."""
    (s0, _), (s1, _) = sentences[:2]
    path = tmp_path / "feed.csv"
    path.write_text(f'id,Title,Summary,Full Text\nn1,Results,"{s0[:30]}","{s0}"\nn2,Results,"{s1[:30]}",\n')
    parsed = parse_news_file(path)
    assert parsed.notes["columns"] == {"doc_id": "id", "headline": "Title", "body": "Full Text",
                                       "body_fallback": "Summary"}
    assert parsed.rows.select("doc_id", "text_raw").rows() == [("n1", s0), ("n2", s1[:30])]


def test_whole_euro_amounts_load_when_the_mapping_declares_a_single_group_is_thousands(tmp_path):
    """An ERP export of whole euros writes `5.000` and `24.000`: ambiguous by default (the message
    names the setting that settles it), thousands once the mapping says so; cents still read."""
    rows = ["1;5.000", "2;24.000", "3;5.375,50", "4;950"]
    dialect = '"dialect": {"delimiter": ";", "decimal": ",", "thousands": "."'
    amount = '"amount": {"to": "loan_amount", "type": "money"}'
    parsed = parse_loan_file(_declared(tmp_path, "id;amount", rows, amount, dialect + "},"))
    assert [rule for _, _, rule, _ in _quarantined(parsed)] == ["ambiguous_number", "ambiguous_number"]
    assert "declare dialect.single_group_is_thousands" in parsed.quarantine["message"][0]
    parsed = parse_loan_file(_declared(tmp_path, "id;amount", rows, amount,
                                       dialect + ', "single_group_is_thousands": true},'))
    assert parsed.quarantine.height == 0
    assert parsed.rows["loan_amount"].to_list() == [5000.0, 24000.0, 5375.5, 950.0]


def test_a_lendingclub_tape_saved_in_windows_1252_is_refused_with_a_remedy_that_fits_a_builtin_format(lc_lines, tmp_path):
    """Excel re-saved a LendingClub download as Windows-1252: the accented employer on line 3 is no
    UTF-8. The built-in format has no mapping to declare an encoding in: the refusal names the line
    and the byte, shows the text as Windows-1252 reads it, and says to re-save the file as UTF-8."""
    titles = ["Clerk", "Société Générale", "Nurse", "Teacher", "Driver", "Analyst"]
    lines = [lc_lines[0] + ",emp_title"] + [f"{row},{title}" for row, title in zip(lc_lines[1:], titles, strict=True)]
    tape = tmp_path / "LoanStats_excel.csv"
    tape.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(tape)
    message = str(refused.value)
    assert "(line 3): byte 0xe9 is not valid utf-8 (as Windows-1252 the text there reads" in message
    assert "Soci" in message and message.endswith("re-save the file as UTF-8 (Excel: 'CSV UTF-8'; iconv -f cp1252 -t utf-8)")


def _grouped(amount: float, sizes: tuple[int, ...], separator: str) -> str:
    """`amount` (whole USD cents dropped to two decimals) with its whole digits grouped from the
    right by `sizes` (the last size repeats): (3,) is 1,234,567; (3, 2) is 12,34,567."""
    whole, cents = f"{amount:.2f}".split(".")
    groups, rest, i = [], whole, 0
    while len(rest) > sizes[min(i, len(sizes) - 1)]:
        size = sizes[min(i, len(sizes) - 1)]
        groups.insert(0, rest[-size:])
        rest, i = rest[:-size], i + 1
    return separator.join([rest, *groups]) + "." + cents


@pytest.mark.parametrize(("grouping", "sizes", "separator", "wrong"), [
    (None, (3,), "'", "1'23'456.00"),          # Swiss, typed apostrophe
    (None, (3,), "\u2019", "1\u201923\u2019456.00"),  # Swiss, typographic apostrophe
    ("indian", (3, 2), ",", "1,234,567.00"),   # lakh grouping: three-digit groups are no Indian number
])
def test_swiss_and_indian_digit_grouping_read_when_declared(data_dir, tmp_path, grouping, sizes, separator, wrong):
    """Real LendingClub amounts and incomes written with a Swiss apostrophe or Indian lakh grouping
    load as the same numbers when the dialect declares it; a value grouped the other way is
    quarantined, not read as another number."""
    lc = pl.read_csv(data_dir / "loans" / "lendingclub_2007_2011.csv", n_rows=30, infer_schema=False)
    incomes = [float(v) for v in lc["annual_inc"]]
    big = [i for i, v in enumerate(incomes) if v >= 100_000]
    assert big, "the sample's first 30 loans hold an income of 100,000 or more"
    dialect = {"thousands": "'" if separator != "," else ",", "delimiter": ";"}
    if grouping:
        dialect["grouping"] = grouping
    (tmp_path / "maps").mkdir()
    (tmp_path / "maps" / "grouped.json").write_text(json.dumps({
        "name": "grouped", "applies_to": ["grouped_*.csv"], "dialect": dialect,
        "columns": {"loan_id": {"to": "source_loan_id", "required": True},
                    "annual_inc": {"to": "annual_income", "type": "number"}}}))
    lines = ["loan_id;annual_inc"] + [f"L{i};{_grouped(v, sizes, separator)}" for i, v in enumerate(incomes)]
    lines.append(f"L99;{wrong}")
    tape = _write(tmp_path / "grouped_tape.csv", lines)
    parsed = parse_loan_file(tape, [tmp_path / "maps"])
    parsed.reconcile()
    assert parsed.rows.sort("_source_line")["annual_income"].to_list() == incomes
    assert _quarantined(parsed) == [(32, "annual_inc", "unparsable_number", wrong)]
    assert any(sep in lines[2 + big[0]] for sep in (separator,))  # the big income was written grouped


def test_an_unknown_grouping_refuses_the_mapping(tmp_path):
    (tmp_path / "maps").mkdir()
    (tmp_path / "maps" / "bad.json").write_text(json.dumps({
        "name": "bad", "applies_to": ["bad_*.csv"], "dialect": {"grouping": "lakh"},
        "columns": {"loan_id": {"to": "source_loan_id"}}}))
    tape = _write(tmp_path / "bad_tape.csv", ["loan_id", "1"])
    with pytest.raises(FileRefused, match=r"grouping must be 'thousands' \(1,234,567\) or 'indian' \(12,34,567\)"):
        parse_loan_file(tape, [tmp_path / "maps"])


def test_a_negative_zero_is_stored_as_zero(lc_lines, tmp_path):
    """'-0.00' in a balance (an export's rounding of a tiny credit) loads as 0.0, not -0.0, so it
    prints and groups as the zero it is."""
    header = lc_lines[0].split(",")
    fields = lc_lines[1].split(",")
    fields[header.index("revol_bal")] = "-0.00"
    parsed = parse_loan_file(_write(tmp_path / "lc.csv", [lc_lines[0], ",".join(fields), *lc_lines[2:]]))
    parsed.reconcile()
    balance = parsed.rows.sort("_source_line")["revol_bal"][0]
    assert balance == 0.0 and str(balance) == "0.0"


def test_a_spark_csv_with_backslash_escaped_quotes_reads_every_article_whole(data_dir, tmp_path):
    """Spark and MySQL write a quote inside a quoted field as \\" instead of doubling it. Read with
    doubled quotes, every article with a quoted clause was a wrong field count; the file reads whole
    with the backslash as the escape, and the notes count the lines that use it. A file whose
    backslashes stand before quotes by chance (doubled quotes read it whole) is read as before."""
    with open(data_dir / "news" / "financial_phrasebank_50agree.txt", encoding="utf-8-sig") as handle:
        # PhraseBank writes quotes as `` and '' (Penn Treebank style); a news site writes straight ones
        sentences = [[text.replace("`` ", '"').replace(" ''", '"'), label]
                     for text, label in (line.rsplit("@", 1) for line in handle.read().splitlines() if "``" in line)][:12]
    assert len(sentences) == 12
    spark = ["id,headline,body,label"] + [
        f'sp-{i},"{text[:30].replace(chr(34), chr(92) + chr(34))}","{text.replace(chr(34), chr(92) + chr(34))}",{label}'
        for i, (text, label) in enumerate(sentences)]
    path = tmp_path / "spark_export_2024-05.csv"
    path.write_text("\n".join(spark) + "\n", encoding="utf-8")
    parsed = parse_news_file(path)
    parsed.reconcile()
    assert parsed.quarantine.height == 0 and parsed.rows["body"].to_list() == [text for text, _ in sentences]
    assert parsed.notes["quotes_escaped_with_backslash"] == 12
    # tab-separated, and with MySQL's NULL (an unquoted \N) for the last body: its headline is read
    tabbed = [line.replace('","', '"\t"').replace(",", "\t", 1) for line in spark]
    tabbed[0] = "id\theadline\tbody\tlabel"
    tabbed = [line.rsplit(",", 1)[0] + "\t" + line.rsplit(",", 1)[1] if i else line for i, line in enumerate(tabbed)]
    head, _, label = tabbed[-1].split("\t")[1:]
    tabbed[-1] = "\t".join(["sp-11", head, "\\N", label])
    path.write_text("\n".join(tabbed) + "\n", encoding="utf-8")
    tab = parse_news_file(path)
    tab.reconcile()
    assert tab.quarantine.height == 0 and tab.rows["body"].to_list()[:11] == [text for text, _ in sentences[:11]]
    assert not tab.rows["body"][11] and tab.rows["text_field"][11] == "headline"
    doubled = ["id,headline,body,label", r'd-1,"C:\data\","Profit rose "",as planned"" .",positive']
    path.write_text("\n".join(doubled) + "\n", encoding="utf-8")
    plain = parse_news_file(path)
    assert plain.rows["body"].to_list() == ['Profit rose ",as planned" .'] and "quotes_escaped_with_backslash" not in plain.notes


def test_a_loan_tape_with_backslash_escaped_quotes_reads_every_loan_whole(lc_lines, data_dir, tmp_path):
    """Spark and MySQL write a quote inside a quoted field as \\" rather than doubling it. The loans
    whose desc quotes a supplier (real SBA borrowers and cities) were malformed; read with the
    backslash as the escape, every loan loads with its own values and the desc as written, a
    backslash before another character (`C:\\loans`, MySQL's NULL `\\N`) kept. A tape whose
    backslashes stand before a quote by chance, read whole with doubled quotes, is read as before,
    and a record that reads neither way is quarantined with a message naming both escapes."""
    with gzip.open(data_dir / "loans" / "sba_national.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        suppliers = [(r["Name"], r["City"].title()) for r in islice(csv.DictReader(handle), 6)]
    descs = [f'Bought from "{name}", {city}' for name, city in suppliers]
    descs[2], descs[4] = "see C:\\loans\\2011", "\\N"
    escaped = [d.replace("\\", "\\\\").replace('"', '\\"') if '"' in d else d for d in descs]
    lines = [lc_lines[0] + ",desc"] + [f'{row},"{d}"' if '"' in d else f"{row},{d}" for row, d in zip(lc_lines[1:], escaped)]
    parsed = parse_loan_file(_write(tmp_path / "spark_part-00000.csv", lines))
    parsed.reconcile()
    assert parsed.quarantine.height == 0 and parsed.notes["quotes_escaped_with_backslash"] == 4
    assert _values(parsed) == _values(parse_loan_file(_write(tmp_path / "original.csv", lc_lines)))
    assert [json.loads(f)["desc"] for f in parsed.rows["source_fields"]] == descs
    assert descs[0] == 'Bought from "ABC HOBBYCRAFT", Evansville'
    doubled = lines[:2] + [lc_lines[2] + ',"C:\\loans\\"', lc_lines[3] + ',"Bought from ""ABC HOBBYCRAFT"", Evansville"']
    plain = parse_loan_file(_write(tmp_path / "doubled.csv", doubled))
    assert plain.rows.height == 2 and "quotes_escaped_with_backslash" not in plain.notes
    assert [json.loads(f)["desc"] for f in plain.rows["source_fields"]] == ["C:\\loans\\", descs[0]]
    assert plain.quarantine.select("line", "rule").rows() == [(2, "malformed_record")]
    assert "escaped by a backslash" in plain.quarantine["message"].item()


def test_a_postgresql_copy_text_export_reads_its_nulls_and_escapes(data_dir, tmp_path):
    """`COPY news TO ... (FORMAT text, HEADER)` writes tabs between fields, `\\N` for NULL and
    backslash escapes (`\\n`, `\\t`, `\\\\`), and never quotes. Read as CSV, a NULL headline
    loaded as the text `\\N`, a two-paragraph body kept `\\n` as two characters, and a body opening
    with a quote swallowed the tab after it. Each field reads as the text it stands for."""
    with open(data_dir / "news" / "financial_phrasebank_50agree.txt", encoding="utf-8-sig") as handle:
        sentences = [line.rsplit("@", 1) for line in handle.read().splitlines()[:6]]
    bodies = [text for text, _ in sentences]
    bodies[1] = f"{bodies[1]}\nSecond paragraph."
    bodies[2] = f'"{bodies[2]}'  # a quote that opens a field and is never closed: text, in this format
    bodies[3] = f"{bodies[3]} (C:\\data\tQ2)"
    escaped = [body.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t") for body in bodies]
    null = "\\N"
    lines = ["id\theadline\tbody\tlabel"] + [
        f"pg-{i}\t{null if i in (0, 4) else text[:30]}\t{body}\t{label}"
        for i, ((text, label), body) in enumerate(zip(sentences, escaped, strict=True))]
    path = tmp_path / "pg_copy_2024-05.tsv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    parsed = parse_news_file(path)
    parsed.reconcile()
    assert parsed.quarantine.height == 0
    assert parsed.rows["body"].to_list() == bodies
    # NULL is a NULL headline, as an empty CSV field is; the article is read from its body
    assert parsed.rows["headline"].to_list() == [None if i in (0, 4) else text[:30] for i, (text, _) in enumerate(sentences)]
    assert parsed.rows["label"].to_list() == [label for _, label in sentences]
    assert "copy_text_format" in parsed.notes


def test_database_client_rules_and_row_counts_are_not_loans(data_dir, tmp_path):
    """psql's aligned output and sqlcmd's CSV draw a line of dashes under the header and end with
    a row count: non-data lines (`rule_line`, `row_count`), not loans quarantined as malformed;
    every loan loads as the plain CSV's does."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8", newline="") as handle:
        rows = list(islice(csv.reader(handle), 11))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    aligned = [" | ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in rows]
    psql = [aligned[0], "-+-".join("-" * w for w in widths), *aligned[1:], "(10 rows)", ""]
    sqlcmd = [",".join(rows[0]), ",".join("-" * w for w in widths),
              *(",".join(f'"{c}"' if "," in c else c for c in row) for row in rows[1:]), "", "(10 rows affected)"]
    plain = parse_loan_file(_write(tmp_path / "plain.csv", [",".join(f'"{c}"' if "," in c else c for c in row) for row in rows]))
    for name, lines, rule, count in (("lc_psql.txt", psql, 2, 13), ("lc_sqlcmd.csv", sqlcmd, 2, 14)):
        parsed = parse_loan_file(_write(tmp_path / name, lines))
        parsed.reconcile()
        assert parsed.quarantine.height == 0 and parsed.rows.height == 10, name
        kinds = dict(parsed.non_data_lines)
        assert kinds[rule] == "rule_line" and kinds[count] == "row_count", (name, kinds)
        assert parsed.rows["loan_amount"].to_list() == plain.rows["loan_amount"].to_list()


@pytest.mark.parametrize("may_loans", [6, 25])
def test_exports_joined_with_their_headers_are_judged_part_by_part(data_dir, tmp_path, may_loans):
    """April's export (60 utilisations in percent points, 83.7) and May's (in fractions, 0.837)
    joined with `cat`, May's header repeated: May's part is judged on its own. With 25 loans it
    shows its scale and loads in fractions, noted; 6 are too few to call and are quarantined.
    Neither loads 100 times too small, though May is under a tenth of the column."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        lines = [line.rstrip("\r\n") for line in islice(handle, 61 + may_loans)]
    april = _utilisation_as(lines[:61], lambda v: f"{v:.2f}")
    may = _utilisation_as([lines[0], *lines[61:]], lambda v: f"{v / 100:.4f}")
    joined = april + may  # May's header is line 62
    original = parse_loan_file(_write(tmp_path / "original.csv", lines))
    parsed = parse_loan_file(_write(tmp_path / "lc_2024-04_05.csv", joined))
    parsed.reconcile()
    assert (62, "repeated_header") in parsed.non_data_lines
    utilisation = {line: util for line, util in original.rows.select("_source_line", "revol_util").rows()}
    may_lines = {line + 1 for line in utilisation if line > 61}  # one line later, after the repeated header
    loaded = dict(parsed.rows.select("_source_line", "revol_util").rows())
    assert all(loaded[line] == pytest.approx(utilisation[line - (line > 62)]) for line in loaded)
    if may_loans >= 20:
        assert may_lines <= set(loaded)
        assert parsed.notes["percent_written_as_fraction"] == {"revol_util": sum(utilisation[line - 1] > 0 for line in may_lines)}
    else:
        doubted = {line for line in may_lines if utilisation[line - 1]}
        assert {(line, rule) for line, _, rule, _ in _quarantined(parsed)} == {(line, "percent_scale_unclear") for line in doubted}


LC_LABELS = ('"Loan amount (USD)","Term","Employment length","Home ownership","Annual income (USD)","Verification",'
             '"ZIP (3)","State","Delinquencies 2y","Inquiries 6m","Open accounts","Public records",'
             '"Revolving balance (USD)","Revolving utilisation (%)","Total accounts","Status"')
LC_UNITS = "USD,months,years,,USD,,,,count,count,count,count,USD,%,count,"


def test_column_label_and_units_rows_under_a_header_are_not_loans(lc_lines, tmp_path):
    """A SAS or BI report writes its column labels (and sometimes units) under the header; read as
    data, the labels row was quarantined as one loan with a dozen bad values. It is a non-data line
    (`column_labels`) with its text in the notes, under the first header and under a repeated one,
    and the loans after it load as before."""
    header = lc_lines[0]
    tape = _write(tmp_path / "lc_report.csv", [
        "Loan performance report", "", header, LC_LABELS, LC_UNITS, *lc_lines[1:4],
        header, LC_LABELS, *lc_lines[4:7],
    ])
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.rows.height == 6 and parsed.quarantine.height == 0
    assert parsed.rows.get_column("loan_amount").to_list() == [5000, 2500, 2400, 10000, 3000, 5000]
    assert [line for line, kind in parsed.non_data_lines if kind == "column_labels"] == [4, 5, 10]
    assert parsed.notes["column_labels"][0].startswith("4: Loan amount (USD) | Term | Employment length")
    assert parsed.notes["column_labels"][1] == "5: USD | months | years |  | USD |  |  |  | count | count | count | count | USD | % | count | "


def test_a_row_of_words_among_the_loans_or_a_loan_with_one_worded_amount_stays_a_record(lc_lines, tmp_path):
    """Only the first rows under a header, in a run, are read as labels; a labels row between loans
    (an export joined without its header), and a first loan with one amount in words, are records
    and are quarantined with their rule: never set aside unseen."""
    first = lc_lines[1].split(",")
    first[1] = "sixty months"
    tape = _write(tmp_path / "lc_report.csv", [lc_lines[0], ",".join(first), *lc_lines[2:4], LC_LABELS, *lc_lines[4:7]])
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert "column_labels" not in parsed.notes
    assert parsed.rows.height == 5
    quarantined = parsed.quarantine.select("line", "column_name").unique("line", keep="first").sort("line").rows()
    assert [line for line, _ in quarantined] == [2, 5]


def test_codes_in_another_case_load_in_their_codes_spelling(lc_lines, tmp_path):
    """A database or SAS export that upper- or lower-cases text: landing folded `CHARGED OFF` for the
    default flag, and then the value rules quarantined the same loans for it, and for `Rent`, `NOT
    VERIFIED` and `ca`. Each coded column now loads in its codes' spelling, with the count of each
    value as written in the notes, so the value rules pass them."""
    from risk_assets.lib.schema import HOME_OWNERSHIP, LOAN_STATUSES, VERIFICATION

    header = lc_lines[0].split(",")
    col = {name: header.index(name) for name in ("home_ownership", "verification_status", "addr_state", "loan_status")}
    rows = [line.split(",") for line in lc_lines[1:]]
    written = [("Rent", "NOT VERIFIED", "az", "FULLY PAID"), ("mortgage", "source verified", "Ga", "charged off"),
               ("RENT", "Verified", "IL", "Fully Paid")]
    for row, (home, verified, state, status) in zip(rows, written):
        row[col["home_ownership"]], row[col["verification_status"]] = home, verified
        row[col["addr_state"]], row[col["loan_status"]] = state, status
    tape = _write(tmp_path / "lc_db_export.csv", [lc_lines[0], *(",".join(r) for r in rows)])
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.quarantine.height == 0
    loaded = parsed.rows.select("home_ownership", "verification_status", "addr_state", "loan_status", "default_flag").rows()
    assert loaded[:3] == [("RENT", "Not Verified", "AZ", "Fully Paid", 0), ("MORTGAGE", "Source Verified", "GA", "Charged Off", 1),
                          ("RENT", "Verified", "IL", "Fully Paid", 0)]
    assert all(h in HOME_OWNERSHIP and v in VERIFICATION and s in LOAN_STATUSES for h, v, _, s, _ in loaded)
    assert parsed.notes["codes_matched_ignoring_case"] == {
        "addr_state": {"Ga": 1, "az": 1}, "home_ownership": {"Rent": 1, "mortgage": 1},
        "verification_status": {"NOT VERIFIED": 1, "source verified": 1}}
    assert parsed.notes["status_matched_ignoring_case_and_spacing"] == {"FULLY PAID": 1, "charged off": 1}


def test_a_header_ending_with_a_delimiter_over_lines_that_do_not_loads_every_loan(lc_lines, tmp_path):
    """A report tool writes a separator after every header cell only: the header has an untitled
    17th column its data lines lack, and every loan was a malformed record, with a remedy (a mapping
    setting) a built-in LendingClub file cannot take. The loans load with the untitled column empty
    (notes `header_ends_with_delimiter`), also where the header ends with more delimiters than its
    lines; a line short of two fields is still malformed."""
    short = lc_lines[3].rsplit(",", 1)[0]  # lost its last field (loan_status) as well
    tape = _write(tmp_path / "lc_report.csv", [lc_lines[0] + ",", *lc_lines[1:3], short, *lc_lines[4:]])
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.rows.get_column("loan_amount").to_list() == [5000, 2500, 10000, 3000, 5000]
    assert parsed.notes["header_ends_with_delimiter"] == {"records": 5, "lines": [2, 3, 5, 6, 7]}
    assert [q[:3] for q in _quarantined(parsed)] == [(4, None, "malformed_record")]
    # two separators after the header's last name: two untitled columns, read empty
    tape = _write(tmp_path / "lc_report2.csv", [lc_lines[0] + ",,", *lc_lines[1:]])
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.rows.height == 6 and parsed.quarantine.height == 0 and parsed.notes["header_ends_with_delimiter"] == {"records": 6, "lines": [2, 3, 4, 5, 6, 7]}
    # two after the header, one after each line: each line holds one untitled column of two
    tape = _write(tmp_path / "lc_report3.csv", [lc_lines[0] + ",,", *(line + "," for line in lc_lines[1:])])
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.rows.get_column("loan_amount").to_list() == [5000, 2500, 2400, 10000, 3000, 5000]
    assert parsed.quarantine.height == 0 and parsed.notes["header_ends_with_delimiter"] == {"records": 6, "lines": [2, 3, 4, 5, 6, 7]}


def test_a_paginated_reports_page_numbers_are_non_data_lines(lc_lines, tmp_path):
    """A report printed to CSV breaks its pages with `Page 1 of 3` and the header again: the page
    lines were quarantined as malformed loans. They are non-data lines (`page_number`), in the first
    cell or in any cell of an otherwise empty line."""
    tape = _write(tmp_path / "lc_report.csv", [
        lc_lines[0], *lc_lines[1:3], "Page 1 of 3", lc_lines[0], *lc_lines[3:5], "- Page 2 -,,,", lc_lines[0],
        *lc_lines[5:7], '"Page 3 of 4","",""', "Pg. 4", ',,,"Page 5 of 5",,', "|".join(["", "", "Page 6", ""]),
    ])
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.rows.height == 6 and parsed.quarantine.height == 0
    assert [line for line, kind in parsed.non_data_lines if kind == "page_number"] == [4, 8, 12, 13, 14, 15]
    # a line with a cell reading `Page 2` among values is a loan (its value judged), not a page break
    cells = lc_lines[1].split(",")
    cells[cells.index("10+ years")] = "Page 2"
    parsed = parse_loan_file(_write(tmp_path / "lc_page.csv", [lc_lines[0], ",".join(cells)]))
    parsed.reconcile()
    assert not parsed.non_data_lines and parsed.rows.height == 0
    assert [q[:3] for q in _quarantined(parsed)] == [(2, "emp_length", "unparsable_value")]


def _lc_with(lc_lines: list[str], tmp_path: Path, column: str, values: list[str]) -> Path:
    """The 6 real loans with `column`'s value of loan i written as values[i] (csv-quoted as needed)."""
    header = lc_lines[0].split(",")
    rows = list(csv.reader(lc_lines[1:]))
    for row, value in zip(rows, values, strict=True):
        row[header.index(column)] = value
    path = tmp_path / "lc.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *rows])
    return path


def test_r_write_csv_na_in_emp_length_is_missing_not_a_bad_value(lc_lines, tmp_path):
    """R's write.csv writes a missing value as NA, in a coded column too: in emp_length it is an
    empty value (counted in null_token_values), as in a number column, while LendingClub's own
    'n/a' stays its unknown (emp_length_na)."""
    parsed = parse_loan_file(_lc_with(lc_lines, tmp_path, "emp_length",
                                      ["NA", "n/a", "None", "10+ years", "< 1 year", "3 years"]))

    assert parsed.quarantine.height == 0
    assert parsed.rows.sort("_source_line")["emp_length_years"].to_list() == [None, None, None, 10, 0, 3]
    assert parsed.notes["null_token_values"] == {"emp_length": 2}
    assert parsed.notes["emp_length_na"] == 1


def test_a_term_is_read_in_any_case_and_common_unit(lc_lines, tmp_path):
    """A term written '36 Months', '60 MONTHS', '36 mths', '60 mos', '36M' or '5 years' is that many
    months; a term of no whole month ('2.3 years') or no unit this reader knows ('36 weeks') is
    quarantined, never read as another term."""
    terms = ["36 Months", "60 MONTHS", "36 mths", "60 mos", "36M", "5 years"]
    parsed = parse_loan_file(_lc_with(lc_lines, tmp_path, "term", terms))
    assert parsed.quarantine.height == 0
    assert parsed.rows.sort("_source_line")["term_months"].to_list() == [36, 60, 36, 60, 36, 60]

    odd = parse_loan_file(_lc_with(lc_lines, tmp_path, "term", ["2.3 years", "36 weeks", "36", "60", "36", "60"]))
    assert [q[:3] for q in _quarantined(odd)] == [(2, "term", "not_whole_number"), (3, "term", "unparsable_value")]


def test_off_policy_is_read_from_the_status_where_the_marker_line_is_missing(lc_lines, tmp_path):
    """Rows alone, without LendingClub's 'does not meet the credit policy' marker line: a status
    that says so ('Does not meet the credit policy. Status:Charged Off', any case) makes the loan
    off policy, and then the rest are on policy; a file with neither keeps off_policy NULL."""
    statuses = ["Fully Paid", "Does not meet the credit policy. Status:Charged Off", "Charged Off",
                "does not meet the credit policy. status:fully paid", "Fully Paid", "Fully Paid"]
    parsed = parse_loan_file(_lc_with(lc_lines, tmp_path, "loan_status", statuses))
    rows = parsed.rows.sort("_source_line")
    assert rows["off_policy"].to_list() == [False, True, False, True, False, False]
    assert rows["default_flag"].to_list() == [0, 1, 1, 0, 0, 0]

    plain = parse_loan_file(_write(tmp_path / "plain.csv", lc_lines))
    assert plain.rows["off_policy"].null_count() == 6


def test_the_readers_take_a_path_as_text(lc_lines, tmp_path):
    """parse_loan_file and parse_news_file take the file and the mapping folders as text too."""
    path = _write(tmp_path / "lc.csv", lc_lines)
    assert parse_loan_file(str(path), mapping_dirs=[str(tmp_path)]).rows.height == 6
    news = tmp_path / "news.txt"
    news.write_text("Operating profit rose to EUR 13.1 mn from EUR 8.7 mn .@positive\n", encoding="utf-8")
    assert parse_news_file(str(news), mapping_dirs=[str(tmp_path)]).rows["label"].to_list() == ["positive"]


def test_a_beeline_export_with_the_table_name_before_every_column_is_read(lc_lines, tmp_path):
    """Hive's beeline writes `loans.loan_amnt,loans.term,...`: the built-in format is matched without
    the table prefix, with a note; names with different prefixes are no table's and are not read so."""
    header = lc_lines[0].split(",")
    path = _write(tmp_path / "lc.csv", [",".join(f"loans.{name}" for name in header), *lc_lines[1:]])

    parsed = parse_loan_file(path)

    plain = parse_loan_file(_write(tmp_path / "plain.csv", lc_lines))
    assert parsed.format == "lendingclub" and parsed.quarantine.height == 0
    assert _values(parsed) == _values(plain)
    assert "'loans.'" in parsed.notes["column_table_prefix"]
    mixed = [f"{'a' if i % 2 else 'b'}.{name}" for i, name in enumerate(header)]
    with pytest.raises(FileRefused, match="no known loan tape format"):
        parse_loan_file(_write(tmp_path / "mixed.csv", [",".join(mixed), *lc_lines[1:]]))


def _sba_rows(data_dir: Path, n: int) -> tuple[list[str], list[list[str]]]:
    """The header and the first n loans of the real SBA file."""
    with gzip.open(data_dir / "loans" / "sba_national.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        return next(reader), list(islice(reader, n))


def test_sba_yn_codes_written_as_booleans_read_as_the_codes(data_dir, tmp_path):
    """An SBA tape re-saved through Google Sheets (or a pandas bool column) writes RevLineCr and
    LowDoc as TRUE / FALSE: they loaded as codes of their own, categories the PD model had never
    seen. They read as Y / N now, counted; SBA's own other codes stay as written."""
    header, rows = _sba_rows(data_dir, 30)
    words = {"Y": "TRUE", "N": "FALSE"}
    at = {name: header.index(name) for name in ("RevLineCr", "LowDoc")}
    written = [[words.get(v, v) if i in at.values() else v for i, v in enumerate(row)] for row in rows]
    path = tmp_path / "sba_sheets.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *written])

    parsed = parse_loan_file(path)

    parsed.reconcile()
    assert parsed.rows["revolving_line"].to_list() == [row[at["RevLineCr"]] for row in rows]
    assert parsed.rows["low_doc"].to_list() == [row[at["LowDoc"]] for row in rows]
    assert parsed.notes["yn_words_read"] == {
        name: sum(row[i] in words for row in rows) for name, i in sorted(at.items()) if any(row[i] in words for row in rows)}


def test_sba_yn_codes_in_lower_case_load_as_the_codes(data_dir, tmp_path):
    """An SBA tape whose RevLineCr and LowDoc were lower-cased (`n`, `y`, a database's lower() or a
    hand edit) loaded `n` and `y` beside `N` and `Y`: categories of their own in the PD model. They
    load as the codes now, counted as written."""
    header, rows = _sba_rows(data_dir, 12)
    at = {name: header.index(name) for name in ("RevLineCr", "LowDoc")}
    written = [row[:] for row in rows]
    written[2][at["RevLineCr"]], written[2][at["LowDoc"]] = "n", "y"
    written[5][at["RevLineCr"]], written[5][at["LowDoc"]] = " y ", "n"
    path = tmp_path / "sba_lower.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *written])

    parsed = parse_loan_file(path)

    parsed.reconcile()
    assert parsed.quarantine.height == 0
    loaded = parsed.rows.select("_source_line", "revolving_line", "low_doc").rows()
    assert loaded[2] == (4, "N", "Y") and loaded[5] == (7, "Y", "N")
    assert [row[1:] for row in loaded] == [("N", "Y") if i == 2 else ("Y", "N") if i == 5 else
                                           (row[at["RevLineCr"]], row[at["LowDoc"]]) for i, row in enumerate(rows)]
    assert parsed.notes["codes_matched_ignoring_case"] == {"low_doc": {"n": 1, "y": 1},
                                                           "revolving_line": {"n": 1, "y": 1}}


def test_sba_s_other_letter_codes_in_lower_case_load_in_upper_case(data_dir, tmp_path):
    """SBA's RevLineCr also takes T and LowDoc C and S, codes outside Y / N kept as written; a tape
    that lower-cased them (`t`, `c`, ` s `) loaded categories of their own in the PD model. They load
    as `T`, `C`, `S`, counted with the other codes matched ignoring case; `0` stays as written."""
    header, rows = _sba_rows(data_dir, 12)
    at = {name: header.index(name) for name in ("RevLineCr", "LowDoc")}
    written = [row[:] for row in rows]
    written[1][at["RevLineCr"]], written[1][at["LowDoc"]] = "t", "c"
    written[4][at["RevLineCr"]], written[4][at["LowDoc"]] = "T", " s "
    written[7][at["RevLineCr"]], written[7][at["LowDoc"]] = "t", "0"
    path = tmp_path / "sba_lower_letters.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *written])

    parsed = parse_loan_file(path)

    assert parsed.quarantine.height == 0
    loaded = parsed.rows.sort("_source_line").select("_source_line", "revolving_line", "low_doc").rows()
    assert [loaded[1], loaded[4], loaded[7]] == [(3, "T", "C"), (6, "T", "S"), (9, "T", "0")]
    assert parsed.notes["codes_matched_ignoring_case"] == {"low_doc": {"c": 1, "s": 1}, "revolving_line": {"t": 2}}


def test_a_tape_joined_from_a_utf8_and_a_windows_1252_export_is_refused_naming_both_parts(data_dir, tmp_path):
    """Two months joined with `cat`, one saved as UTF-8 and one as Windows-1252, each with a name
    typed with ’: the refusal advised converting the whole file from Windows-1252, which garbles the
    UTF-8 month (`O’Rourke` -> `Oâ€™Rourke`) and then loads silently. It names the lines of each."""
    header, rows = _sba_rows(data_dir, 8)
    name = header.index("Name")
    lines = [",".join(header)] + [",".join(f'"{v}’S"' if i == name else f'"{v}"' for i, v in enumerate(row)) for row in rows]
    path = tmp_path / "sba_joined.csv"
    path.write_bytes(("\n".join(lines[:5]) + "\n").encode("utf-8") + ("\n".join(lines[5:]) + "\n").encode("cp1252"))

    with pytest.raises(FileRefused) as refused:
        parse_loan_file(path)

    message = str(refused.value)
    assert "(line 6): byte 0x92" in message
    assert "line(s) 2, 3, 4, 5 hold UTF-8 text beyond ASCII and line(s) 6, 7, 8, 9 bytes of another encoding" in message
    assert "iconv -f cp1252" not in message


def test_excels_hashes_for_a_narrow_column_are_quarantined_as_lost_and_a_dash_date_is_empty(data_dir, tmp_path):
    """Saved from Excel with the DisbursementDate column too narrow, dates are written as Excel
    shows them, `########`: those loans are quarantined saying the value is not in the file (the
    advice to declare a date format could not help). pandas' `na_rep="-"` writes a charge-off date
    not given as `-`: an empty date, counted, where every such loan was quarantined before."""
    header, rows = _sba_rows(data_dir, 20)
    disbursed, charged = header.index("DisbursementDate"), header.index("ChgOffDate")
    written = [[("########" if i == disbursed and n in (3, 7) else "-" if i == charged and not v else v)
                for i, v in enumerate(row)] for n, row in enumerate(rows)]
    path = tmp_path / "sba_excel.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *written])

    parsed = parse_loan_file(path)

    parsed.reconcile()
    assert _quarantined(parsed) == [(5, "DisbursementDate", "column_too_narrow", "########"),
                                    (9, "DisbursementDate", "column_too_narrow", "########")]
    assert "widen the column" in parsed.quarantine["message"][0]
    assert parsed.rows.height == 18
    assert parsed.notes["null_token_values"] == {"ChgOffDate": sum(not row[charged] for row in rows)}
    assert parsed.rows["chargeoff_date"].null_count() == sum(not row[charged] for n, row in enumerate(rows) if n not in (3, 7))


def test_a_grid_that_ends_every_row_with_empty_cells_its_header_lacks_loads_whole(data_dir, tmp_path):
    """A grid copied to a tab-separated file ends each data line with three empty cells (`\\t\\t\\t`)
    and its header with none: all 50 loans were malformed ('expected 27 fields, found 30'). The
    empty columns are added to the header; a loan with a value in one of them stays malformed."""
    header, rows = _sba_rows(data_dir, 12)
    lines = ["\t".join(header)] + ["\t".join(row) + "\t\t\t" for row in rows]
    lines[5] = "\t".join(rows[4]) + "\t\tstray\t"
    path = _write(tmp_path / "sba_grid.txt", lines)

    parsed = parse_loan_file(path)

    parsed.reconcile()
    assert parsed.rows.height == 11
    assert parsed.rows["source_loan_id"].to_list() == [row[0] for n, row in enumerate(rows) if n != 4]
    assert _quarantined(parsed)[0][:3] == (6, None, "malformed_record")


def test_a_lendingclub_tape_under_a_bi_tools_display_names_is_lendingclub(lc_lines, tmp_path):
    """Tableau's and Power BI's "export data" writes each field's display name: `Loan Amnt`,
    `Loan Status`, `Int Rate`. The tape was refused, saying LendingClub needs `term` beside a
    header holding `Term`; names now match whatever their case, blanks and underscores."""
    header = ",".join(name.replace("_", " ").title() for name in lc_lines[0].split(","))
    assert "Loan Amnt" in header and "loan_amnt" not in header

    parsed = parse_loan_file(_write(tmp_path / "tableau_export.csv", [header, *lc_lines[1:]]))

    plain = parse_loan_file(_write(tmp_path / "lc.csv", lc_lines))
    assert parsed.format == "lendingclub" and parsed.quarantine.height == 0
    assert _values(parsed) == _values(plain)


def test_r_write_table_row_names_are_an_untitled_first_column(lc_lines, tmp_path):
    """R's `write.table(loans, sep = "\\t")` writes each row's name first and leaves it out of the
    header: every loan was malformed ('expected 16 fields, found 17'). The header gains an untitled
    first column, and every value stays in its own column."""
    lines = [lc_lines[0].replace(",", "\t")] + [f"{181 + n}\t" + row.replace(",", "\t")
                                                for n, row in enumerate(lc_lines[1:])]
    parsed = parse_loan_file(_write(tmp_path / "loans_r.txt", lines))

    plain = parse_loan_file(_write(tmp_path / "lc.csv", lc_lines))
    assert parsed.format == "lendingclub" and parsed.quarantine.height == 0
    assert _values(parsed) == _values(plain)


def test_a_dbase_table_is_refused_as_what_it_is(data_dir, tmp_path):
    """An old core system's .dbf export (dBase III: a binary header of field descriptors, then
    fixed-width records) was refused as 'no known loan tape format' quoting its binary header."""
    import struct

    header, rows = _sba_rows(data_dir, 5)
    fields = [(name[:10], 20) for name in header[:6]]
    descriptors = b"".join(name.encode().ljust(11, b"\0") + b"C" + b"\0" * 4 + bytes([size]) + b"\0" * 15
                           for name, size in fields)
    header_length = 32 + len(descriptors) + 1
    record_length = 1 + sum(size for _, size in fields)
    head = struct.pack("<BBBBIHH20x", 0x03, 124, 6, 30, len(rows), header_length, record_length)
    records = b"".join(b" " + b"".join(v[:size].ljust(size).encode("ascii", "replace") for v, (_, size) in zip(row, fields))
                       for row in rows)
    path = tmp_path / "sba_loans.dbf"
    path.write_bytes(head + descriptors + b"\r" + records + b"\x1a")

    with pytest.raises(FileRefused) as refused:
        parse_loan_file(path)

    assert str(refused.value).startswith(f"{path}: a dBase table (.dbf") and "save it as CSV" in str(refused.value)


def test_dates_cut_to_their_month_by_a_display_format_say_the_day_is_missing(data_dir, tmp_path):
    """A spreadsheet's 'mmm-yy' display wrote SBA's approval dates `Sep-07`: each loan is quarantined,
    and the message says the day is missing (a mapping declaring `%b-%y`, as the old advice read,
    would load the 1st of each month)."""
    header, rows = _sba_rows(data_dir, 6)
    approved = header.index("ApprovalDate")
    written = [[datetime.strptime(v, "%d-%b-%y").strftime("%b-%y") if i == approved else v for i, v in enumerate(row)]
               for row in rows]
    path = tmp_path / "sba_months.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *written])

    parsed = parse_loan_file(path)

    parsed.reconcile()
    month = parsed.quarantine.filter(pl.col("column_name") == "ApprovalDate")
    assert month.height == 6 and set(month["rule"]) == {"unparsable_date"}
    assert "names a month and year, not a day" in month["message"][0] and "Dec-11" not in month["message"][0]


def test_an_excel_2003_xml_spreadsheet_is_refused_by_its_name(lc_lines, tmp_path):
    """Excel's 'XML Spreadsheet 2003', often saved as .xls, was called 'a flat OpenDocument .fods,
    a SOAP or XBRL export?'."""
    cells = "".join(f'<Cell><Data ss:Type="String">{name}</Data></Cell>' for name in lc_lines[0].split(","))
    path = tmp_path / "loans.xls"
    path.write_text('<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
                    '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
                    'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">\n'
                    f'<Worksheet ss:Name="loans"><Table><Row>{cells}</Row></Table></Worksheet></Workbook>\n',
                    encoding="utf-8")

    with pytest.raises(FileRefused) as refused:
        parse_loan_file(path)

    assert str(refused.value).startswith(f"{path}: an Excel 2003 XML Spreadsheet") and "save it as .xlsx" in str(refused.value)


@pytest.mark.parametrize("declared", [None, "flag", "new_exist"])
def test_sba_new_exist_codes_under_a_mapping_are_never_read_as_a_flag(data_dir, tmp_path, declared):
    """A lender maps SBA's NewExist (1 existing, 2 new) to new_business (1 new, 0 existing): read as
    written, or as a flag, every existing business loaded as new, and the 2s as 2. A column that
    writes a 2 is SBA's codes: each of its values is quarantined naming the type to declare, and
    declared `new_exist` it reads 2 as 1 and 1 as 0."""
    header, rows = _sba_rows(data_dir, 20)
    at = {name: header.index(name) for name in ("LoanNr_ChkDgt", "ApprovalDate", "GrAppv", "Term", "MIS_Status", "NewExist")}
    path = tmp_path / "bank_sba.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([list(at), *([row[i] for i in at.values()] for row in rows)])
    columns = {"LoanNr_ChkDgt": {"to": "source_loan_id"},
               "ApprovalDate": {"to": "origination_date", "type": "date", "format": "%d-%b-%y"},
               "GrAppv": {"to": "loan_amount", "type": "money"}, "Term": {"to": "term_months"},
               "MIS_Status": {"to": "loan_status"},
               "NewExist": {"to": "new_business", **({"type": declared} if declared else {})}}
    (tmp_path / "bank_sba.csv.mapping.json").write_text(json.dumps(
        {"name": "bank_sba", "columns": columns, "status_map": {"P I F": 0, "CHGOFF": 1}}))
    codes = [row[at["NewExist"]] for row in rows]
    assert "2" in codes and "1" in codes

    parsed = parse_loan_file(path)

    parsed.reconcile()
    if declared == "new_exist":
        assert parsed.quarantine.height == 0
        assert parsed.rows["new_business"].to_list() == [{"1": 0, "2": 1}.get(code) for code in codes]
    else:
        assert parsed.rows.height == 0 and set(parsed.quarantine["rule"]) == {"new_exist_code"}
        assert '"type": "new_exist"' in parsed.quarantine["message"][0]


def test_an_id_tape_with_one_field_too_many_is_not_read_as_r_row_names(lc_lines, tmp_path):
    """R's row names are quoted or count up by one; an id column whose rows hold one field too many
    (an amount written `2,500` unquoted) is neither, and those rows stay malformed: read as row
    names, every value would have loaded one column off."""
    lines = ["id," + lc_lines[0]] + [f"{1077501 + 7 * n}," + row.replace(row.split(",")[0], "2,500", 1)
                                     for n, row in enumerate(lc_lines[1:])]
    parsed = parse_loan_file(_write(tmp_path / "lc.csv", lines))

    parsed.reconcile()
    assert parsed.rows.height == 0 and set(parsed.quarantine["rule"]) == {"malformed_record"}


def test_a_lone_2_in_a_new_business_flag_is_that_rows_fault_and_underscored_names_stay_apart(data_dir, lc_lines, tmp_path):
    """One mistyped 2 among a lender's 0/1 new-business flags quarantines that loan alone, not the
    whole tape as SBA codes. A `_id` column (mongoexport) beside `id` is another column: names fold
    underscores only between words."""
    header, rows = _sba_rows(data_dir, 20)
    at = {name: header.index(name) for name in ("LoanNr_ChkDgt", "ApprovalDate", "GrAppv", "Term")}
    flags = ["1" if n % 3 == 0 else "0" for n in range(len(rows))]
    flags[5] = "2"
    path = tmp_path / "bank.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([[*at, "New"], *([*(row[i] for i in at.values()), flag] for row, flag in zip(rows, flags))])
    (tmp_path / "bank.csv.mapping.json").write_text(json.dumps({"name": "bank", "columns": {
        "LoanNr_ChkDgt": {"to": "source_loan_id"}, "ApprovalDate": {"to": "origination_date", "type": "date", "format": "%d-%b-%y"},
        "GrAppv": {"to": "loan_amount", "type": "money"}, "Term": {"to": "term_months"}, "New": {"to": "new_business"}}}))

    parsed = parse_loan_file(path)

    parsed.reconcile()
    assert parsed.quarantine.select("line", "rule").rows() == [(7, "unparsable_value")]
    assert parsed.rows["new_business"].to_list() == [int(f) for n, f in enumerate(flags) if n != 5]

    mongo = parse_loan_file(_write(tmp_path / "lc_mongo.csv", ["_id," + lc_lines[0]] +
                                   [f"65f0c0ffee{n:04d}," + row for n, row in enumerate(lc_lines[1:])]))
    assert mongo.format == "lendingclub" and mongo.rows.height == len(lc_lines) - 1


def test_a_windows_1252_tape_whose_bytes_happen_to_be_utf8_is_told_to_re_save(data_dir, tmp_path):
    """`CAFÉ` and a no-break space in Windows-1252 (C9 A0) happen to be a UTF-8 character (`ɠ`):
    such a file is not 'mixed', and converting it whole is the remedy."""
    header, rows = _sba_rows(data_dir, 4)
    name = header.index("Name")
    rows[0][name] = "CAFÉ\u00a0DU MONDE"
    rows[2][name] = "O’HARA’S"
    path = tmp_path / "sba_1252.csv"
    path.write_bytes("\n".join(",".join(f'"{v}"' for v in row) for row in [header, *rows]).encode("cp1252") + b"\n")

    with pytest.raises(FileRefused) as refused:
        parse_loan_file(path)

    assert "mixes encodings" not in str(refused.value) and "iconv -f cp1252" in str(refused.value)


def test_an_amount_with_more_digits_than_a_float_holds_is_quarantined_not_rounded(lc_lines, tmp_path):
    """loan_amnt 12345678901234567 loaded as 12345678901234568.00: 17 significant digits, two more
    than a float64 keeps exactly (FLOAT_EXACT_DIGITS). Such an amount is quarantined in every amount
    column, in any dialect's marks; 15 digits and trailing zeros (a cents column's .00) are exact and
    load, while a round 100000000000000000, exact in a float64, is 2^53 or more, beyond any
    plausible amount (value_out_of_range)."""
    parsed = parse_loan_file(_lc_with(lc_lines, tmp_path, "loan_amnt", [
        "12345678901234567", "5000", "123456789012345", "100000000000000000", "2400", "10000"]))
    parsed.reconcile()
    assert _quarantined(parsed) == [(2, "loan_amnt", "amount_beyond_float_digits", "12345678901234567"),
                                    (5, "loan_amnt", "value_out_of_range", "100000000000000000")]
    assert parsed.quarantine["message"][0] == (
        "column loan_amnt: '12345678901234567' has more than 15 significant digits, more than a float64 holds "
        "exactly, so it would load with other digits (12345678901234567 as 12345678901234568): no loan amount is "
        "that large, so an id or a unit error filled the column? correct the value in the tape")
    assert parsed.rows["loan_amount"].to_list()[:2] == [5000.0, 123456789012345.0]
    income = parse_loan_file(_lc_with(lc_lines, tmp_path, "annual_inc", [
        "24000", "30000", "12252", "49200", "80000", "1234567890123456.78"]))
    assert _quarantined(income) == [(7, "annual_inc", "amount_beyond_float_digits", "1234567890123456.78")]
