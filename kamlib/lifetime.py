"""How long contract customers stay: the shifted-beta-geometric (sBG) model.

Fader and Hardie ("How to project customer retention", Journal of Interactive Marketing,
2007) model a contract cohort in which every customer, at each renewal, leaves with a
churn probability of their own that does not change over time; those probabilities vary
across customers as a beta distribution with parameters ``alpha`` and ``beta``. The
cohort's retention rate then rises with time (the customers likely to leave have left),
which is what an operator's renewal data show and what a constant-rate projection misses.

:func:`fit_sbg` fits the model by maximum likelihood to the survivor counts of one cohort
(customers alive at the start of each period, the first the cohort's size). It is the
building block of customer lifetime value per segment (issue #21); this module holds the
fit on plain counts only and reads no :class:`~kamlib.Book`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.stats import norm
from statsmodels.tools.numdiff import approx_hess

from ._result import figures

__all__ = ["SBGFit", "fit_sbg", "fit_sbg_accounts"]

_Z95 = float(norm.ppf(0.975))  # two-sided 95% normal quantile


def _check(survivors: Sequence[float]) -> np.ndarray:
    n = np.asarray(survivors, dtype=float)
    if n.ndim != 1 or len(n) < 2:
        raise ValueError(
            "fit_sbg needs the customers alive at the start of at least two periods "
            f"(the cohort's size first), got {list(np.atleast_1d(n))!r}"
        )
    if not np.all(np.isfinite(n)) or np.any(n < 0) or np.any(n != np.round(n)):
        raise ValueError(f"survivor counts must be whole numbers of customers, 0 or more: {n!r}")
    if n[0] <= 0:
        raise ValueError("the cohort's size (the first count) must be above 0")
    rises = np.flatnonzero(np.diff(n) > 0)
    if len(rises):
        i = int(rises[0])
        raise ValueError(
            f"survivor counts cannot rise: period {i} has {n[i]:.0f}, period {i + 1} has "
            f"{n[i + 1]:.0f} (a cohort gains no customers)"
        )
    if n[0] == n[-1]:
        raise ValueError("no customer of the cohort left: the sBG model cannot be fitted")
    return n


def _log_probabilities(alpha: float, beta: float, periods: int) -> tuple[np.ndarray, np.ndarray]:
    """log P(T = t) and log S(t) for t = 1..periods, by the model's recursion.

    P(T = 1) = alpha / (alpha + beta), P(T = t) = P(T = t-1) (beta + t - 2) / (alpha + beta
    + t - 1), S(t) = S(t-1) - P(T = t); computed in logs of the retention rates so that
    long horizons do not underflow.
    """
    t = np.arange(1, periods + 1, dtype=float)
    # retention rate of period t: the share alive at t-1 who are still there at t
    r = (beta + t - 1) / (alpha + beta + t - 1)
    log_s = np.cumsum(np.log(r))  # S(t) = prod_{i<=t} r_i
    log_s_before = np.concatenate([[0.0], log_s[:-1]])
    log_p = log_s_before + np.log1p(-r)  # P(T=t) = S(t-1) (1 - r_t)
    return log_p, log_s


def sbg_likelihood(
    t: np.ndarray, gone: np.ndarray, a: np.ndarray, weight: np.ndarray
) -> Callable[[np.ndarray], float]:
    """The negative log-likelihood over (log alpha, log beta) of groups of customers.

    A group of ``weight`` customers seen from period ``a`` either left in period ``t``
    (``gone``: log P(T = t) - log S(a)) or was still there after it (log S(t) - log S(a)).
    A cohort is the groups of those lost in each period plus the survivors, all from 0.
    """
    horizon = int(t.max())

    def f(theta: np.ndarray) -> float:
        alpha, beta = np.exp(theta)
        log_p, log_s = _log_probabilities(alpha, beta, horizon)
        log_s0 = np.concatenate([[0.0], log_s])  # S(0) = 1
        ll = np.where(gone, log_p[t - 1], log_s0[t]) - log_s0[a]
        return -float(weight @ ll)

    return f


@dataclass(frozen=True)
class SBGFit:
    """A fitted shifted-beta-geometric model of one cohort (made by :func:`fit_sbg`).

    Attributes
    ----------
    alpha_, beta_ : the beta distribution of the customers' churn probabilities.
    alpha_ci_, beta_ci_ : their 95% intervals (Wald intervals on the log scale, from the
        observed information; the log keeps both ends above 0).
    log_likelihood_ : the maximised log-likelihood.
    survivors : the counts the model was fitted to (period 0 first); empty for a fit on
        accounts (:func:`fit_sbg_accounts`).
    accounts : the customers the fit rests on (the cohort's size, or the accounts given).
    horizon : the last period the data observe.
    """

    alpha_: float
    beta_: float
    alpha_ci_: tuple[float, float]
    beta_ci_: tuple[float, float]
    log_likelihood_: float
    survivors: tuple[float, ...]
    accounts: int
    horizon: int

    def survival(self, t: int | Sequence[int] | np.ndarray) -> float | np.ndarray:
        """S(t): the share of the cohort still a customer after ``t`` periods (S(0) = 1).

        Any period, also beyond the data: this is the model's projection.
        """
        ts = np.asarray(t)
        if np.any(ts < 0) or np.any(ts != np.round(ts)):
            raise ValueError(f"periods are whole numbers from 0: {t!r}")
        horizon = int(ts.max()) if ts.size else 0
        if horizon == 0:
            s = np.ones(1)
        else:
            _, log_s = _log_probabilities(self.alpha_, self.beta_, horizon)
            s = np.concatenate([[1.0], np.exp(log_s)])
        out = s[ts.astype(int)]
        return float(out) if np.ndim(t) == 0 else out

    def retention_rate(self, t: int) -> float:
        """The share of those alive at period ``t - 1`` who renew into period ``t`` (t >= 1)."""
        if t < 1:
            raise ValueError("the first retention rate is that of period 1")
        return (self.beta_ + t - 1) / (self.alpha_ + self.beta_ + t - 1)

    @property
    def table(self) -> pd.DataFrame:
        """Per period: the share the model expects still there (``survival``) and, for a
        cohort, the customers alive as observed and as expected."""
        t = np.arange(self.horizon + 1)
        if not self.survivors:
            return pd.DataFrame({"period": t, "survival": self.survival(t)}).set_index("period")
        n = np.asarray(self.survivors)
        expected = n[0] * np.asarray(self.survival(t))
        return pd.DataFrame(
            {"period": t, "survivors": n, "expected_survivors": expected}
        ).set_index("period")

    @property
    def notes(self) -> tuple[str, ...]:
        return ()

    def summary(self) -> pd.DataFrame:
        """The parameters and their intervals, and the fit's log-likelihood."""
        return figures(
            {
                "alpha": self.alpha_,
                "alpha_low": self.alpha_ci_[0],
                "alpha_high": self.alpha_ci_[1],
                "beta": self.beta_,
                "beta_low": self.beta_ci_[0],
                "beta_high": self.beta_ci_[1],
                "log_likelihood": self.log_likelihood_,
                "accounts": self.accounts,
                "periods": self.horizon,
            }
        )

    def __repr__(self) -> str:
        return (
            f"<SBGFit alpha={self.alpha_:.3f} [{self.alpha_ci_[0]:.3f}, {self.alpha_ci_[1]:.3f}]"
            f" beta={self.beta_:.3f} [{self.beta_ci_[0]:.3f}, {self.beta_ci_[1]:.3f}]"
            f" on {self.horizon} periods>"
        )


def fit_sbg(survivors: Sequence[float]) -> SBGFit:
    """Fit the shifted-beta-geometric model to one cohort's survivor counts.

    Parameters
    ----------
    survivors : customers alive at the start of each period, the cohort's size first
        (period 0), e.g. contract renewals year by year. Counts never rise; at least one
        customer must have left.

    Returns
    -------
    SBGFit : ``alpha_``, ``beta_``, their 95% intervals and ``survival(t)`` for any period.

    Notes
    -----
    The likelihood is that of Fader and Hardie (2007): the customers lost in each period
    observed contribute P(T = t), those still there at the end S(T). It is maximised over
    log alpha and log beta (both must be positive) with L-BFGS-B; the intervals come from
    the numerical Hessian at the optimum, on that log scale.

    Examples
    --------
    The paper's "high end" cohort, years 0 to 7:

    >>> fit = fit_sbg([1000, 869, 743, 653, 593, 551, 517, 491])
    >>> round(fit.alpha_, 3), round(fit.beta_, 3)
    (0.668, 3.806)
    >>> round(1000 * fit.survival(12))  # its projection to year 12 (observed: 394)
    378
    """
    n = _check(survivors)
    periods = len(n) - 1
    t = np.r_[np.arange(1, periods + 1), periods]  # lost in each period, then the survivors
    gone = np.r_[np.ones(periods, bool), False]
    weight = np.r_[-np.diff(n), n[-1]]
    f = sbg_likelihood(t, gone, np.zeros_like(t), weight)
    return _maximise(f, survivors=tuple(float(x) for x in n), accounts=int(n[0]), horizon=periods)


def _maximise(f: Callable[[np.ndarray], float], **data: Any) -> SBGFit:
    """Minimise a negative log-likelihood over (log alpha, log beta); an SBGFit of it."""
    best = None
    for start in ([0.0, 0.0], [-1.0, 1.0], [1.0, 2.0]):  # a few starts: the surface is smooth
        res = optimize.minimize(f, np.array(start), method="L-BFGS-B", bounds=[(-12, 12)] * 2)
        if best is None or res.fun < best.fun:
            best = res
    assert best is not None
    theta = best.x
    if np.any(np.abs(theta) > 11.9):
        raise ValueError(
            "the sBG fit runs to the edge of its parameters: these data do not pin "
            "alpha and beta down (e.g. every customer left in the first period)"
        )
    try:
        cov = np.linalg.inv(approx_hess(theta, f))
        se = np.sqrt(np.clip(np.diag(cov), 0, None))
    except np.linalg.LinAlgError:  # flat in some direction: no interval
        se = np.array([np.nan, np.nan])
    alpha, beta = np.exp(theta)
    ci = [
        (float(np.exp(theta[i] - _Z95 * se[i])), float(np.exp(theta[i] + _Z95 * se[i])))
        for i in range(2)
    ]
    return SBGFit(
        alpha_=float(alpha),
        beta_=float(beta),
        alpha_ci_=ci[0],
        beta_ci_=ci[1],
        log_likelihood_=-float(best.fun),
        **data,
    )


def fit_sbg_accounts(
    *,
    periods: Sequence[float] | np.ndarray,
    churned: Sequence[bool] | np.ndarray,
    entered: Sequence[float] | np.ndarray | None = None,
) -> SBGFit:
    """Fit the sBG model to accounts, each seen over its own stretch of periods.

    An operator's window sees accounts that joined long before it (left truncation: an
    account seen from its 30th month had to survive 30 months to be seen at all) and
    accounts still there when it ends (right censoring). Each account adds
    log P(T = t) - log S(a) when it left in period ``t``, and log S(c) - log S(a) when it
    was still there after period ``c``, where ``a`` is the periods it had already survived
    when observation began. With every account seen from period 0 this is exactly the
    cohort likelihood of :func:`fit_sbg`.

    Parameters
    ----------
    periods : per account, the period in which it left (``churned``), or the last period
        it was seen through (still a customer); whole numbers from 1.
    churned : per account, whether it left.
    entered : per account, the periods already survived when observation began (0, the
        default, when it was seen from the start); below ``periods``.

    Examples
    --------
    The paper's "high end" cohort as 1,000 accounts seen from the start (131 left in
    period 1, ... 491 still there after period 7) gives the cohort fit's estimates:

    >>> import numpy as np
    >>> alive = [1000, 869, 743, 653, 593, 551, 517, 491]
    >>> lost = -np.diff(alive)
    >>> periods = np.r_[np.repeat(np.arange(1, 8), lost), np.full(491, 7)]
    >>> churned = np.r_[np.ones(lost.sum(), bool), np.zeros(491, bool)]
    >>> fit = fit_sbg_accounts(periods=periods, churned=churned)
    >>> round(fit.alpha_, 3), round(fit.beta_, 3)
    (0.668, 3.806)
    """
    t = np.asarray(periods, dtype=float)
    gone = np.asarray(churned, dtype=bool)
    a = np.zeros_like(t) if entered is None else np.asarray(entered, dtype=float)
    if not (t.ndim == 1 and len(t) == len(gone) == len(a)):
        raise ValueError("periods, churned and entered need one value per account each")
    if len(t) == 0 or not gone.any():
        raise ValueError("no account left: the sBG model cannot be fitted")
    for name, v in (("periods", t), ("entered", a)):
        if not np.all(np.isfinite(v)) or np.any(v != np.round(v)) or np.any(v < 0):
            raise ValueError(f"{name} must be whole numbers of periods, 0 or more")
    if np.any(t < 1) or np.any(a >= t):
        i = int(np.flatnonzero((t < 1) | (a >= t))[0])
        raise ValueError(
            f"account {i}: seen from period {a[i]:.0f} but its last period is {t[i]:.0f}; "
            "each account's periods must run past the period it entered observation"
        )
    # accounts alike in (period, left, entered) add the same term: one term per kind, so
    # the likelihood costs the same for a branch of 400 accounts or a province of millions
    kinds, weight = np.unique(
        np.column_stack([t, gone, a]).astype(np.int64), axis=0, return_counts=True
    )
    f = sbg_likelihood(kinds[:, 0], kinds[:, 1].astype(bool), kinds[:, 2], weight.astype(float))
    return _maximise(f, survivors=(), accounts=len(t), horizon=int(t.max()))
