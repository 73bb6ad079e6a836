"""The dbt models of the lake as Dagster assets; dbt tests become their asset checks."""

import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from dagster_dbt import DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from risk_assets.defs.resources import LAKE_POOL, LakeResource
from risk_assets.defs.transform.project import dbt_project
from risk_assets.defs.transform.translator import LakeDbtTranslator
from risk_assets.lib.home import RiskHome

translator = LakeDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_code_references=True))


def _dbt_step(model: str) -> dg.AssetsDefinition:
    """One dbt model (and its dbt tests) as a step of its own, named dbt_<model>.

    One step per model lets the blocking checks on a staging table run before the mart built from
    it, and keeps the loan and news lineages apart: a failing check on stg_loans stops
    loan_features and what follows it, while news goes on.
    """

    @dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=translator,
                pool=LAKE_POOL, name=f"dbt_{model}", select=model)
    def step(context: dg.AssetExecutionContext, dbt: DbtCliResource, lake: LakeResource):
        """`dbt build` of the model and its tests on the lake. dbt writes the DuckDB file, so the step
        runs in the lake pool; the profile reads the lake's home from RISK_HOME, set here from the
        lake resource so dbt and Dagster open the same file. dbt works in a target folder of the
        step's own under the lake home (`dbt_target`), which starts from the parse the lake's last
        dbt step left and is removed once the step succeeds. The model's materialization carries
        `dagster/row_count`, counted once dbt has exited (`with_row_counts`)."""
        os.environ["RISK_HOME"] = str(lake.home.root)
        target = dbt_target(lake.home, f"{context.op_execution_context.op.name}-{context.run.run_id}")
        with _interrupts_held() as held:
            try:
                invocation = dbt.cli(["build"], context=context, target_path=target)
            except BaseException:
                if held:  # the set-up failed after a Ctrl-C: the interrupt, not the failure, ends the step
                    held.pop()()
                raise
            if held:  # Ctrl-C came while dagster-dbt set up: dbt has started since, so stop it (signals still held)
                _stop_dbt(invocation.process)
        if held:  # then stop the step through the handler that was in place
            held.pop()()
        yield from with_row_counts(invocation.stream(), lake)
        keep_parse_and_remove(target, lake.home)

    return step


def with_row_counts(events: Iterable, lake: LakeResource) -> Iterator:
    """`events` (a dbt invocation's Dagster events), each model's Output or AssetMaterialization with
    `dagster/row_count`: the rows of the table dbt built (`count(*)` of its manifest relation),
    so that its asset page shows whether rows were lost between staging and marts.

    Counted from the step's own connection to the lake after the last event, when the dbt process
    has exited: DuckDB lets one process open the file for writing, and dbt holds it for the whole
    `dbt build` (its tests included), so dagster-dbt's `fetch_row_counts`, which opens the dbt
    adapter's connections in this process while dbt runs, would fight it for the lock. The events
    are therefore yielded together at the end of the step, in dbt's order; when dbt failed they are
    yielded (counted, where the table exists) before its error is raised again. A table that cannot
    be counted (not built) gets no row count."""
    buffered: list = []
    error: Exception | None = None
    try:
        for event in events:
            buffered.append(event)
    except Exception as exc:  # dbt's failure: its events first, then the failure
        error = exc
    relations = _model_relations()
    wanted = {id(e): relations[_text(e.metadata["unique_id"])] for e in buffered
              if isinstance(e, (dg.Output, dg.AssetMaterialization)) and "unique_id" in (e.metadata or {})
              and _text(e.metadata["unique_id"]) in relations}
    counts = row_counts(lake, sorted(set(wanted.values()))) if wanted else {}
    for event in buffered:
        relation = wanted.get(id(event))
        if relation is not None and counts.get(relation) is not None:
            event = event.with_metadata({**event.metadata, "dagster/row_count": counts[relation]})
        yield event
    if error is not None:
        raise error


def _text(value) -> str:
    """The string of a metadata value (a MetadataValue's `.value`, or the string itself)."""
    return getattr(value, "value", value)


def _model_relations() -> dict[str, str]:
    """dbt unique_id -> `"schema"."table"` (`"staging"."stg_loans"`) of every table model in the
    project's manifest, without the database, which names the lake file and not the step's
    connection; views are left out, as their count is a query of its own."""
    import json

    nodes = json.loads(Path(dbt_project.manifest_path).read_text())["nodes"]
    return {uid: f'"{node["schema"]}"."{node.get("alias") or node["name"]}"' for uid, node in nodes.items()
            if node.get("resource_type") == "model" and node.get("config", {}).get("materialized") != "view"}


def row_counts(lake: LakeResource, relations: list[str]) -> dict[str, int | None]:
    """Rows of each relation (`"schema"."table"`) in the lake, from one connection opened after
    dbt has exited; None for one that does not exist (a model dbt did not build)."""
    import duckdb

    counts: dict[str, int | None] = {}
    with lake.connect() as con:
        for relation in relations:
            try:
                counts[relation] = int(con.execute(f"SELECT count(*) FROM {relation}").fetchone()[0])
            except duckdb.CatalogException:
                counts[relation] = None
    return counts


PARSE_CACHE = "partial_parse.msgpack"
"""dbt's saved parse of the project (dbt's file name), kept in the lake home's dbt folder between steps."""


def dbt_target(home: RiskHome, name: str) -> Path:
    """A fresh target folder `<RISK_HOME>/dbt/<name>` for one dbt invocation, holding a copy of the
    parse the lake's last successful dbt step saved, so that dbt re-reads only what changed since
    (dbt's partial parsing: it compares the saved parse's file hashes, dbt version, profile and
    variables with the project's, and parses in full when any differs). Without a saved parse dbt
    parses in full, as on a new lake. A reused parse saves about 4 s of CPU of the 11 of a small
    `dbt build` on a 2-core machine.

    dagster-dbt's default target is a new folder under the installed project's dbt/target for every
    invocation, never removed: four folders of 1-2 MB per run of the lake, which pile up there.
    """
    target = home.dbt_runs / name
    shutil.rmtree(target, ignore_errors=True)  # a retried step's earlier attempt
    target.mkdir(parents=True)
    saved = home.dbt_runs / PARSE_CACHE
    if saved.exists():
        shutil.copyfile(saved, target / PARSE_CACHE)
    return target


def keep_parse_and_remove(target: Path, home: RiskHome) -> None:
    """After a successful dbt invocation in `target`: its parse becomes the lake's saved one (replaced
    atomically, so a step starting meanwhile copies a whole file) and the folder is removed. A failed
    step's folder is left in place (its dbt.log, compiled SQL and run_results.json)."""
    parse = target / PARSE_CACHE
    if parse.exists():
        os.replace(parse, home.dbt_runs / PARSE_CACHE)
    shutil.rmtree(target, ignore_errors=True)


DBT_STOP_SECONDS = 30
"""Seconds an interrupted step waits for dbt to finish its own SIGINT handling (rolling back) before
killing it."""


@contextmanager
def _interrupts_held() -> Iterator[list]:
    """Hold SIGINT and SIGTERM while dagster-dbt prepares a dbt invocation, and hand them back after.

    `DbtCliResource.cli` builds a dbt adapter handle inside a bare `except:` that only logs a
    warning, so a Ctrl-C landing there (several seconds of dbt's imports and profile loading) was
    swallowed: the run went on with no step interrupted, while the terminal's Ctrl-C had already
    stopped the processes that echo each step's output, so the run seemed stopped and was not. Yields
    a list that, when a signal came, holds one callable: the handler that was in place (Dagster's,
    which raises its interrupt error) called with that signal, or, where that was the default
    action, the signal raised again (call it after the block, once the handlers are back). Off the
    main thread, where handlers cannot be set, holds nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield []
        return
    held: list = []
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}

    def hold(signum, frame) -> None:
        if not held:
            handler = previous[signum]
            held.append(lambda: handler(signum, frame) if callable(handler) else signal.raise_signal(signum))

    for signum, handler in previous.items():
        if handler is not signal.SIG_IGN:  # a signal ignored stays ignored
            signal.signal(signum, hold)
    try:
        yield held
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _stop_dbt(process: subprocess.Popen) -> None:
    """SIGINT to a dbt process, reading its output until it exits; killed after DBT_STOP_SECONDS."""
    process.send_signal(signal.SIGINT)
    try:
        process.communicate(timeout=DBT_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()


DBT_ASSETS = [_dbt_step(model) for model in ("stg_loans", "loan_features", "stg_news", "news_features")]
"""The dbt project as four steps, one per model: staging then marts, loans and news apart."""
