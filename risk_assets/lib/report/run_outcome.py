"""What a finished run of the lake did beyond its status: the asset checks of it that did not pass,
read from its own event log, and what it did to its files and models, read from the lake (files
refused, quarantined, copies, cut short; sentiment trainings its time budget cut short).

`risk-assets run` prints this as its closing summary; `run_outcome_tags` puts the same facts, short,
on the run itself as tags (CHECKS_TAG, CHECK_NAMES_TAG, NOTES_TAG), which the UI's runs list and run page show: a
run in which checks did not pass is otherwise a plain green "Success" there.

A run re-executed from the UI (Re-execute, From failure) starts with every tag of its parent, these
among them, and Dagster has no call that deletes a run's tag. So the outcome tags of a run are its
own only beside OUTCOME_OF_TAG naming that run (`own_outcome_tags` reads them so), and tagging a run
that carries an outcome tag, or has something to say, writes all of them (`tag_run_outcome`): the
ones its own result does not produce say NONE ('0' for CHECKS_TAG).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

import duckdb

from risk_assets.lib.lake import connect

CHECKS_TAG = "risk/checks_not_passed"
"""Run tag: how many of the run's asset checks did not pass, and how many of those are ERROR-severity
('3', '1 (ERROR)', '3 (1 ERROR)'; WARN is the rest). Only the count, so the runs list, which cuts a
tag at its column's edge, shows it whole."""
CHECK_NAMES_TAG = "risk/checks_not_passed_names"
"""Run tag: the names of the checks CHECKS_TAG counts, ', '-separated in the order the run's event
log has them ('(ERROR)' after an ERROR-severity one)."""
NOTES_TAG = "risk/notes"
"""Run tag: what the run did that its checks do not say, '; '-separated ('news_sentiment trained
short 229/396', 'sba_national.csv.gz: 811 of 3,000 records quarantined', ...)."""
OUTCOME_OF_TAG = "risk/outcome_of"
"""Run tag: the id of the run whose end wrote the outcome tags beside it. On a re-execution before it
ends, its parent's id (copied with the parent's outcome tags): those tags are not the run's own."""
OUTCOME_TAGS = (CHECKS_TAG, CHECK_NAMES_TAG, NOTES_TAG)
"""Every tag `tag_run_outcome` writes for a run's outcome, OUTCOME_OF_TAG aside."""
NONE = "(none)"
"""CHECK_NAMES_TAG's and NOTES_TAG's value where `tag_run_outcome` writes the tag with nothing of the
run's own to say in it (a tag its parent's outcome put there, or one beside another it has something
for; CHECKS_TAG says '0'): readers take it as no tag. No check name can be it (Dagster allows
letters, digits and '_') and no note is (each starts with a file or model name)."""
TAG_CHARS = 250
"""Longest tag value written; a longer one is cut with '…' (the run's summary and its check
results in the UI have the whole text)."""


class LakeOutcomes(NamedTuple):
    """What one run did to its files and models, from the lake (each list [] when the lake or its
    table is missing).

    not_landed: (status 'refused', 'still refused' or 'failed', path, message) of each file it
        refused or failed to land (raw.landing_events, NOT_LANDED_SQL: 'still refused' for bytes an
        earlier run refused for the same reason).
    quarantined: (path, records in the file (blank, note and footer lines not counted), records
        quarantined at landing, '<rule> <count>, ...' most first, records the checks set aside besides
        (raw_loans_values, ...), values quarantined in all (landing's and the checks', as `risk-assets
        quarantine FILE` counts them), '<check> (<rule> <values>, ...); ...' or None) of each file it
        landed with records quarantined at landing or by a check (raw.landed_files and
        quality.quarantine, which a check rewrites on each run).
    cut_short: (model, version, optimiser steps trained, steps planned, holdout macro-F1 or None,
        registry status) of each sentiment model it trained whose time budget ended the training
        before its planned steps (ml.model_metrics, split train): a busy machine's model, which
        stays champion until one better beyond chance, or its profile run in full on the same data,
        replaces it (sentiment_retrain_sensor requests that run).
    copies: (path, path of the landed file with the same bytes) of each file it did not land for
        being a copy (raw.landing_events, outcome 'duplicate').
    unterminated: (path, line of its last record or None, note, domain) of each file it landed whose last
        line has no line end (`landing.unterminated_files`).
    gone: (outcome, path, message) of each landed file it found gone from landing (raw.landing_events,
        outcome 'source_missing': its rows stay) or under a new name ('renamed', the new path).
    unread: (path, what its reader says) for each note of UNREAD_NOTES of each file it landed: a
        publication time or an article's text it saw and left unread.
    checked_out: (check, values quarantined, records they belong to) of each check of it that put
        values in quality.quarantine (raw_loans_values: 811 values of 811 SBA loans); landing's own
        quarantine is `quarantined`'s.
    changing: (path, message) of each file it did not land because its size or modification time
        changed while it was read, a copy still in progress (raw.landing_events, outcome 'changing';
        no manifest row): nothing of it landed, and a later run lands it.
    replaced: (path, its note `supersedes`) of each loan tape it landed that superseded the version
        landed earlier from the same path (saved over it in place, same snapshot), which landing
        withdrew: 'supersedes the version landed 2026-12-07 23:05 (sha256 dd3aa475c051; ...)'.
    """

    not_landed: list[tuple[str, str, str]]
    quarantined: list[tuple[str, int, int, str | None, int, int, str | None]]
    cut_short: list[tuple[str, str, int, int, float | None, str]]
    copies: list[tuple[str, str]]
    unterminated: list[tuple[str, int | None, str, str]]
    gone: list[tuple[str, str, str]] = []
    unread: list[tuple[str, str]] = []
    checked_out: list[tuple[str, int, int]] = []
    changing: list[tuple[str, str]] = []
    replaced: list[tuple[str, str]] = []


NO_LAKE_OUTCOMES = LakeOutcomes([], [], [], [], [], [], [], [], [], [])

UNREAD_NOTES = ("published_at_unread", "headline_scored_beside_unread_text", "undated_beside_dated")
"""Reader notes that say a landed file's articles lost something it holds (every time, or the text
beside a headline scored alone), or that a loan tape landed undated beside dated snapshots of its
book (`landing.undated_beside_dated`): warnings of the run, shown in its summary, never only a note."""


NOT_LANDED_SQL = """
    WITH e AS (SELECT outcome, path, sha256, message, run_id,
                      lag(outcome) OVER w AS was, lag(sha256) OVER w AS was_sha256, lag(message) OVER w AS said
               FROM raw.landing_events WINDOW w AS (PARTITION BY path ORDER BY seen_at))
    SELECT CASE WHEN coalesce(e.outcome = 'refused' AND e.was = 'refused' AND e.was_sha256 = e.sha256
                              AND e.said IS NOT DISTINCT FROM e.message, false)
                THEN 'still refused' ELSE e.outcome END,
           e.path, coalesce(e.message, f.message, '')
    FROM e LEFT JOIN raw.landed_files AS f
      ON e.sha256 <> '' AND f.sha256 = e.sha256 AND f.path = e.path AND f.status = e.outcome
    WHERE e.run_id = $run AND e.outcome IN ('refused', 'failed')
    ORDER BY e.path"""
"""LakeOutcomes.not_landed of the run $run, from its own events: raw.landed_files keeps a file's
latest run only (each run that refuses it again replaces the row), so another run's refusal could
be named. A refused file is tried on every run: a refusal repeating the path's previous event (the
same bytes refused for the same reason by an earlier run) is 'still refused', so a run says the
file it left in landing without claiming a new refusal. An event without a message (an old lake)
takes the manifest row's of the same path, bytes and status."""


def lake_outcomes(lake_path: Path | None, run_id: str, wait_seconds: float) -> LakeOutcomes:
    """What the run `run_id` did to its files and models (LakeOutcomes), read from the lake at
    `lake_path` in one read-only connection, waiting up to `wait_seconds` for another run's hold on it.

    NO_LAKE_OUTCOMES without a lake, or when the file cannot be opened as a lake; a table it lacks
    yet gives [] for its part.

    Raises:
        duckdb.IOException: another process still holds the lake after `wait_seconds` (the message
            names a lock), or the file cannot be read (a permission, a damaged file).
    """
    if lake_path is None or not Path(lake_path).exists():
        return NO_LAKE_OUTCOMES
    from risk_assets.lib.ingest.landing import unterminated_files

    def rows(con, sql: str) -> list[tuple]:
        try:
            return con.execute(sql, {"run": run_id} if "$run" in sql else [run_id]).fetchall()
        except duckdb.Error:
            return []

    try:
        with connect(lake_path, read_only=True, wait_seconds=wait_seconds) as con:
            not_landed = rows(con, NOT_LANDED_SQL)
            quarantined = rows(con, """
                SELECT f.path, f.rows_in_file - coalesce(f.non_data_lines, 0), f.rows_quarantined,
                       (SELECT string_agg(rule || ' ' || format('{:,}', n), ', ' ORDER BY n DESC, rule)
                        FROM (SELECT rule, count(DISTINCT line) AS n FROM quality.quarantine AS q
                              WHERE q.file_sha256 = f.sha256 AND q.asset = 'raw_' || f.domain GROUP BY rule)),
                       (SELECT count(DISTINCT line) FROM quality.quarantine AS q
                        WHERE q.file_sha256 = f.sha256 AND q.asset <> 'raw_' || f.domain
                          AND q.line NOT IN (SELECT line FROM quality.quarantine AS l WHERE l.file_sha256 = f.sha256
                                               AND l.asset = 'raw_' || f.domain AND l.line IS NOT NULL)),
                       (SELECT count(*) FROM quality.quarantine AS q WHERE q.file_sha256 = f.sha256),
                       (SELECT string_agg(asset || ' (' || rules || ')', '; ' ORDER BY asset)
                        FROM (SELECT asset, string_agg(rule || ' ' || format('{:,}', n), ', ' ORDER BY n DESC, rule) AS rules
                              FROM (SELECT asset, rule, count(*) AS n FROM quality.quarantine AS q
                                    WHERE q.file_sha256 = f.sha256 AND q.asset <> 'raw_' || f.domain GROUP BY ALL)
                              GROUP BY asset))
                FROM raw.landed_files AS f
                WHERE f.run_id = ? AND f.status = 'loaded'
                  AND (f.rows_quarantined > 0 OR EXISTS (SELECT 1 FROM quality.quarantine AS q
                                                         WHERE q.file_sha256 = f.sha256))
                ORDER BY f.path""")
            cut_short = rows(con, """
                SELECT t.model, t.version, t.steps::INTEGER, t.planned::INTEGER,
                       (SELECT value FROM ml.model_metrics AS h WHERE h.model = t.model AND h.version = t.version
                          AND h.split = 'holdout' AND h.metric = 'macro_f1'),
                       coalesce((SELECT status FROM ml.model_registry AS r WHERE r.model = t.model
                                   AND r.version = t.version), 'unregistered')
                FROM (SELECT model, version, max(value) FILTER (WHERE metric = 'steps') AS steps,
                             max(value) FILTER (WHERE metric = 'planned_steps') AS planned
                      FROM ml.model_metrics WHERE run_id = ? AND split = 'train' GROUP BY model, version) AS t
                WHERE t.steps < t.planned ORDER BY t.model""")
            copies = rows(con, "SELECT path, duplicate_of FROM raw.landing_events "
                               "WHERE run_id = ? AND outcome = 'duplicate' ORDER BY path")
            gone = rows(con, "SELECT outcome, path, message FROM raw.landing_events "
                             "WHERE run_id = ? AND outcome IN ('source_missing', 'renamed') ORDER BY path")
            try:
                unterminated = unterminated_files(con, run_id)
            except duckdb.Error:
                unterminated = []
            unread = [(path, said) for path, notes in rows(con, "SELECT path, notes FROM raw.landed_files WHERE "
                                                                "run_id = ? AND status = 'loaded' AND notes IS NOT NULL "
                                                                "ORDER BY path")
                      for note in UNREAD_NOTES if isinstance(said := json.loads(notes).get(note), str)]
            changing = rows(con, "SELECT path, message FROM raw.landing_events "
                                 "WHERE run_id = ? AND outcome = 'changing' ORDER BY path")
            replaced = [(path, said) for path, said in rows(con, "SELECT path, json_extract_string(notes, 'supersedes') "
                                                                 "FROM raw.landed_files WHERE run_id = ? AND status = "
                                                                 "'loaded' AND notes IS NOT NULL ORDER BY path") if said]
            checked_out = rows(con, """
                SELECT asset, count(*), count(DISTINCT coalesce(record_key, file_sha256 || ':' || line))
                FROM quality.quarantine
                WHERE run_id = ? AND asset NOT IN (SELECT 'raw_' || domain FROM raw.landed_files)
                GROUP BY asset ORDER BY asset""")
    except duckdb.IOException:  # a hold or an unreadable file: the caller says which
        raise
    except duckdb.Error:  # any other error: the file is no lake DuckDB can open
        return NO_LAKE_OUTCOMES
    return LakeOutcomes(not_landed, quarantined, cut_short, copies, unterminated, gone, unread, checked_out,
                        changing, replaced)


def checks_not_passed(instance, run_id: str) -> list:
    """The asset check evaluations (dagster AssetCheckEvaluation: check_name, asset_key, severity,
    description) of the run `run_id` that did not pass, in the order its event log has them."""
    import dagster as dg

    return [entry.dagster_event.event_specific_data
            for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
            if not entry.dagster_event.event_specific_data.passed]


def _short(text: str) -> str:
    return text if len(text) <= TAG_CHARS else text[:TAG_CHARS - 1] + "…"


def checks_count(failed: list) -> str:
    """CHECKS_TAG's value for the check evaluations `failed` (checks_not_passed): the count, and how
    many are ERROR-severity when any is: '3', '1 (ERROR)', '3 (1 ERROR)'."""
    errors = sum(e.severity.value == "ERROR" for e in failed)
    if not errors:
        return str(len(failed))
    return f"{len(failed)} (ERROR)" if len(failed) == 1 else f"{len(failed)} ({errors} ERROR)"


def outcome_notes(outcomes: LakeOutcomes) -> list[str]:
    """One short phrase per thing in `outcomes` (file names without their folder): 'news_sentiment
    trained short 229/396', 'HDR_TRL.DAT refused', 'sba_national.csv.gz: 811 of 3,000 records
    quarantined', 'raw_loans_values: 811 values of 811 records quarantined', 'copy.csv not landed: a copy of tape.csv', 'tape.csv ends without a line end',
    'lc_a.csv replaced the version landed from its path'."""
    notes = [f"{model} trained short {steps}/{planned}" for model, _, steps, planned, _, _ in outcomes.cut_short]
    notes += [f"{Path(path).name} {status}" for status, path, _ in outcomes.not_landed]
    notes += [f"{Path(path).name}: {count:,} of {records:,} records quarantined"
              for path, records, count, *_ in outcomes.quarantined if count]
    notes += [f"{check}: {values:,} values of {records:,} records quarantined" for check, values, records in outcomes.checked_out]
    notes += [f"{Path(path).name} not landed: a copy of {Path(first).name}" for path, first in outcomes.copies]
    notes += [f"{Path(path).name} ends without a line end" for path, *_ in outcomes.unterminated]
    notes += [f"{Path(path).name}: a field left unread" for path in dict.fromkeys(path for path, _ in outcomes.unread)]
    notes += [f"{Path(path).name} {'gone from landing, rows kept' if outcome == 'source_missing' else 'renamed'}"
              for outcome, path, _ in outcomes.gone]
    notes += [f"{Path(path).name} replaced the version landed from its path" for path, _ in outcomes.replaced]
    return notes


def run_outcome_tags(instance, run_id: str, lake_path: Path | None, wait_seconds: float = 20.0) -> dict[str, str]:
    """The tags that say what the finished run `run_id` did beyond its status: CHECKS_TAG (the count)
    and CHECK_NAMES_TAG (the names) when a check of it did not pass, NOTES_TAG when outcome_notes has anything (or the lake could not be
    read: 'lake not read: ...'); each value at most TAG_CHARS characters. {} for a run with nothing
    to say. Reads the run's event log in `instance` and the lake at `lake_path`, waiting up to
    `wait_seconds` for another run's hold on it."""
    tags = {}
    failed = checks_not_passed(instance, run_id)
    if failed:
        names = [e.check_name + (" (ERROR)" if e.severity.value == "ERROR" else "") for e in failed]
        tags[CHECKS_TAG] = checks_count(failed)
        tags[CHECK_NAMES_TAG] = _short(", ".join(names))
    try:
        notes = outcome_notes(lake_outcomes(lake_path, run_id, wait_seconds))
    except duckdb.IOException as exc:
        notes = [f"lake not read: {' '.join(str(exc).split())}"]
    if notes:
        tags[NOTES_TAG] = _short("; ".join(notes))
    return tags


def tag_run_outcome(instance, run_id: str, lake_path: Path | None, wait_seconds: float = 20.0) -> dict[str, str]:
    """Tag the run `run_id` in `instance` with its own outcome (run_outcome_tags) and OUTCOME_OF_TAG =
    `run_id`; returns run_outcome_tags, {} when there was nothing to say.

    Every tag of OUTCOME_TAGS is written whenever one is written or the run already carries one (a
    re-execution is given its parent's): those its result does not produce get '0' (CHECKS_TAG) or
    NONE, so no tag of another run's outcome stays on it. A run with nothing to say that carries none
    is left untagged (instance.add_run_tags replaces a tag; Dagster has no call that deletes one)."""
    tags = run_outcome_tags(instance, run_id, lake_path, wait_seconds)
    run = instance.get_run_by_id(run_id)
    carried = run is not None and any(key in run.tags for key in (*OUTCOME_TAGS, OUTCOME_OF_TAG))
    if tags or carried:
        instance.add_run_tags(run_id, {CHECKS_TAG: "0", CHECK_NAMES_TAG: NONE, NOTES_TAG: NONE, **tags,
                                       OUTCOME_OF_TAG: run_id})
    return tags


def own_outcome_tags(run) -> dict[str, str]:
    """The outcome tags (OUTCOME_TAGS) of `run` (a dagster DagsterRun) that its own tagging wrote, as
    run_outcome_tags gives them: {} when OUTCOME_OF_TAG does not name the run (tags a re-execution
    was given from its parent, or a run not tagged yet), a tag saying NONE or a CHECKS_TAG of '0' left out.
    Whatever acts on a run's outcome tags reads them here."""
    if run.tags.get(OUTCOME_OF_TAG) != run.run_id:
        return {}
    return {key: run.tags[key] for key in OUTCOME_TAGS
            if run.tags.get(key) not in (None, NONE) and not (key == CHECKS_TAG and run.tags[key] == "0")}
