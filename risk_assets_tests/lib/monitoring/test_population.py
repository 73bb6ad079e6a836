"""The champion's populations: a loan whose outcome matures after training is a new label."""

from datetime import datetime

import duckdb
import polars as pl
import pytest

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



def test_the_reference_is_the_loans_the_champion_trained_on_not_its_holdouts():
    """Drift is measured against what the model learned from. Four loans were in the lake when v1
    trained: D1 and D2 trained it, H1 was its holdout, O1 its out-of-time holdout; v0 trained on H1.
    The reference is D1 and D2; a champion whose training loans were never recorded falls back to
    its snapshot (every labelled loan then)."""
    before, trained, after = datetime(2024, 3, 1), datetime(2024, 3, 2), datetime(2024, 4, 1)
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw; CREATE SCHEMA marts; CREATE SCHEMA ml")
    con.execute("CREATE TABLE raw.loans (loan_key VARCHAR, default_flag INTEGER, _ingested_at TIMESTAMP)")
    keys = ("bank:D1", "bank:D2", "bank:H1", "bank:O1")
    con.executemany("INSERT INTO raw.loans VALUES (?, 0, ?)", [(k, before) for k in keys] + [("bank:N1", after)])
    con.execute("CREATE TABLE marts.loan_features AS SELECT * FROM (VALUES "
                "('bank:D1', 'bank', 2003, 0), ('bank:D2', 'bank', 2003, 1), ('bank:H1', 'bank', 2003, 0), "
                "('bank:O1', 'bank', 2005, 1), ('bank:N1', 'bank', 2006, 0)) t(loan_key, portfolio, vintage, default_flag)")
    con.execute("CREATE TABLE ml.model_training_loans (model VARCHAR, version VARCHAR, loan_key VARCHAR)")
    con.executemany("INSERT INTO ml.model_training_loans VALUES ('loan_pd_bank', ?, ?)",
                    [("v1", "bank:D1"), ("v1", "bank:D2"), ("v0", "bank:H1")])

    population = load_population(con, Champion("loan_pd_bank", "v1", "bank", trained, 0.7))
    assert sorted(population.reference["loan_key"]) == ["bank:D1", "bank:D2"]
    assert population.reference_source == "training loans"
    assert population.current["loan_key"].to_list() == ["bank:N1"]

    unrecorded = load_population(con, Champion("loan_pd_bank", "v2", "bank", trained, 0.7))
    assert sorted(unrecorded.reference["loan_key"]) == sorted(keys) and unrecorded.reference_source == "snapshot"


def test_new_labels_are_counted_inside_the_champions_fixed_vintage_window(tmp_path):
    """A champion split by vintage (train <= 2003, out-of-time holdout 2004-2006, as SBA's) can
    learn only from labels of vintages up to 2006: a matured 2005 outcome counts, new 2010 loans do
    not. Its artifact's meta.json says so; a champion split otherwise has no window."""
    import json

    before, trained, after = datetime(2024, 3, 1), datetime(2024, 3, 2), datetime(2024, 4, 1)
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw; CREATE SCHEMA marts; CREATE SCHEMA ml")
    con.execute("CREATE TABLE raw.loans (loan_key VARCHAR, default_flag INTEGER, _ingested_at TIMESTAMP)")
    con.executemany("INSERT INTO raw.loans VALUES (?, ?, ?)", [
        ("sba:A", 0, before), ("sba:B", None, before), ("sba:B", 1, after), ("sba:C", 1, after), ("sba:D", 0, after)])
    con.execute("CREATE TABLE marts.loan_features AS SELECT * FROM (VALUES ('sba:A', 'sba', 2001, 0), "
                "('sba:B', 'sba', 2005, 1), ('sba:C', 'sba', 2010, 1), ('sba:D', 'sba', 2010, 0)) "
                "t(loan_key, portfolio, vintage, default_flag)")
    con.execute("CREATE TABLE ml.model_registry (model VARCHAR, version VARCHAR, artifact_path VARCHAR)")
    for version, scheme in (("v1", "out_of_time_vintage"), ("v2", "stratified_random")):
        folder = tmp_path / version
        folder.mkdir()
        (folder / "meta.json").write_text(json.dumps({"run": {"split_scheme": scheme, "config": {
            "oot_train_until": 2003, "oot_holdout_from": 2004, "oot_holdout_to": 2006}}}))
        con.execute("INSERT INTO ml.model_registry VALUES ('loan_pd_sba', ?, ?)", [version, str(folder)])
    windowed = load_population(con, Champion("loan_pd_sba", "v1", "sba", trained, 0.84))
    assert (windowed.new_labels, windowed.new_labels_in_window) == (3, 1)
    assert windowed.window == "train on vintages <= 2003, out-of-time holdout 2004-2006"
    random = load_population(con, Champion("loan_pd_sba", "v2", "sba", trained, 0.84))
    assert (random.new_labels, random.new_labels_in_window, random.window) == (3, None, None)


def test_feature_drift_watches_the_champions_inputs_derived_ones_computed(tmp_path):
    """The model reads the guarantee share and the NAICS sector, not the raw amounts or the code:
    those are what feature PSI compares, computed as training computes them. A date the model never
    reads is not compared; without the champion's spec on record, every non-date mart column is."""
    import json

    trained, after = datetime(2024, 3, 2), datetime(2024, 4, 1)
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw; CREATE SCHEMA marts; CREATE SCHEMA ml")
    con.execute("CREATE TABLE raw.loans (loan_key VARCHAR, default_flag INTEGER, _ingested_at TIMESTAMP)")
    con.executemany("INSERT INTO raw.loans VALUES (?, 0, ?)", [("sba:A", datetime(2024, 3, 1)), ("sba:B", after)])
    con.execute("CREATE TABLE marts.loan_features AS SELECT * FROM (VALUES "
                "('sba:A', 'sba', 2003, 0, DATE '2003-05-01', 100000.0, 75000.0, '722110'), "
                "('sba:B', 'sba', 2004, 0, DATE '2004-02-01', 200000.0, 100000.0, '0')) "
                "t(loan_key, portfolio, vintage, default_flag, disbursement_date, gross_approved, sba_approved, naics)")
    con.execute("CREATE TABLE ml.model_registry (model VARCHAR, version VARCHAR, artifact_path VARCHAR)")
    (tmp_path / "meta.json").write_text(json.dumps({"run": {"split_scheme": "stratified_random"}, "encoder": {"spec": {
        "portfolio": "sba", "numeric": [["sba_guarantee_share", "identity"]], "categorical": ["naics_sector"],
        "min_count": 20}}}))
    con.execute("INSERT INTO ml.model_registry VALUES ('loan_pd_sba', 'v1', ?), ('loan_pd_sba', 'v0', 'gone')", [str(tmp_path)])
    population = load_population(con, Champion("loan_pd_sba", "v1", "sba", trained, 0.7))
    assert population.features == ["sba_guarantee_share", "naics_sector"]
    assert population.reference.select("sba_guarantee_share", "naics_sector").rows() == [(0.75, "72")]
    assert population.current.select("sba_guarantee_share", "naics_sector").rows() == [(0.5, None)]  # NAICS 0: not recorded
    unrecorded = load_population(con, Champion("loan_pd_sba", "v0", "sba", trained, 0.7))
    assert unrecorded.features == ["gross_approved", "sba_approved", "naics"]


def test_a_redelivered_tape_without_ids_brings_no_new_labels_but_its_new_loans(risk_home, data_dir):
    """LendingClub lines have no loan id: next month's tape (the same 200 loans, then 10 new ones)
    keys its copies anew. Only the 10 new loans' outcomes are new labels; the 200 copies' outcomes
    were in the lake when the champion trained. Nor are the copies loans that came after the
    champion: the current cohort, which PSI and the AUC trigger read, is the 10 new loans alone (an
    operator saw the AUC trigger fire on 650 copies of the loans the champion trained and was judged on)."""
    from datetime import timedelta
    from itertools import islice

    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.loan_formats import parse_loan_file
    from risk_assets.lib.lake import connect

    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        lines = [line.rstrip("\r\n") for line in islice(handle, 211)]
    with connect(risk_home.lake_path) as con:
        for name, part in (("lc_2024-01.csv", lines[:201]), ("lc_2024-02.csv", lines)):
            (risk_home.landing_loans / name).write_text("\n".join(part) + "\n", encoding="utf-8")
            land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, name, asset="raw_loans")
            if name == "lc_2024-01.csv":
                trained = con.execute("SELECT max(_ingested_at) FROM raw.loans").fetchone()[0] + timedelta(microseconds=1)
        con.execute("CREATE TABLE marts.loan_features AS SELECT loan_key, portfolio, vintage, default_flag, loan_amount "
                    "FROM raw.loans")
        population = load_population(con, Champion("loan_pd_lendingclub", "v1", "lendingclub", trained, 0.7))
    assert population.current.height == 10  # the new loans; not the copies of those the champion saw
    assert sorted(int(key.rsplit(":", 1)[1]) for key in population.current["loan_key"]) == list(range(202, 212))
    assert population.new_labels == 10


def test_closed_early_shares_are_measured_against_the_books_newest_date_not_the_training_loans(data_dir):
    """SBA's champion trains on vintages up to 2003; the book runs to June 2014. Measured against
    its own training loans' newest date (2003-09-30), 86% of the 2003 non-defaults 'closed before
    their term could run' and the vintage read as not judged; against the book's newest date the
    share is what the loans' terms and outcomes say, the same computed by hand."""
    from risk_assets.lib.ml.reference_data import sba_frame
    from risk_assets.lib.monitoring import tables
    from risk_assets.lib.monitoring.loans import monitor_population
    from risk_assets.lib.monitoring.performance import MAX_CLOSED_EARLY_SHARE

    frame = pl.from_pandas(sba_frame(data_dir / "loans" / "sba_national.csv.gz", sample_fraction=0.05)).select(
        "loan_key", "portfolio", "vintage", "default_flag", pl.col("origination_date").cast(pl.Date), "term_months")
    trained_at = datetime(2024, 3, 2)
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw; CREATE SCHEMA marts; CREATE SCHEMA ml")
    con.register("sample", frame.to_arrow())
    con.execute("CREATE TABLE marts.loan_features AS SELECT * FROM sample")
    con.execute("CREATE TABLE raw.loans AS SELECT loan_key, default_flag, TIMESTAMP '2024-03-01' AS _ingested_at FROM sample")
    con.execute("CREATE TABLE ml.model_training_loans AS SELECT 'loan_pd_sba' AS model, 'v1' AS version, loan_key "
                "FROM sample WHERE vintage <= 2003")
    con.execute("CREATE TABLE ml.loan_scores AS SELECT loan_key, 0.1::DOUBLE AS pd, 'loan_pd_sba' AS model, "
                "'v1' AS model_version FROM sample")
    population = load_population(con, Champion("loan_pd_sba", "v1", "sba", trained_at, 0.7))
    assert population.data_end == frame["origination_date"].max() and population.data_end.year == 2014
    assert population.reference["origination_date"].max().year == 2003

    rows = monitor_population(population, trained_at)[tables.VINTAGE_PERFORMANCE.name]
    share = rows.filter(pl.col("in_training") & (pl.col("vintage") == 2003))["closed_early_share"].item()
    labelled = frame.filter((pl.col("vintage") == 2003) & pl.col("default_flag").is_not_null())
    end = population.data_end.year * 12 + population.data_end.month - 1
    ends = labelled["origination_date"].dt.year() * 12 + labelled["origination_date"].dt.month() - 1 + labelled["term_months"]
    assert share == pytest.approx(((labelled["default_flag"] == 0) & (ends > end)).mean(), abs=1e-12)
    assert share < MAX_CLOSED_EARLY_SHARE


def test_labels_of_vintages_the_champion_left_out_do_not_drive_the_retrain_decision(data_dir, tmp_path):
    """SBA's champion (train on vintages <= 2003, hold out 2004-2006) left 1966-1988 out of development
    and holdouts, and its meta.json says so. A later tape brings the outcomes of the 1981-1988 loans
    and of 2010's: neither can train a successor (one left out by the rule, the other outside the
    window), so no label counts in the window and the decision is 'window', with the left-out labels
    counted apart in its reason. Had only the 1981-1988 outcomes come, they would trigger nothing.
    A champion whose meta.json does not record the rule's vintages counts them as before."""
    import json

    from risk_assets.lib.ml.reference_data import sba_frame
    from risk_assets.lib.monitoring.loans import monitor, snapshots
    from risk_assets.lib.monitoring.retrain import RetrainThresholds, decide

    frame = pl.from_pandas(sba_frame(data_dir / "loans" / "sba_national.csv.gz", sample_fraction=0.05)).select(
        "loan_key", "portfolio", "vintage", "default_flag", "gross_approved", "term_months")
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw; CREATE SCHEMA marts; CREATE SCHEMA ml")
    con.register("sample", frame.to_arrow())
    con.execute("CREATE TABLE marts.loan_features AS SELECT * FROM sample")
    # every loan landed before training; the 1981-1988 and 2010 outcomes were first delivered after it
    later = "vintage BETWEEN 1981 AND 1988 OR vintage = 2010"
    con.execute(f"""CREATE TABLE raw.loans AS
        SELECT loan_key, CASE WHEN {later} THEN NULL ELSE default_flag END AS default_flag,
               TIMESTAMP '2024-03-01' AS _ingested_at FROM sample
        UNION ALL SELECT loan_key, default_flag, TIMESTAMP '2024-04-01' FROM sample WHERE {later}""")
    con.execute("CREATE TABLE ml.model_registry (model VARCHAR, version VARCHAR, status VARCHAR, trained_at TIMESTAMP, "
                "primary_metric VARCHAR, primary_value DOUBLE, artifact_path VARCHAR)")
    window = {"oot_train_until": 2003, "oot_holdout_from": 2004, "oot_holdout_to": 2006}
    for version, run in (("v1", {"split_scheme": "out_of_time_vintage", "config": window,
                                 "vintages_left_out": list(range(1966, 1989))}),
                         ("v0", {"split_scheme": "out_of_time_vintage", "config": window})):
        (tmp_path / version).mkdir()
        (tmp_path / version / "meta.json").write_text(json.dumps({"run": run}))
        con.execute("INSERT INTO ml.model_registry VALUES ('loan_pd_sba', ?, 'champion', TIMESTAMP '2024-03-02', "
                    "'auc_holdout_oot', 0.68, ?)", [version, str(tmp_path / version)])
    labelled = frame.filter(pl.col("default_flag").is_not_null())
    old = labelled.filter(pl.col("vintage").is_between(1981, 1988)).height
    newer = labelled.filter(pl.col("vintage") == 2010).height
    assert (old, newer) == (608, 860)

    con.execute("UPDATE ml.model_registry SET status = 'retired' WHERE version = 'v0'")
    population = load_population(con, Champion("loan_pd_sba", "v1", "sba", datetime(2024, 3, 2), 0.68))
    assert (population.new_labels, population.new_labels_in_window, population.new_labels_left_out,
            population.vintages_left_out) == (860, 0, 608, "1966-1988")
    unrecorded = load_population(con, Champion("loan_pd_sba", "v0", "sba", datetime(2024, 3, 2), 0.68))
    assert (unrecorded.new_labels, unrecorded.new_labels_in_window, unrecorded.new_labels_left_out,
            unrecorded.vintages_left_out) == (1468, 608, None, None)

    policy = RetrainThresholds(new_labelled_rows=500)
    monitor(con)
    (snapshot,) = snapshots(con)
    assert (snapshot.new_labelled_rows, snapshot.new_labelled_in_window, snapshot.new_labelled_left_out,
            snapshot.vintages_left_out) == (860, 0, 608, "1966-1988")
    decision = decide(snapshot, policy)
    assert (decision.retrain, decision.trigger) == (False, "window")
    assert ("none of the 860 new labels falls in it (608 more in vintages left out of development: 1966-1988). "
            "To learn") in decision.reason
    assert ("860 labelled loans added since the champion's snapshot >= 500 (608 more in vintages left out of "
            "development: 1966-1988)") in decision.reason

    # 2010's outcomes were known at training after all: only the 1981-1988 ones are new, and they
    # cannot train a successor, so they trigger nothing (counted as usable, 608 >= 500 retrained)
    con.execute("DELETE FROM raw.loans WHERE _ingested_at = TIMESTAMP '2024-04-01' AND loan_key IN "
                "(SELECT loan_key FROM sample WHERE vintage = 2010)")
    con.execute("UPDATE raw.loans SET default_flag = s.default_flag FROM sample s "
                "WHERE raw.loans.loan_key = s.loan_key AND s.vintage = 2010")
    monitor(con)
    (snapshot,) = snapshots(con)
    assert (snapshot.new_labelled_rows, snapshot.new_labelled_in_window, snapshot.new_labelled_left_out) == (0, 0, 608)
    decision = decide(snapshot, policy)
    assert (decision.retrain, decision.trigger) == (False, "none")
    assert ("0 labelled loans added since the champion's snapshot < 500 (608 more in vintages left out of "
            "development: 1966-1988)") in decision.reason
