"""kamlib: key-account management analytics for telecom operators.

Load an operator's data into a validated :class:`Book`, then segment it, analyse customer
profit (the 80/20 view and the whale curve) and churn causes, per branch; ``kam report``
builds one report per branch. See the README for a tour.
"""

from . import (
    churn,
    customer_value,
    deals,
    decisions,
    key_accounts,
    lifetime,
    managers,
    needs,
    opportunity,
    plans,
    potential,
    profit,
    report,
    scale,
    segment,
    service,
    watchlist,
)
from ._book import Book
from ._config import cause_taxonomy, config_path
from ._coverage import coverage
from ._display import say, setup_notebook
from ._errors import ConfigError, DataError, Issue, KamlibError, ValidationReport
from ._excel import ReportTables, write_workbook
from ._io import load, write_book
from ._labels import label, labelled
from ._result import Result
from ._schema import data_model_markdown
from ._split import prepare
from .churn import (
    ChurnDrivers,
    cause_association,
    cause_tree,
    churn_by_period,
    churn_drivers,
    churn_rates,
    churn_types,
    cumulative_incidence,
    group_warnings,
    retention_curves,
    retention_economics,
    retention_funnel,
)
from .customer_value import CustomerValue, clv
from .deals import ContractPayback, DiscountControl, contract_payback, discount_control
from .decisions import kpis, next_actions
from .document import BranchReport, build_report
from .draft import draft_mapping
from .key_accounts import KeyAccountList, ServiceLevels, key_account_list, service_levels
from .lifetime import SBGFit, fit_sbg
from .managers import AccountManagers, ManagerDepartures, account_managers, manager_departures
from .needs import NeedsSegments
from .opportunity import opportunity_matrix, segment_profile, segment_targets
from .plans import AccountPlans, account_plans, write_plans
from .potential import SalesPotential, WhiteSpace, sales_potential, white_space
from .profit import (
    concentration,
    cost_model,
    customer_pnl,
    decile_table,
    profit_actions,
    profit_groups,
    rules_of_thumb,
    whale_curve,
)
from .report import branch_metrics, data_quality, key_figures, league_table, write_metrics
from .runner import run_reports, sample_path
from .scale import aggregate
from .scenario import Scenario, Scenarios, scenario, scenarios
from .segment import (
    customer_types,
    lifecycle_stage,
    segment_mix,
    segment_rules,
    tier_scheme,
    value_loyalty,
    value_tiers,
)
from .service import (
    ComplaintRate,
    SatisfactionTrend,
    ServiceChurn,
    ServicePromises,
    complaint_rate,
    satisfaction_trend,
    service_churn,
    service_promises,
)
from .synth import SampleOperator, synth
from .watchlist import ChurnRisk, WatchList, churn_risk

__version__ = "0.1.0"

__all__ = [
    "Book",
    "clv",
    "CustomerValue",
    "customer_value",
    "service",
    "service_promises",
    "complaint_rate",
    "satisfaction_trend",
    "service_churn",
    "ServicePromises",
    "ComplaintRate",
    "SatisfactionTrend",
    "ServiceChurn",
    "watchlist",
    "churn_risk",
    "ChurnRisk",
    "WatchList",
    "scenario",
    "scenarios",
    "Scenario",
    "Scenarios",
    "AccountPlans",
    "ContractPayback",
    "DiscountControl",
    "contract_payback",
    "discount_control",
    "deals",
    "potential",
    "managers",
    "key_accounts",
    "KeyAccountList",
    "ServiceLevels",
    "key_account_list",
    "service_levels",
    "AccountManagers",
    "ManagerDepartures",
    "account_managers",
    "manager_departures",
    "SalesPotential",
    "WhiteSpace",
    "sales_potential",
    "white_space",
    "account_plans",
    "write_plans",
    "plans",
    "BranchReport",
    "build_report",
    "ChurnDrivers",
    "Result",
    "label",
    "labelled",
    "ConfigError",
    "DataError",
    "Issue",
    "KamlibError",
    "NeedsSegments",
    "SampleOperator",
    "ValidationReport",
    "branch_metrics",
    "cause_association",
    "cause_tree",
    "churn",
    "churn_drivers",
    "churn_rates",
    "churn_types",
    "concentration",
    "cost_model",
    "cumulative_incidence",
    "churn_by_period",
    "customer_types",
    "customer_pnl",
    "decile_table",
    "draft_mapping",
    "fit_sbg",
    "SBGFit",
    "lifetime",
    "group_warnings",
    "lifecycle_stage",
    "needs",
    "opportunity",
    "opportunity_matrix",
    "profit",
    "scale",
    "profit_actions",
    "profit_groups",
    "retention_curves",
    "retention_economics",
    "retention_funnel",
    "rules_of_thumb",
    "segment",
    "segment_profile",
    "segment_rules",
    "segment_targets",
    "tier_scheme",
    "value_loyalty",
    "segment_mix",
    "league_table",
    "aggregate",
    "prepare",
    "value_tiers",
    "whale_curve",
    "cause_taxonomy",
    "coverage",
    "config_path",
    "data_model_markdown",
    "data_quality",
    "key_figures",
    "kpis",
    "load",
    "next_actions",
    "decisions",
    "report",
    "run_reports",
    "sample_path",
    "setup_notebook",
    "say",
    "ReportTables",
    "write_workbook",
    "synth",
    "write_book",
    "write_metrics",
]
