"""The report builder: every section computed once, titles from the data, verdicts that
follow their tests, one sentence for a missing table, and metrics from the same results."""

from __future__ import annotations

import json
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import kamlib
import kamlib.profit
import kamlib.segment
from kamlib import document
from kamlib._format import money, share
from kamlib.document import Figure, Table, Text

BRANCH = "Suzhou"


@pytest.fixture(scope="module")
def book(sample_book):
    return sample_book  # the sample, read once per session (conftest)


@pytest.fixture(scope="module")
def report(book):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return kamlib.build_report(book, BRANCH)


def _without(book: kamlib.Book, *drop: str) -> kamlib.Book:
    kept = {
        t: book.table(t)
        for t in ("billing", "costs", "usage", "contacts")
        if book.has(t) and t not in drop
    }
    return kamlib.Book.from_frames(
        accounts=book.accounts, currency=book.currency, as_of=book.as_of, **kept
    )


def _sentences(report) -> list[str]:
    return [b.text for b in report.blocks() if isinstance(b, Text)]


def test_pnl_and_tiers_are_computed_once(monkeypatch):
    # as the report notebook loads it: one branch, the operator's figures remembered
    book = kamlib.load(kamlib.sample_path(), branch=BRANCH)
    calls = {"pnl": 0, "tiers": 0}
    pnl, tiers = kamlib.profit.customer_pnl, kamlib.segment.value_tiers

    def counted_pnl(b, *a, **k):
        # the branch's P&L over the whole window; the KPIs' half-period P&Ls (six months
        # each, for the change on the earlier half) are other computations
        if len(b.months()) == len(book.months()):
            calls["pnl"] += 1
        return pnl(b, *a, **k)

    def counted_tiers(*a, **k):
        calls["tiers"] += 1
        return tiers(*a, **k)

    monkeypatch.setattr(kamlib.profit, "customer_pnl", counted_pnl)
    monkeypatch.setattr(kamlib.segment, "value_tiers", counted_tiers)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kamlib.build_report(book, BRANCH)
    assert calls == {"pnl": 1, "tiers": 1}


def test_metrics_are_branch_metrics_plus_report_keys(book, report):
    m = report.metrics
    expected = kamlib.branch_metrics(book, BRANCH)
    assert {k: m[k] for k in expected} == expected
    assert set(m) == set(kamlib.report.METRICS_SCHEMA) | set(kamlib.report.REPORT_METRICS_SCHEMA)
    # and by hand: churned accounts and the top-20% profit share
    acc = book.accounts[book.accounts["branch"] == BRANCH]
    assert m["churned"] == int((acc["status"] == "churned").sum())
    profit = kamlib.customer_pnl(book.branch(BRANCH)).table["profit"]
    k = int(np.ceil(0.2 * profit.notna().sum()))
    assert m["top20_profit_share"] == pytest.approx(profit.nlargest(k).sum() / profit.sum())
    # the actions of metrics.json are the report's, in its words
    assert [a["text"] for a in m["actions"]] == list(report.actions.table["action"])
    json.dumps(m)  # JSON-safe


def test_every_table_and_figure_has_a_message_title_and_alt_text(report):
    blocks = list(report.blocks())
    tables = [b for b in blocks if isinstance(b, Table)]
    figures = [b for b in blocks if isinstance(b, Figure)]
    assert len(tables) >= 20 and len(figures) >= 8
    for t in tables:
        assert t.title.strip() and t.name.strip(), t
        assert isinstance(t.frame, pd.DataFrame) and len(t.frame), t.name
    for f in figures:
        assert f.title.strip() and f.alt.strip(), f
        assert f.title in f.alt or f.title.rstrip(".") in f.alt  # the alt text states the finding
    fig = figures[0].render()
    try:
        assert fig.axes[0].get_title(loc="left") == figures[0].title
    finally:
        plt.close(fig)
    # workbook: one sheet per table name, in report order, nothing empty
    assert list(report.tables) == list(dict.fromkeys(t.name for t in tables))


def test_whale_title_numbers_by_hand(book, report):
    profit = kamlib.customer_pnl(book.branch(BRANCH)).table["profit"].dropna()
    ranked = profit.sort_values(ascending=False).to_numpy()
    cum = np.cumsum(ranked)
    i = int(np.argmax(cum))
    peak_at, peak_share = (i + 1) / len(ranked), cum[i] / ranked.sum()
    giveback = cum[i] - ranked.sum()
    title = next(f.title for f in report.section("profit").figures if "give" in f.title)
    assert title == (
        f"The top {share(peak_at)} of accounts earn {share(peak_share)} of profit; "
        f"the last {share(1 - peak_at)} give {money(giveback, 'CNY')} back"
    )


def test_tier_title_by_hand(book, report):
    b = book.branch(BRANCH)
    # the headline is the tier chart's title; the table under it has its own plain title
    title = report.section("segmentation").figures[0].title
    tiers = kamlib.value_tiers(b).table
    top = tiers[tiers["accounts"] > 0].index[-1]
    spend = b.accounts.set_index("account_id")
    assert tiers.loc[top, "label"] in title
    assert share(tiers.loc[top, "share_of_revenue"]) in title
    assert f"{int(tiers.loc[top, 'accounts'])} accounts" in title
    # every account with spend in the window has a tier (those gone before it have none)
    billed = book.billing[book.billing["account_id"].isin(spend.index)]["account_id"].nunique()
    assert billed == tiers["accounts"].sum()


def test_missing_tables_are_said_once_without_empty_charts(book):
    bare = _without(book, "costs", "usage", "contacts")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = kamlib.build_report(bare, BRANCH)
    # the body says it once; the data-quality section lists every missing part again
    said = [
        b.text
        for s in r.sections
        if s.key != "data_quality"
        for b in s.blocks
        if isinstance(b, Text)
    ]
    # ... once in each section with a part that needs the table (a cost table: the profit
    # section, the key accounts' service and the managers' discounts), never twice in one
    from kamlib._coverage import SECTIONS

    for table, word in (
        ("costs", "cost table"),
        ("usage", "usage table"),
        ("contacts", "retention-contact table"),
    ):
        needing = {p.section for p in SECTIONS for n in p.needs if n.alternatives == (table,)}
        for s in r.sections:
            if s.key == "data_quality":
                continue
            n = sum(word in b.text for b in s.blocks if isinstance(b, Text))
            assert n == (1 if s.key in needing else 0), (word, s.key)
    # no other sentence repeats that costs are missing
    assert not [
        s
        for s in said
        if ("no cost" in s.lower() or "costs" in s.lower()) and "cost table" not in s
    ]
    profit = r.section("profit")
    assert [b.kind for b in profit.blocks if isinstance(b, Text)] == ["missing"]
    assert [f.title for f in profit.figures] == [
        t for t in (f.title for f in profit.figures) if "revenue" in t
    ]  # only the revenue curve, which needs no costs
    assert not r.section("retention").figures and not r.section("retention").tables
    assert all(len(df) for df in r.tables.values())
    assert r.metrics["profit"] is None and r.metrics["whale_peak_share"] is None


def _shuffled_causes(book: kamlib.Book, seed: int) -> kamlib.Book:
    acc = book.accounts.copy()
    lost = acc.index[acc["status"] == "churned"]
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(lost))
    for col in ("churn_cause", "churn_cause_group"):
        acc.loc[lost, col] = acc.loc[lost, col].to_numpy()[order]
    return kamlib.Book.from_frames(accounts=acc, currency=book.currency, as_of=book.as_of)


def test_association_verdict_follows_the_test(book):
    b = _shuffled_causes(book, 1).branch(BRANCH)
    assoc = kamlib.cause_association(b, by="customer_type")
    assert not assoc.significant
    assert "no real difference" in document._association_verdict(assoc)
    # planted: every key account that left went to a competitor, nobody else did
    acc = book.accounts.copy()
    lost = acc["status"] == "churned"
    key = acc["customer_type"] == "key_account"
    acc.loc[lost & key, "churn_cause_group"] = "competitor"
    acc.loc[lost & ~key, "churn_cause_group"] = "internal"
    acc.loc[lost, "churn_cause"] = acc.loc[lost, "churn_cause_group"].map(
        {"competitor": "competitor_price", "internal": "price"}
    )
    planted = kamlib.Book.from_frames(accounts=acc, currency=book.currency, as_of=book.as_of)
    assoc = kamlib.cause_association(planted.branch(BRANCH), by="customer_type")
    assert assoc.significant
    verdict = document._association_verdict(assoc)
    assert "no real difference" not in verdict and "differ" in verdict


def test_type_verdict_follows_the_test_and_holds_its_size_under_the_null():
    rng = np.random.default_rng(7)
    n, reps, claims = 600, 200, 0
    kinds = np.repeat(["business", "key_account", "residential"], n // 3)
    for _ in range(reps):
        churned = rng.random(n) < 0.15  # the same churn rate for every type
        df = pd.DataFrame({"customer_type": rng.permutation(kinds), "churned": churned})
        rates = df.groupby("customer_type")["churned"].agg(accounts="size", churned="sum")
        rates["rate"] = rates["churned"] / rates["accounts"]
        verdict = document._type_verdict(document.type_test(rates), rates)
        claims += "no real difference" not in verdict
    # nominal 5%, with a binomial tolerance
    assert claims <= stats.binom.ppf(0.999, reps, 0.05)
    # and a real difference is named, with its highest rate
    rates = pd.DataFrame(
        {"accounts": [200, 200, 200], "churned": [10, 12, 60]},
        index=pd.Index(["business", "key_account", "residential"], name="customer_type"),
    )
    rates["rate"] = rates["churned"] / rates["accounts"]
    verdict = document._type_verdict(document.type_test(rates), rates)
    assert "differs" in verdict and share(0.3) in verdict


def test_drivers_verdict_names_no_driver_on_noise(book):
    b = book.branch(BRANCH)
    acc = b.accounts.copy()
    # every candidate driver reshuffled against who left: nothing can move churn
    tied = [
        c for c in acc if c.startswith("churn") or c in ("status", "join_date", "tenure_months")
    ]
    rng = np.random.default_rng(3)
    order = rng.permutation(len(acc))
    for c in acc.columns.difference([*tied, "account_id", "branch", "name"]):
        acc[c] = acc[c].to_numpy()[order]
    noise = kamlib.Book.from_frames(accounts=acc, currency=book.currency, as_of=book.as_of)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = kamlib.churn_drivers(noise)
        real = kamlib.churn_drivers(b)
    assert d.fit_ is not None and not d.table["significant"].astype(bool).any()
    assert document._drivers_verdict(d) == "No driver moves churn beyond chance."
    assert "strongest driver" in document._drivers_verdict(real)


def test_statistics_go_to_the_appendix(report):
    body = " ".join(s for sec in report.sections for s in sec.sentences if True)
    for word in ("p =", "p <", "chi-square", "Cramér", "silhouette", "odds ratio", "95% CI"):
        assert word not in body.replace("p < 0.05 over", ""), word
    appendix = " ".join(report.appendix.sentences)
    assert "p = " in appendix and "interval" in appendix


def test_input_book_is_not_modified(book):
    before = {t: book.table(t).copy() for t in ("accounts", "billing", "costs") if book.has(t)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kamlib.build_report(book, BRANCH)
    for t, df in before.items():
        pd.testing.assert_frame_equal(book.table(t), df)


def test_write_and_show(report, tmp_path):
    from openpyxl import load_workbook

    metrics, xlsx = report.write(tmp_path)
    assert json.loads(metrics.read_text())["accounts"] == report.metrics["accounts"]
    filled = [n for n, t in report.tables.items() if len(t)]
    assert len(load_workbook(xlsx).sheetnames) == len(filled) + 1  # and the Definitions
    # the actions' sheet keeps the accounts each action names (names, not a count)
    rows = list(load_workbook(xlsx)["Actions this month"].iter_rows(values_only=True))
    column = rows[0].index("Accounts")
    assert [r[column] for r in rows[1:]] == list(report.actions.table["accounts"])
    shown: list = []
    import IPython.display

    orig = IPython.display.display
    IPython.display.display = lambda *objs, **k: shown.extend(objs)
    try:
        report.show()
    finally:
        IPython.display.display = orig
    # Markdown objects, or raw {mime: data} dicts (the formatted tables and pictures)
    html = [
        o.get("text/html", "") if isinstance(o, dict) else getattr(o, "data", "") for o in shown
    ]
    assert html[0] == f"# {BRANCH}"
    images = [h for h in html if h.startswith("<img")]
    assert len(images) == sum(isinstance(b, Figure) for b in report.blocks())
    assert all('alt=""' not in h for h in images)


def test_a_foreign_export_speaks_in_words(maven_csv):
    """The Maven export's report (a schema kamlib never saw: its own columns kept as
    drivers, no billing, no costs) says everything in words: no column codes, file or
    Python names in any sentence, title or note."""
    from .test_rendering import code_words

    book = kamlib.load(maven_csv, mapping="maven", branch="Los Angeles")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = kamlib.build_report(book, "Los Angeles")
    words = [b.text for b in r.blocks() if isinstance(b, Text)]
    words += [b.title for b in r.blocks() if isinstance(b, (kamlib.document.Table, Figure))]
    dq = r.tables.get("Data quality")
    if dq is not None:
        words += dq["what"].tolist()
    assert code_words("\n".join(words)) == []


# -- the report's own words in its language (#17) ------------------------------------------
from kamlib._i18n import language  # noqa: E402
from tests.textcheck import data_names, foreign  # noqa: E402

EDITION_BRANCH = "Hangzhou"


@pytest.fixture(scope="module")
def editions(book):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {lang: kamlib.build_report(book, EDITION_BRANCH, lang=lang) for lang in ("en", "zh")}


def _own_words(r) -> list[str]:
    """What the report builder writes itself, with no other module's label in it: title,
    subtitle, section headings and intros, the KPI block (names, periods, better/worse,
    changes, its title and notes), the actions' intro and the sentences said for a
    missing part or a finding of the builder's own, the actions that name only accounts
    and money (a warned group, loss-making accounts) and the table and figure titles of
    the first screen."""
    lines = [r.title, r.subtitle]
    for s in [*r.sections, r.appendix]:
        lines += [s.heading, s.intro or ""]
    kpi = next(b for b in r.first_screen if isinstance(b, Table) and b.display is not None)
    d = kpi.display
    lines += [kpi.title, *d["kpi"], *d["period"], *d["versus_operator"], *d["branch"]]
    lines += [*d["operator"], *d["change_on_earlier_half"], *r.kpis.notes]
    lines += [b.title for b in r.first_screen if isinstance(b, Table)]
    lines += [b.text for b in r.first_screen if isinstance(b, Text) and b.kind != "actions"]
    lines += [b.text for b in r.blocks() if isinstance(b, Text) and b.kind == "missing"]
    lines += r.section("data_quality").sentences
    a = r.actions.table
    lines += list(a.loc[a["kind"].isin(["retain_group", "fix_loss_maker"]), "action"])
    lines += list(a.loc[a["kind"] != "fix_loss_maker", "why"].dropna())
    lines += list(a["assumption"].dropna())
    with language(r.lang):  # the workbook's words for the kinds, written in the report's
        lines += list(r.actions.readable()[["kind", "source"]].stack())
    return [x for x in lines if isinstance(x, str) and x.strip()]


def _everything(r) -> list[str]:
    """Every sentence and title a reader of the report object sees: the own words, every
    text block, every table and figure title and alt text, every action."""
    lines = _own_words(r)
    for b in r.blocks():
        if isinstance(b, Text):
            lines += b.text.splitlines()
        elif isinstance(b, Table):
            lines.append(b.title)
        else:
            lines += [b.title, b.alt]
    lines += list(r.actions.table["action"]) + list(r.actions.table["why"].dropna())
    return lines


def test_the_chinese_report_writes_its_own_words_in_chinese(book, editions):
    r = editions["zh"]
    lines = _own_words(r)
    assert r.section("churn").heading == "客户为何流失"
    assert "大客户离网率" in list(r.first_screen[0].display["kpi"])
    assert any("本月行动" in x for x in lines)
    # no Latin word but the data's names (accounts, branch, operator) and the allowed
    # abbreviations (ARPU, KPI, CNY, p...)
    assert foreign(lines, "zh", data_names(book)) == []


def test_the_english_report_shows_no_chinese(book, editions):
    r = editions["en"]
    assert r.section("churn").heading == "Why customers leave"
    assert foreign(_everything(r), "en", data_names(book)) == []


def test_names_are_listed_in_the_readers_language():
    from kamlib._format import names_list as _names

    assert _names(["A", "B", "C"]) == "A, B and C"
    assert _names(["A", "B"]) == "A and B"
    with language("zh"):
        assert _names(["苏州", "昆明", "杭州"]) == "苏州、昆明和杭州"
        assert _names(["苏州", "昆明"]) == "苏州和昆明"
        assert _names(["苏州"]) == "苏州"


def test_the_chinese_report_says_every_sentence_and_title_in_chinese(book, editions):
    """The whole report object: its sentences carry the labels of codes (segments, causes,
    customer types) from the shared catalogue; run once those are translated."""
    assert foreign(_everything(editions["zh"]), "zh", data_names(book)) == []


def test_a_long_table_shows_its_first_rows_on_the_page_and_says_where_the_rest_is(monkeypatch):
    import pandas as pd
    from IPython.utils.capture import capture_output

    from kamlib import document

    rows = document.PAGE_ROWS + 50
    frame = pd.DataFrame({"account_id": [f"A{i:04d}" for i in range(rows)], "revenue": 1.0})
    table = document.Table(name="Every key-account contract", title="Contracts", frame=frame)
    said: list[str] = []
    monkeypatch.setattr(document, "_show_markdown", said.append)
    with capture_output() as out:
        document._show_table(table, "CNY")
    page = out.stdout  # outside a kernel, what is displayed is printed
    assert "A0199" in page and "A0200" not in page  # the first 200 rows, no more
    assert said == [
        f"*The first 200 of {rows} rows, in the order shown; every row is in the workbook "
        "tables.xlsx, sheet “Every key-account contract”.*"
    ]
    with capture_output() as out:  # a table that fits: all of it, no sentence
        document._show_table(document.Table(name="t", title="t", frame=frame.iloc[:3]), "CNY")
    assert "A0002" in out.stdout and len(said) == 1
    # longer than a sheet: the page names the sheet with the first rows and the CSV file
    monkeypatch.setattr(document, "SHEET_ROWS", 220)
    long = document.Table(name="Every account: churn risk", title="Risk", frame=frame)
    with capture_output():
        document._show_table(
            long, "CNY", {"Every account: churn risk": "Every account  churn risk"}
        )
    assert said[-1] == (
        f"*The first 200 of {rows} rows, in the order shown; the workbook tables.xlsx holds "
        "the first 220 (sheet “Every account  churn risk”) and the file "
        "tables/Every account  churn risk.csv every row.*"
    )


def test_a_report_writes_a_table_longer_than_a_sheet_whole_as_csv(report, tmp_path, monkeypatch):
    """With the page and sheet caps below the sample's longest table on the page, that
    table's sheet keeps the first rows, its CSV beside the workbook has every row with the
    sheet's headers, and the page names both; a later write with the cap back removes
    that CSV and nothing else in the folder."""
    from openpyxl import load_workbook

    from kamlib import document

    shown = {b.name for b in report.blocks() if isinstance(b, Table) and b.on_page}
    name, frame = max(
        ((n, t) for n, t in report.tables.items() if n in shown), key=lambda kv: len(kv[1])
    )
    cap = len(frame) // 2
    monkeypatch.setattr(document, "PAGE_ROWS", 5)
    monkeypatch.setattr(document, "SHEET_ROWS", cap)
    _, xlsx = report.write(tmp_path)
    files = list((tmp_path / "tables").glob("*.csv"))
    longer = [n for n, t in report.tables.items() if len(t) > cap]
    assert len(files) == len(longer) >= 1
    from kamlib._excel import csv_name

    back = pd.read_csv(tmp_path / "tables" / csv_name(report.sheets[name]), encoding="utf-8-sig")
    sheet = load_workbook(xlsx)[report.sheets[name]]
    assert sheet.max_row == cap + 1 and len(back) == len(frame)  # header + cap; every row
    assert [c.value for c in sheet[1]] == list(back.columns)
    assert [c.value for c in sheet["A"][1:4]] == back.iloc[:3, 0].tolist()
    said: list[str] = []
    monkeypatch.setattr(document, "_show_markdown", said.append)
    from IPython.utils.capture import capture_output

    with capture_output():
        report.show()
    assert any(f"tables/{csv_name(report.sheets[name])}" in x for x in said)
    mine = tmp_path / "tables" / "my own notes.csv"  # a file the report did not write
    mine.write_text("kept")
    monkeypatch.setattr(document, "SHEET_ROWS", 10**6)
    report.write(tmp_path)
    assert list((tmp_path / "tables").glob("*.csv")) == [mine] and mine.read_text() == "kept"
