"""Segmentation rules pinned on hand-made frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kamlib
from kamlib import segment as S


def test_tier_edges_exactly_at_bounds():
    ts = S.tier_scheme("beijing")
    spend = pd.Series(
        [0, 9999.99, 10000, 29999, 30000, 80000, 200000, 499999.99, 500000, 5e6, np.nan]
    )
    got = S.assign_tiers(spend, ts).astype("object").tolist()
    assert got == [
        "crystal",
        "crystal",
        "gold",
        "gold",
        "gem",
        "platinum",
        "jade",
        "jade",
        "diamond",
        "diamond",
        np.nan,
    ][:10] + [got[-1]]
    assert pd.isna(got[-1])


def test_key_account_thresholds_and_custom_scheme():
    ka = S.tier_scheme("key_account")
    assert S.assign_tiers(pd.Series([2999, 3000, 10000]), ka).astype(str).tolist() == [
        "below",
        "ordinary",
        "super",
    ]
    custom = S.tier_scheme(
        {"tiers": [{"code": "s", "en": "Small", "zh": "小", "upper": 5}, {"code": "l"}]}
    )
    assert S.assign_tiers(pd.Series([4.9, 5.0]), custom).astype(str).tolist() == ["s", "l"]
    with pytest.raises(kamlib.ConfigError, match="rise strictly"):
        S.tier_scheme(
            {"tiers": [{"code": "a", "upper": 5}, {"code": "b", "upper": 3}, {"code": "c"}]}
        )
    with pytest.raises(kamlib.ConfigError, match="no tier scheme"):
        S.tier_scheme("platinum_club")


def _book(spend):
    ids = [f"a{i}" for i in range(len(spend))]
    acc = pd.DataFrame(
        {"account_id": ids, "branch": "X", "status": "active", "monthly_revenue": spend}
    )
    return kamlib.Book.from_frames(accounts=acc)


def test_one_account_all_in_one_tier_and_empty():
    t = S.value_tiers(_book([50.0]))
    assert t.table["accounts"].sum() == 1 and t.table.loc["crystal", "share of accounts"] == 1.0
    t2 = S.value_tiers(_book([600000.0, 700000.0]))
    assert t2.table.loc["diamond", "accounts"] == 2
    acc = pd.DataFrame({"account_id": ["a"], "branch": "X", "status": "active"})
    none = S.value_tiers(kamlib.Book.from_frames(accounts=acc))
    assert none.table.empty and none.unknown == 1


def test_abc_tiers_by_hand():
    spend = pd.Series([70.0, 15.0, 10.0, 5.0])  # cumulative before: 0, .7, .85, .95
    assert S.quantile_tiers(spend, kind="abc").astype(str).tolist() == ["A", "A", "B", "C"]
    d = S.quantile_tiers(pd.Series(np.arange(20.0)), kind="deciles")
    assert d.iloc[19] == "D1" and d.iloc[0] == "D10" and (d.value_counts() == 2).all()


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=2e6, allow_nan=False), min_size=1, max_size=50))
def test_every_account_gets_exactly_one_tier(spend):
    t = S.value_tiers(_book(spend))
    assert t.table["accounts"].sum() == len(spend) and t.unknown == 0
    assert t.table["share of accounts"].sum() == pytest.approx(1.0)
    if sum(spend) > 0:
        assert t.table["share of revenue"].sum() == pytest.approx(1.0)
    q = S.value_tiers(_book(spend), quantiles="abc")
    assert q.table["accounts"].sum() == len(spend)


def test_value_loyalty_rules_by_hand():
    acc = pd.DataFrame(
        {
            "account_id": ["loyal_big", "drift_small", "mid"],
            "branch": "X",
            "status": "active",
            "monthly_revenue": [1000.0, 10.0, 100.0],
            "tenure_months": [60, 2, 20],
            "contract": ["two_year", "monthly", "one_year"],
            "satisfaction": [5, 1, 3],
        }
    )
    vl = S.value_loyalty(kamlib.Book.from_frames(accounts=acc))
    a = vl["accounts"]
    # points: 2+2+2 of 6 -> loyal; 0 -> drifting; 1+1+1 = 0.5 -> potentially loyal
    assert (
        a.loc["loyal_big", "loyalty"] == "loyal" and a.loc["drift_small", "loyalty"] == "drifting"
    )
    assert a.loc["mid", "loyalty"] == "potentially loyal"
    assert a.loc["loyal_big", "value"] == "high" and a.loc["drift_small", "value"] == "low"
    assert vl["grid"].to_numpy().sum() == 3
    assert "Let go" in vl["strategy"].loc["low", "drifting"]


def test_maven_quantile_tiers_and_grid_run(maven_book):
    t = S.value_tiers(maven_book, quantiles="abc")
    assert t.table["accounts"].sum() == 7043
    vl = S.value_loyalty(maven_book)
    assert vl["grid"].to_numpy().sum() == 7043 and "satisfaction" not in vl["signals"]
