"""Browser: the provincial office moves a village to another commune on a phone (preview, then
confirm) and both communes' public pages tell the history."""

import pytest
from playwright.sync_api import expect


@pytest.mark.django_db(transaction=True)
def test_province_office_moves_a_village_with_a_preview(
    live_server, phone_page, live_login, province_office, village_a1, village_b1, screenshot
):
    errors = []
    phone_page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    phone_page.on("pageerror", lambda e: errors.append(str(e)))
    live_login(phone_page, "province_office")
    phone_page.goto(f"{live_server.url}/province/22/changes/")
    phone_page.get_by_role("link", name="Chuyển thôn sang xã khác").click()
    # crispy's labels end with "*" (required): the fields by id.
    phone_page.locator("#id_village").select_option(label="Thôn Một – Xã An Phú")
    phone_page.locator("#id_to_commune").select_option(label="Xã Bình Minh (90002)")
    phone_page.locator("#id_on_date").fill("01/07/2026")
    phone_page.locator("#id_decision").fill("12/NQ-HĐND")
    screenshot(phone_page, "village-move-form-phone")
    phone_page.get_by_role("button", name="Xem trước").click()
    expect(phone_page.get_by_text("Xem trước: chưa có gì được lưu")).to_be_visible()
    expect(phone_page.get_by_role("cell", name="Xã Bình Minh (90002-02)")).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone_page, "village-move-preview-phone")
    phone_page.get_by_role("button", name="Xác nhận thay đổi").click()
    expect(phone_page.get_by_text("Thôn Một nay thuộc Xã Bình Minh (mã 90002-02)")).to_be_visible()
    screenshot(phone_page, "village-move-done-phone")
    phone_page.goto(f"{live_server.url}/communes/90001/")
    expect(phone_page.get_by_text("Lịch sử địa giới hành chính")).to_be_visible()
    expect(phone_page.get_by_text("Thôn Một thuộc xã này đến hết ngày 30/06/2026")).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone_page, "commune-history-phone")
    assert not errors, errors
