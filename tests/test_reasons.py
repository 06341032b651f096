"""Churn reasons reach the cause tree whatever column they are mapped to (issue #18).

Expected counts come from the export read with plain pandas.
"""

from __future__ import annotations

import copy

import pandas as pd
import pytest

import kamlib
from kamlib._i18n import language

MAVEN = kamlib._config.read_yaml(
    kamlib.config_path("mappings/maven_telecom_churn.yaml"), what="maven mapping"
)
BRANCH = "San Diego"


def _spec(change) -> dict:
    spec = copy.deepcopy(MAVEN)
    change(spec["tables"]["accounts"])
    return spec


def _churned(maven_csv) -> pd.DataFrame:
    df = pd.read_csv(maven_csv)
    return df[df["Customer Status"] == "Churned"]


def _only_category(acc: dict) -> None:
    acc["columns"].pop("churn_cause")
    acc["columns"]["churn_category"] = "Churn Reason"
    acc["values"].pop("churn_cause")


def _tree_counts(book: kamlib.Book, branch: str) -> pd.Series:
    t = kamlib.cause_tree(book.branch(branch)).table
    return t["accounts"].droplevel("group").sort_index()


def test_reasons_mapped_to_churn_category_alone_reach_the_cause_tree(maven_csv):
    book = kamlib.load(maven_csv, mapping=_spec(_only_category))
    lost = _churned(maven_csv)
    want = lost.loc[lost["City"] == BRANCH, "Churn Reason"].value_counts().sort_index()
    got = _tree_counts(book, BRANCH)
    assert got.to_dict() == want.to_dict()
    tree = kamlib.cause_tree(book.branch(BRANCH)).table
    assert set(tree.index.get_level_values("group")) == {"unclassified"}
    assert (tree["cause"] == tree.index.get_level_values("churn_cause")).all()  # the texts
    # never 100% "Not known" while the data hold reasons
    assert "unknown" not in tree.index.get_level_values("churn_cause")
    note = next(i for i in book.notes if i.rule == "unclassified-cause")
    assert note.severity == "warning" and note.count == len(lost) == 1869
    assert note.column == "churn_category" and "docs/causes.md" in note.message
    with language("zh"):
        assert "未归类" in kamlib._labels.label("unclassified")
        assert "未归类" in note.text


def test_unmapped_reason_texts_stay_as_themselves(maven_csv):
    def drop_two(acc: dict) -> None:
        for text in ("Price too high", "Moved"):
            acc["values"]["churn_cause"].pop(text)

    book = kamlib.load(maven_csv, mapping=_spec(drop_two))
    lost = _churned(maven_csv)
    lost = lost[lost["City"] == BRANCH]
    got = _tree_counts(book, BRANCH)
    for text in ("Price too high", "Moved"):
        assert got.get(text, 0) == int((lost["Churn Reason"] == text).sum())
    # the mapped texts still land on their codes: price holds the three other texts
    mapped = ["Extra data charges", "Lack of affordable download/upload speed"]
    mapped += ["Long distance charges"]
    assert got.get("price", 0) == int(lost["Churn Reason"].isin(mapped).sum())
    note = next(i for i in book.notes if i.rule == "unclassified-cause")
    all_lost = _churned(maven_csv)
    assert note.count == int(all_lost["Churn Reason"].isin(["Price too high", "Moved"]).sum())


def test_unclassified_causes_are_not_controllable_and_reach_metrics(maven_csv):
    book = kamlib.load(maven_csv, mapping=_spec(_only_category)).branch(BRANCH)
    lost = _churned(maven_csv)
    lost = lost[lost["City"] == BRANCH]
    m = kamlib.branch_metrics(book, BRANCH)
    assert m["churn_by_cause_group"] == {"unclassified": len(lost)}
    assert m["top_churn_cause"] == lost["Churn Reason"].value_counts().index[0]
    from kamlib.decisions import _cause

    actions, why = _cause(kamlib.cause_tree(book), book, "USD")
    assert actions == [] and "not grouped into the cause taxonomy" in why


def test_unclassified_is_not_a_group_a_cause_may_name():
    with pytest.raises(kamlib.ConfigError, match="unclassified"):
        kamlib._settings.check(
            kamlib._settings.CauseTaxonomy,
            {
                "causes": {"x": {"group": "unclassified", "en": "X", "zh": "X"}},
                "groups": {g: {"en": g, "zh": g} for g in kamlib._schema.CAUSE_GROUPS},
            },
            source="causes",
        )


def test_causes_doc_is_current_and_every_cause_has_a_meaning():
    from .conftest import ROOT

    doc = (ROOT / "docs" / "causes.md").read_text(encoding="utf-8")
    assert doc == kamlib._config.causes_markdown(), (
        "docs/causes.md is out of date: regenerate it with kamlib._config.causes_markdown()"
    )
    causes = kamlib._settings.settings("causes")["causes"]
    for code, spec in causes.items():
        assert spec["meaning"].strip(), f"cause {code} has no meaning"
        assert f"| `{code}` |" in doc
