"""The sentiment retrain sensor on a real Dagster instance: labelled articles landed after the
champion was trained start `retrain_news_sentiment` once they reach the threshold; fewer do not; a
champion restored by hand is held until news files land after the restore. Real PhraseBank
sentences stand in for the landed articles (the decision reads only their labels and times)."""

from datetime import datetime, timedelta, timezone

import dagster as dg
import pytest

from risk_assets.defs.monitoring.policy import RetrainPolicy
from risk_assets.defs.monitoring.sensors import sentiment_retrain_sensor
from risk_assets.defs.resources import LakeResource
from risk_assets.lib.lake import connect, ensure_lake
from risk_assets.lib.ml import registry
from risk_assets.lib.ml.sentiment import MODEL_NAME
from risk_assets.lib.schema import NEWS_COLUMNS, ddl

POLICY = RetrainPolicy(new_labelled_articles=3)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


@pytest.fixture
def sentences(data_dir) -> list[tuple[str, str]]:
    lines = (data_dir / "news" / "financial_phrasebank_50agree.txt").read_text(encoding="utf-8-sig").splitlines()
    return [tuple(line.rsplit("@", 1)) for line in lines[:6]]


class Lake:
    def __init__(self, home):
        self.home = home
        with connect(home.lake_path) as con:
            ensure_lake(con)
            con.execute(ddl("raw.news", NEWS_COLUMNS))
            for version in ("v1", "v2"):
                registry.register_candidate(con, MODEL_NAME, version, str(home.root), "macro_f1_holdout", 0.81, "snap")
                registry.promote(con, MODEL_NAME, version, "beat the champion")
            con.execute("UPDATE ml.model_registry SET trained_at = ?", [_now() - timedelta(days=2)])

    def land(self, sentences, labelled: bool = True, at: datetime | None = None) -> None:
        """Articles as raw.news rows ingested now (or `at`), and their file as loaded in the manifest."""
        now = at or _now()
        with connect(self.home.lake_path) as con:
            for i, (text, label) in enumerate(sentences):
                con.execute("INSERT INTO raw.news (doc_id, source, text_raw, text_clean, label, _ingested_at) "
                            "VALUES (?, 'wire', ?, ?, ?, ?)", [f"{now:%H%M%S%f}-{i}", text, text, label if labelled else None, now])
            con.execute("INSERT INTO raw.landed_files (sha256, path, size_bytes, domain, status, landed_at) "
                        "VALUES (?, 'landing/news/wire.csv', 1, 'news', 'loaded', ?)", [f"{now:%H%M%S%f}", now])

    def tick(self, instance, cursor=None) -> dg.SensorResult:
        context = dg.build_sensor_context(instance=instance, cursor=cursor, resources={
            "lake": LakeResource(root=str(self.home.root)), "retrain_policy": POLICY})
        return sentiment_retrain_sensor(context)

    def decisions(self) -> list[tuple]:
        with connect(self.home.lake_path, read_only=True) as con:
            return con.execute("SELECT model, retrain, trigger, observed_value FROM monitoring.retrain_decisions "
                               "ORDER BY decided_at").fetchall()


def test_labelled_articles_since_training_start_a_retrain_at_the_threshold(risk_home, sentences):
    lake = Lake(risk_home)
    lake.land(sentences[:2])
    lake.land(sentences[2:4], labelled=False)  # unlabelled articles are no new labels
    with dg.instance_for_test() as instance:
        quiet = lake.tick(instance)
        assert not quiet.run_requests
        assert quiet.skip_reason.skip_message == (
            "news_sentiment: no trigger: 2 labelled articles landed since the champion was trained < 3")
        assert "nothing changed" in lake.tick(instance, quiet.cursor).skip_reason.skip_message
        lake.land(sentences[4:5])
        fired = lake.tick(instance, quiet.cursor)
    (request,) = fired.run_requests
    assert request.tags["risk/retrain_model"] == MODEL_NAME and request.tags["risk/champion_version"] == "v2"
    assert request.tags["risk/retrain_trigger"] == "labels" and request.tags["risk/retrain_observed"] == "3.0000"
    assert request.run_key.startswith("retrain:news_sentiment:v2:")
    assert lake.decisions() == [(MODEL_NAME, False, "none", None), (MODEL_NAME, True, "labels", 3.0)]


def test_a_champion_restored_by_hand_is_held_until_news_lands_after_the_restore(risk_home, sentences):
    lake = Lake(risk_home)
    lake.land(sentences[:4])
    with connect(risk_home.lake_path) as con:
        registry.restore_champion(con, MODEL_NAME, "v1", "v2 calls guidance cuts neutral", "operator ana")
        con.execute("UPDATE ml.model_registry SET trained_at = ? WHERE version = 'v1'", [_now() - timedelta(days=3)])
    with dg.instance_for_test() as instance:
        held = lake.tick(instance)
        assert not held.run_requests
        assert held.skip_reason.skip_message.startswith("news_sentiment: held: operator ana restored champion v1 at ")
        assert ("(v2 calls guidance cuts neutral); no news files landed since, so no automatic retraining (run "
                "retrain_news_sentiment by hand to retrain now). The triggers saw: 4 labelled articles landed since "
                "the champion was trained >= 3") in held.skip_reason.skip_message
        lake.land(sentences[4:5])
        resumed = lake.tick(instance, held.cursor)
    assert [r.tags["risk/champion_version"] for r in resumed.run_requests] == ["v1"]
    assert [d[2] for d in lake.decisions()] == ["held", "labels"]


def test_articles_landed_while_the_champion_trained_count_as_new_labels(risk_home, sentences):
    """v2's training read labelled news landed up to 3 days ago and was registered 2 days ago: the
    articles landed in between are in neither that training nor, counted from its registration,
    the next trigger."""
    import json

    lake = Lake(risk_home)
    artifact = risk_home.artifacts / MODEL_NAME / "v2"
    artifact.mkdir(parents=True)
    (artifact / "meta.json").write_text(json.dumps({"labelled_news_through": (_now() - timedelta(days=3)).isoformat()}))
    with connect(risk_home.lake_path) as con:
        con.execute("UPDATE ml.model_registry SET artifact_path = ? WHERE version = 'v2'", [str(artifact)])
    lake.land(sentences[:2], at=_now() - timedelta(days=2, hours=12))  # while v2 trained
    lake.land(sentences[2:3])
    with dg.instance_for_test() as instance:
        fired = lake.tick(instance)
    (request,) = fired.run_requests
    assert request.tags["risk/retrain_observed"] == "3.0000"
    # Without the record (an artifact from before it), the count starts at registration: 1 article.
    (artifact / "meta.json").write_text("{}")
    with dg.instance_for_test() as instance:
        quiet = lake.tick(instance)
    assert not quiet.run_requests and "1 labelled articles landed since" in quiet.skip_reason.skip_message


def test_no_champion_no_decision(risk_home):
    with connect(risk_home.lake_path) as con:
        ensure_lake(con)
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance, resources={
            "lake": LakeResource(root=str(risk_home.root)), "retrain_policy": POLICY})
        result = sentiment_retrain_sensor(context)
    assert not result.run_requests and "no news_sentiment champion yet" in result.skip_reason.skip_message


def test_a_champion_retired_by_hand_is_named_and_not_retrained(risk_home, sentences):
    """Labels under review: the operator retired the champion. The sensor says who retired it and
    why, and requests nothing, however many labelled articles land."""
    lake = Lake(risk_home)
    with connect(risk_home.lake_path) as con:
        registry.retire_champion(con, MODEL_NAME, "labels under review", "operator ana")
    lake.land(sentences)
    with dg.instance_for_test() as instance:
        result = lake.tick(instance)
    assert not result.run_requests
    message = result.skip_reason.skip_message
    assert message.startswith("no news_sentiment champion: operator ana retired it at ")
    assert message.endswith("UTC (labels under review); no automatic training (run retrain_news_sentiment by hand)")
