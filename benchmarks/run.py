"""Run every benchmark (`make bench`); each writes its figures to benchmarks/results/."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import bench_aggregate
import bench_analytics
import bench_batch
import bench_load

if __name__ == "__main__":
    t0 = time.perf_counter()
    for bench in (bench_analytics, bench_load, bench_aggregate, bench_batch):
        bench.main([])
    print(f"all benchmarks: {time.perf_counter() - t0:.0f} s")
