"""Uploaded Excel imports as jobs: one machine for every importer (households, payments).

An import is a row of a model derived from `ImportJob`; each app describes its importer with an
`ImportKind` in its own `jobs.py` (what checking and applying a file mean, its task names and
its folder of private files). Everything else is here, once:

- `ImportKind.submit(upload, user=...)`: refusals before anything is read (the file size,
  `IMPORT_MAX_CONCURRENT_PER_USER` imports waiting or running per user, all importers
  together), then the rows of a small file counted while they stream (core.spreadsheets caps);
  each refusal is `spreadsheets.SheetRefused` with one Vietnamese sentence.
- Check and apply run in the web request only for a file up to `IMPORT_INLINE_MAX_SIZE` (and,
  if the kind says so, few rows); otherwise in the worker, sent through `core.jobs` (the one
  send path: a stopped Redis records the job as waiting and `on_waiting()` tells the user).
- Each step moves the status with a conditional UPDATE and a claim (token + heartbeat), so a
  task delivered twice works once and a dead worker's job is taken over (`recover`). The
  rows written by `apply` and the "done" mark commit together, or nothing does: an error in
  the middle of an import leaves no half-written rows.
- The uploaded file is deleted once the import is done, refused, failed or cancelled;
  `purge_files()` (hourly beat) cancels previews older than IMPORT_PREVIEW_MAX_AGE_HOURS.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.contrib import messages
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import spreadsheets
from .jobs import enqueue_on_commit, heartbeat_stale, keep_alive, lost_after, register

logger = logging.getLogger(__name__)


class ImportJob(models.Model):
    """The fields every import shares (the concrete model adds its private `file` field)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be checked")
        CHECKING = "checking", _("Checking")
        PREVIEW = "preview", _("Ready to confirm")
        INVALID = "invalid", _("Has errors")
        CONFIRMED = "confirmed", _("Waiting to be imported")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    commune = models.ForeignKey(
        "villages.Commune", on_delete=models.CASCADE, related_name="+", verbose_name=_("commune")
    )
    file_name = models.CharField(_("file name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    # Row errors, counts and the preview; never raw ID numbers (masked only).
    result = models.JSONField(_("result"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The run checking or importing it holds a claim: a fresh token and a heartbeat renewed
    # while it works; a stale heartbeat means its worker died.
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.file_name

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, round(100 * self.processed_rows / self.total_rows))

    @property
    def is_running(self) -> bool:
        return self.status in BUSY_STATUSES


S = ImportJob.Status
# Imports that hold a worker or wait for one (IMPORT_MAX_CONCURRENT_PER_USER).
BUSY_STATUSES = (S.QUEUED, S.CHECKING, S.CONFIRMED, S.IMPORTING)
FINISHED_STATUSES = (S.DONE, S.INVALID, S.FAILED, S.CANCELLED)


class Result(Protocol):
    """What an importer's check and apply return."""

    total_rows: int

    @property
    def ok(self) -> bool: ...

    def as_json(self) -> dict: ...


class Superseded(Exception):
    """Another run took the import over (this one's heartbeat went stale): write nothing."""


_KINDS: dict[str, ImportKind] = {}


def kinds() -> list[ImportKind]:
    """Every importer (each app's jobs.py registers its kind when imported)."""
    from .jobs import registered_jobs

    registered_jobs()  # imports every app's jobs module
    return list(_KINDS.values())


def inline_max_size() -> int:
    return settings.IMPORT_INLINE_MAX_SIZE


def busy_imports(user) -> int:
    """The user's imports waiting or running, every importer together."""
    return sum(
        kind.model.objects.filter(created_by=user, status__in=BUSY_STATUSES).count()
        for kind in kinds()
    )


def too_many_imports_message(count: int) -> str:
    return gettext(
        "You already have %(count)s imports waiting or running: wait until they finish "
        "(or cancel one) before uploading another file."
    ) % {"count": count}


def warn_waiting(request) -> Callable[[], None]:
    """A view's `on_waiting`: tells the user the file is kept and waits (Redis is down)."""

    def warn() -> None:
        messages.warning(
            request,
            gettext(
                "The background job service is not reachable right now. Your file is kept and "
                "waits in the queue; it is processed as soon as the service is back."
            ),
        )

    return warn


def upload_refusal(upload, *, user, max_size: int | None = None) -> str | None:
    """Why this upload is refused before it is read (size, concurrent imports), or None."""
    try:
        spreadsheets.check_size(upload, max_size=max_size)
    except spreadsheets.SheetRefused as exc:
        return exc.message
    busy = busy_imports(user)
    if busy >= settings.IMPORT_MAX_CONCURRENT_PER_USER:
        return too_many_imports_message(busy)
    return None


class _Progress:
    """Rows done so far; the heartbeat (keep_alive's thread, its own connection) writes them
    with the claim's renewal, so progress shows even inside the import's transaction."""

    def __init__(self, kind: ImportKind, job, *, write_now: bool):
        self.kind, self.job, self.rows, self.write_now = kind, job, 0, write_now

    def __call__(self, rows: int) -> None:
        self.rows = rows
        if self.write_now:
            self.renew()

    def renew(self) -> None:
        self.kind.owned(self.job).update(processed_rows=self.rows, heartbeat_at=timezone.now())


@dataclass
class ImportKind:
    """One importer. `check(job, fileobj, progress)` reads and checks the file, writing
    nothing; `apply(job, fileobj, progress)` checks again and writes (inside the transaction
    that also marks the job done; it may raise to roll everything back). Both return a Result.
    `count_rows(fileobj)` counts a small file's rows in the request (None: not counted);
    `inline_max_rows()` the most rows checked in the request (None: by size only)."""

    name: str
    model: type[ImportJob]
    check_task: str
    apply_task: str
    folder: str
    check: Callable[[Any, Any, Callable[[int], None]], Result]
    apply: Callable[[Any, Any, Callable[[int], None]], Result]
    count_rows: Callable[[Any], int] | None = None
    inline_max_rows: Callable[[], int | None] = lambda: None
    max_file_size: int | None = None  # None: IMPORT_MAX_FILE_SIZE

    def __post_init__(self):
        _KINDS[self.name] = self
        register(self.name, tasks=[self.check_task, self.apply_task], recover=self.recover)

    # --- Upload ---------------------------------------------------------------------------

    def submit(self, upload, *, user, on_waiting=None, **fields):
        """Refuse (SheetRefused) or keep the upload as a new import and start checking it."""
        refusal = upload_refusal(upload, user=user, max_size=self.max_file_size)
        if refusal:
            raise spreadsheets.SheetRefused(refusal)
        total = 0
        if self.count_rows is not None and upload.size <= inline_max_size():
            total = self.count_rows(upload)  # capped while streaming: SheetRefused
        with transaction.atomic():
            job = self.model.objects.create(
                created_by=user,
                file=upload,
                file_name=upload.name[:200],
                total_rows=total,
                **fields,
            )
            self.start(job, on_waiting=on_waiting)
        return job

    def runs_in_worker(self, job) -> bool:
        """Checked and applied by the worker, never in the web request: a file over the inline
        size (its rows are not even counted in the request) or with many rows."""
        rows = self.inline_max_rows()
        return job.file.size > inline_max_size() or (rows is not None and job.total_rows > rows)

    def start(self, job, *, on_waiting=None) -> None:
        """Check now (small file) or in the worker. `on_waiting()` is called when the broker is
        down: the job stays queued and is sent by requeue_pending (core/jobs.py)."""
        if self.runs_in_worker(job):
            enqueue_on_commit(self.check_task, job.pk, on_waiting=on_waiting)  # by name
        else:
            self.run_check(job.pk)

    def confirm(self, job, *, on_waiting=None) -> bool:
        """Move a checked import to 'confirmed' and write it (now or in the worker). A preview
        older than IMPORT_PREVIEW_MAX_AGE_HOURS is not confirmed (its file is being purged)."""
        cutoff = timezone.now() - dt.timedelta(hours=settings.IMPORT_PREVIEW_MAX_AGE_HOURS)
        if not self.model.objects.filter(
            pk=job.pk, status=S.PREVIEW, created_at__gte=cutoff
        ).update(status=S.CONFIRMED):
            return False
        if self.runs_in_worker(job):
            enqueue_on_commit(self.apply_task, job.pk, on_waiting=on_waiting)
        else:
            self.run_apply(job.pk)
        return True

    def cancel(self, job) -> bool:
        """Cancel an import waiting for confirmation (or still queued); its file goes at once."""
        if not self.model.objects.filter(pk=job.pk, status__in=[S.PREVIEW, S.QUEUED]).update(
            status=S.CANCELLED, finished_at=timezone.now()
        ):
            return False
        self.drop_file(job)
        return True

    # --- The runs (inline or in the worker) -----------------------------------------------

    def claim(self, import_id: int, from_status: str, to_status: str):
        """Take the job: waiting in `from_status`, or in `to_status` with a stale heartbeat (the
        worker doing it died). A fresh token; later writes of this run are conditional on it."""
        now = timezone.now()
        claimable = Q(status=from_status) | Q(
            status=to_status, heartbeat_at__lt=now - heartbeat_stale()
        )
        if not self.model.objects.filter(claimable, pk=import_id).update(
            status=to_status, processed_rows=0, claim_token=uuid.uuid4().hex, heartbeat_at=now
        ):
            return None
        return self.model.objects.select_related("created_by", "commune").get(pk=import_id)

    def owned(self, job):
        return self.model.objects.filter(pk=job.pk, claim_token=job.claim_token)

    def drop_file(self, job) -> None:
        """The uploaded sheet is kept only until the import is done (it may hold ID numbers)."""
        if job.file:
            job.file.delete(save=False)
        self.model.objects.filter(pk=job.pk).update(file="")

    def _failed(self, job) -> None:
        if self.owned(job).update(status=S.FAILED, finished_at=timezone.now()):
            self.drop_file(job)

    def run_check(self, import_id: int) -> None:
        job = self.claim(import_id, S.QUEUED, S.CHECKING)
        if job is None:
            return
        progress = _Progress(self, job, write_now=True)
        with translation.override(settings.LANGUAGE_CODE):
            try:
                with job.file.open("rb") as fileobj, keep_alive(progress.renew):
                    result = self.check(job, fileobj, progress)
            except Exception:
                # Never re-raised into a page; the traceback is logged (personal data redacted).
                logger.exception("%s %s: check failed", self.name, import_id)
                self._failed(job)
                return
        written = (
            self.owned(job)
            .filter(status=S.CHECKING)
            .update(
                status=S.PREVIEW if result.ok else S.INVALID,
                result=result.as_json(),
                total_rows=result.total_rows,
                processed_rows=result.total_rows,
            )
        )
        if written and not result.ok:
            self.drop_file(job)

    def run_apply(self, import_id: int) -> None:
        job = self.claim(import_id, S.CONFIRMED, S.IMPORTING)
        if job is None:
            return
        progress = _Progress(self, job, write_now=False)
        with translation.override(settings.LANGUAGE_CODE):
            try:
                with job.file.open("rb") as fileobj, keep_alive(progress.renew):
                    # The rows and the "done" mark commit together, and only while the claim
                    # is ours: a run taken over (worker thought dead) rolls back, nothing twice.
                    with transaction.atomic():
                        result = self.apply(job, fileobj, progress)
                        if (
                            not self.owned(job)
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
                logger.exception("%s %s: import failed, nothing written", self.name, import_id)
                self._failed(job)
                return
        self.drop_file(job)

    # --- Housekeeping (beat) and recovery (core.jobs) -------------------------------------

    def purge(self, *, now=None) -> int:
        """Delete the files no import needs any more; the number of files deleted.

        A preview nobody confirmed within IMPORT_PREVIEW_MAX_AGE_HOURS is cancelled and its
        file deleted; a finished import's file (normally gone already) too; and files in the
        kind's private folder that no import refers to (an upload whose transaction rolled
        back), once as old."""
        now = now or timezone.now()
        cutoff = now - dt.timedelta(hours=settings.IMPORT_PREVIEW_MAX_AGE_HOURS)
        deleted = 0
        stale = self.model.objects.exclude(file="").filter(
            Q(status=S.PREVIEW, created_at__lt=cutoff) | Q(status__in=FINISHED_STATUSES)
        )
        for job in stale:
            self.model.objects.filter(pk=job.pk, status=S.PREVIEW).update(
                status=S.CANCELLED, finished_at=now
            )
            self.drop_file(job)
            deleted += 1
        storage = self.model._meta.get_field("file").storage
        if storage.exists(self.folder):
            known = set(self.model.objects.exclude(file="").values_list("file", flat=True))
            for name in storage.listdir(self.folder)[1]:
                path = f"{self.folder}/{name}"
                if path not in known and storage.get_modified_time(path) < cutoff:
                    storage.delete(path)
                    deleted += 1
        if deleted:
            logger.info("%s: %d file(s) deleted", self.name, deleted)
        return deleted

    def recover(self, now: dt.datetime) -> list[tuple[str, list]]:
        """Imports whose worker died (checking/importing, stale heartbeat) and imports still
        waiting long after they were sent (message lost) go back to waiting and are sent
        again (the claim runs each once)."""
        stale, lost = now - heartbeat_stale(), now - lost_after()
        waiting_long = Q(heartbeat_at__lt=lost) | Q(heartbeat_at__isnull=True, created_at__lt=lost)
        cases = [
            (Q(status=S.CHECKING, heartbeat_at__lt=stale), S.QUEUED, self.check_task),
            (Q(status=S.IMPORTING, heartbeat_at__lt=stale), S.CONFIRMED, self.apply_task),
            (Q(status=S.QUEUED) & waiting_long, S.QUEUED, self.check_task),
            (Q(status=S.CONFIRMED) & waiting_long, S.CONFIRMED, self.apply_task),
        ]
        sends = []
        for condition, back_to, task in cases:
            for pk in self.model.objects.filter(condition).values_list("pk", flat=True):
                if self.model.objects.filter(condition, pk=pk).update(
                    status=back_to, claim_token="", heartbeat_at=now
                ):
                    sends.append((task, [pk]))
        return sends


def purge_files(*, now=None) -> int:
    """Every importer's purge (the hourly beat task core.tasks.purge_import_files)."""
    return sum(kind.purge(now=now) for kind in kinds())
