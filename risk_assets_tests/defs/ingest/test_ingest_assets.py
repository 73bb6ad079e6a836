"""raw_loans materialized through Dagster on case files."""

from __future__ import annotations

import shutil

import dagster as dg

from risk_assets.defs.ingest.assets import raw_loans
from risk_assets.defs.resources import LakeResource
from risk_assets.lib.lake import connect


def test_raw_loans_materializes_with_metadata(risk_home, cases_dir):
    for name in ("F05_loanstats_with_note_lines.csv", "F06_lc_formatted_strings.csv", "F03_loans_2024-03.csv",
                 "F03_loans_2024-03 (1).csv"):
        shutil.copyfile(cases_dir / name, risk_home.landing_loans / name)
    result = dg.materialize([raw_loans], resources={"lake": LakeResource(root=str(risk_home.root))})
    assert result.success
    metadata = result.asset_materializations_for_node("raw_loans")[0].metadata
    assert metadata["dagster/row_count"].value == 9 + 6 + 10
    files = metadata["files"].value
    assert "| F06_lc_formatted_strings.csv | lendingclub | 8 | 6 | 2 | 0 | loaded |" in files
    assert "duplicate" in files
    assert "unparsable_date | 2" in metadata["quarantined_at_landing"].value
    assert "run next as the check `raw_loans_values`" in metadata["quarantined_at_landing"].value
    assert "loan_key" in metadata["preview"].value
    assert metadata["reader_notes"].value["F05_loanstats_with_note_lines.csv"]["emp_length_na"] == 1
    assert "default_flag" in {c.name for c in metadata["dagster/column_schema"].value.columns}
    with connect(risk_home.lake_path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.loans").fetchone()[0] == 25
