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
def rollup_runs_task(run_ids: list[int]) -> dict[str, int]:
    """Do requested runs as one batch (batch.rollup_runs_execute: each run claimed once)."""
    from .batch import rollup_runs_execute

    return rollup_runs_execute(run_ids=run_ids)


@shared_task
def rollup_all_communes() -> int:
    """Nightly (Celery beat): one requested run per commune that has villages, sent by batches
    of ROLLUP_BATCH_SIZE communes (criteria.batch computes a batch's indicators together;
    each commune is still written in its own transaction under its own run's claim)."""
    from django.conf import settings

    from .services import rollup_request_batch

    communes = list(Commune.objects.filter(villages__isnull=False).distinct().order_by("code"))
    size = max(1, getattr(settings, "ROLLUP_BATCH_SIZE", 50))
    for start in range(0, len(communes), size):
        rollup_request_batch(communes=communes[start : start + size], trigger="beat")
    return len(communes)
