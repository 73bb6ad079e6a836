"""The retrain decision: a pure function of the monitoring numbers and the thresholds.

Three triggers, checked for every champion (DESIGN.md, Automation):

- labels:    labelled loans added since the champion's training snapshot >= `new_labelled_rows`;
             new outcomes are information the champion has never seen. Labels of the vintages
             its training left out (inputs recorded after the outcome; its meta.json says which)
             are not counted, since a retraining leaves them out too; the reason counts them apart.
- psi:       PSI of the PD score or of a key feature in a cohort after the snapshot > `psi`
             (0.2: a policy of this project, inside the "moderate shift" band of Siddiqi 2006,
             0.1-0.25, see lib.ml.drift: a retraining costs less than a PD that drifted for a
             month while the shift grew "significant").
- auc_decay: champion AUC on the newest labelled vintage < holdout AUC - `auc_margin`; a vintage
             most of whose labelled loans closed before their term could run is not judged
             (`performance.MAX_CLOSED_EARLY_SHARE`).

A portfolio of marts.loan_features without a PD champion (a lender's own book landed by the
ingest jobs, which never train) has one trigger, first_model: it is trained when it has labelled
loans and was never tried, or when it has gained `first_model_new_defaults` defaults since its
latest attempt, refused for too few or not promoted by the gate (`decide_first_model`).

The news sentiment model has two triggers: labels, labelled articles landed since its champion was
trained >= `new_labelled_articles`; and trained_short, a champion whose time budget
(max_train_seconds) ended its training before its planned optimiser steps, retrained once with its
full schedule (`decide_sentiment`). When both fire, one run is requested, under trained_short: it
trains with the full schedule on every labelled article, the new ones included. Without a champion (a desk that started
with its own unlabelled feed, or whose first model did not beat the baseline) its trigger is
first_model: it is trained when labelled articles have landed and no training was tried on labelled
articles, or when `new_labelled_articles` have landed since its latest attempt, refused or not
promoted by the gate (`decide_sentiment_first_model`). A champion an operator retired is not
retrained automatically (the sensor names the retirement and decides nothing).

A champion split by a fixed vintage window (SBA: train on approval fiscal years <= 2003, hold out
2004-2006; `training.split_loans`) cannot learn from later vintages: a retraining would read the
same loans and be judged on the same holdout. When triggers fire but none of the new labels falls in
the window, the decision is 'window' (no retraining), naming the config that moves it.

A champion an operator restored by hand (`risk-assets registry --restore`) is held: no trigger
retrains it until files of its domain (loans, news) land after the restore. Its triggers were mostly known when the operator
chose it (the labels added since its older snapshot above all), and a retraining on the same data
could undo the rollback at the gate. The decision still lists what each trigger saw. A champion
whose latest challenger the gate rejected is held alike, until loans of its own book land after
that training (`Rejection`): the same loans would train the same challenger; one whose latest
retraining was refused for too few defaults, until its book has gained `first_model_new_defaults`
defaults since (`Refusal`).

Cohorts smaller than `min_rows` are not acted on: PSI and AUC of a few dozen loans are mostly noise
(the expected PSI of two samples from one distribution is about (bins - 1) * (1/n_ref + 1/n_cur);
Yurdakul 2018). When several triggers fire, the decision names all of them and reports the first of
auc_decay, psi, labels as its trigger: lost ranking power is the most direct evidence.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime

from risk_assets.lib.ml.registry import OperatorChange
from risk_assets.lib.monitoring.performance import MAX_CLOSED_EARLY_SHARE
from risk_assets.lib.monitoring.stability import unseen_codes

TRIGGER_ORDER = ("auc_decay", "psi", "labels")
SCORE_VARIABLE = "pd_score"


@dataclass(frozen=True)
class RetrainThresholds:
    """Thresholds of the retrain decision (config of the retrain sensor).

    Attributes:
        new_labelled_rows: labelled loans added since the snapshot that justify a retrain (rows).
        psi: PSI above which the score or a key feature counts as drifted (unitless; 0.2, a policy figure below the 0.25 of Siddiqi 2006's "significant shift").
        auc_margin: allowed fall of AUC below the holdout AUC (AUC points, 0-1).
        key_features: features of marts.loan_features whose drift triggers a retrain by itself;
            drift of the other features is recorded but does not. Term, amount and income by default:
            the loan's size and length, which most tapes carry. Feature PSI is measured on the
            champion's own inputs only, so a key feature its training left out (SBA's term, rewritten
            after charge-off: quality.leakage.rewritten_term) has no PSI and cannot trigger.
        min_rows: smallest cohort (rows) whose PSI or AUC is acted on.
        new_labelled_articles: labelled news articles landed since the sentiment champion was
            trained that justify retraining it (rows; 500 is about a tenth of the PhraseBank corpus);
            without a champion, those landed since its latest training, which left none, that justify
            trying again (one that was never tried is tried as soon as labelled articles have landed).
        first_model_new_defaults: defaults a portfolio without a PD champion must gain since its last
            refused training (too few defaults) before training is tried again (loans); a portfolio
            never trained is tried as soon as it has labelled loans.
        min_defaults: fewest defaults, and fewest non-defaults, a vintage needs before its AUC is
            acted on. An AUC's standard error (Hanley & McNeil, Radiology 1982) is set mostly by
            the defaults: with 1 default in 250 loans the AUC is that one loan's rank (about 0.29 at
            AUC 0.7); with 30 defaults and 30 non-defaults it is 0.068 at AUC 0.7 (0.058 at 0.8),
            and about 0.054 with 30 defaults against 1,000 non-defaults. `auc_margin` (0.05) is
            thus about one standard error at these counts: a fall of one margin on a vintage this
            small can be noise.
    """

    new_labelled_rows: int = 5_000
    psi: float = 0.2
    auc_margin: float = 0.05
    key_features: tuple[str, ...] = ("term_months", "loan_amount", "gross_approved", "annual_income")
    min_rows: int = 200
    min_defaults: int = 30
    new_labelled_articles: int = 500
    first_model_new_defaults: int = 20


@dataclass(frozen=True)
class PsiObservation:
    """One PSI value of monitoring.score_psi / monitoring.feature_psi."""

    variable: str
    vintage: int | None
    psi: float
    n_current: int
    unseen_share: float | None = None
    """Categorical input only: share of the cohort (0-1) with codes the reference never held."""


@dataclass(frozen=True)
class VintageAuc:
    """Champion AUC on one labelled vintage after the snapshot (monitoring.vintage_performance)."""

    vintage: int | None
    n_labelled: int
    auc: float | None
    n_defaults: int
    """Labelled loans with default_flag = 1."""
    closed_early_share: float | None = None
    """Share of its labelled loans that closed as non-defaults before their term could run
    (monitoring.performance); above MAX_CLOSED_EARLY_SHARE its AUC is not judged."""


@dataclass(frozen=True)
class MonitoringSnapshot:
    """What monitoring knows about one champion: the decision's whole input."""

    model: str
    champion_version: str
    holdout_auc: float | None
    new_labelled_rows: int
    psi: tuple[PsiObservation, ...] = ()
    vintages: tuple[VintageAuc, ...] = ()
    restored: OperatorChange | None = None
    """Set when an operator made this version champion by hand (the latest such change)."""
    last_landed_at: datetime | None = None
    """When the newest loan file was loaded (raw.landed_files, UTC); None with no loaded file."""
    new_labelled_in_window: int | None = None
    """New labels the champion's fixed vintage window can use; None when its split has none."""
    training_window: str | None = None
    """That window in words ('train on vintages <= 2003, out-of-time holdout 2004-2006')."""
    new_labelled_left_out: int | None = None
    """New labels of the vintages the champion's training left out (inputs recorded after the
    outcome), not among `new_labelled_rows`: no retraining can learn from them. None when its
    artifact does not record those vintages."""
    vintages_left_out: str | None = None
    """Those vintages as ranges ('1966-1988'); None when none."""
    no_reference: str | None = None
    """Why drift cannot be measured (`stability.no_reference`: the loans the champion trained on are
    gone from the lake, a withdrawn file's), or None when it can."""
    training_loans_landed_again: int | None = None
    """Loans the champion trained on ingested again after its training (a file withdrawn and landed
    anew), not among `new_labelled_rows` nor the PSI cohorts; None when not counted."""
    holdout_loans_landed_again: int | None = None
    """Likewise for its holdout loans."""

    def fingerprint(self) -> str:
        """sha256 (16 hex) of the inputs: equal fingerprints give equal decisions. The left-out
        counts, the missing reference and the loans landed again enter only when recorded, so a
        champion without them keeps the fingerprint it had."""
        return _fingerprint(self, optional=("new_labelled_left_out", "vintages_left_out", "no_reference",
                                            "training_loans_landed_again", "holdout_loans_landed_again"))


def _fingerprint(snapshot: object, optional: tuple[str, ...] = ()) -> str:
    """sha256 (16 hex) of `snapshot`'s fields as JSON; the `optional` fields are left out when None,
    and so is a PSI observation's unseen_share (numeric inputs never have one).

    `last_landed_at`, the newest file of the domain, of any book, enters only as whether it landed
    after the champion's restore by hand, the one decision it moves (`_held`): as a time, every
    file of another book changed each champion's fingerprint, so a retraining canceled or failed
    twice was requested again, and each decision recorded anew, with none of its numbers changed."""
    fields = {k: v for k, v in asdict(snapshot).items() if not (k in optional and v is None)}
    if "last_landed_at" in fields:
        landed, restored = fields.pop("last_landed_at"), getattr(snapshot, "restored", None)
        if restored is not None:
            fields["landed_after_restore"] = landed is not None and landed > restored.changed_at
    if isinstance(fields.get("psi"), (list, tuple)):
        fields["psi"] = [{k: v for k, v in o.items() if not (k == "unseen_share" and v is None)} for o in fields["psi"]]
    payload = json.dumps(fields, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class SentimentAttempt:
    """A retraining of the sentiment champion, after it, that left it standing: refused (too few
    sentences of a label: no version registered, `sentiment_pipeline.record_refusal`) or its
    candidate rejected by the gate."""

    version: str
    tried_at: datetime
    """UTC: when it was refused, or its candidate registered."""
    refused: bool
    reason: str
    """The refusal, or the gate's verdict."""
    labelled_since: int
    """Labelled articles of raw.news ingested after the newest it could read."""


@dataclass(frozen=True)
class SentimentSnapshot:
    """What the news sentiment retrain decision reads: its champion and the labelled articles
    landed since that champion's training read its data."""

    model: str
    champion_version: str
    trained_at: datetime
    """UTC."""
    new_labelled_articles: int
    """Labelled rows of raw.news ingested after `counted_since`."""
    counted_since: datetime | None = None
    """UTC: when the newest labelled file the champion trained on landed (its meta.json's
    `labelled_news_through`), so that articles landed while it trained count as new; trained_at
    for a champion whose artifact does not record it."""
    restored: OperatorChange | None = None
    last_landed_at: datetime | None = None
    """When the newest news file was loaded (UTC)."""
    trained_short: tuple[int, int] | None = None
    """(steps, planned_steps) of the champion's training when its time budget cut it short
    (`registry.trained_short`); None: it trained every planned step."""

    def fingerprint(self) -> str:
        """sha256 (16 hex) of the inputs: equal fingerprints give equal decisions. `trained_short`
        enters only when set, so a champion trained in full keeps the fingerprint it had."""
        return _fingerprint(self, optional=("trained_short",))


@dataclass(frozen=True)
class Check:
    """One trigger's evaluation; `observed` / `threshold` are None when it cannot be evaluated."""

    trigger: str
    fired: bool
    observed: float | None
    threshold: float | None
    reason: str


@dataclass(frozen=True)
class RetrainDecision:
    """The decision for one model. `trigger` is 'none' when nothing fired, 'held' for a champion
    restored by hand with no loan landed since (retrain False whatever fired)."""

    model: str
    champion_version: str
    retrain: bool
    trigger: str
    reason: str
    observed_value: float | None
    threshold: float | None
    checks: tuple[Check, ...] = field(default=())
    fingerprint: str = ""

    def details(self) -> str:
        """JSON with every check, the champion version and the input fingerprint."""
        return json.dumps(
            {
                "champion_version": self.champion_version,
                "fingerprint": self.fingerprint,
                "checks": [asdict(c) for c in self.checks],
            }
        )

    def tags(self) -> dict[str, str]:
        """Run tags for a retrain run (Dagster tag values are strings)."""
        return {
            "risk/retrain_model": self.model,
            "risk/retrain_trigger": self.trigger,
            "risk/retrain_reason": self.reason,
            "risk/retrain_observed": "" if self.observed_value is None else f"{self.observed_value:.4f}",
            "risk/retrain_threshold": "" if self.threshold is None else f"{self.threshold:.4f}",
            "risk/champion_version": self.champion_version,
        }


def _cohort(vintage: int | None) -> str:
    """'vintage 2004', or, for a book whose tapes carry no dates, 'the loans without a vintage'."""
    return "the loans without a vintage" if vintage is None else f"vintage {vintage}"


def _left_out_labels(snapshot: MonitoringSnapshot) -> str:
    """' (56 more in vintages left out of development: 1981-1988)' when new labels fell in the
    vintages the champion's training left out, else ''."""
    n = snapshot.new_labelled_left_out
    return f" ({n:,} more in vintages left out of development: {snapshot.vintages_left_out})" if n else ""


def _landed_again(snapshot: MonitoringSnapshot) -> str:
    """'; not counted: 2,400 loans it trained on and 600 of its holdout loans, landed again after its
    training' when a withdrawn file landed anew brought back loans the champion saw, else ''."""
    counts = [f"{n:,} {what}" for n, what in ((snapshot.training_loans_landed_again, "loans it trained on"),
                                              (snapshot.holdout_loans_landed_again, "of its holdout loans")) if n]
    return f"; not counted: {' and '.join(counts)}, landed again after its training" if counts else ""


def check_labels(snapshot: MonitoringSnapshot, thresholds: RetrainThresholds) -> Check:
    """Labels trigger: the new labels a retraining can learn from (`new_labelled_rows`, those of the
    vintages the champion's training left out not among them, nor those of loans it trained on or
    held out that landed again; the reason counts both apart) against `thresholds.new_labelled_rows`."""
    n, limit = snapshot.new_labelled_rows, thresholds.new_labelled_rows
    fired = n >= limit
    word = ">=" if fired else "<"
    return Check("labels", fired, float(n), float(limit),
                 f"{n:,} labelled loans added since the champion's snapshot {word} {limit:,}{_left_out_labels(snapshot)}"
                 f"{_landed_again(snapshot)}")


def check_psi(snapshot: MonitoringSnapshot, thresholds: RetrainThresholds) -> Check:
    if snapshot.no_reference is not None:
        return Check("psi", False, None, thresholds.psi, f"drift cannot be measured: {snapshot.no_reference}")
    watched = {SCORE_VARIABLE, *thresholds.key_features}
    eligible = [o for o in snapshot.psi if o.variable in watched and o.n_current >= thresholds.min_rows]
    if not eligible:
        return Check("psi", False, None, thresholds.psi, f"no cohort of >= {thresholds.min_rows} loans after the snapshot to compare")
    worst = max(eligible, key=lambda o: (o.psi, o.variable == SCORE_VARIABLE))
    fired = worst.psi > thresholds.psi
    word = ">" if fired else "<="
    return Check(
        "psi", fired, worst.psi, thresholds.psi,
        f"PSI of {worst.variable} on {_cohort(worst.vintage)} ({worst.n_current:,} loans{unseen_codes(worst.unseen_share)}) "
        f"= {worst.psi:.3f} {word} {thresholds.psi}",
    )


def check_auc(snapshot: MonitoringSnapshot, thresholds: RetrainThresholds) -> Check:
    if snapshot.holdout_auc is None:
        return Check("auc_decay", False, None, None, "the champion has no holdout AUC on record")
    sized = [v for v in snapshot.vintages if v.auc is not None and v.n_labelled >= thresholds.min_rows
             and min(v.n_defaults, v.n_labelled - v.n_defaults) >= thresholds.min_defaults]
    eligible = [v for v in sized if v.closed_early_share is None or v.closed_early_share <= MAX_CLOSED_EARLY_SHARE]
    skipped = [v for v in sized if v not in eligible]
    unseasoned = ("; not judged, most of their labelled loans closed before their term could run: "
                  + ", ".join(f"{_cohort(v.vintage)} ({v.closed_early_share:.0%})" for v in skipped)) if skipped else ""
    if not eligible:
        return Check("auc_decay", False, None, None,
                     f"no labelled vintage of >= {thresholds.min_rows} loans with >= {thresholds.min_defaults} defaults "
                     "and as many non-defaults after the snapshot" + unseasoned)
    newest = max(eligible, key=lambda v: (v.vintage is not None, v.vintage or 0))
    floor = snapshot.holdout_auc - thresholds.auc_margin
    fired = newest.auc < floor
    word = "<" if fired else ">="
    judged = ("the labelled loans without a vintage" if newest.vintage is None
              else f"newest labelled {_cohort(newest.vintage)}")
    return Check(
        "auc_decay", fired, newest.auc, floor,
        f"AUC on {judged} ({newest.n_labelled:,} loans, {newest.n_defaults:,} defaults) "
        f"= {newest.auc:.3f} {word} "
        f"holdout AUC {snapshot.holdout_auc:.3f} - margin {thresholds.auc_margin} = {floor:.3f}" + unseasoned,
    )


@dataclass(frozen=True)
class Rejection:
    """The champion's latest challenger, trained after it and rejected by the gate, when no loan of
    its portfolio has landed since that training (raw.loans._ingested_at)."""

    version: str
    trained_at: datetime
    """UTC."""


@dataclass(frozen=True)
class Refusal:
    """The champion's latest retraining, refused after it (too few defaults: no version registered,
    its NULL `auc` in ml.model_metrics, split 'all', with the refusal as reason)."""

    version: str
    recorded_at: datetime
    """UTC."""
    reason: str
    defaults_seen: int
    """Defaults of its book that training read (its `n_defaults`)."""
    defaults_now: int
    """Defaults of its book in marts.loan_features now."""


def decide(snapshot: MonitoringSnapshot, thresholds: RetrainThresholds,
           rejected: Rejection | Refusal | None = None) -> RetrainDecision:
    """Decide whether `snapshot.model` should be retrained (`_decide`); a champion whose drift cannot
    be measured (`snapshot.no_reference`) has it said in the reason whatever the verdict, since a
    decision that lists only the triggers that fired would otherwise keep it quiet."""
    decision = _decide(snapshot, thresholds, rejected)
    unmeasured = check_psi(snapshot, thresholds).reason
    if snapshot.no_reference is None or unmeasured in decision.reason:
        return decision
    return replace(decision, reason=f"{decision.reason}; {unmeasured}")


def _decide(snapshot: MonitoringSnapshot, thresholds: RetrainThresholds,
            rejected: Rejection | Refusal | None = None) -> RetrainDecision:
    """Decide whether `snapshot.model` should be retrained.

    Returns:
        a RetrainDecision whose `reason` lists the fired checks (or all checks when none fired) and
        whose observed_value / threshold are those of the primary trigger (None when none fired);
        for a champion restored by hand with no loan landed since, trigger 'held' and retrain
        False whatever fired (see the module docstring); likewise, when triggers fire, for a
        champion whose latest challenger was `rejected` with no loan of its book landed since: a
        retraining now would learn from the same loans and be judged as that one was. (A decision
        taken anew, after a sensor's cursor reset or a monitoring rebuild, would otherwise start the
        same retraining on the same labels again.) A retraining `rejected` as a Refusal (too few
        defaults) holds it alike until its book has gained `first_model_new_defaults` defaults
        since, as a portfolio without a champion waits: the same loans would be refused again.
    """
    checks = {c.trigger: c for c in (check_auc(snapshot, thresholds), check_psi(snapshot, thresholds), check_labels(snapshot, thresholds))}
    fired = [checks[t] for t in TRIGGER_ORDER if checks[t].fired]
    ordered = tuple(checks[t] for t in TRIGGER_ORDER)
    held = _held(snapshot, fired, ordered, "loans", "retrain_loan_pd")
    if held is not None:
        return held
    if fired and snapshot.new_labelled_in_window == 0:
        return RetrainDecision(
            snapshot.model, snapshot.champion_version, False, "window",
            f"no retraining: it would train and judge on the same loans as champion {snapshot.champion_version}, "
            f"whose split is a fixed vintage window ({snapshot.training_window}); none of the "
            f"{snapshot.new_labelled_rows:,} new labels falls in it{_left_out_labels(snapshot)}. To learn from the newer vintages, move the "
            "window in loan_pd_model's config (oot_train_until, oot_holdout_from, oot_holdout_to) and run "
            "retrain_loan_pd by hand. The triggers saw: " + "; ".join(c.reason for c in fired),
            fired[0].observed, fired[0].threshold, ordered, snapshot.fingerprint(),
        )
    if fired and isinstance(rejected, Refusal):
        gained, need = rejected.defaults_now - rejected.defaults_seen, thresholds.first_model_new_defaults
        if gained < need:
            return _held_since(snapshot, rejected.version, rejected.recorded_at, f"refused ({rejected.reason})",
                               f"{gained:,} defaults of its book landed since, which saw {rejected.defaults_seen:,}",
                               gained, need, "retrain_loan_pd", "; ".join(c.reason for c in fired), ordered)
    elif fired and rejected is not None:
        portfolio = snapshot.model.removeprefix("loan_pd_")
        return RetrainDecision(
            snapshot.model, snapshot.champion_version, False, "held",
            f"held: challenger {rejected.version}, trained at {rejected.trained_at:%Y-%m-%d %H:%M} UTC on these loans, "
            f"was rejected; no {portfolio} loans landed since, so no automatic retraining (run retrain_loan_pd by hand "
            "to retrain now). The triggers saw: " + "; ".join(c.reason for c in fired),
            None, None, ordered, snapshot.fingerprint(),
        )
    if fired:
        primary = fired[0]
        return RetrainDecision(
            snapshot.model, snapshot.champion_version, True, primary.trigger,
            "retrain: " + "; ".join(c.reason for c in fired),
            primary.observed, primary.threshold, ordered, snapshot.fingerprint(),
        )
    return RetrainDecision(
        snapshot.model, snapshot.champion_version, False, "none",
        "no trigger: " + "; ".join(c.reason for c in ordered),
        None, None, ordered, snapshot.fingerprint(),
    )


def _held(snapshot: MonitoringSnapshot | SentimentSnapshot, fired: list[Check], checks: tuple[Check, ...],
          files: str, job: str) -> RetrainDecision | None:
    """The 'held' decision for a champion an operator restored with no `files` landed since (see the
    module docstring), else None."""
    restored = snapshot.restored
    if restored is None or (snapshot.last_landed_at is not None and snapshot.last_landed_at > restored.changed_at):
        return None
    seen = "; ".join(c.reason for c in fired) if fired else "no trigger fired"
    return RetrainDecision(
        snapshot.model, snapshot.champion_version, False, "held",
        f"held: {restored.actor} restored champion {snapshot.champion_version} at "
        f"{restored.changed_at:%Y-%m-%d %H:%M} UTC ({restored.reason.removeprefix('restored by hand: ')}); no "
        f"{files} landed since, so no automatic retraining (run {job} by hand to retrain now). The triggers saw: {seen}",
        None, None, checks, snapshot.fingerprint(),
    )


def _held_since(snapshot: MonitoringSnapshot | SentimentSnapshot, version: str, tried_at: datetime, outcome: str,
                landed: str, gained: int, need: int, job: str, seen: str, checks: tuple[Check, ...]) -> RetrainDecision:
    """The 'held' decision for a champion whose latest retraining, `version` tried at `tried_at`,
    left it standing (`outcome`: 'refused (...)', 'rejected by the gate (...)') while only `gained`
    (`landed`, in words) of the `need` new labels it waits for have landed since: the same labels
    would train and be judged the same way. observed / threshold: gained / need."""
    return RetrainDecision(
        snapshot.model, snapshot.champion_version, False, "held",
        f"held: retraining {version}, tried at {tried_at:%Y-%m-%d %H:%M} UTC, was {outcome}; {landed} (< {need}), so "
        f"no automatic retraining (run {job} by hand to retrain now). The triggers saw: {seen}",
        float(gained), float(need), checks, snapshot.fingerprint(),
    )


def check_trained_short(snapshot: SentimentSnapshot, requested: str = "", budget: str = "") -> Check | None:
    """The trained_short trigger: fires for a champion its time budget cut short
    (`snapshot.trained_short`) until a retraining of it with its full schedule has been requested
    once. None for a champion trained in full.

    Args:
        requested: '' while no such retraining was requested for this champion, else the run that
            was, in words, with what became of the version it trained ('run 1f2e...: its candidate <v>
            was rejected by the gate (...)'): the champion is not requested again.
        budget: '' when the operator set no time budget, else the one that run sets aside for its
            full schedule (max_train_seconds null): "RISK_RETRAIN_CONFIG's 30 s budget set aside for
            this run", said in the reason.

    observed / threshold: the steps trained / planned."""
    if snapshot.trained_short is None:
        return None
    steps, planned = snapshot.trained_short
    short = (f"champion {snapshot.champion_version} was trained short ({steps} of {planned} steps) by its time budget")
    if requested:
        return Check("trained_short", False, float(steps), float(planned),
                     f"{short}; its retraining with its full schedule was requested already ({requested})")
    how = "with its full schedule" + (f" (max_train_seconds null; {budget})" if budget else "")
    return Check("trained_short", True, float(steps), float(planned), f"{short}: retraining it {how}")


def decide_sentiment(snapshot: SentimentSnapshot, thresholds: RetrainThresholds, short_requested: str = "",
                     budget: str = "", tried: SentimentAttempt | None = None) -> RetrainDecision:
    """Decide whether the news sentiment model should be retrained: when at least
    `thresholds.new_labelled_articles` labelled articles landed since its champion was trained
    (new labels are the one thing a sentiment model learns from), or when its champion was trained
    short and no retraining of it with its full schedule was requested yet (`check_trained_short`,
    `short_requested` and `budget` as its `requested` and `budget`). When both fire, the trigger is
    trained_short and the reason names both: one run, with the full schedule, reads the new labels
    too. A champion restored by hand is held as the PD champions are, trained short or not; when
    its latest retraining was refused (too few sentences of a label) or its candidate rejected by
    the gate (`tried`), the labels trigger is held until as many labelled articles
    as the threshold have landed since (a decision taken anew would otherwise train on the same
    articles again); the trained_short retraining keeps its own once-only rule.

    Returns:
        a RetrainDecision with the check 'labels', preceded by 'trained_short' for a champion trained
        short (trigger 'trained_short', 'labels', 'none' or 'held').
    """
    n, limit = snapshot.new_labelled_articles, thresholds.new_labelled_articles
    fired = n >= limit
    check = Check("labels", fired, float(n), float(limit),
                  f"{n:,} labelled articles landed since the champion was trained {'>=' if fired else '<'} {limit:,}")
    short = check_trained_short(snapshot, short_requested, budget)
    checks = (check,) if short is None else (short, check)
    held = _held(snapshot, [c for c in checks if c.fired], checks, "news files", "retrain_news_sentiment")
    if held is not None:
        return held
    if short is not None and short.fired:
        also = f"; also {check.reason}: the same run trains on them" if fired else ""
        return RetrainDecision(snapshot.model, snapshot.champion_version, True, "trained_short",
                               f"retrain: {short.reason}{also}", short.observed, short.threshold, checks,
                               snapshot.fingerprint())
    # trained short with its retraining requested already, or trained in full: the labels decide
    said = check.reason + (f"; {short.reason}" if short is not None else "")
    if fired and tried is not None and tried.labelled_since < limit:
        outcome = f"{'refused' if tried.refused else 'rejected by the gate'} ({tried.reason})"
        return _held_since(snapshot, tried.version, tried.tried_at, outcome,
                           f"{tried.labelled_since:,} labelled articles landed since", tried.labelled_since, limit,
                           "retrain_news_sentiment", said, checks)
    if fired:
        return RetrainDecision(snapshot.model, snapshot.champion_version, True, "labels", "retrain: " + said,
                               check.observed, check.threshold, checks, snapshot.fingerprint())
    return RetrainDecision(snapshot.model, snapshot.champion_version, False, "none", "no trigger: " + said,
                           None, None, checks, snapshot.fingerprint())


@dataclass(frozen=True)
class FirstModelSnapshot:
    """A portfolio of marts.loan_features whose PD model has no champion.

    Attributes:
        model: loan_pd_<portfolio>.
        labelled: loans with a default flag now; defaults: of them, flag 1.
        refused_defaults: defaults its latest training attempt saw (its `n_defaults` metric), None
            when it was never tried (or tried before the count was kept).
        refusal: why that attempt left no champion (too few defaults; the gate's reason for the
            version it registered), None when never tried.
        retired: the operator's retirement that left the portfolio without a champion, when nothing
            was trained since (registry.operator_retirement); None otherwise.
        last_landed_at: when the newest loan file was loaded (UTC), None before any.
    """

    model: str
    labelled: int
    defaults: int
    refused_defaults: int | None
    refusal: str | None
    retired: OperatorChange | None = None
    last_landed_at: datetime | None = None

    def fingerprint(self) -> str:
        if self.retired is not None:  # a landing after the retirement changes the decision
            landed = self.last_landed_at is not None and self.last_landed_at > self.retired.changed_at
            return f"first:{self.labelled}:{self.defaults}:retired {self.retired.changed_at:%Y%m%d%H%M%S}:{landed}"
        return f"first:{self.labelled}:{self.defaults}:{self.refused_defaults}"


def decide_first_model(snapshot: FirstModelSnapshot, thresholds: RetrainThresholds) -> RetrainDecision:
    """Train a portfolio without a champion when it was never tried and has labelled loans, or when
    it gained `first_model_new_defaults` defaults since its latest training attempt (refused for too
    few defaults, or its version not promoted by the gate).

    A champion an operator retired by hand is not a training that failed for want of defaults: the
    portfolio is held (trigger 'held', as a champion restored by hand is) until a loan file lands
    after the retirement, then trained as a first model; `retrain_loan_pd` by hand trains it sooner."""
    s, need = snapshot, thresholds.first_model_new_defaults
    base = dict(model=s.model, champion_version="none", fingerprint=s.fingerprint())
    counts = f"{s.labelled:,} labelled loans, {s.defaults:,} defaults"
    if s.labelled == 0:
        return RetrainDecision(**base, retrain=False, trigger="none", observed_value=0.0, threshold=None,
                               reason=f"no champion and no labelled loan yet ({counts}): nothing to train on")
    if s.retired is not None:
        retired = s.retired.said("retired its champion")
        if s.last_landed_at is None or s.last_landed_at <= s.retired.changed_at:
            return RetrainDecision(**base, retrain=False, trigger="held", observed_value=float(s.defaults),
                                   threshold=None,
                                   reason=f"held: no champion; {retired}; no loan files landed since, so no automatic "
                                          f"training (run retrain_loan_pd by hand to train a new one now); {counts}")
        return RetrainDecision(**base, retrain=True, trigger="first_model", observed_value=float(s.defaults),
                               threshold=None,
                               reason=f"no champion; {retired}; loan files landed since "
                                      f"{s.last_landed_at:%Y-%m-%d %H:%M} UTC: train a new one on {counts}")
    if s.refusal is None:
        return RetrainDecision(**base, retrain=True, trigger="first_model", observed_value=float(s.defaults),
                               threshold=None, reason=f"no champion, never trained: {counts}")
    if s.refused_defaults is None:
        return RetrainDecision(**base, retrain=False, trigger="none", observed_value=float(s.defaults), threshold=None,
                               reason=f"no champion; its last training left none ({s.refusal}); {counts}; train "
                                      "it by hand once more defaults have landed")
    gained = s.defaults - s.refused_defaults
    decision = gained >= need
    return RetrainDecision(
        **base, retrain=decision, trigger="first_model" if decision else "none", observed_value=float(gained),
        threshold=float(need),
        reason=(f"no champion; {gained:,} defaults since its last training, which saw {s.refused_defaults:,} "
                f"({'>=' if decision else '<'} {need}); {counts}" + ("" if decision else f"; it left no champion: {s.refusal}")))


@dataclass(frozen=True)
class SentimentFirstModelSnapshot:
    """The news sentiment model without a champion, and no operator's retirement behind that.

    Attributes:
        model: news_sentiment.
        labelled: labelled articles in raw.news now.
        new_labelled: of them, those ingested after `tried_through` (all of them when never tried).
        tried: the latest training that read labelled articles, in words, when it left no champion:
            'version <version> rejected: <the gate's reason>', or its refusal ('not trained: ...');
            None when no training was tried on labelled articles (a refusal for want of any is none).
        tried_through: UTC: when the newest labelled article that training could read had landed
            (its meta.json's `labelled_news_through`; when it was registered or refused, for an
            artifact that does not record it or a refusal); None with `tried`.
    """

    model: str
    labelled: int
    new_labelled: int
    tried: str | None = None
    tried_through: datetime | None = None

    def fingerprint(self) -> str:
        """'first:' and the sha256 (16 hex) of the inputs: equal fingerprints give equal decisions."""
        return "first:" + _fingerprint(self)


def decide_sentiment_first_model(snapshot: SentimentFirstModelSnapshot, thresholds: RetrainThresholds) -> RetrainDecision:
    """Train the news sentiment model that has no champion when labelled articles have landed and no
    training was tried on labelled articles, or when `thresholds.new_labelled_articles` labelled
    articles have landed since its latest attempt, which left no champion (refused, or its version
    not promoted: a first model must beat the TF-IDF baseline).

    Returns:
        a RetrainDecision with no check, trigger 'first_model' (retrain) or 'none', champion 'none'.
    """
    s, need = snapshot, thresholds.new_labelled_articles
    base = dict(model=s.model, champion_version="none", fingerprint=s.fingerprint())
    counts = f"{s.labelled:,} labelled articles"
    if s.labelled == 0:
        return RetrainDecision(**base, retrain=False, trigger="none", observed_value=0.0, threshold=None,
                               reason="no champion and no labelled article yet: nothing to train on (land a labelled "
                                      "file, such as the Financial PhraseBank, or your own with a label column)")
    if s.tried is None:
        return RetrainDecision(**base, retrain=True, trigger="first_model", observed_value=float(s.labelled),
                               threshold=None, reason=f"no champion, never trained: {counts}")
    fired = s.new_labelled >= need
    return RetrainDecision(
        **base, retrain=fired, trigger="first_model" if fired else "none", observed_value=float(s.new_labelled),
        threshold=float(need),
        reason=(f"no champion; {s.new_labelled:,} labelled articles landed since its last training "
                f"({'>=' if fired else '<'} {need:,}); {counts}" + ("" if fired else f"; it left no champion: {s.tried}")))
