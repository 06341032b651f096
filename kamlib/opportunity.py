"""Segment profiles, segment targets and the opportunity priority matrix (优先排序).

Every function takes a segmentation as a Series indexed by account_id (needs-based
segments, value tiers, customer types...), so the same tables work for any scheme. The
rules that size and weigh opportunities are in ``config/segments.yaml: opportunities``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._book import Book, lookup
from ._charts import money_axis, share_axis
from ._errors import ConfigError
from ._format import count, money, share
from ._i18n import N_, ntr, tr
from ._labels import LABELS, label
from ._result import Result, TableResult, axes, figures, nothing_to_draw
from ._settings import EstimateRow, EstimatesFile, MarketSizes, read_file, settings, unknown_key
from ._stats import names_list
from .profit import PnL

__all__ = [
    "SegmentProfile",
    "segment_profile",
    "SegmentTargets",
    "segment_targets",
    "targets_of",
    "LEVERS",
    "QUADRANTS",
    "NOT_SIZED",
    "Opportunities",
    "opportunity_matrix",
]


_share = share  # segment_profile has a local called share


def _labels(book: Book, segments: pd.Series) -> pd.Series:
    ids = book.accounts["account_id"].to_numpy()
    s = segments.reindex(ids)
    return s.astype("object").where(s.notna(), None).rename("segment")


class SegmentProfile(TableResult):
    """Per segment: accounts, revenue, profit, ARPU, churn and top products
    (:func:`segment_profile`)."""

    _bar = "monthly_revenue"

    def summary(self) -> pd.DataFrame:
        t = self.table
        top = t.index[0] if len(t) else None
        return figures(
            {
                "segments": len(t),
                "accounts": int(t["accounts"].sum()) if len(t) else 0,
                "top_segment": top,
                "top_segment_share_of_revenue": t["share_of_revenue"].iloc[0] if len(t) else np.nan,
            }
        )


def segment_profile(
    book: Book, segments: pd.Series, *, pnl: PnL | None = None, top_products: int = 3
) -> SegmentProfile:
    """Per segment: accounts, share, revenue, profit, ARPU, churn rate and top products.

    Monthly revenue and ARPU are per month; ``period_profit`` is over the whole period
    of the P&L (it and ``margin`` are NaN without a P&L with costs).

    Parameters
    ----------
    segments
        Segment per account (index: account_id); accounts without one are left out.
    pnl
        A customer P&L for profit and margin (NaN without it or without costs).

    Notes
    -----
    Revenue is monthly (``Book.monthly_revenue``); ARPU is monthly revenue per account
    with known revenue. Churn rate is the share of the segment's accounts churned in the
    period, NaN below ``churn.yaml: min_accounts`` accounts (the count is still given). Key
    buying factors need survey data that the data model does not hold: the column says
    so rather than guessing.

    Examples
    --------
    >>> import kamlib
    >>> b = kamlib.load(kamlib.sample_path()).branch("Suzhou")
    >>> types = b.accounts.set_index("account_id")["customer_type"]
    >>> p = kamlib.segment_profile(b, types)
    >>> round(float(p.table["share_of_accounts"].sum()), 6)
    1.0
    """
    lab = _labels(book, segments)
    ids = lab.index
    df = pd.DataFrame({"segment": lab.to_numpy()}, index=ids)
    spend = book.monthly_revenue()
    df["monthly_revenue"] = spend.reindex(ids).to_numpy() if spend is not None else np.nan
    df["churned"] = (book.accounts.set_index("account_id")["status"] == "churned").reindex(ids)
    if pnl is not None and pnl.has_costs:
        p = pnl.table.set_index("account_id")
        df["profit"] = p["profit"].reindex(ids)
        df["revenue"] = p["revenue"].reindex(ids)
    df = df[df["segment"].notna()]
    g = df.groupby("segment", sort=False)
    out = pd.DataFrame({"accounts": g.size()})
    out["share_of_accounts"] = out["accounts"] / out["accounts"].sum()
    out["monthly_revenue"] = g["monthly_revenue"].sum(min_count=1)
    tot = out["monthly_revenue"].sum()
    out["share_of_revenue"] = out["monthly_revenue"] / tot if tot > 0 else np.nan
    out["arpu"] = out["monthly_revenue"] / g["monthly_revenue"].count().where(lambda c: c > 0)
    notes = []
    if "profit" in df:
        out["period_profit"] = g["profit"].sum(min_count=1)  # over the whole period
        out["margin"] = out["period_profit"] / g["revenue"].sum().where(lambda r: r != 0)
        tp = out["period_profit"].sum()
        out["profit_share"] = out["period_profit"] / tp if tp > 0 else np.nan
    else:
        out["period_profit"] = np.nan
        notes.append(tr("no customer P&L with costs: profit and margin per segment are not shown"))
    out["churned"] = g["churned"].sum().astype(int)
    min_accounts = settings("churn")["min_accounts"]
    out["churn_rate"] = (out["churned"] / out["accounts"]).where(out["accounts"] >= min_accounts)
    if (out["accounts"] < min_accounts).any():
        notes.append(
            tr("segments under {n} accounts get a churn count, not a rate", n=count(min_accounts))
        )
    if book.has("billing"):
        ap = book.account_products()
        assert ap is not None
        ap = ap.assign(segment=lookup(ap["account_id"], lab)).dropna(subset=["segment"])
        prod = ap.groupby(["segment", "product"])["revenue"].sum()
        share = prod / prod.groupby(level=0).transform("sum")
        out["top_products"] = pd.Series(
            {
                seg: tr(", ").join(
                    tr("{product} {share}", product=label(p), share=_share(v))
                    for p, v in s.droplevel(0).nlargest(top_products).items()
                )
                for seg, s in share.groupby(level=0)
            }
        )
    else:
        out["top_products"] = None
        notes.append(tr("no billing by product in the data: top products are not shown"))
    notes.append(tr("key buying factors need survey data, which the data model does not hold"))
    out.index.name = "segment"
    out = out.sort_values("monthly_revenue", ascending=False, na_position="last")
    return SegmentProfile(out, notes, currency=book.currency)


class SegmentTargets(TableResult):
    """Penetration, share, target share and revenue gap per segment (:func:`segment_targets`)."""

    _bar = "gap_revenue"

    def summary(self) -> pd.DataFrame:
        t = self.table
        gap = t["gap_revenue"] if "gap_revenue" in t else pd.Series(dtype=float)
        return figures(
            {
                "segments": len(t),
                "segments_with_market_size": int(gap.notna().sum()),
                "gap_revenue": float(gap.sum()) if gap.notna().any() else np.nan,
            }
        )


def segment_targets(
    book: Book,
    segments: pd.Series,
    *,
    market: str | Path | dict | None = None,
    months: int = 12,
) -> SegmentTargets:
    """Penetration, current share, target share and the revenue gap per segment.

    ``market`` (YAML path or dict) gives, per segment, ``customers`` (how many such
    customers the branch's market holds), ``revenue`` (their annual telecom spend) and
    ``target_share`` (unknown keys and values of the wrong type are refused). Without it,
    the notes say the figures cannot be computed.

    Examples
    --------
    >>> import kamlib
    >>> b = kamlib.load(kamlib.sample_path()).branch("Suzhou")
    >>> types = b.accounts.set_index("account_id")["customer_type"]
    >>> t = kamlib.segment_targets(b, types, market={"business": {"customers": 900,
    ...     "revenue": 5e7, "target_share": 0.2}})
    >>> bool(t.table.loc["business", "penetration"] > 0)
    True
    """
    profile = segment_profile(book, segments).table
    table, notes = targets_of(profile, market, months=months)
    return SegmentTargets(table, notes, currency=book.currency)


def targets_of(
    profile: pd.DataFrame, market: str | Path | dict | None = None, *, months: int = 12
) -> tuple[pd.DataFrame, list[str]]:
    """The targets table from a segment profile table, and its notes.

    Examples
    --------
    >>> import pandas as pd
    >>> from kamlib.opportunity import targets_of
    >>> prof = pd.DataFrame({"accounts": [30], "monthly_revenue": [1000.0]},
    ...                     index=pd.Index(["Service-first"], name="segment"))
    >>> t, _ = targets_of(prof, {"Service-first": {"customers": 120,
    ...     "revenue": 100000, "target_share": 0.2}})
    >>> round(float(t.loc["Service-first", "gap_revenue"]), 2)
    8000.0
    """
    out = pd.DataFrame(index=profile.index)
    out["accounts"] = profile["accounts"]
    out["annual_revenue"] = profile["monthly_revenue"] * months
    if market is None:
        return out, [tr("no market-size inputs: penetration, share and target cannot be computed")]
    m = read_file(
        market, MarketSizes, what="segment market sizes", caller="segment_targets"
    ).model_dump(exclude_none=True)
    unknown = sorted(set(m) - set(profile.index), key=str)
    if unknown:
        raise ConfigError(
            f"segment market sizes: {unknown} are not segments here; segments: {list(profile.index)}"
        )
    mk = pd.DataFrame.from_dict(m, orient="index").reindex(profile.index)
    for col in ("customers", "revenue", "target_share"):
        if col not in mk:
            mk[col] = np.nan
    out["market_customers"] = mk["customers"]
    out["penetration"] = out["accounts"] / mk["customers"]
    out["market_revenue"] = mk["revenue"]
    out["current_share"] = out["annual_revenue"] / mk["revenue"]
    out["target_share"] = mk["target_share"]
    out["gap_revenue"] = (mk["target_share"] - out["current_share"]) * mk["revenue"]
    missing = [str(i) for i in out.index[mk["revenue"].isna()]]
    notes = (
        [tr("no market size given for {segments}", segments=names_list(map(label, missing)))]
        if missing
        else []
    )
    return out, notes


#: lever code (the ``lever`` column, and the levers a team's estimates name) -> its words
#: (through the catalogue: zh 提高现有产品使用量, 交叉销售, 提价/改善产品组合,
#: 排除不赢利的客户和低价值服务, 赢得新客户)
LEVERS = {
    "raise usage": N_("Raise usage of current products"),
    "cross-sell": N_("Cross-sell"),
    "raise price / improve mix": N_("Raise price / improve the mix"),
    "drop unprofitable": N_("Drop unprofitable accounts and low-value services"),
    "win new customers": N_("Win new customers"),
}
#: the lever a matrix sized on predicted value adds (``opportunity_matrix(value=...)``)
VALUE_LEVERS = {"keep accounts at risk": N_("Keep the accounts likely to leave")}
#: where a size and probability come from (the ``source`` column) in words
SOURCES = {"data": N_("From the data"), "given": N_("Given by the team")}
# every table that shows these codes reads them in words (the label catalogue)
for _code, _words in {**LEVERS, **VALUE_LEVERS, **SOURCES}.items():
    LABELS.setdefault(_code, _words)
#: (size, probability) -> the quadrant's code in ``priority`` (words in kamlib._labels:
#: "Act now" 马上行动, "Plan the attack" 计划出击, "Wait for the chance" 伺机而动,
#: "Shelve" 搁置); a lever that cannot be sized is ``not_sized``
QUADRANTS = {
    ("large", "likely"): "act_now",
    ("large", "unlikely"): "plan_attack",
    ("small", "likely"): "wait_for_chance",
    ("small", "unlikely"): "shelve",
}
NOT_SIZED = "not_sized"


@dataclass(repr=False, eq=False)
class Opportunities(Result):
    """The priority matrix: one row per segment and lever (result of :func:`opportunity_matrix`)."""

    table: pd.DataFrame
    large_from: float
    likely_from: float
    rules: dict[str, Any]
    currency: str = "CNY"
    notes: tuple[str, ...] = ()

    def ranked(self) -> pd.DataFrame:
        """Opportunities that could be sized, best first (act now, then by expected value).

        ``rank`` (1, 2, 3...) is the number the priority matrix writes beside each point,
        so the chart can be read against this list.
        """
        t = self.table.dropna(subset=["size"]).copy()
        order = {q: i for i, q in enumerate(QUADRANTS.values())}
        t["_q"] = t["priority"].map(order)
        t = t.sort_values(["_q", "expected"], ascending=[True, False], kind="stable")
        t.insert(0, "rank", range(1, len(t) + 1))
        return t.drop(columns="_q")

    def summary(self) -> pd.DataFrame:
        t = self.table
        sized = t.dropna(subset=["size"])
        now = sized[sized["priority"] == QUADRANTS[("large", "likely")]]
        return figures(
            {
                "opportunities": len(t),
                "sized": len(sized),
                "act_now": len(now),
                "act_now_expected": float(now["expected"].sum()) if len(now) else 0.0,
                "currency": self.currency,
            }
        )

    def plot(self, *, ax=None):
        """Scatter of size against probability with the four quadrants; returns the Axes.

        Each point is numbered with its ``rank`` in :meth:`ranked` (points that fall on
        the same spot share one label, "3, 7"): the ranked table is the list of names,
        so no long label is written on the chart.
        """
        import matplotlib.pyplot as plt

        ax = axes(ax)
        t = self.ranked()
        t = t[t["size"].astype(float) > 0]  # a log axis has no place for nothing
        if t.empty:
            return nothing_to_draw(ax, tr("No opportunity could be sized from the data."))
        colors = plt.get_cmap("tab10")
        for i, lev in enumerate(LEVERS):
            s = t[t["lever"] == lev]
            if len(s):
                ax.scatter(
                    s["size"], s["probability"], s=40, color=colors(i), label=tr(LEVERS[lev])
                )
        ax.axvline(self.large_from, color="grey", lw=0.8, ls="--")
        ax.axhline(self.likely_from, color="grey", lw=0.8, ls="--")
        size = t["size"].astype(float)
        lo = min(float(size.min()), self.large_from) / 3
        hi = max(float(size.max()), self.large_from) * 3
        ax.set_xscale("log")
        ax.set_xlim(lo, hi)
        ax.set_ylim(0, 1)
        for (large, likely), name in _QUADRANT_WORDS.items():
            ax.text(
                0.98 if large else 0.02,
                0.97 if likely else 0.03,
                tr(name),
                transform=ax.transAxes,
                ha="right" if large else "left",
                va="top" if likely else "bottom",
                color="grey",
                fontsize=9,
            )
        for (x, y), ranks in _near_points(ax, t):
            ax.annotate(
                ", ".join(map(str, ranks)),
                (x, y),
                fontsize=8,
                xytext=(5, 3),
                textcoords="offset points",
            )
        money_axis(ax, self.currency, axis="x")
        share_axis(ax, axis="y")
        ax.set_xlabel(tr("Size of the result per year"))
        ax.set_ylabel(tr("Probability of success"))
        ax.legend(
            title=tr("Lever"),
            fontsize=7,
            title_fontsize=8,
            loc="upper left",
            bbox_to_anchor=(1.01, 1),
        )
        return ax


#: the quadrant names written in the corners of the matrix: (large, likely) -> words
_QUADRANT_WORDS = {
    (True, True): N_("act now"),
    (True, False): N_("plan the attack"),
    (False, True): N_("wait for the chance"),
    (False, False): N_("shelve"),
}


def _near_points(ax: Any, ranked: pd.DataFrame, *, pixels: float = 10.0) -> list[Any]:
    """Points of ``ranked`` grouped where their markers would overlap on ``ax``: a list of
    ((size, probability) of the first point, [its rank and the ranks drawn on top of it])."""
    xy = ranked[["size", "probability"]].to_numpy(dtype=float)
    shown = ax.transData.transform(xy)
    groups: list[Any] = []
    centres: list[Any] = []
    for (x, y), (px, py), rank in zip(xy, shown, ranked["rank"], strict=True):
        for k, (cx, cy) in enumerate(centres):
            if abs(px - cx) <= pixels and abs(py - cy) <= pixels:
                groups[k][1].append(int(rank))
                break
        else:
            centres.append((px, py))
            groups.append(((x, y), [int(rank)]))
    return groups


def opportunity_matrix(
    book: Book,
    segments: pd.Series,
    *,
    pnl: PnL | None = None,
    market: str | Path | dict | None = None,
    rules: str | Path | dict | None = None,
    given: str | Path | pd.DataFrame | None = None,
    value: Any = None,
) -> Opportunities:
    """Size and probability of each lever in each segment, classified into four quadrants.

    Sizes are annual money (monthly revenue x 12); the rules, from
    ``segments.yaml: opportunities`` (overridable with ``rules``):

    - **raise usage**: accounts below their segment's median spend close ``usage_uplift``
      of the gap; probability ``existing_success`` (60%).
    - **cross-sell**: for each product held by at least ``cross_sell_min_penetration`` of
      the segment, the accounts without it buy it at the holders' mean spend on it;
      probability ``existing_success`` x the product's penetration (like accounts buy it).
    - **raise price / improve mix**: ``price_rise`` of the segment's revenue; probability
      ``existing_success`` x (1 - ``price_churn_penalty`` x segment churn rate).
    - **drop unprofitable**: the losses of the segment's loss-making accounts that are
      not important accounts (needs costs); probability ``drop_success``.
    - **win new customers**: the revenue gap to the target share (needs ``market``);
      probability ``new_success`` (16%).

    With ``value`` (a :func:`kamlib.clv` result of the book) results are sized on
    predicted value instead of a year: money a month of each account times its discounted
    months ahead (the lifetime model's DERL; a year for an account without one), and a
    sixth lever, **keep accounts at risk**, is the value ahead of the accounts that make
    money times their chance of leaving within 12 months; probability ``retain_success``.
    New customers are still sized on a year (they have no value ahead yet).

    A result is large from ``large_result_share`` of the branch's annual revenue (with
    ``value``: of its revenue over the accounts' months ahead); likely from ``likely``. A lever that cannot be sized from the data has size NaN and its
    reason in ``note``; it is never placed on the matrix.

    ``given`` holds the team's own estimates: a frame, CSV or YAML (``estimates:`` and a
    list of rows) with
    columns ``segment``, ``lever`` and ``size`` and/or ``probability`` (and optionally
    ``basis``). A given value replaces the estimate from the data for that segment and
    lever; the ``source`` column says which is which.

    Examples
    --------
    >>> import kamlib, pandas as pd
    >>> b = kamlib.load(kamlib.sample_path()).branch("Suzhou")
    >>> tiers = kamlib.value_tiers(b).assignment
    >>> mine = pd.DataFrame({"segment": ["gold"], "lever": ["cross-sell"], "probability": [0.9]})
    >>> o = kamlib.opportunity_matrix(b, tiers, given=mine)
    >>> o.table.query("source == 'given'")["probability"].tolist()
    [0.9]
    """
    r = settings("segments", rules, caller="opportunity_matrix")["opportunities"]
    min_accounts = settings("churn")["min_accounts"]
    lab = _labels(book, segments)
    cols = ["segment", "lever", "size", "probability", "basis", "note", "expected", "priority"]
    spend = book.monthly_revenue()
    if not len(lab) or spend is None:  # no opportunities, not an error
        empty = pd.DataFrame(columns=[*cols, "source"])
        why = (
            tr("no accounts")
            if not len(lab)
            else tr("no revenue in the data: nothing can be sized")
        )
        return Opportunities(empty, 0.0, float(r["likely"]), r, book.currency, (why,))
    df = pd.DataFrame({"segment": lab, "spend": spend.reindex(lab.index)}).dropna(
        subset=["segment"]
    )
    acc = book.accounts.set_index("account_id")
    df["churned"] = (acc["status"] == "churned").reindex(df.index)
    churn_by_seg = df.groupby("segment")["churned"].agg(["mean", "size"])
    # the levers act on the customers the branch still has
    df = df[~df["churned"].astype(bool)]
    df["important"] = (
        acc["important"].fillna(False).astype(bool).reindex(df.index)
        if "important" in acc
        else False
    )
    # what a month of each account's money is worth: a year, or its discounted months
    # ahead when the predicted value is given
    mult = pd.Series(12.0, index=df.index)
    value_notes: list[str] = []
    vt = getattr(value, "table", None)
    ahead = None
    if isinstance(vt, pd.DataFrame) and len(vt):
        pm = int(getattr(value, "period_months", 1))
        months_ahead = vt.set_index("account_id")["discounted_residual_lifetime"] * pm
        known = months_ahead.reindex(df.index)
        mult = known.fillna(12.0)
        ahead = vt.set_index("account_id")[["residual_value", "churn_probability_year"]]
        n_year = int(known.isna().sum())
        value_notes.append(
            tr(
                "Sizes are value ahead: each account's money a month times its discounted "
                "months ahead from the lifetime model (kamlib.clv), not a year."
            )
        )
        if n_year:
            value_notes.append(
                ntr(
                    "{n} account has no value ahead (no contract, no tenure or no fit): it is "
                    "counted at a year.",
                    "{n} accounts have no value ahead (no contract, no tenure or no fit): they "
                    "are counted at a year.",
                    n_year,
                    n=count(n_year),
                )
            )
    # the branch's revenue over the same time: a year of every account's bill, or the
    # active accounts' months ahead
    annual_total = (
        float(spend.sum()) * 12 if ahead is None else float((spend.reindex(df.index) * mult).sum())
    )
    rows: list[dict[str, Any]] = []

    def add(seg: Any, lever: str, size: float, prob: float, basis: str, note: str = "") -> None:
        rows.append(
            {
                "segment": seg,
                "lever": lever,
                "size": size,
                "probability": prob,
                "basis": basis,
                "note": note,
            }
        )

    months = max(len(book.months()), 1)
    by_prod = None
    if book.has("billing"):
        ap = book.account_products()
        assert ap is not None
        ap = ap[ap["account_id"].isin(df.index)]
        by_prod = ap.pivot(index="account_id", columns="product", values="revenue").fillna(0.0)
        by_prod = by_prod / months
    pnl_t = pnl.table.set_index("account_id") if pnl is not None and pnl.has_costs else None
    targets = segment_targets(book, segments, market=market).table if market is not None else None
    for seg, s in df.groupby("segment", sort=True):
        med = float(s["spend"].median())
        gap = float(((med - s["spend"]).clip(lower=0) * mult[s.index]).sum()) * r["usage_uplift"]
        below = int((s["spend"] < med).sum())
        add(
            seg,
            "raise usage",
            gap,
            r["existing_success"],
            ntr(
                "{n} account below the median of {money} a month",
                "{n} accounts below the median of {money} a month",
                below,
                n=count(below),
                money=money(med, book.currency),
            ),
        )
        if by_prod is not None:
            held = by_prod.reindex(s.index).fillna(0.0) > 0
            pen = held.mean()
            cands = pen[(pen >= r["cross_sell_min_penetration"]) & (pen < 1)]
            size, wprob = 0.0, 0.0
            for p, pe in cands.items():  # a loop over products, not accounts
                mean_spend = by_prod.loc[held.index[held[p]], p].mean()
                v = float((mult[s.index][~held[p].to_numpy()]).sum() * mean_spend)
                size += v
                wprob += v * r["existing_success"] * pe
            if size > 0:
                add(
                    seg,
                    "cross-sell",
                    size,
                    wprob / size,
                    ntr(
                        "{n} product most of the segment holds: {products}",
                        "{n} products most of the segment holds: {products}",
                        len(cands),
                        n=count(len(cands)),
                        products=names_list(label(p) for p in cands.index),
                    ),
                )
            else:
                add(
                    seg,
                    "cross-sell",
                    0.0,
                    r["existing_success"],
                    tr("no product gap against like accounts"),
                )
        else:
            add(seg, "cross-sell", np.nan, np.nan, "", tr("no billing by product in the data"))
        seg_n = int(churn_by_seg.loc[seg, "size"])
        rate = float(churn_by_seg.loc[seg, "mean"]) if seg_n >= min_accounts else np.nan
        prob = r["existing_success"] * max(
            0.0, 1 - r["price_churn_penalty"] * (rate if rate == rate else 0.0)
        )
        add(
            seg,
            "raise price / improve mix",
            float((s["spend"] * mult[s.index]).sum()) * r["price_rise"],
            prob,
            tr(
                "{rise} of revenue; churn rate {rate}",
                rise=share(r["price_rise"]),
                rate=share(rate),
            )
            if rate == rate
            else ntr(
                "{rise} of revenue; churn rate not reliable ({n} account)",
                "{rise} of revenue; churn rate not reliable ({n} accounts)",
                seg_n,
                rise=share(r["price_rise"]),
                n=count(seg_n),
            ),
        )
        if pnl_t is not None:
            pr = pnl_t["profit"].reindex(s.index)
            losers = (pr < 0) & ~s["important"]
            add(
                seg,
                "drop unprofitable",
                float((-pr[losers] / months * mult[s.index][losers]).sum()),
                r["drop_success"],
                ntr(
                    "{n} loss-making account (important accounts kept)",
                    "{n} loss-making accounts (important accounts kept)",
                    int(losers.sum()),
                    n=count(int(losers.sum())),
                ),
            )
        else:
            add(
                seg,
                "drop unprofitable",
                np.nan,
                np.nan,
                "",
                tr("no costs in the data: losses unknown"),
            )
        if ahead is not None:
            a = ahead.reindex(s.index)
            worth = a["residual_value"].clip(lower=0) * a["churn_probability_year"]
            n_risk = int((worth > 0).sum())
            add(
                seg,
                "keep accounts at risk",
                float(worth.sum()),
                r["retain_success"],
                ntr(
                    "value ahead of {n} account that makes money x its chance of leaving "
                    "within a year",
                    "value ahead of {n} accounts that make money x their chance of leaving "
                    "within a year",
                    n_risk,
                    n=count(n_risk),
                ),
            )
        if (
            targets is not None
            and "gap_revenue" in targets
            and pd.notna(targets.loc[seg, "gap_revenue"])
        ):
            gap_new = max(0.0, float(targets.loc[seg, "gap_revenue"]))
            add(seg, "win new customers", gap_new, r["new_success"], tr("gap to the target share"))
        else:
            add(
                seg,
                "win new customers",
                np.nan,
                r["new_success"],
                "",
                tr("no market size for this segment: the gain from new customers cannot be sized"),
            )
    # no rows when every account has left: an empty matrix, not an error
    t = pd.DataFrame(rows, columns=["segment", "lever", "size", "probability", "basis", "note"])
    t["source"] = np.where(t["size"].notna(), "data", "")
    if given is not None:
        t = _apply_given(t, read_estimates(given))
    large_from = r["large_result_share"] * annual_total
    t["expected"] = t["size"] * t["probability"]
    t["priority"] = [
        QUADRANTS[
            ("large" if sz >= large_from else "small", "likely" if p >= r["likely"] else "unlikely")
        ]
        if sz == sz
        else NOT_SIZED
        for sz, p in zip(t["size"], t["probability"], strict=True)
    ]
    unsized = int(t["size"].isna().sum())
    notes = (
        (
            ntr(
                "{n} segment-lever pair cannot be sized from the data (see note)",
                "{n} segment-lever pairs cannot be sized from the data (see note)",
                unsized,
                n=count(unsized),
            ),
        )
        if unsized
        else ()
    )
    return Opportunities(
        t, large_from, float(r["likely"]), r, book.currency, (*value_notes, *notes)
    )


def read_estimates(given: str | Path | pd.DataFrame) -> pd.DataFrame:
    """The team's own estimates for :func:`opportunity_matrix` as a frame, checked.

    ``given`` is a frame, a CSV file or a YAML file (``estimates:``, a list of rows) with
    the columns ``segment``, ``lever``, ``size`` and/or ``probability``, and optionally
    ``basis``. Unknown columns or keys, unknown levers, probabilities outside [0, 1],
    negative money and a segment/lever given twice are a ConfigError naming them.
    """
    where = "given estimates"
    if isinstance(given, pd.DataFrame):
        g = given.copy()
    else:
        where = str(given)
        p = Path(given)
        if not p.is_file():
            raise ConfigError(f"{where}: no such file of given estimates")
        if p.suffix.lower() in (".yaml", ".yml"):
            spec = read_file(p, EstimatesFile, what="given estimates")
            g = pd.DataFrame([row.model_dump(exclude_unset=True) for row in spec.estimates])
        else:
            g = pd.read_csv(p)
    allowed = list(EstimateRow.model_fields)
    for c in g.columns:
        if c not in allowed:
            raise ConfigError(f"{where}: " + unknown_key("", str(c), allowed, kind="column"))
    missing = [c for c in ("segment", "lever") if c not in g]
    if missing or not ({"size", "probability"} & set(g.columns)):
        raise ConfigError(
            f"{where}: needs columns segment, lever and size and/or probability; "
            f"has {', '.join(map(str, g.columns)) or 'none'}"
        )
    known = [*LEVERS, *VALUE_LEVERS]
    bad = g[~g["lever"].isin(known)]
    if len(bad):
        raise ConfigError(
            f"{where}: unknown lever {bad['lever'].iloc[0]!r} (row {bad.index[0] + 1}); "
            f"levers are: {', '.join(known)}"
        )
    for c, lo, hi in (("size", 0.0, np.inf), ("probability", 0.0, 1.0)):
        if c not in g:
            continue
        v = pd.to_numeric(g[c], errors="coerce")
        wrong = g[g[c].notna() & (v.isna() | (v < lo) | (v > hi))]
        if len(wrong):
            rule = "a probability between 0 and 1" if c == "probability" else "money >= 0"
            raise ConfigError(
                f"{where}: column {c} must be {rule}; row {wrong.index[0] + 1} has "
                f"{wrong[c].iloc[0]!r}"
            )
        g[c] = v
    if g.duplicated(["segment", "lever"]).any():
        d = g[g.duplicated(["segment", "lever"], keep=False)].iloc[0]
        raise ConfigError(f"{where}: {d['segment']!r} / {d['lever']!r} is given twice")
    return g


def _apply_given(t: pd.DataFrame, g: pd.DataFrame) -> pd.DataFrame:
    """Replace estimates with the given ones (segments compared as text)."""
    t = t.copy()
    key = t["segment"].astype(str) + "\x00" + t["lever"]
    unknown = g[~(g["segment"].astype(str) + "\x00" + g["lever"]).isin(key)]
    if len(unknown):
        raise ConfigError(
            f"given estimates: segment {unknown['segment'].iloc[0]!r} is not in this "
            f"segmentation (segments: {', '.join(map(str, t['segment'].unique()))})"
        )
    for _, row in g.iterrows():  # a loop over the user's rows, not over accounts
        hit = key == f"{row['segment']}\x00{row['lever']}"
        for c in ("size", "probability"):
            if c in row and pd.notna(row[c]):
                t.loc[hit, c] = float(row[c])
        t.loc[hit, "source"] = "given"
        basis = row.get("basis")
        t.loc[hit, "basis"] = str(basis) if pd.notna(basis) else tr("given by the team")
        t.loc[hit, "note"] = ""
    return t
