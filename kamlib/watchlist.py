"""The watch list: which accounts are about to leave, validated before anyone acts on it.

:class:`ChurnRisk` (shortcut :func:`churn_risk`) fits a churn-risk model on a discrete-time
panel: for every account and every monthly cutoff of the data's window, signals computed
from the data up to the cutoff only (tenure, the contract's end, the bill's trend,
products dropped or added, forwarding to other operators, complaints, cost-to-serve
signals, satisfaction, tickets and broken service promises, survey scores: each one only
where its data exist), and the label "churned within the horizon after the cutoff".
Accounts that already left drop out. A regularised logistic regression (statsmodels, on
standardised signals) gives each account's probability of churning within the horizon.

The model is judged **out of time** before it is shown: fitted on the cutoffs of the
window's earlier months (whose outcomes were known by the first validation cutoff) and
scored on the later cutoffs whose horizon is fully observed. It reports the AUC with a 95%
interval (a stratified bootstrap of accounts), the lift of the top decile and the
calibration by decile. Below a usable AUC, or with too few churners to judge, the model
says so and ``usable_`` is False: the watch list is then empty. Data without dates (one
snapshot, such as the Maven export) are validated on a seeded, stratified held-out share
of accounts instead, and the notes say so.

Then the model is refitted on every labelled cutoff and scores each active account at the
last one: the watch list (``.table``) gives its probability, the monthly revenue at stake
(monthly revenue x probability), the reasons that push its risk up most in words, and an
action for each. ``.branch(name)`` is one branch's rows of the list. Every threshold is a
setting of ``config/watchlist.yaml``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._book import Book, positions
from ._charts import share_axis
from ._format import count, money, names_list, number, share
from ._i18n import N_, ntr, tr
from ._labels import label
from ._result import Result, TableResult, axes, figures, nothing_to_draw
from ._settings import local_name, settings

__all__ = [
    "ChurnRisk",
    "churn_risk",
    "operator_model",
    "WatchList",
    "watchlist_rules",
    "signals_at",
    "auc_of",
]

#: days in an average month (tenure in months from dates, as ``_validate`` derives it)
_MONTH_DAYS = 365.25 / 12
#: contract lengths in months (a renewal runs for one more term)
_TERMS = {"one_year": 12, "two_year": 24, "multi_year": 36}
#: said when the data hold no column the model can learn from (only ids and status)
_NO_SIGNAL = N_(
    "The data hold no signal to predict churn from (no tenure, contract, bill, usage, "
    "cost or satisfaction): no model is fitted and the watch list is not shown."
)
#: the watch list's columns, in order
WATCH_COLUMNS = [
    "account_id",
    "name",
    "branch",
    "customer_type",
    "monthly_revenue",
    "churn_probability",
    "value_at_stake",
    "risk_vs_average",
    "on_call_list",
    "top_decile",
]
CALIBRATION_COLUMNS = ["rows", "churned", "predicted_rate", "observed_rate"]
BRANCH_COLUMNS = ["accounts", "churned", "auc"]


def watchlist_rules(rules: str | Path | dict | None = None) -> dict[str, Any]:
    """The watch-list settings: ``config/watchlist.yaml`` with the user's keys merged over.

    Examples
    --------
    >>> watchlist_rules({"min_auc": 0.7})["min_auc"]
    0.7
    """
    return settings("watchlist", rules, caller="churn_risk")  # type: ignore[arg-type]


# -- AUC ----------------------------------------------------------------------------------
def auc_of(scores: Any, churned: Any, weights: Any = None) -> float:
    """The area under the ROC curve: the chance that a churner scores above a stayer
    (ties count half). NaN without churners or without stayers.

    ``weights`` (one per row, e.g. bootstrap counts) weigh each pair by the product of
    its two rows' weights.

    Examples
    --------
    >>> auc_of([0.9, 0.2, 0.6, 0.4], [1, 0, 0, 1])
    0.75
    """
    s = np.asarray(scores, dtype=float)
    y = np.asarray(churned).astype(bool)
    w = np.ones(len(s)) if weights is None else np.asarray(weights, dtype=float)
    return float(_weighted_aucs(s, y, w[None, :])[0])


def _weighted_aucs(s: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """One AUC per row of weights ``w`` (resamples x rows): scores sorted once, ties
    grouped; each group's churners beat the stayers below it and tie with its own."""
    order = np.argsort(s, kind="mergesort")
    s, y, w = s[order], y[order], w[:, order]
    group = np.concatenate([[0], np.cumsum(s[1:] != s[:-1])])
    n_groups = int(group[-1]) + 1 if len(s) else 0
    pos = np.zeros((w.shape[0], n_groups))
    neg = np.zeros((w.shape[0], n_groups))
    for mask, out in ((y, pos), (~y, neg)):
        cols = group[mask]
        np.add.at(out.T, cols, w[:, mask].T)
    below = np.cumsum(neg, axis=1) - neg
    wp, wn = pos.sum(axis=1), neg.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = (pos * (below + 0.5 * neg)).sum(axis=1) / (wp * wn)
    return np.where((wp > 0) & (wn > 0), auc, np.nan)


def _ticket_rows(book: Book, t: pd.DataFrame) -> tuple[np.ndarray, pd.Series]:
    """Each ticket's row in the accounts table (-1: none) and its kind (objects)."""
    rows = pd.Index(book.accounts["account_id"].to_numpy())
    who = positions(t["account_id"], rows)
    who.flags.writeable = False  # shared by every cutoff's panel: nobody may change it
    return who, t["kind"].astype(object)


#: resamples whose per-row weights are held at once by :func:`_bootstrap_ci` (memory)
_RESAMPLES_AT_ONCE = 16


def _bootstrap_ci(
    s: np.ndarray, y: np.ndarray, account: np.ndarray, resamples: int, seed: int
) -> tuple[float, float]:
    """95% interval of the AUC by a stratified bootstrap of accounts: accounts that churned
    in the validation part and those that did not are resampled apart (so each resample
    has as many churners), each with all its rows (an account is seen at several cutoffs:
    its rows are not independent)."""
    codes, inverse = np.unique(account, return_inverse=True)
    churner = np.zeros(len(codes), dtype=bool)
    np.logical_or.at(churner, inverse, y)
    rng = np.random.default_rng(seed)
    counts = np.zeros((resamples, len(codes)))
    for stratum in (churner, ~churner):
        members = np.flatnonzero(stratum)
        if len(members) == 0:
            continue
        draws = rng.integers(0, len(members), size=(resamples, len(members)))
        for b in range(resamples):
            counts[b] += np.bincount(members[draws[b]], minlength=len(codes))
    # the resamples' AUCs a few at a time: each is computed from its own row of weights
    # alone, so the figures are those of one pass, but the (resamples x rows) weights
    # never exist whole (at 400k accounts, 200 x 1.2M rows and its copies overflowed 20 GB)
    # sorted here once in the same stable order, so each chunk's sort finds its rows in
    # order already (a linear pass) and ranks them exactly as one sort of all would
    order = np.argsort(s, kind="mergesort")
    s, y, inverse = s[order], y[order], inverse[order]
    aucs = np.concatenate(
        [
            _weighted_aucs(s, y, counts[b : b + _RESAMPLES_AT_ONCE][:, inverse])
            for b in range(0, resamples, _RESAMPLES_AT_ONCE)
        ]
    )
    aucs = aucs[np.isfinite(aucs)]
    if len(aucs) == 0:
        return math.nan, math.nan
    lo, hi = np.quantile(aucs, [0.025, 0.975])
    return float(lo), float(hi)


def sample_positions(n: int, cap: int, seed: int) -> np.ndarray:
    """Which of ``n`` accounts (rows of the accounts table) are in the seeded simple random
    sample of ``cap`` the model is fitted on above ``fit_sample`` (a mask)."""
    rng = np.random.default_rng([seed, 11])
    keep = np.zeros(n, dtype=bool)
    keep[rng.choice(n, size=cap, replace=False)] = True
    return keep


# -- the signals --------------------------------------------------------------------------
@dataclass
class _Signal:
    """One signal: its model columns and how its value reads as a reason.

    ``columns`` maps a model column to its values (numbers; for a category one 0/1
    column per level but the baseline). ``raw`` is what the words are made from.
    """

    code: str
    columns: dict[str, np.ndarray]
    raw: np.ndarray
    words: Callable[[Any, float], str | None]


@dataclass
class _Monthly:
    """The monthly tables as accounts x months matrices (rows in the order of accounts;
    NaN where the account has no row for the month)."""

    months: pd.DatetimeIndex
    revenue: np.ndarray | None = None
    products: np.ndarray | None = None  # accounts x months x products: billed
    usage: dict[str, np.ndarray] = field(default_factory=dict)
    costs: dict[str, np.ndarray] = field(default_factory=dict)


def _grid(book: Book) -> pd.DatetimeIndex:
    """Every month from the first to the last of the monthly tables (billing, usage,
    costs), empty without them."""
    seen = [book.table(t)["month"] for t in ("billing", "usage", "costs") if book.has(t)]
    if not seen:
        return pd.DatetimeIndex([])
    first = min(s.min() for s in seen)
    last = max(s.max() for s in seen)
    return pd.date_range(first, last, freq="MS")


def _cells(
    df: pd.DataFrame, rows: pd.Index, months: pd.DatetimeIndex
) -> tuple[np.ndarray, np.ndarray]:
    """Each line's account row and month column (-1: none). Looked up once per table,
    not once per column: on 400,000 accounts the lookup of the Arrow-string ids was a
    third of the fit's time."""
    return positions(df["account_id"], rows), months.get_indexer(df["month"])


def _matrix(
    df: pd.DataFrame,
    column: str,
    rows: pd.Index,
    months: pd.DatetimeIndex,
    cells: tuple[np.ndarray, np.ndarray],
) -> np.ndarray:
    """``df[column]`` summed per account and month as a matrix; NaN where no row.
    ``cells``: :func:`_cells` of ``df``."""
    out = np.full((len(rows), len(months)), np.nan)
    r, m = cells
    ok = (r >= 0) & (m >= 0)
    v = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)[ok]
    flat = r[ok] * len(months) + m[ok]
    total = np.bincount(flat, weights=np.nan_to_num(v), minlength=out.size)
    seen = np.bincount(flat, minlength=out.size) > 0
    out.ravel()[seen] = total[seen]
    return out


def _monthly(book: Book, months: pd.DatetimeIndex | None = None) -> _Monthly:
    """The monthly tables of ``book`` as matrices on the grid ``months`` (default: the
    book's own :func:`_grid`). A sample or a branch is put on its operator's grid, so its
    month ``k`` is the operator's month ``k`` even when it has no row in some month."""
    months = _grid(book) if months is None else months
    rows = pd.Index(book.accounts["account_id"].to_numpy())
    data = _Monthly(months)
    if not len(months):
        return data
    if book.has("billing"):
        b = book.table("billing")
        cells = _cells(b, rows, months)
        data.revenue = _matrix(b, "revenue", rows, months, cells)
        products = pd.Index(sorted(b["product"].dropna().astype(str).unique()))
        held = np.zeros((len(rows), len(months), len(products)), dtype=bool)
        r, m = cells
        prod = b["product"]  # as text, which the products are
        p = positions(prod if pd.api.types.is_string_dtype(prod) else prod.astype(str), products)
        ok = (r >= 0) & (m >= 0) & (p >= 0) & (b["revenue"].to_numpy(dtype=float) > 0)
        held[r[ok], m[ok], p[ok]] = True
        data.products = held
    if book.has("usage"):
        u = book.table("usage")
        cells = _cells(u, rows, months)
        for c in ("calls", "forwarded_calls", "complaints"):
            if c in u and u[c].notna().any():
                data.usage[c] = _matrix(u, c, rows, months, cells)
    if book.has("costs"):
        c = book.table("costs")
        cells = _cells(c, rows, months)
        for col in ("service_tickets", "discounts"):
            if col in c and c[col].notna().any():
                data.costs[col] = _matrix(c, col, rows, months, cells)
    return data


def _window_sum(mat: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Sum of months ``lo..hi`` (inclusive) per account; NaN when the account has no row
    in them (or the window starts before the data)."""
    if lo < 0 or hi < lo:
        return np.full(mat.shape[0], np.nan)
    part = mat[:, lo : hi + 1]
    seen = np.isfinite(part).any(axis=1)
    return np.where(seen, np.nansum(part, axis=1), np.nan)


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(np.isfinite(a) & np.isfinite(b) & (b > 0), a / b, np.nan)


# the words of each reason: value (as the data give it) -> a short phrase, or None when
# the value says nothing a reader can act on (no complaints, a flag that is off)
def _months_words(v: Any, _: float) -> str | None:
    if not np.isfinite(v):
        return None
    if v < 24:
        m = int(round(v))
        return ntr("with us only {n} month", "with us only {n} months", m, n=count(m))
    return tr("with us {years} years", years=number(v / 12, 1))


def _named_number(name: str) -> Callable[[Any, float], str | None]:
    """The words of a number a mapping kept ("age: 37")."""

    def words(v: Any, _: float) -> str | None:
        return tr("{what}: {value}", what=name, value=number(v, 0)) if np.isfinite(v) else None

    return words


def _named_level(name: str) -> Callable[[Any, float], str | None]:
    """The words of a category a mapping kept ("internet type: Fiber Optic")."""

    def words(v: Any, _: float) -> str | None:
        if not isinstance(v, str) or v == "other":
            return None
        return tr("{what}: {value}", what=name, value=label(v))

    return words


def _count_words(say: Callable[[int, int], str], recent: int) -> Callable[[Any, float], str | None]:
    """A count signal in words: ``say(n, months)`` is an ``ntr`` call written at the call
    site, where the message extractor sees both forms."""

    def words(v: Any, _: float) -> str | None:
        if not np.isfinite(v) or v <= 0:
            return None
        return say(int(round(v)), recent)

    return words


class _Signals:
    """The signals of every account at one cutoff (month index ``k`` of the grid), from
    the data up to the cutoff only; ``at_risk`` marks the accounts still customers then.

    ``snapshot`` (no monthly tables): one set of signals as the accounts table records
    them, every account in it.
    """

    def __init__(
        self,
        book: Book,
        data: _Monthly,
        r: dict[str, Any],
        k: int | None,
        levels: dict[str, tuple[list[str], str]] | None = None,
        surveys: bool | None = None,
    ):
        self.book, self.data, self.r, self.k = book, data, r, k
        # whether the operator has a surveys table (None: whether this book has): a branch
        # without survey rows has no survey score, it does not fall back to the accounts'
        # satisfaction the model was not fitted on
        self.surveys = book.has("surveys") if surveys is None else surveys
        # each category's levels (kept ones and "other") and its baseline, as pooled here;
        # ``levels`` given: those of the rows the model was fitted on, so that accounts it
        # did not see are coded as it learned (a level rare in a sample is "other" there)
        self.given_levels = levels
        self.levels: dict[str, tuple[list[str], str]] = {}
        # scoring (``levels`` given): a flag's distinct values here, as a part of the
        # operator (one branch) may hold one value only where the operator holds both
        self.spread: dict[str, set[float]] = {}
        acc = book.accounts
        self.n = len(acc)
        self.recent = int(r["recent_months"])
        self.currency = book.currency
        self.cutoff = (
            None if k is None else data.months[k] + pd.offsets.MonthBegin(1)
        )  # the first day after the months the signals may use
        self.signals: list[_Signal] = []
        self.absent: list[str] = []  # sentences for the signals the data cannot give
        self.assumed: list[str] = []
        self._static(acc)
        if k is not None:
            self._contract_end(acc)
            self._billing(k)
            self._usage(k)
            self._costs(k)
            self._tickets()
        self._satisfaction(acc)

    # -- who is there at the cutoff
    def join_dates(self) -> np.ndarray:
        acc = self.book.accounts
        nat = np.full(self.n, np.datetime64("NaT"), dtype="datetime64[ns]")
        join = acc["join_date"].to_numpy(dtype="datetime64[ns]") if "join_date" in acc else nat
        if "tenure_months" in acc:
            # a join date lost by the export: the tenure back from the account's end
            churned = (acc["status"] == "churned").to_numpy(dtype=bool, na_value=False)
            end = acc["churn_date"].to_numpy(dtype="datetime64[ns]") if "churn_date" in acc else nat
            as_of = self.book.as_of
            stop = np.where(churned, end, np.datetime64(as_of, "ns") if as_of is not None else nat)
            t = acc["tenure_months"].to_numpy(dtype=float, na_value=np.nan)
            back = pd.to_timedelta(t * _MONTH_DAYS, unit="D").to_numpy()
            join = np.where(np.isnat(join), stop - back, join)
        return join

    def at_risk(self) -> np.ndarray:
        """Customers at the cutoff: joined before it (or joining unknown) and not gone."""
        acc = self.book.accounts
        churned = (acc["status"] == "churned").to_numpy(dtype=bool, na_value=False)
        if self.cutoff is None:
            return np.ones(self.n, dtype=bool)
        c = np.datetime64(self.cutoff, "ns")
        nat = np.full(self.n, np.datetime64("NaT"), dtype="datetime64[ns]")
        cdate = acc["churn_date"].to_numpy(dtype="datetime64[ns]") if "churn_date" in acc else nat
        join = self.join_dates()
        joined = np.isnat(join) | (join < c)
        gone = churned & (np.isnat(cdate) | (cdate < c))  # an undated churner: unplaceable
        return joined & ~gone

    # -- static signals (the accounts table)
    def _category(self, code: str, values: pd.Series, words: Callable[[Any, float], str | None]):
        col = values.astype("string").str.strip().replace("", pd.NA)
        if self.given_levels is not None:
            if code not in self.given_levels:
                return  # the fitted rows had one level: the model has no column for it
            levels, base = self.given_levels[code]
            known = [v for v in levels if v != "other"]
            # a level the fitted rows pooled (or never saw) is "other" when they had one,
            # else unknown (scored as the average, as a missing value is)
            pooled = "other" if "other" in levels else pd.NA
            col = col.where(col.isin(known) | col.isna(), pooled)
        else:
            counts = col.value_counts()
            keep = [v for v, n in counts.items() if n >= int(self.r["min_level_accounts"])]
            if len(keep) < 1 or (len(keep) == 1 and counts.sum() == counts[keep[0]]):
                return  # one level: nothing to tell apart
            col = col.where(col.isin(keep) | col.isna(), "other")
            levels = list(dict.fromkeys(col.dropna()))
            base = col.value_counts().index[0]  # the most common level: all others against it
        self.levels[code] = (levels, base)
        missing = col.isna().to_numpy()
        raw: np.ndarray = np.asarray(np.where(missing, None, col.astype(object).to_numpy()))
        cols = {
            f"{code}: {lv}": np.where(missing, np.nan, (raw == lv).astype(float))
            for lv in levels
            if lv != base
        }
        self.signals.append(_Signal(code, cols, raw, words))

    def _number(self, code: str, model: np.ndarray, raw: np.ndarray, words) -> None:
        model = np.asarray(model, dtype=float)
        if np.isfinite(model).sum() == 0:
            return
        self.signals.append(_Signal(code, {code: model}, np.asarray(raw, dtype=float), words))

    def _static(self, acc: pd.DataFrame) -> None:
        tenure: np.ndarray
        if self.cutoff is not None:
            join = self.join_dates()
            days = (np.datetime64(self.cutoff, "ns") - join) / np.timedelta64(1, "D")
            tenure = np.clip(np.asarray(days, dtype=float) / _MONTH_DAYS, 0, None)
        elif "tenure_months" in acc:
            tenure = acc["tenure_months"].to_numpy(dtype=float, na_value=np.nan)
        else:
            tenure = np.full(self.n, np.nan)
        if np.isfinite(tenure).any():
            self._number("tenure", np.log1p(tenure), tenure, _months_words)
        else:
            self.absent.append(tr("tenure (no join date or tenure)"))
        if "contract" in acc and acc["contract"].notna().any():
            self._category(
                "contract",
                acc["contract"],
                lambda v, _: (
                    tr("{contract} contract", contract=label(v))
                    if isinstance(v, str) and v != "other"
                    else None
                ),
            )
        else:
            self.absent.append(tr("contract (no contract column)"))
        if "customer_type" in acc and acc["customer_type"].notna().any():
            self._category(
                "customer_type",
                acc["customer_type"],
                lambda v, _: (
                    tr("customer type: {type}", type=label(v))
                    if isinstance(v, str) and v != "other"
                    else None
                ),
            )
        if "important" in acc and acc["important"].notna().any():
            imp = acc["important"].astype("boolean").to_numpy(dtype=float, na_value=np.nan)
            if self.given_levels is not None:
                # scoring: kept wherever known, so that a branch of important accounts only
                # is coded as the operator's model learned it; whether the operator's flag
                # varies at all is judged on every branch's ``spread`` (ChurnRisk._panel)
                self.spread["important"] = set(np.unique(imp[np.isfinite(imp)]).tolist())
                if np.isfinite(imp).any():
                    self._number(
                        "important",
                        imp,
                        imp,
                        lambda v, _: tr("important account") if v == 1 else None,
                    )
            elif np.nanstd(imp) > 0:
                self._number(
                    "important", imp, imp, lambda v, _: tr("important account") if v == 1 else None
                )
        if self.data.revenue is None:
            m = self.book.monthly_revenue()
            if m is not None and m.notna().any():
                v = m.to_numpy(dtype=float, na_value=np.nan)
                self._number("monthly_revenue", np.log1p(np.clip(v, 0, None)), v, self._bill_words)
        from .churn import as_number, extra_columns

        for c in extra_columns(acc):
            x = as_number(acc[c])
            name = label(c)
            if x is not None:
                v = x.to_numpy(dtype=float, na_value=np.nan)
                self._number(c, v, v, _named_number(name))
            elif not pd.api.types.is_datetime64_any_dtype(acc[c]):
                self._category(c, acc[c], _named_level(name))

    def _bill_words(self, v: Any, contribution: float) -> str | None:
        if not np.isfinite(v):
            return None
        amount = money(v, self.currency) if self.currency else number(v, 0)
        return tr("bill {amount} a month", amount=amount)

    def _contract_end(self, acc: pd.DataFrame) -> None:
        if "contract_end" not in acc or acc["contract_end"].isna().all() or "contract" not in acc:
            self.absent.append(tr("the contract's end (no contract end dates)"))
            return
        term = acc["contract"].astype(object).map(_TERMS).to_numpy(dtype=float, na_value=np.nan)
        end = acc["contract_end"].to_numpy(dtype="datetime64[ns]")
        c = np.datetime64(self.cutoff, "ns")
        left = (end - c) / np.timedelta64(1, "D") / _MONTH_DAYS  # months to the recorded end
        # the recorded end is of the current contract: at an earlier cutoff, a renewal
        # signed since then was not known yet, and the contract running then ended one or
        # more terms before (the recorded end stepped back while it is still after it)
        with np.errstate(invalid="ignore"):
            steps = np.where(left > term, np.ceil(left / term) - 1, 0)
        months = left - steps * term
        months = np.where(np.isfinite(term) & np.isfinite(months), months, np.nan)
        soon = int(self.r["contract_ending_months"])
        ending = np.where(
            np.isfinite(months), ((months >= 0) & (months <= soon)).astype(float), np.nan
        )
        lapsed = np.where(np.isfinite(months), (months < 0).astype(float), np.nan)
        # without a fixed term there is no end: neither flag (0), not unknown
        fixed = np.isfinite(term)
        ending = np.where(fixed, ending, 0.0)
        lapsed = np.where(fixed, lapsed, 0.0)

        self._number("contract_ending", ending, months, self._ending_words)
        self._number("out_of_contract", lapsed, months, self._lapsed_words)

    def _ending_words(self, v: Any, _: float) -> str | None:
        # the flag is on only within contract_ending_months: a later end is no reason
        if not np.isfinite(v) or v < 0 or v > int(self.r["contract_ending_months"]):
            return None
        m = max(int(math.ceil(v)), 1) if v > 0 else 0
        if m == 0:
            return tr("contract ends this month")
        return ntr("contract ends in {n} month", "contract ends in {n} months", m, n=count(m))

    @staticmethod
    def _lapsed_words(v: Any, _: float) -> str | None:
        if not np.isfinite(v) or v >= 0:
            return None
        m = max(int(round(-v)), 1)
        return ntr(
            "contract ended {n} month ago, not renewed",
            "contract ended {n} months ago, not renewed",
            m,
            n=count(m),
        )

    def _billing(self, k: int) -> None:
        d, r = self.data, self.recent
        if d.revenue is None:
            self.absent.append(tr("bill trend and product changes (no billing table)"))
            return
        now = _window_sum(d.revenue, max(k - r + 1, 0), k) / min(r, k + 1)
        before = _window_sum(d.revenue, k - 2 * r + 1, k - r) / r if k - 2 * r + 1 >= 0 else None
        if before is None:
            # fewer months than two windows: the earliest months there are
            before = _window_sum(d.revenue, 0, k - r) / max(k - r + 1, 1) if k - r >= 0 else None
        self._number("monthly_revenue", np.log1p(np.clip(now, 0, None)), now, self._bill_words)
        self.revenue_now = now
        if before is not None:
            change = np.clip(_ratio(np.nan_to_num(now, nan=0.0), before) - 1, -1, 1)
            self._number("bill_change", change, change, self._change_words)
        assert d.products is not None
        if k - r >= 0:
            held_now = d.products[:, k, :]
            held_before = d.products[:, k - r, :]
            billed_before = held_before.any(axis=1)
            dropped = np.where(billed_before, (held_before & ~held_now).sum(axis=1), np.nan)
            added = np.where(billed_before, (~held_before & held_now).sum(axis=1), np.nan)
            words_d = _count_words(
                lambda n, m: ntr(
                    "dropped {n} product in {months} months",
                    "dropped {n} products in {months} months",
                    n,
                    n=count(n),
                    months=count(m),
                ),
                r,
            )
            words_a = _count_words(
                lambda n, m: ntr(
                    "added {n} product in {months} months",
                    "added {n} products in {months} months",
                    n,
                    n=count(n),
                    months=count(m),
                ),
                r,
            )
            self._number("products_dropped", dropped, dropped, words_d)
            self._number("products_added", added, added, words_a)

    def _change_words(self, v: Any, _: float) -> str | None:
        if not np.isfinite(v) or abs(v) < 0.005:
            return None
        if v < 0:
            return tr(
                "bill fell {share} in {months} months", share=share(-v), months=count(self.recent)
            )
        return tr("bill rose {share} in {months} months", share=share(v), months=count(self.recent))

    def _usage(self, k: int) -> None:
        u, r = self.data.usage, self.recent
        if not u:
            self.absent.append(tr("forwarding and complaints (no usage table)"))
            return
        if "calls" in u and "forwarded_calls" in u:
            lo = max(k - r + 1, 0)
            now = _ratio(_window_sum(u["forwarded_calls"], lo, k), _window_sum(u["calls"], lo, k))
            self._number("forwarded_share", now, now, self._forwarded_words)
            if k - r >= 0:
                blo = max(k - 2 * r + 1, 0)
                before = _ratio(
                    _window_sum(u["forwarded_calls"], blo, k - r),
                    _window_sum(u["calls"], blo, k - r),
                )
                rise = now - before
                self._number("forwarding_rise", rise, rise, self._rise_words)
        if "complaints" in u:
            n = _window_sum(u["complaints"], max(k - r + 1, 0), k)
            self._number(
                "complaints",
                np.log1p(np.clip(n, 0, None)),
                n,
                _count_words(
                    lambda n, m: ntr(
                        "{n} complaint in {months} months",
                        "{n} complaints in {months} months",
                        n,
                        n=count(n),
                        months=count(m),
                    ),
                    r,
                ),
            )

    @staticmethod
    def _forwarded_words(v: Any, _: float) -> str | None:
        if not np.isfinite(v) or v <= 0:
            return None
        return tr("{share} of calls forwarded to other operators", share=share(v))

    def _rise_words(self, v: Any, _: float) -> str | None:
        if not np.isfinite(v) or abs(v) < 0.001:
            return None
        points = number(abs(v) * 100, 1)
        if v > 0:
            return tr(
                "calls forwarded to other operators up {points} points in {months} months",
                points=points,
                months=count(self.recent),
            )
        return tr(
            "calls forwarded to other operators down {points} points in {months} months",
            points=points,
            months=count(self.recent),
        )

    def _costs(self, k: int) -> None:
        c, r = self.data.costs, self.recent
        if not c:
            self.absent.append(tr("cost-to-serve signals (no costs table)"))
            return
        lo = max(k - r + 1, 0)
        if "service_tickets" in c:
            n = _window_sum(c["service_tickets"], lo, k)
            self._number(
                "service_tickets",
                np.log1p(np.clip(n, 0, None)),
                n,
                _count_words(
                    lambda n, m: ntr(
                        "{n} service ticket in {months} months",
                        "{n} service tickets in {months} months",
                        n,
                        n=count(n),
                        months=count(m),
                    ),
                    r,
                ),
            )
        if "discounts" in c and self.data.revenue is not None:
            rate = _ratio(_window_sum(c["discounts"], lo, k), _window_sum(self.data.revenue, lo, k))
            rate = np.clip(rate, 0, 1)
            self._number(
                "discount_share",
                rate,
                rate,
                lambda v, _: (
                    tr("discount {share} of the bill", share=share(v))
                    if np.isfinite(v) and v > 0
                    else None
                ),
            )

    def _tickets(self) -> None:
        if not self.book.has("tickets"):
            self.absent.append(tr("tickets and broken promises (no tickets table)"))
            return
        t = self.book.table("tickets")
        c = pd.Timestamp(self.cutoff)
        start = c - pd.DateOffset(months=self.recent)
        # each ticket's account row and kind, once per book, not once per cutoff: on
        # 80,000 accounts the lookup of ticket ids was 25 s of the panel's 48 s
        who, kind = self.book.memo("watchlist_tickets", lambda: _ticket_rows(self.book, t))
        opened = t["opened"]
        p = self.r["promises"]
        # a promise is broken at its deadline when the ticket was not answered (closed,
        # delivered) by then; only deadlines before the cutoff are known at the cutoff
        breaks = []
        if "closed" in t:
            deadline = opened + pd.Timedelta(hours=float(p["fault_repair_hours"]))
            late = (kind == "fault") & (t["closed"].isna() | (t["closed"] > deadline))
            breaks.append((late, deadline))
        answer = t["responded"] if "responded" in t else None
        if "closed" in t:
            answer = t["closed"] if answer is None else answer.fillna(t["closed"])
        if answer is not None:
            general = (
                t["severity"].astype(object).fillna("general") == "general"
                if "severity" in t
                else pd.Series(True, index=t.index)
            )
            deadline = opened + pd.Timedelta(hours=float(p["complaint_answer_hours"]))
            late = (kind == "complaint") & general & (answer.isna() | (answer > deadline))
            breaks.append((late, deadline))
        if "promised" in t and "closed" in t:
            deadline = t["promised"] + pd.Timedelta(days=float(p["order_late_days"]))
            late = (
                (kind == "order")
                & t["promised"].notna()
                & (t["closed"].isna() | (t["closed"] > deadline))
            )
            breaks.append((late, deadline))
        broken = np.zeros(self.n)
        for late, deadline in breaks:
            known = (late & (deadline >= start) & (deadline < c)).to_numpy(
                dtype=bool, na_value=False
            )
            hit = known & (who >= 0)
            broken += np.bincount(who[hit], minlength=self.n)
        complaints = ((kind == "complaint") & (opened >= start) & (opened < c)).to_numpy(
            dtype=bool, na_value=False
        ) & (who >= 0)
        n_complaints = np.bincount(who[complaints], minlength=self.n).astype(float)
        r = self.recent
        self._number(
            "ticket_complaints",
            np.log1p(n_complaints),
            n_complaints,
            _count_words(
                lambda n, m: ntr(
                    "{n} complaint in {months} months",
                    "{n} complaints in {months} months",
                    n,
                    n=count(n),
                    months=count(m),
                ),
                r,
            ),
        )
        if breaks:
            self._number(
                "broken_promises",
                np.log1p(broken),
                broken,
                _count_words(
                    lambda n, m: ntr(
                        "{n} broken service promise in {months} months",
                        "{n} broken service promises in {months} months",
                        n,
                        n=count(n),
                        months=count(m),
                    ),
                    r,
                ),
            )

    def _satisfaction(self, acc: pd.DataFrame) -> None:
        if self.surveys:
            s = (
                self.book.table("surveys")
                if self.book.has("surveys")
                else pd.DataFrame(
                    {
                        "account_id": pd.Series(dtype="string"),
                        "date": pd.Series(dtype="datetime64[ns]"),
                        "score": pd.Series(dtype=float),
                    }
                )
            )
            if self.cutoff is not None:
                s = s[s["date"] < pd.Timestamp(self.cutoff)]
            s = s.sort_values(["account_id", "date"], kind="mergesort")
            last = s.drop_duplicates("account_id", keep="last").set_index("account_id")["score"]
            earlier = s[s.duplicated("account_id", keep="last")]
            prev = earlier.drop_duplicates("account_id", keep="last").set_index("account_id")[
                "score"
            ]
            ids = acc["account_id"]
            v_last = ids.map(last).to_numpy(dtype=float, na_value=np.nan)
            v_prev = ids.map(prev).to_numpy(dtype=float, na_value=np.nan)
            drop = v_prev - v_last
            self._number(
                "survey_score",
                v_last,
                v_last,
                lambda v, _: (
                    tr("last survey score {score} of 5", score=number(v, 0))
                    if np.isfinite(v)
                    else None
                ),
            )
            self._number("survey_drop", drop, drop, self._drop_words)
            return
        self.absent.append(tr("survey scores (no surveys table)"))
        if "satisfaction" in acc and acc["satisfaction"].notna().any():
            v = acc["satisfaction"].to_numpy(dtype=float, na_value=np.nan)
            self._number(
                "satisfaction",
                v,
                v,
                lambda v, _: (
                    tr("satisfaction {score} of 5", score=number(v, 0)) if np.isfinite(v) else None
                ),
            )
            if self.cutoff is not None:
                self.assumed.append(
                    tr(
                        "Satisfaction is the accounts table's one score, not dated: it is taken "
                        "as known at every cutoff (a score taken after a cutoff would flatter "
                        "the validation)."
                    )
                )
        else:
            self.absent.append(tr("satisfaction (no satisfaction scores)"))

    @staticmethod
    def _drop_words(v: Any, _: float) -> str | None:
        if not np.isfinite(v) or v <= 0:
            return None
        return tr("survey score fell {points} points", points=number(v, 0))

    def frame(self) -> pd.DataFrame:
        """The raw signals (as the data give them) per account, index account_id."""
        out = {s.code: s.raw for s in self.signals}
        return pd.DataFrame(
            out, index=pd.Index(self.book.accounts["account_id"], name="account_id")
        )


def signals_at(book: Book, month: str | pd.Timestamp, *, rules: str | Path | dict | None = None):
    """The signals of the accounts still customers at the end of ``month``, computed from
    the data of that month and before only (one row per account, index ``account_id``).

    Examples
    --------
    >>> import kamlib
    >>> s = signals_at(kamlib.load(kamlib.sample_path()), "2025-06")
    >>> "bill_change" in s.columns
    True
    """
    r = watchlist_rules(rules)
    data = _monthly(book)
    m = pd.Timestamp(month).to_period("M").to_timestamp()
    k = data.months.get_indexer([m])[0]
    if k < 0:
        raise ValueError(
            f"{month} is not a month of the data ({data.months[0]:%Y-%m} to "
            f"{data.months[-1]:%Y-%m})"
            if len(data.months)
            else "the data have no months"
        )
    sig = _Signals(book, data, r, int(k))
    return sig.frame()[sig.at_risk()]


# -- the panel and the model --------------------------------------------------------------
@dataclass
class _Panel:
    """Rows of (account, cutoff): the model columns, the label and where each came from."""

    X: pd.DataFrame
    y: np.ndarray
    account: np.ndarray  # position in book.accounts
    cutoff: np.ndarray  # month index of the grid (-1 in a snapshot)
    groups: dict[str, str]  # model column -> signal code


def _rows(sig: _Signals, mask: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    cols: dict[str, np.ndarray] = {}
    groups: dict[str, str] = {}
    for s in sig.signals:
        for name, v in s.columns.items():
            cols[name] = v[mask]
            groups[name] = s.code
    return cols, groups


def _stack(
    parts: list[tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray]],
    groups: dict[str, str],
) -> _Panel:
    names = list(groups)
    frames = [
        pd.DataFrame({c: cols.get(c, np.full(len(y), np.nan)) for c in names})
        for cols, y, _, _ in parts
    ]
    X = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=names)

    def cat(i: int) -> np.ndarray:
        return np.concatenate([p[i] for p in parts]) if parts else np.array([])

    return _Panel(
        X.astype(float), cat(1).astype(bool), cat(2).astype(int), cat(3).astype(int), groups
    )


@dataclass
class _Fit:
    """A logistic regression on standardised signals: missing values count as the mean
    of the training rows (they add nothing to the score)."""

    columns: list[str]
    mean: np.ndarray
    scale: np.ndarray
    params: np.ndarray  # intercept first
    result: Any

    def z(self, X: pd.DataFrame) -> np.ndarray:
        v = X.reindex(columns=self.columns).to_numpy(dtype=float)
        z = (v - self.mean) / self.scale
        return np.where(np.isfinite(z), z, 0.0)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        eta = self.params[0] + self.z(X) @ self.params[1:]
        return 1 / (1 + np.exp(-eta))


def _fit(X: pd.DataFrame, y: np.ndarray, penalty: float, l1: float) -> _Fit:
    import statsmodels.api as sm

    v = X.to_numpy(dtype=float)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mean = np.nanmean(v, axis=0)
        scale = np.nanstd(v, axis=0)
    keep = np.isfinite(mean) & np.isfinite(scale) & (scale > 0)
    columns = [c for c, k in zip(X.columns, keep, strict=True) if k]
    f = _Fit(columns, mean[keep], scale[keep], np.zeros(len(columns) + 1), None)
    Z = np.column_stack([np.ones(len(y)), f.z(X)])
    model = sm.GLM(y.astype(float), Z, family=sm.families.Binomial())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter: the validation judges the fit
        if penalty > 0:
            alpha = np.r_[0.0, np.full(len(columns), penalty)]  # the intercept is not shrunk
            result = model.fit_regularized(
                method="elastic_net", alpha=alpha, L1_wt=l1, maxiter=300, cnvrg_tol=1e-8
            )
        else:
            result = model.fit()
    f.params = np.asarray(result.params, dtype=float)
    f.result = result
    return f


def _calibration(p: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    """Predicted against observed churn by decile of the prediction (D1: the riskiest)."""
    if len(p) == 0:
        out = pd.DataFrame(columns=CALIBRATION_COLUMNS)
        out.index.name = "decile"
        return out
    order = np.argsort(-p, kind="mergesort")
    decile = np.empty(len(p), dtype=int)
    decile[order] = np.arange(len(p)) * 10 // len(p) + 1
    d = pd.DataFrame({"decile": decile, "p": p, "y": y.astype(int)})
    g = d.groupby("decile")
    out = pd.DataFrame(
        {
            "rows": g.size(),
            "churned": g["y"].sum(),
            "predicted_rate": g["p"].mean(),
            "observed_rate": g["y"].mean(),
        }
    )
    out.index = pd.Index([f"D{i}" for i in out.index], name="decile")
    return out


class WatchList(TableResult):
    """One branch's rows of the watch list (:meth:`ChurnRisk.branch`), with the model's
    validation figures and the branch's own AUC where it has enough churners."""

    _bar = "value_at_stake"

    def __init__(self, table: pd.DataFrame, notes: Any, *, currency: str, figures_: dict):
        super().__init__(table, notes, currency=currency)
        self._figures = figures_

    def summary(self) -> pd.DataFrame:
        t = self.table
        top = t[t["top_decile"]] if len(t) else t
        return figures(
            {
                **self._figures,
                "accounts_scored": len(t),
                "value_at_stake": float(t["value_at_stake"].sum()) if len(t) else 0.0,
                "value_at_risk_top_decile": float(top["value_at_stake"].sum()) if len(t) else 0.0,
            }
        )

    def plot(self, *, ax=None):
        """The accounts with the most revenue at stake; returns the Axes."""
        ax = axes(ax)
        t = self.table.head(15)
        if t.empty:
            return nothing_to_draw(ax, self.notes[0] if self.notes else tr("Nothing to draw."))
        named = "name" in t and bool(t["name"].notna().all())
        shown = t.set_index("name" if named else "account_id")
        # the table's own bar chart of one column, on the accounts named
        return TableResult.plot(WatchList(shown, (), currency=self.currency, figures_={}), ax=ax)


class ChurnRisk(Result):
    """A churn-risk model, validated before its watch list is shown (module docstring).

    ``ChurnRisk(horizon_months=3, rules=None, seed=0).fit(book)`` returns itself with:

    - ``usable_``: whether the validation allows showing the watch list;
    - ``validation_``: ``"out_of_time"`` or ``"held_out"`` (data without dates);
    - ``auc_`` and ``auc_ci_`` (95% interval, stratified bootstrap of accounts),
      ``lift_top_decile_`` (churn rate in the riskiest tenth / overall),
      ``calibration_`` (predicted and observed churn by decile), ``churners_in_validation_``,
      ``rows_in_validation_`` and ``validation_scores_`` (the scored validation rows);
    - ``by_branch_``: each branch's validation accounts, churned rows and AUC (NaN under
      ``min_churners_per_branch`` churners);
    - ``signals_``: the signals used; ``coefficients_``: the refitted model's coefficient
      per standardised model column; ``fit_``: its statsmodels result;
    - ``scores_``: every active account scored at the last cutoff, with its reasons and
      actions; ``table`` is the watch list: ``scores_`` when usable, else empty;
      ``value_at_risk_top_decile_``: the revenue at stake of the riskiest tenth;
    - ``fitted_on_``: the accounts the model was fitted and validated on: every account,
      or above the ``fit_sample`` setting a seeded random sample of that many (the
      validation figures are then the sample's; every active account is still scored).

    ``value_at_stake`` is the account's monthly revenue (the mean of the last
    ``recent_months`` billed) x its probability: the expected monthly revenue lost.

    Examples
    --------
    >>> import kamlib
    >>> m = ChurnRisk().fit(kamlib.load(kamlib.sample_path()))
    >>> m.validation_, 0.5 < m.auc_ < 1
    ('out_of_time', True)
    """

    def __init__(
        self,
        *,
        horizon_months: int | None = None,
        rules: str | Path | dict | None = None,
        seed: int = 0,
    ):
        self.horizon_months = horizon_months
        self.rules = rules
        self.seed = seed

    # -- the contract's names
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

    def detached(self) -> ChurnRisk:
        """The fitted model without the data it was fitted on (the book and the
        statsmodels result), small enough to keep beside a prepared operator
        (:func:`kamlib.prepare`) so that each branch report uses the operator's model."""
        import copy

        self._fitted("table_")
        c = copy.copy(self)
        c._book = None  # type: ignore[assignment]  # detached: no data kept
        c.fit_ = None
        return c

    def relabelled(self, ids: dict[Any, Any], names: dict[Any, Any]) -> ChurnRisk:
        """A copy whose account ids and names are replaced (``ids``: old id -> new id,
        ``names``: new id -> name), as :meth:`kamlib.Book.masked` replaces them."""
        import copy

        c = copy.copy(self)
        for attr in ("table_", "scores_", "validation_scores_"):
            df = getattr(self, attr, None)
            if isinstance(df, pd.DataFrame) and "account_id" in df:
                df = df.copy()
                df["account_id"] = df["account_id"].map(ids).fillna("ACC-unknown")
                if "name" in df:
                    df["name"] = df["account_id"].map(names)
                setattr(c, attr, df)
        return c

    # -- fitting
    def fit(self, book: Book) -> ChurnRisk:
        """Build the panel of ``book`` (the whole operator: branches are small), validate,
        refit on all of it and score the active accounts; returns self."""
        r = self._start(book.currency)
        self._book = book
        self.branches_ = list(book.branches)
        data = _monthly(book)
        notes: list[str] = []
        if len(data.months) >= 2 and "churn_date" in book.accounts:
            sample = self._sample(book, r)
            # the sample on the operator's grid: a month it has no row in is still a month
            # (and a cutoff) of the operator, so nothing falls back to the whole book
            fitted = data if sample is book else _monthly(sample, data.months)
            # the whole book is scored as one part: the same code as fit_sampled's branches
            notes = self._panel(sample, fitted, [(book, data)], len(book.accounts), r)
        else:
            start = book.observation_start()
            notes = self._snapshot(book, data, start, [(book, data)], len(book.accounts), r)
        self.notes_ = tuple(notes)
        return self

    def fit_sampled(
        self,
        sample: Book,
        branches: Iterable[Book],
        *,
        accounts: int,
        months: pd.DatetimeIndex,
    ) -> ChurnRisk:
        """Fit and validate on ``sample``, then score every active account branch by
        branch, never holding the whole operator; returns self.

        Parameters
        ----------
        sample : Book
            The accounts the model is fitted and validated on, with all their fact rows:
            those :func:`sample_positions` draws over the operator's accounts table (in file
            order) with the ``fit_sample`` setting and this model's seed, or every account
            when the operator has at most ``fit_sample``.
        branches : iterable of Book
            Each branch's Book in turn (its accounts and their fact rows only); consumed
            once, each scored with the fitted model and the sample's category levels and
            then dropped: only its rows of the watch list are kept.
        accounts : int
            The operator's number of accounts (for the note on the sample).
        months : pandas.DatetimeIndex
            The operator's billing months: the cutoffs, and each branch's last cutoff,
            are the operator's even where the sample or a branch lacks a month.

        Returns
        -------
        ChurnRisk
            Self, fitted: the figures :meth:`fit` gives on the whole operator when
            ``sample`` is the sample it draws (the operator-wide top decile, average and
            sort are over every branch's rows). Accounts whose probabilities tie exactly
            across two branches are ordered by branch, where :meth:`fit` orders them as the
            accounts table does.

            Data without dates (one snapshot) are validated on a held-out share of
            ``sample``: :meth:`fit`'s figures when it is every account; above
            ``fit_sample``, where :meth:`fit` fits a snapshot on every account, the
            sample's (said in the notes).

        Raises
        ------
        ValueError
            When a branch's ``as_of`` is not the sample's (tenure and the last cutoff
            would be of another date).

        Examples
        --------
        >>> import kamlib
        >>> b = kamlib.load(kamlib.sample_path())
        >>> m = ChurnRisk().fit_sampled(
        ...     b, (b.branch(n) for n in b.branches), accounts=len(b.accounts),
        ...     months=b.months())
        >>> m.auc_ == ChurnRisk().fit(b).auc_
        True
        """
        r = self._start(sample.currency)
        self._book = None  # type: ignore[assignment]  # no whole operator is held
        seen = [g for g in (_grid(sample), pd.DatetimeIndex(months)) if len(g)]
        grid = (
            pd.date_range(min(g.min() for g in seen), max(g.max() for g in seen), freq="MS")
            if seen
            else pd.DatetimeIndex([])
        )
        names: list[str] = []

        def parts() -> Iterator[tuple[Book, _Monthly | None]]:
            for b in branches:
                if b.as_of != sample.as_of:
                    raise ValueError(
                        f"branch {b.branches} is as of {b.as_of}, the sample as of "
                        f"{sample.as_of}: both must be the operator's date"
                    )
                names.extend(b.branches)
                yield b, None

        data = _monthly(sample, grid)
        if len(grid) >= 2 and "churn_date" in sample.accounts:
            notes = self._panel(sample, data, parts(), int(accounts), r)
        else:
            months = pd.DatetimeIndex(months)
            start = sample.observed_from
            if start is None and len(months):
                start = months[0]
            notes = self._snapshot(sample, data, start, parts(), int(accounts), r)
        self.branches_ = sorted(set(names))
        self.notes_ = tuple(notes)
        return self

    def _start(self, currency: str) -> dict[str, Any]:
        """The settings of this fit (``rules_``), every fitted figure reset."""
        r = watchlist_rules(self.rules)
        if self.horizon_months is not None:
            r = watchlist_rules(
                {**(self._rules_dict()), "horizon_months": int(self.horizon_months)}
            )
        self.rules_ = r
        self.currency_ = currency
        self._reset()
        return r

    def _rules_dict(self) -> dict[str, Any]:
        from ._settings import read_yaml

        return {} if self.rules is None else read_yaml(self.rules, what="watchlist rules")

    def _reset(self) -> None:
        self.usable_ = False
        self.fitted_on_ = 0  # accounts the model was fitted and validated on
        self.validation_ = "none"
        self.auc_ = math.nan
        self.auc_ci_ = (math.nan, math.nan)
        self.lift_top_decile_ = math.nan
        self.calibration_ = _calibration(np.array([]), np.array([]))
        self.churners_in_validation_ = 0
        self.rows_in_validation_ = 0
        self.validation_scores_ = pd.DataFrame(columns=["account_id", "cutoff", "churned", "score"])
        self.by_branch_ = pd.DataFrame(columns=BRANCH_COLUMNS, index=pd.Index([], name="branch"))
        self.signals_: list[str] = []
        self.coefficients_ = pd.Series(dtype=float, name="coefficient")
        self.fit_ = None
        self.scores_ = pd.DataFrame(columns=self._watch_columns())
        self.table_ = self.scores_
        self.value_at_risk_top_decile_ = math.nan
        self.average_probability_ = math.nan

    def _watch_columns(self) -> list[str]:
        n = int(self.rules_["top_reasons"])
        extra = [c for i in range(1, n + 1) for c in (f"reason_{i}", f"action_{i}")]
        return WATCH_COLUMNS + extra

    def _signals_notes(
        self, used: list[str], absent: list[str], assumed: list[str], notes: list[str]
    ) -> None:
        self.signals_ = used
        notes.append(
            tr(
                "Signals used: {signals}.",
                signals=names_list(
                    label(f"signal_{s}") if _has(f"signal_{s}") else label(s) for s in used
                ),
            )
        )
        if absent:
            notes.append(tr("Not available in the data: {signals}.", signals=names_list(absent)))
        notes.extend(assumed)

    def _sample(self, book: Book, r: dict[str, Any]) -> Book:
        """The accounts the model is fitted and validated on: all of them, or above
        ``fit_sample`` a seeded simple random sample of that many."""
        n, cap = len(book.accounts), int(r.get("fit_sample") or 0)
        if not cap or n <= cap:
            return book
        return book.select(sample_positions(n, cap, self.seed))

    def _panel(
        self,
        sample: Book,
        data: _Monthly,
        scored: Iterable[tuple[Book, _Monthly | None]],
        accounts: int,
        r: dict[str, Any],
    ) -> list[str]:
        """Fit and validate out of time on ``sample`` (``data``: its matrices on the
        operator's grid), then score each part of the operator in ``scored`` (a book, and
        its matrices on the same grid or None to build them) and finish the operator-wide
        figures; returns the notes. ``accounts``: the operator's number of accounts."""
        h = int(r["horizon_months"])
        self.fitted_on_ = n = len(sample.accounts)
        sampled = (
            []
            if n >= accounts
            else [
                tr(
                    "The model was fitted and validated on a random sample of {n} of the {m} "
                    "accounts (setting fit_sample); every active account is scored with it.",
                    n=count(n),
                    m=count(accounts),
                )
            ]
        )
        as_of = (
            sample.as_of if sample.as_of is not None else data.months[-1] + pd.offsets.MonthEnd(0)
        )
        end = pd.Timestamp(as_of).normalize() + pd.Timedelta(days=1)  # the day after the data
        cutoffs = [m + pd.offsets.MonthBegin(1) for m in data.months]
        labelled = [k for k, c in enumerate(cutoffs) if c + pd.DateOffset(months=h) <= end]
        # the panel (fit and validation) on the sample
        acc = sample.accounts
        churned = (acc["status"] == "churned").to_numpy(dtype=bool, na_value=False)
        cdate = acc["churn_date"].to_numpy(dtype="datetime64[ns]")
        parts: list = []
        groups: dict[str, str] = {}
        levels: dict[str, tuple[list[str], str]] | None = None
        for k in labelled:
            sig = _Signals(sample, data, r, k)
            levels = sig.levels  # the accounts table's: the same at every cutoff
            risk = sig.at_risk()
            c = np.datetime64(cutoffs[k], "ns")
            stop = np.datetime64(cutoffs[k] + pd.DateOffset(months=h), "ns")
            y = churned & (cdate >= c) & (cdate < stop)
            cols, g = _rows(sig, risk)
            groups.update(g)
            parts.append((cols, y[risk], np.flatnonzero(risk), np.full(int(risk.sum()), k)))
        panel = _stack(parts, groups)
        del parts
        last = len(data.months) - 1
        if levels is None:  # no labelled cutoff: the sample's levels all the same
            levels = _Signals(sample, data, r, last).levels
        fit_notes: list[str] = []
        self._out_of_time(sample, panel, labelled, cutoffs, r, fit_notes)
        final = None
        if len(panel.y) and panel.y.sum() > 0:
            final = _fit(panel.X, panel.y, float(r["penalty"]), float(r["l1_share"]))
        fitted_groups = dict(groups)
        from_panel = set(groups.values())
        del panel
        # every account coded with the categories' levels of the fitted rows: an account
        # is scored as the model learned, whether or not it was in the sample; one part of
        # the operator at a time, keeping only its rows of the watch list
        undated = 0
        absent: list[str] | None = None
        assumed: list[str] = []
        spread: dict[str, set[float]] = {}
        has: list[
            tuple[list[str], set[str], bool]
        ] = []  # each part's branches, signals, any scored
        rows: list[pd.DataFrame] = []
        for book, part_data in scored:
            part_data = _monthly(book, data.months) if part_data is None else part_data
            acc = book.accounts
            churned = (acc["status"] == "churned").to_numpy(dtype=bool, na_value=False)
            undated += int((churned & np.isnat(acc["churn_date"].to_numpy("datetime64[ns]"))).sum())
            sig = _Signals(book, part_data, r, last, levels=levels, surveys=sample.has("surveys"))
            for s in sig.signals:  # a signal only the last cutoff has (a short history)
                for cname in s.columns:
                    groups.setdefault(cname, s.code)
            # the operator lacks what every part lacks, and assumes what any part does
            absent = list(sig.absent) if absent is None else [a for a in absent if a in sig.absent]
            assumed.extend(a for a in sig.assumed if a not in assumed)
            for code, values in sig.spread.items():
                spread.setdefault(code, set()).update(values)
            codes = {s.code for s in sig.signals}
            if final is not None:
                active = (acc["status"] == "active").to_numpy(
                    dtype=bool, na_value=False
                ) & sig.at_risk()
                has.append((book.branches, codes, bool(active.any())))
                revenue = getattr(sig, "revenue_now", None)
                if revenue is None:
                    m = book.monthly_revenue()
                    revenue = (
                        m.to_numpy(dtype=float, na_value=np.nan)
                        if m is not None
                        else np.full(len(acc), np.nan)
                    )
                rows.append(self._score_part(book, sig, final, active, revenue, fitted_groups))
            del sig, part_data
        for code, values in spread.items():
            # a flag constant over the whole operator tells nothing apart (as a fit on the
            # whole book drops it); kept in scoring only so a one-valued branch is coded
            if len(values) < 2 and code not in from_panel:
                groups = {c: g for c, g in groups.items() if g != code}
        notes: list[str] = []
        if undated:
            notes.append(
                ntr(
                    "{n} churned account has no churn date: it cannot be placed at a cutoff "
                    "and is left out.",
                    "{n} churned accounts have no churn date: they cannot be placed at a "
                    "cutoff and are left out.",
                    undated,
                    n=count(undated),
                )
            )
        notes.extend(sampled)
        used = list(dict.fromkeys(groups.values()))
        self._signals_notes(used, absent or [], assumed, notes)
        notes.extend(fit_notes)
        if final is None:
            notes.append(
                tr("No account churned within the horizon of any cutoff: no model is fitted.")
            )
            return notes
        notes.extend(self._gap_notes(has, {fitted_groups[c] for c in final.columns}))
        self._finish(final, rows)
        notes.append(
            tr(
                "Revenue at stake is each account's monthly revenue (the mean of its last "
                "{months} months) × its probability of churning within {horizon} months: the "
                "monthly revenue expected to be lost.",
                months=count(int(r["recent_months"])),
                horizon=count(h),
            )
        )
        return notes

    def _out_of_time(
        self,
        book: Book,
        panel: _Panel,
        labelled: list[int],
        cutoffs: list[pd.Timestamp],
        r: dict[str, Any],
        notes: list[str],
    ) -> None:
        h = int(r["horizon_months"])
        n_val = int(r["validation_cutoffs"])
        val = labelled[-n_val:] if len(labelled) > n_val else []
        first = cutoffs[val[0]] if val else None
        train = [
            k
            for k in labelled
            if first is not None and cutoffs[k] + pd.DateOffset(months=h) <= first
        ]
        self.validation_ = "out_of_time"
        if len(train) < int(r["min_train_cutoffs"]):
            notes.append(
                tr(
                    "The model cannot be validated out of time: the data's {months} months give "
                    "{train} cutoffs whose outcome was known before the last {validation} "
                    "cutoffs (at least {least} are needed); the watch list is not shown.",
                    months=count(len(cutoffs)),
                    train=count(len(train)),
                    validation=count(n_val),
                    least=count(int(r["min_train_cutoffs"])),
                )
            )
            return
        if panel.X.shape[1] == 0 or len(panel.X) != len(panel.y):
            notes.append(tr(_NO_SIGNAL))
            return
        is_train = np.isin(panel.cutoff, train)
        is_val = np.isin(panel.cutoff, val)
        month = lambda k: f"{cutoffs[k] - pd.Timedelta(days=1):%Y-%m}"  # noqa: E731
        self._validate(
            book,
            panel,
            is_train,
            is_val,
            r,
            notes,
            tr(
                "Validated out of time: fitted on the cutoffs at the end of {train_first} to "
                "{train_last} (outcomes known by {known}), scored on those at the end of "
                "{val_first} to {val_last}, whose {horizon} months are fully observed.",
                train_first=month(train[0]),
                train_last=month(train[-1]),
                known=month(val[0]),
                val_first=month(val[0]),
                val_last=month(val[-1]),
                horizon=count(h),
            ),
        )

    def _validate(
        self,
        book: Book,
        panel: _Panel,
        is_train: np.ndarray,
        is_val: np.ndarray,
        r: dict[str, Any],
        notes: list[str],
        how: str,
    ) -> None:
        y_tr, y_val = panel.y[is_train], panel.y[is_val]
        self.rows_in_validation_ = int(is_val.sum())
        self.churners_in_validation_ = int(y_val.sum())
        least = int(r["min_churners"])
        if y_tr.sum() == 0 or y_tr.all():
            notes.append(
                tr(
                    "The model is not validated: the training part has no churner (or no stayer); the watch list is not shown."
                )
            )
            return
        f = _fit(panel.X[is_train], y_tr, float(r["penalty"]), float(r["l1_share"]))
        p = f.predict(panel.X[is_val])
        acc_ids = book.accounts["account_id"].to_numpy()
        self.validation_scores_ = pd.DataFrame(
            {
                "account_id": acc_ids[panel.account[is_val]],
                "cutoff": panel.cutoff[is_val],
                "churned": y_val.astype(int),
                "score": p,
            }
        )
        self.auc_ = auc_of(p, y_val)
        self.auc_ci_ = _bootstrap_ci(
            p, y_val, panel.account[is_val], int(r["bootstrap"]), self.seed
        )
        self.calibration_ = _calibration(p, y_val)
        overall = float(y_val.mean()) if len(y_val) else math.nan
        top = self.calibration_.iloc[0]["observed_rate"] if len(self.calibration_) else math.nan
        self.lift_top_decile_ = float(top / overall) if overall > 0 else math.nan
        self.by_branch_ = self._branch_aucs(
            book, panel, is_val, p, y_val, int(r["min_churners_per_branch"])
        )
        scored = (
            tr(
                "{rows} accounts, {churned} of them churners",
                rows=count(self.rows_in_validation_),
                churned=count(self.churners_in_validation_),
            )
            if self.validation_ == "held_out"
            else tr(
                "{rows} account-cutoffs (each account at each cutoff) with {churned} churns",
                rows=count(self.rows_in_validation_),
                churned=count(self.churners_in_validation_),
            )
        )
        notes.append(
            how
            + " "
            + tr(
                "AUC {auc} (95% interval {low} to {high}, stratified bootstrap of accounts, "
                "{resamples} resamples; 0.5 is chance) on {scored}; the riskiest tenth churned "
                "{lift} times as often as all.",
                auc=number(self.auc_, 2),
                low=number(self.auc_ci_[0], 2),
                high=number(self.auc_ci_[1], 2),
                resamples=count(int(r["bootstrap"])),
                scored=scored,
                lift=number(self.lift_top_decile_, 1),
            )
        )
        if self.churners_in_validation_ < least:
            notes.append(
                tr(
                    "The model is not usable: {churned} churns in the validation part, fewer "
                    "than the {least} needed to judge it; the watch list is not shown.",
                    churned=count(self.churners_in_validation_),
                    least=count(least),
                )
            )
        elif not (self.auc_ >= float(r["min_auc"]) and self.auc_ci_[0] > 0.5):
            notes.append(
                tr(
                    "The model is not usable: its validation AUC is {auc} (interval from {low}), "
                    "below the {least} needed (and an interval above 0.5); the watch list is "
                    "not shown.",
                    auc=number(self.auc_, 2),
                    low=number(self.auc_ci_[0], 2),
                    least=number(float(r["min_auc"]), 2),
                )
            )
        else:
            self.usable_ = True

    def _branch_aucs(
        self,
        book: Book,
        panel: _Panel,
        is_val: np.ndarray,
        p: np.ndarray,
        y: np.ndarray,
        least: int,
    ) -> pd.DataFrame:
        branch = book.accounts["branch"].astype(object).to_numpy()[panel.account[is_val]]
        acc = panel.account[is_val]
        rows = []
        for b in sorted(pd.unique(branch[pd.notna(branch)])):
            m = branch == b
            k = int(y[m].sum())
            rows.append(
                {
                    "branch": b,
                    "accounts": int(len(np.unique(acc[m]))),
                    "churned": k,
                    "auc": auc_of(p[m], y[m]) if k >= least else math.nan,
                }
            )
        out = pd.DataFrame(rows, columns=["branch", *BRANCH_COLUMNS]).set_index("branch")
        return out

    def _snapshot(
        self,
        sample: Book,
        data: _Monthly,
        start: pd.Timestamp | None,
        scored: Iterable[tuple[Book, _Monthly | None]],
        accounts: int,
        r: dict[str, Any],
    ) -> list[str]:
        """Data without dates: fit and validate on a held-out share of ``sample`` (every
        account in :meth:`fit`), then score each part of the operator in ``scored`` as
        :meth:`_panel` does; returns the notes. ``start``: the operator's
        :meth:`Book.observation_start` (churn before it is not seen)."""
        notes: list[str] = []
        acc = sample.accounts
        self.fitted_on_ = len(acc)
        churned = (acc["status"] == "churned").to_numpy(dtype=bool, na_value=False)
        keep = np.ones(len(acc), dtype=bool)
        if start is not None and "churn_date" in acc:
            before = churned & (acc["churn_date"] < start).to_numpy(dtype=bool, na_value=False)
            keep &= ~before
        sig = _Signals(sample, data, r, None)
        cols, groups = _rows(sig, keep)
        panel = _stack(
            [(cols, churned[keep], np.flatnonzero(keep), np.full(int(keep.sum()), -1))], groups
        )
        used = list(dict.fromkeys(groups.values()))
        self._signals_notes(used, sig.absent, sig.assumed, notes)
        self.validation_ = "held_out"
        rng = np.random.default_rng(self.seed)
        held = np.zeros(len(panel.y), dtype=bool)
        for cls in (True, False):  # stratified: churners and stayers held out alike
            idx = np.flatnonzero(panel.y == cls)
            take = rng.permutation(idx)[: int(round(len(idx) * float(r["holdout_share"])))]
            held[take] = True
        notes.insert(
            0,
            tr(
                "The data have no dates (one snapshot): the model is validated on a held-out "
                "{share} of accounts (drawn with seed {seed}, churners and stayers alike), not "
                "out of time, and its signals are as the export recorded them — for a churned "
                "account, when it left — so the held-out AUC may be higher than a forecast "
                "made before churn would achieve. The probability is of churning as this "
                "export's churners did, over its own period.",
                share=share(float(r["holdout_share"])),
                seed=self.seed,
            ),
        )
        if len(acc) < accounts:  # only fit_sampled: fit fits a snapshot on every account
            notes.insert(
                1,
                tr(
                    "The model was fitted and validated on a random sample of {n} of the {m} "
                    "accounts (setting fit_sample); every active account is scored with it.",
                    n=count(len(acc)),
                    m=count(accounts),
                ),
            )
        final = None
        if len(panel.y) == 0 or panel.y.sum() == 0 or panel.y.all():
            notes.append(tr("The data have no churners (or only churners): no model is fitted."))
        elif panel.X.shape[1] == 0 or len(panel.X) != len(panel.y):
            notes.append(tr(_NO_SIGNAL))
        else:
            self._validate(sample, panel, ~held, held, r, notes, tr("Held-out validation:"))
            final = _fit(panel.X, panel.y, float(r["penalty"]), float(r["l1_share"]))
        del panel
        has: list[tuple[list[str], set[str], bool]] = []
        rows: list[pd.DataFrame] = []
        for book, part_data in scored:  # consumed even without a model: branches_
            if final is None:
                continue
            # the sample itself (fit on every account) is scored with its own signals
            if book is not sample:
                part_data = _monthly(book, data.months) if part_data is None else part_data
                part = _Signals(
                    book, part_data, r, None, levels=sig.levels, surveys=sample.has("surveys")
                )
            else:
                part = sig
            active = (book.accounts["status"] == "active").to_numpy(dtype=bool, na_value=False)
            has.append((book.branches, {s.code for s in part.signals}, bool(active.any())))
            m = book.monthly_revenue()
            revenue = (
                m.to_numpy(dtype=float, na_value=np.nan)
                if m is not None
                else np.full(len(book.accounts), np.nan)
            )
            rows.append(self._score_part(book, part, final, active, revenue, groups))
            del part, part_data
        if final is None:
            return notes
        notes.extend(self._gap_notes(has, {groups[c] for c in final.columns}))
        self._finish(final, rows)
        notes.append(
            tr(
                "Revenue at stake is each account's monthly revenue × its probability of "
                "churning: the monthly revenue expected to be lost."
            )
        )
        return notes

    @staticmethod
    def _gap_notes(has: list[tuple[list[str], set[str], bool]], model: set[str]) -> list[str]:
        """A signal of the model that one part's data lack while another's have: the
        part's accounts count as average on it (a fit on the whole book would have
        computed it for them, perhaps as none); said, not hidden. ``has``: each part's
        branches, signals and whether it has an account scored; ``model``: the signals of
        the fitted model."""
        anywhere = set().union(*(codes for _, codes, _ in has)) if has else set()
        notes = []
        for where, codes, scored in has:
            lacking = sorted((model & anywhere) - codes)
            if lacking and scored:  # a branch with no account on the list: nothing to say
                notes.append(
                    tr(
                        "The data of {branches} give none of {signals}, which the model uses: "
                        "their accounts are scored as average on them.",
                        branches=names_list(where),
                        signals=names_list(
                            label(f"signal_{s}") if _has(f"signal_{s}") else label(s)
                            for s in lacking
                        ),
                    )
                )
        return notes

    # -- the watch list
    def _score_part(
        self,
        book: Book,
        sig: _Signals,
        f: _Fit,
        active: np.ndarray,
        revenue: np.ndarray,
        groups: dict[str, str],
    ) -> pd.DataFrame:
        """The watch-list rows of ``book``'s active accounts (the whole operator or one of
        its branches): probability, revenue at stake, reasons and actions. The figures
        relative to the operator (``risk_vs_average``, ``top_decile``) are placeholders
        :meth:`_finish` fills once every part is scored."""
        r = self.rules_
        cols, _ = _rows(sig, active)
        n = int(active.sum())
        # one row per active account even when the fit kept no signal (all constant)
        X = pd.DataFrame(
            {c: cols.get(c, np.full(n, np.nan)) for c in f.columns}, index=pd.RangeIndex(n)
        )
        p = f.predict(X)
        contrib = f.z(X) * f.params[1:]
        codes = [groups.get(c, c) for c in f.columns]
        by_code = pd.DataFrame(contrib, columns=codes).T.groupby(level=0, sort=False).sum().T
        raw = {s.code: s.raw[active] for s in sig.signals}
        words = {s.code: s.words for s in sig.signals}
        acts = r["actions"]
        n_reasons = int(r["top_reasons"])
        least = float(r["min_push"])
        reasons: list[list[str | None]] = [[None] * len(p) for _ in range(n_reasons)]
        actions: list[list[str | None]] = [[None] * len(p) for _ in range(n_reasons)]
        values = by_code.to_numpy()
        names = list(by_code.columns)
        for i in range(len(p)):
            order = np.argsort(-values[i], kind="mergesort")
            j = 0
            for o in order:
                if values[i, o] < least or values[i, o] <= 0 or j >= n_reasons:
                    break
                code = names[o]
                phrase = words[code](raw[code][i], values[i, o]) if code in words else None
                if not phrase:
                    continue
                reasons[j][i] = _sentence_case(phrase)
                actions[j][i] = local_name(acts.get(code, r["default_action"]))
                j += 1
        # the call list: the accounts with a reason to call (a signal that raises their
        # risk); a large account at an ordinary risk has revenue at stake but nothing to say
        on_list = np.array([x is not None for x in reasons[0]], dtype=bool)
        acc = book.accounts.loc[active]
        out = pd.DataFrame(
            {
                "account_id": acc["account_id"].to_numpy(),
                "name": acc["name"].to_numpy() if "name" in acc else pd.NA,
                "branch": acc["branch"].to_numpy(),
                "customer_type": acc["customer_type"].to_numpy()
                if "customer_type" in acc
                else pd.NA,
                "monthly_revenue": revenue[active],
                "churn_probability": p,
                "value_at_stake": revenue[active] * p,
                "risk_vs_average": np.full(len(p), np.nan),  # by _finish
                "on_call_list": on_list,
                "top_decile": np.zeros(len(p), dtype=bool),  # by _finish
            }
        )
        for j in range(n_reasons):
            out[f"reason_{j + 1}"] = pd.array(reasons[j], dtype="string")
            out[f"action_{j + 1}"] = pd.array(actions[j], dtype="string")
        return out

    def _finish(self, f: _Fit, parts: list[pd.DataFrame]) -> None:
        """The watch list of every part's rows (in their order): the figures relative to
        the whole operator (its average probability, its riskiest tenth), the sort by
        revenue at stake, ``scores_``, ``table_`` and the value at risk of the top decile."""
        self.fit_ = f.result
        self.coefficients_ = pd.Series(
            f.params[1:], index=pd.Index(f.columns, name="column"), name="coefficient"
        )
        # concatenated without the empty parts (a branch with no active account), whose
        # columns of no rows would only blur the dtypes
        kept = [p for p in parts if len(p)] or parts[:1]
        if not kept:
            out = pd.DataFrame({c: [] for c in self._watch_columns()})
        elif len(kept) == 1:
            out = kept[0].reset_index(drop=True)
        else:
            out = pd.concat(kept, ignore_index=True)
        p = out["churn_probability"].to_numpy(dtype=float)
        avg = float(np.mean(p)) if len(p) else math.nan
        with np.errstate(invalid="ignore", divide="ignore"):
            vs_avg = p / avg if avg > 0 else np.full(len(p), np.nan)
        self.average_probability_ = avg
        out["risk_vs_average"] = vs_avg
        n_top = int(math.ceil(len(out) / 10))
        rank = np.argsort(-p, kind="mergesort")
        top = np.zeros(len(out), dtype=bool)
        top[rank[:n_top]] = True
        out["top_decile"] = top
        out = out.sort_values(
            ["value_at_stake", "churn_probability"], ascending=False, na_position="last"
        )
        self.scores_ = out.reset_index(drop=True)
        self.value_at_risk_top_decile_ = float(
            self.scores_.loc[self.scores_["top_decile"], "value_at_stake"].sum()
        )
        self.table_ = self.scores_ if self.usable_ else self.scores_.iloc[0:0]

    # -- per branch
    def branch(self, name: str) -> WatchList:
        """One branch's rows of the watch list (the model is the operator's), with the
        branch's validation AUC where it has enough churners.

        Examples
        --------
        >>> import kamlib
        >>> m = churn_risk(kamlib.load(kamlib.sample_path()))
        >>> w = m.branch("Suzhou")
        >>> set(w.table["branch"]) <= {"Suzhou"}
        True
        """
        t = self._fitted("table_")
        if name not in self.branches_:
            from ._book import unknown_branch

            raise unknown_branch([name], self.branches_)
        rows = t[t["branch"] == name].reset_index(drop=True)
        notes = list(self.notes_)
        b_auc = math.nan
        if name in self.by_branch_.index:
            row = self.by_branch_.loc[name]
            b_auc = float(row["auc"])
            least = int(self.rules_["min_churners_per_branch"])
            notes.append(
                tr(
                    "In {branch} the validation saw {churned} churns: the branch's own AUC is "
                    "{auc}.",
                    branch=name,
                    churned=count(int(row["churned"])),
                    auc=number(b_auc, 2),
                )
                if math.isfinite(b_auc)
                else tr(
                    "In {branch} the validation saw {churned} churns, fewer than the {least} "
                    "needed for a branch's own AUC: the operator's AUC applies.",
                    branch=name,
                    churned=count(int(row["churned"])),
                    least=count(least),
                )
            )
        return WatchList(
            rows,
            notes,
            currency=self.currency_,
            figures_={
                "auc": self.auc_,
                "auc_ci_low": self.auc_ci_[0],
                "auc_ci_high": self.auc_ci_[1],
                "branch_auc": b_auc,
                "usable": self.usable_,
                "average_probability": self.average_probability_,
            },
        )

    # -- the contract
    def summary(self) -> pd.DataFrame:
        self._fitted("table_")
        return figures(
            {
                "auc": self.auc_,
                "auc_ci_low": self.auc_ci_[0],
                "auc_ci_high": self.auc_ci_[1],
                "lift_top_decile": self.lift_top_decile_,
                "churners_in_validation": self.churners_in_validation_,
                "rows_in_validation": self.rows_in_validation_,
                "accounts_scored": len(self.table_),
                "value_at_risk_top_decile": self.value_at_risk_top_decile_
                if self.usable_
                else math.nan,
                "usable": self.usable_,
            }
        )

    def plot(self, *, ax=None):
        """Calibration: predicted against observed churn by decile of the validation;
        returns the Axes."""
        ax = axes(ax)
        c = self._fitted("calibration_")
        if c.empty:
            return nothing_to_draw(ax, self.notes[0] if self.notes else tr("Nothing to draw."))
        x = np.arange(len(c))
        ax.bar(
            x - 0.2,
            c["predicted_rate"].to_numpy(dtype=float),
            width=0.4,
            color="#8c8c8c",
            label=label("predicted_rate"),
        )
        ax.bar(
            x + 0.2,
            c["observed_rate"].to_numpy(dtype=float),
            width=0.4,
            color="#c44e52",
            label=label("observed_rate"),
        )
        ax.set_xticks(x, [label(i) for i in c.index])
        share_axis(ax, axis="y")
        ax.set_xlabel(tr("Decile of predicted risk (D1: the riskiest tenth)"))
        ax.set_ylabel(tr("Share that churned"))
        ax.legend(frameon=False)
        return ax


def _sentence_case(phrase: str) -> str:
    """A reason as a reader sees it in a cell: its first letter a capital (English)."""
    return phrase[:1].upper() + phrase[1:]


def _has(key: str) -> bool:
    from ._labels import has_label

    return has_label(key)


def churn_risk(
    book: Book,
    *,
    horizon_months: int = 3,
    rules: str | Path | dict | None = None,
    seed: int = 0,
) -> ChurnRisk:
    """``ChurnRisk(horizon_months=..., rules=..., seed=...).fit(book)``: see
    :class:`ChurnRisk`.

    Examples
    --------
    >>> import kamlib
    >>> m = churn_risk(kamlib.load(kamlib.sample_path()))
    >>> bool((m.table["churn_probability"].between(0, 1)).all())
    True
    """
    return ChurnRisk(horizon_months=horizon_months, rules=rules, seed=seed).fit(book)


#: operator models fitted in this process, by (data, settings, language): a report per
#: branch of one operator fits the operator's model once, not once per branch
_FITTED: dict[tuple[str, str, str], ChurnRisk] = {}
_FITTED_KEEP = 2  # operators remembered (each model holds its operator's book)


def operator_model(book: Book) -> ChurnRisk:
    """The operator's churn-risk model with the bundled settings: fitted on ``book`` (the
    whole operator) the first time it is asked for, remembered for the same data, settings
    and language in this process (:meth:`Book.fingerprint`), so the reports of every branch
    share one fit. The model returned is shared: do not change it.

    Examples
    --------
    >>> import kamlib
    >>> b = kamlib.load(kamlib.sample_path())
    >>> operator_model(b) is operator_model(kamlib.load(kamlib.sample_path()))
    True
    """
    from ._i18n import current_language

    key = (book.fingerprint(), repr(watchlist_rules(None)), current_language())
    model = _FITTED.get(key)
    if model is None:
        model = ChurnRisk().fit(book)
        while len(_FITTED) >= _FITTED_KEEP:
            _FITTED.pop(next(iter(_FITTED)))
        _FITTED[key] = model
    return model
