"""Tests shared by the analyses: is a difference in a table of counts real?"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._format import count, names_list, number, pvalue
from ._i18n import N_, ntr, tr
from ._result import Result, axes, figures, nothing_to_draw

__all__ = [
    "names_list",
    "Association",
    "association_test",
    "cramers_v_corrected",
    "holm",
    "permutation_pvalue",
]

#: the colour of cells that do not stand out: counts, not a signal
NEUTRAL = "#e6e6e6"

#: the strength of a real association by the bias-corrected V, in words
_STRENGTH = {"weak": N_("weak"), "moderate": N_("moderate"), "strong": N_("strong")}


def _words(text: str) -> str:
    """A caller's subject, unit or name in the reader's language: the defaults are
    messages; a caller's own text (already translated) passes through unchanged."""
    return tr(text) if text else text


def _label(code: object) -> str:
    from ._labels import label

    return label(str(code))


#: the cells of a stand-out table, in this order
STANDOUT_COLUMNS = [
    "row",
    "column",
    "observed",
    "expected_count",
    "residual",
    "p_value",
    "p_adjusted",
]


@dataclass(repr=False, eq=False)
class Association(Result):
    """Test of independence of a two-way table of counts, with the cells that stand out.

    ``testable`` is False (and ``reason`` says why) when there are too few counts or
    only one row or column: then only the counts in ``observed`` are meaningful.
    ``table`` has one row per cell (``row``, ``column``, ``observed``,
    ``expected_count``, ``residual``, ``p_value``, ``p_adjusted``); ``reading`` is the
    verdict in one plain sentence.

    ``pvalue`` is the p-value of the verdict: Pearson's chi-square approximation
    (``chi2_pvalue``), or, when a cell expects fewer than 5, a permutation p-value
    (``method == "permutation"``). The association is real when ``pvalue < alpha``;
    only then can cells stand out (``standouts``: Holm-adjusted p of the adjusted
    residual below ``alpha``; empty otherwise) and only then is its strength named.
    ``cramers_v`` is bias-corrected (Bergsma 2013).
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
    standouts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=STANDOUT_COLUMNS))
    #: what a real association means, for the sentence of ``reading``
    subject: str = N_("Churn causes by segment")
    #: what is counted (a plural noun: "churners"), for the notes and the plot titles
    unit: str = N_("churners")
    alpha: float = 0.05
    #: "chi-square" (the asymptotic p-value) or "permutation"
    method: str = "chi-square"
    chi2_pvalue: float = math.nan
    permutations: int = 0
    seed: int | None = None
    #: residual p-values per cell (two-sided normal) and their Holm adjustment
    residual_p: pd.DataFrame | None = None
    residual_p_adjusted: pd.DataFrame | None = None
    #: counted but left out of the test, and why (e.g. churners with no recorded cause)
    left_out: int = 0
    left_out_why: str = ""
    #: what the columns are, for the permutation note
    names: tuple[str, str] = (N_("cause"), N_("segment"))

    @property
    def significant(self) -> bool:
        """True when the overall test rejects independence at ``alpha``."""
        return bool(self.testable and self.pvalue < self.alpha)

    @property
    def strength(self) -> str:
        """ "weak", "moderate" or "strong" by the bias-corrected V; "" when not significant."""
        if not self.significant:
            return ""
        v = self.cramers_v
        return "weak" if v < 0.1 else "moderate" if v < 0.3 else "strong"

    @property
    def table(self) -> pd.DataFrame:  # type: ignore[override]
        cols = ["row", "column", "observed", "expected_count", "residual", "p_value", "p_adjusted"]
        if self.observed.empty:
            return pd.DataFrame(columns=cols)
        long = self.observed.stack().rename("observed").reset_index()
        long.columns = ["row", "column", "observed"]
        for name, frame in (
            ("expected_count", self.expected),
            ("residual", self.residuals),
            ("p_value", self.residual_p),
            ("p_adjusted", self.residual_p_adjusted),
        ):
            long[name] = frame.stack().to_numpy() if frame is not None else np.nan
        return long

    @property
    def notes(self) -> tuple[str, ...]:  # type: ignore[override]
        out = []
        unit = _words(self.unit)
        if self.left_out:
            out.append(
                ntr(
                    "{n} {unit} left out of the test: {why}",
                    "{n} {unit} left out of the test: {why}",
                    self.left_out,
                    n=count(self.left_out),
                    unit=unit,
                    why=self.left_out_why,
                )
            )
        if not self.testable:
            out.append(tr("no test: {reason}; counts only", reason=self.reason))
        elif self.method == "permutation":
            out.append(
                ntr(
                    "{n} cell expects fewer than 5 {unit}, so the chi-square approximation is "
                    "not trusted: the p-value is a permutation p-value ({permutations} random "
                    "reshuffles of the {what} of the {unit}, seed {seed})",
                    "{n} cells expect fewer than 5 {unit}, so the chi-square approximation is "
                    "not trusted: the p-value is a permutation p-value ({permutations} random "
                    "reshuffles of the {what} of the {unit}, seed {seed})",
                    self.low_expected,
                    n=count(self.low_expected),
                    unit=unit,
                    permutations=count(self.permutations),
                    what=_words(self.names[1]),
                    seed=self.seed,
                )
            )
        return tuple(out)

    def summary(self) -> pd.DataFrame:
        return figures(
            {
                "n": int(self.observed.to_numpy().sum()) if not self.observed.empty else 0,
                "chi2": self.chi2,
                "dof": self.dof,
                "p_value": self.pvalue,
                "chi2_p_value": self.chi2_pvalue,
                "permutation_p_value": self.pvalue if self.method == "permutation" else math.nan,
                "alpha": self.alpha,
                "cramers_v": self.cramers_v,
                "cells_expecting_under_5": self.low_expected,
                "standouts": len(self.standouts),
                "left_out": self.left_out,
            }
        )

    @property
    def reading(self) -> str:
        """The verdict in one plain sentence (a few when cells stand out)."""
        if not self.testable:
            return tr("No test: {reason}. Counts only.", reason=self.reason)
        subject, unit = _words(self.subject), _words(self.unit)
        if self.method == "permutation":
            how = ntr(
                "{p} by {permutations} random reshuffles, as {n} cell expects fewer than 5 {unit}",
                "{p} by {permutations} random reshuffles, as {n} cells expect fewer than 5 {unit}",
                self.low_expected,
                p=pvalue(self.pvalue),
                permutations=count(self.permutations),
                n=count(self.low_expected),
                unit=unit,
            )
        else:
            how = pvalue(self.pvalue)
        test = dict(
            subject=subject,
            chi2=number(self.chi2, 1),
            dof=count(self.dof),
            how=how,
            alpha=f"{self.alpha:g}",
        )
        if not self.significant:
            return tr(
                "{subject}: chi-square {chi2} on {dof} degrees of freedom, {how}; the "
                "differences are not distinguishable from noise (p >= {alpha}): no cell "
                "stands out.",
                **test,
            )
        s = tr(
            "{subject}: chi-square {chi2} on {dof} degrees of freedom, {how}; the differences "
            "are real (p < {alpha}) and {strength} (Cramér's V {v}, bias-corrected).",
            strength=tr(_STRENGTH[self.strength]),
            v=number(self.cramers_v, 2),
            **test,
        )
        if len(self.standouts):
            cells = [
                (
                    tr(
                        "{row} in {column}: more than expected (residual {residual}, adjusted {p})",
                        row=_label(r.row),
                        column=_label(r.column),
                        residual=f"{r.residual:+.1f}",
                        p=pvalue(r.p_adjusted),
                    )
                    if r.residual > 0
                    else tr(
                        "{row} in {column}: fewer than expected (residual {residual}, "
                        "adjusted {p})",
                        row=_label(r.row),
                        column=_label(r.column),
                        residual=f"{r.residual:+.1f}",
                        p=pvalue(r.p_adjusted),
                    )
                )
                for r in self.standouts.itertuples()
            ]
            return tr("{verdict} Stand-outs: {cells}.", verdict=s, cells=tr("; ").join(cells))
        return tr(
            "{verdict} No single cell stands out once the number of cells compared is allowed for.",
            verdict=s,
        )

    def plot(self, *, ax=None):
        """Heatmap of the counts; only the cells that stand out are coloured (by their
        adjusted residual) and framed.

        When the table as a whole is not distinguishable from noise, every cell is the same
        neutral grey and the title says so: colouring raw residuals there would invite
        reading differences the test does not support.
        """
        import seaborn as sns
        from matplotlib.colors import ListedColormap
        from matplotlib.patches import Rectangle

        ax = axes(ax)
        if self.observed.empty:
            return nothing_to_draw(ax, tr("No table: {reason}", reason=self.reason))
        # the categories in words (copies: the result keeps its codes)
        observed = self.observed.rename(index=_label, columns=_label)
        if not (self.testable and self.residuals is not None):
            sns.heatmap(observed, annot=True, fmt="d", cmap="Greys", ax=ax, cbar=False)
            ax.tick_params(axis="y", labelrotation=0)  # row names read across (Chinese too)
            ax.set_title(
                tr(
                    "Counts of {unit} (no test: {reason})",
                    unit=_words(self.unit),
                    reason=self.reason,
                )
            )
            ax.set_xlabel("")
            ax.set_ylabel("")
            return ax
        # the counts on one neutral colour: nothing is coloured that the test did not find
        sns.heatmap(
            observed,
            annot=True,
            fmt="d",
            cmap=ListedColormap([NEUTRAL]),
            cbar=False,
            linewidths=0.5,
            linecolor="white",
            ax=ax,
        )
        ax.tick_params(axis="y", labelrotation=0)  # row names read across (Chinese too)
        rows, cols = list(self.residuals.index), list(self.residuals.columns)
        if len(self.standouts):
            out = np.zeros(self.residuals.shape, dtype=bool)
            for r in self.standouts.itertuples():
                out[rows.index(r.row), cols.index(r.column)] = True
            top = float(np.abs(self.residuals.to_numpy()[out]).max())
            sns.heatmap(
                self.residuals.rename(index=_label, columns=_label),
                mask=~out,
                center=0,
                vmin=-top,
                vmax=top,
                cmap="RdBu_r",
                alpha=0.85,
                annot=False,
                ax=ax,
                cbar_kws={"label": tr("Adjusted residual (stand-outs only)")},
            )
            for i, j in zip(*np.nonzero(out), strict=True):
                ax.add_patch(Rectangle((j, i), 1, 1, fill=False, edgecolor="black", lw=2))
            title = ntr(
                "Counts of {unit}: {n} cell stands out (framed; red more, blue fewer than "
                "expected)",
                "Counts of {unit}: {n} cells stand out (framed; red more, blue fewer than "
                "expected)",
                len(self.standouts),
                unit=_words(self.unit),
                n=count(len(self.standouts)),
            )
        elif self.significant:
            title = tr(
                "Counts of {unit}: the table differs, but no single cell stands out",
                unit=_words(self.unit),
            )
        else:
            title = tr(
                "Counts of {unit}: the differences are not distinguishable from noise",
                unit=_words(self.unit),
            )
        ax.set_title(title)
        ax.set_xlabel("")
        ax.set_ylabel("")
        return ax


def cramers_v_corrected(chi2: float, n: int, shape: tuple[int, int]) -> float:
    """Bias-corrected Cramér's V (Bergsma 2013).

    phi2 = chi2 / n is shrunk by its expectation under independence,
    phi2~ = max(0, phi2 - (k - 1)(r - 1) / (n - 1)), and the table's dimensions likewise,
    r~ = r - (r - 1)^2 / (n - 1), k~ = k - (k - 1)^2 / (n - 1);
    V~ = sqrt(phi2~ / min(r~ - 1, k~ - 1)). Plain V overstates the strength of small
    tables with few counts; V~ is near 0 under independence.

    Examples
    --------
    >>> round(cramers_v_corrected(0.0, 100, (3, 3)), 3)
    0.0
    >>> round(cramers_v_corrected(200.0, 200, (2, 2)), 3)  # a perfect 2 x 2 association
    1.0
    """
    r, k = shape
    if n < 2 or min(r, k) < 2:
        return math.nan
    phi2 = max(0.0, chi2 / n - (k - 1) * (r - 1) / (n - 1))
    r_, k_ = r - (r - 1) ** 2 / (n - 1), k - (k - 1) ** 2 / (n - 1)
    return math.sqrt(phi2 / min(r_ - 1, k_ - 1))


def holm(pvalues: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment of a set of p-values (same shape back).

    The i-th smallest of m p-values is multiplied by (m - i + 1), made non-decreasing
    in that order and capped at 1: rejecting the adjusted p-values below alpha keeps the
    chance of any false stand-out at or below alpha. (statsmodels' ``multipletests``
    gives the same numbers but runs a full garbage collection on every call, a fifth of a
    second in a busy notebook; the tests pin this against it.)

    Examples
    --------
    >>> holm(np.array([0.01, 0.04, 0.03])).round(3).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(pvalues, dtype=float)
    flat = p.ravel()
    order = np.argsort(flat, kind="stable")
    m = flat.size
    stepped = np.maximum.accumulate(flat[order] * np.arange(m, 0, -1))
    out = np.empty(m)
    out[order] = np.minimum(stepped, 1.0)
    return out.reshape(p.shape)


def _chi2_of(tables: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Pearson's statistic of each table in a stack (..., r, c) against one expected table."""
    return (((tables - expected) ** 2) / expected).sum(axis=(-2, -1))


def _random_tables(
    rows: np.ndarray, cols: np.ndarray, size: int, rng: np.random.Generator
) -> np.ndarray:
    """``size`` tables with the margins ``rows`` x ``cols``, as if the column labels of
    the counted units were shuffled among them.

    Shuffling labels gives each table with these margins its hypergeometric probability;
    drawing the cells one by one from that distribution (each the number of the row's
    remaining units that fall in the column, out of the columns still unfilled) gives the
    same tables at a cost that does not grow with the number of units.
    """
    r, c = len(rows), len(cols)
    out = np.zeros((size, r, c), dtype=np.int64)
    left_in_col = np.broadcast_to(cols, (size, c)).astype(np.int64)
    for i in range(r - 1):
        left_in_row = np.full(size, rows[i], dtype=np.int64)
        for j in range(c - 1):
            later = left_in_col[:, j + 1 :].sum(axis=1)
            x = rng.hypergeometric(left_in_col[:, j], later, left_in_row)
            out[:, i, j] = x
            left_in_row -= x
        out[:, i, c - 1] = left_in_row
        left_in_col = left_in_col - out[:, i, :]
    out[:, r - 1, :] = left_in_col  # the last row takes what is left of every column
    return out


def permutation_pvalue(
    observed: np.ndarray, *, permutations: int = 2000, seed: int | None = 0
) -> float:
    """Monte Carlo permutation p-value of Pearson's chi-square for a table of counts.

    The column labels of the counted units are reshuffled ``permutations`` times (row
    and column totals fixed); p = (1 + number of reshuffles with a statistic at least
    the observed) / (1 + permutations), which never reports 0 and keeps the test's size
    at or below its nominal level. Rows and columns must have positive totals.

    Examples
    --------
    >>> import numpy as np
    >>> p = permutation_pvalue(np.array([[3, 0], [0, 3]]), permutations=999, seed=1)
    >>> 0.05 < p < 0.2  # exact: 2 of the 20 equally likely tables are this extreme
    True
    """
    t = np.asarray(observed, dtype=np.int64)
    rows, cols = t.sum(axis=1), t.sum(axis=0)
    expected = np.outer(rows, cols) / t.sum()
    stat = float(_chi2_of(t.astype(float), expected))
    rng = np.random.default_rng(seed)
    sims = _chi2_of(_random_tables(rows, cols, permutations, rng).astype(float), expected)
    # the same statistic reached by another table may differ in its last bits
    hits = int((sims >= stat - 1e-9 * max(1.0, stat)).sum())
    return (hits + 1) / (permutations + 1)


def association_test(
    obs: pd.DataFrame,
    *,
    min_count: int,
    alpha: float = 0.05,
    permutations: int = 2000,
    seed: int | None = 0,
    subject: str = N_("Churn causes by segment"),
    unit: str = N_("churners"),
    names: tuple[str, str] = (N_("cause"), N_("segment")),
) -> Association:
    """Is the table of counts ``obs`` (rows x columns) more than chance?

    Pearson's chi-square (statsmodels' ``Table``); when a cell expects fewer than 5 the
    verdict uses a permutation p-value instead (:func:`permutation_pvalue`, seeded by
    ``seed``). Only when that p-value is below ``alpha`` do cells stand out: those whose
    adjusted standardised residual has a two-sided normal p-value below ``alpha`` after
    Holm's adjustment over all cells. Cramér's V is bias-corrected
    (:func:`cramers_v_corrected`). Empty rows and columns are dropped; below
    ``min_count`` in all, or with one row or column (``names`` says what they are),
    there is no test and ``reason`` says why.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"a": [30, 10], "b": [10, 30]}, index=["x", "y"])
    >>> a = association_test(t, min_count=20)
    >>> a.significant, len(a.standouts)
    (True, 4)
    """
    from scipy.stats import norm
    from statsmodels.stats.contingency_tables import Table

    kw: dict[str, Any] = {"subject": subject, "unit": unit, "alpha": alpha, "names": names}
    obs = obs.loc[obs.sum(axis=1) > 0, obs.sum(axis=0) > 0]
    n = int(obs.to_numpy().sum())
    if n < min_count:
        why = tr(
            "only {n} {unit} (fewer than {min})",
            n=count(n),
            unit=_words(unit),
            min=count(min_count),
        )
        return Association(obs, False, why, **kw)
    if min(obs.shape) < 2:
        why = tr(
            "only one {rows} or one {columns}", rows=_words(names[0]), columns=_words(names[1])
        )
        return Association(obs, False, why, **kw)
    t = Table(obs.to_numpy(), shift_zeros=False)  # the default adds 0.5 to every cell
    test = t.test_nominal_association()
    chi2, dof, p_chi2 = float(test.statistic), int(test.df), float(test.pvalue)
    expected = pd.DataFrame(t.fittedvalues, index=obs.index, columns=obs.columns)
    resid = pd.DataFrame(t.standardized_resids, index=obs.index, columns=obs.columns)
    low = int((expected.to_numpy() < 5).sum())
    if low:
        p, method = (
            permutation_pvalue(obs.to_numpy(), permutations=permutations, seed=seed),
            ("permutation"),
        )
    else:
        p, method = p_chi2, "chi-square"
    raw = 2 * norm.sf(np.abs(resid.to_numpy()))
    adjusted = holm(raw)
    raw_p = pd.DataFrame(raw, index=obs.index, columns=obs.columns)
    adj_p = pd.DataFrame(adjusted, index=obs.index, columns=obs.columns)
    cells = pd.DataFrame(
        {
            "observed": obs.stack(),
            "expected_count": expected.stack(),
            "residual": resid.stack(),
            "p_value": raw_p.stack(),
            "p_adjusted": adj_p.stack(),
        }
    )
    # a cell stands out only inside an association that is itself real
    cells = cells[(cells["p_adjusted"] < alpha) & (p < alpha)]
    cells = cells.sort_values("residual", key=np.abs, ascending=False)
    standouts = pd.DataFrame(
        {
            "row": [i[0] for i in cells.index],
            "column": [i[1] for i in cells.index],
            **{c: cells[c].to_numpy() for c in cells.columns},
        },
        columns=STANDOUT_COLUMNS,
    )
    return Association(
        obs,
        True,
        expected=expected,
        residuals=resid,
        chi2=chi2,
        dof=dof,
        pvalue=p,
        cramers_v=cramers_v_corrected(chi2, n, obs.shape),
        low_expected=low,
        standouts=standouts,
        method=method,
        chi2_pvalue=p_chi2,
        permutations=permutations if method == "permutation" else 0,
        seed=seed,
        residual_p=raw_p,
        residual_p_adjusted=adj_p,
        **kw,
    )
