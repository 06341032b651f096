"""The churn-risk model fitted on a stated sample of accounts above `fit_sample`
(issue #22): the same model as on every account, within its noise, and every active
account still scored."""

from __future__ import annotations

import numpy as np
import pytest

import kamlib
from kamlib.watchlist import ChurnRisk, sample_positions

from .test_watchlist import _null_book

CAP = 2500  # of 6,000 accounts


@pytest.fixture(scope="module")
def book():
    return kamlib.synth(6000, seed=3).book


@pytest.fixture(scope="module")
def full(book):
    return ChurnRisk().fit(book)


@pytest.fixture(scope="module")
def part(book):
    return ChurnRisk(rules={"fit_sample": CAP}).fit(book)


def _probability(m: ChurnRisk):
    return m.scores_.set_index("account_id")["churn_probability"]


def test_the_sample_is_said_and_every_active_account_is_scored(book, full, part):
    assert full.fitted_on_ == len(book.accounts) and part.fitted_on_ == CAP
    said = [n for n in part.notes if "random sample of 2,500 of the 6,000 accounts" in n]
    assert len(said) == 1 and "every active account is scored" in said[0]
    assert not any("random sample" in n for n in full.notes)
    # the watch list names every active account, not only the sample's
    assert set(part.scores_["account_id"]) == set(full.scores_["account_id"])
    active = book.accounts["status"].eq("active").sum()
    assert 0.9 * active < len(part.scores_) <= active


def test_the_sampled_model_is_the_full_one_within_its_noise(full, part):
    # the sample's out-of-time AUC lies in the full fit's 95% bootstrap interval: the two
    # differ by no more than the full fit's own uncertainty
    lo, hi = full.auc_ci_
    assert lo <= part.auc_ <= hi
    assert part.usable_ == full.usable_
    # its validation rows are the sample's (about CAP / 6000 of the full fit's)
    share = part.rows_in_validation_ / full.rows_in_validation_
    assert share == pytest.approx(CAP / 6000, abs=0.05)
    # the same ranking of accounts (measured 0.99; a different model would not be)
    p, q = _probability(full), _probability(part)
    assert p.corr(q.reindex(p.index), method="spearman") > 0.95


def test_the_sample_is_drawn_from_the_seed(book, part):
    again = ChurnRisk(rules={"fit_sample": CAP}).fit(book)
    assert (_probability(again) == _probability(part)).all()
    other = ChurnRisk(rules={"fit_sample": CAP}, seed=1).fit(book)
    assert not np.allclose(other.coefficients_.to_numpy(), part.coefficients_.to_numpy())


def test_at_or_under_the_cap_nothing_changes(book, full):
    for cap in (0, len(book.accounts)):
        m = ChurnRisk(rules={"fit_sample": cap}).fit(book)
        assert m.auc_ == full.auc_ and m.notes == full.notes
        assert (_probability(m) == _probability(full)).all()


@pytest.mark.parametrize("seed", [0, 1])
def test_with_random_churners_the_sampled_model_is_not_shown(sample_book, seed):
    null = _null_book(sample_book, seed)
    m = ChurnRisk(rules={"fit_sample": len(null.accounts) // 2}).fit(null)
    assert m.fitted_on_ == len(null.accounts) // 2
    assert m.auc_ == pytest.approx(0.5, abs=0.1)
    assert not m.usable_ and m.table.empty
    assert m.churners_in_validation_ >= 30  # enough churners: it is the AUC that fails


def test_an_accounts_score_does_not_depend_on_the_accounts_outside_the_sample(book):
    """An account in the sample is scored from its own data and the model's coefficients
    only. Give 40 accounts a new customer type: 30 or more (min_level_accounts) in the
    whole book, so a level of its own there, but about 17 in the sample, pooled into
    "other" by the fit. Then rename the out-of-sample ones: the sample, its fit and the
    sampled accounts' data are unchanged, so their probabilities must be too (coded by the
    counts of the whole book, the sampled ones with the new type would lose the "other"
    coefficient the model learned for them)."""
    import dataclasses

    in_sample = sample_positions(len(book.accounts), CAP, 0)
    active = book.accounts["status"].eq("active").to_numpy(dtype=bool)
    rng = np.random.default_rng(5)
    rare = rng.choice(np.flatnonzero(active), 40, replace=False)
    acc = book.accounts.copy()
    ct = np.array(acc["customer_type"].astype(object).to_numpy())
    ct[rare] = "cooperative"
    a = dataclasses.replace(book, accounts=acc.assign(customer_type=ct))
    ct2 = ct.copy()
    ct2[rare[~in_sample[rare]]] = "residential"
    b = dataclasses.replace(book, accounts=acc.assign(customer_type=ct2))
    assert 10 <= in_sample[rare].sum() < 30  # pooled in the sample, below the level size
    ma = ChurnRisk(rules={"fit_sample": CAP}).fit(a)
    mb = ChurnRisk(rules={"fit_sample": CAP}).fit(b)
    assert "customer_type: other" in ma.coefficients_.index
    assert (ma.coefficients_ == mb.coefficients_).all()
    ids = book.accounts["account_id"].to_numpy()[rare[in_sample[rare]]]
    pa, pb = _probability(ma), _probability(mb)
    shared = [i for i in ids if i in pa.index]
    assert len(shared) >= 5
    assert (pa[shared] == pb[shared]).all()
