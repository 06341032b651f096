"""The operator overview: every branch side by side, and what the whole operator shows.

``kam report`` builds it after the branch reports (``operator_overview.ipynb``) into
``OUT/overview/``; ``index.html`` links it and takes its operator total row from the
``operator.json`` written here. The figures are the operator's own (its churn rate is
churned / accounts over all branches, not an average of branch rates), computed by the
same functions as a branch's ``metrics.json``, so a branch and the operator compare like
for like. Churn drivers are fitted on the whole operator: it has more churned accounts
than any branch, so the estimates are tighter than a branch's own.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._book import Book
from ._files import write_text
from ._format import count, money, names_list, number, period, share
from ._i18n import current_language, ntr, tr
from ._labels import label
from .churn import CauseTree, ChurnDrivers, cause_tree, churn_drivers, churn_rates
from .report import branch_metrics, profit_metrics

__all__ = ["OperatorOverview", "build_overview", "OPERATOR_FILE", "operator_metrics"]

#: the overview's figures for the whole operator (metrics.json's keys), read by index.html
OPERATOR_FILE = "operator.json"

#: branches drawn in the churn chart (the largest); the table and workbook hold them all
CHART_BRANCHES = 25


def operator_metrics(
    book: Book, *, scheme: str | Path | dict | None = None, cost_model: Any = None
) -> dict[str, Any]:
    """The figures of a branch's ``metrics.json``, for the whole operator.

    ``branch`` is null and ``operator`` holds the operator's name; ``branches`` counts
    them; ``margin`` is profit / revenue. Shares and rates are the operator's own.

    Examples
    --------
    >>> import kamlib
    >>> m = operator_metrics(kamlib.load(kamlib.sample_path()))
    >>> m["accounts"], m["branches"]
    (2000, 5)
    """
    m = branch_metrics(book, None, scheme=scheme, cost_model=cost_model)
    m["operator"] = book.name
    m["branches"] = len(book.branches)
    rev, profit = m.get("revenue"), m.get("profit")
    m["margin"] = float(profit / rev) if rev and profit is not None else None
    return m


def branch_comparison(book: Book, *, cost_model: Any = None) -> pd.DataFrame:
    """Every branch side by side: accounts, churn (rate, 95% interval), 80/20 shares and
    the loss-making share, with the same definitions as each branch's ``metrics.json``.

    ``churned`` and ``at_risk`` are the churn rate's own counts (accounts that churned in
    the observation window, and accounts on the books in it), so a reader dividing one by
    the other finds the rate shown beside them.

    Examples
    --------
    >>> import kamlib
    >>> t = branch_comparison(kamlib.load(kamlib.sample_path()))
    >>> int(t["accounts"].sum()), list(t.columns[:3])
    (2000, ['accounts', 'at_risk', 'churned'])
    """
    rates = churn_rates(book, by="branch").table
    rows = []
    for name in book.branches:
        b = book.branch(name)
        r = rates.loc[name] if name in rates.index else None
        p = profit_metrics(b, cost_model=cost_model)
        rows.append(
            {
                "branch": name,
                "accounts": len(b.accounts),
                "at_risk": 0 if r is None else int(r["accounts"]),
                "churned": 0 if r is None else int(r["churned"]),
                "churn_rate": np.nan if r is None else r["rate"],
                "ci_low": np.nan if r is None else r["ci_low"],
                "ci_high": np.nan if r is None else r["ci_high"],
                "top20_revenue_share": p["top20_revenue_share"],
                "top20_profit_share": p["top20_profit_share"],
                "unprofitable_share": p["unprofitable_share"],
            }
        )
    t = pd.DataFrame(rows).set_index("branch")
    counts = ("accounts", "at_risk", "churned")
    return t.astype({c: float for c in t.columns if c not in counts})


def ranked_causes(tree: CauseTree) -> pd.DataFrame:
    """The cause tree's causes ranked by churned accounts over the whole operator."""
    t = tree.table.reset_index()
    if t.empty:
        return t
    cols = ["cause", "group", "accounts", "share", "monthly_revenue_lost"]
    t = t[[c for c in cols if c in t.columns]]
    return t.sort_values("accounts", ascending=False, kind="stable").reset_index(drop=True)


def _show_table(title: str, table: pd.DataFrame) -> None:
    """Show ``table`` (already formatted for reading) under its message title."""
    from ._display import show_table

    show_table(title, table)


def _show_figure(fig: Any, *, title: str, alt: str) -> None:
    """Show a figure with its message title and an alt text stating its finding."""
    from ._display import show_figure

    # a Chinese character is about twice as wide as a Latin letter
    width = 38 if current_language() == "zh" else 70
    fig.axes[0].set_title("\n".join(textwrap.wrap(title, width)), loc="left", fontsize=11)
    show_figure(fig, alt=alt)


def _say(text: str) -> None:
    from IPython.display import display

    from ._display import say

    display(say(text))


def _formatted(df: pd.DataFrame, formats: dict[str, Callable[[Any], str]]) -> pd.DataFrame:
    """A copy with the columns in ``formats`` as text for readers (the rest as they are)."""
    out = df.copy()
    for col, fmt in formats.items():
        if col in out:
            out[col] = out[col].map(fmt)
    return out


@dataclass
class OperatorOverview:
    """The operator overview (:func:`build_overview`): :meth:`show` displays it in a
    notebook, :meth:`write` writes ``operator.json`` and ``tables.xlsx``.

    Attributes
    ----------
    metrics : dict
        The operator's figures (:func:`operator_metrics`).
    branches : DataFrame
        One row per branch (:func:`branch_comparison`).
    causes : DataFrame
        Causes ranked over the whole operator (:func:`ranked_causes`).
    drivers : ChurnDrivers
        :func:`kamlib.churn_drivers` fitted on the whole operator.
    """

    metrics: dict[str, Any]
    branches: pd.DataFrame
    causes: pd.DataFrame
    drivers: ChurnDrivers
    notes: tuple[str, ...] = field(default=())

    # -- sentences (computed from the figures, in the current language)

    @property
    def currency(self) -> str:
        return str(self.metrics.get("currency") or "")

    def title(self) -> str:
        return tr("{operator}: all branches at a glance", operator=self.metrics["operator"])

    def headline(self) -> str:
        m = self.metrics
        values = {
            "n": count(m["branches"]),
            "accounts": count(m["accounts"]),
            "period": period(m.get("period_start"), m.get("period_end")),
            "revenue": money(m.get("revenue"), self.currency),
            "profit": money(m.get("profit"), self.currency),
            "margin": share(m.get("margin")),
        }
        if m.get("revenue") is not None and m.get("profit") is not None:
            return ntr(
                "{accounts} accounts in {n} branch, {period}. Revenue {revenue}, profit "
                "{profit} ({margin} of revenue).",
                "{accounts} accounts in {n} branches, {period}. Revenue {revenue}, profit "
                "{profit} ({margin} of revenue).",
                m["branches"],
                **values,
            )
        if m.get("revenue") is not None:
            return ntr(
                "{accounts} accounts in {n} branch, {period}. Revenue {revenue}; without "
                "cost data there is no profit figure.",
                "{accounts} accounts in {n} branches, {period}. Revenue {revenue}; without "
                "cost data there is no profit figure.",
                m["branches"],
                **values,
            )
        return ntr(
            "{accounts} accounts in {n} branch, {period}.",
            "{accounts} accounts in {n} branches, {period}.",
            m["branches"],
            **values,
        )

    def churn_sentence(self) -> str:
        """The operator's churn rate with the counts it is computed from (the window's:
        accounts that left before it are not counted)."""
        m = self.metrics
        values = {
            "churned": count(self.branches["churned"].sum()),
            "accounts": count(self.branches["at_risk"].sum()),
            "period": period(m.get("period_start"), m.get("period_end")),
        }
        if m.get("churn_rate") is None:
            return tr(
                "{churned} of the {accounts} accounts on the books in {period} churned; too "
                "few accounts for a rate.",
                **values,
            )
        low, high = m["churn_rate_ci"]
        return tr(
            "{churned} of the {accounts} accounts on the books in {period} churned: {rate} "
            "(95% interval {low} to {high}).",
            **values,
            rate=share(m["churn_rate"]),
            low=share(low),
            high=share(high),
        )

    def churn_title(self) -> str:
        """The churn chart's finding: which branches lose accounts faster or slower than
        the operator (95% intervals that exclude the operator's rate)."""
        op = self.metrics.get("churn_rate")
        t = self.branches.dropna(subset=["ci_low"])
        if op is None or t.empty:
            return tr("Too few accounts in any branch for a churn rate")
        worse = t.index[t["ci_low"] > op].tolist()
        better = t.index[t["ci_high"] < op].tolist()
        if worse:
            top = t.loc[worse, "churn_rate"].idxmax()
            if len(worse) == 1:  # one branch: its own rate (no "highest")
                return tr(
                    "{branch} loses accounts faster than the operator: {rate} against {operator}",
                    branch=top,
                    rate=share(t.loc[top, "churn_rate"]),
                    operator=share(op),
                )
            return tr(
                "{names} lose accounts faster than the operator (highest {rate} in {top}, "
                "operator {operator})",
                names=names_list(worse),
                rate=share(t.loc[top, "churn_rate"]),
                top=top,
                operator=share(op),
            )
        if better:
            return ntr(
                "{names} keeps accounts better than the operator's {operator} churn rate",
                "{names} keep accounts better than the operator's {operator} churn rate",
                len(better),
                names=names_list(better),
                operator=share(op),
            )
        return tr(
            "No branch's churn rate differs clearly from the operator's {operator}",
            operator=share(op),
        )

    def causes_title(self) -> str:
        if self.causes.empty:
            return tr("No churn causes are recorded")
        top = self.causes.iloc[0]
        return tr(
            "{cause} is the most common reason to leave: {share} of churned accounts",
            cause=top["cause"],
            share=share(top["share"]),
        )

    def drivers_sentence(self) -> str:
        """Why the drivers are fitted on the whole operator, with the numbers."""
        if self.branches.empty:
            return ""
        largest = self.branches["churned"].idxmax()
        return tr(
            "The drivers are fitted on all branches together: {events} churned accounts, "
            "against {largest} in the branch with the most ({branch}), so the estimates are "
            "tighter than any branch's own.",
            events=count(self.drivers.churners_),
            largest=count(self.branches.loc[largest, "churned"]),
            branch=largest,
        )

    def drivers_title(self) -> str:
        t = self.drivers.table
        sig = t[t["significant"].fillna(False).astype(bool)] if len(t) else t
        if sig.empty:
            return tr("No driver clearly moves churn once the others are taken into account")
        strength = np.abs(np.log(sig["odds_ratio"].astype(float)))
        name = strength.idxmax()
        ratio = float(sig.loc[name, "odds_ratio"])
        if ratio >= 1:
            return tr(
                "{driver} moves churn most: it multiplies the odds of leaving by {ratio}",
                driver=label(name),
                ratio=number(ratio, 1),
            )
        return tr(
            "{driver} moves churn most: it cuts the odds of leaving by {share}",
            driver=label(name),
            share=share(1 - ratio),
        )

    # -- tables

    def kpis(self) -> pd.DataFrame:
        """The operator's figures as a two-column table for readers (figure, value)."""
        m, cur = self.metrics, self.currency
        rows = [
            ("branches", count(m["branches"])),
            ("accounts", count(m["accounts"])),
            ("revenue", money(m.get("revenue"), cur)),
            ("profit", money(m.get("profit"), cur)),
            ("margin", share(m.get("margin"))),
            ("at_risk", count(self.branches["at_risk"].sum())),
            ("churned", count(self.branches["churned"].sum())),  # the rate's own counts
            ("churn_rate", share(m.get("churn_rate"))),
            ("churn_rate_per_account_year", share(m.get("churn_rate_per_account_year"))),
            ("top20_revenue_share", share(m.get("top20_revenue_share"))),
            ("top20_profit_share", share(m.get("top20_profit_share"))),
            ("unprofitable_share", share(m.get("unprofitable_share"))),
        ]
        return pd.DataFrame({"figure": [label(k) for k, _ in rows], "value": [v for _, v in rows]})

    def branch_table(self) -> pd.DataFrame:
        """:attr:`branches` formatted for reading, largest branch first."""
        t = self.branches.sort_values("accounts", ascending=False).reset_index()
        fmt = dict.fromkeys(
            [
                "churn_rate",
                "ci_low",
                "ci_high",
                "top20_revenue_share",
                "top20_profit_share",
                "unprofitable_share",
            ],
            share,
        )
        return _formatted(t, {"accounts": count, "at_risk": count, "churned": count, **fmt})

    def tables(self) -> dict[str, pd.DataFrame]:
        """The workbook's sheets (sheet name in the reader's words -> table with its
        column keys: the workbook writes headers, codes and definitions from them)."""
        out = {
            tr("Operator figures"): self.kpis(),
            tr("Branches side by side"): self.branches.reset_index(),
            tr("Churn causes"): self.causes,
        }
        if len(self.drivers.table):
            out[tr("Churn drivers")] = self.drivers.table.reset_index()
        return out

    # -- output

    def show(self) -> None:
        """Display the overview in a notebook: figures, branches, causes, drivers."""
        import matplotlib.pyplot as plt

        _say(self.headline())
        _say(self.churn_sentence())
        for note in self.notes:
            _say(note)
        _show_table(tr("The operator's figures"), self.kpis())

        t = self.branches.dropna(subset=["churn_rate"])
        t = t.sort_values("accounts", ascending=False).head(CHART_BRANCHES)
        op = self.metrics.get("churn_rate")
        if len(t) and op is not None:
            t = t.sort_values("churn_rate")
            fig, ax = plt.subplots(figsize=(7.5, 0.6 + 0.35 * len(t)))
            err = np.vstack([t["churn_rate"] - t["ci_low"], t["ci_high"] - t["churn_rate"]])
            ax.barh(t.index.astype(str), t["churn_rate"], xerr=err, color="#8da0cb", capsize=3)
            ax.axvline(op, color="#333", linestyle="--", label=tr("Operator"))
            ax.xaxis.set_major_formatter(lambda v, _pos: share(v))
            ax.set_xlabel(tr("Churn rate (95% interval)"))
            ax.legend(loc="lower right", frameon=False)
            title = self.churn_title()
            _show_figure(
                fig,
                title=title,
                alt=tr(
                    "{finding}. Bar chart of the churn rate per branch with 95% intervals; "
                    "the dashed line is the operator's rate, {operator}.",
                    finding=title,
                    operator=share(op),
                ),
            )
            if len(self.branches.dropna(subset=["churn_rate"])) > CHART_BRANCHES:
                _say(
                    tr(
                        "The chart shows the {n} largest branches; the table lists them all.",
                        n=count(CHART_BRANCHES),
                    )
                )
        _show_table(
            tr("Every branch side by side (largest first)"),
            self.branch_table(),
        )

        if self.causes.empty:
            _say(tr("The data record no churn causes, so causes cannot be ranked."))
        else:
            top = self.causes.head(12).iloc[::-1]
            fig, ax = plt.subplots(figsize=(7.5, 0.6 + 0.35 * len(top)))
            ax.barh(top["cause"].astype(str), top["share"], color="#fc8d62")
            ax.xaxis.set_major_formatter(lambda v, _pos: share(v))
            ax.set_xlabel(tr("Share of churned accounts"))
            title = self.causes_title()
            _show_figure(
                fig,
                title=title,
                alt=tr(
                    "{finding}. Bar chart of churn causes over the whole operator, "
                    "most common first.",
                    finding=title,
                ),
            )
            _show_table(
                tr("Churn causes, most common first"),
                _formatted(
                    self.causes,
                    {
                        "accounts": count,
                        "share": share,
                        "monthly_revenue_lost": lambda v: money(v, self.currency),
                    },
                ),
            )

        _say(self.drivers.reading)
        _say(self.drivers_sentence())
        for note in self.drivers.notes:
            _say(note)
        if len(self.drivers.table):
            fig, ax = plt.subplots(figsize=(7.5, 4))
            self.drivers.plot(ax=ax)
            title = self.drivers_title()
            _show_figure(
                fig,
                title=title,
                alt=tr(
                    "{finding}. Odds ratios of churning with 95% intervals for each driver, "
                    "fitted on the whole operator.",
                    finding=title,
                ),
            )

    def write(self, out: str | Path) -> Path:
        """Write ``operator.json`` (the figures) and ``tables.xlsx`` into ``out``."""
        from ._excel import write_workbook

        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        # branch_metrics' figures are JSON-safe already (no NaN, no numpy scalars)
        text = json.dumps(self.metrics, indent=2, ensure_ascii=False, allow_nan=False)
        tables = self.tables()
        # the drivers' intervals are of odds ratios, not of shares
        odds = {tr("Churn drivers"): {"ci_low": "ratio", "ci_high": "ratio"}}
        write_workbook(tables, out / "tables.xlsx", kinds=odds, currency=self.currency or None)
        return write_text(out / OPERATOR_FILE, text)


def build_overview(
    book: Book,
    *,
    scheme: str | Path | dict | None = None,
    cost_model: Any = None,
) -> OperatorOverview:
    """The operator overview of ``book`` (all its branches).

    Examples
    --------
    >>> import kamlib
    >>> ov = build_overview(kamlib.load(kamlib.sample_path()))
    >>> ov.metrics["accounts"] == int(ov.branches["accounts"].sum())
    True
    """
    metrics = operator_metrics(book, scheme=scheme, cost_model=cost_model)
    tree = cause_tree(book, lang=current_language())
    drivers = churn_drivers(book)
    notes = (book.revenue_caveat(),) if book.revenue_caveat() else ()
    return OperatorOverview(
        metrics=metrics,
        branches=branch_comparison(book, cost_model=cost_model),
        causes=ranked_causes(tree),
        drivers=drivers,
        notes=tuple(n for n in notes if n),
    )
