"""Tapes without a header line (mainframe and agency exports write data lines only): a mapping with
`"header": false` names the columns by position, and the real LendingClub loans written that way load
as the same loans as the file with its header, one line earlier."""

from __future__ import annotations

import json
from itertools import islice
from pathlib import Path

import polars as pl
import pytest

from risk_assets.lib.ingest.loan_formats import parse_loan_file
from risk_assets.lib.ingest.parsed import FileRefused

LOANS = 60
POSITIONS = {  # the sample LendingClub file's columns, by 1-based position
    "column_1": {"to": "loan_amount", "type": "number", "required": True},
    "column_2": {"to": "term_months", "type": "term"},
    "column_3": {"to": "emp_length_years", "type": "emp_length"},
    "column_4": {"to": "home_ownership"},
    "column_5": {"to": "annual_income", "type": "number"},
    "column_7": {"to": "zip3", "type": "zip3"},
    "column_8": {"to": "addr_state"},
    "column_13": {"to": "revol_bal", "type": "number"},
    "column_14": {"to": "revol_util", "type": "percent"},
    "column_16": {"to": "loan_status", "required": True},
}
COMPARED = ["loan_amount", "term_months", "emp_length_years", "home_ownership", "annual_income", "zip3",
            "addr_state", "revol_bal", "revol_util", "loan_status", "default_flag"]


@pytest.fixture
def lc_lines(data_dir) -> list[str]:
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        return [line.rstrip("\r\n") for line in islice(handle, LOANS + 1)]


def _tape(folder: Path, name: str, lines: list[str], mapping: dict | None) -> Path:
    tape = folder / name
    tape.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if mapping is not None:
        (folder / (name + ".mapping.json")).write_text(json.dumps(mapping))
    return tape


def test_a_headerless_tape_loads_the_loans_of_its_headed_twin(lc_lines, tmp_path):
    headed = parse_loan_file(_tape(tmp_path, "with_header.csv", lc_lines, None))
    mapping = {"name": "lc_mainframe", "header": False, "columns": POSITIONS}

    parsed = parse_loan_file(_tape(tmp_path, "LC.DAT", lc_lines[1:], mapping))

    parsed.reconcile()
    assert parsed.format == "generic:lc_mainframe" and parsed.rows.height == LOANS
    assert parsed.non_data_lines == [] and parsed.quarantine.height == 0
    assert parsed.rows.select("_source_line").to_series().to_list() == list(range(1, LOANS + 1))
    ours = parsed.rows.sort("_source_line").select(COMPARED)
    theirs = headed.rows.sort("_source_line").select(COMPARED)
    assert ours.equals(theirs)
    assert ours["revol_util"][0] == pytest.approx(0.837) and ours["loan_amount"][0] == 5000.0
    unmapped = json.loads(parsed.rows["source_fields"][0])
    assert unmapped["column_6"] == "Verified" and "column_16" not in unmapped


def test_a_bad_line_in_a_headerless_tape_is_quarantined_at_its_line(lc_lines, tmp_path):
    lines = lc_lines[1:]
    lines[9] = lines[9] + ",spill"  # one field too many on line 10
    parsed = parse_loan_file(_tape(tmp_path, "LC.DAT", lines, {"name": "lc", "header": False, "columns": POSITIONS}))
    parsed.reconcile()
    assert parsed.quarantine.select("line", "rule").rows() == [(10, "malformed_record")]
    assert parsed.rows.height == LOANS - 1


def test_headerless_mappings_are_refused_when_they_cannot_be_trusted(lc_lines, tmp_path):
    named = {"name": "lc", "header": False, "columns": {**POSITIONS, "loan_status": {"to": "loan_status"}}}
    named["columns"].pop("column_16")
    with pytest.raises(FileRefused, match=r"columns are named by position \(column_1, column_2, \.\.\.\), not \['loan_status'\]"):
        parse_loan_file(_tape(tmp_path, "a.DAT", lc_lines[1:], named))

    too_wide = {"name": "lc", "header": False, "columns": {**POSITIONS, "column_19": {"to": "dti", "type": "number"}}}
    with pytest.raises(FileRefused, match=r"declares column\(s\) \['column_19'\] that the first data line \(16 fields"):
        parse_loan_file(_tape(tmp_path, "b.DAT", lc_lines[1:], too_wide))

    folder = tmp_path / "mappings"
    folder.mkdir()
    (folder / "every_file.json").write_text(json.dumps({"name": "lc", "header": False, "columns": POSITIONS}))
    with pytest.raises(FileRefused, match=r"every_file.json: invalid column mapping: with \"header\": false it must name its files"):
        parse_loan_file(_tape(tmp_path, "c.DAT", lc_lines[1:], None), mapping_dirs=[folder])

    own = parse_loan_file(_tape(tmp_path, "e.DAT", lc_lines[1:], {"name": "lc", "header": False, "columns": POSITIONS}),
                          mapping_dirs=[folder])  # its own sidecar decides; the broken folder mapping is a note
    assert own.rows.height == LOANS and "every_file.json: invalid column mapping" in own.notes["mappings_unreadable"][0]

    (folder / "every_file.json").write_text(json.dumps({"name": "lc", "header": "no", "columns": POSITIONS}))
    with pytest.raises(FileRefused, match=r"'header' must be true or false, not 'no'"):
        parse_loan_file(_tape(tmp_path, "d.DAT", lc_lines[1:], None), mapping_dirs=[folder])


def test_a_headerless_mapping_named_by_glob_reads_only_its_files(lc_lines, tmp_path):
    folder = tmp_path / "mappings"
    folder.mkdir()
    (folder / "mainframe.json").write_text(json.dumps(
        {"name": "mainframe", "applies_to": ["LC_*.DAT"], "header": False, "columns": POSITIONS}))
    parsed = parse_loan_file(_tape(tmp_path, "LC_2024-07.DAT", lc_lines[1:], None), mapping_dirs=[folder])
    assert parsed.format == "generic:mainframe" and parsed.rows.height == LOANS
    headed = parse_loan_file(_tape(tmp_path, "LC_with_header.csv", lc_lines, None), mapping_dirs=[folder])
    assert headed.format == "lendingclub"  # the glob does not name it: the built-in format reads it
    assert pl.Series(parsed.rows["loan_amount"]).sum() == pl.Series(headed.rows["loan_amount"]).sum()


def test_declared_header_and_trailer_records_are_non_data_lines(lc_lines, tmp_path):
    """A bank's mainframe file opens with a header record and ends with a trailer record
    (`HDR|...`, `TRL|<count>`), each with a field count of its own. Without a declaration the file
    is refused; a mapping's `non_data_prefixes` makes them non-data lines, counted with their line
    numbers, and the loans between them load as those of the headed file."""
    headed = parse_loan_file(_tape(tmp_path, "with_header.csv", lc_lines, None))
    body = [line.replace(",", "|") for line in lc_lines[1:] if '"' not in line]
    lines = ["HDR|LOANS|20200331", *body, f"TRL|{len(body)}"]
    mapping = {"name": "lc_mainframe", "header": False, "dialect": {"delimiter": "|"}, "columns": POSITIONS}
    with pytest.raises(FileRefused):
        parse_loan_file(_tape(tmp_path, "LOANS_20200331.DAT", lines, mapping))

    parsed = parse_loan_file(_tape(tmp_path, "LOANS_20200331.DAT", lines,
                                   {**mapping, "non_data_prefixes": ["HDR|", "TRL|"]}))
    parsed.reconcile()
    assert parsed.non_data_lines == [(1, "declared_non_data"), (len(lines), "declared_non_data")]
    assert parsed.rows.height == len(body) and parsed.quarantine.height == 0
    kept = headed.rows.filter(pl.col("_source_line").is_in([i + 2 for i, line in enumerate(lc_lines[1:]) if '"' not in line]))
    assert parsed.rows.sort("_source_line").select(COMPARED).equals(kept.sort("_source_line").select(COMPARED))


@pytest.mark.parametrize(("prefixes", "says"), [([""], "must not hold an empty prefix"),
                                                ([1], "'non_data_prefixes' must be a string or a list of strings")])
def test_a_bad_non_data_prefix_refuses_the_mapping(lc_lines, tmp_path, prefixes, says):
    mapping = {"name": "lc_mainframe", "header": False, "columns": POSITIONS, "non_data_prefixes": prefixes}
    with pytest.raises(FileRefused, match=says):
        parse_loan_file(_tape(tmp_path, "LC.DAT", lc_lines[1:], mapping))


def test_the_parts_of_a_tape_cut_without_its_header_are_refused_saying_to_join_them(lc_lines, tmp_path):
    """`split -l 20 tape.csv tape_part` keeps the header in the first part only: the later parts were
    refused as 'no known loan tape format', quoting a loan as if it were a header. The refusal says
    the first line holds values and, where the name says so, that the file is a part to join."""
    parts = [lc_lines[:21], lc_lines[21:41], lc_lines[41:]]
    names = ["lc_2024-06_part1of3.csv", "lc_2024-06_part2of3.csv", "lc_2024-06.csv.003"]
    for name, lines in zip(names, parts, strict=True):
        _tape(tmp_path, name, lines, None)
    assert parse_loan_file(tmp_path / names[0]).rows.height == 20
    for name, said in ((names[1], "'part2of3'"), (names[2], "'.003'")):
        with pytest.raises(FileRefused) as refused:
            parse_loan_file(tmp_path / name)
        assert (f"Its name says it is a part of a larger file ({said}), and its first line holds values, not a "
                "header: the file was cut without repeating its header in each part (split -l). Join the parts in "
                "order") in str(refused.value)
    unnamed = _tape(tmp_path, "lc_2024-06_b.csv", parts[1], None)
    with pytest.raises(FileRefused, match="Its first line holds values, not a header: a part of a file cut without "
                                          "its header"):
        parse_loan_file(unnamed)
    notes = _tape(tmp_path, "notes.csv", ["branch,officer,region", "North,Smith,EU"], None)
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(notes)
    assert "holds values, not a header" not in str(refused.value)


def test_a_part_cut_by_size_mid_record_is_refused_not_loaded_with_a_cut_value(lc_lines, tmp_path):
    """`split -b` cuts a tape by bytes: its first part keeps the header and loaded, its last loan's
    last value cut short ('Fully Paid' as 'Fully', an amount '10000.00' as '10.') with nothing
    said. A part whose name says it was cut by size and which ends without a line end is refused,
    naming its last line; the same loans cut between lines, or the whole file, load."""
    whole = ("\n".join(lc_lines[:31]) + "\n").encode("utf-8")
    cut = whole.rindex(b"Fully Paid") + len(b"Fully")
    (tmp_path / "lc_2024-06.csv.aa").write_bytes(whole[:cut])
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(tmp_path / "lc_2024-06.csv.aa")
    said = str(refused.value)
    assert "lc_2024-06.csv.aa: its name says it is a part of a larger file cut by size" in said
    assert said.split("(last line ends ")[1].startswith(repr(whole[:cut].decode()[-60:]))
    assert "Join the parts in order" in said
    (tmp_path / "xaa").write_bytes(whole[:cut])
    with pytest.raises(FileRefused, match="cut by size"):
        parse_loan_file(tmp_path / "xaa")
    by_lines = tmp_path / "lc_2024-06.csv.ab"
    by_lines.write_bytes(b"\n".join(whole.split(b"\n")[:21]) + b"\n")  # split -l: whole lines
    assert parse_loan_file(by_lines).rows.height == 20
    no_final_end = tmp_path / "lc_2024-06.csv"  # an ordinary name: a missing last line end is common
    no_final_end.write_bytes(whole.rstrip(b"\n"))
    assert parse_loan_file(no_final_end).rows.height == 30


@pytest.mark.parametrize("line_end", ["\n", "\x85"], ids=["lf", "nel"])
def test_an_ebcdic_tape_from_a_mainframe_loads_with_either_line_end(lc_lines, tmp_path, line_end):
    """A mainframe writes EBCDIC (code page 037) and ends its records with NL, byte 0x15, which
    Python decodes as U+0085: the whole file was one line and was refused for a header column it
    lacked, quoted as garbled text. NL ends a line in an EBCDIC file, as LF does."""
    text = line_end.join(lc_lines[:21]) + line_end
    tape = tmp_path / "acme_mainframe_2024-06.txt"
    tape.write_bytes(text.encode("cp037"))
    (tmp_path / (tape.name + ".mapping.json")).write_text(json.dumps({
        "name": "acme", "dialect": {"encoding": "cp037"},
        "columns": {"loan_amnt": {"to": "loan_amount", "type": "number"}, "term": {"to": "term_months", "type": "term"},
                    "loan_status": {"to": "loan_status"}}}))
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    plain = parse_loan_file(_tape(tmp_path, "lc.csv", lc_lines[:21], None))
    assert parsed.rows.height == 20 and parsed.quarantine.height == 0
    assert parsed.rows["loan_amount"].to_list() == plain.rows["loan_amount"].to_list()
