"""The model registry (ml.model_registry) and metric table (ml.model_metrics) in the lake.

Status life cycle of a version: candidate -> champion (promoted by the gate) -> retired (when a
newer champion replaces it); or candidate -> rejected (the gate kept the current champion). At most
one champion per model at any time.

By hand (`risk-assets registry`), an operator may retire the champion, leaving the model without
one (its next training is judged as a first model: it must beat the baseline, and it draws a fresh
holdout), or restore a retired former champion, which retires the current one (a rollback). A
rejected candidate can never be made champion by hand: the gate found it no better than the champion.

Every status change is one row of ml.model_registry_events, with its reason and who made it
(`training`, `gate`, or `operator <user>`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from risk_assets.lib.lake import table_exists, transaction
from risk_assets.lib.ml.artifacts import locate

def new_version(run_id: str | None = None) -> str:
    """A model version name, one scheme for every model: the UTC second its training started, then
    the first 8 characters of the Dagster run that trains it (`local` outside a run), as
    `20261203T081244Z-1a2b3c4d`. Names sort by training time; the run id finds the run's log in
    the UI. A PD run trains every portfolio under one version name."""
    return f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{(run_id or 'local')[:8]}"


PROMOTION_P_VALUE = 0.05
"""A challenger replaces its champion only when its gain on the same holdout is beyond chance: the
one-sided p-value of the paired test is below this (PD: DeLong test of the AUC gain, `pd_lake.gate`;
sentiment: paired bootstrap of the macro-F1 gain, `sentiment_eval.gate`), and the gain is material
(below). 0.5 with a material gain of 0 promotes any gain."""

MIN_AUC_GAIN = 0.005
"""Smallest PD AUC gain (AUC points; one Gini point) that replaces a champion. A paired test on a
large holdout finds a retraining with another seed "significantly" better by 0.001 (LendingClub,
7,957 holdout loans: +0.0011, p 0.011); that is not worth changing every loan's score. A policy
figure of this project, not a published constant."""

MAX_ECE_LOSS = 0.02
"""Largest rise in ECE (fraction 0-1) over the champion's, on the same holdout loans, that a PD
challenger may bring and still replace it: a better ranking with worse calibration would misstate
the PD, and so the grade, of every loan it scores. The same house tolerance under which a card calls
a holdout's PDs calibrated (`model_card.CALIBRATION_TOLERANCE`)."""

MIN_MACRO_F1_GAIN = 0.01
"""Smallest sentiment macro-F1 gain (0-1) that replaces a champion; below the seed-to-seed spread
of the default profile (about 0.015, README) a gain says more of the seed than of the model."""


def challenger_verdict(gain: float, p: float, p_value: float, min_gain: float) -> tuple[bool, str]:
    """(promote, the clause that says why) for a challenger whose gain over the champion on the same
    holdout is `gain` with one-sided p-value `p`: promoted when p < p_value and gain >= min_gain.
    A gain or p-value that is not a number (NaN: a metric that could not be computed) keeps the
    champion: only a measured improvement replaces it."""
    if math.isnan(gain) or math.isnan(p):
        return False, f": the gain ({gain:g}) or its p-value ({p:g}) could not be measured, the champion stays"
    if p >= p_value:
        return False, f", not below {p_value:g}: no gain beyond chance, the champion stays"
    if gain < min_gain:
        return False, f", below {p_value:g}, but a gain under {min_gain:g} is not material: the champion stays"
    return True, f", below {p_value:g}, and the gain is at least {min_gain:g}"


class RegistryError(ValueError):
    """A change to the registry that is not allowed; the message says why and what exists."""


@dataclass(frozen=True)
class StatusChange:
    """One version's status change, as written to ml.model_registry_events."""

    model: str
    version: str
    status_from: str | None
    status_to: str
    reason: str
    actor: str


@dataclass(frozen=True)
class OperatorChange:
    """An operator's restore or retirement of a champion (ml.model_registry_events, actor 'operator ...')."""

    actor: str
    reason: str
    changed_at: datetime
    """UTC."""

    def said(self, verb: str) -> str:
        """One clause for messages: '<actor> <verb> at <YYYY-MM-DD HH:MM> UTC (<reason>)'."""
        return f"{self.actor} {verb} at {self.changed_at:%Y-%m-%d %H:%M} UTC ({self.reason})"


def operator_restore(con: duckdb.DuckDBPyConnection, model: str, version: str) -> OperatorChange | None:
    """The operator's restore behind `version` being champion, or None when the gate (or training)
    made it champion last (a lake without ml.model_registry_events has none)."""
    if not _has_events(con):
        return None
    row = con.execute(
        "SELECT actor, reason, changed_at FROM ml.model_registry_events WHERE model = ? AND version = ? "
        "AND status_to = 'champion' ORDER BY changed_at DESC, rowid DESC LIMIT 1", [model, version]).fetchone()
    return OperatorChange(*row) if row and row[0].startswith("operator") else None


def operator_retirement(con: duckdb.DuckDBPyConnection, model: str) -> OperatorChange | None:
    """The operator's retirement that left `model` without a champion, or None: when the model has a
    champion, when nothing was retired by hand after its latest training (a model never promoted,
    or trained again since), or in a lake without ml.model_registry_events."""
    if not _has_events(con) or champion(con, model) is not None:
        return None
    row = con.execute("""
        SELECT actor, reason, changed_at FROM ml.model_registry_events
        WHERE model = ? AND status_to = 'retired' AND actor LIKE 'operator%'
          AND changed_at > (SELECT coalesce(max(trained_at), TIMESTAMP '1900-01-01') FROM ml.model_registry
                            WHERE model = ?)
        ORDER BY changed_at DESC, rowid DESC LIMIT 1""", [model, model]).fetchone()
    return OperatorChange(*row) if row else None


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def register_candidate(
    con: duckdb.DuckDBPyConnection,
    model: str,
    version: str,
    artifact_path: str,
    primary_metric: str,
    primary_value: float | None,
    data_snapshot: str,
    run_id: str | None = None,
) -> None:
    """Insert a new version with status `candidate`."""
    con.execute(
        "INSERT INTO ml.model_registry (model, version, status, artifact_path, primary_metric, "
        "primary_value, data_snapshot, trained_at, run_id) VALUES (?, ?, 'candidate', ?, ?, ?, ?, ?, ?)",
        [model, version, artifact_path, primary_metric, primary_value, data_snapshot, _now(), run_id],
    )
    shown = "n/a" if primary_value is None else f"{primary_value:.4f}"
    _log(con, StatusChange(model, version, None, "candidate", f"trained, {primary_metric} {shown}", "training"))


def _log(con: duckdb.DuckDBPyConnection, *changes: StatusChange) -> None:
    con.executemany(
        "INSERT INTO ml.model_registry_events VALUES (?, ?, ?, ?, ?, ?, ?)",
        [[c.model, c.version, c.status_from, c.status_to, c.reason, c.actor, _now()] for c in changes],
    )


def version_row(con: duckdb.DuckDBPyConnection, model: str, version: str) -> dict | None:
    """One version's registry row as a dict, or None when the model has no such version."""
    cur = con.execute("SELECT * FROM ml.model_registry WHERE model = ? AND version = ?", [model, version])
    return next(iter(_as_dicts(cur)), None)


def version_of_run(con: duckdb.DuckDBPyConnection, model: str, run_id: str) -> dict | None:
    """The registry row of the version of `model` that Dagster run `run_id` trained (its run_id,
    or a version named after the run's first 8 characters, `new_version`), the latest when several;
    None when that run registered none."""
    if not table_exists(con, "ml.model_registry"):
        return None
    cur = con.execute("SELECT * FROM ml.model_registry WHERE model = ? AND (run_id = ? OR version LIKE ?) "
                      "ORDER BY trained_at DESC LIMIT 1", [model, run_id, f"%-{run_id[:8]}"])
    return next(iter(_as_dicts(cur)), None)


def run_outcome(con: duckdb.DuckDBPyConnection, model: str, run_id: str) -> str | None:
    """What became of the version of `model` that run `run_id` trained, in words: 'promoted as
    champion <v>', or 'its candidate <v> was rejected by the gate (<the reason's first clause>)';
    None when the run registered no version, or the gate has not judged it."""
    row = version_of_run(con, model, run_id)
    if row is None:
        return None
    if row["status"] == "champion" or row.get("promoted_at") is not None:
        return f"promoted as champion {row['version']}"
    if row["status"] == "rejected":
        clause = (row.get("reason") or "").split("; ")[0].removeprefix("rejected: ")
        return f"its candidate {row['version']} was rejected by the gate ({clause})"
    return None


def champion(con: duckdb.DuckDBPyConnection, model: str) -> dict | None:
    """The current champion's registry row as a dict, or None when the model has none."""
    cur = con.execute(
        "SELECT * FROM ml.model_registry WHERE model = ? AND status = 'champion'", [model]
    )
    return next(iter(_as_dicts(cur)), None)


def promote(con: duckdb.DuckDBPyConnection, model: str, version: str, reason: str,
            actor: str = "gate") -> list[StatusChange]:
    """Make `version` the champion and retire the previous one, in one transaction; both changes
    are logged in ml.model_registry_events and returned, the retirement first. The retired row's
    reason becomes its event's, 'replaced by <version>: <reason>', so the registry says why it is
    retired, not why it was once promoted."""
    previous = champion(con, model)
    status_from = (version_row(con, model, version) or {}).get("status")
    replaced = f"replaced by {version}: {reason}"
    with transaction(con):
        con.execute(
            "UPDATE ml.model_registry SET status = 'retired', reason = ? WHERE model = ? AND status = 'champion'",
            [replaced, model],
        )
        con.execute(
            "UPDATE ml.model_registry SET status = 'champion', promoted_at = ?, reason = ? "
            "WHERE model = ? AND version = ?",
            [_now(), reason, model, version],
        )
        changes = [StatusChange(model, version, status_from, "champion", reason, actor)]
        if previous is not None:
            changes.insert(0, StatusChange(model, previous["version"], "champion", "retired", replaced, actor))
        _log(con, *changes)
    return changes


def reject(con: duckdb.DuckDBPyConnection, model: str, version: str, reason: str) -> None:
    """Mark a candidate `rejected`, with the reason the gate gave."""
    con.execute(
        "UPDATE ml.model_registry SET status = 'rejected', reason = ? WHERE model = ? AND version = ?",
        [reason, model, version],
    )
    _log(con, StatusChange(model, version, "candidate", "rejected", reason, "gate"))


def retire_champion(con: duckdb.DuckDBPyConnection, model: str, reason: str, actor: str) -> StatusChange:
    """Retire `model`'s champion by hand, leaving the model without one.

    Scoring then stops for the model (its score assets say no champion), and its next training is
    judged as a first model: it must beat the baseline, and its holdout is drawn afresh with the
    configured seed and fraction. The champion's row keeps the gate's reason; `reason` goes to
    ml.model_registry_events with `actor`.

    Raises:
        RegistryError: the model has no champion (the message lists its versions), or `reason` is blank.
    """
    _require_reason(reason)
    current = champion(con, model)
    if current is None:
        raise RegistryError(f"{model} has no champion to retire ({_versions_text(con, model)})")
    change = StatusChange(model, current["version"], "champion", "retired", reason, actor)
    with transaction(con):
        con.execute("UPDATE ml.model_registry SET status = 'retired' WHERE model = ? AND version = ?",
                    [model, current["version"]])
        _log(con, change)
    return change


def restore_champion(con: duckdb.DuckDBPyConnection, model: str, version: str, reason: str,
                     actor: str) -> list[StatusChange]:
    """Make a retired former champion the champion again (a rollback); the current champion, if
    any, is retired. Returns the changes, the retirement first.

    Only a version that was promoted once (status `retired`, promoted_at set) can be restored, and
    only while its artifact folder still exists: a rejected candidate lost to the champion on the
    gate, and a version without weights cannot score.

    Raises:
        RegistryError: unknown version, a version that is champion already, was never champion
            (candidate or rejected), or whose artifact folder is gone; or a blank `reason`.
    """
    _require_reason(reason)
    row = version_row(con, model, version)
    if row is None:
        raise RegistryError(f"{model} has no version {version!r} ({_versions_text(con, model)})")
    if row["status"] == "champion":
        raise RegistryError(f"{model} {version} is the champion already")
    if row["status"] != "retired" or row["promoted_at"] is None:
        raise RegistryError(
            f"{model} {version} was never champion (status {row['status']}: {row['reason']}); only a "
            "retired former champion can be restored, the gate decides on candidates")
    if not Path(row["artifact_path"]).is_dir():
        raise RegistryError(f"{model} {version}: artifact folder {row['artifact_path']} is gone; it cannot score")
    return promote(con, model, version, f"restored by hand: {reason}", actor)


def history(con: duckdb.DuckDBPyConnection, model: str | None = None) -> list[dict]:
    """Registry rows (all models, or one) with their metric, ordered by model and training time,
    each with its latest status change (`changed_by`, `change_reason`) and the reason of the change
    before it (`earlier_reason`); NULL in a lake made before the events table existed."""
    where, params = ("WHERE r.model = ?", [model]) if model else ("", [])
    latest = ("(SELECT model, version, actor, reason, lead(reason) OVER newest_first AS previous_reason "
              "FROM ml.model_registry_events "
              "WINDOW newest_first AS (PARTITION BY model, version ORDER BY changed_at DESC, rowid DESC) "
              "QUALIFY row_number() OVER newest_first = 1)"
              if _has_events(con) else
              "(SELECT NULL::VARCHAR AS model, NULL::VARCHAR AS version, NULL::VARCHAR AS actor, NULL::VARCHAR AS reason, "
              "NULL::VARCHAR AS previous_reason)")
    cur = con.execute(
        "SELECT r.model, r.version, r.status, r.primary_metric, r.primary_value, r.trained_at, r.promoted_at, "
        "r.reason, e.actor AS changed_by, e.reason AS change_reason, e.previous_reason AS earlier_reason "
        f"FROM ml.model_registry AS r LEFT JOIN {latest} AS e ON e.model = r.model AND e.version = r.version "
        f"{where} ORDER BY r.model, r.trained_at, r.version", params)
    return _as_dicts(cur)


def _has_events(con: duckdb.DuckDBPyConnection) -> bool:
    return table_exists(con, "ml.model_registry_events")


def _as_dicts(cur: duckdb.DuckDBPyConnection) -> list[dict]:
    """The rows of an executed query as dicts keyed by column name; an `artifact_path` is where the
    folder is now (`artifacts.locate`: in a lake home that has moved, under the new home)."""
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, row)) for row in cur.fetchall()]
    for row in rows:
        if row.get("artifact_path"):
            row["artifact_path"] = str(locate(cur, row["artifact_path"]))
    return rows


def events(con: duckdb.DuckDBPyConnection, model: str, limit: int = 20) -> list[dict]:
    """The last `limit` status changes of `model`, newest first ([] in a lake made before the events
    table existed, opened read-only)."""
    if not _has_events(con):
        return []
    cur = con.execute(
        "SELECT * FROM ml.model_registry_events WHERE model = ? ORDER BY changed_at DESC, rowid DESC LIMIT ?",
        [model, limit])
    return _as_dicts(cur)


def _require_reason(reason: str) -> None:
    if not reason or not reason.strip():
        raise RegistryError("a reason is required: it is kept in ml.model_registry_events for whoever reads the history")


def _versions_text(con: duckdb.DuckDBPyConnection, model: str) -> str:
    rows = history(con, model)
    if not rows:
        models = [m for (m,) in con.execute("SELECT DISTINCT model FROM ml.model_registry ORDER BY model").fetchall()]
        return f"no version registered; models in the registry: {', '.join(models) or 'none'}"
    return "versions: " + ", ".join(f"{r['version']} ({r['status']})" for r in rows)


def record_metrics(
    con: duckdb.DuckDBPyConnection,
    model: str,
    version: str,
    split: str,
    metrics: Mapping[str, float | None],
    reasons: Mapping[str, str] | None = None,
    run_id: str | None = None,
) -> None:
    """Append one row per metric to ml.model_metrics.

    A value that is None or not finite is stored as NULL with its reason (from `reasons`, else
    'not finite'); it is never replaced by a made-up number. A value that has a reason all the same
    keeps it beside it (a macro-F1 averaged over the classes the split holds says which is absent).
    """
    reasons = reasons or {}
    rows = []
    for metric, value in metrics.items():
        if value is None or not math.isfinite(float(value)):
            rows.append([model, version, split, metric, None, reasons.get(metric, "not finite"), run_id, _now()])
        else:
            rows.append([model, version, split, metric, float(value), reasons.get(metric), run_id, _now()])
    if rows:
        con.executemany("INSERT INTO ml.model_metrics VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)


def trained_short(con: duckdb.DuckDBPyConnection, model: str | None = None) -> dict[tuple[str, str], tuple[int, int]]:
    """(model, version) -> (steps, planned_steps) of each version the time budget cut short: its
    training's split 'train' rows of ml.model_metrics record fewer optimiser steps than planned.
    Versions that trained every planned step, or record no steps (a PD model), are absent; {} when
    the table is missing."""
    if not table_exists(con, "ml.model_metrics"):
        return {}
    where, params = ("AND model = ?", [model]) if model else ("", [])
    rows = con.execute(
        "SELECT model, version, max(value) FILTER (WHERE metric = 'steps'), max(value) FILTER (WHERE metric = 'planned_steps') "
        f"FROM ml.model_metrics WHERE split = 'train' AND metric IN ('steps', 'planned_steps') {where} "
        "GROUP BY model, version", params).fetchall()
    return {(m, v): (int(steps), int(planned)) for m, v, steps, planned in rows
            if steps is not None and planned is not None and steps < planned}
