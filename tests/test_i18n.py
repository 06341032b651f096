"""The Chinese edition of the label catalogue, the workbook, the data-quality findings and
the pictures: every word through the catalogue, no word of the other language, every
character drawn."""

from __future__ import annotations

import re
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font
from matplotlib.text import Text

import kamlib
from kamlib._excel import write_workbook
from kamlib._format import money, names_list, quarter
from kamlib._i18n import _catalogue, language, tr
from kamlib._labels import DEFINITIONS, LABELS, NAMED, definition, label
from kamlib._tables import display_frame
from tests.textcheck import figure_text, foreign, workbook_text

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


# -- the catalogue -------------------------------------------------------------------------
def test_every_label_and_definition_has_a_chinese_entry_with_the_same_placeholders():
    zh = _catalogue("zh")
    missing = sorted({t for t in [*LABELS.values(), *DEFINITIONS.values()] if t not in zh})
    assert missing == []
    for text in [*LABELS.values(), *DEFINITIONS.values()]:
        assert set(_PLACEHOLDER.findall(zh[text])) == set(_PLACEHOLDER.findall(text)), text


def test_chinese_labels_have_no_english_and_english_labels_no_chinese():
    with language("zh"):
        zh = [label(k) for k in LABELS] + [definition(k) for k in DEFINITIONS]
        zh += [label(k) for k in NAMED]
    with language("en"):
        en = [label(k) for k in LABELS] + [definition(k) for k in DEFINITIONS]
        en += [label(k) for k in NAMED]
    assert foreign(zh, "zh") == []
    assert foreign(en, "en") == []


def test_every_message_in_the_catalogue_keeps_its_placeholders():
    for msgid, text in _catalogue("zh").items():
        if isinstance(msgid, tuple):
            forms, _ = text
            want = set(_PLACEHOLDER.findall(msgid[1]))
            assert all(set(_PLACEHOLDER.findall(f)) <= want | {"n"} for f in forms), msgid
        else:
            assert set(_PLACEHOLDER.findall(text)) == set(_PLACEHOLDER.findall(msgid)), msgid


def test_settings_names_follow_the_language_and_show_one_name():
    with language("en"):
        assert (label("diamond"), label("internal"), label("cost_bad_debt")) == (
            "Diamond",
            "Internal (ours)",
            "Cost: Bad debt",
        )
    with language("zh"):
        assert (label("diamond"), label("internal"), label("cost_bad_debt")) == (
            "钻石",
            "内部原因",
            "成本：坏账",
        )


def test_an_unknown_code_is_shown_as_it_is_in_chinese():
    # an export column the mapping kept: its words in English, as it is in Chinese (data)
    with language("en"):
        assert label("total_refunds") == "Total refunds"
    with language("zh"):
        assert label("total_refunds") == "total_refunds"
        assert label("苏州") == "苏州" and label("Hangzhou") == "Hangzhou"


def test_quarters_deciles_and_categories_in_the_reader_s_words():
    with language("zh"):
        assert (label("2025Q1"), label("D1"), quarter("2024Q4")) == (
            "2025年第1季度",
            "第1组",
            "2024年第4季度",
        )
        assert label("contract: two_year") == "合约：两年期"
    with language("en"):
        assert (label("2025Q1"), label("D1"), label("contract: two_year")) == (
            "2025Q1",
            "D1",
            "Contract: Two years",
        )


# -- formats ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("names", "en", "zh"),
    [
        ([], "", ""),
        (["苏州"], "苏州", "苏州"),
        (["Suzhou", "Kunming"], "Suzhou and Kunming", "Suzhou和Kunming"),
        (["苏州", "昆明", "杭州", "北京"], "苏州, 昆明, 杭州 and 北京", "苏州、昆明、杭州和北京"),
    ],
)
def test_names_list_joins_in_the_current_language(names, en, zh):
    with language("en"):
        assert names_list(names) == en
    with language("zh"):
        assert names_list(names) == zh


def test_chinese_money_in_yuan_wan_and_yi():
    with language("zh"):
        # computed here: 1,234,567 / 10^4 = 123.4567 -> 123.5万; 3.2e8 / 10^8 = 3.2亿
        assert money(1_234_567, "CNY") == "123.5万元"
        assert money(320_000_000, "CNY") == "3.2亿元"
        assert money(-8_400, "CNY") == "-8,400元"
        assert money(84_000, "USD") == "8.4万 USD"


# -- tables and the workbook --------------------------------------------------------------
def _sample_tables() -> dict[str, pd.DataFrame]:
    rates = pd.DataFrame(
        {
            "accounts": [120, 40],
            "churn_rate": [0.2, 0.05],
            "ci_low": [0.13, 0.01],
            "ci_high": [0.28, 0.17],
            "revenue": [1_250_000.0, 84_000.0],
            "reliable": [True, False],
        },
        index=pd.Index(["key_account", "residential"], name="customer_type"),
    )
    branches = pd.DataFrame(
        {
            "branch": ["苏州", "昆明", "汉中"],
            "account_manager": ["王伟", "李娜", "张敏"],
            "片区": ["江南", "西南", "西北"],  # a column the catalogue does not know: data
            "tier": ["diamond", "gold", "crystal"],
            "priority": ["act_now", "shelve", "plan_attack"],
            "profit": [-12_000.0, 5_000.0, 300.0],
        }
    )
    return {tr("Churn rate"): rates, tr("Branches"): branches}


def test_a_chinese_table_reads_in_chinese():
    with language("zh"):
        t = _sample_tables()[tr("Churn rate")]
        shown = display_frame(t, currency="CNY")
    assert list(shown.columns) == [
        "客户类型",
        "客户数",
        "离网率",
        "95%置信区间下限",
        "95%置信区间上限",
        "收入",
        "客户数足以计算比率",
    ]
    assert shown.iloc[0].tolist() == ["大客户", "120", "20%", "13%", "28%", "125万元", "是"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_workbook_is_in_one_language(tmp_path, lang):
    names = {"苏州", "昆明", "汉中", "王伟", "李娜", "张敏", "江南", "西南", "西北", "片区"}
    with language(lang):
        tables = _sample_tables()
        tables[tr("Definitions")] = pd.DataFrame()  # a sheet name the workbook also uses
        path = write_workbook(tables, tmp_path / "tables.xlsx", currency="CNY")
    lines = workbook_text(path)
    assert foreign(lines, lang, names) == []
    from openpyxl import load_workbook

    wb = load_workbook(path)
    titles = wb.sheetnames
    assert all(len(t) <= 31 for t in titles)
    if lang == "zh":
        assert titles == ["离网率", "分公司", "释义"]
        header = [c.value for c in wb["离网率"][1]]
        assert "收入（元）" in header and "客户类型" in header
        defs = [[c.value for c in r] for r in wb["释义"].iter_rows()]
        assert defs[0] == ["工作表", "列", "释义"]
        # a column the catalogue does not know: named as in the data, said so in Chinese
        assert ["分公司", "片区", "沿用数据中的名称。"] in defs
        assert any(r[2] == "本数据中没有：该表没有记录。" for r in defs)
        assert [c.value for c in wb["分公司"]["D"]][1:] == ["钻石", "黄金", "水晶"]
        assert [c.value for c in wb["分公司"]["E"]][1:] == ["马上行动", "搁置", "计划出击"]
    else:
        assert titles == ["Churn rate", "Branches", "Definitions"]
        assert "Revenue (CNY)" in [c.value for c in wb["Churn rate"][1]]


# -- data-quality findings --------------------------------------------------------------
def test_a_negative_bill_in_the_data_gives_a_chinese_finding(tmp_path):
    import shutil
    from pathlib import Path

    import kamlib

    src = Path(__file__).resolve().parents[1] / "data"
    for f in src.iterdir():
        if f.is_file():
            shutil.copy(f, tmp_path / f.name)
    billing = next(tmp_path.glob("billing.*"))
    if billing.suffix != ".csv":
        pytest.skip("sample billing is not a CSV")
    df = pd.read_csv(billing)
    df.loc[df.index[:3], "revenue"] = -50.0
    df.to_csv(billing, index=False)
    book = kamlib.load(tmp_path)
    notes = [i for i in book.notes if i.rule == "negative-revenue" and i.table == "billing"]
    assert len(notes) == 1 and notes[0].count == (df["revenue"] < 0).sum()
    with language("zh"):
        text = notes[0].text
    assert text.startswith(f"{notes[0].count}行账单金额为负数") and foreign([text], "zh") == []
    # the English text is the message the CLI prints, whole (plural form for 3 rows)
    with language("en"):
        assert notes[0].text == notes[0].message
    assert notes[0].message.startswith(f"{notes[0].count} billing rows are negative")


# -- pictures ------------------------------------------------------------------------------
def _font_paths(t: Text) -> list[str]:
    """The font files matplotlib draws ``t`` with, in fallback order: one per family of
    the text (a generic family is the first font of its list that is installed)."""
    props = t.get_fontproperties()
    out = []
    for fam in props.get_family():
        p = props.copy()
        p.set_family(fam)
        try:
            out.append(font_manager.findfont(p, fallback_to_default=False))
        except ValueError:
            continue
    return out


def _missing_glyphs(fig) -> list[tuple[str, str]]:
    """(text, character) for every character no font of its text has; drawing the
    figure must not warn of a missing glyph either."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Glyph .* missing")
        fig.canvas.draw()
    missing = []
    for t in fig.findobj(Text):
        text = t.get_text()
        if not t.get_visible() or not text.strip():
            continue
        fonts = [FT2Font(p) for p in _font_paths(t)]
        for c in set(text) - {" ", "\n"}:
            if not any(f.get_char_index(ord(c)) != 0 for f in fonts):
                missing.append((text, c))
    return missing


def _chart(title: str, xlabel: str, names: list[str]):
    from kamlib._charts import money_axis
    from kamlib._fonts import use_cjk_font

    use_cjk_font()
    fig, ax = plt.subplots()
    ax.bar(names, [-15_000, 20_000, 45_000])
    money_axis(ax, "CNY")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.legend([tr("Profit")])
    return fig, ax


def test_a_chinese_picture_is_chinese_and_every_character_has_a_glyph():
    with language("zh"):
        fig, ax = _chart(tr("Profit"), tr("Branch"), ["苏州", "昆明", "汉中"])
        try:
            path = font_manager.findfont(ax.title.get_fontproperties())
            font = FT2Font(path)
            assert all(font.get_char_index(ord(c)) != 0 for c in "利润分公司苏州−万元")
            assert _missing_glyphs(fig) == []
            texts = figure_text(fig)
            assert foreign(texts, "zh", {"苏州", "昆明", "汉中"}) == []
            ticks = [t.get_text() for t in ax.get_yticklabels()]
            assert any(t.startswith(("−", "-")) and t.endswith("万元") for t in ticks), ticks
            if matplotlib.rcParams["axes.unicode_minus"]:  # the minus drawn, not a box
                assert font.get_char_index(0x2212) != 0
        finally:
            plt.close(fig)


def test_an_english_picture_draws_chinese_names_from_the_data():
    with language("en"):
        fig, ax = _chart(tr("Profit"), tr("Branch"), ["苏州", "昆明", "汉中"])
        try:
            assert _missing_glyphs(fig) == []
            assert foreign(figure_text(fig), "en", {"苏州", "昆明", "汉中"}) == []
            # English words keep matplotlib's default font; Chinese names fall back
            assert "DejaVu" in font_manager.findfont(ax.title.get_fontproperties())
        finally:
            plt.close(fig)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_show_figure_sets_the_fonts_itself(lang):

    with matplotlib.rc_context():
        matplotlib.rcParams["font.family"] = ["sans-serif"]  # as a fresh session has it
        matplotlib.rcParams["font.sans-serif"] = ["DejaVu Sans"]
        _drawn_before_set_up(lang)


def _drawn_before_set_up(lang: str) -> None:
    from kamlib._display import figure_png

    with language(lang):
        fig, ax = plt.subplots()
        ax.set_title("苏州 −3")
        try:
            figure_png(fig)
            assert _missing_glyphs(fig) == []
        finally:
            plt.close(fig)


def test_every_picture_of_a_chinese_report_draws_every_character(sample_book):
    """The branch report's charts, drawn as the report draws them: no missing glyph."""
    import kamlib
    from kamlib._display import figure_png

    branch = sorted(sample_book.accounts["branch"].unique())[0]
    report = kamlib.build_report(sample_book, branch, lang="zh")
    blocks = [b for s in [*report.sections, report.appendix] for b in s.blocks]
    figures = [b for b in [*report.first_screen, *blocks] if hasattr(b, "render")]
    assert figures
    with language("zh"):
        for b in figures:
            fig = b.render()
            try:
                figure_png(fig)
                assert _missing_glyphs(fig) == [], b.title
            finally:
                plt.close(fig)


@pytest.mark.parametrize(("lang", "fmt"), [("zh", 'yyyy"年"m"月"'), ("en", "mmm yyyy")])
def test_months_in_the_workbook_read_in_the_language(tmp_path, lang, fmt):
    from openpyxl import load_workbook

    t = pd.DataFrame({"month": pd.to_datetime(["2025-01-01", "2025-02-01"]), "accounts": [3, 4]})
    with language(lang):
        path = write_workbook({"m": t}, tmp_path / "m.xlsx", kinds={"m": {"month": "month"}})
    ws = load_workbook(path)["m"]
    assert [ws.cell(row=r, column=1).number_format for r in (2, 3)] == [fmt, fmt]


def test_masked_names_are_in_the_readers_language():
    """--mask-pii replaces account names by pseudonyms a reader of the edition can read."""
    acc = pd.DataFrame(
        {
            "account_id": ["a", "b"],
            "name": ["苏州恒达物流有限公司", "Acme"],
            "branch": ["苏州"] * 2,
            "status": ["active"] * 2,
        }
    )
    book = kamlib.Book.from_frames(accounts=acc)
    with language("zh"):
        zh = book.masked(salt="s").accounts
    en = book.masked(salt="s").accounts
    assert zh["name"].str.fullmatch(r"客户[0-9a-f]{10}").all()
    assert en["name"].str.fullmatch(r"Account [0-9a-f]{10}").all()
    # the same pseudonym in both: only the word around it changes
    assert zh["account_id"].tolist() == en["account_id"].tolist()
