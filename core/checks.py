"""System checks: private files must not lie in MEDIA_ROOT (where nginx serves them)."""

from __future__ import annotations

from django.core.checks import Warning, register


@register()
def private_files_in_public_root(app_configs=None, **kwargs):
    from core.files import legacy_public_files

    found = legacy_public_files()
    if not found:
        return []
    return [
        Warning(
            f"{len(found)} private file(s) (imports, evidence, label sheets) are still in "
            "MEDIA_ROOT, where they can be downloaded by URL.",
            hint="Run `python manage.py move_private_files --apply` (docs/security.md).",
            id="core.W001",
        )
    ]
