"""The province tier's own rows: roll-ups of every commune of a province, asked for on demand."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ProvinceRollup(models.Model):
    """One request to roll up every commune of a province (provinces.services): one worker
    job, claimed with a token and a heartbeat like the commune roll-up; at most one waiting or
    running per province (a second start joins it)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    province_code = models.CharField(_("province code"), max_length=2)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    total = models.PositiveIntegerField(_("communes"), default=0)
    done = models.PositiveIntegerField(_("communes done"), default=0)
    failed = models.PositiveIntegerField(_("communes failed"), default=0)
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("province roll-up")
        verbose_name_plural = _("province roll-ups")
        constraints = [
            models.UniqueConstraint(
                fields=["province_code"],
                condition=Q(status__in=["queued", "running"]),
                name="provincerollup_one_active",
                violation_error_message=_("A roll-up of this province is already under way."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.province_code} {self.requested_at:%d/%m/%Y %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def progress_percent(self) -> int:
        if not self.total:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, round(100 * (self.done + self.failed) / self.total))
