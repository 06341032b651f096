"""Numbers for people: shares as percentages, money with its unit, counts, p-values, periods.

Every number a report prints goes through one of these, in the current language
(:mod:`kamlib._i18n`): ``money(1_105_000, "CNY")`` is "1.1 M CNY" in English and
"110.5万元" in Chinese. Missing values print as "—" (never "nan" or "<NA>").
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ._i18n import current_language, tr

__all__ = [
    "MISSING",
    "names_list",
    "money",
    "share",
    "count",
    "number",
    "pvalue",
    "ratio",
    "month",
    "quarter",
    "period",
]

#: what a reader sees where a figure is missing
MISSING = "—"

_BABEL_LOCALE = {"en": "en", "zh": "zh_CN"}


def _missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    try:
        return bool(math.isnan(float(v)))
    except (TypeError, ValueError):
        return False


def _trim(text: str) -> str:
    """1.0 -> 1, 2.50 -> 2.5 (no trailing zeros after the decimal point)."""
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def money(v: Any, currency: str, *, signed: bool = False) -> str:
    """Money rounded for a reader, with its unit and currency.

    English: k and M with the ISO code ("84 k CNY", "1.1 M USD"); Chinese: 元, 万元, 亿元
    for CNY, and the same units with the code for other currencies ("8.4万 USD").
    ``signed=True`` writes a plus sign on gains (for changes).

    Examples
    --------
    >>> money(1_105_000, "CNY"), money(84_200, "CNY"), money(950, "USD"), money(-1_260, "CNY")
    ('1.1 M CNY', '84 k CNY', '950 USD', '-1.3 k CNY')
    >>> from kamlib._i18n import language
    >>> with language("zh"):
    ...     money(1_105_000, "CNY"), money(9_500, "CNY"), money(250_000_000, "CNY")
    ('110.5万元', '9,500元', '2.5亿元')
    """
    if _missing(v):
        return MISSING
    x = float(v)
    sign = "-" if x < 0 else ("+" if signed and x > 0 else "")
    a = abs(x)
    if current_language() == "zh":
        unit = "元" if currency == "CNY" else f" {currency}"
        if a >= 1e8:
            text = f"{_trim(f'{a / 1e8:.1f}')}亿"
        elif a >= 1e4:
            text = f"{_trim(f'{a / 1e4:.1f}')}万"
        else:
            text = f"{a:,.0f}"
        return f"{sign}{text}{unit}"
    if a >= 1e9:
        text = f"{_trim(f'{a / 1e9:.1f}')} bn"
    elif a >= 1e6:
        text = f"{_trim(f'{a / 1e6:.1f}')} M"
    elif a >= 1e4:
        text = f"{a / 1e3:.0f} k"
    elif a >= 1e3:
        text = f"{_trim(f'{a / 1e3:.1f}')} k"
    else:
        text = f"{a:,.0f}"
    return f"{sign}{text} {currency}"


def share(v: Any, *, signed: bool = False, digits: int | None = None) -> str:
    """A fraction as a percentage: 0.207 -> "21%"; under 10% with one decimal ("4.5%").

    Examples
    --------
    >>> share(2.07), share(0.045), share(0.0004), share(None), share(0.05, signed=True)
    ('207%', '4.5%', '0.04%', '—', '+5.0%')
    """
    if _missing(v):
        return MISSING
    x = float(v) * 100
    if digits is None:
        a = abs(x)
        digits = 0 if a >= 10 or a == 0 else (1 if a >= 0.1 else 2)
    text = f"{x:,.{digits}f}%"
    return ("+" + text) if signed and x > 0 else text


def count(v: Any) -> str:
    """A count as an integer with thousands separators ("1,234")."""
    if _missing(v):
        return MISSING
    return f"{int(round(float(v))):,}"


def number(v: Any, digits: int = 2) -> str:
    """A plain number with ``digits`` decimals and thousands separators."""
    if _missing(v):
        return MISSING
    return f"{float(v):,.{digits}f}"


def pvalue(p: Any) -> str:
    """A p-value as a reader expects it: "p < 0.001", "p = 0.03", "p = 0.42".

    Examples
    --------
    >>> pvalue(0.00002), pvalue(0.0312), pvalue(0.4249)
    ('p < 0.001', 'p = 0.031', 'p = 0.42')
    """
    if _missing(p):
        return MISSING
    x = float(p)
    if x < 0.001:
        return "p < 0.001"
    return f"p = {x:.3f}" if x < 0.1 else f"p = {x:.2f}"


def ratio(v: Any) -> str:
    """A ratio, how many times as large: "5.0×" in English, "5.0倍" in Chinese.

    Examples
    --------
    >>> ratio(5), ratio(123.4)
    ('5.0×', '123×')
    >>> from kamlib._i18n import language
    >>> with language("zh"):
    ...     ratio(2.06)
    '2.1倍'
    """
    if _missing(v):
        return MISSING
    x = float(v)
    sign = "倍" if current_language() == "zh" else "×"
    return f"{x:,.1f}{sign}" if x < 100 else f"{x:,.0f}{sign}"


def names_list(items: Any) -> str:
    """Names joined for a sentence in the current language: "A, B and C" / "A、B和C".

    The names are shown as given (names from the data are never translated); an empty
    list gives "".

    Examples
    --------
    >>> names_list(["Suzhou"]), names_list(["Suzhou", "Kunming"]), names_list(["A", "B", "C"])
    ('Suzhou', 'Suzhou and Kunming', 'A, B and C')
    >>> from kamlib._i18n import language
    >>> with language("zh"):
    ...     names_list(["苏州", "昆明", "杭州"]), names_list(["苏州", "昆明"])
    ('苏州、昆明和杭州', '苏州和昆明')
    """
    names = [str(x) for x in items]
    if len(names) <= 1:
        return "".join(names)
    # the separators are messages (a translator sets them); never glued in English order
    return tr("{names} and {last}", names=tr(", ").join(names[:-1]), last=names[-1])


def month(ts: Any) -> str:
    """A month for a reader: "Jan 2025" / "2025年1月"."""
    if _missing(ts):
        return MISSING
    t = pd.Timestamp(ts)
    if current_language() == "zh":
        return f"{t.year}年{t.month}月"
    return t.strftime("%b %Y")


def quarter(q: Any) -> str:
    """A quarter for a reader: "2025Q1" / "2025年第1季度" (a pandas Period or "2025Q1").

    Examples
    --------
    >>> from kamlib._i18n import language
    >>> quarter("2025Q1"), quarter(pd.Period("2024Q4"))
    ('2025Q1', '2024Q4')
    >>> with language("zh"):
    ...     quarter("2025Q1")
    '2025年第1季度'
    """
    if _missing(q):
        return MISSING
    p = pd.Period(str(q), freq="Q")
    return tr("{year}Q{quarter}", year=p.year, quarter=p.quarter)


def period(start: Any, end: Any) -> str:
    """A period between two months: "Jan–Dec 2025", "Jul 2024 – Jun 2025", "2025年1月至12月"."""
    if _missing(start) or _missing(end):
        return tr("the data's period")
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    if current_language() == "zh":
        if s.year == e.year:
            return f"{s.year}年{s.month}月至{e.month}月"
        return f"{s.year}年{s.month}月至{e.year}年{e.month}月"
    if s.year == e.year:
        return f"{s:%b}–{e:%b %Y}"
    return f"{s:%b %Y} – {e:%b %Y}"
