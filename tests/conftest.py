"""Shared fixtures. Real data is found through KAMLIB_MAVEN_DIR (default: ../shared/data)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

import kamlib

ROOT = Path(__file__).resolve().parents[1]
MAVEN_DIR = Path(
    os.environ.get("KAMLIB_MAVEN_DIR", ROOT.parent / "shared" / "data" / "maven_telecom_churn")
)
MAVEN_CSV = MAVEN_DIR / "telecom_customer_churn.csv"


@pytest.fixture(scope="session")
def sample_book() -> kamlib.Book:
    return kamlib.load(ROOT / "data")


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
