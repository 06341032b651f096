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
    from IPython import get_ipython

    ip = get_ipython()
    if ip is not None:  # in a notebook: tables with a dash for what is missing
        ip.display_formatter.formatters["text/html"].for_type(pd.DataFrame, frame_html)


def _dashed(index: pd.Index) -> pd.Index:
    """Row labels with "—" for missing ones (e.g. no importance level outside key accounts)."""
    if isinstance(index, pd.MultiIndex):
        rows = [tuple("—" if pd.isna(v) else v for v in t) for t in index]
        return pd.MultiIndex.from_tuples(rows, names=index.names)
    return pd.Index(["—" if pd.isna(v) else v for v in index], name=index.name)


def frame_html(df: pd.DataFrame) -> str:
    """A table as pandas shows it in a notebook, with "—" where a figure is missing or
    was not computed (NaN prints as ``NaN``, which a branch manager should not have to
    read).

    Examples
    --------
    >>> html = frame_html(pd.DataFrame({"rate": [0.1, float("nan")]}, index=["a", None]))
    >>> "<td>—</td>" in html and "<th>—</th>" in html
    True
    """
    idx = df.index
    if isinstance(idx, pd.MultiIndex):
        missing = any((c == -1).any() for c in idx.codes) or any(v.hasnans for v in idx.levels)
    else:
        missing = idx.hasnans
    if missing and len(df) <= 10_000:  # a display table, not a data set
        df = df.set_axis(_dashed(idx), axis=0)  # a copy: the caller's frame stays as is
    return df.to_html(
        na_rep="—",
        max_rows=pd.get_option("display.max_rows"),
        max_cols=pd.get_option("display.max_columns"),
        show_dimensions=pd.get_option("display.show_dimensions"),
        notebook=True,
    )
