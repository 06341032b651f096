"""Churn causes: rates, types, the cause tree, what is real, warnings and the funnel.

Small numbers are handled honestly: below ``MIN_ACCOUNTS`` accounts a group gets counts
and no rate; below ``MIN_CHURNERS`` churners no test is run and the table says why.

Denominators: an account counts in a period's churn rate when it was a customer at some
time in the period (active at its start, or joined during it) and had not churned before
it began. ``include_new=False`` leaves out those that joined inside the period.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._book import Book
from ._config import cause_taxonomy

__all__ = [
    "MIN_ACCOUNTS",
    "MIN_CHURNERS",
    "wilson_interval",
    "churn_rates",
    "churn_types",
    "cause_tree",
    "CauseAssociation",
    "cause_association",
    "churn_drivers",
    "retention_curves",
    "cumulative_incidence",
    "group_warnings",
    "WARNING_RULES",
    "retention_funnel",
    "retention_economics",
    "RETENTION_ASSUMPTIONS",
]

#: Below this many accounts a group's churn rate is not shown, only its counts.
MIN_ACCOUNTS = 30
#: Below this many churners no statistical test is run.
MIN_CHURNERS = 20


def wilson_interval(k: int | np.ndarray, n: int | np.ndarray, *, alpha: float = 0.05):
    """Wilson score interval for k successes out of n (statsmodels' implementation)."""
    from statsmodels.stats.proportion import proportion_confint

    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    safe = np.where(n > 0, n, 1)
    lo, hi = proportion_confint(k, safe, alpha=alpha, method="wilson")
    return np.where(n > 0, lo, np.nan), np.where(n > 0, hi, np.nan)


def _base(book: Book, include_new: bool) -> pd.DataFrame:
    """Accounts in the churn denominator, with a churned flag and monthly revenue."""
    acc = book.accounts.copy()
    months = book.months()
    start = months[0] if len(months) else None
    keep = pd.Series(True, index=acc.index)
    if start is not None and "churn_date" in acc:
        keep &= ~((acc["status"] == "churned") & (acc["churn_date"] < start))
    if not include_new and start is not None and "join_date" in acc:
        keep &= ~(acc["join_date"] >= start)
    acc = acc.loc[keep]
    acc["churned"] = (acc["status"] == "churned").astype(int)
    m = book.monthly_revenue()
    acc["monthly_revenue"] = m.reindex(acc["account_id"]).to_numpy() if m is not None else np.nan
    return acc


def _group_keys(acc: pd.DataFrame, by: str | list[str] | pd.Series | None) -> list[Any]:
    if by is None:
        return [pd.Series("all", index=acc.index, name="group")]
    if isinstance(by, pd.Series):  # aligned on account_id
        return [acc["account_id"].map(by).rename(by.name or "group")]
    return [acc[c] for c in ([by] if isinstance(by, str) else by)]


def churn_rates(
    book: Book,
    *,
    by: str | list[str] | pd.Series | None = "branch",
    include_new: bool = True,
    min_accounts: int = MIN_ACCOUNTS,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Churn rate by accounts and by revenue, with Wilson intervals, per group.

    Parameters
    ----------
    by
        An accounts column, a list of them, or a Series (index: account_id) such as value
        tiers; None for one overall row.
    include_new
        Count accounts that joined inside the period in the denominator.
    min_accounts
        Groups smaller than this get counts only: rate and interval are NaN and
        ``reliable`` is False.

    Examples
    --------
    >>> import kamlib
    >>> r = kamlib.churn_rates(kamlib.load(kamlib.sample_path()), by="customer_type")
    >>> list(r.columns[:4])
    ['accounts', 'churned', 'rate', 'ci_low']
    """
    acc = _base(book, include_new)
    keys = _group_keys(acc, by)
    acc = acc.assign(lost_revenue=acc["monthly_revenue"].where(acc["churned"] == 1, 0.0))
    g = acc.groupby(keys, observed=True, dropna=False)
    out = g.agg(
        accounts=("churned", "size"),
        churned=("churned", "sum"),
        monthly_revenue=("monthly_revenue", "sum"),
        lost_monthly_revenue=("lost_revenue", "sum"),
    )
    lo, hi = wilson_interval(out["churned"].to_numpy(), out["accounts"].to_numpy(), alpha=alpha)
    reliable = out["accounts"] >= min_accounts
    out.insert(2, "rate", np.where(reliable, out["churned"] / out["accounts"], np.nan))
    out.insert(3, "ci_low", np.where(reliable, lo, np.nan))
    out.insert(4, "ci_high", np.where(reliable, hi, np.nan))
    out["revenue_rate"] = np.where(
        reliable & (out["monthly_revenue"] > 0),
        out["lost_monthly_revenue"] / out["monthly_revenue"],
        np.nan,
    )
    out["reliable"] = reliable
    return out


def churn_types(book: Book) -> pd.DataFrame:
    """Accounts by churn type: counts, shares of lost accounts, revenue lost per month.

    Internal migration is not a loss: it is listed with the average change in monthly
    revenue (ARPU) it caused, from billing before and after the migration date.
    """
    acc = _base(book, True)
    labels = {
        "migration": "internal migration (内部转移)",
        "voluntary": "voluntary (主动流失)",
        "involuntary": "involuntary (被动流失)",
    }
    ctype = acc["churn_type"] if "churn_type" in acc else pd.Series(pd.NA, index=acc.index)
    lost = acc["churned"] == 1
    ctype = ctype.where(~(lost & ctype.isna()), "unknown")
    rows = []
    n_lost = int(lost.sum())
    for t in ["voluntary", "involuntary", "unknown", "migration"]:
        m = ctype == t
        if not m.any() and t == "unknown":
            continue
        rows.append(
            {
                "type": labels.get(t, "churned, type not recorded"),
                "code": t,
                "accounts": int(m.sum()),
                "share of lost": (m & lost).sum() / n_lost
                if (t != "migration" and n_lost)
                else np.nan,
                "monthly revenue lost": float(acc.loc[m & lost, "monthly_revenue"].sum())
                if t != "migration"
                else 0.0,
            }
        )
    out = pd.DataFrame(rows).set_index("code")
    out["ARPU change"] = np.nan
    if book.has("billing") and "churn_date" in acc and (ctype == "migration").any():
        mig = acc.loc[ctype == "migration", ["account_id", "churn_date"]]
        bill = (
            book.table("billing").groupby(["account_id", "month"], as_index=False)["revenue"].sum()
        )
        bill = bill.merge(mig, on="account_id")
        bill["after"] = bill["month"] >= bill["churn_date"].dt.to_period("M").dt.to_timestamp()
        per = bill.groupby(["account_id", "after"])["revenue"].mean().unstack()
        if True in per and False in per:
            change = (per[True] - per[False]).dropna()
            out.loc["migration", "ARPU change"] = float(change.mean()) if len(change) else np.nan
    return out


def cause_tree(book: Book, *, by: str | pd.Series | None = None, lang: str = "en") -> pd.DataFrame:
    """Lost accounts by cause group -> cause: counts, shares and monthly revenue lost.

    With ``by`` (an accounts column or a Series on account_id) the counts are crossed
    with it (one column per value).
    """
    acc = _base(book, True)
    lost = acc[acc["churned"] == 1].copy()
    tax = cause_taxonomy()
    if "churn_cause" not in lost:
        lost["churn_cause"] = pd.NA
    lost["churn_cause"] = lost["churn_cause"].fillna("unknown")
    lost["group"] = lost["churn_cause"].map(tax["group"]).fillna("unknown")
    label = "en" if lang == "en" else "zh"
    if by is None:
        t = lost.groupby(["group", "churn_cause"]).agg(
            accounts=("account_id", "size"), monthly_revenue_lost=("monthly_revenue", "sum")
        )
        t["share"] = t["accounts"] / max(len(lost), 1)
        t["group share"] = t.groupby(level="group")["accounts"].transform("sum") / max(len(lost), 1)
        t.insert(0, "cause", t.index.get_level_values("churn_cause").map(tax[label]))
        return t.sort_values(["group share", "accounts"], ascending=False)
    key = lost["account_id"].map(by) if isinstance(by, pd.Series) else lost[by]
    return (
        pd.crosstab([lost["group"], lost["churn_cause"]], key.fillna("unknown"))
        if len(lost)
        else pd.DataFrame()
    )


@dataclass
class CauseAssociation:
    """Chi-square test of cause x segment, with adjusted residuals and Cramér's V.

    ``testable`` is False (and ``reason`` says why) when there are too few churners or
    only one row or column: then only the counts in ``observed`` are meaningful.
    """

    observed: pd.DataFrame
    testable: bool
    reason: str = ""
    expected: pd.DataFrame | None = None
    residuals: pd.DataFrame | None = None
    chi2: float = math.nan
    dof: int = 0
    pvalue: float = math.nan
    cramers_v: float = math.nan
    low_expected: int = 0
    standouts: pd.DataFrame = field(default_factory=pd.DataFrame)

    def summary(self) -> str:
        if not self.testable:
            return f"No test: {self.reason}. Counts only."
        strength = (
            "weak" if self.cramers_v < 0.1 else "moderate" if self.cramers_v < 0.3 else "strong"
        )
        real = (
            "real (p < 0.05)"
            if self.pvalue < 0.05
            else "not distinguishable from noise (p >= 0.05)"
        )
        s = (
            f"Causes differ between segments: chi-square {self.chi2:.1f} on {self.dof} df, "
            f"p = {self.pvalue:.3g}; the difference is {real}, {strength} (Cramér's V {self.cramers_v:.2f})."
        )
        if self.low_expected:
            s += f" {self.low_expected} cell(s) expect fewer than 5 churners: read them with care."
        if len(self.standouts):
            s += (
                " Stand-outs: "
                + "; ".join(
                    f"{r.row} in {r.column} ({'more' if r.residual > 0 else 'fewer'} than expected, "
                    f"residual {r.residual:+.1f})"
                    for r in self.standouts.itertuples()
                )
                + "."
            )
        return s

    def plot(self, *, ax=None):
        """Heatmap of adjusted residuals (or counts when untestable)."""
        import matplotlib.pyplot as plt
        import seaborn as sns

        ax = ax or plt.gca()
        if self.observed.empty:
            ax.text(
                0.5,
                0.5,
                f"No cause x segment table: {self.reason}",
                ha="center",
                va="center",
                transform=ax.transAxes,
            )
            ax.set_axis_off()
            return ax
        if self.testable and self.residuals is not None:
            sns.heatmap(
                self.residuals,
                center=0,
                cmap="RdBu_r",
                annot=True,
                fmt=".1f",
                ax=ax,
                cbar_kws={"label": "adjusted residual"},
            )
            ax.set_title("Causes by segment: more (red) or fewer (blue) churners than expected")
        else:
            sns.heatmap(self.observed, annot=True, fmt="d", cmap="Greys", ax=ax, cbar=False)
            ax.set_title(f"Churners by cause and segment (no test: {self.reason})")
        ax.set_xlabel("")
        ax.set_ylabel("")
        return ax


def cause_association(
    book: Book,
    *,
    by: str | pd.Series = "customer_type",
    level: str = "churn_cause_group",
    min_churners: int = MIN_CHURNERS,
    threshold: float = 2.0,
) -> CauseAssociation:
    """Is the mix of churn causes really different between segments?

    Pearson's chi-square on the cause x segment table of lost accounts (statsmodels'
    ``Table``), adjusted standardised residuals per cell (|r| > ``threshold`` stands
    out), Cramér's V = sqrt(chi2 / (n (min(r, c) - 1))) and the count of cells with
    expected frequency below 5.
    """
    from statsmodels.stats.contingency_tables import Table

    acc = _base(book, True)
    lost = acc[acc["churned"] == 1]
    if len(lost) < min_churners:
        return CauseAssociation(
            pd.DataFrame(), False, f"only {len(lost)} churners (fewer than {min_churners})"
        )
    if level not in lost:
        return CauseAssociation(pd.DataFrame(), False, f"the data have no {level}")
    seg = lost["account_id"].map(by) if isinstance(by, pd.Series) else lost.get(by)
    if seg is None or seg.isna().all():
        return CauseAssociation(pd.DataFrame(), False, f"the data have no {by}")
    obs = pd.crosstab(lost[level].fillna("unknown"), seg.fillna("unknown"))
    obs = obs.loc[obs.sum(axis=1) > 0, obs.sum(axis=0) > 0]
    n = int(obs.to_numpy().sum())
    if n < min_churners:
        return CauseAssociation(obs, False, f"only {n} churners (fewer than {min_churners})")
    if min(obs.shape) < 2:
        return CauseAssociation(obs, False, "only one cause or one segment")
    t = Table(obs.to_numpy())
    test = t.test_nominal_association()
    chi2, dof, p = float(test.statistic), int(test.df), float(test.pvalue)
    expected = pd.DataFrame(t.fittedvalues, index=obs.index, columns=obs.columns)
    resid = pd.DataFrame(t.standardized_resids, index=obs.index, columns=obs.columns)
    v = math.sqrt(chi2 / (n * (min(obs.shape) - 1)))
    st = resid.stack()
    st = st[st.abs() > threshold].sort_values(key=np.abs, ascending=False)
    standouts = pd.DataFrame(
        {
            "row": [i[0] for i in st.index],
            "column": [i[1] for i in st.index],
            "residual": st.to_numpy(),
            "observed": [obs.loc[i] for i in st.index],
            "expected": [expected.loc[i] for i in st.index],
        }
    )
    return CauseAssociation(
        obs,
        True,
        "",
        expected,
        resid,
        chi2,
        dof,
        p,
        v,
        int((expected.to_numpy() < 5).sum()),
        standouts,
    )


def churn_drivers(
    book: Book, *, min_churners: int = 50, extra: list[str] | None = None
) -> dict[str, Any]:
    """Logistic regression of churn on its drivers, as odds ratios with 95% intervals.

    Drivers used where present: tenure (years), contract, customer type, satisfaction,
    complaints per month (usage) and log monthly revenue, plus ``extra`` account columns.
    Returns ``{"table": odds ratios, "reading": plain sentences, "n": accounts,
    "note": why nothing was fitted}``.
    """
    import statsmodels.api as sm

    acc = _base(book, True)
    n_churn = int(acc["churned"].sum())
    if n_churn < min_churners or n_churn == len(acc):
        return {
            "table": pd.DataFrame(),
            "reading": [],
            "n": len(acc),
            "note": f"not fitted: {n_churn} churners among {len(acc)} accounts (needs at least {min_churners} and some who stayed)",
        }
    X = pd.DataFrame(index=acc.index)
    if "tenure_months" in acc and acc["tenure_months"].notna().any():
        X["tenure (years)"] = acc["tenure_months"] / 12
    if acc["monthly_revenue"].notna().any() and (acc["monthly_revenue"] > 0).any():
        X["log monthly revenue"] = np.log1p(acc["monthly_revenue"].clip(lower=0))
    if "satisfaction" in acc and acc["satisfaction"].notna().any():
        X["satisfaction (1-5)"] = acc["satisfaction"]
    if book.has("usage"):
        u = book.table("usage").groupby("account_id")["complaints"].mean()
        X["complaints per month"] = acc["account_id"].map(u).to_numpy()
    cats = [
        c
        for c in ["contract", "customer_type", *(extra or [])]
        if c in acc and acc[c].nunique() > 1
    ]
    for c in cats:
        col = acc[c].astype("string").fillna("unknown")
        base = col.value_counts().index[0]  # the most common level is the reference
        d = pd.get_dummies(col, prefix=c, prefix_sep=": ", dtype=float).drop(columns=f"{c}: {base}")
        X = X.join(d)
    data = X.join(acc["churned"]).dropna()
    X, y = data.drop(columns="churned"), data["churned"]
    X = X.loc[:, X.std() > 0]
    try:
        fit = sm.Logit(y, sm.add_constant(X)).fit(disp=False, maxiter=200)
    except Exception as e:  # perfect separation, singular matrix
        return {"table": pd.DataFrame(), "reading": [], "n": len(data), "note": f"not fitted: {e}"}
    ci = fit.conf_int()
    table = pd.DataFrame(
        {
            "odds ratio": np.exp(fit.params),
            "ci_low": np.exp(ci[0]),
            "ci_high": np.exp(ci[1]),
            "p": fit.pvalues,
        }
    ).drop(index="const")
    reading = []
    for name, r in table.iterrows():
        if r["p"] >= 0.05:
            continue
        direction = "raises" if r["odds ratio"] > 1 else "lowers"
        unit = "each unit of " if not str(name).count(": ") else "being "
        reading.append(
            f"{unit}{name} {direction} the odds of churning {r['odds ratio']:.2f}x "
            f"(95% CI {r['ci_low']:.2f}-{r['ci_high']:.2f})"
        )
    return {"table": table, "reading": reading, "n": len(data), "note": ""}


def _durations(book: Book) -> pd.DataFrame:
    acc = book.accounts
    if "tenure_months" not in acc or acc["tenure_months"].isna().all():
        return pd.DataFrame()
    d = acc[["account_id", "tenure_months", "status"]].dropna(subset=["tenure_months"]).copy()
    d["event"] = (d["status"] == "churned").astype(int)
    d["group"] = (
        acc.loc[d.index, "churn_cause_group"].fillna("unknown")
        if "churn_cause_group" in acc
        else "unknown"
    )
    return d


def retention_curves(
    book: Book, *, by: str | pd.Series = "customer_type", min_accounts: int = MIN_ACCOUNTS
) -> pd.DataFrame:
    """Kaplan-Meier retention by group over tenure (months), statsmodels' SurvfuncRight.

    Tidy: one row per group and event time with ``retained`` (survival) and its 95%
    interval. Groups below ``min_accounts`` are left out.
    """
    from statsmodels.duration.survfunc import SurvfuncRight

    d = _durations(book)
    if d.empty:
        return pd.DataFrame()
    key = d["account_id"].map(by) if isinstance(by, pd.Series) else book.accounts.loc[d.index, by]
    rows = []
    for g, part in d.groupby(key.fillna("unknown")):  # a loop over a handful of groups
        if len(part) < min_accounts or part["event"].sum() == 0:
            continue
        sf = SurvfuncRight(part["tenure_months"].to_numpy(), part["event"].to_numpy())
        se = sf.surv_prob_se  # pointwise 95% band: estimate +/- 1.96 se
        rows.append(
            pd.DataFrame(
                {
                    "group": g,
                    "months": sf.surv_times,
                    "retained": sf.surv_prob,
                    "ci_low": np.clip(sf.surv_prob - 1.96 * se, 0, 1),
                    "ci_high": np.clip(sf.surv_prob + 1.96 * se, 0, 1),
                    "accounts": len(part),
                }
            )
        )
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def cumulative_incidence(book: Book) -> pd.DataFrame:
    """Cumulative incidence of churn by cause group, as competing risks (CumIncidenceRight)."""
    from statsmodels.duration.survfunc import CumIncidenceRight

    d = _durations(book)
    if d.empty or d["event"].sum() == 0:
        return pd.DataFrame()
    groups = sorted(d.loc[d["event"] == 1, "group"].unique())
    code = (
        d["group"]
        .map({g: i + 1 for i, g in enumerate(groups)})
        .where(d["event"] == 1, 0)
        .astype(int)
    )
    ci = CumIncidenceRight(d["tenure_months"].to_numpy(), code.to_numpy())
    out = []
    for i, g in enumerate(groups):
        out.append(pd.DataFrame({"group": g, "months": ci.times, "incidence": ci.cinc[i]}))
    return pd.concat(out, ignore_index=True)


#: Group-churn warning rules (documented, overridable): a group is an account with at
#: least ``min_lines`` lines; compare its last ``window`` months with the ``window``
#: months before; warn when the share of calls forwarded to other operators rose by at
#: least ``forward_rise`` (absolute) AND the group bill fell by at least ``bill_drop``.
WARNING_RULES = {"min_lines": 20, "window": 3, "forward_rise": 0.04, "bill_drop": 0.2}


def group_warnings(book: Book, **rules: float) -> pd.DataFrame:
    """Groups whose forwarding to other operators rises while their group bill falls.

    Ranked by revenue at risk (the baseline monthly group bill x 12). Each group is read
    over its own last months, so a group that already left shows the signals it gave
    before leaving (``status`` says which).
    """
    r = {**WARNING_RULES, **rules}
    if not book.has("usage"):
        return pd.DataFrame()
    u = book.table("usage").sort_values(["account_id", "month"])
    lines = u.groupby("account_id")["lines"].max()
    big = lines[lines >= r["min_lines"]].index
    u = u[u["account_id"].isin(big)].copy()
    w = int(r["window"])
    u["pos"] = u.groupby("account_id").cumcount(ascending=False)  # 0 = the account's last month
    pos = u["pos"].to_numpy()
    u["period"] = np.where(pos < w, "recent", np.where(pos < 2 * w, "baseline", ""))
    u = u[u["period"] != ""]
    agg = (
        u.groupby(["account_id", "period"])[["calls", "forwarded_calls", "group_bill"]]
        .sum()
        .unstack("period")
    )
    if agg.empty or "baseline" not in agg["calls"]:
        return pd.DataFrame()
    share = agg["forwarded_calls"] / agg["calls"].where(agg["calls"] > 0)
    out = pd.DataFrame(
        {
            "forwarded share before": share["baseline"],
            "forwarded share now": share["recent"],
            "group bill before": agg["group_bill"]["baseline"] / w,
            "group bill now": agg["group_bill"]["recent"] / w,
        }
    )
    out["forwarding rise"] = out["forwarded share now"] - out["forwarded share before"]
    out["bill change"] = (
        out["group bill now"] / out["group bill before"].where(out["group bill before"] > 0) - 1
    )
    out["warning"] = (out["forwarding rise"] >= r["forward_rise"]) & (
        out["bill change"] <= -r["bill_drop"]
    )
    out["revenue at risk (year)"] = out["group bill before"] * 12
    acc = book.accounts.set_index("account_id")
    out = out.join(acc[[c for c in ("name", "branch", "status", "lines") if c in acc]], how="left")
    out["lines"] = lines.reindex(out.index)
    return out.sort_values(["warning", "revenue at risk (year)"], ascending=False)


def retention_funnel(book: Book, *, by: str | None = None) -> pd.DataFrame:
    """Warned -> reached -> intent to leave -> retained, with conversion at each step."""
    if not book.has("contacts"):
        return pd.DataFrame()
    c = book.table("contacts").copy()
    for col in ("reached", "intent_to_leave", "retained"):
        c[col] = c[col].fillna(False).astype(bool)
    if by is not None:
        c[by] = c["account_id"].map(book.accounts.set_index("account_id")[by])
    keys = [by] if by else [pd.Series("all", index=c.index, name="group")]
    g = c.groupby(keys, observed=True)
    out = pd.DataFrame(
        {
            "warned": g.size(),
            "reached": g["reached"].sum(),
            "intent to leave": g["intent_to_leave"].sum(),
            "retained": g["retained"].sum(),
        }
    )
    out["reached / warned"] = out["reached"] / out["warned"]
    out["intent / reached"] = out["intent to leave"] / out["reached"].where(out["reached"] > 0)
    out["retained / intent"] = out["retained"] / out["intent to leave"].where(
        out["intent to leave"] > 0
    )
    out["retained / warned"] = out["retained"] / out["warned"]
    return out


#: Economics of retention, from the domain brief; every figure is an assumption to change.
RETENTION_ASSUMPTIONS = {
    "acquisition_to_retention_cost": 5.0,  # acquiring a customer costs 4-5x keeping one
    "retention_cost_per_contact": 150.0,  # cost of one retention attempt (currency)
    "months_of_revenue_saved": 12,  # how long a retained account is assumed to stay
}


def retention_economics(book: Book, **assumptions: float) -> pd.DataFrame:
    """Revenue saved by the retained accounts against what the retention effort cost.

    The assumptions (``RETENTION_ASSUMPTIONS``, overridable) are rows of the table.
    """
    a = {**RETENTION_ASSUMPTIONS, **assumptions}
    f = retention_funnel(book)
    if f.empty:
        return pd.DataFrame()
    c = book.table("contacts")
    kept = c.loc[c["retained"].fillna(False).astype(bool), "account_id"]
    m = book.monthly_revenue()
    saved = (
        float(m.reindex(kept).sum()) * a["months_of_revenue_saved"] if m is not None else math.nan
    )
    spent = float(f["warned"].sum()) * a["retention_cost_per_contact"]
    replace = (
        float(len(kept)) * a["retention_cost_per_contact"] * a["acquisition_to_retention_cost"]
    )
    rows = {
        "accounts warned": float(f["warned"].sum()),
        "accounts retained": float(len(kept)),
        f"revenue saved over {a['months_of_revenue_saved']} months (assumed stay)": saved,
        "cost of retention contacts (assumed per contact)": spent,
        "cost of winning as many new customers instead (assumed multiple)": replace,
        "assumption: acquisition / retention cost": a["acquisition_to_retention_cost"],
        "assumption: cost per retention contact": a["retention_cost_per_contact"],
    }
    return pd.DataFrame({"value": rows})
