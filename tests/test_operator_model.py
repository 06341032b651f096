"""A branch report's watch list comes from the operator's churn-risk model (issue 20):
a book loaded for one branch keeps the whole operator's, a prepared operator carries the
model fitted once, and masking reaches both."""

from __future__ import annotations

import pytest

import kamlib


def test_a_book_loaded_for_one_branch_keeps_the_whole_operator(sample_book):
    b = kamlib.load(kamlib.sample_path(), branch="Suzhou")
    assert set(b.accounts["branch"]) == {"Suzhou"}
    assert b.whole is not None and len(b.whole.accounts) == len(sample_book.accounts)
    # a slice of the branch keeps the same whole; the whole keeps none of its own
    assert b.select(b.accounts["status"] == "active").whole is b.whole
    assert b.whole.whole is None
    m = b.masked(salt="s")
    ids = set(m.accounts["account_id"])
    assert ids <= set(m.whole.accounts["account_id"])  # the same pseudonyms
    assert not set(m.whole.accounts["account_id"]) & set(sample_book.accounts["account_id"])


def test_a_prepared_operator_carries_the_model_fitted_once(tmp_path, sample_book):
    folder = kamlib.prepare(sample_book, tmp_path / "prepared")
    b = kamlib.load(folder, branch="Suzhou")
    assert b.whole is None  # a prepared branch is read alone ...
    risk = b.churn_risk  # ... with the operator's model beside it
    assert risk is not None and risk._book is None
    fresh = kamlib.churn_risk(sample_book)
    assert risk.auc_ == pytest.approx(fresh.auc_)
    assert risk.branch("Suzhou").table.equals(fresh.branch("Suzhou").table)
    report = kamlib.build_report(b, "Suzhou")
    assert report.metrics["watchlist_auc"] == pytest.approx(fresh.auc_)


def test_masking_relabels_the_carried_model(tmp_path, sample_book):
    folder = kamlib.prepare(sample_book, tmp_path / "prepared")
    b = kamlib.load(folder, branch="Suzhou").masked(salt="s")
    rows = b.churn_risk.branch("Suzhou").table
    assert len(rows) and set(rows["account_id"]) <= set(b.accounts["account_id"])
    names = dict(zip(b.accounts["account_id"], b.accounts["name"], strict=True))
    assert all(names[i] == n for i, n in zip(rows["account_id"], rows["name"], strict=True))
    assert not set(rows["name"]) & set(sample_book.accounts["name"])
