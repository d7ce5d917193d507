"""Indicators whose source is the cashless-payment reports, registered with the criteria
registry from here: criteria sits below payments and never imports it (docs/decisions.md)."""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.text import format_lazy
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


# --- Every category, by payers and by value ------------------------------------------------------
# DOMAIN.md §7: sources use the share of payers (utilities) or of the amount (the State Bank's
# provincial figures); both are kept per category and computed here from the latest report.

BASES = {
    "payers": ("payers_cashless", "payers_total", _("by payers")),
    "value": ("amount_cashless", "amount_total", _("by value")),
}


def _latest(category: str, on: dt.date) -> QuerySet:
    return CashlessReport.objects.filter(
        category=category,
        period__lte=on,
        period__gte=month_start(on, -CASHLESS_MAX_AGE_MONTHS),
    ).order_by("-period")


def cashless_indicator(category: str, label, basis: str):
    """Register "cashless_<category>_<basis>": the latest report of the last 12 months."""
    num_field, den_field, basis_label = BASES[basis]

    def compute(village_ids, *, on):
        latest = _latest(category, on).filter(village_id=OuterRef("pk"))
        rows = (
            Village.objects.filter(pk__in=village_ids)
            .annotate(
                num=Subquery(latest.values(num_field)[:1]),
                den=Subquery(latest.values(den_field)[:1]),
            )
            .values("pk", "num", "den")
        )
        return {row["pk"]: Result.ratio(row["num"], row["den"]) for row in rows if row["den"]}

    item = indicator(
        f"cashless_{category}_{basis}",
        level="village",
        unit="percent",
        label=format_lazy("{} – {} ({})", _("Paid cashless"), label, basis_label),
        definition=format_lazy(
            "{} {}",
            label,
            _(
                "– from the latest report of the last 12 months: paid cashless ÷ total ("
                "payers or amount in VND); the commune's own report when it has one, else the "
                "sum of its villages. Source: cashless-payment reports."
            ),
        ),
        noun=format_lazy("{} ({})", label, basis_label),
    )(compute)

    @item.for_commune
    def _commune(commune, *, on):
        report = _latest(category, on).filter(commune=commune, village__isnull=True).first()
        if report is not None:
            return Result.ratio(getattr(report, num_field), getattr(report, den_field))
        return item.combine(item.compute_many(list(commune.villages.all()), on=on).values())

    return item


CASHLESS_INDICATORS = {
    (category, basis): cashless_indicator(category, label, basis)
    for category, label in Category.choices
    for basis in BASES
}
