"""index.html, the operator overview's figures and ``--targets``, without running a notebook:
the pages are built from metrics files written here (the batch end to end is in
test_reports.py)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kamlib
from kamlib._format import money, share
from kamlib.cli import main
from kamlib.overview import OPERATOR_FILE, build_overview
from kamlib.runner import OVERVIEW, BranchResult, RunSummary, write_index

from .conftest import ROOT


class _Cells(HTMLParser):
    """Rows of the index's table: [(tag, attrs, text), ...] per row, by tbody."""

    def __init__(self) -> None:
        super().__init__()
        self.bodies: dict[str, list[list[tuple[str, dict[str, str], str]]]] = {}
        self.head: list[str] = []
        self._body: str | None = None
        self._cell: tuple[str, dict[str, str]] | None = None
        self._text: list[str] = []
        self._in_head = False

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "thead":
            self._in_head = True
        elif tag == "tbody":
            self._body = a.get("id") or a.get("class") or "?"
            self.bodies[self._body] = []
        elif tag == "tr" and self._body:
            self.bodies[self._body].append([])
        elif tag in ("td", "th"):
            self._cell, self._text = (tag, a), []

    def handle_endtag(self, tag):
        if tag == "thead":
            self._in_head = False
        elif tag in ("td", "th") and self._cell:
            text = " ".join("".join(self._text).split())
            if self._in_head:
                self.head.append(text)
            else:
                self.bodies[self._body][-1].append((*self._cell, text))
            self._cell = None

    def handle_data(self, data):
        if self._cell:
            self._text.append(data)


def _parse(page: str) -> _Cells:
    p = _Cells()
    p.feed(page)
    return p


@pytest.fixture(scope="module")
def raw() -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.read_csv(ROOT / "data" / "accounts.csv"), pd.read_csv(ROOT / "data" / "billing.csv")


@pytest.fixture(scope="module")
def batch_out(tmp_path_factory, sample_book) -> Path:
    """An output folder as a run leaves it: every branch's metrics.json and the overview's
    operator.json (written by the library functions the notebooks call)."""
    out = tmp_path_factory.mktemp("index")
    results = []
    for b in sample_book.branches:
        m = kamlib.branch_metrics(sample_book, b)
        if b == "Suzhou":  # the report builder's actions (issue 16): the first is shown
            m["actions"] = [
                {"text": "Call <Acme> before renewal", "money_at_stake": 1e5, "kind": "x"},
                {"text": "second", "money_at_stake": 1.0, "kind": "y"},
            ]
        kamlib.write_metrics(m, out / b)
        (out / b / "report.html").write_text("report")
        results.append(BranchResult(b, b, "done"))
    build_overview(sample_book).write(out / OVERVIEW)
    (out / OVERVIEW / "report.html").write_text("overview")
    summary = RunSummary(out=str(out), results=results)
    summary.overview = BranchResult("operator overview", OVERVIEW, "done")
    write_index(out, summary)
    return out


def _rows(out: Path) -> tuple[list[str], dict[str, list[tuple[str, dict[str, str], str]]]]:
    p = _parse((out / "index.html").read_text(encoding="utf-8"))
    rows = {}
    for body in p.bodies.values():
        for row in body:
            rows[row[0][2].replace(" (Excel)", "").split(" failed")[0]] = row
    return p.head, rows


def _window_churn(acc: pd.DataFrame) -> tuple[int, int]:
    """Churned in the window and accounts at risk in it (the churn denominator: accounts
    that left before the window, which opens in January 2025, are not counted)."""
    gone = (acc["status"] == "churned") & (pd.to_datetime(acc["churn_date"]) < "2025-01-01")
    return int(((acc["status"] == "churned") & ~gone).sum()), int((~gone).sum())


def test_operator_row_is_the_operators_own_figures(batch_out, raw):
    acc, bill = raw
    head, rows = _rows(batch_out)
    total = dict(zip(head, rows["Operator"], strict=True))
    rev = bill.groupby("account_id")["revenue"].sum().reindex(acc["account_id"]).fillna(0)
    churned, at_risk = _window_churn(acc)
    assert float(total["Accounts"][1]["data-value"]) == len(acc)
    assert float(total["Revenue"][1]["data-value"]) == pytest.approx(rev.sum(), rel=1e-9)
    assert total["Revenue"][2] == money(rev.sum(), "CNY")
    # the operator's own rate: churned / accounts over all branches, not a mean of branches
    rate = churned / at_risk
    assert float(total["Churn rate"][1]["data-value"]) == pytest.approx(rate)
    per_branch = acc.groupby("branch").apply(lambda p: np.divide(*_window_churn(p)))
    assert abs(per_branch.mean() - rate) > 1e-4  # the test can tell the two apart
    k = int(np.ceil(0.2 * len(rev)))
    top = np.sort(rev.to_numpy())[::-1][:k].sum() / rev.sum()
    assert float(total["Top 20% revenue share"][1]["data-value"]) == pytest.approx(top)
    assert total["Top 20% revenue share"][2] == share(top)
    # and operator.json holds them for other tools
    op = json.loads((batch_out / OVERVIEW / OPERATOR_FILE).read_text(encoding="utf-8"))
    assert op["accounts"] == len(acc) and op["churn_rate"] == pytest.approx(rate)
    assert op["branches"] == acc["branch"].nunique()


def test_branches_are_marked_better_or_worse_than_the_operator(batch_out, raw):
    acc, _ = raw
    head, rows = _rows(batch_out)
    col = head.index("Churn rate")
    rate = np.divide(*_window_churn(acc))
    for b, part in acc.groupby("branch"):
        own = np.divide(*_window_churn(part))
        tag, attrs, text = rows[b][col]
        want = "worse" if own > rate else "better"  # a higher churn rate is worse
        assert attrs.get("class") == want, (b, own, rate, text)
        assert ("▼ worse" if want == "worse" else "▲ better") in text  # not colour alone
    # on the sample: Beijing above the operator's rate, Suzhou below it
    assert rows["Beijing"][col][1]["class"] == "worse"
    assert rows["Suzhou"][col][1]["class"] == "better"
    # sizes are not better or worse
    assert "class" not in rows["Beijing"][head.index("Accounts")][1]


def test_index_sorts_reads_on_a_phone_and_shows_the_top_action(batch_out):
    page = (batch_out / "index.html").read_text(encoding="utf-8")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert '<html lang="en">' in page and "Money is in CNY" in page
    assert '<div class="scroll">' in page and "overflow-x:auto" in page
    assert 'href="overview/report.html"' in page
    head, rows = _rows(batch_out)
    # every figure carries its raw value for sorting, and every heading sorts
    assert page.count("<th data-col=") == len(head)
    cells = [c for r in rows.values() for c in r[1:]]
    assert all("data-value" in a for _, a, _ in cells)
    assert "addEventListener" in page and "parseFloat" in page
    action = head.index("Top action")
    assert rows["Suzhou"][action][2] == "Call <Acme> before renewal"
    assert "Call &lt;Acme&gt;" in page  # a name from the data is text, not markup
    assert rows["Beijing"][action][2] == "—"  # no actions in its metrics.json


def test_index_in_chinese_and_without_an_overview(batch_out, tmp_path, sample_book):
    summary = RunSummary(out=str(batch_out), results=[BranchResult("Suzhou", "Suzhou", "done")])
    out = tmp_path / "zh"
    (out / "Suzhou").mkdir(parents=True)
    (out / "Suzhou" / "metrics.json").write_text(
        (batch_out / "Suzhou" / "metrics.json").read_text(encoding="utf-8"), encoding="utf-8"
    )
    write_index(out, summary, lang="zh")
    page = (out / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page and 'name="viewport"' in page
    head, rows = _rows(out)
    assert "Operator" not in rows and "overview/report.html" not in page  # none this run
    assert 'class="better"' not in page and 'class="worse"' not in page
    # a failed overview is said, and the branch rows stay
    summary.overview = BranchResult("operator overview", OVERVIEW, "failed", 1.0, "ValueError: x")
    write_index(out, summary)
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "The operator overview failed: ValueError: x" in page
    assert summary.failed == [summary.overview]
    assert summary.to_json()["failed"] == {"operator overview": "ValueError: x"}


def test_overview_drivers_are_the_operator_level_fit(sample_book):
    ov = build_overview(sample_book)
    pd.testing.assert_frame_equal(ov.drivers.table, kamlib.churn_drivers(sample_book).table)
    # more churned accounts than any branch: the reason to fit on the whole operator
    assert ov.drivers.churners_ == kamlib.churn_drivers(sample_book).churners_
    assert ov.drivers.churners_ > ov.branches["churned"].max()
    most = ov.branches["churned"].idxmax()
    assert f"{ov.drivers.churners_} churned accounts" in ov.drivers_sentence()
    assert f"{ov.branches.loc[most, 'churned']} in the branch with the most ({most})" in (
        ov.drivers_sentence()
    )
    # the branches side by side: each branch's rate is its own metrics.json rate
    for b in ("Beijing", "Hanzhong"):
        m = kamlib.branch_metrics(sample_book, b)
        assert ov.branches.loc[b, "churn_rate"] == pytest.approx(m["churn_rate"])
        assert ov.branches.loc[b, "ci_low"] == pytest.approx(m["churn_rate_ci"][0])
        assert ov.branches.loc[b, "top20_profit_share"] == pytest.approx(m["top20_profit_share"])
    # causes ranked over the whole operator, most common first
    acc = sample_book.accounts
    in_window = (acc["status"] == "churned") & ~(acc["churn_date"] < pd.Timestamp("2025-01-01"))
    lost = acc.loc[in_window, "churn_cause"].value_counts()  # left during the window
    assert ov.causes["accounts"].iloc[0] == lost.iloc[0]
    assert ov.causes["accounts"].is_monotonic_decreasing


def test_overview_titles_follow_the_intervals(sample_book):
    ov = build_overview(sample_book)
    op = ov.metrics["churn_rate"]
    t = ov.branches
    # the sample's branches all include the operator's rate in their interval
    assert ((t["ci_low"] <= op) & (t["ci_high"] >= op)).all()
    assert ov.churn_title().startswith("No branch's churn rate differs clearly")
    worse = t.copy()
    worse.loc["Beijing", ["ci_low", "churn_rate"]] = [op + 0.01, op + 0.05]
    ov.branches = worse
    assert ov.churn_title().startswith("Beijing loses accounts faster than the operator")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (None, "--targets: file"),
        ("churn_rate: [0.1", "not readable YAML"),
        ("- 0.1\n", "must be a YAML mapping"),
    ],
)
def test_targets_file_is_checked_before_any_report(text, words, tmp_path, capsys):
    targets = tmp_path / "targets.yaml"
    if text is not None:
        targets.write_text(text)
    out = tmp_path / "out"
    code = main(["report", str(ROOT / "data"), "--targets", str(targets), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "configuration error" in err and words in err, err
    assert not out.exists()  # stopped before any report or folder
    with pytest.raises(kamlib.ConfigError, match="targets: file"):
        kamlib.run_reports(ROOT / "data", out=out, targets=str(tmp_path / "no.yaml"))


def test_markup_in_sentences_is_escaped(batch_out):
    page = (batch_out / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"<td[^>]*>[^<]*<Acme>", page)
