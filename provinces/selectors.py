"""Read side of the province tier: every commune of a province from the latest snapshots.

A fixed number of queries whatever the number of communes (one per kind of row, never one per
commune). Rows are reached with `for_reader` (core.access: the provincial office reads the
models of PROVINCE_READABLE, never personal data).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Max
from django.utils import timezone

from criteria.models import Assessment, CommuneGroup, ManualEvidence, RollupRun
from criteria.selectors import choose_period, in_period
from digital_teams.models import SupportActivity
from ocop.models import Product
from villages.models import Commune

SORTS = {"code", "name", "group", "met", "date"}
ACTIVITY_DAYS = 90


@dataclass
class CommuneLine:
    commune: Commune
    period: str | None = None
    group: int | None = None
    met: int = 0
    total: int = 0
    rolled_up_on: dt.date | None = None
    activities: int = 0
    products: int = 0
    # criterion code -> met (True / False / None = no data)
    by_code: dict[str, bool | None] = field(default_factory=dict)

    @property
    def all_met(self) -> bool:
        return self.total > 0 and self.met == self.total


@dataclass
class CriterionLine:
    code: str
    title: str
    met: int = 0
    assessed: int = 0


def province_name(code: str) -> str:
    return (
        Commune.objects.filter(province_code=code).values_list("province_name", flat=True).first()
        or code
    )


def province_overview(
    user,
    code: str,
    *,
    period: str | None = None,
    group: str = "",
    status: str = "",
    criterion: str = "",
    sort: str = "code",
    today: dt.date | None = None,
) -> dict:
    """Lines for every commune of the province the user may read, filtered and sorted, with
    the number of communes meeting each criterion (of the communes shown before filtering)."""
    today = today or timezone.localdate()
    communes = list(Commune.objects.for_reader(user).filter(province_code=code).order_by("code"))
    ids = [c.pk for c in communes]
    rows = list(
        Assessment.objects.for_reader(user)
        .filter(commune_id__in=ids, latest=True, village__isnull=True)
        .exclude(status=Assessment.Status.NOT_APPLICABLE)
        .select_related("criterion__criteria_set")
        .order_by("criterion__criteria_set__code", "criterion__order")
    )
    chosen, periods = choose_period(rows, period)
    rows = [a for a in rows if in_period(a.criterion.criteria_set, chosen)]
    groups = {
        commune_id: g
        for commune_id, g in CommuneGroup.objects.for_reader(user)
        .filter(commune_id__in=ids, period=chosen or "")
        .values_list("commune_id", "group")
    }
    rolled = dict(
        RollupRun.objects.for_reader(user)
        .filter(commune_id__in=ids, status=RollupRun.Status.DONE)
        .values("commune_id")
        .annotate(last=Max("on"))
        .values_list("commune_id", "last")
    )
    activities = dict(
        SupportActivity.objects.for_reader(user)
        .filter(
            team__village__commune_id__in=ids,
            date__gt=today - dt.timedelta(days=ACTIVITY_DAYS),
        )
        .values("team__village__commune_id")
        .annotate(n=Count("pk"))
        .values_list("team__village__commune_id", "n")
    )
    products = dict(
        Product.objects.for_reader(user)
        .filter(producer__village__commune_id__in=ids)
        .values("producer__village__commune_id")
        .annotate(n=Count("pk"))
        .values_list("producer__village__commune_id", "n")
    )
    lines = {
        c.pk: CommuneLine(
            commune=c,
            group=groups.get(c.pk),
            rolled_up_on=rolled.get(c.pk),
            activities=activities.get(c.pk, 0),
            products=products.get(c.pk, 0),
        )
        for c in communes
    }
    criteria: dict[str, CriterionLine] = {}
    for a in rows:
        line = lines[a.commune_id]
        line.period = chosen
        crit = criteria.setdefault(
            a.criterion.code, CriterionLine(a.criterion.code, a.criterion.title)
        )
        met = a.met if a.status != Assessment.Status.NO_DATA else None
        line.by_code[a.criterion.code] = met
        line.total += 1
        crit.assessed += 1
        if met:
            line.met += 1
            crit.met += 1
    shown = list(lines.values())
    if group in {"1", "2", "3"}:
        shown = [line for line in shown if line.group == int(group)]
    elif group == "none":
        shown = [line for line in shown if line.group is None]
    if criterion and criterion in criteria:
        if status == "met":
            shown = [line for line in shown if line.by_code.get(criterion) is True]
        elif status == "not_met":
            shown = [line for line in shown if line.by_code.get(criterion) is not True]
    elif status == "met":
        shown = [line for line in shown if line.all_met]
    elif status == "not_met":
        shown = [line for line in shown if not line.all_met]
    sort = sort if sort in SORTS else "code"
    keys = {
        "code": lambda line: line.commune.code,
        "name": lambda line: line.commune.name,
        "group": lambda line: (line.group is None, line.group or 0, line.commune.code),
        "met": lambda line: (-line.met, line.commune.code),
        "date": lambda line: (line.rolled_up_on is None, line.rolled_up_on or today),
    }
    shown.sort(key=keys[sort])
    if sort == "date":
        dated = [line for line in shown if line.rolled_up_on]
        shown = sorted(dated, key=lambda line: line.rolled_up_on, reverse=True) + [
            line for line in shown if not line.rolled_up_on
        ]
    return {
        "lines": shown,
        "communes": len(communes),
        "criteria": list(criteria.values()),
        "period": chosen,
        "periods": periods,
        "groups": CommuneGroup.Group.choices,
    }


def commune_for_province(user, code: str, commune_code: str) -> Commune | None:
    return Commune.objects.for_reader(user).filter(province_code=code, code=commune_code).first()


def evidence_summary(user, commune: Commune) -> list:
    """Evidence entered by the commune: criterion, option, reference and date (no notes, no
    file links: the files stay with the commune's officials)."""
    return list(
        ManualEvidence.objects.for_reader(user)
        .filter(commune=commune)
        .select_related("criterion")
        .only("criterion__code", "criterion__title", "option", "reference", "entered_at")
        .order_by("criterion__code", "-entered_at")
    )
