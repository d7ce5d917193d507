"""Browser: the provincial office walks from the province overview to a commune's checklist;
the API docs render from local assets without console errors."""

import pytest
from playwright.sync_api import expect

from criteria.services import rollup_commune


def _errors(page):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


@pytest.mark.django_db(transaction=True)
def test_province_office_overview_to_checklist(
    live_server, phone_page, live_login, province_office, commune_a, village_a1, screenshot
):
    rollup_commune(commune=commune_a)
    errors = _errors(phone_page)
    live_login(phone_page, "province_office")
    phone_page.goto(f"{live_server.url}/province/22/")
    expect(
        phone_page.get_by_role("heading", name="Tổng quan toàn tỉnh: Tỉnh Quảng Ninh")
    ).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone_page, "province-overview-phone")
    phone_page.get_by_role("link", name="Xã An Phú").click()
    expect(phone_page.get_by_role("heading", name="Xã An Phú")).to_be_visible()
    assert "/province/22/communes/90001/" in phone_page.url
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone_page, "province-commune-phone")
    assert not errors, errors


@pytest.mark.django_db(transaction=True)
def test_api_docs_render_locally(live_server, page):
    errors = _errors(page)
    outside = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None,
    )
    page.goto(f"{live_server.url}/api/v1/docs/")
    expect(page.locator(".swagger-ui .title").first).to_contain_text("Smart village read API")
    expect(page.get_by_text("/api/v1/communes/").first).to_be_visible()
    assert not errors, errors
    assert not outside, outside
