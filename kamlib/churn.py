"""Churn causes: rates, types, the cause tree, what is real, warnings and the funnel.

Small numbers are handled honestly: below ``min_accounts`` accounts a group gets counts
and no rate; below ``min_churners`` churners no test is run and the table says why. These
limits, the group-warning rules and the retention assumptions are in
``config/churn.yaml`` (override any with your own file or a dict: ``rules=``).

Denominators: an account counts in a period's churn rate when it was a customer at some
time in the period (active at its start, or joined during it) and had not churned before
it began. ``include_new=False`` leaves out those that joined inside the period.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._book import Book, lookup
from ._config import cause_taxonomy
from ._settings import settings
from ._stats import Association, association_test

__all__ = [
    "churn_rules",
    "wilson_interval",
    "churn_rates",
    "churn_by_period",
    "churn_types",
    "cause_tree",
    "cause_association",
    "churn_drivers",
    "retention_curves",
    "cumulative_incidence",
    "aalen_johansen",
    "group_warnings",
    "retention_funnel",
    "retention_economics",
    "plot_cause_pareto",
    "plot_churn_by_period",
    "plot_retention",
    "plot_incidence",
    "plot_funnel",
]


def churn_rules(rules: str | Path | dict | None = None) -> dict[str, Any]:
    """The churn rules: ``config/churn.yaml`` with the user's keys merged over.

    ``rules`` is a YAML path or a dict holding only the keys to change, e.g.
    ``{"warnings": {"window": 6}}``. An unknown key or a value of the wrong type is a
    ConfigError naming it.

    Examples
    --------
    >>> import kamlib
    >>> kamlib.churn.churn_rules()["min_accounts"]
    30
    """
    return settings("churn", rules, caller="churn_rules")


def _limit(given: int | None, key: str) -> int:
    """An explicit limit, else churn.yaml's."""
    return int(settings("churn")[key]) if given is None else given


def wilson_interval(k: int | np.ndarray, n: int | np.ndarray, *, alpha: float = 0.05):
    """Wilson score interval for k successes out of n (statsmodels' implementation)."""
    from statsmodels.stats.proportion import proportion_confint

    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    safe = np.where(n > 0, n, 1)
    lo, hi = proportion_confint(k, safe, alpha=alpha, method="wilson")
    return np.where(n > 0, lo, np.nan), np.where(n > 0, hi, np.nan)


def _base(book: Book, include_new: bool, columns: list[str] | None = None) -> pd.DataFrame:
    """Accounts in the churn denominator, with a churned flag and monthly revenue.

    ``columns``: the accounts columns the caller needs besides ``account_id`` (default
    all); fewer columns are fewer arrays to copy on millions of accounts.
    """
    acc = book.accounts
    months = book.months()
    start = months[0] if len(months) else None
    keep = np.ones(len(acc), dtype=bool)
    churned = (acc["status"] == "churned").to_numpy(dtype=bool, na_value=False)
    if start is not None and "churn_date" in acc:
        keep &= ~(churned & (acc["churn_date"] < start).to_numpy(dtype=bool, na_value=False))
    if not include_new and start is not None and "join_date" in acc:
        keep &= ~(acc["join_date"] >= start).to_numpy(dtype=bool, na_value=False)
    if columns is not None:
        acc = acc[["account_id", *dict.fromkeys(c for c in columns if c in acc)]]
    m = book.monthly_revenue()  # in the order of accounts: aligned by position
    revenue = m.to_numpy(dtype="float64", na_value=np.nan) if m is not None else np.nan
    # a new frame: the book's accounts are never modified
    acc = acc.assign(churned=churned.astype(int), monthly_revenue=revenue)
    return acc if keep.all() else acc.loc[keep]


def _filled(s: pd.Series, fill: str = "unknown") -> pd.Series:
    """Missing values shown as ``fill``; categories stay categories (cheap to group)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        if not s.isna().any():
            return s
        if fill not in s.cat.categories:
            s = s.cat.add_categories([fill])
        return s.fillna(fill)
    return s.astype("object").where(s.notna(), fill)


def _group_keys(acc: pd.DataFrame, by: str | list[str] | pd.Series | None) -> list[Any]:
    if by is None:
        return [pd.Series("all", index=acc.index, name="group")]
    if isinstance(by, pd.Series):  # aligned on account_id
        return [lookup(acc["account_id"], by).rename(by.name or "group")]
    return [acc[c] for c in ([by] if isinstance(by, str) else by)]


def churn_rates(
    book: Book,
    *,
    by: str | list[str] | pd.Series | None = "branch",
    include_new: bool = True,
    min_accounts: int | None = None,
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
        ``reliable`` is False (default: ``churn.yaml: min_accounts``).

    Examples
    --------
    >>> import kamlib
    >>> r = kamlib.churn_rates(kamlib.load(kamlib.sample_path()), by="customer_type")
    >>> list(r.columns[:4])
    ['accounts', 'churned', 'rate', 'ci_low']
    """
    min_accounts = _limit(min_accounts, "min_accounts")
    named = [by] if isinstance(by, str) else by if isinstance(by, list) else []
    acc = _base(book, include_new, columns=named)
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


def churn_by_period(
    book: Book,
    *,
    freq: str = "M",
    by: str | pd.Series | None = None,
    min_accounts: int | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Churn rate per month (``freq="M"``) or quarter (``"Q"``), with Wilson intervals.

    Denominator of a period: the accounts that were customers at some time in it (joined
    on or before its last day and not churned before its first day). Numerator: those
    whose ``churn_date`` falls in it. Periods span the billing months, else the churn
    dates up to the book's as-of date. Needs ``churn_date``; without it the result is
    empty with the reason in ``attrs["note"]``. Periods with fewer than ``min_accounts``
    accounts (default: ``churn.yaml: min_accounts``) get counts and no rate.

    Examples
    --------
    >>> import kamlib
    >>> q = kamlib.churn_by_period(kamlib.load(kamlib.sample_path()), freq="Q")
    >>> len(q)
    4
    """
    min_accounts = _limit(min_accounts, "min_accounts")
    acc = book.accounts
    if "churn_date" not in acc or acc["churn_date"].isna().all():
        out = pd.DataFrame()
        out.attrs["note"] = "no churn dates in the data: churn per period cannot be computed"
        return out
    months = book.months()
    if len(months):
        first, last = months[0], months[-1] + pd.offsets.MonthEnd(0)
    else:
        first = acc["churn_date"].min()
        last = book.as_of or acc["churn_date"].max()
    periods = pd.period_range(first, last, freq=freq)
    churned = (acc["status"] == "churned").to_numpy()
    cdate = acc["churn_date"].to_numpy(dtype="datetime64[ns]")
    join = (
        acc["join_date"].to_numpy(dtype="datetime64[ns]")
        if "join_date" in acc
        else np.full(len(acc), np.datetime64("NaT"), dtype="datetime64[ns]")
    )
    keys = None
    if by is not None:
        k = lookup(acc["account_id"], by) if isinstance(by, pd.Series) else acc[by]
        keys = k.astype("object").where(k.notna(), "unknown").to_numpy()
    rows = []
    for p in periods:  # a loop over a dozen periods, vectorised over accounts
        start = p.start_time.to_datetime64()
        end = p.end_time.to_datetime64()
        gone_before = churned & (cdate < start)
        joined = np.isnat(join) | (join <= end)
        in_p = joined & ~gone_before
        lost = churned & (cdate >= start) & (cdate <= end)
        frame = pd.DataFrame({"in": in_p, "lost": lost & in_p})
        g = frame.groupby(keys if keys is not None else np.zeros(len(frame)), dropna=False)
        part = g.sum()
        part.index = part.index if keys is not None else ["all"]
        part.insert(0, "period", str(p))
        rows.append(part)
    out = pd.concat(rows).rename(columns={"in": "accounts", "lost": "churned"})
    out.index.name = "group"
    out = out.reset_index().set_index(["period", "group"])
    lo, hi = wilson_interval(out["churned"].to_numpy(), out["accounts"].to_numpy(), alpha=alpha)
    ok = out["accounts"] >= min_accounts
    out["rate"] = np.where(ok, out["churned"] / out["accounts"].where(out["accounts"] > 0), np.nan)
    out["ci_low"] = np.where(ok, lo, np.nan)
    out["ci_high"] = np.where(ok, hi, np.nan)
    out["reliable"] = ok
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
    acc = _base(book, True, columns=["churn_cause", *([by] if isinstance(by, str) else [])])
    is_lost = acc["churned"].to_numpy() == 1
    # looked up on all accounts, in their own order (the fast path of lookup), then cut
    by_all = lookup(acc["account_id"], by) if isinstance(by, pd.Series) else None
    cols = ["account_id", "monthly_revenue"] + [c for c in ("churn_cause",) if c in acc]
    lost = acc.loc[is_lost, cols]
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
    key = by_all[is_lost] if by_all is not None else acc.loc[is_lost, by]
    if not len(lost):
        return pd.DataFrame()
    key = _filled(key).rename(getattr(by, "name", by))
    # a grouped count, not pd.crosstab: the same table, several times faster on big data
    t = lost.groupby([lost["group"], lost["churn_cause"], key]).size().unstack(fill_value=0)
    t.columns.name = getattr(by, "name", None) if isinstance(by, pd.Series) else by
    return t


def cause_association(
    book: Book,
    *,
    by: str | pd.Series = "customer_type",
    level: str = "churn_cause_group",
    min_churners: int | None = None,
    threshold: float = 2.0,
) -> Association:
    """Is the mix of churn causes really different between segments?

    Pearson's chi-square on the cause x segment table of lost accounts (statsmodels'
    ``Table``), adjusted standardised residuals per cell (|r| > ``threshold`` stands
    out), Cramér's V = sqrt(chi2 / (n (min(r, c) - 1))) and the count of cells with
    expected frequency below 5. Below ``min_churners`` churners (default:
    ``churn.yaml: min_churners``) the counts are returned untested.
    """
    min_churners = _limit(min_churners, "min_churners")
    acc = _base(book, True)
    is_lost = acc["churned"].to_numpy() == 1
    lost = acc[is_lost]
    if lost.empty:
        return Association(pd.DataFrame(), False, f"only 0 churners (fewer than {min_churners})")
    # below min_churners the counts are still returned (``observed``), untested
    if level not in lost:
        return Association(pd.DataFrame(), False, f"the data have no {level}")
    seg = lookup(acc["account_id"], by)[is_lost] if isinstance(by, pd.Series) else lost.get(by)
    if seg is None or seg.isna().all():
        return Association(pd.DataFrame(), False, f"the data have no {by}")
    # a grouped count (pd.crosstab builds the same table several times slower)
    obs = (
        lost.groupby([_filled(lost[level]), _filled(seg)], observed=True)
        .size()
        .unstack(fill_value=0)
    )
    what = by if isinstance(by, str) else (by.name or "segment")
    return association_test(
        obs,
        min_count=min_churners,
        threshold=threshold,
        subject=f"Churn causes by {what}",
        names=("cause", str(what)),
    )


def churn_drivers(
    book: Book, *, min_churners: int | None = None, extra: list[str] | None = None
) -> dict[str, Any]:
    """Logistic regression of churn on its drivers, as odds ratios with 95% intervals.

    Drivers used where present: tenure (years), contract, customer type, satisfaction,
    complaints per month (usage) and log monthly revenue, plus ``extra`` account columns.
    Returns ``{"table": odds ratios, "reading": plain sentences, "n": accounts,
    "note": why nothing was fitted}``. Not fitted below ``min_churners`` churners
    (default: ``churn.yaml: min_churners_for_drivers``).
    """
    import statsmodels.api as sm

    min_churners = _limit(min_churners, "min_churners_for_drivers")
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
    """Tenure at exit or as-of (``tenure_months``), event flag, cause group, and entry.

    ``entry`` is the tenure at which the account came under observation: the months
    between joining and the first billing month (0 for those who joined later, or
    without billing). Churn is only seen inside the observation window, so an account
    that joined years before it is *left-truncated*: it enters the risk set at its
    entry tenure, not at 0. Ignoring this would understate early churn.
    """
    acc = book.accounts
    if "tenure_months" not in acc or acc["tenure_months"].isna().all():
        return pd.DataFrame()
    d = acc[["account_id", "tenure_months", "status"]].dropna(subset=["tenure_months"])
    d = d[d["tenure_months"] > 0].copy()  # no time at risk: nothing to learn from
    d["event"] = (d["status"] == "churned").astype(int)
    d["group"] = (
        acc.loc[d.index, "churn_cause_group"].astype("object").fillna("unknown")
        if "churn_cause_group" in acc
        else "unknown"
    )
    months = book.months()
    d["entry"] = 0.0
    if len(months) and "join_date" in acc:
        days = (months[0] - acc.loc[d.index, "join_date"]).dt.days.to_numpy(dtype=float)
        entry = np.clip(np.nan_to_num(days / 30.44, nan=0.0), 0, None)
        # an account must be seen for a moment at least: entry strictly below its exit
        d["entry"] = np.minimum(entry, d["tenure_months"].to_numpy() - 1e-6).clip(0)
    return d


def retention_curves(
    book: Book, *, by: str | pd.Series = "customer_type", min_accounts: int | None = None
) -> pd.DataFrame:
    """Kaplan-Meier retention by group over tenure (months), statsmodels' SurvfuncRight.

    Tidy: one row per group and event time with ``retained`` (survival) and its 95%
    interval. Without the ``by`` column in the data, one curve for all accounts. Left
    truncation is handled (accounts enter the risk set at the tenure they
    had when observation began: see ``_durations``). Groups below ``min_accounts`` are
    left out (default: ``churn.yaml: min_accounts``).
    """
    from statsmodels.duration.survfunc import SurvfuncRight

    min_accounts = _limit(min_accounts, "min_accounts")
    d = _durations(book)
    if d.empty:
        return pd.DataFrame()
    if isinstance(by, pd.Series):
        key = lookup(d["account_id"], by)
    elif by in book.accounts:
        key = book.accounts.loc[d.index, by]
    else:  # the grouping column is not in the data: one curve for all accounts
        key = pd.Series("all accounts", index=d.index)
    rows = []
    for g, part in d.groupby(key.astype("object").fillna("unknown")):  # a handful of groups
        if len(part) < min_accounts or part["event"].sum() == 0:
            continue
        sf = SurvfuncRight(
            part["tenure_months"].to_numpy(),
            part["event"].to_numpy(),
            entry=part["entry"].to_numpy(),
        )
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


def aalen_johansen(
    time: np.ndarray, cause: np.ndarray, entry: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative incidence per cause (competing risks), with delayed entry.

    ``cause`` is 0 for censored, 1..K for the cause of the event. At each event time t
    the risk set holds the accounts with ``entry < t <= time``; the incidence of cause k
    rises by S(t-) x d_k(t) / n(t), S being the all-cause Kaplan-Meier. Returns the event
    times and a K x times array. Vectorised with sorted searches (no loop over accounts).
    statsmodels' CumIncidenceRight gives the same without ``entry`` (a test checks).
    """
    time = np.asarray(time, dtype=float)
    cause = np.asarray(cause, dtype=int)
    entry = np.zeros_like(time) if entry is None else np.asarray(entry, dtype=float)
    k = int(cause.max()) if len(cause) else 0
    times = np.unique(time[cause > 0])
    if k == 0 or not len(times):
        return times, np.zeros((k, 0))
    # at risk at t: time >= t and entry < t
    n_at = (len(time) - np.searchsorted(np.sort(time), times, side="left")) - (
        len(entry) - np.searchsorted(np.sort(entry), times, side="left")
    )
    idx = np.searchsorted(times, time)
    d = np.zeros((k, len(times)))
    ev = cause > 0
    np.add.at(d, (cause[ev] - 1, idx[ev]), 1.0)
    d_all = d.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        hazard = np.where(n_at > 0, d_all / n_at, 0.0)
        surv = np.cumprod(1 - hazard)
        s_before = np.concatenate([[1.0], surv[:-1]])
        inc = np.cumsum(s_before[None, :] * np.where(n_at > 0, d / n_at, 0.0), axis=1)
    return times, inc


def cumulative_incidence(book: Book) -> pd.DataFrame:
    """Cumulative incidence of churn by cause group over tenure, as competing risks.

    Aalen-Johansen with delayed entry (:func:`aalen_johansen`): each cause group's share
    of accounts lost by a given tenure, the other groups competing.
    """
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
    times, inc = aalen_johansen(
        d["tenure_months"].to_numpy(), code.to_numpy(), d["entry"].to_numpy()
    )
    out = []
    for i, g in enumerate(groups):
        out.append(pd.DataFrame({"group": g, "months": times, "incidence": inc[i]}))
    return pd.concat(out, ignore_index=True)


def group_warnings(book: Book, *, rules: str | Path | dict | None = None) -> pd.DataFrame:
    """Groups whose forwarding to other operators rises while their group bill falls.

    The rules are ``churn.yaml: warnings``: a group is an account with at least
    ``min_lines`` lines; its last ``window`` months are compared with the ``window``
    months before; it is warned when the share of its calls forwarded to other operators
    rose by at least ``forward_rise`` (absolute) AND its group bill fell by at least
    ``bill_drop``. ``rules`` overrides them (a YAML path or a dict of the keys changed,
    e.g. ``{"warnings": {"window": 6}}``).

    Ranked by revenue at risk (the baseline monthly group bill x 12). Each group is read
    over its own last months, so a group that already left shows the signals it gave
    before leaving (``status`` says which).
    """
    r = settings("churn", rules, caller="group_warnings")["warnings"]
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


def retention_economics(book: Book, *, rules: str | Path | dict | None = None) -> pd.DataFrame:
    """Revenue saved by the retained accounts against what the retention effort cost.

    The assumptions are ``churn.yaml: retention`` and are rows of the table; ``rules``
    overrides them (a YAML path or a dict of the keys changed, e.g.
    ``{"retention": {"months_of_revenue_saved": 24}}``).
    """
    a = settings("churn", rules, caller="retention_economics")["retention"]
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


# -- pictures ------------------------------------------------------------------------
GROUP_COLORS = {
    "internal": "#c44e52",
    "competitor": "#4c72b0",
    "customer": "#55a868",
    "unknown": "#8c8c8c",
}


def _nothing(ax, text: str):
    """An empty panel that says why there is no picture; returns the Axes."""
    ax.text(0.5, 0.5, text, ha="center", va="center")
    ax.set_axis_off()
    return ax


def plot_cause_pareto(tree: pd.DataFrame, *, ax=None, top: int = 12):
    """Pareto bar of churn causes (from :func:`cause_tree`), coloured by cause group.

    Bars are accounts lost per cause, largest first; the line is the cumulative share.
    Returns the Axes.
    """
    import matplotlib.pyplot as plt

    ax = ax or plt.gca()
    if tree.empty:
        return _nothing(ax, "no churned accounts")
    t = tree.sort_values("accounts", ascending=False).head(top)
    groups = t.index.get_level_values("group")
    x = np.arange(len(t))
    ax.bar(x, t["accounts"], color=[GROUP_COLORS.get(g, "#8c8c8c") for g in groups])
    ax.set_xticks(x, t["cause"], rotation=35, ha="right")
    ax.set_ylabel("accounts lost")
    ax2 = ax.twinx()
    ax2.plot(x, t["accounts"].cumsum() / tree["accounts"].sum() * 100, color="black", marker="o")
    ax2.set_ylim(0, 105)
    ax2.set_ylabel("cumulative % of churners")
    from matplotlib.patches import Patch

    seen = list(dict.fromkeys(groups))
    ax.legend(
        [Patch(color=GROUP_COLORS.get(g, "#8c8c8c")) for g in seen],
        seen,
        title="cause group",
        loc="center right",
    )
    ax.set_title("Why accounts left: causes, largest first")
    return ax


def plot_churn_by_period(rates: pd.DataFrame, *, ax=None):
    """Churn rate per period (from :func:`churn_by_period`) with its interval band."""
    import matplotlib.pyplot as plt

    ax = ax or plt.gca()
    if rates.empty:
        return _nothing(ax, rates.attrs.get("note", "no data"))
    for g, part in rates.groupby(level="group", sort=False):
        per = part.index.get_level_values("period")
        line = ax.plot(per, part["rate"] * 100, marker="o", label=str(g))[0]
        ax.fill_between(
            per, part["ci_low"] * 100, part["ci_high"] * 100, color=line.get_color(), alpha=0.15
        )
    ax.set_ylabel("% of accounts churned in the period")
    ax.tick_params(axis="x", rotation=45)
    ax.set_ylim(bottom=0)
    if rates.index.get_level_values("group").nunique() > 1:
        ax.legend(fontsize=8)
    ax.set_title("Churn rate per period, with 95% intervals")
    return ax


def plot_retention(curves: pd.DataFrame, *, ax=None):
    """Kaplan-Meier retention curves (from :func:`retention_curves`) with their bands."""
    import matplotlib.pyplot as plt

    ax = ax or plt.gca()
    if curves.empty:
        return _nothing(ax, "no tenure data for retention curves")
    for g, part in curves.groupby("group", sort=True):
        line = ax.step(part["months"], part["retained"] * 100, where="post", label=str(g))[0]
        ax.fill_between(
            part["months"],
            part["ci_low"] * 100,
            part["ci_high"] * 100,
            step="post",
            color=line.get_color(),
            alpha=0.15,
        )
    ax.set_xlabel("months since joining")
    ax.set_ylabel("% still a customer")
    ax.set_ylim(0, 101)
    ax.legend(fontsize=8)
    ax.set_title("Retention over tenure (Kaplan-Meier, 95% band)")
    return ax


def plot_incidence(incidence: pd.DataFrame, *, ax=None):
    """Cumulative incidence of churn by cause group (from :func:`cumulative_incidence`)."""
    import matplotlib.pyplot as plt

    ax = ax or plt.gca()
    if incidence.empty:
        return _nothing(ax, "no churn with tenure data")
    for g, part in incidence.groupby("group", sort=True):
        ax.step(
            part["months"],
            part["incidence"] * 100,
            where="post",
            label=str(g),
            color=GROUP_COLORS.get(str(g)),
        )
    ax.set_xlabel("months since joining")
    ax.set_ylabel("% of accounts lost to this cause group")
    ax.set_ylim(bottom=0)
    ax.legend(title="cause group", fontsize=8)
    ax.set_title("Churn by cause group over tenure (competing risks)")
    return ax


def plot_funnel(funnel: pd.DataFrame, *, ax=None):
    """The retention funnel (from :func:`retention_funnel`, one group) as bars."""
    import matplotlib.pyplot as plt

    ax = ax or plt.gca()
    if funnel.empty:
        return _nothing(ax, "no retention contacts in the data")
    steps = ["warned", "reached", "intent to leave", "retained"]
    v = funnel[steps].sum()
    y = np.arange(len(steps))[::-1]
    ax.barh(y, v.to_numpy(), color=["#4c72b0", "#64b5cd", "#dd8452", "#55a868"])
    for yi, (name, n) in zip(y, v.items(), strict=True):
        share = f" ({n / v['warned']:.0%} of warned)" if v["warned"] and name != "warned" else ""
        ax.text(n, yi, f" {int(n):,}{share}", va="center", fontsize=9)
    ax.set_yticks(y, steps)
    ax.set_xlim(0, max(float(v.max()), 1) * 1.45)
    ax.set_xlabel("accounts")
    ax.set_title("Retention funnel: warned -> reached -> intent -> retained")
    return ax
