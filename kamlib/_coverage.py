"""What each report section needs from the data, and whether a book has it.

One table, :data:`SECTIONS`, says for each part of a branch report which tables and
columns it rests on (each need a list of alternatives: any one will do). ``kam validate``,
the report's data-quality section and :func:`coverage` all read it, and a test holds it
against the analyses themselves: a part whose needs are not met says in its report
section that it cannot be shown, in the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from ._i18n import N_, tr
from ._result import TableResult, figures
from ._schema import ACCOUNTS, OPTIONAL_TABLES, TABLES

__all__ = [
    "SECTIONS",
    "Need",
    "Part",
    "Coverage",
    "coverage",
    "fills",
    "caveat",
    "missing_parts",
    "unmet",
    "left_empty_by",
]

#: revenue in any of the forms the data model knows (see ``Book.revenue_source``)
_ANY_REVENUE = (
    "billing",
    "accounts.total_revenue",
    "accounts.monthly_revenue",
    "accounts.lifetime_revenue",
)


@dataclass(frozen=True)
class Need:
    """One thing a part needs: any of ``alternatives`` ("table", "table.column" or
    "observation_start": billing months or a mapping's ``observed_from``); ``reason``
    is what the reader is told when none is there."""

    alternatives: tuple[str, ...]
    reason: str  # marked with N_: shown with tr()


@dataclass(frozen=True)
class Part:
    """A part of the report: ``key``, its name for the reader (``label``), the report
    section it sits in, the workbook table it fills (if any) and what it needs."""

    key: str
    label: str  # marked with N_
    section: str
    needs: tuple[Need, ...]
    table: str | None = None  # the report's table (sheet) this part fills
    #: filled, but with less to go on when none of this need's alternatives is there:
    #: its reason is said beside the ✓ (and the part's section says what it could not do)
    caveat: Need | None = None


#: the parts of a branch report, in report order, with what each rests on; a part with
#: no needs (churn rates) and one not listed (key figures, actions) needs only the
#: required columns
SECTIONS: tuple[Part, ...] = (
    Part(
        "value_tiers",
        N_("value tiers"),
        "segmentation",
        (Need(_ANY_REVENUE, N_("no revenue (billing, total, monthly or lifetime revenue)")),),
        table="Value tiers",
    ),
    Part(
        "value_loyalty",
        N_("value × loyalty"),
        "segmentation",
        (
            # value classes rank monthly spend: billing or the monthly charge
            Need(
                ("billing", "accounts.monthly_revenue"),
                N_("no monthly revenue (billing or a monthly charge)"),
            ),
            Need(
                (
                    "accounts.tenure_months",
                    "accounts.join_date",
                    "accounts.contract",
                    "accounts.satisfaction",
                ),
                N_("no loyalty signal (tenure, contract or satisfaction)"),
            ),
        ),
        table="Value x loyalty",
        # tenure alone often puts a whole branch in one loyalty column (young accounts
        # all "drifting"): the grid then says loyalty cannot be told apart
        caveat=Need(
            ("accounts.contract", "accounts.satisfaction", "usage.complaints", "billing"),
            N_(
                "loyalty rests on tenure alone: where it puts every active account in one "
                "loyalty column, the report says loyalty cannot be told apart"
            ),
        ),
    ),
    Part(
        "needs_segments",
        N_("needs segments"),
        "segmentation",
        (Need(("accounts.customer_type",), N_("no customer types")),),
        table="Needs segments",
    ),
    Part(
        "revenue_concentration",
        N_("80/20 revenue concentration"),
        "profit",
        (Need(_ANY_REVENUE, N_("no revenue (billing, total, monthly or lifetime revenue)")),),
    ),
    Part(
        "profit",
        N_("cost to serve, profit and the whale curve"),
        "profit",
        (
            Need(("costs",), N_("no cost table")),
            Need(_ANY_REVENUE, N_("no revenue (billing, total, monthly or lifetime revenue)")),
        ),
        table="P&L summary",
    ),
    Part("churn_rates", N_("churn rates"), "churn", ()),  # the required columns are enough
    Part(
        "churn_by_period",
        N_("churn per quarter"),
        "churn",
        (Need(("accounts.churn_date",), N_("no churn dates")),),
        table="Churn per quarter",
    ),
    Part(
        "cause_tree",
        N_("churn causes"),
        "churn",
        (
            Need(
                ("accounts.churn_cause", "accounts.churn_cause_group", "accounts.churn_category"),
                N_("no churn reasons (cause, cause group or the data's own churn category)"),
            ),
        ),
    ),
    Part(
        "retention_curves",
        N_("retention curves"),
        "churn",
        (
            Need(("accounts.tenure_months", "accounts.join_date"), N_("no tenure or join date")),
            Need(
                ("observation_start",),
                N_("no observation start (billing months, or the start date a mapping states)"),
            ),
        ),
    ),
    Part(
        "customer_value",
        N_("the value customers are expected to bring"),
        "value",
        (
            Need(_ANY_REVENUE, N_("no revenue (billing, total, monthly or lifetime revenue)")),
            Need(
                ("accounts.tenure_months", "accounts.join_date"),
                N_("no tenure or join date"),
            ),
            Need(
                ("observation_start",),
                N_("no observation start (billing months, or the start date a mapping states)"),
            ),
        ),
        table="Customer value ahead",
    ),
    Part(
        "group_warnings",
        N_("group-churn warnings"),
        "retention",
        (
            Need(("usage",), N_("no usage table")),
            Need(("usage.lines",), N_("no lines in the usage table")),
            Need(("usage.calls",), N_("no calls in the usage table")),
            Need(("usage.forwarded_calls",), N_("no forwarded calls in the usage table")),
            Need(("usage.group_bill",), N_("no group bill in the usage table")),
        ),
        table="Group-churn warnings",
    ),
    Part(
        "retention_funnel",
        N_("retention funnel"),
        "retention",
        (Need(("contacts",), N_("no retention-contact table")),),
        table="Retention funnel",
    ),
    Part(
        "key_account_list",
        N_("the key-account list"),
        "key_accounts",
        (
            Need(
                ("billing", "accounts.monthly_revenue"),
                N_("no monthly spend (billing or a monthly charge)"),
            ),
        ),
        table="Key-account list changes",
    ),
    Part(
        "service_levels",
        N_("service against the tier's entitlement"),
        "key_accounts",
        (
            Need(("costs",), N_("no cost table")),
            Need(
                ("costs.am_hours", "costs.field_visits"),
                N_("no account-manager hours or visits in the cost table"),
            ),
            Need(
                ("billing", "accounts.monthly_revenue"),
                N_("no monthly spend (billing or a monthly charge)"),
            ),
        ),
        table="Service by value tier",
    ),
    Part(
        "account_plans",
        N_("account plans"),
        "key_accounts",
        (Need(_ANY_REVENUE, N_("no revenue (billing, total, monthly or lifetime revenue)")),),
        table="Account plans",
    ),
    Part(
        "contract_payback",
        N_("contract payback"),
        "key_accounts",
        (Need(("contracts",), N_("no contracts table")),),
        table="Contract payback",
    ),
    Part(
        "sales_potential",
        N_("the sales potential per value tier"),
        "key_accounts",
        (Need(("billing",), N_("no billing by product")),),
        table="Sales potential",
    ),
    Part(
        "account_managers",
        N_("account managers"),
        "managers",
        (Need(("accounts.account_manager",), N_("no account managers in the accounts table")),),
        table="Account managers",
    ),
    Part(
        "manager_departures",
        N_("churn after an account manager left"),
        "managers",
        (Need(("assignments",), N_("no account-manager history (assignments table)")),),
        table="Churn after a manager left",
    ),
    Part(
        "discount_control",
        N_("discounts against the policy's limits"),
        "managers",
        (
            Need(("costs",), N_("no cost table")),
            Need(("costs.discounts",), N_("no discounts in the cost table")),
            Need(_ANY_REVENUE, N_("no revenue (billing, total, monthly or lifetime revenue)")),
        ),
        table="Discounts by account manager",
    ),
    Part(
        "service_promises",
        N_("the service promises kept"),
        "service",
        (Need(("tickets",), N_("no service tickets table")),),
        table="Service promises",
    ),
    Part(
        "complaint_rate",
        N_("complaints per 100 accounts"),
        "service",
        (Need(("tickets",), N_("no service tickets table")),),
        table="Complaints per 100 accounts",
    ),
    Part(
        "satisfaction_trend",
        N_("satisfaction over time"),
        "service",
        (Need(("surveys",), N_("no satisfaction surveys table")),),
        table="Satisfaction by quarter",
    ),
    Part(
        "service_churn",
        N_("the churn that follows poor service"),
        "service",
        (
            Need(("tickets", "surveys"), N_("no service tickets or surveys table")),
            Need(("accounts.churn_date",), N_("no churn dates")),
        ),
    ),
    Part(
        "watch_list",
        N_("the watch list of accounts at risk"),
        "watchlist",
        (Need(_ANY_REVENUE, N_("no revenue (billing, total, monthly or lifetime revenue)")),),
    ),
    Part(
        "scenarios",
        N_("what retention, price and pruning would do to profit"),
        "whatif",
        (Need(_ANY_REVENUE, N_("no revenue (billing, total, monthly or lifetime revenue)")),),
        table="What if",
    ),
)

_PARTS = {p.key: p for p in SECTIONS}

#: the data model's tables in a reader's words
TABLE_WORDS = {
    "accounts": N_("accounts table"),
    "billing": N_("billing table"),
    "costs": N_("cost table"),
    "usage": N_("usage table"),
    "contacts": N_("retention-contact table"),
    "assignments": N_("account-manager history (assignments table)"),
    "contracts": N_("contracts table"),
    "tickets": N_("service tickets table"),
    "surveys": N_("satisfaction surveys table"),
}


def in_sentence(column: str, table: str | None = None) -> str:
    """A column's label inside a sentence ("customer type"; Chinese has no case; a yes/no
    column is named as a flag: "'important' flag"). With ``table``, the table's own label
    of the column where it has one (``assignments.reason`` is not the "why not" of a
    report's coverage table)."""
    from ._i18n import current_language
    from ._labels import KINDS, LABELS, label

    key = f"{table}.{column}" if table and f"{table}.{column}" in LABELS else column
    words = label(key)
    if current_language() == "en" and not words[:2].isupper():
        words = words[:1].lower() + words[1:]
    if KINDS.get(column) == "flag":
        # a yes/no column named alone reads as a noun ("has no important"): say it is a flag
        return tr("'{name}' flag", name=words)
    return words


def _has(book: Any, what: str) -> bool:
    """Does the book hold ``what`` ("table", "table.column" or "observation_start")?"""
    if what == "observation_start":
        return book.observation_start() is not None
    table, _, column = what.partition(".")
    if table != "accounts" and not book.has(table):
        return False
    if not column:
        return True
    df = book.accounts if table == "accounts" else book.table(table)
    return column in df and bool(df[column].notna().any())


def fills(book: Any, key: str) -> str | None:
    """None when ``book`` can fill the part ``key``; else the reason it cannot, in the
    reader's words (the first need not met)."""
    for need in _PARTS[key].needs:
        if not any(_has(book, a) for a in need.alternatives):
            return tr(need.reason)
    return None


def caveat(book: Any, key: str) -> str | None:
    """The caveat of a part ``book`` can fill (its ``caveat`` need not met), in the
    reader's words; None when there is none or the part cannot be filled at all."""
    part = _PARTS[key]
    if part.caveat is None or fills(book, key) is not None:
        return None
    if any(_has(book, a) for a in part.caveat.alternatives):
        return None
    return tr(part.caveat.reason)


class Coverage(TableResult):
    """What a data set can fill of a branch report (:func:`coverage`): one row per part
    with ``section`` (the report section), ``part`` (its name), ``can_fill`` and
    ``reason`` (why not, in the reader's words; empty when it can) and ``caveat`` (what a
    part it can fill rests on too little to show; empty when nothing)."""

    def summary(self) -> pd.DataFrame:
        t = self.table
        return figures({"parts": len(t), "parts_shown": int(t["can_fill"].sum())})

    def plot(self, *, ax: Any = None) -> Any:
        """Nothing to draw: the parts are a list. Returns the Axes, turned off."""
        from ._result import axes, nothing_to_draw

        ax = axes(ax)
        return nothing_to_draw(ax, tr("What the data can fill: see the table"))

    def lines(self) -> list[str]:
        """One line per part: "✓ value tiers" / "✗ value × loyalty: no loyalty signal …"."""
        return [
            (f"✓ {r.part} ({r.caveat})" if r.caveat else f"✓ {r.part}")
            if r.can_fill
            else f"✗ {r.part}: {r.reason}"
            for r in self.table.itertuples()
        ]


def coverage(book: Any) -> Coverage:
    """Which parts of a branch report the data can fill, and why not where they cannot.

    Parameters
    ----------
    book : a :class:`kamlib.Book` (the whole operator or one branch).

    Returns
    -------
    Coverage
        ``table``: one row per part that rests on optional data (``key``, ``section``,
        ``part``, ``can_fill``, ``reason``, ``caveat``); ``lines()`` gives them as ``kam validate``
        prints them. Churn rates and the key figures need only the required columns and
        are always there.

    Examples
    --------
    >>> import kamlib
    >>> book = kamlib.synth(100, seed=1).book
    >>> bare = kamlib.Book.from_frames(accounts=book.accounts.drop(columns="satisfaction"))
    >>> cov = kamlib.coverage(bare)
    >>> cov.table.set_index("key").loc["profit", "reason"]
    'no cost table'
    >>> bool(cov.table.set_index("key").loc["value_loyalty", "can_fill"])
    False
    """
    rows = []
    for p in SECTIONS:
        why = fills(book, p.key)
        rows.append(
            {
                "key": p.key,
                "section": p.section,
                "part": tr(p.label),
                "can_fill": why is None,
                "reason": why or "",
                "caveat": caveat(book, p.key) or "",
            }
        )
    return Coverage(
        pd.DataFrame(rows, columns=["key", "section", "part", "can_fill", "reason", "caveat"])
    )


def missing_parts(book: Any) -> dict[str, list[str]]:
    """The optional tables and columns of the data model the book does not hold:
    ``{"tables": [...], "accounts": [columns...], "usage": [...], ...}`` (a table that is
    missing altogether is listed under ``tables`` only; a column with no value at all
    counts as missing). Only the data model's named columns are listed."""
    out: dict[str, list[str]] = {"tables": [t for t in OPTIONAL_TABLES if not book.has(t)]}
    out["accounts"] = [
        c.name
        for c in ACCOUNTS.columns
        if not c.required
        and (c.name not in book.accounts or book.accounts[c.name].isna().all())
        # derived or alternative columns a report never misses on their own
        and c.name not in _NOT_MISSED
    ]
    for t in _WITH_OPTIONAL_COLUMNS:
        if book.has(t):
            df = book.table(t)
            out[t] = [
                c.name
                for c in TABLES[t].columns
                if not c.required and (c.name not in df or df[c.name].isna().all())
            ]
    return out


#: the optional tables that have optional columns of their own (listed when missing)
_WITH_OPTIONAL_COLUMNS = tuple(
    t for t in OPTIONAL_TABLES if any(not c.required for c in TABLES[t].columns)
)

#: accounts columns whose absence costs nothing on its own: revenue in another form is
#: enough (the revenue rows of the data-quality section say which was used), and the
#: source's own churn category is an alternative to the cause codes
_NOT_MISSED = frozenset({"total_revenue", "monthly_revenue", "lifetime_revenue", "churn_category"})


def left_empty_by(book: Any, what: str) -> list[Part]:
    """The parts the book cannot fill because ``what`` ("table.column") is missing: one
    of their unmet needs lists it as an alternative."""
    return [
        p
        for p in SECTIONS
        if any(
            what in n.alternatives and not any(_has(book, a) for a in n.alternatives)
            for n in p.needs
        )
    ]


def unmet(book: Any) -> list[tuple[Part, str]]:
    """The parts the book cannot fill, with the reason (in the reader's words)."""
    out = []
    for p in SECTIONS:
        why = fills(book, p.key)
        if why is not None:
            out.append((p, why))
    return out
