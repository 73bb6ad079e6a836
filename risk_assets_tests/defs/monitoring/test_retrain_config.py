"""The training config of sensor-started retraining (RISK_RETRAIN_CONFIG): the run config and tags
the retrain sensors' requests carry with it and without it, and a bad setting's message, given on
the tick before anything is decided."""

import json

import dagster as dg
import pytest

from risk_assets.defs.models.news_sentiment import NewsSentimentConfig
from risk_assets.defs.monitoring.policy import RetrainPolicy
from risk_assets.defs.monitoring.sensors import retrain_sensor
from risk_assets.defs.monitoring.train_profile import RETRAIN_CONFIG_ENV, RetrainConfigError, retrain_profile
from risk_assets.defs.resources import LakeResource
from risk_assets.lib.lake import connect, ensure_lake
from risk_assets_tests.defs.monitoring.test_sentiment_retrain_sensor import Lake, sentences  # noqa: F401 (fixture)
from risk_assets_tests.lib.ml.test_pd_training import f13_frame

SLOW_MACHINE = {"ops": {"news_sentiment_model": {"config": {"max_train_seconds": 1500, "epochs": 2}},
                        "loan_pd_model": {"config": {"members": 10, "cpu_workers": 1}}}}


def _message(value: str) -> str:
    with pytest.raises(RetrainConfigError) as raised:
        retrain_profile({RETRAIN_CONFIG_ENV: value})
    return str(raised.value)


def _ops(op: str, config: dict) -> str:
    return json.dumps({"ops": {op: {"config": config}}})


def test_a_bad_setting_is_named_with_what_it_takes():
    assert _message(_ops("news_sentiment_model", {"max_train_second": 1500})).startswith(
        "RISK_RETRAIN_CONFIG: news_sentiment_model.max_train_second: news_sentiment_model has no such setting "
        "(did you mean max_train_seconds?); its settings: epochs, max_train_seconds, min_train_epochs, ")
    # Dagster's run config is strict: a quoted number would fail the run at launch
    assert _message(_ops("news_sentiment_model", {"max_train_seconds": "1500"})) == (
        'RISK_RETRAIN_CONFIG: news_sentiment_model.max_train_seconds = "1500": Input should be a valid number '
        "(Wall-clock budget of the training loop, s; null = none. A machine too slow to run every planned step in "
        "it anneals the learning rates to 0 within it and stops (never before min_train_epochs); the card says how "
        "far it went.)")
    assert _message(_ops("news_sentiment_model", {"epochs": 1, "min_train_epochs": 2})) == (
        "RISK_RETRAIN_CONFIG: news_sentiment_model: min_train_epochs must be 0 to epochs (1), not 2")
    assert _message(_ops("loan_pd_model", {"members": 3})) == (
        "RISK_RETRAIN_CONFIG: loan_pd_model: members (3) must be at least folds (5)")
    assert _message(_ops("loan_pd_model", {"portfolios": ["sba"]})) == (
        "RISK_RETRAIN_CONFIG: loan_pd_model.portfolios cannot be set here: the retrain sensor names the book(s) "
        "each run trains")
    assert _message(_ops("news_sentiment", {"epochs": 2})) == (
        "RISK_RETRAIN_CONFIG: ops.news_sentiment: the retrain runs train loan_pd_model and news_sentiment_model "
        "only; nothing else takes config from this setting")
    assert _message('{"ops": {"news_sentiment_model": {"config": {"epochs": 2,}}}}') == (
        "RISK_RETRAIN_CONFIG is not JSON: Expecting property name enclosed in double quotes: line 1 column 58 "
        '(char 57); give run config as --config-json takes it, e.g. {"ops": {"news_sentiment_model": {"config": '
        '{"max_train_seconds": 1500}}}}')
    assert _message("/no/such/slow_machine.yaml").startswith(
        "RISK_RETRAIN_CONFIG names the file /no/such/slow_machine.yaml, which cannot be read (No such file or "
        "directory)")


def test_a_yaml_file_is_a_named_profile_whose_run_config_dagster_accepts(tmp_path):
    from risk_assets.definitions import defs

    path = tmp_path / "slow_machine.yaml"
    path.write_text("ops:\n  news_sentiment_model:\n    config:\n      max_train_seconds: 1500\n      epochs: 2\n"
                    "  loan_pd_model:\n    config:\n      members: 10\n      cpu_workers: 1\n")
    profile = retrain_profile({RETRAIN_CONFIG_ENV: str(path)})
    assert profile.tags("news_sentiment_model") == {
        "risk/train_config": "RISK_RETRAIN_CONFIG=slow_machine.yaml: epochs=2, max_train_seconds=1500"}
    pd_config = profile.run_config("loan_pd_model", portfolios=["sba"], oot_train_until=2001)
    assert pd_config == {"ops": {"loan_pd_model": {"config": {
        "members": 10, "cpu_workers": 1, "portfolios": ["sba"], "oot_train_until": 2001}}}}
    sentiment_config = profile.run_config("news_sentiment_model")
    for job, config in (("retrain_loan_pd", pd_config), ("retrain_news_sentiment", sentiment_config)):
        assert dg.validate_run_config(defs.resolve_job_def(job), config)  # what the run launches with
    assert retrain_profile({}).run_config("news_sentiment_model") == {}
    assert retrain_profile({RETRAIN_CONFIG_ENV: " "}).tags("loan_pd_model") == {}


def test_the_sentiment_retrain_carries_the_profile_and_a_bad_one_decides_nothing(risk_home, sentences, monkeypatch):
    lake = Lake(risk_home)
    lake.land(sentences[:3])
    monkeypatch.delenv(RETRAIN_CONFIG_ENV, raising=False)
    with dg.instance_for_test() as instance:
        (default,) = lake.tick(instance).run_requests
    assert default.run_config == {}  # as before the setting: the job's own defaults
    assert "risk/train_config" not in default.tags

    lake = Lake(risk_home.__class__(risk_home.root.parent / "second").ensure())
    lake.land(sentences[:3])
    monkeypatch.setenv(RETRAIN_CONFIG_ENV, _ops("news_sentiment_model", {"max_train_seconds": 1500.0, "epochs": "2"}))
    with dg.instance_for_test() as instance:
        refused = lake.tick(instance, cursor="before")
        assert not refused.run_requests and refused.cursor == "before" and lake.decisions() == []
        assert refused.skip_reason.skip_message == (
            'nothing decided: RISK_RETRAIN_CONFIG: news_sentiment_model.epochs = "2": Input should be a valid '
            "integer (Passes over the training split.). Mend or unset it (README, Automation); the next tick decides")
        monkeypatch.setenv(RETRAIN_CONFIG_ENV, json.dumps(SLOW_MACHINE))
        (request,) = lake.tick(instance, cursor="before").run_requests
    assert request.run_config == {"ops": {"news_sentiment_model": {"config": {"max_train_seconds": 1500, "epochs": 2}}}}
    assert request.tags["risk/train_config"] == "RISK_RETRAIN_CONFIG: epochs=2, max_train_seconds=1500"
    assert request.tags["risk/retrain_trigger"] == "labels"


def test_the_pd_retrain_carries_the_profile_beside_the_books_it_trains(risk_home, cases_dir, monkeypatch):
    lake = LakeResource(root=str(risk_home.root))
    with connect(risk_home.lake_path) as con:
        ensure_lake(con)
        con.register("frame", f13_frame(cases_dir))
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute("CREATE TABLE marts.loan_features AS SELECT * FROM frame")

    def tick(instance):
        return retrain_sensor(dg.build_sensor_context(
            instance=instance, resources={"lake": lake, "retrain_policy": RetrainPolicy()}))

    monkeypatch.delenv(RETRAIN_CONFIG_ENV, raising=False)
    with dg.instance_for_test() as instance:
        (default,) = tick(instance).run_requests
    assert default.run_config == {"ops": {"loan_pd_model": {"config": {"portfolios": ["f13"]}}}}
    assert "risk/train_config" not in default.tags

    monkeypatch.setenv(RETRAIN_CONFIG_ENV, json.dumps(SLOW_MACHINE))
    with dg.instance_for_test() as instance:
        (request,) = tick(instance).run_requests
    assert request.run_config == {"ops": {"loan_pd_model": {"config": {
        "members": 10, "cpu_workers": 1, "portfolios": ["f13"]}}}}
    assert request.tags["risk/train_config"] == "RISK_RETRAIN_CONFIG: cpu_workers=1, members=10"
    assert request.tags["risk/retrain_trigger"] == "first_model"


def test_the_trained_short_remedy_is_a_command_whose_config_dagster_accepts():
    import shlex

    from risk_assets.definitions import defs
    from risk_assets.lib.ml.sentiment import train_unbudgeted

    words = shlex.split(train_unbudgeted("news_sentiment"))
    assert words[:5] == [".venv/bin/risk-assets", "run", "--no-seed", "--select", "key:news_sentiment_model+"]
    config = json.loads(words[words.index("--config-json") + 1])
    assert config == {"ops": {"news_sentiment_model": {"config": {"max_train_seconds": None}}}}
    assert dg.validate_run_config(defs.resolve_job_def("retrain_news_sentiment"), config)


NEWS_TYPO = _ops("news_sentiment_model", {"max_train_second": 30})
NEWS_REFUSED = (
    "RISK_RETRAIN_CONFIG's news_sentiment_model part is refused (RISK_RETRAIN_CONFIG: "
    "news_sentiment_model.max_train_second: news_sentiment_model has no such setting (did you mean "
    "max_train_seconds?); its settings: {settings}): sentiment_retrain_sensor holds its retraining; this decision goes on")


def test_a_bad_part_of_one_model_is_refused_to_its_own_sensor_only():
    profile = retrain_profile({RETRAIN_CONFIG_ENV: json.dumps({"ops": {
        "news_sentiment_model": {"config": {"max_train_second": 30}},
        "loan_pd_model": {"config": {"members": 10}}}})}, own="loan_pd_model")
    assert profile.config("loan_pd_model") == {"members": 10} and profile.config("news_sentiment_model") == {}
    assert list(profile.refused) == ["news_sentiment_model"]
    with pytest.raises(RetrainConfigError):  # its own part, or asked for every part, it is refused
        retrain_profile({RETRAIN_CONFIG_ENV: NEWS_TYPO}, own="news_sentiment_model")
    with pytest.raises(RetrainConfigError):
        retrain_profile({RETRAIN_CONFIG_ENV: NEWS_TYPO})
    with pytest.raises(RetrainConfigError):  # whose part an unknown op was meant to be is unknown
        retrain_profile({RETRAIN_CONFIG_ENV: _ops("news_sentiment", {"epochs": 2})}, own="loan_pd_model")


def test_the_pd_retrain_decides_beside_a_news_typo_and_refuses_its_own(risk_home, cases_dir, monkeypatch):
    lake = LakeResource(root=str(risk_home.root))
    with connect(risk_home.lake_path) as con:
        ensure_lake(con)
        con.register("frame", f13_frame(cases_dir))
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute("CREATE TABLE marts.loan_features AS SELECT * FROM frame")

    def tick(instance, cursor=None):
        return retrain_sensor(dg.build_sensor_context(
            instance=instance, cursor=cursor, resources={"lake": lake, "retrain_policy": RetrainPolicy()}))

    with dg.instance_for_test() as instance:
        monkeypatch.setenv(RETRAIN_CONFIG_ENV, _ops("loan_pd_model", {"members": 3}))
        refused = tick(instance, cursor="{}")
        assert not refused.run_requests and refused.cursor == "{}"
        assert refused.skip_reason.skip_message == (
            "nothing decided: RISK_RETRAIN_CONFIG: loan_pd_model: members (3) must be at least folds (5). Mend or "
            "unset it (README, Automation); the next tick decides")
        monkeypatch.setenv(RETRAIN_CONFIG_ENV, "/no/such/retrain.json")  # no part of it can be read: both wait
        assert tick(instance).skip_reason.skip_message.startswith(
            "nothing decided: RISK_RETRAIN_CONFIG names the file /no/such/retrain.json, which cannot be read")

        monkeypatch.setenv(RETRAIN_CONFIG_ENV, NEWS_TYPO)
        first = tick(instance)
        (request,) = first.run_requests  # the PD decision does not wait for a setting it never reads
        assert request.run_config == {"ops": {"loan_pd_model": {"config": {"portfolios": ["f13"]}}}}
        assert "risk/train_config" not in request.tags
        unchanged = tick(instance, cursor=first.cursor).skip_reason.skip_message
    note, standing = unchanged.split("; loan_pd_f13: ", 1)
    assert note == NEWS_REFUSED.format(settings=", ".join(NewsSentimentConfig.model_fields))
    assert standing.startswith("no champion; nothing changed since ")


def test_the_sentiment_retrain_decides_beside_a_pd_error(risk_home, sentences, monkeypatch):
    lake = Lake(risk_home)
    monkeypatch.setenv(RETRAIN_CONFIG_ENV, json.dumps({"ops": {
        "news_sentiment_model": {"config": {"max_train_seconds": 1500}},
        "loan_pd_model": {"config": {"members": 3}}}}))
    with dg.instance_for_test() as instance:
        quiet = lake.tick(instance)
        lake.land(sentences[:3])
        (request,) = lake.tick(instance, cursor=quiet.cursor).run_requests
    assert quiet.skip_reason.skip_message == (
        "news_sentiment: no trigger: 0 labelled articles landed since the champion was trained < 3; "
        "RISK_RETRAIN_CONFIG's loan_pd_model part is refused (RISK_RETRAIN_CONFIG: loan_pd_model: members (3) must be "
        "at least folds (5)): retrain_sensor holds its retraining; this decision goes on")
    assert request.run_config == {"ops": {"news_sentiment_model": {"config": {"max_train_seconds": 1500}}}}
