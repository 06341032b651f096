"""Contract payback and discount control (kamlib.deals).

Every expected figure is worked out by hand in the comments from the small books below
(billing window Jan-Dec 2025, as_of 2025-12-31).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import kamlib
from kamlib.deals import (
    DISCOUNT_COLUMNS,
    MANAGER_COLUMNS,
    PAYBACK_COLUMNS,
    TIER_COLUMNS,
    contract_payback,
    discount_control,
)

MONTHS = pd.date_range("2025-01-01", periods=12, freq="MS")


def _rows(monthly: dict[str, list[float]], column: str, *, product: bool = False) -> pd.DataFrame:
    out = pd.DataFrame(
        [
            {"account_id": a, "month": MONTHS[i], column: v}
            for a, vs in monthly.items()
            for i, v in enumerate(vs)
        ]
    )
    if product:
        out["product"] = "mobile"
    return out


# ----------------------------------------------------------------------------- payback
def _payback_book(*, costs: bool | pd.DataFrame = True, contracts: bool = True, **changes):
    acc = pd.DataFrame(
        {
            "account_id": ["E", "P", "B", "C", "C2", "Z"],
            "name": ["Example", "Projected", "Before", "Churned", "Churned promise", "Zero"],
            "branch": ["Suzhou"] * 6,
            "status": ["active", "active", "active", "churned", "churned", "active"],
            "churn_date": [None, None, None, "2025-06-20", "2025-06-20", None],
        }
    )
    bill = {
        "E": [10_000.0] * 12,
        "P": [1_000.0] * 6 + [2_000.0] * 6,
        "B": [1_000.0] * 12,
        "C": [3_000.0] * 6,
        "C2": [3_000.0] * 6,
    }
    # network (an amount) at 20% of each bill: every account's margin is 80%
    cost = {a: [0.2 * v for v in vs] for a, vs in bill.items()}
    deals = pd.DataFrame(
        {
            "account_id": ["E", "P", "B", "C", "C2", "Z"],
            "start": ["2025-01-01", "2025-01-01", "2024-07-01", "2025-01-01", "2025-01-01"]
            + ["2023-01-01"],
            "end": ["2028-01-01", "2027-01-01", "2026-07-01", "2026-01-01", "2026-01-01"]
            + ["2024-01-01"],
            "investment": [585_500.0, 30_000.0, 10_000.0, 20_000.0, 10_000.0, 5_000.0],
            "expected_revenue": [686_400.0, np.nan, np.nan, np.nan, 48_000.0, np.nan],
        }
    )
    tables = {"accounts": acc, "billing": _rows(bill, "revenue", product=True)}
    if isinstance(costs, pd.DataFrame):  # a cost table of the test's own
        tables["costs"] = costs
    elif costs:
        tables["costs"] = _rows(cost, "network")
    if contracts:
        tables["contracts"] = deals
    tables.update(changes)
    return kamlib.Book.from_frames(**tables, as_of="2025-12-31")


def test_the_briefs_worked_example_covers_in_revenue_but_does_not_pay_back():
    r = contract_payback(_payback_book()).table.set_index("account_id").loc["E"]
    # 2025-01-01 to 2028-01-01 is 1,095 days = 35.98 months of 30.4375 days: 36 months
    assert r["term_months"] == 36
    assert r["basis"] == "recorded" and r["revenue_expected"] == pytest.approx(686_400)
    # margin: revenue 12 x 10,000 = 120,000, network 12 x 2,000 = 24,000: 96,000 / 120,000
    assert r["margin"] == pytest.approx(0.8)
    # 686,400 >= 585,500: the revenue covers the investment ...
    assert bool(r["revenue_covers"])
    # ... but the contribution 686,400 x 0.8 = 549,120 < 585,500: it does not pay back
    assert r["contribution_expected"] == pytest.approx(549_120)
    assert not bool(r["pays_back"])
    assert r["shortfall"] == pytest.approx(585_500 - 549_120)  # 36,380
    # 549,120 / 36 = 15,253.33 a month: 585,500 needs 38.4 months > 36: never in the term
    assert math.isnan(r["payback_month"])
    assert r["months_elapsed"] == 12 and r["revenue_to_date"] == pytest.approx(120_000)
    assert r["judged_on"] == "contribution" and not r["churned"] and r["months_lost"] == 0


def test_a_contract_without_expected_revenue_is_projected_from_the_last_months():
    t = contract_payback(_payback_book()).table.set_index("account_id")
    p = t.loc["P"]
    # 2025-01-01 to 2027-01-01: 730 days = 23.98 months: 24; the data hold Jan-Dec 2025
    assert p["term_months"] == 24 and p["basis"] == "projected"
    # billed within the dates: 6 x 1,000 + 6 x 2,000 = 18,000; the last 3 months average
    # 2,000; 24 - 12 = 12 months not held: 18,000 + 12 x 2,000 = 42,000
    assert p["revenue_to_date"] == pytest.approx(18_000)
    assert p["revenue_expected"] == pytest.approx(42_000)
    # 42,000 x 0.8 = 33,600 >= 30,000: pays back; at 33,600 / 24 = 1,400 a month,
    # 30,000 / 1,400 = 21.4: in month 22
    assert p["contribution_expected"] == pytest.approx(33_600)
    assert bool(p["pays_back"]) and p["shortfall"] == 0
    assert p["payback_month"] == 22
    # a contract that began before the window: its months before January are estimated
    # too. 2024-07-01 to 2026-07-01 = 24 months; held Jan-Dec 2025 (12,000); 12 not held
    # at 1,000: 24,000; x 0.8 = 19,200 >= 10,000; 19,200/24 = 800 a month: 12.5 -> 13
    b = t.loc["B"]
    assert b["revenue_expected"] == pytest.approx(24_000)
    assert b["months_elapsed"] == 18  # 2024-07-01 to 2025-12-31: 548 days = 18.0 months
    assert b["payback_month"] == 13


def test_a_churned_account_stops_paying_at_its_churn_date():
    t = contract_payback(_payback_book()).table.set_index("account_id")
    c = t.loc["C"]
    # 2025-01-01 to the churn on 2025-06-20: 170 days = 5.6 months: 6 of the 12 are lived,
    # 6 lost. Billed Jan-Jun (each month's 15th before 20 June): 6 x 3,000 = 18,000, and no
    # month of the term before the churn is missing: 18,000 expected, no projection beyond
    assert c["term_months"] == 12 and c["months_lost"] == 6 and bool(c["churned"])
    assert c["revenue_expected"] == pytest.approx(18_000)
    assert not bool(c["revenue_covers"])  # 18,000 < 20,000
    # 18,000 x 0.8 = 14,400 < 20,000: short by 5,600
    assert not bool(c["pays_back"]) and c["shortfall"] == pytest.approx(5_600)
    assert math.isnan(c["payback_month"])
    assert c["months_elapsed"] == 6
    # a recorded promise is counted pro rata to the churn: 48,000 x 6 / 12 = 24,000;
    # x 0.8 = 19,200 >= 10,000; 19,200 / 6 = 3,200 a month: 10,000 / 3,200 = 3.1 -> 4
    c2 = t.loc["C2"]
    assert c2["basis"] == "recorded" and c2["revenue_expected"] == pytest.approx(24_000)
    assert bool(c2["pays_back"]) and c2["payback_month"] == 4


def test_a_contract_the_data_cannot_judge_stays_unknown_and_the_summary_adds_up():
    res = contract_payback(_payback_book())
    z = res.table.set_index("account_id").loc["Z"]
    # Z's contract ended before the window and records no expected revenue: unknown
    assert math.isnan(z["revenue_expected"]) and pd.isna(z["pays_back"])
    assert pd.isna(z["revenue_covers"]) and math.isnan(z["shortfall"])
    s = res.summary()["value"]
    assert s["contracts"] == 6
    # not paying back: E and C (Z unknown, not counted)
    assert s["contracts_not_paying_back"] == 2
    assert s["investment"] == pytest.approx(585_500 + 30_000 + 10_000 + 20_000 + 10_000 + 5_000)
    assert s["shortfall"] == pytest.approx(36_380 + 5_600)
    notes = " ".join(res.notes)
    assert "cannot be judged" in notes and "left" in notes and "projected" in notes
    assert list(res.table.columns) == PAYBACK_COLUMNS


def test_without_costs_contracts_are_judged_on_revenue_alone():
    res = contract_payback(_payback_book(costs=False))
    e = res.table.set_index("account_id").loc["E"]
    assert math.isnan(e["margin"]) and math.isnan(e["contribution_expected"])
    # on revenue: 686,400 >= 585,500 pays back; 686,400 / 36 = 19,066.67 a month,
    # 585,500 / 19,066.67 = 30.7: month 31
    assert e["judged_on"] == "revenue" and bool(e["pays_back"]) and e["shortfall"] == 0
    assert e["payback_month"] == 31
    assert any("no costs table" in n and "revenue alone" in n for n in res.notes)


def test_without_a_contracts_table_one_note_and_an_empty_table():
    res = contract_payback(_payback_book(contracts=False))
    assert res.table.empty and list(res.table.columns) == PAYBACK_COLUMNS
    assert res.notes == ("no contracts table: contract payback cannot be shown",)
    s = res.summary()["value"]
    assert s["contracts"] == 0 and math.isnan(s["contracts_not_paying_back"])
    res.plot(ax=_ax())


def test_payback_at_exactly_the_investment_pays_back_in_the_last_month():
    # a tie: 12 x 1,000 billed, no costs, investment 12,000 -> revenue == investment
    acc = pd.DataFrame({"account_id": ["T"], "branch": ["X"], "status": ["active"]})
    bill = _rows({"T": [1_000.0] * 12}, "revenue", product=True)
    deal = pd.DataFrame(
        {"account_id": ["T"], "start": ["2025-01-01"], "end": ["2026-01-01"], "investment": [12e3]}
    )
    book = kamlib.Book.from_frames(accounts=acc, billing=bill, contracts=deal, as_of="2025-12-31")
    t = contract_payback(book).table.iloc[0]
    assert bool(t["revenue_covers"]) and bool(t["pays_back"]) and t["shortfall"] == 0
    assert t["payback_month"] == 12


def test_a_given_pnl_is_reused_and_recent_months_is_checked():
    book = _payback_book()
    pnl = kamlib.customer_pnl(book)
    a = contract_payback(book, pnl=pnl).table
    pd.testing.assert_frame_equal(a, contract_payback(book).table)
    # one recent month: P's rate is December's 2,000, the same here; B's too (1,000)
    assert contract_payback(book, recent_months=1).table["revenue_expected"].iloc[1] == 42_000
    with pytest.raises(ValueError):
        contract_payback(book, recent_months=0)


# ----------------------------------------------------------------------------- discounts
def _discount_book(*, basis: str = "net", **changes):
    acc = pd.DataFrame(
        {
            "account_id": ["D1", "D2", "D3", "D4", "D5", "D6", "D7"],
            "name": [f"Account {i}" for i in range(1, 8)],
            "branch": ["Suzhou"] * 7,
            "status": ["active"] * 7,
            "account_manager": ["M1", "M1", "M2", "M2", None, None, "M1"],
        }
    )
    # net bills a month (after discounts), and the discounts given a month
    net = {"D1": 40_000.0, "D2": 5_000.0, "D3": 17_000.0, "D4": 2_000.0, "D5": 1_000.0}
    net["D7"] = 3_000.0
    disc = {"D1": 10_000.0, "D2": 500.0, "D3": 3_000.0, "D4": 0.0, "D5": 300.0, "D7": 0.0}
    if basis == "gross":  # the same deals billed before discounts
        net = {a: v + disc[a] for a, v in net.items()}
    bill = _rows({a: [v] * 12 for a, v in net.items()}, "revenue", product=True)
    costs = _rows({a: [v] * 12 for a, v in disc.items()}, "discounts")
    # D6 has no bill at all (no value tier) but was given 100 once
    costs = pd.concat(
        [costs, pd.DataFrame({"account_id": ["D6"], "month": [MONTHS[0]], "discounts": [100.0]})]
    )
    tables = {"accounts": acc, "billing": bill, "costs": costs}
    tables.update(changes)
    return kamlib.Book.from_frames(**tables, as_of="2025-12-31", revenue_basis=basis)


def test_discount_rate_limit_and_excess_per_account():
    res = discount_control(_discount_book(), rules={"managers": {"min_accounts": 3}})
    t = res.table.set_index("account_id")
    # only accounts given discounts: D4 and D7 are not in the table
    assert sorted(t.index) == ["D1", "D2", "D3", "D5", "D6"]
    d1 = t.loc["D1"]
    # 40,000 a month billed: gem (30,000-80,000), limit 18%. Before discounts 50,000 a
    # month; 120,000 / 600,000 = 20% > 18%: over by 120,000 - 0.18 x 600,000 = 12,000
    assert d1["tier"] == "gem" and d1["limit"] == pytest.approx(0.18)
    assert d1["revenue"] == 480_000 and d1["discounts"] == 120_000
    assert d1["revenue_before_discounts"] == 600_000
    assert d1["discount_rate"] == pytest.approx(0.2)
    assert bool(d1["over_limit"]) and d1["excess"] == pytest.approx(12_000)
    # D2: crystal (< 10,000), limit 12%: 500 / 5,500 = 9.1%: within
    assert t.loc["D2", "discount_rate"] == pytest.approx(500 / 5_500)
    assert not bool(t.loc["D2", "over_limit"]) and t.loc["D2", "excess"] == 0
    # D3: gold, limit 15%: 3,000 / 20,000 = exactly 15%: at the limit is within it
    assert t.loc["D3", "tier"] == "gold" and t.loc["D3", "discount_rate"] == pytest.approx(0.15)
    assert not bool(t.loc["D3", "over_limit"]) and t.loc["D3", "excess"] == 0
    # D5: crystal, 300 / 1,300 = 23%: over by 3,600 - 0.12 x 15,600 = 1,728
    assert t.loc["D5", "excess"] == pytest.approx(1_728)
    # D6: no bill, so no tier: the default limit 10%; 100 / 100 = 100%: over by 90
    assert pd.isna(t.loc["D6", "tier"]) and t.loc["D6", "limit"] == pytest.approx(0.10)
    assert t.loc["D6", "excess"] == pytest.approx(90)
    # the largest excess first
    assert list(res.table["account_id"][:3]) == ["D1", "D5", "D6"]
    s = res.summary()["value"]
    assert s["accounts_over_limit"] == 3 and s["excess"] == pytest.approx(12_000 + 1_728 + 90)
    assert list(res.table.columns) == DISCOUNT_COLUMNS
    assert any("default limit" in n for n in res.notes)
    assert any("after discounts" in n for n in res.notes)


def test_by_manager_and_by_tier_sum_over_all_their_accounts():
    res = discount_control(_discount_book(), rules={"managers": {"min_accounts": 3}})
    m = res.by_manager.set_index("account_manager", drop=False)
    assert list(res.by_manager.columns) == MANAGER_COLUMNS
    m1 = m.loc["M1"]
    # M1: D1, D2, D7 (3 accounts, 2 discounted); before discounts 600,000 + 66,000 +
    # 36,000 = 702,000; discounts 126,000: 17.9%; one over, excess 12,000; 3 >= 3: not few
    assert m1["accounts"] == 3 and m1["accounts_discounted"] == 2
    assert m1["revenue"] == 576_000 and m1["discounts"] == 126_000
    assert m1["discount_rate"] == pytest.approx(126_000 / 702_000)
    assert m1["accounts_over_limit"] == 1 and m1["excess"] == pytest.approx(12_000)
    assert not m1["few_accounts"]
    # M2: D3, D4: 36,000 / (240,000 + 24,000) = 13.6%; 2 < 3 accounts: few
    m2 = m.loc["M2"]
    assert m2["discount_rate"] == pytest.approx(36_000 / 264_000)
    assert m2["accounts_over_limit"] == 0 and m2["few_accounts"]
    # no manager: D5 and D6, both over: 1,728 + 90
    none = res.by_manager[res.by_manager["account_manager"].isna()].iloc[0]
    assert none["accounts"] == 2 and none["excess"] == pytest.approx(1_818)

    b = res.by_tier
    assert list(b.columns) == TIER_COLUMNS
    # the scheme's order, low to high, then no tier
    assert list(b["tier"][:3]) == ["crystal", "gold", "gem"] and pd.isna(b["tier"].iloc[3])
    c = b.iloc[0]
    # crystal: D2, D4, D5, D7; 6,000 + 3,600 discounts over 66,000 + 24,000 + 15,600 + 36,000
    assert c["accounts"] == 4 and c["accounts_discounted"] == 2
    assert c["discount_rate"] == pytest.approx(9_600 / 141_600)
    assert c["accounts_over_limit"] == 1 and c["excess"] == pytest.approx(1_728)
    assert b.iloc[3]["limit"] == pytest.approx(0.10)
    assert any("fewer than 3" in n for n in res.notes)


def test_gross_revenue_gives_the_same_rates():
    # billed before discounts: 50,000 a month for D1; the rate is 10,000 / 50,000 = 20%
    net = discount_control(_discount_book()).table.set_index("account_id")
    gross = discount_control(_discount_book(basis="gross")).table.set_index("account_id")
    cols = ["discount_rate", "excess", "limit", "revenue_before_discounts"]
    billed = net.index.drop("D6")
    pd.testing.assert_frame_equal(net.loc[billed, cols], gross.loc[billed, cols])
    assert gross.loc["D1", "revenue"] == 600_000
    # D6 has no bill: with gross revenue there is nothing before its discount, so its rate
    # is unknown (said in a note), not 100%
    assert math.isnan(gross.loc["D6", "discount_rate"]) and pd.isna(gross.loc["D6", "over_limit"])
    res = discount_control(_discount_book(basis="gross"))
    assert any("no revenue before them" in n for n in res.notes)
    assert any("before discounts" in n for n in res.notes)


def test_limits_are_settings():
    res = discount_control(_discount_book(), rules={"discounts": {"limits": {"gem": 0.25}}})
    t = res.table.set_index("account_id")
    assert not bool(t.loc["D1", "over_limit"]) and t.loc["D1", "excess"] == 0
    # the settings merge a section's keys one level deep: the limits given replace the
    # whole table, so gold and crystal have none and take the default 10%. D3 (gold):
    # 3,000 / 20,000 = 15% > 10%: over by 36,000 - 0.10 x 240,000 = 12,000; D5: 3,600 -
    # 0.10 x 15,600 = 2,040; D6: 90; D2: 9.1% stays within
    assert t.loc["D3", "limit"] == pytest.approx(0.10)
    assert t.loc["D3", "excess"] == pytest.approx(12_000)
    assert not bool(t.loc["D2", "over_limit"])
    s = res.summary()["value"]
    assert s["accounts_over_limit"] == 3 and s["excess"] == pytest.approx(12_000 + 2_040 + 90)


def test_without_discounts_one_note_and_empty_frames():
    book = _discount_book()
    no_col = book.costs.drop(columns="discounts").assign(network=1.0)
    for b in (
        kamlib.Book.from_frames(accounts=book.accounts, billing=book.billing),
        kamlib.Book.from_frames(accounts=book.accounts, billing=book.billing, costs=no_col),
    ):
        res = discount_control(b)
        assert res.table.empty and list(res.table.columns) == DISCOUNT_COLUMNS
        assert res.by_manager.empty and res.by_tier.empty
        assert len(res.notes) == 1 and "discounts" in res.notes[0]
        assert math.isnan(res.summary()["value"]["excess"])
        res.plot(ax=_ax())


def test_inputs_are_not_mutated():
    for book, run in (
        (_payback_book(), contract_payback),
        (_discount_book(), discount_control),
    ):
        before = {
            t: getattr(book, t).copy()
            for t in ("accounts", "billing", "costs", "contracts")
            if getattr(book, t) is not None
        }
        res = run(book)
        res.summary()
        res.plot(ax=_ax())
        for t, df in before.items():
            pd.testing.assert_frame_equal(getattr(book, t), df)


def test_the_sample_operator():
    book = kamlib.synth(300, seed=1).book
    pay = contract_payback(book)
    # the sample holds the brief's example: its revenue covers the investment
    ex = pay.table[pay.table["investment"] == 585_500]
    assert len(ex) == 1 and bool(ex["revenue_covers"].iloc[0])
    assert pay.summary()["value"]["contracts"] == len(book.contracts)
    d = discount_control(book)
    assert d.summary()["value"]["accounts_over_limit"] == int(d.table["over_limit"].sum())


def _ax():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.figure().gca()


def test_without_billing_a_recorded_promise_is_still_judged_on_revenue():
    book = _payback_book()
    res = contract_payback(
        kamlib.Book.from_frames(accounts=book.accounts, contracts=book.contracts)
    )
    t = res.table.set_index("account_id")
    # nothing billed: revenue to date unknown, margins unknown; E's promise 686,400 >= 585,500
    assert math.isnan(t.loc["E", "revenue_to_date"]) and bool(t.loc["E", "pays_back"])
    # P records no promise and has no bill: cannot be judged
    assert pd.isna(t.loc["P", "pays_back"])


def test_tier_bounds_in_another_currency_are_said():
    b = _discount_book()
    usd = kamlib.Book.from_frames(
        accounts=b.accounts, billing=b.billing, costs=b.costs, currency="USD"
    )
    assert any("in CNY and the data in USD" in n for n in discount_control(usd).notes)


def test_one_off_costs_are_left_out_and_a_loss_maker_gives_nothing_back():
    # E: network 2,000 a month (20%) and a one-off subsidy of 60,000 in January. Profit
    # over the window 120,000 - 24,000 - 60,000 = 36,000, but the subsidy is what the
    # contract's investment stands for: the margin is (36,000 + 60,000) / 120,000 = 80%,
    # as without it. B: network 1,500 a month on a 1,000 bill, margin -50%: its expected
    # contribution is negative, so it gives nothing back and falls short by the whole
    # 10,000 invested (not 10,000 plus its running loss).
    cost = _rows(
        {
            "E": [2_000.0] * 12,
            "P": [200.0] * 6 + [400.0] * 6,
            "B": [1_500.0] * 12,
            "C": [600.0] * 6,
            "C2": [600.0] * 6,
        },
        "network",
    )
    cost["subsidies"] = 0.0
    cost.loc[(cost["account_id"] == "E") & (cost["month"] == MONTHS[0]), "subsidies"] = 60_000.0
    t = contract_payback(_payback_book(costs=cost)).table
    t = t.set_index("account_id")
    assert t.loc["E", "margin"] == pytest.approx(0.8)
    assert t.loc["E", "shortfall"] == pytest.approx(36_380)
    assert t.loc["B", "margin"] == pytest.approx(-0.5)
    assert not bool(t.loc["B", "pays_back"])
    assert t.loc["B", "shortfall"] == pytest.approx(10_000)
