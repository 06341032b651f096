"""One message catalogue: every word a reader sees goes through :func:`tr` or :func:`ntr`.

The English text is the message id; the Chinese edition comes from a gettext catalogue
(``kamlib/locale/zh_CN/LC_MESSAGES/kamlib.po``) managed with Babel (``make messages``
extracts every ``tr``/``ntr``/``N_`` call into ``kamlib/locale/kamlib.pot`` and updates the
catalogue). A whole sentence is one message with named placeholders, so a translator can
put the words in the order their language needs::

    tr("{accounts} accounts churned in {period}", accounts=count(n), period=...)

Values are formatted before they go in (:mod:`kamlib._format` formats numbers, money and
dates for the current language). The language is a context variable: ``with
language("zh"):`` around a report build, or :func:`set_language` in a notebook.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any

__all__ = [
    "LANGUAGES",
    "check_language",
    "tr",
    "ntr",
    "N_",
    "language",
    "set_language",
    "current_language",
    "catalogue",
]

#: report languages: code -> the gettext locale of its catalogue (English is the source)
LANGUAGES: dict[str, str | None] = {"en": None, "zh": "zh_CN"}

_LANG: ContextVar[str] = ContextVar("kamlib_language", default="en")
_LOCALE_DIR = Path(__file__).parent / "locale"


def check_language(lang: str) -> str:
    if lang not in LANGUAGES:
        from ._errors import ConfigError

        raise ConfigError(f"unknown report language {lang!r}: choose one of {', '.join(LANGUAGES)}")
    return lang


def current_language() -> str:
    """The language reports are written in now (``"en"`` or ``"zh"``)."""
    return _LANG.get()


def set_language(lang: str) -> None:
    """Write every following message in ``lang`` (a notebook's whole session)."""
    _LANG.set(check_language(lang))


@contextlib.contextmanager
def language(lang: str) -> Iterator[str]:
    """Write the messages inside the ``with`` block in ``lang``.

    Examples
    --------
    >>> with language("en"):
    ...     tr("{n} accounts", n="12")
    '12 accounts'
    """
    token = _LANG.set(check_language(lang))
    try:
        yield lang
    finally:
        _LANG.reset(token)


def catalogue(lang: str) -> dict[Any, Any]:
    """Every message of ``lang``'s catalogue: msgid (or (singular, plural)) -> translation.

    Used to tell which message a finished sentence came from, in any language.

    Examples
    --------
    >>> catalogue("zh")["Churn rate"]
    '离网率'
    """
    return _catalogue(lang)


@functools.cache
def _catalogue(lang: str) -> dict[Any, Any]:
    """msgid (or (singular, plural)) -> translation, from the language's .po file.

    Read with Babel at first use (no compiled .mo to keep in step); a message without a
    translation, or marked fuzzy, falls back to English.
    """
    locale = LANGUAGES.get(lang)
    if locale is None:
        return {}
    po = _LOCALE_DIR / locale / "LC_MESSAGES" / "kamlib.po"
    if not po.is_file():
        return {}
    from babel.messages.pofile import read_po

    with po.open("rb") as f:
        catalogue = read_po(f, locale=locale)
    from gettext import c2py

    plural = c2py(catalogue.plural_expr)
    out: dict[Any, Any] = {}
    for m in catalogue:
        if not m.id or m.fuzzy:
            continue
        if isinstance(m.id, (list, tuple)):
            forms = tuple(m.string) if isinstance(m.string, (list, tuple)) else (m.string,)
            if all(forms):
                out[tuple(m.id)] = (forms, plural)
        elif m.string:
            out[m.id] = m.string
    return out


def _fill(text: str, values: dict[str, Any]) -> str:
    return text.format(**values) if values else text


def tr(message: str, /, **values: Any) -> str:
    """``message`` in the current language, with ``{name}`` placeholders filled.

    Examples
    --------
    >>> tr("Churn rate")
    'Churn rate'
    >>> tr("{share} of revenue", share="80%")
    '80% of revenue'
    """
    text = _catalogue(_LANG.get()).get(message, message)
    return _fill(text, values)


def ntr(singular: str, plural: str, n: int, /, **values: Any) -> str:
    """The singular or plural ``message`` for ``n`` in the current language; ``{n}`` is
    filled with ``n`` unless given in ``values``.

    Examples
    --------
    >>> ntr("{n} account", "{n} accounts", 1), ntr("{n} account", "{n} accounts", 3)
    ('1 account', '3 accounts')
    """
    values.setdefault("n", n)
    found = _catalogue(_LANG.get()).get((singular, plural))
    if found is None:
        return _fill(singular if n == 1 else plural, values)
    forms, plural_expr = found
    index = int(plural_expr(n))
    return _fill(forms[min(index, len(forms) - 1)], values)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it now (labels in tables
    of constants, translated where they are shown)."""
    return message
