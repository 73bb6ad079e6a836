"""PD model tables in the lake, the champion gate, and batch scoring.

Tables (schema ml, created on demand by `ensure_pd_tables`):
- ml.roc_curves        model, version, split, point, threshold, fpr, tpr (at most 201 points per curve)
- ml.calibration_bins  model, version, split, bin, lower, upper, count, mean_pd, default_rate
- ml.model_holdouts    model, version, split, loan_key: the loans of each holdout, so that the gate
                       can re-score the champion on exactly the candidate's holdout
- ml.model_training_loans  model, version, loan_key: the loans each version trained or calibrated on
                       (splits train and validation), so that a retraining keeps them out of its
                       holdout and the gate sets aside any the champion fitted
- ml.model_validation_scores  model, version, loan_key, fold, default_flag, pd: the out-of-fold
                       PDs (or the validation split's) behind the `validation` rows of
                       ml.model_metrics, the model's and its baseline's, so that a validator can
                       recompute those figures from the lake
- ml.model_holdout_scores  model, version, split, loan_key, default_flag, pd: the PDs behind each
                       holdout's rows of ml.model_metrics, the model's and its baseline's (2 x the
                       holdout's loans per split), so that a validator can recompute the holdout
                       figures of both and the gate's comparison with the baseline from the lake;
                       with champion_version: model `loan_pd_<portfolio>_champion`, the champion's
                       PDs on the loans the gate compared it with version's candidate on (its
                       re-scoring), so that the gate's AUCs, gain and p-value recompute too
- ml.loan_scores       loan_key, portfolio, pd, risk_grade, model, model_version, scored_at, pd_calibration

Baseline convention: the logistic-regression baseline of version V of `loan_pd_<portfolio>` is
stored in ml.model_metrics / ml.roc_curves / ml.calibration_bins as model
`loan_pd_<portfolio>_baseline`, version V. It is never registered: it is a yardstick, not a model.
The champion a candidate V was judged against is stored likewise, in ml.model_holdout_scores only,
as model `loan_pd_<portfolio>_champion`, version V, with its own version in champion_version.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from risk_assets.lib.ml import metrics, registry
from risk_assets.lib.ml.pd_model import load_pd_model
from risk_assets.lib.ml.training import HoldoutScores, ReservedKeys, TrainedPD, ValidationScores

PD_TABLES_DDL = """
CREATE TABLE IF NOT EXISTS ml.roc_curves (
    model VARCHAR NOT NULL, version VARCHAR NOT NULL, split VARCHAR NOT NULL,
    point INTEGER NOT NULL, threshold DOUBLE, fpr DOUBLE NOT NULL, tpr DOUBLE NOT NULL
);
CREATE TABLE IF NOT EXISTS ml.calibration_bins (
    model VARCHAR NOT NULL, version VARCHAR NOT NULL, split VARCHAR NOT NULL, bin INTEGER NOT NULL,
    lower DOUBLE NOT NULL, upper DOUBLE NOT NULL, count BIGINT NOT NULL, mean_pd DOUBLE, default_rate DOUBLE
);
CREATE TABLE IF NOT EXISTS ml.model_holdouts (
    model VARCHAR NOT NULL, version VARCHAR NOT NULL, split VARCHAR NOT NULL, loan_key VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS ml.model_training_loans (
    model VARCHAR NOT NULL, version VARCHAR NOT NULL, loan_key VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS ml.model_validation_scores (
    model VARCHAR NOT NULL, version VARCHAR NOT NULL, loan_key VARCHAR NOT NULL, fold INTEGER,
    default_flag INTEGER NOT NULL, pd DOUBLE NOT NULL
);
CREATE TABLE IF NOT EXISTS ml.model_holdout_scores (
    model VARCHAR NOT NULL, version VARCHAR NOT NULL, split VARCHAR NOT NULL, loan_key VARCHAR NOT NULL,
    default_flag INTEGER NOT NULL, pd DOUBLE NOT NULL
);
ALTER TABLE ml.model_holdout_scores ADD COLUMN IF NOT EXISTS champion_version VARCHAR;
CREATE TABLE IF NOT EXISTS ml.loan_scores (
    loan_key VARCHAR NOT NULL, portfolio VARCHAR NOT NULL, pd DOUBLE NOT NULL, risk_grade VARCHAR NOT NULL,
    model VARCHAR NOT NULL, model_version VARCHAR NOT NULL, scored_at TIMESTAMP NOT NULL
);
ALTER TABLE ml.loan_scores ADD COLUMN IF NOT EXISTS pd_calibration VARCHAR;
"""

RISK_GRADE_EDGES = (0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32)
"""Upper PD edges of risk grades R1..R7 (R8 is PD >= 0.32). Each band doubles the PD of the one
before: the geometric shape of bank internal master scales (BCBS Working Paper 14, "Studies on the
validation of internal rating systems", 2005, ch. 3). Lower edge inclusive, upper exclusive."""
RISK_GRADES = tuple(f"R{i}" for i in range(1, len(RISK_GRADE_EDGES) + 2))


def model_name(portfolio: str) -> str:
    return f"loan_pd_{portfolio}"


def baseline_name(portfolio: str) -> str:
    return f"loan_pd_{portfolio}_baseline"


CHAMPION = "_champion"
"""Suffix of the model name under which ml.model_holdout_scores keeps the champion's PDs on a
candidate's holdout, as the gate re-scored it (`loan_pd_<portfolio>_champion`, the candidate's version)."""


def ensure_pd_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(PD_TABLES_DDL)


def risk_grade(pd_values: np.ndarray) -> np.ndarray:
    """Risk grade R1..R8 per PD (band edges in RISK_GRADE_EDGES)."""
    return np.asarray(RISK_GRADES, dtype=object)[np.searchsorted(RISK_GRADE_EDGES, pd_values, side="right")]


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _write_curves(con: duckdb.DuckDBPyConnection, model: str, version: str, split: str, y: np.ndarray, pd_values: np.ndarray) -> None:
    curve, _ = metrics.roc_curve(y, pd_values)
    if curve is not None:
        thin = metrics.thin_curve(curve)
        con.executemany(
            "INSERT INTO ml.roc_curves VALUES (?, ?, ?, ?, ?, ?, ?)",
            [[model, version, split, i, None if np.isinf(t) else float(t), float(f), float(p)]
             for i, (t, f, p) in enumerate(zip(thin["threshold"], thin["fpr"], thin["tpr"]))],
        )
    bins = metrics.calibration_bins(y, pd_values)
    con.executemany(
        "INSERT INTO ml.calibration_bins VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [[model, version, split, int(bins["bin"][i]), float(bins["lower"][i]), float(bins["upper"][i]), int(bins["count"][i]),
          None if np.isnan(bins["mean_pd"][i]) else float(bins["mean_pd"][i]),
          None if np.isnan(bins["default_rate"][i]) else float(bins["default_rate"][i])] for i in range(bins["bin"].size)],
    )


def _record(con, model: str, version: str, split_metrics: dict[str, dict[str, metrics.Metric]], run_id: str | None) -> None:
    for split, values in split_metrics.items():
        registry.record_metrics(con, model, version, split, {k: m.value for k, m in values.items()},
                                {k: m.reason for k, m in values.items() if m.reason}, run_id)


VERSUS_BASELINE = "_vs_baseline"
"""Suffix of the model name under which ml.model_metrics keeps a version's paired DeLong comparison
with its baseline on the primary holdout (auc_gain, auc_gain_se, p_value)."""


def record_training(
    con: duckdb.DuckDBPyConnection, trained: TrainedPD, version: str, artifact: Path, run_id: str | None
) -> None:
    """Write metrics (model and baseline), the ROC curve and calibration bins of each holdout (the
    primary and, out of time, the in-time one), holdout keys and the holdout and validation PDs of
    both, and register the candidate."""
    ensure_pd_tables(con)
    model, baseline = model_name(trained.portfolio), baseline_name(trained.portfolio)
    _record(con, model, version, trained.metrics, run_id)
    _record(con, baseline, version, trained.baseline_metrics, run_id)
    for check, values in trained.extra_metrics.items():
        registry.record_metrics(con, f"{model}_{check}", version, trained.split.primary_holdout,
                                {k: m.value for k, m in values.items()}, {k: m.reason for k, m in values.items() if m.reason}, run_id)
    primary = trained.split.primary_holdout
    versus = metrics.compare_auc(trained.holdout_y, trained.holdout_pd, trained.baseline_holdout_pd)
    if isinstance(versus, metrics.AucComparison):  # the first-model gate quotes it
        registry.record_metrics(con, f"{model}{VERSUS_BASELINE}", version, primary,
                                {"auc_gain": versus.difference, "auc_gain_se": versus.standard_error,
                                 "p_value": versus.p_value}, run_id=run_id)
    for split, scores in trained.holdouts.items():  # every holdout: an in-time one's verdict rests on its bins too
        _write_curves(con, model, version, split, scores.y, scores.pd)
        _write_curves(con, baseline, version, split, scores.y, scores.baseline_pd)
    for split, keys in trained.keys.items():
        if split.startswith("holdout"):
            _insert_keys(con, "INSERT INTO ml.model_holdouts SELECT ?, ?, ?, loan_key FROM keys", [model, version, split], keys)
    fitted = [keys for split, keys in trained.keys.items() if not split.startswith("holdout")]
    _insert_keys(con, "INSERT INTO ml.model_training_loans SELECT ?, ?, loan_key FROM keys", [model, version],
                 np.concatenate(fitted))
    _write_validation_scores(con, model, baseline, version, trained.validation)
    for split, scores in trained.holdouts.items():
        _write_holdout_scores(con, model, baseline, version, split, scores)
    auc = trained.metrics[primary]["auc"].value
    registry.register_candidate(con, model, version, str(artifact), f"auc_{primary}", auc, trained.run["data_snapshot"], run_id)


def _write_validation_scores(con: duckdb.DuckDBPyConnection, model: str, baseline: str, version: str,
                             scores: ValidationScores) -> None:
    """Insert the validation PDs of the model and of its baseline into ml.model_validation_scores
    (2 x n rows, one bulk insert each)."""
    frame = pd.DataFrame({
        "loan_key": np.asarray(scores.keys, dtype=str),
        "fold": pd.array(scores.fold, dtype="Int32") if scores.fold is not None else pd.array([None] * len(scores.keys), dtype="Int32"),
        "default_flag": np.asarray(scores.y, dtype=np.int32),
    })
    for name, values in ((model, scores.pd), (baseline, scores.baseline_pd)):
        con.register("scored", frame.assign(pd=np.asarray(values, dtype=np.float64)))
        try:
            con.execute("INSERT INTO ml.model_validation_scores SELECT ?, ?, loan_key, fold, default_flag, pd FROM scored",
                        [name, version])
        finally:
            con.unregister("scored")


def _write_holdout_scores(con: duckdb.DuckDBPyConnection, model: str, baseline: str, version: str, split: str,
                          scores: HoldoutScores) -> None:
    """Insert one holdout's PDs, the model's and its baseline's, into ml.model_holdout_scores
    (2 x n rows for its n loans, columns model, version, split, loan_key, default_flag, pd; one bulk
    insert each)."""
    frame = pd.DataFrame({"loan_key": np.asarray(scores.keys, dtype=str),
                          "default_flag": np.asarray(scores.y, dtype=np.int32)})
    for name, values in ((model, scores.pd), (baseline, scores.baseline_pd)):
        con.register("scored", frame.assign(pd=np.asarray(values, dtype=np.float64)))
        try:
            con.execute("INSERT INTO ml.model_holdout_scores SELECT ?, ?, ?, loan_key, default_flag, pd, NULL FROM scored",
                        [name, version, split])
        finally:
            con.unregister("scored")


def _write_champion_scores(con: duckdb.DuckDBPyConnection, model: str, version: str, split: str,
                           champion_version: str, frame: pd.DataFrame, champion_pd: np.ndarray) -> None:
    """Replace the champion's PDs on candidate `version`'s holdout in ml.model_holdout_scores: n rows
    for the n loans the gate compared (`frame`: loan_key, default_flag), model `<model>_champion`,
    column champion_version naming the champion (one bulk insert). A gate run again on the same
    version replaces them."""
    ensure_pd_tables(con)
    con.execute("DELETE FROM ml.model_holdout_scores WHERE model = ? AND version = ? AND split = ?",
                [f"{model}{CHAMPION}", version, split])
    con.register("scored", pd.DataFrame({"loan_key": frame["loan_key"].astype(str).to_numpy(),
                                         "default_flag": frame["default_flag"].to_numpy(dtype=np.int32),
                                         "pd": np.asarray(champion_pd, dtype=np.float64)}))
    try:
        con.execute("INSERT INTO ml.model_holdout_scores SELECT ?, ?, ?, loan_key, default_flag, pd, ? FROM scored",
                    [f"{model}{CHAMPION}", version, split, champion_version])
    finally:
        con.unregister("scored")


def _insert_keys(con: duckdb.DuckDBPyConnection, sql: str, params: list, keys: np.ndarray) -> None:
    """Run `sql` (an INSERT ... SELECT ... loan_key FROM keys) over the loan keys as one bulk insert
    (an out-of-time SBA holdout has 220k loans: row-by-row executemany took about 35 s of it)."""
    con.register("keys", pd.DataFrame({"loan_key": np.asarray(keys, dtype=str)}))
    try:
        con.execute(sql, params)
    finally:
        con.unregister("keys")


def training_keys(con: duckdb.DuckDBPyConnection, model: str, version: str) -> frozenset[str] | None:
    """Loan keys a version trained or calibrated on; None when the lake did not record them (a version
    trained before ml.model_training_loans existed). The PD tables must exist (`ensure_pd_tables`)."""
    keys = con.execute("SELECT loan_key FROM ml.model_training_loans WHERE model = ? AND version = ?",
                       [model, version]).fetchall()
    return frozenset(k for (k,) in keys) or None


def reserved_keys(con: duckdb.DuckDBPyConnection, portfolio: str) -> ReservedKeys | None:
    """What the portfolio's champion saw (its random holdout, the loans it trained on), for the next
    training's split; None when there is no champion."""
    model = model_name(portfolio)
    current = registry.champion(con, model)
    if current is None:
        return None
    ensure_pd_tables(con)
    held = con.execute("SELECT loan_key FROM ml.model_holdouts WHERE model = ? AND version = ? "
                       "AND split IN ('holdout', 'holdout_in_time')", [model, current["version"]]).fetchall()
    return ReservedKeys(current["version"], frozenset(k for (k,) in held), training_keys(con, model, current["version"]))


def drop_idless_copies(frame: pd.DataFrame, copies: dict[str, str], reserved: ReservedKeys | None
                       ) -> tuple[pd.DataFrame, ReservedKeys | None, str | None]:
    """Leave out of a training frame the earlier copies of id-less loans landed again in a later file.

    A loan without an id is keyed by its file and line, so a re-delivered tape adds its loans under
    new keys: trained on twice, and drawn into the next holdout as new loans though the champion
    trained on their first copies. `copies` ({earlier copy's key: kept copy's key},
    `duplicates.idless_copies`) names them; an earlier copy is dropped only when its kept copy is in
    `frame` with a default flag (a kept copy without an outcome leaves the earlier, labelled one in).
    The champion's `reserved` keys follow the loan: a kept copy whose earlier copy trained the
    champion counts as trained on (never held out), one whose earlier copy was in its holdout is held
    out again.

    Args:
        frame: marts.loan_features rows (n x columns) with loan_key and default_flag.

    Returns:
        (frame without the dropped rows, `reserved` with the kept copies' keys added, a split note
        for the model card or None when nothing was dropped).
    """
    if not copies:
        return frame, reserved, None
    labelled, present = set(frame.loc[frame["default_flag"].notna(), "loan_key"]), set(frame["loan_key"])
    dropped = {early: kept for early, kept in copies.items() if kept in labelled and early in present}
    if not dropped:
        return frame, reserved, None
    if reserved is not None:
        trained = None if reserved.trained is None else reserved.trained | {
            kept for early, kept in dropped.items() if early in reserved.trained}
        holdout = reserved.holdout | {kept for early, kept in dropped.items() if early in reserved.holdout}
        reserved = ReservedKeys(reserved.version, frozenset(holdout - (trained or frozenset())), trained)
    note = (f"{len(dropped):,} loans without a loan id left out: copies, by origination terms, of loans landed again "
            "in a later file (check raw_loans_idless_repeats); the later copy, with the newer outcome, stands for "
            "the loan" + (f" and takes the earlier copy's side of champion {reserved.version}'s split"
                          if reserved is not None else ""))
    return frame[~frame["loan_key"].isin(dropped)], reserved, note


def record_refusal(con: duckdb.DuckDBPyConnection, portfolio: str, version: str, message: str, run_id: str | None,
                   labelled: int | None = None, defaults: int | None = None) -> None:
    """Store a refused training as NULL metrics with the refusal as reason (no artifact, no registry
    row), with the labelled loans and defaults it saw (`n_labelled`, `n_defaults`, split 'all'):
    the retrain sensor tries again once enough defaults have been added."""
    counts = {name: value for name, value in (("n_labelled", labelled), ("n_defaults", defaults)) if value is not None}
    registry.record_metrics(con, model_name(portfolio), version, "all", {"auc": None, **counts}, {"auc": message}, run_id)


def holdout_frame(con: duckdb.DuckDBPyConnection, model: str, version: str) -> tuple[str, pd.DataFrame]:
    """(primary holdout split name, loan_features rows of that holdout) of a registered version.

    Raises:
        LookupError: the version has no stored holdout.
    """
    row = con.execute("SELECT primary_metric FROM ml.model_registry WHERE model = ? AND version = ?", [model, version]).fetchone()
    if row is None:
        raise LookupError(f"{model} {version} is not registered")
    split = row[0].removeprefix("auc_")
    frame = con.execute(
        "SELECT f.* FROM marts.loan_features f JOIN ml.model_holdouts h USING (loan_key) "
        "WHERE h.model = ? AND h.version = ? AND h.split = ? ORDER BY f.loan_key",
        [model, version, split],
    ).df()
    if frame.empty:
        raise LookupError(f"{model} {version}: no holdout loans found for split {split}")
    return split, frame


def gate(con: duckdb.DuckDBPyConnection, model: str, version: str,
         p_value: float = registry.PROMOTION_P_VALUE, min_gain: float = registry.MIN_AUC_GAIN) -> tuple[bool, str]:
    """Decide on a candidate. Every candidate must first beat its own logistic-regression baseline
    (model `<model>_baseline`, same version) on its primary holdout: its holdout AUC (the registry's
    primary_value) above the baseline's in ml.model_metrics, else it is rejected, and, with a
    champion standing, the champion stays without being compared (a model no better than a
    logistic regression never becomes champion, however weak the champion). With no champion that
    is the whole gate. Else both the candidate and the champion score the candidate's
    holdout and the candidate is promoted only when its AUC gain is larger than chance (one-sided
    paired DeLong test, `metrics.compare_auc`, below `p_value`) and at least `min_gain` AUC points
    (`registry.challenger_verdict`), and its ECE on those loans is at most the champion's plus
    `registry.MAX_ECE_LOSS`. A tie, a gain within noise, an immaterial gain or a gain bought with
    worse calibration is rejected and the champion stays.

    Holdout loans the champion trained or calibrated on (ml.model_training_loans) would flatter it:
    they are set aside. The reason gives both AUCs, the gain with its 95% interval, the p-value and
    the loans compared. The champion's PDs on those loans are stored in ml.model_holdout_scores
    (model `<model>_champion`, `_write_champion_scores`), beside the candidate's own; a candidate
    rejected below its baseline has none (any from an earlier gate of the version are removed): its
    verdict recomputes from its own and its baseline's PDs there.

    Returns (promoted, reason); the registry is updated either way.
    """
    row = con.execute("SELECT primary_value, primary_metric, artifact_path FROM ml.model_registry "
                      "WHERE model = ? AND version = ?", [model, version]).fetchone()
    auc, metric, artifact = row
    split = metric.removeprefix("auc_")
    if auc is None:
        registry.reject(con, model, version, f"holdout AUC could not be computed on {split}")
        return False, f"rejected: holdout AUC could not be computed on {split}"
    current = registry.champion(con, model)
    below = _below_baseline(con, model, version, split, auc, p_value)
    if current is None:
        reason = below or _first_model(con, model, version, split, auc, p_value)
    elif below:
        _drop_champion_scores(con, model, version, split)
        unproven = ("a candidate that cannot show it beats a logistic regression" if below.startswith(NO_BASELINE)
                    else "a model no better than a logistic regression")
        reason = f"{below}; {unproven} does not replace champion {current['version']}, which stays (not compared with it)"
    else:
        reason = _versus_champion(con, model, version, split, Path(artifact), current, p_value, min_gain)
    promoted = reason.startswith("promoted")
    (registry.promote if promoted else registry.reject)(con, model, version, reason)
    return promoted, reason


def _baseline_auc(con: duckdb.DuckDBPyConnection, model: str, version: str, split: str) -> tuple[float | None, str]:
    """(AUC of version's logistic-regression baseline on `split` from ml.model_metrics, or None when
    not stored or NULL; ' (2,400 holdout loans)': the loans of the version's holdout on that split)."""
    base = con.execute(
        "SELECT value FROM ml.model_metrics WHERE model = ? AND version = ? AND split = ? AND metric = 'auc'",
        [f"{model}_baseline", version, split],
    ).fetchone()
    n = con.execute("SELECT count(*) FROM ml.model_holdouts WHERE model = ? AND version = ? AND split = ?",
                    [model, version, split]).fetchone()[0]
    return (None if base is None else base[0]), f" ({n:,} holdout loans)"


NO_BASELINE = "rejected: no baseline AUC on"
"""How the gate's reason opens for a candidate whose baseline AUC is not stored (or NULL)."""


def _below_baseline(con: duckdb.DuckDBPyConnection, model: str, version: str, split: str, auc: float,
                    p_value: float) -> str | None:
    """The gate's floor, for every candidate: its rejection when its `split` AUC `auc` does not beat
    its own baseline's there ('rejected: holdout AUC 0.6178 does not beat the logistic-regression
    baseline 0.6965 by -0.0787 (95% CI ...) (2,400 holdout loans)'), or when no baseline AUC is
    stored; None when it beats it."""
    base, scope = _baseline_auc(con, model, version, split)
    if base is None:
        return f"{NO_BASELINE} {split} to compare with"
    if auc > base:
        return None
    return (f"rejected: {split} AUC {auc:.4f} does not beat the logistic-regression baseline {base:.4f}"
            f"{_versus_baseline(con, model, version, split, p_value)}{scope}")


def _first_model(con: duckdb.DuckDBPyConnection, model: str, version: str, split: str, auc: float,
                 p_value: float) -> str:
    """The promotion of a book's first model, which beat its baseline (`_below_baseline` None)."""
    base, scope = _baseline_auc(con, model, version, split)
    return (f"promoted: first model; {split} AUC {auc:.4f} beats the logistic-regression baseline {base:.4f}"
            f"{_versus_baseline(con, model, version, split, p_value)}{scope}")


def _drop_champion_scores(con: duckdb.DuckDBPyConnection, model: str, version: str, split: str) -> None:
    """Remove the champion's PDs stored for candidate `version` on `split` (model `<model>_champion`),
    for a gate that decided without the champion."""
    ensure_pd_tables(con)
    con.execute("DELETE FROM ml.model_holdout_scores WHERE model = ? AND version = ? AND split = ?",
                [f"{model}{CHAMPION}", version, split])


def _versus_baseline(con: duckdb.DuckDBPyConnection, model: str, version: str, split: str,
                     p_value: float = registry.PROMOTION_P_VALUE) -> str:
    """', by +0.0105 (95% CI ...; one-sided paired DeLong p 0.31: not beyond chance)' from the
    comparison record_training stored, or '' for a version trained before it was stored. The
    first model is promoted on the point estimate (a book needs a model), and this says how sure;
    "beyond chance" means below `p_value`, the gate's own (the retrain policy's promotion_p_value)."""
    got = dict(con.execute("SELECT metric, value FROM ml.model_metrics WHERE model = ? AND version = ? AND split = ?",
                           [f"{model}{VERSUS_BASELINE}", version, split]).fetchall())
    if got.get("auc_gain") is None or got.get("auc_gain_se") is None or got.get("p_value") is None:
        return ""
    gain, p = got["auc_gain"], got["p_value"]
    low, high = metrics.normal_interval(gain, got["auc_gain_se"])
    beyond = "beyond chance" if p < p_value else "not beyond chance"
    return f" by {gain:+.4f} (95% CI {low:+.4f} to {high:+.4f}; one-sided paired DeLong {metrics.format_p(p, p_value)}: {beyond})"


def _versus_champion(con: duckdb.DuckDBPyConnection, model: str, version: str, split: str, artifact: Path,
                     current: dict, p_value: float, min_gain: float) -> str:
    """The gate's reason for a candidate against a standing champion (see `gate`)."""
    _, frame = holdout_frame(con, model, version)
    seen = training_keys(con, model, current["version"])
    overlap = frame["loan_key"].isin(seen) if seen is not None else pd.Series(False, index=frame.index)
    # an id-less loan is keyed by file and line: the same loan landed again in another file is a new key
    keyed_by_line = bool(frame["loan_key"].str.fullmatch(r"[^:]+:[0-9a-f]{16}:\d+").any())
    by_key = (" by key, and training leaves out the earlier copies of loans without an id that a later file "
              "repeats (check raw_loans_idless_repeats); a copy under that check's threshold keeps a key of its own"
              ) if keyed_by_line else ""
    scope = (f" ({len(frame):,} holdout loans; the champion's training loans are not recorded)" if seen is None
             else f" ({len(frame):,} holdout loans, none of them among the champion's training loans{by_key})" if not overlap.any()
             else f" ({int((~overlap).sum()):,} holdout loans; {int(overlap.sum()):,} the champion trained on set aside)")
    frame = frame[~overlap]
    y = frame["default_flag"].to_numpy()
    candidate = load_pd_model(artifact)[0].predict_pd(frame)
    champion = load_pd_model(Path(current["artifact_path"]))[0].predict_pd(frame)
    _write_champion_scores(con, model, version, split, current["version"], frame, champion)
    compared = metrics.compare_auc(y, candidate, champion)
    if isinstance(compared, metrics.Metric):
        return f"rejected: AUC undefined on the candidate's {split}: {compared.reason}{scope}"
    low, high = compared.interval()
    figures = (f"{split} AUC {compared.auc_a:.4f} vs champion {current['version']} {compared.auc_b:.4f} on the same loans: "
               f"gain {compared.difference:+.4f} (95% CI {low:+.4f} to {high:+.4f}), one-sided paired DeLong {metrics.format_p(compared.p_value, p_value)}")
    promote, why = registry.challenger_verdict(compared.difference, compared.p_value, p_value, min_gain)
    if promote:
        ece_candidate = metrics.expected_calibration_error(y, candidate).value
        ece_champion = metrics.expected_calibration_error(y, champion).value
        if ece_candidate > ece_champion + registry.MAX_ECE_LOSS:
            promote = False
            why += (f"; but its ECE {ece_candidate:.4f} on the same loans exceeds the champion's {ece_champion:.4f} "
                    f"by more than {registry.MAX_ECE_LOSS:g}: a better ranking with worse calibration would misstate "
                    "every grade's PD, the champion stays")
    return f"{'promoted' if promote else 'rejected'}: {figures}{why}{scope}"


def champion_calibration(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Each loan PD champion's calibration on its primary holdout, as its card judged it when it was
    trained: the status (`model_card.calibration_status`, kept in the artifact's meta.json) with the
    figures behind it, read back from ml.calibration_bins and ml.model_metrics.

    Returns:
        one dict per champion, by model: "model", "version", "status" ('under-states on holdout_oot';
        CALIBRATION_NOT_RECORDED for a version trained before it was kept, or whose artifact is gone),
        "split", "mean_pd" and "default_rate" (fractions 0-1 over the split's loans; None without
        calibration bins), "ece" (None: not computed). A lake without ml.calibration_bins or
        ml.model_metrics (one older than them) reads as having no bins and no ECE, never an error.
    """
    from risk_assets.lib.lake import table_exists
    from risk_assets.lib.ml.artifacts import load_meta, locate

    has_bins, has_metrics = table_exists(con, "ml.calibration_bins"), table_exists(con, "ml.model_metrics")
    found = []
    for model, version, artifact, primary in con.execute(
            "SELECT model, version, artifact_path, primary_metric FROM ml.model_registry "
            "WHERE status = 'champion' AND model LIKE 'loan_pd_%' ORDER BY model").fetchall():
        split = primary.removeprefix("auc_")
        try:
            status = load_meta(locate(con, artifact)).get("calibration", {}).get("status")
        except FileNotFoundError:
            status = None
        rows, pd_sum, defaults = con.execute(
            "SELECT sum(count), sum(count * mean_pd), sum(count * default_rate) FROM ml.calibration_bins "
            "WHERE model = ? AND version = ? AND split = ? AND count > 0", [model, version, split]).fetchone() \
            if has_bins else (None, None, None)
        (ece,) = (con.execute("SELECT value FROM ml.model_metrics WHERE model = ? AND version = ? AND split = ? "
                              "AND metric = 'ece'", [model, version, split]).fetchone() if has_metrics else None) \
            or (None,)
        found.append({"model": model, "version": version, "status": status or CALIBRATION_NOT_RECORDED,
                      "split": split, "mean_pd": pd_sum / rows if rows else None,
                      "default_rate": defaults / rows if rows else None, "ece": ece})
    return found


def unscored_portfolios(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, str]]:
    """Portfolio -> (loans of marts.loan_features without a score from its champion, why) for every
    portfolio with such loans; why: the operator's retirement, the latest refusal's reason, a
    rejection, or "never trained"."""
    ensure_pd_tables(con)
    rows = con.execute("""
        SELECT f.portfolio, count(*) FROM marts.loan_features f
        LEFT JOIN ml.loan_scores s USING (loan_key)
        LEFT JOIN ml.model_registry r ON r.model = 'loan_pd_' || f.portfolio AND r.status = 'champion'
        WHERE s.loan_key IS NULL OR r.version IS NULL OR s.model_version <> r.version
        GROUP BY 1 ORDER BY 1""").fetchall()
    return {portfolio: (loans, unscored_reason(con, portfolio)) for portfolio, loans in rows}


def unscored_reason(con: duckdb.DuckDBPyConnection, portfolio: str) -> str:
    """Why a portfolio's loans carry no score from its champion: scores missing while a champion
    stands, the operator's retirement, the latest refusal's reason, a rejection, or "never trained".
    Reads ml.model_registry and ml.model_metrics (which must exist; see `ensure_pd_tables`)."""
    model = model_name(portfolio)
    if registry.champion(con, model) is not None:
        return "scores missing or from another version: materialize loan_scores"
    if (retired := registry.operator_retirement(con, model)) is not None:
        return f"no {model} champion: {retired.said('retired it')}"
    last = con.execute(
        "SELECT m.reason, r.status, r.reason FROM ml.model_metrics m LEFT JOIN ml.model_registry r "
        "ON r.model = m.model AND r.version = m.version WHERE m.model = ? AND m.split IN ('all', 'holdout', 'holdout_oot') "
        "AND m.metric = 'auc' ORDER BY m.recorded_at DESC LIMIT 1", [model]).fetchone()
    if last is None:
        return f"no {model} champion: {NEVER_TRAINED}"
    if last[1] is None:
        return f"no {model} champion: {TRAINING_REFUSED}: {last[0]}"
    return f"no {model} champion: latest version {last[1]}: {last[2]}"


NEVER_TRAINED = "never trained"
"""`unscored_reason`'s words for a book with no training on record (a new book landed by ingestion)."""

TRAINING_REFUSED = "training refused"
"""`unscored_reason`'s words for a book whose latest training was refused (too few defaults), before the reason."""


def train_by_hand(portfolios: Sequence[str], program: str = "risk-assets") -> str:
    """The command that trains the PD models of `portfolios` alone (no other champion retrained) and
    scores their loans, with `program` as the CLI's name ('.venv/bin/risk-assets')."""
    config = json.dumps({"ops": {"loan_pd_model": {"config": {"portfolios": list(portfolios)}}}})
    return f"{program} run --no-seed --select 'key:loan_pd_model+' --config-json '{config}'"


def how_to_train(portfolios: Sequence[str], program: str = "risk-assets") -> str:
    """How the books `portfolios`, never trained, get their first model, as the coverage check
    `loan_scores_coverage` ends its description with it: 'retrain_sensor trains acme under dagster
    dev, or train it now: <train_by_hand>'."""
    return (f"retrain_sensor trains {', '.join(portfolios)} under dagster dev, or train it now: "
            f"{train_by_hand(portfolios, program)}")


CALIBRATION_NOT_RECORDED = "not recorded (a version trained before its calibration status was kept)"
"""`ml.loan_scores.pd_calibration` of a champion whose meta.json has no calibration status."""


POOLED_OVER_VINTAGES = " (pooled over vintages)"
"""Appended to the in-time holdout's verdict in `ml.loan_scores.pd_calibration`: that holdout pools the
development vintages, and its verdict is the pooled one's, not each vintage's."""


def pd_calibration_by_loan(frame: pd.DataFrame, meta: dict) -> np.ndarray:
    """Each loan's `pd_calibration`: the verdict of the holdout that speaks for the loan's population
    (`training.calibration_by_population`, in the artifact's run record), so a loan of the vintages
    the model was developed on reads the in-time holdout's verdict, said to be POOLED_OVER_VINTAGES
    ('calibrated on holdout_in_time (pooled over vintages)': single vintages may be off, see the
    card's per-vintage line, `model_card.pooled_calibration_line`), and one of the out-of-time
    window the out-of-time holdout's. A loan outside every vintage the
    champion trained or was judged on reads 'not assessed (vintage before the champion's 1989-2006)'
    (or 'after'; by origination date for a split by date), one of a vintage within that span the
    vintage rule left out 'not assessed (vintage left out by the vintage rule)', one without a vintage 'not assessed
    (no vintage)'. A champion split at random, or trained before populations were recorded, gives
    every loan its primary holdout's verdict (`meta['calibration']['status']`).

    Args:
        frame: n rows of marts.loan_features (`vintage`, `origination_date`). meta: the champion's meta.json.

    Returns:
        n strings, object dtype.
    """
    primary = meta.get("calibration", {}).get("status") or CALIBRATION_NOT_RECORDED
    found = meta.get("run", {}).get("calibration_by_population")
    if not found:
        return np.full(len(frame), primary, dtype=object)
    by_vintage = found["scheme"] == "out_of_time_vintage"
    key = "vintages" if by_vintage else "dates"
    if by_vintage:
        place = pd.to_numeric(frame["vintage"], errors="coerce").to_numpy(dtype=np.float64)
        bounds = lambda pair: (float(pair[0]), float(pair[1]))  # noqa: E731
        span_said = "{}-{}".format(*found["span"]["vintages"])
        word = "vintage"
    else:
        place = pd.to_datetime(frame["origination_date"], errors="coerce").to_numpy(dtype="datetime64[ns]")
        bounds = lambda pair: (np.datetime64(pair[0], "ns"), np.datetime64(pair[1], "ns"))  # noqa: E731
        span_said = "{} to {}".format(*found["span"]["dates"])
        word = "originated"
    missing = pd.isna(place)
    low, high = bounds(found["span"][key])
    said = np.full(len(frame), "not assessed (no in-time holdout)", dtype=object)
    with np.errstate(invalid="ignore"):
        said[~missing & (place < low)] = f"not assessed ({word} before the champion's {span_said})"
        said[~missing & (place > high)] = f"not assessed ({word} after the champion's {span_said})"
        for population in found["populations"]:
            if population[key]:
                first, last = bounds(population[key])
                status = population["status"] + (POOLED_OVER_VINTAGES if population["split"] == "holdout_in_time" else "")
                said[~missing & (place >= first) & (place <= last)] = status
        inside = ~missing & (place >= low) & (place <= high)
    left_out = meta.get("run", {}).get("vintages_left_out") or []
    if left_out and "vintage" in frame:  # a vintage within the span that neither trained nor judged the model
        said[inside & pd.to_numeric(frame["vintage"], errors="coerce").isin(left_out).to_numpy()] = \
            "not assessed (vintage left out by the vintage rule)"
    said[missing] = f"not assessed (no {'vintage' if by_vintage else 'origination date'})"
    return said


def label_outcomes_outside_window(con: duckdb.DuckDBPyConnection, portfolio: str) -> None:
    """Say, in `ml.loan_scores.pd_calibration`, what the lake's outcomes show of the portfolio's loans
    outside every vintage (or date) its champion trained or was judged on: no holdout speaks for them,
    but their resolved loans (marts.loan_features.default_flag not null) have a default rate to set
    against their mean PD. Each such label ('not assessed (vintage after the champion's 1989-2006)')
    becomes 'not assessed (vintage after the champion's 1989-2006, no holdout; its <n> resolved loans:
    default rate <rate> against mean PD <mean PD> (x<ratio>))'; a label whose loans have no
    resolved outcome is left as it is. Rates and PDs are fractions 0-1; x is mean PD / default rate."""
    rows = con.execute("""
        SELECT s.pd_calibration, count(*), avg(f.default_flag), avg(s.pd)
        FROM ml.loan_scores s JOIN marts.loan_features f USING (loan_key)
        WHERE s.portfolio = ? AND f.default_flag IS NOT NULL
          AND regexp_full_match(s.pd_calibration, 'not assessed \\((vintage|originated) (before|after) the champion''s [^;]*\\)')
        GROUP BY 1""", [portfolio]).fetchall()
    for label, resolved, rate, mean_pd in rows:
        ratio = f" (x{mean_pd / rate:.2f})" if rate else ""
        said = (f"{label[:-1]}, no holdout; its {resolved:,} resolved loans: default rate {rate:.4f} against mean PD "
                f"{mean_pd:.4f}{ratio})")
        con.execute("UPDATE ml.loan_scores SET pd_calibration = ? WHERE portfolio = ? AND pd_calibration = ?",
                    [said, portfolio, label])


def score_portfolio(con: duckdb.DuckDBPyConnection, portfolio: str, batch_rows: int = 200_000) -> dict | None:
    """Score every loan of a portfolio in marts.loan_features with its champion into ml.loan_scores
    (replacing that portfolio's previous scores), each row with the champion's calibration status
    (`pd_calibration`, `model_card.calibration_status`: whether its PDs and grades read as default
    probabilities or as relative risk). Returns a summary, or None when there is no champion: then
    the portfolio's previous scores, from a version since retired, are removed."""
    ensure_pd_tables(con)
    model = model_name(portfolio)
    current = registry.champion(con, model)
    if current is None:
        con.execute("DELETE FROM ml.loan_scores WHERE portfolio = ?", [portfolio])
        return None
    scorer, meta = load_pd_model(Path(current["artifact_path"]))
    con.execute("DELETE FROM ml.loan_scores WHERE portfolio = ?", [portfolio])
    total = con.execute("SELECT count(*) FROM marts.loan_features WHERE portfolio = ?", [portfolio]).fetchone()[0]
    scored_at = _now()
    all_pd = []
    for offset in range(0, total, batch_rows):
        frame = con.execute(
            "SELECT * FROM marts.loan_features WHERE portfolio = ? ORDER BY loan_key LIMIT ? OFFSET ?",
            [portfolio, batch_rows, offset],
        ).df()
        pd_values = scorer.predict_pd(frame)
        scores = pd.DataFrame({
            "loan_key": frame["loan_key"], "portfolio": portfolio, "pd": pd_values, "risk_grade": risk_grade(pd_values),
            "model": model, "model_version": current["version"], "scored_at": scored_at,
            "pd_calibration": pd_calibration_by_loan(frame, meta),
        })
        con.register("batch_scores", scores)
        con.execute("INSERT INTO ml.loan_scores SELECT * FROM batch_scores")
        con.unregister("batch_scores")
        all_pd.append(pd_values)
    label_outcomes_outside_window(con, portfolio)
    values = np.concatenate(all_pd) if all_pd else np.zeros(0)
    grades = pd.Series(risk_grade(values)).value_counts().reindex(RISK_GRADES, fill_value=0)
    verdicts = con.execute("SELECT pd_calibration, count(*) FROM ml.loan_scores WHERE portfolio = ? GROUP BY 1 ORDER BY 1",
                           [portfolio]).fetchall()
    return {
        "model": model, "version": current["version"], "rows": int(values.size),
        "pd_calibration": {verdict: int(rows) for verdict, rows in verdicts},
        "mean_pd": float(values.mean()) if values.size else None,
        "pd_quantiles": {q: float(np.quantile(values, q)) for q in (0.01, 0.1, 0.5, 0.9, 0.99)} if values.size else {},
        "grades": {g: int(n) for g, n in grades.items()},
    }


def chargeoff_dates(con: duckdb.DuckDBPyConnection, portfolio: str) -> pd.Series | None:
    """Each loan's charge-off date from staging.stg_loans (its latest snapshot version that gives
    one), for the point-in-time backtest (`training.point_in_time_backtest`): the outcomes known at
    an out-of-time cut.

    Returns:
        datetime64 values indexed by loan key, only the loans of `portfolio` with a charge-off date
        (empty when none has one); None when the lake has no staging.stg_loans.chargeoff_date.
    """
    try:
        found = con.execute(
            "SELECT loan_key, arg_max(chargeoff_date, snapshot_version) AS chargeoff_date FROM staging.stg_loans "
            "WHERE portfolio = ? AND chargeoff_date IS NOT NULL GROUP BY loan_key", [portfolio]).df()
    except duckdb.Error:  # no staging table or no charge-off column in this lake
        return None
    return pd.Series(pd.to_datetime(found["chargeoff_date"]).to_numpy(dtype="datetime64[ns]"),
                     index=found["loan_key"].astype(str).to_numpy(), name="chargeoff_date")


def chargeoffs_after_cut(con: duckdb.DuckDBPyConnection, trained: TrainedPD) -> dict | None:
    """How many of the development defaults were charged off on or after the out-of-time cut: the
    outcomes the model learnt from that were not known when the holdout's first loan was approved.
    An out-of-time split by approval date is then no point-in-time backtest.

    The cut is the holdout's first origination date, the split's real boundary: for a split by
    vintage that is the first day of its first vintage (SBA: 2003-10-01, the first day of fiscal
    2004), not 1 January; charge-off dates come from staging.stg_loans.

    Returns:
        {"after": defaults charged off on or after the cut, "dated": development defaults with a
        charge-off date, "defaults": all development defaults, "cut": '2003-10-01', "vintage": the
        holdout's first vintage for a split by vintage (2004), else None}; None without an
        out-of-time holdout or without staging.stg_loans.chargeoff_date.
    """
    if trained.split.primary_holdout != "holdout_oot" or "train" not in trained.keys:
        return None
    con.register("development", pd.DataFrame({"loan_key": trained.keys["train"]}))
    con.register("holdout", pd.DataFrame({"loan_key": trained.keys["holdout_oot"]}))
    try:
        first = con.execute("SELECT min(vintage), min(origination_date) FROM staging.stg_loans JOIN holdout USING (loan_key)").fetchone()
        after, dated, defaults = con.execute(
            "SELECT count(*) FILTER (WHERE s.chargeoff_date >= ?), count(s.chargeoff_date), count(*) FROM staging.stg_loans s "
            "JOIN development USING (loan_key) WHERE s.default_flag = 1", [first[1]]).fetchone()
    except duckdb.Error:  # no staging table or no charge-off column in this lake
        return None
    finally:
        con.unregister("development")
        con.unregister("holdout")
    by_vintage = trained.split.scheme == "out_of_time_vintage"
    return {"after": int(after), "dated": int(dated), "defaults": int(defaults), "cut": f"{first[1]:%Y-%m-%d}",
            "vintage": int(first[0]) if by_vintage and first[0] is not None else None}


def repaid_with_chargeoff(con: duckdb.DuckDBPyConnection, trained: TrainedPD) -> dict | None:
    """The book's loans labelled repaid (marts.loan_features.default_flag 0, the tape's status: SBA
    `P I F`) that carry a charge-off date in staging.stg_loans (any snapshot version): the landing
    note `repaid_with_chargeoff`, counted for the card's limitations (`model_card.repaid_with_chargeoff_line`).

    Returns:
        {"loans": such loans of the book, "book": the book's loans in marts.loan_features, "splits":
        {split: such loans of the split, in `trained.keys` order}}; None without them (LendingClub)
        or without staging.stg_loans.chargeoff_date.
    """
    try:
        book, = con.execute("SELECT count(*) FROM marts.loan_features WHERE portfolio = ?", [trained.portfolio]).fetchone()
        found = con.execute(
            "SELECT f.loan_key FROM marts.loan_features f WHERE f.portfolio = ? AND f.default_flag = 0 AND f.loan_key IN "
            "(SELECT loan_key FROM staging.stg_loans WHERE chargeoff_date IS NOT NULL)", [trained.portfolio]).df()
    except duckdb.Error:  # no staging table or no charge-off column in this lake
        return None
    if found.empty:
        return None
    keys = found["loan_key"].to_numpy(dtype=str)
    return {"loans": len(keys), "book": int(book),
            "splits": {split: int(np.isin(split_keys, keys).sum()) for split, split_keys in trained.keys.items()}}


def empty_pd_inputs(con: duckdb.DuckDBPyConnection, portfolio: str) -> dict[str, dict] | None:
    """The PD inputs of `portfolio` that a landed loan tape left empty on every row: the landing note
    `column_empty` of a loaded file in raw.landed_files (`'int_rate NULL on all 20 rows, a PD
    input'`), for the card's data lines (`model_card.empty_inputs_lines`). Such an input is NULL
    for each loan whose latest row in raw.loans came from that file, so it tells the model nothing
    about them.

    Returns:
        {input (the raw.loans column): {"sources": the tapes' column names, "files": the landed
        files' names, in landing order, "loans": the book's loans in marts.loan_features whose latest
        row came from those files, "book": the book's loans in marts.loan_features}}, inputs in
        name order; None when no landed file of the book has such a note, or the lake lacks
        raw.landed_files, raw.loans or marts.loan_features.
    """
    try:
        files = con.execute(
            "SELECT f.sha256, f.path, f.notes FROM raw.landed_files AS f WHERE f.domain = 'loans' AND f.status = 'loaded' "
            "AND f.notes LIKE '%column_empty%' AND f.sha256 IN (SELECT _file_sha256 FROM raw.loans WHERE portfolio = ?) "
            "ORDER BY f.landed_at, f.path", [portfolio]).fetchall()
        if not files:
            return None
        latest = con.execute(
            "SELECT l.file, count(*) FROM (SELECT loan_key, arg_max(_file_sha256, _ingested_at) AS file FROM raw.loans "
            "WHERE portfolio = ? GROUP BY loan_key) AS l JOIN marts.loan_features AS m USING (loan_key) GROUP BY l.file",
            [portfolio]).fetchall()
        book, = con.execute("SELECT count(*) FROM marts.loan_features WHERE portfolio = ?", [portfolio]).fetchone()
    except duckdb.Error:  # a lake without these tables
        return None
    loans_of = dict(latest)
    found: dict[str, dict] = {}
    for sha256, path, notes in files:
        for source, said in (json.loads(notes).get("column_empty") or {}).items():
            if not str(said).endswith(", a PD input"):
                continue
            entry = found.setdefault(str(said).split(" ", 1)[0], {"sources": [], "files": [], "loans": 0, "book": int(book)})
            entry["sources"] += [source] if source not in entry["sources"] else []
            entry["files"].append(Path(path).name)
            entry["loans"] += int(loans_of.get(sha256, 0))
    return {name: found[name] for name in sorted(found)} or None


def vintage_calibration(con: duckdb.DuckDBPyConnection, trained: TrainedPD, split: str = "holdout_in_time") -> dict | None:
    """The in-time holdout's calibration vintage by vintage: the loans' PDs and default flags as the
    training scored them (`TrainedPD.holdouts`), each placed in its vintage by marts.loan_features.
    What `model_card.pooled_calibration_line` sets beside the pooled verdict that
    ml.loan_scores.pd_calibration gives the vintages the model was developed on.

    Returns:
        {"split", "status" (`model_card.holdout_calibration_status`), "ece" (None: not computed),
        "vintages": [(vintage, loans, mean PD, default rate), ...] by vintage, fractions 0-1}; None
        without that holdout or without vintages.
    """
    from risk_assets.lib.ml.model_card import holdout_calibration_status

    scores = trained.holdouts.get(split)
    if scores is None or not len(scores.keys):
        return None
    con.register("holdout_scores", pd.DataFrame({"loan_key": scores.keys, "y": scores.y, "pd": scores.pd}))
    try:
        rows = con.execute(
            "SELECT f.vintage, count(*), avg(h.pd), avg(h.y) FROM holdout_scores h JOIN marts.loan_features f "
            "USING (loan_key) WHERE f.portfolio = ? AND f.vintage IS NOT NULL GROUP BY f.vintage ORDER BY f.vintage",
            [trained.portfolio]).fetchall()
    except duckdb.Error:  # no marts table or no vintage column in this lake
        return None
    finally:
        con.unregister("holdout_scores")
    if not rows:
        return None
    ece = trained.metrics[split]["ece"].value
    return {"split": split, "status": holdout_calibration_status(split, ece, scores.y, scores.pd), "ece": ece,
            "vintages": [(int(v), int(n), float(mean_pd), float(rate)) for v, n, mean_pd, rate in rows]}
