"""The shifted-beta-geometric fit (kamlib.fit_sbg) against the published figures.

Fader and Hardie, "How to project customer retention" (Journal of Interactive Marketing,
2007), Table 1: two cohorts of 1,000 contract customers, alive at the start of years
0-12. The paper fits years 0-7 and reports alpha = 0.668, beta = 3.806 for the "high
end" cohort and alpha = 0.704, beta = 1.182 for the "regular" one.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize, special

import kamlib

HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394]
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
PAPER = {"high_end": (HIGH_END, 0.668, 3.806), "regular": (REGULAR, 0.704, 1.182)}


def closed_form_fit(survivors):
    """An independent fit: the sBG likelihood from beta functions, Nelder-Mead on alpha, beta.

    P(T = t) = B(a + 1, b + t - 1) / B(a, b) and S(t) = B(a, b + t) / B(a, b).
    """
    n = np.asarray(survivors, dtype=float)
    lost, t = -np.diff(n), np.arange(1, len(n))

    def nll(x):
        a, b = x
        if a <= 0 or b <= 0:
            return np.inf
        log_p = special.betaln(a + 1, b + t - 1) - special.betaln(a, b)
        log_s = special.betaln(a, b + t[-1]) - special.betaln(a, b)
        return -(lost @ log_p + n[-1] * log_s)

    res = optimize.minimize(
        nll,
        [1.0, 1.0],
        method="Nelder-Mead",
        options={"xatol": 1e-9, "fatol": 1e-12, "maxiter": 5000},
    )
    return res.x, -res.fun


@pytest.mark.parametrize("cohort", sorted(PAPER))
def test_the_papers_estimates_to_three_decimals(cohort):
    counts, alpha, beta = PAPER[cohort]
    fit = kamlib.fit_sbg(counts[:8])  # years 0-7, as in the paper
    assert round(fit.alpha_, 3) == alpha
    assert round(fit.beta_, 3) == beta
    assert fit.alpha_ci_[0] < fit.alpha_ < fit.alpha_ci_[1]
    assert fit.beta_ci_[0] < fit.beta_ < fit.beta_ci_[1]


@pytest.mark.parametrize("cohort", sorted(PAPER))
def test_the_fit_equals_an_independent_likelihood(cohort):
    counts = PAPER[cohort][0][:8]
    fit = kamlib.fit_sbg(counts)
    (a, b), ll = closed_form_fit(counts)
    assert fit.alpha_ == pytest.approx(a, rel=1e-4)
    assert fit.beta_ == pytest.approx(b, rel=1e-4)
    assert fit.log_likelihood_ == pytest.approx(ll, abs=1e-6)
    # the survival curve, far past the data, from the beta functions
    t = np.arange(0, 30)
    expected = np.exp(special.betaln(a, b + t) - special.betaln(a, b))
    np.testing.assert_allclose(fit.survival(t), expected, rtol=1e-4)


def test_projection_to_year_twelve_is_close_to_what_happened():
    # the paper's point: fitted on 7 years, the model tracks years 8-12 within a few percent
    for counts, _, _ in PAPER.values():
        fit = kamlib.fit_sbg(counts[:8])
        projected = counts[0] * fit.survival(np.arange(8, 13))
        observed = np.asarray(counts[8:], dtype=float)
        assert np.max(np.abs(projected - observed) / observed) < 0.06


def test_retention_rate_rises_and_is_the_ratio_of_beta_function_survivals():
    fit = kamlib.fit_sbg(HIGH_END[:8])
    a, b = fit.alpha_, fit.beta_
    rates = [fit.retention_rate(t) for t in range(1, 13)]
    assert all(later > earlier for earlier, later in zip(rates, rates[1:], strict=False))
    for t in range(1, 13):  # S(t) / S(t-1) from the closed form, not the module's recursion
        ratio = np.exp(special.betaln(a, b + t) - special.betaln(a, b + t - 1))
        assert fit.retention_rate(t) == pytest.approx(ratio, rel=1e-12)
    assert fit.survival(0) == 1.0
    table = fit.table
    assert table["survivors"].tolist() == HIGH_END[:8]
    assert table["expected_survivors"].iloc[0] == 1000
    # the fitted curve follows the seven years it was fitted to (the paper's Figure 3)
    fitted = table["expected_survivors"].to_numpy()[1:]
    assert np.max(np.abs(fitted / np.asarray(HIGH_END[1:8]) - 1)) < 0.03


def test_intervals_cover_the_truth_about_95_percent_of_the_time():
    """Cohorts drawn from a known sBG: the 95% intervals hold the true alpha about 95% of times."""
    rng = np.random.default_rng(11)
    alpha, beta, size, years = 0.7, 2.5, 800, 8
    covered = []
    for _ in range(200):
        p = rng.beta(alpha, beta, size)
        lifetime = rng.geometric(p)  # the period in which each customer leaves
        alive = [int((lifetime > t).sum()) for t in range(years)]
        fit = kamlib.fit_sbg(alive)
        covered.append(fit.alpha_ci_[0] <= alpha <= fit.alpha_ci_[1])
    assert 0.88 <= np.mean(covered) <= 0.99


@pytest.mark.parametrize(
    "counts, words",
    [
        ([1000], "at least two periods"),
        ([1000, 900, 950], "cannot rise"),
        ([1000, 1000, 1000], "no customer"),
        ([1000, 900.5], "whole numbers"),
        ([0, 0], "above 0"),
    ],
)
def test_counts_that_cannot_be_fitted_are_refused_in_words(counts, words):
    with pytest.raises(ValueError, match=words):
        kamlib.fit_sbg(counts)


def test_the_input_is_not_changed():
    counts = np.array(HIGH_END[:8])
    before = counts.copy()
    kamlib.fit_sbg(counts)
    np.testing.assert_array_equal(counts, before)


# -- accounts seen over their own stretch: left truncation and censoring -----------------
def _window(rng, alpha, beta, size, joined_up_to, window):
    """Accounts joining over ``joined_up_to`` periods before a window of ``window`` periods;
    only those alive when the window opens are seen (as an operator's data are)."""
    p = rng.beta(alpha, beta, size)
    life = rng.geometric(p)  # the period of its life in which each account leaves
    entered = rng.integers(0, joined_up_to + 1, size)  # periods survived at the window's start
    seen = life > entered
    life, entered = life[seen], entered[seen]
    end = entered + window
    churned = life <= end
    periods = np.where(churned, life, end)
    return periods, churned, entered


def test_account_fit_equals_the_cohort_fit_when_all_are_seen_from_the_start():
    counts = np.asarray(REGULAR[:8])
    lost = -np.diff(counts)
    periods = np.r_[np.repeat(np.arange(1, 8), lost), np.full(counts[-1], 7)]
    churned = np.r_[np.ones(lost.sum(), bool), np.zeros(counts[-1], bool)]
    a = kamlib.lifetime.fit_sbg_accounts(periods=periods, churned=churned)
    c = kamlib.fit_sbg(counts)
    assert a.alpha_ == pytest.approx(c.alpha_, rel=1e-3)
    assert a.beta_ == pytest.approx(c.beta_, rel=1e-3)
    assert a.log_likelihood_ == pytest.approx(c.log_likelihood_, rel=1e-6)
    assert a.accounts == 1000 and a.horizon == 7


def test_left_truncation_is_what_recovers_the_truth():
    """A window that sees only survivors: the truncated likelihood finds alpha and beta;
    ignoring the periods already survived (as if every account started in the window)
    does not."""
    rng = np.random.default_rng(3)
    alpha, beta = 0.7, 2.0
    periods, churned, entered = _window(rng, alpha, beta, 20000, joined_up_to=24, window=12)
    fit = kamlib.lifetime.fit_sbg_accounts(periods=periods, churned=churned, entered=entered)
    assert fit.alpha_ci_[0] <= alpha <= fit.alpha_ci_[1]
    assert fit.beta_ci_[0] <= beta <= fit.beta_ci_[1]
    # the naive fit: each account as if born when the window opened
    naive = kamlib.lifetime.fit_sbg_accounts(periods=periods - entered, churned=churned)
    assert not (naive.alpha_ci_[0] <= alpha <= naive.alpha_ci_[1])
    # the long-lived survivors make the naive fit far too optimistic about the newly joined
    assert naive.survival(12) > fit.survival(12) + 0.05


@pytest.mark.parametrize(
    "kw, words",
    [
        ({"periods": [1, 2], "churned": [0, 0]}, "no account left"),
        ({"periods": [1, 2], "churned": [1]}, "one value per account"),
        ({"periods": [1.5, 2], "churned": [1, 0]}, "whole numbers"),
        ({"periods": [3, 2], "churned": [1, 0], "entered": [3, 0]}, "account 0"),
    ],
)
def test_account_data_that_cannot_be_fitted_are_refused_in_words(kw, words):
    with pytest.raises(ValueError, match=words):
        kamlib.lifetime.fit_sbg_accounts(**kw)
