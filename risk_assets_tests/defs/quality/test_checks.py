"""The quality asset checks in Dagster: verdicts persisted, failing rows shown, structural failures block."""

import logging

import dagster as dg
import duckdb

from risk_assets.defs.quality.checks import CHECKS
from risk_assets.defs.resources import LakeResource
from risk_assets_tests.lib.quality.lake_rows import lake_with, loan_rows


@dg.asset(name="raw_loans")
def raw_loans_stub() -> None:
    """Stands for the ingest asset: the test lake already holds raw.loans."""


@dg.asset(deps=["raw_loans"])
def downstream() -> None:
    """Stands for stg_loans: must not run when a blocking ERROR check on raw_loans fails."""


def _run(risk_home, instance: dg.DagsterInstance | None = None):
    raw_checks = [c for c in CHECKS if any(k.asset_key.to_user_string() == "raw_loans" for k in c.check_keys)]
    return dg.materialize(
        [raw_loans_stub, downstream, *raw_checks],
        resources={"lake": LakeResource(root=str(risk_home.root))},
        raise_on_error=False,
        instance=instance,
    )


def _failed_check_lines(instance: dg.DagsterInstance, run_id: str) -> list[tuple[str, str]]:
    """(level name, message) of the run's log lines that say a check did not pass."""
    return [(logging.getLevelName(e.level), e.user_message) for e in instance.all_logs(run_id)
            if not e.is_dagster_event and "did not pass" in e.user_message]


def test_f12_run_warns_quarantines_and_records(risk_home, cases_dir):
    lake_with(
        risk_home.lake_path,
        loans=[loan_rows(cases_dir / "F12_loans_snapshot_2024-03.csv"), loan_rows(cases_dir / "F12_loans_snapshot_2024-04.csv")],
    )
    instance = dg.DagsterInstance.ephemeral()
    result = _run(risk_home, instance)
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert checks["raw_loans_schema"].passed
    assert checks["raw_loans_values"].passed
    dup = checks["raw_loans_unique_per_snapshot"]
    assert not dup.passed and dup.severity == dg.AssetCheckSeverity.WARN
    assert "lendingclub:77007" in dup.metadata["failing_rows"].value
    assert result.success  # WARN does not block: downstream ran
    materialized = {e.event_specific_data.materialization.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert materialized == {"raw_loans", "downstream"}
    with duckdb.connect(str(risk_home.lake_path), read_only=True) as con:
        rows = con.execute("SELECT check_name, run_id, success, failing_count FROM quality.check_results ORDER BY 1").fetchall()
        quarantined = con.execute("SELECT record_key, rule FROM quality.quarantine").fetchall()
    assert rows == [
        ("raw_loans_footer_totals", result.run_id, True, 0),  # F12 tapes state no footer totals
        ("raw_loans_idless_repeats", result.run_id, True, 0),  # F12 tapes carry loan ids
        ("raw_loans_ids_changed", result.run_id, True, 0),  # March and April key their loans alike
        ("raw_loans_missing_from_newest", result.run_id, False, 1),  # 7 loans open in March are not in April
        ("raw_loans_outcome_reversed", result.run_id, True, 0),  # 77003 closes in April: an outcome, no reversal
        ("raw_loans_schema", result.run_id, True, 0),
        ("raw_loans_unique_per_snapshot", result.run_id, False, 2),
        ("raw_loans_values", result.run_id, True, 0),
    ]
    assert quarantined == [("lendingclub:77007", "conflicting_duplicate")] * 2
    # each failed check says so at WARNING in the run's log, not only in Dagster's DEBUG evaluation event
    assert sorted(_failed_check_lines(instance, result.run_id)) == [
        ("WARNING", f"check raw_loans_missing_from_newest on raw_loans did not pass (severity WARN): "
                    f"{checks['raw_loans_missing_from_newest'].description}"),
        ("WARNING", f"check raw_loans_unique_per_snapshot on raw_loans did not pass (severity WARN): "
                    f"{checks['raw_loans_unique_per_snapshot'].description}"),
    ]


def test_structural_failure_blocks_downstream(risk_home, cases_dir):
    lake_with(risk_home.lake_path, loans=[loan_rows(cases_dir / "F12_loans_snapshot_2024-04.csv").assign(loan_key=None)])
    instance = dg.DagsterInstance.ephemeral()
    result = _run(risk_home, instance)
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not checks["raw_loans_schema"].passed
    assert checks["raw_loans_schema"].severity == dg.AssetCheckSeverity.ERROR
    assert ("ERROR", f"check raw_loans_schema on raw_loans did not pass (severity ERROR): "
                     f"{checks['raw_loans_schema'].description}") in _failed_check_lines(instance, result.run_id)
    assert "loan_key_not_null" in checks["raw_loans_schema"].metadata["failed_rules"].value
    materialized = {e.event_specific_data.materialization.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert materialized == {"raw_loans"}


def test_each_check_description_starts_with_a_short_plain_title():
    """The UI's list of checks cuts a long name in the middle (`raw_loans_mis…g_from_newest`); the
    start of the description beside it says what the check is about in a few words."""
    titles = {spec.name: spec.description.split(". ", 1)[0] for check in CHECKS for spec in check.check_specs}
    assert titles["raw_loans_missing_from_newest"] == "Open loans missing from the newest tape"
    assert titles["raw_loans_values"] == "Value ranges and allowed sets"
    assert titles["loan_features_no_leakage"] == "No outcome leaking into the features"
    assert all(len(title) <= 45 and ":" not in title for title in titles.values()), titles
