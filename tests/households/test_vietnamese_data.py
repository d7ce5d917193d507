"""Vietnamese data that stays right: one normal form, accent-insensitive search, natural order,
duplicate people, double submits (issue 14)."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from django.urls import reverse

from core.models import IdempotencyRecord
from households import importer, services
from households.models import Household, Resident
from tests.households.factories import HouseholdFactory, ResidentFactory, make_id
from tests.households.test_field_forms import create_payload, resident_fields
from tests.households.test_import import row as import_row
from tests.households.test_import import xlsx

NFD = unicodedata.normalize("NFD", "Đặng Thị Huệ")


def resident_post(**kw):
    data = {
        "full_name": "Phạm Văn Mới", "relation": "spouse", "birth_date": "1990-03-04",
        "sex": "M", "status": "present", "vneid_level": "0",
    }  # fmt: skip
    data.update(kw)
    return data


# --- One normal form ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_nfd_name_typed_in_the_field_is_stored_nfc_and_trimmed(login, leader_a1, household_a1):
    url = reverse("households:resident_create", args=[household_a1.pk])
    response = login(leader_a1).post(url, resident_post(full_name=f"  {NFD}   \u200b "))
    assert response.status_code == 302
    resident = Resident.objects.get(household=household_a1, relation="spouse")
    assert resident.full_name == "Đặng Thị Huệ"
    assert unicodedata.is_normalized("NFC", resident.full_name)
    assert resident.search_key == "dang thi hue"


@pytest.mark.django_db
def test_model_save_and_bulk_create_normalise_too(village_a1):
    household = Household.objects.create(village=village_a1, number="٤٢", lane=" Xóm   Đông ")
    assert (household.number, household.lane) == ("42", "Xóm Đông")
    assert household.number_sort == "00000042"
    [bulk] = Household.objects.bulk_create([Household(village=village_a1, number="１２Ａ")])
    bulk.refresh_from_db()
    assert bulk.number == "12Ａ" and bulk.number_sort == "00000012ａ"  # digits ASCII, key folded
    resident = Resident.objects.create(
        household=household, full_name=NFD, birth_date=dt.date(1990, 1, 1), sex="F",
        relation="head",
    )  # fmt: skip
    assert Resident.objects.get(pk=resident.pk).full_name == "Đặng Thị Huệ"


@pytest.mark.django_db
def test_other_digit_systems_in_id_and_phone_are_stored_as_ascii(login, leader_a1, household_a1):
    number = make_id(dt.date(1990, 3, 4), "M")
    arabic = "".join(chr(0x0660 + int(d)) for d in number)
    full_width_phone = "".join(chr(0xFF10 + int(d)) for d in "0912345678")
    url = reverse("households:resident_create", args=[household_a1.pk])
    response = login(leader_a1).post(url, resident_post(id_number=arabic, phone=full_width_phone))
    assert response.status_code == 302
    resident = Resident.objects.get(household=household_a1, relation="spouse")
    assert resident.get_id_number() == number
    assert resident.phone == "0912345678"
    assert Resident.objects.with_id_number(number).count() == 1
    # The same person typed again with ASCII digits is the same ID number: refused.
    again = login(leader_a1).post(url, resident_post(full_name="Khác Hẳn", id_number=number))
    assert again.status_code == 200
    assert "đã được đăng ký" in again.content.decode()


# --- Accent-insensitive search -------------------------------------------------------------------
@pytest.fixture
def names(village_a1, village_a2):
    rows = {}
    for number, name in [("1", "Nguyễn Văn Hùng"), ("2", "Đặng Thị Lan"), ("3", "Trần Thị Bích")]:
        h = HouseholdFactory(village=village_a1, number=number)
        rows[name] = ResidentFactory(household=h, full_name=name)
    other = HouseholdFactory(village=village_a2, number="1")
    ResidentFactory(household=other, full_name="Nguyễn Văn Khác")
    return rows


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("q", "found", "not_found"),
    [
        ("nguyen van", "Nguyễn Văn Hùng", "Đặng Thị Lan"),
        ("NGUYEN VAN", "Nguyễn Văn Hùng", "Trần Thị Bích"),
        ("NGUYỄN", "Nguyễn Văn Hùng", "Đặng Thị Lan"),
        ("Nguyen Van H", "Nguyễn Văn Hùng", "Đặng Thị Lan"),
        ("dang", "Đặng Thị Lan", "Nguyễn Văn Hùng"),
        ("đặng", "Đặng Thị Lan", "Nguyễn Văn Hùng"),
        (unicodedata.normalize("NFD", "Trần Thị"), "Trần Thị Bích", "Đặng Thị Lan"),
    ],
)
def test_field_search_ignores_accents_and_case(login, leader_a1, names, q, found, not_found):
    body = login(leader_a1).get(reverse("households:household_list"), {"q": q}).content.decode()
    assert found in body
    assert not_found not in body
    assert "Nguyễn Văn Khác" not in body  # another village: never


@pytest.mark.django_db
def test_admin_search_boxes_ignore_accents(login, official_a, names):
    client = login(official_a)
    body = client.get(reverse("admin:households_resident_changelist"), {"q": "dang thi"})
    assert "Đặng Thị Lan" in body.content.decode()
    assert "Nguyễn Văn Hùng" not in body.content.decode()
    body = client.get(reverse("admin:households_household_changelist"), {"q": "NGUYEN hung"})
    assert body.status_code == 200 and len(body.context["cl"].result_list) == 1


@pytest.mark.django_db
def test_follow_up_list_search(login, leader_a1, names, village_a1):
    url = reverse("digital_teams:followup_list")
    body = (
        login(leader_a1)
        .get(url, {"village": village_a1.pk, "topic": "digital_address", "q": "tran thi"})
        .content.decode()
    )
    assert "Trần Thị Bích" in body and "Nguyễn Văn Hùng" not in body


# --- Natural order of household numbers ---------------------------------------------------------
@pytest.mark.django_db
def test_household_numbers_in_natural_order(login, leader_a1, village_a1):
    for number in ["100", "12A", "2", "12", "10", "1"]:
        HouseholdFactory(village=village_a1, number=number)
    page = login(leader_a1).get(reverse("households:household_list")).context["page"]
    assert [h.number for h in page.object_list] == ["1", "2", "10", "12", "12A", "100"]
    admin_order = list(
        Household.objects.filter(village=village_a1).values_list("number", flat=True)
    )
    assert admin_order == ["1", "2", "10", "12", "12A", "100"]


# --- Duplicate people ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_same_person_typed_without_accents_needs_confirmation(
    login, leader_a1, household_a1, village_a1
):
    existing = ResidentFactory(
        household=HouseholdFactory(village=village_a1, number="8"),
        full_name="Nguyễn Văn Hùng", relation="head", birth_date=dt.date(1990, 3, 4),
    )  # fmt: skip
    url = reverse("households:resident_create", args=[household_a1.pk])
    client = login(leader_a1)
    response = client.post(url, resident_post(full_name="NGUYEN VAN HUNG"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "8 (Thôn Một)" in body
    assert existing.id_number_masked in body
    assert 'name="confirm_duplicate"' in body
    assert Resident.objects.filter(search_key="nguyen van hung").count() == 1
    saved = client.post(url, resident_post(full_name="NGUYEN VAN HUNG", confirm_duplicate="on"))
    assert saved.status_code == 302
    assert Resident.objects.filter(search_key="nguyen van hung").count() == 2


@pytest.mark.django_db
def test_duplicate_in_another_village_shows_the_village_only(
    login, leader_a1, household_a1, village_a2
):
    other = ResidentFactory(
        household=HouseholdFactory(village=village_a2, number="55"),
        full_name="Lê Văn Trùng", birth_date=dt.date(1990, 3, 4),
    )  # fmt: skip
    url = reverse("households:resident_create", args=[household_a1.pk])
    body = login(leader_a1).post(url, resident_post(full_name="Le Van Trung")).content.decode()
    assert village_a2.name in body
    assert other.id_number_masked not in body  # outside a leader's village: no household, no ID


@pytest.mark.django_db
def test_import_and_typed_nfd_name_find_one_person(login, leader_a1, village_a1, household_a1):
    """The Excel import and the field form go through the same normaliser: the NFD name
    imported is found by the NFC search, and typing it again is caught as the same person."""
    line = import_row(village_a1.name, "77", NFD, birth="04/03/1990", sex="Nữ")
    result = importer.import_apply(xlsx([line]), user=leader_a1)
    assert result.ok, (result.file_errors, result.row_errors)
    person = Resident.objects.get(household__number="77")
    assert person.full_name == "Đặng Thị Huệ"
    client = login(leader_a1)
    body = client.get(reverse("households:household_list"), {"q": "dang thi hue"})
    assert "Đặng Thị Huệ" in body.content.decode()
    typed = client.post(
        reverse("households:resident_create", args=[household_a1.pk]),
        resident_post(full_name="Đặng Thị Huệ", sex="F"),
    )
    assert typed.status_code == 200 and 'name="confirm_duplicate"' in typed.content.decode()
    assert Resident.objects.filter(search_key="dang thi hue").count() == 1
    # Typed without accents in a new household of the file: the preview lists the row.
    again = import_row(village_a1.name, "78", "DANG THI HUE", birth="04/03/1990", sex="Nữ")
    check = importer.import_check(xlsx([again]), user=leader_a1)
    assert check.ok
    [dup] = check.as_json()["duplicates"]
    assert dup["row"] == 2 and "77" in dup["match"] and person.id_number_masked in dup["match"]


@pytest.mark.django_db
def test_import_confirm_needs_the_tick_when_duplicates_are_listed(login, leader_a1):
    from households.models import HouseholdImport

    job = HouseholdImport.objects.create(
        created_by=leader_a1, commune=leader_a1.memberships.first().village.commune,
        file_name="x.xlsx", status=HouseholdImport.Status.PREVIEW,
        result={"ok": True, "duplicate_count": 1, "duplicates": [{"row": 2}]},
    )  # fmt: skip
    client = login(leader_a1)
    response = client.post(reverse("households:import_confirm", args=[job.pk]), follow=True)
    assert "tick" in response.content.decode() or "đánh dấu" in response.content.decode()
    job.refresh_from_db()
    assert job.status == HouseholdImport.Status.PREVIEW


@pytest.mark.django_db
def test_admin_merge_moves_activities_and_keeps_history(login, official_a, village_a1):
    from digital_teams.models import AssistedChange, DigitalTeam, SupportActivity

    keep = ResidentFactory(
        household=HouseholdFactory(village=village_a1, number="1"),
        full_name="Nguyễn Văn Hai", id_number="",
    )  # fmt: skip
    twin = ResidentFactory(
        household=HouseholdFactory(village=village_a1, number="2"),
        full_name="Nguyen Van Hai", relation="spouse",
    )  # fmt: skip
    twin_id = twin.get_id_number()
    team = DigitalTeam.objects.create(
        village=village_a1,
        decision_number="12/QĐ-UBND",
        decision_date=dt.date(2025, 1, 2),
        founded_on=dt.date(2025, 1, 2),
    )
    activity = SupportActivity.objects.create(
        team=team, date=dt.date(2025, 2, 3), kind=SupportActivity.Kind.HOME_VISIT
    )
    activity.residents.add(twin)
    AssistedChange.objects.create(
        activity=activity, resident=twin, field="vneid_level", old_value="0", new_value="2"
    )
    client = login(official_a)
    url = reverse("admin:households_resident_changelist")
    ids = [str(keep.pk), str(twin.pk)]
    page = client.post(url, {"action": "merge_residents", "_selected_action": ids})
    assert page.status_code == 200 and "Nguyen Van Hai" in page.content.decode()
    done = client.post(
        url, {"action": "merge_residents", "_selected_action": ids, "post": "yes",
              "keep": str(keep.pk)},
    )  # fmt: skip
    assert done.status_code == 302
    assert not Resident.objects.filter(pk=twin.pk).exists()
    keep.refresh_from_db()
    assert keep.get_id_number() == twin_id  # the blank ID filled from the duplicate
    assert list(activity.residents.all()) == [keep]
    assert AssistedChange.objects.get().resident == keep
    gone = Resident.history.filter(id=twin.pk, history_type="-").get()
    assert gone.history_user == official_a and str(keep.pk) in gone.history_change_reason


# --- Double submit ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_same_idempotency_key_twice_answers_like_the_first(login, leader_a1, village_a1):
    client = login(leader_a1)
    payload = {**create_payload(village_a1, resident_fields(0)), "_idempotency_key": "k-12345678"}
    first = client.post(reverse("households:household_create"), payload)
    second = client.post(reverse("households:household_create"), payload)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Household.objects.filter(number="101").count() == 1
    assert IdempotencyRecord.objects.get().location == first["Location"]


@pytest.mark.django_db
def test_second_submit_without_key_names_the_existing_household(login, leader_a1, village_a1):
    client = login(leader_a1)
    payload = create_payload(village_a1, resident_fields(0, full_name="Hoàng Văn Đầu"))
    assert client.post(reverse("households:household_create"), payload).status_code == 302
    again = client.post(reverse("households:household_create"), payload)
    assert again.status_code == 200
    body = again.content.decode()
    assert "101" in body and "Hoàng Văn Đầu" in body and village_a1.name in body


@pytest.mark.django_db
def test_service_turns_the_race_into_the_existing_household(village_a1, leader_a1):
    first = HouseholdFactory(village=village_a1, number="5")
    with pytest.raises(services.DuplicateHouseholdError) as caught:
        services.household_create(
            household=Household(village=village_a1, number="５"), residents=[], user=leader_a1
        )
    assert caught.value.existing == first
    assert Household.objects.filter(village=village_a1).count() == 1


@pytest.mark.django_db
def test_admin_race_opens_the_existing_record(login, official_a, village_a1, monkeypatch):
    existing = HouseholdFactory(village=village_a1, number="9")
    # The race: the form's uniqueness check passed before the other save committed.
    monkeypatch.setattr(Household, "validate_constraints", lambda self, exclude=None: None)
    response = login(official_a).post(
        reverse("admin:households_household_add"),
        {
            "village": village_a1.pk,
            "number": "9",
            "residents-TOTAL_FORMS": "0",
            "residents-INITIAL_FORMS": "0",
            "digital_address-TOTAL_FORMS": "0",
            "digital_address-INITIAL_FORMS": "0",
        },  # fmt: skip
    )
    errors = response.context["adminform"].form.errors if response.status_code == 200 else ""
    assert response.status_code == 302, errors
    assert response["Location"] == reverse("admin:households_household_change", args=[existing.pk])
    assert Household.objects.filter(village=village_a1, number="9").count() == 1


@pytest.mark.django_db
def test_anonymised_resident_is_not_found_by_the_old_name(household_a1):
    from households.retention import anonymise

    gone = ResidentFactory(
        household=household_a1, full_name="Đinh Thị Riêng", relation="spouse", status="moved"
    )
    anonymise(Resident.objects.filter(pk=gone.pk))
    assert not Resident.objects.search_names("dinh thi rieng").exists()
    gone.refresh_from_db()
    assert "rieng" not in gone.search_key


@pytest.mark.django_db
def test_admin_finds_a_resident_by_the_full_id_number(login, official_a, names):
    person = names["Trần Thị Bích"]
    number = person.get_id_number()
    spaced = f"{number[:3]} {number[3:6]} {number[6:]}"
    response = login(official_a).get(reverse("admin:households_resident_changelist"), {"q": spaced})
    assert list(response.context["cl"].result_list) == [person]
