"""The batch end to end: every sample branch, and the Maven fixture's largest cities."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest

import kamlib
from kamlib.runner import run_reports, safe_name

from .conftest import ROOT, one_account_per_branch, tiny_report

pytestmark = pytest.mark.slow


def test_every_sample_branch_gets_a_complete_report(sample_reports):
    # the shared batch (conftest.sample_reports): inputs untouched, a relative --out honoured
    out = sample_reports
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["failed"] == {} and len(summary["branches"]) == 5
    assert {r["status"] for r in summary["branches"]} == {"done"}
    index = (out / "index.html").read_text(encoding="utf-8")
    for r in summary["branches"]:
        folder = out / r["folder"]
        for f in ("report.html", "report.ipynb", "metrics.json", "tables.xlsx"):
            assert (folder / f).is_file(), (r["branch"], f)
        assert f'href="{r["folder"]}/report.html"' in index
        assert f'href="{r["folder"]}/tables.xlsx"' in index
        html = (folder / "report.html").read_text(encoding="utf-8")
        assert "import kamlib" not in html and "kamlib.load" not in html  # no code cells
        for heading in (
            "Segmentation",
            "Where the profit is",
            "Why customers leave",
            "Groups about to leave",
            "Key accounts",
            "Account managers",
            "Service and satisfaction",
            "Whom to call this week",
            "What if",
            "Recommended actions",
            "Data quality",
        ):
            assert heading in html, (r["branch"], heading)
        assert html.count("data:image/png;base64") >= 5  # the pictures are embedded
        # the account plans beside the report, linked from it: an index and a page each
        assert 'href="plans/index.html"' in html
        plans = folder / "plans"
        index_page = (plans / "index.html").read_text(encoding="utf-8")
        pages = sorted(p.name for p in plans.glob("*.html") if p.name != "index.html")
        assert pages and all(f'href="{p}"' in index_page for p in pages), r["branch"]
        assert (plans / "plans.xlsx").is_file()


def test_metrics_match_independent_computation(sample_reports):
    out = sample_reports
    raw_acc = pd.read_csv(ROOT / "data" / "accounts.csv")
    raw_bill = pd.read_csv(ROOT / "data" / "billing.csv")
    for branch in ("Hanzhong", "Beijing"):
        m = json.loads((out / safe_name(branch) / "metrics.json").read_text(encoding="utf-8"))
        ids = raw_acc.loc[raw_acc["branch"] == branch, "account_id"]
        rev = raw_bill[raw_bill["account_id"].isin(ids)].groupby("account_id")["revenue"].sum()
        rev = rev.reindex(ids).fillna(0).to_numpy()
        assert m["accounts"] == len(ids)
        assert m["revenue"] == pytest.approx(rev.sum(), rel=1e-9)
        k = int(np.ceil(0.2 * len(rev)))
        assert m["top20_revenue_share"] == pytest.approx(np.sort(rev)[::-1][:k].sum() / rev.sum())
        churned = raw_acc[(raw_acc["branch"] == branch) & (raw_acc["status"] == "churned")]
        assert m["churned"] == len(churned)
        assert sum(m["churn_by_cause_group"].values()) == len(churned)
        # every account billed in the window has a tier (one that left before it has none)
        billed = raw_bill.loc[raw_bill["account_id"].isin(ids), "account_id"].nunique()
        assert sum(m["tiers"].values()) == billed
        assert 1.5 <= m["whale_peak_share"] <= 3.0


def test_rerun_skips_unchanged_branches(tmp_path):
    # its own run (a rerun rewrites summary.json and index.html: not in the shared batch),
    # of a one-cell report on one account: what is skipped depends on the fingerprint, not
    # on the notebook or the size of the data
    nb = tiny_report(tmp_path / "nb" / "report.ipynb", "print(branch)")
    data = one_account_per_branch(tmp_path / "data", ["Hanzhong"])
    first = run_reports(data, out=tmp_path / "out", notebook=nb, progress=False)
    assert [r.status for r in first.results] == ["done"]
    again = run_reports(data, out=tmp_path / "out", notebook=nb, progress=False)
    assert [r.status for r in again.results] == ["skipped"]


def test_unknown_branch_fails_before_any_run(tmp_path):
    with pytest.raises(kamlib.DataError, match="no branch named 'Atlantis'"):
        run_reports(ROOT / "data", out=tmp_path, branches=["Atlantis"], progress=False)


def test_maven_largest_cities(maven_csv, tmp_path):
    raw = pd.read_csv(maven_csv)
    cities = raw["City"].value_counts().index[:2].tolist()  # Los Angeles, San Diego
    s = run_reports(  # the overview is not this test's (test_operator_overview_...)
        maven_csv,
        mapping="maven",
        branches=cities,
        out=tmp_path,
        jobs=2,
        progress=False,
        overview=False,
    )
    assert not s.failed, s.failed
    for city in cities:
        m = json.loads((tmp_path / safe_name(city) / "metrics.json").read_text(encoding="utf-8"))
        part = raw[raw["City"] == city]
        lost = part[part["Customer Status"] == "Churned"]
        assert m["accounts"] == len(part) and m["churned"] == len(lost)
        # "Total Revenue" is lifetime revenue, not revenue over a period: no period total
        # is claimed, and the monthly charge is the revenue used (issue 15)
        assert m["revenue"] is None and m["revenue_source"] == "accounts.monthly_revenue"
        assert m["churn_by_category"] == lost["Churn Category"].value_counts().to_dict()
        assert m["profit"] is None and m["whale_peak_share"] is None  # no costs: said, not faked
        assert m["churn_rate"] == pytest.approx(len(lost) / len(part))


def test_report_settings_reach_the_notebook_and_the_metrics(tmp_path, sample_book):
    # a dearer field visit and ABC tiers: the metrics must be those of the same settings
    costs = tmp_path / "costs.yaml"
    text = (ROOT / "kamlib" / "config" / "costs.yaml").read_text(encoding="utf-8")
    costs.write_text(text.replace("rate: 450", "rate: 4500"), encoding="utf-8")
    estimates = tmp_path / "mine.csv"
    estimates.write_text(
        "segment,lever,size,probability,basis\n"
        "Segment 1,win new customers,1000000,0.3,our market survey\n"
    )
    s = run_reports(
        ROOT / "data",
        out=tmp_path / "out",
        branches=["Hanzhong"],
        tier_scheme="abc",
        cost_model=str(costs),
        estimates=str(estimates),
        progress=False,
        overview=False,  # a branch's settings; the overview is test_operator_overview_...'s
    )
    assert not s.failed, s.failed
    html = (tmp_path / "out" / "Hanzhong" / "report.html").read_text(encoding="utf-8")
    assert "our market survey" in html  # the team's estimate is in the priority list
    m = json.loads((tmp_path / "out" / "Hanzhong" / "metrics.json").read_text(encoding="utf-8"))
    assert set(m["tiers"]) == {"A", "B", "C"}
    book = sample_book.branch("Hanzhong")
    dear = kamlib.customer_pnl(book, cost_model=costs).table["profit"].sum()
    assert m["profit"] == pytest.approx(dear)
    assert dear < kamlib.customer_pnl(book).table["profit"].sum()
    # a settings file that is not there stops the run before any notebook starts
    with pytest.raises(kamlib.ConfigError, match="cost_model: file"):
        run_reports(ROOT / "data", out=tmp_path / "o2", cost_model="nope.yaml", progress=False)


def test_excel_workbook_holds_the_reports_tables(sample_reports, sample_book):
    import openpyxl

    out = sample_reports
    wb = openpyxl.load_workbook(out / "Hanzhong" / "tables.xlsx", read_only=True)
    for sheet in ("Key figures", "Value tiers", "Rules of thumb", "Deciles", "Cause tree"):
        assert sheet in wb.sheetnames, sheet
    # the deciles sheet holds the same numbers as a fresh computation
    book = sample_book.branch("Hanzhong")
    d = kamlib.decile_table(book).table.round(3)
    rows = list(wb["Deciles"].iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:2] == ["Decile", "Accounts"]  # the reader's words, not column codes
    profit = next(h for h in header if h.startswith("Profit"))  # "Profit (CNY)"
    got = [r[header.index(profit)] for r in rows[1:]]
    assert got == pytest.approx(d["profit"].tolist())


def test_chinese_report_has_every_glyph(zh_reports):
    # --lang zh: Chinese labels in tables and pictures, drawn with the CJK font that the
    # set-up installs (mplfonts); matplotlib warns of every glyph it cannot draw. The
    # report is the first of a worker's batch (a fresh kernel), shared with test_kernels
    nb = (zh_reports / "warm" / "Hanzhong" / "report.ipynb").read_text(encoding="utf-8")
    assert "missing from font" not in nb and "Glyph" not in nb
    html = (zh_reports / "warm" / "Hanzhong" / "report.html").read_text(encoding="utf-8")
    assert "价格不合理" in html  # the cause tree in Chinese


HOSTILE = {
    "Hanzhong": '<script>alert("x")</script>',
    "Kunming": "../../evil/..",
    "Suzhou": 'x"; import os; os.system("touch PWNED") #',
}


def test_hostile_names_are_shown_not_run(tmp_path):
    import openpyxl

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    acc = pd.read_csv(data / "accounts.csv", dtype=str, keep_default_na=False)
    acc["branch"] = acc["branch"].replace(HOSTILE)
    first = acc.index[acc["branch"] == HOSTILE["Hanzhong"]][:2]
    acc.loc[first, "name"] = ["<img src=x onerror=alert(1)>", '=HYPERLINK("http://evil","x")']
    acc.to_csv(data / "accounts.csv", index=False)
    out = tmp_path / "deep" / "out"
    s = run_reports(data, out=out, branches=list(HOSTILE.values()), jobs=2, progress=False)
    assert not s.failed, s.failed
    # every folder is inside the output folder; nothing escaped it or ran
    assert not (tmp_path / "evil").exists() and not (tmp_path / "deep" / "evil").exists()
    assert not list(tmp_path.rglob("PWNED"))
    assert not (ROOT / "kamlib" / "notebooks" / "PWNED").exists()  # the notebook's folder
    for r in s.results:
        assert (out / r.folder).resolve().parent == out.resolve()
        html = (out / r.folder / "report.html").read_text(encoding="utf-8")
        assert "<script>alert" not in html and "<img src=x" not in html
        if r.branch == HOSTILE["Hanzhong"]:  # the name is in the report, shown as text
            assert "&lt;script&gt;alert" in html
        wb = openpyxl.load_workbook(out / r.folder / "tables.xlsx")
        formulas = [c for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]
        assert not formulas
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in index and "&lt;script&gt;" in index
    overview = (out / "overview" / "report.html").read_text(encoding="utf-8")  # every branch
    assert "<script>alert" not in overview and "&lt;script&gt;alert" in overview
    m = json.loads((out / safe_name(HOSTILE["Suzhou"]) / "metrics.json").read_text())
    assert m["branch"] == HOSTILE["Suzhou"]  # the name reached the notebook as a value


def test_mask_pii_leaves_no_name_or_id_in_any_output(tmp_path):
    import openpyxl

    acc = pd.read_csv(ROOT / "data" / "accounts.csv", dtype=str)
    mine = acc[acc["branch"] == "Hanzhong"]
    secrets = set(mine["account_id"]) | set(mine["name"].dropna())
    s = run_reports(
        ROOT / "data", out=tmp_path, branches=["Hanzhong"], mask_pii=True, progress=False
    )
    assert not s.failed, s.failed
    texts = []
    for folder, files in (
        (tmp_path / "Hanzhong", ("report.html", "report.ipynb", "metrics.json")),
        (tmp_path / "overview", ("report.html", "report.ipynb", "operator.json")),  # all branches
    ):
        texts += [(folder / f).read_text(encoding="utf-8") for f in files]
        wb = openpyxl.load_workbook(folder / "tables.xlsx")
        texts.append(" ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row))
    texts.append((tmp_path / "index.html").read_text(encoding="utf-8"))
    leaked = {x for x in secrets for t in texts if x in t}
    assert not leaked, sorted(leaked)[:5]
    assert "ACC-" in texts[0]  # the at-risk and loss-making lists use the pseudonyms


def test_pseudonyms_are_stable_and_keep_the_analysis(sample_book):
    book = sample_book.branch("Hanzhong")
    a, b = book.masked(salt="k"), book.masked(salt="k")
    assert a.accounts["account_id"].tolist() == b.accounts["account_id"].tolist()
    assert (
        book.masked(salt="other").accounts["account_id"].iloc[0] != a.accounts["account_id"].iloc[0]
    )
    assert a.accounts["account_id"].is_unique
    m1, m2 = kamlib.branch_metrics(book, "Hanzhong"), kamlib.branch_metrics(a, "Hanzhong")
    for k, v in m1.items():  # masking changes who, not what (sums may round differently)
        assert m2[k] == (pytest.approx(v) if isinstance(v, float) else v), k


def test_operator_overview_is_built_linked_and_totals_the_index(sample_reports):
    # the shared batch builds the overview after the branches, with the bundled notebook
    out = sample_reports
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["overview"]["status"] == "done" and summary["failed"] == {}
    for f in ("report.html", "report.ipynb", "operator.json", "tables.xlsx"):
        assert (out / "overview" / f).is_file(), f
    html = (out / "overview" / "report.html").read_text(encoding="utf-8")
    assert "import kamlib" not in html and "Traceback" not in html and "Warning" not in html
    assert "all branches at a glance" in html and "fitted on all branches together" in html
    alts = re.findall(r'<img [^>]*alt="([^"]+)"', html)
    assert len(alts) == 3 and all(len(a) > 40 for a in alts)  # each states its finding
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="overview/report.html"' in index
    raw = pd.read_csv(ROOT / "data" / "accounts.csv")
    op = json.loads((out / "overview" / "operator.json").read_text(encoding="utf-8"))
    assert op["accounts"] == len(raw)
    # the churn denominator: accounts that left before the window (January 2025) are out
    gone = (raw["status"] == "churned") & (pd.to_datetime(raw["churn_date"]) < "2025-01-01")
    churned = ((raw["status"] == "churned") & ~gone).sum()
    assert op["churn_rate"] == pytest.approx(churned / (~gone).sum())
    assert f'data-value="{float(len(raw))!r}"' in index  # the operator total row


def _params_report(path, body: str, params: str):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(
        cells=[new_code_cell(params, metadata={"tags": ["parameters"]}), new_code_cell(body)],
        metadata={"kernelspec": {"name": "kamlib", "display_name": "kamlib", "language": "python"}},
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def test_targets_reach_the_notebook_and_a_change_reruns(tmp_path):
    nb = _params_report(
        tmp_path / "nb" / "report.ipynb",
        "print('targets from', targets)",
        'branch = ""\ndata = ""\nmapping = ""\nlang = "en"\noutput_dir = ""\ntargets = ""',
    )
    targets = tmp_path / "targets.yaml"
    targets.write_text("churn_rate: 0.15\n")
    data = one_account_per_branch(tmp_path / "data", ["Hanzhong"])  # one account will do
    run = dict(out=tmp_path / "out", notebook=nb, progress=False)
    first = run_reports(data, targets=str(targets), **run)
    assert [r.status for r in first.results] == ["done"] and first.overview is None
    text = (tmp_path / "out" / "Hanzhong" / "report.ipynb").read_text(encoding="utf-8")
    assert f"targets from {targets.resolve()}" in text
    assert [r.status for r in run_reports(data, targets=str(targets), **run).results] == ["skipped"]
    targets.write_text("churn_rate: 0.12\n")  # a new target: the branch is rebuilt
    again = run_reports(data, targets=str(targets), **run)
    assert [r.status for r in again.results] == ["done"]


def test_a_failed_overview_is_reported_like_a_branch(tmp_path, capsys):
    from kamlib.cli import main

    nb = tiny_report(tmp_path / "nb" / "report.ipynb", "print(branch)")
    bad = tiny_report(tmp_path / "nb" / "overview.ipynb", "raise ValueError('no overview')")
    data = one_account_per_branch(tmp_path / "data", ["Hanzhong"])  # one account will do
    s = run_reports(
        data,
        out=tmp_path / "out",
        notebook=nb,
        overview=bad,
        progress=False,
    )
    assert [r.status for r in s.results] == ["done"]
    assert s.overview is not None and s.overview.status == "failed"
    assert s.failed == [s.overview] and "no overview" in (s.overview.error or "")
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["failed"] == {"operator overview": "ValueError: no overview"}
    assert summary["overview"]["status"] == "failed"
    assert (tmp_path / "out" / "_failed" / "overview.ipynb").is_file()
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "The operator overview failed" in index
    # kam report exits 3, as for a failed branch, and says so (that it exits 0 and builds
    # no overview with a notebook of one's own: test_index_editions, kam report in Chinese)
    args = ["report", str(data), "--notebook", str(nb)]
    code = main([*args, "--overview-notebook", str(bad), "--out", str(tmp_path / "o2"), "--quiet"])
    assert code == 3 and "FAILED operator overview" in capsys.readouterr().err
