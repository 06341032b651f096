"""No report fails for a missing optional column or table (issue #18).

A small synthetic operator (all five branches) loses each optional column of the data
model in turn, each optional table in turn, and all of them at once. For every variant:
the branch reports build, show as the branch notebook shows them (its display calls,
every chart drawn) and write their metrics.json and workbook; the data-quality section
names each missing part; each part the data cannot fill says so in its own section, in
the words of :func:`kamlib.coverage`; the operator overview builds and shows. What is
missing is worked out here from the frames, not asked of kamlib.

Budget (the whole suite must stay under 5 minutes on 2 cores): a variant without one
column builds and shows one branch's report, a different branch for each column in turn
(every branch is covered several times), with the charts drawn but not encoded as PNG.
A variant without a table builds every branch's report and shows and writes one (PNG and
all, a different branch for each table); the one without everything builds, shows and
writes every branch's report. The overview is built and shown for every variant and
written for the table variants. One papermill run of the all-missing variant covers the
real notebook path.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
import pytest

import kamlib
from kamlib._schema import OPTIONAL_TABLES, TABLES
from kamlib.decisions import operator_summary
from kamlib.document import Figure, Text, cannot_show

OP = kamlib.synth(100, seed=3)
BOOK = OP.book

#: the optional columns the sample has, as "table.column"
OPTIONAL_COLUMNS = [
    f"{t}.{c.name}"
    for t in ("accounts", *OPTIONAL_TABLES)
    for c in TABLES[t].columns
    if not c.required and isinstance(getattr(BOOK, t), pd.DataFrame) and c.name in getattr(BOOK, t)
]
ALL = "everything optional"
VARIANTS = [*OPTIONAL_COLUMNS, *OPTIONAL_TABLES, ALL]


def _drop(variant: str) -> kamlib.Book:
    """The sample without ``variant`` (a column, a table or everything optional)."""
    columns = OPTIONAL_COLUMNS if variant == ALL else [v for v in [variant] if "." in v]
    tables = list(OPTIONAL_TABLES) if variant == ALL else [v for v in [variant] if "." not in v]
    frames: dict[str, Any] = {}
    for t in ("accounts", *OPTIONAL_TABLES):
        df = getattr(BOOK, t)
        if t in tables or not isinstance(df, pd.DataFrame):
            continue
        frames[t] = df.drop(columns=[c.split(".", 1)[1] for c in columns if c.startswith(t + ".")])
    return kamlib.Book.from_frames(
        **frames, name=BOOK.name, currency=BOOK.currency, as_of=BOOK.as_of
    )


def _absent(book: kamlib.Book) -> dict[str, list[str]]:
    """What the book lacks, from its frames: optional tables, and optional columns of the
    tables it has that are not there or hold no value (derived ones, such as tenure from
    join dates, are there when their source is)."""
    out: dict[str, list[str]] = {"tables": [t for t in OPTIONAL_TABLES if not book.has(t)]}
    for t in ("accounts", *OPTIONAL_TABLES):
        if t != "accounts" and t in out["tables"]:
            continue
        df = getattr(book, t)
        out[t] = [
            c.name
            for c in TABLES[t].columns
            if not c.required
            and c.name in {n.split(".", 1)[1] for n in OPTIONAL_COLUMNS if n.startswith(t + ".")}
            and (c.name not in df or df[c.name].isna().all())
        ]
    return out


@contextmanager
def _captured(*, png: bool = True) -> Iterator[list[Any]]:
    """What the notebook would display, captured (charts drawn and laid out; with
    ``png=False`` not encoded as pictures)."""
    import IPython.display
    import matplotlib.pyplot as plt

    from kamlib import _display

    shown: list[Any] = []
    orig, block = IPython.display.display, _display.figure_block
    IPython.display.display = lambda *objs, **k: shown.extend(objs)
    if not png:
        _display.figure_block = lambda fig, alt: {"text/html": f'<img alt="{alt}">'}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield shown
    finally:
        IPython.display.display, _display.figure_block = orig, block
        plt.close("all")


def _show(report: kamlib.BranchReport, *, png: bool = True) -> list[Any]:
    """The report shown as the branch notebook shows it (display captured)."""
    with _captured(png=png) as shown:
        report.show()
    return shown


@pytest.fixture(scope="module", params=VARIANTS)
def variant(request, tmp_path_factory):
    """One variant: its book and its branch reports, built once, shown and written."""
    name = request.param
    book = _drop(name)
    summary = operator_summary(book)  # what kamlib.load(branch=) remembers of the operator
    whole = "." not in name  # a table or everything: every branch
    rotating = book.branches[VARIANTS.index(name) % len(book.branches)]
    branches = book.branches if whole else [rotating]
    reports = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for br in branches:
            r = kamlib.build_report(book.for_branch(br, operator=summary), br)
            # every branch built; shown for one branch of a variant (a different one for
            # each variant), with pictures encoded and files written for the tables
            # (every branch when nothing optional is left: the cheapest and likeliest
            # to break)
            full = (whole and br == rotating) or name == ALL
            shown = _show(r, png=full) if br == rotating or name == ALL else []
            if full:
                metrics, xlsx = r.write(tmp_path_factory.mktemp("out"))
                assert json.loads(metrics.read_text())["accounts"] == r.metrics["accounts"]
                assert xlsx.stat().st_size > 0
            reports[br] = (r, shown)
    return name, book, reports


def _quality_text(r: kamlib.BranchReport) -> str:
    return " ".join(b.text for b in r.section("data_quality").blocks if isinstance(b, Text))


def test_every_branch_report_builds_shows_and_writes(variant):
    name, book, reports = variant
    assert book.branches == BOOK.branches
    if "." not in name:
        assert sorted(reports) == book.branches
    for br, (r, shown) in reports.items():
        assert r.metrics["accounts"] == int((book.accounts["branch"] == br).sum())
        if not shown:
            continue  # built, not shown (see the module's budget)
        # the page shows the title and every section's heading, in order
        headings = [
            getattr(o, "data", "") for o in shown if str(getattr(o, "data", "")).startswith("## ")
        ]
        assert len(headings) == len(r.sections) + 1, (name, br)
        images = [o for o in shown if isinstance(o, dict) and "<img" in o.get("text/html", "")]
        assert len(images) == sum(isinstance(b, Figure) for b in r.blocks()), (name, br)


def test_the_data_quality_section_names_every_missing_part(variant):
    name, book, reports = variant
    from kamlib._coverage import TABLE_WORDS, in_sentence

    absent = _absent(book)
    expected = [TABLE_WORDS[t] for t in absent["tables"]]
    expected += [in_sentence(c, t) for t, cols in absent.items() if t != "tables" for c in cols]
    table, _, column = name.partition(".")
    if name in OPTIONAL_TABLES:
        assert absent["tables"] == [name]
    elif column and column not in ("tenure_months", "churn_cause_group"):
        # the column dropped is missing (tenure and cause group are derived again from
        # join dates and cause codes when those are there)
        assert column in absent[table], name
    for br, (r, _) in reports.items():
        text = _quality_text(r)
        for words in expected:
            assert words in text, (name, br, words)


#: the reasons that are a whole table missing: its section says so in its own sentence
_TABLE_REASONS = {
    "no cost table": "cost table",
    "no usage table": "usage table",
    "no retention-contact table": "retention-contact table",
    "no account-manager history (assignments table)": "account-manager history",
    "no contracts table": "contracts table",
    # the reasons of parts resting on the service tables, in the tables' own words
    # (``TABLE_WORDS``): their sections say "The data have no service tickets table ..."
    "no service tickets table": "service tickets table",
    "no satisfaction surveys table": "satisfaction surveys table",
    # churn after poor service needs either table: with both missing, their sentences say it
    "no service tickets or surveys table": "service tickets table",
}


def test_a_part_the_data_cannot_fill_says_so_in_its_section(variant):
    """The coverage table agrees with the report: a part whose needs are not met says so
    in its own section, with the reason, has no table, and is listed under data quality."""
    from kamlib._coverage import SECTIONS

    name, book, reports = variant
    tables = {p.key: p.table for p in SECTIONS}
    for br, (r, _) in reports.items():
        cov = kamlib.coverage(book.branch(br)).table
        for row in cov[~cov["can_fill"]].itertuples():
            said = cannot_show(row.part, row.reason)
            section = [b for b in r.section(row.section).blocks if isinstance(b, Text)]
            if row.reason in _TABLE_REASONS:
                words = _TABLE_REASONS[row.reason]
                assert any(b.kind == "missing" and words in b.text for b in section), (name, br)
            else:
                assert said in [b.text for b in section], (name, br, row.key)
            assert said in _quality_text(r), (name, br, row.key)
            assert tables[row.key] is None or tables[row.key] not in r.tables, (name, br, row.key)


def test_the_operator_overview_builds_and_shows(variant, tmp_path):
    from kamlib.overview import build_overview

    name, book, _ = variant
    with _captured(png="." not in name) as shown:
        ov = build_overview(book)
        ov.show()
        if "." not in name:  # written for the table variants
            ov.write(tmp_path)
            operator = json.loads((tmp_path / "operator.json").read_text())
            assert operator["accounts"] == len(book.accounts)
    assert any(isinstance(o, dict) and "<table" in o.get("text/html", "") for o in shown)


def test_the_all_missing_variant_runs_through_the_real_notebook(tmp_path):
    """The branch notebook itself (papermill, a fresh kernel), on data with nothing
    optional: the report is written, and its data-quality section names what is missing."""
    book = _drop(ALL)
    kamlib.write_book(book, tmp_path / "data")
    branch = book.branches[0]
    summary = kamlib.run_reports(
        tmp_path / "data",
        branches=[branch],
        out=tmp_path / "out",
        jobs=1,
        progress=False,
        overview=False,
    )
    assert not summary.failed, summary.failed
    page = next((tmp_path / "out").glob("*/report.html")).read_text(encoding="utf-8")
    assert "Optional tables not in the data" in page
    assert "The report cannot show retention curves" in page


# -- kam validate and kamlib.coverage --------------------------------------------------
def _without_columns(folder, *columns: str):
    """The bundled sample's tables in ``folder`` with ``columns`` of accounts removed."""
    import shutil

    shutil.copytree(kamlib.sample_path(), folder)
    acc = pd.read_csv(folder / "accounts.csv", dtype=str)
    acc.drop(columns=list(columns)).to_csv(folder / "accounts.csv", index=False)
    return folder


def test_kam_validate_lists_what_the_data_can_fill(tmp_path, capsys):
    from kamlib.cli import main

    data = _without_columns(
        tmp_path / "data", "join_date", "tenure_months", "contract", "satisfaction"
    )
    (tmp_path / "data" / "contacts.csv").unlink()
    assert main(["validate", str(data)]) == 0
    out = capsys.readouterr().out
    lines = out.split("Report sections this data set can fill:\n", 1)[1].splitlines()
    assert "  ✗ value × loyalty: no loyalty signal (tenure, contract or satisfaction)" in lines
    assert "  ✗ retention curves: no tenure or join date" in lines
    assert "  ✗ retention funnel: no retention-contact table" in lines
    assert "  ✓ churn rates" in lines and "  ✓ value tiers" in lines
    assert "  ✗ the value customers are expected to bring: no tenure or join date" in lines
    assert "  ✓ cost to serve, profit and the whale curve" in lines
    # after the errors and warnings, and nothing else is crossed out
    assert out.index("no errors") < out.index("Report sections")
    assert sum(line.startswith("  ✗") for line in lines) == 4


def test_coverage_by_hand():
    """Each need, met and not, on frames built here."""
    acc = pd.DataFrame(
        {"account_id": list("abcd"), "branch": "X", "status": ["active"] * 3 + ["churned"]}
    )

    def cov(**extra):
        frame = acc.assign(
            **{
                k: v
                for k, v in extra.items()
                if k
                in (
                    "satisfaction",
                    "monthly_revenue",
                    "lifetime_revenue",
                    "churn_date",
                    "customer_type",
                    "churn_category",
                )
            }
        )
        t = kamlib.coverage(kamlib.Book.from_frames(accounts=frame)).table.set_index("key")
        return dict(zip(t.index, t["can_fill"], strict=True)), dict(
            zip(t.index, t["reason"], strict=True)
        )

    can, why = cov()
    assert not any(v for k, v in can.items() if k != "churn_rates") and can["churn_rates"]
    assert why["value_tiers"] == "no revenue (billing, total, monthly or lifetime revenue)"
    # a monthly charge alone: tiers, 80/20 and value x loyalty's value side
    can, why = cov(monthly_revenue=[10.0, 20.0, 30.0, 40.0])
    assert can["value_tiers"] and can["revenue_concentration"]
    assert why["value_loyalty"] == "no loyalty signal (tenure, contract or satisfaction)"
    can, _ = cov(monthly_revenue=[10.0, 20.0, 30.0, 40.0], satisfaction=[1.0, 2.0, 3.0, 4.0])
    assert can["value_loyalty"]
    # lifetime revenue ranks accounts but is no monthly spend
    can, why = cov(lifetime_revenue=[10.0, 20.0, 30.0, 40.0])
    assert can["value_tiers"] and why["value_loyalty"].startswith("no monthly revenue")
    # the source's own churn category is a churn reason; a column of blanks is none
    can, _ = cov(churn_category=["", "", "", "Price"])
    assert can["cause_tree"]
    can, why = cov(churn_date=[None] * 4)
    assert not can["churn_by_period"] and why["churn_by_period"] == "no churn dates"


def test_the_issue_export_builds_every_branch_report():
    """The issue's export: no tenure, contract or satisfaction (nor join dates), revenue
    only as a monthly charge. Every branch report builds and says what it cannot show."""
    acc = BOOK.accounts.drop(
        columns=["join_date", "tenure_months", "contract", "satisfaction", "contract_end"]
    )
    monthly = BOOK.monthly_revenue()
    acc = acc.assign(monthly_revenue=monthly.to_numpy())
    book = kamlib.Book.from_frames(accounts=acc, currency="USD", as_of=BOOK.as_of)
    for br in book.branches:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = kamlib.build_report(book, br)
        seg = [b.text for b in r.section("segmentation").blocks if isinstance(b, Text)]
        assert (
            "The report cannot show value × loyalty: no loyalty signal (tenure, contract or "
            "satisfaction)." in seg
        )
        profit = [b.text for b in r.section("profit").blocks if isinstance(b, Text)]
        assert any(t.startswith("Revenue here is each account's monthly charge") for t in profit)
        # the 80/20 figure is of the monthly charge, by hand
        x = acc.loc[acc["branch"] == br, "monthly_revenue"].dropna()
        x = x[x >= 0].sort_values(ascending=False)
        k = -(-len(x) // 5)
        assert r.metrics["top20_revenue_share"] == pytest.approx(x.head(k).sum() / x.sum())


def test_maven_monthly_charge_alone_feeds_the_80_20_kpis_and_tiers(maven_csv):
    """The Maven export maps only a monthly charge as revenue (and 120 accounts have a
    negative one). The 80/20 figures, ARPU, tiers and churn rate of the Los Angeles
    report equal plain pandas on the file, and the report says which revenue it used."""
    raw = pd.read_csv(maven_csv)
    la = raw[raw["City"] == "Los Angeles"]
    book = kamlib.load(maven_csv, mapping="maven", branch="Los Angeles")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = kamlib.build_report(book, "Los Angeles")
    charge = la["Monthly Charge"]
    kept = charge[charge >= 0].sort_values(ascending=False)
    k = -(-len(kept) // 5)  # the top 20%: ceil(0.2 n) accounts
    assert r.metrics["top20_revenue_share"] == pytest.approx(kept.head(k).sum() / kept.sum())
    assert r.metrics["kpis"]["arpu"] == pytest.approx(charge.mean())
    assert sum(r.metrics["tiers"].values()) == len(la)
    assert r.metrics["churn_rate"] == pytest.approx((la["Customer Status"] == "Churned").mean())
    profit = [b.text for b in r.section("profit").blocks if isinstance(b, Text)]
    assert any(t.startswith("Revenue here is each account's monthly charge") for t in profit)
    negative = int((charge < 0).sum())
    assert any(
        t.startswith(f"{negative} accounts have a negative revenue ({charge[charge < 0].sum():.0f}")
        for t in profit
    ), profit
    assert any(
        f.title.startswith("The top 20% of accounts bring") for f in r.section("profit").figures
    )


def test_the_chinese_edition_names_what_is_missing_in_chinese():
    """Both editions: with nothing optional, the Chinese report's sentences on what is
    missing and what cannot be shown are Chinese (no English word among them)."""
    import re

    book = _drop(ALL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = kamlib.build_report(book, book.branches[0], lang="zh")
    said = [
        b.text
        for s in r.sections
        for b in s.blocks
        if isinstance(b, Text) and (b.kind == "missing" or s.key == "data_quality")
    ]
    assert len(said) >= 10
    english = [t for t in said if re.search(r"[A-Za-z]{3,}", t)]
    assert english == []
    assert any(
        t.startswith(
            "数据中缺少可选表：账单表、成本表、使用量表、挽留接触表、客户经理变更记录表、合同表"
        )
        for t in said
    )
    assert "报告无法显示留存曲线：没有在网时长或入网日期。" in said
