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
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._book import Book, has_column, lookup
from ._charts import count_axis, money_axis, ratio_axis, share_axis, wrap
from ._config import cause_taxonomy
from ._format import count, money, month, names_list, ratio, share
from ._i18n import N_, current_language, ntr, tr
from ._labels import LABELS, label
from ._result import Result, TableResult, axes, figures, nothing_to_draw
from ._settings import settings
from ._stats import Association, association_test

__all__ = [
    "churn_rules",
    "wilson_interval",
    "ChurnRates",
    "churn_rates",
    "account_year_rate",
    "ChurnByPeriod",
    "churn_by_period",
    "period_members",
    "ChurnTypes",
    "churn_types",
    "CauseTree",
    "cause_tree",
    "cause_association",
    "ChurnDrivers",
    "churn_drivers",
    "RetentionCurves",
    "retention_curves",
    "CumulativeIncidence",
    "cumulative_incidence",
    "aalen_johansen",
    "GroupWarnings",
    "group_warnings",
    "RetentionFunnel",
    "retention_funnel",
    "RetentionEconomics",
    "retention_economics",
]


#: codes this module puts in its tables (the candidate drivers of :class:`ChurnDrivers`,
#: their levels, the one group of an ungrouped rate or curve) in words; registered with
#: the label catalogue so every table that shows them reads them
_CHURN_LABELS: dict[str, str] = {
    "all": N_("All accounts"),
    "tenure_at_start_years": N_("Tenure at the start of the window (years)"),
    "joined_in_window": N_("Joined during the window"),
    "log_monthly_revenue": N_("Monthly revenue (log)"),
    "complaints_per_month": N_("Complaints per month"),
    "yes": N_("Yes"),
    "no": N_("No"),
    "other": N_("Other (pooled)"),
}
for _key, _words in _CHURN_LABELS.items():
    LABELS.setdefault(_key, _words)


def column_in_sentence(column: Any) -> str:
    """A column's label inside a sentence: "customer type" in English (an acronym such as
    "ARPU" stays as it is); Chinese has no case."""
    words = label(str(column))
    if current_language() == "en" and not words[:2].isupper():
        return words[:1].lower() + words[1:]
    return words


def _cause_name(code: Any) -> str:
    """A churn cause or cause group in the current language, from ``causes.yaml`` (its
    ``en``/``zh`` names: one language per edition); other codes through :func:`label`."""
    taxonomy = settings("causes")
    spec = taxonomy.get("causes", {}).get(code) or taxonomy.get("groups", {}).get(code)
    if not spec:
        # a reason in the export's own words (group unclassified): shown as it is written
        return str(code)
    return str(spec.get(current_language()) or spec.get("en") or code)


def period_name(period: Any) -> str:
    """A period of :func:`churn_by_period` for a reader: "Q1 2025" / "2025年第1季度",
    "Jan 2025" / "2025年1月"."""
    p = pd.Period(str(period))
    if p.freqstr.startswith("Q"):
        return tr("Q{quarter} {year}", quarter=p.quarter, year=p.year)
    return month(p.start_time)


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


def churn_base(book: Book, include_new: bool, columns: list[str] | None = None) -> pd.DataFrame:
    """Accounts in the churn denominator, with a churned flag and monthly revenue.

    ``columns``: the accounts columns the caller needs besides ``account_id`` (default
    all); fewer columns are fewer arrays to copy on millions of accounts.
    """
    churned, keep, revenue = book.memo(
        ("churn_base", include_new), lambda: _base(book, include_new)
    )
    acc = book.accounts
    if columns is not None:
        acc = acc[["account_id", *dict.fromkeys(c for c in columns if c in acc)]]
    # a new frame: the book's accounts are never modified
    acc = acc.assign(churned=churned, monthly_revenue=revenue)
    return acc if keep is None else acc.loc[keep]


def _base(book: Book, include_new: bool) -> tuple[np.ndarray, np.ndarray | None, Any]:
    """The churn base's per-account arrays (churned 0/1, who is in it: None for everyone,
    monthly revenue), once per book: several analyses of a report ask for them."""
    acc = book.accounts
    start = book.observation_start()
    keep = np.ones(len(acc), dtype=bool)
    churned = (acc["status"] == "churned").to_numpy(dtype=bool, na_value=False)
    if start is not None and "churn_date" in acc:
        keep &= ~(churned & (acc["churn_date"] < start).to_numpy(dtype=bool, na_value=False))
    if not include_new and start is not None and "join_date" in acc:
        keep &= ~(acc["join_date"] >= start).to_numpy(dtype=bool, na_value=False)
    m = book.monthly_revenue()  # in the order of accounts: aligned by position
    revenue = m.to_numpy(dtype="float64", na_value=np.nan) if m is not None else np.nan
    flags = churned.astype(int)
    for a in (flags, keep, revenue):
        if isinstance(a, np.ndarray):
            a.flags.writeable = False  # shared by every caller: nobody may change them
    return flags, None if keep.all() else keep, revenue


def period_months(start: pd.Timestamp, end: pd.Timestamp) -> float:
    """Calendar months from ``start`` to ``end`` (exclusive): 2025-01-01 to 2026-01-01 is
    12; a part month counts by its days."""
    whole = (end.year - start.year) * 12 + end.month - start.month
    return whole + (end.day - start.day) / end.days_in_month


def account_year_rate(book: Book) -> dict[str, float | int | None]:
    """Churn over the observation window per account-year at risk.

    ``period_months``: the window's length (observation start to as-of). Account-years:
    each account of the churn denominator (:func:`churn_rates`, new accounts included)
    counts the time it was a customer inside the window, from the later of the window's
    start and its joining to the earlier of its churn and the window's end; an account
    whose joining is unknown (no join date, no tenure) counts from the window's start, a
    churner without a churn date until mid-window. ``rate``: churned accounts /
    account-years. All None without an observation start or end.

    Examples
    --------
    >>> import kamlib
    >>> r = kamlib.churn.account_year_rate(kamlib.load(kamlib.sample_path()))
    >>> r["period_months"]
    12.0
    """
    window = churn_window(book)
    if window is None:
        return {"period_months": None, "churned": None, "account_years": None, "rate": None}
    start, end = window
    acc = churn_base(book, True, columns=["status", "join_date", "churn_date", "tenure_months"])
    join, exit_, churned, _ = _spells(book, acc, window)
    join = np.where(np.isnat(join), start.to_datetime64(), join)
    begin = np.maximum(join, start.to_datetime64())
    stop = np.minimum(exit_, end.to_datetime64())
    days = np.clip((stop - begin) / np.timedelta64(1, "D"), 0, None)
    years = float(days.sum()) / 365.25
    k = int(churned.sum())
    return {
        "period_months": period_months(start, end),
        "churned": k,
        "account_years": years,
        "rate": k / years if years > 0 else None,
    }


def _filled(s: pd.Series, fill: str = "unknown") -> pd.Series:
    """Missing values shown as ``fill``; categories stay categories (cheap to group)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        if not s.isna().any():
            return s
        if fill not in s.cat.categories:
            s = s.cat.add_categories([fill])
        return s.fillna(fill)
    return s.astype("object").where(s.notna(), fill)


def _per_code(acc: pd.DataFrame, key: pd.Series) -> pd.DataFrame:
    """The churn base summed per code of a categorical ``key`` (missing: its own row):
    ``accounts``, ``churned``, ``monthly_revenue``, ``lost_revenue`` and the ``key``, one
    row per code that occurs. Unknown revenue counts as nothing, as a grouped sum does."""
    cat = key.array
    codes = np.asarray(cat.codes, dtype=np.intp) + 1  # 0: missing
    slots = len(cat.categories) + 1
    n = np.bincount(codes, minlength=slots)
    cols = {"accounts": n}
    for c in ("churned", "monthly_revenue", "lost_revenue"):
        v = acc[c].to_numpy(dtype="float64", na_value=np.nan)
        sums = np.bincount(codes, weights=np.where(np.isnan(v), 0.0, v), minlength=slots)
        cols[c] = sums.round().astype(np.int64) if c == "churned" else sums
    seen = np.flatnonzero(n)
    small = pd.DataFrame({c: v[seen] for c, v in cols.items()})
    small["key"] = pd.Categorical.from_codes(seen - 1, dtype=cat.dtype)
    return small


def _group_keys(acc: pd.DataFrame, by: str | list[str] | pd.Series | None) -> list[Any]:
    if by is None:
        return [pd.Series("all", index=acc.index, name="group")]
    if isinstance(by, pd.Series):  # aligned on account_id
        return [lookup(acc["account_id"], by).rename(by.name or "group")]
    return [acc[c] for c in ([by] if isinstance(by, str) else by)]


class ChurnRates(TableResult):
    """Churn rate by accounts and by revenue per group, with Wilson intervals
    (:func:`churn_rates`). Groups under the minimum size get counts, no rate."""

    def summary(self) -> pd.DataFrame:
        t = self.table
        n, k = int(t["accounts"].sum()), int(t["churned"].sum())
        return figures(
            {
                "groups": len(t),
                "accounts": n,
                "churned": k,
                "rate": k / n if n else np.nan,
                "groups_too_small_for_a_rate": int((~t["reliable"]).sum()),
            }
        )

    def plot(self, *, ax=None):
        """Churn rate per group with its 95% interval; small groups are named, not drawn."""
        ax = axes(ax)
        t = self.table[self.table["reliable"]]
        if t.empty:
            return nothing_to_draw(ax, tr("No group is large enough for a churn rate."))
        names = [" / ".join(map(label, i)) if isinstance(i, tuple) else label(i) for i in t.index]
        y = np.arange(len(t))
        ax.barh(y, t["rate"] * 100, color="#4c72b0")
        ax.errorbar(
            t["rate"] * 100,
            y,
            xerr=[(t["rate"] - t["ci_low"]) * 100, (t["ci_high"] - t["rate"]) * 100],
            fmt="none",
            ecolor="black",
            capsize=3,
        )
        ax.set_yticks(y, [wrap(n, 24) for n in names])
        ax.invert_yaxis()
        share_axis(ax, axis="x", whole=100)
        ax.set_xlabel(tr("Share of accounts that churned, with 95% interval"))
        return ax


def churn_rates(
    book: Book,
    *,
    by: str | list[str] | pd.Series | None = "branch",
    include_new: bool = True,
    min_accounts: int | None = None,
    alpha: float = 0.05,
) -> ChurnRates:
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
    >>> list(r.table.columns[:4])
    ['accounts', 'churned', 'rate', 'ci_low']
    """
    min_accounts = _limit(min_accounts, "min_accounts")
    named = [by] if isinstance(by, str) else by if isinstance(by, list) else []
    absent = [c for c in named if not has_column(book, c, caller="churn_rates")]
    if absent:  # an optional column the data lack: one overall rate, said
        by, named = None, []
    acc = churn_base(book, include_new, columns=named)
    keys = _group_keys(acc, by)
    acc = acc.assign(lost_revenue=acc["monthly_revenue"].where(acc["churned"] == 1, 0.0))
    size: tuple[str, str] = ("churned", "size")
    if len(keys) == 1 and isinstance(keys[0].dtype, pd.CategoricalDtype):
        # one categorical key (value tiers): summed per category code with bincount, then
        # grouped as one row per code, so the table is the one grouping every account gives
        acc, size = _per_code(acc, keys[0]), ("accounts", "sum")
        keys = [acc.pop("key").rename(keys[0].name)]
    g = acc.groupby(keys, observed=True, dropna=False)
    out = g.agg(
        accounts=size,
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
    small = int((~reliable).sum())
    notes = (
        [
            ntr(
                "{n} group has fewer than {least} accounts: counts only, no rate.",
                "{n} groups have fewer than {least} accounts: counts only, no rate.",
                small,
                n=count(small),
                least=count(min_accounts),
            )
        ]
        if small
        else []
    )
    if absent:
        notes.insert(
            0,
            tr(
                "The data have no {columns}: one churn rate for all accounts.",
                columns=names_list(column_in_sentence(c) for c in absent),
            ),
        )
    return ChurnRates(out, notes)


def period_members(
    churned: np.ndarray,
    churn_date: np.ndarray,
    join_date: np.ndarray,
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> tuple[np.ndarray, np.ndarray]:
    """The denominator and numerator of a period's churn rate, per account.

    In the period (``start`` to ``end``, both inclusive): joined on or before its last
    day (or joining unknown) and not churned before its first day. Lost in it: in it,
    and churned with a churn date inside it. Used by :func:`churn_by_period` and the
    first screen's earlier-period churn rates, so both count alike.
    """
    s, e = np.datetime64(start, "ns"), np.datetime64(end, "ns")
    gone_before = churned & (churn_date < s)
    joined = np.isnat(join_date) | (join_date <= e)
    in_p = joined & ~gone_before
    lost = in_p & churned & (churn_date >= s) & (churn_date <= e)
    return in_p, lost


class ChurnByPeriod(TableResult):
    """Churn rate per month or quarter with Wilson intervals (:func:`churn_by_period`)."""

    def summary(self) -> pd.DataFrame:
        t = self.table
        if t.empty:
            return figures(
                {"periods": 0, "churned": 0, "lowest_rate": np.nan, "highest_rate": np.nan}
            )
        r = t["rate"].dropna()
        return figures(
            {
                "periods": t.index.get_level_values("period").nunique(),
                "churned": int(t["churned"].sum()),
                "lowest_rate": float(r.min()) if len(r) else np.nan,
                "highest_rate": float(r.max()) if len(r) else np.nan,
            }
        )

    def plot(self, *, ax=None):
        """Churn rate per period with its interval band; returns the Axes."""
        ax = axes(ax)
        rates = self.table
        if rates.empty:
            return nothing_to_draw(ax, self.notes[0] if self.notes else tr("No data."))
        for g, part in rates.groupby(level="group", sort=False):
            per = part.index.get_level_values("period")  # already in words
            line = ax.plot(per, part["rate"] * 100, marker="o", label=label(g))[0]
            ax.fill_between(
                per, part["ci_low"] * 100, part["ci_high"] * 100, color=line.get_color(), alpha=0.15
            )
        share_axis(ax, axis="y", whole=100)
        ax.set_ylabel(tr("Share of accounts that churned in the period (95% interval)"))
        ax.tick_params(axis="x", rotation=45)
        ax.set_ylim(bottom=0)
        if rates.index.get_level_values("group").nunique() > 1:
            ax.legend(fontsize=8)
        return ax


def churn_by_period(
    book: Book,
    *,
    freq: str = "M",
    by: str | pd.Series | None = None,
    min_accounts: int | None = None,
    alpha: float = 0.05,
) -> ChurnByPeriod:
    """Churn rate per month (``freq="M"``) or quarter (``"Q"``), with Wilson intervals.

    The ``period`` level of the index names each period as a reader writes it in the
    current language ("Q1 2025" / "2025年第1季度", "Jan 2025" / "2025年1月").

    Denominator of a period: the accounts that were customers at some time in it (joined
    on or before its last day and not churned before its first day). Numerator: those
    whose ``churn_date`` falls in it. Periods span the billing months, else the churn
    dates up to the book's as-of date. Needs ``churn_date``; without it the result is
    empty with the reason in ``notes``. Periods with fewer than ``min_accounts``
    accounts (default: ``churn.yaml: min_accounts``) get counts and no rate.

    Examples
    --------
    >>> import kamlib
    >>> q = kamlib.churn_by_period(kamlib.load(kamlib.sample_path()), freq="Q")
    >>> len(q.table), q.table.index[0][0]
    (4, 'Q1 2025')
    """
    min_accounts = _limit(min_accounts, "min_accounts")
    acc = book.accounts
    if "churn_date" not in acc or acc["churn_date"].isna().all():
        return ChurnByPeriod(
            pd.DataFrame(columns=["accounts", "churned", "rate", "ci_low", "ci_high", "reliable"]),
            (tr("The data have no churn dates: churn per period cannot be computed."),),
        )
    months = book.months()
    start = book.observation_start()  # observed_from, else the first billing month
    said: list[str] = []
    if len(months):
        first, last = start, months[-1] + pd.offsets.MonthEnd(0)
    else:
        first = start if start is not None else acc["churn_date"].min()
        last = book.as_of or acc["churn_date"].max()
        if start is None:
            said.append(
                tr(
                    "The data do not say when observation began (no billing months, and the "
                    "mapping states no start): the periods begin at the first recorded churn, "
                    "and churn before it is not known."
                )
            )
    periods = pd.period_range(first, last, freq=freq)
    churned = (acc["status"] == "churned").to_numpy()
    cdate = acc["churn_date"].to_numpy(dtype="datetime64[ns]")
    join = (
        acc["join_date"].to_numpy(dtype="datetime64[ns]")
        if "join_date" in acc
        else np.full(len(acc), np.datetime64("NaT"), dtype="datetime64[ns]")
    )
    keys = None
    absent = isinstance(by, str) and not has_column(book, by, caller="churn_by_period")
    by_name = by
    if absent:
        by = None
    if by is not None:
        k = lookup(acc["account_id"], by) if isinstance(by, pd.Series) else acc[by]
        keys = k.astype("object").where(k.notna(), "unknown").to_numpy()
    rows = []
    for p in periods:  # a loop over a dozen periods, vectorised over accounts
        in_p, lost = period_members(churned, cdate, join, p.start_time, p.end_time)
        frame = pd.DataFrame({"in": in_p, "lost": lost})
        g = frame.groupby(keys if keys is not None else np.zeros(len(frame)), dropna=False)
        part = g.sum()
        part.index = part.index if keys is not None else ["all"]
        part.insert(0, "period", period_name(p))  # as a reader writes it, in order
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
    small = int((~ok).sum())
    notes = said + (
        [
            ntr(
                "{n} period has fewer than {least} accounts: counts only, no rate.",
                "{n} periods have fewer than {least} accounts: counts only, no rate.",
                small,
                n=count(small),
                least=count(min_accounts),
            )
        ]
        if small
        else []
    )
    if absent:
        notes.insert(
            0,
            tr(
                "The data have no {column}: one churn rate per period for all accounts.",
                column=column_in_sentence(by_name),
            ),
        )
    return ChurnByPeriod(out, notes)


class ChurnTypes(TableResult):
    """Lost accounts by churn type (:func:`churn_types`); internal migration is listed
    with the ARPU change it caused but is not a loss."""

    def summary(self) -> pd.DataFrame:
        t = self.table
        lost = t.drop(index="migration", errors="ignore")
        return figures(
            {
                # all missing when the data do not record types: not a measured 0
                "churned": lost["accounts"].sum(min_count=1),
                "monthly_revenue_lost": lost["monthly_revenue_lost"].sum(min_count=1),
                "migrated": t["accounts"].get("migration", 0),
            }
        )


def churn_types(book: Book) -> ChurnTypes:
    """Accounts by churn type: counts, shares of lost accounts, revenue lost per month.

    Internal migration is not a loss: it is listed with the average change in monthly
    revenue (ARPU) it caused, from billing before and after the migration date.
    """
    acc = churn_base(book, True)
    ctype = acc["churn_type"] if "churn_type" in acc else pd.Series(pd.NA, index=acc.index)
    if ctype.isna().all() and book.assumed.get("accounts.churn_type") is None:
        # no account has a type and no rule sets one: the data do not record types.
        # Every type is missing, not a measured 0, and "unknown" would read as a finding.
        absent = pd.DataFrame(
            {
                "accounts": np.nan,
                "share_of_lost": np.nan,
                "monthly_revenue_lost": np.nan,
                "arpu_change": np.nan,
                "basis": tr("Not in the data"),
            },
            index=pd.Index(["voluntary", "involuntary", "migration"], name="churn_type"),
        )
        return ChurnTypes(
            absent,
            [
                tr(
                    "The data do not record the churn type (voluntary, involuntary, "
                    "internal migration)."
                )
            ],
        )
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
                "churn_type": t,
                "accounts": int(m.sum()),
                "share_of_lost": (m & lost).sum() / n_lost
                if (t != "migration" and n_lost)
                else np.nan,
                "monthly_revenue_lost": float(acc.loc[m & lost, "monthly_revenue"].sum())
                if t != "migration"
                else 0.0,
            }
        )
    out = pd.DataFrame(rows).set_index("churn_type")
    out["arpu_change"] = np.nan
    if book.has("billing") and "churn_date" in acc and (ctype == "migration").any():
        mig = acc.loc[ctype == "migration", ["account_id", "churn_date"]]
        am = book.account_months()
        assert am is not None  # has("billing")
        bill = am.merge(mig, on="account_id")
        bill["after"] = bill["month"] >= bill["churn_date"].dt.to_period("M").dt.to_timestamp()
        per = bill.groupby(["account_id", "after"])["revenue"].mean().unstack()
        if True in per and False in per:
            change = (per[True] - per[False]).dropna()
            out.loc["migration", "arpu_change"] = float(change.mean()) if len(change) else np.nan
    notes = []
    if "unknown" in out.index:
        unknown = int(out.loc["unknown", "accounts"])
        notes.append(
            ntr(
                "{n} churned account has no churn type recorded.",
                "{n} churned accounts have no churn type recorded.",
                unknown,
                n=count(unknown),
            )
        )
    rule = book.assumed.get("accounts.churn_type")
    out["basis"] = tr("Recorded")
    if rule is not None:
        # the data hold no churn types: the mapping set them. A type the rule never sets
        # was not measured at zero, it was not recorded at all: missing, not 0.
        set_by_rule = ctype.dropna().unique().tolist()
        out["basis"] = tr("Assumed (set by the mapping)")
        unset = ~out.index.isin(set_by_rule)
        out.loc[unset, ["accounts", "share_of_lost", "monthly_revenue_lost"]] = np.nan
        notes.append(
            tr(
                "Churn types are not recorded in the data: the mapping set them ({rule}). The "
                "split is an assumption, and the types it never sets are not known.",
                rule=rule,
            )
        )
    return ChurnTypes(out, notes)


class CauseTree(TableResult):
    """Lost accounts by cause group and cause (:func:`cause_tree`): ``accounts``,
    ``monthly_revenue_lost``, ``share`` of lost accounts and ``group_share``; with
    ``by``, the counts crossed with a segment (one column per segment value)."""

    def summary(self) -> pd.DataFrame:
        t = self.table
        if t.empty:
            return figures(
                {"churned": 0, "causes": 0, "top_cause": None, "top_cause_share": np.nan}
            )
        counts = t["accounts"] if "accounts" in t else t.sum(axis=1)
        top = counts.groupby(level="churn_cause").sum().sort_values(ascending=False)
        return figures(
            {
                "churned": int(counts.sum()),
                "causes": len(top),
                "top_cause": top.index[0],
                "top_cause_share": float(top.iloc[0] / counts.sum()),
            }
        )

    def plot(self, *, ax=None, top: int = 12):
        """Pareto bar of causes, coloured by cause group, with the cumulative share line.

        Returns the Axes.
        """
        ax = axes(ax)
        tree = self.table
        if tree.empty:
            return nothing_to_draw(ax, tr("No churned accounts."))
        if "accounts" not in tree:  # crossed with a segment: totals over the segments
            tree = tree.sum(axis=1).rename("accounts").to_frame()
        t = tree.sort_values("accounts", ascending=False).head(top)
        groups = t.index.get_level_values("group")
        # cause names in the current language from their codes (the table's ``cause``
        # column is in the language cause_tree was asked for)
        names = [_cause_name(c) for c in t.index.get_level_values("churn_cause")]
        # horizontal bars: long cause names read across, never overlap
        y = np.arange(len(t))
        ax.barh(y, t["accounts"], color=[GROUP_COLORS.get(g, "#8c8c8c") for g in groups])
        ax.set_yticks(y, [wrap(n, 44) for n in names], fontsize=8)
        ax.invert_yaxis()
        count_axis(ax, axis="x")
        ax.set_xlabel(tr("Accounts lost"))
        ax2 = ax.twiny()
        ax2.plot(
            t["accounts"].cumsum() / tree["accounts"].sum() * 100, y, color="black", marker="o"
        )
        ax2.set_xlim(0, 105)
        share_axis(ax2, axis="x", whole=100)
        ax2.set_xlabel(tr("Cumulative share of churned accounts (line)"))
        from matplotlib.patches import Patch

        seen = list(dict.fromkeys(groups))
        ax.legend(
            [Patch(color=GROUP_COLORS.get(g, "#8c8c8c")) for g in seen],
            [_cause_name(g) for g in seen],
            title=tr("Cause group"),
            loc="upper left",
            bbox_to_anchor=(1.01, 1),
        )
        return ax


def cause_tree(
    book: Book, *, by: str | pd.Series | None = None, lang: str | None = None
) -> CauseTree:
    """Lost accounts by cause group -> cause: counts, shares and monthly revenue lost.

    With ``by`` (an accounts column or a Series on account_id) the counts are crossed
    with it (one column per value). ``cause`` is the cause's name in ``lang`` (default:
    the current language, :func:`kamlib._i18n.language`).

    Examples
    --------
    >>> import kamlib
    >>> t = kamlib.cause_tree(kamlib.load(kamlib.sample_path()).branch("Suzhou"))
    >>> list(t.table.index.names)
    ['group', 'churn_cause']
    """
    absent = isinstance(by, str) and not has_column(book, by, caller="cause_tree")
    by_name = by
    if absent:
        by = None
    acc = churn_base(book, True, columns=["churn_cause", *([by] if isinstance(by, str) else [])])
    is_lost = acc["churned"].to_numpy() == 1
    # looked up on all accounts, in their own order (the fast path of lookup), then cut
    by_all = lookup(acc["account_id"], by) if isinstance(by, pd.Series) else None
    cols = ["account_id", "monthly_revenue"] + [c for c in ("churn_cause",) if c in acc]
    lost = acc.loc[is_lost, cols]
    tax = cause_taxonomy()
    if "churn_cause" not in lost:
        lost["churn_cause"] = pd.NA
    # blank: nothing recorded; "unknown": the export records that the cause is not known
    # ("Don't know"). Both count as unknown, but the reader is told which it was.
    blank = int(lost["churn_cause"].isna().sum())
    lost["churn_cause"] = lost["churn_cause"].fillna("unknown")
    # grouped as categories: the churners' causes are a few distinct strings, looked up
    # and grouped once each, not once per churner (Arrow strings to Python objects)
    cause = _categories(lost["churn_cause"])
    # a reason the mapping did not put in the taxonomy is shown as itself, unclassified
    names = pd.Series(cause.cat.categories).map(tax["group"]).astype("object")
    gcodes, groups = pd.factorize(names.fillna("unclassified").to_numpy(), sort=True)
    lost["group"] = pd.Categorical.from_codes(gcodes[cause.cat.codes.to_numpy()], groups)
    lang_col = "zh" if (lang or current_language()) == "zh" else "en"
    not_known = int((lost["churn_cause"] == "unknown").sum()) - blank
    notes: tuple[str, ...] = ()
    if blank:
        notes += (
            ntr(
                "{n} churned account has no recorded cause.",
                "{n} churned accounts have no recorded cause.",
                blank,
                n=count(blank),
            ),
        )
    if not_known:
        notes += (
            ntr(
                "{n} churned account's cause is recorded as not known.",
                "{n} churned accounts' cause is recorded as not known.",
                not_known,
                n=count(not_known),
            ),
        )
    if not len(lost):
        notes = (tr("No account churned."),)
    if absent:
        notes = (
            tr(
                "The data have no {column}: the causes are not split by it.",
                column=column_in_sentence(by_name),
            ),
            *notes,
        )
    if by is None:
        t = lost.groupby([lost["group"], cause], observed=True).agg(
            accounts=("account_id", "size"), monthly_revenue_lost=("monthly_revenue", "sum")
        )
        t.index = _plain(t.index, lost)
        t["share"] = t["accounts"] / max(len(lost), 1)
        t["group_share"] = t.groupby(level="group")["accounts"].transform("sum") / max(len(lost), 1)
        codes = t.index.get_level_values("churn_cause")
        t.insert(0, "cause", [tax[lang_col].get(c, c) for c in codes])
        return CauseTree(t.sort_values(["group_share", "accounts"], ascending=False), notes)
    key = by_all[is_lost] if by_all is not None else acc.loc[is_lost, by]
    if not len(lost):
        return CauseTree(pd.DataFrame(), (tr("No account churned."),))
    key = _filled(key).rename(getattr(by, "name", by))
    # a grouped count, not pd.crosstab: the same table, several times faster on big data
    t = lost.groupby([lost["group"], cause, key], observed=True).size().unstack(fill_value=0)
    t.index = _plain(t.index, lost)
    t.columns.name = getattr(by, "name", None) if isinstance(by, pd.Series) else by
    return CauseTree(t, notes)


def _categories(s: pd.Series) -> pd.Series:
    """``s`` as a categorical with its distinct values sorted (grouped in the order a
    grouping of the strings would give)."""
    codes, uniques = pd.factorize(s, sort=True)
    return pd.Series(
        pd.Categorical.from_codes(codes, categories=uniques), index=s.index, name=s.name
    )


def _plain(index: pd.MultiIndex, lost: pd.DataFrame) -> pd.MultiIndex:
    """The (group, churn_cause) index of a table grouped on categories, with its levels
    as the strings a grouping of the columns gives (not categorical)."""
    return pd.MultiIndex.from_arrays(
        [
            index.get_level_values(0).astype("str"),
            index.get_level_values(1).astype(lost["churn_cause"].dtype),
        ],
        names=["group", "churn_cause"],
    )


def cause_association(
    book: Book,
    *,
    by: str | pd.Series = "customer_type",
    level: str = "churn_cause_group",
    min_churners: int | None = None,
    alpha: float | None = None,
    permutations: int = 2000,
    seed: int | None = 0,
) -> Association:
    """Is the mix of churn causes really different between segments?

    Pearson's chi-square on the cause x segment table of lost accounts (statsmodels'
    ``Table``); when a cell expects fewer than 5 churners the verdict uses a permutation
    p-value instead (``permutations`` reshuffles of the segments of the churners, seeded
    by ``seed``). Cells stand out only when the table as a whole differs (p < ``alpha``,
    default ``churn.yaml: association.alpha``), and then only those whose adjusted
    residual is significant after Holm's adjustment over all cells (``.standouts``).
    Cramér's V is bias-corrected. Churners with no recorded cause (missing, or in the
    ``unknown`` group) are counted in ``.left_out`` and left out: not knowing is not a
    cause. Below ``min_churners`` churners (default: ``churn.yaml: min_churners``) the
    counts are returned untested.

    Examples
    --------
    >>> import kamlib
    >>> a = kamlib.cause_association(kamlib.load(kamlib.sample_path()))
    >>> a.standouts.empty or a.pvalue < a.alpha  # nothing stands out in noise
    True
    """
    min_churners = _limit(min_churners, "min_churners")
    if alpha is None:
        alpha = float(settings("churn")["association"]["alpha"])
    acc = churn_base(book, True)
    is_lost = acc["churned"].to_numpy() == 1
    lost = acc[is_lost]
    if lost.empty:
        return Association(
            pd.DataFrame(),
            False,
            tr("no account churned (a test needs at least {least})", least=count(min_churners)),
        )
    # below min_churners the counts are still returned (``observed``), untested
    if level not in lost:
        return Association(
            pd.DataFrame(), False, tr("the data have no {column}", column=column_in_sentence(level))
        )
    if isinstance(by, str):
        has_column(book, by, caller="cause_association")  # a typo is an error, not a note
    seg = lookup(acc["account_id"], by)[is_lost] if isinstance(by, pd.Series) else lost.get(by)
    if seg is None or seg.isna().all():
        return Association(
            pd.DataFrame(), False, tr("the data have no {column}", column=column_in_sentence(by))
        )
    # not knowing why an account left is not a reason it left: no row of its own
    unknown = lost[level].isna().to_numpy() | (lost[level] == "unknown").to_numpy(
        dtype=bool, na_value=False
    )
    for col in ("churn_cause", "churn_cause_group"):
        if col in lost:
            unknown |= (lost[col] == "unknown").to_numpy(dtype=bool, na_value=False)
    lost, seg = lost[~unknown], seg[~unknown]
    # a grouped count (pd.crosstab builds the same table several times slower)
    obs = (
        lost.groupby([lost[level].astype("object"), _filled(seg)], observed=True)
        .size()
        .unstack(fill_value=0)
    )
    what = by if isinstance(by, str) else (by.name or "segment")
    # the segment's name inside a sentence ("by customer type"; Chinese has no case)
    segment = column_in_sentence(what)
    # the codes of the table in words (cause groups from causes.yaml, segments as labels):
    # the verdict and the stand-outs name them
    obs = obs.rename(index=_cause_name, columns=lambda c: label(c) if isinstance(c, str) else c)
    obs.index.name, obs.columns.name = label("cause"), label(str(what))
    return replace(
        association_test(
            obs,
            min_count=min_churners,
            alpha=alpha,
            permutations=permutations,
            seed=seed,
            subject=tr("Churn causes by {segment}", segment=segment),
            unit=tr("churners"),
            names=(tr("cause"), segment),
        ),
        left_out=int(unknown.sum()),
        left_out_why=tr("no cause recorded (an unknown cause is not a cause)"),
    )


_MONTH = 365.25 / 12  # days per month, as the tenure the book derives from dates
#: a coefficient or standard error this large per standard deviation of its driver means
#: the likelihood has no maximum (separation): an odds ratio of e^10 per SD is not data
_HUGE = 10.0


def _window_start(book: Book) -> pd.Timestamp | None:
    """When observation began: the book's own rule where it has one (a mapping's
    ``observed_from``), else the first billing month, else None."""
    start = getattr(book, "observation_start", None)
    if callable(start):
        return start()
    months = book.months()
    return months[0] if len(months) else None


def _tenure_at_start(book: Book, acc: pd.DataFrame) -> tuple[pd.Series | None, str]:
    """Months with the operator at the start of the observation window, and how it was
    measured (or why it could not be).

    Tenure at exit is partly mechanical: a churner stops accruing tenure when it leaves,
    so churners look short-tenured even when tenure does not move churn at all. Measured
    at the window start, everyone's tenure is taken at the same moment. Accounts that
    joined during the window get 0 (they had no tenure then); the fit also flags them
    (``joined_in_window``) because they had less time at risk of churning.

    The second value is ``"join_date"`` or ``"tenure_months"`` (the column it came from)
    when measured, else the sentence that says why it could not be.
    """
    start = _window_start(book)
    if start is None:
        return None, tr(
            "Tenure is left out of the drivers: without an observation start (billing months "
            "or the mapping's start) tenure at the start of the window cannot be measured, and "
            "tenure at exit is partly mechanical (churners stop accruing it)."
        )
    if "join_date" in acc and acc["join_date"].notna().any():
        days = (start - acc["join_date"]).dt.days.astype("float64")
        return (days / _MONTH).clip(lower=0), "join_date"
    if "tenure_months" in acc and acc["tenure_months"].notna().any() and book.as_of is not None:
        # tenure at exit (churners) or at as_of (the others), less the months since start
        end = pd.Series(book.as_of, index=acc.index, dtype="datetime64[ns]")
        churned = acc["churned"].astype(bool)
        if "churn_date" in acc:
            end = end.where(~churned, acc["churn_date"])
        else:
            end = end.where(~churned, pd.NaT)  # a churner's exit is unknown
        since = (end - start).dt.days.astype("float64") / _MONTH
        return (acc["tenure_months"] - since.clip(lower=0)).clip(lower=0), "tenure_months"
    return None, tr("Tenure is left out of the drivers: the data have no join date or tenure.")


def as_number(s: pd.Series) -> pd.Series | None:
    """``s`` as float64 when it holds numbers (numeric, boolean, or text whose every
    non-blank value parses as a number), else None."""
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
        return s.astype("float64")
    if pd.api.types.is_datetime64_any_dtype(s):
        return None
    text = s.astype("string").str.strip().replace("", pd.NA)
    num = pd.to_numeric(text, errors="coerce")
    if text.notna().any() and num.notna().sum() == text.notna().sum():
        return num.astype("float64")
    return None


def extra_columns(acc: pd.DataFrame) -> list[str]:
    """Account columns outside the data model: kept by a mapping (``keep:``) or brought
    by the export itself. They are candidate drivers."""
    from ._schema import TABLES

    known = {c.name for c in TABLES["accounts"].columns}
    return [c for c in acc.columns if c not in known and c not in ("churned", "monthly_revenue")]


def _pooled(col: pd.Series, churned: pd.Series, min_accounts: int) -> tuple[pd.Series, list[str]]:
    """Levels with fewer than ``min_accounts`` accounts, or where every account churned or
    none did (no odds ratio can be estimated: separation), pooled into ``other``."""
    counts = col.value_counts()
    rate = churned.groupby(col.to_numpy()).mean()
    sparse = [v for v, n in counts.items() if n < min_accounts]
    pure = [v for v in counts.index if v not in sparse and rate.get(v, 0.5) in (0.0, 1.0)]
    pooled = sparse + pure
    if not pooled:
        return col, []
    return col.where(~col.isin(pooled), "other"), [str(v) for v in pooled]


class _Design:
    """The candidate drivers as model columns, grouped by the variable they come from."""

    def __init__(self) -> None:
        self.columns: dict[str, pd.Series] = {}
        self.group: dict[str, str] = {}  # model column -> variable
        self.baseline: dict[str, str] = {}  # variable -> reference level (categories)
        self.level: dict[str, str] = {}  # model column -> its level (categories)

    def numeric(self, name: str, s: pd.Series) -> None:
        self.columns[name] = s.astype("float64")
        self.group[name] = name

    def category(self, variable: str, s: pd.Series, base: str) -> None:
        for level in sorted(set(s.dropna()) - {base}, key=str):
            name = f"{variable}: {level}"
            self.columns[name] = (s == level).astype("float64").where(s.notna())
            self.group[name], self.level[name] = variable, str(level)
        self.baseline[variable] = str(base)

    def frame(self, index: pd.Index) -> pd.DataFrame:
        return pd.DataFrame(self.columns, index=index)


def _independent(X: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Columns kept in order while each adds rank (with the constant), and notes for the
    ones left out: an exact duplicate names its twin, else it is a combination of others."""
    kept: list[str] = []
    notes = []
    scaled = (X - X.mean()) / X.std(ddof=0).replace(0, 1)
    basis = np.ones((len(X), 1))
    for c in X.columns:
        x = scaled[c].to_numpy()
        if X[c].std(ddof=0) == 0:
            notes.append(
                tr(
                    "{driver} is left out of the drivers: it is the same for every account.",
                    driver=_driver_name(c),
                )
            )
            continue
        # a twin: the same column, or its mirror image (standardised, x = k or x = -k)
        twin = next(
            (
                k
                for k in kept
                if np.allclose(x, scaled[k].to_numpy()) or np.allclose(x, -scaled[k].to_numpy())
            ),
            None,
        )
        trial = np.column_stack([basis, x])
        if twin is None and np.linalg.matrix_rank(trial) > basis.shape[1]:
            kept.append(c)
            basis = trial
            continue
        if twin:
            notes.append(
                tr(
                    "{driver} is left out of the drivers: it duplicates {twin}, so no separate "
                    "effect can be told.",
                    driver=_driver_name(c),
                    twin=_driver_name(twin),
                )
            )
        else:
            notes.append(
                tr(
                    "{driver} is left out of the drivers: it is a combination of the other "
                    "drivers, so no separate effect can be told.",
                    driver=_driver_name(c),
                )
            )
    return kept, notes


def _univariate_p(y: pd.Series, X: pd.DataFrame) -> float:
    """Likelihood-ratio p-value of a variable's columns alone (1 when it cannot be fitted).

    The null model (a constant) has the closed form n (p log p + (1 - p) log(1 - p)).
    """
    import statsmodels.api as sm
    from scipy.stats import chi2

    try:
        r = sm.Logit(y, sm.add_constant(X, has_constant="add")).fit(disp=False, maxiter=100)
    except Exception:  # separation or a singular matrix: treated as the weakest
        return 1.0
    share = float(y.mean())
    null = len(y) * (share * math.log(share) + (1 - share) * math.log(1 - share))
    p = float(chi2.sf(2 * (float(r.llf) - null), X.shape[1]))
    return p if math.isfinite(p) else 1.0


def holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values: the k-th smallest of m times (m - k + 1), made
    non-decreasing, at most 1.

    Examples
    --------
    >>> holm(np.array([0.01, 0.04, 0.03])).round(2).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p, dtype=float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate(p[order] * (m - np.arange(m)))
    out = np.empty(m)
    out[order] = np.minimum(stepped, 1.0)
    return out


def _num(x: float) -> str:
    """A ratio for a sentence (never nan or inf: the caller only passes finite values)."""
    return f"{x:.2f}" if 0.01 <= x < 1000 else f"{x:.2g}"


def _clauses(items: list[str]) -> str:
    """Clauses of one sentence, separated as the current language separates them."""
    return ("；" if current_language() == "zh" else "; ").join(items)


def _driver_name(key: Any) -> str:
    """A driver of :class:`ChurnDrivers` in words: a variable ("Contract"), or a level of
    one ("Contract: Two years")."""
    key = str(key)
    if ": " in key:
        variable, level = key.split(": ", 1)
        return tr("{variable}: {level}", variable=label(variable), level=label(level))
    return label(key)


def _logit(y: pd.Series, X: pd.DataFrame, d: _Design) -> tuple[Any, list[str], str, list[str]]:
    """Fit the logit; returns the fit, the variables that separate (to leave out), and why
    it failed when no variable can be blamed ("" when it did not fail), and what the
    fitting code warned of in the accepted fit (as text, for the notes).

    A maximum exists only without separation: then the fit converges with finite,
    moderate coefficients. Otherwise the variables with a coefficient or standard error
    above ``_HUGE`` per standard deviation of the driver are suspects, and the most
    extreme is the culprit; when the fit breaks outright a quasi-Newton fit (which stops
    wherever it got to) names it.
    """
    import warnings

    import statsmodels.api as sm

    model = sm.Logit(y, sm.add_constant(X, has_constant="add"))
    sd = X.std(ddof=0).replace(0, 1)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit = model.fit(disp=False, maxiter=100)
        converged = bool(fit.mle_retvals.get("converged", False))
        params, bse = fit.params.drop("const"), fit.bse.drop("const")
    except Exception:  # perfect separation, a singular Hessian
        fit, converged = None, False
        try:
            rough = model.fit(method="bfgs", disp=False, maxiter=200)
            params = rough.params.drop("const")
        except Exception:
            return (
                None,
                [],
                tr(
                    "The churn drivers are not fitted: the logistic regression could not be "
                    "computed on these data."
                ),
                [],
            )
        bse = pd.Series(0.0, index=params.index)
    size = (params.abs() * sd).where(np.isfinite(params), np.inf)
    size = np.maximum(size, (bse * sd).where(np.isfinite(bse), np.inf))
    if (size > _HUGE).any():
        # one at a time, the most extreme first: once the separating driver is out, the
        # others usually come back to finite values
        return None, [d.group[str(size.idxmax())]], "", []
    if fit is None or not converged:
        return (
            None,
            [],
            tr("The churn drivers are not fitted: the logistic regression did not converge."),
            [],
        )
    # what the fitting code warned of, in the reader's words (its own text is English
    # jargon): a fit that did not settle, or estimates that may be unstable
    said = [
        tr(
            "The fitting code warned that the fit did not fully converge: read the odds ratios with care."
        )
        if "converge" in str(w.message).lower()
        else tr(
            "The fitting code warned that the estimates may be unstable: read the odds ratios with care."
        )
        for w in caught
        if not issubclass(w.category, (DeprecationWarning, FutureWarning))
    ]
    return fit, [], "", list(dict.fromkeys(said))


class ChurnDrivers(Result):
    """Logistic regression of churn on its drivers, as odds ratios with 95% intervals.

    A fitted model in the scikit-learn/lifelines habit: ``ChurnDrivers().fit(book)``
    returns itself with ``table_`` (one row per driver: ``odds_ratio``, ``ci_low``,
    ``ci_high``, ``p_value``, ``p_value_holm``, ``significant`` and the ``baseline`` a
    category is compared with), ``reading_`` (plain sentences for the drivers
    significant after Holm's correction), ``n_`` (accounts in the fit), ``churners_``
    and ``fit_`` (statsmodels' result, None when nothing was fitted). ``table`` and
    ``notes`` are the contract's names for ``table_`` and ``notes_``.

    Candidate drivers, where present: tenure at the start of the observation window
    (years; tenure at exit would be partly mechanical), whether the account joined during
    the window, contract, customer type, satisfaction, complaints per month (usage), log
    monthly revenue, every account column outside the data model (kept by a mapping's
    ``keep:``; numbers as numbers, text as categories) and ``extra`` columns.

    The rules, each said in a note when it applies:

    - a category is compared with its most common level (its *baseline*, named in the
      table and the reading); levels with fewer than ``min_accounts`` accounts, or where
      every account churned or none did, are pooled into ``other``;
    - a driver that duplicates another, or is a combination of others, is left out;
    - at most one fitted parameter per ``min_events_per_parameter`` events (the smaller
      of churners and stayers): beyond that the strongest variables alone are kept;
    - a driver whose odds ratio runs off to 0 or infinity (separation) or a fit that
      does not converge: the driver is left out and the model refitted;
    - a driver is called significant when its Holm-adjusted p-value (over every
      candidate parameter, those left out by the events rule included) is below 0.05.

    Warnings of the fitting code are never printed: they become notes.

    Examples
    --------
    >>> import kamlib
    >>> d = kamlib.ChurnDrivers().fit(kamlib.load(kamlib.sample_path()))
    >>> "odds_ratio" in d.table.columns
    True
    """

    _columns = [
        "odds_ratio",
        "ci_low",
        "ci_high",
        "p_value",
        "p_value_holm",
        "significant",
        "baseline",
    ]

    def __init__(self, *, min_churners: int | None = None, extra: list[str] | None = None):
        self.min_churners = min_churners
        self.extra = list(extra or [])

    @property
    def table(self) -> pd.DataFrame:  # type: ignore[override]
        return self._fitted("table_")

    @property
    def notes(self) -> tuple[str, ...]:  # type: ignore[override]
        return self._fitted("notes_")

    def _fitted(self, name: str) -> Any:
        if not hasattr(self, name):
            raise AttributeError(f"{type(self).__name__} is not fitted: call fit(book) first")
        return getattr(self, name)

    def _empty(
        self, n: int, churners: int, why: str, notes: list[str] | None = None
    ) -> ChurnDrivers:
        self.table_ = pd.DataFrame(columns=self._columns)
        self.table_.index.name = "driver"
        self.reading_: list[str] = []
        self.n_, self.churners_, self.fit_ = n, churners, None
        self.tested_ = 0
        self.notes_: tuple[str, ...] = (why, *(notes or []))
        return self

    def fit(self, book: Book) -> ChurnDrivers:
        """Fit on the accounts of ``book`` in the churn denominator; returns self."""
        import warnings

        # nothing the fitting code says reaches a report: what matters becomes a note
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._fit(book)
        return self

    def _fit(self, book: Book) -> None:
        rules = settings("churn")
        min_churners = _limit(self.min_churners, "min_churners_for_drivers")
        epp = int(rules["min_events_per_parameter"])
        min_level = int(rules["min_accounts"])
        acc = churn_base(book, True)
        n_churn = int(acc["churned"].sum())
        if n_churn < min_churners or n_churn == len(acc):
            self._empty(
                len(acc),
                n_churn,
                tr(
                    "The churn drivers are not fitted: {churners} of {accounts} accounts "
                    "churned; the fit needs at least {least} churners and some who stayed.",
                    churners=count(n_churn),
                    accounts=count(len(acc)),
                    least=count(min_churners),
                ),
            )
            return
        for c in self.extra:
            has_column(book, c, caller="churn_drivers")  # a typo is an error
        notes: list[str] = []
        y_all = acc["churned"]
        out_of_fit = np.zeros(len(acc), dtype=bool)  # accounts no odds ratio can include
        d = _Design()
        tenure, how = _tenure_at_start(book, acc)
        if tenure is not None and tenure.notna().any():
            d.numeric("tenure_at_start_years", tenure / 12)
            new = tenure.eq(0) & tenure.notna()
            if new.any() and not new.all():
                flag = pd.Series(np.where(new, "yes", "no"), index=acc.index).where(tenure.notna())
                d.category("joined_in_window", flag, "no")
            notes.append(
                tr(
                    "Tenure is measured at the start of the observation window (from the join "
                    "date); accounts that joined during the window count 0 and are flagged, as "
                    "they had less time at risk."
                )
                if how == "join_date"
                else tr(
                    "Tenure is measured at the start of the observation window (tenure less "
                    "the months since the window began); accounts that joined during the window "
                    "count 0 and are flagged, as they had less time at risk."
                )
            )
        elif tenure is None:
            notes.append(how)
        if acc["monthly_revenue"].notna().any() and (acc["monthly_revenue"] > 0).any():
            d.numeric("log_monthly_revenue", np.log1p(acc["monthly_revenue"].clip(lower=0)))
        if "satisfaction" in acc and acc["satisfaction"].notna().any():
            d.numeric("satisfaction", acc["satisfaction"])
        if book.has("usage"):
            u = book.table("usage").groupby("account_id")["complaints"].mean()
            d.numeric(
                "complaints_per_month",
                pd.Series(acc["account_id"].map(u).to_numpy(), index=acc.index, dtype="float64"),
            )
        candidates = list(
            dict.fromkeys(
                [c for c in ["contract", "customer_type"] if c in acc]
                + [c for c in [*extra_columns(acc), *self.extra] if c in acc]
            )
        )
        for c in candidates:
            number = None if c in ("contract", "customer_type") else as_number(acc[c])
            if number is not None:
                if number.notna().any():
                    d.numeric(c, number)
                continue
            if pd.api.types.is_datetime64_any_dtype(acc[c]):
                notes.append(
                    tr(
                        "{driver} is left out of the drivers: a date is not a driver.",
                        driver=label(c),
                    )
                )
                continue
            col = acc[c].astype("string").str.strip().replace("", pd.NA).fillna("unknown")
            col, pooled = _pooled(col, y_all, min_level)
            counts = col.value_counts()
            base = str(next((v for v in counts.index if v != "other"), counts.index[0]))
            if pooled:
                shown = [label(v) for v in pooled[:5]]
                notes.append(
                    ntr(
                        "{driver}: {n} value pooled into “other” (fewer than {least} accounts, "
                        "or all or none churned): {values}.",
                        "{driver}: {n} values pooled into “other” (fewer than {least} accounts, "
                        "or all or none churned): {values}.",
                        len(pooled),
                        driver=label(c),
                        n=count(len(pooled)),
                        least=count(min_level),
                        values=names_list(shown),
                    )
                    if len(pooled) <= 5
                    else tr(
                        "{driver}: {n} values pooled into “other” (fewer than {least} accounts, "
                        "or all or none churned), among them {values}.",
                        driver=label(c),
                        n=count(len(pooled)),
                        least=count(min_level),
                        values=names_list(shown),
                    )
                )
                other = (col == "other").to_numpy()
                if float(y_all[other].mean()) in (0.0, 1.0):
                    # 'other' is still all one way: no odds ratio exists, and counting
                    # these accounts with another level would misstate that level
                    out_of_fit |= other
                    col = col.where(~other, base)
                    n_other = int(other.sum())
                    notes.append(
                        ntr(
                            "{driver}: the {n} account in “other” is left out of the fit (all "
                            "churned: no odds ratio can be estimated).",
                            "{driver}: the {n} accounts in “other” are left out of the fit (all "
                            "churned: no odds ratio can be estimated).",
                            n_other,
                            driver=label(c),
                            n=count(n_other),
                        )
                        if y_all[other].iloc[0]
                        else ntr(
                            "{driver}: the {n} account in “other” is left out of the fit (none "
                            "churned: no odds ratio can be estimated).",
                            "{driver}: the {n} accounts in “other” are left out of the fit (none "
                            "churned: no odds ratio can be estimated).",
                            n_other,
                            driver=label(c),
                            n=count(n_other),
                        )
                    )
            if col.nunique() < 2:
                notes.append(
                    tr(
                        "{driver} is left out of the drivers: fewer than two of its values have "
                        "{least} accounts.",
                        driver=label(c),
                        least=count(min_level),
                    )
                )
                continue
            d.category(c, col.astype("object"), base)
        X = d.frame(acc.index)[~out_of_fit]
        data = X.join(y_all).dropna()
        if len(data) < len(X):
            gaps = X.isna().sum()
            gaps = gaps[gaps > 0]
            # a category's levels share its gaps: one count per variable
            per_variable = {d.group.get(str(c), str(c)): int(n) for c, n in gaps.items()}
            which = names_list(
                tr("{driver}: {n}", driver=_driver_name(c), n=count(k))
                for c, k in per_variable.items()
            )
            notes.append(
                ntr(
                    "{n} account is left out of the fit for missing values ({which}).",
                    "{n} accounts are left out of the fit for missing values ({which}).",
                    len(X) - len(data),
                    n=count(len(X) - len(data)),
                    which=which,
                )
            )
        y = data.pop("churned").astype(int)
        n_churn = int(y.sum())
        events = min(n_churn, len(y) - n_churn)
        if n_churn < min_churners or events == 0:
            self._empty(
                len(y),
                n_churn,
                tr(
                    "The churn drivers are not fitted: {churners} of the {accounts} accounts "
                    "with every driver known churned; the fit needs at least {least} churners "
                    "and some who stayed.",
                    churners=count(n_churn),
                    accounts=count(len(y)),
                    least=count(min_churners),
                ),
                notes,
            )
            return
        cols, why = _independent(data)
        notes += why
        X = data[cols]
        candidates_n = X.shape[1]
        # events per parameter: keep the strongest variables (alone) while they fit
        allowed = events // epp
        groups = list(dict.fromkeys(d.group[c] for c in X.columns))
        members = {g: [c for c in X.columns if d.group[c] == g] for g in groups}
        if X.shape[1] > allowed:
            strength = {g: _univariate_p(y, X[members[g]]) for g in groups}
            kept_g, used = [], 0
            for g in sorted(groups, key=lambda g: strength[g]):
                if used + len(members[g]) <= allowed:
                    kept_g.append(g)
                    used += len(members[g])
            out = [g for g in groups if g not in kept_g]
            notes.append(
                tr(
                    "{events} events (the smaller of churners and stayers) allow {allowed} "
                    "parameters at {per} events each: only the strongest drivers are kept, "
                    "{left_out} are left out; significance is corrected for all {candidates} "
                    "candidate parameters.",
                    events=count(events),
                    allowed=count(allowed),
                    per=count(epp),
                    left_out=names_list(_driver_name(g) for g in out),
                    candidates=count(candidates_n),
                )
            )
            groups = [g for g in groups if g in kept_g]
        fit, failed, said = None, "", list[str]()
        while groups:
            cols = [c for g in groups for c in members[g]]
            fit, culprits, failed, said = _logit(y, X[cols], d)
            if not culprits:
                break
            for g in culprits:
                notes.append(
                    tr(
                        "{driver} is left out of the drivers: it separates churners from stayers "
                        "almost perfectly, so its odds ratio cannot be estimated (it runs off to "
                        "0 or infinity).",
                        driver=_driver_name(g),
                    )
                )
            groups = [g for g in groups if g not in culprits]
            fit = None
        if fit is None or failed:  # also no groups left: failed is "" then
            self._empty(
                len(y),
                n_churn,
                failed or tr("The churn drivers are not fitted: no driver could be estimated."),
                notes,
            )
            return
        ci = fit.conf_int()
        table = pd.DataFrame(
            {
                "odds_ratio": np.exp(fit.params),
                "ci_low": np.exp(ci[0]),
                "ci_high": np.exp(ci[1]),
                "p_value": fit.pvalues,
            }
        ).drop(index="const")
        # Holm over every candidate parameter: those the events rule left out count as p = 1
        padded = np.concatenate(
            [table["p_value"].to_numpy(), np.ones(max(candidates_n - len(table), 0))]
        )
        adjusted = holm(padded)[: len(table)]
        table["p_value_holm"] = adjusted
        table["significant"] = adjusted < 0.05
        table["baseline"] = pd.Series(
            [d.baseline[d.group[c]] if c in d.level else pd.NA for c in table.index],
            index=table.index,
            dtype="string",
        )
        table.index.name = "driver"
        reading = []
        for name, r in table.iterrows():
            if not r["significant"] or not all(
                math.isfinite(r[k]) for k in ("odds_ratio", "ci_low", "ci_high")
            ):
                continue
            values = {
                "ratio": _num(r["odds_ratio"]),
                "low": _num(r["ci_low"]),
                "high": _num(r["ci_high"]),
            }
            up = r["odds_ratio"] > 1
            if name in d.level:
                values["level"] = _driver_name(name)
                values["baseline"] = label(d.baseline[d.group[str(name)]])
                reading.append(
                    tr(
                        "{level} (against {baseline}) multiplies the odds of churning by "
                        "{ratio} (95% interval {low} to {high})",
                        **values,
                    )
                    if up
                    else tr(
                        "{level} (against {baseline}) lowers the odds of churning to {ratio} "
                        "times (95% interval {low} to {high})",
                        **values,
                    )
                )
            else:
                values["driver"] = _driver_name(name)
                reading.append(
                    tr(
                        "each unit more of {driver} multiplies the odds of churning by {ratio} "
                        "(95% interval {low} to {high})",
                        **values,
                    )
                    if up
                    else tr(
                        "each unit more of {driver} lowers the odds of churning to {ratio} "
                        "times (95% interval {low} to {high})",
                        **values,
                    )
                )
        self.table_, self.reading_ = table, reading
        self.n_, self.churners_, self.fit_ = len(y), n_churn, fit
        self.tested_ = candidates_n
        self.notes_ = tuple(notes + said)

    @property
    def reading(self) -> str:
        """What moves churn, in one plain sentence (or why nothing was fitted)."""
        if self.fit_ is None:
            return self.notes[0]
        if not self.reading_:
            return tr(
                "No driver moves churn beyond chance (Holm-adjusted p < 0.05 over the {n} "
                "driver parameters tested, so that chance alone rarely names one).",
                n=count(self.tested_),
            )
        return tr(
            "What moves churn (logistic regression on {accounts} accounts, odds ratios; "
            "Holm-adjusted p < 0.05 over the {n} driver parameters tested, so that chance "
            "alone rarely names one): {findings}.",
            accounts=count(self.n_),
            n=count(self.tested_),
            findings=_clauses(self.reading_),
        )

    def summary(self) -> pd.DataFrame:
        t = self._fitted("table_")
        return figures(
            {
                "n": self.n_,
                "churned": self.churners_,
                "drivers": len(t),
                "drivers_significant": int(t["significant"].sum()) if len(t) else 0,
            }
        )

    def plot(self, *, ax=None):
        """Odds ratios with their 95% intervals on a log scale; returns the Axes."""
        ax = axes(ax)
        t = self.table
        if t.empty:
            return nothing_to_draw(ax, self.notes[0] if self.notes else tr("Nothing fitted."))
        y = np.arange(len(t))
        ax.errorbar(
            t["odds_ratio"],
            y,
            xerr=[t["odds_ratio"] - t["ci_low"], t["ci_high"] - t["odds_ratio"]],
            fmt="o",
            color="#4c72b0",
            capsize=3,
        )
        ax.axvline(1, color="grey", ls="--", lw=0.8)
        ax.set_xscale("log")
        ratio_axis(ax, axis="x")
        ax.set_yticks(y, [wrap(_driver_name(i), 30) for i in t.index])
        ax.invert_yaxis()
        ax.set_xlabel(tr("Odds ratio of churning (95% interval; 1 = no effect)"))
        return ax


def churn_drivers(
    book: Book, *, min_churners: int | None = None, extra: list[str] | None = None
) -> ChurnDrivers:
    """``ChurnDrivers(min_churners=..., extra=...).fit(book)``: see :class:`ChurnDrivers`."""
    return ChurnDrivers(min_churners=min_churners, extra=extra).fit(book)


#: days in an average month: tenure in months <-> dates (as ``_validate`` derives tenure)
_MONTH_DAYS = 365.25 / 12


def churn_window(book: Book) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The observation window: its first day and the day after its last (as-of) day, or
    None when its start or end is unknown."""
    start = book.observation_start()
    if start is None or book.as_of is None:
        return None
    return start, book.as_of.normalize() + pd.Timedelta(days=1)


def _spells(book: Book, acc: pd.DataFrame, window: tuple[pd.Timestamp, pd.Timestamp]):
    """Each account's joining and leaving dates, as far as the data give them.

    Returns ``(join, exit, churned, undated)``: arrays of datetime64 (NaT when unknown)
    and flags. ``join`` is ``join_date``, else the leaving date minus ``tenure_months``;
    ``exit`` is the churn date for churners, the day after as-of for the others. A
    churner without a churn date left somewhere inside the window: it is taken to have
    left mid-window (``undated`` marks them, so the caller can say so).
    """
    start, end = window
    n = len(acc)
    nat = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    churned = (acc["status"] == "churned").to_numpy(dtype=bool, na_value=False)
    cdate = acc["churn_date"].to_numpy(dtype="datetime64[ns]") if "churn_date" in acc else nat
    undated = churned & np.isnat(cdate)
    mid = (start + (end - start) / 2).to_datetime64()
    exit_ = np.where(churned, np.where(undated, mid, cdate), end.to_datetime64())
    join = acc["join_date"].to_numpy(dtype="datetime64[ns]") if "join_date" in acc else nat
    if "tenure_months" in acc:
        tenure = acc["tenure_months"].to_numpy(dtype="float64", na_value=np.nan)
        back = pd.to_timedelta(tenure * _MONTH_DAYS, unit="D").to_numpy()
        join = np.where(np.isnat(join), exit_ - back, join)
    return join, exit_, churned, undated


def _durations(book: Book) -> tuple[pd.DataFrame, list[str]]:
    """Tenure at exit or as-of (``tenure_months``), event flag, cause group, and entry;
    with the notes that say what was left out or assumed.

    ``entry`` is the tenure at which the account came under observation (the months
    between joining and the observation start, 0 for those who joined later). Churn is
    only seen inside the observation window, so an account that joined before it is
    *left-truncated*: it enters the risk set at its entry tenure, not at 0 (ignoring
    this understates early churn). Accounts outside the churn denominator (those that
    left before the window, the rule of :func:`churn_rates`) and rows whose entry is not
    below their exit are left out: they were never seen at risk. Without an observation
    start (no billing months, no ``observed_from``) there is no entry to give: the frame
    is empty and the notes say why.
    """
    acc = book.accounts
    if "tenure_months" not in acc or acc["tenure_months"].isna().all():
        return pd.DataFrame(), [tr("The data have no tenure or join date.")]
    window = churn_window(book)
    if window is None:
        return pd.DataFrame(), [
            tr(
                "The data do not say when observation began (no billing months, and the "
                "mapping states no start): accounts that joined before the data began cannot "
                "be placed at the tenure at which they were first seen."
            )
        ]
    start = window[0]
    join, exit_, churned, undated = _spells(book, acc, window)
    tenure = acc["tenure_months"].to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        entry = np.clip(
            (start.to_datetime64() - join) / np.timedelta64(1, "D") / _MONTH_DAYS, 0, None
        )
    # the churn denominator's rule: an account that left before the window is not in it
    before = churned & ~undated & (exit_ < start.to_datetime64())
    seen = ~before & np.isfinite(tenure) & (tenure > 0) & np.isfinite(entry) & (entry < tenure)
    d = pd.DataFrame(
        {
            "account_id": acc["account_id"].to_numpy(),
            "tenure_months": tenure,
            "status": acc["status"].to_numpy(),
            "event": churned.astype(int),
            "group": (
                acc["churn_cause_group"].astype("object").fillna("unknown").to_numpy()
                if "churn_cause_group" in acc
                else "unknown"
            ),
            "entry": entry,
        },
        index=acc.index,
    )[seen]
    notes = []
    gone = int((before & np.isfinite(tenure)).sum())
    if gone:
        notes.append(
            ntr(
                "{n} account that left before observation began ({start}) is left out of "
                "the curves: it was never seen at risk.",
                "{n} accounts that left before observation began ({start}) are left out of "
                "the curves: they were never seen at risk.",
                gone,
                n=count(gone),
                start=month(start),
            )
        )
    unknown = int((~before & ~np.isfinite(tenure)).sum())
    if unknown:
        notes.append(
            ntr(
                "{n} account without a join date or tenure is left out of the curves: how "
                "long it has been a customer is not known.",
                "{n} accounts without a join date or tenure are left out of the curves: how "
                "long they have been customers is not known.",
                unknown,
                n=count(unknown),
            )
        )
    undated_seen = int((undated & seen).sum())
    if undated_seen:
        notes.append(
            ntr(
                "{n} churned account without a churn date is taken to have left mid-window.",
                "{n} churned accounts without a churn date are taken to have left mid-window.",
                undated_seen,
                n=count(undated_seen),
            )
        )
    return d, notes


def _loglog_band(
    surv: np.ndarray, se: np.ndarray, *, alpha: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise interval of a Kaplan-Meier estimate on the log(-log) scale.

    With Greenwood's standard error ``se`` of S, the standard error of log S is se / S and
    that of log(-log S) is se / (S |log S|) (delta method). The interval of log(-log S)
    is mapped back: S ** exp(+-z se / (S |log S|)). Unlike S +- z se it stays inside
    [0, 1] without clipping and is not symmetric where S is near 0 or 1. Where S is 1 or
    0 the interval is that point.
    """
    from scipy.stats import norm

    z = float(norm.ppf(1 - alpha / 2))
    surv = np.asarray(surv, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = z * (np.asarray(se, dtype=float) / surv) / np.abs(np.log(surv))
        lo = surv ** np.exp(w)
        hi = surv ** np.exp(-w)
    inside = (surv > 0) & (surv < 1)
    return np.where(inside, lo, surv), np.where(inside, hi, surv)


def _at_risk(times: np.ndarray, exit_: np.ndarray, entry: np.ndarray) -> np.ndarray:
    """Accounts at risk at each time t: entered before t and not gone before t."""
    times = np.asarray(times, dtype=float)
    out = np.searchsorted(np.sort(exit_), times, side="left")  # gone before t
    came = np.searchsorted(np.sort(entry), times, side="left")  # entered before t
    return (came - out).astype(int)


def _cut(part: pd.DataFrame, min_at_risk: int) -> tuple[pd.DataFrame, float | None]:
    """The curve up to the first time fewer than ``min_at_risk`` accounts are at risk;
    that time (None when never)."""
    low = np.flatnonzero(part["at_risk"].to_numpy() < min_at_risk)
    if not len(low):
        return part, None
    return part.iloc[: low[0]], float(part["months"].iloc[low[0]])


def _cut_notes(cuts: dict[str, float], min_at_risk: int) -> list[str]:
    """Where each curve was cut, in one sentence."""
    if not cuts:
        return []
    where = names_list(
        tr("{curve} at {months} months", curve=label(g), months=f"{m:.1f}") for g, m in cuts.items()
    )
    return [
        tr(
            "The curves stop where fewer than {least} accounts remain at risk: {where}.",
            least=count(min_at_risk),
            where=where,
        )
    ]


class RetentionCurves(TableResult):
    """Kaplan-Meier retention per group over tenure (:func:`retention_curves`): one row
    per group and event time with ``retained``, its 95% interval (log-log) and the
    accounts ``at_risk``. ``risk_table`` holds the accounts at risk per group at a few
    tenures (drawn under the curves)."""

    def __init__(
        self,
        table: pd.DataFrame,
        notes: tuple[str, ...] | list[str] = (),
        risk_table: pd.DataFrame | None = None,
    ):
        super().__init__(table, notes)
        self.risk_table = risk_table if risk_table is not None else pd.DataFrame()

    def summary(self) -> pd.DataFrame:
        t = self.table
        if t.empty:
            return figures(
                {"groups": 0, "longest_tenure_months": np.nan, "lowest_retained": np.nan}
            )
        last = t.groupby("group").tail(1)
        return figures(
            {
                "groups": t["group"].nunique(),
                "longest_tenure_months": float(t["months"].max()),
                "lowest_retained": float(last["retained"].min()),
            }
        )

    def plot(self, *, ax=None):
        """Retention curves with their bands and the accounts at risk under them; returns
        the Axes."""
        ax = axes(ax)
        curves = self.table
        if curves.empty:
            return nothing_to_draw(ax, self.notes[0] if self.notes else tr("No retention curve."))
        colors = {}
        for g, part in curves.groupby("group", sort=True):
            # from 100% at tenure 0 to each event time: a step curve starts where all stay
            x = np.concatenate([[0.0], part["months"].to_numpy()])
            y = np.concatenate([[1.0], part["retained"].to_numpy()]) * 100
            line = ax.step(x, y, where="post", label=label(g))[0]
            colors[g] = line.get_color()
            ax.fill_between(
                part["months"],
                part["ci_low"] * 100,
                part["ci_high"] * 100,
                step="post",
                color=line.get_color(),
                alpha=0.15,
            )
        ax.set_xlabel(tr("Months since joining"))
        share_axis(ax, axis="y", whole=100)
        ax.set_ylabel(tr("Share still a customer (95% band)"))
        ax.set_ylim(0, 101)
        ax.set_xlim(left=0)
        ax.legend(fontsize=8)
        _risk_rows(ax, self.risk_table, colors)
        return ax


def _risk_rows(ax, risk: pd.DataFrame, colors: dict[Any, str]) -> None:
    """The accounts at risk under the x axis: one row per curve, one count per tenure."""
    if risk.empty:
        return
    # below the axis label: x in data coordinates (months), y in axes coordinates
    trans = ax.get_xaxis_transform()
    ax.text(
        -0.07, -0.22, tr("Number at risk"), transform=ax.transAxes, ha="right", va="top", fontsize=7
    )
    for row, (g, counts) in enumerate(risk.iterrows()):
        y = -0.3 - 0.08 * row
        color = colors.get(g, "black")
        ax.text(
            -0.07,
            y,
            label(g),
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=7,
            color=color,
        )
        for m, n in counts.items():
            if pd.notna(n):
                ax.text(
                    float(str(m)),
                    y,
                    count(n),
                    transform=trans,
                    ha="center",
                    va="top",
                    fontsize=7,
                    color=color,
                )


_CURVE_COLUMNS = ["group", "months", "retained", "ci_low", "ci_high", "at_risk", "accounts"]


def _risk_ticks(longest: float) -> np.ndarray:
    """A few round tenures from 0 to ``longest`` (months) for the at-risk counts."""
    step = next(s for s in (3, 6, 12, 24, 36, 60, 120, 240) if longest / s <= 6)
    return np.arange(0, longest + 1e-9, step, dtype=float)


def retention_curves(
    book: Book,
    *,
    by: str | pd.Series = "customer_type",
    min_accounts: int | None = None,
    min_at_risk: int | None = None,
    alpha: float = 0.05,
) -> RetentionCurves:
    """Kaplan-Meier retention by group over tenure (months), statsmodels' SurvfuncRight.

    Tidy: one row per group and event time with ``retained`` (survival), its pointwise
    interval on the log(-log) scale (:func:`_loglog_band`) and ``at_risk``, the accounts
    at risk just before that time. Without the ``by`` column in the data, one curve for
    all accounts. Left truncation is handled: accounts enter the risk set at the tenure
    they had when observation began (see ``_durations``); accounts that left before it
    are not counted; without an observation start no curve is drawn and ``notes`` say
    why. Groups below ``min_accounts`` are left out (default: ``churn.yaml:
    min_accounts``); each curve stops where fewer than ``min_at_risk`` accounts remain at
    risk (default: ``churn.yaml: min_at_risk``), and ``notes`` say where.

    Examples
    --------
    >>> import kamlib
    >>> r = kamlib.retention_curves(kamlib.load(kamlib.sample_path()).branch("Suzhou"))
    >>> bool((r.table["at_risk"] >= 10).all())
    True
    """
    from statsmodels.duration.survfunc import SurvfuncRight

    min_accounts = _limit(min_accounts, "min_accounts")
    min_at_risk = _limit(min_at_risk, "min_at_risk")
    d, said = _durations(book)
    if d.empty:
        return RetentionCurves(
            pd.DataFrame(columns=_CURVE_COLUMNS),
            (*said, tr("No retention curve can be drawn.")),
        )
    if isinstance(by, pd.Series):
        key = lookup(d["account_id"], by)
    elif has_column(book, by, caller="retention_curves"):
        key = book.accounts.loc[d.index, by]
    else:  # the grouping column is not in the data: one curve for all accounts
        key = pd.Series("all", index=d.index)
    rows, spans = [], {}
    skipped, thin = [], []
    cuts: dict[str, float] = {}
    if not isinstance(by, pd.Series) and by not in book.accounts:
        said.insert(
            0,
            tr(
                "The data have no {column}: one curve for all accounts.",
                column=column_in_sentence(by),
            ),
        )
    for g, part in d.groupby(key.astype("object").fillna("unknown")):  # a handful of groups
        if len(part) < min_accounts or part["event"].sum() == 0:
            skipped.append(str(g))
            continue
        with np.errstate(divide="ignore", invalid="ignore"):  # Greenwood where all left
            sf = SurvfuncRight(
                part["tenure_months"].to_numpy(),
                part["event"].to_numpy(),
                entry=part["entry"].to_numpy(),
            )
        lo, hi = _loglog_band(sf.surv_prob, sf.surv_prob_se, alpha=alpha)
        curve = pd.DataFrame(
            {
                "group": g,
                "months": sf.surv_times,
                "retained": sf.surv_prob,
                "ci_low": lo,
                "ci_high": hi,
                "at_risk": np.asarray(sf.n_risk, dtype=int),
                "accounts": len(part),
            }
        )
        curve, cut = _cut(curve, min_at_risk)
        if curve.empty:
            thin.append(str(g))
            continue
        if cut is not None:
            cuts[str(g)] = cut
        rows.append(curve)
        spans[g] = (part, float(curve["months"].iloc[-1]))
    if skipped:
        said.append(
            tr(
                "No curve for {groups}: fewer than {least} accounts, or no churn.",
                groups=names_list(label(g) for g in skipped),
                least=count(min_accounts),
            )
        )
    if thin:
        said.append(
            tr(
                "No curve for {groups}: fewer than {least} accounts at risk at the first churn.",
                groups=names_list(label(g) for g in thin),
                least=count(min_at_risk),
            )
        )
    said += _cut_notes(cuts, min_at_risk)
    table = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=_CURVE_COLUMNS)
    return RetentionCurves(table, said, risk_table=_risk_table(spans))


def _risk_table(spans: dict[Any, tuple[pd.DataFrame, float]]) -> pd.DataFrame:
    """Accounts at risk per curve at a few round tenures, as drawn under the curves.

    ``spans``: per curve, its accounts (``tenure_months``, ``entry``) and the last tenure
    the curve reaches; past it the count is NaN (not drawn)."""
    if not spans:
        return pd.DataFrame()
    ticks = _risk_ticks(max(end for _, end in spans.values()))
    risk = pd.DataFrame(
        {
            f"{t:g}": {
                g: (
                    _at_risk(
                        np.array([max(t, 1e-9)]),
                        part["tenure_months"].to_numpy(),
                        part["entry"].to_numpy(),
                    )[0]
                    if t <= end
                    else np.nan
                )
                for g, (part, end) in spans.items()
            }
            for t in ticks
        }
    )
    risk.index.name, risk.columns.name = "group", "months"
    return risk


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


class CumulativeIncidence(TableResult):
    """Cumulative incidence of churn per cause group over tenure (:func:`cumulative_incidence`).

    ``risk_table`` holds the accounts at risk at a few tenures (one row: the cause groups
    compete for the same accounts), drawn under the curves as in
    :meth:`RetentionCurves.plot`."""

    def __init__(
        self,
        table: pd.DataFrame,
        notes: tuple[str, ...] | list[str] = (),
        risk_table: pd.DataFrame | None = None,
    ):
        super().__init__(table, notes)
        self.risk_table = risk_table if risk_table is not None else pd.DataFrame()

    def summary(self) -> pd.DataFrame:
        t = self.table
        if t.empty:
            return figures(
                {"groups": 0, "highest_incidence_group": None, "highest_incidence": np.nan}
            )
        last = t.groupby("group")["incidence"].last()
        return figures(
            {
                "groups": len(last),
                "highest_incidence_group": last.idxmax(),
                "highest_incidence": float(last.max()),
            }
        )

    def plot(self, *, ax=None):
        """One step curve per cause group, the accounts at risk under them; returns the
        Axes."""
        ax = axes(ax)
        incidence = self.table
        if incidence.empty:
            return nothing_to_draw(ax, self.notes[0] if self.notes else tr("No churn."))
        for g, part in incidence.groupby("group", sort=True):
            ax.step(
                part["months"],
                part["incidence"] * 100,
                where="post",
                label=_cause_name(g),
                color=GROUP_COLORS.get(str(g)),
            )
        ax.set_xlabel(tr("Months since joining"))
        share_axis(ax, axis="y", whole=100)
        ax.set_ylabel(tr("Share of accounts lost to the cause group"))
        ax.set_ylim(bottom=0)
        ax.legend(title=tr("Cause group"), fontsize=8)
        ax.set_title(tr("Churn by cause group over tenure (competing risks)"))
        _risk_rows(ax, self.risk_table, {})
        return ax


def cumulative_incidence(book: Book, *, min_at_risk: int | None = None) -> CumulativeIncidence:
    """Cumulative incidence of churn by cause group over tenure, as competing risks.

    Aalen-Johansen with delayed entry (:func:`aalen_johansen`): each cause group's share
    of accounts lost by a given tenure, the other groups competing. The same accounts as
    :func:`retention_curves` (left truncation, nothing before the observation start);
    ``at_risk`` is the accounts at risk just before each time, and the curves stop where
    fewer than ``min_at_risk`` remain (default: ``churn.yaml: min_at_risk``).
    """
    min_at_risk = _limit(min_at_risk, "min_at_risk")
    d, said = _durations(book)
    if d.empty or d["event"].sum() == 0:
        if not d.empty:
            said = [*said, tr("No account with a known tenure churned.")]
        return CumulativeIncidence(
            pd.DataFrame(columns=["group", "months", "incidence", "at_risk"]),
            (*said, tr("No cumulative incidence curve can be drawn.")),
        )
    groups = sorted(d.loc[d["event"] == 1, "group"].unique())
    code = (
        d["group"]
        .map({g: i + 1 for i, g in enumerate(groups)})
        .where(d["event"] == 1, 0)
        .astype(int)
    )
    exit_, entry = d["tenure_months"].to_numpy(), d["entry"].to_numpy()
    times, inc = aalen_johansen(exit_, code.to_numpy(), entry)
    n_at = _at_risk(times, exit_, entry)
    keep = len(times) if (n_at >= min_at_risk).all() else int(np.argmax(n_at < min_at_risk))
    if keep < len(times):
        said.append(
            tr(
                "The cause-group curves stop at {months} months, where fewer than {least} "
                "accounts remain at risk.",
                months=f"{times[keep]:.1f}",
                least=count(min_at_risk),
            )
        )
    out = [
        pd.DataFrame(
            {"group": g, "months": times[:keep], "incidence": inc[i, :keep], "at_risk": n_at[:keep]}
        )
        for i, g in enumerate(groups)
    ]
    spans = {"all": (d, float(times[keep - 1]))} if keep else {}
    return CumulativeIncidence(pd.concat(out, ignore_index=True), said, _risk_table(spans))


class GroupWarnings(TableResult):
    """Groups (accounts with many lines) whose forwarding to other operators rises while
    their group bill falls (:func:`group_warnings`); ``warning`` marks those that meet
    both rules, ranked by ``revenue_at_risk_year``.

    Where the data say which groups have left (``status``), the rule is back-tested:
    ``precision`` is the share of warned groups that left, ``recall`` the share of the
    groups that left (and whose signals could be read) that the rule warned, each with a
    Wilson interval. Both are NaN when not computable (no status, nobody warned, nobody
    left); ``reading`` says it in words, in counts when they are few.
    """

    def __init__(
        self,
        table: pd.DataFrame,
        notes: tuple[str, ...] | list[str] = (),
        *,
        min_groups: int = 10,
    ):
        self.min_groups = min_groups
        super().__init__(table, notes)
        said = self.reading
        if said:
            self.notes = (*self.notes, said)

    def _backtest(self) -> dict[str, float]:
        """Counts and shares of the back-test (NaN where not computable)."""
        t = self.table
        nan = math.nan
        if not len(t) or "status" not in t or t["status"].isna().all():
            return {"warned": nan, "warned_left": nan, "left": nan, "left_warned": nan}
        left = (t["status"] == "churned").to_numpy(dtype=bool, na_value=False)
        warned = t["warning"].to_numpy(dtype=bool, na_value=False)
        # a group whose two periods could not both be read could not have been warned
        readable = t[["forwarding_rise", "bill_change"]].notna().all(axis=1).to_numpy()
        return {
            "warned": float(warned.sum()),
            "warned_left": float((warned & left).sum()),
            "left": float((left & readable).sum()),
            "left_warned": float((left & readable & warned).sum()),
        }

    def summary(self) -> pd.DataFrame:
        t = self.table
        w = t[t["warning"]] if len(t) else t
        active = w["status"] == "active" if "status" in w else pd.Series(True, index=w.index)
        b = self._backtest()
        (p_lo, r_lo), (p_hi, r_hi) = wilson_interval(
            np.nan_to_num([b["warned_left"], b["left_warned"]]),
            np.nan_to_num([b["warned"], b["left"]]),
        )
        precision = b["warned_left"] / b["warned"] if b["warned"] > 0 else math.nan
        recall = b["left_warned"] / b["left"] if b["left"] > 0 else math.nan
        return figures(
            {
                "groups": len(t),
                "warned": len(w),
                "warned_active": int(active.sum()),
                "revenue_at_risk_year": float(w.loc[active, "revenue_at_risk_year"].sum())
                if len(w)
                else 0.0,
                "warned_left": b["warned_left"],
                "groups_left": b["left"],
                "groups_left_warned": b["left_warned"],
                "precision": precision,
                "precision_ci_low": float(p_lo) if precision == precision else math.nan,
                "precision_ci_high": float(p_hi) if precision == precision else math.nan,
                "recall": recall,
                "recall_ci_low": float(r_lo) if recall == recall else math.nan,
                "recall_ci_high": float(r_hi) if recall == recall else math.nan,
            }
        )

    @property
    def reading(self) -> str:
        """The back-test of the rule in one or two plain sentences ("" without a status).

        Counts when fewer than ``min_groups`` groups are behind a share ("3 of 4 warned
        groups have left"), else the share with its 95% interval as well.
        """
        b = self._backtest()
        if not (b["warned"] > 0 or b["left"] > 0):
            return ""

        def rate(k: int, n: int) -> dict[str, str] | None:
            """The share with its interval, or None when too few groups are behind it."""
            if n < self.min_groups:
                return None
            lo, hi = wilson_interval(k, n)
            return {"share": share(k / n), "low": share(float(lo)), "high": share(float(hi))}

        parts = []
        if b["warned"] > 0:
            k, n = int(b["warned_left"]), int(b["warned"])
            r = rate(k, n)
            parts.append(
                ntr(
                    "{k} of {n} warned group has already left",
                    "{k} of {n} warned groups have already left",
                    n,
                    k=count(k),
                    n=count(n),
                )
                if r is None
                else ntr(
                    "{k} of {n} warned group has already left ({share}, 95% interval {low} "
                    "to {high})",
                    "{k} of {n} warned groups have already left ({share}, 95% interval {low} "
                    "to {high})",
                    n,
                    k=count(k),
                    n=count(n),
                    **r,
                )
            )
        else:
            parts.append(tr("no group was warned"))
        if b["left"] > 0:
            k, n = int(b["left_warned"]), int(b["left"])
            r = rate(k, n)
            parts.append(
                ntr(
                    "the rule warned {k} of the {n} group that left",
                    "the rule warned {k} of the {n} groups that left",
                    n,
                    k=count(k),
                    n=count(n),
                )
                if r is None
                else ntr(
                    "the rule warned {k} of the {n} group that left ({share}, 95% interval "
                    "{low} to {high})",
                    "the rule warned {k} of the {n} groups that left ({share}, 95% interval "
                    "{low} to {high})",
                    n,
                    k=count(k),
                    n=count(n),
                    **r,
                )
            )
        return tr(
            "Back-test of the warning rule on groups whose fate is already in the data, not "
            "a forecast: {findings}. Warned groups still with us may yet leave.",
            findings=_clauses(parts),
        )

    def plot(self, *, ax=None):
        """Every group's change in forwarding against its change in bill; the warned
        ones in red. Returns the Axes."""
        ax = axes(ax)
        t = self.table
        if t.empty:
            return nothing_to_draw(ax, self.notes[0] if self.notes else tr("No groups."))
        ax.scatter(t["bill_change"] * 100, t["forwarding_rise"] * 100, color="#8c8c8c", s=12)
        w = t[t["warning"]]
        ax.scatter(w["bill_change"] * 100, w["forwarding_rise"] * 100, color="#c44e52", s=24)
        ax.axhline(0, color="grey", lw=0.6)
        ax.axvline(0, color="grey", lw=0.6)
        share_axis(ax, axis="x", whole=100)
        ax.set_xlabel(tr("Change in the group's bill"))
        ax.set_ylabel(tr("Rise in calls forwarded to other operators (percentage points)"))
        from matplotlib.lines import Line2D

        ax.legend(
            [Line2D([], [], ls="", marker="o", color=c) for c in ("#c44e52", "#8c8c8c")],
            [tr("Warning: about to leave"), tr("No warning")],
            fontsize=8,
        )
        return ax


_WARNING_COLUMNS = [
    "forwarded_share_before",
    "forwarded_share_now",
    "group_bill_before",
    "group_bill_now",
    "forwarding_rise",
    "bill_change",
    "warning",
    "revenue_at_risk_year",
]


def group_warnings(book: Book, *, rules: str | Path | dict | None = None) -> GroupWarnings:
    """Groups whose forwarding to other operators rises while their group bill falls.

    The rules are ``churn.yaml: warnings``: a group is an account with at least
    ``min_lines`` lines; its last ``window`` months are compared with the ``window``
    months before; it is warned when the share of its calls forwarded to other operators
    rose by at least ``forward_rise`` (absolute) AND its group bill fell by at least
    ``bill_drop``. ``rules`` overrides them (a YAML path or a dict of the keys changed,
    e.g. ``{"warnings": {"window": 6}}``).

    Ranked by revenue at risk (the baseline monthly group bill x 12). Each group is read
    over its own last months, so a group that already left shows the signals it gave
    before leaving (``status`` says which). With ``status`` the rule is back-tested on
    the groups whose fate is known (:class:`GroupWarnings`: precision and recall with
    Wilson intervals; in counts below ``min_groups_for_rate`` groups).
    """
    r = settings("churn", rules, caller="group_warnings")["warnings"]
    if not book.has("usage"):
        return GroupWarnings(
            pd.DataFrame(columns=_WARNING_COLUMNS),
            (tr("The data have no usage: group-churn warnings cannot be computed."),),
        )
    u = book.table("usage")
    lacking = [
        c
        for c in ("lines", "calls", "forwarded_calls", "group_bill")
        if c not in u or u[c].isna().all()
    ]
    if lacking:  # an export's usage without the signals: said, not a KeyError
        return GroupWarnings(
            pd.DataFrame(columns=_WARNING_COLUMNS),
            (
                tr(
                    "The usage table has no {columns}: group-churn warnings cannot be computed.",
                    columns=names_list(column_in_sentence(c) for c in lacking),
                ),
            ),
        )
    u = u.sort_values(["account_id", "month"])
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
        return GroupWarnings(
            pd.DataFrame(columns=_WARNING_COLUMNS),
            (
                tr(
                    "No group has at least {lines} lines and {months} months of usage: no "
                    "group-churn warnings.",
                    lines=count(r["min_lines"]),
                    months=count(2 * w),
                ),
            ),
        )
    share = agg["forwarded_calls"] / agg["calls"].where(agg["calls"] > 0)
    out = pd.DataFrame(
        {
            "forwarded_share_before": share["baseline"],
            "forwarded_share_now": share["recent"],
            "group_bill_before": agg["group_bill"]["baseline"] / w,
            "group_bill_now": agg["group_bill"]["recent"] / w,
        }
    )
    out["forwarding_rise"] = out["forwarded_share_now"] - out["forwarded_share_before"]
    out["bill_change"] = (
        out["group_bill_now"] / out["group_bill_before"].where(out["group_bill_before"] > 0) - 1
    )
    out["warning"] = (out["forwarding_rise"] >= r["forward_rise"]) & (
        out["bill_change"] <= -r["bill_drop"]
    )
    out["revenue_at_risk_year"] = out["group_bill_before"] * 12
    acc = book.accounts.set_index("account_id")
    out = out.join(acc[[c for c in ("name", "branch", "status", "lines") if c in acc]], how="left")
    out["lines"] = lines.reindex(out.index)
    return GroupWarnings(
        out.sort_values(["warning", "revenue_at_risk_year"], ascending=False),
        min_groups=int(r["min_groups_for_rate"]),
    )


class RetentionFunnel(TableResult):
    """Warned -> reached -> intent to leave -> retained per group (:func:`retention_funnel`)."""

    def summary(self) -> pd.DataFrame:
        t = self.table
        steps = {c: int(t[c].sum()) if len(t) else 0 for c in _FUNNEL_STEPS}
        return figures(
            {
                **steps,
                "retained_of_warned": steps["retained"] / steps["warned"]
                if steps["warned"]
                else np.nan,
            }
        )

    def plot(self, *, ax=None):
        """The funnel as bars, each step with its share of the warned; returns the Axes."""
        ax = axes(ax)
        if self.table.empty:
            return nothing_to_draw(
                ax, self.notes[0] if self.notes else tr("No retention contacts in the data.")
            )
        v = self.table[_FUNNEL_STEPS].sum()
        y = np.arange(len(_FUNNEL_STEPS))[::-1]
        ax.barh(y, v.to_numpy(), color=["#4c72b0", "#64b5cd", "#dd8452", "#55a868"])
        for yi, (name, n) in zip(y, v.items(), strict=True):
            if v["warned"] and name != "warned":
                text = tr(
                    "{accounts} ({share} of the warned)",
                    accounts=count(n),
                    share=share(n / v["warned"]),
                )
            else:
                text = count(n)
            ax.text(n, yi, " " + text, va="center", fontsize=9)
        ax.set_yticks(y, [label(s) for s in _FUNNEL_STEPS])
        ax.set_xlim(0, max(float(v.max()), 1) * 1.45)
        count_axis(ax, axis="x")
        ax.set_xlabel(label("accounts"))
        return ax


_FUNNEL_STEPS = ["warned", "reached", "intent_to_leave", "retained"]


def retention_funnel(book: Book, *, by: str | None = None) -> RetentionFunnel:
    """Warned -> reached -> intent to leave -> retained, with conversion at each step."""
    if not book.has("contacts"):
        return RetentionFunnel(
            pd.DataFrame(columns=_FUNNEL_STEPS),
            (tr("The data have no retention contacts: no retention funnel."),),
        )
    c = book.table("contacts").copy()
    for col in ("reached", "intent_to_leave", "retained"):
        c[col] = c[col].fillna(False).astype(bool)
    absent = by is not None and not has_column(book, by, caller="retention_funnel")
    by_name = by
    if absent:
        by = None
    if by is not None:
        c[by] = c["account_id"].map(book.accounts.set_index("account_id")[by])
    keys = [by] if by else [pd.Series("all", index=c.index, name="group")]
    g = c.groupby(keys, observed=True)
    out = pd.DataFrame(
        {
            "warned": g.size(),
            "reached": g["reached"].sum(),
            "intent_to_leave": g["intent_to_leave"].sum(),
            "retained": g["retained"].sum(),
        }
    )
    out["reached_of_warned"] = out["reached"] / out["warned"]
    out["intent_of_reached"] = out["intent_to_leave"] / out["reached"].where(out["reached"] > 0)
    out["retained_of_intent"] = out["retained"] / out["intent_to_leave"].where(
        out["intent_to_leave"] > 0
    )
    out["retained_of_warned"] = out["retained"] / out["warned"]
    return RetentionFunnel(
        out,
        (
            (
                tr(
                    "The data have no {column}: one funnel for all accounts.",
                    column=column_in_sentence(by_name),
                ),
            )
            if absent
            else ()
        ),
    )


_ECONOMICS_ITEMS = (
    "accounts_warned",
    "accounts_retained",
    "churn_rate_if_not_retained",
    "churn_rate_of_retained",
    "revenue_saved",
    "cost_of_contacts",
    "cost_of_replacing",
    "months_of_revenue_saved",
    "acquisition_to_retention_cost",
    "retention_cost_per_contact",
)


class RetentionEconomics(TableResult):
    """Revenue saved by retention against its cost (:func:`retention_economics`):
    one row per item with its ``value`` and ``basis`` (measured or assumed)."""

    def summary(self) -> pd.DataFrame:
        if self.table.empty:  # no contacts: every figure unknown, the same figures named
            return figures(dict.fromkeys(_ECONOMICS_ITEMS, np.nan))
        return figures(self.table["value"].to_dict())

    def plot(self, *, ax=None):
        """Revenue saved beside the cost of the contacts; returns the Axes."""
        ax = axes(ax)
        t = self.table
        if t.empty:
            return nothing_to_draw(
                ax, self.notes[0] if self.notes else tr("No retention contacts in the data.")
            )
        items = ["revenue_saved", "cost_of_contacts", "cost_of_replacing"]
        ax.bar(range(3), t.loc[items, "value"].to_numpy(dtype=float), color="#4c72b0")
        ax.set_xticks(range(3), [wrap(label(i), 20) for i in items])
        if self.currency:
            money_axis(ax, self.currency, axis="y")
        return ax


def retention_economics(
    book: Book, *, rules: str | Path | dict | None = None
) -> RetentionEconomics:
    """Revenue saved by the retained accounts against what the retention effort cost.

    Revenue saved counts only what retention changed. Without retention a warned account
    would not surely have left: the comparison is the warned accounts that were not
    retained. Per customer type (one group without it), revenue saved is

        retained accounts' monthly revenue x (churn rate of the warned, not retained
        - churn rate of the retained, floored at 0) x months a retained account stays

    A type with no warned account that was not retained takes the rate of all types. The
    comparison is an assumption (the accounts that were kept may differ from those that
    were not in more than retention), stated in the ``basis`` column and the notes.

    The other assumptions are ``churn.yaml: retention`` and are rows of the table, with
    ``basis`` "assumption"; figures from the data have basis "measured". ``rules``
    overrides them (a YAML path or a dict of the keys changed, e.g.
    ``{"retention": {"months_of_revenue_saved": 24}}``).

    Examples
    --------
    >>> import kamlib
    >>> e = kamlib.retention_economics(kamlib.load(kamlib.sample_path()).branch("Suzhou"))
    >>> e.table.loc["revenue_saved", "basis"].startswith("Retained accounts' revenue ×")
    True
    """
    a = settings("churn", rules, caller="retention_economics")["retention"]
    f = retention_funnel(book).table
    if f.empty:
        return RetentionEconomics(
            pd.DataFrame(columns=["value", "basis"]),
            (tr("The data have no retention contacts: retention economics cannot be computed."),),
            currency=book.currency,
        )
    c = book.table("contacts")
    kept = c.loc[c["retained"].fillna(False).astype(bool), "account_id"]
    saved, rate_not, rate_kept, how = _revenue_saved(book, c, a["months_of_revenue_saved"])
    spent = float(f["warned"].sum()) * a["retention_cost_per_contact"]
    replace = (
        float(len(kept)) * a["retention_cost_per_contact"] * a["acquisition_to_retention_cost"]
    )
    basis = (
        tr(
            "Retained accounts' revenue × (churn rate of the warned not retained − churn rate "
            "of the retained, per customer type) × assumed months of stay"
        )
        if how == "customer_type"
        else tr(
            "Retained accounts' revenue × (churn rate of the warned not retained − churn rate "
            "of the retained, over all warned accounts) × assumed months of stay"
        )
    )
    assumption = tr("Assumption (set in the churn rules)")
    rows = [
        ("accounts_warned", int(f["warned"].sum()), tr("Measured")),
        ("accounts_retained", len(kept), tr("Measured")),
        (
            "churn_rate_if_not_retained",
            rate_not,
            tr("Measured: warned accounts that were not retained"),
        ),
        ("churn_rate_of_retained", rate_kept, tr("Measured: warned accounts that were retained")),
        ("revenue_saved", saved, basis),
        ("cost_of_contacts", spent, tr("Contacts × assumed cost per contact")),
        (
            "cost_of_replacing",
            replace,
            tr("Retained accounts × cost per contact × assumed acquisition multiple"),
        ),
        ("months_of_revenue_saved", a["months_of_revenue_saved"], assumption),
        ("acquisition_to_retention_cost", a["acquisition_to_retention_cost"], assumption),
        ("retention_cost_per_contact", a["retention_cost_per_contact"], assumption),
    ]
    table = pd.DataFrame(
        {
            "value": pd.Series({k: v for k, v, _ in rows}, dtype=object),
            "basis": [b for _, _, b in rows],
        }
    )
    table.index.name = "item"
    return RetentionEconomics(
        table,
        (
            (
                tr(
                    "Revenue saved counts only what retention changed: the retained accounts' "
                    "revenue, weighted by how much more often the warned accounts that were not "
                    "retained left ({not_retained}) than the retained ones ({retained}), per "
                    "customer type. This assumes the two are otherwise comparable.",
                    not_retained=share(rate_not),
                    retained=share(rate_kept),
                )
                if how == "customer_type"
                else tr(
                    "Revenue saved counts only what retention changed: the retained accounts' "
                    "revenue, weighted by how much more often the warned accounts that were not "
                    "retained left ({not_retained}) than the retained ones ({retained}), over "
                    "all warned accounts. This assumes the two are otherwise comparable.",
                    not_retained=share(rate_not),
                    retained=share(rate_kept),
                )
            ),
            tr(
                "Revenue saved assumes each retained account stays {months} months; the costs "
                "use the assumed cost per contact ({cost}) and acquisition multiple ({times}).",
                months=count(a["months_of_revenue_saved"]),
                cost=money(a["retention_cost_per_contact"], book.currency)
                if book.currency
                else count(a["retention_cost_per_contact"]),
                times=ratio(a["acquisition_to_retention_cost"]),
            ),
        ),
        currency=book.currency,
    )


def _revenue_saved(
    book: Book, contacts: pd.DataFrame, months: float
) -> tuple[float, float, float, str]:
    """Revenue saved by retention, the churn rates it compares and how they were grouped.

    Per warned account: retained (any contact retained it) and churned (status). Per
    customer type: retained monthly revenue x max(0, churn rate of the not retained -
    churn rate of the retained). Returns (saved, rate not retained, rate retained, how),
    ``how`` being ``"customer_type"`` (compared per type) or ``"all"``.
    """
    acc = book.accounts.set_index("account_id")
    warned = (
        contacts.assign(retained=contacts["retained"].fillna(False).astype(bool))
        .groupby("account_id", sort=False)["retained"]
        .any()
    )
    warned = warned[warned.index.isin(acc.index)]
    churned = lookup(pd.Series(warned.index), acc["status"]).to_numpy() == "churned"
    has_type = "customer_type" in acc and acc["customer_type"].notna().any()
    group = (
        lookup(pd.Series(warned.index), acc["customer_type"]).astype(object).fillna("unknown")
        if has_type
        else pd.Series("all", index=range(len(warned)))
    ).to_numpy()
    m = book.monthly_revenue()
    revenue = (
        m.reindex(warned.index).to_numpy(dtype="float64")
        if m is not None
        else np.full(len(warned), np.nan)
    )
    w = pd.DataFrame(
        {"group": group, "kept": warned.to_numpy(), "churned": churned, "revenue": revenue}
    )
    rate_not = float(w.loc[~w["kept"], "churned"].mean()) if (~w["kept"]).any() else math.nan
    rate_kept = float(w.loc[w["kept"], "churned"].mean()) if w["kept"].any() else math.nan
    how = "customer_type" if has_type else "all"
    if m is None or not w["kept"].any():
        return (math.nan if m is None else 0.0), rate_not, rate_kept, how
    saved = 0.0
    for _, g in w.groupby("group", sort=False):
        kept, lost = g[g["kept"]], g[~g["kept"]]
        if kept.empty:
            continue
        r_not = float(lost["churned"].mean()) if len(lost) else rate_not
        if math.isnan(r_not):  # nobody warned went unretained: no comparison, no figure
            return math.nan, rate_not, rate_kept, how
        uplift = max(0.0, r_not - float(kept["churned"].mean()))
        saved += float(kept["revenue"].sum()) * uplift * months
    return saved, rate_not, rate_kept, how


# -- pictures ------------------------------------------------------------------------
GROUP_COLORS = {
    "internal": "#c44e52",
    "competitor": "#4c72b0",
    "customer": "#55a868",
    "unknown": "#8c8c8c",
    "unclassified": "#b8860b",
}
