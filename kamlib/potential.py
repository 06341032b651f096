"""White space and sales potential (销售潜力): what similar accounts buy that an account
does not, and the annual revenue each lever could add to a segment.

:func:`white_space` finds look-alike accounts (same industry and customer type) lacking
a product most of their peers hold; :func:`account_plans <kamlib.account_plans>` reads it.
:func:`sales_potential` puts, per segment, today's revenue beside the gap each lever of
:data:`kamlib.opportunity.LEVERS` could close, with the rules of
``config/segments.yaml: opportunities`` that :func:`kamlib.opportunity_matrix` uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._book import Book, has_column
from ._coverage import in_sentence
from ._format import count, money, names_list, share
from ._i18n import N_, ntr, tr
from ._labels import LABELS
from ._result import Result, axes, figures, nothing_to_draw

__all__ = ["WhiteSpace", "white_space", "SalesPotential", "sales_potential"]

#: the columns of :attr:`WhiteSpace.table` (kamlib.plans reads account_id, product,
#: peer_share, peers and expected_monthly_revenue)
WHITE_SPACE_COLUMNS = [
    "account_id",
    "name",
    "branch",
    "segment",
    "customer_type",
    "product",
    "peers",
    "peer_holders",
    "peer_share",
    "expected_monthly_revenue",
]
PENETRATION_COLUMNS = ["segment", "customer_type", "product", "accounts", "holders", "penetration"]

# words of the new columns and figures (the lead may move them to kamlib._labels)
for _key, _words in {
    "peers": N_("Similar accounts"),
    "peer_holders": N_("Similar accounts holding it"),
    "peer_share": N_("Share of similar accounts holding it"),
    "expected_monthly_revenue": N_("Expected revenue a month"),
    "holders": N_("Accounts holding it"),
    "accounts_with_white_space": N_("Accounts with white space"),
}.items():
    LABELS.setdefault(_key, _words)


# ----------------------------------------------------------------------------- helpers
_NO_TYPE = "\x00no customer type"


def _product_spend(book: Book, ids: pd.Index) -> pd.DataFrame:
    """Billing per account and product for the accounts ``ids``: ``account_id``,
    ``product``, ``revenue`` (over the window), ``monthly`` (revenue / months billed for
    that product, so a product taken up in October is not diluted by empty months, as
    :meth:`Book.monthly_revenue`) and ``held`` (revenue > 0)."""
    ap = book.account_products()
    assert ap is not None  # callers check has("billing")
    out = ap.loc[ap["account_id"].isin(ids), ["account_id", "product", "revenue", "months"]]
    out = out.reset_index(drop=True)
    out["monthly"] = out["revenue"] / out["months"].where(out["months"] > 0)
    out["held"] = out["revenue"] > 0
    return out.drop(columns="months")


def _candidates(
    book: Book, types: tuple[str, ...] | list[str] | None, notes: list[str]
) -> pd.DataFrame:
    """The active accounts of ``types`` (all active accounts without a customer type)."""
    acc = book.accounts
    keep = (acc["status"] == "active").fillna(False).to_numpy(dtype=bool)
    if types is not None:
        if "customer_type" in acc:
            keep &= acc["customer_type"].isin(list(types)).fillna(False).to_numpy(dtype=bool)
        else:
            notes.append(
                tr(
                    "The data have no customer type, so every active account is compared, "
                    "not only business and key accounts."
                )
            )
    return acc[keep]


# ----------------------------------------------------------------------------- white space
@dataclass(repr=False, eq=False)
class WhiteSpace(Result):
    """Products look-alike accounts hold that an account lacks (result of :func:`white_space`).

    Attributes
    ----------
    table : one row per account and product lacking: ``account_id``, ``name``, ``branch``,
        ``segment`` (the peer group: the ``by`` value), ``customer_type``, ``product``,
        ``peers`` (similar accounts, the account excluded), ``peer_holders``,
        ``peer_share`` and ``expected_monthly_revenue`` (the holders' median monthly
        revenue on the product); largest expected revenue first.
    penetration : per group and product: ``accounts``, ``holders``, ``penetration``.
    rules : the thresholds used (``by``, ``min_peers``, ``peer_share``, ``types``).
    """

    table: pd.DataFrame
    penetration: pd.DataFrame
    rules: dict[str, Any]
    currency: str = "CNY"
    notes: tuple[str, ...] = ()

    def summary(self) -> pd.DataFrame:
        t = self.table
        return figures(
            {
                "accounts_with_white_space": int(t["account_id"].nunique()),
                "opportunities": len(t),
                "expected_monthly_revenue": float(t["expected_monthly_revenue"].sum())
                if len(t)
                else 0.0,
            }
        )

    def plot(self, *, ax: Any = None) -> Any:
        """Expected monthly revenue of the white space by product (bars); returns the Axes."""
        from ._charts import money_axis, wrap
        from ._labels import label

        ax = axes(ax)
        t = self.table
        if t.empty:
            return nothing_to_draw(
                ax, self.notes[0] if self.notes else tr("No white space was found.")
            )
        s = t.groupby("product", observed=True)["expected_monthly_revenue"].sum()
        s = s.sort_values(ascending=False)
        ax.barh(range(len(s)), s.to_numpy(dtype=float), color="#4c72b0")
        ax.set_yticks(range(len(s)), [wrap(label(p), 28) for p in s.index])
        ax.invert_yaxis()
        money_axis(ax, self.currency, axis="x")
        ax.set_xlabel(label("expected_monthly_revenue"))
        return ax


def white_space(
    book: Book,
    *,
    by: str = "industry",
    min_peers: int = 5,
    peer_share: float = 0.5,
    types: tuple[str, ...] | list[str] | None = ("business", "key_account"),
) -> WhiteSpace:
    """Look-alike accounts that lack a product most of their peers hold.

    Parameters
    ----------
    book : the data (usually one branch).
    by : the accounts column that makes accounts alike (default ``industry``); peers
        also share the account's ``customer_type``. Without the column (a column of the
        data model the data lack) the customer type alone makes the group, and a note
        says so; a name that is not a column of the data model is a ConfigError.
    min_peers : an account needs at least this many peers (itself excluded), else it
        gets no white space: a share of three accounts says little.
    peer_share : a product is white space for an account when at least this share of
        its peers hold it.
    types : the customer types compared (None: every active account).

    Returns
    -------
    WhiteSpace
        ``table`` one row per account and product lacking; ``penetration`` per group and
        product; ``summary()``: ``accounts_with_white_space``, ``opportunities``,
        ``expected_monthly_revenue`` (their sum, per month).

    Notes
    -----
    Only active accounts are peers and only active accounts get white space. An account
    holds a product when its billed revenue on it over the window is above zero; it
    lacks it otherwise (no bill, or bills summing to zero). ``peer_share`` is
    ``peer_holders / peers``; ``expected_monthly_revenue`` is the median, over the peers
    holding the product, of their revenue on it per month billed for it.

    Examples
    --------
    >>> import kamlib
    >>> from kamlib.potential import white_space
    >>> ws = white_space(kamlib.synth(300, seed=1).book)
    >>> list(ws.table.columns[:2]), bool((ws.table["peer_share"] >= 0.5).all())
    (['account_id', 'name'], True)
    """
    if min_peers < 1:
        raise ValueError(f"min_peers must be 1 or more, not {min_peers}")
    if not 0 < peer_share <= 1:
        raise ValueError(f"peer_share must be above 0 and at most 1, not {peer_share}")
    rules = {
        "by": by,
        "min_peers": int(min_peers),
        "peer_share": float(peer_share),
        "types": None if types is None else list(types),
    }
    notes: list[str] = []

    def empty(*why: str) -> WhiteSpace:
        return WhiteSpace(
            pd.DataFrame(columns=WHITE_SPACE_COLUMNS),
            pd.DataFrame(columns=PENETRATION_COLUMNS),
            rules,
            book.currency,
            tuple(dict.fromkeys([*notes, *why])),
        )

    group_by = by
    if not has_column(book, by, caller="white_space"):
        notes.append(
            tr(
                "The data have no {column} column, so similar accounts are those of the same "
                "customer type only.",
                column=in_sentence(by),
            )
        )
        group_by = "customer_type"
    if not book.has("billing"):
        return empty(tr("The data have no billing by product, so no white space can be found."))
    cand = _candidates(book, types, notes)
    if group_by not in cand:  # no customer type either: nothing says who is alike
        return empty(tr("The data say nothing of which accounts are alike: no white space."))
    # the peer group: the ``by`` value and the customer type (when the data have one)
    cols = ["account_id", "name", "branch", group_by]
    has_type = "customer_type" in cand and group_by != "customer_type"
    if has_type:
        cols.append("customer_type")
    c = pd.DataFrame({k: cand[k].to_numpy() for k in cols if k in cand})
    for k in ("name", "branch"):
        if k not in c:
            c[k] = None
    c["segment"] = c[group_by]
    # without a customer type, one placeholder type for all (None would not merge)
    c["customer_type"] = (
        c["customer_type"].astype(object) if has_type or group_by == "customer_type" else _NO_TYPE
    )
    c = c[["account_id", "name", "branch", "segment", "customer_type"]]
    key = ["segment", "customer_type"]
    grouped = c.dropna(subset=["segment"])
    no_group = len(c) - len(grouped)

    spend = _product_spend(book, pd.Index(grouped["account_id"]))
    spend = spend.merge(grouped[["account_id", *key]], on="account_id", how="inner")
    size = grouped.groupby(key, dropna=False, observed=True).size().rename("accounts")
    held = spend[spend["held"]]
    stats = held.groupby([*key, "product"], dropna=False, observed=True).agg(
        holders=("account_id", "size"), expected_monthly_revenue=("monthly", "median")
    )
    # penetration: every group against every product billed to the accounts compared
    products = sorted(spend["product"].dropna().unique().tolist(), key=str)
    grid = pd.MultiIndex.from_tuples(
        [(*g, p) for g in size.index for p in products], names=[*key, "product"]
    )
    pen = stats.reindex(grid)
    pen["holders"] = pen["holders"].fillna(0).astype(int)
    pen = pen.join(size, on=key)
    pen["penetration"] = pen["holders"] / pen["accounts"]
    pen = pen.reset_index()[PENETRATION_COLUMNS]

    # an account lacking the product has every holder of its group as a peer holder and
    # the rest of its group (accounts - 1) as peers
    q = pen.merge(stats[["expected_monthly_revenue"]].reset_index(), on=[*key, "product"])
    q["peers"] = q["accounts"] - 1
    q["peer_holders"] = q["holders"]
    q["peer_share"] = q["holders"] / q["peers"].where(q["peers"] > 0)
    q = q[
        (q["peers"] >= min_peers) & (q["peer_share"] >= peer_share) & (q["holders"] < q["accounts"])
    ]
    few = int((grouped.merge(size.reset_index(), on=key)["accounts"] - 1 < min_peers).sum())
    if few or no_group:
        notes.append(
            ntr(
                "{n} account has fewer than {peers} similar accounts (same {by} and customer "
                "type), so no white space is shown for it.",
                "{n} accounts have fewer than {peers} similar accounts (same {by} and customer "
                "type), so no white space is shown for them.",
                few + no_group,
                n=count(few + no_group),
                peers=count(min_peers),
                by=in_sentence(group_by),
            )
        )
    pairs = grouped.merge(
        q[[*key, "product", "peers", "peer_holders", "peer_share", "expected_monthly_revenue"]],
        on=key,
    )
    holds = held[["account_id", "product"]].assign(_held=True)
    pairs = pairs.merge(holds, on=["account_id", "product"], how="left")
    table = pairs[pairs["_held"].isna()].drop(columns="_held")
    table = table.sort_values(
        ["expected_monthly_revenue", "account_id", "product"],
        ascending=[False, True, True],
        kind="stable",
    ).reset_index(drop=True)[WHITE_SPACE_COLUMNS]
    table["customer_type"] = table["customer_type"].replace({_NO_TYPE: None})
    table["peers"] = table["peers"].astype(int)
    table["peer_holders"] = table["peer_holders"].astype(int)
    if table.empty:
        notes.append(
            tr(
                "No account lacks a product that at least {share} of its similar accounts hold.",
                share=share(peer_share),
            )
        )
    pen = pen.assign(customer_type=pen["customer_type"].replace({_NO_TYPE: None}))
    return WhiteSpace(table, pen, rules, book.currency, tuple(dict.fromkeys(notes)))


# ----------------------------------------------------------------------------- sales potential
#: the columns of :attr:`SalesPotential.table`
POTENTIAL_COLUMNS = [
    "segment",
    "lever",
    "today_revenue",
    "potential",
    "look_alike",
    "revenue_given_up",
    "basis",
    "source",
]
#: the summary figure of each lever's total
_LEVER_FIGURES = {
    "raise usage": "potential_raise_usage",
    "cross-sell": "potential_cross_sell",
    "raise price / improve mix": "potential_price_mix",
    "drop unprofitable": "potential_drop_unprofitable",
    "win new customers": "potential_new_customers",
}
for _key, _words in {
    "today_revenue": N_("Revenue today (a year)"),
    "today_profit": N_("Profit today (a year)"),
    "potential": N_("Potential (a year)"),
    "look_alike": N_("White space of look-alike accounts (a year)"),
    "revenue_given_up": N_("Revenue given up (a year)"),
    "assumption": N_("An assumption"),
    "potential_raise_usage": N_("Potential from raising usage (a year)"),
    "potential_cross_sell": N_("Potential from cross-selling (a year)"),
    "potential_look_alike": N_("White space of look-alike accounts (a year)"),
    "potential_price_mix": N_("Potential from price and mix (a year)"),
    "potential_drop_unprofitable": N_("Profit from dropping loss-makers (a year)"),
    "potential_new_customers": N_("Potential from new customers (a year)"),
}.items():
    LABELS.setdefault(_key, _words)


@dataclass(repr=False, eq=False)
class SalesPotential(Result):
    """Today's revenue per segment and the gap each lever could close (result of
    :func:`sales_potential`).

    Attributes
    ----------
    table : one row per segment and lever: ``segment``, ``lever`` (a code of
        :data:`kamlib.opportunity.LEVERS`), ``today_revenue`` (the segment's annual
        revenue), ``potential`` (annual money; for ``drop unprofitable`` the profit
        gained), ``look_alike`` (cross-sell rows: the segment's white space of look-alike
        accounts, a second reading of the same gap, never to be added to ``potential``),
        ``revenue_given_up`` (drop rows: the revenue the dropped accounts bring), ``basis``
        (in words) and ``source`` (``data`` or ``assumption``).
    wide : one row per segment: ``accounts``, ``today_revenue``, ``today_profit``, one
        column per lever and ``look_alike``.
    rules : the rules of ``segments.yaml: opportunities`` used.
    """

    table: pd.DataFrame
    wide: pd.DataFrame
    rules: dict[str, Any]
    currency: str = "CNY"
    notes: tuple[str, ...] = ()

    def as_estimates(self) -> pd.DataFrame:
        """The sizes as the team's estimates for :func:`kamlib.opportunity_matrix`
        (``given=``): ``segment``, ``lever``, ``size`` and ``basis``, one row per lever
        that could be sized; the probability is left to the matrix.

        Examples
        --------
        >>> import kamlib
        >>> from kamlib.potential import sales_potential
        >>> b = kamlib.synth(300, seed=1).book
        >>> sp = sales_potential(b)
        >>> o = kamlib.opportunity_matrix(b, kamlib.value_tiers(b).assignment,
        ...                               given=sp.as_estimates())
        >>> bool((o.table["source"] == "given").any())
        True
        """
        t = self.table.dropna(subset=["potential"])
        return pd.DataFrame(
            {
                "segment": t["segment"].astype(str).to_numpy(),
                "lever": t["lever"].to_numpy(),
                "size": t["potential"].to_numpy(dtype=float),
                "basis": t["basis"].to_numpy(),
            }
        )

    def summary(self) -> pd.DataFrame:
        w = self.wide
        out: dict[str, Any] = {
            "accounts": int(w["accounts"].sum()) if len(w) else 0,
            "today_revenue": float(w["today_revenue"].sum()) if len(w) else np.nan,
            "today_profit": float(w["today_profit"].sum(min_count=1)) if len(w) else np.nan,
        }
        for lever, key in _LEVER_FIGURES.items():
            v = w[lever].sum(min_count=1) if lever in w and len(w) else np.nan
            out[key] = float(v)
            if lever == "cross-sell":
                la = w["look_alike"].sum(min_count=1) if len(w) else np.nan
                out["potential_look_alike"] = float(la)
        out["currency"] = self.currency
        return figures(out)

    def plot(self, *, ax: Any = None) -> Any:
        """The total potential of each lever (bars); returns the Axes."""
        from ._charts import money_axis, wrap
        from .opportunity import LEVERS

        ax = axes(ax)
        s = self.summary()["value"]
        vals = {
            tr(LEVERS[lev]): s[key]
            for lev, key in _LEVER_FIGURES.items()
            if pd.notna(s[key]) and float(s[key]) > 0
        }
        if not vals:
            return nothing_to_draw(
                ax, self.notes[0] if self.notes else tr("No lever could be sized from the data.")
            )
        ax.barh(range(len(vals)), list(vals.values()), color="#4c72b0")
        ax.set_yticks(range(len(vals)), [wrap(k, 28) for k in vals])
        ax.invert_yaxis()
        money_axis(ax, self.currency, axis="x")
        ax.set_xlabel(tr("Potential (a year)"))
        return ax


def _similar(segs: list[Any], ordered: bool) -> dict[Any, list[Any]]:
    """The segments each segment is compared with: its neighbours in the scheme's order
    (among the segments that hold accounts), or every other segment when the
    segmentation has no order."""
    if not ordered:
        return {s: [o for o in segs if o != s] for s in segs}
    return {s: segs[max(i - 1, 0) : i] + segs[i + 1 : i + 2] for i, s in enumerate(segs)}


def _white_space_of(book: Book, types: Any) -> WhiteSpace:
    # sales_potential's own parameter is called white_space: the function by another name
    return white_space(book, types=types)


def sales_potential(
    book: Book,
    *,
    by: str = "tier",
    segments: pd.Series | None = None,
    market: Any = None,
    pnl: Any = None,
    scheme: Any = None,
    types: tuple[str, ...] | list[str] | None = ("business", "key_account"),
    rules: Any = None,
    tiers: Any = None,
    white_space: Any = None,
) -> SalesPotential:
    """Sales potential (销售潜力) per segment: today's revenue and the annual gap each lever
    could close.

    Parameters
    ----------
    book : the data (usually one branch).
    by : ``"tier"`` (value tiers, :func:`kamlib.value_tiers` with ``scheme``) or a column
        of the accounts table (e.g. ``customer_type``); ignored when ``segments`` is given.
    segments : a segment per account (index: account_id) instead of ``by``.
    market : market sizes per segment (as :func:`kamlib.segment_targets`): needed for
        ``win new customers``.
    pnl : a :func:`kamlib.customer_pnl` result of this book to reuse.
    scheme : the tier scheme (``by="tier"``).
    types : the customer types whose accounts are counted (None: all).
    rules : changes to ``config/segments.yaml`` (``opportunities:``).
    tiers : a :func:`kamlib.value_tiers` result of the book to reuse (computed when None).
    white_space : a :func:`white_space` result of the book for the same ``types`` to reuse
        (computed when None).

    Returns
    -------
    SalesPotential
        ``table`` (segment x lever), ``wide`` (segment rows), ``as_estimates()`` for
        :func:`kamlib.opportunity_matrix`; ``summary()``: ``accounts``, ``today_revenue``,
        ``today_profit`` and each lever's total (``potential_look_alike`` beside
        cross-selling, never added to it).

    Notes
    -----
    Money is annual (monthly x 12) and counts the active accounts of ``types``. The
    rules are those of :func:`kamlib.opportunity_matrix` (``segments.yaml:
    opportunities``):

    - **raise usage** (data): for each product, the segment's holders below the
      holders' median monthly spend on it close ``usage_uplift`` of the gap (per product
      held, where the matrix compares whole bills; without billing by product, whole
      bills as the matrix).
    - **cross-sell** (data): for each product, (best penetration among the similar
      segments - the segment's own) x the segment's accounts x its holders' mean monthly
      spend on it (the best segment's holders' where it has none) x 12. Similar segments
      are the neighbouring tiers of the scheme (ordered segments: the next lower and next
      higher holding accounts); for segments without order, all the others.
      ``look_alike`` is the white space of :func:`white_space` summed per segment: a
      second measure of the same gap (they overlap), shown beside it, not added.
    - **raise price / improve mix** (assumption): ``price_rise`` x the segment's revenue.
    - **drop unprofitable** (data, needs costs): the loss-making accounts (profit below
      the break-even band, :func:`kamlib.profit.is_loss_making`) that are not important:
      the profit gained (their losses) in ``potential`` and the revenue given up.
    - **win new customers** (assumption, needs ``market``): the gap to the target share
      (:func:`kamlib.segment_targets`).

    Examples
    --------
    >>> import kamlib, numpy as np
    >>> from kamlib.potential import sales_potential
    >>> sp = sales_potential(kamlib.synth(300, seed=1).book)
    >>> sorted(sp.table["lever"].unique())[:2]
    ['cross-sell', 'drop unprofitable']
    >>> bool(np.isnan(sp.wide.loc["crystal", "win new customers"]))  # no market sizes
    True
    """
    from . import profit as pr
    from ._labels import label
    from ._settings import settings
    from .opportunity import LEVERS, segment_targets
    from .segment import value_tiers

    r = settings("segments", rules, caller="sales_potential")["opportunities"]
    cur = book.currency
    notes: list[str] = []
    wide_cols = ["accounts", "today_revenue", "today_profit", *LEVERS, "look_alike"]

    def empty(why: str) -> SalesPotential:
        w = pd.DataFrame(columns=wide_cols, dtype=float)
        w.index.name = "segment"
        return SalesPotential(
            pd.DataFrame(columns=POTENTIAL_COLUMNS), w, r, cur, tuple(dict.fromkeys([*notes, why]))
        )

    spend = book.monthly_revenue()
    if spend is None:
        return empty(tr("The data have no revenue, so no sales potential can be sized."))
    if segments is None:
        if by == "tier":
            # a value_tiers result of the book already computed (the report's) is reused
            tiers = tiers if tiers is not None else value_tiers(book, scheme=scheme)
            segments = tiers.assignment
        elif has_column(book, by, caller="sales_potential"):
            segments = book.accounts.set_index("account_id")[by]
        else:
            return empty(
                tr("The data have no {column} column, so there are no segments.", column=by)
            )
    ordered = isinstance(segments.dtype, pd.CategoricalDtype) and bool(segments.cat.ordered)
    cand = _candidates(book, types, notes)
    ids = pd.Index(cand["account_id"])
    seg = segments.reindex(ids)
    df = pd.DataFrame(
        {"segment": seg.to_numpy(), "spend": spend.reindex(ids).to_numpy(dtype=float)},
        index=ids,
    )
    df = df[df["segment"].notna()]
    if df.empty:
        return empty(tr("No active account of the types compared is in a segment."))
    acc = book.accounts.set_index("account_id")
    df["important"] = (
        acc["important"].reindex(df.index).fillna(False).astype(bool).to_numpy()
        if "important" in acc
        else False
    )
    present = set(df["segment"])
    if ordered:
        segs = [c for c in segments.cat.categories if c in present]
    else:
        segs = sorted(present, key=str)
    g = df.groupby("segment", observed=True, sort=False)
    n = g.size().reindex(segs)
    today = g["spend"].sum().reindex(segs) * 12

    # -- profit today and the loss-makers
    months = max(len(book.months()), 1)
    p = pr.pnl_of(book, pnl, None)
    profit_today = pd.Series(np.nan, index=segs)
    drop = pd.DataFrame({"gain": np.nan, "given_up": np.nan, "losers": 0}, index=segs)
    if p.has_costs:
        pt = p.table.set_index("account_id")
        sub = pt.reindex(df.index)
        loss = pd.Series(pr.is_loss_making(sub.reset_index()), index=df.index) & ~df["important"]
        per = 12 / months  # the P&L is over the whole window
        profit_today = sub["profit"].groupby(df["segment"]).sum(min_count=1).reindex(segs) * per
        lost = sub[loss.to_numpy()]
        lseg = df.loc[loss, "segment"]
        drop["gain"] = (-lost["profit"].groupby(lseg).sum()).reindex(segs).fillna(0.0) * per
        drop["given_up"] = lost["revenue"].groupby(lseg).sum().reindex(segs).fillna(0.0) * per
        drop["losers"] = lseg.value_counts().reindex(segs).fillna(0).astype(int)
    else:
        notes.append(
            tr(
                "The data have no costs, so what dropping loss-making accounts would change "
                "cannot be sized."
            )
        )

    # -- raise usage and cross-sell from billing by product
    usage = pd.Series(0.0, index=segs)
    usage_below = pd.Series(0, index=segs)
    cross = pd.Series(np.nan, index=segs)
    cross_products: dict[Any, list[str]] = {s: [] for s in segs}
    similar = _similar(segs, ordered)
    if book.has("billing"):
        sp = _product_spend(book, df.index)
        sp = sp[sp["held"]].copy()
        sp["segment"] = df["segment"].reindex(sp["account_id"]).to_numpy()
        med = sp.groupby(["segment", "product"], observed=True)["monthly"].transform("median")
        gap = (med - sp["monthly"]).clip(lower=0)
        usage = gap.groupby(sp["segment"]).sum().reindex(segs).fillna(0.0) * r["usage_uplift"] * 12
        usage_below = (gap > 0).groupby(sp["segment"]).sum().reindex(segs).fillna(0).astype(int)
        hs = sp.groupby(["segment", "product"], observed=True).agg(
            holders=("account_id", "size"), mean=("monthly", "mean")
        )
        holders = hs["holders"].unstack(fill_value=0).reindex(index=segs, fill_value=0)
        mean = hs["mean"].unstack().reindex(index=segs)
        pen = holders.div(n, axis=0)
        for s in segs:  # a loop over segments and products, not accounts
            if not similar[s]:
                continue
            total = 0.0
            for prod in pen.columns:
                others = pen.loc[similar[s], prod]
                best = others.idxmax()
                lift = float(others[best] - pen.loc[s, prod])
                if lift <= 0:
                    continue
                m = mean.loc[s, prod]
                m = m if pd.notna(m) else mean.loc[best, prod]
                total += lift * int(n[s]) * float(m) * 12
                cross_products[s].append(str(prod))
            cross[s] = total
        if len(segs) == 1:
            notes.append(
                tr("There is only one segment, so no segment to compare cross-selling with.")
            )
    else:
        usage = (
            df.assign(m=g["spend"].transform("median"))
            .pipe(lambda d: (d["m"] - d["spend"]).clip(lower=0).groupby(d["segment"]).sum())
            .reindex(segs)
            .fillna(0.0)
            * r["usage_uplift"]
            * 12
        )
        notes.append(
            tr(
                "The data have no billing by product, so usage is compared on whole bills and "
                "cross-selling cannot be sized."
            )
        )

    # -- look-alike white space, per segment of the account
    look = pd.Series(np.nan, index=segs)
    if book.has("billing"):
        found = white_space if white_space is not None else _white_space_of(book, types)
        ws = found.table
        if len(ws):
            wseg = df["segment"].reindex(ws["account_id"]).to_numpy()
            look = (
                pd.Series(ws["expected_monthly_revenue"].to_numpy() * 12)
                .groupby(wseg)
                .sum()
                .reindex(segs)
                .fillna(0.0)
            )
        else:
            look = pd.Series(0.0, index=segs)

    # -- new customers from market sizes
    new = pd.Series(np.nan, index=segs)
    if market is None:
        notes.append(
            tr(
                "Winning new customers needs the size of the market per segment, which "
                "the data do not give: it is not sized."
            )
        )
    else:
        scope = segments.reindex(pd.Index(cand["account_id"]))
        tt = segment_targets(book, scope.dropna(), market=market)
        notes += list(tt.notes)
        if "gap_revenue" in tt.table:
            new = tt.table["gap_revenue"].reindex(segs).clip(lower=0)

    # -- the table
    rows: list[dict[str, Any]] = []
    for s in segs:
        t_rev = float(today[s])
        below = int(usage_below[s])
        rows.append(
            {
                "segment": s,
                "lever": "raise usage",
                "potential": float(usage[s]),
                "basis": ntr(
                    "{n} account below the segment's median spend on a product closes {u} of "
                    "the gap",
                    "{n} accounts below the segment's median spend on a product close {u} of "
                    "the gap",
                    below,
                    n=count(below),
                    u=share(r["usage_uplift"]),
                ),
                "source": "data",
            }
        )
        others = [str(o) for o in similar[s]]
        rows.append(
            {
                "segment": s,
                "lever": "cross-sell",
                "potential": float(cross[s]),
                "look_alike": float(look[s]),
                "basis": tr(
                    "penetration of {products} raised to the best of {others}",
                    products=names_list(label(x) for x in cross_products[s]),
                    others=names_list(label(x) for x in others),
                )
                if cross_products[s]
                else (
                    tr(
                        "no product less held than in {others}",
                        others=names_list(label(x) for x in others),
                    )
                    if others
                    else tr("no similar segment to compare with")
                ),
                "source": "data",
            }
        )
        rows.append(
            {
                "segment": s,
                "lever": "raise price / improve mix",
                "potential": r["price_rise"] * t_rev,
                "basis": tr("assumed: {rise} of revenue", rise=share(r["price_rise"])),
                "source": "assumption",
            }
        )
        nl = int(drop.loc[s, "losers"])
        rows.append(
            {
                "segment": s,
                "lever": "drop unprofitable",
                "potential": float(drop.loc[s, "gain"]),
                "revenue_given_up": float(drop.loc[s, "given_up"]),
                "basis": ntr(
                    "{n} loss-making account (important accounts kept); {money} of revenue "
                    "given up",
                    "{n} loss-making accounts (important accounts kept); {money} of revenue "
                    "given up",
                    nl,
                    n=count(nl),
                    money=money(drop.loc[s, "given_up"], cur),
                )
                if p.has_costs
                else tr("needs costs"),
                "source": "data",
            }
        )
        rows.append(
            {
                "segment": s,
                "lever": "win new customers",
                "potential": float(new[s]),
                "basis": tr("gap to the target share")
                if pd.notna(new[s])
                else tr("needs market sizes"),
                "source": "assumption",
            }
        )
    table = pd.DataFrame(rows).reindex(columns=POTENTIAL_COLUMNS)
    table["today_revenue"] = table["segment"].map(today.to_dict()).astype(float)
    for c in ("potential", "look_alike", "revenue_given_up"):
        table[c] = table[c].astype(float)
    table["segment"] = table["segment"].astype(object)
    wide = table.pivot(index="segment", columns="lever", values="potential").reindex(
        index=segs, columns=list(LEVERS)
    )
    wide.insert(0, "accounts", n.to_numpy())
    wide.insert(1, "today_revenue", today.to_numpy())
    wide.insert(2, "today_profit", profit_today.to_numpy())
    wide["look_alike"] = look.to_numpy()
    wide.index.name = "segment"
    wide.columns.name = None
    notes.append(
        tr(
            "Cross-selling and the white space of look-alike accounts measure the same gap "
            "two ways: read them side by side, do not add them."
        )
    )
    return SalesPotential(table, wide, r, cur, tuple(dict.fromkeys(notes)))
