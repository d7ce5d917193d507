"""The public address page /a/<code>: the address only, 404/410 like the stamp page, rate
limited; the "this is wrong" report reaches the village's team and no other; installation."""

from __future__ import annotations

import pytest

from households.models import DigitalAddress
from plates.models import AddressCorrection, PlateScan
from plates.services import correction_resolve, plate_install, village_counts

from .conftest import NAMES, PHONES

pytestmark = pytest.mark.django_db


def test_page_shows_the_address_and_no_personal_data(plated, client):
    response = client.get("/a/QT0100002")
    assert response.status_code == 200
    body = response.content.decode()
    for expected in ("QT0100002", "14B", "Ngõ 3 Xóm Tây", "Thôn Một", "Xã An Phú", "02/03/2026"):
        assert expected in body
    assert "geo:21.355123,107.595456" in body and "<svg" in body
    assert "tile" not in body.lower()  # the map is drawn here, nothing fetched from elsewhere
    # Every resident's name and phone, of this household and the others, is absent.
    for household in (plated.h1, plated.h2, plated.h3):
        for resident in household.residents.all():
            assert resident.full_name not in body
            assert resident.phone not in body
    for name in NAMES:
        assert name not in body
    for phone in PHONES:
        assert phone not in body
    assert response["X-Robots-Tag"] == "noindex"
    assert PlateScan.objects.filter(village=plated.h2.village).count() == 1


def test_unknown_unverified_and_withdrawn_codes(plated, client, village_a1, official_a, order):
    assert client.get("/a/NOPE12345").status_code == 404
    assert client.get("/a/QT0100003").status_code == 404  # not verified: like unknown
    order(village=village_a1, user=official_a)
    # The code printed on a plate no longer leads to a verified address: withdrawn.
    DigitalAddress.objects.filter(household=plated.h1).update(location_code="QT0100099")
    response = client.get("/a/QT0100001")
    assert response.status_code == 410
    assert "QT0100001" in response.content.decode()
    assert not PlateScan.objects.exists()


def test_rate_limited(plated, client, settings):
    settings.ADDRESS_RATE_LIMIT = 3
    codes = [client.get("/a/QT0100001").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_report_reaches_the_village_team_only(plated, client, login, leader_a1, leader_a2):
    response = client.post(
        "/a/QT0100002/report", {"message": "Số nhà đúng là 16", "phone": "0912 000 111"}
    )
    assert response.status_code == 200
    correction = AddressCorrection.objects.get()
    assert correction.village == plated.h2.village and correction.phone == "0912000111"
    a1 = login(leader_a1).get(f"/field/followup/?village={plated.h2.village.pk}")
    assert "Số nhà đúng là 16" in a1.content.decode()
    other = login(leader_a2)
    page = other.get(f"/field/followup/?village={plated.other.village.pk}").content.decode()
    assert "Số nhà đúng là 16" not in page
    assert other.get(f"/field/plates/corrections/{correction.pk}/").status_code == 404


def test_report_checks_input_and_is_throttled(plated, client, settings):
    assert client.post("/a/QT0100002/report", {"message": ""}).status_code == 400
    assert client.post("/a/QT0100002/report", {"message": "Sai", "phone": "12"}).status_code == 400
    assert client.post("/a/NOPE/report", {"message": "Sai số nhà"}).status_code == 404
    # A robot fills the hidden field: answered, not kept.
    client.post("/a/QT0100002/report", {"message": "Sai số nhà", "website": "x"})
    assert not AddressCorrection.objects.exists()
    settings.ADDRESS_REPORT_RATE_LIMIT = 1
    from django.core.cache import cache

    cache.clear()
    assert client.post("/a/QT0100002/report", {"message": "Sai số nhà"}).status_code == 200
    assert client.post("/a/QT0100002/report", {"message": "Sai số nhà"}).status_code == 429


def test_report_needs_csrf(plated):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/a/QT0100002/report", {"message": "Sai số nhà"}).status_code == 403


def test_team_fixes_and_history_keeps_it(plated, member_a1):
    address = plated.h2.digital_address
    correction = AddressCorrection.objects.create(
        village=plated.h2.village, address=address, code="QT0100002", message="Sai số nhà"
    )
    before = address.history.count()
    assert correction_resolve(correction=correction, user=member_a1, fixed=False, note="Đúng")
    assert not correction_resolve(correction=correction, user=member_a1, fixed=True)
    correction.refresh_from_db()
    assert correction.status == "confirmed" and correction.resolved_by == member_a1
    latest = address.history.first()
    assert address.history.count() == before + 1
    assert latest.history_user == member_a1 and "Sai số nhà" in latest.history_change_reason


def test_install_once_marks_the_address(plated, village_a1, official_a, member_a1, order):
    batch = order(village=village_a1, user=official_a)
    plate = batch.plates.get(household=plated.h1)
    assert plate_install(plate=plate, user=member_a1)
    assert not plate_install(plate=plate, user=member_a1)
    address = DigitalAddress.objects.get(household=plated.h1)
    assert address.plate_installed
    assert address.history.first().history_user == member_a1
    assert village_counts([village_a1.pk])[village_a1.pk]["installed"] == 1


def test_field_pages_permissions(plated, village_a1, official_a, member_a1, leader_a2, login):
    order_url = f"/field/plates/order/?village={village_a1.pk}"
    assert login(member_a1).get(order_url).status_code == 403  # members do not order
    assert login(leader_a2).get(order_url).status_code == 404  # another village
    client = login(official_a)
    page = client.get(order_url)
    assert page.status_code == 200 and "công an" in page.content.decode()
    response = client.post(order_url, {"village": village_a1.pk, "size": "300x200"})
    assert response.status_code == 302
    # A tampered household id of another village is ignored by the selection (never plated).
    client.post(
        order_url,
        {"village": village_a1.pk, "size": "300x200", "selection": "ticked",
         "household": [plated.other.pk]},
    )  # fmt: skip
    from plates.models import Plate

    assert not Plate.objects.filter(household=plated.other).exists()
