"""A team leader adds a household with two residents and a digital address on a phone."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from households.models import DigitalAddress, Household


@pytest.mark.django_db(transaction=True)
def test_leader_adds_household_on_a_phone(
    live_server, phone_page, live_login, leader_a1, screenshot
):
    page = phone_page
    live_login(page, "leader_a1")
    page.goto(live_server.url + "/field/")
    page.get_by_role("link", name="+ Thêm hộ").click()
    page.fill("#id_number", "42")
    page.fill("#id_lane", "Xóm Đông")
    page.fill("#id_phone", "0912 345 678")
    page.check("#id_has_fibre")
    page.fill("#id_residents-0-full_name", "Nguyễn Văn Bình")
    page.select_option("#id_residents-0-relation", "head")
    page.fill("#id_residents-0-birth_date", "1980-09-05")
    page.select_option("#id_residents-0-sex", "M")
    page.fill("#id_residents-0-id_number", "022080123456")
    page.select_option("#id_residents-0-vneid_level", "2")
    # The form opens with one resident block; the second comes with "Another resident".
    expect(page.locator("#id_residents-1-full_name")).to_have_count(0)
    page.locator("#add-resident").click()
    page.fill("#id_residents-1-full_name", "Lê Thị Hoa")
    page.select_option("#id_residents-1-relation", "spouse")
    page.fill("#id_residents-1-birth_date", "01/02/1983")
    page.select_option("#id_residents-1-sex", "F")
    page.fill("#id_residents-1-id_number", "022183654321")
    screenshot(page, "households-form-phone")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text("Đã lưu hộ 42.")).to_be_visible()
    expect(page.get_by_text("022******456")).to_be_visible()
    page.get_by_role("link", name="Ghi địa chỉ số").click()
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 21.355, "longitude": 107.595})
    page.get_by_role("button", name="Dùng vị trí của tôi").click()
    expect(page.locator("#id_latitude")).to_have_value("21.355000")
    page.fill("#id_location_code", "QT0100042")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text("Đã lưu địa chỉ số.")).to_be_visible()
    page.goto(live_server.url + "/field/?q=Bình")
    expect(page.get_by_text("Hộ số 42 · Nguyễn Văn Bình")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "households-list-phone")
    household = Household.objects.get(number="42")
    assert household.residents.count() == 2
    # Typed day first (01/02/1983) whatever the browser's language: 1 February.
    assert household.residents.get(full_name="Lê Thị Hoa").birth_date == dt.date(1983, 2, 1)
    assert DigitalAddress.objects.get(household=household).location_code == "QT0100042"
