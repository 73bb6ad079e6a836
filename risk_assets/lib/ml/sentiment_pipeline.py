"""One training run of the news sentiment model, from labelled rows to a judged, registered candidate.

`train_candidate` splits, fine-tunes, evaluates the candidate, the TF-IDF baseline and the current
champion on the same holdout, applies the gate and writes the artifact; it touches no table.
`record_candidate` then writes the registry row, metrics, confusion matrices, the holdout predictions
of the candidate and its baseline and the gate's verdict to the lake in one go.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from risk_assets.lib.lake import table_exists
from risk_assets.lib.ml import registry
from risk_assets.lib.ml.artifacts import load_meta, locate
from risk_assets.lib.ml.sentiment import (
    MODEL_NAME,
    FullTraining,
    SentimentModel,
    SentimentTrainConfig,
    TrainReport,
    code_version,
    config_dict,
    load_sentiment_model,
    save_sentiment_model,
    train_sentiment,
)
from risk_assets.lib.ml.sentiment_data import (
    ReferenceCorpus,
    ReservedSentences,
    SentimentSplit,
    TooFewLabels,
    key_digest,
    labelled_articles_by_sample,
    n_labelled,
    split_holdout,
)
from risk_assets.lib.ml.sentiment_eval import (
    BASELINE_MODEL,
    CHAMPION_MODEL,
    Evaluation,
    GateDecision,
    HoldoutPredictions,
    compare_macro_f1,
    evaluate,
    gate,
    limitations,
    model_card,
    record_confusion,
    record_holdout_predictions,
    tfidf_predictions,
)
from risk_assets.lib.ml.training import code_version as package_version

HOLDOUT = "holdout"


@dataclass
class CandidateRun:
    """Everything one training run produced; `facts` are the card's provenance lines."""

    version: str
    model: SentimentModel
    report: TrainReport
    split: SentimentSplit
    candidate: Evaluation
    baseline: Evaluation
    champion: Evaluation | None
    champion_version: str | None
    decision: GateDecision
    artifact: Path
    facts: dict[str, object]
    full_run: FullTraining | None = None
    """The latest full training of the same profile in the registry, which the warning compares with."""
    limitations: list[str] = field(default_factory=list)
    """The card's 'Limitations and intended use' lines (`sentiment_eval.limitations`)."""
    candidate_predictions: HoldoutPredictions | None = None
    """The candidate's labels and class probabilities for `split.holdout`'s sentences, in its row order."""
    baseline_predictions: HoldoutPredictions | None = None
    """The TF-IDF baseline's, for the same sentences."""
    champion_predictions: HoldoutPredictions | None = None
    """The champion's (`champion_version`), re-scored on the same sentences for the gate; None when
    there was none to re-score."""

    def warning(self, promoted: bool) -> str:
        """`TrainReport.short_warning` for a version promoted or not, set against `full_run` when
        there is one, with this version's holdout accuracy / macro-F1."""
        holdout = (self.candidate.metrics["accuracy"], self.candidate.macro_f1)
        return self.report.short_warning(promoted, self.full_run, holdout)

    @property
    def short_warning(self) -> str:
        """The card's opening warning when the time budget cut the training short, '' otherwise
        (`warning`, its remedy chosen by the gate's decision)."""
        return self.warning(self.decision.promote)

    def card(self) -> str:
        """The markdown model card (see sentiment_eval.model_card), opening with `TrainReport.short_note`
        (the one sentence of `short_warning` a reader of the card needs) and closing with `limitations`."""
        return model_card(self.version, self.candidate, self.baseline, self.champion,
                          self.champion_version, self.decision, self.facts, self.report.short_note(), self.limitations,
                          target_assessed=self.split.holdout_from_reference)


def reserved_sentences(champion_row: dict | None) -> ReservedSentences | None:
    """What the champion saw (the key digests its meta.json records), or None: no champion, its
    artifact is gone, or it was trained before artifacts recorded them."""
    if champion_row is None:
        return None
    try:
        meta = load_meta(Path(champion_row["artifact_path"]))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    if "train_key_digests" not in meta or "holdout_key_digests" not in meta:
        return None
    return ReservedSentences(champion_row["version"], frozenset(meta["holdout_key_digests"]),
                             frozenset(meta["train_key_digests"]))


def _score_champion(champion_row: dict | None, holdout: pl.DataFrame,
                    reserved: ReservedSentences | None) -> tuple[HoldoutPredictions | None, str | None, str]:
    """Re-score the champion on this holdout: (its labels and class probabilities, version, scope), scope saying
    which sentences were compared. No champion, or a champion whose artifact is gone, gives (None,
    version, a note saying which). With `reserved` the holdout holds none of the champion's training
    sentences (`split_holdout` keeps them out); without, the champion predates that record."""
    if champion_row is None:
        return None, None, "none before this version (the first model, judged against the baseline)"
    version = champion_row["version"]
    try:
        model = load_sentiment_model(Path(champion_row["artifact_path"]))
    except FileNotFoundError as exc:
        return None, version, f"champion {version} cannot be loaded ({exc})"
    scope = (f" ({holdout.height:,} holdout sentences, none of them among the champion's training sentences)"
             if reserved is not None else
             f" ({holdout.height:,} holdout sentences; the champion's training sentences are not recorded)")
    scored = model.predict(holdout["text"].to_list())
    return HoldoutPredictions(list(scored.labels), scored.probs), version, scope


def train_candidate(
    docs: pl.DataFrame,
    config: SentimentTrainConfig,
    artifacts_root: Path,
    version: str,
    champion_row: dict | None,
    log: Callable[[str], None] | None = None,
    labelled_through: datetime | None = None,
    promotion_p_value: float = registry.PROMOTION_P_VALUE,
    promotion_min_gain: float = registry.MIN_MACRO_F1_GAIN,
    corpus: ReferenceCorpus | None = None,
    full_run: FullTraining | None = None,
    short_champion: ShortChampion | None = None,
) -> CandidateRun:
    """Split, train, judge and save one candidate.

    Args:
        docs: labelled rows (doc_id, text_clean, label, holdout_eligible) and rows set aside for
            conflicting labels (label_conflict), as read_labelled_news gives.
        champion_row: the registry row of the current champion (registry.champion), or None.
        promotion_p_value, promotion_min_gain: with a champion, the candidate replaces it only when
            the paired bootstrap p-value of its macro-F1 gain is below the first and the gain is at
            least the second (`sentiment_eval.gate`).
        labelled_through: when the newest labelled file in `docs` landed (labelled_news_through);
            meta.json keeps it as `labelled_news_through`, from which the retrain sensor counts
            new labels.
        corpus: the reference corpus behind the holdout (`sentiment_data.reference_corpus`), for
            the card's limitations (its files' annotator agreement and dates); None leaves those out.
        full_run: the latest full training of this profile (`full_training_of_profile`), which a
            warning of a training cut short compares with; None: the README's measured loss.
        short_champion: the champion, when it is a training of this profile its time budget cut
            short (`short_champion_of_profile`): a candidate that runs every planned step on its data
            snapshot replaces it unless worse beyond chance (`full_run_of_short_champion`, the gate's
            exception).

    Raises:
        TooFewLabels: no labelled rows, or too few per class to split (from split_holdout).
    """
    if n_labelled(docs) == 0:
        raise TooFewLabels("no labelled news to train on: no article of marts.news_features has a label "
                           "(negative / neutral / positive); land a labelled file, such as the Financial PhraseBank")
    reserved = reserved_sentences(champion_row)
    split = split_holdout(docs, config.holdout_fraction, config.seed, config.train_on_other_sources,
                          config.max_train_examples, reserved)
    train_texts, train_labels = split.train["text"].to_list(), split.train["label"].to_list()
    texts, labels = split.holdout["text"].to_list(), split.holdout["label"].to_list()
    model, report = train_sentiment(train_texts, train_labels, config, log)
    scored = model.predict(texts)
    predicted = list(scored.labels)
    candidate = evaluate(labels, predicted)
    baseline_predictions = tfidf_predictions(train_texts, train_labels, texts)
    baseline_labels = baseline_predictions.labels
    baseline = evaluate(labels, baseline_labels)
    champion_predictions, champion_version, scope = _score_champion(champion_row, split.holdout, reserved)
    champion_labels = champion_predictions.labels if champion_predictions is not None else None
    champion = evaluate(labels, champion_labels) if champion_labels is not None else None
    versus = compare_macro_f1(labels, predicted, champion_labels) if champion_labels is not None else None
    decision = gate(candidate.macro_f1, baseline.macro_f1, versus, champion_version,
                    scope if champion else f" ({split.holdout.height:,} holdout sentences)"
                    if champion_version is None else f" ({split.holdout.height:,} holdout sentences; {scope})",
                    promotion_p_value, promotion_min_gain,
                    versus_baseline=None if versus else compare_macro_f1(labels, predicted, baseline_labels),
                    short_champion=full_run_of_short_champion(short_champion, champion_version, report,
                                                                             split.corpus_digest))
    champion_note = f"champion {champion_version} re-scored on this holdout{scope}" if champion else scope
    facts: dict[str, object] = {
        "device": f"{report.device} ({report.precision})",
        "training seconds (wall)": round(report.seconds, 1),
        "training CPU seconds / threads": f"{report.cpu_seconds:.1f} / {report.threads}",
        "training sentences / s": round(report.samples_per_s, 1),
        "epochs x steps": report.steps_line(),
        "epoch losses": ", ".join(f"{x:.4f}" for x in report.epoch_losses),
        "train sentences": train_sentences_line(report.n_train, report.n_truncated, config.max_tokens),
        "previous champion": champion_note,
        "seed": config.seed,
        "code version": f"{package_version()}; sentiment modules sha256 {code_version()}",
        "host": platform.node(),
        **split.summary(),
    }
    meta = {
        "model": MODEL_NAME,
        "version": version,
        "config": config_dict(config),
        "holdout_metrics": candidate.metrics,
        "baseline_holdout_metrics": baseline.metrics,
        "gate": {"promote": decision.promote, "reason": decision.reason},
        "facts": facts,
        "train_key_digests": sorted(key_digest(key) for key in split.train["key"].to_list()),
        "holdout_key_digests": sorted(key_digest(key) for key in split.holdout["key"].to_list()),
        "labelled_news_through": labelled_through.isoformat() if labelled_through else None,
        "labelled_corpus_digest": split.corpus_digest,
    }
    artifact = save_sentiment_model(model, artifacts_root, version, meta)
    notes = limitations(candidate, split, config, report.n_truncated, corpus, labelled_articles_by_sample(docs, split))
    return CandidateRun(version, model, report, split, candidate, baseline, champion, champion_version,
                        decision, artifact, facts, full_run, notes,
                        HoldoutPredictions(predicted, scored.probs), baseline_predictions, champion_predictions)


PROFILE_RUN_SETTINGS = frozenset({"max_train_seconds", "min_train_epochs", "seed", "inference_batch_size",
                                  "max_chunks", "chunk_stride"})
"""Config fields two trainings of one profile may differ in: the time budget and what may not be
cut of it, the seed, and settings of scoring only."""


def _profile(trained: dict) -> dict:
    """A meta.json config as a profile: its fields but PROFILE_RUN_SETTINGS, with a field it lacks
    (one added to SentimentTrainConfig after it was trained, e.g. supcon_lambda) at its default, which
    is what the code of the day did; its own values otherwise."""
    defaults = config_dict(SentimentTrainConfig())
    return {k: v for k, v in {**defaults, **trained}.items() if k not in PROFILE_RUN_SETTINGS}


def full_training_of_profile(con: duckdb.DuckDBPyConnection, config: SentimentTrainConfig) -> FullTraining | None:
    """The latest registered news_sentiment version (any status) of the same profile as `config`
    (its meta.json config equal but for PROFILE_RUN_SETTINGS, a field it lacks taken at its default:
    `_profile`) that trained every planned optimiser step and has holdout accuracy and macro-F1 in
    ml.model_metrics; None when there is none (or no registry). A version whose artifact is gone cannot say its profile and is passed over."""
    if not table_exists(con, "ml.model_registry") or not table_exists(con, "ml.model_metrics"):
        return None
    wanted = _profile(config_dict(config))
    rows = con.execute(
        "SELECT r.version, r.artifact_path, "
        "max(m.value) FILTER (WHERE m.split = 'train' AND m.metric = 'steps'), "
        "max(m.value) FILTER (WHERE m.split = 'train' AND m.metric = 'planned_steps'), "
        "max(m.value) FILTER (WHERE m.split = ? AND m.metric = 'accuracy'), "
        "max(m.value) FILTER (WHERE m.split = ? AND m.metric = 'macro_f1') "
        "FROM ml.model_registry AS r JOIN ml.model_metrics AS m ON m.model = r.model AND m.version = r.version "
        "WHERE r.model = ? GROUP BY r.version, r.artifact_path, r.trained_at ORDER BY r.trained_at DESC, r.version DESC",
        [HOLDOUT, HOLDOUT, MODEL_NAME]).fetchall()
    for version, artifact, steps, planned, accuracy, macro_f1 in rows:
        if None in (steps, planned, accuracy, macro_f1) or steps < planned:
            continue
        try:
            trained = load_meta(locate(con, artifact)).get("config", {})
        except (FileNotFoundError, json.JSONDecodeError):
            continue
        if _profile(trained) == wanted:
            return FullTraining(version, int(steps), accuracy, macro_f1)
    return None


@dataclass(frozen=True)
class ShortChampion:
    """The news_sentiment champion, a training its time budget cut short: its `version`, the `steps`
    it trained of its `planned_steps`, and the labelled news it drew its split from (`corpus_digest`,
    SentimentSplit.corpus_digest from its meta.json; None for a version trained before it was kept)."""

    version: str
    steps: int
    planned_steps: int
    corpus_digest: str | None


def short_champion_of_profile(con: duckdb.DuckDBPyConnection, champion_row: dict | None,
                              config: SentimentTrainConfig) -> ShortChampion | None:
    """The champion (`champion_row`, registry.champion) when the time budget cut its training short
    (`registry.trained_short`) and it is of the same profile as `config` (its meta.json config equal
    but for PROFILE_RUN_SETTINGS, the time budget among them); None otherwise: no champion, one that
    trained every planned step, another profile, or an artifact gone that cannot say its profile."""
    if champion_row is None:
        return None
    steps = registry.trained_short(con, MODEL_NAME).get((MODEL_NAME, champion_row["version"]))
    if steps is None:
        return None
    try:
        meta = load_meta(locate(con, champion_row["artifact_path"]))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    trained = meta.get("config", {})
    if _profile(trained) != _profile(config_dict(config)):
        return None
    return ShortChampion(champion_row["version"], steps[0], steps[1], meta.get("labelled_corpus_digest") or None)


def full_run_of_short_champion(short_champion: ShortChampion | None, champion_version: str | None,
                               report: TrainReport, corpus_digest: str) -> tuple[int, int] | None:
    """The champion's (steps, planned_steps), which `sentiment_eval.gate` takes as its
    `short_champion`, when the candidate is the full run of the champion's cut one: it trained every
    planned step (`report`), on the same labelled news as `short_champion` (`corpus_digest`, the
    split's SentimentSplit.corpus_digest), compared with that very champion (`champion_version`); None
    otherwise, and the usual rule judges. The labelled news, not the split's `snapshot`: a retraining
    holds the champion's holdout out again and draws a share of the sentences the champion never saw
    into it (split_holdout's `reserved`), so its split differs from the champion's on the same news."""
    if (short_champion is None or short_champion.version != champion_version
            or report.steps < report.planned_steps or not corpus_digest
            or corpus_digest != short_champion.corpus_digest):
        return None
    return short_champion.steps, short_champion.planned_steps


def train_sentences_line(n_train: int, n_truncated: int, max_tokens: int) -> str:
    """The card's `train sentences` fact: how many, and how many of them were longer than the token
    window (`max_tokens`, [CLS]/[SEP] included) and so trained on truncated.

    '4,220 (3 longer than the 96-token window, truncated)'; '4,220 (none longer than the 96-token window)'."""
    longer = f"{n_truncated:,} longer than the {max_tokens}-token window, truncated" if n_truncated else \
        f"none longer than the {max_tokens}-token window"
    return f"{n_train:,} ({longer})"


def record_refusal(con: duckdb.DuckDBPyConnection, version: str, message: str, labelled: int,
                   run_id: str | None = None) -> None:
    """Store a refused training (TooFewLabels: no artifact, no registry row) as a NULL macro_f1 with
    the refusal as reason and the labelled rows it read (`n_labelled`), split 'all', under the version
    it would have had: the retrain sensor reads when a training was last tried on labelled articles,
    and tries again once enough new ones have landed."""
    registry.record_metrics(con, MODEL_NAME, version, "all", {"macro_f1": None, "n_labelled": float(labelled)},
                            {"macro_f1": message}, run_id)


def record_candidate(con: duckdb.DuckDBPyConnection, run: CandidateRun, run_id: str | None = None) -> None:
    """Register the candidate, write its and the baseline's holdout metrics, confusion matrices and
    predictions (ml.sentiment_holdout_scores: one row per holdout sentence each, whether it is promoted
    or rejected, and the champion's re-scored ones the gate compared it with), its training figures (split 'train'), then promote or reject it as the gate decided. A promotion
    is refused when the champion is no longer the one the candidate was compared with (changed by
    hand while it trained): the comparison no longer holds. A training the time budget cut short
    has its warning (`CandidateRun.short_warning`) appended to the registry's reason, which the gate
    check's description repeats."""
    registry.register_candidate(con, MODEL_NAME, run.version, str(run.artifact), "macro_f1",
                                run.candidate.macro_f1, run.split.snapshot, run_id)
    registry.record_metrics(con, MODEL_NAME, run.version, HOLDOUT, run.candidate.metrics, run.candidate.reasons, run_id)
    registry.record_metrics(con, BASELINE_MODEL, run.version, HOLDOUT, run.baseline.metrics, run.baseline.reasons, run_id)
    registry.record_metrics(con, MODEL_NAME, run.version, "train", {
        "seconds": run.report.seconds,
        "cpu_seconds": run.report.cpu_seconds,
        "sentences_per_s": run.report.samples_per_s,
        "n": float(run.report.n_train),
        "final_epoch_loss": run.report.epoch_losses[-1],
        "steps": float(run.report.steps),
        "planned_steps": float(run.report.planned_steps),
        "clock_led_steps": float(run.report.clock_led_steps),
        "min_steps": float(run.report.min_steps),
        "overran_budget": float(run.report.overran_budget),
    }, run_id=run_id)
    record_confusion(con, MODEL_NAME, run.version, HOLDOUT, run.candidate.confusion, run_id)
    record_confusion(con, BASELINE_MODEL, run.version, HOLDOUT, run.baseline.confusion, run_id)
    for name, predictions in ((MODEL_NAME, run.candidate_predictions), (BASELINE_MODEL, run.baseline_predictions)):
        if predictions is not None:
            record_holdout_predictions(con, name, run.version, HOLDOUT, run.split.holdout, predictions)
    if run.champion_predictions is not None:  # what the gate compared the candidate with
        record_holdout_predictions(con, CHAMPION_MODEL, run.version, HOLDOUT, run.split.holdout,
                                   run.champion_predictions, run.champion_version)
    current = registry.champion(con, MODEL_NAME)
    current_version = None if current is None else current["version"]
    if run.decision.promote and current_version != run.champion_version:
        # restored or retired by hand (`risk-assets registry`) while this version trained
        registry.reject(con, MODEL_NAME, run.version, _with_warning(
            f"rejected: the champion changed while this version trained (it was compared with "
            f"{run.champion_version or 'no champion'}, the champion is now {current_version or 'none'}); "
            "retrain to be compared with the current one", run.warning(False)))
    elif run.decision.promote:
        registry.promote(con, MODEL_NAME, run.version, _with_warning(run.decision.reason, run.short_warning))
    else:
        registry.reject(con, MODEL_NAME, run.version, _with_warning(run.decision.reason, run.short_warning))


def _with_warning(reason: str, warning: str) -> str:
    """The gate's reason, followed by the training's warning ('; trained short: ...') when there is one."""
    return f"{reason}; {warning[:1].lower()}{warning[1:]}" if warning else reason
