"""Address plates in the browser: a plate marked installed without a signal syncs exactly once;
the public address page works on a phone (no console error, no personal data) and its "this is
wrong" report goes through with the real CSRF check."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from digital_teams.models import DigitalTeam, TeamMember
from households.models import DigitalAddress
from plates.models import AddressCorrection, Plate, PlateBatch
from tests.e2e.test_offline import go_online_first, outbox_items
from tests.households.factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def plate(village_a1, member_a1):
    team = DigitalTeam.objects.create(
        village=village_a1,
        decision_number="1/QĐ-UBND",
        decision_date=dt.date(2022, 1, 1),
        founded_on=dt.date(2022, 1, 1),
    )
    TeamMember.objects.create(team=team, user=member_a1, full_name="Tổ viên Gắn Biển")
    household = HouseholdFactory(
        village=village_a1, number="21", house_no="45", lane="Xóm Mới", phone="0911222333"
    )
    ResidentFactory(household=household, full_name="Trần Thị Kín Tên", phone="0988777666")
    address = DigitalAddress.objects.create(
        household=household,
        location_code="QT0100021",
        latitude="21.355123",
        longitude="107.595456",
        source="police",
        verified_on=dt.date(2026, 3, 2),
    )
    batch = PlateBatch.objects.create(village=village_a1, size="300x200", quantity=1)
    return Plate.objects.create(
        batch=batch, sequence=1, address=address, household=household, code="QT0100021"
    )


def test_installed_offline_syncs_once(live_server, phone_page, live_login, member_a1, plate,
                                      screenshot):  # fmt: skip
    page = phone_page
    live_login(page, "member_a1")
    install = f"/field/plates/{plate.pk}/install/"
    go_online_first(page, live_server, install)
    history_before = plate.address.history.count()

    page.context.set_offline(True)
    page.goto(live_server.url + install)
    page.get_by_role("button", name="Biển đã gắn lên nhà").click()
    expect(outbox_items(page)).to_have_count(1)
    screenshot(page, "plates-install-offline")
    plate.refresh_from_db()
    assert plate.installed_at is None

    page.context.set_offline(False)
    expect(page.locator("[data-status=saved]")).to_have_count(1, timeout=20_000)
    plate.refresh_from_db()
    assert plate.installed_at is not None and plate.installed_by == member_a1
    assert DigitalAddress.objects.get(pk=plate.address_id).plate_installed
    assert plate.address.history.count() == history_before + 1

    # The phone resends (as after a lost answer): nothing is applied twice.
    page.evaluate(
        "() => SVOutbox.all().then((items) => Promise.all(items.map((i) => "
        "{ i.status = 'pending'; return SVOutbox.put(i); })))"
    )
    page.get_by_role("button", name="Gửi ngay").click()
    expect(page.locator("[data-status=saved]")).to_have_count(1, timeout=20_000)
    assert plate.address.history.count() == history_before + 1
    assert Plate.objects.filter(installed_at__isnull=False).count() == 1


def test_public_page_on_a_phone_and_report(live_server, phone_page, plate, screenshot):
    page = phone_page
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(live_server.url + "/a/QT0100021")
    expect(page.locator("h1")).to_contain_text("45")
    expect(page.locator("svg.address-map")).to_be_visible()
    expect(page.locator("#open-map-app")).to_have_attribute(
        "href", "geo:21.355123,107.595456?q=21.355123,107.595456"
    )
    body = page.content()
    for secret in ("Trần Thị Kín Tên", "0988777666", "0911222333"):
        assert secret not in body
    overflow = page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow
    screenshot(page, "plates-address-page")
    page.get_by_text("Thông tin này sai").click()
    page.fill("#id_message", "Số nhà trên biển là 47, không phải 45")
    page.get_by_role("button", name="Gửi tổ công nghệ số của thôn").click()
    page.wait_for_load_state("networkidle")
    screenshot(page, "plates-report-sent")
    expect(page.locator("h1")).to_contain_text("Cảm ơn")
    assert AddressCorrection.objects.get().message.startswith("Số nhà trên biển là 47")
    assert errors == []


def test_order_form_filters_the_households_and_ticks_the_shown(
    live_server, phone_page, live_login, leader_a1, village_a1, settings, tmp_path, screenshot
):
    """800 checkboxes are too many to scroll on a phone: the leader types part of a lane
    without accents, ticks what is shown, and only those households get plates."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    lanes = {"1": "Ngõ 3", "2": "Xóm Đình", "3": "Ngõ 3", "4": "Xóm Bến"}
    for number, lane in lanes.items():
        household = HouseholdFactory(village=village_a1, number=number, house_no=f"1{number}",
                                     lane=lane)  # fmt: skip
        DigitalAddress.objects.create(
            household=household, location_code=f"QT01000{number}", latitude="21.355",
            longitude="107.595", source="police", verified_on=dt.date(2026, 3, 2),
        )  # fmt: skip
    page = phone_page
    live_login(page, "leader_a1")
    page.goto(f"{live_server.url}/field/plates/order/?village={village_a1.pk}")
    page.get_by_text("Đánh dấu hộ", exact=True).click()
    page.get_by_label("Lọc danh sách hộ").fill("dinh")  # đ = d, accents dropped
    expect(page.locator("#hh-list [data-search]:visible")).to_have_count(1)
    expect(page.locator("#hh-list-status")).to_have_text("Đang hiện 1 trên 4 hộ")
    page.get_by_label("Lọc danh sách hộ").fill("NGO 3")
    expect(page.locator("#hh-list [data-search]:visible")).to_have_count(2)
    page.keyboard.press("Enter")  # must not send the order
    assert not PlateBatch.objects.exists()
    page.get_by_role("button", name="Đánh dấu các hộ đang hiện").click()
    expect(page.locator("#sel-ticked")).to_be_checked()
    screenshot(page, "plates-order-filtered")
    page.get_by_role("button", name="Đặt làm biển").click()
    expect(page.locator("body")).to_contain_text("Đã đặt 2 biển.")
    batch = PlateBatch.objects.get()
    assert sorted(batch.plates.values_list("household__number", flat=True)) == ["1", "3"]
