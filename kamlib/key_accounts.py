"""The yearly key-account list (大客户名单) and the service each value tier receives.

:func:`key_account_list` rebuilds the list from the last year's spend by Beijing's rules
(an average of at least ``list.key_account_monthly`` a month makes a key account, above
``list.super_monthly`` a super key account; important accounts are on the list whatever
they spend) and sets it beside last year's list: who stayed, entered or left, and why.

:func:`service_levels` compares the account-manager hours and field visits each account
receives (the ``costs`` table) with what its value tier is entitled to
(``service.entitlements``) and names the accounts served below or far above their tier.

Every threshold is a setting of ``config/key_accounts.yaml`` (sections ``list`` and
``service``), changed with ``rules=``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._book import Book, lookup
from ._format import count
from ._i18n import N_, ntr, tr
from ._result import Result, axes, figures, nothing_to_draw
from ._settings import settings

__all__ = [
    "KeyAccountList",
    "key_account_list",
    "ServiceLevels",
    "service_levels",
    "LIST_CLASSES",
    "CHANGES",
    "WHY",
    "STATUSES",
]

#: the classes of the list, highest first (``off_list``: not on it)
LIST_CLASSES = ("super_key_account", "key_account", "important", "off_list")
#: how an account's place changed between last year's list and the new one
CHANGES = ("stayed", "entered", "left")
#: why an account entered or left (see :func:`key_account_list` for the precedence)
WHY = ("spend_rose", "spend_fell", "churned", "important", "new_account", "reclassified")
#: the service an account receives against its tier's entitlement
STATUSES = ("under_served", "as_entitled", "far_above")

_LIST_COLUMNS = [
    "account_id",
    "name",
    "branch",
    "industry",
    "important",
    "monthly_spend_before",
    "monthly_spend_now",
    "list_before",
    "list_now",
    "change",
    "why",
]
_BRANCH_COLUMNS = [
    "on_list_before",
    "on_list_now",
    "entered",
    "left",
    "super_key_accounts",
    "important",
]
_MEASURES = ("am_hours", "field_visits")
_SERVICE_COLUMNS = [
    "account_id",
    "name",
    "tier",
    "am_hours",
    "am_hours_entitled",
    "field_visits",
    "field_visits_entitled",
    "am_hours_ratio",
    "field_visits_ratio",
    "status",
    "off_in",
    "response_hours",
    "response_hours_entitled",
    "slow_response",
    "monthly_revenue",
]
_TIER_COLUMNS = [
    "accounts",
    "am_hours",
    "am_hours_entitled",
    "field_visits",
    "field_visits_entitled",
    "under_served",
    "far_above",
    "response_hours",
    "response_hours_entitled",
    "answered_slowly",
    "resident_manager",
    "training",
]

_WHY_WORDS = {
    "spend_rose": N_("Spend rose"),
    "spend_fell": N_("Spend fell"),
    "churned": N_("Churned"),
    "important": N_("Important account"),
    "new_account": N_("New account"),
    "reclassified": N_("Reclassified"),
}
_STATUS_WORDS = {
    "under_served": N_("Below entitlement"),
    "as_entitled": N_("As entitled"),
    "far_above": N_("Far above entitlement"),
}


# ============================================================================ the list
class KeyAccountList(Result):
    """The new key-account list beside last year's (:func:`key_account_list`).

    ``table``: one row per account on either list (see :func:`key_account_list`);
    ``by_branch``: per branch, accounts on each list, entered, left, super key accounts and
    important accounts on the new list; ``before_basis``: what last year's list was drawn
    from (``"spend"``, ``"customer_type"`` or None when it is unknown).
    """

    def __init__(
        self,
        table: pd.DataFrame,
        by_branch: pd.DataFrame,
        notes: tuple[str, ...] | list[str] = (),
        *,
        before_basis: str | None = None,
        currency: str = "",
    ) -> None:
        self.table = table
        self.by_branch = by_branch
        self.notes = tuple(notes)
        self.before_basis = before_basis
        self.currency = currency

    def summary(self) -> pd.DataFrame:
        """Key accounts on the new list, entered, left (NaN when last year's list is
        unknown), super key accounts and important accounts on the new list."""
        t = self.table
        on_now = t["list_now"] != "off_list"
        known = self.before_basis is not None
        return figures(
            {
                "key_accounts_now": int(on_now.sum()),
                "key_accounts_entered": int((t["change"] == "entered").sum()) if known else np.nan,
                "key_accounts_left": int((t["change"] == "left").sum()) if known else np.nan,
                "super_key_accounts": int((t["list_now"] == "super_key_account").sum()),
                "important_accounts": int((on_now & t["important"].astype(bool)).sum()),
            }
        )

    def plot(self, *, ax: Any = None) -> Any:
        """Accounts that entered (right) and left (left) the list, by why."""
        ax = axes(ax)
        t = self.table
        moved = t[t["change"].isin(["entered", "left"])] if len(t) else t
        if moved.empty:
            return nothing_to_draw(
                ax, self.notes[0] if self.notes else tr("No account entered or left the list.")
            )
        from ._charts import count_axis

        counts = (
            moved.groupby(["why", "change"]).size().unstack("change").reindex(list(WHY)).fillna(0)
        )
        counts = counts[(counts.sum(axis=1) > 0)]
        entered = counts.get("entered", pd.Series(0, index=counts.index)).to_numpy(float)
        left = counts.get("left", pd.Series(0, index=counts.index)).to_numpy(float)
        y = np.arange(len(counts))
        ax.barh(y, entered, color="#1a7f37", label=tr("Entered"))
        ax.barh(y, -left, color="#b00", label=tr("Left"))
        ax.set_yticks(y, [tr(_WHY_WORDS[w]) for w in counts.index])
        ax.invert_yaxis()
        ax.axvline(0, color="#555", linewidth=0.8)
        count_axis(ax, axis="x")
        # the left bars point left: their ticks read as counts, not negatives
        ax.set_xticks(ax.get_xticks(), [count(abs(v)) for v in ax.get_xticks()])
        ax.legend(loc="best")  # the report titles the chart with its finding
        return ax


def _average(bill: pd.DataFrame, months: pd.DatetimeIndex, ids: pd.Series) -> pd.Series:
    """Average monthly spend per account over ``months``: revenue over the months billed
    among them (as ``Book.monthly_revenue``: a newcomer is not diluted); NaN if none.
    ``bill``: billing lines or :meth:`Book.account_months` (the same answer, faster)."""
    sub = bill.loc[bill["month"].isin(months), ["account_id", "month", "revenue"]]
    per = sub.groupby("account_id", sort=False).agg(
        revenue=("revenue", "sum"), months=("month", "nunique")
    )
    avg = (per["revenue"] / per["months"]).astype("float64")
    return pd.Series(lookup(ids, avg).to_numpy(dtype="float64"), index=pd.Index(ids))


def _classes(
    spend: np.ndarray, important: np.ndarray, key_min: float, super_min: float
) -> np.ndarray:
    """The list class by spend, important accounts below the threshold as ``important``."""
    with np.errstate(invalid="ignore"):  # NaN spend: compares false, off the list
        return np.select(
            [spend > super_min, spend >= key_min, important],
            ["super_key_account", "key_account", "important"],
            "off_list",
        ).astype(object)


def _dates(acc: pd.DataFrame, column: str) -> pd.Series:
    if column not in acc:
        return pd.Series(pd.NaT, index=acc.index, dtype="datetime64[ns]")
    return pd.to_datetime(acc[column], errors="coerce")


def key_account_list(book: Book, *, rules: str | Path | dict | None = None) -> KeyAccountList:
    """The key-account list rebuilt from the last year's spend, beside last year's list.

    The new list (``list_now``): average monthly spend over the last 12 billing months
    (revenue over the months billed among them) above ``list.super_monthly`` makes a
    ``super_key_account``, at least ``list.key_account_monthly`` a ``key_account``; an
    important account (flagged ``important`` or of an industry of
    ``list.important_industries``) below the threshold is on the list as ``important``;
    every other account is ``off_list``, and so is every churned account.

    Last year's list (``list_before``): with at least 24 billing months, the same rule on
    the 12 months before; otherwise the accounts recorded as key accounts
    (``customer_type == "key_account"``, the operator's current classification) stand for
    it, and a note says so. An account that joined within the year (``join_date`` on or
    after the first of the 12 months) or churned before it was on neither. The important
    flags are the ones recorded now (the data hold no history of them).

    ``why`` an account entered, the first that holds: ``new_account`` (joined within the
    year; without a join date, not billed in the months before), ``important`` (an
    important account), ``spend_rose`` (its spend before was below the threshold, or both
    lists come from spend), ``reclassified`` (last year's list came from ``customer_type``
    and no spend move the data show explains the difference). Why an account left:
    ``churned``, ``spend_fell`` (its spend before was at or above the threshold, or both
    lists come from spend), ``reclassified``.

    Parameters
    ----------
    book : the data (a whole operator or one branch).
    rules : changes to ``config/key_accounts.yaml`` (a dict or a YAML file), e.g.
        ``{"list": {"key_account_monthly": 5000}}``.

    Returns
    -------
    KeyAccountList
        ``table``: account_id, name, branch, industry, important, monthly_spend_before
        (NaN where unknown), monthly_spend_now, list_before, list_now, change (``stayed``,
        ``entered``, ``left``), why (for entered and left); ``by_branch``; ``summary()``.
        Without billing the accounts' ``monthly_revenue`` stands for the spend; without
        any spend the table is empty and a note says so.

    Examples
    --------
    >>> import kamlib
    >>> from kamlib.key_accounts import key_account_list
    >>> kal = key_account_list(kamlib.synth(300, seed=1).book)
    >>> sorted(set(kal.table["list_now"]) - {"off_list"})
    ['important', 'key_account', 'super_key_account']
    >>> kal.before_basis
    'customer_type'
    """
    cfg = settings("key_accounts", rules, caller="key_account_list")["list"]
    key_min, super_min = float(cfg["key_account_monthly"]), float(cfg["super_monthly"])
    acc = book.accounts
    ids = acc["account_id"]
    notes: list[str] = []
    important = np.zeros(len(acc), dtype=bool)
    if "important" in acc:
        important |= acc["important"].fillna(False).astype(bool).to_numpy()
    if "industry" in acc:
        important |= acc["industry"].isin(cfg["important_industries"]).fillna(False).to_numpy()

    months = book.months()
    before: np.ndarray | None = None  # spend over the months before the last 12
    before_months: pd.DatetimeIndex = pd.DatetimeIndex([])
    if len(months):
        bill = book.account_months()
        now_months = months[-12:]
        start: pd.Timestamp | None = now_months[0]
        if len(months) <= 12:
            mr = book.monthly_revenue()
            now = np.asarray(mr.to_numpy(dtype="float64") if mr is not None else [])
        else:
            now = _average(bill, now_months, ids).to_numpy()
        before_months = months[-24:-12]
        if len(before_months):
            before = _average(bill, before_months, ids).to_numpy()
        by_spend = len(months) >= 24
    else:
        mr = book.monthly_revenue()
        if mr is None:
            return _empty_list(
                book,
                tr(
                    "The data hold no spend (no billing table and no monthly revenue of the "
                    "accounts): the key-account list cannot be drawn up."
                ),
            )
        now = mr.to_numpy(dtype="float64")
        start = book.as_of - pd.DateOffset(months=12) if book.as_of is not None else None
        by_spend = False
        notes.append(
            tr(
                "Without a billing table, the accounts' recorded monthly revenue stands for "
                "their average monthly spend over the last year."
            )
        )

    churned = np.array((acc["status"] == "churned").fillna(False), dtype=bool)
    joined, left_on = _dates(acc, "join_date"), _dates(acc, "churn_date")
    if start is not None:
        # copies: Arrow-backed columns give read-only arrays
        new = np.array((joined >= start).fillna(False), dtype=bool)
        gone_earlier = np.array((left_on < start).fillna(False), dtype=bool)
    else:
        new = np.zeros(len(acc), dtype=bool)
        gone_earlier = np.zeros(len(acc), dtype=bool)
    if before is not None and len(before_months):
        # no join date: an account not billed in the months before came within the year
        new |= joined.isna().to_numpy() & np.isnan(before)
    eligible_before = ~new & ~gone_earlier

    list_now = _classes(now, important, key_min, super_min)
    list_now[churned] = "off_list"
    basis: str | None
    if by_spend:
        assert before is not None
        basis = "spend"
        list_before = _classes(before, important, key_min, super_min)
        list_before[~eligible_before] = "off_list"
    elif "customer_type" in acc:
        basis = "customer_type"
        recorded = (acc["customer_type"] == "key_account").fillna(False).to_numpy()
        list_before = np.where(recorded & eligible_before, "key_account", "off_list").astype(object)
        if len(months):
            notes.append(
                ntr(
                    "The billing covers {n} month, fewer than the 24 that two yearly lists "
                    "need, so the accounts recorded as key accounts (by their customer type) stand for "
                    "last year's list.",
                    "The billing covers {n} months, fewer than the 24 that two yearly lists "
                    "need, so the accounts recorded as key accounts (by their customer type) stand for "
                    "last year's list.",
                    len(months),
                    n=count(len(months)),
                )
            )
        else:
            notes.append(
                tr(
                    "Without billing, the accounts recorded as key accounts (by their customer type) "
                    "stand for last year's list."
                )
            )
    else:
        basis = None
        list_before = np.full(len(acc), None, dtype=object)
        notes.append(
            tr(
                "Last year's list is unknown (fewer than 24 billing months and no customer "
                "types): who entered and left the list cannot be shown."
            )
        )

    on_now = list_now != "off_list"
    on_before = np.isin(list_before, LIST_CLASSES[:3])  # None (unknown) is on no list
    if basis is None:
        change = np.full(len(acc), None, dtype=object)
        why = np.full(len(acc), None, dtype=object)
    else:
        change = np.select(
            [on_now & on_before, on_now, on_before], ["stayed", "entered", "left"], ""
        ).astype(object)
        spend_before = before if before is not None else np.full(len(acc), np.nan)
        with np.errstate(invalid="ignore"):
            rose = by_spend | (spend_before < key_min)
            fell = by_spend | (spend_before >= key_min)
        entered, gone = change == "entered", change == "left"
        why = np.select(
            [
                entered & new,
                entered & important,
                entered & rose,
                entered,
                gone & churned,
                gone & fell,
                gone,
            ],
            [
                "new_account",
                "important",
                "spend_rose",
                "reclassified",
                "churned",
                "spend_fell",
                "reclassified",
            ],
            "",
        ).astype(object)
        why[why == ""] = None
    keep = on_now | on_before
    table = pd.DataFrame(
        {
            "account_id": ids.to_numpy()[keep],
            "name": (acc["name"] if "name" in acc else ids).to_numpy()[keep],
            "branch": acc["branch"].to_numpy()[keep],
            "industry": (
                acc["industry"].to_numpy() if "industry" in acc else np.full(len(acc), None)
            )[keep],
            "important": important[keep],
            "monthly_spend_before": (before if before is not None else np.full(len(acc), np.nan))[
                keep
            ],
            "monthly_spend_now": now[keep],
            "list_before": list_before[keep],
            "list_now": list_now[keep],
            "change": change[keep],
            "why": why[keep],
        },
        columns=_LIST_COLUMNS,
    )
    rank = {c: i for i, c in enumerate(LIST_CLASSES)}
    table = (
        table.assign(_rank=table["list_now"].map(rank))
        .sort_values(["_rank", "monthly_spend_now"], ascending=[True, False], kind="stable")
        .drop(columns="_rank")
        .reset_index(drop=True)
    )
    return KeyAccountList(
        table,
        _by_branch(table, book.branches),
        notes,
        before_basis=basis,
        currency=book.currency,
    )


def _by_branch(table: pd.DataFrame, branches: list[str]) -> pd.DataFrame:
    t = table
    on_now = t["list_now"] != "off_list"
    parts = pd.DataFrame(
        {
            "branch": t["branch"],
            "on_list_before": t["list_before"].isin(LIST_CLASSES[:3]),
            "on_list_now": on_now,
            "entered": t["change"] == "entered",
            "left": t["change"] == "left",
            "super_key_accounts": t["list_now"] == "super_key_account",
            "important": on_now & t["important"].astype(bool),
        }
    )
    out = parts.groupby("branch").sum().reindex(branches).fillna(0).astype(int)
    out = out.reindex(columns=_BRANCH_COLUMNS)
    out.index.name = "branch"
    return out


def _empty_list(book: Book, note: str) -> KeyAccountList:
    table = pd.DataFrame(columns=_LIST_COLUMNS)
    return KeyAccountList(
        table,
        _by_branch(table, book.branches),
        (note,),
        before_basis=None,
        currency=book.currency,
    )


# ============================================================================ service
class ServiceLevels(Result):
    """The service each account receives against its tier's entitlement
    (:func:`service_levels`).

    ``table``: one row per account checked; ``by_tier``: per tier, accounts, mean service
    received beside the entitlement, accounts below and far above, and the entitlements
    the data cannot check (response hours, resident manager, training).
    """

    def __init__(
        self,
        table: pd.DataFrame,
        by_tier: pd.DataFrame,
        notes: tuple[str, ...] | list[str] = (),
        *,
        currency: str = "",
    ) -> None:
        self.table = table
        self.by_tier = by_tier
        self.notes = tuple(notes)
        self.currency = currency

    def summary(self) -> pd.DataFrame:
        t = self.table
        return figures(
            {
                "accounts_checked": len(t),
                "accounts_below": int((t["status"] == "under_served").sum()),
                "accounts_far_above": int((t["status"] == "far_above").sum()),
            }
        )

    def plot(self, *, ax: Any = None) -> Any:
        """Accounts per tier served below, as and far above their entitlement."""
        ax = axes(ax)
        t = self.table
        if t.empty:
            return nothing_to_draw(ax, self.notes[0] if self.notes else tr("No account checked."))
        from ._charts import count_axis
        from ._labels import label

        counts = (
            t.groupby(["tier", "status"], observed=True)
            .size()
            .unstack("status")
            .reindex(columns=list(STATUSES))
            .fillna(0)
        )
        order = [c for c in self.by_tier.index if c in counts.index]
        counts = counts.reindex(order)
        y = np.arange(len(counts))
        left = np.zeros(len(counts))
        colours = {"under_served": "#b00", "as_entitled": "#4c72b0", "far_above": "#e69f00"}
        for s in STATUSES:
            v = counts[s].to_numpy(float)
            ax.barh(y, v, left=left, color=colours[s], label=tr(_STATUS_WORDS[s]))
            left += v
        ax.set_yticks(y, [label(str(c)) for c in counts.index])
        ax.invert_yaxis()
        count_axis(ax, axis="x")
        ax.legend(loc="best")  # the report titles the chart with its finding
        return ax


def service_levels(
    book: Book,
    *,
    rules: str | Path | dict | None = None,
    scheme: str | Path | dict | None = None,
    tiers: Any = None,
) -> ServiceLevels:
    """Account-manager hours and field visits each account receives a month, against what
    its value tier is entitled to (``service.entitlements`` of ``config/key_accounts.yaml``).

    The tier is the account's :func:`kamlib.value_tiers` tier in ``scheme`` (default
    ``service.scheme``, ``beijing``). The service received is the mean per month of the
    ``costs`` columns ``am_hours`` and ``field_visits`` over the months the account was
    billed or present in the costs table, within the months the costs table covers (a
    billed month without a costs row counts as no service). The ratio is received /
    entitled. An account is ``below`` when any measure's ratio is below
    ``service.below`` (where the entitlement is above zero), else ``far_above`` when any
    ratio is above ``service.far_above``, or where the entitlement is zero, when it
    receives at least the smallest non-zero entitlement of that measure in any tier (1
    account-manager hour or 0.25 field visits a month by default: served like a higher
    tier), else ``as_entitled``. Under-service comes first: an account below on one
    measure and far above on the other is ``below``.

    Checked: active accounts of the customer types account managers look after
    (``service.types``: key accounts by default; every active account when
    there is no ``customer_type``) whose tier has an entitlement.

    Parameters
    ----------
    book : the data (a whole operator or one branch).
    rules : changes to ``config/key_accounts.yaml`` (a dict or a YAML file).
    scheme : the tier scheme (default ``service.scheme``).
    tiers : a :func:`kamlib.value_tiers` result of the book to reuse (computed when None).

    Returns
    -------
    ServiceLevels
        ``table``: account_id, name, tier, am_hours, am_hours_entitled, field_visits,
        field_visits_entitled, am_hours_ratio, field_visits_ratio, status,
        monthly_revenue; ``by_tier``; ``summary()``: accounts_checked, accounts_below,
        accounts_far_above. Without the costs table or both its columns the table is
        empty and one note names what is missing.

    Examples
    --------
    >>> import kamlib
    >>> from kamlib.key_accounts import service_levels
    >>> sl = service_levels(kamlib.synth(300, seed=1).book)
    >>> sorted(sl.summary().index)
    ['accounts_below', 'accounts_checked', 'accounts_far_above']
    >>> set(sl.table["status"]) <= {"under_served", "as_entitled", "far_above"}
    True
    """
    from .segment import value_tiers

    cfg = settings("key_accounts", rules, caller="service_levels")
    svc = cfg["service"]
    ent: dict[str, dict[str, Any]] = svc["entitlements"]
    scheme = scheme or svc["scheme"]

    def empty(note: str, tiers: list[str] | None = None) -> ServiceLevels:
        return ServiceLevels(
            pd.DataFrame(columns=_SERVICE_COLUMNS),
            _by_tier(pd.DataFrame(columns=_SERVICE_COLUMNS), ent, tiers or list(ent)),
            (note,),
            currency=book.currency,
        )

    if not book.has("costs"):
        return empty(
            tr(
                "There is no costs table: the account-manager hours and field visits "
                "accounts receive cannot be compared with their tier's entitlement."
            )
        )
    costs = book.table("costs")
    measures = [m for m in _MEASURES if m in costs]
    if not measures:
        return empty(
            tr(
                "The costs table has no am_hours or field_visits column: the service "
                "accounts receive cannot be compared with their tier's entitlement."
            )
        )
    notes: list[str] = []
    for m in _MEASURES:
        if m not in measures:
            notes.append(
                tr(
                    "The costs table has no {column} column: that service is not compared.",
                    column=m,
                )
            )

    # a value_tiers result of the book already computed (the report's) is reused
    tiers = tiers if tiers is not None else value_tiers(book, scheme=scheme)
    order = list(tiers.scheme.codes) if tiers.scheme is not None else list(tiers.table.index)
    entitled_tiers = [c for c in order if c in ent]
    if not entitled_tiers:
        if tiers.table.empty:
            return empty(
                tr(
                    "The data hold no spend (no billing and no monthly revenue): accounts "
                    "cannot be placed in value tiers, so their service cannot be compared "
                    "with an entitlement."
                ),
                [],
            )
        return empty(
            tr(
                "No tier of the {scheme} scheme has an entitlement in the settings: "
                "the service cannot be compared.",
                scheme=str(scheme),
            ),
            [],
        )

    acc = book.accounts
    ids = acc["account_id"]
    tier = pd.Series(tiers.assignment.astype(object).to_numpy(), index=acc.index)
    checked = np.array((acc["status"] == "active").fillna(False), dtype=bool)
    if "customer_type" in acc:
        managed = acc["customer_type"].isin(cfg["service"]["types"])
        checked &= np.asarray(managed.fillna(False), dtype=bool)
    checked &= np.asarray(tier.isin(entitled_tiers), dtype=bool)

    # months each account is counted in: billed or in costs, within the costs' months
    cost_months = pd.Index(costs["month"].unique())
    seen = [costs[["account_id", "month"]]]
    if book.has("billing"):
        am = book.account_months()
        assert am is not None  # has("billing")
        seen.append(am.loc[am["month"].isin(cost_months), ["account_id", "month"]])
    n_months = pd.concat(seen).drop_duplicates().groupby("account_id", sort=False).size()
    months_of = lookup(ids, n_months.astype("float64")).to_numpy(dtype="float64")
    received: dict[str, np.ndarray] = {}
    for m in _MEASURES:
        if m in measures:
            total = costs.groupby("account_id", sort=False)[m].sum(min_count=1).astype("float64")
            got = np.nan_to_num(lookup(ids, total).to_numpy(dtype="float64"))
            with np.errstate(invalid="ignore", divide="ignore"):
                received[m] = np.where(months_of > 0, got / months_of, np.nan)
        else:
            received[m] = np.full(len(acc), np.nan)
    unseen = checked & ~(months_of > 0)
    if unseen.any():
        n = int(unseen.sum())
        notes.append(
            ntr(
                "{n} account has no month in the costs table or the billing of its months: "
                "its service is not checked.",
                "{n} accounts have no month in the costs table or the billing of its months: "
                "their service is not checked.",
                n,
                n=count(n),
            )
        )
    checked &= months_of > 0

    t_tier = tier.to_numpy()[checked]
    spend = book.monthly_revenue()
    table = pd.DataFrame(
        {
            "account_id": ids.to_numpy()[checked],
            "name": (acc["name"] if "name" in acc else ids).to_numpy()[checked],
            "tier": t_tier,
        }
    )
    below_any = np.zeros(len(table), dtype=bool)
    far_any = np.zeros(len(table), dtype=bool)
    below_by: dict[str, np.ndarray] = {}
    far_by: dict[str, np.ndarray] = {}
    for m in _MEASURES:
        due = {c: float(ent[c].get(m) or 0.0) for c in entitled_tiers}
        entitled = pd.Series(t_tier, dtype=object).map(due).to_numpy(dtype="float64")
        actual = received[m][checked]
        positive = [float(e.get(m) or 0.0) for e in ent.values() if (e.get(m) or 0) > 0]
        # material where nothing is due: as much as the least any tier is entitled to
        material = min(positive) if positive else np.inf
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.where(entitled > 0, actual / entitled, np.nan)
            below_by[m] = (entitled > 0) & (r < svc["below"])
            far_by[m] = (r > svc["far_above"]) | ((entitled == 0) & (actual >= material))
            below_any |= below_by[m]
            far_any |= far_by[m]
        table[m] = actual
        table[f"{m}_entitled"] = entitled
        table[f"{m}_ratio"] = r
    # response: the hours from a complaint or fault being raised to the first answer (or
    # its closing where no answer is recorded), the account's mean over the window,
    # against its tier's entitled hours; slower than the entitlement / ``below`` (twice it
    # at the default 0.5) is under-served, as too few hours or visits are
    response = _response_hours(book)
    due_resp = {
        c: (float(ent[c]["response_hours"]) if ent[c].get("response_hours") else np.nan)
        for c in entitled_tiers
    }
    resp_entitled = pd.Series(t_tier, dtype=object).map(due_resp).to_numpy(dtype="float64")
    if response is not None:
        resp = lookup(table["account_id"], response).to_numpy(dtype="float64")
        with np.errstate(invalid="ignore"):
            slow = np.asarray(resp > resp_entitled / svc["below"], dtype=bool)
        below_any |= slow
        table["response_hours"] = resp
        flags = slow.astype(object)
        flags[np.isnan(resp) | np.isnan(resp_entitled)] = None  # not known either way
        table["slow_response"] = flags
    else:
        slow = np.zeros(len(table), dtype=bool)
        table["response_hours"] = np.nan
        table["slow_response"] = None
    table["response_hours_entitled"] = resp_entitled
    table["status"] = np.select([below_any, far_any], ["under_served", "far_above"], "as_entitled")
    # which measure puts the account off its tier (below decides, as in the status): hours
    # and visits are different services, so a reader is told which one falls short
    off = {m: np.where(below_any, below_by[m], far_by[m]) for m in _MEASURES}
    off_in = np.select(
        [
            off["am_hours"] & off["field_visits"],
            off["am_hours"],
            off["field_visits"],
            below_any & slow,
        ],
        ["hours_and_visits", "hours", "visits", "response"],
        "",
    ).astype(object)
    off_in[off_in == ""] = None
    table["off_in"] = off_in
    table["monthly_revenue"] = (
        spend.to_numpy(dtype="float64")[checked] if spend is not None else np.nan
    )
    table = table.reindex(columns=_SERVICE_COLUMNS)
    rank = {c: i for i, c in enumerate(order)}
    table = (
        table.assign(_rank=table["tier"].map(rank))
        .sort_values(["_rank", "monthly_revenue"], ascending=[False, False], kind="stable")
        .drop(columns="_rank")
        .reset_index(drop=True)
    )
    notes.append(
        tr(
            "The data hold no record of resident account managers or training: those "
            "entitlements are shown, not checked."
        )
    )
    if response is None:
        notes.append(
            tr(
                "Response times need a tickets table with the time each complaint or fault "
                "was raised, which the data do not have: they cannot be compared with the "
                "entitled response hours."
            )
        )
    else:
        notes.append(
            tr(
                "Response time is the mean number of hours from a complaint or fault being "
                "raised to the first answer (or to its closing where no answer is recorded); "
                "slower than twice the tier's entitlement counts as under-served."
            )
            if svc["below"] == 0.5
            else tr(
                "Response time is the mean number of hours from a complaint or fault being "
                "raised to the first answer (or to its closing where no answer is recorded), "
                "against the tier's entitlement."
            )
        )
    return ServiceLevels(
        table, _by_tier(table, ent, entitled_tiers[::-1]), notes, currency=book.currency
    )


def _response_hours(book: Book) -> pd.Series | None:
    """Each account's mean hours from a complaint or fault being raised to its first
    answer (``responded``; ``closed`` where no answer is recorded); None without a tickets
    table holding any such time."""
    if not book.has("tickets"):
        return None
    t = book.table("tickets")
    t = t[t["kind"].isin(["complaint", "fault"])]
    answered = pd.to_datetime(t["responded"]) if "responded" in t else pd.Series(pd.NaT, t.index)
    if "closed" in t:
        answered = answered.fillna(pd.to_datetime(t["closed"]))
    hours = (answered - pd.to_datetime(t["opened"])) / pd.Timedelta(hours=1)
    ok = hours.notna() & (hours >= 0)
    if not ok.any():
        return None
    return hours[ok].groupby(t.loc[ok, "account_id"].to_numpy()).mean().astype("float64")


def _by_tier(table: pd.DataFrame, ent: dict[str, dict[str, Any]], tiers: list[str]) -> pd.DataFrame:
    """Per tier (highest first): accounts, mean service beside the entitlement, accounts
    below and far above, and the entitlements the data cannot check."""
    rows = []
    for c in tiers:
        t = table[table["tier"] == c]
        e = ent.get(c, {})
        rows.append(
            {
                "tier": c,
                "accounts": len(t),
                "am_hours": float(t["am_hours"].astype(float).mean()) if len(t) else np.nan,
                "am_hours_entitled": float(e.get("am_hours") or 0.0),
                "field_visits": float(t["field_visits"].astype(float).mean()) if len(t) else np.nan,
                "field_visits_entitled": float(e.get("field_visits") or 0.0),
                "under_served": int((t["status"] == "under_served").sum()),
                "far_above": int((t["status"] == "far_above").sum()),
                "response_hours": float(t["response_hours"].astype(float).mean())
                if len(t)
                else np.nan,
                "answered_slowly": int(t["slow_response"].fillna(False).astype(bool).sum()),
                "response_hours_entitled": (
                    float(e["response_hours"]) if e.get("response_hours") is not None else np.nan
                ),
                "resident_manager": bool(e.get("resident_manager", False)),
                "training": bool(e.get("training", False)),
            }
        )
    out = pd.DataFrame(rows, columns=["tier", *_TIER_COLUMNS]).set_index("tier")
    return out
