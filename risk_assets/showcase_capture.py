"""A small lake, materialized the way a user would, and the UI pages that show it, captured as PNGs.

Used by `risk-assets screenshots` (which regenerates the README's docs/screenshots/*.png) and by the
browser test. The small lake is the bad-input cases plus the first rows of the real LendingClub tape
and of the Financial PhraseBank, landed in a temporary RISK_HOME and materialized with
`dagster asset materialize --select '*'` under tiny training profiles, so it takes minutes, not the
main job's time.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from risk_assets.lib.home import PROJECT_ROOT, RiskHome, sample_dir
from risk_assets.ui_capture import DagsterUI, dagster_ui

LENDINGCLUB_ROWS = 3_000
"""Data rows of the LendingClub tape landed (of 39,786): ~430 defaults, enough to train and hold out."""

PHRASEBANK_LINES = 800
"""Lines of the PhraseBank 50%-agreement file landed (of 4,846)."""

LOAN_CASES = (
    "F01_loans_2024-01.csv", "F01_loans_2024-02.csv", "F03_loans_2024-03.csv", "F03_loans_2024-03 (1).csv",
    "F05_loanstats_with_note_lines.csv", "F06_lc_formatted_strings.csv", "F11_loans_asof_2024-06-30_implausible.csv",
    "F12_loans_snapshot_2024-03.csv", "F12_loans_snapshot_2024-04.csv",
)
"""Loan cases landed: duplicates, note lines, formatted strings, implausible values and snapshots,
so the checks and the quarantine have something to show."""

NEWS_CASES = ("F17_news_long_text.csv", "F18_news_empty_text.csv", "F19_news_html_entities.csv")
"""News cases landed: dated articles (the PhraseBank has no dates) with long, empty and dirty text."""

TINY_PROFILES: dict[str, dict[str, object]] = {
    "loan_pd_model": {"max_epochs": 5, "seed": 0},
    "news_sentiment_model": {"epochs": 1, "max_train_examples": 256, "batch_size": 32, "max_tokens": 64},
}
"""Training config per asset for the small lake; fields an asset's config does not have are left out."""

PAGES = {
    "lineage": "/asset-groups",
    "loan_pd_model": "/assets/loan_pd_model",
    "checks": "/assets/raw_loans?view=checks",
    "portfolio_overview": "/assets/portfolio_overview",
    "automation": "/automation",
}
"""Screenshot name -> UI path: the lineage graph, the model's page (model card), a check page, the
portfolio overview and the sensors and schedules."""


def _dagster() -> str:
    local = Path(sys.executable).parent / "dagster"
    return str(local) if local.exists() else "dagster"


def seed_small_lake(home: RiskHome, data: Path, cases: Path) -> list[Path]:
    """Land the small lake's files in `home`'s landing folders; returns the landed paths.

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


def materialize_small_lake(home: RiskHome, log: Path, select: str = "*") -> None:
    """Materialize `select` into `home` with `dagster asset materialize`, run config TINY_PROFILES.

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
    command = [_dagster(), "asset", "materialize", "-m", "risk_assets.definitions", "--select", select]
    if config:
        command += ["--config-json", json.dumps(config)]
    with log.open("w") as out:
        code = subprocess.call(command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    if code != 0:
        tail = log.read_text(errors="replace")[-4000:]
        raise RuntimeError(f"materializing the small lake failed (exit {code}, log {log}):\n{tail}")


def capture_pages(ui: DagsterUI, out_dir: Path, pages: Mapping[str, str] = PAGES) -> dict[str, Path]:
    """Screenshot each page (name -> UI path) to `out_dir/<name>.png`; returns name -> file."""
    return {name: ui.screenshot(path, out_dir / f"{name}.png") for name, path in pages.items()}


def regenerate_screenshots(out: Path | None = None) -> int:
    """Build the small lake in a temporary home, start the UI on it and capture PAGES to `out`.

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
    with tempfile.TemporaryDirectory(prefix="risk-screenshots-") as tmp:
        home = RiskHome(Path(tmp) / "risk_home")
        seed_small_lake(home, data, cases)
        print(f"materializing a small lake in {home.root}", flush=True)
        materialize_small_lake(home, Path(tmp) / "materialize.log")
        with dagster_ui(env=instance_env(home)) as ui:
            for name, path in capture_pages(ui, out).items():
                print(f"{name}: {path}")
    return 0
