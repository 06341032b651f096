"""A CJK font in every picture, so no chart shows missing-glyph boxes.

Both editions need it: a Chinese report's words are Chinese, and an English report shows
Chinese names from the data (branches such as 苏州, account names) in its charts. The
Chinese edition puts the CJK font first (its Latin letters and digits match the Chinese
text); the English edition keeps matplotlib's default font first and falls back to the
CJK font for the characters the default lacks (matplotlib's per-glyph font fallback).
The minus sign is drawn as a true minus (U+2212) when the fonts have it, else as "-".
"""

from __future__ import annotations

import functools
from pathlib import Path

import matplotlib
from matplotlib import font_manager

__all__ = ["find_cjk_font", "use_cjk_font", "use_fonts_in", "font_families"]

_CANDIDATES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "SimHei",
)
_registered = False


def find_cjk_font() -> str | None:
    """The family name of an installed CJK font, registering bundled ones first."""
    global _registered
    if not _registered:
        try:  # mplfonts ships Noto Sans CJK in its package data
            import mplfonts

            for f in sorted((Path(mplfonts.__file__).parent / "fonts").glob("*.[ot]t[fc]")):
                font_manager.fontManager.addfont(str(f))
        except ImportError:
            pass
        _registered = True
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((c for c in _CANDIDATES if c in names), None)


def font_families(family: str, lang: str) -> list[str]:
    """The sans-serif list for ``lang``: the CJK ``family`` first in Chinese, second (as
    the fallback for Chinese names) in English; matplotlib's other defaults after them.

    Examples
    --------
    >>> font_families("Noto Sans CJK SC", "zh")[:2]
    ['Noto Sans CJK SC', 'DejaVu Sans']
    >>> font_families("Noto Sans CJK SC", "en")[:2]
    ['DejaVu Sans', 'Noto Sans CJK SC']
    """
    default = [f for f in matplotlib.rcParamsDefault["font.sans-serif"] if f != family]
    if lang == "zh":
        return [family, *default]
    return [default[0], family, *default[1:]]


def _has_minus(family: str) -> bool:
    """Whether ``family`` draws the true minus sign U+2212."""
    path = font_manager.findfont(
        font_manager.FontProperties(family=family), fallback_to_default=False
    )
    return _file_has_minus(path)


@functools.cache
def _file_has_minus(path: str) -> bool:
    """Whether the font file ``path`` has a glyph for U+2212. Cached: this runs before
    every picture, and opening a CJK font file (tens of MB) each time cost about 25 ms a
    picture; a file's glyphs do not change while a process runs."""
    from matplotlib.ft2font import FT2Font

    return bool(FT2Font(path).get_char_index(0x2212) != 0)


def use_cjk_font(lang: str | None = None) -> str:
    """Set matplotlib's fonts for pictures in ``lang`` (default: the current report
    language) with a CJK font, and the minus sign a font can draw; return the CJK family.

    Safe to call before every picture: it only sets the same settings again. Raises when
    no CJK font is installed (the ``mplfonts`` package, a dependency, ships one).
    """
    from ._i18n import current_language

    family = find_cjk_font()
    if family is None:
        raise RuntimeError(
            "no CJK font found: install the 'mplfonts' package (pip) or Debian's fonts-noto-cjk"
        )
    families = font_families(family, lang or current_language())
    matplotlib.rcParams["font.sans-serif"] = families
    # matplotlib falls back glyph by glyph only along font.family ("sans-serif" is one
    # font: the first of its list found): name the CJK font after it
    matplotlib.rcParams["font.family"] = ["sans-serif", family]
    matplotlib.rcParams["axes.unicode_minus"] = _has_minus(family) and _has_minus(families[0])
    return family


def use_fonts_in(fig: object) -> None:
    """Give the text a figure already holds the fonts of :func:`use_cjk_font` (a text
    takes matplotlib's font settings when it is made; a figure drawn before the set-up
    would show Chinese names as boxes)."""
    from matplotlib.text import Text

    family = matplotlib.rcParams["font.family"]
    for t in fig.findobj(Text):  # type: ignore[attr-defined]
        if t.get_fontproperties().get_family() == ["sans-serif"]:
            t.set_fontfamily(family)
