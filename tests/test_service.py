"""Service promises, complaints, satisfaction over time and churn after poor service.

Every expected figure is worked out by hand from the small books below (the working is in
the comments) or computed here with another library (scipy, statsmodels' formula API);
the trend and the rate ratio are tested under the null: their claims are rarely made when
nothing is there.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import kamlib
from kamlib.service import (
    BY_PROMISE_COLUMNS,
    CHANGE_COLUMNS,
    COMPARISON_COLUMNS,
    FAILED_COLUMNS,
    PROMISE_COLUMNS,
    RATE_COLUMNS,
    SCORE_COLUMNS,
    TREND_COLUMNS,
    complaint_rate,
    satisfaction_trend,
    service_churn,
    service_promises,
    service_rules,
    working_days_between,
)

AS_OF = "2026-01-01 00:00"


# ------------------------------------------------------------------ the promises, by hand
def _tickets_book() -> kamlib.Book:
    acc = pd.DataFrame(
        {
            "account_id": ["A", "B"],
            "name": ["Alpha Co", "Beta Co"],
            "branch": ["Suzhou"] * 2,
            "status": ["active"] * 2,
        }
    )
    rows = [
        # id, account, opened, kind, severity, responded, closed, resolved, promised
        # a general complaint answered in 23 h (Mon 09:00 -> Tue 08:00): kept
        (
            "c23",
            "A",
            "2025-03-03 09:00",
            "complaint",
            "general",
            "2025-03-04 08:00",
            None,
            None,
            None,
        ),
        # ... and in 25 h (-> Tue 10:00): broken, 1 h late
        (
            "c25",
            "A",
            "2025-03-03 09:00",
            "complaint",
            "general",
            "2025-03-04 10:00",
            None,
            None,
            None,
        ),
        # a major complaint opened Friday 30 May 17:00, resolved Wednesday 4 June 10:00;
        # Monday 2 June is the Dragon Boat holiday of the settings: Friday 7/24 of a day,
        # Tuesday 1, Wednesday 10/24: 1 + 17/24 = 1.7083 working days, within 3: kept
        (
            "m_ok",
            "B",
            "2025-05-30 17:00",
            "complaint",
            "major",
            None,
            "2025-06-04 10:00",
            True,
            None,
        ),
        # the same resolved Thursday 5 June 18:00: 7/24 + 1 + 1 + 18/24 = 3.0417: broken;
        # the 3 working days run out on Thursday at 17:00 (7 + 24 + 24 + 17 = 72 h): 1 h late
        (
            "m_late",
            "B",
            "2025-05-30 17:00",
            "complaint",
            "major",
            None,
            "2025-06-05 18:00",
            True,
            None,
        ),
        # an open fault opened 29 Dec 09:00: at 1 Jan 00:00 it is 63 h old, past 48: broken,
        # 15 h late
        ("f_open_late", "A", "2025-12-29 09:00", "fault", "general", None, None, None, None),
        # an open fault opened 30 Dec 09:00: 39 h old, within 48: pending
        ("f_open_ok", "A", "2025-12-30 09:00", "fault", "general", None, None, None, None),
        # an order promised for 10 June delivered 12 June 15:00: the promise ran to the end
        # of 10 June (11 June 00:00), so 39 h late
        (
            "o_late",
            "B",
            "2025-06-02 10:00",
            "order",
            None,
            None,
            "2025-06-12 15:00",
            True,
            "2025-06-10",
        ),
        # ... and one delivered 10 June 18:00: kept
        (
            "o_ok",
            "B",
            "2025-06-02 10:00",
            "order",
            None,
            None,
            "2025-06-10 18:00",
            True,
            "2025-06-10",
        ),
        # a general complaint with no recorded answer, closed after 48 h: cannot be judged
        (
            "c_noresp",
            "A",
            "2025-03-03 09:00",
            "complaint",
            "general",
            None,
            "2025-03-05 09:00",
            True,
            None,
        ),
        # ... and one closed after 20 h: the answer came no later than that: kept
        (
            "c_closed",
            "A",
            "2025-03-03 09:00",
            "complaint",
            "general",
            None,
            "2025-03-04 05:00",
            True,
            None,
        ),
        # an enquiry: no promise in the settings
        ("e", "B", "2025-03-03 09:00", "enquiry", None, None, "2025-03-03 10:00", True, None),
        # a fault closed within 10 h but not resolved: broken, though not late
        (
            "f_unres",
            "B",
            "2025-03-03 09:00",
            "fault",
            "major",
            None,
            "2025-03-03 19:00",
            False,
            None,
        ),
    ]
    cols = [
        "ticket_id",
        "account_id",
        "opened",
        "kind",
        "severity",
        "responded",
        "closed",
        "resolved",
        "promised",
    ]
    tk = pd.DataFrame(rows, columns=cols)
    return kamlib.Book.from_frames(accounts=acc, tickets=tk)


@pytest.fixture(scope="module")
def promises():
    return service_promises(_tickets_book(), as_of=AS_OF)


def _row(p, ticket):
    return p.table.set_index("ticket_id").loc[ticket]


def test_promises_table_and_status_worked_out_by_hand(promises):
    p = promises
    assert list(p.table.columns) == PROMISE_COLUMNS
    assert list(p.by_promise.columns) == BY_PROMISE_COLUMNS
    status = p.table.set_index("ticket_id")["status"].to_dict()
    assert status == {
        "c23": "kept",
        "c25": "broken",
        "m_ok": "kept",
        "m_late": "broken",
        "f_open_late": "broken",
        "f_open_ok": "pending",
        "o_late": "broken",
        "o_ok": "kept",
        "c_noresp": "not_judged",
        "c_closed": "kept",
        "e": "no_promise",
        "f_unres": "broken",
    }
    assert _row(p, "c23")["elapsed_hours"] == pytest.approx(23)
    assert _row(p, "c25")["elapsed_hours"] == pytest.approx(25)
    assert _row(p, "c25")["late_hours"] == pytest.approx(1)
    assert _row(p, "m_ok")["elapsed_working_days"] == pytest.approx(1 + 17 / 24)
    assert _row(p, "m_late")["elapsed_working_days"] == pytest.approx(2 + 25 / 24)
    assert _row(p, "m_late")["deadline"] == pd.Timestamp("2025-06-05 17:00")
    assert _row(p, "m_late")["late_hours"] == pytest.approx(1)
    assert _row(p, "f_open_late")["elapsed_hours"] == pytest.approx(63)
    assert _row(p, "f_open_late")["late_hours"] == pytest.approx(15)
    assert bool(_row(p, "f_open_late")["still_open"])
    assert _row(p, "f_open_ok")["elapsed_hours"] == pytest.approx(39)
    assert math.isnan(_row(p, "f_open_ok")["late_hours"])
    assert _row(p, "o_late")["unit"] == "promised_date"
    assert _row(p, "o_late")["deadline"] == pd.Timestamp("2025-06-11")
    assert _row(p, "o_late")["late_hours"] == pytest.approx(39)
    assert math.isnan(_row(p, "c_noresp")["elapsed_hours"])
    assert _row(p, "f_unres")["late_hours"] == pytest.approx(0)
    # an order without a severity takes the general promise; an enquiry has none
    assert _row(p, "o_ok")["severity"] == "general"
    assert pd.isna(_row(p, "e")["clock"])


def test_promises_summary_worst_and_notes(promises):
    p = promises
    s = p.summary()["value"]
    # kept: c23, m_ok, o_ok, c_closed; broken: c25, m_late, f_open_late, o_late, f_unres
    assert s["tickets"] == 12 and s["promises_kept"] == 4 and s["promises_broken"] == 5
    assert s["tickets_pending"] == 1 and s["tickets_not_judged"] == 1
    assert s["tickets_judged"] == 9
    assert math.isnan(s["kept_share"])  # 9 judged, fewer than min_tickets (20)
    by = p.by_promise.set_index(["kind", "severity"])
    assert by.loc[("complaint", "general"), ["kept", "broken", "not_judged"]].tolist() == [2, 1, 1]
    assert by.loc[("fault", "general"), ["broken", "pending"]].tolist() == [1, 1]
    w = p.worst(2)
    assert w["ticket_id"].tolist() == ["o_late", "f_open_late"]
    assert w["name"].tolist() == ["Beta Co", "Alpha Co"]
    assert w["late_hours"].tolist() == pytest.approx([39, 15])
    text = " ".join(p.notes)
    assert "no recorded first answer" in text and "no promise" in text
    assert "Faults repaired within 48 hours" in text
    # with a lower minimum the shares are shown: 4 of 9 judged
    low = service_promises(_tickets_book(), as_of=AS_OF, rules={"min_tickets": 1})
    assert low.summary().loc["kept_share", "value"] == pytest.approx(4 / 9)
    assert low.summary().loc["complaint_kept_share", "value"] == pytest.approx(3 / 5)


def test_as_of_defaults_to_the_end_of_the_data_and_cuts_the_future():
    b = _tickets_book()
    p = service_promises(b)
    # the latest time in the tickets table: f_open_ok opened 30 Dec 09:00; at that moment
    # f_open_late (opened 29 Dec 09:00) is 24 h old: pending
    assert p.as_of == pd.Timestamp("2025-12-30 09:00")
    assert _row(p, "f_open_late")["status"] == "pending"
    # judged on 4 March 2025 12:00: later tickets are left out; m_late etc. not opened yet;
    # c_noresp was still open (closed on the 5th) and its answer unrecorded: not judged
    early = service_promises(b, as_of="2025-03-04 12:00")
    assert set(early.table["ticket_id"]) == {"c23", "c25", "c_noresp", "c_closed", "e", "f_unres"}
    assert _row(early, "c_noresp")["status"] == "not_judged"
    assert any("left out" in n for n in early.notes)


def test_working_days_count_holidays_and_days_worked_instead():
    # Friday 17:00 to Wednesday 10:00 with no holiday: 7/24 + 1 + 1 + 10/24
    none = {"working_days": {"holidays": [], "extra_working_days": []}}
    assert working_days_between("2025-03-07 17:00", "2025-03-12 10:00", rules=none) == (
        pytest.approx(2 + 17 / 24)
    )
    # across Monday 2 June 2025 (a holiday of the bundled settings): one day less
    assert working_days_between("2025-05-30 17:00", "2025-06-04 10:00") == pytest.approx(
        1 + 17 / 24
    )
    # Sunday 28 September 2025 is worked instead of a holiday (调休): Friday 26th 17:00 to
    # Monday 29th 10:00 is 7/24 + 1 (the Sunday) + 10/24
    assert working_days_between("2025-09-26 17:00", "2025-09-29 10:00") == pytest.approx(
        1 + 17 / 24
    )
    assert working_days_between("2025-09-26 17:00", "2025-09-29 10:00", rules=none) == (
        pytest.approx(17 / 24)
    )
    # opened on a Saturday: the clock starts on Monday; a six-day week counts Saturday
    assert working_days_between("2025-03-08 10:00", "2025-03-10 12:00", rules=none) == (
        pytest.approx(0.5)
    )
    six = {"working_days": {"weekmask": "1111110", "holidays": [], "extra_working_days": []}}
    assert working_days_between("2025-03-08 10:00", "2025-03-10 12:00", rules=six) == (
        pytest.approx(14 / 24 + 0.5)
    )


def test_a_deadline_reached_at_a_days_end_runs_to_the_next_working_day():
    # a major complaint opened Monday 3 March 2025 00:00: 3 working days end with
    # Wednesday; the weekend does not count, so a closing on Thursday 00:00 is kept and
    # one at Thursday 00:01 is not. Opened Wednesday 5 March 00:00: Wed, Thu, Fri, so the
    # deadline is Monday 10 March 00:00 and a closing on Sunday is kept.
    acc = pd.DataFrame({"account_id": ["A"], "branch": ["S"], "status": ["active"]})
    tk = pd.DataFrame(
        {
            "ticket_id": ["a", "b", "c"],
            "account_id": ["A"] * 3,
            "opened": ["2025-03-03 00:00", "2025-03-03 00:00", "2025-03-05 00:00"],
            "kind": ["complaint"] * 3,
            "severity": ["major"] * 3,
            "closed": ["2025-03-06 00:00", "2025-03-06 00:01", "2025-03-09 15:00"],
        }
    )
    p = service_promises(kamlib.Book.from_frames(accounts=acc, tickets=tk), as_of=AS_OF)
    t = p.table.set_index("ticket_id")
    assert t["status"].tolist() == ["kept", "broken", "kept"]
    assert t.loc["c", "deadline"] == pd.Timestamp("2025-03-10")


def test_settings_are_checked():
    with pytest.raises(kamlib.ConfigError, match="min_ticket"):
        service_rules({"min_ticket": 3})
    with pytest.raises(kamlib.ConfigError, match="delivery clock is for orders"):
        service_rules(
            {"promises": {"fault": {"general": {"clock": "delivery", "within": 1, "unit": "days"}}}}
        )
    with pytest.raises(kamlib.ConfigError, match="weekmask"):
        service_rules({"working_days": {"weekmask": "11111"}})


# --------------------------------------------------------------------- complaint rate
def _complaints_book() -> kamlib.Book:
    """Q1-Q3 2025. A: a customer throughout; B: churned 15 Feb (Q1 only); C: joined 1 Aug
    (Q3 only); D: churned 10 Jul (Q1-Q3); E: left in 2024 (never). Active: Q1 A, B, D = 3;
    Q2 A, D = 2; Q3 A, C, D = 3. Complaints: Q1 A, A, B = 3 (100 per 100 accounts); Q2 D
    = 1 (50); Q3 A, C, C, D = 4 (133.3). A fault in Q2 is not a complaint."""
    acc = pd.DataFrame(
        {
            "account_id": list("ABCDE"),
            "branch": ["Suzhou"] * 5,
            "customer_type": ["key_account", "business", "business", "key_account", "business"],
            "status": ["active", "churned", "active", "churned", "churned"],
            "join_date": ["2020-01-01", "2020-01-01", "2025-08-01", "2020-01-01", "2020-01-01"],
            "churn_date": [None, "2025-02-15", None, "2025-07-10", "2024-12-01"],
        }
    )
    opened = [
        ("A", "2025-01-05", "complaint"),
        ("A", "2025-03-30", "complaint"),
        ("B", "2025-02-01", "complaint"),
        ("D", "2025-05-05", "complaint"),
        ("D", "2025-05-06", "fault"),
        ("A", "2025-07-01", "complaint"),
        ("C", "2025-08-02", "complaint"),
        ("C", "2025-09-02", "complaint"),
        ("D", "2025-07-02", "complaint"),
    ]
    tk = pd.DataFrame(opened, columns=["account_id", "opened", "kind"])
    tk.insert(0, "ticket_id", [f"t{i}" for i in range(len(tk))])
    return kamlib.Book.from_frames(
        accounts=acc, tickets=tk, as_of="2025-09-30", observed_from="2025-01-01"
    )


def _garwood(k: int) -> tuple[float, float]:
    """The exact Poisson interval by root finding (not by the chi-square formula)."""
    from scipy.optimize import brentq
    from scipy.stats import poisson

    lo = 0.0 if k == 0 else brentq(lambda m: poisson.sf(k - 1, m) - 0.025, 1e-9, 100)
    hi = brentq(lambda m: poisson.cdf(k, m) - 0.025, 1e-9, 100)
    return lo, hi


def test_complaint_rate_per_100_worked_out_on_paper():
    r = complaint_rate(_complaints_book(), rules={"complaints": {"min_accounts": 1}})
    t = r.table
    assert list(t.columns) == RATE_COLUMNS and list(r.trends.columns) == TREND_COLUMNS
    assert t["period"].tolist() == ["Q1 2025", "Q2 2025", "Q3 2025"]
    assert t["accounts"].tolist() == [3, 2, 3]
    assert t["complaints"].tolist() == [3, 1, 4]
    assert t["complaining_accounts"].tolist() == [2, 1, 3]
    assert t["complaints_per_100"].tolist() == pytest.approx([100, 50, 400 / 3])
    assert not t["partial_period"].any()
    for k, n, lo, hi in zip(
        t["complaints"],
        t["accounts"],
        t["complaints_per_100_low"],
        t["complaints_per_100_high"],
        strict=True,
    ):
        glo, ghi = _garwood(int(k))
        assert lo == pytest.approx(100 * glo / n, rel=1e-6)
        assert hi == pytest.approx(100 * ghi / n, rel=1e-6)
    # the trend against a formula fit written here: counts on the period, log exposure
    import statsmodels.api as sm
    import statsmodels.formula.api as smf
    from scipy.stats import t as student

    d = pd.DataFrame({"y": [3, 1, 4], "n": [3, 2, 3], "period": [0, 1, 2]})
    fit = smf.glm("y ~ period", d, family=sm.families.Poisson(), offset=np.log(d["n"])).fit()
    phi = max(1.0, fit.pearson_chi2 / 1)
    se = fit.bse["period"] * math.sqrt(phi)
    tr = r.trends.iloc[0]
    assert tr["change_per_period"] == pytest.approx(math.expm1(fit.params["period"]))
    assert tr["p_value"] == pytest.approx(2 * student.sf(abs(fit.params["period"]) / se, 1))
    assert tr["direction"] == "no_clear_trend"  # three periods prove nothing
    s = r.summary()["value"]
    assert s["complaints"] == 8
    assert s["complaints_per_100_first"] == pytest.approx(100)
    assert s["complaints_per_100_last"] == pytest.approx(400 / 3)


def test_complaint_rate_by_group_and_small_periods():
    # by customer type: key accounts A, D; business B, C. Q2: key accounts A, D (1
    # complaint), business none active
    r = complaint_rate(
        _complaints_book(), by="customer_type", rules={"complaints": {"min_accounts": 1}}
    )
    t = r.table.set_index(["period", "group"])
    assert t.loc[("Q2 2025", "key_account"), ["accounts", "complaints"]].tolist() == [2, 1]
    assert t.loc[("Q2 2025", "business"), "accounts"] == 0
    assert math.isnan(t.loc[("Q2 2025", "business"), "complaints_per_100"])
    # default min_accounts (30): counts only, and a note says so
    r30 = complaint_rate(_complaints_book())
    assert r30.table["complaints_per_100"].isna().all()
    assert any("fewer than 30 active accounts" in n for n in r30.notes)
    assert r30.trends["direction"].tolist() == ["too_few_periods"]


def test_a_period_the_data_end_inside_is_partial_and_left_out_of_the_trend():
    b = replace(_complaints_book(), as_of=pd.Timestamp("2025-09-15"))
    r = complaint_rate(b, rules={"complaints": {"min_accounts": 1}})
    assert r.table["partial_period"].tolist() == [False, False, True]
    assert r.trends.iloc[0]["periods"] == 2
    assert any("only part of Q3 2025" in n for n in r.notes)


def _flat_complaints(seed: int, accounts: int = 300, quarters: int = 8) -> pd.DataFrame:
    """Complaints of accounts with their own constant rate (gamma-distributed, so some
    complain far more than others): no trend."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(0.5, 0.6, accounts)
    counts = rng.poisson(lam[:, None] * np.ones((1, quarters)))
    i, q = np.nonzero(counts)
    rep = counts[i, q]
    i, q = np.repeat(i, rep), np.repeat(q, rep)
    starts = pd.date_range("2024-01-01", periods=quarters, freq="QS").to_numpy()
    opened = starts[q] + rng.integers(0, 90, len(i)) * np.timedelta64(1, "D")
    return pd.DataFrame(
        {
            "ticket_id": pd.array([f"t{k}" for k in range(len(i))], dtype="string"),
            "account_id": pd.array([f"a{k}" for k in i], dtype="string"),
            "opened": pd.to_datetime(opened),
            "kind": pd.array(["complaint"] * len(i), dtype="string"),
        }
    )


def test_the_complaint_trend_is_rarely_claimed_when_there_is_none():
    n = 300
    acc = pd.DataFrame(
        {
            "account_id": [f"a{k}" for k in range(n)],
            "branch": ["S"] * n,
            "status": ["active"] * n,
            "join_date": ["2020-01-01"] * n,
        }
    )
    book = kamlib.Book.from_frames(
        accounts=acc,
        tickets=_flat_complaints(0),
        as_of="2025-12-31",
        observed_from="2024-01-01",
    )
    claims = 0
    runs = 200
    for seed in range(runs):
        r = complaint_rate(replace(book, tickets=_flat_complaints(seed)))
        assert len(r.table) == 8
        claims += r.trends.iloc[0]["direction"] in ("rising", "falling")
    assert claims / runs <= 0.10, claims
    # and a real rise is found: the rate doubles over the two years
    rng = np.random.default_rng(1)
    rows = []
    for q in range(8):
        k = rng.poisson(60 * 2 ** (q / 7))
        rows += [(q, int(a)) for a in rng.integers(0, n, k)]
    rising = pd.DataFrame(
        {
            "ticket_id": pd.array([f"r{k}" for k in range(len(rows))], dtype="string"),
            "account_id": pd.array([f"a{a}" for _, a in rows], dtype="string"),
            "opened": pd.to_datetime(
                [pd.Timestamp("2024-01-15") + pd.DateOffset(months=3 * q) for q, _ in rows]
            ),
            "kind": pd.array(["complaint"] * len(rows), dtype="string"),
        }
    )
    up = complaint_rate(replace(book, tickets=rising))
    assert up.trends.iloc[0]["direction"] == "rising"
    assert any("rise for" in n for n in up.notes)


# ---------------------------------------------------------------- satisfaction trend
def _survey_book() -> kamlib.Book:
    acc = pd.DataFrame(
        {
            "account_id": list("ABCDEF"),
            "branch": ["Suzhou"] * 6,
            "customer_type": ["key_account"] * 3 + ["business"] * 3,
            "status": ["active"] * 6,
        }
    )
    # key accounts: Q1 scores 4, 5, 3 (3 answers), Q2 2, 2, 3 (3 answers);
    # business: Q1 5, 4 (2 answers: too few), Q2 1, 2, 3 (3 answers)
    rows = [
        ("A", "2025-01-10", 4),
        ("B", "2025-02-10", 5),
        ("C", "2025-03-10", 3),
        ("A", "2025-04-10", 2),
        ("B", "2025-05-10", 2),
        ("C", "2025-06-10", 3),
        ("D", "2025-01-11", 5),
        ("E", "2025-01-12", 4),
        ("D", "2025-04-11", 1),
        ("E", "2025-04-12", 2),
        ("F", "2025-04-13", 3),
    ]
    sv = pd.DataFrame(rows, columns=["account_id", "date", "score"])
    sv["kind"] = "quarterly_survey"
    return kamlib.Book.from_frames(accounts=acc, surveys=sv)


def test_satisfaction_small_samples_get_counts_and_intervals_are_t_intervals():
    from scipy import stats

    r = satisfaction_trend(
        _survey_book(), by="customer_type", rules={"satisfaction": {"min_answers": 3}}
    )
    assert list(r.table.columns) == SCORE_COLUMNS and list(r.changes.columns) == CHANGE_COLUMNS
    t = r.table.set_index(["period", "group"])
    # business in Q1: 2 answers, fewer than 3: the count, no mean, no interval
    small = t.loc[("Q1 2025", "business")]
    assert small["answers"] == 2 and small[["mean_score", "score_low", "score_high"]].isna().all()
    ka = t.loc[("Q1 2025", "key_account")]
    assert ka["mean_score"] == pytest.approx(4.0)
    lo, hi = stats.t.interval(0.95, 2, loc=4.0, scale=stats.sem([4, 5, 3]))
    assert (ka["score_low"], ka["score_high"]) == (pytest.approx(lo), pytest.approx(hi))
    # the change of key accounts, Q1 to Q2, against scipy's Welch test
    ch = r.changes.set_index("group")
    assert "business" not in ch.index  # only one period with enough answers
    w = stats.ttest_ind([2, 2, 3], [4, 5, 3], equal_var=False).confidence_interval(0.95)
    k = ch.loc["key_account"]
    assert k["score_change"] == pytest.approx(7 / 3 - 4)
    assert (k["score_change_low"], k["score_change_high"]) == (
        pytest.approx(w.low),
        pytest.approx(w.high),
    )
    assert bool(k["change_clear"]) == (w.high < 0 or w.low > 0)
    assert any("fewer than 3 answers" in n for n in r.notes)
    s = r.summary()["value"]
    assert s["answers"] == 11
    assert s["mean_score"] == pytest.approx(np.mean([4, 5, 3, 2, 2, 3, 5, 4, 1, 2, 3]))
    # the overall change: Q1 (4, 5, 3, 5, 4) to Q2 (2, 2, 3, 1, 2, 3)
    assert s["score_change"] == pytest.approx(13 / 6 - 21 / 5)


def test_satisfaction_by_tier_and_by_branch():
    b = _survey_book()
    # no spend in the data: no tiers, one group for all, said once
    r = satisfaction_trend(b, rules={"satisfaction": {"min_answers": 3}})
    assert set(r.table["group"]) == {"all"}
    assert any("no value tier" in n for n in r.notes)
    by_branch = satisfaction_trend(b, by="branch", rules={"satisfaction": {"min_answers": 3}})
    assert by_branch.table["answers"].tolist() == [5, 6]


# ------------------------------------------------------------- churn after a failure
WINDOW_START, WINDOW_END = pd.Timestamp("2025-01-01"), pd.Timestamp("2026-01-01")


def _churn_book(seed: int = 3, n: int = 60) -> kamlib.Book:
    """Accounts in two tiers (5,000 a month: crystal; 20,000: gold) and two customer
    types; some had a low score at a random date; churn is more likely after one."""
    rng = np.random.default_rng(seed)
    ids = [f"a{k:03d}" for k in range(n)]
    low_at = {}
    churn = {}
    for a in ids:
        if rng.random() < 0.5:
            low_at[a] = WINDOW_START + pd.Timedelta(days=int(rng.integers(0, 300)))
        # churn: within 6 months of the low score with probability 0.5, else 0.2 at a
        # random date in the year
        if a in low_at and rng.random() < 0.5:
            churn[a] = low_at[a] + pd.Timedelta(days=int(rng.integers(1, 150)))
        elif rng.random() < 0.25:
            churn[a] = WINDOW_START + pd.Timedelta(days=int(rng.integers(0, 364)))
        if a in churn and churn[a] >= WINDOW_END:
            del churn[a]
    acc = pd.DataFrame(
        {
            "account_id": ids,
            "name": [f"Co {a}" for a in ids],
            "branch": ["Suzhou"] * n,
            "customer_type": ["key_account" if k % 2 else "business" for k in range(n)],
            "monthly_revenue": [20_000.0 if k % 3 == 0 else 5_000.0 for k in range(n)],
            "join_date": ["2024-06-01" if k % 7 else "2025-03-01" for k in range(n)],
            "status": ["churned" if a in churn else "active" for a in ids],
            "churn_date": [churn.get(a) for a in ids],
        }
    )
    sv = pd.DataFrame(
        {
            "account_id": list(low_at),
            "date": list(low_at.values()),
            "score": [1.0] * len(low_at),
            "kind": ["call_back"] * len(low_at),
        }
    )
    # and a high score for some others (not a failure)
    sv = pd.concat(
        [
            sv,
            pd.DataFrame(
                {
                    "account_id": ids[:10],
                    "date": [WINDOW_START + pd.Timedelta(days=40)] * 10,
                    "score": [5.0] * 10,
                    "kind": ["quarterly_survey"] * 10,
                }
            ),
        ]
    ).drop_duplicates(["account_id", "date", "kind"])
    return kamlib.Book.from_frames(
        accounts=acc, surveys=sv, as_of="2025-12-31", observed_from="2025-01-01"
    )


def _account_months_by_hand(book: kamlib.Book, after: int = 6) -> pd.DataFrame:
    """Two rows per account (after a failure, other) with its months at risk and whether
    it churned there, day by day (every date here is a midnight)."""
    acc = book.accounts
    sv = book.surveys
    low = sv[sv["score"] <= 2].groupby("account_id")["date"].apply(list).to_dict()
    tier = {5_000.0: "crystal", 20_000.0: "gold"}
    rows = []
    for _, a in acc.iterrows():
        begin = max(a["join_date"], WINDOW_START)
        stop = a["churn_date"] if a["status"] == "churned" else WINDOW_END
        days = pd.date_range(begin, stop - pd.Timedelta(days=1), freq="D")
        exposed = np.zeros(len(days), dtype=bool)
        hit = False
        for f in low.get(a["account_id"], []):
            until = f + pd.DateOffset(months=after)
            exposed |= (days >= f) & (days < until)
            hit |= a["status"] == "churned" and f < stop <= until
        churned = a["status"] == "churned"
        for flag, mask, ev in ((1, exposed, hit), (0, ~exposed, churned and not hit)):
            rows.append(
                {
                    "after": flag,
                    "months": mask.sum() / (365.25 / 12),
                    "churned": int(ev),
                    "tier": tier[a["monthly_revenue"]],
                    "ctype": a["customer_type"],
                    "revenue": a["monthly_revenue"],
                }
            )
    return pd.DataFrame(rows)


def test_rate_ratio_matches_a_formula_fit_written_here():
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    book = _churn_book()
    r = service_churn(book, rules={"churn": {"min_churners": 1}})
    assert list(r.table.columns) == FAILED_COLUMNS
    assert list(r.comparison.columns) == COMPARISON_COLUMNS
    d = _account_months_by_hand(book)
    cmp = r.comparison.set_index("group")
    assert cmp.loc["after_failure", "churned"] == d.loc[d["after"] == 1, "churned"].sum()
    assert cmp.loc["other", "churned"] == d.loc[d["after"] == 0, "churned"].sum()
    assert cmp.loc["after_failure", "account_months"] == pytest.approx(
        d.loc[d["after"] == 1, "months"].sum()
    )
    d = d[d["months"] > 0]
    fit = smf.glm(
        "churned ~ after + C(tier) + C(ctype)",
        d,
        family=sm.families.Poisson(),
        offset=np.log(d["months"]),
    ).fit()
    b, se = fit.params["after"], fit.bse["after"]
    assert r.adjusted_for == ("tier", "customer_type")
    assert r.ratio_ == pytest.approx(math.exp(b), rel=1e-6)
    assert r.ci_[0] == pytest.approx(math.exp(b - 1.959963984540054 * se), rel=1e-6)
    assert r.ci_[1] == pytest.approx(math.exp(b + 1.959963984540054 * se), rel=1e-6)
    assert r.pvalue_ == pytest.approx(fit.pvalues["after"], rel=1e-6)
    # the money: observed churners after a failure, those the other rate expects
    # (observed / ratio), their mean bill x 12
    hit = d[(d["after"] == 1) & (d["churned"] == 1)]
    o = len(hit)
    assert r.summary().loc["churned_after_failure", "value"] == o
    assert r.summary().loc["revenue_lost_after_failure", "value"] == pytest.approx(
        hit["revenue"].sum() * 12
    )
    assert r.excess_ == pytest.approx(o - o / math.exp(b), rel=1e-6)
    assert r.cost_ == pytest.approx(r.excess_ * hit["revenue"].mean() * 12, rel=1e-6)
    assert r.cost_ci_[0] == pytest.approx(
        o * (1 - 1 / r.ci_[0]) * hit["revenue"].mean() * 12, rel=1e-6
    )
    assert r.claimed_ == (r.ci_[0] > 1 or r.ci_[1] < 1)


def test_few_churners_after_a_failure_get_counts_only():
    book = _churn_book()
    r = service_churn(book, rules={"churn": {"min_churners": 500}})
    assert math.isnan(r.ratio_) and not r.claimed_
    assert r.comparison["rate"].isna().all()
    assert any("too few to compare" in n for n in r.notes)
    s = r.summary()["value"]
    assert math.isnan(s["cost_of_poor_service"]) and s["churned_after_failure"] > 0


def test_the_rate_ratio_is_rarely_claimed_when_failures_are_shuffled():
    # churn independent of the scores: the low scores fall on accounts at random
    rng = np.random.default_rng(11)
    n = 400
    ids = [f"a{k:03d}" for k in range(n)]
    churn = {
        a: WINDOW_START + pd.Timedelta(days=int(rng.integers(0, 364)))
        for a in ids
        if rng.random() < 0.3
    }
    acc = pd.DataFrame(
        {
            "account_id": ids,
            "branch": ["Suzhou"] * n,
            "customer_type": ["key_account" if k % 2 else "business" for k in range(n)],
            "monthly_revenue": [20_000.0 if k % 3 == 0 else 5_000.0 for k in range(n)],
            "join_date": ["2024-01-01"] * n,
            "status": ["churned" if a in churn else "active" for a in ids],
            "churn_date": [churn.get(a) for a in ids],
        }
    )
    m = 150
    who = rng.choice(n, m, replace=False)
    sv = pd.DataFrame(
        {
            "account_id": [ids[i] for i in who],
            "date": [WINDOW_START + pd.Timedelta(days=int(d)) for d in rng.integers(0, 330, m)],
            "score": rng.choice([1.0, 2.0, 4.0, 5.0], m),
            "kind": ["call_back"] * m,
        }
    )
    book = kamlib.Book.from_frames(
        accounts=acc, surveys=sv, as_of="2025-12-31", observed_from="2025-01-01"
    )
    tiers = kamlib.value_tiers(book)
    claims = tested = 0
    runs = 200
    for seed in range(runs):
        perm = np.random.default_rng(seed).permutation(n)
        shuffled = book.surveys.assign(
            account_id=pd.array([ids[perm[i]] for i in who], dtype="string")
        )
        r = service_churn(replace(book, surveys=shuffled), tiers=tiers)
        tested += np.isfinite(r.ratio_)
        claims += r.claimed_
    assert tested >= runs * 0.9  # the ratio was estimated nearly every time
    assert claims / runs <= 0.10, claims


# ------------------------------------------------------------------ without the tables
def test_every_analysis_says_in_one_note_what_the_sample_cannot_show():
    from dataclasses import replace

    # the sample without its service tables
    book = replace(kamlib.load(kamlib.sample_path()), tickets=None, surveys=None)
    assert not book.has("tickets") and not book.has("surveys")
    for r, words in (
        (service_promises(book), "no service tickets table"),
        (complaint_rate(book), "no service tickets table"),
        (satisfaction_trend(book), "no satisfaction surveys table"),
        (service_churn(book), "neither a service tickets table nor"),
    ):
        assert len(r.notes) == 1 and words in r.notes[0], r.notes
        assert r.table.empty
        assert r.summary()["value"].isna().all()
    # the sample's satisfaction column is one score per account: said so
    assert "not over time" in satisfaction_trend(book).notes[0]


def test_on_the_sample_operator(sample_book):
    # the generator breaks about one promise in ten, most of them in the months before an
    # account churns (docs/sample.md): the analyses find both
    kept = service_promises(sample_book).summary()["value"]["kept_share"]
    assert 0.85 < kept < 0.95
    after = service_churn(sample_book)
    assert after.claimed_ and after.ratio_ > 1.5
    assert complaint_rate(sample_book).summary()["value"]["complaints"] > 1000
    assert satisfaction_trend(sample_book).summary()["value"]["answers"] > 1000


def test_each_ticket_gets_its_promise_and_each_promise_its_counts():
    """The promise of each ticket and the counts per promise, against a lookup ticket by
    ticket and a filter promise by promise on the sample's branch (a ticket of an unknown
    kind and one without a kind have no promise)."""
    from kamlib.service import service_rules

    book = kamlib.load(kamlib.sample_path()).branch("Suzhou")
    tk = book.tickets.copy()
    tk.loc[tk.index[:3], "kind"] = ["no-such-kind", None, "fault"]
    tk.loc[tk.index[2], "severity"] = None  # takes missing_severity
    book = replace(book, tickets=tk)
    cfg = service_rules(None, caller="test")
    p = service_promises(book)
    t = p.table
    for kind, sev, clock, within, unit in zip(
        t["kind"], t["severity"], t["clock"], t["within"], t["unit"], strict=True
    ):
        want = cfg["promises"].get(str(kind) if pd.notna(kind) else "None", {}).get(str(sev))
        if want is None:
            assert pd.isna(clock) and np.isnan(within) and pd.isna(unit)
        else:
            assert (
                clock == want["clock"]
                and within == float(want["within"])
                or (unit == "promised_date" and np.isnan(within))
            )
            assert unit in (want["unit"], "promised_date")
    assert t["status"].iloc[:2].tolist() == ["no_promise", "no_promise"]
    assert pd.notna(t["clock"].iloc[2])
    by = p.by_promise.set_index(["kind", "severity"])
    for (kind, sev), row in by.iterrows():
        mine = t[(t["kind"] == kind) & (t["severity"] == sev)]
        assert row["tickets"] == len(mine)
        for s in ("kept", "broken", "pending", "not_judged"):
            assert row[s] == int((mine["status"] == s).sum()), (kind, sev, s)
    assert by["tickets"].sum() > 0


def test_tickets_are_judged_once_per_moment_and_language_and_a_copy_changes_nothing():
    from kamlib._i18n import language

    book = kamlib.load(kamlib.sample_path()).branch("Suzhou")
    first = service_promises(book)
    kept = first.table.copy()
    first.table["status"] = "changed"
    again = service_promises(book)
    pd.testing.assert_frame_equal(again.table, kept)
    assert again.notes == first.notes
    with language("zh"):
        zh = service_promises(book)
    assert zh.notes != first.notes  # worded in Chinese, not taken from the English run
    pd.testing.assert_frame_equal(zh.table, kept)
    later = service_promises(book, as_of=book.as_of + pd.Timedelta(days=30))
    assert not later.table["status"].equals(kept["status"]) or len(later.table) != len(kept)
