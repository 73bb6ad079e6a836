"""Ingest the full SBA national file (899,164 rows x 27) into a fresh lake and, in the same run, the
plain baseline a user would write (pandas read_csv into DuckDB: no lineage, no quarantine, no typing).

Each side runs in its own fresh child process; the figures are wall time, rows/s and that child's
peak RSS (resource.getrusage(RUSAGE_SELF).ru_maxrss, read by the child when it is done).

    python benchmarks/ingest_sba.py [path/to/sba_national.csv.gz]
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import sys
import tempfile
import time
from pathlib import Path

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "loans" / "sba_national.csv.gz"


def _usage() -> tuple[float, float]:
    """(CPU seconds user+system, peak RSS GiB) of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 2**20  # Linux reports KiB


def _ours(path: str, lake: str, queue) -> None:
    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.loan_formats import parse_loan_file
    from risk_assets.lib.lake import connect

    folder = Path(lake).parent / "landing"
    folder.mkdir()
    (folder / Path(path).name).symlink_to(path)
    start = time.perf_counter()
    with connect(lake) as con:
        report = land_folder(con, folder, "loans", parse_loan_file, "benchmark", asset="raw_loans")
    outcome = report.files[0]
    queue.put((time.perf_counter() - start, outcome.rows_loaded + outcome.rows_quarantined, *_usage()))


def _baseline(path: str, lake: str, queue) -> None:
    import duckdb
    import pandas as pd

    start = time.perf_counter()
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    con = duckdb.connect(lake)
    con.execute("CREATE TABLE sba AS SELECT * FROM frame")
    con.close()
    queue.put((time.perf_counter() - start, len(frame), *_usage()))


def _measure(target, path: Path) -> tuple[float, int, float, float]:
    """(wall seconds, rows, CPU seconds, peak RSS GiB) of `target` run in a fresh child process.
    CPU seconds include the imports; wall seconds start after them."""
    with tempfile.TemporaryDirectory() as tmp:
        queue = mp.get_context("spawn").Queue()
        child = mp.get_context("spawn").Process(target=target, args=(str(path), str(Path(tmp) / "lake.duckdb"), queue))
        child.start()
        result = queue.get()
        child.join()
    return result


def main() -> int:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else DEFAULT).resolve()
    results = {}
    for name, target in (("pandas baseline", _baseline), ("risk_assets landing", _ours)):
        results[name] = _measure(target, path)
    print(f"{'':22} {'rows':>9} {'wall s':>7} {'rows/s':>9} {'CPU s':>6} {'peak RSS':>10}")
    for name, (seconds, rows, cpu, peak) in results.items():
        print(f"{name:22} {rows:>9,} {seconds:>7.1f} {rows / seconds:>9,.0f} {cpu:>6.1f} {peak:>6.2f} GiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
