"""A CJK font for Chinese labels, so no picture shows missing-glyph boxes."""

from __future__ import annotations

from pathlib import Path

import matplotlib
from matplotlib import font_manager

_CANDIDATES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "SimHei",
)


def find_cjk_font() -> str | None:
    """The family name of an installed CJK font, registering bundled ones first."""
    try:  # mplfonts ships Noto Sans CJK in its package data
        import mplfonts

        for f in (Path(mplfonts.__file__).parent / "fonts").glob("*.[ot]t[fc]"):
            font_manager.fontManager.addfont(str(f))
    except ImportError:
        pass
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((c for c in _CANDIDATES if c in names), None)


def use_cjk_font() -> str:
    """Put a CJK font first in matplotlib's sans-serif list; raise if there is none."""
    family = find_cjk_font()
    if family is None:
        raise RuntimeError(
            "no CJK font found: install the 'mplfonts' package (pip) or Debian's fonts-noto-cjk"
        )
    matplotlib.rcParams["font.sans-serif"] = [family, *matplotlib.rcParams["font.sans-serif"]]
    matplotlib.rcParams["axes.unicode_minus"] = False
    return family
