"""The indicator registry: one function per key, computed with database aggregates.

Adding an indicator = one decorated function (+ an optional gap function) + one test:

    @indicator("households_fibre", level="village", unit="percent", label=..., definition=...)
    def households_fibre(villages, *, on):
        return ratio_by_village(Household.objects.filter(village__in=villages), "village_id",
                                Q(has_fibre=True))

    @households_fibre.gap_rows
    def _(scope, *, on):
        return households_of(scope).filter(has_fibre=False)

A village-level function receives a list of villages and returns `{village_id: Result}` from ONE
grouped query (a commune roll-up is then one query per indicator), or None when its source app
is not installed yet ("no data", never a made-up value). A commune-level function receives the
commune and returns one Result.

Rules shared by every indicator (DOMAIN.md §2): who counts is defined once, in
households.populations (residents living here, aged 18+ or 14+ on the assessment date `on`, ages
in full years by core.dates); an indicator about residents names its step there once
(`step=...`), and its value, its gap list and the teams' follow-up list all come from that step.
An empty denominator gives value None ("no data"). Indicators whose source is an app above this
one register themselves from that app (payments/indicators.py).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import FieldError
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from core.dates import month_start, years_before  # noqa: F401 (years_before: bench, tests)
from digital_teams.models import DigitalTeam
from households.models import Household
from households.populations import EPAYMENT, SMARTPHONE, VNEID_LEVEL2, Step
from ocop.models import Product, StampBatch
from villages.models import Commune, Village, VillageAsset

logger = logging.getLogger(__name__)

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
TEAM_ACTIVE_DAYS = 90


@dataclass(frozen=True)
class Result:
    """value (percent 0-100, count, 1/0 or VND), the numerator and denominator behind it."""

    value: Decimal | None
    numerator: Decimal | int | None = None
    denominator: Decimal | int | None = None
    applicable: bool = True

    @classmethod
    def ratio(cls, numerator: int | None, denominator: int | None) -> Result:
        numerator = numerator or 0
        if not denominator:
            return cls(None, numerator, denominator or 0)
        value = (Decimal(numerator) * HUNDRED / Decimal(denominator)).quantize(CENT)
        return cls(value, numerator, denominator)

    @classmethod
    def count(cls, numerator: int | None, denominator: int | None = None) -> Result:
        return cls(Decimal(numerator or 0), numerator or 0, denominator)

    @classmethod
    def flag(cls, yes: bool, numerator: int | None = None) -> Result:
        return cls(Decimal(1 if yes else 0), numerator, None)


NO_DATA = Result(None)
NOT_APPLICABLE = Result(None, 0, 0, applicable=False)


@dataclass
class Context:
    """What a commune-level indicator may read from the run in progress."""

    # village id -> whether it meets an active village-level set (None: no such set).
    villages_meeting: dict[int, bool] | None = None


@dataclass
class Indicator:
    key: str
    level: str  # "village" | "commune"
    unit: str  # "percent" | "count" | "boolean" | "vnd"
    label: str
    definition: str
    function: Callable
    # Empty village (no row in the grouped result): what it means for this indicator.
    empty: Result = NO_DATA
    noun: str = ""  # "adults with a smartphone": used in "37 more ... to reach 80%"
    gap_kind: str = ""  # residents | households | assets | products
    # Topic of the digital teams' follow-up list (/field/followup/?topic=..., FollowUpTopic).
    followup_topic: str = ""
    # Residents' indicators: the population and the condition (households.populations).
    step: Step | None = None
    _gap: Callable | None = field(default=None, repr=False)
    _commune: Callable | None = field(default=None, repr=False)

    # -- decorators to attach the optional parts
    def gap_rows(self, function: Callable) -> Callable:
        self._gap = function
        return function

    def for_commune(self, function: Callable) -> Callable:
        self._commune = function
        return function

    # -- computing
    def compute_many(self, villages: Sequence[Village], *, on: dt.date) -> dict[int, Result]:
        """Results for every village, from one grouped query (village-level indicators)."""
        villages = list(villages)
        if not villages:
            return {}
        if self.level != "village":
            raise ValueError(f"{self.key} is a commune-level indicator")
        try:
            found = self.function([v.pk for v in villages], on=on)
        except (LookupError, ImportError, FieldError) as exc:
            logger.warning("indicator %s: source not available (%s)", self.key, type(exc).__name__)
            found = None
        if found is None:
            return {v.pk: NO_DATA for v in villages}
        return {v.pk: found.get(v.pk, self.empty) for v in villages}

    def compute(self, scope: Village | Commune, *, on: dt.date, context: Context | None = None):
        """One Result for a village or a commune (a commune sums its villages' figures)."""
        if self.level == "commune":
            if not isinstance(scope, Commune):
                raise ValueError(f"{self.key} is computed for a commune")
            try:
                return self.function(scope, on=on, context=context)
            except (LookupError, ImportError, FieldError):
                return NO_DATA
        if isinstance(scope, Village):
            return self.compute_many([scope], on=on)[scope.pk]
        if self._commune is not None:
            try:
                return self._commune(scope, on=on)
            except (LookupError, ImportError, FieldError):
                return NO_DATA
        return self.combine(self.compute_many(list(scope.villages.all()), on=on).values())

    def combine(self, results: Iterable[Result]) -> Result:
        """A commune figure from its villages' figures (sum of numerators and denominators)."""
        results = [r for r in results if r.value is not None or r.numerator is not None]
        if not results:
            return NO_DATA
        num = sum((r.numerator or 0) for r in results)
        den = sum((r.denominator or 0) for r in results)
        if self.unit == "percent":
            if not any(r.applicable for r in results):
                return NOT_APPLICABLE
            return Result.ratio(num, den)
        if self.unit == "boolean":
            yes = sum(1 for r in results if r.value)
            return Result(Decimal(1 if yes == len(results) else 0), yes, len(results))
        return Result(sum((r.value or 0) for r in results), num, den or None)

    def gap(self, scope: Village | Commune, *, on: dt.date) -> QuerySet | None:
        """The rows still missing (residents, households, assets, products), or None."""
        if self._gap is None:
            return None
        try:
            return self._gap(scope, on=on)
        except (LookupError, ImportError, FieldError):
            return None


REGISTRY: dict[str, Indicator] = {}


def indicator(
    key: str,
    *,
    level: str,
    unit: str,
    label: str,
    definition: str,
    empty: Result = NO_DATA,
    noun: str = "",
    gap_kind: str = "",
    followup_topic: str = "",
    step: Step | None = None,
) -> Callable[[Callable], Indicator]:
    """Register a function under `key` (see the module docstring)."""

    def register(function: Callable) -> Indicator:
        if key in REGISTRY:
            raise ValueError(f"indicator {key!r} registered twice")
        item = Indicator(
            key=key,
            level=level,
            unit=unit,
            label=label,
            definition=definition,
            function=function,
            empty=empty,
            noun=noun,
            gap_kind=gap_kind,
            followup_topic=followup_topic or (step.key if step else ""),
            step=step,
        )
        REGISTRY[key] = item
        return item

    return register


def get(key: str) -> Indicator | None:
    return REGISTRY.get(key)


def choices() -> list[tuple[str, str]]:
    return [(key, f"{key} – {item.label}") for key, item in sorted(REGISTRY.items())]


# --- Helpers --------------------------------------------------------------------------------------


def ratio_by_village(queryset: QuerySet, village_path: str, good: Q) -> dict[int, Result]:
    """{village_id: ratio} with one GROUP BY query: good rows / all rows, per village."""
    rows = (
        queryset.order_by()
        .values(village_path)
        .annotate(den=Count("pk"), num=Count("pk", filter=good))
    )
    return {row[village_path]: Result.ratio(row["num"], row["den"]) for row in rows}


def _scope_filter(scope: Village | Commune, village_path: str) -> Q:
    if isinstance(scope, Village):
        return Q(**{village_path: scope.pk})
    return Q(**{f"{village_path.removesuffix('_id')}__commune_id": scope.pk})


def residents_of(scope, *, on: dt.date, step: Step) -> QuerySet:
    """The residents of `scope` who should have taken `step` and have not (a gap list)."""
    return (
        step.missing(on)
        .filter(_scope_filter(scope, "household__village_id"))
        .select_related("household", "household__village")
        .order_by(
            "household__village__number", "household__number_sort", "household__number", "id"
        )
    )


def households_of(scope) -> QuerySet:
    return (
        Household.objects.filter(_scope_filter(scope, "village_id"))
        .select_related("village")
        .order_by("village__number", "number_sort", "number")
    )


# --- Digital infrastructure -----------------------------------------------------------------------


@indicator(
    "households_fibre",
    level="village",
    unit="percent",
    label=_("Households with fibre internet"),
    definition=_(
        "Households of the village with fibre internet (FTTH) ÷ all households of the village. "
        "Source: household registry."
    ),
    noun=_("households with fibre internet"),
    gap_kind="households",
)
def households_fibre(village_ids, *, on):
    return ratio_by_village(
        Household.objects.filter(village_id__in=village_ids), "village_id", Q(has_fibre=True)
    )


@households_fibre.gap_rows
def _households_fibre_gap(scope, *, on):
    return households_of(scope).filter(has_fibre=False)


@indicator(
    "wifi_cultural_house",
    level="village",
    unit="count",
    label=_("Free wifi hotspots at the cultural house"),
    definition=_(
        "Working free wifi hotspots recorded at the village cultural house. Source: village assets."
    ),
    empty=Result.count(0),
    noun=_("wifi hotspots at the cultural house"),
    gap_kind="assets",
)
def wifi_cultural_house(village_ids, *, on):
    rows = (
        VillageAsset.objects.filter(
            village_id__in=village_ids,
            kind=VillageAsset.Kind.WIFI,
            at_cultural_house=True,
            status=VillageAsset.Status.WORKING,
        )
        .filter(Q(installed_on__isnull=True) | Q(installed_on__lte=on))
        .order_by()
        .values("village_id")
        .annotate(n=Count("pk"))
    )
    return {row["village_id"]: Result.count(row["n"]) for row in rows}


@wifi_cultural_house.gap_rows
def _wifi_gap(scope, *, on):
    # What is missing: hotspots recorded but broken, or not at the cultural house.
    return (
        VillageAsset.objects.filter(_scope_filter(scope, "village_id"), kind=VillageAsset.Kind.WIFI)
        .filter(Q(status=VillageAsset.Status.BROKEN) | Q(at_cultural_house=False))
        .select_related("village")
    )


def _cameras_by_village(village_ids, on):
    return (
        VillageAsset.objects.filter(village_id__in=village_ids, kind=VillageAsset.Kind.CAMERA)
        .filter(Q(installed_on__isnull=True) | Q(installed_on__lte=on))
        .order_by()
        .values("village_id")
        .annotate(
            den=Count("pk"),
            num=Count("pk", filter=Q(connected=True, status=VillageAsset.Status.WORKING)),
        )
    )


def _cameras_gap(scope, *, on):
    return (
        VillageAsset.objects.filter(
            _scope_filter(scope, "village_id"), kind=VillageAsset.Kind.CAMERA
        )
        .filter(Q(connected=False) | Q(status=VillageAsset.Status.BROKEN))
        .select_related("village")
    )


@indicator(
    "cameras_connected",
    level="village",
    unit="count",
    label=_("Road-safety cameras connected"),
    definition=_(
        "Working road-safety cameras (commune- or household-owned) connected to the village "
        "monitoring network. Source: village assets."
    ),
    empty=Result.count(0, 0),
    noun=_("connected cameras"),
    gap_kind="assets",
)
def cameras_connected(village_ids, *, on):
    return {
        row["village_id"]: Result.count(row["num"], row["den"])
        for row in _cameras_by_village(village_ids, on)
    }


cameras_connected.gap_rows(_cameras_gap)


@indicator(
    "cameras_connected_share",
    level="village",
    unit="percent",
    label=_("Share of road-safety cameras connected"),
    definition=_(
        "Working cameras connected to the village monitoring network ÷ all road-safety cameras "
        "of the village. Source: village assets."
    ),
    noun=_("connected cameras"),
    gap_kind="assets",
)
def cameras_connected_share(village_ids, *, on):
    return {
        row["village_id"]: Result.ratio(row["num"], row["den"])
        for row in _cameras_by_village(village_ids, on)
    }


cameras_connected_share.gap_rows(_cameras_gap)


# --- Digital citizens -----------------------------------------------------------------------------


def _residents_ratio(village_ids, on, step: Step) -> dict[int, Result]:
    return ratio_by_village(
        step.eligible(on).filter(household__village_id__in=village_ids),
        "household__village_id",
        step.done_q(),
    )


def resident_indicator(key: str, step: Step, **options) -> Indicator:
    """Register an indicator "residents of `step`'s population who took the step ÷ all of
    them", with its gap (who has not) and its follow-up topic, from the one `step`."""

    def compute(village_ids, *, on):
        return _residents_ratio(village_ids, on, step)

    register = indicator(
        key, level="village", unit="percent", gap_kind="residents", step=step, **options
    )
    item = register(compute)

    @item.gap_rows
    def _gap(scope, *, on):
        return residents_of(scope, on=on, step=step)

    return item


adults_smartphone = resident_indicator(
    "adults_smartphone",
    SMARTPHONE,
    label=_("Adults with a smartphone"),
    definition=_(
        "Residents living in the village (status present) aged 18 or more on the assessment date "
        "who have a smartphone ÷ all such adults. Source: household registry."
    ),
    noun=_("adults with a smartphone"),
)

vneid_level2 = resident_indicator(
    "vneid_level2",
    VNEID_LEVEL2,
    label=_("Residents 14+ with VNeID level 2"),
    definition=_(
        "Residents living in the village aged 14 or more on the assessment date whose VNeID "
        "account is level 2 ÷ all such residents. Source: household registry."
    ),
    noun=_("residents 14+ with VNeID level 2"),
)

adults_epayment = resident_indicator(
    "adults_epayment",
    EPAYMENT,
    label=_("Adults with an e-payment account"),
    definition=_(
        "Residents living in the village aged 18 or more on the assessment date with an e-payment "
        "account ÷ all such adults. Source: household registry."
    ),
    noun=_("adults with an e-payment account"),
)


@indicator(
    "households_digital_address",
    level="village",
    unit="percent",
    label=_("Households with a digital address"),
    definition=_(
        "Households of the village with a digital address (location code and GPS) ÷ all "
        "households of the village. Source: digital addresses."
    ),
    noun=_("households with a digital address"),
    gap_kind="households",
    followup_topic="digital_address",
)
def households_digital_address(village_ids, *, on):
    return ratio_by_village(
        Household.objects.filter(village_id__in=village_ids),
        "village_id",
        Q(digital_address__isnull=False),
    )


@households_digital_address.gap_rows
def _digital_address_gap(scope, *, on):
    return households_of(scope).filter(digital_address__isnull=True)


# --- Organisation ---------------------------------------------------------------------------------


@indicator(
    "digital_team_active",
    level="village",
    unit="boolean",
    label=_("Digital team established and active"),
    definition=_(
        "The village has a community digital technology team founded on or before the assessment "
        "date with at least one support activity in the 90 days up to it. Numerator: activities in "
        "those 90 days. Source: digital teams."
    ),
    empty=Result.flag(False, 0),
)
def digital_team_active(village_ids, *, on):
    since = on - dt.timedelta(days=TEAM_ACTIVE_DAYS)
    rows = (
        DigitalTeam.objects.filter(village_id__in=village_ids, founded_on__lte=on)
        .order_by()
        .values("village_id")
        .annotate(
            recent=Count(
                "activities",
                filter=Q(activities__date__gt=since, activities__date__lte=on),
            )
        )
    )
    return {row["village_id"]: Result.flag(row["recent"] > 0, row["recent"]) for row in rows}


# --- Digital economy ------------------------------------------------------------------------------


OCOP_MIN_STARS = 3


def _certificate_valid(on):
    # An expired certificate (36 months) means the product is no longer an OCOP product.
    return Q(certificate_expires_on__isnull=True) | Q(certificate_expires_on__gte=on)


def _ready_batches():
    return StampBatch.objects.filter(
        product_id=OuterRef("pk"), status="ready", revoked_at__isnull=True
    )


@indicator(
    "ocop_products_estamp",
    level="village",
    unit="percent",
    label=_("OCOP products carrying e-stamps"),
    definition=_(
        "OCOP-rated products (3 stars or more, certificate not expired on the assessment date) of "
        "the village's producers with at least one ready, not revoked e-stamp batch ÷ all such "
        "products. No product: not applicable. Source: OCOP."
    ),
    empty=NOT_APPLICABLE,
    noun=_("OCOP products with e-stamps"),
    gap_kind="products",
)
def ocop_products_estamp(village_ids, *, on):
    ready = _ready_batches()
    rows = (
        Product.objects.filter(producer__village_id__in=village_ids, stars__gte=OCOP_MIN_STARS)
        .filter(_certificate_valid(on))
        .order_by()
        .values("producer__village_id")
        .annotate(den=Count("pk"), num=Count("pk", filter=Exists(ready)))
    )
    return {row["producer__village_id"]: Result.ratio(row["num"], row["den"]) for row in rows}


@ocop_products_estamp.gap_rows
def _ocop_gap(scope, *, on):
    return (
        Product.objects.filter(
            _scope_filter(scope, "producer__village_id"), stars__gte=OCOP_MIN_STARS
        )
        .filter(_certificate_valid(on))
        .exclude(Exists(_ready_batches()))
        .select_related("producer", "producer__village")
    )


# --- Commune level --------------------------------------------------------------------------------


def village_meets_set(statuses: Iterable[str]) -> bool:
    """A village meets a set when every criterion is met or not applicable (at least one met)."""
    statuses = list(statuses)
    return (
        bool(statuses)
        and all(s in ("met", "na") for s in statuses)
        and any(s == "met" for s in statuses)
    )


@indicator(
    "villages_meeting_smart_set",
    level="commune",
    unit="count",
    label=_("Villages meeting the smart-village criteria"),
    definition=_(
        "Villages of the commune that meet every criterion of the active smart-village set in the "
        "same roll-up (criteria not applicable to the village are skipped; a criterion without "
        "data is not met) ÷ all villages of the commune."
    ),
    noun=_("villages meeting the smart-village criteria"),
)
def villages_meeting_smart_set(commune, *, on, context=None):
    if context is not None and context.villages_meeting is not None:
        meeting = context.villages_meeting
    else:
        meeting = _villages_meeting_from_latest(commune)
    if not meeting:
        return NO_DATA
    yes = sum(1 for ok in meeting.values() if ok)
    return Result(Decimal(yes), yes, len(meeting))


def _villages_meeting_from_latest(commune) -> dict[int, bool]:
    from .models import Assessment

    statuses: dict[int, list[str]] = {}
    for village_id, status in Assessment.objects.filter(
        commune=commune,
        latest=True,
        village__isnull=False,
        criterion__criteria_set__level="village",
    ).values_list("village_id", "status"):
        statuses.setdefault(village_id, []).append(status)
    return {vid: village_meets_set(s) for vid, s in statuses.items()}
