from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=False)  # the smoke test reads its answer (scripts/smoke_check.py)
def ping(village_code: str | None = None) -> dict:
    """Round-trip check for the worker: answers and reads the database it was given (the name
    of the village with this code, so the caller sees the worker uses the same database)."""
    from .models import Village

    village = Village.objects.filter(code=village_code).values_list("name", flat=True).first()
    return {"pong": True, "village": village}
