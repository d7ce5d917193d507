import pytest
from playwright.sync_api import expect


@pytest.mark.django_db(transaction=True)
def test_home_and_login_on_a_phone(live_server, phone_page, live_login, leader_a1, screenshot):
    phone_page.goto(live_server.url + "/")
    expect(phone_page.get_by_role("heading", name="Thôn thông minh")).to_be_visible()
    expect(phone_page.get_by_text("Xã An Phú")).to_be_visible()
    # Nothing overflows a 360-px screen.
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    screenshot(phone_page, "home-phone")
    live_login(phone_page, "leader_a1")
    assert "/field/" in phone_page.url
