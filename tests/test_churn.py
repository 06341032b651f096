"""Churn statistics pinned against independent computations (by hand, scipy)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency

import kamlib
from kamlib import churn as C
from kamlib._i18n import language


def _book(rows: list[tuple[str, str, str | None]], n_active: dict[str, int]):
    """Accounts: churners (segment, status, cause) plus active accounts per segment."""
    acc = [
        {
            "account_id": f"c{i}",
            "branch": "X",
            "customer_type": seg,
            "status": "churned",
            "churn_type": "voluntary",
            "churn_cause": cause,
        }
        for i, (seg, _, cause) in enumerate(rows)
    ]
    k = 0
    for seg, n in n_active.items():
        for _ in range(n):
            acc.append(
                {"account_id": f"a{k}", "branch": "X", "customer_type": seg, "status": "active"}
            )
            k += 1
    return kamlib.Book.from_frames(accounts=pd.DataFrame(acc))


def hand_wilson(k: int, n: int, z: float = 1.959963984540054):
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def test_wilson_matches_hand_formula():
    lo, hi = C.wilson_interval(np.array([3, 0, 50]), np.array([40, 10, 50]))
    for i, (k, n) in enumerate([(3, 40), (0, 10), (50, 50)]):
        h = hand_wilson(k, n)
        assert lo[i] == pytest.approx(h[0]) and hi[i] == pytest.approx(h[1])


def test_rates_counts_only_below_minimum():
    book = _book([("residential", "churned", "price")] * 3, {"residential": 10})
    r = C.churn_rates(book, by=None).table
    assert r["churned"].iloc[0] == 3 and r["accounts"].iloc[0] == 13
    assert np.isnan(r["rate"].iloc[0]) and not r["reliable"].iloc[0]
    r2 = C.churn_rates(book, by=None, min_accounts=5).table
    assert r2["rate"].iloc[0] == pytest.approx(3 / 13)
    assert r2["ci_low"].iloc[0] == pytest.approx(hand_wilson(3, 13)[0])


def test_no_churners_and_all_churned_are_clear():
    none = _book([], {"business": 40})
    assert C.churn_rates(none, by=None).table["rate"].iloc[0] == 0
    assert C.cause_tree(none).table.empty
    a = C.cause_association(none)
    assert not a.testable and any("no account churned" in n for n in a.notes)
    d = C.churn_drivers(none)
    assert any("not fitted" in n for n in d.notes) and d.fit_ is None and d.table.empty
    everyone = _book([("business", "churned", "price")] * 40, {})
    assert C.churn_rates(everyone, by=None).table["rate"].iloc[0] == 1.0
    d = C.churn_drivers(everyone)
    assert any("not fitted" in n for n in d.notes) and d.fit_ is None and d.table.empty


def test_untestable_association_still_plots():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    acc = pd.DataFrame(
        {
            "account_id": [f"a{i}" for i in range(40)],
            "branch": "X",
            "status": ["churned"] * 25 + ["active"] * 15,
            "churn_cause": "price",
        }
    )
    a = C.cause_association(kamlib.Book.from_frames(accounts=acc))  # no customer_type
    assert not a.testable and any("the data have no customer type" in n for n in a.notes)
    ax = a.plot(ax=plt.figure().gca())
    assert "no customer type" in ax.texts[0].get_text()
    plt.close("all")


def test_one_segment_is_not_tested():
    book = _book([("business", "churned", "price")] * 30, {"business": 5})
    a = C.cause_association(book)
    assert not a.testable and any("one cause or one customer type" in n for n in a.notes)


def test_chi_square_residuals_and_cramers_v_match_scipy():
    # 2 segments x 3 cause groups, counts chosen by hand
    counts = {
        ("residential", "price"): 30,
        ("residential", "service"): 10,
        ("residential", "competitor_offering"): 5,
        ("key_account", "price"): 4,
        ("key_account", "service"): 8,
        ("key_account", "competitor_offering"): 12,
    }
    rows = [(seg, "churned", cause) for (seg, cause), n in counts.items() for _ in range(n)]
    book = _book(rows, {"residential": 100, "key_account": 20})
    a = C.cause_association(book, by="customer_type", level="churn_cause")
    obs = a.observed.to_numpy()
    chi2, p, dof, exp = chi2_contingency(obs, correction=False)
    assert a.chi2 == pytest.approx(chi2) and a.pvalue == pytest.approx(p) and a.dof == dof
    n = obs.sum()
    assert (exp >= 5).all() and a.method == "chi-square"  # no permutation needed here
    # bias-corrected V (Bergsma 2013), by hand: 3 causes x 2 segments
    k, r = 3, 2
    phi2 = max(0.0, chi2 / n - (k - 1) * (r - 1) / (n - 1))
    v = math.sqrt(phi2 / min(k - (k - 1) ** 2 / (n - 1) - 1, r - (r - 1) ** 2 / (n - 1) - 1))
    assert a.cramers_v == pytest.approx(v)
    # adjusted residual: (o - e) / sqrt(e (1 - row/n) (1 - col/n))
    r, c = obs.sum(axis=1, keepdims=True), obs.sum(axis=0, keepdims=True)
    adj = (obs - exp) / np.sqrt(exp * (1 - r / n) * (1 - c / n))
    np.testing.assert_allclose(a.residuals.to_numpy(), adj)
    assert a.low_expected == int((exp < 5).sum())
    top = a.standouts.iloc[0]
    assert abs(top["residual"]) == pytest.approx(np.abs(adj).max())
    assert "real (p < 0.05)" in a.reading
    s = a.summary()["value"]
    assert s["chi2"] == pytest.approx(chi2) and s["p_value"] == pytest.approx(p)
    assert s["dof"] == dof and s["cramers_v"] == pytest.approx(a.cramers_v) and s["n"] == n
    assert s["cells_expecting_under_5"] == int((exp < 5).sum())


def test_cause_outside_the_taxonomy_is_unclassified_and_missing_cause_is_unknown():
    # a reason in the data's own words is a warning, shown as itself under unclassified
    book = _book([("business", "churned", "aliens")] * 2 + [("business", "churned", "price")], {})
    note = next(i for i in book.notes if i.rule == "unclassified-cause")
    assert note.severity == "warning" and note.count == 2 and '"aliens"' in note.message
    tree = C.cause_tree(book).table
    assert tree.loc[("unclassified", "aliens"), "accounts"] == 2
    assert tree.loc[("unclassified", "aliens"), "cause"] == "aliens"
    assert tree.loc[("internal", "price"), "accounts"] == 1
    assert book.accounts["churn_cause_group"].tolist() == ["unclassified"] * 2 + ["internal"]
    book = _book([("business", "churned", None)], {"business": 1})
    tree = C.cause_tree(book)
    assert tree.table.index.tolist() == [("unknown", "unknown")]


def test_migration_arpu_change_by_hand():
    acc = pd.DataFrame(
        {
            "account_id": ["m"],
            "branch": "X",
            "status": "active",
            "churn_type": "migration",
            "churn_date": "2025-03-15",
        }
    )
    bill = pd.DataFrame(
        {
            "account_id": "m",
            "month": ["2025-01", "2025-02", "2025-03", "2025-04"],
            "product": "p",
            "revenue": [100.0, 100.0, 60.0, 40.0],
        }
    )
    t = C.churn_types(kamlib.Book.from_frames(accounts=acc, billing=bill))
    assert t.table.loc["migration", "arpu_change"] == pytest.approx(50 - 100)  # after: (60+40)/2


def test_funnel_by_hand():
    acc = pd.DataFrame({"account_id": list("abcd"), "branch": "X", "status": "active"})
    con = pd.DataFrame(
        {
            "account_id": list("abcd"),
            "warning_date": "2025-05-01",
            "reached": [True, True, True, False],
            "intent_to_leave": [True, True, False, False],
            "retained": [True, False, False, False],
        }
    )
    f = C.retention_funnel(kamlib.Book.from_frames(accounts=acc, contacts=con)).table.iloc[0]
    assert (f["warned"], f["reached"], f["intent_to_leave"], f["retained"]) == (4, 3, 2, 1)
    assert f["intent_of_reached"] == pytest.approx(2 / 3) and f["retained_of_warned"] == 0.25


def test_sample_planted_patterns_are_found(sample_book):
    op = kamlib.synth(2000, seed=7)
    w = C.group_warnings(sample_book).table
    flagged = set(w.index[w["warning"]])
    truth = op.truth
    clear = set(truth.loc[truth["episode"] & ~truth["weak"], "account_id"])
    noise = set(truth.loc[~truth["episode"], "account_id"])
    # episodes with clear signals are found; a false alarm is one of the noisy groups
    assert len(flagged & clear) / len(clear) >= 0.8, (flagged & clear, clear)
    assert flagged - clear <= noise | set(truth.loc[truth["weak"], "account_id"])
    tree = C.cause_tree(sample_book, by="customer_type").table
    res = tree["residential"].groupby(level="churn_cause").sum()
    price_led = res[["price", "competitor_price", "price_sensitivity"]].sum()
    assert price_led / res.sum() > 0.4 and res.idxmax() in ("price", "competitor_price")
    key = tree["key_account"].groupby(level="churn_cause").sum()
    relational = (
        key.reindex(
            ["offering", "relationship", "decision_maker", "staff_turnover", "competitor_offering"]
        )
        .fillna(0)
        .sum()
    )
    assert relational > key.reindex(["price", "competitor_price"]).fillna(0).sum()


def test_maven_churn_tables_match_pandas(maven_csv, maven_book):
    raw = pd.read_csv(maven_csv)
    churned = raw[raw["Customer Status"] == "Churned"]
    assert len(churned) == 1869
    cats = churned["Churn Category"].value_counts().to_dict()
    assert cats == {
        "Competitor": 841,
        "Dissatisfaction": 321,
        "Attitude": 314,
        "Price": 211,
        "Other": 182,
    }
    r = C.churn_rates(maven_book, by="branch").table
    sd = r.loc["San Diego"]
    n, k = int((raw["City"] == "San Diego").sum()), int((churned["City"] == "San Diego").sum())
    assert (sd["accounts"], sd["churned"]) == (n, k)
    overall = len(churned) / len(raw)
    lo, hi = hand_wilson(k, n)
    assert sd["ci_low"] == pytest.approx(lo) and sd["ci_low"] > overall  # stands out
    small = r[r["accounts"] < C.churn_rules()["min_accounts"]]
    assert small["rate"].isna().all()  # 1,100 tiny cities get counts, not rates


def test_inputs_not_mutated(sample_book):
    before = sample_book.accounts.copy()
    C.churn_rates(sample_book), C.cause_tree(sample_book), C.cause_association(sample_book)
    pd.testing.assert_frame_equal(sample_book.accounts, before)


def test_churn_by_period_by_hand():
    acc = pd.DataFrame(
        {
            "account_id": ["a", "b", "c", "d", "e"],
            "branch": "X",
            "status": ["churned", "churned", "active", "active", "churned"],
            "join_date": ["2020-01-01", "2020-01-01", "2020-01-01", "2024-02-15", "2020-01-01"],
            "churn_date": ["2024-01-10", "2024-02-20", None, None, "2024-03-31"],
        }
    )
    bill = pd.DataFrame(
        {
            "account_id": "c",
            "month": ["2024-01", "2024-02", "2024-03"],
            "product": "m",
            "revenue": 1.0,
        }
    )
    b = kamlib.Book.from_frames(accounts=acc, billing=bill)
    r = kamlib.churn_by_period(b, min_accounts=1).table
    got = r.reset_index("group", drop=True)[["accounts", "churned"]]
    # Jan: a b c e in (d joins in Feb), a lost; Feb: b c d e, b lost; Mar: c d e, e lost
    assert got.to_dict("index") == {
        "Jan 2024": {"accounts": 4, "churned": 1},
        "Feb 2024": {"accounts": 4, "churned": 1},
        "Mar 2024": {"accounts": 3, "churned": 1},
    }
    lo, hi = C.wilson_interval(1, 3)
    assert r["ci_low"].iloc[2] == pytest.approx(lo) and r["rate"].iloc[2] == pytest.approx(1 / 3)
    q = kamlib.churn_by_period(b, freq="Q", min_accounts=1).table
    assert q["accounts"].tolist() == [5] and q["churned"].tolist() == [3]
    # small groups: counts, no rate
    assert kamlib.churn_by_period(b).table["rate"].isna().all()
    none = kamlib.churn_by_period(
        kamlib.Book.from_frames(accounts=acc.drop(columns="churn_date").assign(status="active"))
    )
    assert none.table.empty and any("no churn dates" in n for n in none.notes)
    with language("zh"):  # periods as a Chinese reader writes them
        zh = kamlib.churn_by_period(b, min_accounts=1).table
        assert zh.index.get_level_values("period").tolist() == [
            "2024年1月",
            "2024年2月",
            "2024年3月",
        ]
        quarter = kamlib.churn_by_period(b, freq="Q", min_accounts=1).table
        assert quarter.index.get_level_values("period").tolist() == ["2024年第1季度"]


def test_aalen_johansen_matches_statsmodels_and_handles_entry():
    from statsmodels.duration.survfunc import CumIncidenceRight, SurvfuncRight

    rng = np.random.default_rng(3)
    t = rng.integers(1, 40, 300).astype(float)
    cause = rng.integers(0, 3, 300)
    times, inc = C.aalen_johansen(t, cause)
    ref = CumIncidenceRight(t, cause)
    assert np.allclose(ref.times, times) and np.allclose(ref.cinc[0], inc[0])
    assert np.allclose(ref.cinc[1], inc[1])
    # with delayed entry and one cause, 1 - incidence is the Kaplan-Meier with entry
    entry = np.minimum(rng.uniform(0, 20, 300), t - 0.5).clip(0)
    one = (cause > 0).astype(int)
    times, inc = C.aalen_johansen(t, one, entry)
    km = SurvfuncRight(t, one, entry=entry)
    assert np.allclose(km.surv_times, times) and np.allclose(km.surv_prob, 1 - inc[0])


def test_churn_pictures_return_axes_and_survive_empty(sample_book):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    analyses = (
        kamlib.cause_tree,
        kamlib.churn_by_period,
        kamlib.retention_curves,
        kamlib.cumulative_incidence,
        kamlib.retention_funnel,
    )
    b = sample_book.branch("Suzhou")
    fig, axes = plt.subplots(3, 5)
    for i, f in enumerate(analyses):
        assert f(b).plot(ax=axes[0, i]) is axes[0, i]
    assert len(axes[0, 4].patches) == 4  # the funnel: one bar per step
    # empty results: a Book with one active account and no churn, dates, tenure or contacts
    empty = kamlib.Book.from_frames(
        accounts=pd.DataFrame({"account_id": ["a"], "branch": "X", "status": "active"})
    )
    for i, f in enumerate(analyses):
        r = f(empty)
        assert r.table.empty
        ax = r.plot(ax=axes[1, i])
        assert ax is axes[1, i] and ax.texts  # an empty panel that says why
    # and results built on a bare empty frame
    for i, cls in enumerate(
        (C.CauseTree, C.ChurnByPeriod, C.RetentionCurves, C.CumulativeIncidence, C.RetentionFunnel)
    ):
        assert cls(pd.DataFrame()).plot(ax=axes[2, i]) is axes[2, i]
    plt.close(fig)


def test_retention_curves_without_the_group_column_and_zero_tenure():
    acc = pd.DataFrame(
        {
            "account_id": [f"a{i}" for i in range(40)],
            "branch": "X",
            "status": ["churned"] * 10 + ["active"] * 30,
            "tenure_months": [0.0, *range(1, 40)],  # one account with no time at risk
        }
    )
    # followed from long before anyone joined: every account is seen from tenure 0
    book = kamlib.Book.from_frames(accounts=acc, observed_from="1990-01-01", as_of="2025-12-31")
    r = kamlib.retention_curves(book).table
    assert set(r["group"]) == {"all"} and r["accounts"].iloc[0] == 39


def test_too_few_churners_still_give_their_counts():
    book = _book(
        [("business", "churned", "price")] * 3 + [("residential", "churned", "service")] * 2, {}
    )
    a = C.cause_association(book)
    assert not a.testable and any("only 5 churners" in n for n in a.notes)
    assert int(a.observed.to_numpy().sum()) == 5 and a.observed.shape == (1, 2)


def test_a_branch_whose_accounts_all_left_before_the_period_has_no_rate():
    """Found by the property test: such a branch has nobody in the churn denominator."""
    acc = pd.DataFrame(
        {
            "account_id": ["a0", "a1", "a2"],
            "branch": ["X", "X", "Y"],
            "status": ["active", "active", "churned"],
            "churn_date": [None, None, "2024-03-15"],
            "churn_type": [None, None, "voluntary"],
        }
    )
    bill = pd.DataFrame(
        {
            "account_id": ["a0", "a1", "a2"],
            "month": ["2024-04"] * 3,
            "revenue": [5.0, 7.0, 0.0],
            "product": "mobile",
        }
    )
    y = kamlib.Book.from_frames(accounts=acc, billing=bill).for_branch("Y")
    assert kamlib.churn_rates(y, by=None).table.empty
    m = kamlib.branch_metrics(y, "Y")
    assert m["churn_rate"] is None and m["churn_rate_ci"] is None
