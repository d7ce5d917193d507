"""The criteria app's background job, registered with core.jobs: requested roll-up runs.

Lost: a run still queued JOBS_LOST_AFTER after it was last sent. Stale: a run "running" whose
heartbeat (renewed by services.rollup_run_execute while it computes) is older than
JOBS_HEARTBEAT_STALE: its worker died, and its transaction with it, so nothing was written.
Both go back to "queued" with one conditional UPDATE and are sent again
(core.jobs.recover_claimed).
"""

from __future__ import annotations

from core.jobs import recover_claimed, register

from .models import RollupRun

TASK = "criteria.tasks.rollup_run_task"

recover = recover_claimed(RollupRun, TASK)

register(
    "criteria.rollup_run",
    tasks=[TASK, "criteria.tasks.rollup_commune_task", "criteria.tasks.rollup_runs_task"],
    recover=recover,
)
