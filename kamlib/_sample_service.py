"""The sample operator's service tickets and satisfaction surveys (issue 20).

Drawn after every other table, from two random streams of their own (tickets, surveys),
so no table drawn before them moves. The tickets follow what the other tables already
say: one complaint ticket per complaint counted in ``usage.complaints``, one fault per
other ticket counted in ``costs.service_tickets``, one order per product line an account
that joined during the year first bills, and a few enquiries. Each is opened on a working
day at a working-hours time within its month and within the account's life (never after
its churn day), and answered and closed so that most of the promises are kept:

- a general complaint answered within 24 hours;
- a major complaint resolved within 3 working days;
- a fault repaired within 48 hours;
- an order delivered by its promised day.

Churn is already fixed by the accounts table, so the association of service failures
with churn is *built in by conditioning on it*: promises are broken far more often in the
months before an account leaves (most often of all for accounts that leave over service)
than at other times, and survey scores are lower before churn and after a broken promise.
An analysis of churn after a broken promise finds it because it was put there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: days from an order to the delivery promised, by product line
DELIVERY_DAYS = {
    "mobile": 1,
    "broadband": 3,
    "fixed_voice": 3,
    "leased_line": 15,
    "cloud_idc": 5,
    "iot": 7,
    "ict_solution": 30,
}
#: the promises the tickets are drawn against (the sample's, not a setting of analyses)
ANSWER_HOURS = 24  # a general complaint answered
RESOLVE_WORKING_DAYS = 3  # a major complaint resolved
REPAIR_HOURS = 48  # a fault repaired
#: share of promises broken at ordinary times, by customer type (key accounts have
#: dedicated service), in the months before an account leaves, and before it leaves over
#: service itself
BROKEN = {"key_account": 0.05, "business": 0.09, "residential": 0.14}
BROKEN_BEFORE_CHURN = 0.5
BROKEN_BEFORE_SERVICE_CHURN = 0.8
#: "the months before churn": tickets opened this many days before the churn day or fewer
BEFORE_CHURN_DAYS = 120
#: share of complaints that are major, by customer type; of faults
MAJOR_COMPLAINTS = {"key_account": 0.25, "business": 0.18, "residential": 0.08}
MAJOR_FAULTS = 0.2
#: of major complaints and faults whose promise is broken: closed in time but unresolved
#: (the rest are resolved late)
UNRESOLVED = 0.25
#: enquiries per account and month, by customer type
ENQUIRIES = {"key_account": 0.15, "business": 0.05, "residential": 0.01}
#: how tickets come in, by customer type (orders: the account manager or a shop)
CHANNELS = {
    "key_account": {"account_manager": 0.55, "hotline": 0.3, "online": 0.15},
    "business": {"hotline": 0.45, "account_manager": 0.3, "online": 0.25},
    "residential": {"hotline": 0.55, "online": 0.3, "business_hall": 0.15},
}
#: the quarterly survey's panel, by customer type, and the share of the panel answering
QUARTERLY_PANEL = {"key_account": 0.85, "business": 0.15, "residential": 0.0}
QUARTERLY_ANSWER = 0.9
#: share of closed tickets (not enquiries) followed by a satisfaction call-back
CALL_BACK = {"key_account": 0.5, "business": 0.3, "residential": 0.15}
#: how far a score falls: after a broken promise (call-back on that ticket; quarterly
#: survey within 90 days of one), and in the months before churn
SCORE_NOISE = 0.6
SCORE_AFTER_BROKEN = {"call_back": 1.5, "quarterly_survey": 0.8}
SCORE_BEFORE_CHURN = 0.9

_HOUR = np.timedelta64(3600, "s").astype("timedelta64[ns]")
_DAY = np.timedelta64(1, "D").astype("timedelta64[ns]")


def _by_type(values: dict[str, float], ctype: np.ndarray) -> np.ndarray:
    return pd.Series(ctype).map(values).fillna(0.0).to_numpy(dtype=float)


def _working_time(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A working-hours time (08:30-18:00) on a day between ``lo`` and ``hi`` (days, both
    included): a working day (Monday to Friday) where the range has one."""
    lo, hi = lo.astype("datetime64[D]"), hi.astype("datetime64[D]")
    span = (hi - lo).astype(int) + 1
    day = lo + np.floor(rng.random(len(lo)) * span).astype("timedelta64[D]")
    has_weekday = np.busday_count(lo, hi + np.timedelta64(1, "D")) > 0
    for _ in range(8):  # a redraw on the few weekends, not a shift that would crowd Mondays
        redo = ~np.is_busday(day) & has_weekday
        if not redo.any():
            break
        day[redo] = lo[redo] + np.floor(rng.random(int(redo.sum())) * span[redo]).astype(
            "timedelta64[D]"
        )
    redo = ~np.is_busday(day) & has_weekday
    fwd = np.busday_offset(day, 0, roll="forward")
    day = np.where(redo & (fwd <= hi), fwd, day)
    redo = ~np.is_busday(day) & has_weekday
    day = np.where(redo, np.busday_offset(day, 0, roll="backward"), day)
    minutes = 8 * 60 + 30 + rng.integers(0, 9 * 60 + 30, len(lo))
    return day.astype("datetime64[ns]") + (minutes * 60).astype("timedelta64[s]")


def _office_between(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A working-hours time between ``lo`` and ``hi`` (times) where there is one: a day
    between them, a time of day in working hours, moved a day when it falls outside and
    at last held to the bounds."""
    hi = np.maximum(hi, lo)
    at = _working_time(rng, lo, hi)
    at = np.where((at < lo) & (at + _DAY <= hi), at + _DAY, at)
    at = np.where((at > hi) & (at - _DAY >= lo), at - _DAY, at)
    return np.minimum(np.maximum(at, lo), hi)


def _hours(x: np.ndarray) -> np.ndarray:
    """Hours as a timedelta, to the minute."""
    return (
        (np.round(np.asarray(x, dtype=float) * 60) * 60)
        .astype("timedelta64[s]")
        .astype("timedelta64[ns]")
    )


def service_tables(
    trng: np.random.Generator,
    srng: np.random.Generator,
    *,
    ids: np.ndarray,
    ctype: np.ndarray,
    join: np.ndarray,
    churned: np.ndarray,
    churn_date: np.ndarray,
    cause: np.ndarray,
    satisfaction: np.ndarray,
    alive: np.ndarray,
    tickets: np.ndarray,
    complaints: np.ndarray,
    billed: tuple[np.ndarray, np.ndarray, np.ndarray],
    products: np.ndarray,
    months: pd.DatetimeIndex,
    as_of: pd.Timestamp,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tickets (from ``trng``) and surveys (from ``srng``) of a sample operator.

    ``tickets`` and ``complaints`` are the account x month counts of the costs and usage
    tables; ``billed`` the (account, month, product) positions of the billing lines;
    ``join`` and ``churn_date`` the true dates (``churn_date`` read only where
    ``churned``); ``satisfaction`` the true scores, before the export lost some.
    """
    n = len(ctype)
    m_start = months.to_numpy().astype("datetime64[ns]")
    m_end = (months + pd.offsets.MonthEnd(0)).to_numpy().astype("datetime64[ns]")
    join = join.astype("datetime64[ns]")
    gone = np.where(churned, churn_date.astype("datetime64[ns]"), np.datetime64("NaT"))
    window = m_start[0]

    # --- what is opened, by whom, in which month ---------------------------------------
    enq = trng.poisson(_by_type(ENQUIRIES, ctype)[:, None] * np.ones(alive.shape)) * alive
    counted = np.asarray(tickets, dtype=int)
    ai, mi = np.nonzero(counted + enq)
    per = counted[ai, mi] + enq[ai, mi]
    acc = np.repeat(ai, per)
    mon = np.repeat(mi, per)
    within = np.arange(len(acc)) - np.repeat(np.cumsum(per) - per, per)
    n_comp = np.repeat(np.asarray(complaints, dtype=int)[ai, mi], per)
    n_counted = np.repeat(counted[ai, mi], per)
    kind = np.where(
        within < n_comp, "complaint", np.where(within < n_counted, "fault", "enquiry")
    ).astype(object)
    lo = np.maximum(m_start[mon], join[acc])
    hi = np.where(churned[acc], np.minimum(m_end[mon], gone[acc]), m_end[mon])
    opened = _working_time(trng, lo, hi)

    # orders: each product line billed by an account that joined during the year (its
    # lines are first billed in the month it joined), opened on the day it joined
    b_acc, _, b_prod = billed
    first = (
        pd.DataFrame({"a": b_acc, "p": b_prod})
        .drop_duplicates()
        .sort_values(["a", "p"], kind="stable")
    )
    first = first[join[first["a"].to_numpy()] >= window]
    o_acc = first["a"].to_numpy()
    o_day = join[o_acc]
    o_opened = _working_time(trng, o_day, o_day)
    o_promised = o_opened.astype("datetime64[D]") + pd.Series(products[first["p"].to_numpy()]).map(
        DELIVERY_DAYS
    ).to_numpy().astype("timedelta64[D]")

    acc = np.concatenate([acc, o_acc])
    kind = np.concatenate([kind, np.full(len(o_acc), "order", dtype=object)])
    opened = np.concatenate([opened, o_opened])
    promised = np.concatenate(
        [
            np.full(len(opened) - len(o_acc), np.datetime64("NaT"), "datetime64[ns]"),
            o_promised.astype("datetime64[ns]"),
        ]
    )
    k = len(acc)
    t = ctype[acc]
    is_c, is_f, is_o, is_e = (kind == x for x in ("complaint", "fault", "order", "enquiry"))

    # --- severity and channel -----------------------------------------------------------
    major = np.where(
        is_c, trng.random(k) < _by_type(MAJOR_COMPLAINTS, t), trng.random(k) < MAJOR_FAULTS
    )
    severity = np.full(k, None, dtype=object)
    graded = is_c | is_f
    severity[graded] = np.where(major, "major", "general")[graded]
    channel = np.empty(k, dtype=object)
    for ty, options in CHANNELS.items():
        at = t == ty
        channel[at] = np.asarray(list(options), dtype=object)[
            trng.choice(len(options), int(at.sum()), p=list(options.values()))
        ]
    shop = trng.random(k) < 0.6
    channel[is_o] = np.where(
        t[is_o] == "residential",
        np.where(shop[is_o], "business_hall", "online"),
        "account_manager",
    )

    # --- the promise, and whether it is kept ---------------------------------------------
    opened_day = opened.astype("datetime64[D]")
    time_of_day = opened - opened_day.astype("datetime64[ns]")
    resolve_by = (
        np.busday_offset(opened_day, RESOLVE_WORKING_DAYS, roll="forward").astype("datetime64[ns]")
        + time_of_day
    )
    due = np.select(
        [is_c & ~major, is_c & major, is_f, is_o],
        [
            opened + ANSWER_HOURS * _HOUR,
            resolve_by,
            opened + REPAIR_HOURS * _HOUR,
            # by the promised day: its working day's end
            promised + 18 * _HOUR,
        ],
        opened + 4 * _HOUR,
    ).astype("datetime64[ns]")
    lead = (gone[acc] - opened) / _DAY  # days to churn (NaN: the account stays)
    before_churn = churned[acc] & (lead <= BEFORE_CHURN_DAYS)
    over_service = pd.Series(cause[acc]).eq("service").to_numpy()
    p_broken = np.where(
        before_churn,
        np.where(over_service, BROKEN_BEFORE_SERVICE_CHURN, BROKEN_BEFORE_CHURN),
        _by_type(BROKEN, t),
    )
    broken = ~is_e & (trng.random(k) < p_broken)
    unresolved = broken & (is_f | (is_c & major)) & (trng.random(k) < UNRESOLVED)
    late = broken & ~unresolved
    # the measured moment (answer for a general complaint, close for the others): well
    # inside the promise when kept, after it when not
    room = (due - opened) / _HOUR
    share = np.clip(trng.beta(1.4, 3.0, k), 0.02, 0.97)  # of the time a fault may take
    overdue = np.select(
        [is_c & ~major, is_c & major, is_f, is_o],
        [
            trng.uniform(2, 72, k),
            trng.uniform(4, 120, k),
            trng.uniform(2, 120, k),
            24 * trng.uniform(1, 14, k),
        ],
        0.0,
    )
    # faults are repaired round the clock; complaints are answered and settled, and
    # orders delivered, in working hours
    office = is_o | is_c
    measured = np.where(
        late,
        np.where(
            office,
            _office_between(trng, due + _HOUR, due + _hours(overdue)),
            due + _hours(overdue),
        ),
        np.where(
            office,
            _office_between(trng, opened + _HOUR // 6, due - _HOUR // 6),
            opened + _hours(room * share),
        ),
    )
    first_answer = np.select(
        [is_c & major, is_f, is_o, is_e],
        [
            trng.uniform(0.2, 6, k),
            trng.uniform(0.1, 4, k),
            trng.uniform(0.5, 24, k),
            trng.uniform(0.05, 4, k),
        ],
        0.0,
    )
    general = is_c & ~major
    responded = np.where(general, measured, opened + _hours(first_answer))
    settled = _office_between(trng, measured, measured + _hours(trng.uniform(1, 72, k)))
    closed = np.where(general, settled, np.where(is_e, responded, measured))
    responded = np.minimum(responded, closed)
    resolved = ~unresolved & ~(general & broken & (trng.random(k) < 0.3))

    # --- the end of the account, the end of the data --------------------------------------
    # an account that leaves: nothing after its churn day; a ticket still open then is
    # closed that day, unresolved
    last = gone[acc] + _DAY
    cut = churned[acc] & (closed >= last)
    closed = np.where(cut, np.maximum(opened + _HOUR // 2, gone[acc] + 17 * _HOUR), closed)
    resolved = np.where(cut, False, resolved)
    responded = np.where(cut & (responded > closed), closed, responded)
    end = as_of.to_datetime64().astype("datetime64[ns]") + _DAY
    still_open = closed >= end
    closed = np.where(still_open, np.datetime64("NaT"), closed)
    responded = np.where(responded >= end, np.datetime64("NaT"), responded)

    known = resolved.astype(object)
    known[still_open] = None  # an open ticket is neither resolved nor not
    order = np.lexsort((acc, opened))
    tickets_t = pd.DataFrame(
        {
            "ticket_id": np.char.add("T", np.char.zfill(np.arange(1, k + 1).astype(str), 7)),
            "account_id": ids[acc[order]],
            "opened": pd.to_datetime(opened[order]),
            "kind": kind[order],
            "severity": severity[order],
            "channel": channel[order],
            "responded": pd.to_datetime(responded[order]),
            "closed": pd.to_datetime(closed[order]),
            "resolved": pd.array(known[order], dtype="boolean"),
            "promised": pd.to_datetime(promised[order]),
        }
    )

    # --- surveys ---------------------------------------------------------------------------
    rows = []
    # the quarterly survey: a panel of key (and some business) accounts, asked on a
    # working day of each quarter's last month while they are customers
    panel = srng.random(n) < _by_type(QUARTERLY_PANEL, ctype)
    for q_last in (2, 5, 8, 11):
        who = np.flatnonzero(panel)
        day = _working_time(
            srng, np.full(len(who), m_start[q_last]), np.full(len(who), m_end[q_last])
        ).astype("datetime64[D]")
        d = day.astype("datetime64[ns]")
        there = (join[who] <= d) & (~churned[who] | (d <= gone[who]))
        answers = there & (srng.random(len(who)) < QUARTERLY_ANSWER)
        rows.append(
            pd.DataFrame({"a": who[answers], "date": d[answers], "kind": "quarterly_survey"})
        )
    # call-backs: a day or three after a share of the closed tickets
    ci = np.flatnonzero(~is_e & ~np.isnat(closed))
    back = srng.random(len(ci)) < _by_type(CALL_BACK, t[ci])
    ci = ci[back]
    c_day = (closed[ci].astype("datetime64[D]") + srng.integers(1, 4, len(ci))).astype(
        "datetime64[ns]"
    )
    keep = (c_day < end) & (~churned[acc[ci]] | (c_day <= gone[acc[ci]]))
    rows.append(
        pd.DataFrame({"a": acc[ci][keep], "date": c_day[keep], "kind": "call_back", "t": ci[keep]})
    )
    s = pd.concat(rows, ignore_index=True)
    a = s["a"].to_numpy()
    date = s["date"].to_numpy().astype("datetime64[ns]")
    after_broken = np.zeros(len(s), dtype=bool)
    is_cb = (s["kind"] == "call_back").to_numpy()
    after_broken[is_cb] = broken[s.loc[is_cb, "t"].to_numpy().astype(int)]
    # a quarterly answer within 90 days of a broken promise of the account
    qs = np.flatnonzero(~is_cb)
    if len(qs) and broken.any():
        b_acc, b_at = acc[broken], due[broken]
        hits = pd.DataFrame({"a": b_acc, "at": b_at}).merge(
            pd.DataFrame({"a": a[qs], "date": date[qs], "row": qs}), on="a"
        )
        near = (hits["at"] <= hits["date"]) & (hits["date"] - hits["at"] <= pd.Timedelta(days=90))
        after_broken[np.unique(hits.loc[near, "row"].to_numpy())] = True
    drop = np.where(after_broken, s["kind"].map(SCORE_AFTER_BROKEN).to_numpy(dtype=float), 0.0)
    lead_s = (gone[a] - date) / _DAY
    drop = drop + np.where(churned[a] & (lead_s <= BEFORE_CHURN_DAYS), SCORE_BEFORE_CHURN, 0.0)
    score = np.clip(np.round(satisfaction[a] + srng.normal(0, SCORE_NOISE, len(s)) - drop), 1, 5)
    surveys = pd.DataFrame(
        {"account_id": ids[a], "date": pd.to_datetime(date), "score": score, "kind": s["kind"]}
    )
    # one answer of a kind per account and day (two call-backs the same day: the first)
    surveys = surveys.drop_duplicates(["account_id", "date", "kind"])
    surveys = surveys.sort_values(["date", "account_id", "kind"], kind="stable")
    return tickets_t, surveys.reset_index(drop=True)
