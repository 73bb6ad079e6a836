"""Sensors: new files in landing start ingestion; monitoring numbers that cross a threshold start a
retrain (PD: labels, drift, AUC decay; news sentiment: new labelled articles).

Default status RUNNING for all of them: the product's promise is that nobody clicks to ingest a new
tape or to retrain, and nothing they do is irreversible: a landing run loads each content once
(manifest keyed by domain and sha256), and a retrain only replaces the champion when the gate finds the
candidate better on the same holdout. Every tick says what it saw: a SkipReason, or run requests
whose tags carry the file or the decision, plus log lines.
"""

import json
from datetime import datetime, timezone

import dagster as dg
import duckdb

from risk_assets.defs.dead_runs import release_dead_runs
from risk_assets.defs.monitoring.jobs import (
    ingest_loans_job,
    ingest_news_job,
    retrain_loan_pd_job,
    retrain_news_sentiment_job,
)
from risk_assets.defs.monitoring.policy import RetrainPolicy
from risk_assets.defs.monitoring.train_profile import (
    RETRAIN_CONFIG_ENV,
    RetrainConfigError,
    TrainProfile,
    retrain_profile,
)
from risk_assets.defs.resources import LakeResource
from risk_assets.lib.lake import column_exists, connect, table_exists
from risk_assets.lib.ml.registry import champion, operator_retirement, run_outcome
from risk_assets.lib.ml.sentiment import MODEL_NAME as SENTIMENT_MODEL
from risk_assets.lib.monitoring import landing_watch
from risk_assets.lib.monitoring.loans import monitoring_behind, snapshots, unchampioned
from risk_assets.lib.monitoring.population import champion_window
from risk_assets.lib.monitoring.retrain import (
    Refusal,
    Rejection,
    RetrainDecision,
    SentimentFirstModelSnapshot,
    decide,
    decide_first_model,
    decide_sentiment,
    decide_sentiment_first_model,
)
from risk_assets.lib.monitoring.sentiment import left_standing, sentiment_first_model, sentiment_snapshot
from risk_assets.lib.report.run_outcome import OUTCOME_OF_TAG, OUTCOME_TAGS, tag_run_outcome

LAKE_WAIT_SECONDS = 20.0
"""How long a sensor waits for the lake while a run writes it; then the tick is skipped and retried.
Well under the daemon's 60 s sensor timeout."""

ACTIVE_STATUSES = [
    dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED,
]


MANIFEST_BUSY = "manifest not consulted"
"""How `_manifest_sha256`'s note starts when a writer held the lake past LAKE_WAIT_SECONDS."""


def _manifest_sha256(lake: LakeResource, domain: str) -> tuple[dict[str, str], dict[str, int], str]:
    """Contents in raw.landed_files for `domain` (withdrawn ones excepted), each with the name it
    landed under (relative to landing/<domain>), the withdrawn contents with how often each was
    withdrawn (raw.landing_events), and a note of where they came from."""
    path = lake.home.lake_path
    if not path.exists():
        return {}, {}, "no lake yet"
    try:
        with connect(path, read_only=True, wait_seconds=LAKE_WAIT_SECONDS) as con:
            if not table_exists(con, "raw.landed_files"):
                return {}, {}, "no manifest yet"
            rows = con.execute("SELECT sha256, status, path FROM raw.landed_files WHERE domain = ? ORDER BY landed_at",
                               [domain]).fetchall()
            withdrawn = {sha for sha, status, _ in rows if status == "withdrawn"}
            counts = dict(con.execute(
                "SELECT sha256, count(*) FROM raw.landing_events WHERE outcome = 'withdrawn' AND sha256 IN "
                "(SELECT sha256 FROM raw.landed_files WHERE domain = $domain AND status = 'withdrawn') "
                # the same bytes withdrawn from the other domain are not this one's withdrawals
                + ("AND coalesce(domain, $domain) = $domain " if column_exists(con, "raw.landing_events", "domain") else "")
                + "GROUP BY 1", {"domain": domain}).fetchall()) if withdrawn else {}
    except duckdb.IOException as exc:
        return {}, {}, f"{MANIFEST_BUSY} (lake busy: {exc})"
    note = f"{len(rows)} contents in the manifest" + (f", {len(withdrawn)} withdrawn" if withdrawn else "")
    folder = f"landing/{domain}/"
    landed: dict[str, str] = {}
    for sha, _, landed_path in rows:  # the first name each content landed under
        if sha not in withdrawn:
            landed.setdefault(sha, landed_path.split(folder, 1)[-1] if folder in landed_path else landed_path.rsplit("/", 1)[-1])
    return landed, {sha: counts.get(sha, 1) for sha in withdrawn}, note


def _ingest_in_progress(context: dg.SensorEvaluationContext, job_name: str, asset: str) -> dg.DagsterRun | None:
    """The oldest run queued or in progress that lands `asset`'s files (raw_loans, raw_news): a run of
    the ingest job `job_name`, or any other run whose selection holds `asset` (`risk-assets run`,
    `dagster asset materialize`, the UI's Materialize); None when there is none. Such a run lands
    every new file of the landing folder when its ingest step runs."""
    key = dg.AssetKey(asset)
    active = [run for run in context.instance.get_runs(filters=dg.RunsFilter(statuses=ACTIVE_STATUSES))
              if run.job_name == job_name or (run.asset_selection is not None and key in run.asset_selection)]
    return active[-1] if active else None


def landing_sensor(domain: str, job) -> dg.SensorDefinition:
    """The sensor of landing/<domain>: one run of `job` (an asset job) for the new contents a tick finds
    (run_key = '<domain>:<sha256 of the first>'; tags name each file), none while a run that lands
    raw_<domain> is queued or in progress (it lands them: they are decided again after it ends)."""

    @dg.sensor(
        name=f"landing_{domain}_sensor",
        job=job,
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            f"Watches landing/{domain}: the files whose bytes (sha256) are new start one `{job.name}` run "
            "between them, which lands them all (run_key = the first one's content hash; tag risk/landing_file names "
            f"them); while a run that lands raw_{domain} is queued or in progress, new files wait for it to end. The cursor holds every file seen (name, size, sha256), never a time, so a "
            "file with an old modification time is still picked up; the same bytes under two names start one run; the "
            "same bytes copied later under a new name start none, and the tick names the file they repeat (in "
            "its skip reason, or its runs' tag risk/landing_copies when it requests any); a "
            "withdrawn file dropped back in lands again."
        ),
    )
    def _sensor(context: dg.SensorEvaluationContext, lake: LakeResource) -> dg.SensorResult:
        folder = lake.home.landing / domain
        looked = landing_watch.scan(folder)
        files = looked.files
        if looked.settling:
            context.log.info(f"still being written (modified in the last {landing_watch.SETTLE_SECONDS} s), left for "
                             f"a later tick: {', '.join(looked.settling)}")
        if looked.unreadable:
            context.log.warning(f"cannot read, not landed: {'; '.join(looked.unreadable)}")
        manifest, withdrawn, manifest_note = _manifest_sha256(lake, domain)
        if manifest_note.startswith(MANIFEST_BUSY):
            # without the manifest every file the cursor does not hold looks new (a first tick, a reset
            # cursor: every file already loaded): the next tick decides, the cursor kept as it was
            return dg.SensorResult(skip_reason=dg.SkipReason(
                f"{len(files)} file(s) in landing/{domain}; {manifest_note}: the next tick decides"), cursor=context.cursor)
        plan = landing_watch.plan(files, context.cursor, set(manifest), withdrawn, landed=manifest)
        for copy in plan.copies:
            context.log.info(copy)
        if plan.new and (landing := _ingest_in_progress(context, job.name, f"raw_{domain}")):
            # that run lands every new file in the folder when its ingest step runs: a run requested now
            # would find them landed and land nothing. Left out of the cursor, they are decided again
            # once it has ended, by the manifest: a run is requested for any it did not land.
            waiting = [first.name for first, _ in plan.new]
            held = {first.sha256 for first, _ in plan.new}
            plan = landing_watch.plan([f for f in files if f.sha256 not in held], context.cursor, set(manifest),
                                      withdrawn, landed=manifest)
            said = (f"{len(waiting)} new file(s) in landing/{domain} ({', '.join(waiting)}) wait for {landing.job_name} "
                    f"run {landing.run_id} ({landing.status.value}), which lands every new file of the folder; the first "
                    "tick after it ends requests a run for any it did not land")
            context.log.info(said)
            # the copies it noticed are in the cursor now: said here, or never in a skip reason
            return dg.SensorResult(skip_reason=dg.SkipReason(
                said + "".join(f"; {copy}" for copy in plan.copies)), cursor=plan.cursor)
        requests = []
        for first, duplicates in plan.new:
            names = ", ".join(d.name for d in duplicates)
            context.log.info(
                f"new content {first.sha256[:12]} in {first.name} ({first.size:,} bytes)"
                + (f"; same bytes also under {names}: one run" if duplicates else "")
                + ("; withdrawn before, landed again" if first.sha256 in withdrawn else "")
            )
        if plan.new:
            # one run for them all: an ingest run lands every new file of the folder, so a run per file
            # would leave all but the first with nothing to land, each refreshing features, scores and
            # monitoring again under a tag naming a file another run landed
            first = plan.new[0][0]
            requests.append(dg.RunRequest(
                run_key=landing_watch.run_key(domain, first.sha256, withdrawn.get(first.sha256, 0)),
                tags={
                    "risk/landing_domain": domain,
                    "risk/landing_file": ", ".join(f.name for f, _ in plan.new),
                    "risk/landing_sha256": ", ".join(f.sha256 for f, _ in plan.new),
                    "risk/landing_size_bytes": ", ".join(str(f.size) for f, _ in plan.new),
                    "risk/landing_duplicates": ", ".join(d.name for _, ds in plan.new for d in ds),
                    # a tick that requests runs has no skip reason: its runs say the copies it noticed
                    **({"risk/landing_copies": "; ".join(plan.copies)} if plan.copies else {}),
                },
            ))
        seen = (f"{len(files)} file(s) in landing/{domain}, {len(plan.known)} already seen"
                + (f" ({'; '.join(plan.copies)})" if plan.copies else "")
                + (f", {len(looked.settling)} more still being written" if looked.settling else "")
                + f"; {manifest_note}"
                + (f"; cannot read {'; '.join(looked.unreadable)}" if looked.unreadable else ""))
        context.log.info(seen)
        if not requests:
            return dg.SensorResult(skip_reason=dg.SkipReason(f"nothing new: {seen}"), cursor=plan.cursor)
        return dg.SensorResult(run_requests=requests, cursor=plan.cursor)

    return _sensor


landing_loans_sensor = landing_sensor("loans", ingest_loans_job)
landing_news_sensor = landing_sensor("news", ingest_news_job)


def record_decision(con: duckdb.DuckDBPyConnection, decision: RetrainDecision, decided_at: datetime) -> bool:
    """Append one row to monitoring.retrain_decisions (every evaluation, retrain or not), unless the
    model's latest row is this very decision (same verdict, reason, trigger, numbers and details):
    an evaluation that left no cursor behind (`dagster sensor preview`, the UI's test of a sensor)
    and the daemon's tick after it decide the same, and the audit table keeps it once. Returns
    whether a row was written."""
    row = [decision.retrain, decision.reason, decision.trigger, decision.observed_value, decision.threshold,
           decision.details()]
    latest = con.execute(
        "SELECT retrain, reason, trigger, observed_value, threshold, details FROM monitoring.retrain_decisions "
        "WHERE model = ? ORDER BY decided_at DESC LIMIT 1", [decision.model]).fetchone()
    if latest is not None and list(latest) == row:
        return False
    con.execute("INSERT INTO monitoring.retrain_decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [decision.model, decided_at, *row])
    return True


def standing_decision(con: duckdb.DuckDBPyConnection, model: str) -> tuple[datetime, str] | None:
    """(decided_at, reason) of the model's latest row in monitoring.retrain_decisions: the decision
    that stands while its numbers stay unchanged (record_decision keeps a repeated one once, so its
    time is when it was first taken); None when there is none (a lake rebuilt under a kept cursor)."""
    if not table_exists(con, "monitoring.retrain_decisions"):
        return None
    row = con.execute("SELECT decided_at, reason FROM monitoring.retrain_decisions WHERE model = ? "
                      "ORDER BY decided_at DESC LIMIT 1", [model]).fetchone()
    return (row[0], row[1]) if row else None


def _unchanged(model: str, said: str, decided: tuple[datetime, str]) -> str:
    """What a tick says of a model whose numbers did not change: `said` ('monitoring unchanged',
    'no champion; nothing changed'), since when, and the standing decision in its own words, so
    every tick, not only the one that decided, says why it does or does not act."""
    decided_at, reason = decided
    return f"{model}: {said} since {decided_at:%Y-%m-%d %H:%M} UTC; standing decision: {reason}"


def _not_now(context: dg.SensorEvaluationContext, lake: LakeResource, job_name: str,
             asset: str) -> dg.SensorResult | None:
    """A retrain sensor's skip while a run that trains `asset` is queued or in progress: a run of
    `job_name`, or any other run whose selection holds `asset` (`risk-assets run`, `dagster asset
    materialize`, the UI's Materialize: until it ends the monitoring tables describe the champion it
    may replace, and a run requested on them would train again behind it); it is re-evaluated after
    the run ends. Also a skip while there is no lake; None when it may evaluate."""
    key = dg.AssetKey(asset)
    active = [run for run in context.instance.get_runs(filters=dg.RunsFilter(statuses=ACTIVE_STATUSES))
              if run.job_name == job_name or (run.asset_selection is not None and key in run.asset_selection)]
    if active:
        run = active[-1]  # the oldest: the first to end
        what = (f"retrain run {run.run_id}" if run.job_name == job_name
                else f"run {run.run_id} ({run.job_name}), which trains {asset},")
        return dg.SensorResult(skip_reason=dg.SkipReason(
            f"{what} is {run.status.value}; re-evaluating after it ends"), cursor=context.cursor)
    if not lake.home.lake_path.exists():
        return dg.SensorResult(skip_reason=dg.SkipReason("no lake yet: nothing to monitor"), cursor=context.cursor)
    return None


FINGERPRINT_TAG = "risk/monitoring_fingerprint"
RETRY_OF_TAG = "risk/retry_of"
MAX_FAILED_RUNS = 2
"""How many runs requested for the same numbers may fail before a retrain sensor stops requesting
them again: a run killed with its process (dead_runs_sensor marks it failed) is worth a second try;
a run that fails twice on the same numbers fails for a reason that a third one would not fix."""


HOLDS = {"loan_pd_model": "retrain_sensor", "news_sentiment_model": "sentiment_retrain_sensor"}
"""The sensor requesting the runs that carry each training asset's part of RISK_RETRAIN_CONFIG."""


def _profile(context: dg.SensorEvaluationContext, own: str) -> tuple[TrainProfile | None, dg.SensorResult | None]:
    """The operator's training config for the runs this tick may request (RISK_RETRAIN_CONFIG, `own`
    the asset they train), or a skip naming what is wrong with it: nothing is decided, and the cursor
    kept, until it is mended, so the decision it held back is taken on the first tick after. A bad
    part of the other model's only holds the other sensor: `_refused_elsewhere` says so, and this one decides."""
    try:
        return retrain_profile(own=own), None
    except RetrainConfigError as exc:
        context.log.error(str(exc))
        return None, dg.SensorResult(skip_reason=dg.SkipReason(
            f"nothing decided: {exc}. Mend or unset it (README, Automation); the next tick decides"), cursor=context.cursor)


def _refused_elsewhere(context: dg.SensorEvaluationContext, profile: TrainProfile) -> list[str]:
    """A note (logged as a warning) per part of RISK_RETRAIN_CONFIG another sensor's runs carry that
    was refused: that sensor holds its retraining, this tick's decision goes on."""
    notes = [f"{RETRAIN_CONFIG_ENV}'s {op} part is refused ({why}): {HOLDS[op]} holds its retraining; "
             "this decision goes on" for op, why in sorted(profile.refused.items())]
    for note in notes:
        context.log.warning(note)
    return notes


def _ended_at(record: dg.RunRecord) -> str:
    """When a run ended (its last update where the instance recorded no end), as 'YYYY-MM-DD HH:MM UTC'."""
    ended = (datetime.fromtimestamp(record.end_time, timezone.utc) if record.end_time is not None
             else record.update_timestamp.astimezone(timezone.utc))
    return f"{ended:%Y-%m-%d %H:%M} UTC"


def _ended(con: duckdb.DuckDBPyConnection, model: str, record: dg.RunRecord) -> str:
    """A retrain run that succeeded, in words, with what the registry holds of the version of `model`
    it trained ('<id> ended at 2026-12-07 15:25 UTC: its candidate <v> was rejected by the gate (...)';
    '<id> succeeded at ...' when it registered none)."""
    run_id = record.dagster_run.run_id
    outcome = run_outcome(con, model, run_id)
    return f"{run_id} ended at {_ended_at(record)}: {outcome}" if outcome else f"{run_id} succeeded at {_ended_at(record)}"


def _after_ended_run(context: dg.SensorEvaluationContext, con: duckdb.DuckDBPyConnection, job_name: str, model: str,
                     tags: dict[str, str], unchanged: str) -> tuple[str, dg.RunRequest | None]:
    """What a retrain sensor says, and requests, when a model's numbers are unchanged since the last
    evaluation (the cursor holds their fingerprint), from the latest run of `job_name` carrying
    `tags` (the fingerprint the request was tagged with; for PD also the book). The note is logged,
    so the tick's log says it too.

    Returns (note, request):
    - no such run: (`unchanged`, None), the standing decision that requested nothing (a run still in
      progress is `_not_now`'s);
    - the latest one succeeded: (`unchanged` and that run, with when it ended and what the registry
      holds of the version of `model` it trained (`registry.run_outcome`: promoted, or rejected by
      the gate and why), None): a run that succeeded may have left the champion as it was;
    - FAILURE (a run killed with its process is marked failed), fewer than MAX_FAILED_RUNS of them
      for these numbers: the same request again (its run config and tags, plus RETRY_OF_TAG = the
      failed run's id; not its outcome tags, which say what the failed run did), under a run key of
      its own (the sensor's first key was spent on the failed run);
    - FAILURE, MAX_FAILED_RUNS of them: no request; the note names the failed runs to look at;
    - CANCELED: an operator terminated it on purpose, so no request; the note says so, where the
      cursor alone had said 'nothing changed' and nothing would have been requested, without a word
      why, until the numbers change.
    """
    runs = dg.RunsFilter(job_name=job_name, tags=tags)
    latest = context.instance.get_run_records(filters=runs, limit=1)
    if not latest or latest[0].dagster_run.status not in (dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED):
        note = unchanged + (f"; its retrain run {_ended(con, model, latest[0])}"
                            if latest and latest[0].dagster_run.status == dg.DagsterRunStatus.SUCCESS else "")
        context.log.info(note)
        return note, None
    record = latest[0]
    run = record.dagster_run
    if run.status == dg.DagsterRunStatus.CANCELED:
        note = (f"{model}: the retrain run {run.run_id} requested for these numbers was canceled at {_ended_at(record)}; "
                f"not requested again for the same numbers: run {job_name} by hand, or it is requested when they "
                "change")
        context.log.info(note)
        return note, None
    failed = context.instance.get_run_records(
        filters=dg.RunsFilter(job_name=job_name, tags=tags, statuses=[dg.DagsterRunStatus.FAILURE]))
    if len(failed) >= MAX_FAILED_RUNS:
        named = ", ".join(f"{r.dagster_run.run_id} at {_ended_at(r)}" for r in reversed(failed))
        note = (f"{model}: {'both' if len(failed) == 2 else f'all {len(failed)}'} retrain runs requested for these "
                f"numbers failed: {named}; not requested again: look at their logs and run {job_name} by hand, or "
                "it is requested when the numbers change")
        context.log.warning(note)
        return note, None
    key = run.tags.get("dagster/run_key", f"retrain:{model}:{tags[FINGERPRINT_TAG]}").split(":after-failure-")[0]
    request = dg.RunRequest(
        run_key=f"{key}:after-failure-{run.run_id[:8]}",
        run_config=run.run_config,
        tags={**{k: v for k, v in run.tags.items()
                 if not k.startswith(("dagster/", ".dagster")) and k not in (*OUTCOME_TAGS, OUTCOME_OF_TAG)},
              RETRY_OF_TAG: run.run_id},
    )
    note = f"{model}: the retrain run {run.run_id} requested for these numbers failed at {_ended_at(record)}; requested again"
    context.log.info(note)
    return note, request


def _failed_ingest(context: dg.SensorEvaluationContext, con: duckdb.DuckDBPyConnection) -> str | None:
    """While the loan monitoring tables wait for the newest landed loan file: the run that would
    refresh them, named when it ended FAILURE (a killed ingest, marked failed by dead_runs_sensor),
    with the way out; None when it did not fail (it may be refreshing them still). That run is the
    one raw.landed_files records as landing the file, else the latest `ingest_loans` run."""
    newest = con.execute("SELECT path, run_id FROM raw.landed_files WHERE domain = 'loans' AND status = 'loaded' "
                         "ORDER BY landed_at DESC LIMIT 1").fetchone()
    name, run_id = (newest[0].rsplit("/", 1)[-1], newest[1]) if newest else (None, None)
    record = context.instance.get_run_record_by_id(run_id) if run_id else None
    which = "The ingest run {} that landed " + str(name)
    if record is None:
        latest = context.instance.get_run_records(filters=dg.RunsFilter(job_name=ingest_loans_job.name), limit=1)
        record, which = (latest[0] if latest else None), "The latest ingest run {}"
    if record is None or record.dagster_run.status != dg.DagsterRunStatus.FAILURE:
        return None
    run = record.dagster_run
    return (f"{which.format(f'{run.run_id} ({run.job_name})')} failed at {_ended_at(record)}, so it will not refresh "
            "them: re-execute it from failure (its run page: Re-execute, From failure), or materialize "
            "champion_population")


def _rejected_since(con: duckdb.DuckDBPyConnection, model: str, champion_row: dict) -> Rejection | None:
    """The model's latest version trained after its champion, when the gate rejected it and no loan
    of its portfolio has landed since (raw.loans._ingested_at); else None."""
    row = con.execute(
        "SELECT version, status, trained_at FROM ml.model_registry WHERE model = ? AND trained_at > ? "
        "ORDER BY trained_at DESC LIMIT 1", [model, champion_row["trained_at"]]).fetchone()
    if row is None or row[1] != "rejected":
        return None
    (landed,) = con.execute("SELECT count(*) FROM raw.loans WHERE portfolio = ? AND _ingested_at > ?",
                            [model.removeprefix("loan_pd_"), row[2]]).fetchone()
    return None if landed else Rejection(row[0], row[2])


def _refused_since(con: duckdb.DuckDBPyConnection, model: str, champion_row: dict) -> Refusal | None:
    """The model's latest training attempt after its champion, when it was refused (too few defaults:
    no version registered, `pd_lake.record_refusal`) and no version was trained after it, with the
    defaults it read and its book's defaults now; else None."""
    if not table_exists(con, "ml.model_metrics"):
        return None
    row = con.execute(
        "SELECT version, max(recorded_at), arg_max(reason, recorded_at) FILTER (WHERE metric = 'auc'), "
        "arg_max(value, recorded_at) FILTER (WHERE metric = 'n_defaults') FROM ml.model_metrics "
        "WHERE model = ? AND split = 'all' AND recorded_at > ? GROUP BY version "
        "HAVING count(*) FILTER (WHERE metric = 'auc' AND value IS NULL) > 0 ORDER BY 2 DESC LIMIT 1",
        [model, champion_row["trained_at"]]).fetchone()
    if row is None or row[3] is None:
        return None
    (trained,) = con.execute("SELECT count(*) FROM ml.model_registry WHERE model = ? AND trained_at > ?",
                             [model, row[1]]).fetchone()
    if trained:
        return None
    (defaults,) = con.execute("SELECT coalesce(sum(default_flag), 0) FROM marts.loan_features WHERE portfolio = ?",
                              [model.removeprefix("loan_pd_")]).fetchone()
    return Refusal(row[0], row[1], row[2], int(row[3]), int(defaults))


@dg.sensor(
    name="retrain_sensor",
    job=retrain_loan_pd_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Reads the monitoring tables and requests a `retrain_loan_pd` run of that book alone (split by its champion's "
        "vintage window, where it had one) when, for a PD champion, labelled loans "
        "added since its snapshot pass a threshold, PSI of the PD score or a key feature passes 0.2, or AUC on the "
        "newest labelled vintage falls more than a margin below the holdout AUC (thresholds: resource "
        "`retrain_policy`); and, training those books only, when a portfolio without a champion (a new book) has "
        "labelled loans and was never trained, or gained enough defaults since its training was refused for too few. Every evaluation is a row of monitoring.retrain_decisions, once (a preview that decides what the last tick decided adds none); a retrain run carries the "
        "trigger, reason and numbers in its tags. The gate keeps the champion unless the candidate beats it. A champion "
        "restored by hand is held (no automatic retraining) until loans land after the restore; so is a portfolio whose "
        "champion an operator retired, until loans land after the retirement, and a champion whose latest challenger "
        "the gate rejected, until loans of its book land after that training, or whose retraining was refused for too few "
        "defaults, until its book gains `first_model_new_defaults` defaults since. A run requested for numbers still "
        "unchanged that ended FAILURE is requested again once (tag `risk/retry_of`); after 2 failures, or when it was "
        "canceled by hand, it is not, and the tick names the run(s). A tick with unchanged numbers repeats the "
        "standing decision and when it was taken."
    ),
)
def retrain_sensor(context: dg.SensorEvaluationContext, lake: LakeResource, retrain_policy: RetrainPolicy) -> dg.SensorResult:
    if waiting := _not_now(context, lake, retrain_loan_pd_job.name, "loan_pd_model"):
        return waiting
    profile, refused = _profile(context, "loan_pd_model")
    if refused:
        return refused
    thresholds = retrain_policy.thresholds()
    evaluated: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    elsewhere = _refused_elsewhere(context, profile)
    requests, notes = [], list(elsewhere)
    try:
        with connect(lake.home.lake_path, wait_seconds=LAKE_WAIT_SECONDS) as con:
            if behind := monitoring_behind(con):  # a file mid-ingest: its loans are not in the numbers yet
                failed = _failed_ingest(context, con)
                return dg.SensorResult(skip_reason=dg.SkipReason(f"{behind}{'. ' + failed if failed else ''}"),
                                       cursor=context.cursor)
            current = snapshots(con)
            decided_at = datetime.now(timezone.utc).replace(tzinfo=None)
            for snapshot in current:
                standing = champion(con, snapshot.model)
                if standing is None or standing["version"] != snapshot.champion_version:
                    notes.append(
                        f"{snapshot.model}: the monitoring tables describe {snapshot.champion_version}, which is no "
                        f"longer champion ({'none now' if standing is None else 'now ' + standing['version']}); "
                        "materialize the monitoring assets to evaluate the current one")
                    continue
                fingerprint = snapshot.fingerprint()
                decided = standing_decision(con, snapshot.model)
                if evaluated.get(snapshot.model) == fingerprint and decided:  # else no decision recorded: decide
                    note, request = _after_ended_run(context, con, retrain_loan_pd_job.name, snapshot.model, {
                        FINGERPRINT_TAG: fingerprint, "risk/retrain_portfolios": snapshot.model.removeprefix("loan_pd_")},
                        unchanged=_unchanged(snapshot.model, "monitoring unchanged", decided))
                    notes.append(note)
                    requests += [request] if request else []
                    continue
                decision = decide(snapshot, thresholds, _rejected_since(con, snapshot.model, standing)
                                  or _refused_since(con, snapshot.model, standing))
                record_decision(con, decision, decided_at)
                evaluated[snapshot.model] = fingerprint
                context.log.info(f"{snapshot.model} champion {snapshot.champion_version}: {decision.reason}")
                notes.append(f"{snapshot.model}: {decision.reason}")
                if decision.retrain:  # this book only, split as its champion was: the others decide for themselves
                    portfolio = snapshot.model.removeprefix("loan_pd_")
                    requests.append(dg.RunRequest(
                        run_key=f"retrain:{snapshot.model}:{snapshot.champion_version}:{fingerprint}",
                        run_config=profile.run_config("loan_pd_model", portfolios=[portfolio],
                                                      **champion_window(con, snapshot.model, standing["version"])),
                        tags={**decision.tags(), "risk/retrain_portfolios": portfolio,
                              FINGERPRINT_TAG: fingerprint, **profile.tags("loan_pd_model")},
                    ))
            first: list[tuple[str, RetrainDecision, str]] = []
            for waiting in unchampioned(con):  # a portfolio no training has made a champion for yet
                decided = standing_decision(con, waiting.model)
                if evaluated.get(waiting.model) == waiting.fingerprint() and decided:
                    # a first-model request of several books carries the first one's fingerprint: that book answers for it
                    note, request = _after_ended_run(
                        context, con, retrain_loan_pd_job.name, waiting.model, {FINGERPRINT_TAG: waiting.fingerprint()},
                        unchanged=_unchanged(waiting.model, "no champion; nothing changed", decided))
                    notes.append(note)
                    requests += [request] if request else []
                    continue
                decision = decide_first_model(waiting, thresholds)
                record_decision(con, decision, decided_at)
                evaluated[waiting.model] = waiting.fingerprint()
                context.log.info(f"{waiting.model}: {decision.reason}")
                notes.append(f"{waiting.model}: {decision.reason}")
                if decision.retrain:
                    first.append((waiting.model.removeprefix("loan_pd_"), decision, waiting.fingerprint()))
            if first:
                portfolios = [portfolio for portfolio, _, _ in first]
                _, decision, fingerprint = first[0]
                requests.append(dg.RunRequest(  # these books only: the other champions are not retrained
                    run_key=f"retrain:first_model:{','.join(portfolios)}:{fingerprint}",
                    run_config=profile.run_config("loan_pd_model", portfolios=portfolios),
                    tags={**decision.tags(), "risk/retrain_portfolios": ",".join(portfolios),
                          FINGERPRINT_TAG: fingerprint, **profile.tags("loan_pd_model")},
                ))
    except duckdb.IOException as exc:
        return dg.SensorResult(skip_reason=dg.SkipReason(f"lake busy, next tick re-evaluates: {exc}"), cursor=context.cursor)
    cursor = json.dumps(evaluated, sort_keys=True)
    if not current and notes == elsewhere:
        return dg.SensorResult(skip_reason=dg.SkipReason("; ".join(
            ["no PD champion in monitoring.champion_population yet (materialize the monitoring assets)", *elsewhere]
        )), cursor=cursor)
    if not requests:
        return dg.SensorResult(skip_reason=dg.SkipReason("; ".join(notes)), cursor=cursor)
    if said := profile.describe("loan_pd_model"):
        context.log.info(f"retrain_loan_pd runs requested with the training config of {said}")
    return dg.SensorResult(run_requests=requests, cursor=cursor)


FULL_SCHEDULE = {"max_train_seconds": None}
"""news_sentiment_model's run config for every planned optimiser step, however long the machine takes."""


def _kept_budget(profile: TrainProfile) -> str:
    """'' when RISK_RETRAIN_CONFIG sets no time budget for news_sentiment_model; else the budget it
    sets, which a retraining of a champion trained short sets aside ("RISK_RETRAIN_CONFIG's 30 s
    budget set aside for this run"): its full schedule is what that one run is for, and a budget
    that cut the champion short would cut its retraining short too."""
    seconds = profile.config("news_sentiment_model").get("max_train_seconds")
    return "" if seconds is None else f"RISK_RETRAIN_CONFIG's {json.dumps(seconds)} s budget set aside for this run"


def _full_retrain_requested(context: dg.SensorEvaluationContext, con: duckdb.DuckDBPyConnection,
                            champion_version: str) -> str:
    """The latest run requested to retrain champion `champion_version` after it was trained short
    (tags trigger trained_short and its version), in words, with the registry's outcome of the
    version it trained ('run 1f2e...: its candidate <v> was rejected by the gate (...)', 'run
    1f2e...: promoted as champion <v>', 'run 1f2e...: failed'; else 'run 1f2e..., SUCCESS'); '' when none: that
    retraining is requested once per champion, whatever its run's end (a failed one is requested
    again by `_after_ended_run`, while the numbers are unchanged)."""
    runs = context.instance.get_run_records(filters=dg.RunsFilter(
        job_name=retrain_news_sentiment_job.name,
        tags={"risk/retrain_trigger": "trained_short", "risk/champion_version": champion_version}), limit=1)
    if not runs:
        return ""
    run = runs[0].dagster_run
    outcome = "failed" if run.status == dg.DagsterRunStatus.FAILURE else run_outcome(con, SENTIMENT_MODEL, run.run_id)
    return f"run {run.run_id}: {outcome}" if outcome else f"run {run.run_id}, {run.status.value}"


@dg.sensor(
    name="sentiment_retrain_sensor",
    job=retrain_news_sentiment_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Requests a `retrain_news_sentiment` run when labelled news articles landed since the sentiment champion "
        "was trained reach a threshold (resource `retrain_policy`, new_labelled_articles). Without a champion (a desk "
        "that started with its own unlabelled feed, a first model that did not beat the baseline) it requests the "
        "first model (trigger first_model) once labelled articles have landed and no training was tried on labelled "
        "articles, or once as many as that threshold have landed since the latest training, which left none. A champion "
        "whose time budget (max_train_seconds) cut its training short is retrained once with its full schedule "
        "(trigger trained_short, run config max_train_seconds null whatever RISK_RETRAIN_CONFIG sets it to, run key "
        "`retrain:news_sentiment:<version>:trained_short`); when new labelled articles fire too, that one run is the "
        "retraining, with the full schedule. Every evaluation whose "
        "numbers changed is a row of monitoring.retrain_decisions; the run carries the trigger and numbers in its "
        "tags. The gate keeps the champion unless the candidate's macro-F1 beats it beyond chance (paired bootstrap), or, "
        "for a champion trained short, unless its full run on the same data is worse beyond chance; a champion restored by hand "
        "is held until news files land after the restore, and one whose latest retraining was refused (too few sentences of a "
        "label) or its candidate rejected by the gate, until new_labelled_articles more have landed since; a champion "
        "retired by hand is neither retrained nor replaced by a first model automatically. A run requested for numbers still unchanged that ended FAILURE is requested again once "
        "(tag `risk/retry_of`); after 2 failures, or when it was canceled by hand, it is not, and the tick names the run(s). "
        "A tick with unchanged numbers repeats the standing decision and when it was taken."
    ),
)
def sentiment_retrain_sensor(context: dg.SensorEvaluationContext, lake: LakeResource,
                             retrain_policy: RetrainPolicy) -> dg.SensorResult:
    if waiting := _not_now(context, lake, retrain_news_sentiment_job.name, "news_sentiment_model"):
        return waiting
    profile, refused = _profile(context, "news_sentiment_model")
    if refused:
        return refused
    result = _sentiment_decision(context, lake, retrain_policy, profile)
    if (elsewhere := _refused_elsewhere(context, profile)) and result.skip_reason:  # a request: the log says it
        return result._replace(skip_reason=dg.SkipReason("; ".join([result.skip_reason.skip_message, *elsewhere])))
    return result


def _sentiment_decision(context: dg.SensorEvaluationContext, lake: LakeResource, retrain_policy: RetrainPolicy,
                        profile: TrainProfile) -> dg.SensorResult:
    """sentiment_retrain_sensor's tick once RISK_RETRAIN_CONFIG's news_sentiment_model part is taken."""
    try:
        with connect(lake.home.lake_path, wait_seconds=LAKE_WAIT_SECONDS) as con:
            snapshot = sentiment_snapshot(con)
            if snapshot is None:
                retired = operator_retirement(con, SENTIMENT_MODEL)
                if retired is not None:
                    return dg.SensorResult(skip_reason=dg.SkipReason(
                        f"no news_sentiment champion: {retired.said('retired it')}; no automatic training "
                        "(run retrain_news_sentiment by hand)"), cursor=context.cursor)
                snapshot = sentiment_first_model(con)
                if snapshot is None:
                    return dg.SensorResult(skip_reason=dg.SkipReason(
                        "no news_sentiment champion yet and no news landed: nothing to train on"), cursor=context.cursor)
            first = isinstance(snapshot, SentimentFirstModelSnapshot)
            fingerprint = snapshot.fingerprint()
            decided = standing_decision(con, snapshot.model)
            if context.cursor == fingerprint and decided:  # else no decision recorded: decide
                note, request = _after_ended_run(
                    context, con, retrain_news_sentiment_job.name, snapshot.model, {FINGERPRINT_TAG: fingerprint},
                    unchanged=_unchanged(snapshot.model, f"{'no champion; ' if first else ''}nothing changed", decided))
                if request:
                    return dg.SensorResult(run_requests=[request], cursor=context.cursor)
                return dg.SensorResult(skip_reason=dg.SkipReason(note), cursor=context.cursor)
            budget = _kept_budget(profile)
            decision = (decide_sentiment_first_model(snapshot, retrain_policy.thresholds()) if first else
                        decide_sentiment(snapshot, retrain_policy.thresholds(),
                                         _full_retrain_requested(context, con, snapshot.champion_version)
                                         if snapshot.trained_short else "", budget, left_standing(con, snapshot)))
            record_decision(con, decision, datetime.now(timezone.utc).replace(tzinfo=None))
    except duckdb.IOException as exc:
        return dg.SensorResult(skip_reason=dg.SkipReason(f"lake busy, next tick re-evaluates: {exc}"), cursor=context.cursor)
    context.log.info(f"{snapshot.model}{'' if first else ' champion ' + decision.champion_version}: {decision.reason}")
    if not decision.retrain:
        return dg.SensorResult(skip_reason=dg.SkipReason(f"{snapshot.model}: {decision.reason}"), cursor=fingerprint)
    if said := profile.describe("news_sentiment_model"):
        context.log.info(f"retrain_news_sentiment run requested with the training config of {said}")
    short = decision.trigger == "trained_short"  # once per champion: its key names the champion alone
    return dg.SensorResult(run_requests=[dg.RunRequest(
        run_key=(f"retrain:first_model:{snapshot.model}:{fingerprint}" if first else
                 f"retrain:{snapshot.model}:{snapshot.champion_version}:trained_short" if short else
                 f"retrain:{snapshot.model}:{snapshot.champion_version}:{fingerprint}"),
        run_config=profile.run_config("news_sentiment_model", **(FULL_SCHEDULE if short else {})),
        tags={**decision.tags(), FINGERPRINT_TAG: fingerprint,
              **profile.tags("news_sentiment_model", **(FULL_SCHEDULE if short else {}))},
    )], cursor=fingerprint)


@dg.sensor(
    name="dead_runs_sensor",
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Finds runs the instance still shows as in progress whose process is gone (killed, or the machine "
        "stopped): such a run holds the lake pool's one slot, so every later run would wait at 'Step blocked "
        "by limit for pool lake' and the retrain sensors would wait for it to end, for ever. Each one older "
        "than 2 minutes is marked failed with a message naming its lost process, and its slot is freed; so is "
        "the slot of a run that ended still holding it, saying from its event log whether its own run process died "
        "(marked failed from outside) or a step's process was killed while the run went on to end, on the tick and "
        "on the run's page (risk_assets.defs.dead_runs)."
    ),
)
def dead_runs_sensor(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    released = release_dead_runs(context.instance, log=context.log.warning)
    if released:
        return dg.SkipReason("released " + "; ".join(run.message() for run in released))
    return dg.SkipReason("no run in progress has lost its process, and no run that ended holds a pool slot")


def _run_outcome_sensor(status: dg.DagsterRunStatus, name: str) -> dg.RunStatusSensorDefinition:
    """The sensor that puts run_outcome's tags on each run of the instance that ends with `status`."""

    @dg.run_status_sensor(
        run_status=status,
        name=name,
        monitor_all_code_locations=True,  # runs of `risk-assets run` come from no code location
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            f"Tags each run that ends {status.value} with what it did beyond its status, as `risk-assets run` "
            "prints it: `risk/checks_not_passed` ('3', or '3 (1 ERROR)'), `risk/checks_not_passed_names` "
            "('raw_loans_values, loan_features_no_leakage, ...', an ERROR check marked '(ERROR)') and `risk/notes` (a sentiment training its time budget cut short, files refused, "
            "quarantined, copies, cut short), so the runs list and the run page show them beside the status; "
            "`risk/outcome_of` names the run they describe (a re-execution starts with its parent's tags; its own "
            "overwrite them, '(none)' where it has nothing to say)."
        ),
    )
    def _sensor(context: dg.RunStatusSensorContext, lake: LakeResource) -> dg.SkipReason:
        run_id = context.dagster_run.run_id
        tags = tag_run_outcome(context.instance, run_id, lake.home.lake_path, LAKE_WAIT_SECONDS)
        said = "; ".join(f"{key} = {value}" for key, value in tags.items())
        if said:
            context.log.info(f"run {run_id}: {said}")
        return dg.SkipReason(f"run {run_id}: {said or 'every check passed; nothing to note'}")

    return _sensor


run_outcome_sensor = _run_outcome_sensor(dg.DagsterRunStatus.SUCCESS, "run_outcome_sensor")
failed_run_outcome_sensor = _run_outcome_sensor(dg.DagsterRunStatus.FAILURE, "failed_run_outcome_sensor")
