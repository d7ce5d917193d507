"""Celery tasks of the household registry: checking and applying large Excel imports."""

from __future__ import annotations

from celery import shared_task

from . import jobs


@shared_task
def household_import_check_task(import_id: int) -> None:
    jobs.import_job_check(import_id=import_id)


@shared_task
def household_import_apply_task(import_id: int) -> None:
    jobs.import_job_apply(import_id=import_id)
