"""What every benchmark shares: the machine line and writing its figures."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any


def machine() -> str:
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}"
    )


def report(res: dict[str, Any], out: str | Path) -> dict[str, Any]:
    """Print the figures and write them as JSON to ``out``."""
    text = json.dumps(res, indent=2)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(text)
    print(text)
    return res


class DescendantPeak:
    """The largest resident memory of any process under this one, and of all of them
    together, sampled every ``every`` seconds while in the ``with`` block.

    ``getrusage(RUSAGE_CHILDREN)`` reports only children that were waited for, and the
    batch's warm workers and their kernels are not (it read 0.0). Peaks between two
    samples are missed, so the figures are lower bounds.
    """

    def __init__(self, every: float = 0.5) -> None:
        self.every = every
        self.largest_GB = 0.0
        self.together_GB = 0.0

    def __enter__(self) -> DescendantPeak:
        import threading

        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        import psutil  # ipykernel's dependency, so there wherever the batch runs

        me = psutil.Process()
        while not self._stop.is_set():
            sizes = []
            for p in me.children(recursive=True):
                try:
                    sizes.append(p.memory_info().rss)
                except psutil.Error:  # ended between the listing and the reading
                    pass
            if sizes:
                self.largest_GB = max(self.largest_GB, max(sizes) / 1024**3)
                self.together_GB = max(self.together_GB, sum(sizes) / 1024**3)
            self._stop.wait(self.every)
