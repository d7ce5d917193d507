"""Officials' admin: scoped lists, masked export, audited full export, read-only history."""

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from households.models import ExportAudit


@pytest.mark.django_db
def test_admin_lists_are_scoped(login, official_a, official_b, household_a1):
    client = login(official_a)
    assert client.get(reverse("admin:households_household_changelist")).status_code == 200
    assert (
        client.get(reverse("admin:households_household_change", args=[household_a1.pk])).status_code
        == 200
    )
    other = login(official_b)
    body = other.get(reverse("admin:households_resident_changelist")).content.decode()
    assert "Trần Văn Chủ" not in body
    assert other.get(
        reverse("admin:households_household_history", args=[household_a1.pk])
    ).status_code in (302, 403, 404)


@pytest.mark.django_db
def test_history_is_visible_and_read_only(login, official_a, household_a1):
    client = login(official_a)
    response = client.get(reverse("admin:households_household_history", args=[household_a1.pk]))
    assert response.status_code == 200
    record = household_a1.history.first()
    url = reverse(
        "admin:households_household_simple_history", args=[household_a1.pk, record.history_id]
    )
    assert client.post(url, {}).status_code == 403


@pytest.mark.django_db
def test_excel_export_masks_ids_and_is_recorded(login, official_a, household_a1):
    resident = household_a1.residents.get()
    client = login(official_a)
    response = client.post(
        reverse("admin:households_resident_export"),
        {
            "format": "0",
            "resource": "0",
            **{f"residentresource_{f}": "on" for f in ["full_name", "id_number"]},
        },
    )
    assert response.status_code == 200, response.content[:300]
    content = response.content
    sheet = load_workbook(BytesIO(content)).active
    values = [str(c.value) for r in sheet.iter_rows() for c in r]
    assert resident.id_number_masked in values
    assert resident.get_id_number() not in values
    audit = ExportAudit.objects.get()
    assert audit.user == official_a and not audit.full_ids and audit.rows == 1


@pytest.mark.django_db
def test_full_export_has_full_ids_and_is_audited(login, official_a, household_a1):
    resident = household_a1.residents.get()
    response = login(official_a).post(
        reverse("admin:households_resident_changelist"),
        {"action": "export_full_ids", "_selected_action": [resident.pk]},
    )
    assert response.status_code == 200
    values = [
        str(c.value) for r in load_workbook(BytesIO(response.content)).active.iter_rows() for c in r
    ]
    assert resident.get_id_number() in values
    audit = ExportAudit.objects.get()
    assert audit.full_ids and audit.rows == 1 and audit.user == official_a


@pytest.mark.django_db
def test_full_export_never_reaches_other_communes(login, official_b, household_a1):
    resident = household_a1.residents.get()
    response = login(official_b).post(
        reverse("admin:households_resident_changelist"),
        {"action": "export_full_ids", "_selected_action": [resident.pk]},
    )
    assert resident.get_id_number().encode() not in response.content
    assert not ExportAudit.objects.filter(full_ids=True, rows__gt=0).exists()


@pytest.mark.django_db
def test_asset_admin_for_officials(login, official_a, village_a1):
    client = login(official_a)
    assert client.get(reverse("admin:villages_villageasset_add")).status_code == 200
    response = client.post(
        reverse("admin:villages_villageasset_add"),
        {
            "village": village_a1.pk,
            "kind": "wifi",
            "name": "Wifi nhà văn hóa",
            "at_cultural_house": "on",
            "owner": "commune",
            "status": "working",
        },
    )
    assert response.status_code == 302
