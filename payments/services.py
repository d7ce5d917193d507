"""Cashless-payment services: saving a month, latest shares, the overview and the registry side."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.charts import ChartSpec, Series, line_chart
from villages.models import Commune, Village

from .models import CashlessReport, Category, month_start, share

FIGURES = ("payers_total", "payers_cashless", "amount_total", "amount_cashless")
TREND_MONTHS = 12


# --- One value for the criteria --------------------------------------------------------------


class LatestShare(NamedTuple):
    """value in percent (0..100, None when the total is 0), numerator, denominator, month."""

    value: Decimal | None
    numerator: int
    denominator: int
    period: dt.date


def latest_share(
    *, commune: Commune, village: Village | None = None, category: str, by: str = "payers"
) -> LatestShare | None:
    """The cashless share of `category` by payers or by value ("amount") from the latest report.

    For a village: its own village-level report of the latest month, falling back to the
    commune-level report when the commune's report is newer or the village has none.
    None when no report exists. One query.
    """
    if by not in ("payers", "amount"):
        raise ValueError("by is 'payers' or 'amount'")
    reports = CashlessReport.objects.filter(commune=commune, category=category)
    if village is not None:
        reports = reports.filter(Q(village=village) | Q(village__isnull=True)).order_by(
            "-period", F("village").asc(nulls_last=True)
        )
    else:
        reports = reports.filter(village__isnull=True).order_by("-period")
    report = reports.first()
    if report is None:
        return None
    numerator = getattr(report, f"{by}_cashless")
    denominator = getattr(report, f"{by}_total")
    fraction = share(numerator, denominator)
    value = None if fraction is None else fraction * 100
    return LatestShare(value, numerator, denominator, report.period)


# --- Saving a month (portal entry and Excel import) ------------------------------------------


@dataclass(frozen=True)
class SaveResult:
    created: int
    updated: int


def _fill(report: CashlessReport, row: dict, user) -> None:
    for name in FIGURES:
        setattr(report, name, row[name])
    report.source = row.get("source") or ""
    report.note = row.get("note") or ""
    report.entered_by = user if user is not None and user.is_authenticated else None


def cashless_reports_save(*, commune: Commune, rows: Iterable[dict], user=None) -> SaveResult:
    """Create or update reports from cleaned rows, all or nothing.

    Each row: village (Village or None), period, category, the four figures, source, note.
    Every row is validated with the model's rules (full_clean); one invalid row rolls back all.
    """
    created = updated = 0
    with transaction.atomic():
        for row in rows:
            village = row.get("village")
            if village is not None and village.commune_id != commune.pk:
                raise ValueError("village outside the commune")
            key = {
                "commune": commune,
                "village": village,
                "period": row["period"],
                "category": row["category"],
            }
            report = CashlessReport.objects.select_for_update(of=("self",)).filter(**key).first()
            is_new = report is None
            if is_new:
                report = CashlessReport(**key)
            _fill(report, row, user)
            report.full_clean()
            if is_new:
                try:
                    with transaction.atomic():
                        report.save()
                except IntegrityError:
                    # Entered at the same moment (a double submit, two officials): that row is
                    # the one to update, like any later entry of the same month.
                    report = CashlessReport.objects.select_for_update(of=("self",)).get(**key)
                    _fill(report, row, user)
                    report.save()
                    is_new = False
            else:
                report.save()
            if is_new:
                created += 1
            else:
                updated += 1
    return SaveResult(created, updated)


# --- The registry side: adults with an e-payment account -------------------------------------


@dataclass(frozen=True)
class AdultsShare:
    adults: int
    with_account: int

    @property
    def percent(self) -> Decimal | None:
        fraction = share(self.with_account, self.adults)
        return None if fraction is None else fraction * 100


def adults_epayment(
    *, commune: Commune, today: dt.date | None = None
) -> tuple[AdultsShare, dict[int, AdultsShare]]:
    """Adults (18+, living here) with an e-payment account: the commune and each village.

    The live aggregate reads every adult of the commune (~40 ms for 8,000 households), so it is
    cached under the commune's data version and the day: any write to the commune's residents
    gives a new key, and ages are counted on today's date.
    """
    from core.dataversion import cached_part

    day = today or timezone.localdate()
    # Under the commune's data version (core.dataversion): a resident's edit, an import or an
    # assisted change shows at once; the day: ages move with the date.
    return cached_part(
        "payments:adults-epayment",
        commune.pk,
        lambda: _adults_epayment_live(commune=commune, today=day),
        f"{day:%Y%m%d}",
    )


def _adults_epayment_live(
    *, commune: Commune, today: dt.date
) -> tuple[AdultsShare, dict[int, AdultsShare]]:
    """One grouped aggregate query over the adults of households.populations (EPAYMENT)."""
    from households.models import Resident
    from households.populations import EPAYMENT

    per_village = {
        row["household__village"]: AdultsShare(row["adults"], row["with_account"])
        for row in EPAYMENT.eligible(
            today or timezone.localdate(),
            Resident.objects.filter(household__village__commune=commune),
        )
        .values("household__village")
        .annotate(adults=Count("id"), with_account=Count("id", filter=EPAYMENT.done_q()))
        .order_by()
    }
    total = AdultsShare(
        sum(s.adults for s in per_village.values()),
        sum(s.with_account for s in per_village.values()),
    )
    return total, per_village


# --- The overview page -----------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """One report's numbers and its computed shares (percent, None when the total is 0)."""

    period: dt.date
    payers_total: int
    payers_cashless: int
    amount_total: int
    amount_cashless: int
    source: str = ""

    @property
    def payers_percent(self) -> Decimal | None:
        fraction = share(self.payers_cashless, self.payers_total)
        return None if fraction is None else fraction * 100

    @property
    def amount_percent(self) -> Decimal | None:
        fraction = share(self.amount_cashless, self.amount_total)
        return None if fraction is None else fraction * 100


def _change(latest: Decimal | None, previous: Decimal | None) -> Decimal | None:
    if latest is None or previous is None:
        return None
    return latest - previous


@dataclass
class CategorySummary:
    category: str
    label: str
    latest: Figures | None = None
    previous: Figures | None = None
    chart: ChartSpec | None = None

    @property
    def payers_change(self) -> Decimal | None:
        """Change since the previous report, in percentage points."""
        if self.latest is None or self.previous is None:
            return None
        return _change(self.latest.payers_percent, self.previous.payers_percent)

    @property
    def amount_change(self) -> Decimal | None:
        if self.latest is None or self.previous is None:
            return None
        return _change(self.latest.amount_percent, self.previous.amount_percent)


@dataclass
class VillageRow:
    village_id: int
    code: str
    name: str
    cells: list[Figures | None] = field(default_factory=list)  # one per breakdown category
    adults: AdultsShare | None = None


@dataclass
class Overview:
    commune: Commune
    end: dt.date
    months: list[dt.date]
    categories: list[CategorySummary]
    breakdown_categories: list[tuple[str, str]]
    villages: list[VillageRow]
    adults: AdultsShare
    has_reports: bool


def _figures(row: dict) -> Figures:
    return Figures(
        period=row["period"],
        payers_total=row["payers_total"],
        payers_cashless=row["payers_cashless"],
        amount_total=row["amount_total"],
        amount_cashless=row["amount_cashless"],
        source=row["source"],
    )


def latest_period(*, commune: Commune) -> dt.date | None:
    return CashlessReport.objects.filter(commune=commune).aggregate(end=Max("period"))["end"]


def overview_build(*, commune: Commune, end: dt.date) -> Overview:
    """Everything the payments page shows for 12 months ending at `end`, in 3 queries.

    Reports of the window (+1 month so the first month has a "previous"), the commune's
    villages, and one aggregate over residents; the rest is computed in Python.
    """
    months = [month_start(end, -i) for i in range(TREND_MONTHS - 1, -1, -1)]
    rows = list(
        CashlessReport.objects.filter(
            commune=commune, period__gte=month_start(months[0], -1), period__lte=end
        )
        .values("village_id", "period", "category", "source", *FIGURES)
        .order_by("period")
    )
    commune_level: dict[str, dict[dt.date, Figures]] = defaultdict(dict)
    village_level: dict[int, dict[str, Figures]] = defaultdict(dict)  # latest per category
    for row in rows:
        figures = _figures(row)
        if row["village_id"] is None:
            commune_level[row["category"]][row["period"]] = figures
        else:
            village_level[row["village_id"]][row["category"]] = figures  # ordered by period

    categories = []
    for value, label in Category.choices:
        by_month = commune_level.get(value, {})
        summary = CategorySummary(category=value, label=str(label))
        ordered = sorted(by_month)
        if ordered:
            summary.latest = by_month[ordered[-1]]
            if len(ordered) > 1:
                summary.previous = by_month[ordered[-2]]
        payers = [by_month[m].payers_percent if m in by_month else None for m in months]
        amounts = [by_month[m].amount_percent if m in by_month else None for m in months]
        summary.chart = line_chart(
            [Series(str(_("By payers")), payers), Series(str(_("By value")), amounts)],
            labels=[f"{m:%m/%Y}" for m in months],
            percent=True,
            title=str(label),
            x_title=str(_("Month")),
        )
        categories.append(summary)

    adults_total, adults_by_village = adults_epayment(commune=commune)
    breakdown_codes = [
        value
        for value, _label in Category.choices
        if any(value in v for v in village_level.values())
    ]
    labels = dict(Category.choices)
    villages = []
    for village in Village.objects.filter(commune=commune).values("id", "code", "name"):
        reported = village_level.get(village["id"], {})
        adults = adults_by_village.get(village["id"])
        if not reported and adults is None:
            continue
        villages.append(
            VillageRow(
                village_id=village["id"],
                code=village["code"],
                name=village["name"],
                cells=[reported.get(code) for code in breakdown_codes],
                adults=adults,
            )
        )
    return Overview(
        commune=commune,
        end=end,
        months=months,
        categories=categories,
        breakdown_categories=[(code, str(labels[code])) for code in breakdown_codes],
        villages=villages,
        adults=adults_total,
        has_reports=bool(rows),
    )
