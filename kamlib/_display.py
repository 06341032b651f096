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
    (SVG text changes every run), and fonts that draw Chinese in every picture (the CJK
    font first in Chinese; in English the fallback for Chinese names from the data).
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
    from ._i18n import set_language

    set_language(lang)  # every word the notebook shows from here on
    from ._fonts import use_cjk_font

    use_cjk_font(lang)  # both editions: an English chart shows Chinese names from the data
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


#: resolution of report pictures: sharp on a phone's dense screen, shown at 100 dpi size
FIGURE_DPI = 150
_SHOWN_DPI = 100


def table_block(
    title: str,
    frame: pd.DataFrame,
    *,
    kinds: dict[str, str] | None = None,
    currency: str | None = None,
) -> dict[str, str]:
    """The HTML and plain text of :func:`show_table` (a display bundle).

    Examples
    --------
    >>> b = table_block("Half <b>stay</b>", pd.DataFrame({"share": [0.5]}))
    >>> "Half &lt;b&gt;stay&lt;/b&gt;" in b["text/html"], "kam-table" in b["text/html"]
    (True, True)
    >>> print(b["text/plain"])
    Half <b>stay</b>
    Share
      50%
    """
    import html

    from ._i18n import tr
    from ._tables import table_html, table_text

    head = f'<p class="kam-title"><strong>{html.escape(title)}</strong></p>'
    if frame.empty:
        sentence = tr("No rows in these data.")
        return {
            "text/html": f"{head}<p>{html.escape(sentence)}</p>",
            "text/plain": f"{title}\n{sentence}",
        }
    table = table_html(frame, kinds=kinds, currency=currency)
    return {
        "text/html": f'{head}<div class="kam-table">{table}</div>',
        "text/plain": f"{title}\n{table_text(frame, kinds=kinds, currency=currency)}",
    }


def show_table(
    title: str,
    frame: pd.DataFrame,
    *,
    kinds: dict[str, str] | None = None,
    currency: str | None = None,
) -> None:
    """Show an analysis table for a reader under its message title.

    Headers and codes in the reader's words, numbers formatted for their kind (shares
    as percentages, money with its unit and ``currency``, counts, p-values...), no row
    index column, nothing cut; the table scrolls sideways in its own box on a narrow
    screen. ``kinds`` overrides the catalogue's kind of a column for this table (e.g.
    ``{"ci_low": "ratio"}`` for the odds ratios of the drivers table). The plain-text
    version of the output holds the same formatted numbers (what nbval compares).

    Examples
    --------
    >>> show_table("Churn is highest among residents", pd.DataFrame({"rate": [0.19]}))
    ... # doctest: +ELLIPSIS
    {'text/html': '<p class="kam-title"><strong>Churn is highest among residents</strong>...}
    """
    from IPython.display import display

    display(table_block(title, frame, kinds=kinds, currency=currency), raw=True)


def figure_png(fig) -> bytes:
    """The figure as PNG bytes that are the same every run (fixed dpi, no metadata).

    The fonts are set for the current language first (text is laid out when drawn), so
    a picture drawn outside a notebook set-up still shows Chinese names, not boxes.
    """
    import io

    from ._fonts import use_cjk_font, use_fonts_in

    use_cjk_font()
    use_fonts_in(fig)

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=FIGURE_DPI, bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def figure_block(fig, *, alt: str) -> dict[str, str]:
    """The HTML ``<img>`` and plain text (the alt text) of :func:`show_figure`."""
    import base64
    import html
    import struct

    png = figure_png(fig)
    width = struct.unpack(">I", png[16:20])[0] * _SHOWN_DPI // FIGURE_DPI  # IHDR width
    data = base64.b64encode(png).decode("ascii")
    img = (
        f'<img class="kam-figure" alt="{html.escape(alt, quote=True)}" width="{width}" '
        f'style="max-width:100%;height:auto" src="data:image/png;base64,{data}">'
    )
    return {"text/html": img, "text/plain": alt}


def show_figure(fig, *, alt: str) -> None:
    """Show a matplotlib figure as a picture that scales to the page, then close it.

    ``alt`` states the finding in a sentence (screen readers, and anyone whose picture
    does not load, read it); names from the data in it are escaped. The PNG has a fixed
    resolution and no metadata, so the same figure gives the same bytes every run.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> show_figure(fig, alt="Churn fell in every quarter")  # doctest: +ELLIPSIS
    {'text/html': '<img class="kam-figure" alt="Churn fell in every quarter" ...}
    """
    import matplotlib.pyplot as plt
    from IPython.display import display

    try:
        block = figure_block(fig, alt=alt)
    finally:
        plt.close(fig)
    display(block, raw=True)
