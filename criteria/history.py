"""The last day a commune's or a village's roll-ups refer to (villages.history): a move or a
merger dated on or before it is refused, so every snapshot stays under the commune of its day."""

from __future__ import annotations

from django.db.models import Max, Q
from django.utils.translation import gettext as _

from villages.history import DatedRecord

from .models import RollupRun


def last_rollup(village_ids: list[int], commune_ids: list[int]) -> DatedRecord | None:
    if not (village_ids or commune_ids):
        return None
    condition = Q(commune_id__in=commune_ids) | Q(assessments__village_id__in=village_ids)
    day = (
        RollupRun.objects.filter(condition, status=RollupRun.Status.DONE)
        .aggregate(day=Max("on"))
        .get("day")
    )
    if day is None:
        return None
    return DatedRecord(day, _("the criteria roll-up of %(day)s") % {"day": f"{day:%d/%m/%Y}"})
