"""One set of per-account arrays shared by the customer-level analyses (issue #22).

Each fast path is checked against a computation that does not use it: the analyses on
the plain table, pandas grouping on plain strings, numpy's searchsorted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kamlib
from kamlib import profit as P
from kamlib._arrays import AccountArrays
from kamlib.segment import assign_tiers


@pytest.fixture(scope="module")
def pnl() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rev = rng.lognormal(5, 1, 4000)
    rev[:7] = -rng.random(7)  # credits
    cost = rev * rng.uniform(0.4, 1.5, 4000)
    t = pd.DataFrame({"revenue": rev, "cost": cost, "profit": rev - cost})
    t.loc[[10, 20, 30], "profit"] = np.nan
    t.loc[[11, 40], "cost"] = np.nan
    t.loc[100:140, "profit"] = 5.0  # ties across a decile cut
    return t


def test_shared_arrays_give_what_each_analysis_gives_alone(pnl):
    before = pnl.copy()
    a = AccountArrays(pnl)
    for value in ("revenue", "profit"):
        alone, shared = P.concentration_of(pnl, value=value), P.concentration_of(a, value=value)
        for f in ("top_share", "gini", "total", "negative", "left_out", "left_out_total"):
            assert getattr(shared, f) == pytest.approx(getattr(alone, f), rel=1e-12, nan_ok=True)
        pd.testing.assert_frame_equal(shared.table, alone.table)
    pd.testing.assert_frame_equal(P.deciles_of(a), P.deciles_of(pnl))
    pd.testing.assert_frame_equal(P.groups_of(a), P.groups_of(pnl))
    w, w0 = P.whale_of(a), P.whale_of(pnl)
    assert (w.peak, w.peak_rank, w.total) == (w0.peak, w0.peak_rank, w0.total)
    pd.testing.assert_frame_equal(pnl, before)  # the input is not modified


def test_each_column_is_sorted_once_and_cannot_be_changed(pnl):
    a = AccountArrays(pnl)
    P.deciles_of(a)
    s = a.ascending("profit")
    P.whale_of(a)
    P.concentration_of(a, value="profit")
    assert a.ascending("profit") is s
    assert (np.diff(s) >= 0).all() and len(s) == pnl["profit"].notna().sum()
    with pytest.raises(ValueError):
        s[0] = 1.0  # read-only: an analysis cannot change what the next one reads


def test_deciles_from_the_shared_sort_match_a_stable_ranking(pnl):
    # independent: rank by a stable argsort of -profit, cut into tenths, sum with pandas
    t = pnl[pnl["profit"].notna()]
    order = np.argsort(-t["profit"].to_numpy(), kind="stable")
    got = P.deciles_of(AccountArrays(pnl))["revenue"].iloc[:10].to_numpy()
    # group sizes differ by at most one when n is not divisible by 10 (rounded cuts)
    bounds = np.linspace(0, len(t), 11).round().astype(int)
    group2 = np.empty(len(t), dtype=int)
    group2[order] = np.searchsorted(bounds, np.arange(len(t)), side="right") - 1
    want = t.groupby(group2)["revenue"].sum().to_numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_value_tiers_bounds_match_searchsorted():
    b = kamlib.load(kamlib.sample_path())
    scheme = kamlib.value_tiers(b, scheme="beijing").scheme
    x = np.r_[np.random.default_rng(0).lognormal(9, 2, 5000), [np.nan, 0.0, -3.0, np.inf]]
    x = np.r_[x, scheme.uppers]  # values exactly on a bound go up (lower bound inclusive)
    got = assign_tiers(pd.Series(x), scheme).cat.codes.to_numpy()
    idx = np.searchsorted(np.asarray(scheme.uppers), x, side="right")
    want = np.where(np.isnan(x), -1, np.minimum(idx, len(scheme.codes) - 1))
    np.testing.assert_array_equal(got, want)


def test_churn_rates_by_tier_equal_a_grouping_of_plain_strings():
    book = kamlib.synth(3000, seed=5).book
    tiers = kamlib.value_tiers(book, scheme="beijing").assignment.iloc[:-250]  # some none
    fast = kamlib.churn_rates(book, by=tiers).table
    # independent: the tier of each account as a plain string, grouped by pandas
    acc = book.accounts[["account_id", "status"]].copy()
    acc["tier"] = acc["account_id"].map(tiers.astype("object"))
    acc["churned"] = (acc["status"] == "churned").astype(int)
    acc["rev"] = book.monthly_revenue().to_numpy()
    start = book.observation_start()
    keep = ~((acc["churned"] == 1) & (book.accounts["churn_date"] < start).fillna(False))
    acc = acc[keep.to_numpy()]
    g = acc.groupby(acc["tier"].fillna("none"))
    want = g.agg(n=("churned", "size"), k=("churned", "sum"), rev=("rev", "sum"))
    got = fast.copy()
    got.index = [("none" if pd.isna(i) else str(i)) for i in got.index]
    got = got.loc[want.index]
    np.testing.assert_array_equal(got["accounts"], want["n"])
    np.testing.assert_array_equal(got["churned"], want["k"])
    np.testing.assert_allclose(got["monthly_revenue"], want["rev"], rtol=1e-12)


def test_a_books_remembered_arrays_are_not_changed_by_a_caller():
    book = kamlib.load(kamlib.sample_path())
    m = book.monthly_revenue()
    first = float(m.iloc[0])
    m.iloc[0] = -1.0
    assert float(book.monthly_revenue().iloc[0]) == first
    p = book.period_revenue()
    p.iloc[:] = 0.0
    assert book.period_revenue().sum() > 0
    t = book.revenue_trend()
    want = t.copy()
    t.iloc[:] = 99.0
    pd.testing.assert_series_equal(book.revenue_trend(), want)
    assert book.revenue_trend(min_months=12).notna().sum() < want.notna().sum()  # its own
    assert book.branch("Suzhou")._memo == {}  # a new book remembers nothing of another


def test_analyses_given_one_pnl_share_its_sorts():
    book = kamlib.load(kamlib.sample_path()).branch("Suzhou")
    p = kamlib.customer_pnl(book)
    d = kamlib.decile_table(book, pnl=p)
    s = p.arrays.ascending("profit")
    w = kamlib.whale_curve(book, pnl=p)
    c = kamlib.concentration(book, value="profit", pnl=p)
    assert p.arrays.ascending("profit") is s  # sorted once for the three
    # the same figures as each computed on a P&L of its own
    pd.testing.assert_frame_equal(d.table, kamlib.decile_table(book).table)
    assert w.peak == kamlib.whale_curve(book).peak
    assert c.gini == pytest.approx(kamlib.concentration(book, value="profit").gini, nan_ok=True)


def test_account_months_equal_a_plain_sum_of_the_billing_lines():
    book = kamlib.load(kamlib.sample_path()).branch("Suzhou")
    bill = book.billing
    want: dict[tuple[str, pd.Timestamp], float] = {}
    for a, m, r in zip(bill["account_id"], bill["month"], bill["revenue"], strict=True):
        want[(str(a), m)] = want.get((str(a), m), 0.0) + (0.0 if pd.isna(r) else float(r))
    am = book.account_months()
    got = {
        (str(a), m): r for a, m, r in zip(am["account_id"], am["month"], am["revenue"], strict=True)
    }
    assert got.keys() == want.keys()  # one row per pair billed, none more
    assert max(abs(got[k] - want[k]) for k in want) < 1e-6
    billed = book.billed()
    months = {a: sum(1 for (b, _) in want if b == a) for a in {a for a, _ in want}}
    assert billed["months"].rename(index=str).to_dict() == months
    # ARPU's denominator: every (account, month) pair billed, counted once
    k = kamlib.kpis(book, "Suzhou").table.loc["arpu", "branch"]
    assert k == pytest.approx(sum(want.values()) / len(want))
    # remembered, and a caller changing its copy changes nothing
    kept_am, kept_billed = am.copy(), billed.copy()
    am["revenue"] = -1.0
    billed.iloc[:, 0] = -1.0
    pd.testing.assert_frame_equal(book.account_months(), kept_am)
    pd.testing.assert_frame_equal(book.billed(), kept_billed)


def test_account_months_of_a_book_without_billing_are_none():
    book = kamlib.load(kamlib.sample_path())
    from dataclasses import replace

    bare = replace(book, billing=None)
    assert bare.account_months() is None and bare.billed() is None


def test_account_products_equal_a_plain_walk_over_the_billing_lines():
    book = kamlib.load(kamlib.sample_path()).branch("Hangzhou")
    bill = book.billing
    want: dict[tuple[str, str], list] = {}
    for a, p, m, r in zip(
        bill["account_id"], bill["product"], bill["month"], bill["revenue"], strict=True
    ):
        w = want.setdefault((str(a), str(p)), [0.0, 0, m, 0])
        r = 0.0 if pd.isna(r) else float(r)
        w[0] += r
        w[1] += 1
        w[2] = min(w[2], m)
        w[3] += r != 0
    ap = book.account_products()
    got = {
        (str(a), str(p)): [r, n, f, k]
        for a, p, r, n, f, k in ap[
            ["account_id", "product", "revenue", "months", "first", "lines_with_revenue"]
        ].itertuples(index=False)
    }
    assert got.keys() == want.keys()
    for k, (r, n, f, nz) in want.items():
        assert got[k][0] == pytest.approx(r, abs=1e-6)
        assert got[k][1:] == [n, f, nz]
    kept = ap.copy()
    ap["revenue"] = 0.0
    pd.testing.assert_frame_equal(book.account_products(), kept)


@pytest.mark.parametrize("dtype", ["string[pyarrow]", "str", "object"])
def test_positions_are_get_indexer(dtype):
    from kamlib._book import positions

    rng = np.random.default_rng(5)
    keys = pd.Index([f"A{i:05d}" for i in rng.permutation(3000)])
    col = pd.Series([f"A{i:05d}" for i in rng.integers(0, 4000, 20_000)], dtype=dtype)
    col[::97] = None
    got = positions(col, keys)
    want = keys.get_indexer(col.astype(object).where(col.notna(), None))
    assert got.dtype == np.intp and (got == want).all()
    assert (got == -1).sum() > 0 and (got >= 0).sum() > 0
    # numbers, and keys that are not unique, go to get_indexer (which refuses the latter)
    assert positions(pd.Series([3, 1, 9]), pd.Index([1, 2, 3])).tolist() == [2, 0, -1]
    with pytest.raises(Exception, match="unique"):
        positions(col, pd.Index(["A00001", "A00001"]))
