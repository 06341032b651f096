"""The churn-risk model on a large operator: every account against a sample (issue #22).

    python benchmarks/bench_risk.py [--sizes 80000 400000] [--full-up-to 80000] [--no-profile]

Each fit runs in a subprocess of its own that generates the operator in memory
(``kamlib.synth``, seed 7) and fits ``ChurnRisk``; the figures are the fit's seconds and
the subprocess's peak memory (VmHWM, which includes the generated operator, so the
generation alone is measured beside it as the baseline). "every account" sets
``fit_sample: 0``; it is run only up to ``--full-up-to`` accounts (at 400,000 it ran out
of memory at 21 GB). At the largest size the sampled fit is also run under cProfile in a
process of its own (its top 10 functions by cumulative time). "branch by branch" is
``fit_sampled`` on the same sample, each branch's Book in turn (sliced off the generated
operator, so its peak still holds the operator: compare its seconds). Not part of ``make bench``: it takes several minutes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from _common import machine, report

_CHILD = r"""
import json, sys, time
import kamlib
from kamlib.watchlist import ChurnRisk

n, cap, profile = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "profile"
t0 = time.perf_counter()
book = kamlib.synth(n, seed=7).book
gen = time.perf_counter() - t0
hwm_gen = int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1])
out = {"generate (s)": round(gen, 1), "peak after generating (MB)": round(hwm_gen / 1024)}
if cap != "none":
    model = ChurnRisk(rules={"fit_sample": int(cap)})
    if profile:
        # a run of its own: cProfile slows this Python-heavy code, so its seconds are not
        # the fit's; only where the time goes is read from it
        import cProfile, pstats
        pr = cProfile.Profile()
        pr.enable()
        m = model.fit(book)
        pr.disable()
        st = pstats.Stats(pr).sort_stats("cumulative")
        top = sorted(st.stats.items(), key=lambda kv: -kv[1][3])[:10]
        out["cProfile top 10 (cumulative s)"] = [
            [f"{f[0].split('site-packages/')[-1].split('kamlib/')[-1]}:{f[1]}({f[2]})",
             round(v[3], 1)]
            for f, v in top
        ]
    elif sys.argv[3] == "branches":
        # fit_sampled as kamlib.prepare's branch-by-branch path calls it: the sample's
        # Book and one branch's Book at a time (sliced off the generated operator here, so
        # the peak still holds the operator: only the seconds compare with fit's)
        from kamlib.watchlist import sample_positions
        c = int(cap) or n
        keep = sample_positions(n, c, 0) if c < n else None
        sliced = [0.0]  # the seconds of slicing the Books off the operator: prepare reads
        def parts():     # them from its branch folders instead, so they are not the fit's
            for b in book.branches:
                t = time.perf_counter()
                part = book.branch(b)
                sliced[0] += time.perf_counter() - t
                yield part
        t0 = time.perf_counter()
        sample = book.select(keep) if keep is not None else book
        sliced[0] += time.perf_counter() - t0
        m = model.fit_sampled(sample, parts(), accounts=n, months=book.months())
        out["fit_sampled, branch by branch (s)"] = round(
            time.perf_counter() - t0 - sliced[0], 1
        )
        out["slicing the sample and branches off (s, not in the above)"] = round(sliced[0], 1)
    else:
        t0 = time.perf_counter()
        m = model.fit(book)
        out["fit (s)"] = round(time.perf_counter() - t0, 1)
    out["fitted on (accounts)"] = m.fitted_on_
    out["validation AUC"] = round(m.auc_, 3)
    out["AUC 95% interval"] = [round(v, 3) for v in m.auc_ci_]
    out["accounts scored"] = len(m.scores_)
    out["usable"] = bool(m.usable_)
hwm = int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1])
out["peak (MB)"] = round(hwm / 1024)
print(json.dumps(out))
"""


def run(n: int, cap: str, mode: str = "time") -> dict[str, Any]:
    """One fit in a subprocess; ``mode``: "time" (fit), "branches" (fit_sampled branch by
    branch) or "profile" (fit under cProfile)."""
    r = subprocess.run(
        [sys.executable, "-c", _CHILD, str(n), cap, mode],
        capture_output=True,
        text=True,
        check=False,
    )
    if r.returncode != 0:
        return {"failed": r.stderr.strip().splitlines()[-1:] or [f"exit {r.returncode}"]}
    return dict(json.loads(r.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[80_000, 400_000])
    ap.add_argument("--full-up-to", type=int, default=80_000)
    ap.add_argument(
        "--no-profile",
        dest="profile",
        action="store_false",
        help="skip the cProfile run of the sampled fit at the largest size",
    )
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "risk.json"))
    a = ap.parse_args(argv)
    from kamlib.watchlist import watchlist_rules

    cap = int(watchlist_rules()["fit_sample"])
    res: dict[str, Any] = {"benchmark": "churn risk", "machine": machine(), "fit_sample": cap}
    for n in a.sizes:
        row = {
            "sample (default fit_sample)": run(n, str(cap)),
            "sample, scored branch by branch (fit_sampled)": run(n, str(cap), "branches"),
        }
        if n <= a.full_up_to:
            row["every account (fit_sample: 0)"] = run(n, "0")
        if n == max(a.sizes) and a.profile:
            row["cProfile of the sampled fit"] = run(n, str(cap), "profile")
        res[f"{n:,} accounts"] = row
    return report(res, a.out)


if __name__ == "__main__":
    main()
