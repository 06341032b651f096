"""A report page that reads well on a phone and in Chinese.

nbconvert's lab template writes a page for a wide screen: fixed paddings, room for
input prompts, tables as wide as their text. :func:`readable_page` takes the exported
HTML and the report's language and returns it with the page's language, a viewport for
phones, a font stack that has Chinese glyphs, pictures that scale, tables that scroll
sideways in their own box, and no horizontal page overflow at 420 px.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["HTML_LANG", "FONT_STACK", "PAGE_CSS", "readable_page", "notebook_language"]

#: report language -> the page's ``<html lang>`` (a browser picks fonts and hyphenation by it)
HTML_LANG = {"en": "en", "zh": "zh-CN"}

#: the pages' fonts: the system's Latin font, then fonts with Chinese glyphs (a Chinese
#: page in a Latin-only font falls back glyph by glyph, in mismatched fallback fonts)
FONT_STACK = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,\n'
    '    "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif'
)

VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'

# Why each rule: the lab template pads cells for prompts that reports do not show and
# lets wide output widen the page; a manager reads on a phone first.
PAGE_CSS = (
    """
<style id="kam-page">
html, body {
  font-family: """
    + FONT_STACK
    + """;
  line-height: 1.5;
  overflow-x: hidden;
  max-width: 100%;
}
body.jp-Notebook, main, .jp-Notebook {
  padding: 0 !important;
  margin: 0 auto !important;
  max-width: 60rem;
  box-sizing: border-box;
}
.jp-Cell, .jp-Notebook .jp-Cell {
  padding: 0.25rem 0.75rem !important;
  max-width: 100%;
  box-sizing: border-box;
}
.jp-InputPrompt, .jp-OutputPrompt, .jp-Collapser { display: none !important; }
.jp-OutputArea-output, .jp-RenderedHTMLCommon, .jp-RenderedMarkdown, .jp-Cell-outputWrapper,
.jp-OutputArea, .jp-OutputArea-child, .jp-Cell-inputWrapper {
  max-width: 100%;
  min-width: 0;
  overflow-wrap: anywhere;
  box-sizing: border-box;
  padding-left: 0 !important;
  padding-right: 0 !important;
}
/* a table written by an older notebook (no .kam-table box): its output scrolls instead */
.jp-OutputArea-output.jp-RenderedHTML { overflow-x: auto; }
.jp-OutputArea-output pre { white-space: pre-wrap; overflow-wrap: anywhere; }
.jp-RenderedHTMLCommon h1 { font-size: 1.8rem; }
img, svg, .jp-RenderedImage img { max-width: 100% !important; height: auto !important; }
.kam-title { margin: 1rem 0 0.25rem 0; }
.kam-table {
  overflow-x: auto;
  max-width: 100%;
  -webkit-overflow-scrolling: touch;
}
.kam-table table, .jp-RenderedHTMLCommon table {
  border-collapse: collapse;
  table-layout: auto;
  margin: 0;
}
body .kam-table th, body .kam-table td, .jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th {
  white-space: normal;
  overflow-wrap: normal;
  word-break: normal;
  vertical-align: top;
  padding: 0.25rem 0.5rem;
  min-width: 4rem;
  max-width: 18rem;
  text-align: left;
}
body .kam-table th.kam-num, body .kam-table td.kam-num {
  text-align: right;
  white-space: nowrap;
  min-width: 0;
}
/* a long heading over numbers wraps (the numbers under it do not): the table then fits */
body .kam-table th.kam-num { white-space: normal; }
/* Chinese breaks between any two characters: keep a short cell ("2025年1月至12月") whole,
   break long ones at punctuation, and a run wider than the cell only where it must */
:lang(zh) body .kam-table th, :lang(zh) body .kam-table td {
  word-break: keep-all;
  overflow-wrap: break-word;
}
.kam-table thead th { border-bottom: 1px solid #888; font-weight: 600; }
.kam-table tbody tr:nth-child(even) { background: #f5f5f5; }
</style>
"""
)

_HTML_TAG = re.compile(r"<html\b[^>]*>", re.IGNORECASE)
_VIEWPORT_TAG = re.compile(r"<meta\b[^>]*name=[\"']viewport[\"'][^>]*>", re.IGNORECASE)
_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)


def readable_page(page: str, lang: str = "en") -> str:
    """The exported report page with the reader's language, a phone viewport and styles.

    Sets ``<html lang="en">`` or ``"zh-CN"``; replaces any viewport tag with
    ``width=device-width, initial-scale=1``; adds the report styles (:data:`PAGE_CSS`)
    last in ``<head>`` so they win over the template's. Calling it twice gives the
    same page.

    Examples
    --------
    >>> out = readable_page("<html><head><title>x</title></head><body></body></html>", "zh")
    >>> '<html lang="zh-CN">' in out, 'name="viewport"' in out, "Noto Sans CJK SC" in out
    (True, True, True)
    >>> readable_page(out, "zh") == out
    True
    """
    from ._i18n import check_language

    html_lang = HTML_LANG[check_language(lang)]
    tag = f'<html lang="{html_lang}">'
    page = _HTML_TAG.sub(tag, page, count=1) if _HTML_TAG.search(page) else tag + page
    head = VIEWPORT + PAGE_CSS
    page = _VIEWPORT_TAG.sub("", page.replace(head, ""))
    if _HEAD_END.search(page):
        return _HEAD_END.sub(lambda m: head + m.group(0), page, count=1)
    return page.replace(tag, f"{tag}<head>{head}</head>", 1)


def notebook_language(nb: Any) -> str:
    """The report language a papermill-run notebook was given (``lang``), else English."""
    params = nb.get("metadata", {}).get("papermill", {}).get("parameters", {})
    lang = params.get("lang", "en")
    return lang if lang in HTML_LANG else "en"
