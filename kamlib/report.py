"""What a branch report shows, computed in one place: key figures and ``metrics.json``.

The notebook calls these functions and displays the results; every number in a report
comes from here or from the analysis modules, so it is unit-tested, not typed in.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._book import Book
from ._coverage import TABLE_WORDS as _TABLE_WORDS
from ._coverage import in_sentence as _in_sentence
from ._files import write_text
from ._format import month
from ._i18n import N_, ntr, tr
from ._result import TableResult, axes, figures, nothing_to_draw

__all__ = [
    "headline",
    "key_figures",
    "branch_metrics",
    "metrics_of",
    "write_metrics",
    "data_quality",
    "METRICS_SCHEMA",
    "REPORT_METRICS_SCHEMA",
    "metrics_markdown",
    "league_table",
    "LEAGUE_COLUMNS",
]

# metrics.json: one file per branch report. Shares are fractions (0.8 = 80%); money is in
# the book's currency over the whole observation period; null means "could not be computed
# from these data" (the report's data-quality notes say why).
METRICS_SCHEMA: dict[str, str] = {
    "branch": "branch name",
    "currency": "currency of the money figures",
    "period_start": "first billing month (YYYY-MM) or null",
    "period_end": "end of the observation period (YYYY-MM-DD)",
    "accounts": "accounts in the branch",
    "revenue": "revenue over the period; null when the data hold only a monthly charge or lifetime revenue (see revenue_source)",
    "revenue_source": "where revenue comes from: billing, accounts.total_revenue (a period total), accounts.monthly_revenue (a monthly charge: shares and Gini are of it) or accounts.lifetime_revenue (cumulative since joining)",
    "revenue_basis": "net (billing revenue after discounts: discounts not subtracted again) or gross (before discounts: discounts are a cost)",
    "profit": "revenue - cost to serve over the period; null without cost data",
    "churned": "accounts churned (status churned) in the data",
    "top20_revenue_share": "share of revenue of the 20% accounts with most revenue, over the accounts whose revenue is not negative (accounts with a negative revenue, credits or refunds, are left out and counted in the report's note); null without revenue",
    "gini_revenue": "Gini coefficient of revenue over the accounts whose revenue is not negative (as top20_revenue_share); null without revenue",
    "top20_profit_share": "share of total profit of the 20% most profitable accounts; null when total profit <= 0 or no costs",
    "whale_peak_share": "height of the whale curve's peak as a share of total profit (2.0 = 200%)",
    "whale_peak_at": "where the peak is, as a share of accounts ranked by profit",
    "unprofitable_share": "share of accounts that are loss-making: profit below the break-even band (-profit.yaml break_even_band x revenue), as in profit_groups",
    "churn_rate": "churned / accounts in the churn denominator (see kamlib.churn); null below 30 accounts",
    "churn_rate_ci": "95% Wilson interval of churn_rate",
    "period_months": "length of the observation window in months (from its start, the first billing month or the mapping's observed_from, to period_end); null when its start is unknown",
    "churn_rate_per_account_year": "accounts churned in the window / account-years at risk in it: each account counts only its time as a customer inside the window (one that joined or left during it, less than a year); null below 30 accounts or without an observation start",
    "churn_by_type": "accounts per churn type (voluntary, involuntary, migration; unknown: churned accounts with no type recorded); null for a type the data do not record: every type when the data have no churn type at all, or the types a mapping's rule never sets (see assumed)",
    "churn_by_cause_group": "churned accounts per cause group (internal, competitor, customer, unknown; unclassified for reasons in the export's own words that no mapping put in the taxonomy)",
    "churn_by_category": "churned accounts per the source's own churn category (else per cause group)",
    "top_churn_cause": "the most frequent churn cause: a code of the taxonomy (config/causes.yaml, docs/causes.md), or a reason in the export's own words when it is unclassified",
    "tiers": "accounts per value tier (the report's tier scheme: Beijing for CNY data and ABC quantile tiers otherwise, unless --tiers says)",
    "assumed": "values the data do not hold but the mapping set (derive rules, constants), as 'table.column: rule'; empty when every value was recorded",
}

#: keys only a full report's metrics.json has (:func:`kamlib.build_report`), beyond
#: :data:`METRICS_SCHEMA` (which :func:`branch_metrics` gives on its own)
REPORT_METRICS_SCHEMA: dict[str, str] = {
    "kpis": "the branch's value of each KPI on the report's first screen (kpi code -> value; null when the data do not allow it)",
    "actions": "the actions for this month, largest money at stake first: text (in the report's language), money_at_stake (per year, in the currency) and kind (retain_group, fix_loss_maker, churn_cause, priority, renew_contract)",
    "key_accounts_entered": "accounts on this year's key-account list that were not on last year's (kamlib.key_account_list; last year's list from the spend of the 12 months before, or the recorded customer_type when the billing covers less than 24 months); null when last year's list is unknown",
    "key_accounts_left": "accounts on last year's key-account list that are not on this year's (churned, spend fell, reclassified); null when last year's list is unknown",
    "accounts_without_manager": "active business and key accounts with no account manager (kamlib.account_managers); null when the accounts table has no account_manager column",
    "revenue_lost_after_manager_left": "a year's revenue (average monthly bill x 12) of the accounts that churned within key_accounts.yaml managers.after_departure_months of their account manager leaving (kamlib.manager_departures); null without an assignments table",
    "contracts_not_paying_back": "key-account contracts (contracts table) whose margin expected over the term does not recover the investment (kamlib.contract_payback); null without a contracts table",
    "complaints_per_100_accounts": "complaints (tickets of kind complaint) in the last full quarter per 100 accounts active in it (kamlib.complaint_rate); null without a tickets table",
    "share_within_promise": "share of the tickets judged whose service promise was kept (service.yaml: 24 h answers, 3 working days for major complaints, 48 h fault repair, orders by the date promised; kamlib.service_promises); null without a tickets table or with too few judged",
    "watchlist_auc": "the churn-risk model's AUC on months (or, without dates, accounts) it was not fitted on, for the whole operator (kamlib.churn_risk); null where it cannot be tested",
    "value_at_risk_top_decile": "monthly revenue expected to be lost (revenue x probability of leaving within the horizon) of the branch's accounts in the operator's riskiest tenth (kamlib.churn_risk); null when the model is not good enough to name accounts",
    "value_ahead": "the discounted value (margin, or revenue without costs) the branch's active contract customers are expected to bring from now on, by the lifetime model fitted on the whole operator (kamlib.clv; clv.yaml: discount rate, horizon); null when no account can be valued",
    "value_lost_to_churn": "the discounted value ahead the contract customers that left in the period had when they left, by the same model (kamlib.clv: CustomerValue.lost); null when none can be valued",
}


def metrics_markdown() -> str:
    """``docs/metrics.md``: the metrics.json schema as Markdown (a test keeps it current)."""
    lines = [
        "# metrics.json",
        "",
        "Generated from `kamlib/report.py` (`METRICS_SCHEMA`) by `kamlib.report.metrics_markdown()`;",
        "a test keeps this file in step with the code.",
        "",
        "`kam report` writes one `metrics.json` per branch, next to its report. Shares are",
        "fractions (0.8 = 80%); money is in the data's currency over the whole observation",
        "period; `null` means the figure could not be computed from the data (the report's",
        "data-quality section says why). The operator overview writes `overview/operator.json`",
        "with the same keys for the whole operator (`branch` null; `operator`, `branches` and",
        "`margin` = profit / revenue added): the operator's own figures, not averages of",
        "branches. `index.html` shows each branch's figures from these files beside the",
        "operator row of `operator.json`, with the first of `actions` (if any) as its top action;",
        "`summary.json` (one per run) lists the branches done, unchanged and failed with their",
        "error, and the seconds each took, and the overview's run under `overview`.",
        "",
        "| key | meaning |",
        "|---|---|",
    ]
    lines += [f"| `{k}` | {v} |" for k, v in METRICS_SCHEMA.items()]
    lines += [f"| `{k}` | {v} (report only) |" for k, v in REPORT_METRICS_SCHEMA.items()]
    return "\n".join(lines) + "\n"


def headline(book: Book, branch: str) -> str:
    """The report's opening sentence, from the data, in the current language.

    Examples
    --------
    >>> import kamlib
    >>> headline(kamlib.load(kamlib.sample_path()), "Suzhou")[:25]
    '**Suzhou** branch of Samp'
    """
    from ._format import count, money, period

    b = book.branch(branch)
    rev = b.period_revenue()
    months = b.months()
    when = (
        period(months[0], months[-1])
        if len(months)
        else tr("up to {date}", date=_day(book.as_of))
        if book.as_of is not None
        else period(None, None)
    )
    accounts = count(len(b.accounts))
    if rev is None:
        return tr(
            "**{branch}** branch of {operator}: {accounts} accounts, {period}.",
            branch=branch,
            operator=book.name,
            accounts=accounts,
            period=when,
        )
    total = money(rev.sum(), book.currency)
    source = b.revenue_source() or ""
    values = {"branch": branch, "operator": book.name, "accounts": accounts, "money": total}
    if source == "accounts.monthly_revenue":
        return tr(
            "**{branch}** branch of {operator}: {accounts} accounts, monthly revenue {money}, "
            "{period}.",
            period=when,
            **values,
        )
    if source == "accounts.lifetime_revenue":
        return tr(
            "**{branch}** branch of {operator}: {accounts} accounts, lifetime revenue "
            "(cumulative since joining) {money}, {period}.",
            period=when,
            **values,
        )
    return tr(
        "**{branch}** branch of {operator}: {accounts} accounts, revenue {money}, {period}.",
        period=when,
        **values,
    )


def _day(ts: Any) -> str:
    """A day for a reader: "31 Dec 2025" / "2025年12月31日"."""
    t = pd.Timestamp(ts)
    return tr("{day} {month}", day=t.day, month=month(t))


class KeyFigures(TableResult):
    """The branch beside the whole operator (:func:`key_figures`): one row each, with
    accounts, revenue and churned accounts and the branch's share of each."""

    _bar = "accounts"

    def summary(self) -> pd.DataFrame:
        b = self.table.loc["branch"]
        return figures(
            {
                "accounts": int(b["accounts"]),
                "revenue": b["revenue"],
                "churned": int(b["churned"]),
                "accounts_share": b["accounts_share"],
                "revenue_share": b["revenue_share"],
            }
        )


def key_figures(book: Book, branch: str) -> KeyFigures:
    """The branch's headline figures beside the whole operator's.

    Examples
    --------
    >>> import kamlib
    >>> kf = kamlib.key_figures(kamlib.load(kamlib.sample_path()), "Suzhou")
    >>> list(kf.table.index)
    ['branch', 'operator']
    """
    op = {k: v for k, v in book.operator_totals().items() if k != "kpis"}
    totals = {"branch": book.branch(branch).totals(), "operator": op}
    rows = {k: {c: (np.nan if v is None else v) for c, v in t.items()} for k, t in totals.items()}
    # one row each for branch and operator, so count columns stay integers
    df = pd.DataFrame(rows).T.rename(columns={"churned accounts": "churned"})
    df = df.astype({"accounts": int, "churned": int})
    for col in ("accounts", "revenue", "churned"):
        df.insert(df.columns.get_loc(col) + 1, f"{col}_share", df[col] / df.loc["operator", col])
    caveat = book.revenue_caveat()
    notes = (caveat,) if caveat else ()
    return KeyFigures(df, notes)


class DataQuality(TableResult):
    """What was missing or doubtful in the data and what it means (:func:`data_quality`):
    one row per finding with ``what`` and ``consequence``."""

    def summary(self) -> pd.DataFrame:
        return figures({"findings": len(self.table)})

    def plot(self, *, ax=None):
        """Nothing to draw: the findings are sentences. Returns the Axes, turned off."""
        ax = axes(ax)
        n = len(self.table)
        return nothing_to_draw(
            ax,
            ntr(
                "{n} data-quality finding: see the table",
                "{n} data-quality findings: see the table",
                n,
            ),
        )


def data_quality(book: Book) -> DataQuality:
    """What was missing or doubtful in the data, and what could therefore not be shown.

    One row per finding: each optional table and column of the data model the data do
    not hold, each part of the report they leave empty (:func:`kamlib.coverage`), where
    revenue comes from when it is not billed, the loader's warnings and the mapping's
    assumptions.

    Examples
    --------
    >>> import kamlib
    >>> acc = kamlib.synth(100, seed=1).book.accounts.drop(columns="satisfaction")
    >>> q = kamlib.data_quality(kamlib.Book.from_frames(accounts=acc)).table
    >>> "The accounts table has no satisfaction" in set(q["what"])
    True
    """
    from . import _coverage
    from ._coverage import missing_parts
    from ._format import names_list
    from ._labels import label

    rows = [
        {
            "what": tr("The {table} is not in the data", table=tr(_TABLE_WORDS[t])),
            "consequence": tr(_MISSING_CONSEQUENCE[t]),
        }
        for t in book.missing_tables()
    ]
    if book.revenue_source() == "accounts.monthly_revenue":
        rows.append(
            {
                "what": tr("No billing table: revenue is each account's monthly charge"),
                "consequence": tr(
                    "revenue is a monthly charge, not a period total; shares and tiers are of "
                    "monthly revenue; no product view"
                ),
            }
        )
    if book.revenue_source() == "accounts.lifetime_revenue":
        rows.append(
            {
                "what": tr("No billing table: revenue is each account's lifetime revenue"),
                "consequence": tr(
                    "revenue is cumulative since each account joined, not revenue over the "
                    "period: long-standing accounts weigh more; no product view"
                ),
            }
        )
    if book.revenue_source() is None:
        rows.append(
            {
                "what": tr("No revenue at all"),
                "consequence": tr("no tiers, concentration or profit"),
            }
        )
    absent = missing_parts(book)
    unmet = _coverage.unmet(book)
    for table, columns in absent.items():
        if table == "tables":
            continue
        for col in columns:
            # the parts this column could have filled, had no alternative been there
            empty = [tr(p.label) for p in _coverage.left_empty_by(book, f"{table}.{col}")]
            consequence = (
                tr("{parts} cannot be shown", parts=names_list(empty))
                if empty
                else tr(_COLUMN_CONSEQUENCE.get(col, _NO_PART_ALONE))
            )
            rows.append(
                {
                    "what": tr(
                        "The {table} has no {column}",
                        table=tr(_TABLE_WORDS[table]),
                        column=_in_sentence(col),
                    ),
                    "consequence": consequence,
                }
            )
    for part, reason in unmet:
        rows.append(
            {
                "what": tr("The report cannot show {part}", part=tr(part.label)),
                "consequence": reason,
            }
        )
    for issue in book.notes:
        table = tr(_TABLE_WORDS[issue.table]) if issue.table in _TABLE_WORDS else label(issue.table)
        rows.append(
            {
                "what": tr("{column} in the {table}", column=label(issue.column), table=table)
                if issue.column
                else tr("The {table}", table=table),
                "consequence": issue.text,
            }
        )
    for col, rule in sorted(book.assumed.items()):
        rows.append(
            {
                "what": tr(
                    "{column} is not in the data: the mapping sets it ({rule})",
                    column=label(col.rsplit(".", 1)[-1]),
                    rule=rule,
                ),
                "consequence": tr(
                    "an assumption, not a measurement: figures that rest on it say so"
                ),
            }
        )
    return DataQuality(pd.DataFrame(rows, columns=["what", "consequence"]))


#: what an absent column costs when no part of the report rests on it alone
_COLUMN_CONSEQUENCE = {
    "name": N_("accounts are shown by their ids"),
    "customer_type": N_("no split by key account / business / residential"),
    "churn_date": N_("no churn timing; survival uses the tenure in months"),
    "satisfaction": N_("satisfaction is not used in loyalty or churn drivers"),
    "contract": N_("contracts are not used in loyalty or churn drivers"),
    "tenure_months": N_("tenure is not used in loyalty or churn drivers"),
    "churn_type": N_("churn is not split into voluntary, involuntary and migration"),
    "competitor": N_("the competitors churned accounts left for are not named"),
    "parent_id": N_("accounts of one parent company are not seen as a group"),
    "account_manager": N_("no figures per account manager"),
}
_NO_PART_ALONE = N_("no part of the report rests on it alone: the report goes on without it")


_MISSING_CONSEQUENCE = {
    "billing": N_("revenue by product and month, product-level actions, migration ARPU change"),
    "costs": N_("cost to serve, profit, the whale curve and profit rules of thumb"),
    "usage": N_("group-churn warnings, usage trends and complaint signals"),
    "contacts": N_("the retention funnel"),
    "assignments": N_("churn after an account manager left, key-person turnover"),
    "contracts": N_("contract payback"),
    "tickets": N_("response and repair times against the service promises"),
    "surveys": N_("satisfaction over time"),
}


def json_safe(v: Any) -> Any:
    """JSON-safe: numpy scalars to Python, NaN/inf to null."""
    if isinstance(v, dict):
        return {str(k): json_safe(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [json_safe(x) for x in v]
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        f = float(v)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if v is pd.NA or v is pd.NaT:
        return None
    return v


#: revenue sources that are revenue over the observation period (metrics.json's revenue)
_PERIOD = ("billing", "accounts.total_revenue")


def branch_metrics(
    book: Book,
    branch: str | None,
    *,
    scheme: str | Path | dict | None = None,
    cost_model: Any = None,
) -> dict[str, Any]:
    """The figures of ``metrics.json`` for one branch (see ``docs/metrics.md``).

    ``scheme`` (a tier scheme) and ``cost_model`` are passed to :func:`kamlib.value_tiers`
    and :func:`kamlib.customer_pnl`, so the metrics match a report run with them.
    ``branch=None`` gives the same figures for the whole operator (the overview's
    ``operator.json``): its own shares and rates, not an average of the branches'. The
    report builder (:func:`kamlib.build_report`) computes the same figures with
    :func:`metrics_of` from the results it already holds.
    """
    from .profit import customer_pnl
    from .segment import value_tiers

    b = book if branch is None else book.branch(branch)
    pnl = customer_pnl(b, cost_model=cost_model)
    return metrics_of(book, branch, pnl=pnl, tiers=value_tiers(b, scheme=scheme))


def metrics_of(
    book: Book,
    branch: str | None,
    *,
    pnl: Any,
    tiers: Any,
    whale: Any = None,
    revenue_concentration: Any = None,
    types: Any = None,
) -> dict[str, Any]:
    """The figures of ``metrics.json`` from results already computed for the branch.

    ``pnl`` (:func:`kamlib.customer_pnl`) and ``tiers`` (:func:`kamlib.value_tiers`) are
    required; ``whale``, ``revenue_concentration`` and ``types`` (:func:`kamlib.churn_types`)
    are computed from the branch when not given. One definition of every figure, shared by
    :func:`branch_metrics` and the report builder.
    """
    b = book if branch is None else book.branch(branch)
    acc = b.accounts
    rev = b.period_revenue()
    months = b.months()
    out: dict[str, Any] = {
        "branch": branch,
        "currency": book.currency,
        "period_start": months[0].strftime("%Y-%m") if len(months) else None,
        "period_end": book.as_of.strftime("%Y-%m-%d") if book.as_of is not None else None,
        "accounts": len(acc),
        "revenue": float(rev.sum()) if rev is not None and b.revenue_source() in _PERIOD else None,
        "revenue_source": b.revenue_source(),
        "revenue_basis": b.revenue_basis,
        "churned": int((acc["status"] == "churned").sum()),
    }
    out.update(profit_metrics(b, pnl=pnl, whale=whale, revenue=revenue_concentration))
    out.update(churn_metrics(b, types=types))
    out["tiers"] = (
        {str(k): int(v) for k, v in tiers.table["accounts"].items()} if len(tiers.table) else None
    )
    out["assumed"] = [f"{col}: {rule}" for col, rule in sorted(book.assumed.items())]
    return json_safe(out)


def churn_metrics(b: Book, *, types: Any = None) -> dict[str, Any]:
    """The churn figures of metrics.json (``types``: :func:`kamlib.churn_types` of ``b``
    when already computed)."""
    from .churn import account_year_rate, churn_rates, churn_rules, churn_types

    acc = b.accounts
    lost = acc[acc["status"] == "churned"]
    rates = churn_rates(b, by=None).table  # empty when every account left before the period
    types = (types if types is not None else churn_types(b)).table
    min_accounts = churn_rules()["min_accounts"]
    r = rates.iloc[0] if len(rates) and len(acc) >= min_accounts else None
    per_year = account_year_rate(b)
    out: dict[str, Any] = {
        "churn_rate": None if r is None else float(r["rate"]),
        "churn_rate_ci": None if r is None else [float(r["ci_low"]), float(r["ci_high"])],
        "period_months": per_year["period_months"],
        "churn_rate_per_account_year": None if r is None else per_year["rate"],
        # a type the mapping's rule never sets is not known (null), not a measured 0
        "churn_by_type": {
            str(k): None if pd.isna(v) else int(v) for k, v in types["accounts"].items()
        },
        "churn_by_cause_group": None,
        "churn_by_category": None,
        "top_churn_cause": None,
    }
    if "churn_cause_group" in lost:
        out["churn_by_cause_group"] = {
            str(k): int(v)
            for k, v in lost["churn_cause_group"].fillna("unknown").value_counts().items()
        }
    if "churn_category" in lost and lost["churn_category"].notna().any():
        out["churn_by_category"] = {
            str(k): int(v) for k, v in lost["churn_category"].value_counts().items()
        }
    elif out["churn_by_cause_group"] is not None:
        out["churn_by_category"] = out[
            "churn_by_cause_group"
        ]  # no source categories: the taxonomy's groups
    if "churn_cause" in lost and lost["churn_cause"].notna().any():
        counts = lost["churn_cause"].value_counts()
        out["top_churn_cause"] = str(counts.index[0])
    return out


def profit_metrics(
    b: Book,
    *,
    cost_model: Any = None,
    pnl: Any = None,
    whale: Any = None,
    revenue: Any = None,
) -> dict[str, Any]:
    """The 80/20 figures of metrics.json (null where the data cannot give them).

    ``pnl``, ``whale`` (:func:`kamlib.whale_curve`) and ``revenue`` (the revenue
    :func:`kamlib.concentration`) are used when already computed.
    """
    from .profit import concentration, customer_pnl, is_loss_making, whale_curve

    pnl = pnl if pnl is not None else customer_pnl(b, cost_model=cost_model)
    t = pnl.table
    rev = revenue if revenue is not None else concentration(b, value="revenue", pnl=pnl)
    out: dict[str, Any] = {
        "profit": float(t["profit"].sum()) if pnl.has_costs else None,
        "top20_revenue_share": rev.top_share,
        "gini_revenue": rev.gini,
        "top20_profit_share": None,
        "whale_peak_share": None,
        "whale_peak_at": None,
        "unprofitable_share": None,
    }
    if pnl.has_costs and len(t):
        w = whale if whale is not None else whale_curve(b, pnl=pnl)
        if w.meaningful:
            # the same top group as rules_of_thumb: the top 20% of accounts with a profit
            k = concentration(b, value="profit", pnl=pnl).top_accounts
            out["top20_profit_share"] = float(t["profit"].nlargest(k).sum()) / w.total
            out["whale_peak_share"] = w.peak_share
        out["whale_peak_at"] = w.peak_at
        # the one definition of loss-making: profit below the break-even band (profit_groups)
        out["unprofitable_share"] = float(is_loss_making(t).sum() / t["profit"].notna().sum())
    return out


#: The league table's columns: metrics.json key -> (heading, format in index.html).
#: ``league_table`` and the batch's index.html both show exactly these.
#: The headings are marked for the catalogue: show them with ``tr(heading)``.
LEAGUE_COLUMNS: dict[str, tuple[str, str]] = {
    "accounts": (N_("accounts"), "{:,.0f}"),
    "revenue": (N_("revenue"), "{:,.0f}"),
    "profit": (N_("profit"), "{:,.0f}"),
    "top20_revenue_share": (N_("top 20% revenue share"), "{:.0%}"),
    "gini_revenue": (N_("Gini (revenue)"), "{:.2f}"),
    "top20_profit_share": (N_("top 20% profit share"), "{:.0%}"),
    "whale_peak_share": (N_("whale peak"), "{:.0%}"),
    "unprofitable_share": (N_("loss-making accounts"), "{:.0%}"),
    "churned": (N_("churned"), "{:,.0f}"),
    "churn_rate": (N_("churn rate"), "{:.1%}"),
    "top_churn_cause": (N_("top churn cause"), "{}"),
}


class LeagueTable(TableResult):
    """Every branch side by side (:func:`league_table`): one row per branch with the
    figures of its ``metrics.json`` named in :data:`LEAGUE_COLUMNS`."""

    _bar = "accounts"

    def summary(self) -> pd.DataFrame:
        t = self.table
        return figures(
            {
                "branches": len(t),
                "accounts": int(t["accounts"].sum()),
                "churned": int(t["churned"].sum()),
            }
        )


def league_table(
    book: Book, *, scheme: str | Path | dict | None = None, cost_model: Any = None
) -> LeagueTable:
    """Every branch side by side: the figures of its ``metrics.json`` (one row each).

    Missing figures (no costs, too few accounts for a rate) stay missing (NaN/None).

    Examples
    --------
    >>> import kamlib
    >>> t = kamlib.league_table(kamlib.load(kamlib.sample_path()))
    >>> int(t.table["accounts"].sum())
    2000
    """
    rows = [branch_metrics(book, br, scheme=scheme, cost_model=cost_model) for br in book.branches]
    t = pd.DataFrame(rows, columns=["branch", *LEAGUE_COLUMNS]).set_index("branch")
    missing = [c for c in LEAGUE_COLUMNS if t[c].isna().all()]
    from ._labels import label

    figures_missing = ""
    for i, c in enumerate(missing):  # listed in the reader's language: "a, b" / "a、b"
        name = label(c)
        figures_missing = (
            name if i == 0 else tr("{earlier}, {next}", earlier=figures_missing, next=name)
        )
    notes = (
        (tr("No branch has these figures in the data: {figures}", figures=figures_missing),)
        if missing
        else ()
    )
    return LeagueTable(t.astype({"accounts": int, "churned": int}), notes)


def write_metrics(metrics: dict[str, Any], output_dir: str | os.PathLike) -> Path:
    """Write ``metrics.json`` atomically into ``output_dir``."""
    text = json.dumps(json_safe(metrics), indent=2, ensure_ascii=False)
    return write_text(Path(output_dir) / "metrics.json", text)
