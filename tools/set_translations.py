"""Set Chinese translations in the catalogue from a mapping of msgid -> msgstr.

    python tools/set_translations.py TRANSLATIONS.json [--po PO] [--force]

TRANSLATIONS.json maps an English msgid to its translation (a plural message: the
singular msgid, one Chinese form). Only messages already in the catalogue are set (run
``pybabel extract`` / ``update`` first); a translation already there is kept unless
``--force``. A translation whose ``{placeholders}`` differ from the msgid's is refused.
Prints what it set, kept and could not find.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_DEFAULT_PO = Path(__file__).resolve().parents[1] / "kamlib/locale/zh_CN/LC_MESSAGES/kamlib.po"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("translations", type=Path)
    parser.add_argument("--po", type=Path, default=_DEFAULT_PO)
    parser.add_argument("--force", action="store_true", help="replace existing translations")
    args = parser.parse_args()

    wanted: dict[str, str] = json.loads(args.translations.read_text(encoding="utf-8"))
    with args.po.open("rb") as f:
        catalogue = read_po(f, locale="zh_CN")
    by_id = {(m.id[0] if isinstance(m.id, (list, tuple)) else m.id): m for m in catalogue if m.id}
    set_, kept, bad = 0, 0, []
    for msgid, text in wanted.items():
        m = by_id.get(msgid)
        if m is None:
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        if set(_PLACEHOLDER.findall(text)) != set().union(*(_PLACEHOLDER.findall(i) for i in ids)):
            bad.append(msgid)
            continue
        has = any(m.string) if isinstance(m.string, (list, tuple)) else bool(m.string)
        if has and not args.force:
            kept += 1
            continue
        m.string = (text,) if isinstance(m.id, (list, tuple)) else text
        m.flags.discard("fuzzy")
        set_ += 1
    missing = sorted(set(wanted) - set(by_id))
    with args.po.open("wb") as f:
        write_po(f, catalogue, sort_output=True)
    print(f"set {set_}, kept {kept}, not in the catalogue {len(missing)}, refused {len(bad)}")
    for msgid in bad:
        print("  placeholders differ:", msgid, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
