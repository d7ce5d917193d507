from __future__ import annotations

from celery import shared_task


@shared_task
def ping(village_code: str | None = None) -> dict:
    """Round-trip check for the worker: answers and reads the database it was given."""
    from villages.models import Village

    village = Village.objects.filter(code=village_code).values_list("name", flat=True).first()
    return {"pong": True, "village": village}


@shared_task
def requeue_pending() -> dict:
    """Beat: send again the tasks recorded while the broker was down (core/jobs.py)."""
    from .jobs import requeue_pending as run

    return run()
