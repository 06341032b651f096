"""Churn drivers claim only what the data show (issue 15): tenure at the window start,
separation and collinearity caught, events per parameter, named baselines, kept columns
as drivers, no warnings printed, and rare claims under the null."""

from __future__ import annotations

import dataclasses
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.multitest import multipletests

import kamlib
from kamlib import churn as C

START, END = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31")


def _window_book(n: int = 2000, *, seed: int = 0, extra: dict | None = None) -> kamlib.Book:
    """A book whose churn does not depend on tenure at all: accounts joined up to 4 years
    before the window (2024), each churns with probability 0.3 at a uniform time inside
    it, and is billed in the months it was a customer."""
    rng = np.random.default_rng(seed)
    join = START - pd.to_timedelta(rng.uniform(30, 4 * 365, n).round(), unit="D")
    churned = rng.random(n) < 0.3
    churn_date = START + pd.to_timedelta(rng.uniform(20, 350, n).round(), unit="D")
    acc = pd.DataFrame(
        {
            "account_id": [f"a{i}" for i in range(n)],
            "branch": "X",
            "join_date": join,
            "status": np.where(churned, "churned", "active"),
            "churn_date": pd.Series(churn_date).where(churned),
            "contract": rng.choice(["monthly", "one_year", "two_year"], n),
            **(extra or {}),
        }
    )
    months = pd.date_range(START, END, freq="MS")
    last = np.where(churned, churn_date.month, 12)
    rows = [
        (a, m, "voice", 100.0)
        for a, k in zip(acc["account_id"], last, strict=True)
        for m in months[:k]
    ]
    billing = pd.DataFrame(rows, columns=["account_id", "month", "product", "revenue"])
    return kamlib.Book.from_frames(accounts=acc, billing=billing, as_of=END)


def _quiet(call):
    """``call()`` while recording every warning; returns the result and the warnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = call()
    return out, caught


def _text(d: C.ChurnDrivers) -> str:
    return " ".join([d.reading, *d.notes])


# -- 1. tenure at the start of the window ----------------------------------------------
def test_tenure_is_measured_at_the_window_start_not_at_exit():
    book = _window_book()
    acc = book.accounts
    y = (acc["status"] == "churned").astype(int).to_numpy()
    # the trap is real: tenure at exit (churners stop accruing it) "moves" churn
    at_exit = sm.Logit(y, sm.add_constant(acc["tenure_months"] / 12)).fit(disp=False)
    assert at_exit.pvalues.iloc[1] < 1e-6 and at_exit.params.iloc[1] < 0
    d = C.churn_drivers(book)
    t = d.table
    assert "tenure_at_start_years" in t.index
    assert "tenure (years)" not in t.index
    assert t.loc["tenure_at_start_years", "p_value"] > 0.05
    assert not t["significant"].any(), d.reading
    # the measure itself, by hand: months from joining to the first billing month
    by_hand = (START - acc["join_date"]).dt.days / (365.25 / 12) / 12
    X = pd.DataFrame({"tenure": by_hand})
    X["one_year"] = (acc["contract"] == "one_year").astype(float)
    X["two_year"] = (acc["contract"] == "two_year").astype(float)
    ref = sm.Logit(y, sm.add_constant(X)).fit(disp=False)
    assert t.loc["tenure_at_start_years", "odds_ratio"] == pytest.approx(
        math.exp(ref.params["tenure"]), rel=1e-6
    )
    assert any("start of the observation window" in n for n in d.notes)


def test_accounts_that_joined_during_the_window_count_zero_and_are_flagged():
    book = _window_book(600, seed=3)
    acc = book.accounts.copy()
    acc.loc[:99, "join_date"] = START + pd.Timedelta(days=40)  # joined inside the window
    acc.loc[:99, "churn_date"] = acc.loc[:99, "churn_date"].where(
        acc.loc[:99, "churn_date"] > START + pd.Timedelta(days=60), START + pd.Timedelta(days=90)
    )
    book = dataclasses.replace(book, accounts=acc)
    tenure, _ = C._tenure_at_start(book, C.churn_base(book, True))
    assert (tenure.iloc[:100] == 0).all() and (tenure.iloc[100:] > 0).all()
    d = C.churn_drivers(book)
    assert "joined_in_window: yes" in d.table.index
    assert d.table.loc["joined_in_window: yes", "baseline"] == "no"


def test_no_observation_start_leaves_tenure_out_with_a_note(sample_book):
    bare = kamlib.Book.from_frames(accounts=sample_book.accounts)  # no billing months
    d = C.churn_drivers(bare)
    assert not any("tenure" in str(i) for i in d.table.index)
    assert any("Tenure is left out of the drivers" in n for n in d.notes)


# -- 2. separation, non-convergence, duplicates ----------------------------------------
def _separated_book() -> kamlib.Book:
    rng = np.random.default_rng(7)
    n = 1200
    churned = rng.random(n) < 0.25
    contract = rng.choice(np.array(["monthly", "one_year", "two_year"], dtype=object), n)
    contract[:40] = "multi_year"
    churned[:40] = True  # every multi-year account churned: its odds ratio is infinite
    acc = pd.DataFrame(
        {
            "account_id": [f"a{i}" for i in range(n)],
            "branch": "X",
            "status": np.where(churned, "churned", "active"),
            "contract": contract,
            "plan": contract,  # a second name for the same thing: identical dummies
            "score": churned * 10.0 + rng.normal(0, 1, n),  # separates almost perfectly
            "noise": rng.normal(0, 1, n),
        }
    )
    return kamlib.Book.from_frames(accounts=acc)


def test_separation_and_duplicates_are_caught_and_said_never_nan_or_inf():
    d, caught = _quiet(lambda: C.churn_drivers(_separated_book()))
    assert not caught  # nothing printed
    t = d.table
    text = _text(d)
    for bad in ("nan", "inf", "e+"):
        assert bad not in text.lower().replace("infinity", ""), text
    assert np.isfinite(t[["odds_ratio", "ci_low", "ci_high", "p_value"]].to_numpy(float)).all()
    assert (t["odds_ratio"] < 1e3).all() and (t["odds_ratio"] > 1e-3).all()
    assert "score" not in t.index
    assert any(
        n.lower().startswith("score is left out of the drivers: it separates") for n in d.notes
    )
    assert not any(str(i).startswith("plan: ") for i in t.index)  # the duplicate is gone
    assert any("plan: " in n.lower() and "duplicates contract: " in n.lower() for n in d.notes)
    assert "contract: multi_year" not in t.index  # all churned: pooled, said
    assert any("Multi-year" in n and "pooled" in n for n in d.notes)  # in words
    assert any("the 40 accounts in “other” are left out of the fit" in n for n in d.notes)
    assert d.n_ == 1200 - 40
    assert len(t[t.index.str.startswith("contract: ")]) == 2  # the contract itself stays
    assert d.fit_.mle_retvals["converged"]


def test_independent_columns_are_not_taken_for_twins():
    rng = np.random.default_rng(4)
    a = np.repeat([0.0, 1.0], 50)  # two dummies, both half ones: standardised to +-1
    X = pd.DataFrame({"a": a, "b": rng.permutation(a), "a again": a, "not a": 1 - a})
    X["sum"] = X["a"] + 2 * X["b"]
    kept, notes = C._independent(X)
    assert kept == ["a", "b"]
    assert notes[0].startswith("a again is left out of the drivers: it duplicates a,")
    assert notes[1].startswith("not a is left out of the drivers: it duplicates a,")
    assert notes[2].startswith("sum is left out of the drivers: it is a combination")


def test_a_fit_that_cannot_be_made_says_so_in_words():
    book = _separated_book()
    acc = book.accounts[["account_id", "branch", "status", "score"]]
    d = C.churn_drivers(kamlib.Book.from_frames(accounts=acc))
    assert d.fit_ is None and d.table.empty
    assert d.reading.startswith("The churn drivers are not fitted") and "nan" not in d.reading


# -- 3. events per parameter ------------------------------------------------------------
def test_at_most_one_parameter_per_ten_events():
    assert C.churn_rules()["min_events_per_parameter"] == 10
    rng = np.random.default_rng(11)
    n = 800
    churned = rng.random(n) < 0.08  # about 64 events: 6 parameters
    x = rng.normal(0, 1, (n, 9))
    strong = churned * 1.5 + rng.normal(0, 1, n)
    acc = pd.DataFrame(
        {
            "account_id": [f"a{i}" for i in range(n)],
            "branch": "X",
            "status": np.where(churned, "churned", "active"),
            "strong": strong,
            **{f"x{i}": x[:, i] for i in range(9)},
        }
    )
    d = C.churn_drivers(kamlib.Book.from_frames(accounts=acc), min_churners=20)
    events = min(int(churned.sum()), n - int(churned.sum()))
    assert len(d.table) <= events // 10 < 10
    assert "strong" in d.table.index  # the strongest variable is kept
    assert any(f"{events} events" in n and "left out" in n for n in d.notes)
    # Holm over all 10 candidates, those left out counting as p = 1
    padded = np.r_[d.table["p_value"].to_numpy(), np.ones(10 - len(d.table))]
    ref = multipletests(padded, method="holm")[1][: len(d.table)]
    np.testing.assert_allclose(d.table["p_value_holm"], ref)


def test_holm_matches_statsmodels():
    p = np.random.default_rng(2).uniform(0, 0.2, 12)
    np.testing.assert_allclose(C.holm(p), multipletests(p, method="holm")[1])


# -- 4. baselines named ------------------------------------------------------------------
def test_each_category_names_its_baseline(sample_book):
    d = C.churn_drivers(sample_book)
    t = d.table
    contract = t[t.index.str.startswith("contract: ")]
    assert len(contract) and (contract["baseline"] == "monthly").all()
    assert t.loc["satisfaction", "baseline"] is pd.NA
    assert "Contract: Two years (against Monthly)" in d.reading
    assert "Holm" in d.reading


# -- 5. kept columns are drivers, numbers as numbers -------------------------------------
def test_a_kept_numeric_column_is_a_number_and_a_driver(tmp_path: Path):
    rng = np.random.default_rng(5)
    n = 1500
    churned = rng.random(n) < 0.3
    raw = pd.DataFrame(
        {
            "Customer ID": [f"c{i}" for i in range(n)],
            "City": "X",
            "Customer Status": np.where(churned, "Churned", "Stayed"),
            "Referrals": (rng.poisson(3, n) - churned * 2).clip(0).astype(str),
            "Plan": rng.choice(["Gold", "Silver"], n),
        }
    )
    raw.loc[::50, "Referrals"] = ""  # a blank stays missing
    raw.to_csv(tmp_path / "export.csv", index=False)
    mapping = {
        "kamlib_mapping": 1,
        "tables": {
            "accounts": {
                "columns": {
                    "account_id": "Customer ID",
                    "branch": "City",
                    "status": "Customer Status",
                },
                "keep": {"Referrals": "referrals", "Plan": "plan"},
                "values": {"status": {"Stayed": "active", "Churned": "churned"}},
            }
        },
    }
    book = kamlib.load(tmp_path / "export.csv", mapping=mapping)
    assert book.accounts["referrals"].dtype == "float64"
    assert book.accounts["referrals"].isna().sum() == len(raw.loc[::50])
    d = C.churn_drivers(book)
    assert "referrals" in d.table.index and not any(
        str(i).startswith("referrals: ") for i in d.table.index
    )
    assert d.table.loc["referrals", "significant"]
    plan = d.table[d.table.index.str.startswith("plan: ")]
    base = book.accounts["plan"].value_counts().index[0]  # the most common level
    assert len(plan) == 1 and plan["baseline"].iloc[0] == base
    keep = book.accounts[["referrals"]].join(book.accounts["status"] == "churned").dropna()
    ref = sm.Logit(keep["status"].astype(int), sm.add_constant(keep["referrals"])).fit(disp=False)
    assert d.table.loc["referrals", "odds_ratio"] < 1 and ref.params["referrals"] < 0


def test_the_maven_exports_own_drivers_reach_the_reading(maven_book):
    acc = maven_book.accounts
    for c in ("referrals", "age", "total_refunds"):
        assert acc[c].dtype == "float64", c
    d, caught = _quiet(lambda: C.churn_drivers(maven_book))
    assert not caught
    t = d.table
    assert {"referrals", "age"} <= set(t.index)
    assert any(str(i).startswith("offer: ") for i in t.index)
    assert t.loc["referrals", "significant"] and t.loc["referrals", "odds_ratio"] < 1
    assert "referrals" in d.reading
    assert "nan" not in _text(d) and "inf" not in _text(d).replace("infinity", "")


# -- 6. no warning printed ----------------------------------------------------------------
def test_no_python_warning_escapes(sample_book):
    for book in (sample_book, sample_book.branch("Suzhou"), _separated_book()):
        _, caught = _quiet(lambda book=book: C.churn_drivers(book))
        assert not caught, [str(w.message) for w in caught]


# -- 7. under the null ------------------------------------------------------------------
def test_under_the_null_a_driver_is_rarely_called_significant(sample_book):
    """Churn labels permuted 200 times over one branch: a significant driver in at most
    20 runs (5% nominal; P(X > 20) < 0.002 for Binomial(200, 0.05))."""
    b = sample_book.branch("Suzhou")
    cols = ["account_id", "branch", "status", "churn_date", "contract", "customer_type"]
    acc = b.accounts[[*cols, "satisfaction"]].copy()
    acc["region"] = np.random.default_rng(1).choice(list("ABCD"), len(acc))
    base = kamlib.Book.from_frames(accounts=acc)
    rng = np.random.default_rng(2026)
    claims = 0
    for _ in range(200):
        p = rng.permutation(len(acc))
        a = base.accounts.copy()
        for c in ("status", "churn_date"):
            a[c] = base.accounts[c].to_numpy()[p]
        d = C.churn_drivers(dataclasses.replace(base, accounts=a), min_churners=20)
        claims += bool(d.table["significant"].any()) if len(d.table) else 0
    assert claims <= 20, claims
