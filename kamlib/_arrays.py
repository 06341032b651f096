"""One set of per-account arrays, shared by the customer-level analyses that each read or
sort the same columns (issue #22).

On millions of accounts the profit analyses are memory traffic: revenue concentration,
profit concentration, the decile table and the whale curve each turned a column into
float64, dropped its unknowns and sorted it, so profit was sorted three times.
:class:`AccountArrays` does each of those once per column and hands the same arrays to
every analysis given it; the ``*_of`` building blocks of :mod:`kamlib.profit` take one in
place of the table. Given a plain table they build their own, as before.

The arrays are read-only views of what was computed: an analysis cannot change what the
next one reads. The table itself must not change while its arrays are in use (they are
read once, when first asked for).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["AccountArrays", "arrays_of"]


class AccountArrays:
    """The float64 columns of one table of accounts, their known values and their value
    sorts, each computed once when first asked for.

    Parameters
    ----------
    frame
        One row per account (a customer P&L table, or any frame of numeric columns).

    Examples
    --------
    >>> import pandas as pd
    >>> a = AccountArrays(pd.DataFrame({"profit": [3.0, float("nan"), -1.0]}))
    >>> a.ascending("profit").tolist()
    [-1.0, 3.0]
    >>> a.ascending("profit") is a.ascending("profit")  # sorted once
    True
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self._values: dict[str, np.ndarray] = {}
        self._known: dict[str, np.ndarray] = {}
        self._complete: dict[str, bool] = {}
        self._sorted: dict[str, np.ndarray] = {}

    def __contains__(self, column: object) -> bool:
        return column in self.frame.columns

    @property
    def columns(self) -> pd.Index:
        return self.frame.columns

    @property
    def attrs(self) -> dict[str, Any]:
        return self.frame.attrs

    def __len__(self) -> int:
        return len(self.frame)

    def values(self, column: str) -> np.ndarray:
        """The column as float64, one value per row (unknown: NaN)."""
        if column not in self._values:
            v = self.frame[column].to_numpy(dtype="float64", na_value=np.nan)
            self._values[column] = _read_only(v)
        return self._values[column]

    def complete(self, column: str) -> bool:
        """Whether every value of the column is known."""
        if column not in self._complete:
            self._complete[column] = not bool(np.isnan(self.values(column)).any())
        return self._complete[column]

    def known(self, column: str) -> np.ndarray:
        """The known values of the column, in table order (unknowns dropped)."""
        if column not in self._known:
            v = self.values(column)
            self._known[column] = v if self.complete(column) else _read_only(v[~np.isnan(v)])
        return self._known[column]

    def ascending(self, column: str) -> np.ndarray:
        """The known values of the column sorted ascending (a value sort: which account
        holds a rank is not kept, so numpy's fast sort of values does it)."""
        if column not in self._sorted:
            self._sorted[column] = _read_only(np.sort(self.known(column)))
        return self._sorted[column]


def arrays_of(data: pd.DataFrame | AccountArrays) -> AccountArrays:
    """``data`` if it already is a set of arrays, else a new one over the table."""
    return data if isinstance(data, AccountArrays) else AccountArrays(data)


def _read_only(a: np.ndarray) -> np.ndarray:
    view = a.view()
    view.flags.writeable = False
    return view
