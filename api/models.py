"""System accounts: a named outside system (a province's reporting software) reading the API
with a DRF token, scoped like the official who created it (core.access), revocable, with its
last use recorded (docs/decisions.md 29)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.access import ScopedQuerySet


class SystemAccountQuerySet(ScopedQuerySet):
    commune_path = "commune_id"


class SystemAccount(models.Model):
    """One outside system. Its dedicated user (unusable password, not staff) owns the DRF
    token; the token is deleted on revoke, the row stays as history."""

    name = models.CharField(_("system name"), max_length=200)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="system_account",
        verbose_name=_("system user"),
        editable=False,
    )
    commune = models.ForeignKey(
        "villages.Commune",
        on_delete=models.PROTECT,
        related_name="system_accounts",
        verbose_name=_("commune"),
    )
    key_prefix = models.CharField(_("key (first characters)"), max_length=6, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    objects = SystemAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("system account")
        verbose_name_plural = _("system accounts")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
