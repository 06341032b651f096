"""Files in their place: an interrupted write leaves the old file whole, folder swaps keep
the old folder until the new one is complete, and the modules import each other in one
direction (no cycle through the runner, no private names across modules)."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import kamlib
from kamlib import _excel, _files, runner

from .conftest import ROOT, checksums

PACKAGE = ROOT / "kamlib"


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("stop", [RuntimeError("disk error"), KeyboardInterrupt()])
def test_a_writer_that_stops_midway_leaves_the_old_file_whole(tmp_path, stop):
    target = _files.write_text(tmp_path / "metrics.json", '{"accounts": 373}')
    with pytest.raises(type(stop)):
        with _files.atomic_path(target) as tmp:
            with open(tmp, "w") as f:
                f.write('{"accounts": 3')  # half of the new file...
                f.flush()
                raise stop  # ...and then the writer stops
    assert target.read_text() == '{"accounts": 373}'
    assert _leftovers(tmp_path) == []  # no temporary file left behind


def test_a_killed_process_leaves_the_old_file_whole(tmp_path):
    # no exception handler runs: only the rename makes the new file visible
    target = _files.write_text(tmp_path / "index.html", "<p>old</p>")
    code = textwrap.dedent(
        f"""
        import importlib.util, os
        spec = importlib.util.spec_from_file_location("files", {str(PACKAGE / "_files.py")!r})
        files = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(files)
        with files.atomic_path({str(target)!r}) as tmp:
            with open(tmp, "w") as f:
                f.write("<p>new, half")
                f.flush()
                os._exit(9)
        """
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 9
    assert target.read_text() == "<p>old</p>"
    assert [p.suffix for p in tmp_path.iterdir() if p != target] == [".tmp"]  # hidden, aside


def test_a_workbook_that_fails_midway_leaves_the_old_workbook(tmp_path, monkeypatch):
    path = kamlib.write_workbook({"tiers": pd.DataFrame({"accounts": [3, 1]})}, tmp_path / "t.xlsx")
    before = checksums(tmp_path)
    real, calls = _excel._sheet_frame, []

    def fails_on_the_second_sheet(*args):
        calls.append(1)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(*args)

    monkeypatch.setattr(_excel, "_sheet_frame", fails_on_the_second_sheet)
    new = {"a": pd.DataFrame({"x": [1]}), "b": pd.DataFrame({"y": [2]})}
    with pytest.raises(OSError, match="No space left"):
        kamlib.write_workbook(new, path)
    assert len(calls) == 2  # the first sheet had been written
    assert checksums(tmp_path) == before
    assert openpyxl.load_workbook(path).sheetnames == ["tiers", "Definitions"]


def test_write_metrics_replaces_the_file_atomically(tmp_path, monkeypatch):
    kamlib.write_metrics({"branch": "Suzhou", "accounts": 373}, tmp_path)
    before = checksums(tmp_path)
    with pytest.raises(TypeError):  # not JSON: nothing is written
        kamlib.write_metrics({"branch": "Suzhou", "accounts": object()}, tmp_path)
    assert checksums(tmp_path) == before

    def no_rename(*a):
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(_files.os, "replace", no_rename)
    with pytest.raises(OSError, match="Permission denied"):
        kamlib.write_metrics({"branch": "Suzhou", "accounts": 1}, tmp_path)
    assert checksums(tmp_path) == before and _leftovers(tmp_path) == []


def test_a_folder_swap_keeps_the_old_folder_until_the_new_one_is_in_place(tmp_path, monkeypatch):
    final = tmp_path / "Suzhou"
    final.mkdir()
    (final / "report.html").write_text("old")
    new = tmp_path / ".tmp-Suzhou"
    new.mkdir()
    (new / "report.html").write_text("new")
    real = _files.os.replace
    calls = []

    def second_rename_fails(src, dst):
        calls.append((Path(src).name, Path(dst).name))
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(_files.os, "replace", second_rename_fails)
    with pytest.raises(OSError):
        _files.replace_dir(new, final)
    assert (final / "report.html").read_text() == "old"  # put back
    assert calls[1] == (".tmp-Suzhou", "Suzhou") and len(calls) == 3
    monkeypatch.setattr(_files.os, "replace", real)
    assert _files.replace_dir(new, final) == final
    assert (final / "report.html").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Suzhou"]  # the old one removed


def test_a_chinese_branch_folder_is_swapped_in_whole_and_its_text_is_utf8(tmp_path):
    # the folder keeps the branch's Chinese name; write_text encodes UTF-8 itself, not in
    # the machine's locale encoding (LANG=C, a Windows code page)
    assert _files.safe_name("苏州") == "苏州"
    new = tmp_path / ".tmp-苏州"
    new.mkdir()
    _files.write_text(new / "报告.html", '<html lang="zh-CN">苏州分公司</html>')
    final = _files.replace_dir(new, tmp_path / _files.safe_name("苏州"))
    assert final.name == "苏州" and sorted(p.name for p in tmp_path.iterdir()) == ["苏州"]
    assert (final / "报告.html").read_bytes() == '<html lang="zh-CN">苏州分公司</html>'.encode()


def test_safe_name_is_still_the_runners():
    assert runner.safe_name is _files.safe_name
    assert "safe_name" in runner.__all__


# -- the import graph -------------------------------------------------------------------
def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(module: str, source: str | None = None) -> list[tuple[str, str | None, int]]:
    """(imported kamlib module, name taken from it or None, line) for every import in a
    module's source, at any depth: the imports inside functions count too."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text("utf-8") if source is None else source)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, None, node.lineno) for a in node.names if a.name in MODULES]
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            target = node.module if node.level == 0 else ".".join(filter(None, [base, node.module]))
            if target not in MODULES:
                continue  # not kamlib
            for a in node.names:
                sub = f"{target}.{a.name}"
                if sub in MODULES:  # a module of the package, e.g. `from . import _kernels`
                    found.append((sub, None, node.lineno))
                else:
                    found.append((target, a.name, node.lineno))
    return found


def test_the_import_walker_sees_every_form_of_import():
    source = textwrap.dedent(
        """
        import pandas
        import kamlib.runner
        from kamlib import runner
        from . import runner, _kernels
        from .runner import safe_name
        from ._files import _temp_beside
        from kamlib.segment import value_tiers
        def later():
            from .. import nothing_above_the_package
            from . import __version__
        """
    )
    assert [(m, n) for m, n, _ in _imports("kamlib._io", source)] == [
        ("kamlib.runner", None),
        ("kamlib.runner", None),
        ("kamlib.runner", None),
        ("kamlib._kernels", None),
        ("kamlib.runner", "safe_name"),
        ("kamlib._files", "_temp_beside"),
        ("kamlib.segment", "value_tiers"),
        ("kamlib", "__version__"),
    ]


def test_only_the_front_doors_import_the_runner():
    """The batch runner sits on top: the library below it (``_io``, ``report``...) must not
    need it, or importing kamlib goes round in a cycle. ``_worker`` is the worker
    processes' front door (the fork server imports it by name; nothing else does)."""
    importers = {m for m in MODULES for target, _, _ in _imports(m) if target == "kamlib.runner"}
    assert importers <= {"kamlib", "kamlib.cli", "kamlib._worker"}, importers
    users = {m for m in MODULES for target, _, _ in _imports(m) if target == "kamlib._worker"}
    assert users == set(), users


def test_no_module_takes_a_private_name_from_another():
    """A name starting with ``_`` belongs to its module; what two modules share is public
    (a private module such as ``_files`` is fine: its names are its interface)."""
    taken = [
        f"{m}:{line} imports {name} from {target}"
        for m in MODULES
        for target, name, line in _imports(m)
        if name and name.startswith("_") and not name.startswith("__") and target != m
    ]
    assert taken == []


def test_the_modules_import_each_other_without_a_cycle():
    """Below the package's front door (``kamlib/__init__``), imports go one way."""
    graph = {m: {t for t, _, _ in _imports(m) if t not in ("kamlib", m)} for m in MODULES}
    graph.pop("kamlib")
    state: dict[str, str] = {}

    def visit(m: str, path: list[str]) -> None:
        if state.get(m) == "done":
            return
        assert state.get(m) != "open", " -> ".join([*path, m])
        state[m] = "open"
        for t in sorted(graph[m]):
            visit(t, [*path, m])
        state[m] = "done"

    for m in sorted(graph):
        visit(m, [])
