"""A champion whose training loans were withdrawn from the lake, and landed again: drift that cannot
be measured is said to be so, and loans the champion saw are never new to it, whatever their landing
time. Built on the LendingClub sample, landed and withdrawn as an operator does."""

from datetime import timedelta
from itertools import islice

import polars as pl

from risk_assets.lib.ingest.landing import land_folder, withdraw_file
from risk_assets.lib.ingest.loan_formats import parse_loan_file
from risk_assets.lib.lake import connect
from risk_assets.lib.ml import registry
from risk_assets.lib.ml.pd_lake import ensure_pd_tables
from risk_assets.lib.monitoring import loans, tables
from risk_assets.lib.monitoring.retrain import RetrainThresholds, decide
from risk_assets.lib.monitoring.stability import psi_verdict

WATCHED = ("pd_score", "term_months", "loan_amount", "annual_income")


def _lines(data_dir) -> list[str]:
    """The sample's header and its first 2,500 loans."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        return [line.rstrip("\r\n") for line in islice(handle, 2501)]


def _land(con, home, name: str, lines: list[str]) -> None:
    (home.landing_loans / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    land_folder(con, home.landing_loans, "loans", parse_loan_file, name, asset="raw_loans")


def _rebuild_marts(con) -> None:
    """marts.loan_features from raw.loans, as the transform rebuilds it after a withdrawal."""
    con.execute("CREATE OR REPLACE TABLE marts.loan_features AS SELECT loan_key, portfolio, vintage, default_flag, "
                "loan_amount, term_months, annual_income FROM raw.loans")


def _champion_on_part1(con, home, lines: list[str]) -> None:
    """lc_part1.csv (the sample's first 1,000 loans) lands; champion v1 trains on its lines 2-801
    (800 loans) and holds out the other 200; then lc_part2.csv (the next 1,500 loans) lands."""
    _land(con, home, "lc_part1.csv", lines[:1001])
    trained = con.execute("SELECT max(_ingested_at) FROM raw.loans").fetchone()[0] + timedelta(microseconds=1)
    ensure_pd_tables(con)
    line = "CAST(split_part(loan_key, ':', 3) AS INTEGER)"
    con.execute(f"INSERT INTO ml.model_training_loans SELECT 'loan_pd_lendingclub', 'v1', loan_key FROM raw.loans "
                f"WHERE {line} <= 801")
    con.execute(f"INSERT INTO ml.model_holdouts SELECT 'loan_pd_lendingclub', 'v1', 'holdout', loan_key FROM raw.loans "
                f"WHERE {line} > 801")
    registry.register_candidate(con, "loan_pd_lendingclub", "v1", "artifacts/none", "auc_holdout", 0.69, "snap")
    registry.promote(con, "loan_pd_lendingclub", "v1", "first champion")
    con.execute("UPDATE ml.model_registry SET trained_at = ?", [trained])


def _population(con) -> dict:
    (row,) = tables.read(con, tables.CHAMPION_POPULATION).iter_rows(named=True)
    return row


def test_with_the_champions_training_loans_withdrawn_the_drift_checks_warn_that_drift_cannot_be_measured(
        risk_home, data_dir):
    """The operator withdraws lc_part1.csv, the file the champion trained on. Its 800 training loans
    leave the lake: the reference is empty, the 1,500 new loans have nothing to be compared with, and
    the drift checks warn, naming the file and the withdrawal, where they passed with 'no cohort of
    loans after the champion's training'. The retrain decision says so too."""
    lines = _lines(data_dir)
    with connect(risk_home.lake_path) as con:
        _champion_on_part1(con, risk_home, lines)
        _rebuild_marts(con)
        written = loans.monitor(con)  # no loan after training yet: nothing to compare, a pass as before
        population = written[tables.CHAMPION_POPULATION.name]
        assert psi_verdict(written[tables.FEATURE_PSI.name], 0.2, 200, WATCHED, "feature", population) == (
            True, "Nothing to compare yet: no cohort of loans after the champion's training to compare its feature with", 0)

        _land(con, risk_home, "lc_part2.csv", [lines[0], *lines[1001:]])
        withdraw_file(con, "lc_part1.csv", "wrong month", "ops", risk_home.root / "withdrawn")
        (when,) = con.execute("SELECT max(seen_at) FROM raw.landing_events WHERE outcome = 'withdrawn'").fetchone()
        _rebuild_marts(con)
        written = loans.monitor(con)
        row = _population(con)
        (snapshot,) = loans.snapshots(con)

    why = (f"lc_part1.csv: withdrawn on {when:%Y-%m-%d %H:%M} UTC by ops (wrong month): its 1,000 loaded rows and "
           "0 quarantine entries were removed from the lake")
    assert (row["reference_rows"], row["new_rows"], row["training_loans_gone"], row["training_loans_gone_why"]) == (
        0, 1500, 800, why)
    assert written[tables.FEATURE_PSI.name].is_empty() and written[tables.SCORE_PSI.name].is_empty()
    gone = (f"the 800 loans champion v1 trained on are gone from the lake ({why}); 1,500 loans after its training "
            "have nothing to be compared with")
    population = written[tables.CHAMPION_POPULATION.name]
    for table, what in ((tables.FEATURE_PSI, "feature"), (tables.SCORE_PSI, "PD score")):
        assert psi_verdict(written[table.name], 0.2, 200, WATCHED, what, population) == (
            False, f"{what} drift cannot be measured (no reference to compare with): loan_pd_lendingclub: {gone}", 0)

    decision = decide(snapshot, RetrainThresholds())
    assert (decision.retrain, decision.trigger) == (False, "none")
    assert f"drift cannot be measured: {gone}" in decision.reason
    fired = decide(snapshot, RetrainThresholds(new_labelled_rows=1000))  # a decision that lists the fired triggers only
    assert fired.reason == ("retrain: 1,500 labelled loans added since the champion's snapshot >= 1,000; "
                            f"drift cannot be measured: {gone}")


def test_with_no_loan_after_training_either_the_checks_say_both_cohorts_are_empty(risk_home, data_dir):
    lines = _lines(data_dir)
    with connect(risk_home.lake_path) as con:
        _champion_on_part1(con, risk_home, lines)
        withdraw_file(con, "lc_part1.csv", "wrong month", "ops", risk_home.root / "withdrawn")
        _rebuild_marts(con)
        written = loans.monitor(con)
    passed, text, _ = psi_verdict(written[tables.FEATURE_PSI.name], 0.2, 200, WATCHED, "feature",
                                  written[tables.CHAMPION_POPULATION.name])
    assert not passed
    assert text.startswith("feature drift cannot be measured (no reference to compare with): loan_pd_lendingclub: "
                           "the 800 loans champion v1 trained on are gone from the lake (lc_part1.csv: withdrawn on ")
    assert text.endswith("; and no loan has arrived after its training either")


def test_training_and_holdout_loans_landed_again_after_a_withdrawal_are_not_new_to_the_champion(risk_home, data_dir):
    """lc_part1.csv is withdrawn and the same file landed again: its 1,000 loans come back under their
    keys, ingested after the champion's training. They are the loans it trained on (800) and was
    judged on (200), not new ones: the cohort after training, the new labels and the PSI's current
    cohort hold lc_part2's 1,500 loans alone, and the counts set aside are said."""
    lines = _lines(data_dir)
    with connect(risk_home.lake_path) as con:
        _champion_on_part1(con, risk_home, lines)
        _land(con, risk_home, "lc_part2.csv", [lines[0], *lines[1001:]])
        withdraw_file(con, "lc_part1.csv", "wrong month", "ops", risk_home.root / "withdrawn")
        _land(con, risk_home, "lc_part1.csv", lines[:1001])
        _rebuild_marts(con)
        assert con.execute("SELECT count(*) FROM marts.loan_features").fetchone()[0] == 2500
        written = loans.monitor(con)
        row = _population(con)
        (snapshot,) = loans.snapshots(con)

    assert (row["reference_rows"], row["new_rows"], row["new_labelled_rows"], row["training_loans_gone"],
            row["training_loans_gone_why"], row["training_loans_landed_again"], row["holdout_loans_landed_again"]) == (
        800, 1500, 1500, 0, None, 800, 200)
    cohorts = (written[tables.VINTAGE_PERFORMANCE.name].group_by("cohort").agg(pl.col("n_loans").sum())
               .sort("cohort").rows())
    assert cohorts == [("after_training", 1500), ("holdout", 200), ("training", 800)]
    psi = written[tables.FEATURE_PSI.name]
    assert sorted(psi["variable"]) == ["annual_income", "loan_amount", "term_months"]
    assert set(psi["n_reference"]) == {800} and set(psi["n_current"]) == {1500}

    decision = decide(snapshot, RetrainThresholds(new_labelled_rows=1000))
    assert decision.reason.startswith(
        "retrain: 1,500 labelled loans added since the champion's snapshot >= 1,000; not counted: 800 loans it trained "
        "on and 200 of its holdout loans, landed again after its training")
    assert "drift cannot be measured" not in decision.reason
