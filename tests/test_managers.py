"""Account managers (销售人员策略) and churn after a manager left.

Every expected figure is worked out by hand from the small books below (the working is
in the comments); the rate ratio's claim is tested under the null by shuffling which
accounts were in the departed managers' portfolios.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import kamlib
from kamlib.managers import (
    CHANGED_COLUMNS,
    COMPARISON_COLUMNS,
    DEPARTURE_COLUMNS,
    MANAGER_COLUMNS,
    WITHOUT_COLUMNS,
    account_managers,
    manager_departures,
)

MONTHS = pd.date_range("2025-01-01", periods=12, freq="MS")
#: a cost model of round rates, so the profit can be worked out by hand
COSTS = {
    "currency": "CNY",
    "drivers": {
        "am_hours": {"kind": "quantity", "rate": 100, "unit": "hour"},
        "field_visits": {"kind": "quantity", "rate": 500, "unit": "visit"},
    },
}


# ----------------------------------------------------------------------------- managers book
def _managers_book(**changes):
    """Wang: K1 (key, active), K2 (key, churned 30 Jun), B1 (business, joined 1 May);
    Li: B2 (business), K3 (key, churned in Nov 2024, before the window); B3 has no
    manager; R1 is residential (Wang's name on it, but residential accounts are not managed)."""
    acc = pd.DataFrame(
        {
            "account_id": ["K1", "K2", "B1", "B2", "K3", "B3", "R1"],
            "name": ["Alpha", "Beta", "Gamma", "Delta", "Old Co", "Nobody's", "Home"],
            "branch": ["Suzhou"] * 7,
            "customer_type": [
                "key_account",
                "key_account",
                "business",
                "business",
                "key_account",
                "business",
                "residential",
            ],
            "important": [True, False, False, False, False, True, False],
            "account_manager": ["Wang", "Wang", "Wang", "Li", "Li", None, "Wang"],
            "join_date": [
                "2020-01-01",
                "2021-01-01",
                "2025-05-01",
                "2019-01-01",
                "2018-01-01",
                "2019-06-01",
                "2022-01-01",
            ],
            "status": ["active", "churned", "active", "active", "churned", "active", "active"],
            "churn_date": [None, "2025-06-30", None, None, "2024-11-30", None, None],
            "satisfaction": [4.0, 2.0, np.nan, 5.0, 1.0, 3.0, 1.0],
        }
    )
    rows = []

    def bill(a, product, first, last, revenue):
        rows.extend(
            {"account_id": a, "month": MONTHS[i], "product": product, "revenue": revenue}
            for i in range(first, last + 1)
        )

    bill("K1", "mobile", 0, 11, 10_000)  # 120,000
    bill("K1", "cloud_idc", 3, 11, 1_000)  # first billed April, 3 months in: new, 9,000
    bill("K2", "mobile", 0, 5, 5_000)  # 30,000 until it left
    bill("B1", "broadband", 4, 11, 2_000)  # a new account's line (May): new, 16,000
    bill("B2", "mobile", 0, 11, 3_000)  # 36,000
    bill("B2", "iot", 2, 11, 500)  # first billed March, 2 months in: not new, 5,000
    bill("B3", "mobile", 0, 11, 800)
    bill("R1", "mobile", 0, 11, 100)
    costs = []

    def cost(a, first, last, hours, visits):
        costs.extend(
            {"account_id": a, "month": MONTHS[i], "am_hours": hours, "field_visits": visits}
            for i in range(first, last + 1)
        )

    cost("K1", 0, 11, 10, 1)  # 120 hours, 12 visits
    cost("K2", 0, 5, 4, 0)  # 24 hours
    cost("B1", 4, 11, 1, 0)  # 8 hours
    cost("B2", 0, 11, 2, 0)  # 24 hours
    history = pd.DataFrame(
        {
            "account_id": ["K1", "K1", "K1", "B2", "B2", "B3", "B3"],
            "account_manager": ["Sun", "Zhao", "Wang", "Zhou", "Li", "Qian", "Qian"],
            "start": [
                "2018-01-01",
                "2020-01-01",
                "2025-03-01",
                "2019-01-01",
                "2025-06-01",
                "2019-06-01",
                "2025-02-01",
            ],
            "end": ["2019-12-31", "2025-02-28", None, "2025-05-31", None, "2025-01-31", None],
            "reason": ["reassigned", "reassigned", None, "reassigned", None, "reassigned", None],
        }
    )
    tables = {
        "accounts": acc,
        "billing": pd.DataFrame(rows),
        "costs": pd.DataFrame(costs),
        "assignments": history,
    }
    tables.update(changes)
    tables = {k: v for k, v in tables.items() if v is not None}
    return kamlib.Book.from_frames(**tables, as_of="2025-12-31")


def test_each_managers_portfolio_value_and_churn_by_hand():
    am = account_managers(_managers_book(), cost_model=COSTS)
    assert list(am.table.columns) == MANAGER_COLUMNS
    # R1 is residential, K3 left before the window, B3 has no manager: two managers
    assert list(am.table["account_manager"]) == ["Wang", "Li"]  # by revenue
    w = am.table.set_index("account_manager").loc["Wang"]
    li = am.table.set_index("account_manager").loc["Li"]
    # Wang: K1 and K2 at the window's start, B1 joined in May; K1 and B1 active at its end
    assert (w["accounts"], w["joined"], w["active_accounts"]) == (2, 1, 2)
    # revenue 129,000 (K1) + 30,000 (K2) + 16,000 (B1) = 175,000
    assert w["revenue"] == pytest.approx(175_000)
    # cost: 152 hours x 100 + 12 visits x 500 = 21,200 -> profit 153,800
    assert w["profit"] == pytest.approx(153_800)
    # Li: 41,000 revenue - 24 hours x 100 = 38,600; the managers' profit is 192,400
    assert li["profit"] == pytest.approx(38_600)
    assert w["profit_share"] == pytest.approx(153_800 / 192_400)
    assert w["margin"] == pytest.approx(153_800 / 175_000)
    # new business: K1's cloud (first billed 3 months in) and B1's broadband; B2's iot
    # (2 months in) is not new
    assert (w["new_products"], w["new_business_revenue"]) == (2, pytest.approx(25_000))
    assert (li["new_products"], li["new_business_revenue"]) == (0, pytest.approx(0))
    # churn: K2 (5,000 a month x 12); Li's K3 left before the window
    assert (w["churned"], w["churned_revenue"]) == (1, pytest.approx(60_000))
    assert li["churned"] == 0
    # 3 and 1 accounts, fewer than 10: counts, no rate
    assert math.isnan(w["churn_rate"]) and math.isnan(li["churn_rate"])
    assert any("fewer than 10 accounts" in n for n in am.notes)
    # satisfaction of K1 (4) and K2 (2); B1 has no score
    assert (w["satisfaction"], w["satisfaction_n"]) == (3.0, 2)
    # workload per month of the costs table (12 months): 152 / 12 hours, 12 / 12 visits;
    # revenue per hour over the window: 175,000 / 152
    assert w["am_hours"] == pytest.approx(152 / 12)
    assert w["field_visits"] == pytest.approx(1.0)
    assert w["revenue_per_am_hour"] == pytest.approx(175_000 / 152)
    assert li["revenue_per_am_hour"] == pytest.approx(41_000 / 24)
    # the value an hour looks after: profit, 153,800 / 152 and 38,600 / 24
    assert w["profit_per_am_hour"] == pytest.approx(153_800 / 152)
    assert li["profit_per_am_hour"] == pytest.approx(38_600 / 24)


def test_the_churn_rate_shows_from_min_accounts():
    am = account_managers(
        _managers_book(), cost_model=COSTS, rules={"managers": {"min_accounts": 3}}
    )
    t = am.table.set_index("account_manager")
    assert t.loc["Wang", "churn_rate"] == pytest.approx(1 / 3)  # 1 of K1, K2, B1
    assert math.isnan(t.loc["Li", "churn_rate"])  # one account, still fewer than 3
    assert any("fewer than 3 accounts" in n for n in am.notes)


def test_new_business_follows_its_setting():
    am = account_managers(
        _managers_book(), cost_model=COSTS, rules={"managers": {"new_product_after_months": 2}}
    )
    li = am.table.set_index("account_manager").loc["Li"]
    assert (li["new_products"], li["new_business_revenue"]) == (1, pytest.approx(5_000))


def test_accounts_without_a_manager_and_changes_of_manager():
    am = account_managers(_managers_book(), cost_model=COSTS)
    assert list(am.without_manager.columns) == WITHOUT_COLUMNS
    # B3: active business account, no manager (R1 is residential: not listed)
    assert list(am.without_manager["account_id"]) == ["B3"]
    assert am.without_manager["monthly_revenue"].iloc[0] == pytest.approx(800)
    ch = am.changed_manager
    assert list(ch.columns) == CHANGED_COLUMNS
    # important accounts: K1 (Zhao -> Wang on 1 Mar 2025) and B3 (Qian -> Qian: the same
    # manager, no change); Sun -> Zhao was in 2020; B2 changed but is not important
    assert list(ch["account_id"]) == ["K1"]
    assert (ch["from_manager"].iloc[0], ch["to_manager"].iloc[0]) == ("Zhao", "Wang")
    assert ch["changed"].iloc[0] == pd.Timestamp("2025-03-01")
    s = am.summary()["value"]
    assert s["managers"] == 2 and s["accounts_without_manager"] == 1
    assert s["important_accounts_changed_manager"] == 1


def test_managers_without_costs_or_history_say_so():
    am = account_managers(_managers_book(costs=None, assignments=None))
    w = am.table.set_index("account_manager").loc["Wang"]
    assert w["revenue"] == pytest.approx(175_000)  # revenue needs no costs
    for c in (
        "profit",
        "profit_share",
        "margin",
        "am_hours",
        "field_visits",
        "revenue_per_am_hour",
    ):
        assert math.isnan(w[c]), c
    assert any("no cost table" in n for n in am.notes)
    assert am.changed_manager.empty and list(am.changed_manager.columns) == CHANGED_COLUMNS
    assert any("assignments table" in n for n in am.notes)
    assert math.isnan(am.summary()["value"]["important_accounts_changed_manager"])


def test_managers_without_an_account_manager_column_give_one_note():
    book = _managers_book()
    book = replace(book, accounts=book.accounts.drop(columns="account_manager"))
    am = account_managers(book)
    assert am.table.empty and list(am.table.columns) == MANAGER_COLUMNS
    assert len(am.notes) == 1 and "account_manager" in am.notes[0]
    am.plot()


def test_masked_manager_names_are_shown_as_given():
    book = _managers_book().masked(salt="s")
    am = account_managers(book, cost_model=COSTS)
    assert all(str(m).startswith("AM-") for m in am.table["account_manager"])
    assert len(am.table) == 2


# ----------------------------------------------------------------------------- departures
def _departure_book(*, reason: bool = True, history: bool = True):
    """Old leaves on 31 Mar 2025 (the last day of the assignment); P1-P4 were in Old's
    portfolio and go to New on 1 Apr. P1 churns 31 May and P2 31 Jul (within six months,
    up to 30 Sep), P3 30 Nov (after them); P4 stays. O1-O6 are Li's; O1 churns 30 Jun.
    No billing: the monthly revenue is the accounts' own; observation from 1 Jan 2025."""
    ids = ["P1", "P2", "P3", "P4", "O1", "O2", "O3", "O4", "O5", "O6"]
    churn = {"P1": "2025-05-31", "P2": "2025-07-31", "P3": "2025-11-30", "O1": "2025-06-30"}
    acc = pd.DataFrame(
        {
            "account_id": ids,
            "branch": ["Kunming"] * 10,
            "customer_type": ["business"] * 10,
            "account_manager": ["New"] * 4 + ["Li"] * 6,
            "join_date": ["2020-01-01"] * 10,
            "status": ["churned" if i in churn else "active" for i in ids],
            "churn_date": [churn.get(i) for i in ids],
            "monthly_revenue": [1_000, 2_000, 3_000, 4_000, 500, 500, 500, 500, 500, 500],
        }
    )
    rows = [
        {"account_id": p, "account_manager": "Old", "start": "2022-01-01", "end": "2025-03-31"}
        | {"reason": "manager_left"}
        for p in ids[:4]
    ]
    rows += [
        {
            "account_id": p,
            "account_manager": "New",
            "start": "2025-04-01",
            "end": churn.get(p),
            "reason": "account_left" if p in churn else None,
        }
        for p in ids[:4]
    ]
    rows += [
        {
            "account_id": o,
            "account_manager": "Li",
            "start": "2020-01-01",
            "end": churn.get(o),
            "reason": "account_left" if o in churn else None,
        }
        for o in ids[4:]
    ]
    a = pd.DataFrame(rows)
    if not reason:
        a = a.drop(columns="reason")
    return kamlib.Book.from_frames(
        accounts=acc,
        assignments=a if history else None,
        as_of="2025-12-31",
        observed_from="2025-01-01",
    )


# days at risk in 2025, split at the departure (31 Mar) and six months after (30 Sep);
# a portfolio account's 89 days before the departure (1 Jan-31 Mar) are left out: it was
# in the portfolio because it had not left (immortal time)
#   P1: 31 Mar-31 May 61 days exposed (churn exposed)
#   P2: 31 Mar-31 Jul 122 days exposed (churn exposed)
#   P3: 31 Mar-30 Nov 244 days = 183 exposed + 61 after (churn other)
#   P4: 31 Mar-1 Jan 2026 276 days = 183 exposed + 93 after
#   O1: 1 Jan-30 Jun 180 days (churn other); O2-O6: 365 days each
EXPOSED_DAYS = 61 + 122 + 183 + 183  # 549
OTHER_DAYS = 61 + 93 + 180 + 5 * 365  # 2,159
MONTH = 365.25 / 12


def test_one_departure_by_hand():
    d = manager_departures(_departure_book())
    assert list(d.table.columns) == DEPARTURE_COLUMNS
    row = d.table.iloc[0]
    assert len(d.table) == 1
    assert (row["account_manager"], row["left"]) == ("Old", pd.Timestamp("2025-03-31"))
    assert (row["accounts"], row["churned_after"], row["branch"]) == (4, 2, "Kunming")
    # P1 and P2: (1,000 + 2,000) a month x 12
    assert row["revenue_lost"] == pytest.approx(36_000)
    # P3 churned after the six months; P4 is still with us: 4,000 a month x 12 at risk
    assert row["still_active"] == 1
    assert row["revenue_at_risk"] == pytest.approx(48_000)
    c = d.comparison.set_index("group")
    assert list(d.comparison.columns) == COMPARISON_COLUMNS
    assert c.loc["exposed", "account_months"] == pytest.approx(EXPOSED_DAYS / MONTH)
    assert c.loc["other", "account_months"] == pytest.approx(OTHER_DAYS / MONTH)
    assert (c.loc["exposed", "churned"], c.loc["other", "churned"]) == (2, 2)  # P3, O1 other
    # other: P3 and P4 after the exposure, O1-O6
    assert (c.loc["exposed", "accounts"], c.loc["other", "accounts"]) == (4, 8)
    # two churners after the departure, fewer than 5: counts only, no ratio
    assert c["rate"].isna().all() and math.isnan(d.ratio_) and not d.clustered_
    assert any("too few to compare" in n for n in d.notes)
    # turnover: Old left; Old and Li had assignments open on 1 Jan 2025
    assert d.turnover_ == pytest.approx(1 / 2)
    s = d.summary()["value"]
    assert s["departures"] == 1 and s["accounts_churned_after_departure"] == 2
    assert s["revenue_lost_after_manager_left"] == pytest.approx(36_000)
    assert math.isnan(s["rate_ratio"])


def test_the_rate_ratio_and_its_interval_by_hand():
    d = manager_departures(_departure_book(), rules={"managers": {"min_churners": 2}})
    c = d.comparison.set_index("group")
    # rates per account-month: 2 / (549 / 30.44) and 2 / (2,515 / 30.44)
    assert c.loc["exposed", "rate"] == pytest.approx(2 / (EXPOSED_DAYS / MONTH))
    assert c.loc["other", "rate"] == pytest.approx(2 / (OTHER_DAYS / MONTH))
    rr = (2 / EXPOSED_DAYS) / (2 / OTHER_DAYS)  # = 2,159 / 549 = 3.93
    assert d.ratio_ == pytest.approx(rr, rel=1e-6)
    # the Wald (log-normal) interval: exp(log RR +/- 1.96 sqrt(1/a + 1/b)), a = b = 2
    half = 1.959964 * math.sqrt(1 / 2 + 1 / 2)
    assert d.ci_[0] == pytest.approx(rr * math.exp(-half), rel=1e-5)
    assert d.ci_[1] == pytest.approx(rr * math.exp(half), rel=1e-5)
    # p of the Wald z = log(RR) / 1
    from scipy.stats import norm

    assert d.pvalue_ == pytest.approx(2 * norm.sf(math.log(rr)), rel=1e-5)
    assert d.ci_[0] < 1 and not d.clustered_  # 0.55 to 28: not clearly higher
    assert any("not clearly higher" in n for n in d.notes)


def test_a_shorter_after_departure_period_changes_what_counts():
    # three months: exposure up to 30 Jun; P1 (31 May) churns within it, P2 (31 Jul) not
    d = manager_departures(_departure_book(), rules={"managers": {"after_departure_months": 3}})
    assert d.table["churned_after"].iloc[0] == 1
    assert d.table["revenue_lost"].iloc[0] == pytest.approx(12_000)
    # exposed days: P1 61, P2-P4 91 each (31 Mar-30 Jun)
    c = d.comparison.set_index("group")
    assert c.loc["exposed", "account_months"] == pytest.approx((61 + 3 * 91) / MONTH)


def test_without_a_reason_a_manager_whose_history_stops_left():
    d = manager_departures(_departure_book(reason=False))
    # Old has no later or open assignment and no account: left on 31 Mar; New and Li are
    # today's managers
    assert list(d.table["account_manager"]) == ["Old"]
    assert d.table["churned_after"].iloc[0] == 2
    assert any("no reason" in n for n in d.notes)


def test_without_assignments_one_note_and_nan():
    d = manager_departures(_departure_book(history=False))
    assert d.table.empty and list(d.table.columns) == DEPARTURE_COLUMNS
    assert d.notes == (
        "no account-manager history (assignments table): churn after a manager left cannot "
        "be shown",
    )
    assert d.summary()["value"].isna().all()
    d.plot()


def test_inputs_are_not_mutated():
    for book, run in (
        (_managers_book(), lambda b: account_managers(b, cost_model=COSTS)),
        (
            _departure_book(),
            lambda b: manager_departures(b, rules={"managers": {"min_churners": 2}}),
        ),
    ):
        before = {
            t: getattr(book, t).copy()
            for t in ("accounts", "billing", "costs", "assignments")
            if book.has(t)
        }
        run(book)
        for t, df in before.items():
            pd.testing.assert_frame_equal(getattr(book, t), df)


def test_plots_draw():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    assert account_managers(_managers_book(), cost_model=COSTS).plot(ax=ax) is ax
    assert (
        manager_departures(_departure_book(), rules={"managers": {"min_churners": 2}}).plot(ax=ax)
        is ax
    )
    assert manager_departures(_departure_book()).plot(ax=ax) is ax
    plt.close(fig)


# ----------------------------------------------------------------------------- the null
def _null_book(rng: np.random.Generator, n: int = 600):
    """n business accounts, each churning with chance 0.3 on a day drawn uniformly in 2025:
    churn does not depend on who looked after the account."""
    churns = rng.random(n) < 0.3
    day = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    ids = [f"A{i:04d}" for i in range(n)]
    acc = pd.DataFrame(
        {
            "account_id": ids,
            "branch": ["Suzhou"] * n,
            "customer_type": ["business"] * n,
            "account_manager": [f"M{i % 20}" for i in range(n)],
            "join_date": ["2020-01-01"] * n,
            "status": np.where(churns, "churned", "active"),
            "churn_date": pd.Series(day).where(churns),
            "monthly_revenue": [1_000.0] * n,
        }
    )
    return kamlib.Book.from_frames(accounts=acc, as_of="2025-12-31", observed_from="2025-01-01")


def _portfolios(book, rng: np.random.Generator) -> pd.DataFrame:
    """Four managers leave on days drawn in Feb-Jun 2025, each leaving 30 accounts drawn
    at random among the accounts still there that day."""
    acc = book.accounts
    rows = []
    taken: set[str] = set()
    for k in range(4):
        left = pd.Timestamp("2025-02-01") + pd.Timedelta(days=int(rng.integers(0, 150)))
        alive = acc.loc[
            (acc["churn_date"].isna() | (acc["churn_date"] > left))
            & ~acc["account_id"].isin(taken),
            "account_id",
        ].to_numpy()
        for a in rng.choice(alive, size=30, replace=False):
            taken.add(str(a))
            rows.append(
                {
                    "account_id": a,
                    "account_manager": f"Gone{k}",
                    "start": pd.Timestamp("2022-01-01"),
                    "end": left,
                    "reason": "manager_left",
                }
            )
    return pd.DataFrame(rows)


def test_no_cluster_is_claimed_under_the_null():
    rng = np.random.default_rng(7)
    book = _null_book(rng)
    claims, compared = 0, 0
    for _ in range(200):
        # shuffle which accounts were in the departed managers' portfolios
        d = manager_departures(replace(book, assignments=_portfolios(book, rng)))
        compared += int(np.isfinite(d.ratio_))
        claims += int(d.clustered_)
    assert compared >= 150  # the test has power to compare at all (about 15 churners each)
    assert claims <= 20  # at most 10% of 200 (a 95% lower bound above 1: about 2.5% expected)


def test_a_planted_cluster_is_found():
    rng = np.random.default_rng(3)
    book = _null_book(rng)
    hist = _portfolios(book, rng)
    # make 12 of the departed managers' active accounts churn a month after they left
    acc = book.accounts.copy()
    first = hist.drop_duplicates("account_id").set_index("account_id")["end"]
    active = acc.set_index("account_id").loc[first.index, "status"] == "active"
    chosen = first[active.to_numpy()].index[:12]
    pos = acc["account_id"].isin(chosen).to_numpy()
    acc.loc[pos, "status"] = "churned"
    acc.loc[pos, "churn_date"] = (
        acc.loc[pos, "account_id"].map(first) + pd.Timedelta(days=30)
    ).to_numpy()
    d = manager_departures(replace(book, accounts=acc, assignments=hist))
    assert d.clustered_ and d.ratio_ > 1.5
    assert any("times that of other managed accounts" in n for n in d.notes)


# ----------------------------------------------------------------------------- edge cases
def test_no_departure_in_the_window():
    book = _departure_book()
    a = book.assignments.copy()
    # Old left in 2024 instead: before the window, so no departure in it
    a.loc[a["account_manager"] == "Old", "end"] = pd.Timestamp("2024-06-30")
    d = manager_departures(replace(book, assignments=a))
    assert d.table.empty and list(d.table.columns) == DEPARTURE_COLUMNS
    assert d.summary()["value"]["departures"] == 0
    assert d.summary()["value"]["accounts_churned_after_departure"] == 0
    assert any("No account manager left" in n for n in d.notes)
    assert d.turnover_ == 0.0  # Li had an open assignment on 1 Jan; nobody left


def test_nothing_to_compare_with_when_no_other_account_churned():
    book = _departure_book()
    acc = book.accounts.copy()
    gone = acc["account_id"].isin(["P3", "O1"]).to_numpy()
    acc.loc[gone, "status"] = "active"
    acc.loc[gone, "churn_date"] = pd.NaT
    d = manager_departures(replace(book, accounts=acc), rules={"managers": {"min_churners": 2}})
    assert d.comparison.set_index("group").loc["other", "churned"] == 0
    assert math.isnan(d.ratio_) and not d.clustered_
    assert any("nothing to be compared with" in n for n in d.notes)


def test_a_book_without_managed_accounts():
    book = _managers_book()
    acc = book.accounts.assign(customer_type="residential")
    am = account_managers(replace(book, accounts=acc), cost_model=COSTS)
    assert am.table.empty and list(am.table.columns) == MANAGER_COLUMNS
    assert am.without_manager.empty
    assert am.summary()["value"]["managers"] == 0
    assert any("No account of the managed types" in n for n in am.notes)


def test_on_the_sample_operator(sample_book):
    am = account_managers(sample_book)
    # every managed account with a manager that was a customer in the window counts once
    acc = sample_book.accounts
    managed = (
        acc["customer_type"].isin(["key_account", "business"]) & acc["account_manager"].notna()
    )
    seen = ~((acc["status"] == "churned") & (acc["churn_date"] < "2025-01-01"))
    assert int(am.table["accounts"].sum() + am.table["joined"].sum()) == int((managed & seen).sum())
    if not sample_book.has("assignments"):  # pragma: no cover - before the history landed
        return
    d = manager_departures(sample_book)
    # the generator plants three departures, each followed by 3 to 5 of the portfolio's
    # accounts leaving within six months, and no other of its churners in that time
    assert len(d.table) == 3
    assert d.table["churned_after"].between(3, 5).all()
    assert d.clustered_  # that many is more than elsewhere, and the interval says so
