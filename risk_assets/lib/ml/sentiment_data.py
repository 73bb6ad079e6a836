"""Labelled news for the sentiment model: usable-text guard, dedupe key, and the holdout split.

The lake can hold one corpus more than once (the Financial PhraseBank 50%-agreement file and a CSV
re-export of it, with different quoting, case and mojibake), so sentences are deduplicated by a key
that survives those differences before anything is split: no sentence is ever both trained on and
tested on. The holdout is drawn from the reference corpus's sentences only (the quality bar is
defined on it); sentences of other files train the model when they are not in the holdout.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import polars as pl

from risk_assets.lib.lake import column_exists
from risk_assets.lib.ml.sentiment import LABELS
from risk_assets.lib.schema import in_english_sql
from risk_assets.lib.text import is_usable_text

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")

LABELLED_NEWS_SQL = """
SELECT n.doc_id, n.text_clean, n.label, coalesce(f.format = ?, false) AS holdout_eligible,
       coalesce(n.label_conflict, false) AS label_conflict
FROM marts.news_features AS n
LEFT JOIN raw.landed_files AS f ON f.sha256 = n._file_sha256
WHERE (n.label IS NOT NULL OR n.label_conflict) AND {english}
ORDER BY n.doc_id
"""


class TooFewLabels(ValueError):
    """The lake holds too few labelled sentences to train and judge a sentiment model: none at all
    (a desk's own unlabelled feed), or fewer than 2 distinct sentences of some label."""


def dedupe_key(text: str) -> str:
    """The identity of a sentence across copies: its ASCII letters and digits, casefolded.

    Every other character is dropped, non-ASCII letters included, so re-quoting, spacing, case and
    mojibake ('L+\ufffdnnen', 'LÃ¤nnen' and 'Lännen' all give 'lnnen') map to the same key.
    """
    return _NOT_ALNUM.sub("", text.casefold())


_DIGITS = re.compile(r"[0-9]+")


def template_key(key: str) -> str:
    """A dedupe key with its numbers masked: two sentences that differ only in their figures
    ('sales totalled EUR 3.4 billion in 2008' and '... EUR 2.9 billion in 2007') are one template.
    A model that trained on one has as good as seen the other, so a holdout sentence's template is
    kept out of training (`split_holdout`)."""
    return _DIGITS.sub("#", key)


def key_digest(key: str) -> str:
    """sha256[:16] of a dedupe key: how an artifact records the sentences it trained and was judged
    on without storing their text."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class ReservedSentences:
    """What the current champion saw, as key digests: `holdout`, the sentences it was judged on, and
    `trained`, those it trained on. A retraining holds the first out again and never holds out the
    second, so that champion and challenger are compared on sentences neither trained on."""

    version: str
    holdout: frozenset[str]
    trained: frozenset[str]


@dataclass
class SentimentSplit:
    """Train and holdout sentences, one row per distinct sentence, columns key, doc_id, text, label.

    Counts: labelled rows read, rows without usable text, duplicate rows folded into another,
    sentences dropped because their copies disagree on the label (among the rows read, or before:
    label_conflict), and whether the holdout came from the reference corpus (else from all labelled
    rows). `snapshot` is the sha256 (64 hex digits) of every (split, label, key): it names the data a
    model was trained and judged on, split included, so two seeds on the same lake give two
    snapshots. (A PD model's snapshot hashes its labelled loans before the split: the same for every
    seed.)
    """

    train: pl.DataFrame
    holdout: pl.DataFrame
    n_rows: int
    n_no_text: int
    n_duplicates: int
    n_conflicting: int
    holdout_from_reference: bool
    snapshot: str
    reserved_note: str | None = None
    n_holdout_templates: int = 0
    """Training sentences left out because a holdout sentence differs from them only in its figures."""
    corpus_digest: str = ""
    """sha256 (64 hex digits) of every distinct labelled sentence the split drew from, before it split
    them (label, key, eligible for the holdout): the same for two trainings on the same labelled
    news whatever their seeds and holdout draws, unlike `snapshot`; '' when not computed."""
    train_labels: dict[str, int] = field(default_factory=dict)
    """Training sentences per label."""
    train_other_source_labels: dict[str, int] = field(default_factory=dict)
    """Training sentences per label found in no file of the reference corpus's format (a re-export's
    sentences the reference file lacks); empty when every sentence is eligible for the holdout."""

    def other_sources_line(self) -> str | None:
        """What the training took from outside the reference corpus and how it moves the label mix:
        '369 of the 4,312 training sentences are in no reference-format file (negative 369): they
        raise the training's negative share from 12.5% without them to 20.0%; ...'; None when none.
        The shares are of the training sentences with and without them, by the label the extra
        sentences carry most."""
        extra = sum(self.train_other_source_labels.values())
        if not extra:
            return None
        total = sum(self.train_labels.values())
        label = max(self.train_other_source_labels, key=self.train_other_source_labels.get)
        with_them, added = self.train_labels.get(label, 0), self.train_other_source_labels[label]
        without = (with_them - added) / (total - extra) if total > extra else float("nan")
        by_label = ", ".join(f"{k} {v:,}" for k, v in sorted(self.train_other_source_labels.items()))
        return (f"{extra:,} of the {total:,} training sentences are in no reference-format file ({by_label}): they raise "
                f"the training's {label} share from {without:.1%} without them to {with_them / total:.1%}; the holdout "
                "holds none of them. The tuning record in the README gives the figures of a training on the reference "
                "corpus alone ('training on the reference corpus alone ... 0.836 / 0.816').")

    def summary(self) -> dict[str, object]:
        return {
            **({"holdout_kept_from_champion": self.reserved_note} if self.reserved_note else {}),
            "labelled_rows": self.n_rows,
            "rows_without_text": self.n_no_text,
            "duplicate_rows_folded": self.n_duplicates,
            "conflicting_label_sentences_dropped": self.n_conflicting,
            "train_sentences_sharing_a_holdout_template_dropped": self.n_holdout_templates,
            **({"train_sentences_from_other_files": line} if (line := self.other_sources_line()) else {}),
            "train_sentences": self.train.height,
            "holdout_sentences": self.holdout.height,
            "holdout_from_reference_corpus": self.holdout_from_reference,
            "data_snapshot": self.snapshot,
        }


def read_labelled_news(con: duckdb.DuckDBPyConnection, holdout_format: str) -> pl.DataFrame:
    """Labelled rows of marts.news_features, and those whose copies disagreed on the label (label
    NULL, label_conflict true: staging set the label aside): doc_id, text_clean, label,
    holdout_eligible (the row's landed file has format `holdout_format`), label_conflict. Rows x 5,
    ordered by doc_id. `split_holdout` leaves the second kind out and counts them. A row its file
    marks in a language other than English (language, `labelled_not_english` counts them) is left
    out: the model reads English only, and neither learns nor is judged on another language."""
    english = in_english_sql("n") if column_exists(con, "marts.news_features", "language") else "true"
    return con.execute(LABELLED_NEWS_SQL.format(english=english), [holdout_format]).pl()


def labelled_not_english(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Labelled rows of marts.news_features that `read_labelled_news` leaves out for being marked in
    a language other than English, per language ({'fi': 12}), most first; {} when none (or the
    table predates its `language` column)."""
    if not column_exists(con, "marts.news_features", "language"):
        return {}
    return dict(con.execute(
        f"SELECT language, count(*) AS n FROM marts.news_features AS n WHERE n.label IS NOT NULL "
        f"AND NOT {in_english_sql('n')} GROUP BY language ORDER BY n DESC, language").fetchall())


def labelled_news_through(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """When the newest file with labelled rows in marts.news_features landed (UTC, naive), or None.

    A training that reads those rows has seen every labelled article landed up to then; an
    article landed after it (while the model trained, say) is new to it. The retrain sensor counts
    new labels from this time, recorded in the artifact's meta.json as `labelled_news_through`."""
    return con.execute("SELECT max(f.landed_at) FROM marts.news_features AS n "
                       "JOIN raw.landed_files AS f ON f.sha256 = n._file_sha256 WHERE n.label IS NOT NULL").fetchone()[0]


def n_labelled(docs: pl.DataFrame) -> int:
    """Rows of `docs` that carry a label (not those read only as label conflicts)."""
    return docs["label"].count()


def split_holdout(
    docs: pl.DataFrame,
    holdout_fraction: float = 0.2,
    seed: int = 0,
    train_on_other_sources: bool = True,
    max_train_examples: int | None = None,
    reserved: ReservedSentences | None = None,
) -> SentimentSplit:
    """Deduplicate labelled sentences and hold out a stratified share of the reference corpus.

    Args:
        docs: rows with doc_id, text_clean, label (one of LABELS) and holdout_eligible (bool); and
            optionally label_conflict (bool): a row whose copies disagreed on the label before it was
            read (label NULL, as staging writes it). Its sentence is left out of training and holdout
            with those whose copies here carry different labels, and counted with them.
        holdout_fraction: share of the eligible distinct sentences held out, stratified by label.
        seed: random_state of the stratified split (scikit-learn's train_test_split); with `reserved`,
            the seed of numpy's generator drawing among the sentences the champion did not see.
        train_on_other_sources: train also on sentences found only in non-eligible rows.
        max_train_examples: stratified cap on the training sentences (quick profiles).
        reserved: what the current champion saw. With it the champion's holdout sentences are held
            out again, the sentences it trained on never enter the holdout, and a stratified
            `holdout_fraction` of the eligible sentences it did not see is drawn in (`reserved_note`
            gives the counts). The fraction and seed thus apply to those sentences only: a sentence
            never changes side while the champion stands.

    Sentences are ordered by key before splitting, so the split depends on the data and the seed,
    not on row order. When no row is eligible, every sentence is eligible.

    Raises:
        ValueError: a label outside LABELS, or fewer than 2 eligible sentences of a class.
    """
    from sklearn.model_selection import train_test_split

    if "label_conflict" not in docs.columns:
        docs = docs.with_columns(label_conflict=pl.lit(False))
    docs = docs.with_columns(pl.col("label_conflict").fill_null(False))
    unknown = set(docs.filter(~pl.col("label_conflict"))["label"].unique().to_list()) - set(LABELS)
    if unknown:
        raise ValueError(f"labels {sorted(unknown)} are not among {LABELS}")
    conflicted = docs.filter(pl.col("label_conflict"))
    conflicted_keys = {dedupe_key(t) for t in conflicted["text_clean"].to_list() if is_usable_text(t).usable}
    docs = docs.filter(~pl.col("label_conflict"))
    usable = docs.filter(pl.Series([is_usable_text(t).usable for t in docs["text_clean"].to_list()], dtype=pl.Boolean))
    usable = usable.with_columns(key=pl.col("text_clean").map_elements(dedupe_key, return_dtype=pl.String))
    from_reference = bool(usable["holdout_eligible"].any())
    if not from_reference:
        usable = usable.with_columns(holdout_eligible=pl.lit(True))

    # One row per key: the first eligible copy's doc id and text, the key's distinct labels.
    usable = usable.sort(["key", "holdout_eligible", "doc_id"], descending=[False, True, False])
    grouped = usable.group_by("key", maintain_order=True).agg(
        pl.col("doc_id").first(),
        pl.col("text_clean").first().alias("text"),
        pl.col("label").unique().alias("labels"),
        pl.col("holdout_eligible").any().alias("eligible"),
    )
    # A sentence whose copies disagree, here or before it was read (label_conflict), has no label.
    agreed = (pl.col("labels").list.len() == 1) & ~pl.col("key").is_in(sorted(conflicted_keys))
    consistent = grouped.filter(agreed).with_columns(label=pl.col("labels").list.first()).drop("labels")
    n_conflicting = len(set(grouped["key"].to_list()) - set(consistent["key"].to_list()) | conflicted_keys)

    corpus = hashlib.sha256()
    for label, key, is_eligible in consistent.select("label", "key", "eligible").sort("key").iter_rows():
        corpus.update(f"{label}\t{key}\t{is_eligible}\n".encode())

    eligible = consistent.filter(pl.col("eligible"))
    per_class = dict(eligible.group_by("label").len().iter_rows())
    if eligible.height < 2 or min(per_class.get(label, 0) for label in LABELS) < 2:
        raise TooFewLabels(f"too few distinct labelled sentences to hold out a stratified share: {per_class} "
                           f"(need at least 2 of each of {LABELS})")
    reserved_note = None
    if reserved is None:
        _, holdout_keys = train_test_split(
            eligible["key"].to_list(), test_size=holdout_fraction, random_state=seed,
            stratify=eligible["label"].to_list(),
        )
        holdout_set = set(holdout_keys)
    else:
        holdout_set, reserved_note = _reserved_holdout(eligible, holdout_fraction, seed, reserved)
    columns = ["key", "doc_id", "text", "label"]
    holdout = consistent.filter(pl.col("key").is_in(holdout_set)).select(columns)
    train = consistent.filter(~pl.col("key").is_in(holdout_set))
    held_templates = {template_key(key) for key in holdout["key"].to_list()}
    near = train["key"].map_elements(template_key, return_dtype=pl.String).is_in(held_templates)
    n_holdout_templates = int(near.sum())
    train = train.filter(~near)  # the holdout stays as drawn: its sentences are never seen in a near copy
    if not train_on_other_sources:
        train = train.filter(pl.col("eligible"))
    if max_train_examples is not None and train.height > max_train_examples:
        keep, _ = train_test_split(train["key"].to_list(), train_size=max_train_examples,
                                   random_state=seed, stratify=train["label"].to_list())
        train = train.filter(pl.col("key").is_in(set(keep)))
    # sentences found in no reference-format file: provenance the card discloses (`other_sources_line`)
    other_labels = dict(train.filter(~pl.col("eligible")).group_by("label").len().iter_rows()) if from_reference else {}
    train_labels = dict(train.group_by("label").len().iter_rows())
    train = train.select(columns)

    digest = hashlib.sha256()
    for split, frame in (("train", train), ("holdout", holdout)):
        for label, key in frame.select("label", "key").sort("key").iter_rows():
            digest.update(f"{split}\t{label}\t{key}\n".encode())
    return SentimentSplit(
        train=train,
        holdout=holdout,
        n_rows=docs.height,
        n_no_text=docs.height - usable.height,
        n_duplicates=usable.height - grouped.height,
        n_conflicting=n_conflicting,
        holdout_from_reference=from_reference,
        snapshot=digest.hexdigest(),
        reserved_note=reserved_note,
        n_holdout_templates=n_holdout_templates,
        corpus_digest=corpus.hexdigest(),
        train_labels=train_labels,
        train_other_source_labels=other_labels,
    )


def _reserved_holdout(eligible: pl.DataFrame, fraction: float, seed: int,
                      reserved: ReservedSentences) -> tuple[set[str], str]:
    """Holdout keys with a champion: its holdout sentences, plus a stratified `fraction` of the eligible
    sentences that it neither trained nor was judged on; and a note with the three counts."""
    import numpy as np

    rng = np.random.default_rng(seed)
    kept, seen, new = set(), 0, {label: [] for label in LABELS}
    for key, label in eligible.select("key", "label").sort("key").iter_rows():
        digest = key_digest(key)
        if digest in reserved.holdout:
            kept.add(key)
        elif digest in reserved.trained:
            seen += 1
        else:
            new[label].append(key)
    drawn = [key for keys in new.values() for key in rng.permutation(keys)[:round(fraction * len(keys))]]
    n_new = sum(map(len, new.values()))
    note = (f"champion {reserved.version}: {len(kept):,} of its holdout sentences held out again, {seen:,} it trained on "
            f"kept out of the holdout, {len(drawn):,} of the {n_new:,} sentences it neither trained on nor held out "
            "drawn in (stratified)")
    return kept | {str(key) for key in drawn}, note


def labelled_articles_by_sample(docs: pl.DataFrame, split: SentimentSplit) -> dict[str, int]:
    """What a training saw of the labelled articles it read: counts of `docs`' labelled rows whose
    sentence (dedupe key) it trained on ('train'), held out ('holdout'), or left out ('left_out':
    no usable text, a conflicting label, a holdout sentence's template, beyond max_train_examples).
    Rows, not distinct sentences: the copies of a sentence in two files count twice, as the
    scoring's `sample` counts them."""
    texts = docs.filter(pl.col("label").is_not_null())["text_clean"].to_list()
    train, holdout = set(split.train["key"].to_list()), set(split.holdout["key"].to_list())
    keys = [dedupe_key(t) if is_usable_text(t).usable else None for t in texts]
    n_train = sum(k in train for k in keys)
    n_holdout = sum(k in holdout for k in keys)
    return {"train": n_train, "holdout": n_holdout, "left_out": len(keys) - n_train - n_holdout}


_AGREEMENT = re.compile(r"(50|66|75|all)_?agree", re.IGNORECASE)


@dataclass(frozen=True)
class ReferenceCorpus:
    """The landed files of the holdout's format and what they tell of their labels and dates.

    files: their file names; agreement: the annotator agreement their names state ('50%', '66%',
    '75%', 'all', as the Financial PhraseBank names its files: Sentences_50Agree.txt), None when no
    name states one; articles: their labelled articles in marts.news_features; dated: those of them
    with a publication date."""

    files: tuple[str, ...]
    agreement: str | None
    articles: int
    dated: int


def reference_corpus(con: duckdb.DuckDBPyConnection, holdout_format: str) -> ReferenceCorpus | None:
    """The reference corpus behind the holdout (`ReferenceCorpus`), or None when no labelled
    article of marts.news_features comes from a file of `holdout_format`."""
    rows = con.execute(
        "SELECT f.path, count(*), count(n.published_at) FROM marts.news_features AS n "
        "JOIN raw.landed_files AS f ON f.sha256 = n._file_sha256 WHERE f.format = ? AND n.label IS NOT NULL "
        "GROUP BY f.path ORDER BY f.path", [holdout_format]).fetchall()
    if not rows:
        return None
    names = tuple(re.split(r"[\\/]", path)[-1] for path, _, _ in rows)
    stated = {m.group(1).lower() for name in names if (m := _AGREEMENT.search(name))}
    agreement = None
    if len(stated) == 1:  # files stating two levels mix them: none is said
        level = stated.pop()
        agreement = level if level == "all" else f"{level}%"
    return ReferenceCorpus(names, agreement, sum(r[1] for r in rows), sum(r[2] for r in rows))
