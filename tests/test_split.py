"""Preparing an operator branch by branch (``kamlib._split``) gives what preparing the whole
book gives: for every case of the bad-input corpus and every fault planted in a generated
operator, the same error with the same issues (severity, table, column, rule, message,
example rows, count, file, values), or the same tables in every branch's folder, the same
data-quality notes, the same operator figures and the same churn-risk model. Faults only
the whole data show are planted too: a ticket id in two branches, a row of an unknown
account."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import kamlib
from kamlib._errors import ConfigError, DataError
from kamlib._io import prepare
from kamlib._schema import TABLES
from kamlib._split import prepare_by_branch, splittable
from kamlib.synth import write_sample

from .test_bad_input import CORPUS, _write
from .test_fast_validation import FAULTS, _issue


def _whole(d: Path, out: Path) -> Any:
    try:
        return prepare(kamlib.load(d), out)
    except DataError as e:
        return ("DataError", [_issue(i) for i in e.issues])
    except ConfigError as e:
        return ("ConfigError", str(e))


def _split(d: Path, out: Path) -> Any:
    try:
        return prepare_by_branch(d, out)
    except DataError as e:
        return ("DataError", [_issue(i) for i in e.issues])
    except ConfigError as e:
        return ("ConfigError", str(e))


def _approx(a: Any, b: Any, where: str) -> None:
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), (where, a, b)
        for k in a:
            _approx(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, float) and isinstance(b, float):
        assert b == pytest.approx(a, rel=1e-9, nan_ok=True), where
    else:
        assert a == b, (where, a, b)


def assert_same_tables(a_book: Any, b_book: Any, where: str) -> None:
    """Every table of the two books the same, exactly (or absent from both)."""
    for t in TABLES:
        a, c = getattr(a_book, t), getattr(b_book, t)
        if a is None or c is None:
            assert a is None and c is None, (where, t)
        else:
            pd.testing.assert_frame_equal(a, c, check_exact=True, obj=f"{where}.{t}")


def assert_same_prepared(whole: Path, split: Path) -> None:
    mw = json.loads((whole / "kamlib-prepared.json").read_text("utf-8"))
    ms = json.loads((split / "kamlib-prepared.json").read_text("utf-8"))
    for k in mw:
        if k not in ("source",):
            _approx(mw[k], ms[k], k)
    for b in mw["branches"]:
        w, s = kamlib.load(whole, branch=b), kamlib.load(split, branch=b)
        assert_same_tables(w, s, b)
        assert [_issue(i) for i in w.notes] == [_issue(i) for i in s.notes], b
        ws, ss = w.churn_risk.scores_, s.churn_risk.scores_
        pd.testing.assert_frame_equal(ws, ss, rtol=1e-9, obj=f"{b} churn-risk scores")
        assert w.churn_risk.notes_ == s.churn_risk.notes_
        assert w.churn_risk.auc_ == pytest.approx(s.churn_risk.auc_, rel=1e-9, nan_ok=True)
        assert w.lifetimes.rows == s.lifetimes.rows
        assert sorted(w.lifetimes.fits) == sorted(s.lifetimes.fits)
        for name, f in w.lifetimes.fits.items():
            g = s.lifetimes.fits[name]
            assert (f.alpha, f.beta) == pytest.approx((g.alpha, g.beta), rel=1e-9), name


def same_both_ways(d: Path, tmp: Path) -> Any:
    if splittable(d) is None:
        pytest.skip("not a folder of CSV or Parquet tables: always read whole")
    whole = _whole(d, tmp / "whole")
    split = _split(d, tmp / "split")
    if isinstance(whole, tuple):
        assert split == whole
    else:
        assert_same_prepared(whole, split)
    return whole


@pytest.mark.parametrize("case", [c for c in CORPUS if "--mapping" not in CORPUS[c][1]])
def test_every_case_of_the_bad_input_corpus_is_prepared_alike(case, tmp_path):
    files = CORPUS[case][0]
    d = tmp_path / "export"
    _write(d, files)
    same_both_ways(d, tmp_path)


@pytest.fixture(scope="module")
def operator(tmp_path_factory) -> Path:
    """A generated operator in four branches (multi-byte names in every table)."""
    d = tmp_path_factory.mktemp("operator")
    write_sample(kamlib.synth(300, seed=3, names="zh"), d)
    return d


def _files(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in d.iterdir() if p.is_file()}


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _ticket_in_two_branches(files: dict[str, bytes]) -> None:
    """The ticket id of a ticket of one branch given to a ticket of another branch."""
    acc = pd.read_csv(pd.io.common.BytesIO(files["accounts.csv"]), dtype=str)
    branch = dict(zip(acc["account_id"], acc["branch"], strict=True))
    lines = _lines(files["tickets.csv"].decode())
    header = lines[0].rstrip("\n").split(",")
    rows = [ln.rstrip("\n").split(",") for ln in lines[1:]]
    a, t = header.index("account_id"), header.index("ticket_id")
    first = rows[0]
    other = next(r for r in rows if branch[r[a]] != branch[first[a]])
    other[t] = first[t]
    files["tickets.csv"] = (lines[0] + "".join(",".join(r) + "\n" for r in rows)).encode()


def _unknown_account(files: dict[str, bytes]) -> None:
    lines = _lines(files["billing.csv"].decode())
    lines[5] = "ACC-NOBODY" + lines[5][lines[5].index(",") :]
    files["billing.csv"] = "".join(lines).encode()


def _blank_branch(files: dict[str, bytes]) -> None:
    """An account with no branch: required, so an error; its rows in every table."""
    lines = _lines(files["accounts.csv"].decode())
    header = lines[0].rstrip("\n").split(",")
    fields = lines[3].rstrip("\n").split(",")
    fields[header.index("branch")] = ""
    lines[3] = ",".join(fields) + "\n"
    files["accounts.csv"] = "".join(lines).encode()


PLANTED = {
    "ticket id in two branches": _ticket_in_two_branches,
    "row of an unknown account": _unknown_account,
    "account without a branch": _blank_branch,
}


@pytest.mark.parametrize("fault", [*FAULTS, *PLANTED])
def test_every_planted_fault_is_prepared_alike(fault, operator, tmp_path):
    files = _files(operator)
    (PLANTED.get(fault) or FAULTS[fault])(files)
    d = tmp_path / "export"
    d.mkdir()
    for name, content in files.items():
        (d / name).write_bytes(content)
    got = same_both_ways(d, tmp_path)
    if fault == "ticket id in two branches":
        assert isinstance(got, tuple) and any(i[3] == "duplicate-key" for i in got[1])


def test_the_sample_operator_is_prepared_alike_and_its_files_are_only_read(tmp_path):
    d = tmp_path / "sample"
    shutil.copytree(kamlib.sample_path(), d)
    before = {p.name: p.read_bytes() for p in d.iterdir()}
    same_both_ways(d, tmp_path)
    assert {p.name: p.read_bytes() for p in d.iterdir()} == before


def test_parquet_tables_are_split_too(operator, tmp_path):
    d = tmp_path / "parquet"
    d.mkdir()
    book = kamlib.load(operator)
    for t in TABLES:
        df = getattr(book, t)
        if isinstance(df, pd.DataFrame):
            df.to_parquet(d / f"{t}.parquet", index=False)
    shutil.copy(operator / "operator.yaml", d / "operator.yaml")
    assert splittable(d) is not None
    same_both_ways(d, tmp_path)


def test_a_branch_lacking_a_month_of_billing_still_gets_the_operator_figures(tmp_path):
    book = kamlib.synth(1500, seed=11, branches={"North": 0.5, "South": 0.3, "East": 0.2}).book
    last = book.billing["month"].max()
    east = book.accounts.loc[book.accounts["branch"] == "East", "account_id"]
    drop = book.billing["account_id"].isin(east) & (book.billing["month"] == last)
    assert drop.any()
    d = tmp_path / "gap"
    kamlib.write_book(replace(book, billing=book.billing.loc[~drop]), d)
    same_both_ways(d, tmp_path)
    m = json.loads((tmp_path / "split" / "kamlib-prepared.json").read_text("utf-8"))
    assert np.isfinite(m["operator"]["kpis"]["arpu"])


def test_a_written_branch_read_back_unvalidated_is_the_branch_load_gives(operator, tmp_path):
    """prepare's second pass (the operator's models) reads each branch it has just
    written without validating it again: the same tables and settings as
    ``kamlib.load(..., branch=)``, which validates them."""
    from kamlib._split import _written_book

    out = prepare_by_branch(operator, tmp_path / "split")
    m = json.loads((out / "kamlib-prepared.json").read_text("utf-8"))
    for b, folder in m["branches"].items():
        fast, checked = _written_book(out / folder, m), kamlib.load(out, branch=b)
        assert_same_tables(fast, checked, b)
        for what in ("name", "currency", "as_of", "observed_from", "revenue_basis"):
            assert getattr(fast, what) == getattr(checked, what), (b, what)
        assert (fast.assumed, fast.computed) == (checked.assumed, checked.computed)


def test_a_data_error_is_raised_before_a_cost_model_error_and_nothing_is_left(operator, tmp_path):
    """Each branch's operator figures (which apply the cost model) are worked out as the
    branch is written; a data error in a later branch is still the error raised, as the
    whole path raises it, and a failed prepare leaves no half-written dataset."""
    bad_model = {"drivers": {"nonsense": 1}}
    with pytest.raises(ConfigError):
        prepare_by_branch(operator, tmp_path / "a" / "out", cost_model=bad_model)
    assert list((tmp_path / "a").glob("*")) == []  # no half-written dataset
    files = _files(operator)
    lines = _lines(files["billing.csv"].decode())  # a data error in one branch's billing
    header = lines[0].rstrip("\n").split(",")
    last = lines[-1].rstrip("\n").split(",")
    last[header.index("month")] = "not a month"
    lines[-1] = ",".join(last) + "\n"
    files["billing.csv"] = "".join(lines).encode()
    d = tmp_path / "export"
    d.mkdir()
    for name, content in files.items():
        (d / name).write_bytes(content)
    with pytest.raises(DataError) as e:
        prepare_by_branch(d, tmp_path / "b" / "out", cost_model=bad_model)
    assert any(i.table == "billing" and i.column == "month" for i in e.value.issues)
    assert list((tmp_path / "b").glob("*")) == []
