"""The watch list (kamlib.watchlist): the churn-risk model, its validation and its list.

The AUC is checked against scipy's Mann-Whitney U on the same scores; the signals against
data altered after the cutoff (no leakage); the model under the null (churners and churn
dates drawn at random: the AUC falls to about 0.5 and the list is not shown); the
broken promises and survey signals against counts made by hand on a tiny book.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import mannwhitneyu

import kamlib
from kamlib.watchlist import ChurnRisk, auc_of, churn_risk, signals_at, watchlist_rules

START = pd.Timestamp("2025-01-01")


@pytest.fixture(scope="module")
def model(sample_book):
    return churn_risk(sample_book)


# -- the AUC ----------------------------------------------------------------------------
def test_auc_by_hand_with_ties():
    # churners 0.9 and 0.4; stayers 0.2, 0.6, 0.4: pairs won 0.9>all (3), 0.4>0.2 (1),
    # 0.4=0.4 (half) -> 4.5 of 6
    assert auc_of([0.9, 0.4, 0.2, 0.6, 0.4], [1, 1, 0, 0, 0]) == pytest.approx(4.5 / 6)
    # weights count rows twice: the same as repeating them
    w = auc_of([0.9, 0.4, 0.2, 0.6], [1, 1, 0, 0], weights=[2, 1, 1, 3])
    rep = auc_of([0.9, 0.9, 0.4, 0.2, 0.6, 0.6, 0.6], [1, 1, 1, 0, 0, 0, 0])
    assert w == pytest.approx(rep)
    assert np.isnan(auc_of([0.1, 0.2], [0, 0]))


def test_auc_is_mann_whitney_u_over_pairs(model):
    v = model.validation_scores_
    churned = v["score"][v["churned"] == 1].to_numpy()
    stayed = v["score"][v["churned"] == 0].to_numpy()
    u = mannwhitneyu(churned, stayed, alternative="two-sided").statistic
    assert model.auc_ == pytest.approx(u / (len(churned) * len(stayed)), abs=1e-12)
    lo, hi = model.auc_ci_
    assert lo < model.auc_ < hi and hi - lo < 0.2


def test_lift_and_calibration_from_the_validation_rows(model):
    v = model.validation_scores_.sort_values("score", ascending=False, kind="mergesort")
    top = v.head(int(np.ceil(len(v) / 10)))  # the first decile holds the top tenth
    assert model.lift_top_decile_ == pytest.approx(top["churned"].mean() / v["churned"].mean())
    c = model.calibration_
    assert list(c.index) == [f"D{i}" for i in range(1, 11)]
    assert int(c["rows"].sum()) == len(v) and int(c["churned"].sum()) == v["churned"].sum()
    assert c.loc["D1", "predicted_rate"] == pytest.approx(top["score"].mean())


# -- the out-of-time AUC on the sample ---------------------------------------------------
def test_out_of_time_auc_on_the_sample(model, sample_book):
    # measured 0.68 (0.64 to 0.71) on the sample operator with its tickets and surveys (0.67
    # without them); below 0.62 the model is broken
    assert model.validation_ == "out_of_time"
    assert 0.62 <= model.auc_ <= 0.78
    assert model.usable_ and model.churners_in_validation_ >= 100
    assert model.lift_top_decile_ > 1.3  # measured 1.5 (2.1 before the sample had tickets)
    b = model.by_branch_
    assert set(b.index) == set(sample_book.branches)
    assert int(b["churned"].sum()) == model.churners_in_validation_
    assert any("Validated out of time" in n for n in model.notes)


def test_validation_rows_are_before_and_after_the_training_cutoffs(model):
    # validation cutoffs: the last 3 with a fully observed horizon (July to September)
    assert sorted(model.validation_scores_["cutoff"].unique()) == [6, 7, 8]


# -- no leakage --------------------------------------------------------------------------
def _after(df: pd.DataFrame, month: pd.Timestamp) -> np.ndarray:
    return (df["month"] > month).to_numpy()


def test_signals_at_a_cutoff_ignore_what_came_after(sample_book):
    cut = pd.Timestamp("2025-06-01")
    before = signals_at(sample_book, "2025-06")
    rng = np.random.default_rng(1)
    bill = sample_book.billing.copy()
    late = _after(bill, cut)
    bill.loc[late, "revenue"] *= rng.uniform(0.1, 3, late.sum())
    bill = bill.drop(bill.index[late & (rng.random(len(bill)) < 0.3)])
    usage = sample_book.usage.copy()
    late = _after(usage, cut)
    usage.loc[late, ["forwarded_calls", "complaints"]] = 25.0
    costs = sample_book.costs.copy()
    costs.loc[_after(costs, cut), ["service_tickets", "discounts"]] = 99.0
    acc = sample_book.accounts.copy()
    # accounts that churned after the cutoff stay instead (those with a join date, so
    # their tenure does not move with their end)
    later = (
        acc["status"].eq("churned") & (acc["churn_date"] > cut + pd.offsets.MonthEnd(0))
    ) & acc["join_date"].notna()
    assert later.sum() > 50
    acc.loc[later, ["status"]] = "active"
    acc.loc[later, ["churn_date", "churn_type", "churn_cause", "churn_cause_group"]] = None
    acc = acc.drop(columns=["tenure_months"])
    ids = acc["account_id"].iloc[:40]
    tickets = pd.DataFrame(
        {
            "ticket_id": [f"T{i}" for i in range(40)],
            "account_id": ids.to_numpy(),
            "opened": pd.Timestamp("2025-08-03 09:00"),
            "kind": "complaint",
        }
    )
    surveys = pd.DataFrame(
        {
            "account_id": ids.to_numpy(),
            "date": pd.Timestamp("2025-09-01"),
            "score": 1.0,
            "kind": "quarterly_survey",
        }
    )
    # the sample's tickets and surveys: what came after June is not known at its end, so
    # answers and closings after it are taken away (those tickets were open then), and
    # new complaints and low scores after it are added
    end = pd.Timestamp("2025-07-01")
    tk = sample_book.tickets.copy()
    tk = tk[tk["opened"] < end]
    later = tk["closed"] >= end
    tk.loc[later, "resolved"] = None
    for col in ("responded", "closed"):
        tk.loc[tk[col] >= end, col] = pd.NaT
    sv = sample_book.surveys
    changed = kamlib.Book.from_frames(
        accounts=acc,
        billing=bill,
        usage=usage,
        costs=costs,
        tickets=pd.concat([tk, tickets], ignore_index=True),
        surveys=pd.concat([sv[sv["date"] < end], surveys], ignore_index=True),
        as_of=sample_book.as_of,
    )
    assert later.sum() > 10  # tickets open across the cutoff are part of the test
    after = signals_at(changed, "2025-06")
    pd.testing.assert_frame_equal(after, before, check_dtype=False)
    # the control: the same change made in June does move the June signals
    bill2 = sample_book.billing.copy()
    bill2.loc[bill2["month"] == cut, "revenue"] *= 2
    moved = signals_at(
        kamlib.Book.from_frames(
            accounts=sample_book.accounts, billing=bill2, as_of=sample_book.as_of
        ),
        "2025-06",
    )
    assert not np.allclose(moved["bill_change"].fillna(0), before["bill_change"].fillna(0))


def test_accounts_gone_by_the_cutoff_are_not_in_it(sample_book):
    s = signals_at(sample_book, "2025-06")
    a = sample_book.accounts.set_index("account_id")
    gone = a.index[a["status"].eq("churned") & (a["churn_date"] < "2025-07-01")]
    assert len(gone) > 50 and not set(gone) & set(s.index)
    joined_later = a.index[a["join_date"] >= "2025-07-01"]
    assert not set(joined_later) & set(s.index)


# -- under the null ------------------------------------------------------------------------
def _null_book(book: kamlib.Book, seed: int) -> kamlib.Book:
    """The sample's accounts that were customers the whole year, with churners and churn
    dates drawn at random and their monthly rows ending at the drawn date, as a real
    churner's do: no signal before a cutoff says who will leave."""
    rng = np.random.default_rng(seed)
    a = book.accounts
    whole_year = (
        a["status"].eq("active") & a["churn_date"].isna() & (a["join_date"] < START)
    ).to_numpy(dtype=bool, na_value=False)
    a = a.loc[whole_year].drop(
        columns=["churn_type", "churn_cause", "churn_cause_group", "competitor", "tenure_months"]
    )
    who = rng.choice(len(a), 300, replace=False)
    status = np.array(["active"] * len(a), dtype=object)
    status[who] = "churned"
    dates = np.full(len(a), np.datetime64("NaT"), dtype="datetime64[ns]")
    dates[who] = (START + pd.to_timedelta(rng.integers(0, 365, len(who)), unit="D")).to_numpy()
    a = a.assign(status=status, churn_date=dates)
    ends = a.set_index("account_id")["churn_date"]

    def cut(df: pd.DataFrame) -> pd.DataFrame:
        df = df[df["account_id"].isin(a["account_id"])]
        e = df["account_id"].map(ends)
        return df[e.isna() | (df["month"] <= e)]

    return kamlib.Book.from_frames(
        accounts=a,
        billing=cut(book.billing),
        usage=cut(book.usage),
        costs=cut(book.costs),
        as_of=book.as_of,
    )


@pytest.mark.parametrize("seed", [0, 1])
def test_with_random_churners_the_auc_is_chance_and_the_list_is_not_shown(sample_book, seed):
    m = churn_risk(_null_book(sample_book, seed))
    # measured 0.47 to 0.53 over eight draws; the standard error is about 0.03
    assert m.auc_ == pytest.approx(0.5, abs=0.08)
    assert m.auc_ci_[0] < 0.5 < m.auc_ci_[1] or m.auc_ < 0.65
    assert not m.usable_ and m.table.empty
    assert any("not usable" in n for n in m.notes)
    assert m.churners_in_validation_ >= 30  # enough churners: it is the AUC that fails


# -- the watch list ------------------------------------------------------------------------
def test_one_row_per_active_account(model, sample_book):
    t = model.table
    active = sample_book.accounts.loc[sample_book.accounts["status"].eq("active"), "account_id"]
    assert t["account_id"].is_unique and set(t["account_id"]) == set(active)
    assert t["churn_probability"].between(0, 1).all()
    np.testing.assert_allclose(t["value_at_stake"], t["monthly_revenue"] * t["churn_probability"])
    assert t["value_at_stake"].is_monotonic_decreasing
    assert int(t["top_decile"].sum()) == int(np.ceil(len(t) / 10))
    top = t[t["top_decile"]]
    assert top["churn_probability"].min() >= t.loc[~t["top_decile"], "churn_probability"].max()
    assert model.value_at_risk_top_decile_ == pytest.approx(top["value_at_stake"].sum())
    # the monthly revenue is the mean of the last three months billed
    last3 = sample_book.billing[sample_book.billing["month"] >= "2025-10-01"]
    per = last3.groupby("account_id")["revenue"].sum() / 3
    row = t.iloc[0]
    assert row["monthly_revenue"] == pytest.approx(per[row["account_id"]])


def test_reasons_are_words_with_an_action(model):
    t = model.table
    # the riskiest accounts have a reason; an account at about the average risk need not
    # (no signal pushes it up by watchlist.yaml's min_push)
    assert t.loc[t["top_decile"].astype(bool), "reason_1"].notna().mean() > 0.9
    has = t["reason_1"].dropna()
    assert not has.str.contains(r"_|nan", regex=True).any()
    assert (t["action_1"].notna() == t["reason_1"].notna()).all()
    rules = watchlist_rules()
    monthly = t["reason_1"] == "Monthly contract"
    assert monthly.any()
    assert (t.loc[monthly, "action_1"] == rules["actions"]["contract"]["en"]).all()
    ending = t["reason_1"].str.startswith("Contract ends", na=False)
    assert t.loc[ending, "reason_1"].str.extract(r"in (\d+) month")[0].astype(float).le(3).all()


def test_a_branch_is_its_accounts_rows(model):
    w = model.branch("Suzhou")
    assert isinstance(w, kamlib.Result)
    assert (w.table["branch"] == "Suzhou").all()
    assert len(w.table) == int((model.table["branch"] == "Suzhou").sum())
    s = w.summary()["value"]
    assert s["auc"] == model.auc_
    assert s["value_at_stake"] == pytest.approx(w.table["value_at_stake"].sum())
    assert s["branch_auc"] == model.by_branch_.loc["Suzhou", "auc"]
    with pytest.raises(kamlib.DataError, match="Suzhuo"):
        model.branch("Suzhuo")


# -- what the data lack ------------------------------------------------------------------------
def test_without_monthly_tables_it_is_a_held_out_snapshot_said_in_the_notes(sample_book):
    bare = kamlib.Book.from_frames(accounts=sample_book.accounts, as_of=sample_book.as_of)
    m = churn_risk(bare)
    assert m.validation_ == "held_out"
    assert "no dates" in m.notes[0]
    said = " ".join(m.notes)
    assert "no billing table" in said or "no usage table" in said or "no dates" in said
    assert m.table.empty or m.table["churn_probability"].between(0, 1).all()


def test_without_usage_the_notes_say_which_signals_are_missing(sample_book):
    b = kamlib.Book.from_frames(
        accounts=sample_book.accounts, billing=sample_book.billing, as_of=sample_book.as_of
    )
    m = churn_risk(b)
    missing = next(n for n in m.notes if n.startswith("Not available"))
    assert "no usage table" in missing and "no costs table" in missing
    assert "forwarded_share" not in m.signals_ and "bill_change" in m.signals_


def test_a_horizon_the_data_cannot_validate_is_said(sample_book):
    m = churn_risk(sample_book, horizon_months=6)
    assert not m.usable_ and m.table.empty
    assert any("cannot be validated out of time" in n for n in m.notes)


def test_an_unknown_setting_is_a_clear_error(sample_book):
    with pytest.raises(kamlib.ConfigError, match="min_auc"):
        ChurnRisk(rules={"min_acu": 0.7}).fit(sample_book)


# -- tickets and surveys -------------------------------------------------------------------------
def _tiny() -> kamlib.Book:
    acc = pd.DataFrame(
        {
            "account_id": ["a", "b", "c"],
            "branch": "Suzhou",
            "status": "active",
            "join_date": pd.Timestamp("2020-01-01"),
        }
    )
    months = pd.date_range("2025-01-01", "2025-06-01", freq="MS")
    billing = pd.DataFrame(
        [(a, m, "mobile", 100.0) for a in "abc" for m in months],
        columns=["account_id", "month", "product", "revenue"],
    )
    t = pd.Timestamp
    tickets = pd.DataFrame(
        {
            "ticket_id": [f"T{i}" for i in range(7)],
            "account_id": ["a", "a", "a", "b", "b", "c", "c"],
            "opened": [
                t("2025-03-10 08:00"),  # fault repaired after 72 h: broken (deadline Mar 12)
                t("2025-03-20 08:00"),  # complaint answered after 30 h: broken
                t("2025-02-01 08:00"),  # complaint answered in 2 h: kept
                t("2025-03-31 12:00"),  # fault, deadline April 2: not yet known at March
                t("2025-01-15 08:00"),  # order delivered 5 days after the promise: broken
                t("2024-11-01 08:00"),  # fault broken in November: before the window
                t("2025-03-05 08:00"),  # major complaint answered late: not a general one
            ],
            "kind": ["fault", "complaint", "complaint", "fault", "order", "fault", "complaint"],
            "severity": ["general", "general", "general", "major", None, "general", "major"],
            "responded": [
                None,
                t("2025-03-21 14:00"),
                t("2025-02-01 10:00"),
                None,
                None,
                None,
                t("2025-03-09 08:00"),
            ],
            "closed": [
                t("2025-03-13 08:00"),
                t("2025-03-22"),
                t("2025-02-02"),
                t("2025-04-05"),
                t("2025-02-06"),
                t("2024-11-10"),
                t("2025-03-10"),
            ],
            "promised": [None, None, None, None, t("2025-02-01"), None, None],
        }
    )
    surveys = pd.DataFrame(
        {
            "account_id": ["a", "a", "a", "b"],
            "date": [t("2025-01-10"), t("2025-03-15"), t("2025-05-01"), t("2025-02-01")],
            "score": [4.0, 2.0, 5.0, 3.0],
            "kind": "quarterly_survey",
        }
    )
    return kamlib.Book.from_frames(
        accounts=acc, billing=billing, tickets=tickets, surveys=surveys, as_of="2025-06-30"
    )


def test_broken_promises_and_survey_scores_by_hand():
    s = signals_at(_tiny(), "2025-03")  # the window: January to March
    assert s.loc["a", "broken_promises"] == 2
    assert s.loc["b", "broken_promises"] == 1
    assert s.loc["c", "broken_promises"] == 0
    assert s.loc["a", "ticket_complaints"] == 2 and s.loc["c", "ticket_complaints"] == 1
    assert s.loc["a", "survey_score"] == 2 and s.loc["a", "survey_drop"] == 2
    assert s.loc["b", "survey_score"] == 3 and np.isnan(s.loc["b", "survey_drop"])
    assert np.isnan(s.loc["c", "survey_score"])
    april = signals_at(_tiny(), "2025-04")  # b's fault is late by April 2: now known
    assert april.loc["b", "broken_promises"] == 2
    m = churn_risk(_tiny())  # no churner at all: said, not a crash
    assert not m.usable_ and m.notes


# -- the real export ---------------------------------------------------------------------------
def test_held_out_auc_on_the_maven_export(maven_book):
    m = churn_risk(maven_book)
    # measured 0.86 (0.84 to 0.88) on a 30% held-out split
    assert m.validation_ == "held_out" and 0.8 <= m.auc_ <= 0.95
    assert m.usable_ and len(m.table) == int(maven_book.accounts["status"].eq("active").sum())
    assert "no dates" in m.notes[0]


def test_the_operator_model_is_fitted_once_per_data_and_language():
    """A report per branch reuses the operator's fit; other data, or another language
    (the notes are words), get a fit of their own; the fit is the same as a fresh one."""
    from kamlib._i18n import language
    from kamlib.watchlist import operator_model

    a = kamlib.synth(120, seed=11).book
    again = kamlib.synth(120, seed=11).book  # the same data in other objects
    other = kamlib.synth(120, seed=12).book
    m = operator_model(a)
    assert operator_model(again) is m
    assert operator_model(other) is not m
    with language("zh"):
        assert operator_model(a) is not m
    fresh = ChurnRisk().fit(a)
    pd.testing.assert_frame_equal(m.table, fresh.table)
    assert m.auc_ == fresh.auc_ or (np.isnan(m.auc_) and np.isnan(fresh.auc_))


def test_the_call_list_is_the_accounts_with_a_reason_most_at_stake_first(model, sample_book):
    """The report's watch list names only accounts with a reason to call; the large
    accounts with no reason that it leaves out are counted in a sentence."""
    t = model.table
    assert (t["on_call_list"] == t["reason_1"].notna()).all()
    p = t["churn_probability"].to_numpy()
    np.testing.assert_allclose(t["risk_vs_average"], p / p.mean())
    report = kamlib.build_report(sample_book, "Beijing")
    sec = next(s for s in report.sections if s.key == "watchlist")
    shown = next(b for b in sec.blocks if getattr(b, "name", "") == "Watch list").frame
    mine = t[(t["branch"] == "Beijing") & t["reason_1"].notna()]
    mine = mine.sort_values("value_at_stake", ascending=False).head(20)
    assert list(shown.index) == list(mine["account_id"])
    beijing = t[t["branch"] == "Beijing"]
    quiet = beijing["reason_1"].isna() & (beijing["value_at_stake"] > mine["value_at_stake"].min())
    said = [b.text for b in sec.blocks if "only because" in getattr(b, "text", "")]
    assert said and said[0].startswith(f"{int(quiet.sum())} accounts have more revenue at stake")
