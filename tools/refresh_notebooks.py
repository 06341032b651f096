"""Refresh the stored notebooks after an intended change (`make refresh-notebooks`).

Each notebook is a pair (see ``jupytext.toml``): the ``.py`` twin (py:percent) is the
reviewed source, the ``.ipynb`` holds the executed outputs that nbval compares in
`make test`. For every pair this

1. updates the ``.ipynb``'s cells from its ``.py`` twin (jupytext's update: the outputs of
   unchanged cells are kept), refusing when the ``.ipynb`` holds edits its twin lacks;
2. re-executes it in place on the bundled sample with papermill (skipped with ``--no-run``);
3. strips what changes on every run without meaning anything (papermill's timings and
   paths, execution timestamps, empty tag lists), so that ``git diff`` after a refresh
   shows only real output changes.

Usage::

    python tools/refresh_notebooks.py [--no-run] [NOTEBOOK ...]   # default: every pair

Afterwards review ``git diff`` and commit the pairs together.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import jupytext
import nbformat
from jupytext.combine import combine_inputs_with_outputs

ROOT = Path(__file__).resolve().parents[1]
#: the folders whose notebooks are paired (jupytext.toml); the branch report ships in the package
FOLDERS = (ROOT / "notebooks", ROOT / "kamlib" / "notebooks")
KERNEL = "kamlib"

#: cell metadata written by a run (papermill's per-cell timings, nbclient's timestamps)
VOLATILE_CELL_METADATA = ("papermill", "execution", "ExecuteTime")
#: notebook metadata written by a run (papermill: duration, start/end, input/output paths)
VOLATILE_NOTEBOOK_METADATA = ("papermill",)


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def pairs() -> list[Path]:
    """Every paired ``.ipynb`` (sorted)."""
    return sorted(p for folder in FOLDERS for p in folder.glob("*.ipynb"))


def strip_volatile(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove run metadata that would make every refresh a diff (in place; returned)."""
    for key in VOLATILE_NOTEBOOK_METADATA:
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        if cell.metadata.get("tags") == []:  # papermill adds an empty list to every cell
            del cell.metadata["tags"]
    return nb


def _inputs(nb: nbformat.NotebookNode) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(c.cell_type, c.source, tuple(c.metadata.get("tags", ()))) for c in nb.cells]


def update_from_twin(ipynb: Path) -> bool:
    """Write the ``.py`` twin's cells into ``ipynb``, keeping the outputs of unchanged
    cells. Returns whether the inputs changed."""
    twin = ipynb.with_suffix(".py")
    if not twin.is_file():
        sys.exit(f"{_rel(ipynb)} has no .py twin: run `jupytext --sync {_rel(ipynb)}`")
    text = jupytext.read(twin, fmt="py:percent")
    old = nbformat.read(ipynb, as_version=4)
    if _inputs(text) == _inputs(old):
        return False
    if ipynb.stat().st_mtime > twin.stat().st_mtime:
        # edited as .ipynb outside JupyterLab's pairing: updating would throw the edit away
        sys.exit(
            f"{_rel(ipynb)} is newer than its twin and their cells differ: "
            f"bring the edit into the .py (`jupytext --sync {_rel(ipynb)}` "
            "writes the .py from the newer .ipynb), then refresh again"
        )
    new = combine_inputs_with_outputs(text, old, fmt="py:percent")
    # the pairing lives in jupytext.toml; the .ipynb needs no note of the text format
    new.metadata.get("jupytext", {}).pop("text_representation", None)
    if not new.metadata.get("jupytext", True):
        del new.metadata["jupytext"]
    taken = {c.get("id") for c in new.cells}
    n = 0
    for cell in new.cells:  # new cells get short stable ids, not random ones
        if not cell.get("id"):
            while (cid := f"{ipynb.stem[:20]}-{n:02d}") in taken:
                n += 1
            cell["id"] = cid
            taken.add(cid)
    nbformat.write(strip_volatile(new), ipynb)
    return True


def execute(ipynb: Path) -> None:
    """Run ``ipynb`` in place on the bundled sample, in its own folder, then strip it."""
    import papermill as pm

    pm.execute_notebook(
        str(ipynb),
        str(ipynb),
        kernel_name=KERNEL,
        cwd=str(ipynb.parent),
        progress_bar=False,
        # no kernel log and no input history in the stored outputs
        extra_arguments=["--IPKernelApp.log_level=ERROR", "--HistoryManager.enabled=False"],
        execution_timeout=600,
    )
    nb = nbformat.read(ipynb, as_version=4)
    nbformat.write(strip_volatile(nb), ipynb)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every pair")
    parser.add_argument(
        "--no-run", action="store_true", help="only update the .ipynb from the .py and strip"
    )
    args = parser.parse_args(argv)
    chosen = [p.resolve().with_suffix(".ipynb") for p in args.notebooks] or pairs()
    for ipynb in chosen:
        changed = update_from_twin(ipynb)
        if not args.no_run:
            execute(ipynb)
        else:
            nbformat.write(strip_volatile(nbformat.read(ipynb, as_version=4)), ipynb)
        what = "updated from its .py" if changed else "inputs unchanged"
        print(f"{_rel(ipynb)}: {what}" + ("" if args.no_run else ", re-executed"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
