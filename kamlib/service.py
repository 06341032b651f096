"""Service and satisfaction (服务与满意度): the promises kept, complaints, satisfaction over
time, and the churn that follows poor service.

:func:`service_promises` holds every ticket of the optional ``tickets`` table to the
promise of its kind and severity (a general complaint answered within 24 hours, a major
one resolved within 3 working days, a fault repaired within 48 hours, a new line delivered
by the date promised) and says which were kept, broken, still pending or cannot be judged.
:func:`complaint_rate` gives complaints per 100 active accounts per period and tests their
trend. :func:`satisfaction_trend` reads the ``surveys`` table: the mean score per value
tier (or customer type, or branch) and period, with intervals, and counts only for small
samples. :func:`service_churn` compares churn in the months after a service failure (a
broken promise, a low score) with other account-months and puts a price on the excess.

Every limit is a setting of ``config/service.yaml``, changed with ``rules=``.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from ._book import Book, has_column, lookup, positions
from ._format import count, money, number, share
from ._i18n import N_, current_language, ntr, tr
from ._result import Result, axes, figures, nothing_to_draw

__all__ = [
    "ServicePromises",
    "ComplaintRate",
    "SatisfactionTrend",
    "ServiceChurn",
    "service_promises",
    "complaint_rate",
    "satisfaction_trend",
    "service_churn",
    "service_rules",
    "working_days_between",
    "PROMISE_COLUMNS",
    "BY_PROMISE_COLUMNS",
    "RATE_COLUMNS",
    "TREND_COLUMNS",
    "SCORE_COLUMNS",
    "CHANGE_COLUMNS",
    "FAILED_COLUMNS",
    "COMPARISON_COLUMNS",
    "STATUSES",
]

Rules = str | Path | dict | None

#: what became of a ticket's promise
STATUSES = ("kept", "broken", "pending", "not_judged", "no_promise")
PROMISE_COLUMNS = [
    "ticket_id",
    "account_id",
    "name",
    "kind",
    "severity",
    "clock",
    "within",
    "unit",
    "opened",
    "clock_stopped",
    "deadline",
    "elapsed_hours",
    "elapsed_working_days",
    "still_open",
    "status",
    "late_hours",
]
BY_PROMISE_COLUMNS = [
    "kind",
    "severity",
    "clock",
    "within",
    "unit",
    "tickets",
    "kept",
    "broken",
    "pending",
    "not_judged",
    "kept_share",
]
RATE_COLUMNS = [
    "period",
    "group",
    "accounts",
    "complaints",
    "complaining_accounts",
    "complaints_per_100",
    "complaints_per_100_low",
    "complaints_per_100_high",
    "partial_period",
]
TREND_COLUMNS = [
    "group",
    "periods",
    "change_per_period",
    "change_per_period_low",
    "change_per_period_high",
    "p_value",
    "direction",
]
SCORE_COLUMNS = ["period", "group", "answers", "mean_score", "score_low", "score_high"]
CHANGE_COLUMNS = [
    "group",
    "first_period",
    "last_period",
    "first_mean",
    "last_mean",
    "score_change",
    "score_change_low",
    "score_change_high",
    "change_clear",
]
FAILED_COLUMNS = [
    "account_id",
    "name",
    "customer_type",
    "tier",
    "first_failure",
    "failures",
    "churned_after",
    "churn_date",
    "monthly_revenue",
    "revenue_lost",
]
COMPARISON_COLUMNS = ["group", "accounts", "account_months", "churned", "rate"]

_HOUR = np.timedelta64(3_600_000_000_000, "ns")
_DAY = np.timedelta64(86_400_000_000_000, "ns")
_NAT = np.datetime64("NaT", "ns")


def service_rules(rules: Rules = None, *, caller: str = "service_rules") -> dict[str, Any]:
    """The service settings: ``config/service.yaml`` with the user's keys merged over.

    Examples
    --------
    >>> service_rules()["promises"]["fault"]["general"]
    {'clock': 'resolution', 'within': 48, 'unit': 'hours'}
    >>> service_rules({"churn": {"low_score": 3}})["churn"]["low_score"]
    3
    """
    from ._settings import Topic, settings

    # the topic is registered by its own block of _settings (see there)
    return settings(cast(Topic, "service"), rules, caller=caller)


# ================================================================= the working calendar
class _Calendar:
    """The working days of ``working_days:``: the weekmask and holidays of
    ``numpy.busday_count``, and the weekend days worked instead (调休) on top."""

    def __init__(self, cfg: dict[str, Any]) -> None:
        self.weekmask = str(cfg["weekmask"])
        self.holidays = np.array(sorted(cfg["holidays"]), dtype="datetime64[D]")
        extra = np.array(sorted(cfg["extra_working_days"]), dtype="datetime64[D]")
        # a day already worked by the weekmask is not counted twice
        self.extra = extra[~np.is_busday(extra, weekmask=self.weekmask, holidays=self.holidays)]
        listed = np.concatenate([self.holidays, self.extra])
        self.years = (
            set(listed.astype("datetime64[Y]").astype(int) + 1970) if len(listed) else set()
        )

    def working(self, days: np.ndarray) -> np.ndarray:
        """Whether each day (datetime64[D]) is a working day."""
        busy = np.is_busday(days, weekmask=self.weekmask, holidays=self.holidays)
        return busy | np.isin(days, self.extra)

    def elapsed(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Working days from ``a`` to ``b`` (datetime64[ns]), to the hour: whole working
        days between the two dates (``numpy.busday_count``, plus the extra working days),
        less the part of ``a``'s day gone before ``a`` and plus the part of ``b``'s day
        gone by ``b`` where those days are worked. NaN where either is missing."""
        a = np.asarray(a, dtype="datetime64[ns]")
        b = np.asarray(b, dtype="datetime64[ns]")
        ok = ~np.isnat(a) & ~np.isnat(b)
        out = np.full(a.shape, np.nan)
        if not ok.any():
            return out
        a, b = a[ok], b[ok]
        da, db = a.astype("datetime64[D]"), b.astype("datetime64[D]")
        whole = np.busday_count(da, db, weekmask=self.weekmask, holidays=self.holidays)
        extra = np.searchsorted(self.extra, db) - np.searchsorted(self.extra, da)
        fa = (a - da.astype("datetime64[ns]")) / _DAY
        fb = (b - db.astype("datetime64[ns]")) / _DAY
        out[ok] = whole + extra - fa * self.working(da) + fb * self.working(db)
        return out

    def deadline(self, a: np.ndarray, limit: np.ndarray) -> np.ndarray:
        """The last moment at which ``limit`` working days from ``a`` are not yet used up
        (a ticket ending by then kept its promise): where the working days reach the
        limit within a working day, that moment; where they reach it at a day's end, the
        start of the next working day (the days off between do not count)."""
        a = np.asarray(a, dtype="datetime64[ns]")
        limit = np.asarray(limit, dtype=float)
        out = np.full(a.shape, _NAT)
        ok = ~np.isnat(a) & np.isfinite(limit)
        if not ok.any():
            return out
        a, lim = a[ok], limit[ok]
        da = a.astype("datetime64[D]")
        first, last = da.min() - 1, da.max() + int(math.ceil(lim.max())) * 7 + 400
        days = np.arange(first, last + 1, dtype="datetime64[D]")
        work = self.working(days)
        cum = np.cumsum(work)
        i = (da - first).astype(int)
        before = cum[i] - work[i]  # working days before a's day
        fa = (a - da.astype("datetime64[ns]")) / _DAY
        # the limit counted from the start of a's day (the part of it gone counts if worked)
        total = lim + fa * work[i]
        whole = np.isclose(total, np.round(total))
        k = np.where(whole, np.round(total), np.ceil(total)).astype(int)
        # whole: the start of the (k+1)-th working day from a's day; else within the k-th
        target = before + np.where(whole, k + 1, k)
        j = np.searchsorted(cum, target, side="left")
        start = days[np.minimum(j, len(days) - 1)].astype("datetime64[ns]")
        frac = np.where(whole, 0.0, total - (k - 1))
        moment = start + (frac * _DAY.astype(float)).astype("timedelta64[ns]")
        out[ok] = np.where(lim <= 0, a, moment)
        return out


def working_days_between(start: Any, end: Any, *, rules: Rules = None) -> float | np.ndarray:
    """Working days from ``start`` to ``end`` by the calendar of ``config/service.yaml``
    (``working_days:``), counted to the hour as :func:`service_promises` counts them.

    Examples
    --------
    >>> round(working_days_between("2025-03-07 17:00", "2025-03-12 10:00"), 4)  # Fri to Wed
    2.7083
    """
    cal = _Calendar(service_rules(rules, caller="working_days_between")["working_days"])
    a = pd.to_datetime(pd.Series(np.atleast_1d(start))).to_numpy(dtype="datetime64[ns]")
    b = pd.to_datetime(pd.Series(np.atleast_1d(end))).to_numpy(dtype="datetime64[ns]")
    out = cal.elapsed(a, b)
    return float(out[0]) if np.ndim(start) == 0 and np.ndim(end) == 0 else out


# ====================================================================== the promises
class ServicePromises(Result):
    """Every ticket against its service promise (:func:`service_promises`).

    Attributes
    ----------
    table : one row per ticket (``PROMISE_COLUMNS``).
    by_promise : per promise (kind x severity): tickets, kept, broken, pending, not
        judged and the share kept of those judged (NaN below ``min_tickets``).
    as_of : the moment open tickets are judged at.
    """

    def __init__(
        self,
        table: pd.DataFrame,
        by_promise: pd.DataFrame,
        notes: tuple[str, ...] | list[str] = (),
        *,
        as_of: pd.Timestamp | None = None,
        min_tickets: int = 20,
        has_tickets: bool = True,
    ) -> None:
        self.table = table
        self.by_promise = by_promise
        self.notes = tuple(dict.fromkeys(notes))
        self.as_of = as_of
        self.min_tickets = min_tickets
        self.has_tickets = has_tickets

    def _kept_share(self, rows: pd.DataFrame) -> float:
        kept = int((rows["status"] == "kept").sum())
        judged = kept + int((rows["status"] == "broken").sum())
        return kept / judged if judged >= self.min_tickets else np.nan

    def summary(self) -> pd.DataFrame:
        """Tickets, those judged, kept, broken, pending and not judged, and the share kept
        overall and per kind (NaN with fewer than ``min_tickets`` judged, or no tickets)."""
        t = self.table
        if not self.has_tickets:
            nan = np.nan
            keys = [
                "tickets",
                "tickets_judged",
                "promises_kept",
                "promises_broken",
                "tickets_pending",
                "tickets_not_judged",
                "kept_share",
                "complaint_kept_share",
                "fault_kept_share",
                "order_kept_share",
            ]
            return figures(dict.fromkeys(keys, nan))
        st = t["status"]
        return figures(
            {
                "tickets": len(t),
                "tickets_judged": int(st.isin(["kept", "broken"]).sum()),
                "promises_kept": int((st == "kept").sum()),
                "promises_broken": int((st == "broken").sum()),
                "tickets_pending": int((st == "pending").sum()),
                "tickets_not_judged": int((st == "not_judged").sum()),
                "kept_share": self._kept_share(t),
                **{
                    f"{k}_kept_share": self._kept_share(t[t["kind"] == k])
                    for k in ("complaint", "fault", "order")
                },
            }
        )

    def worst(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` broken promises furthest past their deadline: account, name, kind,
        severity, deadline and hours late (open tickets: late by the as-of moment)."""
        t = self.table
        broken = t[(t["status"] == "broken") & t["late_hours"].notna()]
        cols = ["ticket_id", "account_id", "name", "kind", "severity", "deadline", "late_hours"]
        return (
            broken.sort_values("late_hours", ascending=False, kind="stable")
            .head(n)[cols]
            .reset_index(drop=True)
        )

    def plot(self, *, ax: Any = None) -> Any:
        """Tickets kept, broken and pending per promise (stacked bars)."""
        ax = axes(ax)
        b = self.by_promise
        if b.empty or int(b["tickets"].sum()) == 0:
            return nothing_to_draw(ax, self.notes[0] if self.notes else tr("No tickets."))
        from ._charts import count_axis
        from ._labels import label

        names = [f"{label(k)} / {label(s)}" for k, s in zip(b["kind"], b["severity"], strict=True)]
        y = np.arange(len(b))
        left = np.zeros(len(b))
        colours = {"kept": "#1a7f37", "broken": "#b00", "pending": "#999", "not_judged": "#ddd"}
        for status, colour in colours.items():
            v = b[status].to_numpy(dtype=float)
            ax.barh(y, v, left=left, color=colour, label=label(status))
            left += v
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        count_axis(ax, axis="x")
        ax.legend(loc="best")  # the report titles the chart with its finding
        return ax


def _as_of(book: Book, tickets: pd.DataFrame, given: Any) -> pd.Timestamp:
    """The moment open tickets are judged at: as given, else the later of the end of the
    book's as-of day and the latest time in the tickets table."""
    if given is not None:
        return pd.Timestamp(given)
    times = [
        tickets[c].max() for c in ("opened", "responded", "closed", "promised") if c in tickets
    ]
    times = [pd.Timestamp(t) for t in times if pd.notna(t)]
    if book.as_of is not None:
        times.append(pd.Timestamp(book.as_of).normalize() + pd.Timedelta(days=1))
    return max(times)


def _column(df: pd.DataFrame, name: str, kind: str) -> np.ndarray:
    """A column of the tickets table as a plain array; missing values where it is absent."""
    if kind == "date":
        if name not in df:
            return np.full(len(df), _NAT)
        return pd.to_datetime(df[name]).to_numpy(dtype="datetime64[ns]")
    if name not in df:
        return np.full(len(df), None, dtype=object)
    s = df[name].astype("object")
    return s.where(s.notna(), None).to_numpy()


def _as_text(s: pd.Series) -> Any:
    """A column of ids for a new table: Arrow strings are kept as they are (what pandas
    infers from them as Python objects, without making millions of objects); anything
    else as objects, for pandas to infer."""
    if pd.api.types.is_string_dtype(s.dtype) and getattr(s.dtype, "storage", None) == "pyarrow":
        return s.astype("str").array
    return s.to_numpy()


def _name(v: Any) -> str:
    """A kind or severity as the promises name it ("None" when missing, as ``str``)."""
    return "None" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)


def _judge(
    book: Book, cfg: dict[str, Any], as_of: Any = None
) -> tuple[pd.DataFrame, list[str], pd.Timestamp]:
    """Every ticket opened by ``as_of`` against its promise (the rows of
    :func:`service_promises`), the notes, and the as-of moment.

    Memoised per book, moment and settings: the promises and service after churn judge
    the same tickets at the same moment (the end of the as-of day) when no ticket is
    later, and at 2 million tickets each judging took 5 s."""
    import json

    tk = book.table("tickets")
    when = _as_of(book, tk, as_of)
    # the notes are worded in the current language: a report in another remembers its own
    key = (
        "service_judge",
        when,
        json.dumps(cfg, sort_keys=True, default=str),
        current_language(),
    )
    table, notes = book.memo(key, lambda: _judged(book, tk, cfg, when))
    return table.copy(deep=False), list(notes), when


def _judged(
    book: Book, tk: pd.DataFrame, cfg: dict[str, Any], when: pd.Timestamp
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """:func:`_judge` computed (the table and its notes)."""
    w64 = when.to_datetime64()
    notes: list[str] = []
    opened = _column(tk, "opened", "date")
    late_open = opened > w64
    if late_open.any():
        n = int(late_open.sum())
        notes.append(
            ntr(
                "{n} ticket was opened after {when} and is left out.",
                "{n} tickets were opened after {when} and are left out.",
                n,
                n=count(n),
                when=f"{when:%Y-%m-%d %H:%M}",
            )
        )
    tk = tk.loc[~late_open].reset_index(drop=True)
    opened = opened[~late_open]
    n = len(tk)
    kind = _column(tk, "kind", "text")
    severity = _column(tk, "severity", "text")
    sev = np.where(pd.isna(severity), cfg["missing_severity"], severity).astype(object)

    def stopped(col: str) -> np.ndarray:
        # a time after the as-of moment had not happened yet at it
        v = _column(tk, col, "date")
        return np.where(v > w64, _NAT, v)

    responded, closed = stopped("responded"), stopped("closed")
    promised = _column(tk, "promised", "date")
    resolved = _column(tk, "resolved", "text")
    promises: dict[str, dict[str, dict[str, Any]]] = cfg["promises"]
    clock = np.full(n, None, dtype=object)
    within = np.full(n, np.nan)
    unit = np.full(n, None, dtype=object)
    # a lookup per pair of kind and severity (a handful), not per ticket (millions)
    kind_code, kinds = pd.factorize(pd.Series(kind, dtype=object), use_na_sentinel=False)
    sev_code, sevs = pd.factorize(pd.Series(sev, dtype=object), use_na_sentinel=False)
    pair_code, pairs = pd.factorize(kind_code * max(len(sevs), 1) + sev_code)
    for j, pair in enumerate(pairs):
        k, v = kinds[pair // max(len(sevs), 1)], sevs[pair % max(len(sevs), 1)]
        p = promises.get(_name(k), {}).get(_name(v))
        if p is not None:
            these = pair_code == j
            clock[these], within[these], unit[these] = p["clock"], float(p["within"]), p["unit"]
    by_date = (clock == "delivery") & ~np.isnat(promised)
    unit = np.where(by_date, "promised_date", unit)
    within = np.where(by_date, np.nan, within)

    cal = _Calendar(cfg["working_days"])
    deadline = np.full(n, _NAT)
    hrs = unit == "hours"
    deadline[hrs] = opened[hrs] + (within[hrs] * _HOUR.astype(float)).astype("timedelta64[ns]")
    dys = unit == "days"
    deadline[dys] = opened[dys] + (within[dys] * _DAY.astype(float)).astype("timedelta64[ns]")
    wds = unit == "working_days"
    deadline[wds] = cal.deadline(opened[wds], within[wds])
    # a promised date is kept by the end of that day
    deadline[by_date] = promised[by_date].astype("datetime64[D]").astype("datetime64[ns]") + _DAY

    ended = np.where(clock == "response", responded, closed)
    still_open = np.isnat(closed)
    status = np.full(n, "no_promise", dtype=object)
    has = clock != None  # noqa: E711 - an object array compared element by element
    # the first answer came no later than the closing: a ticket closed in time was
    # answered in time, even where the answer was not recorded
    unrecorded = has & (clock == "response") & np.isnat(responded)
    closed_in_time = unrecorded & ~np.isnat(closed) & (closed <= deadline)
    ended = np.where(closed_in_time, closed, ended)
    ran = has & ~np.isnat(ended)
    backwards = ran & (ended < opened)
    status[ran & (ended <= deadline)] = "kept"
    status[ran & (ended > deadline)] = "broken"
    waiting = has & np.isnat(ended) & ~unrecorded
    status[waiting & (w64 > deadline)] = "broken"
    status[waiting & (w64 <= deadline)] = "pending"
    status[unrecorded & ~closed_in_time] = "not_judged"
    status[backwards] = "not_judged"
    not_fixed = (
        has
        & (clock != "response")
        & ~np.isnat(closed)
        & np.array([r is False or r is np.False_ for r in resolved], dtype=bool)
    )
    if cfg["unresolved_is_broken"]:
        status[not_fixed & ~backwards] = "broken"
    upto = np.where(np.isnat(ended), w64, ended)
    judged_span = has & ~(unrecorded & ~closed_in_time) & ~backwards
    elapsed_h = np.where(judged_span, (upto - opened) / _HOUR, np.nan)
    elapsed_wd = np.where(judged_span, cal.elapsed(opened, upto), np.nan)
    late = np.where(status == "broken", (upto - deadline) / _HOUR, np.nan)
    late = np.where(np.isnat(deadline), np.nan, late)
    late = np.where(late < 0, 0.0, late)  # closed in time but not resolved: not late

    acc = book.accounts
    names = acc["name"] if "name" in acc else acc["account_id"]
    name = lookup(tk["account_id"], pd.Series(names.to_numpy(), index=acc["account_id"]))
    table = pd.DataFrame(
        {
            "ticket_id": _as_text(tk["ticket_id"]),
            "account_id": _as_text(tk["account_id"]),
            "name": name.to_numpy(dtype=object),
            "kind": kind,
            "severity": sev,
            "clock": clock,
            "within": within,
            "unit": unit,
            "opened": opened,
            "clock_stopped": ended,
            "deadline": deadline,
            "elapsed_hours": elapsed_h,
            "elapsed_working_days": elapsed_wd,
            "still_open": still_open,
            "status": status,
            "late_hours": late,
        },
        columns=PROMISE_COLUMNS,
    )

    # what the reader should know about the judging
    nr = int((status == "not_judged").sum() - backwards.sum())
    if nr:
        notes.append(
            ntr(
                "{n} ticket held to a response promise has no recorded first answer and was "
                "not closed within the limit: whether it was answered in time cannot be "
                "judged.",
                "{n} tickets held to a response promise have no recorded first answer and "
                "were not closed within the limit: whether they were answered in time cannot "
                "be judged.",
                nr,
                n=count(nr),
            )
        )
    if int(closed_in_time.sum()):
        k = int(closed_in_time.sum())
        notes.append(
            ntr(
                "{n} ticket without a recorded first answer was closed within its response "
                "limit, so it was answered in time.",
                "{n} tickets without a recorded first answer were closed within their "
                "response limit, so they were answered in time.",
                k,
                n=count(k),
            )
        )
    if backwards.any():
        k = int(backwards.sum())
        notes.append(
            ntr(
                "{n} ticket was answered or closed before it was opened: it is not judged.",
                "{n} tickets were answered or closed before they were opened: they are not judged.",
                k,
                n=count(k),
            )
        )
    if cfg["unresolved_is_broken"] and (not_fixed & ~backwards).any():
        k = int((not_fixed & ~backwards).sum())
        notes.append(
            ntr(
                "{n} ticket was closed without the problem resolved: it counts as a broken "
                "promise.",
                "{n} tickets were closed without the problem resolved: they count as broken "
                "promises.",
                k,
                n=count(k),
            )
        )
    undated = int(((clock == "delivery") & ~by_date).sum())
    if undated:
        p = promises.get("order", {}).get(cfg["missing_severity"], {})
        notes.append(
            ntr(
                "{n} order has no promised date: it is held to the default of {within} {unit}.",
                "{n} orders have no promised date: they are held to the default of {within} "
                "{unit}.",
                undated,
                n=count(undated),
                within=number(p.get("within", np.nan), 0),
                unit=_unit_words(str(p.get("unit", "working_days"))),
            )
        )
    no_p = int((status == "no_promise").sum())
    if no_p:
        kinds = sorted({str(k) for k in kind[status == "no_promise"]})
        from .churn import column_in_sentence

        notes.append(
            ntr(
                "{n} ticket ({kinds}) has no promise in the settings: it is listed, not judged.",
                "{n} tickets ({kinds}) have no promise in the settings: they are listed, not "
                "judged.",
                no_p,
                n=count(no_p),
                kinds=", ".join(column_in_sentence(k) for k in kinds),
            )
        )
    if wds.any():
        years = set(pd.DatetimeIndex(opened[wds]).year)
        outside = sorted(years - cal.years)
        if outside:
            notes.append(
                tr(
                    "The holiday list of the settings does not cover {years}: working days "
                    "there are counted without public holidays.",
                    years=", ".join(map(str, outside)),
                )
            )
    return table, tuple(notes)


def _unit_words(unit: str) -> str:
    return {
        "hours": tr("hours"),
        "working_days": tr("working days"),
        "days": tr("days"),
    }.get(unit, unit)


def _by_promise(table: pd.DataFrame, cfg: dict[str, Any], min_tickets: int) -> pd.DataFrame:
    rows = []
    # the tickets counted once per (kind, severity, status), not filtered per promise
    counts: dict[tuple[Any, Any], dict[Any, int]] = {}
    if len(table):
        by = table.groupby(["kind", "severity", "status"], observed=True, dropna=True).size()
        for (k, v, status), c in by.items():
            counts.setdefault((k, v), {})[status] = int(c)
    for kind, by_sev in cfg["promises"].items():
        for sev, p in by_sev.items():
            st = counts.get((kind, sev), {})
            tickets = int(sum(st.values()))
            kept, broken = int(st.get("kept", 0)), int(st.get("broken", 0))
            rows.append(
                {
                    "kind": kind,
                    "severity": sev,
                    "clock": p["clock"],
                    "within": float(p["within"]),
                    "unit": p["unit"],
                    "tickets": tickets,
                    "kept": kept,
                    "broken": broken,
                    "pending": int(st.get("pending", 0)),
                    "not_judged": int(st.get("not_judged", 0)),
                    "kept_share": kept / (kept + broken)
                    if kept + broken >= min_tickets
                    else np.nan,
                }
            )
    return pd.DataFrame(rows, columns=BY_PROMISE_COLUMNS)


def service_promises(
    book: Book, *, rules: Rules = None, as_of: str | pd.Timestamp | None = None
) -> ServicePromises:
    """Each ticket held to its service promise: kept, broken, pending or not judged.

    The promise of a ticket is that of its kind and severity in ``promises:`` of
    ``config/service.yaml`` (a ticket without a severity takes ``missing_severity``): a
    limit in hours (calendar hours), working days (the calendar of ``working_days:``,
    counted to the hour with ``numpy.busday_count``; a ticket opened on a Friday at 17:00
    has used 7/24 of a working day by midnight) or days, on the clock it names --
    ``response`` stops at the first answer (``responded``), ``resolution`` and
    ``delivery`` at the closing. An order is held to its own ``promised`` date (to the end
    of that day), else to the default limit. A ticket is ``kept`` when its clock stopped
    by the deadline, ``broken`` when after it, or when it is still open at ``as_of`` past
    its deadline; an open ticket within its limit is ``pending`` and counts neither way. A
    response promise without a recorded answer cannot be judged (``not_judged``) unless
    the ticket was closed within the limit (the answer came no later than the closing). A
    ticket closed unresolved broke a resolution or delivery promise
    (``unresolved_is_broken``).

    Parameters
    ----------
    book : the data; needs the optional ``tickets`` table.
    rules : changes to ``config/service.yaml`` (a dict or a YAML file).
    as_of : the moment open tickets are judged at (default: the later of the end of the
        book's as-of day and the latest time in the tickets table). Tickets opened after
        it are left out; answers and closings after it had not happened yet.

    Returns
    -------
    ServicePromises
        ``table``: one row per ticket (``PROMISE_COLUMNS``); ``by_promise``: per promise,
        the counts and the share kept of those judged (with at least ``min_tickets``);
        ``worst(n)``: the broken promises furthest past their deadline.

    Examples
    --------
    >>> import pandas as pd, kamlib
    >>> acc = pd.DataFrame({"account_id": ["a"], "branch": ["Suzhou"], "status": ["active"]})
    >>> tk = pd.DataFrame({"ticket_id": ["t1", "t2"], "account_id": ["a", "a"],
    ...     "opened": ["2025-03-03 09:00", "2025-03-04 09:00"], "kind": ["fault", "fault"],
    ...     "closed": ["2025-03-04 08:00", "2025-03-07 09:00"]})
    >>> p = service_promises(kamlib.Book.from_frames(accounts=acc, tickets=tk))
    >>> p.table["status"].tolist(), p.table["elapsed_hours"].tolist()
    (['kept', 'broken'], [23.0, 72.0])
    """
    cfg = service_rules(rules, caller="service_promises")
    min_tickets = int(cfg["min_tickets"])
    if not book.has("tickets"):
        return ServicePromises(
            pd.DataFrame(columns=PROMISE_COLUMNS),
            _by_promise(pd.DataFrame(columns=PROMISE_COLUMNS), cfg, min_tickets),
            (
                tr(
                    "The data have no service tickets table, so response and repair times "
                    "against the promises cannot be shown."
                ),
            ),
            min_tickets=min_tickets,
            has_tickets=False,
        )
    table, notes, when = _judge(book, cfg, as_of)
    by = _by_promise(table, cfg, min_tickets)
    shown = f"{when:%Y-%m-%d}" if when == when.normalize() else f"{when:%Y-%m-%d %H:%M}"
    notes.insert(0, tr("Tickets still open are judged as of {when}.", when=shown))
    few = by[(by["kept"] + by["broken"] > 0) & by["kept_share"].isna()]
    if len(few):
        notes.append(
            ntr(
                "{n} promise has fewer than {least} tickets judged: counts only, no share.",
                "{n} promises have fewer than {least} tickets judged: counts only, no share.",
                len(few),
                n=count(len(few)),
                least=count(min_tickets),
            )
        )
    faults = by[(by["kind"] == "fault") & (by["kept"] + by["broken"] > 0)]
    if len(faults):
        kept, judged = int(faults["kept"].sum()), int((faults["kept"] + faults["broken"]).sum())
        limits = sorted(
            {(float(w), str(u)) for w, u in zip(faults["within"], faults["unit"], strict=True)}
        )
        limit = " / ".join(f"{number(w, 0)} {_unit_words(u)}" for w, u in limits)
        if judged >= min_tickets:
            notes.append(
                tr(
                    "Faults repaired within {limit}: {share} ({kept} of {judged} judged).",
                    limit=limit,
                    share=share(kept / judged),
                    kept=count(kept),
                    judged=count(judged),
                )
            )
        else:
            notes.append(
                tr(
                    "Faults repaired within {limit}: {kept} of {judged} judged (too few for "
                    "a share).",
                    limit=limit,
                    kept=count(kept),
                    judged=count(judged),
                )
            )
    return ServicePromises(table, by, notes, as_of=when, min_tickets=min_tickets)


# ==================================================================== complaint rate
class ComplaintRate(Result):
    """Complaints per 100 active accounts per period, and their trend (:func:`complaint_rate`).

    Attributes
    ----------
    table : one row per period and group (``RATE_COLUMNS``); the rate only with at least
        ``complaints.min_accounts`` active accounts.
    trends : per group (``TREND_COLUMNS``): the change of the rate per period from a
        Poisson regression of the counts on the period (log accounts as offset; the
        dispersion of the counts widens the interval), its interval and p-value, and the
        ``direction`` (``rising``, ``falling``, ``no_clear_trend``, ``too_few_periods``).
    """

    def __init__(
        self,
        table: pd.DataFrame,
        trends: pd.DataFrame,
        notes: tuple[str, ...] | list[str] = (),
        *,
        has_tickets: bool = True,
    ) -> None:
        self.table = table
        self.trends = trends
        self.notes = tuple(dict.fromkeys(notes))
        self.has_tickets = has_tickets

    def summary(self) -> pd.DataFrame:
        """Complaints, the rate per 100 accounts of the first and last full period (all
        groups together), and the number of groups with a rising or falling trend."""
        t = self.table
        if not self.has_tickets or t.empty:
            nan = np.nan
            return figures(
                {
                    "complaints": nan,
                    "complaints_per_100_first": nan,
                    "complaints_per_100_last": nan,
                    "groups_rising": nan,
                    "groups_falling": nan,
                }
            )
        full = t[~t["partial_period"].astype(bool)]
        per = full.groupby("period", sort=False)[["accounts", "complaints"]].sum()

        def rate(row: pd.Series) -> float:
            return 100 * row["complaints"] / row["accounts"] if row["accounts"] > 0 else np.nan

        d = self.trends["direction"] if len(self.trends) else pd.Series(dtype=object)
        return figures(
            {
                "complaints": int(t["complaints"].sum()),
                "complaints_per_100_first": rate(per.iloc[0]) if len(per) else np.nan,
                "complaints_per_100_last": rate(per.iloc[-1]) if len(per) else np.nan,
                "groups_rising": int((d == "rising").sum()),
                "groups_falling": int((d == "falling").sum()),
            }
        )

    def plot(self, *, ax: Any = None) -> Any:
        """Complaints per 100 accounts per period, one line per group (intervals shaded)."""
        ax = axes(ax)
        t = self.table
        if t.empty or t["complaints_per_100"].notna().sum() == 0:
            return nothing_to_draw(ax, self.notes[0] if self.notes else tr("No complaints."))
        from ._labels import label

        periods = list(dict.fromkeys(t["period"]))
        x = np.arange(len(periods))
        for g, rows in t.groupby("group", sort=False):
            rows = rows.set_index("period").reindex(periods)
            ax.plot(x, rows["complaints_per_100"].to_numpy(dtype=float), marker="o", label=label(g))
            ax.fill_between(
                x,
                rows["complaints_per_100_low"].to_numpy(dtype=float),
                rows["complaints_per_100_high"].to_numpy(dtype=float),
                alpha=0.15,
            )
        ax.set_xticks(x, periods)
        ax.set_ylabel(tr("Complaints per 100 accounts"))
        ax.legend(loc="best")
        return ax


def _groups(book: Book, by: Any, caller: str, tiers: Any = None) -> tuple[np.ndarray, list[str]]:
    """The group of each account (in the order of ``accounts``; "all" without ``by``),
    and a note when the column is not in the data."""
    acc = book.accounts
    if by is None:
        return np.full(len(acc), "all", dtype=object), []
    if isinstance(by, pd.Series):
        k = lookup(acc["account_id"], by)
    elif by == "tier":
        from .segment import value_tiers

        tiers = tiers if tiers is not None else value_tiers(book)
        if tiers.table.empty:
            note = tr("The data hold no spend, so accounts have no value tier: one group for all.")
            return np.full(len(acc), "all", dtype=object), [note]
        k = pd.Series(tiers.assignment.astype(object).to_numpy(), index=acc.index)
    elif not has_column(book, str(by), caller=caller):
        from .churn import column_in_sentence

        note = tr("The data have no {column}: one group for all.", column=column_in_sentence(by))
        return np.full(len(acc), "all", dtype=object), [note]
    else:
        k = acc[by]
    k = k.astype("object")
    return k.where(k.notna(), "unknown").to_numpy(dtype=object), []


def _order(groups: Any, tiers_first: list[str] | None = None) -> list[Any]:
    seen = list(dict.fromkeys(groups))
    if tiers_first:
        return [g for g in tiers_first if g in seen] + [g for g in seen if g not in tiers_first]
    return sorted(seen, key=lambda g: (g == "unknown", str(g)))


def _tier_order(book: Book, by: Any, tiers: Any) -> list[str] | None:
    if by != "tier":
        return None
    if tiers is not None and getattr(tiers, "scheme", None) is not None:
        return [str(c) for c in tiers.scheme.codes]
    if tiers is not None:
        return [str(c) for c in tiers.table.index]
    return None


def _poisson_ci(k: np.ndarray, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """The exact (Garwood) interval of a Poisson count."""
    from scipy.stats import chi2

    k = np.asarray(k, dtype=float)
    lo = np.where(k > 0, chi2.ppf(alpha / 2, 2 * k) / 2, 0.0)
    hi = chi2.ppf(1 - alpha / 2, 2 * (k + 1)) / 2
    return lo, hi


def _trend(y: np.ndarray, n: np.ndarray, alpha: float) -> tuple[float, float, float, float]:
    """Relative change of the rate per period (exp(slope) - 1) of a Poisson regression of
    the counts ``y`` on the period's position, offset log(``n``), with its interval and
    p-value. The standard error is widened by the Pearson dispersion when the counts vary
    more than a Poisson count would (never narrowed), and read from a t distribution
    with periods - 2 degrees of freedom: a trend over few periods needs a clear slope."""
    from scipy.stats import t as student
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    x = np.column_stack([np.ones(len(y)), np.arange(len(y), dtype=float)])
    if y.sum() == 0:
        return np.nan, np.nan, np.nan, np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = GLM(y.astype(float), x, family=families.Poisson(), offset=np.log(n)).fit()
    df = len(y) - 2
    phi = max(1.0, float(fit.pearson_chi2) / df) if df > 0 else 1.0
    b, se = float(fit.params[1]), float(fit.bse[1]) * math.sqrt(phi)
    q = float(student.ppf(1 - alpha / 2, df)) if df > 0 else np.inf
    p = float(2 * student.sf(abs(b) / se, df)) if df > 0 and se > 0 else np.nan
    return math.expm1(b), math.expm1(b - q * se), math.expm1(b + q * se), p


def _coverage(book: Book, times: pd.Series) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The days a table's events are counted over: from the observation's start (or the
    first event, if earlier or unknown) to the later of the as-of day and the last event."""
    first, last = pd.Timestamp(times.min()).normalize(), pd.Timestamp(times.max()).normalize()
    start = book.observation_start()
    start = first if start is None else min(pd.Timestamp(start).normalize(), first)
    end = last if book.as_of is None else max(pd.Timestamp(book.as_of).normalize(), last)
    return start, end


def complaint_rate(
    book: Book,
    *,
    freq: str = "Q",
    by: str | pd.Series | None = None,
    rules: Rules = None,
) -> ComplaintRate:
    """Complaints per 100 active accounts per month (``freq="M"``) or quarter (``"Q"``),
    with their trend.

    Numerator: tickets of the kinds in ``complaints.kinds`` opened in the period.
    Denominator: the accounts that were customers at some time in it (joined on or before
    its last day, or joining unknown, and not churned before its first day), as
    :func:`kamlib.churn_by_period` counts them. The periods run from the observation's
    start (or the first ticket) to the book's as-of day (or the last ticket); a period the
    data end inside is ``partial_period`` and left out of the trend. The interval of a
    rate is the exact Poisson interval of its count.

    The trend of a group: a Poisson regression of its counts of the full periods on the
    period's position with log(accounts) as offset (:func:`_trend`), tested only over
    ``complaints.min_periods`` periods or more with at least ``complaints.min_accounts``
    accounts each; it is said to rise or fall only when its p-value is below
    ``complaints.alpha``.

    Parameters
    ----------
    book : the data; needs the optional ``tickets`` table.
    freq : ``"Q"`` (quarters) or ``"M"`` (months).
    by : ``None`` (all accounts), ``"tier"`` (value tiers), an accounts column
        (``customer_type``, ``branch``) or a Series of groups by account_id.
    rules : changes to ``config/service.yaml``.

    Examples
    --------
    >>> import pandas as pd, kamlib
    >>> acc = pd.DataFrame({"account_id": ["a", "b"], "branch": ["Suzhou"] * 2,
    ...     "status": ["active"] * 2, "join_date": ["2020-01-01"] * 2})
    >>> tk = pd.DataFrame({"ticket_id": ["t1", "t2", "t3"], "account_id": ["a", "a", "b"],
    ...     "opened": ["2025-01-05", "2025-02-01", "2025-04-09"], "kind": ["complaint"] * 3})
    >>> r = complaint_rate(kamlib.Book.from_frames(accounts=acc, tickets=tk, as_of="2025-06-30"),
    ...                    rules={"complaints": {"min_accounts": 1}})
    >>> r.table["complaints_per_100"].tolist()
    [100.0, 50.0]
    """
    cfg = service_rules(rules, caller="complaint_rate")
    cc = cfg["complaints"]
    if freq not in ("Q", "M"):
        from ._errors import ConfigError

        raise ConfigError(f"complaint_rate: freq must be 'Q' or 'M', not {freq!r}")
    empty = ComplaintRate(
        pd.DataFrame(columns=RATE_COLUMNS),
        pd.DataFrame(columns=TREND_COLUMNS),
        (),
        has_tickets=False,
    )
    if not book.has("tickets"):
        empty.notes = (
            tr(
                "The data have no service tickets table, so complaints per account and "
                "their trend cannot be shown."
            ),
        )
        return empty
    from .churn import period_members, period_name

    tk = book.table("tickets")
    start, end = _coverage(book, tk["opened"])
    kinds = set(cc["kinds"])
    comp = tk.loc[tk["kind"].isin(kinds).to_numpy(dtype=bool, na_value=False)]
    acc = book.accounts
    keys, notes = _groups(book, by, "complaint_rate")
    pos = positions(comp["account_id"], pd.Index(acc["account_id"]))
    comp_group = np.where(pos >= 0, keys[np.maximum(pos, 0)], "unknown")
    comp_period = pd.PeriodIndex(pd.to_datetime(comp["opened"]), freq=freq)
    churned = (acc["status"] == "churned").to_numpy(dtype=bool, na_value=False)
    cdate = (
        pd.to_datetime(acc["churn_date"]).to_numpy(dtype="datetime64[ns]")
        if "churn_date" in acc
        else np.full(len(acc), _NAT)
    )
    join = (
        pd.to_datetime(acc["join_date"]).to_numpy(dtype="datetime64[ns]")
        if "join_date" in acc
        else np.full(len(acc), _NAT)
    )
    periods = pd.period_range(start, end, freq=freq)
    groups = _order(keys)
    min_accounts = int(cc["min_accounts"])
    rows = []
    for p in periods:  # a loop over a dozen periods, vectorised over accounts
        in_p, _ = period_members(churned, cdate, join, p.start_time, p.end_time)
        partial = bool(start > p.start_time.normalize() or end < p.end_time.normalize())
        here = comp_period == p
        for g in groups:
            mine = here & (comp_group == g)
            n_acc = int((in_p & (keys == g)).sum())
            k = int(mine.sum())
            rows.append(
                {
                    "period": period_name(p),
                    "group": g,
                    "accounts": n_acc,
                    "complaints": k,
                    "complaining_accounts": int(comp.loc[mine, "account_id"].nunique()),
                    "partial_period": partial,
                }
            )
    table = pd.DataFrame(
        rows, columns=[c for c in RATE_COLUMNS if not c.startswith("complaints_per")]
    )
    ok = table["accounts"] >= min_accounts
    lo, hi = _poisson_ci(table["complaints"].to_numpy())
    n_acc = table["accounts"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        table["complaints_per_100"] = np.where(ok, 100 * table["complaints"] / n_acc, np.nan)
        table["complaints_per_100_low"] = np.where(ok, 100 * lo / n_acc, np.nan)
        table["complaints_per_100_high"] = np.where(ok, 100 * hi / n_acc, np.nan)
    table = table[RATE_COLUMNS]
    small = int((~ok & (table["accounts"] > 0)).sum())
    if small:
        notes.append(
            ntr(
                "{n} period and group has fewer than {least} active accounts: counts only, "
                "no rate.",
                "{n} periods and groups have fewer than {least} active accounts: counts "
                "only, no rate.",
                small,
                n=count(small),
                least=count(min_accounts),
            )
        )
    if table["partial_period"].any():
        notes.append(
            tr(
                "The data cover only part of {periods}: its rate is lower by the days not "
                "covered, and it is left out of the trend.",
                periods=", ".join(dict.fromkeys(table.loc[table["partial_period"], "period"])),
            )
        )
    trends = []
    for g in groups:
        t = table[
            (table["group"] == g) & ~table["partial_period"] & (table["accounts"] >= min_accounts)
        ]
        row: dict[str, Any] = {"group": g, "periods": len(t)}
        if len(t) < int(cc["min_periods"]):
            row.update(
                change_per_period=np.nan,
                change_per_period_low=np.nan,
                change_per_period_high=np.nan,
                p_value=np.nan,
                direction="too_few_periods",
            )
        else:
            c, clo, chi, p = _trend(
                t["complaints"].to_numpy(dtype=float),
                t["accounts"].to_numpy(dtype=float),
                cc["alpha"],
            )
            clear = np.isfinite(p) and p < float(cc["alpha"])
            row.update(
                change_per_period=c,
                change_per_period_low=clo,
                change_per_period_high=chi,
                p_value=p,
                direction=("rising" if c > 0 else "falling") if clear else "no_clear_trend",
            )
        trends.append(row)
    trend_table = pd.DataFrame(trends, columns=TREND_COLUMNS)
    notes.extend(_trend_sentences(trend_table, freq, int(cc["min_periods"]), float(cc["alpha"])))
    return ComplaintRate(table, trend_table, notes)


def _trend_sentences(
    trends: pd.DataFrame, freq: str, min_periods: int, alpha: float = 0.05
) -> list[str]:
    from .churn import column_in_sentence

    out = []
    per = tr("a quarter") if freq == "Q" else tr("a month")
    for _, r in trends.iterrows():
        who = tr("all accounts") if r["group"] == "all" else column_in_sentence(r["group"])
        if r["direction"] in ("rising", "falling"):
            msg = (
                N_(
                    "Complaints per account rise for {group}: {change} {per} ({level} "
                    "interval {low} to {high})."
                )
                if r["direction"] == "rising"
                else N_(
                    "Complaints per account fall for {group}: {change} {per} ({level} "
                    "interval {low} to {high})."
                )
            )
            out.append(
                tr(
                    msg,
                    group=who,
                    change=share(r["change_per_period"], signed=True),
                    per=per,
                    level=f"{100 * (1 - alpha):g}%",
                    low=share(r["change_per_period_low"], signed=True),
                    high=share(r["change_per_period_high"], signed=True),
                )
            )
        elif r["direction"] == "no_clear_trend":
            out.append(
                tr(
                    "Complaints per account show no clear rise or fall for {group}: the "
                    "changes from period to period are within what chance gives.",
                    group=who,
                )
            )
    few = trends[trends["direction"] == "too_few_periods"]
    if len(few):
        out.append(
            ntr(
                "{n} group has fewer than {least} full periods with enough accounts: no "
                "trend is tested.",
                "{n} groups have fewer than {least} full periods with enough accounts: no "
                "trend is tested.",
                len(few),
                n=count(len(few)),
                least=count(min_periods),
            )
        )
    return out


# ================================================================ satisfaction trend
class SatisfactionTrend(Result):
    """Mean satisfaction per group and period (:func:`satisfaction_trend`).

    Attributes
    ----------
    table : one row per period and group (``SCORE_COLUMNS``): answers, and the mean score
        with its interval only with at least ``satisfaction.min_answers`` answers.
    changes : per group (``CHANGE_COLUMNS``), the change of the mean from its first to
        its last period with enough answers, with a Welch interval; ``change_clear`` when
        the interval excludes 0.
    """

    def __init__(
        self,
        table: pd.DataFrame,
        changes: pd.DataFrame,
        notes: tuple[str, ...] | list[str] = (),
        *,
        overall: dict[str, float] | None = None,
    ) -> None:
        self.table = table
        self.changes = changes
        self.notes = tuple(dict.fromkeys(notes))
        self.overall = overall

    def summary(self) -> pd.DataFrame:
        """Answers, the overall mean score, and the change of the overall mean from the
        first to the last period with enough answers (NaN without surveys)."""
        o = self.overall or {}
        c = self.changes
        clear = c[c["change_clear"].astype(bool)] if len(c) else c
        return figures(
            {
                "answers": int(self.table["answers"].sum()) if self.overall else np.nan,
                "mean_score": o.get("mean", np.nan),
                "score_change": o.get("change", np.nan),
                "score_change_low": o.get("low", np.nan),
                "score_change_high": o.get("high", np.nan),
                "groups_rising": int((clear["score_change"] > 0).sum()) if self.overall else np.nan,
                "groups_falling": int((clear["score_change"] < 0).sum())
                if self.overall
                else np.nan,
            }
        )

    def plot(self, *, ax: Any = None) -> Any:
        """Mean score per period, one line per group, intervals as error bars."""
        ax = axes(ax)
        t = self.table
        if t.empty or t["mean_score"].notna().sum() == 0:
            return nothing_to_draw(
                ax, self.notes[0] if self.notes else tr("Too few answers for a mean score.")
            )
        from ._labels import label

        periods = list(dict.fromkeys(t["period"]))
        x = np.arange(len(periods))
        for g, rows in t.groupby("group", sort=False):
            rows = rows.set_index("period").reindex(periods)
            m = rows["mean_score"].to_numpy(dtype=float)
            err = np.vstack(
                [
                    m - rows["score_low"].to_numpy(dtype=float),
                    rows["score_high"].to_numpy(dtype=float) - m,
                ]
            )
            ax.errorbar(x, m, yerr=err, marker="o", capsize=3, label=label(g))
        ax.set_xticks(x, periods)
        ax.set_ylabel(tr("Mean satisfaction (1-5)"))
        ax.legend(loc="best")
        return ax


def _mean_ci(scores: np.ndarray, level: float) -> tuple[float, float, float]:
    from scipy.stats import t as student

    n = len(scores)
    m = float(np.mean(scores))
    if n < 2:
        return m, np.nan, np.nan
    half = float(student.ppf((1 + level) / 2, n - 1)) * float(np.std(scores, ddof=1)) / math.sqrt(n)
    return m, m - half, m + half


def _welch(a: np.ndarray, b: np.ndarray, level: float) -> tuple[float, float, float]:
    """Mean of ``b`` minus mean of ``a`` with its Welch interval."""
    from scipy.stats import t as student

    va, vb = np.var(a, ddof=1) / len(a), np.var(b, ddof=1) / len(b)
    d = float(np.mean(b) - np.mean(a))
    se = math.sqrt(va + vb)
    if se == 0:
        return d, d, d
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = float(student.ppf((1 + level) / 2, df)) * se
    return d, d - half, d + half


def satisfaction_trend(
    book: Book,
    *,
    by: str | pd.Series | None = "tier",
    freq: str = "Q",
    rules: Rules = None,
    tiers: Any = None,
) -> SatisfactionTrend:
    """Mean satisfaction score per group and period, from the ``surveys`` table.

    The scores (1 low .. 5 high) of the survey kinds in ``satisfaction.kinds`` are
    averaged per group -- value tier (:func:`kamlib.value_tiers`, or ``tiers=``), an
    accounts column (``customer_type``, ``branch``) or a Series by account_id -- and per
    month or quarter, with a t interval (``satisfaction.confidence``). With fewer than
    ``satisfaction.min_answers`` answers a cell shows its count, no mean. The change of a
    group is from its first to its last period with enough answers (a Welch interval);
    the notes name it only where its interval excludes 0.

    Without a surveys table the result is empty: ``accounts.satisfaction`` is one score
    per account, not over time, and cannot show a trend.

    Examples
    --------
    >>> import pandas as pd, kamlib
    >>> acc = pd.DataFrame({"account_id": ["a", "b"], "branch": ["Suzhou"] * 2,
    ...     "status": ["active"] * 2})
    >>> sv = pd.DataFrame({"account_id": ["a", "b", "a"], "date": ["2025-01-10",
    ...     "2025-01-20", "2025-04-02"], "score": [4, 2, 5], "kind": ["quarterly_survey"] * 3})
    >>> s = satisfaction_trend(kamlib.Book.from_frames(accounts=acc, surveys=sv), by=None,
    ...                        rules={"satisfaction": {"min_answers": 2}})
    >>> s.table[["answers", "mean_score"]].values.tolist()
    [[2.0, 3.0], [1.0, nan]]
    """
    cfg = service_rules(rules, caller="satisfaction_trend")["satisfaction"]
    level, least = float(cfg["confidence"]), int(cfg["min_answers"])
    if freq not in ("Q", "M"):
        from ._errors import ConfigError

        raise ConfigError(f"satisfaction_trend: freq must be 'Q' or 'M', not {freq!r}")
    if not book.has("surveys"):
        one = (
            " "
            + tr(
                "The accounts' satisfaction column is one score per account, not over time, "
                "so it cannot show a trend."
            )
            if "satisfaction" in book.accounts
            else ""
        )
        note = (
            tr(
                "The data have no satisfaction surveys table, so satisfaction over time "
                "cannot be shown."
            )
            + one
        )
        return SatisfactionTrend(
            pd.DataFrame(columns=SCORE_COLUMNS), pd.DataFrame(columns=CHANGE_COLUMNS), (note,)
        )
    from .churn import period_name

    sv = book.table("surveys")
    sv = sv.loc[sv["kind"].isin(cfg["kinds"]).to_numpy(dtype=bool, na_value=False)]
    sv = sv.loc[sv["score"].notna().to_numpy()]
    keys, notes = _groups(book, by, "satisfaction_trend", tiers)
    if by == "tier" and tiers is None and not notes:
        from .segment import value_tiers

        tiers = value_tiers(book)
    acc = book.accounts
    pos = positions(sv["account_id"], pd.Index(acc["account_id"]))
    group = np.where(pos >= 0, keys[np.maximum(pos, 0)], "unknown")
    period = pd.PeriodIndex(pd.to_datetime(sv["date"]), freq=freq)
    score = sv["score"].to_numpy(dtype=float)
    if len(sv) == 0:
        notes.append(tr("The surveys table holds no answers of the kinds read."))
        return SatisfactionTrend(
            pd.DataFrame(columns=SCORE_COLUMNS), pd.DataFrame(columns=CHANGE_COLUMNS), notes
        )
    periods = pd.period_range(period.min(), period.max(), freq=freq)
    groups = _order(group, _tier_order(book, by, tiers))
    rows = []
    cells: dict[tuple[Any, Any], np.ndarray] = {}
    for p in periods:
        here = period == p
        for g in groups:
            s = score[here & (group == g)]
            cells[(p, g)] = s
            m, lo, hi = _mean_ci(s, level) if len(s) >= least else (np.nan, np.nan, np.nan)
            rows.append(
                {
                    "period": period_name(p),
                    "group": g,
                    "answers": len(s),
                    "mean_score": m,
                    "score_low": lo,
                    "score_high": hi,
                }
            )
    table = pd.DataFrame(rows, columns=SCORE_COLUMNS)
    changes = []
    for g in groups:
        ok = [p for p in periods if len(cells[(p, g)]) >= least]
        if len(ok) < 2:
            continue
        a, b = cells[(ok[0], g)], cells[(ok[-1], g)]
        d, lo, hi = _welch(a, b, level)
        changes.append(
            {
                "group": g,
                "first_period": period_name(ok[0]),
                "last_period": period_name(ok[-1]),
                "first_mean": float(np.mean(a)),
                "last_mean": float(np.mean(b)),
                "score_change": d,
                "score_change_low": lo,
                "score_change_high": hi,
                "change_clear": bool(lo > 0 or hi < 0),
            }
        )
    change_table = pd.DataFrame(changes, columns=CHANGE_COLUMNS)
    # the overall mean and its change (all groups together)
    overall: dict[str, float] = {"mean": float(np.mean(score))}
    ok_all = [p for p in periods if int((period == p).sum()) >= least]
    if len(ok_all) >= 2:
        d, lo, hi = _welch(score[period == ok_all[0]], score[period == ok_all[-1]], level)
        overall.update(change=d, low=lo, high=hi)
    small = int(((table["answers"] > 0) & (table["answers"] < least)).sum())
    if small:
        notes.append(
            ntr(
                "{n} period and group has fewer than {least} answers: the count only, no mean.",
                "{n} periods and groups have fewer than {least} answers: the count only, no mean.",
                small,
                n=count(small),
                least=count(least),
            )
        )
    from .churn import column_in_sentence

    for _, r in change_table.iterrows():
        if r["change_clear"]:
            notes.append(
                tr(
                    "Satisfaction of {group} went from {first} in {p1} to {last} in {p2} "
                    "({change}; interval {low} to {high}).",
                    group=tr("all accounts")
                    if r["group"] == "all"
                    else column_in_sentence(r["group"]),
                    first=number(r["first_mean"], 2),
                    p1=r["first_period"],
                    last=number(r["last_mean"], 2),
                    p2=r["last_period"],
                    change=f"{r['score_change']:+.2f}",
                    low=f"{r['score_change_low']:+.2f}",
                    high=f"{r['score_change_high']:+.2f}",
                )
            )
    if "change" in overall:
        d, lo, hi = overall["change"], overall["low"], overall["high"]
        notes.append(
            tr(
                "All answers together: the mean score went from {first} in {p1} to {last} in "
                "{p2} ({change}; interval {low} to {high}), {clear}.",
                first=number(float(np.mean(score[period == ok_all[0]])), 2),
                p1=period_name(ok_all[0]),
                last=number(float(np.mean(score[period == ok_all[-1]])), 2),
                p2=period_name(ok_all[-1]),
                change=f"{d:+.2f}",
                low=f"{lo:+.2f}",
                high=f"{hi:+.2f}",
                clear=tr("a clear change") if lo > 0 or hi < 0 else tr("not a clear change"),
            )
        )
    if len(change_table) and not change_table["change_clear"].any():
        notes.append(
            tr(
                "No group's satisfaction changed clearly from its first to its last period "
                "with enough answers."
            )
        )
    kinds = sv["kind"].value_counts()
    if len(kinds) > 1:
        notes.append(
            tr(
                "The scores mix call-backs after a ticket ({calls}) and quarterly surveys "
                "({surveys}): a period with more call-backs reads the service just given.",
                calls=count(int(kinds.get("call_back", 0))),
                surveys=count(int(kinds.get("quarterly_survey", 0))),
            )
        )
    return SatisfactionTrend(table, change_table, notes, overall=overall)


# ================================================================== churn after failure
class ServiceChurn(Result):
    """Churn in the months after a service failure (:func:`service_churn`).

    Attributes
    ----------
    table : one row per account with a failure in the window (``FAILED_COLUMNS``).
    comparison : churners per account-month after a failure and in other account-months
        (``COMPARISON_COLUMNS``; rates only with enough churners after a failure).
    ratio_, ci_, pvalue_ : the adjusted rate ratio (after a failure / other) of a Poisson
        GLM, its Wald interval and p-value; NaN with too few churners.
    excess_, excess_ci_ : churners after a failure beyond those the other account-months'
        rate expects (observed x (1 - 1/ratio)), and its interval from the ratio's.
    cost_, cost_ci_ : the excess churners x the mean monthly revenue of the churners after
        a failure x 12: what poor service costs a year (an estimate).
    claimed_ : True only when the interval excludes 1 (with enough churners).
    """

    def __init__(
        self,
        table: pd.DataFrame,
        comparison: pd.DataFrame,
        notes: tuple[str, ...] | list[str] = (),
        *,
        ratio: float = np.nan,
        ci: tuple[float, float] = (np.nan, np.nan),
        pvalue: float = np.nan,
        excess: float = np.nan,
        excess_ci: tuple[float, float] = (np.nan, np.nan),
        cost: float = np.nan,
        cost_ci: tuple[float, float] = (np.nan, np.nan),
        adjusted_for: tuple[str, ...] = (),
        has_data: bool = True,
        currency: str = "",
    ) -> None:
        self.table = table
        self.comparison = comparison
        self.notes = tuple(dict.fromkeys(notes))
        self.ratio_ = float(ratio)
        self.ci_ = (float(ci[0]), float(ci[1]))
        self.pvalue_ = float(pvalue)
        self.excess_ = float(excess)
        self.excess_ci_ = (float(excess_ci[0]), float(excess_ci[1]))
        self.cost_ = float(cost)
        self.cost_ci_ = (float(cost_ci[0]), float(cost_ci[1]))
        self.adjusted_for = adjusted_for
        self.has_data = has_data
        self.currency = currency

    @property
    def claimed_(self) -> bool:
        lo, hi = self.ci_
        return bool(np.isfinite(lo) and (lo > 1.0 or hi < 1.0))

    def summary(self) -> pd.DataFrame:
        """Accounts with a failure, churners after one, their revenue lost, the rate ratio
        and its interval, and -- only where the ratio is claimed -- the excess churners
        and the cost of poor service a year with their intervals."""
        t = self.table
        claim = self.claimed_
        nan = np.nan

        def shown(v: float) -> float:
            return v if claim else nan

        return figures(
            {
                "accounts_after_failure": len(t) if self.has_data else nan,
                "churned_after_failure": int(t["churned_after"].sum()) if self.has_data else nan,
                "revenue_lost_after_failure": float(t["revenue_lost"].sum())
                if self.has_data
                else nan,
                "rate_ratio": self.ratio_,
                "rate_ratio_low": self.ci_[0],
                "rate_ratio_high": self.ci_[1],
                "p_value": self.pvalue_,
                "excess_churners": shown(self.excess_),
                "excess_churners_low": shown(self.excess_ci_[0]),
                "excess_churners_high": shown(self.excess_ci_[1]),
                "cost_of_poor_service": shown(self.cost_),
                "cost_of_poor_service_low": shown(self.cost_ci_[0]),
                "cost_of_poor_service_high": shown(self.cost_ci_[1]),
            }
        )

    def plot(self, *, ax: Any = None) -> Any:
        """Churners per 100 account-months after a failure and in other account-months."""
        ax = axes(ax)
        c = self.comparison
        if c.empty or c["rate"].isna().all():
            return nothing_to_draw(
                ax, self.notes[0] if self.notes else tr("Too few churners after a failure.")
            )
        from ._labels import label

        ax.bar(
            [label(g) for g in c["group"]],
            100 * c["rate"].to_numpy(dtype=float),
            color=["#c44e52", "#4c72b0"],
        )
        ax.set_ylabel(tr("Accounts churned per 100 account-months"))
        return ax


def _failures(
    book: Book, cfg: dict[str, Any], start: pd.Timestamp, end: pd.Timestamp
) -> tuple[pd.DataFrame, list[str]]:
    """The service failures, one row each (account_id, at): the deadline of each broken
    promise (when it broke) and the date of each score at or below ``low_score``."""
    wanted = cfg["churn"]["failures"]
    parts, notes = [], []
    if "broken_promise" in wanted:
        if book.has("tickets"):
            t, _, _ = _judge(book, cfg, end)
            b = t[t["status"] == "broken"]
            # a ticket closed unresolved in time broke its promise when it was closed
            at = b["deadline"].where(
                b["clock_stopped"].isna() | (b["clock_stopped"] > b["deadline"]), b["clock_stopped"]
            )
            parts.append(
                pd.DataFrame({"account_id": b["account_id"].to_numpy(), "at": at.to_numpy()})
            )
        else:
            notes.append(
                tr(
                    "The data have no service tickets table: broken promises are not counted as failures."
                )
            )
    if "low_score" in wanted:
        if book.has("surveys"):
            s = book.table("surveys")
            low = s[
                s["score"].to_numpy(dtype=float, na_value=np.nan)
                <= float(cfg["churn"]["low_score"])
            ]
            parts.append(
                pd.DataFrame(
                    {
                        "account_id": low["account_id"].to_numpy(),
                        "at": pd.to_datetime(low["date"]).to_numpy(),
                    }
                )
            )
        else:
            notes.append(
                tr(
                    "The data have no satisfaction surveys table: low scores are not counted as failures."
                )
            )
    if not parts:
        return pd.DataFrame(columns=["account_id", "at"]), notes
    f = pd.concat(parts, ignore_index=True)
    f = f[f["at"].notna()]
    # a failure shortly before the window still exposes the window's first months
    f = f[
        (f["at"] >= start - pd.DateOffset(months=int(cfg["churn"]["after_months"])))
        & (f["at"] < end)
    ]
    return f.reset_index(drop=True), notes


def _split(
    begin: np.ndarray,
    stop: np.ndarray,
    event: np.ndarray,
    failures: pd.DataFrame,
    ids: pd.Index,
    after: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Days at risk after a failure per account, and whether its churn fell in them.

    Each failure exposes the account over (failure, failure + ``after`` months];
    overlapping intervals of an account are merged. The time before an account's first
    failure counts as other, as does its time after the exposure: the failure is seen as
    it happens, so -- unlike a portfolio drawn at a manager's departure
    (:func:`kamlib.managers.manager_departures`) -- no account is in the exposed group for
    having survived to be in it, and each moment is classed by what had happened by then.
    """
    n = len(begin)
    exposed_days = np.zeros(n)
    exposed_event = np.zeros(n, dtype=bool)
    if failures.empty:
        return exposed_days, exposed_event
    i = positions(failures["account_id"], ids)
    lo = pd.to_datetime(failures["at"])
    iv = pd.DataFrame(
        {
            "i": i,
            "lo": lo.to_numpy(dtype="datetime64[ns]"),
            "hi": (lo + pd.DateOffset(months=after)).to_numpy(dtype="datetime64[ns]"),
        }
    )
    iv = iv[iv["i"] >= 0].sort_values(["i", "lo"], kind="stable")
    if iv.empty:
        return exposed_days, exposed_event
    reach = iv.groupby("i", sort=False)["hi"].cummax()
    prev = reach.groupby(iv["i"], sort=False).shift(1)
    block = (prev.isna() | (iv["lo"] > prev)).cumsum()
    m = iv.groupby(block, sort=False).agg(i=("i", "first"), lo=("lo", "min"), hi=("hi", "max"))
    j = m["i"].to_numpy()
    a0 = np.maximum(m["lo"].to_numpy(), begin[j])
    a1 = np.minimum(m["hi"].to_numpy(), stop[j])
    np.add.at(exposed_days, j, np.clip((a1 - a0) / _DAY, 0, None))
    hit = event[j] & (m["lo"].to_numpy() < stop[j]) & (stop[j] <= m["hi"].to_numpy())
    exposed_event[j[hit]] = True
    return exposed_days, exposed_event


def _adjusted_ratio(
    cells: pd.DataFrame, covariates: list[str], level: float
) -> tuple[float, float, float, float]:
    """The rate ratio of ``after_failure`` from a Poisson GLM of the churners per cell on
    after_failure and the covariates' levels, offset log(account-months); its Wald
    interval and p-value. Levels with no churner at all are left out: their coefficient
    would run to minus infinity and they say nothing about the ratio."""
    from scipy.stats import norm
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    c = cells[cells["months"] > 0]
    for cov in covariates:
        with_churn = c.groupby(cov)["churned"].transform("sum") > 0
        c = c[with_churn]
    if c.empty or c.loc[c["after_failure"] == 1, "churned"].sum() == 0:
        return np.nan, np.nan, np.nan, np.nan
    if c.loc[c["after_failure"] == 0, "churned"].sum() == 0:
        return np.nan, np.nan, np.nan, np.nan
    x = pd.DataFrame({"const": 1.0, "after_failure": c["after_failure"].astype(float)})
    for cov in covariates:
        d = pd.get_dummies(c[cov].astype(str), prefix=cov, drop_first=True, dtype=float)
        x = pd.concat([x, d], axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = GLM(
            c["churned"].to_numpy(dtype=float),
            x.to_numpy(dtype=float),
            family=families.Poisson(),
            offset=np.log(c["months"].to_numpy(dtype=float)),
        ).fit()
    b, se = float(fit.params[1]), float(fit.bse[1])
    z = float(norm.ppf((1 + level) / 2))
    return math.exp(b), math.exp(b - z * se), math.exp(b + z * se), float(fit.pvalues[1])


def service_churn(book: Book, *, rules: Rules = None, tiers: Any = None) -> ServiceChurn:
    """Churn in the months after a service failure against comparable account-months
    without one, and what poor service costs a year.

    A failure (``churn.failures``) is a broken promise of :func:`service_promises` (at its
    deadline, the moment it broke) or a survey score at or below ``churn.low_score``. An
    account is at risk from the later of the window's start (observation start) and its
    joining to the earlier of its churn and the as-of day; each failure exposes it for
    ``churn.after_months`` months, and the rest of its time is other (see :func:`_split`).
    The churners per account-month, after a failure and other, are compared by a Poisson
    GLM with log(account-months) as offset, adjusted for value tier
    (:func:`kamlib.value_tiers`, or ``tiers=``) and customer type: ``ratio_`` and its Wald
    interval ``ci_`` (``churn.confidence``), shown only with ``churn.min_churners`` or
    more churners after a failure, and said to differ from 1 only when the interval
    excludes 1.

    Revenue lost: each churner after a failure's average monthly bill x 12. The cost of
    poor service: the excess churners (observed after a failure minus those expected at
    the other account-months' rate, observed x (1 - 1/ratio)) x the churners' mean monthly
    revenue x 12, with the interval of the ratio carried through (the observed count held
    fixed). An association, not a proof of cause: accounts about to leave may complain.

    Examples
    --------
    >>> import kamlib
    >>> r = service_churn(kamlib.load(kamlib.sample_path()))
    >>> r.claimed_, r.ratio_ > 1
    (True, True)
    """
    from .managers import dates_of, manager_window, monthly_bills

    cfg = service_rules(rules, caller="service_churn")
    cc = cfg["churn"]
    empty_t = pd.DataFrame(columns=FAILED_COLUMNS)
    empty_c = pd.DataFrame(columns=COMPARISON_COLUMNS)
    if not (book.has("tickets") or book.has("surveys")):
        note = tr(
            "The data have neither a service tickets table nor a satisfaction surveys table, "
            "so churn after poor service cannot be shown."
        )
        return ServiceChurn(empty_t, empty_c, (note,), has_data=False, currency=book.currency)
    window = manager_window(book)
    if window is None:
        note = tr("The data have no as-of date, so churn after a service failure cannot be dated.")
        return ServiceChurn(empty_t, empty_c, (note,), has_data=False, currency=book.currency)
    start, end, wnote = window
    notes: list[str] = [wnote] if wnote else []
    failures, fnotes = _failures(book, cfg, start, end)
    notes += fnotes
    acc = book.accounts
    ids = pd.Index(acc["account_id"].to_numpy(dtype=object))
    s, e = start.to_datetime64(), end.to_datetime64()
    churned = (acc["status"] == "churned").to_numpy(dtype=bool, na_value=False)
    cdate = dates_of(acc, "churn_date")
    join = dates_of(acc, "join_date")
    undated = churned & np.isnat(cdate)
    if undated.any():
        k = int(undated.sum())
        notes.append(
            ntr(
                "{n} churner has no churn date and is left out: it cannot be placed before "
                "or after a failure.",
                "{n} churners have no churn date and are left out: they cannot be placed "
                "before or after a failure.",
                k,
                n=count(k),
            )
        )
    stop = np.minimum(np.where(churned & ~undated, cdate, e), e)
    begin = np.maximum(np.where(np.isnat(join), s, join), s)
    at_risk = ~undated & (stop > begin)
    event = at_risk & churned & (stop >= s) & (stop < e)
    days = np.where(at_risk, (stop - begin) / _DAY, 0.0)
    after = int(cc["after_months"])
    exp_days, exp_event = _split(begin, stop, event, failures, ids, after)
    exp_days = np.where(at_risk, exp_days, 0.0)
    exp_event &= event

    # covariates: value tier and customer type (unknown where missing)
    covariates: list[str] = []
    from .segment import value_tiers

    tiers = tiers if tiers is not None else value_tiers(book)
    tier = pd.Series(tiers.assignment.astype(object).to_numpy(), index=acc.index)
    tier = tier.where(tier.notna(), "unknown")
    if not tiers.table.empty:
        covariates.append("tier")
    else:
        notes.append(tr("The data hold no spend: the comparison is not adjusted for value tier."))
    ctype = (
        acc["customer_type"].astype(object)
        if "customer_type" in acc
        else pd.Series("unknown", index=acc.index)
    )
    ctype = ctype.where(ctype.notna(), "unknown")
    if "customer_type" in acc:
        covariates.append("customer_type")
    else:
        notes.append(tr("The data have no customer type: the comparison is not adjusted for it."))
    month_days = 365.25 / 12
    frame = pd.DataFrame(
        {
            "tier": tier.to_numpy(dtype=object),
            "customer_type": ctype.to_numpy(dtype=object),
            "exp_months": exp_days / month_days,
            "other_months": (days - exp_days) / month_days,
            "exp_churn": exp_event.astype(int),
            "other_churn": (event & ~exp_event).astype(int),
        }
    )
    g = frame.groupby(["tier", "customer_type"], sort=True, dropna=False)
    agg = g.sum(numeric_only=True).reset_index()
    cells = pd.concat(
        [
            agg.assign(after_failure=1, months=agg["exp_months"], churned=agg["exp_churn"]),
            agg.assign(after_failure=0, months=agg["other_months"], churned=agg["other_churn"]),
        ],
        ignore_index=True,
    )[["tier", "customer_type", "after_failure", "months", "churned"]]

    monthly = monthly_bills(book)
    failed = np.zeros(len(acc), dtype=bool)
    first = pd.Series(pd.NaT, index=ids, dtype="datetime64[ns]")
    n_fail = pd.Series(0, index=ids)
    if len(failures):
        fi = positions(failures["account_id"], ids)
        ok = fi >= 0
        ff = pd.DataFrame({"i": fi[ok], "at": pd.to_datetime(failures["at"]).to_numpy()[ok]})
        # failures while the account was at risk (not after it left)
        ff = ff[ff["at"].to_numpy() < stop[ff["i"].to_numpy()]]
        per = ff.groupby("i")["at"].agg(["min", "size"])
        failed[per.index.to_numpy()] = True
        first.iloc[per.index.to_numpy()] = per["min"].to_numpy()
        n_fail.iloc[per.index.to_numpy()] = per["size"].to_numpy()
    names = (acc["name"] if "name" in acc else acc["account_id"]).to_numpy(dtype=object)
    lost = np.where(exp_event, monthly * 12, 0.0)
    table = pd.DataFrame(
        {
            "account_id": acc["account_id"].to_numpy()[failed],
            "name": names[failed],
            "customer_type": ctype.to_numpy(dtype=object)[failed],
            "tier": tier.to_numpy(dtype=object)[failed],
            "first_failure": first.to_numpy()[failed],
            "failures": n_fail.to_numpy()[failed],
            "churned_after": exp_event[failed],
            "churn_date": np.where(exp_event, cdate, _NAT)[failed],
            "monthly_revenue": monthly[failed],
            "revenue_lost": np.nan_to_num(lost[failed]),
        },
        columns=FAILED_COLUMNS,
    )
    table = table.sort_values(["churned_after", "revenue_lost"], ascending=False, kind="stable")
    table = table.reset_index(drop=True)
    if table.empty:
        notes.append(tr("No account had a service failure in the window."))

    o_exp, o_other = int(exp_event.sum()), int((event & ~exp_event).sum())
    m_exp, m_other = float(exp_days.sum() / month_days), float((days - exp_days).sum() / month_days)
    comparison = pd.DataFrame(
        {
            "group": ["after_failure", "other"],
            "accounts": [int((exp_days > 0).sum()), int(((days - exp_days) > 0).sum())],
            "account_months": [m_exp, m_other],
            "churned": [o_exp, o_other],
            "rate": np.nan,
        },
        columns=COMPARISON_COLUMNS,
    )
    least, level = int(cc["min_churners"]), float(cc["confidence"])
    ratio = lo = hi = p = np.nan
    excess = ex_lo = ex_hi = cost = c_lo = c_hi = np.nan
    if o_exp >= least:
        comparison["rate"] = comparison["churned"] / comparison["account_months"].where(
            comparison["account_months"] > 0
        )
        ratio, lo, hi, p = _adjusted_ratio(cells, covariates, level)
    if len(table) and o_exp < least:
        notes.append(
            ntr(
                "Only {n} account churned within {months} months of a service failure (fewer "
                "than {min}): too few to compare, so counts only.",
                "Only {n} accounts churned within {months} months of a service failure (fewer "
                "than {min}): too few to compare, so counts only.",
                o_exp,
                n=count(o_exp),
                months=count(after),
                min=count(least),
            )
        )
    elif o_exp >= least and not np.isfinite(ratio):
        notes.append(
            tr(
                "No other account churned in the window: churn after a failure has nothing to be compared with."
            )
        )
    elif np.isfinite(ratio):
        pct = f"{100 * level:g}%"
        adj = (
            tr("adjusted for value tier and customer type")
            if len(covariates) == 2
            else tr("adjusted for value tier")
            if covariates == ["tier"]
            else tr("adjusted for customer type")
            if covariates
            else tr("not adjusted")
        )
        if lo > 1 or hi < 1:
            msg = N_(
                "Churn in the {months} months after a service failure is {ratio:.1f} times "
                "that of other account-months ({adjusted}; {level} interval {low:.1f} to "
                "{high:.1f})."
            )
        else:
            msg = N_(
                "Churn after a service failure is not clearly different from that of other "
                "account-months (rate ratio {ratio:.1f}, {adjusted}; {level} interval "
                "{low:.1f} to {high:.1f})."
            )
        notes.append(
            tr(msg, months=count(after), ratio=ratio, adjusted=adj, level=pct, low=lo, high=hi)
        )
        # the excess over the rate of the other account-months, and its price
        excess = o_exp * (1 - 1 / ratio)
        ex_lo, ex_hi = o_exp * (1 - 1 / lo), o_exp * (1 - 1 / hi)
        rev = monthly[exp_event]
        mean_rev = float(np.nanmean(rev)) if np.isfinite(rev).any() else np.nan
        cost, c_lo, c_hi = (x * mean_rev * 12 for x in (excess, ex_lo, ex_hi))
        if lo > 1 and np.isfinite(cost):
            notes.append(
                tr(
                    "Churn after poor service comes to an estimated {cost} of revenue a year: "
                    "about {excess} more accounts left after a failure than the other "
                    "account-months' rate expects (interval {low} to {high} a year), at their "
                    "mean bill of {bill} a month. It is an association, not proof of cause: "
                    "accounts about to leave may also complain more.",
                    cost=money(cost, book.currency),
                    excess=number(excess, 0),
                    low=money(c_lo, book.currency),
                    high=money(c_hi, book.currency),
                    bill=money(mean_rev, book.currency),
                )
            )
    if o_exp:
        unknown = int((exp_event & ~np.isfinite(monthly)).sum())
        notes.append(
            tr(
                "Revenue lost by the accounts that left after a failure: {lost} a year (their "
                "average monthly bill x 12).",
                lost=money(float(np.nansum(lost)), book.currency),
            )
        )
        if unknown:
            notes.append(
                ntr(
                    "{n} of them has no known monthly revenue: it is left out of the money.",
                    "{n} of them have no known monthly revenue: they are left out of the money.",
                    unknown,
                    n=count(unknown),
                )
            )
    return ServiceChurn(
        table,
        comparison,
        notes,
        ratio=ratio,
        ci=(lo, hi),
        pvalue=p,
        excess=excess,
        excess_ci=(ex_lo, ex_hi),
        cost=cost,
        cost_ci=(c_lo, c_hi),
        adjusted_for=tuple(covariates),
        currency=book.currency,
    )
