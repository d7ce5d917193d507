"""Fill Vietnamese translations from a JSON file {msgid: msgstr} into every catalogue.

Usage: python scripts/po_fill.py translations.json [APP_OR_DIR ...]
Only catalogues under the given app folders (default: all) are touched; only empty or fuzzy
entries are filled; existing translations are kept. The .mo is recompiled.
"""

import json
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
table = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
only = [(ROOT / name).resolve() for name in sys.argv[2:]]
for po_path in sorted(ROOT.glob("**/locale/vi/LC_MESSAGES/*.po")):
    if ".venv" in po_path.parts:
        continue
    if only and not any(base in po_path.resolve().parents for base in only):
        continue
    po = polib.pofile(str(po_path))
    changed = 0
    for entry in po:
        if entry.msgid in table and (not entry.msgstr or entry.fuzzy):
            entry.msgstr = table[entry.msgid]
            if entry.fuzzy:
                entry.flags.remove("fuzzy")
            changed += 1
    if changed:
        po.save()
        po.save_as_mofile(str(po_path.with_suffix(".mo")))
        print(f"{po_path.relative_to(ROOT)}: {changed} filled")
