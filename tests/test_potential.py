"""White space and sales potential (销售潜力).

Every expected figure is worked out by hand from the small books below (the working is
in the comments).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kamlib
from kamlib.potential import white_space

MONTHS = pd.date_range("2025-01-01", periods=12, freq="MS")


def _rows(aid: str, product: str, per_month: float, months: int = 12) -> list[dict]:
    return [
        {"account_id": aid, "month": MONTHS[i], "product": product, "revenue": per_month}
        for i in range(months)
    ]


def _space_book(**changes):
    """Six active business accounts in finance (F1..F6) and four that are not peers.

    cloud_idc: F1 100, F2 200, F3 300 (billed 6 months only), F4 500 a month; F5 has a
    zero bill on it (it does not hold it); F6 none. broadband: F1 50, F2 60, F3 70.
    iot: F1, F2. F7 (churned), R1 (residential) and K1 (a key account, a group of its
    own) hold cloud_idc at 10,000 a month: none of them is a peer of F1..F6.
    """
    ids = ["F1", "F2", "F3", "F4", "F5", "F6", "F7", "R1", "K1"]
    acc = pd.DataFrame(
        {
            "account_id": ids,
            "name": [f"Firm {i}" for i in ids],
            "branch": ["Suzhou"] * 9,
            "customer_type": ["business"] * 7 + ["residential", "key_account"],
            "industry": ["finance"] * 9,
            "status": ["active"] * 6 + ["churned", "active", "active"],
            "churn_date": [None] * 6 + ["2025-12-15", None, None],
        }
    )
    rows: list[dict] = []
    for a in ids:
        rows += _rows(a, "mobile", 1000)
    for a, v in {"F1": 100, "F2": 200, "F4": 500, "F7": 10_000, "R1": 10_000, "K1": 10_000}.items():
        rows += _rows(a, "cloud_idc", v)
    rows += _rows("F3", "cloud_idc", 300, months=6)
    rows += _rows("F5", "cloud_idc", 0)
    for a, v in {"F1": 50, "F2": 60, "F3": 70}.items():
        rows += _rows(a, "broadband", v)
    rows += _rows("F1", "iot", 80) + _rows("F2", "iot", 90)
    tables = {"accounts": acc, "billing": pd.DataFrame(rows)}
    tables.update(changes)
    return kamlib.Book.from_frames(**tables, as_of="2025-12-31")


# ----------------------------------------------------------------------------- white space
def test_white_space_by_hand():
    ws = white_space(_space_book())
    t = ws.table
    # cloud_idc: 4 of the 6 hold it (F5's zero bill is not holding it). For F5 and F6 the
    # peers are the other 5, of which 4 hold it: 4/5 = 0.8 >= 0.5. The holders bill
    # 100, 200, 300 (per month billed: 1,800 / 6) and 500 -> median (200 + 300) / 2 = 250.
    # broadband: 3 hold it; for F4, F5, F6 3/5 = 0.6 >= 0.5; median of 50, 60, 70 = 60.
    # iot: 2 hold it; 2/5 = 0.4 < 0.5: no white space.
    assert list(zip(t["account_id"], t["product"], strict=True)) == [
        ("F5", "cloud_idc"),
        ("F6", "cloud_idc"),
        ("F4", "broadband"),
        ("F5", "broadband"),
        ("F6", "broadband"),
    ]
    assert t["peers"].tolist() == [5] * 5
    assert t["peer_holders"].tolist() == [4, 4, 3, 3, 3]
    assert t["peer_share"].tolist() == pytest.approx([0.8, 0.8, 0.6, 0.6, 0.6])
    assert t["expected_monthly_revenue"].tolist() == pytest.approx([250, 250, 60, 60, 60])
    assert set(t["segment"]) == {"finance"} and set(t["customer_type"]) == {"business"}
    assert t.loc[0, "name"] == "Firm F5" and t.loc[0, "branch"] == "Suzhou"
    s = ws.summary()["value"]
    assert s["accounts_with_white_space"] == 3 and s["opportunities"] == 5
    assert s["expected_monthly_revenue"] == pytest.approx(2 * 250 + 3 * 60)
    # penetration: 4 of the 6 active business accounts in finance hold cloud_idc
    p = ws.penetration.set_index(["segment", "customer_type", "product"])
    row = p.loc[("finance", "business", "cloud_idc")]
    assert (row["accounts"], row["holders"]) == (6, 4)
    assert row["penetration"] == pytest.approx(4 / 6)
    # K1 is alone among the key accounts in finance: 0 peers, so a note
    assert p.loc[("finance", "key_account", "cloud_idc"), "penetration"] == 1.0
    assert any("1 account has fewer than 5 similar accounts" in n for n in ws.notes)


def test_white_space_min_peers_and_share_edges():
    book = _space_book()
    # 5 peers each: enough at min_peers=5 (above), too few at 6
    assert white_space(book, min_peers=6).table.empty
    assert white_space(book, min_peers=5).summary().loc["opportunities", "value"] == 5
    # a share equal to the threshold counts: 4/5 = 0.8 >= 0.8; broadband's 0.6 does not
    t = white_space(book, peer_share=0.8).table
    assert list(t["product"]) == ["cloud_idc", "cloud_idc"]
    # iot at 2/5 = 0.4 reaches a threshold of 0.4
    assert "iot" in set(white_space(book, peer_share=0.4).table["product"])


def test_white_space_without_billing_or_industry():
    book = _space_book()
    bare = kamlib.Book.from_frames(accounts=book.accounts, as_of="2025-12-31")
    ws = white_space(bare)
    assert ws.table.empty and list(ws.table.columns)[:2] == ["account_id", "name"]
    assert len(ws.notes) == 1 and "no billing" in ws.notes[0]
    assert ws.summary().loc["opportunities", "value"] == 0
    no_industry = kamlib.Book.from_frames(
        accounts=book.accounts.drop(columns="industry"), billing=book.table("billing")
    )
    ws = white_space(no_industry)
    assert any("no industry column" in n for n in ws.notes)
    # the business accounts are F1..F6 alone: the same white space as by industry
    assert len(ws.table) == 5 and set(ws.table["segment"]) == {"business"}
    with pytest.raises(kamlib.ConfigError, match="industri"):
        white_space(book, by="industri")


def test_white_space_leaves_its_input_alone():
    book = _space_book()
    before = {t: book.table(t).copy() for t in ("accounts", "billing")}
    white_space(book)
    for t, df in before.items():
        pd.testing.assert_frame_equal(book.table(t), df)


def test_white_space_plot_returns_the_axes():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    try:
        assert white_space(_space_book()).plot(ax=ax) is ax
        assert white_space(_space_book(), min_peers=9).plot(ax=ax) is ax
    finally:
        plt.close(fig)


def test_account_plans_read_the_white_space():
    book = _space_book()
    plans = kamlib.account_plans(
        book, top_n=0, rules={"list": {"important_industries": ["finance"]}}
    )
    assert "F6" in plans.plans
    assert plans["F6"].white_space["product"].tolist() == ["cloud_idc", "broadband"]
    assert np.isclose(plans["F6"].white_space["expected_monthly_revenue"].iloc[0], 250)


# ----------------------------------------------------------------------------- sales potential
from kamlib.potential import sales_potential  # noqa: E402

TIERS = ["low", "mid", "high"]


def _tier_book(costs: bool = False):
    """Ten active business accounts in three ordered segments low < mid < high.

    mobile a month: L1 1000, L2 1000, L3 600, L4 1400; M1..M4 3000; H1 8000, H2 6000.
    cloud_idc: L1 100; M1 200, M2 200, M3 400; H1 300. iot: M1 80; H1 50, H2 70.
    With costs: network 1,000 a month on L3 (a loss of 400 a month) and 2,000 on L4
    (important: kept whatever it loses).
    """
    ids = ["L1", "L2", "L3", "L4", "M1", "M2", "M3", "M4", "H1", "H2"]
    acc = pd.DataFrame(
        {
            "account_id": ids,
            "name": ids,
            "branch": ["Suzhou"] * 10,
            "customer_type": ["business"] * 10,
            "status": ["active"] * 10,
            "important": [False, False, False, True] + [False] * 6,
        }
    )
    mobile = dict(
        zip(ids, [1000, 1000, 600, 1400, 3000, 3000, 3000, 3000, 8000, 6000], strict=True)
    )
    rows: list[dict] = []
    for a, v in mobile.items():
        rows += _rows(a, "mobile", v)
    for a, v in {"L1": 100, "M1": 200, "M2": 200, "M3": 400, "H1": 300}.items():
        rows += _rows(a, "cloud_idc", v)
    for a, v in {"M1": 80, "H1": 50, "H2": 70}.items():
        rows += _rows(a, "iot", v)
    tables = {"accounts": acc, "billing": pd.DataFrame(rows)}
    if costs:
        tables["costs"] = pd.DataFrame(
            [{"account_id": "L3", "month": m, "network": 1000.0} for m in MONTHS]
            + [{"account_id": "L4", "month": m, "network": 2000.0} for m in MONTHS]
        )
    book = kamlib.Book.from_frames(**tables, as_of="2025-12-31")
    seg = pd.Series([i[0] for i in ids], index=ids).map({"L": "low", "M": "mid", "H": "high"})
    return book, seg.astype(pd.CategoricalDtype(TIERS, ordered=True))


def _pot(sp, lever):
    return sp.table[sp.table["lever"] == lever].set_index("segment")["potential"]


def test_today_and_raise_usage_by_hand():
    book, seg = _tier_book()
    sp = sales_potential(book, segments=seg)
    # today, a year: low (1000 + 1000 + 600 + 1400 + 100) x 12 = 49,200;
    # mid (4 x 3000 + 800 + 80) x 12 = 154,560; high (14,000 + 300 + 120) x 12 = 173,040
    w = sp.wide
    assert list(w.index) == TIERS and w["accounts"].tolist() == [4, 4, 2]
    assert w["today_revenue"].tolist() == pytest.approx([49_200, 154_560, 173_040])
    assert w["today_profit"].isna().all()  # no costs
    # raise usage: low mobile median 1000, L3 400 below -> 400 x 10% x 12 = 480;
    # mid: cloud median 200 (none below), iot one holder -> 0;
    # high: mobile median 7000, H2 1000 below -> 1,200; iot median 60, H1 10 below -> 12
    assert _pot(sp, "raise usage").reindex(TIERS).tolist() == pytest.approx([480, 0, 1212])
    assert set(sp.table.columns) >= {
        "segment",
        "lever",
        "today_revenue",
        "potential",
        "basis",
        "source",
    }
    assert set(sp.table["lever"]) == set(kamlib.opportunity.LEVERS)


def test_cross_sell_against_the_best_similar_segment_by_hand():
    book, seg = _tier_book()
    # penetration: cloud_idc low 1/4, mid 3/4, high 1/2; iot low 0, mid 1/4, high 2/2
    # ordered: low's neighbour is mid; mid's are low and high; high's is mid
    # low:  cloud (0.75 - 0.25) x 4 x 100 x 12 = 2,400; iot (0.25 - 0) x 4 x 80 (mid's
    #       holders: low has none) x 12 = 960 -> 3,360
    # mid:  cloud best neighbour 0.5 < 0.75 -> 0; iot (1 - 0.25) x 4 x 80 x 12 = 2,880
    # high: cloud (0.75 - 0.5) x 2 x 300 x 12 = 1,800; iot held by all -> 0
    sp = sales_potential(book, segments=seg)
    assert _pot(sp, "cross-sell").reindex(TIERS).tolist() == pytest.approx([3360, 2880, 1800])
    # without order every other segment is similar: low's iot gap is to high's 1.0 at
    # high's holders' mean (50 + 70) / 2 = 60: 1.0 x 4 x 60 x 12 = 2,880; + 2,400 = 5,280
    plain = sales_potential(book, segments=seg.astype(str))
    got = _pot(plain, "cross-sell")
    assert [got["low"], got["mid"], got["high"]] == pytest.approx([5280, 2880, 1800])
    # the look-alike white space is its own column, not in the total (no industry: the
    # ten business accounts are alike; cloud_idc is held by 5 of 10, for each lacker 5/9
    # of its peers -> white space at the median of 100, 200, 200, 300, 400 = 200 a month)
    ws = white_space(book)
    assert set(ws.table["product"]) == {"cloud_idc"}
    look = sp.wide["look_alike"]
    expected = ws.table.groupby(ws.table["account_id"].map(seg))["expected_monthly_revenue"].sum()
    assert look.tolist() == pytest.approx((expected.reindex(TIERS).fillna(0) * 12).tolist())
    assert look["low"] == pytest.approx(3 * 200 * 12)
    assert any("do not add them" in n for n in sp.notes)


def test_price_mix_by_hand_and_its_provenance():
    book, seg = _tier_book()
    sp = sales_potential(book, segments=seg, rules={"opportunities": {"price_rise": 0.1}})
    # 10% of 49,200 / 154,560 / 173,040
    assert _pot(sp, "raise price / improve mix").reindex(TIERS).tolist() == pytest.approx(
        [4920, 15456, 17304]
    )
    src = sp.table.set_index("lever")["source"]
    assert set(src["raise price / improve mix"]) == {"assumption"}
    assert set(src["raise usage"]) == {"data"}


def test_new_customers_need_market_sizes():
    book, seg = _tier_book()
    sp = sales_potential(book, segments=seg)
    assert _pot(sp, "win new customers").isna().all()
    assert any("needs the size of the market" in n for n in sp.notes)
    assert np.isnan(sp.summary().loc["potential_new_customers", "value"])
    # with a market for low: (10% - 49,200 / 1,000,000) x 1,000,000 = 50,800
    m = {"low": {"customers": 40, "revenue": 1_000_000, "target_share": 0.1}}
    got = _pot(sales_potential(book, segments=seg, market=m), "win new customers")
    assert got["low"] == pytest.approx(50_800) and np.isnan(got["mid"])


def test_drop_unprofitable_needs_costs():
    book, seg = _tier_book()
    sp = sales_potential(book, segments=seg)
    assert _pot(sp, "drop unprofitable").isna().all()
    assert any("no costs" in n for n in sp.notes)
    book, seg = _tier_book(costs=True)
    sp = sales_potential(book, segments=seg)
    drop = sp.table[sp.table["lever"] == "drop unprofitable"].set_index("segment")
    # L3: revenue 600 x 12 = 7,200, cost 12,000 -> profit -4,800: dropped, 4,800 gained
    # and 7,200 given up; L4 loses 600 x 12 = 7,200 but is important: kept
    assert drop.loc["low", "potential"] == pytest.approx(4800)
    assert drop.loc["low", "revenue_given_up"] == pytest.approx(7200)
    assert drop.loc["mid", "potential"] == 0 and drop.loc["high", "potential"] == 0
    # profit today, low: 49,200 - 12,000 - 24,000 = 13,200
    assert sp.wide.loc["low", "today_profit"] == pytest.approx(13_200)


def test_as_estimates_are_accepted_by_the_opportunity_matrix():
    book, seg = _tier_book(costs=True)
    sp = sales_potential(book, segments=seg)
    est = sp.as_estimates()
    assert list(est.columns) == ["segment", "lever", "size", "basis"]
    pnl = kamlib.customer_pnl(book)
    o = kamlib.opportunity_matrix(book, seg, pnl=pnl, given=est)
    t = o.table.set_index(["segment", "lever"])
    assert t.loc[("low", "cross-sell"), "size"] == pytest.approx(3360)
    assert t.loc[("low", "cross-sell"), "source"] == "given"
    # the probability stays the matrix's own
    own = kamlib.opportunity_matrix(book, seg, pnl=pnl).table.set_index(["segment", "lever"])
    assert (
        t.loc[("low", "raise usage"), "probability"]
        == own.loc[("low", "raise usage"), "probability"]
    )
    assert t.loc[("low", "win new customers"), "source"] == ""  # not sized: not given


def test_sales_potential_degrades_and_leaves_its_input_alone():
    book, seg = _tier_book(costs=True)
    before = {t: book.table(t).copy() for t in ("accounts", "billing", "costs")}
    seg_before = seg.copy()
    sp = sales_potential(book, segments=seg)
    sales_potential(book)  # value tiers
    for t, df in before.items():
        pd.testing.assert_frame_equal(book.table(t), df)
    pd.testing.assert_series_equal(seg, seg_before)
    bare = kamlib.Book.from_frames(accounts=book.accounts.drop(columns="important"))
    e = sales_potential(bare, segments=seg)
    assert e.table.empty and len(e.notes) == 1 and "no revenue" in e.notes[0]
    assert list(e.summary().index) == list(sp.summary().index)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    try:
        assert sp.plot(ax=ax) is ax and e.plot(ax=ax) is ax
    finally:
        plt.close(fig)
