"""Excel workbooks of a report's tables, safe to open: no cell is read as a formula."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pandas as pd

from ._files import atomic_path
from ._labels import labelled
from ._result import Result

__all__ = ["ReportTables", "neutralise", "write_workbook"]

# A spreadsheet reads a text cell starting with one of these as a formula (or DDE call).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def neutralise(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading apostrophe; the rest as is.

    Examples
    --------
    >>> neutralise("=HYPERLINK(\\"http://x\\")"), neutralise("Suzhou"), neutralise(-3)
    ('\\'=HYPERLINK("http://x")', 'Suzhou', -3)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy with the index as columns, flat text headers and every text cell neutralised."""
    out = df.copy()
    if not isinstance(out.index, pd.RangeIndex) or any(n is not None for n in out.index.names):
        taken = {str(c) for c in out.columns}
        out.index.names = [
            f"{n} (row)" if n is not None and str(n) in taken else n for n in out.index.names
        ]
        out = out.reset_index()
    if isinstance(out.columns, pd.MultiIndex):
        out.columns = [" / ".join(str(x) for x in c if str(x)) for c in out.columns]
    out.columns = [str(neutralise(str(c))) for c in out.columns]
    for c in out.columns:
        col = out[c]
        if col.dtype == object or isinstance(col.dtype, (pd.StringDtype, pd.CategoricalDtype)):
            out[c] = col.astype(object).map(neutralise)
    return out


def _sheet_name(name: str, used: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub(" ", str(name)).strip("' ")[:31] or "table"
    sheet, i = base, 2
    while sheet.lower() in used:
        suffix = f" ({i})"
        sheet, i = base[: 31 - len(suffix)] + suffix, i + 1
    used.add(sheet.lower())
    return sheet


def write_workbook(tables: dict[str, pd.DataFrame], path: str | os.PathLike) -> Path:
    """Write one sheet per table, atomically: a reader never sees a half-written file."""
    path = Path(path)
    used: set[str] = set()
    with atomic_path(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as xw:
        if not tables:
            pd.DataFrame({"note": ["this report has no tables"]}).to_excel(
                xw, sheet_name="report", index=False
            )
        for name, df in tables.items():
            frame = _safe_frame(labelled(df))
            frame.to_excel(xw, sheet_name=_sheet_name(name, used), index=False)
    return path


class ReportTables:
    """The tables a report shows, kept in order for its Excel workbook.

    Examples
    --------
    >>> import pandas as pd
    >>> tables = ReportTables()
    >>> t = tables.show("Value tiers", pd.DataFrame({"share_of_accounts": [0.75, 0.25]}))
    >>> list(tables.tables), list(t.columns)
    (['Value tiers'], ['Share of accounts'])
    """

    def __init__(self) -> None:
        self.tables: dict[str, pd.DataFrame] = {}

    def show(self, name: str, table: Any) -> pd.DataFrame | None:
        """Keep ``table`` (a DataFrame, or a result's ``.table``) under ``name`` and
        return it with its columns and codes in the reader's words, for display."""
        if isinstance(table, Result):
            table = table.table
        if isinstance(table, pd.DataFrame):
            self.tables[name] = table
            return labelled(table)
        return None

    def write_excel(self, path: str | os.PathLike) -> Path:
        """Write the kept tables, one sheet each (see :func:`write_workbook`)."""
        return write_workbook(self.tables, path)
