"""The ``kam`` command: draft a mapping, validate data, generate the sample operator, build
reports.

Exit codes: 0 success; 1 the data have errors (each printed with file, table, column,
rule and example rows); 2 a usage or configuration error (bad option, mapping, tier
scheme or cost model); 3 some branch reports failed (the others were written).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from ._errors import ConfigError, DataError
from ._i18n import language, ntr, tr

if TYPE_CHECKING:
    from .runner import RunSummary

EXIT_OK, EXIT_DATA, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3


def _validate(args: argparse.Namespace) -> int:
    from ._io import load

    book = load(args.path, mapping=args.mapping)
    print(f"{book!r}: no errors")
    if book.notes:
        print(f"{len(book.notes)} warning(s):")
        for issue in book.notes:
            print(f"- {issue}")
    missing = book.missing_tables()
    if missing:
        print(f"optional tables not present: {', '.join(missing)}")
    # what the reports will hold, before any is run: a part the data cannot fill is
    # said in the report too, but the consultant should see it here first
    from ._coverage import coverage

    print("Report sections this data set can fill:")
    for line in coverage(book).lines():
        print(f"  {line}")
    source = book.revenue_source()
    if source is not None and source != "billing":
        print(f"  (revenue is {source}: {book.revenue_caveat()})")
    return EXIT_OK


def _map(args: argparse.Namespace) -> int:
    """A draft mapping from the export itself: to stdout, or to ``-o FILE``."""
    from pathlib import Path

    from .draft import draft_mapping

    path = Path(args.export)
    if not path.is_file():
        where = path.resolve().parent
        raise ConfigError(f"kam map: file {args.export} not found (looked in {where})")
    if args.delimiter is not None and args.delimiter == "":
        raise ConfigError("--delimiter: give one character, e.g. ';'")
    delimiter = "\t" if args.delimiter in ("\\t", "tab") else args.delimiter
    text = draft_mapping(path, sheet=args.sheet, encoding=args.encoding, delimiter=delimiter)
    if args.output:
        out = Path(args.output)
        if out.resolve() == path.resolve():
            raise ConfigError("kam map: -o would overwrite the export itself; name another file")
        out.write_text(text, encoding="utf-8")
        print(f"draft written to {out}; edit its TODOs, then: kam validate", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _synth(args: argparse.Namespace) -> int:
    import codecs

    from .synth import synth, write_sample

    try:
        codecs.lookup(args.encoding)
    except LookupError:
        raise ConfigError(
            f"--encoding: unknown encoding {args.encoding!r} (e.g. utf-8, gbk)"
        ) from None
    if args.chunk < 0:
        raise ConfigError(f"--chunk: a number of accounts, not {args.chunk}")
    if args.chunk:
        from .synth import write_synth

        if args.encoding.replace("-", "").replace("_", "").lower() != "utf8":
            raise ConfigError("--chunk writes UTF-8 only: leave out --encoding or --chunk")
        for p in write_synth(
            args.out, args.accounts, seed=args.seed, names=args.names, chunk=args.chunk
        ):
            print(p)
        return EXIT_OK
    op = synth(args.accounts, seed=args.seed, names=args.names)
    for p in write_sample(op, args.out, encoding=args.encoding):
        print(p)
    return EXIT_OK


def _check_settings(args: argparse.Namespace) -> None:
    """Read every settings file before any report runs: a typo in one is one clear
    configuration error (exit 2), not a failed notebook per branch."""
    from .opportunity import read_estimates
    from .profit import cost_model
    from .segment import RANK_SCHEMES, tier_scheme

    if args.tiers and args.tiers not in RANK_SCHEMES:
        tier_scheme(args.tiers)
    if args.costs:
        cost_model(args.costs)
    if args.estimates:
        read_estimates(args.estimates)
    if args.targets:
        read_targets(args.targets)


def read_targets(path: str) -> None:
    """Check a ``--targets`` file before any report runs: there, and a YAML mapping."""
    from pathlib import Path

    import yaml

    from ._errors import ConfigError

    f = Path(path)
    if not f.is_file():
        raise ConfigError(f"--targets: file {path} not found")
    try:
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise ConfigError(f"--targets: {path} is not readable YAML: {e}") from None
    if not isinstance(doc, dict):
        raise ConfigError(
            f"--targets: {path} must be a YAML mapping of KPI targets (e.g. 'churn_rate: 0.15')"
        )
    from ._settings import targets

    targets(f, "", caller="--targets")  # unknown KPIs or branches' keys: refused by name


def _report(args: argparse.Namespace) -> int:
    from .runner import report_name, run_reports

    _check_settings(args)
    s = run_reports(
        args.data,
        mapping=args.mapping,
        branches=args.branch or None,
        out=args.out,
        jobs=args.jobs,
        min_accounts=args.min_accounts,
        force=args.force,
        lang=args.lang,
        tier_scheme=args.tiers,
        cost_model=args.costs,
        estimates=args.estimates,
        targets=args.targets,
        notebook=args.notebook,
        overview=False if args.no_overview else args.overview_notebook,
        mask_pii=args.mask_pii,
        scheduler=args.scheduler,
        timeout=args.timeout,
        fresh_kernels=args.fresh_kernels,
        progress=not args.quiet,
    )
    with language(args.lang):  # the summary in the reports' language
        for line in summary_lines(s, min_accounts=args.min_accounts):
            print(line)
        for r in s.failed:
            print(
                tr("FAILED {report}: {error}", report=report_name(r), error=r.error or ""),
                file=sys.stderr,
            )
    return EXIT_FAILED if s.failed else EXIT_OK


def summary_lines(s: RunSummary, *, min_accounts: int = 1) -> list[str]:
    """What ``kam report`` prints when it is done, in the current language: how many
    reports were written, unchanged and failed, and where the index is.

    Examples
    --------
    >>> from kamlib.runner import BranchResult, RunSummary
    >>> s = RunSummary("out", [BranchResult("Suzhou", "Suzhou", "done")], seconds=12.34)
    >>> summary_lines(s)
    ['1 report written, 0 unchanged, 0 failed in 12.3 s -> out/index.html']
    """
    from ._format import count, names_list, number
    from .runner import OVERVIEW

    done = sum(r.status == "done" for r in s.results)
    lines = [
        ntr(
            "{n} report written, {unchanged} unchanged, {failed} failed in {seconds} s -> {index}",
            "{n} reports written, {unchanged} unchanged, {failed} failed in {seconds} s -> {index}",
            done,
            n=count(done),
            unchanged=count(sum(r.status == "skipped" for r in s.results)),
            failed=count(len(s.failed)),
            seconds=number(s.seconds, 1),
            index=f"{s.out}/index.html",
        )
    ]
    if s.overview is not None and s.overview.status != "failed":
        lines.append(tr("Operator overview: {page}", page=f"{s.out}/{OVERVIEW}/report.html"))
    if s.skipped_small:
        lines.append(
            ntr(
                "Left out (fewer than {n} account): {branches}",
                "Left out (fewer than {n} accounts): {branches}",
                min_accounts,
                n=count(min_accounts),
                branches=names_list(s.skipped_small),
            )
        )
    return lines


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="kam", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="check a data folder or export and list every problem")
    v.add_argument("path", help="folder of canonical tables, export file, or mapping YAML")
    v.add_argument("--mapping", help="mapping YAML (or 'maven') for a foreign export")
    v.set_defaults(func=_validate)

    m = sub.add_parser(
        "map",
        help="write a draft mapping for an export: kam map EXPORT > mapping.yaml",
        description="Read an export's header and rows and write a commented draft mapping: "
        "every column listed, canonical columns guessed (each guess says why), values: maps "
        "to complete, TODO where you must decide. Edit it, then kam validate.",
    )
    m.add_argument("export", help="the export file (CSV, .xlsx or Parquet)")
    m.add_argument("--sheet", help="the sheet of a workbook with several")
    m.add_argument("--encoding", help="only when detection is wrong (UTF-8, BOM, GBK detected)")
    m.add_argument("--delimiter", help="only when detection is wrong (e.g. ';' or tab)")
    m.add_argument("-o", "--output", help="write the draft to this file instead of stdout")
    m.set_defaults(func=_map)

    s = sub.add_parser("synth", help="generate the sample operator as CSV tables")
    s.add_argument("out", help="folder to write accounts.csv, billing.csv, ...")
    s.add_argument("--accounts", type=int, default=2000)
    s.add_argument("--seed", type=int, default=7)
    s.add_argument(
        "--names",
        choices=["en", "zh"],
        default="en",
        help="names of branches, accounts, account managers and competitors: English "
        "(default) or Chinese (苏州, 昆明...); the numbers are the same",
    )
    s.add_argument(
        "--encoding",
        default="utf-8",
        help="encoding of the CSV files (default utf-8; gbk for a Chinese system's export)",
    )
    s.add_argument(
        "--chunk",
        type=int,
        default=0,
        metavar="N",
        help="generate and write N accounts at a time (each branch in parts), for an "
        "operator too large to hold in memory; another operator than without --chunk",
    )
    s.set_defaults(func=_synth)

    r = sub.add_parser("report", help="build one report per branch")
    r.add_argument(
        "data", nargs="?", default=None, help="data folder or export (default: bundled sample)"
    )
    r.add_argument("--mapping", help="mapping YAML (or 'maven') for a foreign export")
    r.add_argument("--branch", action="append", help="only this branch (repeatable)")
    r.add_argument("--min-accounts", type=int, default=1, help="leave out smaller branches")
    r.add_argument("--jobs", type=int, default=None, help="parallel workers (default: cores)")
    r.add_argument("--out", default="reports", help="output folder (default: reports)")
    r.add_argument("--lang", choices=["en", "zh"], default="en")
    r.add_argument(
        "--tiers",
        help="tier scheme: beijing, key_account, stars, abc, deciles or a YAML file "
        "(default: beijing for CNY data, abc otherwise)",
    )
    r.add_argument("--costs", help="cost model YAML (default: the bundled unit costs)")
    r.add_argument(
        "--estimates", help="your own size/probability estimates for the priority matrix"
    )
    r.add_argument(
        "--targets",
        help="YAML of KPI targets (per branch or for all): shown beside the branch's figures",
    )
    r.add_argument(
        "--no-overview",
        action="store_true",
        help="do not build the operator overview (built by default after the branches)",
    )
    r.add_argument(
        "--mask-pii",
        action="store_true",
        help="replace account names and ids with stable pseudonyms in every output "
        "(salt: environment variable KAMLIB_PII_SALT)",
    )
    r.add_argument(
        "--scheduler",
        help="address of a Dask distributed scheduler (tcp://host:8786): one task per branch",
    )
    r.add_argument(
        "--notebook", help="a report notebook of your own (same parameters as branch_report)"
    )
    r.add_argument(
        "--overview-notebook",
        help="an operator overview notebook of your own (same parameters as operator_overview)",
    )
    r.add_argument("--force", action="store_true", help="rebuild unchanged branches too")
    r.add_argument("--timeout", type=int, default=600, help="seconds per notebook cell")
    r.add_argument(
        "--fresh-kernels",
        action="store_true",
        help="start a new kernel for every report (default: each worker reuses its kernel, "
        "reset between reports)",
    )
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.set_defaults(func=_report)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except DataError as e:
        print(str(e), file=sys.stderr)
        return EXIT_DATA
    except ConfigError as e:
        print(f"configuration error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        with language(getattr(args, "lang", "en")):
            print(tr("interrupted: reports already written are intact"), file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
