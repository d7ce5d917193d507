"""Extra sections of the follow-up list, registered by apps above digital_teams.

An app whose tasks belong to a village's digital team (address corrections sent from a plate's
public page, plates/) registers `fn(village, user) -> dict | None` at start-up; the follow-up
list shows each returned section (template, context) on top. digital_teams never imports those
apps (tests/architecture/test_imports.py).
"""

from __future__ import annotations

from collections.abc import Callable

_PANELS: dict[str, Callable] = {}


def register(name: str, panel: Callable) -> None:
    _PANELS[name] = panel


def panels_for(village, user) -> list[dict]:
    """The sections to show for this village: each {"template": ..., **context}."""
    found = []
    for panel in _PANELS.values():
        section = panel(village, user)
        if section:
            found.append(section)
    return found
