"""The churn-risk model fitted on a sample and scored one branch at a time
(``ChurnRisk.fit_sampled``, issue #22): the same figures as the fit on the whole book,
which is computed independently here (``fit``), without ever holding the operator."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

import kamlib
from kamlib._schema import OPTIONAL_TABLES
from kamlib.watchlist import ChurnRisk, sample_positions

from .test_watchlist import _null_book

CAP = 2500  # of 6,000 accounts
RULES = {"fit_sample": CAP}


def _rebuilt(b: kamlib.Book) -> kamlib.Book:
    """``b``'s rows as a Book of their own, validated again from its frames: nothing of the
    book it was cut from (its other accounts, its memo) comes along."""
    tables = {
        t: df.reset_index(drop=True)
        for t in OPTIONAL_TABLES
        if isinstance(df := getattr(b, t), pd.DataFrame)
    }
    return kamlib.Book.from_frames(
        accounts=b.accounts.reset_index(drop=True),
        **tables,
        name=b.name,
        currency=b.currency,
        as_of=b.as_of,
        observed_from=b.observed_from,
        revenue_basis=b.revenue_basis,
        assumed=b.assumed,
        computed=b.computed,
    )


class _Once:
    """The branches' Books, built one at a time when asked for; a second pass fails."""

    def __init__(self, book: kamlib.Book, rebuild: bool = True):
        self.book, self.passes, self.built, self.rebuild = book, 0, 0, rebuild

    def __iter__(self) -> Iterator[kamlib.Book]:
        self.passes += 1
        assert self.passes == 1, "the branches were iterated twice"
        for name in self.book.branches:
            self.built += 1
            part = self.book.branch(name)
            yield _rebuilt(part) if self.rebuild else part


def _by_branch(
    book: kamlib.Book, cap: int = CAP, seed: int = 0, rebuild: bool = True
) -> tuple[ChurnRisk, _Once]:
    """``fit_sampled`` on ``book``'s sample and its branches, each a Book of its own rows
    (``rebuild``: validated again from its frames; else its rows sliced off ``book``)."""
    again = _rebuilt if rebuild else (lambda b: b)
    keep = sample_positions(len(book.accounts), cap, seed) if cap < len(book.accounts) else None
    sample = again(book.select(keep)) if keep is not None else again(book)
    once = _Once(book, rebuild)
    m = ChurnRisk(rules={"fit_sample": cap}, seed=seed).fit_sampled(
        sample, once, accounts=len(book.accounts), months=book.months()
    )
    return m, once


def _same(a: ChurnRisk, b: ChurnRisk) -> None:
    """Every figure a report shows from the model, equal."""
    pd.testing.assert_frame_equal(a.scores_, b.scores_, check_exact=False, rtol=1e-9)
    assert a.notes == b.notes
    assert a.auc_ == b.auc_ and a.auc_ci_ == b.auc_ci_ and a.usable_ == b.usable_
    assert a.fitted_on_ == b.fitted_on_ and a.branches_ == b.branches_
    assert a.value_at_risk_top_decile_ == pytest.approx(b.value_at_risk_top_decile_, rel=1e-9)
    assert a.average_probability_ == pytest.approx(b.average_probability_, rel=1e-9)
    pd.testing.assert_frame_equal(a.by_branch_, b.by_branch_)
    pd.testing.assert_series_equal(a.coefficients_, b.coefficients_, check_exact=False, rtol=1e-9)
    assert a.signals_ == b.signals_


@pytest.fixture(scope="module")
def book() -> kamlib.Book:
    return kamlib.synth(6000, seed=7).book


@pytest.fixture(scope="module")
def whole(book: kamlib.Book) -> ChurnRisk:
    return ChurnRisk(rules=RULES).fit(book)


def test_branch_by_branch_gives_the_whole_books_figures(book, whole):
    m, once = _by_branch(book)
    assert once.built == len(book.branches) >= 3  # consumed once, every branch
    assert whole.fitted_on_ == CAP and whole.usable_  # the test means something
    _same(m, whole)
    # the top decile is the operator's riskiest tenth, not each branch's
    assert m.scores_["top_decile"].sum() == int(np.ceil(len(m.scores_) / 10))
    share = m.scores_.groupby("branch")["top_decile"].mean()
    assert share.max() - share.min() > 0.01


def test_under_the_cap_every_account_is_the_sample(book):
    small = book.select(sample_positions(len(book.accounts), 2000, 3))
    m, _ = _by_branch(small, cap=CAP)
    w = ChurnRisk(rules=RULES).fit(small)
    assert w.fitted_on_ == len(small.accounts) and not any("random sample" in n for n in w.notes)
    _same(m, w)


def _without_month(book: kamlib.Book, month: pd.Timestamp, who: np.ndarray) -> kamlib.Book:
    """``book`` where the accounts ``who`` (a mask of the accounts) have no monthly row
    (billing, usage, costs) in ``month``."""
    import dataclasses

    ids = book.accounts["account_id"][who]
    tables = {}
    for t in ("billing", "usage", "costs"):
        df = getattr(book, t)
        drop = df["account_id"].isin(ids) & (df["month"] == month)
        tables[t] = df.loc[~drop.to_numpy()]
    return _rebuilt(dataclasses.replace(book, **tables))


def test_a_branch_lacking_the_last_month_is_scored_at_the_operators_last_cutoff(book):
    name = book.branches[0]
    last = book.months()[-1]
    b = _without_month(book, last, book.accounts["branch"].eq(name).to_numpy())
    assert last not in set(b.branch(name).billing["month"])
    w = ChurnRisk(rules=RULES).fit(b)
    m, _ = _by_branch(b)
    _same(m, w)
    assert (m.scores_["branch"] == name).sum() > 100  # its active accounts are scored


def test_a_sample_lacking_a_month_is_fitted_on_the_operators_months(book):
    """Before, a sample lacking a month silently fell back to the whole book."""
    month = book.months()[5]
    in_sample = sample_positions(len(book.accounts), CAP, 0)
    b = _without_month(book, month, in_sample)
    w = ChurnRisk(rules=RULES).fit(b)
    assert w.fitted_on_ == CAP
    assert sum("random sample of 2,500 of the 6,000" in n for n in w.notes) == 1
    m, _ = _by_branch(b)
    _same(m, w)


@pytest.mark.parametrize("seed", [0, 1])
def test_with_random_churners_the_branch_fit_is_not_shown(sample_book, seed):
    null = _null_book(sample_book, seed)
    m, _ = _by_branch(null, cap=len(null.accounts) // 2, seed=seed)
    assert m.fitted_on_ == len(null.accounts) // 2
    assert m.auc_ == pytest.approx(0.5, abs=0.1)
    assert not m.usable_ and m.table.empty
    assert m.churners_in_validation_ >= 30  # enough churners: it is the AUC that fails
    assert len(m.scores_) > 0  # scored, but not shown


# the Maven export's branches are sliced off, not validated again: from_frames of a loaded
# Maven book stops in _validate (UnboundLocalError: 'tax', churn_cause_group without reasons)
def test_a_snapshot_by_branch_is_the_whole_books_when_the_sample_is_every_account(maven_book):
    assert len(maven_book.branches) >= 2 and len(maven_book.months()) < 2
    w = ChurnRisk().fit(maven_book)
    assert w.validation_ == "held_out" and w.usable_
    m, _ = _by_branch(maven_book, cap=len(maven_book.accounts), rebuild=False)
    _same(m, w)


def test_a_sampled_snapshot_says_so_and_scores_every_active_account(maven_book):
    n = len(maven_book.accounts)
    m, _ = _by_branch(maven_book, cap=n // 2, rebuild=False)
    assert m.validation_ == "held_out" and m.fitted_on_ == n // 2
    assert sum(f"random sample of {n // 2:,} of the {n:,}" in t for t in m.notes) == 1
    assert len(m.scores_) == int(maven_book.accounts["status"].eq("active").sum())


def test_a_branch_of_another_date_is_refused(book):
    import dataclasses

    small = book.select(sample_positions(len(book.accounts), 600, 1))
    other = dataclasses.replace(small, as_of=pd.Timestamp("2030-01-31"))
    with pytest.raises(ValueError, match="as of"):
        ChurnRisk().fit_sampled(small, iter([other]), accounts=600, months=small.months())


def test_a_branch_without_a_table_the_model_uses_is_said(book):
    """A branch whose data have no tickets, where the others have: its accounts count as
    average on the tickets' signals (the whole book would count them as having none), and
    the notes say so rather than hide it."""
    import dataclasses

    name = book.branches[0]
    theirs = book.accounts.loc[book.accounts["branch"].eq(name), "account_id"]
    t = book.tickets
    b = _rebuilt(dataclasses.replace(book, tickets=t.loc[~t["account_id"].isin(theirs)]))
    m, _ = _by_branch(b)
    assert "ticket_complaints" in m.signals_
    said = [n for n in m.notes if n.startswith(f"The data of {name} give none of")]
    assert len(said) == 1 and "scored as average on them" in said[0]
    assert sum(n.startswith("The data of") for n in m.notes) == 1  # that branch only
    assert (m.scores_["branch"] == name).sum() > 100
