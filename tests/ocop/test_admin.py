"""Officials' admin: scoping, batch creation enqueues rendering, downloads, revoke, statistics."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from ocop.models import Product, Stamp, StampBatch, StampScan

from .factories import StampBatchFactory


def png_upload(name="photo.png", size=(900, 600)):
    out = io.BytesIO()
    Image.new("RGB", size, (200, 160, 40)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


@pytest.mark.django_db
def test_official_b_cannot_see_commune_a_products_or_batches(
    login, official_b, product_a, make_ready_batch
):
    batch = make_ready_batch(product_a, quantity=2)
    client = login(official_b)
    products = client.get(reverse("admin:ocop_product_changelist"))
    assert products.status_code == 200 and "Mật ong hoa rừng" not in products.content.decode()
    batches = client.get(reverse("admin:ocop_stampbatch_changelist"))
    assert batch.lot_code not in batches.content.decode()
    for url in (
        reverse("admin:ocop_product_change", args=[product_a.pk]),
        reverse("admin:ocop_stampbatch_change", args=[batch.pk]),
    ):
        assert client.get(url).status_code in (302, 404)
    for kind in ("pdf", "zip"):
        url = reverse("ocop:batch_file", args=[batch.pk, kind])
        assert client.get(url).status_code == 404
    stamp = batch.stamps.first()
    assert client.get(reverse("admin:ocop_stamp_png", args=[stamp.pk])).status_code == 404


@pytest.mark.django_db
def test_official_a_downloads_pdf_zip_and_stamp_png(login, official_a, product_a, make_ready_batch):
    batch = make_ready_batch(product_a, quantity=2)
    client = login(official_a)
    listing = client.get(reverse("admin:ocop_stampbatch_changelist")).content.decode()
    assert batch.lot_code in listing and "PDF" in listing
    pdf = client.get(reverse("ocop:batch_file", args=[batch.pk, "pdf"]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    zipped = client.get(reverse("ocop:batch_file", args=[batch.pk, "zip"]))
    assert zipped.status_code == 200 and b"".join(zipped.streaming_content)[:2] == b"PK"
    png = client.get(reverse("admin:ocop_stamp_png", args=[batch.stamps.first().pk]))
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")


@pytest.mark.django_db
def test_unfinished_batch_has_no_download(login, official_a, product_a):
    batch = StampBatchFactory(product=product_a, status="rendering", pdf_file="ocop/labels/x.pdf")
    client = login(official_a)
    url = reverse("ocop:batch_file", args=[batch.pk, "pdf"])
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_creating_a_batch_in_the_admin_enqueues_rendering(
    login, official_a, product_a, product_b, django_capture_on_commit_callbacks
):
    client = login(official_a)
    add_url = reverse("admin:ocop_stampbatch_add")
    form = client.get(add_url).content.decode()
    assert "Mật ong hoa rừng" in form and "Nước mắm Bê Một" not in form
    data = {
        "product": product_a.pk,
        "lot_code": "MO-2025-07",
        "produced_on": "2025-07-01",
        "best_before": "2027-07-01",
        "quantity": "4",
    }
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(add_url, data)
    assert response.status_code == 302
    # One rendering job sent on commit (the data-version bump is another callback).
    assert len([c for c in callbacks if "enqueue_on_commit" in c.__qualname__]) == 1
    batch = StampBatch.objects.get(lot_code="MO-2025-07")
    assert batch.status == "ready" and batch.created_by == official_a
    assert batch.stamps.count() == 4


@pytest.mark.django_db
def test_admin_refuses_another_communes_product_and_bad_quantity(login, official_a, product_b):
    client = login(official_a)
    data = {"product": product_b.pk, "lot_code": "X", "produced_on": "2025-07-01", "quantity": "0"}
    response = client.post(reverse("admin:ocop_stampbatch_add"), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert {"product", "quantity"} <= set(errors)
    assert not StampBatch.objects.exists()


@pytest.mark.django_db
def test_revoke_batch_and_retry_actions(
    login, official_a, product_a, make_ready_batch, django_capture_on_commit_callbacks
):
    batch = make_ready_batch(product_a, quantity=3)
    failed = StampBatchFactory(product=product_a, status="failed", error="boom")
    client = login(official_a)
    url = reverse("admin:ocop_stampbatch_changelist")
    client.post(url, {"action": "revoke_batches", "_selected_action": [batch.pk]})
    assert Stamp.objects.filter(batch=batch, revoked=True).count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "retry_batches", "_selected_action": [failed.pk]})
    failed.refresh_from_db()
    assert failed.status == "ready"


@pytest.mark.django_db
def test_ready_batch_cannot_be_deleted(login, official_a, product_a, make_ready_batch):
    batch = make_ready_batch(product_a, quantity=1)
    client = login(official_a)
    response = client.post(
        reverse("admin:ocop_stampbatch_delete", args=[batch.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert StampBatch.objects.filter(pk=batch.pk).exists()


@pytest.mark.django_db
def test_product_admin_validates_score_gtin_and_makes_thumbnail(login, official_a, product_a):
    client = login(official_a)
    url = reverse("admin:ocop_product_add")
    base = {
        "producer": product_a.producer.pk,
        "name": "Trà hoa vàng",
        "group": "beverages",
        "score": "101",
        "gtin": "8934567890121",
        "is_public": "on",
    }
    response = client.post(url, base)
    errors = response.context["adminform"].form.errors
    assert {"score", "gtin"} <= set(errors)
    response = client.post(
        url,
        {
            **base,
            "score": "91",
            "gtin": "8934567890120",
            "certificate_issued_on": "2025-01-02",
            "photo": png_upload(),
        },
    )
    assert response.status_code == 302
    product = Product.objects.get(name="Trà hoa vàng")
    assert product.stars == 5
    assert str(product.certificate_expires_on) == "2028-01-02"
    assert product.thumbnail and max(Image.open(product.thumbnail.path).size) <= 480


@pytest.mark.django_db
def test_non_image_photo_is_refused(login, official_a, product_a):
    client = login(official_a)
    fake = SimpleUploadedFile("photo.png", b"<?php echo 1; ?>", content_type="image/png")
    response = client.post(
        reverse("admin:ocop_product_change", args=[product_a.pk]),
        {
            "producer": product_a.producer.pk,
            "name": product_a.name,
            "group": "food",
            "score": "75",
            "photo": fake,
        },
    )
    assert response.status_code == 200
    assert "photo" in response.context["adminform"].form.errors


@pytest.mark.django_db
def test_statistics_show_own_products_and_suspicious_stamps(
    login, official_a, official_b, product_a, product_b, make_ready_batch
):
    batch = make_ready_batch(product_a, quantity=2)
    stamp = batch.stamps.first()
    for i in range(8):
        StampScan.objects.create(stamp=stamp, client_hash=f"{i:016x}", ua_family="android")
    Stamp.objects.filter(pk=stamp.pk).update(scan_count=8)
    make_ready_batch(product_b, quantity=1)
    url = reverse("admin:ocop_product_statistics")
    html = login(official_a).get(url).content.decode()
    assert "Mật ong hoa rừng" in html and "Nước mắm Bê Một" not in html
    assert stamp.serial in html
    html_b = login(official_b).get(url).content.decode()
    assert stamp.serial not in html_b and "Mật ong hoa rừng" not in html_b
    suspicious = login(official_a).get(
        reverse("admin:ocop_stamp_changelist"), {"suspicious": "yes"}
    )
    assert list(suspicious.context["cl"].result_list) == [stamp]


@pytest.mark.django_db
def test_team_leader_has_no_ocop_admin(login, leader_a1, product_a):
    response = login(leader_a1).get(reverse("admin:ocop_product_changelist"))
    assert response.status_code == 302


@pytest.mark.django_db
def test_a_ready_batch_shows_no_save_buttons(login, official_a, product_a, make_ready_batch):
    """Every field of a created batch is read-only: three Save buttons changed nothing."""
    batch = make_ready_batch(product_a, quantity=1)
    html = login(official_a).get(reverse("admin:ocop_stampbatch_change", args=[batch.pk]))
    body = html.content.decode()
    assert html.status_code == 200 and batch.lot_code in body
    assert 'name="_save"' not in body and 'name="_continue"' not in body
    assert 'name="_addanother"' not in body
