"""Run every benchmark (`make bench`); each writes its figures to benchmarks/results/."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import bench_analytics

if __name__ == "__main__":
    bench_analytics.main([])
