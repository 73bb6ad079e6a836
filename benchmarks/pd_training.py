"""PD benchmark: training samples/s on CPU, and batch scoring rows/s over the full SBA tape, torch vs plain numpy.

Run: `python benchmarks/pd_training.py [--data ../shared/data]`. Prints, in one run:
1. the LendingClub 2007-2011 model with the default config (stratified 80/20, seed 0): holdout AUC
   and ECE beside the logistic-regression baseline, training seconds and samples/s;
2. the SBA model (train <= 2003, out-of-time holdout 2004-2006): the same figures;
3. scoring all 899,164 SBA loans: feature encoding (shared), then the torch forward pass vs the same
   forward pass in plain numpy from the exported weights, reading the encoded features row group by
   row group from Parquet; rows/s of each and the largest PD difference between the two.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from safetensors.numpy import load_file

from risk_assets.lib.ml.artifacts import WEIGHTS, save_artifact
from risk_assets.lib.ml.pd_model import load_pd_model
from risk_assets.lib.ml.reference_data import lendingclub_frame, sba_frame
from risk_assets.lib.ml.training import PDTrainConfig, artifact_meta, train_pd_model


def numpy_pd(weights: dict[str, np.ndarray], meta: dict, numeric: np.ndarray, categorical: np.ndarray) -> np.ndarray:
    """The ensemble's calibrated PD in plain numpy: embeddings, Linear + SiLU layers, mean logit, Platt."""
    arch = meta["architecture"]
    logits = []
    for m in range(arch["members"]):
        parts = [numeric] + [weights[f"{m}.embeddings.{i}.weight"][categorical[:, i]] for i in range(categorical.shape[1])]
        h = np.concatenate(parts, axis=1)
        layers = len(arch["hidden"])
        for layer in range(layers):
            h = h @ weights[f"{m}.mlp.{3 * layer}.weight"].T + weights[f"{m}.mlp.{3 * layer}.bias"]
            h = h / (1.0 + np.exp(-h))  # SiLU
        logits.append((h @ weights[f"{m}.mlp.{3 * layers}.weight"].T + weights[f"{m}.mlp.{3 * layers}.bias"])[:, 0])
    a, b = arch["platt"]
    return 1.0 / (1.0 + np.exp(-(a * np.mean(logits, axis=0) + b)))


def report(name: str, trained) -> None:
    split = trained.split.primary_holdout
    for s in [split] + (["holdout_in_time"] if "holdout_in_time" in trained.metrics else []):
        m, b = trained.metrics[s], trained.baseline_metrics[s]
        print(f"{name:12s} {s:16s} AUC {m['auc'].value:.4f} (baseline {b['auc'].value:.4f})  "
              f"ECE {m['ece'].value:.4f} (baseline {b['ece'].value:.4f})  base rate {m['base_rate'].value:.4f}")
    run = trained.run
    print(f"{name:12s} training {run['train_seconds']:.1f} s on {run['device']}, {run['samples_per_second']:.0f} samples/s, "
          f"epochs {[r['epochs'] for r in run['members']]}; rows {run['rows']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    args = parser.parse_args()
    config = PDTrainConfig()

    lc = lendingclub_frame(args.data / "loans" / "lendingclub_2007_2011.csv")
    report("lendingclub", train_pd_model(lc, "lendingclub", config))

    started = time.perf_counter()
    sba = sba_frame(args.data / "loans" / "sba_national.csv.gz")
    print(f"sba          read {len(sba)} loans in {time.perf_counter() - started:.1f} s")
    trained = train_pd_model(sba, "sba", config)
    report("sba", trained)
    print(f"sba          term alone on holdout_oot: AUC {trained.extra_metrics['term_only']['auc'].value:.4f}")

    with tempfile.TemporaryDirectory() as tmp:
        folder = save_artifact(Path(tmp), "loan_pd_sba", "bench", trained.scorer.tensors(), artifact_meta(trained, "loan_pd_sba", "bench"))
        scorer, meta = load_pd_model(folder)
        started = time.perf_counter()
        numeric, categorical = scorer.encoder.transform(sba)
        encode_s = time.perf_counter() - started
        started = time.perf_counter()
        torch_pd = scorer.calibrate(scorer.encoded_logits(numeric, categorical, batch_size=131072))
        torch_s = time.perf_counter() - started

        # the numpy path reads the encoded features row group by row group and needs only the exported weights
        table = pa.table({**{f"n{i}": numeric[:, i] for i in range(numeric.shape[1])},
                          **{f"c{i}": categorical[:, i] for i in range(categorical.shape[1])}})
        pq.write_table(table, Path(tmp) / "encoded.parquet", row_group_size=131072)
        weights = load_file(str(folder / WEIGHTS))
        started = time.perf_counter()
        parquet = pq.ParquetFile(Path(tmp) / "encoded.parquet")
        chunks = []
        for g in range(parquet.num_row_groups):
            group = parquet.read_row_group(g)
            num = np.column_stack([group[f"n{i}"].to_numpy() for i in range(numeric.shape[1])]).astype(np.float32)
            cat = np.column_stack([group[f"c{i}"].to_numpy() for i in range(categorical.shape[1])])
            chunks.append(numpy_pd(weights, meta, num, cat))
        numpy_s = time.perf_counter() - started
        numpy_pds = np.concatenate(chunks)
    n = len(sba)
    print(f"scoring      feature encoding (pandas, shared by both): {n / encode_s:,.0f} rows/s ({encode_s:.1f} s for {n} loans)")
    print(f"scoring      torch forward, 131,072-row batches:        {n / torch_s:,.0f} rows/s ({torch_s:.1f} s)")
    print(f"scoring      numpy forward, Parquet row groups:         {n / numpy_s:,.0f} rows/s ({numpy_s:.1f} s); "
          f"max |PD difference| {np.max(np.abs(numpy_pds - torch_pd)):.2e}")


if __name__ == "__main__":
    main()
