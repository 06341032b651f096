"""Presentation: tables, pictures, pages and workbooks a branch manager can read."""

from __future__ import annotations

import base64
import re

import matplotlib.pyplot as plt
import openpyxl
import pandas as pd
import pytest

import kamlib
from kamlib._display import figure_block, table_block
from kamlib._excel import write_workbook
from kamlib._i18n import language
from kamlib._labels import DEFINITIONS, KINDS, has_label
from kamlib._page import readable_page
from kamlib._tables import display_frame, format_value, table_html


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [
        (0.2071, "share", "21%"),
        (0.045, "share", "4.5%"),
        (1_105_000.0, "money", "1.1 M CNY"),
        (84_200.0, "money", "84 k CNY"),
        (1234.0, "count", "1,234"),
        (0.00002, "pvalue", "p < 0.001"),
        (0.0312, "pvalue", "p = 0.031"),
        (0.2, "ratio", "0.2×"),
        (True, "flag", "Yes"),
        (False, "flag", "No"),
        (float("nan"), "share", "—"),
        (None, "money", "—"),
        ("competitor_price", "code", "Competitor's lower price"),
        ("key_account", "code", "Key accounts"),
    ],
)
def test_each_kind_is_formatted_for_a_reader(value, kind, shown):
    assert format_value(value, kind, "CNY") == shown


def test_money_in_chinese_uses_wan_yuan():
    with language("zh"):
        assert format_value(1_105_000, "money", "CNY") == "110.5万元"


def test_a_table_shows_no_row_numbers_and_a_meaningful_index_as_first_column():
    t = pd.DataFrame(
        {"rate": [0.1, 0.25], "reliable": [True, False]},
        index=pd.Index(["key_account", "residential"], name="customer_type"),
    )
    shown = display_frame(t)
    assert list(shown.columns) == ["Customer type", "Rate", "Enough accounts for a rate"]
    assert shown.values.tolist() == [["Key accounts", "10%", "Yes"], ["Residential", "25%", "No"]]
    numbered = pd.DataFrame({"name": ["b", "a"]}, index=[7, 3])  # row numbers after a sort
    html = table_html(numbered)
    assert (
        ">7<" not in html
        and ">3<" not in html
        and list(display_frame(numbered).columns) == ["Name"]
    )


def test_a_table_can_override_the_kind_of_a_column():
    drivers = pd.DataFrame({"odds_ratio": [0.2], "ci_low": [0.077], "ci_high": [0.58]})
    assert display_frame(drivers).iloc[0].tolist() == ["0.2×", "7.7%", "58%"]
    kinds = {"ci_low": "ratio", "ci_high": "ratio"}
    assert display_frame(drivers, kinds=kinds).iloc[0].tolist() == ["0.2×", "0.1×", "0.6×"]
    with pytest.raises(ValueError, match="unknown column kind"):
        display_frame(drivers, kinds={"ci_low": "odds"})


def test_long_text_and_many_rows_are_not_cut():
    long = "A very long note that a narrow page must wrap rather than cut " * 5
    t = pd.DataFrame({"note": [long] * 80})
    with pd.option_context("display.max_colwidth", 10, "display.max_rows", 5):
        block = table_block("Notes", t)
    assert "…" not in block["text/html"] and "..." not in block["text/plain"]
    assert block["text/html"].count(long.strip()) == 80
    assert block["text/plain"].count(long.strip()) == 80


def test_titles_and_names_from_the_data_are_escaped():
    t = pd.DataFrame({"name": ["<script>x</script>"]})
    block = table_block("Top <b>accounts</b>", t)
    assert "<script>" not in block["text/html"] and "<b>" not in block["text/html"]
    assert '<div class="kam-table">' in block["text/html"]


def test_a_figure_has_its_alt_text_and_the_same_bytes_every_time():
    def draw():
        fig, ax = plt.subplots()
        ax.bar([0, 1], [3, 1])
        return fig

    alt = 'Residential accounts leave most often ("19%")'
    a, b = figure_block(draw(), alt=alt), figure_block(draw(), alt=alt)
    assert a == b
    img = a["text/html"]
    assert 'alt="Residential accounts leave most often (&quot;19%&quot;)"' in img
    assert "max-width:100%" in img and a["text/plain"] == alt
    png = base64.b64decode(re.search(r"base64,([^\"]+)", img).group(1))
    assert png.startswith(b"\x89PNG") and b"Software" not in png and b"matplotlib" not in png
    plt.close("all")


def test_the_page_gets_language_viewport_and_styles():
    page = (
        '<!DOCTYPE html><html><head><meta content="width=device-width, initial-scale=1.0" '
        'name="viewport"/><title>r</title></head><body><p>x</p></body></html>'
    )
    out = readable_page(page, "zh")
    assert '<html lang="zh-CN">' in out
    assert out.count('name="viewport"') == 1
    assert 'content="width=device-width, initial-scale=1"' in out
    assert "Noto Sans CJK SC" in out and ".kam-table" in out and "overflow-x: auto" in out
    assert out.index("kam-page") < out.index("</head>") and "<p>x</p>" in out
    assert '<html lang="en">' in readable_page(page)


@pytest.fixture(scope="module")
def workbook(tmp_path_factory, sample_book):
    b = sample_book.branch("Suzhou")
    pnl = kamlib.customer_pnl(b)
    tables = {
        "Churn rates": kamlib.churn_rates(b, by="customer_type").table,
        "Customer types": kamlib.customer_types(b).counts(),
        "Churn drivers": kamlib.churn_drivers(b).table,
        "Loss-making accounts": kamlib.profit_actions(b, pnl=pnl, top=10).table,
        "P&L summary": pnl.summary(),
        "Key figures": kamlib.key_figures(sample_book, "Suzhou").table,
        "Data quality": pd.DataFrame(columns=["what", "consequence"]),
    }
    path = write_workbook(
        tables,
        tmp_path_factory.mktemp("xl") / "tables.xlsx",
        kinds={"Churn drivers": {"ci_low": "ratio", "ci_high": "ratio"}},
        currency="CNY",
    )
    return tables, openpyxl.load_workbook(path)


def test_workbook_number_formats_header_and_filters(workbook):
    tables, wb = workbook
    ws = wb["Churn rates"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["Customer type", "Accounts", "Churned", "Rate"]
    assert "Monthly revenue (CNY)" in header
    row = {h: c for h, c in zip(header, ws[2], strict=True)}
    rates = tables["Churn rates"]
    assert row["Rate"].value == pytest.approx(rates["churned"].iloc[0] / rates["accounts"].iloc[0])
    assert row["Rate"].number_format == "0.0%"
    assert row["Accounts"].number_format == "#,##0"
    assert row["Monthly revenue (CNY)"].number_format == "#,##0"
    assert row["Enough accounts for a rate"].value in ("Yes", "No")
    p = dict(zip([c.value for c in wb["Churn drivers"][1]], wb["Churn drivers"][2], strict=True))
    assert p["p-value"].number_format == "0.000" and p["95% interval, low"].number_format == "0.00"
    for ws in wb.worksheets:
        assert all(c.font.bold for c in ws[1]), ws.title
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref == ws.dimensions, ws.title
        values = [c.value for c in ws[1]]
        assert "index" not in values and None not in values, ws.title
        widths = [ws.column_dimensions[c.column_letter].width for c in ws[1]]
        assert all(6 <= w <= 92 for w in widths), ws.title


def test_workbook_has_no_empty_sheet_and_defines_every_column(workbook):
    _, wb = workbook
    assert "Data quality" not in wb.sheetnames
    defs = wb["Definitions"]
    rows = [[c.value for c in r] for r in defs.iter_rows(min_row=2)]
    assert ["Data quality", None, "Not in these data: the table has no rows."] in rows
    defined = {(s, c): d for s, c, d in rows}
    for ws in wb.worksheets:
        assert ws.max_row >= 2, f"{ws.title} is empty"
        if ws.title == "Definitions":
            continue
        for c in ws[1]:
            d = defined.get((ws.title, c.value))
            assert d and d != "As named in the data.", (ws.title, c.value)


def test_every_column_with_a_label_has_a_kind_or_reads_as_text_and_definitions_have_labels():
    assert [k for k in DEFINITIONS if not has_label(k)] == []
    assert [k for k in KINDS if not has_label(k)] == []
