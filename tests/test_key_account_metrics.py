"""The key-account figures of metrics.json (issue 19), on a branch small enough to work
out on paper: who entered and left the key-account list, the accounts without a manager,
the revenue lost after a manager left and the contracts that do not pay back; null where
the data cannot say."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import kamlib

MONTHS = pd.date_range("2025-01-01", periods=12, freq="MS")

#: account -> (customer type, industry, monthly bill, months billed, manager, churn date)
ACCOUNTS = {
    "K1": ("key_account", "finance", 5_000.0, 12, "M1", None),  # stays on the list
    "K2": ("key_account", "retail", 1_000.0, 12, "M2", None),  # under 3,000: leaves
    "K3": ("key_account", "finance", 5_000.0, 6, "M1", "2025-06-15"),  # churned: leaves
    "B1": ("business", "retail", 4_000.0, 12, "M1", None),  # 3,000 and more: enters
    "B2": ("business", "government", 500.0, 12, "M2", None),  # important: enters
    "A1": ("business", "retail", 2_000.0, 5, "M2", "2025-05-10"),  # left after M-old
    "A2": ("business", "retail", 2_000.0, 12, "M2", None),  # stayed after M-old
    "N1": ("business", "retail", 800.0, 12, None, None),  # no manager
}


def _book(*, assignments: bool = True, contracts: bool = True) -> kamlib.Book:
    acc = pd.DataFrame(
        [
            {
                "account_id": a,
                "name": f"Account {a}",
                "branch": "Suzhou",
                "customer_type": t,
                "industry": ind,
                "account_manager": m,
                "join_date": "2020-01-01",
                "status": "churned" if out else "active",
                "churn_date": out,
            }
            for a, (t, ind, _, _, m, out) in ACCOUNTS.items()
        ]
    )
    bill = pd.DataFrame(
        [
            {"account_id": a, "month": MONTHS[i], "product": "mobile", "revenue": v}
            for a, (_, _, v, n, _, _) in ACCOUNTS.items()
            for i in range(n)
        ]
    )
    tables: dict = {"accounts": acc, "billing": bill}
    if assignments:
        rows = [
            # M-old looked after A1 and A2 and left on 31 March
            ("A1", "M-old", "2023-01-01", "2025-03-31", "manager_left"),
            ("A1", "M2", "2025-04-01", "2025-05-10", "account_left"),
            ("A2", "M-old", "2023-01-01", "2025-03-31", "manager_left"),
            ("A2", "M2", "2025-04-01", None, None),
        ] + [
            (a, m, "2020-01-01", out, "account_left" if out else None)
            for a, (_, _, _, _, m, out) in ACCOUNTS.items()
            if m and a not in ("A1", "A2")
        ]
        tables["assignments"] = pd.DataFrame(
            rows, columns=["account_id", "account_manager", "start", "end", "reason"]
        )
    if contracts:
        tables["contracts"] = pd.DataFrame(
            {
                "account_id": ["K1", "B1", "A2"],
                "start": ["2025-01-01", "2025-01-01", "2023-01-01"],
                "end": ["2027-01-01", "2026-01-01", "2025-06-30"],
                "investment": [100_000.0, 10_000.0, 50_000.0],
                "expected_revenue": [50_000.0, 60_000.0, 10_000.0],
            }
        )
    return kamlib.Book.from_frames(**tables, as_of="2025-12-31")


def _metrics(book: kamlib.Book) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return kamlib.build_report(book, "Suzhou").metrics


def test_the_key_account_figures_by_hand():
    m = _metrics(_book())
    # 12 months of billing: last year's list is the recorded key accounts K1, K2, K3; this
    # year's: K1 (5,000 a month), B1 (4,000) and B2 (government: important whatever it
    # spends). Entered: B1, B2; left: K2 (1,000 a month) and K3 (churned).
    assert m["key_accounts_entered"] == 2
    assert m["key_accounts_left"] == 2
    # N1 is an active business account with no manager
    assert m["accounts_without_manager"] == 1
    # M-old left on 31 March; A1 left on 10 May, within six months: its bill of 2,000 a
    # month for a year, 24,000; A2 stayed
    assert m["revenue_lost_after_manager_left"] == pytest.approx(24_000)
    # no cost table: contracts judged on revenue. K1 promises 50,000 for 100,000
    # invested (short); B1 60,000 for 10,000 (pays back); A2's ended in June with
    # 10,000 for 50,000 (short)
    assert m["contracts_not_paying_back"] == 2


def test_without_history_or_contracts_the_figures_are_null():
    m = _metrics(_book(assignments=False, contracts=False))
    assert m["revenue_lost_after_manager_left"] is None
    assert m["contracts_not_paying_back"] is None
    # the list and the managers need neither table
    assert m["key_accounts_entered"] == 2 and m["accounts_without_manager"] == 1


def test_without_managers_the_count_is_null():
    book = _book(assignments=False)
    acc = book.accounts.drop(columns=["account_manager"])
    bare = kamlib.Book.from_frames(
        accounts=acc, billing=book.billing, contracts=book.contracts, as_of="2025-12-31"
    )
    assert _metrics(bare)["accounts_without_manager"] is None


def test_the_payback_headline_is_of_the_running_contracts():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = kamlib.build_report(_book(), "Suzhou")
    section = r.section("key_accounts")
    table = next(t for t in section.tables if t.name == "Contract payback")
    # running at 31 December: K1 (short by 100,000 - 50,000) and B1 (pays back)
    assert table.title.startswith("1 of 2 running key-account contracts will not pay back")
    assert "50 k CNY short" in table.title
    assert list(table.frame.index) == ["K1"]
    # A2's ended: said apart, 50,000 - 10,000 short
    assert "1 of the 1 contract that has ended did not pay back" in " ".join(section.sentences)
