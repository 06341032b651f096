"""A row_ids export in the report (issue #18, findings 4 and 6): account ids are the
export's line numbers and read "line N" / "第N行"; the data-quality section says so once;
the first screen and the profit section say what revenue is, naming the formula."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import kamlib
from kamlib.document import build_report

FORMULA = "Day Charge + Eve Charge"


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    rng = np.random.default_rng(7)
    n = 60
    raw = pd.DataFrame(
        {
            "City": ["Austin"] * n,
            "Churn": ["No"] * n,
            "Reason": [""] * n,
            "Day Charge": np.round(rng.uniform(10, 60, n), 2),
            "Eve Charge": np.round(rng.uniform(5, 30, n), 2),
            "Length": rng.integers(1, 60, n),
        }
    )
    # 7 leave for price (controllable: the first screen's action), 2 moved away
    raw.loc[[3, 10, 17, 24, 31, 38, 45], ["Churn", "Reason"]] = ["Yes", "price"]
    raw.loc[[50, 55], ["Churn", "Reason"]] = ["Yes", "moved_or_closed"]
    d = tmp_path_factory.mktemp("rowids")
    raw.to_csv(d / "wide.csv", index=False)
    spec = {
        "currency": "USD",
        "tables": {
            "accounts": {
                "file": "wide.csv",
                "row_ids": True,
                "columns": {"branch": "City", "status": "Churn", "churn_cause": "Reason"},
                "compute": {"monthly_revenue": {"sum": ["Day Charge", "Eve Charge"]}},
                "keep": {"Length": "length"},
                "values": {"status": {"Yes": "churned", "No": "active"}},
            }
        },
    }
    (d / "mapping.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    return d / "mapping.yaml", raw


@pytest.mark.parametrize(
    ("lang", "line", "quality", "revenue"),
    [
        (
            "en",
            "line {}",
            "each account is identified by its line in the export file",
            f"Revenue is each account's monthly charge: {FORMULA}; not revenue over a period.",
        ),
        (
            "zh",
            "第{}行",
            "每个客户以它在导出文件中的行号标识",
            f"收入是每个客户的月费：{FORMULA}；",
        ),
    ],
)
def test_row_ids_read_as_lines(export, lang, line, quality, revenue):
    path, raw = export
    book = kamlib.load(path)
    r = build_report(book, "Austin", lang=lang)
    # the largest price churners by monthly charge, by hand: line = index + 2 (header line 1)
    price = raw[raw["Reason"] == "price"].assign(m=lambda f: f["Day Charge"] + f["Eve Charge"])
    top3 = price.sort_values("m", ascending=False).index[:3]
    action = next(a for a in r.actions.table["action"] if str(len(price)) in a)
    for i in top3:
        assert line.format(i + 2) in action
    # said once, in the data-quality section
    said = [t for s in r.sections for t in s.sentences if quality in t]
    assert len(said) == 1
    assert said[0] in next(s for s in r.sections if s.key == "data_quality").sentences
    # what revenue is: on the first screen and in the profit section
    first = [b.text for b in r.first_screen if hasattr(b, "text")]
    assert any(revenue in t for t in first)
    assert any(revenue in t for t in next(s for s in r.sections if s.key == "profit").sentences)


def test_ids_of_a_book_with_ids_are_left_as_they_are():
    book = kamlib.load(kamlib.sample_path())
    assert "accounts.account_id" not in book.computed
    r = build_report(book, "Suzhou")
    assert not any("line " in a for a in r.actions.table["action"])
