"""Axes a reader can read at a glance: money, shares and counts in words, never "1e6".

Every plot method of the library formats its number axes through these helpers, so tick
labels come from :mod:`kamlib._format` in the current language (``"1.5 M CNY"``,
``"150万元"``, ``"20%"``, ``"1,200"``) and matplotlib never falls back to scientific
notation or an offset text above the axis. Long category names are wrapped, not cut.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> fig, ax = plt.subplots()
>>> _ = ax.bar([0, 1], [1_200_000, 3_400_000])
>>> money_axis(ax, "CNY")
>>> fig.canvas.draw()
>>> [t.get_text() for t in ax.get_yticklabels()][:3], ax.yaxis.get_offset_text().get_text()
(['0 CNY', '1 M CNY', '2 M CNY'], '')
>>> plt.close(fig)
"""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
from matplotlib.ticker import (
    FuncFormatter,
    LogLocator,
    MaxNLocator,
    NullFormatter,
    PercentFormatter,
)

from ._format import count, money
from ._i18n import current_language, tr

__all__ = [
    "money_axis",
    "share_axis",
    "count_axis",
    "ratio_axis",
    "wrap",
    "MONEY",
    "SHARES",
    "COUNTS",
]

#: columns (and summary figures) that hold money, shares or counts: how a generic plot
#: chooses the axis format of the column it draws
MONEY = frozenset(
    {
        "annual_revenue",
        "arpu",
        "at_stake",
        "cost",
        "cost_to_serve",
        "expected",
        "gap_revenue",
        "lifetime_revenue",
        "market_revenue",
        "monthly_revenue",
        "profit",
        "revenue",
        "size",
        "value",
    }
)
SHARES = frozenset(
    {
        "accounts_share",
        "churned_share",
        "current_share",
        "cumulative_share",
        "margin",
        "penetration",
        "profit_share",
        "rate",
        "revenue_share",
        "share",
        "share_of_accounts",
        "share_of_revenue",
        "target_share",
    }
)
COUNTS = frozenset({"accounts", "churned", "lines", "rows", "n", "findings", "market_customers"})


def _axis(ax: Any, axis: str) -> Any:
    if axis not in ("x", "y"):
        raise ValueError(f"axis must be 'x' or 'y', not {axis!r}")
    return ax.xaxis if axis == "x" else ax.yaxis


class _MoneyLocator(MaxNLocator):
    """Round ticks (1, 2, 5 × a power of ten) that stay distinct once written as money.

    ``money`` rounds to one decimal of its unit ("1.1 M"): ticks 50 k apart above a
    million would print the same words twice, so every other tick is dropped until each
    label is different.
    """

    def __init__(self, currency: str):
        super().__init__(nbins=5, steps=[1, 2, 5, 10])  # money words are wide
        self.currency = currency

    def tick_values(self, vmin: float, vmax: float) -> Any:
        ticks = super().tick_values(vmin, vmax)
        while len(ticks) > 2:
            words = [money(v, self.currency) for v in ticks]
            if len(set(words)) == len(words):
                break
            zero = [i for i, v in enumerate(ticks) if v == 0]
            start = zero[0] % 2 if zero else 0  # keep 0 on the axis when it is there
            ticks = ticks[start::2]
        return ticks


def money_axis(ax: Any, currency: str, *, axis: str = "y") -> None:
    """Write the ticks of ``axis`` as money in ``currency`` ("500 k CNY", "50万元").

    Works on linear and logarithmic axes (call it after ``set_xscale("log")``); negative
    amounts keep an ASCII minus, which every font has.
    """
    a = _axis(ax, axis)
    fmt = FuncFormatter(lambda v, _pos: money(v, currency))
    if a.get_scale() == "log":
        a.set_major_locator(LogLocator(base=10))
        a.set_minor_formatter(NullFormatter())
    else:
        a.set_major_locator(_MoneyLocator(currency))
    a.set_major_formatter(fmt)


def share_axis(ax: Any, *, axis: str = "y", whole: float = 1.0) -> None:
    """Write the ticks of ``axis`` as percentages; ``whole`` is the value drawn for 100%
    (1.0 for fractions, 100 for data already in percent)."""
    _axis(ax, axis).set_major_formatter(PercentFormatter(xmax=whole, decimals=None))


def count_axis(ax: Any, *, axis: str = "y") -> None:
    """Whole-number ticks with thousands separators on ``axis`` (no 2.5 accounts)."""
    a = _axis(ax, axis)
    a.set_major_locator(MaxNLocator(integer=True))
    a.set_major_formatter(FuncFormatter(lambda v, _pos: count(v)))


def _plain(v: float) -> str:
    """0.25 -> "0.25", 3.0 -> "3": never scientific notation."""
    return np.format_float_positional(float(v), precision=3, unique=True, trim="-")


def ratio_axis(ax: Any, *, axis: str = "x") -> None:
    """Plain numbers on a logarithmic axis of ratios (0.2, 0.5, 1, 2, 5), never
    ``10^0`` or ``1e-01``; call it after ``set_xscale("log")``."""
    a = _axis(ax, axis)
    a.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    a.set_major_formatter(FuncFormatter(lambda v, _pos: _plain(v)))
    a.set_minor_formatter(NullFormatter())


def wrap(text: Any, width: int = 20) -> str:
    """A category name broken over lines of about ``width`` characters (never cut).

    Chinese text has no spaces to break at, so it is broken every ``width // 2``
    characters (each is about two Latin letters wide).

    Examples
    --------
    >>> wrap("Incomplete offering (solution, quality, build time)")
    'Incomplete offering\\n(solution, quality,\\nbuild time)'
    """
    text = str(text)
    if current_language() == "zh" and " " not in text:
        step = max(width // 2, 1)
        return "\n".join(text[i : i + step] for i in range(0, len(text), step))
    return "\n".join(textwrap.wrap(text, width, break_long_words=False)) or text


#: points a curve over accounts is drawn through at most (a branch of 400,000 accounts
#: would otherwise draw 400,000 vertices for a line a reader sees at a few hundred pixels)
CURVE_POINTS = 5_000


def thinned(
    x: Any, y: Any, *, keep: Any = (), most: int = CURVE_POINTS
) -> tuple[np.ndarray, np.ndarray, bool]:
    """A curve through at most ``most`` of its points, evenly spaced along it, with its
    ends and the indices in ``keep`` (a peak) always in; and whether it was thinned.
    Cumulative curves (Lorenz, whale) keep their shape to well under a pixel.

    Examples
    --------
    >>> x, y, cut = thinned(np.arange(10_000), np.arange(10_000) ** 2, keep=[4_321], most=100)
    >>> len(x) <= 101, cut, int(x[0]), int(x[-1]), 4_321 in x
    (True, True, 0, 9999, True)
    """
    x, y = np.asarray(x), np.asarray(y)
    n = len(x)
    if n <= most:
        return x, y, False
    idx = np.unique(
        np.concatenate([np.linspace(0, n - 1, most).round().astype(int), np.asarray(keep, int)])
    )
    return x[idx], y[idx], True


def thinned_label(label: str, shown: int, total: int) -> str:
    """A curve's legend label saying it was drawn through ``shown`` of ``total`` points."""
    from ._format import count

    return tr(
        "{label} (drawn through {shown} of its {total} points, evenly spaced)",
        label=label,
        shown=count(shown),
        total=count(total),
    )
