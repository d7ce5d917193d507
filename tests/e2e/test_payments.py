import pytest
from playwright.sync_api import expect

from payments.demo import seed_demo
from payments.models import Category


@pytest.mark.django_db(transaction=True)
def test_official_reads_the_payments_page_on_a_phone(
    live_server, phone_page, live_login, official_a, commune_a, village_a1, screenshot
):
    seed_demo(commune_a)
    live_login(phone_page, "official_a")
    phone_page.goto(live_server.url + "/payments/")
    expect(phone_page.get_by_role("heading", name="Tiền điện")).to_be_visible()
    expect(phone_page.get_by_role("img", name="Tiền điện").first).to_be_visible()
    # 85,75 % of payers in the last month (the 2022 Quảng Ninh figure).
    expect(phone_page.get_by_text("85,8%").first).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone_page, "payments-overview-phone")
    phone_page.locator("section.payments-category").first.scroll_into_view_if_needed()
    screenshot(phone_page, "payments-overview-chart-phone", full_page=False)
    phone_page.locator("details.sv-chart-data summary").first.click()
    expect(phone_page.locator("details[open] table").first).to_be_visible()

    phone_page.get_by_role("link", name="Nhập số liệu tháng").click()
    expect(phone_page.locator("fieldset")).to_have_count(len(Category.choices))
    screenshot(phone_page, "payments-entry-phone")
