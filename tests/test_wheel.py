"""kamlib as a user gets it: a wheel installed outside the repository runs ``kam report``
on the bundled sample, with the branch report notebook shipped inside the package."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
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
    """kamlib built into a wheel from a copy of its sources and installed by pip into a
    fresh venv, with its ``kam`` command and a ``kamlib`` kernel of that venv's own.

    Installing every dependency again would take minutes; the fresh venv sees the project
    venv's site-packages through a ``.pth`` file instead, for the dependencies only (a
    ``.pth`` in a folder added that way is not run, so the checkout's editable kamlib is
    not on the path); nbconvert's templates are linked the same way. Returns the fresh
    venv's folder.
    """
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
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    site = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]
        ).stdout.strip()
    )
    deps = sysconfig.get_path("purelib")  # the project venv's: the dependencies
    (site / "_project_dependencies.pth").write_text(deps + "\n")
    # and nbconvert's templates, which nbconvert installs as data files, not in site-packages
    shared = venv / "share" / "jupyter"
    shared.mkdir(parents=True)
    (shared / "nbconvert").symlink_to(Path(sys.prefix) / "share" / "jupyter" / "nbconvert")
    _run([*pip, "--python", str(python), "install", "--no-deps", str(wheel)])
    _run([str(python), "-m", "ipykernel", "install", "--sys-prefix", "--name", "kamlib"])
    return venv


def test_an_installed_wheel_runs_kam_report_on_the_sample(installed, tmp_path):
    elsewhere = tmp_path / "elsewhere"  # the user's folder: no checkout in sight
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(
        KAMLIB_CACHE=str(tmp_path / "cache"),  # the sample is generated here
        TQDM_DISABLE="1",
        PATH=f"{installed / 'bin'}{os.pathsep}{env.get('PATH', '')}",
    )
    python, kam = installed / "bin" / "python", installed / "bin" / "kam"
    where = _run(
        [str(python), "-c", "import kamlib; print(kamlib.__file__)"], cwd=elsewhere, env=env
    )
    assert Path(where.stdout.strip()).is_relative_to(installed), where.stdout
    assert not Path(where.stdout.strip()).is_relative_to(ROOT)
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
    # and the report kernel (the fresh venv's own) imports the installed kamlib too
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
