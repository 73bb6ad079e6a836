"""A folder mapping names its files by applies_to: a compressed copy, a name macOS stored decomposed,
and a file its glob misses but whose columns it fits, on real LendingClub rows with a lender's id."""

from __future__ import annotations

import csv
import gzip
import io
import json
import unicodedata
from itertools import islice
from pathlib import Path

import pytest

from risk_assets.lib.ingest.loan_formats import parse_loan_file
from risk_assets.lib.ingest.mappings import names_file
from risk_assets.lib.ingest.parsed import FileRefused

COLUMNS = {"id": {"to": "source_loan_id", "required": True}, "loan_amnt": {"to": "loan_amount", "type": "money"},
           "term": {"to": "term_months", "type": "term"}, "loan_status": {"to": "loan_status"}}


@pytest.fixture
def lender_text(data_dir) -> str:
    """The first 12 real LendingClub loans with LendingClub's own column names and a lender's id."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8", newline="") as handle:
        rows = list(islice(csv.reader(handle), 13))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", *rows[0]])
    writer.writerows([f"A{700 + n}", *row] for n, row in enumerate(rows[1:], start=1))
    return out.getvalue()


def _maps(folder: Path, name: str, glob: str) -> list[Path]:
    (folder / "maps").mkdir(exist_ok=True)
    (folder / "maps" / f"{name}.json").write_text(json.dumps(
        {"name": name, "portfolio": name, "currency": "EUR", "applies_to": [glob], "columns": COLUMNS}), encoding="utf-8")
    return [folder / "maps"]


def test_a_gzip_copy_and_a_decomposed_name_are_named_by_the_mapping(lender_text, tmp_path):
    maps = _maps(tmp_path, "acme", "acme_*.csv")
    _maps(tmp_path, "muenchen", "bank_münchen_*.csv")
    gz = tmp_path / "acme_2024-05.csv.gz"
    gz.write_bytes(gzip.compress(lender_text.encode()))
    nfd = tmp_path / unicodedata.normalize("NFD", "bank_münchen_2024-05.csv")
    nfd.write_text(lender_text, encoding="utf-8")
    for path, book in ((gz, "acme"), (nfd, "muenchen")):
        parsed = parse_loan_file(path, mapping_dirs=maps)
        assert parsed.format == f"generic:{book}" and parsed.rows.height == 12
        assert set(parsed.rows["loan_key"].str.split(":").list.first()) == {book}
        assert set(parsed.rows["currency"]) == {"EUR"} and "mapping_not_applied" not in parsed.notes
    assert names_file("ACME_*.CSV", "acme_2024-05.csv.GZ") and not names_file("acme_*.csv", "acme_2024-06.txt")


def test_a_file_the_glob_misses_but_the_mapping_fits_says_so_when_the_builtin_format_reads_it(lender_text, tmp_path):
    """`acme_2024-06.txt` holds LendingClub's column names, so the built-in format reads it (USD, book
    lendingclub); acme's mapping fits its columns too, and the notes say it was not applied."""
    maps = _maps(tmp_path, "acme", "acme_*.csv")
    tape = tmp_path / "acme_2024-06.txt"
    tape.write_text(lender_text, encoding="utf-8")
    parsed = parse_loan_file(tape, mapping_dirs=maps)
    assert parsed.format == "lendingclub" and parsed.rows.height == 12
    assert parsed.notes["mapping_not_applied"] == [
        "mapping 'acme' (acme.json: portfolio acme, EUR) fits this file's columns, but its applies_to ['acme_*.csv'] "
        "does not name acme_2024-06.txt, so the file loaded as the built-in lendingclub format (portfolio lendingclub, "
        "USD); if the file is acme's, withdraw it (risk-assets withdraw acme_2024-06.txt), name it in applies_to "
        "and land it again"]
    # the same tape tab-separated (its mapping declares commas): the header is split as the file splits it
    tabbed = tmp_path / "acme_2024-07.tsv"
    tabbed.write_text(lender_text.replace(",", "\t"), encoding="utf-8")
    tab_parsed = parse_loan_file(tabbed, mapping_dirs=maps)
    assert tab_parsed.format == "lendingclub" and tab_parsed.notes["mapping_not_applied"][0].startswith(
        "mapping 'acme' (acme.json: portfolio acme, EUR) fits this file's columns")
    # a mapping whose columns the file lacks is not named
    (tmp_path / "maps" / "acme.json").write_text(json.dumps(
        {"name": "acme", "applies_to": ["acme_*.csv"], "columns": {**COLUMNS, "branch": {"to": "addr_state"}}}))
    assert "mapping_not_applied" not in parse_loan_file(tape, mapping_dirs=maps).notes


def test_a_tape_its_mapping_names_with_a_column_renamed_is_refused_not_read_as_a_builtin_book(lender_text, tmp_path):
    """July's `acme_2024-07.csv` renamed its id column `id` to `loan_ref`: the mapping that names it no
    longer fits, and the built-in LendingClub format read the file instead, into book lendingclub in
    USD, without a word. The file is refused, naming the lacking column; a mapping of which the
    header holds under half the columns still lets a built-in file through."""
    maps = _maps(tmp_path, "acme", "acme_*.csv")
    june = tmp_path / "acme_2024-06.csv"
    june.write_text(lender_text, encoding="utf-8")
    assert parse_loan_file(june, mapping_dirs=maps).format == "generic:acme"
    july = tmp_path / "acme_2024-07.csv"
    header, rest = lender_text.split("\n", 1)
    july.write_text(header.replace("id,", "loan_ref,", 1) + "\n" + rest, encoding="utf-8")
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(july, mapping_dirs=maps)
    assert "declares column(s) ['id'] that its header does not have" in str(refused.value)
    assert "not loaded as the built-in lendingclub format (portfolio lendingclub, USD)" in str(refused.value)
    # most of the mapping's columns renamed: still refused, since its glob names the file
    (tmp_path / "maps" / "acme.json").write_text(json.dumps(
        {"name": "acme", "applies_to": ["acme_*.csv"], "columns": {**COLUMNS, "branch": {"to": "addr_state"},
                                                                  "booked": {"to": "origination_date", "type": "date"},
                                                                  "rate": {"to": "int_rate", "type": "percent"}}}))
    with pytest.raises(FileRefused, match=r"declares column\(s\) \['booked', 'branch', 'id', 'rate'\]"):
        parse_loan_file(july, mapping_dirs=maps)
    # a lender's mapping whose glob is broad and whose columns are mostly other: the built-in file loads
    (tmp_path / "maps" / "acme.json").write_text(json.dumps(
        {"name": "acme", "applies_to": ["*.csv"], "columns": {**COLUMNS, "branch": {"to": "addr_state"},
                                                             "booked": {"to": "origination_date", "type": "date"},
                                                             "rate": {"to": "int_rate", "type": "percent"}}}))
    lc = tmp_path / "lc_2011.csv"
    lc.write_text("\n".join(line.split(",", 1)[1] for line in lender_text.splitlines()) + "\n", encoding="utf-8")
    assert parse_loan_file(lc, mapping_dirs=maps).format == "lendingclub"
