"""Small shared models: the idempotency records of field submissions sent from an outbox, tasks
waiting to be sent, one-time passwords; and the abstract mixins that give every app the same
"who entered this row, and when" fields (`EnteredByMixin`, `EnteredMixin`, `RecordedMixin`,
`TimestampedMixin`) and the job fields of a batch rendered in the background (`RenderBatch`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# --- Who entered a row, and when: one definition for every app -------------------------------
# Abstract: each model keeps its own table and columns. The account may be deleted later: the
# row stays, with nobody named (SET_NULL). Admins show these fields read-only and fill
# `entered_by` from the request.


class EnteredByMixin(models.Model):
    """Who entered the row (payments' reports, which keep `created_at`/`updated_at` as well)."""

    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )

    class Meta:
        abstract = True


class EnteredMixin(EnteredByMixin):
    """Who entered the row and when (criteria evidence, commune groups)."""

    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    class Meta:
        abstract = True


class RecordedMixin(models.Model):
    """Who recorded the row and when (villages' administrative history: affiliations,
    predecessors)."""

    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        abstract = True


class TimestampedMixin(models.Model):
    """When the row was created and last saved (households, residents, OCOP, payments)."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


# --- A batch rendered in the background (core.claims): one definition of its job fields ----------


class RenderBatch(models.Model):
    """The status and claim fields of a batch rendered by a Celery task under core.claims' rules
    (OCOP stamp batches, address-plate batches). Abstract: each model keeps its own table. The
    subclass declares `quantity` and `progress` (their labels differ: stamps, plates)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RENDERING = "rendering", _("Rendering")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    error = models.TextField(_("error"), blank=True)
    # Rendering ownership (core.claims): each claim writes a fresh token; every later write of
    # that run is conditional on it, so a superseded or duplicate run changes nothing.
    render_token = models.CharField(max_length=32, blank=True, editable=False)
    render_task_id = models.CharField(max_length=64, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("render attempts"), default=0, editable=False)
    rendering_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def progress_percent(self) -> int:
        if self.status == self.Status.READY:
            return 100
        return min(100, self.progress * 100 // self.quantity) if self.quantity else 0


class IdempotencyRecord(models.Model):
    """A field-portal POST that succeeded, by its client-generated key: a resend is not redone."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    path = models.CharField(max_length=300)
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("submission record")
        verbose_name_plural = _("submission records")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class PendingTask(models.Model):
    """A Celery task that could not be sent (the broker was down): sent again by
    `manage.py requeue_pending` / the beat task core.tasks.requeue_pending (core/jobs.py)."""

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("task waiting to be sent")
        verbose_name_plural = _("tasks waiting to be sent")

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"


class OneTimePassword(models.Model):
    """A password an official set for a team member (core.accounts): it must be changed at the
    first login and stops working after ONE_TIME_CODE_HOURS. Holds no password: only a
    fingerprint of the hash it set, to notice when the member has chosen their own."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="one_time_password"
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    password_fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("one-time password")
        verbose_name_plural = _("one-time passwords")

    def __str__(self) -> str:
        return f"{self.user_id}"
