"""Loading and validating a folder of canonical CSV tables vs a bare read of the same files.

Data: the sample-operator generator (``kam synth``, seed 7) with ``--accounts`` accounts
(default 20,000: about a tenth of a minute), written once as canonical CSV; or an
existing folder given with ``--folder`` (e.g. one made by ``kam synth DIR --accounts
200000 --seed 7``). Every measurement runs in a fresh process, so its peak RSS is its own
(VmHWM of the new image; ``ru_maxrss`` would carry the forking parent's size across
exec); the best time of ``--repeat`` runs is kept. Measured in one run:

- baseline pandas: ``pd.read_csv(f, engine="pyarrow")`` of each table's file (types
  inferred, nothing checked);
- baseline DuckDB: ``CREATE TABLE t AS SELECT * FROM read_csv(f)`` for each file;
- kamlib: ``kamlib.load(folder)`` (read, coerce to the data model, every check, the Book);
- kamlib careful: the same with only the careful reading and checks (the reference the
  quick paths are tested against), when ``--careful`` is given: it is slow.

Goal (issue #22): kamlib within 3x of the faster bare read, peak memory within 2x of it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import machine, report

HWM = "int([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1])"

PANDAS = f"""
import sys, time
import pandas as pd
files = sys.argv[1:]
t0 = time.perf_counter()
frames = [pd.read_csv(f, engine="pyarrow") for f in files]
print(time.perf_counter() - t0, {HWM}, sum(len(f) for f in frames))
"""
DUCKDB = f"""
import sys, time
import duckdb
files = sys.argv[1:]
t0 = time.perf_counter()
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
for i, f in enumerate(files):
    con.execute(f"CREATE TABLE t{{i}} AS SELECT * FROM read_csv(?)", [f])
rows = sum(con.execute(f"SELECT count(*) FROM t{{i}}").fetchone()[0] for i in range(len(files)))
print(time.perf_counter() - t0, {HWM}, rows)
"""
KAMLIB = f"""
import sys, time
import kamlib
from kamlib._schema import TABLES
t0 = time.perf_counter()
book = kamlib.load(sys.argv[1])
secs = time.perf_counter() - t0
rows = sum(len(getattr(book, t)) for t in TABLES if getattr(book, t) is not None)
print(secs, {HWM}, rows)
"""
CAREFUL = KAMLIB.replace(
    "book = kamlib.load(sys.argv[1])",
    "from kamlib._validate import careful_only\n"
    "with careful_only():\n    book = kamlib.load(sys.argv[1])",
)


def tables(folder: Path) -> list[Path]:
    """The files ``kamlib.load`` reads from ``folder``: one CSV per table of the model."""
    from kamlib._schema import TABLES

    return [folder / f"{t}.csv" for t in TABLES if (folder / f"{t}.csv").is_file()]


def run(code: str, *args: str) -> tuple[float, float, int]:
    r = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    secs, rss_kb, rows = r.stdout.splitlines()[-1].split()
    return float(secs), int(rss_kb) / 1024**2, int(rows)


def best(code: str, args: list[str], repeat: int) -> tuple[float, float, int]:
    runs = [run(code, *args) for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs), runs[0][2]


def measure(folder: Path, repeat: int, careful: bool) -> dict:
    files = [str(f) for f in tables(folder)]
    pandas = best(PANDAS, files, repeat)
    duck = best(DUCKDB, files, repeat)
    kam = best(KAMLIB, [str(folder)], repeat)
    assert pandas[2] == duck[2], "both bare readers must find the same rows"
    bare = min(pandas, duck)  # the faster bare read is the one to be within 3x of
    res = {
        "benchmark": "load",
        "folder": str(folder),
        "files": len(files),
        "CSV (MB)": round(sum(Path(f).stat().st_size for f in files) / 1e6),
        "rows read": pandas[2],
        "rows in the book": kam[2],  # less any row of an unknown account (a warning)
        "machine": machine(),
        "baseline pandas pyarrow read (s)": round(pandas[0], 2),
        "baseline DuckDB read_csv (s)": round(duck[0], 2),
        "kamlib.load (s)": round(kam[0], 2),
        "ratio to the faster bare read": round(kam[0] / bare[0], 2),
        "ratio to pandas": round(kam[0] / pandas[0], 2),
        "peak RSS pandas (GB)": round(pandas[1], 2),
        "peak RSS DuckDB (GB)": round(duck[1], 2),
        "peak RSS kamlib (GB)": round(kam[1], 2),
        "peak ratio to the faster bare read": round(kam[1] / bare[1], 2),
        "goal ratio": 3.0,
        "goal peak ratio": 2.0,
    }
    if careful:
        slow = best(CAREFUL, [str(folder)], 1)
        res["kamlib.load careful only (s)"] = round(slow[0], 2)
        res["peak RSS kamlib careful only (GB)"] = round(slow[1], 2)
    return res


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=20_000)
    ap.add_argument("--folder", help="an existing folder of canonical CSV tables")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--careful", action="store_true", help="also time the careful path")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "load.json"))
    a = ap.parse_args(argv)
    if a.folder:
        return report(measure(Path(a.folder), a.repeat, a.careful), a.out)
    from kamlib.synth import synth, write_sample

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        write_sample(synth(a.accounts, seed=7), tmp)
        gen = time.perf_counter() - t0
        res = measure(Path(tmp), a.repeat, a.careful)
    res["folder"] = f"kam synth --accounts {a.accounts} --seed 7"
    res["generation (s)"] = round(gen, 1)
    return report(res, a.out)


if __name__ == "__main__":
    main()
