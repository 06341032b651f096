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
