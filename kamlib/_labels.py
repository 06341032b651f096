"""One label catalogue: every column, figure and category code in business words.

Analyses name their columns in ``snake_case`` (stable keys for code, tests and
``metrics.json``); what a reader sees comes from here. A key that is not in the catalogue
is shown as it is: names from the data (branches, products, account names) pass through
untouched. A test checks that every column and headline figure of every analysis has an
entry. English only for now: the Chinese edition adds its language here.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ._i18n import tr

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
    "discounts_given": "Discounts given (already off net revenue)",
    "lifetime_revenue": "Lifetime revenue (since joining)",
    "lines": "Lines",
    "margin": "Margin",
    "monthly_revenue": "Monthly revenue",
    "n": "Observations",
    "profit": "Profit",
    "revenue": "Revenue",
    "rows": "Rows",
    "total": "Total",
    # -- shares and rates
    "churn_rate_per_account_year": "Churn per account-year",
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
    # value classes and loyalty (the value x loyalty grid)
    "drifting": "Drifting",
    "high": "High value",
    "low": "Low value",
    "loyal": "Loyal",
    "medium": "Medium value",
    "potentially loyal": "Potentially loyal",
    # products of the sample operator (an operator's own codes pass through as they are)
    "broadband": "Broadband",
    "cloud_idc": "Cloud and IDC",
    "fixed_voice": "Fixed voice",
    "ict_solution": "ICT solutions",
    "iot": "IoT",
    "leased_line": "Leased line",
    "mobile": "Mobile",
    # contracts
    "contract": "Contract",
    "monthly": "Monthly",
    "multi_year": "Multi-year",
    "none": "No contract",
    "one_year": "One year",
    "two_year": "Two years",
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
    # -- identifiers and row names
    "account_id": "Account",
    "baseline": "Compared with (baseline)",
    "branch": "Branch",
    "branches": "Branches",
    "claim": "Claim",
    "decile": "Decile",
    "driver": "Driver",
    "figure": "Figure",
    "group": "Group",
    "item": "Item",
    "name": "Name",
    "period": "Period",
    "status": "Status",
    # -- segments, needs, targets and opportunities
    "act_now": "Opportunities to act on now",
    "act_now_expected": "Expected gain of the act-now opportunities",
    "annual_revenue": "Annual revenue",
    "archetype": "Archetype",
    "basis": "Basis",
    "criterion": "How the number was chosen",
    "current_share": "Current share",
    "distance": "Distance to the archetype",
    "distance_to_nearest": "Distance to the nearest segment",
    "expected": "Expected gain (size x probability)",
    "fit": "Fit to the archetype",
    "gap_revenue": "Revenue gap to target",
    "market_customers": "Customers in the market",
    "market_revenue": "Revenue in the market",
    "name_zh": "Segment (Chinese)",
    "nearest_segment": "Nearest segment",
    "next_archetype": "Next archetype",
    "next_distance": "Distance to the next archetype",
    "note": "Note",
    "opportunities": "Opportunities",
    "penetration": "Penetration",
    "period_profit": "Profit over the period",
    "priority": "Priority",
    "probability": "Probability of success",
    "silhouette": "Silhouette",
    "baseline_silhouette": "Silhouette on shuffled data",
    "stability": "Stability over subsets (adjusted Rand)",
    "structure": "Structure",
    "size": "Size of result (per year)",
    "sized": "Opportunities sized",
    "source": "Source",
    "segments_with_market_size": "Segments with a market size",
    "spread": "Spread within the segment",
    "target_share": "Target share",
    "top_products": "Top products",
    "top_segment": "Top segment",
    "top_segment_share_of_revenue": "Top segment, share of revenue",
    "at risk": "At risk",
    "declining": "Declining",
    "growing": "Growing",
    "mature": "Mature",
    "new": "New",
    "stage_at_risk": "At risk",
    "stage_churned": "Churned",
    "stage_declining": "Declining",
    "stage_growing": "Growing",
    "stage_mature": "Mature",
    "stage_new": "New",
    # -- churn
    "accounts_retained": "Accounts retained",
    "accounts_warned": "Accounts warned",
    "acquisition_to_retention_cost": "Assumed: acquisition cost as a multiple of retention cost",
    "arpu_change": "ARPU change after migration",
    "at_risk": "Accounts at risk",
    "bill_change": "Change in group bill",
    "cause": "Cause",
    "causes": "Causes",
    "churn_cause": "Cause code",
    "churn_rate": "Churn rate",
    "churn_type": "Churn type",
    "churned_share": "Share of churned accounts",
    "cost_of_contacts": "Cost of retention contacts (assumed per contact)",
    "cost_of_replacing": "Cost of winning as many new customers (assumed multiple)",
    "drivers": "Drivers",
    "drivers_significant": "Drivers beyond chance (Holm-adjusted p < 0.05)",
    "forwarded_share_before": "Calls forwarded, before",
    "forwarded_share_now": "Calls forwarded, now",
    "forwarding_rise": "Rise in calls forwarded",
    "group_bill_before": "Group bill before (per month)",
    "group_bill_now": "Group bill now (per month)",
    "group_share": "Share of the cause group",
    "groups_too_small_for_a_rate": "Groups too small for a rate",
    "highest_incidence": "Highest cumulative incidence",
    "highest_incidence_group": "Cause group with the highest incidence",
    "highest_rate": "Highest rate",
    "incidence": "Cumulative incidence",
    "intent_of_reached": "Intent to leave, of reached",
    "intent_to_leave": "Intent to leave",
    "longest_tenure_months": "Longest tenure followed (months)",
    "lost_monthly_revenue": "Monthly revenue lost",
    "lowest_rate": "Lowest rate",
    "lowest_retained": "Lowest share retained",
    "migrated": "Migrated internally",
    "monthly_revenue_lost": "Monthly revenue lost",
    "months": "Months since joining",
    "months_of_revenue_saved": "Assumed: months a retained account stays",
    "odds_ratio": "Odds ratio",
    "periods": "Periods",
    "reached": "Reached",
    "churn_rate_if_not_retained": "Churn rate of warned accounts not retained",
    "churn_rate_of_retained": "Churn rate of retained accounts",
    "reached_of_warned": "Reached, of warned",
    "retained": "Retained",
    "retained_of_intent": "Retained, of intent to leave",
    "retained_of_warned": "Retained, of warned",
    "retention_cost_per_contact": "Assumed: cost per retention contact",
    "significant": "Beyond chance (Holm-adjusted p < 0.05)",
    "revenue_at_risk_year": "Revenue at risk (per year)",
    "revenue_rate": "Churn rate by revenue",
    "revenue_saved": "Revenue saved (retained x extra churn of the not retained x assumed stay)",
    "share_of_lost": "Share of lost accounts",
    "top_cause": "Top cause",
    "top_cause_share": "Top cause, share of churned",
    "warned": "Warned",
    "warned_active": "Warned, still with us",
    "warning": "Warning",
    "migration": "Internal migration",
    "voluntary": "Voluntary",
    "involuntary": "Involuntary",
    "unknown": "Not known",
    # -- reports
    "churned_accounts": "Churned accounts",
    "consequence": "What it means",
    "findings": "Findings",
    "gini_revenue": "Gini (revenue)",
    "operator": "Operator",
    "revenue_basis": "Revenue basis (net or gross of discounts)",
    "revenue_share": "Share of revenue",
    "revenue_source": "Revenue from",
    "top20_profit_share": "Top 20% profit share",
    "top20_revenue_share": "Top 20% revenue share",
    "top_churn_cause": "Top churn cause",
    "unprofitable_share": "Loss-making accounts",
    "what": "What",
    "whale_peak_share": "Whale peak",
    "whale_peak_at": "Whale peak, share of accounts",
    # -- statistics
    "alpha": "Significance level",
    "cells_expecting_under_5": "Cells expecting fewer than 5",
    "chi2": "Chi-square",
    "chi2_p_value": "p-value, chi-square approximation",
    "column": "Column",
    "cramers_v": "Cramér's V (bias-corrected)",
    "dof": "Degrees of freedom",
    "expected_count": "Expected count",
    "left_out": "Left out of the test",
    "observed": "Observed",
    "p_adjusted": "p-value, Holm-adjusted",
    "p_value": "p-value",
    "permutation_p_value": "p-value, permutation",
    "p_value_holm": "p-value, Holm-adjusted for the drivers tested",
    "residual": "Adjusted residual",
    "row": "Row",
    "standouts": "Cells that stand out",
}


def _from_settings() -> dict[str, str]:
    """Codes whose words live in the bundled settings: cost drivers (and the ``cost_<driver>``
    columns of a customer P&L), churn causes and cause groups."""
    from ._settings import settings

    out: dict[str, str] = {}
    for d, spec in settings("costs").get("drivers", {}).items():
        out[d] = spec.get("en", d)
        out[f"cost_{d}"] = f"Cost: {spec.get('en', d)}"
    taxonomy = settings("causes")
    for code, spec in taxonomy.get("causes", {}).items():
        out.setdefault(code, spec.get("en", code))
    for code, spec in taxonomy.get("groups", {}).items():
        out.setdefault(code, spec.get("en", code))
    return out


LABELS.update({k: v for k, v in _from_settings().items() if k not in LABELS})


def label(key: Any) -> str:
    """The reader's words for a column, figure or code (the key itself when unknown).

    Examples
    --------
    >>> label("share_of_revenue")
    'Share of revenue'
    >>> label("Suzhou")
    'Suzhou'
    """
    if not isinstance(key, str):
        return str(key)
    if key in LABELS:
        return tr(LABELS[key])
    if ": " in key:  # a category of a column, e.g. a regression's "contract: two_year"
        column, level = key.split(": ", 1)
        return f"{label(column)}: {label(level)}"
    return key


#: Columns whose cells hold codes (categories), shown in words by :func:`labelled`; other
#: cells (names, numbers, free text) are left alone.
CODE_COLUMNS = frozenset(
    {
        "customer_type",
        "importance",
        "type_source",
        "importance_source",
        "stage",
        "status",
        "churn_type",
        "value",
        "loyalty",
        "group",
        "tier",
    }
)


def labelled(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` for display: column names, index names and codes in the index and
    in the code columns (:data:`CODE_COLUMNS`) turned into labels; other cells are left
    alone."""
    df = df.assign(
        **{
            c: df[c].map(lambda v: label(v) if isinstance(v, str) else v)
            for c in CODE_COLUMNS
            if c in df.columns and not isinstance(df[c], pd.DataFrame)
        }
    )
    out = df.rename(columns=lambda c: label(c))
    out = out.rename(index=lambda i: label(i) if isinstance(i, str) else i)
    out.index.names = [label(n) if n else n for n in out.index.names]
    if out.columns.name:
        out.columns.name = label(out.columns.name)
    return out
