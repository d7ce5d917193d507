"""Celery tasks: thin wrappers around the roll-up services (safe to run twice)."""

from __future__ import annotations

from celery import shared_task

from villages.models import Commune


@shared_task
def rollup_run_task(run_id: int) -> str:
    """Do one requested roll-up run (services.rollup_run_execute: claimed once, heartbeat)."""
    from .services import rollup_run_execute

    return rollup_run_execute(run_id=run_id)


@shared_task
def rollup_commune_task(commune_id: int, trigger: str = "task") -> int | None:
    """Roll up one commune now; returns the run id (None when the commune is gone). Kept for
    calls recorded before requested runs existed; new requests use rollup_run_task."""
    from .services import rollup_commune

    commune = Commune.objects.filter(pk=commune_id).first()
    if commune is None:
        return None
    return rollup_commune(commune=commune, trigger=trigger).pk


@shared_task
def rollup_all_communes() -> int:
    """Nightly (Celery beat): one requested run per commune that has villages."""
    from .services import rollup_request

    communes = Commune.objects.filter(villages__isnull=False).distinct()
    count = 0
    for commune in communes:
        rollup_request(commune=commune, trigger="beat")
        count += 1
    return count
