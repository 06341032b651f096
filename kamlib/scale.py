"""Fact tables larger than memory: aggregated out of core, then handed to the analyses.

A provincial operator's year of billing is hundreds of millions of lines; the analyses
need one row per account, month and product. :func:`aggregate` does that grouping in an
embedded engine (DuckDB) that streams the files and spills to disk, or on a Dask cluster
(``engine="dask"``) when the files live in the cluster's storage. The result is the same
table the pandas path gives (a test checks it on small data), ready for
``Book.from_frames(accounts=..., billing=...)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ._errors import ConfigError

if TYPE_CHECKING:
    from .profit import CostModel

__all__ = ["aggregate", "fact_files"]

#: The keys of each fact table (canonical names). Billing sums its revenue; costs sum the
#: drivers of the cost model (a costs table may carry any driver its cost model prices).
KEYS = {"billing": ("account_id", "month", "product"), "costs": ("account_id", "month")}


def _summed(table: str, cost_model: CostModel | str | Path | dict | None) -> list[str]:
    if table == "billing":
        return ["revenue"]
    from .profit import cost_model as read_cost_model

    return list(read_cost_model(cost_model).table.index)


def fact_files(source: str | Path) -> tuple[list[Path], str]:
    """The CSV or Parquet files of a fact table: one file, or every such file in a folder
    (searched recursively, so a partitioned dataset works). Returns the files and format."""
    p = Path(source)
    if p.is_file():
        files = [p]
    elif p.is_dir():
        files = sorted(f for f in p.rglob("*") if f.suffix.lower() in (".csv", ".parquet"))
    else:
        raise ConfigError(f"aggregate: {p} is neither a file nor a folder")
    kinds = {f.suffix.lower() for f in files}
    if not files:
        raise ConfigError(f"aggregate: no .csv or .parquet files under {p}")
    if len(kinds) > 1:
        raise ConfigError(f"aggregate: {p} mixes CSV and Parquet files; keep one format")
    return files, kinds.pop().lstrip(".")


def aggregate(
    source: str | Path,
    *,
    table: str = "billing",
    by: Sequence[str] | None = None,
    engine: str = "duckdb",
    memory_limit: str | None = None,
    threads: int | None = None,
    cost_model: CostModel | str | Path | dict | None = None,
) -> pd.DataFrame:
    """Sum a fact table's lines per account and month (and product for billing).

    Parameters
    ----------
    source
        A CSV or Parquet file, or a folder of them (e.g. one file per day or per branch).
        Columns use the canonical names (``account_id``, ``month`` as YYYY-MM or a date,
        ``product``, ``revenue`` for billing; the cost drivers for costs).
    table
        ``billing`` or ``costs``: which columns are keys and which are summed.
    by
        Group keys, to override the table's (e.g. ``["account_id"]``).
    engine
        ``duckdb`` (out of core on this machine) or ``dask`` (on the current Dask client's
        cluster, or locally without one).
    memory_limit, threads
        DuckDB settings (e.g. ``"4GB"``); DuckDB spills to a temporary folder beyond it.
    cost_model
        For ``table="costs"``: the cost model whose drivers are summed (a
        :class:`~kamlib.profit.CostModel`, YAML path or dict; default the bundled
        ``config/costs.yaml``). Other columns are left out.

    Returns
    -------
    DataFrame
        One row per key, sorted by the keys; months as first-of-month timestamps.

    Examples
    --------
    >>> import kamlib, tempfile, pathlib, pandas as pd
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> pd.DataFrame({"account_id": ["a", "a", "b"], "month": ["2025-01"] * 3,
    ...               "product": ["mobile"] * 3, "revenue": [1.0, 2.0, 5.0]}
    ...              ).to_csv(d / "lines.csv", index=False)
    >>> kamlib.aggregate(d)["revenue"].tolist()
    [3.0, 5.0]
    """
    if table not in KEYS:
        raise ConfigError(f"aggregate: table must be one of {', '.join(KEYS)}, not {table!r}")
    summed = _summed(table, cost_model)
    files, kind = fact_files(source)
    keys = list(by or KEYS[table])
    if engine == "duckdb":
        out = _duckdb(files, kind, table, keys, summed, memory_limit, threads)
    elif engine == "dask":
        out = _dask(files, kind, table, keys, summed)
    else:
        raise ConfigError(f"aggregate: engine must be duckdb or dask, not {engine!r}")
    if "month" in out:
        out["month"] = _first_of_month(out["month"])
    if engine == "dask":  # DuckDB sorted already
        out = out.sort_values(keys, kind="stable").reset_index(drop=True)
    return out


def _first_of_month(s: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.dt.to_period("M").dt.to_timestamp()
    return pd.to_datetime(s.astype(str).str[:7], format="%Y-%m")


def _present(
    columns: Sequence[str], table: str, keys: list[str], summed: list[str], where: Path
) -> list[str]:
    missing = [k for k in keys if k not in columns]
    if missing:
        raise ConfigError(
            f"aggregate: {where} has no column(s) {', '.join(missing)}; it has {', '.join(columns)}"
        )
    values = [c for c in summed if c in columns and c not in keys]
    if not values:
        raise ConfigError(
            f"aggregate: {where} has none of the {table} amounts ({', '.join(summed)})"
        )
    return values


def _duckdb(files, kind, table, keys, summed, memory_limit, threads) -> pd.DataFrame:
    import duckdb

    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")  # a library does not print
        if memory_limit:
            con.execute(f"SET memory_limit = '{memory_limit}'")
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        paths = "[" + ", ".join("'" + str(f).replace("'", "''") + "'" for f in files) + "]"
        reader = (
            f"read_parquet({paths}, union_by_name = true)"
            if kind == "parquet"
            else f"read_csv({paths}, union_by_name = true, header = true)"
        )
        # keys and months are read as text, so ids like 00123 keep their zeros
        cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()]
        values = _present(cols, table, keys, summed, files[0].parent)
        # a month key is cut to YYYY-MM, so lines dated by day group into their month
        sel = ", ".join(
            f'left(CAST("{k}" AS VARCHAR), 7) AS "{k}"'
            if k == "month"
            else f'CAST("{k}" AS VARCHAR) AS "{k}"'
            for k in keys
        )
        sums = ", ".join(f'SUM(CAST("{v}" AS DOUBLE)) AS "{v}"' for v in values)
        group = ", ".join(str(i + 1) for i in range(len(keys)))
        # sorted in the engine (parallel), not in pandas afterwards
        query = f"SELECT {sel}, {sums} FROM {reader} GROUP BY {group} ORDER BY {group}"
        return con.execute(query).df()
    finally:
        con.close()


def _dask(files, kind, table, keys, summed) -> pd.DataFrame:
    import dask.dataframe as dd

    paths = [str(f) for f in files]
    ddf = (
        dd.read_parquet(paths)
        if kind == "parquet"
        else dd.read_csv(paths, dtype={k: "string" for k in keys})
    )
    values = _present(list(ddf.columns), table, keys, summed, files[0].parent)
    for k in keys:
        ddf[k] = ddf[k].astype(str)
        if k == "month":  # lines dated by day group into their month
            ddf[k] = ddf[k].str.slice(0, 7)
    out = ddf.groupby(keys)[values].sum().compute().reset_index()
    return out
