"""A value set by a mapping's rule is an assumption: it carries that provenance into the
tables, metrics.json and the data-quality section, and an unrecorded type is never a
measured zero (issue 15)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

import kamlib


def _export(tmp_path):
    csv = tmp_path / "export.csv"
    pd.DataFrame(
        {
            "id": [f"c{i}" for i in range(40)],
            "city": "X",
            "state": ["gone"] * 10 + ["here"] * 30,
            "fee": 100.0,
        }
    ).to_csv(csv, index=False)
    mapping = {
        "kamlib_mapping": 1,
        "tables": {
            "accounts": {
                "columns": {
                    "account_id": "id",
                    "branch": "city",
                    "status": "state",
                    "monthly_revenue": "fee",
                },
                "values": {"status": {"gone": "churned", "here": "active"}},
                "constants": {"customer_type": "business"},
                "derive": [
                    {"column": "churn_type", "value": "voluntary", "where": {"status": "churned"}}
                ],
            }
        },
    }
    return csv, mapping


def test_values_set_by_a_mapping_are_assumptions_everywhere(tmp_path):
    csv, mapping = _export(tmp_path)
    book = kamlib.load(csv, mapping=mapping)
    assert set(book.assumed) == {"accounts.churn_type", "accounts.customer_type"}
    assert "derive rule" in book.assumed["accounts.churn_type"]
    assert "constant" in book.assumed["accounts.customer_type"]
    types = kamlib.churn_types(book)
    t = types.table
    assert (
        t.loc["voluntary", "accounts"] == 10
        and (t["basis"] == "Assumed (set by the mapping)").all()
    )
    # involuntary churn was not recorded: unknown, not a measured zero
    assert np.isnan(t.loc["involuntary", "accounts"]) and np.isnan(t.loc["migration", "accounts"])
    assert "not recorded" in types.notes[-1] and "assumption" in types.notes[-1]
    m = kamlib.branch_metrics(book, "X")
    assert m["churn_by_type"] == {"voluntary": 10, "involuntary": None, "migration": None}
    assert m["assumed"] == [
        f"accounts.churn_type: {book.assumed['accounts.churn_type']}",
        f"accounts.customer_type: {book.assumed['accounts.customer_type']}",
    ]
    dq = kamlib.data_quality(book).table
    assert dq["what"].str.contains("Churn type is not in the data").any()


def test_recorded_values_say_so_and_nothing_is_assumed(sample_book):
    b = sample_book.branch("Suzhou")
    assert b.assumed == {}
    t = kamlib.churn_types(b).table
    assert (t["basis"] == "Recorded").all() and t["accounts"].notna().all()
    assert kamlib.branch_metrics(sample_book, "Suzhou")["assumed"] == []


def test_provenance_survives_writing_and_preparing(tmp_path):
    csv, mapping = _export(tmp_path)
    book = kamlib.load(csv, mapping=mapping)
    kamlib.write_book(book, tmp_path / "canonical")
    again = kamlib.load(tmp_path / "canonical")
    assert again.assumed == book.assumed
    kamlib.prepare(book, tmp_path / "prepared")
    manifest = json.loads(next((tmp_path / "prepared").glob("*.json")).read_text("utf-8"))
    assert manifest["assumed"] == book.assumed
    one = kamlib.load(tmp_path / "prepared", branch="X")
    assert one.assumed == book.assumed
