"""Day-first dates in the admin (both languages), the calendar's format, catalogue search."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import translation

from ocop.models import StampBatch


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize(
    ("typed", "day"),
    [("05/11/2026", dt.date(2026, 11, 5)), ("20/11/2026", dt.date(2026, 11, 20)),
     ("5/1/2026", dt.date(2026, 1, 5)), ("2026-11-05", dt.date(2026, 11, 5))],
)  # fmt: skip
def test_stamp_batch_production_date_is_day_first(
    login, official_a, product_a, language, typed, day, settings
):
    client = login(official_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    data = {"product": product_a.pk, "lot_code": "MO-1", "produced_on": typed, "quantity": "2"}
    with translation.override(language):
        response = client.post(reverse("admin:ocop_stampbatch_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert StampBatch.objects.get().produced_on == day


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["vi", "en"])
def test_admin_calendar_fills_day_first(login, official_a, language, settings):
    """DateTimeShortcuts.js writes get_format('DATE_INPUT_FORMATS')[0] into the box."""
    client = login(official_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    body = client.get(reverse("admin:jsi18n")).content.decode()
    start = body.index('"DATE_INPUT_FORMATS": ') + len('"DATE_INPUT_FORMATS": ')
    formats = json.JSONDecoder().raw_decode(body[start:])[0]
    assert formats[0] == "%d/%m/%Y"
    assert '"THOUSAND_SEPARATOR": "."' in body and '"DECIMAL_SEPARATOR": ","' in body


@pytest.mark.django_db
def test_admin_shows_dates_day_first(login, official_a, product_a):
    StampBatch.objects.create(product=product_a, lot_code="L1", produced_on=dt.date(2026, 11, 5),
                              quantity=1)  # fmt: skip
    batch = StampBatch.objects.get()
    body = (
        login(official_a)
        .get(reverse("admin:ocop_stampbatch_change", args=[batch.pk]))
        .content.decode()
    )
    assert "05/11/2026" in body and "2026-11-05" not in body


@pytest.mark.django_db
@pytest.mark.parametrize("q", ["mat ong", "MẬT ONG", "htx ong thon"])
def test_catalogue_search_ignores_accents(client, product_a, product_b, q):
    from ocop.models import Product

    assert set(Product.objects.published()) == {product_a, product_b}
    body = client.get(reverse("ocop:catalogue"), {"q": q}).content.decode()
    assert "Mật ong hoa rừng" in body
    assert "Nước mắm Bê Một" not in body


@pytest.mark.django_db
def test_double_submit_of_a_batch_names_the_existing_lot(product_a, monkeypatch):
    from django.core.exceptions import ValidationError

    from ocop import services

    services.stamp_batch_create(product=product_a, lot_code="MO-9", produced_on=dt.date(2026, 1, 1),
                                quantity=1)  # fmt: skip
    # The race: the second request's check ran before the first one committed.
    monkeypatch.setattr(StampBatch, "validate_constraints", lambda self, exclude=None: None)
    with pytest.raises(ValidationError) as caught:
        services.stamp_batch_create(
            product=product_a, lot_code="MO-9", produced_on=dt.date(2026, 1, 1), quantity=1
        )
    assert "MO-9" in caught.value.message_dict["lot_code"][0]
    assert StampBatch.objects.filter(lot_code="MO-9").count() == 1
