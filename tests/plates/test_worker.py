"""The real Celery worker renders a plate batch (runs in CI via .ci/run; skipped locally) and
every plate's QR code, rendered at 150 dpi, decodes to <SITE_URL>/a/<code> of its household."""

from __future__ import annotations

import time
import zipfile

import pytest
from django.conf import settings
from django.db import transaction

from plates.models import PlateBatch
from plates.services import plate_batch_create

from .conftest import make_household
from .test_batches import decode_pdf, needs_tools


@needs_tools
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_worker_renders_a_plate_batch_whose_codes_scan(village_a1, official_a, tmp_path):
    households = {
        make_household(village_a1, n, code=f"QT01{n:05d}", house_no=str(10 + n)).pk: f"QT01{n:05d}"
        for n in range(1, 5)
    }
    make_household(village_a1, 9, code="QT0100009", verified=False)
    with transaction.atomic():
        batch = plate_batch_create(village=village_a1, size="300x200", user=official_a)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        batch.refresh_from_db()
        if batch.status in (PlateBatch.Status.READY, PlateBatch.Status.FAILED):
            break
        time.sleep(0.5)
    assert batch.status == PlateBatch.Status.READY, batch.error
    assert batch.attempts == 1 and batch.progress == 4
    assert [row["household"] for row in batch.left_out] == ["9"]
    plates = {p.sequence: p for p in batch.plates.all()}
    # The worker wrote into PRIVATE_MEDIA_ROOT of its own environment (.ci/run sets one for
    # both); read the files through the field's storage.
    with batch.plates_file.open("rb") as fh, zipfile.ZipFile(fh) as zf:
        names = sorted(zf.namelist())
        assert len(names) == 4
        for name in names:
            plate = plates[int(name.split("-")[0])]
            assert households[plate.household_id] == plate.code
            decoded = decode_pdf(zf.read(name), tmp_path, f"w{plate.sequence}")
            assert decoded == [f"{settings.SITE_URL}/a/{plate.code}"]
