"""Reading operators' exports: canonical folders, mapping files, CSV/Parquet/xlsx.

Input files are only ever opened for reading.
"""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from ._book import Book, build_book, lookup, unknown_branch
from ._errors import ConfigError, DataError, Issue
from ._files import replace_dir, safe_name
from ._schema import TABLES
from ._settings import MappingSpec, OperatorFile, config_path, read_file
from ._validate import normalise_code
from .draft import refuse_todo

SUFFIXES = (".csv", ".parquet", ".xlsx")
BUILTIN_MAPPINGS = {"maven": "maven_telecom_churn.yaml"}


def _decode(data: bytes, file: str) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK); mixed is an error."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        utf8_error = e
    # A file that is partly valid multi-byte UTF-8 and partly not was stitched together
    # from exports in different encodings: decoding it as GBK would garble the UTF-8 part.
    lines = data.split(b"\n")
    utf8_lines, bad_lines = [], []
    for n, line in enumerate(lines, start=1):
        try:
            text = line.decode("utf-8")
            if any(ord(ch) > 127 for ch in text):
                utf8_lines.append(n)
        except UnicodeDecodeError:
            bad_lines.append(n)
    if utf8_lines and bad_lines:
        raise DataError(
            [
                Issue(
                    "error",
                    "input",
                    None,
                    "mixed-encoding",
                    "the file mixes encodings: some lines are UTF-8 and others are not (e.g. GBK); "
                    "re-export it in one encoding (UTF-8 is best)",
                    tuple(f"line {n}" for n in bad_lines[:5]),
                    len(bad_lines),
                    file,
                )
            ]
        )
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        pos = utf8_error.start
        line_no = data[:pos].count(b"\n") + 1
        raise DataError(
            [
                Issue(
                    "error",
                    "input",
                    None,
                    "unknown-encoding",
                    "the file is neither UTF-8 nor GBK/GB18030; re-export it as UTF-8",
                    (f"line {line_no}",),
                    1,
                    file,
                )
            ]
        ) from None


def read_csv(path: Path, *, delimiter: str = ",", encoding: str | None = None) -> pd.DataFrame:
    """Read a CSV export as text columns, with clear errors for the usual breakages."""
    file = str(path)
    data = path.read_bytes()
    if not data.strip():
        raise DataError(
            [Issue("error", "input", None, "empty-file", "the file is empty", file=file)]
        )
    text = data.decode(encoding) if encoding else _decode(data, file)
    header = text.splitlines()[0] if text else ""
    if delimiter not in header:
        for other, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars")):
            if other in header:
                raise DataError(
                    [
                        Issue(
                            "error",
                            "input",
                            None,
                            "wrong-delimiter",
                            f"the header is split by {name}, not '{delimiter}'; set `delimiter:` for this "
                            "table in a mapping file, or re-export with commas",
                            ("line 1",),
                            1,
                            file,
                        )
                    ]
                )
    try:
        df = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skipinitialspace=True,
        )
    except pd.errors.ParserError as e:
        raise DataError(
            [Issue("error", "input", None, "malformed-csv", str(e).strip(), file=file)]
        ) from None
    if len(df) and not text.endswith(("\n", "\r")):
        last = df.iloc[-1]
        if last.isna().iloc[-1] and df.shape[1] > 1 and not df.iloc[:-1].iloc[:, -1].isna().all():
            raise DataError(
                [
                    Issue(
                        "error",
                        "input",
                        None,
                        "truncated-file",
                        "the last line is cut short (fewer fields than the header, no final newline): "
                        "the export was probably interrupted",
                        (f"line {len(df) + 1}",),
                        1,
                        file,
                    )
                ]
            )
    return _dedupe_header(df, text, delimiter)


def _dedupe_header(df: pd.DataFrame, text: str, delimiter: str) -> pd.DataFrame:
    """pandas renames a repeated header 'x' to 'x.1'; restore it so validation sees it."""
    import csv

    first = next(csv.reader(io.StringIO(text.splitlines()[0]), delimiter=delimiter))
    first = [c.strip() for c in first]
    if len(first) == df.shape[1] and len(set(first)) < len(first):
        df.columns = first
    return df


def read_table_file(
    path: Path,
    *,
    sheet: str | None = None,
    table: str = "",
    delimiter: str = ",",
    encoding: str | None = None,
) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(
            [
                Issue(
                    "error",
                    table or "input",
                    None,
                    "missing-file",
                    f"file {path} not found",
                    file=str(path),
                )
            ]
        )
    suffix = path.suffix.lower()
    if suffix == ".csv" or suffix == ".txt":
        return read_csv(path, delimiter=delimiter, encoding=encoding)
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix in (".xlsx", ".xlsm"):
        sheets = pd.ExcelFile(path, engine="openpyxl")
        names = [str(n) for n in sheets.sheet_names]
        if sheet is None:
            if table in names:
                sheet = table
            elif len(names) == 1:
                sheet = names[0]
            else:
                raise DataError(
                    [
                        Issue(
                            "error",
                            table or "input",
                            None,
                            "which-sheet",
                            f"the workbook has {len(names)} sheets ({', '.join(names)}); name the one "
                            f"to read with `sheet:` in a mapping file, or call a sheet '{table}'",
                            file=str(path),
                        )
                    ]
                )
        elif sheet not in names:
            raise DataError(
                [
                    Issue(
                        "error",
                        table or "input",
                        None,
                        "which-sheet",
                        f"no sheet {sheet!r}; the workbook has {', '.join(names)}",
                        file=str(path),
                    )
                ]
            )
        frame = sheets.parse(sheet, dtype=str, keep_default_na=False, na_values=[""])
        assert isinstance(frame, pd.DataFrame)  # one sheet named -> one frame
        return frame
    raise DataError(
        [
            Issue(
                "error",
                table or "input",
                None,
                "file-type",
                f"cannot read {suffix or 'files without a suffix'}; use CSV, Parquet or .xlsx",
                file=str(path),
            )
        ]
    )


def _find(folder: Path, table: str) -> Path | None:
    for suffix in SUFFIXES:
        p = folder / f"{table}{suffix}"
        if p.is_file():
            return p
    return None


def _row_label(path: Path) -> str:
    return "line" if path.suffix.lower() in (".csv", ".txt", ".xlsx", ".xlsm") else "index"


def load(
    source: str | Path,
    *,
    mapping: str | Path | dict | None = None,
    name: str | None = None,
    as_of: str | None = None,
    branch: str | None = None,
) -> Book:
    """Load an operator's data into a validated :class:`Book`.

    Parameters
    ----------
    source
        A folder of canonical tables (``accounts.csv``, ``billing.csv``, ... as CSV,
        Parquet or .xlsx), a single export file to be read through ``mapping``, or a
        mapping YAML file whose table files sit beside it.
    mapping
        A mapping (path, dict, or the name of a bundled one such as ``"maven"``) that
        turns a foreign export into canonical tables: source file per table, column
        renames, value maps, constants and simple derivations. See
        ``docs/mapping.md``.
    name, as_of
        Override the operator name and the end of the observation period.
    branch
        Only this branch, with the whole operator's totals in ``Book.operator`` (for the
        report's comparison). From a dataset made by :func:`kamlib.prepare` only that
        branch's files are read.

    Raises
    ------
    DataError
        With every problem found (file, table, column, rule, example rows).

    Examples
    --------
    >>> import kamlib
    >>> book = kamlib.load(kamlib.sample_path())
    >>> book.branches[:2]
    ['Beijing', 'Hangzhou']
    """
    src = Path(source)
    if src.is_dir() and (src / PREPARED).is_file():
        return _load_prepared(src, branch)
    book = _load_whole(src, mapping=mapping, name=name, as_of=as_of)
    if branch is None:
        return book
    from .decisions import operator_summary

    return book.for_branch(branch, operator=operator_summary(book))


def _load_whole(
    src: Path,
    *,
    mapping: str | Path | dict | None,
    name: str | None,
    as_of: str | None,
) -> Book:
    if mapping is None and src.suffix.lower() in (".yaml", ".yml"):
        mapping, src = src, src.parent
    if mapping is not None:
        return _load_mapped(src, mapping, name=name, as_of=as_of)
    if not src.exists():
        raise DataError(
            [Issue("error", "input", None, "missing-file", f"{src} not found", file=str(src))]
        )
    if src.is_file():
        raise DataError(
            [
                Issue(
                    "error",
                    "input",
                    None,
                    "needs-mapping",
                    "a single export file needs a mapping that says what its columns mean "
                    "(mapping=...); a folder of canonical tables needs none",
                    file=str(src),
                )
            ]
        )
    raw: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    labels: dict[str, str] = {}
    for table in TABLES:
        p = _find(src, table)
        if p is not None:
            raw[table] = read_table_file(p, table=table)
            files[table], labels[table] = str(p), _row_label(p)
    if "accounts" not in raw:
        raise DataError(
            [
                Issue(
                    "error",
                    "accounts",
                    None,
                    "missing-table",
                    f"no accounts.csv, accounts.parquet or accounts.xlsx in {src}",
                    file=str(src),
                )
            ]
        )
    meta: dict[str, Any] = {}
    meta_file = src / "operator.yaml"
    if meta_file.is_file():
        meta = read_file(meta_file, OperatorFile, what="operator.yaml").model_dump(
            exclude_unset=True
        )
    return build_book(
        raw,
        files=files,
        row_labels=labels,
        name=name or meta.get("name", src.name),
        currency=meta.get("currency", "CNY"),
        as_of=as_of or meta.get("as_of"),
        source=str(src),
        observed_from=meta.get("observed_from"),
        revenue_basis=meta.get("revenue_basis", "net"),
        assumed=meta.get("assumed"),
    )


def _resolve_mapping(mapping: str | Path | dict) -> tuple[dict[str, Any], Path | None]:
    """The mapping checked against its model (unknown keys and wrong types refused), as
    the keys the user gave: what is not given keeps its default at the point of use."""
    source: str | Path | dict
    if isinstance(mapping, dict):
        source, path = mapping, None
    else:
        key = str(mapping)
        path = (
            config_path("mappings") / BUILTIN_MAPPINGS[key]
            if key in BUILTIN_MAPPINGS
            else Path(key)
        )
        source = path
    spec = read_file(source, MappingSpec, what="mapping", caller="load")
    data = spec.model_dump(exclude_unset=True)
    refuse_todo(data, str(path) if path else "passed to load")  # a draft of kam map, not done
    return data, path


def _kept(s: pd.Series) -> pd.Series:
    """A column kept by a mapping (``keep:``): numbers when every non-blank value is one
    (a CSV is read as text, and a number as text would make each value a category of its
    own), else text with blanks as missing.

    Examples
    --------
    >>> _kept(pd.Series(["3", " 12.5", "", None])).tolist()
    [3.0, 12.5, nan, nan]
    >>> _kept(pd.Series(["Offer A", "", "3"])).tolist()
    ['Offer A', <NA>, '3']
    """
    if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        return s  # Parquet and Excel keep their own types
    if pd.api.types.is_datetime64_any_dtype(s):
        return s
    text = s.astype("string").str.strip()
    text = text.where(text != "", pd.NA)
    number = pd.to_numeric(text, errors="coerce")
    if text.notna().any() and int(number.notna().sum()) == int(text.notna().sum()):
        return number.astype("float64")
    return text


def _apply_table_mapping(
    raw: pd.DataFrame,
    spec: dict[str, Any],
    table: str,
    file: str,
    mfile: str,
    assumed: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, list[Issue]]:
    """Rename, map values, add constants and derivations for one table.

    The columns a constant or a derive rule sets are recorded in ``assumed`` (the rule in
    words): the data do not hold those values, the mapping's author assumed them.
    """
    assumed = {} if assumed is None else assumed
    issues: list[Issue] = []
    columns: dict[str, str] = spec.get("columns") or {}
    keep: dict[str, str] = spec.get("keep") or {}
    missing = [src for src in [*columns.values(), *keep] if src not in raw.columns]
    if missing:
        raise ConfigError(
            f"mapping {mfile}, table {table}: column(s) {', '.join(map(repr, missing))} "
            f"not found in {file}; it has: {', '.join(map(str, raw.columns[:15]))}"
        )
    unknown = [
        c for c in columns if TABLES[table].column(c) is None and not TABLES[table].extra_numeric
    ]
    if unknown:
        raise ConfigError(
            f"mapping {mfile}, table {table}: {', '.join(unknown)} is not a column of the "
            f"{table} table; its columns are {', '.join(c.name for c in TABLES[table].columns)}"
        )
    out = pd.DataFrame({canon: raw[src] for canon, src in columns.items()}, index=raw.index)
    for src, new in keep.items():
        out[new] = _kept(raw[src])
    for canon, value in (spec.get("constants") or {}).items():
        out[canon] = value
        assumed[f"{table}.{canon}"] = f"{value!r} for every row (a constant of the mapping)"
    for canon, vmap in (spec.get("values") or {}).items():
        if canon not in out:
            raise ConfigError(
                f"mapping {mfile}, table {table}: values for {canon!r}, which is not mapped"
            )
        col = out[canon].astype("string").str.strip()
        known = {str(k) for k in vmap}
        unmapped = col.notna() & ~col.isin(known)
        allowed = TABLES[table].column(canon)
        targets = set(allowed.allowed) if allowed and allowed.allowed else None
        if canon == "churn_cause":
            from ._config import cause_taxonomy

            targets = set(cause_taxonomy().index)
        if targets is not None:
            bad_targets = sorted({str(v) for v in vmap.values()} - targets)
            if bad_targets:
                raise ConfigError(
                    f"mapping {mfile}, table {table}: {canon} maps to unknown value(s) "
                    f"{', '.join(map(repr, bad_targets))}; allowed: {', '.join(sorted(targets))}"
                )
            if unmapped.any():
                seen = sorted(set(col[unmapped]))[:5]
                idx = out.index[unmapped.to_numpy()]
                issues.append(
                    Issue(
                        "error",
                        table,
                        canon,
                        "unmapped-value",
                        f"{int(unmapped.sum())} value(s) have no entry in the mapping's values for "
                        f"{canon} ({', '.join(map(repr, seen))})",
                        tuple(f"line {i + 2}" for i in idx[:5]),
                        int(unmapped.sum()),
                        file,
                    )
                )
        out[canon] = col.map({str(k): v for k, v in vmap.items()}).where(~unmapped, col)
    for rule in spec.get("derive") or []:
        target, value, where = rule.get("column"), rule.get("value"), rule.get("where") or {}
        if target is None or value is None:
            raise ConfigError(
                f"mapping {mfile}, table {table}: a derive rule needs column and value: {rule}"
            )
        mask = pd.Series(True, index=out.index)
        for col, want in where.items():
            if col not in out:
                raise ConfigError(
                    f"mapping {mfile}, table {table}: derive rule names {col!r}, not mapped"
                )
            mask &= normalise_code(out[col]) == str(want)
        if target not in out:
            out[target] = pd.NA
        out[target] = out[target].astype("object").where(~mask.fillna(False), value)
        cond = " and ".join(f"{c} is {w}" for c, w in where.items()) or "every row"
        rule_text = f"{value!r} where {cond} (a derive rule of the mapping)"
        key = f"{table}.{target}"
        assumed[key] = f"{assumed[key]}; {rule_text}" if key in assumed else rule_text
    return out, issues


def _load_mapped(
    source: Path, mapping: str | Path | dict, *, name: str | None, as_of: str | None
) -> Book:
    spec, mpath = _resolve_mapping(mapping)
    mfile = str(mpath) if mpath else "<mapping>"
    tables = spec["tables"]  # the model requires accounts and knows only kamlib's tables
    raw: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    labels: dict[str, str] = {}
    issues: list[Issue] = []
    assumed: dict[str, str] = {}
    base = source if source.is_dir() else source.parent
    for table, tspec in tables.items():
        tspec = tspec or {}
        if source.is_file() and (table == "accounts" or "file" not in tspec):
            path = source
        else:
            path = base / tspec.get("file", f"{table}.csv")
        frame = read_table_file(
            path,
            sheet=tspec.get("sheet"),
            table=table,
            delimiter=tspec.get("delimiter", ","),
            encoding=tspec.get("encoding"),
        )
        raw[table], found = _apply_table_mapping(frame, tspec, table, str(path), mfile, assumed)
        issues += found
        files[table], labels[table] = str(path), _row_label(path)
    return build_book(
        raw,
        files=files,
        row_labels=labels,
        name=name or spec.get("name", source.stem),
        currency=spec.get("currency", "CNY"),
        as_of=as_of or spec.get("as_of"),
        source=str(source),
        extra_issues=issues,
        observed_from=spec.get("observed_from"),
        revenue_basis=spec.get("revenue_basis", "net"),
        assumed=assumed,
    )


def write_book(book: Book, folder: str | Path) -> list[Path]:
    """Write a book as canonical CSV tables (dates as YYYY-MM-DD, months as YYYY-MM)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table in TABLES:
        df = getattr(book, table)
        if not isinstance(df, pd.DataFrame):
            continue
        df = df.copy()
        for col in df.columns:
            c = TABLES[table].column(col)
            if c is not None and c.kind == "month":
                df[col] = df[col].dt.strftime("%Y-%m")
            elif c is not None and c.kind == "date":
                df[col] = df[col].dt.strftime("%Y-%m-%d")
        path = folder / f"{table}.csv"
        df.to_csv(path, index=False, lineterminator="\n", float_format="%.2f")
        written.append(path)
    meta = {
        "name": book.name,
        "currency": book.currency,
        "as_of": book.as_of.strftime("%Y-%m-%d") if book.as_of is not None else None,
        "revenue_basis": book.revenue_basis,
    }
    if book.observed_from is not None:
        meta["observed_from"] = book.observed_from.strftime("%Y-%m-%d")
    if book.assumed:
        meta["assumed"] = dict(book.assumed)
    import yaml

    (folder / "operator.yaml").write_text(
        yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return written


# -- per-branch datasets --------------------------------------------------------------
#: The manifest that marks a folder as a dataset prepared by :func:`prepare`.
PREPARED = "kamlib-prepared.json"


def prepare(
    source: str | Path | Book,
    out: str | Path,
    *,
    mapping: str | Path | dict | None = None,
    cost_model: Any = None,
) -> Path:
    """Validate the data once and split it into one Parquet folder per branch.

    A branch report then reads only its own accounts (``load(out, branch=...)``) instead
    of the whole operator; the operator's totals (for the comparison in each report) and
    KPIs (profit with ``cost_model``) and the run's data-quality notes are kept in the
    manifest ``kamlib-prepared.json``. The
    folder is written beside ``out`` and swapped into place when complete.

    Examples
    --------
    >>> import kamlib, tempfile
    >>> d = kamlib.prepare(kamlib.sample_path(), tempfile.mkdtemp() + "/prepared")
    >>> b = kamlib.load(d, branch="Suzhou")
    >>> len(b.accounts), b.operator["accounts"]
    (373, 2000)
    """
    import json
    import tempfile

    from .decisions import operator_summary

    book = source if isinstance(source, Book) else load(source, mapping=mapping)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    folders = {b: safe_name(b) for b in book.branches}
    acc = book.accounts
    branch_of = acc.set_index("account_id")["branch"]
    for table in TABLES:
        df = acc if table == "accounts" else getattr(book, table)
        if not isinstance(df, pd.DataFrame):
            continue
        key = df["branch"] if table == "accounts" else lookup(df["account_id"], branch_of)
        for br, part in df.groupby(key.to_numpy(), sort=False):  # one pass per table
            d = tmp / folders[br]
            d.mkdir(exist_ok=True)
            part.to_parquet(d / f"{table}.parquet", index=False)
    manifest = {
        "name": book.name,
        "currency": book.currency,
        "as_of": None if book.as_of is None else book.as_of.strftime("%Y-%m-%d"),
        "source": book.source,
        "observed_from": None
        if book.observed_from is None
        else book.observed_from.strftime("%Y-%m-%d"),
        "revenue_basis": book.revenue_basis,
        "assumed": book.assumed,
        "operator": operator_summary(book, cost_model=cost_model),
        "branches": folders,
        # lets a batch list and size the branches without reading any table
        "accounts": {b: int(n) for b, n in acc["branch"].value_counts().items()},
    }
    (tmp / PREPARED).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
    replace_dir(tmp, out)  # the old dataset stays until the new one is whole
    return out


def _load_prepared(src: Path, branch: str | None) -> Book:
    import json

    m = json.loads((src / PREPARED).read_text("utf-8"))
    names = list(m["branches"]) if branch is None else [branch]
    unknown = [b for b in names if b not in m["branches"]]
    if unknown:
        raise unknown_branch(unknown, list(m["branches"]))
    frames: dict[str, pd.DataFrame] = {}
    for table in TABLES:
        parts = [
            pd.read_parquet(f)
            for b in names
            for f in [src / m["branches"][b] / f"{table}.parquet"]
            if f.is_file()
        ]
        if parts:
            frames[table] = pd.concat(parts, ignore_index=True)
    book = Book.from_frames(
        **frames,
        name=m["name"],
        currency=m["currency"],
        as_of=m["as_of"],
        source=m["source"],
        observed_from=m.get("observed_from"),
        revenue_basis=m.get("revenue_basis", "net"),
        assumed=m.get("assumed"),
    )
    return replace(book, operator=m["operator"]) if branch is not None else book
