"""Excel workbooks of a report's tables, safe to open: no cell is read as a formula."""

from __future__ import annotations

import datetime
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
    from ._i18n import tr

    out = df.copy()
    if not isinstance(out.index, pd.RangeIndex) or any(n is not None for n in out.index.names):
        taken = {str(c) for c in out.columns}
        out.index.names = [
            tr("{column} (row)", column=n) if n is not None and str(n) in taken else n
            for n in out.index.names
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


#: Excel number format per column kind (money is a plain number; its currency is in the header)
NUMBER_FORMATS = {
    "share": "0.0%",
    "money": "#,##0",
    "count": "#,##0",
    "number": "#,##0.00",
    "pvalue": "0.000",
    "ratio": "0.00",
    "month": "mmm yyyy",
}
_MONTH_ZH = 'yyyy"年"m"月"'
_MAX_WIDTH = 60  # characters; longer text wraps in its cell


def _sheet_frame(
    df: pd.DataFrame, kinds: dict[str, str] | None, currency: str | None
) -> tuple[pd.DataFrame, list[str], list[str], list[str]]:
    """A sheet's values (numbers stay numbers), headers, kinds and source column names."""
    from ._i18n import tr
    from ._tables import column_header, column_kinds, flat, format_value

    table, _ = flat(df)
    ks = column_kinds(table, kinds, index=len(table.columns) - len(df.columns))
    out = pd.DataFrame(index=range(len(table)))
    headers = []
    for i, c in enumerate(table.columns):
        k = ks[c]
        col = table[c].reset_index(drop=True)
        if k in ("flag", "code") or (k == "text" and col.dtype == object):
            col = col.map(
                lambda v, k=k: (
                    v
                    if v is None or (k == "text" and not isinstance(v, (bool, str)))
                    else format_value(v, k)
                )
            )
        elif k in NUMBER_FORMATS and k != "month":
            col = pd.to_numeric(col, errors="coerce")
        out[i] = col.astype(object).where(col.notna(), None).map(neutralise)
        h = column_header(c) if c else tr("Item")
        if k == "money" and currency == "CNY":  # plain yuan: "(CNY)" / "（元）"
            h = tr("{column} (CNY)", column=h)
        elif k == "money" and currency:
            h = tr("{column} ({currency})", column=h, currency=currency)
        headers.append(str(neutralise(h)))
    return out, headers, [ks[c] for c in table.columns], [c or "item" for c in table.columns]


#: rows a sheet can hold below its header (Excel's limit is 1,048,576 rows in all)
EXCEL_ROWS = 1_048_575


def write_workbook(
    tables: dict[str, pd.DataFrame],
    path: str | os.PathLike,
    *,
    kinds: dict[str, dict[str, str]] | None = None,
    currency: str | None = None,
    max_rows: int = EXCEL_ROWS,
) -> Path:
    """Write one formatted sheet per table and a "Definitions" sheet, atomically.

    Each sheet: a bold header row in the reader's words (money columns name their
    ``currency``), frozen under the header, with filters; number formats by column
    kind (percent, thousands separators, p-values with three decimals); columns as wide
    as their longest cell (capped; long text wraps). A meaningful row index becomes the
    first column. A table with no rows gets no sheet: the Definitions sheet lists it as
    not in these data. ``kinds`` maps a table name to column kinds overriding the
    catalogue (:data:`kamlib._labels.KINDS`). Text a spreadsheet would run as a formula
    is neutralised. A reader never sees a half-written file. A table longer than
    ``max_rows`` (Excel's limit by default) keeps its first ``max_rows`` rows, in the
    report's order, and the Definitions sheet says how many were left out.
    """
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    from ._format import count
    from ._i18n import current_language, tr
    from ._labels import definition

    path = Path(path)
    used: set[str] = set()
    defs: list[tuple[str, str, str]] = []
    with atomic_path(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as xw:
        for name, df in tables.items():
            if df is None or df.empty:
                defs.append((str(name), "", tr("Not in these data: the table has no rows.")))
                continue
            cut = len(df) - max_rows
            if cut > 0:  # Excel cannot hold more: the first rows, and the count left out
                df = df.iloc[:max_rows]
            values, headers, ks, sources = _sheet_frame(df, (kinds or {}).get(name), currency)
            sheet = _sheet_name(str(neutralise(str(name))), used)
            if cut > 0:
                defs.append(
                    (
                        sheet,
                        "",
                        tr(
                            "Only the first {shown} of {rows} rows fit in a sheet (Excel's "
                            "limit): the last {cut} rows, in the order shown, are left out.",
                            shown=count(max_rows),
                            rows=count(max_rows + cut),
                            cut=count(cut),
                        ),
                    )
                )
            values.columns = headers
            values.to_excel(xw, sheet_name=sheet, index=False)
            ws = xw.sheets[sheet]
            for j, (h, k) in enumerate(zip(headers, ks, strict=True), start=1):
                letter = get_column_letter(j)
                ws.cell(row=1, column=j).font = Font(bold=True)
                ws.cell(row=1, column=j).alignment = Alignment(wrap_text=True, vertical="top")
                longest = max([len(str(v)) for v in values.iloc[:, j - 1] if v is not None] or [0])
                if k in NUMBER_FORMATS:
                    longest = max(longest, 8)
                width = min(max(longest, len(h) // 2 + 1, 6) + 2, _MAX_WIDTH)
                ws.column_dimensions[letter].width = width
                fmt = NUMBER_FORMATS.get(k)
                if k == "month" and current_language() == "zh":  # 2025年3月, not "Mar 2025"
                    fmt = _MONTH_ZH
                for row in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell = row[0]
                    if fmt and isinstance(cell.value, (int, float, datetime.date)):
                        cell.number_format = fmt
                    elif isinstance(cell.value, str) and len(cell.value) > _MAX_WIDTH:
                        cell.alignment = Alignment(wrap_text=True, vertical="top")
            ws.freeze_panes = "A2"
            ws.auto_filter.ref = ws.dimensions
            for h, src in zip(headers, sources, strict=True):
                defs.append((sheet, h, definition(src) or tr("As named in the data.")))
        about = pd.DataFrame(defs, columns=[tr("Sheet"), tr("Column"), tr("Definition")])
        if about.empty:
            about.loc[0] = ["", "", tr("This report has no tables.")]
        sheet = _sheet_name(tr("Definitions"), used)
        about.map(neutralise).to_excel(xw, sheet_name=sheet, index=False)
        ws = xw.sheets[sheet]
        for j, w in enumerate((32, 40, 90), start=1):
            ws.cell(row=1, column=j).font = Font(bold=True)
            ws.column_dimensions[get_column_letter(j)].width = w
        for row in ws.iter_rows(min_row=2, min_col=3, max_col=3):
            row[0].alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
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

    def __init__(self, *, currency: str | None = None) -> None:
        self.tables: dict[str, pd.DataFrame] = {}
        self.kinds: dict[str, dict[str, str]] = {}
        self.currency = currency

    def show(
        self, name: str, table: Any, *, kinds: dict[str, str] | None = None
    ) -> pd.DataFrame | None:
        """Keep ``table`` (a DataFrame, or a result's ``.table``) under ``name`` and
        return it with its columns and codes in the reader's words, for display.
        ``kinds`` overrides the catalogue's kind of a column in this table."""
        if isinstance(table, Result):
            table = table.table
        if isinstance(table, pd.DataFrame):
            self.tables[name] = table
            if kinds:
                self.kinds[name] = dict(kinds)
            return labelled(table)
        return None

    def write_excel(self, path: str | os.PathLike) -> Path:
        """Write the kept tables, one sheet each (see :func:`write_workbook`)."""
        return write_workbook(self.tables, path, kinds=self.kinds, currency=self.currency)
