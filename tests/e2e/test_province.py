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


def _addresses(village, count, lat, lon):
    from decimal import Decimal

    from households.models import DigitalAddress, Household

    for n in range(count):
        household = Household.objects.create(village=village, number=str(100 + n))
        DigitalAddress.objects.create(
            household=household,
            latitude=Decimal(lat) + Decimal(n) / 2000,
            longitude=Decimal(lon) + Decimal(n) / 2000,
            source="team",
        )


@pytest.mark.django_db(transaction=True)
def test_province_office_walks_overview_reports_and_rollup(
    live_server, browser, live_login, province_office, commune_a, commune_b, village_a1,
    village_b1, screenshot, tmp_path,
):  # fmt: skip
    """Desktop: the office sorts and filters the communes, sees them on the map and the trend,
    follows a commune to its checklist, downloads the Excel report, opens the A4 print view and
    rolls up every commune, without a console error (Trusted Types, CSP)."""
    import datetime as dt
    from io import BytesIO

    from openpyxl import load_workbook

    from households.models import ExportAudit

    _addresses(village_a1, 5, "21.30", "107.55")
    _addresses(village_b1, 5, "21.36", "107.70")
    rollup_commune(commune=commune_a, on=dt.date.today() - dt.timedelta(days=120))
    rollup_commune(commune=commune_a)
    rollup_commune(commune=commune_b)
    context = browser.new_context(
        viewport={"width": 1366, "height": 900},
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        accept_downloads=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = _errors(page)
    live_login(page, "province_office")
    page.goto(f"{live_server.url}/province/22/")
    expect(page.get_by_role("heading", name="Tổng quan toàn tỉnh: Tỉnh Quảng Ninh")).to_be_visible()
    expect(page.locator("#province-map")).to_have_attribute("data-loaded", "2")
    expect(page.locator("#province-map .prov-point")).to_have_count(2)
    expect(page.locator("#province-trends svg")).to_be_visible()
    screenshot(page, "province-overview-desktop")

    # Sort by name, then filter: communes meeting every criterion (none yet) and all again.
    page.get_by_role("link", name="tên").click()
    assert "sort=name" in page.url
    rows = page.locator("#province-communes tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Xã An Phú")
    page.select_option("#f-status", "not_met")
    page.get_by_role("button", name="Lọc").click()
    assert "status=not_met" in page.url and "sort=name" in page.url
    expect(rows).to_have_count(2)
    page.select_option("#f-status", "met")
    page.get_by_role("button", name="Lọc").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Không có xã nào")
    screenshot(page, "province-overview-filtered")

    # A commune's checklist from the table.
    page.select_option("#f-status", "")
    page.get_by_role("button", name="Lọc").click()
    page.locator("#province-communes").get_by_role("link", name="Xã Bình Minh").click()
    expect(page.get_by_role("heading", name="Xã Bình Minh")).to_be_visible()
    assert "/province/22/communes/90002/" in page.url
    screenshot(page, "province-commune-desktop")
    page.go_back()

    # The Excel report.
    with page.expect_download() as info:
        page.get_by_role("link", name="Báo cáo toàn tỉnh (Excel)").click()
    download = info.value
    assert download.suggested_filename.startswith("tong-hop-tinh-22-")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    sheet = load_workbook(BytesIO(path.read_bytes())).active
    texts = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in texts
    assert "Xã An Phú" in texts and "Xã Bình Minh" in texts
    assert ExportAudit.objects.filter(user=province_office, model="province summary").exists()

    # The A4 print view.
    page.get_by_role("link", name="Báo cáo toàn tỉnh (bản in A4)").click()
    expect(page.get_by_text("Cộng hòa xã hội chủ nghĩa Việt Nam")).to_be_visible()
    expect(page.get_by_text("Chánh Văn phòng")).to_be_visible()
    expect(page.locator("#province-report tbody tr")).to_have_count(2)
    screenshot(page, "province-report-screen")
    page.emulate_media(media="print")
    screenshot(page, "province-report-print")
    page.pdf(path=str(tmp_path / "report.pdf"), prefer_css_page_size=True)
    page.emulate_media(media="screen")

    # Roll up every commune now (eager tasks here): the progress shows it done.
    page.get_by_role("link", name="Quay lại tổng quan toàn tỉnh").click()
    page.get_by_role("button", name="Tổng hợp tất cả các xã ngay").click()
    expect(page.locator("#province-rollup-status")).to_contain_text("Đã xong 2/2 xã")
    expect(page.locator("#province-rollup-status .prov-rollup-state")).to_have_text("Đã xong")
    screenshot(page, "province-rollup-done")
    assert not errors, errors
    context.close()
