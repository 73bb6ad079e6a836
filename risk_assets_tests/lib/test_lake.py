"""The lake's single writer: a second writer waits, and says so as the wait starts."""

from __future__ import annotations

import subprocess
import sys
import time

from risk_assets.lib.lake import connect

HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def test_a_second_writer_says_who_holds_the_lake_and_waits_for_it(tmp_path):
    lake = tmp_path / "lake.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(lake), "2"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        said = []
        started = time.monotonic()
        with connect(lake, wait_seconds=60, on_wait=said.append) as con:
            waited = time.monotonic() - started
            assert con.execute("SELECT 1").fetchone() == (1,)
    finally:
        holder.wait(timeout=30)
    assert waited > 0.5  # it waited for the holder rather than failing
    (line,) = said
    assert line.startswith(f"{lake} is held by another writer (") and line.endswith("waiting up to 60 s for it to finish")
    assert f"PID {holder.pid}" in line
