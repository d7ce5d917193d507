"""OCOP fidelity on the stamp page: a product below 50 points or with an expired certificate is
not called OCOP; the recognising decision is shown; the minimum traceability information of
Circular 02/2024/TT-BKHCN is listed with what is missing; 5 stars are recognised centrally."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from ocop.models import Product

pytestmark = pytest.mark.django_db


@pytest.fixture
def stamp(product_a, make_ready_batch):
    return make_ready_batch(product_a, quantity=1).stamps.get(sequence=1)


def page(client, stamp):
    return client.get(reverse("ocop:stamp_public", args=[stamp.serial])).content.decode()


def test_a_rated_product_is_called_ocop_with_its_decision(client, stamp):
    product = stamp.batch.product
    product.certificate_decision_number = "1234/QĐ-UBND"
    product.certificate_decision_date = dt.date(2025, 2, 20)
    product.certificate_authority = "province"
    product.full_clean()
    product.save()
    html = page(client, stamp)
    assert "Tem chính hãng của sản phẩm OCOP" in html and "★★★★" in html
    assert "1234/QĐ-UBND" in html and "20/02/2025" in html and "UBND tỉnh" in html


def test_below_50_points_is_not_called_ocop(client, stamp):
    Product.objects.filter(pk=stamp.batch.product_id).update(score=45, stars=0)
    html = page(client, stamp)
    assert "sản phẩm OCOP" not in html.split("<footer")[0].replace(
        "truy xuất nguồn gốc sản phẩm OCOP", ""
    )
    assert "chưa được xếp hạng OCOP" in html
    assert "Tem chính hãng" in html  # the stamp itself is genuine


def test_expired_certificate_is_not_called_ocop(client, stamp):
    product = stamp.batch.product
    product.certificate_issued_on = dt.date(2020, 1, 1)
    product.certificate_expires_on = None
    product.save()
    html = page(client, stamp)
    assert "Tem chính hãng của sản phẩm OCOP" not in html and "★★★★" not in html
    assert "không còn là sản phẩm OCOP" in html


def test_traceability_minimum_lists_what_is_missing(client, stamp):
    html = page(client, stamp)
    section = html.split("Thông tin truy xuất nguồn gốc")[1].split("</ul>")[0]
    assert "Mật ong hoa rừng" in section and stamp.serial in section
    assert section.count("còn thiếu") >= 3  # image, standards, stages (portal holds one step)
    product = stamp.batch.product
    product.standards = "TCVN 12850:2019"
    product.save()
    section = page(client, stamp).split("Thông tin truy xuất nguồn gốc")[1].split("</ul>")[0]
    assert "TCVN 12850:2019" in section
    assert section.count("còn thiếu") == 2  # image and the stages


def test_five_stars_are_recognised_at_central_level(product_b):
    product_b.certificate_authority = "province"  # 92 points = 5 stars
    with pytest.raises(ValidationError) as info:
        product_b.full_clean()
    assert "certificate_authority" in info.value.message_dict
    product_b.certificate_authority = "central"
    product_b.full_clean()
