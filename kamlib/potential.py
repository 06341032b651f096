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

import pandas as pd

from ._book import Book, has_column
from ._format import count, share
from ._i18n import N_, ntr, tr
from ._labels import LABELS
from ._result import Result, axes, figures, nothing_to_draw

__all__ = ["WhiteSpace", "white_space"]

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
def _product_spend(book: Book, ids: pd.Index) -> pd.DataFrame:
    """Billing per account and product for the accounts ``ids``: ``account_id``,
    ``product``, ``revenue`` (over the window), ``monthly`` (revenue / months billed for
    that product, so a product taken up in October is not diluted by empty months, as
    :meth:`Book.monthly_revenue`) and ``held`` (revenue > 0)."""
    b = book.table("billing")
    b = b[b["account_id"].isin(ids)]
    g = b.groupby(["account_id", "product"], observed=True, sort=False).agg(
        revenue=("revenue", "sum"), months=("month", "nunique")
    )
    out = g.reset_index()
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
                column=by,
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
    c["customer_type"] = c["customer_type"] if has_type or group_by == "customer_type" else None
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
                by=group_by,
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
    table["peers"] = table["peers"].astype(int)
    table["peer_holders"] = table["peer_holders"].astype(int)
    if table.empty:
        notes.append(
            tr(
                "No account lacks a product that at least {share} of its similar accounts hold.",
                share=share(peer_share),
            )
        )
    return WhiteSpace(table, pen, rules, book.currency, tuple(dict.fromkeys(notes)))
