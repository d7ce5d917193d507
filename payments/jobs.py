"""Cashless-report import jobs: the job machine of core.imports, as for the household import.

A file up to IMPORT_INLINE_MAX_SIZE is checked and written in the request; a larger one by the
worker (sent through core.jobs; a stopped Redis leaves it waiting with a message), with its
status and progress on the import page. Writing re-reads and re-checks the file, then saves
every row with services.cashless_reports_save inside the transaction that marks the job done:
an error in the middle leaves nothing written.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from core.access import official_communes
from core.imports import ImportKind

from . import spreadsheets
from .models import IMPORT_FOLDER, CashlessImport
from .services import cashless_reports_save

CHECK_TASK = "payments.tasks.cashless_import_check_task"
APPLY_TASK = "payments.tasks.cashless_import_apply_task"


def _check(job: CashlessImport, fileobj, progress) -> spreadsheets.Preview:
    preview = spreadsheets.import_preview(upload=fileobj, commune=job.commune, progress=progress)
    if not official_communes(job.created_by).filter(pk=job.commune_id).exists():
        # The uploader is no longer an official of the commune (checked again when writing).
        preview.file_errors.append(gettext("You may no longer import into this commune."))
    return preview


def _apply(job: CashlessImport, fileobj, progress) -> spreadsheets.Preview:
    preview = _check(job, fileobj, progress)
    if not preview.ok:
        return preview
    try:
        saved = cashless_reports_save(
            commune=job.commune, rows=preview.report_rows(), user=job.created_by
        )
    except ValidationError as exc:  # a model rule the row form does not know: nothing saved
        preview.file_errors.append(
            gettext("Nothing was imported: %(errors)s") % {"errors": " ".join(exc.messages)}
        )
        return preview
    preview.saved = {"created": saved.created, "updated": saved.updated}
    return preview


KIND = ImportKind(
    name="payments.import",
    model=CashlessImport,
    check_task=CHECK_TASK,
    apply_task=APPLY_TASK,
    folder=IMPORT_FOLDER,
    check=_check,
    apply=_apply,
    max_file_size=spreadsheets.MAX_FILE_SIZE,
)


def import_submit(upload, *, user, commune, on_waiting=None) -> CashlessImport:
    """Keep the upload as a new import and check it (SheetRefused: refused, with the reason).
    The user's older preview waiting for confirmation is cancelled: one preview at a time."""
    job = KIND.submit(upload, user=user, commune=commune, on_waiting=on_waiting)
    for older in CashlessImport.objects.filter(
        created_by=user, status=CashlessImport.Status.PREVIEW
    ).exclude(pk=job.pk):
        KIND.cancel(older)
    return job


def import_confirm(*, job: CashlessImport, on_waiting=None) -> bool:
    return KIND.confirm(job, on_waiting=on_waiting)


def import_cancel(*, job: CashlessImport) -> bool:
    return KIND.cancel(job)
