"""Real labelled news for the sentiment tests: Financial PhraseBank parsed by the news parser."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import polars as pl

from risk_assets.lib.ingest.news_formats import parse_news_file
from risk_assets.lib.ml.sentiment import LABELS
from risk_assets.lib.ml.sentiment_data import dedupe_key

TXT = "news/financial_phrasebank_50agree.txt"
CSV = "news/financial_phrasebank_all.csv"
COLUMNS = ["doc_id", "text_clean", "label", "holdout_eligible"]


@cache
def parsed_rows(path: Path) -> pl.DataFrame:
    """Loaded rows of one news file (columns of raw.news), parsed once per test session."""
    return parse_news_file(path).rows


def phrasebank_docs(data_dir: Path) -> pl.DataFrame:
    """Both PhraseBank files as labelled rows: the 50agree file's rows holdout-eligible, the CSV's not."""
    txt = parsed_rows(data_dir / TXT).with_columns(holdout_eligible=pl.lit(True))
    csv = parsed_rows(data_dir / CSV).with_columns(holdout_eligible=pl.lit(False))
    return pl.concat([txt.select(COLUMNS), csv.select(COLUMNS)])


def small_docs(data_dir: Path, per_label: int = 24) -> pl.DataFrame:
    """The first `per_label` sentences of each label of the 50agree file, plus their CSV copies."""
    docs = phrasebank_docs(data_dir)
    txt = docs.filter(pl.col("holdout_eligible"))
    picked = pl.concat([txt.filter(pl.col("label") == label).head(per_label) for label in LABELS])
    keys = {dedupe_key(t) for t in picked["text_clean"]}
    copies = docs.filter(~pl.col("holdout_eligible")).filter(
        pl.col("text_clean").map_elements(dedupe_key, return_dtype=pl.String).is_in(keys)
    )
    return pl.concat([picked, copies])
