"""The champion's populations, read from the lake: its training snapshot and the loans that came after.

The reference of a champion is the loans it was trained and calibrated on (ml.model_training_loans,
its development loans: never its holdouts, nor loans that landed later). A champion trained before
those were recorded falls back to its snapshot: the loans of its portfolio whose outcome (default
flag) was in the lake at or before the registry's `trained_at` (holdouts included). Every loan
first ingested later belongs to the current population, grouped by vintage (its landed batch, when
a tape holds one vintage, as replayed SBA years do), except the loans the champion trained on or
held out (by key, as the gate sets them aside): a file withdrawn and landed again brings them back
with a later ingest time, and they are counted apart (`Population.training_loans_landed_again`,
`holdout_loans_landed_again`), never as new loans or new labels. Training loans no longer in the
lake (a withdrawn file's) are counted too (`Population.training_loans_gone`, with the withdrawals
that took them out): with all of them gone there is no reference to measure drift against.
A loan whose outcome arrived after training (a later snapshot of a tape turning 'Current' into
'Charged Off') is a new label, counted in `Population.new_labels`, though the loan itself is not new; a loan without an id landed again in a
later file (`duplicates.idless_copies`) is a new label only when no earlier copy had its outcome
by then. A label of a vintage the champion's training left out (inputs recorded after the outcome,
`quality.leakage.leaking_vintages`, as its meta.json records) is counted apart
(`Population.new_labels_left_out`): a retraining would leave it out too. Ingestion times
(raw.loans._ingested_at) and trained_at are both UTC.

The champion's holdouts (ml.model_holdouts: loans in the lake at training, set aside to judge it)
are a third cohort, `Population.holdouts`, out of sample like the current loans but known at
training: each vintage can then show in-sample and out-of-sample figures side by side.

Tables read: ml.model_registry (champions), ml.model_training_loans, ml.model_holdouts,
marts.loan_features, raw.loans (first ingest time), ml.loan_scores (the champion's PD per loan).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pandas as pd
import polars as pl

from risk_assets.lib.lake import table_exists
from risk_assets.lib.ml.artifacts import load_meta, locate
from risk_assets.lib.quality.duplicates import idless_copies

PD_MODEL_PREFIX = "loan_pd_"
"""PD models are registered as loan_pd_<portfolio>."""

NON_FEATURE_COLUMNS = frozenset({"loan_key", "portfolio", "origination_date", "vintage", "default_flag"})
"""Columns of marts.loan_features that are keys or the label, not inputs."""


@dataclass(frozen=True)
class Champion:
    """A PD champion from ml.model_registry."""

    model: str
    version: str
    portfolio: str
    trained_at: datetime
    holdout_auc: float | None


@dataclass
class Population:
    """One champion's loans: `reference` (the loans it trained on, or its snapshot: see the module
    docstring; `reference_source` says which) and `current` (first ingested after it was trained,
    those it trained on or held out excepted).

    Both frames: one row per loan_key, the columns of marts.loan_features plus first_ingested_at
    (UTC), outcome_as_of (the newest as-of date of a tape that carried the loan, NULL when none
    named one) and pd_score (the champion's PD, fraction 0-1, NULL when not scored).
    """

    champion: Champion
    reference: pl.DataFrame
    current: pl.DataFrame
    new_labels: int = 0
    """Loans whose default flag reached the lake after trained_at (new loans with an outcome and
    loans of the snapshot whose outcome matured since) that a retraining can learn from: those of
    the vintages the champion's training left out (`new_labels_left_out`) are not counted."""
    new_labels_in_window: int | None = None
    """Of `new_labels`, those of vintages the champion's split could train on or hold out (vintage
    <= the end of its out-of-time holdout); None when its split has no fixed window (a random or
    date cut, which moves with the data, or a champion without the split on record)."""
    new_labels_left_out: int | None = None
    """New labels of the vintages the champion's training left out of development and holdouts
    (inputs recorded after the outcome: its meta.json `run.vintages_left_out`, the vintage rule's
    verdict at training): a retraining leaves them out too. 0 when it left none out; None when its
    artifact does not record the verdict (trained before it was kept), and then no label is set aside."""
    vintages_left_out: str | None = None
    """Those vintages as ranges ('1966-1988'); None when none are, or none are recorded."""
    window: str | None = None
    """The champion's fixed vintage window in words, e.g. 'train on vintages <= 2003, out-of-time
    holdout 2004-2006'; None without one."""
    reference_source: str = "training loans"
    """'training loans' (ml.model_training_loans) or 'snapshot' (a champion trained before they were recorded)."""
    data_end: date | None = None
    """The portfolio's newest date in the lake: the newest as-of date of its tapes or, where newer,
    origination date, over all its loans (not only the champion's cohorts, which may end years
    earlier: SBA's training loans end in 2003, the book in 2014). None without dates. The reference
    of `closed_early_share` for loans whose tape named no as-of date."""
    holdouts: pl.DataFrame | None = None
    """The champion's holdout loans still in marts.loan_features (ml.model_holdouts for its version),
    the columns of `current` plus `holdout_split` (the holdout's name: 'holdout' for a random one,
    'holdout_in_time' and 'holdout_oot' for an out-of-time split's two); none of them is in
    `reference` or `current`. None when the lake does not record holdouts."""
    inputs: tuple[str, ...] | None = None
    """The champion's inputs (its encoder's spec: numeric then categorical, derived ones included and
    computed into both frames); None when its artifact cannot be read."""
    training_loans_gone: int | None = None
    """Loans the champion trained on (ml.model_training_loans) that are no longer in
    marts.loan_features (a withdrawn file's): the reference lacks them, and with all of them gone
    drift cannot be measured. None when its training loans are not recorded (`reference_source`
    'snapshot')."""
    training_loans_gone_why: str | None = None
    """Why they are gone: the withdrawn loan files that landed before its training, each with when, by
    whom and why it was withdrawn; None when none is gone."""
    training_loans_landed_again: int = 0
    """Loans the champion trained on that were ingested again after its training (a file withdrawn
    and landed anew keeps its loans' keys): in `reference`, never in `current` nor `new_labels`."""
    holdout_loans_landed_again: int = 0
    """Likewise for its holdout loans: in `holdouts`, never in `current` nor `new_labels`."""
    not_used: pl.DataFrame | None = None
    """Loans labelled in the lake when the champion trained that it neither trained on nor held out
    (the in-time loans a subsample passed over: 442,941 of SBA's 1989-2003 on the sample data; vintages
    outside its window or left out by the vintage rule), the columns of `current`: out of sample, and
    ten times the in-time holdout. None when its training loans are not recorded (a snapshot
    champion), as they cannot be told from the loans it fitted."""

    @property
    def features(self) -> list[str]:
        """What feature PSI compares: the champion's inputs (a column the model does not read, such as
        a date, or a code it reads only through a derived input, drifts without moving a PD). Without
        them on record, the columns of marts.loan_features but keys, label, dates and added columns."""
        if self.inputs is not None:
            return [c for c in self.inputs if c in self.reference.columns]
        return [c for c, dtype in self.reference.schema.items()
                if c not in NON_FEATURE_COLUMNS | {"first_ingested_at", "outcome_as_of", "pd_score"} and dtype not in (pl.Date, pl.Datetime)]


def champions(con: duckdb.DuckDBPyConnection) -> list[Champion]:
    """Every PD champion, with its holdout AUC (the registry's primary value when the primary metric is an AUC)."""
    rows = con.execute(
        "SELECT model, version, trained_at, primary_metric, primary_value FROM ml.model_registry "
        "WHERE status = 'champion' AND starts_with(model, ?) ORDER BY model",
        [PD_MODEL_PREFIX],
    ).fetchall()
    return [
        Champion(model, version, model.removeprefix(PD_MODEL_PREFIX), trained_at,
                 value if metric and "auc" in metric.lower() else None)
        for model, version, trained_at, metric, value in rows
    ]


def load_population(con: duckdb.DuckDBPyConnection, champion: Champion) -> Population:
    """The champion's snapshot and current loans, with its PD scores.

    Raises:
        LookupError: marts.loan_features does not exist yet (transform has not run).
    """
    if not table_exists(con, "marts.loan_features"):
        raise LookupError("marts.loan_features does not exist yet: materialize loan_features first")
    scores = (
        "SELECT loan_key, pd AS pd_score FROM ml.loan_scores WHERE model = ? AND model_version = ?"
        if table_exists(con, "ml.loan_scores")
        else "SELECT NULL::VARCHAR AS loan_key, NULL::DOUBLE AS pd_score WHERE ? IS NULL AND ? IS NULL"
    )
    trained = (
        "SELECT loan_key, true AS trained_on FROM ml.model_training_loans WHERE model = ? AND version = ?"
        if table_exists(con, "ml.model_training_loans")
        else "SELECT NULL::VARCHAR AS loan_key, NULL::BOOLEAN AS trained_on WHERE ? IS NULL AND ? IS NULL"
    )
    held_out = (
        "SELECT loan_key, min(split) AS holdout_split FROM ml.model_holdouts WHERE model = ? AND version = ? GROUP BY loan_key"
        if table_exists(con, "ml.model_holdouts")
        else "SELECT NULL::VARCHAR AS loan_key, NULL::VARCHAR AS holdout_split WHERE ? IS NULL AND ? IS NULL"
    )
    raw_columns = {c for (c,) in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'raw' AND table_name = 'loans'").fetchall()}
    as_of = "max(snapshot_date)" if "snapshot_date" in raw_columns else "NULL::DATE"
    frame = pl.from_arrow(con.execute(
        f"""
        WITH first_seen AS (
            SELECT loan_key, min(_ingested_at) AS first_ingested_at,
                   min(_ingested_at) FILTER (WHERE default_flag IS NOT NULL) AS label_known_at,
                   {as_of} AS outcome_as_of
            FROM raw.loans GROUP BY loan_key
        ), scores AS ({scores}), trained AS ({trained}), held_out AS ({held_out})
        SELECT f.*, s.first_ingested_at, coalesce(s.label_known_at, s.first_ingested_at) AS label_known_at,
               s.outcome_as_of,
               sc.pd_score, coalesce(t.trained_on, false) AS trained_on, h.holdout_split
        FROM marts.loan_features f
        LEFT JOIN first_seen s USING (loan_key)
        LEFT JOIN scores sc USING (loan_key)
        LEFT JOIN trained t USING (loan_key)
        LEFT JOIN held_out h USING (loan_key)
        WHERE f.portfolio = ?
        """,
        [champion.model, champion.version, champion.model, champion.version,
         champion.model, champion.version, champion.portfolio],
    ).fetch_arrow_table())
    after = pl.col("first_ingested_at") > champion.trained_at
    labelled_then = pl.col("label_known_at") <= champion.trained_at
    labelled_since = pl.col("default_flag").is_not_null() & (pl.col("label_known_at") > champion.trained_at)
    # a loan the champion trained on or was judged on is no loan after it, whenever it was ingested:
    # a file withdrawn and landed again brings its loans back under their keys, with a later ingest time
    seen_at_training = pl.col("trained_on") | pl.col("holdout_split").is_not_null()
    labelled_since = labelled_since & ~seen_at_training
    copies = idless_copies(con) if "source_loan_id" in raw_columns else {}
    repeat = pl.lit(False)  # a later copy of an id-less loan that was in the lake when the champion trained
    if copies:  # an id-less loan landed again: its later copy's label is new only if no earlier copy had one
        known = frame.filter(pl.col("loan_key").is_in(list(copies)) & pl.col("default_flag").is_not_null()
                             & labelled_then.fill_null(False))["loan_key"]
        labelled_since = labelled_since & ~pl.col("loan_key").is_in([copies[key] for key in known])
        # nor is it a loan that came after the champion: PSI and the AUC trigger would read the loans it
        # trained and was judged on as new (650 copies of the sample tape fired the AUC trigger)
        seen = frame.filter(pl.col("loan_key").is_in(list(copies)) & ~after.fill_null(False))["loan_key"]
        repeat = pl.col("loan_key").is_in([copies[key] for key in seen])
    recorded_keys = con.execute("SELECT count(DISTINCT loan_key) FROM ml.model_training_loans WHERE model = ? AND "
                                "version = ?", [champion.model, champion.version]).fetchone()[0] if table_exists(
        con, "ml.model_training_loans") else 0
    recorded = recorded_keys > 0  # by the table, not the mart: a withdrawal may have taken every one of them out
    run, spec = _champion_meta(con, champion.model, champion.version)
    window = vintage_window(run)
    inputs = None if spec is None else (*(name for name, _ in spec["numeric"]), *spec["categorical"])
    recorded_left_out = None if run is None else run.get("vintages_left_out")
    left_out_vintage = (pl.col("vintage").is_in([int(v) for v in recorded_left_out]).fill_null(False)
                        if recorded_left_out and "vintage" in frame.columns else pl.lit(False))
    usable = labelled_since.fill_null(False) & ~left_out_vintage
    snapshot = ~after.fill_null(False) & pl.col("default_flag").is_not_null() & labelled_then.fill_null(False)
    in_reference = pl.col("trained_on") if recorded else snapshot
    reference = frame.filter(in_reference).drop("label_known_at", "trained_on", "holdout_split")
    current = frame.filter(after.fill_null(False) & ~repeat & ~seen_at_training).drop(
        "label_known_at", "trained_on", "holdout_split")
    holdouts = frame.filter(pl.col("holdout_split").is_not_null()
                            & ~in_reference.fill_null(False)).drop("label_known_at", "trained_on")
    not_used = frame.filter(snapshot & ~pl.col("trained_on") & pl.col("holdout_split").is_null() & ~repeat).drop(
        "label_known_at", "trained_on", "holdout_split") if recorded else None
    gone = recorded_keys - reference.height if recorded else None
    if inputs is not None:  # on the two cohorts only, not the whole book
        reference, current = with_derived(reference, inputs), with_derived(current, inputs)
    return Population(
        champion=champion,
        reference=reference,
        current=current,
        new_labels=frame.filter(usable).height,
        new_labels_in_window=None if window is None else frame.filter(
            usable & (pl.col("vintage") <= window[1]).fill_null(False)).height,
        new_labels_left_out=None if recorded_left_out is None else frame.filter(
            labelled_since.fill_null(False) & left_out_vintage).height,
        vintages_left_out=_spans(recorded_left_out, frame),
        window=None if window is None else window[0],
        reference_source="training loans" if recorded else "snapshot",
        holdouts=holdouts if table_exists(con, "ml.model_holdouts") else None,
        not_used=not_used,
        data_end=max((d for c in ("origination_date", "outcome_as_of")
                      if c in frame.columns and (d := frame[c].cast(pl.Date).max()) is not None), default=None),
        inputs=inputs,
        training_loans_gone=gone,
        training_loans_gone_why=_why_gone(con, champion) if gone else None,
        training_loans_landed_again=frame.filter(after.fill_null(False) & pl.col("trained_on")).height,
        holdout_loans_landed_again=frame.filter(after.fill_null(False) & ~pl.col("trained_on")
                                                & pl.col("holdout_split").is_not_null()).height,
    )


def _why_gone(con: duckdb.DuckDBPyConnection, champion: Champion) -> str:
    """Why loans the champion trained on are no longer in marts.loan_features: the loan files landed
    before its training and withdrawn since (raw.landed_files status `withdrawn`), each as
    '<file>: withdrawn on <date> UTC by <actor> (<reason>) ...' (`quarantine.withdrawal`); else that
    no withdrawal explains it."""
    from risk_assets.lib.report.quarantine import withdrawal

    files = con.execute(
        "SELECT path, sha256, message FROM raw.landed_files WHERE domain = 'loans' AND status = 'withdrawn' "
        "AND landed_at <= ? ORDER BY landed_at, path", [champion.trained_at]).fetchall() if table_exists(
        con, "raw.landed_files") else []
    if not files:
        return "not in marts.loan_features, and no loan file that landed before its training was withdrawn"
    return "; ".join(f"{path.rsplit('/', 1)[-1]}: {withdrawal(con, sha, message)}" for path, sha, message in files)


def _spans(vintages: list[int] | None, frame: pl.DataFrame) -> str | None:
    """The champion's left-out `vintages` as ranges of the portfolio's consecutive vintages
    (`leakage.vintage_spans`: '1966-1988, 1991'), those no longer in the lake included; None for
    none."""
    from risk_assets.lib.quality.leakage import vintage_spans

    if not vintages:
        return None
    book = pd.Series([*frame["vintage"].drop_nulls().unique().to_list(), *vintages], dtype="int64")
    return vintage_spans(sorted(int(v) for v in vintages), book)


def with_derived(frame: pl.DataFrame, inputs: tuple[str, ...]) -> pl.DataFrame:
    """`frame` with the derived inputs among `inputs` computed as training computes them
    (`features.DERIVED`, on pandas); a derived input whose source columns are missing is NULL."""
    from risk_assets.lib.ml.features import DERIVED

    names = [n for n in inputs if n in DERIVED and n not in frame.columns]
    if not names or not frame.height:
        return frame.with_columns([pl.lit(None, dtype=pl.Float64).alias(n) for n in names])
    source = frame.to_pandas()
    values = {}
    for name in names:
        try:
            values[name] = pl.from_pandas(DERIVED[name](source).rename(name), nan_to_null=True)
        except KeyError:  # a source column this lake's mart lacks
            values[name] = pl.Series(name, [None] * frame.height, dtype=pl.Float64)
    return frame.with_columns(list(values.values()))


def _champion_meta(con: duckdb.DuckDBPyConnection, model: str, version: str) -> tuple[dict | None, dict | None]:
    """(the run record, the encoder's feature spec) of the version's artifact meta.json, each None
    when not on record."""
    if not table_exists(con, "ml.model_registry"):
        return None, None
    row = con.execute("SELECT artifact_path FROM ml.model_registry WHERE model = ? AND version = ?",
                      [model, version]).fetchone()
    try:
        meta = load_meta(locate(con, row[0])) if row else {}
    except (OSError, ValueError):
        return None, None
    return meta.get("run"), (meta.get("encoder") or {}).get("spec")


WINDOW_FIELDS = ("oot_train_until", "oot_holdout_from", "oot_holdout_to")
"""The fixed vintage window of an out_of_time_vintage split (`training.split_loans`; SBA), as
loan_pd_model config fields."""


def window_config(run: dict | None) -> dict[str, int]:
    """The fixed vintage window a run record (`_champion_meta`) says its model was split by
    (`training.split_loans`, scheme out_of_time_vintage: train on vintages <= oot_train_until, hold
    out oot_holdout_from..oot_holdout_to, later vintages unused), as loan_pd_model config fields
    (WINDOW_FIELDS); {} for any other split, or none on record."""
    run = run or {}
    config = run.get("config") or {}
    if run.get("split_scheme") != "out_of_time_vintage" or not all(field in config for field in WINDOW_FIELDS):
        return {}
    return {field: int(config[field]) for field in WINDOW_FIELDS}


def champion_window(con: duckdb.DuckDBPyConnection, model: str, version: str) -> dict[str, int]:
    """`window_config` of a version's artifact: the retrain sensor splits a retraining as its
    champion was split, so the challenger is judged on the champion's vintages and the `window`
    decision (same window, same loans: no retrain) describes the run it launches. {} when the
    split had no fixed window or its record cannot be read."""
    return window_config(_champion_meta(con, model, version)[0])


def vintage_window(run: dict | None) -> tuple[str, int] | None:
    """(the window in words, its last vintage) of `window_config(run)`; None when the split had no
    fixed vintage window."""
    window = window_config(run)
    if not window:
        return None
    return (f"train on vintages <= {window['oot_train_until']}, out-of-time holdout "
            f"{window['oot_holdout_from']}-{window['oot_holdout_to']}", window["oot_holdout_to"])
