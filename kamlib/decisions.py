"""The first screen of a branch report: the KPIs a branch manager is measured on, and the
actions for this month.

:func:`kpis` puts each KPI beside the whole operator, beside the branch's own earlier
period and beside a target when the user gives one; :func:`next_actions` turns the
analyses that already exist (group warnings, loss-making accounts, churn causes, the
priority matrix) into three to five sentences a manager can act on, each with the
accounts named and the money at stake.

The earlier period is one rule for every KPI: the billing window is cut in two halves of
equal length (an odd first month is left out), and the latest half is compared with the
half before it (``latest``, ``earlier``, ``change``); the period texts say which months.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._book import REVENUE_SOURCES, Book
from ._format import count, money, names_list, period, share
from ._i18n import N_, ntr, tr
from ._labels import label
from ._result import TableResult, axes, figures, nothing_to_draw
from ._settings import KPI_CODES, settings
from ._settings import targets as read_targets

__all__ = [
    "KPIs",
    "kpis",
    "kpi_name",
    "Actions",
    "next_actions",
    "DIRECTION",
    "UNITS",
    "KPI_NAMES",
    "VERSUS",
]

#: +1: higher is better; -1: lower is better
DIRECTION = {
    "revenue": 1,
    "revenue_growth": 1,
    "arpu": 1,
    "profit": 1,
    "margin": 1,
    "churn_rate": -1,
    "key_account_churn_rate": -1,
    "satisfaction": 1,
}
#: the unit code of each KPI (words in kamlib._labels)
UNITS = {
    "revenue": "money",
    "revenue_growth": "share",
    "arpu": "money_per_month",
    "profit": "money",
    "margin": "share",
    "churn_rate": "share",
    "key_account_churn_rate": "share",
    "satisfaction": "score",
}
#: each KPI's name on the first screen (translated where shown: :func:`kpi_name`)
KPI_NAMES = {
    "revenue": N_("Revenue"),
    "revenue_growth": N_("Revenue growth"),
    "arpu": N_("ARPU (per month)"),
    "profit": N_("Profit"),
    "margin": N_("Margin"),
    "churn_rate": N_("Churn rate"),
    "key_account_churn_rate": N_("Churn rate of key accounts"),
    "satisfaction": N_("Satisfaction"),
}
#: the words of ``versus_operator`` and ``versus_target``
VERSUS = {"better": N_("Better"), "worse": N_("Worse")}


def kpi_name(code: str) -> str:
    """A KPI's name in the current language (a code not among the KPIs through
    :func:`kamlib._labels.label`).

    Examples
    --------
    >>> kpi_name("key_account_churn_rate")
    'Churn rate of key accounts'
    """
    return tr(KPI_NAMES[code]) if code in KPI_NAMES else label(code)


#: totals: the operator's figure is context, not a yardstick (a branch is always smaller)
_TOTALS = {"revenue", "profit"}
_KPI_COLUMNS = [
    "unit",
    "period",
    "branch",
    "operator",
    "versus_operator",
    "latest",
    "earlier",
    "change",
    "change_relative",
    "comparison",
    "target",
    "versus_target",
    "accounts",
    "churned",
]


# -- KPIs ----------------------------------------------------------------------------
class KPIs(TableResult):
    """The first screen's KPIs (:func:`kpis`): one row per KPI code (index ``kpi``)."""

    def summary(self) -> pd.DataFrame:
        return figures({k: self.table.loc[k, "branch"] for k in self.table.index})

    def plot(self, *, ax: Any = None) -> Any:
        """The branch against the operator, as a % difference per KPI (green: better,
        red: worse); totals (revenue, profit) are left out. Returns the Axes."""
        ax = axes(ax)
        t = self.table.drop(index=[k for k in _TOTALS if k in self.table.index])
        t = t[t["branch"].notna() & t["operator"].notna() & (t["operator"] != 0)]
        if t.empty:
            return nothing_to_draw(ax, tr("No KPI can be compared with the operator."))
        diff = (t["branch"].astype(float) / t["operator"].astype(float) - 1) * 100
        colors = [
            {"better": "#55a868", "worse": "#c44e52"}.get(v, "#8c8c8c")
            for v in t["versus_operator"]
        ]
        y = np.arange(len(t))
        ax.barh(y, diff.to_numpy(), color=colors)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(y, [kpi_name(k) for k in t.index])
        ax.invert_yaxis()
        ax.set_xlabel(tr("Branch against the operator, % difference"))
        return ax


def _halves(months: pd.DatetimeIndex) -> tuple[pd.DatetimeIndex, pd.DatetimeIndex] | None:
    """The earlier and the latest half of the billing months (equal lengths)."""
    h = len(months) // 2
    if h < 1:
        return None
    return months[-2 * h : -h], months[-h:]


def _span(months: pd.DatetimeIndex) -> str:
    return period(months[0], months[-1])


def _in_months(df: pd.DataFrame, months: pd.DatetimeIndex | None) -> pd.DataFrame:
    return df if months is None else df.loc[df["month"].isin(months)]


def _by_month(b: Book) -> pd.DataFrame:
    """Per billing month (index): ``revenue`` billed and ``accounts`` billed in it (an
    account counts once a month whatever its lines). Memoised on the book: the KPIs ask
    for revenue and account-months over the window and each half, which filtered every
    billing line six times."""

    def make() -> pd.DataFrame:
        am = b.account_months()
        assert am is not None
        return am.groupby("month", sort=True).agg(
            revenue=("revenue", "sum"), accounts=("revenue", "size")
        )

    return b.memo("kpi_by_month", make)


def _billed_revenue(b: Book, months: pd.DatetimeIndex | None = None) -> float:
    """Billed revenue over the months (all months without them); 0 without billing rows."""
    if not b.has("billing"):
        return 0.0
    per = _by_month(b)["revenue"]
    return float(per.sum() if months is None else per[per.index.isin(months)].sum())


def _account_months(b: Book, months: pd.DatetimeIndex | None = None) -> int:
    """Account-months billed over the months: an account counts in each month it was
    billed (the denominator of ARPU); 0 without billing rows."""
    if not b.has("billing"):
        return 0
    per = _by_month(b)["accounts"]
    return int(per.sum() if months is None else per[per.index.isin(months)].sum())


def _revenue(b: Book, months: pd.DatetimeIndex | None = None) -> float:
    """Revenue over the months (billing), else the accounts' revenue over the period."""
    if b.has("billing"):
        return _billed_revenue(b, months)
    if months is None and b.revenue_source() == "accounts.total_revenue":
        return float(b.accounts["total_revenue"].sum())
    return math.nan


def _ratio(num: float, den: float) -> float:
    return num / den if den else math.nan


def _arpu(b: Book, months: pd.DatetimeIndex | None = None) -> float:
    """Revenue per account and month: billed revenue / account-months billed (an account
    counts in each month it was billed); without billing, the mean monthly charge."""
    if b.has("billing"):
        return _ratio(_billed_revenue(b, months), _account_months(b, months))
    if months is None and b.revenue_source() == "accounts.monthly_revenue":
        return float(b.accounts["monthly_revenue"].mean())
    return math.nan


def _profit(b: Book, months: pd.DatetimeIndex | None, cost_model: Any) -> tuple[float, float]:
    """Profit and margin over the months (the customer P&L of those months only)."""
    from .profit import customer_pnl

    if not b.has("costs") or b.revenue_source() is None:
        return math.nan, math.nan
    if months is not None:
        b = replace(
            b,
            # its revenue per account and month: all a P&L reads of billing
            billing=_in_months(b.account_months(), months) if b.has("billing") else None,
            costs=_in_months(b.table("costs"), months),
        )
    s = customer_pnl(b, cost_model=cost_model).summary()["value"]
    return float(s["profit"]), float(s["margin"])


def _key_account_mask(b: Book) -> np.ndarray | None:
    """Which of the book's accounts are key accounts; None without a customer type."""
    if "customer_type" not in b.accounts:
        return None
    return (b.accounts["customer_type"] == "key_account").to_numpy(dtype=bool, na_value=False)


def _churn_counts(b: Book, months: pd.DatetimeIndex | None, key_accounts: bool) -> tuple[int, int]:
    """Accounts and churned accounts of a churn rate over the window or over ``months``
    (0 and 0 when the data cannot give them).

    The window uses :func:`kamlib.churn_rates`' denominator (so the book's
    :meth:`~kamlib.Book.observation_start`, for its key accounts too); a half uses the
    period rule of :func:`kamlib.churn_by_period` (customers at some time in it, not gone
    before it). Both are counts of accounts: a sum over any split of the accounts.
    """
    from .churn import churn_base, churn_rates, period_members

    key = _key_account_mask(b) if key_accounts else None
    if key_accounts and key is None:
        return 0, 0
    if months is None:
        if not len(b.accounts):
            return 0, 0
        if key is not None:
            # churn_rates' denominator of the key accounts alone: its rows among them
            # (no selection of every table for two counts)
            base = churn_base(b, True, columns=["customer_type"])
            mine = (base["customer_type"] == "key_account").to_numpy(dtype=bool, na_value=False)
            return int(mine.sum()), int(base["churned"].to_numpy()[mine].sum())
        t = churn_rates(b, by=None).table  # its counts, whatever the small-sample rule
        if t.empty:
            return 0, 0
        return int(t["accounts"].iloc[0]), int(t["churned"].iloc[0])
    if key is not None:
        b = replace(b, accounts=b.accounts.loc[key])  # the accounts' columns are all it reads
    acc = b.accounts
    if "churn_date" not in acc or acc["churn_date"].isna().all():
        return 0, 0
    nat = np.full(len(acc), np.datetime64("NaT"), dtype="datetime64[ns]")
    join = acc["join_date"].to_numpy(dtype="datetime64[ns]") if "join_date" in acc else nat
    in_p, lost = period_members(
        (acc["status"] == "churned").to_numpy(dtype=bool, na_value=False),
        acc["churn_date"].to_numpy(dtype="datetime64[ns]"),
        join,
        months[0],
        months[-1] + pd.offsets.MonthEnd(0),
    )
    return int(in_p.sum()), int(lost.sum())


def _churn_rate(n: int, k: int) -> float:
    """The churn rate of ``k`` churned among ``n`` accounts: none (NaN) for fewer than
    ``churn.yaml: min_accounts`` accounts (the small-sample rule)."""
    least = int(settings("churn")["min_accounts"])
    return k / n if n >= least and n > 0 else math.nan


def _churn(b: Book, months: pd.DatetimeIndex | None, key_accounts: bool) -> tuple[float, int, int]:
    """Churn rate, accounts and churned accounts over the window or over ``months``
    (:func:`_churn_counts`). Fewer than ``churn.yaml: min_accounts`` accounts: counts, no
    rate."""
    n, k = _churn_counts(b, months, key_accounts)
    return _churn_rate(n, k), n, k


def _satisfaction_sums(b: Book) -> tuple[float, int]:
    """The sum and the number of satisfaction scores of the current customers (not
    churned); 0 and 0 without scores."""
    acc = b.accounts
    if "satisfaction" not in acc:
        return 0.0, 0
    now = acc.loc[(acc["status"] != "churned").to_numpy(dtype=bool, na_value=True), "satisfaction"]
    return float(now.sum()), int(now.notna().sum())


def _satisfaction(b: Book) -> float:
    """The mean satisfaction score of the current customers (not churned)."""
    return _ratio(*_satisfaction_sums(b))


def _versus(kpi: str, value: Any, yardstick: Any, *, met: bool) -> Any:
    """ "better" / "worse" than the yardstick in the KPI's direction; NaN when unknown.
    ``met``: equal to the yardstick counts as better (a target met)."""
    if pd.isna(value) or pd.isna(yardstick):
        return np.nan
    d = DIRECTION[kpi] * (float(value) - float(yardstick))
    if d == 0 and not met:
        return np.nan
    return "better" if d >= 0 else "worse"


def operator_kpis(book: Book, *, cost_model: Any = None) -> dict[str, float | None]:
    """The whole operator's value of each KPI (the ``operator`` column of :func:`kpis`).

    A book of one branch (``load(..., branch=)``, the batch's prepared data) remembers
    these in ``Book.operator["kpis"]``, computed once from the whole operator. The KPIs
    are those of the book as one part (:func:`operator_parts`,
    :func:`operator_summary_from_parts`): one definition of each, whether the operator
    is read whole or one branch at a time.

    Examples
    --------
    >>> import kamlib
    >>> k = operator_kpis(kamlib.load(kamlib.sample_path()))
    >>> sorted(k) == sorted(KPI_CODES)
    True
    """
    return _kpis_of(_summed([operator_parts(book, months=book.months(), cost_model=cost_model)]))


def operator_summary(book: Book, *, cost_model: Any = None) -> dict[str, Any]:
    """What a book of one branch remembers of the whole operator (``Book.operator``): its
    totals and, under ``"kpis"``, :func:`operator_kpis`."""
    if book.operator is not None and "kpis" in book.operator:
        return dict(book.operator)
    return {**book.operator_totals(), "kpis": operator_kpis(book, cost_model=cost_model)}


def operator_parts(
    book: Book, *, months: pd.DatetimeIndex, cost_model: Any = None
) -> dict[str, Any]:
    """The additive parts of the operator's totals and KPIs held by one branch's book.

    :func:`operator_summary_from_parts` of the parts of every branch is
    :func:`operator_summary` of the whole operator, so the operator need never be held
    in memory whole. Every part is a sum or a count over the book's accounts (or its
    billing rows), which is what makes the split exact: an account and its fact rows
    belong to one branch. The cost model prices each account's own cost rows at its
    branch's rates, with no cost shared across the operator, so profit is a sum of the
    accounts' profits too.

    Parameters
    ----------
    book
        The accounts of one branch (or any subset of the operator's accounts, or all of
        them) with their fact rows. Its settings (``observed_from``, ``revenue_basis``)
        must be the operator's, as a prepared branch's book has them.
    months
        The whole operator's billing months (:meth:`kamlib.Book.months` of the
        operator): a branch may lack a month, but revenue growth compares the halves of
        the operator's months, and churn counts from the operator's observation start
        (``observed_from``, else the operator's first billing month), not the branch's.
    cost_model
        As for :func:`kamlib.customer_pnl` (default: the bundled cost model).

    Returns
    -------
    dict
        JSON-serialisable (str, int, float, bool, lists): ``months`` and ``start`` (the
        operator's months and observation start the parts were counted with, ISO dates),
        ``accounts``, ``churned`` (status churned), ``billing`` (``rows``: whether the
        book has billing rows; ``revenue``, ``account_months`` and ``halves``, the billed
        revenue of the earlier and the latest half), ``sources`` (per revenue source of
        :meth:`kamlib.Book.revenue_source`: ``present``, ``revenue`` and ``profit``
        summed over the accounts with a revenue in it and ``valued``, how many),
        ``costs`` (whether the book has cost rows), ``churn`` (``all`` and
        ``key_account``: accounts and churned accounts of the churn rate's denominator)
        and ``satisfaction`` (sum and count of the current customers' scores).

    Examples
    --------
    >>> import kamlib
    >>> book = kamlib.load(kamlib.sample_path())
    >>> parts = [operator_parts(book.branch(b), months=book.months()) for b in book.branches]
    >>> whole = operator_summary(book)
    >>> from_parts = operator_summary_from_parts(parts)
    >>> from_parts["accounts"] == whole["accounts"]
    True
    >>> abs(from_parts["kpis"]["margin"] - whole["kpis"]["margin"]) < 1e-12
    True
    """
    from .profit import customer_pnl

    months = pd.DatetimeIndex(months)
    start = (
        book.observed_from
        if book.observed_from is not None
        else (months[0] if len(months) else None)
    )
    if book.observation_start() != start:
        # the branch's own first billing month is not the operator's observation start:
        # churn counts from the operator's (a new Book: nothing derived is carried over)
        book = replace(book, observed_from=start)
    halves = _halves(months)
    costs = book.has("costs")
    # cost per account (0 for an account without cost rows, as in the operator's P&L);
    # priced only when there are costs, as the operator's P&L is only computed then
    cost = (
        customer_pnl(book, cost_model=cost_model).table["cost"].to_numpy(dtype="float64")
        if costs
        else np.zeros(len(book.accounts))
    )
    sources: dict[str, dict[str, Any]] = {}
    for source in REVENUE_SOURCES:
        rev = book.revenue_from(source).to_numpy(dtype="float64", na_value=np.nan)
        valued = ~np.isnan(rev)
        sources[source] = {
            "present": book.holds_revenue(source),
            "revenue": float(rev[valued].sum()),
            "profit": float((rev[valued] - cost[valued]).sum()),
            "valued": int(valued.sum()),
        }
    score_sum, scores = _satisfaction_sums(book)
    return {
        "months": [m.strftime("%Y-%m-%d") for m in months],
        "start": None if start is None else pd.Timestamp(start).strftime("%Y-%m-%d"),
        "accounts": len(book.accounts),
        "churned": int((book.accounts["status"] == "churned").sum()),
        "billing": {
            "rows": book.has("billing"),
            "revenue": _billed_revenue(book),
            "account_months": _account_months(book),
            "halves": None
            if halves is None
            else [_billed_revenue(book, halves[0]), _billed_revenue(book, halves[1])],
        },
        "sources": sources,
        "costs": costs,
        "churn": {
            "all": list(_churn_counts(book, None, False)),
            "key_account": list(_churn_counts(book, None, True)),
        },
        "satisfaction": [score_sum, scores],
    }


def _summed(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The parts of every branch added up (one dict of the same shape)."""
    if not parts:
        raise ValueError("no parts: give the operator_parts() of every branch")
    for what in ("months", "start"):
        if any(p[what] != parts[0][what] for p in parts):
            raise ValueError(
                f"the parts were counted with different {what}: give every branch's "
                "operator_parts() the operator's billing months and settings"
            )
    bill = [p["billing"] for p in parts]
    halves = [b["halves"] for b in bill]
    return {
        "months": parts[0]["months"],
        "accounts": sum(p["accounts"] for p in parts),
        "churned": sum(p["churned"] for p in parts),
        "billing": {
            "rows": any(b["rows"] for b in bill),
            "revenue": math.fsum(b["revenue"] for b in bill),
            "account_months": sum(b["account_months"] for b in bill),
            "halves": None
            if halves[0] is None
            else [math.fsum(h[i] for h in halves) for i in (0, 1)],
        },
        "sources": {
            s: {
                "present": any(p["sources"][s]["present"] for p in parts),
                "revenue": math.fsum(p["sources"][s]["revenue"] for p in parts),
                "profit": math.fsum(p["sources"][s]["profit"] for p in parts),
                "valued": sum(p["sources"][s]["valued"] for p in parts),
            }
            for s in REVENUE_SOURCES
        },
        "costs": any(p["costs"] for p in parts),
        "churn": {
            g: [sum(p["churn"][g][i] for p in parts) for i in (0, 1)]
            for g in ("all", "key_account")
        },
        "satisfaction": [
            math.fsum(p["satisfaction"][0] for p in parts),
            sum(p["satisfaction"][1] for p in parts),
        ],
    }


def _source(summed: dict[str, Any]) -> str | None:
    """The operator's revenue source: the first that any branch holds (as
    :meth:`kamlib.Book.revenue_source` of the whole operator)."""
    return next((s for s in REVENUE_SOURCES if summed["sources"][s]["present"]), None)


def _kpis_of(summed: dict[str, Any]) -> dict[str, float | None]:
    """Each KPI from the operator's summed parts: the one definition of the operator's
    KPIs (None where the data cannot give one)."""
    source = _source(summed)
    bill, sources = summed["billing"], summed["sources"]
    out: dict[str, float] = {"revenue": math.nan, "revenue_growth": math.nan, "arpu": math.nan}
    if bill["rows"]:
        out["revenue"] = bill["revenue"]
        halves = bill["halves"]
        if halves is not None and halves[0] > 0:
            out["revenue_growth"] = halves[1] / halves[0] - 1
        out["arpu"] = _ratio(bill["revenue"], bill["account_months"])
    else:
        if source == "accounts.total_revenue":
            out["revenue"] = sources[source]["revenue"]
        if source == "accounts.monthly_revenue":  # the mean monthly charge
            out["arpu"] = _ratio(sources[source]["revenue"], sources[source]["valued"])
    # the customer P&L's profit and margin (a sum over the accounts with a revenue)
    out["profit"] = out["margin"] = math.nan
    if summed["costs"] and source is not None and sources[source]["valued"]:
        revenue, profit = sources[source]["revenue"], sources[source]["profit"]
        out["profit"], out["margin"] = profit, _ratio(profit, revenue)
    out["churn_rate"] = _churn_rate(*summed["churn"]["all"])
    out["key_account_churn_rate"] = _churn_rate(*summed["churn"]["key_account"])
    out["satisfaction"] = _ratio(*summed["satisfaction"])
    return {k: (None if math.isnan(v) else float(v)) for k, v in out.items()}


def operator_summary_from_parts(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The operator's :func:`operator_summary` from the :func:`operator_parts` of each of
    its branches (each counted with the operator's billing months and cost model).

    The same keys and values (up to float rounding: sums are added in another order) as
    :func:`operator_summary` of the whole operator's book: its totals (``accounts``,
    ``revenue``, ``churned accounts``) and, under ``"kpis"``, each KPI or None where the
    data cannot give it (a churn rate of fewer than ``churn.yaml: min_accounts``
    accounts, all branches together, is None).

    Raises ValueError when the parts were counted with different months or observation
    starts (not of one operator).

    Examples
    --------
    >>> import kamlib
    >>> book = kamlib.load(kamlib.sample_path())
    >>> s = operator_summary_from_parts([operator_parts(book, months=book.months())])
    >>> s["accounts"], s["churned accounts"]
    (2000, 361)
    """
    summed = _summed(parts)
    source = _source(summed)
    return {
        "accounts": summed["accounts"],
        "revenue": None if source is None else summed["sources"][source]["revenue"],
        "churned accounts": summed["churned"],
        "kpis": _kpis_of(summed),
    }


def kpis(
    book: Book,
    branch: str,
    *,
    pnl: Any = None,
    targets: str | Path | dict | None = None,
) -> KPIs:
    """The KPIs a branch manager is measured on, beside the operator, the branch's own
    earlier period and a target.

    Parameters
    ----------
    book
        The whole operator (the ``operator`` column is the same KPI over it).
    branch
        The branch's name.
    pnl
        The branch's customer P&L, if already computed (its cost model is used for the
        operator and the earlier period too).
    targets
        A YAML file or dict of KPI targets: ``all:`` for every branch and ``branches:``
        per branch (overriding ``all``), keys among the KPI codes. KPIs without a target
        get NaN (not shown).

    Returns
    -------
    KPIs
        ``table`` indexed by ``kpi`` (every code, NaN where the data do not allow it,
        with a note saying why): ``unit`` (money, money_per_month, share, score),
        ``period`` (of ``branch`` and ``operator``, in words), ``branch``, ``operator``,
        ``versus_operator`` (better/worse; NaN for the totals revenue and profit),
        ``latest`` and ``earlier`` (the latest half of the billing window and the half
        before it), ``change`` (latest - earlier, in the KPI's unit: shares in points as
        fractions), ``change_relative`` (latest / earlier - 1, for money and scores),
        ``comparison`` (the two halves in words), ``target``, ``versus_target``
        (better when met or beaten), and for the churn rates ``accounts`` and ``churned``
        over the window (counts stay when a group is too small for a rate).

    Examples
    --------
    >>> import kamlib
    >>> k = kamlib.kpis(kamlib.load(kamlib.sample_path()), "Suzhou",
    ...                 targets={"all": {"churn_rate": 0.08}})
    >>> k.table.loc["churn_rate", "versus_target"] in ("better", "worse")
    True
    """
    b = book.branch(branch)
    goal = read_targets(targets, branch, caller="kpis") if targets is not None else {}
    cost_model = pnl.model if pnl is not None else None
    # a book of one branch remembers the operator's KPIs; a whole book computes them
    remembered = (book.operator or {}).get("kpis")
    op = {
        k: (math.nan if v is None else float(v))
        for k, v in (remembered or operator_kpis(book, cost_model=cost_model)).items()
    }
    months = book.months()
    halves = _halves(months)
    notes: list[str] = []
    rows: dict[str, dict[str, Any]] = {k: dict.fromkeys(_KPI_COLUMNS, np.nan) for k in KPI_CODES}
    whole = _span(months) if len(months) else tr("the data's period")
    compared = (
        tr("{latest} against {earlier}", latest=_span(halves[1]), earlier=_span(halves[0]))
        if halves
        else np.nan
    )

    def put(kpi: str, branch_v: float, operator_v: float, latest=np.nan, earlier=np.nan) -> None:
        r = rows[kpi]
        r.update(unit=UNITS[kpi], period=whole, branch=branch_v, operator=operator_v)
        r.update(latest=latest, earlier=earlier)
        if pd.notna(latest) and pd.notna(earlier):
            r["change"] = latest - earlier
            if UNITS[kpi] != "share" and earlier:
                r["change_relative"] = latest / earlier - 1
            r["comparison"] = compared

    # revenue and its growth, ARPU
    put(
        "revenue",
        _revenue(b),
        op["revenue"],
        *((_revenue(b, halves[1]), _revenue(b, halves[0])) if halves else ()),
    )
    if halves:
        early = _revenue(b, halves[0])
        grow = _revenue(b, halves[1]) / early - 1 if early > 0 else np.nan
        put("revenue_growth", grow, op["revenue_growth"])
        rows["revenue_growth"]["period"] = compared
    else:
        put("revenue_growth", np.nan, np.nan)
        notes.append(
            tr("Revenue growth needs at least two months of billing; the data have fewer.")
        )
    if math.isnan(rows["revenue"]["branch"]):
        notes.append(tr("The data hold no revenue over the period: revenue cannot be shown."))
    put(
        "arpu",
        _arpu(b),
        op["arpu"],
        *((_arpu(b, halves[1]), _arpu(b, halves[0])) if halves else ()),
    )
    # profit and margin
    p_b = (
        (float(pnl.summary()["value"]["profit"]), float(pnl.summary()["value"]["margin"]))
        if pnl is not None and pnl.has_costs
        else _profit(b, None, cost_model)
    )
    p_o = (op["profit"], op["margin"])
    p_l = _profit(b, halves[1], cost_model) if halves else (np.nan, np.nan)
    p_e = _profit(b, halves[0], cost_model) if halves else (np.nan, np.nan)
    put("profit", p_b[0], p_o[0], p_l[0], p_e[0])
    put("margin", p_b[1], p_o[1], p_l[1], p_e[1])
    if math.isnan(p_b[0]):
        notes.append(tr("The data hold no costs: profit and margin cannot be shown."))
    # churn, overall and for key accounts
    least = int(settings("churn")["min_accounts"])
    for kpi, key in (("churn_rate", False), ("key_account_churn_rate", True)):
        rate, n, k = _churn(b, None, key)
        late = _churn(b, halves[1], key)[0] if halves else np.nan
        early = _churn(b, halves[0], key)[0] if halves else np.nan
        put(kpi, rate, op[kpi], late, early)
        rows[kpi].update(accounts=n, churned=k)
        if key and "customer_type" not in b.accounts:
            notes.append(
                tr(
                    "The data have no customer type: the churn rate of key accounts cannot be shown."
                )
            )
        elif math.isnan(rate) and n:
            notes.append(
                tr(
                    "{what}: {churned} of {accounts} accounts left; fewer than {least} "
                    "accounts are too few for a reliable rate.",
                    what=kpi_name(kpi),
                    churned=count(k),
                    accounts=count(n),
                    least=count(least),
                )
            )
    if halves and "churn_date" not in b.accounts:
        notes.append(tr("The data have no churn dates: churn cannot be compared between periods."))
    # satisfaction: one score per account, no date
    put("satisfaction", _satisfaction(b), op["satisfaction"])
    rows["satisfaction"]["period"] = (
        tr("as surveyed, current customers") if pd.notna(rows["satisfaction"]["branch"]) else np.nan
    )
    if "satisfaction" not in b.accounts or math.isnan(rows["satisfaction"]["branch"]):
        notes.append(tr("The data hold no satisfaction scores: satisfaction cannot be shown."))
    # beside the operator and the target
    for kpi, r in rows.items():
        r["unit"] = UNITS[kpi]
        if kpi not in _TOTALS:
            r["versus_operator"] = _versus(kpi, r["branch"], r["operator"], met=False)
        if kpi in goal:
            r["target"] = float(goal[kpi])
            r["versus_target"] = _versus(kpi, r["branch"], r["target"], met=True)
    table = pd.DataFrame.from_dict(rows, orient="index")[_KPI_COLUMNS]
    table.index.name = "kpi"
    table = table.astype({c: float for c in ("branch", "operator", "latest", "earlier", "change")})
    table = table.astype({"change_relative": float, "target": float})
    if goal and not any(k in goal for k in KPI_CODES):  # pragma: no cover - read_targets filters
        notes.append(tr("No targets were given for this branch."))
    return KPIs(table, notes)


# -- actions -------------------------------------------------------------------------
_ACTION_COLUMNS = [
    "rank",
    "kind",
    "action",
    "accounts",
    "money_at_stake",
    "why",
    "assumption",
    "source",
]


#: each kind of action and the analysis it comes from, in words (the workbook's cells;
#: ``kind`` and ``source`` stay codes in the table and in metrics.json)
KIND_WORDS = {
    "retain_group": N_("Keep a group about to leave"),
    "fix_loss_maker": N_("Fix loss-making accounts"),
    "churn_cause": N_("Act on a churn cause"),
    "priority": N_("Seize a large opportunity likely to succeed"),
    "renew_contract": N_("Sign key accounts out of contract again"),
}
SOURCE_WORDS = {
    "group_warnings": N_("Group-churn warnings"),
    "profit_actions": N_("Loss-making accounts"),
    "cause_tree": N_("Churn causes"),
    "opportunity_matrix": N_("Priority matrix"),
    "account_plans": N_("Account plans"),
}


class Actions(TableResult):
    """The actions for this month (:func:`next_actions`): one row per action, ranked by
    the money at stake."""

    def summary(self) -> pd.DataFrame:
        t = self.table
        return figures(
            {
                "actions": len(t),
                "money_at_stake": float(t["money_at_stake"].sum()) if len(t) else 0.0,
            }
        )

    def readable(self) -> pd.DataFrame:
        """The table with each action's kind and source in the current language's words.

        Examples
        --------
        >>> a = Actions(pd.DataFrame({"kind": ["churn_cause"], "source": ["cause_tree"]}))
        >>> a.readable().iloc[0].tolist()
        ['Act on a churn cause', 'Churn causes']
        """
        t = self.table.copy()
        for column, words in (("kind", KIND_WORDS), ("source", SOURCE_WORDS)):
            if column in t:
                t[column] = t[column].map(lambda v, w=words: tr(w[v]) if v in w else v)
        return t

    def plot(self, *, ax: Any = None) -> Any:
        """The money at stake of each action, largest first; returns the Axes."""
        ax = axes(ax)
        t = self.table
        if t.empty:
            return nothing_to_draw(ax, self.notes[0] if self.notes else tr("No actions."))
        y = np.arange(len(t))
        ax.barh(y, t["money_at_stake"].to_numpy(dtype=float), color="#4c72b0")
        ax.set_yticks(y, [tr("Action {rank}", rank=int(r)) for r in t["rank"]])
        ax.invert_yaxis()
        ax.ticklabel_format(axis="x", style="plain", useOffset=False)
        ax.set_xlabel(tr("Money at stake per year"))
        return ax


def _listed(names: list[str]) -> str:
    """Names listed one after the other for a table cell: "A, B, C" / "A、B、C"."""
    return tr(", ").join(str(n) for n in names)


def id_label(book: Book) -> Callable[[Any], str]:
    """How an account id reads in a sentence or table: as itself, or, when the mapping
    numbered the rows (``row_ids: true``), as the line of the export it is ("line 1110"),
    since a branch manager cannot act on a bare line number.

    Examples
    --------
    >>> import kamlib
    >>> id_label(kamlib.load(kamlib.sample_path()))("A1")
    'A1'
    """
    how = book.computed.get("accounts.account_id")
    if how is None:
        return str
    if how == "row":
        return lambda i: tr("row {row}", row=i)
    return lambda i: tr("line {line}", line=i)


def _name_of(acc: pd.DataFrame, ids: list[Any], show: Callable[[Any], str] = str) -> list[str]:
    if "name" not in acc:
        return [show(i) for i in ids]
    names = acc.set_index("account_id")["name"]
    return [str(names.get(i)) if pd.notna(names.get(i)) else show(i) for i in ids]


def _retain(warnings: Any, currency: str) -> tuple[list[dict[str, Any]], str | None]:
    t = warnings.table
    if t.empty or "warning" not in t:
        if warnings.notes:  # the analysis says why (no usage data, no large group)
            return [], warnings.notes[0]
        return [], tr("No group shows the warning signs of leaving together.")
    w = t[t["warning"].astype(bool)]
    if "status" in w:
        w = w[w["status"].astype(object).fillna("active") != "churned"]
    out = []
    for account_id, r in w.iterrows():
        name = str(r["name"]) if "name" in w and pd.notna(r.get("name")) else str(account_id)
        stake = float(r["revenue_at_risk_year"])
        out.append(
            {
                "kind": "retain_group",
                "action": tr(
                    "Call {name} this week: the share of its calls forwarded to other "
                    "operators rose from {before} to {now} while its group bill fell "
                    "{drop}; {money} of revenue a year is at risk.",
                    name=name,
                    before=share(r["forwarded_share_before"]),
                    now=share(r["forwarded_share_now"]),
                    drop=share(-r["bill_change"]),
                    money=money(stake, currency),
                ),
                "accounts": name,
                "money_at_stake": stake,
                "why": tr("More calls forwarded to other operators and a falling group bill"),
                "assumption": np.nan,
                "source": "group_warnings",
            }
        )
    return out, None if out else tr("No active group shows the warning signs of leaving.")


def _lever_sentence(lever: str, n: int, **values: Any) -> str:
    """The action for ``n`` loss-making accounts of one lever (each sentence one plural
    message, so the catalogue holds its singular and plural together)."""
    if lever == "reprice_keep":
        return ntr(
            "Reprice {accounts} and cut what it costs to serve: an important account to keep, "
            "it lost {money} a year.",
            "Reprice {accounts} and cut what they cost to serve: important accounts to keep, "
            "together they lost {money} a year.",
            n,
            **values,
        )
    if lever == "drop_or_renegotiate":
        return ntr(
            "Renegotiate with {accounts} or let it go: it lost {money} a year, more than it brings.",
            "Renegotiate with {accounts} or let them go: together they lost {money} a year, "
            "more than they bring.",
            n,
            **values,
        )
    if lever == "raise_price":
        return ntr(
            "Raise the price for {accounts} and cut its discounts and subsidies: it lost "
            "{money} a year.",
            "Raise prices for {accounts} and cut their discounts and subsidies: together "
            "they lost {money} a year.",
            n,
            **values,
        )
    return ntr(
        "Cut what it costs to serve {accounts}: it lost {money} a year.",
        "Cut what it costs to serve {accounts}: together they lost {money} a year.",
        n,
        **values,
    )


def _loss_makers(
    loss_makers: Any,
    acc: pd.DataFrame,
    months: int,
    currency: str,
    has_costs: bool,
    show: Callable[[Any], str] = str,
) -> tuple[list[dict[str, Any]], str | None]:
    t = loss_makers.table
    if t.empty or "lever" not in t:
        # decided by the data, not by a note's words (which differ per language): without
        # costs, whether an account loses money cannot be known
        if not has_costs:
            return [], tr("The data hold no costs: no loss-making account can be named.")
        return [], tr("No account loses money.")
    if "customer_type" in t and (t["customer_type"] == "key_account").any():
        t = t[t["customer_type"] == "key_account"]  # the key accounts first, as a GM asks
    per_year = 12 / months if months else 1.0
    out = []
    for lever, g in t.groupby("lever", sort=False):
        g = g.sort_values("at_stake", ascending=False).head(3)
        stake = float(g["at_stake"].sum()) * per_year
        names = _name_of(acc, g["account_id"].tolist(), show)
        out.append(
            {
                "kind": "fix_loss_maker",
                "action": _lever_sentence(
                    str(lever), len(names), accounts=names_list(names), money=money(stake, currency)
                ),
                "accounts": _listed(names),
                "money_at_stake": stake,
                "why": label(str(lever)),
                "assumption": np.nan,
                "source": "profit_actions",
            }
        )
    return out, None


def _renew(
    plans: Any, acc: pd.DataFrame, months: int, currency: str, show: Callable[[Any], str] = str
) -> tuple[list[dict[str, Any]], str | None]:
    """The planned key accounts whose contract has ended: out of contract they can leave at
    any month's end, so signing them again is an action of this month."""
    t = plans.table
    if t.empty or "out_of_contract" not in t or t["out_of_contract"].isna().all():
        return [], None  # no plans, or no contract ends: nothing to say either way
    out = t[t["out_of_contract"].fillna(False).astype(bool)]
    if out.empty:
        return [], tr("No planned key account is out of contract.")
    out = out.sort_values("revenue", ascending=False, kind="stable")
    per_year = 12 / months if months else 1.0
    stake = float(out["revenue"].sum()) * per_year
    names = _name_of(acc, out["account_id"].head(3).tolist(), show)
    rest = len(out) - len(names)
    who = (
        names_list(names)
        if not rest
        else tr("{names} and {n} more", names=tr(", ").join(names), n=count(rest))
    )
    return [
        {
            "kind": "renew_contract",
            "action": ntr(
                "Sign a new contract with {accounts}: out of contract, it can leave any "
                "month; {money} of revenue a year.",
                "Sign new contracts with {accounts}: out of contract, they can leave any "
                "month; {money} of revenue a year.",
                len(out),
                accounts=who,
                money=money(stake, currency),
            ),
            "accounts": _listed(_name_of(acc, out["account_id"].tolist(), show)),
            "money_at_stake": stake,
            "why": tr("The contract has ended"),
            "assumption": np.nan,
            "source": "account_plans",
        }
    ], None


def _controllable() -> set[str]:
    causes = settings("causes")["causes"]
    return {c for c, spec in causes.items() if spec.get("controllable")}


def _cause(causes: Any, b: Book, currency: str) -> tuple[list[dict[str, Any]], str | None]:
    t = causes.table
    if t.empty or "accounts" not in t:
        return [], tr("No account left in the period: no churn cause to act on.")
    t = t.reset_index()
    unclassified = int(t.loc[t["group"] == "unclassified", "accounts"].sum()) if "group" in t else 0
    t = t[t["churn_cause"].isin(_controllable())]
    if t.empty and unclassified:
        # the export's own reasons, not put in the taxonomy: whether the branch controls
        # them is not known, so none is named as the cause to act on
        return [], ntr(
            "No churn cause the branch controls is recorded: the reason of {n} churned "
            "account is in the export's own words, not grouped into the cause taxonomy, so "
            "whether the branch controls it is not known.",
            "No churn cause the branch controls is recorded: the reasons of {n} churned "
            "accounts are in the export's own words, not grouped into the cause taxonomy, so "
            "whether the branch controls them is not known.",
            unclassified,
            n=count(unclassified),
        )
    if t.empty:
        return [], tr("No account left for a cause the branch controls.")
    top = t.sort_values(["accounts", "monthly_revenue_lost"], ascending=False).iloc[0]
    code, n = str(top["churn_cause"]), int(top["accounts"])
    stake = float(top["monthly_revenue_lost"]) * 12
    acc = b.accounts
    lost = acc[(acc["status"] == "churned").to_numpy(dtype=bool, na_value=False)]
    lost = lost[lost["churn_cause"] == code] if "churn_cause" in lost else lost.iloc[:0]
    m = b.monthly_revenue()
    largest = (
        m.reindex(lost["account_id"]).sort_values(ascending=False).head(3).index.tolist()
        if m is not None
        else lost["account_id"].head(3).tolist()
    )
    names = _name_of(acc, largest, id_label(b))
    return [
        {
            "kind": "churn_cause",
            "action": ntr(
                "Act on “{cause}”, the cause of churn the branch can control that cost it most "
                "accounts: {n} account left for it ({accounts}), taking {money} of revenue a year.",
                "Act on “{cause}”, the cause of churn the branch can control that cost it most "
                "accounts: {n} accounts left for it (the largest: {accounts}), taking {money} of "
                "revenue a year.",
                n,
                cause=label(code),
                accounts=names_list(names),
                money=money(stake, currency),
            ),
            "accounts": _listed(names),
            "money_at_stake": stake,
            "why": tr("The top cause of churn the branch can control"),
            "assumption": np.nan,
            "source": "cause_tree",
        }
    ], None


_OPPORTUNITY_SENTENCES = {
    "raise usage": N_(
        "Raise usage among the {segment} accounts that spend below their segment's median: "
        "worth {money} a year."
    ),
    "cross-sell": N_(
        "Cross-sell to the {segment} accounts that lack the products most of their segment "
        "holds: worth {money} a year."
    ),
    "raise price / improve mix": N_(
        "Raise prices or improve the product mix for the {segment} accounts: worth {money} a year."
    ),
    "drop unprofitable": N_(
        "Reprice or let go the loss-making {segment} accounts (important accounts kept): "
        "{money} a year of losses."
    ),
    "win new customers": N_(
        "Win new {segment} customers to close the gap to the target share: worth {money} a year."
    ),
}


def _priority(
    opportunities: Any, currency: str, *, losses_named: bool
) -> tuple[list[dict[str, Any]], str | None]:
    from .opportunity import QUADRANTS

    t = opportunities.ranked()
    now = t[t["priority"] == QUADRANTS[("large", "likely")]]
    if losses_named:  # the loss-making accounts have their own action: not counted twice
        now = now[now["lever"] != "drop unprofitable"]
    if now.empty:
        return [], tr("No opportunity of the priority matrix is both large and likely.")
    rules = opportunities.rules
    out = []
    for _, r in now.iterrows():
        lever, segment = str(r["lever"]), label(str(r["segment"]))
        stake = float(r["size"])
        text = _OPPORTUNITY_SENTENCES.get(lever)
        action = (
            tr(text, segment=segment, money=money(stake, currency))
            if text
            else tr(
                "{lever} in {segment}: worth {money} a year.",
                lever=label(lever),
                segment=segment,
                money=money(stake, currency),
            )
        )
        if r.get("source") == "given":
            assumption = tr(
                "Rests on the team's own estimate of the chance of success: {p}.",
                p=share(r["probability"]),
            )
        else:
            assumption = tr(
                "Assumes the chance of success is {p} (a planning assumption, not measured).",
                p=share(r["probability"]),
            )
            if lever == "raise usage":
                assumption = tr(
                    "Assumes accounts close {uplift} of their gap to the median and the chance "
                    "of success is {p} (planning assumptions, not measured).",
                    uplift=share(rules.get("usage_uplift")),
                    p=share(r["probability"]),
                )
            elif lever == "raise price / improve mix":
                assumption = tr(
                    "Assumes a price rise of {rise} and that the chance of success is {p} "
                    "(planning assumptions, not measured).",
                    rise=share(rules.get("price_rise")),
                    p=share(r["probability"]),
                )
        out.append(
            {
                "kind": "priority",
                "action": action,
                "accounts": segment,
                "money_at_stake": stake,
                "why": tr("Large and likely to succeed (act now on the priority matrix)"),
                "assumption": assumption,
                "source": "opportunity_matrix",
            }
        )
    return out, None


def next_actions(
    book: Book,
    branch: str,
    *,
    pnl: Any = None,
    warnings: Any = None,
    loss_makers: Any = None,
    causes: Any = None,
    opportunities: Any = None,
    plans: Any = None,
    max_actions: int = 5,
) -> Actions:
    """Three to five actions for this month, each a sentence with the accounts or groups
    named, the money at stake per year and why.

    From the analyses that already exist (each keyword takes one already computed on the
    branch, else it is computed here): groups about to leave (``warnings``:
    :func:`kamlib.group_warnings`), the largest loss-making key accounts with their lever
    (``loss_makers``: :func:`kamlib.profit_actions`), the top churn cause the branch can
    control (``causes``: :func:`kamlib.cause_tree`; ``controllable`` in
    ``config/causes.yaml``) and the act-now cell of the priority matrix
    (``opportunities``: :func:`kamlib.opportunity_matrix`, by value tier when computed
    here) and the planned key accounts out of contract (``plans``:
    :func:`kamlib.account_plans`). Each kind gives its best action first, then the next best of each kind fills
    the list up to ``max_actions``; the list is ranked by money at stake.

    Money at stake per year: a warned group's revenue at risk (its group bill before the
    warning x 12); loss-making accounts' losses over the billing months x 12 / months; a
    churn cause's lost accounts' monthly revenue x 12; out-of-contract accounts' revenue
    over the billing months x 12 / months; an opportunity's size (its
    probability, an assumption, is said in ``assumption``).

    Examples
    --------
    >>> import kamlib
    >>> a = kamlib.next_actions(kamlib.load(kamlib.sample_path()), "Suzhou")
    >>> 3 <= len(a.table) <= 5
    True
    """
    from .churn import cause_tree, group_warnings
    from .opportunity import opportunity_matrix
    from .profit import customer_pnl, profit_actions
    from .segment import value_tiers

    b = book.branch(branch)
    currency = book.currency
    if pnl is None and (loss_makers is None or opportunities is None):
        pnl = customer_pnl(b)
    warnings = group_warnings(b) if warnings is None else warnings
    loss_makers = profit_actions(b, pnl=pnl, top=10) if loss_makers is None else loss_makers
    causes = cause_tree(b) if causes is None else causes
    if opportunities is None:
        opportunities = opportunity_matrix(b, value_tiers(b).assignment, pnl=pnl)
    if plans is None:
        from .plans import account_plans

        plans = account_plans(b, pnl=pnl)
    months = len(b.months())
    has_costs = bool(pnl.has_costs) if pnl is not None else b.has("costs")
    losses = _loss_makers(loss_makers, b.accounts, months, currency, has_costs, id_label(b))
    found = [
        _retain(warnings, currency),
        losses,
        _cause(causes, b, currency),
        _priority(opportunities, currency, losses_named=bool(losses[0])),
        _renew(plans, b.accounts, months, currency, id_label(b)),
    ]
    pools = [sorted(c, key=lambda a: -a["money_at_stake"]) for c, _ in found]
    chosen: list[dict[str, Any]] = []
    depth = 0
    while len(chosen) < max_actions and any(len(p) > depth for p in pools):
        for p in pools:  # each kind's best first, then the next best of each
            if len(p) > depth and len(chosen) < max_actions:
                chosen.append(p[depth])
        depth += 1
    table = pd.DataFrame(chosen, columns=_ACTION_COLUMNS[1:])
    table = table.sort_values("money_at_stake", ascending=False, kind="stable")
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    table = table.reset_index(drop=True).astype({"money_at_stake": float})
    notes = [why for c, why in found if why and not c]
    if not months and any(c for c, _ in found[1:2]):
        notes.append(tr("Without billing months, losses are over the data's period, not per year."))
    if len(table) < 3:
        notes.insert(
            0,
            ntr(
                "Only {n} action can be named from the data.",
                "Only {n} actions can be named from the data.",
                len(table),
            ),
        )
    return Actions(table, notes)
