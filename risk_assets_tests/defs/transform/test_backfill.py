"""A month landed late (a back-fill) is an older snapshot: the features keep the newer outcome.

The F12 case tapes without their snapshot_month column, the as-of date in the file name instead
(`..._asof_2024-04-30.csv`), landed April first and March second, then staged by dbt.
"""

from __future__ import annotations

import csv
import io
import json
from functools import partial

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource

from risk_assets.defs.resources import LakeResource
from risk_assets.defs.transform.assets import DBT_ASSETS
from risk_assets.defs.transform.project import dbt_executable, dbt_project
from risk_assets.lib.ingest.landing import land_folder
from risk_assets.lib.ingest.loan_formats import parse_loan_file
from risk_assets.lib.lake import connect
from risk_assets_tests.lib.ingest.conftest import MAPPINGS


def _without_snapshot_column(text: str) -> str:
    rows = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(row[:-1] for row in rows)  # snapshot_month is last
    return out.getvalue()


def test_a_backfilled_month_does_not_replace_the_newer_outcome(risk_home, cases_dir, tmp_path):
    mapping = json.loads((MAPPINGS / "f12.json").read_text())
    del mapping["columns"]["snapshot_month"]
    mapping["applies_to"] = ["f12_loans_asof_*.csv"]
    mappings = tmp_path / "mappings"
    mappings.mkdir()
    (mappings / "f12_undated.json").write_text(json.dumps(mapping))
    parse = partial(parse_loan_file, mapping_dirs=[mappings])
    for month, as_of in (("04", "2024-04-30"), ("03", "2024-03-31")):  # April lands first
        source = (cases_dir / f"F12_loans_snapshot_2024-{month}.csv").read_text()
        (risk_home.landing_loans / f"f12_loans_asof_{as_of}.csv").write_text(_without_snapshot_column(source))
        with connect(risk_home.lake_path) as con:
            land_folder(con, risk_home.landing_loans, "loans", parse, f"run-{month}", asset="raw_loans")

    loan_steps = [step for step in DBT_ASSETS if step.op.name in ("dbt_stg_loans", "dbt_loan_features")]
    result = dg.materialize(loan_steps, resources={
        "lake": LakeResource(root=str(risk_home.root)),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())})
    assert result.success
    with duckdb.connect(str(risk_home.lake_path), read_only=True) as con:
        dated = con.execute("SELECT regexp_extract(_source_file, 'asof_(.*)\\.csv', 1), min(snapshot_date)::VARCHAR, "
                            "max(snapshot_date)::VARCHAR FROM raw.loans GROUP BY 1 ORDER BY 1").fetchall()
        notes = con.execute("SELECT notes FROM raw.landed_files ORDER BY path").fetchall()
        flag = con.execute("SELECT default_flag FROM marts.loan_features WHERE loan_key LIKE '%:77003'").fetchone()
        versions = con.execute("SELECT snapshot_version, loan_status, snapshot_date::VARCHAR FROM staging.stg_loans "
                               "WHERE loan_key LIKE '%:77003' ORDER BY snapshot_version").fetchall()
    assert dated == [("2024-03-31", "2024-03-31", "2024-03-31"), ("2024-04-30", "2024-04-30", "2024-04-30")]
    assert [json.loads(n)["snapshot_date_from_as_of"] for (n,) in notes] == [12, 8]
    # March is version 1 though it landed last; the features hold April's charge-off
    assert versions == [(1, "Current", "2024-03-31"), (2, "Charged Off", "2024-04-30")]
    assert flag == (1,)
