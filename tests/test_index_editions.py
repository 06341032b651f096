"""The index page, the operator overview and the CLI's summary line in each edition: every
word a reader sees is in the edition's language (names from the data and the standard
abbreviations aside, tests/textcheck.py), and the overview's pictures draw every glyph.

The overview is shown as its notebook shows it (the same display calls, collected here
instead of run through papermill); the batch end to end is in test_reports.py.
"""

from __future__ import annotations

import html
import re
import warnings
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pytest

import kamlib
from kamlib import _display
from kamlib._fonts import use_cjk_font
from kamlib._format import money, names_list, share
from kamlib._i18n import language
from kamlib.cli import summary_lines
from kamlib.overview import build_overview
from kamlib.runner import OVERVIEW, BranchResult, RunSummary, write_index

from .textcheck import data_names, figure_text, foreign, html_text, workbook_text

LANGS = ("en", "zh")
_CJK = "\u4e00-\u9fff"


class _Shown:
    """What the overview's notebook cell shows: HTML blocks and the figures (kept open)."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.figures: list[tuple[object, str]] = []

    def display(self, obj, raw: bool = False) -> None:
        if isinstance(obj, dict):
            self.blocks.append(obj["text/html"])
        else:  # a sentence (IPython Markdown, HTML already escaped by kamlib.say)
            self.blocks.append(f"<p>{obj.data}</p>")

    def show_figure(self, fig, *, alt: str) -> None:
        self.blocks.append(f'<img alt="{html.escape(alt, quote=True)}">')
        self.figures.append((fig, alt))

    def page(self) -> str:
        return "<html><body>" + "\n".join(self.blocks) + "</body></html>"


@pytest.fixture(scope="module")
def editions(tmp_path_factory, sample_book) -> dict[str, dict[str, object]]:
    """Per language: the index page, the overview as shown and its workbook, the figures."""
    import IPython.display

    out: dict[str, dict[str, object]] = {}
    mp = pytest.MonkeyPatch()
    try:
        for lang in LANGS:
            folder = tmp_path_factory.mktemp(f"index-{lang}")
            shown = _Shown()
            mp.setattr(IPython.display, "display", shown.display)
            mp.setattr(_display, "show_figure", shown.show_figure)
            with matplotlib.rc_context(), language(lang):
                if lang == "zh":
                    use_cjk_font()  # as the notebook's set-up does (setup_notebook)
                results = []
                for b in sample_book.branches:
                    kamlib.write_metrics(kamlib.branch_metrics(sample_book, b), folder / b)
                    (folder / b / "report.html").write_text("report")
                    (folder / b / "tables.xlsx").write_bytes(b"")
                    results.append(BranchResult(b, b, "done"))
                ov = build_overview(sample_book)
                IPython.display.display(kamlib.say(f"# {ov.title()}"))
                ov.show()
                ov.write(folder / OVERVIEW)
                texts = {fig: figure_text(fig) for fig, _ in shown.figures}
                glyphs = _missing_glyphs([fig for fig, _ in shown.figures])
                for fig, _ in shown.figures:
                    plt.close(fig)
            (folder / OVERVIEW / "report.html").write_text(shown.page(), encoding="utf-8")
            summary = RunSummary(out=str(folder), results=results, seconds=3.26)
            summary.overview = BranchResult("operator overview", OVERVIEW, "done")
            write_index(folder, summary, lang=lang)
            out[lang] = {
                "folder": folder,
                "overview": ov,
                "figures": list(texts.values()),
                "glyphs": glyphs,
                "summary": summary,
            }
    finally:
        mp.undo()
    return out


def _missing_glyphs(figures) -> list[str]:
    """matplotlib's warnings of characters it could not draw in the figures' fonts."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for fig in figures:
            fig.canvas.draw()
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def _visible(folder: Path) -> list[str]:
    return (
        html_text(folder / "index.html")
        + html_text(folder / OVERVIEW / "report.html")
        + workbook_text(folder / OVERVIEW / "tables.xlsx")
    )


@pytest.mark.parametrize("lang", LANGS)
def test_index_and_overview_are_in_one_language(editions, sample_book, lang):
    lines = _visible(editions[lang]["folder"])
    assert len(lines) > 100  # the pages were read: headings, tables, sentences
    found = foreign(lines, lang, data_names(sample_book))
    assert not found, "\n".join(sorted({line for _, line in found}))


@pytest.mark.parametrize("lang", LANGS)
def test_overview_pictures_are_in_the_edition_language(editions, sample_book, lang):
    figures = editions[lang]["figures"]
    assert len(figures) == 3  # branches' churn, causes, drivers
    for texts in figures:
        found = foreign(texts, lang, data_names(sample_book))
        assert not found, found
    # the words are there: titles, axis labels, the legend
    words = " ".join(t for texts in figures for t in texts)
    if lang == "zh":
        assert "离网率（95%置信区间）" in words and "全公司" in words
    else:
        assert "Churn rate (95% interval)" in words and "Operator" in words


def test_overview_pictures_draw_every_chinese_glyph(editions):
    # matplotlib warns of every character its fonts cannot draw (a box in the picture)
    texts = " ".join(t for texts in editions["zh"]["figures"] for t in texts)
    assert re.search(f"[{_CJK}]", texts)  # Chinese text was drawn
    assert not editions["zh"]["glyphs"], editions["zh"]["glyphs"]


def test_chinese_index_page(editions, sample_book):
    page = (editions["zh"]["folder"] / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page
    assert '"Noto Sans CJK SC"' in page and "Microsoft YaHei" in page  # a CJK font stack
    lines = html_text(page)
    assert lines[0] == "各分公司大客户分析报告"
    assert "按此列排序" in lines  # the sort control's title
    assert {"分公司", "客户数", "离网率", "首要行动建议", "全公司"} <= set(lines)
    # marks in words: the sample's Beijing churns more than the operator, Suzhou less
    assert "▼ 较差" in lines and "▲ 较好" in lines
    # the operator's revenue in 万元, summed here from the billing table
    revenue = sample_book.billing["revenue"].sum()
    assert f"{revenue / 1e4:.1f}万元" in lines
    en = (editions["en"]["folder"] / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in en and "Key-account reports by branch" in en


def test_overview_sentences_are_built_from_the_figures(editions, sample_book):
    ov = editions["zh"]["overview"]
    m = ov.metrics
    acc = sample_book.accounts
    assert m["accounts"] == len(acc) and m["branches"] == acc["branch"].nunique()
    with language("zh"):
        headline = ov.headline()
        churn = ov.churn_sentence()
    with language("zh"):
        revenue = money(m["revenue"], "CNY")
        profit = money(m["profit"], "CNY")
    assert headline == (
        f"2025年1月至12月，{m['branches']}个分公司共{len(acc):,}个客户。"
        f"收入{revenue}，利润{profit}（利润率{round(100 * m['profit'] / m['revenue'])}%）。"
    )
    churned, at_risk = _window_churn(acc)
    low, high = (round(100 * x) for x in m["churn_rate_ci"])
    assert churn == (
        f"2025年1月至12月在网的{at_risk:,}个客户中有{churned}个离网，"
        f"离网率{round(100 * churned / at_risk)}%（95%置信区间{low}%至{high}%）。"
    )
    # one branch, several branches: each a whole sentence in its language
    with language("zh"):
        assert names_list(["苏州", "昆明", "杭州"]) == "苏州、昆明和杭州"
    assert names_list(["Suzhou", "Kunming", "Hangzhou"]) == "Suzhou, Kunming and Hangzhou"
    t = ov.branches.copy()
    op = m["churn_rate"]
    t.loc[["Beijing", "Suzhou"], "ci_low"] = op + 0.01
    t.loc["Beijing", "churn_rate"] = op + 0.08
    ov2 = type(ov)(ov.metrics, t, ov.causes, ov.drivers)
    with language("zh"):
        title = ov2.churn_title()
    rate = share(op + 0.08)
    assert (
        title
        == f"Beijing和Suzhou的客户流失快于全公司（Beijing最高，离网率{rate}；全公司为{share(op)}）"
    )
    assert ov2.churn_title() == (
        f"Beijing and Suzhou lose accounts faster than the operator (highest {rate} in "
        f"Beijing, operator {share(op)})"
    )


def _window_churn(acc) -> tuple[int, int]:
    """Churned in the window (it opens in January 2025) and accounts at risk in it."""
    import pandas as pd

    gone = (acc["status"] == "churned") & (pd.to_datetime(acc["churn_date"]) < "2025-01-01")
    return int(((acc["status"] == "churned") & ~gone).sum()), int((~gone).sum())


def test_cli_summary_follows_the_language(editions):
    s = editions["en"]["summary"]
    s.results[0].status = "skipped"
    s.skipped_small = ["Hanzhong", "Kunming"]
    with language("zh"):
        lines = summary_lines(s, min_accounts=50)
    n = len(s.results) - 1
    assert lines == [
        f"已生成{n}份报告，1份未变，0份失败，用时3.3秒 -> {s.out}/index.html",
        f"全公司概览：{s.out}/overview/report.html",
        "未出报告（客户数少于50个）：Hanzhong和Kunming",
    ]
    assert summary_lines(s, min_accounts=50) == [
        f"{n} reports written, 1 unchanged, 0 failed in 3.3 s -> {s.out}/index.html",
        f"Operator overview: {s.out}/overview/report.html",
        "Left out (fewer than 50 accounts): Hanzhong and Kunming",
    ]
    s.results = s.results[:1]
    s.results[0].status = "done"
    assert summary_lines(s)[0].startswith("1 report written, 0 unchanged")


def test_kam_report_speaks_the_reports_language(tmp_path, capsys):
    # a one-cell notebook: the batch's own words (summary line, page title, index) only
    from kamlib.cli import main

    from .conftest import ROOT, tiny_report

    nb = tiny_report(tmp_path / "nb" / "report.ipynb", "print(branch)")
    out = tmp_path / "out"
    args = ["report", str(ROOT / "data"), "--branch", "Hanzhong", "--notebook", str(nb)]
    assert main([*args, "--lang", "zh", "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("已生成1份报告，0份未变，0份失败，用时")
    assert printed[0].endswith(f"秒 -> {out}/index.html") and len(printed) == 1  # no overview
    page = (out / "Hanzhong" / "report.html").read_text(encoding="utf-8")
    assert "<title>Hanzhong：大客户分析报告</title>" in page and '<html lang="zh-CN">' in page
    assert html_text(out / "index.html")[0] == "各分公司大客户分析报告"
