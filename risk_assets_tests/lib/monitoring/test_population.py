"""The champion's populations: a loan whose outcome matures after training is a new label."""

from datetime import datetime

import duckdb

from risk_assets.lib.monitoring.population import Champion, load_population


def test_an_outcome_that_matures_after_training_counts_as_a_new_label_not_as_training_data():
    """Three loans land before training; only L1 has an outcome then. A later snapshot of the tape
    turns L2 'Current' into 'Charged Off' (the F12 kind of re-delivery), and a new loan L4 lands
    with its outcome. Two labels are new; the snapshot the champion trained on is L1 alone."""
    before, trained, after = datetime(2024, 3, 1), datetime(2024, 3, 2), datetime(2024, 4, 1)
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw; CREATE SCHEMA marts")
    con.execute("CREATE TABLE raw.loans (loan_key VARCHAR, default_flag INTEGER, _ingested_at TIMESTAMP)")
    con.executemany("INSERT INTO raw.loans VALUES (?, ?, ?)", [
        ("bank:L1", 0, before), ("bank:L2", None, before), ("bank:L3", None, before),
        ("bank:L2", 1, after), ("bank:L3", None, after), ("bank:L4", 0, after),
    ])
    con.execute("CREATE TABLE marts.loan_features AS SELECT * FROM (VALUES "
                "('bank:L1', 'bank', 2023, 0, 1000.0), ('bank:L2', 'bank', 2023, 1, 2000.0), "
                "('bank:L3', 'bank', 2023, NULL, 3000.0), ('bank:L4', 'bank', 2024, 0, 4000.0)) "
                "t(loan_key, portfolio, vintage, default_flag, loan_amount)")
    population = load_population(con, Champion("loan_pd_bank", "v1", "bank", trained, 0.7))
    assert population.reference["loan_key"].to_list() == ["bank:L1"]
    assert population.current["loan_key"].to_list() == ["bank:L4"]
    assert population.new_labels == 2

