"""What a local worker process of the batch needs, imported once per batch.

The runner's worker processes are forked from a fork server that has imported this module
(see :func:`kamlib.runner._pool_context`), instead of each starting a fresh interpreter
that imports kamlib, papermill and nbconvert and compiles the HTML templates for its first
report: about 7 s of one core per worker here, paid once per batch instead of once per
worker. Nothing here starts a thread or opens a kernel: a forked child must not inherit
either.
"""

from __future__ import annotations

import papermill  # noqa: F401  (imported here so that each forked worker has it)

from . import _kernels  # noqa: F401  (registers the warm-kernel engine)
from .runner import html_exporter

try:
    # the first export compiles the page templates; doing it here means no worker does
    import nbformat.v4

    html_exporter().from_notebook_node(nbformat.v4.new_notebook())
except Exception:  # pragma: no cover - the first report then compiles them itself
    pass
