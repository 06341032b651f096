"""What a reader sees, as text: the words of a built report, workbook or picture, and the
words in it that are not in the edition's language.

Used by the edition tests (``tests/test_editions.py``) and by ``tools/text_audit.py``.
The rules, per edition:

- Chinese (``zh``): no Latin-letter word except names from the data (account, branch,
  account manager, group, competitor and operator names, account ids) and the standard
  abbreviations in :data:`ALLOWED_LATIN`.
- English (``en``): no Chinese character except inside names from the data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

#: Latin words a Chinese edition may show: standard abbreviations a Chinese reader uses
#: as they are, and the proper names of the statistical methods (written in Latin letters
#: in Chinese statistical writing too: "Kaplan-Meier 法", "Wilson 区间", "p 值", "AUC 值").
ALLOWED_LATIN = frozenset(
    {
        "ARPU",
        "KPI",
        "CNY",
        "USD",
        "Gini",
        "p",
        "Kaplan",
        "Meier",
        "Wilson",
        "Holm",
        "Poisson",
        "AUC",
    }
)

_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HIDDEN = {"script", "style", "head", "template"}


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hidden = 0
        self.lines: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        for name, value in attrs:
            if name in {"alt", "title", "aria-label", "placeholder"} and value and value.strip():
                self.lines.append(value.strip())

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden and data.strip():
            self.lines.append(data.strip())


def html_text(source: str | Path) -> list[str]:
    """The visible text of an HTML page (text nodes, alt/title attributes, the
    ``<title>``), one entry per text node."""
    html = Path(source).read_text(encoding="utf-8") if isinstance(source, Path) else source
    parser = _Visible()
    parser.feed(html)
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    return ([title.group(1).strip()] if title and title.group(1).strip() else []) + parser.lines


def workbook_text(path: str | Path) -> list[str]:
    """Every text a spreadsheet user sees in a workbook: sheet names and text cells."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    out: list[str] = []
    for sheet in book.worksheets:
        out.append(sheet.title)
        for row in sheet.iter_rows(values_only=True):
            out.extend(v.strip() for v in row if isinstance(v, str) and v.strip())
    book.close()
    return out


def figure_text(fig) -> list[str]:
    """The text of every visible matplotlib text artist of a figure."""
    from matplotlib.text import Text

    return [
        t.get_text().strip() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()
    ]


def data_names(book) -> set[str]:
    """Names from the data a report may show as they are, in any edition."""
    names: set[str] = set()
    acc = book.accounts
    for column in ("account_id", "name", "branch", "account_manager", "parent_id", "competitor"):
        if column in acc:
            names.update(str(v) for v in acc[column].dropna().unique())
    for table, column in (("tickets", "ticket_id"),):  # a ticket's number, as recorded
        df = getattr(book, table, None)
        if df is not None and column in df:
            names.update(str(v) for v in df[column].dropna().unique())
    names.add(str(book.name))
    return {n for n in names if n.strip()}


class Names:
    """Removes names from the data out of a text before it is checked."""

    def __init__(self, names: Iterable[str]) -> None:
        ordered = sorted({n for n in names if n}, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def strip(self, text: str) -> str:
        return self._pattern.sub(" ", text) if self._pattern else text


def foreign(lines: Iterable[str], lang: str, names: Iterable[str] = ()) -> list[tuple[str, str]]:
    """``(word, line)`` for every word in ``lines`` not of edition ``lang``.

    Examples
    --------
    >>> foreign(["流失率 18%", "Churn rate 18%", "ARPU 2,127元"], "zh")
    [('Churn', 'Churn rate 18%'), ('rate', 'Churn rate 18%')]
    >>> foreign(["Churn rate", "act now (马上行动)", "苏州 branch"], "en", names=["苏州"])
    [('马上行动', 'act now (马上行动)')]
    """
    strip = Names(names).strip
    out: list[tuple[str, str]] = []
    for line in lines:
        text = strip(line)
        if lang == "zh":
            out += [(w, line) for w in _LATIN_WORD.findall(text) if w not in ALLOWED_LATIN]
        else:
            out += [(w, line) for w in re.findall(r"[\u3400-\u9fff\uf900-\ufaff]+", text)]
    return out
