"""The yearly key-account list (大客户名单) and the service levels per value tier.

Every expected figure is worked out by hand from the small books below (the working is
in the comments); the default thresholds are those of config/key_accounts.yaml: 3,000 a
month makes a key account, above 10,000 a super key account; service below half the
entitlement is below, above twice it far above.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kamlib
from kamlib.key_accounts import key_account_list, service_levels

MONTHS = pd.date_range("2024-01-01", periods=24, freq="MS")  # 2024-01 .. 2025-12

#: the hand-worked service book checks business accounts too (by default only key
#: accounts are: key_accounts.yaml service.types), against entitlements of its own (the
#: hand working below uses these, not whatever the bundled file says)
ENTITLEMENTS = {
    "diamond": {
        "am_hours": 20,
        "field_visits": 2,
        "response_hours": 2,
        "resident_manager": True,
        "training": True,
    },
    "jade": {"am_hours": 12, "field_visits": 1, "response_hours": 4, "training": True},
    "platinum": {"am_hours": 8, "field_visits": 1, "response_hours": 4, "training": True},
    "gem": {"am_hours": 5, "field_visits": 0.5, "response_hours": 8},
    "gold": {"am_hours": 3, "field_visits": 0.25, "response_hours": 24},
    "crystal": {"am_hours": 1, "field_visits": 0, "response_hours": 24},
}
BOTH = {"service": {"types": ["key_account", "business"], "entitlements": ENTITLEMENTS}}


# ============================================================================ the list
def _accounts(**columns):
    acc = pd.DataFrame(
        {
            "account_id": ["UP", "DOWN", "GONE", "GOV", "SUP", "NEW", "TIE", "LOW"],
            "name": [
                "Up Ltd",
                "Down Ltd",
                "Gone Ltd",
                "City Hall",
                "Big Co",
                "New Co",
                "Tie Co",
                "Home",
            ],
            "branch": ["Suzhou", "Wuxi", "Suzhou", "Wuxi", "Suzhou", "Suzhou", "Suzhou", "Suzhou"],
            "industry": [
                "retail",
                "retail",
                "retail",
                "government",
                "finance",
                "it_services",
                "retail",
                None,
            ],
            "customer_type": [
                "business",  # spends its way onto the list
                "key_account",
                "key_account",
                "business",  # government: important whatever it spends
                "key_account",
                "key_account",
                "key_account",
                "residential",
            ],
            "status": [
                "active",
                "active",
                "churned",
                "active",
                "active",
                "active",
                "active",
                "active",
            ],
            "churn_date": [None, None, "2025-06-20", None, None, None, None, None],
            "join_date": [
                "2015-01-01",
                "2016-01-01",
                "2017-01-01",
                "2010-01-01",
                "2012-01-01",
                "2025-03-01",  # joined within the last year
                "2018-01-01",
                "2019-01-01",
            ],
        }
    )
    for k, v in columns.items():
        if v is None:
            acc = acc.drop(columns=k)
        else:
            acc[k] = v
    return acc


def _spend():
    """Revenue per month, 2024 (12 months) then 2025 (12 months)."""
    s = {
        "UP": [2_000] * 12 + [4_000] * 12,  # 2,000 -> 4,000: crosses 3,000 upward
        "DOWN": [5_000] * 12 + [2_500] * 12,  # 5,000 -> 2,500: falls below
        "GONE": [6_000] * 12 + [6_000] * 6 + [None] * 6,  # churned in June 2025
        "GOV": [1_000] * 24,  # government below the threshold
        "SUP": [9_000] * 12 + [15_000] * 12,  # key account -> super key account
        "NEW": [None] * 14 + [3_500] * 10,  # joined March 2025
        "TIE": [10_000] * 12 + [3_000] * 12,  # exactly at both thresholds
        "LOW": [100] * 24,
    }
    return s


def _billing(months=MONTHS, spend=None):
    spend = spend or _spend()
    first = len(MONTHS) - len(months)
    return pd.DataFrame(
        [
            {"account_id": a, "month": MONTHS[i], "product": "mobile", "revenue": float(v)}
            for a, vs in spend.items()
            for i, v in enumerate(vs)
            if v is not None and i >= first
        ]
    )


def _book(months=MONTHS, **accounts_changes):
    return kamlib.Book.from_frames(
        accounts=_accounts(**accounts_changes),
        billing=_billing(months),
        as_of="2025-12-31",
    )


def test_two_years_of_billing_give_both_lists_from_spend():
    kal = key_account_list(_book())
    assert kal.before_basis == "spend"
    t = kal.table.set_index("account_id")
    # LOW (100 a month, residential, not important) is on neither list
    assert set(t.index) == {"UP", "DOWN", "GONE", "GOV", "SUP", "NEW", "TIE"}
    # UP: 2,000 in 2024 (below 3,000), 4,000 in 2025: entered because its spend rose
    assert t.loc["UP", "monthly_spend_before"] == pytest.approx(2_000)
    assert t.loc["UP", "monthly_spend_now"] == pytest.approx(4_000)
    assert (t.loc["UP", "list_before"], t.loc["UP", "list_now"]) == ("off_list", "key_account")
    assert (t.loc["UP", "change"], t.loc["UP", "why"]) == ("entered", "spend_rose")
    # DOWN: 5,000 -> 2,500: left because its spend fell
    assert (t.loc["DOWN", "change"], t.loc["DOWN", "why"]) == ("left", "spend_fell")
    # GONE: 6,000 a month in the six months of 2025 it was billed (above 3,000) but churned
    assert t.loc["GONE", "monthly_spend_now"] == pytest.approx(6_000)
    assert t.loc["GONE", "list_now"] == "off_list"
    assert (t.loc["GONE", "change"], t.loc["GONE", "why"]) == ("left", "churned")
    # GOV: 1,000 a month, government: on both lists as important
    assert (t.loc["GOV", "list_before"], t.loc["GOV", "list_now"]) == ("important", "important")
    assert t.loc["GOV", "change"] == "stayed" and pd.isna(t.loc["GOV", "why"])
    # SUP: 9,000 (key account) -> 15,000 (> 10,000: super): stayed on the list
    assert (t.loc["SUP", "list_before"], t.loc["SUP", "list_now"]) == (
        "key_account",
        "super_key_account",
    )
    assert t.loc["SUP", "change"] == "stayed"
    # NEW: 10 months of 3,500 since March 2025 -> 35,000 / 10 = 3,500 (not diluted by 12)
    assert t.loc["NEW", "monthly_spend_now"] == pytest.approx(3_500)
    assert np.isnan(t.loc["NEW", "monthly_spend_before"])
    assert (t.loc["NEW", "change"], t.loc["NEW", "why"]) == ("entered", "new_account")
    # TIE: exactly 10,000 is not above 10,000 (key account, not super); exactly 3,000 is
    # at the threshold (a key account)
    assert (t.loc["TIE", "list_before"], t.loc["TIE", "list_now"]) == ("key_account", "key_account")
    assert list(kal.table.columns) == [
        "account_id",
        "name",
        "branch",
        "industry",
        "important",
        "monthly_spend_before",
        "monthly_spend_now",
        "list_before",
        "list_now",
        "change",
        "why",
    ]
    # no note: nothing assumed
    assert kal.notes == ()


def test_by_branch_and_summary_count_by_hand():
    kal = key_account_list(_book())
    b = kal.by_branch
    # Suzhou: before GONE, SUP, TIE (3); now UP, SUP, NEW, TIE (4); entered UP, NEW;
    # left GONE; super SUP; important none
    assert b.loc["Suzhou"].to_dict() == {
        "on_list_before": 3,
        "on_list_now": 4,
        "entered": 2,
        "left": 1,
        "super_key_accounts": 1,
        "important": 0,
    }
    # Wuxi: before DOWN, GOV; now GOV; left DOWN; GOV important
    assert b.loc["Wuxi"].to_dict() == {
        "on_list_before": 2,
        "on_list_now": 1,
        "entered": 0,
        "left": 1,
        "super_key_accounts": 0,
        "important": 1,
    }
    s = kal.summary()["value"].to_dict()
    assert s == {
        "key_accounts_now": 5,
        "key_accounts_entered": 2,
        "key_accounts_left": 2,
        "super_key_accounts": 1,
        "important_accounts": 1,
    }
    assert all(isinstance(v, int) for v in s.values())


def test_the_thresholds_follow_the_settings():
    kal = key_account_list(_book(), rules={"list": {"key_account_monthly": 2_000}})
    t = kal.table.set_index("account_id")
    # at 2,000: UP (2,000 -> 4,000) and DOWN (5,000 -> 2,500) are on both lists
    assert t.loc["UP", "change"] == "stayed" and t.loc["DOWN", "change"] == "stayed"
    # an industry list without government: GOV (1,000 a month) is on neither list
    kal = key_account_list(_book(), rules={"list": {"important_industries": ["education"]}})
    assert "GOV" not in set(kal.table["account_id"])
    # the flag makes an account important whatever its industry
    flagged = [False, False, False, False, False, False, False, True]
    kal = key_account_list(_book(important=flagged))
    t = kal.table.set_index("account_id")
    assert t.loc["LOW", "list_now"] == "important" and t.loc["LOW", "change"] == "stayed"


def test_a_twelve_month_book_takes_customer_type_for_last_year_s_list():
    kal = key_account_list(_book(MONTHS[12:]))
    assert kal.before_basis == "customer_type"
    assert len(kal.notes) == 1 and "customer type" in kal.notes[0] and "12" in kal.notes[0]
    t = kal.table.set_index("account_id")
    assert t["monthly_spend_before"].isna().all()  # no earlier month to see
    # UP: recorded as business, spends 4,000: entered; no spend move to see: reclassified
    assert (t.loc["UP", "list_before"], t.loc["UP", "change"], t.loc["UP", "why"]) == (
        "off_list",
        "entered",
        "reclassified",
    )
    # DOWN: recorded as a key account, spends 2,500: left, reclassified (no move seen)
    assert (t.loc["DOWN", "change"], t.loc["DOWN", "why"]) == ("left", "reclassified")
    # GONE: recorded as a key account, churned
    assert (t.loc["GONE", "change"], t.loc["GONE", "why"]) == ("left", "churned")
    # GOV: recorded as business, important: entered because important
    assert (t.loc["GOV", "change"], t.loc["GOV", "why"]) == ("entered", "important")
    # NEW: recorded as a key account but joined in March 2025: not on last year's list
    assert (t.loc["NEW", "list_before"], t.loc["NEW", "why"]) == ("off_list", "new_account")
    assert t.loc["SUP", "change"] == "stayed" and t.loc["TIE", "change"] == "stayed"
    s = kal.summary()["value"]
    # entered UP, GOV, NEW; left DOWN, GONE
    assert (s["key_accounts_entered"], s["key_accounts_left"]) == (3, 2)


def test_eighteen_months_show_the_spend_move_before_the_last_year():
    # July 2024 .. Dec 2025: six months before the last twelve
    kal = key_account_list(_book(MONTHS[6:]))
    assert kal.before_basis == "customer_type" and "18" in kal.notes[0]
    t = kal.table.set_index("account_id")
    # DOWN averaged 5,000 over Jul-Dec 2024 (at or above 3,000), 2,500 now: spend fell
    assert t.loc["DOWN", "monthly_spend_before"] == pytest.approx(5_000)
    assert t.loc["DOWN", "why"] == "spend_fell"
    # UP averaged 2,000 then (below 3,000), 4,000 now: spend rose
    assert t.loc["UP", "why"] == "spend_rose"


def test_without_join_dates_a_newcomer_is_one_not_billed_the_year_before():
    kal = key_account_list(_book(join_date=None))
    t = kal.table.set_index("account_id")
    assert t.loc["NEW", "why"] == "new_account"
    assert t.loc["UP", "why"] == "spend_rose"


def test_without_customer_type_and_two_years_last_year_s_list_is_unknown():
    kal = key_account_list(_book(MONTHS[12:], customer_type=None))
    assert kal.before_basis is None and len(kal.notes) == 1
    assert kal.table["change"].isna().all() and kal.table["list_before"].isna().all()
    s = kal.summary()["value"]
    assert s["key_accounts_now"] == 5  # UP, GOV, SUP, NEW, TIE
    assert np.isnan(s["key_accounts_entered"]) and np.isnan(s["key_accounts_left"])
    assert kal.by_branch["on_list_before"].sum() == 0


def test_without_billing_the_recorded_monthly_revenue_stands_for_the_spend():
    acc = _accounts(monthly_revenue=[4_000, 2_500, 6_000, 1_000, 15_000, 3_500, 3_000, 100])
    kal = key_account_list(kamlib.Book.from_frames(accounts=acc, as_of="2025-12-31"))
    t = kal.table.set_index("account_id")
    assert kal.before_basis == "customer_type" and len(kal.notes) == 2
    assert t.loc["SUP", "list_now"] == "super_key_account"
    assert (t.loc["UP", "change"], t.loc["UP", "why"]) == ("entered", "reclassified")
    # without any spend at all: an empty table with the right columns and one note
    acc = _accounts()
    kal = key_account_list(kamlib.Book.from_frames(accounts=acc))
    assert kal.table.empty and len(kal.notes) == 1
    assert "monthly_spend_now" in kal.table.columns
    assert kal.summary()["value"]["key_accounts_now"] == 0
    assert kal.by_branch["on_list_now"].sum() == 0
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    assert kal.plot(ax=ax) is ax
    plt.close(fig)


def test_the_list_does_not_change_the_book_and_plots():
    book = _book()
    before = {k: getattr(book, k).copy() for k in ("accounts", "billing")}
    kal = key_account_list(book)
    for k, frame in before.items():
        pd.testing.assert_frame_equal(getattr(book, k), frame)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    assert kal.plot(ax=ax) is ax
    # one bar per why that moved an account: spend_rose, spend_fell, churned, new_account
    assert len(ax.get_yticks()) == 4
    plt.close(fig)


# ============================================================================ service
SERVICE_MONTHS = pd.date_range("2025-01-01", periods=12, freq="MS")


_DEFAULT = object()


def _service_book(*, costs=_DEFAULT, **changes):
    # monthly spend -> Beijing tier: crystal < 10,000 <= gold < 30,000 <= gem < 80,000
    spend = {
        "G1": 20_000,
        "G2": 20_000,
        "G3": 20_000,
        "G4": 20_000,
        "C1": 5_000,
        "C2": 5_000,
        "C3": 5_000,
        "C4": 5_000,
        "M1": 50_000,
        "M2": 50_000,
        "R1": 5_000,
        "X1": 20_000,
    }
    ids = list(spend)
    acc = pd.DataFrame(
        {
            "account_id": ids,
            "name": [f"Account {i}" for i in ids],
            "branch": "Suzhou",
            "customer_type": ["key_account"] * 4
            + ["business"] * 4
            + ["key_account"] * 2
            + ["residential", "key_account"],
            "status": ["active"] * 11 + ["churned"],
        }
    )
    bill = pd.DataFrame(
        [
            {"account_id": a, "month": m, "product": "mobile", "revenue": float(v)}
            for a, v in spend.items()
            for m in SERVICE_MONTHS
        ]
    )
    # (am_hours, field_visits) per month for all 12 months; visits spread over months
    visits = {  # total visits over the year -> which months have one
        "G1": 3,
        "G2": 3,
        "G3": 3,
        "C1": 0,
        "C2": 3,
        "C3": 1,
        "M1": 3,
        "M2": 24,
        "R1": 0,
        "X1": 0,
    }
    hours = {
        "G1": 3,
        "G2": 1,
        "G3": 7,
        "C1": 1,
        "C2": 1,
        "C3": 1,
        "M1": 2,
        "M2": 1,
        "R1": 0,
        "X1": 0,
    }
    rows = []
    for a in hours:
        per_month = visits[a] / 12
        for m in SERVICE_MONTHS:
            rows.append(
                {"account_id": a, "month": m, "am_hours": hours[a], "field_visits": per_month}
            )
    # G4: costs rows in four months only, 18 hours each (72 hours) and 1.5 visits in all;
    # the eight billed months without a row count as no service
    for i, m in enumerate(SERVICE_MONTHS[:4]):
        rows.append(
            {
                "account_id": "G4",
                "month": m,
                "am_hours": 18.0,
                "field_visits": 1.5 if i == 0 else 0.0,
            }
        )
    # C4 has no costs row at all: 12 billed months of no service
    cost = pd.DataFrame(rows) if costs is _DEFAULT else costs
    tables = {"accounts": acc, "billing": bill, "as_of": "2025-12-31"}
    if cost is not None:
        tables["costs"] = cost
    tables.update(changes)
    return kamlib.Book.from_frames(**tables)


def test_service_against_the_tier_s_entitlement_by_hand():
    sl = service_levels(_service_book(), rules=BOTH)
    t = sl.table.set_index("account_id")
    # checked: the active key and business accounts; not R1 (residential), X1 (churned)
    assert set(t.index) == {"G1", "G2", "G3", "G4", "C1", "C2", "C3", "C4", "M1", "M2"}
    assert t.loc["G1", "tier"] == "gold" and t.loc["C1", "tier"] == "crystal"
    assert t.loc["M1", "tier"] == "gem"
    # gold is entitled to 3 hours and 0.25 visits a month
    assert (t.loc["G1", "am_hours_entitled"], t.loc["G1", "field_visits_entitled"]) == (3, 0.25)
    # G1: 3 h (ratio 1), 3 visits / 12 = 0.25 (ratio 1): as entitled
    assert t.loc["G1", "am_hours_ratio"] == pytest.approx(1.0)
    assert t.loc["G1", "field_visits"] == pytest.approx(0.25)
    assert t.loc["G1", "status"] == "as_entitled"
    # G2: 1 h / 3 = 0.333 < 0.5: below
    assert t.loc["G2", "am_hours_ratio"] == pytest.approx(1 / 3)
    assert t.loc["G2", "status"] == "under_served"
    # G3: 7 h / 3 = 2.333 > 2: far above
    assert t.loc["G3", "am_hours_ratio"] == pytest.approx(7 / 3)
    assert t.loc["G3", "status"] == "far_above"
    # G4: 72 h over 12 billed months = 6 h a month, ratio 2.0 (not above 2); 1.5 visits /
    # 12 = 0.125, ratio 0.5 (not below 0.5): as entitled at both ties
    assert t.loc["G4", "am_hours"] == pytest.approx(6.0)
    assert t.loc["G4", "am_hours_ratio"] == pytest.approx(2.0)
    assert t.loc["G4", "field_visits_ratio"] == pytest.approx(0.5)
    assert t.loc["G4", "status"] == "as_entitled"
    # crystal: 1 h, no visits due (ratio NaN). C1 none: as entitled; C2 3/12 = 0.25 a
    # month, at the least any tier is entitled to (gold's 0.25): far above; C3 1/12 below
    # it: as entitled; C4 no costs row: 0 h, ratio 0 < 0.5: below
    assert np.isnan(t.loc["C1", "field_visits_ratio"])
    assert t.loc["C1", "status"] == "as_entitled"
    assert t.loc["C2", "status"] == "far_above"
    assert t.loc["C3", "field_visits"] == pytest.approx(1 / 12)
    assert t.loc["C3", "status"] == "as_entitled"
    assert t.loc["C4", "am_hours"] == 0 and t.loc["C4", "status"] == "under_served"
    # gem: 5 h, 0.5 visits. M1 2 h (0.4 < 0.5) below; M2 1 h (0.2) below although its
    # 2 visits a month (ratio 4) are far above: under-service comes first
    assert t.loc["M2", "field_visits_ratio"] == pytest.approx(4.0)
    assert t.loc["M1", "status"] == "under_served" and t.loc["M2", "status"] == "under_served"
    assert t.loc["M1", "monthly_revenue"] == pytest.approx(50_000)
    assert sl.summary()["value"].to_dict() == {
        "accounts_checked": 10,
        "accounts_below": 4,  # G2, C4, M1, M2
        "accounts_far_above": 2,  # G3, C2
    }
    assert list(sl.table.columns) == [
        "account_id",
        "name",
        "tier",
        "am_hours",
        "am_hours_entitled",
        "field_visits",
        "field_visits_entitled",
        "am_hours_ratio",
        "field_visits_ratio",
        "status",
        "off_in",
        "response_hours",
        "response_hours_entitled",
        "slow_response",
        "monthly_revenue",
    ]
    # which service is off: M2 is below in hours (its visits far above: below decides);
    # C4 in hours (crystal is due no visits); C2 far above in visits; G3 in hours
    assert t.loc["M2", "off_in"] == "hours" and t.loc["C4", "off_in"] == "hours"
    assert t.loc["C2", "off_in"] == "visits" and t.loc["G3", "off_in"] == "hours"
    assert pd.isna(t.loc["C1", "off_in"])
    # resident managers and training: one note; response times: one note
    assert sum("resident" in n for n in sl.notes) == 1
    assert sum("need a tickets table" in n for n in sl.notes) == 1


def test_by_tier_by_hand():
    bt = service_levels(_service_book(), rules=BOTH).by_tier
    assert list(bt.index) == ["diamond", "jade", "platinum", "gem", "gold", "crystal"]
    # gold: G1-G4, hours (3 + 1 + 7 + 6) / 4 = 4.25; visits (0.25 * 3 + 0.125) / 4
    assert bt.loc["gold", "accounts"] == 4
    assert bt.loc["gold", "am_hours"] == pytest.approx(4.25)
    assert bt.loc["gold", "field_visits"] == pytest.approx((0.75 + 0.125) / 4)
    assert (bt.loc["gold", "under_served"], bt.loc["gold", "far_above"]) == (1, 1)
    # crystal: C1-C4, hours (1 + 1 + 1 + 0) / 4 = 0.75; visits (0 + 0.25 + 1/12 + 0) / 4
    assert bt.loc["crystal", "am_hours"] == pytest.approx(0.75)
    assert bt.loc["crystal", "field_visits"] == pytest.approx((0.25 + 1 / 12) / 4)
    assert (bt.loc["crystal", "under_served"], bt.loc["crystal", "far_above"]) == (1, 1)
    # gem: M1, M2: hours 1.5, visits (0.25 + 2) / 2 = 1.125, both below
    assert bt.loc["gem", "field_visits"] == pytest.approx(1.125)
    assert (bt.loc["gem", "under_served"], bt.loc["gem", "far_above"]) == (2, 0)
    # nobody in diamond; its entitlements as booleans
    assert bt.loc["diamond", "accounts"] == 0 and np.isnan(bt.loc["diamond", "am_hours"])
    assert bool(bt.loc["diamond", "resident_manager"]) and bool(bt.loc["diamond", "training"])
    assert not bool(bt.loc["gold", "resident_manager"]) and not bool(bt.loc["gold", "training"])
    assert bt.loc["gold", "response_hours_entitled"] == 24


def test_service_thresholds_follow_the_settings():
    sl = service_levels(
        _service_book(), rules={"service": {**BOTH["service"], "below": 0.3, "far_above": 3.0}}
    )
    t = sl.table.set_index("account_id")
    # G2's 0.333 is no longer below 0.3; G3's 2.333 no longer above 3
    assert t.loc["G2", "status"] == "as_entitled" and t.loc["G3", "status"] == "as_entitled"
    # gold entitled to 6 hours: G3's 7 h is a ratio of 7/6
    ent = {
        "service": {
            **BOTH["service"],
            "entitlements": {"gold": {"am_hours": 6, "field_visits": 0.25}},
        }
    }
    t = service_levels(_service_book(), rules=ent).table.set_index("account_id")
    assert t.loc["G3", "am_hours_ratio"] == pytest.approx(7 / 6)


def test_missing_costs_or_columns_give_one_note():
    sl = service_levels(_service_book(costs=None), rules=BOTH)
    assert sl.table.empty and len(sl.notes) == 1 and "costs" in sl.notes[0]
    assert "status" in sl.table.columns
    assert sl.summary()["value"]["accounts_checked"] == 0
    only_tickets = pd.DataFrame(
        {"account_id": ["G1"], "month": [SERVICE_MONTHS[0]], "service_tickets": [2.0]}
    )
    sl = service_levels(_service_book(costs=only_tickets), rules=BOTH)
    assert sl.table.empty and len(sl.notes) == 1
    assert "am_hours" in sl.notes[0] and "field_visits" in sl.notes[0]
    # one column there: that measure is compared, the other said missing once
    default = _service_book().costs.drop(columns="field_visits")
    sl = service_levels(_service_book(costs=default), rules=BOTH)
    t = sl.table.set_index("account_id")
    assert sum("field_visits" in n for n in sl.notes) == 1
    assert t["field_visits_ratio"].isna().all()
    assert t.loc["G2", "status"] == "under_served" and t.loc["C2", "status"] == "as_entitled"
    # a scheme without entitlements: empty and one note
    sl = service_levels(_service_book(), scheme="key_account")
    assert sl.table.empty and len(sl.notes) == 1 and "key_account" in sl.notes[0]
    # no spend at all: no tiers, one note
    book = _service_book()
    nothing = kamlib.Book.from_frames(accounts=book.accounts, costs=book.costs)
    sl = service_levels(nothing)
    assert sl.table.empty and len(sl.notes) == 1 and "spend" in sl.notes[0]


def test_service_does_not_change_the_book_and_plots():
    book = _service_book()
    before = {k: getattr(book, k).copy() for k in ("accounts", "billing", "costs")}
    sl = service_levels(book, rules=BOTH)
    for k, frame in before.items():
        pd.testing.assert_frame_equal(getattr(book, k), frame)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    assert sl.plot(ax=ax) is ax
    assert len(ax.get_yticks()) == 3  # gem, gold, crystal
    ax.clear()
    assert service_levels(_service_book(costs=None), rules=BOTH).plot(ax=ax) is ax
    plt.close(fig)


def test_by_default_only_key_accounts_service_is_checked():
    t = service_levels(_service_book()).table
    book = _service_book()
    types = book.accounts.set_index("account_id")["customer_type"]
    assert len(t) and set(types[t["account_id"]]) == {"key_account"}


def test_response_times_from_tickets_against_the_tier_s_entitlement():
    # G1 (gold, 24 h entitled): a complaint answered in 30 h and a fault closed, with no
    # recorded answer, after 60 h: mean 45 h, not above 48 (24 / 0.5): as entitled.
    # M1 (gem, 8 h): a fault answered in 20 h, above 16: slow, and under-served anyway.
    # G3: an enquiry only (not a complaint or fault): no response time.
    tickets = pd.DataFrame(
        {
            "ticket_id": ["t1", "t2", "t3", "t4", "t5"],
            "account_id": ["G1", "G1", "M1", "G3", "G4"],
            "opened": pd.to_datetime(
                [
                    "2025-03-03 09:00",
                    "2025-04-07 10:00",
                    "2025-05-05 08:00",
                    "2025-06-02 09:00",
                    "2025-07-07 09:00",
                ]
            ),
            "responded": pd.to_datetime(
                ["2025-03-04 15:00", None, "2025-05-06 04:00", None, "2025-07-09 21:00"]
            ),
            "closed": pd.to_datetime(
                [
                    "2025-03-05 09:00",
                    "2025-04-09 22:00",
                    "2025-05-07 08:00",
                    "2025-06-02 10:00",
                    "2025-07-10 09:00",
                ]
            ),
            "kind": ["complaint", "fault", "fault", "enquiry", "complaint"],
        }
    )
    sl = service_levels(_service_book(tickets=tickets), rules=BOTH)
    t = sl.table.set_index("account_id")
    assert t.loc["G1", "response_hours"] == pytest.approx(45.0)
    assert t.loc["G1", "response_hours_entitled"] == 24
    assert not t.loc["G1", "slow_response"] and t.loc["G1", "status"] == "as_entitled"
    assert t.loc["M1", "response_hours"] == pytest.approx(20.0)
    assert bool(t.loc["M1", "slow_response"]) is True
    assert pd.isna(t.loc["G3", "response_hours"]) and t.loc["G3", "slow_response"] is None
    # G4 gets its entitled hours and visits (at both ties) but waited 60 h for an answer
    # (above 48): under-served in its response alone
    assert t.loc["G4", "response_hours"] == pytest.approx(60.0)
    assert t.loc["G4", "status"] == "under_served" and t.loc["G4", "off_in"] == "response"
    assert sl.by_tier.loc["gem", "answered_slowly"] == 1
    # gold: G1 (45 h) and G4 (60 h); G3 has no response time
    assert sl.by_tier.loc["gold", "response_hours"] == pytest.approx((45 + 60) / 2)
    assert sl.by_tier.loc["gold", "answered_slowly"] == 1
    assert not any("need a tickets table" in n for n in sl.notes)
    # without tickets, one note says response times cannot be compared
    plain = service_levels(_service_book(), rules=BOTH)
    assert sum("need a tickets table" in n for n in plain.notes) == 1
    assert plain.table["response_hours"].isna().all()
