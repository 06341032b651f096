"""Aggregation of billing lines larger than memory: kamlib.aggregate vs a bare DuckDB GROUP BY.

Data: ``--lines`` billing lines (default 50 million) over ``--accounts`` accounts (5
million), written once to one Parquet file (account_id text, month, product, revenue),
the shape of an export of itemised bills. Each method runs in a fresh process, so its
peak RSS is its own (VmHWM of the new image: ``ru_maxrss`` would carry the forking
parent's size across exec); the best time of ``--repeat`` runs is kept.

- baseline: DuckDB ``SELECT account_id, SUM(revenue) ... GROUP BY 1``, fetched to pandas;
- kamlib: ``kamlib.aggregate(path, by=["account_id"])`` (checks, casts, sorted result).

Goal (issue #7): kamlib within 1.3x of the baseline, peak memory under 2 GB.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import machine, report

BASELINE = """
import duckdb, sys, time
t0 = time.perf_counter()
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
df = con.execute("SELECT account_id, SUM(revenue) AS revenue FROM read_parquet(?) GROUP BY 1",
                 [sys.argv[1]]).df()
print(time.perf_counter() - t0, int([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]), len(df))
"""
KAMLIB = """
import sys, time
import kamlib
t0 = time.perf_counter()
df = kamlib.aggregate(sys.argv[1], by=["account_id"])
print(time.perf_counter() - t0, int([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]), len(df))
"""


def generate(path: Path, lines: int, accounts: int, seed: int = 0) -> None:
    """Billing lines in chunks, straight to Parquet (never all in memory)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    products = pa.array(["mobile", "broadband", "fixed_voice", "leased_line", "cloud_idc"])
    months = pa.array([f"2025-{m:02d}" for m in range(1, 13)])
    chunk = 5_000_000
    writer = None
    for start in range(0, lines, chunk):
        n = min(chunk, lines - start)
        ids = pc.cast(pa.array(rng.integers(0, accounts, n)), pa.string())
        t = pa.table(
            {
                "account_id": pc.binary_join_element_wise("A", ids, ""),
                "month": pc.take(months, pa.array(rng.integers(0, 12, n))),
                "product": pc.take(products, pa.array(rng.integers(0, 5, n))),
                "revenue": pa.array(rng.lognormal(4.0, 1.0, n).round(2)),
            }
        )
        writer = writer or pq.ParquetWriter(path, t.schema)
        writer.write_table(t)
    assert writer is not None
    writer.close()


def run(code: str, path: Path) -> tuple[float, float, int]:
    r = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    )
    secs, rss_kb, rows = r.stdout.splitlines()[-1].split()
    return float(secs), int(rss_kb) / 1024**2, int(rows)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=50_000_000)
    ap.add_argument("--accounts", type=int, default=5_000_000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "aggregate.json"))
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lines.parquet"
        t0 = time.perf_counter()
        generate(path, a.lines, a.accounts)
        gen = time.perf_counter() - t0
        base = [run(BASELINE, path) for _ in range(a.repeat)]
        kam = [run(KAMLIB, path) for _ in range(a.repeat)]
        size = path.stat().st_size
    b, k = min(base), min(kam)
    assert b[2] == k[2], "both must find the same number of accounts"
    res = {
        "benchmark": "aggregate",
        "lines": a.lines,
        "accounts found": k[2],
        "parquet file (MB)": round(size / 1e6),
        "machine": machine(),
        "generation (s)": round(gen, 1),
        "baseline DuckDB GROUP BY (s)": round(b[0], 2),
        "kamlib.aggregate (s)": round(k[0], 2),
        "ratio": round(k[0] / b[0], 2),
        "peak RSS baseline (GB)": round(max(x[1] for x in base), 2),
        "peak RSS kamlib (GB)": round(max(x[1] for x in kam), 2),
        "goal ratio": 1.3,
        "goal peak (GB)": 2.0,
    }
    return report(res, a.out)


if __name__ == "__main__":
    main()
