"""The operator's totals and KPIs from its branches seen one at a time
(:func:`kamlib.decisions.operator_parts`, :func:`kamlib.decisions.operator_summary_from_parts`).

Each branch's book is built from that branch's rows only, as a prepared branch is read
back (``_load_prepared``): nothing of the whole operator but its settings and its billing
months. The expected values are the whole operator's, computed on its whole book by the
analyses the first screen's KPIs are defined by (billing sums, :func:`kamlib.customer_pnl`,
:func:`kamlib.churn_rates`, the accounts' scores), not by the parts.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

import kamlib
from kamlib._book import OPTIONAL_TABLES
from kamlib._settings import settings
from kamlib.decisions import (
    _halves,
    operator_kpis,
    operator_parts,
    operator_summary,
    operator_summary_from_parts,
)

#: a cost model of its own: other rates, and one branch's visits at twice the rate
COSTS: dict[str, Any] = {
    "currency": "CNY",
    "drivers": {
        "service_tickets": {"kind": "quantity", "rate": 95, "unit": "ticket"},
        "field_visits": {"kind": "quantity", "rate": 610, "unit": "visit"},
        "am_hours": {"kind": "quantity", "rate": 240, "unit": "hour"},
        "network": {"kind": "amount"},
        "discounts": {"kind": "amount"},
        "subsidies": {"kind": "amount"},
        "bad_debt": {"kind": "amount"},
        "acquisition_retention": {"kind": "amount"},
    },
    "branches": {"Mid": {"field_visits": 1220}, "Suzhou": {"am_hours": 400}},
}


def _settings_of(book: kamlib.Book) -> dict[str, Any]:
    return {
        "name": book.name,
        "currency": book.currency,
        "as_of": book.as_of,
        "source": book.source,
        "observed_from": book.observed_from,
        "revenue_basis": book.revenue_basis,
        "assumed": dict(book.assumed),
        "computed": dict(book.computed),
    }


def _frames(book: kamlib.Book, ids: pd.Series | None = None) -> dict[str, pd.DataFrame]:
    """The book's tables (of the accounts ``ids`` only), as plain frames."""
    out = {}
    for t in ("accounts", *OPTIONAL_TABLES):
        df = getattr(book, t)
        if isinstance(df, pd.DataFrame):
            out[t] = df if ids is None else df.loc[df["account_id"].isin(ids)]
    return {t: df.reset_index(drop=True) for t, df in out.items() if len(df) or t == "accounts"}


def branch_books(book: kamlib.Book) -> list[kamlib.Book]:
    """One book per branch from its rows only, with the operator's settings (as
    ``kamlib._io._load_prepared`` builds a prepared branch): no ``operator``, no
    ``whole``."""
    out = []
    for name in book.branches:
        ids = book.accounts.loc[book.accounts["branch"] == name, "account_id"]
        b = kamlib.Book.from_frames(**_frames(book, ids), **_settings_of(book))
        assert b.operator is None and b.whole is None
        out.append(b)
    return out


def rebuilt(book: kamlib.Book, **changed: pd.DataFrame | None) -> kamlib.Book:
    """The whole operator again, validated, with some tables changed (None: dropped)."""
    frames: dict[str, Any] = {**_frames(book), **changed}
    return kamlib.Book.from_frames(
        **{t: df for t, df in frames.items() if df is not None}, **_settings_of(book)
    )


def whole_book_kpis(book: kamlib.Book, cost_model: Any = None) -> dict[str, float | None]:
    """The operator's KPIs over its whole book, each from its definition on the first
    screen (the oracle: no parts, no helper of kamlib.decisions)."""
    least = int(settings("churn")["min_accounts"])
    source = book.revenue_source()
    out: dict[str, float | None] = dict.fromkeys(
        ("revenue", "revenue_growth", "arpu", "profit", "margin"), None
    )
    if book.has("billing"):
        bill = book.billing
        out["revenue"] = float(bill["revenue"].sum())
        halves = _halves(book.months())
        if halves:
            early, late = (float(bill.loc[bill["month"].isin(h), "revenue"].sum()) for h in halves)
            out["revenue_growth"] = late / early - 1 if early > 0 else None
        out["arpu"] = float(bill["revenue"].sum()) / len(
            bill[["account_id", "month"]].drop_duplicates()
        )
    elif source == "accounts.total_revenue":
        out["revenue"] = float(book.accounts["total_revenue"].sum())
    elif source == "accounts.monthly_revenue":
        out["arpu"] = float(book.accounts["monthly_revenue"].mean())
    if book.has("costs") and source is not None:
        s = kamlib.customer_pnl(book, cost_model=cost_model).summary()["value"]
        out["profit"], out["margin"] = float(s["profit"]), float(s["margin"])

    def rate(b: kamlib.Book) -> float | None:
        t = kamlib.churn_rates(b, by=None).table
        if t.empty or t["accounts"].iloc[0] < least:
            return None
        return float(t["churned"].iloc[0] / t["accounts"].iloc[0])

    out["churn_rate"] = rate(book)
    out["key_account_churn_rate"] = (
        rate(book.select((book.accounts["customer_type"] == "key_account").to_numpy()))
        if "customer_type" in book.accounts
        else None
    )
    acc = book.accounts
    now = acc.loc[(acc["status"] != "churned").to_numpy(dtype=bool, na_value=True)]
    mean = now["satisfaction"].mean() if "satisfaction" in acc else math.nan
    out["satisfaction"] = None if pd.isna(mean) else float(mean)
    return {k: (None if v is None or math.isnan(v) else v) for k, v in out.items()}


def same(got: dict[str, Any], expected: dict[str, Any]) -> None:
    """Equal: counts exactly, floats to 1e-9, None where None."""
    assert set(got) == set(expected)
    for k, want in expected.items():
        if isinstance(want, dict):
            same(got[k], want)
        elif want is None:
            assert got[k] is None, k
        elif isinstance(want, int):
            assert got[k] == want and isinstance(got[k], int), k
        else:
            assert got[k] == pytest.approx(want, rel=1e-9, abs=1e-9), k


def check(book: kamlib.Book, cost_model: Any = None) -> dict[str, Any]:
    """The parts of the branch books, summed, are the whole book's summary."""
    parts = [
        operator_parts(b, months=book.months(), cost_model=cost_model) for b in branch_books(book)
    ]
    parts = json.loads(json.dumps(parts, allow_nan=False))  # as written to a manifest
    got = operator_summary_from_parts(parts)
    want = {**book.totals(), "kpis": whole_book_kpis(book, cost_model)}
    same(got, want)
    # and the whole book through its own path (the book as one part) agrees
    same(got, operator_summary(book, cost_model=cost_model))
    return got


@pytest.fixture(scope="module")
def sample() -> kamlib.Book:
    return kamlib.load(kamlib.sample_path())


@pytest.fixture(scope="module")
def three() -> kamlib.Book:
    """A generated operator with a tiny branch (fewer accounts than min_accounts)."""
    return kamlib.synth(3000, seed=11, branches={"Big": 0.7, "Mid": 0.295, "Tiny": 0.005}).book


def test_sample_operator(sample: kamlib.Book) -> None:
    got = check(sample)
    assert all(v is not None for v in got["kpis"].values())


def test_sample_operator_own_cost_model(sample: kamlib.Book) -> None:
    got = check(sample, COSTS)
    # the model is used: another profit than the bundled model's
    assert got["kpis"]["profit"] != pytest.approx(operator_kpis(sample)["profit"], rel=1e-6)


def test_tiny_branch(three: kamlib.Book) -> None:
    least = int(settings("churn")["min_accounts"])
    tiny = three.branch("Tiny")
    assert len(tiny.accounts) < least  # counts, no rate of its own
    got = check(three)
    assert got["kpis"]["churn_rate"] is not None
    check(three, COSTS)  # Mid's own visit rate


def test_branch_without_some_months(three: kamlib.Book) -> None:
    """Mid is billed in no January (its own first month is February) and in no June, Tiny
    in no month at all: churn still counts from the operator's observation start, growth
    compares the operator's halves, and Tiny's accounts have revenue 0."""
    bill, costs = three.billing, three.costs
    branch = three.accounts.set_index("account_id")["branch"]
    of = bill["account_id"].map(branch).to_numpy()
    month = bill["month"].dt.month.to_numpy()
    drop = ((of == "Mid") & np.isin(month, [1, 6])) | (of == "Tiny")
    cost_of = costs["account_id"].map(branch).to_numpy()
    book = rebuilt(
        three,
        billing=bill.loc[~drop].reset_index(drop=True),
        costs=costs.loc[cost_of != "Tiny"].reset_index(drop=True),
    )
    mid = next(b for b in branch_books(book) if b.branches == ["Mid"])
    assert mid.observation_start() > book.observation_start()  # what the case is about
    acc = mid.accounts
    # churners of January: outside the window from the branch's own start, not the operator's
    assert (acc["churn_date"] < mid.observation_start()).sum() > 0
    assert len(book.months()) == 12
    check(book)
    check(book, COSTS)


def test_few_key_accounts_no_rate() -> None:
    """An operator with fewer key accounts than min_accounts in all: no rate (None), even
    though the branches' counts add up."""
    book = kamlib.synth(150, seed=3, branches={"A": 0.5, "B": 0.5}).book
    keys = book.select((book.accounts["customer_type"] == "key_account").to_numpy())
    assert 0 < len(keys.accounts) < int(settings("churn")["min_accounts"])
    got = check(book)
    assert got["kpis"]["key_account_churn_rate"] is None


def test_without_billing_or_costs(sample: kamlib.Book) -> None:
    """No billing, a monthly charge per account (one branch's unknown) and no costs:
    revenue and profit are None, ARPU the mean monthly charge."""
    acc = sample.accounts.copy()
    m = sample.monthly_revenue()
    acc["monthly_revenue"] = m.to_numpy()
    acc.loc[acc["branch"] == "Hanzhong", "monthly_revenue"] = np.nan
    book = rebuilt(sample, accounts=acc, billing=None, costs=None)
    assert book.revenue_source() == "accounts.monthly_revenue"
    got = check(book)
    k = got["kpis"]
    assert k["revenue"] is None and k["profit"] is None and k["revenue_growth"] is None
    assert k["arpu"] is not None and got["revenue"] is not None


def test_total_revenue_with_costs(sample: kamlib.Book) -> None:
    """No billing, a total revenue per account known in some branches only, and costs:
    the P&L counts the accounts with a revenue; the others' costs are not in profit."""
    acc = sample.accounts.copy()
    acc["total_revenue"] = sample.period_revenue().to_numpy()
    acc.loc[acc["branch"].isin(["Hanzhong", "Suzhou"]), "total_revenue"] = np.nan
    book = rebuilt(sample, accounts=acc, billing=None)
    assert book.revenue_source() == "accounts.total_revenue"
    got = check(book)
    assert got["kpis"]["profit"] is not None and got["kpis"]["arpu"] is None
    check(book, COSTS)


def test_parts_of_other_months_refused(sample: kamlib.Book) -> None:
    b = branch_books(sample)
    months = sample.months()
    parts = [operator_parts(b[0], months=months), operator_parts(b[1], months=months[1:])]
    with pytest.raises(ValueError, match="different months"):
        operator_summary_from_parts(parts)
    with pytest.raises(ValueError, match="no parts"):
        operator_summary_from_parts([])
