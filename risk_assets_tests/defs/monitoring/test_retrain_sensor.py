"""The retrain sensor on a real Dagster instance, over monitoring tables computed from real SBA loans.

The champion here is a logistic regression on six SBA inputs standing in for loan_pd_model's
network (the monitoring code only reads the registry, the scores and the features, whatever model
wrote them). The SBA rows are a stratified sample of the real file, 1,200 labelled loans per
approval year 1996-2008, read once per test session (about 10 s), so each test runs in seconds.
"""

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import dagster as dg
import numpy as np
import polars as pl
import pytest

from risk_assets.defs.monitoring.assets import loan_monitoring
from risk_assets.defs.monitoring.policy import RetrainPolicy
from risk_assets.defs.monitoring.sensors import retrain_sensor
from risk_assets.defs.resources import LakeResource
from risk_assets.lib.lake import connect
from risk_assets.lib.ml import registry
from risk_assets.lib.ml.metrics import roc_auc
from risk_assets.lib.ml.pd_lake import ensure_pd_tables, risk_grade
from risk_assets.lib.schema import LOAN_COLUMNS, ddl
from risk_assets_tests.defs.monitoring.ended_runs import ended as ended_run

PER_YEAR = 1_200
MODEL, VERSION = "loan_pd_sba", "v1"


@pytest.fixture(scope="session")
def sba_sample() -> pl.DataFrame:
    from risk_assets.lib.ml.reference_data import sba_frame
    from risk_assets_tests.conftest import DATA

    path = DATA / "loans" / "sba_national.csv.gz"
    if not path.exists():
        pytest.skip(f"{path} not found")
    frame = pl.from_pandas(sba_frame(path)).filter(pl.col("default_flag").is_not_null() & pl.col("vintage").is_between(1996, 2008))
    return frame.filter(pl.int_range(pl.len()).shuffle(seed=0).over("vintage") < PER_YEAR).sort("loan_key")


def inputs(frame: pl.DataFrame) -> np.ndarray:
    return np.column_stack([
        frame["term_months"].fill_null(0).to_numpy() / 120.0,
        np.log1p(frame["gross_approved"].fill_null(0).to_numpy()),
        (frame["low_doc"] == "Y").fill_null(False).to_numpy(),
        (frame["revolving_line"] == "Y").fill_null(False).to_numpy(),
        frame["urban_rural"].fill_null(0).to_numpy(),
        frame["new_business"].fill_null(0).to_numpy(),
    ]).astype(float)


class Lake:
    """A lake holding a champion trained on `train` and the tables the monitoring reads."""

    def __init__(self, home, train: pl.DataFrame):
        from sklearn.linear_model import LogisticRegression

        self.home, self.clock = home, datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(days=1)
        fit, holdout = train.filter(pl.col("loan_key").hash(0) % 5 != 0), train.filter(pl.col("loan_key").hash(0) % 5 == 0)
        self.model = LogisticRegression(max_iter=2000).fit(inputs(fit), fit["default_flag"].to_numpy())
        self.holdout_auc = roc_auc(holdout["default_flag"].to_numpy(), self._pd(holdout)).value
        with connect(home.lake_path) as con:
            con.execute(ddl("raw.loans", LOAN_COLUMNS))
            ensure_pd_tables(con)
        self.land(train)
        with connect(home.lake_path) as con:
            con.register("fit", fit.select("loan_key").to_arrow())  # the champion's reference for drift
            con.execute("INSERT INTO ml.model_training_loans SELECT ?, ?, loan_key FROM fit", [MODEL, VERSION])
            registry.register_candidate(con, MODEL, VERSION, "artifacts/x", "auc_holdout", self.holdout_auc, "snap")
            registry.promote(con, MODEL, VERSION, "first champion")
            con.execute("UPDATE ml.model_registry SET trained_at = ?", [self.tick()])

    def _pd(self, frame: pl.DataFrame) -> np.ndarray:
        return self.model.predict_proba(inputs(frame))[:, 1]

    def tick(self) -> datetime:
        self.clock += timedelta(minutes=1)
        return self.clock

    def land(self, frame: pl.DataFrame, as_of: date | None = None) -> None:
        """Ingest `frame` (as raw.loans rows at the next clock tick, from a tape as of `as_of` when
        given), rebuild loan_features, score it."""
        pd_values = self._pd(frame)
        scored = frame.with_columns(
            pd=pl.Series(pd_values), risk_grade=pl.Series(risk_grade(pd_values)),
            model=pl.lit(MODEL), model_version=pl.lit(VERSION), scored_at=pl.lit(self.clock),
        )
        with connect(self.home.lake_path) as con:
            con.register("batch", frame.to_arrow())
            con.register("scored", scored.select("loan_key", "portfolio", "pd", "risk_grade", "model", "model_version", "scored_at").to_arrow())
            con.execute("INSERT INTO raw.loans (loan_key, portfolio, snapshot_date, _ingested_at) "
                        "SELECT loan_key, portfolio, ?, ? FROM batch", [as_of, self.tick()])
            exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'loan_features'").fetchone()[0]
            con.execute("INSERT INTO marts.loan_features SELECT * FROM batch" if exists else "CREATE TABLE marts.loan_features AS SELECT * FROM batch")
            con.execute("INSERT INTO ml.loan_scores BY NAME SELECT * FROM scored")

    def land_file(self) -> None:
        """A loan file in the manifest, loaded a second from now (after any change by hand made so far)."""
        with connect(self.home.lake_path) as con:
            con.execute("INSERT INTO raw.landed_files (sha256, path, size_bytes, domain, status, landed_at) "
                        "VALUES ('ab12', 'landing/loans/2004.csv', 10, 'loans', 'loaded', ?)",
                        [datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(seconds=1)])

    def evaluate(self, instance, policy: RetrainPolicy, cursor: str | None = None) -> dg.SensorResult:
        """Refresh the monitoring assets in a real run, then run one retrain-sensor tick."""
        lake = LakeResource(root=str(self.home.root))
        assert dg.materialize([loan_monitoring], instance=instance, resources={"lake": lake, "retrain_policy": policy}).success
        context = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"lake": lake, "retrain_policy": policy})
        return retrain_sensor(context)

    def decided_at(self) -> str:
        """When the latest decision was taken, as the unchanged ticks name it ('YYYY-MM-DD HH:MM UTC')."""
        return f"{self.decisions()['decided_at'].max():%Y-%m-%d %H:%M} UTC"

    def decisions(self) -> pl.DataFrame:
        with connect(self.home.lake_path, read_only=True) as con:
            return pl.from_arrow(con.execute("SELECT * FROM monitoring.retrain_decisions ORDER BY decided_at").fetch_arrow_table())


QUIET = RetrainPolicy(new_labelled_rows=100_000)


def split_in_time(sba_sample):
    """Training years <= 2003, minus 400 loans of 2003 kept back to arrive later from the same distribution."""
    train = sba_sample.filter(pl.col("vintage") <= 2003)
    late = train.filter(pl.col("vintage") == 2003).head(400)
    return train.join(late, on="loan_key", how="anti"), late


def test_no_trigger_fires_for_loans_like_the_training_ones(risk_home, sba_sample):
    train, late = split_in_time(sba_sample)
    lake = Lake(risk_home, train)
    lake.land(late)
    with dg.instance_for_test() as instance:
        result = lake.evaluate(instance, QUIET)
        assert not result.run_requests
        assert "loan_pd_sba: no trigger: " in result.skip_reason.skip_message
        # Unchanged monitoring is not re-decided on the next tick, which repeats the standing decision
        again = lake.evaluate(instance, QUIET, result.cursor)
        assert again.skip_reason.skip_message == (
            f"loan_pd_sba: monitoring unchanged since {lake.decided_at()}; standing decision: "
            + result.skip_reason.skip_message.removeprefix("loan_pd_sba: "))
        # An evaluation without the daemon's cursor (`dagster sensor preview`) decides the same again,
        # and the audit table keeps the decision once (it gained a second, identical row)
        preview = lake.evaluate(instance, QUIET)
        assert "loan_pd_sba: no trigger: " in preview.skip_reason.skip_message
    decisions = lake.decisions()
    assert decisions.height == 1 and decisions["retrain"].to_list() == [False] and decisions["trigger"].to_list() == ["none"]


def test_labels_trigger_requests_a_retrain_with_its_numbers_in_the_tags(risk_home, sba_sample, tmp_path):
    """The run retrains this book alone, split by its champion's vintage window: a run of every book
    had retrained (and replaced) another book's champion its own decision had kept, with the default
    window instead of the one that champion was split by."""
    import json

    train, late = split_in_time(sba_sample)
    lake = Lake(risk_home, train)
    lake.land(late)
    artifact = tmp_path / "v1"
    artifact.mkdir()
    (artifact / "meta.json").write_text(json.dumps({"run": {"split_scheme": "out_of_time_vintage", "config": {
        "oot_train_until": 2001, "oot_holdout_from": 2002, "oot_holdout_to": 2003, "seed": 0}}}))
    with connect(risk_home.lake_path) as con:
        con.execute("UPDATE ml.model_registry SET artifact_path = ?", [str(artifact)])
    with dg.instance_for_test() as instance:
        result = lake.evaluate(instance, RetrainPolicy(new_labelled_rows=400))
    (request,) = result.run_requests
    assert request.tags["risk/retrain_trigger"] == "labels"
    assert request.tags["risk/retrain_observed"] == "400.0000" and request.tags["risk/retrain_threshold"] == "400.0000"
    assert request.run_key.startswith("retrain:loan_pd_sba:v1:")
    assert request.tags["risk/retrain_portfolios"] == "sba"
    assert request.run_config == {"ops": {"loan_pd_model": {"config": {
        "portfolios": ["sba"], "oot_train_until": 2001, "oot_holdout_from": 2002, "oot_holdout_to": 2003}}}}
    row = lake.decisions().row(0, named=True)
    assert row["retrain"] and row["trigger"] == "labels" and row["observed_value"] == 400


def test_a_training_started_by_hand_holds_the_retrain_sensor_until_it_ends(risk_home, sba_sample):
    """A run of `risk-assets run`, `dagster asset materialize` or the UI's Materialize that trains
    loan_pd_model is no retrain_loan_pd run: a tick while it trained decided on the monitoring of
    the champion it was about to replace, and requested a second training behind it."""
    train, late = split_in_time(sba_sample)
    lake = Lake(risk_home, train)
    lake.land(late)
    policy = RetrainPolicy(new_labelled_rows=400)
    with dg.instance_for_test() as instance:
        started = dg.DagsterRunStatus.STARTED
        instance.add_run(dg.DagsterRun(job_name="__ASSET_JOB", status=started, asset_selection=frozenset(
            {dg.AssetKey("raw_loans"), dg.AssetKey("loan_scores")})))  # scores without training: no hold
        by_hand = instance.add_run(dg.DagsterRun(job_name="__ASSET_JOB", status=started, asset_selection=frozenset(
            {dg.AssetKey("raw_loans"), dg.AssetKey("loan_pd_model")})))
        held = lake.evaluate(instance, policy)
        assert not held.run_requests
        assert held.skip_reason.skip_message == (
            f"run {by_hand.run_id} (__ASSET_JOB), which trains loan_pd_model, is STARTED; re-evaluating after it ends")
        assert not lake.decisions().height
        instance.report_run_failed(by_hand)
        (request,) = lake.evaluate(instance, policy, held.cursor).run_requests
        assert request.tags["risk/retrain_trigger"] == "labels"
    assert lake.decisions()["trigger"].to_list() == ["labels"]


def test_auc_decay_trigger_when_labels_stop_following_the_score(risk_home, sba_sample):
    train, late = split_in_time(sba_sample)
    lake = Lake(risk_home, train)
    # Same inputs (no drift), outcomes shuffled: the champion ranks them no better than chance. The
    # tape is the national extract, as of June 2014: by then most 2003 loans' terms had run.
    lake.land(late.with_columns(pl.col("default_flag").shuffle(seed=1)), as_of=date(2014, 6, 30))
    with dg.instance_for_test() as instance:
        result = lake.evaluate(instance, QUIET)
    (request,) = result.run_requests
    assert request.tags["risk/retrain_trigger"] == "auc_decay"
    assert float(request.tags["risk/retrain_observed"]) < lake.holdout_auc - 0.05


def test_scenario_train_to_2003_replay_2004_to_2008_detects_drift_and_decay(risk_home, sba_sample):
    """Real drift: the charge-off rate climbs from about 18% (2004) to about 43% (2007)."""
    lake = Lake(risk_home, sba_sample.filter(pl.col("vintage") <= 2003))
    policy, cursor, triggers = RetrainPolicy(), None, {}
    with dg.instance_for_test() as instance:
        for year in range(2004, 2009):
            lake.land(sba_sample.filter(pl.col("vintage") == year))
            result = lake.evaluate(instance, policy, cursor)
            cursor = result.cursor
            triggers[year] = [r.tags["risk/retrain_trigger"] for r in result.run_requests or []]
            if year == 2004:
                (request,) = result.run_requests
                assert request.tags["risk/retrain_trigger"] == "psi"
                assert "on vintage 2004" in request.tags["risk/retrain_reason"]
                assert float(request.tags["risk/retrain_observed"]) > 0.2
                # the drift the trigger acted on is a yellow check in the UI and an open issue in the overview
                with connect(risk_home.lake_path, read_only=True) as con:
                    drift = {name: (success, severity, observed, failing) for name, success, severity, observed, failing
                             in con.execute("SELECT check_name, success, severity, observed_value, failing_count "
                                            "FROM quality.check_results WHERE check_name LIKE '%psi_drift'").fetchall()}
                success, severity, observed, failing = drift["feature_psi_drift"]
                assert (success, severity) == (False, "WARN") and failing >= 1
                assert observed.startswith(f"{failing} feature PSI value(s) above 0.2 (the retrain policy's threshold) "
                                           "on cohorts of 200 loans or more: loan_pd_sba ")
                # the cell the trigger fired on, with the same PSI, marked as a trigger
                assert (f"loan_pd_sba term_months on vintage 2004: {float(request.tags['risk/retrain_observed']):.3f} "
                        "(1,200 loans, noise level ") in observed and ", a retrain trigger)" in observed
                assert drift["score_psi_drift"][:2] == (True, "WARN")  # the score moved less: below 0.2
                assert drift["score_psi_drift"][2].startswith("no PD score PSI above 0.2 on a cohort of 200 loans or "
                                                              "more (highest: loan_pd_sba pd_score on vintage 2004, ")
    assert all(triggers[y] for y in range(2004, 2009)), triggers
    with connect(risk_home.lake_path, read_only=True) as con:
        perf = dict(con.execute(
            "SELECT vintage, default_rate FROM monitoring.vintage_performance WHERE NOT in_training ORDER BY vintage").fetchall())
        psi = con.execute("SELECT count(*), count(*) FILTER (WHERE isfinite(psi)) FROM monitoring.feature_psi").fetchone()
    assert 0.14 < perf[2004] < 0.21 and 0.38 < perf[2007] < 0.48
    assert psi[0] == psi[1] > 0
    decisions = lake.decisions()
    assert decisions.height == 5 and decisions["retrain"].all()


def test_a_champion_restored_by_hand_is_held_until_loans_land_after_the_restore(risk_home, sba_sample):
    """The operator rolled v2 back to v1. v1's snapshot is older, so 400 labelled loans count as new
    for it and the labels trigger fires; retraining on the data the operator just judged would undo
    the rollback at the gate. The decision is 'held', with what the triggers saw, until a loan file
    lands after the restore; then the same trigger requests the retrain."""
    from risk_assets.lib.lake import ensure_lake

    train, late = split_in_time(sba_sample)
    lake = Lake(risk_home, train)
    lake.land(late)
    with connect(risk_home.lake_path) as con:
        ensure_lake(con)
        con.execute("UPDATE ml.model_registry SET artifact_path = ?", [str(risk_home.root)])
        registry.register_candidate(con, MODEL, "v2", str(risk_home.root), "auc_holdout", 0.70, "snap2")
        registry.promote(con, MODEL, "v2", "beat v1")
        registry.restore_champion(con, MODEL, VERSION, "v2 over-predicts the 2003 vintage", "operator ana")
    policy = RetrainPolicy(new_labelled_rows=400)
    with dg.instance_for_test() as instance:
        held = lake.evaluate(instance, policy)
        assert not held.run_requests
        message = held.skip_reason.skip_message
        assert "loan_pd_sba: held: operator ana restored champion v1 at " in message
        assert "(v2 over-predicts the 2003 vintage); no loans landed since" in message
        assert "The triggers saw: 400 labelled loans added since the champion's snapshot >= 400" in message

        lake.land_file()
        resumed = lake.evaluate(instance, policy, held.cursor)
    (request,) = resumed.run_requests
    assert request.tags["risk/retrain_trigger"] == "labels" and request.tags["risk/champion_version"] == VERSION
    assert lake.decisions()["trigger"].to_list() == ["held", "labels"]


def test_monitoring_of_a_version_no_longer_champion_is_not_acted_on(risk_home, sba_sample):
    train, late = split_in_time(sba_sample)
    lake = Lake(risk_home, train)
    lake.land(late)
    policy = RetrainPolicy(new_labelled_rows=400)
    with dg.instance_for_test() as instance:
        lake.evaluate(instance, QUIET)  # monitoring tables now describe v1
        with connect(risk_home.lake_path) as con:
            registry.retire_champion(con, MODEL, "labels under review", "operator ana")
        context = dg.build_sensor_context(instance=instance, resources={
            "lake": LakeResource(root=str(risk_home.root)), "retrain_policy": policy})
        result = retrain_sensor(context)
    assert not result.run_requests
    assert ("loan_pd_sba: the monitoring tables describe v1, which is no longer champion (none now)"
            in result.skip_reason.skip_message)


def test_a_champion_retired_by_hand_is_held_then_trained_afresh_when_loans_land(risk_home, sba_sample):
    """The operator retired v1, leaving the book unscored. That is no training refused for too few
    defaults: the sensor neither waits for 20 new defaults nor blames the last training. It holds the
    book (the operator may be reviewing its labels) until a loan file lands after the retirement,
    then trains that book alone as a first model."""
    train, late = split_in_time(sba_sample)
    lake = Lake(risk_home, train)
    lake.land(late)
    with connect(risk_home.lake_path) as con:
        registry.retire_champion(con, MODEL, "labels under review", "operator ana")
    with dg.instance_for_test() as instance:
        held = lake.evaluate(instance, QUIET)
        assert not held.run_requests
        message = held.skip_reason.skip_message
        assert "loan_pd_sba: held: no champion; operator ana retired its champion at " in message
        assert "(labels under review); no loan files landed since, so no automatic training" in message
        assert f"{train.height + late.height:,} labelled loans" in message
        assert "defaults since its last training" not in message

        again = lake.evaluate(instance, QUIET, held.cursor)
        assert not again.run_requests
        assert again.skip_reason.skip_message == (
            f"loan_pd_sba: no champion; nothing changed since {lake.decided_at()}; standing decision: "
            + message.removeprefix("loan_pd_sba: "))

        lake.land_file()
        resumed = lake.evaluate(instance, QUIET, again.cursor)
    (request,) = resumed.run_requests
    assert request.tags["risk/retrain_trigger"] == "first_model"
    assert request.tags["risk/retrain_portfolios"] == "sba"
    assert request.run_config == {"ops": {"loan_pd_model": {"config": {"portfolios": ["sba"]}}}}
    assert lake.decisions().filter(pl.col("model") == MODEL)["trigger"].to_list() == ["held", "first_model"]


def test_a_rejected_retrain_is_not_requested_again_until_loans_of_its_book_land(risk_home, sba_sample):
    """350 new labels fire the labels trigger; the retraining they started was rejected. A
    file of another book then changed the monitoring's fingerprint and the same retraining was
    requested again, on the same loans, and rejected again. Now the champion is held until loans of
    its own book land after the rejection."""
    train, late = split_in_time(sba_sample)
    lake = Lake(risk_home, train)
    lake.land(late.head(350))
    policy = RetrainPolicy(new_labelled_rows=350)
    with dg.instance_for_test() as instance:
        (first,) = lake.evaluate(instance, policy).run_requests
        assert first.tags["risk/retrain_trigger"] == "labels"
        with connect(risk_home.lake_path) as con:  # the run it started trained v2, and the gate rejected it
            registry.register_candidate(con, MODEL, "v2", "artifacts/v2", "auc_holdout", 0.5, "snap")
            registry.reject(con, MODEL, "v2", "rejected: no gain beyond chance")
            con.execute("UPDATE ml.model_registry SET trained_at = ? WHERE version = 'v2'", [lake.tick()])
        held = lake.evaluate(instance, policy)  # no cursor: decided afresh, as after another book's file
        assert not held.run_requests
        assert "loan_pd_sba: held: challenger v2, trained at " in held.skip_reason.skip_message
        assert "was rejected; no sba loans landed since, so no automatic retraining" in held.skip_reason.skip_message
        assert "The triggers saw: 350 labelled loans" in held.skip_reason.skip_message
        lake.land(late.tail(50))  # loans of its own book
        (again,) = lake.evaluate(instance, policy, held.cursor).run_requests
    assert again.tags["risk/retrain_trigger"] == "labels"
    assert lake.decisions().filter(pl.col("model") == MODEL)["trigger"].to_list() == ["labels", "held", "labels"]


def test_a_tick_between_a_files_landing_and_the_monitoring_refresh_waits_for_the_refresh(risk_home, sba_sample):
    """An ingest run lands a file, then rebuilds the features, the scores and, last, monitoring. A tick
    between the two decided on the numbers before the file: an operator saw a retraining requested for
    'PSI of annual_income ... (410 loans)' with 530 in the lake. Now the tick waits, naming the file,
    until the monitoring takes its loans in; then it decides on them."""
    train, late = split_in_time(sba_sample)
    lake = Lake(risk_home, train)
    lake.land(late.head(350))
    lake.land_file()
    policy = RetrainPolicy(new_labelled_rows=300)
    with dg.instance_for_test() as instance:
        (first,) = lake.evaluate(instance, policy).run_requests  # monitoring refreshed after the file
        assert first.tags["risk/retrain_trigger"] == "labels"
        with connect(risk_home.lake_path) as con:  # the next file lands; its ingest run has not refreshed monitoring
            con.execute("INSERT INTO raw.landed_files (sha256, path, size_bytes, domain, status, landed_at) "
                        "VALUES ('cd34', 'landing/loans/2005.csv', 10, 'loans', 'loaded', ?)",
                        [datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(seconds=5)])
            landed = con.execute("SELECT landed_at FROM raw.landed_files WHERE sha256 = 'cd34'").fetchone()[0]
        lake.land(late.tail(50))
        context = dg.build_sensor_context(instance=instance, cursor="{}", resources={
            "lake": LakeResource(root=str(risk_home.root)), "retrain_policy": policy})
        waiting = retrain_sensor(context)
        assert not waiting.run_requests and waiting.cursor == "{}"
        assert waiting.skip_reason.skip_message == (
            f"the loan monitoring tables were refreshed before 2005.csv landed ({landed:%Y-%m-%d %H:%M:%S} UTC): "
            "waiting for them to take its loans in (the ingest run refreshes them after landing, the "
            "daily_monitoring schedule each day, or materialize champion_population); the next tick re-evaluates")
        assert lake.decisions()["trigger"].to_list() == ["labels"]  # no decision on the old numbers
        (again,) = lake.evaluate(instance, policy).run_requests  # refreshed: 400 labels now
    assert again.tags["risk/retrain_observed"] == "400.0000"  # the 350 and the 50 landed after


@pytest.mark.parametrize("recorded", [True, False], ids=["run that landed the file", "latest ingest run"])
def test_a_tick_waiting_for_the_refresh_names_the_ingest_run_that_failed_before_it(risk_home, sba_sample, recorded):
    """An ingest run killed after landing lc_part1.csv (marked failed) will never refresh the
    monitoring tables: the tick said only 'waiting for them to take its loans in'. It names the failed
    run, the one raw.landed_files records as landing the file or else the latest ingest_loans run, and
    says to re-execute it from failure. A run that did not fail is not named."""
    train, late = split_in_time(sba_sample)
    lake = Lake(risk_home, train)
    lake.land(late.head(350))
    lake.land_file()
    policy = RetrainPolicy(new_labelled_rows=300)
    with dg.instance_for_test() as instance:
        lake.evaluate(instance, policy)  # monitoring refreshed after the first file
        succeeded = instance.add_run(dg.DagsterRun(job_name="ingest_loans", status=dg.DagsterRunStatus.SUCCESS))
        killed = instance.add_run(dg.DagsterRun(job_name="ingest_loans", status=dg.DagsterRunStatus.STARTED))
        instance.report_run_failed(instance.get_run_by_id(killed.run_id))
        failed_at = datetime.fromtimestamp(instance.get_run_record_by_id(killed.run_id).end_time, timezone.utc)
        with connect(risk_home.lake_path) as con:
            con.execute("INSERT INTO raw.landed_files (sha256, path, size_bytes, domain, status, run_id, landed_at) "
                        "VALUES ('cd34', 'landing/loans/lc_part1.csv', 10, 'loans', 'loaded', ?, ?)",
                        [killed.run_id if recorded else None,
                         datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(seconds=5)])
            landed = con.execute("SELECT landed_at FROM raw.landed_files WHERE sha256 = 'cd34'").fetchone()[0]
        context = dg.build_sensor_context(instance=instance, cursor="{}", resources={
            "lake": LakeResource(root=str(risk_home.root)), "retrain_policy": policy})
        waiting = retrain_sensor(context)
        run = f"{killed.run_id} (ingest_loans)"
        which = f"The ingest run {run} that landed lc_part1.csv" if recorded else f"The latest ingest run {run}"
        assert waiting.skip_reason.skip_message == (
            f"the loan monitoring tables were refreshed before lc_part1.csv landed ({landed:%Y-%m-%d %H:%M:%S} UTC): "
            "waiting for them to take its loans in (the ingest run refreshes them after landing, the "
            "daily_monitoring schedule each day, or materialize champion_population); the next tick re-evaluates. "
            f"{which} failed at {failed_at:%Y-%m-%d %H:%M} UTC, so it will not "
            "refresh them: re-execute it from failure (its run page: Re-execute, From failure), or materialize "
            "champion_population")
        with connect(risk_home.lake_path) as con:  # the landing run succeeded: nothing to name
            con.execute("UPDATE raw.landed_files SET run_id = ? WHERE sha256 = 'cd34'", [succeeded.run_id])
        if recorded:
            assert retrain_sensor(context).skip_reason.skip_message.endswith("; the next tick re-evaluates")


def ended(instance, request: dg.RunRequest, status: dg.DagsterRunStatus) -> tuple[str, str]:
    """The run `request` started, ended now with `status` (`ended_runs.ended` for this sensor's job)."""
    return ended_run(instance, request, status, "retrain_loan_pd", "retrain_sensor")


def test_a_canceled_retrain_is_named_and_a_failed_one_requested_again_once(risk_home, sba_sample):
    """The labels trigger requested this book's retrain. Canceled by the operator: named, not
    requested again. A failed run of the same numbers and book: requested again (same config and
    tags but the failed run's outcome tags, risk/retry_of, a run key of its own); failed twice: named,
    left to the operator. A run of another book with the same fingerprint tag is not this book's."""
    train, late = split_in_time(sba_sample)
    lake = Lake(risk_home, train)
    lake.land(late)
    policy = RetrainPolicy(new_labelled_rows=400)
    with dg.instance_for_test() as instance:
        fired = lake.evaluate(instance, policy)
        (request,) = fired.run_requests
        canceled_id, canceled_at = ended(instance, request, dg.DagsterRunStatus.CANCELED)
        after = lake.evaluate(instance, policy, fired.cursor)
        assert not after.run_requests
        assert after.skip_reason.skip_message == (
            f"loan_pd_sba: the retrain run {canceled_id} requested for these numbers was canceled at {canceled_at}; "
            "not requested again for the same numbers: run retrain_loan_pd by hand, or it is requested when they change")

        other_book = dg.RunRequest(run_key="x", run_config=request.run_config,
                                   tags={**request.tags, "risk/retrain_portfolios": "sme"})
        first_id, first_at = ended(instance, request, dg.DagsterRunStatus.FAILURE)
        instance.add_run_tags(first_id, {  # as failed_run_outcome_sensor tags it: what that run did, not the retry
            "risk/checks_not_passed": "1 (ERROR)", "risk/checks_not_passed_names": "loan_pd_gate (ERROR)",
            "risk/notes": "(none)", "risk/outcome_of": first_id})
        ended(instance, other_book, dg.DagsterRunStatus.FAILURE)
        retried = lake.evaluate(instance, policy, after.cursor)
        (again,) = retried.run_requests
        assert again.run_key == f"{request.run_key}:after-failure-{first_id[:8]}"
        assert again.tags == {**request.tags, "risk/retry_of": first_id}
        assert again.run_config == request.run_config

        second_id, second_at = ended(instance, again, dg.DagsterRunStatus.FAILURE)
        stopped = lake.evaluate(instance, policy, retried.cursor)
    assert not stopped.run_requests
    assert stopped.skip_reason.skip_message == (
        f"loan_pd_sba: both retrain runs requested for these numbers failed: {first_id} at {first_at}, {second_id} at "
        f"{second_at}; not requested again: look at their logs and run retrain_loan_pd by hand, or it is requested "
        "when the numbers change")
    assert lake.decisions()["trigger"].to_list() == ["labels"]


def test_a_file_of_another_book_neither_requests_a_canceled_retrain_again_nor_decides_anew(risk_home, sba_sample):
    """The newest loan file's landing time was part of every champion's fingerprint: a tape of
    another book had the retraining canceled by the operator requested again, and the decision
    recorded anew, though none of this book's numbers had changed."""
    train, late = split_in_time(sba_sample)
    lake = Lake(risk_home, train)
    lake.land(late)
    policy = RetrainPolicy(new_labelled_rows=400)
    with dg.instance_for_test() as instance:
        fired = lake.evaluate(instance, policy)
        (request,) = fired.run_requests
        canceled_id, canceled_at = ended(instance, request, dg.DagsterRunStatus.CANCELED)
        lake.land_file()  # a tape of another book: no sba loan in it
        after = lake.evaluate(instance, policy, fired.cursor)
    assert not after.run_requests
    assert after.skip_reason.skip_message == (
        f"loan_pd_sba: the retrain run {canceled_id} requested for these numbers was canceled at {canceled_at}; "
        "not requested again for the same numbers: run retrain_loan_pd by hand, or it is requested when they change")
    assert lake.decisions()["trigger"].to_list() == ["labels"]


def test_an_unchanged_tick_names_what_the_gate_did_with_its_retrain_runs_candidate(risk_home, sba_sample):
    """The labels trigger's run succeeded but the gate rejected the version it trained (named after
    the run id's first 8 characters): the unchanged tick said 'succeeded', as if the champion were
    replaced; it now says what the registry holds for that version."""
    train, late = split_in_time(sba_sample)
    lake = Lake(risk_home, train)
    lake.land(late)
    policy = RetrainPolicy(new_labelled_rows=400)
    with dg.instance_for_test() as instance:
        fired = lake.evaluate(instance, policy)
        (request,) = fired.run_requests
        run_id, at = ended(instance, request, dg.DagsterRunStatus.SUCCESS)
        version = f"20261207T152444Z-{run_id[:8]}"
        with connect(risk_home.lake_path) as con:
            registry.register_candidate(con, MODEL, version, "artifacts/x", "auc_holdout", 0.6, "snap")
            registry.reject(con, MODEL, version, "rejected: AUC gain -0.004 (p 0.61): no gain beyond chance; "
                                                 "the champion stays")
        after = lake.evaluate(instance, policy, fired.cursor)
    assert not after.run_requests
    assert after.skip_reason.skip_message.endswith(
        f"; its retrain run {run_id} ended at {at}: its candidate {version} was rejected by the gate (AUC gain -0.004 "
        "(p 0.61): no gain beyond chance)")


def test_a_refused_retrain_is_held_until_its_book_gains_defaults(risk_home, sba_sample):
    """The labels trigger's run succeeded, but its training was refused for too few defaults and
    registered no version: nothing held the champion, so a decision taken anew (a cursor reset, a
    monitoring rebuild, loans landed without a default) requested the same refused training again.
    It is held until the book has gained first_model_new_defaults defaults since the refusal."""
    from risk_assets.lib.ml.pd_lake import record_refusal

    train, late = split_in_time(sba_sample)
    lake = Lake(risk_home, train)
    lake.land(late.head(350))
    policy = RetrainPolicy(new_labelled_rows=350, first_model_new_defaults=20)
    refusal = "holdout_oot has 12 defaults, fewer than the 30 each split needs"
    defaults = int(train["default_flag"].sum() + late.head(350)["default_flag"].sum())
    with dg.instance_for_test() as instance:
        (first,) = lake.evaluate(instance, policy).run_requests
        assert first.tags["risk/retrain_trigger"] == "labels"
        run_id, _ = ended(instance, first, dg.DagsterRunStatus.SUCCESS)
        with connect(risk_home.lake_path) as con:  # the run it started refused to train
            record_refusal(con, "sba", f"20261207T152444Z-{run_id[:8]}", refusal, run_id, 350 + train.height, defaults)
            (tried_at,) = con.execute("SELECT max(recorded_at) FROM ml.model_metrics WHERE split = 'all'").fetchone()
        held = lake.evaluate(instance, policy)  # no cursor: decided afresh
        assert not held.run_requests
        assert held.skip_reason.skip_message.startswith(
            f"loan_pd_sba: held: retraining 20261207T152444Z-{run_id[:8]}, tried at {tried_at:%Y-%m-%d %H:%M} UTC, "
            f"was refused ({refusal}); 0 defaults of its book landed since, which saw {defaults:,} (< 20), so no "
            "automatic retraining (run retrain_loan_pd by hand to retrain now). The triggers saw: 350 labelled loans")
        repaid = late.tail(50).filter(pl.col("default_flag") == 0)
        lake.land(repaid)  # loans of its own book, none defaulted: the same refusal
        still = lake.evaluate(instance, policy, held.cursor)
        assert not still.run_requests
        assert "; 0 defaults of its book landed since" in still.skip_reason.skip_message
        defaulted = sba_sample.filter((pl.col("vintage") == 2002) & (pl.col("default_flag") == 1)).head(20)
        lake.land(defaulted)
        (again,) = lake.evaluate(instance, policy, still.cursor).run_requests
    assert again.tags["risk/retrain_trigger"] == "labels"
    assert lake.decisions().filter(pl.col("model") == MODEL)["trigger"].to_list() == ["labels", "held", "held", "labels"]
