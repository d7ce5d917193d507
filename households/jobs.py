"""Household import jobs: the same code path inline (small files) and in Celery (large files).

The job machine (claims, heartbeats, status moves by conditional UPDATE, rollback, purge,
recovery) is core.imports, shared with the payments import; this module says what checking and
applying a household sheet mean, and registers the kind with core.jobs.
"""

from __future__ import annotations

from core.imports import ImportKind

from . import importer
from .models import IMPORT_FOLDER, HouseholdImport

CHECK_TASK = "households.tasks.household_import_check_task"
APPLY_TASK = "households.tasks.household_import_apply_task"


def _check(job: HouseholdImport, fileobj, progress) -> importer.CheckResult:
    return importer.import_check(fileobj, user=job.created_by, progress=progress)


def _apply(job: HouseholdImport, fileobj, progress) -> importer.CheckResult:
    return importer.import_apply(fileobj, user=job.created_by, progress=progress)


KIND = ImportKind(
    name="households.import",
    model=HouseholdImport,
    check_task=CHECK_TASK,
    apply_task=APPLY_TASK,
    folder=IMPORT_FOLDER,
    check=_check,
    apply=_apply,
    count_rows=importer.count_rows,
    # Files with more rows than this are checked and imported by the worker with progress.
    inline_max_rows=lambda: importer.INLINE_MAX_ROWS,
)


def import_job_check(*, import_id: int) -> None:
    KIND.run_check(import_id)


def import_job_apply(*, import_id: int) -> None:
    KIND.run_apply(import_id)


def import_job_confirm(*, job: HouseholdImport, on_waiting=None) -> bool:
    return KIND.confirm(job, on_waiting=on_waiting)


def import_job_cancel(*, job: HouseholdImport) -> bool:
    return KIND.cancel(job)


def import_files_purge(*, now=None) -> int:
    return KIND.purge(now=now)
