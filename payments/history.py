"""The last month a commune's or a village's cashless reports cover (villages.history): a move
or a merger dated within or before it is refused, so each report stays under its commune."""

from __future__ import annotations

import calendar
import datetime as dt

from django.db.models import Max, Q
from django.utils.translation import gettext as _

from villages.history import DatedRecord

from .models import CashlessReport


def last_report(village_ids: list[int], commune_ids: list[int]) -> DatedRecord | None:
    if not (village_ids or commune_ids):
        return None
    condition = Q(village_id__in=village_ids) | Q(commune_id__in=commune_ids, village__isnull=True)
    month = CashlessReport.objects.filter(condition).aggregate(m=Max("period"))["m"]
    if month is None:
        return None
    last_day = dt.date(month.year, month.month, calendar.monthrange(month.year, month.month)[1])
    return DatedRecord(
        last_day,
        _("the cashless payment report of %(month)s") % {"month": f"{month:%m/%Y}"},
    )
