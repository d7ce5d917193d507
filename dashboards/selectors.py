"""Read-side of the dashboards: figures from the criteria roll-up snapshots, never from residents.

Every function here runs a fixed number of queries whatever the number of residents,
households or villages (tests/dashboards/test_queries.py). A figure on any page is a `Figure`
built by `figure_from_assessment` (or `combined_figure` for a commune-wide figure) and printed
by the one partial `dashboards/_figure.html`, so the same figure never differs between pages.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from core.charts import ChartSpec, Series, bar_chart, line_chart
from criteria import indicators
from criteria.formatting import format_requirement
from criteria.indicators import Result, village_meets_set
from criteria.models import Assessment, CriteriaSet, Criterion, RollupRun
from criteria.services import moves_most, village_progress
from villages.models import Commune, Village, VillageAsset

# The digital-citizen figures residents look for first (indicator keys of the criteria registry).
CITIZEN_KEYS = (
    "vneid_level2",
    "adults_epayment",
    "adults_smartphone",
    "households_digital_address",
)
# Short names for chart legends (the full titles are in the figures and the data table).
SHORT_NAMES = {
    "vneid_level2": pgettext_lazy("short name", "VNeID level 2"),
    "adults_epayment": pgettext_lazy("short name", "E-payment"),
    "adults_smartphone": pgettext_lazy("short name", "Smartphone"),
    "households_digital_address": pgettext_lazy("short name", "Digital address"),
}
ASSET_KINDS = (
    VillageAsset.Kind.WIFI,
    VillageAsset.Kind.CAMERA,
    VillageAsset.Kind.LOUDSPEAKER,
    VillageAsset.Kind.COMPUTER,
)
TREND_RUNS = 12
TREND_MONTHS = 12
SMALL_COUNT = 5  # counts below this are shown as "< 5" on public pages


# --- Figures --------------------------------------------------------------------------------------


# Figures that count things, not people or households: shown even when small.
NOT_ABOUT_PEOPLE = {
    "wifi_cultural_house",
    "cameras_connected",
    "cameras_connected_share",
    "digital_team_active",
    "ocop_products_estamp",
    "villages_meeting_smart_set",
}


@dataclass(frozen=True)
class Figure:
    """One figure and what explains it: value, numerator, denominator, definition, time."""

    code: str
    label: str
    unit: str
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    status: str
    target: Decimal | None
    comparator: str
    requirement: str
    definition: str  # the indicator's definition (registry), translated
    help_text: str  # the criterion's definition (catalogue, edited by officials)
    computed_at: dt.datetime | None
    change: Decimal | None = None  # since the previous roll-up (percentage points or units)
    indicator_key: str = ""

    @property
    def is_percent(self) -> bool:
        return self.unit == Criterion.Unit.PERCENT

    @property
    def status_label(self) -> str:
        try:
            return str(Assessment.Status(self.status).label)
        except ValueError:
            return str(Assessment.Status.NO_DATA.label)

    @property
    def met(self) -> bool:
        return self.status == Assessment.Status.MET

    @property
    def about_people(self) -> bool:
        """Counts of people or households can point at someone; counts of wifi spots, cameras
        or OCOP products cannot, so only the former are suppressed when small."""
        return self.indicator_key not in NOT_ABOUT_PEOPLE

    @property
    def too_few(self) -> bool:
        """A percentage of fewer than 5 people or households is not shown on public pages."""
        return (
            self.about_people
            and self.is_percent
            and self.denominator is not None
            and 0 < self.denominator < SMALL_COUNT
        )

    @property
    def progress(self) -> int:
        """How far the value is toward its threshold, 0-100 in steps of 5 (CSS width classes)."""
        if self.status == Assessment.Status.MET:
            return 100
        if self.value is None:
            return 0
        value = Decimal(self.value)
        if self.comparator == Criterion.Comparator.BOOL or self.target is None:
            share = Decimal(100) if value else Decimal(0)
        elif self.comparator == Criterion.Comparator.LTE:
            share = Decimal(100) if value <= self.target else self.target * 100 / value
        elif self.target:
            share = value * 100 / self.target
        else:
            share = Decimal(100)
        # Floor: a bar reaches 100 % only when the figure is met.
        return max(0, min(95, int(math.floor(float(share) / 5.0)) * 5))


def figure_from_assessment(a: Assessment, *, change: Decimal | None = None) -> Figure:
    criterion = a.criterion
    item = indicators.get(criterion.indicator_key)
    return Figure(
        code=criterion.code,
        indicator_key=criterion.indicator_key,
        label=criterion.title,
        unit=criterion.unit,
        value=a.value,
        numerator=a.numerator,
        denominator=a.denominator,
        status=a.status,
        target=criterion.target,
        comparator=criterion.comparator,
        requirement=format_requirement(criterion),
        definition=str(item.definition) if item else "",
        help_text=criterion.help_text,
        computed_at=a.computed_at,
        change=change,
    )


def combined_figure(
    criterion: Criterion, rows: list[Assessment], *, previous: list[Assessment] | None = None
) -> Figure:
    """A commune-wide figure from its villages' snapshots, combined as the roll-up does."""
    result = _combine(criterion, rows)
    change = None
    if previous:
        before = _combine(criterion, previous)
        if result.value is not None and before.value is not None:
            change = Decimal(result.value) - Decimal(before.value)
    item = indicators.get(criterion.indicator_key)
    status = Assessment.Status.NO_DATA
    met = criterion.is_met(result.value)
    if not result.applicable:
        status = Assessment.Status.NOT_APPLICABLE
    elif met is not None:
        status = Assessment.Status.MET if met else Assessment.Status.NOT_MET
    definition = str(item.definition) if item else ""
    if definition:
        definition = _(
            "%(definition)s Commune figure: the villages' numerators and denominators added up."
        ) % {"definition": definition}
    return Figure(
        code=criterion.code,
        indicator_key=criterion.indicator_key,
        label=criterion.title,
        unit=criterion.unit,
        value=result.value,
        numerator=_decimal(result.numerator),
        denominator=_decimal(result.denominator),
        status=status,
        target=criterion.target,
        comparator=criterion.comparator,
        requirement=format_requirement(criterion),
        definition=definition,
        help_text=criterion.help_text,
        computed_at=rows[0].computed_at if rows else None,
        change=change,
    )


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def _combine(criterion: Criterion, rows: list[Assessment]) -> Result:
    results = [
        Result(a.value, a.numerator, a.denominator, a.status != Assessment.Status.NOT_APPLICABLE)
        for a in rows
    ]
    item = indicators.get(criterion.indicator_key)
    if item is not None:
        return item.combine(results)
    results = [r for r in results if r.numerator is not None]
    if not results:
        return indicators.NO_DATA
    num = sum(Decimal(r.numerator or 0) for r in results)
    den = sum(Decimal(r.denominator or 0) for r in results)
    return Result.ratio(num, den) if criterion.unit == "percent" else Result(num, num, den or None)


# --- Public village dashboard ---------------------------------------------------------------------


def latest_run_subquery(commune_field: str = "commune_id") -> Subquery:
    return Subquery(
        RollupRun.objects.filter(commune_id=OuterRef(commune_field), status=RollupRun.Status.DONE)
        .order_by("-started_at", "-id")
        .values("id")[:1]
    )


def village_for_public(code: str) -> Village | None:
    """The village with its commune and the id of its commune's latest roll-up (one query)."""
    return (
        Village.objects.select_related("commune")
        .annotate(latest_run_id=latest_run_subquery("commune_id"))
        .filter(code=code)
        .first()
    )


@dataclass
class SetSummary:
    criteria_set: CriteriaSet
    figures: list[Figure] = field(default_factory=list)
    progress: Decimal | None = None
    meets: bool = False

    others: list[Figure] = field(default_factory=list)  # not among the digital-citizen figures

    @property
    def met_count(self) -> int:
        return sum(1 for f in self.figures if f.met)


def village_public(village: Village, *, today: dt.date | None = None) -> dict:
    """Everything the public village page shows, in 5 queries (aggregates only, no persons)."""
    today = today or timezone.localdate()
    rows = list(
        Assessment.objects.filter(village=village, latest=True)
        .select_related("criterion", "criterion__criteria_set")
        .order_by("criterion__criteria_set__code", "criterion__order", "criterion__code")
    )
    sets: dict[int, SetSummary] = {}
    by_key: dict[str, Figure] = {}
    for a in rows:
        summary = sets.setdefault(
            a.criterion.criteria_set_id, SetSummary(criteria_set=a.criterion.criteria_set)
        )
        figure = figure_from_assessment(a)
        summary.figures.append(figure)
        if a.criterion.indicator_key and a.criterion.indicator_key not in by_key:
            by_key[a.criterion.indicator_key] = figure
    citizen = [by_key[key] for key in CITIZEN_KEYS if key in by_key]
    for summary in sets.values():
        summary.others = [f for f in summary.figures if f not in citizen]
        set_rows = [a for a in rows if a.criterion.criteria_set_id == summary.criteria_set.pk]
        summary.progress = village_progress(set_rows)
        summary.meets = village_meets_set(a.status for a in set_rows)
    return {
        "computed_at": rows[0].computed_at if rows else None,
        "sets": list(sets.values()),
        "citizen": citizen,
        "team": team_members(village, today=today),
        "assets": asset_counts(village),
        "products": village_products(village),
        "cashless": village_cashless(village, today=today),
    }


def team_members(village: Village, *, today: dt.date) -> list[dict]:
    """Active members' names and positions (public officials' information); never phones."""
    from digital_teams.models import TeamMember

    rows = (
        TeamMember.objects.filter(team__village=village)
        .active(today)
        .order_by("role", "full_name")
        .values("full_name", "position", "role")
    )
    positions = dict(TeamMember.Position.choices)
    roles = dict(TeamMember.Role.choices)
    return [
        {
            "full_name": r["full_name"],
            "position": positions.get(r["position"], ""),
            "role": roles.get(r["role"], ""),
            "leader": r["role"] == TeamMember.Role.LEADER,
        }
        for r in rows
    ]


def asset_counts(village: Village) -> list[dict]:
    found = {
        r["kind"]: r
        for r in VillageAsset.objects.filter(village=village)
        .order_by()
        .values("kind")
        .annotate(
            total=Count("pk"), working=Count("pk", filter=Q(status=VillageAsset.Status.WORKING))
        )
    }
    labels = dict(VillageAsset.Kind.choices)
    return [
        {
            "kind": kind,
            "label": labels[kind],
            "total": found.get(kind, {}).get("total", 0),
            "working": found.get(kind, {}).get("working", 0),
        }
        for kind in ASSET_KINDS
    ]


def village_products(village: Village) -> list[dict]:
    """The village's published OCOP products (no producer names: a producer may be a person)."""
    from ocop.models import Product, ProductGroup

    groups = dict(ProductGroup.choices)
    return [
        {**r, "group_label": groups.get(r["group"], ""), "star_symbols": "★" * r["stars"]}
        for r in Product.objects.published()
        .in_village(village)
        .order_by("-stars", "name")
        .values("pk", "name", "stars", "group")
    ]


def _months(end: dt.date, count: int) -> list[dt.date]:
    first = end.replace(day=1)
    out = []
    for i in range(count - 1, -1, -1):
        index = first.year * 12 + first.month - 1 - i
        out.append(dt.date(index // 12, index % 12 + 1, 1))
    return out


def village_cashless(village: Village, *, today: dt.date) -> dict | None:
    """Cashless trend by payers from the village's own reports (None when it has none)."""
    from payments.models import CashlessReport, Category

    months = _months(today, TREND_MONTHS)
    rows = list(
        CashlessReport.objects.filter(village=village, period__gte=months[0], period__lte=today)
        .order_by("period")
        .values("period", "category", "payers_total", "payers_cashless")
    )
    if not rows:
        return None
    return _cashless_chart(rows, months, labels=dict(Category.choices), public=True)


def _cashless_chart(rows, months, *, labels: dict, public: bool) -> dict:
    by_category: dict[str, dict[dt.date, dict]] = defaultdict(dict)
    for r in rows:
        by_category[r["category"]][r["period"]] = r
    # At most 3 categories (the legend stays readable): those with the most months reported.
    order = list(labels)
    chosen = sorted(by_category, key=lambda c: (-len(by_category[c]), order.index(c)))[:3]
    chosen.sort(key=order.index)
    series, latest = [], []
    for category in chosen:
        values = []
        for m in months:
            r = by_category[category].get(m)
            if r is None or not r["payers_total"] or (public and r["payers_total"] < SMALL_COUNT):
                values.append(None)
            else:
                values.append(Decimal(r["payers_cashless"]) * 100 / Decimal(r["payers_total"]))
        series.append(Series(str(labels[category]), values))
        last = by_category[category][max(by_category[category])]
        latest.append({"label": labels[category], **last})
    chart = line_chart(
        series,
        labels=[f"{m:%m/%Y}" for m in months],
        percent=True,
        title=_("Bills paid cashless (share of payers)"),
        x_title=_("Month"),
    )
    return {"chart": chart, "latest": latest}


# --- Officials' dashboard -------------------------------------------------------------------------


def communes_for_official(user) -> list[Commune]:
    """The communes a user is an official of (superuser: every commune with villages)."""
    from core.access import scope_for

    scope = scope_for(user)
    qs = Commune.objects.filter(villages__isnull=False).distinct().order_by("code")
    if not scope.superuser:
        qs = qs.filter(pk__in=scope.official_commune_ids)
    return list(qs)


@dataclass
class VillageLine:
    village: Village
    progress: Decimal | None
    meets: bool
    citizen: list[Figure | None]


def commune_dashboard(commune: Commune, *, today: dt.date | None = None) -> dict:
    """KPIs with changes, per-village and over-time charts, moves, activity, payments, scans."""
    today = today or timezone.localdate()
    runs = list(
        RollupRun.objects.filter(commune=commune, status=RollupRun.Status.DONE).order_by(
            "-started_at", "-id"
        )[:TREND_RUNS]
    )
    latest = runs[0] if runs else None
    previous = runs[1] if len(runs) > 1 else None
    rows = list(
        Assessment.objects.filter(
            commune=commune, run_id__in=[r.pk for r in runs[:2]], village__isnull=False
        )
        .select_related("criterion", "criterion__criteria_set", "village")
        .order_by("criterion__criteria_set__code", "criterion__order", "village__number")
    )
    now_rows = [a for a in rows if latest and a.run_id == latest.pk]
    before_rows = [a for a in rows if previous and a.run_id == previous.pk]
    villages = list(Village.objects.filter(commune=commune).order_by("number"))

    # The main village-level set: the one with the most criteria in the latest run.
    sets: dict[str, list[Assessment]] = defaultdict(list)
    for a in now_rows:
        sets[a.criterion.criteria_set.code].append(a)
    main_code = max(sets, key=lambda c: len({a.criterion_id for a in sets[c]}), default=None)
    main_rows = sets.get(main_code, [])
    main_before = [a for a in before_rows if a.criterion.criteria_set.code == main_code]

    kpis = _kpis(main_rows, main_before, villages)
    lines = _village_lines(main_rows, villages)
    return {
        "latest_run": latest,
        "previous_run": previous,
        "criteria_set": main_rows[0].criterion.criteria_set if main_rows else None,
        "computed_at": latest.finished_at or latest.started_at if latest else None,
        **kpis,
        "villages": lines,
        "progress_chart": _progress_chart(lines),
        "trend_chart": _trend_chart(commune, runs, main_code),
        "moves_most": moves_most(now_rows, limit=8),
        "activity": _activity(commune, today),
        "cashless": _commune_cashless(commune, today),
        "scans": _scans(commune, today),
    }


def _by_criterion(rows: list[Assessment]) -> dict[str, list[Assessment]]:
    out: dict[str, list[Assessment]] = defaultdict(list)
    for a in rows:
        out[a.criterion.code].append(a)
    return out


def _meeting(rows: list[Assessment]) -> int | None:
    statuses: dict[int, list[str]] = defaultdict(list)
    for a in rows:
        statuses[a.village_id].append(a.status)
    if not statuses:
        return None
    return sum(1 for s in statuses.values() if village_meets_set(s))


def _kpis(rows, before, villages) -> dict:
    now_by, before_by = _by_criterion(rows), _by_criterion(before)
    criteria: list[Criterion] = []
    for a in rows:
        if a.criterion not in criteria:
            criteria.append(a.criterion)
    figures = [combined_figure(c, now_by[c.code], previous=before_by.get(c.code)) for c in criteria]
    citizen = [f for key in CITIZEN_KEYS for c, f in zip(criteria, figures, strict=True)
               if c.indicator_key == key]  # fmt: skip
    meeting_now, meeting_before = _meeting(rows), _meeting(before)
    return {
        "kpi_citizen": citizen,
        "kpi_all": figures,
        "meeting": meeting_now,
        "meeting_change": (
            meeting_now - meeting_before
            if meeting_now is not None and meeting_before is not None
            else None
        ),
        "village_count": len(villages),
        "short_names": [SHORT_NAMES[k] for k in CITIZEN_KEYS],
    }


def _village_lines(rows, villages) -> list[VillageLine]:
    per_village: dict[int, list[Assessment]] = defaultdict(list)
    for a in rows:
        per_village[a.village_id].append(a)
    lines = []
    for village in villages:
        vrows = per_village.get(village.pk, [])
        by_key = {a.criterion.indicator_key: a for a in vrows}
        lines.append(
            VillageLine(
                village=village,
                progress=village_progress(vrows) if vrows else None,
                meets=village_meets_set(a.status for a in vrows),
                citizen=[
                    figure_from_assessment(by_key[k]) if k in by_key else None for k in CITIZEN_KEYS
                ],
            )
        )
    return lines


def _progress_chart(lines: list[VillageLine]) -> ChartSpec | None:
    if not any(line.progress is not None for line in lines):
        return None
    return bar_chart(
        [Series(_("Criteria met"), [line.progress for line in lines])],
        labels=[f"{line.village.number:02d}" for line in lines],
        percent=True,
        title=_("Smart-village progress by village (village number)"),
        x_title=_("Village"),
    )


def _trend_chart(commune: Commune, runs: list[RollupRun], set_code: str | None):
    if len(runs) < 1 or set_code is None:
        return None
    runs = list(reversed(runs))
    rows = (
        Assessment.objects.filter(
            commune=commune,
            run_id__in=[r.pk for r in runs],
            village__isnull=False,
            criterion__criteria_set__code=set_code,
            criterion__indicator_key__in=CITIZEN_KEYS,
        )
        .order_by()
        .values("run_id", "criterion__indicator_key")
        .annotate(num=Sum("numerator"), den=Sum("denominator"))
    )
    found = {(r["run_id"], r["criterion__indicator_key"]): r for r in rows}
    series = []
    for key in CITIZEN_KEYS:
        values = []
        for run in runs:
            r = found.get((run.pk, key))
            values.append(Result.ratio(r["num"], r["den"]).value if r and r["den"] else None)
        if any(v is not None for v in values):
            series.append(Series(str(SHORT_NAMES[key]), values))
    if not series:
        return None
    labels = [timezone.localtime(r.started_at).strftime("%d/%m") for r in runs]
    if len(set(labels)) < len(labels):  # several roll-ups a day: tell them apart
        labels = [timezone.localtime(r.started_at).strftime("%H:%M") for r in runs]
    return line_chart(
        series,
        labels=labels,
        percent=True,
        title=_("Digital citizens in the commune, by roll-up"),
        x_title=_("Roll-up"),
    )


def _activity(commune: Commune, today: dt.date) -> dict | None:
    from digital_teams.models import SupportActivity

    months = _months(today, TREND_MONTHS)
    rows = {
        r["month"]: r
        for r in SupportActivity.objects.filter(
            team__village__commune=commune, date__gte=months[0], date__lte=today
        )
        .annotate(month=TruncMonth("date"))
        .order_by()
        .values("month")
        .annotate(n=Count("id", distinct=True), people=Count("residents", distinct=True))
    }
    if not rows:
        return None
    activities = [rows[m]["n"] if m in rows else 0 for m in months]
    people = [rows[m]["people"] if m in rows else 0 for m in months]
    return {
        "chart": bar_chart(
            [Series(_("Activities"), activities), Series(_("Residents helped"), people)],
            labels=[f"{m:%m/%Y}" for m in months],
            title=_("Digital team activity per month"),
            x_title=_("Month"),
        ),
        "activities": sum(activities),
        "people": sum(people),
    }


def _commune_cashless(commune: Commune, today: dt.date) -> dict | None:
    from payments.models import CashlessReport, Category

    months = _months(today, TREND_MONTHS)
    rows = list(
        CashlessReport.objects.filter(
            commune=commune, village__isnull=True, period__gte=months[0], period__lte=today
        )
        .order_by("period")
        .values("period", "category", "payers_total", "payers_cashless")
    )
    if not rows:
        return None
    return _cashless_chart(rows, months, labels=dict(Category.choices), public=False)


def _scans(commune: Commune, today: dt.date) -> dict | None:
    from ocop.models import StampScan

    months = _months(today, TREND_MONTHS)
    start = timezone.make_aware(dt.datetime.combine(months[0], dt.time.min))
    rows = {
        (r["month"].date() if isinstance(r["month"], dt.datetime) else r["month"]): r["n"]
        for r in StampScan.objects.filter(
            stamp__batch__product__producer__village__commune=commune, scanned_at__gte=start
        )
        .annotate(month=TruncMonth("scanned_at"))
        .order_by()
        .values("month")
        .annotate(n=Count("id"))
    }
    if not rows:
        return None
    values = [rows.get(m, 0) for m in months]
    return {
        "chart": bar_chart(
            [Series(_("Scans"), values)],
            labels=[f"{m:%m/%Y}" for m in months],
            title=_("E-stamp scans per month"),
            x_title=_("Month"),
        ),
        "total": sum(values),
    }


# --- Map ------------------------------------------------------------------------------------------


class HouseholdStatus:
    COMPLETE = "complete"  # every resident 14+ has VNeID level 2
    MISSING = "missing"  # someone 14+ still lacks VNeID level 2
    NO_ADDRESS = "no_address"


def map_points(user, village: Village, *, today: dt.date | None = None) -> dict:
    """Households (number and status only) and assets of a village the user may see.

    Status follows the criterion's rule (indicators.vneid_level2): residents living here, 14+.
    """
    from households.models import Household, Resident

    today = today or timezone.localdate()
    cutoff = indicators.years_before(today, indicators.VNEID_AGE)
    eligible = Q(residents__status=Resident.Status.PRESENT, residents__birth_date__lte=cutoff)
    rows = (
        Household.objects.for_user(user)
        .filter(village=village)
        .order_by("number")
        .values("number", "digital_address__latitude", "digital_address__longitude")
        .annotate(
            eligible=Count("residents", filter=eligible),
            done=Count("residents", filter=eligible & Q(residents__vneid_level=2)),
        )
    )
    households, counts = [], {HouseholdStatus.COMPLETE: 0, HouseholdStatus.MISSING: 0,
                              HouseholdStatus.NO_ADDRESS: 0}  # fmt: skip
    for r in rows:
        lat, lon = r["digital_address__latitude"], r["digital_address__longitude"]
        if lat is None or lon is None:
            counts[HouseholdStatus.NO_ADDRESS] += 1
            continue
        status = HouseholdStatus.COMPLETE if r["done"] >= r["eligible"] else HouseholdStatus.MISSING
        counts[status] += 1
        households.append(
            {"number": r["number"], "lat": float(lat), "lon": float(lon), "status": status}
        )
    labels = dict(VillageAsset.Kind.choices)
    assets = [
        {
            "kind": a["kind"],
            "label": str(labels.get(a["kind"], a["kind"])),
            "name": a["name"],
            "working": a["status"] == VillageAsset.Status.WORKING,
            "lat": float(a["latitude"]),
            "lon": float(a["longitude"]),
        }
        for a in VillageAsset.objects.for_user(user)
        .filter(village=village, latitude__isnull=False, longitude__isnull=False)
        .values("kind", "name", "status", "latitude", "longitude")
    ]
    return {"village": village.code, "households": households, "assets": assets, "counts": counts}
