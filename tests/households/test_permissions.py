"""Who may reach which household, resident and address: the personas of tests/conftest.py."""

import datetime as dt

import pytest
from django.urls import reverse

from households.models import Household, Resident
from villages.models import VillageAsset


def _urls(household):
    resident = household.residents.first()
    return [
        ("get", reverse("households:household_detail", args=[household.pk])),
        ("get", reverse("households:household_update", args=[household.pk])),
        ("get", reverse("households:resident_create", args=[household.pk])),
        ("get", reverse("households:address_edit", args=[household.pk])),
        ("get", reverse("households:resident_update", args=[resident.pk])),
        ("post", reverse("households:household_delete", args=[household.pk])),
        ("post", reverse("households:resident_delete", args=[resident.pk])),
    ]


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client, household_a1):
    for method, url in [
        *_urls(household_a1),
        ("get", reverse("households:household_list")),
        ("get", reverse("households:import_start")),
        ("get", reverse("households:asset_list")),
    ]:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


@pytest.mark.django_db
def test_leader_of_a1_gets_404_for_everything_of_a2(login, leader_a1, household_a2):
    client = login(leader_a1)
    for method, url in _urls(household_a2):
        assert getattr(client, method)(url).status_code == 404, url
    assert Household.objects.filter(pk=household_a2.pk).exists()


@pytest.mark.django_db
def test_official_b_gets_404_for_commune_a(login, official_b, household_a1):
    client = login(official_b)
    for method, url in _urls(household_a1):
        assert getattr(client, method)(url).status_code == 404, url


@pytest.mark.django_db
def test_official_a_sees_both_villages_with_a_selector(
    login, official_a, household_a1, household_a2
):
    response = login(official_a).get(reverse("households:household_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Trần Văn Chủ" in body and "Lê Thị Hai" in body
    assert 'name="village"' in body
    one = login(official_a).get(
        reverse("households:household_list"), {"village": household_a1.village_id}
    )
    assert "Lê Thị Hai" not in one.content.decode()


@pytest.mark.django_db
def test_leader_list_shows_only_own_village(login, leader_a1, household_a1, household_a2):
    body = login(leader_a1).get(reverse("households:household_list")).content.decode()
    assert "Trần Văn Chủ" in body and "Lê Thị Hai" not in body
    # A tampered village selector shows nothing of A2.
    body = (
        login(leader_a1)
        .get(reverse("households:household_list"), {"village": household_a2.village_id})
        .content.decode()
    )
    assert "Lê Thị Hai" not in body


@pytest.mark.django_db
def test_member_cannot_delete_but_may_edit(login, member_a1, household_a1):
    client = login(member_a1)
    resident = household_a1.residents.first()
    assert (
        client.get(reverse("households:household_detail", args=[household_a1.pk])).status_code
        == 200
    )
    assert (
        client.post(reverse("households:household_delete", args=[household_a1.pk])).status_code
        == 403
    )
    assert client.post(reverse("households:resident_delete", args=[resident.pk])).status_code == 403
    assert Household.objects.filter(pk=household_a1.pk).exists()
    assert client.get(reverse("households:import_start")).status_code == 403


@pytest.mark.django_db
def test_leader_deletes_household(login, leader_a1, household_a1):
    response = login(leader_a1).post(reverse("households:household_delete", args=[household_a1.pk]))
    assert response.status_code == 302
    assert not Household.objects.filter(pk=household_a1.pk).exists()


@pytest.mark.django_db
def test_head_cannot_be_deleted_while_others_live_there(login, leader_a1, household_a1):
    from tests.households.factories import ResidentFactory

    ResidentFactory(household=household_a1, relation="child", birth_date=dt.date(2010, 1, 1))
    head = household_a1.residents.get(relation="head")
    login(leader_a1).post(reverse("households:resident_delete", args=[head.pk]))
    assert Resident.objects.filter(pk=head.pk).exists()


@pytest.mark.django_db
def test_tampered_village_on_household_form_is_refused(login, leader_a1, village_a2):
    response = login(leader_a1).post(
        reverse("households:household_create"),
        {
            "village": village_a2.pk,
            "number": "55",
            "residents-TOTAL_FORMS": "1",
            "residents-INITIAL_FORMS": "0",
            "residents-MIN_NUM_FORMS": "1",
            "residents-MAX_NUM_FORMS": "1000",
            "residents-0-full_name": "Kẻ Gian",
            "residents-0-relation": "head",
            "residents-0-birth_date": "1980-01-01",
            "residents-0-sex": "M",
            "residents-0-status": "present",
            "residents-0-vneid_level": "0",
        },
    )
    assert response.status_code == 200
    assert not Household.objects.filter(number="55").exists()


@pytest.mark.django_db
def test_tampered_owner_household_of_another_village_on_asset_form(
    login, leader_a1, household_a1, household_a2
):
    response = login(leader_a1).post(
        reverse("households:asset_create"),
        {
            "village": household_a2.village_id,
            "kind": "camera",
            "name": "X",
            "owner": "household",
            "owner_household_number": household_a2.number,
            "status": "working",
        },
    )
    assert response.status_code == 200
    assert not VillageAsset.objects.exists()
    response = login(leader_a1).post(
        reverse("households:asset_create"),
        {
            "village": household_a1.village_id,
            "kind": "camera",
            "name": "Cam",
            "owner": "household",
            "owner_household_number": household_a2.number,
            "status": "working",
        },
    )
    assert not VillageAsset.objects.exists()  # number 9 is not a household of A1
    response = login(leader_a1).post(
        reverse("households:asset_create"),
        {
            "village": household_a1.village_id,
            "kind": "camera",
            "name": "Cam",
            "owner": "household",
            "owner_household_number": household_a1.number,
            "status": "working",
            "connected": "on",
        },
    )
    assert response.status_code == 302
    asset = VillageAsset.objects.get()
    assert asset.owner_household == household_a1 and asset.connected


@pytest.mark.django_db
def test_member_reads_assets_but_cannot_enter_them(login, member_a1, village_a1):
    client = login(member_a1)
    assert client.get(reverse("households:asset_list")).status_code == 200
    assert client.get(reverse("households:asset_create")).status_code == 403


@pytest.mark.django_db
def test_asset_of_other_village_is_404(login, leader_a1, village_a2):
    asset = VillageAsset.objects.create(village=village_a2, kind="wifi", name="Wifi")
    assert (
        login(leader_a1).get(reverse("households:asset_update", args=[asset.pk])).status_code == 404
    )
