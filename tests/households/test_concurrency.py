"""Two people editing the same record: the second save is refused, both versions shown."""

import pytest
from django.urls import reverse

from households.models import Household
from tests.households.factories import DigitalAddressFactory


def household_post(household, version, **kw):
    data = {
        "village": household.village_id,
        "number": household.number,
        "lane": "Xóm 1",
        "version": version,
    }
    data.update(kw)
    return data


@pytest.mark.django_db
def test_second_household_save_is_refused_with_both_versions(
    login, leader_a1, member_a1, household_a1
):
    url = reverse("households:household_update", args=[household_a1.pk])
    opened = household_a1.version
    first = login(leader_a1).post(url, household_post(household_a1, opened, lane="Xóm Đông"))
    assert first.status_code == 302
    second = login(member_a1).post(url, household_post(household_a1, opened, lane="Xóm Tây"))
    assert second.status_code == 200
    body = second.content.decode()
    assert "Xóm Tây" in body and "Xóm Đông" in body  # yours vs current
    assert f"{opened + 1}" in body
    household = Household.objects.get(pk=household_a1.pk)
    assert household.lane == "Xóm Đông" and household.version == opened + 1
    assert household.history.count() == 2  # created + the one accepted change


@pytest.mark.django_db
def test_stale_resident_save_refused(login, leader_a1, household_a1):
    resident = household_a1.residents.get()
    url = reverse("households:resident_update", args=[resident.pk])
    data = {
        "full_name": "Tên Mới",
        "relation": "head",
        "birth_date": "1980-05-17",
        "sex": "M",
        "status": "present",
        "vneid_level": "2",
        "version": resident.version,
        "id_number": resident.get_id_number(),
    }
    client = login(leader_a1)
    assert client.post(url, data).status_code == 302
    stale = client.post(url, {**data, "full_name": "Tên Khác"})
    assert stale.status_code == 200
    resident.refresh_from_db()
    assert resident.full_name == "Tên Mới"


@pytest.mark.django_db
def test_stale_address_save_refused(login, leader_a1, household_a1):
    address = DigitalAddressFactory(household=household_a1)
    url = reverse("households:address_edit", args=[household_a1.pk])
    data = {"latitude": "21.36", "longitude": "107.6", "source": "team", "version": address.version}
    client = login(leader_a1)
    assert client.post(url, data).status_code == 302
    assert client.post(url, {**data, "latitude": "21.37"}).status_code == 200
    address.refresh_from_db()
    assert str(address.latitude) == "21.360000"
