"""A retrain run a sensor requested, ended as the daemon would record it: shared by the retrain
sensors' tests."""

from __future__ import annotations

from datetime import datetime, timezone

import dagster as dg


def ended(instance: dg.DagsterInstance, request: dg.RunRequest, status: dg.DagsterRunStatus, job_name: str,
          sensor_name: str) -> tuple[str, str]:
    """The run `request` started, as the daemon launches it (its run key, config and tags), ended now
    with `status` (FAILURE as dead_runs_sensor marks a killed run, CANCELED as the UI's Terminate,
    SUCCESS as the run's own end);
    its id and its end as the sensors write it ('YYYY-MM-DD HH:MM UTC')."""
    run = instance.add_run(dg.DagsterRun(
        job_name=job_name, status=dg.DagsterRunStatus.STARTED, run_config=request.run_config,
        tags={**request.tags, "dagster/run_key": request.run_key, "dagster/sensor_name": sensor_name}))
    if status == dg.DagsterRunStatus.CANCELED:
        instance.report_run_canceled(run)
    elif status == dg.DagsterRunStatus.SUCCESS:
        instance.report_dagster_event(dg.DagsterEvent(dg.DagsterEventType.RUN_SUCCESS.value, job_name=job_name),
                                      run_id=run.run_id)
    else:
        instance.report_run_failed(run)
    end = datetime.fromtimestamp(instance.get_run_record_by_id(run.run_id).end_time, timezone.utc)
    return run.run_id, f"{end:%Y-%m-%d %H:%M} UTC"
