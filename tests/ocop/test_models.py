"""Rating, certificate, GTIN and serial rules, and the e-stamp coverage query."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from hypothesis import given
from hypothesis import strategies as st

from core.dates import add_months
from ocop.models import (
    SERIAL_ALPHABET,
    SERIAL_RE,
    Product,
    Stamp,
    estamp_coverage,
    new_serial,
    stamp_url,
    stars_for_score,
    validate_gtin13,
)

from .factories import ProductFactory, StampBatchFactory


@pytest.mark.parametrize(
    ("score", "stars"),
    [(0, 0), (49, 0), (50, 3), (69, 3), (70, 4), (89, 4), (90, 5), (100, 5)],
)
def test_stars_follow_the_score_at_every_cut_off(score, stars):
    assert stars_for_score(score) == stars


@pytest.mark.django_db
def test_saved_product_stores_stars_so_querysets_filter_by_them(village_a1):
    product = ProductFactory(producer__village=village_a1, score=91)
    assert Product.objects.filter(stars=5).get() == product
    product.score = 72
    product.save(update_fields=["score"])
    assert Product.objects.get(pk=product.pk).stars == 4


@pytest.mark.django_db
def test_database_refuses_stars_that_disagree_with_the_score(village_a1):
    product = ProductFactory(producer__village=village_a1, score=60)
    with pytest.raises(IntegrityError):
        Product.objects.filter(pk=product.pk).update(score=95)


@pytest.mark.django_db
@pytest.mark.parametrize("score", [101, 250])
def test_score_above_100_is_refused_with_a_message(village_a1, score):
    product = ProductFactory.build(producer=ProductFactory(producer__village=village_a1).producer)
    product.score = score
    with pytest.raises(ValidationError) as exc:
        product.full_clean()
    assert "score" in exc.value.message_dict


def test_expiry_defaults_to_issue_plus_36_months():
    product = Product(score=70, certificate_issued_on=dt.date(2024, 2, 29))
    product.derive()
    assert product.certificate_expires_on == dt.date(2027, 2, 28)
    given = Product(
        score=70,
        certificate_issued_on=dt.date(2024, 1, 1),
        certificate_expires_on=dt.date(2025, 6, 30),
    )
    given.derive()
    assert given.certificate_expires_on == dt.date(2025, 6, 30)


def test_add_months_clamps_to_month_end():
    assert add_months(dt.date(2023, 1, 31), 1) == dt.date(2023, 2, 28)
    assert add_months(dt.date(2023, 10, 15), 36) == dt.date(2026, 10, 15)


@pytest.mark.parametrize("gtin", ["8934567890120", "8936543210984", "4006381333931"])
def test_valid_gtin13_passes(gtin):
    validate_gtin13(gtin)


@pytest.mark.parametrize(
    "gtin", ["8934567890121", "893456789012", "89345678901200", "89345678A0120"]
)
def test_invalid_gtin13_is_refused(gtin):
    with pytest.raises(ValidationError):
        validate_gtin13(gtin)


@pytest.mark.django_db
def test_product_form_validation_reports_bad_gtin_and_links(village_a1):
    product = ProductFactory(producer__village=village_a1)
    product.gtin = "8934567890121"
    product.sales_links = "Shopee | javascript:alert(1)"
    with pytest.raises(ValidationError) as exc:
        product.full_clean()
    assert {"gtin", "sales_links"} <= set(exc.value.message_dict)


def test_sales_links_are_parsed_with_names():
    product = Product(sales_links="Shopee | https://shopee.vn/x\nhttps://www.tiki.vn/y\n\n")
    assert product.links == [
        ("Shopee", "https://shopee.vn/x"),
        ("tiki.vn", "https://www.tiki.vn/y"),
    ]


def test_serials_are_long_random_and_without_look_alikes():
    serials = {new_serial() for _ in range(2000)}
    assert len(serials) == 2000
    assert all(SERIAL_RE.match(s) for s in serials)
    assert not set("01OIL") & set(SERIAL_ALPHABET)
    assert len(SERIAL_ALPHABET) ** 13 >= 2**60


def test_qr_payload_is_site_url_slash_s_serial(settings):
    settings.SITE_URL = "https://thon.example.vn"
    assert stamp_url("ABCDEFGHJKMNP") == "https://thon.example.vn/s/ABCDEFGHJKMNP"


@given(st.integers(min_value=0, max_value=100))
def test_every_score_maps_to_allowed_stars(score):
    assert stars_for_score(score) in {0, 3, 4, 5}


@pytest.mark.django_db
def test_serial_is_unique_by_constraint(village_a1):
    batch = StampBatchFactory(product__producer__village=village_a1)
    Stamp.objects.create(batch=batch, serial="ABCDEFGHJKMNP", sequence=1)
    with pytest.raises(IntegrityError):
        Stamp.objects.create(batch=batch, serial="ABCDEFGHJKMNP", sequence=2)


@pytest.mark.django_db
def test_batch_quantity_and_rated_product_are_validated(village_a1):
    batch = StampBatchFactory.build(
        product=ProductFactory(producer__village=village_a1, score=40), quantity=50_001
    )
    with pytest.raises(ValidationError) as exc:
        batch.full_clean()
    assert {"quantity", "product"} <= set(exc.value.message_dict)


@pytest.mark.django_db
def test_estamp_coverage_counts_products_with_a_ready_batch(village_a1, village_a2):
    with_stamps = ProductFactory(producer__village=village_a1)
    ProductFactory(producer__village=village_a1)  # no batch
    queued = ProductFactory(producer__village=village_a1)
    ProductFactory(producer__village=village_a1, score=30)  # not rated: not counted
    ProductFactory(producer__village=village_a2)  # other village
    StampBatchFactory(product=with_stamps, status="ready")
    StampBatchFactory(product=queued, status="queued")
    assert estamp_coverage(Product.objects.in_village(village_a1)) == (1, 3)
