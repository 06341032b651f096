"""Customer-level profit analytics on millions of accounts vs one numpy.argsort.

Data: the sample-operator generator's customer P&L (``kamlib.synth`` at ``--base``
accounts, costed with the bundled cost model), resampled with a small multiplicative
jitter to ``--accounts`` rows so values are distinct, as real money is. Generating the
billing of 5 million accounts month by month would take minutes and gigabytes and
measure the generator, not the analysis.

The tiers and churn cross-tabs need a Book: the generator's accounts resampled the same
way to ``--accounts`` rows (new ids, monthly revenue jittered), validated by
``Book.from_frames`` (its time is reported, outside the ratios).

Measured in the same process, best of ``--repeat`` runs each:
- baseline: one ``numpy.argsort`` of the profit column;
- kamlib: revenue and profit concentration (top 20%, Lorenz, Gini), decile table,
  whale curve, the profitable / break-even / loss-making groups, value tiers (the
  Beijing scheme), churn rates by tier and the churn-cause x tier table.
Goals: the concentration, deciles and whale curve within about 2x the baseline
(issue #4); the full set within 3x (issue #7), run as a report runs it: one
``AccountArrays`` for the P&L columns (each sorted once) and one Book for the churn
tables (issue #22). Each part is also timed on its own, from nothing. The whale-curve and Lorenz tables (one
row per account, for plotting or export) are built on first access; the time to build
them is reported on its own line, outside the ratios.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from _common import machine, report

import kamlib
from kamlib import profit as P
from kamlib.profit import AccountArrays


def best_of(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=5_000_000)
    ap.add_argument("--base", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "analytics.json"))
    a = ap.parse_args(argv)

    sample = kamlib.synth(a.base, seed=7).book
    base = kamlib.customer_pnl(sample).table
    rng = np.random.default_rng(0)
    pick = rng.integers(0, len(base), a.accounts)
    jitter = rng.lognormal(0.0, 0.02, a.accounts)
    rev = base["revenue"].to_numpy()[pick] * jitter
    cost = base["cost"].to_numpy()[pick] * jitter
    t = pd.DataFrame({"revenue": rev, "cost": cost, "profit": rev - cost})
    p = t["profit"].to_numpy()

    acc = sample.accounts.iloc[pick].reset_index(drop=True)
    acc["account_id"] = pd.Series(np.char.add("A", np.arange(a.accounts).astype(str)), dtype="str")
    acc["monthly_revenue"] = sample.monthly_revenue().to_numpy()[pick] * jitter
    t0 = time.perf_counter()
    book = kamlib.Book.from_frames(accounts=acc)
    t_book = time.perf_counter() - t0
    tiers = kamlib.value_tiers(book, scheme="beijing").assignment

    parts = {
        "concentration (revenue)": lambda: P.concentration_of(t, value="revenue"),
        "concentration (profit)": lambda: P.concentration_of(t, value="profit"),
        "decile table": lambda: P.deciles_of(t),
        "whale curve": lambda: P.whale_of(t),
        "profit groups": lambda: P.groups_of(t),
        # each on its own, from nothing: a fresh Book remembers no earlier repeat
        "value tiers (Beijing scheme)": lambda: kamlib.value_tiers(replace(book), scheme="beijing"),
        "churn rates by tier": lambda: kamlib.churn_rates(replace(book), by=tiers),
        "churn causes x tier": lambda: kamlib.cause_tree(replace(book), by=tiers),
    }
    spend = pd.Series(rev / 12, name="spend")
    extra = {  # measured, outside the two ratios of the issue goals
        "ABC tiers (quantiles)": lambda: kamlib.segment.quantile_tiers(spend, kind="abc"),
        "pd.crosstab, churn cause x tier (what cause_tree avoids)": lambda: pd.crosstab(
            book.accounts["churn_cause"], tiers.to_numpy()
        ),
    }

    def together() -> None:
        """All eight as a report runs them: one set of arrays for the P&L (each column
        sorted once) and a fresh Book (nothing remembered from an earlier repeat), whose
        monthly revenue and churn base are computed once for the three churn analyses."""
        arrays, b = AccountArrays(t), replace(book)
        P.concentration_of(arrays, value="revenue")
        P.concentration_of(arrays, value="profit")
        P.deciles_of(arrays)
        P.whale_of(arrays)
        P.groups_of(arrays)
        by = kamlib.value_tiers(b, scheme="beijing").assignment
        kamlib.churn_rates(b, by=by)
        kamlib.cause_tree(b, by=by)

    # The needs-based segments of the business and key accounts among the 5M: their
    # features are the base operator's (needs_features), resampled with the accounts
    # (the features' own computation is grouped sums over the billing and costs
    # tables, whose size is the load's, not measured here).
    base_f = kamlib.needs.needs_features(sample)
    picked = sample.accounts["account_id"].to_numpy()[pick]
    in_f = pd.Index(base_f.index).get_indexer(picked)
    has = in_f >= 0
    feats = base_f.iloc[in_f[has]].set_axis(pd.Index(acc["account_id"][has], name="account_id"))
    feats.attrs["customer_type"] = pd.Series(
        base_f.attrs["customer_type"].to_numpy()[in_f[has]], index=feats.index
    )
    t0 = time.perf_counter()
    needs = kamlib.NeedsSegments(seed=0).fit(book, features=feats)
    t_needs = time.perf_counter() - t0

    baseline = best_of(lambda: np.argsort(p), a.repeat)
    times = {k: best_of(f, a.repeat) for k, f in parts.items()}
    shared = best_of(together, a.repeat)
    baseline = min(baseline, best_of(lambda: np.argsort(p), a.repeat))  # before and after

    def tables():
        P.whale_of(t).table, P.concentration_of(t, value="revenue").lorenz

    with_tables = (
        best_of(tables, a.repeat) - times["whale curve"] - times["concentration (revenue)"]
    )
    core = sum(times[k] for k in ("concentration (revenue)", "decile table", "whale curve"))
    full = sum(times.values())
    extra_times = {k: best_of(f, a.repeat) for k, f in extra.items()}
    res = {
        "benchmark": "analytics",
        "accounts": a.accounts,
        "machine": machine(),
        "baseline numpy.argsort (s)": round(baseline, 4),
        "seconds": {k: round(v, 4) for k, v in times.items()},
        "ratio core (concentration + deciles + whale) / argsort": round(core / baseline, 2),
        "ratio full, each part on its own / argsort": round(full / baseline, 2),
        "full, one set of arrays (s)": round(shared, 4),
        "ratio full / argsort": round(shared / baseline, 2),
        "per-account tables on first access (s, not in the ratios)": round(with_tables, 4),
        "not in the ratios (s)": {k: round(v, 4) for k, v in extra_times.items()}
        | {f"validating {a.accounts:,} accounts (Book.from_frames)": round(t_book, 1)},
        "needs-based segments": {
            "business and key accounts": len(feats),
            "seconds (one fit, k chosen in the k range)": round(t_needs, 1),
            "k": needs.k_,
            "structure": needs.structure_,
            "method": list(needs.notes),
        },
        "goal core": 2.0,
        "goal full": 3.0,
    }
    return report(res, a.out)


if __name__ == "__main__":
    main()
