"""The model registry as a reader of the UI sees it: each model's champion, every version with its
status, metric and the reason of its latest change, and the latest status changes (who, when, why).

Rows come from ml.model_registry and ml.model_registry_events (`risk_assets.lib.ml.registry`).
"""

from __future__ import annotations

from risk_assets.lib.lake import table_exists
from risk_assets.lib.ml import registry
from risk_assets.lib.report.markdown import inline_text, table_cell

RECENT_CHANGES = 20
"""Status changes listed, newest first, across all models."""
WHOLE_REASON = 2_000
"""Characters of a reason the `versions` list keeps: the gate's whole reason (a few hundred), so
its figures can be read there; the `champions` table keeps 90, to show in place in the UI."""


def registry_sections(con) -> tuple[dict[str, str], dict[str, str]]:
    """(sections, champions). sections: markdown per metadata entry: `champions` (one row per model:
    its champion, metric, since when and why, short enough to show in place in the UI), `versions`
    (a list: every version, newest first, with status, metric, times and the reason of its latest
    change, whole). A version the time budget cut short (`registry.trained_short`) says so first:
    its `why` in `champions` opens 'trained short (229 of 396 steps): ', its status in `versions`
    reads 'champion, trained short (229 of 396 steps)'.
    and `latest_changes` (the last RECENT_CHANGES status changes, who made them and why).
    champions: model -> champion version ('none' when a model has none). Says so when the registry
    is empty or missing."""
    if not table_exists(con, "ml.model_registry"):
        return {"champions": "No model has been trained yet: ml.model_registry is not in the lake."}, {}
    rows = registry.history(con)
    if not rows:
        return {"champions": "No model has been trained yet: the registry is empty."}, {}
    champions: dict[str, str] = {row["model"]: "none" for row in rows}
    short = registry.trained_short(con)
    lines = ["| model | champion | metric | since (UTC) | why |", "|---|---|---|---|---|"]
    versions = []  # a list: the UI clipped a seven-column table's reasons at the page's edge, mid-figure
    for row in reversed(rows):  # newest first
        value = "n/a" if row["primary_value"] is None else f"{row['primary_metric']} {row['primary_value']:.4f}"
        why = row["reason"] or ""
        if (row["changed_by"] or "").startswith("operator"):
            why = f"{row['status']} by {row['changed_by']}: {row['change_reason']}; earlier: {row['earlier_reason'] or why}"
        status = row["status"]
        if (steps := short.get((row["model"], row["version"]))) is not None:
            # the warning first: the table cuts the reason at 90 characters, where the gate's own
            # figures fill them and the reason's '; trained short: ...' comes after
            why = f"trained short ({steps[0]} of {steps[1]} steps): {why}"
            status = f"{status}, trained short ({steps[0]} of {steps[1]} steps)"
        if row["status"] == "champion":
            champions[row["model"]] = row["version"]
            lines.append(f"| {row['model']} | `{row['version']}` | {value} | {_at(row['promoted_at'])} "
                         f"| {table_cell(why, 90)}{' (whole: versions)' if len(why) > 90 else ''} |")
        promoted = f", promoted {_at(row['promoted_at'])}" if row["promoted_at"] is not None else ""
        versions.append(f"- **{row['model']}** `{row['version']}`: {status}, {value}, trained "
                        f"{_at(row['trained_at'])}{promoted} (UTC): {inline_text(why, WHOLE_REASON)}")
    lines += [f"| {model} | none | | | retired by hand or never promoted: see versions |"
              for model, version in sorted(champions.items()) if version == "none"]
    lines += ["", "Roll back or retire by hand: `risk-assets registry <model> --restore <version>` or `--retire`, "
              "with `--reason`."]
    changes = ["| when (UTC) | model | version | change | by | why |", "|---|---|---|---|---|---|"]
    changes += [f"| {_at(at)} | {model} | `{version}` | {before or 'registered'} -> {after} | {actor} "
                f"| {table_cell(reason, 160)} |" for at, model, version, before, after, actor, reason in _recent_changes(con)]
    return {"champions": "\n".join(lines), "versions": "\n".join(versions), "latest_changes": "\n".join(changes)}, champions


def _recent_changes(con) -> list[tuple]:
    if not table_exists(con, "ml.model_registry_events"):
        return []
    return con.execute(
        "SELECT changed_at, model, version, status_from, status_to, actor, reason FROM ml.model_registry_events "
        f"ORDER BY changed_at DESC, rowid DESC LIMIT {RECENT_CHANGES}").fetchall()


def _at(value) -> str:
    return "" if value is None else f"{value:%Y-%m-%d %H:%M}"
