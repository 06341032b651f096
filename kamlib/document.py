"""The branch report as one object: every section computed once, then shown or written.

:func:`build_report` runs every analysis of a branch report once (the P&L, the tiers and
the churn figures are computed a single time and passed on), writes every heading,
sentence and message title in the report's language, and returns a :class:`BranchReport`.
The notebook only displays it; ``metrics.json`` and ``tables.xlsx`` come from the same
object (:meth:`BranchReport.write`), so the page, the workbook and the metrics cannot
disagree.

A report is a first screen (title, KPIs, actions for this month), ordered
:class:`Section` objects of blocks (:class:`Text`, :class:`Table`, :class:`Figure`) and a
"Method and reliability" appendix holding the statistical detail; the body keeps one
plain verdict per test. A section whose data are missing holds one sentence saying what
is missing and why, and no empty chart or table.
"""

from __future__ import annotations

import functools
import math
import os
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._book import Book
from ._excel import csv_name, write_workbook
from ._format import MISSING, count, money, names_list, number, period, pvalue, ratio, share
from ._i18n import N_, current_language, language, ntr, tr
from ._labels import label

__all__ = ["BranchReport", "Section", "Table", "Figure", "Text", "build_report"]


# ----------------------------------------------------------------------------- blocks
@dataclass(frozen=True)
class Text:
    """A sentence of the report: ``kind`` is ``verdict`` (a finding), ``note`` (a caveat
    of an analysis), ``missing`` (what the data lack and why), ``intro`` or ``actions``
    (the actions for this month, one a line)."""

    text: str
    kind: str = "verdict"
    #: a link's target (relative to the report's folder): the sentence is shown as a link
    href: str | None = None


@dataclass(frozen=True)
class Table:
    """A table: ``name`` is its sheet in tables.xlsx, ``title`` its message title (the
    finding), ``frame`` the tidy snake_case frame (codes, not labels)."""

    name: str
    title: str
    frame: pd.DataFrame
    kinds: dict[str, str] | None = None  # a column's kind where it differs from the catalogue
    display: pd.DataFrame | None = None  # the page shows this (cells as text) if given
    on_page: bool = True  # False: a sheet of the workbook only
    sheet_kinds: dict[str, str] | None = None  # the workbook's kinds when ``display`` is shown


@dataclass(frozen=True)
class Figure:
    """A chart: ``title`` states its finding, ``draw(ax)`` draws it on a matplotlib Axes
    (or on the first of several, see ``panels``), ``alt`` is the alt text for the image."""

    title: str
    draw: Callable[..., Any]
    alt: str
    size: tuple[float, float] = (7.5, 4.0)
    panels: int = 1

    def render(self) -> Any:
        """A new matplotlib figure with the chart drawn and titled; returns the Figure."""
        import matplotlib.pyplot as plt

        fig, axs = plt.subplots(1, self.panels, figsize=self.size)
        self.draw(axs)
        if self.panels == 1:
            axs.set_title("")  # the chart's own title gives way to the finding
            axs.set_title(self.title, loc="left", wrap=True)
        else:
            fig.suptitle(self.title, x=0.01, ha="left", wrap=True)
        with warnings.catch_warnings():  # a layout it cannot tighten is drawn as it is
            warnings.simplefilter("ignore", UserWarning)
            fig.tight_layout()
        return fig


Block = Text | Table | Figure


@dataclass
class Section:
    """A part of the report: a heading, an optional intro sentence and its blocks."""

    key: str
    heading: str
    intro: str | None = None
    blocks: list[Block] = field(default_factory=list)

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    @property
    def figures(self) -> list[Figure]:
        return [b for b in self.blocks if isinstance(b, Figure)]

    @property
    def sentences(self) -> list[str]:
        return [b.text for b in self.blocks if isinstance(b, Text)]


# ----------------------------------------------------------------------------- display
def _show_markdown(text: str) -> None:
    from IPython.display import display

    from ._display import say

    display(say(text))


#: rows a table shows on the page; a longer one shows its first rows and says where the
#: rest is (at 400,000 accounts the appendix listed 80,000 key-account contracts: a
#: 60 MB page). Tables are ordered by what matters (largest first), so the first rows are
#: the ones to read; the workbook holds every row.
PAGE_ROWS = 200


#: Rows a sheet of the report's workbook holds. A longer table (at 400,000 accounts: each
#: active account's churn risk, 325,000 rows) keeps its first rows in the sheet and is
#: written whole as CSV in ``tables/`` beside the workbook: the two per-account sheets of
#: a 400,000-account branch were 8.8 of its 11.5 million cells and most of a minute to
#: write, for a workbook few can open and nobody can read. CSV opens in Excel too.
SHEET_ROWS = 50_000
#: the folder beside tables.xlsx that holds the tables longer than a sheet, whole
WHOLE_TABLES = "tables"


def _show_table(table: Table, currency: str, sheets: dict[str, str] | None = None) -> None:
    """One table under its message title, formatted for a reader (at most
    :data:`PAGE_ROWS` rows, then a sentence naming the workbook sheet with all of them, or
    the CSV file for a table longer than :data:`SHEET_ROWS`). ``sheets``: the workbook's
    sheet of each table (:func:`kamlib._excel.sheet_names`; this table alone without it)."""
    from ._display import show_table
    from ._excel import sheet_names

    frame = table.frame if table.display is None else table.display
    n = len(frame)
    show_table(table.title, frame.iloc[:PAGE_ROWS], kinds=table.kinds, currency=currency)
    if n <= PAGE_ROWS:
        return
    sheet = (sheets or {}).get(table.name) or sheet_names({table.name: frame})[table.name]
    if len(table.frame) > SHEET_ROWS:
        said = tr(
            "The first {shown} of {rows} rows, in the order shown; the workbook tables.xlsx "
            "holds the first {sheet_rows} (sheet “{sheet}”) and the file {file} every row.",
            shown=count(PAGE_ROWS),
            rows=count(n),
            sheet_rows=count(SHEET_ROWS),
            sheet=sheet,
            file=f"{WHOLE_TABLES}/{csv_name(sheet)}",
        )
    else:
        said = tr(
            "The first {shown} of {rows} rows, in the order shown; every row is in the "
            "workbook tables.xlsx, sheet “{sheet}”.",
            shown=count(PAGE_ROWS),
            rows=count(n),
            sheet=sheet,
        )
    _show_markdown("*" + said + "*")


def _show_figure(fig: Any, alt: str) -> None:
    """One matplotlib figure as an image with its alt text (then closed)."""
    from ._display import show_figure

    show_figure(fig, alt=alt)


def _show_actions(text: str) -> None:
    """The actions for this month as a numbered list (one action a line in ``text``)."""
    import html

    from IPython.display import HTML, display

    items = "".join(f"<li>{html.escape(line)}</li>" for line in text.splitlines())
    display(HTML(f'<ol class="kam-actions">{items}</ol>'))


def _show_link(text: str, href: str) -> None:
    """A sentence that links to a page written beside the report (the account plans)."""
    import html

    from IPython.display import HTML, display

    display(HTML(f'<p><a href="{html.escape(href)}">{html.escape(text)}</a></p>'))


def _show_blocks(blocks: list[Block], currency: str, sheets: dict[str, str] | None = None) -> None:
    for b in blocks:
        if isinstance(b, Text) and b.href:
            _show_link(b.text, b.href)
        elif isinstance(b, Text) and b.kind == "actions":
            _show_actions(b.text)
        elif isinstance(b, Text):
            _show_markdown(f"*{b.text}*" if b.kind in ("note", "missing") else b.text)
        elif isinstance(b, Table):
            if b.on_page:
                _show_table(b, currency, sheets)
        else:
            _show_figure(b.render(), b.alt)


# ----------------------------------------------------------------------------- report
@dataclass
class BranchReport:
    """One branch's report, computed once by :func:`build_report`.

    Attributes
    ----------
    branch, lang : the branch and the report's language.
    title : the branch name (the page title).
    subtitle : operator, period and currency in one line.
    kpis : :func:`kamlib.kpis` result (the KPIs a branch manager is measured on).
    actions : :func:`kamlib.next_actions` result (the actions for this month).
    sections : the body, in report order (:class:`Section`).
    appendix : the "Method and reliability" section.
    metrics : the figures of ``metrics.json``.
    results : every analysis result the report rests on, by name (for exploring).
    """

    branch: str
    lang: str
    title: str
    subtitle: str
    kpis: Any
    actions: Any
    sections: list[Section]
    appendix: Section
    metrics: dict[str, Any]
    results: dict[str, Any]
    first_screen: list[Block] = field(default_factory=list)
    currency: str = ""
    #: the account plans (:func:`kamlib.account_plans`), written beside the report
    plans: Any = None
    as_of: Any = None

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Sheet name -> snake_case frame, in report order (the Excel workbook)."""
        out: dict[str, pd.DataFrame] = {}
        for b in self.blocks():
            if isinstance(b, Table):
                out.setdefault(b.name, b.frame)
        return out

    @property
    def sheets(self) -> dict[str, str]:
        """Table name -> its sheet in tables.xlsx (names cut to Excel's 31 characters,
        repeats numbered), for the page's sentences that point to a sheet."""
        from ._excel import sheet_names

        return sheet_names(self.tables)

    def blocks(self) -> Iterator[Block]:
        """Every block of the report in order: first screen, sections, appendix."""
        yield from self.first_screen
        for s in [*self.sections, self.appendix]:
            yield from s.blocks

    def section(self, key: str) -> Section:
        """The section called ``key`` (``segmentation``, ``profit``, ``churn``,
        ``retention``, ``actions``, ``data_quality`` or ``appendix``)."""
        for s in [*self.sections, self.appendix]:
            if s.key == key:
                return s
        raise KeyError(f"no section {key!r}: {', '.join(s.key for s in self.sections)}")

    def write(self, output_dir: str | os.PathLike) -> tuple[Path, Path]:
        """Write ``metrics.json`` and ``tables.xlsx`` into ``output_dir``, and the account
        plans (``plans/index.html``, a page per account, ``plans/plans.xlsx``) when the
        branch has any. A table longer than :data:`SHEET_ROWS` keeps its first rows in
        its sheet and is written whole as ``tables/<sheet>.csv`` (such a file an earlier
        write of a table now short enough left is removed; nothing else in the folder)."""
        from .plans import write_plans
        from .report import write_metrics

        out = Path(output_dir)
        out.mkdir(parents=True, exist_ok=True)
        if self.plans is not None and len(self.plans):
            write_plans(self.plans, out, branch=self.branch, as_of=self.as_of, lang=self.lang)
        # a whole table an earlier write of this report left, now short enough for its
        # sheet, would sit beside a workbook it no longer belongs to (only the files this
        # report's tables would be written to are looked at: nothing else in the folder)
        sheets = self.sheets
        for name, sheet in sheets.items():
            stale = out / WHOLE_TABLES / csv_name(sheet)
            if len(self.tables[name]) <= SHEET_ROWS and stale.is_file():
                stale.unlink()
        with language(self.lang):
            kinds: dict[str, dict[str, str]] = {}
            for b in self.blocks():
                if isinstance(b, Table):
                    k = b.sheet_kinds if b.display is not None else b.kinds
                    if k:
                        kinds[b.name] = k
            return write_metrics(self.metrics, out), write_workbook(
                self.tables,
                out / "tables.xlsx",
                kinds=kinds,
                currency=self.currency,
                max_rows=SHEET_ROWS,
                whole=out / WHOLE_TABLES,
            )

    # display -------------------------------------------------------------------------
    def show_first_screen(self) -> None:
        """The title (a Markdown ``# branch``), the subtitle, the KPIs and the actions."""
        from IPython.display import Markdown, display

        from ._display import say

        display(Markdown("# " + say(self.title).data))
        _show_markdown(self.subtitle)
        with language(self.lang):
            _show_blocks(self.first_screen, self.currency, self.sheets)

    def show_section(self, key: str) -> None:
        """One section: its heading, intro and blocks."""
        from IPython.display import Markdown, display

        from ._display import say

        s = self.section(key)
        display(Markdown("## " + say(s.heading).data))
        if s.intro:
            _show_markdown(s.intro)
        with language(self.lang):
            _show_blocks(s.blocks, self.currency, self.sheets)

    def show_appendix(self) -> None:
        self.show_section("appendix")

    def show(self) -> None:
        """The whole report: first screen, sections, appendix."""
        self.show_first_screen()
        for s in self.sections:
            self.show_section(s.key)
        self.show_appendix()

    def _ipython_display_(self) -> None:
        self.show()

    def __repr__(self) -> str:
        return (
            f"<BranchReport {self.branch!r}: {len(self.sections)} sections, "
            f"{len(self.tables)} tables>"
        )


# ----------------------------------------------------------------------------- helpers
def _fig(title: str, alt: str, draw: Callable[..., Any], **kw: Any) -> Figure:
    return Figure(title=title, alt=alt, draw=draw, **kw)


def _code(v: Any) -> str:
    """A code in the reader's words (lower case inside a sentence is left to the label)."""
    return label(str(v))


class _Said:
    """Notes already given: a note is said once in the whole report."""

    def __init__(self, muted: tuple[str, ...] = ()) -> None:
        self.seen: set[str] = set()
        self.muted = muted

    def __call__(self, result: Any, *, skip: tuple[str, ...] = (), mute: bool = True) -> list[Text]:
        out = []
        muted = self.muted if mute else ()
        for n in getattr(result, "notes", ()) or ():
            if n in self.seen or any(s in n for s in skip) or _is_muted(n, muted):
                continue
            self.seen.add(n)
            out.append(Text(n, "note"))
        return out


#: words of analysis notes that only repeat that an optional table is missing
_MUTED = {
    "costs": ("cost", "p&l", "profit"),
    "usage": ("usage", "forwarded", "complaint"),
    "contacts": ("contact", "funnel", "retained"),
    "assignments": ("assignments table", "manager history"),
    "contracts": ("contracts table", "pay back"),
    "tickets": ("tickets table",),
    "surveys": ("surveys table",),
}


def _is_muted(note: str, words: tuple[str, ...]) -> bool:
    """True when ``note`` only repeats that an optional table is missing.

    Decided by the note's message (its English msgid, the same key in every language),
    never by its words in the reader's language: the English and the Chinese editions
    then leave out the same notes. A note no message of the catalogue makes (an English
    literal) is judged by its own words, which are the same in both editions.
    """
    if not words:
        return False
    found = _message_of(note)
    text = found if found is not None else note
    low = text.lower()
    return any(w in low for w in words)


def _message_of(note: str) -> str | None:
    """The English msgid whose sentence, in the current language, ``note`` is (its
    placeholders filled), or None. The longest literal match wins, so a short template
    such as ``{a}: {b}`` never claims a note a fuller one makes."""
    for msgid, pattern in _note_patterns(current_language()):
        if pattern.fullmatch(note):
            return msgid
    return None


@functools.cache
def _note_patterns(lang: str) -> list[tuple[str, re.Pattern[str]]]:
    from ._i18n import catalogue as _catalogue

    pairs: list[tuple[str, str]] = []
    for key in _catalogue("zh"):  # the catalogue lists every msgid
        if isinstance(key, tuple):  # a plural message: its key is the singular
            here = _catalogue(lang).get(key)
            pairs += [(key[0], f) for f in (here[0] if here else key)]
        else:
            pairs.append((key, _catalogue(lang).get(key, key)))
    out = []
    for msgid, template in dict.fromkeys(pairs):
        parts = re.split(r"\{[^{}]*\}", template)
        literal = sum(len(p) for p in parts)
        if literal < 6:  # too little text to tell which message a note is
            continue
        pattern = re.compile("(?s)" + "(.+?)".join(re.escape(p) for p in parts))
        out.append((literal, msgid, pattern))
    out.sort(key=lambda t: -t[0])
    return [(m, p) for _, m, p in out]


#: what each optional table gives a report, for the one sentence when it is missing
def _missing_sentence(table: str) -> str:
    return {
        "costs": tr(
            "The data have no cost table, so the cost to serve, customer profit, the whale "
            "curve and loss-making accounts cannot be shown."
        ),
        "usage": tr(
            "The data have no usage table, so groups about to leave (calls forwarded to other "
            "operators against a falling bill) cannot be spotted."
        ),
        "contacts": tr(
            "The data have no retention-contact table, so the retention funnel and what "
            "retention saved cannot be shown."
        ),
        "assignments": tr(
            "The data have no account-manager history (assignments table), so churn after a "
            "manager left cannot be shown."
        ),
        "contracts": tr(
            "The data have no contracts table with investments, so whether key-account "
            "contracts pay back cannot be shown."
        ),
        "tickets": tr(
            "The data have no service tickets table, so response and repair times against "
            "the promises cannot be shown."
        ),
        "surveys": tr(
            "The data have no satisfaction surveys table, so satisfaction over time cannot "
            "be shown."
        ),
    }[table]


def cannot_show(part: str, reason: str) -> str:
    """The one sentence a section says for a part the data cannot fill (and the
    data-quality section repeats): what cannot be shown and why."""
    return tr("The report cannot show {part}: {reason}.", part=part, reason=reason)


def _cannot(ctx: _Ctx, s: Section, key: str, *results: Any) -> bool:
    """True when the data cannot fill the part ``key`` (see :mod:`kamlib._coverage`):
    the section then says so in one sentence, and the analyses' own notes about it (the
    same fact in other words) are not said again."""
    from ._coverage import SECTIONS, fills

    why = fills(ctx.b, key)
    if why is None:
        return False
    part = next(p for p in SECTIONS if p.key == key)
    s.blocks.append(Text(cannot_show(tr(part.label), why), "missing"))
    for r in results:
        ctx.said.seen.update(getattr(r, "notes", ()) or ())
    return True


# ----------------------------------------------------------------------------- builder
def build_report(
    book: Book,
    branch: str,
    *,
    scheme: str | Path | dict | None = None,
    cost_model: Any = None,
    estimates: str | Path | Any = None,
    targets: str | Path | dict | None = None,
    lang: str = "en",
) -> BranchReport:
    """Compute a branch report once: sections, appendix, metrics and tables.

    Parameters
    ----------
    book : the operator's data (the branch is taken from it; the book is not modified).
    branch : the branch to report on.
    scheme : tier scheme for :func:`kamlib.value_tiers` (None: Beijing for CNY, ABC else).
    cost_model : cost rates for :func:`kamlib.customer_pnl` (None: the bundled rates).
    estimates : your own size/probability estimates for :func:`kamlib.opportunity_matrix`.
    targets : KPI targets (a YAML path or dict) for :func:`kamlib.kpis`.
    lang : the report's language (``en`` or ``zh``): every word is written in it.

    Examples
    --------
    >>> import kamlib
    >>> r = kamlib.build_report(kamlib.load(kamlib.sample_path()), "Suzhou")
    >>> r.title, r.metrics["accounts"]
    ('Suzhou', 373)
    """
    with language(lang):
        return _build(book, branch, scheme, cost_model, estimates, targets, lang)


def _build(
    book: Book,
    branch: str,
    scheme: Any,
    cost_model: Any,
    estimates: Any,
    targets: Any,
    lang: str,
) -> BranchReport:
    from . import churn as ch
    from . import opportunity as op
    from . import profit as pr
    from . import segment as sg
    from .customer_value import clv
    from .deals import contract_payback, discount_control
    from .decisions import kpis, next_actions
    from .key_accounts import key_account_list, service_levels
    from .managers import account_managers, manager_departures
    from .needs import NeedsSegments
    from .plans import account_plans
    from .potential import sales_potential, white_space
    from .report import data_quality, metrics_of
    from .scenario import scenarios
    from .service import complaint_rate, satisfaction_trend, service_churn, service_promises
    from .watchlist import operator_model

    b = book.branch(branch)
    cur = book.currency
    missing = set(b.missing_tables())
    # a missing table is said once, in the section it empties (_missing_sentence): the
    # analyses' own notes about it would say it again
    said = _Said(tuple(w for t in sorted(missing) for w in _MUTED.get(t, ())))

    # every analysis once ------------------------------------------------------------
    pnl = pr.customer_pnl(b, cost_model=cost_model)
    tiers = sg.value_tiers(b, scheme=scheme)
    whale = pr.whale_curve(b, pnl=pnl)
    rev_conc = pr.concentration(b, value="revenue", pnl=pnl)
    ctypes = ch.churn_types(b)
    has_type = "customer_type" in b.accounts and b.accounts["customer_type"].notna().any()
    rates = ch.churn_rates(b, by="customer_type" if has_type else None)
    overall = ch.churn_rates(b, by=None)
    warnings = ch.group_warnings(b)
    loss = pr.profit_actions(b, pnl=pnl, top=10)
    tree = ch.cause_tree(b, lang=lang)
    needs = NeedsSegments(seed=0).fit(b)
    segments = needs.labels_ if needs.labels_.notna().any() else tiers.assignment
    opps = op.opportunity_matrix(b, segments, pnl=pnl, given=estimates or None)
    kpi = kpis(book, branch, pnl=pnl, targets=targets or None)
    kal = key_account_list(b)
    service = service_levels(b, tiers=tiers)
    space = white_space(b)  # one look-alike search for the plans and the sales potential
    plans = account_plans(b, pnl=pnl, tiers=tiers, white_space=space)
    potential = sales_potential(b, pnl=pnl, tiers=tiers, white_space=space)
    payback = contract_payback(b, pnl=pnl)
    discounts = discount_control(b, tiers=tiers)
    managers = account_managers(b, pnl=pnl)
    departures = manager_departures(b)
    promises = service_promises(b)
    complaints = complaint_rate(b)
    satisfaction = satisfaction_trend(b, tiers=tiers)
    after = service_churn(b, tiers=tiers)
    # the churn-risk model learns from the whole operator (a branch has too few churners
    # to fit and test on); the branch's watch list is its rows. A book loaded for one
    # branch keeps the whole operator's in ``whole``
    if book.churn_risk is not None:  # fitted once on the prepared operator
        risk = book.churn_risk
    else:
        risk = operator_model(book.whole if book.whole is not None else book)
    watch = risk.branch(branch)
    whatif = scenarios(b, pnl=pnl, tiers=tiers)
    # the lifetime model learns from the whole operator too; the branch's accounts are
    # valued with it (a branch has too few churners per segment)
    # (a branch of a prepared operator carries the operator's fits: Book.lifetimes)
    fit_on = book.whole if book.whole is not None else None if book.lifetimes else book
    value = clv(b, pnl=pnl, fit_on=fit_on)
    actions = next_actions(
        book,
        branch,
        pnl=pnl,
        warnings=warnings,
        loss_makers=loss,
        causes=tree,
        opportunities=opps,
        plans=plans,
    )
    results: dict[str, Any] = {
        "pnl": pnl,
        "tiers": tiers,
        "whale": whale,
        "revenue_concentration": rev_conc,
        "churn_types": ctypes,
        "churn_rates": rates,
        "group_warnings": warnings,
        "profit_actions": loss,
        "cause_tree": tree,
        "needs": needs,
        "opportunities": opps,
        "kpis": kpi,
        "actions": actions,
        "key_account_list": kal,
        "service_levels": service,
        "plans": plans,
        "sales_potential": potential,
        "contract_payback": payback,
        "discount_control": discounts,
        "account_managers": managers,
        "manager_departures": departures,
        "service_promises": promises,
        "complaint_rate": complaints,
        "satisfaction_trend": satisfaction,
        "service_churn": after,
        "churn_risk": risk,
        "watch_list": watch,
        "scenarios": whatif,
        "customer_value": value,
    }

    appendix = Section(
        "appendix",
        tr("Method and reliability"),
        tr(
            "How the figures above were tested and what they assume: p-values, intervals, "
            "effect sizes and the cost assumptions."
        ),
    )
    ctx = _Ctx(book, b, cur, missing, said, appendix.blocks, results)
    sections = [
        _segmentation(ctx, tiers, needs, segments, pnl),
        _profit(ctx, pnl, whale, rev_conc, loss),
        _churn(ctx, rates, overall, ctypes, tree, tiers, has_type),
        _value(ctx, value),
        _retention(ctx, warnings, value),
        _key_accounts(ctx, kal, service, plans, payback, potential),
        _managers(ctx, managers, departures, discounts),
        _service(ctx, promises, complaints, satisfaction, after),
        _watchlist(ctx, risk, watch, value),
        _whatif(ctx, whatif),
        _actions_section(ctx, opps, loss, pnl),
        _quality(ctx, data_quality(b), pnl),
    ]

    metrics = metrics_of(
        book,
        branch,
        pnl=pnl,
        tiers=tiers,
        whale=whale,
        revenue_concentration=rev_conc,
        types=ctypes,
    )
    metrics["kpis"] = _kpi_values(kpi)
    metrics.update(_key_account_metrics(b, kal, payback, managers, departures))
    metrics.update(_service_metrics(b, promises, complaints, risk, watch))
    ahead = value.summary()["value"]
    metrics["value_ahead"] = _number_or_none(ahead["total_residual_value"])
    metrics["value_lost_to_churn"] = _number_or_none(ahead["value_lost_to_churn"])
    metrics["actions"] = [
        {"text": r["action"], "money_at_stake": r["money_at_stake"], "kind": r["kind"]}
        for _, r in actions.table.iterrows()
    ]
    from .report import json_safe

    months = b.months()
    when = period(months[0], months[-1]) if len(months) else period(None, None)
    subtitle = tr(
        "{operator} · {period} · money in {currency}", operator=book.name, period=when, currency=cur
    )
    first = _first_screen(ctx, kpi, actions)
    return BranchReport(
        branch=branch,
        lang=lang,
        title=branch,
        subtitle=subtitle,
        kpis=kpi,
        actions=actions,
        sections=sections,
        appendix=appendix,
        metrics=json_safe(metrics),
        results=results,
        first_screen=first,
        currency=cur,
        plans=plans,
        as_of=book.as_of,
    )


def _key_account_metrics(
    b: Book, kal: Any, payback: Any, managers: Any, departures: Any
) -> dict[str, Any]:
    """The key-account figures of metrics.json: null where the data cannot say."""

    def whole(result: Any, figure: str) -> int | None:
        v = result.summary()["value"].get(figure)
        return None if v is None or pd.isna(v) else int(v)

    return {
        "key_accounts_entered": whole(kal, "key_accounts_entered"),
        "key_accounts_left": whole(kal, "key_accounts_left"),
        "contracts_not_paying_back": whole(payback, "contracts_not_paying_back")
        if b.has("contracts")
        else None,
        "accounts_without_manager": whole(managers, "accounts_without_manager")
        if "account_manager" in b.accounts
        else None,
        "revenue_lost_after_manager_left": _number_or_none(
            departures.summary()["value"].get("revenue_lost_after_manager_left")
        )
        if b.has("assignments")
        else None,
    }


def _service_metrics(
    b: Book, promises: Any, complaints: Any, risk: Any, watch: Any
) -> dict[str, Any]:
    """The service and watch-list figures of metrics.json: null where the data cannot say
    (no tickets; a model that could not be tested, or ranks too poorly for a watch list)."""
    p = promises.summary()["value"]
    c = complaints.summary()["value"]
    auc = getattr(risk, "auc_", None)
    usable = bool(getattr(risk, "usable_", False))
    t = watch.table
    at_risk = (
        float(t.loc[t["top_decile"].astype(bool), "value_at_stake"].sum())
        if usable and len(t) and "top_decile" in t
        else None
    )
    return {
        "complaints_per_100_accounts": _number_or_none(c.get("complaints_per_100_last"))
        if b.has("tickets")
        else None,
        "share_within_promise": _number_or_none(p.get("kept_share")) if b.has("tickets") else None,
        "watchlist_auc": _number_or_none(auc),
        "value_at_risk_top_decile": at_risk,
    }


def _number_or_none(v: Any) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


@dataclass
class _Ctx:
    book: Book
    b: Book
    cur: str
    missing: set[str]
    said: _Said
    appendix: list[Block]
    results: dict[str, Any]


def _kpi_values(kpi: Any) -> dict[str, Any]:
    t = kpi.table
    if "branch" not in t:
        return {}
    return {str(k): (None if pd.isna(v) else v) for k, v in t["branch"].items()}


def _first_screen(ctx: _Ctx, kpi: Any, actions: Any) -> list[Block]:
    blocks: list[Block] = []
    t = kpi.table
    known = int(t["branch"].notna().sum()) if "branch" in t else 0
    blocks.append(
        Table(
            tr("Key figures"),
            ntr(
                "The {n} figure this branch is measured on, beside the operator",
                "The {n} figures this branch is measured on, beside the operator",
                known,
                n=count(known),
            ),
            t,
            display=_kpi_display(t, ctx.cur),
            # already text in each KPI's unit: the kinds only align them as numbers
            kinds=dict.fromkeys(
                ("branch", "operator", "target", "change_on_earlier_half"), "money"
            ),
            # the workbook keeps the numbers: one row a KPI, each in its own unit
            sheet_kinds={
                **dict.fromkeys(
                    ("branch", "operator", "latest", "earlier", "change", "target"), "number"
                ),
                # units and better/worse are codes: the workbook shows them in words
                **dict.fromkeys(("unit", "versus_operator", "versus_target"), "code"),
            },
        )
    )
    used = revenue_used(ctx.b)
    if used:  # ARPU and the shares above are of this revenue: say which, under them
        blocks.append(Text(used, "note"))
    a = actions.table
    if len(a):
        at_stake = float(pd.to_numeric(a["money_at_stake"], errors="coerce").sum())
        blocks.append(
            Text(
                ntr(
                    "One action for this month, with {money} a year at stake:",
                    "{n} actions for this month, with {money} a year at stake:",
                    len(a),
                    n=count(len(a)),
                    money=money(at_stake, ctx.cur),
                ),
                "intro",
            )
        )
        blocks.append(Text("\n".join(a["action"]), "actions"))
        blocks.append(
            Table(
                tr("Actions this month"),
                tr("The actions for this month, largest first"),
                # kinds and sources in words (the codes stay in report.actions and metrics)
                actions.readable(),
                # ``accounts`` holds names here, not a count as in the other tables
                kinds={"kind": "text", "source": "text", "accounts": "text"},
                on_page=False,  # the numbered list above is the page's; the workbook has all
            )
        )
    else:
        blocks.append(Text(tr("The data point to no action for this month."), "missing"))
    # the KPI table shows "—" for what the data cannot give: its notes say why, even when
    # a section already said that a table is missing (the first screen is read alone)
    blocks += ctx.said(kpi, mute=False) + ctx.said(actions)
    return blocks


def _kpi_value(v: Any, unit: str, cur: str) -> str:
    """One KPI value in its unit: money, money a month, a share or a score."""
    if unit == "money":
        return money(v, cur)
    if unit == "money_per_month":
        return MISSING if pd.isna(v) else tr("{money} a month", money=money(v, cur))
    if unit == "share":
        return share(v)
    return number(v, 2)


def _kpi_change(r: pd.Series, cur: str) -> str:
    """The latest half against the earlier one: points for shares, % for the rest."""
    if pd.isna(r.get("change")):
        return MISSING
    if r["unit"] == "share":
        pts = float(r["change"]) * 100
        return tr("{points} points", points=f"{pts:+.1f}")
    if pd.notna(r.get("change_relative")):
        return share(r["change_relative"], signed=True)
    return _kpi_value(r["change"], r["unit"], cur)


def _versus(v: Any) -> str:
    """Better / worse in words (a dash when not compared)."""
    from .decisions import VERSUS

    return tr(VERSUS[v]) if v in VERSUS else MISSING


def _kpi_display(t: pd.DataFrame, cur: str) -> pd.DataFrame:
    """The KPI table as a reader reads it: each value in its own unit, the change since
    the earlier half of the period, better/worse in words (the workbook keeps numbers)."""
    from .decisions import kpi_name

    rows = []
    for kpi, r in t.iterrows():
        rows.append(
            {
                "kpi": kpi_name(kpi),
                "period": r["period"] if isinstance(r["period"], str) else MISSING,
                "branch": _kpi_value(r["branch"], r["unit"], cur),
                "operator": _kpi_value(r["operator"], r["unit"], cur),
                "versus_operator": _versus(r["versus_operator"]),
                "change_on_earlier_half": _kpi_change(r, cur),
                "target": _kpi_value(r["target"], r["unit"], cur),
                "versus_target": _versus(r["versus_target"]),
            }
        )
    out = pd.DataFrame(rows)
    if t["target"].isna().all():  # no targets given: no empty columns
        out = out.drop(columns=["target", "versus_target"])
    return out


# ----------------------------------------------------------------------------- sections
def _largest(s: pd.Series) -> tuple[Any, float]:
    s = pd.to_numeric(s, errors="coerce").dropna()
    if s.empty:
        return None, math.nan
    return s.idxmax(), float(s.max())


def _segmentation(ctx: _Ctx, tiers: Any, needs: Any, segments: Any, pnl: Any) -> Section:
    from . import opportunity as op
    from . import segment as sg

    s = Section(
        "segmentation",
        tr("Segmentation"),
        tr("Who the branch's accounts are: value tiers, customer types, life stage and needs."),
    )
    t = tiers.table
    no_tiers = _cannot(ctx, s, "value_tiers", tiers)
    s.blocks += ctx.said(tiers)
    if not no_tiers and len(t) and t["accounts"].sum() > 0:
        held = t[t["accounts"] > 0]
        top = held.index[-1]  # tiers run from the lowest to the highest
        name = str(held.loc[top, "label_zh" if _zh() else "label"])
        n = int(held.loc[top, "accounts"])
        title = ntr(
            "{share} of revenue comes from the {tier} tier's {n} account",
            "{share} of revenue comes from the {tier} tier's {n} accounts",
            n,
            share=share(held.loc[top, "share_of_revenue"]),
            tier=name,
            n=count(n),
        )
        big = pd.to_numeric(held["share_of_revenue"], errors="coerce").idxmax()
        if big != top:  # the top tier is small: say which tier brings the most too
            n_big = int(held.loc[big, "accounts"])
            title = ntr(
                "The {tier} tier's {n} accounts bring {share} of revenue; the most, {big_share}, "
                "comes from the {big} tier's {n_big} account",
                "The {tier} tier's {n} accounts bring {share} of revenue; the most, {big_share}, "
                "comes from the {big} tier's {n_big} accounts",
                n_big,
                tier=name,
                n=count(n),
                share=share(held.loc[top, "share_of_revenue"]),
                big_share=share(held.loc[big, "share_of_revenue"]),
                big=str(held.loc[big, "label_zh" if _zh() else "label"]),
                n_big=count(n_big),
            )
        alt = tr("Bar chart of accounts and revenue per value tier: {title}.", title=title)
        s.blocks.append(_fig(title, alt, lambda ax: tiers.plot(ax=ax)))
        s.blocks.append(
            Table(
                tr("Value tiers"),
                tr("Accounts, revenue and ARPU per value tier"),
                # the tier's name in the report's language, not its code
                t.reset_index(drop=True).rename(columns={"label_zh" if _zh() else "label": "tier"})[
                    ["tier", "accounts", "share_of_accounts", "share_of_revenue", "arpu"]
                ],
            )
        )
    types = sg.customer_types(ctx.b)
    s.blocks += ctx.said(types)
    c = types.counts()
    if len(c) and "customer_type" in types.table and types.table["customer_type"].notna().any():
        per_type = c["accounts"].groupby(level="customer_type").sum()
        kind, biggest = _largest(per_type)
        keys = int(per_type.get("key_account", 0))
        s.blocks.append(
            Table(
                tr("Customer types"),
                tr(
                    "{kind} are the largest customer type: {n} of {total} accounts; "
                    "{keys} key accounts",
                    kind=_code(kind),
                    n=count(biggest),
                    total=count(per_type.sum()),
                    keys=count(keys),
                ),
                c,
            )
        )
    stages = sg.lifecycle_stage(ctx.b)
    s.blocks += ctx.said(stages)
    sc = stages.counts()
    if len(sc) and sc["accounts"].sum() > 0:
        stage, most = _largest(sc["accounts"])
        s.blocks.append(
            Table(
                tr("Lifecycle stages"),
                tr(
                    "Most accounts are {stage}: {n} of {total}",
                    stage=_code(stage).lower(),
                    n=count(most),
                    total=count(sc["accounts"].sum()),
                ),
                sc,
            )
        )
    vl = sg.value_loyalty(ctx.b)
    no_grid = _cannot(ctx, s, "value_loyalty", vl)
    s.blocks += ctx.said(vl)
    vt = vl.table
    # a grid that cannot tell loyalty apart (its note says so) is no ground for a headline
    if not no_grid and vl.separates and len(vt) and vt["accounts"].sum() > 0:
        hv = vt[(vt["value"] == "high") & (vt["loyalty"] == "drifting")]["accounts"].sum()
        title = (
            ntr(
                "{n} high-value account is drifting away: win it back now",
                "{n} high-value accounts are drifting away: win them back now",
                int(hv),
                n=count(hv),
            )
            if hv
            else tr("No high-value account is drifting away")
        )
        s.blocks.append(
            _fig(
                title,
                tr("Grid of accounts by value and loyalty: {title}.", title=title),
                lambda ax: vl.plot(ax=ax),
                size=(6, 3.5),
            )
        )
        s.blocks.append(
            Table(tr("Value x loyalty"), title, vl.strategy.rename_axis(index="value_class"))
        )
    no_needs = _cannot(ctx, s, "needs_segments", needs)
    ctx.appendix.extend(ctx.said(needs))  # silhouettes and stability: method detail
    nt = needs.table
    if not no_needs and len(nt):
        weak = getattr(needs, "structure_", "") in ("weak", "none")
        title = (
            tr(
                "{k} needs segments, weakly separated: read them as tendencies, not types",
                k=count(needs.k_),
            )
            if weak
            else tr("{k} needs segments, each buying and using differently", k=count(needs.k_))
        )
        s.blocks.append(
            _fig(
                title,
                tr("Chart of the needs segments: {title}.", title=title),
                lambda ax: needs.plot(ax=ax),
                size=(8, 3.5),
            )
        )
        s.blocks.append(
            Table(tr("Needs segments"), title, nt[["archetype", "accounts", "churned"]])
        )
        ctx.appendix.append(
            Text(
                tr(
                    "Needs segments: {k} segments, the number with the highest mean silhouette "
                    "(how much closer accounts are to their own segment than to the next; 1 is "
                    "perfect, 0 no structure).",
                    k=count(needs.k_),
                )
            )
        )
        ctx.appendix.append(
            Table(
                tr("Needs segments: fit"),
                tr("How well the needs segments are separated"),
                nt[["fit", "silhouette", "spread", "nearest_segment", "distance_to_nearest"]],
            )
        )
    profile = op.segment_profile(ctx.b, segments, pnl=pnl)
    s.blocks += ctx.said(profile)
    pt = profile.table
    if len(pt):
        seg, v = _largest(pt["share_of_revenue"])
        s.blocks.append(
            Table(
                tr("Segment profile"),
                tr(
                    "{segment} brings the largest share of revenue: {share}",
                    segment=_code(seg),
                    share=share(v),
                ),
                pt,
            )
        )
    return s


def _zh() -> bool:
    from ._i18n import current_language

    return current_language() == "zh"


#: which revenue the 80/20 figures are of, when it is not billed revenue
_REVENUE_USED = {
    "accounts.total_revenue": N_(
        "Revenue here is each account's revenue over the period as the data give it (there "
        "is no billing table)."
    ),
    "accounts.monthly_revenue": N_(
        "Revenue here is each account's monthly charge (there is no billing table): the "
        "shares are of monthly revenue, not of revenue over the period."
    ),
    "accounts.lifetime_revenue": N_(
        "Revenue here is each account's lifetime revenue, cumulative since it joined (there "
        "is no billing table): long-standing accounts weigh more."
    ),
}


#: the same, naming the formula a mapping's ``compute:`` made the column with
_REVENUE_COMPUTED = {
    "accounts.total_revenue": N_(
        "Revenue is each account's revenue over the period as the data give it: {formula} "
        "(there is no billing table)."
    ),
    "accounts.monthly_revenue": N_(
        "Revenue is each account's monthly charge: {formula}; not revenue over a period."
    ),
    "accounts.lifetime_revenue": N_(
        "Revenue is each account's lifetime revenue, cumulative since it joined: {formula} "
        "(there is no billing table); long-standing accounts weigh more."
    ),
}


def revenue_used(book: Book) -> str | None:
    """The one sentence that says what revenue is when the data have no billing table
    (naming the formula when the mapping computed it), or None for billed revenue.

    Examples
    --------
    >>> import kamlib
    >>> revenue_used(kamlib.load(kamlib.sample_path())) is None
    True
    """
    source = book.revenue_source()
    if source not in _REVENUE_USED:
        return None
    formula = book.computed.get(str(source))
    if formula:
        return tr(_REVENUE_COMPUTED[str(source)], formula=formula)
    return tr(_REVENUE_USED[str(source)])


def _profit(ctx: _Ctx, pnl: Any, whale: Any, rev: Any, loss: Any) -> Section:
    from . import profit as pr
    from ._coverage import fills

    s = Section(
        "profit",
        tr("Where the profit is"),
        tr(
            "Customer profit is revenue minus the cost to serve each account (network, service, "
            "account-manager time, discounts, subsidies, bad debt, acquisition)."
        ),
    )
    b, cur = ctx.b, ctx.cur
    # costs without any revenue: no P&L to show (said once, in the coverage's words)
    no_pnl = pnl.has_costs and fills(b, "profit") is not None
    if not pnl.has_costs:
        s.blocks.append(Text(_missing_sentence("costs"), "missing"))
        ctx.said.seen.update(pnl.notes)  # the sentence above says it
    elif no_pnl:
        _cannot(ctx, s, "profit", pnl, whale)
    else:
        s.blocks += ctx.said(pnl)
        summ = pnl.summary()
        profit_total = float(summ.loc["profit", "value"])
        s.blocks.append(
            Table(
                tr("P&L summary"),
                tr(
                    "The branch earns {profit} on {revenue} of revenue: a {margin} margin",
                    profit=money(profit_total, cur),
                    revenue=money(summ.loc["revenue", "value"], cur),
                    margin=share(summ.loc["margin", "value"]),
                ),
                summ,
            )
        )
        s.blocks += ctx.said(whale)
        if len(pnl.table) and whale.meaningful:
            title = tr(
                "The top {top} of accounts earn {peak} of profit; the last {tail} give {money} back",
                top=share(whale.peak_at),
                peak=share(whale.peak_share),
                tail=share(1 - whale.peak_at),
                money=money(whale.tail_giveback, cur),
            )
            s.blocks.append(
                _fig(
                    title,
                    tr(
                        "Whale curve of cumulative profit against accounts ranked by profit: "
                        "{title}.",
                        title=title,
                    ),
                    lambda ax: whale.plot(ax=ax),
                )
            )
            ctx.appendix.append(Text(whale.reading))
        elif len(pnl.table):
            s.blocks.append(
                Text(
                    tr(
                        "The branch loses {money} in total, so shares of its profit mean nothing: "
                        "no whale curve.",
                        money=money(-whale.total, cur),
                    ),
                    "missing",
                )
            )
        rules = pr.rules_of_thumb(b, pnl=pnl)
        s.blocks += ctx.said(rules)
        rt = rules.table
        if len(rt):
            holds = int(rules.summary().loc["hold", "value"])
            s.blocks.append(
                Table(
                    tr("Rules of thumb"),
                    ntr(
                        "{n} of {total} rule of thumb holds in this branch",
                        "{n} of {total} rules of thumb hold in this branch",
                        holds,
                        n=count(holds),
                        total=count(len(rt)),
                    ),
                    rt,
                )
            )
    # revenue concentration stands without costs
    no_revenue = _cannot(ctx, s, "revenue_concentration", rev)
    s.blocks += ctx.said(rev, skip=tuple(ctx.said.seen))
    used = revenue_used(b)
    if not no_revenue and used:
        # the 80/20 figures are of whatever revenue the data hold: say which, beside them
        s.blocks.append(Text(used, "note"))
    if not no_revenue and not math.isnan(rev.gini):
        title = tr(
            "The top {top} of accounts bring {share} of revenue",
            top=share(rev.top),
            share=share(rev.top_share),
        )
        s.blocks.append(
            _fig(
                title,
                tr("Lorenz curve of revenue over accounts: {title}.", title=title),
                lambda ax: rev.plot(ax=ax),
            )
        )
        ctx.appendix.append(
            Text(
                tr(
                    "Revenue concentration: Gini coefficient {gini} (0: every account brings "
                    "the same; 1: one account brings everything).",
                    gini=number(rev.gini),
                )
            )
        )
    if pnl.has_costs and not no_pnl:
        deciles = pr.decile_table(b, pnl=pnl)
        s.blocks += ctx.said(deciles)
        dt = deciles.table
        if len(dt):
            title = tr(
                "The most profitable tenth of accounts earns {share} of profit; {n} tenths "
                "lose money",
                share=share(dt["share"].iloc[0]),
                n=count(int((dt["profit"] < 0).sum())),
            )
            s.blocks.append(
                _fig(
                    title,
                    tr("Bar chart of profit per tenth of accounts: {title}.", title=title),
                    lambda ax: deciles.plot(ax=ax),
                    size=(8, 3.5),
                )
            )
            s.blocks.append(Table(tr("Deciles"), title, dt))
        groups = pr.profit_groups(b, pnl=pnl)
        gt = groups.table
        if len(gt) and "loss_making" in gt.index:
            lm = gt.loc["loss_making"]
            s.blocks.append(
                Table(
                    tr("Profit groups"),
                    tr(
                        "{n} of {total} accounts lose money: {money} together",
                        n=count(lm["accounts"]),
                        total=count(gt["accounts"].sum()),
                        money=money(-lm["profit"], cur),
                    ),
                    gt,
                )
            )
        drivers = pnl.cost_by_driver()
        if len(drivers) and drivers.sum() > 0:
            title = tr(
                "The largest cost to serve is {driver}: {share} of the cost",
                driver=str(drivers.idxmax()).lower(),
                share=share(drivers.max() / drivers.sum()),
            )
            s.blocks.append(
                _fig(
                    title,
                    tr("Bar chart of the cost to serve by driver: {title}.", title=title),
                    lambda ax: pnl.plot(ax=ax),
                )
            )
        if "customer_type" in pnl.table and pnl.table["customer_type"].notna().any():
            by = pnl.by("customer_type")[["accounts", "revenue", "cost", "profit", "margin"]]
            kind, v = _largest(by["profit"])
            s.blocks.append(
                Table(
                    tr("P&L by customer type"),
                    tr(
                        "{kind} earn the most profit: {money}",
                        kind=_code(kind),
                        money=money(v, cur),
                    ),
                    by,
                )
            )
        if pnl.model is not None:
            ctx.appendix.append(
                Table(
                    tr("Cost assumptions"),
                    tr("The cost to serve rests on these rates: assumptions, not measurements"),
                    # the driver is named in its own column: the code index would repeat it
                    pnl.model.assumptions().reset_index(drop=True),
                )
            )
    return s


def _churn(
    ctx: _Ctx, rates: Any, overall: Any, ctypes: Any, tree: Any, tiers: Any, has_type: bool
) -> Section:
    from . import churn as ch

    b = ctx.b
    s = Section("churn", tr("Why customers leave"))
    acc = b.accounts
    churned = int((acc["status"] == "churned").sum())
    ot = overall.table
    min_accounts = ch.churn_rules()["min_accounts"]
    if len(ot) and len(acc) >= min_accounts:
        r = ot.iloc[0]
        s.blocks.append(
            Text(
                tr(
                    "{churned} of {accounts} accounts churned ({rate}).",
                    # the counts the rate is computed from (accounts that left before the
                    # window are not at risk in it), so the sentence adds up
                    churned=count(int(r["churned"])),
                    accounts=count(int(r["accounts"])),
                    rate=share(r["rate"]),
                )
            )
        )
        ctx.appendix.append(
            Text(
                tr(
                    "Churn rate {rate}, 95% interval {low} to {high} (Wilson).",
                    rate=share(r["rate"]),
                    low=share(r["ci_low"]),
                    high=share(r["ci_high"]),
                )
            )
        )
    else:
        s.blocks.append(
            Text(
                tr(
                    "{churned} of {accounts} accounts churned: too few accounts for a rate.",
                    churned=count(churned),
                    accounts=count(len(acc)),
                )
            )
        )
    s.blocks += ctx.said(rates)
    rt = rates.table
    if has_type and len(rt) > 1:
        # one test of whether churn differs between types: churned/stayed by type
        test = type_test(rt)
        title = _type_verdict(test, rt)  # the verdict is the table's message title
        s.blocks.append(Table(tr("Churn rates"), title, rt[["accounts", "churned", "rate"]]))
        ctx.appendix.append(
            Text(
                tr(
                    "Churn by customer type: chi-square test of churned against stayed, {p}; "
                    "a difference is called real below p = 0.05.",
                    p=pvalue(test.pvalue),
                )
            )
        )
        ctx.appendix.append(
            Table(tr("Churn rates with intervals"), tr("Churn rates with 95% intervals"), rt)
        )
    per_q = ch.churn_by_period(b, freq="Q")
    no_dates = _cannot(ctx, s, "churn_by_period", per_q)
    s.blocks += ctx.said(per_q)
    qt = per_q.table
    if not no_dates and len(qt) >= 1:
        last = qt.index[-1]
        q = last[0] if isinstance(last, tuple) else last
        title = tr(
            "{rate} of accounts churned in {quarter}, the latest quarter",
            rate=share(qt["rate"].iloc[-1]),
            quarter=_quarter(q),
        )
        if len(qt) >= 2:
            title = tr(
                "{rate} of accounts churned in {quarter}, against {before} the quarter before",
                rate=share(qt["rate"].iloc[-1]),
                quarter=_quarter(q),
                before=share(qt["rate"].iloc[-2]),
            )
        s.blocks.append(
            _fig(
                title,
                tr("Line chart of churn rate per quarter: {title}.", title=title),
                lambda ax: per_q.plot(ax=ax),
                size=(6, 3),
            )
        )
        s.blocks.append(Table(tr("Churn per quarter"), title, qt))
    s.blocks += ctx.said(ctypes)
    tt = ctypes.table
    # the types the shares are of (internal migration is not churn: no share)
    lost = (
        tt.loc[tt["share_of_lost"].notna(), "accounts"]
        if "share_of_lost" in tt
        else tt.get("accounts")
    )
    if len(tt) and churned and lost is not None and lost.sum() > 0:
        kind, n = _largest(lost)
        s.blocks.append(
            Table(
                tr("Churn types"),
                tr(
                    "Most churn is {kind}: {n} of {total} churned accounts",
                    kind=_code(kind).lower(),
                    n=count(n),
                    total=count(int(lost.sum())),
                ),
                tt,
            )
        )
    no_causes = _cannot(ctx, s, "cause_tree", tree)
    s.blocks += ctx.said(tree)
    ct = tree.table
    if not no_causes and len(ct) and "accounts" in ct:
        i, n = _largest(ct["accounts"])
        title = tr(
            "{cause} is the largest cause: {n} of {total} churned accounts",
            cause=str(ct.loc[i, "cause"]),
            n=count(n),
            total=count(ct["accounts"].sum()),
        )
        s.blocks.append(
            _fig(
                title,
                tr("Bar chart of churn causes by cause group: {title}.", title=title),
                lambda ax: tree.plot(ax=ax),
                size=(8, 3.5),
            )
        )
        # the cause is named in its own column: the code level would repeat it
        shown = (
            ct.reset_index(level="churn_cause", drop=True)
            if "churn_cause" in ct.index.names
            else ct
        )
        s.blocks.append(Table(tr("Cause tree"), title, shown))
        by_tier = ch.cause_tree(b, by=tiers.assignment.rename("tier")).table
        if len(by_tier):
            lost = by_tier.sum()
            tier, n = _largest(lost)
            words = tiers.table["label_zh" if _zh() else "label"]
            s.blocks.append(
                Table(
                    tr("Causes by tier"),
                    tr(
                        "Most accounts lost were in the {tier} tier: {n} of {total}",
                        tier=str(words.get(tier, tier)),
                        n=count(n),
                        total=count(lost.sum()),
                    ),
                    # the tiers as columns, named in the reader's words
                    by_tier.rename(columns=lambda c: str(words.get(c, c))),
                )
            )
    if has_type:
        assoc = ch.cause_association(b, by="customer_type")
        ctx.results["association"] = assoc
        s.blocks.append(Text(_association_verdict(assoc)))
        ctx.appendix.append(Text(assoc.reading))
        if assoc.testable:
            ctx.appendix.append(
                _fig(
                    _association_verdict(assoc),
                    tr(
                        "Chart of churn causes by customer type: {v}", v=_association_verdict(assoc)
                    ),
                    lambda ax: assoc.plot(ax=ax),
                )
            )
            if len(assoc.standouts):
                ctx.appendix.append(
                    Table(
                        tr("Causes that stand out"),
                        tr("Cells of causes by customer type beyond chance (Holm-adjusted)"),
                        assoc.standouts,
                    )
                )
    drivers = ch.churn_drivers(b)
    ctx.results["drivers"] = drivers
    ctx.appendix.extend(ctx.said(drivers))  # events per parameter, pooling: method detail
    s.blocks.append(Text(_drivers_verdict(drivers)))
    if drivers.fit_ is not None:  # unfitted, its reading is the note already given
        ctx.appendix.append(Text(drivers.reading))
    if len(drivers.table):
        ctx.appendix.append(
            Table(
                tr("Churn drivers"),
                tr("Odds ratios of churning with 95% intervals and Holm-adjusted p-values"),
                drivers.table,
                kinds={"ci_low": "ratio", "ci_high": "ratio"},
            )
        )
    curves, incidence = ch.retention_curves(b), ch.cumulative_incidence(b)
    no_curves = _cannot(ctx, s, "retention_curves", curves, incidence)
    s.blocks += ctx.said(curves) + ctx.said(incidence)
    cs = curves.summary()["value"]
    if not no_curves and len(curves.table) and not pd.isna(cs.get("lowest_retained")):
        title = tr(
            "How long accounts stay: the lowest curve keeps {share} of its accounts after "
            "{months} months",
            share=share(cs["lowest_retained"]),
            months=count(cs["longest_tenure_months"]),
        )

        def both(axs: Any) -> None:
            curves.plot(ax=axs[0])
            incidence.plot(ax=axs[1])

        s.blocks.append(
            _fig(
                title,
                tr(
                    "Left, share of accounts still with us by months with us; right, share "
                    "lost to each cause group: {title}.",
                    title=title,
                ),
                both,
                size=(11, 3.5),
                panels=2,
            )
        )
    return s


def _quarter(q: Any) -> str:
    """A quarter for a reader: "Q4 2025" / "2025年第4季度" (the table's code as it is when
    it is not a quarter)."""
    try:
        p = pd.Period(str(q), freq="Q")
    except (ValueError, TypeError):
        return str(q)
    return tr("Q{quarter} {year}", quarter=p.quarter, year=p.year)


def type_test(rates: pd.DataFrame) -> Any:
    """Does churn differ between customer types? Chi-square (or permutation, for small
    cells) test of churned against stayed accounts by type; ``rates`` is a
    :func:`kamlib.churn_rates` table by customer type (``accounts``, ``churned``)."""
    from ._stats import association_test
    from .churn import churn_rules

    churned = rates["churned"].astype(int)
    obs = pd.DataFrame({"churned": churned, "stayed": rates["accounts"].astype(int) - churned}).T
    return association_test(
        obs,
        min_count=churn_rules()["min_churners"],
        subject=tr("Churn by customer type"),
        names=("status", "customer_type"),
    )


def _type_verdict(test: Any, rates: pd.DataFrame) -> str:
    """The body's sentence on churn by customer type: a difference only when the test
    rejects."""
    if not test.significant:
        return tr("Churn by customer type: no real difference")
    kind, hi = _largest(rates["rate"])
    return tr(
        "Churn differs by customer type: highest among {kind} ({rate})",
        kind=_code(kind).lower(),
        rate=share(hi),
    )


def _association_verdict(assoc: Any) -> str:
    """One plain sentence following the test: a claim only when it rejects."""
    if not assoc.testable:
        return tr("Churn causes by customer type: too few churners to test.")
    if not assoc.significant:
        return tr("Churn causes by customer type: no real difference between customer types.")
    st = assoc.standouts
    if len(st):
        r = st.iloc[0]
        more = float(r["residual"]) > 0
        return (
            tr(
                "Churn causes differ by customer type: {cause} is more common among {kind}.",
                cause=_code(r["row"]).lower(),
                kind=_code(r["column"]).lower(),
            )
            if more
            else tr(
                "Churn causes differ by customer type: {cause} is less common among {kind}.",
                cause=_code(r["row"]).lower(),
                kind=_code(r["column"]).lower(),
            )
        )
    return tr("Churn causes differ by customer type, though no single cause stands out.")


def _drivers_verdict(drivers: Any) -> str:
    """The strongest driver significant after Holm, in plain words; else none."""
    t = drivers.table
    if getattr(drivers, "fit_", None) is None:
        return tr("Too few churners to say what drives churn.")
    sig = t[t["significant"].astype(bool)] if len(t) else t
    if not len(sig):
        return tr("No driver moves churn beyond chance.")
    strength = np.abs(np.log(sig["odds_ratio"].astype(float)))
    name = strength.idxmax()
    orr = float(sig.loc[name, "odds_ratio"])
    base = sig.loc[name, "baseline"]
    what = label(str(name))
    if isinstance(base, str) and ": " in str(name):
        column = str(name).split(": ", 1)[0]
        # the baseline level in the words its column gives it, without the column's name
        level, col = label(f"{column}: {base}"), label(column)
        baseline = level[len(col) :].lstrip(":： ") if level.startswith(col) else level
        what = tr("{level} (against {baseline})", level=label(str(name)), baseline=baseline)
    if orr < 1:
        return tr(
            "{driver} is the strongest driver: the odds of leaving are {x} lower.",
            driver=what,
            x=ratio(1 / orr),
        )
    return tr(
        "{driver} is the strongest driver: the odds of leaving are {x} higher.",
        driver=what,
        x=ratio(orr),
    )


def _retention(ctx: _Ctx, warnings: Any, value: Any = None) -> Section:
    from . import churn as ch

    b, cur = ctx.b, ctx.cur
    s = Section(
        "retention",
        tr("Groups about to leave, and retention"),
        tr(
            "A warning goes up when a group's calls forwarded to other operators rise while its "
            "group bill falls."
        ),
    )
    if "usage" in ctx.missing:
        s.blocks.append(Text(_missing_sentence("usage"), "missing"))
        ctx.said.seen.update(warnings.notes)
    elif _cannot(ctx, s, "group_warnings", warnings):
        pass  # the usage table lacks a signal the warning rests on: said above
    else:
        s.blocks += ctx.said(warnings)
        wt = warnings.table
        if len(wt):
            warned = wt[wt["warning"].astype(bool)]
            active = warned[warned["status"] == "active"]
            title = ntr(
                "{n} group still with us shows the warning signs: {money} a year at risk",
                "{n} groups still with us show the warning signs: {money} a year at risk",
                len(active),
                n=count(len(active)),
                money=money(active["revenue_at_risk_year"].sum(), cur),
            )
            cols = [
                "name",
                "status",
                "lines",
                "forwarding_rise",
                "bill_change",
                "revenue_at_risk_year",
                "value_ahead",
            ]
            ahead = _value_ahead(value)
            if ahead is not None and len(warned):
                # what the group would take with it: its discounted value ahead (the
                # lifetime model), beside a year of its bill
                warned = warned.assign(value_ahead=warned.index.map(ahead))
            # an export without account names shows the groups by their ids (the index)
            s.blocks.append(
                Table(tr("Group-churn warnings"), title, warned[[c for c in cols if c in warned]])
            )
            if "value_ahead" in warned:
                s.blocks += _warned_value(warned[warned["status"] == "active"], cur)
    if "contacts" in ctx.missing:
        s.blocks.append(Text(_missing_sentence("contacts"), "missing"))
        return s
    has_type = "customer_type" in b.accounts
    funnel = ch.retention_funnel(b, by="customer_type" if has_type else None)
    s.blocks += ctx.said(funnel)
    ft = funnel.table
    if len(ft):
        warned_n, kept = int(ft["warned"].sum()), int(ft["retained"].sum())
        title = tr(
            "{kept} of {warned} warned accounts were kept", kept=count(kept), warned=count(warned_n)
        )
        s.blocks.append(
            _fig(
                title,
                tr(
                    "Funnel of warned, reached, intending to leave and kept accounts: {title}.",
                    title=title,
                ),
                lambda ax: funnel.plot(ax=ax),
                size=(7, 2.5),
            )
        )
        s.blocks.append(Table(tr("Retention funnel"), title, ft))
    econ = ch.retention_economics(b)
    s.blocks += ctx.said(econ)
    et = econ.table
    if len(et) and "revenue_saved" in et.index:
        s.blocks.append(
            Table(
                tr("Retention economics"),
                tr(
                    "Retention saved {money} of revenue",
                    money=money(et.loc["revenue_saved", "value"], cur),
                ),
                et,
            )
        )
    return s


def _key_accounts(
    ctx: _Ctx, kal: Any, service: Any, plans: Any, payback: Any, potential: Any
) -> Section:
    """The key accounts (大客户): this year's list (who entered, who left and why), the
    service each tier receives against its entitlement, the plans of the top accounts and
    the important ones, and whether their contracts pay back."""
    s = Section(
        "key_accounts",
        tr("Key accounts"),
        tr(
            "The key-account list rebuilt from the year's spend, the service each tier "
            "receives, one plan per key account (the top accounts by revenue and every "
            "important account) and whether key-account contracts pay back."
        ),
    )
    if not _cannot(ctx, s, "key_account_list", kal):
        _list_blocks(ctx, s, kal)
    if not _cannot(ctx, s, "service_levels", service):
        _service_blocks(ctx, s, service)
    if not _cannot(ctx, s, "account_plans", plans):
        _plan_blocks(ctx, s, plans)
    if "contracts" in ctx.missing:
        s.blocks.append(Text(_missing_sentence("contracts"), "missing"))
        ctx.said.seen.update(payback.notes)
    elif not _cannot(ctx, s, "contract_payback", payback):
        _payback_blocks(ctx, s, payback)
    if not _cannot(ctx, s, "sales_potential", potential):
        _potential_blocks(ctx, s, potential)
    return s


def _plan_blocks(ctx: _Ctx, s: Section, plans: Any) -> None:
    """The account plans: the link to their pages and the planned accounts."""
    cur = ctx.cur
    s.blocks += ctx.said(plans)
    pt = plans.table
    if len(pt):
        raised = pt[pt["signals_raised"] > 0]
        out = pt[pt["out_of_contract"].fillna(False).astype(bool)]
        if len(out):
            # out of contract, an account can leave at any month's end: the first thing
            # the plans say (issue #19's reading by a branch manager)
            s.blocks.append(
                Text(
                    ntr(
                        "{n} of the {all} planned accounts is out of contract (its contract "
                        "has ended): {money} of revenue in the period that can leave any "
                        "month. Signing it again comes first, at a price that covers its "
                        "cost to serve if it loses money.",
                        "{n} of the {all} planned accounts are out of contract (their "
                        "contracts have ended): {money} of revenue in the period that can "
                        "leave any month. Signing them again comes first, at a price that "
                        "covers their cost to serve where they lose money.",
                        len(out),
                        n=count(len(out)),
                        all=count(len(pt)),
                        money=money(out["revenue"].sum(), cur),
                    )
                )
            )
        s.blocks.append(
            Text(
                ntr(
                    "Open the account plan (one page for the account).",
                    "Open the {n} account plans (one page per account).",
                    len(pt),
                    n=count(len(pt)),
                ),
                href="plans/index.html",
            )
        )
        title = ntr(
            "{n} planned account raises a churn-risk signal: {money} of revenue in the period",
            "{n} planned accounts raise a churn-risk signal: {money} of revenue in the period",
            len(raised),
            n=count(len(raised)),
            money=money(raised["revenue"].sum(), cur),
        )
        s.blocks.append(
            Table(
                tr("Account plans"),
                title,
                pt.set_index("account_id").head(20),
            )
        )
        if len(pt) > 20:
            s.blocks.append(
                Text(
                    tr(
                        "The table shows the first 20 plans by rank; the index of plans "
                        "and the workbook list every one."
                    ),
                    "note",
                )
            )
            ctx.appendix.append(
                Table(
                    tr("Every account plan"),
                    tr("Every planned account, by rank"),
                    pt.set_index("account_id"),
                    on_page=False,
                )
            )


def _potential_blocks(ctx: _Ctx, s: Section, potential: Any) -> None:
    """The sales potential (销售潜力) of the business and key accounts per value tier: the
    revenue each lever could add a year beside today's revenue."""
    from .opportunity import LEVERS

    cur = ctx.cur
    s.blocks += ctx.said(potential)
    w = potential.wide
    if not len(w):
        return
    # the headline names a lever the data size, not one set by an assumption (price/mix)
    t = potential.table
    from_data = set(t.loc[t["source"] == "data", "lever"])
    revenue_levers = [
        lv
        for lv in LEVERS
        if lv in w and lv in from_data and lv != "drop unprofitable" and w[lv].notna().any()
    ]
    if revenue_levers:
        totals = w[revenue_levers].sum()
        best = totals.idxmax()
        title = tr(
            "The largest sales potential: {lever}, {money} a year across the tiers",
            lever=_code(best).lower(),
            money=money(totals[best], cur),
        )
    else:
        title = tr("Sales potential per value tier")
    # the report sizes the potential per value tier: named so, the codes in words
    s.blocks.append(Table(tr("Sales potential"), title, w.rename_axis("tier")))
    s.blocks.append(
        Text(
            tr(
                "Each lever is a year's revenue, except dropping unprofitable accounts, which "
                "is the profit gained (the revenue given up is in the workbook)."
            ),
            "note",
        )
    )
    ctx.appendix.append(
        Table(
            tr("Sales potential by lever"),
            tr(
                "Each tier and lever: the potential, how it was sized and whether it rests on an assumption"
            ),
            potential.table,
        )
    )


def _list_blocks(ctx: _Ctx, s: Section, kal: Any) -> None:
    """The key-account list: how many are on it, who entered and who left, and why."""
    s.blocks += ctx.said(kal)
    t = kal.table
    if not len(t):
        return
    fig = kal.summary()["value"]
    moved = t[t["change"].isin(["entered", "left"])].sort_values(
        ["change", "monthly_spend_now"], ascending=[True, False]
    )
    if pd.notna(fig["key_accounts_entered"]):
        title = tr(
            "{now} accounts are on this year's key-account list: {entered} entered, {left} left",
            now=count(int(fig["key_accounts_now"])),
            entered=count(int(fig["key_accounts_entered"])),
            left=count(int(fig["key_accounts_left"])),
        )
    else:
        title = tr(
            "{now} accounts are on this year's key-account list",
            now=count(int(fig["key_accounts_now"])),
        )
    why = moved.groupby(["change", "why"]).size().rename("accounts").reset_index()
    if len(why):
        s.blocks.append(
            Table(
                tr("Key-account list changes"),
                title,
                why.set_index("change"),
            )
        )
    cols = [
        "name",
        "industry",
        "monthly_spend_before",
        "monthly_spend_now",
        "list_before",
        "list_now",
        "change",
        "why",
    ]
    ctx.appendix.append(
        Table(
            tr("Key-account list"),
            tr("Every account on last year's or this year's list, and what changed"),
            t.set_index("account_id")[[c for c in cols if c in t]],
        )
    )


def _service_blocks(ctx: _Ctx, s: Section, service: Any) -> None:
    """Service received against the tier's entitlement: the accounts served below it
    first (the ones at risk of feeling neglected), then those served far above."""
    s.blocks += ctx.said(service)
    t = service.table
    if not len(t):
        return
    fig = service.summary()["value"]
    title = tr(
        "{below} of {checked} key accounts get less service than their tier is entitled to; "
        "{above} get more than twice it",
        below=count(int(fig["accounts_below"])),
        checked=count(int(fig["accounts_checked"])),
        above=count(int(fig["accounts_far_above"])),
    )
    bt = service.by_tier
    cols_t = [
        "accounts",
        "am_hours_month",
        "am_hours_entitled",
        "field_visits_month",
        "field_visits_entitled",
        "response_hours",
        "response_hours_entitled",
        "under_served",
        "far_above",
    ]
    if bt["response_hours"].isna().all():  # no tickets: the entitlement alone says nothing
        cols_t = [c for c in cols_t if not c.startswith("response_hours")]
    bt = bt.rename(columns={"am_hours": "am_hours_month", "field_visits": "field_visits_month"})
    s.blocks.append(
        Table(
            tr("Service by value tier"),
            title,
            bt[bt["accounts"] > 0][[c for c in cols_t if c in bt]],
        )
    )
    named = t[t["status"] != "as_entitled"].sort_values(
        ["status", "monthly_revenue"], ascending=[False, False]
    )
    if len(named):
        cols = [
            "name",
            "tier",
            "status",
            "off_in",
            "am_hours_month",
            "am_hours_entitled",
            "field_visits_month",
            "field_visits_entitled",
            "response_hours",
            "response_hours_entitled",
            "monthly_revenue",
        ]
        if named["response_hours"].isna().all():
            cols = [c for c in cols if not c.startswith("response_hours")]
        # the hours and visits received are a month's, said in the heading beside the
        # entitlement (the cost driver's own label has no unit)
        named = named.rename(
            columns={"am_hours": "am_hours_month", "field_visits": "field_visits_month"}
        )
        s.blocks.append(
            Table(
                tr("Accounts served off their tier"),
                ntr(
                    "{n} key account is served below or far above its tier",
                    "{n} key accounts are served below or far above their tier",
                    len(named),
                    n=count(len(named)),
                ),
                named.set_index("account_id")[[c for c in cols if c in named]].head(15),
            )
        )
        if len(named) > 15:
            s.blocks.append(
                Text(
                    tr(
                        "The table shows the first 15 (those served below their tier first, "
                        "then by monthly revenue); the workbook lists every account checked."
                    ),
                    "note",
                )
            )
        ctx.appendix.append(
            Table(
                tr("Service of every key account"),
                tr("Service received against the tier's entitlement, per account"),
                t.set_index("account_id"),
                on_page=False,
            )
        )


def _payback_blocks(ctx: _Ctx, s: Section, payback: Any) -> None:
    """Contract payback: the contracts whose money over the term will not recover the
    investment, largest shortfall first (every contract in the appendix)."""
    cur = ctx.cur
    s.blocks += ctx.said(payback)
    t = payback.table
    if not len(t):
        return
    # a contract neither judged to pay back nor not (no revenue and no margin) is unknown;
    # the running contracts are the ones the branch can still act on: the headline's
    as_of = ctx.b.as_of if ctx.b.as_of is not None else t["end"].max()
    running = t["end"] > as_of
    short_all = t["pays_back"].eq(False)
    short = t[short_all & running].sort_values("shortfall", ascending=False)
    # the noun agrees with the total ("1 of 2 contracts"): the plural is chosen by it
    title = ntr(
        "{n} of {total} running key-account contract will not pay back on current margins: "
        "{money} short",
        "{n} of {total} running key-account contracts will not pay back on current margins: "
        "{money} short",
        int(running.sum()),
        n=count(len(short)),
        total=count(int(running.sum())),
        money=money(short["shortfall"].sum(), cur),
    )
    ended = int((~running).sum())
    ended_text = None
    if ended:
        ended_text = Text(
            ntr(
                "{n} of the {total} contract that has ended did not pay back ({money} short).",
                "{n} of the {total} contracts that have ended did not pay back ({money} short).",
                ended,
                n=count(int((short_all & ~running).sum())),
                total=count(ended),
                money=money(t.loc[short_all & ~running, "shortfall"].sum(), cur),
            )
        )
    cols = [
        "name",
        "start",
        "end",
        "investment",
        "revenue_expected",
        "basis",
        "margin",
        "contribution_expected",
        "shortfall",
    ]
    shown = short.set_index("account_id")[[c for c in cols if c in short]]
    s.blocks.append(Table(tr("Contract payback"), title, shown.head(10)))
    if ended_text is not None:
        s.blocks.append(ended_text)
    if len(shown) > 10:
        s.blocks.append(
            Text(
                tr(
                    "The table shows the 10 largest shortfalls; the appendix and the workbook "
                    "list every contract."
                ),
                "note",
            )
        )
    cols_all = [*cols[:8], "pays_back", "shortfall", "payback_month"]
    ctx.appendix.append(
        Table(
            tr("Every key-account contract"),
            tr("Investment, the money expected back over the term and when it pays back"),
            # the largest shortfalls first, then the largest investments (the page and the
            # sheet of a large branch hold the first rows)
            t.sort_values(["shortfall", "investment"], ascending=False, kind="stable").set_index(
                "account_id"
            )[[c for c in cols_all if c in t]],
        )
    )


def _managers(ctx: _Ctx, managers: Any, departures: Any, discounts: Any) -> Section:
    """The account managers (销售人员策略): what each looks after and sells, the accounts
    without one, churn after a manager left, and discounts against the policy's limits."""
    s = Section(
        "managers",
        tr("Account managers"),
        tr(
            "What each account manager looks after and sells, the accounts that left after "
            "their manager did, and the discounts given against the policy's limits."
        ),
    )
    if not _cannot(ctx, s, "account_managers", managers):
        _manager_blocks(ctx, s, managers)
    if "assignments" in ctx.missing:
        s.blocks.append(Text(_missing_sentence("assignments"), "missing"))
        ctx.said.seen.update(departures.notes)
    elif not _cannot(ctx, s, "manager_departures", departures):
        _departure_blocks(ctx, s, departures)
    if not _cannot(ctx, s, "discount_control", discounts):
        _discount_blocks(ctx, s, discounts)
    return s


def _manager_blocks(ctx: _Ctx, s: Section, managers: Any) -> None:
    cur = ctx.cur
    s.blocks += ctx.said(managers)
    t = managers.table
    if len(t):
        title = ntr(
            "{n} account manager looks after {accounts} active accounts bringing {money}",
            "{n} account managers look after {accounts} active accounts bringing {money}",
            len(t),
            n=count(len(t)),
            accounts=count(int(t["active_accounts"].sum())),
            money=money(t["revenue"].sum(), cur),
        )
        cols = [
            "active_accounts",
            "revenue",
            "profit",
            "profit_share",
            "margin",
            "new_business_revenue",
            "churned",
            "churn_rate",
            "satisfaction",
            "profit_per_am_hour",
        ]
        s.blocks.append(
            Table(
                tr("Account managers"),
                title,
                t.set_index("account_manager")[[c for c in cols if c in t]],
            )
        )
        losing = t.loc[t["profit"] < 0].sort_values("profit", kind="stable")
        if len(losing):
            worst = losing.iloc[0]
            s.blocks.append(
                Text(
                    ntr(
                        "The accounts of {manager} lose {money} (margin {margin}): their "
                        "prices and cost to serve are the first to review. Shares of profit "
                        "add up to 100%, so with a loss in one portfolio the others' shares "
                        "add up to more.",
                        "The accounts of {n} managers lose money, {manager}'s the most: "
                        "{money} (margin {margin}); their prices and cost to serve are the "
                        "first to review. Shares of profit add up to 100%, so with losses in "
                        "some portfolios the others' shares add up to more.",
                        len(losing),
                        n=count(len(losing)),
                        manager=str(worst["account_manager"]),
                        money=money(-float(worst["profit"]), cur),
                        margin=share(float(worst["margin"])),
                    )
                )
            )
    wm = managers.without_manager
    if len(wm):
        title = ntr(
            "{n} active account has no account manager: {money} a month",
            "{n} active accounts have no account manager: {money} a month",
            len(wm),
            n=count(len(wm)),
            money=money(wm["monthly_revenue"].sum(), cur),
        )
        s.blocks.append(Table(tr("Accounts without a manager"), title, wm.set_index("account_id")))
    cm = managers.changed_manager
    if len(cm):
        title = ntr(
            "{n} important account changed account manager in the period",
            "{n} important accounts changed account manager in the period",
            len(cm),
            n=count(len(cm)),
        )
        s.blocks.append(
            Table(
                tr("Important accounts, new manager"),
                title,
                cm.rename(columns={"reason": "change_reason"}).set_index("account_id"),
            )
        )


def _departure_blocks(ctx: _Ctx, s: Section, departures: Any) -> None:
    """Churn after a manager left: the departures with the accounts that followed, the
    rate ratio only where the data have enough churners (the result's notes say so)."""
    cur = ctx.cur
    s.blocks += ctx.said(departures)
    t = departures.table
    if not len(t):
        return
    from ._settings import settings

    fig = departures.summary()["value"]
    months = settings("key_accounts")["managers"]["after_departure_months"]
    title = ntr(
        "{n} account left within {months} months of its manager leaving: {money} a year lost",
        "{n} accounts left within {months} months of their manager leaving: {money} a year lost",
        int(t["churned_after"].sum()),
        n=count(int(t["churned_after"].sum())),
        months=count(months),
        money=money(t["revenue_lost"].sum(), cur),
    )
    s.blocks.append(
        Table(
            tr("Churn after a manager left"),
            title,
            t.rename(columns={"left": "left_on"}).set_index("account_manager"),
        )
    )
    still = int(t["still_active"].sum())
    if still:
        s.blocks.append(
            Text(
                ntr(
                    "{n} account handed over when its manager left is still with us: {money} "
                    "a year at risk while the new manager wins its trust.",
                    "{n} accounts handed over when their manager left are still with us: "
                    "{money} a year at risk while the new managers win their trust.",
                    still,
                    n=count(still),
                    money=money(float(t["revenue_at_risk"].sum()), cur),
                )
            )
        )
    if pd.notna(fig.get("turnover")):
        s.blocks.append(
            Text(
                ntr(
                    "Key-person turnover: {n} account manager left in the period, {share} of "
                    "the managers at its start.",
                    "Key-person turnover: {n} account managers left in the period, {share} of "
                    "the managers at its start.",
                    len(t),
                    n=count(len(t)),
                    share=share(fig["turnover"]),
                )
            )
        )
    ctx.appendix.append(
        Table(
            tr("Churn after departure, compared"),
            tr("Churn per account-month after a manager left against other managed accounts"),
            departures.comparison.set_index("group"),
        )
    )


def _discount_blocks(ctx: _Ctx, s: Section, discounts: Any) -> None:
    cur = ctx.cur
    s.blocks += ctx.said(discounts)
    bm = discounts.by_manager
    if len(bm):
        over = int(bm["accounts_over_limit"].sum())
        title = ntr(
            "{n} account is discounted beyond its tier's limit: {money} given above the policy",
            "{n} accounts are discounted beyond their tier's limit: {money} given above the policy",
            over,
            n=count(over),
            money=money(bm["excess"].sum(), cur),
        )
        cols = [
            "accounts",
            "revenue_before_discounts",
            "discounts",
            "discount_rate",
            "accounts_over_limit",
            "excess",
        ]
        s.blocks.append(
            Table(
                tr("Discounts by account manager"),
                title,
                bm.assign(
                    account_manager=bm["account_manager"].fillna(tr("No account manager"))
                ).set_index("account_manager")[[c for c in cols if c in bm]],
            )
        )
        # the accounts still with us: those that left cannot be acted on
        active = set(ctx.b.accounts.loc[ctx.b.accounts["status"] == "active", "account_id"])
        dt = discounts.table
        over_rows = dt.loc[(dt["excess"] > 0) & dt["account_id"].isin(active)].sort_values(
            "excess", ascending=False, kind="stable"
        )
        if len(over_rows):
            cols_a = ["name", "account_manager", "tier", "discount_rate", "limit", "excess"]
            shown = over_rows.assign(
                account_manager=over_rows["account_manager"].fillna(tr("No account manager")),
                tier=over_rows["tier"].astype(object).fillna(tr("No tier")),
            ).set_index("account_id")[[c for c in cols_a if c in over_rows]]
            top = shown.head(10)
            s.blocks.append(
                Table(
                    tr("Accounts most over the limit"),
                    ntr(
                        "One account is discounted above its limit: {money} of {all}",
                        "The {n} accounts given most above their limits: {money} of the {all}",
                        len(top),
                        n=count(len(top)),
                        money=money(float(top["excess"].sum()), cur),
                        all=money(float(shown["excess"].sum()), cur),
                    ),
                    top,
                )
            )
            if len(shown) > 10:
                ctx.appendix.append(
                    Table(
                        tr("Every account over its discount limit"),
                        tr("Discount rate against the tier's limit, largest excess first"),
                        shown,
                    )
                )
        bt = discounts.by_tier
        cols_t = ["accounts", "discount_rate", "limit", "accounts_over_limit", "excess"]
        s.blocks.append(
            Table(
                tr("Discounts by value tier"),
                tr("The discount given in each value tier against its limit"),
                bt.assign(tier=bt["tier"].astype(object).fillna(tr("No tier"))).set_index("tier")[
                    [c for c in cols_t if c in bt]
                ],
            )
        )


# ----------------------------------------------------------------------------- service
def _service(ctx: _Ctx, promises: Any, complaints: Any, satisfaction: Any, after: Any) -> Section:
    """Service and satisfaction (服务与满意度): the promises kept, complaints per 100
    accounts, satisfaction by tier over time, and the churn that follows poor service."""
    s = Section(
        "service",
        tr("Service and satisfaction"),
        tr(
            "Whether the service promises are kept (complaints answered within a day, major "
            "ones resolved within 3 working days, faults repaired within 48 hours, new lines "
            "delivered on the day promised), complaints per 100 accounts, satisfaction over "
            "time, and the churn that follows poor service."
        ),
    )
    if "tickets" in ctx.missing:
        s.blocks.append(Text(_missing_sentence("tickets"), "missing"))
        ctx.said.seen.update((*promises.notes, *complaints.notes))
    else:
        if not _cannot(ctx, s, "service_promises", promises):
            _promise_blocks(ctx, s, promises)
        if not _cannot(ctx, s, "complaint_rate", complaints):
            _complaint_blocks(ctx, s, complaints)
    if "surveys" in ctx.missing:
        s.blocks.append(Text(_missing_sentence("surveys"), "missing"))
        ctx.said.seen.update(satisfaction.notes)
    elif not _cannot(ctx, s, "satisfaction_trend", satisfaction):
        _satisfaction_blocks(ctx, s, satisfaction)
    if {"tickets", "surveys"} <= ctx.missing:
        ctx.said.seen.update(after.notes)  # both missing tables are said above
    elif not _cannot(ctx, s, "service_churn", after):
        _service_churn_blocks(ctx, s, after)
    return s


def _promise_blocks(ctx: _Ctx, s: Section, promises: Any) -> None:
    s.blocks += ctx.said(promises)
    fig = promises.summary()["value"]
    bp = promises.by_promise
    if not len(bp) or not fig.get("tickets_judged"):
        return
    judged = int(fig["tickets_judged"])
    kept = int(fig["promises_kept"])
    title = ntr(
        "{kept} of {n} service promise judged was kept",
        "{kept} of {n} service promises judged were kept ({share})",
        judged,
        kept=count(kept),
        n=count(judged),
        share=share(kept / judged) if judged else MISSING,
    )
    cols = ["kind", "severity", "clock", "tickets", "kept", "broken", "pending", "kept_share"]
    s.blocks.append(
        Table(
            tr("Service promises"),
            title,
            bp.loc[bp["tickets"] > 0, [c for c in cols if c in bp]].set_index(["kind", "severity"]),
        )
    )
    worst = promises.worst(10)
    if len(worst):
        s.blocks.append(
            Table(
                tr("Promises broken by the most"),
                ntr(
                    "The promise broken by the most: {hours} hours late",
                    "The {n} promises broken by the most: up to {hours} hours late",
                    len(worst),
                    n=count(len(worst)),
                    hours=number(float(worst["late_hours"].max()), 0),
                ),
                worst.set_index("ticket_id"),
            )
        )


def _complaint_blocks(ctx: _Ctx, s: Section, complaints: Any) -> None:
    s.blocks += ctx.said(complaints)
    t = complaints.table
    if not len(t):
        return
    fig = complaints.summary()["value"]
    last = fig.get("complaints_per_100_last")
    full = t[~t["partial_period"].astype(bool)]
    period_last = full["period"].iloc[-1] if len(full) else t["period"].iloc[-1]
    title = (
        tr(
            "{rate} complaints per 100 accounts in {period}",
            rate=number(float(last), 1),
            period=str(period_last),
        )
        if last is not None and pd.notna(last)
        else tr("Complaints per 100 accounts")
    )
    cols = [
        "accounts",
        "complaints",
        "complaints_per_100",
        "complaints_per_100_low",
        "complaints_per_100_high",
    ]
    shown = t.set_index("period")[[c for c in cols if c in t]]
    s.blocks.append(Table(tr("Complaints per 100 accounts"), title, shown))


def _satisfaction_blocks(ctx: _Ctx, s: Section, satisfaction: Any) -> None:
    s.blocks += ctx.said(satisfaction)
    t = satisfaction.table
    if not len(t):
        return
    # one row per tier, one column per quarter: the mean where enough answered, else
    # nothing (the answers are in the workbook's table below)
    # a tier with too few answers keeps its row (its cells "—"): its counts are below
    wide = t.pivot_table(
        index="group",
        columns="period",
        values="mean_score",
        aggfunc="first",
        sort=False,
        dropna=False,
    )
    wide.columns = [str(c) for c in wide.columns]
    wide.index.name = "tier"
    s.blocks.append(
        Table(
            tr("Satisfaction by quarter"),
            tr("Mean satisfaction (1 low to 5 high) by value tier and quarter"),
            wide,
            kinds=dict.fromkeys(wide.columns, "number"),
        )
    )
    ctx.appendix.append(
        Table(
            tr("Satisfaction answers"),
            tr("Answers and the mean score with its 95% interval per tier and quarter"),
            t.set_index(["period", "group"]),
            on_page=False,
        )
    )


def _service_churn_blocks(ctx: _Ctx, s: Section, after: Any) -> None:
    cur = ctx.cur
    s.blocks += ctx.said(after)
    t = after.table
    gone = t[t["churned_after"].astype(bool)] if len(t) else t
    if len(gone):
        gone = gone.sort_values("revenue_lost", ascending=False, kind="stable")
        cols = ["name", "customer_type", "tier", "first_failure", "churn_date", "revenue_lost"]
        s.blocks.append(
            Table(
                tr("Accounts that left after poor service"),
                ntr(
                    "{n} account left after a broken promise or a low score: {money} a year",
                    "{n} accounts left after a broken promise or a low score: {money} a year",
                    len(gone),
                    n=count(len(gone)),
                    money=money(float(gone["revenue_lost"].sum()), cur),
                ),
                gone.set_index("account_id")[[c for c in cols if c in gone]].head(10),
            )
        )
    if len(after.comparison):
        ctx.appendix.append(
            Table(
                tr("Churn after poor service, compared"),
                tr("Churn per account-month after a service failure against other months"),
                after.comparison.set_index("group"),
            )
        )


def _warned_value(active: pd.DataFrame, cur: str) -> list[Block]:
    """What the warned groups still with us would take with them if they left: the value
    ahead of those that make money; those that lose money are said apart (keeping them
    as they are served now costs more than it brings)."""
    v = active["value_ahead"].astype(float)
    gain, loss = v[v > 0], v[v < 0]
    out: list[Block] = []
    if len(gain):
        out.append(
            Text(
                ntr(
                    "If it left, the {n} warned group that makes money would take {money} of "
                    "value ahead with it: what the lifetime model expects it to bring from now "
                    "on, discounted (see Customer value ahead).",
                    "If they left, the {n} warned groups that make money would take {money} "
                    "of value ahead with them: what the lifetime model expects them to bring "
                    "from now on, discounted (see Customer value ahead).",
                    len(gain),
                    n=count(len(gain)),
                    money=money(float(gain.sum()), cur),
                )
            )
        )
    if len(loss):
        out.append(
            Text(
                ntr(
                    "{n} warned group loses money as it is served now (value ahead {money}): "
                    "review its cost to serve and price before spending to keep it.",
                    "{n} warned groups lose money as they are served now (value ahead {money}): "
                    "review their cost to serve and price before spending to keep them.",
                    len(loss),
                    n=count(len(loss)),
                    money=money(float(loss.sum()), cur),
                )
            )
        )
    return out


# ----------------------------------------------------------------------------- value ahead
def _value_ahead(value: Any) -> pd.Series | None:
    """Each valued account's discounted value ahead (index: account id), or None."""
    t = getattr(value, "table", None)
    if not isinstance(t, pd.DataFrame) or not len(t) or t["residual_value"].isna().all():
        return None
    return t.set_index("account_id")["residual_value"].dropna()


def _value(ctx: _Ctx, value: Any) -> Section:
    """Customer value ahead (客户未来价值): what the branch's contract customers are
    expected to bring from now on (kamlib.clv, fitted on the whole operator), per
    segment, and what the accounts that left took with them."""
    s = Section(
        "value",
        tr("Customer value ahead"),
        tr(
            "What the branch's contract customers are expected to bring from now on: each "
            "account's margin a month times how long accounts like it stay (the lifetime "
            "model, fitted on the whole operator), discounted, and what the accounts that "
            "left took with them."
        ),
    )
    if _cannot(ctx, s, "customer_value", value):
        return s
    fig = value.summary()["value"]
    t = value.table
    seg = value.segments
    valued = t[t["residual_value"].notna()]
    if not len(valued):
        s.blocks += ctx.said(value)
        return s
    total = float(valued["residual_value"].sum())
    rate = share(float(fig["annual_discount_rate"]))
    margin = value.value_basis == "margin"
    s.blocks.append(
        Text(
            tr(
                "The branch's {n} valued contract customers are expected to bring {money} "
                "of margin from now on (discounted at {rate} a year).",
                n=count(len(valued)),
                money=money(total, ctx.cur),
                rate=rate,
            )
            if margin
            else tr(
                "The branch's {n} valued contract customers are expected to bring {money} "
                "of revenue from now on (discounted at {rate} a year).",
                n=count(len(valued)),
                money=money(total, ctx.cur),
                rate=rate,
            )
        )
    )
    # the segment that holds most of it, in words
    per = seg[seg["residual_value"].notna() & (seg["accounts_valued"] > 0)]
    if len(per) and total > 0:
        top = per["residual_value"].idxmax()
        row = per.loc[top]
        s.blocks.append(
            Text(
                tr(
                    "The segment {segment} holds {share} of it: {money} an account on average, "
                    "each expected to stay about {years} more years at today's churn (a {p} "
                    "chance of leaving in any month).",
                    segment=label(str(top)),
                    share=share(float(row["residual_value"]) / total),
                    money=money(float(row["mean_residual_value"]), ctx.cur),
                    years=number(float(row["mean_expected_residual_lifetime"]) / 12, 1)
                    if pd.notna(row["mean_expected_residual_lifetime"])
                    else "—",
                    p=share(float(row["period_churn_probability"])),
                )
            )
        )
    negative = per[per["residual_value"] < 0]
    for code, row in negative.iterrows():
        s.blocks.append(
            Text(
                tr(
                    "The segment {segment} loses money as it is served now: its value ahead "
                    "is {money} ({each} an account), a cost to carry, not a value to keep.",
                    segment=label(str(code)),
                    money=money(float(row["residual_value"]), ctx.cur),
                    each=money(float(row["mean_residual_value"]), ctx.cur),
                )
            )
        )
    lost = value.lost
    gone = lost[lost["residual_value"].notna()] if len(lost) else lost
    if len(gone):
        took = float(gone["residual_value"].sum())
        s.blocks.append(
            Text(
                ntr(
                    "The {n} contract customer that left during the period took {money} of "
                    "value ahead with it: what the lifetime model expected it to bring had it "
                    "stayed, discounted.",
                    "The {n} contract customers that left during the period took {money} of "
                    "value ahead with them: what the lifetime model expected them to bring had "
                    "they stayed, discounted.",
                    len(gone),
                    n=count(len(gone)),
                    money=money(took, ctx.cur),
                )
            )
        )
    cols = [
        "accounts_valued",
        "period_churn_probability",
        "period_churn_probability_low",
        "period_churn_probability_high",
        "mean_years_ahead",
        "mean_residual_value",
        "residual_value",
        "model",
    ]
    shown = seg[seg["accounts_valued"] > 0]
    # the months ahead in whole years, as a manager counts a relationship
    shown = shown.assign(
        mean_years_ahead=(shown["mean_expected_residual_lifetime"] * value.period_months / 12)
    )
    if len(shown):
        s.blocks.append(
            Table(
                tr("Customer value ahead"),
                tr(
                    "Value ahead by segment: the chance of leaving each month, the years an "
                    "account is expected to stay and the value it is expected to bring"
                ),
                shown[[c for c in cols if c in shown]],
                kinds={"mean_years_ahead": "count"},
            )
        )
    # how it was fitted and what it assumes is method: the appendix holds it
    ctx.appendix.extend(ctx.said(value))
    if len(t) > len(shown):
        ctx.appendix.append(
            Table(
                tr("Every contract customer's value ahead"),
                tr("Value per month, expected months ahead and value ahead of each account"),
                # largest value first: on a large branch the sheet holds only the first
                # rows (SHEET_ROWS), and those should be the ones to read
                t.sort_values("residual_value", ascending=False, kind="stable").set_index(
                    "account_id"
                ),
                on_page=False,
            )
        )
    return s


# ----------------------------------------------------------------------------- watch list
def _watchlist(ctx: _Ctx, model: Any, watch: Any, value: Any = None) -> Section:
    """The watch list: the active accounts most likely to leave, by revenue at stake, with
    their reasons; shown only when the model, tested on months it had not seen, ranks
    accounts well enough."""
    horizon = int(model.rules_["horizon_months"]) if hasattr(model, "rules_") else 3
    s = Section(
        "watchlist",
        tr("Whom to call this week"),
        ntr(
            "The active accounts most likely to leave within the next month, ranked by the "
            "revenue at stake, each with its reasons and what to do.",
            "The active accounts most likely to leave within the next {n} months, ranked by "
            "the revenue at stake, each with its reasons and what to do.",
            horizon,
            n=count(horizon),
        ),
    )
    if _cannot(ctx, s, "watch_list", model, watch):
        return s
    # how the model was built and tested is method: the appendix holds it
    ctx.appendix.extend(ctx.said(watch))
    auc = getattr(model, "auc_", float("nan"))
    if pd.isna(auc):
        return s
    lo, hi = model.auc_ci_
    tested = (
        tr("tested on months it had not seen")
        if model.validation_ == "out_of_time"
        else tr("tested on accounts it had not seen")
    )
    quality = tr(
        "The model was {tested}: it ranks a leaver above a stayer {auc} of the time "
        "(AUC, 95% interval {low} to {high}; 50% is chance).",
        tested=tested,
        auc=share(auc),
        low=share(lo),
        high=share(hi),
    )
    lift = getattr(model, "lift_top_decile_", float("nan"))
    if pd.notna(lift):
        quality += " " + tr(
            "The riskiest tenth of accounts left {lift} times as often as all accounts.",
            lift=number(float(lift), 1),
        )
    if not model.usable_:
        s.blocks.append(
            Text(
                quality
                + " "
                + tr(
                    "That is not good enough to name accounts: no watch list is shown. The "
                    "group warnings above still apply."
                ),
                "missing",
            )
        )
        return s
    s.blocks.append(Text(quality))
    t = watch.table
    if not len(t):
        return s
    cols = [
        "name",
        "account_manager",
        "monthly_revenue",
        "churn_probability",
        "value_at_stake",
        "value_ahead",
        "reason_1",
        "action_1",
        "reason_2",
    ]
    ahead = _value_ahead(value)
    if ahead is not None:  # what the account would take with it if it left
        t = t.assign(value_ahead=t["account_id"].map(ahead))
    acc = ctx.b.accounts
    if "account_manager" in acc:  # who makes the call
        who = acc.set_index("account_id")["account_manager"]
        t = t.assign(account_manager=t["account_id"].map(who).fillna(tr("No account manager")))
    shown = t.set_index("account_id")[[c for c in cols if c in t]]
    # the call list: the accounts with a reason to call, most revenue at stake first
    listed = (
        t["on_call_list"].to_numpy(dtype=bool) if "on_call_list" in t else np.ones(len(t), bool)
    )
    top = shown[listed].head(20)
    if len(top):
        s.blocks.append(
            Table(
                tr("Watch list"),
                ntr(
                    "The account with a warning sign and the most revenue at stake (revenue x "
                    "probability of leaving): {money} a month expected to be lost",
                    "The {n} accounts with a warning sign and the most revenue at stake "
                    "(revenue x probability of leaving): {money} a month expected to be lost",
                    len(top),
                    n=count(len(top)),
                    money=money(float(top["value_at_stake"].sum()), ctx.cur),
                ),
                top,
                kinds={"reason_1": "text", "action_1": "text", "reason_2": "text"},
            )
        )
    else:
        s.blocks.append(
            Text(
                tr(
                    "No active account of the branch shows a warning sign (a signal that "
                    "raises its risk of leaving): no call is needed for churn risk this week."
                )
            )
        )
    if "value_ahead" in top:
        losing = top["value_ahead"].astype(float) < 0
        if losing.any():  # a retention offer to an account that loses money deepens the loss
            s.blocks.append(
                Text(
                    ntr(
                        "{n} account on the list loses money as it is served now (its value "
                        "ahead is below zero): review its price and cost to serve before "
                        "offering anything to keep it.",
                        "{n} accounts on the list lose money as they are served now (their "
                        "value ahead is below zero): review their price and cost to serve "
                        "before offering anything to keep them.",
                        int(losing.sum()),
                        n=count(int(losing.sum())),
                    )
                )
            )
    # large accounts with no warning sign: said, not listed (nothing to tell the caller)
    floor = float(top["value_at_stake"].min()) if len(top) else 0.0
    quiet = ~listed & (t["value_at_stake"].to_numpy(dtype=float) > floor)
    if quiet.any():
        s.blocks.append(
            Text(
                ntr(
                    "{n} account has more revenue at stake than the last one listed only "
                    "because it is large: no single signal raises its risk enough to be a "
                    "reason for a call.",
                    "{n} accounts have more revenue at stake than the last one listed only "
                    "because they are large: no single signal raises their risk enough to be "
                    "a reason for a call.",
                    int(quiet.sum()),
                    n=count(int(quiet.sum())),
                ),
                "note",
            )
        )
    if len(shown) > len(top):
        s.blocks.append(
            Text(
                tr(
                    "The workbook lists every active account ({n}) with its risk and reasons.",
                    n=count(len(shown)),
                ),
                "note",
            )
        )
        ctx.appendix.append(
            Table(
                tr("Every active account's churn risk"),
                tr("Probability of leaving, revenue at stake and reasons, most at stake first"),
                t.set_index("account_id"),
                on_page=False,
                kinds={c: "text" for c in t.columns if c.startswith(("reason_", "action_"))},
            )
        )
    return s


# ----------------------------------------------------------------------------- what if
def _whatif(ctx: _Ctx, whatif: Any) -> Section:
    """What if (情景分析): the built-in scenarios in plain words, largest profit first,
    each with the range its assumptions allow."""
    s = Section(
        "whatif",
        tr("What if"),
        tr(
            "What keeping more customers, a price change, letting the loss-making tail go "
            "and serving key accounts at another tier would do to this branch's profit, "
            "each with the range its assumptions allow."
        ),
    )
    if _cannot(ctx, s, "scenarios", whatif):
        return s
    t = whatif.table
    if not len(t):
        s.blocks += ctx.said(whatif)
        return s
    known = t[t["profit_change"].notna()]
    for sentence in known["sentence"]:  # largest profit change first, in words
        s.blocks.append(Text(str(sentence)))
    s.blocks += ctx.said(whatif)
    cols = [
        "accounts_affected",
        "revenue_kept",
        "cost_saved",
        "revenue_lost",
        "profit_change",
        "profit_change_low",
        "profit_change_high",
    ]
    s.blocks.append(
        Table(
            tr("What if"),
            tr("Profit change a year of each scenario, with its range"),
            t[[c for c in cols if c in t]],
        )
    )
    return s


def _actions_section(ctx: _Ctx, opps: Any, loss: Any, pnl: Any) -> Section:
    cur = ctx.cur
    s = Section(
        "actions",
        tr("Recommended actions"),
        tr(
            "For each segment and lever, the size of the result per year against the "
            "probability of success."
        ),
    )
    s.blocks += ctx.said(opps, skip=tuple(ctx.said.seen))
    ranked = opps.ranked()
    if len(ranked):
        top = ranked.iloc[0]
        title = tr(
            "The largest opportunity: {lever} in {segment}, {money} a year expected",
            lever=_code(top["lever"]).lower(),
            segment=_code(top["segment"]),
            money=money(top["expected"], cur),
        )
        s.blocks.append(
            _fig(
                title,
                tr("Priority matrix of size against probability of success: {title}.", title=title),
                lambda ax: opps.plot(ax=ax),
                size=(8, 4.5),
            )
        )
        cols = ["segment", "lever", "size", "probability", "priority", "source", "basis"]
        s.blocks.append(Table(tr("Top opportunities"), title, ranked[cols].head(10)))
        ctx.appendix.append(
            Table(tr("Priority matrix"), tr("Every segment and lever, ranked"), ranked)
        )
    from ._coverage import fills

    # loss-makers need revenue as well as costs: without revenue every account "loses"
    if pnl.has_costs and fills(ctx.b, "profit") is None:
        s.blocks += ctx.said(loss, skip=tuple(ctx.said.seen))
        lt = loss.table
        if len(lt):
            title = ntr(
                "The largest loss-making account loses {money}",
                "The {n} largest loss-making accounts lose {money} together",
                len(lt),
                n=count(len(lt)),
                money=money(lt["at_stake"].sum(), cur),
            )
            s.blocks.append(Table(tr("Loss-making accounts"), title, lt))
        sv = loss.services
        if len(sv):
            prod, v = _largest(sv["profit"])
            s.blocks.append(
                Table(
                    tr("Services by profit"),
                    tr(
                        "{product} earns the most profit: {money}",
                        product=_code(prod),
                        money=money(v, cur),
                    ),
                    sv,
                )
            )
    return s


def _quality(ctx: _Ctx, quality: Any, pnl: Any) -> Section:
    from ._coverage import TABLE_WORDS, in_sentence, missing_parts, unmet

    s = Section("data_quality", tr("Data quality"))
    how = ctx.book.computed.get("accounts.account_id")
    if how is not None:  # row_ids: true — said once, so "line 1110" in the report reads right
        s.blocks.append(
            Text(
                tr(
                    "The export has no account id: each account is identified by its line "
                    "in the export file (the header is line 1)."
                )
                if how != "row"
                else tr(
                    "The export has no account id: each account is identified by its row "
                    "in the export's sheet (the header is row 1)."
                ),
                "note",
            )
        )
    # what is missing, by name, and what it leaves empty: one sentence each
    absent = missing_parts(ctx.b)
    if absent["tables"]:
        # the names first: the catalogue's extractor misreads a call inside the ntr call
        names = names_list([tr(TABLE_WORDS[t]) for t in absent["tables"]])
        s.blocks.append(
            Text(
                ntr(
                    "An optional table is not in the data: the {tables}.",
                    "Optional tables not in the data: the {tables}.",
                    len(absent["tables"]),
                    tables=names,
                ),
                "missing",
            )
        )
    for table, columns in absent.items():
        if table != "tables" and columns:
            s.blocks.append(
                Text(
                    ntr(
                        "An optional column is not in the {table}: {columns}.",
                        "Optional columns not in the {table}: {columns}.",
                        len(columns),
                        table=tr(TABLE_WORDS[table]),
                        columns=names_list([in_sentence(c, table) for c in columns]),
                    ),
                    "missing",
                )
            )
    for part, reason in unmet(ctx.b):
        s.blocks.append(Text(cannot_show(tr(part.label), reason), "missing"))
    q = quality.table
    if len(q):
        s.blocks.append(
            Text(
                ntr(
                    "One thing was missing or doubtful in the data; the appendix lists it.",
                    "{n} things were missing or doubtful in the data; the appendix lists them.",
                    len(q),
                    n=count(len(q)),
                )
            )
        )
        ctx.appendix.append(
            Table(
                tr("Data quality"),
                ntr(
                    "{n} finding about the data and what it means",
                    "{n} findings about the data and what they mean",
                    len(q),
                    n=count(len(q)),
                ),
                q,
            )
        )
    else:
        s.blocks.append(Text(tr("Nothing the report needs was missing from the data.")))
    return s
