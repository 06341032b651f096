"""Files kamlib writes for someone to open later: safe folder names, atomic writes and
folder swaps.

Every file a reader opens (``metrics.json``, ``tables.xlsx``, ``report.html``,
``index.html``, ``summary.json``) and every folder a run fills (a branch report, a
prepared dataset, the sample cache) is written here, so that a reader, a browser or the
next run sees the old version or the new one, never a part of one. The new content is
written under a temporary name beside its target, then renamed over it: ``os.replace``
within one folder is atomic on POSIX and on Windows, so an interrupted write (an
exception, Ctrl-C, a full disk, a killed process) leaves the old file whole and at most
a hidden ``.<name>.*.tmp`` file behind, which is removed when Python still runs.

Examples
--------
>>> import pathlib, tempfile
>>> p = pathlib.Path(tempfile.mkdtemp()) / "metrics.json"
>>> _ = write_text(p, '{"accounts": 373}')
>>> p.read_text()
'{"accounts": 373}'
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import signal
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["safe_name", "atomic_path", "write_text", "write_bytes", "replace_dir"]


def safe_name(branch: str) -> str:
    """A folder name for a branch that cannot escape the output folder.

    Letters and digits of any script are kept; anything else becomes ``_``. When the name
    had to change, a short hash of the original keeps two branches from colliding.

    Examples
    --------
    >>> safe_name("Suzhou"), safe_name("苏州"), safe_name("../etc")
    ('Suzhou', '苏州', 'etc-380185')
    """
    norm = unicodedata.normalize("NFC", str(branch)).strip()
    cleaned = re.sub(r"[^\w\-]+", "_", norm, flags=re.UNICODE).strip("._-")[:60]
    if cleaned != norm or not cleaned:
        digest = hashlib.sha1(norm.encode("utf-8")).hexdigest()[:6]
        cleaned = f"{cleaned or 'branch'}-{digest}"
    return cleaned


def _temp_beside(path: Path) -> Path:
    # the same folder (a rename across file systems would be a copy, not atomic); a name
    # of its own per write, so two writers of one file never share a temporary
    return path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary path for a writer that wants a file name (openpyxl, nbconvert...);
    renamed over ``path`` when the ``with`` block ends without an error.

    The temporary file sits beside ``path`` and does not exist yet: the writer creates it
    (with the usual permissions). Its content is flushed to disk before the rename, so
    a crash of the machine right after cannot leave an empty file under ``path``. When the
    block raises, the temporary file is removed and ``path`` is left as it was.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "tables.csv"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("a,b\\n1,2\\n")
    >>> target.read_text()
    'a,b\\n1,2\\n'
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_beside(final)
    try:
        yield tmp
        with open(tmp, "rb") as f:  # the writer may have closed it without flushing to disk
            os.fsync(f.fileno())
        os.replace(tmp, final)
    except BaseException:  # Ctrl-C included: no stray temporary file
        tmp.unlink(missing_ok=True)
        raise


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_path`); returns the path."""
    with atomic_path(path) as tmp:
        with open(tmp, "xb") as f:
            f.write(data)
    return Path(path)


def write_text(path: str | os.PathLike, text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_path`); returns the path.

    Line ends are written as given (no translation), the same on every system.
    """
    return write_bytes(path, text.encode(encoding))


def replace_dir(new: str | os.PathLike, final: str | os.PathLike) -> Path:
    """Swap the finished folder ``new`` into place as ``final``; returns ``final``.

    ``new`` must be a sibling of ``final`` (same file system), written completely before
    the call. When ``final`` exists it is first renamed aside and removed only once ``new``
    has taken its place, so a reader finds the old folder or the new one. No file system
    call swaps two folders in one step, so a very short window remains in which ``final``
    does not exist; Ctrl-C is held back during it (in the main thread, where Python
    raises KeyboardInterrupt), so an interrupt cannot leave the report missing.
    """
    new, final = Path(new), Path(final)
    if not final.exists():
        os.replace(new, final)
        return final
    old = final.with_name(f".old-{final.name}-{os.getpid()}-{secrets.token_hex(4)}")
    hold = hasattr(signal, "pthread_sigmask") and (
        threading.current_thread() is threading.main_thread()
    )
    if hold:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        os.replace(final, old)
        try:
            os.replace(new, final)
        except BaseException:
            os.replace(old, final)  # put the old folder back
            raise
    finally:
        if hold:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    shutil.rmtree(old, ignore_errors=True)
    return final
