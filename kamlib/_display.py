"""Notebook presentation defaults: stable table text, readable figures, CJK labels."""

from __future__ import annotations

import re

import matplotlib
import pandas as pd

# Markdown that a name in the data could use to inject HTML or a link into a report
_MD_ACTIVE = re.compile(r"([\\`\[\]<>&])")
_ENTITY = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}


def say(text: str):
    r"""A sentence for a report, safe to show whatever names the data hold.

    HTML (``<script>``, ``&``) and Markdown links or code are shown as typed, never
    interpreted; ``*emphasis*`` still works. Returns an IPython ``Markdown`` object.

    Examples
    --------
    >>> print(say("Branch <b>X</b> [x](javascript:y)").data)
    Branch &lt;b&gt;X&lt;/b&gt; \[x\](javascript:y)
    """
    from IPython.display import Markdown

    return Markdown(_MD_ACTIVE.sub(lambda m: _ENTITY.get(m.group(1), "\\" + m.group(1)), text))


def setup_notebook(lang: str = "en") -> None:
    """Set display options that keep reports readable and nbval comparisons stable.

    Fixed table width and float format (so stored outputs do not drift), PNG figures
    (SVG text changes every run), and a CJK font when ``lang="zh"``.
    """
    pd.set_option("display.width", 120)
    pd.set_option("display.max_columns", 20)
    pd.set_option("display.max_rows", 60)
    pd.set_option("display.float_format", lambda v: f"{v:,.2f}")
    matplotlib.rcParams.update(
        {
            "figure.figsize": (7.5, 4.0),
            "figure.dpi": 90,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "svg.hashsalt": "kamlib",
        }
    )
    if lang == "zh":
        from ._fonts import use_cjk_font

        use_cjk_font()
