"""The criteria app's background job, registered with core.jobs: requested roll-up runs.

Lost: a run still queued JOBS_LOST_AFTER after it was last sent. Stale: a run "running" whose
heartbeat (renewed by services.rollup_run_execute while it computes) is older than
JOBS_HEARTBEAT_STALE: its worker died, and its transaction with it, so nothing was written.
Both go back to "queued" with one conditional UPDATE and are sent again.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from core.jobs import heartbeat_stale, lost_after, register

from .models import RollupRun

TASK = "criteria.tasks.rollup_run_task"
S = RollupRun.Status


def recover(now: dt.datetime) -> list[tuple[str, list]]:
    conditions = [
        Q(status=S.RUNNING, heartbeat_at__lt=now - heartbeat_stale()),
        Q(status=S.QUEUED, heartbeat_at__lt=now - lost_after()),
    ]
    sends = []
    for condition in conditions:
        for pk in RollupRun.objects.filter(condition).values_list("pk", flat=True):
            if RollupRun.objects.filter(condition, pk=pk).update(
                status=S.QUEUED, claim_token="", heartbeat_at=now
            ):
                sends.append((TASK, [pk]))
    return sends


register("criteria.rollup_run", tasks=[TASK, "criteria.tasks.rollup_commune_task"], recover=recover)
