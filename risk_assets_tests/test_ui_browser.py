"""The Dagster UI shows the lake, its checks and the loan PD model card, in a real headless Chromium.

One small lake (slices of the real LendingClub tape and PhraseBank plus the news cases) is
materialized into a temporary RISK_HOME with `dagster asset materialize`, then `dagster dev` is
started on a free port on that home's instance and stopped by its own PID at the end. Pages are
captured to a temporary folder whose path is printed (run with `-s` to see it); the UI's GraphQL
API is asked what an analyst would see on them.
"""

from __future__ import annotations

import json

import pytest

from risk_assets.lib.home import RiskHome
from risk_assets.showcase_capture import instance_env, materialize_small_lake, seed_small_lake
from risk_assets.ui_capture import chromium_path, dagster_ui
from risk_assets_tests.conftest import CASES, DATA

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None, reason="Debian chromium is not installed (apt-get install chromium)"),
    pytest.mark.skipif(not (DATA.is_dir() and CASES.is_dir()), reason=f"sample data or cases not found under {DATA.parent}"),
]

MODEL = "loan_pd_model"


@pytest.fixture(scope="module")
def ui(tmp_path_factory):
    """`dagster dev` serving a freshly materialized small lake; yields (ui, home, screenshot folder)."""
    tmp = tmp_path_factory.mktemp("ui")
    home = RiskHome(tmp / "risk_home")
    seed_small_lake(home, DATA, CASES)
    # the news fine-tune takes minutes on a CPU and has its own tests; this one is about the UI
    materialize_small_lake(home, tmp / "materialize.log", skip=("news_sentiment_model",))
    with dagster_ui(env=instance_env(home)) as running:
        yield running, home, tmp / "screenshots"


def _entries(asset: dict) -> dict[str, dict]:
    (latest,) = asset["assetMaterializations"]
    return {entry["label"]: entry for entry in latest["metadataEntries"]}


def _aucs(entries: dict[str, dict]) -> list[float]:
    """Every AUC the materialization reports: float entries labelled *auc*, and `auc` keys in JSON entries."""
    found = [e["floatValue"] for label, e in entries.items()
             if e["__typename"] == "FloatMetadataEntry" and "auc" in label.lower()]

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key.lower() == "auc" and isinstance(value, (int, float)):
                    found.append(float(value))
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for entry in entries.values():
        if entry["__typename"] == "JsonMetadataEntry":
            walk(json.loads(entry["jsonString"]))
    return [a for a in found if a is not None]


@pytest.mark.parametrize("name,path,click", [
    ("lineage", "/asset-groups", None),
    ("loan_pd_model_card", f"/assets/{MODEL}?view=events", "Show Markdown"),
])
def test_page_renders_in_chromium(ui, name, path, click):
    running, _, shots = ui
    png = running.capture(path, shots / f"{name}.png", click=click, ready=None if click else "ingest")
    print(f"\n{name} page: {png}")
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000  # a blank 1600x1000 page is ~5 kB


def test_lineage_holds_every_asset_of_the_lake(ui):
    running, _, _ = ui
    nodes = running.graphql("{ assetNodes { assetKey { path } groupName isMaterializable } }")["assetNodes"]
    groups = {n["groupName"] for n in nodes if n["isMaterializable"]}
    keys = {"/".join(n["assetKey"]["path"]) for n in nodes}
    assert {"raw_loans", "raw_news", "loan_features", MODEL, "loan_scores", "portfolio_overview"} <= keys
    assert {"ingest", "transform", "models", "scoring"} <= groups


def test_model_card_is_on_the_latest_materialization(ui):
    running, _, _ = ui
    entries = _entries(running.asset(MODEL))
    cards = [e["mdStr"] for e in entries.values() if e["__typename"] == "MarkdownMetadataEntry"]
    assert cards, f"{MODEL} materialization has no markdown entry (entries: {sorted(entries)})"
    card = "\n".join(cards)
    assert "auc" in card.lower() and "baseline" in card.lower()
    assert "data:image/png;base64," in card  # ROC / calibration plots embedded
    aucs = _aucs(entries)
    assert aucs and all(0.5 < auc <= 1.0 for auc in aucs), aucs


@pytest.mark.parametrize("asset", ["raw_loans", MODEL])
def test_checks_are_described_and_executed(ui, asset):
    running, _, _ = ui
    definition = running.asset(asset)["definition"]
    checks = definition["assetChecksOrError"]["checks"]
    assert checks, f"{asset} has no asset checks in the UI"
    for check in checks:
        assert check["description"], f"{asset}:{check['name']} has no description"
        execution = check["executionForLatestMaterialization"]
        assert execution is not None and execution["evaluation"] is not None, f"{asset}:{check['name']} never ran"


def test_portfolio_overview_links_its_html_report(ui):
    running, home, _ = ui
    entries = _entries(running.asset("portfolio_overview"))
    assert entries["overview"]["mdStr"].startswith("# Portfolio overview")
    assert "ml.loan_scores is not in the lake" not in entries["overview"]["mdStr"]
    report = home.reports / "portfolio_overview.html"
    assert entries["report"]["path"] == str(report) and report.stat().st_size > 10_000


def test_quarantine_has_its_own_page_with_file_line_and_rule(ui):
    running, home, shots = ui
    entries = _entries(running.asset("quarantine"))
    by_file = entries["by_file"]["mdStr"]
    # F18's rows without text were set aside when it landed; the page names the file, rule and first line
    f18 = [row for row in by_file.splitlines() if row.startswith("- **F18_news_empty_text.csv**: `no_usable_text`, ")]
    assert f18 and "(set aside by raw_news)" in f18[0], by_file[:2000]
    values = int(f18[0].split("`no_usable_text`, ")[1].split(" value")[0].replace(",", ""))
    assert entries["dagster/row_count"]["intValue"] >= values > 0
    # a summary under 1,000 characters shows in place, without Dagster's "Show Markdown"
    png = running.capture("/assets/quarantine?view=events", shots / "quarantine.png", ready="values in quarantine")
    assert png.read_bytes().startswith(b"\x89PNG")


def test_the_registry_page_names_the_champion_the_scores_came_from(ui):
    running, home, _ = ui
    entries = _entries(running.asset("model_registry"))
    champion = entries["champion loan_pd_lendingclub"]["text"]
    assert champion != "none"
    assert f"| loan_pd_lendingclub | `{champion}` |" in entries["champions"]["mdStr"]
    import duckdb

    with duckdb.connect(str(home.lake_path), read_only=True) as con:
        scored_by = con.execute("SELECT DISTINCT model_version FROM ml.loan_scores WHERE model = 'loan_pd_lendingclub'").fetchall()
    assert scored_by == [(champion,)]
