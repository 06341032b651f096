"""One label catalogue: every column, figure and category code in business words.

Analyses name their columns in ``snake_case`` (stable keys for code, tests and
``metrics.json``); what a reader sees comes from here. A key that is not in the catalogue
is shown as it is: names from the data (branches, products, account names) pass through
untouched. A test checks that every column and headline figure of every analysis has an
entry. English only for now: the Chinese edition adds its language here.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from ._i18n import N_, tr

__all__ = ["LABELS", "KINDS", "DEFINITIONS", "label", "labelled", "definition"]

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
    # -- needs features (the columns of a needs-based segmentation's centres)
    "advanced_share": "Share from advanced products",
    "discount_rate": "Discount rate",
    "products_held": "Products held",
    "satisfaction": "Satisfaction",
    "service_demand": "Service demand",
    "spend_per_line": "Spend per line",
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
    "active": "Active",
    "product": "Product",
    "how": "How it is set",
    "kind": "Kind",
    "中文": "In Chinese",
    # -- segments, needs, targets and opportunities
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
    "warned_left": "Warned groups that have left",
    "groups_left": "Groups that left (signals readable)",
    "groups_left_warned": "Groups that left, warned beforehand",
    "precision": "Back-test: share of warned groups that left",
    "precision_ci_low": "Back-test: share of warned groups that left, 95% low",
    "precision_ci_high": "Back-test: share of warned groups that left, 95% high",
    "recall": "Back-test: share of groups that left that were warned",
    "recall_ci_low": "Back-test: share of groups that left that were warned, 95% low",
    "recall_ci_high": "Back-test: share of groups that left that were warned, 95% high",
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
    # -- the first screen: KPIs (kpis) and actions for this month (next_actions)
    "kpi": "KPI",
    "unit": "Unit",
    "versus_operator": "Against the operator",
    "latest": "Latest half of the period",
    "earlier": "Earlier half of the period",
    "change": "Change",
    "change_relative": "Change, %",
    "change_on_earlier_half": "Latest half of the period against the earlier half",
    "comparison": "Periods compared",
    "target": "Target",
    "versus_target": "Against the target",
    "revenue_growth": "Revenue growth",
    "key_account_churn_rate": "Churn rate of key accounts",
    "money": "Money",
    "money_per_month": "Money per month",
    "score": "Score",
    "better": "Better",
    "worse": "Worse",
    "actions": "Actions",
    "action": "Action",
    "money_at_stake": "Money at stake per year",
    "why": "Why",
    "assumption": "Assumption",
    "retain_group": "Keep a group about to leave",
    "quantity": "Quantity times a rate",
    "amount": "Amount as recorded",
    "fix_loss_maker": "Fix a loss-making account",
    # -- codes of the priority matrix (opportunity_matrix: priority) and of the levers
    # for loss-making accounts (profit_actions: lever)
    "act_now": "Act now",  # also the count of act-now opportunities (a summary figure)
    "plan_attack": "Plan the attack",
    "wait_for_chance": "Wait for the chance",
    "shelve": "Shelve",
    "not_sized": "Cannot be sized from the data",
    "reprice_keep": "Reprice and reduce cost to serve (important account: keep)",
    "drop_or_renegotiate": "Drop or renegotiate (loses more than it brings)",
    "raise_price": "Raise price, cut discounts and subsidies",
    "reduce_cost": "Reduce cost to serve",
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
    for code, spec in settings("segments")["needs"].get("archetypes", {}).items():
        out.setdefault(code, spec.get("en", code))
    return out


LABELS.update({k: v for k, v in _from_settings().items() if k not in LABELS})


#: a code in snake_case (lower-case words joined by underscores, at least one underscore)
_SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")


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
    if _SNAKE.fullmatch(key):  # a column an export's mapping kept: its name in words
        return key.replace("_", " ").capitalize()
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
        "priority",
        "lever",
        "unit",
        "kind",
        "versus_target",
        "versus_operator",
        "archetype",
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


# -- what kind of number each column holds, so a table shows it the way a reader expects
#: share (a fraction shown as a percentage), money (in the book's currency), count,
#: number (a plain decimal), pvalue, ratio ("5.0×"), flag (Yes/No), month, code (a
#: category shown through :func:`label`), text (names and sentences, shown as they are).
#: A table may override a kind (``ci_low`` is a share for a churn rate but an odds ratio
#: in the drivers table); a column not listed here gets its kind from its dtype.
KIND_NAMES = frozenset(
    {"share", "money", "count", "number", "pvalue", "ratio", "flag", "month", "code", "text"}
)

KINDS: dict[str, str] = {
    **dict.fromkeys(
        [
            "accounts_share",
            "accounts_share_of_total",
            "churn_rate",
            "churn_rate_if_not_retained",
            "churn_rate_of_retained",
            "churned_share",
            "ci_high",
            "ci_low",
            "cumulative_share",
            "current_share",
            "forwarded_share_before",
            "forwarded_share_now",
            "forwarding_rise",
            "group_share",
            "incidence",
            "intent_of_reached",
            "loss_making_share_of_accounts",
            "margin",
            "peak_share_of_accounts",
            "peak_share_of_profit",
            "penetration",
            "probability",
            "profit_share",
            "rate",
            "reached_of_warned",
            "retained",
            "retained_of_intent",
            "retained_of_warned",
            "revenue_rate",
            "revenue_share",
            "share",
            "share_of_accounts",
            "share_of_lost",
            "share_of_revenue",
            "target_share",
            "top20_profit_share",
            "top20_revenue_share",
            "top_cause_share",
            "top_group_share",
            "top_share",
            "top_share_of_accounts",
            "top_tier_share_of_accounts",
            "top_tier_share_of_revenue",
            "unprofitable_share",
            "value_share",
            "whale_peak_at",
            "whale_peak_share",
            "bill_change",
        ],
        "share",
    ),
    **dict.fromkeys(
        [
            "annual_revenue",
            "arpu",
            "arpu_change",
            "at_stake",
            "cost",
            "cost_of_contacts",
            "cost_of_replacing",
            "cost_to_serve",
            "cumulative_profit",
            "discounts_given",
            "expected",
            "gap_revenue",
            "group_bill_before",
            "group_bill_now",
            "lifetime_revenue",
            "loss_making_profit",
            "lost_monthly_revenue",
            "market_revenue",
            "monthly_revenue",
            "monthly_revenue_lost",
            "peak_profit",
            "period_profit",
            "profit",
            "retention_cost_per_contact",
            "revenue",
            "revenue_at_risk_year",
            "revenue_saved",
            "revenue_trend",
            "size",
            "tail_giveback",
            "total_profit",
        ],
        "money",
    ),
    **dict.fromkeys(
        [
            "accounts",
            "accounts_listed",
            "accounts_retained",
            "accounts_to_peak",
            "accounts_warned",
            "at_risk",
            "churned",
            "churned_accounts",
            "complaints_per_month",
            "expected_count",
            "intent_to_leave",
            "lines",
            "loss_making_accounts",
            "market_customers",
            "months_of_revenue_saved",
            "n",
            "observed",
            "profitable_accounts",
            "rank",
            "reached",
            "rows",
            "tenure_months",
            "warned",
            "warned_active",
        ],
        "count",
    ),
    **dict.fromkeys(
        ["p_value", "p_adjusted", "p_value_holm", "permutation_p_value", "chi2_p_value"], "pvalue"
    ),
    **dict.fromkeys(["odds_ratio", "acquisition_to_retention_cost"], "ratio"),
    **dict.fromkeys(
        ["important", "reliable", "significant", "warning", "contract_ends_soon"], "flag"
    ),
    **dict.fromkeys(
        [
            "churn_cause",
            "churn_type",
            "customer_type",
            "group",
            "importance",
            "importance_source",
            "lever",
            "loyalty",
            "priority",
            "product",
            "stage",
            "status",
            "tier",
            "type_source",
            "top_churn_cause",
            "driver",
            "decile",
            "claim",
            "item",
            "figure",
            "row",
            "column",
            "archetype",
            "next_archetype",
            "kind",
        ],
        "code",
    ),
    **dict.fromkeys(
        [
            "account_id",
            "baseline",
            "basis",
            "branch",
            "cause",
            "consequence",
            "currency",
            "fit",
            "holds",
            "how",
            "label",
            "label_zh",
            "name",
            "name_zh",
            "nearest_segment",
            "note",
            "says",
            "segment",
            "source",
            "top_products",
            "what",
            "中文",
        ],
        "text",
    ),
    **dict.fromkeys(
        [
            "chi2",
            "cramers_v",
            "distance",
            "distance_to_nearest",
            "gini",
            "gini_revenue",
            "loyalty_score",
            "months",
            "next_distance",
            "residual",
            "silhouette",
            "baseline_silhouette",
            "spread",
            "stability",
        ],
        "number",
    ),
}


#: column -> one-line definition for the "Definitions" sheet of tables.xlsx (through tr)
DEFINITIONS: dict[str, str] = {
    "account_id": N_("The account's identifier in the operator's systems."),
    "accounts": N_("Number of accounts."),
    "accounts_share": N_("Share of all accounts (of the branch, or of the operator in its row)."),
    "annual_revenue": N_("Revenue per year at the current monthly spend."),
    "archetype": N_("The standard customer profile the segment resembles most."),
    "arpu": N_("Average revenue per account per month."),
    "arpu_change": N_("Average change in monthly revenue per account after an internal migration."),
    "at_risk": N_("Accounts still followed at that point (not yet left or out of the data)."),
    "at_stake": N_("Money the lever could recover or stop losing per year."),
    "baseline": N_("The category the odds ratio compares with."),
    "basis": N_("Where the figure comes from: measured in the data, or an assumption."),
    "bill_change": N_("Change in the group's monthly bill between the two comparison windows."),
    "branch": N_("The city branch."),
    "cause": N_("The churn cause in words."),
    "churn_cause": N_("The churn cause recorded for the account."),
    "churn_rate": N_("Share of accounts that left during the period."),
    "churn_rate_if_not_retained": N_(
        "Churn rate of warned accounts the retention team did not keep."
    ),
    "churn_rate_of_retained": N_("Churn rate of warned accounts the retention team kept."),
    "churn_type": N_("Voluntary, involuntary (unpaid bills) or an internal migration."),
    "churned": N_("Number of accounts that left."),
    "churned_share": N_("Share of all accounts that left."),
    "ci_high": N_("Upper end of the 95% interval: the true value is very likely below it."),
    "ci_low": N_("Lower end of the 95% interval: the true value is very likely above it."),
    "claim": N_("The rule of thumb being checked."),
    "column": N_("The category across the top of the cross-table."),
    "consequence": N_("What the report could therefore not show, or shows with care."),
    "cost": N_("Total cost to serve the accounts over the period."),
    "cost_to_serve": N_("Total cost to serve the accounts over the period."),
    "cumulative_profit": N_("Profit of this account and all accounts ranked above it."),
    "cumulative_share": N_("Share of the total reached by this row and all rows above it."),
    "currency": N_("The currency of the money figures."),
    "customer_type": N_("Residential, business or key account."),
    "decile": N_("Tenth of the accounts ranked by value (D1 holds the most valuable tenth)."),
    "distance": N_("How far the segment's profile is from its archetype (smaller is closer)."),
    "distance_to_nearest": N_("How far the segment is from the nearest other segment."),
    "driver": N_("The account characteristic whose link with churn is measured."),
    "expected": N_("Size of the result times the probability of success."),
    "expected_count": N_("Accounts the cell would hold if the two categories were unrelated."),
    "figure": N_("The headline figure."),
    "fit": N_("How well the segment matches its archetype."),
    "forwarded_share_before": N_(
        "Share of the group's calls forwarded to other operators, earlier window."
    ),
    "forwarded_share_now": N_(
        "Share of the group's calls forwarded to other operators, latest window."
    ),
    "forwarding_rise": N_("Rise in the share of calls forwarded to other operators."),
    "gini_revenue": N_("Concentration of revenue: 0 all accounts equal, 1 one account has all."),
    "group": N_("The group the row belongs to."),
    "group_bill_before": N_("The group's bill per month, earlier window."),
    "group_bill_now": N_("The group's bill per month, latest window."),
    "group_share": N_("Share of churned accounts that fall in this cause group."),
    "holds": N_("Whether the rule of thumb holds in this branch."),
    "how": N_("How the cost is computed from the data."),
    "importance": N_(
        "Key-account level: super, important, ordinary, or below the spend threshold."
    ),
    "important": N_("Whether the account is an important key account."),
    "incidence": N_("Share of accounts lost to the cause group by that month."),
    "intent_of_reached": N_("Share of reached accounts that said they meant to leave."),
    "intent_to_leave": N_("Accounts that said they meant to leave."),
    "item": N_("The figure or assumption in the row."),
    "kind": N_("Whether the cost is a quantity times a rate, or an amount taken as it is."),
    "label": N_("The tier's name."),
    "label_zh": N_("The tier's name in Chinese."),
    "lever": N_("What to do: the action the row is about."),
    "lines": N_("Number of lines of the group."),
    "loss_making_accounts": N_("Accounts whose cost to serve exceeds their revenue."),
    "lost_monthly_revenue": N_("Monthly revenue of the accounts that left."),
    "margin": N_("Profit as a share of revenue."),
    "monthly_revenue": N_("Revenue per month."),
    "monthly_revenue_lost": N_("Monthly revenue of the accounts that left."),
    "months": N_("Months since the account joined."),
    "name": N_("The account's or group's name."),
    "name_zh": N_("The segment's name in Chinese."),
    "nearest_segment": N_("The other segment most like this one."),
    "next_archetype": N_("The second-closest standard customer profile."),
    "next_distance": N_("How far the segment is from the second-closest profile."),
    "note": N_("A remark on the row."),
    "observed": N_("Accounts in the cell."),
    "odds_ratio": N_("How many times the odds of leaving are multiplied (below 1: fewer leave)."),
    "p_adjusted": N_("p-value adjusted for the number of cells tested (Holm)."),
    "p_value": N_("Chance of a difference this large if there were none (small: real)."),
    "p_value_holm": N_("p-value adjusted for the number of drivers tested (Holm)."),
    "period": N_("The period (quarter or month)."),
    "period_profit": N_("Profit over the observation period."),
    "priority": N_("Act now, wait for the chance, or shelve: from size and probability."),
    "probability": N_("Probability that the lever succeeds (measured, or assumed in settings)."),
    "product": N_("The product or service."),
    "profit": N_("Revenue minus the cost to serve, over the period."),
    "profit_share": N_("Share of the branch's total profit."),
    "rank": N_("Position when ranked by profit, highest first."),
    "rate": N_("Share of the accounts that left."),
    "reached": N_("Warned accounts the retention team reached."),
    "reached_of_warned": N_("Share of warned accounts that were reached."),
    "reliable": N_("Whether there are enough accounts (30 or more) for a rate to mean something."),
    "residual": N_("How far the cell is from chance (beyond ±2 stands out)."),
    "retained": N_("Accounts kept (funnel), or share still with us (retention curve)."),
    "retained_of_intent": N_("Share of accounts intending to leave that were kept."),
    "retained_of_warned": N_("Share of warned accounts that were kept."),
    "revenue": N_("Revenue over the period, net of discounts."),
    "revenue_at_risk_year": N_("Revenue per year that leaves if the group leaves."),
    "revenue_rate": N_("Share of monthly revenue lost to churn."),
    "revenue_share": N_("Share of the operator's revenue."),
    "row": N_("The category down the side of the cross-table."),
    "says": N_("What the data show about the rule of thumb."),
    "segment": N_("The segment."),
    "share": N_("Share of the total."),
    "share_of_accounts": N_("Share of the accounts."),
    "share_of_lost": N_("Share of the accounts that left."),
    "share_of_revenue": N_("Share of the revenue."),
    "significant": N_(
        "Whether the driver's link with churn is beyond chance (Holm-adjusted p < 0.05)."
    ),
    "silhouette": N_("How much closer accounts are to their own segment than the next (1 best)."),
    "size": N_("Size of the result per year if the lever succeeds."),
    "source": N_("Where the size and probability come from: the data or your estimates."),
    "spread": N_("How different the accounts within the segment are."),
    "stage": N_("Where the account is in its life with us."),
    "status": N_("Active, or churned (left)."),
    "tier": N_("Value tier by average monthly spend."),
    "top20_profit_share": N_("Share of profit earned by the top 20% of accounts."),
    "top20_revenue_share": N_("Share of revenue from the top 20% of accounts."),
    "top_churn_cause": N_("The cause most churned accounts gave."),
    "top_products": N_("The products most accounts of the segment hold."),
    "unprofitable_share": N_("Share of accounts that lose money."),
    "value": N_("The figure's value."),
    "value_share": N_("Cumulative share of the value."),
    "warned": N_("Accounts that triggered a churn warning."),
    "warning": N_("Whether the group shows the warning signals."),
    "whale_peak_share": N_(
        "Peak of the whale curve: cumulative profit of the best accounts as a share of total profit."
    ),
    "what": N_("What was missing or doubtful in the data."),
    "中文": N_("The name in Chinese."),
    # the value x loyalty grid (columns are loyalty classes, cells the care strategy)
    "loyal": N_("Care strategy for loyal accounts of this value class."),
    "potentially loyal": N_("Care strategy for potentially loyal accounts of this value class."),
    "drifting": N_("Care strategy for drifting accounts of this value class."),
}


def _cost_definitions() -> dict[str, str]:
    """The ``cost_<driver>`` columns of a customer P&L, one per cost driver of the settings."""
    from ._settings import settings

    text = N_("Cost to serve from this driver over the period.")
    return {f"cost_{d}": text for d in settings("costs").get("drivers", {})}


DEFINITIONS.update({k: v for k, v in _cost_definitions().items() if k not in DEFINITIONS})


def definition(column: str) -> str:
    """The one-line definition of a column in the reader's language ("" when none).

    Examples
    --------
    >>> definition("margin")
    'Profit as a share of revenue.'
    """
    text = DEFINITIONS.get(column)
    return tr(text) if text else ""
