"""seed_demo's plated village: verified addresses, a rendered and printed batch, most plates
installed, one report waiting for the team; a second run adds nothing."""

import pytest

from plates import demo
from plates.models import AddressCorrection, Plate, PlateBatch, PlateSettings
from tests.households.factories import DigitalAddressFactory, HouseholdFactory

pytestmark = pytest.mark.django_db


def test_demo_plates_a_village_once(commune_a, village_a1, official_a):
    for n in range(1, 11):
        household = HouseholdFactory(village=village_a1, number=str(n), house_no=str(n))
        DigitalAddressFactory(household=household, location_code=f"QT01{n:05d}", source="police")
    demo.seed_demo(commune_a, password="x")
    batch = PlateBatch.objects.get(village=village_a1)
    assert batch.status == "ready" and batch.printed_at is not None and batch.quantity == 10
    assert 0 < Plate.objects.filter(installed_at__isnull=False).count() <= 10
    assert AddressCorrection.objects.open().count() == 1
    assert PlateSettings.objects.get(commune=commune_a).contact_phone
    demo.seed_demo(commune_a, password="x")
    assert PlateBatch.objects.count() == 1 and AddressCorrection.objects.count() == 1
