"""Vietnamese is the first language: every catalogue is fully translated and compiled."""

from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(p for p in ROOT.glob("**/locale/vi/LC_MESSAGES/*.po") if ".venv" not in p.parts)


def test_catalogues_exist():
    assert any(p.parent.parent.parent.parent == ROOT for p in CATALOGUES)


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogue_is_translated_and_compiled(po_path):
    po = polib.pofile(str(po_path))
    todo = [e.msgid for e in po.untranslated_entries() + po.fuzzy_entries()]
    assert not todo, f"untranslated in {po_path}: {todo[:5]}"
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} missing: run scripts/messages.sh"
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(mo_path))}
    source = {(e.msgctxt, e.msgid): e.msgstr for e in po.translated_entries()}
    stale = {k for k, v in source.items() if compiled.get(k) != v}
    assert not stale, f"{mo_path} is out of date: run scripts/messages.sh ({sorted(stale)[:3]})"
