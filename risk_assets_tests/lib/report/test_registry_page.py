"""The `model_registry` asset page: champions, every version with why it has its status, and the
latest changes, through a gate promotion, a rejection and an operator's rollback."""

from __future__ import annotations

import re

import dagster as dg
import pytest

from risk_assets.cli import main
from risk_assets.defs.models.registry_page import model_registry
from risk_assets.defs.resources import LakeResource
from risk_assets.lib.lake import connect, ensure_lake
from risk_assets.lib.ml import registry
from risk_assets.lib.report.markdown import INLINE_MARKDOWN_CHARS
from risk_assets.lib.report.registry import registry_sections


def _history(risk_home) -> None:
    """loan_pd_sba: v1 promoted, v2 promoted over it, v3 rejected, then v1 restored by an operator."""
    with connect(risk_home.lake_path) as con:
        ensure_lake(con)
        for version, auc in (("v1", 0.8886), ("v2", 0.8901), ("v3", 0.8712)):
            artifact = risk_home.root / "artifacts" / "loan_pd" / version
            artifact.mkdir(parents=True)
            registry.register_candidate(con, "loan_pd_sba", version, str(artifact), "auc", auc, "snap")
        registry.promote(con, "loan_pd_sba", "v1", "first model; beats the baseline 0.8118")
        registry.promote(con, "loan_pd_sba", "v2", "auc 0.8901 >= champion 0.8886")
        registry.reject(con, "loan_pd_sba", "v3", "auc 0.8712 < champion 0.8901")
        registry.restore_champion(con, "loan_pd_sba", "v1", "v2 under-states 2008 defaults", "operator ana")


def test_the_page_names_champions_and_why_each_version_has_its_status(risk_home):
    _history(risk_home)
    with connect(risk_home.lake_path, read_only=True) as con:
        sections, champions = registry_sections(con)
    assert champions == {"loan_pd_sba": "v1"}
    (champion_row,) = [line for line in sections["champions"].splitlines() if line.startswith("| loan_pd_sba")]
    assert champion_row.startswith("| loan_pd_sba | `v1` | auc 0.8886 |")
    assert len(sections["champions"]) < INLINE_MARKDOWN_CHARS  # shown in place in the UI
    rows = {line.split("`")[1]: line for line in sections["versions"].splitlines() if line.startswith("- **loan_pd_sba** `v")}
    assert list(rows) == ["v3", "v2", "v1"]  # newest first
    assert rows["v1"].startswith("- **loan_pd_sba** `v1`: champion, auc 0.8886, trained ")
    assert rows["v1"].endswith(" (UTC): champion by operator ana: restored by hand: v2 under-states 2008 defaults; "
                               "earlier: replaced by v2: auc 0.8901 >= champion 0.8886")
    assert rows["v3"].startswith("- **loan_pd_sba** `v3`: rejected, auc 0.8712, trained ")
    assert rows["v3"].endswith(" (UTC): auc 0.8712 < champion 0.8901") and ", promoted " not in rows["v3"]
    first_change = sections["latest_changes"].splitlines()[2]
    assert first_change.endswith("| loan_pd_sba | `v1` | retired -> champion | operator ana | restored by hand: "
                                 "v2 under-states 2008 defaults |")


def test_a_long_reason_is_whole_among_the_versions_and_cut_after_a_word_among_the_champions(risk_home):
    """A gate's reason runs to a few hundred characters: the versions list keeps it whole, figures
    included; the champions table, shown in place, cuts it after a whole word and says where it is."""
    reason = ("first model; holdout AUC 0.6854 beats the logistic-regression baseline 0.6687 by +0.0167 "
              "(95% CI +0.0071 to +0.0263; one-sided paired DeLong p < 0.001: beyond chance) (7,957 holdout loans)")
    with connect(risk_home.lake_path) as con:
        ensure_lake(con)
        artifact = risk_home.root / "artifacts" / "loan_pd" / "v1"
        artifact.mkdir(parents=True)
        registry.register_candidate(con, "loan_pd_lendingclub", "v1", str(artifact), "auc", 0.6854, "snap")
        registry.promote(con, "loan_pd_lendingclub", "v1", reason)
        sections, _ = registry_sections(con)
    (version_row,) = [line for line in sections["versions"].splitlines() if line.startswith("- **loan_pd_lendingclub**")]
    assert version_row.endswith(f" (UTC): {reason}") and ", promoted " in version_row
    (champion_row,) = [line for line in sections["champions"].splitlines() if line.startswith("| loan_pd_lendingclub")]
    assert champion_row.endswith("| first model; holdout AUC 0.6854 beats the logistic-regression baseline 0.6687 "
                                 "by +0.0167… (whole: versions) |")


def test_an_empty_lake_says_no_model_was_trained(risk_home):
    with connect(risk_home.lake_path) as con:
        ensure_lake(con)
        assert registry_sections(con) == ({"champions": "No model has been trained yet: the registry is empty."}, {})


def test_the_asset_carries_the_champion_per_model(risk_home):
    _history(risk_home)
    result = dg.materialize([model_registry], resources={"lake": LakeResource(root=str(risk_home.root))})
    (event,) = result.get_asset_materialization_events()
    metadata = event.materialization.metadata
    assert metadata["champion loan_pd_sba"].value == "v1"
    assert metadata["dagster/row_count"].value == 3
    assert "retired -> champion" in metadata["latest_changes"].value


@pytest.mark.parametrize("model", ["loan_pd_lendingclub", "news_sentiment"])
def test_a_version_the_gate_retires_says_which_version_replaced_it_and_why(risk_home, capsys, model):
    """A promoted, B over it by the gate, A restored by hand, C over A by the gate: A's row, its line
    in the listing and on the page give the gate's replacement, as its event does, not the restore's
    words (nor, after its first replacement, its own promotion's)."""
    with connect(risk_home.lake_path) as con:
        ensure_lake(con)
        for version in ("A", "B", "C"):
            artifact = risk_home.root / "artifacts" / model / version
            artifact.mkdir(parents=True)
            registry.register_candidate(con, model, version, str(artifact), "auc", 0.7, "snap")
        registry.promote(con, model, "A", "promoted: first model")
        registry.promote(con, model, "B", "promoted: gain 0.012")
        assert registry.version_row(con, model, "A")["reason"] == "replaced by B: promoted: gain 0.012"
        registry.restore_champion(con, model, "A", "roll back", "operator ana")
        assert registry.version_row(con, model, "B")["reason"] == "replaced by A: restored by hand: roll back"
        registry.promote(con, model, "C", "promoted: gain 0.020")
        assert registry.version_row(con, model, "A")["reason"] == "replaced by C: promoted: gain 0.020"
        latest = [(e["version"], e["status_to"], e["reason"]) for e in registry.events(con, model, limit=2)]
        assert latest == [("C", "champion", "promoted: gain 0.020"), ("A", "retired", "replaced by C: promoted: gain 0.020")]
        sections, _ = registry_sections(con)
    (row_a,) = [line for line in sections["versions"].splitlines() if line.startswith(f"- **{model}** `A`")]
    assert row_a.endswith(" (UTC): replaced by C: promoted: gain 0.020")
    assert main(["registry", model]) == 0
    (line_a,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith(f"{model}  A  ")]
    assert line_a.startswith(f"{model}  A  retired ") and line_a.endswith("  replaced by C: promoted: gain 0.020")


def test_a_champion_trained_short_says_so_first_where_the_table_cuts_its_reason(risk_home):
    """The sample's sentiment champion, cut by the time budget at 229 of 396 steps: its row in the
    champions table opens with the warning, before the gate's figures fill the 90 characters shown;
    the PD champion beside it, whose training records no steps, reads as before."""
    gate = ("promoted: first model; holdout macro-F1 0.8056 beats the TF-IDF baseline 0.6463 by +0.1594 (95% CI "
            "+0.1183 to +0.2044; one-sided paired bootstrap p < 0.001: beyond chance) (967 holdout sentences); "
            "trained short: 229 of 396 optimiser steps (1.73 of 3 epochs) because the time budget of 540 s "
            "(max_train_seconds) ran out")
    with connect(risk_home.lake_path) as con:
        ensure_lake(con)
        for model, version, metric, value in (("news_sentiment", "v1", "macro_f1", 0.8056),
                                              ("news_sentiment", "v0", "macro_f1", 0.8240),
                                              ("loan_pd_sba", "v1", "auc_holdout_oot", 0.6792)):
            artifact = risk_home.root / "artifacts" / model / version
            artifact.mkdir(parents=True)
            registry.register_candidate(con, model, version, str(artifact), metric, value, "snap")
        registry.record_metrics(con, "news_sentiment", "v0", "train", {"steps": 396.0, "planned_steps": 396.0})
        registry.record_metrics(con, "news_sentiment", "v1", "train", {"steps": 229.0, "planned_steps": 396.0})
        registry.reject(con, "news_sentiment", "v0", "rejected: champion changed while it trained")
        registry.promote(con, "news_sentiment", "v1", gate)
        registry.promote(con, "loan_pd_sba", "v1", "promoted: first model; holdout_oot AUC 0.6792 beats the "
                                                   "logistic-regression baseline 0.6601 by +0.0191")
        sections, _ = registry_sections(con)
    rows = {line.split(" | ")[0]: line for line in sections["champions"].splitlines() if line.startswith("| ")}
    assert re.fullmatch(r"\| news_sentiment \| `v1` \| macro_f1 0\.8056 \| \d{4}-\d\d-\d\d \d\d:\d\d \| "
                        r"trained short \(229 of 396 steps\): promoted: first model; holdout macro-F1 0\.8056 "
                        r"beats… \(whole: versions\) \|", rows["| news_sentiment"])
    assert rows["| loan_pd_sba"].endswith("| promoted: first model; holdout_oot AUC 0.6792 beats the "
                                          "logistic-regression baseline… (whole: versions) |")
    versions = {line.split("`")[1] + line.split("**")[1]: line for line in sections["versions"].splitlines()}
    assert versions["v1news_sentiment"].startswith(
        "- **news_sentiment** `v1`: champion, trained short (229 of 396 steps), macro_f1 0.8056, trained ")
    assert versions["v1news_sentiment"].endswith(f" (UTC): trained short (229 of 396 steps): {gate}")
    assert versions["v0news_sentiment"].startswith("- **news_sentiment** `v0`: rejected, macro_f1 0.8240, trained ")
    assert versions["v1loan_pd_sba"].startswith("- **loan_pd_sba** `v1`: champion, auc_holdout_oot 0.6792, trained ")
