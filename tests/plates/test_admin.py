"""The commune chooses its plate size and public contact in the browser admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from plates.models import PlateSettings
from plates.services import commune_settings

pytestmark = pytest.mark.django_db


def test_official_sets_the_size_and_contact_of_their_own_commune(
    login, official_a, commune_a, commune_b
):
    client = login(official_a)
    add_url = reverse("admin:plates_platesettings_add")
    form = client.get(add_url).content.decode()
    assert commune_a.name in form and commune_b.name not in form
    response = client.post(
        add_url,
        {
            "commune": commune_a.pk,
            "size": "400x250",
            "contact_name": "  Văn phòng UBND xã  ",
            "contact_phone": "0203 3888 999",
            "contact_address": "Thôn Tân Thanh",
        },
    )
    assert response.status_code == 302
    chosen = commune_settings(commune_a)
    assert (chosen.size, chosen.contact_name, chosen.contact_phone) == (
        "400x250",
        "Văn phòng UBND xã",
        "02033888999",
    )


def test_bad_phone_is_refused_in_vietnamese_and_nothing_saved(login, official_a, commune_a):
    client = login(official_a)
    response = client.post(
        reverse("admin:plates_platesettings_add"),
        {"commune": commune_a.pk, "size": "300x200", "contact_phone": "12345"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hãy nhập số điện thoại Việt Nam" in html
    assert "<title>Lỗi:" in html  # not Django's untranslated "Error:"
    assert not PlateSettings.objects.exists()


def test_another_communes_settings_are_out_of_reach(login, official_a, commune_b):
    other = PlateSettings.objects.create(commune=commune_b, size="300x200")
    client = login(official_a)
    listing = client.get(reverse("admin:plates_platesettings_changelist")).content.decode()
    assert commune_b.name not in listing
    change = client.get(reverse("admin:plates_platesettings_change", args=[other.pk]))
    assert change.status_code in (302, 404)  # the admin's "does not exist" answer
    refused = client.post(
        reverse("admin:plates_platesettings_add"), {"commune": commune_b.pk, "size": "400x250"}
    )
    assert refused.status_code == 200 and PlateSettings.objects.count() == 1
