"""Coerce raw tables to the canonical types and check them against the data model.

Every problem is collected (never just the first), each naming its table, column, rule and
a few example rows. Errors make the data unusable; warnings are kept with the book and
shown in the report's data-quality notes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import _config
from ._errors import Issue, example_rows
from ._format import number
from ._i18n import language, ntr
from ._schema import DATE_ORDER, TABLES, Column, Table

_TRUE = {"true", "t", "yes", "y", "1", "是", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "否", "0.0"}
# Thousands separators, currency symbols and codes are common in operators' exports.
_MONEY_NOISE = re.compile(r"[,\s¥$€£]|CNY|RMB|USD|元", flags=re.IGNORECASE)

#: whether the quick checks run first (see :func:`careful_only`)
_FAST: ContextVar[bool] = ContextVar("kamlib_fast_checks", default=True)


def fast_checks() -> bool:
    """Whether reading and validation may take their quick paths.

    Each quick path only says "nothing wrong here" or hands over to the careful code,
    which finds and words the problem: a clean table is read and checked at the speed of
    Arrow, a broken one gets the same messages as ever.
    """
    return _FAST.get()


@contextmanager
def careful_only() -> Iterator[None]:
    """Read and validate by the careful code alone (the reference the quick paths are
    tested against: ``tests/test_fast_validation.py``)."""
    token = _FAST.set(False)
    try:
        yield
    finally:
        _FAST.reset(token)


def said(
    severity: Any,
    table: str,
    column: str | None,
    rule: str,
    template: Callable[..., str],
    /,
    *,
    rows: tuple[str, ...] = (),
    count: int = 0,
    file: str | None = None,
    **values: Any,
) -> Issue:
    """An issue a report shows: ``template(count, **values)`` calls ``ntr`` with the
    English message; :attr:`Issue.message` holds it in English (logs, the command line),
    :attr:`Issue.text` in the report's language. ``{n}`` is ``count`` with thousands
    separators unless given."""
    values.setdefault("n", f"{count:,}")
    with language("en"):
        message = template(count, **values)
    return Issue(severity, table, column, rule, message, rows, count, file, template, dict(values))


def row_labels(df: pd.DataFrame, mask: pd.Series, row_label: str) -> tuple[tuple[str, ...], int]:
    idx = df.index[mask.to_numpy()]
    if row_label == "line":  # the data line in the source file (header is line 1)
        return example_rows(f"line {int(i) + 2}" for i in idx)
    if "account_id" in df.columns:
        return example_rows(df.loc[idx, "account_id"].astype("string").fillna("?"))
    return example_rows(f"#{i}" for i in idx)


def _per_value(s: pd.Series, fn: Any) -> pd.Series:
    """``fn(s)`` computed once per distinct value: codes, dates and months repeat across
    millions of rows, and pandas runs regular expressions on Arrow strings in Python."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    if len(uniques) > len(s) // 2:  # mostly distinct: nothing to gain
        return fn(s)
    done = fn(pd.Series(uniques))
    return pd.Series(done.array.take(codes, allow_fill=True), index=s.index, name=s.name)


def normalise_code(s: pd.Series) -> pd.Series:
    """'Key Account' -> 'key_account': how category values are compared."""
    return _per_value(
        s.astype("string"),
        lambda u: u.str.strip().str.lower().str.replace(r"[\s\-/]+", "_", regex=True),
    )


def _arrow_strings(s: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow strings under a text column (no copy), or None for any other column."""
    arr = s.array
    if not isinstance(arr, pd.arrays.ArrowStringArray):
        return None
    values = arr.__arrow_array__()
    return values if isinstance(values, pa.ChunkedArray) else pa.chunked_array([values])


def arrow_text(s: pd.Series) -> pa.ChunkedArray | None:
    """What :func:`to_text` gives, as Arrow strings, for a column of Arrow strings
    (the same Unicode whitespace trimmed as ``str.strip``); None for any other column."""
    values = _arrow_strings(s)
    if values is None:
        return None
    text = pc.utf8_trim_whitespace(values)
    blank = pc.equal(text, "")
    if not pc.any(blank).as_py():  # the usual case: no copy to blank them out
        return text
    return pc.if_else(blank, pa.scalar(None, text.type), text)


def to_text(s: pd.Series) -> pd.Series:
    text = arrow_text(s) if fast_checks() else None
    if text is not None:
        return pd.Series(pd.arrays.ArrowStringArray(text), index=s.index, name=s.name)
    out = s.astype("string").str.strip()
    return out.mask(out == "")


def _number_fast(s: pd.Series) -> pd.Series | None:
    """:func:`to_number` of a text column whose every value is a plain finite number, by
    Arrow's parser; None when any value is not (then the careful code reads and words it).

    Arrow reads only digits, a sign, a decimal point and an exponent (no thousands
    separator, currency sign or space inside: those are the careful path's), and reads
    them to the same doubles as pandas; ``nan`` and ``inf`` are left to the careful path,
    and so is a leading ``+``, which pandas reads to a double one bit off at times
    (``tests/test_fast_validation.py`` compares both on random numbers).
    """
    raw = _arrow_strings(s)
    if raw is None:
        return None
    try:
        # Arrow refuses a space around a number, so where it reads every raw value
        # there is nothing to trim and no blank to blank out
        values, text = pc.cast(raw, pa.float64()), raw
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        text = arrow_text(s)
        try:
            values = pc.cast(text, pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
    if pc.any(pc.starts_with(text, "+")).as_py():
        return None  # pandas reads "+1.5" by another, less exact routine than "1.5"
    if values.null_count < len(values) and not pc.all(pc.is_finite(values)).as_py():
        return None
    return pd.Series(values.to_numpy(), index=s.index, name=s.name, dtype="float64")


def to_number(s: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return s.astype("float64")
    quick = _number_fast(s) if fast_checks() else None
    if quick is not None:
        return quick
    text = to_text(s)
    cleaned = text.str.replace(_MONEY_NOISE, "", regex=True)
    # (1,234) is accounting notation for a negative amount
    cleaned = cleaned.str.replace(r"^\((.*)\)$", r"-\1", regex=True)
    return pd.to_numeric(cleaned, errors="coerce").astype("float64")


def _dates_fast(s: pd.Series, parse: Callable[[pd.Series], pd.Series]) -> pd.Series | None:
    """``parse`` (:func:`_parse_dates` or :func:`_parse_months`) of a column of Arrow
    strings, trimmed and parsed once per distinct value; None when a value does not parse
    (the careful path then says which).

    The same as the careful ``_per_value(to_text(s), parse)``, as ``parse`` reads each
    value on its own: only the trimming is done on the distinct values instead of on
    every row (twelve months over millions of billing lines).
    """
    if _arrow_strings(s) is None:
        return None
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    text = to_text(pd.Series(uniques))
    plain = (
        parse is _parse_dates
        and pc.all(pc.match_substring_regex(pa.array(text.array), _ISO_DATE)).as_py()
    )
    # a plain ISO date holds nothing that _parse_dates rewrites: parsed as it is
    done = _iso_dates(text) if plain else parse(text)
    if (text.notna() & done.isna()).any():
        return None
    return pd.Series(done.array.take(codes, allow_fill=True), index=s.index, name=s.name)


def _to_bool(s: pd.Series, text: pd.Series | None = None) -> pd.Series:
    """``text``: :func:`to_text` of ``s`` when the caller has it already."""
    if pd.api.types.is_bool_dtype(s):
        return s.astype("boolean")
    text = (to_text(s) if text is None else text).str.lower()
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    out[text.isin(_TRUE).fillna(False).to_numpy()] = True
    out[text.isin(_FALSE).fillna(False).to_numpy()] = False
    return out


def _to_date(s: pd.Series, text: pd.Series | None = None) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s):
        return s if s.dtype == "datetime64[ns]" else s.astype("datetime64[ns]")
    return _per_value(to_text(s) if text is None else text, _parse_dates)


def _parse_dates(text: pd.Series) -> pd.Series:
    text = text.str.replace(r"[./年月]", "-", regex=True).str.replace("日", "", regex=False)
    text = text.str.replace(r"^(\d{4})(\d{2})(\d{2})$", r"\1-\2-\3", regex=True)
    return _iso_dates(text)


#: a date as kamlib writes it (YYYY-MM-DD, with HH:MM or HH:MM:SS): none of the spellings
#: :func:`_parse_dates` rewrites (dots, slashes, 年月日, YYYYMMDD)
_ISO_DATE = r"^\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}(?::\d{2})?)?$"


def _iso_dates(text: pd.Series) -> pd.Series:
    return pd.to_datetime(text, format="ISO8601", errors="coerce").astype("datetime64[ns]")


#: the first and last months whose first day nanosecond timestamps hold
_FIRST_NS_MONTH = np.datetime64("1677-10", "M")
_LAST_NS_MONTH = np.datetime64("2262-04", "M")


def to_month(s: pd.Series, text: pd.Series | None = None) -> pd.Series:
    if isinstance(s.dtype, np.dtype) and s.dtype.kind == "M":
        # the first of each date's month by numpy's month unit: what the periods below
        # give for dates without a time zone, 3 times faster (15 million billing lines);
        # a month outside what nanoseconds hold goes the periods' way (which refuse it,
        # where numpy would wrap it round silently)
        month = s.to_numpy().astype("datetime64[M]")
        seen = month[~np.isnat(month)]
        if not len(seen) or (seen.min() >= _FIRST_NS_MONTH and seen.max() <= _LAST_NS_MONTH):
            return pd.Series(month.astype("datetime64[ns]"), index=s.index, name=s.name)
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.dt.to_period("M").dt.to_timestamp().astype("datetime64[ns]")
    return _per_value(to_text(s) if text is None else text, _parse_months)


def _parse_months(text: pd.Series) -> pd.Series:
    text = text.str.replace(r"[./年月]", "-", regex=True).str.strip("-")
    text = text.str.replace(r"^(\d{4})(\d{2})$", r"\1-\2", regex=True)
    text = text.str.replace(r"^(\d{4}-\d{1,2})-\d{1,2}$", r"\1", regex=True)
    out = pd.to_datetime(text, format="%Y-%m", errors="coerce")
    return out.astype("datetime64[ns]")


def as_cause(raw: pd.Series) -> pd.Series:
    """Churn reasons as causes: a code of the cause taxonomy (``config/causes.yaml``,
    compared like every category code) as the code, any other text as it is written.

    Examples
    --------
    >>> as_cause(pd.Series(["Competitor Price", " Price too high ", ""])).tolist()
    ['competitor_price', 'Price too high', <NA>]
    """
    code = normalise_code(raw)
    return code.where(code.isin(_config.cause_taxonomy().index), to_text(raw))


def churn_reasons(acc: pd.DataFrame) -> tuple[str, pd.Series] | None:
    """The column that says why accounts left, and its values as causes (see
    :func:`as_cause`): ``churn_cause``, or ``churn_category`` when the data hold no
    ``churn_cause``; None when neither holds anything."""
    for column in ("churn_cause", "churn_category"):
        if column in acc and acc[column].notna().any():
            return column, as_cause(acc[column]) if column != "churn_cause" else acc[column]
    return None


def coerce_column(
    df: pd.DataFrame, col: Column, table: str, file: str | None, row_label: str
) -> tuple[pd.Series, list[Issue]]:
    """Convert one column to its canonical type; values that do not convert are issues."""
    raw = df[col.name]
    issues: list[Issue] = []
    typed = pd.api.types.is_numeric_dtype(raw) or pd.api.types.is_datetime64_any_dtype(raw)
    # the trimmed text, once: the conversion and the check of what did not convert read it
    text = (
        None
        if typed
        or col.kind not in ("bool", "date", "month")
        or (col.kind != "bool" and fast_checks() and _arrow_strings(raw) is not None)
        else to_text(raw)
    )
    if col.kind in ("id", "text"):
        out = to_text(raw)
    elif col.name == "churn_cause":
        # a code of the taxonomy is compared as codes are; a reason in the export's own
        # words stays as it is written (shown as itself, under unclassified)
        return as_cause(raw), issues
    elif col.kind == "category":
        out = normalise_code(raw)
        out = out.mask(out == "")
        if col.allowed:
            bad = out.notna() & ~out.isin(col.allowed)
            if bad.any():
                rows, n = row_labels(df, bad, row_label)
                seen = sorted(set(raw[bad.to_numpy()].astype(str)))[:5]
                issues.append(
                    Issue(
                        "error",
                        table,
                        col.name,
                        "unknown-category",
                        f"{n} value(s) not allowed ({', '.join(map(repr, seen))}); "
                        f"allowed: {', '.join(col.allowed)}",
                        rows,
                        n,
                        file,
                    )
                )
                out = out.mask(bad)
        return out, issues
    elif col.kind == "bool":
        out = _to_bool(raw, text)
    elif col.kind in ("int", "float"):
        quick = _number_fast(raw) if fast_checks() else None
        if quick is not None:  # every value a plain number: nothing to say
            return quick, issues
        out = to_number(raw)
        if not pd.api.types.is_numeric_dtype(raw):
            # read, but said: "1,200" read as 1200 is right only if ',' is not a decimal comma
            text = to_text(raw)
            styled = text.str.contains(_MONEY_NOISE, na=False) & out.notna()
            if styled.any():
                rows, n = row_labels(df, styled, row_label)
                first = np.flatnonzero(styled.to_numpy())[:2]
                shown = ", ".join(f"{text.iloc[i]!r} → {out.iloc[i]:g}" for i in first)
                issues.append(
                    said(
                        "warning",
                        table,
                        col.name,
                        "formatted-number",
                        lambda c, **v: ntr(
                            "{n} value carries thousands separators or a currency sign "
                            "and was read as a plain number ({examples}); check that ',' "
                            "is not a decimal comma",
                            "{n} values carry thousands separators or currency signs and "
                            "were read as plain numbers ({examples}); check that ',' is "
                            "not a decimal comma",
                            c,
                            **v,
                        ),
                        rows=rows,
                        count=n,
                        file=file,
                        examples=shown,
                    )
                )
    elif col.kind in ("date", "month"):
        parse = _parse_dates if col.kind == "date" else _parse_months
        quick = _dates_fast(raw, parse) if fast_checks() and not typed else None
        if quick is not None:  # every value a date: nothing to say
            return quick, issues
        out = _to_date(raw, text) if col.kind == "date" else to_month(raw, text)
    else:  # pragma: no cover - the schema only uses the kinds above
        raise AssertionError(col.kind)
    if col.kind not in ("id", "text"):
        present = raw.notna() if typed else (to_text(raw) if text is None else text).notna()
        bad = present & out.isna()
        if bad.any():
            rows, n = row_labels(df, bad, row_label)
            seen = sorted(set(raw[bad.to_numpy()].astype(str)))[:3]
            expect = {
                "bool": "yes/no, true/false or 1/0",
                "int": "a number",
                "float": "a number",
                "date": "a date as YYYY-MM-DD",
                "month": "a month as YYYY-MM",
            }[col.kind]
            issues.append(
                Issue(
                    "error",
                    table,
                    col.name,
                    f"not-a-{col.kind}",
                    f"{n} value(s) are not {expect} ({', '.join(map(repr, seen))})",
                    rows,
                    n,
                    file,
                )
            )
    return out, issues


def coerce_table(
    t: Table, raw: pd.DataFrame, *, file: str | None = None, row_label: str = "index"
) -> tuple[pd.DataFrame | None, list[Issue]]:
    """Typed copy of ``raw`` for table ``t`` (never modifies ``raw``), and its issues.

    Returns ``None`` for the frame when required columns are missing: nothing further can
    be checked in that table.
    """
    issues: list[Issue] = []
    df = raw.copy(deep=False)  # copy-on-write: the columns replaced below are new
    df.columns = [str(c).strip() for c in df.columns]
    dup = df.columns[df.columns.duplicated()].unique().tolist()
    if dup:
        issues.append(
            Issue(
                "error",
                t.name,
                ", ".join(dup),
                "duplicate-column",
                f"the header names {', '.join(map(repr, dup))} more than once",
                file=file,
            )
        )
        return None, issues
    missing = [c for c in t.required if c not in df.columns]
    if missing:
        issues.append(
            Issue(
                "error",
                t.name,
                ", ".join(missing),
                "missing-column",
                f"required column(s) {', '.join(missing)} not found; the table has: "
                f"{', '.join(map(str, df.columns[:12]))}{' ...' if df.shape[1] > 12 else ''}",
                file=file,
            )
        )
        return None, issues
    for col in t.columns:
        if col.name in df.columns:
            df[col.name], found = coerce_column(df, col, t.name, file, row_label)
            issues += found
    if t.extra_numeric:
        known = {c.name for c in t.columns}
        for name in [c for c in df.columns if c not in known]:
            extra = Column(name, "float")
            df[name], found = coerce_column(df, extra, t.name, file, row_label)
            issues += found
    for name in t.required:
        blank = df[name].isna()
        if blank.any() and not any(i.column == name for i in issues):
            rows, n = row_labels(df, blank, row_label)
            issues.append(
                Issue(
                    "error",
                    t.name,
                    name,
                    "required-value",
                    f"{n} row(s) have no {name}",
                    rows,
                    n,
                    file,
                )
            )
    has_key = all(k in df.columns for k in t.key)
    # rows with a blank key are not compared (a copy of every row only when there are)
    keyed = (
        df.dropna(subset=list(t.key))
        if has_key and bool(df[list(t.key)].isna().to_numpy().any())
        else df
    )
    if has_key:
        dup_rows = duplicated_keys(keyed, list(t.key))
        if dup_rows.any():
            rows, n = row_labels(keyed, dup_rows, row_label)
            issues.append(
                Issue(
                    "error",
                    t.name,
                    ", ".join(t.key),
                    "duplicate-key",
                    f"{n} rows share a key that must be unique",
                    rows,
                    n,
                    file,
                )
            )
    return df, issues


def duplicated_keys(df: pd.DataFrame, key: list[str]) -> pd.Series:
    """``df.duplicated(subset=key, keep=False)``: whether a row shares its key.

    The quick path only asks whether any key repeats: each key column is factorised
    (Arrow's hash of its strings, or the dates' integers), the codes are combined into
    one integer per row and counted (or sorted, when there are too many combinations to
    count). Only when a key does repeat are the rows found by pandas, which hashes the
    columns as Python objects (ten times slower on millions of billing lines).
    """
    if not fast_checks() or not len(df):
        return df.duplicated(subset=key, keep=False)
    combined = np.zeros(len(df), dtype="int64")
    span = 1
    for k in key:
        codes, n = _codes(df[k])
        n += 1  # a missing value (code -1) is a code of its own
        if span * n >= 2**62:  # too many combinations for one integer
            return df.duplicated(subset=key, keep=False)
        combined += (codes.astype("int64") + 1) * span
        span *= n
    if span <= max(4 * len(df), 1 << 20) and span <= 1 << 28:
        repeats = bool(np.bincount(combined, minlength=span).max() > 1)
    else:
        ordered = np.sort(combined)
        repeats = bool((ordered[1:] == ordered[:-1]).any())
    if repeats:
        return df.duplicated(subset=key, keep=False)
    return pd.Series(False, index=df.index)


def _codes(s: pd.Series) -> tuple[np.ndarray, int]:
    """Codes for the values of ``s`` (equal values, equal codes; -1 for missing) and how
    many there are. A column of strings in order (account ids, as exports are often
    sorted) is coded by where its value changes, without hashing every string."""
    values = _arrow_strings(s)
    if values is not None and len(values) > 1 and values.null_count == 0:
        head, tail = values[:-1], values[1:]
        if pc.all(pc.less_equal(head, tail)).as_py():
            change = pc.not_equal(head, tail).to_numpy(zero_copy_only=False)
            codes = np.concatenate([[0], np.cumsum(change, dtype="int64")])
            return codes, int(codes[-1]) + 1
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return codes, len(uniques)


def _isin(s: pd.Series, values: pd.Series) -> pd.Series:
    """``s.isin(values)``, in Arrow when both are Arrow strings (pandas turns the values
    into Python strings first: seconds for the accounts of a large operator)."""
    have, want = (_arrow_strings(s), _arrow_strings(values)) if fast_checks() else (None, None)
    if have is None or want is None:
        return s.isin(values)
    found = pc.is_in(have, value_set=want.combine_chunks().cast(have.type))
    return pd.Series(found.to_numpy(zero_copy_only=False), index=s.index, name=s.name)


def check_accounts(acc: pd.DataFrame, file: str | None, row_label: str) -> list[Issue]:
    """Rules that relate columns of the accounts table to each other."""
    issues: list[Issue] = []

    def flag(mask: pd.Series, severity, column, rule, message, **values):
        """``message``: a (singular, plural) pair counted by the rows flagged."""
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            rows, n = row_labels(acc, mask, row_label)
            issues.append(
                said(
                    severity,
                    "accounts",
                    column,
                    rule,
                    message,
                    rows=rows,
                    count=n,
                    file=file,
                    **values,
                )
            )

    churned = acc["status"] == "churned"
    if "churn_date" in acc:
        flag(
            churned & acc["churn_date"].isna(),
            "warning",
            "churn_date",
            "churn-without-date",
            lambda c, **v: ntr(
                "{n} churned account has no churn date: it counts as churned, but the "
                "retention curve and the churn rates by period use its tenure in months "
                "where there is one",
                "{n} churned accounts have no churn date: they count as churned, but the "
                "retention curve and the churn rates by period use their tenure in months "
                "where there is one",
                c,
                **v,
            ),
        )
        if "join_date" in acc:
            flag(
                acc["churn_date"] < acc["join_date"],
                "error",
                "churn_date",
                "dates-out-of-order",
                lambda c, **v: ntr(
                    "{n} account churned before it joined",
                    "{n} accounts churned before they joined",
                    c,
                    **v,
                ),
            )
    else:
        flag(
            churned,
            "warning",
            "churn_date",
            "churn-without-date",
            lambda c, **v: ntr(
                "There is no churn date: the {n} churned account cannot be placed in time",
                "There is no churn date: the {n} churned accounts cannot be placed in time",
                c,
                **v,
            ),
        )
    if "contract_end" in acc and "join_date" in acc:
        flag(
            acc["contract_end"] < acc["join_date"],
            "warning",
            "contract_end",
            "dates-out-of-order",
            lambda c, **v: ntr(
                "{n} contract ends before the account joined",
                "{n} contracts end before the account joined",
                c,
                **v,
            ),
        )
    if "churn_type" in acc:
        flag(
            churned & (acc["churn_type"] == "migration"),
            "error",
            "churn_type",
            "type-vs-status",
            lambda c, **v: ntr(
                "{n} churned account has churn_type 'migration'; an internal migration keeps "
                "the account active",
                "{n} churned accounts have churn_type 'migration'; an internal migration keeps "
                "the account active",
                c,
                **v,
            ),
        )
        flag(
            ~churned & acc["churn_type"].isin(["voluntary", "involuntary"]),
            "error",
            "churn_type",
            "type-vs-status",
            lambda c, **v: ntr(
                "{n} active account carries a voluntary/involuntary churn_type",
                "{n} active accounts carry a voluntary/involuntary churn_type",
                c,
                **v,
            ),
        )
    reasons = churn_reasons(acc)
    if reasons is not None:
        source, cause = reasons
        tax = _config.cause_taxonomy()
        own = cause.notna() & ~cause.isin(tax.index)
        texts = cause[own].value_counts()
        shown = ", ".join(f'"{t}"' for t in texts.index[:8])
        flag(
            own,
            "warning",
            source,
            "unclassified-cause",
            lambda c, **v: ntr(
                "{n} account gives a reason that is not a cause of the taxonomy ({texts}): "
                "it is shown as it is, under unclassified. To group such reasons, map them "
                "to cause codes with values: for churn_cause in the mapping (docs/causes.md).",
                "{n} accounts give reasons that are not causes of the taxonomy ({texts}): "
                "they are shown as they are, under unclassified. To group such reasons, map "
                "them to cause codes with values: for churn_cause in the mapping "
                "(docs/causes.md).",
                c,
                **v,
            ),
            texts=shown + (" …" if len(texts) > 8 else ""),
        )
    if "churn_cause" in acc:
        cause = acc["churn_cause"]
        if "churn_cause_group" in acc:
            expected = cause.map(_config.cause_taxonomy()["group"])
            flag(
                expected.notna()
                & acc["churn_cause_group"].notna()
                & (expected != acc["churn_cause_group"]),
                "error",
                "churn_cause_group",
                "cause-vs-group",
                lambda c, **v: ntr(
                    "{n} account has a cause group that does not match its cause in the taxonomy",
                    "{n} accounts have a cause group that does not match their cause in the "
                    "taxonomy",
                    c,
                    **v,
                ),
            )
    if "satisfaction" in acc:
        flag(
            (acc["satisfaction"] < 1) | (acc["satisfaction"] > 5),
            "error",
            "satisfaction",
            "out-of-range",
            _outside_1_to_5,
        )
    if "monthly_revenue" in acc:
        flag(
            acc["monthly_revenue"] < 0,
            "warning",
            "monthly_revenue",
            "negative-revenue",
            lambda c, **v: ntr(
                "{n} account has a negative monthly revenue (credits or refunds); it is "
                "kept as it is",
                "{n} accounts have a negative monthly revenue (credits or refunds); they "
                "are kept as they are",
                c,
                **v,
            ),
        )
    return issues


def _outside_1_to_5(c: int, **v: Any) -> str:
    return ntr("{n} satisfaction score outside 1-5", "{n} satisfaction scores outside 1-5", c, **v)


def _before(later: pd.Series, earlier: pd.Series) -> pd.Series:
    """Rows whose ``later`` date comes before their ``earlier`` one (blanks never do). A
    date given without a time of day (midnight) is the whole day: a ticket answered on
    "2025-03-01" was not answered before it was opened at 14:30 that day."""
    day_only = later == later.dt.normalize()
    same_day = later.dt.normalize() == earlier.dt.normalize()
    bad = later.notna() & earlier.notna() & (later < earlier) & ~(day_only & same_day)
    return bad.fillna(False).astype(bool)


def _ends_before(c: int, **v: Any) -> str:
    return ntr("{n} row ends before it starts", "{n} rows end before they start", c, **v)


def _closed_before(c: int, **v: Any) -> str:
    return ntr(
        "{n} ticket was closed before it was opened",
        "{n} tickets were closed before they were opened",
        c,
        **v,
    )


def _answered_before(c: int, **v: Any) -> str:
    return ntr(
        "{n} ticket was answered before it was opened",
        "{n} tickets were answered before they were opened",
        c,
        **v,
    )


def _promised_before(c: int, **v: Any) -> str:
    return ntr(
        "{n} ticket was promised for a date before it was opened; it is kept as it is, "
        "but check its promised date",
        "{n} tickets were promised for a date before they were opened; they are kept as "
        "they are, but check their promised dates",
        c,
        **v,
    )


#: what a row is told whose date in this column comes before the earlier one of its pair
#: (see ``_schema.DATE_ORDER``), by that later column
_OUT_OF_ORDER: dict[str, Callable[..., str]] = {
    "end": _ends_before,
    "closed": _closed_before,
    "responded": _answered_before,
    "promised": _promised_before,
}


def check_fact(
    t: Table, df: pd.DataFrame, known_ids: pd.Series, file: str | None, row_label: str
) -> tuple[pd.DataFrame, list[Issue]]:
    """Rules for a table keyed by account: rows for unknown accounts, negative amounts."""
    issues: list[Issue] = []
    orphan = ~_isin(df["account_id"], known_ids)
    if orphan.any():
        rows, n = row_labels(df, orphan, row_label)
        values: dict[str, str] = {}
        if t.name == "billing":  # the revenue of the rows left out says how much it matters
            values["revenue"] = number(df.loc[orphan, "revenue"].sum(), 0)

        def template(c: int, **v: Any) -> str:
            if "revenue" in v:
                return ntr(
                    "{n} row names an account not in the accounts table (revenue {revenue}); "
                    "it is left out of every analysis",
                    "{n} rows name accounts not in the accounts table (revenue {revenue}); "
                    "they are left out of every analysis",
                    c,
                    **v,
                )
            return ntr(
                "{n} row names an account not in the accounts table; it is left out of "
                "every analysis",
                "{n} rows name accounts not in the accounts table; they are left out of "
                "every analysis",
                c,
                **v,
            )

        issues.append(
            said(
                "warning",
                t.name,
                "account_id",
                "unknown-account",
                template,
                rows=rows,
                count=n,
                file=file,
                **values,
            )
        )
        df = df.loc[~orphan]
    if t.name == "billing":
        neg = df["revenue"] < 0
        if neg.any():
            rows, n = row_labels(df, neg, row_label)
            issues.append(
                said(
                    "warning",
                    "billing",
                    "revenue",
                    "negative-revenue",
                    lambda c, **v: ntr(
                        "{n} billing row is negative (a credit); it is kept and nets off revenue",
                        "{n} billing rows are negative (credits); they are kept and net off revenue",
                        c,
                        **v,
                    ),
                    rows=rows,
                    count=n,
                    file=file,
                )
            )
    if t.name == "costs":
        drivers = [c for c in df.columns if c not in ("account_id", "month")]
        for d in drivers:
            neg = df[d] < 0
            if neg.any():
                rows, n = row_labels(df, neg, row_label)
                issues.append(
                    said(
                        "warning",
                        "costs",
                        d,
                        "negative-cost",
                        lambda c, **v: ntr("{n} negative value", "{n} negative values", c, **v),
                        rows=rows,
                        count=n,
                        file=file,
                    )
                )
    for earlier, later, severity in DATE_ORDER.get(t.name, ()):
        if earlier not in df or later not in df:
            continue
        bad = _before(df[later], df[earlier])
        if bad.any():
            rows, n = row_labels(df, bad, row_label)
            issues.append(
                said(
                    severity,
                    t.name,
                    later,
                    "date-order",
                    _OUT_OF_ORDER[later],
                    rows=rows,
                    count=n,
                    file=file,
                )
            )
    if t.name == "surveys":
        outside = (df["score"] < 1) | (df["score"] > 5)
        if outside.any():
            rows, n = row_labels(df, outside, row_label)
            issues.append(
                said(
                    "error",
                    "surveys",
                    "score",
                    "out-of-range",
                    _outside_1_to_5,
                    rows=rows,
                    count=n,
                    file=file,
                )
            )
    if t.name == "contracts":
        neg = df["investment"] < 0
        if neg.any():
            rows, n = row_labels(df, neg, row_label)
            issues.append(
                said(
                    "error",
                    "contracts",
                    "investment",
                    "negative-investment",
                    lambda c, **v: ntr(
                        "{n} contract has a negative investment",
                        "{n} contracts have a negative investment",
                        c,
                        **v,
                    ),
                    rows=rows,
                    count=n,
                    file=file,
                )
            )
    if t.name == "contacts":
        for later, earlier in (("intent_to_leave", "reached"), ("retained", "reached")):
            bad = df[later].fillna(False).astype(bool) & ~df[earlier].fillna(False).astype(bool)
            if bad.any():
                rows, n = row_labels(df, bad, row_label)
                issues.append(
                    Issue(
                        "error",
                        "contacts",
                        later,
                        "funnel-order",
                        f"{n} contact(s) are {later} but were never {earlier}",
                        rows,
                        n,
                        file,
                    )
                )
    return df, issues


def derive_accounts(acc: pd.DataFrame, as_of: pd.Timestamp | None) -> pd.DataFrame:
    """Fill the derivable columns: cause group from the taxonomy, tenure from dates."""
    acc = acc.copy()
    reasons = churn_reasons(acc)
    if reasons is not None:
        cause = reasons[1]
        if reasons[0] != "churn_cause":  # only the export's category: it is the cause
            acc["churn_cause"] = cause.astype("string")
        tax_group = _config.cause_taxonomy()["group"]
        group = cause.map(tax_group).astype("string")
        group = group.mask(cause.notna() & ~cause.isin(tax_group.index), "unclassified")
        if "churn_cause_group" in acc:
            acc["churn_cause_group"] = acc["churn_cause_group"].fillna(group)
        else:
            acc["churn_cause_group"] = group
    elif "churn_cause" in acc and "churn_cause_group" not in acc:
        acc["churn_cause_group"] = pd.Series(pd.NA, index=acc.index, dtype="string")
    if "join_date" in acc and as_of is not None:
        end = pd.Series(as_of, index=acc.index, dtype="datetime64[ns]")
        if "churn_date" in acc:
            lost = (acc["status"] == "churned") & acc["churn_date"].notna()
            end = end.where(~lost, acc["churn_date"])
        months = (end - acc["join_date"]).dt.days / (365.25 / 12)
        if "tenure_months" in acc:
            acc["tenure_months"] = acc["tenure_months"].fillna(months)
        else:
            acc["tenure_months"] = months
    if "important" in acc:
        acc["important"] = acc["important"].fillna(False).astype(bool)
    return acc


def as_of_from(tables: dict[str, pd.DataFrame]) -> pd.Timestamp | None:
    """The end of the observation period when none is given: the last date in the data."""
    ends = []
    if "billing" in tables:
        ends.append(tables["billing"]["month"].max() + pd.offsets.MonthEnd(0))
    acc = tables["accounts"]
    for c in ("churn_date", "join_date"):
        if c in acc:
            ends.append(acc[c].max())
    ends = [e for e in ends if pd.notna(e)]
    return pd.Timestamp(max(ends)).normalize() if ends else None


def validate_tables(
    raw: dict[str, Any],
    *,
    files: dict[str, str] | None = None,
    row_labels: dict[str, str] | None = None,
    consume: bool = False,
    keep: bool = True,
) -> tuple[dict[str, pd.DataFrame], list[Issue]]:
    """Coerce and check every table. Returns the typed tables and all issues found.

    ``raw`` maps a table to its frame, or to a function that reads it (called when the
    table's turn comes). ``consume``: take each table out of ``raw`` once it is typed, so
    that the text of a large export is not held beside its typed tables (for the loader's
    own dict of the frames it read; the frames themselves are never changed). ``keep``
    False: return only the typed accounts, so that with readers in ``raw`` one table is
    in memory at a time (for the issues of an operator too large to hold)."""
    files = files or {}
    row_labels = row_labels or {}
    issues: list[Issue] = []
    typed: dict[str, pd.DataFrame] = {}
    unknown = sorted(set(raw) - set(TABLES))
    if unknown:
        issues.append(
            Issue(
                "error",
                ", ".join(unknown),
                None,
                "unknown-table",
                f"no such table; kamlib knows {', '.join(TABLES)}",
            )
        )
    if "accounts" not in raw:
        issues.append(
            Issue("error", "accounts", None, "missing-table", "the accounts table is required")
        )
        return typed, issues
    # the fact tables are checked against the accounts as each is typed; their issues
    # follow the accounts' own checks, as a reader expects
    checked: list[Issue] = []
    acc: pd.DataFrame | None = None
    for name, t in TABLES.items():  # the accounts first
        if name not in raw:
            continue
        frame = raw.pop(name) if consume else raw[name]
        df, found = coerce_table(
            t,
            frame() if callable(frame) else frame,
            file=files.get(name),
            row_label=row_labels.get(name, "index"),
        )
        del frame
        issues += found
        if df is None:
            continue
        if name == "accounts":
            acc = df
        elif acc is not None:
            df, found = check_fact(
                t, df, acc["account_id"], files.get(name), row_labels.get(name, "index")
            )
            checked += found
        if keep or name == "accounts":
            typed[name] = df
    if acc is None:
        return typed, issues
    issues += check_accounts(acc, files.get("accounts"), row_labels.get("accounts", "index"))
    if len(acc) == 0:
        issues.append(
            Issue(
                "error",
                "accounts",
                None,
                "empty-table",
                "the accounts table has no rows",
                file=files.get("accounts"),
            )
        )
    return typed, issues + checked


__all__ = [
    "validate_tables",
    "derive_accounts",
    "as_of_from",
    "normalise_code",
    "as_cause",
    "churn_reasons",
    "row_labels",
    "said",
    "to_number",
]
