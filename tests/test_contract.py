"""One result contract for every analysis in ``kamlib.__all__``.

Every analysis takes a Book first and returns a :class:`kamlib.Result`: a tidy ``table``
with snake_case columns that the label catalogue knows, ``notes`` as a tuple of
sentences, ``summary()`` as a small figure/value frame, and ``plot(ax=)`` returning the
Axes. Checked on a sample branch and on the same branch missing each optional table.
"""

from __future__ import annotations

import re
import warnings

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import kamlib
from kamlib._labels import has_label
from kamlib._schema import OPTIONAL_TABLES

BRANCH = "Suzhou"


def _segments(b: kamlib.Book) -> pd.Series:
    return b.accounts.set_index("account_id")["customer_type"]


# every analysis of __all__ and how to call it on a branch (``b``) of ``book``
ANALYSES = {
    "value_tiers": lambda book, b: kamlib.value_tiers(b),
    "customer_types": lambda book, b: kamlib.customer_types(b),
    "lifecycle_stage": lambda book, b: kamlib.lifecycle_stage(b),
    "value_loyalty": lambda book, b: kamlib.value_loyalty(b),
    "segment_mix": lambda book, b: kamlib.segment_mix(book, "customer_type"),
    "segment_profile": lambda book, b: kamlib.segment_profile(b, _segments(b)),
    "segment_targets": lambda book, b: kamlib.segment_targets(b, _segments(b)),
    "opportunity_matrix": lambda book, b: kamlib.opportunity_matrix(b, _segments(b)),
    "customer_pnl": lambda book, b: kamlib.customer_pnl(b),
    "concentration": lambda book, b: kamlib.concentration(b),
    "decile_table": lambda book, b: kamlib.decile_table(b),
    "whale_curve": lambda book, b: kamlib.whale_curve(b),
    "profit_groups": lambda book, b: kamlib.profit_groups(b),
    "rules_of_thumb": lambda book, b: kamlib.rules_of_thumb(b),
    "profit_actions": lambda book, b: kamlib.profit_actions(b),
    "churn_rates": lambda book, b: kamlib.churn_rates(b, by="customer_type"),
    "churn_by_period": lambda book, b: kamlib.churn_by_period(b, freq="Q"),
    "churn_types": lambda book, b: kamlib.churn_types(b),
    "cause_tree": lambda book, b: kamlib.cause_tree(b),
    "cause_association": lambda book, b: kamlib.cause_association(b),
    "churn_drivers": lambda book, b: kamlib.churn_drivers(book),
    "ChurnDrivers": lambda book, b: kamlib.ChurnDrivers().fit(book),
    "NeedsSegments": lambda book, b: kamlib.NeedsSegments(seed=0).fit(b),
    "retention_curves": lambda book, b: kamlib.retention_curves(b),
    "cumulative_incidence": lambda book, b: kamlib.cumulative_incidence(b),
    "group_warnings": lambda book, b: kamlib.group_warnings(b),
    "retention_funnel": lambda book, b: kamlib.retention_funnel(b),
    "retention_economics": lambda book, b: kamlib.retention_economics(b),
    "key_figures": lambda book, b: kamlib.key_figures(book, BRANCH),
    "data_quality": lambda book, b: kamlib.data_quality(b),
    "coverage": lambda book, b: kamlib.coverage(b),
    "league_table": lambda book, b: kamlib.league_table(book),
    "kpis": lambda book, b: kamlib.kpis(book, BRANCH),
    "next_actions": lambda book, b: kamlib.next_actions(book, BRANCH),
    "account_plans": lambda book, b: kamlib.account_plans(b),
    "contract_payback": lambda book, b: kamlib.contract_payback(b),
    "discount_control": lambda book, b: kamlib.discount_control(b),
    "white_space": lambda book, b: kamlib.white_space(b),
    "sales_potential": lambda book, b: kamlib.sales_potential(b),
    "key_account_list": lambda book, b: kamlib.key_account_list(b),
    "service_levels": lambda book, b: kamlib.service_levels(b),
    "account_managers": lambda book, b: kamlib.account_managers(b),
    "manager_departures": lambda book, b: kamlib.manager_departures(b),
    "scenario": lambda book, b: kamlib.scenario(
        b,
        retention_points=5,
        price_change=0.05,
        segment="business",
        drop="loss_makers",
        move={"from": "gold", "to": "crystal"},
    ),
    "scenarios": lambda book, b: kamlib.scenarios(b),
    "churn_risk": lambda book, b: kamlib.churn_risk(book),
    "ChurnRisk": lambda book, b: kamlib.ChurnRisk().fit(book),
    "clv": lambda book, b: kamlib.clv(b),
    "service_promises": lambda book, b: kamlib.service_promises(b),
    "complaint_rate": lambda book, b: kamlib.complaint_rate(b),
    "satisfaction_trend": lambda book, b: kamlib.satisfaction_trend(b),
    "service_churn": lambda book, b: kamlib.service_churn(b),
}

# everything else in __all__, by what it is (a new public name must be put somewhere)
NOT_ANALYSES = {
    "modules": {
        "churn",
        "decisions",
        "needs",
        "opportunity",
        "profit",
        "report",
        "scale",
        "segment",
        "lifetime",
        "plans",
        "deals",
        "potential",
        "managers",
        "key_accounts",
        "service",
        "watchlist",
        "customer_value",
    },
    "types": {
        "Book",
        "Result",
        "SampleOperator",
        "Issue",
        "ValidationReport",
        "ReportTables",
        "AccountPlans",
        "ContractPayback",
        "DiscountControl",
        "SalesPotential",
        "WhiteSpace",
        "AccountManagers",
        "ManagerDepartures",
        "KeyAccountList",
        "ServiceLevels",
        "Scenario",
        "Scenarios",
        "CustomerValue",
        "ServicePromises",
        "ComplaintRate",
        "SatisfactionTrend",
        "ServiceChurn",
        "WatchList",
    },
    # models fitted on plain counts, not on a Book (kamlib.lifetime)
    "count models": {"fit_sbg", "SBGFit"},
    "errors": {"ConfigError", "DataError", "KamlibError"},
    "settings": {"cost_model", "tier_scheme", "segment_rules", "cause_taxonomy", "config_path"},
    "data in and out": {
        "load",
        "prepare",
        "write_book",
        "aggregate",
        "synth",
        "sample_path",
        "write_workbook",
        "write_metrics",
        "write_plans",
        "data_model_markdown",
        "draft_mapping",
    },
    "reports": {
        "build_report",
        "BranchReport",
        "branch_metrics",
        "run_reports",
        "setup_notebook",
        "say",
        "label",
        "labelled",
    },
}

SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")


def test_every_public_name_is_classified():
    others = set().union(*NOT_ANALYSES.values())
    unknown = set(kamlib.__all__) - set(ANALYSES) - others
    assert not unknown, f"classify these in tests/test_contract.py: {sorted(unknown)}"
    assert not (set(ANALYSES) - set(kamlib.__all__)), "an analysis here is not public"


def _books(sample_book):
    """The sample, then the sample without each optional table (one at a time, and all)."""
    yield "sample", sample_book
    tables = {t: sample_book.table(t) for t in OPTIONAL_TABLES if sample_book.has(t)}
    for drop in [*tables, "all"]:
        kept = {t: df for t, df in tables.items() if drop not in (t, "all")}
        yield (
            f"without {drop}",
            kamlib.Book.from_frames(
                accounts=sample_book.accounts,
                currency=sample_book.currency,
                as_of=sample_book.as_of,
                **kept,
            ),
        )


def _check(name: str, result, where: str) -> None:
    what = f"{name} ({where})"
    assert isinstance(result, kamlib.Result), f"{what} returns {type(result).__name__}"
    t = result.table
    assert isinstance(t, pd.DataFrame), f"{what}: .table is {type(t).__name__}"
    crossed = name == "segment_mix"  # columns are the data's own segment values
    for col in [] if crossed else list(t.columns):
        assert isinstance(col, str) and SNAKE.match(col), f"{what}: column {col!r} not snake_case"
        assert has_label(col), f"{what}: column {col!r} has no label in kamlib._labels"
    for n in t.index.names:
        assert n is None or (SNAKE.match(n) and has_label(n)), f"{what}: index name {n!r}"
    notes = result.notes
    assert isinstance(notes, tuple) and all(isinstance(s, str) and s for s in notes), what
    s = result.summary()
    assert isinstance(s, pd.DataFrame) and list(s.columns) == ["value"], f"{what}: summary"
    for key in s.index:
        assert SNAKE.match(str(key)), f"{what}: summary figure {key!r} not snake_case"
        assert has_label(key), f"{what}: summary figure {key!r} has no label"
    fig, ax = plt.subplots()
    try:
        assert result.plot(ax=ax) is ax, f"{what}: plot(ax=) must return the Axes"
    finally:
        plt.close(fig)


def test_every_analysis_keeps_the_contract(sample_book):
    failures = []
    figures: dict[str, list[str]] = {}  # each summary names the same figures, data or not
    for where, book in _books(sample_book):
        before = {t: book.table(t).copy() for t in ("accounts", *OPTIONAL_TABLES) if book.has(t)}
        b = book.branch(BRANCH)
        for name, call in ANALYSES.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # statsmodels' convergence chatter
                try:
                    result = call(book, b)
                    _check(name, result, where)
                    keys = list(result.summary().index)
                    assert figures.setdefault(name, keys) == keys, (
                        f"{name} ({where}): summary names {keys}, on the sample {figures[name]}"
                    )
                except AssertionError as e:
                    failures.append(str(e))
        for t, df in before.items():  # no analysis changed its input
            pd.testing.assert_frame_equal(book.table(t), df, obj=f"{t} ({where})")
    assert not failures, "\n".join(failures)


def test_a_missing_table_is_a_note_not_an_empty_silence(sample_book):
    no_costs = kamlib.Book.from_frames(
        accounts=sample_book.accounts, billing=sample_book.table("billing")
    ).branch(BRANCH)
    for result in (
        kamlib.whale_curve(no_costs),
        kamlib.profit_groups(no_costs),
        kamlib.profit_actions(no_costs),
    ):
        assert any("cost" in n for n in result.notes), type(result).__name__
    no_usage = kamlib.Book.from_frames(accounts=sample_book.accounts).branch(BRANCH)
    assert "have no usage" in kamlib.group_warnings(no_usage).notes[0]
    assert "no retention contacts" in kamlib.retention_funnel(no_usage).notes[0]


@pytest.mark.parametrize(
    "call",
    [
        lambda b: kamlib.churn_rates(b, by="segmnt"),
        lambda b: kamlib.churn_by_period(b, by="segmnt"),
        lambda b: kamlib.cause_tree(b, by="segmnt"),
        lambda b: kamlib.cause_association(b, by="segmnt"),
        lambda b: kamlib.retention_curves(b, by="segmnt"),
        lambda b: kamlib.retention_funnel(b, by="segmnt"),
        lambda b: kamlib.churn_drivers(b, extra=["segmnt"]),
        lambda b: kamlib.customer_pnl(b, extra=["segmnt"]),
        lambda b: kamlib.decile_table(b, by="segmnt"),
    ],
)
def test_a_misspelt_column_is_a_clear_error(sample_book, call):
    with pytest.raises(kamlib.ConfigError, match="segmnt"):
        call(sample_book.branch(BRANCH))


def test_a_column_of_the_data_model_the_data_lack_is_a_note(sample_book):
    bare = kamlib.Book.from_frames(
        accounts=sample_book.accounts[["account_id", "branch", "status"]]
    )
    rates = kamlib.churn_rates(bare, by="customer_type")
    assert len(rates.table) == 1 and "have no customer type" in rates.notes[0]
    curves = kamlib.retention_curves(bare)
    assert curves.table.empty and "no tenure" in curves.notes[0]


def test_a_pnl_of_another_book_is_refused(sample_book):
    other = kamlib.customer_pnl(sample_book.branch("Beijing"))
    with pytest.raises(ValueError, match="not this book's"):
        kamlib.whale_curve(sample_book.branch(BRANCH), pnl=other)


def test_the_top_tier_is_the_highest_value_one_in_every_scheme(sample_book):
    b = sample_book.branch(BRANCH)
    tops = {
        s: kamlib.value_tiers(b, scheme=s).summary().loc["top_tier", "value"]
        for s in ("beijing", "abc", "deciles")
    }
    assert tops["abc"] == "A" and tops["deciles"] == "D1"
    t = kamlib.value_tiers(b, scheme="beijing").table
    held = t[t["accounts"] > 0]
    assert tops["beijing"] == held.index[-1]  # absolute tiers run low to high


def test_options_are_keyword_only_and_spelled_one_way():
    import inspect

    seen: dict[str, str] = {}
    for name in ANALYSES:
        f = getattr(kamlib, name)
        if inspect.isclass(f):
            continue
        params = list(inspect.signature(f).parameters.values())
        assert params[0].name == "book", f"{name} takes {params[0].name} first, not a Book"
        for p in params[1:]:
            if p.kind is p.POSITIONAL_OR_KEYWORD:
                assert p.name in ("branch", "segments"), f"{name}({p.name}) is not keyword-only"
            seen.setdefault(p.name, name)
    # one word for one thing
    assert "model" not in seen and "tier_scheme" not in seen and "quantiles" not in seen


def test_labels_in_a_report_table_are_business_words():
    t = kamlib.ReportTables().show(
        "x", pd.DataFrame({"share_of_accounts": [1.0]}, index=pd.Index(["key_account"]))
    )
    assert list(t.columns) == ["Share of accounts"] and list(t.index) == ["Key accounts"]


def test_stored_notebooks_show_tables_not_result_reprs():
    """nbval compares text: a result shown as ``<Deciles: 10 rows x 6 columns>`` pins no
    number. Notebooks show ``result.table`` (or ``kamlib.labelled(result.table)``)."""
    import json
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    shown = re.compile(r"<\w+: (\d+ rows x \d+ columns|not fitted)")
    for nb in [*root.glob("notebooks/*.ipynb"), *root.glob("kamlib/notebooks/*.ipynb")]:
        for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
            for out in cell.get("outputs", []):
                text = "".join(out.get("data", {}).get("text/plain", []))
                assert not shown.search(text), f"{nb.name}: {text[:80]}"
