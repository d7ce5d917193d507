"""The officials' commune dashboard: KPIs with changes, per-village and trend charts."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from core.charts import ChartSpec, Series, bar_chart, line_chart
from criteria.indicators import Result, village_meets_set
from criteria.models import Assessment, Criterion, RollupRun
from criteria.services import moves_most, village_progress
from villages.models import Commune, Village

from .figures import (
    CITIZEN_KEYS,
    SHORT_NAMES,
    TREND_MONTHS,
    TREND_RUNS,
    Figure,
    cashless_chart,
    combined_figure,
    figure_from_assessment,
    month_starts,
)


@dataclass
class VillageLine:
    village: Village
    progress: Decimal | None
    meets: bool
    citizen: list[Figure | None]


def commune_dashboard(
    commune: Commune, *, today: dt.date | None = None, with_scans: bool = True
) -> dict:
    """KPIs with changes, per-village and over-time charts, moves, activity, payments, scans
    (`with_scans=False`: without them, see scans_figure)."""
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
        "scans": _scans(commune, today) if with_scans else None,
    }


def scans_figure(commune: Commune, *, today: dt.date | None = None) -> dict | None:
    """The e-stamp scans card (one grouped query): read on each view, scans move no version."""
    return _scans(commune, today or timezone.localdate())


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
        labels=[line.village.name for line in lines],
        percent=True,
        title=_("Smart-village progress by village"),
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

    months = month_starts(today, TREND_MONTHS)
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

    months = month_starts(today, TREND_MONTHS)
    rows = list(
        CashlessReport.objects.filter(
            commune=commune, village__isnull=True, period__gte=months[0], period__lte=today
        )
        .order_by("period")
        .values("period", "category", "payers_total", "payers_cashless")
    )
    if not rows:
        return None
    return cashless_chart(rows, months, labels=dict(Category.choices), public=False)


def _scans(commune: Commune, today: dt.date) -> dict | None:
    from ocop.models import StampScan

    months = month_starts(today, TREND_MONTHS)
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
