"""Cashless-payment reports: per scope (commune or village) x month x category, by payers and value.

Shares are computed from the stored numerators and denominators, never stored (DOMAIN.md §7).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.access import ScopedQuerySet
from core.dates import month_start
from core.fields import NormalisedCharField
from core.files import private_storage, random_name
from core.imports import ImportJob
from core.models import EnteredByMixin, TimestampedMixin
from villages.models import Commune, Village


class Category(models.TextChoices):
    """The eight categories tracked (Decision 241/QĐ-TTg's six, plus public fees and retail)."""

    ELECTRICITY = "electricity", _("Electricity")
    WATER = "water", _("Water")
    PUBLIC_FEES = "public_fees", _("Public-service fees")
    HEALTH = "health", _("Health")
    SCHOOL_FEES = "school_fees", _("School fees")
    TAXES = "taxes", _("Taxes and state budget")
    SOCIAL_INSURANCE = "social_insurance", _("Social insurance")
    RETAIL = "retail", _("Retail and market stalls")


class Source(models.TextChoices):
    POWER_COMPANY = "power_company", _("Power company")
    WATER_COMPANY = "water_company", _("Water company")
    TREASURY = "treasury", _("State Treasury")
    SCHOOL = "school", _("School")
    CLINIC = "clinic", _("Clinic / hospital")
    SOCIAL_INSURANCE = "social_insurance", _("Social insurance agency")
    SURVEY = "survey", _("Survey")
    OTHER = "other", _("Other")


# The source a category is usually reported by; used to prefill forms and imports.
DEFAULT_SOURCE = {
    Category.ELECTRICITY: Source.POWER_COMPANY,
    Category.WATER: Source.WATER_COMPANY,
    Category.PUBLIC_FEES: Source.TREASURY,
    Category.HEALTH: Source.CLINIC,
    Category.SCHOOL_FEES: Source.SCHOOL,
    Category.TAXES: Source.TREASURY,
    Category.SOCIAL_INSURANCE: Source.SOCIAL_INSURANCE,
    Category.RETAIL: Source.SURVEY,
}


def share(numerator: int | None, denominator: int | None) -> Decimal | None:
    """numerator / denominator as a fraction 0..1, or None when there is nothing to divide by."""
    if not denominator or numerator is None:
        return None
    return Decimal(numerator) / Decimal(denominator)


def current_period() -> dt.date:
    return month_start(timezone.localdate())


class CashlessReportQuerySet(ScopedQuerySet):
    # A commune-level report (village NULL) is reached through the commune only; team members
    # reach their village's reports through village_id (no payments page offers them today).
    commune_path = "commune_id"
    village_path = "village_id"

    def commune_level(self):
        return self.filter(village__isnull=True)

    def village_level(self):
        return self.filter(village__isnull=False)


class CashlessReport(EnteredByMixin, TimestampedMixin):
    """One month's cashless figures of one category for a commune (village empty) or a village."""

    commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        related_name="cashless_reports",
        verbose_name=_("commune"),
    )
    village = models.ForeignKey(
        Village,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cashless_reports",
        verbose_name=_("village"),
        help_text=_("Leave empty for a report of the whole commune."),
    )
    period = models.DateField(_("month"), help_text=_("Always the first day of the month."))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    payers_total = models.PositiveIntegerField(_("payers (total)"), default=0)
    payers_cashless = models.PositiveIntegerField(_("payers paying cashless"), default=0)
    amount_total = models.BigIntegerField(_("amount (total, VND)"), default=0)
    amount_cashless = models.BigIntegerField(_("amount paid cashless (VND)"), default=0)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, blank=True)
    note = NormalisedCharField(_("note"), max_length=500, blank=True)

    objects = CashlessReportQuerySet.as_manager()

    class Meta:
        ordering = ["commune", "period", "village", "category"]
        verbose_name = _("cashless payment report")
        verbose_name_plural = _("cashless payment reports")
        indexes = [models.Index(fields=["commune", "period"], name="cashless_commune_period")]
        constraints = [
            # NULL never equals NULL in a unique index: one constraint per level.
            models.UniqueConstraint(
                fields=["commune", "period", "category"],
                condition=Q(village__isnull=True),
                name="cashless_unique_commune_level",
                violation_error_message=_(
                    "The commune already has a report for this category and month."
                ),
            ),
            models.UniqueConstraint(
                fields=["village", "period", "category"],
                condition=Q(village__isnull=False),
                name="cashless_unique_village_level",
                violation_error_message=_(
                    "This village already has a report for this category and month."
                ),
            ),
            models.CheckConstraint(
                condition=Q(payers_cashless__lte=F("payers_total")),
                name="cashless_payers_le_total",
                violation_error_message=_(
                    "Payers paying cashless cannot exceed the total number of payers."
                ),
            ),
            models.CheckConstraint(
                condition=Q(amount_cashless__lte=F("amount_total")),
                name="cashless_amount_le_total",
                violation_error_message=_("The amount paid cashless cannot exceed the total."),
            ),
            models.CheckConstraint(
                condition=Q(payers_total__gte=0)
                & Q(payers_cashless__gte=0)
                & Q(amount_total__gte=0)
                & Q(amount_cashless__gte=0),
                name="cashless_not_negative",
                violation_error_message=_("Numbers cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        where = self.village or self.commune
        return f"{where} – {self.get_category_display()} – {self.period:%m/%Y}"

    @property
    def payers_share(self) -> Decimal | None:
        return share(self.payers_cashless, self.payers_total)

    @property
    def amount_share(self) -> Decimal | None:
        return share(self.amount_cashless, self.amount_total)

    def clean(self):
        errors: dict[str, list] = {}
        if self.period:
            self.period = month_start(self.period)
            if self.period > current_period():
                errors.setdefault("period", []).append(
                    _("The month is in the future: reports are entered after the month starts.")
                )
        for field in ("payers_total", "payers_cashless", "amount_total", "amount_cashless"):
            value = getattr(self, field)
            if value is not None and value < 0:
                errors.setdefault(field, []).append(_("Numbers cannot be negative."))
        if (
            self.payers_cashless is not None
            and self.payers_total is not None
            and self.payers_cashless > self.payers_total
        ):
            errors.setdefault("payers_cashless", []).append(
                _("Payers paying cashless cannot exceed the total number of payers.")
            )
        if (
            self.amount_cashless is not None
            and self.amount_total is not None
            and self.amount_cashless > self.amount_total
        ):
            errors.setdefault("amount_cashless", []).append(
                _("The amount paid cashless cannot exceed the total.")
            )
        if self.village_id and self.commune_id and self.village.commune_id != self.commune_id:
            errors.setdefault("village", []).append(
                _("The village must belong to the chosen commune.")
            )
        if errors:
            raise ValidationError(errors)


IMPORT_FOLDER = "payments-imports"


def import_upload_to(instance, filename: str) -> str:
    return random_name(IMPORT_FOLDER, filename)


class CashlessImportQuerySet(ScopedQuerySet):
    commune_path = "commune_id"


class CashlessImport(ImportJob):
    """An Excel file of cashless reports: upload -> check -> preview -> confirm -> done, the
    job machine of the household imports (core/imports.py): a file over IMPORT_INLINE_MAX_SIZE
    is checked and written by the worker, with progress; confirming writes every row or none."""

    # Private, random name (figures only, but an official's working file): deleted when done.
    file = models.FileField(
        _("file"), upload_to=import_upload_to, storage=private_storage, max_length=255
    )

    objects = CashlessImportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("cashless report import")
        verbose_name_plural = _("cashless report imports")
