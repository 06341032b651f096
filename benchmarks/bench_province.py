"""A province: `kam report` on a generated operator of N accounts in B equal branches.

Issue #22: 2 million accounts in 5 branches, every report, under 10 minutes. The stages
are those of ``kam report DATA`` run one by one so each is timed: ``prepare`` of the CSV
folder (read, validate and split one branch at a time, :mod:`kamlib._split`; the
operator's totals, KPIs, churn-risk model and lifetime fits; its phases are in the
manifest), then the batch on the prepared folder (each branch report: notebook, HTML,
Excel, metrics; the operator overview unless ``--no-overview``; the index). The baseline,
in the same run, is a bare ``pyarrow.csv.read_csv`` of the same CSV files.

Generating the data is not timed; a folder made by an earlier run is reused (``--data``).
Not part of ``make bench``: at 400k accounts the run alone takes over 10 minutes here.

    python benchmarks/bench_province.py --accounts 2000000 --branches 5 --data /tmp/op2m \
        --no-overview
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _common import DescendantPeak, machine, report

RESULTS = Path(__file__).parent / "results" / "province.json"
CITIES = ["Beijing", "Hangzhou", "Kunming", "Hanzhong", "Suzhou", "Xian", "Wuhan", "Chengdu"]


def generate(folder: Path, accounts: int, branches: int) -> None:
    """The operator, written 200,000 accounts at a time (``write_synth``): generating
    400,000 in one piece peaked at 5.3 GB, so 2 million would not fit."""
    from kamlib.synth import write_synth

    names = CITIES[:branches] + [f"Branch {i}" for i in range(len(CITIES), branches)]
    write_synth(folder, accounts, seed=7, branches={b: 1 / branches for b in names}, chunk=200_000)


def bare_read(folder: Path) -> float:
    """Seconds for pyarrow to read every CSV table of the folder (nothing kept)."""
    import pyarrow.csv as pv

    t = time.perf_counter()
    for f in sorted(folder.glob("*.csv")):
        pv.read_csv(f)
    return time.perf_counter() - t


def cells(nb: Path, top: int = 6) -> dict[str, Any]:
    """The executed notebook's cell times (papermill's own per-cell durations)."""
    d = json.loads(nb.read_text("utf-8"))
    timed = []
    for c in d["cells"]:
        s = c.get("metadata", {}).get("papermill", {}).get("duration")
        if s is not None:
            first = "".join(c.get("source", "")).strip().splitlines()
            timed.append((float(s), first[0][:70] if first else ""))
    timed.sort(reverse=True)
    return {
        "cells_s": round(sum(s for s, _ in timed), 1),
        "slowest": [[round(s, 1), src] for s, src in timed[:top]],
    }


def main(argv: list[str]) -> dict[str, Any]:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=400_000)
    ap.add_argument("--branches", type=int, default=5)
    ap.add_argument("--data", help="the CSV folder (generated there when absent)")
    ap.add_argument("--out", help="where the reports go (default: a temporary folder)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=3600, help="seconds per report")
    ap.add_argument(
        "--overview",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="build the operator overview too (it reads the whole operator: not at 2M)",
    )
    args = ap.parse_args(argv)

    from kamlib import prepare
    from kamlib.runner import run_reports

    data = Path(args.data or tempfile.mkdtemp(prefix="province-data-"))
    t = time.perf_counter()
    if not (data / "accounts.csv").is_file():
        generate(data, args.accounts, args.branches)
    synth_s = time.perf_counter() - t
    csv_mb = sum(f.stat().st_size for f in data.glob("*.csv")) / 1e6
    out = Path(args.out or tempfile.mkdtemp(prefix="province-out-"))

    baseline = bare_read(data)
    t0 = time.perf_counter()
    prepared = out / ".prepared" / "bench"
    # kam report's own first step on a folder of CSV tables: read, validate and split
    # one branch at a time (kamlib._split), with the operator's figures and models
    prepare(data, prepared)
    t2 = time.perf_counter()
    manifest = json.loads((prepared / "kamlib-prepared.json").read_text("utf-8"))
    accounts = sum(manifest["accounts"].values())
    with DescendantPeak() as peak:
        summary = run_reports(
            prepared,
            out=out,
            jobs=args.jobs,
            force=True,
            progress=False,
            timeout=args.timeout,
            overview=args.overview,
        )
    t3 = time.perf_counter()
    load_hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    per_report = {}
    for r in [*summary.results, *([summary.overview] if summary.overview else [])]:
        nb = out / r.folder / "report.ipynb"
        per_report[r.branch] = {
            "status": r.status,
            "seconds": round(r.seconds, 1),
            "error": r.error,
            **(cells(nb) if nb.is_file() else {}),
        }
    total = t3 - t0
    res = {
        "machine": machine(),
        "accounts": accounts,
        "branches": args.branches,
        "csv_MB": round(csv_mb),
        "jobs": args.jobs,
        "generate_s (not counted)": round(synth_s, 1),
        "baseline_pyarrow_read_s": round(baseline, 1),
        "prepare_s (read, validate, split, operator models)": round(t2 - t0, 1),
        "prepare_phases_s": manifest.get("prepare_seconds"),
        "overview": args.overview,
        "reports_and_index_s": round(t3 - t2, 1),
        "total_s": round(total, 1),
        "total_vs_bare_read": round(total / baseline, 1),
        "goal_s": 600,
        "met": total < 600 and not summary.failed,
        "peak_main_GB (prepare)": round(load_hwm, 2),
        # sampled every half second (getrusage's children read 0.0: the warm workers
        # and their kernels are not waited for)
        "peak_largest_child_GB (a report kernel)": round(peak.largest_GB, 2),
        "peak_children_together_GB": round(peak.together_GB, 2),
        "reports": per_report,
        "failed": [r.branch for r in summary.failed],
    }
    if not args.out:
        shutil.rmtree(out, ignore_errors=True)
    if not args.data:
        shutil.rmtree(data, ignore_errors=True)
    return report(res, RESULTS)


if __name__ == "__main__":
    main(sys.argv[1:])
