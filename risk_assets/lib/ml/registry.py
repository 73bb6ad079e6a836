"""The model registry (ml.model_registry) and metric table (ml.model_metrics) in the lake.

Status life cycle of a version: candidate -> champion (promoted by the gate) -> retired (when a
newer champion replaces it); or candidate -> rejected (the gate kept the current champion). At most
one champion per model at any time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timezone

import duckdb


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


def champion(con: duckdb.DuckDBPyConnection, model: str) -> dict | None:
    """The current champion's registry row as a dict, or None when the model has none."""
    cur = con.execute(
        "SELECT * FROM ml.model_registry WHERE model = ? AND status = 'champion'", [model]
    )
    row = cur.fetchone()
    return None if row is None else dict(zip([d[0] for d in cur.description], row))


def promote(con: duckdb.DuckDBPyConnection, model: str, version: str, reason: str) -> None:
    """Make `version` the champion and retire the previous one, in one transaction."""
    con.execute("BEGIN")
    try:
        con.execute(
            "UPDATE ml.model_registry SET status = 'retired' WHERE model = ? AND status = 'champion'",
            [model],
        )
        con.execute(
            "UPDATE ml.model_registry SET status = 'champion', promoted_at = ?, reason = ? "
            "WHERE model = ? AND version = ?",
            [_now(), reason, model, version],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def reject(con: duckdb.DuckDBPyConnection, model: str, version: str, reason: str) -> None:
    """Mark a candidate `rejected`, with the reason the gate gave."""
    con.execute(
        "UPDATE ml.model_registry SET status = 'rejected', reason = ? WHERE model = ? AND version = ?",
        [reason, model, version],
    )


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
    'not finite'); it is never replaced by a made-up number.
    """
    reasons = reasons or {}
    rows = []
    for metric, value in metrics.items():
        if value is None or not math.isfinite(float(value)):
            rows.append([model, version, split, metric, None, reasons.get(metric, "not finite"), run_id, _now()])
        else:
            rows.append([model, version, split, metric, float(value), None, run_id, _now()])
    if rows:
        con.executemany("INSERT INTO ml.model_metrics VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
