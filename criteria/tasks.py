"""Celery tasks: thin wrappers around services.rollup_commune (safe to run twice)."""

from __future__ import annotations

from celery import shared_task

from villages.models import Commune


@shared_task
def rollup_commune_task(commune_id: int, trigger: str = "task") -> int | None:
    """Roll up one commune; returns the run id (None when the commune is gone)."""
    from .services import rollup_commune

    commune = Commune.objects.filter(pk=commune_id).first()
    if commune is None:
        return None
    return rollup_commune(commune=commune, trigger=trigger).pk


@shared_task
def rollup_all_communes() -> int:
    """Nightly (Celery beat): one task per commune that has villages."""
    ids = list(
        Commune.objects.filter(villages__isnull=False).distinct().values_list("pk", flat=True)
    )
    for commune_id in ids:
        rollup_commune_task.delay(commune_id, "beat")
    return len(ids)
