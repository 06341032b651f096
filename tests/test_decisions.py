"""The first screen: KPIs beside the operator, the earlier period and targets; the actions
for this month. Figures are recomputed here from the tables with pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kamlib
from kamlib._format import money, share

BRANCH = "Suzhou"


@pytest.fixture(scope="module")
def book(sample_book):
    return sample_book  # the sample, read once per session (conftest)


# -- targets ---------------------------------------------------------------------------
def test_targets_per_branch_override_all_and_missing_are_nan(book, tmp_path):
    f = tmp_path / "targets.yaml"
    f.write_text(
        "all: {churn_rate: 0.08, arpu: 900}\nbranches:\n  Suzhou: {arpu: 5000, revenue: 2.5e+7}\n",
        encoding="utf-8",
    )
    t = kamlib.kpis(book, BRANCH, targets=f).table
    assert t.loc["arpu", "target"] == 5000  # the branch's own, over all's 900
    assert t.loc["churn_rate", "target"] == 0.08  # from all
    assert t.loc["revenue", "target"] == 2.5e7
    assert t.loc[["profit", "margin", "satisfaction"], "target"].isna().all()
    assert t.loc[["profit", "margin", "satisfaction"], "versus_target"].isna().all()
    # ARPU (higher is better) below its target is worse; churn (lower is better) judged
    # the other way round
    assert t.loc["arpu", "branch"] < 5000 and t.loc["arpu", "versus_target"] == "worse"
    churn = t.loc["churn_rate", "branch"]
    assert t.loc["churn_rate", "versus_target"] == ("better" if churn <= 0.08 else "worse")
    other = kamlib.kpis(book, "Kunming", targets=f).table
    assert other.loc["arpu", "target"] == 900 and np.isnan(other.loc["revenue", "target"])
    # a target met exactly counts as met (better), in either direction
    exact = kamlib.kpis(
        book,
        BRANCH,
        targets={"all": {"arpu": float(t.loc["arpu", "branch"]), "churn_rate": float(churn)}},
    ).table
    assert set(exact.loc[["arpu", "churn_rate"], "versus_target"]) == {"better"}
    none = kamlib.kpis(book, BRANCH).table
    assert none["target"].isna().all() and none["versus_target"].isna().all()


def test_a_typo_in_the_targets_file_names_the_key_and_the_nearest(book, tmp_path):
    f = tmp_path / "targets.yaml"
    f.write_text("branches:\n  Suzhou: {churn_rat: 0.1}\n", encoding="utf-8")
    with pytest.raises(kamlib.ConfigError) as e:
        kamlib.kpis(book, BRANCH, targets=f)
    msg = str(e.value)
    assert str(f) in msg and "branches.Suzhou.churn_rat" in msg
    assert "did you mean churn_rate?" in msg and "key_account_churn_rate" in msg
    f.write_text("al: {arpu: 900}\n", encoding="utf-8")
    with pytest.raises(kamlib.ConfigError, match="did you mean all"):
        kamlib.kpis(book, BRANCH, targets=f)
    with pytest.raises(kamlib.ConfigError, match="must be a share"):
        kamlib.kpis(book, BRANCH, targets={"all": {"churn_rate": 8}})


# -- KPIs by hand ----------------------------------------------------------------------
def test_kpis_by_hand(book):
    t = kamlib.kpis(book, BRANCH).table
    assert list(t.index) == [
        "revenue",
        "revenue_growth",
        "arpu",
        "profit",
        "margin",
        "churn_rate",
        "key_account_churn_rate",
        "satisfaction",
    ]
    acc = book.accounts
    ids = set(acc.loc[acc["branch"] == BRANCH, "account_id"])
    bill = book.billing.assign(mine=book.billing["account_id"].isin(ids))
    mine = bill[bill["mine"]]
    assert t.loc["revenue", "branch"] == pytest.approx(mine["revenue"].sum())
    assert t.loc["revenue", "operator"] == pytest.approx(bill["revenue"].sum())
    # halves: Jul-Dec against Jan-Jun 2025
    late = mine[mine["month"] >= "2025-07-01"]["revenue"].sum()
    early = mine[mine["month"] < "2025-07-01"]["revenue"].sum()
    assert t.loc["revenue", "latest"] == pytest.approx(late)
    assert t.loc["revenue", "earlier"] == pytest.approx(early)
    assert t.loc["revenue", "change"] == pytest.approx(late - early)
    assert t.loc["revenue_growth", "branch"] == pytest.approx(late / early - 1)
    assert t.loc["revenue", "comparison"] == "Jul–Dec 2025 against Jan–Jun 2025"
    assert t.loc["revenue", "period"] == "Jan–Dec 2025"
    # ARPU: revenue per account-month billed
    arpu = mine["revenue"].sum() / mine.groupby(["account_id", "month"]).ngroups
    assert t.loc["arpu", "branch"] == pytest.approx(arpu)
    assert t.loc["arpu", "unit"] == "money_per_month"
    op_arpu = bill["revenue"].sum() / bill.groupby(["account_id", "month"]).ngroups
    assert t.loc["arpu", "versus_operator"] == ("better" if arpu > op_arpu else "worse")
    # churn over the window: churned / accounts not gone before it began
    b = acc[acc["branch"] == BRANCH]
    gone_before = (b["status"] == "churned") & (b["churn_date"] < "2025-01-01")
    n = int((~gone_before).sum())
    k = int(((b["status"] == "churned") & ~gone_before).sum())
    assert (t.loc["churn_rate", "accounts"], t.loc["churn_rate", "churned"]) == (n, k)
    assert t.loc["churn_rate", "branch"] == pytest.approx(k / n)
    # the latest half: customers at some time in Jul-Dec, lost in it
    gone = (b["status"] == "churned") & (b["churn_date"] < "2025-07-01")
    joined = b["join_date"].isna() | (b["join_date"] <= "2025-12-31")
    inside = joined & ~gone
    lost = inside & (b["status"] == "churned") & (b["churn_date"] >= "2025-07-01")
    assert t.loc["churn_rate", "latest"] == pytest.approx(lost.sum() / inside.sum())
    # satisfaction of the current customers
    assert t.loc["satisfaction", "branch"] == pytest.approx(
        b.loc[b["status"] != "churned", "satisfaction"].mean()
    )
    # profit and margin from the customer P&L; lower churn than the operator is better
    s = kamlib.customer_pnl(book.branch(BRANCH)).summary()["value"]
    assert t.loc["profit", "branch"] == pytest.approx(s["profit"])
    assert t.loc["margin", "branch"] == pytest.approx(s["margin"])
    op_rate = t.loc["churn_rate", "operator"]
    assert t.loc["churn_rate", "versus_operator"] == (
        "better" if t.loc["churn_rate", "branch"] < op_rate else "worse"
    )
    assert np.isnan(t.loc["revenue", "versus_operator"])  # a total: context, no verdict


def test_key_account_churn_under_the_minimum_gives_counts_not_a_rate():
    n = 12  # under churn.yaml's min_accounts (30)
    acc = pd.DataFrame(
        {
            "account_id": [f"k{i}" for i in range(n)] + [f"r{i}" for i in range(40)],
            "branch": "X",
            "customer_type": ["key_account"] * n + ["residential"] * 40,
            "status": ["churned"] * 3 + ["active"] * (n - 3) + ["churned"] * 4 + ["active"] * 36,
        }
    )
    book = kamlib.Book.from_frames(accounts=acc)
    k = kamlib.kpis(book, "X")
    t = k.table
    assert np.isnan(t.loc["key_account_churn_rate", "branch"])
    assert (
        t.loc["key_account_churn_rate", "accounts"],
        t.loc["key_account_churn_rate", "churned"],
    ) == (n, 3)
    assert t.loc["churn_rate", "branch"] == pytest.approx(7 / 52)
    assert any("3 of 12 accounts left" in s for s in k.notes)
    # no billing, no costs, no satisfaction: the rows stay, NaN, each said once
    assert t.loc[["revenue", "arpu", "profit", "satisfaction"], "branch"].isna().all()
    assert any("no costs" in s for s in k.notes) and any("satisfaction" in s for s in k.notes)


# -- actions ---------------------------------------------------------------------------
def test_actions_name_the_accounts_and_the_money_at_stake(book):
    a = kamlib.next_actions(book, BRANCH)
    t = a.table
    assert 3 <= len(t) <= 5
    assert list(t["rank"]) == list(range(1, len(t) + 1))
    assert (t["money_at_stake"].diff().dropna() <= 0).all()  # ranked by money
    assert {"retain_group", "fix_loss_maker", "churn_cause"} <= set(t["kind"])
    # a warned group: its revenue at risk from the usage table, recomputed here
    g = t[t["kind"] == "retain_group"].iloc[0]
    acc = book.accounts.set_index("account_id")
    gid = acc.index[acc["name"] == g["accounts"]][0]
    u = book.usage[book.usage["account_id"] == gid].sort_values("month")
    before = u.iloc[-6:-3]  # the 3 months before the last 3 (churn.yaml: window 3)
    stake = before["group_bill"].sum() / 3 * 12
    assert g["money_at_stake"] == pytest.approx(stake)
    assert g["accounts"] in g["action"] and money(stake, "CNY") in g["action"]
    after = u.iloc[-3:]
    rise = (
        after["forwarded_calls"].sum() / after["calls"].sum()
        - before["forwarded_calls"].sum() / before["calls"].sum()
    )
    assert rise >= 0.04  # the warning rule holds for the group named
    # loss-making accounts: their losses per year from the P&L, recomputed here
    pnl = kamlib.customer_pnl(book.branch(BRANCH)).table.set_index("name")
    for _, r in t[t["kind"] == "fix_loss_maker"].iterrows():
        names = r["accounts"].split(", ")
        loss = -pnl.loc[names, "profit"].sum()  # 12 billing months: a year
        assert r["money_at_stake"] == pytest.approx(loss)
        assert all(n in r["action"] for n in names) and money(loss, "CNY") in r["action"]
        assert (pnl.loc[names, "customer_type"] == "key_account").all()
    # the top controllable cause: lost accounts' monthly revenue x 12
    c = t[t["kind"] == "churn_cause"].iloc[0]
    b = book.branch(BRANCH)
    lost = b.accounts[(b.accounts["status"] == "churned") & (b.accounts["churn_cause"] == "price")]
    m = b.billing[b.billing["account_id"].isin(lost["account_id"])].groupby("account_id")
    monthly = (m["revenue"].sum() / m["month"].nunique()).sum()
    assert c["money_at_stake"] == pytest.approx(monthly * 12)
    assert "Unreasonable price" in c["action"] and money(monthly * 12, "CNY") in c["action"]
    assert t["assumption"].isna().all()  # measured, nothing assumed
    assert t["action"].str.len().gt(0).all() and not t["action"].str.contains("_").any()


def test_an_act_now_opportunity_says_its_assumption(book):
    b = book.branch(BRANCH)
    tiers = kamlib.value_tiers(b).assignment
    seg = str(tiers.dropna().iloc[0])
    own = pd.DataFrame(
        {"segment": [seg], "lever": ["cross-sell"], "size": [9e6], "probability": [0.9]}
    )
    opp = kamlib.opportunity_matrix(b, tiers, given=own)
    a = kamlib.next_actions(book, BRANCH, opportunities=opp).table
    p = a[a["kind"] == "priority"].iloc[0]
    assert p["rank"] == 1 and p["money_at_stake"] == 9e6
    assert money(9e6, "CNY") in p["action"]
    assert "team's own estimate" in p["assumption"] and share(0.9) in p["assumption"]
    from_data = kamlib.opportunity_matrix(b, tiers, rules={"opportunities": {"likely": 0.1}})
    a2 = kamlib.next_actions(book, BRANCH, opportunities=from_data).table
    p2 = a2[a2["kind"] == "priority"]
    assert len(p2) and p2["assumption"].str.contains("planning assumption").all()
    assert (p2["source"] == "opportunity_matrix").all()


def test_fewer_actions_with_a_note_when_the_data_do_not_allow_them(book):
    bare = kamlib.Book.from_frames(
        accounts=book.accounts, billing=book.billing, currency=book.currency, as_of=book.as_of
    )
    a = kamlib.next_actions(bare, BRANCH)
    assert "fix_loss_maker" not in set(a.table["kind"])
    assert "retain_group" not in set(a.table["kind"])
    assert any("no costs" in n.lower() for n in a.notes)
    assert any("usage" in n for n in a.notes)
    if len(a.table) < 3:
        assert a.notes[0].startswith("Only")


def test_the_example_targets_file_is_valid(book):
    from pathlib import Path

    example = Path(__file__).parents[1] / "docs" / "targets.example.yaml"
    t = kamlib.kpis(book, "Suzhou", targets=example).table
    assert t.loc["revenue", "target"] == 2.5e7 and t.loc["churn_rate", "target"] == 0.08


def test_the_kpi_picture_and_the_action_words_follow_the_language(book):
    """The KPI chart's text artists and the workbook's words for the actions are Chinese in
    a Chinese report (#17), English in an English one."""
    import warnings

    import matplotlib
    import matplotlib.pyplot as plt

    from kamlib._fonts import use_cjk_font
    from kamlib._i18n import language
    from tests.textcheck import data_names, figure_text, foreign

    for lang in ("zh", "en"):
        with language(lang), matplotlib.rc_context(), warnings.catch_warnings():
            use_cjk_font()  # as a report does; a glyph the font lacks fails the test
            warnings.filterwarnings("error", message=".*[Gg]lyph.*missing")
            k = kamlib.kpis(book, "Suzhou")
            fig, ax = plt.subplots()
            k.plot(ax=ax)
            fig.canvas.draw()  # the tick labels exist once drawn
            words = figure_text(fig)
            plt.close(fig)
            a = kamlib.next_actions(book, "Suzhou").readable()
            cells = [*a["kind"], *a["source"]]
        assert len(words) >= 3
        assert foreign(words + cells, lang, data_names(book)) == []
        if lang == "zh":
            assert "大客户离网率" in words and "针对流失原因采取行动" in cells
