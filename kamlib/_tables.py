"""Tables for people: an analysis frame in the reader's words and number formats.

An analysis table has ``snake_case`` columns and raw numbers (0.207, 1105000.0, True).
:func:`display_frame` turns it into what a branch manager reads: headers and codes
through the label catalogue, each column formatted for its kind (share, money, count,
p-value...; :data:`kamlib._labels.KINDS`), booleans as Yes/No, missing values as "—",
and no row-index column (a meaningful index becomes the first column). Nothing is cut
with "…": every row and every character is kept; long text wraps in the page's CSS.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from . import _format as fmt
from ._i18n import tr
from ._labels import KIND_NAMES, KINDS, label

__all__ = ["column_kinds", "format_value", "display_frame", "table_html", "table_text", "flat"]

#: what an index column named like a column of the table gets after its name
ROW_SUFFIX = " (row)"

#: kinds written right-aligned (numbers line up by their last digit)
NUMERIC_KINDS = frozenset({"share", "money", "count", "number", "pvalue", "ratio"})


def _dtype_kind(s: pd.Series) -> str:
    """A column the catalogue does not know: its kind from what it holds."""
    if pd.api.types.is_bool_dtype(s):
        return "flag"
    if pd.api.types.is_integer_dtype(s):
        return "count"
    if pd.api.types.is_float_dtype(s):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(s):
        return "month"
    return "text"


def _kind(column: str, s: pd.Series, kinds: Mapping[str, str], index: bool = False) -> str:
    if column in kinds:
        return kinds[column]
    if index and KINDS.get(column, "text") == "text" and not pd.api.types.is_numeric_dtype(s):
        return "code"  # row keys are codes or names; label() leaves a name as it is
    if column == "":  # an unnamed index of labels (e.g. "branch" / "operator"): codes
        return "code"
    if column.endswith(ROW_SUFFIX):
        column = column[: -len(ROW_SUFFIX)]
    k = KINDS.get(column)
    if k is None:
        return _dtype_kind(s)
    if k == "share" and pd.api.types.is_integer_dtype(s) and not pd.api.types.is_bool_dtype(s):
        # a count that shares its name with a rate ("retained" accounts in a funnel,
        # "retained" share in a survival curve): whole numbers are never fractions here
        return "count"
    return k


def flat(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Any]]:
    """The frame with a meaningful index as its first column(s), and each row's key.

    An unnamed index of integers (row numbers) is dropped; a named index, or one of
    labels, becomes columns (named by the index name; an unnamed one gets the column
    name ``""``; one that repeats a column is dropped, one named like a different column
    gets " (row)" after its name). The row keys (the original index values) let a figure/value table format
    each value by its figure's kind.

    Examples
    --------
    >>> t = pd.DataFrame({"rate": [0.1]}, index=pd.Index(["key_account"], name="customer_type"))
    >>> f, keys = flat(t)
    >>> list(f.columns), keys
    (['customer_type', 'rate'], ['key_account'])
    """
    keys = list(frame.index)
    idx = frame.index
    if (
        not isinstance(idx, pd.MultiIndex)
        and idx.name is None
        and pd.api.types.is_integer_dtype(idx)
    ):  # row numbers (0, 1, 2 …, or the order before a sort) mean nothing to a reader
        out = frame.reset_index(drop=True)
    else:
        names: list[str] = []
        drop: list[str] = []
        for i, n in enumerate(idx.names):
            name = "" if n is None else str(n)
            if name and name in frame.columns:
                same = (
                    frame[name]
                    .reset_index(drop=True)
                    .equals(pd.Series(idx.get_level_values(i), dtype=frame[name].dtype))
                )
                if same:  # the index repeats a column: show it once
                    drop.append(name)
                name = f"{name}{ROW_SUFFIX}"
            names.append(name)
        out = frame.set_axis(idx.set_names(names), axis=0).reset_index()
        out = out.drop(columns=[f"{n}{ROW_SUFFIX}" for n in drop])
    if isinstance(out.columns, pd.MultiIndex):
        out.columns = [" / ".join(str(x) for x in c if str(x)) for c in out.columns]
    out.columns = [str(c) for c in out.columns]
    return out, keys


def column_kinds(
    frame: pd.DataFrame, kinds: Mapping[str, str] | None = None, *, index: int = 0
) -> dict[str, str]:
    """Each column's kind: the table's own ``kinds``, else the catalogue, else its dtype.

    The first ``index`` columns came from the row index: their text is taken as codes.

    Examples
    --------
    >>> t = pd.DataFrame({"ci_low": [1.5], "name": ["Acme"], "n": [3]})
    >>> column_kinds(t), column_kinds(t, {"ci_low": "ratio"})["ci_low"]
    ({'ci_low': 'share', 'name': 'text', 'n': 'count'}, 'ratio')
    """
    kinds = dict(kinds or {})
    unknown = sorted(set(kinds.values()) - KIND_NAMES)
    if unknown:
        raise ValueError(f"unknown column kind(s) {unknown}: choose from {sorted(KIND_NAMES)}")
    return {
        str(c): _kind(str(c), frame[c], kinds, index=i < index) for i, c in enumerate(frame.columns)
    }


#: kinds whose cells are numbers (a text cell in such a column is shown as it is)
_NUMERIC = frozenset({"share", "money", "count", "number", "pvalue", "ratio"})


def format_value(v: Any, kind: str, currency: str | None = None) -> str:
    """One cell as a reader sees it, in the current language.

    Examples
    --------
    >>> format_value(0.207, "share"), format_value(1_105_000, "money", "CNY")
    ('21%', '1.1 M CNY')
    >>> format_value(True, "flag"), format_value(None, "count"), format_value("key_account", "code")
    ('Yes', '—', 'Key accounts')
    """
    if isinstance(v, (list, tuple, set)):
        return ", ".join(format_value(x, kind, currency) for x in v) or fmt.MISSING
    if fmt._missing(v):
        return fmt.MISSING
    if isinstance(v, str) and kind in _NUMERIC:  # names where the catalogue expects a number
        return v
    if kind == "share":
        return fmt.share(v)
    if kind == "money":
        return fmt.money(v, currency) if currency else fmt.number(v, 0)
    if kind == "count":
        return fmt.count(v)
    if kind == "number":
        return fmt.number(v, 2)
    if kind == "pvalue":
        return fmt.pvalue(v)
    if kind == "ratio":
        return fmt.ratio(v)
    if kind == "flag":
        return tr("Yes") if bool(v) else tr("No")
    if kind == "month":
        return fmt.month(v)
    if kind == "code":
        if isinstance(v, (bool, np.bool_)):  # a yes/no answer in a column of words
            return tr("Yes") if bool(v) else tr("No")
        return label(v) if isinstance(v, str) else str(v)
    if isinstance(v, (float, np.floating)):  # a number in a text column (a figure's value)
        return fmt.number(v, 2)
    return str(v)


def column_header(column: str) -> str:
    """A column's label; an index named like a column says it is the row's."""
    if column.endswith(ROW_SUFFIX):
        return tr("{column} (row)", column=label(column[: -len(ROW_SUFFIX)]))
    return label(column) if column else ""


def _cells(
    frame: pd.DataFrame, kinds: Mapping[str, str] | None, currency: str | None
) -> tuple[list[str], list[str], list[list[str]]]:
    """Headers, kinds and formatted cells of ``frame`` (index flattened)."""
    table, keys = flat(frame)
    ks = column_kinds(table, kinds, index=len(table.columns) - len(frame.columns))
    by_row = "value" in table and ks["value"] == "text" and "value" not in dict(kinds or {})
    columns = list(table.columns)
    rows = []
    for i, row in enumerate(table.itertuples(index=False, name=None)):
        cells = []
        for c, v in zip(columns, row, strict=True):
            kind = ks[c]
            if by_row and c == "value":  # a figure/value table: each value its figure's kind
                key = keys[i]
                kind = KINDS.get(key, "text") if isinstance(key, str) else "text"
                if kind == "text" and isinstance(v, (int, np.integer)) and not isinstance(v, bool):
                    kind = "count"
            cells.append(format_value(v, kind, currency))
        rows.append(cells)
    headers = [column_header(c) for c in columns]
    kinds_out = [ks[c] for c in columns]
    if by_row:
        kinds_out[columns.index("value")] = "number"  # figures: right-aligned
    return headers, kinds_out, rows


def display_frame(
    frame: pd.DataFrame, *, kinds: Mapping[str, str] | None = None, currency: str | None = None
) -> pd.DataFrame:
    """``frame`` as text for a reader: labelled headers, formatted cells, no index.

    Parameters
    ----------
    frame : the analysis table (snake_case columns); not changed.
    kinds : column -> kind for this table, overriding the catalogue
        (e.g. ``{"ci_low": "ratio"}`` for odds ratios).
    currency : the currency of the money columns ("CNY"); without it money is shown
        as a plain rounded number.

    Examples
    --------
    >>> t = pd.DataFrame(
    ...     {"rate": [0.05], "revenue": [84200.0], "reliable": [True]},
    ...     index=pd.Index(["key_account"], name="customer_type"),
    ... )
    >>> display_frame(t, currency="CNY").iloc[0].tolist()
    ['Key accounts', '5.0%', '84 k CNY', 'Yes']
    >>> list(display_frame(t).columns)
    ['Customer type', 'Rate', 'Revenue', 'Enough accounts for a rate']
    """
    headers, _, rows = _cells(frame, kinds, currency)
    out = pd.DataFrame(rows, columns=range(len(headers)), dtype=object)
    out.columns = headers
    return out


def table_html(
    frame: pd.DataFrame, *, kinds: Mapping[str, str] | None = None, currency: str | None = None
) -> str:
    """The formatted table as an HTML ``<table>`` (no index column, nothing cut).

    Numbers are right-aligned (class ``kam-num``); every text is HTML-escaped, so a
    name from the data shows as typed. Repeated outer labels of a multi-level index
    are written once per block.

    Examples
    --------
    >>> print(table_html(pd.DataFrame({"share": [0.5]})))
    <table class="kam"><thead><tr><th class="kam-num">Share</th></tr></thead><tbody><tr><td class="kam-num">50%</td></tr></tbody></table>
    """
    headers, kinds_out, rows = _cells(frame, kinds, currency)
    levels = frame.index.nlevels if isinstance(frame.index, pd.MultiIndex) else 0

    def cls(k: str) -> str:
        return ' class="kam-num"' if k in NUMERIC_KINDS else ""

    head = "".join(
        f"<th{cls(k)}>{html.escape(h)}</th>" for h, k in zip(headers, kinds_out, strict=True)
    )
    body = []
    previous: list[str] = []
    for cells in rows:
        shown = list(cells)
        for j in range(max(levels - 1, 0)):  # outer index levels: once per block
            if previous[: j + 1] == cells[: j + 1]:
                shown[j] = ""
        previous = cells
        tds = "".join(
            f"<td{cls(k)}>{html.escape(v)}</td>" for v, k in zip(shown, kinds_out, strict=True)
        )
        body.append(f"<tr>{tds}</tr>")
    return (
        f'<table class="kam"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    )


def table_text(
    frame: pd.DataFrame, *, kinds: Mapping[str, str] | None = None, currency: str | None = None
) -> str:
    """The formatted table as plain text (every row and character; for nbval and logs)."""
    shown = display_frame(frame, kinds=kinds, currency=currency)
    with pd.option_context(
        "display.max_rows",
        None,
        "display.max_columns",
        None,
        "display.max_colwidth",
        None,
        "display.width",
        None,
    ):
        return shown.to_string(index=False)
