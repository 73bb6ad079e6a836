"""A loan tape saved over the one landed from its path: a correction of the same snapshot supersedes
the landed version (withdrawn as an operator's withdrawal does it), a newer snapshot written to the
same name stays beside it. Real LendingClub lines (no loan id column: each loan is keyed by its
file's digest and line)."""

from __future__ import annotations

import json
from itertools import islice

from risk_assets.lib.ingest.landing import file_sha256, land_folder
from risk_assets.lib.ingest.loan_formats import parse_loan_file
from risk_assets.lib.lake import connect
from risk_assets.lib.quality.duplicates import idless_repeats
from risk_assets.lib.report.run_outcome import lake_outcomes, outcome_notes


def _lines(data_dir, n: int) -> list[str]:
    """The header and the first n loans of the LendingClub sample."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        return [line.rstrip("\r\n") for line in islice(handle, n + 1)]


def _land(risk_home, run_id: str):
    with connect(risk_home.lake_path) as con:
        return land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, run_id, asset="raw_loans",
                           withdrawn_dir=risk_home.root / "withdrawn")


def _manifest(con) -> list[tuple]:
    return con.execute("SELECT sha256, status, rows_loaded, message, landed_at FROM raw.landed_files "
                       "ORDER BY landed_at").fetchall()


def test_a_tape_corrected_in_place_supersedes_the_landed_version_in_raw_and_the_features(risk_home, data_dir):
    """lc_a.csv, 300 loans, landed; then line 3's loan_amnt corrected from 2500 to 2700 and saved
    under the same name. Both versions' 300 loans were live (600 rows in raw.loans, stg_loans and
    loan_features for 300 loans), with only the id-less repeats WARN to say so."""
    import dagster as dg
    from dagster_dbt import DbtCliResource

    from risk_assets.defs.resources import LakeResource
    from risk_assets.defs.transform.assets import DBT_ASSETS
    from risk_assets.defs.transform.project import dbt_executable, dbt_project

    lines = _lines(data_dir, 300)
    tape = risk_home.landing_loans / "lc_a.csv"
    tape.write_text("\n".join(lines) + "\n")
    _land(risk_home, "run-1")
    old = file_sha256(tape)
    assert lines[2].startswith("2500,60 months,")
    lines[2] = "2700" + lines[2].removeprefix("2500")
    tape.write_text("\n".join(lines) + "\n")
    new = file_sha256(tape)
    (landed,) = _land(risk_home, "run-2").files

    resources = {"lake": LakeResource(root=str(risk_home.root)),
                 "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())}
    assert dg.materialize(DBT_ASSETS, resources=resources, selection=["stg_loans", "loan_features"]).success
    with connect(risk_home.lake_path, read_only=True) as con:
        (first, first_at), (second, _) = [(row[:4], row[4]) for row in _manifest(con)]
        raw = con.execute("SELECT _file_sha256, count(*) FROM raw.loans GROUP BY 1").fetchall()
        staged = con.execute("SELECT count(*) FROM staging.stg_loans").fetchone()[0]
        features = con.execute("SELECT count(*), sum(loan_amount) FILTER (WHERE loan_key = (SELECT loan_key FROM "
                               "raw.loans WHERE _source_line = 3 AND _file_sha256 = ?)) FROM marts.loan_features",
                               [new]).fetchone()
        notes = json.loads(con.execute("SELECT notes FROM raw.landed_files WHERE sha256 = ?", [new]).fetchone()[0])
        events = con.execute("SELECT outcome, run_id FROM raw.landing_events WHERE sha256 = ? ORDER BY seen_at",
                             [old]).fetchall()
        repeats = idless_repeats(con)

    said = (f"supersedes the version landed {first_at:%Y-%m-%d %H:%M} (sha256 {old[:12]}; 300 loans withdrawn "
            "from the features, 299 repeated by the new version)")
    assert first == (old, "withdrawn", 300, f"withdrawn by landing: superseded by {new} landed at the same path "
                                            "(300 rows and 0 quarantine entries removed)")
    assert second == (new, "loaded", 300, None)
    assert (landed.outcome, landed.notes["supersedes"], notes["supersedes"]) == ("loaded", said, said)
    assert raw == [(new, 300)] and staged == 300 and features == (300, 2700.0)
    assert events == [("loaded", "run-1"), ("withdrawn", "run-2")]
    assert repeats.success  # nothing left to warn of
    assert tape.is_file() and not (risk_home.root / "withdrawn").exists()  # the correction stays; nothing to move


def test_a_tape_landed_while_being_written_is_superseded_by_the_whole_file_and_its_cut_line_leaves_quarantine(
        risk_home, data_dir):
    """lc_b.csv landed cut mid-row (72 loans loaded, the cut line 74 quarantined), then completed in
    place: 272 loans were live for 200, and the cut line stayed open quarantine of the book."""
    lines = _lines(data_dir, 200)
    tape = risk_home.landing_loans / "lc_b.csv"
    whole = "\n".join(lines) + "\n"
    cut_at = whole.index(lines[73]) + len(lines[73]) - 5  # inside line 74's loan_status
    tape.write_text(whole[:cut_at])
    (partial,) = _land(risk_home, "run-1").files
    with connect(risk_home.lake_path, read_only=True) as con:
        cut = con.execute("SELECT line, rule, raw_value FROM quality.quarantine").fetchall()
    assert (partial.rows_loaded, partial.rows_quarantined) == (72, 1)
    assert cut == [(74, "unknown_status", "Fully")]  # 'Fully Paid' cut after 'Fully'

    old = file_sha256(tape)
    tape.write_text(whole)
    new = file_sha256(tape)
    (landed,) = _land(risk_home, "run-2").files

    with connect(risk_home.lake_path, read_only=True) as con:
        (first, first_at), (second, _) = [(row[:4], row[4]) for row in _manifest(con)]
        raw = con.execute("SELECT _file_sha256, count(*) FROM raw.loans GROUP BY 1").fetchall()
        quarantined = con.execute("SELECT count(*) FROM quality.quarantine").fetchone()[0]

    assert first == (old, "withdrawn", 72, f"withdrawn by landing: superseded by {new} landed at the same path "
                                           "(72 rows and 1 quarantine entries removed)")
    assert second == (new, "loaded", 200, None)
    assert raw == [(new, 200)] and quarantined == 0
    assert landed.notes["supersedes"] == (f"supersedes the version landed {first_at:%Y-%m-%d %H:%M} (sha256 "
                                          f"{old[:12]}; 72 loans withdrawn from the features, 72 repeated by the "
                                          "new version)")
    # the run's notes tag names it too, and no longer the cut line
    assert outcome_notes(lake_outcomes(risk_home.lake_path, "run-2", 5)) == [
        "lc_b.csv replaced the version landed from its path"]


def test_a_newer_snapshot_written_to_the_same_name_is_a_new_snapshot_not_a_correction(risk_home, data_dir):
    """loans_latest.csv, a monthly export written to one name: May's, then June's (its title line
    dated a month later, 20 loans charged off since). Both stay loaded, as before; June's metadata
    says it was read as a new snapshot."""
    lines = _lines(data_dir, 100)
    tape = risk_home.landing_loans / "loans_latest.csv"
    tape.write_text("\n".join(["Loan Portfolio Report as of 05/31/2024", *lines]) + "\n")
    _land(risk_home, "run-1")
    old = file_sha256(tape)
    june = [line.replace("Fully Paid", "Charged Off") if i < 20 else line for i, line in enumerate(lines)]
    tape.write_text("\n".join(["Loan Portfolio Report as of 06/30/2024", *june]) + "\n")
    new = file_sha256(tape)
    (landed,) = _land(risk_home, "run-2").files

    with connect(risk_home.lake_path, read_only=True) as con:
        (first, first_at), (second, _) = [(row[:3], row[4]) for row in _manifest(con)]
        raw = con.execute("SELECT _file_sha256, snapshot_date::VARCHAR, count(*) FROM raw.loans "
                          "GROUP BY ALL ORDER BY 2").fetchall()
        notes = json.loads(con.execute("SELECT notes FROM raw.landed_files WHERE sha256 = ?", [new]).fetchone()[0])

    assert (first, second) == ((old, "loaded", 100), (new, "loaded", 100))
    assert raw == [(old, "2024-05-31", 100), (new, "2024-06-30", 100)]
    assert "supersedes" not in notes
    assert landed.notes["same_path_other_snapshot"] == notes["same_path_other_snapshot"] == (
        f"read as a new snapshot, not a correction: the version landed {first_at:%Y-%m-%d %H:%M} from this path "
        f"(sha256 {old[:12]}) is the snapshot 2024-05-31, this file 2024-06-30; both stay loaded")
