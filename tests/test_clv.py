"""Customer value ahead (kamlib.customer_value): DERL, the per-segment fits, the value.

Every number is checked against one computed here another way: DERL against the
survival series summed term by term from beta functions (no hypergeometric function),
the value of the sample's accounts against a simulation of their remaining lifetimes
(churn probabilities drawn from the beta distribution updated by the periods each
account has survived), the value per period against the P&L and the billing months.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import special

import kamlib
from kamlib.customer_value import CLV_TIER_CODES, LifetimeFit, clv, clv_tiers, derl

MONTHLY_10PCT = 1.10 ** (1 / 12) - 1  # 10% a year, per month


def series_derl(alpha, beta, n, d, horizon=None):
    """sum_{t >= n} S(t) / S(n - 1) (1 + d) ** -(t - n), S(t) = B(a, b + t) / B(a, b).

    Summed until z ** k is below 1e-17 of the first term (each term is at most the one
    before times z), or over the horizon."""
    z = 1 / (1 + d)
    if horizon is None:
        horizon = int(math.ceil(math.log(1e-17) / math.log(z))) if d > 0 else 2_000_000
    t = np.arange(n, n + horizon, dtype=float)
    log_ratio = special.betaln(alpha, beta + t) - special.betaln(alpha, beta + n - 1)
    return float(np.sum(np.exp(log_ratio + (t - n) * np.log(z))))


# -- DERL -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "alpha, beta, n, d",
    [
        (0.668, 3.806, 1, 0.10),  # Fader and Hardie's high-end cohort, yearly periods
        (0.704, 1.182, 5, 0.10),  # ... the regular cohort, in its fifth year
        (0.704, 1.182, 1, 0.25),
        (2.25, 144.0, 50, MONTHLY_10PCT),  # monthly, like the sample's business accounts
        (0.3, 0.5, 1, MONTHLY_10PCT),
        (5.0, 50.0, 250, 0.001),  # scipy's hyp2f1 gives NaN here: the series takes over
        (30.0, 30.0, 200, MONTHLY_10PCT),  # and here
        (1.5, 0.2, 60, 0.02),
    ],
)
def test_derl_is_the_discounted_sum_of_the_survival_series(alpha, beta, n, d):
    assert derl(alpha, beta, n, d) == pytest.approx(series_derl(alpha, beta, n, d), rel=1e-9)


def test_derl_of_a_new_customer_is_fader_and_hardies_del_less_the_first_payment():
    # DEL = sum_{t >= 0} S(t) z**t = 2F1(1, beta; alpha + beta; z) counts the payment at
    # acquisition; a customer in its first period has paid it, and DERL(n=1) counts the
    # rest from the end of period 1: DEL = 1 + z DERL(1)
    for alpha, beta, d in [(0.668, 3.806, 0.1), (0.704, 1.182, 0.1), (3.0, 40.0, 0.01)]:
        z = 1 / (1 + d)
        del_ = special.hyp2f1(1, beta, alpha + beta, z)
        assert 1 + z * derl(alpha, beta, 1, d) == pytest.approx(del_, rel=1e-12)


def test_derl_by_hand_and_over_a_horizon():
    # alpha = 1, beta = 2: S(t) = 2 / (t + 2); over two renewals from period n:
    # S(n) / S(n-1) + S(n+1) / S(n-1) z = (n+1)/(n+2) + (n+1)/(n+3) z
    z = 1 / (1 + MONTHLY_10PCT)
    n = np.array([1, 2, 3])
    by_hand = (n + 1) / (n + 2) + (n + 1) / (n + 3) * z
    got = derl(1.0, 2.0, n, MONTHLY_10PCT, horizon=2)
    np.testing.assert_allclose(got, by_hand, rtol=1e-12)
    # three accounts worth 100, 200 and 300 a month in their 1st, 2nd and 3rd month
    values = np.array([100.0, 200.0, 300.0])
    hand = [100 * (2 / 3 + 2 / 4 * z), 200 * (3 / 4 + 3 / 5 * z), 300 * (4 / 5 + 4 / 6 * z)]
    np.testing.assert_allclose(values * got, hand, rtol=1e-12)
    for h in (1, 12, 240):
        assert derl(0.7, 1.2, 4, 0.05, horizon=h) == pytest.approx(
            series_derl(0.7, 1.2, 4, 0.05, horizon=h), rel=1e-12
        )
    assert derl(0.7, 1.2, 4, 0.05, horizon=0) == 0.0


def test_undiscounted_residual_lifetime_is_finite_only_when_alpha_is_above_one():
    # sum_{t >= n} S(t) / S(n-1) = (beta + n - 1) / (alpha - 1) for alpha > 1
    assert derl(3.0, 5.0, 4, 0.0) == pytest.approx(series_derl(3.0, 5.0, 4, 0.0), rel=1e-6)
    assert derl(3.0, 5.0, 4, 0.0) == pytest.approx((5 + 4 - 1) / (3 - 1))
    assert derl(0.9, 5.0, 4, 0.0) == np.inf


def test_the_geometric_limit_is_the_sbg_with_huge_alpha_and_beta():
    theta, k = 0.02, 1e10
    geo = LifetimeFit(
        "geometric", np.inf, np.inf, (np.inf,) * 2, (np.inf,) * 2, theta, (0, 1), 1, 1, 0.0
    )
    n = np.array([1, 30, 200])
    for d, h in [(MONTHLY_10PCT, None), (MONTHLY_10PCT, 36), (0.0, None)]:
        limit = derl(theta * k, (1 - theta) * k, n, d, horizon=h)
        np.testing.assert_allclose(geo.residual(n, d, h), limit, rtol=1e-6)
    # by hand: r / (1 - r z) with r = 1 - theta
    z = 1 / (1 + MONTHLY_10PCT)
    assert geo.residual(n, MONTHLY_10PCT, None)[0] == pytest.approx(0.98 / (1 - 0.98 * z))


@pytest.mark.parametrize(
    "args, words",
    [((0.0, 1.0, 1, 0.1), "positive"), ((1.0, 1.0, 0, 0.1), "from 1"), ((1, 1, 1, -0.1), "0 or")],
)
def test_derl_refuses_what_is_not_a_model(args, words):
    with pytest.raises(ValueError, match=words):
        derl(*args)


# -- clv on the sample -----------------------------------------------------------------
@pytest.fixture(scope="module")
def value(sample_book):
    return clv(sample_book)


def test_clv_on_the_sample_against_a_simulation(sample_book, value):
    """Each valued account in its n-th month: draw its churn probability from
    Beta(alpha, beta + n - 1) (the beta distribution updated by the n - 1 months it has
    survived), then the renewals it still makes (geometric), and discount them. The mean
    simulated value of each fitted segment equals the model's within 4 standard errors
    of the simulation (200 draws per account, seeded; on the sample the error is about
    3% of each segment's mean: printed with -s)."""
    rng = np.random.default_rng(2025)
    z = 1 / (1 + MONTHLY_10PCT)
    draws = 200
    t = value.table
    checked = 0
    for name, fit in value.fits.items():
        rows = t[(t["segment"] == name) & t["residual_value"].notna()]
        n = rows["tenure_periods"].to_numpy(dtype=float) + 1
        v = rows["value_per_period"].to_numpy(dtype=float)
        if fit.model == "sbg":
            p = rng.beta(fit.alpha, fit.beta + n[:, None] - 1, size=(len(n), draws))
        else:  # one churn probability for all
            p = np.full((len(n), draws), fit.period_churn_probability)
        renewals = rng.geometric(p) - 1  # renewals made before leaving
        simulated = v[:, None] * (1 - z**renewals) / (1 - z)
        se = simulated.std(ddof=1) / np.sqrt(simulated.size)
        model = rows["residual_value"].mean()
        print(f"{name}: model {model:,.1f}, simulated {simulated.mean():,.1f} (s.e. {se:,.1f})")
        assert abs(simulated.mean() - model) < 4 * se
        assert se < 0.05 * abs(rows["residual_value"]).mean()  # the check has teeth
        checked += 1
    # business (sBG), residential (constant churn, its best fit) and key accounts (constant
    # churn: too few churners for the sBG)
    assert checked == 3


def test_values_are_value_per_period_times_derl_of_the_fit(sample_book, value):
    t = value.table.set_index("account_id")
    fit = value.fits["business"]
    rows = t[t["segment"] == "business"].head(3)
    # the margin per month, from the P&L and the billing months
    pnl = kamlib.customer_pnl(sample_book).table.set_index("account_id")
    months = sample_book.table("billing").groupby("account_id")["month"].nunique()
    for acc, row in rows.iterrows():
        margin = pnl.loc[acc, "profit"] / months.loc[acc]
        assert row["value_per_period"] == pytest.approx(margin, rel=1e-12)
        tenure = sample_book.accounts.set_index("account_id").loc[acc, "tenure_months"]
        assert row["tenure_periods"] == math.floor(tenure)
        n = row["tenure_periods"] + 1
        expected = margin * series_derl(fit.alpha, fit.beta, n, MONTHLY_10PCT)
        assert row["residual_value"] == pytest.approx(expected, rel=1e-9)
        assert row["expected_residual_lifetime"] == pytest.approx(
            (fit.beta + n - 1) / (fit.alpha - 1), rel=1e-12
        )


def test_the_segment_table_holds_the_fits_and_the_means(value):
    s = value.segments
    assert list(s.index) == ["business", "key_account", "residential"]
    b = s.loc["business"]
    assert b["model"] == "sbg"
    assert b["sbg_alpha_low"] < b["sbg_alpha"] < b["sbg_alpha_high"]
    assert b["sbg_beta_low"] < b["sbg_beta"] < b["sbg_beta_high"]
    assert b["period_churn_probability"] == pytest.approx(
        b["sbg_alpha"] / (b["sbg_alpha"] + b["sbg_beta"])
    )
    t = value.table
    mine = t[(t["segment"] == "business") & t["residual_value"].notna()]
    assert b["accounts_valued"] == len(mine)
    assert b["mean_residual_value"] == pytest.approx(mine["residual_value"].mean())
    assert b["residual_value"] == pytest.approx(mine["residual_value"].sum())
    s_ = value.summary()["value"]
    assert s_["accounts_valued"] == t["residual_value"].notna().sum()
    assert s_["total_residual_value"] == pytest.approx(s["residual_value"].sum())
    assert s_["value_basis"] == "margin" and s_["annual_discount_rate"] == 0.10


def test_constant_churn_is_the_fit_only_when_no_sbg_does_better(value, sample_book):
    """The sample's residential churn does not fall with tenure (the generator gives
    every tenure the same chance of leaving): the likelihood is highest at the sBG's
    geometric limit. Its churn probability is churners over months at risk."""
    r = value.segments.loc["residential"]
    assert r["model"] == "geometric" and np.isnan(r["sbg_alpha"])
    assert (
        r["period_churn_probability_low"]
        < r["period_churn_probability"]
        < r["period_churn_probability_high"]
    )
    assert any("churn does not fall with tenure" in n for n in value.notes)
    # the sBG on accounts drawn with heterogeneity is fitted as an sBG, not as the limit
    rng = np.random.default_rng(5)
    p = rng.beta(0.8, 3.0, 3000)
    life = rng.geometric(p)
    periods = np.minimum(life, 12)
    from kamlib.customer_value import _fit

    f = _fit(periods.astype(float), life <= 12, np.zeros(3000))
    assert f is not None and f.model == "sbg"
    assert f.alpha_ci[0] < 0.8 < f.alpha_ci[1]
    # and one churn probability for all: the limit, with the closed-form estimate
    life = rng.geometric(0.05, 3000)
    periods = np.minimum(life, 24).astype(float)
    gone = life <= 24
    f = _fit(periods, gone, np.zeros(3000))
    if f is not None and f.model == "geometric":
        assert f.period_churn_probability == pytest.approx(gone.sum() / periods.sum())
    else:  # a finite sBG close to the limit: its mean churn probability is the same
        assert f is not None and f.period_churn_probability == pytest.approx(0.05, abs=0.01)


def test_a_segment_with_too_few_churners_gets_constant_churn_or_no_value(sample_book, value):
    k = value.segments.loc["key_account"]
    assert k["churners"] < 20 and k["model"] == "geometric"
    assert any("Key accounts" in n and "fewer than 20 churners" in n for n in value.notes)
    keys = value.table[value.table["segment"] == "key_account"]
    assert (keys["fitted_on"].dropna() == "constant").all()
    # the one churn probability: churners over months at risk, by hand from the spells
    from kamlib.customer_value import _spells

    sp, _ = _spells(sample_book)
    acc = sample_book.accounts
    m = (acc["customer_type"] == "key_account").to_numpy() & sp["seen"].to_numpy()
    s = sp[m]
    gone = s["churned"].to_numpy()
    t, a = s["tenure"].to_numpy(), np.round(s["entry"].to_numpy())
    periods = np.where(gone, np.maximum(np.ceil(t), a + 1), np.round(t))
    use = periods > a
    theta = gone[use].sum() / (periods[use] - a[use]).sum()
    assert k["period_churn_probability"] == pytest.approx(theta)
    assert k["period_churn_probability_low"] < theta < k["period_churn_probability_high"]
    # without a fallback they get no value, and the notes say so
    none = clv(sample_book, rules={"fallback": "none"})
    keys = none.table[none.table["segment"] == "key_account"]
    assert len(keys) and keys["residual_value"].isna().all()
    assert any("get no value" in n for n in none.notes)
    # with the pooled fallback they are valued on all contract customers, and it says so
    pooled = clv(sample_book, rules={"fallback": "pooled"})
    keys = pooled.table[pooled.table["segment"] == "key_account"]
    assert (keys["fitted_on"].dropna() == "pooled").all() and keys["residual_value"].notna().any()
    assert any("fit of all contract customers" in n for n in pooled.notes)
    # a lower limit fits them
    low = clv(sample_book, rules={"min_churners": 5})
    assert low.segments.loc["key_account", "model"] in ("sbg", "geometric")
    # fewer churners than min_churners_constant: no value even at constant churn
    few = clv(sample_book, rules={"min_churners_constant": 50})
    assert few.table.loc[few.table["segment"] == "key_account", "residual_value"].isna().all()


def test_a_branch_is_valued_with_the_operators_fit(sample_book, value):
    """A branch loaded for itself keeps the operator (``whole``): its accounts are valued
    with the fit of every branch's accounts, the same values as the operator's table."""
    b = sample_book.for_branch("Suzhou")
    mine = clv(b)
    assert any("fitted on the whole operator" in n for n in mine.notes)
    whole = value.table.set_index("account_id")
    t = mine.table.set_index("account_id")
    assert set(t.index) == set(whole.index[whole["branch"] == "Suzhou"])
    pd.testing.assert_series_equal(
        t["residual_value"], whole.loc[t.index, "residual_value"], check_names=False
    )
    # on its own the branch is fitted on its own few churners
    alone = clv(sample_book.branch("Suzhou"))
    assert alone.segments["churners"].sum() < value.segments["churners"].sum()


def test_the_fit_recovers_a_known_sbg_from_dates_with_left_truncation():
    """Accounts joined over ten years, lifetimes (months) from a known sBG; the window
    (2025) sees only those alive when it opened. The fit from the Book's dates holds the
    true alpha and beta in its intervals."""
    rng = np.random.default_rng(7)
    alpha, beta, size = 1.2, 20.0, 6000
    start, as_of = pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31")
    month = 365.25 / 12
    join = start - pd.to_timedelta(rng.integers(0, 120 * 30, size), unit="D")
    life = rng.geometric(rng.beta(alpha, beta, size))  # the month of life it leaves in
    # leaving anywhere in that month
    leave = join + pd.to_timedelta(np.round((life - rng.random(size)) * month), unit="D")
    churned = leave <= as_of
    acc = pd.DataFrame(
        {
            "account_id": [f"A{i}" for i in range(size)],
            "branch": "X",
            "customer_type": "business",
            "join_date": join,
            "status": np.where(churned, "churned", "active"),
            "churn_date": pd.Series(leave).where(churned),
            "monthly_revenue": 100.0,
        }
    )
    book = kamlib.Book.from_frames(accounts=acc, as_of=as_of, observed_from=start)
    v = clv(book)
    s = v.segments.loc["business"]
    assert s["model"] == "sbg"
    assert s["sbg_alpha_low"] <= alpha <= s["sbg_alpha_high"]
    assert s["sbg_beta_low"] <= beta <= s["sbg_beta_high"]
    assert v.summary().loc["value_basis", "value"] == "revenue"
    # the accounts that left before the window are not in the fit
    before = int((churned & (leave < start)).sum())
    assert s["accounts_at_risk"] <= size - before


def test_horizon_and_discount_rate(sample_book, value):
    h = clv(sample_book, horizon_months=12)
    t = h.table.dropna(subset=["residual_value"])
    assert (t["expected_residual_lifetime"] <= 12).all()
    assert (t["discounted_residual_lifetime"] < 12).all()
    fit = h.fits["business"]
    row = t[t["segment"] == "business"].iloc[0]
    n = row["tenure_periods"] + 1
    assert row["discounted_residual_lifetime"] == pytest.approx(
        series_derl(fit.alpha, fit.beta, n, MONTHLY_10PCT, horizon=12), rel=1e-12
    )
    assert h.summary().loc["horizon_months", "value"] == 12
    # a higher rate values the future less
    dear = clv(sample_book, discount_rate=0.3)
    both = value.table.merge(dear.table, on="account_id", suffixes=("", "_dear")).dropna(
        subset=["discounted_residual_lifetime"]
    )
    assert (both["discounted_residual_lifetime_dear"] < both["discounted_residual_lifetime"]).all()
    with pytest.raises(kamlib.ConfigError, match="whole number of periods"):
        clv(sample_book, horizon_months=18, rules={"period_months": 12})


def test_segments_given_as_a_series(sample_book):
    b = sample_book.branch("Suzhou")
    tiers = kamlib.value_tiers(b, scheme="abc").assignment
    v = clv(b, by=tiers, rules={"min_churners": 5})
    assert set(v.segments.index) <= {"A", "B", "C"}
    assert set(v.table["segment"].dropna()) <= {"A", "B", "C"}
    with pytest.raises(kamlib.ConfigError, match="segmnt"):
        clv(b, by="segmnt")


def test_inputs_are_not_changed(sample_book):
    before = {t: sample_book.table(t).copy() for t in ("accounts", "billing", "costs")}
    clv(sample_book)
    clv_tiers(sample_book)
    for t, df in before.items():
        pd.testing.assert_frame_equal(sample_book.table(t), df)


# -- degrading with a note ----------------------------------------------------------------
def test_without_billing_there_is_no_value_but_a_note(sample_book):
    acc = sample_book.accounts
    # no billing and no stated start: the window is unknown
    bare = kamlib.Book.from_frames(accounts=acc, as_of=sample_book.as_of)
    v = clv(bare)
    assert v.table["residual_value"].isna().all()
    assert any("when observation began" in n for n in v.notes)
    # the start stated, still no revenue: lifetimes, but no value
    known = kamlib.Book.from_frames(
        accounts=acc, as_of=sample_book.as_of, observed_from="2025-01-01"
    )
    v = clv(known)
    assert v.table["residual_value"].isna().all()
    assert v.table["discounted_residual_lifetime"].notna().any()
    assert any("no revenue" in n for n in v.notes)
    assert v.summary().loc["value_basis", "value"] is None


def test_without_costs_the_value_is_revenue_and_says_so(sample_book):
    b = kamlib.Book.from_frames(
        accounts=sample_book.accounts, billing=sample_book.table("billing"), as_of=sample_book.as_of
    )
    v = clv(b)
    assert v.summary().loc["value_basis", "value"] == "revenue"
    assert any("revenue, not margin" in n for n in v.notes)
    rev = b.monthly_revenue()
    t = v.table.set_index("account_id")
    np.testing.assert_allclose(t["value_per_period"], rev.loc[t.index].to_numpy())


def test_without_churn_dates_the_fit_uses_tenure_and_says_so(sample_book):
    acc = sample_book.accounts.drop(columns=["churn_date"])
    b = kamlib.Book.from_frames(
        accounts=acc, billing=sample_book.table("billing"), as_of=sample_book.as_of
    )
    v = clv(b)
    assert any("no churn date" in n and "mid-window" in n for n in v.notes)
    assert v.table["residual_value"].notna().any()
    # without tenure or join dates as well, nothing can be fitted: said, not guessed
    bare = acc.drop(columns=["tenure_months", "join_date"])
    b = kamlib.Book.from_frames(
        accounts=bare, billing=sample_book.table("billing"), as_of=sample_book.as_of
    )
    v = clv(b)
    assert v.table["residual_value"].isna().all() and v.fits == {}
    assert any("no tenure or join date" in n for n in v.notes)
    fig, ax = plt.subplots()
    try:
        assert v.plot(ax=ax) is ax
    finally:
        plt.close(fig)


def test_rules_are_checked(sample_book):
    with pytest.raises(kamlib.ConfigError, match="a < b"):
        clv(sample_book, rules={"tiers": {"a": 0.9, "b": 0.8}})
    with pytest.raises(kamlib.ConfigError, match="contract"):
        clv(sample_book, rules={"not_contract": ["two_years"]})
    with pytest.raises(kamlib.ConfigError, match="fallback"):
        clv(sample_book, rules={"fallback": "guess"})


# -- tiers on predicted value ---------------------------------------------------------------
def test_clv_tiers_are_abc_shares_of_the_value_ahead(sample_book, value):
    tiers = kamlib.value_tiers(sample_book, scheme="clv")
    assert list(tiers.table.index) == list(CLV_TIER_CODES)
    assert tiers.summary().loc["top_tier", "value"] == "clv_a"
    # by hand: rank the positive values; A is every account whose value before it in the
    # ranking is under 80% of the total, B under 95%
    v = value.table.dropna(subset=["residual_value"])
    x = np.sort(np.clip(v["residual_value"].to_numpy(), 0, None))[::-1]
    before = (np.cumsum(x) - x) / x.sum()
    assert tiers.table.loc["clv_a", "accounts"] == int((before < 0.8).sum())
    assert tiers.table.loc["clv_b", "accounts"] == int(((before >= 0.8) & (before < 0.95)).sum())
    assert tiers.table["accounts"].sum() == len(v)
    a = tiers.assignment
    assert a.isna().sum() == len(sample_book.accounts) - len(v) == tiers.unknown
    churned = sample_book.accounts.loc[sample_book.accounts["status"] == "churned", "account_id"]
    assert a.loc[churned.to_numpy()].isna().all()
    assert tiers.table["share_of_residual_value"].sum() == pytest.approx(1.0)
    assert tiers.table.loc["clv_a", "share_of_residual_value"] >= 0.8


def test_the_other_tier_schemes_are_unchanged(sample_book):
    from kamlib.segment import assign_tiers, quantile_tiers, tier_scheme

    spend = sample_book.monthly_revenue()
    for scheme, expected in (
        ("abc", quantile_tiers(spend, kind="abc")),
        ("deciles", quantile_tiers(spend, kind="deciles")),
        ("beijing", assign_tiers(spend, tier_scheme("beijing"))),
    ):
        got = kamlib.value_tiers(sample_book, scheme=scheme).assignment
        assert got.astype(str).tolist() == expected.astype(str).tolist()


def test_the_value_churn_took_by_hand_at_constant_churn(sample_book, value):
    """Each key account that left in the window had ahead, when it left, its margin a
    month x the constant-churn DERL r / (1 - r z), r = 1 - theta, z = 1 / (1 + d):
    the same whatever its tenure (the geometric model has no memory)."""
    theta = value.fits["key_account"].period_churn_probability
    r, z = 1 - theta, 1 / (1 + MONTHLY_10PCT)
    derl_by_hand = r / (1 - r * z)
    lost = value.lost[value.lost["segment"] == "key_account"]
    acc = sample_book.accounts.set_index("account_id")
    left = acc[(acc["customer_type"] == "key_account") & (acc["status"] == "churned")]
    assert set(lost["account_id"]) <= set(left.index) and len(lost)
    np.testing.assert_allclose(lost["discounted_residual_lifetime"].dropna(), derl_by_hand)
    np.testing.assert_allclose(lost["residual_value"], lost["value_per_period"] * derl_by_hand)
    fig = value.summary()["value"]
    assert fig["value_lost_to_churn"] == pytest.approx(value.lost["residual_value"].sum())


def test_the_report_says_the_value_ahead_and_what_churn_took(sample_book):
    from kamlib._format import money

    r = kamlib.build_report(sample_book, "Suzhou")
    v = clv(sample_book.branch("Suzhou"), fit_on=sample_book)
    total = v.table["residual_value"].sum()
    assert r.metrics["value_ahead"] == pytest.approx(total)
    assert r.metrics["value_lost_to_churn"] == pytest.approx(v.lost["residual_value"].sum())
    sec = next(s for s in r.sections if s.key == "value")
    words = " ".join(b.text for b in sec.blocks if hasattr(b, "text"))
    assert money(total, "CNY") in words
    assert money(v.lost["residual_value"].sum(), "CNY") in words
    # the watch list and the warned groups carry each account's value ahead
    watch = next(s for s in r.sections if s.key == "watchlist")
    shown = next(b for b in watch.blocks if getattr(b, "name", "") == "Watch list").frame
    ahead = v.table.set_index("account_id")["residual_value"]
    np.testing.assert_allclose(
        shown["value_ahead"].dropna(), ahead.reindex(shown.index).dropna().to_numpy()
    )


def test_the_chance_of_leaving_within_a_year_by_hand(value):
    """sBG: 1 - the product of the next 12 renewal probabilities (beta + t - 1) /
    (alpha + beta + t - 1), t = n .. n + 11; constant churn: 1 - (1 - theta) ** 12."""
    t = value.table.dropna(subset=["churn_probability_year"])
    for name, fit in value.fits.items():
        rows = t[t["segment"] == name].head(5)
        for _, row in rows.iterrows():
            n = int(row["tenure_periods"]) + 1
            if fit.model == "sbg":
                a, b = fit.alpha, fit.beta
                stay = np.prod([(b + k - 1) / (a + b + k - 1) for k in range(n, n + 12)])
            else:
                stay = (1 - fit.period_churn_probability) ** 12
            assert row["churn_probability_year"] == pytest.approx(1 - stay), name


def test_the_priority_matrix_sized_on_value_ahead_by_hand(sample_book):
    """With value=, a month of an account's money counts its discounted months ahead, not
    12; the keep lever is the money-making accounts' value ahead x their chance of leaving
    within a year, at retain_success."""
    s = sample_book.branch("Suzhou")
    tiers = kamlib.value_tiers(s).assignment
    v = clv(s, fit_on=sample_book)
    o = kamlib.opportunity_matrix(s, tiers, value=v).table.set_index(["segment", "lever"])
    plain = kamlib.opportunity_matrix(s, tiers).table.set_index(["segment", "lever"])
    acc = s.accounts.set_index("account_id")
    spend = s.monthly_revenue()
    active = acc.index[acc["status"] == "active"]
    vt = v.table.set_index("account_id")
    months = vt["discounted_residual_lifetime"].reindex(active).fillna(12.0)
    for seg in ("crystal", "gold"):
        ids = [i for i in active if tiers.get(i) == seg]
        sp = spend.reindex(ids)
        med = sp.median()
        by_hand = float(((med - sp).clip(lower=0) * months.reindex(ids)).sum()) * 0.10
        assert o.loc[(seg, "raise usage"), "size"] == pytest.approx(by_hand)
        price = float((sp * months.reindex(ids)).sum()) * 0.05
        assert o.loc[(seg, "raise price / improve mix"), "size"] == pytest.approx(price)
        keep = vt.reindex(ids)
        worth = (keep["residual_value"].clip(lower=0) * keep["churn_probability_year"]).sum()
        assert o.loc[(seg, "keep accounts at risk"), "size"] == pytest.approx(worth)
        assert o.loc[(seg, "keep accounts at risk"), "probability"] == 0.30
        # without value: a year
        year = float(((med - sp).clip(lower=0)).sum()) * 0.10 * 12
        assert plain.loc[(seg, "raise usage"), "size"] == pytest.approx(year)
    assert ("crystal", "keep accounts at risk") not in plain.index


def test_a_prepared_branch_is_valued_with_the_operators_fit(sample_book, value, tmp_path):
    """``kamlib.prepare`` keeps the operator's lifetime fits: a branch read alone from it
    gets the same values as the operator's table, not a fit of its own few churners."""
    d = kamlib.prepare(sample_book, tmp_path / "prepared")
    b = kamlib.load(d, branch="Hanzhong")
    assert b.whole is None and b.lifetimes is not None
    mine = clv(b).table.set_index("account_id")["residual_value"]
    whole = value.table.set_index("account_id")["residual_value"]
    pd.testing.assert_series_equal(mine, whole.loc[mine.index], check_names=False)
    # other segments than the fit's: the branch's own fit, not the kept one
    own = clv(b, by="contract")
    assert not any("whole operator" in n for n in own.notes)


def test_a_report_on_a_prepared_branch_values_with_the_operators_fit(sample_book, tmp_path):
    """The batch reads each branch from prepared data: its report's value ahead is the
    one the whole operator's fit gives, as in a report built from the whole book."""
    d = kamlib.prepare(sample_book, tmp_path / "prepared")
    one = kamlib.load(d, branch="Suzhou")
    a = kamlib.build_report(one, "Suzhou").metrics
    b = kamlib.build_report(sample_book, "Suzhou").metrics
    assert a["value_ahead"] == pytest.approx(b["value_ahead"])
    assert a["value_lost_to_churn"] == pytest.approx(b["value_lost_to_churn"])
