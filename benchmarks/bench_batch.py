"""A batch of branch reports vs executing a trivial notebook as often, vs the loop a user
would script, vs the report computed with no notebook at all; the batch at several worker
counts and on a Dask LocalCluster; then the runner's memory on 200 branches.

Data: the sample-operator generator with ``--branches`` equal branches of
``--per-branch`` accounts, written as canonical CSV, and prepared once
(``kamlib.prepare``: one Parquet folder per branch, what the runner's notebooks read).
``W`` is the largest of ``--workers``. Measured in one run:

- kamlib: ``run_reports`` on the CSV (prepare, notebooks, HTML, Excel, metrics, the
  overview, index) with ``W`` workers;
- baseline: papermill executing a one-cell notebook once per branch, ``W`` at a time;
- the same batch on a ``LocalCluster(n_workers=W)`` via ``scheduler=``;
- scaling: ``run_reports`` on the prepared folder (branch reports only) with each count
  of ``--workers``: wall seconds, and a worker's seconds per report (the sum of the
  reports' wall times / reports; it grows with the workers when they contend), with
  where each report's time went (the runner's phases, each notebook cell) and the
  submitting process's own seconds;
- the plain loop a user would script without kamlib's runner, on the prepared folder:
  the ``papermill`` command once per branch with the runner's parameters, then
  ``jupyter nbconvert --to html --no-input``; one branch after the other, and ``W`` at
  a time;
- the floor: in ``W`` processes with no kernel, per branch what the notebook does
  (``setup_notebook``, ``load``, ``build_report``, ``show`` with every table and
  picture rendered, ``write``: metrics.json, tables.xlsx, account plans); the runner's
  overhead is the runner's time over this;
- the runner's peak RSS on 20 and on 200 branches (the 200 with a one-cell report
  notebook: the runner's memory does not depend on what the notebook does).

Goals: within 2x the baseline, 20 reports in under 60 s on 2 cores (issue #7); several
times faster than the plain loop; 16 workers at least 6x faster than 2 on 48 branches of
200 accounts (issue #22: ``--workers 2 16 --branches 48 --per-branch 200``, on a machine
with 16 cores).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import io
import json
import multiprocessing
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nbformat
from _common import machine, report
from nbformat.v4 import new_code_cell, new_notebook

import kamlib
from kamlib.runner import notebook_path, run_reports

KERNEL = {"name": "kamlib", "display_name": "kamlib", "language": "python"}


def trivial_notebook(path: Path) -> Path:
    nb = new_notebook(
        cells=[
            new_code_cell(
                'branch = ""\ndata = ""\nmapping = ""\nlang = "en"\noutput_dir = ""',
                metadata={"tags": ["parameters"]},
            ),
            new_code_cell("1 + 1"),
        ],
        metadata={"kernelspec": KERNEL},
    )
    nbformat.write(nb, path)
    return path


def _papermill_once(args: tuple[str, str]) -> None:
    import papermill as pm

    nb, out = args
    pm.execute_notebook(
        nb,
        out,
        kernel_name="kamlib",
        progress_bar=False,
        log_output=False,
        extra_arguments=["--IPKernelApp.log_level=CRITICAL"],  # as the runner does
    )


def baseline(nb: Path, n: int, tmp: Path, workers: int = 2) -> float:
    t0 = time.perf_counter()
    ctx = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        list(pool.map(_papermill_once, [(str(nb), str(tmp / f"t{i}.ipynb")) for i in range(n)]))
    return time.perf_counter() - t0


def runner_rss(data: Path, out: Path, nb: Path) -> tuple[float, int, float]:
    """Peak RSS (MB) of a fresh process running the whole batch, failures, seconds."""
    code = (
        "import time\nfrom kamlib.runner import run_reports\n"
        "t0 = time.perf_counter()\n"
        f"s = run_reports({str(data)!r}, out={str(out)!r}, notebook={str(nb)!r}, jobs=2,"
        " progress=False)\n"
        "print(int([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]), len(s.failed),"
        " time.perf_counter() - t0)\n"
        "print([(r.branch, r.error) for r in s.failed][:3])"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(r.stderr[-3000:])
    rss, failed, secs = r.stdout.splitlines()[-2].split()
    if int(failed):
        print("failed:", r.stdout.splitlines()[-1], file=sys.stderr)
    return int(rss) / 1024, int(failed), float(secs)


def operator(tmp: Path, branches: int, per: int, name: str) -> Path:
    shares = {f"City{i:03d}": 1 / branches for i in range(branches)}
    op = kamlib.synth(branches * per, seed=7, branches=shares)
    kamlib.write_book(op.book, tmp / name)
    return tmp / name


def _bin(name: str) -> str:
    """A command of this Python's environment (the venv's papermill, jupyter)."""
    return str(Path(sys.executable).parent / name)


def _plain_one(args: tuple[str, str, str, str]) -> bool:
    """One branch as a user's script does it: the papermill command with the parameters
    the runner passes, then nbconvert's command for the HTML without code."""
    nb, data, branch, folder = args
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    executed = out / "report.ipynb"
    run = [
        _bin("papermill"),
        nb,
        str(executed),
        "-k",
        "kamlib",
        "--cwd",
        str(Path(nb).parent),
        "--no-progress-bar",
        "-p",
        "branch",
        branch,
        "-p",
        "data",
        data,
        "-p",
        "mapping",
        "",
        "-p",
        "lang",
        "en",
        "-p",
        "output_dir",
        str(out),
    ]
    export = [_bin("jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)]
    for cmd in (run, export):
        if subprocess.run(cmd, capture_output=True).returncode:
            return False
    return (out / "report.html").is_file() and (out / "metrics.json").is_file()


def plain_loop(data: Path, branches: list[str], out: Path, workers: int) -> tuple[float, int]:
    """Seconds for every branch, ``workers`` at a time (1: one after the other), failures."""
    nb = str(notebook_path())
    jobs = [(nb, str(data), b, str(out / b)) for b in branches]
    t0 = time.perf_counter()
    with cf.ThreadPoolExecutor(workers) as pool:  # each job is two commands: threads suffice
        ok = list(pool.map(_plain_one, jobs))
    return time.perf_counter() - t0, ok.count(False)


def _floor_one(args: tuple[str, str, str]) -> dict[str, float]:
    """One branch's report with no kernel: what the notebook's cells call, in this
    process (the tables and pictures rendered as the notebook shows them)."""
    import matplotlib

    matplotlib.use("agg")  # what the kernel's inline backend draws with
    data, branch, out = args
    ph: dict[str, float] = {}
    t = time.perf_counter()
    kamlib.setup_notebook("en")
    ph["setup_notebook"] = time.perf_counter() - t
    t = time.perf_counter()
    book = kamlib.load(data, branch=branch)
    ph["load"] = time.perf_counter() - t
    t = time.perf_counter()
    rep = kamlib.build_report(book, branch, lang="en")
    ph["build_report"] = time.perf_counter() - t
    t = time.perf_counter()
    # outside IPython, display() prints what it would show: the rendered tables and
    # PNG pictures, thrown away here
    with contextlib.redirect_stdout(io.StringIO()):
        rep.show()
    ph["show"] = time.perf_counter() - t
    t = time.perf_counter()
    rep.write(out)
    ph["write"] = time.perf_counter() - t
    return ph


def floor(data: Path, branches: list[str], out: Path, workers: int) -> tuple[float, dict]:
    """Seconds for every branch's report with no notebook, ``workers`` processes (their
    start and imports included, as the runner's include its kernels'), mean phases."""
    t0 = time.perf_counter()
    ctx = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        phases = list(pool.map(_floor_one, [(str(data), b, str(out / b)) for b in branches]))
    secs = time.perf_counter() - t0
    mean = {k: round(sum(p[k] for p in phases) / len(phases), 3) for k in phases[0]}
    return secs, mean


def _cell_names(nb: Path) -> list[str]:
    """Each code cell's first line of code (its name in the figures)."""
    cells = nbformat.read(nb, as_version=4).cells
    names = []
    for c in cells:
        if c.cell_type == "code":
            lines = [x for x in c.source.splitlines() if x and not x.startswith("#")]
            names.append((lines[0] if lines else "")[:48])
    return names


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else 0.0


def scaling(prepared: Path, out: Path, workers: int) -> dict[str, Any]:
    """The branch reports of a prepared folder with ``workers`` workers, and where the
    time went."""
    t0 = time.perf_counter()
    s = run_reports(prepared, out=out, jobs=workers, progress=False, overview=False)
    wall = time.perf_counter() - t0
    rs = [r for r in s.results if r.status == "done"]
    first = [r for r in rs if "kernel_start" in r.phases]  # a worker's first report
    warm = [r for r in rs if "kernel_start" not in r.phases]
    names = _cell_names(notebook_path())
    phases = sorted({k for r in rs for k in r.phases if k != "queued"})

    def means(group: list[Any]) -> dict[str, float]:
        return {k: round(_mean([r.phases.get(k, 0.0) for r in group]), 3) for k in phases}

    cells: dict[str, float] = {}
    for i, name in enumerate(names):
        ts = [r.cells[i] for r in warm if len(r.cells) == len(names)]
        cells[f"{i}: {name}"] = round(_mean(ts), 3)
    return {
        "workers": workers,
        "reports": len(rs),
        "failed": len(s.failed),
        "wall (s)": round(wall, 1),
        "a worker's seconds per report (sum of report wall times / reports)": round(
            _mean([r.seconds for r in rs]), 2
        ),
        "the same, warm kernel (a worker's later reports)": round(
            _mean([r.seconds for r in warm]), 2
        ),
        "the same, a worker's first report (kernel start)": round(
            _mean([r.seconds for r in first]), 2
        ),
        "phases per warm report (s)": means(warm),
        "phases per first report (s)": means(first),
        "cells per warm report (s)": cells,
        "submitting process (s)": {k: round(v, 2) for k, v in s.timings.items()},
        "submitting process CPU per report (s)": round(
            s.timings.get("cpu", 0) / max(1, len(rs)), 3
        ),
    }


def _same_metrics(a: Path, b: Path, folders: list[str]) -> bool:
    def metrics(d: Path) -> Any:
        return json.loads((d / "metrics.json").read_text())

    return all(metrics(a / f) == metrics(b / f) for f in folders)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--branches", type=int, default=20)
    ap.add_argument("--per-branch", type=int, default=100)
    ap.add_argument("--many", type=int, default=200)
    ap.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[1, 2],
        help="worker counts to run the prepared batch with (the largest for the rest)",
    )
    ap.add_argument(
        "--skip",
        nargs="*",
        default=[],
        choices=["baseline", "csv", "dask", "plain", "plain-serial", "floor", "rss"],
        help="parts not to run (e.g. plain-serial on a large machine)",
    )
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "batch.json"))
    a = ap.parse_args(argv)
    w = max(a.workers)
    skip = set(a.skip)
    res: dict[str, Any] = {
        "benchmark": "batch",
        "machine": machine() + f", {w} workers",
        "branches": a.branches,
        "accounts per branch": a.per_branch,
        "workers": a.workers,
    }
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        data = operator(tmp, a.branches, a.per_branch, "op")
        t0 = time.perf_counter()
        prepared = tmp / "prepared"
        kamlib.prepare(data, prepared)
        res["prepare, once (s)"] = round(time.perf_counter() - t0, 1)
        branches = [f"City{i:03d}" for i in range(a.branches)]
        failed = 0
        if "baseline" not in skip:
            nb = trivial_notebook(tmp / "trivial.ipynb")
            base = baseline(nb, a.branches, tmp, w)
            res["baseline: one-cell notebook x branches (s)"] = round(base, 1)
        if "csv" not in skip:
            t0 = time.perf_counter()
            local = run_reports(data, out=tmp / "local", jobs=w, progress=False)
            t_local = time.perf_counter() - t0
            failed += len(local.failed)
            res["kamlib reports, local runner (s)"] = round(t_local, 1)
            if "baseline" not in skip:
                res["ratio local / baseline"] = round(t_local / base, 2)
        if "dask" not in skip:
            from distributed import LocalCluster

            with LocalCluster(n_workers=w, threads_per_worker=1, processes=True) as cluster:
                t0 = time.perf_counter()
                dist = run_reports(
                    data, out=tmp / "dask", scheduler=cluster.scheduler_address, progress=False
                )
                t_dask = time.perf_counter() - t0
            failed += len(dist.failed)
            res[f"kamlib reports, {w}-worker LocalCluster (s)"] = round(t_dask, 1)
            if "csv" not in skip:
                res["ratio cluster / local"] = round(t_dask / t_local, 2)
                res["cluster metrics identical to local"] = _same_metrics(
                    tmp / "dask", tmp / "local", [r.folder for r in local.results]
                )
        runs = []
        for n in a.workers:
            runs.append(scaling(prepared, tmp / f"w{n}", n))
            failed += runs[-1]["failed"]
        res["scaling: prepared data, branch reports only"] = runs
        by = {r["workers"]: r for r in runs}
        t_w = by[w]["wall (s)"]
        if len(runs) > 1:
            lo = min(a.workers)
            res[f"speed-up {w} workers / {lo}"] = round(by[lo]["wall (s)"] / t_w, 2)
            key = "a worker's seconds per report (sum of report wall times / reports)"
            res[f"a worker's seconds per report, {w} vs {lo} workers"] = round(
                by[w][key] / by[lo][key], 2
            )
        if "plain" not in skip:
            modes = [w] if "plain-serial" in skip else [1, w] if w > 1 else [1]
            for n in modes:
                secs, bad = plain_loop(prepared, branches, tmp / f"plain{n}", n)
                failed += bad
                res[f"plain loop: papermill + nbconvert commands, {n} at a time (s)"] = round(
                    secs, 1
                )
                res[f"ratio runner ({w} workers) / plain loop {n} at a time"] = round(t_w / secs, 2)
            res["plain loop metrics identical to runner"] = _same_metrics(
                tmp / f"plain{modes[-1]}", tmp / f"w{w}", branches
            )
        if "floor" not in skip:
            secs, phases = floor(prepared, branches, tmp / "floor", w)
            res[f"floor: the reports in-process, no kernel, {w} processes (s)"] = round(secs, 1)
            res["floor phases per report (s)"] = phases
            res[f"notebook machinery overhead: runner ({w} workers) / floor"] = round(t_w / secs, 2)
            res["floor metrics identical to runner"] = _same_metrics(
                tmp / "floor", tmp / f"w{w}", branches
            )
        if "rss" not in skip:
            nb = trivial_notebook(tmp / "trivial.ipynb")
            many = operator(tmp, a.many, 10, "many")
            rss_few = runner_rss(data, tmp / "few-trivial", nb)
            rss_many = runner_rss(many, tmp / "many-trivial", nb)
            res[f"runner peak RSS, {a.branches} branches (MB)"] = round(rss_few[0])
            res[f"runner peak RSS, {a.many} branches (MB)"] = round(rss_many[0])
            res[f"{a.many} one-cell branches: failed, seconds"] = [
                rss_many[1],
                round(rss_many[2], 1),
            ]
    res["failed"] = failed
    res["goal ratio"] = 2.0
    res["goal seconds for 20 reports"] = 60
    res["goal speed-up 16 workers / 2 (48 x 200 accounts, 16 cores)"] = 6.0
    return report(res, a.out)


if __name__ == "__main__":
    main()
