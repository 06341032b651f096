"""Excel workbooks: every table a sheet, no text cell a spreadsheet would run."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

import kamlib
from kamlib._excel import neutralise


@pytest.mark.parametrize(
    "text", ["=1+1", "+1", "-2+3", "@SUM(A1)", '=HYPERLINK("http://evil","x")', "\t=1"]
)
def test_formula_text_is_neutralised(text):
    assert neutralise(text) == "'" + text


def test_plain_values_are_left_alone():
    assert neutralise("Suzhou 苏州") == "Suzhou 苏州"
    assert neutralise(-5.0) == -5.0 and neutralise(None) is None


def test_workbook_has_no_formula_cells(tmp_path):
    evil = pd.DataFrame(
        {
            "name": ["=cmd|' /C calc'!A0", "@SUM(1)", "Acme"],
            "profit": [-10.0, 5.0, 7.0],  # negative numbers stay numbers
        },
        index=pd.Index(["+a", "b", "c"], name="=id"),
    )
    evil["tier"] = pd.Categorical(["-x", "gold", "gold"])
    before = evil.copy()
    tables = kamlib.ReportTables()
    shown = tables.show("Loss-making accounts", evil)
    assert list(shown.columns) == ["Name", "Profit", "Value tier"]  # the reader's words
    tables.show("Whale: peak/tail [x]", pd.DataFrame({"v": [1]}))  # a bad sheet name
    tables.show("nothing", None)  # a cell that shows no table adds no sheet
    path = tables.write_excel(tmp_path / "r" / "tables.xlsx")
    pd.testing.assert_frame_equal(evil, before)  # the shown table is not changed
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Loss-making accounts", "Whale  peak tail  x", "Definitions"]
    ws = wb["Loss-making accounts"]
    cells = [c for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = [c.value for c in cells]
    assert "'=cmd|' /C calc'!A0" in values and "'@SUM(1)" in values and "'+a" in values
    assert "'=id" in values and "'-x" in values and -10.0 in values
    assert not list((tmp_path / "r").glob(".*.tmp"))  # written atomically


def test_an_index_named_like_a_column_keeps_both(tmp_path):
    t = pd.DataFrame({"driver": ["x"], "rate": [1.0]}, index=pd.Index(["a"], name="driver"))
    wb = openpyxl.load_workbook(kamlib.write_workbook({"t": t}, tmp_path / "t.xlsx"))
    assert [c.value for c in wb["t"][1]] == ["Driver (row)", "Driver", "Rate"]


def test_long_and_repeated_sheet_names_stay_unique(tmp_path):
    name = "A very long table name that Excel would refuse"
    tables = kamlib.ReportTables()
    tables.tables = {name: pd.DataFrame({"a": [1]}), name.upper(): pd.DataFrame({"a": [2]})}
    wb = openpyxl.load_workbook(tables.write_excel(tmp_path / "t.xlsx"))
    assert len(wb.sheetnames) == 3 and all(len(s) <= 31 for s in wb.sheetnames)
    assert len({s.lower() for s in wb.sheetnames}) == 3


def test_a_table_longer_than_a_sheet_is_capped_and_says_so(tmp_path):
    """Excel holds 1,048,576 rows; a branch of 2 M accounts would not fit. The sheet keeps
    the first rows in order and the Definitions sheet counts those left out (the cap is a
    parameter so the test need not write a million rows)."""
    from kamlib._excel import EXCEL_ROWS, write_workbook

    assert EXCEL_ROWS == 2**20 - 1
    t = pd.DataFrame({"account_id": [f"A{i:03d}" for i in range(25)], "revenue": range(25)})
    path = write_workbook({"Accounts": t, "Small": t.head(3)}, tmp_path / "t.xlsx", max_rows=10)
    wb = openpyxl.load_workbook(path)
    rows = list(wb["Accounts"].iter_rows(values_only=True))
    assert len(rows) == 11 and rows[-1][0] == "A009"  # header + the first 10, in order
    assert len(list(wb["Small"].iter_rows(values_only=True))) == 4
    said = [r[2] for r in wb["Definitions"].iter_rows(values_only=True) if r[0] == "Accounts"]
    assert any("first 10 of 25 rows" in str(x) and "last 15 rows" in str(x) for x in said)


def test_a_table_longer_than_the_cap_is_written_whole_as_csv(tmp_path):
    """With a folder for whole tables, a cut table is also written whole as CSV: UTF-8 with
    a byte-order mark (Excel on Windows reads Chinese right), the sheet's headers, every
    row in order, numbers at full precision, dates ISO (a month its first day), and formulas
    neutralised; the Definitions sheet names the file. A table that fits gets no file."""
    from kamlib._excel import write_workbook

    n = 25
    t = pd.DataFrame(
        {
            "account_id": [f"A{i:03d}" for i in range(n)],
            "name": ["=HYPERLINK(1)" if i == 20 else f"客户{i}" for i in range(n)],
            "revenue": [i / 3 for i in range(n)],
            "month": pd.Timestamp("2025-03-01"),
            "churn_date": pd.Timestamp("2025-04-27"),
            "ratio": [float("inf") if i == 5 else 1.0 for i in range(n)],
        }
    )
    whole = tmp_path / "tables"
    path = write_workbook(
        {"Every account: churn risk": t, "Small": t.head(3)},
        tmp_path / "t.xlsx",
        max_rows=10,
        whole=whole,
    )
    assert [p.name for p in whole.iterdir()] == ["Every account  churn risk.csv"]
    raw = (whole / "Every account  churn risk.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the byte-order mark
    back = pd.read_csv(whole / "Every account  churn risk.csv", encoding="utf-8-sig", dtype=str)
    assert len(back) == n and back.iloc[:, 0].tolist() == t["account_id"].tolist()
    assert back.iloc[20, 1] == "'=HYPERLINK(1)" and back.iloc[3, 1] == "客户3"
    assert float(back.iloc[7, 2]) == 7 / 3  # full precision, not as formatted
    assert set(back.iloc[:, 3]) == {"2025-03-01"} and set(back.iloc[:, 4]) == {"2025-04-27"}
    assert pd.isna(back.iloc[5, 5]) and back.iloc[4, 5] == "1.0"  # inf: a blank, not "inf"
    wb = openpyxl.load_workbook(path)
    sheet = wb["Every account  churn risk"]
    assert [c.value for c in sheet[1]] == list(back.columns)  # the sheet's own headers
    assert sheet.max_row == 11  # the header and the first 10
    said = [r[2] for r in wb["Definitions"].iter_rows(values_only=True) if r[0] == sheet.title]
    assert any(
        "first 10 of 25 rows" in str(x) and "tables/Every account  churn risk.csv" in str(x)
        for x in said
    )


def test_sheet_values_are_those_of_each_cell_formatted_on_its_own():
    """The workbook formats a code once per distinct value (a code repeats in hundreds of
    thousands of rows): the cells must be what formatting each cell alone gives, blanks
    and yes/no included, and 1 must not take True's text in a mixed column."""
    from kamlib._excel import _sheet_frame, neutralise
    from kamlib._tables import format_value

    codes = ["key_account", None, np.nan, "business", "key_account", "=cmd"]
    mixed = [True, 1, "x", None, 1.5, False]
    df = pd.DataFrame({"customer_type": codes, "note": pd.Series(mixed, dtype=object)})
    values, *_ = _sheet_frame(df, {"customer_type": "code", "note": "text"}, None)

    def alone(v, kind):
        if v is None:
            return None
        if kind == "text" and not isinstance(v, (bool, str)):
            return v
        return neutralise(format_value(v, kind))

    stored = df["customer_type"].astype(object).tolist()  # as the frame holds them (NA)
    assert values.iloc[:, 0].tolist() == [alone(v, "code") for v in stored]
    assert values.iloc[:, 1].tolist() == [alone(v, "text") for v in mixed]
    assert values.iloc[1, 1] == 1 and isinstance(values.iloc[1, 1], int)  # not True's text
