"""pytest set-up for every folder of the repository (tests/, kamlib/, notebooks/).

Here, not in tests/conftest.py: pytest applies a conftest's collection hooks only below
its own folder, and the stored notebooks live in notebooks/ and kamlib/notebooks/.

The docstring examples load the bundled sample as a reader would paste it,
``kamlib.load(kamlib.sample_path())``; validating the same 2,000 accounts in every
example only makes the suite slower. During the doctests ``kamlib.load`` keeps the Book
of the sample it read first and gives it again (the analyses never change their input, a
property test checks). ``load``'s own example still reads the files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import kamlib

_real_load = kamlib.load
_books: dict[tuple[Any, ...], kamlib.Book] = {}


def _load_sample_once(source: Any, **options: Any) -> kamlib.Book:
    try:
        key = (Path(source).resolve(), *sorted(options.items()))
        hash(key)
    except TypeError:  # not a path, or an option such as a mapping given as a dict
        return _real_load(source, **options)
    if key[0] != kamlib.sample_path().resolve():
        return _real_load(source, **options)
    if key not in _books:
        _books[key] = _real_load(source, **options)
    return _books[key]


@pytest.fixture(autouse=True)
def _sample_read_once(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    node = request.node
    if type(node).__name__ == "DoctestItem" and node.name != "kamlib._io.load":
        monkeypatch.setattr(kamlib, "load", _load_sample_once)


# nbval: compare tables through their stable text form, not pandas' HTML (which drifts
# between versions) and not stderr (new library warnings are not a change in a number).
def pytest_collectstart(collector):
    if str(getattr(collector, "path", "")).endswith(".ipynb"):
        skip = getattr(collector, "skip_compare", None)
        if skip is not None:
            collector.skip_compare += ("text/html", "stderr", "application/javascript")
