"""Segmentation: value tiers, customer types and importance, lifecycle, value x loyalty.

Tier schemes are data (``config/tiers.yaml`` or the user's own dict/YAML). A tier holds
the accounts with ``lower <= monthly spend < upper``: the lower bound is inclusive, the
upper exclusive, the first tier is open below and the last open above, so every account
with a known spend lands in exactly one tier. Accounts whose spend is unknown are put in
no tier and counted as such.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._book import Book
from ._charts import count_axis, share_axis, wrap
from ._errors import ConfigError
from ._format import count
from ._i18n import N_, current_language, language, ntr, tr
from ._labels import label
from ._result import Result, TableResult, axes, figures, nothing_to_draw
from ._settings import TierSchemeSpec, local_name, read_file, settings, unknown_key
from ._stats import names_list

__all__ = [
    "TierScheme",
    "tier_scheme",
    "assign_tiers",
    "quantile_tiers",
    "Tiers",
    "value_tiers",
    "segment_rules",
    "customer_types",
    "LIFECYCLE_STAGES",
    "lifecycle_stage",
    "ValueLoyalty",
    "value_loyalty",
    "SegmentMix",
    "segment_mix",
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

    def labels(self, lang: str | None = None) -> list[str]:
        """The tiers' names in ``lang`` (default: the current report language)."""
        lang = lang or current_language()
        return list(self.zh if lang == "zh" else self.en)

    def table(self) -> pd.DataFrame:
        """The tiers with their bounds (lower inclusive, upper exclusive), named in the
        current language."""
        lows = (-np.inf, *self.uppers)
        ups = (*self.uppers, np.inf)
        return pd.DataFrame(
            {"tier": self.labels(), "lower": lows, "upper": ups},
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
        schemes = settings("tiers")
        if scheme not in schemes:
            raise ConfigError(
                unknown_key("", scheme, list(schemes), kind="tier scheme")
                + "; or pass a dict or YAML file of your own"
            )
        spec, name = schemes[scheme], scheme
    else:
        # checked by its model: tiers ascending, every one but the last with `upper:`
        spec = read_file(scheme, TierSchemeSpec, what="tier scheme", caller="tier_scheme")
        spec = spec.model_dump()
        name = "custom" if isinstance(scheme, dict) else Path(scheme).stem
    tiers = spec["tiers"]
    codes = tuple(str(t["code"] if t["code"] is not None else t["en"]) for t in tiers)
    return TierScheme(
        name,
        codes,
        tuple(float(t["upper"]) for t in tiers[:-1]),
        tuple(str(t["en"] or c) for t, c in zip(tiers, codes, strict=True)),
        tuple(str(t["zh"] or t["en"] or c) for t, c in zip(tiers, codes, strict=True)),
        spec["currency"],
        spec["description"],
    )


def assign_tiers(spend: pd.Series, scheme: TierScheme) -> pd.Series:
    """The tier code of each value: lower bound inclusive, upper exclusive; NaN -> NA."""
    x = spend.to_numpy(dtype="float64")
    # how many upper bounds each value reaches (searchsorted's side="right"), as a few
    # compares: on millions of accounts a pass per bound beats a binary search per value
    idx = np.zeros(len(x), dtype=np.int16)
    for upper in scheme.uppers:
        np.add(idx, x >= upper, out=idx, casting="unsafe")
    # integer codes straight into a Categorical: no string per account (5M accounts: 20x)
    codes = np.where(np.isnan(x), -1, np.minimum(idx, len(scheme.codes) - 1))
    cat = pd.Categorical.from_codes(codes, categories=list(scheme.codes), ordered=True)
    return pd.Series(cat, index=spend.index)


def quantile_tiers(spend: pd.Series, *, kind: str = "abc") -> pd.Series:
    """Tiers by rank, for data in another currency or scale.

    ``kind="deciles"``: D1 (top 10% of spend) to D10. ``kind="abc"``: A = the accounts
    that make the top 80% of spend, B the next 15%, C the last 5% (the heavy, medium and
    light users). Equal values keep their table order in the descending ranking.
    """
    x = spend.to_numpy(dtype="float64")
    known = np.flatnonzero(~np.isnan(x))
    v = x[known]
    order = np.argsort(-v, kind="stable")  # positions among the known values, largest first
    n = len(order)
    if kind == "deciles":
        labels = [f"D{i}" for i in range(1, 11)]  # codes; rank_names() has the words
        ranked = np.floor(np.arange(n) * 10 / max(n, 1)).astype(np.int8)
    elif kind == "abc":
        labels = ["A", "B", "C"]
        pos = np.clip(v[order], 0, None)
        total = pos.sum()
        before = (np.cumsum(pos) - pos) / total if total > 0 else np.zeros(n)
        ranked = np.where(before < 0.8, 0, np.where(before < 0.95, 1, 2)).astype(np.int8)
    else:
        raise ValueError(f"kind must be 'deciles' or 'abc', not {kind!r}")
    codes = np.full(len(x), -1, dtype=np.int8)
    codes[known[order]] = ranked
    cat = pd.Categorical.from_codes(codes, categories=labels, ordered=True)
    return pd.Series(cat, index=spend.index)


@dataclass(repr=False, eq=False)
class Tiers(Result):
    """Accounts per value tier against their share of revenue (:func:`value_tiers`).

    ``table``: one row per tier (low to high) with ``accounts``, ``monthly_revenue``,
    ``share_of_accounts``, ``share_of_revenue``, ``arpu`` and the tier's ``label`` and
    ``label_zh``; ``assignment``: the tier of each account (index: account_id, NA where
    spend is unknown).
    """

    assignment: pd.Series
    table: pd.DataFrame
    scheme: TierScheme | None
    unknown: int
    notes: tuple[str, ...] = ()

    def summary(self) -> pd.DataFrame:
        """Accounts, and the top tier held (the one with the highest ARPU: the last of an
        absolute scheme, the first of a rank scheme) with its shares."""
        t = self.table
        held = t[t["accounts"] > 0] if len(t) else t
        top = held.loc[held["arpu"].astype(float).idxmax()] if len(held) else None
        return figures(
            {
                "accounts": int(t["accounts"].sum()) if len(t) else 0,
                "accounts_unknown_spend": self.unknown,
                "tiers": len(t),
                "top_tier": str(top.name) if top is not None else None,
                "top_tier_share_of_accounts": top["share_of_accounts"]
                if top is not None
                else np.nan,
                "top_tier_share_of_revenue": top["share_of_revenue"] if top is not None else np.nan,
            }
        )

    def plot(self, *, ax=None):
        """Share of accounts beside share of revenue per tier (tier names in the current
        language); returns the Axes."""
        ax = axes(ax)
        t = self.table
        if t.empty:
            return nothing_to_draw(ax, self.notes[0] if self.notes else tr("No tiers."))
        x = np.arange(len(t))
        ax.bar(x - 0.2, t["share_of_accounts"], width=0.4, label=tr("Share of accounts"))
        ax.bar(x + 0.2, t["share_of_revenue"], width=0.4, label=tr("Share of revenue"))
        names = t["label_zh" if current_language() == "zh" else "label"]
        ax.set_xticks(x, [wrap(n, 14) for n in names])
        share_axis(ax, axis="y")
        ax.set_ylabel(tr("Share of the branch"))
        ax.legend()
        return ax


#: Tier schemes by rank of spend (any currency), as opposed to the absolute bounds of tiers.yaml.
RANK_SCHEMES = ("abc", "deciles")
#: The tier scheme by rank of predicted value (residual CLV, kamlib.customer_value).
CLV_SCHEME = "clv"
#: tier schemes that another module builds on a Book, by name: kamlib.customer_value
#: registers the "clv" scheme when it is imported (it builds on this module's Tiers, so
#: this module cannot import it)
SCHEME_BUILDERS: dict[str, Any] = {}

#: the names of the ABC rank tiers (heavy, medium and light spenders)
_ABC_NAMES = {
    "A": N_("A (top 80% of spend)"),
    "B": N_("B (next 15% of spend)"),
    "C": N_("C (last 5% of spend)"),
}


def rank_names(codes: list[str]) -> list[str]:
    """The words for rank-tier codes in the current language: "A" -> "A (top 80% of
    spend)", "D3" -> "D3" (zh "第3档"); other codes as they are.

    Examples
    --------
    >>> rank_names(["A", "D10", "x"])
    ['A (top 80% of spend)', 'D10', 'x']
    """
    out = []
    for c in codes:
        if c in _ABC_NAMES:
            out.append(tr(_ABC_NAMES[c]))
        elif c[:1] == "D" and c[1:].isdigit():
            out.append(tr("D{n}", n=c[1:]))
        else:
            out.append(c)
    return out


def value_tiers(book: Book, *, scheme: str | Path | dict | None = None) -> Tiers:
    """Value tiers by average monthly spend (``Book.monthly_revenue``).

    ``scheme`` names absolute bounds (``beijing``, ``key_account``, ``stars``, a YAML
    path or a dict; CNY) or rank tiers (``abc``, ``deciles``; any currency). By default
    the Beijing scheme for data in CNY, ABC ranks otherwise: CNY bounds say nothing about
    other money. Without revenue data the result is empty and says so in ``notes``.
    ``scheme="clv"`` ranks accounts by predicted value instead of spend (ABC shares of
    the residual value of :func:`kamlib.customer_value.clv`, settings ``clv.yaml: tiers``;
    see :func:`kamlib.customer_value.clv_tiers`).

    Examples
    --------
    >>> import kamlib
    >>> t = kamlib.value_tiers(kamlib.load(kamlib.sample_path()).branch("Suzhou"))
    >>> round(float(t.table["share_of_accounts"].sum()), 6)
    1.0
    """
    if isinstance(scheme, str) and scheme in SCHEME_BUILDERS:
        return SCHEME_BUILDERS[scheme](book)
    spend = book.monthly_revenue()
    if spend is None:
        empty = pd.Series(pd.NA, index=pd.Index(book.accounts["account_id"]), dtype="object")
        return Tiers(
            empty,
            pd.DataFrame(columns=_TIER_COLUMNS),
            None,
            len(empty),
            (tr("no revenue in the data: value tiers cannot be drawn"),),
        )
    if scheme is None:
        scheme = "beijing" if book.currency == "CNY" else "abc"
    ts = None
    if isinstance(scheme, str) and scheme in RANK_SCHEMES:
        a = quantile_tiers(spend, kind=scheme)
    else:
        ts = tier_scheme(scheme)
        a = assign_tiers(spend, ts)
    known = a.notna().to_numpy()
    # by position: labelled selection would hash millions of account ids
    df = pd.DataFrame({"tier": a.array[known], "spend": spend.to_numpy()[known]})
    g = df.groupby("tier", observed=False)["spend"]
    t = pd.DataFrame({"accounts": g.size(), "monthly_revenue": g.sum()})
    t["share_of_accounts"] = t["accounts"] / max(int(known.sum()), 1)
    total = t["monthly_revenue"].sum()
    t["share_of_revenue"] = t["monthly_revenue"] / total if total > 0 else np.nan
    t["arpu"] = t["monthly_revenue"] / t["accounts"].where(t["accounts"] > 0)
    # ``label``: the tier's name in the report's language; ``label_zh`` stays for readers
    # of the Chinese name whatever the language (the report picks ``label``)
    if ts is not None:
        t["label"], t["label_zh"] = ts.labels(), list(ts.zh)
    else:
        t["label"] = rank_names([str(c) for c in t.index])
        with language("zh"):
            t["label_zh"] = rank_names([str(c) for c in t.index])
    unknown = int((~known).sum())
    notes = (
        (
            ntr(
                "{n} account without known spend is in no tier",
                "{n} accounts without known spend are in no tier",
                unknown,
                n=count(unknown),
            ),
        )
        if unknown
        else ()
    )
    return Tiers(a, t, ts, unknown, notes)


_TIER_COLUMNS = [
    "accounts",
    "monthly_revenue",
    "share_of_accounts",
    "share_of_revenue",
    "arpu",
    "label",
    "label_zh",
]


def segment_rules(rules: str | Path | dict | None = None) -> dict[str, Any]:
    """The segmentation rules: ``config/segments.yaml`` with the user's keys merged over.

    ``rules`` is a YAML path or a dict holding only the keys to change, e.g.
    ``{"lifecycle": {"new_months": 6}}``: each section given changes only the keys it
    names. An unknown key or a value of the wrong type is a ConfigError naming it.

    Examples
    --------
    >>> import kamlib
    >>> kamlib.segment_rules({"lifecycle": {"new_months": 6}})["lifecycle"]["new_months"]
    6
    """
    return settings("segments", rules, caller="segment_rules")


def _spend(book: Book) -> pd.Series:
    s = book.monthly_revenue()  # already in the order of accounts
    return s if s is not None else pd.Series(np.nan, index=pd.Index(book.accounts["account_id"]))


def per_account_mean(book: Book, table: str, column: str) -> pd.Series:
    """Mean per month of a usage/costs column per account (NaN where absent)."""
    ids = book.accounts["account_id"].to_numpy()
    if not book.has(table) or column not in book.table(table):
        return pd.Series(np.nan, index=ids)
    # every numeric column's means in one grouping, once per book: the tiers, customer
    # types, lifecycle, value x loyalty and needs each asked for a column of usage
    means = book.memo(
        ("per_account_mean", table),
        lambda: book.table(table).groupby("account_id").mean(numeric_only=True),
    )
    if column in means:
        return means[column].reindex(ids)
    return book.table(table).groupby("account_id")[column].mean().reindex(ids)


class CustomerTypes(TableResult):
    """Customer type and importance per account (:func:`customer_types`).

    ``table``: index account_id; ``customer_type``, ``type_source`` (data, rule or
    unknown), ``important``, ``importance`` (key accounts: important, super, ordinary or
    below) and ``importance_source``.
    """

    def counts(self) -> pd.DataFrame:
        """Accounts per customer type and importance level (missing levels kept)."""
        return (
            self.table.groupby(["customer_type", "importance"], dropna=False)
            .size()
            .rename("accounts")
            .to_frame()
        )

    def summary(self) -> pd.DataFrame:
        t = self.table
        return figures(
            {
                "accounts": len(t),
                "key_accounts": int((t["customer_type"] == "key_account").sum()),
                "important_accounts": int(t["important"].sum()),
                "business_accounts": int((t["customer_type"] == "business").sum()),
                "residential_accounts": int((t["customer_type"] == "residential").sum()),
                "accounts_type_unknown": int(t["customer_type"].isna().sum()),
            }
        )

    def plot(self, *, ax=None):
        """Accounts per customer type and importance level; returns the Axes."""
        ax = axes(ax)
        c = self.counts()
        if c.empty:
            return nothing_to_draw(ax, tr("No accounts."))
        labels = [
            tr("{type} / {level}", type=label(str(kind)), level=label(str(level)))
            if pd.notna(level)
            else label(str(kind))
            for kind, level in c.index
        ]
        ax.barh(range(len(c)), c["accounts"].to_numpy(), color="#4c72b0")
        ax.set_yticks(range(len(c)), labels)
        ax.invert_yaxis()
        count_axis(ax, axis="x")
        ax.set_xlabel(label("accounts"))
        return ax


def customer_types(book: Book, *, rules: str | Path | dict | None = None) -> CustomerTypes:
    """Customer type and importance per account, from the data or from documented rules.

    Type: ``accounts.customer_type`` where given (``type_source="data"``); otherwise the
    first matching rule of ``segments.yaml: customer_type``: monthly spend at or above
    ``key_account_min_spend`` -> key account; an industry, a parent company or at least
    ``business_min_lines`` lines -> business; else residential (``type_source="rule"``).
    With no spend and no attribute the type stays unknown (NA).

    Importance (key accounts only): ``accounts.important`` where given; otherwise
    important if the industry or a name keyword is listed in ``importance``, or the id is
    in ``fortune500_ids``. General key accounts are then ``ordinary`` (3-10k/month) or
    ``super`` (> 10k) by spend, ``below`` under the ordinary threshold.

    Examples
    --------
    >>> import kamlib
    >>> t = kamlib.customer_types(kamlib.load(kamlib.sample_path()).branch("Suzhou"))
    >>> sorted(t.table["customer_type"].dropna().unique())
    ['business', 'key_account', 'residential']
    """
    r = settings("segments", rules, caller="customer_types")
    ct, imp = r["customer_type"], r["importance"]
    acc = book.accounts.set_index("account_id")
    spend = _spend(book)
    given = (
        acc["customer_type"].astype("object")
        if "customer_type" in acc
        else pd.Series(pd.NA, index=acc.index, dtype="object")
    )
    industry = acc.get("industry", pd.Series(pd.NA, index=acc.index)).astype("object")
    has = industry.notna() & bool(ct["business_if_industry"])
    if ct["business_if_parent"] and "parent_id" in acc:
        has |= acc["parent_id"].notna()
    lines = per_account_mean(book, "usage", "lines")
    has |= lines.fillna(0).to_numpy() >= ct["business_min_lines"]
    known_any = (spend.notna().to_numpy() & (book.currency == ct.get("currency", "CNY"))) | (
        has.to_numpy()
    )
    notes = []
    by_spend = spend.to_numpy() >= ct["key_account_min_spend"]
    if book.currency != ct.get("currency", "CNY"):
        # thresholds in CNY say nothing about spend in another currency
        by_spend[:] = False
        notes.append(
            tr(
                "spend thresholds are in {threshold_currency} and the data in {currency}: "
                "types and key-account levels are not set from spend",
                threshold_currency=ct.get("currency", "CNY"),
                currency=book.currency,
            )
        )
    ruled = np.select(
        [by_spend, has.to_numpy()],
        ["key_account", "business"],
        "residential",
    ).astype(object)
    ruled[~known_any] = pd.NA
    out = pd.DataFrame(index=acc.index)
    out["customer_type"] = given.where(given.notna(), ruled)
    out["type_source"] = np.where(given.notna(), "data", np.where(known_any, "rule", "unknown"))
    key = (out["customer_type"] == "key_account").to_numpy()
    if "important" in acc and acc["important"].notna().any():
        important = acc["important"].fillna(False).astype(bool).to_numpy()
        src = "data"
    else:
        important = industry.isin(imp["industries"]).to_numpy().copy()
        if "name" in acc and imp["name_keywords"]:
            pat = "|".join(map(re.escape, imp["name_keywords"]))
            important |= acc["name"].astype("string").str.contains(pat, na=False).to_numpy()
        important |= acc.index.isin([str(i) for i in imp["fortune500_ids"]])
        src = "rule"
    out["important"] = important & key
    s = spend.to_numpy()
    level = np.select(
        [s >= imp["super_min_spend"], s >= imp["ordinary_min_spend"]],
        ["super", "ordinary"],
        "below",
    ).astype(object)
    level[np.isnan(s) | bool(notes)] = pd.NA
    importance = pd.Series(level, index=out.index).where(~out["important"], "important")
    out["importance"] = importance.where(key, None)
    out["importance_source"] = pd.Series(src, index=out.index).where(key, None)
    out.index.name = "account_id"
    return CustomerTypes(out, notes)


LIFECYCLE_STAGES = ("new", "growing", "mature", "at risk", "declining", "churned")

#: the signals of the lifecycle and loyalty rules (codes in ``signals``) in words
_SIGNALS = {
    "tenure": N_("tenure"),
    "revenue trend": N_("revenue trend"),
    "complaints": N_("complaints"),
    "contract end": N_("contract end"),
}


class LifecycleStages(TableResult):
    """Lifecycle stage per account (:func:`lifecycle_stage`).

    ``table``: index account_id; ``stage`` (ordered as :data:`LIFECYCLE_STAGES`) and the
    signals behind it; ``signals``: which signals the data had.
    """

    def __init__(self, table: pd.DataFrame, notes: tuple[str, ...] = (), signals=()):
        super().__init__(table, notes)
        self.signals = tuple(signals)

    def counts(self) -> pd.DataFrame:
        """Accounts per stage, in lifecycle order."""
        return self.table["stage"].value_counts(sort=False).rename("accounts").to_frame()

    def summary(self) -> pd.DataFrame:
        c = self.counts()["accounts"]
        return figures(
            {
                "accounts": len(self.table),
                **{f"stage_{k.replace(' ', '_')}": int(v) for k, v in c.items()},
            }
        )

    def plot(self, *, ax=None):
        """Accounts per lifecycle stage; returns the Axes."""
        ax = axes(ax)
        c = self.counts()
        ax.bar(range(len(c)), c["accounts"].to_numpy(), color="#4c72b0")
        ax.set_xticks(range(len(c)), [wrap(label(str(i)), 12) for i in c.index])
        count_axis(ax, axis="y")
        ax.set_ylabel(label("accounts"))
        return ax


def lifecycle_stage(book: Book, *, rules: str | Path | dict | None = None) -> LifecycleStages:
    """Lifecycle stage per account from tenure, contract end, revenue trend and complaints.

    The rules of ``segments.yaml: lifecycle``, first match wins: churned; new (tenure
    under ``new_months``); at risk (contract ends within ``renewal_window_months`` of the
    book's as-of date and the account is declining or complaining); declining (trend at
    or below ``-trend_per_month``, or complaints per month at least
    ``complaints_per_month``); growing (trend at or above ``trend_per_month``); mature.
    A signal absent from the data never fires; ``signals`` in the result says which were
    used.

    Examples
    --------
    >>> import kamlib
    >>> s = kamlib.lifecycle_stage(kamlib.load(kamlib.sample_path()).branch("Suzhou"))
    >>> set(s.table["stage"]) <= set(kamlib.segment.LIFECYCLE_STAGES)
    True
    """
    r = settings("segments", rules, caller="lifecycle_stage")["lifecycle"]
    acc = book.accounts.set_index("account_id")
    n = len(acc)
    signals = []
    tenure = acc.get("tenure_months", pd.Series(np.nan, index=acc.index)).to_numpy(dtype=float)
    if np.isfinite(tenure).any():
        signals.append("tenure")
    trend_s = book.revenue_trend()
    trend = (
        trend_s.reindex(acc.index).to_numpy(dtype=float)
        if trend_s is not None
        else np.full(n, np.nan)
    )
    if np.isfinite(trend).any():
        signals.append("revenue trend")
    comp = per_account_mean(book, "usage", "complaints").to_numpy(dtype=float)
    if np.isfinite(comp).any():
        signals.append("complaints")
    ends_soon = np.zeros(n, dtype=bool)
    if "contract_end" in acc and acc["contract_end"].notna().any() and book.as_of is not None:
        left = (acc["contract_end"] - book.as_of).dt.days.to_numpy(dtype=float) / 30.44
        ends_soon = (left >= 0) & (left <= r["renewal_window_months"])
        signals.append("contract end")
    with np.errstate(invalid="ignore"):
        declining = (trend <= -r["trend_per_month"]) | (comp >= r["complaints_per_month"])
        growing = trend >= r["trend_per_month"]
        new = tenure < r["new_months"]
    churned = (acc["status"] == "churned").to_numpy()
    stage = np.select(
        [churned, new, ends_soon & declining, declining, growing],
        ["churned", "new", "at risk", "declining", "growing"],
        "mature",
    )
    out = pd.DataFrame(
        {
            "stage": pd.Categorical(stage, categories=list(LIFECYCLE_STAGES)),
            "tenure_months": tenure,
            "revenue_trend": trend,
            "complaints_per_month": comp,
            "contract_ends_soon": ends_soon,
        },
        index=acc.index,
    )
    lacking = [x for x in _SIGNALS if x not in signals]
    notes = (
        (
            tr(
                "the data lack {signals}: those signals never fire (no account is new, "
                "growing, declining or at risk on their account)",
                signals=names_list([tr(_SIGNALS[x]) for x in lacking]),
            ),
        )
        if lacking
        else ()
    )
    return LifecycleStages(out, notes, signals)


VALUES = ("high", "medium", "low")
LOYALTIES = ("loyal", "potentially loyal", "drifting")


def _care_strategy(care: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """segments.yaml's care_strategy as a value x loyalty table of the grid's labels, each
    strategy in the report's language (``en:``/``zh:`` in the settings; a plain text of
    the user's own is shown as written)."""
    return pd.DataFrame(
        {c: [local_name(care[v][c.replace(" ", "_")]) for v in VALUES] for c in LOYALTIES},
        index=pd.Index(list(VALUES), name="value"),
    )


@dataclass(repr=False, eq=False)
class ValueLoyalty(Result):
    """The value x loyalty grid (result of :func:`value_loyalty`).

    ``table``: one row per cell (``value``, ``loyalty``) with ``accounts``, ``share`` of
    accounts and the cell's ``care_strategy``; ``accounts``: value, loyalty score and
    loyalty per account; ``grid``: accounts per cell (value rows x loyalty columns);
    ``strategy``: the care strategy per cell in the same shape; ``signals``: the loyalty
    signals found in the data.
    """

    accounts: pd.DataFrame
    grid: pd.DataFrame
    strategy: pd.DataFrame
    signals: list[str]
    notes: tuple[str, ...] = ()
    #: False when loyalty cannot be told apart (tenure alone puts every active account in
    #: one loyalty column): the grid is then no ground for a "win them back" headline
    separates: bool = True

    @property
    def table(self) -> pd.DataFrame:  # type: ignore[override]
        long = self.grid.stack().rename("accounts").reset_index()
        total = max(int(long["accounts"].sum()), 1)
        long["share"] = long["accounts"] / total
        long["care_strategy"] = [
            self.strategy.loc[v, c] for v, c in zip(long["value"], long["loyalty"], strict=True)
        ]
        return long

    def summary(self) -> pd.DataFrame:
        g = self.grid
        return figures(
            {
                "accounts": int(g.to_numpy().sum()),
                "high_value_loyal": int(g.loc["high", "loyal"]),
                "high_value_drifting": int(g.loc["high", "drifting"]),
                "low_value_drifting": int(g.loc["low", "drifting"]),
            }
        )

    def plot(self, *, ax=None):
        """Heatmap of accounts per cell; returns the Axes."""
        import seaborn as sns

        ax = axes(ax)
        if not self.signals:
            return nothing_to_draw(ax, self.notes[0] if self.notes else tr("No loyalty signal."))
        grid = self.grid.rename(index=label, columns=label)  # a copy: the grid stays in codes
        sns.heatmap(grid, annot=True, fmt="d", cmap="Blues", cbar=False, ax=ax)
        ax.tick_params(axis="y", rotation=0)
        ax.set_xlabel(label("loyalty"))
        ax.set_ylabel(label("value_class"))
        return ax


def _steps(values: pd.Series, steps: list[dict[str, float]]) -> pd.Series:
    """Points for the highest ``at_least`` reached (steps tried from the top)."""
    got = pd.Series(0.0, index=values.index)
    hit = pd.Series(False, index=values.index)
    for step in sorted(steps, key=lambda s: -s["at_least"]):
        now = ~hit & (values >= step["at_least"])
        got = got.where(~now, float(step["points"]))
        hit |= now
    return got


def value_loyalty(book: Book, *, rules: str | Path | dict | None = None) -> ValueLoyalty:
    """The value x loyalty grid, with the care strategy of each cell.

    Value: high / medium / low by rank of monthly spend (``segments.yaml: value``).
    Loyalty from the signals present (``segments.yaml: loyalty``): tenure, contract,
    satisfaction, complaints, revenue trend; the care strategy of each cell is
    ``segments.yaml: care_strategy``. ``rules`` overrides them like every segmentation
    rule (e.g. ``{"loyalty": {"loyal": 0.7}}``). Accounts without known spend get no
    value class and stay out of the grid.

    Examples
    --------
    >>> import kamlib
    >>> vl = kamlib.value_loyalty(kamlib.load(kamlib.sample_path()).branch("Suzhou"))
    >>> list(vl.grid.index)
    ['high', 'medium', 'low']
    """
    rules_all = settings("segments", rules, caller="value_loyalty")
    r, shares = rules_all["loyalty"], rules_all["value"]
    strategy = _care_strategy(rules_all["care_strategy"])
    acc = book.accounts.set_index("account_id")
    spend = book.monthly_revenue()
    if acc.empty or spend is None:  # an empty grid that says why, not an error
        why = tr("no accounts") if acc.empty else tr("no revenue in the data: no value classes")
        return _empty_grid(why, strategy)
    out = pd.DataFrame(index=acc.index)
    # churned accounts have left: they are neither loyal nor drifting, and the value
    # classes rank the accounts that can still be kept
    gone = (acc["status"] == "churned") if "status" in acc else pd.Series(False, index=acc.index)
    rank = spend.reindex(acc.index).where(~gone).rank(ascending=False, method="first")
    n = int(rank.notna().sum())
    # the ceil(share x n) largest spenders, as for the top 20% in the profit analysis
    n_high = int(np.ceil(shares["high"] * n))
    n_medium = int(np.ceil((shares["high"] + shares["medium"]) * n))
    value = np.where(rank <= n_high, "high", np.where(rank <= n_medium, "medium", "low"))
    out["value"] = pd.Series(value, index=acc.index).where(rank.notna())
    points = pd.Series(0.0, index=acc.index)
    possible = 0.0
    used = []
    if "tenure_months" in acc and acc["tenure_months"].notna().any():
        points += _steps(acc["tenure_months"].fillna(0), r["tenure_months"])
        possible += max(s["points"] for s in r["tenure_months"])
        used.append("tenure")
    if "contract" in acc and acc["contract"].notna().any():
        points += acc["contract"].astype("object").map(r["contract"]).fillna(0).astype(float)
        possible += max(r["contract"].values())
        used.append("contract")
    if "satisfaction" in acc and acc["satisfaction"].notna().any():
        points += _steps(acc["satisfaction"].fillna(0), r["satisfaction"])
        possible += max(s["points"] for s in r["satisfaction"])
        used.append("satisfaction")
    comp = per_account_mean(book, "usage", "complaints").set_axis(acc.index)
    if comp.notna().any():
        points += _steps(comp.fillna(0), r["complaints_per_month"])
        used.append("complaints")
    trend = book.revenue_trend()
    if trend is not None and trend.notna().any():
        points += _steps(-trend.set_axis(acc.index).fillna(0), r["revenue_fall_per_month"])
        used.append("revenue trend")
    if possible == 0:
        return _empty_grid(
            tr(
                "no loyalty signal in the data (tenure, contract or satisfaction): the value x "
                "loyalty grid cannot be drawn"
            ),
            strategy,
        )
    score = points / possible
    out["loyalty_score"] = score
    out["loyalty"] = np.where(
        score >= r["loyal"],
        "loyal",
        np.where(score >= r["potentially_loyal"], "potentially loyal", "drifting"),
    )
    known = out["value"].notna()
    grid = (
        out.loc[known]
        .groupby(["value", "loyalty"])
        .size()
        .unstack(fill_value=0)
        .reindex(index=list(VALUES), columns=list(LOYALTIES), fill_value=0)
        .astype(int)
    )
    grid.index.name, grid.columns.name = "value", "loyalty"
    notes: list[str] = []
    n_gone = int(gone.sum())
    if n_gone:
        notes.append(
            ntr(
                "{n} churned account is left out of the grid: it has already left.",
                "{n} churned accounts are left out of the grid: they have already left.",
                n_gone,
                n=count(n_gone),
            )
        )
    # tenure alone, with every active account in one loyalty column, tells nobody apart:
    # on young accounts "drifting" would only mean "new"
    separates = not (used == ["tenure"] and int((grid.sum() > 0).sum()) <= 1)
    if not separates:
        notes.append(
            tr(
                "Loyalty cannot be told apart: the only loyalty signal is tenure, and it puts "
                "every active account in the same loyalty column."
            )
        )
    return ValueLoyalty(out, grid, strategy, used, tuple(notes), separates)


def _empty_grid(why: str, strategy: pd.DataFrame) -> ValueLoyalty:
    grid = pd.DataFrame(
        0,
        index=pd.Index(list(VALUES), name="value"),
        columns=pd.Index(list(LOYALTIES), name="loyalty"),
    )
    accounts = pd.DataFrame(columns=["value", "loyalty_score", "loyalty"])
    return ValueLoyalty(accounts, grid, strategy, [], (why,))


# -- comparing branches -------------------------------------------------------------------


@dataclass(repr=False, eq=False)
class SegmentMix(Result):
    """Accounts per group (e.g. branch) and segment, and whether the mixes really differ.

    ``table`` holds counts (rows: groups, columns: segments, plus ``accounts``);
    ``shares`` the share of each row's accounts, NaN for rows with fewer than
    ``segments.yaml: mix.min_accounts`` accounts (their counts are still in ``table``);
    ``revenue`` the monthly revenue per cell when the data has revenue; ``test`` a
    chi-square test of the counts with the cells that stand out.
    """

    table: pd.DataFrame
    shares: pd.DataFrame
    revenue: pd.DataFrame | None
    test: Any
    by: str
    min_accounts: int = 30

    @property
    def notes(self) -> tuple[str, ...]:  # type: ignore[override]
        small = int(self.shares.isna().all(axis=1).sum()) if len(self.shares) else 0
        own = (
            (
                ntr(
                    "{n} of {total} group has fewer than {min} accounts: counts only, no shares",
                    "{n} of {total} groups have fewer than {min} accounts: counts only, no shares",
                    small,
                    n=count(small),
                    total=count(len(self.shares)),
                    min=count(self.min_accounts),
                ),
            )
            if small
            else ()
        )
        return own + tuple(self.test.notes)

    def shares_table(self) -> pd.DataFrame:
        """Shares per group (NaN where too small) with the account count first."""
        out = self.shares.copy()
        out.insert(0, "accounts", self.table["accounts"])
        return out

    def summary(self) -> pd.DataFrame:
        return figures(
            {
                "groups": len(self.table),
                "accounts": int(self.table["accounts"].sum()) if len(self.table) else 0,
                "segments": self.shares.shape[1],
                **self.test.summary()["value"].to_dict(),
            }
        )

    def plot(self, *, ax=None):
        """Stacked bars of each group's segment mix; groups too small for shares are
        drawn empty with their count. Returns the Axes."""
        import matplotlib.pyplot as plt

        ax = axes(ax)
        if self.table.empty:
            return nothing_to_draw(ax, tr("No accounts with a segment."))
        s = self.shares.fillna(0.0)
        y = np.arange(len(s))
        left = np.zeros(len(s))
        colors = plt.get_cmap("tab10")
        for i, seg in enumerate(s.columns):
            ax.barh(y, s[seg], left=left, color=colors(i % 10), label=label(str(seg)))
            left += s[seg].to_numpy()
        small = self.shares.isna().all(axis=1).to_numpy()
        for yi in y[small]:
            n = int(self.table["accounts"].iloc[yi])
            too_few = ntr("{n} account: too few for shares", "{n} accounts: too few for shares", n)
            ax.text(0.01, yi, too_few, va="center", fontsize=8)
        ax.set_yticks(y, [label(str(i)) for i in s.index])
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        share_axis(ax, axis="x")
        ax.set_xlabel(label("share_of_accounts"))
        ax.set_ylabel(label(self.by))
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
        return ax


def segment_mix(
    book: Book,
    segments: pd.Series | str,
    *,
    by: str = "branch",
    min_accounts: int | None = None,
    alpha: float | None = None,
) -> SegmentMix:
    """Compare the segment mix across branches (or any other account column).

    Parameters
    ----------
    segments
        Segment per account (a Series indexed by account_id, e.g. tiers or needs
        segments), or the name of an accounts column such as ``customer_type``.
    by
        The accounts column to compare; ``branch`` by default.
    min_accounts
        Groups smaller than this get counts, no shares, and stay out of the test
        (default: ``segments.yaml: mix.min_accounts``).
    alpha
        Significance level of the test that the mixes differ (default:
        ``segments.yaml: mix.alpha``); the test is the one of
        :func:`~kamlib.cause_association` (permutation p-value when a cell expects fewer
        than 5 accounts, Holm-adjusted stand-out cells only when the mixes differ).

    Examples
    --------
    >>> import kamlib
    >>> b = kamlib.load(kamlib.sample_path())
    >>> mix = kamlib.segment_mix(b, "customer_type")
    >>> int(mix.table["accounts"].sum()) == len(b.accounts)
    True
    """
    from ._stats import association_test

    rules = settings("segments")["mix"]
    min_accounts = rules["min_accounts"] if min_accounts is None else min_accounts
    alpha = rules["alpha"] if alpha is None else alpha
    acc = book.accounts.set_index("account_id")
    if by not in acc:
        raise ConfigError(f"segment_mix: the accounts table has no column {by!r}")
    if isinstance(segments, str):
        if segments not in acc:
            raise ConfigError(f"segment_mix: the accounts table has no column {segments!r}")
        seg = acc[segments]
    else:
        seg = segments.reindex(acc.index)
    frame = pd.DataFrame({"group": acc[by].astype("object"), "segment": seg.astype("object")})
    frame = frame.dropna()
    counts = frame.groupby(["group", "segment"]).size().unstack(fill_value=0)
    if isinstance(seg.dtype, pd.CategoricalDtype):  # tiers keep their order, low to high
        counts = counts[[c for c in seg.cat.categories if c in counts.columns]]
    counts.index.name, counts.columns.name = by, "segment"
    n = counts.sum(axis=1)
    shares = counts.div(n.where(n >= min_accounts), axis=0)
    revenue = None
    spend = book.monthly_revenue()
    if spend is not None:
        frame["revenue"] = spend.reindex(frame.index)
        revenue = frame.groupby(["group", "segment"])["revenue"].sum().unstack(fill_value=0.0)
        revenue = revenue.reindex(index=counts.index, columns=counts.columns)
    # groups too small for shares stay out of the test too (counted in its notes)
    small = n < min_accounts
    test = association_test(
        counts.loc[~small].T,
        min_count=min_accounts,
        alpha=alpha,
        subject=tr("Segment mix by {by}", by=label(by).lower()),
        unit=tr("accounts"),
        names=(tr("segment"), label(by)),
    )
    if small.any():
        test = replace(
            test,
            left_out=int(n[small].sum()),
            left_out_why=ntr(
                "{n} group with fewer than {min} accounts",
                "{n} groups with fewer than {min} accounts",
                int(small.sum()),
                n=count(int(small.sum())),
                min=count(min_accounts),
            ),
        )
    table = counts.copy()
    table["accounts"] = n
    return SegmentMix(table, shares, revenue, test, by, int(min_accounts))
