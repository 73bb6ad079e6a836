"""Inference speed of the news sentiment model beside the plain transformers pipeline, same sentences.

Ours: `SentimentModel.predict` (windows sorted by length, each batch padded to its own longest
window, pooling, head, softmax). Baseline: `transformers.pipeline("feature-extraction")`
on the same packaged MiniLM encoder, same batch size and token limit, which is what a user gets
from the library without our batching (it returns token vectors; pooling and the head, which cost
next to nothing, are not added). Both run on the CPU, and on the GPU too when one is present;
figures are sentences per second after one warm-up batch.

    python benchmarks/sentiment_inference.py [--artifact FOLDER] [--sentences N] [--batch-size B]

Without --artifact, the champion of news_sentiment in $RISK_HOME's lake is used; without one, the
packaged encoder with an untrained head (speed does not depend on the weights).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import risk_assets  # noqa: F401  (offline switches)
from risk_assets.lib.home import RiskHome, sample_dir
from risk_assets.lib.ingest.news_formats import parse_news_file
from risk_assets.lib.lake import connect
from risk_assets.lib.ml import registry
from risk_assets.lib.ml.sentiment import (
    MODEL_NAME,
    SentimentModel,
    SentimentTrainConfig,
    encoder_path,
    load_sentiment_model,
    new_classifier,
)


def _sentences(n: int) -> list[str]:
    folder = sample_dir()
    if folder is None:
        raise SystemExit("no sample data: set RISK_SAMPLE_DIR to a folder with news/financial_phrasebank_50agree.txt")
    texts = parse_news_file(folder / "news" / "financial_phrasebank_50agree.txt").rows["text_clean"].to_list()
    return (texts * (n // len(texts) + 1))[:n]


def _our_model(artifact: Path | None, device: str, batch_size: int) -> tuple[SentimentModel, str]:
    if artifact is None:
        home = RiskHome.from_env()
        if home.lake_path.exists():
            with connect(home.lake_path, read_only=True) as con:
                row = registry.champion(con, MODEL_NAME)
            artifact = Path(row["artifact_path"]) if row else None
    if artifact is not None:
        model = load_sentiment_model(artifact, device=device)
        model.batch_size = batch_size
        return model, f"artifact {artifact}"
    from transformers import AutoTokenizer

    config = SentimentTrainConfig()
    model = SentimentModel(new_classifier(config.dropout), AutoTokenizer.from_pretrained(encoder_path()), config.max_tokens,
                           config.max_chunks, config.chunk_stride, device, batch_size=batch_size)
    return model, "packaged encoder, untrained head"


def _rate(run, texts: list[str], batch_size: int) -> float:
    run(texts[:batch_size])  # warm-up
    start = time.perf_counter()
    run(texts)
    return len(texts) / (time.perf_counter() - start)


def _padding(lengths: list[int], batch_size: int) -> float:
    """Tokens a forward pass computes per real token when batches of batch_size, in this order, are
    padded to their longest member."""
    computed = sum(len(b) * max(b) for b in (lengths[i:i + batch_size] for i in range(0, len(lengths), batch_size)))
    return computed / sum(lengths)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artifact", type=Path, default=None)
    parser.add_argument("--sentences", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()

    import torch
    from transformers import pipeline

    texts = _sentences(args.sentences)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    print(f"{len(texts)} Financial PhraseBank sentences, batch {args.batch_size}, torch threads {torch.get_num_threads()}")
    for device in devices:
        model, source = _our_model(args.artifact, device, args.batch_size)
        plain = pipeline("feature-extraction", model=str(encoder_path()), device=device)
        ours = _rate(model.predict, texts, args.batch_size)
        baseline = _rate(lambda batch: plain(batch, batch_size=args.batch_size, truncation=True,
                                             max_length=model.max_tokens, return_tensors=True),
                         texts, args.batch_size)
        print(f"{device}: ours {ours:8.1f} sentences/s ({source})")
        print(f"{device}: transformers pipeline {baseline:8.1f} sentences/s  -> ours x{ours / baseline:.2f}")
    lengths = [min(len(ids), model.max_tokens) for ids in model.tokenizer(texts)["input_ids"]]
    print(f"tokens computed per real token: ours {_padding(sorted(lengths), args.batch_size):.2f}, "
          f"pipeline {_padding(lengths, args.batch_size):.2f}")


if __name__ == "__main__":
    main()
