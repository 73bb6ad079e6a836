"""`risk-assets`: set up a lake home, seed its landing folders and run the lake.

    risk-assets init       create RISK_HOME and a Dagster instance config (telemetry off, lake pool = 1)
    risk-assets seed       copy the sample data (RISK_SAMPLE_DIR, default ../shared/data) into landing/
    risk-assets run        init + seed + `dagster asset materialize --select '*'` (the main job)
    risk-assets replay     split a tape into vintage files and drop them into landing one at a time
    risk-assets export     write the metric and score tables to CSV or Parquet files
    risk-assets registry   list model versions; retire a champion or restore a former one (rollback)
    risk-assets withdraw   take a landed file's rows back out of the lake (a wrong delivery)
    risk-assets loan       trace one loan (key, tape id or file:line): landing, quarantine, features, score
    risk-assets quarantine what was set aside, by file and rule; one file's values by line
    risk-assets verify     check the lake (files reconcile, sample counts, champions, scores); exit 1 on a FAIL
    risk-assets screenshots  rebuild a small lake in a temporary home and regenerate docs/screenshots/*.png

Every command prints what it did; a failure exits non-zero with a one-line reason.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from risk_assets.lib.home import RiskHome, sample_dir
from risk_assets.lib.lake import connect, table_exists
from risk_assets.lib.ml.sentiment import SentimentTrainConfig, afresh_remedy

INSTANCE_YAML = """\
telemetry:
  enabled: false
concurrency:
  pools:
    default_limit: 1
  runs:
    max_concurrent_runs: 4
"""


def init_home(home: RiskHome, stores: bool = True) -> Path:
    """Create the home's folders and, if missing, its Dagster instance config and (`stores`) its
    stores; returns DAGSTER_HOME.

    With `stores`, the instance is opened once here, so its SQLite stores (runs, event index,
    schedules) exist before `risk-assets run`, its run worker and `dagster dev`'s processes open them
    side by side. Two processes creating the same store at once each stamp its schema version, and
    every later open of that instance then fails with alembic's "Version table 'alembic_version'
    has more than one head present".

    Raises:
        OSError: a folder or the config cannot be written.
        Exception: with `stores`, whatever Dagster raises when its instance cannot be opened (a
            malformed dagster.yaml, a store that needs `dagster instance migrate`).
    """
    home.ensure()
    dagster_home = home.dagster_home
    dagster_home.mkdir(parents=True, exist_ok=True)
    config = dagster_home / "dagster.yaml"
    if not config.exists():
        config.write_text(INSTANCE_YAML)
    if stores:
        import dagster as dg  # deferred: `risk-assets --help` stays quick

        with dg.DagsterInstance.from_config(str(dagster_home)):
            pass
    return dagster_home


def seed_landing(home: RiskHome, source: Path | None) -> list[Path]:
    """Copy `source/loans/*` and `source/news/*` into the landing folders; returns the copied files.

    Files already in landing with the same name and size are left alone.

    Raises:
        FileNotFoundError: no sample folder was given or found.
    """
    if source is None:
        raise FileNotFoundError(
            "no sample data: set RISK_SAMPLE_DIR to a folder with loans/ and news/ subfolders"
        )
    copied = []
    for domain, target in (("loans", home.landing_loans), ("news", home.landing_news)):
        folder = source / domain
        if not folder.is_dir():
            continue
        for file in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
            if file.suffix.lower() == ".md":
                continue
            dest = target / file.name
            if dest.exists() and dest.stat().st_size == file.stat().st_size:
                continue
            shutil.copyfile(file, dest)
            copied.append(dest)
    return copied


MAIN_JOB_STEPS = 40
"""Steps of the main job (`--select '*'`): one per asset and per asset check run on its own (dbt's
models and the checks on them included); a test pins it to the job's execution plan."""

RUN_DURATION_HINT = (
    "the whole lake takes 5.5 to 11 minutes on an idle 2-core CPU and 17 to 25 on a slower idle one; other "
    "heavy work on the machine (a test suite, another run) stretches every step: 28 minutes on the slower "
    "machine beside a CI run. The longest step is the news sentiment fine-tuning (at most "
    f"{SentimentTrainConfig().max_train_seconds:.0f} s, its time budget, unless the machine is so busy that "
    "its first epoch does not fit in it: it never stops before that epoch's end (min_train_epochs 1), about "
    "18 minutes on a slow machine with a test suite beside it), whose log gives its plan, then up to four "
    "lines an epoch; each of the run's "
    f"{MAIN_JOB_STEPS} steps logs STEP_START below, then STEP_SUCCESS, or STEP_FAILURE with what went wrong"
)
"""Printed before the main job: how long to wait, and where the log says how far it is (README, Set up)."""

STEP_COUNT_HINT = "steps done so far, in this output saved as run.log: grep -c ' - STEP_[S]UCCESS - ' run.log"
SAVE_OUTPUT_HINT = "to save it, start the run as: {run} 2>&1 | tee -i run.log"
"""Printed after RUN_DURATION_HINT, `{run}` the command as it was given, each command on a line of
its own, unwrapped so it can be copied whole; SAVE_OUTPUT_HINT only while the run's output goes to a
terminal (`output_is_saved`), as advice to save it would mislead a run whose output is being saved. The bracket in the pattern matches the S it encloses,
so the command counts Dagster's event lines and not this line, which a plain ' - STEP_SUCCESS - '
pattern would count too. Dagster's log goes to stderr, hence `2>&1`; `tee -i` ignores the Ctrl-C
that stops the run, so the log keeps the run's last lines and its summary."""


def output_is_saved() -> bool:
    """Whether the run's output is going somewhere other than a terminal (a file, `tee`, a pipe): true
    when neither stdout, where the CLI prints, nor stderr, where Dagster logs, is a terminal. A run
    started as `risk-assets run 2>&1 | tee -i run.log` has both on the pipe; `risk-assets run > out.txt`
    still shows Dagster's log on the terminal, unsaved, so it counts as not saved."""
    return not (sys.stdout.isatty() or sys.stderr.isatty())


STOP_WAIT_SECONDS = 30.0
"""How long Dagster may take to stop after the first interrupt before it is killed, as a second Ctrl-C
would kill it (environment RISK_STOP_WAIT_SECONDS). A step heeds an interrupt at its next checkpoint,
within seconds; a run waiting for the lake pool's slot (`Step blocked by limit for pool lake`) never
does, as Dagster's wait loop has no checkpoint, and ran on at a whole core."""


def _stop_wait_seconds() -> float:
    """STOP_WAIT_SECONDS, or RISK_STOP_WAIT_SECONDS when set to a number of seconds."""
    try:
        return float(os.environ.get("RISK_STOP_WAIT_SECONDS", STOP_WAIT_SECONDS))
    except ValueError:
        return STOP_WAIT_SECONDS


DAGSTER_NOTES = ("ignore:Function `asset_materialize_command` is superseded:FutureWarning",
                 "ignore:Parameter `include_sources` of function `AssetSelection.:Warning")
"""PYTHONWARNINGS filters (message prefixes: a child process cannot name Dagster's own warning
categories there) for the notes Dagster's CLI prints on every `dagster asset materialize`: the
command superseded by `dg launch`, and the beta parameter its parser of a `--select` string passes."""


def _quiet_dagster_env() -> dict[str, str]:
    """The environment of the `dagster asset materialize` child and its step processes: this one's,
    with DAGSTER_NOTES added to any PYTHONWARNINGS already set (`quiet_library_warnings`, for a child)."""
    given = os.environ.get("PYTHONWARNINGS", "")
    return {**os.environ, "PYTHONWARNINGS": ",".join(filter(None, (given, *DAGSTER_NOTES)))}


def _materialize(select: str, lake_path: Path | None = None, config_json: str | None = None) -> int:
    command = ["dagster", "asset", "materialize", "-m", "risk_assets.definitions", "--select", select]
    if config_json:
        command += ["--config-json", config_json]
    bin_dir = Path(sys.executable).parent
    if (bin_dir / "dagster").exists():
        command[0] = str(bin_dir / "dagster")
    _release_dead_runs()
    print("$", shlex.join(command), flush=True)
    started = time.time()
    # Dagster runs in a process group of its own, so that no signal reaches it but through this
    # process, whoever sends it: a terminal's Ctrl-C (to the foreground group, this process only now)
    # and `kill -INT <pid>` alike. Each SIGINT goes on once to Dagster's whole group (its step
    # processes too, as Ctrl-C reached them before): the run stops its step, records the run as failed
    # and exits; this process waits for it and then says where it stopped. A second SIGINT kills the
    # group outright, no step process left holding the lake (the next run marks its run failed: dead
    # runs). Being a background group of the terminal, Dagster must neither read it (stdin is empty)
    # nor be stopped for writing to it (SIGTTOU ignored: `stty tostop` would halt the run).
    child: subprocess.Popen | None = None
    presses: list[int] = []
    pending: list[int] = []  # signals that came while Dagster was starting: passed on once it has
    interrupted: list[float] = []  # when the first signal was passed on
    stop_wait = _stop_wait_seconds()
    killed = False

    def forward(signum: int) -> None:
        """SIGINT to Dagster's group, a second one followed by SIGKILL; SIGTERM (`kill <pid>`, a service
        manager's stop) and SIGHUP (the terminal closed: Dagster's group no longer gets it from the
        kernel) as a SIGINT to the group too, a Ctrl-C's interrupt. (A SIGTERM to Dagster's own process
        alone reached its step processes too late: a short run of one tape finished with SUCCESS.)"""
        first = not interrupted
        if first:
            interrupted.append(time.monotonic())
        if signum == signal.SIGINT:
            presses.append(signum)
            _signal_group(child, signal.SIGINT)
            if len(presses) > 1:
                _signal_group(child, signal.SIGKILL)
        else:
            _signal_group(child, signal.SIGINT)
        if first:  # said after the signal is passed on: a closed terminal must not stop it going
            _say(f"note: interrupt passed on to Dagster: the run stops at its step's next checkpoint; a second "
                 f"Ctrl-C stops it at once, and so does this program if it has not stopped in {stop_wait:.0f} s")

    def on_signal(signum, frame) -> None:
        if child is None:
            pending.append(signum)
        else:
            forward(signum)

    handlers = {signum: signal.signal(signum, on_signal) for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        with _ignoring(signal.SIGTTOU):
            child = subprocess.Popen(command, stdin=subprocess.DEVNULL, process_group=0, env=_quiet_dagster_env())
        for signum in pending:
            forward(signum)
        said: set[str] = set()  # the runs this run was said to wait on
        next_check = time.monotonic() + LAKE_WAIT_CHECK_SECONDS
        while True:
            try:
                code = child.wait(timeout=1.0)
                break
            except subprocess.TimeoutExpired:
                if not interrupted and time.monotonic() >= next_check:
                    next_check = time.monotonic() + LAKE_WAIT_CHECK_SECONDS
                    _check_lake_wait(started, said)
                if interrupted and not killed and len(presses) < 2 and time.monotonic() - interrupted[0] >= stop_wait:
                    _signal_group(child, signal.SIGKILL)
                    killed = True
                    _say(f"note: Dagster did not stop within {stop_wait:.0f} s of the interrupt (a step waiting for "
                         "the lake pool's slot does not hear one): killing it and its step processes")
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
    if code != 0:  # killed here or from outside, its run unended: mark it failed and free the lake now
        _release_dead_runs(own=(started, child.pid) if _group_gone(child) else None)
    try:
        import dagster as dg

        with dg.DagsterInstance.get() as instance:
            for line in run_summary(instance, started, lake_path):
                print(line, flush=True)
            _tag_run_outcome(instance, started, lake_path)
    except Exception as exc:  # the summary is a convenience: never hide the run's own exit code behind it
        print(f"(no run summary: {type(exc).__name__}: {exc})", file=sys.stderr)
    return code


def _say(line: str) -> None:
    """Print `line` where a failed print must not stop the caller: a signal handler's note when the
    terminal has closed (SIGHUP: writing to the hung-up tty raises OSError EIO) or the main loop was
    printing when the signal came (a reentrant print raises RuntimeError)."""
    with contextlib.suppress(OSError, RuntimeError):
        print(line, flush=True)


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    """`signum` to the process group `child` leads, unless `child` has been reaped (its group id free)."""
    if child.returncode is None:
        try:
            os.killpg(child.pid, signum)
        except ProcessLookupError:  # the group has exited meanwhile
            pass


@contextlib.contextmanager
def _ignoring(signum: int) -> Iterator[None]:
    """`signum` ignored while the block runs: a child started in it keeps ignoring it across exec."""
    previous = signal.signal(signum, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signum, previous)


def counted(count: int, unit: str) -> str:
    """`count` with thousands separators and `unit` (a plural noun), singular for 1: '1 row',
    '3,000 rows', '1 quarantine entry'."""
    if count != 1:
        return f"{count:,} {unit}"
    return f"1 {unit[:-3] + 'y' if unit.endswith('ies') else unit.removesuffix('s')}"


def own_command() -> str:
    """How to call this program in a printed hint: `risk-assets` when that name on PATH is this
    environment's script, else the script's path, relative to the working folder when under it
    (`.venv/bin/risk-assets`, as the README's commands spell it), so the hint runs as printed."""
    script = Path(sys.executable).parent / "risk-assets"
    if not script.exists():
        return "risk-assets"
    on_path = shutil.which("risk-assets")
    if on_path and Path(on_path).resolve() == script.resolve():
        return "risk-assets"
    try:
        return str(script.relative_to(Path.cwd()))
    except ValueError:
        return str(script)


def run_summary(instance, since: float, lake_path: Path | None = None) -> list[str]:
    """Closing lines of `risk-assets run`: the run started after `since` (epoch seconds), its status
    and duration, each check of it that did not pass (severity, check, asset, its whole description
    wrapped to lines of about 110 characters under it, up to SUMMARY_CHARS), each file this run
    refused or failed to land (from the lake at `lake_path`: a refusal is no failed check, yet the
    file's rows are not in the lake), each file it landed with records quarantined (how many of the
    file's, by rule: a file mostly quarantined at landing fails no check either), each file it found to
    be a byte-for-byte copy of a landed one (a re-download, a renamed copy), each file it left for
    changing while it was read (a copy still in progress: CHANGING), each file it landed
    whose last line has no line end (`landing.unterminated_files`: a copy cut short ends so, its
    last value cut yet parsed; named with the line to look up), and what to run
    next (spelled as own_command() gives this program). A run that did not succeed also gets its steps
    (succeeded, failed, not run of those planned), a FAILED line per failed step with its error's
    first line, or with INTERRUPTED after Ctrl-C, and, as what to run next, the same command again.
    [] when no run started (a bad selection, say)."""
    import dagster as dg

    record = _run_since(instance, since)
    if record is None:
        return []
    run = record.dagster_run
    took = (f" in {int(record.end_time - record.start_time) // 60}m{int(record.end_time - record.start_time) % 60:02d}s"
            if record.start_time and record.end_time else "")
    from risk_assets.lib.ingest.landing import record_lookup
    from risk_assets.lib.report.run_outcome import checks_not_passed

    flagged, said = [], []
    for evaluation in checks_not_passed(instance, run.run_id):
        said.append(" ".join((evaluation.description or "").split()))
        flagged.append(_wrapped(f"{evaluation.severity.value:<5} {evaluation.check_name} on "
                                f"{evaluation.asset_key.to_user_string()}: ", _without_how_to_train(said[-1])))
    outcomes = _lake_outcomes(lake_path, run.run_id)
    files, quarantined, cut_short, copies, unterminated, gone, unread, *_ = outcomes
    changing = outcomes.changing
    replaced = outcomes.replaced
    succeeded = run.status == dg.DagsterRunStatus.SUCCESS
    steps = None if succeeded else _step_outcomes(instance, run)
    lines = [f"== run {run.run_id[:8]}: {run.status.value}{took}; "
             + (f"{steps.done} of {steps.planned} steps succeeded, {len(steps.failed)} failed, "
                + (f"{steps.cut_off} cut off mid-step, " if steps.cut_off else "")
                + f"{steps.planned - steps.done - len(steps.failed) - steps.cut_off} not run; " if steps else "")
             + ("the Dagster process ended without recording the run's end (killed?): the next run marks it "
                "failed and frees the lake; " if not run.is_finished else "")
             + (f"{len(flagged)} check(s) did not pass (ERROR stops what depends on it, WARN does not)"
                if flagged else "every check passed" if succeeded else "every check that ran passed")
             + (f"; {len(files)} file(s) not landed (they stay in landing and are tried again on each run)"
                if files else "")
             + (f"; {len(quarantined)} file(s) landed with records quarantined" if quarantined else "")
             + (f"; {len(copies)} file(s) not landed again, being byte-for-byte copies of landed ones" if copies else "")
             + (f"; {len(changing)} file(s) not landed, changing while they were read" if changing else "")
             + (f"; {len(unterminated)} file(s) end without a line end (cut short?)" if unterminated else "")
             + (f"; {len(gone)} landed file(s) gone from landing or renamed (their rows stay)" if gone else "")
             + (f"; {len(replaced)} file(s) saved over a landed version, which they supersede" if replaced else "")
             + (f"; {len(dict.fromkeys(path for path, _ in unread))} file(s) landed with a field left unread"
                if unread else "")
             + (":" if flagged or files or quarantined or copies or changing or unterminated or gone or unread or replaced
                else "")]
    lines += flagged
    for step, message in steps.failed if steps else ():
        lines.append(_wrapped(f"FAILED  {step}: ", message))
    for status, path, message in files:
        lines.append(_wrapped(f"{status.upper():<7} {Path(path).name}: ", message))
    command = own_command()
    for path, records, count, rules, checked, values, checks in quarantined:
        # the file's whole quarantine, as `quarantine FILE` lists it: landing's and the value checks'
        whole = (f"{count:,} of its {counted(records, 'records')} ({rules})" if not checks else
                 f"{count + checked:,} of its {counted(records, 'records')}, {counted(values, 'values')}: "
                 + (f"{count:,} at landing ({rules}), " if count else "")
                 + f"{checked:,} {'more ' if count else ''}set aside by {'the check' if ';' not in checks else 'checks'} "
                 f"{checks}")
        lines.append(_wrapped(f"QUARANTINED {Path(path).name}: ", f"{whole}; by line, column and rule:"))
        lines.append(f"         {command} quarantine {shlex.quote(Path(path).name)}")
    for path, line, note, domain in unterminated:
        lines.append(_wrapped(f"CUT?    {Path(path).name}: ", note))
        if line is not None:
            lines.append(f"         {record_lookup(domain, Path(path).name, line, command)}")
    for path, said in unread:
        lines.append(_wrapped(f"WARN    {Path(path).name}: ", said))
    for path, first in copies:
        named = Path(first).name if Path(first).name != Path(path).name else first
        lines.append(_wrapped(f"COPY    {Path(path).name}: ", (
            f"the same bytes as {named}, so its records are in the lake once, as that file's; it stays in landing "
            "and no run lands it")))
    for path, _ in changing:
        lines.append(_wrapped(f"CHANGING {Path(path).name}: ", (
            "its size or modification time changed while it was read (a copy still in progress?); nothing of it "
            "landed; it lands on a later run once it stops changing")))
    for outcome, path, message in gone:
        said = message.removeprefix(f"{path}: ")
        if outcome == "source_missing":
            said += f": {command} withdraw {shlex.quote(Path(path).name)} --reason ..."
        lines.append(_wrapped(f"{'GONE' if outcome == 'source_missing' else 'RENAMED':<7} {Path(path).name}: ", said))
    for path, said in replaced:
        lines.append(_wrapped(f"REPLACED {Path(path).name}: ", said))
    if steps:
        first = ("run the same command again to finish" if steps.interrupted or not steps.failed else
                 "mend what the FAILED and ERROR lines name, then run the same command again")
        lines.append(_wrapped("next: ", f"{first}: landing skips each file already landed (raw.landed_files holds "
                              "its sha256), so nothing lands twice, and a step cut short kept only what it had "
                              "committed; the run's page in the UI has each step's log (README, Open the UI)"
                              + ("; the stack traces Dagster printed above record the interrupt itself, not a fault "
                                 "in the lake" if steps.interrupted else "")))
    else:
        lines.append(f"   next: {command} verify (with --own-data on a lake of your own files); the UI shows each check's "
                     "rows (README, Open the UI)")
    for model, version, steps, planned, macro_f1, status in cut_short:
        lines.append(_wrapped("note: ", (
            f"{model} {version} ({status}) trained {steps} of its {planned} steps: the time budget "
            f"(max_train_seconds) ended it first, as on a machine slower than the budget assumes or busy with other work"
            + (f"; holdout macro-F1 {macro_f1:.4f}" if macro_f1 is not None else "")
            + (". It stays champion until a model better beyond chance, or its profile run in full on the same data, "
               "replaces it (README, News sentiment model); "
               f"{afresh_remedy(model, command)}"
               if status == "champion" else ""))))
    from risk_assets.lib.ml.pd_lake import NEVER_TRAINED, train_by_hand

    untrained = sorted(set(re.findall(rf"no loan_pd_([\w-]+) champion: {NEVER_TRAINED}", " ".join(said))))
    if untrained:  # a new book: landing never trains, so say how to train it now
        lines.append(f"   next: to score {', '.join(untrained)} now, train it (retrain_sensor does so under dagster dev): "
                     f"{train_by_hand(untrained, command)}")
    return lines


def _run_since(instance, since: float):
    """The record (dagster RunRecord) of the latest run created after `since` (epoch seconds), or None."""
    records = [r for r in instance.get_run_records(limit=5) if r.create_timestamp.timestamp() >= since - 1]
    return records[0] if records else None


def _tag_run_outcome(instance, since: float, lake_path: Path | None) -> None:
    """Put on the run started after `since`, once it has finished, the tags that carry what its summary
    says to the UI's runs list and run page (run_outcome.tag_run_outcome: checks that did not pass,
    notes); run_outcome_sensor does the same for the runs the UI or the sensors start."""
    from risk_assets.lib.report.run_outcome import tag_run_outcome

    record = _run_since(instance, since)
    if record is not None and record.dagster_run.is_finished:
        tag_run_outcome(instance, record.dagster_run.run_id, lake_path, SUMMARY_LAKE_WAIT_SECONDS)


def _without_how_to_train(description: str) -> str:
    """A check's description without the command that trains its never-trained books
    (`pd_lake.how_to_train`, which `loan_scores_coverage` ends with for the UI): the summary's last
    `next:` line gives that command, spelled as this program is run."""
    from risk_assets.lib.ml.pd_lake import NEVER_TRAINED, how_to_train

    untrained = re.findall(rf"no loan_pd_([\w-]+) champion: {NEVER_TRAINED}", description)
    return description.replace(f"; next: {how_to_train(untrained)}", "") if untrained else description


@dataclass(frozen=True)
class StepOutcomes:
    """How far a run that did not succeed got: steps planned and succeeded, and (step, what stopped
    it) per failed step, in the order they failed."""

    planned: int
    done: int
    failed: list[tuple[str, str]]
    cut_off: int = 0
    """Steps started that recorded neither success nor failure (their process died)."""

    @property
    def interrupted(self) -> bool:
        """Whether a step failed by an interrupt (Ctrl-C or a signal)."""
        return any(message in (INTERRUPTED, INTERRUPTED_BEFORE_START) for _, message in self.failed)


INTERRUPTED = ("interrupted (Ctrl-C, or a signal to the run's process): the step stopped where it was, "
               "keeping only what it had committed")
INTERRUPTED_BEFORE_START = ("interrupted before it started (Ctrl-C, or a signal to the run's process, between "
                            "steps): nothing of it ran")
"""A step Dagster marks failed by the interrupt without a STEP_START of its own: the signal came
while it waited its turn, so the log has no line of it running."""


INTERRUPT_ERRORS = {"DagsterExecutionInterruptedError", "KeyboardInterrupt"}


def _error_chain(error) -> set[str]:
    """Class names of a recorded error and of every error it was raised from or while handling."""
    names, todo = set(), [error]
    while todo:
        item = todo.pop()
        if item is not None and len(names) < 50:
            names.add(item.cls_name)
            todo += [item.cause, getattr(item, "context", None)]
    return names


BLOCKED = "a blocking check failed (its ERROR line above): what depends on the asset did not run"


def _step_outcomes(instance, run) -> StepOutcomes:
    """Steps of `run` from its execution plan and its event log. A failed step's message is its
    error's own (the exception raised in the asset, not Dagster's wrapper around it), first line
    kept whole and the rest dropped; an interrupted step's is INTERRUPTED (INTERRUPTED_BEFORE_START
    when it had not started), and a step stopped by a
    blocking check's ERROR, BLOCKED."""
    import dagster as dg

    plan = instance.get_execution_plan_snapshot(run.execution_plan_snapshot_id) if run.execution_plan_snapshot_id else None
    planned = len(run.step_keys_to_execute or (plan.step_keys_to_execute if plan else []))
    step_events = instance.all_logs(run.run_id, of_type={dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS,
                                                         dg.DagsterEventType.STEP_FAILURE})  # one read of the log
    of_kind = {kind: [e for e in step_events if e.dagster_event.event_type == kind] for kind in
               (dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE)}
    done = {entry.step_key for entry in of_kind[dg.DagsterEventType.STEP_SUCCESS]}
    failed = []
    started = {entry.step_key for entry in of_kind[dg.DagsterEventType.STEP_START]}
    for entry in of_kind[dg.DagsterEventType.STEP_FAILURE]:
        error = entry.dagster_event.event_specific_data.error
        chain = _error_chain(error)
        while error is not None and error.cause is not None and error.cls_name.startswith("Dagster"):
            error = error.cause  # Dagster's DagsterExecutionStepExecutionError wraps the asset's own
        if chain & INTERRUPT_ERRORS:  # also DuckDB's 'Query interrupted', raised while handling one
            message = INTERRUPTED if entry.step_key in started else INTERRUPTED_BEFORE_START
        elif error is not None and error.cls_name == "DagsterAssetCheckFailedError":
            message = BLOCKED
        else:
            message = (error.message.strip().splitlines() or [error.cls_name])[0] if error else "no error recorded"
        failed.append((entry.step_key, message))
    cut_off = len(started - done - {step for step, _ in failed})
    return StepOutcomes(planned=max(planned, len(done) + len(failed) + cut_off), done=len(done), failed=failed,
                        cut_off=cut_off)


SUMMARY_CHARS = 2000
"""Longest text one summary line keeps (a gate's verdicts on several books run to a few hundred
characters each); a longer one is cut with "…", and the whole text is the check's in the UI."""


def _wrapped(head: str, text: str, width: int = 110) -> str:
    """One summary entry: `head` (kept as written) then `text` (its line breaks and tabs made single
    spaces), on lines of about `width` characters, the first indented 3 spaces and the rest 9, cut
    with "…" past SUMMARY_CHARS. A run of spaces is kept, as no-break spaces that no line break
    splits: a file's line quoted in a message (`'LOAN_ID     ISSUE_DATE  AMOUNT'`) shows its columns
    aligned as the file writes them."""
    text = head + re.sub(r" {2,}", lambda run: "\u00a0" * len(run[0]), re.sub(r"\s*[^\S ]\s*", " ", text).strip())
    if len(text) > SUMMARY_CHARS:
        text = text[:SUMMARY_CHARS - 1] + "…"
    return "\n".join(textwrap.wrap(text, width=width, initial_indent="   ", subsequent_indent=" " * 9,
                                    break_on_hyphens=False, break_long_words=False))


SUMMARY_LAKE_WAIT_SECONDS = 20.0
"""How long the run summary waits for another run's hold on the lake (a run interrupted while it
waited for the lake pool ends while the run ahead of it still holds the lake, for as long as a
training takes), before it prints without the lake's lines."""


def _lake_outcomes(lake_path: Path | None, run_id: str) -> tuple[list, list, list, list, list]:
    """What the run `run_id` did to its files and models (run_outcome.lake_outcomes: not landed,
    quarantined, cut short, copies, unterminated), waiting up to SUMMARY_LAKE_WAIT_SECONDS for the
    lake; all [] when another run still holds it then, or it cannot be read, which is said on stderr."""
    import duckdb

    from risk_assets.lib.report.run_outcome import NO_LAKE_OUTCOMES, lake_outcomes

    try:  # a summary waits briefly: another run (a training) may hold the lake's writer lock for many minutes
        return lake_outcomes(lake_path, run_id, SUMMARY_LAKE_WAIT_SECONDS)
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():  # not another run's hold: a permission, a damaged file
            print(f"note: the lake could not be read for this summary: {' '.join(str(exc).split())}",
                  file=sys.stderr, flush=True)
            return NO_LAKE_OUTCOMES
        print(f"note: another run still holds the lake after {SUMMARY_LAKE_WAIT_SECONDS:.0f} s: this summary leaves "
              "out the files this run refused, quarantined or skipped as copies and the models it cut short; "
              "risk-assets verify lists the refused files once that run ends", file=sys.stderr, flush=True)
        return NO_LAKE_OUTCOMES


def _release_dead_runs(own: tuple[float, int] | None = None) -> None:
    """Before a run: a run of this instance killed mid-way still holds the lake pool's slot, and the
    new run would wait for it for ever (risk_assets.defs.dead_runs); mark such runs failed and free it.
    own: after this program's Dagster ended with every process of its group gone, (the epoch seconds
    it started at, its process id): its run, the latest created since, in progress, that logged no
    process or that one, is dead whatever its age, even before it logged its process."""
    import dagster as dg

    from risk_assets.defs.dead_runs import release_dead_runs, run_pids

    with dg.DagsterInstance.get() as instance:
        record = _run_since(instance, own[0]) if own else None
        gone = ([record.dagster_run.run_id] if record is not None and not record.dagster_run.is_finished
                and run_pids(instance, record.dagster_run.run_id) <= {own[1]} else [])
        release_dead_runs(instance, log=lambda line: print(f"note: {line}", flush=True), gone=gone)


def _group_gone(child: subprocess.Popen, wait_seconds: float = 5.0) -> bool:
    """Whether no process is left of the group `child` (ended) led, waiting up to `wait_seconds` for
    killed members to be reaped."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            os.killpg(child.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:  # the id was taken by another user's group meanwhile: ours is gone
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)


LAKE_WAIT_CHECK_SECONDS = 30.0
"""How often, while this program's run waits for the lake pool's slot, it looks for a dead run
holding it (`_check_lake_wait`): a run killed moments before this one started is freed then."""


def _check_lake_wait(since: float, said: set[str], alive=None) -> None:
    """While the run created after `since` (epoch seconds) waits for the lake pool's slot: release
    the dead runs (one holding the slot is freed, and the run goes on), then say, once per run in
    `said` (the run ids said so far; "" once a failed look was said), which run holds the slot, since
    when, and what frees it. Silent when it waits for none; `alive`: the process check
    (dead_runs.process_alive when None)."""
    from datetime import datetime, timezone

    import dagster as dg

    from risk_assets.defs.dead_runs import lake_holders, process_alive, release_dead_runs
    from risk_assets.defs.resources import LAKE_POOL

    alive = alive or process_alive
    try:
        with dg.DagsterInstance.get() as instance:
            record = _run_since(instance, since)
            if record is None or record.dagster_run.is_finished:
                return
            run_id = record.dagster_run.run_id
            if not lake_holders(instance, run_id, LAKE_POOL, alive):
                return
            release_dead_runs(instance, log=lambda line: _say(f"note: {line}"), alive=alive)
            for holder in lake_holders(instance, run_id, LAKE_POOL, alive):
                if holder.run_id not in said:
                    said.add(holder.run_id)
                    _say(f"note: {holder.waiting_line(datetime.now(timezone.utc), LAKE_POOL, LAKE_WAIT_CHECK_SECONDS)}")
    except Exception as exc:  # a look at the wait must never stop the run it watches; said once
        if "" not in said:
            said.add("")
            _say(f"note: could not check what the run waits for: {type(exc).__name__}: {exc}")


def no_lake_said(home: RiskHome, home_named: bool | None = None) -> str:
    """The one line a command on an existing lake prints when `home` holds no lake.duckdb: where it
    looked and why there (RISK_HOME as set, or unset and so `.risk_home/` of the working folder), and
    what to do: point RISK_HOME at the lake, or build one there. A mistyped or forgotten RISK_HOME is
    the usual cause, so building a new lake is the second remedy, not the only one. `home_named`:
    whether RISK_HOME was set (default: whether it is set now)."""
    named = "RISK_HOME" in os.environ if home_named is None else home_named
    where = (f"RISK_HOME is {home.root}, which holds no lake.duckdb" if named else
             f"RISK_HOME is not set, so the lake is looked for in {home.root.name}/ of the working folder")
    return (f"risk-assets: no lake at {home.lake_path} ({where}): set RISK_HOME to the folder that holds your "
            f"lake.duckdb (export RISK_HOME=/path/to/it), or build a lake there with `{own_command()} run` "
            f"(`run --no-seed` for your own files in its landing folders)")


def export_lake_tables(home: RiskHome, patterns: list[str] | None, out: Path, fmt: str) -> int:
    """Export tables of the lake to `out`, one file per table; prints each file and its row count.

    Default tables: `risk_assets.lib.report.EXPORT_TABLES`. Explicitly named tables that do not exist
    fail the command (exit 2), naming the tables the lake holds; default tables not materialized yet are listed and skipped. An `out`
    that cannot be written (a file there, no permission, a table's file path taken by a folder) is
    one line naming it and why, exit 2.
    """
    import duckdb

    from risk_assets.lib.report.export import EXPORT_TABLES, export_tables, lake_tables, resolve_tables

    if not home.lake_path.exists():
        print(no_lake_said(home), file=sys.stderr)
        return 2
    with connect(home.lake_path, read_only=True) as con:
        _, unmatched = resolve_tables(con, patterns or EXPORT_TABLES)
        if unmatched and patterns:
            held = lake_tables(con)
            print(f"risk-assets: no such table in {home.lake_path}: {', '.join(unmatched)}; its tables: "
                  + (", ".join(held) if held else "none yet"), file=sys.stderr)
            return 2
        try:
            written = export_tables(con, patterns or EXPORT_TABLES, out, fmt)
        except (OSError, duckdb.IOException) as exc:  # --out is a file, or a folder one cannot write
            reason = ("a file is there, not a folder" if out.exists() and not out.is_dir() else
                      exc.strerror if isinstance(exc, OSError) and exc.strerror else " ".join(str(exc).split("\n")[0].split()))
            print(f"risk-assets: cannot write the export to {out}: {reason}; --out takes a folder you can write "
                  "(created if missing)", file=sys.stderr)
            return 2
    for item in written:
        print(f"{item.table}: {counted(item.rows, 'rows')} -> {item.path}")
    if unmatched:
        print(f"not in the lake yet (skipped): {', '.join(unmatched)}")
    return 0


MODEL_ASSETS = {"loan_pd_": ("loan_pd_model", "ml.loan_scores", "loan_scores"),
                "news_sentiment": ("news_sentiment_model", "ml.news_scores", "news_scores")}
"""Model name prefix -> (training asset, score table, scoring asset)."""
GATE_CHECKS = {"loan_pd_model": "loan_pd_gate", "news_sentiment_model": "news_sentiment_macro_f1_gate"}
"""Training asset -> its champion gate check, whose verdict a change by hand supersedes."""


def loan_command(home: RiskHome, query: str, portfolio: str | None) -> int:
    """Print one loan's path through the lake (`risk_assets.lib.report.loan_trace`); exit 1 when
    nothing matches, 2 when there is no lake."""
    from risk_assets.lib.report.loan_trace import trace_loan

    if not home.lake_path.exists():
        print(no_lake_said(home), file=sys.stderr)
        return 2
    with connect(home.lake_path, read_only=True) as con:
        trace = trace_loan(con, query, portfolio)
    print("\n".join(trace.lines), file=sys.stdout if trace.found else sys.stderr)
    return 0 if trace.found else 1


def quarantine_command(home: RiskHome, file: str | None, rule: str | None, limit: int) -> int:
    """Print the quarantine's summary, or one file's quarantined values (`lib.report.quarantine`);
    exit 1 when the file has none or no value of the quarantine has `rule` (a misspelled rule: the
    line names the closest and the rules held; a rule of the catalogue nothing broke exits 0), 2 when
    there is no lake."""
    from risk_assets.lib.report.quarantine import quarantine_rows, quarantine_summary, rule_not_held

    if not home.lake_path.exists():
        print(no_lake_said(home), file=sys.stderr)
        return 2
    with connect(home.lake_path, read_only=True) as con:
        if rule is not None and (said := rule_not_held(con, rule)):
            print(f"risk-assets: {said}", file=sys.stderr)
            return 1
        if file is None:
            lines, found = quarantine_summary(con, rule), True
        else:
            lines, found = quarantine_rows(con, file, rule, limit)
    print("\n".join(lines), file=sys.stdout if found else sys.stderr)
    return 0 if found else 1


def registry_command(home: RiskHome, model: str | None, retire: bool, restore: str | None, reason: str | None) -> int:
    """List the registry, or retire / restore a champion by hand (`risk_assets.lib.ml.registry`).

    A change is written to the lake first (ml.model_registry, ml.model_registry_events), then shown
    where an analyst looks: an observation on the model's training asset in the Dagster UI, and a
    closing section of each affected version's HTML report. Prints how many scores still carry
    another version and the command that rescores. Exit 2 with a one-line reason when the change is
    not allowed (no such model or version, never a champion, no reason given) or no lake exists.
    """
    import getpass

    from risk_assets.lib.ml import registry
    from risk_assets.lib.report.html import append_report_section

    if not home.lake_path.exists():
        print(no_lake_said(home), file=sys.stderr)
        return 2
    if not (retire or restore):
        if reason:
            print("risk-assets: --reason goes with --retire or --restore; nothing was changed", file=sys.stderr)
            return 2
        with connect(home.lake_path, read_only=True) as con:
            rows = registry.history(con, model)
            recent = registry.events(con, model) if model else []
        if not rows and model:
            with connect(home.lake_path, read_only=True) as con:
                known = sorted({row["model"] for row in registry.history(con)})
            print(f"risk-assets: no model {model!r} in the registry; models: {', '.join(known) or 'none'}", file=sys.stderr)
            return 2
        if not rows:
            print("the registry is empty")
            return 0
        for row in rows:
            value = "n/a" if row["primary_value"] is None else f"{row['primary_value']:.4f}"
            why = row["reason"] or ""
            if (row["changed_by"] or "").startswith("operator"):  # a change by hand says why first
                earlier = row["earlier_reason"] or why
                why = f"{row['status']} by {row['changed_by']}: {row['change_reason']}; earlier: {earlier}"
            print(f"{row['model']}  {row['version']}  {row['status']:<9}  {row['primary_metric']} {value}  "
                  f"trained {row['trained_at']:%Y-%m-%d %H:%M}  {why}")
        for event in recent:
            print(f"  {event['changed_at']:%Y-%m-%d %H:%M:%S}  {event['version']}  {event['status_from'] or '-'} -> "
                  f"{event['status_to']}  by {event['actor']}: {event['reason']}")
        return 0
    if model is None:
        print(f"risk-assets: name the model to change, e.g. `{own_command()} registry loan_pd_sba --retire --reason ...`",
              file=sys.stderr)
        return 2
    assets = [v for prefix, v in MODEL_ASSETS.items() if model.startswith(prefix)]
    if not assets:
        print(f"risk-assets: {model!r} is not a model name (loan_pd_<portfolio> or news_sentiment)", file=sys.stderr)
        return 2
    asset, table, scoring = assets[0]
    actor = f"operator {getpass.getuser()}"
    with connect(home.lake_path) as con:
        try:
            changes = (registry.restore_champion(con, model, restore, reason or "", actor) if restore
                       else [registry.retire_champion(con, model, reason or "", actor)])
        except registry.RegistryError as exc:
            print(f"risk-assets: {exc}", file=sys.stderr)
            return 2
        now_champion = registry.champion(con, model)
        stale = _stale_scores(con, table, model, now_champion)
    for change in changes:
        print(f"{model} {change.version}: {change.status_from} -> {change.status_to} ({change.actor}): {change.reason}")
        append_report_section(home.reports, model, change.version, "Registry change",
                              f"{change.status_from} -> {change.status_to} by {change.actor}: {change.reason}")
    from risk_assets.lib.quality.outcome import record_verdict
    from risk_assets.lib.report.registry import registry_sections

    verdict = _gate_by_hand(model, changes, now_champion, stale, table, scoring)
    verdicts = {GATE_CHECKS[asset]: (verdict, 0 if verdict.passed else 1, "registry changes")}
    with connect(home.lake_path) as con:
        page = registry_sections(con)
        if model == "news_sentiment":  # its quality-target warning named the champion it judged
            from risk_assets.defs.models.news_sentiment import quality_target_after_change

            done = "; ".join(f"{c.version} {c.status_from} -> {c.status_to}" for c in changes)
            target = quality_target_after_change(con, now_champion, f"{done} by {actor}: {changes[-1].reason}")
            verdicts["news_sentiment_quality_target"] = (target, target.metadata["shortfalls"].value, "shortfalls")
        else:  # its calibration warning named the champions it judged, this one among them
            from risk_assets.defs.models.loan_pd import calibration_after_change

            done = "; ".join(f"{model} {c.version} {c.status_from} -> {c.status_to}" for c in changes)
            calibration, off = calibration_after_change(con, f"{done} by {actor}: {changes[-1].reason}")
            verdicts["loan_pd_calibration"] = (calibration, off, "models")
        for check, (result, failing, unit) in verdicts.items():
            record_verdict(con, check, asset, None, result.passed, result.severity.value, result.description or "",
                           failing, {"changed_by": actor}, failing_unit=unit)
    _observe_in_ui(asset, model, changes, page, {check: result for check, (result, _, _) in verdicts.items()})
    if now_champion is None:
        held = ("sentiment_retrain_sensor does not retrain it on its own" if model == "news_sentiment" else
                "retrain_sensor holds it until a loan file lands")
        print(f"{model} has no champion now: its next training is judged as a first model (it must beat the "
              f"baseline) and draws a fresh holdout; {held}; to train one now: "
              f"{own_command()} run --no-seed --select 'key:{asset}+'. If that model does not beat the baseline "
              f"{'the news stays' if model == 'news_sentiment' else 'the book stays'} unscored (the gate fails the run): to go back, "
              f"{own_command()} registry {model} --restore <version> --reason ...")
    else:
        sensor, files, job = (("sentiment_retrain_sensor", "news", "retrain_news_sentiment") if model == "news_sentiment"
                              else ("retrain_sensor", "loan", "retrain_loan_pd"))
        print(f"{sensor} holds {model} {now_champion['version']} (no automatic retraining) until a {files} file lands; "
              f"to retrain now: {own_command()} run --no-seed --select 'key:{asset}+' (the {job} job)")
    if stale:
        print(f"{table}: {counted(stale, 'rows')} still {'carry' if stale > 1 else 'carries'} the scores of a "
              "version that is not champion; "
              + (f"rescore with: {own_command()} run --no-seed --select 'key:{scoring}+'" if now_champion
                 else f"{scoring} removes {'them' if stale > 1 else 'it'} when it runs"))
    return 0


REBUILD_AFTER_WITHDRAWAL = {"loans": "key:raw_loans+ and not group:models",
                            "news": "key:raw_news+ and not group:models"}
"""Selection that rebuilds what reads a domain's raw table (staging, features, scores, monitoring)
without retraining: the ingest jobs' selection."""


def _replaced_said(path: str, bytes_now: tuple[str, str | None] | None, domain: str) -> str:
    """What `withdraw` says of the landed path of `domain` that now holds other bytes: loaded already
    (as which file, and the separate command that withdraws it), or left for the next run to land."""
    said = f"{path} now holds other bytes (a corrected file saved over it?)"
    if bytes_now is None or bytes_now[1] is None:
        return f"{said}: left in landing, where the next run loads it"
    sha256, status = bytes_now
    if status == "loaded":
        return (f"{said}: loaded already, as file sha256 {sha256[:12]}; left in place and in the lake. Withdrawing "
                f"that version too is a separate command: {own_command()} withdraw {sha256[:12]} --domain {domain} --reason ...")
    if status == "refused":
        return f"{said}: refused when it landed, as file sha256 {sha256[:12]}; left in landing, where the next run tries it again"
    return f"{said}: landed already as file sha256 {sha256[:12]} ({status}); left in landing"


def withdraw_command(home: RiskHome, which: str, reason: str | None, domain: str | None = None) -> int:
    """Take a landed file back out of the lake (`risk_assets.lib.ingest.landing.withdraw_file`), of
    `domain` ('loans' or 'news') when given, and print what was removed and the command that
    rebuilds the tables read from it. Exit 2 with a one-line reason when no lake exists, no reason
    is given, or `which` names no loaded file; when it names several (two files of one name, or one
    sha256 landed as a loan tape and as news), with a line for each: its domain, path, rows and the
    command that withdraws it."""
    import getpass

    from risk_assets.lib.ingest.landing import AmbiguousFile, withdraw_file

    if not home.lake_path.exists():
        print(no_lake_said(home), file=sys.stderr)
        return 2
    with connect(home.lake_path) as con:
        try:
            done = withdraw_file(con, which, reason or "", f"operator {getpass.getuser()}", home.root / "withdrawn",
                                 landing_dir=home.landing, domain=domain)
        except AmbiguousFile as exc:
            print(f"risk-assets: {str(exc).splitlines()[0]}", file=sys.stderr)
            for sha256, _, copy_domain, rows, path in exc.copies:
                print(f"  {copy_domain:<5} {path} ({counted(rows, 'rows')}): {own_command()} withdraw {sha256[:12]} "
                      f"--domain {copy_domain} --reason {shlex.quote(reason or '...')}", file=sys.stderr)
            return 2
        except ValueError as exc:
            print(f"risk-assets: {exc}", file=sys.stderr)
            return 2
    print(f"withdrew {done.path} (sha256 {done.sha256[:12]}): {counted(done.rows_removed, 'rows')} removed from "
          f"raw.{done.domain}, {counted(done.quarantine_removed, 'quarantine entries')} removed; the manifest keeps it "
          "as 'withdrawn'")
    for path, sha256, n in done.released:
        print(f"{path} (sha256 {sha256[:12]}): {n:,} row(s) quarantined as conflicting_duplicate against the "
              "withdrawn file's conflict no more and are out of quarantine; staging takes them when rebuilt")
    if done.moved_to:
        print(f"moved out of landing to {done.moved_to} (landing it again loads it again)")
    for copy, moved_to in done.copies_moved:
        print(f"{copy} holds the same bytes (a copy, or the file renamed after it landed): moved to {moved_to}, "
              "or the next run would load it again")
    if done.replaced:
        print(_replaced_said(done.replaced, done.replaced_by, done.domain))
    if not done.moved_to and not done.copies_moved:
        print("no file in landing holds its bytes any more: nothing to move")
    for name, n in done.shadowed:
        print(f"{name}: {n:,} article(s) were quarantined as duplicates of the withdrawn ones; to load them, "
              f"withdraw that file too and land it again")
    print(f"tables built from raw since the file landed (staging, features, scores) keep its rows until they are "
          f"rebuilt: {own_command()} run --no-seed --select '{REBUILD_AFTER_WITHDRAWAL[done.domain]}'")
    return 0


def _stale_scores(con, table: str, model: str, champion_row: dict | None) -> int:
    """Rows of `table` scored by a version of `model` other than its champion (0 when the table is missing)."""
    if not table_exists(con, table):
        return 0
    version = None if champion_row is None else champion_row["version"]
    model_filter = "model = ? AND " if table == "ml.loan_scores" else ""
    params = ([model] if model_filter else []) + [version]
    return con.execute(f"SELECT count(*) FROM {table} WHERE {model_filter}model_version IS DISTINCT FROM ?", params).fetchone()[0]


def _gate_by_hand(model: str, changes: list, now_champion: dict | None, stale: int = 0, table: str = "",
                  scoring: str = ""):
    """The champion gate's verdict after a change by hand, as a dg.AssetCheckResult:
    passes while a champion stands, warns when the operator left the model without one. It replaces
    the verdict of the last training run, which names a champion that may no longer be one. `stale`:
    rows of the scores `table` that still carry a version that is not champion, until the asset
    `scoring` runs again (it removes them when no champion stands)."""
    import dagster as dg

    done = "; ".join(f"{c.version} {c.status_from} -> {c.status_to}" for c in changes)
    standing = (f"champion now {now_champion['version']}" if now_champion else
                f"no champion now: {table} still holds {counted(stale, 'rows')} scored by a version that is not "
                f"champion, until {scoring} runs and removes {'them' if stale > 1 else 'it'}" if stale else
                "no champion now: nothing is scored until a model is trained")
    return dg.AssetCheckResult(
        passed=now_champion is not None, severity=dg.AssetCheckSeverity.WARN,
        description=f"{model}: registry changed by hand by {changes[-1].actor} ({done}: {changes[-1].reason}); {standing}",
    )


def _observe_in_ui(asset: str, model: str, changes: list, page: tuple[str, dict[str, str]],
                   verdicts: dict) -> None:
    """Record the change as an observation on `asset`, so the Dagster UI's asset page shows it; the
    registry as it now stands as a materialization of `model_registry` (`page`: its markdown
    sections and champions, `lib.report.registry.registry_sections`), so that page is current too;
    and `verdicts` (check name -> dg.AssetCheckResult: the gate's, `_gate_by_hand`, and for
    news_sentiment its quality target's, for a PD model the calibration check's) as the asset's check evaluations, so the Checks tab no
    longer shows the last training's verdicts as current."""
    import dagster as dg

    sections, champions = page
    try:
        with dg.DagsterInstance.get() as instance:
            for check, verdict in verdicts.items():
                instance.report_runless_asset_event(dg.AssetCheckEvaluation(
                    asset_key=dg.AssetKey(asset), check_name=check, passed=verdict.passed,
                    severity=verdict.severity, description=verdict.description,
                    metadata={"model": dg.MetadataValue.text(model),
                              "changed_by": dg.MetadataValue.text(changes[-1].actor)},
                ))
            instance.report_runless_asset_event(dg.AssetObservation(
                asset_key=asset,
                description=f"{model}: registry changed by hand",
                metadata={f"{model} {c.version}": dg.MetadataValue.text(f"{c.status_from} -> {c.status_to} by {c.actor}: {c.reason}")
                          for c in changes},
            ))
            instance.report_runless_asset_event(dg.AssetMaterialization(
                asset_key="model_registry",
                description=f"{model}: registry changed by hand",
                metadata={**{f"champion {m}": dg.MetadataValue.text(v) for m, v in champions.items()},
                          **{name: dg.MetadataValue.md(text) for name, text in sections.items()}},
            ))
    except Exception as exc:  # the lake holds the change; the UI note is a courtesy
        print(f"risk-assets: the change is in the lake, but the Dagster UI could not be told ({exc})", file=sys.stderr)


REPLAY_LANDS_THEM = ("a file there is in the lake only once landed: landing_loans_sensor lands it while `dagster dev` "
                     "runs; without it, run `risk-assets run --no-seed --select 'key:raw_loans+ and not group:models'`")
"""What `replay` says once of the files it drops into landing/loans: what lands them."""


def _replay(args: argparse.Namespace, home: RiskHome) -> int:
    from risk_assets.lib.replay import drop_into, pause, split_by_vintage

    years = range(args.from_year or 0, (args.to_year or 9999) + 1)
    out_dir = home.root / "replay" / args.tape.name.split(".")[0]
    try:
        files = split_by_vintage(args.tape, out_dir, args.column, years)
    except (OSError, ValueError) as exc:
        print(f"risk-assets: {exc}", file=sys.stderr)
        return 2
    print(f"split {args.tape} into {len(files)} vintage file(s) under {out_dir}")
    if files:
        print(f"dropping them into {home.landing_loans} one at a time; {REPLAY_LANDS_THEM}", flush=True)
    wait = (lambda dropped: input(f"dropped {dropped.name}; Enter for the next file ")) if args.step else pause(args.pause)
    for dropped in drop_into(list(files.values()), home.landing_loans, wait):
        print(f"dropped {dropped}", flush=True)
    return 0


def positive_count(text: str) -> int:
    """argparse type of a count that must be 1 or more (`quarantine --limit`): '0' or '-5' is refused
    with argparse's one-line error, not taken as 'list nothing' or read from the end."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def seconds_to_wait(text: str) -> float:
    """argparse type of a wait in seconds that must be 0 or more (`replay --pause`)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, 0 or more, not {text!r}") from None
    if not value >= 0:  # a negative number, or nan
        raise argparse.ArgumentTypeError(f"must be 0 seconds or more, not {text}")
    return value


def quiet_library_warnings() -> None:
    """Keep Dagster's notes to developers off the commands' stderr: BetaWarning and PreviewWarning (a
    beta parameter its own parser of a selection string passes: `Parameter include_sources of function
    AssetSelection.all is currently in beta`) and SupersessionWarning. They speak of Dagster's API,
    not of the lake, and no operator can act on them; the test settings (pyproject.toml,
    filterwarnings) ignore them alike. Warnings of the project's own code still show."""
    import warnings

    try:
        from dagster_shared.utils.warnings import BetaWarning, PreviewWarning, SupersessionWarning
    except ImportError:  # a Dagster before dagster_shared: its categories live in dagster itself
        from dagster._utils.warnings import BetaWarning, PreviewWarning, SupersessionWarning
    for category in (BetaWarning, PreviewWarning, SupersessionWarning):
        warnings.filterwarnings("ignore", category=category)


def main(argv: list[str] | None = None) -> int:
    quiet_library_warnings()
    if argv is None and hasattr(signal, "SIGPIPE"):
        # run as a command: `risk-assets registry | head` ends quietly when head stops reading,
        # as other command-line tools do, instead of a BrokenPipeError traceback
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    parser = argparse.ArgumentParser(prog="risk-assets", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="create RISK_HOME and its Dagster instance config")
    sub.add_parser("seed", help="copy loans/* and news/* of RISK_SAMPLE_DIR (default ../shared/data) into the landing folders")
    run = sub.add_parser(
        "run", help="init, seed, then materialize the lake (all of it, or --select)",
        description="Create the lake home if missing (RISK_HOME, default .risk_home/ in the working folder; "
                    "the Dagster instance in DAGSTER_HOME, default RISK_HOME/dagster), copy the sample data "
                    "(RISK_SAMPLE_DIR, default ../shared/data: its loans/ and news/ files) into landing unless "
                    "--no-seed, then run `dagster asset materialize` on the selection and close with a "
                    "summary: each check that did not pass, each file not landed, and what to run next.")
    run.add_argument("--select", default="*",
                     help="Dagster asset selection (default: '*', the whole lake, the main job), e.g. raw_loans "
                          "to land files only, or 'key:raw_loans+ and not group:models' to land and score "
                          "without retraining")
    run.add_argument("--no-seed", action="store_true",
                     help="do not copy the sample data into landing first (a lake of your own files)")
    run.add_argument("--config-json", default=None, metavar="JSON",
                     help="run config passed to dagster, e.g. "
                          '\'{"ops": {"loan_pd_model": {"config": {"portfolios": ["acme"]}}}}\' to train one book')
    export = sub.add_parser("export", help="write the metric and score tables to CSV or Parquet")
    export.add_argument("--format", choices=("csv", "parquet"), default="csv")
    export.add_argument("--out", type=Path, required=True, help="folder for the files (created if missing)")
    export.add_argument("--tables", nargs="+", default=None, metavar="SCHEMA.TABLE",
                        help="tables or globs such as 'monitoring.*' (default: the metric and score tables)")
    shots = sub.add_parser("screenshots", help="regenerate docs/screenshots/*.png from a small lake")
    shots.add_argument("--out", type=Path, default=None, help="folder for the PNGs (default: docs/screenshots)")
    reg = sub.add_parser("registry", help="list model versions; retire a champion or restore a retired one (rollback)")
    reg.add_argument("model", nargs="?", help="loan_pd_lendingclub, loan_pd_sba, news_sentiment, ... (default: all, listing only)")
    change = reg.add_mutually_exclusive_group()
    change.add_argument("--retire", action="store_true", help="retire the champion: the model is left without one")
    change.add_argument("--restore", metavar="VERSION", help="make this retired former champion the champion again")
    reg.add_argument("--reason", help="why (required for a change; kept in ml.model_registry_events)")
    withdraw = sub.add_parser("withdraw", help="take a landed file's rows back out of the lake (a wrong delivery)")
    withdraw.add_argument("file", help="the file's sha256 (8+ characters), landed path or file name")
    withdraw.add_argument("--reason", required=True, help="why (kept in the manifest, raw.landed_files.message)")
    withdraw.add_argument("--domain", choices=("loans", "news"),
                          help="only the file landed as a loan tape (loans) or as news: the same bytes landed in "
                               "both have one sha256")
    loan = sub.add_parser("loan", help="trace one loan: the file and line it landed from, its quarantined values, "
                                       "features and score")
    loan.add_argument("query", help="a loan key (sba:1000014003), the tape's loan id (1000014003), or <file>:<line> "
                                    "(lendingclub_2007_2011.csv:17)")
    loan.add_argument("--portfolio", help="only loans of this portfolio (lendingclub, sba, a mapping's name)")
    quarantine = sub.add_parser("quarantine", help="what was quarantined, by file and rule; with a file, its values by line")
    quarantine.add_argument("file", nargs="?", help="a landed file's name, path or sha256 (8+ characters)")
    quarantine.add_argument("--rule", help="only this rule (unparsable_number, spreadsheet_error, ...)")
    quarantine.add_argument("--limit", type=positive_count, default=20, help="values listed (default 20)")
    verify_cmd = sub.add_parser("verify", help="check the lake: files reconcile, the sample's counts, champions and scores "
                                               "(python -m risk_assets.verify); exit 1 on a failed line")
    verify_cmd.add_argument("--own-data", action="store_true",
                            help="a lake of your own files: skip the lines that count the sample data")
    replay = sub.add_parser("replay", help="split a tape by vintage and drop the files into landing one at a time")
    replay.add_argument("tape", type=Path, help="loan tape (CSV or gzip CSV), e.g. ../shared/data/loans/sba_national.csv.gz")
    replay.add_argument("--column", default="ApprovalFY", help="vintage column of the tape (default: SBA's ApprovalFY)")
    replay.add_argument("--from-year", type=int, help="first vintage to drop")
    replay.add_argument("--to-year", type=int, help="last vintage to drop")
    replay.add_argument("--pause", type=seconds_to_wait, default=0.0, help="seconds to wait after each file")
    replay.add_argument("--step", action="store_true", help="wait for Enter after each file")
    args = parser.parse_args(argv)

    if args.command == "verify":
        from risk_assets import verify

        return verify.main(["--own-data"] if args.own_data else [])
    if args.command == "screenshots":
        from risk_assets.showcase_capture import regenerate_screenshots

        return regenerate_screenshots(args.out)
    home = RiskHome.from_env()
    home_named = "RISK_HOME" in os.environ
    os.environ.setdefault("DAGSTER_HOME", str(home.dagster_home))
    os.environ.setdefault("RISK_HOME", str(home.root))
    # commands on an existing lake create no home: a mistyped RISK_HOME is reported, not made
    on_a_lake = args.command in ("export", "registry", "withdraw", "loan", "quarantine")
    if on_a_lake and not home.lake_path.exists():
        print(no_lake_said(home, home_named), file=sys.stderr)
        return 2
    try:
        if not on_a_lake or home.lake_path.exists():
            # for registry: the Dagster instance its change is shown in; its stores only for the
            # commands that start Dagster, so a lake command never waits on, or fails with, the instance
            dagster_home = init_home(home, stores=args.command in ("init", "run", "replay"))
    except OSError as exc:
        print(f"risk-assets: cannot create the lake home {home.root}: {exc.strerror or exc} "
              f"({exc.filename or home.root}); set RISK_HOME to a folder you can write", file=sys.stderr)
        return 2
    except Exception as exc:  # Dagster's own: a malformed dagster.yaml, stores of another version
        print(f"risk-assets: cannot open the Dagster instance in {home.dagster_home}: {type(exc).__name__}: "
              f"{' '.join(str(exc).split())[:400]} (its settings are {home.dagster_home / 'dagster.yaml'}; "
              "`dagster instance migrate` upgrades stores an older Dagster wrote)", file=sys.stderr)
        return 2
    if args.command == "export":
        return export_lake_tables(home, args.tables, args.out, args.format)
    if args.command == "registry":
        return registry_command(home, args.model, args.retire, args.restore, args.reason)
    if args.command == "withdraw":
        return withdraw_command(home, args.file, args.reason, args.domain)
    if args.command == "loan":
        return loan_command(home, args.query, args.portfolio)
    if args.command == "quarantine":
        return quarantine_command(home, args.file, args.rule, args.limit)
    if args.command == "init":
        print(f"lake home {home.root}; Dagster instance {dagster_home}")
        return 0
    if args.command == "seed" or (args.command == "run" and not args.no_seed):
        try:
            copied = seed_landing(home, sample_dir())
        except FileNotFoundError as exc:
            print(f"risk-assets: {exc}", file=sys.stderr)
            return 2
        print(f"seeded {len(copied)} file(s) into {home.landing}")
        for path in copied:
            print(f"  {path}")
    if args.command == "run":
        if args.select == "*":
            print(textwrap.fill(RUN_DURATION_HINT, width=100, break_on_hyphens=False), flush=True)  # whole lines
            given = shlex.join(sys.argv[1:] if argv is None else argv)
            print(STEP_COUNT_HINT, flush=True)
            if not output_is_saved():
                print(SAVE_OUTPUT_HINT.format(run=f"{own_command()} {given}"), flush=True)
        return _materialize(args.select, home.lake_path, args.config_json)
    if args.command == "replay":
        return _replay(args, home)
    return 0


if __name__ == "__main__":
    sys.exit(main())
