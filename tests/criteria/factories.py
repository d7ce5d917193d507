"""Factories for the criteria tests (households and assets built minimally, by hand)."""

import datetime as dt

import factory

from households.models import DigitalAddress, Household, Resident
from tests.factories import VillageFactory
from villages.models import VillageAsset


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    village = factory.SubFactory(VillageFactory)
    number = factory.Sequence(lambda n: f"H{n:04d}")


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    household = factory.SubFactory(HouseholdFactory)
    full_name = factory.Sequence(lambda n: f"Người Thử {n}")
    birth_date = dt.date(1980, 1, 1)
    sex = "M"
    relation = "other"
    status = "present"


class DigitalAddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DigitalAddress

    household = factory.SubFactory(HouseholdFactory)
    latitude = "21.3"
    longitude = "107.6"
    source = "police"


class AssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VillageAsset

    village = factory.SubFactory(VillageFactory)
    kind = "wifi"
    name = factory.Sequence(lambda n: f"Thiết bị {n}")
