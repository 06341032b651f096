"""The account managers (销售人员策略): what each manager looks after and brings, and the
accounts that leave with a manager.

:func:`account_managers` gives one row per account manager (客户经理): the accounts in
their care, the revenue and profit those bring, the new business sold, the churn, the
satisfaction of their accounts and their workload against the value looked after.
:func:`manager_departures` reads the account-manager history (the optional
``assignments`` table) for managers who left, the churn that followed in their former
portfolios and the key-person turnover it implies, and says whether that churn is higher
than elsewhere only when the data support it (a Poisson rate ratio whose 95% interval
lies above 1).

Every threshold is a setting of ``config/key_accounts.yaml`` (``managers:``). Manager
names are shown as the data give them: a masked book (``Book.masked``, ``--mask-pii``)
shows its pseudonyms (``AM-…``), never the real names.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._book import Book, positions
from ._format import count, money
from ._i18n import ntr, tr
from ._result import Result, axes, figures, nothing_to_draw

__all__ = [
    "AccountManagers",
    "ManagerDepartures",
    "account_managers",
    "manager_departures",
]

#: days in an average month: account-months are days at risk / this
_MONTH_DAYS = 365.25 / 12
#: ``assignments.reason`` values (normalised: lower case, spaces and hyphens as ``_``)
#: that mean the manager left the operator; any other reason (reassigned, account_left,
#: ...) is a handover, not a departure
_LEFT_REASONS = frozenset(
    {"manager_left", "left", "resigned", "manager_resigned", "quit", "departed", "离职"}
)
#: without a reason column, the rows of a manager's history ending in this many days up to
#: their last day are the portfolio they left (a handover takes some days)
_HANDOVER_DAYS = 31
#: the 95% normal quantile of the Wald interval
_Z95 = 1.959963984540054

MANAGER_COLUMNS = [
    "account_manager",
    "accounts",
    "joined",
    "active_accounts",
    "revenue",
    "profit",
    "profit_share",
    "margin",
    "new_business_revenue",
    "new_products",
    "churned",
    "churned_revenue",
    "churn_rate",
    "satisfaction",
    "satisfaction_n",
    "am_hours",
    "field_visits",
    "revenue_per_am_hour",
    "profit_per_am_hour",
]
WITHOUT_COLUMNS = ["account_id", "name", "customer_type", "monthly_revenue", "important"]
CHANGED_COLUMNS = [
    "account_id",
    "name",
    "from_manager",
    "to_manager",
    "changed",
    "reason",
    "monthly_revenue",
]
DEPARTURE_COLUMNS = [
    "account_manager",
    "left",
    "accounts",
    "churned_after",
    "revenue_lost",
    "still_active",
    "revenue_at_risk",
    "branch",
]
EXPOSED_COLUMNS = [
    "account_id",
    "account_manager",
    "left",
    "status",
    "churn_date",
    "churned_after",
    "monthly_revenue",
    "revenue_lost",
    "branch",
]
COMPARISON_COLUMNS = ["group", "accounts", "account_months", "churned", "rate"]


# ----------------------------------------------------------------------------- results
class AccountManagers(Result):
    """Account managers' portfolios, value, churn and workload (:func:`account_managers`).

    Attributes
    ----------
    table : one row per account manager (columns ``MANAGER_COLUMNS``), largest revenue
        first.
    without_manager : active accounts of the managed types with no account manager.
    changed_manager : important accounts whose manager changed in the window (needs the
        ``assignments`` table; empty without it).
    """

    def __init__(
        self,
        table: pd.DataFrame,
        without_manager: pd.DataFrame,
        changed_manager: pd.DataFrame,
        notes: tuple[str, ...] | list[str] = (),
        *,
        has_history: bool = False,
        currency: str = "",
    ) -> None:
        self.table = table
        self.without_manager = without_manager
        self.changed_manager = changed_manager
        self.notes = tuple(dict.fromkeys(notes))
        self.has_history = has_history
        self.currency = currency

    def summary(self) -> pd.DataFrame:
        t = self.table
        changed = int(self.changed_manager["account_id"].nunique()) if self.has_history else np.nan
        return figures(
            {
                "managers": len(t),
                "managed_accounts": int(t["accounts"].sum() + t["joined"].sum()) if len(t) else 0,
                "accounts_without_manager": len(self.without_manager),
                "important_accounts_changed_manager": changed,
                "revenue": float(t["revenue"].sum()) if len(t) else np.nan,
                "profit": float(t["profit"].sum(min_count=1)) if len(t) else np.nan,
                "churned": int(t["churned"].sum()) if len(t) else 0,
            }
        )

    def plot(self, *, ax: Any = None) -> Any:
        """Revenue looked after per manager (the 20 largest), churned accounts' revenue in red."""
        ax = axes(ax)
        t = self.table
        if t.empty:
            return nothing_to_draw(ax, self.notes[0] if self.notes else tr("No account managers."))
        from ._charts import money_axis

        shown = t.head(20).iloc[::-1]
        y = np.arange(len(shown))
        ax.barh(y, shown["revenue"].to_numpy(dtype=float), color="#4c72b0", label=tr("Revenue"))
        lost = shown["churned_revenue"].to_numpy(dtype=float)
        ax.barh(
            y,
            np.nan_to_num(lost),
            height=0.4,
            color="#c44e52",
            label=tr("A year's revenue of the accounts that left"),
        )
        ax.set_yticks(y, shown["account_manager"].astype(str).tolist())
        money_axis(ax, self.currency, axis="x")
        ax.legend(loc="lower right")  # the report titles the chart with its finding
        return ax


class ManagerDepartures(Result):
    """Managers who left and the churn in their former portfolios (:func:`manager_departures`).

    Attributes
    ----------
    table : one row per departure (``DEPARTURE_COLUMNS``).
    exposed : the accounts of the departed managers' portfolios (``EXPOSED_COLUMNS``).
    comparison : churn per account-month in exposed and other managed account-months
        (``COMPARISON_COLUMNS``; rates only with enough churners after departures).
    ratio_, ci_, pvalue_ : the rate ratio (exposed / other) of a Poisson GLM, its 95%
        Wald interval and p-value; NaN when there are too few churners to compare.
    turnover_ : managers who left in the window / managers with accounts at its start.
    clustered_ : True only when the interval's lower bound is above 1 (churn is higher
        after a manager left); the only claim a report may make about a cluster.
    """

    def __init__(
        self,
        table: pd.DataFrame,
        exposed: pd.DataFrame,
        comparison: pd.DataFrame,
        notes: tuple[str, ...] | list[str] = (),
        *,
        ratio: float = np.nan,
        ci: tuple[float, float] = (np.nan, np.nan),
        pvalue: float = np.nan,
        turnover: float = np.nan,
        managers_at_start: int | None = None,
        has_history: bool = False,
        currency: str = "",
    ) -> None:
        self.table = table
        self.exposed = exposed
        self.comparison = comparison
        self.notes = tuple(dict.fromkeys(notes))
        self.ratio_ = float(ratio)
        self.ci_ = (float(ci[0]), float(ci[1]))
        self.pvalue_ = float(pvalue)
        self.turnover_ = float(turnover)
        self.managers_at_start = managers_at_start
        self.has_history = has_history
        self.currency = currency

    @property
    def clustered_(self) -> bool:
        return bool(np.isfinite(self.ci_[0]) and self.ci_[0] > 1.0)

    def summary(self) -> pd.DataFrame:
        t = self.table
        if not self.has_history:
            nan = np.nan
            return figures(
                {
                    "departures": nan,
                    "accounts_churned_after_departure": nan,
                    "revenue_lost_after_manager_left": nan,
                    "rate_ratio": nan,
                    "rate_ratio_low": nan,
                    "rate_ratio_high": nan,
                    "p_value": nan,
                    "turnover": nan,
                }
            )
        return figures(
            {
                "departures": len(t),
                "accounts_churned_after_departure": int(t["churned_after"].sum()),
                "revenue_lost_after_manager_left": float(t["revenue_lost"].sum(min_count=1))
                if len(t)
                else 0.0,
                "rate_ratio": self.ratio_,
                "rate_ratio_low": self.ci_[0],
                "rate_ratio_high": self.ci_[1],
                "p_value": self.pvalue_,
                "turnover": self.turnover_,
            }
        )

    def plot(self, *, ax: Any = None) -> Any:
        """Churn per 100 account-months after a manager left and elsewhere (the rate
        ratio's interval in the title), or the departures' churners when too few to compare."""
        ax = axes(ax)
        c = self.comparison
        if self.table.empty or c.empty:
            return nothing_to_draw(
                ax, self.notes[0] if self.notes else tr("No account manager left.")
            )
        if c["rate"].notna().all():
            from ._labels import label

            ax.bar(
                [label(g) for g in c["group"]],
                100 * c["rate"].to_numpy(dtype=float),
                color=["#c44e52", "#4c72b0"],
            )
            ax.set_ylabel(tr("Accounts churned per 100 account-months"))
            return ax
        t = self.table
        y = np.arange(len(t))
        ax.barh(y, t["accounts"].to_numpy(dtype=float), color="#4c72b0")
        ax.barh(y, t["churned_after"].to_numpy(dtype=float), height=0.4, color="#c44e52")
        ax.set_yticks(y, t["account_manager"].astype(str).tolist())
        ax.invert_yaxis()
        ax.set_xlabel(tr("Accounts (red: left within the months after)"))
        return ax


# ----------------------------------------------------------------------------- helpers
def manager_window(book: Book) -> tuple[pd.Timestamp, pd.Timestamp, str | None] | None:
    """The window: its first day, the day after its last (as-of) day, and a note when
    its start had to be assumed; None without an as-of date."""
    if book.as_of is None:
        return None
    end = book.as_of.normalize() + pd.Timedelta(days=1)
    start = book.observation_start()
    if start is not None:
        return pd.Timestamp(start).normalize(), end, None
    note = tr(
        "The data say neither when observation began nor billing months: the window is "
        "taken as the twelve months to {end}.",
        end=f"{book.as_of:%Y-%m-%d}",
    )
    return end - pd.DateOffset(months=12), end, note


def dates_of(acc: pd.DataFrame, column: str) -> np.ndarray:
    if column not in acc:
        return np.full(len(acc), np.datetime64("NaT"), dtype="datetime64[ns]")
    return pd.to_datetime(acc[column]).to_numpy(dtype="datetime64[ns]")


def _managed(acc: pd.DataFrame, types: list[str]) -> np.ndarray:
    """Accounts of the managed customer types (all accounts when the type is unknown)."""
    if "customer_type" not in acc:
        return np.ones(len(acc), dtype=bool)
    return acc["customer_type"].isin(types).to_numpy(dtype=bool, na_value=False)


def _manager_of(acc: pd.DataFrame) -> pd.Series:
    """The account manager as given (masked names stay masked); blanks are missing."""
    m = acc["account_manager"].astype("object")
    return m.where(m.notna() & (m.astype(str).str.strip() != ""), None)


def monthly_bills(book: Book) -> np.ndarray:
    """Average monthly revenue per account (in the order of accounts), NaN unknown."""
    m = book.monthly_revenue()
    if m is None:
        return np.full(len(book.accounts), np.nan)
    return m.to_numpy(dtype="float64", na_value=np.nan)


def _in_window(
    acc: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Whether each account was a customer at the window's start, joined during it, churned
    during it, and is active at its end.

    Joining unknown: taken as before the window. A churner without a churn date churned
    during the window (the accounts table holds the window's churn).
    """
    churned = (acc["status"] == "churned").to_numpy(dtype=bool, na_value=False)
    cdate = dates_of(acc, "churn_date")
    join = dates_of(acc, "join_date")
    s, e = start.to_datetime64(), end.to_datetime64()
    gone_before = churned & ~np.isnat(cdate) & (cdate < s)
    joined = ~np.isnat(join) & (join >= s) & (join < e) & ~gone_before
    at_start = ~gone_before & ~joined & (np.isnat(join) | (join < s))
    churned_in = churned & ~gone_before & (np.isnat(cdate) | (cdate < e))
    active_end = (acc["status"] == "active").to_numpy(dtype=bool, na_value=False)
    return at_start, joined, churned_in, active_end


def _new_business(book: Book, after: int) -> pd.DataFrame | None:
    """Per account: revenue and count of the product lines first billed ``after`` months
    or more into the billing window (index account_id); None without billing."""
    if not book.has("billing"):
        return None
    ap = book.account_products()
    assert ap is not None
    first_month = book.months()[0]
    first = ap["first"]
    into = (first.dt.year - first_month.year) * 12 + (first.dt.month - first_month.month)
    # a product line is new business if first billed late enough and billed something
    # (a line of 0 adds nothing to the revenue, nor a product to the count)
    nb = ap.loc[(into >= after).to_numpy() & (ap["lines_with_revenue"] > 0).to_numpy()]
    g = nb.groupby("account_id", sort=False, observed=True)
    return pd.DataFrame(
        {"new_business_revenue": g["revenue"].sum(), "new_products": g["product"].nunique()}
    )


def _costs_per_account(book: Book) -> tuple[pd.DataFrame | None, int]:
    """am_hours and field_visits summed per account (NaN for a missing column) and the
    number of months of the costs table; None without costs."""
    if not book.has("costs"):
        return None, 0
    c = book.table("costs")
    cols = [x for x in ("am_hours", "field_visits") if x in c]
    per = c.groupby("account_id", sort=False, observed=True)[cols].sum(min_count=1)
    for x in ("am_hours", "field_visits"):
        if x not in per:
            per[x] = np.nan
    return per, int(c["month"].nunique())


# ----------------------------------------------------------------------------- managers
def _history(book: Book) -> pd.DataFrame:
    """The assignments table with an ``end`` column (optional in the data model: without
    it every assignment is open, as while it lasts)."""
    a = book.table("assignments")
    if "end" not in a:
        a = a.assign(end=pd.Series(pd.NaT, index=a.index, dtype="datetime64[ns]"))
    return a


def account_managers(
    book: Book,
    *,
    pnl: Any = None,
    cost_model: Any = None,
    rules: str | Path | dict | None = None,
) -> AccountManagers:
    """Each account manager's portfolio, value, new business, churn, satisfaction and
    workload over the window (observation start to as-of).

    Only accounts of ``managers.managed_types`` (key and business accounts) count; an
    account belongs to its ``accounts.account_manager`` (the manager at the end of the
    window, or when it left), whose name is shown as given.

    - ``accounts``: the manager's accounts that were customers at the window's start;
      ``joined``: those that joined during it; ``active_accounts``: active at its end.
    - ``revenue``, ``profit``: over the window, from :func:`kamlib.customer_pnl` (profit
      needs the costs table: NaN without it). ``profit_share``: the manager's profit /
      the managed accounts' profit of the book (usually one branch; NaN when that is not
      positive); ``margin``: profit / revenue.
    - ``new_business_revenue``, ``new_products``: product lines an account was first
      billed ``managers.new_product_after_months`` or more into the billing months (a
      new account's lines included: they are new business too), and their revenue.
    - ``churned``: accounts that churned in the window; ``churned_revenue``: their
      revenue a year, the average monthly bill while billed × 12 (what the operator no
      longer earns, not what they paid in the window). ``churn_rate``: churned /
      (accounts + joined), only with ``managers.min_accounts`` or more of them (else NaN
      and the counts show).
    - ``satisfaction``: mean of ``accounts.satisfaction`` with ``satisfaction_n`` scores.
    - ``am_hours``, ``field_visits``: per month of the costs table; ``revenue_per_am_hour``:
      revenue over the window / account-manager hours over the window.

    Parameters
    ----------
    book : the data (usually one branch).
    pnl : a :func:`kamlib.customer_pnl` result of the same book to reuse.
    cost_model : the cost model for the P&L when ``pnl`` is not given.
    rules : changes to ``config/key_accounts.yaml`` (a dict or a YAML file).

    Returns
    -------
    AccountManagers
        ``table`` one row per manager; ``without_manager``; ``changed_manager``.

    Examples
    --------
    >>> import kamlib
    >>> from kamlib.managers import account_managers
    >>> am = account_managers(kamlib.synth(300, seed=1).book)
    >>> list(am.table.columns[:4])
    ['account_manager', 'accounts', 'joined', 'active_accounts']
    >>> int(am.summary().loc["managers", "value"]) == len(am.table) > 0
    True
    """
    from ._settings import settings
    from .plans import important_ids
    from .profit import pnl_of

    cfg = settings("key_accounts", rules, caller="account_managers")
    mc = cfg["managers"]
    acc = book.accounts
    notes: list[str] = []
    has_history = book.has("assignments")
    empty = AccountManagers(
        pd.DataFrame(columns=MANAGER_COLUMNS),
        pd.DataFrame(columns=WITHOUT_COLUMNS),
        pd.DataFrame(columns=CHANGED_COLUMNS),
        currency=book.currency,
        has_history=has_history,
    )
    if "account_manager" not in acc:
        empty.notes = (
            tr(
                "The accounts table has no account_manager column, so nothing can be shown "
                "per account manager."
            ),
        )
        return empty
    window = manager_window(book)
    if window is None:
        empty.notes = (
            tr("The data have no as-of date, so the account managers' window is unknown."),
        )
        return empty
    start, end, wnote = window
    if wnote:
        notes.append(wnote)
    if "customer_type" not in acc:
        notes.append(
            tr("The accounts table has no customer_type: every account is taken as managed.")
        )
    managed = _managed(acc, list(mc["managed_types"]))
    manager = _manager_of(acc)
    at_start, joined, churned_in, active_end = _in_window(acc, start, end)
    seen = at_start | joined  # a customer at some time in the window
    monthly = monthly_bills(book)
    important = important_ids(book, cfg).to_numpy()

    p = pnl_of(book, pnl, cost_model)
    pt = p.table  # in the order of accounts (checked by pnl_of)
    revenue = pt["revenue"].to_numpy(dtype="float64", na_value=np.nan)
    profit = pt["profit"].to_numpy(dtype="float64", na_value=np.nan)
    if not p.has_costs:
        notes.append(
            tr(
                "The data have no cost table, so the managers' profit, profit share and "
                "workload cannot be shown."
            )
        )

    ids = acc["account_id"].to_numpy()
    per = pd.DataFrame(
        {
            "account_manager": manager.to_numpy(),
            "at_start": at_start,
            "joined": joined,
            "active_end": active_end & seen,
            "revenue": revenue,
            "profit": profit,
            "churned": churned_in,
            "churned_revenue": np.where(churned_in, monthly * 12, 0.0),
            "churned_revenue_known": churned_in & np.isfinite(monthly),
            "satisfaction": acc["satisfaction"].to_numpy(dtype="float64", na_value=np.nan)
            if "satisfaction" in acc
            else np.nan,
        },
        index=pd.Index(ids, name="account_id"),
    )
    if "satisfaction" not in acc:
        notes.append(tr("The accounts table has no satisfaction scores."))

    nb = _new_business(book, int(mc["new_product_after_months"]))
    if nb is None:
        notes.append(tr("The data have no billing table, so new business cannot be shown."))
        per["new_business_revenue"] = np.nan
        per["new_products"] = np.nan
    else:
        nb = nb.reindex(per.index)
        per["new_business_revenue"] = nb["new_business_revenue"].fillna(0.0).to_numpy()
        per["new_products"] = nb["new_products"].fillna(0).to_numpy()
    costs, cost_months = _costs_per_account(book)
    if costs is None:
        if p.has_costs:  # a P&L given from elsewhere: the book itself has no costs
            notes.append(tr("The data have no costs table, so the managers' workload is unknown."))
        per["am_hours"] = np.nan
        per["field_visits"] = np.nan
    else:
        costs = costs.reindex(per.index)
        per["am_hours"] = costs["am_hours"].to_numpy(dtype="float64", na_value=np.nan)
        per["field_visits"] = costs["field_visits"].to_numpy(dtype="float64", na_value=np.nan)
        if costs["am_hours"].isna().all():
            notes.append(
                tr(
                    "The costs table has no am_hours, so revenue per account-manager hour is unknown."
                )
            )

    mine = managed & seen & manager.notna().to_numpy()
    g = per.loc[mine].groupby("account_manager", sort=True)
    t = pd.DataFrame(
        {
            "accounts": g["at_start"].sum().astype(int),
            "joined": g["joined"].sum().astype(int),
            "active_accounts": g["active_end"].sum().astype(int),
            "revenue": g["revenue"].sum(min_count=1),
            "profit": g["profit"].sum(min_count=1),
            "new_business_revenue": g["new_business_revenue"].sum(min_count=1),
            "new_products": g["new_products"].sum(min_count=1),
            "churned": g["churned"].sum().astype(int),
            "churned_revenue": g["churned_revenue"].sum(min_count=1),
            "satisfaction": g["satisfaction"].mean(),
            "satisfaction_n": g["satisfaction"].count().astype(int),
            "am_hours": g["am_hours"].sum(min_count=1),
            "field_visits": g["field_visits"].sum(min_count=1),
        }
    )
    if nb is not None:
        t["new_products"] = t["new_products"].fillna(0).astype(int)
    unknown_lost = int((per.loc[mine, "churned"] & ~per.loc[mine, "churned_revenue_known"]).sum())
    if unknown_lost:
        notes.append(
            ntr(
                "{n} churned account has no known monthly revenue: its revenue lost is left out.",
                "{n} churned accounts have no known monthly revenue: their revenue lost is left out.",
                unknown_lost,
                n=count(unknown_lost),
            )
        )
    total_profit = t["profit"].sum(min_count=1)
    t["profit_share"] = (
        t["profit"] / total_profit if np.isfinite(total_profit) and total_profit > 0 else np.nan
    )
    t["margin"] = t["profit"] / t["revenue"].where(t["revenue"] != 0)
    base = t["accounts"] + t["joined"]
    small = base < int(mc["min_accounts"])
    t["churn_rate"] = (t["churned"] / base.where(base > 0)).where(~small)
    if small.any():
        notes.append(
            ntr(
                "{n} manager looks after fewer than {min} accounts: their churn is shown as "
                "counts, not a rate.",
                "{n} managers look after fewer than {min} accounts: their churn is shown as "
                "counts, not a rate.",
                int(small.sum()),
                n=count(int(small.sum())),
                min=count(int(mc["min_accounts"])),
            )
        )
    hours = t["am_hours"]
    t["revenue_per_am_hour"] = t["revenue"] / hours.where(hours > 0)
    # profit, not revenue, is the value an hour of a manager's time looks after: a
    # manager of large loss-making accounts has a high revenue per hour
    t["profit_per_am_hour"] = t["profit"] / hours.where(hours > 0)
    if cost_months:
        t["am_hours"] = hours / cost_months
        t["field_visits"] = t["field_visits"] / cost_months
    t = t.reset_index().sort_values(
        ["revenue", "account_manager"], ascending=[False, True], kind="stable"
    )
    t = t[MANAGER_COLUMNS].reset_index(drop=True)
    if t.empty:
        notes.insert(0, tr("No account of the managed types has an account manager."))

    # active managed accounts nobody looks after
    lone = managed & active_end & manager.isna().to_numpy()
    without = pd.DataFrame(
        {
            "account_id": ids[lone],
            "name": acc["name"].to_numpy()[lone] if "name" in acc else None,
            "customer_type": acc["customer_type"].to_numpy()[lone]
            if "customer_type" in acc
            else None,
            "monthly_revenue": monthly[lone],
            "important": important[lone],
        },
        columns=WITHOUT_COLUMNS,
    ).sort_values("monthly_revenue", ascending=False, kind="stable", na_position="last")
    without = without.reset_index(drop=True)

    changed = _changed_manager(book, start, end, important, monthly)
    if changed is None:
        changed = pd.DataFrame(columns=CHANGED_COLUMNS)
        notes.append(
            tr(
                "The data have no account-manager history (assignments table), so changes "
                "of manager cannot be shown."
            )
        )
    return AccountManagers(
        t, without, changed, notes, has_history=has_history, currency=book.currency
    )


def _changed_manager(
    book: Book, start: pd.Timestamp, end: pd.Timestamp, important: np.ndarray, monthly: np.ndarray
) -> pd.DataFrame | None:
    """Important accounts handed from one manager to another in the window: one row per
    handover (an assignment followed by one of another manager starting in the window)."""
    if not book.has("assignments"):
        return None
    acc = book.accounts
    a = _history(book)
    imp_ids = set(acc["account_id"].to_numpy()[important])
    h = a.loc[a["account_id"].isin(imp_ids)].copy()
    h = h.sort_values(["account_id", "start"], kind="stable")
    nxt = h.groupby("account_id", sort=False)[["account_manager", "start"]].shift(-1)
    new_start = pd.to_datetime(nxt["start"])
    moved = (
        new_start.notna()
        & (new_start >= start)
        & (new_start < end)
        & (nxt["account_manager"].astype("object") != h["account_manager"].astype("object"))
    ).to_numpy(dtype=bool, na_value=False)
    h = h.loc[moved]
    names = acc.set_index("account_id")["name"] if "name" in acc else None
    rev = pd.Series(monthly, index=acc["account_id"].to_numpy())
    out = pd.DataFrame(
        {
            "account_id": h["account_id"].to_numpy(),
            "name": names.reindex(h["account_id"]).to_numpy() if names is not None else None,
            "from_manager": h["account_manager"].to_numpy(),
            "to_manager": nxt.loc[h.index, "account_manager"].to_numpy(),
            "changed": new_start.loc[h.index].to_numpy(),
            "reason": h["reason"].to_numpy() if "reason" in h else None,
            "monthly_revenue": rev.reindex(h["account_id"]).to_numpy(),
        },
        columns=CHANGED_COLUMNS,
    )
    return out.reset_index(drop=True)


# ----------------------------------------------------------------------------- departures
def _normal_reason(s: pd.Series) -> pd.Series:
    return (
        s.astype("object")
        .where(s.notna(), "")
        .astype(str)
        .str.strip()
        .str.lower()
        .str.replace(r"[\s\-]+", "_", regex=True)
    )


def _departure_rows(
    book: Book, start: pd.Timestamp, end: pd.Timestamp
) -> tuple[pd.DataFrame, str | None]:
    """The assignment rows that ended because their manager left within the window
    (columns account_id, account_manager, end), and a note on how they were found.

    With a ``reason`` column: rows whose reason means the manager left (``manager_left``,
    ``resigned``, ...). Without one: a manager whose history stops within the window (no
    later assignment, none open, not anyone's manager in the accounts table) left on
    their last day; the rows ending in the month up to it, other than those that ended
    because the account itself left, are the portfolio they left.
    """
    a = _history(book)
    e = pd.to_datetime(a["end"])
    within = (e >= start) & (e < end)
    if "reason" in a:
        left = within & _normal_reason(a["reason"]).isin(_LEFT_REASONS).to_numpy()
        rows = a.loc[left.to_numpy(dtype=bool, na_value=False)]
        return rows.assign(end=pd.to_datetime(rows["end"]))[
            ["account_id", "account_manager", "end"]
        ], None
    acc = book.accounts
    cdate = pd.Series(dates_of(acc, "churn_date"), index=acc["account_id"].to_numpy())
    a = a.assign(end=e, start=pd.to_datetime(a["start"]))
    churn_of = cdate.reindex(a["account_id"]).to_numpy()
    # an assignment ending on (or the day before) its account's churn ended with the account
    with_account = ~np.isnat(churn_of) & (
        a["end"].to_numpy(dtype="datetime64[ns]") >= churn_of - np.timedelta64(1, "D")
    )
    current = set(_manager_of(acc).dropna())
    out = []
    for m, rows in a.groupby("account_manager", sort=True):
        if m in current or rows["end"].isna().any():
            continue
        last = rows["end"].max()
        if not (start <= last < end) or (rows["start"] > last).any():
            continue
        ended_with_account = with_account[a.index.get_indexer(rows.index)]
        keep = (rows["end"] > last - pd.Timedelta(days=_HANDOVER_DAYS)).to_numpy() & ~(
            ended_with_account
        )
        out.append(rows.loc[keep, ["account_id", "account_manager", "end"]])
    note = tr(
        "The account-manager history gives no reason an assignment ended: a manager whose "
        "history stops within the window (no later or open assignment, no account today) is "
        "taken to have left on their last day."
    )
    rows_out = (
        pd.concat(out, ignore_index=True)
        if out
        else pd.DataFrame(columns=["account_id", "account_manager", "end"])
    )
    return rows_out, note


def _rate_ratio(
    a: int, t_exposed: float, b: int, t_other: float
) -> tuple[float, float, float, float]:
    """Rate ratio (exposed / other) of a Poisson GLM with log link and offset
    log(account-months), its 95% Wald interval and p-value: with one binary covariate the
    fit is exp(log(a/te) - log(b/to)) with standard error sqrt(1/a + 1/b)."""
    import warnings

    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    if min(a, b) <= 0 or min(t_exposed, t_other) <= 0:
        return np.nan, np.nan, np.nan, np.nan
    y = np.array([a, b], dtype=float)
    x = np.array([[1.0, 1.0], [1.0, 0.0]])  # constant, exposed
    with warnings.catch_warnings():
        # two groups, two parameters: the fit is saturated (it reproduces both rates
        # exactly), which statsmodels reports as perfect prediction; the estimate and its
        # standard error are the exact ones
        warnings.simplefilter("ignore")
        fit = GLM(y, x, family=families.Poisson(), offset=np.log([t_exposed, t_other])).fit()
    coef, se = float(fit.params[1]), float(fit.bse[1])
    return (
        float(np.exp(coef)),
        float(np.exp(coef - _Z95 * se)),
        float(np.exp(coef + _Z95 * se)),
        float(fit.pvalues[1]),
    )


@dataclass
class _Exposure:
    accounts: int
    months: float
    churned: int


def _split_time(
    acc: pd.DataFrame,
    eligible: np.ndarray,
    exposures: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    after: int,
) -> tuple[_Exposure, _Exposure]:
    """Account-months at risk in the window and churners, exposed (in the months after
    a manager left the account) and other.

    Each eligible account is at risk from the later of the window's start and its joining
    to the earlier of its churn and the window's end; that time is split into the
    exposure intervals (the account's assignment end, that plus ``after`` months], merged
    where two overlap, and the rest. A churn counts where its date falls.

    A portfolio account's time before its manager left is left out: it was sure to be
    there at the departure (it is in the portfolio because it had not left), so that
    time holds no churn by construction and counted as other it would make the other
    rate look lower and the ratio higher than it is (immortal time). Its time after the
    exposure counts as other.
    """
    s, e = start.to_datetime64(), end.to_datetime64()
    churned = (acc["status"] == "churned").to_numpy(dtype=bool, na_value=False)
    cdate = dates_of(acc, "churn_date")
    join = dates_of(acc, "join_date")
    undated = churned & np.isnat(cdate)
    mid = s + (e - s) / 2
    stop = np.where(churned, np.where(undated, mid, cdate), e)
    stop = np.minimum(stop, e)
    begin = np.maximum(np.where(np.isnat(join), s, join), s)
    event = churned & (stop >= s) & (stop < e) & eligible
    n = len(acc)
    exposed_days = np.zeros(n)
    exposed_event = np.zeros(n, dtype=bool)
    is_exposed = np.zeros(n, dtype=bool)
    pos = positions(exposures["account_id"], pd.Index(acc["account_id"]))
    lo_all = pd.to_datetime(exposures["end"])
    iv = pd.DataFrame(
        {
            "i": pos,
            "lo": lo_all.to_numpy(dtype="datetime64[ns]"),
            "hi": (lo_all + pd.DateOffset(months=after)).to_numpy(dtype="datetime64[ns]"),
        }
    )
    iv = iv.loc[(iv["i"] >= 0) & iv["lo"].notna()]
    iv = iv.loc[eligible[iv["i"].to_numpy()]].sort_values(["i", "lo"], kind="stable")
    if len(iv):
        # merge an account's overlapping intervals: a new block starts where an interval
        # begins after every earlier one of the account has ended
        reach = iv.groupby("i", sort=False)["hi"].cummax()
        prev = reach.groupby(iv["i"], sort=False).shift(1)
        block = (prev.isna() | (iv["lo"] > prev)).cumsum()
        m = iv.groupby(block, sort=False).agg(i=("i", "first"), lo=("lo", "min"), hi=("hi", "max"))
        i = m["i"].to_numpy()
        lo, hi = m["lo"].to_numpy(), m["hi"].to_numpy()
        a0, a1 = np.maximum(lo, begin[i]), np.minimum(hi, stop[i])
        d = np.clip((a1 - a0) / np.timedelta64(1, "D"), 0, None)
        np.add.at(exposed_days, i, d)
        hit = event[i] & ~undated[i] & (lo < stop[i]) & (stop[i] <= hi)
        exposed_event[i[hit]] = True
        is_exposed[i[(d > 0) | hit]] = True
        # a portfolio's account counts from its first departure on (see above)
        first = m.groupby("i", sort=False)["lo"].min()
        at = first.index.to_numpy()
        begin = begin.copy()
        begin[at] = np.maximum(begin[at], first.to_numpy(dtype="datetime64[ns]"))
        event = event.copy()
        event[at] &= stop[at] > begin[at]
    days = np.clip((stop - begin) / np.timedelta64(1, "D"), 0, None) * eligible
    exp = _Exposure(
        int(is_exposed.sum()), float(exposed_days.sum()) / _MONTH_DAYS, int(exposed_event.sum())
    )
    rest = (days - exposed_days) > 0
    other = _Exposure(
        int((eligible & rest).sum()),
        float((days - exposed_days).sum()) / _MONTH_DAYS,
        int((event & ~exposed_event).sum()),
    )
    return exp, other


def manager_departures(book: Book, *, rules: str | Path | dict | None = None) -> ManagerDepartures:
    """Accounts that left with their account manager: churn after a manager's departure,
    the revenue lost and the key-person turnover.

    A departure is an assignment of the ``assignments`` table ending within the window
    (observation start to as-of) for a reason that means the manager left
    (``manager_left``; without a reason column, a manager whose history stops within the
    window, see the notes). The accounts of the departed manager's portfolio are exposed
    for ``managers.after_departure_months`` months after the assignment's end; one that
    churned in that time churned after the departure, and its revenue lost is its
    average monthly bill while billed × 12 (a year's revenue).

    The churn per account-month in exposed account-months is compared with that in the
    other account-months of managed accounts (``managers.managed_types``; a portfolio
    account's time before the departure is left out, as it was sure to be there then,
    and its time after the exposure counts as other) by a Poisson GLM with log link
    and offset log(account-months): ``ratio_``, its 95% Wald interval ``ci_`` and
    ``pvalue_``, only with ``managers.min_churners`` or more churners after departures
    (else counts only). ``turnover_``: managers who left in the window / managers with
    an assignment open at its start.

    Examples
    --------
    >>> import kamlib
    >>> from kamlib.managers import manager_departures
    >>> d = manager_departures(kamlib.synth(300, seed=1).book)
    >>> list(d.table.columns)
    ['account_manager', 'left', 'accounts', 'churned_after', 'revenue_lost', 'still_active', 'revenue_at_risk', 'branch']
    >>> list(d.summary().index[:3])
    ['departures', 'accounts_churned_after_departure', 'revenue_lost_after_manager_left']
    """
    from ._settings import settings

    cfg = settings("key_accounts", rules, caller="manager_departures")
    mc = cfg["managers"]
    after = int(mc["after_departure_months"])
    empty_table = pd.DataFrame(columns=DEPARTURE_COLUMNS)
    empty_exposed = pd.DataFrame(columns=EXPOSED_COLUMNS)
    empty_cmp = pd.DataFrame(columns=COMPARISON_COLUMNS)
    if not book.has("assignments"):
        note = tr(
            "no account-manager history (assignments table): churn after a manager left "
            "cannot be shown"
        )
        return ManagerDepartures(
            empty_table, empty_exposed, empty_cmp, (note,), currency=book.currency
        )
    window = manager_window(book)
    if window is None:
        note = tr("The data have no as-of date, so departures in the window cannot be dated.")
        return ManagerDepartures(
            empty_table, empty_exposed, empty_cmp, (note,), currency=book.currency
        )
    start, end, wnote = window
    notes: list[str] = [wnote] if wnote else []
    acc = book.accounts
    rows, how = _departure_rows(book, start, end)
    if how:
        notes.append(how)
    # positions in the accounts table (plain arrays: cheap on strings of any kind)
    where = pd.Index(acc["account_id"].to_numpy(dtype=object))
    monthly = monthly_bills(book)
    cdate = dates_of(acc, "churn_date")
    status = acc["status"].to_numpy(dtype=object)
    branch = acc["branch"].to_numpy(dtype=object)

    # the exposed accounts: one row per account and departure
    at = where.get_indexer(rows["account_id"].to_numpy(dtype=object))
    ex = rows.loc[at >= 0]
    at = at[at >= 0]
    left = pd.to_datetime(ex["end"])
    limit = (left + pd.DateOffset(months=after)).to_numpy(dtype="datetime64[ns]")
    left64 = left.to_numpy(dtype="datetime64[ns]")
    ex_cd, ex_st, ex_m = cdate[at], status[at], monthly[at]
    churned_after = (ex_st == "churned") & (ex_cd > left64) & (ex_cd <= limit)
    exposed = pd.DataFrame(
        {
            "account_id": ex["account_id"].to_numpy(),
            "account_manager": ex["account_manager"].to_numpy(),
            "left": left64,
            "status": ex_st,
            "churn_date": ex_cd,
            "churned_after": np.asarray(churned_after, dtype=bool),
            "monthly_revenue": ex_m,
            "revenue_lost": np.where(churned_after, ex_m * 12, 0.0),
            "branch": branch[at],
        },
    )
    exposed.loc[~exposed["churned_after"], "revenue_lost"] = 0.0
    exposed = exposed.sort_values(["account_manager", "account_id"], kind="stable").reset_index(
        drop=True
    )
    unknown = int((exposed["churned_after"] & exposed["monthly_revenue"].isna()).sum())
    if unknown:
        notes.append(
            ntr(
                "{n} account that left after its manager has no known monthly revenue: its "
                "revenue lost is left out.",
                "{n} accounts that left after their manager have no known monthly revenue: "
                "their revenue lost is left out.",
                unknown,
                n=count(unknown),
            )
        )

    # one row per departure: a manager and the day they left (their latest such end)
    table_rows = []
    for m, grp in exposed.groupby("account_manager", sort=True):
        br = grp["branch"].mode()
        table_rows.append(
            {
                "account_manager": m,
                "left": grp["left"].max(),
                "accounts": int(grp["account_id"].nunique()),
                "churned_after": int(grp.loc[grp["churned_after"], "account_id"].nunique()),
                "revenue_lost": float(grp["revenue_lost"].sum(min_count=1))
                if grp["churned_after"].any()
                else 0.0,
                # the handed-over accounts still with us: the revenue the departure still
                # puts at risk (a year of their monthly bill, as revenue_lost is)
                "still_active": int(grp.loc[grp["status"] == "active", "account_id"].nunique()),
                "revenue_at_risk": float(
                    12 * grp.loc[grp["status"] == "active", "monthly_revenue"].sum()
                ),
                "branch": br.iloc[0] if len(br) else None,
            }
        )
    table = pd.DataFrame(table_rows, columns=DEPARTURE_COLUMNS)
    if len(table):
        table = table.sort_values(["left", "account_manager"], kind="stable").reset_index(drop=True)
    else:
        notes.append(tr("No account manager left during the window."))

    # key-person turnover: managers who left / managers with an assignment open at the start
    a = _history(book)
    s_, e_ = pd.to_datetime(a["start"]), pd.to_datetime(a["end"])
    open_at_start = (s_ <= start) & (e_.isna() | (e_ >= start))
    at_start = a.loc[open_at_start.to_numpy(dtype=bool, na_value=False), "account_manager"]
    n_start = int(at_start.nunique())
    turnover = len(table) / n_start if n_start else np.nan
    if n_start == 0:
        notes.append(
            tr("No manager had an assignment open at the window's start: turnover is unknown.")
        )

    # exposed against other account-months of managed accounts
    managed = _managed(acc, list(mc["managed_types"]))
    in_history = acc["account_id"].isin(set(a["account_id"])).to_numpy()
    has_manager = _manager_of(acc).notna().to_numpy() if "account_manager" in acc else False
    eligible = managed & (in_history | has_manager)
    exp, other = _split_time(
        acc,
        eligible,
        exposed[["account_id", "left"]].rename(columns={"left": "end"}),
        start,
        end,
        after,
    )
    enough = exp.churned >= int(mc["min_churners"])
    comparison = pd.DataFrame(
        {
            "group": ["exposed", "other"],
            "accounts": [exp.accounts, other.accounts],
            "account_months": [exp.months, other.months],
            "churned": [exp.churned, other.churned],
        },
        columns=COMPARISON_COLUMNS,
    )
    ratio = low = high = p = np.nan
    if len(table) and enough:
        comparison["rate"] = comparison["churned"] / comparison["account_months"].where(
            comparison["account_months"] > 0
        )
        ratio, low, high, p = _rate_ratio(exp.churned, exp.months, other.churned, other.months)
        if not np.isfinite(ratio):
            notes.append(
                tr(
                    "No other managed account churned in the window, so churn after a manager "
                    "left has nothing to be compared with."
                )
            )
        elif low > 1:
            notes.append(
                tr(
                    "Churn after a manager left is {ratio:.1f} times that of other managed "
                    "accounts (95% interval {low:.1f} to {high:.1f}).",
                    ratio=ratio,
                    low=low,
                    high=high,
                )
            )
        else:
            notes.append(
                tr(
                    "Churn after a manager left is not clearly higher than that of other "
                    "managed accounts (rate ratio {ratio:.1f}, 95% interval {low:.1f} to "
                    "{high:.1f}).",
                    ratio=ratio,
                    low=low,
                    high=high,
                )
            )
    else:
        comparison["rate"] = np.nan
        if len(table):
            notes.append(
                ntr(
                    "Only {n} account churned within {months} months of its manager leaving "
                    "(fewer than {min}): too few to compare with other accounts, so counts only.",
                    "Only {n} accounts churned within {months} months of their manager leaving "
                    "(fewer than {min}): too few to compare with other accounts, so counts only.",
                    exp.churned,
                    n=count(exp.churned),
                    months=count(after),
                    min=count(int(mc["min_churners"])),
                )
            )
    if len(table):
        lost = float(table["revenue_lost"].sum())
        notes.append(
            tr(
                "Revenue lost after a manager left is the accounts' average monthly bill × 12 "
                "({lost} a year).",
                lost=money(lost, book.currency),
            )
        )
    return ManagerDepartures(
        table,
        exposed,
        comparison,
        notes,
        ratio=ratio,
        ci=(low, high),
        pvalue=p,
        turnover=turnover,
        managers_at_start=n_start,
        has_history=True,
        currency=book.currency,
    )
