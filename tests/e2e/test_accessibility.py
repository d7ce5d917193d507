"""Keyboard use on a phone: skip link, focus on the first error, a short add-household form."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_skip_link_is_the_first_tab_stop_and_moves_to_main(live_server, phone_page):
    page = phone_page
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.locator("a.sv-skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # visible once focused
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def test_focus_goes_to_the_first_error_after_an_invalid_submit(
    live_server, phone_page, live_login, leader_a1
):
    page = phone_page
    live_login(page, "leader_a1")
    page.goto(live_server.url + "/field/households/new/")
    page.fill("#id_number", "")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state("load")
    first_error = page.locator("main .is-invalid").first
    expect(first_error).to_be_visible()
    expect(first_error).to_be_focused()


def test_add_household_form_is_short_to_tab_through(live_server, phone_page, live_login, leader_a1):
    page = phone_page
    live_login(page, "leader_a1")
    page.goto(live_server.url + "/field/households/new/")
    assert page.locator("#resident-forms fieldset").count() == 1
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 3000, height  # was 4,288 px with three empty resident blocks
    page.locator("body").focus()
    presses = 0
    while presses < 80:
        presses += 1
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('main form button[type=submit]')"):
            break
    assert presses <= 40, presses  # was 70
