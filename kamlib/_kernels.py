"""Warm kernels: one Jupyter kernel per worker (per thread on a Dask worker), reused from
one report to the next.

Starting a kernel and importing pandas, matplotlib, statsmodels and kamlib costs about 3.5 s
per report, more than the report's own analyses. A worker therefore keeps its kernel and,
before each notebook, puts it back to the state of a fresh one (:data:`_RESET`): the user
namespace and the In/Out history are wiped, figures are closed, matplotlib and pandas
settings, display formatters, warning filters, environment variables and the working
directory are restored, and the execution counter starts again at 1. What stays is what a fresh kernel would
rebuild identically: imported modules. A test checks that a branch gives the same executed
notebook, cell by cell, in a reused kernel as in a fresh one.

A kernel that failed, hung, died or was interrupted is shut down; the next report starts a
new one. Notebooks that need a process of their own (state kept in a C library, threads)
can ask for it with ``kam report --fresh-kernels``.
"""

from __future__ import annotations

import atexit
import multiprocessing.util
import threading
from typing import Any

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger
from papermill.utils import merge_kwargs, remove_args

__all__ = ["ENGINE", "warm_kernel", "discard_kernel"]

ENGINE = "kamlib-warm"

#: A kernel is replaced after this many reports, to bound anything a notebook leaks into
#: imported modules (caches, open files) that the reset cannot see.
MAX_REPORTS_PER_KERNEL = 50

#: Seconds a new kernel has to answer (papermill's own default start timeout).
START_TIMEOUT = 60

# Runs silently (no output, no history, no execution count) before every notebook. The
# first run takes the snapshot a fresh kernel has; later runs restore it. It keeps its
# state in a module of its own in sys.modules, which %reset does not touch.
_RESET = """
def __kamlib_reset(cwd):
    import os, sys, types, warnings
    import matplotlib, matplotlib.pyplot as plt, pandas as pd
    from IPython import get_ipython
    ip = get_ipython()
    snap = sys.modules.get("_kamlib_warm")
    if snap is None:
        plt.close(plt.figure())  # activates the inline backend: its printers and rc count
        snap = sys.modules["_kamlib_warm"] = types.ModuleType("_kamlib_warm")
        snap.rc = matplotlib.rcParams.copy()
        snap.env = dict(os.environ)
        snap.filters = list(warnings.filters)
        snap.printers = {
            k: (dict(f.type_printers), dict(f.deferred_printers))
            for k, f in ip.display_formatter.formatters.items()
        }
    else:
        ip.run_line_magic("reset", "-f")
        plt.close("all")
        dict.update(matplotlib.rcParams, snap.rc)  # as matplotlib.rc_context restores
        os.environ.clear()
        os.environ.update(snap.env)
        warnings.filters[:] = snap.filters
        for k, f in ip.display_formatter.formatters.items():  # e.g. kamlib's table HTML
            types, deferred = snap.printers.get(k, ({}, {}))
            f.type_printers.clear()
            f.type_printers.update(types)
            f.deferred_printers.clear()
            f.deferred_printers.update(deferred)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pd.reset_option("all")
        if "kamlib._i18n" in sys.modules:  # the report language a notebook may have set
            sys.modules["kamlib._i18n"].set_language("en")
    os.chdir(cwd)
    ip.execution_count = 1
__kamlib_reset(__CWD__)
globals().pop("__kamlib_reset", None)  # %reset may have taken it already
"""


class _ResetClient(PapermillNotebookClient):
    """papermill's client, resetting the (reused) kernel before the first cell."""

    def __init__(self, nb_man: Any, *, reset_cwd: str, **kw: Any) -> None:
        super().__init__(nb_man, **kw)
        self._cwd = reset_cwd

    def papermill_execute_cells(self) -> None:
        assert self.kc is not None
        msg_id = self.kc.execute(
            _RESET.replace("__CWD__", repr(self._cwd)), silent=True, store_history=False
        )
        reply = self.wait_for_reply(msg_id)
        if reply is None or reply["content"]["status"] != "ok":
            content = reply["content"] if reply else {}
            raise RuntimeError(
                "could not reset the reused kernel: "
                f"{content.get('ename', 'no reply')}: {content.get('evalue', '')}"
            )
        super().papermill_execute_cells()


class WarmEngine(NBClientEngine):
    """papermill engine running a notebook in the worker's warm kernel (``km=``)."""

    @classmethod
    def execute_managed_notebook(  # type: ignore[override]
        cls,
        nb_man: Any,
        kernel_name: str,
        log_output: bool = False,
        stdout_file: Any = None,
        stderr_file: Any = None,
        start_timeout: int = 60,
        execution_timeout: int | None = None,
        **kwargs: Any,
    ) -> Any:
        # as NBClientEngine does, with the client above and its channels closed after
        kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
        final = merge_kwargs(
            kwargs,
            timeout=execution_timeout,
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log=logger,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        client = _ResetClient(nb_man, **final)
        # papermill writes the whole notebook, figures and all, before and after every
        # cell (about 0.5 s a report); it is written once when the run ends instead
        path, nb_man.output_path = nb_man.output_path, None
        try:
            return client.execute()
        finally:
            nb_man.output_path = path
            if client.kc is not None:
                client.kc.stop_channels()


papermill_engines.register(ENGINE, WarmEngine)


class _Warm(threading.local):
    """One kernel per thread: a Dask worker may run several reports at once in threads."""

    km: Any = None
    key: tuple[str, str] | None = None
    uses: int = 0


_state = _Warm()
_alive: set[Any] = set()  # every kernel of this process, for the exit handler
_alive_lock = threading.Lock()


def warm_kernel(kernel_name: str, cwd: str, extra_arguments: list[str]) -> Any:
    """This thread's kernel manager, started on first use and after a discard."""
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    key = (kernel_name, " ".join(extra_arguments))
    km = _state.km
    if km is not None and (
        _state.key != key or _state.uses >= MAX_REPORTS_PER_KERNEL or not run_sync(km.is_alive)()
    ):
        discard_kernel()
        km = None
    if km is None:
        km = AsyncKernelManager(kernel_name=kernel_name)
        try:
            run_sync(km.start_kernel)(cwd=cwd, extra_arguments=extra_arguments)
            # wait here until it answers, so that its start is timed as the kernel's
            # (the runner's phases), not as the first notebook's
            kc = km.client()
            kc.start_channels()
            try:
                run_sync(kc.wait_for_ready)(timeout=START_TIMEOUT)
            finally:
                kc.stop_channels()
        except BaseException:
            _shutdown(km)
            raise
        _state.km, _state.key, _state.uses = km, key, 0
        with _alive_lock:
            _alive.add(km)
    _state.uses += 1
    return km


def discard_kernel() -> None:
    """Shut this thread's kernel down (after a failure)."""
    km, _state.km, _state.key = _state.km, None, None
    if km is not None:
        _shutdown(km)


def _discard_all() -> None:
    """Shut every kernel of this process down (when it ends)."""
    with _alive_lock:
        kms = list(_alive)
        _alive.clear()
    for km in kms:
        _shutdown(km)


def _shutdown(km: Any) -> None:
    from jupyter_core.utils import run_sync

    with _alive_lock:
        _alive.discard(km)

    try:
        if run_sync(km.is_alive)():
            run_sync(km.shutdown_kernel)(now=True)
    except Exception:  # already gone: nothing to stop
        pass
    try:
        run_sync(km.cleanup_resources)()
    except Exception:
        pass


# a worker process ends through multiprocessing (which skips atexit) or normally
atexit.register(_discard_all)
multiprocessing.util.Finalize(None, _discard_all, exitpriority=100)
