"""One label catalogue: every column, figure and category code in business words.

Analyses name their columns in ``snake_case`` (stable keys for code, tests and
``metrics.json``); what a reader sees comes from here. A key that is not in the catalogue
is shown as it is: names from the data (branches, products, account names) pass through
untouched. A test checks that every column and headline figure of every analysis has an
entry.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["LABELS", "label", "labelled"]

#: key -> English label. Keep alphabetical within each block.
LABELS: dict[str, str] = {
    # -- counts and money
    "accounts": "Accounts",
    "accounts_listed": "Accounts listed",
    "accounts_to_peak": "Accounts up to the peak",
    "accounts_type_unknown": "Accounts of unknown type",
    "accounts_unknown_spend": "Accounts with unknown spend",
    "arpu": "ARPU (per month)",
    "at_stake": "Money at stake",
    "churned": "Churned",
    "cost": "Cost to serve",
    "cost_to_serve": "Cost to serve",
    "currency": "Currency",
    "lines": "Lines",
    "margin": "Margin",
    "monthly_revenue": "Monthly revenue",
    "n": "Observations",
    "profit": "Profit",
    "revenue": "Revenue",
    "rows": "Rows",
    "total": "Total",
    # -- shares and rates
    "ci_high": "95% interval, high",
    "ci_low": "95% interval, low",
    "cumulative_share": "Cumulative share",
    "profit_share": "Share of profit",
    "rate": "Rate",
    "reliable": "Enough accounts for a rate",
    "share": "Share",
    "share_of_accounts": "Share of accounts",
    "share_of_revenue": "Share of revenue",
    # -- segmentation
    "accounts_share": "Share of accounts",
    "business": "Business",
    "business_accounts": "Business accounts",
    "care_strategy": "Care strategy",
    "complaints_per_month": "Complaints per month",
    "contract_ends_soon": "Contract ends soon",
    "customer_type": "Customer type",
    "groups": "Groups",
    "high_value_drifting": "High value, drifting",
    "high_value_loyal": "High value, loyal",
    "important": "Important",
    "important_accounts": "Important accounts",
    "importance": "Importance",
    "importance_source": "Importance from",
    "key_account": "Key accounts",
    "key_accounts": "Key accounts",
    "label": "Tier",
    "label_zh": "Tier (Chinese)",
    "low_value_drifting": "Low value, drifting",
    "loyalty": "Loyalty",
    "loyalty_score": "Loyalty score",
    "residential": "Residential",
    "residential_accounts": "Residential accounts",
    "revenue_trend": "Revenue trend (per month)",
    "segment": "Segment",
    "segments": "Segments",
    "stage": "Lifecycle stage",
    "tenure_months": "Tenure (months)",
    "tier": "Value tier",
    "tiers": "Tiers",
    "top_tier": "Top tier",
    "top_tier_share_of_accounts": "Top tier, share of accounts",
    "top_tier_share_of_revenue": "Top tier, share of revenue",
    "type_source": "Type from",
    "value": "Value",
    # importance levels (below: a key account spending under the ordinary threshold)
    "below": "Key account below the spend threshold",
    "ordinary": "Ordinary key account",
    "super": "Super key account",
    # -- profit
    "accounts_share_of_total": "Share of accounts",
    "break_even": "Break-even",
    "cannot_tell": "Cannot tell",
    "claims": "Claims tested",
    "cumulative_profit": "Cumulative profit",
    "do_not_hold": "Do not hold",
    "gini": "Gini",
    "groups_losing_money": "Groups losing money",
    "hold": "Hold",
    "holds": "Holds?",
    "lever": "Lever",
    "loss_making": "Loss-making",
    "loss_making_accounts": "Loss-making accounts",
    "loss_making_profit": "Profit of the loss-making accounts",
    "loss_making_share_of_accounts": "Loss-making, share of accounts",
    "peak_profit": "Profit at the peak",
    "peak_share_of_accounts": "Peak, share of accounts",
    "peak_share_of_profit": "Peak, share of total profit",
    "profitable": "Profitable",
    "profitable_accounts": "Profitable accounts",
    "rank": "Rank",
    "ranked_by": "Ranked by",
    "says": "What the data say",
    "services": "Services",
    "services_losing_money": "Services losing money",
    "tail_giveback": "Given back by the tail",
    "top_accounts": "Accounts in the top group",
    "top_group_share": "Top group's share",
    "top_share": "Top group's share",
    "top_share_of_accounts": "Top group, share of accounts",
    "total_profit": "Total profit",
    "value_share": "Cumulative share of the value",
    # -- statistics
    "cells_expecting_under_5": "Cells expecting fewer than 5",
    "chi2": "Chi-square",
    "column": "Column",
    "cramers_v": "Cramér's V",
    "dof": "Degrees of freedom",
    "expected": "Expected",
    "observed": "Observed",
    "p_value": "p-value",
    "residual": "Adjusted residual",
    "row": "Row",
    "standouts": "Cells that stand out",
}


def label(key: Any, lang: str = "en") -> str:
    """The reader's words for a column, figure or code (the key itself when unknown).

    Examples
    --------
    >>> label("share_of_revenue")
    'Share of revenue'
    >>> label("Suzhou")
    'Suzhou'
    """
    return LABELS.get(key, str(key)) if isinstance(key, str) else str(key)


def labelled(df: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """A copy of ``df`` for display: column names, index names and codes in the index
    turned into labels (values in the cells are left alone)."""
    out = df.rename(columns=lambda c: label(c, lang))
    out = out.rename(index=lambda i: label(i, lang) if isinstance(i, str) else i)
    out.index.names = [label(n, lang) if n else n for n in out.index.names]
    if out.columns.name:
        out.columns.name = label(out.columns.name, lang)
    return out
