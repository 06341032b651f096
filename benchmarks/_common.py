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
