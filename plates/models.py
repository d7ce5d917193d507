"""Digital-address plates: batches ordered for a village, one plate per verified address, the
scans of the public address page and the corrections people send from it (docs/plates.md)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.access import ScopedQuerySet
from core.fields import NormalisedCharField, NormalisedCodeField, NormalisedTextField
from core.files import private_storage
from core.models import RenderBatch
from households.models import DigitalAddress, Household
from villages.models import Commune, Village

# Plate sizes a commune may choose, in millimetres (width x height); 300 x 200 is the default.
DEFAULT_SIZE = (300, 200)
SIZE_CHOICES = [
    ("300x200", _("30 × 20 cm (standard)")),
    ("400x250", _("40 × 25 cm (large)")),
    ("200x150", _("20 × 15 cm (small)")),
    ("150x100", _("15 × 10 cm (sticker)")),
]


def parse_size(value: str) -> tuple[int, int]:
    width, height = value.split("x")
    return int(width), int(height)


def address_url(code: str) -> str:
    """The QR payload of a plate: <SITE_URL>/a/<code> (ARCHITECTURE.md, contract)."""
    return f"{settings.SITE_URL}/a/{code}"


class PlateSettingsQuerySet(ScopedQuerySet):
    commune_path = "commune_id"


class PlateSettings(models.Model):
    """What a commune chose for its plates: size, and the contact shown on the address page."""

    commune = models.OneToOneField(
        Commune, on_delete=models.CASCADE, related_name="plate_settings", verbose_name=_("commune")
    )
    size = models.CharField(_("plate size"), max_length=10, choices=SIZE_CHOICES, default="300x200")
    contact_name = NormalisedCharField(_("contact (office)"), max_length=120, blank=True)
    # The office's public line (not a person's phone): shown on the public address page.
    contact_phone = models.CharField(_("office phone"), max_length=15, blank=True)
    contact_address = NormalisedCharField(_("office address"), max_length=200, blank=True)

    objects = PlateSettingsQuerySet.as_manager()

    class Meta:
        verbose_name = _("plate settings")
        verbose_name_plural = _("plate settings")

    def __str__(self) -> str:
        return str(self.commune)


class PlateBatchQuerySet(ScopedQuerySet):
    village_path = "village_id"
    commune_path = "village__commune_id"


class PlateBatch(RenderBatch):
    """A print order of address plates for one village (all verified addresses or a selection),
    rendered by a Celery task into one vector PDF per plate, an A4 proof sheet and a manifest.
    Status and rendering-claim fields: core.models.RenderBatch (core.claims' rules)."""

    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="plate_batches", verbose_name=_("village")
    )
    size = models.CharField(_("plate size"), max_length=10, choices=SIZE_CHOICES)
    quantity = models.PositiveIntegerField(
        _("number of plates"), validators=[MinValueValidator(1), MaxValueValidator(5000)]
    )
    # Households of the order left out, and why: [{"household": "12", "reason": "..."}].
    left_out = models.JSONField(_("left out"), default=list, blank=True)
    progress = models.PositiveIntegerField(_("plates rendered"), default=0)
    # Private: the print shop's files (core/files.py), downloaded through a checked view.
    plates_file = models.FileField(
        _("plates (ZIP of PDFs)"), blank=True, editable=False, max_length=255,
        storage=private_storage,
    )  # fmt: skip
    proof_file = models.FileField(
        _("proof sheet"), blank=True, editable=False, max_length=255, storage=private_storage
    )
    manifest_file = models.FileField(
        _("manifest"), blank=True, editable=False, max_length=255, storage=private_storage
    )
    printed_at = models.DateTimeField(_("printed on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("ordered by"),
    )
    created_at = models.DateTimeField(_("ordered at"), auto_now_add=True)

    objects = PlateBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("plate batch")
        verbose_name_plural = _("plate batches")

    def __str__(self) -> str:
        return f"{self.village} #{self.pk}"

    @property
    def size_mm(self) -> tuple[int, int]:
        return parse_size(self.size)


class PlateQuerySet(ScopedQuerySet):
    village_path = "batch__village_id"
    commune_path = "batch__village__commune_id"

    def live(self):
        return self.filter(withdrawn_at__isnull=True)


class Plate(models.Model):
    """One plate of a batch: the address and the code it carries (kept as printed)."""

    batch = models.ForeignKey(
        PlateBatch, on_delete=models.CASCADE, related_name="plates", verbose_name=_("batch")
    )
    sequence = models.PositiveIntegerField(_("number in batch"))
    address = models.ForeignKey(
        DigitalAddress,
        on_delete=models.PROTECT,
        related_name="plates",
        verbose_name=_("digital address"),
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    code = NormalisedCodeField(_("digital-address code"), max_length=40, db_index=True)
    installed_at = models.DateTimeField(_("installed at"), null=True, blank=True)
    installed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("installed by"),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    objects = PlateQuerySet.as_manager()

    class Meta:
        ordering = ["batch", "sequence"]
        verbose_name = _("plate")
        verbose_name_plural = _("plates")
        constraints = [
            models.UniqueConstraint(fields=["batch", "sequence"], name="plate_unique_sequence"),
            models.UniqueConstraint(fields=["batch", "address"], name="plate_unique_address"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def url(self) -> str:
        return address_url(self.code)


class PlateScanQuerySet(ScopedQuerySet):
    village_path = "village_id"


class PlateScan(models.Model):
    """One opening of a public address page: when, which village, a coarse origin. No person."""

    village = models.ForeignKey(
        Village, on_delete=models.CASCADE, related_name="+", verbose_name=_("village")
    )
    address = models.ForeignKey(
        DigitalAddress, on_delete=models.CASCADE, related_name="+", verbose_name=_("address")
    )
    scanned_at = models.DateTimeField(_("scanned at"), db_index=True)
    client_hash = models.CharField(_("origin (hashed)"), max_length=16)
    ua_family = models.CharField(_("browser"), max_length=10)

    objects = PlateScanQuerySet.as_manager()

    class Meta:
        verbose_name = _("address page scan")
        verbose_name_plural = _("address page scans")

    def __str__(self) -> str:
        return f"{self.village_id} {self.scanned_at:%Y-%m-%d %H:%M}"


class CorrectionQuerySet(ScopedQuerySet):
    village_path = "village_id"

    def open(self):
        return self.filter(status=AddressCorrection.Status.OPEN)


class AddressCorrection(models.Model):
    """ "This is wrong": a report sent from the public address page, a task for the village's
    digital team until it confirms or fixes the address in the field."""

    class Status(models.TextChoices):
        OPEN = "open", _("To check")
        CONFIRMED = "confirmed", _("Address confirmed")
        FIXED = "fixed", _("Address fixed")

    village = models.ForeignKey(
        Village, on_delete=models.CASCADE, related_name="+", verbose_name=_("village")
    )
    address = models.ForeignKey(
        DigitalAddress,
        on_delete=models.CASCADE,
        related_name="corrections",
        verbose_name=_("digital address"),
    )
    code = NormalisedCodeField(_("code scanned"), max_length=40)
    message = NormalisedTextField(_("what is wrong"), max_length=500)
    # Optional, given by the person who reports, to be called back; seen by the team only.
    phone = models.CharField(_("phone to call back"), max_length=11, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    note = NormalisedTextField(_("team's note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("address correction")
        verbose_name_plural = _("address corrections")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | Q(resolved_at__isnull=False),
                name="plates_correction_resolved_has_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.get_status_display()})"
