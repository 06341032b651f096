"""Account plans (关键客户规划): who gets one, the signals, the actions, the pages.

Every expected figure is worked out by hand from the small book below.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

import kamlib
from kamlib.plans import account_plans, write_plans

MONTHS = pd.date_range("2025-01-01", periods=12, freq="MS")


def _book(**changes):
    acc = pd.DataFrame(
        {
            "account_id": ["K1", "K2", "K3", "K4", "I1", "R1"],
            "name": ["Alpha <Group>", "Beta", "Gamma", "Delta", "City Hall", "Household"],
            "branch": ["Suzhou"] * 6,
            "customer_type": [
                "key_account",
                "key_account",
                "key_account",
                "key_account",
                "business",
                "residential",
            ],
            "industry": ["finance", "retail", "retail", "retail", "government", None],
            "account_manager": ["Wang", "Li", "Li", "Li", None, None],
            "status": ["active", "active", "active", "churned", "active", "active"],
            "churn_date": [None, None, None, "2025-06-15", None, None],
            "contract": ["one_year", "two_year", "two_year", "one_year", "one_year", "monthly"],
            "contract_end": ["2026-03-31", "2027-06-30", "2027-06-30", None, "2027-01-01", None],
            "satisfaction": [4.0, 4.0, 2.0, 3.0, 4.0, 4.0],
        }
    )
    monthly = {"K1": [50_000] * 12, "K2": [20_000] * 9 + [15_000] * 3, "K3": [5_000] * 12}
    monthly["K4"] = [8_000] * 6
    monthly["I1"] = [1_000] * 12
    monthly["R1"] = [200] * 12
    bill = pd.DataFrame(
        [
            {"account_id": a, "month": MONTHS[i], "product": "mobile", "revenue": v}
            for a, vs in monthly.items()
            for i, v in enumerate(vs)
        ]
    )
    complaints = {"K1": 4, "K2": 1, "K3": 1, "K4": 1, "I1": 0, "R1": 0}
    usage = pd.DataFrame(
        [
            {
                "account_id": a,
                "month": m,
                "calls": 1000,
                "forwarded_calls": 10,
                "complaints": complaints[a],
            }
            for a in monthly
            for m in MONTHS[: len(monthly[a])]
        ]
    )
    tables = {"accounts": acc, "billing": bill, "usage": usage}
    tables.update(changes)
    return kamlib.Book.from_frames(**tables, as_of="2025-12-31")


def test_the_top_key_accounts_and_every_important_account_get_a_plan():
    plans = account_plans(_book(), top_n=2, white_space=False)
    t = plans.table.set_index("account_id")
    # K1 (600 k) and K2 (225 k) are the top two active key accounts; K3 is third; K4 left;
    # I1 spends 1,000 a month (below 3,000) but is government: important whatever it spends
    assert list(t.index) == ["K1", "K2", "I1"]
    assert t.loc["K1", "rank"] == 1 and t.loc["K2", "rank"] == 2
    assert pd.isna(t.loc["I1", "rank"])  # not a key account: no rank among them
    assert list(t["chosen"]) == ["top", "top", "important"]
    assert t.loc["K2", "revenue"] == pytest.approx(9 * 20_000 + 3 * 15_000)


def test_top_n_follows_the_setting():
    plans = account_plans(_book(), rules={"plans": {"top_n": 3}}, white_space=False)
    assert list(plans.table["account_id"]) == ["K1", "K2", "K3", "I1"]
    # a key account made by spend alone: I1 at 1,000 a month is one under a 900 threshold
    plans = account_plans(
        _book(), top_n=5, rules={"list": {"key_account_monthly": 900}}, white_space=False
    )
    assert "I1" in set(plans.table.loc[plans.table["chosen"] != "important", "account_id"])


def test_max_plans_keeps_the_top_key_accounts_then_the_largest_important_ones():
    # two more government accounts, I2 (3,000 a month) above I1 (1,000) and I3 (500)
    b = _book()
    acc = pd.concat(
        [
            b.accounts,
            pd.DataFrame(
                {
                    "account_id": ["I2", "I3"],
                    "name": ["Tax Office", "School"],
                    "branch": ["Suzhou"] * 2,
                    "customer_type": ["business"] * 2,
                    "industry": ["government", "education"],
                    "status": ["active"] * 2,
                    "contract": ["one_year"] * 2,
                }
            ),
        ],
        ignore_index=True,
    )
    extra = pd.DataFrame(
        [
            {"account_id": a, "month": m, "product": "mobile", "revenue": v}
            for a, v in (("I2", 3_000), ("I3", 500))
            for m in MONTHS
        ]
    )
    book = kamlib.Book.from_frames(
        accounts=acc, billing=pd.concat([b.billing, extra]), as_of="2025-12-31"
    )
    plans = account_plans(book, top_n=2, rules={"plans": {"max_plans": 3}}, white_space=False)
    # K1, K2 (top 2), then I2, I1, I3 by revenue: 5 qualify, the cap of 3 keeps K1, K2, I2
    assert list(plans.table["account_id"]) == ["K1", "K2", "I2"]
    assert set(plans.plans) == {"K1", "K2", "I2"}
    note = next(n for n in plans.notes if "max_plans" in n)
    assert "5 accounts qualify" in note and "2 smaller important accounts have none" in note
    # the default (200) leaves all five
    assert len(account_plans(book, top_n=2, white_space=False)) == 5
    assert not any("max_plans" in n for n in account_plans(book, top_n=2, white_space=False).notes)


def test_signals_are_raised_at_their_thresholds():
    plans = account_plans(_book(), top_n=3, white_space=False)
    k2 = plans["K2"].signals.set_index("signal")
    # last 3 months 45,000 against the first 3 months' 60,000: -25%, beyond the 20% drop
    assert bool(k2.loc["bill_trend", "raised"])
    assert "-25%" in k2.loc["bill_trend", "reading"]
    k1 = plans["K1"].signals.set_index("signal")
    assert not bool(k1.loc["bill_trend", "raised"])  # flat
    # K1's contract ends 31 Mar 2026, three months after the data's end (within 6)
    assert bool(k1.loc["contract_ending", "raised"])
    assert not bool(k2.loc["contract_ending", "raised"])  # June 2027: 18 months away
    # complaints a month: key accounts K1 4, K2 1, K3 1, K4 1 -> median 1; K1 is 4 >= 2 x 1
    assert bool(k1.loc["complaints", "raised"])
    assert not bool(k2.loc["complaints", "raised"])
    # K3's satisfaction of 2 is at the threshold (2 or lower)
    k3 = plans["K3"].signals.set_index("signal")
    assert bool(k3.loc["satisfaction", "raised"])
    # forwarding flat at 1% of calls: not raised
    assert not bool(k1.loc["forwarding", "raised"])
    # I1 has no account manager
    assert bool(plans["I1"].signals.set_index("signal").loc["no_manager", "raised"])


def test_changed_thresholds_change_the_signals():
    plans = account_plans(_book(), top_n=3, rules={"plans": {"bill_drop": 0.3}}, white_space=False)
    assert not bool(plans["K2"].signals.set_index("signal").loc["bill_trend", "raised"])


def test_actions_carry_their_reason_and_the_money_at_stake():
    plans = account_plans(_book(), top_n=3, white_space=False)
    a = plans["K2"].actions
    visit = a[a["action"].str.startswith("Visit")]
    assert len(visit) == 1
    assert "-25%" in visit["reason"].iloc[0]
    # a year of the last 3 months' bill: 15,000 x 12
    assert visit["at_stake"].iloc[0] == pytest.approx(180_000)
    renew = plans["K1"].actions
    assert renew["action"].str.contains("renewal").any()
    # K1's contract ends 31 Mar 2026, after the data's end: not out of contract yet
    t = plans.table.set_index("account_id")
    assert bool(t.loc["K1", "out_of_contract"]) is False
    assert plans["I1"].actions["action"].str.contains("Assign an account manager").any()


def test_products_show_revenue_and_trend_by_product():
    p = account_plans(_book(), top_n=2, white_space=False)["K2"].products.set_index("product")
    assert p.loc["mobile", "revenue"] == pytest.approx(225_000)
    assert p.loc["mobile", "change"] == pytest.approx(45_000 / 60_000 - 1)


def test_without_costs_the_plans_say_profit_cannot_be_shown():
    plans = account_plans(_book(), top_n=2, white_space=False)
    assert any("cost to serve or profit" in n for n in plans.notes)
    assert plans.table["profit"].isna().all()


def test_without_billing_plans_use_the_monthly_revenue_and_say_what_is_missing():
    b = _book()
    acc = b.accounts.assign(monthly_revenue=[50_000, 18_750, 5_000, 8_000, 1_000, 200])
    book = kamlib.Book.from_frames(accounts=acc, as_of="2025-12-31")
    plans = account_plans(book, top_n=2, white_space=False)
    assert list(plans.table["account_id"][:2]) == ["K1", "K2"]
    assert any("no billing table" in n for n in plans.notes)
    assert plans["K1"].products.empty


def test_the_inputs_are_not_changed():
    book = _book()
    before = {t: getattr(book, t).copy() for t in ("accounts", "billing", "usage")}
    account_plans(book, top_n=3, white_space=False)
    for t, df in before.items():
        pd.testing.assert_frame_equal(getattr(book, t), df)


def test_pages_index_and_workbook_are_written(tmp_path):
    book = _book()
    plans = account_plans(book, top_n=2, white_space=False)
    index = write_plans(plans, tmp_path, branch="Suzhou", as_of=book.as_of)
    page = index.read_text(encoding="utf-8")
    links = re.findall(r'href="([^"]+\.html)"', page)
    targets = [link for link in links if link != "../report.html"]
    assert len(targets) == 3
    for link in targets:
        assert (index.parent / link).is_file()
    k1 = (index.parent / plans.pages["K1"]).read_text(encoding="utf-8")
    assert "Alpha &lt;Group&gt;" in k1 and "<Group>" not in k1  # names are escaped
    assert "Next actions" in k1 and "threshold" in k1
    from openpyxl import load_workbook

    wb = load_workbook(index.parent / "plans.xlsx")
    assert len([s for s in wb.sheetnames if s != "Definitions"]) == 3


def test_the_sample_branch_gets_its_plans():
    book = kamlib.load(kamlib.sample_path()).branch("Suzhou")
    plans = account_plans(book)
    t = plans.table
    assert (t["chosen"] != "important").sum() == 20
    assert t["signals_raised"].ge(0).all() and t["first_action"].str.len().gt(0).all()
    important = plans.table["chosen"].isin(["important", "top_and_important"])
    flagged = book.accounts.set_index("account_id")
    gov = flagged["industry"].isin(["government", "public_security", "education"])
    want = set(flagged.index[(flagged["important"] | gov) & (flagged["status"] == "active")])
    assert set(t.loc[important, "account_id"]) == want


def test_an_ended_contract_is_out_of_contract_and_a_loss_comes_first():
    acc = _book().accounts.copy()
    # K2's contract ended before the data's end (31 Dec 2025); I1 has none recorded
    acc.loc[acc["account_id"] == "K2", "contract_end"] = pd.Timestamp("2025-09-30")
    acc.loc[acc["account_id"] == "I1", "contract_end"] = pd.NaT
    costs = pd.DataFrame(
        # K3 costs 6,000 a month to serve against its 5,000 of revenue: a loss-maker
        [{"account_id": "K3", "month": m, "network": 6_000.0} for m in MONTHS]
    )
    book = _book(accounts=acc, costs=costs)
    plans = account_plans(book, top_n=3, white_space=False)
    t = plans.table.set_index("account_id")
    assert bool(t.loc["K2", "out_of_contract"]) is True
    assert bool(t.loc["K1", "out_of_contract"]) is False
    assert pd.isna(t.loc["I1", "out_of_contract"])  # no contract end: unknown, not "no"
    first = plans["K2"].actions.iloc[0]
    assert first["action"] == "Sign a new contract: the account is out of contract"
    assert "ended on" in first["reason"]
    # K3 raises a low satisfaction (2) and loses money: the price and cost come first
    k3 = plans["K3"].actions
    assert k3["action"].iloc[0].startswith("Review what it costs to serve")
    assert k3["at_stake"].iloc[0] == pytest.approx(12 * 1_000)
    assert k3["action"].str.startswith("Call back").any()
    # out of contract and losing money: one action, the new contract at a covering price
    acc2 = acc.copy()
    acc2.loc[acc2["account_id"] == "K3", "contract_end"] = pd.Timestamp("2025-08-31")
    both = account_plans(_book(accounts=acc2, costs=costs), top_n=3, white_space=False)["K3"]
    first = both.actions.iloc[0]
    assert first["action"].startswith("Sign a new contract at a price that covers")
    assert "ended on" in first["reason"] and "Profit" in first["reason"]
    assert not both.actions["action"].str.startswith("Review what it costs").any()
    assert (
        not both.actions["action"].eq("Sign a new contract: the account is out of contract").any()
    )


def test_the_first_screen_asks_to_sign_the_accounts_out_of_contract():
    acc = _book().accounts.copy()
    acc.loc[acc["account_id"].isin(["K2", "K3"]), "contract_end"] = pd.Timestamp("2025-09-30")
    book = _book(accounts=acc)
    a = kamlib.next_actions(book, "Suzhou").table
    renew = a[a["kind"] == "renew_contract"]
    assert len(renew) == 1
    # a year of K2's and K3's revenue over the 12 billing months:
    # K2 9 x 20,000 + 3 x 15,000 = 225,000; K3 12 x 5,000 = 60,000
    assert renew["money_at_stake"].iloc[0] == pytest.approx(285_000)
    assert renew["action"].iloc[0].startswith("Sign new contracts with Beta and Gamma")
    assert renew["source"].iloc[0] == "account_plans"
    # with no contract out of date, no such action and no claim either way
    none = kamlib.next_actions(_book(), "Suzhou").table
    assert "renew_contract" not in set(none["kind"])
