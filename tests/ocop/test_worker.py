"""The real Celery worker renders a batch (runs in CI via .ci/run; skipped locally)."""

import datetime as dt
import time

import pytest
from django.db import transaction

from ocop.models import StampBatch
from ocop.services import stamp_batch_create

from .factories import ProducerFactory, ProductFactory


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_worker_renders_a_small_batch(village_a1):
    product = ProductFactory(producer=ProducerFactory(village=village_a1), score=80)
    with transaction.atomic():
        batch = stamp_batch_create(
            product=product, lot_code="CI-1", produced_on=dt.date(2025, 1, 1), quantity=12
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        batch.refresh_from_db()
        if batch.status in (StampBatch.Status.READY, StampBatch.Status.FAILED):
            break
        time.sleep(0.5)
    assert batch.status == StampBatch.Status.READY, batch.error
    assert batch.stamps.count() == 12
    assert sorted(batch.stamps.values_list("sequence", flat=True)) == list(range(1, 13))
    assert batch.pdf_file.name.endswith(".pdf") and batch.zip_file.name.endswith(".zip")
