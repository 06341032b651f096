"""The Chinese and the English edition (issue #17), on the sample operator with Chinese
names: every word a reader sees is in the edition's language, except names from the data
and the standard abbreviations (rules in tests/textcheck.py).

One small Chinese-named sample (360 accounts), one branch (苏州) and the operator overview,
built once per edition by the real batch (``kam report``): the Chinese edition from the
GBK export of the sample (a Chinese system's export), the English one from the UTF-8
files. About 60 s in all.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import json
import re
import urllib.parse
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

import kamlib
from kamlib.cli import main
from kamlib.synth import BRANCH_ZH, write_sample

from .textcheck import data_names, foreign, html_text, workbook_text

N, SEED = 360, 7
BRANCH = "苏州"
LANGS = ("zh", "en")
#: a page's ``lang`` attribute per edition
HTML_LANG = {"zh": "zh-CN", "en": "en"}
#: CJK fonts a page may name in its font stack (Windows, macOS, Linux, web)
CJK_FONTS = re.compile(
    r"Noto Sans (CJK )?SC|Source Han Sans|PingFang|Hiragino Sans GB|Microsoft YaHei|"
    r"SimHei|SimSun|WenQuanYi|Heiti SC|STHeiti|DengXian",
    re.I,
)


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> dict[str, Path]:
    """The Chinese-named sample as UTF-8 and as GBK files, and the English one."""
    base = tmp_path_factory.mktemp("editions_data")
    write_sample(kamlib.synth(N, seed=SEED, names="zh"), base / "zh")
    write_sample(kamlib.synth(N, seed=SEED, names="zh"), base / "gbk", encoding="gbk")
    write_sample(kamlib.synth(N, seed=SEED), base / "en")
    return {"zh": base / "zh", "gbk": base / "gbk", "en": base / "en"}


@pytest.fixture(scope="module")
def book(samples) -> kamlib.Book:
    return kamlib.load(samples["zh"])


@pytest.fixture(scope="module")
def names(book) -> set[str]:
    return data_names(book)


@pytest.fixture(scope="module")
def editions(tmp_path_factory, samples) -> dict[str, tuple[Path, str]]:
    """Per edition: the output folder of ``kam report DATA --lang L --branch 苏州`` (the
    branch and the operator overview) and what the command printed."""
    out: dict[str, tuple[Path, str]] = {}
    for lang, data in (("zh", samples["gbk"]), ("en", samples["zh"])):
        folder = tmp_path_factory.mktemp(f"editions_{lang}")
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            code = main(
                ["report", str(data), "--lang", lang, "--branch", BRANCH, "--out", str(folder)]
                + ["--quiet"]
            )
        assert code == 0, printed.getvalue()
        out[lang] = (folder, printed.getvalue())
    return out


def _report(found: list[tuple[str, str]], where: str, limit: int = 40) -> str:
    """The offending lines, grouped by line with their foreign words, at most ``limit``."""
    by_line: dict[str, list[str]] = defaultdict(list)
    for word, line in found:
        if word not in by_line[line]:
            by_line[line].append(word)
    shown = [f"  {line[:160]!r}: {', '.join(words)}" for line, words in by_line.items()]
    more = f"\n  ... and {len(shown) - limit} more lines" if len(shown) > limit else ""
    return (
        f"{len(found)} foreign words in {len(by_line)} lines of {where}:\n"
        + "\n".join(shown[:limit])
        + more
    )


# -- the sample ----------------------------------------------------------------------
def test_chinese_sample_has_the_english_samples_numbers():
    en = kamlib.synth(N, seed=SEED).book
    zh = kamlib.synth(N, seed=SEED, names="zh").book

    def per_branch(b: kamlib.Book) -> pd.DataFrame:
        # read from the raw tables: churned accounts and billed revenue by branch
        acc = b.accounts.set_index("account_id")
        churned = acc.loc[acc["status"] == "churned", "branch"].value_counts()
        bill = b.billing.assign(branch=b.billing["account_id"].map(acc["branch"]))
        revenue = bill.groupby("branch")["revenue"].sum()
        return pd.DataFrame({"churned": churned, "revenue": revenue}).sort_index()

    want = per_branch(en).rename(index=BRANCH_ZH).sort_index()
    got = per_branch(zh)
    assert sorted(got.index) == sorted(BRANCH_ZH.values())
    pd.testing.assert_frame_equal(got, want)
    assert want["churned"].sum() > 0 and (want["revenue"] > 0).all()


def test_chinese_sample_names_are_chinese_and_account_managers_unique(book):
    acc = book.accounts
    cjk = re.compile(r"^[\u4e00-\u9fff（）]+$")
    assert acc["name"].map(lambda s: bool(cjk.match(s))).all()
    orgs = acc.loc[acc["customer_type"] != "residential", "name"]
    assert orgs.is_unique
    assert orgs.str.startswith(tuple(BRANCH_ZH.values())).all()  # city first
    am = acc.dropna(subset=["account_manager"])
    assert am["account_manager"].map(lambda s: bool(cjk.match(s))).all()
    # a manager belongs to one branch; each branch has its own
    assert (am.groupby("account_manager")["branch"].nunique() == 1).all()
    assert set(acc["competitor"].dropna()) <= {"中国移动", "中国联通", "中国广电"}
    assert book.name == "示例运营商"


def test_synth_cli_writes_the_chinese_sample_in_gbk(tmp_path, capsys):
    assert main(["synth", str(tmp_path), "--accounts", "50", "--names", "zh"]) == 0
    assert (
        main(
            ["synth", str(tmp_path / "gbk"), "--accounts", "50", "--names", "zh"]
            + ["--encoding", "gbk"]
        )
        == 0
    )
    raw = (tmp_path / "gbk" / "accounts.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert raw.decode("gbk") == (tmp_path / "accounts.csv").read_text(encoding="utf-8")
    assert main(["synth", str(tmp_path / "x"), "--encoding", "klingon"]) == 2
    assert "klingon" in capsys.readouterr().err


# -- the built pages and workbooks ----------------------------------------------------
def _pages(folder: Path) -> dict[str, list[str]]:
    """The visible text of the branch report, the index, the overview and every workbook."""
    pages = {
        f"{BRANCH}/report.html": html_text(folder / BRANCH / "report.html"),
        "index.html": html_text(folder / "index.html"),
        "overview/report.html": html_text(folder / "overview" / "report.html"),
    }
    for xlsx in sorted(folder.rglob("tables.xlsx")):
        pages[str(xlsx.relative_to(folder))] = workbook_text(xlsx)
    return pages


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    "page",
    [
        f"{BRANCH}/report.html",
        "index.html",
        "overview/report.html",
        f"{BRANCH}/tables.xlsx",
        "overview/tables.xlsx",
    ],
    ids=["branch-report", "index", "overview", "branch-workbook", "overview-workbook"],
)
def test_every_visible_word_is_in_the_editions_language(editions, names, lang, page):
    folder, _ = editions[lang]
    pages = _pages(folder)
    assert page in pages, sorted(pages)
    assert pages[page], f"{page} shows no text"
    found = foreign(pages[page], lang, names)
    assert not found, _report(found, f"the {lang} edition's {page}")


@pytest.mark.parametrize("lang", LANGS)
def test_the_commands_summary_is_in_the_editions_language(editions, names, lang):
    _, printed = editions[lang]
    lines = [line for line in printed.splitlines() if line.strip()]
    assert lines
    # paths are the machine's, not words: the output folder is left out
    found = foreign([re.sub(r"\S*/\S*", " ", line) for line in lines], lang, names)
    assert not found, _report(found, f"the {lang} summary of kam report")


@pytest.mark.parametrize("lang", LANGS)
def test_pages_declare_their_language_and_a_cjk_font(editions, lang):
    folder, _ = editions[lang]
    for page in (
        folder / BRANCH / "report.html",
        folder / "index.html",
        folder / "overview" / "report.html",
    ):
        html = page.read_text(encoding="utf-8")
        tag = re.search(r"<html\b[^>]*>", html)
        assert tag and f'lang="{HTML_LANG[lang]}"' in tag.group(0), (page, tag)
        assert re.search(r'<meta charset="?utf-8', html, re.I), page
        if lang == "zh":
            stacks = re.findall(r"font-family\s*:\s*([^;}]*)", html)
            assert any(CJK_FONTS.search(s) for s in stacks), (page, sorted(set(stacks))[:5])


@pytest.mark.parametrize("lang", LANGS)
def test_chinese_branch_folder_links_and_sheets(editions, lang):
    folder, _ = editions[lang]
    branch = folder / BRANCH
    for f in ("report.html", "tables.xlsx", "metrics.json"):
        assert (branch / f).is_file(), f
    assert json.loads((branch / "metrics.json").read_text(encoding="utf-8"))["branch"] == BRANCH
    # every link of the index leads to a file (a browser decodes %-escapes, and takes
    # Chinese characters as they are in a UTF-8 page)
    index = (folder / "index.html").read_text(encoding="utf-8")
    hrefs = [h for h in re.findall(r'href="([^"#]+)"', index) if "://" not in h]
    assert any(BRANCH in urllib.parse.unquote(h) for h in hrefs), hrefs
    for h in hrefs:
        assert (folder / urllib.parse.unquote(h)).is_file(), h
    from openpyxl import load_workbook

    for xlsx in (branch / "tables.xlsx", folder / "overview" / "tables.xlsx"):
        titles = load_workbook(xlsx, read_only=True).sheetnames
        assert len(set(titles)) == len(titles), titles
        for t in titles:
            assert 0 < len(t) <= 31 and not re.search(r"[\[\]:*?/\\]", t), t


# -- the pictures ----------------------------------------------------------------------
def _drawn_texts(book: kamlib.Book, lang: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Per Figure block of the branch report: its title and, for every visible text
    artist, the text and the font file matplotlib draws it with. Drawn as the report
    notebook draws (``kamlib.setup_notebook(lang)``), without changing this process's
    settings."""
    import matplotlib
    import matplotlib.pyplot as plt
    from matplotlib import font_manager
    from matplotlib.text import Text

    from kamlib.document import Figure

    def draw() -> list[tuple[str, list[tuple[str, str]]]]:
        kamlib.setup_notebook(lang)
        report = kamlib.build_report(book, BRANCH, lang=lang)
        drawn = []
        for block in report.blocks():
            if isinstance(block, Figure):
                fig = block.render()
                fig.canvas.draw()  # tick labels are made when drawn
                texts = [
                    (t.get_text(), font_manager.findfont(t.get_fontproperties()))
                    for t in fig.findobj(Text)
                    if t.get_visible() and t.get_text().strip()
                ]
                drawn.append((block.title, texts))
                plt.close(fig)
        return drawn

    options = ["display.width", "display.max_columns", "display.max_rows", "display.float_format"]
    saved = {o: pd.get_option(o) for o in options}
    try:
        with matplotlib.rc_context():  # the fonts the notebook sets, put back after
            return contextvars.copy_context().run(draw)  # and its language
    finally:
        for o, v in saved.items():
            pd.set_option(o, v)


@pytest.mark.parametrize("lang", LANGS)
def test_pictures_speak_the_editions_language_and_have_every_glyph(book, names, lang):
    from matplotlib.ft2font import FT2Font

    figures = _drawn_texts(book, lang)
    assert figures, "the report has no pictures"
    found: list[tuple[str, str]] = []
    missing: set[str] = set()
    fonts: dict[str, FT2Font] = {}
    for title, texts in figures:
        lines = [text.strip() for text, _ in texts]
        found += [(w, f"[{title[:50]}] {line}") for w, line in foreign(lines, lang, names)]
        for text, path in texts:
            font = fonts.setdefault(path, FT2Font(path))
            for ch in sorted(set(text) - set(" \n\t$")):
                if font.get_char_index(ord(ch)) == 0:
                    missing.add(f"{ch!r} (U+{ord(ch):04X}) in {text[:60]!r}: {Path(path).name}")
    # both checks in one message: a picture can fail either way
    problems = []
    if found:
        problems.append(_report(found, f"the {lang} edition's pictures"))
    if missing:
        problems.append(
            f"{len(missing)} characters the font cannot draw:\n  "
            + "\n  ".join(sorted(missing)[:40])
        )
    assert not problems, "\n\n".join(problems)


@pytest.mark.parametrize("lang", LANGS)
def test_the_account_plans_are_in_the_editions_language(editions, names, lang):
    """The plans beside the branch report (the index and the pages) speak the edition's
    language too: no word of the other left on them."""
    folder, _ = editions[lang]
    plans = folder / BRANCH / "plans"
    pages = sorted(plans.glob("*.html"))
    assert (plans / "index.html") in pages and len(pages) > 1
    found = []
    for page in pages[:6]:
        found += foreign(html_text(page), lang, names)
    assert not found, _report(found, f"the {lang} edition's account plans")
