"""Warm kernels: a worker reuses its kernel from one report to the next, and each notebook
still sees what a fresh kernel would show it."""

from __future__ import annotations

import json

import nbformat
import pytest

from kamlib.runner import run_reports, safe_name

from .conftest import one_account_per_branch, side_by_side, tiny_report

pytestmark = pytest.mark.slow


def _outputs(path):
    """Every code cell's execution count and outputs, without timing metadata."""
    nb = nbformat.read(path, as_version=4)
    cells = []
    for c in nb.cells:
        if c.cell_type != "code" or "injected-parameters" in c.metadata.get("tags", []):
            continue
        outs = [{k: v for k, v in o.items() if k != "metadata"} for o in c.outputs]
        cells.append((c.source, c.execution_count, json.dumps(outs, sort_keys=True)))
    return cells


def test_a_reused_kernel_gives_the_notebook_a_fresh_kernel_would(zh_reports):
    # one worker: Kunming runs in the kernel Hanzhong used (zh: fonts and labels change
    # matplotlib and pandas state that must not leak); the batches are conftest.zh_reports
    k = safe_name("Kunming")
    a = _outputs(zh_reports / "warm" / k / "report.ipynb")
    b = _outputs(zh_reports / "fresh" / k / "report.ipynb")
    assert len(a) == len(b) > 5  # every cell that shows a part of the report
    for (src, n1, out1), (_, n2, out2) in zip(a, b, strict=True):
        assert n1 == n2, src[:60]  # counted from 1 again
        assert out1 == out2, src[:60]  # text, tables and the pictures' bytes
    m1 = (zh_reports / "warm" / k / "metrics.json").read_text()
    assert m1 == (zh_reports / "fresh" / k / "metrics.json").read_text()


# checks that nothing of the previous report is left, then leaves as much behind as it can
LEAKY = """
import os, sys, warnings
import matplotlib, matplotlib.pyplot as plt, pandas as pd
left = [name for name in ("leftover", "plt_figure") if name in globals()]
assert not left, left
assert plt.get_fignums() == [], plt.get_fignums()
assert matplotlib.rcParams["lines.linewidth"] != 9, "rcParams leaked"
assert pd.get_option("display.max_rows") != 3, "pandas option leaked"
assert "KAMLIB_LEAK" not in os.environ, "environment leaked"
assert os.getcwd() == NOTEBOOK_DIR, os.getcwd()
assert not any(f[0] == "error" and f[2] is UserWarning for f in warnings.filters)
html = get_ipython().display_formatter.formatters["text/html"]
assert int not in html.type_printers, "display formatter leaked"
# as in a fresh kernel: the parameters and the injected parameters ran before this cell
assert get_ipython().execution_count == 4, get_ipython().execution_count
leftover = 1
plt_figure = plt.figure()
matplotlib.rcParams["lines.linewidth"] = 9
pd.set_option("display.max_rows", 3)
os.environ["KAMLIB_LEAK"] = "1"
os.chdir("/")
warnings.simplefilter("error", UserWarning)
html.for_type(int, lambda n: "<b>%d</b>" % n)
if branch == "A3Fail":
    raise ValueError("this branch fails")
if output_dir:
    with open(os.path.join(output_dir, "metrics.json"), "w") as f:
        json_text = '{"pid": %d}' % os.getpid()
        f.write(json_text)
"""


def test_nothing_one_report_leaves_behind_reaches_the_next(tmp_path):
    nb_dir = tmp_path / "nb"
    tiny_report(nb_dir / "leaky.ipynb", LEAKY.replace("NOTEBOOK_DIR", repr(str(nb_dir))))
    names = ["A1", "A2", "A3Fail", "A4", "A5"]
    data = one_account_per_branch(tmp_path / "data", names)
    common = {"data": data, "notebook": nb_dir / "leaky.ipynb", "jobs": 1, "progress": False}
    s, fresh = side_by_side(
        dict(common, out=tmp_path / "out"),
        dict(common, branches=["A1", "A2"], out=tmp_path / "fresh", fresh_kernels=True),
    )
    status = {r.branch: (r.status, r.error) for r in s.results}
    assert status.pop("A3Fail") == ("failed", "ValueError: this branch fails")
    assert all(st == "done" for st, _ in status.values()), status
    pid = {
        b: json.loads((tmp_path / "out" / b / "metrics.json").read_text())["pid"] for b in status
    }
    assert pid["A1"] == pid["A2"]  # the kernel was reused...
    assert pid["A4"] == pid["A5"] != pid["A1"]  # ...and replaced after the failure
    pids = [
        json.loads((tmp_path / "fresh" / b / "metrics.json").read_text())["pid"]
        for b in ("A1", "A2")
    ]
    assert not fresh.failed and pids[0] != pids[1]


def test_threads_of_a_dask_worker_each_keep_their_own_kernel(tmp_path, dask_scheduler):
    """A Dask worker runs reports in threads: two at once must not share a kernel."""
    body = (
        "import json, os, time\n"
        "time.sleep(1.5)  # long enough for the two threads to overlap\n"
        "if output_dir:\n"
        "    with open(os.path.join(output_dir, 'metrics.json'), 'w') as f:\n"
        "        f.write(json.dumps({'pid': os.getpid()}))\n"
    )
    tiny_report(tmp_path / "nb.ipynb", body)
    names = [f"B{i}" for i in range(6)]
    data = one_account_per_branch(tmp_path / "data", names)
    s = run_reports(
        data,
        out=tmp_path / "out",
        notebook=tmp_path / "nb.ipynb",
        scheduler=dask_scheduler,
        progress=False,
    )
    assert not s.failed, s.failed
    pids = {json.loads((tmp_path / "out" / b / "metrics.json").read_text())["pid"] for b in names}
    assert 1 <= len(pids) <= 2  # one kernel per thread, each reused
