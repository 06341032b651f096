"""Issue #18, round 2: churn types and value x loyalty claim only what the data show.

Frames are built here and every count is worked out by hand beside it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import kamlib
from kamlib._i18n import language
from kamlib.document import Figure, Table, Text

NO_TYPES = "The data do not record the churn type (voluntary, involuntary, internal migration)."
APART = (
    "Loyalty cannot be told apart: the only loyalty signal is tenure, and it puts every "
    "active account in the same loyalty column."
)


def _accounts(tenure: list[float]) -> pd.DataFrame:
    """10 accounts of one branch, 3 churned (c, f, i), revenue 10..100, tenure as given;
    causes: c blank, f "unknown" (the export said "Don't know"), i price."""
    ids = list("abcdefghij")
    churned = {"c", "f", "i"}
    return pd.DataFrame(
        {
            "account_id": ids,
            "branch": "X",
            "status": ["churned" if i in churned else "active" for i in ids],
            "monthly_revenue": [10.0 * (k + 1) for k in range(10)],
            "tenure_months": tenure,
            "churn_cause": [{"c": None, "f": "unknown", "i": "price"}.get(i) for i in ids],
        }
    )


YOUNG = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]  # all under 12 months


def _book(acc: pd.DataFrame) -> kamlib.Book:
    return kamlib.Book.from_frames(accounts=acc, currency="USD")


# -- churn types (finding 5) ------------------------------------------------------------


def test_no_churn_type_column_gives_missing_types_not_zeros():
    b = _book(_accounts(YOUNG))
    ct = kamlib.churn_types(b)
    t = ct.table
    assert list(t.index) == ["voluntary", "involuntary", "migration"]
    assert t["accounts"].isna().all() and t["monthly_revenue_lost"].isna().all()
    assert set(t["basis"]) == {"Not in the data"}
    assert ct.notes == (NO_TYPES,)
    s = ct.summary()["value"]
    assert pd.isna(s["churned"]) and pd.isna(s["monthly_revenue_lost"])
    m = kamlib.report.churn_metrics(b)
    assert m["churn_by_type"] == {"voluntary": None, "involuntary": None, "migration": None}


def test_recorded_types_are_unchanged_on_the_sample(sample_book):
    b = sample_book.branch("Suzhou")
    acc = b.accounts
    # accounts that left before observation began are outside every churn figure
    acc = acc[~((acc["status"] == "churned") & (acc["churn_date"] < b.observation_start()))]
    lost = acc[acc["status"] == "churned"]
    t = kamlib.churn_types(b).table
    by_hand = lost["churn_type"].value_counts()
    for kind in ("voluntary", "involuntary"):
        assert t.loc[kind, "accounts"] == by_hand.get(kind, 0)
        assert t.loc[kind, "basis"] == "Recorded"
    assert t.loc["migration", "accounts"] == (acc["churn_type"] == "migration").sum()
    assert kamlib.report.churn_metrics(b)["churn_by_type"]["voluntary"] == by_hand["voluntary"]


# -- value x loyalty (finding 3) ---------------------------------------------------------


def test_churned_accounts_stay_out_of_the_grid_and_tenure_alone_cannot_tell_apart():
    vl = kamlib.value_loyalty(_book(_accounts(YOUNG)))
    # 7 active accounts; value classes rank them: ceil(0.2*7)=2 high, ceil(0.5*7)=4 -> 2
    # medium, 3 low; every tenure under 12 months: 0 of 2 points, all drifting
    assert vl.grid.to_numpy().sum() == 7
    assert vl.grid["drifting"].tolist() == [2, 2, 3]
    assert vl.grid[["loyal", "potentially loyal"]].to_numpy().sum() == 0
    assert not vl.separates
    assert vl.notes == (
        "3 churned accounts are left out of the grid: they have already left.",
        APART,
    )
    # the two largest active spenders are j (100) and h (80): i (90) has churned
    high = vl.accounts.index[vl.accounts["value"] == "high"]
    assert sorted(high) == ["h", "j"]


def test_tenure_that_spreads_accounts_separates():
    # active tenures: a 40, b 20, d..j 5 -> 1 loyal, 1 potentially loyal, 5 drifting
    tenure = [40.0, 20.0, 50.0, 5.0, 5.0, 50.0, 5.0, 5.0, 50.0, 5.0]
    vl = kamlib.value_loyalty(_book(_accounts(tenure)))
    assert vl.separates
    assert vl.grid.sum().to_dict() == {"loyal": 1, "potentially loyal": 1, "drifting": 5}
    assert APART not in vl.notes


def test_report_draws_no_win_back_headline_from_tenure_alone():
    b = _book(_accounts(YOUNG))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = kamlib.build_report(b, "X")
    words = []
    for s in [*r.sections, r.appendix]:
        for blk in s.blocks:
            if isinstance(blk, Text):
                words.append(blk.text)
            elif isinstance(blk, (Table, Figure)):
                words.append(blk.title)
    assert APART in words and NO_TYPES in words
    assert not any("drifting away" in w for w in words)
    assert not any(w.startswith("Most churn is") for w in words)
    assert r.metrics["churn_by_type"] == {
        "voluntary": None,
        "involuntary": None,
        "migration": None,
    }


def test_validate_and_coverage_say_tenure_alone_is_a_caveat():
    acc = _accounts(YOUNG)
    cov = kamlib.coverage(_book(acc)).table.set_index("key")
    assert cov.loc["value_loyalty", "can_fill"]
    assert cov.loc["value_loyalty", "caveat"].startswith("loyalty rests on tenure alone")
    line = next(x for x in kamlib.coverage(_book(acc)).lines() if "value × loyalty" in x)
    assert line.startswith("✓ value × loyalty (loyalty rests on tenure alone")
    # a second signal lifts the caveat
    sat = acc.assign(satisfaction=np.linspace(1, 5, 10))
    cov = kamlib.coverage(_book(sat)).table.set_index("key")
    assert cov.loc["value_loyalty", "can_fill"] and cov.loc["value_loyalty", "caveat"] == ""


# -- wording (finding 20) ----------------------------------------------------------------


def test_blank_and_not_known_causes_are_told_apart():
    notes = kamlib.cause_tree(_book(_accounts(YOUNG))).notes
    # c is blank, f is recorded as not known
    assert "1 churned account has no recorded cause." in notes
    assert "1 churned account's cause is recorded as not known." in notes
    with language("zh"):
        zh = kamlib.cause_tree(_book(_accounts(YOUNG))).notes
    assert "1个离网客户的流失原因记录为“不清楚”。" in zh


def test_a_missing_flag_is_named_as_a_flag():
    b = _book(_accounts(YOUNG))
    assert "The accounts table has no 'important' flag" in set(kamlib.data_quality(b).table["what"])
    with language("zh"):
        what = set(kamlib.data_quality(b).table["what"])
    assert "客户表中没有“重要大客户”标记" in what


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_new_sentences_have_their_translation(lang):
    with language(lang):
        ct = kamlib.churn_types(_book(_accounts(YOUNG)))
    if lang == "zh":
        assert ct.notes == ("数据中没有记录流失类型（主动流失、被动流失、公司内转移）。",)
    else:
        assert ct.notes == (NO_TYPES,)
