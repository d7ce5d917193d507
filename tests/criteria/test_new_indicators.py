"""The indicators added for the data already collected, against hand-counted fixtures:
4G households, online public services, VNeID documents, cashless by category (payers and value),
OCOP products traceable by e-stamp or barcode."""

import datetime as dt
from decimal import Decimal

import pytest

from core.dates import years_before
from criteria.indicators import REGISTRY
from households.populations import ONLINE_SERVICES
from payments.models import CashlessReport
from tests.criteria.conftest import ON
from tests.criteria.factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def value(key, scope, on=ON):
    return REGISTRY[key].compute(scope, on=on)


def triple(result):
    return (result.value, result.numerator, result.denominator)


def test_households_4g(village_a1, village_a2, commune_a):
    HouseholdFactory.create_batch(3, village=village_a1, has_4g=True)
    no_4g = HouseholdFactory(village=village_a1, has_4g=False)
    HouseholdFactory(village=village_a2, has_4g=True)
    assert triple(value("households_4g", village_a1)) == (Decimal("75.00"), 3, 4)
    assert triple(value("households_4g", commune_a)) == (Decimal("80.00"), 4, 5)
    assert list(REGISTRY["households_4g"].gap(village_a1, on=ON)) == [no_4g]


def test_adults_online_services_counts_present_adults_only(village_a1):
    hh = HouseholdFactory(village=village_a1)
    ResidentFactory(household=hh, uses_online_services=True)
    ResidentFactory(household=hh, uses_online_services=True)
    missing = ResidentFactory(household=hh, uses_online_services=False)
    ResidentFactory(household=hh, uses_online_services=False, status="moved")  # not present
    # 18 tomorrow: not an adult on the assessment date.
    ResidentFactory(household=hh, birth_date=years_before(ON, 18) + dt.timedelta(days=1))
    ResidentFactory(household=hh, birth_date=years_before(ON, 18), uses_online_services=True)
    item = REGISTRY["adults_online_services"]
    assert item.step is ONLINE_SERVICES  # the population is named once, in households.populations
    assert triple(value("adults_online_services", village_a1)) == (Decimal("75.00"), 3, 4)
    assert list(item.gap(village_a1, on=ON)) == [missing]


def test_vneid_documents_and_health_insurance_share(village_a1, village_a2, commune_a):
    hh = HouseholdFactory(village=village_a1)
    ResidentFactory(
        household=hh,
        doc_health_insurance=True,
        doc_driving_licence=True,
        doc_vehicle_registration=True,
    )  # fmt: skip  (3 documents)
    ResidentFactory(household=hh, doc_health_insurance=True)  # 1
    ResidentFactory(household=hh)  # 0
    ResidentFactory(household=hh, doc_health_insurance=True, status="deceased")  # not counted
    # 13 years old: below the VNeID age, not counted.
    ResidentFactory(household=hh, birth_date=years_before(ON, 13), doc_health_insurance=True)
    ResidentFactory(household=HouseholdFactory(village=village_a2), doc_driving_licence=True)
    assert triple(value("vneid_documents_integrated", village_a1)) == (Decimal(4), 4, None)
    assert value("vneid_documents_integrated", commune_a).value == Decimal(5)
    assert triple(value("health_insurance_vneid", village_a1)) == (Decimal("66.67"), 2, 3)


def _report(commune, village, category, *, period, payers, cashless, amount, amount_cashless):
    return CashlessReport.objects.create(
        commune=commune, village=village, period=period, category=category,
        payers_total=payers, payers_cashless=cashless,
        amount_total=amount, amount_cashless=amount_cashless,
    )  # fmt: skip


def test_cashless_by_category_by_payers_and_by_value(commune_a, village_a1, village_a2):
    _report(
        commune_a,
        village_a1,
        "water",
        period=dt.date(2026, 4, 1),
        payers=100,
        cashless=10,
        amount=1_000_000,
        amount_cashless=100_000,
    )  # fmt: skip  (older: replaced)
    _report(commune_a, village_a1, "water", period=dt.date(2026, 5, 1), payers=200, cashless=150,
            amount=40_000_000, amount_cashless=36_000_000)  # fmt: skip
    _report(commune_a, village_a2, "water", period=dt.date(2026, 6, 1), payers=50, cashless=50,
            amount=10_000_000, amount_cashless=4_000_000)  # fmt: skip
    _report(commune_a, village_a1, "school_fees", period=dt.date(2026, 5, 1), payers=40,
            cashless=30, amount=0, amount_cashless=0)  # fmt: skip
    assert triple(value("cashless_water_payers", village_a1)) == (Decimal("75.00"), 150, 200)
    assert triple(value("cashless_water_value", village_a1)) == (
        Decimal("90.00"), 36_000_000, 40_000_000,
    )  # fmt: skip
    # Commune without its own report: the villages' figures summed (not averaged).
    assert triple(value("cashless_water_payers", commune_a)) == (Decimal("80.00"), 200, 250)
    assert value("cashless_water_value", commune_a).value == Decimal("80.00")  # 40 of 50 M
    assert triple(value("cashless_school_fees_payers", village_a1)) == (Decimal("75.00"), 30, 40)
    assert value("cashless_school_fees_value", village_a1).value is None  # no amount reported
    assert value("cashless_health_payers", village_a1).value is None  # no report
    # The commune's own report wins over the sum of its villages.
    _report(commune_a, None, "water", period=dt.date(2026, 6, 1), payers=1000, cashless=900,
            amount=100, amount_cashless=97)  # fmt: skip
    assert value("cashless_water_payers", commune_a).value == Decimal("90.00")
    assert value("cashless_water_value", commune_a).value == Decimal("97.00")


def _gtin(prefix12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(prefix12))
    return prefix12 + str((10 - total % 10) % 10)


def test_ocop_traceable_by_estamp_or_barcode(village_a1, village_a2):
    from tests.criteria import ocop_helpers

    ocop_helpers.require()
    stamped = ocop_helpers.product(village_a1, name="Chè Tân Thanh")
    ocop_helpers.batch(stamped, status="ready")
    barcoded = ocop_helpers.product(village_a1, name="Nước mắm")
    barcoded.gtin = _gtin("893123456789")
    barcoded.save()
    neither = ocop_helpers.product(village_a1, name="Mật ong rừng")
    ocop_helpers.batch(neither, status="queued")  # not ready: not traceable yet
    ocop_helpers.product(village_a1, name="Chưa xếp hạng", score=40)  # not OCOP: ignored
    r = value("ocop_products_traceable", village_a1)
    assert triple(r) == (Decimal("66.67"), 2, 3)
    assert [p.pk for p in REGISTRY["ocop_products_traceable"].gap(village_a1, on=ON)] == [
        neither.pk
    ]
    # E-stamps only: the barcoded product does not count there.
    assert triple(value("ocop_products_estamp", village_a1)) == (Decimal("33.33"), 1, 3)
    assert not value("ocop_products_traceable", village_a2).applicable
