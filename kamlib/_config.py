"""Assumptions as data: the YAML files under ``kamlib/config`` and the user's own.

Every rate, threshold and taxonomy kamlib uses is read from here, so a user can see it
(``kamlib.config_path()``) and replace it with a file of their own.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ._errors import ConfigError

_CONFIG = resources.files("kamlib") / "config"


def config_path(name: str = "") -> Path:
    """Where the bundled configuration files are (to read or copy)."""
    return Path(str(_CONFIG / name))


def read_yaml(source: str | Path | dict, *, what: str) -> dict[str, Any]:
    """Read a YAML mapping from a path, or pass a dict through.

    Raises ConfigError naming the file when it is missing, not YAML, or not a mapping.
    """
    if isinstance(source, dict):
        return source
    path = Path(source)
    if not path.is_file():
        raise ConfigError(f"{what}: file {path} not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(
            f"{what}: {path} is not valid YAML{where}: {getattr(e, 'problem', e)}"
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(f"{what}: {path} is not UTF-8 text") from None
    if not isinstance(data, dict):
        raise ConfigError(
            f"{what}: {path} must hold a YAML mapping (key: value), not {type(data).__name__}"
        )
    return data


@functools.cache
def _bundled(name: str) -> dict[str, Any]:
    return read_yaml(config_path(name), what=name)


def bundled(name: str) -> dict[str, Any]:
    """A bundled YAML file as a dict (a fresh copy each call: callers may change it)."""
    import copy

    return copy.deepcopy(_bundled(name))


@functools.cache
def cause_taxonomy() -> pd.DataFrame:
    """The churn-cause taxonomy: one row per cause code with its group and labels.

    Examples
    --------
    >>> import kamlib
    >>> kamlib.cause_taxonomy().loc["competitor_price", "group"]
    'competitor'
    """
    data = _bundled("causes.yaml")
    df = pd.DataFrame.from_dict(data["causes"], orient="index")
    df.index.name = "cause"
    return df


def cause_group_labels() -> pd.DataFrame:
    data = _bundled("causes.yaml")
    return pd.DataFrame.from_dict(data["groups"], orient="index")
