"""The canonical account data model, as data.

Every table kamlib reads is described here once: its columns, their types, which are
required, and the allowed values of categorical columns. Validation (``_validate``), the
loader (``_io``) and the documentation (``docs/data-model.md``) all read this module, so
the model has one source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["id", "text", "category", "bool", "int", "float", "date", "month"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = False
    allowed: tuple[str, ...] = ()
    meaning: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    meaning: str
    needed_by: str
    extra_numeric: bool = False  # costs: any further numeric column is a cost driver

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


CUSTOMER_TYPES = ("key_account", "business", "residential")
STATUSES = ("active", "churned")
CHURN_TYPES = ("migration", "voluntary", "involuntary")
#: "unclassified" holds the reasons an export gives in its own words that no mapping put
#: in the taxonomy (shown as themselves); no cause of causes.yaml belongs to it
CAUSE_GROUPS = ("internal", "competitor", "customer", "unknown", "unclassified")
CONTRACTS = ("none", "monthly", "one_year", "two_year", "multi_year")
#: whether billing revenue is after discounts ("net", the default) or before them ("gross"):
#: set by ``revenue_basis:`` in a mapping or in operator.yaml
REVENUE_BASES = ("net", "gross")

ACCOUNTS = Table(
    name="accounts",
    key=("account_id",),
    meaning="One row per customer account.",
    needed_by="every analysis",
    columns=(
        Column("account_id", "id", required=True, meaning="unique account identifier"),
        Column("name", "text", meaning="customer name (shown only where an analysis needs it)"),
        Column("branch", "text", required=True, meaning="city branch (分公司 / 本地网)"),
        Column(
            "customer_type",
            "category",
            allowed=CUSTOMER_TYPES,
            meaning="大客户 key account / 商业客户 business / 公众客户 residential",
        ),
        Column("industry", "text", meaning="industry of a business or key account"),
        Column(
            "important",
            "bool",
            meaning="重要大客户: government, public security, Fortune-500, education",
        ),
        Column("parent_id", "text", meaning="parent company; accounts sharing one form a group"),
        Column("account_manager", "text", meaning="客户经理 responsible for the account"),
        Column("join_date", "date", meaning="date the account was opened"),
        Column(
            "tenure_months",
            "float",
            meaning="months with the operator (derived from dates when absent)",
        ),
        Column("contract", "category", allowed=CONTRACTS, meaning="contract length"),
        Column("contract_end", "date", meaning="end of the current contract"),
        Column("status", "category", required=True, allowed=STATUSES, meaning="active or churned"),
        Column("churn_date", "date", meaning="date of churn or of internal migration"),
        Column(
            "churn_type",
            "category",
            allowed=CHURN_TYPES,
            meaning="migration / voluntary / involuntary",
        ),
        Column(
            "churn_cause_group",
            "category",
            allowed=CAUSE_GROUPS,
            meaning="internal / competitor / customer / unknown, or unclassified for a reason "
            "not in the taxonomy (derived from churn_cause when absent)",
        ),
        Column(
            "churn_cause",
            "category",
            meaning="cause code from the cause taxonomy (config/causes.yaml, docs/causes.md); "
            "a reason in the export's own words is kept as it is, under unclassified",
        ),
        Column(
            "churn_category", "text", meaning="the source data set's own churn category, kept as is"
        ),
        Column("competitor", "text", meaning="competitor the account left for"),
        Column("satisfaction", "float", meaning="satisfaction score, 1 (low) to 5 (high)"),
        Column(
            "total_revenue",
            "float",
            meaning="revenue over the observation period, used only when there is no billing table",
        ),
        Column(
            "lifetime_revenue",
            "float",
            meaning=(
                "cumulative revenue since the account joined (e.g. an export's 'Total Revenue'); "
                "used only when there is no billing table, total_revenue or monthly_revenue, "
                "and always called lifetime revenue, never revenue over the period"
            ),
        ),
        Column(
            "monthly_revenue",
            "float",
            meaning=(
                "revenue per month (e.g. an export's monthly charge), used only when there is "
                "no billing table or total_revenue"
            ),
        ),
    ),
)

BILLING = Table(
    name="billing",
    key=("account_id", "month", "product"),
    meaning="Revenue per account, month and product.",
    needed_by="revenue, ARPU, tiers, profit, migration ARPU change (else accounts.monthly_revenue)",
    columns=(
        Column("account_id", "id", required=True),
        Column("month", "month", required=True, meaning="billing month, YYYY-MM"),
        Column("product", "text", required=True, meaning="product or service line"),
        Column(
            "revenue",
            "float",
            required=True,
            meaning=(
                "billed revenue, after discounts (net) unless the data declare "
                "`revenue_basis: gross` (before discounts)"
            ),
        ),
    ),
)

COSTS = Table(
    name="costs",
    key=("account_id", "month"),
    meaning=(
        "Cost-to-serve drivers per account and month, one column per driver. Quantities "
        "(tickets, visits, hours) are priced by the cost model; amounts are taken as they are."
    ),
    needed_by="profit (cost to serve, customer P&L, whale curve)",
    extra_numeric=True,
    columns=(
        Column("account_id", "id", required=True),
        Column("month", "month", required=True),
        Column("service_tickets", "float", meaning="complaints and repair tickets (count)"),
        Column("field_visits", "float", meaning="on-site visits (count)"),
        Column("am_hours", "float", meaning="account-manager hours"),
        Column("network", "float", meaning="network resources allocated (amount)"),
        Column("discounts", "float", meaning="discounts granted (amount)"),
        Column("subsidies", "float", meaning="handset and SIM subsidies (amount)"),
        Column("bad_debt", "float", meaning="written-off receivables (amount)"),
        Column(
            "acquisition_retention", "float", meaning="acquisition and retention spend (amount)"
        ),
    ),
)

USAGE = Table(
    name="usage",
    key=("account_id", "month"),
    meaning="Usage signals per account and month.",
    needed_by="group-churn warnings, lifecycle, needs-based segments, value x loyalty",
    columns=(
        Column("account_id", "id", required=True),
        Column("month", "month", required=True),
        Column("lines", "float", meaning="active lines (numbers) on the account"),
        Column("calls", "float", meaning="outgoing calls"),
        Column("forwarded_calls", "float", meaning="calls forwarded to other operators' numbers"),
        Column("group_bill", "float", meaning="company-paid group bill"),
        Column("complaints", "float", meaning="complaints lodged"),
    ),
)

CONTACTS = Table(
    name="contacts",
    key=("account_id", "warning_date"),
    meaning="Retention warnings and what came of them.",
    needed_by="retention funnel",
    columns=(
        Column("account_id", "id", required=True),
        Column("warning_date", "date", required=True),
        Column("reached", "bool", required=True, meaning="the account was reached"),
        Column("intent_to_leave", "bool", required=True, meaning="it said it meant to leave"),
        Column("retained", "bool", required=True, meaning="it was kept"),
    ),
)

ASSIGNMENTS = Table(
    name="assignments",
    key=("account_id", "start"),
    meaning=(
        "Account-manager history: who looked after each account, from when to when. "
        "The current manager is also `accounts.account_manager`; this table says who came "
        "before and when a manager left."
    ),
    needed_by="account managers' history, churn after a manager left, key-person turnover",
    columns=(
        Column("account_id", "id", required=True),
        Column("account_manager", "text", required=True, meaning="客户经理 assigned"),
        Column("start", "date", required=True, meaning="first day of the assignment"),
        Column("end", "date", meaning="last day of the assignment; empty while it lasts"),
        Column(
            "reason",
            "text",
            meaning="why the assignment ended (e.g. manager left, reassigned), kept as given",
        ),
    ),
)

CONTRACTS_TABLE = Table(
    name="contracts",
    key=("account_id", "start"),
    meaning="Key-account contracts and what the operator invested to win them.",
    needed_by="contract payback (does the revenue over the term recover the investment)",
    columns=(
        Column("account_id", "id", required=True),
        Column("start", "date", required=True, meaning="contract start"),
        Column("end", "date", required=True, meaning="contract end"),
        Column(
            "investment",
            "float",
            required=True,
            meaning="what the operator put in: equipment, construction, subsidies (amount)",
        ),
        Column(
            "expected_revenue",
            "float",
            meaning="revenue the contract promises over its whole term (amount), where recorded",
        ),
    ),
)

#: what a service ticket is about (the brief's promises differ by kind)
TICKET_KINDS = ("complaint", "fault", "order", "enquiry")
#: a complaint or fault is general (answered within a day) or major (resolved within days)
SEVERITIES = ("general", "major")
#: a satisfaction call-back after a ticket, or the quarterly key-account survey
SURVEY_KINDS = ("call_back", "quarterly_survey")

TICKETS = Table(
    name="tickets",
    key=("ticket_id",),
    meaning=(
        "Service events: complaints, faults, orders for new lines or products, enquiries; "
        "one row per ticket, from when it was opened to when it was closed. Dates may carry "
        "a time of day (the 24-hour promises need it); an open ticket has no `closed`."
    ),
    needed_by="complaints and their trend, response and repair times against the promises, "
    "the churn after a broken promise, the watch list",
    columns=(
        Column("ticket_id", "id", required=True),
        Column("account_id", "id", required=True),
        Column("opened", "date", required=True, meaning="when the customer raised it"),
        Column("kind", "category", required=True, allowed=TICKET_KINDS),
        Column(
            "responded",
            "date",
            meaning="the first answer to the customer; empty where not recorded",
        ),
        Column("closed", "date", meaning="when it was closed; empty while it is open"),
        Column("severity", "category", allowed=SEVERITIES, meaning="general or major"),
        Column("channel", "text", meaning="how it came in (hotline, account manager, online...)"),
        Column(
            "resolved",
            "bool",
            meaning="the problem was fixed (a closed ticket may be closed unresolved)",
        ),
        Column(
            "promised",
            "date",
            meaning="for orders: the delivery date promised to the customer",
        ),
    ),
)

SURVEYS = Table(
    name="surveys",
    key=("account_id", "date", "kind"),
    meaning="Satisfaction measured over time: call-backs after service and quarterly surveys.",
    needed_by="satisfaction by tier over time, churn after a low score, the watch list",
    columns=(
        Column("account_id", "id", required=True),
        Column("date", "date", required=True, meaning="when the customer answered"),
        Column("score", "float", required=True, meaning="satisfaction, 1 (low) to 5 (high)"),
        Column("kind", "category", required=True, allowed=SURVEY_KINDS),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        ACCOUNTS,
        BILLING,
        COSTS,
        USAGE,
        CONTACTS,
        ASSIGNMENTS,
        CONTRACTS_TABLE,
        TICKETS,
        SURVEYS,
    )
}
OPTIONAL_TABLES = (
    "billing",
    "costs",
    "usage",
    "contacts",
    "assignments",
    "contracts",
    "tickets",
    "surveys",
)
#: the dates of a row that must come in order, per table: (earlier, later, severity) for
#: each pair; a later date before its earlier one is an error, or a warning where a real
#: export holds it for a reason (an order's delivery promised for before the order was
#: logged: a date carried over from the customer's earlier request). A blank date is not
#: checked (an open ticket has no ``closed``).
DATE_ORDER: dict[str, tuple[tuple[str, str, Literal["error", "warning"]], ...]] = {
    "assignments": (("start", "end", "error"),),
    "contracts": (("start", "end", "error"),),
    "tickets": (
        ("opened", "closed", "error"),
        ("opened", "responded", "error"),
        ("opened", "promised", "warning"),
    ),
}
#: the optional tables with dates per row that must come in order
DATED_TABLES = tuple(DATE_ORDER)

#: The needs features of :class:`kamlib.NeedsSegments` (computed by ``needs_features``),
#: here so that the settings can check an archetype's profile names only these.
NEEDS_FEATURES = {
    "products_held": "number of products billed over the period",
    "advanced_share": "share of revenue from advanced products (leased line, cloud, IoT, ICT)",
    "spend_per_line": "log of monthly revenue per line",
    "service_demand": "service tickets and field visits per month",
    "satisfaction": "satisfaction score",
    "revenue_trend": "revenue trend, share of mean monthly revenue per month",
    "discount_rate": "discounts as a share of revenue",
}


def data_model_markdown() -> str:
    """Render the data model as Markdown (``docs/data-model.md`` is this, checked by a test)."""
    out = [
        "# The kamlib data model",
        "",
        "Generated from `kamlib/_schema.py` by `kamlib.data_model_markdown()`; a test keeps",
        "this file in step with the code. Only `accounts` is required; each analysis says",
        "plainly what it cannot show when a table or column it needs is missing.",
        "",
    ]
    for t in TABLES.values():
        out += [f"## `{t.name}`" + ("" if t.name == "accounts" else " (optional)"), ""]
        out += [t.meaning, "", f"Key: `{', '.join(t.key)}`. Needed by: {t.needed_by}.", ""]
        out += ["| column | type | required | allowed values | meaning |", "|---|---|---|---|---|"]
        for c in t.columns:
            allowed = ", ".join(c.allowed)
            out.append(
                f"| `{c.name}` | {c.kind} | {'yes' if c.required else ''} | {allowed} | {c.meaning} |"
            )
        if t.name == "billing":
            out += [
                "",
                "Revenue basis: say in the mapping or in `operator.yaml` whether billing revenue is",
                "after discounts (`revenue_basis: net`, the default) or before them",
                "(`revenue_basis: gross`). With net revenue the costs table's `discounts` are shown",
                "in the P&L (what was given away) but not subtracted again; with gross revenue they",
                "are subtracted as a cost. The P&L's notes say which basis was used.",
            ]
        if t.extra_numeric:
            out += [
                "",
                "Any further numeric column is taken as a cost driver; the cost model must price it.",
            ]
        if t.name in DATE_ORDER:
            rules = "; ".join(
                f"`{later}` not before `{earlier}` ({severity})"
                for earlier, later, severity in DATE_ORDER[t.name]
            )
            out += ["", f"Dates in order: {rules}. A date without a time of day is the whole day."]
        out.append("")
    return "\n".join(out)
