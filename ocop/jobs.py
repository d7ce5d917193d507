"""The OCOP app's background job, registered with core.jobs: rendering stamp batches.

Lost: a batch still queued JOBS_LOST_AFTER after it was last sent (its message was lost, e.g.
Redis restarted empty). Stale: a batch "rendering" whose heartbeat is older than
JOBS_HEARTBEAT_STALE (its worker died). Both go back to "queued" with one conditional UPDATE
(only one requeue wins) and are sent again (core.claims.recover_stale); the render's claim makes
a duplicate a no-op.
"""

from __future__ import annotations

import datetime as dt

from core.claims import recover_stale
from core.jobs import register

from .models import StampBatch
from .services import RENDER_TASK as TASK


def recover(now: dt.datetime) -> list[tuple[str, list]]:
    return recover_stale(StampBatch.objects.filter(revoked_at__isnull=True), TASK, now)


register("ocop.stamp_batch_render", tasks=[TASK], recover=recover)
