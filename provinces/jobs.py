"""The provinces app's background job, registered with core.jobs: province roll-ups.

Lost: a job still waiting JOBS_LOST_AFTER after it was last sent. Stale: a job "running" whose
heartbeat is older than JOBS_HEARTBEAT_STALE (its worker died). Both go back to "waiting" with
one conditional UPDATE (only one requeue wins) and are sent again; the claim makes a duplicate
delivery a no-op, and the new worker skips the communes already rolled up for the job.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from core.jobs import heartbeat_stale, lost_after, register

from .models import ProvinceRollup
from .services import TASK

S = ProvinceRollup.Status


def recover(now: dt.datetime) -> list[tuple[str, list]]:
    conditions = [
        Q(status=S.RUNNING, heartbeat_at__lt=now - heartbeat_stale()),
        Q(status=S.QUEUED, heartbeat_at__lt=now - lost_after()),
    ]
    sends = []
    for condition in conditions:
        for pk in ProvinceRollup.objects.filter(condition).values_list("pk", flat=True):
            if ProvinceRollup.objects.filter(condition, pk=pk).update(
                status=S.QUEUED, claim_token="", heartbeat_at=now
            ):
                sends.append((TASK, [pk]))
    return sends


register("provinces.province_rollup", tasks=[TASK], recover=recover)
