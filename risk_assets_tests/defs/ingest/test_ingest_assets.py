"""raw_loans materialized through Dagster on case files."""

from __future__ import annotations

import shutil

import dagster as dg

from risk_assets.defs.ingest.assets import _markdown, raw_loans
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
    # analysts read the notes as a table in plain words; the manifest's JSON stays beside it
    assert ("| F05_loanstats_with_note_lines.csv | emp_length_na | 1 | employment length written `n/a`: "
            "loaded as unknown (empty), not as 0 years |") in metadata["reader_notes"].value.splitlines()
    assert metadata["reader_notes_json"].value["F05_loanstats_with_note_lines.csv"]["emp_length_na"] == 1
    assert "default_flag" in {c.name for c in metadata["dagster/column_schema"].value.columns}
    with connect(risk_home.lake_path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.loans").fetchone()[0] == 25


def test_the_quarantine_is_quoted_in_the_log_and_listed_by_the_cli(risk_home, cases_dir, capsys, monkeypatch):
    """F06: two LendingClub dates in a format the tape does not use are quarantined at landing; the run's
    log quotes them by line, and `risk-assets quarantine` lists them, summed and one by one."""
    from risk_assets.cli import main

    name = "F06_lc_formatted_strings.csv"
    shutil.copyfile(cases_dir / name, risk_home.landing_loans / name)
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([raw_loans], resources={"lake": LakeResource(root=str(risk_home.root))}, instance=instance)
    assert result.success
    with connect(risk_home.lake_path, read_only=True) as con:
        stored = con.execute("SELECT line, column_name, rule, raw_value FROM quality.quarantine ORDER BY line").fetchall()
    assert [rule for _, _, rule, _ in stored] == ["unparsable_date", "unparsable_date"]

    logged = next(e.user_message for e in instance.all_logs(result.run_id) if "first quarantined:" in e.user_message)
    quoted = "; ".join(f"line {line} {column} {rule} {raw!r}" for line, column, rule, raw in stored)
    assert logged == f"{name}: first quarantined: {quoted}; every value: risk-assets quarantine {name}"
    # the landing's counts say they are the parse's, and name the check that may quarantine more after it
    messages = [e.user_message for e in instance.all_logs(result.run_id)]
    path = risk_home.landing_loans / name
    assert f"{path}: loaded lendingclub loaded=6 quarantined_at_landing=2 non-data=0 " in messages
    assert any(m.startswith(f"{name}: read in ") and m.endswith("(6 rows to load, 2 to quarantine at landing); "
                                                                 "writing them to the lake") for m in messages)
    after = ("the value rules run next as the check raw_loans_values: the rows it fails are quarantined after landing "
             "(risk-assets quarantine lists them by file and rule)")
    assert messages.index(after) > messages.index(f"{path}: loaded lendingclub loaded=6 quarantined_at_landing=2 non-data=0 ")

    monkeypatch.setenv("RISK_HOME", str(risk_home.root))
    assert main(["quarantine"]) == 0
    summary = capsys.readouterr().out.splitlines()
    assert summary[1].split() == [name, "raw_loans", "unparsable_date", "2", str(stored[0][0])]
    assert main(["quarantine", name, "--limit", "1"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0] == f"{name}: 2 quarantined value(s), the first 1 by line"
    assert rows[1].startswith(f"  line {stored[0][0]}  {stored[0][1]}  unparsable_date {stored[0][3]!r}: ")
    assert main(["quarantine", name, "--rule", "spreadsheet_error"]) == 0
    assert capsys.readouterr().out.startswith(f"{name}: no quarantined value with rule 'spreadsheet_error'; loaded, ")


def test_the_preview_names_each_file_under_landing_and_the_columns_a_portfolio_lacks(risk_home, data_dir, cases_dir):
    """The preview cut `_source_file` to '…/landing/loans/lendingclub_2007_20…': the file's name was
    lost. And LendingClub rows read empty in origination_date and int_rate with no word that the
    sample download has no issue date or interest rate column."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        head = [next(handle) for _ in range(4)]
    (risk_home.landing_loans / "lendingclub_2007_2011.csv").write_text("".join(head))
    shutil.copyfile(cases_dir / "F03_loans_2024-03.csv", risk_home.landing_loans / "F03_loans_2024-03.csv")
    result = dg.materialize([raw_loans], resources={"lake": LakeResource(root=str(risk_home.root))})
    preview = result.asset_materializations_for_node("raw_loans")[0].metadata["preview"].value
    table, notes = preview.split("\n\n", 1)
    assert table.splitlines()[2] == ("| lendingclub:1300 | lendingclub | 2024-03-01 | Fully Paid | 0 | 20000.0 | 60 | "
                                     "0.1825 | loans/F03_loans_2024-03.csv | 2 |")
    sba_columns = ("naics, bank_state, employees, new_business, jobs_created, jobs_retained, franchise_code, "
                   "urban_rural, revolving_line, low_doc, disbursement_date, disbursement_gross, gross_approved, "
                   "sba_approved, chargeoff_date, chargeoff_principal, balance_gross")
    assert notes.splitlines() == [
        "Columns a file gave no value in any row (it does not carry them, or leaves them empty): they read empty "
        "above and in the table, as the file has them, not as a fault of the row.",
        "",
        "- **loans/F03_loans_2024-03.csv** (portfolio lendingclub): snapshot_date, off_policy, sub_grade, "
        "verification_status, zip3, addr_state, delinq_2yrs, inq_last_6mths, open_acc, pub_rec, revol_bal, "
        f"revol_util, total_acc, {sba_columns}",
        "- **loans/lendingclub_2007_2011.csv** (portfolio lendingclub): **origination_date, int_rate**; also "
        "source_loan_id, snapshot_date, vintage, off_policy, installment, grade, sub_grade, purpose, dti, "
        f"earliest_cr_line, fico_range_low, {sba_columns}, source_fields",
    ]
    # a path longer than a cell keeps its end, the file's name
    assert _markdown([("loans/2024/branch_b/" + "x" * 40 + "_tape.csv",)], ["_source_file"]).splitlines()[2] == (
        "| …" + ("loans/2024/branch_b/" + "x" * 40 + "_tape.csv")[-59:] + " |")
