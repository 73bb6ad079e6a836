"""The daily monitoring refresh."""

import dagster as dg

from risk_assets.defs.monitoring.jobs import monitoring_job

daily_monitoring_schedule = dg.ScheduleDefinition(
    name="daily_monitoring",
    job=monitoring_job,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description=(
        "Every day at 06:00 UTC: recompute drift (PSI per feature and of the PD score), champion performance per "
        "labelled vintage and the news sentiment index, so the retrain sensor decides on fresh numbers even when "
        "no file landed."
    ),
)
