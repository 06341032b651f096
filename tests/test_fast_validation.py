"""The quick paths of reading and validation (Arrow's CSV reader, Arrow's number parser,
keys counted as integers, ids looked up in Arrow) say exactly what the careful code says:
every case of the bad-input corpus, and every fault below planted in a generated
operator, gives the same Book or the same issues (severity, table, column, rule, message,
example rows, count, file and the values of the message) both ways."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import kamlib
from kamlib._errors import ConfigError, DataError
from kamlib._io import _read_csv_fast, read_csv
from kamlib._schema import OPTIONAL_TABLES
from kamlib._validate import _number_fast, careful_only, duplicated_keys, fast_checks, to_number
from kamlib.synth import write_sample

from .test_bad_input import CORPUS, _write

TABLES = ("accounts", *OPTIONAL_TABLES)


def _issue(i: Any) -> tuple:
    return (i.severity, i.table, i.column, i.rule, i.message, i.rows, i.count, i.file, i.values)


def outcome(load: Any) -> tuple:
    """What a load gives, in a form that compares: the Book's tables and notes, or the
    error with every issue."""
    try:
        book = load()
    except DataError as e:
        return ("DataError", str(e), [_issue(i) for i in e.issues])
    except ConfigError as e:
        return ("ConfigError", str(e))
    tables = {t: getattr(book, t) for t in TABLES}
    meta = (book.name, book.as_of, book.observed_from, book.assumed, book.computed)
    return ("Book", tables, [_issue(i) for i in book.notes], meta)


def assert_same(fast: tuple, careful: tuple) -> None:
    assert fast[0] == careful[0], (fast, careful)
    if fast[0] != "Book":
        assert fast == careful
        return
    assert fast[2:] == careful[2:]
    assert fast[1].keys() == careful[1].keys()
    for t, df in fast[1].items():
        if df is None:
            assert careful[1][t] is None, t
        else:
            pd.testing.assert_frame_equal(df, careful[1][t], check_exact=True, obj=t)


def both_ways(load: Any) -> tuple:
    assert fast_checks()
    fast = outcome(load)
    with careful_only():
        assert not fast_checks()
        careful = outcome(load)
    assert fast_checks()
    assert_same(fast, careful)
    return fast


@pytest.mark.parametrize("case", list(CORPUS))
def test_every_case_of_the_bad_input_corpus_says_the_same_both_ways(case, tmp_path):
    files, extra, _, _ = CORPUS[case]
    d = tmp_path / "export"
    _write(d, files)
    args = [a.format(d=d) for a in extra]
    mapping = args[args.index("--mapping") + 1] if "--mapping" in args else None
    both_ways(lambda: kamlib.load(d, mapping=mapping))


@pytest.fixture(scope="module")
def operator(tmp_path_factory) -> Path:
    """A generated operator with Chinese names (multi-byte UTF-8) in every table."""
    d = tmp_path_factory.mktemp("operator")
    write_sample(kamlib.synth(300, seed=3, names="zh"), d)
    return d


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _set(table: str, line: int, column: str, value: str):
    """Replace one field of a data line (1 = the header) of ``table``."""

    def edit(files: dict[str, bytes]) -> None:
        lines = _lines(files[table].decode())
        header = lines[0].rstrip("\r\n").split(",")
        fields = lines[line - 1].rstrip("\r\n").split(",")
        fields[header.index(column)] = value
        lines[line - 1] = ",".join(fields) + "\n"
        files[table] = "".join(lines).encode()

    return edit


def _text(table: str, change):
    def edit(files: dict[str, bytes]) -> None:
        files[table] = change(files[table].decode()).encode()

    return edit


def _bytes(table: str, change):
    def edit(files: dict[str, bytes]) -> None:
        files[table] = change(files[table])

    return edit


def _dup_line(table: str, line: int):
    return _text(table, lambda t: "".join((ls := _lines(t))[:line] + ls[line - 1 :]))


# name: how the files change; every case is loaded both ways
FAULTS = {
    "as generated": lambda files: None,
    "formatted money": _set("billing.csv", 40, "revenue", '"¥1,200.50"'),
    "accounting negative": _set("billing.csv", 41, "revenue", "(12.50)"),
    "text for a number": _set("costs.csv", 17, "network", "lots"),
    "nan for a number": _set("billing.csv", 42, "revenue", "nan"),
    "inf for a number": _set("usage.csv", 42, "calls", "inf"),
    "exponent": _set("billing.csv", 43, "revenue", "1.5e3"),
    "plus sign and bare point": _set("billing.csv", 44, "revenue", "+.5"),
    "negative revenue": _set("billing.csv", 45, "revenue", "-3.25"),
    "blank revenue": _set("billing.csv", 46, "revenue", ""),
    "space-only revenue": _set("billing.csv", 46, "revenue", " "),
    "value after a space": _set("billing.csv", 47, "product", " mobile"),
    "number after a space": _set("billing.csv", 48, "revenue", " 12.5"),
    "number before a space": _set("billing.csv", 49, "revenue", "12.5 "),
    "quoted after a space": _set("accounts.csv", 9, "industry", ' "a,b"'),
    "quoted comma": _set("accounts.csv", 9, "name", '"Acme, Ltd"'),
    "quoted quote": _set("accounts.csv", 10, "name", '"say ""hi"""'),
    "trailing space": _set("accounts.csv", 11, "branch", "Suzhou  "),
    "ideographic space": _set("accounts.csv", 12, "account_manager", "\u3000AM-X\u3000"),
    "month with a slash": _set("billing.csv", 50, "month", "2025/01"),
    "month as digits": _set("costs.csv", 50, "month", "202501"),
    "month in Chinese": _set("usage.csv", 50, "month", "2025年1月"),
    "bad month": _set("billing.csv", 51, "month", "2025-13"),
    "impossible date": _set("accounts.csv", 13, "join_date", "2021-02-30"),
    "date with dots": _set("accounts.csv", 14, "join_date", "2021.02.03"),
    "ticket time": _set("tickets.csv", 5, "opened", "2025-03-01T14:30"),
    "ticket time with seconds": _set("tickets.csv", 5, "closed", "2025-03-01 23:59:59"),
    "date as digits": _set("accounts.csv", 14, "contract_end", "20270203"),
    "hour 25": _set("tickets.csv", 9, "responded", "2025-03-01 25:00"),
    "closed before opened": _set("tickets.csv", 6, "closed", "2000-01-01"),
    "unknown category": _set("accounts.csv", 15, "customer_type", "enterprise"),
    "category spelt otherwise": _set("accounts.csv", 16, "customer_type", "Key Account"),
    "bool spelt otherwise": _set("contacts.csv", 3, "reached", "是"),
    "bad bool": _set("contacts.csv", 3, "retained", "perhaps"),
    "blank id": _set("billing.csv", 52, "account_id", ""),
    "unknown account": _set("billing.csv", 53, "account_id", "ZZ-1"),
    "unknown account in tickets": _set("tickets.csv", 7, "account_id", "ZZ-2"),
    "duplicate billing line": _dup_line("billing.csv", 60),
    "duplicate account": _dup_line("accounts.csv", 20),
    "duplicate ticket id": _set("tickets.csv", 8, "ticket_id", "T0000001"),
    "CRLF line ends": _bytes("billing.csv", lambda b: b.replace(b"\n", b"\r\n")),
    "BOM": _bytes("accounts.csv", lambda b: b"\xef\xbb\xbf" + b),
    "GBK": _bytes("accounts.csv", lambda b: b.decode().encode("gb18030")),
    "no final line break": _bytes("billing.csv", lambda b: b.rstrip(b"\n")),
    "truncated last line": _bytes("billing.csv", lambda b: b + b"A0000001,2025-0"),
    "blank line": _text("billing.csv", lambda t: t.replace("\n", "\n\n", 30)),
    "line with a field too many": _text("usage.csv", lambda t: t.replace("\n", ",9\n", 5)),
    "line with a field too few": _set("costs.csv", 30, "network", "1\nA0000001,2025-01"),
    "line break inside quotes": _set("accounts.csv", 17, "name", '"two\nlines"'),
    "header with spaces": _text("billing.csv", lambda t: t.replace("revenue", " revenue ", 1)),
    "header with a space after": _text("costs.csv", lambda t: t.replace("network", "network ", 1)),
    "repeated header": _text("billing.csv", lambda t: t.replace("product", "revenue", 1)),
    "extra cost driver": _text(
        "costs.csv",
        lambda t: "".join(line.rstrip("\n") + ",1.5\n" for line in _lines(t)).replace(
            "acquisition_retention,1.5", "acquisition_retention,energy", 1
        ),
    ),
    "header only": _text("surveys.csv", lambda t: _lines(t)[0]),
    "semicolons": _text("contracts.csv", lambda t: t.replace(",", ";")),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_every_planted_fault_says_the_same_both_ways(fault, operator, tmp_path):
    files = {p.name: p.read_bytes() for p in operator.iterdir()}
    FAULTS[fault](files)
    d = tmp_path / "export"
    _write(d, files)
    got = both_ways(lambda: kamlib.load(d))
    if fault == "as generated":
        assert got[0] == "Book"


def test_a_clean_file_is_read_by_arrow_and_a_broken_one_is_not(operator, tmp_path):
    # the quick reader must be what reads a clean export (else nothing above tests it),
    # and it must hand a file it cannot be sure of to the careful reader
    assert _read_csv_fast(operator / "billing.csv", ",") is not None
    broken = tmp_path / "billing.csv"
    text = (operator / "billing.csv").read_text()
    lines = text.splitlines(keepends=True)
    for bad in (
        text.replace(",", ", ", 1),  # in the header
        "".join(lines[:500] + [lines[500].replace(",", ",\t", 1)] + lines[501:]),
        "".join(lines[:900] + [" " + lines[900]] + lines[901:]),
        text.rstrip("\n"),
        text + "A1,2025-01\n",
    ):
        broken.write_text(bad)
        assert _read_csv_fast(broken, ",") is None
    broken.write_bytes((operator / "accounts.csv").read_text().encode("gb18030"))
    assert _read_csv_fast(broken, ",") is None
    shutil.copy(operator / "accounts.csv", broken)
    with careful_only():
        careful = read_csv(broken)
    pd.testing.assert_frame_equal(read_csv(broken), careful, check_exact=True)


def _numbers(n: int, seed: int) -> list[str]:
    """Numbers as exports write them: up to 18 digits, signs, points, exponents."""
    rng = np.random.default_rng(seed)
    out = []
    for digits, point, sign, exp in zip(
        rng.integers(1, 19, n),
        rng.integers(0, 20, n),
        rng.integers(0, 6, n),
        rng.integers(-40, 40, n),
        strict=True,
    ):
        s = "".join(map(str, rng.integers(0, 10, digits)))
        if 0 < point <= len(s):
            s = s[:-point] + "." + s[-point:]  # ".5" too
        elif point == 19:
            s += "."
        s = {0: "-" + s, 1: "+" + s}.get(int(sign), s)
        if exp % 5 == 0:
            s += f"{'eE'[int(exp) % 2]}{exp}"
        out.append(s)
    return out


@pytest.mark.parametrize("signs", ["minus only", "plus too"])
def test_numbers_are_read_to_the_same_doubles_both_ways(signs):
    values = _numbers(100_000, seed=len(signs))
    if signs == "minus only":
        values = [v for v in values if not v.startswith("+")]
    s = pd.Series([*values, None, ""], dtype="str")
    quick = _number_fast(s)
    # Arrow reads them all, unless a "+" sends the column to the careful path
    assert (quick is None) == (signs == "plus too")
    with careful_only():
        careful = to_number(s)
    pd.testing.assert_series_equal(to_number(s), careful, check_exact=True)
    if quick is not None:
        pd.testing.assert_series_equal(quick, careful, check_exact=True)
    assert careful.notna().sum() == len(values)


@pytest.mark.parametrize(
    "odd", ["nan", "NaN", "inf", "-Infinity", "1e400", "0x10", "1_000", "1,5", "(3)", "¥4"]
)
def test_odd_spellings_of_numbers_are_read_the_careful_way(odd):
    s = pd.Series(["1.5", odd, None], dtype="str")
    fast = to_number(s)
    with careful_only():
        careful = to_number(s)
    pd.testing.assert_series_equal(fast, careful, check_exact=True)


@pytest.mark.parametrize("way", ["counted", "sorted", "ids in order"])
def test_repeated_keys_are_found_as_pandas_finds_them(way):
    rng = np.random.default_rng(5)
    n = 20_000
    ids = rng.integers(0, 10**9 if way == "sorted" else 500, n).astype(str)
    if way == "ids in order":  # coded by where the id changes
        ids = np.sort(ids)
    df = pd.DataFrame(
        {
            "account_id": pd.Series(ids, dtype="string"),
            "month": pd.to_datetime("2025-01-01")
            + pd.to_timedelta(rng.integers(0, 12, n) * 31, unit="D"),
            "product": pd.Series(rng.choice(["a", "b", None], n), dtype="string"),
        }
    )
    key = ["account_id", "month", "product"]
    unique = df.drop_duplicates(subset=key)
    assert not duplicated_keys(unique, key).any()
    for frame in (df, unique, pd.concat([unique, unique.iloc[[7]]])):
        want = frame.duplicated(subset=key, keep=False)
        pd.testing.assert_series_equal(duplicated_keys(frame, key), want, check_names=False)
