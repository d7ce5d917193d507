"""households.services is the one home of the save rules (docs/decisions.md, "Saving a
resident"): the version rule, the head-of-household rule and the status date hold whoever
saves: the field portal, the admin, the importer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from households import services
from households.models import Household, Resident
from tests.households.factories import ResidentFactory
from tests.households.test_import import row, upload

ONLY_HEAD = "Mỗi hộ có đúng một chủ hộ: hãy chọn người khác làm chủ hộ trước."


def _values(form) -> dict:
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[form.add_prefix(name)] = "on"
        elif value not in (None, ""):
            data[form.add_prefix(name)] = field.widget.format_value(value)
    return data


def admin_payload(client, url) -> dict:
    """The admin change form as the page showed it (inline rows too), ready to post back."""
    context = client.get(url).context
    data = _values(context["adminform"].form)
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        data[f"{formset.prefix}-TOTAL_FORMS"] = str(formset.total_form_count())
        data[f"{formset.prefix}-INITIAL_FORMS"] = str(formset.initial_form_count())
        for form in formset.forms:
            data.update(_values(form))
    return data


def field_payload(resident: Resident, **changes) -> dict:
    return {
        "full_name": resident.full_name,
        "relation": resident.relation,
        "birth_date": resident.birth_date.isoformat(),
        "sex": resident.sex,
        "status": resident.status,
        "vneid_level": str(resident.vneid_level),
        "version": resident.version,
        "id_number": resident.get_id_number(),
        **changes,
    }


@pytest.mark.django_db
def test_admin_refuses_a_stale_resident_instead_of_overwriting(login, official_a, household_a1):
    resident = household_a1.residents.get()
    url = reverse("admin:households_resident_change", args=[resident.pk])
    client = login(official_a)
    opened = admin_payload(client, url)  # the official opens the page ...
    assert opened["seen_version"] == str(resident.version)
    # ... meanwhile a team member saves the resident from the field portal.
    resident.phone = "0912345678"
    services.resident_save(resident=resident, user=None, expected_version=resident.version)

    response = client.post(url, {**opened, "full_name": "Tên Ghi Đè"})

    assert response.status_code == 302 and response["Location"] == url
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("Thay đổi của bạn CHƯA được lưu" in m for m in shown), shown
    resident.refresh_from_db()
    assert resident.full_name != "Tên Ghi Đè" and resident.phone == "0912345678"
    # Opened again, the page carries the current version and saves.
    fresh = admin_payload(client, url)
    assert client.post(url, {**fresh, "full_name": "Tên Ghi Đè"}).status_code == 302
    resident.refresh_from_db()
    assert resident.full_name == "Tên Ghi Đè" and resident.phone == "0912345678"


@pytest.mark.django_db
def test_admin_refuses_a_stale_household(login, official_a, household_a1):
    url = reverse("admin:households_household_change", args=[household_a1.pk])
    client = login(official_a)
    opened = admin_payload(client, url)
    household_a1.lane = "Xóm Mới"
    services.household_update(
        household=household_a1, expected_version=household_a1.version, user=None
    )
    response = client.post(url, {**opened, "house_no": "99"})
    assert response.status_code == 302 and response["Location"] == url
    household_a1.refresh_from_db()
    assert household_a1.house_no != "99" and household_a1.lane == "Xóm Mới"


@pytest.mark.django_db
def test_only_head_refused_identically_in_form_admin_and_import(
    login, official_a, leader_a1, household_a1
):
    head = household_a1.residents.get()
    ResidentFactory(household=household_a1, relation="child", full_name="Nguyễn Văn Con")

    # The field portal's form.
    page = login(leader_a1).post(
        reverse("households:resident_update", args=[head.pk]),
        field_payload(head, relation="child"),
    )
    assert page.status_code == 200 and ONLY_HEAD in page.content.decode()

    # The admin's change form.
    client = login(official_a)
    url = reverse("admin:households_resident_change", args=[head.pk])
    page = client.post(url, {**admin_payload(client, url), "relation": "child"})
    assert page.status_code == 200 and ONLY_HEAD in page.content.decode()

    # The importer: the same household, its head now listed as a child.
    job, response = upload(
        login(leader_a1),
        [
            row(
                household_a1.village.name,
                household_a1.number,
                head.full_name,
                relation="Con",
                birth=head.birth_date.strftime("%d/%m/%Y"),
                sex="Nam" if head.sex == "M" else "Nữ",
                id_number=head.get_id_number(),
            )
        ],
    )
    assert job.status == "invalid"
    page = login(leader_a1).get(response["Location"]).content.decode()
    assert f"Hộ số {household_a1.number}: {ONLY_HEAD}" in page

    # And the service itself, for any other caller.
    head.relation = "child"
    with pytest.raises(services.ValidationError) as refused:
        services.resident_save(resident=head, user=None, expected_version=head.version)
    assert ONLY_HEAD in refused.value.messages
    head.refresh_from_db()
    assert head.relation == "head"


@pytest.mark.django_db
def test_two_heads_refused_identically_in_field_form_and_admin_inline(
    login, official_a, leader_a1, village_a1
):
    two = "Mỗi hộ có đúng một chủ hộ: đang có 2 người được đánh dấu là chủ hộ."
    from tests.households.test_field_forms import create_payload, resident_fields

    page = login(leader_a1).post(
        reverse("households:household_create"),
        create_payload(village_a1, resident_fields(0), resident_fields(1, relation="head")),
    )
    assert two in page.content.decode()
    with pytest.raises(services.ValidationError) as refused:
        services.household_create(
            household=Household(village=village_a1, number="77"),
            residents=[Resident(relation="head"), Resident(relation="head")],
            user=None,
        )
    assert two in refused.value.messages
    assert not Household.objects.filter(number="77").exists()


@pytest.mark.django_db
def test_status_date_set_by_the_services_for_admin_and_import(login, official_a, household_a1):
    child = ResidentFactory(household=household_a1, relation="child", status="present")
    client = login(official_a)
    url = reverse("admin:households_resident_change", args=[child.pk])
    assert client.post(url, {**admin_payload(client, url), "status": "moved"}).status_code == 302
    child.refresh_from_db()
    assert child.status == "moved" and child.status_changed_on == timezone.localdate()
    assert child.version == 2  # one version step, by the one rule

    # A save that does not change the status keeps the date.
    Resident.objects.filter(pk=child.pk).update(status_changed_on=dt.date(2020, 1, 1))
    child.refresh_from_db()
    child.phone = "0987654321"
    services.resident_save(resident=child, user=None, expected_version=child.version)
    child.refresh_from_db()
    assert child.status_changed_on == dt.date(2020, 1, 1)
