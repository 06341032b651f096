"""pytest settings for every folder of the repository (tests/, kamlib/, notebooks/).

Here, not in tests/conftest.py: pytest applies a conftest's collection hooks only below
its own folder, and the stored notebooks live in notebooks/ and kamlib/notebooks/.
"""

from __future__ import annotations


# nbval: compare tables through their stable text form, not pandas' HTML (which drifts
# between versions) and not stderr (new library warnings are not a change in a number).
def pytest_collectstart(collector):
    if str(getattr(collector, "path", "")).endswith(".ipynb"):
        skip = getattr(collector, "skip_compare", None)
        if skip is not None:
            collector.skip_compare += ("text/html", "stderr", "application/javascript")
