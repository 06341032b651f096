"""``TODO`` in a mapping: a draft of ``kam map`` with a decision not yet made.

``kam map`` (:mod:`kamlib.draft`) writes ``TODO`` wherever only a person can decide (the
branch of an export without one, the category of a code it cannot read). The loader
refuses a mapping while any value is still ``TODO``, naming each one, so a guess nobody
made never reaches a report. Kept apart from the draft so that the loader need not import
the drafting code (which reads files through the loader).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ._errors import ConfigError

__all__ = ["TODO", "still_todo", "refuse_todo"]

#: The placeholder a draft writes where a person must decide.
TODO = "TODO"


def still_todo(spec: Mapping[str, Any]) -> list[str]:
    """The paths of a mapping where a value is still ``TODO`` (as ``kam map`` wrote it).

    Examples
    --------
    >>> still_todo({"tables": {"accounts": {"constants": {"branch": "TODO"},
    ...     "values": {"status": {"Yes": "churned", "Maybe": "TODO"}}}}})
    ['tables.accounts.constants.branch', 'tables.accounts.values.status["Maybe"]']
    """
    out: list[str] = []

    def walk(node: Any, path: str, in_values: bool) -> None:
        if isinstance(node, Mapping):
            for k, v in node.items():
                if in_values:
                    sub = f"{path}[{json.dumps(str(k), ensure_ascii=False)}]"
                else:
                    sub = f"{path}.{k}" if path else str(k)
                walk(v, sub, path.endswith(".values") and not in_values)
        elif isinstance(node, list):
            for i, v in enumerate(node, start=1):
                walk(v, f"{path}[{i}]", False)
        elif isinstance(node, str) and node.strip() == TODO:
            out.append(path)

    walk(spec, "", False)
    return out


def refuse_todo(spec: Mapping[str, Any], source: str) -> None:
    """A ConfigError when a mapping still holds a ``TODO`` (a draft not yet completed)."""
    todo = still_todo(spec)
    if not todo:
        return
    first = todo[0]
    more = f" (and {len(todo) - 1} more: {', '.join(todo[1:6])}{'...' if len(todo) > 6 else ''})"
    raise ConfigError(
        f"mapping {source}: {first} is still TODO{more if len(todo) > 1 else ''}: a draft from "
        "`kam map` marks with TODO what only you can decide; replace each one with the right "
        "value (or delete the line) and run kam validate again"
    )
