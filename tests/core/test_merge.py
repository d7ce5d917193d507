"""core.merge: a stale edit is merged field by field (original, theirs, yours)."""

import pytest
from django.db.models import F

from core import merge
from households.forms import HouseholdForm, ResidentForm
from households.models import Household, Resident
from tests.households.factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def page_data(form) -> dict:
    """What the browser posts for an unbound form as it was shown."""
    data = {}
    for bf in form:
        value = bf.value()
        if isinstance(value, bool):
            if value:
                data[bf.html_name] = "on"
        elif value is not None:
            data[bf.html_name] = value
    return data


def server_edit(model, pk, **values):
    model.objects.filter(pk=pk).update(version=F("version") + 1, **values)


def test_disjoint_changes_are_merged_without_a_question(login, leader_a1, village_a1):
    household = HouseholdFactory(village=village_a1, number="5", lane="Xóm Cũ", house_no="1")
    data = page_data(HouseholdForm(instance=household, user=leader_a1))
    server_edit(Household, household.pk, phone="0912345678", house_no="9A")
    data["lane"] = "Xóm Mới"
    response = login(leader_a1).post(f"/field/households/{household.pk}/edit/", data)
    assert response.status_code == 302
    household.refresh_from_db()
    assert (household.lane, household.phone, household.house_no) == ("Xóm Mới", "0912345678", "9A")
    assert household.version == 3


def test_same_field_is_asked_and_the_answer_applied(login, leader_a1, village_a1):
    household = HouseholdFactory(village=village_a1, number="5", lane="Xóm Cũ", house_no="1")
    data = page_data(HouseholdForm(instance=household, user=leader_a1))
    server_edit(Household, household.pk, lane="Xóm Của Xã", house_no="9A")
    data["lane"] = "Xóm Của Tôi"
    client = login(leader_a1)
    url = f"/field/households/{household.pk}/edit/"
    answer = client.post(url, data, HTTP_X_OUTBOX="1").json()
    assert answer["result"] == "conflict"
    rows = answer["conflict"]["rows"]
    assert [(r["name"], r["original"], r["theirs"], r["yours"]) for r in rows] == [
        ("lane", "Xóm Cũ", "Xóm Của Xã", "Xóm Của Tôi")
    ]
    assert answer["conflict"]["version"] == 2
    household.refresh_from_db()
    assert household.lane == "Xóm Của Xã"  # nothing written yet

    # An answer given for an older version of the record is asked again.
    stale_answer = {**data, "_merge-lane": "yours", "_merge_version": "1"}
    assert client.post(url, stale_answer, HTTP_X_OUTBOX="1").json()["result"] == "conflict"

    chosen = {**data, "_merge-lane": "yours", "_merge_version": "2"}
    assert client.post(url, chosen, HTTP_X_OUTBOX="1").json()["result"] == "saved"
    household.refresh_from_db()
    assert (household.lane, household.house_no) == ("Xóm Của Tôi", "9A")


def test_choosing_theirs_keeps_the_server_value(login, leader_a1, village_a1):
    household = HouseholdFactory(village=village_a1, number="5", lane="Xóm Cũ", note="")
    data = page_data(HouseholdForm(instance=household, user=leader_a1))
    server_edit(Household, household.pk, lane="Xóm Của Xã")
    data.update({"lane": "Xóm Của Tôi", "note": "Đã thăm", "_merge-lane": "theirs"})
    data["_merge_version"] = "2"
    login(leader_a1).post(f"/field/households/{household.pk}/edit/", data)
    household.refresh_from_db()
    assert (household.lane, household.note) == ("Xóm Của Xã", "Đã thăm")


def test_untouched_fields_never_change_including_the_id_number(login, leader_a1, village_a1):
    household = HouseholdFactory(village=village_a1)
    resident = ResidentFactory(household=household, relation="head", has_smartphone=False)
    data = page_data(ResidentForm(instance=resident, user=leader_a1))
    # Meanwhile: smartphone ticked, name corrected and ID number set on the server.
    fresh = Resident.objects.get(pk=resident.pk)
    fresh.set_id_number("022301123456")
    fresh.save()
    server_edit(Resident, resident.pk, has_smartphone=True, full_name="Tên Mới Của Xã")
    data["phone"] = "0987654321"
    response = login(leader_a1).post(f"/field/residents/{resident.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    resident.refresh_from_db()
    assert resident.phone == "0987654321"
    assert resident.has_smartphone is True
    assert resident.full_name == "Tên Mới Của Xã"
    assert resident.get_id_number() == "022301123456"


def test_same_change_on_both_sides_is_no_conflict(login, leader_a1, village_a1):
    household = HouseholdFactory(village=village_a1, lane="Xóm Cũ")
    data = page_data(HouseholdForm(instance=household, user=leader_a1))
    server_edit(Household, household.pk, lane="Xóm Mới")
    data["lane"] = "Xóm Mới"
    response = login(leader_a1).post(f"/field/households/{household.pk}/edit/", data)
    assert response.status_code == 302


def test_a_tampered_base_is_ignored_and_every_difference_asked(login, leader_a1, village_a1):
    household = HouseholdFactory(village=village_a1, lane="Xóm Cũ", house_no="1")
    data = page_data(HouseholdForm(instance=household, user=leader_a1))
    server_edit(Household, household.pk, house_no="9A")
    data.update({"lane": "Xóm Mới", merge.BASE_FIELD: "forged"})
    answer = (
        login(leader_a1)
        .post(f"/field/households/{household.pk}/edit/", data, HTTP_X_OUTBOX="1")
        .json()
    )
    assert answer["result"] == "conflict"
    assert {r["name"] for r in answer["conflict"]["rows"]} == {"lane", "house_no"}
    household.refresh_from_db()
    assert (household.lane, household.house_no) == ("Xóm Cũ", "9A")


def test_address_decimals_and_dates_merge_by_value(login, leader_a1, village_a1):
    # Decimals and dates are compared as values (21.355 posted as "21.355000" is no change).
    from households.forms import DigitalAddressForm
    from households.models import DigitalAddress
    from tests.households.factories import DigitalAddressFactory

    household = HouseholdFactory(village=village_a1)
    address = DigitalAddressFactory(
        household=household, collected_on="2026-01-05", plate_installed=False
    )
    data = page_data(DigitalAddressForm(instance=address, user=leader_a1))
    server_edit(DigitalAddress, address.pk, latitude="21.400000", collected_on="2026-02-01")
    data["plate_installed"] = "on"
    response = login(leader_a1).post(f"/field/households/{household.pk}/address/", data)
    assert response.status_code == 302
    address.refresh_from_db()
    assert address.plate_installed is True
    assert str(address.latitude) == "21.400000"
    assert address.collected_on.isoformat() == "2026-02-01"


def test_village_asset_without_a_version_is_merged_by_its_snapshot(login, leader_a1, village_a1):
    from households.forms import VillageAssetForm
    from villages.models import VillageAsset

    owner = HouseholdFactory(village=village_a1, number="8")
    asset = VillageAsset.objects.create(
        village=village_a1, kind="camera", name="Camera cổng", owner="household",
        owner_household=owner, status="working", note="",
    )  # fmt: skip
    data = page_data(VillageAssetForm(instance=asset, user=leader_a1))
    HouseholdFactory(village=village_a1, number="9")
    other = VillageAsset.objects.get(pk=asset.pk)
    other.status, other.name = "broken", "Camera cổng làng"
    other.owner_household = owner.__class__.objects.get(number="9")
    other.save()
    client = login(leader_a1)
    url = f"/field/assets/{asset.pk}/edit/"
    response = client.post(url, {**data, "note": "Đã lau ống kính"})
    assert response.status_code == 302
    asset.refresh_from_db()
    # The phone's note added; the official's status, name and owner household kept.
    assert (asset.note, asset.status, asset.name) == (
        "Đã lau ống kính",
        "broken",
        "Camera cổng làng",
    )
    assert asset.owner_household.number == "9"

    # Both changed the name: asked, and the answer applies to this state of the asset only.
    answer = client.post(url, {**data, "name": "Camera của tôi"}, HTTP_X_OUTBOX="1").json()
    assert answer["result"] == "conflict"
    assert [r["name"] for r in answer["conflict"]["rows"]] == ["name"]
    asset.refresh_from_db()
    assert asset.name == "Camera cổng làng"
    chosen = {
        **data,
        "name": "Camera của tôi",
        "_merge-name": "yours",
        "_merge_version": answer["conflict"]["version"],
    }
    assert client.post(url, chosen, HTTP_X_OUTBOX="1").json()["result"] == "saved"
    asset.refresh_from_db()
    assert (asset.name, asset.status, asset.note) == ("Camera của tôi", "broken", "Đã lau ống kính")
