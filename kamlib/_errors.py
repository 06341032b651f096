"""Problems found in data, reported all at once and in words a user can act on."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Issue:
    """One problem in the input: where it is, which rule it breaks, and example rows.

    ``rows`` holds a few offending row labels (1-based data line numbers in the source file
    where known, else account ids) so a user can find them.
    """

    severity: Severity
    table: str
    column: str | None
    rule: str
    message: str
    rows: tuple[str, ...] = ()
    count: int = 0
    file: str | None = None
    #: the message for a reader (a report's data-quality table): a function
    #: ``(count, **values)`` that calls ``tr``/``ntr`` with the English message (so the
    #: catalogue's extraction finds it), and its named ``values``; called when shown, so a
    #: book loaded once reads right in every report language
    template: Callable[..., str] | None = field(default=None, compare=False, repr=False)
    values: dict[str, Any] = field(default_factory=dict, compare=False, repr=False, hash=False)

    @property
    def text(self) -> str:
        """The message in the current report language (:attr:`message` when it has no
        template: errors for the consultant stay in English).

        Examples
        --------
        >>> i = Issue("warning", "costs", "network", "negative-cost", "2 negative values",
        ...     count=2, template=lambda c, **v: f"{v['n']} negative values", values={"n": "2"})
        >>> i.message, i.text
        ('2 negative values', '2 negative values')
        """
        if self.template is None:
            return self.message
        return self.template(self.count, **self.values)

    def __str__(self) -> str:
        where = self.table + (f".{self.column}" if self.column else "")
        src = f" in {self.file}" if self.file else ""
        s = f"{self.severity.upper()} [{self.rule}] {where}{src}: {self.message}"
        if self.rows:
            more = (
                f" (and {self.count - len(self.rows)} more)" if self.count > len(self.rows) else ""
            )
            s += f"; e.g. rows {', '.join(self.rows)}{more}"
        return s


@dataclass
class ValidationReport:
    """All issues found while loading and validating a book of tables."""

    issues: list[Issue] = field(default_factory=list)

    def add(self, issue: Issue) -> None:
        self.issues.append(issue)

    def extend(self, issues: Iterable[Issue]) -> None:
        self.issues.extend(issues)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def __str__(self) -> str:
        if not self.issues:
            return "no problems found"
        head = f"{len(self.errors)} error(s), {len(self.warnings)} warning(s)"
        return "\n".join([head, *(f"- {i}" for i in self.issues)])


class KamlibError(Exception):
    """Base class of every error kamlib raises on purpose."""


class DataError(KamlibError):
    """The input data cannot be used as it is. ``issues`` says exactly why."""

    def __init__(self, issues: Sequence[Issue] | str, *, file: str | None = None):
        if isinstance(issues, str):
            issues = [Issue("error", "input", None, "unreadable", issues, file=file)]
        self.issues = list(issues)
        errors = [i for i in self.issues if i.severity == "error"] or self.issues
        lines = [f"{len(errors)} problem(s) in the input data:"] + [f"- {i}" for i in errors]
        super().__init__("\n".join(lines))


class ConfigError(KamlibError):
    """A tier scheme, cost model, mapping or parameter is not usable."""


def example_rows(labels: Iterable[object], limit: int = 5) -> tuple[tuple[str, ...], int]:
    """The first ``limit`` labels as strings, and how many there were in all."""
    labels = list(labels)
    return tuple(str(x) for x in labels[:limit]), len(labels)
