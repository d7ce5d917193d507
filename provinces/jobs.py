"""The provinces app's background job, registered with core.jobs: province roll-ups.

Lost: a job still waiting JOBS_LOST_AFTER after it was last sent. Stale: a job "running" whose
heartbeat is older than JOBS_HEARTBEAT_STALE (its worker died). Both go back to "waiting" with
one conditional UPDATE (only one requeue wins) and are sent again (core.jobs.recover_claimed);
the claim makes a duplicate delivery a no-op, and the new worker skips the communes already
rolled up for the job.
"""

from __future__ import annotations

from core.jobs import recover_claimed, register

from .models import ProvinceRollup
from .services import TASK

recover = recover_claimed(ProvinceRollup, TASK)

register("provinces.province_rollup", tasks=[TASK], recover=recover)
