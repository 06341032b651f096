"""The churn analyses' words, in the edition's language: every text artist of every churn
picture, and the notes and readings the report prints."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import pytest

import kamlib
from kamlib import churn as C
from kamlib._fonts import find_cjk_font, use_cjk_font
from kamlib._i18n import language
from tests.textcheck import data_names, figure_text, foreign

matplotlib.use("Agg")


def _pictures(book):
    """Every churn plot of a branch, drawn in the current language: name -> Figure."""
    drawn = {}
    results = {
        "churn_rates": C.churn_rates(book, by="customer_type"),
        "churn_by_period": C.churn_by_period(book, freq="Q"),
        "churn_by_month": C.churn_by_period(book, freq="M", by="customer_type"),
        "cause_tree": C.cause_tree(book),
        "drivers": C.churn_drivers(book),
        "retention_curves": C.retention_curves(book),
        "cumulative_incidence": C.cumulative_incidence(book),
        "group_warnings": C.group_warnings(book),
        "retention_funnel": C.retention_funnel(book),
        "retention_economics": C.retention_economics(book),
    }
    with matplotlib.rc_context():
        use_cjk_font()  # as a report does: no missing-glyph warnings for Chinese
        for name, result in results.items():
            fig, ax = plt.subplots(figsize=(8, 4))
            result.plot(ax=ax)
            fig.canvas.draw()  # tick labels are made when drawn
            drawn[name] = fig
    return drawn


def _notes(book):
    """The sentences the churn analyses hand to a report."""
    out = []
    for r in (
        C.churn_rates(book, by="customer_type"),
        C.churn_by_period(book, freq="Q"),
        C.churn_types(book),
        C.cause_tree(book),
        C.retention_curves(book),
        C.cumulative_incidence(book),
        C.group_warnings(book),
        C.retention_funnel(book),
        C.retention_economics(book),
    ):
        out += list(r.notes)
    d = C.churn_drivers(book)
    out += [*d.notes, d.reading]
    econ = C.retention_economics(book).table
    out += [str(v) for v in econ["basis"]]
    return out


@pytest.fixture(scope="module")
def branch(sample_book):
    return sample_book.branch("Hangzhou")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_churn_picture_is_in_the_editions_language(branch, lang):
    names = data_names(branch)
    with language(lang):
        figures = _pictures(branch)
    try:
        for name, fig in figures.items():
            words = figure_text(fig)
            assert words, name  # something is written on every picture
            assert foreign(words, lang, names) == [], (name, words)
    finally:
        plt.close("all")


def test_the_chinese_pictures_say_what_the_english_ones_say(branch):
    with language("zh"):
        zh = _pictures(branch)
        tree = zh["cause_tree"].axes[0]
        assert tree.get_xlabel() == "流失客户数"
        # cause names from causes.yaml's zh field, never the English ones
        ticks = {t.get_text().replace("\n", "") for t in tree.get_yticklabels()}
        assert "竞争对手低价" in ticks and not any("price" in t for t in ticks)
        legend = zh["cause_tree"].axes[0].get_legend()
        assert legend.get_title().get_text() == "流失原因大类"
        assert {t.get_text() for t in legend.get_texts()} <= {
            "内部原因",
            "竞争对手",
            "客户自身原因",
            "未知",
        }
        # quarters in Chinese form, the at-risk row named in Chinese
        quarters = [t.get_text() for t in zh["churn_by_period"].axes[0].get_xticklabels()]
        assert quarters[:2] == ["2025年第1季度", "2025年第2季度"]
        curve_text = figure_text(zh["retention_curves"])
        assert "仍在观察的客户数" in curve_text
    plt.close("all")
    with language("en"):
        en = _pictures(branch)
        ticks = [t.get_text() for t in en["churn_by_period"].axes[0].get_xticklabels()]
        assert ticks[:2] == ["Q1 2025", "Q2 2025"]
        assert "Number at risk" in figure_text(en["retention_curves"])
    plt.close("all")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_churn_notes_and_readings_are_in_the_editions_language(branch, lang):
    with language(lang):
        said = _notes(branch)
    assert said
    assert foreign(said, lang, data_names(branch)) == []


def test_the_chinese_notes_are_whole_sentences_with_their_numbers(branch):
    with language("zh"):
        tree = C.cause_tree(branch)
        reading = C.churn_drivers(branch).reading
        w = C.group_warnings(branch)
        back = w.reading
    # the cause column of the tree is the zh name from causes.yaml
    taxonomy = kamlib.cause_taxonomy()
    for code, name in tree.table["cause"].droplevel("group").items():
        assert name == taxonomy.loc[code, "zh"]
    assert reading.startswith("影响离网的因素（基于") and reading.endswith("。")
    assert "几率比" in reading and "95%置信区间" in reading
    assert back.startswith("预警规则的回测") and back.endswith("仍可能离网。")
    b = w._backtest()
    assert f"已有{int(b['warned_left'])}个离网" in back


def test_the_chinese_pictures_have_every_glyph_and_the_minus_sign(branch):
    import warnings

    with language("zh"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        family = find_cjk_font()
        figures = _pictures(branch)
        text = [w for f in figures.values() for w in figure_text(f)]
    plt.close("all")
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert family and missing == []
    assert any("年" in t or "客户" in t for t in text)  # Chinese was drawn, not skipped
    # negative ticks (bills that fell) drawn with a minus the font has (a true minus when it has one)
    assert any(t[:1] in {"-", "\u2212"} and t[1:2].isdigit() for t in text)


def test_the_cause_association_names_its_rows_and_columns_in_the_editions_language(sample_book):
    # the table, its verdict and its heatmap name cause groups and customer types in
    # words: zh names from causes.yaml, customer types through the label catalogue
    with language("zh"):
        a = C.cause_association(sample_book, by="customer_type")
        fig, ax = plt.subplots()
        with matplotlib.rc_context():
            use_cjk_font()
            a.plot(ax=ax)
            fig.canvas.draw()
        rows = [t.get_text() for t in ax.get_yticklabels()]
        columns = [t.get_text() for t in ax.get_xticklabels()]
    plt.close("all")
    assert set(a.observed.index) <= {"内部原因", "竞争对手", "客户自身原因"}
    assert set(a.observed.columns) == {"商业客户", "大客户", "公众客户"}
    assert set(rows) == set(a.observed.index) and set(columns) == set(a.observed.columns)
    assert a.subject == "按客户类型划分的流失原因" and a.unit == "离网客户"
    with language("en"):
        en = C.cause_association(sample_book, by="customer_type")
    assert set(en.observed.index) <= {"Internal (ours)", "Competitor", "Customer's own"}
    assert en.subject == "Churn causes by customer type"
