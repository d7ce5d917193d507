"""Compile every Vietnamese catalogue (<app>/locale/vi/LC_MESSAGES/*.po) into its .mo.

The .mo files are build products, not kept in git: `make run`, `make test`, `.ci/run` and a
deployment (scripts/smoke.sh, deploy/) run this first. It uses polib, so no GNU gettext is
needed on the machine; only catalogues whose .po is newer than their .mo are rewritten.

Usage: python scripts/compile_messages.py [--force]
"""

import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".venv", "venv", "node_modules", "staticfiles"}


def catalogues():
    for po_path in sorted(ROOT.glob("**/locale/vi/LC_MESSAGES/*.po")):
        if not SKIP.intersection(po_path.relative_to(ROOT).parts):
            yield po_path


def main(force: bool = False) -> int:
    compiled = 0
    for po_path in catalogues():
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        po = polib.pofile(str(po_path))
        tmp = mo_path.with_suffix(".mo.tmp")
        po.save_as_mofile(str(tmp))
        tmp.replace(mo_path)  # a running process never reads a half-written catalogue
        compiled += 1
    if compiled:
        print(f"translations: {compiled} catalogue(s) compiled")
    return 0


if __name__ == "__main__":
    sys.exit(main(force="--force" in sys.argv[1:]))
