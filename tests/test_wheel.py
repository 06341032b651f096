"""kamlib as a user gets it: a wheel installed outside the repository runs ``kam report``
on the bundled sample, with the branch report notebook shipped inside the package."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT, tiny_report

pytestmark = pytest.mark.slow


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess[str]:
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)
    assert p.returncode == 0, f"{' '.join(cmd)} exited {p.returncode}:\n{p.stdout}\n{p.stderr}"
    return p


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """kamlib built into a wheel from a copy of its sources and installed into a folder of
    its own (``pip install --target``); the venv supplies only the dependencies."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"  # build from a copy: nothing is written into the checkout
    shutil.copytree(ROOT / "kamlib", src / "kamlib", ignore=shutil.ignore_patterns("__pycache__"))
    for f in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / f, src / f)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    _run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp / "dist"), str(src)])
    (wheel,) = (tmp / "dist").glob("kamlib-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"kamlib/notebooks/branch_report.ipynb", "kamlib/notebooks/branch_report.py"} <= names
    assert "kamlib/config/costs.yaml" in names
    _run([*pip, "install", "--no-deps", "--target", str(tmp / "site"), str(wheel)])
    return tmp / "site"


def test_an_installed_wheel_runs_kam_report_on_the_sample(installed, tmp_path):
    elsewhere = tmp_path / "elsewhere"  # the user's folder: no checkout in sight
    elsewhere.mkdir()
    env = dict(
        os.environ,
        PYTHONPATH=str(installed),  # before the venv's editable kamlib on sys.path
        KAMLIB_CACHE=str(tmp_path / "cache"),  # the sample is generated here
        TQDM_DISABLE="1",
    )
    kam = installed / "bin" / "kam"
    where = _run(
        [sys.executable, "-c", "import kamlib; print(kamlib.__file__)"], cwd=elsewhere, env=env
    )
    assert Path(where.stdout.strip()).is_relative_to(installed), where.stdout
    p = _run(
        [str(kam), "report", "--branch", "Hanzhong", "--out", "out", "--jobs", "1"],
        cwd=elsewhere,
        env=env,
    )
    report = elsewhere / "out" / "Hanzhong"
    assert (report / "report.html").is_file(), p.stderr
    metrics = json.loads((report / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["branch"] == "Hanzhong" and metrics["accounts"] > 0
    # the sample came from the cache (no data/ of a checkout), the notebook from the wheel
    assert (tmp_path / "cache" / "sample" / "accounts.csv").is_file()
    ran = json.loads((report / "report.ipynb").read_text(encoding="utf-8"))
    assert Path(ran["metadata"]["papermill"]["input_path"]).is_relative_to(installed)
    # and the report kernel imports the installed kamlib too (same runner, same kernel set-up)
    probe = tiny_report(
        tmp_path / "probe.ipynb",
        "import kamlib\n"
        "from pathlib import Path\n"
        "Path(output_dir, 'where.txt').write_text(kamlib.__file__)",
    )
    _run(
        [str(kam), "report", "--branch", "Hanzhong", "--out", "probe", "--notebook", str(probe)],
        cwd=elsewhere,
        env=env,
    )
    kernel_kamlib = (elsewhere / "probe" / "Hanzhong" / "where.txt").read_text()
    assert Path(kernel_kamlib).is_relative_to(installed), kernel_kamlib
