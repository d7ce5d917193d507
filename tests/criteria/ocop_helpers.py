"""Minimal OCOP rows for the criteria tests (skipped while the ocop app has no models)."""

import datetime as dt
import itertools

import pytest
from django.apps import apps

_lots = itertools.count(1)


def require():
    for label in ("ocop.Producer", "ocop.Product", "ocop.StampBatch"):
        try:
            apps.get_model(label)
        except LookupError:
            pytest.skip(f"{label} is not built yet")


def product(village, *, name, score=75):
    Producer = apps.get_model("ocop.Producer")
    Product = apps.get_model("ocop.Product")
    producer, _ = Producer.objects.get_or_create(
        village=village, name=f"HTX {village.name}", defaults={"kind": "cooperative"}
    )
    return Product.objects.create(producer=producer, name=name, group="food", score=score)


def batch(product, *, status):
    StampBatch = apps.get_model("ocop.StampBatch")
    return StampBatch.objects.create(
        product=product,
        lot_code=f"L{next(_lots):04d}",
        produced_on=dt.date(2026, 1, 1),
        quantity=10,
        status=status,
    )
