"""What-if scenarios (issue 21) on a book of three accounts worked out on paper.

The book: billing and costs for Jan-Dec 2025 (as of 31 Dec 2025), bundled cost model
(account-manager hour 180 CNY; network is an amount), bundled scenario settings.

- K, key account, important, active: 10,000 a month -> revenue 120,000; costs 10 AM hours
  (1,800) and 8,500 network a month -> cost 21,600 + 102,000 = 123,600; profit -3,600,
  loss-making (below -2% x 120,000 = -2,400). Monthly spend 10,000: the Gold tier.
- R, residential, active: 1,000 a month -> 12,000; network 1,100 a month -> 13,200;
  profit -1,200, loss-making (below -240).
- C, business, churned on 1 Jul 2025: billed Jan-Jun 3,000 a month -> 18,000; network
  2,000 a month -> 12,000; profit 6,000 in 6 months: 36,000 revenue, 24,000 cost and
  12,000 profit a year of its own.

Profit now: -3,600 - 1,200 + 6,000 = 1,200 a year (12 months of billing); revenue 150,000.

Churn a year (churners per account-year at risk): the window runs 1 Jan 2025 to 1 Jan
2026; K and R are at risk 365 days, C 181 days (1 Jan to 1 Jul): (365 + 365 + 181) / 365.25
= 2.494182 account-years, over a window of 1 year: 2.494182 accounts at risk; 1 churner:
1 / 2.494182 = 40.09% a year.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import kamlib
from kamlib._format import money
from kamlib.scenario import Scenario, Scenarios, scenario, scenarios

MONTHS = pd.date_range("2025-01-01", periods=12, freq="MS")
YEARS_AT_RISK = (365 + 365 + 181) / 365.25
RATE = 1 / YEARS_AT_RISK


def _frames(*, churned: bool = True) -> dict[str, pd.DataFrame]:
    accounts = pd.DataFrame(
        {
            "account_id": ["K", "R", "C"],
            "name": ["Key Co", "Resident", "Shop"],
            "branch": ["Suzhou"] * 3,
            "customer_type": ["key_account", "residential", "business"],
            "important": [True, False, False],
            "join_date": ["2020-01-01"] * 3,
            "status": ["active", "active", "churned" if churned else "active"],
            "churn_date": [None, None, "2025-07-01" if churned else None],
        }
    )
    c_months = 6 if churned else 12
    billing = pd.DataFrame(
        [{"account_id": "K", "month": m, "product": "mobile", "revenue": 10_000.0} for m in MONTHS]
        + [{"account_id": "R", "month": m, "product": "mobile", "revenue": 1_000.0} for m in MONTHS]
        + [
            {"account_id": "C", "month": m, "product": "mobile", "revenue": 3_000.0}
            for m in MONTHS[:c_months]
        ]
    )
    costs = pd.DataFrame(
        [{"account_id": "K", "month": m, "am_hours": 10.0, "network": 8_500.0} for m in MONTHS]
        + [{"account_id": "R", "month": m, "am_hours": 0.0, "network": 1_100.0} for m in MONTHS]
        + [
            {"account_id": "C", "month": m, "am_hours": 0.0, "network": 2_000.0}
            for m in MONTHS[:c_months]
        ]
    )
    return {"accounts": accounts, "billing": billing, "costs": costs}


def _book(*, costs: bool = True, churned: bool = True) -> kamlib.Book:
    f = _frames(churned=churned)
    if not costs:
        del f["costs"]
    return kamlib.Book.from_frames(**f, as_of="2025-12-31")


def _row(s: Scenario, lever: str) -> pd.Series:
    return s.table.loc[lever]


def test_the_branch_now():
    s = scenario(_book())
    fig = s.summary()["value"]
    assert fig["profit_now"] == pytest.approx(1_200)
    assert fig["revenue_now"] == pytest.approx(150_000)
    assert fig["profit_change"] == 0 and s.table.empty
    assert any("No lever" in n for n in s.notes)


def test_five_points_of_retention_by_hand():
    s = scenario(_book(), retention_points=5)
    r = _row(s, "keep_churners")
    kept = 0.05 * YEARS_AT_RISK  # 0.1247 accounts a year
    assert r["accounts_affected"] == pytest.approx(kept)
    # each kept churner brings C's own year: 36,000 revenue and 24,000 cost to serve, of
    # which 80% comes back with it (central avoidable share), and costs 2,000 to keep
    assert r["revenue_kept"] == pytest.approx(kept * 36_000)
    assert r["cost_saved"] == pytest.approx(-kept * (0.8 * 24_000 + 2_000))
    assert r["revenue_lost"] == 0
    assert r["profit_change"] == pytest.approx(kept * 14_800)  # 1,846 CNY
    # low: retention cost 5,000 with every cost avoidable: kept x (12,000 - 5,000); high:
    # 1,000 and only 60% of the cost coming back: kept x (36,000 - 0.6 x 24,000 - 1,000)
    assert r["profit_change_low"] == pytest.approx(kept * 7_000)
    assert r["profit_change_high"] == pytest.approx(kept * 20_600)
    a = s.assumptions
    assert a.loc["churn_rate_per_year", "central"] == pytest.approx(RATE)
    assert a.loc["accounts_at_risk", "central"] == pytest.approx(YEARS_AT_RISK)
    assert a.loc["churner_yearly_profit", "central"] == pytest.approx(12_000)
    assert a.loc["retention_points", "source"] == "argument"
    # 2.5 accounts at risk: the rate is said to be rough
    assert any("rests on 2.5 accounts at risk" in n for n in s.notes)
    assert a.loc["churn_rate_per_year", "source"] == "data"
    cost = a.loc["retention_cost_per_kept_account"]
    assert (cost["central"], cost["range_low"], cost["range_high"], cost["source"]) == (
        2_000,
        1_000,
        5_000,
        "setting",
    )
    # the sentence from these numbers, money as the report writes it
    assert s.sentence == (
        "Keeping 5 more customers in 100 from leaving each year would add "
        f"{money(kept * 14_800, 'CNY')} of profit a year (range "
        f"{money(kept * 7_000, 'CNY', signed=True)} to {money(kept * 20_600, 'CNY', signed=True)})."
    )


def test_the_multi_year_view_by_hand():
    s = scenario(_book(), retention_points=5)

    def value(churn: float, years: int, rate: float) -> float:
        total = 0.0
        for t in range(1, years + 1):
            total += 1_200 * (1 - churn) ** (t - 1) / (1 + rate) ** t
        return total

    now, after = value(RATE, 5, 0.08), value(RATE - 0.05, 5, 0.08)
    h = s.horizon
    assert list(h["year"]) == [1, 2, 3, 4, 5]
    assert h["base_value_now"].iloc[-1] == pytest.approx(now)
    assert h["base_value_scenario"].iloc[-1] == pytest.approx(after)
    assert h["retained_scenario"].iloc[2] == pytest.approx((1 - RATE + 0.05) ** 2)
    fig = s.summary()["value"]
    assert fig["base_value_change_share"] == pytest.approx(after / now - 1)
    ends = [value(RATE - 0.05, y, d) / value(RATE, y, d) - 1 for y in (3, 10) for d in (0.05, 0.12)]
    assert fig["base_value_change_share_low"] == pytest.approx(min(ends))
    assert fig["base_value_change_share_high"] == pytest.approx(max(ends))


def test_a_price_rise_with_elasticity_by_hand():
    s = scenario(_book(), price_change=0.05, segment="key_account")
    r = _row(s, "change_price")
    # K alone: elasticity 0.2 x 5% = 1% of it lost; the rest pays 5% more
    assert r["accounts_affected"] == pytest.approx(0.01)
    assert r["revenue_kept"] == pytest.approx(0.99 * 120_000 * 0.05)  # 5,940
    assert r["revenue_lost"] == pytest.approx(0.01 * 120_000)  # 1,200
    assert r["cost_saved"] == pytest.approx(0.01 * 0.8 * 123_600)  # 989: 80% avoidable
    assert r["profit_change"] == pytest.approx(5_940 - 1_200 + 988.8)
    # ends: elasticity 0.1 or 0.5, avoidable cost 0.6 or 1
    corners = [
        (1 - e * 0.05) * 6_000 + e * 0.05 * (123_600 * a - 120_000)
        for e in (0.1, 0.5)
        for a in (0.6, 1.0)
    ]
    assert r["profit_change_low"] == pytest.approx(min(corners))  # 4,509
    assert r["profit_change_high"] == pytest.approx(max(corners))  # 5,988
    assert s.assumptions.loc["elasticity_key_account", "source"] == "setting"
    assert "elasticity_business" not in s.assumptions.index  # no business account is active


def test_an_elasticity_given_has_no_range():
    s = scenario(_book(), price_change=0.05, segment="key_account", elasticity=0.4)
    a = s.assumptions.loc["elasticity_key_account"]
    assert (a["central"], a["range_low"], a["range_high"], a["source"]) == (
        0.4,
        0.4,
        0.4,
        "argument",
    )
    r = _row(s, "change_price")
    assert r["profit_change"] == pytest.approx(0.98 * 6_000 + 0.02 * (0.8 * 123_600 - 120_000))
    assert r["profit_change_low"] == pytest.approx(0.98 * 6_000 + 0.02 * (0.6 * 123_600 - 120_000))


def test_dropping_the_loss_maker_spares_the_important_one():
    s = scenario(_book(), drop="loss_makers")
    r = _row(s, "drop_loss_makers")
    # K and R lose money; K is important: only R goes
    assert r["accounts_affected"] == 1
    assert r["revenue_lost"] == pytest.approx(12_000)
    # 80% of its 13,200 cost to serve goes with it: letting it go loses 1,440 a year (the
    # shared fifth of its cost stays); only when all of it goes is its 1,200 loss avoided
    assert r["cost_saved"] == pytest.approx(0.8 * 13_200)
    assert r["profit_change"] == pytest.approx(0.8 * 13_200 - 12_000)  # -1,440
    assert r["profit_change_low"] == pytest.approx(0.6 * 13_200 - 12_000)  # -4,080
    assert r["profit_change_high"] == pytest.approx(1_200)
    assert s.assumptions.loc["accounts_protected", "central"] == 1
    assert r["sentence"].startswith("Letting go the 1 loss-making account (sparing 1 important")
    assert any("1 important account among them is never dropped" in n for n in s.notes)


def test_repricing_the_loss_makers_to_break_even():
    s = scenario(_book(), reprice="loss_makers")
    r = _row(s, "reprice_loss_makers")
    # K needs 3,600 / 120,000 = 3% more (0.2 x 3% = 0.6% lost), R 10% (1.0 x 10% = 10%
    # lost); those that stay break even, those that leave take 80% of their cost with them
    assert r["accounts_affected"] == pytest.approx(0.006 + 0.1)
    assert r["revenue_kept"] == pytest.approx(0.994 * 3_600 + 0.9 * 1_200)
    assert r["revenue_lost"] == pytest.approx(0.006 * 120_000 + 0.1 * 12_000)
    assert r["cost_saved"] == pytest.approx(0.8 * (0.006 * 123_600 + 0.1 * 13_200))
    assert r["profit_change"] == pytest.approx(4_658.4 - 1_920 + 1_649.28)  # 4,388
    with pytest.raises(ValueError, match="not both"):
        scenario(_book(), drop="loss_makers", reprice="loss_makers")


def test_a_tier_move_by_hand():
    s = scenario(_book(), move={"from": "gold", "to": "crystal", "accounts": 1})
    r = _row(s, "move_tier")
    # Gold: 6 AM hours and 0.5 visits a month; Crystal: 3 and 0.5. 3 hours x 180 x 12
    # saved; revenue: one tier down x 2% x 120,000 lost (0% to 5%)
    assert r["accounts_affected"] == 1
    assert r["cost_saved"] == pytest.approx(6_480)
    assert r["revenue_lost"] == pytest.approx(2_400)
    assert r["profit_change"] == pytest.approx(4_080)
    assert r["profit_change_low"] == pytest.approx(6_480 - 6_000)
    assert r["profit_change_high"] == pytest.approx(6_480)
    assert s.assumptions.loc["am_hours_rate", "central"] == 180
    assert s.assumptions.loc["am_hours_entitled_change", "central"] == -3
    with pytest.raises(kamlib.ConfigError, match="did you mean crystal"):
        scenario(_book(), move={"from": "gold", "to": "cristal"})


def test_levers_together_add_up():
    b = _book()
    one = [
        scenario(b, retention_points=5),
        scenario(b, drop="loss_makers"),
        scenario(b, move={"from": "gold", "to": "crystal"}),
    ]
    both = scenario(
        b, retention_points=5, drop="loss_makers", move={"from": "gold", "to": "crystal"}
    )
    assert both.change[0] == pytest.approx(sum(s.change[0] for s in one))
    # the ranges share the avoidable share of cost: the joint ends lie within the sums of ends
    assert both.change[1] >= sum(s.change[1] for s in one) - 1e-6
    assert both.change[2] <= sum(s.change[2] for s in one) + 1e-6
    assert any("as if independent" in n for n in both.notes)


def test_low_central_high_are_ordered():
    b = _book()
    for s in [
        scenario(b, retention_points=5),
        scenario(b, retention_points=-3),
        scenario(b, price_change=0.1),
        scenario(b, price_change=-0.1),
        scenario(b, drop="loss_makers"),
        scenario(b, reprice="loss_makers"),
        scenario(b, move={"from": "gold", "to": "gem"}),
    ]:
        t = s.table
        assert (t["profit_change_low"] <= t["profit_change"] + 1e-9).all(), s.sentence
        assert (t["profit_change"] <= t["profit_change_high"] + 1e-9).all(), s.sentence
        assert s.change[1] <= s.change[0] <= s.change[2]


def test_a_fall_in_loyalty_costs_what_the_churners_brought():
    s = scenario(_book(), retention_points=-5)
    r = _row(s, "keep_churners")
    lost = 0.05 * YEARS_AT_RISK
    # no retention cost; each extra churner takes its 36,000 and 80% of its 24,000
    assert r["revenue_lost"] == pytest.approx(lost * 36_000)
    assert r["cost_saved"] == pytest.approx(lost * 0.8 * 24_000)
    assert r["profit_change"] == pytest.approx(-lost * 16_800)
    assert r["sentence"].startswith("Losing 5 more customers in 100 each year would cost")


def test_settings_change_the_numbers():
    s = scenario(_book(), retention_points=5, rules={"retention": {"cost_per_kept_account": 0}})
    r = _row(s, "keep_churners")
    assert r["profit_change"] == pytest.approx(0.05 * YEARS_AT_RISK * (36_000 - 0.8 * 24_000))
    with pytest.raises(kamlib.ConfigError, match="cost_per_kept_acount"):
        scenario(_book(), rules={"retention": {"cost_per_kept_acount": 0}})
    with pytest.raises(kamlib.ConfigError, match="low <= central <= high"):
        scenario(_book(), rules={"horizon": {"discount_rate": {"central": 0.2}}})


def test_without_churners_retention_keeps_nothing():
    s = scenario(_book(churned=False), retention_points=5)
    r = _row(s, "keep_churners")
    assert r["accounts_affected"] == 0 and r["profit_change"] == 0
    assert any("No account of the segment left in the window" in n for n in s.notes)
    # key accounts: none left in the window either
    k = scenario(_book(), retention_points=5, segment="key_account")
    assert _row(k, "keep_churners")["profit_change"] == 0


def test_without_costs_revenue_only_and_said():
    b = _book(costs=False)
    s = scenario(b, retention_points=5, drop="loss_makers", move={"from": "gold", "to": "crystal"})
    assert math.isnan(s.summary()["value"]["profit_now"])
    assert any("There is no costs table" in n for n in s.notes)
    keep = _row(s, "keep_churners")
    assert keep["revenue_kept"] == pytest.approx(0.05 * YEARS_AT_RISK * 36_000)
    assert math.isnan(keep["cost_saved"]) and math.isnan(keep["profit_change"])
    assert "without costs its effect on profit cannot be computed" in keep["sentence"]
    assert math.isnan(_row(s, "drop_loss_makers")["profit_change"])
    assert any("the loss-making accounts cannot be found" in n for n in s.notes)
    # the tier move is priced from the entitlements and the cost model's rates
    assert _row(s, "move_tier")["profit_change"] == pytest.approx(4_080)


def test_inputs_are_not_mutated():
    f = _frames()
    copies = {k: v.copy() for k, v in f.items()}
    b = kamlib.Book.from_frames(**f, as_of="2025-12-31")
    before = {t: b.table(t).copy() for t in ("accounts", "billing", "costs")}
    pnl = kamlib.customer_pnl(b)
    pnl_before = pnl.table.copy()
    scenario(b, retention_points=5, price_change=0.05, drop="loss_makers", pnl=pnl)
    scenarios(b, pnl=pnl)
    for t, df in before.items():
        pd.testing.assert_frame_equal(b.table(t), df)
    for k, df in copies.items():
        pd.testing.assert_frame_equal(f[k], df)
    pd.testing.assert_frame_equal(pnl.table, pnl_before)


def test_the_segment_can_be_a_mask_or_a_series():
    b = _book()
    by_type = scenario(b, price_change=0.05, segment="key_account").change
    mask = (b.accounts["account_id"] == "K").to_numpy()
    series = pd.Series([True, False, False], index=["K", "R", "C"])
    assert scenario(b, price_change=0.05, segment=mask).change == pytest.approx(by_type)
    assert scenario(b, price_change=0.05, segment=series).change == pytest.approx(by_type)
    with pytest.raises(kamlib.ConfigError, match="did you mean business"):
        scenario(b, price_change=0.05, segment="busness")


@pytest.fixture(scope="module")
def suzhou():
    return kamlib.load(kamlib.sample_path()).branch("Suzhou")


def test_the_built_in_set_on_the_sample(suzhou):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = scenarios(suzhou)
    assert isinstance(s, Scenarios) and isinstance(s, kamlib.Result)
    t = s.table
    assert set(t.index) == {"keep_churners", "change_price", "drop_loss_makers", "move_tier"}
    assert list(t["rank"]) == [1, 2, 3, 4]
    assert t["profit_change"].is_monotonic_decreasing
    assert (t["profit_change_low"] <= t["profit_change"]).all()
    assert (t["profit_change"] <= t["profit_change_high"]).all()
    assert s.summary()["value"]["best_scenario"] == t.index[0]
    # the retention row is the one-lever scenario of the same settings
    one = scenario(suzhou, retention_points=5)
    assert t.loc["keep_churners", "profit_change"] == pytest.approx(one.change[0])
    # each row's sentence carries its central change as the report writes money
    for code, row in t.iterrows():
        c = row["profit_change"]
        assert money(abs(c), "CNY") in row["sentence"], code
    # the price scenario is on business accounts
    assert t.loc["change_price", "sentence"].startswith("Raising the prices of business accounts")
    # the cheapest tier move leaves the most profit of all one-tier moves of 10 accounts
    best = s.scenarios["move_tier"].change[0]
    for src, dst in [("gold", "crystal"), ("gem", "gold"), ("crystal", "gold"), ("gold", "gem")]:
        other = scenario(suzhou, move={"from": src, "to": dst, "accounts": 10})
        if other.table.loc["move_tier", "accounts_affected"]:
            assert other.change[0] <= best + 1e-6


def test_the_sample_churn_rate_is_the_account_year_rate(suzhou):
    from kamlib.churn import account_year_rate

    s = scenario(suzhou, retention_points=5)
    r = account_year_rate(suzhou)
    assert s.assumptions.loc["churn_rate_per_year", "central"] == pytest.approx(r["rate"])
    kept = 0.05 * r["account_years"]  # a 12-month window
    assert s.table.loc["keep_churners", "accounts_affected"] == pytest.approx(kept)
    assert np.isfinite(s.summary()["value"]["base_value_change_share"])


def test_without_revenue_nothing_is_sized():
    f = _frames()
    b = kamlib.Book.from_frames(accounts=f["accounts"], costs=f["costs"], as_of="2025-12-31")
    s = scenario(b, retention_points=5, price_change=0.05, drop="loss_makers")
    # the costs alone would make every lost account look like a gain: nothing is claimed
    assert s.table[["profit_change", "profit_change_low", "profit_change_high"]].isna().all().all()
    assert any("no revenue" in n for n in s.notes)
    assert all("cannot be sized" in x for x in s.table["sentence"])


def test_a_churn_cut_that_lowers_profit_says_why():
    """C loses money (4,000 a month to serve for 3,000 of revenue): keeping more accounts
    like it lowers profit, and the sentence says why, with C's own year."""
    f = _frames()
    c = f["costs"]["account_id"] == "C"
    f["costs"].loc[c, "network"] = 4_000.0
    b = kamlib.Book.from_frames(**f, as_of="2025-12-31")
    s = scenario(b, retention_points=5)
    r = _row(s, "keep_churners")
    kept = 0.05 * YEARS_AT_RISK
    # 36,000 revenue, 48,000 to serve (80% comes back) and 2,000 to keep
    assert r["profit_change"] == pytest.approx(kept * (36_000 - 0.8 * 48_000 - 2_000))
    assert r["profit_change"] < 0
    assert r["sentence"].endswith(
        f"That is because the accounts that leave bring little: one brings "
        f"{money(36_000, 'CNY')} a year but costs {money(48_000, 'CNY')} to serve and about "
        f"{money(2_000, 'CNY')} to keep, and 100% of those that left lost money."
    )
    # a profitable churner: no such sentence
    assert (
        "That is because"
        not in _row(scenario(_book(), retention_points=5), "keep_churners")["sentence"]
    )
