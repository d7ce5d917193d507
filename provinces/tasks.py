"""Celery task of the province tier: a thin wrapper around the service (safe to run twice)."""

from __future__ import annotations

from celery import shared_task


@shared_task
def province_rollup_task(job_id: int) -> str:
    """Roll up every commune of a province (services.province_rollup_execute: claimed once)."""
    from .services import province_rollup_execute

    return province_rollup_execute(job_id=job_id)
