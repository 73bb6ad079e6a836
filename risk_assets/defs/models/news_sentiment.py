"""News sentiment assets: the fine-tuned MiniLM model and its gate, article scores, the daily index.

Logic lives in risk_assets.lib.ml.sentiment*; these definitions read and write the lake and turn
the results into Dagster metadata. torch, transformers, scikit-learn and matplotlib are imported
only when an asset runs.
"""

import time

import dagster as dg
from pydantic import Field

from risk_assets.defs.monitoring.policy import RetrainPolicy
from risk_assets.defs.quality.verdicts import recorded
from risk_assets.defs.resources import LAKE_POOL, LakeResource
from risk_assets.lib.ml.sentiment import MODEL_NAME, SentimentTrainConfig
from risk_assets.lib.ml.sentiment_scoring import DAILY_COLUMNS, SCORE_COLUMNS
from risk_assets.lib.schema import ENGLISH, Column

_DEFAULT = SentimentTrainConfig()
OWNERS = ["team:risk-models"]
METRIC_COLUMNS = (
    Column("model", "VARCHAR", "news_sentiment, or news_sentiment_baseline for the TF-IDF baseline fitted beside it."),
    Column("version", "VARCHAR", "Version trained in this materialization (the baseline carries the same)."),
    Column("split", "VARCHAR", "holdout (the deduplicated 20% of the reference corpus), train (timings) or all (a refused training: macro_f1 NULL with the refusal as reason, n_labelled the labelled rows it read)."),
    Column("metric", "VARCHAR", "accuracy, macro_f1, `precision_<label>`, `recall_<label>`, `f1_<label>`, `support_<label>`, n; train: seconds, cpu_seconds, sentences_per_s, n, final_epoch_loss, steps and planned_steps (fewer steps: the time budget ended the training), clock_led_steps (steps whose learning rate the budget's clock set), min_steps (the steps the budget may not cut, min_train_epochs) and overran_budget (1: the machine could not run min_steps within the budget and the training overran it to finish them); all: macro_f1 (NULL) and n_labelled of a refused training."),
    Column("value", "DOUBLE", "The metric's value; NULL when undefined."),
    Column("reason", "VARCHAR", "Why value is NULL (e.g. a class never predicted)."),
)
"""The rows this asset appends to ml.model_metrics (confusion matrices go to ml.confusion_matrices, the
holdout predictions of the model, its baseline and the champion it was compared with to
ml.sentiment_holdout_scores)."""


def _column_schema(columns: tuple[Column, ...]) -> dict[str, dg.TableSchema]:
    return {"dagster/column_schema": dg.TableSchema(columns=[
        dg.TableColumn(c.name, c.sql_type.split()[0].lower(), description=c.description) for c in columns
    ])}


class NewsSentimentConfig(dg.Config):
    """Training hyperparameters (risk_assets.lib.ml.sentiment.SentimentTrainConfig); the defaults
    are the main job's profile, which trains in under 10 minutes on a 2-core CPU."""

    epochs: int = Field(default=_DEFAULT.epochs, description="Passes over the training split.")
    max_train_seconds: float | None = Field(
        default=_DEFAULT.max_train_seconds,
        description="Wall-clock budget of the training loop, s; null = none. A machine too slow to run every planned "
                    "step in it anneals the learning rates to 0 within it and stops (never before min_train_epochs); the card "
                    "says how far it went.")
    min_train_epochs: float = Field(
        default=_DEFAULT.min_train_epochs,
        description="Epochs the time budget may never cut (0 to epochs; 0 = the budget alone decides): a machine too "
                    "busy to run them within max_train_seconds overruns the budget to finish them, and the card says so.")
    batch_size: int = Field(default=_DEFAULT.batch_size, description="Sentences per optimiser step.")
    max_tokens: int = Field(default=_DEFAULT.max_tokens,
                            description="Token limit per window, [CLS]/[SEP] included (8-512: the encoder's positions).")
    encoder_lr: float = Field(default=_DEFAULT.encoder_lr, description="Peak AdamW learning rate of the encoder.")
    head_lr: float = Field(default=_DEFAULT.head_lr, description="Peak AdamW learning rate of the classification head.")
    layer_lr_decay: float = Field(default=_DEFAULT.layer_lr_decay,
                                  description="Layer-wise lr decay, 0-1: each encoder layer below the top trains at this "
                                              "fraction of the one above; 1 = one rate for all.")
    ema_decay: float = Field(default=_DEFAULT.ema_decay,
                             description="Decay of a moving average of the weights kept as the final model; 0 = last step's weights.")
    weight_decay: float = Field(default=_DEFAULT.weight_decay,
                                description="AdamW weight decay (not on biases and LayerNorm).")
    warmup_fraction: float = Field(default=_DEFAULT.warmup_fraction,
                                   description="Share of optimiser steps with a linear warmup; linear decay to 0 after.")
    label_smoothing: float = Field(default=_DEFAULT.label_smoothing, description="Cross-entropy label smoothing, 0-1.")
    rdrop_alpha: float = Field(default=_DEFAULT.rdrop_alpha,
                               description="R-Drop: weight of the symmetric KL between two dropout passes of each batch "
                                           "(twice the compute per step); 0 = off.")
    supcon_lambda: float = Field(default=_DEFAULT.supcon_lambda,
                                 description="Supervised contrastive learning: weight, 0-1 (1 excluded), of a contrastive term "
                                             "over each batch's pooled sentence vectors; loss = (1 - lambda) x cross-entropy "
                                             "+ lambda x contrastive; no extra forward pass; 0 = off.")
    supcon_temperature: float = Field(default=_DEFAULT.supcon_temperature,
                                      description="Temperature (> 0) of the contrastive term's cosine similarities; read "
                                                  "only when supcon_lambda > 0.")
    class_weighted: bool = Field(default=_DEFAULT.class_weighted,
                                 description="Weight the loss by inverse class frequency.")
    dropout: float = Field(default=_DEFAULT.dropout, description="Dropout on the pooled sentence vector.")
    pooling: str = Field(default=_DEFAULT.pooling,
                         description='Sentence vector fed to the head: "mean" (masked mean) or "cls" ([CLS] state).')
    freeze_embeddings: bool = Field(default=_DEFAULT.freeze_embeddings,
                                    description="Keep the pretrained word-embedding table fixed.")
    seed: int = Field(default=_DEFAULT.seed, description="Seed of the holdout split, initialisation, dropout and batch order.")
    holdout_fraction: float = Field(default=_DEFAULT.holdout_fraction,
                                    description="Share of the reference corpus's distinct sentences held out, stratified. While a champion stands, its holdout is kept and the share applies to sentences it did not see.")
    holdout_format: str = Field(default=_DEFAULT.holdout_format,
                                description="Landed-file format whose sentences form the holdout (PhraseBank 50agree).")
    train_on_other_sources: bool = Field(default=_DEFAULT.train_on_other_sources,
                                         description="Also train on other files' labelled sentences not in the holdout.")
    max_train_examples: int | None = Field(default=_DEFAULT.max_train_examples,
                                           description="Stratified cap on training sentences for quick profiles; null = all.")
    max_chunks: int = Field(default=_DEFAULT.max_chunks,
                            description="Windows scored per long text at inference; 1 = truncate.")
    chunk_stride: int = Field(default=_DEFAULT.chunk_stride, description="Tokens shared by consecutive windows.")
    inference_batch_size: int = Field(default=_DEFAULT.inference_batch_size,
                                      description="Windows per forward pass at inference.")

    def to_train_config(self) -> SentimentTrainConfig:
        return SentimentTrainConfig(**self.model_dump())


@dg.asset(
    group_name="models",
    kinds={"torch", "transformers"},
    owners=OWNERS,
    deps=["news_features"],
    pool=LAKE_POOL,
    metadata=_column_schema(METRIC_COLUMNS),
    description="news_sentiment: the packaged MiniLM fine-tuned on the labelled news of marts.news_features "
    "(negative / neutral / positive), judged on a deduplicated 20% holdout of the reference corpus beside a "
    "TF-IDF baseline and the champion; registered, gated on macro-F1, artifact as safetensors + JSON.",
)
def news_sentiment_model(context: dg.AssetExecutionContext, config: NewsSentimentConfig,
                         lake: LakeResource, retrain_policy: RetrainPolicy) -> dg.MaterializeResult:
    """Train a candidate, write its artifact, metrics and confusion matrices, and apply the gate.

    A training the time budget cut short opens its card with a warning and adds it to the metadata
    as `trained_short` (`TrainReport.short_warning`), set against the latest full training of the
    same profile in the registry when there is one. The card closes with its 'Limitations and
    intended use' (`sentiment_eval.limitations`)."""
    from risk_assets.lib.ml import registry
    from risk_assets.lib.ml.sentiment_data import (
        TooFewLabels,
        labelled_news_through,
        labelled_not_english,
        n_labelled,
        read_labelled_news,
        reference_corpus,
    )
    from risk_assets.lib.ml.sentiment_eval import meets_quality_target, quality_target_line
    from risk_assets.lib.ml.registry import new_version
    from risk_assets.lib.ml.sentiment_pipeline import (
        full_training_of_profile,
        record_candidate,
        record_refusal,
        short_champion_of_profile,
        train_candidate,
    )
    from risk_assets.lib.report.html import write_model_report

    train_config = config.to_train_config()
    version = new_version(context.run_id)
    with lake.connect(read_only=True) as con:
        docs = read_labelled_news(con, train_config.holdout_format)
        not_english = labelled_not_english(con)
        through = labelled_news_through(con)
        champion_row = registry.champion(con, MODEL_NAME)
        corpus = reference_corpus(con, train_config.holdout_format)
        full_run = full_training_of_profile(con, train_config)
        short_champion = short_champion_of_profile(con, champion_row, train_config)
    if not_english:
        context.log.info(f"left out {sum(not_english.values()):,} labelled articles marked in a language other than "
                         f"English ({', '.join(f'{k} {n:,}' for k, n in not_english.items())}): the model reads "
                         "English only")
    try:
        run = train_candidate(docs, train_config, lake.home.artifacts, version,
                              champion_row, log=context.log.info, labelled_through=through,
                              promotion_p_value=retrain_policy.promotion_p_value,
                              promotion_min_gain=retrain_policy.min_macro_f1_gain,
                              corpus=corpus, full_run=full_run, short_champion=short_champion)
    except TooFewLabels as exc:
        # an outcome, not a failed step: the run goes on (news_scores says what is unscored) and
        # the gate warns with this reason
        stays = f"champion {champion_row['version']} stays" if champion_row else "no champion: articles stay unscored"
        context.log.warning(f"{MODEL_NAME}: not trained: {exc}; {stays}")
        with lake.connect() as con:  # the retrain sensor's record of a training tried
            record_refusal(con, version, f"not trained: {exc}", n_labelled(docs), context.run_id)
        return dg.MaterializeResult(metadata={
            "version": "none",
            "promoted": False,
            "refused": f"not trained: {exc}",
            "labelled_sentences": n_labelled(docs),
            "model_card": dg.MarkdownMetadataValue(f"### {MODEL_NAME}: not trained\n{exc}.\n\n{stays}."),
        })
    with lake.connect() as con:
        record_candidate(con, run, context.run_id)
    card_html = write_model_report(lake.home.reports, MODEL_NAME, run.version, run.card())
    metrics = run.candidate.metrics
    assessed = run.split.holdout_from_reference  # the target's figures are on the reference corpus alone
    return dg.MaterializeResult(metadata={
        "version": run.version,
        "promoted": run.decision.promote,
        "gate_reason": run.decision.reason,
        "holdout_accuracy": dg.FloatMetadataValue(round(metrics["accuracy"], 4)),
        "holdout_macro_f1": dg.FloatMetadataValue(round(metrics["macro_f1"], 4)),
        "baseline_macro_f1": dg.FloatMetadataValue(round(run.baseline.macro_f1, 4)),
        "quality_target": quality_target_line(run.candidate, assessed).replace("**", ""),
        "quality_target_assessed": assessed,
        **({"quality_target_met": meets_quality_target(metrics)} if assessed else {}),
        "holdout_sentences": run.split.holdout.height,
        "train_sentences": run.split.train.height,
        "device": run.report.device,
        "training_seconds": dg.FloatMetadataValue(round(run.report.seconds, 1)),
        "training_steps": run.report.steps_line(),
        **({"trained_short": run.short_warning} if run.short_warning else {}),
        "data_snapshot": run.split.snapshot,
        "artifact": dg.PathMetadataValue(str(run.artifact)),
        "report": dg.PathMetadataValue(str(card_html)),
        "model_card": dg.MarkdownMetadataValue(run.card()),
    })


@dg.asset_check(
    asset=news_sentiment_model,
    blocking=True,
    pool=LAKE_POOL,
    description="Gate on holdout macro-F1: the version just trained becomes champion when its macro-F1 gain over "
    "the champion, re-scored on the same holdout, is beyond chance (one-sided paired bootstrap p below "
    "retrain_policy.promotion_p_value, 0.05) and at least retrain_policy.min_macro_f1_gain (0.01); the first "
    "model must beat the TF-IDF baseline. One exception: a champion the time budget cut short is replaced by the same "
    "profile run with every planned step on the same labelled news unless that run is worse beyond chance (`promoted: "
    "replaces champion <v>, trained short (208 of 396 steps), by the same profile run in full ...`). Otherwise it is "
    "rejected and the champion stays. Passes while a "
    "champion stands (the new one or the one kept); warns (WARN, the run goes on) when there was too little labelled news to train; "
    "fails, and stops scoring in the run, when a first model was rejected. A version the time budget "
    "(max_train_seconds) cut short before its planned steps passes or fails the same way, but the description "
    "opens with it ('promoted trained short (229 of 396 steps): ...', metadata verdict) and ml.model_registry.reason "
    "says so (trained short: how far it went, the quality to expect, how to train again). Each verdict is a row of quality.check_results.",
)
def news_sentiment_macro_f1_gate(context: dg.AssetCheckExecutionContext, lake: LakeResource) -> dg.AssetCheckResult:
    result = _sentiment_gate(context, lake)
    return recorded(lake, context.run.run_id, "news_sentiment_macro_f1_gate", "news_sentiment_model", result,
                    failing_count=0 if result.passed else 1, failing_unit="models")


@dg.asset_check(
    asset=news_sentiment_model,
    pool=LAKE_POOL,
    description="Whether the version just trained reached its quality target (WARN, blocks nothing: the gate "
    "news_sentiment_macro_f1_gate alone decides promotion): holdout accuracy at least 0.86 and macro-F1 at "
    "least 0.84, what FinBERT reports on a 20% split of its own of the Financial PhraseBank, and every planned "
    "optimiser step trained. Fails (yellow) when either figure falls short or the time budget "
    "(max_train_seconds) cut the training short, with the figures, the target and its source, and how far "
    "the training went; the description says whether that version is the champion that scores the articles. "
    "Passes when no version was trained (no labelled news): there is nothing to judge, and the gate warns of "
    "that. Passes too, the target 'not assessed', when the holdout holds no Financial PhraseBank sentence (a "
    "lake of its own labelled news): the target's figures are on that corpus. Each verdict is a row of quality.check_results, so the overview lists a shortfall among the open "
    "quality issues.",
)
def news_sentiment_quality_target(context: dg.AssetCheckExecutionContext, lake: LakeResource) -> dg.AssetCheckResult:
    event = context.instance.get_latest_materialization_event(news_sentiment_model.key)
    metadata = ({key: getattr(value, "value", value) for key, value in event.asset_materialization.metadata.items()}
                if event is not None and event.asset_materialization is not None else None)
    result = quality_target_verdict(metadata)
    return recorded(lake, context.run.run_id, "news_sentiment_quality_target", "news_sentiment_model", result,
                    failing_count=result.metadata["shortfalls"].value, failing_unit="shortfalls", log=context.log)


def quality_target_verdict(metadata: dict[str, object] | None) -> dg.AssetCheckResult:
    """The check news_sentiment_quality_target's verdict (severity WARN) on the version a
    news_sentiment_model materialization trained, from its metadata as plain values (None: never
    materialized). Fails when `quality_target_met` is false (a materialization from before that key:
    the rounded holdout_accuracy / holdout_macro_f1 against QUALITY_TARGET) or `trained_short` is
    present; passes, saying why, when no version was trained (`refused`). With `quality_target_assessed`
    false (a holdout drawn from the lake's own labelled news, not the reference corpus the target's
    figures are on) the target is neither met nor missed: the description says 'quality target not
    assessed: <why>', metadata `quality_target_assessed` false and no `quality_target_met`, and only
    `trained_short` fails it, as a drift check with nothing to compare passes saying so. Metadata
    `shortfalls`: 0, 1 or 2 (target missed, trained short), the failing count quality.check_results keeps.

    'news_sentiment 20241206T...: missed its quality target: holdout accuracy 0.8283 / macro-F1 0.8024
    against 0.86 / 0.84 (accuracy / macro-F1 FinBERT reports on a 20% split of its own of this
    corpus); trained short: 132 of 396 steps, ...; champion: it scores the articles. A warning: it
    blocks nothing (news_sentiment_macro_f1_gate decides promotion)'"""
    from risk_assets.lib.ml.sentiment_eval import (
        QUALITY_TARGET_NOT_ASSESSED,
        QUALITY_TARGET_SOURCE,
        meets_quality_target,
        quality_target_text,
    )

    target = f"{quality_target_text()} ({QUALITY_TARGET_SOURCE})"
    if metadata is None or metadata.get("refused"):
        why = metadata["refused"] if metadata else "news_sentiment_model was never materialized"
        return dg.AssetCheckResult(
            passed=True, severity=dg.AssetCheckSeverity.WARN,
            description=f"{MODEL_NAME}: no version trained ({why}): nothing to judge against the quality target "
                        f"{target}; news_sentiment_macro_f1_gate says why and who scores the articles",
            metadata={"version": "none", "quality_target": quality_target_text(), "shortfalls": 0})
    version = metadata["version"]
    accuracy, macro_f1 = metadata.get("holdout_accuracy"), metadata.get("holdout_macro_f1")
    assessed = metadata.get("quality_target_assessed") is not False  # absent: a materialization from before the key
    met = metadata.get("quality_target_met")
    if met is None:
        met = meets_quality_target({"accuracy": accuracy, "macro_f1": macro_f1})
    short = metadata.get("trained_short")
    shown = (f"holdout accuracy {'n/a' if accuracy is None else f'{accuracy:.4f}'} / macro-F1 "
             f"{'n/a' if macro_f1 is None else f'{macro_f1:.4f}'}")
    role = ("champion: it scores the articles" if metadata.get("promoted")
            else "not promoted: it scores nothing (news_sentiment_macro_f1_gate)")
    steps = metadata.get("training_steps", "")
    verdict = (("met" if met else "missed") + f" its quality target: {shown} against {target}" if assessed else
               f"quality target {quality_target_text()} not assessed: {QUALITY_TARGET_NOT_ASSESSED} ({shown})")
    parts = [f"{MODEL_NAME} {version}: {verdict}",
             f"trained short: {steps}" if short else f"every planned step trained ({steps})", role]
    shortfalls = int(assessed and not met) + int(bool(short))
    description = "; ".join(parts) + (
        ". A warning: it blocks nothing (news_sentiment_macro_f1_gate decides promotion)" if shortfalls else "")
    return dg.AssetCheckResult(
        passed=not shortfalls, severity=dg.AssetCheckSeverity.WARN, description=description,
        metadata={"version": version, "quality_target": quality_target_text(), "quality_target_assessed": assessed,
                  **({"quality_target_met": bool(met)} if assessed else {}),
                  "holdout_accuracy": dg.FloatMetadataValue(accuracy), "holdout_macro_f1": dg.FloatMetadataValue(macro_f1),
                  "shortfalls": shortfalls, **({"trained_short": short} if short else {})})


def quality_target_after_change(con, champion: dict | None, done: str) -> dg.AssetCheckResult:
    """The check news_sentiment_quality_target's verdict after a change to the registry by hand
    (`risk-assets registry news_sentiment --retire / --restore`), which supersedes the last
    training's: that one judged the version just trained and said whether it scores the articles,
    which the change may have made untrue. `champion`: the registry row of the champion now (None:
    none); `done`: what changed, by whom and why (one clause).

    With a champion: `quality_target_verdict` on its holdout figures and training steps as
    ml.model_metrics holds them (split holdout: accuracy, macro_f1; split train: steps,
    planned_steps), the target not assessed when its meta.json's facts say its holdout was not drawn
    from the reference corpus (`holdout_from_reference_corpus` false; an artifact without meta.json
    or that fact is judged). Without one: passes, saying that no version scores the articles, so none
    is judged; the next training is."""
    from risk_assets.lib.ml.sentiment_eval import QUALITY_TARGET_SOURCE, quality_target_text

    if champion is None:
        return dg.AssetCheckResult(
            passed=True, severity=dg.AssetCheckSeverity.WARN,
            description=f"{MODEL_NAME}: no champion after a change by hand ({done}): no version scores the articles, so "
                        f"none is judged against the quality target {quality_target_text()} ({QUALITY_TARGET_SOURCE}); "
                        "the next training is",
            metadata={"version": "none", "quality_target": quality_target_text(), "shortfalls": 0})
    version = champion["version"]
    figures = dict(con.execute(
        "SELECT split || ':' || metric, value FROM ml.model_metrics WHERE model = ? AND version = ? AND "
        "((split = 'holdout' AND metric IN ('accuracy', 'macro_f1')) OR (split = 'train' AND metric IN "
        "('steps', 'planned_steps')))", [MODEL_NAME, version]).fetchall())
    accuracy, macro_f1 = figures.get("holdout:accuracy"), figures.get("holdout:macro_f1")
    steps, planned = figures.get("train:steps"), figures.get("train:planned_steps")
    short = steps is not None and planned is not None and steps < planned
    ran = ("steps not recorded" if steps is None or planned is None else
           f"{steps:.0f} of {planned:.0f} steps" + (" (the time budget ended it)" if short else ""))
    from risk_assets.lib.ml.artifacts import load_meta, locate

    try:
        facts = load_meta(locate(con, champion["artifact_path"])).get("facts", {})
    except (FileNotFoundError, ValueError, TypeError, KeyError):  # no artifact or meta.json to read: judged
        facts = {}
    verdict = quality_target_verdict({
        "version": version, "promoted": True, "training_steps": ran,
        "quality_target_assessed": facts.get("holdout_from_reference_corpus") is not False,
        "holdout_accuracy": None if accuracy is None else round(accuracy, 4),
        "holdout_macro_f1": None if macro_f1 is None else round(macro_f1, 4),
        **({"trained_short": ran} if short else {}),
    })
    return dg.AssetCheckResult(passed=verdict.passed, severity=verdict.severity, metadata=verdict.metadata,
                               description=f"after a change by hand ({done}): {verdict.description}")


def _who_scores(standing: dict | None, version: str | None = None) -> str:
    """Who scores the articles after this gate: '' when `version` is the champion, else the champion
    that stays, or that none will."""
    if standing is None:
        return "no champion: nothing will score the articles"
    return "" if standing["version"] == version else f"champion {standing['version']} stays"


def _sentiment_gate(context: dg.AssetCheckExecutionContext, lake: LakeResource) -> dg.AssetCheckResult:
    """The gate's verdict on the version the latest news_sentiment_model materialization trained."""
    from risk_assets.lib.ml import registry

    event = context.instance.get_latest_materialization_event(news_sentiment_model.key)
    if event is None or event.asset_materialization is None:
        return dg.AssetCheckResult(passed=False, metadata={"reason": "news_sentiment_model was never materialized"})
    version = event.asset_materialization.metadata["version"].value
    if refused := event.asset_materialization.metadata.get("refused"):
        with lake.connect(read_only=True) as con:
            standing = registry.champion(con, MODEL_NAME)
        return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN,
                                   description=f"{MODEL_NAME}: {refused.value}; {_who_scores(standing)}",
                                   metadata={"reason": refused.value, "champion": standing["version"] if standing else "none"})
    with lake.connect(read_only=True) as con:
        row = con.execute(
            "SELECT status, reason, primary_value FROM ml.model_registry WHERE model = ? AND version = ?",
            [MODEL_NAME, version],
        ).fetchone()
        standing = registry.champion(con, MODEL_NAME)
        steps = registry.trained_short(con, MODEL_NAME).get((MODEL_NAME, version))
    if row is None:
        return dg.AssetCheckResult(passed=False, metadata={"version": version, "reason": "version not in ml.model_registry"})
    status, reason, macro_f1 = row
    # a version cut short says so in the first words, where a passing gate's reason ends with it
    verdict = "" if steps is None else (f"{'promoted' if status == 'champion' else status} trained short "
                                        f"({steps[0]} of {steps[1]} steps)")
    return dg.AssetCheckResult(
        passed=standing is not None,
        severity=dg.AssetCheckSeverity.ERROR,
        description=(f"{verdict}: " if verdict else "") + "; ".join(
            part for part in (f"{MODEL_NAME} {version}: {status}", reason, _who_scores(standing, version)) if part),
        metadata={"version": version, "status": status, **({"verdict": verdict} if verdict else {}),
                  "reason": reason or "",
                  "champion": standing["version"] if standing else "none",
                  **({"trained_short": short.value}
                     if (short := event.asset_materialization.metadata.get("trained_short")) else {}),
                  "holdout_macro_f1": dg.FloatMetadataValue(None if macro_f1 is None else round(macro_f1, 4))},
    )


@dg.asset(
    group_name="scoring",
    kinds={"torch", "transformers", "duckdb"},
    owners=OWNERS,
    deps=["news_features", news_sentiment_model],
    pool=LAKE_POOL,
    metadata=_column_schema(SCORE_COLUMNS),
    description="ml.news_scores: label and class probabilities of every article of marts.news_features from the "
    "champion news_sentiment model, with its version, sample (whether that version trained on the sentence, held "
    "it out as its holdout, or never saw it), text_field, chunks, truncated and the article's language (not "
    "English: scored, but left out of the daily indices); articles without usable text go to "
    "quality.quarantine (rule no_usable_text).",
)
def news_scores(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    """Score every article with the champion; rows in = scored + quarantined. Each score's `sample`
    comes from the sentence digests of the champion's meta.json (unknown when it has none); the
    metadata `sample` counts the scored articles per value, `seen_by_model` says what each value
    means (sentiment_scoring.seen_line: trained on is in-sample, the holdout judged on is not) and
    that they are articles, not the card's distinct sentences."""
    from risk_assets.lib.ml import registry
    from risk_assets.lib.ml.sentiment import load_sentiment_model
    from risk_assets.lib.ml.sentiment_pipeline import reserved_sentences
    from risk_assets.lib.ml.sentiment_scoring import SAMPLES, sample_line, score_documents, seen_line, write_scores

    with lake.connect(read_only=True) as con:
        champion_row = registry.champion(con, MODEL_NAME)
        docs = con.execute(
            "SELECT doc_id, text_clean, text_field, language, _file_sha256 FROM marts.news_features ORDER BY doc_id"
        ).pl()
    if champion_row is None:
        from risk_assets.lib.ml.sentiment_scoring import withdraw_scores

        with lake.connect() as con:
            removed = withdraw_scores(con)
        stale = (f"; removed {sum(removed.values()):,} scores of the version(s) no longer champion "
                 f"({', '.join(removed)}) from ml.news_scores and emptied ml.news_sentiment_daily") if removed else ""
        with lake.connect(read_only=True) as con:
            retired = registry.operator_retirement(con, MODEL_NAME)
        cause = (f"{retired.said('retired it')}; run retrain_news_sentiment to train a new one" if retired else
                 "a model needs labelled news: see news_sentiment_model and its gate")
        why = f"no champion {MODEL_NAME} model: {docs.height:,} articles unscored ({cause}){stale}"
        context.log.warning(why)
        return dg.MaterializeResult(metadata={
            "model_version": "none", "rows_in": docs.height, "rows_scored": 0, "unscored": why,
            "dagster/row_count": 0,
        })
    model = load_sentiment_model(champion_row["artifact_path"])
    seen = reserved_sentences(champion_row)
    context.log.info(f"scoring {docs.height:,} articles with {MODEL_NAME} {champion_row['version']} on {model.device} "
                     f"(windows of {model.max_tokens} tokens, up to {model.max_chunks} per article)")
    started = time.perf_counter()
    scores, no_text = score_documents(model, docs, champion_row["version"], log=context.log.info, seen=seen)
    seconds = time.perf_counter() - started
    context.log.info(f"scored {scores.height:,} articles in {seconds:.0f} s ({scores.height / max(seconds, 1e-9):,.0f}/s); "
                     f"{no_text.height:,} without usable text go to quality.quarantine (no_usable_text)")
    by_sample = {**dict.fromkeys(SAMPLES, 0), **dict(scores.group_by("sample").len().iter_rows())}
    seen_by_model = seen_line(by_sample, MODEL_NAME, champion_row["version"])
    context.log.info(f"sample: {seen_by_model}")
    if scores.height + no_text.height != docs.height:
        raise dg.Failure(description=f"rows do not reconcile: {docs.height} in, {scores.height} scored, "
                         f"{no_text.height} quarantined")
    with lake.connect() as con:
        write_scores(con, scores, no_text, context.run_id)
    by_label = dict(scores.group_by("label").len().iter_rows())
    by_field = dict(scores.group_by("text_field").len().iter_rows())
    return dg.MaterializeResult(metadata={
        "model_version": champion_row["version"],
        "rows_in": docs.height,
        "rows_scored": scores.height,
        "rows_quarantined_no_text": no_text.height,
        "rows_chunked": int((scores["chunks"] > 1).sum()),
        "rows_truncated": int(scores["truncated"].sum()),
        "rows_not_english": sum(language not in (None, ENGLISH) for language in scores["language"].to_list()),
        "labels": _counts_line(by_label),
        "text_fields": _counts_line({str(k): v for k, v in by_field.items()}),
        "sample": sample_line(by_sample),
        "seen_by_model": seen_by_model,
        "dagster/row_count": scores.height,
    })


def _counts_line(counts: dict[str, int]) -> str:
    """'4,312 train, 989 holdout, 17 unseen': counts as the UI shows them in place, not as JSON."""
    return ", ".join(f"{n:,} {name}" for name, n in counts.items()) or "none"


@dg.asset_check(
    asset=news_scores,
    pool=LAKE_POOL,
    description="Every article of marts.news_features is scored by the sentiment champion or quarantined for having "
    "no usable text. Warns (the run goes on) with the count and why: no champion (no labelled news to train on, "
    "a first model rejected, a champion retired by hand) or scores from a version no longer champion. Says how "
    "many of the champion's scores are of sentences it trained on (train), held out (holdout) or never saw "
    "(unseen), in articles: each copy of a sentence counts, where the model card counts distinct sentences. "
    "Each verdict is a row of quality.check_results.",
)
def news_scores_coverage(context: dg.AssetCheckExecutionContext, lake: LakeResource) -> dg.AssetCheckResult:
    from risk_assets.lib.ml import registry
    from risk_assets.lib.ml.sentiment_scoring import ARTICLES_NOT_SENTENCES, SAMPLES, sample_counts, sample_line

    with lake.connect(read_only=True) as con:
        standing = registry.champion(con, MODEL_NAME)
        by_sample = sample_counts(con, standing["version"]) if standing else dict.fromkeys(SAMPLES, 0)
        unscored, stale = con.execute("""
            SELECT count(*) FILTER (WHERE s.doc_id IS NULL AND q.record_key IS NULL),
                   count(*) FILTER (WHERE s.doc_id IS NOT NULL AND s.model_version IS DISTINCT FROM ?)
            FROM marts.news_features f
            LEFT JOIN ml.news_scores s USING (doc_id)
            LEFT JOIN (SELECT DISTINCT record_key FROM quality.quarantine WHERE asset = 'news_scores') q
                   ON q.record_key = f.doc_id""", [standing["version"] if standing else None]).fetchone()
    why = [f"{unscored:,} articles unscored" + ("" if standing else f" (no {MODEL_NAME} champion)")] if unscored else []
    why += [f"{stale:,} scored by a version other than champion {standing['version'] if standing else 'none'}"] if stale else []
    said = "; ".join(why) or f"every article scored by {MODEL_NAME} {standing['version']} or quarantined for no usable text"
    if sum(by_sample.values()):
        said += f"; the champion's scores by sample: {sample_line(by_sample)} ({ARTICLES_NOT_SENTENCES})"
    result = dg.AssetCheckResult(
        passed=not why, severity=dg.AssetCheckSeverity.WARN,
        description=said,
        metadata={"unscored": unscored, "other_version": stale, "champion": standing["version"] if standing else "none",
                  **{f"sample_{k}": v for k, v in by_sample.items()}},
    )
    return recorded(lake, context.run.run_id, "news_scores_coverage", "news_scores", result, unscored + stale,
                    failing_unit="articles")


@dg.asset(
    group_name="scoring",
    kinds={"duckdb"},
    owners=OWNERS,
    deps=[news_scores],
    pool=LAKE_POOL,
    metadata=_column_schema(DAILY_COLUMNS),
    description="ml.news_sentiment_daily: one row per publication day in the lake's day zone (RISK_NEWS_DAY_ZONE, "
    "an IANA name such as America/New_York; UTC when unset, where an article published at 20:00 in New York in summer "
    "counts on the next day), named in day_zone and the metadata's day_zone: articles, tickers, net sentiment "
    "mean(p_positive - p_negative) in [-1, 1], shares negative and positive, the articles the scoring version "
    "trained on (n_train), held out (n_holdout) and never saw (n_unseen), and the net sentiment of the unseen "
    "alone (net_sentiment_unseen). Undated articles are left out; articles marked in a language other than "
    "English are only counted (n_not_english).",
)
def news_sentiment_daily(lake: LakeResource) -> dg.MaterializeResult:
    from risk_assets.lib.ml.sentiment_scoring import build_daily_index, news_day_zone

    zone = news_day_zone()  # DayZoneError, naming RISK_NEWS_DAY_ZONE, before the table is touched
    with lake.connect() as con:
        rows = build_daily_index(con, zone)
        days = con.execute("SELECT count(DISTINCT day) FROM ml.news_sentiment_daily").fetchone()[0]
        undated = con.execute(
            "SELECT count(*) FROM ml.news_scores s JOIN marts.news_features f USING (doc_id) "
            "WHERE f.published_at IS NULL"
        ).fetchone()[0]
        n_train, n_holdout, n_unseen = con.execute(
            "SELECT coalesce(sum(n_train), 0), coalesce(sum(n_holdout), 0), coalesce(sum(n_unseen), 0) "
            "FROM ml.news_sentiment_daily").fetchone()
    return dg.MaterializeResult(metadata={"dagster/row_count": rows, "days": days, "day_zone": zone,
                                          "undated_articles_left_out": undated,
                                          "articles_train": int(n_train), "articles_holdout": int(n_holdout),
                                          "articles_unseen": int(n_unseen)})


defs = dg.Definitions(
    assets=[news_sentiment_model, news_scores, news_sentiment_daily],
    asset_checks=[news_sentiment_macro_f1_gate, news_sentiment_quality_target, news_scores_coverage],
)
