"""manage.py seed_scale at a tiny size: realistic rows, refusal to run twice, --reset."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from households.models import DigitalAddress, Household, Resident
from households.validators import validate_id_number
from villages.models import Membership, Village

ARGS = ["--communes", "2", "--villages-per-commune", "2", "--households-per-village", "6"]


def seed(*extra) -> str:
    out = io.StringIO()
    call_command("seed_scale", *ARGS, *extra, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_seed_scale_makes_a_realistic_data_set():
    output = seed()
    assert "households 24/24" in output  # the plain-text progress bar
    villages = Village.objects.all()
    assert villages.count() == 4
    assert set(villages.values_list("commune__province_code", flat=True)) == {"22"}
    assert Household.objects.count() == 24
    residents = list(Resident.objects.all())
    assert 24 <= len(residents) <= 24 * 7
    # Exactly one head per household; every ID number valid, unique, encrypted as the app does.
    heads = [r.household_id for r in residents if r.relation == "head"]
    assert sorted(heads) == sorted(Household.objects.values_list("pk", flat=True))
    with_id = [r for r in residents if r.id_number_digest]
    assert with_id
    for resident in with_id:
        number = resident.get_id_number()
        validate_id_number(number, birth_date=resident.birth_date, sex=resident.sex)
        assert resident.id_number_masked == number[:3] + "******" + number[-3:]
        assert resident.id_number_tail == number[-3:]
    assert len({r.id_number_digest for r in with_id}) == len(with_id)
    assert DigitalAddress.objects.exists()
    # One official per commune and one team leader per village, with their memberships.
    assert Membership.objects.filter(role="official").count() == 2
    assert Membership.objects.filter(role="leader").count() == 4


@pytest.mark.django_db
def test_seed_scale_refuses_to_run_twice_unless_reset():
    seed()
    with pytest.raises(CommandError, match="--reset"):
        seed()
    assert Household.objects.count() == 24
    seed("--reset")
    assert Household.objects.count() == 24
    assert Village.objects.count() == 4


@pytest.mark.django_db
def test_reset_only_removes_the_scale_data(commune_a, village_a1):
    Household.objects.create(village=village_a1, number="1")
    seed()
    call_command("seed_scale", "--communes", "1", "--reset-only", stdout=io.StringIO())
    assert list(Household.objects.values_list("village", flat=True)) == [village_a1.pk]
    assert not Resident.objects.exists()
    assert list(Village.objects.all()) == [village_a1]  # the persona village only
