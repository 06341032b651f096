"""Every stored notebook is a pair: the .ipynb (outputs for nbval) and its py:percent twin
(the reviewed source). Nobody may edit one and forget the other."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import jupytext
import nbformat
import papermill as pm
import pytest
from jupytext.config import load_jupytext_config

from .conftest import ROOT

FOLDERS = [ROOT / "notebooks", ROOT / "kamlib" / "notebooks"]
NOTEBOOKS = sorted(p for folder in FOLDERS for p in folder.glob("*.ipynb"))
HOW = (
    "after editing the .py: python tools/refresh_notebooks.py (or --no-run to skip the "
    "run); after editing the .ipynb outside JupyterLab: jupytext --sync NOTEBOOK.ipynb"
)


def _cells(nb: nbformat.NotebookNode) -> list[tuple[str, str, list[str]]]:
    return [(c.cell_type, c.source, list(c.metadata.get("tags", []))) for c in nb.cells]


def _disagreements(ipynb: Path, twin: Path) -> list[str]:
    """Readable differences between a notebook's cells and its twin's (type, source, tags)."""
    a = _cells(nbformat.read(ipynb, as_version=4))
    b = _cells(jupytext.read(twin, fmt="py:percent"))
    problems = []
    if len(a) != len(b):
        problems.append(f"{len(a)} cells in the .ipynb, {len(b)} in the .py")
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        for what, u, v in (("type", x[0], y[0]), ("tags", x[2], y[2])):
            if u != v:
                problems.append(f"cell {i}: {what} {u!r} in the .ipynb, {v!r} in the .py")
        if x[1] != y[1]:
            diff = difflib.unified_diff(
                x[1].splitlines(), y[1].splitlines(), ".ipynb", ".py", lineterm="", n=1
            )
            problems.append(f"cell {i}: source differs\n" + "\n".join(diff))
    return problems


def test_the_notebooks_are_where_the_project_says():
    names = {p.relative_to(ROOT).as_posix() for p in NOTEBOOKS}
    assert "kamlib/notebooks/branch_report.ipynb" in names  # shipped inside the package
    assert "notebooks/branch_report.ipynb" not in names  # one source, not two
    assert "kamlib/notebooks/operator_overview.ipynb" in names  # so is the overview
    assert len(names) == 5, names
    assert not (ROOT / "tools" / "build_notebooks.py").exists()


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_notebook_has_its_twin_and_every_twin_its_notebook(folder):
    ipynb = {p.stem for p in folder.glob("*.ipynb")}
    py = {p.stem for p in folder.glob("*.py")}
    assert ipynb == py, f"unpaired in {folder}: {sorted(ipynb ^ py)} ({HOW})"


@pytest.mark.parametrize("ipynb", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_and_twin_agree(ipynb):
    problems = _disagreements(ipynb, ipynb.with_suffix(".py"))
    assert not problems, f"{ipynb.relative_to(ROOT)} and its .py disagree ({HOW}):\n" + "\n".join(
        problems[:10]
    )


@pytest.mark.parametrize("ipynb", NOTEBOOKS, ids=lambda p: p.name)
def test_twin_is_exactly_what_jupyterlab_would_save(ipynb):
    # saving the notebook in JupyterLab rewrites the .py from the .ipynb: that must not
    # change a reviewed, ruff-formatted twin (no churn of blank lines or metadata)
    text = jupytext.writes(
        nbformat.read(ipynb, as_version=4), "py:percent", config=load_jupytext_config(ipynb)
    )
    assert text == ipynb.with_suffix(".py").read_text(encoding="utf-8")


def test_a_disagreement_is_caught(tmp_path):
    # the check above can fail: a tag lost and a line changed in the twin only
    src = ROOT / "kamlib" / "notebooks" / "branch_report.ipynb"
    shutil.copy(src, tmp_path / src.name)
    text = src.with_suffix(".py").read_text(encoding="utf-8")
    text = text.replace('# %% tags=["remove-cell"]', "# %%").replace('"Suzhou"', '"Hanzhong"')
    (tmp_path / "branch_report.py").write_text(text, encoding="utf-8")
    problems = _disagreements(tmp_path / src.name, tmp_path / "branch_report.py")
    assert len(problems) == 2, problems
    assert "['remove-cell'] in the .ipynb, [] in the .py" in problems[1]
    assert '+branch: str = "Hanzhong"' in problems[0]


def test_report_tags_survive_the_round_trip():
    # papermill finds the parameters cell, the HTML export hides the set-up cell's code and
    # drops the cell that writes the files: all by tag, read from the twin
    twin = ROOT / "kamlib" / "notebooks" / "branch_report.py"
    tags = [t for _, _, ts in _cells(jupytext.read(twin, fmt="py:percent")) for t in ts]
    assert tags[0] == "parameters" and tags[-1] == "remove-cell"
    assert set(tags[1:-1]) == {"remove-input"}  # the cells that show the report object
    params = pm.inspect_notebook(str(twin.with_suffix(".ipynb")))
    assert {"branch", "data", "mapping", "lang", "output_dir"} <= set(params)


def test_jupyterlab_keeps_the_pair_in_sync(tmp_path):
    # JupyterLab saves through jupytext's contents manager, configured by jupytext.toml:
    # a save of a paired notebook writes both files; a notebook elsewhere is not paired
    from jupytext.sync_contentsmanager import TextFileContentsManager

    shutil.copy(ROOT / "jupytext.toml", tmp_path)
    for rel in (
        "notebooks/why_do_key_accounts_leave.ipynb",
        "kamlib/notebooks/branch_report.ipynb",
    ):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, tmp_path / rel)
    (tmp_path / "reports").mkdir()
    shutil.copy(ROOT / "notebooks/why_do_key_accounts_leave.ipynb", tmp_path / "reports/r.ipynb")
    cm = TextFileContentsManager(root_dir=str(tmp_path))
    for rel in (
        "notebooks/why_do_key_accounts_leave.ipynb",
        "kamlib/notebooks/branch_report.ipynb",
    ):
        model = cm.get(rel)
        first = model["content"].cells[0]
        first.source += (
            "\n\n" + ("# " if first.cell_type == "code" else "") + "Edited in JupyterLab."
        )
        cm.save(model, rel)
        twin = (tmp_path / rel).with_suffix(".py")
        assert "# Edited in JupyterLab." in twin.read_text(encoding="utf-8")
        assert not _disagreements(tmp_path / rel, twin)
    cm.save(cm.get("reports/r.ipynb"), "reports/r.ipynb")
    assert not (tmp_path / "reports" / "r.py").exists()
    # and the .py opens as the notebook, with the outputs of the .ipynb
    nb = cm.get("kamlib/notebooks/branch_report.py")["content"]
    assert any(c.get("outputs") for c in nb.cells)


def _tool(name: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_refresh_takes_the_cells_from_the_twin_and_keeps_the_outputs(tmp_path):
    import os

    refresh = _tool("refresh_notebooks")
    src = ROOT / "notebooks" / "why_do_key_accounts_leave.ipynb"
    ipynb, twin = tmp_path / src.name, tmp_path / f"{src.stem}.py"
    shutil.copy(src, ipynb)
    text = src.with_suffix(".py").read_text(encoding="utf-8")
    twin.write_text(text.replace("# # Why do key accounts leave?", "# # Why do they leave?"))
    os.utime(ipynb, (1, 1))  # the twin is the newer file
    before = nbformat.read(ipynb, as_version=4)
    assert refresh.update_from_twin(ipynb) is True
    after = nbformat.read(ipynb, as_version=4)
    assert not _disagreements(ipynb, twin)
    assert after.cells[0].source.startswith("# Why do they leave?")
    assert [c.get("outputs") for c in after.cells] == [c.get("outputs") for c in before.cells]
    assert [c.id for c in after.cells] == [c.id for c in before.cells]
    assert "jupytext" not in after.metadata
    assert refresh.update_from_twin(ipynb) is False  # nothing left to take
    # an edit made in the .ipynb alone, later than the twin, is not thrown away
    after.cells[0].source = "# Edited in the .ipynb only"
    nbformat.write(after, ipynb)
    os.utime(twin, (1, 1))
    with pytest.raises(SystemExit, match="newer than its twin"):
        refresh.update_from_twin(ipynb)
    assert nbformat.read(ipynb, as_version=4).cells[0].source == "# Edited in the .ipynb only"


def test_refresh_strips_what_every_run_changes():
    refresh = _tool("refresh_notebooks")
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "1",
                metadata={
                    "tags": [],
                    "papermill": {"duration": 0.1},
                    "execution": {"iopub.status.busy": "2026-01-01T00:00:00Z"},
                },
            ),
            nbformat.v4.new_markdown_cell("x", metadata={"tags": ["keep"]}),
        ],
        metadata={"papermill": {"input_path": "/somewhere"}, "language_info": {"name": "python"}},
    )
    refresh.strip_volatile(nb)
    assert dict(nb.metadata) == {"language_info": {"name": "python"}}
    assert [dict(c.metadata) for c in nb.cells] == [{}, {"tags": ["keep"]}]
    # the stored notebooks are kept that way
    for path in NOTEBOOKS:
        stored = nbformat.read(path, as_version=4)
        assert "papermill" not in stored.metadata, path.name
        assert all(set(c.metadata) <= {"tags"} for c in stored.cells), path.name
