"""Shared fixtures. Real data is found through KAMLIB_MAVEN_DIR (default: ../shared/data)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

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


@pytest.fixture(scope="session")
def sample_book() -> kamlib.Book:
    return kamlib.load(ROOT / "data")


@pytest.fixture(scope="session")
def sample_reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every branch of the sample reported once (English, two workers) for the tests that
    only read the reports: the output folder."""
    out = tmp_path_factory.mktemp("sample_reports")
    summary = kamlib.run_reports(kamlib.sample_path(), out=out, jobs=2, progress=False)
    assert not summary.failed, summary.failed
    return out


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


# nbval: compare tables through their stable text form, not pandas' HTML (which drifts
# between versions) and not stderr (new library warnings are not a change in a number).
def pytest_collectstart(collector):
    if collector.fspath and str(collector.fspath).endswith(".ipynb"):
        skip = getattr(collector, "skip_compare", None)
        if skip is not None:
            collector.skip_compare += ("text/html", "stderr", "application/javascript")
