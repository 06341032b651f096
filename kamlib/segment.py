"""Segmentation: value tiers, quantile tiers, and the value x loyalty grid.

Tier schemes are data (``config/tiers.yaml`` or the user's own dict/YAML). A tier holds
the accounts with ``lower <= monthly spend < upper``: the lower bound is inclusive, the
upper exclusive, the first tier is open below and the last open above, so every account
with a known spend lands in exactly one tier. Accounts whose spend is unknown are put in
no tier and counted as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._book import Book
from ._config import bundled, read_yaml
from ._errors import ConfigError

__all__ = [
    "TierScheme",
    "tier_scheme",
    "assign_tiers",
    "quantile_tiers",
    "Tiers",
    "value_tiers",
    "LOYALTY_RULES",
    "CARE_STRATEGY",
    "value_loyalty",
]


@dataclass(frozen=True)
class TierScheme:
    """Ordered tiers with upper bounds (the last has none) and English/Chinese labels."""

    name: str
    codes: tuple[str, ...]
    uppers: tuple[float, ...]  # len(codes) - 1 finite bounds, ascending
    en: tuple[str, ...]
    zh: tuple[str, ...]
    currency: str = "CNY"
    description: str = ""

    def labels(self, lang: str = "en") -> list[str]:
        return list(self.zh if lang == "zh" else self.en)

    def table(self) -> pd.DataFrame:
        lows = (-np.inf, *self.uppers)
        ups = (*self.uppers, np.inf)
        return pd.DataFrame(
            {"tier": self.en, "中文": self.zh, "from (incl.)": lows, "to (excl.)": ups},
            index=pd.Index(self.codes, name="code"),
        )


def tier_scheme(scheme: str | Path | dict = "beijing") -> TierScheme:
    """A tier scheme by bundled name ('beijing', 'key_account', 'stars'), YAML path or dict.

    A dict or YAML holds ``tiers:``, a list of ``{code, en, zh, upper}`` in ascending
    order, the last without ``upper``.

    Examples
    --------
    >>> import kamlib
    >>> kamlib.tier_scheme("beijing").codes[-1]
    'diamond'
    """
    if isinstance(scheme, str) and not scheme.endswith((".yaml", ".yml")):
        schemes = bundled("tiers.yaml")
        if scheme not in schemes:
            raise ConfigError(
                f"no tier scheme {scheme!r}; bundled: {', '.join(schemes)}; or pass a dict or YAML file"
            )
        spec, name = schemes[scheme], scheme
    else:
        spec = read_yaml(scheme, what="tier scheme")
        name = "custom" if isinstance(scheme, dict) else Path(scheme).stem
    tiers = spec.get("tiers")
    if not isinstance(tiers, list) or len(tiers) < 2:
        raise ConfigError(f"tier scheme {name}: needs `tiers:`, a list of at least two tiers")
    uppers = [t.get("upper") for t in tiers]
    if uppers[-1] is not None or any(u is None for u in uppers[:-1]):
        raise ConfigError(
            f"tier scheme {name}: every tier but the last needs `upper:`; the last has none"
        )
    if any(b <= a for a, b in zip(uppers[:-2], uppers[1:-1], strict=True)):
        raise ConfigError(f"tier scheme {name}: upper bounds must rise strictly: {uppers[:-1]}")
    codes = tuple(str(t.get("code") or t.get("en")) for t in tiers)
    return TierScheme(
        name,
        codes,
        tuple(float(u) for u in uppers[:-1]),
        tuple(str(t.get("en", c)) for t, c in zip(tiers, codes, strict=True)),
        tuple(str(t.get("zh", t.get("en", c))) for t, c in zip(tiers, codes, strict=True)),
        spec.get("currency", "CNY"),
        spec.get("description", ""),
    )


def assign_tiers(spend: pd.Series, scheme: TierScheme) -> pd.Series:
    """The tier code of each value: lower bound inclusive, upper exclusive; NaN -> NA."""
    idx = np.searchsorted(np.asarray(scheme.uppers), spend.to_numpy(dtype="float64"), side="right")
    codes = np.asarray(scheme.codes, dtype=object)[np.minimum(idx, len(scheme.codes) - 1)]
    out = pd.Series(
        pd.Categorical(codes, categories=list(scheme.codes), ordered=True), index=spend.index
    )
    return out.where(spend.notna())


def quantile_tiers(spend: pd.Series, *, kind: str = "abc") -> pd.Series:
    """Tiers by rank, for data in another currency or scale.

    ``kind="deciles"``: D1 (top 10% of spend) to D10. ``kind="abc"``: A = the accounts
    that make the top 80% of spend, B the next 15%, C the last 5% (the heavy, medium and
    light users). Ties share the rank of their first occurrence in descending order.
    """
    s = spend.dropna()
    order = s.sort_values(ascending=False, kind="stable")
    n = len(order)
    if kind == "deciles":
        labels = [f"D{i}" for i in range(1, 11)]
        pos = np.floor(np.arange(n) * 10 / max(n, 1)).astype(int)
        out = pd.Series(np.asarray(labels, dtype=object)[pos], index=order.index)
    elif kind == "abc":
        labels = ["A", "B", "C"]
        total = order.clip(lower=0).sum()
        before = (
            (order.clip(lower=0).cumsum() - order.clip(lower=0)) / total
            if total > 0
            else pd.Series(0.0, index=order.index)
        )
        out = pd.Series(
            np.where(before < 0.8, "A", np.where(before < 0.95, "B", "C")), index=order.index
        )
    else:
        raise ValueError(f"kind must be 'deciles' or 'abc', not {kind!r}")
    return pd.Series(
        pd.Categorical(out.reindex(spend.index), categories=labels, ordered=True), index=spend.index
    )


@dataclass
class Tiers:
    """Accounts per tier against their share of revenue."""

    assignment: pd.Series  # tier per account_id
    table: pd.DataFrame
    scheme: TierScheme | None
    unknown: int

    def summary(self) -> pd.DataFrame:
        return self.table

    def plot(self, *, ax=None, lang: str = "en"):
        import matplotlib.pyplot as plt

        ax = ax or plt.gca()
        t = self.table
        x = np.arange(len(t))
        ax.bar(x - 0.2, t["share of accounts"] * 100, width=0.4, label="accounts")
        ax.bar(x + 0.2, t["share of revenue"] * 100, width=0.4, label="revenue")
        ax.set_xticks(x, t["label_zh" if lang == "zh" else "label"], rotation=20)
        ax.set_ylabel("% of branch")
        ax.legend()
        ax.set_title("Value tiers: share of accounts vs share of revenue")
        return ax


def value_tiers(
    book: Book, *, scheme: str | Path | dict | None = "beijing", quantiles: str | None = None
) -> Tiers:
    """Value tiers by average monthly spend (``Book.monthly_revenue``).

    Use ``scheme`` for absolute bounds (CNY by default) or ``quantiles="abc"`` /
    ``"deciles"`` for rank tiers (any currency). Without revenue data the result is empty
    and says so in ``unknown``.

    Examples
    --------
    >>> import kamlib
    >>> t = kamlib.value_tiers(kamlib.load(kamlib.sample_path()).branch("Suzhou"))
    >>> round(float(t.table["share of accounts"].sum()), 6)
    1.0
    """
    spend = book.monthly_revenue()
    ids = book.accounts["account_id"].to_numpy()
    if spend is None:
        empty = pd.Series(pd.NA, index=ids, dtype="object")
        return Tiers(empty, pd.DataFrame(), None, len(ids))
    ts = None
    if quantiles:
        a = quantile_tiers(spend, kind=quantiles)
    else:
        ts = tier_scheme(scheme or "beijing")
        a = assign_tiers(spend, ts)
    known = a.notna()
    df = pd.DataFrame({"tier": a[known], "spend": spend[known]})
    g = df.groupby("tier", observed=False)["spend"]
    t = pd.DataFrame({"accounts": g.size(), "monthly revenue": g.sum()})
    t["share of accounts"] = t["accounts"] / max(int(known.sum()), 1)
    total = t["monthly revenue"].sum()
    t["share of revenue"] = t["monthly revenue"] / total if total > 0 else np.nan
    t["ARPU"] = t["monthly revenue"] / t["accounts"].where(t["accounts"] > 0)
    if ts is not None:
        t["label"], t["label_zh"] = list(ts.en), list(ts.zh)
    else:
        t["label"] = t["label_zh"] = [str(c) for c in t.index]
    return Tiers(a, t, ts, int((~known).sum()))


#: Loyalty rules (documented, overridable). Points from each signal present; the sum
#: over the signals available decides: >= 0.65 of the possible points -> loyal, >= 0.4 ->
#: potentially loyal, else drifting.
LOYALTY_RULES: dict[str, Any] = {
    "tenure_months": [(36, 2), (12, 1)],  # (at least, points)
    "contract": {"multi_year": 2, "two_year": 2, "one_year": 1, "monthly": 0, "none": 0},
    "satisfaction": [(4, 2), (3, 1)],
    "complaints_per_month": [(0.5, -1)],  # at least this many complaints: minus points
    "loyal": 0.65,
    "potentially_loyal": 0.4,
}
#: Value classes by rank of monthly spend: the ceil(20% n) largest high, up to ceil(50% n) medium.
VALUE_SHARES = {"high": 0.2, "medium": 0.3}

CARE_STRATEGY = {
    ("high", "loyal"): "Keep close: dedicated account manager, priority service (重点维系)",
    ("high", "potentially loyal"): "Lock in: longer contracts, tailored solutions",
    ("high", "drifting"): "Win back now: senior visit, fix service issues, retention offer",
    ("medium", "loyal"): "Grow: cross-sell and up-sell",
    ("medium", "potentially loyal"): "Nurture: bundles and loyalty benefits",
    ("medium", "drifting"): "Retain selectively: offers where margin allows",
    ("low", "loyal"): "Serve efficiently: self-service channels",
    ("low", "potentially loyal"): "Develop at low cost: usage stimulation",
    ("low", "drifting"): "Let go or reprice: no costly retention",
}


def value_loyalty(book: Book, *, rules: dict[str, Any] | None = None) -> dict[str, Any]:
    """The value x loyalty grid: accounts per cell, with each cell's care strategy.

    Value: high / medium / low by rank of monthly spend (``VALUE_SHARES``). Loyalty from
    the signals present (``LOYALTY_RULES``): tenure, contract, satisfaction, complaints.
    Returns ``{"accounts": per-account value and loyalty, "grid": counts,
    "strategy": the care strategy per cell, "signals": signals used}``.
    """
    r = {**LOYALTY_RULES, **(rules or {})}
    acc = book.accounts.set_index("account_id")
    spend = book.monthly_revenue()
    out = pd.DataFrame(index=acc.index)
    if spend is None:
        raise ConfigError(
            "the value x loyalty grid needs revenue (billing or accounts.total/monthly_revenue)"
        )
    rank = spend.reindex(acc.index).rank(ascending=False, method="first")
    n = int(rank.notna().sum())
    # the ceil(share x n) largest spenders, as for the top 20% in the profit analysis
    n_high = int(np.ceil(VALUE_SHARES["high"] * n))
    n_medium = int(np.ceil((VALUE_SHARES["high"] + VALUE_SHARES["medium"]) * n))
    out["value"] = np.where(rank <= n_high, "high", np.where(rank <= n_medium, "medium", "low"))
    out.loc[rank.isna(), "value"] = pd.NA
    points = pd.Series(0.0, index=acc.index)
    possible = 0.0
    used = []

    def steps(values: pd.Series, table: list[tuple[float, float]]) -> pd.Series:
        got = pd.Series(0.0, index=values.index)
        for threshold, pts in sorted(table, key=lambda t: -t[0]):
            got = got.where(got != 0, np.where(values >= threshold, pts, 0.0))
        return got

    if "tenure_months" in acc and acc["tenure_months"].notna().any():
        points += steps(acc["tenure_months"].fillna(0), r["tenure_months"])
        possible += max(p for _, p in r["tenure_months"])
        used.append("tenure")
    if "contract" in acc and acc["contract"].notna().any():
        points += acc["contract"].map(r["contract"]).fillna(0).astype(float)
        possible += max(r["contract"].values())
        used.append("contract")
    if "satisfaction" in acc and acc["satisfaction"].notna().any():
        points += steps(acc["satisfaction"].fillna(0), r["satisfaction"])
        possible += max(p for _, p in r["satisfaction"])
        used.append("satisfaction")
    if book.has("usage"):
        comp = (
            book.table("usage")
            .groupby("account_id")["complaints"]
            .mean()
            .reindex(acc.index)
            .fillna(0)
        )
        points += steps(comp, r["complaints_per_month"])
        used.append("complaints")
    if possible == 0:
        raise ConfigError(
            "no loyalty signal in the data (tenure, contract, satisfaction or complaints)"
        )
    score = points / possible
    out["loyalty"] = np.where(
        score >= r["loyal"],
        "loyal",
        np.where(score >= r["potentially_loyal"], "potentially loyal", "drifting"),
    )
    grid = pd.crosstab(out["value"], out["loyalty"]).reindex(
        index=["high", "medium", "low"],
        columns=["loyal", "potentially loyal", "drifting"],
        fill_value=0,
    )
    strategy = pd.DataFrame(
        {c: [CARE_STRATEGY[(v, c)] for v in grid.index] for c in grid.columns}, index=grid.index
    )
    return {"accounts": out, "grid": grid, "strategy": strategy, "signals": used}
