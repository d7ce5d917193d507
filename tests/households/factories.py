import datetime as dt
import random

import factory

from households.models import DigitalAddress, Household, Resident
from households.validators import id_digit_for
from tests.factories import VillageFactory

_rng = random.Random(7)


def make_id(birth: dt.date, sex: str, province: str = "022") -> str:
    tail = _rng.randrange(10**6)
    return f"{province}{id_digit_for(birth.year, sex)}{birth.year % 100:02d}{tail:06d}"


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    village = factory.SubFactory(VillageFactory)
    number = factory.Sequence(lambda n: str(n + 1))
    lane = "Xóm 1"


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident
        skip_postgeneration_save = True

    household = factory.SubFactory(HouseholdFactory)
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn Thử {n}")
    birth_date = dt.date(1980, 5, 17)
    sex = "M"
    relation = "head"

    @factory.post_generation
    def id_number(obj, create, extracted, **kwargs):
        number = make_id(obj.birth_date, obj.sex) if extracted is None else extracted
        if number:
            obj.set_id_number(number)
        if create:
            obj.save()


class DigitalAddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DigitalAddress

    household = factory.SubFactory(HouseholdFactory)
    latitude = "21.355000"
    longitude = "107.595000"
    source = "team"
