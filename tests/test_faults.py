"""Faults in a batch: a kernel that dies or hangs, Ctrl-C, an output folder that cannot be
written, a disk that fills. Good reports are never lost; no half-written file takes the
place of a report; a rerun resumes."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import kamlib
from kamlib.runner import run_reports

from .conftest import checksums, one_account_per_branch, tiny_report

pytestmark = pytest.mark.slow

# a report notebook that misbehaves on purpose, by branch name (fast: no analysis)
BODY = """
import json, os, pathlib, time
if branch == "Die":
    os._exit(1)  # the kernel dies
if branch == "Hang":
    time.sleep(120)  # the cell times out
if branch == "Fail":
    raise ValueError("bad data in this branch")
if branch.startswith("Slow") and branch != "Slow1" and os.path.exists("interrupt-me"):
    with open("started.log", "a") as log:  # in the notebook's folder
        print(branch, file=log)
    time.sleep(120)  # until interrupted
if output_dir:
    pathlib.Path(output_dir, "metrics.json").write_text(json.dumps({"branch": branch}))
"""


@pytest.fixture()
def batch(tmp_path):
    nb_path = tiny_report(tmp_path / "nb" / "report.ipynb", BODY)
    return nb_path, lambda branches: one_account_per_branch(tmp_path / "data", branches)


def _kam_report(data, out, *args) -> list[str]:
    """The command line of ``kam report DATA --out OUT --quiet ARGS``."""
    return [
        sys.executable,
        "-m",
        "kamlib.cli",
        "report",
        str(data),
        "--out",
        str(out),
        "--quiet",
        *map(str, args),
    ]


def test_dead_hung_and_failing_branches_do_not_stop_the_others(batch, tmp_path):
    nb, make = batch
    data = make(["Good", "Die", "Hang", "Fail", "Good2"])
    before = checksums(data)
    out = tmp_path / "out"
    s = run_reports(data, out=out, notebook=nb, jobs=2, timeout=3, progress=False)
    status = {r.branch: (r.status, r.error or "") for r in s.results}
    assert status["Good"][0] == status["Good2"][0] == "done"
    assert "DeadKernel" in status["Die"][1] or "died" in status["Die"][1].lower()
    assert "Timeout" in status["Hang"][1] or "timed out" in status["Hang"][1].lower()
    assert status["Fail"][1] == "ValueError: bad data in this branch"
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["failed"]) == {"Die", "Hang", "Fail"}
    assert (out / "_failed" / "Fail.ipynb").is_file()  # kept for inspection
    assert not list(out.glob(".tmp-*"))  # nothing half-written left behind
    assert checksums(data) == before
    # the rerun resumes: what is done is skipped, what failed is tried again
    again = run_reports(data, out=out, notebook=nb, jobs=2, timeout=3, progress=False)
    st = {r.branch: r.status for r in again.results}
    assert st["Good"] == st["Good2"] == "skipped" and st["Fail"] == "failed"
    # and from the command line the run exits 3, naming the failed branches
    r = subprocess.run(
        _kam_report(data, out, "--branch", "Fail", "--branch", "Good", "--notebook", nb),
        capture_output=True,
        text=True,
    )
    assert r.returncode == 3 and "Fail" in r.stderr and "Traceback" not in r.stderr


def _kernels(cwd: Path) -> set[int]:
    """Process ids of the Jupyter kernels started in ``cwd`` (the test's notebook folder:
    not those of other test runs on the machine)."""
    pids = set()
    for proc in Path("/proc").iterdir():
        try:
            if (
                proc.name.isdigit()
                and b"ipykernel" in (proc / "cmdline").read_bytes()
                and (proc / "cwd").readlink() == cwd.resolve()
            ):
                pids.add(int(proc.name))
        except OSError:  # ended meanwhile, or not ours to read
            pass
    return pids


def _wait_for(condition, what: str, timeout: float = 60) -> None:
    """Poll ``condition`` until it holds (instead of sleeping a guessed time)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.1)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "kill"])
def test_ctrl_c_leaves_every_written_report_whole(batch, tmp_path, stop):
    # kill (SIGTERM) stops the batch as Ctrl-C does: before, the main process died at
    # once and its workers went on running their reports and kernels
    nb, make = batch
    data = make(["Slow1", "Slow2", "Slow3", "Slow4"])
    out = tmp_path / "out"
    run_reports(data, out=out, notebook=nb, jobs=2, progress=False)
    good = {d.name: checksums(d) for d in out.iterdir() if d.name.startswith("Slow")}
    assert len(good) == 4
    (nb.parent / "interrupt-me").touch()  # from now on Slow2-4 hang until interrupted
    p = subprocess.Popen(
        _kam_report(data, out, "--force", "--jobs", 2, "--notebook", nb),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl-C as at a terminal, also when this test runs where SIGINT is ignored (a
        # background job of a script): Python then installs no KeyboardInterrupt handler
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    started = nb.parent / "started.log"

    def two_running() -> bool:
        return started.is_file() and len(started.read_text().split()) == 2

    try:
        # both workers in the middle of a report: Slow1 was rewritten before (it does not
        # hang), so the run is interrupted with one new report written and two running
        _wait_for(two_running, "two reports are running")
    finally:
        p.send_signal(stop)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130 and "interrupted" in err and "Traceback" not in err
    for name in good:  # each report is the old one or a whole new one, never a part
        files = {f.name for f in (out / name).iterdir()}
        assert {"report.html", "report.ipynb", "metrics.json", ".fingerprint"} <= files
        assert json.loads((out / name / "metrics.json").read_text())["branch"] == name
    assert checksums(out / "Slow1") != good["Slow1"]  # the new one (a new run's notebook)
    assert all(checksums(out / n) == good[n] for n in ("Slow2", "Slow3", "Slow4"))
    assert sorted(started.read_text().split()) == ["Slow2", "Slow3"]  # Slow4 never began
    assert not list(out.glob(".tmp-*")) and not list(out.glob(".old-*"))
    assert json.loads((out / "summary.json").read_text())["interrupted"] is True
    # no kernel of the interrupted run is left running
    _wait_for(lambda: not _kernels(nb.parent), "the kernels are gone", timeout=5)


def test_an_output_folder_that_cannot_be_written_stops_before_any_report(batch, tmp_path):
    nb, make = batch
    data = make(["Good"])
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    with pytest.raises(kamlib.ConfigError, match="cannot write reports to"):
        run_reports(data, out=blocker / "out", notebook=nb, progress=False)
    from kamlib.cli import main

    assert main(["report", str(data), "--out", str(blocker / "out"), "--quiet"]) == 2


def test_a_full_disk_keeps_the_previous_report(batch, tmp_path, monkeypatch):
    nb, make = batch
    data = make(["Good"])
    out = tmp_path / "out"
    run_reports(data, out=out, notebook=nb, progress=False)
    before = checksums(out / "Good")
    from kamlib import runner

    def full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(runner, "export_html", full)
    task = {
        "branch": "Good",
        "folder": "Good",
        "out": str(out),
        "notebook": str(nb),
        "params": {"branch": "Good", "data": str(data), "mapping": "", "lang": "en"},
        "kernel": "kamlib",
        "timeout": 60,
        "fingerprint": "x",
        "run": "test",
    }
    r = runner._run_one(task)  # in this process, so the patch applies
    assert r.status == "failed" and "No space left" in r.error
    assert checksums(out / "Good") == before
    assert not list(out.glob(".tmp-*"))


def _runner_peak_rss(data, out, nb) -> subprocess.Popen:
    """A batch in a process of its own that prints its peak RSS (KiB) when done."""
    code = (
        "from kamlib.runner import run_reports\n"
        f"s = run_reports({str(data)!r}, out={str(out)!r}, notebook={str(nb)!r}, jobs=2,"
        " progress=False)\n"
        "assert not s.failed, s.failed\n"
        "print(int([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]))\n"
    )
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)


def test_runner_memory_does_not_grow_with_branches(batch, tmp_path):
    # the runner holds one small record per branch; reports run in workers. Its peak RSS
    # on 40 branches must match that on 8 (the 200-branch run is in `make bench`).
    nb, _ = batch
    runs = [  # side by side: each waits on its kernels most of the time
        _runner_peak_rss(
            one_account_per_branch(tmp_path / f"data{n}", [f"B{i:03d}" for i in range(n)]),
            tmp_path / f"out{n}",
            nb,
        )
        for n in (8, 40)
    ]
    outs = [p.communicate(timeout=300)[0] for p in runs]
    assert [p.returncode for p in runs] == [0, 0], outs
    few, many = (int(o.strip().splitlines()[-1]) for o in outs)
    print(f"runner peak RSS: {few} KiB for 8 branches, {many} KiB for 40")
    assert many - few < 20_000, (few, many)  # KiB: under 20 MB of growth
