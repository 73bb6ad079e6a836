"""Fixtures for loan ingestion tests: the case mappings and a landing helper."""

from __future__ import annotations

import shutil
from functools import partial
from pathlib import Path

import pytest

MAPPINGS = Path(__file__).parent / "mappings"


def write_euro_mapping(tape: Path) -> None:
    """A sidecar mapping for `tape` in LendingClub's columns that declares the tape's currency EUR,
    its amounts `money` (read with their currency marks)."""
    import json

    mapping = {"name": "de_lender", "applies_to": [tape.name], "currency": "EUR", "columns": {
        "loan_amnt": {"to": "loan_amount", "type": "money", "required": True},
        "annual_inc": {"to": "annual_income", "type": "money"}, "revol_bal": {"to": "revol_bal", "type": "money"},
        "term": {"to": "term_months", "type": "term"}, "loan_status": {"to": "loan_status", "required": True}}}
    tape.with_name(tape.name + ".mapping.json").write_text(json.dumps(mapping))


@pytest.fixture
def case_mappings() -> list[Path]:
    """Folders of the declared column mappings of the generic-tape cases (F07, F08, F09, F11, F12)."""
    return [MAPPINGS]


@pytest.fixture
def land_cases(risk_home, cases_dir):
    """Copy the named case files into landing/loans and land them; returns (report, connection factory)."""
    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.loan_formats import parse_loan_file
    from risk_assets.lib.lake import connect

    def run(*names: str, run_id: str = "run-1", progress=None):
        for name in names:
            shutil.copyfile(cases_dir / name, risk_home.landing_loans / name)
        with connect(risk_home.lake_path) as con:
            parse = partial(parse_loan_file, mapping_dirs=[MAPPINGS])
            return land_folder(con, risk_home.landing_loans, "loans", parse, run_id, asset="raw_loans",
                               progress=progress)

    return run


@pytest.fixture(scope="module")
def phrasebank_pairs() -> list[tuple[str, str]]:
    """The first 40 (sentence, label) pairs of the PhraseBank vendor file, as the lake reads them."""
    from risk_assets.lib.ingest.news_formats import parse_news_file
    from risk_assets_tests.conftest import DATA

    path = DATA / "news" / "financial_phrasebank_50agree.txt"
    if not path.is_file():
        pytest.skip(f"sample data not found at {path}")
    rows = parse_news_file(path).rows.head(40)
    return list(zip(rows["text_raw"], rows["label"], strict=True))
