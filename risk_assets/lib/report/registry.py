"""The model registry as a reader of the UI sees it: each model's champion, every version with its
status, metric and the reason of its latest change, and the latest status changes (who, when, why).

Rows come from ml.model_registry and ml.model_registry_events (`risk_assets.lib.ml.registry`).
"""

from __future__ import annotations

from risk_assets.lib.lake import table_exists
from risk_assets.lib.ml import registry
from risk_assets.lib.report.markdown import table_cell

RECENT_CHANGES = 20
"""Status changes listed, newest first, across all models."""


def registry_markdown(con) -> tuple[str, dict[str, str]]:
    """(markdown, champions): the registry page and model -> champion version ('none' when a model
    has none). Says so when the registry is empty or missing."""
    if not table_exists(con, "ml.model_registry"):
        return "No model has been trained yet: ml.model_registry is not in the lake.", {}
    rows = registry.history(con)
    if not rows:
        return "No model has been trained yet: the registry is empty.", {}
    champions: dict[str, str] = {}
    for row in rows:
        champions.setdefault(row["model"], "none")
        if row["status"] == "champion":
            champions[row["model"]] = row["version"]
    lines = ["**Champions:** " + ", ".join(f"{model} `{version}`" for model, version in champions.items()), "",
             "| model | version | status | metric | trained (UTC) | promoted (UTC) | why |",
             "|---|---|---|---|---|---|---|"]
    for row in reversed(rows):  # newest first within the page
        value = "n/a" if row["primary_value"] is None else f"{row['primary_metric']} {row['primary_value']:.4f}"
        why = row["reason"] or ""
        if (row["changed_by"] or "").startswith("operator"):
            why = f"{row['status']} by {row['changed_by']}: {row['change_reason']}; earlier: {row['earlier_reason'] or why}"
        lines.append(f"| {row['model']} | `{row['version']}` | {row['status']} | {value} | {_at(row['trained_at'])} "
                     f"| {_at(row['promoted_at'])} | {table_cell(why, 160)} |")
    changes = _recent_changes(con)
    if changes:
        lines += ["", "### Latest status changes", "", "| when (UTC) | model | version | change | by | why |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {_at(at)} | {model} | `{version}` | {before or 'registered'} -> {after} | {actor} | {table_cell(reason, 160)} |"
                  for at, model, version, before, after, actor, reason in changes]
    lines += ["", "Roll back or retire by hand: `risk-assets registry <model> --restore <version> | --retire "
              "--reason \"...\"`; each model's card is on its training asset's page."]
    return "\n".join(lines), champions


def _recent_changes(con) -> list[tuple]:
    if not table_exists(con, "ml.model_registry_events"):
        return []
    return con.execute(
        "SELECT changed_at, model, version, status_from, status_to, actor, reason FROM ml.model_registry_events "
        f"ORDER BY changed_at DESC, rowid DESC LIMIT {RECENT_CHANGES}").fetchall()


def _at(value) -> str:
    return "" if value is None else f"{value:%Y-%m-%d %H:%M}"
