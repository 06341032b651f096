"""One label catalogue: every column, figure and category code in business words.

Analyses name their columns in ``snake_case`` (stable keys for code, tests and
``metrics.json``); what a reader sees comes from here. A key that is not in the catalogue
is shown as it is: names from the data (branches, products, account names) pass through
untouched. A test checks that every column and headline figure of every analysis has an
entry (:func:`has_label`).

Each label is an English message (marked with ``N_`` for the catalogue) that
:func:`label` translates into the report's language through ``kamlib._i18n.tr``; the
Chinese words live in ``kamlib/locale/zh_CN/LC_MESSAGES/kamlib.po``. Codes whose words
live in the bundled settings (tiers, churn causes and cause groups, cost items, needs
archetypes) show the settings' ``en:`` or ``zh:`` name (:data:`NAMED`), never both. An
unknown ``snake_case`` code is put in words in English and shown as it is in Chinese (it
is the data's own name, not an English sentence).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from ._format import quarter
from ._i18n import N_, current_language, tr

__all__ = [
    "LABELS",
    "NAMED",
    "KINDS",
    "DEFINITIONS",
    "label",
    "has_label",
    "labelled",
    "definition",
]

#: key -> English label. Keep alphabetical within each block.
LABELS: dict[str, str] = {
    # -- counts and money
    "accounts": N_("Accounts"),
    "accounts_listed": N_("Accounts listed"),
    "accounts_to_peak": N_("Accounts up to the peak"),
    "accounts_type_unknown": N_("Accounts of unknown type"),
    "accounts_unknown_spend": N_("Accounts with unknown spend"),
    "arpu": N_("ARPU (per month)"),
    "at_stake": N_("Money at stake"),
    "churned": N_("Churned"),
    "cost": N_("Cost to serve"),
    "cost_to_serve": N_("Cost to serve"),
    "currency": N_("Currency"),
    "discounts_given": N_("Discounts given (already off net revenue)"),
    "lifetime_revenue": N_("Lifetime revenue (since joining)"),
    "lines": N_("Lines"),
    "margin": N_("Margin"),
    "monthly_revenue": N_("Monthly revenue"),
    "n": N_("Observations"),
    "profit": N_("Profit"),
    "revenue": N_("Revenue"),
    "rows": N_("Rows"),
    "total": N_("Total"),
    # -- shares and rates
    "churn_rate_per_account_year": N_("Churn per account-year"),
    "ci_high": N_("95% interval, high"),
    "ci_low": N_("95% interval, low"),
    "cumulative_share": N_("Cumulative share"),
    "profit_share": N_("Share of profit"),
    "rate": N_("Rate"),
    "reliable": N_("Enough accounts for a rate"),
    "share": N_("Share"),
    "share_of_accounts": N_("Share of accounts"),
    "share_of_revenue": N_("Share of revenue"),
    # -- needs features (the columns of a needs-based segmentation's centres)
    "advanced_share": N_("Share from advanced products"),
    "discount_rate": N_("Discount rate"),
    "products_held": N_("Products held"),
    "satisfaction": N_("Satisfaction"),
    "service_demand": N_("Service demand"),
    "spend_per_line": N_("Spend per line"),
    # -- segmentation
    "accounts_share": N_("Share of accounts"),
    "business": N_("Business"),
    "business_accounts": N_("Business accounts"),
    "care_strategy": N_("Care strategy"),
    "complaints_per_month": N_("Complaints per month"),
    "contract_ends_soon": N_("Contract ends soon"),
    "customer_type": N_("Customer type"),
    "groups": N_("Groups"),
    "high_value_drifting": N_("High value, drifting"),
    "high_value_loyal": N_("High value, loyal"),
    "important": N_("Important"),
    "important_accounts": N_("Important accounts"),
    "importance": N_("Importance"),
    "importance_source": N_("Importance from"),
    "key_account": N_("Key accounts"),
    "key_accounts": N_("Key accounts"),
    "label": N_("Tier"),
    "label_zh": N_("Tier (Chinese)"),
    "low_value_drifting": N_("Low value, drifting"),
    "loyalty": N_("Loyalty"),
    "loyalty_score": N_("Loyalty score"),
    "residential": N_("Residential"),
    "residential_accounts": N_("Residential accounts"),
    "revenue_trend": N_("Revenue trend (per month)"),
    "segment": N_("Segment"),
    "segments": N_("Segments"),
    "stage": N_("Lifecycle stage"),
    "tenure_months": N_("Tenure (months)"),
    "tier": N_("Value tier"),
    "tiers": N_("Tiers"),
    "top_tier": N_("Top tier"),
    "top_tier_share_of_accounts": N_("Top tier, share of accounts"),
    "top_tier_share_of_revenue": N_("Top tier, share of revenue"),
    "type_source": N_("Type from"),
    "value": N_("Value"),
    "value_class": N_("Value class"),  # high / medium / low value in the value x loyalty grid
    # value classes and loyalty (the value x loyalty grid)
    "drifting": N_("Drifting"),
    "high": N_("High value"),
    "low": N_("Low value"),
    "loyal": N_("Loyal"),
    "medium": N_("Medium value"),
    "potentially loyal": N_("Potentially loyal"),
    # products of the sample operator (an operator's own codes pass through as they are)
    "broadband": N_("Broadband"),
    "cloud_idc": N_("Cloud and IDC"),
    "fixed_voice": N_("Fixed voice"),
    "ict_solution": N_("ICT solutions"),
    "iot": N_("IoT"),
    "leased_line": N_("Leased line"),
    "mobile": N_("Mobile"),
    # contracts
    "contract": N_("Contract"),
    "monthly": N_("Monthly"),
    "multi_year": N_("Multi-year"),
    "none": N_("No contract"),
    "one_year": N_("One year"),
    "two_year": N_("Two years"),
    # the contracts table (contract payback) and the account-manager history
    "investment": N_("Investment"),
    "expected_revenue": N_("Expected revenue"),
    "assignments.reason": N_("Why the assignment ended"),
    # importance levels (below: a key account spending under the ordinary threshold)
    "below": N_("Key account below the spend threshold"),
    "ordinary": N_("Ordinary key account"),
    "super": N_("Super key account"),
    # -- profit
    "accounts_share_of_total": N_("Share of accounts"),
    "break_even": N_("Break-even"),
    "cannot_tell": N_("Cannot tell"),
    "claims": N_("Claims tested"),
    "cumulative_profit": N_("Cumulative profit"),
    "do_not_hold": N_("Do not hold"),
    "gini": N_("Gini"),
    "groups_losing_money": N_("Groups losing money"),
    "hold": N_("Hold"),
    "holds": N_("Holds?"),
    "lever": N_("Lever"),
    "loss_making": N_("Loss-making"),
    "loss_making_accounts": N_("Loss-making accounts"),
    "loss_making_profit": N_("Profit of the loss-making accounts"),
    "loss_making_share_of_accounts": N_("Loss-making, share of accounts"),
    "peak_profit": N_("Profit at the peak"),
    "peak_share_of_accounts": N_("Peak, share of accounts"),
    "peak_share_of_profit": N_("Peak, share of total profit"),
    "profitable": N_("Profitable"),
    "profitable_accounts": N_("Profitable accounts"),
    "rank": N_("Rank"),
    # -- account plans (kamlib.plans)
    "chosen": N_("Why it has a plan"),
    "top": N_("Top key account"),
    "top_and_important": N_("Top key account, important"),
    "signals_raised": N_("Churn-risk signals raised"),
    "first_action": N_("First action"),
    "plans": N_("Account plans"),
    "plans_with_signals": N_("Plans with a churn-risk signal raised"),
    # industries of the sample operator (an operator's own codes pass through as they are)
    "government": N_("Government"),
    "public_security": N_("Public security"),
    "education": N_("Education"),
    "finance": N_("Finance"),
    "manufacturing": N_("Manufacturing"),
    "retail": N_("Retail"),
    "logistics": N_("Logistics"),
    "healthcare": N_("Healthcare"),
    "it_services": N_("IT services"),
    "hospitality": N_("Hospitality"),
    # -- the key-account list and service levels (kamlib.key_accounts)
    "monthly_spend_before": N_("Monthly spend, last year"),
    "monthly_spend_now": N_("Monthly spend, this year"),
    "list_before": N_("Last year's list"),
    "list_now": N_("This year's list"),
    "super_key_account": N_("Super key account"),
    "off_list": N_("Not on the list"),
    "stayed": N_("Stayed"),
    "entered": N_("Entered"),
    "spend_rose": N_("Spend rose"),
    "spend_fell": N_("Spend fell"),
    "new_account": N_("New account"),
    "reclassified": N_("Reclassified"),
    "key_accounts_now": N_("Key accounts this year"),
    "key_accounts_entered": N_("Key accounts that entered the list"),
    "key_accounts_left": N_("Key accounts that left the list"),
    "super_key_accounts": N_("Super key accounts"),
    "on_list_before": N_("On last year's list"),
    "on_list_now": N_("On this year's list"),
    "am_hours_entitled": N_("Account-manager hours entitled (a month)"),
    "am_hours_month": N_("Account-manager hours (a month)"),
    "field_visits_month": N_("Visits (a month)"),
    "off_in": N_("Off its tier in"),
    "hours": N_("Hours"),
    "visits": N_("Visits"),
    "hours_and_visits": N_("Hours and visits"),
    "field_visits_entitled": N_("Visits entitled (a month)"),
    "am_hours_ratio": N_("Hours against entitlement"),
    "field_visits_ratio": N_("Visits against entitlement"),
    "under_served": N_("Below entitlement"),
    "as_entitled": N_("As entitled"),
    "far_above": N_("Far above entitlement"),
    "accounts_checked": N_("Accounts checked"),
    "accounts_below": N_("Accounts below entitlement"),
    "accounts_far_above": N_("Accounts far above entitlement"),
    "response_hours_entitled": N_("Response time entitled (hours)"),
    "response_hours": N_("Response time (hours, mean)"),
    "slow_response": N_("Slower than entitled"),
    "answered_slowly": N_("Accounts answered slower than entitled"),
    "resident_manager": N_("Resident account manager"),
    "training": N_("On-site training"),
    # -- the account managers (kamlib.managers)
    "joined": N_("Joined"),
    "active_accounts": N_("Active accounts"),
    "new_business_revenue": N_("New business revenue"),
    "new_products": N_("New product lines"),
    "churned_revenue": N_("Revenue lost to churn (a year)"),
    "satisfaction_n": N_("Satisfaction scores"),
    "revenue_per_am_hour": N_("Revenue per account-manager hour"),
    "profit_per_am_hour": N_("Profit per account-manager hour"),
    "still_active": N_("Accounts still with us"),
    "revenue_at_risk": N_("Revenue at risk (a year)"),
    "out_of_contract": N_("Out of contract"),
    "managers": N_("Account managers"),
    "managed_accounts": N_("Managed accounts"),
    "accounts_without_manager": N_("Accounts without a manager"),
    "important_accounts_changed_manager": N_("Important accounts whose manager changed"),
    "from_manager": N_("Manager before"),
    "to_manager": N_("Manager after"),
    "changed": N_("Changed on"),
    "left": N_("Left"),
    "left_on": N_("Left on"),
    "change_reason": N_("Why it changed"),
    "trend": N_("Trend"),
    "manager_left": N_("Manager left"),
    "reassigned": N_("Reassigned"),
    "account_left": N_("Account left"),
    "churned_after": N_("Accounts that left after"),
    "revenue_lost": N_("Revenue lost (a year)"),
    "departures": N_("Managers who left"),
    "accounts_churned_after_departure": N_("Accounts that left after their manager"),
    "revenue_lost_after_manager_left": N_("Revenue lost after a manager left (a year)"),
    "rate_ratio": N_("Rate ratio"),
    "rate_ratio_low": N_("Rate ratio, 95% interval low"),
    "rate_ratio_high": N_("Rate ratio, 95% interval high"),
    "turnover": N_("Key-person turnover"),
    "account_months": N_("Account-months"),
    "exposed": N_("After a manager left"),
    # -- contract payback and discount control (kamlib.deals)
    "start": N_("Start"),
    "end": N_("End"),
    "term_months": N_("Term (months)"),
    "revenue_expected": N_("Revenue expected over the term"),
    "projected": N_("Projected"),
    "contribution_expected": N_("Margin expected over the term"),
    "revenue_covers": N_("Revenue covers the investment"),
    "pays_back": N_("Pays back"),
    "shortfall": N_("Shortfall"),
    "payback_month": N_("Pays back in month"),
    "months_elapsed": N_("Months elapsed"),
    "revenue_to_date": N_("Revenue to date"),
    "months_lost": N_("Months lost to churn"),
    "judged_on": N_("Judged on"),
    "contribution": N_("Margin"),
    "contracts": N_("Contracts"),
    "contracts_not_paying_back": N_("Contracts not paying back"),
    "limit": N_("Limit"),
    "over_limit": N_("Over the limit"),
    "excess": N_("Given above the limit"),
    "revenue_before_discounts": N_("Revenue before discounts"),
    "accounts_over_limit": N_("Accounts over the limit"),
    "accounts_discounted": N_("Accounts discounted"),
    "few_accounts": N_("Few accounts"),
    "ranked_by": N_("Ranked by"),
    "says": N_("What the data say"),
    "services": N_("Services"),
    "services_losing_money": N_("Services losing money"),
    "tail_giveback": N_("Given back by the tail"),
    "top_accounts": N_("Accounts in the top group"),
    "top_group_share": N_("Top group's share"),
    "top_share": N_("Top group's share"),
    "top_share_of_accounts": N_("Top group, share of accounts"),
    "total_profit": N_("Total profit"),
    "value_share": N_("Cumulative share of the value"),
    # -- data-model columns named in the data-quality section (in English the words the
    # column's name already gave; here so that other languages have them too)
    "industry": N_("Industry"),
    "parent_id": N_("Parent id"),
    "join_date": N_("Join date"),
    "contract_end": N_("Contract end"),
    "churn_date": N_("Churn date"),
    "total_revenue": N_("Total revenue"),
    "calls": N_("Calls"),
    "forwarded_calls": N_("Forwarded calls"),
    "group_bill": N_("Group bill"),
    "complaints": N_("Complaints"),
    # -- kamlib.coverage: what the data can fill
    "key": N_("Code"),
    "section": N_("Section"),
    "part": N_("Part of the report"),
    "can_fill": N_("Can be shown"),
    "reason": N_("Why not"),
    "caveat": N_("Caveat"),
    "parts": N_("Parts of the report"),
    "parts_shown": N_("Parts the data can fill"),
    # -- identifiers and row names
    "account_id": N_("Account"),
    "account_manager": N_("Account manager"),
    "baseline": N_("Compared with (baseline)"),
    "branch": N_("Branch"),
    "branches": N_("Branches"),
    "claim": N_("Claim"),
    "decile": N_("Decile"),
    "driver": N_("Driver"),
    "figure": N_("Figure"),
    "group": N_("Group"),
    "item": N_("Item"),
    "name": N_("Name"),
    "period": N_("Period"),
    "status": N_("Status"),
    "active": N_("Active"),
    "product": N_("Product"),
    "how": N_("How it is set"),
    "kind": N_("Kind"),
    "中文": N_("In Chinese"),
    # -- segments, needs, targets and opportunities
    "act_now_expected": N_("Expected gain of the act-now opportunities"),
    "annual_revenue": N_("Annual revenue"),
    "archetype": N_("Archetype"),
    "basis": N_("Basis"),
    "criterion": N_("How the number was chosen"),
    "current_share": N_("Current share"),
    "distance": N_("Distance to the archetype"),
    "distance_to_nearest": N_("Distance to the nearest segment"),
    "expected": N_("Expected gain (size x probability)"),
    "fit": N_("Fit to the archetype"),
    "gap_revenue": N_("Revenue gap to target"),
    "market_customers": N_("Customers in the market"),
    "market_revenue": N_("Revenue in the market"),
    "name_zh": N_("Segment (Chinese)"),
    "nearest_segment": N_("Nearest segment"),
    "next_archetype": N_("Next archetype"),
    "next_distance": N_("Distance to the next archetype"),
    "note": N_("Note"),
    "opportunities": N_("Opportunities"),
    "penetration": N_("Penetration"),
    "period_profit": N_("Profit over the period"),
    "priority": N_("Priority"),
    "probability": N_("Probability of success"),
    "silhouette": N_("Silhouette"),
    "baseline_silhouette": N_("Silhouette on shuffled data"),
    "stability": N_("Stability over subsets (adjusted Rand)"),
    "structure": N_("Structure"),
    "size": N_("Size of result (per year)"),
    "sized": N_("Opportunities sized"),
    "source": N_("Source"),
    "segments_with_market_size": N_("Segments with a market size"),
    "spread": N_("Spread within the segment"),
    "target_share": N_("Target share"),
    "top_products": N_("Top products"),
    "top_segment": N_("Top segment"),
    "top_segment_share_of_revenue": N_("Top segment, share of revenue"),
    "at risk": N_("At risk"),
    "declining": N_("Declining"),
    "growing": N_("Growing"),
    "mature": N_("Mature"),
    "new": N_("New"),
    "stage_at_risk": N_("At risk"),
    "stage_churned": N_("Churned"),
    "stage_declining": N_("Declining"),
    "stage_growing": N_("Growing"),
    "stage_mature": N_("Mature"),
    "stage_new": N_("New"),
    # -- churn
    "accounts_retained": N_("Accounts retained"),
    "accounts_warned": N_("Accounts warned"),
    "acquisition_to_retention_cost": N_(
        "Assumed: acquisition cost as a multiple of retention cost"
    ),
    "arpu_change": N_("ARPU change after migration"),
    "at_risk": N_("Accounts at risk"),
    "bill_change": N_("Change in group bill"),
    "cause": N_("Cause"),
    "causes": N_("Causes"),
    "churn_category": N_("Churn category (the export's own words)"),
    "churn_cause": N_("Cause code"),
    "churn_cause_group": N_("Cause group"),
    "churn_rate": N_("Churn rate"),
    "churn_type": N_("Churn type"),
    "churned_share": N_("Share of churned accounts"),
    "cost_of_contacts": N_("Cost of retention contacts (assumed per contact)"),
    "cost_of_replacing": N_("Cost of winning as many new customers (assumed multiple)"),
    "drivers": N_("Drivers"),
    "drivers_significant": N_("Drivers beyond chance (Holm-adjusted p < 0.05)"),
    "forwarded_share_before": N_("Calls forwarded, before"),
    "forwarded_share_now": N_("Calls forwarded, now"),
    "forwarding_rise": N_("Rise in calls forwarded"),
    "group_bill_before": N_("Group bill before (per month)"),
    "group_bill_now": N_("Group bill now (per month)"),
    "group_share": N_("Share of the cause group"),
    "groups_too_small_for_a_rate": N_("Groups too small for a rate"),
    "highest_incidence": N_("Highest cumulative incidence"),
    "highest_incidence_group": N_("Cause group with the highest incidence"),
    "highest_rate": N_("Highest rate"),
    "incidence": N_("Cumulative incidence"),
    "intent_of_reached": N_("Intent to leave, of reached"),
    "intent_to_leave": N_("Intent to leave"),
    "longest_tenure_months": N_("Longest tenure followed (months)"),
    "lost_monthly_revenue": N_("Monthly revenue lost"),
    "lowest_rate": N_("Lowest rate"),
    "lowest_retained": N_("Lowest share retained"),
    "migrated": N_("Migrated internally"),
    "monthly_revenue_lost": N_("Monthly revenue lost"),
    "months": N_("Months since joining"),
    "months_of_revenue_saved": N_("Assumed: months a retained account stays"),
    "odds_ratio": N_("Odds ratio"),
    "periods": N_("Periods"),
    "reached": N_("Reached"),
    "churn_rate_if_not_retained": N_("Churn rate of warned accounts not retained"),
    "churn_rate_of_retained": N_("Churn rate of retained accounts"),
    "reached_of_warned": N_("Reached, of warned"),
    "retained": N_("Retained"),
    "retained_of_intent": N_("Retained, of intent to leave"),
    "retained_of_warned": N_("Retained, of warned"),
    "retention_cost_per_contact": N_("Assumed: cost per retention contact"),
    "significant": N_("Beyond chance (Holm-adjusted p < 0.05)"),
    "revenue_at_risk_year": N_("Revenue at risk (per year)"),
    "revenue_rate": N_("Churn rate by revenue"),
    "revenue_saved": N_(
        "Revenue saved (retained x extra churn of the not retained x assumed stay)"
    ),
    "share_of_lost": N_("Share of lost accounts"),
    "top_cause": N_("Top cause"),
    "top_cause_share": N_("Top cause, share of churned"),
    "warned": N_("Warned"),
    "warned_active": N_("Warned, still with us"),
    "warned_left": N_("Warned groups that have left"),
    "groups_left": N_("Groups that left (signals readable)"),
    "groups_left_warned": N_("Groups that left, warned beforehand"),
    "precision": N_("Back-test: share of warned groups that left"),
    "precision_ci_low": N_("Back-test: share of warned groups that left, 95% low"),
    "precision_ci_high": N_("Back-test: share of warned groups that left, 95% high"),
    "recall": N_("Back-test: share of groups that left that were warned"),
    "recall_ci_low": N_("Back-test: share of groups that left that were warned, 95% low"),
    "recall_ci_high": N_("Back-test: share of groups that left that were warned, 95% high"),
    "warning": N_("Warning"),
    "migration": N_("Internal migration"),
    "voluntary": N_("Voluntary"),
    "involuntary": N_("Involuntary"),
    "unknown": N_("Not known"),
    # -- reports
    "churned_accounts": N_("Churned accounts"),
    "consequence": N_("What it means"),
    "findings": N_("Findings"),
    "gini_revenue": N_("Gini (revenue)"),
    "operator": N_("Operator"),
    "revenue_basis": N_("Revenue basis (net or gross of discounts)"),
    "revenue_share": N_("Share of revenue"),
    "revenue_source": N_("Revenue from"),
    "top20_profit_share": N_("Top 20% profit share"),
    "top20_revenue_share": N_("Top 20% revenue share"),
    "top_churn_cause": N_("Top churn cause"),
    "unprofitable_share": N_("Loss-making, share of accounts"),
    "what": N_("What"),
    "whale_peak_share": N_("Whale peak"),
    "whale_peak_at": N_("Whale peak, share of accounts"),
    # -- statistics
    "alpha": N_("Significance level"),
    "cells_expecting_under_5": N_("Cells expecting fewer than 5"),
    "chi2": N_("Chi-square"),
    "chi2_p_value": N_("p-value, chi-square approximation"),
    "column": N_("Column"),
    "cramers_v": N_("Cramér's V (bias-corrected)"),
    "dof": N_("Degrees of freedom"),
    "expected_count": N_("Expected count"),
    "left_out": N_("Left out of the test"),
    "observed": N_("Observed"),
    "p_adjusted": N_("p-value, Holm-adjusted"),
    "p_value": N_("p-value"),
    "permutation_p_value": N_("p-value, permutation"),
    "p_value_holm": N_("p-value, Holm-adjusted for the drivers tested"),
    "residual": N_("Adjusted residual"),
    "row": N_("Row"),
    "standouts": N_("Cells that stand out"),
    # -- the first screen: KPIs (kpis) and actions for this month (next_actions)
    "kpi": N_("KPI"),
    "unit": N_("Unit"),
    "versus_operator": N_("Against the operator"),
    "latest": N_("Latest half of the period"),
    "earlier": N_("Earlier half of the period"),
    "change": N_("Change"),
    "change_relative": N_("Change, %"),
    "change_on_earlier_half": N_("Latest half of the period against the earlier half"),
    "comparison": N_("Periods compared"),
    "target": N_("Target"),
    "versus_target": N_("Against the target"),
    "revenue_growth": N_("Revenue growth"),
    "key_account_churn_rate": N_("Churn rate of key accounts"),
    "money": N_("Money"),
    "money_per_month": N_("Money per month"),
    "score": N_("Score"),
    "better": N_("Better"),
    "worse": N_("Worse"),
    "actions": N_("Actions"),
    "action": N_("Action"),
    "money_at_stake": N_("Money at stake per year"),
    "why": N_("Why"),
    "assumption": N_("Assumption"),
    "retain_group": N_("Keep a group about to leave"),
    "quantity": N_("Quantity times a rate"),
    "amount": N_("Amount as recorded"),
    "fix_loss_maker": N_("Fix a loss-making account"),
    "renew_contract": N_("Sign key accounts out of contract again"),
    # -- codes of the priority matrix (opportunity_matrix: priority) and of the levers
    # for loss-making accounts (profit_actions: lever)
    "act_now": N_("Act now"),  # also the count of act-now opportunities (a summary figure)
    "plan_attack": N_("Plan the attack"),
    "wait_for_chance": N_("Wait for the chance"),
    "shelve": N_("Shelve"),
    "not_sized": N_("Cannot be sized from the data"),
    "reprice_keep": N_("Reprice and reduce cost to serve (important account: keep)"),
    "drop_or_renegotiate": N_("Drop or renegotiate (loses more than it brings)"),
    "raise_price": N_("Raise price, cut discounts and subsidies"),
    "reduce_cost": N_("Reduce cost to serve"),
    # -- words analyses write in their tables (answers, bases, sources, levers, fits)
    "yes": N_("Yes"),
    "no": N_("No"),
    "all": N_("All"),
    "other": N_("Other"),
    "recorded": N_("Recorded"),
    "measured": N_("Measured"),
    "measured: warned accounts not retained": N_("Measured: warned accounts not retained"),
    "measured: warned accounts retained": N_("Measured: warned accounts retained"),
    "assumed cost per contact": N_("Assumed cost per contact"),
    "assumed acquisition multiple": N_("Assumed multiple of the acquisition cost"),
    "data": N_("From the data"),
    "profit_actions": N_("Actions on loss-making accounts"),
    "opportunity_matrix": N_("Priority matrix"),
    "group_warnings": N_("Group-churn warnings"),
    "cause_tree": N_("Cause tree"),
    "raise usage": N_("Raise usage"),
    "cross-sell": N_("Cross-sell"),
    "raise price / improve mix": N_("Raise prices or improve the mix"),
    "drop unprofitable": N_("Reprice or let go the loss-makers"),
    "win new customers": N_("Win new customers"),
    "keep accounts at risk": N_("Keep the accounts likely to leave"),
    "churn_probability_year": N_("Chance of leaving within a year"),
    "clear": N_("Clear"),
    "fair": N_("Fair"),
    "ambiguous": N_("Ambiguous"),
    "weak": N_("Weak"),
    "weak structure": N_("Weak structure"),
    # churn drivers (the terms of the drivers regression)
    "log monthly revenue": N_("Monthly revenue (log)"),
    "satisfaction (1-5)": N_("Satisfaction (1-5)"),
    "complaints per month": N_("Complaints per month"),
    "tenure at window start (years)": N_("Tenure at the window's start (years)"),
    "joined during the window": N_("Joined during the window"),
    # -- the tickets table's optional columns, named in the data-quality section
    # (kamlib._sample_service, the data model's tickets)
    "tickets.responded": N_("First answer"),
    "tickets.closed": N_("Closing time"),
    "tickets.severity": N_("Severity"),
    "tickets.channel": N_("Channel"),
    "tickets.resolved": N_("Resolved"),
    "tickets.promised": N_("Promised delivery date"),
    # -- what-if scenarios (kamlib.scenario)
    "scenario": N_("Scenario"),
    "scenarios": N_("Scenarios"),
    "keep_churners": N_("Keep more accounts from leaving"),
    "change_price": N_("Change prices"),
    "drop_loss_makers": N_("Let go the loss-making accounts"),
    "reprice_loss_makers": N_("Reprice the loss-making accounts to break even"),
    "move_tier": N_("Serve key accounts at another tier"),
    "accounts_affected": N_("Accounts kept, lost, let go or moved (expected)"),
    "revenue_kept": N_("Revenue kept or added (a year)"),
    "cost_saved": N_("Cost to serve saved (a year)"),
    "profit_change": N_("Profit change (a year)"),
    "profit_change_low": N_("Profit change, low end"),
    "profit_change_high": N_("Profit change, high end"),
    "profit_change_share": N_("Profit change, share of profit now"),
    "profit_now": N_("Profit now (a year)"),
    "revenue_now": N_("Revenue now (a year)"),
    "profit_after": N_("Profit after the scenario (a year)"),
    "best_scenario": N_("Scenario with the largest profit change"),
    "best_profit_change": N_("Largest profit change (a year)"),
    "sentence": N_("In words"),
    "central": N_("Central value"),
    "range_low": N_("Low end of the range"),
    "range_high": N_("High end of the range"),
    "setting": N_("From the settings"),
    "argument": N_("Given in the call"),
    "retention_points": N_("Churn cut (percentage points a year)"),
    "churn_rate_per_year": N_("Churn a year (churners per account-year at risk)"),
    "churner_yearly_profit": N_("Yearly profit of an average churner before it left"),
    "segment_yearly_profit": N_("Yearly profit of an average active account"),
    "retention_cost_per_kept_account": N_("Retention cost per account kept (a year)"),
    "avoidable_cost_share": N_("Share of cost to serve that goes with the account"),
    "horizon_years": N_("Years of the customer base's value"),
    "time_discount_rate": N_("Discount rate of later years' profit"),
    "price_change": N_("Price change"),
    "elasticity_key_account": N_("Churn elasticity of key accounts"),
    "elasticity_business": N_("Churn elasticity of business accounts"),
    "elasticity_residential": N_("Churn elasticity of residential accounts"),
    "elasticity_unknown": N_("Churn elasticity of accounts of unknown type"),
    "accounts_protected": N_("Important accounts spared"),
    "median_price_rise": N_("Median price rise to break even"),
    "accounts_moved": N_("Accounts moved"),
    "am_hours_entitled_change": N_("Change in account-manager hours entitled a month"),
    "field_visits_entitled_change": N_("Change in field visits entitled a month"),
    "am_hours_rate": N_("Cost of an account-manager hour"),
    "field_visits_rate": N_("Cost of a field visit"),
    "revenue_per_tier": N_("Revenue change per tier moved (share)"),
    "percentage_points": N_("Percentage points"),
    "share_a_year": N_("Share a year"),
    "money_a_year_per_account": N_("Money a year per account"),
    "years": N_("Years"),
    "share_of_accounts_per_price_rise": N_("Share of accounts lost per share of price rise"),
    "am_hours_a_month": N_("Hours a month"),
    "field_visits_a_month": N_("Visits a month"),
    "money_per_am_hours": N_("Money per hour"),
    "money_per_field_visits": N_("Money per visit"),
    "share_per_tier": N_("Share of revenue per tier"),
    "year": N_("Year"),
    "retained_now": N_("Share of today's accounts still here, churn as now"),
    "retained_scenario": N_("Share of today's accounts still here, churn cut"),
    "base_value_now": N_("Value of today's customer base, churn as now (discounted, cumulative)"),
    "base_value_scenario": N_("Value of today's customer base, churn cut (discounted, cumulative)"),
    "base_value_change_share": N_("Change in the customer base's value over the horizon"),
    "base_value_change_share_low": N_("Change in the customer base's value, low end"),
    "base_value_change_share_high": N_("Change in the customer base's value, high end"),
    # -- the watch list (kamlib.watchlist)
    "churn_probability": N_("Probability of churning"),
    "value_at_stake": N_("Monthly revenue at stake"),
    "top_decile": N_("In the riskiest tenth"),
    "risk_vs_average": N_("Risk against the average account"),
    "on_call_list": N_("On the call list"),
    "average_probability": N_("Average probability of churning"),
    "reason_1": N_("First reason"),
    "reason_2": N_("Second reason"),
    "reason_3": N_("Third reason"),
    "reason_4": N_("Fourth reason"),
    "reason_5": N_("Fifth reason"),
    "action_1": N_("First action"),
    "action_2": N_("Second action"),
    "action_3": N_("Third action"),
    "action_4": N_("Fourth action"),
    "action_5": N_("Fifth action"),
    "predicted_rate": N_("Predicted churn"),
    "observed_rate": N_("Observed churn"),
    "auc": N_("AUC (0.5 chance, 1 perfect)"),
    "auc_ci_low": N_("AUC, 95% interval from"),
    "auc_ci_high": N_("AUC, 95% interval to"),
    "branch_auc": N_("AUC in the branch"),
    "lift_top_decile": N_("Lift of the riskiest tenth"),
    "churners_in_validation": N_("Churns in the validation"),
    "rows_in_validation": N_("Rows in the validation"),
    "accounts_scored": N_("Accounts on the watch list"),
    "value_at_risk_top_decile": N_("Monthly revenue at stake in the riskiest tenth"),
    "usable": N_("Good enough to act on"),
    "coefficient": N_("Coefficient"),
    "signal_tenure": N_("tenure"),
    "signal_contract": N_("contract"),
    "signal_customer_type": N_("customer type"),
    "signal_important": N_("important account"),
    "signal_contract_ending": N_("contract ending soon"),
    "signal_out_of_contract": N_("out of contract"),
    "signal_monthly_revenue": N_("monthly bill"),
    "signal_bill_change": N_("bill trend"),
    "signal_products_dropped": N_("products dropped"),
    "signal_products_added": N_("products added"),
    "signal_forwarded_share": N_("share of calls forwarded to other operators"),
    "signal_forwarding_rise": N_("rise in calls forwarded"),
    "signal_complaints": N_("complaints (usage)"),
    "signal_service_tickets": N_("service tickets (costs)"),
    "signal_discount_share": N_("discount share"),
    "signal_satisfaction": N_("satisfaction"),
    "signal_survey_score": N_("last survey score"),
    "signal_survey_drop": N_("fall in survey score"),
    "signal_ticket_complaints": N_("complaints (tickets)"),
    "signal_broken_promises": N_("broken service promises"),
    # -- service promises, complaints, satisfaction and churn after a failure (kamlib.service)
    "ticket_id": N_("Ticket"),
    "severity": N_("Severity"),
    "clock": N_("Promise of"),
    "within": N_("Within"),
    "opened": N_("Opened"),
    "clock_stopped": N_("Answered or closed"),
    "deadline": N_("Deadline"),
    "elapsed_hours": N_("Hours taken"),
    "elapsed_working_days": N_("Working days taken"),
    "still_open": N_("Still open"),
    "late_hours": N_("Hours late"),
    "tickets": N_("Tickets"),
    "kept": N_("Kept"),
    "broken": N_("Broken"),
    "pending": N_("Pending"),
    "not_judged": N_("Cannot be judged"),
    "no_promise": N_("No promise"),
    "kept_share": N_("Share of promises kept"),
    "tickets_judged": N_("Tickets judged"),
    "promises_kept": N_("Promises kept"),
    "promises_broken": N_("Promises broken"),
    "tickets_pending": N_("Tickets pending"),
    "tickets_not_judged": N_("Tickets that cannot be judged"),
    "complaint_kept_share": N_("Complaint promises kept"),
    "fault_kept_share": N_("Faults repaired in time"),
    "order_kept_share": N_("Orders delivered in time"),
    "response": N_("Response"),
    "resolution": N_("Resolution"),
    "delivery": N_("Delivery"),
    "working_days": N_("Working days"),
    "days": N_("Days"),
    "promised_date": N_("Promised date"),
    "general": N_("General"),
    "major": N_("Major"),
    "complaint": N_("Complaint"),
    "fault": N_("Fault"),
    "order": N_("Order"),
    "enquiry": N_("Enquiry"),
    "complaining_accounts": N_("Accounts that complained"),
    "complaints_per_100": N_("Complaints per 100 accounts"),
    "complaints_per_100_low": N_("Complaints per 100 accounts, 95% interval low"),
    "complaints_per_100_high": N_("Complaints per 100 accounts, 95% interval high"),
    "complaints_per_100_first": N_("Complaints per 100 accounts, first period"),
    "complaints_per_100_last": N_("Complaints per 100 accounts, last period"),
    "partial_period": N_("Part of the period only"),
    "change_per_period": N_("Change per period"),
    "change_per_period_low": N_("Change per period, 95% interval low"),
    "change_per_period_high": N_("Change per period, 95% interval high"),
    "direction": N_("Trend"),
    "rising": N_("Rising"),
    "falling": N_("Falling"),
    "no_clear_trend": N_("No clear trend"),
    "too_few_periods": N_("Too few periods"),
    "groups_rising": N_("Groups rising"),
    "groups_falling": N_("Groups falling"),
    "answers": N_("Answers"),
    "mean_score": N_("Mean score"),
    "score_low": N_("Mean score, interval low"),
    "score_high": N_("Mean score, interval high"),
    "first_period": N_("First period"),
    "last_period": N_("Last period"),
    "first_mean": N_("Mean score, first period"),
    "last_mean": N_("Mean score, last period"),
    "score_change": N_("Change of the mean score"),
    "score_change_low": N_("Change of the mean score, interval low"),
    "score_change_high": N_("Change of the mean score, interval high"),
    "change_clear": N_("Clear change"),
    "call_back": N_("Call-back"),
    "quarterly_survey": N_("Quarterly survey"),
    "broken_promise": N_("Broken promise"),
    "low_score": N_("Low score"),
    "first_failure": N_("First service failure"),
    "failures": N_("Service failures"),
    "after_failure": N_("After a service failure"),
    "accounts_after_failure": N_("Accounts with a service failure"),
    "churned_after_failure": N_("Accounts that left after a service failure"),
    "revenue_lost_after_failure": N_("Revenue lost after a service failure (a year)"),
    "excess_churners": N_("Accounts lost to poor service"),
    "excess_churners_low": N_("Accounts lost to poor service, interval low"),
    "excess_churners_high": N_("Accounts lost to poor service, interval high"),
    "cost_of_poor_service": N_("Cost of poor service (a year)"),
    "cost_of_poor_service_low": N_("Cost of poor service, interval low"),
    "cost_of_poor_service_high": N_("Cost of poor service, interval high"),
    # -- customer value ahead (kamlib.customer_value: clv, value_tiers scheme "clv")
    "accounts_at_risk": N_("Accounts seen at risk"),
    "accounts_valued": N_("Accounts valued"),
    "annual_discount_rate": N_("Discount rate per year"),
    "period_churn_probability": N_("Churn probability per period of a new account"),
    "period_churn_probability_high": N_("Churn probability, 95% interval, high"),
    "period_churn_probability_low": N_("Churn probability, 95% interval, low"),
    "churners": N_("Churners"),
    "clv_a": N_("A: highest predicted value"),
    "clv_b": N_("B: middle predicted value"),
    "clv_c": N_("C: lowest predicted value"),
    "discounted_residual_lifetime": N_("Discounted periods ahead"),
    "expected_residual_lifetime": N_("Expected periods ahead"),
    "fitted_on": N_("Fitted on"),
    "geometric": N_("Constant churn"),
    "horizon_months": N_("Months valued ahead"),
    "mean_expected_residual_lifetime": N_("Mean expected periods ahead"),
    "mean_years_ahead": N_("Years expected ahead (mean)"),
    "mean_residual_value": N_("Mean value ahead"),
    "mean_value_per_period": N_("Mean value per period"),
    "model": N_("Model"),
    "pooled": N_("All contract customers"),
    "constant": N_("The segment, at one churn probability"),
    "residual_value": N_("Value ahead"),
    "sbg": N_("Shifted beta-geometric"),
    "sbg_alpha": N_("Alpha (sBG)"),
    "sbg_alpha_high": N_("Alpha, 95% interval, high"),
    "sbg_alpha_low": N_("Alpha, 95% interval, low"),
    "sbg_beta": N_("Beta (sBG)"),
    "sbg_beta_high": N_("Beta, 95% interval, high"),
    "sbg_beta_low": N_("Beta, 95% interval, low"),
    "segments_fitted": N_("Segments fitted"),
    "share_of_residual_value": N_("Share of the value ahead"),
    "tenure_periods": N_("Tenure (whole periods)"),
    "total_residual_value": N_("Total value ahead"),
    "value_ahead": N_("Value ahead if it stays"),
    "value_lost_to_churn": N_("Value ahead lost to churn"),
    "churners_valued": N_("Churners valued"),
    "value_basis": N_("Value counted"),
    "value_per_period": N_("Value per period"),
}


def _from_settings() -> dict[str, dict[str, str]]:
    """Codes whose words live in the bundled settings, in each language: cost drivers,
    churn causes and cause groups, needs archetypes and value tiers (the settings carry
    ``en:`` and ``zh:`` names; a reader sees the one of the report's language)."""
    from ._settings import settings

    out: dict[str, dict[str, str]] = {}

    def add(code: str, spec: dict[str, Any]) -> None:
        if code not in out:
            out[code] = {k: str(spec[k]) for k in ("en", "zh") if spec.get(k)}

    for d, spec in settings("costs").get("drivers", {}).items():
        add(d, spec)
    taxonomy = settings("causes")
    for code, spec in taxonomy.get("causes", {}).items():
        add(code, spec)
    for code, spec in taxonomy.get("groups", {}).items():
        add(code, spec)
    for code, spec in settings("segments")["needs"].get("archetypes", {}).items():
        add(code, spec)
    try:
        schemes = settings("tiers")
    except Exception:  # no tier schemes bundled: tier codes show as they are
        schemes = {}
    for scheme in schemes.values() if isinstance(schemes, dict) else ():
        for spec in scheme.get("tiers", []) if isinstance(scheme, dict) else ():
            if isinstance(spec, dict) and "code" in spec:
                add(str(spec["code"]), spec)
    return out


#: code -> {language: name} from the settings (a code the catalogue has keeps its label)
NAMED: dict[str, dict[str, str]] = {
    k: v for k, v in _from_settings().items() if k not in LABELS and v.get("en")
}


def _cost_drivers() -> frozenset[str]:
    from ._settings import settings

    return frozenset(settings("costs").get("drivers", {}))


_COST_DRIVERS = _cost_drivers()


def _named(code: str) -> str:
    names = NAMED[code]
    return names.get(current_language()) or names["en"]


#: a quarter ("2025Q1") and a decile ("D1"...) as analyses write them
_QUARTER = re.compile(r"\d{4}Q[1-4]")
_DECILE = re.compile(r"D(?:[1-9]|10)")

#: a code in snake_case (lower-case words joined by underscores, at least one underscore)
_SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")


def has_label(key: str) -> bool:
    """Whether the catalogue or the settings give ``key`` words of their own.

    Examples
    --------
    >>> has_label("churn_rate"), has_label("cost_network"), has_label("total_refunds")
    (True, True, False)
    """
    return key in LABELS or key in NAMED or (key.startswith("cost_") and key[5:] in _COST_DRIVERS)


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
    if key in NAMED:
        return _named(key)
    if key.startswith("cost_") and key[5:] in _COST_DRIVERS:  # a customer P&L's cost column
        return tr("Cost: {item}", item=label(key[5:]))
    head = key.split(": ", 1)[0]
    if ": " in key and (has_label(head) or _SNAKE.fullmatch(head) or head.isidentifier()):
        # a category of a column, e.g. a regression's "contract: two_year" (a sentence
        # with a colon in it is not split)
        column, level = key.split(": ", 1)
        return tr("{column}: {level}", column=label(column), level=label(level))
    if _QUARTER.fullmatch(key):  # a quarter as analyses name it: "2025Q1"
        return quarter(key)
    if _DECILE.fullmatch(key):  # a decile of a ranking: "D1" holds the top tenth
        return tr("D{n}", n=key[1:])
    if _SNAKE.fullmatch(key) and current_language() == "en":
        # a column an export's mapping kept: its name in words (in another language the
        # code is shown as it is: it is the data's name, not an English sentence)
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
        "driver",
        "baseline",
        "source",
        "basis",
        "fit",
        "chosen",
        "judged_on",
        "list_before",
        "list_now",
        "change_reason",
        "industry",
        "off_in",
        "change",
        "why",
        "segment",  # a needs segment's name, or a tier code when segments fall back to tiers
        # kamlib.service
        "severity",
        "clock",
        "direction",
        # customer value ahead (kamlib.customer_value)
        "model",
        "fitted_on",
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
    # a needs segment's name (shown as is) or, when segments fall back to tiers, a tier code
    "segment": "code",
    "nearest_segment": "code",
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
        [
            "important",
            "reliable",
            "significant",
            "warning",
            "contract_ends_soon",
            "out_of_contract",
        ],
        "flag",
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
            "unit",
            "versus_operator",
            "versus_target",
            "source",
            "basis",
            "holds",
            "baseline",
            "fit",
            "structure",
        ],
        "code",
    ),
    **dict.fromkeys(
        [
            "account_id",
            "branch",
            "cause",
            "consequence",
            "currency",
            "how",
            "label",
            "label_zh",
            "name",
            "name_zh",
            "note",
            "says",
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
KINDS.update(
    {
        **dict.fromkeys(
            [
                "investment",
                "expected_revenue",
                "revenue_expected",
                "contribution_expected",
                "shortfall",
                "revenue_to_date",
                "excess",
                "revenue_before_discounts",
                "discounts",
            ],
            "money",
        ),
        **dict.fromkeys(["discount_rate", "limit"], "share"),
        **dict.fromkeys(
            [
                "term_months",
                "months_elapsed",
                "months_lost",
                "payback_month",
                "contracts",
                "contracts_not_paying_back",
                "accounts_over_limit",
                "accounts_discounted",
            ],
            "count",
        ),
        **dict.fromkeys(["revenue_covers", "pays_back", "over_limit", "few_accounts"], "flag"),
        "judged_on": "code",
        "chosen": "code",
        "change_reason": "code",
        "industry": "code",
        **dict.fromkeys(
            [
                "today_revenue",
                "today_profit",
                "look_alike",
                "revenue_given_up",
                "potential",
                "raise usage",
                "cross-sell",
                "raise price / improve mix",
                "drop unprofitable",
                "win new customers",
                "keep accounts at risk",
            ],
            "money",
        ),
        **dict.fromkeys(["list_before", "list_now", "change", "why"], "code"),
        **dict.fromkeys(["monthly_spend_before", "monthly_spend_now"], "money"),
        **dict.fromkeys(["am_hours_ratio", "field_visits_ratio"], "ratio"),
        **dict.fromkeys(
            [
                "key_accounts_now",
                "key_accounts_entered",
                "key_accounts_left",
                "super_key_accounts",
                "important_accounts",
                "on_list_before",
                "on_list_now",
                "entered",
                "under_served",
                "far_above",
                "answered_slowly",
                "accounts_checked",
                "accounts_below",
                "accounts_far_above",
            ],
            "count",
        ),
        **dict.fromkeys(["resident_manager", "training", "slow_response"], "flag"),
        # hours late and taken: whole hours are what a reader compares with a promise
        **dict.fromkeys(["late_hours", "elapsed_hours"], "count"),
        "off_in": "code",  # hours, visits, response: shown in words
        **dict.fromkeys(
            [
                "new_business_revenue",
                "churned_revenue",
                "revenue_per_am_hour",
                "profit_per_am_hour",
                "revenue_at_risk",
                "revenue_lost",
                "revenue_lost_after_manager_left",
            ],
            "money",
        ),
        **dict.fromkeys(
            [
                "joined",
                "active_accounts",
                "new_products",
                "satisfaction_n",
                "managers",
                "managed_accounts",
                "accounts_without_manager",
                "important_accounts_changed_manager",
                "churned_after",
                "still_active",
                "departures",
                "accounts_churned_after_departure",
            ],
            "count",
        ),
        **dict.fromkeys(["rate_ratio", "rate_ratio_low", "rate_ratio_high"], "ratio"),
        **dict.fromkeys(["turnover", "profit_share"], "share"),
        **dict.fromkeys(["account_months"], "number"),
        # -- what-if scenarios (kamlib.scenario)
        **dict.fromkeys(
            [
                "revenue_kept",
                "cost_saved",
                "profit_change",
                "profit_change_low",
                "profit_change_high",
                "profit_now",
                "revenue_now",
                "profit_after",
                "best_profit_change",
                "base_value_now",
                "base_value_scenario",
            ],
            "money",
        ),
        **dict.fromkeys(
            [
                "profit_change_share",
                "retained_now",
                "retained_scenario",
                "base_value_change_share",
                "base_value_change_share_low",
                "base_value_change_share_high",
            ],
            "share",
        ),
        **dict.fromkeys(["accounts_affected", "central", "range_low", "range_high"], "number"),
        **dict.fromkeys(["scenarios", "year"], "count"),
        "sentence": "text",
        "best_scenario": "code",
        # -- the watch list (kamlib.watchlist)
        **dict.fromkeys(
            ["churn_probability", "predicted_rate", "observed_rate", "churn_probability_year"],
            "share",
        ),
        **dict.fromkeys(["value_at_stake", "value_at_risk_top_decile"], "money"),
        **dict.fromkeys(["top_decile", "usable", "on_call_list"], "flag"),
        **dict.fromkeys(
            ["auc", "auc_ci_low", "auc_ci_high", "branch_auc", "coefficient"], "number"
        ),
        "lift_top_decile": "ratio",
        "risk_vs_average": "ratio",
        "average_probability": "share",
        **dict.fromkeys(
            ["churners_in_validation", "rows_in_validation", "accounts_scored"], "count"
        ),
        **dict.fromkeys([f"{w}_{i}" for w in ("reason", "action") for i in range(1, 6)], "text"),
        # -- kamlib.service
        "ticket_id": "text",
        **dict.fromkeys(["severity", "clock", "direction"], "code"),
        **dict.fromkeys(["first_period", "last_period"], "text"),
        **dict.fromkeys(
            [
                "within",
                "elapsed_hours",
                "elapsed_working_days",
                "late_hours",
                "complaints_per_100",
                "complaints_per_100_low",
                "complaints_per_100_high",
                "complaints_per_100_first",
                "complaints_per_100_last",
                "mean_score",
                "score_low",
                "score_high",
                "first_mean",
                "last_mean",
                "score_change",
                "score_change_low",
                "score_change_high",
                "excess_churners",
                "excess_churners_low",
                "excess_churners_high",
            ],
            "number",
        ),
        **dict.fromkeys(
            [
                "tickets",
                "kept",
                "broken",
                "pending",
                "not_judged",
                "tickets_judged",
                "promises_kept",
                "promises_broken",
                "tickets_pending",
                "tickets_not_judged",
                "complaints",
                "complaining_accounts",
                "answers",
                "failures",
                "groups_rising",
                "groups_falling",
                "accounts_after_failure",
                "churned_after_failure",
            ],
            "count",
        ),
        **dict.fromkeys(
            [
                "kept_share",
                "complaint_kept_share",
                "fault_kept_share",
                "order_kept_share",
                "change_per_period",
                "change_per_period_low",
                "change_per_period_high",
            ],
            "share",
        ),
        **dict.fromkeys(["still_open", "partial_period", "change_clear"], "flag"),
        **dict.fromkeys(
            [
                "revenue_lost_after_failure",
                "cost_of_poor_service",
                "cost_of_poor_service_low",
                "cost_of_poor_service_high",
            ],
            "money",
        ),
        # -- customer value ahead (kamlib.customer_value)
        **dict.fromkeys(
            [
                "residual_value",
                "mean_residual_value",
                "total_residual_value",
                "value_per_period",
                "mean_value_per_period",
                "value_ahead",
                "value_lost_to_churn",
            ],
            "money",
        ),
        **dict.fromkeys(
            [
                "accounts_at_risk",
                "accounts_valued",
                "churners",
                "churners_valued",
                "segments_fitted",
                "tenure_periods",
                "horizon_months",
            ],
            "count",
        ),
        **dict.fromkeys(
            [
                "annual_discount_rate",
                "period_churn_probability",
                "period_churn_probability_low",
                "period_churn_probability_high",
                "share_of_residual_value",
            ],
            "share",
        ),
        **dict.fromkeys(
            [
                "sbg_alpha",
                "sbg_alpha_low",
                "sbg_alpha_high",
                "sbg_beta",
                "sbg_beta_low",
                "sbg_beta_high",
                "expected_residual_lifetime",
                "discounted_residual_lifetime",
                "mean_expected_residual_lifetime",
            ],
            "number",
        ),
        **dict.fromkeys(["model", "fitted_on", "value_basis"], "code"),
    }
)


#: column -> one-line definition for the "Definitions" sheet of tables.xlsx (through tr)
DEFINITIONS: dict[str, str] = {
    "account_id": N_("The account's identifier in the operator's systems."),
    "accounts": N_("Number of accounts."),
    "accounts_share": N_("Share of all accounts (of the branch, or of the operator in its row)."),
    "annual_revenue": N_("Revenue per year at the current monthly spend."),
    "chosen": N_(
        "Why the account has a plan: among the top key accounts by revenue, important, or both."
    ),
    "signals_raised": N_("How many of the plan's churn-risk signals crossed their threshold."),
    "term_months": N_("The contract's length, start to end, in months."),
    "revenue_expected": N_(
        "Revenue over the whole term: the contract's own figure where recorded (cut at the "
        "churn date for an account that left), else the revenue billed so far plus the last "
        "months' average for the months to come."
    ),
    "contribution_expected": N_(
        "Revenue expected over the term times the account's margin (profit over revenue in "
        "the window, cost to serve included)."
    ),
    "pays_back": N_("Whether the margin expected over the term recovers the investment."),
    "shortfall": N_("Investment minus the margin expected over the term, where it falls short."),
    "payback_month": N_(
        "The month of the term in which the money back reaches the investment; empty if it "
        "never does."
    ),
    "new_business_revenue": N_(
        "Revenue of product lines first billed three or more months into the period "
        "(key_accounts.yaml managers.new_product_after_months)."
    ),
    "churned_revenue": N_("The churned accounts' average monthly bill while billed, times 12."),
    "revenue_lost": N_(
        "A year's revenue (average monthly bill × 12) of the accounts that left: after their "
        "manager left, after poor service, or under the scenario, as the table says."
    ),
    "turnover": N_("Account managers who left in the period over those at its start."),
    "list_now": N_(
        "The key-account list rebuilt from the last 12 months' average monthly spend "
        "(key_accounts.yaml list: 3,000 a month a key account, above 10,000 a super key "
        "account; important accounts whatever they spend)."
    ),
    "am_hours_ratio": N_("Account-manager hours received a month over the tier's entitlement."),
    "limit": N_("The highest discount the policy allows the account's value tier."),
    "excess": N_("Discounts given above the tier's limit (money)."),
    "first_action": N_("The first of the plan's next actions."),
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
    "decile": N_("Tenth of the accounts in the table's ranking (D1 holds the top tenth)."),
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
    "kind": N_(
        "What the row is of its kind: a cost driver's quantity times a rate or an amount; a "
        "ticket's complaint, fault, order or enquiry; an action's kind."
    ),
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
    "rank": N_(
        "Position in the table's order (by revenue, profit or money at stake, as its title says), first is 1."
    ),
    "rate": N_("Share of the accounts that left."),
    "reached": N_("Warned accounts the retention team reached."),
    "reached_of_warned": N_("Share of warned accounts that were reached."),
    "reliable": N_("Whether there are enough accounts (30 or more) for a rate to mean something."),
    "residual": N_("How far the cell is from chance (beyond ±2 stands out)."),
    "retained": N_("Accounts kept (funnel), or share still with us (retention curve)."),
    "retained_of_intent": N_("Share of accounts intending to leave that were kept."),
    "retained_of_warned": N_("Share of warned accounts that were kept."),
    "revenue": N_(
        "Revenue over the period as the data record it (before or after discounts: the "
        "profit section says which)."
    ),
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
    "status": N_(
        "The row's state: an account active or churned (left); a service against its "
        "entitlement; a ticket's promise kept, broken or pending."
    ),
    "tier": N_("Value tier by average monthly spend."),
    "top20_profit_share": N_("Share of profit earned by the top 20% of accounts."),
    "top20_revenue_share": N_("Share of revenue from the top 20% of accounts."),
    "top_churn_cause": N_("The cause most churned accounts gave."),
    "top_products": N_("The products most accounts of the segment hold."),
    "unprofitable_share": N_("Share of accounts that lose money."),
    "value": N_("The figure's value."),
    "value_class": N_(
        "High, medium or low value in the value x loyalty grid: the account's spend against "
        "the branch's other accounts."
    ),
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
    # -- what-if scenarios (kamlib.scenario)
    "accounts_affected": N_(
        "Accounts the lever keeps, loses, lets go or moves, expected (a share of an account "
        "is a chance)."
    ),
    "revenue_kept": N_("Revenue a year the lever keeps (accounts kept) or adds (a higher price)."),
    "cost_saved": N_(
        "Cost to serve a year the lever saves; negative when it adds cost (retention, more "
        "service)."
    ),
    "profit_change": N_(
        "Revenue kept + cost saved - revenue lost, a year, with the assumptions' central values."
    ),
    "profit_change_low": N_(
        "The least profit change over every combination of the assumptions' range ends."
    ),
    "profit_change_high": N_(
        "The most profit change over every combination of the assumptions' range ends."
    ),
    "central": N_("The assumption's central value, used for the central profit change."),
    "range_low": N_("The low end of the assumption's range (the central value when it has none)."),
    "range_high": N_(
        "The high end of the assumption's range (the central value when it has none)."
    ),
    "base_value_now": N_(
        "Profit of today's customer base over the years so far, each year's share of accounts "
        "still here at today's churn, discounted."
    ),
    "base_value_scenario": N_("The same with churn cut by the scenario's points."),
    # -- the watch list (kamlib.watchlist)
    "churn_probability": N_(
        "The model's probability that the account churns within the horizon (3 months by default)."
    ),
    "value_at_stake": N_("Monthly revenue x probability of churning: revenue expected to be lost."),
    "top_decile": N_("Among the tenth of active accounts with the highest probability."),
    "risk_vs_average": N_(
        "The account's probability of churning over the average active account's (2 is twice "
        "as likely to leave)."
    ),
    "on_call_list": N_(
        "At least one signal raises the account's risk enough to be a reason for a call: "
        "the report's watch list is these accounts, most revenue at stake first."
    ),
    "reason_1": N_("The signal that pushes the account's risk up most, in words."),
    "action_1": N_("What to do about the first reason (watchlist.yaml: actions)."),
    # -- customer value ahead (kamlib.customer_value); a period is a month unless
    # clv.yaml's period_months says otherwise
    "accounts_at_risk": N_(
        "Accounts of the segment seen at risk of leaving in the window (the fit's data)."
    ),
    "accounts_valued": N_("Active contract customers given a value ahead."),
    "annual_discount_rate": N_("Yearly rate at which money later is worth less than now."),
    "period_churn_probability": N_(
        "Chance that a newly joined account leaves in its first period (alpha / (alpha + beta))."
    ),
    "churners": N_("Accounts of the segment that left during the window."),
    "discounted_residual_lifetime": N_(
        "Periods the account is expected to stay from now, each discounted to today."
    ),
    "expected_residual_lifetime": N_(
        "Periods the account is expected to stay from now, given how long it has stayed."
    ),
    "fitted_on": N_(
        "Whose churn the lifetime was fitted to: the segment's (two parameters, or one churn "
        "probability when it has too few churners), or all contract customers'."
    ),
    "value_ahead": N_(
        "The margin the account is expected to bring from now on, discounted (the lifetime "
        "model fitted on the whole operator): what it would take with it if it left."
    ),
    "model": N_("The lifetime model: shifted beta-geometric, or its limit of constant churn."),
    "residual_value": N_(
        "What the account is expected to bring from now on: value per period times the "
        "discounted periods ahead."
    ),
    "mean_years_ahead": N_(
        "How many more years the segment's accounts are expected to stay, on average (the "
        "lifetime model, undiscounted)."
    ),
    "sbg_alpha": N_("How churn probabilities spread across accounts (with beta)."),
    "sbg_beta": N_("How churn probabilities spread across accounts (with alpha)."),
    "share_of_residual_value": N_("Share of the branch's value ahead."),
    "tenure_periods": N_("Whole periods the account has been a customer."),
    "value_per_period": N_(
        "Margin (or revenue, where there are no costs) per period, averaged over the months billed."
    ),
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
