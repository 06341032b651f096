"""What-if scenarios: what retention, price, pruning and tier moves would do to profit.

The domain brief quotes the economics operators argue with: +5 points of retention can
raise profit up to 90%; a 4-7% fall in loyalty cuts profit about 25%; keeping a customer
costs a fifth of winning one. :func:`scenario` puts a branch's own numbers behind such a
claim: its profit a year now (from :func:`kamlib.customer_pnl`), the profit change of one
or more levers decomposed into revenue kept (or added), cost saved and revenue lost, every
assumption in a table with its range and where it came from, and a low-central-high range
of the outcome. :func:`scenarios` runs the built-in set for a branch and ranks it.

How the figures are put on a yearly footing (each a choice, said in the docstrings):

- **A year now.** The P&L is over the data's period; it is scaled to a year by 12 / the
  months of billing (or of the observation window without billing).
- **Churn a year.** The churners of the window per account-year at risk
  (:func:`kamlib.churn.account_year_rate`: each account counts the time it was a customer
  inside the window, so joiners and leavers count in part). "+5 points" is 0.05 fewer
  churners per account-year: 5 more kept in every 100 accounts at risk a year, the
  accounts at risk being the account-years over the window's length in years.
- **What a kept churner brings.** Its own yearly profit before it left (profit per month
  billed x 12, averaged over the window's churners), not the average account's: churners
  are often smaller, and their last bills fall. Without billing months the segment's
  average account is used instead, with a note.
- **The range.** Each assumption has a central value and a range (``config/scenarios.yaml``);
  the outcome's low and high are the least and most profit change over every combination
  of the assumptions' ends (the effects are linear or monotone in each, so the corners
  bound them). Arguments and figures measured in the data have no range.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._book import Book, lookup
from ._charts import money_axis, wrap
from ._errors import ConfigError
from ._format import count, money, number, share
from ._i18n import N_, current_language, ntr, tr
from ._labels import label
from ._result import Result, TableResult, axes, figures, nothing_to_draw
from ._settings import scenario_settings, settings, unknown_key
from .profit import CostModel, PnL, cost_model_from, is_loss_making, pnl_of

__all__ = ["Scenario", "scenario", "Scenarios", "scenarios", "LEVERS"]

#: the levers a scenario can pull (codes of the ``lever`` index; words in kamlib._labels)
LEVERS = ("keep_churners", "change_price", "drop_loss_makers", "reprice_loss_makers", "move_tier")

#: the customer types that have an elasticity of their own (others: ``unknown``)
_TYPES = ("key_account", "business", "residential")
#: the customer types' accounts inside a sentence ("Keeping 5 more key accounts in 100")
_TYPE_WORDS = {
    "key_account": N_("key accounts"),
    "business": N_("business accounts"),
    "residential": N_("residential accounts"),
}

_LEVER_COLUMNS = [
    "accounts_affected",
    "revenue_kept",
    "cost_saved",
    "revenue_lost",
    "profit_change",
    "profit_change_low",
    "profit_change_high",
    "sentence",
]
_ASSUMPTION_COLUMNS = ["central", "range_low", "range_high", "unit", "source"]


# -- the accounts, on a yearly footing --------------------------------------------------
@dataclass
class _Accounts:
    """Per account (in the book's order): type, protection, activity and money a year."""

    frame: pd.DataFrame
    has_costs: bool
    has_revenue: bool
    currency: str
    notes: list[str]
    #: the book's monthly revenue per account (``Book.monthly_revenue``), read once
    spend: pd.Series | None = None


def _months_covered(book: Book) -> float | None:
    """The months the P&L sums: billing months, else the observation window's length."""
    if book.has("billing"):
        return float(len(book.months()))
    from .churn import churn_window, period_months

    window = churn_window(book)
    return period_months(*window) if window is not None else None


def _accounts(book: Book, pnl: PnL) -> _Accounts:
    from .segment import customer_types

    t = pnl.table
    notes: list[str] = []
    months = _months_covered(book)
    if months:
        factor = 12.0 / months
    else:
        factor = 1.0
        notes.append(
            tr(
                "The data do not say how long a period they cover: money is over the data's "
                "period, not a year."
            )
        )
    ct = customer_types(book).table
    types = ct["customer_type"].astype(object).to_numpy()
    acc = book.accounts
    flagged = (
        acc["important"].fillna(False).astype(bool).to_numpy()
        if "important" in acc
        else np.zeros(len(acc), dtype=bool)
    )
    frame = pd.DataFrame(
        {
            "account_id": acc["account_id"].to_numpy(),
            "branch": acc["branch"].astype(object).to_numpy(),
            "customer_type": pd.Series(types).fillna("unknown").to_numpy(dtype=object),
            "protected": flagged | (ct["importance"].astype(object) == "important").to_numpy(),
            "active": (acc["status"] == "active").to_numpy(dtype=bool, na_value=False),
            "revenue_year": t["revenue"].to_numpy(dtype="float64") * factor,
            "cost_year": t["cost"].to_numpy(dtype="float64") * factor,
            "profit_year": t["profit"].to_numpy(dtype="float64") * factor,
            "loss_making": is_loss_making(t) & pnl.has_costs,
        }
    )
    # a churner's own year: its money per month billed (it left part-way through)
    if book.has("billing"):
        billed = book.billed()
        assert billed is not None  # has("billing") above
        n = lookup(acc["account_id"], billed["months"].astype("float64")).to_numpy(dtype="float64")
    else:
        n = np.full(len(acc), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        per = np.where(n > 0, 12.0 / n, np.nan)
    for c in ("revenue", "cost", "profit"):
        frame[f"{c}_own_year"] = t[c].to_numpy(dtype="float64") * per
    has_revenue = bool(np.isfinite(frame["revenue_year"]).any())
    if not pnl.has_costs:
        notes.append(
            tr(
                "There is no costs table: profit cannot be computed, so the scenarios show "
                "revenue kept and lost only; cost saved and profit change are missing (a tier "
                "move is priced from the entitlements and the cost model's rates)."
            )
        )
    return _Accounts(
        frame, pnl.has_costs, has_revenue, book.currency, notes, book.monthly_revenue()
    )


# -- assumptions ------------------------------------------------------------------------
@dataclass(frozen=True)
class _Assumption:
    code: str
    central: float
    low: float
    high: float
    unit: str
    source: str  # setting, argument or data


def _setting(code: str, spec: Mapping[str, Any], unit: str) -> _Assumption:
    return _Assumption(
        code, float(spec["central"]), float(spec["low"]), float(spec["high"]), unit, "setting"
    )


def _fixed(code: str, value: float, unit: str, source: str) -> _Assumption:
    return _Assumption(code, float(value), float(value), float(value), unit, source)


Effect = Callable[[Mapping[str, float]], tuple[float, float, float]]


@dataclass
class _Lever:
    """One lever: what it depends on and its effect as (revenue kept, cost saved, revenue
    lost) a year for given assumption values; ``action`` begins its sentence."""

    code: str
    assumptions: list[_Assumption]
    effect: Effect
    accounts: float
    action: str
    notes: list[str] = field(default_factory=list)
    horizon: pd.DataFrame | None = None
    horizon_figures: dict[str, float] = field(default_factory=dict)
    #: said after the sentence when the central profit change is a loss: why
    if_negative: str | None = None


def _central(assumptions: list[_Assumption]) -> dict[str, float]:
    return {a.code: a.central for a in assumptions}


def _change(e: tuple[float, float, float]) -> float:
    return e[0] + e[1] - e[2]


def _corners(assumptions: list[_Assumption]) -> list[dict[str, float]]:
    """The central values, then every combination of the ranged assumptions' ends."""
    base = _central(assumptions)
    ranged = [a for a in {a.code: a for a in assumptions}.values() if a.low != a.high]
    out = [base]
    for ends in itertools.product(*[(a.low, a.high) for a in ranged]):
        out.append({**base, **{a.code: v for a, v in zip(ranged, ends, strict=True)}})
    return out


def _range(levers: list[_Lever]) -> tuple[float, float, float]:
    """Central, least and most profit change of the levers together."""
    every = [a for lv in levers for a in lv.assumptions]
    changes = [sum(_change(lv.effect(c)) for lv in levers) for c in _corners(every)]
    central = changes[0]
    if not np.isfinite(changes).all():
        return central, math.nan, math.nan
    return central, min(changes), max(changes)


# -- the segment ------------------------------------------------------------------------
def _who(segment: Any) -> str:
    """The accounts a lever acts on, for a sentence: "accounts", "key accounts"."""
    if segment is None:
        return tr("customers")  # not "accounts", the column label ("客户数")
    if isinstance(segment, str):
        if segment in _TYPE_WORDS:
            return tr(_TYPE_WORDS[segment])
        words = label(segment)
        if current_language() == "en" and not words[:2].isupper():
            words = words[:1].lower() + words[1:]
        return words
    return tr("accounts of the segment")


def _segment_mask(book: Book, acc: _Accounts, segment: Any) -> np.ndarray:
    """The accounts of ``segment``: all (None), a customer type, a boolean mask in the
    book's order or a boolean Series indexed by account_id."""
    n = len(book.accounts)
    if segment is None:
        return np.ones(n, dtype=bool)
    if isinstance(segment, str):
        known = sorted({*_TYPES, *acc.frame["customer_type"].unique()} - {"unknown"})
        if segment not in known:
            raise ConfigError("scenario: " + unknown_key("", segment, known, kind="customer type"))
        return (acc.frame["customer_type"] == segment).to_numpy()
    if isinstance(segment, pd.Series) and not isinstance(segment.index, pd.RangeIndex):
        m = lookup(book.accounts["account_id"], segment)
        if not (pd.api.types.is_bool_dtype(segment) or set(m.dropna().unique()) <= {0, 1}):
            raise ValueError("segment= as a Series must be true/false per account_id")
        return m.fillna(False).astype(bool).to_numpy()
    mask = np.asarray(segment)
    if mask.dtype != bool or mask.shape != (n,):
        raise ValueError(
            f"segment= must be a customer type, a Series of true/false per account_id or a "
            f"true/false mask of the book's {n:,} accounts"
        )
    return mask


def _about(x: float) -> str:
    """An expected number of accounts: one decimal under 10 (0.3 accounts, not 0)."""
    return number(x, 1).removesuffix(".0") if abs(x) < 10 else count(x)


# -- retention --------------------------------------------------------------------------
def _retention(
    book: Book, acc: _Accounts, mask: np.ndarray, points: float, who: str, rules: dict
) -> _Lever:
    from .churn import account_year_rate, churn_base

    f = acc.frame
    p = float(points) / 100.0
    cost = _setting(
        "retention_cost_per_kept_account",
        rules["retention"]["cost_per_kept_account"],
        "money_a_year_per_account",
    )
    avoid = _setting("avoidable_cost_share", rules["costs"]["avoidable_share"], "share")
    action = (
        tr(
            "Keeping {points} more {who} in 100 from leaving each year",
            points=number(abs(points), 1).removesuffix(".0"),
            who=who,
        )
        if p >= 0
        else tr(
            "Losing {points} more {who} in 100 each year",
            points=number(abs(points), 1).removesuffix(".0"),
            who=who,
        )
    )
    arg = _fixed("retention_points", points, "percentage_points", "argument")
    sub = book.select(mask)
    per = account_year_rate(sub)
    if per["rate"] is None or not per["account_years"]:
        return _Lever(
            "keep_churners",
            [arg, cost, avoid],
            lambda a: (math.nan, math.nan, math.nan),
            math.nan,
            action,
            [
                tr(
                    "The data do not say when observation began or ended (or no account was "
                    "at risk): the yearly churn rate cannot be measured, so retention cannot "
                    "be sized."
                )
            ],
        )
    rate = float(per["rate"])
    years = float(per["period_months"] or 12.0) / 12.0
    at_risk = float(per["account_years"]) / years
    notes: list[str] = []
    least_accounts = int(settings("churn")["min_accounts"])
    if at_risk < least_accounts:
        notes.append(
            tr(
                "The churn rate rests on {n} accounts at risk, fewer than {least}: it is a rough "
                "figure, and so is the multi-year view.",
                n=number(at_risk, 1),
                least=count(least_accounts),
            )
        )
    churner_ids = churn_base(sub, True, columns=[]).query("churned == 1")["account_id"]
    is_churner = f["account_id"].isin(churner_ids).to_numpy() & mask
    own = f.loc[is_churner & np.isfinite(f["revenue_own_year"].to_numpy())]
    k = int(is_churner.sum())
    if len(own):
        rev_c, cost_c = float(own["revenue_own_year"].mean()), float(own["cost_own_year"].mean())
        basis = "churner_yearly_profit"
        least = int(settings("churn")["min_churners"])
        if len(own) < least:
            notes.append(
                ntr(
                    "What a kept churner brings rests on {n} churner only: a rough figure.",
                    "What a kept churner brings rests on {n} churners only: a rough figure.",
                    len(own),
                    n=count(len(own)),
                )
            )
    else:
        seg = f.loc[mask & f["active"].to_numpy()]
        rev_c = float(seg["revenue_year"].mean()) if len(seg) else math.nan
        cost_c = float(seg["cost_year"].mean()) if len(seg) else math.nan
        basis = "segment_yearly_profit"
        if k:
            notes.append(
                tr(
                    "The churners' own months are not known (no billing): a kept churner is "
                    "taken to bring what an average active account of the segment brings."
                )
            )
    if p >= 0:
        cut = min(p, rate)
        if k == 0:
            notes.append(
                tr(
                    "No account of the segment left in the window: churn cannot fall, so "
                    "retention keeps nothing."
                )
            )
        elif p > rate:
            notes.append(
                tr(
                    "Churn is {rate} a year: it can fall by that much at most, not by {points} "
                    "points.",
                    rate=share(rate),
                    points=number(points, 1).removesuffix(".0"),
                )
            )
    else:
        cut = -min(-p, 1.0 - rate)
    kept = cut * at_risk
    profit_c = rev_c - cost_c

    def effect(a: Mapping[str, float]) -> tuple[float, float, float]:
        if kept == 0:
            return 0.0, 0.0, 0.0
        s = a["avoidable_cost_share"]
        if kept > 0:
            return kept * rev_c, -kept * (s * cost_c + a["retention_cost_per_kept_account"]), 0.0
        return 0.0, -kept * s * cost_c, -kept * rev_c

    assumptions = [
        arg,
        _fixed("churn_rate_per_year", rate, "share_a_year", "data"),
        _fixed("accounts_at_risk", at_risk, "accounts", "data"),
        _fixed("churners", k, "accounts", "data"),
        _fixed(basis, profit_c, "money_a_year_per_account", "data"),
        *([cost] if p > 0 else []),
        avoid,
    ]
    lever = _Lever("keep_churners", assumptions, effect, kept, action, notes)
    if kept > 0 and len(own):
        # a churn cut that lowers profit: the accounts that leave are the ones that cost
        losing = float((own["revenue_own_year"] < own["cost_own_year"]).mean())
        lever.if_negative = tr(
            "That is because the accounts that leave bring little: one brings {revenue} a "
            "year but costs {cost} to serve and about {keep} to keep, and {share} of those "
            "that left lost money.",
            revenue=money(rev_c, acc.currency),
            cost=money(cost_c, acc.currency),
            keep=money(cost.central, acc.currency),
            share=share(losing),
        )
    _horizon(lever, f.loc[mask], rate, rate - cut, rules)
    return lever


def _base_value(profit: float, churn: float, years: int, discount: float) -> float:
    """Today's customer base over ``years``: year t brings ``profit`` x (1 - churn)^(t-1),
    discounted by (1 + discount)^t."""
    t = np.arange(1, years + 1)
    return float(profit * ((1 - churn) ** (t - 1) / (1 + discount) ** t).sum())


def _horizon(lever: _Lever, seg: pd.DataFrame, churn: float, churn_after: float, rules: dict):
    """The multi-year view of a churn cut: the value of today's base with and without it."""
    h = rules["horizon"]
    years = _setting("horizon_years", h["years"], "years")
    rate = _setting("time_discount_rate", h["discount_rate"], "share_a_year")
    lever.assumptions += [years, rate]
    profit = float(seg["profit_year"].sum(min_count=1))
    t = np.arange(1, int(years.central) + 1)
    lever.horizon = pd.DataFrame(
        {
            "year": t,
            "retained_now": (1 - churn) ** (t - 1),
            "retained_scenario": (1 - churn_after) ** (t - 1),
            "base_value_now": np.cumsum(profit * (1 - churn) ** (t - 1) / (1 + rate.central) ** t),
            "base_value_scenario": np.cumsum(
                profit * (1 - churn_after) ** (t - 1) / (1 + rate.central) ** t
            ),
        }
    )
    if not profit > 0:
        lever.notes.append(
            tr(
                "The segment's profit is not positive: the change in the value of its "
                "customer base cannot be read as a share."
            )
            if math.isfinite(profit)
            else tr(
                "Without profit, the value of the customer base over the years cannot be computed."
            )
        )
        lever.horizon_figures = dict.fromkeys(
            [
                "base_value_change_share",
                "base_value_change_share_low",
                "base_value_change_share_high",
            ],
            math.nan,
        )
        return

    def gain(n: float, d: float) -> float:
        return (
            _base_value(profit, churn_after, int(n), d) / _base_value(profit, churn, int(n), d) - 1
        )

    corners = [(y, d) for y in {years.low, years.high} for d in {rate.low, rate.high}]
    ends = [gain(y, d) for y, d in corners]
    central = gain(years.central, rate.central)
    lever.horizon_figures = {
        "base_value_change_share": central,
        "base_value_change_share_low": min([central, *ends]),
        "base_value_change_share_high": max([central, *ends]),
    }


# -- price -------------------------------------------------------------------------------
def _elasticities(rules: dict, given: Any, types: list[str]) -> list[_Assumption]:
    """The churn elasticity of each customer type present: the setting, or the argument."""
    spec = rules["price"]["elasticity"]
    if given is not None and not isinstance(given, Mapping):
        given = dict.fromkeys([*_TYPES, "unknown"], given)
    given = dict(given or {})
    for k in given:
        if k not in spec:
            raise ConfigError(
                "scenario: elasticity= " + unknown_key("", k, list(spec), kind="customer type")
            )
    out = []
    for t in types:
        key = t if t in spec else "unknown"
        code = f"elasticity_{key}"
        if key in given:
            out.append(
                _fixed(code, float(given[key]), "share_of_accounts_per_price_rise", "argument")
            )
        else:
            out.append(_setting(code, spec[key], "share_of_accounts_per_price_rise"))
    return list({a.code: a for a in out}.values())


def _type_key(t: str, rules: dict) -> str:
    return t if t in rules["price"]["elasticity"] else "unknown"


def _price(acc: _Accounts, mask: np.ndarray, change: float, who: str, rules, elasticity) -> _Lever:
    f = acc.frame
    seg = f.loc[mask & f["active"].to_numpy()]
    seg = seg.assign(key=[_type_key(t, rules) for t in seg["customer_type"]])
    g = seg.groupby("key", sort=True).agg(
        accounts=("account_id", "size"), revenue=("revenue_year", "sum"), cost=("cost_year", "sum")
    )
    if not acc.has_costs:
        g["cost"] = math.nan
    avoid = _setting("avoidable_cost_share", rules["costs"]["avoidable_share"], "share")
    el = _elasticities(rules, elasticity, list(g.index))

    def lost_share(a: Mapping[str, float]) -> np.ndarray:
        # a price cut is not taken to win or keep anyone: no elasticity of that is set
        e = np.array([a[f"elasticity_{k}"] for k in g.index], dtype="float64")
        return np.clip(e * max(change, 0.0), 0.0, 1.0)

    def effect(a: Mapping[str, float]) -> tuple[float, float, float]:
        s = lost_share(a)
        rev, cost = g["revenue"].to_numpy(), g["cost"].to_numpy()
        gain = float(((1 - s) * rev * change).sum())
        lost = float((s * rev).sum())
        saved = float((s * cost).sum()) * a["avoidable_cost_share"]
        return max(gain, 0.0), saved, lost + max(-gain, 0.0)

    central = _central([avoid, *el])
    lost = float((lost_share(central) * g["accounts"].to_numpy()).sum())
    n = int(g["accounts"].sum())
    words = share(abs(change))
    action = (
        tr(
            "Raising the prices of {who} by {change} (losing about {lost} of {accounts})",
            who=who,
            change=words,
            lost=_about(lost),
            accounts=count(n),
        )
        if change >= 0
        else tr("Cutting the prices of {who} by {change}", who=who, change=words)
    )
    notes = (
        [
            tr(
                "A price cut is not taken to win or keep any account (no elasticity of that "
                "is set): only the revenue given up is counted."
            )
        ]
        if change < 0
        else []
    )
    assumptions = [_fixed("price_change", change, "share", "argument"), *el, avoid]
    return _Lever("change_price", assumptions, effect, lost, action, notes)


# -- the loss-making tail ----------------------------------------------------------------
def _targets(
    acc: _Accounts, which: Any, mask: np.ndarray, book: Book, what: str
) -> np.ndarray | None:
    """The active accounts ``drop=`` or ``reprice=`` names: the loss-makers, or a mask."""
    f = acc.frame
    if isinstance(which, str):
        if which != "loss_makers":
            raise ValueError(f'{what}= takes "loss_makers" or a true/false mask, not {which!r}')
        if not (acc.has_costs and acc.has_revenue):
            return None
        chosen = f["loss_making"].to_numpy()
    else:
        chosen = _segment_mask(book, acc, which)
    return chosen & mask & f["active"].to_numpy()


def _drop(acc: _Accounts, chosen: np.ndarray | None, rules: dict) -> _Lever:
    f = acc.frame
    avoid = _setting("avoidable_cost_share", rules["costs"]["avoidable_share"], "share")
    if chosen is None:
        return _Lever(
            "drop_loss_makers",
            [avoid],
            lambda a: (math.nan, math.nan, math.nan),
            math.nan,
            tr("Letting go the loss-making accounts"),
            [
                tr(
                    "Without profit (revenue and cost to serve), the loss-making accounts "
                    "cannot be found: nothing is dropped."
                )
            ],
        )
    protected = chosen & f["protected"].to_numpy()
    go = f.loc[chosen & ~protected]
    rev = float(go["revenue_year"].sum())
    cost = float(go["cost_year"].sum()) if acc.has_costs else math.nan
    n, kept = len(go), int(protected.sum())

    def effect(a: Mapping[str, float]) -> tuple[float, float, float]:
        return 0.0, cost * a["avoidable_cost_share"], rev

    action = (
        ntr(
            "Letting go the {n} loss-making account (sparing {kept} important ones)",
            "Letting go the {n} loss-making accounts (sparing {kept} important ones)",
            n,
            n=count(n),
            kept=count(kept),
        )
        if kept
        else ntr(
            "Letting go the {n} loss-making account",
            "Letting go the {n} loss-making accounts",
            n,
            n=count(n),
        )
    )
    notes = (
        [] if n or kept else [tr("No active account is loss-making: there is nothing to let go.")]
    )
    notes += (
        [
            ntr(
                "{n} important account among them is never dropped (accounts.important, or an "
                "important key account by the customer-type rules).",
                "{n} important accounts among them are never dropped (accounts.important, or "
                "important key accounts by the customer-type rules).",
                kept,
                n=count(kept),
            )
        ]
        if kept
        else []
    )
    assumptions = [_fixed("accounts_protected", kept, "accounts", "data"), avoid]
    return _Lever("drop_loss_makers", assumptions, effect, float(n), action, notes)


def _reprice(acc: _Accounts, chosen: np.ndarray | None, rules: dict, elasticity: Any) -> _Lever:
    f = acc.frame
    avoid = _setting("avoidable_cost_share", rules["costs"]["avoidable_share"], "share")
    if chosen is None:
        return _Lever(
            "reprice_loss_makers",
            [avoid],
            lambda a: (math.nan, math.nan, math.nan),
            math.nan,
            tr("Raising the loss-making accounts' prices to break even"),
            [
                tr(
                    "Without profit (revenue and cost to serve), the loss-making accounts "
                    "cannot be found: nothing is repriced."
                )
            ],
        )
    rev_all = f["revenue_year"].to_numpy()
    priced = chosen & (rev_all > 0)
    notes = []
    free = int((chosen & ~(rev_all > 0)).sum())
    if free:
        notes.append(
            ntr(
                "{n} loss-making account brings no revenue: no price rise can make it break "
                "even, so it is left as it is.",
                "{n} loss-making accounts bring no revenue: no price rise can make them break "
                "even, so they are left as they are.",
                free,
                n=count(free),
            )
        )
    t = f.loc[priced]
    keys = [_type_key(x, rules) for x in t["customer_type"]]
    el = _elasticities(rules, elasticity, sorted(set(keys)))
    rev, cost = t["revenue_year"].to_numpy(), t["cost_year"].to_numpy()
    rise = (cost - rev) / rev  # the price rise that makes revenue meet the cost to serve

    def effect(a: Mapping[str, float]) -> tuple[float, float, float]:
        e = np.array([a[f"elasticity_{k}"] for k in keys], dtype="float64")
        s = np.clip(e * rise, 0.0, 1.0)
        return (
            float(((1 - s) * rev * rise).sum()),
            float((s * cost).sum()) * a["avoidable_cost_share"],
            float((s * rev).sum()),
        )

    central = _central([avoid, *el])
    e0 = np.array([central[f"elasticity_{k}"] for k in keys], dtype="float64")
    lost = float(np.clip(e0 * rise, 0, 1).sum())
    n = len(t)
    action = ntr(
        "Raising the price of the {n} loss-making account to break even (a {lost} chance "
        "of losing it)",
        "Raising the prices of the {n} loss-making accounts to break even (losing about {lost} "
        "of them)",
        n,
        n=count(n),
        lost=_about(lost) if n != 1 else share(lost),
    )
    median = float(np.median(rise)) if n else math.nan
    assumptions = [
        _fixed("median_price_rise", median, "share", "data"),
        *el,
        avoid,
    ]
    return _Lever("reprice_loss_makers", assumptions, effect, lost, action, notes)


# -- tier moves ----------------------------------------------------------------------------
_MEASURES = ("am_hours", "field_visits")


def _move(
    book: Book,
    acc: _Accounts,
    spec: Mapping[str, Any],
    rules: dict,
    model: CostModel,
    tiers: Any = None,
) -> _Lever:
    from .segment import value_tiers

    allowed = {"from", "to", "accounts"}
    for k in spec:
        if k not in allowed:
            raise ConfigError("scenario: move= " + unknown_key(str(k), str(k), sorted(allowed)))
    svc = settings("key_accounts")["service"]
    ent = svc["entitlements"]
    for k in ("from", "to"):
        if spec.get(k) not in ent:
            raise ConfigError(
                f"scenario: move={{'{k}': ...}} "
                + unknown_key("", str(spec.get(k)), list(ent), kind="tier")
            )
    src, dst = str(spec["from"]), str(spec["to"])
    grow = _setting("revenue_per_tier", rules["move"]["revenue_per_tier"], "share_per_tier")
    # a value_tiers result of the book on the service scheme (the report's) is reused
    if tiers is None or getattr(tiers.scheme, "name", svc["scheme"]) != svc["scheme"]:
        tiers = value_tiers(book, scheme=svc["scheme"])
    order = list(tiers.scheme.codes) if tiers.scheme is not None else list(ent)
    steps = order.index(dst) - order.index(src) if src in order and dst in order else 0
    f = acc.frame
    a = book.accounts
    tier = tiers.assignment.astype(object)
    in_tier = (tier.where(tier.notna(), "") == src).to_numpy(dtype=bool)
    eligible = f["active"].to_numpy() & in_tier
    if "customer_type" in a:
        eligible &= a["customer_type"].isin(svc["types"]).to_numpy(dtype=bool, na_value=False)
    spend = acc.spend
    pool = f.loc[eligible].assign(
        spend=spend.to_numpy(dtype="float64")[eligible] if spend is not None else np.nan
    )
    # the accounts nearest the tier they move to by spend go first
    pool = pool.sort_values("spend", ascending=steps < 0, kind="stable")
    wanted = spec.get("accounts")
    n = len(pool) if wanted is None else min(int(wanted), len(pool))
    notes = list(tiers.notes) if tiers.table.empty else []
    if wanted is not None and int(wanted) > len(pool):
        notes.append(
            ntr(
                "Only {n} active key account is in the {tier} tier: it is the one moved.",
                "Only {n} active key accounts are in the {tier} tier: they are the ones moved.",
                len(pool),
                n=count(len(pool)),
                tier=label(src),
            )
        )
    moved = pool.head(n)
    priced = [
        m for m in _MEASURES if m in model.table.index and model.table.loc[m, "kind"] == "quantity"
    ]
    for m in _MEASURES:
        if m not in priced:
            notes.append(
                tr("The cost model has no rate for {driver}: its change is not counted.", driver=m)
            )
    rates = model.rates_for(moved["branch"])
    yearly = np.zeros(len(moved))
    assumptions = [_fixed("accounts_moved", n, "accounts", "argument")]
    for m in priced:
        diff = float(ent[dst].get(m) or 0.0) - float(ent[src].get(m) or 0.0)
        yearly += 12.0 * diff * rates[m].to_numpy(dtype="float64")
        assumptions.append(_fixed(f"{m}_entitled_change", diff, f"{m}_a_month", "setting"))
        rate = float(rates[m].mean()) if len(moved) else float(model.table.loc[m, "rate"])
        assumptions.append(_fixed(f"{m}_rate", rate, f"money_per_{m}", "setting"))
    extra = float(yearly.sum())
    rev = float(moved["revenue_year"].sum())
    assumptions.append(grow)

    def effect(v: Mapping[str, float]) -> tuple[float, float, float]:
        change = steps * v["revenue_per_tier"] * rev
        return max(change, 0.0), -extra, max(-change, 0.0)

    action = ntr(
        "Serving {n} {src} key account at the {dst} tier",
        "Serving {n} {src} key accounts at the {dst} tier",
        n,
        n=count(n),
        src=label(src),
        dst=label(dst),
    )
    notes.append(
        tr(
            "A tier move is priced at the difference of the two tiers' entitlements "
            "(account-manager hours and field visits a month) at the cost model's rates, not "
            "at the service the accounts receive now."
        )
    )
    return _Lever("move_tier", assumptions, effect, float(n), action, notes)


# -- the result ---------------------------------------------------------------------------
_SUMMARY = (
    "profit_now",
    "revenue_now",
    "profit_change",
    "profit_change_low",
    "profit_change_high",
    "profit_after",
    "profit_change_share",
    "base_value_change_share",
    "base_value_change_share_low",
    "base_value_change_share_high",
)


@dataclass(repr=False, eq=False)
class Scenario(Result):
    """What a scenario would do to a branch's profit a year (:func:`scenario`).

    ``table``: one row per lever (index ``lever``) with the accounts it affects (expected
    accounts kept, lost, dropped or moved), ``revenue_kept`` (revenue kept or added),
    ``cost_saved`` (negative: cost added), ``revenue_lost``, ``profit_change`` = revenue
    kept + cost saved - revenue lost, its ``profit_change_low`` and ``_high`` over the
    assumptions' ranges, and the ``sentence`` that says it. ``assumptions``: every
    assumption (index ``assumption``) with ``central``, ``range_low``, ``range_high``,
    ``unit`` and ``source`` (setting, argument or data). ``horizon``: the multi-year view
    of a retention lever (empty otherwise). ``profit_now``, ``revenue_now``: the branch
    a year now; ``sentence``: the whole scenario in words.
    """

    table: pd.DataFrame
    assumptions: pd.DataFrame
    horizon: pd.DataFrame
    profit_now: float
    revenue_now: float
    change: tuple[float, float, float]
    sentence: str
    currency: str = "CNY"
    notes: tuple[str, ...] = ()
    horizon_figures: dict[str, float] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        central, low, high = self.change
        after = self.profit_now + central
        return figures(
            {
                "profit_now": self.profit_now,
                "revenue_now": self.revenue_now,
                "profit_change": central,
                "profit_change_low": low,
                "profit_change_high": high,
                "profit_after": after,
                "profit_change_share": central / self.profit_now
                if self.profit_now > 0
                else math.nan,
                **{k: self.horizon_figures.get(k, math.nan) for k in _SUMMARY[-3:]},
            }
        )

    def plot(self, *, ax: Any = None) -> Any:
        """Revenue kept, cost saved, revenue lost and the profit change a year (with its
        range); returns the Axes."""
        ax = axes(ax)
        t = self.table
        # without a costs table there is no profit: revenue kept and lost only
        costs = not math.isnan(self.profit_now)
        items = (
            ["revenue_kept", "cost_saved", "revenue_lost", "profit_change"]
            if costs
            else ["revenue_kept", "revenue_lost"]
        )
        values = (
            np.array([t[i].sum(min_count=1) for i in items], dtype="float64")
            if len(t)
            else np.full(len(items), np.nan)
        )
        if not np.isfinite(values).any():
            return nothing_to_draw(ax, self.notes[0] if self.notes else tr("Nothing to draw."))
        values[items.index("revenue_lost")] *= -1  # revenue lost pulls profit down
        palette = {
            "revenue_kept": "#55a868",
            "cost_saved": "#4c72b0",
            "revenue_lost": "#c44e52",
            "profit_change": "#8172b2",
        }
        y = np.arange(len(items))
        ax.barh(y, np.nan_to_num(values), color=[palette[i] for i in items])
        central, low, high = self.change
        if costs and np.isfinite([central, low, high]).all():
            ax.errorbar(
                [central],
                [3],
                xerr=[[central - low], [high - central]],
                fmt="none",
                ecolor="black",
                capsize=4,
            )
        ax.set_yticks(y, [wrap(label(i), 24) for i in items])
        ax.invert_yaxis()
        ax.axvline(0, color="black", lw=0.8)
        money_axis(ax, self.currency, axis="x")
        ax.set_xlabel(tr("Money a year"))
        return ax


def _sentence(
    action: str, change: tuple[float, float, float], revenue: float, currency: str
) -> str:
    central, low, high = change
    if not math.isfinite(central):
        if math.isfinite(revenue):
            return tr(
                "{action} would change revenue by {money} a year; without costs its effect on "
                "profit cannot be computed.",
                action=action,
                money=money(revenue, currency, signed=True),
            )
        return tr("{action} cannot be sized from these data.", action=action)
    if not (math.isfinite(low) and math.isfinite(high)) or low == high:
        return (
            tr(
                "{action} would add {money} of profit a year.",
                action=action,
                money=money(central, currency),
            )
            if central >= 0
            else tr(
                "{action} would cost {money} of profit a year.",
                action=action,
                money=money(-central, currency),
            )
        )
    # the range is of the profit change, signed: a loss's range may reach a gain
    ends = {"low": money(low, currency, signed=True), "high": money(high, currency, signed=True)}
    if central >= 0:
        return tr(
            "{action} would add {money} of profit a year (range {low} to {high}).",
            action=action,
            money=money(central, currency),
            **ends,
        )
    return tr(
        "{action} would cost {money} of profit a year (range {low} to {high}).",
        action=action,
        money=money(-central, currency),
        **ends,
    )


def _build(levers: list[_Lever], acc: _Accounts, base_notes: list[str]) -> Scenario:
    f = acc.frame
    rows = {}
    notes = list(base_notes)
    for lv in levers:
        e = lv.effect(_central(lv.assumptions))
        change = _range([lv])
        rows[lv.code] = {
            "accounts_affected": lv.accounts,
            "revenue_kept": e[0],
            "cost_saved": e[1],
            "revenue_lost": e[2],
            "profit_change": change[0],
            "profit_change_low": change[1],
            "profit_change_high": change[2],
            "sentence": _sentence(lv.action, change, e[0] - e[2], acc.currency)
            + (f" {lv.if_negative}" if lv.if_negative and change[0] < 0 else ""),
        }
        notes += lv.notes
    table = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=_LEVER_COLUMNS)
    table.index.name = "lever"
    seen: dict[str, _Assumption] = {}
    for lv in levers:
        for a in lv.assumptions:
            seen.setdefault(a.code, a)
    assumptions = pd.DataFrame(
        [
            {
                "central": a.central,
                "range_low": a.low,
                "range_high": a.high,
                "unit": a.unit,
                "source": a.source,
            }
            for a in seen.values()
        ],
        index=pd.Index(list(seen), name="assumption"),
        columns=_ASSUMPTION_COLUMNS,
    )
    total = _range(levers) if levers else (0.0, 0.0, 0.0)
    horizon = next((lv for lv in levers if lv.horizon is not None), None)
    profit_now = float(f["profit_year"].sum()) if acc.has_costs else math.nan
    revenue_now = float(f["revenue_year"].sum()) if acc.has_revenue else math.nan
    if not levers:
        notes.append(tr("No lever was given: the scenario is the branch as it is."))
        sentence = tr("No lever was given.")
    elif len(levers) == 1:
        sentence = str(table["sentence"].iloc[0])
    else:
        notes.append(
            tr(
                "The levers are added up as if independent: an account both kept and "
                "repriced, say, is counted in each."
            )
        )
        revenue = float((table["revenue_kept"] - table["revenue_lost"]).sum())
        sentence = _sentence(tr("Pulling these levers together"), total, revenue, acc.currency)
    return Scenario(
        table,
        assumptions,
        horizon.horizon if horizon is not None and horizon.horizon is not None else _no_horizon(),
        profit_now,
        revenue_now,
        total,
        sentence,
        acc.currency,
        tuple(dict.fromkeys(notes)),
        horizon.horizon_figures if horizon is not None else {},
    )


def _no_horizon() -> pd.DataFrame:
    return pd.DataFrame(
        columns=[
            "year",
            "retained_now",
            "retained_scenario",
            "base_value_now",
            "base_value_scenario",
        ]
    )


def scenario(
    book: Book,
    *,
    retention_points: float = 0,
    price_change: float = 0.0,
    segment: Any = None,
    elasticity: float | Mapping[str, float] | None = None,
    drop: Any = None,
    reprice: Any = None,
    move: Mapping[str, Any] | None = None,
    pnl: PnL | None = None,
    rules: str | Path | dict | None = None,
    cost_model: CostModel | str | Path | dict | None = None,
) -> Scenario:
    """What one or more levers would do to the branch's profit a year.

    Parameters
    ----------
    book
        The operator's data (one branch, or all).
    retention_points
        Percentage points by which the yearly churn rate falls (5: five more accounts in
        every 100 at risk are kept each year; negative: churn rises). Kept accounts bring
        the yearly revenue and cost of an average churner of the window and cost
        ``retention.cost_per_kept_account`` each. The multi-year view compares the value of
        today's base over ``horizon.years``, discounted, at the churn rate now and after
        the cut (``Scenario.horizon``; summary ``base_value_change_share``).
    price_change
        Share by which the prices of ``segment``'s active accounts change (0.05: 5% up).
        A share ``price.elasticity`` x the rise of each customer type's accounts is lost,
        with its revenue and (the avoidable share of) its cost; the rest pay the new price.
    segment
        The accounts retention and price (and drop or reprice) act on: None for all, a
        customer type ("business"), a true/false Series indexed by account_id or a mask.
    elasticity
        Churn elasticity instead of the setting's: one number for every type or a dict per
        customer type (no range then).
    drop
        ``"loss_makers"``: let go the active loss-making accounts (:func:`kamlib.profit.
        is_loss_making`) except important ones (``accounts.important`` or important key
        accounts by :func:`kamlib.customer_types`); or a mask of accounts to let go. Their
        revenue is lost, the avoidable share of their cost saved.
    reprice
        ``"loss_makers"`` (or a mask): raise each loss-maker's price to break even
        (important accounts too: they are repriced, not dropped); the elasticity loses
        some of them, and a loss-maker that leaves takes its loss along.
    move
        ``{"from": "gold", "to": "gem", "accounts": 5}``: serve that many active key
        accounts of a value tier (of ``key_accounts.yaml: service.scheme``; those nearest
        the other tier by spend first; all of them without ``accounts``) at another tier's
        entitlements. Cost to serve changes by the entitlements' difference in
        account-manager hours and field visits at the cost model's rates; revenue by
        ``move.revenue_per_tier`` per tier up (or down).
    pnl
        The customer P&L of ``book`` when already computed.
    rules
        Changes to ``config/scenarios.yaml`` (a dict, merged at every depth, or a file).
    cost_model
        The cost model when ``pnl`` is not given.

    Returns
    -------
    Scenario

    Examples
    --------
    >>> import kamlib
    >>> from kamlib.scenario import scenario
    >>> s = scenario(kamlib.load(kamlib.sample_path()).branch("Suzhou"), retention_points=5)
    >>> s.sentence.startswith("Keeping 5 more customers in 100 from leaving each year would")
    True
    >>> row = s.table.loc["keep_churners"]
    >>> bool(row["profit_change_low"] <= row["profit_change"] <= row["profit_change_high"])
    True
    """
    r = scenario_settings(rules, caller="scenario")
    p = pnl_of(book, pnl, cost_model)
    model = p.model if p.model is not None else cost_model_from(cost_model, caller="scenario")
    return _scenario(
        book,
        p,
        r,
        model,
        retention_points=retention_points,
        price_change=price_change,
        segment=segment,
        elasticity=elasticity,
        drop=drop,
        reprice=reprice,
        move=move,
    )


def _scenario(
    book: Book,
    p: PnL,
    r: dict[str, Any],
    model: CostModel,
    *,
    retention_points: float = 0,
    price_change: float = 0.0,
    segment: Any = None,
    elasticity: Any = None,
    drop: Any = None,
    reprice: Any = None,
    move: Mapping[str, Any] | None = None,
    tiers: Any = None,
    accounts: _Accounts | None = None,
) -> Scenario:
    """:func:`scenario` with its settings, P&L and cost model already read (and the
    per-account frame, when several scenarios of one book share it)."""
    if drop is not None and reprice is not None:
        raise ValueError("give drop= or reprice= for the loss-making accounts, not both")
    acc = _accounts(book, p) if accounts is None else accounts
    notes = [*p.notes, *acc.notes]
    mask = _segment_mask(book, acc, segment)
    who = _who(segment)
    levers: list[_Lever] = []
    if retention_points:
        levers.append(_retention(book, acc, mask, float(retention_points), who, r))
    if price_change:
        levers.append(_price(acc, mask, float(price_change), who, r, elasticity))
    if drop is not None:
        levers.append(_drop(acc, _targets(acc, drop, mask, book, "drop"), r))
    if reprice is not None:
        levers.append(_reprice(acc, _targets(acc, reprice, mask, book, "reprice"), r, elasticity))
    if move is not None:
        levers.append(_move(book, acc, move, r, model, tiers))
    if not acc.has_revenue:
        # without revenue no lever can be weighed: a cost saved alone would look like profit
        for lv in levers:
            lv.effect = _unknown
            lv.horizon, lv.horizon_figures = None, {}
        if levers:
            notes.append(tr("The data hold no revenue: no scenario can be sized."))
    return _build(levers, acc, notes)


def _unknown(a: Mapping[str, float]) -> tuple[float, float, float]:
    return math.nan, math.nan, math.nan


# -- the built-in set ---------------------------------------------------------------------
class Scenarios(TableResult):
    """The built-in scenarios of a branch (:func:`scenarios`), ranked by central profit
    change: ``table`` (index ``scenario``: the lever code) with ``rank``, the profit change
    and its range, its decomposition, the accounts affected and the ``sentence``;
    ``scenarios`` holds each :class:`Scenario`."""

    _bar = "profit_change"

    def __init__(
        self,
        table: pd.DataFrame,
        notes: Any = (),
        *,
        currency: str = "",
        scenarios: dict[str, Scenario] | None = None,
        profit_now: float = math.nan,
    ):
        super().__init__(table, notes, currency=currency)
        self.scenarios = dict(scenarios or {})
        self.profit_now = profit_now

    def summary(self) -> pd.DataFrame:
        t = self.table
        known = t[t["profit_change"].notna()] if len(t) else t
        best = known.iloc[0] if len(known) else None
        return figures(
            {
                "scenarios": len(t),
                "profit_now": self.profit_now,
                "best_scenario": str(best.name) if best is not None else None,
                "best_profit_change": float(best["profit_change"])
                if best is not None
                else math.nan,
            }
        )

    def plot(self, *, ax: Any = None) -> Any:
        """The central profit change of each scenario with its range; returns the Axes."""
        ax = axes(ax)
        if math.isnan(self.profit_now):  # no costs table: the revenue each would move
            r = self.table
            change = (r["revenue_kept"].fillna(0) - r["revenue_lost"].fillna(0)).where(
                r["revenue_kept"].notna() | r["revenue_lost"].notna()
            )
            r = r.assign(change=change)[change.notna()]
            if r.empty:
                return nothing_to_draw(ax, self.notes[0] if self.notes else tr("Nothing to draw."))
            v = r["change"].to_numpy(dtype="float64")
            y = np.arange(len(r))
            ax.barh(y, v, color=np.where(v >= 0, "#55a868", "#c44e52"))
            ax.set_yticks(y, [wrap(label(str(i)), 26) for i in r.index])
            ax.invert_yaxis()
            ax.axvline(0, color="black", lw=0.8)
            money_axis(ax, self.currency, axis="x")
            ax.set_xlabel(tr("Revenue kept less revenue lost, a year"))
            return ax
        t = self.table[self.table["profit_change"].notna()] if len(self.table) else self.table
        if t.empty:
            return nothing_to_draw(ax, self.notes[0] if self.notes else tr("Nothing to draw."))
        y = np.arange(len(t))
        c = t["profit_change"].to_numpy(dtype="float64")
        ax.barh(y, c, color=np.where(c >= 0, "#55a868", "#c44e52"))
        lo = t["profit_change_low"].to_numpy(dtype="float64")
        hi = t["profit_change_high"].to_numpy(dtype="float64")
        ok = np.isfinite(lo) & np.isfinite(hi)
        if ok.any():
            ax.errorbar(
                c[ok],
                y[ok],
                xerr=[c[ok] - lo[ok], hi[ok] - c[ok]],
                fmt="none",
                ecolor="black",
                capsize=3,
            )
        ax.set_yticks(y, [wrap(label(str(i)), 26) for i in t.index])
        ax.invert_yaxis()
        ax.axvline(0, color="black", lw=0.8)
        money_axis(ax, self.currency, axis="x")
        ax.set_xlabel(tr("Profit change a year"))
        return ax


def _tier_moves() -> list[tuple[str, str]]:
    """One-step moves between adjacent tiers with entitlements, down and up."""
    from .segment import tier_scheme

    svc = settings("key_accounts")["service"]
    ent = svc["entitlements"]
    codes = [c for c in tier_scheme(svc["scheme"]).codes if c in ent]
    pairs = list(itertools.pairwise(codes))
    return [(hi, lo) for lo, hi in pairs] + [(lo, hi) for lo, hi in pairs]


def scenarios(
    book: Book,
    *,
    pnl: PnL | None = None,
    rules: str | Path | dict | None = None,
    cost_model: CostModel | str | Path | dict | None = None,
    tiers: Any = None,
) -> Scenarios:
    """The built-in scenarios of a branch, ranked by central profit change a year.

    ``builtin`` of ``config/scenarios.yaml``: churn cut by ``retention_points`` points on
    every account; prices of ``price_segment`` accounts changed by ``price_change``;
    the loss-making tail dropped (important accounts spared); and the cheapest tier move:
    of every one-tier move of ``move_accounts`` key accounts (down or up, between tiers
    with entitlements), the one with the largest central profit change. Each is a
    :class:`Scenario` (``.scenarios``); the table has one row each with its sentence.
    ``tiers``: a :func:`kamlib.value_tiers` result of the book on the service scheme to
    reuse (computed when None or on another scheme).

    Examples
    --------
    >>> import kamlib
    >>> from kamlib.scenario import scenarios
    >>> s = scenarios(kamlib.load(kamlib.sample_path()).branch("Suzhou"))
    >>> sorted(s.table.index)
    ['change_price', 'drop_loss_makers', 'keep_churners', 'move_tier']
    """
    r = scenario_settings(rules, caller="scenarios")
    b = r["builtin"]
    p = pnl_of(book, pnl, cost_model)
    model = p.model if p.model is not None else cost_model_from(cost_model, caller="scenarios")

    # what every scenario reads, once: the accounts' money a year and the service tiers
    acc = _accounts(book, p)
    scheme = settings("key_accounts")["service"]["scheme"]
    if tiers is None or getattr(tiers.scheme, "name", scheme) != scheme:
        from .segment import value_tiers

        tiers = value_tiers(book, scheme=scheme)

    def run(**lever: Any) -> Scenario:
        return _scenario(book, p, r, model, tiers=tiers, accounts=acc, **lever)

    made: dict[str, Scenario] = {
        "keep_churners": run(retention_points=b["retention_points"]),
        "change_price": run(price_change=b["price_change"], segment=b["price_segment"]),
        "drop_loss_makers": run(drop="loss_makers"),
    }
    moves = [
        s
        for src, dst in _tier_moves()
        for s in [run(move={"from": src, "to": dst, "accounts": b["move_accounts"]})]
        if s.table.loc["move_tier", "accounts_affected"] > 0
    ]
    notes: list[str] = []
    if moves:
        # the cheapest move: the one that leaves the most profit (a move down, as a rule)
        made["move_tier"] = max(
            moves, key=lambda s: s.change[0] if math.isfinite(s.change[0]) else -math.inf
        )
    else:
        notes.append(
            tr("No active key account is in a tier with an entitlement: no tier move is sized.")
        )
    rows = []
    for code, s in made.items():
        if code not in s.table.index:
            continue
        row = s.table.loc[code]
        rows.append({"scenario": code, **row.to_dict()})
    table = pd.DataFrame(rows, columns=["scenario", *_LEVER_COLUMNS]).set_index("scenario")
    table = table.sort_values("profit_change", ascending=False, na_position="last", kind="stable")
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    first = next(iter(made.values()))
    for s in made.values():
        notes += list(s.notes)
    return Scenarios(
        table,
        tuple(dict.fromkeys(notes)),
        currency=book.currency,
        scenarios=made,
        profit_now=first.profit_now,
    )
