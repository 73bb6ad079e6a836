"""A small lake, materialized the way a user would, and the UI pages that show it, captured as PNGs.

Used by `risk-assets screenshots` (which regenerates the README's docs/screenshots/*.png) and by the
browser test. The small lake is the first rows of the real LendingClub tape and of the Financial
PhraseBank plus the dated news cases, landed in a temporary RISK_HOME and materialized with
`dagster asset materialize` under tiny training profiles, so it takes minutes, not the main job's
time. The UI then runs with its daemon, as a user's does, so the sensors tick: the pages are captured
once every sensor has ticked and no run is in progress (`DagsterUI.wait_until_settled`), and the
small lake leaves them nothing to request (every model trained), so a page shows the lake, not a
run refreshing it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from risk_assets.lib.home import PROJECT_ROOT, RiskHome, sample_dir
from risk_assets.ui_capture import DagsterUI, dagster_ui

LENDINGCLUB_ROWS = 20_000
"""Data rows of the LendingClub tape landed (of 39,786): enough for the PD profile of TINY_PROFILES to
beat the logistic-regression baseline, which fewer loans do not give it (see there)."""

PHRASEBANK_LINES = 1_200
"""Lines of the PhraseBank 50%-agreement file landed (of 4,846): enough for a short fine-tune to beat
the TF-IDF baseline, which the blocking macro-F1 gate requires before news is scored."""

LOAN_CASES = ("F11_loans_asof_2024-06-30_implausible.csv",)
"""Loan cases landed: the implausible tape (negative income, sentinels, amount 0, rate > 100%, FICO > 850,
an income of a billion), read by LOAN_CASE_MAPPING as a book of its own, so the lake holds bad rows
that landing and the value check (raw_loans_values, an income above its ceiling) set aside. Landed into
the LendingClub portfolio, its issue dates would turn that undated book's split out-of-time over these
13 loans alone (too few defaults to train); as its own book it leaves LendingClub's split alone, and,
all its loans `Current`, it has no defaults: its PD training is refused and its loans stay without a
champion's score, which `loan_scores_coverage` and the overview say."""

LOAN_CASE_MAPPING: dict[str, object] = {
    "name": "acme",
    "applies_to": ["F11_*.csv"],
    "portfolio": "acme",
    "columns": {
        "loan_id": {"to": "source_loan_id", "required": True},
        "issue_d": {"to": "origination_date", "type": "date", "format": "%Y-%m-%d", "required": True},
        "loan_amnt": {"to": "loan_amount", "type": "number", "required": True},
        "int_rate": {"to": "int_rate", "type": "fraction"},
        "annual_inc": {"to": "annual_income", "type": "number"},
        "dti": {"to": "dti", "type": "number"},
        "earliest_cr_line": {"to": "earliest_cr_line", "type": "date", "format": "%Y-%m-%d"},
        "fico_range_low": {"to": "fico_range_low", "type": "int"},
        "loan_status": {"to": "loan_status", "required": True},
    },
    "sentinels": {"days_employed": ["365243"]},
}
"""Folder mapping ($RISK_HOME/mappings/acme.json) that reads LOAN_CASES as the `acme` portfolio: the
README's "Your own loan tape: a column mapping", the F11 example of risk_assets_tests/lib/ingest/mappings."""

NEWS_CASES = ("F17_news_long_text.csv", "F18_news_empty_text.csv", "F19_news_html_entities.csv")
"""News cases landed: dated articles (the PhraseBank has no dates) with long, empty and dirty text."""

TINY_PROFILES: dict[str, dict[str, object]] = {
    "loan_pd_model": {"members": 10, "folds": 5, "batch_size": 256, "max_epochs": 30, "patience": 4},
    "news_sentiment_model": {"epochs": 3, "batch_size": 16, "max_tokens": 64, "max_train_seconds": None},
}
"""Training config per asset for the small lake; fields an asset's config does not have are left out.
The sentiment profile has no time budget: a champion the budget cut short is one the sentiment retrain
sensor retrains at once with its full schedule, a run that would be refreshing the pages captured.
The PD profile (10 members cross-fitted on 5 folds, half the main job's) has to beat its baseline,
whose C is chosen on the development loans, for the champion gate to promote it and the loans to be
scored. On 20,000 LendingClub loans it does: holdout AUC 0.7066 against 0.7030, a gain of +0.0036
(95% CI +0.0005 to +0.0068, one-sided paired DeLong p 0.012) on 4,000 holdout loans. A narrow edge,
as on the whole tape (0.6854 against 0.6826), and a split's: with split seeds 1-3 instead of 0 the
same profile is within 0.001 of its baseline either way. On 3,000 loans the old profile (two members,
batches of 128) scores 0.6572 against 0.6691, and this one on 9,000 loans 0.7138 against 0.7107,
not beyond chance (p 0.077). Materializing the small lake without the news fine-tune (as the browser
test does) took 98 s on a 2-core machine, against 69 s on 3,000 loans, which stop at the gate."""

@dataclass(frozen=True)
class Page:
    """A UI page to capture: its path, a text that shows it has loaded, an element text to click."""

    path: str
    ready: str | None = None
    click: str | None = None


AUTOMATIONS_QUERY = """{ workspaceOrError { ... on Workspace { locationEntries { locationOrLoadError {
  ... on RepositoryLocation { repositories { sensors { name } schedules { name } } } } } } } }"""


CHECKS_SHOWN_FIRST = ("raw_loans", "raw_news", "stg_loans", "stg_news", "loan_features", "news_features",
                      "loan_pd_model", "news_sentiment_model", "loan_scores", "news_scores")
"""Assets whose checks the checks illustration looks through, in this order, for one that did not pass:
the landed tables first, whose failed checks list their failing rows."""


def failed_check_page(ui: DagsterUI, assets: tuple[str, ...] = CHECKS_SHOWN_FIRST) -> Page:
    """The checks page of the first asset in `assets` with a check whose latest verdict did not pass,
    opened at that check (`?view=checks&checkDetail=<check>`, the UI's own link to a check) with its
    `failing_rows` markdown shown when the verdict has one: on the sample lake raw_loans' raw_loans_values
    (WARN, term_positive 810 rows) and its failing rows.

    On a lake where every check passed, the first of `assets` that has checks, opened at its first
    check: a passing check is still a check's page, and the capture goes on to the other pages."""
    first: Page | None = None
    for asset in assets:
        try:
            checks = ui.asset(asset)["definition"]["assetChecksOrError"].get("checks") or []
        except LookupError:
            continue
        if checks and first is None:
            first = Page(f"/assets/{asset}?view=checks&checkDetail={checks[0]['name']}", ready=checks[0]["name"])
        for check in checks:
            evaluation = (check["executionForLatestMaterialization"] or {}).get("evaluation") or {}
            if evaluation.get("success") is False:
                labels = {entry["label"] for entry in evaluation.get("metadataEntries") or []}
                return Page(f"/assets/{asset}?view=checks&checkDetail={check['name']}", ready=check["name"],
                            click="Show Markdown" if "failing_rows" in labels else None)
    if first is None:
        raise LookupError(f"none of {', '.join(assets)} has a check in this code location")
    return first


def showcase_pages(ui: DagsterUI) -> dict[str, Page]:
    """Screenshot name -> page: the lineage from landed files to the portfolio overview (the global
    lineage page collapses groups and does not fit a screen), the loan PD model card, a check that did
    not pass with its failing rows (`failed_check_page`), the portfolio overview, the quarantine, the
    model registry and the sensors and schedules.

    Raises:
        LookupError: no asset of `CHECKS_SHOWN_FIRST` has a check (see `failed_check_page`).
    """
    workspace = ui.graphql(AUTOMATIONS_QUERY)["workspaceOrError"]
    automations = [item["name"] for entry in workspace.get("locationEntries", [])
                   for repo in (entry["locationOrLoadError"] or {}).get("repositories", [])
                   for item in repo["sensors"] + repo["schedules"]]
    return {
        "lineage": Page("/assets/portfolio_overview?view=lineage&lineageScope=upstream&lineageDepth=10",
                        ready="loan_features"),
        "loan_pd_model": Page("/assets/loan_pd_model?view=events", click="Show Markdown"),
        "checks": failed_check_page(ui),
        "portfolio_overview": Page("/assets/portfolio_overview?view=events", click="Show Markdown"),
        "quarantine": Page("/assets/quarantine?view=events", ready="values in quarantine"),
        "model_registry": Page("/assets/model_registry?view=events", ready="Roll back or retire by hand"),
        "automation": Page("/automation", ready=automations[0] if automations else "Automation"),
    }


def _dagster() -> str:
    local = Path(sys.executable).parent / "dagster"
    return str(local) if local.exists() else "dagster"


def seed_small_lake(home: RiskHome, data: Path, cases: Path) -> list[Path]:
    """Land the small lake's files in `home`'s landing folders, and LOAN_CASE_MAPPING in its
    `mappings/` folder; returns the landed paths (the mapping is not one of them).

    Slices keep the source's bytes (BOM, CRLF, header) and file name, so the format is detected
    as for the full file.

    Raises:
        FileNotFoundError: a sample file or case is missing (its path is in the message).
    """
    home.ensure()
    landed = []
    tape = data / "loans" / "lendingclub_2007_2011.csv"
    landed.append(_head(tape, home.landing_loans / tape.name, LENDINGCLUB_ROWS + 1))
    phrasebank = data / "news" / "financial_phrasebank_50agree.txt"
    landed.append(_head(phrasebank, home.landing_news / phrasebank.name, PHRASEBANK_LINES))
    (home.mappings / f"{LOAN_CASE_MAPPING['name']}.json").write_text(json.dumps(LOAN_CASE_MAPPING, indent=2))
    for names, folder in ((LOAN_CASES, home.landing_loans), (NEWS_CASES, home.landing_news)):
        for name in names:
            landed.append(Path(shutil.copyfile(cases / name, folder / name)))
    return landed


def _head(source: Path, dest: Path, lines: int) -> Path:
    """Copy the first `lines` physical lines of `source` (bytes unchanged) to `dest`."""
    if not source.is_file():
        raise FileNotFoundError(f"sample file not found: {source}")
    with source.open("rb") as src, dest.open("wb") as out:
        for _, line in zip(range(lines), src):
            out.write(line)
    return dest


def tiny_run_config(config_fields: Mapping[str, set[str]]) -> dict:
    """Run config applying TINY_PROFILES to the assets in `config_fields` (asset -> its config fields)."""
    ops = {}
    for asset, profile in TINY_PROFILES.items():
        fields = config_fields.get(asset)
        if fields:
            ops[asset] = {"config": {k: v for k, v in profile.items() if k in fields}}
    return {"ops": ops} if ops else {}


def config_fields_of_definitions() -> dict[str, set[str]]:
    """Asset name -> names of its config fields, for every asset of the code location with a config."""
    from risk_assets.definitions import defs

    fields = {}
    for assets_def in defs.resolve_asset_graph().assets_defs:
        if not assets_def.is_executable:
            continue
        schema = assets_def.op.config_schema
        config_type = schema.config_type if schema is not None else None
        if config_type is not None and getattr(config_type, "fields", None):
            for key in assets_def.keys:
                fields[key.to_user_string()] = set(config_type.fields)
    return fields


def instance_env(home: RiskHome) -> dict[str, str]:
    """Environment naming `home` as the lake and its `dagster/` folder as the Dagster instance."""
    return {"RISK_HOME": str(home.root), "DAGSTER_HOME": str(home.root / "dagster")}


REPORTS_WITHOUT_UPSTREAM = frozenset({"portfolio_overview", "quarantine", "model_registry"})
"""Assets that run without their upstream tables (their report names what is missing)."""


def selection_without(skip: tuple[str, ...]) -> str:
    """An asset selection of the whole lake without the assets `skip` and everything downstream of
    them, except REPORTS_WITHOUT_UPSTREAM; `*` when `skip` is empty."""
    if not skip:
        return "*"
    import dagster as dg

    from risk_assets.definitions import defs

    graph = defs.resolve_asset_graph()
    excluded, stack = set(), [dg.AssetKey(name) for name in skip]
    while stack:
        key = stack.pop()
        if key not in excluded:
            excluded.add(key)
            stack.extend(graph.get(key).child_keys)
    keep = {k.to_user_string() for k in graph.materializable_asset_keys - excluded} | set(REPORTS_WITHOUT_UPSTREAM)
    return ",".join(sorted(keep))


def materialize_small_lake(home: RiskHome, log: Path, skip: tuple[str, ...] = ()) -> None:
    """Materialize the lake into `home` with `dagster asset materialize`, run config TINY_PROFILES,
    leaving out the assets `skip` and what depends on them (see `selection_without`).

    The run is recorded in `home`'s own Dagster instance (so the UI started on it shows it); its
    output goes to `log`.

    Raises:
        RuntimeError: the materialization failed; the log's tail is in the message.
    """
    from risk_assets.cli import INSTANCE_YAML

    env = {**os.environ, **instance_env(home)}
    dagster_home = Path(env["DAGSTER_HOME"])
    dagster_home.mkdir(parents=True, exist_ok=True)
    (dagster_home / "dagster.yaml").write_text(INSTANCE_YAML)
    config = tiny_run_config(config_fields_of_definitions())
    command = [_dagster(), "asset", "materialize", "-m", "risk_assets.definitions", "--select", selection_without(skip)]
    if config:
        command += ["--config-json", json.dumps(config)]
    with log.open("w") as out:
        code = subprocess.call(command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    if code != 0:
        tail = log.read_text(errors="replace")[-4000:]
        raise RuntimeError(f"materializing the small lake failed (exit {code}, log {log}):\n{tail}")


def capture_pages(ui: DagsterUI, out_dir: Path, pages: Mapping[str, Page]) -> dict[str, Path]:
    """Capture each page to `out_dir/<name>.png`; returns name -> file."""
    return {name: ui.capture(page.path, out_dir / f"{name}.png", click=page.click, ready=page.ready)
            for name, page in pages.items()}


def regenerate_screenshots(out: Path | None = None, skip: tuple[str, ...] = ()) -> int:
    """Build the small lake in a temporary home (without `skip` and what depends on it), start the
    UI on it, wait until it is settled (`DagsterUI.wait_until_settled`: with an asset skipped, a
    sensor may launch its training, which is waited for) and capture `showcase_pages` to `out`.

    `out` defaults to docs/screenshots in the project. Prints each file written; returns the exit
    code (0, or 2 with a one-line reason when the sample data, cases or Chromium are missing).
    """
    from risk_assets.ui_capture import chromium_path

    out = out or PROJECT_ROOT / "docs" / "screenshots"
    data = sample_dir()
    cases = Path(os.environ.get("RISK_SHARED_DIR", PROJECT_ROOT.parent / "shared")) / "cases"
    if data is None or not cases.is_dir():
        print("risk-assets: screenshots need the sample data and cases (RISK_SAMPLE_DIR, RISK_SHARED_DIR)",
              file=sys.stderr)
        return 2
    if chromium_path() is None:
        print("risk-assets: screenshots need Chromium (Debian: apt-get install chromium)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="risk-screenshots-", ignore_cleanup_errors=True) as tmp:
        home = RiskHome(Path(tmp) / "risk_home")
        seed_small_lake(home, data, cases)
        print(f"materializing a small lake in {home.root}", flush=True)
        try:
            materialize_small_lake(home, Path(tmp) / "materialize.log", skip=skip)
            started = time.time()
            with dagster_ui(env=instance_env(home)) as ui:
                print("waiting for every sensor to tick and every run it launched to end", flush=True)
                ui.wait_until_settled(since=started)
                for name, path in capture_pages(ui, out, showcase_pages(ui)).items():
                    print(f"{name}: {path}")
        except (RuntimeError, TimeoutError, LookupError) as exc:
            print(f"risk-assets: screenshots failed: {exc}", file=sys.stderr)
            return 1
    return 0
