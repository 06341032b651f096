"""Prepare a large operator one branch at a time (the streamed path of ``kamlib.prepare``).

The whole-book path holds the operator in memory: by the 200,000-account load's peak, 2
million accounts would need about 23 GB. Here only the accounts table is read whole;
each fact table is read in a stream by Arrow and written out by branch, as the text it
was read as, with each row's place in its file (so every message names the same lines).
Each branch is then validated and built on its own (the same :func:`build_book` as the
whole path) and written; what the prepared dataset keeps of the whole operator is put
together from the branches: the totals and KPIs from each branch's additive parts, the
churn-risk model fitted on a sample of accounts read across branches and scored branch
by branch, the lifetime fits from the accounts table.

What a branch cannot see on its own is checked across them: accounts (read whole), rows
naming no known account (a shard of their own, checked against every account), keys
unique across the table (tickets' ``ticket_id``). When anything is wrong the tables at
fault are validated whole by the careful path, so the messages are exactly the whole
path's (``tests/test_split.py``).
"""

from __future__ import annotations

import json
import pickle
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._book import Book, build_book
from ._errors import ConfigError, DataError
from ._files import replace_dir, safe_name
from ._schema import OPTIONAL_TABLES, TABLES
from ._validate import arrow_text, as_of_from, to_month, to_text, validate_tables

__all__ = ["branches_of", "prepare", "prepare_by_branch", "splittable"]

#: the column that keeps a row's place in its file (its 0-based data row)
_ROW = "__row"
#: the shard of rows whose account is unknown (or has no branch)
_REST = -1


def prepare(
    source: str | Path | Book,
    out: str | Path,
    *,
    mapping: str | Path | dict | None = None,
    cost_model: Any = None,
) -> Path:
    """Validate the data once and split it into one Parquet folder per branch.

    A folder of canonical CSV or Parquet tables is read one branch at a time (this
    module: the operator need not fit in memory); a Book, a mapping or an .xlsx table
    is validated whole first (:func:`kamlib._io.prepare`). Both give the same dataset
    (``tests/test_split.py``). A branch report then reads only its own accounts
    (``load(out, branch=...)``).

    Examples
    --------
    >>> import kamlib, tempfile
    >>> d = kamlib.prepare(kamlib.sample_path(), tempfile.mkdtemp() + "/prepared")
    >>> b = kamlib.load(d, branch="Suzhou")
    >>> len(b.accounts), b.operator["accounts"]
    (373, 2000)
    """
    from ._io import prepare as prepare_whole

    if not isinstance(source, Book) and mapping is None:
        done = prepare_by_branch(Path(source), Path(out), cost_model=cost_model)
        if done is not None:
            return done
    return prepare_whole(source, out, mapping=mapping, cost_model=cost_model)


def splittable(src: Path) -> dict[str, Path] | None:
    """The table files of ``src`` when it can be prepared branch by branch: a folder of
    canonical tables, each CSV or Parquet (an .xlsx sheet is never large), with an
    accounts table. None otherwise (the whole path then reads it)."""
    from ._io import find_table

    if not src.is_dir():
        return None
    files = {t: p for t in TABLES for p in [find_table(src, t)] if p is not None}
    if "accounts" not in files:
        return None
    if any(p.suffix.lower() not in (".csv", ".parquet") for p in files.values()):
        return None
    return files


def branches_of(src: Path) -> list[str] | None:
    """The branch names of the folder's accounts table (as a Book lists them), read and
    typed alone; None when that table has an error (preparing then says what)."""
    from ._io import read_table_file, row_label_of

    files = splittable(src)
    if files is None:
        return None
    typed, issues = validate_tables(
        {"accounts": read_table_file(files["accounts"], table="accounts")},
        files={"accounts": str(files["accounts"])},
        row_labels={"accounts": row_label_of(files["accounts"])},
    )
    if any(i.severity == "error" for i in issues) or "accounts" not in typed:
        return None
    return sorted(typed["accounts"]["branch"].dropna().unique().tolist())


class _Fallback(Exception):
    """This data must be read whole (a file the quick reader refuses)."""


def _batches(path: Path) -> Iterator[Any]:
    """The file's rows as Arrow record batches, read as :func:`kamlib._io.read_csv` reads
    the whole file (or raise :class:`_Fallback` where that reader would not be used)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from ._io import csv_options, leads_with_blank

    if path.suffix.lower() == ".parquet":
        yield from pq.ParquetFile(path).iter_batches(batch_size=1 << 20)
        return
    opts = csv_options(path, ",")
    if opts is None:
        raise _Fallback(path)
    names, read, parse, convert = opts
    n = 0
    try:
        reader = pacsv.open_csv(
            path, read_options=read, parse_options=parse, convert_options=convert
        )
        for batch in reader:
            if batch.schema.names != names:
                raise _Fallback(path)
            if any(leads_with_blank(pa.chunked_array([c])) for c in batch.columns):
                raise _Fallback(path)
            n += batch.num_rows
            yield batch
    except (pa.ArrowException, OSError):
        raise _Fallback(path) from None
    if n == 0:
        raise _Fallback(path)


def _ids(batch: Any, column: str) -> Any:
    """The batch's account ids as the validation types them (trimmed text), in Arrow."""
    import pyarrow as pa

    col = batch.column(batch.schema.get_field_index(column))
    if pa.types.is_large_string(col.type) or pa.types.is_string(col.type):
        s = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([col]).cast(pa.large_string())))
        text = arrow_text(s)
        return text.combine_chunks() if text is not None else pa.array(to_text(s))
    return pa.array(to_text(pd.Series(col.to_pandas())).astype(object))


def _row_codes(batch: Any, accounts: pd.Index, codes: np.ndarray) -> np.ndarray:
    """Each row's branch code by its ``account_id`` (:func:`_branch_codes`). Text ids are
    typed (trimmed) once per distinct value of the batch, not once per row: a batch of a
    million billing lines holds some tens of thousands of accounts."""
    import pyarrow as pa
    import pyarrow.compute as pc

    col = batch.column(batch.schema.get_field_index("account_id"))
    if not (pa.types.is_large_string(col.type) or pa.types.is_string(col.type)):
        return _branch_codes(_ids(batch, "account_id"), accounts, codes)
    enc = pc.dictionary_encode(col)
    if isinstance(enc, pa.ChunkedArray):
        enc = enc.combine_chunks()
    raw = pd.Series(
        pd.arrays.ArrowStringArray(pa.chunked_array([enc.dictionary]).cast(pa.large_string()))
    )
    text = arrow_text(raw)
    typed = text.combine_chunks() if text is not None else pa.array(to_text(raw))
    found = accounts.get_indexer(
        pd.Index(pd.arrays.ArrowStringArray(typed.cast(pa.large_string())))
    )
    per_id = np.where(found >= 0, codes[np.maximum(found, 0)], _REST)
    at = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return np.where(at >= 0, per_id[np.maximum(at, 0)] if len(per_id) else _REST, _REST)


def _branch_codes(ids: Any, accounts: pd.Index, codes: np.ndarray) -> np.ndarray:
    """Each row's branch code (``_REST`` for an account not in ``accounts``): the batch's
    distinct ids looked up in the accounts' index, whose hash table is built once (Arrow's
    ``index_in`` hashes its whole value set at every call: 1.1 s for 2 million accounts,
    which made the split of a 2-million-account operator take 15 minutes)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(ids)
    if isinstance(enc, pa.ChunkedArray):
        enc = enc.combine_chunks()
    found = accounts.get_indexer(
        pd.Index(pd.arrays.ArrowStringArray(enc.dictionary.cast(pa.large_string())))
    )
    per_id = np.where(found >= 0, codes[np.maximum(found, 0)], _REST)
    at = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return np.where(at >= 0, per_id[np.maximum(at, 0)] if len(per_id) else _REST, _REST)


def _split_table(
    path: Path, table: str, acc_ids: pd.Index, codes: np.ndarray, tmp: Path
) -> dict[str, Any]:
    """Write the table's rows to ``tmp/<code>.parquet`` by branch code (with ``__row``);
    returns what the stream saw: the billing months of rows with a branch."""
    import pyarrow as pa
    import pyarrow.compute as pc

    writers: dict[int, Any] = {}
    offset = 0
    months: set[pd.Timestamp] = set()
    try:
        for batch in _batches(path):
            if "account_id" not in batch.schema.names:
                raise _Fallback(path)  # the whole path says which column is missing
            code = _row_codes(batch, acc_ids, codes)
            rows = pa.array(np.arange(offset, offset + batch.num_rows, dtype=np.int64))
            offset += batch.num_rows
            full = pa.RecordBatch.from_arrays(
                [*batch.columns, rows], names=[*batch.schema.names, _ROW]
            )
            if table == "billing" and "month" in batch.schema.names:
                # the months of rows with a branch, read once per distinct value (a few
                # dozen), not once per line
                enc = pc.dictionary_encode(batch.column("month"))
                at = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False)
                used = np.unique(at[(code >= 0) & (at >= 0)])
                values = enc.dictionary.take(pa.array(used, type=pa.int64()))
                m = to_month(pd.Series(values.to_pandas()))
                months.update(pd.DatetimeIndex(m.dropna().unique()))
            order = np.argsort(code, kind="stable")
            sorted_codes = code[order]
            bounds = np.flatnonzero(np.diff(sorted_codes)) + 1
            for part in np.split(order, bounds):
                if not len(part):
                    continue
                k = int(code[part[0]])
                piece = full.take(pa.array(part))
                w = writers.get(k)
                if w is None:
                    w = writers[k] = pa.ipc.new_file(tmp / f"{k}.arrow", full.schema)
                w.write_batch(piece)
    finally:
        for w in writers.values():
            w.close()
    return {"months": months}


def _read_shard(path: Path) -> pd.DataFrame | None:
    """A branch's raw rows of one table, indexed by their row in the file."""
    import pyarrow as pa

    if not path.is_file():
        return None
    with pa.ipc.open_file(path) as f:
        t = f.read_all()
    df = t.to_pandas()
    rows = df.pop(_ROW).to_numpy()
    df.index = pd.Index(rows)
    return df


def prepare_by_branch(src: Path, out: Path, *, cost_model: Any = None) -> Path | None:
    """:func:`kamlib.prepare` of the folder ``src`` one branch at a time; None when the
    folder must be read whole (see :func:`splittable`; a file the quick CSV reader does
    not read). Raises :class:`DataError` as loading the whole folder would."""
    import time

    from ._io import read_table_file, row_label_of
    from ._settings import OperatorFile, read_file

    started = time.perf_counter()
    files = splittable(src)
    if files is None:
        return None
    meta: dict[str, Any] = {}
    if (src / "operator.yaml").is_file():
        meta = read_file(src / "operator.yaml", OperatorFile, what="operator.yaml").model_dump(
            exclude_unset=True
        )
    names = {t: str(p) for t, p in files.items()}
    labels = {t: row_label_of(p) for t, p in files.items()}
    raw_acc = read_table_file(files["accounts"], table="accounts")
    typed, issues = validate_tables(
        {"accounts": raw_acc}, files={"accounts": names["accounts"]}, row_labels=labels
    )
    if any(i.severity == "error" for i in issues) or "accounts" not in typed:
        _raise_whole(files, names, labels)  # every table's problems, as the whole path says
    acc = typed["accounts"]
    branches = sorted(acc["branch"].dropna().unique().tolist())
    code_of = {b: k for k, b in enumerate(branches)}
    codes = acc["branch"].map(code_of).fillna(_REST).to_numpy(dtype=np.int64)
    import pyarrow as pa

    # the accounts' ids as an index: its hash table is built once for every batch
    acc_ids = pd.Index(
        pd.arrays.ArrowStringArray(
            pa.array(acc["account_id"].astype(object)).cast(pa.large_string())
        )
    )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}-split-", dir=out.parent))
    made: list[Path] = []
    try:
        return _prepare(
            src,
            out,
            work,
            files,
            names,
            labels,
            meta,
            raw_acc,
            acc,
            branches,
            codes,
            acc_ids,
            cost_model,
            started,
            made=made,
        )
    except _Fallback:
        for d in made:
            shutil.rmtree(d, ignore_errors=True)
        return _whole(src, out, cost_model)
    except BaseException:
        for d in made:  # the half-written dataset (once whole, it was moved to ``out``)
            shutil.rmtree(d, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


@dataclass
class _Step:
    """What one branch's validation and writing needs (:func:`_step`)."""

    k: int
    work: Path
    folder: Path | None  # None: an error is already known, nothing is written
    facts: list[str]
    keyed: dict[str, tuple[str, ...]]
    names: dict[str, str]
    labels: dict[str, str]
    book_meta: dict[str, Any]
    accounts: pd.DataFrame
    sampled: np.ndarray  # which of the branch's accounts the churn-risk model samples
    months: pd.DatetimeIndex
    cost_model: Any


def _step(st: _Step) -> dict[str, Any]:
    """Validate one branch's rows and write its tables (when ``st.folder``); return the
    key columns checked across branches (``keys``), the tables at fault (``bad``), the
    rows of the churn-risk sample (``sample``) and the branch's additive operator figures
    (``parts``, :func:`kamlib.decisions.operator_parts`)."""
    from .decisions import operator_parts

    raw: dict[str, pd.DataFrame] = {"accounts": st.accounts}
    for t in st.facts:
        df = _read_shard(st.work / t / f"{st.k}.arrow")
        if df is not None:
            raw[t] = df
    # each table's file and rows as the whole path names them
    keys: dict[str, pd.DataFrame] = {}
    for t, key in st.keyed.items():
        if t in raw and all(c in raw[t] for c in key):
            part = raw[t][list(key)].copy()
            part[_ROW] = raw[t].index.to_numpy()
            keys[t] = part
    done: dict[str, Any] = {
        "keys": keys,
        "bad": set(),
        "sample": None,
        "parts": None,
        "config_error": None,
    }
    try:
        book = build_book(raw, files=st.names, row_labels=st.labels, consume=True, **st.book_meta)
    except DataError as e:
        done["bad"] = {i.table for i in e.issues if i.severity == "error"}
        return done
    if st.folder is None:
        return done  # an error is reported: no need to write
    st.folder.mkdir(exist_ok=True)
    for t in TABLES:
        df = getattr(book, t)
        if isinstance(df, pd.DataFrame) and len(df):
            df.to_parquet(st.folder / f"{t}.parquet", index=False)
    if st.sampled.any():
        chosen = book.select(st.sampled)
        done["sample"] = {
            t: df for t in TABLES for df in [getattr(chosen, t)] if isinstance(df, pd.DataFrame)
        }
    try:
        done["parts"] = operator_parts(book, months=st.months, cost_model=st.cost_model)
    except ConfigError as e:  # raised after every branch is checked: data errors first
        done["config_error"] = e
    return done


def _whole(src: Path, out: Path, cost_model: Any) -> Path:
    from ._io import load_whole
    from ._io import prepare as prepare_whole

    book = load_whole(src, mapping=None, name=None, as_of=None)
    return prepare_whole(book, out, cost_model=cost_model)


def _prepare(
    src: Path,
    out: Path,
    work: Path,
    files: dict[str, Path],
    names: dict[str, str],
    labels: dict[str, str],
    meta: dict[str, Any],
    raw_acc: pd.DataFrame,
    acc: pd.DataFrame,
    branches: list[str],
    codes: np.ndarray,
    acc_ids: Any,
    cost_model: Any,
    started: float,
    *,
    made: list[Path],
) -> Path:
    import time

    from ._io import PREPARED
    from ._validate import check_fact, coerce_table

    clock = {"start": started, "accounts": time.perf_counter()}
    facts = [t for t in OPTIONAL_TABLES if t in files]
    months: set[pd.Timestamp] = set()
    for t in facts:
        (work / t).mkdir()
        seen = _split_table(files[t], t, acc_ids, codes, work / t)
        months |= seen["months"]
    op_months = pd.DatetimeIndex(sorted(months))
    clock["split"] = time.perf_counter()
    # the end of observation, as the whole path finds it (the last date in the data)
    stamp = (
        pd.Timestamp(meta["as_of"])
        if meta.get("as_of")
        else as_of_from(
            {
                "accounts": acc,
                **({"billing": pd.DataFrame({"month": op_months})} if len(op_months) else {}),
            }
        )
    )
    # rows of no known account (or of an account without a branch): checked against
    # every account, so the whole path's warnings and errors about them are found
    bad_tables: set[str] = set()
    for t in facts:
        rest = _read_shard(work / t / f"{_REST}.arrow")
        if rest is None:
            continue
        df, found = coerce_table(TABLES[t], rest, file=names[t], row_label=labels[t])
        if df is not None:
            _, more = check_fact(TABLES[t], df, acc["account_id"], names[t], labels[t])
            found += more
        if any(i.severity == "error" for i in found):
            bad_tables.add(t)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    made.append(tmp)  # removed by the caller if anything below raises
    folders = {b: safe_name(b) for b in branches}
    counts = {b: int((codes == k).sum()) for k, b in enumerate(branches)}
    keyed = {t: TABLES[t].key for t in facts if "account_id" not in TABLES[t].key}
    keys: dict[str, list[pd.DataFrame]] = {t: [] for t in keyed}
    book_meta = dict(
        name=meta.get("name", src.name),
        currency=meta.get("currency", "CNY"),
        as_of=stamp,
        source=str(src),
        observed_from=meta.get("observed_from"),
        revenue_basis=meta.get("revenue_basis", "net"),
        assumed=meta.get("assumed"),
        computed=meta.get("computed"),
    )
    acc_rows = raw_acc.index.to_numpy()
    # the accounts the churn-risk model is fitted on: those the whole path samples (a
    # seeded sample of the accounts table in file order), kept as each branch passes
    keep = _risk_sample(len(acc))
    sample_parts: dict[str, list[pd.DataFrame]] = {}
    sample_rows: list[np.ndarray] = []
    op_parts: list[dict[str, Any]] = []  # each branch's additive operator figures
    config_errors: list[ConfigError | None] = []  # a cost model's, raised after data errors
    steps = [
        _Step(
            k=k,
            work=work,
            folder=None if bad_tables else tmp / folders[b],
            facts=facts,
            keyed=keyed,
            names=names,
            labels=labels,
            book_meta=book_meta,
            accounts=raw_acc.loc[acc_rows[codes == k]],
            sampled=keep[np.flatnonzero(codes == k)],
            months=op_months,
            cost_model=cost_model,
        )
        for k, b in enumerate(branches)
    ]
    # one branch at a time: two worker processes, each holding a branch (about 4 GB at
    # 400,000 accounts), brought the step from 92 s to 84-119 s on 2 cores, not half
    for k, done in enumerate(map(_step, steps)):
        for t, part in done["keys"].items():
            keys[t].append(part)
        bad_tables |= done["bad"]
        if bad_tables:  # an error is reported: the branches not yet started are not written
            for later in steps[k + 1 :]:
                later.folder = None
        config_errors.append(done["config_error"])
        if done["parts"] is not None:
            op_parts.append(done["parts"])
        if done["sample"] is not None:
            pos = np.flatnonzero(codes == k)  # the branch's accounts, in file order
            sample_rows.append(pos[steps[k].sampled])
            for t, df in done["sample"].items():
                sample_parts.setdefault(t, []).append(df)
    del steps
    # keys that must be unique across the whole table (a ticket id in two branches)
    from ._validate import duplicated_keys

    for t, parts in keys.items():
        if parts and t not in bad_tables:
            allkeys = pd.concat(parts).sort_values(_ROW)
            typed_keys = pd.DataFrame({c: to_text(allkeys[c]) for c in keyed[t]}).dropna()
            if len(typed_keys) and duplicated_keys(typed_keys, list(keyed[t])).any():
                bad_tables.add(t)
    if bad_tables:
        shutil.rmtree(tmp, ignore_errors=True)
        _raise_whole(files, names, labels)
    first_error = next((e for e in config_errors if e is not None), None)
    if first_error is not None:
        shutil.rmtree(tmp, ignore_errors=True)
        raise first_error
    manifest_meta = {
        "name": book_meta["name"],
        "currency": book_meta["currency"],
        "as_of": None if stamp is None else pd.Timestamp(stamp).strftime("%Y-%m-%d"),
        "source": str(src),
        "observed_from": None
        if meta.get("observed_from") is None
        else pd.Timestamp(meta["observed_from"]).strftime("%Y-%m-%d"),
        "revenue_basis": book_meta["revenue_basis"],
        "assumed": dict(meta.get("assumed") or {}),
        "computed": dict(meta.get("computed") or {}),
    }
    sample_frames = {t: pd.concat(p, ignore_index=True) for t, p in sample_parts.items()}
    del sample_parts
    order = np.argsort(np.concatenate(sample_rows), kind="stable")  # accounts in file order
    sample_frames["accounts"] = sample_frames["accounts"].iloc[order].reset_index(drop=True)
    clock["branches"] = time.perf_counter()
    operator = _operator_models(
        tmp, folders, manifest_meta, acc, sample_frames, op_months, op_parts
    )
    manifest = {
        **manifest_meta,
        "operator": operator,
        "branches": folders,
        "accounts": counts,
        # where the time went (seconds): for the benchmark and a user's log
        "prepare_seconds": {
            "read and validate the accounts": round(clock["accounts"] - clock["start"], 1),
            "split the other tables by branch": round(clock["split"] - clock["accounts"], 1),
            "validate and write each branch": round(clock["branches"] - clock["split"], 1),
            "operator figures and models": round(time.perf_counter() - clock["branches"], 1),
        },
    }
    (tmp / PREPARED).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
    replace_dir(tmp, out)
    return out


def _raise_whole(files: dict[str, Path], names: dict[str, str], labels: dict[str, str]) -> None:
    """Validate every table whole by the whole path's own checks, one table in memory at
    a time, and raise what they find (so every message, count and example row is the
    one ``kamlib.load`` gives)."""
    from ._io import read_table_file

    def reader(t: str) -> Any:
        return lambda: read_table_file(files[t], table=t)

    _, issues = validate_tables(
        {t: reader(t) for t in files}, files=names, row_labels=labels, consume=True, keep=False
    )
    if not any(i.severity == "error" for i in issues):
        # a branch on its own broke a rule the whole table keeps: a fault of this module
        raise AssertionError("the branch-by-branch split found an error the whole data do not")
    raise DataError(issues)


def _frames(folder: Path) -> dict[str, pd.DataFrame]:
    """The tables of one prepared branch folder."""
    return {t: pd.read_parquet(f) for t in TABLES for f in [folder / f"{t}.parquet"] if f.is_file()}


def _written_book(folder: Path, meta: dict[str, Any]) -> Book:
    """The Book of a branch folder this ``prepare`` has just validated and written, read
    back without validating it again (at 400,000 accounts a second validation took a
    minute of each branch): the tables are those of the validated Book, and the settings
    those ``kamlib.load`` gives it (tests/test_split.py checks the figures and models
    made from it against those of the whole operator). Its ``notes`` are empty: the
    models read none."""
    start, stamp = meta.get("observed_from"), meta.get("as_of")
    return Book(
        **_frames(folder),  # type: ignore[arg-type]
        name=meta["name"],
        currency=meta["currency"],
        as_of=None if stamp is None else pd.Timestamp(stamp),
        source=meta.get("source"),
        observed_from=None if start is None else pd.Timestamp(start).normalize(),
        revenue_basis=meta.get("revenue_basis", "net"),
        assumed=dict(meta.get("assumed") or {}),
        computed=dict(meta.get("computed") or {}),
    )


def _branch_books(tmp: Path, folders: dict[str, str], meta: dict[str, Any]) -> Iterator[Book]:
    """Each branch's Book with the tables a branch report reads, one at a time."""
    for b in folders:
        yield _written_book(tmp / folders[b], meta)


def _risk_sample(n: int) -> np.ndarray:
    """Which of the operator's ``n`` accounts (in file order) the churn-risk model is
    fitted on: the seeded sample :class:`kamlib.ChurnRisk` draws above ``fit_sample``,
    else all."""
    from .watchlist import ChurnRisk, sample_positions, watchlist_rules

    cap = int(watchlist_rules(None).get("fit_sample") or 0)
    keep = np.zeros(n, dtype=bool)
    keep[sample_positions(n, cap, ChurnRisk().seed) if cap and n > cap else np.arange(n)] = True
    return keep


def _operator_models(
    tmp: Path,
    folders: dict[str, str],
    meta: dict[str, Any],
    acc: pd.DataFrame,
    sample_frames: dict[str, pd.DataFrame],
    months: pd.DatetimeIndex,
    parts: list[dict[str, Any]],
) -> dict[str, Any]:
    """Fit the operator's churn-risk model (on ``sample_frames``, the sampled accounts'
    rows) and lifetime fits, pickled into ``tmp`` as the whole path does, scoring every
    branch in one more pass over them, and return the operator's totals and KPIs (from
    ``parts``, each branch's :func:`kamlib.decisions.operator_parts`)."""
    from ._io import CHURN_RISK_FILE, LIFETIMES_FILE
    from .customer_value import operator_lifetimes
    from .decisions import operator_summary_from_parts
    from .watchlist import ChurnRisk

    # the lifetime fits read the accounts table only (and when observation began: the
    # operator's first billing month unless the data say otherwise)
    start = meta.get("observed_from") or (months[0] if len(months) else None)
    whole_acc = Book.from_frames(accounts=acc, **{**meta, "observed_from": start})
    with (tmp / LIFETIMES_FILE).open("wb") as f:
        pickle.dump(operator_lifetimes(whole_acc), f)
    del whole_acc
    model = ChurnRisk()
    sample = Book.from_frames(**sample_frames, **meta)  # type: ignore[arg-type]
    model.fit_sampled(sample, _branch_books(tmp, folders, meta), accounts=len(acc), months=months)
    with (tmp / CHURN_RISK_FILE).open("wb") as f:
        pickle.dump(model.detached(), f)
    return operator_summary_from_parts(parts)
