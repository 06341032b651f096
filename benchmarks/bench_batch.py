"""A batch of branch reports vs executing a trivial notebook as often, and the same batch
on a 2-worker Dask LocalCluster; then the runner's memory on 200 branches.

Data: the sample-operator generator with ``--branches`` equal branches of
``--per-branch`` accounts, written as canonical CSV. Measured in one run:

- kamlib: ``run_reports`` for every branch (prepare once, notebook, HTML, Excel, metrics,
  index), ``--jobs 2``;
- baseline: papermill executing a one-cell notebook once per branch, 2 at a time;
- the same batch on a ``LocalCluster(n_workers=2)`` via ``scheduler=``;
- the runner's peak RSS on 20 and on 200 branches (the 200 with a one-cell report
  notebook: the runner's memory does not depend on what the notebook does).

Goals (issue #7): within 2x the baseline, 20 reports in under 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import multiprocessing
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from _common import machine, report
from nbformat.v4 import new_code_cell, new_notebook

import kamlib
from kamlib.runner import run_reports

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


def baseline(nb: Path, n: int, tmp: Path) -> float:
    t0 = time.perf_counter()
    ctx = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(2, mp_context=ctx) as pool:
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


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--branches", type=int, default=20)
    ap.add_argument("--per-branch", type=int, default=100)
    ap.add_argument("--many", type=int, default=200)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "batch.json"))
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        data = operator(tmp, a.branches, a.per_branch, "op")
        nb = trivial_notebook(tmp / "trivial.ipynb")
        base = baseline(nb, a.branches, tmp)
        t0 = time.perf_counter()
        local = run_reports(data, out=tmp / "local", jobs=2, progress=False)
        t_local = time.perf_counter() - t0
        from distributed import LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster:
            t0 = time.perf_counter()
            dist = run_reports(
                data, out=tmp / "dask", scheduler=cluster.scheduler_address, progress=False
            )
            t_dask = time.perf_counter() - t0
        same = all(
            (tmp / "local" / r.folder / "metrics.json").read_text()
            == (tmp / "dask" / r.folder / "metrics.json").read_text()
            for r in local.results
        )
        many = operator(tmp, a.many, 10, "many")
        rss_few = runner_rss(data, tmp / "few-trivial", nb)
        rss_many = runner_rss(many, tmp / "many-trivial", nb)
    res = {
        "benchmark": "batch",
        "machine": machine() + ", 2 workers",
        "branches": a.branches,
        "accounts per branch": a.per_branch,
        "failed": len(local.failed) + len(dist.failed),
        "baseline: one-cell notebook x branches (s)": round(base, 1),
        "kamlib reports, local runner (s)": round(t_local, 1),
        "ratio local / baseline": round(t_local / base, 2),
        "kamlib reports, 2-worker LocalCluster (s)": round(t_dask, 1),
        "ratio cluster / local": round(t_dask / t_local, 2),
        "cluster metrics identical to local": same,
        f"runner peak RSS, {a.branches} branches (MB)": round(rss_few[0]),
        f"runner peak RSS, {a.many} branches (MB)": round(rss_many[0]),
        f"{a.many} one-cell branches: failed, seconds": [rss_many[1], round(rss_many[2], 1)],
        "goal ratio": 2.0,
        "goal seconds for 20 reports": 60,
    }
    return report(res, a.out)


if __name__ == "__main__":
    main()
