"""PLACEHOLDER — the lead replaces this file with the real ``kamlib/decisions.py``.

Throwaway stand-in so the report builder (:mod:`kamlib.document`) runs in this worktree:
same signatures and columns as the real module is being written with, crude content.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._book import Book
from ._result import TableResult, figures

__all__ = ["KPIs", "Actions", "kpis", "next_actions"]

_KPI_COLUMNS = [
    "unit",
    "period",
    "branch",
    "operator",
    "earlier",
    "change",
    "target",
    "versus_target",
    "versus_operator",
]
_ACTION_COLUMNS = [
    "rank",
    "kind",
    "action",
    "accounts",
    "money_at_stake",
    "why",
    "assumption",
    "source",
]


class KPIs(TableResult):
    """PLACEHOLDER."""

    def summary(self) -> pd.DataFrame:
        return figures({str(k): v for k, v in self.table["branch"].items()})


class Actions(TableResult):
    """PLACEHOLDER."""

    def summary(self) -> pd.DataFrame:
        return figures({"actions": len(self.table)})


def kpis(
    book: Book, branch: str, *, pnl: Any = None, targets: str | Path | dict | None = None
) -> KPIs:
    """PLACEHOLDER: revenue, profit and churn rate of the branch and the operator."""
    b = book.branch(branch)

    def figures_of(x: Book) -> dict[str, float]:
        rev = x.period_revenue()
        churned = float((x.accounts["status"] == "churned").mean()) if len(x.accounts) else np.nan
        return {
            "revenue": float(rev.sum()) if rev is not None else np.nan,
            "churn_rate": churned,
        }

    here, there = figures_of(b), figures_of(book)
    rows = {
        k: {"unit": u, "period": "", "branch": here[k], "operator": there[k]}
        for k, u in (("revenue", "money"), ("churn_rate", "share"))
    }
    t = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=_KPI_COLUMNS)
    t.index.name = "kpi"
    return KPIs(t)


def next_actions(
    book: Book,
    branch: str,
    *,
    pnl: Any = None,
    warnings: Any = None,
    loss_makers: Any = None,
    causes: Any = None,
    opportunities: Any = None,
    max_actions: int = 5,
) -> Actions:
    """PLACEHOLDER: one action per warned group still with us."""
    rows = []
    if warnings is not None and len(warnings.table):
        w = warnings.table
        w = w[w["warning"] & (w["status"] == "active")]
        for _, r in w.head(max_actions).iterrows():
            rows.append(
                {
                    "kind": "retain_group",
                    "action": f"Call {r['name']}: its calls to other operators rose.",
                    "accounts": str(r["name"]),
                    "money_at_stake": float(r["revenue_at_risk_year"]),
                    "why": "warning signals",
                    "assumption": np.nan,
                    "source": "group_warnings",
                }
            )
    t = pd.DataFrame(rows, columns=_ACTION_COLUMNS[1:])
    t = t.sort_values("money_at_stake", ascending=False).reset_index(drop=True)
    t.insert(0, "rank", np.arange(1, len(t) + 1))
    return Actions(t)
