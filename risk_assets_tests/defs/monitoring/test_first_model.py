"""A book without a PD champion (a lender's own portfolio, landed by jobs that never train): the
retrain sensor requests its first training, then, refused for too few defaults (the F13 case: one
default in 40 loans), waits until 20 more defaults have landed."""

from __future__ import annotations

import dagster as dg

from risk_assets.defs.models.loan_pd import loan_pd_model
from risk_assets.defs.monitoring.policy import RetrainPolicy
from risk_assets.defs.monitoring.sensors import retrain_sensor
from risk_assets.defs.resources import LakeResource
from risk_assets.lib.lake import connect, ensure_lake
from risk_assets_tests.lib.ml.test_pd_training import f13_frame


def test_a_new_book_is_trained_once_then_again_when_enough_defaults_land(risk_home, cases_dir):
    lake = LakeResource(root=str(risk_home.root))
    with connect(risk_home.lake_path) as con:
        ensure_lake(con)
        con.register("frame", f13_frame(cases_dir))
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute("CREATE TABLE marts.loan_features AS SELECT * FROM frame")

    with dg.instance_for_test() as instance:
        def tick(cursor=None):
            return retrain_sensor(dg.build_sensor_context(
                instance=instance, cursor=cursor, resources={"lake": lake, "retrain_policy": RetrainPolicy()}))

        first = tick()
        (request,) = first.run_requests
        assert request.tags["risk/retrain_trigger"] == "first_model"
        assert request.tags["risk/retrain_reason"] == "no champion, never trained: 40 labelled loans, 1 defaults"
        # it trains this book only: the other portfolios' champions are not retrained by it
        assert request.run_config == {"ops": {"loan_pd_model": {"config": {"portfolios": ["f13"]}}}}

        # the run it asks for trains loan_pd_f13, which is refused: one default is too few
        trained = dg.materialize([loan_pd_model], instance=instance,
                                 resources={"lake": lake, "retrain_policy": RetrainPolicy()},
                                 run_config=request.run_config, raise_on_error=False)
        assert trained.success  # a refusal: the run goes on (loan_pd_gate warns)
        second = tick(first.cursor)
        assert not second.run_requests
        message = second.skip_reason.skip_message
        assert "loan_pd_f13: no champion; 0 defaults since its last training, which saw 1 (< 20)" in message
        assert "it left no champion: too few defaults" in message

        with connect(risk_home.lake_path) as con:  # 20 loans of the book charge off
            con.execute("UPDATE marts.loan_features SET default_flag = 1 WHERE loan_key IN "
                        "(SELECT loan_key FROM marts.loan_features WHERE default_flag = 0 ORDER BY loan_key LIMIT 20)")
        third = tick(second.cursor)
        (again,) = third.run_requests
        assert again.tags["risk/retrain_reason"].startswith(
            "no champion; 20 defaults since its last training, which saw 1 (>= 20); 40 labelled loans, 21 defaults")
    with connect(risk_home.lake_path, read_only=True) as con:
        decisions = con.execute("SELECT model, retrain, trigger FROM monitoring.retrain_decisions ORDER BY decided_at").fetchall()
    assert decisions == [("loan_pd_f13", True, "first_model"), ("loan_pd_f13", False, "none"),
                         ("loan_pd_f13", True, "first_model")]
