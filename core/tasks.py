from __future__ import annotations

from celery import shared_task


@shared_task
def requeue_pending() -> dict:
    """Beat (every JOBS_REQUEUE_EVERY s): send again the tasks recorded while the broker was
    down, and the jobs that were lost or whose worker died (stale heartbeat); core/jobs.py."""
    from .jobs import requeue_pending as run

    return run()
