"""Figures: one `Figure` per criterion result, built from roll-up snapshots (never residents).

A figure on any page is built by `figure_from_assessment` (or `combined_figure` for a
commune-wide figure) and printed by the one partial `dashboards/_figure.html`, so the same figure
never differs between pages. Also the constants and the cashless chart shared by the pages.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from core.charts import Series, line_chart
from core.dates import month_starts  # noqa: F401 (the trend months; re-exported)
from criteria import indicators
from criteria.formatting import format_requirement, format_requirement_note, public_help
from criteria.indicators import Result
from criteria.models import Assessment, Criterion
from criteria.privacy import (  # NOT_ABOUT_PEOPLE and public_pair: re-exported
    NOT_ABOUT_PEOPLE,  # noqa: F401
    SMALL_COUNT,
    PublicCounts,
    about_people,
    public_counts,
    public_pair,  # noqa: F401
    small_part,
)
from villages.models import VillageAsset

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
    # Whose threshold it is: "chosen by the commune" when no provincial text sets it, or the
    # commune group's (criteria.formatting.format_requirement_note); "" = the legal text's.
    requirement_note: str = ""

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
        return about_people(self.indicator_key)

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
    def small_part(self) -> str:
        """Which count of people a public page must not give back (criteria.privacy)."""
        return small_part(self.numerator, self.denominator) if self.about_people else ""

    @property
    def progress(self) -> int:
        """How far the value is toward its threshold, 0-100 in steps of 1 (CSS width classes)."""
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
        return max(0, min(99, int(math.floor(float(share)))))


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
        requirement_note=format_requirement_note(criterion),
        definition=str(item.definition) if item else "",
        help_text=public_help(criterion.help_text),
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
        requirement_note=format_requirement_note(criterion),
        definition=definition,
        help_text=public_help(criterion.help_text),
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


def _small_pair(r) -> bool:
    return bool(small_part(r["payers_cashless"], r["payers_total"]))


def cashless_chart(rows, months, *, labels: dict, public: bool) -> dict:
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
            if r is None or not r["payers_total"] or (public and _small_pair(r)):
                values.append(None)  # public: an exact share would give a small count back
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


def public_figure(f: Figure) -> PublicCounts:
    """The public texts of `f`: small counts of people as bounds (criteria.privacy)."""
    return public_counts(
        value=f.value, numerator=f.numerator, denominator=f.denominator, unit=f.unit,
        indicator_key=f.indicator_key, met=f.met, progress=f.progress,
    )  # fmt: skip
