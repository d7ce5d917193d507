"""The section plates adds to the digital team's follow-up list (digital_teams.panels)."""

from __future__ import annotations

from .models import AddressCorrection


def corrections_panel(village, user) -> dict | None:
    """Open reports from the village's address pages; None when there is none."""
    rows = list(
        AddressCorrection.objects.for_user(user)
        .open()
        .filter(village=village)
        .select_related("address__household")
        .order_by("created_at")[:50]
    )
    if not rows:
        return None
    return {"template": "plates/_followup_corrections.html", "corrections": rows}
