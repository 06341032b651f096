"""One plan per key account (关键客户规划): the account's file, its money, its signals and
the next actions, for the branch's top key accounts and every important account.

:func:`account_plans` chooses the accounts and computes each plan from the tables alone;
:func:`write_plans` writes ``plans/index.html`` and one page per account (and
``plans/plans.xlsx``, one sheet per account) into a branch's output folder. Every
threshold behind a signal is a setting of ``config/key_accounts.yaml`` (``plans:``),
named on the page beside the signal it raised.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._book import Book
from ._files import safe_name
from ._format import MISSING, count, money, month, number, share
from ._i18n import N_, current_language, language, ntr, tr
from ._result import Result, axes, nothing_to_draw

__all__ = ["AccountPlan", "AccountPlans", "account_plans", "write_plans"]

#: what put an account on the plan list
_WHY_CHOSEN = ("top", "important", "top_and_important")


@dataclass(frozen=True)
class AccountPlan:
    """One account's plan. Every frame is tidy and snake_case (codes, not labels).

    Attributes
    ----------
    account_id, name : the account.
    chosen : why it has a plan: ``top`` (among the top key accounts by revenue),
        ``important`` (an important account) or ``top_and_important``.
    rank : its rank by revenue among the branch's key accounts (1 = largest).
    file : the account's file, one ``item`` a row with its ``value`` in words.
    money : revenue, cost to serve, profit and margin over the period.
    products : revenue by product: the period, the first and last months, the change.
    monthly : revenue per billing month (the page draws its trend).
    white_space : products similar accounts hold that this one lacks.
    signals : the churn-risk signals: ``signal`` (code), ``reading`` (in words),
        ``raised`` (whether its threshold was crossed) and the ``threshold`` in words.
    actions : the next actions, each with its ``reason`` and the money ``at_stake``.
    notes : what the plan could not show, in words.
    """

    account_id: str
    name: str
    chosen: str
    rank: int
    file: pd.DataFrame
    money: pd.DataFrame
    products: pd.DataFrame
    monthly: pd.Series
    white_space: pd.DataFrame
    signals: pd.DataFrame
    actions: pd.DataFrame
    notes: tuple[str, ...] = ()

    def sheet(self) -> pd.DataFrame:
        """The plan as one sheet of a workbook: ``part``, ``item``, ``value`` (text) and
        ``amount`` (a number where the item is money)."""
        rows: list[dict[str, Any]] = []
        for _, r in self.file.iterrows():
            rows.append({"part": tr("Account file"), "item": r["item"], "value": r["value"]})
        for _, r in self.money.iterrows():
            rows.append(
                {"part": tr("Money"), "item": r["item"], "value": r["value"], "amount": r["amount"]}
            )
        for _, r in self.products.iterrows():
            rows.append(
                {
                    "part": tr("Revenue by product"),
                    "item": r["product"],
                    "value": r["change_words"],
                    "amount": r["revenue"],
                }
            )
        for _, r in self.white_space.iterrows():
            rows.append(
                {
                    "part": tr("Products similar accounts hold"),
                    "item": r["product"],
                    "value": r["reading"],
                    "amount": r["expected_monthly_revenue"],
                }
            )
        for _, r in self.signals.iterrows():
            rows.append(
                {
                    "part": tr("Churn-risk signals"),
                    "item": r["signal_words"],
                    "value": r["reading"],
                }
            )
        for _, r in self.actions.iterrows():
            rows.append(
                {
                    "part": tr("Next actions"),
                    "item": r["action"],
                    "value": r["reason"],
                    "amount": r["at_stake"],
                }
            )
        for n in self.notes:
            rows.append({"part": tr("Not shown"), "item": "", "value": n})
        out = pd.DataFrame(rows, columns=["part", "item", "value", "amount"])
        out["amount"] = pd.to_numeric(out["amount"], errors="coerce")
        return out


class AccountPlans(Result):
    """The account plans of a book (usually one branch): see :func:`account_plans`.

    ``table`` has one row per plan (the index of plans); ``plans`` maps account_id to
    its :class:`AccountPlan`, in the order of the table.
    """

    def __init__(
        self,
        table: pd.DataFrame,
        plans: dict[str, AccountPlan],
        notes: tuple[str, ...] = (),
        *,
        currency: str = "",
        rules: dict[str, Any] | None = None,
    ) -> None:
        self.table = table
        self.plans = plans
        self.notes = tuple(notes)
        self.currency = currency
        self.rules = rules or {}
        self.top_n = int(self.rules.get("top_n", 0))
        #: account_id -> the file name of its page (unique even where ids differ only in
        #: characters a file name cannot hold)
        self.pages: dict[str, str] = {}
        for aid in plans:
            base, k = safe_name(aid), 1
            name = base
            while name in self.pages.values() or name == "index":
                k += 1
                name = f"{base}-{k}"
            self.pages[aid] = name + ".html"

    def __getitem__(self, account_id: str) -> AccountPlan:
        return self.plans[account_id]

    def __len__(self) -> int:
        return len(self.plans)

    def summary(self) -> pd.DataFrame:
        t = self.table
        figures = {
            "plans": len(t),
            "important_accounts": int(t["chosen"].isin(["important", "top_and_important"]).sum())
            if len(t)
            else 0,
            "plans_with_signals": int((t["signals_raised"] > 0).sum()) if len(t) else 0,
            "revenue": float(t["revenue"].sum()) if len(t) else 0.0,
        }
        return pd.DataFrame({"value": pd.Series(figures, dtype=object)}).rename_axis("figure")

    def plot(self, *, ax: Any = None) -> Any:
        """Revenue of each planned account, the ones with raised signals marked."""
        ax = axes(ax)
        t = self.table
        if t.empty:
            return nothing_to_draw(ax, self.notes[0] if self.notes else tr("No account plans."))
        from ._charts import money_axis

        shown = t.head(20).iloc[::-1]
        colours = np.where(shown["signals_raised"] > 0, "#b00", "#4c72b0")
        ax.barh(shown["name"].astype(str), shown["revenue"], color=colours)
        money_axis(ax, self.currency, axis="x")
        # the report titles the chart with its finding; the legend says what red means
        from matplotlib.patches import Patch

        ax.legend(
            handles=[
                Patch(color="#b00", label=tr("A churn-risk signal raised")),
                Patch(color="#4c72b0", label=tr("No signal raised")),
            ],
            loc="lower right",
        )
        return ax


# ----------------------------------------------------------------------------- choosing
def key_account_ids(book: Book, rules: dict[str, Any]) -> pd.Series:
    """Whether each account (index: account_id) is a key account for the plans: on the
    key-account list by its average monthly spend (``list.key_account_monthly``) or
    recorded as a key account (``customer_type``)."""
    acc = book.accounts
    ids = pd.Index(acc["account_id"])
    flag = pd.Series(False, index=ids)
    if "customer_type" in acc:
        flag |= (acc["customer_type"] == "key_account").fillna(False).to_numpy()
    monthly = book.monthly_revenue()
    if monthly is not None:
        flag |= (monthly.to_numpy() >= rules["list"]["key_account_monthly"]) & np.isfinite(
            monthly.to_numpy(dtype="float64")
        )
    return flag


def important_ids(book: Book, rules: dict[str, Any]) -> pd.Series:
    """Whether each account is important (重要大客户): flagged ``important`` or of an
    industry of ``list.important_industries``."""
    acc = book.accounts
    flag = pd.Series(False, index=pd.Index(acc["account_id"]))
    if "important" in acc:
        flag |= acc["important"].fillna(False).astype(bool).to_numpy()
    if "industry" in acc:
        flag |= acc["industry"].isin(rules["list"]["important_industries"]).fillna(False).to_numpy()
    return flag


# ----------------------------------------------------------------------------- plans
def account_plans(
    book: Book,
    *,
    top_n: int | None = None,
    rules: str | Path | dict | None = None,
    pnl: Any = None,
    white_space: Any = None,
    tiers: Any = None,
) -> AccountPlans:
    """One plan for each of the top ``top_n`` active key accounts by revenue and for every
    active important account, at most ``plans.max_plans`` (200) in all: the top key
    accounts first, then important accounts by revenue (a note says how many have none).

    Parameters
    ----------
    book : the data (usually one branch: ``book.branch("Suzhou")``).
    top_n : how many key accounts by revenue (default ``plans.top_n`` of
        ``config/key_accounts.yaml``, 20).
    rules : changes to ``config/key_accounts.yaml`` (a dict of keys to change or a YAML
        file): the key-account threshold, the important industries, the signals'
        thresholds.
    pnl : a :func:`kamlib.customer_pnl` result to reuse (computed when not given).
    white_space : a :func:`kamlib.white_space` result to reuse (computed when None;
        False leaves white space out of the plans).
    tiers : a :func:`kamlib.value_tiers` result of the book to reuse (computed when None).

    Returns
    -------
    AccountPlans
        ``table``: one row per plan (rank, account, manager, revenue, profit, contract end,
        signals raised, first action); ``plans``: each account's :class:`AccountPlan`.

    Examples
    --------
    >>> import kamlib
    >>> plans = kamlib.account_plans(kamlib.synth(400, seed=2).book, top_n=5)
    >>> len(plans) >= 5, list(plans.table.columns[:3])
    (True, ['rank', 'account_id', 'name'])
    """
    from . import profit as pr
    from ._settings import settings

    cfg = settings("key_accounts", rules, caller="account_plans")
    n_top = cfg["plans"]["top_n"] if top_n is None else int(top_n)
    if n_top < 0:
        raise ValueError(f"top_n must be 0 or more, not {top_n}")
    acc = book.accounts
    revenue = book.period_revenue()
    columns = [
        "rank",
        "account_id",
        "name",
        "chosen",
        "account_manager",
        "revenue",
        "profit",
        "contract_end",
        "out_of_contract",
        "signals_raised",
        "first_action",
    ]
    if revenue is None:
        note = tr("The data have no revenue per account, so no account plans can be made.")
        return AccountPlans(pd.DataFrame(columns=columns), {}, (note,), currency=book.currency)
    active = (acc["status"] == "active").to_numpy()
    key = key_account_ids(book, cfg).to_numpy() & active
    important = important_ids(book, cfg).to_numpy() & active
    rev = pd.Series(revenue.to_numpy(dtype="float64"), index=pd.Index(acc["account_id"]))
    ranked = rev[key].sort_values(ascending=False, kind="stable")
    rank = pd.Series(np.arange(1, len(ranked) + 1), index=ranked.index)
    top = set(ranked.index[:n_top])
    chosen_ids = list(ranked.index[:n_top]) + [
        i for i in rev[important].sort_values(ascending=False, kind="stable").index if i not in top
    ]
    notes: list[str] = []
    cap = int(cfg["plans"]["max_plans"])
    if len(chosen_ids) > cap:
        # the top key accounts come first, then important accounts by revenue: the cap
        # drops the smallest important accounts
        notes.append(
            ntr(
                "{n} accounts qualify for a plan; plans are made for the first {cap} (the top "
                "key accounts, then important accounts by revenue: plans.max_plans of "
                "config/key_accounts.yaml), so {rest} smaller important account has none.",
                "{n} accounts qualify for a plan; plans are made for the first {cap} (the top "
                "key accounts, then important accounts by revenue: plans.max_plans of "
                "config/key_accounts.yaml), so {rest} smaller important accounts have none.",
                len(chosen_ids) - cap,
                n=count(len(chosen_ids)),
                cap=count(cap),
                rest=count(len(chosen_ids) - cap),
            )
        )
        chosen_ids = chosen_ids[:cap]
    if not chosen_ids:
        notes.append(tr("The branch has no active key or important accounts to plan for."))
        return AccountPlans(pd.DataFrame(columns=columns), {}, tuple(notes), currency=book.currency)

    pnl = pnl if pnl is not None else pr.customer_pnl(book)
    if white_space is None:
        from .potential import white_space as _white_space

        white_space = _white_space(book)
    ctx = _PlanData.of(book, pnl, white_space, cfg, tiers, ids=[str(i) for i in chosen_ids])
    plans: dict[str, AccountPlan] = {}
    rows = []
    imp = pd.Series(important, index=rev.index)
    for aid in chosen_ids:
        why = (
            "top_and_important"
            if aid in top and imp[aid]
            else ("top" if aid in top else "important")
        )
        plan = _plan(ctx, str(aid), why, int(rank.get(aid, 0)))
        plans[str(aid)] = plan
        a = ctx.account(str(aid))
        rows.append(
            {
                "rank": int(rank.get(aid, 0)) or pd.NA,
                "account_id": str(aid),
                "name": plan.name,
                "chosen": why,
                "account_manager": a.get("account_manager"),
                "revenue": float(rev[aid]),
                "profit": ctx.profit.get(aid, np.nan),
                "contract_end": a.get("contract_end"),
                # the contract ended before the data's end: free to leave any month
                "out_of_contract": (
                    pd.NA
                    if a.get("contract_end") is None or book.as_of is None
                    else bool(pd.Timestamp(a["contract_end"]) < book.as_of)
                ),
                "signals_raised": int(plan.signals["raised"].sum()),
                "first_action": plan.actions["action"].iloc[0] if len(plan.actions) else MISSING,
            }
        )
    table = pd.DataFrame(rows, columns=columns)
    table["rank"] = table["rank"].astype("Int64")
    notes += list(ctx.notes)
    if n_top and len(ranked) < n_top:
        notes.append(
            ntr(
                "The branch has only {n} active key account, fewer than the {top} asked for.",
                "The branch has only {n} active key accounts, fewer than the {top} asked for.",
                len(ranked),
                n=count(len(ranked)),
                top=count(n_top),
            )
        )
    return AccountPlans(
        table,
        plans,
        tuple(dict.fromkeys(notes)),
        currency=book.currency,
        rules={**cfg["plans"], "top_n": n_top},
    )


@dataclass
class _PlanData:
    """What every plan reads, computed once for the book."""

    book: Book
    cfg: dict[str, Any]
    accounts: pd.DataFrame
    profit: pd.Series
    pnl: pd.DataFrame | None
    billing: pd.DataFrame | None
    usage: pd.DataFrame | None
    costs: pd.DataFrame | None
    space: pd.DataFrame | None
    history: pd.DataFrame | None
    tiers: pd.Series | None
    months: pd.DatetimeIndex
    complaints_per_month: pd.Series | None = None
    complaints_median: float = float("nan")
    notes: list[str] = field(default_factory=list)
    _groups: dict[str, dict[Any, np.ndarray]] = field(default_factory=dict, repr=False)

    @classmethod
    def of(
        cls,
        book: Book,
        pnl: Any,
        space: Any,
        cfg: dict[str, Any],
        given_tiers: Any = None,
        *,
        ids: list[str] | None = None,
    ) -> _PlanData:
        """``ids``: the accounts to be planned; the per-account tables are cut to their
        rows once (each plan's lookup in a 400,000-account branch's whole tables took
        0.2 s, 36 s for 200 plans)."""
        from ._book import id_matcher
        from .segment import value_tiers

        planned = id_matcher(pd.Series(ids, dtype="string[pyarrow]")) if ids is not None else None

        def only(df: pd.DataFrame | None) -> pd.DataFrame | None:
            if df is None or planned is None or "account_id" not in df:
                return df
            return df.loc[planned(df["account_id"])]

        acc = book.accounts.set_index("account_id", drop=False)
        found = getattr(pnl, "table", None)
        t = found if isinstance(found, pd.DataFrame) else pd.DataFrame()
        has_profit = "profit" in t and bool(t["profit"].notna().any())
        notes = []
        if not has_profit:
            notes.append(
                tr(
                    "The data have no cost table, so the plans show revenue but not cost to "
                    "serve or profit."
                )
            )
        if not book.has("billing"):
            notes.append(
                tr("The data have no billing table, so the plans show no revenue by product.")
            )
        if not book.has("usage"):
            notes.append(
                tr(
                    "The data have no usage table, so the plans cannot watch calls forwarded "
                    "to other operators or complaints."
                )
            )
        sp = getattr(space, "table", None)
        notes += [n for n in getattr(space, "notes", ())]
        try:
            tiers = (given_tiers if given_tiers is not None else value_tiers(book)).assignment
        except Exception:
            tiers = None
        per_month, median = _complaints(book, key_account_ids(book, cfg))
        return cls(
            complaints_per_month=per_month,
            complaints_median=median,
            book=book,
            cfg=cfg,
            accounts=acc,
            profit=t.set_index("account_id")["profit"] if has_profit else pd.Series(dtype=float),
            pnl=t.set_index("account_id") if has_profit else None,
            billing=only(book.billing) if book.has("billing") else None,
            usage=only(book.usage) if book.has("usage") else None,
            costs=only(book.costs) if book.has("costs") else None,
            space=only(sp) if isinstance(sp, pd.DataFrame) and len(sp) else None,
            history=only(book.assignments) if book.has("assignments") else None,
            tiers=tiers,
            months=book.months(),
            notes=notes,
        )

    def account(self, aid: str) -> dict[str, Any]:
        return {k: (None if _blank(v) else v) for k, v in self.accounts.loc[aid].to_dict().items()}

    def rows(self, name: str, aid: str) -> pd.DataFrame:
        """The rows of one account in table ``name`` (billing, usage, history, space): the
        table is grouped once, not scanned once per plan."""
        df: pd.DataFrame = getattr(self, name)
        where = self._groups.get(name)
        if where is None:
            where = self._groups[name] = df.groupby("account_id", sort=False, observed=True).indices
        at = where.get(aid)
        return df.iloc[at] if at is not None else df.iloc[0:0]


def _complaints(book: Book, key: pd.Series) -> tuple[pd.Series | None, float]:
    """Complaints (usage) and service tickets (costs) per month of data, per account,
    and the median of the key accounts; (None, nan) when neither column is there."""
    parts = []
    for table, column in (("usage", "complaints"), ("costs", "service_tickets")):
        if book.has(table) and column in book.table(table):
            # the total and the months in one grouping, not two
            g = (
                book.table(table)
                .groupby("account_id")
                .agg(total=(column, "sum"), months=("month", "nunique"))
            )
            parts.append(g["total"] / g["months"])
    if not parts:
        return None, float("nan")
    per = parts[0] if len(parts) == 1 else parts[0].add(parts[1], fill_value=0.0)
    keyed = per[per.index.isin(key.index[key.to_numpy()])]
    return per, float(keyed.median()) if len(keyed) else float("nan")


def _blank(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _months_between(a: pd.Timestamp, b: pd.Timestamp) -> float:
    return float((b - a).days) / (365.25 / 12)


def _plan(ctx: _PlanData, aid: str, chosen: str, rank: int) -> AccountPlan:
    book, cur, rules = ctx.book, ctx.book.currency, ctx.cfg["plans"]
    a = ctx.account(aid)
    name = str(a.get("name") or aid)
    as_of = book.as_of
    notes: list[str] = []

    # -- the file ---------------------------------------------------------------------
    from ._labels import label

    file_rows: list[tuple[str, str]] = [(tr("Account"), aid)]
    if a.get("customer_type"):
        file_rows.append((tr("Customer type"), label(a["customer_type"])))
    if a.get("industry"):
        file_rows.append((tr("Industry"), label(a["industry"])))
    if ctx.tiers is not None and aid in ctx.tiers.index and not _blank(ctx.tiers[aid]):
        file_rows.append((tr("Value tier"), label(str(ctx.tiers[aid]))))
    file_rows.append(
        (tr("Important account"), tr("Yes") if chosen != "top" else tr("No")),
    )
    if a.get("parent_id"):
        group = ctx.accounts["parent_id"] == a["parent_id"]
        file_rows.append(
            (
                tr("Parent group"),
                ntr(
                    "{group} ({n} account in the branch)",
                    "{group} ({n} accounts in the branch)",
                    int(group.sum()),
                    group=str(a["parent_id"]),
                    n=count(int(group.sum())),
                ),
            )
        )
    file_rows.append((tr("Account manager"), str(a.get("account_manager") or tr("none"))))
    if ctx.history is not None:
        h = ctx.rows("history", aid).sort_values("start")
        before = [str(m) for m in h["account_manager"].iloc[:-1]]
        if before:
            file_rows.append((tr("Earlier account managers"), ", ".join(dict.fromkeys(before))))
    if a.get("tenure_months") is not None:
        file_rows.append(
            (tr("With us for"), tr("{years} years", years=number(a["tenure_months"] / 12, 1)))
        )
    if a.get("contract"):
        end = a.get("contract_end")
        file_rows.append(
            (
                tr("Contract"),
                tr("{contract}, ends {date}", contract=label(a["contract"]), date=_day(end))
                if end is not None
                else label(a["contract"]),
            )
        )
    file_rows.append(
        (
            tr("Decision-maker changes"),
            tr("not recorded in the data"),
        )
    )
    file = pd.DataFrame(file_rows, columns=["item", "value"])

    # -- money ------------------------------------------------------------------------
    money_rows: list[tuple[str, str, float]] = []
    rev_total = float("nan")
    if ctx.billing is not None:
        bill = ctx.rows("billing", aid)
        rev_total = float(bill["revenue"].sum())
    else:
        r = book.period_revenue()
        if r is not None:
            rev_total = float(r.get(aid, np.nan))
    money_rows.append((tr("Revenue over the period"), money(rev_total, cur), rev_total))
    if ctx.pnl is not None and aid in ctx.pnl.index:
        p = ctx.pnl.loc[aid]
        money_rows.append((tr("Cost to serve"), money(p["cost"], cur), float(p["cost"])))
        money_rows.append((tr("Profit"), money(p["profit"], cur), float(p["profit"])))
        money_rows.append((tr("Margin"), share(p["margin"]), float("nan")))
    money_frame = pd.DataFrame(money_rows, columns=["item", "value", "amount"])

    # -- revenue by product and by month --------------------------------------------------
    w = int(rules["window"])
    products = pd.DataFrame(
        columns=["product", "revenue", "share", "first_months", "last_months", "change"]
    )
    monthly = pd.Series(dtype="float64")
    if ctx.billing is not None:
        bill = ctx.rows("billing", aid)
        per = (
            bill.groupby(["product", "month"], observed=True)["revenue"]
            .sum()
            .unstack("month")
            .reindex(columns=ctx.months, fill_value=0.0)
        )
        per = per.fillna(0.0)
        monthly = per.sum(axis=0)
        if len(ctx.months) >= 2 * w:
            first = per.iloc[:, :w].sum(axis=1)
            last = per.iloc[:, -w:].sum(axis=1)
        else:
            first = last = pd.Series(np.nan, index=per.index)
        total = per.sum(axis=1)
        products = pd.DataFrame(
            {
                "product": per.index.astype(str),
                "revenue": total.to_numpy(),
                "share": (total / total.sum()).to_numpy() if total.sum() else np.nan,
                "first_months": first.to_numpy(),
                "last_months": last.to_numpy(),
            }
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            products["change"] = np.where(
                products["first_months"] > 0,
                products["last_months"] / products["first_months"] - 1,
                np.nan,
            )
        products = products.sort_values("revenue", ascending=False, kind="stable")
        products = products.reset_index(drop=True)
    products["change_words"] = [
        _change_words(c, f, last, w)
        for c, f, last in zip(
            products["change"], products["first_months"], products["last_months"], strict=True
        )
    ]

    # -- white space --------------------------------------------------------------------
    ws_cols = ["product", "peer_share", "peers", "expected_monthly_revenue", "reading"]
    space = pd.DataFrame(columns=ws_cols)
    if ctx.space is not None:
        s = ctx.rows("space", aid)
        if len(s):
            space = s[["product", "peer_share", "peers", "expected_monthly_revenue"]].copy()
            space["reading"] = [
                tr(
                    "{share} of {n} similar accounts hold it; they bill about {money} a month "
                    "for it",
                    share=share(r.peer_share),
                    n=count(int(r.peers)),
                    money=money(r.expected_monthly_revenue, cur),
                )
                for r in space.itertuples()
            ]
            space = space.reset_index(drop=True)[ws_cols]

    # -- signals -----------------------------------------------------------------------
    monthly_rev = (
        float(monthly.iloc[-w:].mean())
        if len(monthly)
        else (rev_total / max(len(ctx.months), 1) if np.isfinite(rev_total) else float("nan"))
    )
    year = monthly_rev * 12 if np.isfinite(monthly_rev) else float("nan")
    sig: list[dict[str, Any]] = []

    def signal(code: str, reading: str, raised: bool, threshold: str) -> None:
        sig.append(
            {"signal": code, "reading": reading, "raised": bool(raised), "threshold": threshold}
        )

    if len(monthly) >= 2 * w and monthly.iloc[:w].sum() > 0:
        change = float(monthly.iloc[-w:].sum() / monthly.iloc[:w].sum() - 1)
        signal(
            "bill_trend",
            tr(
                "The last {w} months' bill is {change} against the first {w} months'",
                w=count(w),
                change=share(change, signed=True),
            ),
            change <= -rules["bill_drop"],
            tr("falling by {share} or more", share=share(rules["bill_drop"])),
        )
    if ctx.usage is not None and {"calls", "forwarded_calls"} <= set(ctx.usage.columns):
        u = ctx.rows("usage", aid).sort_values("month")
        if len(u) >= 2 * w:
            early, late = u.iloc[:w], u.iloc[-w:]
            f0 = _ratio(early["forwarded_calls"].sum(), early["calls"].sum())
            f1 = _ratio(late["forwarded_calls"].sum(), late["calls"].sum())
            if np.isfinite(f0) and np.isfinite(f1):
                signal(
                    "forwarding",
                    tr(
                        "{before} of calls in the first {w} months, {now} in the last {w}",
                        before=share(f0),
                        now=share(f1),
                        w=count(w),
                    ),
                    f1 - f0 >= rules["forward_rise"],
                    tr(
                        "up by {points} points or more",
                        points=number(rules["forward_rise"] * 100, 1),
                    ),
                )
    end = a.get("contract_end")
    if end is not None and as_of is not None:
        left = _months_between(as_of, pd.Timestamp(end))
        reading = (
            tr("The contract ended on {date}", date=_day(end))
            if left < 0
            else tr(
                "The contract ends on {date}, in {months} months",
                date=_day(end),
                months=number(left, 0),
            )
        )
        signal(
            "contract_ending",
            reading,
            left <= rules["contract_ending_months"],
            tr("ending within {n} months", n=count(rules["contract_ending_months"])),
        )
    if a.get("satisfaction") is not None:
        signal(
            "satisfaction",
            tr("Satisfaction {score} of 5", score=number(a["satisfaction"], 1)),
            float(a["satisfaction"]) <= rules["low_satisfaction"],
            tr("{score} or lower", score=number(rules["low_satisfaction"], 1)),
        )
    per_month = ctx.complaints_per_month
    if per_month is not None and aid in per_month.index:
        mine, median = float(per_month[aid]), float(ctx.complaints_median)
        signal(
            "complaints",
            tr(
                "{n} complaints and service tickets a month; the median key account has {median}",
                n=number(mine, 1),
                median=number(median, 1),
            ),
            mine >= max(rules["complaints_vs_median"] * median, 1.0),
            tr(
                "{times} times the median key account, and at least one a month",
                times=number(rules["complaints_vs_median"], 1),
            ),
        )
    manager_changed = False
    if ctx.history is not None:
        h = ctx.rows("history", aid)
        start = book.observation_start()
        if start is not None and len(h) > 1:
            manager_changed = bool((h["start"] > start).any())
        if manager_changed:
            signal(
                "manager_changed",
                tr("The account manager changed during the period"),
                True,
                tr("any change"),
            )
    if not a.get("account_manager"):
        signal("no_manager", tr("No account manager is recorded"), True, tr("no manager"))
    profit = ctx.profit.get(aid, np.nan)
    if np.isfinite(profit):
        signal(
            "loss_making",
            tr("Profit over the period {money}", money=money(profit, cur)),
            profit < 0,
            tr("below zero"),
        )
    signals = pd.DataFrame(sig, columns=["signal", "reading", "raised", "threshold"])
    signals["signal_words"] = [tr(_SIGNAL_WORDS[code]) for code in signals["signal"]]

    # -- next actions ---------------------------------------------------------------------
    acts: list[tuple[str, str, float]] = []
    raised = {r.signal: r for r in signals.itertuples() if r.raised}
    at_risk_reason = [raised[k].reading for k in ("bill_trend", "forwarding") if k in raised]
    if at_risk_reason:
        acts.append(
            (
                tr("Visit the decision-makers this month and find out what is moving"),
                "; ".join(at_risk_reason),
                year,
            )
        )
    ended = False
    renewal: tuple[str, str, float] | None = None
    if "contract_ending" in raised:
        ended = end is not None and as_of is not None and pd.Timestamp(end) < as_of
        renewal = (
            # out of contract, the account can leave at any month's end: this comes first
            tr("Sign a new contract: the account is out of contract")
            if ended
            else tr("Open the renewal talks now"),
            raised["contract_ending"].reading,
            year,
        )
        if ended:
            acts.insert(0, renewal)
        else:
            acts.append(renewal)
    if "satisfaction" in raised or "complaints" in raised:
        why = [raised[k].reading for k in ("satisfaction", "complaints") if k in raised]
        acts.append((tr("Call back about service and fix what they raised"), "; ".join(why), year))
    if "no_manager" in raised:
        acts.append((tr("Assign an account manager"), raised["no_manager"].reading, year))
    if "manager_changed" in raised:
        acts.append(
            (
                tr("Have the new account manager visit with the branch head"),
                raised["manager_changed"].reading,
                year,
            )
        )
    for r in space.head(2).itertuples():
        acts.append(
            (
                tr("Offer {product}", product=label(r.product)),
                r.reading,
                float(r.expected_monthly_revenue) * 12,
            )
        )
    if "loss_making" in raised:
        acts.append(
            (
                tr("Review what it costs to serve before the next renewal"),
                raised["loss_making"].reading,
                -float(profit),
            )
        )
    if "loss_making" in raised:
        # keeping a loss-making account at today's price and cost keeps the loss: its price
        # and cost to serve come before any effort to keep or grow it
        review = acts.pop()
        if ended and renewal is not None:
            # out of contract and losing money: the new contract is where the price is set
            acts.remove(renewal)
            review = (
                tr(
                    "Sign a new contract at a price that covers what it costs to serve: the "
                    "account is out of contract and loses money"
                ),
                f"{renewal[1]}; {review[1]}",
                review[2],
            )
        acts.insert(0, review)
    actions = pd.DataFrame(acts, columns=["action", "reason", "at_stake"])
    if actions.empty:
        actions = pd.DataFrame(
            [(tr("Keep the regular visits: no signal is raised"), "", float("nan"))],
            columns=["action", "reason", "at_stake"],
        )
    return AccountPlan(
        account_id=aid,
        name=name,
        chosen=chosen,
        rank=rank,
        file=file,
        money=money_frame,
        products=products,
        monthly=monthly,
        white_space=space,
        signals=signals,
        actions=actions,
        notes=tuple(notes),
    )


#: the page's words that are written inside f-strings, where the message extractor
#: cannot see a tr() call: listed here so the catalogue holds (and translates) them
_PAGE_WORDS = (
    N_("All account plans of {branch}"),
    N_("Account plan: {name}"),
    N_("{branch} · data to {date}"),
    N_("Next actions"),
    N_("Churn-risk signals"),
    N_("threshold: {t}"),
    N_("The data hold no churn-risk signal for this account."),
    N_("Account file"),
    N_("Revenue and profit"),
    N_("Products similar accounts hold"),
    N_("It holds the products most similar accounts hold (or the data cannot say)."),
    N_("Account plans: {branch}"),
)

_CHOSEN_WORDS = {
    "top": N_("top {n}"),
    "important": N_("important"),
    "top_and_important": N_("top {n}, important"),
}

_SIGNAL_WORDS = {
    "bill_trend": N_("Bill trend"),
    "forwarding": N_("Calls forwarded to other operators"),
    "contract_ending": N_("Contract end"),
    "satisfaction": N_("Satisfaction"),
    "complaints": N_("Complaints"),
    "manager_changed": N_("Account manager changed"),
    "no_manager": N_("No account manager"),
    "loss_making": N_("Profit"),
}


def _ratio(a: float, b: float) -> float:
    return float(a) / float(b) if b else float("nan")


def _day(ts: Any) -> str:
    if ts is None or _blank(ts):
        return MISSING
    ts = pd.Timestamp(ts)
    if current_language() == "zh":
        return f"{ts.year}年{ts.month}月{ts.day}日"
    return ts.strftime("%-d %b %Y")


def _change_words(change: float, first: float, last: float, w: int) -> str:
    if np.isfinite(change):
        return tr(
            "{change} in the last {w} months against the first {w}",
            change=share(change, signed=True),
            w=count(w),
        )
    if not np.isfinite(first) and not np.isfinite(last):
        return MISSING
    if (first or 0) == 0 and (last or 0) > 0:
        return tr("new in the period")
    return MISSING


# ----------------------------------------------------------------------------- pages
_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,"Noto Sans CJK SC",
"Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;margin:1em auto;
max-width:60em;padding:0 1em;line-height:1.45;color:#222}
h1{font-size:1.45em;margin-bottom:.2em}h2{font-size:1.1em;margin-top:1.4em;
border-bottom:1px solid #ddd}.sub{color:#555;margin-top:0}
.scroll{overflow-x:auto;max-width:100%}table.kam{border-collapse:collapse;font-size:.92em}
table.kam td,table.kam th{padding:.3em .6em;border-bottom:1px solid #e4e4e4;text-align:left;
vertical-align:top}table.kam th{background:#f4f4f4}.kam-num{text-align:right!important;
white-space:nowrap}ol.actions li{margin-bottom:.4em}.reason{color:#555}
.raised{color:#b00;font-weight:600}.calm{color:#1a7f37}.note{color:#555;font-style:italic}
@media (max-width:600px){body{padding:0 .5em}h1{font-size:1.2em}table.kam{font-size:.85em}}
"""


def _page(title: str, lang: str, body: str) -> str:
    from ._page import HTML_LANG

    return (
        f'<!doctype html>\n<html lang="{HTML_LANG.get(lang, lang)}"><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head>\n<body>{body}</body></html>\n"
    )


def _sparkline(values: pd.Series, *, width: int = 360, height: int = 60) -> str:
    """The monthly revenue as a small inline SVG line (no image file to lose)."""
    v = np.asarray(values, dtype="float64")
    if len(v) < 2 or not np.isfinite(v).any():
        return ""
    top = np.nanmax(v) or 1.0
    xs = np.linspace(4, width - 4, len(v))
    ys = height - 4 - (np.nan_to_num(v) / top) * (height - 8)
    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    label = html.escape(tr("Revenue per month over the period"))
    return (
        f'<svg role="img" aria-label="{label}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><polyline fill="none" stroke="#4c72b0" '
        f'stroke-width="2" points="{pts}"/></svg>'
    )


def plan_page(plan: AccountPlan, *, currency: str, branch: str, as_of: Any, lang: str) -> str:
    """One account's plan as an HTML page (in the current language)."""
    from ._tables import table_html

    def tbl(frame: pd.DataFrame, kinds: dict[str, str] | None = None) -> str:
        return f'<div class="scroll">{table_html(frame, kinds=kinds, currency=currency)}</div>'

    e = html.escape
    parts = [
        f'<p><a href="index.html">{e(tr("All account plans of {branch}", branch=branch))}</a></p>',
        f"<h1>{e(tr('Account plan: {name}', name=plan.name))}</h1>",
        f'<p class="sub">{e(tr("{branch} · data to {date}", branch=branch, date=_day(as_of)))}</p>',
    ]
    parts.append(f'<h2>{e(tr("Next actions"))}</h2><ol class="actions">')
    for r in plan.actions.itertuples():
        stake = (
            " " + e(tr("({money} a year at stake)", money=money(r.at_stake, currency)))
            if np.isfinite(r.at_stake) and r.at_stake > 0
            else ""
        )
        reason = f'<br><span class="reason">{e(r.reason)}</span>' if r.reason else ""
        parts.append(f"<li>{e(r.action)}{stake}{reason}</li>")
    parts.append("</ol>")
    parts.append(f"<h2>{e(tr('Churn-risk signals'))}</h2><ul>")
    for r in plan.signals.itertuples():
        cls = "raised" if r.raised else "calm"
        mark = tr("raised") if r.raised else tr("not raised")
        parts.append(
            f"<li><b>{e(r.signal_words)}</b>: {e(r.reading)} "
            f'<span class="{cls}">({e(mark)}; {e(tr("threshold: {t}", t=r.threshold))})</span></li>'
        )
    if plan.signals.empty:
        parts.append(f"<li>{e(tr('The data hold no churn-risk signal for this account.'))}</li>")
    parts.append("</ul>")
    parts.append(f"<h2>{e(tr('Account file'))}</h2>")
    parts.append(tbl(plan.file, {"item": "text", "value": "text"}))
    parts.append(f"<h2>{e(tr('Revenue and profit'))}</h2>")
    parts.append(tbl(plan.money[["item", "value"]], {"item": "text", "value": "text"}))
    if len(plan.monthly):
        m = plan.monthly
        parts.append(_sparkline(m))
        caption = tr(
            "Revenue per month, {first} to {last}: lowest {low}, highest {high}, last {latest}.",
            first=month(m.index[0]),
            last=month(m.index[-1]),
            low=money(m.min(), currency),
            high=money(m.max(), currency),
            latest=money(m.iloc[-1], currency),
        )
        parts.append(f'<p class="sub">{e(caption)}</p>')
    if len(plan.products):
        shown = plan.products[["product", "revenue", "share", "change_words"]].rename(
            columns={"change_words": "trend"}
        )
        parts.append(tbl(shown, {"product": "code", "trend": "text"}))
    parts.append(f"<h2>{e(tr('Products similar accounts hold'))}</h2>")
    if len(plan.white_space):
        parts.append(
            tbl(
                plan.white_space[["product", "peer_share", "peers", "expected_monthly_revenue"]],
                {"product": "code"},
            )
        )
    else:
        parts.append(
            f"<p>{e(tr('It holds the products most similar accounts hold (or the data cannot say).'))}</p>"
        )
    for n in plan.notes:
        parts.append(f'<p class="note">{e(n)}</p>')
    return _page(tr("Account plan: {name}", name=plan.name), lang, "\n".join(parts))


def index_page(plans: AccountPlans, *, branch: str, lang: str) -> str:
    """The index of a branch's account plans: one row a plan, each linked."""
    e = html.escape
    cur = plans.currency
    rows = []
    for r in plans.table.itertuples():
        link = f'<a href="{e(plans.pages[r.account_id])}">{e(str(r.name))}</a>'
        rank = MISSING if pd.isna(r.rank) else str(int(r.rank))
        rows.append(
            "<tr>"
            f'<td class="kam-num">{e(rank)}</td><td>{link}</td>'
            f"<td>{e(tr(_CHOSEN_WORDS[r.chosen], n=count(plans.top_n)))}</td>"
            f"<td>{e(MISSING if _blank(r.account_manager) else str(r.account_manager))}</td>"
            f'<td class="kam-num">{e(money(r.revenue, cur))}</td>'
            f'<td class="kam-num">{e(money(r.profit, cur))}</td>'
            f"<td>{e(_day(r.contract_end))}</td>"
            f'<td class="kam-num">{e(count(r.signals_raised))}</td>'
            f"<td>{e(str(r.first_action))}</td></tr>"
        )
    heads = [
        tr("Rank by revenue"),
        tr("Account"),
        tr("Why a plan"),
        tr("Account manager"),
        tr("Revenue"),
        tr("Profit"),
        tr("Contract ends"),
        tr("Signals raised"),
        tr("First action"),
    ]
    head = "".join(f"<th>{e(h)}</th>" for h in heads)
    n = len(plans.table)
    intro = ntr(
        "One plan for the branch's top key accounts by revenue and every important account: "
        "{n} plan. Money is over the period, in {currency}.",
        "One plan for the branch's top key accounts by revenue and every important account: "
        "{n} plans. Money is over the period, in {currency}.",
        n,
        n=count(n),
        currency=cur or MISSING,
    )
    body = [
        '<p><a href="../report.html">' + e(tr("Back to the branch report")) + "</a></p>",
        f"<h1>{e(tr('Account plans: {branch}', branch=branch))}</h1>",
        f"<p>{e(intro)}</p>",
        f'<div class="scroll"><table class="kam"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>",
    ]
    body += [f'<p class="note">{e(n)}</p>' for n in plans.notes]
    return _page(tr("Account plans: {branch}", branch=branch), lang, "\n".join(body))


def write_plans(
    plans: AccountPlans,
    output_dir: str | Path,
    *,
    branch: str,
    as_of: Any = None,
    lang: str = "en",
) -> Path:
    """Write ``plans/index.html``, one page per plan and ``plans/plans.xlsx`` (one sheet
    per account) into ``output_dir``; returns the index's path."""
    from ._excel import write_workbook
    from ._files import write_text

    folder = Path(output_dir) / "plans"
    folder.mkdir(parents=True, exist_ok=True)
    with language(lang):
        write_text(folder / "index.html", index_page(plans, branch=branch, lang=lang))
        sheets: dict[str, pd.DataFrame] = {}
        for aid, plan in plans.plans.items():
            page = plan_page(plan, currency=plans.currency, branch=branch, as_of=as_of, lang=lang)
            write_text(folder / plans.pages[aid], page)
            sheets[f"{plan.rank or ''} {plan.name}".strip()] = plan.sheet()
        if sheets:
            write_workbook(
                sheets,
                folder / "plans.xlsx",
                kinds={k: {"amount": "money", "value": "text", "item": "text"} for k in sheets},
                currency=plans.currency,
            )
    return folder / "index.html"
