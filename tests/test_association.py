"""The test of a table of counts (cause_association, segment_mix) claims only what the
data show: stand-outs only inside a real association and after Holm's adjustment, a
permutation p-value when cells expect few counts, a bias-corrected Cramér's V, no
strength word without a verdict, and no "unknown" cause. Pinned against scipy,
statsmodels and hand computations; checked under the null by permuting the sample."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency, norm, permutation_test
from statsmodels.stats.multitest import multipletests

import kamlib
from kamlib._stats import association_test, cramers_v_corrected, holm

STRENGTH = re.compile(r"\b(weak|moderate|strong)\b|Cramér", re.IGNORECASE)


def _frame(t: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        t, index=[f"r{i}" for i in range(t.shape[0])], columns=[f"c{j}" for j in range(t.shape[1])]
    )


def _book(cells: dict[tuple[str, str | None], int]) -> kamlib.Book:
    """Churned accounts only: (customer type, cause) -> how many."""
    rows = [
        {
            "account_id": f"c{cell}_{i}",
            "branch": "X",
            "customer_type": seg,
            "status": "churned",
            "churn_type": "voluntary",
            "churn_cause": cause,
        }
        for cell, ((seg, cause), n) in enumerate(cells.items())
        for i in range(n)
    ]
    return kamlib.Book.from_frames(accounts=pd.DataFrame(rows))


# -- 1. stand-outs: only when the table as a whole differs, judged by Holm ---------------


def test_no_standout_when_the_overall_test_does_not_reject():
    t = np.full((4, 4), 20)
    t[0, 0] = 40  # one adjusted residual of 2.77, yet the table is well within chance
    _, p, _, _ = chi2_contingency(t, correction=False)
    assert p > 0.5
    a = association_test(_frame(t), min_count=20)
    assert a.residuals.to_numpy().max() > 2.7
    assert isinstance(a.standouts, pd.DataFrame) and a.standouts.empty
    assert a.pvalue == pytest.approx(p) and not a.significant
    assert a.summary()["value"]["standouts"] == 0
    assert "Stand-outs" not in a.reading and "no cell stands out" in a.reading


def test_standouts_are_the_cells_whose_holm_adjusted_p_is_below_alpha():
    # a real association in which some cells exceed |r| = 2 without surviving Holm
    t = np.array([[30, 18, 20, 12], [18, 22, 19, 21], [12, 20, 21, 27]])
    _, p, _, exp = chi2_contingency(t, correction=False)
    assert p < 0.05
    n = t.sum()
    r, c = t.sum(axis=1, keepdims=True), t.sum(axis=0, keepdims=True)
    resid = (t - exp) / np.sqrt(exp * (1 - r / n) * (1 - c / n))
    raw = 2 * norm.sf(np.abs(resid)).ravel()
    reject, adjusted, _, _ = multipletests(raw, alpha=0.05, method="holm")
    assert ((np.abs(resid).ravel() > 2) & ~reject).any()  # the old rule says more
    a = association_test(_frame(t), min_count=20)
    assert a.significant
    want = {(f"r{i // 4}", f"c{i % 4}") for i in np.flatnonzero(reject)}
    assert set(zip(a.standouts["row"], a.standouts["column"], strict=True)) == want
    assert len(want) >= 1
    got = a.standouts.set_index(["row", "column"])
    for i in np.flatnonzero(reject):
        cell = got.loc[(f"r{i // 4}", f"c{i % 4}")]
        assert cell["residual"] == pytest.approx(resid.ravel()[i])
        assert cell["p_value"] == pytest.approx(raw[i])
        assert cell["p_adjusted"] == pytest.approx(adjusted[i])
    # the per-cell table carries the same p-values
    np.testing.assert_allclose(a.table["p_adjusted"].to_numpy(), adjusted)
    # a stricter alpha is an argument (and a setting): nothing is real at 1e-6
    strict = association_test(_frame(t), min_count=20, alpha=1e-6)
    assert not strict.significant and strict.standouts.empty


def test_holm_matches_statsmodels():
    rng = np.random.default_rng(3)
    for m in (1, 2, 7, 30):
        p = rng.uniform(size=m) ** 3
        np.testing.assert_allclose(holm(p), multipletests(p, method="holm")[1])


def test_alpha_comes_from_churn_yaml():
    book = _book(
        {("business", "price"): 25, ("business", "service"): 5}
        | {("residential", "price"): 5, ("residential", "service"): 25}
    )
    assert kamlib.churn.churn_rules()["association"]["alpha"] == 0.05
    a = kamlib.cause_association(book, level="churn_cause")
    assert a.alpha == 0.05 and a.significant
    assert not kamlib.cause_association(book, level="churn_cause", alpha=1e-12).significant
    with pytest.raises(kamlib.ConfigError, match="alpha"):
        kamlib.churn.churn_rules({"association": {"alpha": 2}})


# -- 2. a permutation p-value when cells expect few counts -----------------------------


def _exact_permutation_p(t: np.ndarray) -> float:
    """scipy's permutation test of the chi-square, every pairing of the n units."""
    rows = np.repeat(np.arange(t.shape[0]), t.sum(axis=1))
    cols = np.concatenate([np.repeat(np.arange(t.shape[1]), row) for row in t])
    exp = np.outer(t.sum(axis=1), t.sum(axis=0)) / t.sum()

    def chi2(x, axis=-1):
        x = np.moveaxis(np.asarray(x), axis, -1)
        tables = (
            (rows[:, None, None] == np.arange(t.shape[0])[None, :, None])
            & (x[..., :, None, None] == np.arange(t.shape[1])[None, None, :])
        ).sum(axis=-3)
        return (((tables - exp) ** 2) / exp).sum(axis=(-2, -1))

    res = permutation_test(
        (cols,),
        chi2,
        permutation_type="pairings",
        alternative="greater",
        vectorized=True,
        n_resamples=np.inf,  # all n! pairings: exact
    )
    return float(res.pvalue)


def test_small_expected_counts_use_a_permutation_p_value():
    t = np.array([[3, 0, 1], [0, 3, 1]])  # 8 churners, every cell expects fewer than 5
    exact = _exact_permutation_p(t)  # all 8! pairings
    assert exact == pytest.approx(2 / 35)  # 4 of the 70 equally likely splits of the 8
    asymptotic = chi2_contingency(t, correction=False)[1]
    assert asymptotic < 0.05 < exact  # the approximation would call this real
    book = _book(
        {
            ("business", "price"): 3,
            ("business", "service"): 0,
            ("business", "fraud"): 1,
            ("residential", "price"): 0,
            ("residential", "service"): 3,
            ("residential", "fraud"): 1,
        }
    )
    # the default: 2,000 reshuffles, a fixed seed, the same answer every time
    b = kamlib.cause_association(book, level="churn_cause", min_churners=5)
    # the table names its causes in words (as its verdict and heatmap do)
    rows = ["Unreasonable price", "Poor service, attitude or slow repair", "Fraud (involuntary)"]
    np.testing.assert_array_equal(b.observed.loc[rows].T.to_numpy(), t)
    assert b.pvalue == pytest.approx(exact, abs=4 * math.sqrt(exact * (1 - exact) / 2000))
    assert b.method == "permutation" and any("permutation p-value" in n for n in b.notes)
    assert b.pvalue == kamlib.cause_association(book, level="churn_cause", min_churners=5).pvalue
    a = kamlib.cause_association(book, level="churn_cause", min_churners=5, permutations=20000)
    assert a.method == "permutation" and a.chi2_pvalue == pytest.approx(asymptotic)
    assert a.pvalue == pytest.approx(exact, abs=4 * math.sqrt(exact * (1 - exact) / 20000))
    assert not a.significant and a.standouts.empty
    assert "not distinguishable from noise" in a.reading
    s = a.summary()["value"]
    assert s["p_value"] == a.pvalue == s["permutation_p_value"]
    assert any("permutation p-value" in n and "20,000" in n for n in a.notes)
    assert "20,000 random reshuffles" in a.reading


def test_permutation_p_value_by_hand_on_a_two_by_two():
    # margins 3/3 x 3/3: the top-left count k has probability C(3,k) C(3,3-k) / C(6,3),
    # i.e. 1, 9, 9, 1 in 20; [[3, 0], [0, 3]] and [[0, 3], [3, 0]] are the extreme ones
    a = association_test(_frame(np.array([[3, 0], [0, 3]])), min_count=1, permutations=40000)
    assert a.method == "permutation"
    assert a.pvalue == pytest.approx(2 / 20, abs=4 * math.sqrt(0.1 * 0.9 / 40000))
    assert not a.significant and a.standouts.empty  # p = 0.1: no claim, however large |r|


# -- 3. bias-corrected Cramér's V; no strength word without a verdict --------------------


def test_bias_corrected_cramers_v_by_hand():
    # Bergsma (2013): phi2~ = max(0, chi2/n - (k-1)(r-1)/(n-1)), r~ = r - (r-1)^2/(n-1),
    # k~ = k - (k-1)^2/(n-1), V~ = sqrt(phi2~ / min(r~ - 1, k~ - 1))
    units = np.arange(150)
    t = pd.crosstab(units % 10, units % 4).to_numpy()  # 10 x 4, n = 150
    chi2 = chi2_contingency(t, correction=False)[0]
    phi2 = chi2 / 150 - 9 * 3 / 149
    v = math.sqrt(phi2 / min(10 - 81 / 149 - 1, 4 - 9 / 149 - 1))
    assert cramers_v_corrected(chi2, 150, (10, 4)) == pytest.approx(v)
    assert v == pytest.approx(0.5305112825189, abs=1e-9)  # as ClickHouse's example prints
    assert cramers_v_corrected(chi2, 150, (10, 4)) < math.sqrt(chi2 / (150 * 3))
    # independence exactly: V~ is 0, not a small positive "weak"
    assert cramers_v_corrected(0.0, 80, (3, 4)) == 0.0


def test_no_strength_word_when_the_test_does_not_reject(sample_book):
    a = kamlib.cause_association(sample_book, by="branch")
    assert not STRENGTH.search(a.reading), a.reading
    assert a.testable and not a.significant
    assert "not distinguishable from noise" in a.reading and a.standouts.empty
    real = association_test(_frame(np.array([[40, 10], [10, 40]])), min_count=20)
    assert real.significant and re.search(
        r"real \(p < 0.05\) and (weak|moderate|strong)", real.reading
    )


# -- 4. the unknown cause group is not a cause ------------------------------------------


def test_churners_without_a_cause_are_left_out_and_counted():
    book = _book(
        {
            ("business", "price"): 20,
            ("business", "service"): 10,
            ("business", None): 6,
            ("residential", "price"): 10,
            ("residential", "service"): 20,
            ("residential", "unknown"): 9,
        }
    )
    a = kamlib.cause_association(book)
    assert set(a.observed.index) == {"Internal (ours)"} and int(a.observed.to_numpy().sum()) == 60
    assert a.left_out == 15 and a.summary()["value"]["left_out"] == 15
    assert any("15 churners left out" in n and "no cause recorded" in n for n in a.notes)
    b = kamlib.cause_association(book, level="churn_cause")
    assert (
        set(b.observed.index)
        == {
            "Unreasonable price",
            "Poor service, attitude or slow repair",
        }
        and b.left_out == 15
    )


# -- 5. under the null the claims are rare; a planted difference is found ---------------


def _units(sample_book, by):
    """Cause and segment codes of the sample's lost accounts with a known cause."""
    obs = kamlib.cause_association(sample_book, by=by).observed
    t = obs.to_numpy()
    causes = np.repeat(np.arange(t.shape[0]), t.sum(axis=1))
    segs = np.concatenate([np.repeat(np.arange(t.shape[1]), row) for row in t])
    return obs, causes, segs


@pytest.mark.parametrize("by", ["customer_type", "branch"])
def test_claims_are_rare_when_causes_are_shuffled(sample_book, by):
    obs, causes, segs = _units(sample_book, by)
    r, c = obs.shape
    rng = np.random.default_rng(15)
    claims = 0
    for _ in range(200):
        shuffled = rng.permutation(causes)
        t = np.bincount(shuffled * c + segs, minlength=r * c).reshape(r, c)
        a = association_test(pd.DataFrame(t, index=obs.index, columns=obs.columns), min_count=20)
        claims += bool(a.pvalue < 0.05 or len(a.standouts))
    # nominal 5% of 200 is 10; P(more than 20 | 5%) < 0.002
    assert claims <= 20, f"{claims} of 200 shuffles claimed an association"


def test_a_planted_difference_is_found(sample_book):
    acc = sample_book.accounts.copy()
    rng = np.random.default_rng(7)
    target = (
        (acc["status"] == "churned")
        & (acc["customer_type"] == "business")
        & acc["churn_cause"].notna()
        & (acc["churn_cause_group"] != "internal")
    ).to_numpy(dtype=bool, na_value=False)
    moved = target & (rng.uniform(size=len(acc)) < 0.6)
    acc.loc[moved, "churn_cause"] = "service"
    acc.loc[moved, "churn_cause_group"] = "internal"
    others = {t: sample_book.table(t) for t in ("billing", "usage") if sample_book.has(t)}
    book = kamlib.Book.from_frames(
        accounts=acc, currency=sample_book.currency, as_of=sample_book.as_of, **others
    )
    a = kamlib.cause_association(book)
    assert a.significant and a.pvalue < 0.001
    top = a.standouts.iloc[0]
    # rows and columns in words: cause groups from causes.yaml, customer types as labelled
    internal, business = "Internal (ours)", "Business"
    assert (top["row"], top["column"]) in {(internal, business), ("Customer's own", business)}
    hit = a.standouts[(a.standouts["row"] == internal) & (a.standouts["column"] == business)]
    assert len(hit) == 1 and hit["residual"].iloc[0] > 0


# -- segment_mix uses the same test ------------------------------------------------------


def test_segment_mix_uses_the_same_test(sample_book):
    mix = kamlib.segment_mix(sample_book, "customer_type")
    direct = association_test(
        mix.table.drop(columns="accounts").T, min_count=30, alpha=0.05, names=("segment", "branch")
    )
    assert mix.test.pvalue == pytest.approx(direct.pvalue)
    assert mix.test.cramers_v == pytest.approx(direct.cramers_v)
    assert kamlib.segment_mix(sample_book, "customer_type", alpha=1e-12).test.standouts.empty
    # a group too small for shares stays out of the test, counted in its notes
    acc = sample_book.accounts.copy()
    acc.loc[acc.index[:5], "branch"] = "Tiny"
    small = kamlib.segment_mix(kamlib.Book.from_frames(accounts=acc), "customer_type")
    assert "Tiny" not in small.test.observed.columns and small.test.left_out == 5
    assert any("5 accounts left out of the test" in n for n in small.notes)
