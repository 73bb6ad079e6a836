"""The dbt models of the lake as Dagster assets; dbt tests become their asset checks."""

import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from dagster_dbt import DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from risk_assets.defs.resources import LAKE_POOL, LakeResource
from risk_assets.defs.transform.project import dbt_project
from risk_assets.defs.transform.translator import LakeDbtTranslator

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
        lake resource so dbt and Dagster open the same file. Each invocation writes to a target folder
        of its own (dagster-dbt), where no partial-parse cache can be, so dbt is told not to look for
        one (it would print 'Unable to do partial parsing' at every step); the parse is a full one either way."""
        os.environ["RISK_HOME"] = str(lake.home.root)
        with _interrupts_held() as held:
            try:
                invocation = dbt.cli(["build", "--no-partial-parse"], context=context)
            except BaseException:
                if held:  # the set-up failed after a Ctrl-C: the interrupt, not the failure, ends the step
                    held.pop()()
                raise
            if held:  # Ctrl-C came while dagster-dbt set up: dbt has started since, so stop it (signals still held)
                _stop_dbt(invocation.process)
        if held:  # then stop the step through the handler that was in place
            held.pop()()
        yield from invocation.stream()

    return step


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
