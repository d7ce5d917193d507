"""Celery tasks of the household registry: large Excel imports, purge of import files."""

from __future__ import annotations

from celery import shared_task

from core.imports import purge_files

from . import jobs


@shared_task
def household_import_check_task(import_id: int) -> None:
    jobs.import_job_check(import_id=import_id)


@shared_task
def household_import_apply_task(import_id: int) -> None:
    jobs.import_job_apply(import_id=import_id)


@shared_task
def purge_import_files() -> int:
    """Beat (hourly): files of abandoned import previews and orphan uploads are deleted, for
    every importer (households and payments: core.imports)."""
    return purge_files()
