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
