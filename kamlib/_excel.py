"""Excel workbooks of a report's tables, safe to open: no cell is read as a formula."""

from __future__ import annotations

import datetime
import math
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._files import atomic_path
from ._labels import labelled
from ._result import Result

__all__ = ["ReportTables", "csv_name", "neutralise", "sheet_names", "write_workbook"]

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


def sheet_name(name: str, used: set[str]) -> str:
    """``name`` as an Excel sheet name: no ``[]:*?/\\``, at most 31 characters, and not
    one of ``used`` (ignoring case; a number is added); the name is added to ``used``.

    Examples
    --------
    >>> sheet_name("Every account: churn risk [2025]", set())
    'Every account  churn risk  2025'
    """
    base = _BAD_SHEET_CHARS.sub(" ", str(name)).strip("' ")[:31] or "table"
    sheet, i = base, 2
    while sheet.lower() in used:
        suffix = f" ({i})"
        sheet, i = base[: 31 - len(suffix)] + suffix, i + 1
    used.add(sheet.lower())
    return sheet


def sheet_names(tables: dict[str, Any]) -> dict[str, str]:
    """Each table's sheet in :func:`write_workbook`'s workbook of ``tables`` (name ->
    frame), in order: neutralised, cut to 31 characters, repeats numbered. A table with
    no rows gets no sheet and takes no name.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"a": [1]})
    >>> sheet_names({"Every account: churn risk": t, "Empty": t.iloc[:0], "every account: churn risk": t})
    {'Every account: churn risk': 'Every account  churn risk', 'every account: churn risk': 'every account  churn risk (2)'}
    """
    used: set[str] = set()
    return {
        str(n): sheet_name(str(neutralise(str(n))), used)
        for n, df in tables.items()
        if df is not None and not df.empty
    }


_BAD_FILE_CHARS = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


def csv_name(sheet: str) -> str:
    """The file name of a table written whole as CSV beside a workbook: its sheet's name
    (unique ignoring case, at most 31 characters; see :func:`sheet_names`) with the
    characters a file name cannot hold on some system made ``_``, and ``.csv``.

    Examples
    --------
    >>> csv_name("Every account  churn risk"), csv_name("每个客户的流失风险"), csv_name('a<b>"c|')
    ('Every account  churn risk.csv', '每个客户的流失风险.csv', 'a_b__c_.csv')
    """
    base = _BAD_FILE_CHARS.sub("_", str(sheet)).strip(". ")
    return (base or "table") + ".csv"


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
            col = _each_distinct(
                col,
                lambda v, k=k: (
                    v
                    if v is None or (k == "text" and not isinstance(v, (bool, str)))
                    else format_value(v, k)
                ),
            )
        elif k in NUMBER_FORMATS and k != "month":
            col = pd.to_numeric(col, errors="coerce")
        # numbers, yes/no and dates cannot be read as a formula: only text is neutralised
        plain = pd.api.types.is_numeric_dtype(col) or pd.api.types.is_datetime64_any_dtype(col)
        col = col.astype(object).where(col.notna(), None)
        out[i] = col if plain else _each_distinct(col, neutralise)
        h = column_header(c) if c else tr("Item")
        if k == "money" and currency == "CNY":  # plain yuan: "(CNY)" / "（元）"
            h = tr("{column} (CNY)", column=h)
        elif k == "money" and currency:
            h = tr("{column} ({currency})", column=h, currency=currency)
        headers.append(str(neutralise(h)))
    return out, headers, [ks[c] for c in table.columns], [c or "item" for c in table.columns]


def _each_distinct(col: pd.Series, f: Any) -> pd.Series:
    """``f`` of each value, called once per distinct value where the values are text or
    yes/no (a code repeats in hundreds of thousands of rows); on each value otherwise
    (numbers: 1 and True are one key to a hash, and would share a result)."""
    kind = pd.api.types.infer_dtype(col, skipna=True)
    if kind not in ("string", "boolean", "empty"):
        return col.map(f)
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    done = np.empty(len(uniques) + 1, dtype=object)  # the last: a blank's placeholder
    for j, u in enumerate(uniques):
        done[j] = f(u)
    out = done[codes]
    blank = codes < 0
    if blank.any():  # None, NaN and NA stay as f makes each of them
        out[blank] = [f(v) for v in col.to_numpy(dtype=object)[blank]]
    return pd.Series(out, index=col.index, dtype=object)


#: rows a sheet can hold below its header (Excel's limit is 1,048,576 rows in all)
EXCEL_ROWS = 1_048_575


def write_workbook(
    tables: dict[str, pd.DataFrame],
    path: str | os.PathLike,
    *,
    kinds: dict[str, dict[str, str]] | None = None,
    currency: str | None = None,
    max_rows: int = EXCEL_ROWS,
    whole: str | os.PathLike | None = None,
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
    report's order, and the Definitions sheet says how many were left out; with
    ``whole`` (a folder) such a table is also written there whole, as CSV (UTF-8 with a
    byte-order mark, so Excel reads Chinese; the sheet's headers and values, formulas
    neutralised; file name :func:`csv_name`), and the Definitions sheet names the file.
    """
    import xlsxwriter

    from ._format import count
    from ._i18n import current_language, tr
    from ._labels import definition

    path = Path(path)
    sheets = sheet_names(tables)
    defs: list[tuple[str, str, str]] = []
    with atomic_path(path) as tmp:
        # xlsxwriter, not openpyxl: a 400,000-account branch writes some ten million cells,
        # three times faster, and constant_memory streams each sheet's rows to disk
        wb = xlsxwriter.Workbook(
            str(tmp),
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "nan_inf_to_errors": True,
                "remove_timezone": True,
            },
        )
        head = wb.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        formats: dict[str, Any] = {}

        def fmt_of(code: str) -> Any:
            if code not in formats:
                formats[code] = wb.add_format({"num_format": code})
            return formats[code]

        try:
            for name, df in tables.items():
                if df is None or df.empty:
                    defs.append((str(name), "", tr("Not in these data: the table has no rows.")))
                    continue
                cut = len(df) - max_rows
                if cut > 0 and whole is None:  # only the rows the sheet holds are needed
                    df = df.iloc[:max_rows]
                values, headers, ks, sources = _sheet_frame(df, (kinds or {}).get(name), currency)
                sheet = sheets[str(name)]
                if cut > 0 and whole is not None:  # every row as CSV, the first in the sheet
                    file = Path(whole) / csv_name(sheet)
                    _write_csv(values, headers, ks, file)
                    values = values.iloc[:max_rows]
                    said = tr(
                        "Only the first {shown} of {rows} rows, in the order shown, are in "
                        "this sheet; every row is in the file {file} beside this workbook.",
                        shown=count(max_rows),
                        rows=count(max_rows + cut),
                        file=Path(os.path.relpath(file, path.parent)).as_posix(),
                    )
                    defs.append((sheet, "", said))
                elif cut > 0:
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
                columns = [_plain(values.iloc[:, j]) for j in range(values.shape[1])]
                cell_formats = []
                for k in ks:
                    code = NUMBER_FORMATS.get(k)
                    if k == "month" and current_language() == "zh":  # 2025年3月, not "Mar 2025"
                        code = _MONTH_ZH
                    cell_formats.append(fmt_of(code) if code else None)
                _write_sheet(
                    wb.add_worksheet(sheet),
                    headers,
                    columns,
                    [(k in NUMBER_FORMATS) for k in ks],
                    cell_formats,
                    head=head,
                    wrap=wrap,
                    date=fmt_of("yyyy-mm-dd"),
                )
                for h, src in zip(headers, sources, strict=True):
                    defs.append((sheet, h, definition(src) or tr("As named in the data.")))
            about = pd.DataFrame(defs, columns=[tr("Sheet"), tr("Column"), tr("Definition")])
            if about.empty:
                about.loc[0] = ["", "", tr("This report has no tables.")]
            used = {v.lower() for v in sheets.values()}
            ws = wb.add_worksheet(sheet_name(tr("Definitions"), used))
            for j, w in enumerate((32, 40, 90)):
                ws.set_column(j, j, w, wrap if j == 2 else None)
            ws.write_row(0, 0, [str(neutralise(str(c))) for c in about.columns], head)
            for i, row in enumerate(about.itertuples(index=False), start=1):
                for j, v in enumerate(row):
                    v = neutralise(v)
                    if v is not None and v != "":
                        ws.write_string(i, j, str(v), wrap if j == 2 else None)
            ws.freeze_panes(1, 0)
            ws.autofilter(0, 0, len(about), len(about.columns) - 1)
        finally:
            wb.close()
    return path


def _write_csv(values: pd.DataFrame, headers: list[str], kinds: list[str], path: Path) -> None:
    """A sheet's values as CSV, atomically: numbers as numbers (full precision), dates as
    2025-03-27 (a month as its first day: the sheet shows "Mar 2025" of the same value),
    text as shown in the sheet (formulas neutralised: a spreadsheet opening the CSV would
    run them too)."""
    from ._files import write_text

    def iso(v: Any) -> Any:
        if isinstance(v, datetime.datetime) and v.time() != datetime.time(0):
            return v.strftime("%Y-%m-%d %H:%M:%S")  # a time of day is kept
        return v.strftime("%Y-%m-%d") if isinstance(v, datetime.date) else v

    def finite(col: pd.Series) -> pd.Series:  # the sheet shows an error cell; the CSV a blank
        return col.where(~col.isin([math.inf, -math.inf]), None)

    frame = pd.DataFrame(
        {
            j: values.iloc[:, j].map(iso) if k == "month" else finite(values.iloc[:, j])
            for j, k in enumerate(kinds)
        }
    )
    frame.columns = headers
    path.parent.mkdir(parents=True, exist_ok=True)
    # utf-8-sig: Excel on Windows reads a CSV without the mark in the system's code page
    write_text(path, frame.to_csv(index=False, lineterminator="\r\n"), encoding="utf-8-sig")


def _plain(col: pd.Series) -> list[Any]:
    """A sheet column as plain Python values: numpy scalars made int/float/bool, None for
    blanks (xlsxwriter does not take numpy's types)."""
    out: list[Any] = []
    for v in col.tolist():
        if v is None or v is pd.NaT:
            out.append(None)
        elif isinstance(v, (bool, np.bool_)):
            out.append(bool(v))
        elif isinstance(v, (int, np.integer)):
            out.append(int(v))
        elif isinstance(v, (float, np.floating)):
            out.append(None if v != v else float(v))
        else:
            out.append(v)
    return out


def _write_sheet(
    ws: Any,
    headers: list[str],
    columns: list[list[Any]],
    numeric: list[bool],
    formats: list[Any],
    *,
    head: Any,
    wrap: Any,
    date: Any,
) -> None:
    """One table's sheet, row by row (constant_memory writes rows in order): a bold
    header, number formats by column kind, long text wrapped, columns as wide as their
    longest cell (capped), frozen under the header, with filters."""
    n = len(columns[0]) if columns else 0
    for j, (h, col, is_number) in enumerate(zip(headers, columns, numeric, strict=True)):
        longest = max([len(str(v)) for v in col if v is not None] or [0])
        if is_number:
            longest = max(longest, 8)
        ws.set_column(j, j, min(max(longest, len(h) // 2 + 1, 6) + 2, _MAX_WIDTH))
    ws.write_row(0, 0, headers, head)
    for i in range(n):
        r = i + 1
        for j, col in enumerate(columns):
            v = col[i]
            if v is None:
                continue
            if isinstance(v, bool):
                ws.write_boolean(r, j, v)
            elif isinstance(v, (int, float)):
                ws.write_number(r, j, v, formats[j])
            elif isinstance(v, (datetime.date, datetime.datetime)):
                ws.write_datetime(r, j, v, formats[j] or date)
            else:
                v = str(v)
                ws.write_string(r, j, v, wrap if len(v) > _MAX_WIDTH else None)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, n, len(headers) - 1)


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
