"""Generated books thrown at every public analysis: its invariants hold, or it raises a
clear kamlib error (never a bare traceback from pandas or numpy)."""

from __future__ import annotations

import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kamlib

matplotlib.use("Agg")

MONTHS = ["2024-01", "2024-02", "2024-03", "2024-04"]
CAUSES = ["price", "service", "competitor_price", "moved_or_closed", None]


@st.composite
def books(draw):
    n = draw(st.integers(1, 25))  # an accounts table with no rows is refused at load
    ids = [f"a{i}" for i in range(n)]
    status = draw(st.lists(st.sampled_from(["active", "churned"]), min_size=n, max_size=n))
    acc = pd.DataFrame(
        {
            "account_id": ids,
            "branch": draw(st.lists(st.sampled_from(["X", "Y"]), min_size=n, max_size=n)),
            "status": status,
            "customer_type": draw(
                st.lists(
                    st.sampled_from(["key_account", "business", "residential", None]),
                    min_size=n,
                    max_size=n,
                )
            ),
            "join_date": draw(
                st.lists(
                    st.sampled_from(["2015-03-01", "2023-11-20", "2024-02-10", None]),
                    min_size=n,
                    max_size=n,
                )
            ),
        }
    )
    churned = acc["status"] == "churned"
    acc["churn_date"] = np.where(churned, draw(st.sampled_from(["2024-03-15", None])), None)
    acc["churn_cause"] = [draw(st.sampled_from(CAUSES)) if c else None for c in churned]
    acc["churn_type"] = ["voluntary" if c else None for c in churned]
    bad_join = pd.to_datetime(acc["join_date"]) > pd.to_datetime(acc["churn_date"])
    acc.loc[bad_join.fillna(False), "join_date"] = None  # keep dates in order
    money = st.floats(-500, 5000, allow_nan=False)
    rows = draw(
        st.lists(
            st.tuples(st.sampled_from(ids or ["a0"]), st.sampled_from(MONTHS), money),
            max_size=60,
        )
    )
    tables = {"accounts": acc}
    if n and rows and draw(st.booleans()):
        bill = pd.DataFrame(rows, columns=["account_id", "month", "revenue"])
        bill["product"] = draw(st.sampled_from(["mobile", "cloud_idc"]))
        tables["billing"] = bill.drop_duplicates(["account_id", "month", "product"])
        if draw(st.booleans()):
            c = tables["billing"][["account_id", "month"]].drop_duplicates().copy()
            c["service_tickets"] = draw(st.integers(0, 5))
            c["network"] = draw(st.floats(0, 800))
            tables["costs"] = c
    return kamlib.Book.from_frames(**tables, as_of="2024-04-30")


def _call(f, *a, **k):
    """Run one analysis: a kamlib error is a clear answer; anything else fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' numerical warnings on tiny data
        try:
            return f(*a, **k)
        except kamlib.KamlibError:
            return None


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(books())
def test_every_analysis_holds_its_invariants(book):
    before = {k: book.table(k).copy() for k in ("accounts", "billing", "costs") if book.has(k)}
    n = len(book.accounts)

    tiers = _call(kamlib.value_tiers, book)
    if tiers is not None and len(tiers.table):
        assert tiers.table["accounts"].sum() + tiers.unknown == n
    types = _call(kamlib.customer_types, book)
    if types is not None:
        assert len(types.table) == n
    stages = _call(kamlib.lifecycle_stage, book)
    if stages is not None:
        assert len(stages.table) == n and stages.table["stage"].notna().all()
    vl = _call(kamlib.value_loyalty, book)
    if vl is not None:
        assert vl.grid.to_numpy().sum() <= n
    ns = _call(kamlib.NeedsSegments(seed=0).fit, book)
    if ns is not None:
        assert ns.labels_.index.isin(book.accounts["account_id"]).all()
    seg = pd.Series("S", index=book.accounts["account_id"])
    pnl = _call(kamlib.customer_pnl, book)
    if pnl is not None:
        t = pnl.table
        assert len(t) == n
        if pnl.has_costs:
            assert np.allclose(t["profit"], t["revenue"] - t["cost"], equal_nan=True)
        w = kamlib.whale_curve(book, pnl=pnl)
        if len(w.table):
            assert w.table["cumulative_profit"].iloc[-1] == pytest.approx(w.total, abs=1e-6)
        d = kamlib.decile_table(book, pnl=pnl).table
        assert d["accounts"].sum() == n
        g = kamlib.profit_groups(book, pnl=pnl).table
        if pnl.has_costs:
            assert g["accounts"].sum() == t["profit"].notna().sum()
        c = kamlib.concentration(book, value="revenue", pnl=pnl)
        if c.total > 0:
            assert 0 <= c.top_share <= 1 + 1e-9 or (t["revenue"] < 0).any()
        _call(kamlib.rules_of_thumb, book, pnl=pnl)
        _call(kamlib.profit_actions, book, pnl=pnl)
        _call(kamlib.segment_profile, book, seg, pnl=pnl)
        _call(kamlib.opportunity_matrix, book, seg, pnl=pnl)
    mix = _call(kamlib.segment_mix, book, seg)
    if mix is not None and len(mix.table):
        assert mix.table["accounts"].sum() == n
    rates = _call(kamlib.churn_rates, book, by=None)
    if rates is not None and len(rates.table) and rates.table["rate"].notna().all():
        r = rates.table["rate"]
        assert ((r >= 0) & (r <= 1)).all()
    _call(kamlib.churn_by_period, book, freq="M")
    # accounts lost before the first billing month are outside the period (not counted)
    lost = book.accounts["status"] == "churned"
    if len(book.months()) and "churn_date" in book.accounts:
        lost &= ~(book.accounts["churn_date"] < book.months()[0]).fillna(False)
    ct = _call(kamlib.churn_types, book)
    if ct is not None:
        assert ct.table["accounts"].sum() == lost.sum()
    tree = _call(kamlib.cause_tree, book)
    if tree is not None and len(tree.table):
        assert tree.table["accounts"].sum() == lost.sum()
    _call(kamlib.cause_association, book)
    _call(kamlib.churn_drivers, book)
    _call(kamlib.retention_curves, book)
    inc = _call(kamlib.cumulative_incidence, book)
    if inc is not None and len(inc.table):
        num = inc.table.select_dtypes("number")
        assert (num.fillna(0).to_numpy() >= -1e-9).all()
    _call(kamlib.group_warnings, book)
    _call(kamlib.retention_funnel, book)
    _call(kamlib.retention_economics, book)
    for br in book.branches:
        m = _call(kamlib.branch_metrics, book, br)
        if m is not None:
            assert m["accounts"] == int((book.accounts["branch"] == br).sum())
    _call(kamlib.data_quality, book)
    for k, v in before.items():  # no analysis changed the book
        pd.testing.assert_frame_equal(book.table(k), v)
