"""Browser checks of the dashboards: phone and desktop, nothing overflowing, charts visible."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from criteria.services import rollup_commune
from households.models import Resident
from tests.dashboards.conftest import Seed, ensure_catalogues
from tests.factories import VillageFactory


@pytest.fixture
def dashboard_world(commune_a, village_a1, village_a2, official_a, leader_a1):
    ensure_catalogues()
    seed = Seed()
    seed.households(village_a1, 14)
    seed.households(village_a2, 9, vneid2_every=3)
    for number, name in ((3, "Thôn Ba"), (4, "Thôn Bốn"), (5, "Thôn Năm")):
        village = VillageFactory(commune=commune_a, number=number, name=name)
        seed.households(village, 6 + number, vneid2_every=number - 1)
        seed.infrastructure(village)
    seed.infrastructure(village_a1)
    seed.team(village_a1, residents=Resident.objects.filter(household__village=village_a1)[:6])
    seed.ocop(village_a1)
    seed.cashless(commune_a, months=6, total=400)
    seed.cashless(commune_a, village_a1, months=6, total=60)
    rollup_commune(commune=commune_a)
    # Progress between two roll-ups: the KPIs show the change.
    Resident.objects.filter(household__village=village_a1, relation="spouse").update(
        vneid_level=2, has_epayment=True
    )
    rollup_commune(commune=commune_a)
    return seed


def no_overflow(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.django_db(transaction=True)
def test_village_dashboard_on_phone_and_desktop(
    live_server, browser, phone_page, dashboard_world, village_a1, screenshot
):
    url = f"{live_server.url}/villages/{village_a1.code}/"
    phone_page.goto(url)
    expect(phone_page.get_by_role("heading", name="Thôn Một", level=1)).to_be_visible()
    expect(phone_page.get_by_role("heading", name="Công dân số")).to_be_visible()
    expect(phone_page.get_by_role("img", name=re.compile("Hóa đơn thanh toán"))).to_be_visible()
    no_overflow(phone_page, 360)
    screenshot(phone_page, "dashboards-village-phone")
    screenshot(phone_page, "dashboards-village-phone-top", full_page=False)
    # Tap the "i" of the first figure: its definition, numerator and denominator open.
    phone_page.locator(".dash-def summary").first.click()
    expect(phone_page.get_by_text("Số đạt (tử số)").first).to_be_visible()
    expect(phone_page.get_by_text("Trên tổng số (mẫu số)").first).to_be_visible()
    no_overflow(phone_page, 360)
    screenshot(phone_page, "dashboards-village-phone-definition", full_page=False)

    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh"
    )
    desktop = context.new_page()
    desktop.goto(url)
    expect(desktop.get_by_role("heading", name="Tổ công nghệ số cộng đồng")).to_be_visible()
    no_overflow(desktop, 1280)
    screenshot(desktop, "dashboards-village-desktop")
    context.close()


@pytest.mark.django_db(transaction=True)
def test_officials_dashboard_and_map(
    live_server, browser, phone_page, live_login, dashboard_world, screenshot
):
    live_login(phone_page, "official_a")
    assert phone_page.url.endswith("/dashboard/")
    expect(phone_page.get_by_role("heading", name="Bảng điều khiển của cán bộ")).to_be_visible()
    progress_chart = phone_page.get_by_role("img", name=re.compile("Tiến độ thôn thông minh"))
    expect(progress_chart).to_be_visible()
    expect(phone_page.get_by_text("Việc cần làm để tiến nhanh nhất")).to_be_visible()
    no_overflow(phone_page, 360)
    screenshot(phone_page, "dashboards-official-phone")

    phone_page.get_by_role("link", name="Bản đồ", exact=True).click()
    expect(phone_page.locator("#dash-map")).to_have_attribute("data-loaded", "10")
    expect(phone_page.locator(".dash-point-missing").first).to_be_visible()
    no_overflow(phone_page, 360)
    screenshot(phone_page, "dashboards-map-phone")

    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh"
    )
    desktop = context.new_page()
    live_login(desktop, "official_a")
    desktop.goto(f"{live_server.url}/dashboard/")
    expect(desktop.get_by_role("img", name=re.compile("Công dân số của xã"))).to_be_visible()
    no_overflow(desktop, 1280)
    screenshot(desktop, "dashboards-official-desktop")
    context.close()


@pytest.mark.django_db(transaction=True)
def test_team_leader_sees_only_their_village_on_the_map(
    live_server, phone_page, live_login, dashboard_world, screenshot
):
    live_login(phone_page, "leader_a1")
    phone_page.goto(f"{live_server.url}/dashboard/map/")
    expect(phone_page.locator("#dash-map")).to_have_attribute("data-loaded", re.compile(r"\d+"))
    expect(phone_page.locator("#dash-village")).to_have_count(0)  # one village: no selector
    response = phone_page.goto(f"{live_server.url}/dashboard/")
    assert response.status == 403  # teams work in the field portal (docs/dashboards.md)
