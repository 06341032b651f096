"""Survival and churn rates claim only what the data show (issue 15).

Accounts that left before the observation window stay out; snapshot exports need an
observation start; Kaplan-Meier bands on the log-log scale with the accounts at risk;
churn rates state their period and a rate per account-year.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import kamlib
from kamlib import churn as C


def _km_at(table: pd.DataFrame, group: str, months: float) -> float:
    t = table[(table["group"] == group) & (table["months"] <= months)]
    return float(t["retained"].iloc[-1]) if len(t) else 1.0


def _km_by_hand(acc: pd.DataFrame, start: pd.Timestamp, t: float) -> float:
    """Product-limit estimate at tenure ``t`` with delayed entry: exit at the tenure of
    the data, entry at the months from joining to ``start``; at each churn tenure s <= t,
    (1 - churners at s / accounts with entry < s <= exit)."""
    days = 365.25 / 12
    churned = (acc["status"] == "churned").to_numpy()
    end = acc["churn_date"].to_numpy(dtype="datetime64[ns]")
    join = acc["join_date"].to_numpy(dtype="datetime64[ns]")
    exit_ = acc["tenure_months"].to_numpy(dtype=float)
    entry = np.clip((start.to_datetime64() - join) / np.timedelta64(1, "D") / days, 0, None)
    with np.errstate(invalid="ignore"):
        seen = ~(churned & (end < start.to_datetime64())) & np.isfinite(exit_) & (entry < exit_)
    exit_, entry, churned = exit_[seen], entry[seen], churned[seen]
    s = 1.0
    for time in np.unique(exit_[churned & (exit_ <= t)]):
        at_risk = ((entry < time) & (exit_ >= time)).sum()
        s *= 1 - ((exit_ == time) & churned).sum() / at_risk
    return s


def test_accounts_that_left_before_the_window_change_no_survival_estimate(sample_book):
    b = sample_book.branch("Hangzhou")
    # 20 business accounts that joined in 2022 and left in January 2024, a year before the
    # first billing month (2025-01): never seen at risk inside the window
    n = 20
    gone = pd.DataFrame(
        {
            "account_id": [f"OLD{i}" for i in range(n)],
            "branch": "Hangzhou",
            "customer_type": "business",
            "status": "churned",
            "join_date": pd.Timestamp("2022-06-01") + pd.to_timedelta(np.arange(n) * 9, unit="D"),
            "churn_date": pd.Timestamp("2024-01-10"),
            "churn_cause": "price",
        }
    )
    acc = pd.concat([b.accounts, gone], ignore_index=True)  # their tenure from the dates
    more = kamlib.Book.from_frames(accounts=acc, billing=b.billing, as_of=b.as_of)
    assert len(more.accounts) == len(b.accounts) + n
    rate = kamlib.churn_rates(b, by=None).table["rate"].iloc[0]
    assert kamlib.churn_rates(more, by=None).table["rate"].iloc[0] == pytest.approx(rate)
    before, after = kamlib.retention_curves(b), kamlib.retention_curves(more)
    # the old code sat each of them at risk alone at its exit: 0.49 fell to 0.15 at 24 months
    biz = b.accounts[b.accounts["customer_type"] == "business"]
    by_hand = _km_by_hand(biz, b.observation_start(), 24)
    assert _km_at(before.table, "business", 24) == pytest.approx(by_hand, rel=1e-3)
    assert _km_at(after.table, "business", 24) == pytest.approx(
        _km_at(before.table, "business", 24)
    )
    pd.testing.assert_frame_equal(before.table, after.table)
    # the sample holds some of its own (the hard cases of real exports)
    own = int(
        (
            (b.accounts["status"] == "churned")
            & (b.accounts["churn_date"] < b.observation_start())
            & b.accounts["tenure_months"].notna()
        ).sum()
    )
    assert own > 0
    assert any(f"{own} accounts that left before observation began" in s for s in before.notes)
    assert any(f"{own + n} accounts that left before observation began" in s for s in after.notes)
    inc_before, inc_after = kamlib.cumulative_incidence(b), kamlib.cumulative_incidence(more)
    pd.testing.assert_frame_equal(inc_before.table, inc_after.table)


def test_rows_whose_entry_is_not_below_their_exit_are_left_out():
    # joined 2010, observation from 2025-01: churned 2024-12 (before the window) is out
    acc = pd.DataFrame(
        {
            "account_id": ["a", "b"],
            "branch": "X",
            "status": ["churned", "active"],
            "join_date": pd.to_datetime(["2010-01-01", "2010-01-01"]),
            "churn_date": pd.to_datetime(["2024-12-31", None]),
        }
    )
    book = kamlib.Book.from_frames(accounts=acc, observed_from="2025-01-01", as_of="2025-12-31")
    d, _ = C._durations(book)
    assert d["account_id"].tolist() == ["b"]
    assert (d["entry"] < d["tenure_months"]).all()


def _snapshot(n: int = 3000, hazard: float = 0.02, seed: int = 1) -> pd.DataFrame:
    """A quarter-end snapshot: everyone who was a customer in the quarter, with tenure at
    the quarter's end (stayers) or at leaving (churners), and no dates at all.

    Accounts join uniformly over ten years before the quarter; each stays an exponential
    time (``hazard`` per month). Only those still there at the quarter's start are in the
    file, so the churners are the last quarter's only: a curve from tenure 0 is wrong.
    """
    rng = np.random.default_rng(seed)
    join = rng.uniform(-120, 3, 4 * n)  # months, the quarter is [0, 3]
    life = rng.exponential(1 / hazard, 4 * n)
    leave = join + life
    seen = leave >= 0
    join, life, leave = join[seen][:n], life[seen][:n], leave[seen][:n]
    churned = leave <= 3
    return pd.DataFrame(
        {
            "account_id": [f"c{i}" for i in range(len(join))],
            "branch": "X",
            "status": np.where(churned, "churned", "active"),
            "tenure_months": np.where(churned, life, 3 - join).round(2),
        }
    )


def test_a_snapshot_without_an_observation_start_gets_no_curve_and_says_why():
    book = kamlib.Book.from_frames(accounts=_snapshot(), as_of="2022-06-30")
    for r in (kamlib.retention_curves(book), kamlib.cumulative_incidence(book)):
        assert r.table.empty and isinstance(r, kamlib.Result)
        assert "do not say when observation began" in r.notes[0]
        assert "the mapping states no start" in r.notes[0]
    assert list(kamlib.retention_curves(book).table.columns) == [
        "group",
        "months",
        "retained",
        "ci_low",
        "ci_high",
        "at_risk",
        "accounts",
    ]


def test_a_snapshot_with_observed_from_is_left_truncated(tmp_path):
    hazard = 0.02
    snap = _snapshot(hazard=hazard)
    snap.to_csv(tmp_path / "snap.csv", index=False)
    mapping = {
        "kamlib_mapping": 1,
        "as_of": "2022-06-30",
        "observed_from": "2022-04-01",
        "tables": {
            "accounts": {
                "file": "snap.csv",
                "columns": {c: c for c in ("account_id", "branch", "status", "tenure_months")},
            }
        },
    }
    book = kamlib.load(tmp_path / "snap.csv", mapping=mapping)
    assert book.observed_from == pd.Timestamp("2022-04-01")
    curves = kamlib.retention_curves(book, min_accounts=1)
    # exponential lifetimes: the truth at 24 months is exp(-24 hazard) = 0.62
    assert _km_at(curves.table, "all", 24) == pytest.approx(math.exp(-24 * hazard), abs=0.06)
    # stayers enter at their tenure three months before the snapshot
    d, notes = C._durations(book)
    stay = d[d["event"] == 0]
    window = (pd.Timestamp("2022-07-01") - pd.Timestamp("2022-04-01")).days / (365.25 / 12)
    expected = (stay["tenure_months"] - window).clip(lower=0)
    assert np.allclose(stay["entry"], expected, atol=1e-6)
    assert any("without a churn date" in s for s in notes)


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("2022-13-01", "observed_from must be a date"),
        ("soon", "observed_from must be a date"),
        (20220401, "observed_from must be a date"),
    ],
)
def test_observed_from_is_validated_like_the_rest_of_the_mapping(tmp_path, value, match):
    pd.DataFrame({"account_id": ["a"], "branch": ["X"], "status": ["active"]}).to_csv(
        tmp_path / "a.csv", index=False
    )
    mapping = {
        "observed_from": value,
        "tables": {"accounts": {"columns": {"account_id": "account_id", "branch": "branch"}}},
    }
    mapping["tables"]["accounts"]["columns"]["status"] = "status"
    with pytest.raises(kamlib.ConfigError, match=match):
        kamlib.load(tmp_path / "a.csv", mapping=mapping)


def test_observed_from_after_the_end_is_refused():
    acc = pd.DataFrame({"account_id": ["a"], "branch": ["X"], "status": ["active"]})
    with pytest.raises(kamlib.ConfigError, match="after the end"):
        kamlib.Book.from_frames(accounts=acc, observed_from="2026-01-01", as_of="2025-12-31")


def test_observed_from_survives_writing_and_preparing(tmp_path):
    acc = pd.DataFrame(
        {"account_id": ["a"], "branch": ["X"], "status": ["active"], "tenure_months": [5.0]}
    )
    book = kamlib.Book.from_frames(accounts=acc, observed_from="2025-04-01", as_of="2025-06-30")
    kamlib.write_book(book, tmp_path / "w")
    assert kamlib.load(tmp_path / "w").observed_from == pd.Timestamp("2025-04-01")
    kamlib.prepare(book, tmp_path / "p")
    assert kamlib.load(tmp_path / "p", branch="X").observed_from == pd.Timestamp("2025-04-01")


def _tiny() -> kamlib.Book:
    acc = pd.DataFrame(
        {
            "account_id": list("abcdef"),
            "branch": "X",
            "status": ["churned", "churned", "active", "churned", "active", "churned"],
            "tenure_months": [1.0, 2.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    # observed since long before anyone joined: every account is seen from tenure 0
    return kamlib.Book.from_frames(accounts=acc, observed_from="1990-01-01", as_of="2025-12-31")


def test_kaplan_meier_band_is_log_log_by_hand():
    t = kamlib.retention_curves(_tiny(), min_accounts=1, min_at_risk=1).table
    # by hand: at risk 6, 5, 3, 1 at the event times 1, 2, 3, 5 with one churn each
    assert t["months"].tolist() == [1.0, 2.0, 3.0, 5.0]
    assert t["at_risk"].tolist() == [6, 5, 3, 1]
    surv = np.array([5 / 6, 5 / 6 * 4 / 5, 5 / 6 * 4 / 5 * 2 / 3, 0.0])
    assert np.allclose(t["retained"], surv)
    # Greenwood: var(log S) = sum d / (n (n - d)); at t = 3: 1/30 + 1/20 + 1/6 = 1/4
    greenwood = np.cumsum([1 / 30, 1 / 20, 1 / 6])
    z = 1.959963984540054
    for i in range(3):
        s, v = surv[i], greenwood[i]
        # log(-log S) +- z sqrt(v) / |log S|, mapped back through exp(-exp(.))
        theta = math.log(-math.log(s))
        half = z * math.sqrt(v) / abs(math.log(s))
        assert t["ci_low"].iloc[i] == pytest.approx(math.exp(-math.exp(theta + half)))
        assert t["ci_high"].iloc[i] == pytest.approx(math.exp(-math.exp(theta - half)))
    assert t["ci_low"].iloc[2] == pytest.approx(0.0662, abs=1e-4)  # 4/9 ** exp(1.2085)
    assert t["ci_high"].iloc[2] == pytest.approx(0.7849, abs=1e-4)
    # the linear band would reach below 0 here (4/9 - 1.96 * 4/9 * 0.5 < 0.02 is clipped)
    assert (t["ci_low"] <= t["retained"]).all() and (t["ci_high"] >= t["retained"]).all()
    assert t["ci_low"].iloc[3] == 0 and t["ci_high"].iloc[3] == 0


def test_curves_stop_where_fewer_than_min_at_risk_remain():
    assert kamlib.churn.churn_rules()["min_at_risk"] == 10
    n = 40
    acc = pd.DataFrame(
        {
            "account_id": [f"a{i}" for i in range(n)],
            "branch": "X",
            "status": ["churned", "active"] * (n // 2),
            "tenure_months": np.arange(1, n + 1, dtype=float),
        }
    )
    book = kamlib.Book.from_frames(accounts=acc, observed_from="1990-01-01", as_of="2025-12-31")
    r = kamlib.retention_curves(book)
    # churns at 1, 3, 5, ...; at risk at tenure t: the 41 - t accounts with tenure >= t;
    # the first churn with fewer than 10 at risk is at 33 (8 at risk): the curve ends at 31
    assert r.table["months"].max() == 31 and r.table["at_risk"].min() == 10
    assert r.table["at_risk"].tolist() == [41 - m for m in range(1, 32, 2)]
    assert any("fewer than 10 accounts remain at risk" in s and "33.0 months" in s for s in r.notes)
    assert kamlib.retention_curves(book, min_at_risk=3).table["months"].max() == 37
    inc = kamlib.cumulative_incidence(book)
    assert inc.table["months"].max() == 31 and (inc.table["at_risk"] >= 10).all()
    # the accounts at risk at a few tenures, drawn under the curves
    assert r.risk_table.loc["all"].tolist()[:2] == [40, 41 - 6]  # at 0 and at 6
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    r.plot(ax=ax)
    shown = {t.get_text() for t in ax.texts}
    assert {"Number at risk", "40", "35"} <= shown
    plt.close(fig)


def test_churn_rates_state_their_period_and_a_rate_per_account_year():
    old = [f"o{i}" for i in range(30)]
    acc = pd.DataFrame(
        {
            "account_id": [*old, "new", "left", "gone", "short"],
            "branch": "X",
            "status": ["active"] * 31 + ["churned"] * 3,
            "join_date": pd.to_datetime(
                ["2020-01-01"] * 30 + ["2025-07-01", "2019-01-01", "2019-01-01", "2025-03-01"]
            ),
            "churn_date": pd.to_datetime([None] * 31 + ["2025-04-01", "2024-06-01", "2025-09-01"]),
        }
    )
    book = kamlib.Book.from_frames(accounts=acc, observed_from="2025-01-01", as_of="2025-12-31")
    m = kamlib.branch_metrics(book, "X")
    assert m["period_months"] == 12
    # days inside 2025: 30 x 365 whole years; new: Jul-Dec 184; left: Jan-Mar 90;
    # short: Mar-Aug 184; gone (left in 2024) is outside the denominator
    years = (30 * 365 + 184 + 90 + 184) / 365.25
    assert m["churn_rate_per_account_year"] == pytest.approx(2 / years)
    assert m["churn_rate"] == pytest.approx(2 / 33)
    # without an observation start neither can be given
    bare = kamlib.Book.from_frames(accounts=acc.drop(columns=["join_date", "churn_date"]))
    mb = kamlib.branch_metrics(bare, "X")
    assert mb["period_months"] is None and mb["churn_rate_per_account_year"] is None
    for key in ("period_months", "churn_rate_per_account_year"):
        assert key in kamlib.report.METRICS_SCHEMA


def test_period_months_from_billing(sample_book):
    m = kamlib.branch_metrics(sample_book, "Suzhou")
    assert m["period_months"] == 12  # billing 2025-01 to 2025-12, as of 2025-12-31
    assert m["churn_rate_per_account_year"] > m["churn_rate"]  # joiners have less time


def test_churn_per_period_starts_at_the_observation_start():
    # no billing months: the periods begin at observed_from, not at the first churn, so a
    # quiet first month is a measured zero; without a start the report says so
    acc = pd.DataFrame(
        {
            "account_id": [f"a{i}" for i in range(40)],
            "branch": "X",
            "status": ["churned"] * 4 + ["active"] * 36,
            "churn_date": ["2024-02-10", "2024-02-20", "2024-03-05", "2024-03-25"] + [None] * 36,
        }
    )
    with_start = kamlib.Book.from_frames(
        accounts=acc, as_of="2024-03-31", observed_from="2024-01-01"
    )
    t = kamlib.churn_by_period(with_start, freq="M").table
    assert t.index.get_level_values("period").tolist() == ["Jan 2024", "Feb 2024", "Mar 2024"]
    assert t["churned"].tolist() == [0, 2, 2] and t["accounts"].tolist() == [40, 40, 38]
    bare = kamlib.Book.from_frames(accounts=acc, as_of="2024-03-31")
    r = kamlib.churn_by_period(bare, freq="M")
    assert r.table.index.get_level_values("period")[0] == "Feb 2024"
    assert any("do not say when observation began" in n for n in r.notes)
