"""The 80/20 profit analysis: cost to serve, customer P&L, concentration, the whale curve.

Customer profit = revenue - cost to serve. Cost to serve is activity-based: each driver
in the ``costs`` table (tickets, visits, account-manager hours, ...) times its unit cost
from the cost model (``config/costs.yaml`` or the user's own file), plus amounts taken
as they are (discounts, subsidies, bad debt, ...). Every cost line stays visible in the
P&L, so each number can be traced to a driver and a rate.

Everything is vectorised over accounts (sorts and cumulative sums), so 5 million accounts
take about the time of a few sorts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._arrays import AccountArrays, arrays_of
from ._book import Book, has_column, lookup
from ._charts import money_axis, share_axis, thinned, thinned_label
from ._errors import ConfigError
from ._format import count, money, number, ratio, share
from ._i18n import N_, ntr, tr
from ._labels import label as _label_of
from ._result import Result, TableResult, axes, figures, nothing_to_draw
from ._settings import CostModelSpec, local_name, read_file, settings

__all__ = [
    "CostModel",
    "cost_model",
    "cost_to_serve",
    "customer_pnl",
    "pnl_of",
    "PnL",
    "Concentration",
    "concentration",
    "concentration_of",
    "AccountArrays",
    "Deciles",
    "decile_table",
    "deciles_of",
    "WhaleCurve",
    "whale_curve",
    "whale_of",
    "ProfitGroups",
    "profit_groups",
    "groups_of",
    "RulesOfThumb",
    "rules_of_thumb",
    "rules_of_thumb_of",
    "ProfitActions",
    "profit_actions",
    "is_loss_making",
    "top_k",
]


# -- the cost model ------------------------------------------------------------------
@dataclass(frozen=True)
class CostModel:
    """Unit costs of the cost-to-serve drivers, with per-branch overrides.

    ``table`` has one row per driver: kind (quantity or amount), rate, unit and labels.
    ``branch_rates`` maps branch -> {driver: rate} overrides.
    """

    table: pd.DataFrame
    branch_rates: dict[str, dict[str, float]]
    currency: str
    source: str

    def rates_for(self, branches: pd.Series) -> pd.DataFrame:
        """A rate per account (rows) and driver (columns), with branch overrides applied."""
        base = self.table["rate"]
        rates = pd.DataFrame(
            np.broadcast_to(base.to_numpy(), (len(branches), len(base))),
            columns=base.index,
            index=branches.index,
        ).copy()
        for br, over in self.branch_rates.items():
            mask = (branches == br).to_numpy()
            for driver, rate in over.items():
                rates.loc[mask, driver] = float(rate)
        return rates

    def name(self, driver: str) -> str:
        """The driver's name in the report's language (its ``en``/``zh`` in the model)."""
        if driver not in self.table.index:
            return driver
        row = self.table.loc[driver]
        return local_name({"en": row["en"], "zh": row["zh"]})

    def assumptions(self) -> pd.DataFrame:
        """The cost model as a table for a report: what each driver costs, in the report's
        language (``driver`` its name, ``kind`` a code, ``how`` the rate in words)."""
        t = self.table
        how = {}
        for d, row in t.iterrows():
            if row["kind"] == "amount":
                text = tr("amount taken as it is")
            else:
                # the unit is the model's own word (ticket, visit, hour): a name from the settings
                text = tr(
                    "quantity x {rate} per {unit}",
                    rate=money(row["rate"], self.currency),
                    unit=tr(str(row["unit"])),
                )
            for br, over in self.branch_rates.items():
                if d in over:
                    text = tr(
                        "{how}; {branch}: {rate}",
                        how=text,
                        branch=br,
                        rate=money(over[d], self.currency),
                    )
            how[d] = text
        return pd.DataFrame(
            {
                "driver": [self.name(str(d)) for d in t.index],
                "kind": t["kind"].to_numpy(),
                "how": [how[d] for d in t.index],
            },
            index=t.index,
        )


def cost_model(source: CostModel | str | Path | dict | None = None) -> CostModel:
    """Load a cost model: the bundled default, a YAML path or a dict (a CostModel is
    returned as it is).

    A cost model of your own replaces the bundled one whole (``drivers:``, optional
    ``currency:`` and per-branch ``branches:`` rates). Unknown keys, a quantity driver
    without a rate or an amount driver with one are a ConfigError naming them.

    Examples
    --------
    >>> import kamlib
    >>> kamlib.cost_model().table.loc["field_visits", "rate"]
    np.float64(450.0)
    """
    return cost_model_from(source, caller="cost_model")


def cost_model_from(source: CostModel | str | Path | dict | None, *, caller: str) -> CostModel:
    if isinstance(source, CostModel):
        return source
    if source is None:
        data, name = settings("costs"), "kamlib/config/costs.yaml"
    else:
        checked = read_file(source, CostModelSpec, what="cost model", caller=caller)
        data = checked.model_dump()
        name = str(source) if not isinstance(source, dict) else f"cost model passed to {caller}"
    rows = {
        d: {
            "kind": driver["kind"],
            "rate": 1.0 if driver["kind"] == "amount" else float(driver["rate"]),
            "unit": driver["unit"],
            "en": driver["en"] or d.replace("_", " ").capitalize(),
            "zh": driver["zh"],
        }
        for d, driver in data["drivers"].items()
    }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "driver"
    return CostModel(table, data["branches"] or {}, data["currency"], name)


def cost_to_serve(
    book: Book, *, cost_model: CostModel | str | Path | dict | None = None
) -> pd.DataFrame:
    """Cost per account and driver over the period (index: account_id; money columns).

    Quantities are priced at the account's branch rate; amounts are summed as they are;
    missing (NaN) driver values count as zero and are counted in ``df.attrs['nan_cells']``.
    ``cost_model`` is a :class:`CostModel`, a YAML path or a dict (default: the bundled
    ``config/costs.yaml``).

    Discounts are a cost only when revenue is before them (``book.revenue_basis ==
    "gross"``): with net revenue (the data model's default) they were never earned, so the
    ``discounts`` driver is left out here (``customer_pnl`` shows it as given away).

    Raises ConfigError when the costs table has a driver the model does not price.
    """
    model = cost_model_from(cost_model, caller="cost_to_serve")
    money = _driver_money(book, model)
    return money.drop(columns=_given_away(book, list(money.columns)))


def _given_away(book: Book, drivers: list[str]) -> list[str]:
    """The drivers already taken off revenue: discounts, when revenue is net of them."""
    return ["discounts"] if book.revenue_basis == "net" and "discounts" in drivers else []


def _driver_money(book: Book, model: CostModel) -> pd.DataFrame:
    """Money per account and driver, every driver of the costs table priced."""
    costs = book.table("costs")
    drivers = [c for c in costs.columns if c not in ("account_id", "month")]
    unpriced = [d for d in drivers if d not in model.table.index]
    if unpriced:
        raise ConfigError(
            f"the costs table has driver(s) {', '.join(unpriced)} with no rate in the cost model "
            f"({model.source}); add them under `drivers:` with kind and rate"
        )
    nan_cells = int(costs[drivers].isna().sum().sum())
    qty = costs.groupby("account_id", sort=False)[drivers].sum(min_count=0)
    acc = book.accounts.set_index("account_id")
    qty = qty.reindex(acc.index).fillna(0.0)
    rates = model.rates_for(acc["branch"])[drivers]
    money = qty * rates.to_numpy()
    money.attrs["nan_cells"] = nan_cells
    return money


# -- customer P&L ---------------------------------------------------------------------
@dataclass(repr=False, eq=False)
class PnL(Result):
    """Customer P&L: one row per account with revenue, cost by driver, profit and margin.

    ``has_costs`` is False when the data have no costs table: cost and profit are then
    NaN (missing), never zero, and ``summary()`` says so.
    """

    table: pd.DataFrame
    drivers: list[str]
    has_costs: bool
    model: CostModel | None
    currency: str
    notes: tuple[str, ...] = ()
    #: "net": revenue after discounts, shown in ``discounts_given`` and not subtracted;
    #: "gross": revenue before them, discounts a cost (``cost_discounts``)
    revenue_basis: str = "net"

    @cached_property
    def arrays(self) -> AccountArrays:
        """The table's per-account arrays, made on first use and shared by every analysis
        given this P&L (``pnl=``): concentration, deciles, whale curve and profit groups
        each read one sort of a column instead of sorting it again. A P&L's table is
        read, not edited: a change made after the first analysis would not be seen."""
        return AccountArrays(self.table)

    def by(self, column: str | pd.Series) -> pd.DataFrame:
        """The P&L summed per segment, tier, branch...: any column of ``table``, or a
        Series of segment per account_id (e.g. ``value_tiers(b).assignment``)."""
        cols = ["revenue", *[f"cost_{d}" for d in self.drivers], "cost", "profit"]
        cols += [c for c in ("discounts_given",) if c in self.table]
        if isinstance(column, pd.Series):
            key = lookup(self.table["account_id"], column).rename(column.name or "segment")
            g = self.table.groupby(key, observed=True, dropna=False)
        else:
            g = self.table.groupby(column, observed=True, dropna=False)
        out = g[cols].sum(min_count=1)
        out.insert(0, "accounts", g.size())
        out["margin"] = out["profit"] / out["revenue"].where(out["revenue"] != 0)
        out["profit_share"] = out["profit"] / out["profit"].sum() if self.has_costs else np.nan
        return out

    def summary(self) -> pd.DataFrame:
        t = self.table
        revenue = t["revenue"].sum(min_count=1)
        return figures(
            {
                "accounts": int(len(t)),
                "revenue": revenue,
                "cost_to_serve": t["cost"].sum(min_count=1),
                "profit": t["profit"].sum(min_count=1),
                "margin": t["profit"].sum(min_count=1) / revenue if revenue else np.nan,
                "currency": self.currency,
            }
        )

    def cost_by_driver(self, mask: Any = None) -> pd.Series:
        t = self.table if mask is None else self.table.loc[mask]
        s = t[[f"cost_{d}" for d in self.drivers]].sum()
        s.index = [self._label(d) for d in self.drivers]
        return s

    def _label(self, d: str) -> str:
        if self.model is not None:
            return self.model.name(d)
        return _label_of(d)

    def plot(self, *, ax=None, mask: Any = None, title: str | None = None):
        """Waterfall: revenue, minus each cost driver, down to profit (no title unless
        ``title`` is given)."""
        ax = axes(ax)
        if not self.has_costs:
            return nothing_to_draw(ax, tr("No cost data: revenue cannot be taken down to profit."))
        t = self.table if mask is None else self.table.loc[mask]
        rev = t["revenue"].sum()
        steps = self.cost_by_driver(mask)
        steps = steps[steps.abs() > 0].sort_values(ascending=False)
        labels = [_label_of("revenue"), *(str(d) for d in steps.index), _label_of("profit")]
        level = rev
        bottoms, heights, colors = [0.0], [rev], ["#4c72b0"]
        for v in steps:
            bottoms.append(level - v)
            heights.append(v)
            colors.append("#dd8452")
            level -= v
        bottoms.append(0.0 if level >= 0 else level)
        heights.append(abs(level))
        colors.append("#55a868" if level >= 0 else "#c44e52")
        ax.bar(range(len(labels)), heights, bottom=bottoms, color=colors)
        ax.set_xticks(range(len(labels)), labels, rotation=35, ha="right")
        money_axis(ax, self.currency, axis="y")
        ax.set_ylabel(tr("Revenue, cost to serve and profit"))
        ax.axhline(0, color="black", lw=0.8)
        if title:
            ax.set_title(title)
        return ax


def customer_pnl(
    book: Book,
    *,
    cost_model: CostModel | str | Path | dict | None = None,
    extra: list[str] | None = None,
) -> PnL:
    """Revenue, cost by driver, profit and margin per account over the period.

    Discounts are counted once. With ``book.revenue_basis == "net"`` (billing revenue
    after discounts, the data model's default) the costs table's discounts are shown in
    ``discounts_given`` (what was given away) and not subtracted again; with ``"gross"``
    they are a cost (``cost_discounts``). The notes say which basis was used.

    Parameters
    ----------
    book
        The operator's data (one branch or all).
    cost_model
        Cost model: a :class:`CostModel`, a YAML path or a dict (default: the bundled
        ``config/costs.yaml``, whose rates are assumptions for the sample operator: pass
        your own).
    extra
        Account columns to carry into the table for grouping (default: branch,
        customer_type, important, status and any that exist).

    Examples
    --------
    >>> import kamlib
    >>> pnl = kamlib.customer_pnl(kamlib.load(kamlib.sample_path()).branch("Suzhou"))
    >>> bool(pnl.has_costs)
    True
    """
    acc = book.accounts
    for c in extra or []:
        has_column(book, c, caller="customer_pnl")  # a typo is an error, not a silence
    keep = [
        c
        for c in [
            "account_id",
            "name",
            "branch",
            "customer_type",
            "important",
            "status",
            *(extra or []),
        ]
        if c in acc.columns
    ]
    t = acc[keep].copy().set_index("account_id")
    notes: list[str] = []
    rev = book.period_revenue()
    caveat = book.revenue_caveat()
    if rev is not None:
        t["revenue"] = rev.reindex(t.index)
        if caveat:
            notes.append(caveat)
    else:
        t["revenue"] = np.nan
        notes.append(tr("no revenue in the data: no P&L can be computed"))
    # read (and checked) even without a costs table: a typo in it is an error either way
    cm = cost_model_from(cost_model, caller="customer_pnl")
    if book.has("costs"):
        money = _driver_money(book, cm)
        given = _given_away(book, list(money.columns))
        drivers = [d for d in money.columns if d not in given]
        for d in drivers:
            t[f"cost_{d}"] = money[d]
        for d in given:
            t[f"{d}_given"] = money[d]
        t["cost"] = money[drivers].sum(axis=1)
        notes.append(_basis_note(book.revenue_basis, "discounts" in money.columns))
        t["profit"] = t["revenue"] - t["cost"]
        if money.attrs.get("nan_cells"):
            n = int(money.attrs["nan_cells"])
            notes.append(
                ntr(
                    "{n} missing cost value counted as zero",
                    "{n} missing cost values counted as zero",
                    n,
                    n=count(n),
                )
            )
        has_costs = True
    else:
        drivers = []
        t["cost"] = np.nan
        t["profit"] = np.nan
        notes.append(tr("no costs table: cost to serve and profit cannot be computed"))
        has_costs = False
    t["margin"] = t["profit"] / t["revenue"].where(t["revenue"] != 0)
    table = t.reset_index()
    table.attrs["currency"] = book.currency  # for the sentences written from the table
    return PnL(
        table,
        drivers,
        has_costs,
        cm if has_costs else None,
        book.currency,
        tuple(notes),
        book.revenue_basis,
    )


def _basis_note(basis: str, has_discounts: bool) -> str:
    if basis == "gross":
        return (
            tr(
                "revenue is before discounts (as the data declare): discounts are subtracted "
                "as a cost"
            )
            if has_discounts
            else tr(
                "revenue is before discounts (as the data declare); the costs table has no "
                "discounts"
            )
        )
    return (
        tr(
            "revenue is after discounts (as the data declare): discounts are shown as given "
            "away and not subtracted again"
        )
        if has_discounts
        else tr("revenue is after discounts (as the data declare)")
    )


def pnl_of(book: Book, pnl: PnL | None, cost_model: Any) -> PnL:
    """The P&L given (computed once, shared by several analyses) or the book's own.

    A given ``pnl`` must be of the same accounts as ``book`` (a ValueError otherwise).

    Examples
    --------
    >>> import kamlib
    >>> from kamlib.profit import pnl_of
    >>> b = kamlib.synth(200, seed=1).book
    >>> p = kamlib.customer_pnl(b)
    >>> pnl_of(b, p, None) is p
    True
    """
    if pnl is not None:
        if cost_model is not None:
            raise ValueError("give pnl= or cost_model=, not both: the P&L has its cost model")
        ids = book.accounts["account_id"].to_numpy()
        theirs = pnl.table["account_id"].to_numpy()
        if len(ids) != len(theirs) or not (ids == theirs).all():
            raise ValueError(
                f"pnl= holds {len(theirs):,} accounts that are not this book's {len(ids):,}: "
                "compute it with customer_pnl() on the same book (or branch)"
            )
        return pnl
    return customer_pnl(book, cost_model=cost_model)


# -- concentration ----------------------------------------------------------------------
def top_k(n: int, top: float) -> int:
    """How many accounts make the top ``top`` share: ceil(top * n), at least 1."""
    return max(1, math.ceil(round(top * n, 9))) if n else 0


@dataclass(repr=False, eq=False)
class Concentration(Result):
    """How concentrated a value is over accounts: top-x% share, Lorenz curve, Gini.

    ``table`` is the Lorenz curve (share of accounts, smallest first, against the
    cumulative share of the value; one row per account plus the origin), built when first
    asked for: on millions of accounts the table costs more than the analysis.
    """

    value: str
    top: float
    top_share: float
    top_accounts: int
    gini: float
    accounts: int
    total: float
    _cumulative: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(1))
    notes: tuple[str, ...] = ()
    #: accounts with a negative value: top share, Lorenz curve and Gini are then missing
    negative: int = 0
    #: revenue only: accounts with a negative revenue (credits, refunds) left out of the
    #: top share, Lorenz curve and Gini, and their revenue together
    left_out: int = 0
    left_out_total: float = 0.0

    @cached_property
    def table(self) -> pd.DataFrame:  # type: ignore[override]
        n = self.accounts
        return pd.DataFrame(
            {"accounts_share": np.arange(n + 1) / max(n, 1), "value_share": self._cumulative}
        )

    @property
    def lorenz(self) -> pd.DataFrame:
        """The Lorenz curve (the same as ``table``)."""
        return self.table

    def summary(self) -> pd.DataFrame:
        return figures(
            {
                "accounts": self.accounts,
                "top_share_of_accounts": self.top,
                "top_accounts": self.top_accounts,
                "top_share": self.top_share,
                "gini": self.gini,
                "total": self.total,
            }
        )

    def plot(self, *, ax=None, label: str | None = None):
        """The Lorenz curve against the diagonal of perfect equality."""
        ax = axes(ax)
        if math.isnan(self.gini):
            if label is not None:  # one of several curves: named in the legend, not drawn
                ax.plot([], [], label=tr("{name}: not defined (negative values)", name=label))
                ax.legend(loc="upper left")
                return ax
            return nothing_to_draw(ax, self.notes[-1] if self.notes else tr("No Lorenz curve."))
        what = _label_of(self.value)
        x, y, cut = thinned(self.table["accounts_share"], self.table["value_share"])
        name = label or tr("{value} (Gini {gini})", value=what, gini=number(self.gini, 2))
        ax.plot(x, y, label=thinned_label(name, len(x), len(self.table)) if cut else name)
        ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls="--")
        share_axis(ax, axis="x")
        share_axis(ax, axis="y")
        ax.set_xlabel(tr("Share of accounts (smallest first)"))
        ax.set_ylabel(tr("Cumulative share of: {value}", value=what))
        ax.legend(loc="upper left")
        return ax


def concentration(
    book: Book,
    *,
    value: str = "revenue",
    top: float = 0.2,
    pnl: PnL | None = None,
    cost_model: CostModel | str | Path | dict | None = None,
) -> Concentration:
    """Share of revenue (or profit) held by the top ``top`` of accounts, Lorenz and Gini.

    Parameters
    ----------
    book
        The operator's data (one branch or all).
    value
        ``revenue`` or ``profit`` over the period (a column of the customer P&L).
    top
        The share of accounts that makes the top group (0.2: the top 20%).
    pnl
        The customer P&L when already computed (:func:`customer_pnl`); otherwise it is
        computed with ``cost_model``.

    Examples
    --------
    >>> import kamlib
    >>> c = kamlib.concentration(kamlib.load(kamlib.sample_path()).branch("Suzhou"))
    >>> 0 < c.top_share < 1
    True
    """
    p = pnl_of(book, pnl, cost_model)
    c = concentration_of(p.arrays, value=value, top=top)
    notes = list(p.notes)
    if value == "profit" and c.negative:
        notes.append(tr("for profit of both signs, see the whale curve"))
    c.notes = tuple(notes) + c.notes
    return c


def concentration_of(
    data: pd.DataFrame | AccountArrays, *, value: str = "revenue", top: float = 0.2
) -> Concentration:
    """The concentration of one column of a table of accounts (the building block of
    :func:`concentration`).

    The top group is the ceil(top x n) accounts with the largest values (ties do not
    change the sum). The Gini coefficient is computed on the ascending values as
    ``2 * sum(i * x_i) / (n * sum(x)) - (n + 1) / n``. Top share, Lorenz curve and Gini
    are defined for values of one sign only. Revenue: accounts with a negative revenue
    (a credit or refund larger than the bill) are left out, and a note says how many and
    their revenue together (``left_out``, ``left_out_total``), so a few credits do not
    empty the 80/20 figures. Any other value (profit): with a negative value or a total
    that is not positive they are missing (NaN), with a note saying why.

    Examples
    --------
    >>> import pandas as pd
    >>> from kamlib.profit import concentration_of
    >>> c = concentration_of(pd.DataFrame({"revenue": [1, 1, 1, 1, 96]}))
    >>> round(c.top_share, 2)
    0.96
    """
    if not 0 < top <= 1:
        raise ValueError(f"top must be a share in (0, 1], not {top}")
    a = arrays_of(data)
    x = a.known(value)
    asc = a.ascending(value)  # shared with the other analyses given the same arrays
    left_out, left_out_total = 0, 0.0
    notes: tuple[str, ...] = ()
    if value == "revenue" and len(asc) and asc[0] < 0:
        # revenue below zero is a credit, not a customer who brings less than nothing:
        # the shares are of the accounts that bring revenue, and the note says who is out
        neg = x < 0
        left_out, left_out_total = int(neg.sum()), float(x[neg].sum())
        x = x[~neg]
        asc = asc[left_out:]  # the negatives come first in the sort
        notes = (
            ntr(
                "{n} account has a negative revenue ({money} together, credits or refunds): "
                "it is left out of the top share, Lorenz curve and Gini, which are of the "
                "other {rest} accounts",
                "{n} accounts have a negative revenue ({money} together, credits or refunds): "
                "they are left out of the top share, Lorenz curve and Gini, which are of the "
                "other {rest} accounts",
                left_out,
                n=count(left_out),
                money=money(left_out_total, _currency(a)),
                rest=count(len(x)),
            ),
        )
    n = len(x)
    total = float(x.sum())  # in table order, as a plain sum of the column gives
    k = top_k(n, top)
    negative = int(np.searchsorted(asc, 0.0, side="left"))  # values below zero
    if negative:
        # a share of a total that mixes signs can pass 100% or go below 0: undefined
        notes = (
            ntr(
                "{n} account has a negative {value}: the top share, Lorenz curve and Gini "
                "assume values of one sign, so they are left missing",
                "{n} accounts have a negative {value}: the top share, Lorenz curve and Gini "
                "assume values of one sign, so they are left missing",
                negative,
                n=count(negative),
                value=_label_of(value).lower() if value in ("revenue", "profit") else value,
            ),
        )
    top_sum = float(asc[n - k :].sum()) if n else math.nan
    share = top_sum / total if total > 0 and not negative else math.nan
    if n and total > 0 and not negative:
        running = np.cumsum(asc)
        # sum(i * x_i) = (n + 1) * total - sum of the running totals: no index array
        weighted = (n + 1) * total - float(running.sum())
        gini = float(2 * weighted / (n * total) - (n + 1) / n)
        cum = np.concatenate([[0.0], running / total])
    else:
        gini = math.nan
        cum = np.full(n + 1, np.nan)
    return Concentration(
        value, top, share, k, gini, n, total, cum, notes, negative, left_out, left_out_total
    )


def _group_of_rank(
    v: np.ndarray, bounds: np.ndarray, ascending: np.ndarray | None = None
) -> np.ndarray:
    """Group number of each value when ``v`` is ranked ascending and cut at ``bounds``.

    Equivalent to a stable ranking cut into groups (ties broken by position), computed
    from one value sort and a few comparisons rather than an index sort: group sizes are
    exactly ``diff(bounds)``. ``ascending``: ``np.sort(v)`` when already at hand.
    """
    s = np.sort(v) if ascending is None else ascending
    inner = bounds[1:-1]
    thresholds = s[inner]  # the first value of each group after the first
    group = np.zeros(len(v), dtype=np.min_scalar_type(len(bounds)))
    for t in np.unique(thresholds):
        cuts = inner[thresholds == t]
        for _ in cuts:  # strictly above a threshold: past every cut at it (bool adds, fast)
            np.add(group, v > t, out=group, casting="unsafe")
        at = np.flatnonzero(v == t)
        below = int(np.searchsorted(s, t, side="left"))
        # equal values fill positions below, below+1, ...; cut j takes those >= its bound
        pos = below + np.arange(len(at))
        for cut in cuts:
            group[at] += (pos >= cut).astype(group.dtype)
    return group


class Deciles(TableResult):
    """Accounts ranked by profit (or revenue) in tenths: the P&L of each (:func:`decile_table`).

    ``table``: one row per decile (D1 the most profitable) with ``accounts``, ``revenue``,
    ``cost``, ``profit``, ``share`` of the total and ``cumulative_share``; a last row
    ``unknown`` counts the accounts that could not be ranked.
    """

    def __init__(self, table, notes=(), *, by: str = "profit", currency: str = ""):
        super().__init__(table, notes)
        self.by, self.currency = by, currency

    def summary(self) -> pd.DataFrame:
        t = self.table.drop(index="unknown", errors="ignore")
        first = t.iloc[0] if len(t) else None
        return figures(
            {
                "ranked_by": self.by,
                "groups": len(t),
                "accounts": int(t["accounts"].sum()) if len(t) else 0,
                "top_group_share": first["share"] if first is not None else np.nan,
                "groups_losing_money": int((t["profit"] < 0).sum()) if "profit" in t else 0,
            }
        )

    def plot(self, *, ax=None):
        """Revenue, cost and profit bars per decile; profit below zero in red."""
        ax = axes(ax)
        deciles = self.table.drop(index="unknown", errors="ignore")  # unranked: no place
        if deciles.empty:
            return nothing_to_draw(ax, tr("No accounts."))
        x = np.arange(len(deciles))
        cols = [
            c for c in ("revenue", "cost", "profit") if c in deciles and deciles[c].notna().any()
        ]
        width = 0.8 / len(cols)
        colors = {"revenue": "#4c72b0", "cost": "#dd8452", "profit": "#55a868"}
        for i, c in enumerate(cols):
            v = deciles[c].to_numpy(dtype=float)
            bar_colors = (
                np.where(v < 0, "#c44e52", colors[c]) if c == "profit" else [colors[c]] * len(v)
            )
            ax.bar(
                x + (i - (len(cols) - 1) / 2) * width,
                v,
                width,
                color=bar_colors,
                label=_label_of(c),
            )
        ax.axhline(0, color="black", lw=0.8)
        ax.set_xticks(x, deciles.index)
        ax.set_xlabel(
            tr("Tenths of accounts ranked by: {what} (D1 = the highest)", what=_label_of(self.by))
        )
        if self.currency:
            money_axis(ax, self.currency, axis="y")
        if cols == ["revenue"]:  # no costs: a revenue chart, not a P&L
            ax.set_ylabel(_label_of("revenue"))
        else:
            ax.set_ylabel(tr("Revenue, cost to serve and profit"))
            ax.legend()
        return ax


def decile_table(
    book: Book,
    *,
    by: str = "profit",
    groups: int = 10,
    pnl: PnL | None = None,
    cost_model: CostModel | str | Path | dict | None = None,
) -> Deciles:
    """Accounts ranked by profit (largest first) in ``groups`` groups of equal size.

    ``by="profit"`` falls back to revenue, with a note, when the data have no costs.
    ``pnl``: the customer P&L when already computed (else computed with ``cost_model``).

    Examples
    --------
    >>> import kamlib
    >>> d = kamlib.decile_table(kamlib.load(kamlib.sample_path()).branch("Suzhou"))
    >>> list(d.table.index[:2])
    ['D1', 'D2']
    """
    p = pnl_of(book, pnl, cost_model)
    if by not in p.table:
        raise ConfigError(
            f"decile_table: by={by!r} is not a column of the customer P&L; "
            f"rank by one of {', '.join(c for c in ('profit', 'revenue', 'cost', 'margin'))}"
        )
    notes = list(p.notes)
    if by == "profit" and not p.has_costs:
        by = "revenue"
        notes.append(tr("no cost data: accounts are ranked by revenue, not profit"))
    return Deciles(deciles_of(p.arrays, by=by, groups=groups), notes, by=by, currency=p.currency)


def deciles_of(
    pnl: pd.DataFrame | AccountArrays, *, by: str = "profit", groups: int = 10
) -> pd.DataFrame:
    """Accounts ranked by ``by`` (largest first) in ``groups`` groups of equal size.

    Per group: accounts, revenue, cost, profit, share of total profit (or revenue) and the
    cumulative share. Group sizes differ by at most one when n is not divisible. Accounts
    with equal values at a group boundary are split by their order in the table: the
    ``by`` sums are the same either way. Accounts whose ``by`` is unknown cannot be
    ranked: they are counted in a last row, ``unknown``, and not in the shares.

    Examples
    --------
    >>> import pandas as pd
    >>> from kamlib.profit import deciles_of
    >>> d = deciles_of(pd.DataFrame({"profit": [5.0, -1.0, 3.0, 1.0]}), groups=2)
    >>> d["profit"].tolist()
    [8.0, 0.0]
    """
    a = arrays_of(pnl)
    cols = [c for c in ("revenue", "cost", "profit") if c in a.columns]
    if by not in cols:
        cols.append(by)
    x = a.values(by)
    known = ~np.isnan(x)
    n = int(known.sum())
    g = min(groups, n)
    names = [tr("D{n}", n=i) for i in range(1, g + 1)]  # zh "第1档"
    if n:
        bounds = np.linspace(0, n, g + 1).round().astype(int)
        # largest first: rank the negated values (their sort is the shared ascending sort
        # reversed and negated: no sort of its own); unknowns get a group of their own
        negated = np.negative(a.ascending(by)[::-1])
        ranked = _group_of_rank(np.negative(a.known(by)), bounds, negated)
        group = ranked if n == len(x) else np.full(len(x), g, dtype=ranked.dtype)
        if n < len(x):
            group[known] = ranked
    else:
        group = np.zeros(len(x), dtype=np.int64)
    slots = g + 1
    group = group.astype(np.intp)
    # the ranked groups are runs of the sorted values: their sizes are the cuts, and the
    # ranking column's sums are sums of runs of its sort (no pass over the accounts)
    sizes = np.diff(bounds) if n else np.zeros(0, dtype=np.int64)
    out = pd.DataFrame({"accounts": np.r_[sizes, len(x) - n].astype(np.int64)})
    for c in cols:
        v = a.values(c)
        if c == by and n:
            runs = np.add.reduceat(a.ascending(by)[::-1], bounds[:-1])
            out[c] = np.r_[runs, np.nan]  # the unknown row: no value to sum
            continue
        if a.complete(c):
            out[c] = np.bincount(group, weights=v, minlength=slots)
            out.loc[out["accounts"] == 0, c] = np.nan
            continue
        ok = ~np.isnan(v)
        out[c] = np.bincount(group[ok], weights=v[ok], minlength=slots)
        # a group with no known value is unknown, not zero (as sum(min_count=1))
        out.loc[np.bincount(group[ok], minlength=slots) == 0, c] = np.nan
    total = float(x[known].sum())
    out["share"] = out[by] / total if total > 0 else np.nan
    out.loc[g, "share"] = np.nan
    out["cumulative_share"] = out["share"].cumsum()
    out.index = pd.Index(names + ["unknown"], name="decile" if g == 10 else "group")
    if not (~known).any():
        out = out.iloc[:g]
    return out[["accounts", *cols, "share", "cumulative_share"]]


# -- the whale curve --------------------------------------------------------------------
@dataclass(repr=False, eq=False)
class WhaleCurve(Result):
    """Accounts ranked by profit (largest first) against cumulative profit.

    ``table`` has rank, accounts_share, profit, cumulative profit and (when the total is
    positive) cumulative share of total; it is built when first asked for. ``meaningful``
    is False when total profit is zero or negative: percentages of it are then meaningless
    and only money is shown.
    """

    total: float
    peak: float
    peak_rank: int
    meaningful: bool
    currency: str = ""
    _profit: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    _cumulative: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    notes: tuple[str, ...] = ()
    #: loss-making accounts (profit below the break-even band, as in profit_groups);
    #: known only when built by :func:`whale_curve` from a P&L with revenue
    loss_making: float = math.nan

    @property
    def reading(self) -> str:
        """One sentence on the curve for a report, with loss-making defined as everywhere
        else (profit below the break-even band of ``profit.yaml``)."""
        n = len(self._profit)
        if n == 0:
            return self.notes[0] if self.notes else tr("No profit to rank.")
        band = float(settings("profit")["break_even_band"])
        values = dict(
            first=count(self.peak_rank),
            at=share(self.peak_at),
            peak=money(self.peak, self.currency),
            others=count(n - self.peak_rank),
            back=money(self.tail_giveback, self.currency),
            total=money(self.total, self.currency),
        )
        if math.isnan(self.loss_making):
            return tr(
                "Ranked from most to least profitable, the first {first} accounts ({at}) earn "
                "{peak}; the other {others} accounts give back {back}, leaving {total}.",
                **values,
            )
        return ntr(
            "Ranked from most to least profitable, the first {first} accounts ({at}) earn "
            "{peak}; the other {others} accounts, {n} of them loss-making (profit below "
            "-{band} of their revenue), give back {back}, leaving {total}.",
            "Ranked from most to least profitable, the first {first} accounts ({at}) earn "
            "{peak}; the other {others} accounts, {n} of them loss-making (profit below "
            "-{band} of their revenue), give back {back}, leaving {total}.",
            int(self.loss_making),
            n=count(self.loss_making),
            band=share(band, digits=0 if float(round(band * 100, 9)).is_integer() else None),
            **values,
        )

    @cached_property
    def table(self) -> pd.DataFrame:  # type: ignore[override]
        n = len(self._profit)
        cum = self._cumulative
        return pd.DataFrame(
            {
                "rank": np.arange(1, n + 1),
                "accounts_share": np.arange(1, n + 1) / max(n, 1),
                "profit": self._profit,
                "cumulative_profit": cum,
                "cumulative_share": cum / self.total if self.meaningful else np.nan,
            }
        )

    @property
    def peak_share(self) -> float:
        """The curve's height at its peak, as a share of total profit (2.0 = 200%)."""
        return self.peak / self.total if self.meaningful else math.nan

    @property
    def peak_at(self) -> float:
        """Where the peak is, as a share of accounts (0.6 = the 60% most profitable)."""
        n = len(self._profit)
        return self.peak_rank / n if n else math.nan

    @property
    def tail_giveback(self) -> float:
        """What the accounts after the peak give back, in money (peak - total)."""
        return self.peak - self.total

    def summary(self) -> pd.DataFrame:
        return figures(
            {
                "accounts": len(self._profit),
                "total_profit": self.total,
                "peak_profit": self.peak,
                "peak_share_of_accounts": self.peak_at,
                "accounts_to_peak": self.peak_rank,
                "tail_giveback": self.tail_giveback,
                "peak_share_of_profit": self.peak_share,
                "loss_making_accounts": self.loss_making,
                "currency": self.currency,
            }
        )

    def plot(self, *, ax=None, label: str | None = None):
        """The whale curve with the 100% line and the peak marked; returns the Axes.

        With ``label`` the curve is drawn as one of several on the same Axes (e.g. one
        per branch), named in the legend; a curve whose total profit is not positive has
        no percentage scale and is named in the legend but not drawn.
        """
        ax = axes(ax)
        n = len(self._profit)
        if label is not None:
            if n == 0:  # no costs, so no profit: named in the legend, no profit axis drawn
                ax.plot([], [], label=tr("{name}: no cost data, no curve", name=label))
                ax.legend(fontsize=8)
                return ax
            ax.axhline(100, color="grey", ls="--", lw=0.8)
            share_axis(ax, axis="x", whole=100)
            share_axis(ax, axis="y", whole=100)
            ax.set_xlabel(tr("Accounts ranked by profit (most profitable first)"))
            ax.set_ylabel(tr("Cumulative profit, share of the total"))
            if not self.meaningful:
                ax.plot(
                    [], [], label=tr("{name}: total profit not positive, not drawn", name=label)
                )
            else:
                y = np.concatenate([[0.0], self._cumulative / self.total]) * 100
                name = tr(
                    "{name} (peak {peak} at {at} of accounts)",
                    name=label,
                    peak=share(self.peak_share),
                    at=share(self.peak_at),
                )
                xs, ys, cut = thinned(np.arange(n + 1) / n * 100, y, keep=[round(self.peak_at * n)])
                (line,) = ax.plot(
                    xs, ys, label=thinned_label(name, len(xs), n + 1) if cut else name
                )
                ax.scatter(
                    [self.peak_at * 100], [self.peak_share * 100], color=line.get_color(), zorder=3
                )
            ax.legend(fontsize=8)
            return ax
        if n == 0:
            return nothing_to_draw(ax, self.notes[0] if self.notes else tr("No profit to rank."))
        x = np.arange(n + 1) / max(n, 1) * 100
        if self.meaningful:
            y = np.concatenate([[0.0], self._cumulative / self.total]) * 100
            ax.axhline(100, color="grey", ls="--", lw=0.8)
            share_axis(ax, axis="y", whole=100)
            ax.set_ylabel(tr("Cumulative profit, share of the total"))
            peak_y = self.peak_share * 100
            label = tr(
                "Peak: {peak} of the profit at {at} of accounts",
                peak=share(self.peak_share),
                at=share(self.peak_at),
            )
        else:
            y = np.concatenate([[0.0], self._cumulative])
            ax.axhline(0, color="grey", lw=0.8)
            money_axis(ax, self.currency, axis="y")
            ax.set_ylabel(tr("Cumulative profit"))
            peak_y = self.peak
            label = tr(
                "Peak: {peak} (total {total}: not positive)",
                peak=money(self.peak, self.currency),
                total=money(self.total, self.currency),
            )
        xs, ys, cut = thinned(x, y, keep=[round(self.peak_at * n)])
        ax.plot(
            xs,
            ys,
            color="#4c72b0",
            label=thinned_label(tr("Cumulative profit"), len(xs), len(x)) if cut else None,
        )
        if cut:
            ax.legend(loc="lower right", fontsize=8)
        ax.scatter([self.peak_at * 100], [peak_y], color="#c44e52", zorder=3)
        ax.annotate(label, (self.peak_at * 100, peak_y), textcoords="offset points", xytext=(6, 6))
        share_axis(ax, axis="x", whole=100)
        ax.set_xlabel(tr("Accounts ranked by profit (most profitable first)"))
        return ax


def whale_curve(
    book: Book,
    *,
    pnl: PnL | None = None,
    cost_model: CostModel | str | Path | dict | None = None,
) -> WhaleCurve:
    """The whale curve: accounts ranked by profit against cumulative profit.

    ``pnl``: the customer P&L when already computed (else computed with ``cost_model``).
    Without cost data there is no profit and the curve is empty, with a note.

    Examples
    --------
    >>> import kamlib
    >>> w = kamlib.whale_curve(kamlib.load(kamlib.sample_path()).branch("Suzhou"))
    >>> w.peak_share > 1
    True
    """
    p = pnl_of(book, pnl, cost_model)
    w = whale_of(p.arrays, currency=p.currency)
    if p.has_costs:
        w.loss_making = int(is_loss_making(p.arrays).sum())
    notes = list(p.notes)
    if p.has_costs and not w.meaningful:
        notes.append(tr("total profit is zero or negative: shares of it are meaningless"))
    w.notes = tuple(notes)
    return w


def whale_of(
    pnl: pd.DataFrame | AccountArrays, *, profit: str = "profit", currency: str = ""
) -> WhaleCurve:
    """The whale curve of a P&L table (one row per account with a ``profit`` column).

    Equal profits may come in any order, which changes no height at the end of a
    run of equal profits. The curve ends at exactly the total profit.

    Examples
    --------
    >>> import pandas as pd
    >>> from kamlib.profit import whale_of
    >>> w = whale_of(pd.DataFrame({"profit": [50.0, 100.0, -75.0]}))
    >>> w.peak_share, w.peak_at
    (2.0, 0.6666666666666666)
    """
    # the heights need the values in order, not who they are: the shared value sort
    sorted_p = arrays_of(pnl).ascending(profit)[::-1]
    n = len(sorted_p)
    cum = np.cumsum(sorted_p)
    total = float(sorted_p.sum()) if n else 0.0
    if n:
        cum[-1] = total  # ends at exactly the total reported (pairwise sum, not running)
    meaningful = total > 0
    if n:
        peak_i = int(np.argmax(cum))
        peak = float(cum[peak_i])
        if peak < 0:  # every account loses money: the peak is the first (least bad)
            peak_i, peak = 0, float(cum[0])
    else:
        peak_i, peak = -1, math.nan
    return WhaleCurve(total, peak, peak_i + 1, meaningful, currency, sorted_p, cum)


_GROUP_FIGURES = (
    "profitable_accounts",
    "loss_making_accounts",
    "loss_making_share_of_accounts",
    "loss_making_profit",
)


class ProfitGroups(TableResult):
    """Profitable, break-even and loss-making accounts with their money (:func:`profit_groups`)."""

    def summary(self) -> pd.DataFrame:
        t = self.table
        if t.empty:  # no costs: the figures are unknown, not zero
            return figures(dict.fromkeys(_GROUP_FIGURES, np.nan))
        return figures(
            {
                "profitable_accounts": int(t.loc["profitable", "accounts"]),
                "loss_making_accounts": int(t.loc["loss_making", "accounts"]),
                "loss_making_share_of_accounts": t.loc["loss_making", "share_of_accounts"],
                "loss_making_profit": t.loc["loss_making", "profit"],
            }
        )


def profit_groups(
    book: Book,
    *,
    band: float | None = None,
    pnl: PnL | None = None,
    cost_model: CostModel | str | Path | dict | None = None,
) -> ProfitGroups:
    """Profitable / break-even / loss-making accounts: how many, and their money.

    Break-even: profit within ``band`` x revenue of zero (2% by default). Empty, with a
    note, without cost data.

    Examples
    --------
    >>> import kamlib
    >>> g = kamlib.profit_groups(kamlib.load(kamlib.sample_path()).branch("Suzhou"))
    >>> list(g.table.index)
    ['profitable', 'break_even', 'loss_making']
    """
    p = pnl_of(book, pnl, cost_model)
    if not p.has_costs:
        return ProfitGroups(pd.DataFrame(), p.notes)
    return ProfitGroups(groups_of(p.arrays, band=band), p.notes)


def _tolerance(pnl: pd.DataFrame | AccountArrays, band: float | None) -> np.ndarray:
    """The break-even band of each account in money: ``band`` x |revenue|."""
    if band is None:
        band = float(settings("profit")["break_even_band"])
    return band * np.abs(arrays_of(pnl).values("revenue"))


def is_loss_making(pnl: pd.DataFrame | AccountArrays, *, band: float | None = None) -> np.ndarray:
    """True for the loss-making accounts of a P&L table: profit below the break-even band,
    i.e. ``profit < -band x |revenue|`` (default ``profit.yaml: break_even_band``, 2%).

    The one definition of loss-making used by :func:`profit_groups`,
    :func:`profit_actions`, the whale curve's reading and ``metrics.json``
    (``unprofitable_share``). Unknown profit is not loss-making.

    Examples
    --------
    >>> import pandas as pd
    >>> from kamlib.profit import is_loss_making
    >>> t = pd.DataFrame({"revenue": [100.0, 100.0, 0.0], "profit": [-1.0, -3.0, -0.5]})
    >>> is_loss_making(t).tolist()
    [False, True, True]
    """
    a = arrays_of(pnl)
    with np.errstate(invalid="ignore"):
        return a.values("profit") < -_tolerance(a, band)


def groups_of(pnl: pd.DataFrame | AccountArrays, *, band: float | None = None) -> pd.DataFrame:
    """Profitable / break-even / loss-making accounts: how many, and their money.

    Break-even: profit within ``band`` x revenue of zero (default: ``profit.yaml:
    break_even_band``, 2%; with zero revenue, exactly zero profit).
    """
    a = arrays_of(pnl)
    p = a.values("profit")
    known = ~np.isnan(p)
    tol = _tolerance(a, band)
    # 0 profitable, 1 break-even, 2 loss-making, 3 unknown: one pass of counts and sums
    code = (1 - (p > tol).view(np.int8) + (p < -tol).view(np.int8)).astype(np.intp)
    if not known.all():
        code[~known] = 3
    names = ["profitable", "break_even", "loss_making"]
    out = pd.DataFrame(
        {"accounts": np.bincount(code, minlength=4)[:3]}, index=pd.Index(names, name="group")
    )
    for c in ("revenue", "cost", "profit"):
        v = a.values(c)
        ok = ~np.isnan(v)
        both = (code, v) if a.complete(c) else (code[ok], v[ok])  # no copies when complete
        out[c] = np.bincount(both[0], weights=both[1], minlength=4)[:3]
    out["share_of_accounts"] = out["accounts"] / max(int(known.sum()), 1)
    return out


#: the verdicts of a rule of thumb (codes in ``RulesOfThumb.verdicts``) in words
_VERDICTS = {"yes": N_("yes"), "no": N_("no")}


class RulesOfThumb(TableResult):
    """The 80/20 claims tested on a branch (:func:`rules_of_thumb`): one row per claim
    with ``says`` (what the data say) and ``holds`` (yes, no or "cannot tell: why"), in
    the report's language; ``verdicts`` has the codes (yes, no, cannot_tell) per claim."""

    def __init__(self, table: pd.DataFrame, notes: Any = (), **kw: Any) -> None:
        super().__init__(table, notes, **kw)
        self.verdicts: pd.Series = table.attrs.get(
            "verdicts", pd.Series(dtype=object, index=table.index)
        )

    def summary(self) -> pd.DataFrame:
        v = self.verdicts
        return figures(
            {
                "claims": len(v),
                "hold": int((v == "yes").sum()),
                "do_not_hold": int((v == "no").sum()),
                "cannot_tell": int((v == "cannot_tell").sum()),
            }
        )


def rules_of_thumb(
    book: Book,
    *,
    top: float = 0.2,
    min_accounts: int | None = None,
    pnl: PnL | None = None,
    cost_model: CostModel | str | Path | dict | None = None,
) -> RulesOfThumb:
    """The 80/20 claims of the domain brief, tested on these accounts.

    One row per claim: what the data say, and whether it holds ("yes" / "no", or
    "cannot tell" with the reason: too few accounts, no costs, or total profit not
    positive), in the report's language. Below ``min_accounts`` accounts (default:
    ``profit.yaml: min_accounts_for_rules``) nothing is tested: a top 20% of 2
    accounts says nothing.

    Examples
    --------
    >>> import kamlib
    >>> r = kamlib.rules_of_thumb(kamlib.load(kamlib.sample_path()).branch("Suzhou"))
    >>> list(r.table.columns)
    ['says', 'holds']
    """
    p = pnl_of(book, pnl, cost_model)
    return RulesOfThumb(rules_of_thumb_of(p.table, top=top, min_accounts=min_accounts), p.notes)


def rules_of_thumb_of(
    pnl: pd.DataFrame, *, top: float = 0.2, min_accounts: int | None = None
) -> pd.DataFrame:
    """The table of :func:`rules_of_thumb` from a P&L table (the verdict codes in
    ``attrs["verdicts"]``)."""
    if min_accounts is None:
        min_accounts = int(settings("profit")["min_accounts_for_rules"])
    n = int(pnl["revenue"].notna().sum())
    rev = concentration_of(pnl, value="revenue", top=top)
    has_profit = "profit" in pnl and pnl["profit"].notna().any()
    t = pnl.dropna(subset=["profit"]) if has_profit else pnl
    k = top_k(len(t), top)
    ranked = t.sort_values("profit", ascending=False, kind="stable") if has_profit else t
    top_g, bottom_g = ranked.head(k), ranked.tail(k)
    total_profit = float(t["profit"].sum()) if has_profit else math.nan
    pct = share(top)
    rows: list[dict[str, str]] = []
    codes: list[str] = []

    def add(claim: str, says: str, holds: str):
        """``holds``: "yes", "no" or the reason it cannot be told (already in words)."""
        code = holds if holds in _VERDICTS else "cannot_tell"
        shown = tr(_VERDICTS[holds]) if holds in _VERDICTS else holds
        rows.append({"claim": claim, "says": says, "holds": shown})
        codes.append(code)

    small = n < min_accounts
    small_note = ntr(
        "cannot tell: only {n} account", "cannot tell: only {n} accounts", n, n=count(n)
    )
    no_costs = tr("cannot tell: no cost data")
    revenue_claim = tr("{top} of accounts bring 80% of revenue", top=pct)
    if small:
        add(revenue_claim, ntr("{n} account", "{n} accounts", n, n=count(n)), small_note)
    elif math.isnan(rev.top_share):
        add(
            revenue_claim,
            ntr(
                "{n} account with negative revenue",
                "{n} accounts with negative revenue",
                rev.negative,
                n=count(rev.negative),
            ),
            tr("cannot tell: a share of revenue of both signs is undefined"),
        )
    else:
        add(
            revenue_claim,
            tr(
                "the top {top} ({n}) bring {share}",
                top=pct,
                n=count(rev.top_accounts),
                share=share(rev.top_share),
            ),
            "yes" if rev.top_share >= 0.8 else "no",
        )
    profit_claims = [
        (tr("{top} of accounts bring more than 100% of profit", top=pct), 1.0),
        (tr("{top} of accounts bring 300% of profit", top=pct), 3.0),
    ]
    for claim, level in profit_claims:
        if small or not has_profit or total_profit <= 0:
            reason = (
                small_note
                if small
                else no_costs
                if not has_profit
                else tr("cannot tell: total profit is not positive")
            )
            says = (
                ""
                if not has_profit
                else tr("total profit {money}", money=money(total_profit, _currency(pnl)))
            )
            add(claim, says, reason)
        else:
            got = float(top_g["profit"].sum()) / total_profit
            add(
                claim,
                tr("the top {top} by profit bring {share} of profit", top=pct, share=share(got)),
                "yes" if got >= level else "no",
            )
    top_claim = tr("the most profitable {top} earn 6-7x what they cost", top=pct)
    bottom_claim = tr("the least profitable {top} cost 4x what they bring", top=pct)
    if small or not has_profit:
        add(top_claim, "", small_note if small else no_costs)
        add(bottom_claim, "", small_note if small else no_costs)
    else:
        top_ratio = (
            float(top_g["revenue"].sum()) / float(top_g["cost"].sum())
            if top_g["cost"].sum() > 0
            else math.inf
        )
        add(
            top_claim,
            tr("their revenue is {ratio} their cost to serve", ratio=ratio(top_ratio)),
            "yes" if top_ratio >= 6 else "no",
        )
        b_rev, b_cost = float(bottom_g["revenue"].sum()), float(bottom_g["cost"].sum())
        cost_ratio = b_cost / b_rev if b_rev > 0 else math.inf
        add(
            bottom_claim,
            tr("they cost {ratio} the revenue they bring", ratio=ratio(cost_ratio))
            if b_rev > 0
            else tr("they bring no revenue"),
            "yes" if cost_ratio >= 4 else "no",
        )
    out = pd.DataFrame(rows).set_index("claim")
    out.attrs["verdicts"] = pd.Series(codes, index=out.index, name="verdict")
    return out


def _currency(pnl: pd.DataFrame | AccountArrays) -> str:
    """The currency of a P&L table (``attrs``), CNY when it does not say."""
    return str(pnl.attrs.get("currency", "CNY"))


#: the units of the bundled cost model's quantity drivers, for the catalogue (a model's
#: own unit is shown as written)
_UNITS = (N_("ticket"), N_("visit"), N_("hour"), N_("unit"))

#: the lever codes of :func:`profit_actions` (words in kamlib._labels)
LEVER_CODES = ("reprice_keep", "drop_or_renegotiate", "raise_price", "reduce_cost")


def _lever(row: pd.Series, drivers: list[str]) -> str:
    service = sum(
        row.get(f"cost_{d}", 0.0)
        for d in ("service_tickets", "field_visits", "am_hours")
        if d in drivers
    )
    price = sum(row.get(f"cost_{d}", 0.0) for d in ("discounts", "subsidies") if d in drivers)
    price += row.get("discounts_given", 0.0)  # net revenue: given away, still a price lever
    if row.get("important", False):
        return "reprice_keep"  # an important account is never proposed for dropping
    if row["revenue"] > 0 and row["profit"] < -row["revenue"]:
        return "drop_or_renegotiate"  # it loses more than it brings
    if price >= service:
        return "raise_price"  # discounts and subsidies outweigh the cost of serving it
    return "reduce_cost"


@dataclass(repr=False, eq=False)
class ProfitActions(Result):
    """The largest loss-making accounts with a lever each (``table``) and the services by
    profit (``services``), from :func:`profit_actions`."""

    table: pd.DataFrame
    services: pd.DataFrame
    notes: tuple[str, ...] = ()
    currency: str = "CNY"

    def summary(self) -> pd.DataFrame:
        t, s = self.table, self.services
        return figures(
            {
                "accounts_listed": len(t),
                "at_stake": float(t["at_stake"].sum()) if len(t) else 0.0,
                "services": len(s),
                "services_losing_money": int(is_loss_making(s).sum()) if len(s) else 0,
            }
        )

    def plot(self, *, ax=None):
        """The loss of each listed account, largest first; returns the Axes."""
        ax = axes(ax)
        t = self.table
        if t.empty:
            return nothing_to_draw(
                ax, self.notes[0] if self.notes else tr("No loss-making accounts.")
            )
        names = t["name"] if "name" in t else t["account_id"]
        ax.barh(range(len(t)), t["at_stake"].to_numpy(dtype=float), color="#c44e52")
        # names from the data are shown as typed: "$" would start matplotlib's math mode
        ax.set_yticks(range(len(t)), [str(n).replace("$", r"\$") for n in names])
        ax.invert_yaxis()
        money_axis(ax, self.currency, axis="x")
        ax.set_xlabel(tr("Loss over the period"))
        return ax


def profit_actions(
    book: Book,
    *,
    top: int = 15,
    pnl: PnL | None = None,
    cost_model: CostModel | str | Path | dict | None = None,
) -> ProfitActions:
    """The unprofitable accounts with a lever each, and the services that lose money.

    ``table``: the ``top`` largest loss-makers (profit below the break-even band, as in
    :func:`profit_groups`) with revenue, cost, loss and the lever
    of the domain brief (raise price / change mix, reduce cost to serve, drop). Important
    accounts are never proposed for dropping.

    ``services``: per product, revenue and cost allocated in proportion to each
    account's revenue from it (an assumption, stated in the notes), and the profit.
    Needs billing; empty without it.

    Examples
    --------
    >>> import kamlib
    >>> a = kamlib.profit_actions(kamlib.load(kamlib.sample_path()).branch("Suzhou"), top=3)
    >>> len(a.table)
    3
    """
    pnl = pnl_of(book, pnl, cost_model)
    t = pnl.table
    notes = list(pnl.notes)
    if not pnl.has_costs:
        return ProfitActions(pd.DataFrame(), pd.DataFrame(), tuple(notes), book.currency)
    losers = t[is_loss_making(t)].sort_values("profit", kind="stable").head(top).copy()
    losers["lever"] = losers.apply(_lever, axis=1, drivers=pnl.drivers) if len(losers) else []
    losers["at_stake"] = -losers["profit"]
    cols = [
        c
        for c in (
            "account_id",
            "name",
            "customer_type",
            "revenue",
            "cost",
            "profit",
            "lever",
            "at_stake",
        )
        if c in losers.columns
    ]
    accounts = losers[cols].reset_index(drop=True)
    services = pd.DataFrame()
    if book.has("billing"):
        b = (
            book.table("billing")
            .groupby(["account_id", "product"], as_index=False)["revenue"]
            .sum()
        )
        acc = t.set_index("account_id")
        share = b["revenue"] / lookup(b["account_id"], acc["revenue"]).where(lambda s: s != 0)
        b["cost"] = share.fillna(0) * lookup(b["account_id"], acc["cost"])
        svc = b.groupby("product")[["revenue", "cost"]].sum()
        svc["profit"] = svc["revenue"] - svc["cost"]
        svc["margin"] = svc["profit"] / svc["revenue"]
        svc["accounts"] = b.groupby("product")["account_id"].nunique()
        pair = b.assign(profit=b["revenue"] - b["cost"])
        svc["loss_making_accounts"] = pair[is_loss_making(pair)].groupby("product").size()
        svc = svc.fillna({"loss_making_accounts": 0}).astype({"loss_making_accounts": int})
        services = svc.sort_values("profit")
        notes.append(
            tr(
                "a service's cost is its share of each account's cost to serve, in proportion "
                "to the account's revenue from it (an assumption)"
            )
        )
    else:
        notes.append(tr("no billing lines by product: services cannot be ranked by profit"))
    return ProfitActions(accounts, services, tuple(notes), book.currency)
