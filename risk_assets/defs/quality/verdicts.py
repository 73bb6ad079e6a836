"""Model and scoring checks (the champion gates, score coverage) keep their verdicts in the lake
beside the data checks': one row of quality.check_results per evaluation, so the portfolio
overview's open quality issues and any SQL over the lake see a failed gate or an unscored book,
not only the Checks tab."""

import dagster as dg

from risk_assets.defs.resources import LakeResource


def recorded(lake: LakeResource, run_id: str, check: str, asset: str, result: dg.AssetCheckResult,
             failing_count: int, failing_unit: str | None = None) -> dg.AssetCheckResult:
    """Write `result` to quality.check_results (severity ERROR or WARN, its description as the
    observed value, its metadata as details) and return it unchanged. `failing_count`: what failed,
    in the check's own unit (models without a champion, unscored loans or articles), named by
    `failing_unit` (plural: "models", "loans"), which the overview's failed checks show beside it."""
    from risk_assets.lib.quality.outcome import record_verdict

    details = {key: getattr(value, "value", value) for key, value in (result.metadata or {}).items()}
    with lake.connect() as con:
        record_verdict(con, check, asset, run_id, result.passed, result.severity.value, result.description or "",
                       failing_count, details, failing_unit=failing_unit)
    return result
