"""Words a reader sees that are not in the report's language.

    python tools/text_audit.py REPORTS_DIR --lang zh [--data DATA] [--mapping M]

Reads every report.html, index.html and tables.xlsx under REPORTS_DIR and prints each
foreign word with the line it is in (names from the data are allowed: pass the data the
reports were built from). Exit status 1 when any is found. The same rules as the edition
tests (tests/textcheck.py).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.textcheck import data_names, foreign, html_text, workbook_text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", type=Path)
    parser.add_argument("--lang", choices=["en", "zh"], required=True)
    parser.add_argument("--data", default=None, help="data the reports were built from")
    parser.add_argument("--mapping", default=None)
    parser.add_argument("--limit", type=int, default=400, help="lines shown per file")
    args = parser.parse_args()

    import kamlib

    book = kamlib.load(args.data, mapping=args.mapping) if args.data else kamlib.load()
    names = data_names(book)
    total = 0
    files = sorted(args.reports.rglob("*.html")) + sorted(args.reports.rglob("*.xlsx"))
    for path in files:
        lines = workbook_text(path) if path.suffix == ".xlsx" else html_text(path)
        found = foreign(lines, args.lang, names)
        if not found:
            continue
        total += len(found)
        words = Counter(w for w, _ in found)
        print(
            f"\n== {path} : {len(found)} foreign words; most common: "
            + ", ".join(f"{w}×{n}" for w, n in words.most_common(15))
        )
        seen: set[str] = set()
        for _, line in found:
            if line not in seen and len(seen) < args.limit:
                seen.add(line)
                print("   ", line[:200])
    print(f"\n{total} foreign words in {len(files)} files")
    return 1 if total else 0


if __name__ == "__main__":
    raise SystemExit(main())
