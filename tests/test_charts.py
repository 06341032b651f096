"""Charts a branch manager reads at a glance: money, shares and counts in words (no "1e6"),
the priority matrix numbered like its ranked list, no profit axis without costs."""

from __future__ import annotations

import re
import warnings

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import kamlib
from kamlib._charts import money_axis
from kamlib._i18n import language

from .test_contract import ANALYSES, BRANCH


def _no_costs(book: kamlib.Book) -> kamlib.Book:
    return kamlib.Book.from_frames(
        accounts=book.accounts,
        billing=book.table("billing"),
        currency=book.currency,
        as_of=book.as_of,
    )


def _drawn(result, **kw):
    fig, ax = plt.subplots(figsize=(8, 4.5))
    result.plot(ax=ax, **kw)
    fig.canvas.draw()
    return fig, ax


def _words(fig) -> list[str]:
    """Every axis label, tick label, legend entry and annotation of a figure."""
    out = []
    for a in fig.axes:
        out += [a.get_xlabel(), a.get_ylabel(), a.get_title()]
        out += [t.get_text() for t in a.get_xticklabels() + a.get_yticklabels()]
        out += [t.get_text() for t in a.texts]
        legend = a.get_legend()
        if legend is not None:
            out += [t.get_text() for t in legend.get_texts()] + [legend.get_title().get_text()]
    return [w for w in out if w]


def _every_plot(book):
    b = book.branch(BRANCH)
    for name, call in ANALYSES.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield name, {}, call(book, b)
    # the plots the notebooks draw with options
    yield "whale_curve, one of several", {"label": BRANCH}, kamlib.whale_curve(b)
    yield "concentration, one of several", {"label": BRANCH}, kamlib.concentration(b)


@pytest.mark.filterwarnings("ignore:Glyph")  # no CJK font needed to read tick texts
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_axis_shows_scientific_notation_or_an_offset(sample_book, lang):
    bad = []
    books = [("sample", sample_book), ("no costs", _no_costs(sample_book))]
    with language(lang):
        for where, book in books if lang == "en" else books[:1]:
            for name, kw, result in _every_plot(book):
                fig, _ = _drawn(result, **kw)
                try:
                    for a in fig.axes:
                        for axis in (a.xaxis, a.yaxis):
                            if axis.get_offset_text().get_text():
                                bad.append(f"{name} ({where}): offset {axis.get_offset_text()}")
                            for t in axis.get_ticklabels():
                                if re.search(r"e\+|1e|\$10\^", t.get_text()):
                                    bad.append(f"{name} ({where}): tick {t.get_text()!r}")
                finally:
                    plt.close(fig)
    assert not bad, "\n".join(bad)


def test_money_axes_are_written_in_the_currency(sample_book):
    b = sample_book.branch(BRANCH)
    for result in (kamlib.customer_pnl(b), kamlib.decile_table(b), kamlib.profit_actions(b)):
        fig, ax = _drawn(result)
        try:
            axis = ax.xaxis if isinstance(result, kamlib.profit.ProfitActions) else ax.yaxis
            ticks = [t.get_text() for t in axis.get_ticklabels() if t.get_text()]
            assert ticks and all(t.endswith(" CNY") for t in ticks), ticks
        finally:
            plt.close(fig)


@pytest.mark.filterwarnings("ignore:Glyph")
def test_money_ticks_stay_distinct_and_keep_a_plain_minus():
    fig, ax = plt.subplots()
    try:
        ax.set_ylim(1_000_000, 1_300_000)  # 50 k steps would print "1 M" and "1.1 M" twice
        money_axis(ax, "CNY")
        fig.canvas.draw()
        ticks = [t.get_text() for t in ax.get_yticklabels()]
        assert len(ticks) >= 2 and len(set(ticks)) == len(ticks), ticks
        with language("zh"), matplotlib.rc_context({"axes.unicode_minus": False}):
            ax.set_ylim(-2_000_000, 1_000_000)
            fig.canvas.draw()
            ticks = [t.get_text() for t in ax.get_yticklabels()]
        assert "-200万元" in ticks and "0元" in ticks, ticks
    finally:
        plt.close(fig)


def test_the_priority_matrix_numbers_its_points_by_rank(sample_book):
    b = sample_book.branch(BRANCH)
    segments = b.accounts.set_index("account_id")["customer_type"]
    opps = kamlib.opportunity_matrix(b, segments)
    ranked = opps.ranked()
    # rank is 1, 2, 3... in the order of the list: act now first, then by expected gain
    assert ranked["rank"].tolist() == list(range(1, len(ranked) + 1))
    order = {q: i for i, q in enumerate(kamlib.opportunity.QUADRANTS.values())}
    keys = list(zip(ranked["priority"].map(order), -ranked["expected"].astype(float), strict=True))
    assert keys == sorted(keys)
    fig, ax = _drawn(opps)
    try:
        quadrants = {"act now", "plan the attack", "wait for the chance", "shelve"}
        labels = [t for t in ax.texts if t.get_text() not in quadrants]
        drawn = ranked[ranked["size"].astype(float) > 0].set_index("rank")
        seen = []
        for t in labels:
            numbers = [int(n) for n in t.get_text().split(", ")]  # only numbers on the chart
            seen += numbers
            # the label sits at its first point's size and probability
            x, y = t.xy
            first = drawn.loc[numbers[0]]
            assert np.isclose(x, float(first["size"])) and np.isclose(y, first["probability"])
        assert sorted(seen) == sorted(drawn.index), (seen, list(drawn.index))
        assert not any(str(s) in " ".join(t.get_text() for t in labels) for s in segments.unique())
    finally:
        plt.close(fig)


def test_no_profit_or_cost_words_on_charts_without_costs(sample_book):
    book = _no_costs(sample_book)
    bad = []
    for name, kw, result in _every_plot(book):
        fig, ax = _drawn(result, **kw)
        try:
            if not ax.axison:  # an empty panel that says why: its sentence may name profit
                continue
            for w in _words(fig):
                if re.search(r"profit|cost to serve|P&L", w, re.I):
                    bad.append(f"{name}: {w!r}")
        finally:
            plt.close(fig)
    assert not bad, "\n".join(bad)
    fig, ax = _drawn(kamlib.decile_table(book.branch(BRANCH)))
    try:
        assert ax.get_ylabel() == "Revenue" and ax.get_legend() is None
    finally:
        plt.close(fig)


def test_count_axes_have_whole_number_ticks(sample_book):
    acc = sample_book.branch(BRANCH).accounts
    churned = acc[acc["status"] == "churned"].head(2)  # two churners: 0.25-steps by default
    small = kamlib.Book.from_frames(accounts=churned, currency=sample_book.currency)
    for result, axis in (
        (kamlib.cause_tree(small), "x"),
        (kamlib.lifecycle_stage(small), "y"),
        (kamlib.customer_types(small), "x"),
        (kamlib.churn_types(small), "x"),
    ):
        fig, ax = _drawn(result)
        try:
            a = ax.xaxis if axis == "x" else ax.yaxis
            ticks = [t.get_text() for t in a.get_ticklabels() if t.get_text()]
            assert ticks and all(re.fullmatch(r"[\d,]+", t) for t in ticks), (result, ticks)
        finally:
            plt.close(fig)


def test_share_axes_are_percentages(sample_book):
    b = sample_book.branch(BRANCH)
    for result, axis in (
        (kamlib.value_tiers(b), "y"),
        (kamlib.churn_rates(b, by="customer_type"), "x"),
        (kamlib.concentration(b), "y"),
        (kamlib.whale_curve(b), "y"),
        (kamlib.retention_curves(b), "y"),
    ):
        fig, ax = _drawn(result)
        try:
            a = ax.xaxis if axis == "x" else ax.yaxis
            ticks = [t.get_text() for t in a.get_ticklabels() if t.get_text()]
            assert ticks and all(t.endswith("%") for t in ticks), (type(result).__name__, ticks)
        finally:
            plt.close(fig)


@pytest.mark.filterwarnings("ignore:Glyph")
def test_chart_words_follow_the_current_language(sample_book):
    import inspect

    b = sample_book.branch(BRANCH)
    tiers = kamlib.value_tiers(b)
    assert "lang" not in inspect.signature(tiers.plot).parameters
    with language("zh"):
        fig, ax = _drawn(tiers)
    try:
        names = [t.get_text() for t in ax.get_xticklabels()]
        assert names == tiers.table["label_zh"].tolist()
    finally:
        plt.close(fig)


def test_plots_set_no_title(sample_book):
    """The report builder titles each chart with its finding; a plot method sets none."""
    titled = []
    for name, kw, result in _every_plot(sample_book):
        if name in ("cause_association", "cumulative_incidence"):  # owned elsewhere (#15)
            continue
        fig, ax = _drawn(result, **kw)
        try:
            if ax.get_title():
                titled.append(f"{name}: {ax.get_title()!r}")
        finally:
            plt.close(fig)
    assert not titled, "\n".join(titled)


def test_labels_of_the_data_stay_as_typed(sample_book):
    """A name with "$" in it is not read as mathematics on the loss chart."""
    b = sample_book.branch(BRANCH)
    actions = kamlib.profit_actions(b, top=2)
    t = actions.table.copy()
    t["name"] = ["A$1 Co.", "B$2 Co."]
    fig, ax = _drawn(kamlib.profit.ProfitActions(t, pd.DataFrame(), (), "CNY"))
    try:
        assert [x.get_text() for x in ax.get_yticklabels()] == [r"A\$1 Co.", r"B\$2 Co."]
    finally:
        plt.close(fig)


def test_a_curve_over_many_accounts_is_drawn_through_fewer_points_and_says_so():
    """A branch of 400,000 accounts draws its whale and Lorenz curves through at most
    CURVE_POINTS points (the ends and the peak kept), and the legend says so; a small
    branch draws every point."""
    import matplotlib.pyplot as plt

    from kamlib._charts import CURVE_POINTS

    rng = np.random.default_rng(4)
    n = 30_000
    acc = pd.DataFrame(
        {
            "account_id": [f"A{i}" for i in range(n)],
            "branch": "Suzhou",
            "status": "active",
            "monthly_revenue": rng.lognormal(5, 1, n),
        }
    )
    book = kamlib.Book.from_frames(accounts=acc)
    c = kamlib.concentration(book)
    fig, ax = plt.subplots()
    c.plot(ax=ax)
    line = ax.get_lines()[0]
    assert len(line.get_xdata()) <= CURVE_POINTS + 1
    assert "drawn through" in line.get_label() and f"{len(c.table):,}" in line.get_label()
    # the thinned curve lies on the full one: every kept point is one of the table's
    full = c.table.set_index("accounts_share")["value_share"]
    np.testing.assert_allclose(full.loc[line.get_xdata()].to_numpy(), line.get_ydata())
    plt.close(fig)
    small = kamlib.concentration(book.select(np.arange(n) < 500))
    fig, ax = plt.subplots()
    small.plot(ax=ax)
    assert "drawn through" not in ax.get_lines()[0].get_label()
    plt.close(fig)
