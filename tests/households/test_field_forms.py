"""Adding and editing households, residents and addresses in the field portal."""

import datetime as dt

import pytest
from django.urls import reverse

from households.models import DigitalAddress, Household, Resident
from tests.households.factories import HouseholdFactory, ResidentFactory, make_id

MGMT = {
    "residents-INITIAL_FORMS": "0", "residents-MIN_NUM_FORMS": "1",
    "residents-MAX_NUM_FORMS": "1000",
}  # fmt: skip


def resident_fields(i, **kw):
    data = {
        "full_name": f"Người Thứ {i}", "relation": "head" if i == 0 else "spouse",
        "birth_date": "1980-05-17", "sex": "M" if i == 0 else "F", "status": "present",
        "vneid_level": "2", "has_epayment": "on",
    }  # fmt: skip
    data.update(kw)
    return {f"residents-{i}-{k}": v for k, v in data.items()}


def create_payload(village, *residents, **household):
    data = {"village": village.pk, "number": "101", "phone": "+84 912 345 678", **MGMT}
    data.update(household)
    data["residents-TOTAL_FORMS"] = str(len(residents))
    for r in residents:
        data.update(r)
    return data


@pytest.mark.django_db
def test_one_submit_creates_household_and_residents(login, leader_a1, village_a1):
    head_id = make_id(dt.date(1980, 5, 17), "M")
    response = login(leader_a1).post(
        reverse("households:household_create"),
        create_payload(
            village_a1,
            resident_fields(0, id_number=head_id),
            resident_fields(1, birth_date="1982-02-02"),
        ),
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    household = Household.objects.get(number="101")
    assert household.phone == "0912345678"
    assert household.residents.count() == 2
    head = household.residents.get(relation="head")
    assert head.get_id_number() == head_id
    assert head.history.first().history_user == leader_a1


@pytest.mark.django_db
def test_household_needs_exactly_one_head(login, leader_a1, village_a1):
    client = login(leader_a1)
    no_head = client.post(
        reverse("households:household_create"),
        create_payload(village_a1, resident_fields(0, relation="spouse")),
    )
    assert "đúng một chủ hộ" in no_head.content.decode()
    two_heads = client.post(
        reverse("households:household_create"),
        create_payload(village_a1, resident_fields(0), resident_fields(1, relation="head")),
    )
    assert "đúng một chủ hộ" in two_heads.content.decode()
    assert not Household.objects.exists()


@pytest.mark.django_db
def test_bad_id_and_bad_phone_show_vietnamese_errors(login, leader_a1, village_a1):
    response = login(leader_a1).post(
        reverse("households:household_create"),
        create_payload(village_a1, resident_fields(0, id_number="022180123456"), phone="12345"),
    )
    body = response.content.decode()
    assert "số điện thoại" in body.lower()
    assert "nữ" in body  # the 4th digit 1 is a woman's, the resident is a man
    assert not Household.objects.exists()


@pytest.mark.django_db
def test_duplicate_id_names_the_household_only_when_visible(
    login, leader_a1, leader_a2, household_a1, village_a2
):
    taken = household_a1.residents.get().get_id_number()
    payload = create_payload(
        village_a1 := household_a1.village, resident_fields(0, id_number=taken), number="102"
    )
    body = login(leader_a1).post(reverse("households:household_create"), payload).content.decode()
    assert "đã được đăng ký" in body and "hộ 7" in body
    payload = create_payload(village_a2, resident_fields(0, id_number=taken), number="103")
    body = login(leader_a2).post(reverse("households:household_create"), payload).content.decode()
    # Outside the leader's village: a generic error, nothing about where (finding 4).
    assert "Không thể nhận số định danh này" in body
    assert "đã được đăng ký" not in body and "hộ 7" not in body and "Thôn Một" not in body
    assert Household.objects.count() == 1
    assert village_a1


@pytest.mark.django_db
def test_same_id_twice_in_one_form_refused(login, leader_a1, village_a1):
    number = make_id(dt.date(1980, 5, 17), "M")
    response = login(leader_a1).post(
        reverse("households:household_create"),
        create_payload(
            village_a1,
            resident_fields(0, id_number=number),
            resident_fields(1, id_number=number, sex="M", relation="child"),
        ),
    )
    assert response.status_code == 200 and not Household.objects.exists()


@pytest.mark.django_db
def test_full_id_only_on_the_residents_own_form(login, leader_a1, household_a1):
    resident = household_a1.residents.get()
    full = resident.get_id_number()
    client = login(leader_a1)
    for url in (
        reverse("households:household_list"),
        reverse("households:household_detail", args=[household_a1.pk]),
    ):
        body = client.get(url).content.decode()
        assert full not in body
    assert (
        resident.id_number_masked
        in client.get(
            reverse("households:household_detail", args=[household_a1.pk])
        ).content.decode()
    )
    edit = client.get(reverse("households:resident_update", args=[resident.pk]))
    assert full in edit.content.decode()
    assert edit["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_search_by_last_id_digits_name_and_number(login, leader_a1, household_a1):
    other = HouseholdFactory(village=household_a1.village, number="8")
    ResidentFactory(household=other, full_name="Phạm Thị Khác", sex="F")
    client = login(leader_a1)
    tail = household_a1.residents.get().id_number_tail
    url = reverse("households:household_list")
    for q in (tail, "Trần Văn", "7", household_a1.residents.get().get_id_number()):
        body = client.get(url, {"q": q}).content.decode()
        assert "Trần Văn Chủ" in body, q
        if q != tail or other.residents.get().id_number_tail != tail:
            assert "Phạm Thị Khác" not in body, q


@pytest.mark.django_db
def test_filters(login, leader_a1, village_a1):
    full = HouseholdFactory(village=village_a1, number="1", has_fibre=True)
    ResidentFactory(household=full, full_name="Đủ Hết", vneid_level=2, has_epayment=True)
    from tests.households.factories import DigitalAddressFactory

    DigitalAddressFactory(household=full)
    lacking = HouseholdFactory(village=village_a1, number="2", has_fibre=False)
    ResidentFactory(household=lacking, full_name="Thiếu Hết", vneid_level=1)
    client = login(leader_a1)
    url = reverse("households:household_list")
    for flag in ("vneid2", "epayment", "address", "fibre"):
        body = client.get(url, {"f": flag}).content.decode()
        assert "Thiếu Hết" in body and "Đủ Hết" not in body, flag


@pytest.mark.django_db
def test_resident_create_and_new_head_demotes_previous(login, leader_a1, household_a1):
    client = login(leader_a1)
    response = client.post(
        reverse("households:resident_create", args=[household_a1.pk]),
        {
            "full_name": "Trần Văn Mới",
            "relation": "head",
            "birth_date": "1990-01-01",
            "sex": "M",
            "status": "present",
            "vneid_level": "0",
            "phone": "0987 654 321",
        },
    )
    assert response.status_code == 302
    assert household_a1.residents.get(relation="head").full_name == "Trần Văn Mới"
    assert household_a1.residents.get(full_name="Trần Văn Chủ").relation == "other"


@pytest.mark.django_db
def test_only_head_cannot_stop_being_head(login, leader_a1, household_a1):
    head = household_a1.residents.get()
    response = login(leader_a1).post(
        reverse("households:resident_update", args=[head.pk]),
        {
            "full_name": head.full_name,
            "relation": "child",
            "birth_date": "1980-05-17",
            "sex": "M",
            "status": "present",
            "vneid_level": "0",
            "version": head.version,
            "id_number": head.get_id_number(),
        },
    )
    assert response.status_code == 200
    head.refresh_from_db()
    assert head.relation == "head"


@pytest.mark.django_db
def test_address_with_location_inside_vietnam(login, leader_a1, household_a1):
    client = login(leader_a1)
    url = reverse("households:address_edit", args=[household_a1.pk])
    page = client.get(url).content.decode()
    assert "households/geolocate.js" in page and 'id="use-location"' in page
    bad = client.post(url, {"latitude": "48.85", "longitude": "2.35", "source": "team"})
    assert bad.status_code == 200 and not DigitalAddress.objects.exists()
    ok = client.post(
        url,
        {
            "latitude": "21.355",
            "longitude": "107.595",
            "source": "police",
            "location_code": "QT0100007",
            "postcode": "01915",
        },
    )
    assert ok.status_code == 302
    address = DigitalAddress.objects.get()
    assert address.collected_by == leader_a1 and address.location_code == "QT0100007"


@pytest.mark.django_db
def test_location_code_unique_when_present(login, leader_a1, household_a1, village_a1):
    from tests.households.factories import DigitalAddressFactory

    DigitalAddressFactory(
        household=HouseholdFactory(village=village_a1, number="3"), location_code="QT1"
    )
    DigitalAddressFactory(household=HouseholdFactory(village=village_a1, number="4"))
    response = login(leader_a1).post(
        reverse("households:address_edit", args=[household_a1.pk]),
        {"latitude": "21.355", "longitude": "107.595", "source": "team", "location_code": "QT1"},
    )
    assert response.status_code == 200
    # Two addresses without a code are fine (stored as NULL).
    login(leader_a1).post(
        reverse("households:address_edit", args=[household_a1.pk]),
        {"latitude": "21.355", "longitude": "107.595", "source": "team", "location_code": ""},
    )
    assert DigitalAddress.objects.filter(location_code__isnull=True).count() == 2


@pytest.mark.django_db
def test_future_birth_date_refused(login, leader_a1, household_a1):
    response = login(leader_a1).post(
        reverse("households:resident_create", args=[household_a1.pk]),
        {
            "full_name": "Bé",
            "relation": "child",
            "birth_date": "2999-01-01",
            "sex": "M",
            "status": "present",
            "vneid_level": "0",
        },
    )
    assert response.status_code == 200
    assert not Resident.objects.filter(full_name="Bé").exists()
