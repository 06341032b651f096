"""The pictures and sentences of segmentation, profit, needs and opportunities in one
language per edition (issue #17): every text artist of every figure, and the notes and
readings, are Chinese in the Chinese edition and English in the English one (names from
the data and the allowed abbreviations apart)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

import kamlib
from kamlib import needs, opportunity, profit, segment
from kamlib._i18n import language
from tests.textcheck import data_names, figure_text, foreign


def _figures(book: kamlib.Book) -> dict[str, tuple[list[str], list[str]]]:
    """name -> (the figure's text, the result's notes and readings), built in the current
    language."""
    pnl = profit.customer_pnl(book)
    tiers = segment.value_tiers(book)
    ns = needs.NeedsSegments(seed=0).fit(book)
    segs = ns.labels_ if ns.labels_.notna().any() else tiers.assignment
    whale = profit.whale_curve(book, pnl=pnl)
    mix = segment.segment_mix(book, "customer_type")
    results = {
        "tiers": tiers,
        "customer_types": segment.customer_types(book),
        "lifecycle": segment.lifecycle_stage(book),
        "value_loyalty": segment.value_loyalty(book),
        "segment_mix": mix,
        "mix_test": mix.test,
        "waterfall": pnl,
        "lorenz": profit.concentration(book, pnl=pnl),
        "deciles": profit.decile_table(book, pnl=pnl),
        "whale": whale,
        "loss_makers": profit.profit_actions(book, pnl=pnl),
        "needs": ns,
        "priority_matrix": opportunity.opportunity_matrix(book, segs, pnl=pnl),
    }
    out = {}
    for name, result in results.items():
        fig, ax = plt.subplots(figsize=(8, 5))
        try:
            result.plot(ax=ax)
            fig.canvas.draw()
            text = figure_text(fig)
        finally:
            plt.close(fig)
        words = list(result.notes)
        for attr in ("reading",):
            if hasattr(result, attr):
                words.append(getattr(result, attr))
        out[name] = (text, words)
    fig, ax = plt.subplots()
    whale.plot(ax=ax, label=str(book.accounts["branch"].iloc[0]))
    out["whale_of_a_branch"] = (figure_text(fig), [])
    plt.close(fig)
    return out


def _tables(book: kamlib.Book) -> list[str]:
    """The text cells these analyses write (not the labels of codes: those are the label
    catalogue's)."""
    pnl = profit.customer_pnl(book)
    rules = profit.rules_of_thumb(book, pnl=pnl).table
    cells = [*rules.index, *rules["says"], *rules["holds"]]
    cells += list(pnl.model.assumptions()[["driver", "how"]].to_numpy().ravel())
    cells += list(segment.value_loyalty(book).strategy.to_numpy().ravel())
    tiers = segment.value_tiers(book).table
    cells += list(tiers["label"])
    ns = needs.NeedsSegments(seed=0).fit(book)
    cells += [*ns.table.index, *ns.table["fit"]]
    segs = ns.labels_ if ns.labels_.notna().any() else segment.value_tiers(book).assignment
    opps = opportunity.opportunity_matrix(book, segs, pnl=pnl).table
    cells += [*opps["basis"], *opps["note"]]
    cells += list(opportunity.segment_profile(book, segs, pnl=pnl).table["top_products"].dropna())
    return [c for c in cells if isinstance(c, str) and c.strip()]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_figure_note_and_sentence_is_in_the_edition_language(sample_book, lang):
    book = sample_book.branch("Hangzhou")
    names = data_names(book)
    with language(lang):
        figures = _figures(book)
        cells = _tables(book)
    for name, (text, words) in figures.items():
        assert text, name  # every figure says something
        assert not foreign(text, lang, names), (name, foreign(text, lang, names))
        assert not foreign(words, lang, names), (name, foreign(words, lang, names))
    assert not foreign(cells, lang, names), foreign(cells, lang, names)


def test_config_names_show_in_one_language(sample_book):
    book = sample_book.branch("Hangzhou")
    with language("en"):
        strategy = segment.value_loyalty(book).strategy.loc["high", "loyal"]
        drivers = profit.cost_model().assumptions()
    assert strategy == "Keep close: dedicated account manager, priority service"
    assert "中文" not in drivers and drivers.loc["field_visits", "driver"] == "Field visits"
    with language("zh"):
        strategy = segment.value_loyalty(book).strategy.loc["high", "loyal"]
        drivers = profit.cost_model().assumptions()
        seg = needs.NeedsSegments(seed=0, rules={"needs": {"min_stability": 1.0}}).fit(book)
    assert strategy == "重点维系：专属客户经理，优先服务"
    assert drivers.loc["field_visits", "driver"] == "上门服务"
    assert drivers.loc["field_visits", "how"] == "数量×每次上门450元"
    assert seg.structure_ == "weak" and list(seg.table.index[:2]) == ["细分群1", "细分群2"]


def test_rules_of_thumb_count_their_verdicts_in_any_language(sample_book):
    book = sample_book.branch("Hangzhou")
    with language("en"):
        en = profit.rules_of_thumb(book)
    with language("zh"):
        zh = profit.rules_of_thumb(book)
    # the verdicts are the same codes; the words differ
    assert en.verdicts.tolist() == zh.verdicts.tolist()
    assert en.summary().equals(zh.summary())
    assert set(zh.table["holds"]) <= {"是", "否"} and set(en.table["holds"]) <= {"yes", "no"}
    hold = int(en.summary().loc["hold", "value"])
    assert hold == int((en.table["holds"] == "yes").sum())


def test_a_plain_care_strategy_of_the_users_own_is_shown_as_written(sample_book):
    book = sample_book.branch("Hangzhou")
    own = {"en": "Serve efficiently", "zh": "高效服务"}
    rules = {
        "care_strategy": {
            "low": {"loyal": own, "potentially_loyal": own, "drifting": "Nur noch per Brief"}
        }
    }
    with language("zh"):
        vl = segment.value_loyalty(book, rules=rules)
    assert vl.strategy.loc["low", "drifting"] == "Nur noch per Brief"
    assert vl.strategy.loc["low", "loyal"] == "高效服务"
    assert vl.strategy.loc["high", "loyal"] == "重点维系：专属客户经理，优先服务"
