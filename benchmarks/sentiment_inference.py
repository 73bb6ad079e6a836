"""Inference speed of the news sentiment model beside the plain transformers pipeline, same sentences.

Ours: `SentimentModel.predict` (windows sorted by length, each batch padded to its own longest
window, pooling, head, softmax). Baseline: `transformers.pipeline("feature-extraction")`
on the same packaged MiniLM encoder, same batch size and token limit, which is what a user gets
from the library without our batching (it returns token vectors; pooling and the head, which cost
next to nothing, are not added). Both run on the CPU, and on the GPU too when one is present;
figures are sentences per second after one warm-up batch, for a first pass over the
sentences and a second.

    python benchmarks/sentiment_inference.py [--artifact FOLDER] [--texts FILE] [--sentences N]
                                             [--batch-size B]

Without --artifact, the champion of news_sentiment in $RISK_HOME's lake is used; without one, the
packaged encoder with an untrained head (speed does not depend on the weights). Without --texts, the
sample's Financial PhraseBank sentences; with it, a UTF-8 file of your own texts, one per line
(repeated or cut to N either way). With both given, neither the lake nor the sample is read.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import risk_assets  # noqa: F401  (offline switches)
from risk_assets.lib.home import RiskHome, sample_dir
from risk_assets.lib.ml.sentiment import (
    MODEL_NAME,
    SentimentModel,
    SentimentTrainConfig,
    encoder_path,
    load_sentiment_model,
    new_classifier,
)


def _sentences(n: int, path: Path | None) -> tuple[list[str], str]:
    """n texts (the source's texts repeated or cut) and a description of where they came from."""
    if path is not None:
        texts = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if not texts:
            raise SystemExit(f"{path}: no text in it (one text per line)")
        source = f"texts of {path}"
    else:
        from risk_assets.lib.ingest.news_formats import parse_news_file

        folder = sample_dir()
        if folder is None:
            raise SystemExit("no sample data: set RISK_SAMPLE_DIR to a folder with news/financial_phrasebank_50agree.txt, "
                             "or give --texts FILE")
        texts = parse_news_file(folder / "news" / "financial_phrasebank_50agree.txt").rows["text_clean"].to_list()
        source = "Financial PhraseBank sentences"
    return (texts * (n // len(texts) + 1))[:n], source


def _our_model(artifact: Path | None, device: str, batch_size: int) -> tuple[SentimentModel, str]:
    if artifact is None:
        home = RiskHome.from_env()
        if home.lake_path.exists():
            from risk_assets.lib.lake import connect
            from risk_assets.lib.ml import registry

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


def _rate(run, texts: list[str], batch_size: int) -> tuple[float, float]:
    """Sentences/s of run(texts): the first pass after a one-batch warm-up, then a second pass.

    The first pass meets most batch shapes (lengths) for the first time; on a GPU each new shape
    can cost a kernel choice, so the first pass is what one scoring run of new text gets and the
    second what a long-lived process gets."""
    run(texts[:batch_size])  # warm-up
    rates = []
    for _ in range(2):
        start = time.perf_counter()
        run(texts)
        rates.append(len(texts) / (time.perf_counter() - start))
    return rates[0], rates[1]


def _padding(lengths: list[int], batch_size: int) -> float:
    """Tokens a forward pass computes per real token when batches of batch_size, in this order, are
    padded to their longest member."""
    computed = sum(len(b) * max(b) for b in (lengths[i:i + batch_size] for i in range(0, len(lengths), batch_size)))
    return computed / sum(lengths)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artifact", type=Path, default=None)
    parser.add_argument("--texts", type=Path, default=None, help="UTF-8 file, one text per line")
    parser.add_argument("--sentences", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()

    import torch
    from transformers import pipeline

    texts, described = _sentences(args.sentences, args.texts)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    print(f"{len(texts)} {described}, batch {args.batch_size}, torch threads {torch.get_num_threads()}")
    for device in devices:
        model, source = _our_model(args.artifact, device, args.batch_size)
        plain = pipeline("feature-extraction", model=str(encoder_path()), device=device)
        ours = _rate(model.predict, texts, args.batch_size)
        baseline = _rate(lambda batch: plain(batch, batch_size=args.batch_size, truncation=True,
                                             max_length=model.max_tokens, return_tensors=True),
                         texts, args.batch_size)
        where = f"{device} ({torch.cuda.get_device_name(0)}, bf16 autocast)" if device == "cuda" else device
        print(f"{where}: ours {ours[0]:8.1f} sentences/s first pass, {ours[1]:8.1f} second ({source})")
        print(f"{device}: transformers pipeline {baseline[0]:8.1f} first pass, {baseline[1]:8.1f} second"
              f"  -> ours x{ours[0] / baseline[0]:.2f} / x{ours[1] / baseline[1]:.2f}")
    lengths = [min(len(ids), model.max_tokens) for ids in model.tokenizer(texts)["input_ids"]]
    print(f"tokens computed per real token: ours {_padding(sorted(lengths), args.batch_size):.2f}, "
          f"pipeline {_padding(lengths, args.batch_size):.2f}")


if __name__ == "__main__":
    main()
