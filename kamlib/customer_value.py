"""Customer value ahead: what a contract customer is expected to bring from now on.

Past revenue alone misleads churn management (the domain brief): an account that has
stayed eight years is likelier to stay another year than one that joined last spring,
and the money it brings later is worth less than money now. :func:`clv` values each
active contract customer as its value per period times its *discounted expected residual
lifetime* (DERL), from the shifted-beta-geometric model of :mod:`kamlib.lifetime` fitted
per segment to the accounts' tenure and churn in the observation window.

The model (Fader and Hardie 2007): at each renewal an account leaves with a churn
probability of its own, constant over time; across accounts the probabilities follow a
beta distribution with parameters alpha and beta. After ``t`` periods a share
``S(t) = B(alpha, beta + t) / B(alpha, beta)`` remains, and the share of those alive at
period ``t - 1`` that renew into ``t`` is ``(beta + t - 1) / (alpha + beta + t - 1)``.

The timing convention (Fader and Hardie 2010, "Customer-base valuation in a contractual
setting: the perils of ignoring heterogeneity"): an account *in its n-th period* has made
``n - 1`` renewals (it is known to have survived ``n - 1`` periods) and has paid for the
period it is in. What it will bring is one period's value at each further renewal, the
first (at the end of the current period) undiscounted, the k-th after it discounted by
``(1 + d) ** k``::

    DERL(d | alpha, beta, n) = sum_{t >= n} S(t) / S(n - 1) / (1 + d) ** (t - n)
                             = (beta + n - 1) / (alpha + beta + n - 1)
                               * 2F1(1, beta + n; alpha + beta + n; 1 / (1 + d))

(the ratio of survivals is a product of retention rates, i.e. a ratio of Pochhammer
symbols, which is the hypergeometric series). An active account that has completed ``c``
whole periods at the as-of date is in its ``c + 1``-th: ``n = c + 1``. With ``d = 0`` the
sum is the expected number of renewals left, ``(beta + n - 1) / (alpha - 1)``, infinite
when ``alpha <= 1`` (a long tail of accounts that almost never leave); discounting keeps
the value finite. ``horizon=`` stops the sum after that many renewals.

When churn does not fall with tenure at all the likelihood is largest at the model's
limit alpha, beta -> infinity with alpha / (alpha + beta) fixed: every account has the
same churn probability (the geometric model). :func:`clv` then uses that limit, says so
in the notes and in the ``model`` column, and checks first that no sBG on a wide grid of
(alpha, beta) does better.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import hyp2f1
from statsmodels.stats.proportion import proportion_confint

from ._book import Book, has_column, lookup
from ._charts import share_axis, wrap
from ._errors import ConfigError
from ._format import count, names_list, share
from ._i18n import current_language, language, ntr, tr
from ._labels import label
from ._result import Result, axes, figures, nothing_to_draw
from ._settings import settings
from .lifetime import SBGFit, fit_sbg_accounts, sbg_likelihood
from .segment import CLV_SCHEME, SCHEME_BUILDERS, Tiers

__all__ = [
    "CustomerValue",
    "LifetimeFit",
    "ClvTiers",
    "clv",
    "clv_tiers",
    "derl",
    "CLV_TIER_CODES",
]

#: days in an average month (as the book derives tenure from dates)
_MONTH_DAYS = 365.25 / 12
#: the series is summed until what is left is below this share of the sum
_TAIL = 1e-13
#: log alpha and log beta of the grid a geometric fit must beat every point of
_GRID = np.arange(-4.0, 11.01, 0.5)

#: the tiers of ``value_tiers(book, scheme="clv")``, highest predicted value first
CLV_TIER_CODES = ("clv_a", "clv_b", "clv_c")

_TABLE_COLUMNS = [
    "account_id",
    "branch",
    "segment",
    "model",
    "fitted_on",
    "tenure_periods",
    "value_per_period",
    "expected_residual_lifetime",
    "discounted_residual_lifetime",
    "residual_value",
    "churn_probability_year",
]
_SEGMENT_COLUMNS = [
    "accounts_at_risk",
    "churners",
    "model",
    "sbg_alpha",
    "sbg_alpha_low",
    "sbg_alpha_high",
    "sbg_beta",
    "sbg_beta_low",
    "sbg_beta_high",
    "period_churn_probability",
    "period_churn_probability_low",
    "period_churn_probability_high",
    "accounts_valued",
    "mean_value_per_period",
    "mean_expected_residual_lifetime",
    "mean_residual_value",
    "residual_value",
]


# ============================================================================ DERL
def _ratios(alpha: float, beta: float, n: np.ndarray, k: np.ndarray) -> np.ndarray:
    """log of the renewal probability into period n + k, one row per n."""
    t = n[:, None] + k[None, :]
    return np.log((beta + t - 1) / (alpha + beta + t - 1))


def _truncated(alpha: float, beta: float, n: np.ndarray, z: float, horizon: int) -> np.ndarray:
    """sum_{k < horizon} S(n + k) / S(n - 1) z**k, for each n."""
    k = np.arange(horizon, dtype=float)
    log_terms = np.cumsum(_ratios(alpha, beta, n, k), axis=1) + k * np.log(z)
    return np.exp(log_terms).sum(axis=1)


def _series(alpha: float, beta: float, n: np.ndarray, z: float) -> np.ndarray:
    """The infinite sum, term by term, stopped by a bound on the tail.

    Each term is the one before times a retention rate (below 1) and z: after the term u
    what is left is at most u z / (1 - z). Used where scipy's hyp2f1 returns no number
    (large parameters near z = 1, e.g. alpha = 30, beta = 30, n = 200).
    """
    total = np.zeros(len(n))
    carry = np.zeros(len(n))  # log of the product of the rates so far
    todo = np.ones(len(n), dtype=bool)
    start, chunk = 0, 2048
    while todo.any():
        k = np.arange(start, start + chunk, dtype=float)
        log_terms = carry[todo, None] + np.cumsum(_ratios(alpha, beta, n[todo], k), axis=1)
        log_terms += k * np.log(z)
        terms = np.exp(log_terms)
        total[todo] += terms.sum(axis=1)
        carry[todo] = log_terms[:, -1] - k[-1] * np.log(z)
        left = terms[:, -1] * z / (1 - z)
        idx = np.flatnonzero(todo)
        todo[idx[left <= _TAIL * total[idx]]] = False
        start += chunk
    return total


def derl(
    alpha: float,
    beta: float,
    n: int | np.ndarray | list[int],
    d: float,
    *,
    horizon: int | None = None,
) -> float | np.ndarray:
    """Discounted expected residual lifetime of an account in its ``n``-th period.

    ``sum_{t >= n} S(t) / S(n - 1) / (1 + d) ** (t - n)`` under the sBG model: the
    expected number of further periods paid, each discounted to the end of the current
    period (the first renewal is not discounted), given that the account has survived
    ``n - 1`` periods (see the module docstring for the convention).

    Parameters
    ----------
    alpha, beta : the beta distribution of the accounts' churn probabilities (> 0).
    n : the period the account is in (whole numbers from 1): completed periods + 1.
    d : the discount rate per period (0 or more). With ``d = 0`` and no horizon this is
        the expected number of renewals left, infinite when ``alpha <= 1``.
    horizon : count at most this many further renewals (None: all).

    Returns
    -------
    float or array (one per ``n``).

    Examples
    --------
    Fader and Hardie's "regular" cohort (alpha = 0.704, beta = 1.182), a new customer
    (n = 1) and one in its fifth year, at 10% a year:

    >>> round(float(derl(0.704, 1.182, 1, 0.10)), 2), round(float(derl(0.704, 1.182, 5, 0.10)), 2)
    (2.96, 5.89)
    >>> round(float(derl(1.0, 2.0, 1, 0.0, horizon=2)), 12)  # S(1) + S(2) = 2/3 + 2/4
    1.166666666667
    """
    if not (np.isfinite(alpha) and np.isfinite(beta) and alpha > 0 and beta > 0):
        raise ValueError(f"alpha and beta must be positive numbers (got {alpha}, {beta})")
    if not (np.isfinite(d) and d >= 0):
        raise ValueError(f"the discount rate per period must be 0 or more (got {d})")
    ns = np.atleast_1d(np.asarray(n, dtype=float))
    if np.any(ns < 1) or np.any(ns != np.round(ns)):
        raise ValueError(f"n is the period the account is in: whole numbers from 1 ({n!r})")
    if horizon is not None and (horizon < 0 or horizon != int(horizon)):
        raise ValueError(f"horizon is a whole number of renewals, 0 or more ({horizon!r})")
    # one computation per distinct n: millions of accounts have a few hundred tenures
    uniq, back = np.unique(ns, return_inverse=True)
    z = 1.0 / (1.0 + d)
    if horizon is not None:
        out = _truncated(alpha, beta, uniq, z, int(horizon)) if horizon else np.zeros(len(uniq))
    elif d == 0:
        out = (beta + uniq - 1) / (alpha - 1) if alpha > 1 else np.full(len(uniq), np.inf)
    else:
        first = (beta + uniq - 1) / (alpha + beta + uniq - 1)
        out = first * hyp2f1(1.0, beta + uniq, alpha + beta + uniq, z)
        bad = ~(np.isfinite(out) & (out > 0))
        if bad.any():  # scipy gives NaN for large parameters close to z = 1
            out[bad] = _series(alpha, beta, uniq[bad], z)
    res = out[back].reshape(np.shape(ns))
    return float(res[0]) if np.ndim(n) == 0 else res


def _geometric_residual(theta: float, n: np.ndarray, d: float, horizon: int | None) -> np.ndarray:
    """The geometric limit of DERL: each renewal with probability 1 - theta, whatever n."""
    r, z = 1.0 - theta, 1.0 / (1.0 + d)
    if horizon is not None:
        q = r * z
        s = r * horizon if q == 1 else r * (1 - q**horizon) / (1 - q)
    elif d == 0:
        s = r / theta if theta > 0 else np.inf
    else:
        s = r / (1 - r * z)
    return np.full(np.shape(n), s, dtype=float)


# ============================================================================ fits
@dataclass(frozen=True)
class LifetimeFit:
    """How long the accounts of one segment stay: an sBG fit or its geometric limit.

    Attributes
    ----------
    model : ``"sbg"`` (alpha, beta fitted) or ``"geometric"`` (the limit alpha, beta ->
        infinity: one churn probability for every account).
    alpha, beta : the sBG parameters (infinite for the geometric limit), with 95% intervals.
    period_churn_probability : the churn probability per period of a newly joined account
        (alpha / (alpha + beta); the one probability of the geometric model), with a 95%
        interval for the geometric model (Wilson, on churners over periods at risk).
    accounts, churners : the accounts seen at risk in the window, and those that left.
    """

    model: str
    alpha: float
    beta: float
    alpha_ci: tuple[float, float]
    beta_ci: tuple[float, float]
    period_churn_probability: float
    churn_probability_ci: tuple[float, float]
    accounts: int
    churners: int
    log_likelihood: float

    def survival(self, t: np.ndarray) -> np.ndarray:
        """S(t), the share of newly joined accounts still there after t periods."""
        t = np.asarray(t, dtype=float)
        if self.model == "geometric":
            return (1 - self.period_churn_probability) ** t
        horizon = int(t.max()) if t.size else 0
        rates = (self.beta + np.arange(horizon)) / (self.alpha + self.beta + np.arange(horizon))
        s = np.concatenate([[1.0], np.cumprod(rates)])
        return s[t.astype(int)]

    def leave_within(self, n: np.ndarray, k: int) -> np.ndarray:
        """The chance that an account in its n-th period leaves within the next ``k``
        periods: 1 - S(n - 1 + k) / S(n - 1)."""
        n = np.asarray(n, dtype=float)
        if self.model == "geometric":
            return 1 - (1 - self.period_churn_probability) ** np.full(n.shape, float(k))
        out = np.full(n.shape, np.nan)
        ok = np.isfinite(n)
        if ok.any():
            s = self.survival(np.concatenate([n[ok] - 1, n[ok] - 1 + k]))
            out[ok] = 1 - s[ok.sum() :] / s[: ok.sum()]
        return out

    def residual(self, n: np.ndarray, d: float, horizon: int | None) -> np.ndarray:
        """DERL per account in its n-th period (see :func:`derl`)."""
        if self.model == "geometric":
            return _geometric_residual(self.period_churn_probability, n, d, horizon)
        return np.asarray(derl(self.alpha, self.beta, n, d, horizon=horizon), dtype=float)


def _from_sbg(fit: SBGFit, churners: int) -> LifetimeFit:
    return LifetimeFit(
        "sbg",
        fit.alpha_,
        fit.beta_,
        fit.alpha_ci_,
        fit.beta_ci_,
        fit.alpha_ / (fit.alpha_ + fit.beta_),
        (np.nan, np.nan),  # no interval of the ratio without the parameters' covariance
        fit.accounts,
        churners,
        fit.log_likelihood_,
    )


def _fit(periods: np.ndarray, gone: np.ndarray, entered: np.ndarray) -> LifetimeFit | None:
    """The sBG fit of these accounts, its geometric limit when that is the better model,
    or None when neither describes the data (the sBG runs to another edge)."""
    churners = int(gone.sum())
    try:
        return _from_sbg(fit_sbg_accounts(periods=periods, churned=gone, entered=entered), churners)
    except ValueError:
        pass
    # the sBG likelihood rose to the edge of its parameters; if that edge is the
    # geometric one (alpha, beta -> infinity), the geometric MLE is the best fit
    at_risk = float((periods - entered).sum())  # periods at risk, the exits included
    theta = churners / at_risk
    if not 0 < theta < 1:
        return None
    ll_geo = churners * np.log(theta) + (at_risk - churners) * np.log1p(-theta)
    kinds, weight = np.unique(
        np.column_stack([periods, gone, entered]).astype(np.int64), axis=0, return_counts=True
    )
    f = sbg_likelihood(kinds[:, 0], kinds[:, 1].astype(bool), kinds[:, 2], weight.astype(float))
    best = -min(f(np.array([x, y])) for x in _GRID for y in _GRID)
    if ll_geo < best - 1e-6:
        return None
    low, high = proportion_confint(churners, at_risk, alpha=0.05, method="wilson")
    return LifetimeFit(
        "geometric",
        np.inf,
        np.inf,
        (np.inf, np.inf),
        (np.inf, np.inf),
        theta,
        (float(low), float(high)),
        len(periods),
        churners,
        float(ll_geo),
    )


def _constant(periods: np.ndarray, gone: np.ndarray, entered: np.ndarray) -> LifetimeFit | None:
    """One churn probability for every account of the segment (the geometric model,
    churners over periods at risk, Wilson interval): what a segment with too few churners
    for the sBG's two parameters can still give. None without a churner or a stayer."""
    churners = int(gone.sum())
    at_risk = float((periods - entered).sum())
    theta = churners / at_risk if at_risk > 0 else np.nan
    if not 0 < theta < 1:
        return None
    low, high = proportion_confint(churners, at_risk, alpha=0.05, method="wilson")
    ll = churners * np.log(theta) + (at_risk - churners) * np.log1p(-theta)
    return LifetimeFit(
        "geometric",
        np.inf,
        np.inf,
        (np.inf, np.inf),
        (np.inf, np.inf),
        theta,
        (float(low), float(high)),
        len(periods),
        churners,
        float(ll),
    )


# ============================================================================ the fits
@dataclass(frozen=True)
class _Fitted:
    """The lifetime fits of one set of accounts: per segment, and what could not be fit."""

    fits: dict[str, LifetimeFit]
    constant: dict[str, bool]  # segments at one churn probability (too few churners)
    few: list[str]  # segments with fewer churners than min_churners
    unfit: list[str]  # segments neither model describes
    rows: dict[str, dict[str, Any]]  # accounts at risk and churners per segment
    undated: int  # churners without a churn date, placed mid-window
    key: str = ""  # the settings and segments it was fitted with (_fit_key)


#: fits remembered in this process by (data, settings, segments): each branch report of
#: one operator values its accounts with the operator's fit, fitted once
_FITS: dict[tuple[str, str, str], _Fitted] = {}


def _fitted_segments(
    src: Book, r: dict[str, Any], by: Any, contract: np.ndarray, seg: pd.Series, pm: int
) -> _Fitted:
    """The sBG fit of each segment of ``src``'s contract customers (remembered)."""
    fk = _fit_key(r, by)
    key = (src.fingerprint(), fk, "")
    found = _FITS.get(key)
    if found is not None:
        return found
    out = replace(_fit_segments(src, r, contract, seg, pm), key=fk)
    while len(_FITS) >= 4:
        _FITS.pop(next(iter(_FITS)))
    _FITS[key] = out
    return out


def _fit_key(r: dict[str, Any], by: Any) -> str:
    """What a fit depends on besides the data: the settings that shape it, the segments."""
    if isinstance(by, pd.Series):
        by_key = str(int(pd.util.hash_pandas_object(by).sum())) + f":{len(by)}"
    else:
        by_key = str(by)
    shaping = ("min_churners", "min_churners_constant", "fallback", "period_months", "not_contract")
    return repr({k: r[k] for k in shaping}) + "|" + by_key


def operator_lifetimes(book: Book, *, rules: str | Path | dict | None = None) -> _Fitted:
    """The lifetime fits of ``book`` (the whole operator) with the settings' default
    segments, for :func:`kamlib.prepare` to keep beside a prepared operator: each branch
    report then values its accounts with the operator's fit (``Book.lifetimes``)."""
    r = settings("clv", rules, caller="clv")
    contract, _ = _contract_customers(book, list(r["not_contract"]))
    seg, _ = _segments_of(book, r["by"])
    return _fitted_segments(book, r, r["by"], contract, seg, int(r["period_months"]))


def _fit_segments(
    src: Book, r: dict[str, Any], contract: np.ndarray, seg: pd.Series, pm: int
) -> _Fitted:
    spells, _ = _spells(src)
    fits: dict[str, LifetimeFit] = {}
    constant: dict[str, bool] = {}
    few: list[str] = []
    unfit: list[str] = []
    rows: dict[str, dict[str, Any]] = {}
    if spells is None:
        return _Fitted(fits, constant, few, unfit, rows, 0)
    s = spells[contract & spells["seen"].to_numpy()]
    t = s["tenure"].to_numpy() / pm
    a = s["entry"].to_numpy() / pm
    gone = s["churned"].to_numpy()
    # whole periods from months: a churner left during period ceil(t); the window saw
    # a stayer's last period, and the one in which an account came under observation,
    # in part: each counts as observed when at least half of it was (rounding), which
    # leaves exposure unbiased when exits fall anywhere in a month (always flooring
    # made beta a quarter too high on simulated accounts)
    entered = np.round(a)
    periods = np.where(gone, np.maximum(np.ceil(t), entered + 1), np.round(t))
    # a stayer seen for under half a period adds nothing to the likelihood
    useful = periods > entered
    periods, entered, gone = periods[useful], entered[useful], gone[useful]
    segs = seg.loc[s.index].to_numpy(dtype=object)[useful]
    undated = int(s["undated"].to_numpy()[useful].sum())
    names = sorted({str(x) for x in seg.dropna().loc[contract[seg.notna().to_numpy()]]})
    for name in names:
        m = np.array([x is not None and str(x) == name for x in segs], dtype=bool)
        churners = int(gone[m].sum())
        rows[name] = {"accounts_at_risk": int(m.sum()), "churners": churners}
        if churners < int(r["min_churners"]):
            few.append(name)
            if r["fallback"] == "constant" and churners >= int(r["min_churners_constant"]):
                f = _constant(periods[m], gone[m], entered[m])
                if f is not None:
                    fits[name], constant[name] = f, True
            continue
        f = _fit(periods[m], gone[m], entered[m])
        if f is None:
            unfit.append(name)
        else:
            fits[name] = f
    if r["fallback"] == "pooled" and (few or unfit):
        pooled = _fit(periods, gone, entered) if gone.sum() else None
        if pooled is not None:
            fits["pooled"] = pooled
    return _Fitted(fits, constant, few, unfit, rows, undated)


# ============================================================================ the result
@dataclass(repr=False, eq=False)
class CustomerValue(Result):
    """What each active contract customer is expected to bring (:func:`clv`).

    ``table``: one row per active contract customer: ``account_id``, ``branch``,
    ``segment``, ``model`` and ``fitted_on`` (the segment's own fit, the pooled one, or
    none), ``tenure_periods`` (whole periods completed at the as-of date),
    ``value_per_period``, ``expected_residual_lifetime`` (renewals left, undiscounted;
    within the horizon when there is one), ``discounted_residual_lifetime`` (DERL) and
    ``residual_value`` (value per period x DERL) and ``churn_probability_year`` (the
    chance of leaving within 12 months, given the periods it has stayed). ``segments``: one row per segment with
    the fit (alpha, beta and their 95% intervals), accounts at risk, churners and the
    means. ``fits``: the :class:`LifetimeFit` of each fitted segment (``"pooled"`` too
    when used).
    """

    table: pd.DataFrame
    segments: pd.DataFrame
    fits: dict[str, LifetimeFit]
    notes: tuple[str, ...] = ()
    currency: str = ""
    period_months: int = 1
    annual_discount_rate: float = 0.0
    horizon_months: int | None = None
    value_basis: str | None = None
    figures_: dict[str, Any] = field(default_factory=dict)
    #: the contract customers that left in the window, with the value they had ahead
    #: when they left (``residual_value``; NaN where their segment has no fit)
    lost: pd.DataFrame = field(default_factory=pd.DataFrame)

    def summary(self) -> pd.DataFrame:
        """Accounts, how many have a value, segments fitted, the mean and total residual
        value and expected lifetime, and the assumptions (discount rate, horizon, basis)."""
        t = self.table
        valued = t["residual_value"].notna()
        life = t.loc[t["expected_residual_lifetime"].notna(), "expected_residual_lifetime"]
        fitted = self.segments["model"].notna() if len(self.segments) else pd.Series([], bool)
        return figures(
            {
                "accounts": len(t),
                "accounts_valued": int(valued.sum()),
                "segments": len(self.segments),
                "segments_fitted": int(fitted.sum()),
                "mean_residual_value": float(t.loc[valued, "residual_value"].mean())
                if valued.any()
                else np.nan,
                "total_residual_value": float(t.loc[valued, "residual_value"].sum())
                if valued.any()
                else np.nan,
                "mean_expected_residual_lifetime": float(life.mean()) if len(life) else np.nan,
                "churners_valued": int(self.lost["residual_value"].notna().sum())
                if len(self.lost)
                else 0,
                "value_lost_to_churn": float(self.lost["residual_value"].sum(min_count=1))
                if len(self.lost)
                else np.nan,
                "annual_discount_rate": self.annual_discount_rate,
                "horizon_months": self.horizon_months
                if self.horizon_months is not None
                else np.nan,
                "value_basis": self.value_basis,
                "currency": self.currency,
            }
        )

    def plot(self, *, ax: Any = None) -> Any:
        """The share of newly joined accounts each segment's fit expects still there,
        month by month (five years, or the horizon); returns the Axes."""
        ax = axes(ax)
        shown = {k: f for k, f in self.fits.items()}
        if not shown:
            return nothing_to_draw(
                ax, self.notes[0] if self.notes else tr("No segment could be fitted.")
            )
        months = self.horizon_months or 60
        t = np.arange(0, months // self.period_months + 1)
        for name, f in shown.items():
            ax.plot(t * self.period_months, f.survival(t), label=wrap(label(name), 24))
        share_axis(ax, axis="y")
        ax.set_ylim(0, 1.02)
        ax.set_xlabel(tr("Months since joining"))
        ax.set_ylabel(tr("Share of accounts still with us"))
        ax.legend()
        return ax


# ============================================================================ inputs
def _segments_of(book: Book, by: str | pd.Series) -> tuple[pd.Series, list[str]]:
    """The segment of each account (in the order of ``accounts``; NA when unknown)."""
    acc = book.accounts
    if isinstance(by, pd.Series):
        seg = lookup(acc["account_id"], by).set_axis(acc.index)
        return seg.astype("object").where(seg.notna(), None), []
    if not has_column(book, by, caller="clv"):
        return pd.Series("all", index=acc.index, dtype="object"), [
            tr(
                "The data have no {column}: all contract customers are fitted as one segment.",
                column=label(by).lower(),
            )
        ]
    seg = acc[by].astype("object")
    return seg.where(seg.notna(), None), []


def _contract_customers(book: Book, not_contract: list[str]) -> tuple[np.ndarray, list[str]]:
    acc = book.accounts
    if "contract" not in acc or not not_contract:
        return np.ones(len(acc), dtype=bool), []
    out = acc["contract"].isin(not_contract).to_numpy(dtype=bool, na_value=False)
    n = int(out.sum())
    notes = (
        [
            ntr(
                "{n} account without a contract ({values}) is left out: the lifetime model "
                "is for contract customers.",
                "{n} accounts without a contract ({values}) are left out: the lifetime model "
                "is for contract customers.",
                n,
                n=count(n),
                values=names_list([label(v) for v in not_contract]),
            )
        ]
        if n
        else []
    )
    return ~out, notes


def _spells(book: Book) -> tuple[pd.DataFrame | None, str | None]:
    """Per account: tenure (months, at exit or as-of), churned, months already survived
    when observation began (``entry``), and whether it is seen at risk in the window.

    Left truncation: an account that joined before the window is seen only because it
    survived until then; its ``entry`` is the tenure it had at the window start (0 for
    those that joined later). An account that left before the window is not seen at risk
    (outside every churn figure). A churner without a churn date is taken to have left
    mid-window (where its joining date must come from its tenure).
    """
    acc = book.accounts
    start = book.observation_start()
    if start is None or book.as_of is None:
        return None, tr(
            "The data do not say when observation began (no billing months, and the mapping "
            "states no start): the lifetime model cannot be fitted, so no account is valued."
        )
    if "tenure_months" not in acc or acc["tenure_months"].isna().all():
        return None, tr(
            "The data have no tenure or join date: the lifetime model cannot be fitted, so "
            "no account is valued."
        )
    end = book.as_of.normalize() + pd.Timedelta(days=1)
    n = len(acc)
    nat = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    churned = (acc["status"] == "churned").to_numpy(dtype=bool, na_value=False)
    cdate = acc["churn_date"].to_numpy(dtype="datetime64[ns]") if "churn_date" in acc else nat
    undated = churned & np.isnat(cdate)
    mid = (start + (end - start) / 2).to_datetime64()
    exit_ = np.where(churned, np.where(undated, mid, cdate), end.to_datetime64())
    tenure = acc["tenure_months"].to_numpy(dtype="float64", na_value=np.nan)
    join = acc["join_date"].to_numpy(dtype="datetime64[ns]") if "join_date" in acc else nat
    back = pd.to_timedelta(np.nan_to_num(tenure) * _MONTH_DAYS, unit="D").to_numpy()
    join = np.where(np.isnat(join) & np.isfinite(tenure), exit_ - back, join)
    with np.errstate(invalid="ignore"):
        entry = np.clip(
            (start.to_datetime64() - join) / np.timedelta64(1, "D") / _MONTH_DAYS, 0, None
        )
    before = churned & ~undated & (exit_ < start.to_datetime64())
    seen = ~before & np.isfinite(tenure) & np.isfinite(entry) & (entry < tenure)
    d = pd.DataFrame(
        {"tenure": tenure, "churned": churned, "entry": entry, "seen": seen, "undated": undated},
        index=acc.index,
    )
    return d, None


def _value_per_month(
    book: Book, basis: str, pnl: Any, cost_model: Any
) -> tuple[pd.Series | None, str | None, str]:
    """Value per month per account (index: the accounts' positions), the basis used
    ("margin", "revenue" or None) and the note that says which."""
    acc = book.accounts
    if basis == "margin" and book.has("costs") and book.has("billing"):
        from .profit import pnl_of

        p = pnl_of(book, pnl, cost_model)
        profit = pd.Series(p.table["profit"].to_numpy(), index=pd.Index(p.table["account_id"]))
        billed = book.billed()
        assert billed is not None  # has("billing") above
        months = billed["months"]
        per = profit / lookup(pd.Series(profit.index), months).set_axis(profit.index)
        v = lookup(acc["account_id"], per).set_axis(acc.index).astype(float)
        return (
            v,
            "margin",
            tr(
                "Value per month is the margin: revenue less cost to serve (the customer P&L, "
                "whose cost rates are the cost model's), averaged over the months billed."
            ),
        )
    rev = book.monthly_revenue()
    if rev is None:
        return (
            None,
            None,
            tr(
                "The data have no revenue: no account can be given a value; the lifetimes are "
                "shown."
            ),
        )
    v = pd.Series(rev.to_numpy(dtype=float), index=acc.index)
    why = (
        tr("the rules ask for revenue")
        if basis == "revenue"
        else tr("the data have no costs, so no margin")
        if not book.has("costs")
        else tr("without billing months the margin per month is not known")
    )
    return (
        v,
        "revenue",
        tr(
            "Value per month is revenue, not margin ({why}): average monthly revenue over the "
            "months billed.",
            why=why,
        ),
    )


# ============================================================================ clv
def clv(
    book: Book,
    *,
    by: str | pd.Series | None = None,
    horizon_months: int | None = None,
    discount_rate: float | None = None,
    rules: str | Path | dict | None = None,
    pnl: Any = None,
    cost_model: Any = None,
    fit_on: Book | None = None,
) -> CustomerValue:
    """The expected residual value of each active contract customer, per segment.

    Per segment (``by``) the sBG model is fitted by maximum likelihood to the accounts'
    tenure and churn in the observation window: an account that joined before the window
    enters at the tenure it had at the window start (left truncation), one still there
    at the as-of date is censored (:func:`kamlib.lifetime.fit_sbg_accounts`). Each active
    account in its n-th period then gets its discounted expected residual lifetime
    (:func:`derl`) times its value per period.

    Parameters
    ----------
    book
        The operator's data (one branch or all).
    by
        The segments: a column of the accounts table (default: the rules' ``by``,
        ``customer_type``) or a Series of segments indexed by account id (e.g. value
        tiers, ``kamlib.value_tiers(b).assignment``).
    horizon_months
        Value only the next this many months (default: the rules'; none = the whole
        expected lifetime). A whole number of periods.
    discount_rate
        The yearly discount rate (default: the rules' ``annual_discount_rate``).
    rules
        ``config/clv.yaml`` overrides: a YAML path or a dict of the keys to change.
    pnl, cost_model
        The customer P&L computed once (:func:`kamlib.customer_pnl`), or the cost model
        to compute it with, for the margin per month.
    fit_on
        The accounts the lifetime model learns from (default: ``book.whole``, the whole
        operator, when ``book`` is one branch loaded with ``kamlib.load(branch=...)``,
        else ``book``). A branch has too few churners per segment to fit two parameters;
        the operator's fit values the branch's accounts. ``accounts_at_risk`` and
        ``churners`` of ``segments`` are those of the fit.

    Returns
    -------
    CustomerValue
        ``table`` per account, ``segments`` per segment, ``fits``, ``notes``.

    Examples
    --------
    >>> import kamlib
    >>> from kamlib.customer_value import clv
    >>> v = clv(kamlib.load(kamlib.sample_path()).branch("Suzhou"))
    >>> list(v.segments.index)
    ['business', 'key_account', 'residential']
    >>> bool(v.table["residual_value"].notna().any())
    True
    """
    r = settings("clv", rules, caller="clv")
    annual = float(r["annual_discount_rate"] if discount_rate is None else discount_rate)
    if not (np.isfinite(annual) and annual >= 0):
        raise ConfigError(f"clv: discount_rate must be a yearly rate of 0 or more (got {annual})")
    pm = int(r["period_months"])
    horizon_m = r["horizon_months"] if horizon_months is None else horizon_months
    if horizon_m is not None and (horizon_m < pm or horizon_m % pm):
        raise ConfigError(
            f"clv: horizon_months must be a whole number of periods of {pm} month(s) "
            f"(got {horizon_m})"
        )
    horizon = None if horizon_m is None else int(horizon_m) // pm
    d = (1 + annual) ** (pm / 12) - 1  # the per-period rate worth the yearly one
    by = r["by"] if by is None else by
    acc = book.accounts
    notes: list[str] = []
    src = fit_on if fit_on is not None else book.whole if book.whole is not None else book
    pooled_over = src is not book and not src.accounts["account_id"].equals(acc["account_id"])
    # a branch of a prepared operator carries the operator's fits (kamlib.prepare)
    kept = getattr(book, "lifetimes", None) if fit_on is None and book.whole is None else None
    if kept is not None and kept.key != _fit_key(r, by):
        kept = None  # fitted with other settings or segments: the branch's own are used

    contract, said = _contract_customers(book, list(r["not_contract"]))
    notes += said
    seg, said = _segments_of(book, by)
    notes += said
    if pooled_over:  # the fit's own accounts, contracts and segments
        fit_contract, _ = _contract_customers(src, list(r["not_contract"]))
        fit_seg, _ = _segments_of(src, by)
    else:
        fit_contract, fit_seg = contract, seg
    spells, why = _spells(src)
    value, basis, said_value = _value_per_month(book, str(r["value"]), pnl, cost_model)

    fitted = kept if kept is not None else _fitted_segments(src, r, by, fit_contract, fit_seg, pm)
    pooled_over = pooled_over or kept is not None
    fits, constant = dict(fitted.fits), dict(fitted.constant)
    few, unfit, rows = list(fitted.few), list(fitted.unfit), dict(fitted.rows)
    if spells is None:
        notes.append(str(why))
        names = sorted({str(x) for x in seg.dropna().loc[contract[seg.notna().to_numpy()]]})
        rows = {n: {"accounts_at_risk": 0, "churners": 0} for n in names}
    elif fitted.undated:
        notes.append(
            ntr(
                "{n} churned account has no churn date: it is taken to have left "
                "mid-window, which places the tenure it had when the window opened.",
                "{n} churned accounts have no churn date: they are taken to have left "
                "mid-window, which places the tenure they had when the window opened.",
                fitted.undated,
                n=count(fitted.undated),
            )
        )

    if pooled_over and spells is not None:
        at_risk = sum(int(v["accounts_at_risk"]) for v in rows.values())
        churners = sum(int(v["churners"]) for v in rows.values())
        notes.append(
            tr(
                "The lifetime model is fitted on the whole operator ({n} contract customers "
                "seen at risk, {churners} of them churned): one branch has too few churners "
                "to fit it; the branch's accounts are valued with the operator's fit.",
                n=count(at_risk),
                churners=count(churners),
            )
        )
    if constant:
        names_c = [x for x in few if x in constant]
        notes.append(
            ntr(
                "{segments}: fewer than {min} churners in the window, too few for the sBG "
                "model's two parameters. Its accounts are valued with one churn probability "
                "for all (constant churn), which ignores that "
                "churn falls the longer an account stays and so understates long-staying "
                "accounts.",
                "{segments}: fewer than {min} churners in the window each, too few for the "
                "sBG model's two parameters. Their accounts are valued with one churn "
                "probability for all (constant churn), which ignores that churn falls the "
                "longer an account stays and so understates long-staying accounts.",
                len(names_c),
                segments=names_list([label(x) for x in names_c]),
                min=count(int(r["min_churners"])),
            )
        )
        few = [x for x in few if x not in constant]
    if few:
        words = {
            "segments": names_list([label(x) for x in few]),
            "min": count(int(r["min_churners"])),
        }
        if "pooled" in fits:
            notes.append(
                ntr(
                    "{segments} has fewer than {min} churners in the window: not fitted; its "
                    "accounts are valued with the fit of all contract customers (fitted on: "
                    "pooled).",
                    "{segments} have fewer than {min} churners in the window: not fitted; "
                    "their accounts are valued with the fit of all contract customers "
                    "(fitted on: pooled).",
                    len(few),
                    **words,
                )
            )
        else:
            notes.append(
                ntr(
                    "{segments} has fewer than {min} churners in the window: not fitted, and "
                    "its accounts get no value.",
                    "{segments} have fewer than {min} churners in the window: not fitted, "
                    "and their accounts get no value.",
                    len(few),
                    **words,
                )
            )
    if unfit:
        notes.append(
            ntr(
                "{segments}: neither the sBG model nor constant churn describes its exits; "
                "its accounts get no value.",
                "{segments}: neither the sBG model nor constant churn describes their exits; "
                "their accounts get no value.",
                len(unfit),
                segments=names_list([label(x) for x in unfit]),
            )
        )
    flat = [k for k, f in fits.items() if f.model == "geometric" and k not in constant]
    if flat:
        notes.append(
            ntr(
                "{segments}: churn does not fall with tenure, so the sBG fit is its limit of "
                "one churn probability for every account (model: geometric; alpha and beta "
                "are infinite and not shown).",
                "{segments}: churn does not fall with tenure, so the sBG fit is its limit of "
                "one churn probability for every account (model: geometric; alpha and beta "
                "are infinite and not shown).",
                len(flat),
                segments=names_list([label(x) for x in flat]),
            )
        )

    # -- the accounts valued: active contract customers --------------------------------
    active = (acc["status"] == "active").to_numpy(dtype=bool, na_value=False)
    keep = active & contract
    churned_out = int((~active & contract).sum())
    if churned_out:
        notes.append(
            ntr(
                "{n} churned account is not in the table: it has no value ahead.",
                "{n} churned accounts are not in the table: they have no value ahead.",
                churned_out,
                n=count(churned_out),
            )
        )
    sub = acc.loc[keep]
    tenure = sub["tenure_months"].to_numpy(dtype=float) if "tenure_months" in sub else None
    c = np.floor(tenure / pm) if tenure is not None else np.full(len(sub), np.nan)
    seg_k = seg.loc[sub.index].to_numpy(dtype=object)
    seg_names = np.array([None if x is None else str(x) for x in seg_k], dtype=object)
    per_value = (
        value.loc[sub.index].to_numpy(dtype=float) * pm
        if value is not None
        else np.full(len(sub), np.nan)
    )
    life = np.full(len(sub), np.nan)
    disc = np.full(len(sub), np.nan)
    year = np.full(len(sub), np.nan)  # the chance of leaving within 12 months
    model = np.full(len(sub), None, dtype=object)
    fitted_on = np.full(len(sub), None, dtype=object)
    for name in sorted({x for x in seg_names if x is not None}):
        f, on = fits.get(name), "constant" if name in constant else "segment"
        if f is None and name in few + unfit and "pooled" in fits:
            f, on = fits["pooled"], "pooled"
        ok = (seg_names == name) & np.isfinite(c)
        if f is None or not ok.any():
            continue
        n = c[ok] + 1  # in its n-th period: c whole periods completed
        life[ok] = f.residual(n, 0.0, horizon)
        disc[ok] = f.residual(n, d, horizon)
        year[ok] = f.leave_within(n, max(1, 12 // pm))
        model[ok], fitted_on[ok] = f.model, on
    unknown_tenure = int((np.isnan(c) & np.array([x is not None for x in seg_names])).sum())
    if unknown_tenure:
        notes.append(
            ntr(
                "{n} active account has no tenure: how long it has stayed is unknown, so it "
                "gets no value.",
                "{n} active accounts have no tenure: how long they have stayed is unknown, "
                "so they get no value.",
                unknown_tenure,
                n=count(unknown_tenure),
            )
        )
    no_segment = int(sum(x is None for x in seg_names))
    if no_segment:
        notes.append(
            ntr(
                "{n} active account has no segment: it gets no value.",
                "{n} active accounts have no segment: they get no value.",
                no_segment,
                n=count(no_segment),
            )
        )
    table = pd.DataFrame(
        {
            "account_id": sub["account_id"].to_numpy(),
            "branch": sub["branch"].to_numpy(),
            "segment": seg_names,
            "model": model,
            "fitted_on": fitted_on,
            "tenure_periods": pd.array(np.where(np.isfinite(c), c, np.nan)).astype("Int64")
            if len(sub)
            else pd.array([], dtype="Int64"),
            "value_per_period": per_value,
            "expected_residual_lifetime": life,
            "discounted_residual_lifetime": disc,
            "residual_value": per_value * disc,
            "churn_probability_year": year,
        },
        columns=_TABLE_COLUMNS,
    )
    if np.isinf(life).any():
        # an infinite expectation is no figure for a reader (nor for metrics.json)
        life[np.isinf(life)] = np.nan
        notes.append(
            tr(
                "Where alpha is 1 or less the model's expected lifetime has no end (a long "
                "tail of accounts that almost never leave): the undiscounted lifetime is not "
                "shown; the discounted one and the value are finite."
            )
        )
    notes.append(said_value)
    rate = share(annual)
    notes.append(
        tr(
            "Money ahead is discounted at {rate} a year; the next renewal counts in full; "
            "only the next {h} months are valued. A period is {pm} month(s).",
            rate=rate,
            h=count(horizon_m),
            pm=count(pm),
        )
        if horizon_m
        else tr(
            "Money ahead is discounted at {rate} a year; the next renewal counts in full. A "
            "period is {pm} month(s).",
            rate=rate,
            pm=count(pm),
        )
    )

    # -- per segment ------------------------------------------------------------------
    seg_rows = []
    for name in rows:
        f = fits.get(name)
        sbg = f is not None and f.model == "sbg"
        m = (seg_names == name) & np.isfinite(disc)
        seg_rows.append(
            {
                "segment": name,
                **rows[name],
                "model": f.model if f else None,
                # the geometric limit's alpha and beta are infinite: not figures (a note)
                **{
                    k: (v if sbg else np.nan)
                    for k, v in {
                        "sbg_alpha": f.alpha if f else np.nan,
                        "sbg_alpha_low": f.alpha_ci[0] if f else np.nan,
                        "sbg_alpha_high": f.alpha_ci[1] if f else np.nan,
                        "sbg_beta": f.beta if f else np.nan,
                        "sbg_beta_low": f.beta_ci[0] if f else np.nan,
                        "sbg_beta_high": f.beta_ci[1] if f else np.nan,
                    }.items()
                },
                "period_churn_probability": f.period_churn_probability if f else np.nan,
                "period_churn_probability_low": f.churn_probability_ci[0] if f else np.nan,
                "period_churn_probability_high": f.churn_probability_ci[1] if f else np.nan,
                "accounts_valued": int((m & np.isfinite(per_value)).sum()),
                "mean_value_per_period": float(np.nanmean(per_value[m]))
                if np.isfinite(per_value[m]).any()
                else np.nan,
                "mean_expected_residual_lifetime": float(life[m].mean()) if m.any() else np.nan,
                "mean_residual_value": float(np.nanmean((per_value * disc)[m]))
                if np.isfinite(per_value[m]).any()
                else np.nan,
                "residual_value": float(np.nansum((per_value * disc)[m]))
                if np.isfinite(per_value[m]).any()
                else np.nan,
            }
        )
    segments = pd.DataFrame(seg_rows, columns=["segment", *_SEGMENT_COLUMNS]).set_index("segment")
    lost = _value_lost(book, contract, seg, value, fits, constant, few, unfit, pm, d, horizon)
    return CustomerValue(
        table,
        segments,
        fits,
        tuple(notes),
        currency=book.currency,
        period_months=pm,
        annual_discount_rate=annual,
        horizon_months=None if horizon_m is None else int(horizon_m),
        value_basis=basis,
        lost=lost,
    )


def _value_lost(
    book: Book,
    contract: np.ndarray,
    seg: pd.Series,
    value: pd.Series | None,
    fits: dict[str, LifetimeFit],
    constant: dict[str, bool],
    few: list[str],
    unfit: list[str],
    pm: int,
    d: float,
    horizon: int | None,
) -> pd.DataFrame:
    """The contract customers that left in the window, each with the value it had ahead
    when it left (its value per period x its segment's DERL at the period it was in):
    what the lifetime model says churn took, as the report's churn section counts it."""
    acc = book.accounts
    churned = (acc["status"] == "churned").to_numpy(dtype=bool, na_value=False)
    start = book.observation_start()
    if "churn_date" in acc and start is not None:
        cd = acc["churn_date"].to_numpy(dtype="datetime64[ns]")
        in_window = np.isnat(cd) | (cd >= start.to_datetime64())
    else:
        in_window = np.ones(len(acc), dtype=bool)
    sub = acc.loc[churned & contract & in_window]
    tenure = sub["tenure_months"].to_numpy(dtype=float) if "tenure_months" in sub else None
    c = np.floor(tenure / pm) if tenure is not None else np.full(len(sub), np.nan)
    names = np.array(
        [None if x is None else str(x) for x in seg.loc[sub.index].to_numpy(dtype=object)],
        dtype=object,
    )
    per_value = (
        value.loc[sub.index].to_numpy(dtype=float) * pm
        if value is not None
        else np.full(len(sub), np.nan)
    )
    disc = np.full(len(sub), np.nan)
    for name in sorted({x for x in names if x is not None}):
        f = fits.get(name)
        if f is None and name in few + unfit and "pooled" in fits:
            f = fits["pooled"]
        ok = (names == name) & np.isfinite(c)
        if f is not None and ok.any():
            disc[ok] = f.residual(c[ok] + 1, d, horizon)
    return pd.DataFrame(
        {
            "account_id": sub["account_id"].to_numpy(),
            "segment": names,
            "value_per_period": per_value,
            "discounted_residual_lifetime": disc,
            "residual_value": per_value * disc,
        }
    )


# ============================================================================ tiers
def _tier_names(a: float, b: float) -> list[str]:
    return [
        tr("A (top {share} of predicted value)", share=share(a)),
        tr("B (next {share} of predicted value)", share=share(b - a)),
        tr("C (last {share} of predicted value)", share=share(1 - b)),
    ]


class ClvTiers(Tiers):
    """Tiers on predicted value (:func:`clv_tiers`): the top tier is A, whatever the
    ARPU of each tier (a tier of long-staying modest spenders may be worth more)."""

    def summary(self) -> pd.DataFrame:
        t = self.table
        held = t[t["accounts"] > 0]
        top = held.iloc[0] if len(held) else None
        return figures(
            {
                "accounts": int(t["accounts"].sum()),
                "accounts_unknown_spend": self.unknown,
                "tiers": len(t),
                "top_tier": str(top.name) if top is not None else None,
                "top_tier_share_of_accounts": top["share_of_accounts"]
                if top is not None
                else np.nan,
                "top_tier_share_of_revenue": top["share_of_revenue"] if top is not None else np.nan,
            }
        )


def clv_tiers(book: Book, *, rules: str | Path | dict | None = None) -> ClvTiers:
    """Value tiers on predicted value: ``value_tiers(book, scheme="clv")``.

    ABC shares on residual value (:func:`clv`): A holds the accounts that make the top
    ``tiers.a`` of the branch's predicted value (80% by default), B those up to
    ``tiers.b`` (95%), C the rest; a loss-maker (negative value) counts as 0 and lands in
    C. Accounts without a predicted value (churned, no contract, a segment not fitted)
    are in no tier. The table is that of :func:`kamlib.value_tiers` (accounts, monthly
    revenue and their shares per tier) with ``residual_value`` and
    ``share_of_residual_value``.

    Examples
    --------
    >>> import kamlib
    >>> t = kamlib.value_tiers(kamlib.load(kamlib.sample_path()).branch("Suzhou"), scheme="clv")
    >>> list(t.table.index), t.summary().loc["top_tier", "value"]
    (['clv_a', 'clv_b', 'clv_c'], 'clv_a')
    """
    r = settings("clv", rules, caller="clv_tiers")
    a, b = float(r["tiers"]["a"]), float(r["tiers"]["b"])
    v = clv(book, rules=rules)
    ids = book.accounts["account_id"]
    values = pd.Series(v.table["residual_value"].to_numpy(), index=pd.Index(v.table["account_id"]))
    x = lookup(ids, values).to_numpy(dtype=float)
    known = np.flatnonzero(np.isfinite(x))
    order = np.argsort(-x[known], kind="stable")
    pos = np.clip(x[known][order], 0, None)
    total = pos.sum()
    before = (np.cumsum(pos) - pos) / total if total > 0 else np.ones(len(pos))
    ranked = np.where(before < a, 0, np.where(before < b, 1, 2)).astype(np.int8)
    codes = np.full(len(x), -1, dtype=np.int8)
    codes[known[order]] = ranked
    cat = pd.Categorical.from_codes(codes, categories=list(CLV_TIER_CODES), ordered=True)
    assignment = pd.Series(cat, index=pd.Index(ids))
    spend = book.monthly_revenue()
    spend_x = spend.to_numpy(dtype=float) if spend is not None else np.full(len(x), np.nan)
    df = pd.DataFrame(
        {"tier": cat[known], "spend": spend_x[known], "value": np.clip(x[known], 0, None)}
    )
    g = df.groupby("tier", observed=False)
    t = pd.DataFrame({"accounts": g.size(), "monthly_revenue": g["spend"].sum(min_count=1)})
    t.index = pd.Index([str(i) for i in t.index], name="tier")
    t["share_of_accounts"] = t["accounts"] / max(len(known), 1)
    rev_total = t["monthly_revenue"].sum()
    t["share_of_revenue"] = t["monthly_revenue"] / rev_total if rev_total > 0 else np.nan
    t["arpu"] = t["monthly_revenue"] / t["accounts"].where(t["accounts"] > 0)
    t["residual_value"] = g["value"].sum().to_numpy()
    t["share_of_residual_value"] = t["residual_value"] / total if total > 0 else np.nan
    t["label"] = _tier_names(a, b)
    with language("zh"):
        t["label_zh"] = _tier_names(a, b)
    if current_language() == "zh":
        t["label"] = t["label_zh"]
    unknown = len(x) - len(known)
    notes = list(v.notes)
    if unknown:
        notes.append(
            ntr(
                "{n} account has no predicted value (churned, no contract, or its segment "
                "could not be fitted): it is in no tier.",
                "{n} accounts have no predicted value (churned, no contract, or their "
                "segment could not be fitted): they are in no tier.",
                unknown,
                n=count(unknown),
            )
        )
    return ClvTiers(assignment, t, None, unknown, tuple(notes))


# value_tiers(book, scheme="clv") is built here (see kamlib.segment.SCHEME_BUILDERS)
SCHEME_BUILDERS[CLV_SCHEME] = clv_tiers
