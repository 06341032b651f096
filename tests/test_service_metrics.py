"""The service figures of metrics.json (issue 20) on a branch worked out on paper:
complaints per 100 accounts in the last full quarter, the share of service promises kept,
and the watch list's figures, null where the data cannot say."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import kamlib

IDS = [f"A{i}" for i in range(10)]


def _book(*, tickets: bool = True) -> kamlib.Book:
    acc = pd.DataFrame(
        {
            "account_id": IDS,
            "branch": ["Suzhou"] * 10,
            "customer_type": ["business"] * 10,
            "status": ["active"] * 10,
            "join_date": ["2020-01-01"] * 10,
        }
    )
    # one general complaint in January (answered in 10 hours: kept) and twenty in the
    # fourth quarter, two per account: sixteen answered in 10 hours, four in 30 (over 24)
    rows = [("T00", "A0", pd.Timestamp("2025-01-06 09:00"), 10)]
    for k in range(20):
        opened = pd.Timestamp("2025-10-06 09:00") + pd.Timedelta(days=3 * k)
        rows.append((f"T{k + 1:02d}", IDS[k % 10], opened, 10 if k < 16 else 30))
    t = pd.DataFrame(rows, columns=["ticket_id", "account_id", "opened", "hours"])
    t["opened"] = pd.to_datetime(t["opened"])
    t["responded"] = t["opened"] + pd.to_timedelta(t["hours"], unit="h")
    t["closed"] = t["responded"] + pd.Timedelta(hours=1)
    t["kind"] = "complaint"
    t["severity"] = "general"
    frames = {"accounts": acc}
    if tickets:
        frames["tickets"] = t.drop(columns="hours")
    return kamlib.Book.from_frames(**frames, as_of="2025-12-31")


def _metrics(book: kamlib.Book) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return kamlib.build_report(book, "Suzhou").metrics


def test_the_service_figures_by_hand():
    m = _metrics(_book())
    # Q4 2025: 20 complaints over the 10 accounts active in it
    assert m["complaints_per_100_accounts"] == pytest.approx(100 * 20 / 10)
    # 17 of the 21 answers came within 24 hours
    assert m["share_within_promise"] == pytest.approx(17 / 21)
    # no churner: the churn-risk model cannot be tested, so neither figure exists
    assert m["watchlist_auc"] is None and m["value_at_risk_top_decile"] is None


def test_without_tickets_the_service_figures_are_null():
    m = _metrics(_book(tickets=False))
    assert m["complaints_per_100_accounts"] is None
    assert m["share_within_promise"] is None


def test_the_sample_s_watch_list_figures_come_from_the_operator_model(sample_book):
    m = _metrics_of_sample(sample_book)
    risk = kamlib.churn_risk(sample_book)
    # the same out-of-time AUC for every branch: the model is the operator's
    assert m["watchlist_auc"] == pytest.approx(risk.auc_)
    t = risk.branch("Suzhou").table
    expected = t.loc[t["top_decile"].astype(bool), "value_at_stake"].sum()
    assert m["value_at_risk_top_decile"] == pytest.approx(expected)


def _metrics_of_sample(book: kamlib.Book) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return kamlib.build_report(book, "Suzhou").metrics
