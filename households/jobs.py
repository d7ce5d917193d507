"""Import jobs: the same code path inline (small files) and in Celery (large files).

Each step moves the job's status with a conditional UPDATE, so a task delivered twice (acks
late, worker restart) does the work once.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import timezone, translation

from core.jobs import enqueue_on_commit

from . import importer
from .models import HouseholdImport

S = HouseholdImport.Status
logger = logging.getLogger(__name__)


def _claim(import_id: int, from_status: str, to_status: str) -> HouseholdImport | None:
    if not HouseholdImport.objects.filter(pk=import_id, status=from_status).update(
        status=to_status, processed_rows=0
    ):
        return None
    return HouseholdImport.objects.select_related("created_by").get(pk=import_id)


def _progress(import_id: int):
    def report(rows: int) -> None:
        HouseholdImport.objects.filter(pk=import_id).update(processed_rows=rows)

    return report


def import_job_check(*, import_id: int) -> None:
    job = _claim(import_id, S.QUEUED, S.CHECKING)
    if job is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        try:
            with job.file.open("rb") as fileobj:
                result = importer.import_check(
                    fileobj, user=job.created_by, progress=_progress(import_id)
                )
        except Exception:
            # Never re-raised into a page; the traceback is logged (personal data redacted).
            logger.exception("household import %s: check failed", import_id)
            HouseholdImport.objects.filter(pk=import_id).update(
                status=S.FAILED, finished_at=timezone.now()
            )
            _drop_file(job)
            return
    HouseholdImport.objects.filter(pk=import_id, status=S.CHECKING).update(
        status=S.PREVIEW if result.ok else S.INVALID,
        result=result.as_json(),
        total_rows=result.total_rows,
        processed_rows=result.total_rows,
    )
    if not result.ok:
        _drop_file(job)


def _drop_file(job: HouseholdImport) -> None:
    """The uploaded sheet holds ID numbers in clear: keep it only until confirmed."""
    if job.file:
        job.file.delete(save=False)
    HouseholdImport.objects.filter(pk=job.pk).update(file="")


def import_job_apply(*, import_id: int) -> None:
    job = _claim(import_id, S.CONFIRMED, S.IMPORTING)
    if job is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        try:
            with job.file.open("rb") as fileobj:
                result = importer.import_apply(
                    fileobj, user=job.created_by, progress=_progress(import_id)
                )
        except Exception:
            logger.exception("household import %s: import failed, nothing written", import_id)
            HouseholdImport.objects.filter(pk=import_id).update(
                status=S.FAILED, finished_at=timezone.now()
            )
            _drop_file(job)
            return
    HouseholdImport.objects.filter(pk=import_id, status=S.IMPORTING).update(
        status=S.DONE if result.ok else S.INVALID,
        result=result.as_json(),
        processed_rows=result.total_rows,
        finished_at=timezone.now(),
    )
    _drop_file(job)


def import_job_start(*, job: HouseholdImport, on_waiting=None) -> None:
    """Check now (small file) or in a Celery task (large file). `on_waiting()` is called when
    the broker is down: the job stays queued and is sent by requeue_pending (core/jobs.py)."""
    if job.total_rows > importer.INLINE_MAX_ROWS:
        from .tasks import household_import_check_task

        enqueue_on_commit(household_import_check_task, job.pk, on_waiting=on_waiting)
    else:
        import_job_check(import_id=job.pk)


def import_job_confirm(*, job: HouseholdImport, on_waiting=None) -> bool:
    """Move a checked import to 'confirmed' and write it (now or in a task)."""
    if not HouseholdImport.objects.filter(pk=job.pk, status=S.PREVIEW).update(status=S.CONFIRMED):
        return False
    if job.total_rows > importer.INLINE_MAX_ROWS:
        from .tasks import household_import_apply_task

        enqueue_on_commit(household_import_apply_task, job.pk, on_waiting=on_waiting)
    else:
        import_job_apply(import_id=job.pk)
    return True
