"""The indicator registry: one function per key, computed with database aggregates.

Adding an indicator = one decorated function (+ an optional gap function) + one test:

    @indicator("households_fibre", level="village", unit="percent", label=..., definition=...)
    def households_fibre(villages, *, on):
        return ratio_by_village(Household.objects.filter(village__in=villages), "village_id",
                                Q(has_fibre=True))

    @households_fibre.gap_rows
    def _(scope, *, on):
        return households_of(scope).filter(has_fibre=False)

Indicators of one family are registered by one helper that writes both parts from one
condition: `household_indicator` (households that have X), `resident_indicator` (a population
step) and `product_indicator` (rated OCOP products that are X).

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
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from core.dates import month_start, years_before  # noqa: F401 (years_before: bench, tests)
from digital_teams.models import DigitalTeam
from households.models import Household
from households.populations import (
    EPAYMENT,
    HEALTH_INSURANCE_IN_VNEID,
    ONLINE_SERVICES,
    RESIDENTS_14,
    SMARTPHONE,
    VNEID_LEVEL2,
    Step,
)
from ocop.models import Product, StampBatch
from villages.models import Commune, Village, VillageAsset

from .registry import (  # noqa: F401 (the registry's names, also read from here)
    NO_DATA,
    NOT_APPLICABLE,
    REGISTRY,
    Context,
    Indicator,
    Result,
    choices,
    get,
    indicator,
)

TEAM_ACTIVE_DAYS = 90


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
        .order_by("household__village__number", "household__number_sort", "household__number", "id")
    )


def households_of(scope) -> QuerySet:
    return (
        Household.objects.filter(_scope_filter(scope, "village_id"))
        .select_related("village")
        .order_by("village__number", "number_sort", "number")
    )


# --- Digital infrastructure -----------------------------------------------------------------------


def household_indicator(key: str, *, has: Q, lacks: Q, **options) -> Indicator:
    """Register an indicator "households of the village that `has` ÷ all its households", with
    its gap list (the households that `lacks` it)."""

    def compute(village_ids, *, on):
        return ratio_by_village(
            Household.objects.filter(village_id__in=village_ids), "village_id", has
        )

    item = indicator(key, level="village", unit="percent", gap_kind="households", **options)(
        compute
    )

    @item.gap_rows
    def _gap(scope, *, on):
        return households_of(scope).filter(lacks)

    return item


households_fibre = household_indicator(
    "households_fibre",
    has=Q(has_fibre=True),
    lacks=Q(has_fibre=False),
    label=_("Households with fibre internet"),
    definition=_(
        "Households of the village with fibre internet (FTTH) ÷ all households of the village. "
        "Source: household registry."
    ),
    noun=_("households with fibre internet"),
)

households_4g = household_indicator(
    "households_4g",
    has=Q(has_4g=True),
    lacks=Q(has_4g=False),
    label=_("Households covered by 4G/5G"),
    definition=_(
        "Households of the village recorded as covered by 4G/5G ÷ all households of the village. "
        "Source: household registry."
    ),
    noun=_("households covered by 4G/5G"),
)


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


adults_online_services = resident_indicator(
    "adults_online_services",
    ONLINE_SERVICES,
    label=_("Adults using online public services"),
    definition=_(
        "Residents living in the village aged 18 or more on the assessment date who use online "
        "public services ÷ all such adults. Source: household registry."
    ),
    noun=_("adults using online public services"),
)

health_insurance_vneid = resident_indicator(
    "health_insurance_vneid",
    HEALTH_INSURANCE_IN_VNEID,
    label=_("Residents 14+ with health insurance integrated in VNeID"),
    definition=_(
        "Residents living in the village aged 14 or more on the assessment date whose health "
        "insurance card is integrated in VNeID ÷ all such residents. Source: household registry."
    ),
    noun=_("residents 14+ with health insurance in VNeID"),
)

VNEID_DOCUMENTS = ("doc_health_insurance", "doc_driving_licence", "doc_vehicle_registration")


@indicator(
    "vneid_documents_integrated",
    level="village",
    unit="count",
    label=_("Documents integrated in VNeID"),
    definition=_(
        "Number of documents (health insurance, driving licence, vehicle registration) "
        "integrated in VNeID by residents living in the village aged 14 or more on the "
        "assessment date. Source: household registry."
    ),
    noun=_("documents integrated in VNeID"),
)
def vneid_documents_integrated(village_ids, *, on):
    counts = {name: Count("pk", filter=Q(**{name: True})) for name in VNEID_DOCUMENTS}
    rows = (
        RESIDENTS_14.residents(on)
        .filter(household__village_id__in=village_ids)
        .order_by()
        .values("household__village_id")
        .annotate(**counts)
    )
    found = {}
    for row in rows:
        total = sum(row[name] for name in VNEID_DOCUMENTS)
        found[row["household__village_id"]] = Result.count(total)
    return found


households_digital_address = household_indicator(
    "households_digital_address",
    has=Q(digital_address__isnull=False),
    lacks=Q(digital_address__isnull=True),
    label=_("Households with a digital address"),
    definition=_(
        "Households of the village with a digital address (location code and GPS) ÷ all "
        "households of the village. Source: digital addresses."
    ),
    noun=_("households with a digital address"),
    followup_topic="digital_address",
)

# Verified with the commune police, with a code, and its plate installed (plates/, issue 18: the
# team marks installation, which sets DigitalAddress.plate_installed). A catalogue asks for it
# by this key; the shipped catalogues keep households_digital_address.
PLATED = (
    Q(digital_address__verified_on__isnull=False)
    & Q(digital_address__location_code__isnull=False)
    & ~Q(digital_address__location_code="")
    & Q(digital_address__plate_installed=True)
)
households_digital_address_plated = household_indicator(
    "households_digital_address_plated",
    has=PLATED,
    lacks=~PLATED,
    label=_("Households with a verified and plated digital address"),
    definition=_(
        "Households of the village whose digital address is verified with the commune police "
        "and carries an installed address plate ÷ all households of the village. Source: "
        "digital addresses and address plates."
    ),
    noun=_("households with a verified and plated digital address"),
    followup_topic="digital_address",
)


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


def _rated_products(where: Q, on):
    """OCOP-rated products (3 stars or more, certificate valid on `on`) of the producers `where`."""
    return Product.objects.filter(where, stars__gte=OCOP_MIN_STARS).filter(_certificate_valid(on))


def product_indicator(key: str, *, good: Callable[[], Q], **options) -> Indicator:
    """Register an indicator "rated products of the village's producers that are `good` ÷ all
    of them" (no product: not applicable), with its gap list (the rated products that are not)."""

    def compute(village_ids, *, on):
        rows = (
            _rated_products(Q(producer__village_id__in=village_ids), on)
            .order_by()
            .values("producer__village_id")
            .annotate(den=Count("pk"), num=Count("pk", filter=good()))
        )
        return {row["producer__village_id"]: Result.ratio(row["num"], row["den"]) for row in rows}

    register = indicator(
        key, level="village", unit="percent", empty=NOT_APPLICABLE, gap_kind="products", **options
    )
    item = register(compute)

    @item.gap_rows
    def _gap(scope, *, on):
        return (
            _rated_products(_scope_filter(scope, "producer__village_id"), on)
            .exclude(good())
            .select_related("producer", "producer__village")
        )

    return item


def _estamp_q():
    return Q(Exists(_ready_batches()))


def _traceable_q():
    # Circular 02/2024/TT-BKHCN: a traceability code on the product, here an e-stamp batch of
    # the portal or the product's own GS1 barcode (GTIN-13).
    return _estamp_q() | ~Q(gtin="")


ocop_products_estamp = product_indicator(
    "ocop_products_estamp",
    good=_estamp_q,
    label=_("OCOP products carrying e-stamps"),
    definition=_(
        "OCOP-rated products (3 stars or more, certificate not expired on the assessment date) of "
        "the village's producers with at least one ready, not revoked e-stamp batch ÷ all such "
        "products. No product: not applicable. Source: OCOP."
    ),
    noun=_("OCOP products with e-stamps"),
)

ocop_products_traceable = product_indicator(
    "ocop_products_traceable",
    good=_traceable_q,
    label=_("OCOP products traceable (e-stamp or barcode)"),
    definition=_(
        "OCOP-rated products (3 stars or more, certificate not expired on the assessment date) of "
        "the village's producers with a ready, not revoked e-stamp batch or a GTIN barcode ÷ all "
        "such products. No product: not applicable. Source: OCOP."
    ),
    noun=_("traceable OCOP products"),
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


@indicator(
    "advanced_set_met",
    level="commune",
    unit="boolean",
    label=_("The commune meets the advanced NTM commune set"),
    definition=_(
        "Yes when the commune meets every criterion of the active advanced NTM commune set "
        "(Decision 318/QĐ-TTg) in the same roll-up (criteria not applicable are skipped; a "
        "criterion without data is not met). No such set: no data."
    ),
    noun=_("criteria of the advanced NTM commune set"),
)
def advanced_set_met(commune, *, on, context=None):
    if context is None or not context.sets_met or "advanced" not in context.sets_met:
        return NO_DATA
    met = context.sets_met["advanced"]
    return Result(Decimal(1 if met else 0), None, None)


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
