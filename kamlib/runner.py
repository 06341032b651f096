"""The batch: one papermill run of ``branch_report.ipynb`` per branch, in parallel.

Each branch is executed by a worker process into a temporary folder, exported to HTML
in-process, and only then moved into place, so a report on disk is always complete. A
worker reuses its kernel from one report to the next, reset in between (``_kernels``). A branch that fails keeps its executed notebook under ``_failed/`` and
does not stop the others. A rerun skips branches whose inputs, parameters and notebook have
not changed.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import hashlib
import html
import json
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import _page
from ._book import unknown_branch
from ._errors import ConfigError
from ._files import replace_dir, safe_name, write_text
from ._format import MISSING, count, money, share
from ._i18n import N_, language, tr
from ._io import PREPARED, load
from ._labels import label
from ._split import branches_of, prepare, splittable

__all__ = ["run_reports", "RunSummary", "safe_name", "notebook_path", "sample_path"]

KERNEL = "kamlib"

#: the operator overview's folder in OUT (a branch of that name gets another folder)
OVERVIEW = "overview"
#: the name of the overview in summary.json's ``failed`` and in messages
OVERVIEW_NAME = "operator overview"


def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]


def notebook_path(name: str = "branch_report.ipynb") -> Path:
    """A report notebook shipped inside the package (``kamlib/notebooks/``, package data).

    The branch report travels with the library, so an installed wheel runs ``kam report``
    without a checkout of the repository.
    """
    return Path(__file__).resolve().parent / "notebooks" / name


def sample_path() -> Path:
    """The bundled sample operator's folder (``data/`` of the repository).

    Outside a repository checkout the sample is generated once into a cache folder.
    """
    here = repo_root() / "data"
    if (here / "accounts.csv").is_file():
        return here
    cache = Path(os.environ.get("KAMLIB_CACHE", Path.home() / ".cache" / "kamlib")) / "sample"
    if not (cache / "accounts.csv").is_file():
        from ._io import write_book
        from .synth import synth

        # written whole beside the cache, then swapped in: an interrupted first call must
        # not leave a folder with some of the tables that later calls take as the sample
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".sample-", dir=cache.parent))
        try:
            write_book(synth(2000, seed=7).book, tmp)
            replace_dir(tmp, cache)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return cache


@dataclass
class BranchResult:
    branch: str
    folder: str
    status: str  # "done", "skipped" (unchanged), "failed"
    seconds: float = 0.0
    error: str | None = None
    #: where the report's wall time went, in seconds (see :func:`_run_one`): for the
    #: benchmarks and for anyone asking why a batch is slow
    phases: dict[str, float] = field(default_factory=dict)
    #: each executed cell's seconds, in notebook order (as papermill timed them)
    cells: list[float] = field(default_factory=list)


def report_name(result: BranchResult) -> str:
    """A report's name in messages, in the current language: the branch, or the overview's."""
    return tr("operator overview") if result.folder == OVERVIEW else result.branch


@dataclass
class RunSummary:
    out: str
    results: list[BranchResult] = field(default_factory=list)
    skipped_small: list[str] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False
    #: the operator overview's run (None when the run builds none)
    overview: BranchResult | None = None
    #: the submitting process's own seconds: ``setup`` (validate or read the manifest,
    #: prepare, hash, fingerprints: before the first report starts), ``prepare`` (part
    #: of setup), ``reports`` (running the reports), ``finish`` (the index), and
    #: ``cpu`` (this process's CPU seconds over the whole run)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def failed(self) -> list[BranchResult]:
        """The branch reports that failed, and the overview when it failed."""
        every = [*self.results, *([self.overview] if self.overview else [])]
        return [r for r in every if r.status == "failed"]

    def to_json(self) -> dict[str, Any]:
        return {
            "out": self.out,
            "seconds": round(self.seconds, 2),
            "interrupted": self.interrupted,
            "done": [r.branch for r in self.results if r.status == "done"],
            "unchanged": [r.branch for r in self.results if r.status == "skipped"],
            "failed": {r.branch: r.error for r in self.failed},
            "too_small": self.skipped_small,
            "branches": [_result_json(r) for r in self.results],
            "overview": None if self.overview is None else _result_json(self.overview),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }


def _result_json(r: BranchResult) -> dict[str, Any]:
    return asdict(r) | {
        "seconds": round(r.seconds, 2),
        "phases": {k: round(v, 3) for k, v in r.phases.items()},
        "cells": [round(c, 3) for c in r.cells],
    }


def _prepared_manifest(data: Path) -> dict[str, Any] | None:
    """The manifest of a folder written by :func:`kamlib.prepare` (None for raw data, or a
    folder prepared before manifests held account counts)."""
    f = data / PREPARED
    if not (data.is_dir() and f.is_file()):
        return None
    m = json.loads(f.read_text("utf-8"))
    return m if "accounts" in m else None


def _hash_inputs(data: Path, *settings: str | None) -> str:
    """One hash of the data files and of every settings file (mapping, costs...)."""
    h = hashlib.sha256()
    files = sorted(p for p in data.rglob("*") if p.is_file()) if data.is_dir() else [data]
    files += [Path(s) for s in settings if s and Path(s).is_file()]
    for p in files:
        h.update(str(p.name).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def _library_hash() -> str:
    """A digest of kamlib itself (its version and every module): what it writes changes
    with it."""
    from . import __version__

    h = hashlib.sha256(__version__.encode())
    for src in sorted((Path(__file__).parent).rglob("*.py")):
        h.update(src.read_bytes())
    return h.hexdigest()


def _fingerprinter(inputs_hash: str, notebook: Path) -> Any:
    """:func:`_fingerprint` for one run: kamlib and the notebook read once, not once per
    branch (the submitting process does this for every branch before the first report
    starts)."""
    fixed = hashlib.sha256(inputs_hash.encode())
    rest = notebook.read_bytes() + _library_hash().encode()

    def fingerprint(params: dict[str, Any]) -> str:
        h = fixed.copy()
        h.update(
            json.dumps(
                {k: v for k, v in params.items() if k != "output_dir"}, sort_keys=True
            ).encode()
        )
        h.update(rest)
        return h.hexdigest()

    return fingerprint


def _fingerprint(inputs_hash: str, params: dict[str, Any], notebook: Path) -> str:
    return str(_fingerprinter(inputs_hash, notebook)(params))


def _check_parameters(nb: Path, passed: set[str]) -> None:
    """papermill only warns about unknown parameters; a report run must not start on that."""
    import papermill as pm

    from ._errors import ConfigError

    if not nb.is_file():
        raise ConfigError(f"notebook {nb} not found")
    known = set(pm.inspect_notebook(str(nb)))
    unknown = passed - known
    if unknown:
        raise ConfigError(
            f"notebook {nb} has no parameter(s) {', '.join(sorted(unknown))}; "
            f"its parameters cell declares {', '.join(sorted(known)) or 'none'}"
        )


def _kernel_name() -> str:
    from jupyter_client.kernelspec import find_kernel_specs

    return KERNEL if KERNEL in find_kernel_specs() else "python3"


_exporter: Any = None


def html_exporter() -> Any:
    """The worker's HTML exporter, made once (loading its templates costs more than one
    export)."""
    global _exporter
    if _exporter is None:
        from nbconvert import HTMLExporter

        _exporter = HTMLExporter(
            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
        )
    return _exporter


def export_html(nb_path: Path, html_path: Path, title: str, nb: Any = None) -> None:
    """Notebook -> HTML without code cells, in-process (no nbconvert command per report).

    ``nb``: the executed notebook as papermill returned it, when the caller has it; else
    it is read from ``nb_path`` (the same notebook: papermill wrote it from that node).
    """
    import copy

    import nbformat

    nb = nbformat.read(nb_path, as_version=4) if nb is None else copy.copy(nb)
    nb.cells = [
        c
        for c in nb.cells
        if "injected-parameters" not in c.get("metadata", {}).get("tags", [])
        and "parameters" not in c.get("metadata", {}).get("tags", [])
    ]
    nb.metadata = copy.copy(nb.metadata)
    nb.metadata["title"] = title
    body, _ = html_exporter().from_notebook_node(nb)
    write_text(html_path, _page.readable_page(body, _page.notebook_language(nb)))


def _run_one(task: dict[str, Any]) -> BranchResult:
    """Execute one branch report (in a worker process).

    The result's ``phases`` say where its wall time went: ``queued`` (from the submitting
    process handing the task over to this worker starting it: waiting for a free worker,
    and the transfer), ``imports`` (papermill in this process, once per worker),
    ``kernel_start`` (starting this worker's kernel: its first report, or after a
    failure), ``cells`` (the notebook's cells, as the kernel ran them), ``papermill``
    (the rest of executing the notebook: reading and parameterising it, the kernel reset,
    messaging, writing the executed notebook), ``html`` (the export) and ``finish``
    (fingerprint, moving the report into place).
    """
    t_start = time.time()
    if _interrupted:  # reports already queued for this worker when Ctrl-C came: not run
        return BranchResult(task["branch"], task["folder"], "failed", 0.0, "interrupted")
    t0 = time.perf_counter()
    phases: dict[str, float] = {}
    if "submitted" in task:
        phases["queued"] = max(0.0, t_start - task["submitted"])
    import papermill as pm

    from . import _kernels

    os.environ.setdefault("TQDM_DISABLE", "1")
    out = Path(task["out"])
    branch, folder = task["branch"], task["folder"]
    final = out / folder
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{task['run']}-{folder}-", dir=out))
    params = dict(task["params"], output_dir=str(tmp))
    nb_out = tmp / "report.ipynb"
    error = None
    cwd = str(Path(task["notebook"]).parent)
    # the kernel's own log (e.g. on Ctrl-C) is noise to the user: cell errors are kept in
    # the executed notebook. No input history: kernels started together race for the
    # same history database and IPython prints that race into the report.
    kernel_args = ["--IPKernelApp.log_level=CRITICAL", "--HistoryManager.enabled=False"]
    phases["imports"] = time.perf_counter() - t0
    cells: list[float] = []
    nb: Any = None
    for attempt in (1, 2):
        try:
            t1 = time.perf_counter()
            if task.get("fresh", False):
                run: dict[str, Any] = {"extra_arguments": kernel_args}
            else:  # this worker's kernel, reset to a fresh one's state (see _kernels)
                km = _kernels.warm_kernel(task["kernel"], cwd, kernel_args)
                run = {"engine_name": _kernels.ENGINE, "km": km, "reset_cwd": cwd}
            t2 = time.perf_counter()
            if t2 - t1 > 0.01:  # a kernel was started (a warm one is handed back at once)
                phases["kernel_start"] = phases.get("kernel_start", 0.0) + t2 - t1
            nb = pm.execute_notebook(
                task["notebook"],
                str(nb_out),
                parameters=params,
                kernel_name=task["kernel"],
                cwd=cwd,
                progress_bar=False,
                execution_timeout=task["timeout"],
                log_output=False,
                **run,
            )
            cells = _cell_seconds(nb)
            phases["cells"] = sum(cells)
            # a fresh kernel starts inside papermill: its start is not papermill's work
            phases["papermill"] = time.perf_counter() - t2 - phases["cells"]
            error = None
            break
        except pm.PapermillExecutionError as e:
            error = f"{e.ename}: {e.evalue}".strip()
            _kernels.discard_kernel()  # a failed notebook may have left anything behind
            break
        except BaseException as e:  # kernel did not start, died, timed out; Ctrl-C
            _kernels.discard_kernel()
            if not isinstance(e, Exception):
                raise
            error = f"{type(e).__name__}: {e}".strip().splitlines()[0]
            if attempt == 1 and not nb_out.exists():
                continue  # a kernel that failed to start (port race) gets one retry
            break
    if error is None:
        try:
            t3 = time.perf_counter()
            title = task.get("title") or branch
            export_html(nb_out, tmp / "report.html", title=title, nb=nb)
            t4 = time.perf_counter()
            phases["html"] = t4 - t3
            # tmp is this run's own folder: its files need no atomic write of their own
            (tmp / ".fingerprint").write_text(task["fingerprint"])
            replace_dir(tmp, final)  # the old report stays until the new one is whole
            phases["finish"] = time.perf_counter() - t4
        except Exception as e:
            error = f"{type(e).__name__}: {e}"
    if error is not None:
        failed = out / "_failed"
        failed.mkdir(exist_ok=True)
        if nb_out.exists():
            os.replace(nb_out, failed / f"{folder}.ipynb")
        shutil.rmtree(tmp, ignore_errors=True)
        return BranchResult(
            branch, folder, "failed", time.perf_counter() - t0, error, phases, cells
        )
    return BranchResult(branch, folder, "done", time.perf_counter() - t0, None, phases, cells)


def _cell_seconds(nb: Any) -> list[float]:
    """Each code cell's seconds in an executed notebook (papermill's per-cell timing), in
    the order of the notebook's own code cells (the cell papermill injects is left out,
    so the n-th figure is the n-th code cell of the notebook as written)."""
    out = []
    for c in nb.cells:
        if c.get("cell_type") != "code":
            continue
        if "injected-parameters" in c.get("metadata", {}).get("tags", []):
            continue
        d = c.get("metadata", {}).get("papermill", {}).get("duration")
        out.append(float(d) if d is not None else 0.0)
    return out


def run_reports(
    data: str | Path | None = None,
    *,
    mapping: str | None = None,
    branches: list[str] | None = None,
    out: str | Path = "reports",
    jobs: int | None = None,
    min_accounts: int = 1,
    force: bool = False,
    lang: str = "en",
    tier_scheme: str | None = None,
    cost_model: str | None = None,
    estimates: str | None = None,
    targets: str | None = None,
    mask_pii: bool = False,
    scheduler: str | None = None,
    notebook: str | Path | None = None,
    timeout: int = 600,
    fresh_kernels: bool = False,
    progress: bool = True,
    overview: bool | str | Path | None = None,
) -> RunSummary:
    """Build one report per branch, and the operator overview. See ``kam report --help``.

    ``targets`` is a YAML file of KPI targets, passed to the branch notebook as the
    parameter ``targets``. ``overview``: True builds the bundled operator overview
    (``operator_overview.ipynb``) into ``OUT/overview/`` after the branches, a path builds
    that notebook instead, False none; None (the default) builds the bundled one unless
    ``notebook`` replaces the branch report with one of your own. It covers every branch of
    the data, also when ``branches`` picks some; it is skipped when nothing it reads has
    changed, and a failure is recorded like a branch's.

    Raises DataError (before any report is run) when the data do not validate or a
    requested branch does not exist.
    """
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    timings: dict[str, float] = {}
    data_path = Path(data) if data else sample_path()
    manifest = _prepared_manifest(data_path) if not (mapping or mask_pii) else None
    book = None
    # a folder of canonical CSV/Parquet tables is prepared branch by branch below, before
    # anything else reads it (the operator need not fit in memory)
    by_branch = manifest is None and not (mapping or mask_pii) and splittable(data_path)
    if by_branch and branches:  # a branch not in the data: said before anything is written
        listed = branches_of(data_path)
        unknown = [b for b in branches if listed is not None and b not in listed]
        if unknown and listed is not None:
            raise unknown_branch(unknown, listed)
    if manifest is None and not by_branch:
        book = load(data_path, mapping=mapping)
        known, counts = book.branches, book.accounts["branch"].value_counts()
        if branches:
            book.branch(branches)  # raises a DataError naming the known branches
    out = Path(out).resolve()  # a notebook runs in its own folder: relative paths would land there
    _check_writable(out)
    nb = Path(notebook) if notebook else notebook_path()
    settings = {
        "tier_scheme": tier_scheme,
        "cost_model": cost_model,
        "estimates": estimates,
        "targets": targets,
    }
    for name, value in settings.items():  # files are passed by absolute path
        if value and (Path(value).suffix or name == "targets"):
            if not Path(value).is_file():
                raise ConfigError(f"{name}: file {value} not found")
            settings[name] = str(Path(value).resolve())
    passed = {k for k, v in settings.items() if v}
    _check_parameters(nb, {"branch", "data", "mapping", "lang", "output_dir"} | passed)
    if overview is None:
        overview = notebook is None
    ov_nb = (
        None
        if overview is False
        else notebook_path("operator_overview.ipynb")
        if overview is True
        else Path(overview)
    )
    # the overview reads the operator's figures only: targets and estimates are a branch's
    ov_settings = {k: settings[k] for k in ("tier_scheme", "cost_model") if settings[k]}
    if ov_nb is not None:
        _check_parameters(ov_nb, {"data", "mapping", "lang", "output_dir"} | set(ov_settings))
    inputs_hash = _hash_inputs(data_path, mapping, *settings.values())
    # split the data once per branch: each notebook then reads its own accounts only
    # (with --mask-pii the split data are masked already: no real name sits in OUT)
    # the language too: the churn-risk model fitted there words its reasons in it
    # and the library: a newer kamlib keeps more beside the data (the lifetime fits)
    prepared = (
        out
        / ".prepared"
        / (inputs_hash[:16] + f"-{_library_hash()[:8]}-{lang}" + ("-masked" if mask_pii else ""))
    )
    if manifest is not None:
        prepared = data_path.resolve()
    elif not (prepared / PREPARED).is_file():
        t_prep = time.perf_counter()
        for stale in (out / ".prepared").glob("*"):
            shutil.rmtree(stale, ignore_errors=True)
        with language(lang):
            prepare(
                data_path if book is None else book.masked() if mask_pii else book,
                prepared,
                cost_model=cost_model,
            )
        timings["prepare"] = time.perf_counter() - t_prep
    if book is None:  # prepared (here or before): list the branches, read no table
        manifest = _prepared_manifest(prepared)
        assert manifest is not None  # written by prepare()
        known, counts = list(manifest["branches"]), pd.Series(manifest["accounts"])
        unknown = [b for b in branches or [] if b not in known]
        if unknown:
            raise unknown_branch(unknown, known)
    chosen = branches or known
    small = [b for b in chosen if counts.get(b, 0) < min_accounts]
    chosen = [b for b in chosen if b not in small]
    kernel = _kernel_name()
    run_id = f"{os.getpid()}-{int(time.time())}"
    tasks: list[dict[str, Any]] = []
    summary = RunSummary(out=str(out), skipped_small=small, timings=timings)
    branch_fingerprint = _fingerprinter(inputs_hash, nb)
    for b in chosen:
        params: dict[str, Any] = {
            "branch": b,
            "data": str(prepared),
            "mapping": "",
            "lang": lang,
            **{k: v for k, v in settings.items() if v},
        }
        folder = safe_name(b)
        if folder.casefold() == OVERVIEW:  # the overview's folder: the branch moves aside
            folder = f"{folder}-branch"
        fp = branch_fingerprint(params)
        with language(lang):  # the page's <title>, in the report's language
            title = tr("{branch}: key-account report", branch=b)
        done = out / folder / ".fingerprint"
        if (
            not force
            and done.is_file()
            and done.read_text() == fp
            and (out / folder / "report.html").is_file()
        ):
            summary.results.append(BranchResult(b, folder, "skipped"))
            continue
        tasks.append(
            {
                "branch": b,
                "folder": folder,
                "title": title,
                "out": str(out),
                "params": params,
                "notebook": str(nb),
                "kernel": kernel,
                "timeout": timeout,
                "fingerprint": fp,
                "run": run_id,
                "fresh": fresh_kernels,
            }
        )
    if ov_nb is not None:  # after the branches: same workers, kernels and fingerprints
        params = {"data": str(prepared), "mapping": "", "lang": lang, **ov_settings}
        fp = _fingerprint(inputs_hash, params, ov_nb)
        done = out / OVERVIEW / ".fingerprint"
        if (
            not force
            and done.is_file()
            and done.read_text() == fp
            and (out / OVERVIEW / "report.html").is_file()
        ):
            summary.overview = BranchResult(OVERVIEW_NAME, OVERVIEW, "skipped")
        else:
            with language(lang):
                title = tr("Operator overview: all branches")
            tasks.append(
                {
                    "branch": OVERVIEW_NAME,
                    "folder": OVERVIEW,
                    "overview": True,
                    "title": title,
                    "out": str(out),
                    "params": params,
                    "notebook": str(ov_nb),
                    "kernel": kernel,
                    "timeout": timeout,
                    "fingerprint": fp,
                    "run": run_id,
                    "fresh": fresh_kernels,
                }
            )
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(tasks) or 1))
    bar = None
    if progress and tasks:
        from tqdm.auto import tqdm

        with language(lang):
            desc, unit = tr("branch reports"), tr("report")
        bar = tqdm(total=len(tasks), desc=desc, unit=unit, file=sys.stderr)

    def record(r: BranchResult, task: dict[str, Any]) -> None:
        if task.get("overview"):
            summary.overview = r
        else:
            summary.results.append(r)
        if r.status == "failed":
            with language(lang):
                msg = tr(
                    "FAILED {report}: {error} (notebook kept in {folder})",
                    report=report_name(r),
                    error=r.error or "",
                    folder=out / "_failed",
                )
            (bar.write(msg) if bar else print(msg, file=sys.stderr))
        if bar:
            bar.update(1)

    timings["setup"] = time.perf_counter() - t0
    if scheduler:
        try:
            _run_on_cluster(scheduler, tasks, record)
        finally:
            if bar:
                bar.close()
        timings["reports"] = time.perf_counter() - t0 - timings["setup"]
        _finish(out, summary, t0, lang, cpu0)
        return summary
    # the start method is held until the pool has shut down: its workers start lazily
    held = contextlib.ExitStack()
    held.callback(_terminate_as_interrupt())
    pool = cf.ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=held.enter_context(_pool_context()),
        initializer=_worker_init,
        initargs=(str(out / ".worker.log"),),
    )
    try:
        futures: dict[cf.Future[BranchResult], dict[str, Any]] = {
            pool.submit(_run_one, t | {"submitted": time.time()}): t for t in tasks
        }
        for f in cf.as_completed(futures):
            t = futures[f]
            try:
                r = f.result()
            except Exception as e:  # the worker process itself died
                r = BranchResult(
                    t["branch"], t["folder"], "failed", 0.0, f"{type(e).__name__}: {e}"
                )
            record(r, t)
    except KeyboardInterrupt:
        _stop_workers(pool)
        summary.interrupted = True
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        held.close()
        for d in out.glob(f".tmp-{run_id}-*"):  # unfinished reports of this run only
            shutil.rmtree(d, ignore_errors=True)
        if bar:
            bar.close()
        timings["reports"] = time.perf_counter() - t0 - timings["setup"]
        if summary.interrupted:  # say what was done before the interrupt
            _finish(out, summary, t0, lang, cpu0)
    _finish(out, summary, t0, lang, cpu0)
    return summary


#: what the running fork server was started with: kamlib's digest and the environment
_forkserver_for: tuple[str, frozenset[tuple[str, str]]] | None = None
_forkserver_users = 0  # batches of this process using it now (run_reports in threads)
_forkserver_lock = threading.Lock()


@contextlib.contextmanager
def _pool_context() -> Iterator[Any]:
    """The local workers' start method, for one batch: forked from a fork server that has
    imported kamlib, papermill and the HTML templates once (``_worker``), so that each
    worker does not import them again (about 7 s of one core per worker); spawn where
    there is no fork server.

    The fork server lives as long as this process. Workers forked from it would run the
    kamlib and see the environment (PYTHONPATH, settings) it started with: when either
    has changed since (kamlib edited in a long notebook session), it is restarted, or,
    while another batch of this process still uses it, this batch spawns its workers.
    """
    global _forkserver_for, _forkserver_users
    spawn = multiprocessing.get_context("spawn")
    try:
        ctx = multiprocessing.get_context("forkserver")
        from multiprocessing import forkserver

        stop = forkserver._forkserver._stop  # type: ignore[attr-defined]
    except (ValueError, ImportError, AttributeError):  # pragma: no cover - not POSIX
        yield spawn
        return
    state = (_library_hash(), frozenset(os.environ.items()))
    busy = False  # the fork server runs an older kamlib and another batch still uses it
    with _forkserver_lock:
        if _forkserver_for is not None and _forkserver_for != state:
            if _forkserver_users:  # stopping it would break the other batch's launches
                busy = True
            else:
                stop()  # the next pool starts a new one, with today's kamlib and environment
        if not busy:
            ctx.set_forkserver_preload(["kamlib._worker"])
            _forkserver_for = state
            _forkserver_users += 1
    if busy:
        yield spawn
        return
    try:
        yield ctx
    finally:
        with _forkserver_lock:
            _forkserver_users -= 1


def _finish(
    out: Path, summary: RunSummary, t0: float, lang: str = "en", cpu0: float | None = None
) -> None:
    t1 = time.perf_counter()
    summary.results.sort(key=lambda r: r.branch)
    write_index(out, summary, lang=lang)
    summary.timings["finish"] = time.perf_counter() - t1
    if cpu0 is not None:
        summary.timings["cpu"] = time.process_time() - cpu0
    summary.seconds = time.perf_counter() - t0
    write_text(out / "summary.json", json.dumps(summary.to_json(), indent=2, ensure_ascii=False))


#: Seconds to wait for a Dask scheduler to answer before giving up with a clear error.
SCHEDULER_TIMEOUT = 20


def _run_on_cluster(address: str, tasks: list[dict[str, Any]], record) -> None:
    """Each branch report a task on a Dask distributed cluster (``kam report --scheduler``).

    The same :func:`_run_one` runs on the workers, so the outputs are those of the local
    runner; the workers must see the data, the notebook and the output folder at the same
    paths (a shared file system) and have the ``kamlib`` kernel installed.
    """
    try:
        from distributed import Client, as_completed
    except ImportError:  # pragma: no cover - part of the notebooks extra
        raise ConfigError(
            "--scheduler needs dask.distributed (pip install 'kamlib[notebooks]')"
        ) from None
    try:
        client = Client(address, timeout=SCHEDULER_TIMEOUT)
    except OSError as e:
        raise ConfigError(f"cannot reach the Dask scheduler at {address}: {e}") from None
    try:
        futures = {
            client.submit(
                _run_one,
                t | {"submitted": time.time()},
                pure=False,
                key=f"report-{t['folder']}-{t['run']}",
            ): t
            for t in tasks
        }
        for f in as_completed(futures):
            t = futures[f]
            try:
                r = f.result()
            except Exception as e:  # the worker died or the task was lost
                r = BranchResult(
                    t["branch"], t["folder"], "failed", 0.0, f"{type(e).__name__}: {e}"
                )
            record(r, t)
    finally:
        client.close()


#: Set in a local worker process by Ctrl-C: the pool has handed it the next reports
#: already, and it must not start them (see :func:`_run_one`).
_interrupted = False


def _worker_init(log: str) -> None:
    """Set up a local worker process: send its own stderr (kernel and asyncio noise, e.g.
    on Ctrl-C) to a log file, since the user sees one clear line per failed branch from the
    main process instead; once interrupted, it starts no further report."""
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 2)
    os.close(fd)
    sys.stderr = open(2, "w", closefd=False)  # lives as long as the worker
    signal.signal(signal.SIGINT, _on_interrupt)


def _on_interrupt(signum: int, frame: Any) -> None:
    global _interrupted
    _interrupted = True
    raise KeyboardInterrupt


def _terminate_as_interrupt() -> Callable[[], None]:
    """Make ``kill`` (SIGTERM) of the batch stop it as Ctrl-C does; returns the undo.

    Without it the main process dies at once and the pool's workers, children of the
    fork server, go on running their reports and kernels. Only where SIGTERM has its
    default action and in the main thread (a host such as Jupyter or a Dask worker keeps
    its own handler)."""
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        return lambda: None

    def on_terminate(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    def undo() -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

    signal.signal(signal.SIGTERM, on_terminate)
    return undo


def _stop_workers(pool: cf.ProcessPoolExecutor) -> None:
    """Interrupt running reports so their kernels shut down; then make sure they stop."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    for p in procs:
        if p.is_alive() and p.pid:
            try:
                os.kill(p.pid, signal.SIGINT)
            except ProcessLookupError:
                pass
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        p.join(timeout=20)
        if p.is_alive():
            p.terminate()


def _check_writable(out: Path) -> None:
    """Fail before any report runs when the output folder cannot be written."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise ConfigError(
            f"cannot write reports to {out}: {e.strerror or e}; choose another --out"
        ) from None


#: index.html's columns: metrics.json key (margin: profit / revenue) -> (heading, how to
#: format it, which way is better: +1 higher, -1 lower, 0 neither, e.g. sizes)
INDEX_COLUMNS: dict[str, tuple[str, str, int]] = {
    "accounts": (N_("Accounts"), "count", 0),
    "revenue": (N_("Revenue"), "money", 0),
    "profit": (N_("Profit"), "money", 0),
    "margin": (N_("Margin"), "share", +1),
    "churn_rate": (N_("Churn rate"), "share", -1),
    "unprofitable_share": (N_("Loss-making, share of accounts"), "share", -1),
    "top20_revenue_share": (N_("Top 20% revenue share"), "share", 0),
    "top20_profit_share": (N_("Top 20% profit share"), "share", 0),
    "top_churn_cause": (N_("Top churn cause"), "label", 0),
}


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):  # absent or half-written: shown as missing figures
        return {}


def _figures(m: dict[str, Any]) -> dict[str, Any]:
    """The index's figures of one metrics.json (or operator.json): margin added."""
    out = {k: m.get(k) for k in INDEX_COLUMNS}
    rev, profit = m.get("revenue"), m.get("profit")
    out["margin"] = profit / rev if rev and profit is not None else None
    return out


def mark(value: Any, operator: Any, better: int) -> str | None:
    """ "better", "worse" or None: ``value`` against the operator's figure, where a
    direction is known (``better``: +1 when higher is better, -1 when lower is).

    Examples
    --------
    >>> mark(0.25, 0.20, -1), mark(0.25, 0.20, +1), mark(0.2, 0.2, -1), mark(None, 0.2, -1)
    ('worse', 'better', None, None)
    """
    if not better or value is None or operator is None:
        return None
    if value == operator:
        return None
    return "better" if (value > operator) == (better > 0) else "worse"


def _cell(key: str, value: Any, currency: str, versus: str | None = None) -> str:
    """One table cell: the formatted figure, its raw value for sorting, and the mark."""
    kind = INDEX_COLUMNS[key][1]
    if value is None:
        return f'<td data-value="">{MISSING}</td>'
    if kind == "label":
        text = label(str(value))
        return f'<td class="text" data-value="{html.escape(text)}">{html.escape(text)}</td>'
    fmt = {"count": count, "money": lambda v: money(v, currency), "share": share}[kind]
    text = html.escape(fmt(value))
    # the direction in words too, not by colour alone
    if versus == "better":
        word = html.escape(tr("better"))
        text += f' <span class="mark">▲ {word}</span>'
    elif versus == "worse":
        word = html.escape(tr("worse"))
        text += f' <span class="mark">▼ {word}</span>'
    cls = f' class="{versus}"' if versus else ""
    return f'<td{cls} data-value="{float(value)!r}">{text}</td>'


_SORT_JS = """
document.querySelectorAll("th[data-col]").forEach(function (th) {
  th.addEventListener("click", function () {
    var body = document.getElementById("branches"), col = +th.dataset.col;
    var up = th.getAttribute("aria-sort") !== "ascending";
    document.querySelectorAll("th[data-col]").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", up ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col].dataset.value, y = b.cells[col].dataset.value;
      if (x === "" || y === "") { return (x === "") - (y === ""); }  // missing last
      var nx = parseFloat(x), ny = parseFloat(y);
      var c = isNaN(nx) || isNaN(ny) ? x.localeCompare(y) : nx - ny;
      return up ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
"""

_CSS = (
    "body{font-family:"
    + _page.FONT_STACK.replace("\n    ", " ")
    + """;margin:1em auto;max-width:80em;padding:0 1em;line-height:1.4}
h1{font-size:1.5em}.scroll{overflow-x:auto;max-width:100%;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;font-size:.9em}
td,th{padding:.3em .6em;border-bottom:1px solid #ddd;text-align:right;white-space:nowrap}
td.text,td.action,tr th:first-child{text-align:left}td.action{white-space:normal;min-width:32em;font-size:.95em}
thead th{cursor:pointer;background:#f4f4f4;position:sticky;top:0}
thead th[aria-sort=ascending]::after{content:" ▲"}thead th[aria-sort=descending]::after{content:" ▼"}
tbody.operator th,tbody.operator td{font-weight:bold;border-bottom:2px solid #999}
.better{color:#1a7f37}.worse{color:#b00}.mark{font-size:.8em}
.failed{color:#b00;font-weight:normal}.xlsx{font-weight:normal;font-size:.8em}
@media (max-width:600px){body{padding:0 .5em}h1{font-size:1.2em}}"""
)


def write_index(out: Path, summary: RunSummary, *, lang: str = "en") -> None:
    """index.html: every branch report linked, with its figures beside the operator's.

    The operator total row comes from the overview's ``operator.json`` (the operator's
    own figures: its churn rate is churned / accounts over all branches, not an average
    of branch rates). Each branch's figure is marked better or worse than the operator's
    where a direction is known; its top action is the first of its ``metrics.json``
    ``actions``. Columns sort by a click on their heading.
    """
    with language(lang):
        write_text(out / "index.html", _index_page(out, summary, lang))


def _index_page(out: Path, summary: RunSummary, lang: str) -> str:
    from .overview import OPERATOR_FILE

    op = _read_json(out / OVERVIEW / OPERATOR_FILE) if summary.overview is not None else {}
    metrics = {r.folder: _read_json(out / r.folder / "metrics.json") for r in summary.results}
    currency = op.get("currency") or next(
        (m["currency"] for m in metrics.values() if m.get("currency")), ""
    )
    op_fig = _figures(op) if op else {}
    excel = html.escape(tr("(Excel)"))  # the link to a report's workbook
    rows = []
    for r in summary.results:
        m = metrics[r.folder]
        fig = _figures(m)
        cells = [
            _cell(k, fig[k], currency, mark(fig[k], op_fig.get(k), INDEX_COLUMNS[k][2]))
            for k in INDEX_COLUMNS
        ]
        actions = m.get("actions") or [None]
        first = actions[0].get("text") if isinstance(actions[0], dict) else None
        action = html.escape(str(first)) if first else MISSING
        cells.append(f'<td class="action" data-value="{action}">{action}</td>')
        name = html.escape(r.branch)
        link = (
            f'<a href="{html.escape(r.folder)}/report.html">{name}</a>'
            if (out / r.folder / "report.html").is_file()
            else name
        )
        if (out / r.folder / "tables.xlsx").is_file():
            link += f' <a class="xlsx" href="{html.escape(r.folder)}/tables.xlsx">{excel}</a>'
        if r.status == "failed":
            failed = tr("failed: {error}", error=r.error or "")
            link += f' <span class="failed">{html.escape(failed)}</span>'
        rows.append(f'<tr><th data-value="{name}">{link}</th>{"".join(cells)}</tr>')

    if op:
        operator = html.escape(tr("Operator"))
        total = [_cell(k, op_fig[k], currency) for k in INDEX_COLUMNS]
        total_row = (
            f'<tr><th><a href="{OVERVIEW}/report.html">{operator}</a></th>'
            f'{"".join(total)}<td data-value="">{MISSING}</td></tr>'
        )
    else:
        total_row = ""
    headings = [tr("Branch")] + [tr(h) for h, _, _ in INDEX_COLUMNS.values()] + [tr("Top action")]
    sort = html.escape(tr("Sort by this column"))
    head = "".join(
        f'<th data-col="{i}" scope="col" title="{sort}">{html.escape(h)}</th>'
        for i, h in enumerate(headings)
    )
    parts = [
        tr(
            "One report per city branch. Money is in {currency}, over the whole observation "
            "period; a dash means the figure could not be computed from the data (see that "
            "branch's data-quality notes).",
            currency=currency or MISSING,
        ),
        tr(
            "▲ better or ▼ worse than the operator as a whole (the first row), where higher "
            "or lower is better. Click a column heading to sort."
        ),
    ]
    ov = summary.overview
    if ov is None:
        overview = ""
    elif ov.status == "failed":
        overview = html.escape(tr("The operator overview failed: {error}", error=ov.error or ""))
        overview = f'<p class="failed">{overview}</p>'
    else:
        name = html.escape(tr("Operator overview"))
        link = f'<a href="{OVERVIEW}/report.html">{name}</a>'
        if (out / OVERVIEW / "tables.xlsx").is_file():
            link += f' <a class="xlsx" href="{OVERVIEW}/tables.xlsx">{excel}</a>'
        overview = (
            "<p>"
            + tr(
                "{link}: every branch side by side, churn causes ranked and churn drivers "
                "fitted on the whole operator.",
                link=link,
            )
            + "</p>"
        )
    if ov is not None and not op:
        parts.append(tr("No operator row: the operator overview wrote no figures."))
    title = html.escape(tr("Key-account reports by branch"))
    intro = "".join(f"<p>{html.escape(p)}</p>" for p in parts)
    return f"""<!doctype html>
<html lang="{_page.HTML_LANG[lang]}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{_CSS}</style></head>
<body><h1>{title}</h1>
{overview}{intro}
<div class="scroll"><table><thead><tr>{head}</tr></thead>
<tbody class="operator">{total_row}</tbody>
<tbody id="branches">
{chr(10).join(rows)}
</tbody></table></div>
<script>{_SORT_JS}</script></body></html>
"""
