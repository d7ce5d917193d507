"""The public stamp page behind every QR code."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from ocop.models import Stamp, StampScan
from ocop.services import client_hash, stamp_batch_revoke, ua_family

ZALO_UA = "Mozilla/5.0 (Linux; Android 13; SM-A515F) AppleWebKit/537.36 Zalo iOS/1.0"


@pytest.fixture
def stamp(product_a, make_ready_batch):
    product_a.sales_links = "Shopee | https://shopee.vn/mat-ong"
    product_a.save()
    return make_ready_batch(product_a, quantity=3).stamps.get(sequence=1)


def page(client, serial, **extra):
    return client.get(reverse("ocop:stamp_public", args=[serial]), **extra)


@pytest.mark.django_db
def test_first_scan_shows_product_and_records_one_scan(
    client, stamp, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        response = page(client, stamp.serial, HTTP_USER_AGENT=ZALO_UA, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 200
    html = response.content.decode()
    assert len(response.content) < 50 * 1024
    for text in (
        "Mật ong hoa rừng",
        "★★★★",
        "HTX Ong Thôn Một",
        "Thôn Một",
        "Xã An Phú",
        stamp.batch.lot_code,
        "01/03/2025",
        "01/03/2027",
        "https://shopee.vn/mat-ong",
        stamp.serial,
    ):
        assert text in html
    assert "Đây là lần quét đầu tiên" in html
    scan = StampScan.objects.get()
    assert scan.ua_family == "zalo"
    assert scan.client_hash == client_hash("203.0.113.7") and "203.0.113" not in scan.client_hash
    stamp.refresh_from_db()
    assert stamp.scan_count == 1 and stamp.first_scan_at == stamp.last_scan_at


@pytest.mark.django_db
def test_second_scan_warns_that_the_stamp_may_be_reused(client, stamp):
    first = timezone.now() - dt.timedelta(days=3)
    Stamp.objects.filter(pk=stamp.pk).update(first_scan_at=first, last_scan_at=first, scan_count=4)
    response = page(client, stamp.serial)
    html = response.content.decode()
    assert "được quét lần đầu vào ngày" in html
    assert timezone.localtime(first).strftime("%d/%m/%Y") in html
    stamp.refresh_from_db()
    assert stamp.scan_count == 5 and stamp.first_scan_at == first


@pytest.mark.django_db
def test_expired_certificate_shows_a_clear_warning(client, stamp):
    product = stamp.batch.product
    product.certificate_issued_on = dt.date(2020, 1, 1)
    product.certificate_expires_on = None
    product.save()
    html = page(client, stamp.serial).content.decode()
    assert "Giấy chứng nhận đã hết hạn" in html
    assert "01/01/2023" in html


@pytest.mark.django_db
def test_valid_certificate_shows_its_validity(client, stamp):
    html = page(client, stamp.serial).content.decode()
    assert "hết hạn" not in html
    assert stamp.batch.product.certificate_expires_on.strftime("%d/%m/%Y") in html


@pytest.mark.django_db
def test_unknown_serial_is_404_and_looks_like_the_revoked_page(client, stamp, make_ready_batch):
    unknown = page(client, "ABCDEFGHJKMNP")
    near = page(client, stamp.serial[:-1] + ("2" if stamp.serial[-1] != "2" else "3"))
    garbage = page(client, "<script>")
    for response in (unknown, near, garbage):
        assert response.status_code == 404
        assert "Tem không hợp lệ" in response.content.decode()
    assert not StampScan.objects.exists()
    Stamp.objects.filter(pk=stamp.pk).update(revoked=True)
    revoked = page(client, stamp.serial)
    assert revoked.status_code == 410
    html = revoked.content.decode()
    assert "Tem không hợp lệ" in html and "thu hồi" in html
    assert "Mật ong" not in html  # nothing about the product on a revoked stamp
    # Same layout: the two pages differ only in the message and the code.
    assert unknown.content.decode().count("<") == html.count("<")


@pytest.mark.django_db
def test_revoked_batch_revokes_its_stamps_pages(client, stamp):
    stamp_batch_revoke(batch=stamp.batch)
    assert page(client, stamp.serial).status_code == 410
    assert page(client, stamp.batch.stamps.get(sequence=2).serial).status_code == 410


@pytest.mark.django_db
def test_lowercase_serial_is_accepted(client, stamp):
    assert page(client, stamp.serial.lower()).status_code == 200


@pytest.mark.django_db
def test_no_personal_data_on_the_page(client, stamp):
    html = page(client, stamp.serial, REMOTE_ADDR="198.51.100.23").content.decode()
    assert "198.51.100" not in html
    assert "0203 3888 999" not in html  # contact lives on the product page, not the stamp page
    assert "noindex" in html


@pytest.mark.django_db
def test_same_network_hashes_alike_and_key_matters(settings):
    assert client_hash("203.0.113.7") == client_hash("203.0.113.99")
    assert client_hash("203.0.113.7") != client_hash("203.0.114.7")
    assert len(client_hash("2001:db8::1")) == 16
    before = client_hash("203.0.113.7")
    settings.SECRET_KEY = "another-key-for-this-test-0123456789"
    assert client_hash("203.0.113.7") != before


@pytest.mark.parametrize(
    ("ua", "family"),
    [
        (ZALO_UA, "zalo"),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) [FBAN/FBIOS;FBAV/440.0]", "facebook"),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1", "iphone"),
        ("Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/120 Mobile", "android"),
        ("curl/8.0", "other"),
        ("", "other"),
    ],
)
def test_user_agent_family(ua, family):
    assert ua_family(ua) == family


@pytest.mark.django_db
def test_suspicious_stamps_are_flagged(stamp, settings):
    from ocop import models

    for i in range(models.SUSPICIOUS_CLIENTS + 1):
        StampScan.objects.create(stamp=stamp, client_hash=f"{i:016x}", ua_family="android")
    Stamp.objects.filter(pk=stamp.pk).update(scan_count=models.SUSPICIOUS_CLIENTS + 1)
    other = stamp.batch.stamps.get(sequence=2)
    for _ in range(3):
        StampScan.objects.create(stamp=other, client_hash="same", ua_family="android")
    Stamp.objects.filter(pk=other.pk).update(scan_count=3)
    assert list(Stamp.objects.suspicious()) == [stamp]
