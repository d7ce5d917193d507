"""Indicators whose source is the cashless-payment reports, registered with the criteria
registry from here: criteria sits below payments and never imports it (docs/decisions.md)."""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from core.dates import month_start
from criteria.registry import Result, indicator
from villages.models import Village

from .models import CashlessReport, Category

CASHLESS_MAX_AGE_MONTHS = 12


def _latest_electricity(on: dt.date) -> QuerySet:
    return CashlessReport.objects.filter(
        category=Category.ELECTRICITY,
        period__lte=on,
        period__gte=month_start(on, -CASHLESS_MAX_AGE_MONTHS),
    ).order_by("-period")


@indicator(
    "electricity_cashless_payers",
    level="village",
    unit="percent",
    label=_("Electricity bills paid cashless (by payers)"),
    definition=_(
        "From the village's latest electricity report of the last 12 months: payers paying "
        "cashless ÷ all payers. Source: cashless-payment reports."
    ),
    noun=_("cashless electricity payers"),
)
def electricity_cashless_payers(village_ids, *, on):
    latest = _latest_electricity(on).filter(village_id=OuterRef("pk"))
    rows = (
        Village.objects.filter(pk__in=village_ids)
        .annotate(
            num=Subquery(latest.values("payers_cashless")[:1]),
            den=Subquery(latest.values("payers_total")[:1]),
        )
        .values("pk", "num", "den")
    )
    return {row["pk"]: Result.ratio(row["num"], row["den"]) for row in rows if row["den"]}


@electricity_cashless_payers.for_commune
def _electricity_commune(commune, *, on):
    report = _latest_electricity(on).filter(commune=commune, village__isnull=True).first()
    if report is not None:
        return Result.ratio(report.payers_cashless, report.payers_total)
    return electricity_cashless_payers.combine(
        electricity_cashless_payers.compute_many(list(commune.villages.all()), on=on).values()
    )
