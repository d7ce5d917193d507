"""Read side of the province tier: every commune of a province from the latest snapshots.

A fixed number of queries whatever the number of communes (one per kind of row, never one per
commune). Rows are reached with `for_reader` (core.access: the provincial office reads the
models of PROVINCE_READABLE, never personal data).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q
from django.db.models.functions import TruncQuarter
from django.utils import timezone

from criteria.models import Assessment, CommuneGroup, Criterion, ManualEvidence, RollupRun
from criteria.selectors import choose_period, in_period
from digital_teams.models import SupportActivity
from ocop.models import Product
from villages.models import Commune, CommunePredecessor

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
    # criterion code -> the latest commune-level assessment (value, status: the report)
    cells: dict[str, Assessment] = field(default_factory=dict)
    # set when the commune was merged into another: its figures are history, not counted
    merged_into: CommunePredecessor | None = None

    @property
    def all_met(self) -> bool:
        return self.total > 0 and self.met == self.total


@dataclass
class CriterionLine:
    code: str
    title: str
    met: int = 0
    assessed: int = 0
    criterion: Criterion | None = None


def province_name(code: str) -> str:
    return (
        Commune.objects.filter(province_code=code).values_list("province_name", flat=True).first()
        or code
    )


def readable_commune_ids(user, code: str) -> list[int]:
    """The communes of the province the user may read (one query): the reader's scope in the
    key of the overview's cached part."""
    return list(
        Commune.objects.for_reader(user)
        .filter(province_code=code)
        .order_by("pk")
        .values_list("pk", flat=True)
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
    merged = {
        record.predecessor_id: record
        for record in CommunePredecessor.objects.filter(predecessor_id__in=ids).select_related(
            "successor"
        )
    }
    lines = {
        c.pk: CommuneLine(
            commune=c,
            group=groups.get(c.pk),
            rolled_up_on=rolled.get(c.pk),
            activities=activities.get(c.pk, 0),
            products=products.get(c.pk, 0),
            merged_into=merged.get(c.pk),
        )
        for c in communes
    }
    criteria: dict[str, CriterionLine] = {}
    for a in rows:
        line = lines[a.commune_id]
        line.period = chosen
        crit = criteria.setdefault(
            a.criterion.code,
            CriterionLine(a.criterion.code, a.criterion.title, criterion=a.criterion),
        )
        met = a.met if a.status != Assessment.Status.NO_DATA else None
        line.by_code[a.criterion.code] = met
        line.cells[a.criterion.code] = a
        line.total += 1
        if line.merged_into is None:  # a merged commune's last figures are not today's count
            crit.assessed += 1
        if met:
            line.met += 1
            if line.merged_into is None:
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
        "all_lines": list(lines.values()),
        "set_ids": sorted({a.criterion.criteria_set_id for a in rows}),
        "commune_ids": ids,
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


# --- Trends per quarter ----------------------------------------------------------------------

TREND_QUARTERS = 8


@dataclass
class QuarterLine:
    start: dt.date
    communes: int = 0  # communes with a roll-up in the quarter
    met: int = 0  # criteria met, summed over those communes (their last roll-up of the quarter)
    assessed: int = 0
    all_met: int = 0  # communes meeting every criterion assessed

    @property
    def roman(self) -> str:
        return ("I", "II", "III", "IV")[(self.start.month - 1) // 3]

    @property
    def label(self) -> str:
        """'Quý II/2026' (the way Vietnamese reports name a quarter)."""
        from django.utils.translation import gettext as _

        return _("Q%(number)s/%(year)s") % {"number": self.roman, "year": self.start.year}

    @property
    def short_label(self) -> str:
        """'II/2026' under the chart (its axis is titled "Quarter")."""
        return f"{self.roman}/{self.start.year}"


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_trends(
    user, commune_ids: list[int], set_ids: list[int], *, today: dt.date | None = None
) -> list[QuarterLine]:
    """Per quarter (the last TREND_QUARTERS), from the roll-up snapshots: each commune's last
    done roll-up of the quarter, its commune-level criteria of the shown period met / assessed.
    Two queries whatever the number of communes or roll-ups."""
    today = today or timezone.localdate()
    first = quarter_start(today)
    for _i in range(TREND_QUARTERS - 1):
        first = quarter_start(first - dt.timedelta(days=1))
    if not commune_ids or not set_ids:
        return []
    last_runs = {
        row["last"]: row["quarter"]
        for row in RollupRun.objects.for_reader(user)
        .filter(commune_id__in=commune_ids, status=RollupRun.Status.DONE, on__gte=first)
        .annotate(quarter=TruncQuarter("on"))
        .values("commune_id", "quarter")
        .annotate(last=Max("pk"))
        .order_by()
    }
    quarters: dict[dt.date, QuarterLine] = {}
    day = first
    while day <= today:
        quarters[day] = QuarterLine(day)
        day = quarter_start(day + dt.timedelta(days=93))
    counts = (
        Assessment.objects.for_reader(user)
        .filter(
            run_id__in=list(last_runs), village__isnull=True, criterion__criteria_set__in=set_ids
        )
        .exclude(status=Assessment.Status.NOT_APPLICABLE)
        .values("run_id")
        .annotate(
            assessed=Count("pk"),
            met=Count("pk", filter=Q(met=True) & ~Q(status=Assessment.Status.NO_DATA)),
        )
        .order_by()
    )
    for row in counts:
        quarter = last_runs[row["run_id"]]
        if isinstance(quarter, dt.datetime):
            quarter = quarter.date()
        line = quarters.get(quarter)
        if line is None:
            continue
        line.communes += 1
        line.met += row["met"]
        line.assessed += row["assessed"]
        line.all_met += int(row["assessed"] > 0 and row["met"] == row["assessed"])
    return list(quarters.values())


def trend_chart(quarters: list[QuarterLine]):
    """Share of criteria met and share of communes meeting every criterion, per quarter."""
    from django.utils.translation import gettext as _

    from core.charts import Series, line_chart

    if not any(q.communes for q in quarters):
        return None
    met = [100 * q.met / q.assessed if q.assessed else None for q in quarters]
    every = [100 * q.all_met / q.communes if q.communes else None for q in quarters]
    return line_chart(
        [Series(_("Criteria met"), met), Series(_("Communes meeting every criterion"), every)],
        labels=[q.short_label for q in quarters],
        percent=True,
        y_max=100,
        title=_("Criteria met in the province, by quarter"),
        x_title=_("Quarter"),
    )


# --- Map ---------------------------------------------------------------------------------------

POSITION_CACHE_SECONDS = 600


def commune_positions(user, commune_ids: list[int]) -> dict[int, tuple[float, float]]:
    """Each commune's point on the province map: the mean of its villages' points, a village's
    point being the mean of its households' digital addresses. Only these averages leave the
    database, and only for villages with at least criteria.privacy.SMALL_COUNT addresses (a
    mean of fewer could point at a household); rounded to 0.001° (about 100 m). The villages
    are those core.access lets the user read; no address row reaches the page. One query,
    cached per set of communes for POSITION_CACHE_SECONDS (addresses change slowly)."""
    from django.core.cache import cache
    from django.db.models import Avg

    from criteria.privacy import SMALL_COUNT
    from households.models import DigitalAddress
    from villages.models import Village

    village_ids = list(
        Village.objects.for_reader(user)
        .filter(commune_id__in=commune_ids)
        .values_list("pk", flat=True)
    )
    ids = ",".join(str(pk) for pk in sorted(village_ids))
    key = "provinces:positions:" + hashlib.sha256(ids.encode()).hexdigest()[:32]
    cached = cache.get(key)
    if cached is not None:
        return {int(k): tuple(v) for k, v in cached.items()}
    per_commune: dict[int, list[tuple[float, float]]] = {}
    rows = (
        DigitalAddress.objects.filter(household__village_id__in=village_ids)
        .values("household__village_id", "household__village__commune_id")
        .annotate(lat=Avg("latitude"), lon=Avg("longitude"), n=Count("pk"))
        .order_by()
    )
    for row in rows:
        if row["n"] < SMALL_COUNT or row["lat"] is None:
            continue
        per_commune.setdefault(row["household__village__commune_id"], []).append(
            (float(row["lat"]), float(row["lon"]))
        )
    positions = {
        commune_id: (
            round(sum(p[0] for p in points) / len(points), 3),
            round(sum(p[1] for p in points) / len(points), 3),
        )
        for commune_id, points in per_commune.items()
    }
    cache.set(key, {str(k): list(v) for k, v in positions.items()}, POSITION_CACHE_SECONDS)
    return positions


# --- The province's documents -------------------------------------------------------------------


def report_rows(data: dict) -> list[tuple[CommuneLine, list]]:
    """Each commune line with its cells in the criteria's order: [(CriterionLine, Assessment
    or None)] (the communes x criteria table of the province summary)."""
    return [
        (line, [(c, line.cells.get(c.code)) for c in data["criteria"]]) for line in data["lines"]
    ]


def place_name(name: str) -> str:
    """'Tỉnh Quảng Ninh' -> 'Quảng Ninh' for the place and date line of an official document."""
    for unit in ("Tỉnh ", "Thành phố "):
        if name.startswith(unit):
            return name[len(unit) :]
    return name


def office_name(name: str) -> str:
    """The issuing office: 'Văn phòng Điều phối nông thôn mới tỉnh Quảng Ninh'."""
    from django.utils.translation import gettext as _

    return _("NTM coordination office of %(province)s") % {"province": inline_name(name)}


def inline_name(name: str) -> str:
    """'Tỉnh Quảng Ninh' -> 'tỉnh Quảng Ninh' inside a sentence."""
    return name[:1].lower() + name[1:] if name.startswith(("Tỉnh ", "Thành phố ")) else name
