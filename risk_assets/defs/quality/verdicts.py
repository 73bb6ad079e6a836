"""Model and scoring checks (the champion gates, score coverage) keep their verdicts in the lake
beside the data checks': one row of quality.check_results per evaluation, so the portfolio
overview's open quality issues and any SQL over the lake see a failed gate or an unscored book,
not only the Checks tab."""

import dagster as dg

from risk_assets.defs.resources import LakeResource


def say_failed(log: dg.DagsterLogManager, check: str, asset: str, severity: str, observed: str) -> None:
    """Log a check that did not pass at WARNING (severity "WARN") or ERROR level, with what it observed:
    `check <check> on <asset> did not pass (severity <severity>): <observed>`. Dagster logs the
    evaluation itself only at DEBUG, which a run's console log buries among the step's other events."""
    (log.error if severity == "ERROR" else log.warning)(
        f"check {check} on {asset} did not pass (severity {severity}): {observed}")


def recorded(lake: LakeResource, run_id: str, check: str, asset: str, result: dg.AssetCheckResult,
             failing_count: int, failing_unit: str | None = None,
             log: dg.DagsterLogManager | None = None) -> dg.AssetCheckResult:
    """Write `result` to quality.check_results (severity ERROR or WARN, its description as the
    observed value, its metadata as details) and return it unchanged. `failing_count`: what failed,
    in the check's own unit (models without a champion, unscored loans or articles), named by
    `failing_unit` (plural: "models", "loans"), which the overview's failed checks show beside it.
    With `log` (the check's context.log), a result that did not pass is also logged by `say_failed`."""
    from risk_assets.lib.quality.outcome import record_verdict

    if log is not None and not result.passed:
        say_failed(log, check, asset, result.severity.value, result.description or "")

    details = {key: getattr(value, "value", value) for key, value in (result.metadata or {}).items()}
    with lake.connect() as con:
        record_verdict(con, check, asset, run_id, result.passed, result.severity.value, result.description or "",
                       failing_count, details, failing_unit=failing_unit)
    return result
