"""Every shipped indicator against small hand-counted fixtures, with the edge cases."""

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps

from core.dates import years_before
from criteria.indicators import REGISTRY
from tests.criteria.conftest import ON
from tests.criteria.factories import (
    AssetFactory,
    DigitalAddressFactory,
    HouseholdFactory,
    ResidentFactory,
)

pytestmark = pytest.mark.django_db


def value(key, scope, on=ON):
    return REGISTRY[key].compute(scope, on=on)


def test_shipped_catalogue_uses_only_registered_indicators(smart_set, model_set):
    for criteria_set in (smart_set, model_set):
        for criterion in criteria_set.criteria.all():
            assert not criterion.indicator_key or criterion.indicator_key in REGISTRY


def test_years_before_handles_29_february():
    assert years_before(dt.date(2026, 6, 15), 18) == dt.date(2008, 6, 15)
    assert years_before(dt.date(2028, 2, 29), 18) == dt.date(2010, 2, 28)


# --- households ------------------------------------------------------------------------------


def test_fibre_share_per_village_and_commune(village_a1, village_a2, commune_a):
    HouseholdFactory(village=village_a1, has_fibre=True)
    HouseholdFactory(village=village_a1, has_fibre=True)
    HouseholdFactory(village=village_a1, has_fibre=False)
    HouseholdFactory(village=village_a2, has_fibre=False)
    r = value("households_fibre", village_a1)
    assert (r.value, r.numerator, r.denominator) == (Decimal("66.67"), 2, 3)
    assert value("households_fibre", village_a2).value == Decimal("0.00")
    commune = value("households_fibre", commune_a)
    assert (commune.numerator, commune.denominator, commune.value) == (2, 4, Decimal("50.00"))
    gap = REGISTRY["households_fibre"].gap(village_a1, on=ON)
    assert gap.count() == 1


def test_empty_village_is_no_data(village_a1):
    for key in ("households_fibre", "adults_smartphone", "vneid_level2", "adults_epayment",
                "households_digital_address", "electricity_cashless_payers"):  # fmt: skip
        assert value(key, village_a1).value is None, key


def test_digital_address_share(village_a1):
    with_address = HouseholdFactory(village=village_a1)
    DigitalAddressFactory(household=with_address)
    HouseholdFactory(village=village_a1)
    r = value("households_digital_address", village_a1)
    assert (r.value, r.numerator, r.denominator) == (Decimal("50.00"), 1, 2)
    assert list(REGISTRY["households_digital_address"].gap(village_a1, on=ON)) == [
        h for h in village_a1.households.exclude(pk=with_address.pk)
    ]


# --- residents -------------------------------------------------------------------------------


def test_adults_smartphone_cut_off_and_status(village_a1):
    hh = HouseholdFactory(village=village_a1)
    # Exactly 18 on the assessment date: an adult.
    ResidentFactory(household=hh, birth_date=dt.date(2008, 6, 15), has_smartphone=True)
    # 18 tomorrow: not an adult yet (not counted at all).
    ResidentFactory(household=hh, birth_date=dt.date(2008, 6, 16), has_smartphone=True)
    ResidentFactory(household=hh, birth_date=dt.date(1970, 1, 1), has_smartphone=False)
    # Moved away and deceased: excluded from both numerator and denominator.
    ResidentFactory(household=hh, status="moved", has_smartphone=False)
    ResidentFactory(household=hh, status="deceased", has_smartphone=True)
    r = value("adults_smartphone", village_a1)
    assert (r.numerator, r.denominator, r.value) == (1, 2, Decimal("50.00"))
    gap = REGISTRY["adults_smartphone"].gap(village_a1, on=ON)
    assert [x.birth_date for x in gap] == [dt.date(1970, 1, 1)]


def test_vneid_level2_counts_residents_14_plus(village_a1):
    hh = HouseholdFactory(village=village_a1)
    ResidentFactory(household=hh, birth_date=dt.date(2012, 6, 15), vneid_level=2)  # 14 today
    ResidentFactory(household=hh, birth_date=dt.date(2012, 6, 16), vneid_level=2)  # 13
    ResidentFactory(household=hh, birth_date=dt.date(1990, 3, 3), vneid_level=1)
    ResidentFactory(household=hh, birth_date=dt.date(1990, 3, 3), vneid_level=0)
    ResidentFactory(household=hh, vneid_level=2, status="moved")
    r = value("vneid_level2", village_a1)
    assert (r.numerator, r.denominator, r.value) == (1, 3, Decimal("33.33"))
    assert REGISTRY["vneid_level2"].gap(village_a1, on=ON).count() == 2
    assert REGISTRY["vneid_level2"].followup_topic == "vneid2"


def test_adults_epayment(village_a1, village_a2):
    hh = HouseholdFactory(village=village_a1)
    ResidentFactory(household=hh, has_epayment=True)
    ResidentFactory(household=hh, has_epayment=True)
    ResidentFactory(household=hh, has_epayment=False)
    ResidentFactory(household=hh, has_epayment=False, birth_date=dt.date(2010, 1, 1))  # minor
    ResidentFactory(household=HouseholdFactory(village=village_a2), has_epayment=False)
    r = value("adults_epayment", village_a1)
    assert (r.numerator, r.denominator) == (2, 3)
    assert value("adults_epayment", village_a2).value == Decimal("0.00")


def test_compute_many_is_one_query_for_all_villages(
    village_a1, village_a2, django_assert_num_queries
):
    for village in (village_a1, village_a2):
        hh = HouseholdFactory(village=village)
        ResidentFactory.create_batch(3, household=hh)
    for key in ("adults_smartphone", "households_fibre", "electricity_cashless_payers"):
        with django_assert_num_queries(1):
            results = REGISTRY[key].compute_many([village_a1, village_a2], on=ON)
        assert set(results) == {village_a1.pk, village_a2.pk}


# --- assets ----------------------------------------------------------------------------------


def test_wifi_at_cultural_house(village_a1, village_a2):
    AssetFactory(village=village_a1, kind="wifi", at_cultural_house=True)
    AssetFactory(village=village_a1, kind="wifi", at_cultural_house=True, status="broken")
    AssetFactory(village=village_a1, kind="wifi", at_cultural_house=False)
    AssetFactory(village=village_a1, kind="wifi", at_cultural_house=True,
                 installed_on=ON + dt.timedelta(days=1))  # fmt: skip
    assert value("wifi_cultural_house", village_a1).value == 1
    # No hotspot recorded is a fact (0, not met), not missing data.
    assert value("wifi_cultural_house", village_a2).value == 0
    assert REGISTRY["wifi_cultural_house"].gap(village_a1, on=ON).count() == 2


def test_cameras_connected(village_a1, village_a2):
    AssetFactory(village=village_a1, kind="camera", connected=True)
    AssetFactory(village=village_a1, kind="camera", connected=True, status="broken")
    AssetFactory(village=village_a1, kind="camera", connected=False)
    r = value("cameras_connected", village_a1)
    assert (r.value, r.numerator, r.denominator) == (1, 1, 3)
    share = value("cameras_connected_share", village_a1)
    assert share.value == Decimal("33.33")
    assert value("cameras_connected", village_a2).value == 0
    assert value("cameras_connected_share", village_a2).value is None


# --- sources from other apps -----------------------------------------------------------------


def _model(label):
    try:
        return apps.get_model(label)
    except LookupError:
        pytest.skip(f"{label} is not built yet")


def test_digital_team_active_within_90_days(village_a1, village_a2):
    DigitalTeam = _model("digital_teams.DigitalTeam")
    SupportActivity = _model("digital_teams.SupportActivity")
    team = DigitalTeam.objects.create(
        village=village_a1,
        decision_number="12/QĐ-UBND",
        decision_date=dt.date(2022, 9, 1),
        founded_on=dt.date(2022, 9, 1),
    )
    # 90 days before `on` is outside the window; 89 days before is inside.
    SupportActivity.objects.create(team=team, date=ON - dt.timedelta(days=90), kind="home_visit")
    r = value("digital_team_active", village_a1)
    assert (r.value, r.numerator) == (0, 0)
    SupportActivity.objects.create(team=team, date=ON - dt.timedelta(days=89), kind="home_visit")
    r = value("digital_team_active", village_a1)
    assert (r.value, r.numerator) == (1, 1)
    # An activity after the assessment date does not count.
    assert value("digital_team_active", village_a1, on=ON - dt.timedelta(days=100)).value == 0
    # No team at all: a fact (not met), not missing data.
    assert value("digital_team_active", village_a2).value == 0


def test_electricity_cashless_uses_the_latest_report(village_a1, village_a2, commune_a):
    CashlessReport = _model("payments.CashlessReport")
    CashlessReport.objects.create(
        commune=commune_a, village=village_a1, period=dt.date(2026, 4, 1),
        category="electricity", payers_total=100, payers_cashless=50,
    )  # fmt: skip
    CashlessReport.objects.create(
        commune=commune_a, village=village_a1, period=dt.date(2026, 5, 1),
        category="electricity", payers_total=200, payers_cashless=170,
    )  # fmt: skip
    CashlessReport.objects.create(
        commune=commune_a,
        village=village_a1,
        period=dt.date(2026, 7, 1),
        category="electricity",
        payers_total=10,
        payers_cashless=0,
    )  # fmt: skip  (after the assessment date: ignored)
    CashlessReport.objects.create(
        commune=commune_a, village=village_a1, period=dt.date(2026, 5, 1),
        category="water", payers_total=10, payers_cashless=0,
    )  # fmt: skip
    CashlessReport.objects.create(
        commune=commune_a,
        village=village_a2,
        period=dt.date(2024, 1, 1),
        category="electricity",
        payers_total=10,
        payers_cashless=10,
    )  # fmt: skip  (older than 12 months: no data)
    r = value("electricity_cashless_payers", village_a1)
    assert (r.value, r.numerator, r.denominator) == (Decimal("85.00"), 170, 200)
    assert value("electricity_cashless_payers", village_a2).value is None
    CashlessReport.objects.create(
        commune=commune_a, village=None, period=dt.date(2026, 6, 1),
        category="electricity", payers_total=1000, payers_cashless=900,
    )  # fmt: skip
    assert value("electricity_cashless_payers", commune_a).value == Decimal("90.00")


def test_ocop_products_with_estamps(village_a1, village_a2):
    from tests.criteria import ocop_helpers

    ocop_helpers.require()
    stamped = ocop_helpers.product(village_a1, name="Chè Tân Thanh")
    queued = ocop_helpers.product(village_a1, name="Mật ong rừng")
    ocop_helpers.product(village_a1, name="Chưa xếp hạng", score=40)  # not OCOP-rated: ignored
    expired = ocop_helpers.product(village_a1, name="Hết hạn")
    expired.certificate_issued_on = dt.date(2021, 1, 1)
    expired.certificate_expires_on = dt.date(2024, 1, 1)  # before ON: no longer OCOP
    expired.save()
    ocop_helpers.batch(stamped, status="ready")
    ocop_helpers.batch(queued, status="queued")
    r = value("ocop_products_estamp", village_a1)
    assert (r.value, r.numerator, r.denominator) == (Decimal("50.00"), 1, 2)
    assert [p.pk for p in REGISTRY["ocop_products_estamp"].gap(village_a1, on=ON)] == [queued.pk]
    # A village without OCOP products: not applicable (not "not met").
    r = value("ocop_products_estamp", village_a2)
    assert r.value is None and not r.applicable
