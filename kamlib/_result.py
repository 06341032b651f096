"""The one shape every analysis returns.

Every public analysis takes a :class:`~kamlib.Book` first and returns a :class:`Result`:

- ``.table``: the tidy DataFrame of the analysis, columns in ``snake_case`` (display
  labels come from :mod:`kamlib._labels`);
- ``.notes``: a tuple of plain sentences saying what was missing, assumed or unreliable
  (empty when nothing was);
- ``.summary()``: a small DataFrame of the headline figures (index ``figure``, one column
  ``value``; counts stay integers);
- ``.plot(*, ax=None)``: draws the analysis on ``ax`` (the current Axes by default) and
  returns the Axes.

Fitted models (:class:`~kamlib.NeedsSegments`, :class:`~kamlib.churn.ChurnDrivers`) have
the same four members once fitted, plus ``fit()`` returning self and fitted attributes
ending in ``_``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Result", "TableResult", "figures", "nothing_to_draw", "axes"]


class Result:
    """Base of every analysis result (see the module docstring for the contract)."""

    table: pd.DataFrame
    notes: tuple[str, ...] = ()

    def summary(self) -> pd.DataFrame:  # pragma: no cover - every subclass has its own
        raise NotImplementedError

    def plot(self, *, ax: Any = None) -> Any:  # pragma: no cover - every subclass has its own
        raise NotImplementedError

    def __repr__(self) -> str:
        try:
            rows, cols = self.table.shape
        except AttributeError:  # a model not fitted yet
            return f"<{type(self).__name__}: not fitted>"
        notes = f", {len(self.notes)} note(s)" if self.notes else ""
        return f"<{type(self).__name__}: {rows} rows x {cols} columns{notes}>"

    def _repr_html_(self) -> str:
        """In a notebook a result shows its notes, then its table in the reader's words."""
        import html

        from ._display import say
        from ._labels import labelled

        try:
            self.table  # noqa: B018 - a model not fitted yet has none
        except AttributeError:
            return f"<p>{html.escape(repr(self))}</p>"
        from ._i18n import tr

        note = html.escape(tr("Note:"))
        notes = "".join(f"<p><em>{note}</em> {say(n).data}</p>" for n in self.notes)
        return notes + labelled(self.table)._repr_html_()  # type: ignore[operator]


class TableResult(Result):
    """A result that is its table: summary is the row count, plot a bar of one column.

    Subclasses set ``_bar`` to the column to draw; override what differs. Its axis is
    written as money (in ``currency``), shares or counts by the column's kind
    (:mod:`kamlib._charts`).
    """

    _bar: str = "accounts"

    def __init__(
        self, table: pd.DataFrame, notes: tuple[str, ...] | list[str] = (), *, currency: str = ""
    ):
        self.table = table
        self.notes = tuple(notes)
        self.currency = currency  # the unit of money columns, for the axis of a plot

    def summary(self) -> pd.DataFrame:
        return figures({"rows": len(self.table)})

    def plot(self, *, ax: Any = None) -> Any:
        ax = axes(ax)
        t = self.table
        if t.empty or self._bar not in t:
            from ._i18n import tr

            return nothing_to_draw(ax, self.notes[0] if self.notes else tr("Nothing to draw."))
        from ._charts import COUNTS, MONEY, SHARES, count_axis, money_axis, share_axis, wrap
        from ._labels import label

        names = [" / ".join(map(label, i)) if isinstance(i, tuple) else label(i) for i in t.index]
        ax.barh(range(len(t)), t[self._bar].to_numpy(dtype=float), color="#4c72b0")
        ax.set_yticks(range(len(t)), [wrap(n, 28) for n in names])
        ax.invert_yaxis()
        if self._bar in MONEY and self.currency:
            money_axis(ax, self.currency, axis="x")
        elif self._bar in SHARES:
            share_axis(ax, axis="x")
        elif self._bar in COUNTS:
            count_axis(ax, axis="x")
        ax.set_xlabel(label(self._bar))
        return ax


def figures(rows: dict[str, Any]) -> pd.DataFrame:
    """Headline figures as one ``value`` column (index ``figure``).

    Counts stay integers (a float column would show 2,000.00 accounts); other numbers are
    kept as they are; missing figures are NaN.

    Examples
    --------
    >>> figures({"accounts": 3, "share": 0.25})["value"].to_dict()
    {'accounts': 3, 'share': 0.25}
    """
    shown: dict[str, Any] = {}
    for k, v in rows.items():
        if isinstance(v, (bool, np.bool_)):
            shown[k] = bool(v)
        elif isinstance(v, (int, np.integer)):
            shown[k] = int(v)
        elif isinstance(v, (float, np.floating)):
            shown[k] = float(v)
        else:
            shown[k] = v
    out = pd.DataFrame({"value": pd.Series(shown, dtype=object)})
    out.index.name = "figure"
    return out


def axes(ax: Any = None) -> Any:
    """``ax``, or the current Axes (pyplot imported only when a picture is drawn)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.gca()


def nothing_to_draw(ax: Any, text: str) -> Any:
    """An empty panel that says why there is no picture; returns the Axes."""
    ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True)
    ax.set_axis_off()
    return ax
