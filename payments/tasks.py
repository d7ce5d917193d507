"""Celery tasks of the payments app: large Excel imports of cashless reports (payments/jobs.py)."""

from __future__ import annotations

from celery import shared_task

from . import jobs


@shared_task
def cashless_import_check_task(import_id: int) -> None:
    jobs.KIND.run_check(import_id)


@shared_task
def cashless_import_apply_task(import_id: int) -> None:
    jobs.KIND.run_apply(import_id)
