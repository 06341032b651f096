"""Shared fixtures. Real data is found through KAMLIB_MAVEN_DIR (default: ../shared/data)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import kamlib

ROOT = Path(__file__).resolve().parents[1]
MAVEN_DIR = Path(
    os.environ.get("KAMLIB_MAVEN_DIR", ROOT.parent / "shared" / "data" / "maven_telecom_churn")
)
MAVEN_CSV = MAVEN_DIR / "telecom_customer_churn.csv"


def tiny_report(path: Path, body: str) -> Path:
    """A report notebook with the runner's parameters and one cell of ``body`` (fast: no
    analysis), for tests of the batch machinery."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(
        cells=[
            new_code_cell(
                'branch = ""\ndata = ""\nmapping = ""\nlang = "en"\noutput_dir = ""',
                metadata={"tags": ["parameters"]},
            ),
            new_code_cell(body),
        ],
        metadata={"kernelspec": {"name": "kamlib", "display_name": "kamlib", "language": "python"}},
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def one_account_per_branch(folder: Path, branches: list[str]) -> Path:
    """Canonical tables with one active account in each of ``branches``."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = "".join(f"A{i},{b},active\n" for i, b in enumerate(branches))
    (folder / "accounts.csv").write_text("account_id,branch,status\n" + rows)
    return folder


def pytest_addoption(parser):
    parser.addoption(
        "--refresh-regression",
        action="store_true",
        help="rewrite the expected numbers of tests/regression/ from this run instead of "
        "comparing (after an intended change; review the diff in git)",
    )


@pytest.fixture(scope="session")
def sample_book() -> kamlib.Book:
    return kamlib.load(ROOT / "data")


@pytest.fixture(scope="session")
def sample_reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One English report per branch of the bundled sample, built once per session by
    ``kamlib.run_reports(sample, out=..., jobs=2)``; the output folder. Tests only read it.
    """
    sample = kamlib.sample_path()
    before = checksums(sample)
    base = tmp_path_factory.mktemp("sample_reports")
    # a relative out, as `make reports` passes it: the reports land under the caller's
    # folder, not under the notebook's (which is the notebook's working folder)
    cwd = os.getcwd()
    os.chdir(base)
    try:
        summary = kamlib.run_reports(sample, out="reports", jobs=2, progress=False)
    finally:
        os.chdir(cwd)
    assert not summary.failed, summary.failed
    assert checksums(sample) == before, "the batch changed its input files"
    for folder in (ROOT / "notebooks", ROOT / "kamlib" / "notebooks"):
        assert not list(folder.rglob("metrics.json")), f"the batch wrote into {folder}"
    return base / "reports"


@pytest.fixture(scope="session")
def zh_reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two Chinese batches of the sample, run side by side without the operator overview:
    ``warm/`` (Hanzhong, then Kunming in the kernel Hanzhong used: one worker) and
    ``fresh/`` (Kunming alone, in a fresh kernel); the folder holding both. Built once:
    test_kernels compares the two Kunming reports, test_reports reads Hanzhong's."""

    base = tmp_path_factory.mktemp("zh_reports")
    common = {"data": ROOT / "data", "jobs": 1, "lang": "zh", "progress": False}
    warm, fresh = side_by_side(
        dict(common, branches=["Hanzhong", "Kunming"], out=base / "warm", overview=False),
        dict(common, branches=["Kunming"], out=base / "fresh", fresh_kernels=True, overview=False),
    )
    assert not warm.failed and not fresh.failed, (warm.failed, fresh.failed)
    return base


def side_by_side(*runs: dict[str, Any]) -> list[Any]:
    """``kamlib.run_reports(**run)`` for each run, all at the same time (a batch waits on
    its kernels much of the time; each of one worker keeps to one core)."""
    import concurrent.futures as cf

    from kamlib.runner import run_reports

    with cf.ThreadPoolExecutor(len(runs)) as pool:
        return [f.result() for f in [pool.submit(run_reports, **r) for r in runs]]


@pytest.fixture(scope="session")
def dask_scheduler() -> Iterator[str]:
    """The address of one local Dask cluster for the tests of the batch on a cluster: one
    worker process with two threads, so two reports run at once in one process (each
    thread must keep a kernel of its own). Started once: it costs more than a report."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="session")
def maven_csv() -> Path:
    if not MAVEN_CSV.is_file():
        pytest.skip(f"Maven fixture not found at {MAVEN_CSV} (set KAMLIB_MAVEN_DIR to its folder)")
    return MAVEN_CSV


@pytest.fixture(scope="session")
def maven_book(maven_csv: Path) -> kamlib.Book:
    return kamlib.load(maven_csv, mapping="maven")


def checksums(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
