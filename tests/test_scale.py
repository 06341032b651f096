"""Large input: the out-of-core aggregation gives what pandas gives; the batch runs the
same on a Dask cluster (a LocalCluster here) as on the local runner."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import kamlib

from .conftest import ROOT, checksums, one_account_per_branch, tiny_report


def _lines(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "account_id": [f"{i:05d}" for i in rng.integers(0, 300, n)],  # leading zeros
            "month": rng.choice(["2025-01", "2025-02", "2025-03"], n),
            "product": rng.choice(["mobile", "broadband", "cloud_idc"], n),
            "revenue": rng.normal(100, 40, n).round(2),
        }
    )


def _by_pandas(lines, keys=("account_id", "month", "product")):
    out = lines.groupby(list(keys), as_index=False)["revenue"].sum()
    if "month" in out:
        out["month"] = pd.to_datetime(out["month"], format="%Y-%m")
    return out.sort_values(list(keys)).reset_index(drop=True)


@pytest.mark.parametrize("engine", ["duckdb", "dask"])
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_aggregation_matches_pandas(tmp_path, engine, fmt):
    lines = _lines()
    folder = tmp_path / "lines"
    folder.mkdir()
    for i, start in enumerate(range(0, len(lines), 800)):  # a folder of files, as exports come
        part = lines.iloc[start : start + 800]
        if fmt == "csv":
            part.to_csv(folder / f"part{i}.csv", index=False)
        else:
            part.to_parquet(folder / f"part{i}.parquet", index=False)
    before = checksums(folder)
    got = kamlib.aggregate(folder, engine=engine)
    want = _by_pandas(lines)
    pd.testing.assert_frame_equal(
        got[["account_id", "month", "product"]], want[["account_id", "month", "product"]]
    )
    assert np.allclose(got["revenue"], want["revenue"])
    assert got["account_id"].str.startswith("0").any()  # ids kept as text
    per_account = kamlib.aggregate(folder, by=["account_id"], engine=engine)
    assert np.allclose(per_account["revenue"], _by_pandas(lines, ["account_id"])["revenue"])
    assert checksums(folder) == before


def test_aggregated_billing_feeds_the_analyses(tmp_path):
    lines = _lines()
    lines.to_parquet(tmp_path / "lines.parquet", index=False)
    ids = sorted(lines["account_id"].unique())
    acc = pd.DataFrame({"account_id": ids, "branch": "X", "status": "active"})
    small = kamlib.Book.from_frames(accounts=acc, billing=_by_pandas(lines))
    big = kamlib.Book.from_frames(accounts=acc, billing=kamlib.aggregate(tmp_path))
    a = kamlib.concentration(small)
    b = kamlib.concentration(big)
    assert a.top_share == pytest.approx(b.top_share) and a.gini == pytest.approx(b.gini)


def test_aggregation_errors_are_clear(tmp_path):
    _lines().drop(columns="product").to_csv(tmp_path / "a.csv", index=False)
    with pytest.raises(kamlib.ConfigError, match="no column.*product"):
        kamlib.aggregate(tmp_path)
    _lines().to_parquet(tmp_path / "b.parquet")
    with pytest.raises(kamlib.ConfigError, match="mixes CSV and Parquet"):
        kamlib.aggregate(tmp_path)
    with pytest.raises(kamlib.ConfigError, match="neither a file nor a folder"):
        kamlib.aggregate(tmp_path / "nope")


@pytest.mark.slow
def test_batch_on_a_local_dask_cluster_matches_the_local_runner(
    tmp_path, sample_reports, dask_scheduler
):
    from kamlib.runner import run_reports

    branches = ["Hanzhong", "Suzhou"]
    # one worker process running two reports at once in its threads: each thread must
    # get a kernel of its own
    dist = run_reports(
        ROOT / "data",
        out=tmp_path / "dask",
        branches=branches,
        scheduler=dask_scheduler,
        progress=False,
        overview=False,  # the branches are compared (the overview: test_reports)
    )
    assert not dist.failed, dist.failed
    for br in branches:  # the local runner's reports of the sample
        a = json.loads((sample_reports / br / "metrics.json").read_text(encoding="utf-8"))
        b = json.loads((tmp_path / "dask" / br / "metrics.json").read_text(encoding="utf-8"))
        assert a == b
        for f in ("report.html", "tables.xlsx", "report.ipynb"):
            assert (tmp_path / "dask" / br / f).is_file()
    assert (tmp_path / "dask" / "index.html").is_file()


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path, monkeypatch):
    from kamlib import runner
    from kamlib.runner import run_reports

    monkeypatch.setattr(runner, "SCHEDULER_TIMEOUT", 2)
    with pytest.raises(kamlib.ConfigError, match="cannot reach the Dask scheduler"):
        run_reports(
            one_account_per_branch(tmp_path / "data", ["Hanzhong"]),
            out=tmp_path / "out",
            branches=["Hanzhong"],
            scheduler="tcp://127.0.0.1:9",
            progress=False,
        )


def test_a_prepared_branch_reads_only_its_own_files_and_gives_the_same_report(
    tmp_path, sample_book
):
    book = sample_book
    before = checksums(ROOT / "data")
    d = kamlib.prepare(ROOT / "data", tmp_path / "prepared")
    assert checksums(ROOT / "data") == before
    # the manifest, one folder per branch, the churn-risk model and the lifetime fits
    assert len(list(d.iterdir())) == 1 + len(book.branches) + 2
    one = kamlib.load(d, branch="Suzhou")
    assert set(one.accounts["branch"]) == {"Suzhou"}
    assert {k: v for k, v in one.operator.items() if k != "kpis"} == {
        "accounts": 2000,
        "revenue": pytest.approx(float(book.period_revenue().sum())),
        "churned accounts": int((book.accounts["status"] == "churned").sum()),
    }
    # and the operator's KPIs, as the whole book gives them
    assert one.operator["kpis"] == pytest.approx(kamlib.decisions.operator_kpis(book))
    pd.testing.assert_frame_equal(
        kamlib.kpis(one, "Suzhou").table, kamlib.kpis(book, "Suzhou").table
    )
    pd.testing.assert_frame_equal(
        kamlib.key_figures(one, "Suzhou").table, kamlib.key_figures(book, "Suzhou").table
    )
    a, b = kamlib.branch_metrics(one, "Suzhou"), kamlib.branch_metrics(book, "Suzhou")
    for k, v in b.items():
        assert a[k] == (pytest.approx(v) if isinstance(v, float) else v), k
    # the same from the original folder, without preparing
    direct = kamlib.load(ROOT / "data", branch="Suzhou")
    assert direct.operator["kpis"] == pytest.approx(one.operator["kpis"])
    assert {k: v for k, v in direct.operator.items() if k != "kpis"} == pytest.approx(
        {k: v for k, v in one.operator.items() if k != "kpis"}
    )
    with pytest.raises(kamlib.DataError, match="no branch named 'Atlantis'"):
        kamlib.load(d, branch="Atlantis")


@pytest.mark.parametrize("engine", ["duckdb", "dask"])
def test_cost_lines_aggregate_per_account_and_month(tmp_path, engine):
    lines = pd.DataFrame(
        {
            "account_id": ["a", "a", "a", "b"],
            "month": ["2025-01-03", "2025-01-20", "2025-02-01", "2025-01-05"],  # dates
            "service_tickets": [1, 2, 4, 8],
            "network": [10.0, 20.0, 40.0, 80.0],
        }
    )
    lines.to_csv(tmp_path / "costs.csv", index=False)
    got = kamlib.aggregate(tmp_path, table="costs", engine=engine)
    assert got["account_id"].tolist() == ["a", "a", "b"]
    assert got["month"].dt.strftime("%Y-%m").tolist() == ["2025-01", "2025-02", "2025-01"]
    assert got["service_tickets"].tolist() == [3, 4, 8]
    assert got["network"].tolist() == [30.0, 40.0, 80.0]
    with pytest.raises(kamlib.ConfigError, match="table must be one of"):
        kamlib.aggregate(tmp_path, table="usage")


@pytest.mark.parametrize("dtype", ["str", "object", "string[pyarrow]", "int64"])
def test_lookup_is_map(dtype):
    """kamlib's id lookup (Arrow, no Python objects) gives what Series.map gives."""
    from kamlib._book import lookup

    ids = pd.Series(["a", "b", "c", "d", "e"] if dtype != "int64" else [1, 2, 3, 4, 5])
    ids = ids.astype(dtype)
    tiers = pd.Series(
        pd.Categorical(["A", "B", "A", "C", "B"], categories=["A", "B", "C"]),
        index=pd.Index(ids.to_numpy()),
        name="tier",
    )
    spend = pd.Series([1.5, 2.0, 0.0, np.nan, 7.0], index=pd.Index(ids.to_numpy()))
    keys = [
        ids,  # the same order: the fast path
        ids.iloc[[4, 0, 2]],  # a subset, reordered, keeping its index
        pd.concat([ids, ids.iloc[:2]], ignore_index=True),  # billing lines repeat ids
    ]
    missing = pd.Series(["zz", None, "c"] if dtype != "int64" else [99, 3, 3])
    keys.append(missing.astype(dtype) if dtype != "int64" else missing)
    for k in keys:
        for values in (tiers, spend):
            got, want = lookup(k, values), k.map(values)
            assert list(got.index) == list(k.index)
            assert got.isna().tolist() == want.isna().tolist()
            assert got.dropna().tolist() == want.dropna().tolist()
            assert isinstance(got.dtype, pd.CategoricalDtype) == isinstance(
                want.dtype, pd.CategoricalDtype
            )
    twice = pd.Series(
        [1, 2], index=pd.Index(["a", "a"]).astype(dtype if dtype != "int64" else "object")
    )
    if dtype != "int64":
        with pytest.raises(Exception, match="unique"):  # as map: ambiguous ids are an error
            lookup(ids.iloc[:2], twice)


def test_churn_cross_tabs_equal_crosstab(sample_book):
    """The grouped counts behind the churn cross-tabs equal pd.crosstab."""
    tiers = kamlib.value_tiers(sample_book).assignment
    acc = sample_book.accounts
    # churned during the window (the sample's accounts that left before it are not counted)
    lost = acc[(acc["status"] == "churned") & ~(acc["churn_date"] < pd.Timestamp("2025-01-01"))]
    want = pd.crosstab(
        lost["churn_cause"].fillna("unknown").to_numpy(),
        lost["account_id"].map(tiers).astype(object).fillna("unknown").to_numpy(),
    )
    got = kamlib.cause_tree(sample_book, by=tiers).table.droplevel("group")
    got = got.groupby(level=0).sum()  # one row per cause
    assert got.index.tolist() == want.index.tolist()
    assert got.loc[:, want.columns.tolist()].to_numpy().tolist() == want.to_numpy().tolist()
    assert (got.drop(columns=want.columns.tolist()).to_numpy() == 0).all()
    obs = kamlib.cause_association(sample_book, by=tiers).observed
    known = lost[lost["churn_cause_group"].fillna("unknown") != "unknown"]  # not a cause
    want2 = pd.crosstab(
        known["churn_cause_group"].to_numpy(),
        known["account_id"].map(tiers).astype(object).fillna("unknown").to_numpy(),
    )
    # the association names its rows and columns in words (cause groups, tiers)
    want2 = want2.rename(index=kamlib.label, columns=kamlib.label)
    assert "unknown" not in obs.index and kamlib.label("unknown") not in obs.index
    assert obs.loc[want2.index, want2.columns].to_numpy().tolist() == want2.to_numpy().tolist()


def test_a_batch_on_prepared_data_reads_no_whole_book(
    tmp_path, monkeypatch, sample_book, sample_reports
):
    """A national run prepares each province once; the batch then lists and sizes the
    branches from the manifest and never loads the whole operator in the submitting
    process. The reports are those of a run on the raw data."""
    from kamlib import runner

    d = kamlib.prepare(ROOT / "data", tmp_path / "prepared")

    def whole_book(*a, **k):
        raise AssertionError("the batch loaded the whole book")

    monkeypatch.setattr(runner, "load", whole_book)
    with pytest.raises(kamlib.DataError, match="no branch named 'Atlantis'"):
        runner.run_reports(d, out=tmp_path / "x", branches=["Atlantis"], progress=False)
    # sizing the branches is the runner's business: the tiny notebook does for the reports
    tiny = tiny_report(tmp_path / "nb" / "tiny.ipynb", "assert data and branch")
    s = runner.run_reports(
        d, out=tmp_path / "sized", min_accounts=500, notebook=tiny, jobs=1, progress=False
    )
    counts = sample_book.accounts["branch"].value_counts()
    assert sorted(s.skipped_small) == sorted(counts[counts < 500].index)
    big = sorted(counts[counts >= 500].index)
    assert [(r.branch, r.status) for r in s.results] == [(b, "done") for b in big]
    s = runner.run_reports(  # the branch is compared (the overview: test_reports)
        d, out=tmp_path / "prep", branches=["Hanzhong"], progress=False, overview=False
    )
    assert not s.failed
    assert not (tmp_path / "prep" / ".prepared").exists()  # the prepared data are used as they are
    a = (sample_reports / "Hanzhong" / "metrics.json").read_text(encoding="utf-8")
    assert a == (tmp_path / "prep" / "Hanzhong" / "metrics.json").read_text(encoding="utf-8")
