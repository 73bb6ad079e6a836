"""Loan PD assets: `loan_pd_model` (training + model card), its champion gate, and `loan_scores`.

Logic lives in risk_assets.lib.ml (features, pd_model, training, pd_lake, model_card); these
definitions read and write the lake and turn the results into Dagster metadata. torch, pandas-heavy
code, scikit-learn and matplotlib are imported only when an asset runs.
"""


import math
import time

import dagster as dg
from pydantic import Field

from risk_assets.defs.monitoring.policy import RetrainPolicy
from risk_assets.defs.quality.verdicts import recorded
from risk_assets.defs.resources import LAKE_POOL, LakeResource
from risk_assets.lib.ml.train_config import PDTrainConfig
from risk_assets.lib.report.markdown import inline_text, table_cell

_DEFAULT = PDTrainConfig()
OWNERS = ["team:risk-models"]


class LoanPDConfig(dg.Config):
    """PD training hyperparameters and split rules (risk_assets.lib.ml.train_config.PDTrainConfig)."""

    seed: int = Field(default=_DEFAULT.seed, description="Seed of the split draw and of the first ensemble member (member i uses seed + i).")
    members: int = Field(default=_DEFAULT.members, description="Ensemble members averaged (mean logit) before calibration; at least folds.")
    folds: int = Field(default=_DEFAULT.folds, description="Cross-fitting folds of the development loans: member i stops early on fold i mod folds, calibration is fitted on out-of-fold scores. 1 = one validation split of validation_fraction. A book whose development defaults cannot fill this many folds of min_defaults_per_split gets as many as they fill (at least 2; the card's split notes say so).")
    hidden: list[int] = Field(default=_DEFAULT.hidden, description="Widths of the MLP's hidden layers.")
    dropout: float = Field(default=_DEFAULT.dropout, description="Dropout after each hidden layer, 0-1.")
    max_embedding_dim: int = Field(default=_DEFAULT.max_embedding_dim, description="Upper bound of a categorical embedding's width.")
    learning_rate: float = Field(default=_DEFAULT.learning_rate, description="AdamW learning rate.")
    weight_decay: float = Field(default=_DEFAULT.weight_decay, description="AdamW decoupled weight decay.")
    batch_size: int = Field(default=_DEFAULT.batch_size, description="Loans per optimiser step.")
    max_epochs: int = Field(default=_DEFAULT.max_epochs, description="Upper bound on passes over the training split.")
    patience: int = Field(default=_DEFAULT.patience, description="Epochs without a better validation log loss before stopping.")
    holdout_fraction: float = Field(default=_DEFAULT.holdout_fraction, description="Share of loans held out (stratified splits; share of latest dates for dated generic tapes); half of it for SBA's in-time holdout. While a champion stands, its random holdout is kept and the share (and seed) apply to loans it neither trained on nor held out.")
    validation_fraction: float = Field(default=_DEFAULT.validation_fraction, description="With folds = 1: share of the remaining in-time loans used for early stopping and calibration.")
    oot_train_until: int = Field(default=_DEFAULT.oot_train_until, description="SBA: last approval fiscal year (vintage) used for training.")
    oot_holdout_from: int = Field(default=_DEFAULT.oot_holdout_from, description="SBA: first approval fiscal year (vintage) of the out-of-time holdout.")
    oot_holdout_to: int = Field(default=_DEFAULT.oot_holdout_to, description="SBA: last approval fiscal year (vintage) of the out-of-time holdout.")
    max_in_time_rows: int = Field(default=_DEFAULT.max_in_time_rows, description="Stratified cap on in-time labelled loans (bounds CPU time; the card says when it applied).")
    min_dated_share: float = Field(default=_DEFAULT.min_dated_share, description="Share of loans (0-1) that must carry an origination date for a generic tape to be split out of time; below it the split is stratified random.")
    min_defaults_per_split: int = Field(default=_DEFAULT.min_defaults_per_split, description="Fewest defaults (and non-defaults) each split must hold, else training is refused.")
    device: str = Field(default=_DEFAULT.device, description="'auto' (CUDA when available, else CPU), 'cpu' or 'cuda'.")
    cpu_threads: int = Field(default=_DEFAULT.cpu_threads, description="torch threads while training on CPU.")
    cpu_workers: int = Field(default=_DEFAULT.cpu_workers, description="Processes training ensemble members side by side on CPU (the weights are the same whatever the number). 0 = one per core, with cpu_threads threads each, when members x development loans reach 200,000 (PARALLEL_MIN_MEMBER_LOANS: 20 members of 10,000 loans; below, starting a process costs about what it saves), else 1; 1 = all in the step's own process.")
    point_in_time_members: int = Field(default=_DEFAULT.point_in_time_members, description="Members of the point-in-time backtest model fitted beside an out-of-time model on the outcomes known at the cut over point_in_time_horizon_years (metric auc_point_in_time); at most members, at least folds; 5 adds about a fifth of the ensemble's training time (SBA: 7 s beside 39 s); 0 fits none.")
    point_in_time_horizon_years: int = Field(default=_DEFAULT.point_in_time_horizon_years, description="The point-in-time backtest's performance window H (years): fitted on the development loans approved at least H years before the cut, labelled by a charge-off within H years of approval; both models judged on the holdout's H-year outcome. 5 because SBA charges off late (of its development defaults 16% within 3 years of approval, 45% within 5): 5 gives the most H-year defaults among loans old enough, with 11 development vintages left.")
    portfolios: list[str] = Field(default=[], description="Portfolios to train; empty = every portfolio of marts.loan_features. The retrain sensor's first_model runs name the books without a champion, so the other portfolios' champions are not retrained.")

    def to_lib(self) -> PDTrainConfig:
        return PDTrainConfig(**self.model_dump(exclude={"portfolios"}))


def _summary(trained_models: list[dict], refused: dict[str, str]) -> str:
    """The models just trained as a short markdown list, one item per model, shown in place on the
    asset's page above the full card: the model, the gate's verdict, then its primary holdout, the
    holdout AUC beside the baseline's, the ECE, and what it trained on (device, seconds); out of time,
    then, what the point-in-time backtest (`training.point_in_time_backtest`) says of that AUC, in
    the card's words: a model fitted on the outcomes known at the cut scores this, this model (whose
    training saw later charge-offs) that, on the same H-year outcome. A refused model is an item with
    the reason. A list, not a table: at 1600 px the UI clipped a seven-column table's "trained on"
    and "gate" columns off the page's edge."""
    number = lambda v: "none" if v is None else f"{v}"  # noqa: E731 (an undefined metric is said, not 0)
    lines = [f"- **{m['model']}: {'promoted' if m['promoted'] else 'not promoted'}**: {m['split']} AUC "
             f"{number(m['auc'])} (baseline {number(m['baseline_auc'])}), ECE {number(m['ece'])}; trained on "
             f"{inline_text(m['device'], 40)} in {m['train_seconds']:.0f} s"
             + (f". The headline AUC is no point-in-time estimate: on the same {m['horizon_years']}-year outcome, a model "
                f"fitted only on what was known at the cut scores {number(m['auc_point_in_time'])}, against "
                f"{number(m['auc_champion_same_horizon'])} for this model, whose training saw charge-offs recorded "
                "after the cut" if m.get("auc_point_in_time") is not None else "") for m in trained_models]
    lines += [f"- **{model}: not trained**: {inline_text(reason, 2000)}" for model, reason in refused.items()]
    lines.append("\nWhy each was or was not promoted opens its card in model_card (and loan_pd_gate's result in the "
                 "Checks tab).")
    return "\n".join(lines)


@dg.asset(
    group_name="models",
    kinds={"torch", "duckdb"},
    owners=OWNERS,
    deps=["loan_features"],
    pool=LAKE_POOL,
    description=(
        "Predicts each loan's probability of default (PD): the chance it is charged off at any time over its life, "
        "one model per portfolio of marts.loan_features with enough labelled loans. Its inputs are what was known at "
        "origination: the loan (amount, term), the borrower (income, employment length, home ownership, verified "
        "income; for SBA loans the business: employees, jobs, franchise, new business, sector), the credit file "
        "(delinquencies, inquiries, credit lines, revolving balance and use) and location (ZIP3, state); the model card "
        "lists each portfolio's. It is judged on loans it never saw (out of time where the loans carry dates): how well "
        "it ranks defaulters above the rest (AUC, against a logistic-regression baseline and the champion, which the "
        "gate promotes on) and whether its PDs match the default rates observed (calibration). "
        "How: an embedding MLP ensemble cross-fitted over the development loans, Platt-calibrated on their out-of-fold "
        "scores. Writes ml.model_metrics, ml.roc_curves, ml.calibration_bins, the split and score tables "
        "(ml.model_holdouts, ml.model_training_loans, ml.model_validation_scores, ml.model_holdout_scores) and a version "
        "in ml.model_registry, promoted or rejected by the gate at once (the card opens with its verdict; the blocking "
        "check loan_pd_gate reports it); the artifact goes to `RISK_HOME/artifacts/loan_pd_<portfolio>/<version>/`. "
        "A champion's held-out loans are held out again; a loan without an id landed again (check "
        "raw_loans_idless_repeats) trains once, as its later copy."
    ),
    metadata={"dagster/column_schema": dg.TableSchema(columns=[
        dg.TableColumn("model", "varchar", description="`loan_pd_<portfolio>`, its baseline `loan_pd_<portfolio>_baseline`, "
                       "the paired comparison of the two `loan_pd_<portfolio>_vs_baseline`, or a diagnostic model (`loan_pd_sba_term_only`)."),
        dg.TableColumn("version", "varchar", description="Version trained in this materialization (UTC timestamp); the baseline carries the same."),
        dg.TableColumn("split", "varchar", description="train, validation (out of fold for the weights, but the epochs and the calibration were fitted on it: mildly optimistic), holdout (stratified), holdout_oot (out of time), "
                       "holdout_in_time; `all` for the portfolio's labelled loans (n_labelled, n_defaults; also a refused training's)."),
        dg.TableColumn("metric", "varchar", description="auc, gini, ks, brier, ece (10 equal-width bins), ece_decile (bins at the PD's deciles), "
                       "log_loss, pr_auc, base_rate, n_rows, n_defaults, n_labelled; on holdouts also auc_ci_low and auc_ci_high (95%, Hanley & McNeil), "
                       "auc_within_vintage (AUC over pairs of the same vintage) with auc_within_vintage_ci_low / _ci_high (95%, "
                       "Hanley & McNeil pooled over vintages) and, for the model, auc_vintage_only (the vintage's development "
                       "default rate as the score); on holdout_oot, when the lake has charge-off dates, the point-in-time "
                       "backtest over point_in_time_horizon_years H (a model fitted at the cut on the loans approved H years "
                       "before it, labelled by a charge-off within H years of approval): auc_point_in_time and, for this "
                       "model on the same loans and H-year outcome, auc_champion_same_horizon, each with _ci_low/_ci_high, "
                       "then brier_point_in_time and ece_point_in_time of its H-year PDs (NULL with the reason when none "
                       "could be fitted); for `_vs_baseline` rows auc_gain, auc_gain_se "
                       "(DeLong) and p_value (one-sided)."),
        dg.TableColumn("value", "double", description="The metric's value (fractions 0-1 except n_rows, n_defaults and n_labelled, "
                       "which are counts, and auc_gain in AUC points); NULL when it cannot be computed."),
        dg.TableColumn("reason", "varchar", description="Why value is NULL (e.g. one class only in the split)."),
        dg.TableColumn("run_id", "varchar", description="Dagster run that trained the version."),
        dg.TableColumn("recorded_at", "timestamp", description="UTC time the row was written."),
    ])},
)
def loan_pd_model(context: dg.AssetExecutionContext, config: LoanPDConfig, lake: LakeResource,
                  retrain_policy: RetrainPolicy) -> dg.MaterializeResult:
    """Train each portfolio's model, record it, and apply the champion gate (`pd_lake.gate`, with the
    retrain policy's thresholds) before its card is written, so the card (markdown and HTML report)
    opens with the verdict and its reason, as the sentiment card does; loan_pd_gate then reports the
    verdicts from ml.model_registry."""
    from risk_assets.lib.ml import pd_lake, registry
    from risk_assets.lib.ml.artifacts import save_artifact
    from risk_assets.lib.ml.model_card import calibration_verdict, model_card
    from risk_assets.lib.ml.training import InsufficientDefaults, artifact_meta, train_pd_model
    from risk_assets.lib.quality.duplicates import idless_copies
    from risk_assets.lib.report.html import write_model_report
    from risk_assets.lib.report.portfolio import quarantined_loans_not_in_features

    started = time.perf_counter()
    with lake.connect(read_only=True) as con:
        frame = con.execute("SELECT * FROM marts.loan_features ORDER BY loan_key").df()
        # landed loans a quarantined value keeps out of the features: the card says what no split holds
        quarantined = {portfolio: quarantined_loans_not_in_features(con, portfolio)
                       for portfolio in frame["portfolio"].unique()}
        # inputs a landed tape left empty on every row (landing note column_empty): the card names them
        empty_inputs = {portfolio: pd_lake.empty_pd_inputs(con, portfolio) for portfolio in frame["portfolio"].unique()}
    if config.portfolios:
        context.log.info(f"training only {', '.join(config.portfolios)} (config portfolios)")
        frame = frame[frame["portfolio"].isin(config.portfolios)]
    with lake.connect() as con:
        reserved = {portfolio: pd_lake.reserved_keys(con, portfolio) for portfolio in frame["portfolio"].unique()}
        # outcomes known at an out-of-time cut, for the point-in-time backtest
        chargeoff_dates = {portfolio: pd_lake.chargeoff_dates(con, portfolio) for portfolio in frame["portfolio"].unique()}
        copies = idless_copies(con)  # id-less loans landed again in a later file: trained on once
    version = registry.new_version(context.run_id)
    cards, trained_models, refused, reports, verdicts = [], [], {}, {}, {}
    for portfolio, part in frame.groupby("portfolio", sort=True):
        model = pd_lake.model_name(portfolio)
        part, reserved[portfolio], copies_note = pd_lake.drop_idless_copies(part, copies, reserved[portfolio])
        if copies_note:
            context.log.info(f"{model}: {copies_note}")
        labels = part["default_flag"].dropna()
        seen = {"labelled": int(labels.size), "defaults": int(labels.sum())}  # what this attempt trained on
        try:
            trained = train_pd_model(part, portfolio, config.to_lib(), log=lambda line, m=model: context.log.info(f"{m}: {line}"),
                                     reserved=reserved[portfolio], notes=[copies_note] if copies_note else [],
                                     quarantined=quarantined[portfolio], chargeoff_dates=chargeoff_dates[portfolio])
        except InsufficientDefaults as exc:
            context.log.warning(f"{model}: {exc}")
            refused[model] = str(exc)
            with lake.connect() as con:
                pd_lake.record_refusal(con, portfolio, version, str(exc), context.run_id, **seen)
            continue
        meta = artifact_meta(trained, model, version)
        folder = save_artifact(lake.home.artifacts, model, version, trained.scorer.tensors(), meta)
        with lake.connect() as con:
            current = registry.champion(con, model)
            champion_metrics, champion_reasons = None, None
            if current is not None:
                rows = con.execute(
                    "SELECT metric, value, reason FROM ml.model_metrics WHERE model = ? AND version = ? AND split = ?",
                    [model, current["version"], current["primary_metric"].removeprefix("auc_")],
                ).fetchall()
                champion_metrics = {metric: value for metric, value, _ in rows}
                champion_reasons = {metric: reason for metric, _, reason in rows if reason}
            pd_lake.record_training(con, trained, version, folder, context.run_id)
            registry.record_metrics(con, model, version, "all", {"n_labelled": seen["labelled"],
                                                                 "n_defaults": seen["defaults"]}, run_id=context.run_id)
            promoted, verdict = pd_lake.gate(con, model, version, retrain_policy.promotion_p_value,
                                             retrain_policy.min_auc_gain)
            chargeoffs = pd_lake.chargeoffs_after_cut(con, trained)
            repaid_chargeoffs = pd_lake.repaid_with_chargeoff(con, trained)
            by_vintage = pd_lake.vintage_calibration(con, trained)
        verdicts[model] = verdict
        card = model_card(trained, version, champion_metrics, current["version"] if current else None,
                          (promoted, verdict), chargeoffs, repaid_chargeoffs, by_vintage, champion_reasons,
                          empty_inputs[portfolio])
        cards.append(card)
        reports[model] = str(write_model_report(lake.home.reports, model, version, card))
        primary = trained.metrics[trained.split.primary_holdout]
        trained_models.append({"model": model, "split": trained.split.primary_holdout,
                               "auc": _rounded(primary["auc"].value), "ece": _rounded(primary["ece"].value),
                               "baseline_auc": _rounded(trained.baseline_metrics[trained.split.primary_holdout]["auc"].value),
                               "auc_point_in_time": _rounded(primary["auc_point_in_time"].value)
                               if "auc_point_in_time" in primary else None,
                               "auc_champion_same_horizon": _rounded(primary["auc_champion_same_horizon"].value)
                               if "auc_champion_same_horizon" in primary else None,
                               "horizon_years": trained.run.get("point_in_time", {}).get("horizon_years"),
                               "calibration": calibration_verdict(trained).removeprefix("- ").replace("**", ""),
                               "device": trained.run["device"], "train_seconds": trained.run["train_seconds"],
                               "promoted": promoted})
    if not trained_models and not refused:
        raise dg.Failure(description="No PD model trained: marts.loan_features has no rows"
                         + (f" of portfolio(s) {', '.join(config.portfolios)}" if config.portfolios else ""))
    # A refusal (too few defaults) is an outcome, not a failed step: the run goes on, scores the books
    # that have a champion and builds the overview, and loan_pd_gate warns with the reason.
    refusals = "".join(f"\n### {m}: not trained\n{r}\n" for m, r in refused.items())
    return dg.MaterializeResult(metadata={
        "summary": dg.MetadataValue.md(_summary(trained_models, refused)),
        **{f"calibration {m['model']}": m["calibration"] for m in trained_models},
        "version": version,
        # one number per model, which the UI plots across trainings; the summary table holds the rest
        **{f"holdout AUC {m['model']}": dg.MetadataValue.float(m["auc"]) for m in trained_models if m["auc"] is not None},
        # what a model fitted at the out-of-time cut, on the H-year outcomes then known, achieves there
        **{f"AUC of a model fitted at the cut, backtesting {m['model']}": dg.MetadataValue.float(m["auc_point_in_time"])
           for m in trained_models if m["auc_point_in_time"] is not None},
        # a refusal's full reason is in model_card
        **({"refused": dg.MetadataValue.md("\n".join(f"- **{m}**: {r}" for m, r in refused.items()))} if refused else {}),
        **{f"report {m}": dg.MetadataValue.path(path) for m, path in reports.items()},
        "model_card": dg.MetadataValue.md("\n\n".join(cards) + refusals),
        "promotion": dg.MetadataValue.md(gate_table([(m, version) for m in verdicts],
                                                    {f"{m} {version}": v for m, v in verdicts.items()}, {})),
        "duration_s": round(time.perf_counter() - started, 1),
    })


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def significant(value: float | None) -> str:
    """A fraction as metadata prints it: 4 significant digits, at least 4 decimals, never in
    exponent notation (0.1243, 0.08761, 0.0006330); '' for None or NaN."""
    if value is None or math.isnan(value):
        return ""
    if value == 0:
        return "0.0000"
    return f"{value:.{max(4, 3 - math.floor(math.log10(abs(value))))}f}"


def quantile_table(quantiles: dict[str, dict]) -> str:
    """Each portfolio's PD quantiles ({portfolio: {0.01: pd, ...}}) as a markdown table, one row per
    portfolio, one column per quantile (1%, 10%, median, ...)."""
    levels = sorted({float(q) for values in quantiles.values() for q in values})
    names = ["median" if q == 0.5 else f"{q * 100:g}%" for q in levels]
    lines = ["| portfolio | " + " | ".join(names) + " |", "|---|" + "---:|" * len(levels)]
    for portfolio, values in quantiles.items():
        by_level = {float(q): v for q, v in values.items()}
        lines.append(f"| {portfolio} | " + " | ".join(significant(by_level.get(q)) for q in levels) + " |")
    return "\n".join(lines)


def gate_table(candidates: list[tuple[str, str]], decisions: dict[str, str], refused: dict[str, str]) -> str:
    """The champion gate's verdict per portfolio as a markdown list, one item per candidate: the
    portfolio, the verdict (promoted or rejected: the word each reason of pd_lake.gate starts with),
    the candidate version and the gate's reason whole (both AUCs, what they were compared with, the
    gain with its 95% interval, the p-value and the loans compared); a refused training is an item
    saying why. The reason is shown as the gate wrote it, never parsed back into figures. A list,
    not a table: the UI clipped a table's reason column at the page's edge, mid-figure."""
    lines = []
    for model, version in candidates:
        verdict, _, why = decisions[f"{model} {version}"].partition(": ")
        lines.append(f"- **{model.removeprefix('loan_pd_')}: {verdict}** ({version}): {inline_text(why, 2000)}")
    for model, reason in refused.items():
        lines.append(f"- **{model.removeprefix('loan_pd_')}: refused** (not trained): {inline_text(reason, 2000)}")
    return "\n".join(lines) or "No candidate in this run."


@dg.asset_check(
    asset=loan_pd_model,
    blocking=True,
    pool=LAKE_POOL,
    description=(
        "Champion gate, applied to each portfolio's model as loan_pd_model trains it (its verdict and reason open "
        "the model card, markdown and HTML; this check reports them from ml.model_registry): the first model of a portfolio is promoted if its primary-holdout AUC beats the "
        "logistic-regression baseline. A later candidate must beat its own baseline too (else it is rejected and the "
        "champion stays, not compared); then it and the champion both score the candidate's holdout "
        "(less any loans the champion trained on); the candidate is promoted only if its AUC gain is beyond "
        "chance (one-sided paired DeLong test, p below retrain_policy.promotion_p_value, 0.05) and material "
        "(at least retrain_policy.min_auc_gain, 0.005 AUC). Otherwise it is "
        "rejected and the champion stays, with the reason (both AUCs, the gain and its 95% interval, p) in "
        "ml.model_registry. Fails (ERROR, scoring stops) when a first model was rejected and no portfolio of the "
        "lake has a champion; warns (WARN, the run goes on and the books with a champion are scored) when a "
        "portfolio's training was refused for too few defaults, or its first model rejected while another "
        "portfolio has a champion. Each verdict is a row of quality.check_results."
    ),
)
def loan_pd_gate(context: dg.AssetCheckExecutionContext, lake: LakeResource) -> dg.AssetCheckResult:
    from risk_assets.lib.ml import registry

    with lake.connect() as con:
        # the versions this run trained, judged by loan_pd_model as it trained them (pd_lake.gate)
        judged = con.execute(
            "SELECT model, version, reason FROM ml.model_registry WHERE run_id = ? AND model LIKE 'loan_pd_%' ORDER BY model",
            [context.run.run_id],
        ).fetchall()
        candidates = [(model, version) for model, version, _ in judged]
        decisions = {f"{model} {version}": reason or "" for model, version, reason in judged}
        without = sorted({m for m, _ in candidates if registry.champion(con, m) is None})
        champions = con.execute(  # of the books in the features: a champion of a book gone scores nothing
            "SELECT count(*) FROM ml.model_registry WHERE status = 'champion' AND model IN "
            "(SELECT DISTINCT 'loan_pd_' || portfolio FROM marts.loan_features)").fetchone()[0]
        refused = dict(con.execute(
            "SELECT model, reason FROM ml.model_metrics WHERE run_id = ? AND split = 'all' AND metric = 'auc' "
            "AND value IS NULL AND model LIKE 'loan_pd_%' ORDER BY model", [context.run.run_id]).fetchall())
    said = [f"{name}: {reason}" for name, reason in decisions.items()]
    said += [f"{model}: not trained: {reason}" for model, reason in refused.items()]
    return recorded(lake, context.run.run_id, "loan_pd_gate", "loan_pd_model", dg.AssetCheckResult(
        passed=bool(candidates) and not without and not refused,
        # a refusal warns, and so does a rejected first model while another book has a champion: the
        # books with one are still scored, the coverage check names the unscored and the overview is
        # built; a rejected first model stops the run only when no book has a champion to score with
        severity=(dg.AssetCheckSeverity.ERROR if (without and not champions) or not (candidates or refused)
                  else dg.AssetCheckSeverity.WARN),
        metadata={
            "verdicts": dg.MetadataValue.md(gate_table(candidates, decisions, refused)),
            **({"models_without_champion": dg.MetadataValue.text(", ".join(without))} if without else {}),
        },
        description="; ".join(said) or "no candidate in this run",
    ), failing_count=len(without) + len(refused), failing_unit="models")


CALIBRATION_OK = ("calibrated", "not judged")
"""The calibration statuses (`model_card.calibration_status`) loan_pd_calibration passes: PDs that read
as default probabilities, or an out-of-time window with too few outcomes to say."""

CALIBRATION_OFF = ("under-states", "over-states", "mis-sloped")
"""The statuses it warns of: PDs that are not default probabilities on the champion's primary holdout."""


def calibration_check_result(champions: list[dict]) -> dg.AssetCheckResult:
    """loan_pd_calibration's result from `pd_lake.champion_calibration` (one dict per champion: model,
    version, status, split, mean_pd, default_rate, ece). Passes when no champion's status opens with
    a word of CALIBRATION_OFF; else WARN, naming per portfolio the status, mean PD against the default
    rate with their ratio, ECE and the split, and what to do. 'not assessed' (no defaults, no ECE) and
    'not recorded' pass: there is nothing to judge, and the description says so."""
    said, off = [], []
    for c in champions:
        book = c["model"].removeprefix("loan_pd_")
        word = c["status"].split(" on ")[0]
        figures = []
        if c["mean_pd"] is not None and c["default_rate"]:
            figures.append(f"mean PD {c['mean_pd']:.4f} against a default rate of {c['default_rate']:.4f} "
                           f"(x{c['mean_pd'] / c['default_rate']:.2f})")
        if c["ece"] is not None:
            figures.append(f"ECE {c['ece']:.4f}")
        line = f"{book} {c['version']}: {word} on {c['split']}" + (f" ({', '.join(figures)})" if figures else "")
        if word in CALIBRATION_OFF:
            off.append(book)
            line += ("; read its PDs and grades as relative risk, not default probabilities, until recalibrated, "
                     "and recalibrate on recent outcomes")
        said.append(line)
    return dg.AssetCheckResult(
        passed=not off,
        severity=dg.AssetCheckSeverity.WARN,
        description=("; ".join(said) or "no loan PD champion") + (
            ". A warning: it blocks nothing (loan_pd_gate promotes on AUC, the ranking)" if off else ""),
        metadata={"calibration": dg.MetadataValue.md("\n".join(f"- {line}" for line in said))} if said else {},
    )


def calibration_after_change(con, done: str) -> tuple[dg.AssetCheckResult, int]:
    """loan_pd_calibration's verdict after a change to the registry by hand (`risk-assets registry
    loan_pd_<portfolio> --retire / --restore`), which supersedes the last run's: that one judged the
    champions of then, one of which may be retired or replaced. `done`: what changed, by whom and why
    (one clause). Returns the result (`calibration_check_result` on the champions now, its
    description opening `after a change by hand (<done>): `) and the number of champions it warns of."""
    from risk_assets.lib.ml import pd_lake

    champions = pd_lake.champion_calibration(con)
    verdict = calibration_check_result(champions)
    off = sum(c["status"].split(" on ")[0] in CALIBRATION_OFF for c in champions)
    return dg.AssetCheckResult(passed=verdict.passed, severity=verdict.severity, metadata=verdict.metadata,
                               description=f"after a change by hand ({done}): {verdict.description}"), off


@dg.asset_check(
    asset=loan_pd_model,
    pool=LAKE_POOL,
    description=(
        "Whether each portfolio's PD champion can be read as default probabilities on its primary holdout "
        "(WARN, blocks nothing: loan_pd_gate promotes on AUC, the ranking): the calibration verdict of its model "
        "card, kept in its artifact. Passes when every champion is calibrated there (ECE at most 0.02 and the mean "
        "PD within x0.80-x1.25 of the default rate) or not judged (an out-of-time window with under 80% of its "
        "loans resolved). Warns (yellow) when one under-states or over-states defaults or is mis-sloped, naming "
        "per portfolio the verdict, the mean PD against the default rate and their ratio, ECE and the split: read "
        "its PDs and grades as relative risk until recalibrated, and recalibrate on recent outcomes. Each verdict "
        "is a row of quality.check_results."
    ),
)
def loan_pd_calibration(context: dg.AssetCheckExecutionContext, lake: LakeResource) -> dg.AssetCheckResult:
    from risk_assets.lib.ml import pd_lake

    with lake.connect(read_only=True) as con:
        champions = pd_lake.champion_calibration(con)
    result = calibration_check_result(champions)
    off = [c for c in champions if c["status"].split(" on ")[0] in CALIBRATION_OFF]
    return recorded(lake, context.run.run_id, "loan_pd_calibration", "loan_pd_model", result,
                    failing_count=len(off), failing_unit="models", log=context.log)


@dg.asset(
    group_name="scoring",
    kinds={"torch", "duckdb"},
    owners=OWNERS,
    deps=[loan_pd_model, "loan_features"],
    pool=LAKE_POOL,
    description=(
        "ml.loan_scores: the champion's calibrated PD for every loan in marts.loan_features (labelled or not), "
        "a risk grade R1-R8 (PD bands doubling from 0.5%: R1 below 0.5%, R2 0.5-1%, R3 1-2%, R4 2-4%, R5 4-8%, "
        "R6 8-16%, R7 16-32%, R8 32% and above; the geometric master-scale shape of BCBS WP 14) "
        "and the model version. Portfolios without a champion are left unscored and listed."
    ),
    metadata={"dagster/column_schema": dg.TableSchema(columns=[
        dg.TableColumn("loan_key", "varchar", description="Loan key of marts.loan_features."),
        dg.TableColumn("portfolio", "varchar", description="lendingclub, sba or a generic mapping name."),
        dg.TableColumn("pd", "double", description="Calibrated probability of default, 0-1."),
        dg.TableColumn("risk_grade", "varchar", description="R1 (PD < 0.5%) .. R8 (PD >= 32%); edges double."),
        dg.TableColumn("model", "varchar", description="`loan_pd_<portfolio>`."),
        dg.TableColumn("model_version", "varchar", description="Champion version that scored the loan."),
        dg.TableColumn("scored_at", "timestamp", description="UTC time of scoring."),
        dg.TableColumn("pd_calibration", "varchar", description="What the holdout of the loan's population says of "
                       "its PDs (the in-time holdout for the vintages the model was developed on, the out-of-time one "
                       "for its window, the single holdout of a random split), then 'on' and that holdout: 'calibrated "
                       "on holdout_in_time (pooled over vintages)' (read them as default probabilities, pooled; the "
                       "card counts the vintages outside the band), 'under-states', 'over-states' or "
                       "'mis-sloped on holdout_oot' (read the PD and grade as relative risk until recalibrated), "
                       "'not judged', or 'not assessed (vintage before the champion's 1989-2006)' for a loan no "
                       "holdout speaks for, followed where the lake holds outcomes of such loans by their default "
                       "rate against their mean PD (', no holdout; its 2,964 resolved loans: default rate 0.4909 "
                       "against mean PD 0.1148 (x0.23))'); the card's calibration line says why."),
    ])},
)
def loan_scores(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    from risk_assets.lib.ml import pd_lake

    with lake.connect() as con:
        portfolios = [r[0] for r in con.execute("SELECT DISTINCT portfolio FROM marts.loan_features ORDER BY 1").fetchall()]
        summaries = {p: pd_lake.score_portfolio(con, p) for p in portfolios}
    scored = {p: s for p, s in summaries.items() if s is not None}
    unscored = sorted(p for p, s in summaries.items() if s is None)
    if unscored:
        context.log.warning(f"no PD champion, so no scores, for portfolio(s) {', '.join(unscored)}: their trainings were "
                            "refused or rejected (loan_pd_gate, ml.model_registry) or never ran; check loan_scores_coverage")
    lines = ["| portfolio | version | PDs (pd_calibration) | rows | mean PD | " + " | ".join(pd_lake.RISK_GRADES) + " |",
             "|---|---|---|---|---|" + "---|" * len(pd_lake.RISK_GRADES)]
    for p, s in scored.items():
        verdicts = "; ".join(f"{verdict}: {rows:,}" for verdict, rows in s["pd_calibration"].items())
        lines.append(f"| {p} | {s['version']} | {verdicts} | {s['rows']:,} | {s['mean_pd']:.4f} | "
                     + " | ".join(f"{s['grades'][g]:,}" for g in pd_lake.RISK_GRADES) + " |")
    context.log.info(f"scored {sum(s['rows'] for s in scored.values())} loans; unscored portfolios: {unscored}")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": sum(s["rows"] for s in scored.values()),
        "score_distribution": dg.MetadataValue.md("\n".join(lines)),
        **({"pd_quantiles": dg.MetadataValue.md(quantile_table({p: s["pd_quantiles"] for p, s in scored.items()}))}
           if scored else {}),
        "unscored_portfolios": dg.MetadataValue.text(", ".join(unscored) or "none"),
    })


@dg.asset_check(
    asset=loan_scores,
    pool=LAKE_POOL,
    description="Every loan of marts.loan_features has a score from its portfolio's PD champion. Warns (the run goes "
    "on) naming each unscored portfolio, its loans and why: no champion (training refused for too few defaults, "
    "rejected, or never run, or retired by hand) or scores missing. Each verdict is a row of quality.check_results.",
)
def loan_scores_coverage(context: dg.AssetCheckExecutionContext, lake: LakeResource) -> dg.AssetCheckResult:
    from risk_assets.lib.ml import pd_lake

    with lake.connect() as con:
        gaps = pd_lake.unscored_portfolios(con)
    untrained = [p for p, (_, why) in gaps.items() if why.endswith(pd_lake.NEVER_TRAINED)]
    # a new book: landing never trains, so the check says how it gets a model
    then = f"; next: {pd_lake.how_to_train(untrained)}" if untrained else ""
    return recorded(lake, context.run.run_id, "loan_scores_coverage", "loan_scores", dg.AssetCheckResult(
        passed=not gaps,
        severity=dg.AssetCheckSeverity.WARN,
        description="every loan scored" if not gaps else
        "; ".join(f"{p}: {n:,} loans unscored ({why})" for p, (n, why) in gaps.items()) + then,
        metadata={"unscored": dg.MetadataValue.md(
            "| portfolio | loans unscored | why |\n|---|---:|---|\n"
            + "\n".join(f"| {p} | {n:,} | {table_cell(why, 200)} |" for p, (n, why) in gaps.items()))} if gaps else {},
    ), failing_count=sum(n for n, _ in gaps.values()), failing_unit="loans")


defs = dg.Definitions(assets=[loan_pd_model, loan_scores],
                      asset_checks=[loan_pd_gate, loan_pd_calibration, loan_scores_coverage])
