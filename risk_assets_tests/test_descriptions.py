"""Descriptions the Dagster UI shows are Markdown rendered as HTML: a `<placeholder>` outside a code
span is read as a tag and vanishes ('loan_pd_<portfolio>' shows as 'loan_pd_'), so every one is in
backticks."""

import re

import dagster as dg

from risk_assets.definitions import defs

_CODE_SPAN = re.compile(r"(`+).+?\1", re.DOTALL)
_TAG_LIKE = re.compile(r"</?[A-Za-z][^<>]*>")


def _bare_placeholders(text: str | None) -> list[str]:
    """`<word ...>` spans outside backtick code spans."""
    return _TAG_LIKE.findall(_CODE_SPAN.sub("", text or ""))


def _shown_descriptions():
    """(where, text) of every description the UI shows: assets and their column schemas (their own
    metadata and their dbt columns), asset checks, jobs, sensors and schedules."""
    repo = defs.get_repository_def()
    graph = repo.asset_graph
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        name = key.to_user_string()
        yield name, node.description
        for meta_key, value in (node.metadata or {}).items():
            if isinstance(value, dg.TableSchemaMetadataValue):
                value = value.schema
            if isinstance(value, dg.TableSchema):
                for column in value.columns:
                    yield f"{name} {meta_key} {column.name}", column.description
        for check_key in node.check_keys:
            yield f"check {check_key.to_user_string()}", graph.get_check_spec(check_key).description
    for job in repo.get_all_jobs():
        yield f"job {job.name}", job.description
    for sensor in repo.sensor_defs:
        yield f"sensor {sensor.name}", sensor.description
    for schedule in repo.schedule_defs:
        yield f"schedule {schedule.name}", schedule.description


def test_the_walk_sees_column_descriptions():
    where = {w for w, _ in _shown_descriptions()}
    assert any(w.startswith("model_registry ") for w in where)
    assert any(w.startswith("stg_loans ") for w in where)


def test_no_placeholder_in_angle_brackets_outside_backticks():
    assert _bare_placeholders("`loan_pd_<portfolio>` and ``a <b> c``") == []
    assert _bare_placeholders("loan_pd_<portfolio>") == ["<portfolio>"]
    bare = {where: found for where, text in _shown_descriptions() if (found := _bare_placeholders(text))}
    assert bare == {}


WARN_STOPS_NOTHING = ("does NOT stop", "blocks nothing", "blocking nothing", "the run goes on")
"""Ways a description says that a WARN verdict of a blocking check stops nothing."""


def _blocking_checks_that_warn() -> dict[str, str]:
    """Check -> description, for every blocking check whose description says it can end WARN."""
    graph = defs.get_repository_def().asset_graph
    found = {}
    for key in graph.get_all_asset_keys():
        for check_key in graph.get(key).check_keys:
            spec = graph.get_check_spec(check_key)
            text = spec.description or ""
            if spec.blocking and re.search(r"\bWARN\b|\bwarns\b", text):
                found[check_key.to_user_string()] = text
    return found


def test_a_blocking_check_that_can_warn_says_its_warning_stops_nothing():
    """The UI says 'This is a blocking asset check' beside a check whose WARN failure blocks nothing
    (raw_loans_values, loan_features_no_leakage): its description must say so, or an analyst reads
    a yellow verdict as a stopped pipeline."""
    checks = _blocking_checks_that_warn()
    assert {"raw_loans:raw_loans_values", "raw_loans:raw_loans_unique_per_snapshot",
            "loan_features:loan_features_no_leakage", "loan_pd_model:loan_pd_gate",
            "news_sentiment_model:news_sentiment_macro_f1_gate"} <= set(checks)
    silent = sorted(name for name, text in checks.items() if not any(p in text for p in WARN_STOPS_NOTHING))
    assert silent == []


def test_a_blocking_check_whose_failures_are_warn_says_blocking_means_waiting_and_stops_at_error_only():
    """Dagster 1.13's blocking=True: the downstream assets wait for the check and do not run after a
    failure of severity ERROR. raw_loans_values' rule failures are WARN: its description says both,
    not that it is shown as blocking for another reason."""
    checks = _blocking_checks_that_warn()
    assert checks["raw_loans:raw_loans_values"].endswith(
        "Blocking, as Dagster means it: the downstream assets wait for the check, so that they read a complete "
        "quarantine, and only a failure of severity ERROR would stop them. Its rule failures are severity WARN "
        "(yellow), which blocks nothing: the failing rows are quarantined with their rule (quality.quarantine) and "
        "left out of staging, and the rest goes on.")
    assert [name for name, text in checks.items() if "blocking only because" in text] == []
