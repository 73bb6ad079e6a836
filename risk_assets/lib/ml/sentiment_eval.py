"""Judging a sentiment model: classification metrics, the TF-IDF baseline, the champion gate and
the model card.

Metrics: accuracy, per-class precision, recall and support (scikit-learn definitions); per-class F1
= 2 TP / (2 TP + FP + FN); macro-F1, the unweighted mean of the per-class F1 over the classes the
split holds (an actual sentence of them): on a split holding all three, the figure FinBERT reports
(Araci 2019); the confusion matrix, rows = actual label, columns = predicted label, in LABELS order.
A precision of a class the model never predicts is undefined: None with its reason, never 0.
Macro-F1's classes are the same for every model judged on the split; a class with no actual
sentence is left out of it (scikit-learn's f1_score(average="macro") over the three labels would
count it), its reason saying so (its F1 is 0 when the model predicted it, undefined when not).

Confusion matrices are stored as rows of ml.confusion_matrices (model, version, split, actual,
predicted, count): a cell per row, so a matrix is one GROUP BY away and any two versions join.

Baseline: TF-IDF of word 1-2 grams with logistic regression (scikit-learn defaults otherwise), fitted
on the same training sentences and judged on the same holdout.

Gate: with no champion yet, a candidate becomes champion when its holdout macro-F1 beats the
baseline's. After that, the champion is re-scored on the candidate's holdout (so the two figures are
comparable even when the data changed) and the candidate replaces it only when its macro-F1 gain is
larger than chance, a paired bootstrap of the holdout sentences (`compare_macro_f1`; Efron &
Tibshirani, An Introduction to the Bootstrap, 1993; Koehn, EMNLP 2004) with a one-sided p-value below
`registry.PROMOTION_P_VALUE`, and material, at least `registry.MIN_MACRO_F1_GAIN`. A tie, a gain
within noise or an immaterial one keeps the champion.

One exception (`gate`'s `short_champion`): a champion whose time budget cut its training short is
replaced by a candidate of the same profile, trained on the same labelled news, that ran every
planned step, unless the candidate is worse beyond chance (one-sided paired bootstrap p of "no
worse" below `registry.PROMOTION_P_VALUE`). The two are one recipe, the champion a cut run of it:
asking the full run for a material gain beyond chance would keep the cut model on a tie.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

import duckdb
import numpy as np
import polars as pl

from risk_assets.lib.ml.card_text import plain, terms_section
from risk_assets.lib.ml.metrics import format_p
from risk_assets.lib.ml.registry import MIN_MACRO_F1_GAIN, PROMOTION_P_VALUE, challenger_verdict
from risk_assets.lib.ml.sentiment import LABELS
from risk_assets.lib.ml.sentiment_data import key_digest

CONFUSION_DDL = """
CREATE TABLE IF NOT EXISTS ml.confusion_matrices (
    model         VARCHAR NOT NULL,
    version       VARCHAR NOT NULL,
    split         VARCHAR NOT NULL,
    actual        VARCHAR NOT NULL,   -- true label
    predicted     VARCHAR NOT NULL,   -- model's label
    count         BIGINT NOT NULL,    -- sentences in this cell
    run_id        VARCHAR,
    recorded_at   TIMESTAMP
)
"""
HOLDOUT_SCORES_DDL = """
CREATE TABLE IF NOT EXISTS ml.sentiment_holdout_scores (
    model           VARCHAR NOT NULL,   -- news_sentiment, news_sentiment_baseline or news_sentiment_champion
    version         VARCHAR NOT NULL,   -- the version whose holdout this is (the baseline and the champion carry it too)
    split           VARCHAR NOT NULL,   -- holdout
    position        INTEGER NOT NULL,   -- the sentence's row in the holdout, 0-based: the order the gate's bootstrap drew from
    doc_id          VARCHAR NOT NULL,   -- the article that stands for the sentence (marts.news_features)
    sentence_digest VARCHAR NOT NULL,   -- key_digest of its dedupe key, as in meta.json's holdout_key_digests
    label           VARCHAR NOT NULL,   -- true label
    predicted       VARCHAR NOT NULL,   -- the model's label
    p_negative      DOUBLE NOT NULL,    -- class probabilities, fractions 0-1 summing to 1
    p_neutral       DOUBLE NOT NULL,
    p_positive      DOUBLE NOT NULL
);
-- news_sentiment_champion rows: the champion the gate re-scored on this version's holdout; NULL otherwise
ALTER TABLE ml.sentiment_holdout_scores ADD COLUMN IF NOT EXISTS champion_version VARCHAR;
"""
BASELINE_MODEL = "news_sentiment_baseline"
"""Model name of the TF-IDF + logistic regression rows in ml.model_metrics (same version and split as
the candidate it was fitted beside)."""
CHAMPION_MODEL = "news_sentiment_champion"
"""Model name of the champion's predictions in ml.sentiment_holdout_scores on the holdout of the
candidate it was compared with (the candidate's version; the champion's own in champion_version)."""


@dataclass
class Evaluation:
    """Metrics of one model on one split: `metrics` (name -> value or None), `reasons` for the None
    values, and the confusion matrix `confusion` (3 x 3 counts, rows actual, columns predicted)."""

    metrics: dict[str, float | None]
    reasons: dict[str, str]
    confusion: np.ndarray

    @property
    def macro_f1(self) -> float:
        return float(self.metrics["macro_f1"])


def evaluate(y_true: Sequence[str], y_pred: Sequence[str]) -> Evaluation:
    """Accuracy, macro-F1, per-class precision/recall/F1/support and the confusion matrix.

    Raises:
        ValueError: empty input or lengths differ.
    """
    from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

    if not y_true or len(y_true) != len(y_pred):
        raise ValueError(f"need equal, non-zero lengths: {len(y_true)} true, {len(y_pred)} predicted labels")
    precision, recall, _, support = precision_recall_fscore_support(
        y_true, y_pred, labels=list(LABELS), zero_division=np.nan
    )
    confusion = confusion_matrix(y_true, y_pred, labels=list(LABELS))
    # F1 = 2 TP / (2 TP + FP + FN): 0 for a class predicted but never actual, or actual but never
    # predicted; undefined only for a class with neither (van Rijsbergen 1979)
    tp, present = np.diag(confusion).astype(np.float64), confusion.sum(axis=0) + confusion.sum(axis=1)
    f1 = np.divide(2 * tp, present, out=np.full(len(LABELS), np.nan), where=present > 0)
    metrics: dict[str, float | None] = {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "n": float(len(y_true)),
    }
    reasons: dict[str, str] = {}
    for i, label in enumerate(LABELS):
        for name, values, why in (
            ("precision", precision, f"the model predicted no '{label}'"),
            ("recall", recall, f"no actual '{label}' in the split"),
            ("f1", f1, f"no actual and no predicted '{label}' in the split"),
        ):
            value = float(values[i])
            metrics[f"{name}_{label}"] = None if np.isnan(value) else value
            if np.isnan(value):
                reasons[f"{name}_{label}"] = why
        metrics[f"support_{label}"] = float(support[i])
    # macro-F1 is the mean over the classes the split holds (an actual sentence of them): the same
    # classes for every model judged on it, so two models compare on one footing; counting a class
    # the split lacks as 0 would lower a perfect model on a two-class split to 0.667
    held = support > 0
    absent = [label for i, label in enumerate(LABELS) if not held[i]]
    metrics["macro_f1"] = float(np.mean(f1[held]))  # never empty: every sentence has an actual class
    if absent:
        reasons["macro_f1"] = (f"mean over the {int(held.sum())} of {len(LABELS)} classes the split holds: no actual "
                               f"{' or '.join(repr(a) for a in absent)} in it")
    return Evaluation(metrics, reasons, confusion)


def _tfidf_pipeline(train_texts: Sequence[str], train_labels: Sequence[str]):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    pipeline = make_pipeline(TfidfVectorizer(ngram_range=(1, 2)), LogisticRegression(max_iter=2000))
    return pipeline.fit(list(train_texts), list(train_labels))


def tfidf_baseline(train_texts: Sequence[str], train_labels: Sequence[str], test_texts: Sequence[str]) -> list[str]:
    """Labels predicted for test_texts by TF-IDF (word 1-2 grams) + logistic regression fitted on the training pairs."""
    return [str(label) for label in _tfidf_pipeline(train_texts, train_labels).predict(list(test_texts))]


def tfidf_probabilities(train_texts: Sequence[str], train_labels: Sequence[str], test_texts: Sequence[str]) -> np.ndarray:
    """Class probabilities of the same TF-IDF baseline: n_test x 3, columns in LABELS order (0 for a
    label absent from training)."""
    return tfidf_predictions(train_texts, train_labels, test_texts).probs


@dataclass(frozen=True)
class HoldoutPredictions:
    """One model's predictions for the n sentences of a holdout, in its row order: `labels` (n, one of
    LABELS) and `probs` (n x 3, columns in LABELS order, fractions 0-1, rows summing to 1)."""

    labels: list[str]
    probs: np.ndarray


def tfidf_predictions(train_texts: Sequence[str], train_labels: Sequence[str],
                      test_texts: Sequence[str]) -> HoldoutPredictions:
    """The TF-IDF baseline's labels (those `tfidf_baseline` gives) and class probabilities for
    test_texts, from one fit (a label absent from training has probability 0)."""
    pipeline = _tfidf_pipeline(train_texts, train_labels)
    fitted = pipeline.predict_proba(list(test_texts))
    probs = np.zeros((len(test_texts), len(LABELS)))
    for column, label in enumerate(pipeline.classes_):
        probs[:, LABELS.index(label)] = fitted[:, column]
    return HoldoutPredictions([str(label) for label in pipeline.predict(list(test_texts))], probs)


@dataclass(frozen=True)
class GateDecision:
    """The gate's verdict: promote or not, and a sentence saying why, with the figures compared."""

    promote: bool
    reason: str


@dataclass(frozen=True)
class F1Comparison:
    """Two models' macro-F1 on the same sentences and the paired bootstrap of their difference.

    Attributes:
        f1_a, f1_b: each model's macro-F1 (0-1) on the sentences.
        difference: f1_a - f1_b.
        low, high: 2.5th and 97.5th percentiles of the resampled differences (95% interval).
        p_value: (1 + resamples with a difference <= 0) / (1 + resamples): one-sided, "a is no
            better"; 1.0 for two models that agree on every sentence.
        resamples: bootstrap resamples drawn.
        p_value_worse: (1 + resamples with a difference >= 0) / (1 + resamples): one-sided, "a is
            no worse"; below a threshold, a is worse beyond chance. NaN when not computed.
    """

    f1_a: float
    f1_b: float
    difference: float
    low: float
    high: float
    p_value: float
    resamples: int
    p_value_worse: float = float("nan")


def _macro_f1_of_counts(confusion: np.ndarray) -> np.ndarray:
    """Macro-F1 per confusion matrix of a stack (r x k x k, rows actual): the mean of 2 TP / (2 TP +
    FP + FN) over the classes with an actual sentence in that matrix (as `evaluate`)."""
    tp = np.diagonal(confusion, axis1=1, axis2=2).astype(np.float64)
    predicted, actual = confusion.sum(axis=1), confusion.sum(axis=2)
    denominator = predicted + actual
    f1 = np.divide(2 * tp, denominator, out=np.zeros_like(tp), where=denominator > 0)
    held = actual > 0
    return (f1 * held).sum(axis=1) / np.maximum(held.sum(axis=1), 1)


def compare_macro_f1(y_true: Sequence[str], pred_a: Sequence[str], pred_b: Sequence[str],
                     resamples: int = 2000, seed: int = 0) -> F1Comparison:
    """Paired bootstrap of the macro-F1 difference of two models on the same n sentences: each
    resample draws n sentences with replacement and scores both models on the same draw.

    Args:
        y_true, pred_a, pred_b: labels (LABELS) of the n sentences, in the same order.
        resamples, seed: bootstrap resamples and their generator's seed (fixed, so a verdict repeats).

    Raises:
        ValueError: empty input, lengths differ, or a label outside LABELS.
    """
    if not y_true or not len(y_true) == len(pred_a) == len(pred_b):
        raise ValueError(f"need equal, non-zero lengths: {len(y_true)} true, {len(pred_a)} and {len(pred_b)} predicted labels")
    index = {label: i for i, label in enumerate(LABELS)}
    unknown = sorted({x for x in (*y_true, *pred_a, *pred_b) if x not in index})
    if unknown:
        raise ValueError(f"labels outside {list(LABELS)}: {unknown[:5]}")
    k, n = len(LABELS), len(y_true)
    truth = np.array([index[x] for x in y_true])
    cells = [truth * k + np.array([index[x] for x in pred]) for pred in (pred_a, pred_b)]
    draws = np.random.default_rng(seed).integers(0, n, size=(resamples, n))
    offsets = (np.arange(resamples) * k * k)[:, None]
    scores = []
    for cell in cells:
        stacked = np.bincount((offsets + cell[draws]).ravel(), minlength=resamples * k * k).reshape(resamples, k, k)
        full = np.bincount(cell, minlength=k * k).reshape(1, k, k)
        scores.append((_macro_f1_of_counts(full)[0], _macro_f1_of_counts(stacked)))
    (f1_a, boot_a), (f1_b, boot_b) = scores
    differences = boot_a - boot_b
    low, high = np.percentile(differences, [2.5, 97.5])
    p_value = (1 + int((differences <= 0).sum())) / (1 + resamples)
    p_value_worse = (1 + int((differences >= 0).sum())) / (1 + resamples)
    return F1Comparison(float(f1_a), float(f1_b), float(f1_a - f1_b), float(low), float(high), p_value, resamples,
                        p_value_worse)


def gate(candidate_f1: float, baseline_f1: float, versus: F1Comparison | None,
         champion_version: str | None = None, scope: str = "",
         p_value: float = PROMOTION_P_VALUE, min_gain: float = MIN_MACRO_F1_GAIN,
         versus_baseline: F1Comparison | None = None, short_champion: tuple[int, int] | None = None) -> GateDecision:
    """Decide promotion on holdout macro-F1 (see module docstring).

    The reason states the figures the decision rests on, as the PD gate's does: against a champion
    both macro-F1s, the gain with its 95% interval and the one-sided paired bootstrap p-value
    (`metrics.format_p`); against the baseline (a first model) the margin over it ('beats the TF-IDF
    baseline 0.6460 by +0.1780'), with, when `versus_baseline` is given, its 95% interval and
    p-value ('(95% CI +0.1500 to +0.2050; one-sided paired bootstrap p < 0.001: beyond chance)'):
    the first model is promoted on the point estimate (the articles need a model), and this says how
    sure.

    Args:
        candidate_f1, baseline_f1: macro-F1 of the candidate and the baseline on the holdout.
        versus: the candidate against the current champion re-scored on the same holdout
            (`compare_macro_f1`, candidate first); None when there is no champion, or when
            champion_version names one that could not be re-scored (the reason says so).
        scope: appended to the reason: which sentences were compared.
        p_value, min_gain: the candidate replaces the champion only when the comparison's p-value
            is below p_value and its gain is at least min_gain (`registry.challenger_verdict`).
        versus_baseline: the candidate against the baseline on the same holdout (`compare_macro_f1`,
            candidate first), said in the reason when the baseline judges; it decides nothing.
        short_champion: the champion's (steps, planned_steps) when its time budget cut it short and
            the candidate is the same profile on the same labelled news run with every planned step
            (`sentiment_pipeline.full_run_of_short_champion`): the candidate replaces it unless worse
            beyond chance (`versus.p_value_worse` below p_value); 'promoted: replaces champion v1,
            trained short (208 of 396 steps), by the same profile run in full on the same data: ...'.
    """
    if versus is None:
        # no champion, or one whose artifact cannot be loaded to re-score: the baseline alone judges
        lead = "first model; " if champion_version is None else (
            f"champion {champion_version} could not be re-scored, so judged against the baseline alone; ")
        margin = candidate_f1 - baseline_f1
        sure = "" if versus_baseline is None else (
            f"95% CI {versus_baseline.low:+.4f} to {versus_baseline.high:+.4f}; one-sided paired bootstrap "
            f"{format_p(versus_baseline.p_value, p_value)}: "
            f"{'beyond chance' if versus_baseline.p_value < p_value else 'not beyond chance'}")
        if candidate_f1 > baseline_f1:
            return GateDecision(True, f"promoted: {lead}holdout macro-F1 {candidate_f1:.4f} beats the TF-IDF baseline "
                                      f"{baseline_f1:.4f} by {margin:+.4f}{f' ({sure})' if sure else ''}{scope}")
        return GateDecision(False, f"rejected: {lead}holdout macro-F1 {candidate_f1:.4f} does not beat the TF-IDF "
                                   f"baseline {baseline_f1:.4f} (margin {margin:+.4f}{f', {sure}' if sure else ''}){scope}")
    figures = (f"holdout macro-F1 {versus.f1_a:.4f} vs champion {champion_version} re-scored on the same holdout "
               f"{versus.f1_b:.4f}: gain {versus.difference:+.4f} (95% CI {versus.low:+.4f} to {versus.high:+.4f}), "
               f"one-sided paired bootstrap {format_p(versus.p_value, p_value)}")
    if short_champion is not None:
        return _full_run_over_short(versus, champion_version, short_champion, figures, scope, p_value, min_gain)
    promote, why = challenger_verdict(versus.difference, versus.p_value, p_value, min_gain)
    return GateDecision(promote, f"{'promoted' if promote else 'rejected'}: {figures}{why}{scope}")


def _full_run_over_short(versus: F1Comparison, champion_version: str | None, short_champion: tuple[int, int],
                         figures: str, scope: str, p_value: float, min_gain: float) -> GateDecision:
    """The gate's exception for a champion trained short, challenged by the same profile run in full
    on the same data: replaced unless the candidate is worse beyond chance. A p-value that could not
    be measured (NaN) keeps the champion, as `registry.challenger_verdict` does."""
    steps, planned = short_champion
    cut = f"champion {champion_version}, trained short ({steps} of {planned} steps)"
    worse = f"one-sided paired bootstrap {format_p(versus.p_value_worse, p_value)} that it is no worse"
    if math.isnan(versus.difference) or math.isnan(versus.p_value_worse):
        return GateDecision(False, f"rejected: {figures}; against {cut}, {worse}: could not be measured, the champion "
                                   f"stays{scope}")
    if versus.p_value_worse < p_value:
        return GateDecision(False, f"rejected: {figures}; worse than {cut}, beyond chance ({worse}, below "
                                   f"{p_value:g}), though it is the same profile run in full on the same data: the "
                                   f"champion stays{scope}")
    return GateDecision(True, f"promoted: replaces {cut}, by the same profile run in full on the same data: {figures}; "
                              f"not worse beyond chance ({worse}, not below {p_value:g}), so the gain of at least "
                              f"{min_gain:g} beyond chance asked of other challengers is not asked of it{scope}")


def record_confusion(con: duckdb.DuckDBPyConnection, model: str, version: str, split: str,
                     confusion: np.ndarray, run_id: str | None = None) -> None:
    """Append the 9 cells of a confusion matrix to ml.confusion_matrices (created if missing)."""
    con.execute(CONFUSION_DDL)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    rows = [
        [model, version, split, actual, predicted, int(confusion[i, j]), run_id, now]
        for i, actual in enumerate(LABELS)
        for j, predicted in enumerate(LABELS)
    ]
    con.executemany(
        "INSERT INTO ml.confusion_matrices VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows
    )


def record_holdout_predictions(con: duckdb.DuckDBPyConnection, model: str, version: str, split: str,
                               holdout: pl.DataFrame, predictions: HoldoutPredictions,
                               champion_version: str | None = None) -> None:
    """Append one model's predictions for a holdout's n sentences to ml.sentiment_holdout_scores
    (created if missing): n rows, columns model, version, split, position, doc_id, sentence_digest,
    label, predicted, p_negative, p_neutral, p_positive, champion_version.

    Args:
        holdout: the split's sentences (n rows with key, doc_id, label), in the order of `predictions`.
        champion_version: for CHAMPION_MODEL rows, the champion re-scored on version's holdout; None
            for the model's own and the baseline's.

    Raises:
        ValueError: `predictions` does not hold one row per holdout sentence.
    """
    import pandas as pd

    if len(predictions.labels) != holdout.height or predictions.probs.shape != (holdout.height, len(LABELS)):
        raise ValueError(f"{model} {version}: {len(predictions.labels)} predictions for {holdout.height} holdout sentences")
    con.execute(HOLDOUT_SCORES_DDL)
    frame = pd.DataFrame({
        "position": np.arange(holdout.height, dtype=np.int32),
        "doc_id": [str(d) for d in holdout["doc_id"].to_list()],
        "sentence_digest": [key_digest(k) for k in holdout["key"].to_list()],
        "label": holdout["label"].to_list(),
        "predicted": list(predictions.labels),
        **{f"p_{label}": predictions.probs[:, i].astype(np.float64) for i, label in enumerate(LABELS)},
    })
    con.register("predicted_rows", frame)
    try:
        con.execute("INSERT INTO ml.sentiment_holdout_scores SELECT ?, ?, ?, position, doc_id, sentence_digest, label, predicted, "
                    "p_negative, p_neutral, p_positive, ? FROM predicted_rows", [model, version, split, champion_version])
    finally:
        con.unregister("predicted_rows")


def confusion_png(confusion: np.ndarray, title: str) -> str:
    """The confusion matrix drawn as a PNG, base64-encoded (for a markdown image)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.2, 3.6), dpi=100)
    ax.imshow(confusion, cmap="Blues")
    ax.set_xticks(range(len(LABELS)), LABELS)
    ax.set_yticks(range(len(LABELS)), LABELS)
    ax.set_xlabel("predicted")
    ax.set_ylabel("actual")
    ax.set_title(title, fontsize=10)
    top = confusion.max() if confusion.size else 0
    for i in range(confusion.shape[0]):
        for j in range(confusion.shape[1]):
            ax.text(j, i, str(int(confusion[i, j])), ha="center", va="center",
                    color="white" if confusion[i, j] > top / 2 else "black")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def _share(count: int, total: int) -> str:
    """'81.1%': count as a share of total; 'n/a' of none."""
    return f"{count / total:.1%}" if total else "n/a"


def _fmt(value: float | None) -> str:
    """'0.8123', or 'n/a' for None or NaN (a metric with no value; `null_reason_lines` says why)."""
    return "n/a" if value is None or np.isnan(value) else f"{value:.4f}"


def null_reason_lines(names: Sequence[str], columns: Sequence[str], evaluations: Sequence[Evaluation]) -> list[str]:
    """The lines under the card's metrics table for its cells that have no value, with the reason
    each `Evaluation.reasons` stored: "- precision_positive (candidate and TF-IDF baseline): n/a
    because the model predicted no 'positive'" (the columns giving the same reason joined, the
    metrics in `names` order; 'no reason was recorded' where none was). `columns[i]` heads
    `evaluations[i]`."""
    said: dict[tuple[str, str], None] = {}
    for name in names:
        whom: dict[str, list[str]] = {}
        for column, evaluation in zip(columns, evaluations):
            if _fmt(evaluation.metrics.get(name)) == "n/a":
                whom.setdefault(evaluation.reasons.get(name) or "no reason was recorded", []).append(column)
        for reason, heads in whom.items():
            said[(f"{name} ({' and '.join(heads)})", reason)] = None
    return [f"- {where}: n/a because {reason}" for where, reason in said]


QUALITY_TARGET = {"accuracy": 0.86, "macro_f1": 0.84}
"""The quality target on Financial PhraseBank's 50%-agreement sentences, 20% holdout: what FinBERT
(Araci 2019, a 110M-parameter model) reports. The gate promotes on macro-F1 against the champion or
the baseline; the card says beside it whether the target is met."""


QUALITY_TARGET_SOURCE = "accuracy / macro-F1 FinBERT reports on a 20% split of its own of this corpus"
"""Where QUALITY_TARGET comes from, as the card and the check news_sentiment_quality_target say it."""


def meets_quality_target(metrics: Mapping[str, float | None]) -> bool:
    """Whether holdout `metrics` (accuracy and macro_f1, fractions 0-1; a missing or None figure
    does not meet it) reach every figure of QUALITY_TARGET."""
    return all(metrics.get(name) is not None and metrics[name] >= floor for name, floor in QUALITY_TARGET.items())


def quality_target_text() -> str:
    """'0.86 / 0.84': QUALITY_TARGET's accuracy / macro-F1, as the card and the check write them."""
    return " / ".join(f"{value:.2f}" for value in QUALITY_TARGET.values())


QUALITY_TARGET_NOT_ASSESSED = ("its figures are on Financial PhraseBank, and this holdout holds no PhraseBank "
                               "sentence (no file of the reference format in the lake: it is drawn from the lake's "
                               "own labelled news), so the target can be neither met nor missed on it")
"""Why QUALITY_TARGET is not assessed on a holdout not drawn from the reference corpus
(`SentimentSplit.holdout_from_reference` false): one clause, as the card and the check
news_sentiment_quality_target say it after 'not assessed: '."""


def quality_target_line(candidate: Evaluation, assessed: bool = True) -> str:
    """One line of the card: the holdout figures against QUALITY_TARGET, met or not; with `assessed`
    false (a holdout not drawn from the reference corpus) 'not assessed' and why
    (QUALITY_TARGET_NOT_ASSESSED), the holdout figures given as they are."""
    figures = {name: candidate.metrics.get(name) for name in QUALITY_TARGET}
    shown = " / ".join(f"{name} {_fmt(value)}" for name, value in figures.items())
    if not assessed:
        return (f"**Quality target {quality_target_text()}: not assessed**: {QUALITY_TARGET_NOT_ASSESSED} "
                f"({shown} on the holdout)")
    return (f"**Quality target {quality_target_text()} ({QUALITY_TARGET_SOURCE}): "
            f"{'met' if meets_quality_target(figures) else 'not met'}** ({shown} on the holdout)")


def model_card(
    version: str,
    candidate: Evaluation,
    baseline: Evaluation,
    champion: Evaluation | None,
    champion_version: str | None,
    decision: GateDecision,
    facts: Mapping[str, object],
    warning: str = "",
    limitations: Sequence[str] = (),
    target_assessed: bool = True,
) -> str:
    """Markdown model card: gate verdict, metrics of this version / baseline / champion on the holdout
    (a metric with no value reads n/a, its reason on a line under the table: `null_reason_lines`),
    the confusion matrix as an embedded PNG, and `facts` (data snapshot, sentences...) as a table.

    The metrics columns are headed 'this version', 'TF-IDF baseline' and the champion the gate judged
    against: 'previous champion <v>' when this version replaced it, else 'champion <v>'. A fact's
    value reads as words and numbers (`card_text.plain`); the facts of TRAINING_RUN_FACTS (device,
    seconds, steps, losses...) are the 'Training run' table after `limitations`, the lines of the
    'Limitations and intended use' section (`limitations`), and the 'Terms' section
    (`card_text.terms_section`) closes the card, as they close the PD card.

    `warning`, when not empty, opens the card under its title, in bold, before the verdict: what a
    reader must know before trusting the figures, in one sentence (a training the time budget cut
    short, `TrainReport.short_note`). `target_assessed` false (a holdout not drawn from the reference
    corpus) writes the quality target 'not assessed' (`quality_target_line`)."""
    columns = ["this version", "TF-IDF baseline"] + (
        [f"{'previous champion' if decision.promote else 'champion'} {champion_version}"] if champion else [])
    evaluations = [candidate, baseline] + ([champion] if champion else [])
    names = ["accuracy", "macro_f1"] + [f"{m}_{label}" for label in LABELS for m in ("precision", "recall", "f1")]
    lines = [
        f"### news_sentiment {version}",
        "",
        *([f"**Warning:** {warning}", ""] if warning else []),
        f"**Gate: {'promoted' if decision.promote else 'not promoted'}** ({decision.reason})",
        "",
        quality_target_line(candidate, target_assessed),
        "",
        "| holdout metric | " + " | ".join(columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    lines += [f"| {name} | " + " | ".join(_fmt(e.metrics.get(name)) for e in evaluations) + " |" for name in names]
    lines += null_reason_lines(names, columns, evaluations)
    png = confusion_png(candidate.confusion, f"{version} holdout")
    lines += ["", f"![confusion matrix](data:image/png;base64,{png})", "", "| fact | value |", "|---|---|"]
    lines += [f"| {key} | {plain(value)} |" for key, value in facts.items() if key not in TRAINING_RUN_FACTS]
    if limitations:
        lines += ["", *limitations]
    run = [f"| {key} | {plain(value)} |" for key, value in facts.items() if key in TRAINING_RUN_FACTS]
    if run:
        lines += ["", "#### Training run", "", "| fact | value |", "|---|---|", *run]
    card = "\n".join(lines)
    return "\n".join([card, "", *terms_section(card)])


TRAINING_RUN_FACTS = frozenset({"device", "training seconds (wall)", "training CPU seconds / threads",
                                "training sentences / s", "epochs x steps", "epoch losses", "seed", "code version",
                                "host"})
"""The card's facts (`sentiment_pipeline.train_candidate`'s) that say how the training ran rather
than what the model is worth: the card gives them last, under 'Training run'."""


def limitations(candidate: Evaluation, split, config, n_truncated: int, corpus=None,
                articles: Mapping[str, int] | None = None) -> list[str]:
    """The card's 'Limitations and intended use' section, from what the training knows.

    - in-sample scores: how many labelled articles the model trained on or held out (`articles`,
      `sentiment_data.labelled_articles_by_sample`: a sentence's copies each counted) beside the
      distinct sentences they are (`split.train` / `split.holdout` rows, the card's facts), with the scoring's own counts left to
      news_scores (metadata `sample`) and its check news_scores_coverage, as the card is written
      before any article is scored;
    - the labels: the reference corpus's files and the annotator agreement their names state
      (`corpus`, `sentiment_data.ReferenceCorpus`; at 50% many labels are judgement calls), or
      that the holdout was drawn from all labelled sentences;
    - no time-based test when the reference corpus's articles carry no publication date;
    - English only: the encoder's vocabulary;
    - the label mix the training sentences of other files move (`split.other_sources_line`'s
      figures), against the holdout's share of that label;
    - the token window (`config.max_tokens`, training truncated `n_truncated` sentences) and the
      windows scoring reads (`config.max_chunks`);
    - when missed, the quality target with both holdout figures (on a holdout drawn from the
      reference corpus only: on another it is not assessed, the labels line says why).

    Args:
        split: the training's `SentimentSplit`; config: its `SentimentTrainConfig`.

    Returns:
        markdown lines: the heading, a line on the intended use, then one bullet per point.
    """
    lines = ["#### Limitations and intended use",
             "Intended use: the tone of a news sentence or headline about a company (negative / neutral / positive), "
             "read in aggregate (ml.news_sentiment_daily); not a credit verdict on one article."]
    if articles is not None:
        read = sum(articles.values())
        train, holdout, left_out = (f"{articles[key]:,} ({_share(articles[key], read)}"
                                    for key in ("train", "holdout", "left_out"))
        lines.append(
            f"- in-sample scores: of the {read:,} labelled articles it read (a sentence's copies in other files, "
            "cases or spacing each counted), it trained on "
            f"{train}; {split.train.height:,} distinct sentences: their scores are learned, in-sample, and say nothing "
            f"of the model), held out {holdout}; {split.holdout.height:,} distinct sentences: judged on at the gate) "
            f"and left out {left_out}); every other article is unseen. The scoring's "
            "counts of train / holdout / unseen articles are on news_scores (metadata sample) and its check "
            "news_scores_coverage.")
    if corpus is not None and split.holdout_from_reference:
        files = ", ".join(corpus.files)
        if corpus.agreement == "all":
            agreed = "every annotator agreed on each label"
        elif corpus.agreement:
            agreed = (f"{corpus.agreement}-agreement: a label is what at least {corpus.agreement} of the annotators "
                      "gave, so many are judgement calls")
        else:
            agreed = "the annotators' agreement is not stated"
        lines.append(f"- labels: the reference corpus ({files}; {corpus.articles:,} labelled articles), {agreed}; "
                     "the holdout is drawn from it alone.")
        if corpus.dated < corpus.articles:
            dated = "none" if corpus.dated == 0 else f"only {corpus.dated:,}"
            lines.append(f"- no time-based test: {dated} of the reference corpus's {corpus.articles:,} articles carry "
                         "a publication date, so the holdout is a random draw of the same sentences and says nothing "
                         "of news written later.")
    elif not split.holdout_from_reference:
        lines.append(f"- labels: no file of the reference format ({config.holdout_format}) in the lake, so the holdout "
                     "is drawn from all labelled sentences, and the quality target, a figure on Financial "
                     "PhraseBank, is not assessed on it.")
    lines.append("- English only: the encoder's vocabulary is English; a text in another language or script scores "
                 "without meaning (news_scores.unknown_share near 1).")
    extra = sum(split.train_other_source_labels.values())
    if extra:
        label = max(split.train_other_source_labels, key=split.train_other_source_labels.get)
        total = sum(split.train_labels.values())
        with_them, added = split.train_labels.get(label, 0), split.train_other_source_labels[label]
        without = (with_them - added) / (total - extra) if total > extra else float("nan")
        held_share = _share(int((split.holdout["label"] == label).sum()), split.holdout.height)
        lines.append(f"- label mix: {extra:,} training sentences are in no reference-format file (a re-export's own); "
                     f"they raise the training's {label} share from {without:.1%} to {with_them / total:.1%}, against "
                     f"{held_share} of the holdout, so the model leans to '{label}' more than the reference "
                     "corpus does (fact train_sentences_from_other_files).")
    lines.append(f"- length: it reads {config.max_tokens} tokens at a time ([CLS]/[SEP] included): {n_truncated:,} of "
                 f"the {split.train.height:,} training sentences were longer and trained on truncated; scoring reads a "
                 f"longer text in up to {config.max_chunks} overlapping windows and marks the rest unread "
                 "(news_scores.truncated).")
    figures = {name: candidate.metrics.get(name) for name in QUALITY_TARGET}
    if split.holdout_from_reference and not meets_quality_target(figures):
        shown = " / ".join(_fmt(value) for value in figures.values())
        lines.append(f"- below its quality target: holdout accuracy / macro-F1 {shown} against {quality_target_text()} "
                     f"({QUALITY_TARGET_SOURCE}).")
    return lines
