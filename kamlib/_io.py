"""Reading operators' exports: canonical folders, mapping files, CSV/Parquet/xlsx.

Input files are only ever opened for reading.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from ._book import Book, build_book, lookup, unknown_branch
from ._errors import ConfigError, DataError, Issue
from ._files import replace_dir, safe_name
from ._i18n import ntr
from ._schema import TABLES
from ._settings import ComputeRule, MappingSpec, OperatorFile, config_path, read_file
from ._todo import refuse_todo
from ._validate import fast_checks, normalise_code, row_labels, said, to_number

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
    """Read a CSV export as text columns, with clear errors for the usual breakages.

    A clean UTF-8 file is read by Arrow's CSV reader (:func:`_read_csv_fast`); anything
    it is not sure to read exactly as pandas does (another encoding, a broken line, a
    value after a space) is read by :func:`_read_csv_careful`, which says what is wrong.
    """
    if encoding is None and fast_checks():
        df = _read_csv_fast(path, delimiter)
        if df is not None:
            return df
    return _read_csv_careful(path, delimiter=delimiter, encoding=encoding)


def _read_csv_fast(path: Path, delimiter: str) -> pd.DataFrame | None:
    """The frame :func:`_read_csv_careful` gives, read by Arrow, or None when this file
    needs the careful reader (which then finds and words any problem).

    Arrow reads the bytes as they are (no decoded copy of the whole text, on both cores)
    and refuses what it cannot be sure of: bytes that are not UTF-8, rows with another
    number of fields than the header, line breaks inside quotes. The rest of what the
    careful reader does differently is looked for here (:func:`csv_options`) and in
    :func:`leads_with_blank`.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    opts = csv_options(path, delimiter)
    if opts is None:
        return None
    names, read, parse, convert = opts
    try:
        table = pacsv.read_csv(
            path, read_options=read, parse_options=parse, convert_options=convert
        )
    except (pa.ArrowException, OSError):
        return None
    if table.column_names != names or table.num_rows == 0:
        return None
    if any(leads_with_blank(column) for column in table.columns):
        return None
    return table.to_pandas()


def csv_options(path: Path, delimiter: str) -> tuple[list[str], Any, Any, Any] | None:
    """The header names and Arrow's read, parse and convert options that read ``path``
    exactly as the careful reader does, or None when the file needs the careful reader:
    a file without a final line break (a truncated export), a header without the
    delimiter, repeated or blank header names, an empty file. (Shared by
    :func:`_read_csv_fast` and the branch-by-branch split of :mod:`kamlib._split`.)"""
    import csv

    import pyarrow as pa
    import pyarrow.csv as pacsv

    if len(delimiter) != 1 or delimiter in '\r\n"':
        return None
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(1 << 16)
            f.seek(max(size - 1, 0))
            last = f.read(1)
    except OSError:
        return None
    if not head.strip() or last not in (b"\n", b"\r"):
        return None
    head = head.removeprefix(b"\xef\xbb\xbf")
    first_line = re.split(rb"\r\n|\r|\n", head, maxsplit=1)[0]
    if len(first_line) == len(head):  # no line break in the head: a huge header
        return None
    try:
        header_text = first_line.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if delimiter not in header_text or '"' in header_text:
        return None
    names = next(csv.reader([header_text], delimiter=delimiter))
    if len(set(names)) < len(names) or any(n != n.lstrip(" \t") or not n for n in names):
        return None
    return (
        names,
        pacsv.ReadOptions(block_size=1 << 22),
        pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=False),
        pacsv.ConvertOptions(
            # large_string: what pandas' str columns hold, so no copy into pandas
            column_types={n: pa.large_string() for n in names},
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
            check_utf8=True,
        ),
    )


def leads_with_blank(column: Any) -> bool:
    """Whether a value of an Arrow string column starts with a space or a tab: the first
    byte of each value, read from the column's buffers (a null's slot may count: then
    the careful reader reads the file, which is never wrong, only slower)."""
    import numpy as np
    import pyarrow as pa

    if not pa.types.is_large_string(column.type):  # the offsets below are 64-bit
        return True
    for chunk in column.chunks:
        _, offsets_buf, data_buf = chunk.buffers()
        if not len(chunk) or data_buf is None:
            continue
        offsets = np.frombuffer(offsets_buf, dtype=np.int64)
        offsets = offsets[chunk.offset : chunk.offset + len(chunk) + 1]
        starts = offsets[:-1][offsets[1:] > offsets[:-1]]  # the non-empty values
        first = np.frombuffer(data_buf, dtype=np.uint8)[starts]
        if ((first == 32) | (first == 9)).any():
            return True
    return False


def _read_csv_careful(
    path: Path, *, delimiter: str = ",", encoding: str | None = None
) -> pd.DataFrame:
    """Read a CSV export as text columns with pandas, with clear errors for the usual
    breakages: every problem :func:`read_csv` can report is found here."""
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
                    f"file {path} not found (looked for {path.resolve()})",
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
        frame = pd.read_excel(
            sheets, sheet_name=sheet, dtype=str, keep_default_na=False, na_values=[""]
        )
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


def find_table(folder: Path, table: str) -> Path | None:
    for suffix in SUFFIXES:
        p = folder / f"{table}{suffix}"
        if p.is_file():
            return p
    return None


def row_label_of(path: Path) -> str:
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
    book = load_whole(src, mapping=mapping, name=name, as_of=as_of)
    if branch is None:
        return book
    from .decisions import operator_summary

    return book.for_branch(branch, operator=operator_summary(book))


def load_whole(
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
        where = f" (looked for {src.resolve()})" if not src.is_absolute() else ""
        raise DataError(
            [
                Issue(
                    "error", "input", None, "missing-file", f"{src} not found{where}", file=str(src)
                )
            ]
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
        p = find_table(src, table)
        if p is not None:
            raw[table] = read_table_file(p, table=table)
            files[table], labels[table] = str(p), row_label_of(p)
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
        computed=meta.get("computed"),
        consume=True,  # the frames just read: their text need not outlive the typing
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


#: the data's spellings a YAML boolean key of ``values:`` stands for (an unquoted Yes/No
#: in a mapping reads as true/false), compared in lower case
BOOL_SPELLINGS: dict[bool, tuple[str, ...]] = {
    True: ("yes", "true", "on", "y"),
    False: ("no", "false", "off", "n"),
}


def _export_columns(raw: pd.DataFrame, wanted: list[str]) -> str:
    """The export's own columns for a message, those nearest to ``wanted`` first."""
    import difflib

    have = [str(c) for c in raw.columns]
    near: list[str] = []
    for w in wanted:
        near += [c for c in difflib.get_close_matches(w, have, n=3, cutoff=0.6) if c not in near]
    rest = [c for c in have if c not in near]
    shown = near + rest[: max(0, 40 - len(near))]
    tail = f" ... ({len(have)} in all)" if len(shown) < len(have) else ""
    hint = f"did you mean {', '.join(map(repr, near))}? " if near else ""
    return f"{hint}the export's columns are: {', '.join(shown)}{tail}"


#: header words that mark a column as an identifier (an account or customer id)
_ID_WORDS = re.compile(
    r"(^|[^a-z])(id|ids|key|code|no|number|num)([^a-z]|$)|编号|号码|编码|账号|账户|客户号",
    re.IGNORECASE,
)


def _id_like(raw: pd.DataFrame) -> list[str]:
    """The export's columns that look like an account id: an id word in the header and
    no two rows alike."""
    out = []
    for c in raw.columns:
        if _ID_WORDS.search(str(c)) and raw[c].notna().all() and raw[c].is_unique:
            out.append(str(c))
    return out


def _unmapped_required(
    raw: pd.DataFrame, required: list[str], table: str, file: str, mfile: str
) -> Issue:
    """A required column the mapping does not map: the export's own columns, and for a
    missing account_id the column that looks like one or ``row_ids: true``."""
    hint = ""
    if "account_id" in required and table == "accounts":
        ids = _id_like(raw)
        hint = (
            f"; {', '.join(map(repr, ids))} looks like an account id: map it with "
            f"columns: {{account_id: {ids[0]}}}"
            if ids
            else "; no column of the export looks like an account id (one row per "
            "customer?): add `row_ids: true` to number the rows"
        )
    return Issue(
        "error",
        table,
        ", ".join(required),
        "missing-column",
        f"required column(s) {', '.join(required)} not mapped by the mapping {mfile}"
        f"{hint}; {_export_columns(raw, required)}",
        file=file,
    )


def _map_values(col: pd.Series, vmap: dict[Any, Any]) -> tuple[pd.Series, pd.Series]:
    """``col`` through a ``values:`` map, and the mask of present values it has no entry
    for (left as they are). Text and number keys match the stripped value exactly; a YAML
    boolean key matches the yes/no spellings of :data:`BOOL_SPELLINGS` in any case."""
    text_keys = {str(k): v for k, v in vmap.items() if not isinstance(k, bool)}
    bool_keys = {
        spelling: v
        for k, v in vmap.items()
        if isinstance(k, bool)
        for spelling in BOOL_SPELLINGS[k]
    }
    exact = col.isin(list(text_keys))
    lower = col.str.lower()
    by_bool = ~exact & lower.isin(list(bool_keys))
    unmapped = col.notna() & ~exact & ~by_bool
    out = col.astype("object")
    out = out.where(~exact, col.map(text_keys))
    out = out.where(~by_bool, lower.map(bool_keys))
    return out, unmapped.fillna(False).astype(bool)


def _yaml_hint(vmap: dict[Any, Any], seen: list[str]) -> str:
    """What YAML did to a ``values:`` map whose keys are booleans or whose unmapped values
    look like yes/no, and how to quote; '' when neither."""
    spellings = {s for v in BOOL_SPELLINGS.values() for s in v}
    has_bool = any(isinstance(k, bool) for k in vmap)
    looks = any(v.strip().lower() in spellings for v in seen)
    if not (has_bool or looks):
        return ""
    if not has_bool:
        return (
            ". The keys are quoted text and match the data exactly (case too): add these "
            "spellings, or write the keys unquoted ({Yes: churned, No: active}): YAML reads "
            "them as true/false, and kamlib matches true to yes, true, on, y and false to no, "
            "false, off, n in any case"
        )
    keys = ", ".join(
        f"{k} (YAML read it as {str(k).lower()})" if isinstance(k, bool) else repr(k) for k in vmap
    )
    return (
        f". The mapping's keys are {keys}. YAML reads unquoted Yes/No, True/False and "
        "On/Off as true/false; kamlib matches a true key to yes, true, on, y and a false "
        "key to no, false, off, n (any case); for any other spelling add a quoted key as it "
        f'is in the data, e.g. {{"{seen[0]}": ...}}'
    )


def _blank(s: pd.Series) -> pd.Series:
    """Cells with nothing in them: missing, or only spaces (a CSV is read as text)."""
    if not (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)):
        return s.isna()
    text = s.astype("string").str.strip()
    return (text.isna() | (text == "")).astype(bool)


def _blank_numbers(
    raw: pd.DataFrame, source: str, column: str, table: str, file: str, row_label: str
) -> list[Issue]:
    """A warning counting the blank cells of a numeric column: they are read as missing
    values (not zeros), and an analysis that needs the number leaves those rows out."""
    s = raw[source]
    typed = pd.api.types.is_numeric_dtype(s) or pd.api.types.is_datetime64_any_dtype(s)
    blank = s.isna() if typed else _blank(s)
    if not blank.any() or blank.all():  # an empty column says so elsewhere (not recorded)
        return []
    rows, n = row_labels(raw, blank, row_label)
    return [
        said(
            "warning",
            table,
            column,
            "blank-number",
            lambda c, **v: ntr(
                "{n} blank cell in {column} (the export's column {source}) is read as a "
                "missing value, not 0",
                "{n} blank cells in {column} (the export's column {source}) are read as "
                "missing values, not 0",
                c,
                **v,
            ),
            rows=rows,
            count=n,
            file=file,
            column=f"{table}.{column}",
            source=source,
        )
    ]


def _numbers(
    raw: pd.DataFrame, source: str, what: str, table: str, file: str, row_label: str
) -> tuple[pd.Series, pd.Series, list[Issue]]:
    """An export column as numbers for a ``compute:`` rule, the mask of its blank cells,
    and an error for cells that are neither blank nor a number."""
    s = raw[source]
    num = to_number(s)
    typed = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
    blank = s.isna() if typed else _blank(s)
    bad = ~blank & num.isna()
    issues = []
    if bad.any():
        rows, n = row_labels(raw, bad, row_label)
        seen = sorted(set(s[bad.to_numpy()].astype(str)))[:3]
        issues.append(
            Issue(
                "error",
                table,
                what,
                "compute-not-a-number",
                f"{n} value(s) of the export's column {source!r} are not numbers "
                f"({', '.join(map(repr, seen))}), so {what} cannot be computed for them",
                rows,
                n,
                file,
            )
        )
    return num.where(~bad), blank.astype(bool), issues


def _compute(
    raw: pd.DataFrame,
    target: str,
    rule: ComputeRule,
    table: str,
    file: str,
    row_label: str,
) -> tuple[pd.Series, list[Issue]]:
    """One ``compute:`` rule on the export's columns: the values, and the issues (an error
    for a cell that is not a number, warnings counting blank operands and division by 0).

    Examples
    --------
    >>> raw = pd.DataFrame({"Day": ["1.5", "2", ""], "Night": ["1", "0", "4"]})
    >>> out, issues = _compute(raw, "monthly_revenue", ComputeRule(sum=["Day", "Night"]),
    ...                        "accounts", "x.csv", "line")
    >>> out.tolist(), [i.rule for i in issues]
    ([2.5, 2.0, nan], ['compute-blank'])
    """
    op, operands = rule.operation, rule.operands
    issues: list[Issue] = []
    cols, blanks = [], pd.Series(False, index=raw.index)
    for source in operands:
        num, blank, bad = _numbers(raw, source, target, table, file, row_label)
        cols.append(num)
        blanks |= blank
        issues += bad
    formula = rule.formula()
    result: pd.Series
    if op == "sum":
        result = cols[0]
        for c in cols[1:]:
            result = result + c
    elif op == "product":
        result = cols[0]
        for c in cols[1:]:
            result = result * c
    elif op == "difference":
        result = cols[0] - cols[1]
    elif op == "ratio":
        zero = cols[1].eq(0).fillna(False).astype(bool) & cols[0].notna()
        result = (cols[0] / cols[1].where(~zero)).astype("float64")
        if zero.any():
            rows, n = row_labels(raw, zero, row_label)
            issues.append(
                said(
                    "warning",
                    table,
                    target,
                    "compute-zero-division",
                    lambda c, **v: ntr(
                        "{n} row divides by 0 in {column} = {formula}; it is missing",
                        "{n} rows divide by 0 in {column} = {formula}; they are missing",
                        c,
                        **v,
                    ),
                    rows=rows,
                    count=n,
                    file=file,
                    column=f"{table}.{target}",
                    formula=formula,
                )
            )
    elif op == "times":
        result = cols[0] * float(rule.times)  # type: ignore[arg-type]
    else:  # month_of: a year and a month column
        year, month = cols
        ok = (year % 1 == 0) & (month % 1 == 0) & month.between(1, 12) & year.between(1900, 2200)
        wrong = year.notna() & month.notna() & ~ok.fillna(False).astype(bool)
        if wrong.any():
            rows, n = row_labels(raw, wrong, row_label)
            pairs = sorted(
                {f"{y:g}/{m:g}" for y, m in zip(year[wrong], month[wrong], strict=True)}
            )[:3]
            issues.append(
                Issue(
                    "error",
                    table,
                    target,
                    "compute-not-a-month",
                    f"{n} row(s) of the export's columns {operands[0]!r} and "
                    f"{operands[1]!r} are not a year and a month 1-12 ({', '.join(pairs)})",
                    rows,
                    n,
                    file,
                )
            )
        good = ok.fillna(False).astype(bool)
        result = pd.Series(pd.NA, index=raw.index, dtype="string")
        result[good] = [
            f"{int(y):04d}-{int(m):02d}" for y, m in zip(year[good], month[good], strict=True)
        ]
    if blanks.any():
        rows, n = row_labels(raw, blanks, row_label)
        issues.append(
            said(
                "warning",
                table,
                target,
                "compute-blank",
                lambda c, **v: ntr(
                    "{n} row has a blank cell among {columns}, so {column} = {formula} "
                    "is missing for it",
                    "{n} rows have a blank cell among {columns}, so {column} = {formula} "
                    "is missing for them",
                    c,
                    **v,
                ),
                rows=rows,
                count=n,
                file=file,
                columns=", ".join(operands),
                column=f"{table}.{target}",
                formula=formula,
            )
        )
    return result.rename(target), issues


def _apply_table_mapping(
    raw: pd.DataFrame,
    spec: dict[str, Any],
    table: str,
    file: str,
    mfile: str,
    assumed: dict[str, str] | None = None,
    computed: dict[str, str] | None = None,
    row_label: str = "line",
) -> tuple[pd.DataFrame, list[Issue]]:
    """Rename, compute, map values, add constants and derivations for one table.

    The columns a constant or a derive rule sets are recorded in ``assumed`` (the rule in
    words): the data do not hold those values, the mapping's author assumed them. The
    columns a ``compute:`` rule makes are recorded in ``computed`` (the formula): data
    arithmetic, not an assumption, but a report names it.
    """
    assumed = {} if assumed is None else assumed
    computed = {} if computed is None else computed
    issues: list[Issue] = []
    columns: dict[str, str] = spec.get("columns") or {}
    keep: dict[str, str] = spec.get("keep") or {}
    rules = {
        target: ComputeRule.model_validate(rule) if isinstance(rule, dict) else rule
        for target, rule in (spec.get("compute") or {}).items()
    }
    operands = [c for rule in rules.values() for c in rule.operands]
    missing = list(
        dict.fromkeys(
            src for src in [*columns.values(), *keep, *operands] if src not in raw.columns
        )
    )
    if missing:
        raise ConfigError(
            f"mapping {mfile}, table {table}: column(s) {', '.join(map(repr, missing))} "
            f"not found in {file}; {_export_columns(raw, missing)}"
        )
    unknown = [
        c for c in columns if TABLES[table].column(c) is None and not TABLES[table].extra_numeric
    ]
    if unknown:
        raise ConfigError(
            f"mapping {mfile}, table {table}: {', '.join(unknown)} is not a column of the "
            f"{table} table; its columns are {', '.join(c.name for c in TABLES[table].columns)}"
        )
    given = {
        *columns,
        *rules,
        *keep.values(),
        *(spec.get("constants") or {}),
        *(rule.get("column") for rule in spec.get("derive") or []),
        *(["account_id"] if spec.get("row_ids") else []),
    }
    required = [c for c in TABLES[table].required if c not in given]
    if required:
        issues.append(_unmapped_required(raw, required, table, file, mfile))
    out = pd.DataFrame({canon: raw[src] for canon, src in columns.items()}, index=raw.index)
    if spec.get("row_ids"):
        # the row's line in the file (header = line 1), the same numbers messages use
        first = 2 if row_label == "line" else 1
        out.insert(0, "account_id", [str(i + first) for i in range(len(raw))])
        # recorded like a computed column, so a report can say that an id is a line number
        computed[f"{table}.account_id"] = "line in the file" if row_label == "line" else "row"
    for src, new in keep.items():
        out[new] = _kept(raw[src])
    numeric = [
        (canon, src)
        for canon, src in columns.items()
        if (c := TABLES[table].column(canon)) is not None
        and c.kind in ("int", "float")
        or c is None
        and TABLES[table].extra_numeric
    ]
    numeric += [(new, src) for src, new in keep.items() if pd.api.types.is_float_dtype(out[new])]
    for canon, src in numeric:
        issues += _blank_numbers(raw, src, canon, table, file, row_label)
    for target, rule in rules.items():
        out[target], found = _compute(raw, target, rule, table, file, row_label)
        issues += found
        computed[f"{table}.{target}"] = rule.formula()
    for canon, value in (spec.get("constants") or {}).items():
        out[canon] = value
        assumed[f"{table}.{canon}"] = f"{value!r} for every row (a constant of the mapping)"
    for canon, vmap in (spec.get("values") or {}).items():
        if canon not in out:
            raise ConfigError(
                f"mapping {mfile}, table {table}: values for {canon!r}, which is not mapped"
            )
        col = out[canon].astype("string").str.strip()
        mapped, unmapped = _map_values(col, vmap)
        allowed = TABLES[table].column(canon)
        targets = set(allowed.allowed) if allowed and allowed.allowed else None
        if canon == "churn_cause":
            from ._config import cause_taxonomy

            targets = set(cause_taxonomy().index)
        if targets is not None:
            bad_targets = sorted({str(v) for v in vmap.values()} - targets)
            if bad_targets:
                yaml_bool = (
                    " (YAML reads an unquoted yes/no, true/false or on/off as true/false: "
                    "write the code kamlib knows)"
                    if any(isinstance(v, bool) for v in vmap.values())
                    else ""
                )
                raise ConfigError(
                    f"mapping {mfile}, table {table}: {canon} maps to unknown value(s) "
                    f"{', '.join(map(repr, bad_targets))}{yaml_bool}; allowed: "
                    f"{', '.join(sorted(targets))}"
                )
            # a reason left out of the map is kept in its own words: the cause tree shows
            # it under unclassified (validation warns), it is not an error
            if unmapped.any() and canon != "churn_cause":
                seen = sorted(set(col[unmapped]))[:5]
                rows, n = row_labels(out, unmapped, row_label)
                issues.append(
                    Issue(
                        "error",
                        table,
                        canon,
                        "unmapped-value",
                        f"{n} value(s) have no entry in the mapping's values for "
                        f"{canon} ({', '.join(map(repr, seen))}){_yaml_hint(vmap, seen)}",
                        rows,
                        n,
                        file,
                    )
                )
        out[canon] = mapped
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


def _not_found(
    path: Path, tspec: dict[str, Any], table: str, source: Path, mpath: Path | None
) -> Issue:
    """A table's file that is not there: where kamlib looked, and relative to what."""
    name = tspec.get("file", f"{table}.csv")
    given = "" if "file" in tspec else " (no file: given, so the table's own name)"
    if mpath is not None and source.resolve() == mpath.resolve().parent:
        base = f"the folder of the mapping file {mpath}"
    elif source.is_file():
        base = f"the folder of the export {source}"
    else:
        base = f"the data folder {source}"
    found = sorted(p.name for p in path.parent.glob("*") if p.suffix.lower() in SUFFIXES)
    there = f"; that folder holds {', '.join(found[:12])}" if found else ""
    if not path.parent.is_dir():
        there = "; that folder does not exist"
    return Issue(
        "error",
        table,
        None,
        "missing-file",
        f"file {name!r}{given} not found: looked for {path.resolve()} (file: is read "
        f"relative to {base}){there}",
        file=str(path.resolve()),
    )


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
    computed: dict[str, str] = {}
    base = source if source.is_dir() else source.parent
    for table, tspec in tables.items():
        tspec = tspec or {}
        if source.is_file() and (table == "accounts" or "file" not in tspec):
            path = source
        else:
            path = base / tspec.get("file", f"{table}.csv")
            if not path.is_file():
                raise DataError([_not_found(path, tspec, table, source, mpath)])
        frame = read_table_file(
            path,
            sheet=tspec.get("sheet"),
            table=table,
            delimiter=tspec.get("delimiter", ","),
            encoding=tspec.get("encoding"),
        )
        files[table], labels[table] = str(path), row_label_of(path)
        raw[table], found = _apply_table_mapping(
            frame, tspec, table, str(path), mfile, assumed, computed, labels[table]
        )
        issues += found
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
        computed=computed,
        consume=True,  # the frames just mapped: their text need not outlive the typing
    )


def _date_format(s: pd.Series) -> str:
    """How a date column is written: YYYY-MM-DD, with the time of day (HH:MM, and :SS
    when a value has seconds) when any value has one, so a ticket opened at 14:30 reads
    back at 14:30 and a column of plain dates stays plain.

    Examples
    --------
    >>> _date_format(pd.Series(pd.to_datetime(["2025-03-01", None])))
    '%Y-%m-%d'
    >>> _date_format(pd.Series(pd.to_datetime(["2025-03-01 00:00", "2025-03-01 14:30"])))
    '%Y-%m-%d %H:%M'
    """
    d = s.dropna()
    if not (d != d.dt.normalize()).any():
        return "%Y-%m-%d"
    return "%Y-%m-%d %H:%M:%S" if (d != d.dt.floor("min")).any() else "%Y-%m-%d %H:%M"


def write_book(book: Book, folder: str | Path, *, append: bool = False) -> list[Path]:
    """Write a book as canonical CSV tables (dates as YYYY-MM-DD, with the time of day
    where the data have one; months as YYYY-MM).

    ``append``: add the book's rows to the tables already in ``folder`` (no header; the
    columns must be those written before), for an operator written in parts
    (:func:`kamlib.synth.write_synth`); ``operator.yaml`` is then left as it is.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table in TABLES:
        df = getattr(book, table)
        if not isinstance(df, pd.DataFrame):
            continue
        path = folder / f"{table}.csv"
        if append and path.is_file():
            with path.open(encoding="utf-8") as f:
                header = f.readline().rstrip("\n").split(",")
            if header != [str(c) for c in df.columns]:
                raise ValueError(
                    f"{path}: cannot append {table} with columns {list(df.columns)} to a "
                    f"file whose columns are {header}"
                )
        df = df.copy()
        for col in df.columns:
            c = TABLES[table].column(col)
            if c is not None and c.kind == "month":
                df[col] = df[col].dt.strftime("%Y-%m")
            elif c is not None and c.kind == "date":
                df[col] = df[col].dt.strftime(_date_format(df[col]))
        adding = append and path.is_file()
        df.to_csv(
            path,
            index=False,
            lineterminator="\n",
            float_format="%.2f",
            mode="a" if adding else "w",
            header=not adding,
        )
        written.append(path)
    if append and (folder / "operator.yaml").is_file():
        return written
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
    if book.computed:
        meta["computed"] = dict(book.computed)
    import yaml

    (folder / "operator.yaml").write_text(
        yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return written


# -- per-branch datasets --------------------------------------------------------------
#: The manifest that marks a folder as a dataset prepared by :func:`prepare`.
PREPARED = "kamlib-prepared.json"
CHURN_RISK_FILE = "churn-risk.pickle"
LIFETIMES_FILE = "lifetimes.pickle"


def prepare(
    source: str | Path | Book,
    out: str | Path,
    *,
    mapping: str | Path | dict | None = None,
    cost_model: Any = None,
) -> Path:
    """Validate the data once, whole, and split it into one Parquet folder per branch
    (``kamlib.prepare`` is :func:`kamlib._split.prepare`, which reads a folder of
    canonical tables one branch at a time instead, and comes here for the rest).

    A branch report then reads only its own accounts (``load(out, branch=...)``) instead
    of the whole operator; the operator's totals (for the comparison in each report) and
    KPIs (profit with ``cost_model``) and the run's data-quality notes are kept in the
    manifest ``kamlib-prepared.json``. The
    folder is written beside ``out`` and swapped into place when complete.

    Examples
    --------
    >>> import kamlib, tempfile
    >>> d = prepare(kamlib.load(kamlib.sample_path()), tempfile.mkdtemp() + "/prepared")
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
        "computed": book.computed,
        "operator": operator_summary(book, cost_model=cost_model),
        "branches": folders,
        # lets a batch list and size the branches without reading any table
        "accounts": {b: int(n) for b, n in acc["branch"].value_counts().items()},
    }
    (tmp / PREPARED).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
    # the churn-risk model learns from every branch: fitted once here, each branch report
    # reads it (a pickle of kamlib's own object, in kamlib's own output folder)
    import pickle

    from .watchlist import ChurnRisk

    with (tmp / CHURN_RISK_FILE).open("wb") as f:
        pickle.dump(ChurnRisk().fit(book).detached(), f)
    # so do the lifetime fits that value customers ahead (kamlib.clv): segment counts and
    # parameters, no account data
    from .customer_value import operator_lifetimes

    with (tmp / LIFETIMES_FILE).open("wb") as f:
        pickle.dump(operator_lifetimes(book), f)
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
        computed=m.get("computed"),
    )
    risk = None
    if (src / CHURN_RISK_FILE).is_file():
        import pickle

        with (src / CHURN_RISK_FILE).open("rb") as f:
            risk = pickle.load(f)  # written by prepare() into this, its own folder
    lifetimes = None
    if (src / LIFETIMES_FILE).is_file():
        import pickle

        with (src / LIFETIMES_FILE).open("rb") as f:
            lifetimes = pickle.load(f)  # written by prepare(), as the model above
    book = replace(book, churn_risk=risk, lifetimes=lifetimes)
    return replace(book, operator=m["operator"]) if branch is not None else book
