"""The sentiment retrain sensor on a real Dagster instance: labelled articles landed after the
champion was trained start `retrain_news_sentiment` once they reach the threshold; fewer do not; a
champion restored by hand is held until news files land after the restore; without a champion,
labelled articles start the first model. Real PhraseBank sentences stand in for the landed
articles (the decision reads only their labels and times)."""

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
from risk_assets_tests.defs.monitoring.ended_runs import ended as ended_run

POLICY = RetrainPolicy(new_labelled_articles=3)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


@pytest.fixture
def sentences(data_dir) -> list[tuple[str, str]]:
    lines = (data_dir / "news" / "financial_phrasebank_50agree.txt").read_text(encoding="utf-8-sig").splitlines()
    return [tuple(line.rsplit("@", 1)) for line in lines[:6]]


class Lake:
    def __init__(self, home, champions: tuple[str, ...] = ("v1", "v2")):
        self.home = home
        with connect(home.lake_path) as con:
            ensure_lake(con)
            con.execute(ddl("raw.news", NEWS_COLUMNS))
            for version in champions:
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

    def decided_at(self) -> str:
        """When the latest decision was taken, as the unchanged ticks name it ('YYYY-MM-DD HH:MM UTC')."""
        with connect(self.home.lake_path, read_only=True) as con:
            (at,) = con.execute("SELECT max(decided_at) FROM monitoring.retrain_decisions").fetchone()
        return f"{at:%Y-%m-%d %H:%M} UTC"

    def refused(self, labelled: int, reason: str, version: str = "r1") -> None:
        """A training of news_sentiment_model refused now (TooFewLabels), as the asset records it."""
        from risk_assets.lib.ml.sentiment_pipeline import record_refusal

        with connect(self.home.lake_path) as con:
            record_refusal(con, version, f"not trained: {reason}", labelled)


def test_labelled_articles_since_training_start_a_retrain_at_the_threshold(risk_home, sentences):
    lake = Lake(risk_home)
    lake.land(sentences[:2])
    lake.land(sentences[2:4], labelled=False)  # unlabelled articles are no new labels
    with dg.instance_for_test() as instance:
        quiet = lake.tick(instance)
        assert not quiet.run_requests
        assert quiet.skip_reason.skip_message == (
            "news_sentiment: no trigger: 2 labelled articles landed since the champion was trained < 3")
        # every later tick repeats the standing decision and its time, and logs it
        unchanged = lake.tick(instance, quiet.cursor)
        said = (f"news_sentiment: nothing changed since {lake.decided_at()}; standing decision: no trigger: 2 "
                "labelled articles landed since the champion was trained < 3")
        assert unchanged.skip_reason.skip_message == said
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
    assert not result.run_requests
    assert result.skip_reason.skip_message == "no news_sentiment champion yet and no news landed: nothing to train on"


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
    # labelled articles and no champion: still no first model, and no decision, while the retirement stands
    assert lake.decisions() == []


NO_LABELS = ("no labelled news to train on: no article of marts.news_features has a label (negative / neutral / "
             "positive); land a labelled file, such as the Financial PhraseBank")


def test_without_a_champion_labelled_articles_start_a_first_model_once(risk_home, sentences):
    """A desk started with its own unlabelled feed: its training was refused for want of labels and
    there is no champion. Once a labelled file lands, the sensor requests the first model, once: the
    next tick, unlabelled articles and an evaluation without the cursor (a preview) request nothing
    new and add no row."""
    lake = Lake(risk_home, champions=())
    lake.land(sentences[:3], labelled=False, at=_now() - timedelta(days=1))
    lake.refused(0, NO_LABELS)  # the desk's first run: nothing to learn from
    with dg.instance_for_test() as instance:
        quiet = lake.tick(instance)
        assert not quiet.run_requests
        assert quiet.skip_reason.skip_message == (
            "news_sentiment: no champion and no labelled article yet: nothing to train on (land a labelled file, such "
            "as the Financial PhraseBank, or your own with a label column)")
        lake.land(sentences[:2])  # the PhraseBank lands
        fired = lake.tick(instance, quiet.cursor)
        (request,) = fired.run_requests
        assert request.tags["risk/retrain_trigger"] == "first_model"
        assert request.tags["risk/retrain_reason"] == "no champion, never trained: 2 labelled articles"
        assert request.tags["risk/retrain_model"] == MODEL_NAME and request.tags["risk/champion_version"] == "none"
        assert request.tags["risk/retrain_observed"] == "2.0000" and request.tags["risk/retrain_threshold"] == ""
        assert request.run_key == f"retrain:first_model:{MODEL_NAME}:{fired.cursor}"
        assert request.tags["risk/monitoring_fingerprint"] == fired.cursor and fired.cursor.startswith("first:")

        again = lake.tick(instance, fired.cursor)
        assert not again.run_requests
        assert again.skip_reason.skip_message == (
            f"news_sentiment: no champion; nothing changed since {lake.decided_at()}; standing decision: no champion, "
            "never trained: 2 labelled articles")
        lake.land(sentences[2:4], labelled=False)  # unlabelled articles: nothing to learn from
        assert not lake.tick(instance, again.cursor).run_requests
        preview = lake.tick(instance)  # no cursor: decides the same, under the same run key
        assert [r.run_key for r in preview.run_requests] == [request.run_key]
    assert lake.decisions() == [(MODEL_NAME, False, "none", 0.0), (MODEL_NAME, True, "first_model", 2.0)]


def test_a_first_model_the_gate_rejected_is_tried_again_once_enough_labelled_articles_land(risk_home, sentences):
    """The first model did not beat the TF-IDF baseline: no champion. The same articles would train
    the same model, so the sensor waits for new_labelled_articles (3 here) landed since."""
    lake = Lake(risk_home, champions=())
    lake.land(sentences[:2], at=_now() - timedelta(days=2))
    with connect(risk_home.lake_path) as con:
        registry.register_candidate(con, MODEL_NAME, "v1", str(risk_home.root), "macro_f1_holdout", 0.41, "snap")
        registry.reject(con, MODEL_NAME, "v1", "rejected: holdout macro-F1 0.4100 does not beat the TF-IDF baseline 0.5200")
        con.execute("UPDATE ml.model_registry SET trained_at = ?", [_now() - timedelta(days=1)])
    lake.land(sentences[2:4])
    with dg.instance_for_test() as instance:
        waiting = lake.tick(instance)
        assert not waiting.run_requests
        assert waiting.skip_reason.skip_message == (
            "news_sentiment: no champion; 2 labelled articles landed since its last training (< 3); 4 labelled "
            "articles; it left no champion: version v1 rejected: holdout macro-F1 0.4100 does not beat the TF-IDF "
            "baseline 0.5200")
        assert "nothing changed" in lake.tick(instance, waiting.cursor).skip_reason.skip_message
        lake.land(sentences[4:5])
        (request,) = lake.tick(instance, waiting.cursor).run_requests
    assert request.tags["risk/retrain_trigger"] == "first_model"
    assert (request.tags["risk/retrain_observed"], request.tags["risk/retrain_threshold"]) == ("3.0000", "3.0000")
    assert request.tags["risk/retrain_reason"] == (
        "no champion; 3 labelled articles landed since its last training (>= 3); 5 labelled articles")
    assert lake.decisions() == [(MODEL_NAME, False, "none", 2.0), (MODEL_NAME, True, "first_model", 3.0)]


def test_a_refused_first_training_is_tried_again_once_enough_labelled_articles_land(risk_home, sentences):
    """A desk's own labelled file without a neutral sentence: the training is refused (too few of a
    label), the run goes on. The sensor waits for new labels before it tries again."""
    lake = Lake(risk_home, champions=())
    lake.land(sentences[:2], at=_now() - timedelta(minutes=5))
    too_few = "too few distinct labelled sentences to hold out a stratified share: {'positive': 2}"
    lake.refused(2, too_few)
    with dg.instance_for_test() as instance:
        lake.land(sentences[2:4])
        waiting = lake.tick(instance)
        assert not waiting.run_requests
        assert waiting.skip_reason.skip_message == (
            "news_sentiment: no champion; 2 labelled articles landed since its last training (< 3); 4 labelled "
            f"articles; it left no champion: not trained: {too_few}")
        lake.land(sentences[4:5])
        (request,) = lake.tick(instance, waiting.cursor).run_requests
    assert request.tags["risk/retrain_trigger"] == "first_model" and request.tags["risk/retrain_observed"] == "3.0000"


def ended(instance, request: dg.RunRequest, status: dg.DagsterRunStatus) -> tuple[str, str]:
    """The run `request` started, ended now with `status` (`ended_runs.ended` for this sensor's job)."""
    return ended_run(instance, request, status, "retrain_news_sentiment", "sentiment_retrain_sensor")


def test_a_retrain_the_operator_canceled_is_named_and_not_requested_again(risk_home, sentences):
    """The operator terminated the retrain the labels started. The numbers are the same, so the
    cursor alone said 'nothing changed' for ever, without a word of the run. The tick now names the
    canceled run and requests nothing (the operator stopped it on purpose); without a run it says
    'nothing changed' and the standing decision."""
    lake = Lake(risk_home)
    lake.land(sentences[:3])
    with dg.instance_for_test() as instance:
        fired = lake.tick(instance)
        (request,) = fired.run_requests
        run_id, at = ended(instance, request, dg.DagsterRunStatus.CANCELED)
        after = lake.tick(instance, fired.cursor)
        assert not after.run_requests
        assert after.skip_reason.skip_message == (
            f"news_sentiment: the retrain run {run_id} requested for these numbers was canceled at {at}; not "
            "requested again for the same numbers: run retrain_news_sentiment by hand, or it is requested when they "
            "change")
        assert after.cursor == fired.cursor
        # a run of another fingerprint ended, or none: 'nothing changed'
        with dg.instance_for_test() as other:
            quiet = lake.tick(other, fired.cursor)
        assert quiet.skip_reason.skip_message == (
            f"news_sentiment: nothing changed since {lake.decided_at()}; standing decision: retrain: 3 labelled "
            "articles landed since the champion was trained >= 3")
    assert lake.decisions() == [(MODEL_NAME, True, "labels", 3.0)]


def test_a_failed_retrain_is_requested_again_once_then_left_to_the_operator(risk_home, sentences):
    """The retrain's process was killed and the run marked failed. The same numbers are requested
    again, with the same config and tags, the failed run named in risk/retry_of and under a run key
    of its own (the daemon would drop a request under the spent one). When that run fails too, the
    sensor stops and names both runs."""
    lake = Lake(risk_home)
    lake.land(sentences[:3])
    with dg.instance_for_test() as instance:
        fired = lake.tick(instance)
        (request,) = fired.run_requests
        first_id, _ = ended(instance, request, dg.DagsterRunStatus.FAILURE)
        retried = lake.tick(instance, fired.cursor)
        (again,) = retried.run_requests
        assert again.run_key == f"{request.run_key}:after-failure-{first_id[:8]}" != request.run_key
        assert again.tags == {**request.tags, "risk/retry_of": first_id}
        assert again.run_config == request.run_config
        assert retried.cursor == fired.cursor

        second_id, second_at = ended(instance, again, dg.DagsterRunStatus.FAILURE)
        first_at = f"{datetime.fromtimestamp(instance.get_run_record_by_id(first_id).end_time, timezone.utc):%Y-%m-%d %H:%M} UTC"
        stopped = lake.tick(instance, retried.cursor)
        assert not stopped.run_requests
        assert stopped.skip_reason.skip_message == (
            f"news_sentiment: both retrain runs requested for these numbers failed: {first_id} at {first_at}, "
            f"{second_id} at {second_at}; not requested again: look at their logs and run retrain_news_sentiment "
            "by hand, or it is requested when the numbers change")
        # new labelled articles: new numbers, decided afresh and requested under their own key
        lake.land(sentences[3:4])
        (fresh,) = lake.tick(instance, stopped.cursor).run_requests
    assert fresh.tags["risk/retrain_observed"] == "4.0000" and "risk/retry_of" not in fresh.tags
    assert "after-failure" not in fresh.run_key


def test_an_unchanged_tick_repeats_the_standing_decision_names_its_run_and_logs_it(risk_home, sentences, caplog):
    """Every tick after the one that decided said only 'nothing changed since the last evaluation',
    its log empty: the reason for acting or not was on the first tick alone. An unchanged tick now
    says since when, the standing decision, and the run it requested when that run succeeded (its
    candidate not promoted: the numbers stay), in its skip reason and its log."""
    import logging

    lake = Lake(risk_home)
    lake.land(sentences[:3])
    with dg.instance_for_test() as instance:
        fired = lake.tick(instance)
        (request,) = fired.run_requests
        run_id, at = ended(instance, request, dg.DagsterRunStatus.SUCCESS)
        context = dg.build_sensor_context(instance=instance, cursor=fired.cursor, resources={
            "lake": LakeResource(root=str(risk_home.root)), "retrain_policy": POLICY})
        context.log.addHandler(caplog.handler)  # what the tick's "View logs" shows
        after = sentiment_retrain_sensor(context)
    said = (f"news_sentiment: nothing changed since {lake.decided_at()}; standing decision: retrain: 3 labelled "
            f"articles landed since the champion was trained >= 3; its retrain run {run_id} succeeded at {at}")
    assert not after.run_requests and after.skip_reason.skip_message == said
    assert said in caplog.text


def test_a_kept_cursor_over_a_lake_without_the_decision_decides_again(risk_home, sentences):
    """The cursor says these numbers were evaluated, but the lake holds no decision for them (a lake
    rebuilt under a running daemon): there is no standing decision to repeat, so the tick decides
    and records it again rather than saying 'nothing changed'."""
    lake = Lake(risk_home)
    lake.land(sentences[:2])
    with dg.instance_for_test() as instance:
        first = lake.tick(instance)
        with connect(risk_home.lake_path) as con:
            con.execute("DELETE FROM monitoring.retrain_decisions")
        again = lake.tick(instance, first.cursor)
    assert again.skip_reason.skip_message == (
        "news_sentiment: no trigger: 2 labelled articles landed since the champion was trained < 3")
    assert lake.decisions() == [(MODEL_NAME, False, "none", None)]


def _trained_short(home, version: str = "v2", steps: int = 208, planned: int = 396) -> None:
    """`version`'s training figures as news_sentiment_model records them (ml.model_metrics, split
    train): the time budget ended it at `steps` of its `planned` optimiser steps."""
    with connect(home.lake_path) as con:
        registry.record_metrics(con, MODEL_NAME, version, "train", {
            "seconds": 541.3, "steps": float(steps), "planned_steps": float(planned), "n": 4224.0})


SHORT_REASON = ("retrain: champion v2 was trained short (208 of 396 steps) by its time budget: retraining it with its "
                "full schedule")


def test_a_champion_trained_short_is_retrained_once_with_its_full_schedule(risk_home, sentences):
    """The main job's training on a busy machine stopped at 208 of 396 steps and, the first model,
    was promoted. The sensor requests one retrain_news_sentiment run with no time budget, under a
    run key of that champion; once that run ended, it is not requested again, not when new articles
    change the numbers either (the labels decide alone then)."""
    lake = Lake(risk_home)
    _trained_short(risk_home)
    lake.land(sentences[:1])
    with dg.instance_for_test() as instance:
        fired = lake.tick(instance)
        (request,) = fired.run_requests
        assert request.run_key == "retrain:news_sentiment:v2:trained_short"
        assert request.run_config == {"ops": {"news_sentiment_model": {"config": {"max_train_seconds": None}}}}
        assert {k: v for k, v in request.tags.items() if k != "risk/monitoring_fingerprint"} == {
            "risk/retrain_model": "news_sentiment", "risk/retrain_trigger": "trained_short",
            "risk/retrain_reason": SHORT_REASON, "risk/retrain_observed": "208.0000",
            "risk/retrain_threshold": "396.0000", "risk/champion_version": "v2"}
        run_id, at = ended(instance, request, dg.DagsterRunStatus.SUCCESS)
        # its candidate was not promoted (v2 stays): the same numbers name the run, nothing is requested
        unchanged = lake.tick(instance, fired.cursor)
        assert not unchanged.run_requests
        assert unchanged.skip_reason.skip_message == (
            f"news_sentiment: nothing changed since {lake.decided_at()}; standing decision: {SHORT_REASON}; its "
            f"retrain run {run_id} succeeded at {at}")
        lake.land(sentences[1:2])  # new numbers: decided afresh, without a second request for v2
        quiet = lake.tick(instance, unchanged.cursor)
        assert not quiet.run_requests
        assert quiet.skip_reason.skip_message == (
            "news_sentiment: no trigger: 2 labelled articles landed since the champion was trained < 3; champion v2 "
            f"was trained short (208 of 396 steps) by its time budget; its retraining with its full schedule was "
            f"requested already (run {run_id}, SUCCESS)")
        lake.land(sentences[2:3])
        (labels,) = lake.tick(instance, quiet.cursor).run_requests
    assert labels.tags["risk/retrain_trigger"] == "labels" and labels.run_config == {}
    with connect(risk_home.lake_path, read_only=True) as con:
        rows = con.execute("SELECT retrain, trigger, observed_value, threshold, reason FROM monitoring.retrain_decisions "
                           "ORDER BY decided_at").fetchall()
    assert rows[0] == (True, "trained_short", 208.0, 396.0, SHORT_REASON)
    assert [row[1:3] for row in rows] == [("trained_short", 208.0), ("none", None), ("labels", 3.0)]


def test_a_champion_trained_in_full_is_not_retrained_for_it(risk_home, sentences):
    """Every one of its 396 steps trained: no trained_short check, the labels alone decide, and the
    fingerprint is the one a champion had before the check existed."""
    lake = Lake(risk_home)
    _trained_short(risk_home, steps=396)
    lake.land(sentences[:1])
    with dg.instance_for_test() as instance:
        quiet = lake.tick(instance)
    assert not quiet.run_requests
    assert quiet.skip_reason.skip_message == (
        "news_sentiment: no trigger: 1 labelled articles landed since the champion was trained < 3")
    assert lake.decisions() == [(MODEL_NAME, False, "none", None)]


def test_new_labels_and_a_champion_trained_short_start_one_run_with_the_full_schedule(risk_home, sentences, monkeypatch):
    """Both triggers fire: one run, trained_short, its reason naming both. The operator's
    RISK_RETRAIN_CONFIG sets a budget of its own: the run sets it aside (its full schedule is the
    point: a 30 s budget trained the retraining as short as the champion, and the one request was
    spent), keeps the operator's other settings, and the reason says so."""
    lake = Lake(risk_home)
    _trained_short(risk_home)
    lake.land(sentences[:4])
    monkeypatch.setenv("RISK_RETRAIN_CONFIG", '{"ops": {"news_sentiment_model": {"config": {"epochs": 3}}}}')
    with dg.instance_for_test() as instance:
        (request,) = lake.tick(instance).run_requests
    assert request.run_config == {"ops": {"news_sentiment_model": {"config": {"epochs": 3, "max_train_seconds": None}}}}
    assert request.tags["risk/retrain_reason"] == (
        f"{SHORT_REASON}; also 4 labelled articles landed since the champion was trained >= 3: the same run trains on them")
    assert request.tags["risk/train_config"] == "RISK_RETRAIN_CONFIG: epochs=3"

    with connect(risk_home.lake_path) as con:  # another champion trained short, an operator's budget of 1500 s
        registry.register_candidate(con, MODEL_NAME, "v3", str(risk_home.root), "macro_f1_holdout", 0.80, "snap")
        registry.promote(con, MODEL_NAME, "v3", "promoted: first of this desk")
    _trained_short(risk_home, "v3", 229)
    monkeypatch.setenv("RISK_RETRAIN_CONFIG",
                       '{"ops": {"news_sentiment_model": {"config": {"epochs": 3, "max_train_seconds": 1500}}}}')
    with dg.instance_for_test() as instance:
        (kept,) = lake.tick(instance).run_requests
    assert kept.run_key == "retrain:news_sentiment:v3:trained_short"
    assert kept.run_config == {"ops": {"news_sentiment_model": {"config": {"epochs": 3, "max_train_seconds": None}}}}
    assert kept.tags["risk/retrain_reason"] == (
        "retrain: champion v3 was trained short (229 of 396 steps) by its time budget: retraining it with its full "
        "schedule (max_train_seconds null; RISK_RETRAIN_CONFIG's 1500 s budget set aside for this run)")
    assert kept.tags["risk/train_config"] == (
        "RISK_RETRAIN_CONFIG: epochs=3, max_train_seconds=null (1500 set aside for this run)")
    assert kept.run_config["ops"]["news_sentiment_model"]["config"] == {"epochs": 3, "max_train_seconds": None}


def test_a_canceled_full_retraining_is_not_requested_again_and_a_failed_one_once(risk_home, sentences):
    """The operator terminated the full retraining: it is named, not requested again. A killed one
    (FAILURE) is requested again once, under its own key, with the same config."""
    lake = Lake(risk_home)
    _trained_short(risk_home)
    with dg.instance_for_test() as instance:
        fired = lake.tick(instance)
        (request,) = fired.run_requests
        run_id, at = ended(instance, request, dg.DagsterRunStatus.CANCELED)
        after = lake.tick(instance, fired.cursor)
        assert not after.run_requests
        assert after.skip_reason.skip_message.startswith(
            f"news_sentiment: the retrain run {run_id} requested for these numbers was canceled at {at}; ")
    with dg.instance_for_test() as instance:
        fired = lake.tick(instance)
        (request,) = fired.run_requests
        failed_id, _ = ended(instance, request, dg.DagsterRunStatus.FAILURE)
        (again,) = lake.tick(instance, fired.cursor).run_requests
    assert again.run_key == f"retrain:news_sentiment:v2:trained_short:after-failure-{failed_id[:8]}"
    assert again.run_config == {"ops": {"news_sentiment_model": {"config": {"max_train_seconds": None}}}}
    assert again.tags["risk/retrain_trigger"] == "trained_short" and again.tags["risk/retry_of"] == failed_id


def test_a_champion_trained_short_that_an_operator_restored_is_held(risk_home, sentences):
    """The operator chose v1, cut short, on purpose: held until news lands after the restore, the
    trained_short trigger among what it saw."""
    lake = Lake(risk_home)
    _trained_short(risk_home, "v1", 229)
    with connect(risk_home.lake_path) as con:
        registry.restore_champion(con, MODEL_NAME, "v1", "v2 calls guidance cuts neutral", "operator ana")
    with dg.instance_for_test() as instance:
        held = lake.tick(instance)
        assert not held.run_requests
        assert held.skip_reason.skip_message.endswith(
            "The triggers saw: champion v1 was trained short (229 of 396 steps) by its time budget: retraining it "
            "with its full schedule")
        lake.land(sentences[:1])
        (request,) = lake.tick(instance, held.cursor).run_requests
    assert request.run_key == "retrain:news_sentiment:v1:trained_short"
    assert [d[2] for d in lake.decisions()] == ["held", "trained_short"]


GATE_REJECTED = ("rejected: holdout macro-F1 0.5041 vs champion v2 re-scored on the same holdout 0.5406: gain -0.0365 "
                 "(95% CI -0.1537 to +0.1026), one-sided paired bootstrap p 0.675, not below 0.05: no gain beyond chance, "
                 "the champion stays (301 holdout sentences); trained short: 111 of 222 optimiser steps")


def test_the_ticks_after_a_full_retraining_name_what_the_gate_did_with_its_candidate(risk_home, sentences):
    """The run that retrained the champion cut short succeeded, but the gate rejected its candidate
    and the old champion still scores. The ticks said 'succeeded' and 'SUCCESS', as if it had replaced
    it; they now give the registry's outcome for the version that run trained (its name ends with the
    run id's first 8 characters), and a failed run is called failed."""
    lake = Lake(risk_home)
    _trained_short(risk_home)
    with dg.instance_for_test() as instance:
        fired = lake.tick(instance)
        (request,) = fired.run_requests
        run_id, at = ended(instance, request, dg.DagsterRunStatus.SUCCESS)
        version = f"20261207T152444Z-{run_id[:8]}"
        with connect(risk_home.lake_path) as con:
            registry.register_candidate(con, MODEL_NAME, version, str(risk_home.root), "macro_f1_holdout", 0.50, "snap",
                                        run_id=run_id)
            registry.reject(con, MODEL_NAME, version, GATE_REJECTED)
        rejected = (f"its candidate {version} was rejected by the gate (holdout macro-F1 0.5041 vs champion v2 re-scored "
                    "on the same holdout 0.5406: gain -0.0365 (95% CI -0.1537 to +0.1026), one-sided paired bootstrap p "
                    "0.675, not below 0.05: no gain beyond chance, the champion stays (301 holdout sentences))")
        unchanged = lake.tick(instance, fired.cursor)
        assert unchanged.skip_reason.skip_message == (
            f"news_sentiment: nothing changed since {lake.decided_at()}; standing decision: {SHORT_REASON}; its "
            f"retrain run {run_id} ended at {at}: {rejected}")
        lake.land(sentences[:1])
        quiet = lake.tick(instance, unchanged.cursor)
        assert quiet.skip_reason.skip_message == (
            "news_sentiment: no trigger: 1 labelled articles landed since the champion was trained < 3; champion v2 "
            "was trained short (208 of 396 steps) by its time budget; its retraining with its full schedule was "
            f"requested already (run {run_id}: {rejected})")


def test_a_failed_full_retraining_is_called_failed(risk_home, sentences):
    lake = Lake(risk_home)
    _trained_short(risk_home)
    with dg.instance_for_test() as instance:
        fired = lake.tick(instance)
        (request,) = fired.run_requests
        run_id, _ = ended(instance, request, dg.DagsterRunStatus.FAILURE)
        lake.land(sentences[:1])  # new numbers: decided afresh, the failed run named
        quiet = lake.tick(instance, fired.cursor)
    assert quiet.skip_reason.skip_message == (
        "news_sentiment: no trigger: 1 labelled articles landed since the champion was trained < 3; champion v2 "
        "was trained short (208 of 396 steps) by its time budget; its retraining with its full schedule was "
        f"requested already (run {run_id}: failed)")


TOO_FEW = "too few distinct labelled sentences to hold out a stratified share: {'positive': 2}"


def test_a_refused_retraining_of_the_champion_is_held_until_enough_labelled_articles_land(risk_home, sentences):
    """The labels trigger's run succeeded, but its training was refused (too few sentences of a
    label) and registered no version: one more labelled article changed the count, and the same
    refused training was requested again. It is held until new_labelled_articles (3 here) have
    landed since the refusal."""
    lake = Lake(risk_home)
    lake.land(sentences[:3], at=_now() - timedelta(minutes=5))
    with dg.instance_for_test() as instance:
        fired = lake.tick(instance)
        (request,) = fired.run_requests
        run_id, _ = ended(instance, request, dg.DagsterRunStatus.SUCCESS)
        lake.refused(3, TOO_FEW, version=f"20261207T152444Z-{run_id[:8]}")
        with connect(risk_home.lake_path, read_only=True) as con:
            (tried_at,) = con.execute("SELECT max(recorded_at) FROM ml.model_metrics WHERE split = 'all'").fetchone()
        lake.land(sentences[3:4])
        held = lake.tick(instance, fired.cursor)
        assert not held.run_requests
        assert held.skip_reason.skip_message == (
            f"news_sentiment: held: retraining 20261207T152444Z-{run_id[:8]}, tried at {tried_at:%Y-%m-%d %H:%M} UTC, "
            f"was refused ({TOO_FEW}); 1 labelled articles landed since (< 3), so no automatic retraining "
            "(run retrain_news_sentiment by hand to retrain now). The triggers saw: 4 labelled articles landed since "
            "the champion was trained >= 3")
        again = lake.tick(instance)  # decided afresh (a cursor reset): the same hold, recorded once
        assert not again.run_requests and again.skip_reason == held.skip_reason
        lake.land(sentences[4:6])
        (again,) = lake.tick(instance, held.cursor).run_requests
    assert again.tags["risk/retrain_trigger"] == "labels" and again.tags["risk/retrain_observed"] == "6.0000"
    assert [d[2:] for d in lake.decisions()] == [("labels", 3.0), ("held", 1.0), ("labels", 6.0)]


def test_a_rejected_retraining_of_the_champion_is_held_until_enough_labelled_articles_land(risk_home, sentences):
    """The gate rejected the candidate the labels trained: a decision taken anew on the same
    articles (a cursor reset) requested the same retraining again. Held until new_labelled_articles
    have landed since that training."""
    lake = Lake(risk_home)
    lake.land(sentences[:3], at=_now() - timedelta(hours=1))
    with connect(risk_home.lake_path) as con:
        registry.register_candidate(con, MODEL_NAME, "v3", str(risk_home.root), "macro_f1_holdout", 0.50, "snap")
        registry.reject(con, MODEL_NAME, "v3", GATE_REJECTED)
        (trained_at,) = con.execute("SELECT trained_at FROM ml.model_registry WHERE version = 'v3'").fetchone()
    with dg.instance_for_test() as instance:
        held = lake.tick(instance)
        assert not held.run_requests
        assert held.skip_reason.skip_message == (
            f"news_sentiment: held: retraining v3, tried at {trained_at:%Y-%m-%d %H:%M} UTC, was rejected by the gate "
            f"({GATE_REJECTED.removeprefix('rejected: ')}); 0 labelled articles landed since (< 3), so no automatic "
            "retraining (run retrain_news_sentiment by hand to retrain now). The triggers saw: 3 labelled articles "
            "landed since the champion was trained >= 3")
        lake.land(sentences[3:6])
        (again,) = lake.tick(instance, held.cursor).run_requests
    assert again.tags["risk/retrain_trigger"] == "labels"


def test_a_full_retraining_the_gate_rejected_holds_the_labels_it_read(risk_home, sentences):
    """Labels and trained_short fired together: one run, with the full schedule, read the articles,
    and the gate rejected its candidate. The trained_short retraining stays requested once; the
    labels, decided anew with one more article, wait for new_labelled_articles since that run."""
    lake = Lake(risk_home)
    _trained_short(risk_home)
    lake.land(sentences[:3], at=_now() - timedelta(hours=1))
    with dg.instance_for_test() as instance:
        fired = lake.tick(instance)
        (request,) = fired.run_requests
        assert request.tags["risk/retrain_trigger"] == "trained_short"
        run_id, at = ended(instance, request, dg.DagsterRunStatus.SUCCESS)
        version = f"20261207T152444Z-{run_id[:8]}"
        with connect(risk_home.lake_path) as con:
            registry.register_candidate(con, MODEL_NAME, version, str(risk_home.root), "macro_f1_holdout", 0.50, "snap",
                                        run_id=run_id)
            registry.reject(con, MODEL_NAME, version, GATE_REJECTED)
            (trained_at,) = con.execute("SELECT trained_at FROM ml.model_registry WHERE version = ?", [version]).fetchone()
        lake.land(sentences[3:4])
        held = lake.tick(instance, fired.cursor)
    assert not held.run_requests
    verdict = GATE_REJECTED.removeprefix("rejected: ")
    assert held.skip_reason.skip_message == (
        f"news_sentiment: held: retraining {version}, tried at {trained_at:%Y-%m-%d %H:%M} UTC, was rejected by the "
        f"gate ({verdict}); 1 labelled articles landed since (< 3), so no automatic retraining (run "
        "retrain_news_sentiment by hand to retrain now). The triggers saw: 4 labelled articles landed since the "
        "champion was trained >= 3; champion v2 was trained short (208 of 396 steps) by its time budget; its "
        f"retraining with its full schedule was requested already (run {run_id}: its candidate {version} was "
        f"rejected by the gate ({verdict.removesuffix('; trained short: 111 of 222 optimiser steps')}))")
