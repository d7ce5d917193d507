"""The administrative history of a commune or a village, on the pages that name it:
predecessors (code, name, last day), the commune it was merged into, villages moved in or out.
No query for a unit with no change recorded (Commune.unit_changes)."""

from __future__ import annotations

from django import template
from django.db.models import Q

from villages.models import Commune, CommunePredecessor, Village, VillageAffiliation

register = template.Library()


@register.inclusion_tag("villages/_commune_history.html")
def commune_history(commune: Commune) -> dict:
    context = {"commune": commune, "former": bool(commune.former_code or commune.former_name)}
    if not commune.unit_changes:
        return context
    records = list(
        CommunePredecessor.objects.filter(Q(successor=commune) | Q(predecessor=commune))
        .select_related("successor")
        .order_by("-until", "code")
    )
    moved = list(
        VillageAffiliation.objects.filter(commune=commune)
        .filter(Q(valid_from__isnull=False) | Q(valid_until__isnull=False))
        .select_related("village__commune")
        .order_by("valid_from", "valid_until", "code")
    )
    context.update(
        predecessors=[r for r in records if r.successor_id == commune.pk],
        merged_into=next((r for r in records if r.predecessor_id == commune.pk), None),
        moved_in=[a for a in moved if a.valid_from is not None],
        moved_out=[a for a in moved if a.valid_until is not None],
    )
    return context


@register.inclusion_tag("villages/_village_history.html")
def village_history(village: Village) -> dict:
    if not village.commune.unit_changes:
        return {}
    return {
        "village": village,
        "earlier": list(
            village.affiliations.filter(valid_until__isnull=False)
            .select_related("commune")
            .order_by("-valid_until")
        ),
    }
