"""The 80/20 profit analysis, pinned against values computed by hand in the test."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kamlib
from kamlib import profit as P


def _book(revenue: dict[str, float], costs: dict[str, dict[str, float]], branch="X", basis="net"):
    ids = list(revenue)
    acc = pd.DataFrame({"account_id": ids, "branch": branch, "status": "active"})
    billing = pd.DataFrame(
        {
            "account_id": ids,
            "month": "2025-01",
            "product": "mobile",
            "revenue": [revenue[i] for i in ids],
        }
    )
    rows = [{"account_id": i, "month": "2025-01", **costs.get(i, {})} for i in ids]
    return kamlib.Book.from_frames(
        accounts=acc, billing=billing, costs=pd.DataFrame(rows), revenue_basis=basis
    )


def test_cost_to_serve_prices_quantities_and_takes_amounts():
    book = _book(
        {"a": 1000.0, "b": 500.0},
        {
            "a": {"service_tickets": 2, "field_visits": 1, "discounts": 100.0},
            "b": {"service_tickets": 0, "field_visits": 0, "discounts": 0.0},
        },
        basis="gross",  # revenue before discounts: the discount is a cost
    )
    pnl = P.customer_pnl(book)
    a = pnl.table.set_index("account_id").loc["a"]
    # 2 tickets x 120 + 1 visit x 450 + 100 discount = 790 (default model rates)
    assert a["cost_service_tickets"] == 240 and a["cost_field_visits"] == 450
    assert a["cost"] == pytest.approx(790.0)
    assert a["profit"] == pytest.approx(210.0)
    assert a["margin"] == pytest.approx(0.21)


def test_branch_rate_override_and_unpriced_driver():
    model = P.cost_model(
        {"drivers": {"service_tickets": {"rate": 100}}, "branches": {"Y": {"service_tickets": 300}}}
    )
    acc = pd.DataFrame({"account_id": ["a", "b"], "branch": ["X", "Y"], "status": "active"})
    costs = pd.DataFrame({"account_id": ["a", "b"], "month": "2025-01", "service_tickets": [1, 1]})
    book = kamlib.Book.from_frames(accounts=acc, costs=costs)
    money = P.cost_to_serve(book, cost_model=model)
    assert money.loc["a", "service_tickets"] == 100 and money.loc["b", "service_tickets"] == 300
    costs["courier"] = 3
    book2 = kamlib.Book.from_frames(accounts=acc, costs=costs)
    with pytest.raises(kamlib.ConfigError, match="courier"):
        P.cost_to_serve(book2, cost_model=model)


def test_nan_costs_count_as_zero_and_are_noted():
    book = _book({"a": 100.0}, {"a": {"service_tickets": np.nan, "discounts": 10.0}}, basis="gross")
    pnl = P.customer_pnl(book)
    assert pnl.table.loc[0, "cost"] == 10.0
    assert any("missing cost value" in n for n in pnl.notes)


def test_no_costs_means_missing_profit_not_zero():
    acc = pd.DataFrame({"account_id": ["a"], "branch": "X", "status": "active"})
    bill = pd.DataFrame({"account_id": ["a"], "month": "2025-01", "product": "p", "revenue": [5.0]})
    book = kamlib.Book.from_frames(accounts=acc, billing=bill)
    pnl = P.customer_pnl(book)
    assert not pnl.has_costs and pnl.table["profit"].isna().all()
    rules = P.rules_of_thumb(book)
    assert rules.table["holds"].str.startswith("cannot tell").all()
    assert any("no costs table" in n for n in rules.notes)
    assert P.rules_of_thumb_of(pnl.table)["holds"].str.startswith("cannot tell").all()


def test_concentration_top_share_and_gini_by_hand():
    df = pd.DataFrame({"revenue": [10.0, 20.0, 30.0, 40.0, 100.0, 0.0, 0.0, 0.0, 0.0, 0.0]})
    c = P.concentration_of(df, top=0.2)
    assert c.top_accounts == 2  # ceil(0.2 * 10)
    assert c.top_share == pytest.approx(140 / 200)
    # Gini by the mean absolute difference: sum_ij |xi - xj| / (2 n^2 mean)
    x = df["revenue"].to_numpy()
    g = np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean())
    assert c.gini == pytest.approx(g)


def test_whale_curve_by_hand_with_ties():
    df = pd.DataFrame({"profit": [30.0, -10.0, 30.0, -40.0, 10.0]})
    w = P.whale_of(df)
    # sorted: 30, 30, 10, -10, -40 -> cum 30, 60, 70, 60, 20; total 20
    assert w.table["cumulative_profit"].tolist() == [30, 60, 70, 60, 20]
    assert w.peak == 70 and w.peak_rank == 3 and w.peak_at == pytest.approx(0.6)
    assert w.peak_share == pytest.approx(3.5)
    assert w.tail_giveback == 50


def test_whale_curve_guard_for_non_positive_total():
    w = P.whale_of(pd.DataFrame({"profit": [-5.0, -1.0, 2.0]}))
    assert w.total == -4 and not w.meaningful
    assert np.isnan(w.peak_share) and w.table["cumulative_share"].isna().all()
    assert np.isnan(w.summary().loc["peak_share_of_profit", "value"])
    # the same profits from a Book: the public analysis says why there are no shares
    book = _book(
        {"a": 5.0, "b": 9.0, "c": 2.0},
        {"a": {"discounts": 10.0}, "b": {"discounts": 10.0}, "c": {"discounts": 0.0}},
        basis="gross",
    )
    wb = P.whale_curve(book)
    assert wb.total == -4 and not wb.meaningful and np.isnan(wb.peak_share)
    assert any("meaningless" in n for n in wb.notes)
    assert np.isnan(wb.summary().loc["peak_share_of_profit", "value"])
    w2 = P.whale_of(pd.DataFrame({"profit": [-5.0, -1.0]}))
    assert w2.peak == -1 and w2.peak_rank == 1  # every account loses: the least bad first


def test_one_account_and_zero_revenue():
    w = P.whale_of(pd.DataFrame({"profit": [7.0]}))
    assert w.peak_share == 1.0 and w.peak_at == 1.0
    c = P.concentration_of(pd.DataFrame({"revenue": [0.0, 0.0]}))
    assert np.isnan(c.top_share) and np.isnan(c.gini)


def test_deciles_by_hand():
    df = pd.DataFrame({"revenue": np.arange(20, 0, -1.0), "cost": np.zeros(20)})
    df["profit"] = df["revenue"] - df["cost"]
    d = P.deciles_of(df)
    assert d["accounts"].tolist() == [2] * 10
    assert d.loc["D1", "profit"] == 20 + 19
    assert d["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    assert d.loc["D1", "share"] == pytest.approx(39 / 210)


def test_profit_groups_and_rules_by_hand():
    # 10 accounts: two whales, one break-even, the rest loss-making
    rev = [1000.0, 800.0, 100.0] + [50.0] * 7
    cost = [100.0, 100.0, 101.0] + [150.0] * 7
    df = pd.DataFrame({"revenue": rev, "cost": cost})
    df["profit"] = df["revenue"] - df["cost"]
    g = P.groups_of(df)
    assert g.loc["profitable", "accounts"] == 2
    assert g.loc["break_even", "accounts"] == 1  # -1 is within 2% of 100
    assert g.loc["loss_making", "accounts"] == 7
    r = P.rules_of_thumb_of(df)["holds"]
    total = sum(rev) - sum(cost)  # 2150 - 1351 = 799
    top2 = 900 + 700
    assert r["20% of accounts bring 80% of revenue"] == ("yes" if 1800 / 2150 >= 0.8 else "no")
    assert r["20% of accounts bring more than 100% of profit"] == (
        "yes" if top2 / total > 1 else "no"
    )
    assert r["20% of accounts bring 300% of profit"] == ("yes" if top2 / total >= 3 else "no")
    # the bottom two cost 300 for 100 revenue: 3x, not 4x
    assert r["the least profitable 20% cost 4x what they bring"] == "no"


def test_rules_refuse_small_samples():
    df = pd.DataFrame({"revenue": [1.0, 2.0], "cost": [0.0, 0.0], "profit": [1.0, 2.0]})
    assert P.rules_of_thumb_of(df)["holds"].str.contains("only 2 accounts").all()


def test_actions_never_drop_important_accounts():
    acc = pd.DataFrame(
        {
            "account_id": ["gov", "shop"],
            "branch": "X",
            "status": "active",
            "important": [True, False],
        }
    )
    bill = pd.DataFrame(
        {
            "account_id": ["gov", "shop"],
            "month": "2025-01",
            "product": "p",
            "revenue": [100.0, 100.0],
        }
    )
    costs = pd.DataFrame(
        {"account_id": ["gov", "shop"], "month": "2025-01", "discounts": [500.0, 500.0]}
    )
    book = kamlib.Book.from_frames(accounts=acc, billing=bill, costs=costs, revenue_basis="gross")
    acts = P.profit_actions(book).table.set_index("account_id")
    assert acts.loc["gov", "lever"] == "reprice_keep"
    assert acts.loc["shop", "lever"] == "drop_or_renegotiate"
    # a code in the table, words for the reader (no Chinese or code left in the English)
    shown = kamlib.labelled(acts)
    assert shown.loc["gov", "Lever"] == "Reprice and reduce cost to serve (important account: keep)"
    assert acts.loc["shop", "at_stake"] == 400
    # the same with the P&L computed once and shared
    shared = P.profit_actions(book, pnl=P.customer_pnl(book)).table.set_index("account_id")
    pd.testing.assert_frame_equal(shared, acts)


def test_sample_operator_is_calibrated(sample_book):
    for br in sample_book.branches:
        b = sample_book.branch(br)
        pnl = P.customer_pnl(b)
        t = pnl.table
        w = P.whale_curve(b, pnl=pnl)
        assert 1.5 <= w.peak_share <= 3.0, (br, w.peak_share)
        assert (t["profit"] < 0).any()
        assert 0.75 <= P.concentration(b, pnl=pnl).top_share <= 0.95, br


def test_maven_lifetime_revenue_is_not_period_revenue_and_the_monthly_charge_is_used(maven_csv):
    raw = pd.read_csv(maven_csv)
    book = kamlib.load(maven_csv, mapping="maven")
    # Total Revenue is cumulative since joining: kept as lifetime revenue, never as period
    assert "total_revenue" not in book.accounts
    assert book.accounts["lifetime_revenue"].sum() == pytest.approx(raw["Total Revenue"].sum())
    assert book.revenue_source() == "accounts.monthly_revenue"
    pnl = P.customer_pnl(book)
    assert pnl.table["revenue"].sum() == pytest.approx(raw["Monthly Charge"].sum())
    c = P.concentration(book, pnl=pnl)
    assert any("monthly charge" in n for n in c.notes)
    # 120 customers have a negative monthly charge (credits): they are left out of the
    # 80/20 figures, which are of the others, and the note says how many and how much
    charge = raw["Monthly Charge"]
    negative = int((charge < 0).sum())
    assert negative == 120 and c.left_out == negative and c.negative == 0
    assert c.left_out_total == pytest.approx(charge[charge < 0].sum())
    kept = charge[charge >= 0].sort_values(ascending=False)
    k = math.ceil(0.2 * len(kept))
    assert c.accounts == len(kept) and c.top_accounts == k
    assert c.top_share == pytest.approx(kept.head(k).sum() / kept.sum())
    assert any(f"{negative} accounts have a negative revenue" in n for n in c.notes)
    assert not pnl.has_costs and any("no costs table" in n for n in pnl.notes)
    # the headline and metrics say which revenue it is; metrics' period revenue is null
    assert "monthly revenue" in kamlib.report.headline(book, book.branches[0])
    m = kamlib.branch_metrics(book, book.branches[0])
    assert m["revenue"] is None and m["revenue_source"] == "accounts.monthly_revenue"
    assert m["gini_revenue"] is None or m["gini_revenue"] >= 0


def test_lifetime_revenue_alone_is_labelled_as_such():
    acc = pd.DataFrame(
        {
            "account_id": list("ab"),
            "branch": "X",
            "status": "active",
            "lifetime_revenue": [3000.0, 1000.0],
        }
    )
    book = kamlib.Book.from_frames(accounts=acc)
    assert book.revenue_source() == "accounts.lifetime_revenue"
    pnl = P.customer_pnl(book)
    assert pnl.table["revenue"].tolist() == [3000.0, 1000.0]
    assert any("lifetime revenue" in n and "not revenue over" in n for n in pnl.notes)
    assert "lifetime revenue" in kamlib.report.headline(book, "X")
    assert kamlib.branch_metrics(book, "X")["revenue"] is None
    what = kamlib.data_quality(book).table["consequence"].str.cat()
    assert "cumulative since each account joined" in what


def test_inputs_are_not_mutated():
    df = pd.DataFrame(
        {"revenue": [3.0, 1.0, 2.0], "cost": [1.0, 1.0, 1.0], "profit": [2.0, 0.0, 1.0]}
    )
    before = df.copy()
    (
        P.whale_of(df),
        P.concentration_of(df),
        P.deciles_of(df),
        P.rules_of_thumb_of(df),
        P.groups_of(df),
    )
    pd.testing.assert_frame_equal(df, before)


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(finite, min_size=1, max_size=60))
def test_whale_curve_ends_at_total(profits):
    w = P.whale_of(pd.DataFrame({"profit": profits}))
    assert w.table["cumulative_profit"].iloc[-1] == pytest.approx(sum(profits), abs=1e-6)
    if w.meaningful:
        assert w.table["cumulative_share"].iloc[-1] == pytest.approx(1.0)
        assert w.peak_share >= 1.0 - 1e-9


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=60))
def test_lorenz_is_monotone_and_ends_at_one(values):
    c = P.concentration_of(pd.DataFrame({"revenue": values}))
    if sum(values) > 0:
        v = c.lorenz["value_share"].to_numpy()
        assert (np.diff(v) >= -1e-12).all() and v[-1] == pytest.approx(1.0) and v[0] == 0
        assert -1e-9 <= c.gini <= 1


def test_decile_plot_bars_match_the_table(sample_book):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    deciles = kamlib.decile_table(sample_book.branch("Suzhou"))
    d = deciles.table
    fig, ax = plt.subplots()
    assert deciles.plot(ax=ax) is ax
    heights = [p.get_height() for p in ax.patches]
    assert heights == pytest.approx(
        [*d["revenue"].tolist(), *d["cost"].tolist(), *d["profit"].tolist()]
    )
    plt.close(fig)


def test_deciles_split_ties_by_table_order():
    # four equal profits straddle the first cut: the first two rows go to G1
    df = pd.DataFrame(
        {"revenue": [10.0, 20, 30, 40, 50, 60], "profit": [5.0, 5, 5, 5, 1, 1], "cost": 0.0}
    )
    d = P.deciles_of(df, groups=3)
    assert d["accounts"].tolist() == [2, 2, 2]
    assert d["revenue"].tolist() == [30, 70, 110]
    assert d["profit"].tolist() == [10, 10, 2]


def test_deciles_put_unknown_profit_in_its_own_row():
    df = pd.DataFrame({"revenue": [1.0, 2, 3, 4], "profit": [3.0, np.nan, 1, 2]})
    d = P.deciles_of(df, groups=3)
    assert d.index.tolist() == ["D1", "D2", "D3", "unknown"]
    assert d["revenue"].tolist() == [1, 4, 3, 2]
    assert d.loc["unknown", "accounts"] == 1 and np.isnan(d.loc["unknown", "share"])
    assert d.loc["D3", "cumulative_share"] == pytest.approx(1.0)
    assert P.deciles_of(df.assign(profit=np.nan)).index.tolist() == ["unknown"]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.integers(-3, 3), min_size=1, max_size=80),
    st.integers(1, 12),
)
def test_deciles_match_a_stable_sort(values, groups):
    # many ties: sums per group must equal a stable index sort cut at the same bounds
    x = np.array(values, dtype=float)
    rev = np.arange(len(x), dtype=float) ** 1.5
    d = P.deciles_of(pd.DataFrame({"profit": x, "revenue": rev}), groups=groups)
    order = np.argsort(-x, kind="stable")
    g = min(groups, len(x))
    bounds = np.linspace(0, len(x), g + 1).round().astype(int)
    for j in range(g):
        idx = order[bounds[j] : bounds[j + 1]]
        assert d["accounts"].iloc[j] == len(idx)
        assert d["revenue"].iloc[j] == pytest.approx(rev[idx].sum())
        assert d["profit"].iloc[j] == pytest.approx(x[idx].sum())


def test_whale_curves_side_by_side_skip_a_non_positive_total():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = {
        "X": P.whale_of(pd.DataFrame({"profit": [50.0, 100.0, -75.0]})),
        "Y": P.whale_of(pd.DataFrame({"profit": [-5.0, 1.0]})),
    }
    ax = plt.figure().gca()
    for name, w in curves.items():
        assert w.plot(ax=ax, label=name) is ax
    drawn = [ln for ln in ax.get_lines() if len(ln.get_xdata()) > 2]
    assert len(drawn) == 1  # Y has no percentage scale
    # X: 0, 100/75 -> 0%, 133%, 200%, 100% of total 75
    assert list(drawn[0].get_ydata()) == pytest.approx([0, 100 / 75 * 100, 200, 100])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["X (peak 200% at 67% of accounts)", "Y: total profit not positive, not drawn"]
    plt.close("all")


def test_summaries_keep_counts_as_whole_numbers():
    t = pd.DataFrame({"revenue": [10.0, 5.0, 1.0], "cost": [2.0, 6.0, 1.0]})
    t["profit"] = t["revenue"] - t["cost"]
    w = P.whale_of(t, currency="CNY").summary()["value"]
    assert w["accounts"] == 3 and isinstance(w["accounts"], int)
    assert w["accounts_to_peak"] == 1 and isinstance(w["accounts_to_peak"], int)
    assert w["total_profit"] == 7.0 and w["currency"] == "CNY"
    c = P.concentration_of(t).summary()["value"]
    assert isinstance(c["top_accounts"], int) and c["top_accounts"] == 1
    assert c["top_share"] == 10 / 16
