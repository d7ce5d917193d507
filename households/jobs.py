"""Import jobs: the same code path inline (small files) and in Celery (large files).

Each step moves the job's status with a conditional UPDATE, so a task delivered twice (acks
late, worker restart) does the work once.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from core.jobs import enqueue_on_commit, heartbeat_stale, keep_alive, lost_after, register

from . import importer
from .models import IMPORT_FOLDER, HouseholdImport

S = HouseholdImport.Status
logger = logging.getLogger(__name__)


class Superseded(Exception):
    """Another run took the import over (this one's heartbeat went stale): write nothing."""


def _claim(import_id: int, from_status: str, to_status: str) -> HouseholdImport | None:
    """Take the job: waiting in `from_status`, or in `to_status` with a stale heartbeat (the
    worker doing it died). A fresh token; later writes of this run are conditional on it."""
    now = timezone.now()
    token = uuid.uuid4().hex
    claimable = Q(status=from_status) | Q(
        status=to_status, heartbeat_at__lt=now - heartbeat_stale()
    )
    if not HouseholdImport.objects.filter(claimable, pk=import_id).update(
        status=to_status, processed_rows=0, claim_token=token, heartbeat_at=now
    ):
        return None
    return HouseholdImport.objects.select_related("created_by").get(pk=import_id)


def _owned(job: HouseholdImport):
    return HouseholdImport.objects.filter(pk=job.pk, claim_token=job.claim_token)


class _Progress:
    """Rows done so far; the heartbeat (keep_alive's thread, its own connection) writes them
    with the claim's renewal, so progress shows even inside the import's transaction."""

    def __init__(self, job: HouseholdImport, *, write_now: bool):
        self.job, self.rows, self.write_now = job, 0, write_now

    def __call__(self, rows: int) -> None:
        self.rows = rows
        if self.write_now:
            self.renew()

    def renew(self) -> None:
        _owned(self.job).update(processed_rows=self.rows, heartbeat_at=timezone.now())


def import_job_check(*, import_id: int) -> None:
    job = _claim(import_id, S.QUEUED, S.CHECKING)
    if job is None:
        return
    progress = _Progress(job, write_now=True)
    with translation.override(settings.LANGUAGE_CODE):
        try:
            with job.file.open("rb") as fileobj, keep_alive(progress.renew):
                result = importer.import_check(fileobj, user=job.created_by, progress=progress)
        except Exception:
            # Never re-raised into a page; the traceback is logged (personal data redacted).
            logger.exception("household import %s: check failed", import_id)
            if _owned(job).update(status=S.FAILED, finished_at=timezone.now()):
                _drop_file(job)
            return
    written = (
        _owned(job)
        .filter(status=S.CHECKING)
        .update(
            status=S.PREVIEW if result.ok else S.INVALID,
            result=result.as_json(),
            total_rows=result.total_rows,
            processed_rows=result.total_rows,
        )
    )
    if written and not result.ok:
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
    progress = _Progress(job, write_now=False)
    with translation.override(settings.LANGUAGE_CODE):
        try:
            with job.file.open("rb") as fileobj, keep_alive(progress.renew):
                # The rows and the "done" mark commit together, and only while the claim is
                # ours: a run taken over (worker thought dead) rolls back, nothing twice.
                with transaction.atomic():
                    result = importer.import_apply(fileobj, user=job.created_by, progress=progress)
                    if (
                        not _owned(job)
                        .filter(status=S.IMPORTING)
                        .update(
                            status=S.DONE if result.ok else S.INVALID,
                            result=result.as_json(),
                            processed_rows=result.total_rows,
                            finished_at=timezone.now(),
                        )
                    ):
                        raise Superseded
        except Superseded:
            return
        except Exception:
            logger.exception("household import %s: import failed, nothing written", import_id)
            if _owned(job).update(status=S.FAILED, finished_at=timezone.now()):
                _drop_file(job)
            return
    _drop_file(job)


def import_job_start(*, job: HouseholdImport, on_waiting=None) -> None:
    """Check now (small file) or in a Celery task (large file). `on_waiting()` is called when
    the broker is down: the job stays queued and is sent by requeue_pending (core/jobs.py)."""
    if importer.runs_in_worker(job):
        enqueue_on_commit(CHECK_TASK, job.pk, on_waiting=on_waiting)  # by name: no tasks import
    else:
        import_job_check(import_id=job.pk)


def import_job_confirm(*, job: HouseholdImport, on_waiting=None) -> bool:
    """Move a checked import to 'confirmed' and write it (now or in a task)."""
    if not HouseholdImport.objects.filter(pk=job.pk, status=S.PREVIEW).update(status=S.CONFIRMED):
        return False
    if importer.runs_in_worker(job):
        enqueue_on_commit(APPLY_TASK, job.pk, on_waiting=on_waiting)
    else:
        import_job_apply(import_id=job.pk)
    return True


def import_job_cancel(*, job: HouseholdImport) -> bool:
    """Cancel an import waiting for confirmation (or still queued); its file goes at once."""
    if not HouseholdImport.objects.filter(pk=job.pk, status__in=[S.PREVIEW, S.QUEUED]).update(
        status=S.CANCELLED, finished_at=timezone.now()
    ):
        return False
    _drop_file(job)
    return True


def import_files_purge(*, now=None) -> int:
    """Delete the files no import needs any more; the number of files deleted.

    A preview nobody confirmed within IMPORT_PREVIEW_MAX_AGE_HOURS is cancelled and its file
    deleted; a finished import's file (normally gone already) too; and files in the private
    folder that no import refers to (an upload whose transaction rolled back), once as old.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(hours=settings.IMPORT_PREVIEW_MAX_AGE_HOURS)
    deleted = 0
    stale = HouseholdImport.objects.exclude(file="").filter(
        Q(status=S.PREVIEW, created_at__lt=cutoff)
        | Q(status__in=[S.DONE, S.INVALID, S.FAILED, S.CANCELLED])
    )
    for job in stale:
        HouseholdImport.objects.filter(pk=job.pk, status=S.PREVIEW).update(
            status=S.CANCELLED, finished_at=now
        )
        _drop_file(job)
        deleted += 1
    storage = HouseholdImport._meta.get_field("file").storage
    folder = IMPORT_FOLDER
    if storage.exists(folder):
        known = set(HouseholdImport.objects.exclude(file="").values_list("file", flat=True))
        for name in storage.listdir(folder)[1]:
            path = f"{folder}/{name}"
            if path not in known and storage.get_modified_time(path) < cutoff:
                storage.delete(path)
                deleted += 1
    if deleted:
        logger.info("household imports: %d file(s) deleted", deleted)
    return deleted


# --- Recovery (registered with core.jobs) -------------------------------------------------------

CHECK_TASK = "households.tasks.household_import_check_task"
APPLY_TASK = "households.tasks.household_import_apply_task"


def recover(now: dt.datetime) -> list[tuple[str, list]]:
    """Imports whose worker died (checking/importing, stale heartbeat) and worker imports still
    waiting long after they were sent (message lost) go back to waiting and are sent again."""
    stale, lost = now - heartbeat_stale(), now - lost_after()
    waiting_long = Q(heartbeat_at__lt=lost) | Q(heartbeat_at__isnull=True, created_at__lt=lost)
    cases = [
        (Q(status=S.CHECKING, heartbeat_at__lt=stale), S.QUEUED, CHECK_TASK),
        (Q(status=S.IMPORTING, heartbeat_at__lt=stale), S.CONFIRMED, APPLY_TASK),
        # Any import still waiting: a file sent to the worker by its size has 0 rows counted
        # yet, and re-sending an inline one is harmless (the claim runs it once).
        (Q(status=S.QUEUED) & waiting_long, S.QUEUED, CHECK_TASK),
        (Q(status=S.CONFIRMED) & waiting_long, S.CONFIRMED, APPLY_TASK),
    ]
    sends = []
    for condition, back_to, task in cases:
        for pk in HouseholdImport.objects.filter(condition).values_list("pk", flat=True):
            if HouseholdImport.objects.filter(condition, pk=pk).update(
                status=back_to, claim_token="", heartbeat_at=now
            ):
                sends.append((task, [pk]))
    return sends


register("households.import", tasks=[CHECK_TASK, APPLY_TASK], recover=recover)
