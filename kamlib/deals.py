"""Key-account deals: does a contract's money recover what was invested to win it, and are
discounts within the policy's limits?

:func:`contract_payback` reads the optional ``contracts`` table (investment per contract,
expected revenue where recorded) with the billing and the customer P&L: the revenue over
the whole term, times the account's contribution margin, against the investment (the
domain brief's example: 585,500 invested against 686,400 of revenue over three years
covers the investment in revenue, but at an 80% margin it does not pay back).

:func:`discount_control` sets each account's discount rate (discounts over revenue before
discounts) against the limit of its value tier (``config/key_accounts.yaml``,
``discounts:``), per account, per account manager and per tier.

How months are counted: a contract's term and its months elapsed are the days between
its dates in months of 30.4375 days, rounded to whole months; a billing month belongs to
a contract when the 15th of that month falls on or after the contract's start and before
its end (or before the churn date of an account that left).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._book import Book
from ._format import count, money
from ._i18n import ntr, tr
from ._result import Result, axes, figures, nothing_to_draw

__all__ = [
    "ContractPayback",
    "contract_payback",
    "DiscountControl",
    "discount_control",
]

#: days in an average month: contract terms are counted in these, rounded
_MONTH_DAYS = 365.25 / 12
#: a billing month belongs to a contract by its 15th day (start <= 15th < end)
_MID_MONTH = pd.Timedelta(days=14)

PAYBACK_COLUMNS = [
    "account_id",
    "name",
    "start",
    "end",
    "term_months",
    "investment",
    "revenue_expected",
    "basis",
    "margin",
    "contribution_expected",
    "revenue_covers",
    "pays_back",
    "shortfall",
    "payback_month",
    # how the row was worked out (after the columns a report shows)
    "months_elapsed",
    "revenue_to_date",
    "churned",
    "months_lost",
    "judged_on",
]

DISCOUNT_COLUMNS = [
    "account_id",
    "name",
    "account_manager",
    "tier",
    "revenue",
    "discounts",
    "discount_rate",
    "limit",
    "over_limit",
    "excess",
    "revenue_before_discounts",
]

MANAGER_COLUMNS = [
    "account_manager",
    "accounts",
    "accounts_discounted",
    "revenue",
    "discounts",
    "discount_rate",
    "accounts_over_limit",
    "excess",
    "few_accounts",
    "revenue_before_discounts",
]

TIER_COLUMNS = [
    "tier",
    "accounts",
    "accounts_discounted",
    "revenue",
    "discounts",
    "discount_rate",
    "limit",
    "accounts_over_limit",
    "excess",
    "revenue_before_discounts",
]


# ----------------------------------------------------------------------------- payback
class ContractPayback(Result):
    """Whether each contract's money over its term recovers its investment
    (:func:`contract_payback`).

    ``table``: one row per contract (see :func:`contract_payback` for the columns).
    """

    def __init__(
        self, table: pd.DataFrame, notes: tuple[str, ...] | list[str] = (), *, currency: str = ""
    ) -> None:
        self.table = table
        self.notes = tuple(notes)
        self.currency = currency

    def summary(self) -> pd.DataFrame:
        """Contracts, those that do not pay back (NaN without a contracts table), the
        investment and the shortfall."""
        t = self.table
        if t.empty:
            return figures(
                {
                    "contracts": 0,
                    "contracts_not_paying_back": np.nan,
                    "investment": np.nan,
                    "shortfall": np.nan,
                }
            )
        judged = t["pays_back"].notna()
        return figures(
            {
                "contracts": int(len(t)),
                "contracts_not_paying_back": int((~t["pays_back"][judged].astype(bool)).sum()),
                "investment": float(t["investment"].sum()),
                "shortfall": float(t["shortfall"].sum(min_count=1))
                if t["shortfall"].notna().any()
                else np.nan,
            }
        )

    def plot(self, *, ax: Any = None) -> Any:
        """Investment against the money expected back per contract (the 20 largest
        investments; red: does not pay back)."""
        ax = axes(ax)
        t = self.table
        if t.empty:
            return nothing_to_draw(ax, self.notes[0] if self.notes else tr("No contracts."))
        from ._charts import money_axis

        shown = t.sort_values("investment", ascending=False, kind="stable").head(20).iloc[::-1]
        back = shown["contribution_expected"].where(
            shown["judged_on"] == "contribution", shown["revenue_expected"]
        )
        y = np.arange(len(shown))
        names = shown["name"].fillna(shown["account_id"]).astype(str)
        ax.barh(y + 0.2, shown["investment"], height=0.4, color="#999", label=tr("Investment"))
        colours = np.where(shown["pays_back"].fillna(True).astype(bool), "#4c72b0", "#b00")
        ax.barh(y - 0.2, back.fillna(0.0), height=0.4, color=colours)
        ax.set_yticks(y, list(names))
        money_axis(ax, self.currency, axis="x")
        # the report titles the chart with its finding; the legend says what each bar is
        from matplotlib.patches import Patch

        ax.legend(
            handles=[
                Patch(color="#999", label=tr("Investment")),
                Patch(color="#4c72b0", label=tr("Expected back: pays back")),
                Patch(color="#b00", label=tr("Expected back: falls short")),
            ],
            loc="lower right",
        )
        return ax


#: one-off costs of the P&L that a contract's investment already stands for
_ONE_OFF = ("cost_subsidies", "cost_acquisition_retention")


def _recurring_margin(t: pd.DataFrame) -> pd.Series:
    """Profit before one-off costs over revenue, per account_id (NaN without revenue)."""
    one_off = sum((t[c] for c in _ONE_OFF if c in t), pd.Series(0.0, index=t.index))
    rev = t["revenue"].astype("float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        m = (t["profit"] + one_off) / rev.where(rev > 0)
    return pd.Series(m.to_numpy(dtype="float64"), index=t["account_id"])


def contract_payback(
    book: Book,
    *,
    pnl: Any = None,
    cost_model: Any = None,
    recent_months: int = 3,
) -> ContractPayback:
    """Whether each recorded contract's money over its term recovers its investment.

    For each row of the ``contracts`` table: the revenue expected over the whole term
    (``expected_revenue`` where recorded, ``basis`` "recorded"; else the revenue billed
    within the contract's dates that the data hold plus the average of its last
    ``recent_months`` billed months for each month of the term they do not hold, basis
    "projected"), times the account's contribution margin over the billing window
    (profit / revenue of :func:`kamlib.customer_pnl`, cost to serve included), against
    the investment. An account that left stops paying at its churn date: the rest of the
    term is lost (a recorded promise is counted pro rata up to that date). Without a
    costs table the margin is unknown and contracts are judged on revenue alone (said in
    the notes; ``judged_on`` says which, per row).

    Parameters
    ----------
    book : the data (usually one branch).
    pnl : a :func:`kamlib.customer_pnl` result of the same book to reuse.
    cost_model : the cost model for the P&L when ``pnl`` is not given.
    recent_months : how many of the last billed months make the monthly rate of a
        projection.

    Returns
    -------
    ContractPayback
        ``table``: account_id, name, start, end, term_months, investment,
        revenue_expected, basis, margin, contribution_expected, revenue_covers
        (revenue_expected >= investment), pays_back (contribution_expected >=
        investment), shortfall (investment - contribution_expected, at least 0),
        payback_month (months from the start until the money at the contract's monthly
        rate reaches the investment; NaN if never within the term), then
        months_elapsed, revenue_to_date, churned, months_lost and judged_on
        ("contribution" or "revenue").

    Examples
    --------
    >>> import pandas as pd, kamlib
    >>> acc = pd.DataFrame({"account_id": ["K1"], "branch": ["Suzhou"], "status": ["active"]})
    >>> deal = pd.DataFrame({"account_id": ["K1"], "start": ["2023-01-01"],
    ...     "end": ["2026-01-01"], "investment": [585_500.0], "expected_revenue": [686_400.0]})
    >>> book = kamlib.Book.from_frames(accounts=acc, contracts=deal, as_of="2025-12-31")
    >>> row = contract_payback(book).table.iloc[0]
    >>> int(row["term_months"]), bool(row["revenue_covers"]), row["judged_on"]
    (36, True, 'revenue')
    >>> from dataclasses import replace
    >>> sample = replace(kamlib.synth(300, seed=1).book, contracts=None)
    >>> contract_payback(sample).notes
    ('no contracts table: contract payback cannot be shown',)
    """
    from .profit import pnl_of

    if recent_months < 1:
        raise ValueError(f"recent_months must be 1 or more, not {recent_months}")
    empty = pd.DataFrame(columns=PAYBACK_COLUMNS)
    if not book.has("contracts"):
        note = tr("no contracts table: contract payback cannot be shown")
        return ContractPayback(empty, (note,), currency=book.currency)
    c = book.contracts.reset_index(drop=True)  # type: ignore[union-attr]
    acc = book.accounts.set_index("account_id")
    ids = c["account_id"]
    start = pd.to_datetime(c["start"]).reset_index(drop=True)
    end = pd.to_datetime(c["end"]).reset_index(drop=True)
    invest = c["investment"].astype("float64").to_numpy()
    n = len(c)

    # --- when the money stops: the end of the term, or the churn date ----------------
    status = acc["status"].reindex(ids).to_numpy()
    churned = status == "churned"
    churn_day = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    if "churn_date" in acc:
        churn_day = pd.to_datetime(acc["churn_date"].reindex(ids)).reset_index(drop=True)
    window = book.months()
    cutoff = book.as_of
    if cutoff is None and len(window):
        cutoff = window[-1] + pd.offsets.MonthEnd(0)
    # an account that left without a churn date stops at the end of the data
    stop = churn_day.where(pd.Series(churned), pd.NaT)
    if cutoff is not None:
        stop = stop.where(~(pd.Series(churned) & stop.isna()), cutoff)
    live_end = end.where(stop.isna() | (stop >= end), stop)
    term = _months_between(start, end)
    live = np.clip(_months_between(start, live_end), 0, term)
    lost = churned & (live < term)
    if cutoff is not None:
        elapsed = np.clip(_months_between(start, live_end.clip(upper=cutoff)), 0, term)
    else:
        elapsed = np.full(n, np.nan)

    # --- revenue within the contract's dates that the billing holds -------------------
    to_date = np.full(n, np.nan)  # unknown without billing
    held = np.zeros(n, dtype="int64")
    recent = np.full(n, np.nan)
    if book.has("billing") and len(window):
        am = book.account_months()
        assert am is not None  # has("billing")
        mat = am.pivot(index="account_id", columns="month", values="revenue")
        mat = mat.reindex(columns=window).fillna(0.0)
        rows = mat.reindex(ids.to_numpy()).fillna(0.0).to_numpy(dtype="float64")
        mids = (window + _MID_MONTH).to_numpy()[None, :]
        # contracts x months: the billing months within each contract's live dates
        inside = (mids >= start.to_numpy()[:, None]) & (mids < live_end.to_numpy()[:, None])
        held = inside.sum(axis=1)
        to_date = np.where(inside, rows, 0.0).sum(axis=1)
        # the last ``recent_months`` of them: counted back from the latest month inside
        back_rank = inside[:, ::-1].cumsum(axis=1)[:, ::-1]
        last = inside & (back_rank <= recent_months)
        with np.errstate(invalid="ignore", divide="ignore"):
            recent = np.where(last, rows, 0.0).sum(axis=1) / last.sum(axis=1)
        recent = np.where(held > 0, recent, np.nan)
    missing = np.maximum(live - held, 0)

    recorded = (
        c["expected_revenue"].astype("float64").to_numpy()
        if "expected_revenue" in c
        else np.full(n, np.nan)
    )
    has_rec = np.isfinite(recorded)
    with np.errstate(invalid="ignore", divide="ignore"):
        promised = np.where(term > 0, recorded * live / np.where(term > 0, term, 1), recorded)
    projected = np.where(missing == 0, to_date, to_date + recent * missing)
    rev_exp = np.where(has_rec, promised, projected)
    basis = np.where(has_rec, "recorded", "projected")

    # --- the account's contribution margin over the window ---------------------------
    p = pnl_of(book, pnl, cost_model)
    margin = (
        _recurring_margin(p.table).reindex(ids).to_numpy(dtype="float64")
        if p.has_costs
        else np.full(n, np.nan)
    )
    known = np.isfinite(margin)
    contribution = rev_exp * margin
    # the money judged against the investment: an account that loses money on its running
    # costs gives nothing back (its loss is a loss-maker's problem, not more shortfall)
    back = np.where(known, np.maximum(contribution, 0.0), rev_exp)
    judged = np.where(known, "contribution", "revenue")
    rev_ok = np.isfinite(rev_exp)
    covers = pd.array(np.where(rev_ok, rev_exp >= invest, False), dtype="boolean")
    covers[~rev_ok] = pd.NA
    back_ok = np.isfinite(back)
    pays = pd.array(np.where(back_ok, back >= invest, False), dtype="boolean")
    pays[~back_ok] = pd.NA
    shortfall = np.where(back_ok, np.maximum(invest - back, 0.0), np.nan)
    payback = np.array(
        [_payback_month(invest[i], back[i], int(live[i])) for i in range(n)], dtype="float64"
    )

    name = acc["name"].reindex(ids).to_numpy() if "name" in acc else np.full(n, None, dtype=object)
    table = pd.DataFrame(
        {
            "account_id": ids.to_numpy(),
            "name": name,
            "start": start.to_numpy(),
            "end": end.to_numpy(),
            "term_months": term.astype("int64"),
            "investment": invest,
            "revenue_expected": rev_exp,
            "basis": basis,
            "margin": margin,
            "contribution_expected": contribution,
            "revenue_covers": covers,
            "pays_back": pays,
            "shortfall": shortfall,
            "payback_month": payback,
            "months_elapsed": elapsed,
            "revenue_to_date": to_date,
            "churned": churned,
            "months_lost": (term - live).astype("int64"),
            "judged_on": judged,
        },
        columns=PAYBACK_COLUMNS,
    )
    return ContractPayback(
        table,
        _payback_notes(
            p.has_costs,
            known,
            has_rec,
            rev_ok,
            lost,
            has_rec & lost,
            recent_months,
        ),
        currency=book.currency,
    )


def _months_between(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Whole months from ``a`` to ``b`` (days / 30.4375, rounded)."""
    days = (b - a).dt.days.to_numpy(dtype="float64")
    return np.rint(np.nan_to_num(days, nan=0.0) / _MONTH_DAYS).astype("int64")


def _payback_month(investment: float, back: float, months: int) -> float:
    """The month in which ``back`` earned evenly over ``months`` reaches ``investment``
    (0 for nothing invested); NaN when it never does within the months."""
    if not math.isfinite(back) or not math.isfinite(investment):
        return np.nan
    if investment <= 0:
        return 0.0
    if months <= 0 or back <= 0:
        return np.nan
    # round away float noise before the ceiling (12 x 1/12 of a sum is the sum)
    k = math.ceil(round(investment / (back / months), 9))
    return float(k) if k <= months else np.nan


def _payback_notes(
    has_costs: bool,
    known: np.ndarray,
    recorded: np.ndarray,
    revenue_known: np.ndarray,
    lost: np.ndarray,
    promise_cut: np.ndarray,
    recent_months: int,
) -> tuple[str, ...]:
    notes: list[str] = []
    if not has_costs:
        notes.append(
            tr(
                "The data have no costs table, so margins are unknown and contracts are judged "
                "on revenue alone: a contract whose revenue covers its investment may still not "
                "pay back once the cost to serve is counted."
            )
        )
    else:
        notes.append(
            tr(
                "Each contract's margin is its account's profit over revenue in the billing "
                "window before one-off costs (subsidies, acquisition and retention: the "
                "contract's investment stands for them), taken to hold for the whole term; an "
                "account losing money on its running costs gives nothing back."
            )
        )
        unknown = int((~known).sum())
        if unknown:
            notes.append(
                ntr(
                    "{n} contract's account had no revenue in the billing window, so its margin "
                    "is unknown and it is judged on revenue alone.",
                    "{n} contracts' accounts had no revenue in the billing window, so their "
                    "margins are unknown and they are judged on revenue alone.",
                    unknown,
                    n=count(unknown),
                )
            )
    proj = int((~recorded).sum())
    if proj:
        notes.append(
            ntr(
                "{n} contract records no expected revenue: its revenue over the term is "
                "projected as the revenue billed within its dates plus the average of its last "
                "{k} billed months for each month of the term the data do not hold.",
                "{n} contracts record no expected revenue: their revenue over the term is "
                "projected as the revenue billed within their dates plus the average of their "
                "last {k} billed months for each month of the term the data do not hold.",
                proj,
                n=count(proj),
                k=count(recent_months),
            )
        )
    unjudged = int((~revenue_known).sum())
    if unjudged:
        notes.append(
            ntr(
                "{n} contract has neither a recorded expected revenue nor billing within its "
                "dates, so whether it pays back cannot be judged.",
                "{n} contracts have neither a recorded expected revenue nor billing within "
                "their dates, so whether they pay back cannot be judged.",
                unjudged,
                n=count(unjudged),
            )
        )
    left = int(lost.sum())
    if left:
        notes.append(
            ntr(
                "{n} contract belongs to an account that left: its revenue stops at the churn "
                "date and the rest of the term is lost.",
                "{n} contracts belong to accounts that left: their revenue stops at the churn "
                "date and the rest of the term is lost.",
                left,
                n=count(left),
            )
            + (
                " "
                + tr("A recorded expected revenue is then counted pro rata up to the churn date.")
                if promise_cut.any()
                else ""
            )
        )
    return tuple(notes)


# ----------------------------------------------------------------------------- discounts
class DiscountControl(Result):
    """Discounts against the policy's limit per value tier (:func:`discount_control`).

    ``table``: one row per account given discounts; ``by_manager`` and ``by_tier``: the
    same summed per account manager and per tier over all their accounts (those given no
    discount count in ``accounts`` and dilute the rate, as they should).
    """

    def __init__(
        self,
        table: pd.DataFrame,
        by_manager: pd.DataFrame,
        by_tier: pd.DataFrame,
        notes: tuple[str, ...] | list[str] = (),
        *,
        currency: str = "",
    ) -> None:
        self.table = table
        self.by_manager = by_manager
        self.by_tier = by_tier
        self.notes = tuple(notes)
        self.currency = currency

    def summary(self) -> pd.DataFrame:
        """Accounts over their tier's limit and the discount above the limits (money);
        with the accounts given discounts, the discounts and their overall rate."""
        t = self.table
        if t.empty:
            return figures(
                {
                    "accounts_over_limit": np.nan,
                    "excess": np.nan,
                    "accounts_discounted": 0,
                    "discounts": np.nan,
                    "discount_rate": np.nan,
                }
            )
        gross = self.by_tier["revenue_before_discounts"].sum() if len(self.by_tier) else 0.0
        return figures(
            {
                "accounts_over_limit": int(t["over_limit"].fillna(False).astype(bool).sum()),
                "excess": float(t["excess"].sum()),
                "accounts_discounted": int(len(t)),
                "discounts": float(t["discounts"].sum()),
                "discount_rate": float(t["discounts"].sum() / gross) if gross > 0 else np.nan,
            }
        )

    def plot(self, *, ax: Any = None) -> Any:
        """The discount rate of each tier beside its limit."""
        ax = axes(ax)
        t = self.by_tier
        if self.table.empty or t.empty:
            return nothing_to_draw(ax, self.notes[0] if self.notes else tr("No discounts."))
        from ._charts import share_axis
        from ._labels import label

        x = np.arange(len(t))
        names = [tr("no tier") if pd.isna(v) else label(str(v)) for v in t["tier"]]
        over = (t["discount_rate"] > t["limit"]).to_numpy()
        ax.bar(x, t["discount_rate"].fillna(0.0), color=np.where(over, "#b00", "#4c72b0"))
        ax.scatter(x, t["limit"], marker="_", s=600, color="black", label=tr("Limit"), zorder=3)
        ax.set_xticks(x, names)
        share_axis(ax, axis="y")
        from matplotlib.patches import Patch

        handles, _ = ax.get_legend_handles_labels()
        ax.legend(
            handles=[
                *handles,
                Patch(color="#4c72b0", label=tr("Discount rate: within the limit")),
                Patch(color="#b00", label=tr("Discount rate: above the limit")),
            ]
        )
        return ax


def discount_control(
    book: Book,
    *,
    rules: str | Path | dict | None = None,
    scheme: str | Path | dict | None = None,
    tiers: Any = None,
) -> DiscountControl:
    """Discounts per account, account manager and value tier against the policy's limits.

    The discount rate is the discounts given (the costs table's ``discounts``, an amount)
    over the revenue before discounts. Billing revenue is after discounts by default
    (``book.revenue_basis == "net"``: the revenue before them is revenue + discounts);
    with ``"gross"`` it is before them (the revenue itself). The limit is the one of the
    account's value tier (:func:`kamlib.value_tiers` with ``scheme``, default
    ``service.scheme`` of ``config/key_accounts.yaml``) in ``discounts.limits``, or
    ``discounts.default`` where the tier has none or the account has no tier. An account
    is over the limit when its rate is above it; the excess is the money given above the
    limit (discounts - limit x revenue before discounts).

    Parameters
    ----------
    book : the data (usually one branch).
    rules : changes to ``config/key_accounts.yaml`` (dict or YAML path): the limits,
        ``managers.min_accounts``.
    scheme : the value-tier scheme (default ``service.scheme``).
    tiers : a :func:`kamlib.value_tiers` result of the book to reuse (computed when None).

    Returns
    -------
    DiscountControl
        ``table``: account_id, name, account_manager, tier, revenue (billed, as the P&L
        shows it), discounts, discount_rate, limit, over_limit, excess,
        revenue_before_discounts; ``by_manager``: account_manager, accounts,
        accounts_discounted, revenue, discounts, discount_rate, accounts_over_limit,
        excess, few_accounts (fewer than ``managers.min_accounts``: the rate rests on few
        accounts); ``by_tier``: tier, accounts, accounts_discounted, revenue, discounts,
        discount_rate, limit, accounts_over_limit, excess.

    Examples
    --------
    >>> import kamlib
    >>> d = discount_control(kamlib.synth(300, seed=1).book)
    >>> list(d.summary().index[:2]), list(d.table.columns[:4])
    (['accounts_over_limit', 'excess'], ['account_id', 'name', 'account_manager', 'tier'])
    """
    from ._settings import settings
    from .segment import value_tiers

    cfg = settings("key_accounts", rules, caller="discount_control")
    empty = (
        pd.DataFrame(columns=DISCOUNT_COLUMNS),
        pd.DataFrame(columns=MANAGER_COLUMNS),
        pd.DataFrame(columns=TIER_COLUMNS),
    )
    if not book.has("costs") or "discounts" not in book.costs:  # type: ignore[operator]
        note = tr("no discounts in the costs table: discounts cannot be checked against limits")
        return DiscountControl(*empty, (note,), currency=book.currency)
    rev = book.period_revenue()
    if rev is None:
        note = tr("no revenue in the data: discount rates cannot be computed")
        return DiscountControl(*empty, (note,), currency=book.currency)

    acc = book.accounts
    ids = pd.Index(acc["account_id"])
    revenue = pd.Series(rev.to_numpy(dtype="float64"), index=ids)
    given = (
        book.table("costs")
        .groupby("account_id", sort=False)["discounts"]
        .sum(min_count=1)
        .reindex(ids)
        .fillna(0.0)
        .astype("float64")
    )
    net = book.revenue_basis == "net"
    gross = revenue + given if net else revenue
    # a value_tiers result of the book already computed (the report's) is reused
    if tiers is None:
        tiers = value_tiers(book, scheme=scheme or cfg["service"]["scheme"])
    tier = tiers.assignment.reindex(ids)
    limits = cfg["discounts"]["limits"]
    default = float(cfg["discounts"]["default"])
    limit = pd.Series(
        [default if pd.isna(v) else float(limits.get(str(v), default)) for v in tier],
        index=ids,
        dtype="float64",
    )
    ok = gross > 0
    rate = (given / gross.where(ok)).astype("float64")
    allowed = limit * gross
    # a rate equal to the limit is within it; float noise is not a breach
    over = (given - allowed) > 1e-9 * gross.abs().clip(lower=1.0)
    over_b = pd.array(over.to_numpy(), dtype="boolean")
    over_b[~ok.to_numpy()] = pd.NA
    excess = (given - allowed).clip(lower=0.0).where(ok).where(over, 0.0)
    manager = (
        acc["account_manager"] if "account_manager" in acc else pd.Series(pd.NA, index=acc.index)
    )
    per = pd.DataFrame(
        {
            "account_id": ids,
            "name": acc["name"].to_numpy() if "name" in acc else None,
            "account_manager": manager.to_numpy(),
            "tier": tier.to_numpy(),
            "revenue": revenue.to_numpy(),
            "discounts": given.to_numpy(),
            "discount_rate": rate.to_numpy(),
            "limit": limit.to_numpy(),
            "over_limit": over_b,
            "excess": excess.to_numpy(),
            "revenue_before_discounts": gross.to_numpy(),
        },
        columns=DISCOUNT_COLUMNS,
    )
    table = (
        per[per["discounts"] > 0]
        .sort_values(
            ["excess", "discount_rate"], ascending=False, kind="stable", na_position="last"
        )
        .reset_index(drop=True)
    )
    min_accounts = int(cfg["managers"]["min_accounts"])
    by_manager = _by_manager(per, min_accounts) if "account_manager" in acc else empty[1]
    by_tier = _by_tier(per, list(tiers.table.index), limits, default)

    notes = [
        tr(
            "Billing revenue is after discounts (as the data declare): the discount rate is "
            "discounts over revenue plus discounts."
        )
        if net
        else tr(
            "Billing revenue is before discounts (as the data declare): the discount rate is "
            "discounts over revenue."
        )
    ]
    no_rate = int(((per["discounts"] > 0) & ~ok.to_numpy()).sum())
    if no_rate:
        notes.append(
            ntr(
                "{n} account was given discounts but has no revenue before them: its rate "
                "cannot be computed.",
                "{n} accounts were given discounts but have no revenue before them: their "
                "rates cannot be computed.",
                no_rate,
                n=count(no_rate),
            )
        )
    bounds = getattr(tiers.scheme, "currency", book.currency)
    if bounds != book.currency:
        notes.append(
            tr(
                "The value tiers' bounds are in {bounds} and the data in {currency}: the tiers, "
                "and so the limits, may not fit these accounts.",
                bounds=bounds,
                currency=book.currency,
            )
        )
    untiered = int(table["tier"].isna().sum()) if len(table) else 0
    if untiered:
        notes.append(
            ntr(
                "{n} account given discounts has no value tier: the default limit applies.",
                "{n} accounts given discounts have no value tier: the default limit applies.",
                untiered,
                n=count(untiered),
            )
        )
    if "account_manager" not in acc:
        notes.append(
            tr("The data name no account managers, so discounts are not shown by manager.")
        )
    elif len(by_manager) and by_manager["few_accounts"].any():
        few = int(by_manager["few_accounts"].sum())
        notes.append(
            ntr(
                "{n} account manager looks after fewer than {k} accounts: the discount rate "
                "rests on few accounts.",
                "{n} account managers look after fewer than {k} accounts each: their discount "
                "rates rest on few accounts.",
                few,
                n=count(few),
                k=count(min_accounts),
            )
        )
    if len(table) and (table["excess"] > 0).any():
        notes.append(
            tr(
                "The excess is the money given above the tier's limit: {amount} in all.",
                amount=money(float(table["excess"].sum()), book.currency),
            )
        )
    result = DiscountControl(table, by_manager, by_tier, notes, currency=book.currency)
    return result


def _sums(g: Any) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "accounts": g.size(),
            "accounts_discounted": g["discounts"].agg(lambda s: int((s > 0).sum())),
            "revenue": g["revenue"].sum(),
            "discounts": g["discounts"].sum(),
            "accounts_over_limit": g["over_limit"].agg(lambda s: int(s.fillna(False).sum())),
            "excess": g["excess"].sum(),
            "revenue_before_discounts": g["revenue_before_discounts"].sum(),
        }
    )
    gross = out["revenue_before_discounts"]
    out["discount_rate"] = out["discounts"] / gross.where(gross > 0)
    out["accounts"] = out["accounts"].astype("int64")
    out["accounts_discounted"] = out["accounts_discounted"].astype("int64")
    out["accounts_over_limit"] = out["accounts_over_limit"].astype("int64")
    return out


def _by_manager(per: pd.DataFrame, min_accounts: int) -> pd.DataFrame:
    g = per.groupby("account_manager", dropna=False, sort=True)
    out = _sums(g).rename_axis("account_manager").reset_index()
    out["few_accounts"] = out["accounts"] < min_accounts
    out = out.sort_values(
        ["excess", "discount_rate"], ascending=False, kind="stable", na_position="last"
    )
    return out[MANAGER_COLUMNS].reset_index(drop=True)


def _by_tier(
    per: pd.DataFrame, order: list[str], limits: dict[str, float], default: float
) -> pd.DataFrame:
    key = per["tier"].astype("object")
    g = per.assign(tier=key).groupby("tier", dropna=False, sort=False)
    out = _sums(g)
    # the scheme's order (low to high), then accounts with no tier
    ranked = [t for t in order if t in out.index] + [t for t in out.index if pd.isna(t)]
    out = out.loc[ranked].rename_axis("tier").reset_index()
    out["limit"] = [
        default if pd.isna(t) else float(limits.get(str(t), default)) for t in out["tier"]
    ]
    return out[TIER_COLUMNS]
