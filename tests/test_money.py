"""Money that claims only what the data show (issue 15): discounts counted once, lifetime
revenue never taken for period revenue, one definition of loss-making, no shares of values
of both signs, and retention credited only with what it changed. Every expected value is
worked out by hand in the test."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import kamlib
from kamlib import profit as P
from kamlib.report import branch_metrics, headline


# -- discounts counted once ---------------------------------------------------------------
def _discount_book(basis: str) -> kamlib.Book:
    """One account: 1,000 billed, 100 of discounts, 2 tickets (2 x 120 = 240)."""
    acc = pd.DataFrame({"account_id": ["a"], "branch": "X", "status": "active"})
    bill = pd.DataFrame(
        {"account_id": ["a"], "month": "2025-01", "product": "p", "revenue": [1000.0]}
    )
    costs = pd.DataFrame(
        {"account_id": ["a"], "month": "2025-01", "service_tickets": [2], "discounts": [100.0]}
    )
    return kamlib.Book.from_frames(accounts=acc, billing=bill, costs=costs, revenue_basis=basis)


def test_net_revenue_shows_discounts_but_does_not_subtract_them_again():
    book = _discount_book("net")
    assert book.revenue_basis == "net"
    pnl = P.customer_pnl(book)
    row = pnl.table.iloc[0]
    assert row["cost"] == 240.0 and row["profit"] == 760.0  # 1000 - 240
    assert row["discounts_given"] == 100.0 and "cost_discounts" not in pnl.table
    assert "discounts" not in pnl.drivers and pnl.revenue_basis == "net"
    assert any("after discounts" in n and "not subtracted again" in n for n in pnl.notes)
    assert list(P.cost_to_serve(book).columns) == ["service_tickets"]
    # the waterfall and the segment sums add up to the same profit
    by = pnl.by("branch").loc["X"]
    assert by["revenue"] - by["cost"] == by["profit"] == 760.0
    assert by["discounts_given"] == 100.0


def test_gross_revenue_subtracts_discounts_as_a_cost():
    pnl = P.customer_pnl(_discount_book("gross"))
    row = pnl.table.iloc[0]
    assert row["cost_discounts"] == 100.0 and row["cost"] == 340.0 and row["profit"] == 660.0
    assert "discounts_given" not in pnl.table
    assert any("before discounts" in n and "subtracted as a cost" in n for n in pnl.notes)


def test_the_default_basis_is_net_as_the_data_model_says():
    acc = pd.DataFrame({"account_id": ["a"], "branch": "X", "status": "active"})
    assert kamlib.Book.from_frames(accounts=acc).revenue_basis == "net"
    assert "after discounts (net)" in kamlib.data_model_markdown()


def test_revenue_basis_is_validated_everywhere(tmp_path):
    acc = pd.DataFrame({"account_id": ["a"], "branch": "X", "status": "active"})
    with pytest.raises(kamlib.ConfigError, match="revenue_basis"):
        kamlib.Book.from_frames(accounts=acc, revenue_basis="after")
    acc.to_csv(tmp_path / "accounts.csv", index=False)
    (tmp_path / "operator.yaml").write_text("revenue_basis: after_discounts\n")
    with pytest.raises(kamlib.ConfigError, match="revenue_basis"):
        kamlib.load(tmp_path)
    (tmp_path / "operator.yaml").write_text("revenue_basis: gross\n")
    assert kamlib.load(tmp_path).revenue_basis == "gross"
    mapping = {
        "revenue_basis": "list_price",
        "tables": {
            "accounts": {
                "file": "accounts.csv",
                "columns": {c: c for c in ("account_id", "branch", "status")},
            }
        },
    }
    with pytest.raises(kamlib.ConfigError, match="revenue_basis"):
        kamlib.load(tmp_path, mapping=mapping)
    mapping["revenue_basis"] = "gross"
    assert kamlib.load(tmp_path, mapping=mapping).revenue_basis == "gross"


def test_the_basis_survives_writing_and_preparing(tmp_path):
    book = _discount_book("gross")
    kamlib.write_book(book, tmp_path / "canon")
    assert kamlib.load(tmp_path / "canon").revenue_basis == "gross"
    prepared = kamlib.prepare(book, tmp_path / "prepared")
    assert kamlib.load(prepared, branch="X").revenue_basis == "gross"
    assert kamlib.load(prepared).revenue_basis == "gross"


def test_the_sample_says_its_billing_is_before_discounts_and_counts_them_once(sample_book):
    # kamlib.synth bills the list price and records discounts beside it: gross
    assert sample_book.revenue_basis == "gross"
    assert kamlib.synth(60, seed=3).book.revenue_basis == "gross"
    # Suzhou's profit from the CSV files, independently: billing - every cost line once
    data = kamlib.sample_path()
    acc = pd.read_csv(data / "accounts.csv")
    ids = set(acc.loc[acc["branch"] == "Suzhou", "account_id"])
    bill = pd.read_csv(data / "billing.csv")
    costs = pd.read_csv(data / "costs.csv")
    costs = costs[costs["account_id"].isin(ids)]
    revenue = bill.loc[bill["account_id"].isin(ids), "revenue"].sum()
    priced = (
        costs["service_tickets"] * 120 + costs["field_visits"] * 450 + costs["am_hours"] * 180
    ).sum()
    amounts = costs[["network", "subsidies", "bad_debt", "acquisition_retention"]].sum().sum()
    discounts = costs["discounts"].sum()
    suzhou = sample_book.branch("Suzhou")
    gross = P.customer_pnl(suzhou).table["profit"].sum()
    assert gross == pytest.approx(revenue - priced - amounts - discounts)
    assert gross > 0  # the sample branch makes money after every cost
    # had the sample said net, the discounts would not be a cost
    net = P.customer_pnl(dataclasses.replace(suzhou, revenue_basis="net")).table["profit"].sum()
    assert net == pytest.approx(revenue - priced - amounts)
    assert net - gross == pytest.approx(discounts) and discounts > 0  # counted once
    assert branch_metrics(sample_book, "Suzhou")["revenue_basis"] == "gross"


# -- lifetime revenue and the monthly charge ----------------------------------------------
def test_a_monthly_charge_is_used_before_lifetime_revenue_and_said_so():
    acc = pd.DataFrame(
        {
            "account_id": list("abcde"),
            "branch": "X",
            "status": "active",
            "monthly_revenue": [50.0, 20.0, 10.0, 10.0, 10.0],
            "lifetime_revenue": [100.0, 2000.0, 10.0, 10.0, 10.0],
        }
    )
    book = kamlib.Book.from_frames(accounts=acc)
    c = P.concentration(book)
    assert c.top_share == pytest.approx(50 / 100)  # the top 1 of 5 by monthly charge
    assert any("monthly charge" in n for n in c.notes)
    assert "monthly revenue 100" in headline(book, "X")
    m = branch_metrics(book, "X")
    assert m["revenue"] is None and m["revenue_source"] == "accounts.monthly_revenue"


# -- one definition of loss-making --------------------------------------------------------
def _loss_book() -> kamlib.Book:
    """a: profit -10 on 1,000 (inside the 2% band: break-even); b: -100 on 200 (loss);
    c: +500 on 600; d: -1 on 0 revenue (a loss: the band of zero revenue is zero)."""
    acc = pd.DataFrame({"account_id": list("abcd"), "branch": "X", "status": "active"})
    bill = pd.DataFrame(
        {"account_id": list("abcd"), "month": "2025-01", "product": "p"}
        | {"revenue": [1000.0, 200.0, 600.0, 0.0]}
    )
    costs = pd.DataFrame(
        {"account_id": list("abcd"), "month": "2025-01", "network": [1010.0, 300.0, 100.0, 1.0]}
    )
    return kamlib.Book.from_frames(accounts=acc, billing=bill, costs=costs)


def test_loss_making_means_the_same_in_metrics_groups_actions_and_prose():
    book = _loss_book()
    pnl = P.customer_pnl(book)
    assert pnl.table["profit"].tolist() == [-10.0, -100.0, 500.0, -1.0]
    groups = P.profit_groups(book, pnl=pnl).table
    assert groups.loc["loss_making", "accounts"] == 2 and groups.loc["break_even", "accounts"] == 1
    assert groups.loc["loss_making", "share_of_accounts"] == 0.5
    assert branch_metrics(book, "X")["unprofitable_share"] == 0.5  # not 3/4 (profit < 0)
    assert sorted(P.profit_actions(book, pnl=pnl).table["account_id"]) == ["b", "d"]
    whale = P.whale_curve(book, pnl=pnl)
    assert whale.summary().loc["loss_making_accounts", "value"] == 2
    assert "2 of them loss-making (profit below -2% of their revenue)" in whale.reading
    assert P.is_loss_making(pnl.table).tolist() == [False, True, False, True]


def test_the_sample_agrees_on_loss_making_in_every_branch(sample_book):
    for br in sample_book.branches:
        b = sample_book.branch(br)
        pnl = P.customer_pnl(b)
        share = P.profit_groups(b, pnl=pnl).table.loc["loss_making", "share_of_accounts"]
        assert branch_metrics(sample_book, br)["unprofitable_share"] == pytest.approx(share)
        t = pnl.table
        independent = (t["profit"] < -0.02 * t["revenue"].abs()).mean()
        assert share == pytest.approx(independent)


# -- no shares of values of both signs ----------------------------------------------------
def test_gini_and_top_share_of_profit_of_both_signs_are_missing_with_a_note():
    c = P.concentration_of(pd.DataFrame({"profit": [-5.0, 1.0, 1.0, 1.0, 10.0]}), value="profit")
    assert np.isnan(c.gini) and np.isnan(c.top_share)
    assert c.negative == 1 and "negative profit" in c.notes[0]
    assert c.table["value_share"].isna().all()
    assert c.summary().loc["gini", "value"] is np.nan or np.isnan(c.summary().loc["gini", "value"])
    # one sign: the usual numbers (Gini by hand: 2*sum(i*x)/(n*sum) - (n+1)/n)
    ok = P.concentration_of(pd.DataFrame({"revenue": [0.0, 1.0, 1.0, 1.0, 10.0]}))
    assert ok.gini == pytest.approx(2 * (2 + 3 + 4 + 50) / (5 * 13) - 6 / 5)
    assert ok.top_share == pytest.approx(10 / 13)


def test_negative_revenue_is_left_out_of_the_shares_and_said():
    """A credit (revenue below zero) does not empty the 80/20 figures: they are of the
    accounts with revenue of zero or more, and the note says who was left out."""
    c = P.concentration_of(pd.DataFrame({"revenue": [-5.0, 1.0, 1.0, 1.0, 10.0]}))
    assert c.left_out == 1 and c.left_out_total == -5.0 and c.negative == 0
    assert c.accounts == 4 and c.top_accounts == 1  # ceil(0.2 x 4)
    assert c.top_share == pytest.approx(10 / 13)
    # Gini by hand on the ascending kept values 1, 1, 1, 10
    assert c.gini == pytest.approx(2 * (1 + 2 + 3 + 40) / (4 * 13) - 5 / 4)
    assert "1 account has a negative revenue" in c.notes[0] and "other 4 accounts" in c.notes[0]


def test_a_credit_note_leaves_one_account_out_of_revenue_concentration_in_metrics():
    acc = pd.DataFrame({"account_id": list("abc"), "branch": "X", "status": "active"})
    bill = pd.DataFrame(
        {"account_id": list("abc"), "month": "2025-01", "product": "p"}
        | {"revenue": [-40.0, 10.0, 100.0]}
    )
    book = kamlib.Book.from_frames(accounts=acc, billing=bill)
    m = branch_metrics(book, "X")
    # the two accounts with revenue: the top 20% is ceil(0.4) = 1 account, 100 of 110
    assert m["top20_revenue_share"] == pytest.approx(100 / 110)
    assert m["gini_revenue"] == pytest.approx(2 * (10 + 2 * 100) / (2 * 110) - 3 / 2)
    c = P.concentration(book, value="revenue")
    assert any("negative revenue (-40 CNY together" in n for n in c.notes)
    rule = P.rules_of_thumb(book, min_accounts=1).table.iloc[0]
    assert rule["holds"] == "yes"


def test_profit_of_both_signs_has_no_gini(sample_book):
    c = P.concentration(sample_book.branch("Suzhou"), value="profit")
    assert np.isnan(c.gini) and np.isnan(c.top_share)
    assert any("whale curve" in n for n in c.notes)


# -- retention credited with what it changed -----------------------------------------------
def test_revenue_saved_counts_only_what_retention_changed():
    acc = pd.DataFrame(
        {
            "account_id": ["k1", "k4", "k2", "k3", "b1", "b2", "r1"],
            "branch": "X",
            "customer_type": ["key_account"] * 4 + ["business"] * 2 + ["residential"],
            "status": ["active", "churned", "churned", "active", "active", "churned", "active"],
            "monthly_revenue": [100.0, 60.0, 30.0, 30.0, 40.0, 20.0, 10.0],
        }
    )
    retained = {"k1": True, "k4": True, "k2": False, "k3": False, "b1": True, "b2": False}
    retained["r1"] = True
    con = pd.DataFrame(
        {
            "account_id": list(retained),
            "warning_date": "2025-05-01",
            "reached": True,
            "intent_to_leave": True,
            "retained": list(retained.values()),
        }
    )
    book = kamlib.Book.from_frames(accounts=acc, contacts=con)
    e = kamlib.retention_economics(book)
    v = e.table["value"]
    # key accounts: not retained churn 1/2 (k2 of k2, k3), retained churn 1/2 (k4): nothing
    # business: 1 - 0 = 1 -> 40 x 12 = 480
    # residential: no one unretained: the rate of all types, 2/3 (k2, b2 of k2, k3, b2)
    #   -> 10 x 2/3 x 12 = 80
    assert v["revenue_saved"] == pytest.approx(480 + 80)
    assert v["churn_rate_if_not_retained"] == pytest.approx(2 / 3)
    assert v["churn_rate_of_retained"] == pytest.approx(1 / 4)
    assert v["accounts_retained"] == 4
    # the old figure would have been every retained account's revenue: (100+60+40+10) x 12
    assert v["revenue_saved"] < 210 * 12
    basis = e.table.loc["revenue_saved", "basis"]
    assert "not retained" in basis and "per customer type" in basis
    assert any("only what retention changed" in n and "comparable" in n for n in e.notes)
    assert set(e.summary().index) == set(kamlib.retention_economics(_no_contacts()).summary().index)


def _no_contacts() -> kamlib.Book:
    acc = pd.DataFrame({"account_id": ["a"], "branch": "X", "status": "active"})
    return kamlib.Book.from_frames(accounts=acc)


def test_without_a_comparison_revenue_saved_is_unknown():
    acc = pd.DataFrame(
        {"account_id": ["a"], "branch": "X", "status": "active", "monthly_revenue": [50.0]}
    )
    con = pd.DataFrame(
        {
            "account_id": ["a"],
            "warning_date": "2025-05-01",
            "reached": True,
            "intent_to_leave": True,
            "retained": [True],
        }
    )
    e = kamlib.retention_economics(kamlib.Book.from_frames(accounts=acc, contacts=con))
    assert np.isnan(e.table.loc["revenue_saved", "value"])
