"""An OCOP stamp batch's label sheet in a real browser: the official downloads the PDF from the
admin; a team leader of another village and an anonymous visitor get 404 for the same URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocop.models import StampBatch
from ocop.rendering import stamp_batch_render
from tests.ocop.factories import ProducerFactory, ProductFactory, StampBatchFactory


@pytest.fixture
def ready_batch(settings, tmp_path, village_a1):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    settings.SITE_URL = "https://thon.example.vn"
    product = ProductFactory(producer=ProducerFactory(village=village_a1), name="Mật ong rừng")
    batch = StampBatchFactory(product=product, lot_code="MO-2026-01", quantity=4)
    assert stamp_batch_render(batch_id=batch.pk) == "ready"
    return StampBatch.objects.get(pk=batch.pk)


@pytest.mark.django_db(transaction=True)
def test_official_downloads_the_label_sheet_others_get_404(
    live_server, browser, live_login, official_a, leader_a2, ready_batch, tmp_path
):
    context = browser.new_context(locale="vi-VN", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    live_login(page, "official_a")
    page.goto(f"{live_server.url}/admin/ocop/stampbatch/")
    link = page.get_by_role("link", name="PDF", exact=True)
    with page.expect_download() as info:
        link.click()
    download = info.value
    saved = tmp_path / "sheet.pdf"
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    assert download.suggested_filename.endswith("-labels.pdf")
    url = f"{live_server.url}/ocop/batches/{ready_batch.pk}/pdf/"
    assert link.get_attribute("href") == url.removeprefix(live_server.url)
    # Not a URL under /media/: the sheet's file is in the private folder only.
    assert ready_batch.pdf_file.name not in (link.get_attribute("href") or "")
    assert Path(ready_batch.pdf_file.path).is_relative_to(tmp_path / "private")
    assert not list((tmp_path / "media").rglob("*.pdf"))
    context.close()

    for username in ("leader_a2", None):
        other = browser.new_context(locale="vi-VN")
        other_page = other.new_page()
        if username:
            live_login(other_page, username)
        response = other_page.goto(url)
        assert response.status == 404, username
        assert b"%PDF" not in response.body()
        media = other_page.request.get(f"{live_server.url}/media/{ready_batch.pdf_file.name}")
        assert media.status == 404, username
        other.close()
