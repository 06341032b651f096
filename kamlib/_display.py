"""Notebook presentation defaults: stable table text, readable figures, CJK labels."""

from __future__ import annotations

import matplotlib
import pandas as pd


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
