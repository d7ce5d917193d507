"""List Vietnamese catalogue entries still untranslated or fuzzy (exit 1 if any)."""

import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
missing = 0
for po_path in sorted(ROOT.glob("**/locale/vi/LC_MESSAGES/*.po")):
    if ".venv" in po_path.parts:
        continue
    po = polib.pofile(str(po_path))
    for entry in po.untranslated_entries() + po.fuzzy_entries():
        missing += 1
        print(f"{po_path.relative_to(ROOT)}:{entry.linenum}: {entry.msgid!r}")
print(f"{missing} entries to translate" if missing else "All Vietnamese entries translated.")
sys.exit(1 if missing else 0)
