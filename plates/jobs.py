"""The plates app's background job, registered with core.jobs: rendering plate batches (lost or
stale batches go back to "queued" and are sent again: core.claims.recover_stale)."""

from __future__ import annotations

import datetime as dt

from core.claims import recover_stale
from core.jobs import register

from .models import PlateBatch
from .services import RENDER_TASK


def recover(now: dt.datetime) -> list[tuple[str, list]]:
    return recover_stale(PlateBatch.objects.all(), RENDER_TASK, now)


register("plates.plate_batch_render", tasks=[RENDER_TASK], recover=recover)
