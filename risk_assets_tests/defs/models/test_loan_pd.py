"""loan_pd_model -> gate -> loan_scores materialized on a temporary lake with real LendingClub rows, and the F13 refusal."""

from __future__ import annotations

import logging
import re

import dagster as dg
import pandas as pd
import pytest

from risk_assets.defs.models.loan_pd import loan_pd_gate, loan_pd_model, loan_scores, loan_scores_coverage
from risk_assets.defs.monitoring.policy import RetrainPolicy
from risk_assets.defs.resources import LakeResource
from risk_assets.defs.showcase.portfolio import portfolio_overview
from risk_assets.lib.lake import connect
from risk_assets.lib.ml.reference_data import lendingclub_frame
from risk_assets.lib.report.portfolio import build_overview
from risk_assets.lib.report.markdown import INLINE_MARKDOWN_CHARS
from risk_assets_tests.lib.ml.test_pd_training import f13_frame

FAST = {"members": 2, "folds": 2, "max_epochs": 12, "hidden": [32]}


@pytest.fixture(autouse=True)
def untuned_baseline(monkeypatch):
    """The baseline at C = 1 alone (not chosen on the folds): a FAST net on a few thousand loans does
    not beat the tuned baseline, and these tests follow the gate's paths once a first model is
    promoted. How C is chosen is tested in test_pd_training."""
    monkeypatch.setattr("risk_assets.lib.ml.training.BASELINE_C_GRID", (1.0,))


def _materialize(risk_home, frame, config=FAST):
    with connect(risk_home.lake_path) as con:
        con.register("frame", frame)
        con.execute("CREATE OR REPLACE TABLE marts.loan_features AS SELECT * FROM frame")
    return dg.materialize(
        [loan_pd_model, loan_pd_gate, loan_scores, loan_scores_coverage],
        resources={"lake": LakeResource(root=str(risk_home.root)), "retrain_policy": RetrainPolicy()},
        run_config={"ops": {"loan_pd_model": {"config": config}}},
        raise_on_error=False,
    )


def test_lendingclub_model_is_trained_gated_and_scores_every_loan(risk_home, data_dir):
    frame = lendingclub_frame(data_dir / "loans" / "lendingclub_2007_2011.csv").iloc[:12000]
    frame.loc[frame.index[:500], "default_flag"] = None  # unlabelled loans are scored, not trained on
    result = _materialize(risk_home, frame)
    assert result.success
    metadata = result.asset_materializations_for_node("loan_pd_model")[0].metadata
    card = metadata["model_card"].value
    assert "holdout: model" in card and "data:image/png;base64," in card and "device: cpu" in card
    assert list(metadata)[:2] == ["summary", "calibration loan_pd_lendingclub"]  # shown first, in place
    summary = metadata["summary"].value
    assert len(summary) < INLINE_MARKDOWN_CHARS
    report = risk_home.reports / "loan_pd_lendingclub" / "latest.html"
    html = report.read_text()
    assert "holdout: model" in html and "data:image/png;base64," in html and "http://" not in html
    with connect(risk_home.lake_path, read_only=True) as con:
        registry = con.execute("SELECT model, status, reason FROM ml.model_registry").fetchall()
        (version,) = con.execute("SELECT version FROM ml.model_registry").fetchone()
        metrics = dict(con.execute(
            "SELECT model, value FROM ml.model_metrics WHERE split = 'holdout' AND metric = 'auc'").fetchall())
        scores = con.execute("SELECT count(*), count(DISTINCT loan_key), min(pd), max(pd) FROM ml.loan_scores").fetchone()
        roc_points = con.execute("SELECT count(*) FROM ml.roc_curves WHERE model = 'loan_pd_lendingclub'").fetchone()[0]
        bins = con.execute("SELECT sum(count) FROM ml.calibration_bins WHERE model = 'loan_pd_lendingclub'").fetchone()[0]
        calibrations = con.execute("SELECT pd_calibration, count(*) FROM ml.loan_scores GROUP BY 1").fetchall()
    assert metrics["loan_pd_lendingclub"] > metrics["loan_pd_lendingclub_baseline"]
    # every score says how to read its PD, in the word the card's calibration line gives at length
    assert metadata["calibration loan_pd_lendingclub"].value.startswith("calibration on holdout: PDs match observed defaults (ECE ")
    assert calibrations == [("calibrated on holdout", 12000)]
    table = result.asset_materializations_for_node("loan_scores")[0].metadata["score_distribution"].value.splitlines()
    assert table[0].startswith("| portfolio | version | PDs (pd_calibration) | rows | mean PD | R1 |")
    assert table[2].startswith(f"| lendingclub | {version} | calibrated on holdout: 12,000 | 12,000 | 0.")
    assert summary.splitlines()[0].startswith(
        f"- **loan_pd_lendingclub: promoted**: holdout AUC {round(metrics['loan_pd_lendingclub'], 4)} "
        f"(baseline {round(metrics['loan_pd_lendingclub_baseline'], 4)}), ECE ")
    assert registry[0][:2] == ("loan_pd_lendingclub", "champion") and "beats the logistic-regression baseline" in registry[0][2]
    gate = result.get_asset_check_evaluations()[0]
    assert gate.passed and gate.description.startswith("loan_pd_lendingclub ") and gate.description.endswith(registry[0][2])
    # the card opens with the gate's verdict, decided by the same pd_lake.gate as the check reports
    assert card.startswith(f"### loan_pd_lendingclub {version}\n\n**Gate: promoted** ({registry[0][2]})\n\n- split: ")
    assert metadata["promotion"].value.splitlines()[0] == (
        f"- **lendingclub: promoted** ({version}): {registry[0][2].removeprefix('promoted: ')}")
    assert f"<strong>Gate: promoted</strong> ({registry[0][2]})" in html.replace("&lt;", "<")
    assert html.index("<strong>Gate: promoted</strong>") < html.index("split: ")
    assert re.search(r"; trained on cpu in \d+ s$", summary.splitlines()[0])
    assert scores[0] == scores[1] == 12000 and 0 < scores[2] < scores[3] < 1
    # read in the UI by analysts: tables and paths, no JSON repeating the summary, no empty `{}`
    assert not {"models", "refused", "reports"} & set(metadata)
    assert metadata["holdout AUC loan_pd_lendingclub"].value == round(metrics["loan_pd_lendingclub"], 4)
    assert metadata["report loan_pd_lendingclub"] == dg.MetadataValue.path(
        str(risk_home.reports / "loan_pd_lendingclub" / f"{version}.html"))
    assert set(gate.metadata) == {"verdicts"}
    assert gate.metadata["verdicts"].value.splitlines()[0] == (
        f"- **lendingclub: promoted** ({version}): {registry[0][2].removeprefix('promoted: ')}")
    scored_meta = result.asset_materializations_for_node("loan_scores")[0].metadata
    quantiles = scored_meta["pd_quantiles"].value.splitlines()
    assert quantiles[:2] == ["| portfolio | 1% | 10% | median | 90% | 99% |", "|---|---:|---:|---:|---:|---:|"]
    assert re.fullmatch(r"\| lendingclub( \| 0\.\d{4,7})+ \|", quantiles[2])  # 4 significant digits, not 16
    assert scored_meta["unscored_portfolios"].value == "none"
    overview = dg.materialize([portfolio_overview], resources={"lake": LakeResource(root=str(risk_home.root))})
    figures = overview.asset_materializations_for_node("portfolio_overview")[0].metadata
    for key in ("mean_pd", "observed_default_rate"):  # 4 decimals in the UI, not 0.10908206272955899
        assert 0 < figures[key].value < 1 and figures[key].value == round(figures[key].value, 4)
    # beside the pooled mean PD: the book's own pair, and how to read them
    assert figures["mean_pd_by_portfolio"].value.splitlines()[2].startswith("| lendingclub | ")
    assert figures["mean_pd_caveat"].value.startswith(f"The mean PD {figures['mean_pd'].value:.4f} pools 1 scored book")
    # the sentiment model's scheme: the UTC second training started, then the run that trained it
    assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{8}", version) and version.endswith(result.run_id[:8])
    assert 2 < roc_points <= 201 and bins == 2300  # 20% of the 11,500 labelled loans


def test_a_lake_home_moved_elsewhere_scores_with_the_champion_it_holds(risk_home, data_dir, tmp_path, monkeypatch):
    """A lake home copied to another disk, restored from a backup or renamed keeps its registry, whose
    artifact paths name the old place: scoring and the registry find the
    champion's folder in the home the lake is in now (scoring failed on the old path before)."""
    import shutil

    from risk_assets.lib.home import RiskHome
    from risk_assets.lib.ml import registry

    frame = lendingclub_frame(data_dir / "loans" / "lendingclub_2007_2011.csv").iloc[:6000]
    assert _materialize(risk_home, frame).success
    moved = RiskHome(tmp_path / "restored" / "risk_home")
    moved.root.parent.mkdir()
    shutil.move(str(risk_home.root), str(moved.root))
    monkeypatch.setenv("RISK_HOME", str(moved.root))
    result = dg.materialize([loan_pd_model, loan_pd_gate, loan_scores, loan_scores_coverage], selection=[loan_scores],
                            resources={"lake": LakeResource(root=str(moved.root)), "retrain_policy": RetrainPolicy()},
                            raise_on_error=False)
    assert result.success
    with connect(moved.lake_path, read_only=True) as con:
        (stored,) = con.execute("SELECT artifact_path FROM ml.model_registry").fetchone()
        champion = registry.champion(con, "loan_pd_lendingclub")
        (scored,) = con.execute("SELECT count(*) FROM ml.loan_scores").fetchone()
    assert stored.startswith(str(risk_home.root))  # the registry is not rewritten: it records where training wrote
    assert champion["artifact_path"] == str(moved.artifacts / "loan_pd_lendingclub" / champion["version"])
    assert scored == 6000


def test_f13_run_refuses_records_null_auc_with_reason_and_promotes_nothing(risk_home, cases_dir):
    """A refusal is an outcome, not a failed run: the card and the gate (WARN) say why, nothing is
    promoted, and loan_scores runs, scores nothing and says which book is unscored and why."""
    result = _materialize(risk_home, f13_frame(cases_dir), config={})
    assert result.success
    with connect(risk_home.lake_path, read_only=True) as con:
        value, reason = con.execute("SELECT value, reason FROM ml.model_metrics WHERE model = 'loan_pd_f13'").fetchone()
        promoted = con.execute("SELECT count(*) FROM ml.model_registry").fetchone()[0]
        scored = con.execute("SELECT count(*) FROM ml.loan_scores").fetchone()[0]
    assert value is None and "holdout_oot: 0 defaults / 10 loans" in reason
    assert "min_defaults_per_split lowers the floor" in reason
    assert promoted == 0 and scored == 0
    metadata = result.asset_materializations_for_node("loan_pd_model")[0].metadata
    card = metadata["model_card"].value
    assert card.startswith("\n### loan_pd_f13: not trained\ntoo few defaults to train a PD model")
    assert metadata["refused"].value == f"- **loan_pd_f13**: {reason}"
    assert not any(key.startswith("report") for key in metadata)
    gate, coverage = sorted(result.get_asset_check_evaluations(), key=lambda c: c.check_name)
    verdicts = gate.metadata["verdicts"].value.splitlines()
    assert verdicts[0].startswith("- **f13: refused** (not trained): too few defaults to train a PD model")
    assert len(verdicts) == 1 and set(gate.metadata) == {"verdicts"}
    assert coverage.metadata["unscored"].value.splitlines()[2].startswith(
        "| f13 | 40 | no loan_pd_f13 champion: training refused: too few defaults to train a PD model")
    scored_meta = result.asset_materializations_for_node("loan_scores")[0].metadata
    assert scored_meta["unscored_portfolios"].value == "f13" and "pd_quantiles" not in scored_meta
    assert (gate.check_name, gate.passed, gate.severity) == ("loan_pd_gate", False, dg.AssetCheckSeverity.WARN)
    assert gate.description == f"loan_pd_f13: not trained: {reason}"
    assert (coverage.check_name, coverage.passed, coverage.severity) == ("loan_scores_coverage", False, dg.AssetCheckSeverity.WARN)
    assert coverage.description == f"f13: 40 loans unscored (no loan_pd_f13 champion: training refused: {reason})"
    # the lake keeps both verdicts beside the data checks', so the overview's open issues list them
    with connect(risk_home.lake_path, read_only=True) as con:
        kept = con.execute("SELECT check_name, asset, run_id, success, severity, failing_count, observed_value "
                           "FROM quality.check_results ORDER BY check_name").fetchall()
        overview = build_overview(con)
    assert kept == [
        ("loan_pd_gate", "loan_pd_model", result.run_id, False, "WARN", 1, gate.description),
        ("loan_scores_coverage", "loan_scores", result.run_id, False, "WARN", 40, coverage.description)]
    (section,) = [s for s in overview.sections if s.title == "Open quality issues: failed checks"]
    assert [(r[0], r[1], r[3]) for r in section.rows] == [("loan_pd_model", "loan_pd_gate", "1 model"),
                                                          ("loan_scores", "loan_scores_coverage", "40 loans")]


def test_a_book_whose_first_model_is_rejected_does_not_stop_the_scoring_of_the_others(risk_home, data_dir):
    """Two books: 12,000 LendingClub loans, and a book of 6,000 other LendingClub loans whose default
    flags were shuffled (no signal: its first model cannot beat the logistic-regression baseline on
    AUC and is rejected). The rejection warns, as a refusal does: LendingClub's champion scores its
    loans and the coverage check names the unscored book with the rejection's reason. Before, the
    gate failed (ERROR) and no loan of the lake was scored."""
    loans = lendingclub_frame(data_dir / "loans" / "lendingclub_2007_2011.csv")
    noise = loans.iloc[12000:18000].copy()
    noise["loan_key"] = "noise:" + noise["loan_key"]
    noise["portfolio"] = "noise"
    noise["default_flag"] = noise["default_flag"].sample(frac=1.0, random_state=0).to_numpy()
    result = _materialize(risk_home, pd.concat([loans.iloc[:12000], noise], ignore_index=True))

    assert result.success
    gate, coverage = sorted(result.get_asset_check_evaluations(), key=lambda c: c.check_name)
    assert (gate.passed, gate.severity) == (False, dg.AssetCheckSeverity.WARN)
    with connect(risk_home.lake_path, read_only=True) as con:
        statuses = dict(con.execute("SELECT model, status FROM ml.model_registry").fetchall())
        reason = con.execute("SELECT reason FROM ml.model_registry WHERE model = 'loan_pd_noise'").fetchone()[0]
        scored = dict(con.execute("SELECT portfolio, count(*) FROM ml.loan_scores GROUP BY 1").fetchall())
    assert statuses == {"loan_pd_lendingclub": "champion", "loan_pd_noise": "rejected"}
    assert "does not beat the logistic-regression baseline" in reason
    card = result.asset_materializations_for_node("loan_pd_model")[0].metadata["model_card"].value
    assert f"\n\n**Gate: not promoted** ({reason})\n\n" in card.split("### loan_pd_noise ")[1]
    assert gate.description.endswith(f"loan_pd_noise {card.split('### loan_pd_noise ')[1].split()[0]}: {reason}")
    assert scored == {"lendingclub": 12000}
    assert (coverage.passed, coverage.severity) == (False, dg.AssetCheckSeverity.WARN)
    assert coverage.description == f"noise: 6,000 loans unscored (no loan_pd_noise champion: latest version rejected: {reason})"


def test_a_lone_book_whose_first_model_is_rejected_fails_the_gate_and_stops_scoring(risk_home, data_dir):
    """With no champion anywhere in the lake there is nothing to score: the rejection stays an ERROR."""
    noise = lendingclub_frame(data_dir / "loans" / "lendingclub_2007_2011.csv").iloc[12000:18000].copy()
    noise["default_flag"] = noise["default_flag"].sample(frac=1.0, random_state=0).to_numpy()
    result = _materialize(risk_home, noise)

    assert not result.success
    (gate,) = result.get_asset_check_evaluations()
    assert (gate.passed, gate.severity) == (False, dg.AssetCheckSeverity.ERROR)
    assert "rejected" in gate.description and "does not beat the logistic-regression baseline" in gate.description


def test_retraining_on_a_longer_tape_compares_champion_and_challenger_on_loans_neither_trained_on(risk_home, data_dir):
    """First run: 9,000 LendingClub loans. Second run: 12,000. The second holdout keeps the first's
    1,800 held-out loans, takes none of the 7,200 the champion trained on, and the gate says so."""
    frame = lendingclub_frame(data_dir / "loans" / "lendingclub_2007_2011.csv").iloc[:12000]
    assert _materialize(risk_home, frame.iloc[:9000]).success
    second = _materialize(risk_home, frame)
    assert second.success
    with connect(risk_home.lake_path, read_only=True) as con:
        (v1, v2), = con.execute("SELECT min(version), max(version) FROM ml.model_registry").fetchall()
        held = {k for (k,) in con.execute("SELECT loan_key FROM ml.model_holdouts WHERE version = ?", [v1]).fetchall()}
        fitted = {k for (k,) in con.execute("SELECT loan_key FROM ml.model_training_loans WHERE version = ?", [v1]).fetchall()}
        held2 = {k for (k,) in con.execute("SELECT loan_key FROM ml.model_holdouts WHERE version = ?", [v2]).fetchall()}
        reason = con.execute("SELECT reason FROM ml.model_registry WHERE version = ?", [v2]).fetchone()[0]
    assert len(held) == 1800 and len(fitted) == 7200
    assert held <= held2 and not held2 & fitted and len(held2) == 1800 + 600
    assert f"vs champion {v1}" in reason and "one-sided paired DeLong p" in reason
    # LendingClub's extract has no ids: loans are keyed by file and line, and the reason says what that leaves open
    assert reason.endswith(f"({len(held2):,} holdout loans, none of them among the champion's training loans by key, "
                           "and training leaves out the earlier copies of loans without an id that a later file repeats "
                           "(check raw_loans_idless_repeats); a copy under that check's threshold keeps a key of its own)")
    card = second.asset_materializations_for_node("loan_pd_model")[0].metadata["model_card"].value
    assert f"holdout kept from champion {v1}: 1,800 of its held-out loans held out again" in card


def test_a_seed_1_retraining_of_a_subsampled_book_holds_the_champions_in_time_holdout_out_again(risk_home, data_dir):
    """SBA's in-time loans are subsampled (492,941 to 50,000) before the split. A seed-1 retraining
    held out again only the champion's held-out loans its new subsample happened to draw (519 of
    5,000); here a 3% sample subsampled to 4,000 (config max_in_time_rows): the challenger's in-time
    holdout, read back from ml.model_holdouts, holds all 400 of the champion's, and the card says so."""
    from risk_assets.lib.ml.reference_data import sba_frame

    from risk_assets.lib.ml import registry

    frame = sba_frame(data_dir / "loans" / "sba_national.csv.gz", sample_fraction=0.03)
    config = {**FAST, "max_in_time_rows": 4000}
    _materialize(risk_home, frame, config)  # a net this small does not beat the baseline: made champion by hand
    with connect(risk_home.lake_path) as con:
        (v1,) = con.execute("SELECT version FROM ml.model_registry WHERE model = 'loan_pd_sba'").fetchone()
        registry.promote(con, "loan_pd_sba", v1, "the standing champion of this test", actor="operator")
    second = _materialize(risk_home, frame, {**config, "seed": 1})

    def keys(version, table, split="holdout_in_time"):
        where = "" if table == "ml.model_training_loans" else f" AND split = '{split}'"
        return {k for (k,) in con.execute(f"SELECT loan_key FROM {table} WHERE version = ?{where}", [version]).fetchall()}

    with connect(risk_home.lake_path, read_only=True) as con:
        (v1, v2), = con.execute("SELECT min(version), max(version) FROM ml.model_registry").fetchall()
        held, held2 = keys(v1, "ml.model_holdouts"), keys(v2, "ml.model_holdouts")
        fitted = keys(v1, "ml.model_training_loans")
        same_oot = keys(v1, "ml.model_holdouts", "holdout_oot") == keys(v2, "ml.model_holdouts", "holdout_oot")
    assert (len(held), len(held2), len(fitted)) == (400, 671, 3600) and same_oot
    assert held <= held2 and not held2 & fitted
    card = second.asset_materializations_for_node("loan_pd_model")[0].metadata["model_card"].value
    assert f"holdout kept from champion {v1}: 400 of its in-time held-out loans held out again, 899 loans" in card


def test_config_portfolios_trains_those_books_only(risk_home, cases_dir, data_dir):
    """The retrain sensor's first_model run names the new book: the LendingClub loans beside it are not retrained."""
    import pandas as pd

    lendingclub = lendingclub_frame(data_dir / "loans" / "lendingclub_2007_2011.csv").iloc[:3000]
    result = _materialize(risk_home, pd.concat([f13_frame(cases_dir), lendingclub], ignore_index=True),
                          config={**FAST, "portfolios": ["f13"]})
    assert result.success  # f13 alone was tried, and refused (a warning): too few defaults
    with connect(risk_home.lake_path, read_only=True) as con:
        trained = con.execute("SELECT DISTINCT model FROM ml.model_metrics ORDER BY 1").fetchall()
    assert trained == [("loan_pd_f13",)]


def test_a_redelivered_tape_without_ids_trains_each_loan_once_on_the_side_its_first_copy_took(risk_home, data_dir):
    """LendingClub's extract has no loan id, so a correction landed later (its first 2,000 loans
    again) keys those loans anew. Retraining leaves the earlier copies out: each loan trains or is
    held out once, as its later copy, on the side of the champion's split its first copy took, so
    the gate never scores the champion on a loan it trained on under another key."""
    from itertools import islice

    import pandas as pd

    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.loan_formats import parse_loan_file

    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        lines = [line.rstrip("\r\n") for line in islice(handle, 6001)]

    def land(name: str, text: str) -> pd.DataFrame:
        (risk_home.landing_loans / name).write_text(text, encoding="utf-8")
        with connect(risk_home.lake_path) as con:
            land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, name, asset="raw_loans")
        return lendingclub_frame(risk_home.landing_loans / name)

    book = land("lc_book.csv", "\n".join(lines) + "\n")
    assert _materialize(risk_home, book).success
    correction = land("lc_book_corrected.csv", "\n".join(lines[:2001]) + "\n\n")  # other bytes, same loans
    second = _materialize(risk_home, pd.concat([book, correction], ignore_index=True))
    assert second.success
    with connect(risk_home.lake_path, read_only=True) as con:
        (v1, v2), = con.execute("SELECT min(version), max(version) FROM ml.model_registry").fetchall()
        side = {version: {**{k: "holdout" for (k,) in con.execute(
                    "SELECT loan_key FROM ml.model_holdouts WHERE version = ?", [version]).fetchall()},
                          **{k: "trained" for (k,) in con.execute(
                    "SELECT loan_key FROM ml.model_training_loans WHERE version = ?", [version]).fetchall()}}
                for version in (v1, v2)}
        reason = con.execute("SELECT reason FROM ml.model_registry WHERE version = ?", [v2]).fetchone()[0]
    first_copies = set(book["loan_key"].iloc[:2000])
    assert len(side[v1]) == 6000 and len(side[v2]) == 6000  # 4,000 loans + 2,000 later copies, once each
    assert not first_copies & set(side[v2])
    assert all(side[v2][later] == side[v1][early]
               for early, later in zip(book["loan_key"].iloc[:2000], correction["loan_key"]))
    assert {side[v1][k] for k in first_copies} == {"holdout", "trained"}  # both sides are exercised
    card = second.asset_materializations_for_node("loan_pd_model")[0].metadata["model_card"].value
    assert ("2,000 loans without a loan id left out: copies, by origination terms, of loans landed again in a later "
            f"file (check raw_loans_idless_repeats); the later copy, with the newer outcome, stands for the loan and "
            f"takes the earlier copy's side of champion {v1}'s split") in card
    assert "none of them among the champion's training loans by key, and training leaves out" in reason
    # `risk-assets loan` says which copy a version learnt from: v1 the earlier (which it scores, as
    # the champion: v2's gain is within chance), v2 the later
    from risk_assets.lib.report.loan_trace import _sample_role, trace_loan

    early, later = book["loan_key"].iloc[0], correction["loan_key"].iloc[0]
    roles = {"trained": "in-sample: this version trained on the loan",
             "holdout": "held out: one of the loans this version was measured on (holdout)"}
    with connect(risk_home.lake_path, read_only=True) as con:
        (score,) = [line for line in trace_loan(con, early).lines if line.lstrip().startswith("score")]
        role_v2 = _sample_role(con, "loan_pd_lendingclub", v2, early)
        later_in_v1 = _sample_role(con, "loan_pd_lendingclub", v1, later)  # v1 trained before the later file landed
    assert f"by loan_pd_lendingclub {v1} (the champion)" in score and score.endswith(roles[side[v1][early]])
    assert role_v2 == (f"an earlier copy of loan {later} (the same origination terms, landed again in a later file; "
                       f"check raw_loans_idless_repeats), which stands for it in training: {roles[side[v2][later]]}")
    # it said "out of sample: this version never saw the loan" of a loan v1 trained on or measured itself on
    assert later_in_v1 == (f"a later copy of loan {early} (the same origination terms, landed again in a later file; "
                           f"check raw_loans_idless_repeats), which this version saw under that key: "
                           f"{roles[side[v1][early]]}")


def test_the_gate_table_gives_each_candidates_verdict_and_the_gates_reason_whole():
    """A retraining's verdict, worded as the sample's seed-1 retraining was (README): the list gives
    the verdict and the gate's reason as written, its figures included; a refusal is an item too."""
    from risk_assets.defs.models.loan_pd import gate_table

    why = ("holdout AUC 0.6865 vs champion 20261206T172438Z-3269fbc2 0.6854 on the same loans: gain "
           "+0.0011 (95% CI +0.0002 to +0.0020), one-sided paired DeLong p 0.011, below 0.05, but a gain under "
           "0.005 is not material: the champion stays (7,957 holdout loans, none of them among the champion's "
           "training loans)")
    table = gate_table([("loan_pd_lendingclub", "20261207T090000Z-0badc0de")],
                       {"loan_pd_lendingclub 20261207T090000Z-0badc0de": "rejected: " + why},
                       {"loan_pd_f13": "too few defaults"})
    assert table.splitlines() == [
        f"- **lendingclub: rejected** (20261207T090000Z-0badc0de): {why}",
        "- **f13: refused** (not trained): too few defaults"]
    assert gate_table([], {}, {}) == "No candidate in this run."


def test_a_book_never_trained_is_named_with_how_it_gets_a_model(risk_home, cases_dir):
    """A lender's book landed by ingestion (which never trains): the coverage check named it 'never
    trained' and stopped there, and the UI said nowhere how the book gets a model. It now names the
    sensor that trains it and the command that trains it alone, as the run summary does."""
    frame = f13_frame(cases_dir)
    with connect(risk_home.lake_path) as con:
        con.register("frame", frame)
        con.execute("CREATE OR REPLACE TABLE marts.loan_features AS SELECT * FROM frame")
    result = dg.materialize([loan_scores, loan_scores_coverage],
                            resources={"lake": LakeResource(root=str(risk_home.root))})
    (coverage,) = result.get_asset_check_evaluations()
    assert (coverage.passed, coverage.severity) == (False, dg.AssetCheckSeverity.WARN)
    assert coverage.description == (
        f"f13: {len(frame):,} loans unscored (no loan_pd_f13 champion: never trained); next: retrain_sensor trains f13 "
        "under dagster dev, or train it now: risk-assets run --no-seed --select 'key:loan_pd_model+' --config-json "
        """'{"ops": {"loan_pd_model": {"config": {"portfolios": ["f13"]}}}}'""")


def test_the_summary_is_a_list_per_model_so_nothing_is_clipped_at_the_pages_edge():
    """At 1600 px the UI clipped the summary table's "trained on" and "gate" columns off the page:
    each model is one list item now, verdict first, with the figures the table had (the sample's
    first run: SBA's out-of-time holdout, LendingClub's random one; a book refused for few defaults)."""
    from risk_assets.defs.models.loan_pd import _summary

    text = _summary(
        [{"model": "loan_pd_sba", "split": "holdout_oot", "auc": 0.6812, "baseline_auc": 0.6695, "ece": 0.0213,
          "device": "cpu", "train_seconds": 41.6, "promoted": True},
         {"model": "loan_pd_lendingclub", "split": "holdout", "auc": 0.6854, "baseline_auc": 0.6843, "ece": None,
          "device": "cuda", "train_seconds": 12.2, "promoted": False}],
        {"loan_pd_f13": "12 defaults among 400 labelled loans, fewer than the 30 a holdout needs | see min_defaults"})
    assert text.splitlines() == [
        "- **loan_pd_sba: promoted**: holdout_oot AUC 0.6812 (baseline 0.6695), ECE 0.0213; trained on cpu in 42 s",
        "- **loan_pd_lendingclub: not promoted**: holdout AUC 0.6854 (baseline 0.6843), ECE none; trained on cuda in 12 s",
        "- **loan_pd_f13: not trained**: 12 defaults among 400 labelled loans, fewer than the 30 a holdout needs | see "
        "min_defaults",
        "",
        "Why each was or was not promoted opens its card in model_card (and loan_pd_gate's result in the Checks tab)."]
    assert "|---" not in text


def test_the_description_leads_with_what_the_model_predicts_on_what_and_how_it_is_judged():
    """The README promises the asset's description says what the model predicts and on which
    features: that comes first, the tables it writes after."""
    import dagster as dg

    from risk_assets.defs.models.loan_pd import loan_pd_model

    text = loan_pd_model.descriptions_by_key[dg.AssetKey("loan_pd_model")]
    assert text.split(". ")[:3] == [
        "Predicts each loan's probability of default (PD): the chance it is charged off at any time over its life, one "
        "model per portfolio of marts.loan_features with enough labelled loans",
        "Its inputs are what was known at origination: the loan (amount, term), the borrower (income, employment "
        "length, home ownership, verified income; for SBA loans the business: employees, jobs, franchise, new "
        "business, sector), the credit file (delinquencies, inquiries, credit lines, revolving balance and use) and "
        "location (ZIP3, state); the model card lists each portfolio's",
        "It is judged on loans it never saw (out of time where the loans carry dates): how well it ranks defaulters "
        "above the rest (AUC, against a logistic-regression baseline and the champion, which the gate promotes on) "
        "and whether its PDs match the default rates observed (calibration)"]
    assert text.index("Predicts") < text.index("ml.model_metrics")


def test_the_summary_says_the_backtest_figures_are_not_this_models_own():
    """The sample's SBA run: 0.5343 is the AUC of a model fitted at the cut, 0.6835 this model's on
    the same loans' 5-year outcome; the summary says which is which, as the card's limitations do."""
    from risk_assets.defs.models.loan_pd import _summary

    text = _summary([{"model": "loan_pd_sba", "split": "holdout_oot", "auc": 0.6792, "baseline_auc": 0.6283,
                      "ece": 0.1028, "device": "cpu", "train_seconds": 193.2, "promoted": True,
                      "auc_point_in_time": 0.5343, "auc_champion_same_horizon": 0.6835, "horizon_years": 5}], {})
    assert text.splitlines()[0] == (
        "- **loan_pd_sba: promoted**: holdout_oot AUC 0.6792 (baseline 0.6283), ECE 0.1028; trained on cpu in 193 s. "
        "The headline AUC is no point-in-time estimate: on the same 5-year outcome, a model fitted only on what was "
        "known at the cut scores 0.5343, against 0.6835 for this model, whose training saw charge-offs recorded after "
        "the cut")


def test_an_sba_run_records_the_point_in_time_backtest_in_the_metrics_summary_metadata_and_card(risk_home, data_dir):
    """With charge-off dates in staging.stg_loans, the SBA model is backtested by one fitted at the
    cut on the loans approved 5 years before it, with their 5-year outcomes: its AUC and this
    model's on the same loans and outcome are rows of ml.model_metrics on holdout_oot, numbers of
    the run's metadata and summary, and one sentence of the card's limitations."""
    from risk_assets.lib.ml.reference_data import sba_frame
    from risk_assets_tests.lib.ml.test_pd_training import _sba_chargeoff_dates

    path = data_dir / "loans" / "sba_national.csv.gz"
    frame = sba_frame(path, sample_fraction=0.03)
    dates = _sba_chargeoff_dates(path)
    staging = frame[["loan_key", "portfolio", "vintage", "origination_date", "default_flag"]].assign(
        snapshot_version=1, chargeoff_date=frame["loan_key"].map(dates))
    with connect(risk_home.lake_path) as con:
        con.register("staged", staging)
        con.execute("CREATE SCHEMA IF NOT EXISTS staging")
        con.execute("CREATE OR REPLACE TABLE staging.stg_loans AS SELECT * FROM staged")
    result = _materialize(risk_home, frame)
    with connect(risk_home.lake_path, read_only=True) as con:
        rows = dict(con.execute("SELECT metric, value FROM ml.model_metrics WHERE model = 'loan_pd_sba' AND split = "
                                "'holdout_oot' AND (metric LIKE '%point_in_time%' OR metric LIKE '%same_horizon%')").fetchall())
    assert sorted(rows) == ["auc_champion_same_horizon", "auc_champion_same_horizon_ci_high",
                            "auc_champion_same_horizon_ci_low", "auc_point_in_time", "auc_point_in_time_ci_high",
                            "auc_point_in_time_ci_low", "brier_point_in_time", "ece_point_in_time"]
    assert rows["auc_point_in_time_ci_low"] < rows["auc_point_in_time"] < rows["auc_point_in_time_ci_high"]
    assert (rows["auc_champion_same_horizon_ci_low"] < rows["auc_champion_same_horizon"]
            < rows["auc_champion_same_horizon_ci_high"])
    metadata = result.asset_materializations_for_node("loan_pd_model")[0].metadata
    pit, champion = round(rows["auc_point_in_time"], 4), round(rows["auc_champion_same_horizon"], 4)
    assert metadata["AUC of a model fitted at the cut, backtesting loan_pd_sba"].value == pit
    assert (f"s. The headline AUC is no point-in-time estimate: on the same 5-year outcome, a model fitted only on what "
            f"was known at the cut scores {pit}, against {champion} for this model, whose training saw charge-offs "
            "recorded after the cut") in metadata["summary"].value
    assert ("were charged off on or after 2003-10-01, so its AUC is no point-in-time backtest. Point-in-time backtest: a model "
            "fitted at the cut (2003-10-01) on the 7,620 development loans approved before 1998-10-01 (vintages 1982-1998, by the tape's approval year, which may be a fiscal year) with their "
            "5-year outcomes (150 charged off within 5 years of approval) ranks the 2004-2006 loans' 5-year defaults "
            f"(1,192 of 6,599) at AUC {rows['auc_point_in_time']:.4f} (95% CI ") in metadata["model_card"].value
    assert (f"; this model, on the same loans and outcome, {rows['auc_champion_same_horizon']:.4f} (95% CI "
            in metadata["model_card"].value)


SBA_VERSION = "20261206T172438Z-3269fbc2"


def _champion_on_record(con, artifacts, model, version, status, split, bins, ece):
    """A champion as loan_pd_model leaves it: registry row, meta.json with its calibration status, the
    primary holdout's calibration bins ((count, mean_pd, default_rate) per bin) and ECE."""
    import json

    from risk_assets.lib.ml import pd_lake, registry

    pd_lake.ensure_pd_tables(con)
    folder = artifacts / model / version
    folder.mkdir(parents=True)
    (folder / "meta.json").write_text(json.dumps({"calibration": {"status": status}}))
    registry.register_candidate(con, model, version, str(folder), f"auc_{split}", 0.7, "snapshot")
    registry.promote(con, model, version, "promoted: first model")
    con.executemany("INSERT INTO ml.calibration_bins VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [[model, version, split, i, i / 10, (i + 1) / 10, n, mean, rate] for i, (n, mean, rate) in enumerate(bins)])
    registry.record_metrics(con, model, version, split, {"ece": ece})


def test_a_champion_whose_pds_under_state_defaults_warns_with_its_figures_and_what_to_do(risk_home):
    """SBA's champion out of time, as the sample lake's card gives it: mean PD 0.1616 against a
    default rate of 0.2630 (x0.61), ECE 0.1028. The gate promotes on AUC; this check turns yellow."""
    from risk_assets.defs.models.loan_pd import loan_pd_calibration

    with connect(risk_home.lake_path) as con:
        _champion_on_record(con, risk_home.artifacts, "loan_pd_lendingclub", "20261206T172400Z-0badc0de",
                            "calibrated on holdout", "holdout", [(900, 0.1, 0.1), (100, 0.3, 0.31)], 0.0123)
        # 1,000 loans: PDs sum to 161.6, 263 defaults
        _champion_on_record(con, risk_home.artifacts, "loan_pd_sba", SBA_VERSION, "under-states on holdout_oot",
                            "holdout_oot", [(600, 0.12, 0.2), (400, 0.224, 0.3575)], 0.1028)
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([loan_pd_model, loan_pd_calibration], selection=dg.AssetSelection.checks(loan_pd_calibration),
                            resources={"lake": LakeResource(root=str(risk_home.root)), "retrain_policy": RetrainPolicy()},
                            instance=instance)
    (check,) = result.get_asset_check_evaluations()
    assert (check.check_name, check.passed, check.severity) == ("loan_pd_calibration", False, dg.AssetCheckSeverity.WARN)
    # mid-run, on a WARNING line like the other WARN checks, not only on Dagster's DEBUG evaluation event
    assert [(logging.getLevelName(e.level), e.user_message) for e in instance.all_logs(result.run_id)
            if not e.is_dagster_event and "did not pass" in e.user_message] == [
        ("WARNING", f"check loan_pd_calibration on loan_pd_model did not pass (severity WARN): {check.description}")]
    assert check.description == (
        "lendingclub 20261206T172400Z-0badc0de: calibrated on holdout (mean PD 0.1200 against a default rate of "
        "0.1210 (x0.99), ECE 0.0123); sba 20261206T172438Z-3269fbc2: under-states on holdout_oot (mean PD 0.1616 "
        "against a default rate of 0.2630 (x0.61), ECE 0.1028); read its PDs and grades as relative risk, not default "
        "probabilities, until recalibrated, and recalibrate on recent outcomes. A warning: it blocks nothing "
        "(loan_pd_gate promotes on AUC, the ranking)")
    with connect(risk_home.lake_path, read_only=True) as con:
        assert con.execute("SELECT check_name, success, severity, failing_count FROM quality.check_results").fetchall() == [
            ("loan_pd_calibration", False, "WARN", 1)]


def test_a_registry_change_by_hand_judges_the_calibration_of_the_champions_it_leaves(risk_home, monkeypatch, capsys):
    """SBA's under-stating champion (x0.61 out of time) is retired, then its calibrated predecessor
    restored: each change re-judges loan_pd_calibration on the champions now, as the lake and the
    Checks tab show it, so neither keeps the last run's warning about a champion that is gone."""
    import getpass

    from risk_assets.cli import main

    monkeypatch.setenv("DAGSTER_HOME", str(risk_home.root / "dagster"))
    (risk_home.root / "dagster").mkdir(exist_ok=True)
    with connect(risk_home.lake_path) as con:
        # 1,000 loans: PDs sum to 255.0, 260 defaults; then the under-stating one replaces it at the gate
        _champion_on_record(con, risk_home.artifacts, "loan_pd_sba", "20261201T090000Z-0c0ffee0", "calibrated on holdout_oot",
                            "holdout_oot", [(600, 0.2, 0.2), (400, 0.3375, 0.35)], 0.0140)
        _champion_on_record(con, risk_home.artifacts, "loan_pd_sba", SBA_VERSION, "under-states on holdout_oot",
                            "holdout_oot", [(600, 0.12, 0.2), (400, 0.224, 0.3575)], 0.1028)

    def latest():
        with connect(risk_home.lake_path, read_only=True) as con:
            return con.execute("SELECT success, severity, failing_count, details->>'failing_unit', observed_value FROM "
                               "quality.check_results WHERE check_name = 'loan_pd_calibration' AND run_id IS NULL "
                               "ORDER BY evaluated_at DESC, rowid DESC LIMIT 1").fetchone()

    actor = f"operator {getpass.getuser()}"
    assert main(["registry", "loan_pd_sba", "--retire", "--reason", "under-states out of time"]) == 0
    assert latest() == (True, "WARN", 0, "models", f"after a change by hand (loan_pd_sba {SBA_VERSION} champion -> "
                                                   f"retired by {actor}: under-states out of time): no loan PD champion")
    assert main(["registry", "loan_pd_sba", "--restore", "20261201T090000Z-0c0ffee0", "--reason", "back to v1"]) == 0
    assert latest() == (True, "WARN", 0, "models", (
        f"after a change by hand (loan_pd_sba 20261201T090000Z-0c0ffee0 retired -> champion by {actor}: restored by hand: "
        "back to v1): sba 20261201T090000Z-0c0ffee0: calibrated on holdout_oot (mean PD 0.2550 against a default rate "
        "of 0.2600 (x0.98), ECE 0.0140)"))
    assert main(["registry", "loan_pd_sba", "--restore", SBA_VERSION, "--reason", "ranks better"]) == 0
    success, severity, failing, unit, said = latest()
    assert (success, severity, failing, unit) == (False, "WARN", 1, "models")
    assert said.startswith(f"after a change by hand (loan_pd_sba 20261201T090000Z-0c0ffee0 champion -> retired; loan_pd_sba "
                           f"{SBA_VERSION} retired -> champion by {actor}: restored by hand: ranks better): sba {SBA_VERSION}: "
                           "under-states on holdout_oot (mean PD 0.1616 against a default rate of 0.2630 (x0.61), ECE 0.1028)")
    with dg.DagsterInstance.get() as instance:  # the Checks tab's latest verdict is the change's
        history = instance.event_log_storage.get_asset_check_execution_history(
            dg.AssetCheckKey(dg.AssetKey("loan_pd_model"), "loan_pd_calibration"), limit=10)
    assert [r.event.dagster_event.event_specific_data.passed for r in history] == [False, True, True]
    assert history[0].event.dagster_event.event_specific_data.description == said


def test_calibrated_and_not_judged_champions_pass():
    from risk_assets.defs.models.loan_pd import calibration_check_result

    judged = calibration_check_result([
        {"model": "loan_pd_lendingclub", "version": "v1", "status": "calibrated on holdout", "split": "holdout",
         "mean_pd": 0.142, "default_rate": 0.1415, "ece": 0.0081},
        {"model": "loan_pd_sba", "version": "v2", "status": "not judged on holdout_oot", "split": "holdout_oot",
         "mean_pd": 0.05, "default_rate": 0.2, "ece": 0.15}])
    assert (judged.passed, judged.severity) == (True, dg.AssetCheckSeverity.WARN)
    assert judged.description == (
        "lendingclub v1: calibrated on holdout (mean PD 0.1420 against a default rate of 0.1415 (x1.00), ECE 0.0081); "
        "sba v2: not judged on holdout_oot (mean PD 0.0500 against a default rate of 0.2000 (x0.25), ECE 0.1500)")
    mis_sloped = calibration_check_result([{"model": "loan_pd_acme", "version": "v3", "status": "mis-sloped on holdout",
                                            "split": "holdout", "mean_pd": 0.1, "default_rate": 0.1, "ece": 0.04}])
    assert not mis_sloped.passed and mis_sloped.description.startswith(
        "acme v3: mis-sloped on holdout (mean PD 0.1000 against a default rate of 0.1000 (x1.00), ECE 0.0400); read its")
    assert calibration_check_result([]).description == "no loan PD champion"
