"""A sidecar (`<tape>.mapping.json`) applies to its own tape only, whatever its `applies_to` says: a
next month's tape beside it is not read by it, and was refused with 'Declare a column mapping' while
the mapping that names it sat in the same folder. The refusal (or, where a built-in format reads the
file, its notes) now names that sidecar and says to put it in the mappings folder."""

from __future__ import annotations

import json
import shutil
from itertools import islice
from pathlib import Path

import pytest

from risk_assets.lib.ingest.loan_formats import parse_loan_file
from risk_assets.lib.ingest.parsed import FileRefused

RENAMED = {"loan_amnt": "amount", "term": "tenor", "loan_status": "status"}


@pytest.fixture
def lc_lines(data_dir) -> list[str]:
    """The header and the first 6 loans of the real LendingClub file, line ends removed."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        return [line.rstrip("\r\n") for line in islice(handle, 7)]


def _acme(folder: Path, name: str, lc_lines: list[str]) -> Path:
    """The real loans under a lender's own names for amount, term and status (no built-in format's)."""
    header = ",".join(RENAMED.get(column, column) for column in lc_lines[0].split(","))
    path = folder / name
    path.write_text("\n".join([header, *lc_lines[1:]]) + "\n", encoding="utf-8")
    return path


def _sidecar(tape: Path) -> Path:
    mapping = {"name": "acme", "applies_to": ["acme_*.csv"], "portfolio": "acme", "columns": {
        "amount": {"to": "loan_amount", "type": "money", "required": True},
        "tenor": {"to": "term_months", "type": "term", "required": True},
        "status": {"to": "loan_status", "required": True}}}
    sidecar = tape.with_name(tape.name + ".mapping.json")
    sidecar.write_text(json.dumps(mapping), encoding="utf-8")
    return sidecar


def test_a_tape_refused_beside_another_tapes_sidecar_naming_it_is_told_where_the_mapping_goes(lc_lines, tmp_path):
    """May's tape reads by its sidecar (applies_to `acme_*.csv`); June's, beside it, is refused, the
    message naming May's sidecar and the mappings folder; copied there, the mapping reads June's."""
    landing, mappings = tmp_path / "landing", tmp_path / "mappings"
    landing.mkdir(), mappings.mkdir()
    may = _acme(landing, "acme_2024-05.csv", lc_lines)
    sidecar = _sidecar(may)
    june = _acme(landing, "acme_2024-06.csv", lc_lines)
    assert parse_loan_file(may, mapping_dirs=[mappings]).rows.get_column("loan_amount").to_list()[:2] == [5000.0, 2500.0]
    with pytest.raises(FileRefused) as refused:
        parse_loan_file(june, mapping_dirs=[mappings])
    message = str(refused.value)
    assert message.startswith(f"{june}: no known loan tape format")
    assert (f"The sidecar mapping {sidecar} names this file in its applies_to, but a sidecar applies only to its "
            f"own tape (acme_2024-05.csv): to read this file with it, copy it to the mappings folder ({mappings})"
            in message)
    shutil.copyfile(sidecar, mappings / "acme.json")
    parsed = parse_loan_file(june, mapping_dirs=[mappings])
    assert parsed.format == "generic:acme" and parsed.rows.get_column("loan_amount").to_list()[:2] == [5000.0, 2500.0]
    assert parsed.rows.get_column("term_months").to_list()[:2] == [36, 60]


def test_a_tape_a_built_in_format_reads_names_the_sidecar_not_applied_in_its_notes(lc_lines, tmp_path):
    """A tape in LendingClub's own columns beside another tape's sidecar that names it loads as
    LendingClub (the sidecar is not its own), and its notes name the sidecar; a sidecar whose
    applies_to names only its own tape is no note."""
    may = _acme(tmp_path, "acme_2024-05.csv", lc_lines)
    sidecar = _sidecar(may)
    june = tmp_path / "acme_2024-06.csv"
    june.write_text("\n".join(lc_lines) + "\n", encoding="utf-8")
    parsed = parse_loan_file(june)
    assert parsed.format == "lendingclub" and parsed.rows.height == 6
    assert parsed.notes["sidecar_not_applied"] == [
        f"The sidecar mapping {sidecar} names this file in its applies_to, but a sidecar applies only to its own tape "
        "(acme_2024-05.csv): to read this file with it, copy it to the mappings folder ($RISK_HOME/mappings/), where "
        "applies_to names the files, and land the file again."]
    sidecar.write_text(sidecar.read_text().replace('"acme_*.csv"', '"acme_2024-05.csv"'), encoding="utf-8")
    assert "sidecar_not_applied" not in parse_loan_file(june).notes
