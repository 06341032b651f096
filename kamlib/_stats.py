"""Tests shared by the analyses: is a difference in a table of counts real?"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._result import Result, axes, figures, nothing_to_draw

__all__ = ["Association", "association_test"]


@dataclass(repr=False, eq=False)
class Association(Result):
    """Chi-square test of a two-way table of counts, adjusted residuals and Cramér's V.

    ``testable`` is False (and ``reason`` says why) when there are too few churners or
    only one row or column: then only the counts in ``observed`` are meaningful.
    ``table`` has one row per cell (``row``, ``column``, ``observed``, ``expected``,
    ``residual``); ``reading`` is the verdict in one plain sentence.
    """

    observed: pd.DataFrame
    testable: bool
    reason: str = ""
    expected: pd.DataFrame | None = None
    residuals: pd.DataFrame | None = None
    chi2: float = math.nan
    dof: int = 0
    pvalue: float = math.nan
    cramers_v: float = math.nan
    low_expected: int = 0
    standouts: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: what a real association means, for the sentence of ``reading``
    subject: str = "Churn causes by segment"
    #: what is counted, for "read with care" and the plot titles
    unit: str = "churners"

    @property
    def table(self) -> pd.DataFrame:  # type: ignore[override]
        if self.observed.empty:
            return pd.DataFrame(columns=["row", "column", "observed", "expected_count", "residual"])
        long = self.observed.stack().rename("observed").reset_index()
        long.columns = ["row", "column", "observed"]
        for name, frame in (("expected_count", self.expected), ("residual", self.residuals)):
            long[name] = frame.stack().to_numpy() if frame is not None else np.nan
        return long

    @property
    def notes(self) -> tuple[str, ...]:  # type: ignore[override]
        out = []
        if not self.testable:
            out.append(f"no test: {self.reason}; counts only")
        if self.low_expected:
            out.append(
                f"{self.low_expected} cell(s) expect fewer than 5 {self.unit}: read them with care"
            )
        return tuple(out)

    def summary(self) -> pd.DataFrame:
        return figures(
            {
                "n": int(self.observed.to_numpy().sum()) if not self.observed.empty else 0,
                "chi2": self.chi2,
                "dof": self.dof,
                "p_value": self.pvalue,
                "cramers_v": self.cramers_v,
                "cells_expecting_under_5": self.low_expected,
                "standouts": len(self.standouts),
            }
        )

    @property
    def reading(self) -> str:
        """The verdict in one plain sentence."""
        if not self.testable:
            return f"No test: {self.reason}. Counts only."
        strength = (
            "weak" if self.cramers_v < 0.1 else "moderate" if self.cramers_v < 0.3 else "strong"
        )
        real = (
            "the differences are real (p < 0.05)"
            if self.pvalue < 0.05
            else "the differences are not distinguishable from noise (p >= 0.05)"
        )
        s = (
            f"{self.subject}: chi-square {self.chi2:.1f} on {self.dof} df, "
            f"p = {self.pvalue:.3g}; {real}, {strength} (Cramér's V {self.cramers_v:.2f})."
        )
        if self.low_expected:
            s += (
                f" {self.low_expected} cell(s) expect fewer than 5 {self.unit}: "
                "read them with care."
            )
        if len(self.standouts):
            s += (
                " Stand-outs: "
                + "; ".join(
                    f"{r.row} in {r.column} ({'more' if r.residual > 0 else 'fewer'} than expected, "
                    f"residual {r.residual:+.1f})"
                    for r in self.standouts.itertuples()
                )
                + "."
            )
        return s

    def plot(self, *, ax=None):
        """Heatmap of adjusted residuals (or counts when untestable)."""
        import seaborn as sns

        ax = axes(ax)
        if self.observed.empty:
            return nothing_to_draw(ax, f"No table: {self.reason}")
        if self.testable and self.residuals is not None:
            sns.heatmap(
                self.residuals,
                center=0,
                cmap="RdBu_r",
                annot=True,
                fmt=".1f",
                ax=ax,
                cbar_kws={"label": "adjusted residual"},
            )
            ax.set_title(f"More (red) or fewer (blue) {self.unit} than expected")
        else:
            sns.heatmap(self.observed, annot=True, fmt="d", cmap="Greys", ax=ax, cbar=False)
            ax.set_title(f"{self.unit.capitalize()} (no test: {self.reason})")
        ax.set_xlabel("")
        ax.set_ylabel("")
        return ax


def association_test(
    obs: pd.DataFrame,
    *,
    min_count: int,
    threshold: float = 2.0,
    subject: str = "Churn causes by segment",
    unit: str = "churners",
    names: tuple[str, str] = ("cause", "segment"),
) -> Association:
    """Pearson's chi-square on a table of counts (statsmodels' ``Table``).

    Adjusted standardised residuals per cell (|r| > ``threshold`` stands out), Cramér's
    V = sqrt(chi2 / (n (min(r, c) - 1))) and the number of cells expecting fewer than 5.
    Empty rows and columns are dropped; below ``min_count`` in all, or with one row or
    column (``names`` says what they are), there is no test and ``reason`` says why.
    """
    from statsmodels.stats.contingency_tables import Table

    obs = obs.loc[obs.sum(axis=1) > 0, obs.sum(axis=0) > 0]
    n = int(obs.to_numpy().sum())
    if n < min_count:
        why = f"only {n} {unit} (fewer than {min_count})"
        return Association(obs, False, why, subject=subject, unit=unit)
    if min(obs.shape) < 2:
        why = f"only one {names[0]} or one {names[1]}"
        return Association(obs, False, why, subject=subject, unit=unit)
    t = Table(obs.to_numpy(), shift_zeros=False)  # the default adds 0.5 to every cell
    test = t.test_nominal_association()
    chi2, dof, p = float(test.statistic), int(test.df), float(test.pvalue)
    expected = pd.DataFrame(t.fittedvalues, index=obs.index, columns=obs.columns)
    resid = pd.DataFrame(t.standardized_resids, index=obs.index, columns=obs.columns)
    v = math.sqrt(chi2 / (n * (min(obs.shape) - 1)))
    st = resid.stack()
    st = st[st.abs() > threshold].sort_values(key=np.abs, ascending=False)
    standouts = pd.DataFrame(
        {
            "row": [i[0] for i in st.index],
            "column": [i[1] for i in st.index],
            "residual": st.to_numpy(),
            "observed": [obs.loc[i] for i in st.index],
            "expected": [expected.loc[i] for i in st.index],
        }
    )
    low = int((expected.to_numpy() < 5).sum())
    return Association(
        obs, True, "", expected, resid, chi2, dof, p, v, low, standouts, subject, unit
    )
