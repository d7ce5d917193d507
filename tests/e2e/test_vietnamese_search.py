"""On a 360-px phone, a leader types names without diacritics (as on a keyboard without
Telex/VNI) and finds the people; a person already registered is flagged (issue 14)."""

import datetime as dt
import unicodedata

import pytest
from playwright.sync_api import expect

from households.models import Resident
from tests.households.factories import HouseholdFactory, ResidentFactory


@pytest.mark.django_db(transaction=True)
def test_leader_finds_residents_typing_without_diacritics(
    live_server, phone_page, live_login, leader_a1, village_a1, screenshot
):
    ResidentFactory(household=HouseholdFactory(village=village_a1, number="12"),
                    full_name="Nguyễn Văn Hùng")  # fmt: skip
    ResidentFactory(household=HouseholdFactory(village=village_a1, number="12A"),
                    full_name=unicodedata.normalize("NFD", "Đặng Thị Huệ"), sex="F")  # fmt: skip
    ResidentFactory(household=HouseholdFactory(village=village_a1, number="3"),
                    full_name="Trần Văn Ba")  # fmt: skip
    page = phone_page
    live_login(page, "leader_a1")
    page.goto(live_server.url + "/field/")
    for typed, found, hidden in [
        ("nguyen van", "Hộ số 12 · Nguyễn Văn Hùng", "Trần Văn Ba"),
        ("DANG THI", "Hộ số 12A · Đặng Thị Huệ", "Nguyễn Văn Hùng"),
        ("hue", "Hộ số 12A · Đặng Thị Huệ", "Trần Văn Ba"),
    ]:
        page.fill("#id_q", "")
        page.locator("#id_q").press_sequentially(typed)
        page.get_by_role("button", name="Tìm").click()
        expect(page.get_by_text(found)).to_be_visible()
        expect(page.get_by_text(hidden)).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "search-without-diacritics-phone")

    # Adding "dang thi hue" born the same day again: the match is shown, a tick is needed.
    page.goto(live_server.url + "/field/")
    page.fill("#id_q", "")
    page.get_by_role("button", name="Tìm").click()
    page.get_by_text("Hộ số 3 · Trần Văn Ba").click()
    page.get_by_role("link", name="+ Thêm cư dân").click()
    page.locator("#id_full_name").press_sequentially("dang thi hue")
    page.select_option("#id_relation", "child")
    page.fill("#id_birth_date", dt.date(1980, 5, 17).isoformat())
    page.select_option("#id_sex", "F")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text("12A (Thôn Một)")).to_be_visible()
    screenshot(page, "possible-duplicate-phone")
    page.check("#id_confirm_duplicate")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text("Đã lưu cư dân.")).to_be_visible()
    assert Resident.objects.filter(search_key="dang thi hue").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
