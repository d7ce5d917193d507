from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=False)  # the smoke test reads its answer (scripts/smoke_check.py)
def ping(village_code: str | None = None) -> dict:
    """Round-trip check for the worker: answers and reads the database it was given."""
    from villages.models import Village

    village = Village.objects.filter(code=village_code).values_list("name", flat=True).first()
    return {"pong": True, "village": village}


@shared_task
def requeue_pending() -> dict:
    """Beat (every JOBS_REQUEUE_EVERY s): send again the tasks recorded while the broker was
    down, and the jobs that were lost or whose worker died (stale heartbeat); core/jobs.py."""
    from .jobs import requeue_pending as run

    return run()
