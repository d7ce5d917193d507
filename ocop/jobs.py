"""The OCOP app's background job, registered with core.jobs: rendering stamp batches.

Lost: a batch still queued JOBS_LOST_AFTER after it was last sent (its message was lost, e.g.
Redis restarted empty). Stale: a batch "rendering" whose heartbeat is older than
JOBS_HEARTBEAT_STALE (its worker died). Both go back to "queued" with one conditional UPDATE
(only one requeue wins) and are sent again; the render's claim makes a duplicate a no-op.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from core.jobs import lost_after, register

from .models import StampBatch
from .services import RENDER_TASK as TASK
from .services import stale_before

S = StampBatch.Status


def recover(now: dt.datetime) -> list[tuple[str, list]]:
    stale, lost = stale_before(now), now - lost_after()
    live = StampBatch.objects.filter(revoked_at__isnull=True)
    candidates = {
        S.RENDERING: Q(status=S.RENDERING, heartbeat_at__lt=stale),
        S.QUEUED: Q(status=S.QUEUED)
        & (Q(heartbeat_at__lt=lost) | Q(heartbeat_at__isnull=True, created_at__lt=lost)),
    }
    sends = []
    for condition in candidates.values():
        for pk in live.filter(condition).values_list("pk", flat=True):
            # heartbeat_at = when it was sent again: not resent before lost_after() has passed.
            if live.filter(condition, pk=pk).update(
                status=S.QUEUED, render_token="", heartbeat_at=now
            ):
                sends.append((TASK, [pk]))
    return sends


register("ocop.stamp_batch_render", tasks=[TASK], recover=recover)
