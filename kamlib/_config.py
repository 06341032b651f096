"""Assumptions as data: the YAML files under ``kamlib/config`` and the user's own.

Every rate, threshold and taxonomy kamlib uses is read from there, so a user can see it
(``kamlib.config_path()``) and replace it with a file of their own. Reading and checking
the files is :mod:`kamlib._settings`; this module keeps the public entry points.
"""

from __future__ import annotations

import functools

import pandas as pd

from ._settings import config_path, read_yaml, settings

__all__ = ["config_path", "read_yaml", "cause_taxonomy"]


@functools.cache
def _taxonomy() -> pd.DataFrame:
    df = pd.DataFrame.from_dict(settings("causes")["causes"], orient="index")
    df.index.name = "cause"
    return df


def cause_taxonomy() -> pd.DataFrame:
    """The churn-cause taxonomy: one row per cause code with its group and labels.

    Examples
    --------
    >>> import kamlib
    >>> kamlib.cause_taxonomy().loc["competitor_price", "group"]
    'competitor'
    """
    return _taxonomy().copy()
