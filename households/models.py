"""Households, their residents (digital-citizen status) and digital addresses."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.access import ScopedQuerySet
from core.fields import (
    DerivedKeyField,
    NormalisedCharField,
    NormalisedCodeField,
    NormalisedTextField,
)
from core.files import private_storage, random_name
from core.imports import ImportJob
from core.models import TimestampedMixin
from core.text import ascii_digits, fold, normalise
from villages.models import Village

from . import crypto


class HouseholdQuerySet(ScopedQuerySet):
    village_path = "village_id"
    commune_path = "village__commune_id"

    def search(self, q: str):
        """What a person typed, accents and case ignored: a household or house number, a lane,
        a resident's name (or part of it), a 12-digit ID number or its last digits."""
        q = normalise(q)
        if not q:
            return self
        key, digits = fold(q), ascii_digits(q).replace(" ", "")
        cond = Q(number__iexact=ascii_digits(q)) | Q(house_no__iexact=ascii_digits(q))
        cond |= Q(search_key__contains=key)
        cond |= Exists(
            Resident.objects.filter(household=OuterRef("pk")).search_names(key, folded=True)
        )
        if digits.isascii() and digits.isdigit() and len(digits) == 12:
            cond |= Exists(
                Resident.objects.filter(
                    household=OuterRef("pk"), id_number_digest=crypto.digest(digits)
                )
            )
        elif digits.isascii() and digits.isdigit() and len(digits) >= 3:
            cond |= Exists(
                Resident.objects.filter(household=OuterRef("pk"), id_number_tail=digits[-3:])
            )
        return self.filter(cond)

    def natural_order(self):
        """Villages in order, then household numbers as people count (12 < 12A < 100)."""
        return self.order_by("village__number", "number_sort", "number")


class Household(TimestampedMixin):
    """A household (hộ) of a village, identified by its household number within the village."""

    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="households", verbose_name=_("village")
    )
    number = NormalisedCodeField(_("household number"), max_length=20)
    house_no = NormalisedCodeField(_("house number"), max_length=30, blank=True)
    lane = NormalisedCharField(_("lane / hamlet (xóm)"), max_length=120, blank=True)
    # Normalised as 0xxxxxxxxx (10 digits mobile, 10-11 digits landline); see households.validators.
    phone = models.CharField(_("phone"), max_length=11, blank=True)
    has_fibre = models.BooleanField(_("fibre internet (FTTH)"), default=False)
    has_4g = models.BooleanField(_("4G/5G coverage"), default=False)
    note = NormalisedTextField(_("note"), blank=True)
    # Derived on every write (core.fields): "12A" sorts after 12, "100" after 99; and the folded
    # text people search by (docs/decisions.md "Accent-insensitive search").
    number_sort = DerivedKeyField(max_length=60, sources=["number"], kind="natural")
    search_key = DerivedKeyField(max_length=200, sources=["number", "house_no", "lane"])
    # Optimistic locking: a save that carries an older version is refused (concurrent edits).
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version", "number_sort", "search_key"])
    objects = HouseholdQuerySet.as_manager()

    class Meta:
        ordering = ["village", "number_sort", "number"]
        indexes = [
            models.Index(fields=["village", "number_sort"], name="household_village_sort"),
        ]
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.UniqueConstraint(
                fields=["village", "number"],
                name="household_unique_number_in_village",
                violation_error_message=_("This village already has a household with this number."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.village.code}/{self.number}"


class ResidentQuerySet(ScopedQuerySet):
    village_path = "household__village_id"
    commune_path = "household__village__commune_id"

    def present(self):
        return self.filter(status=Resident.Status.PRESENT)

    def with_id_number(self, number: str):
        return self.filter(id_number_digest=crypto.digest(number))

    def search_names(self, q: str, *, folded: bool = False):
        """Residents whose name contains `q`, accents and case ignored ("nguyen van" finds
        "Nguyễn Văn Hùng"). On PostgreSQL a trigram GIN index serves the LIKE."""
        key = q if folded else fold(q)
        return self.filter(search_key__contains=key) if key else self

    def search(self, q: str):
        """A name (or part of it), a 12-digit ID number or its last 3+ digits."""
        q = normalise(q)
        if not q:
            return self
        digits = ascii_digits(q).replace(" ", "")
        cond = Q(search_key__contains=fold(q))
        if digits.isascii() and digits.isdigit() and len(digits) == 12:
            cond |= Q(id_number_digest=crypto.digest(digits))
        elif digits.isascii() and digits.isdigit() and len(digits) >= 3:
            cond |= Q(id_number_tail=digits[-3:])
        return self.filter(cond)


class Resident(TimestampedMixin):
    """A member of a household, with their digital-citizen status."""

    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class Relation(models.TextChoices):
        HEAD = "head", _("Head of household")
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        PARENT = "parent", _("Parent")
        GRANDCHILD = "grandchild", _("Grandchild")
        SIBLING = "sibling", _("Sibling")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        PRESENT = "present", _("Living here")
        MOVED = "moved", _("Moved away")
        DECEASED = "deceased", _("Deceased")

    class VneidLevel(models.IntegerChoices):
        NONE = 0, _("No account")
        LEVEL1 = 1, _("Level 1")
        LEVEL2 = 2, _("Level 2")

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="residents", verbose_name=_("household")
    )
    full_name = NormalisedCharField(_("full name"), max_length=120)
    # fold(full_name): accent- and case-insensitive search and the duplicate check.
    search_key = DerivedKeyField(max_length=120, sources=["full_name"])
    # The 12-digit personal ID number is encrypted at rest (docs/decisions.md). The digest (keyed
    # HMAC) enforces uniqueness; the masked form (022******345) is what lists show; the tail (last
    # 3 digits) lets a team search "ID ends with".
    id_number_encrypted = models.TextField(_("ID number (encrypted)"), blank=True, editable=False)
    id_number_digest = models.CharField(max_length=64, null=True, blank=True, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=12, blank=True, editable=False)
    id_number_tail = models.CharField(max_length=3, blank=True, editable=False, db_index=True)
    legacy_id_encrypted = models.TextField(
        _("old 9-digit ID (encrypted)"), blank=True, editable=False
    )
    legacy_id_masked = models.CharField(
        _("old 9-digit ID"), max_length=9, blank=True, editable=False
    )
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    relation = models.CharField(_("relation to head"), max_length=12, choices=Relation.choices)
    phone = models.CharField(_("phone"), max_length=11, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PRESENT, db_index=True
    )
    status_changed_on = models.DateField(_("status changed on"), null=True, blank=True)
    # Digital-citizen status.
    has_smartphone = models.BooleanField(_("has a smartphone"), default=False)
    vneid_level = models.PositiveSmallIntegerField(
        _("VNeID level"), choices=VneidLevel.choices, default=VneidLevel.NONE
    )
    has_epayment = models.BooleanField(_("has an e-payment account"), default=False)
    doc_health_insurance = models.BooleanField(_("health insurance in VNeID"), default=False)
    doc_driving_licence = models.BooleanField(_("driving licence in VNeID"), default=False)
    doc_vehicle_registration = models.BooleanField(
        _("vehicle registration in VNeID"), default=False
    )
    uses_online_services = models.BooleanField(_("uses online public services"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    history = HistoricalRecords(
        excluded_fields=[
            "version",
            "id_number_encrypted",
            "legacy_id_encrypted",
            "id_number_digest",
            "search_key",
        ]
    )
    objects = ResidentQuerySet.as_manager()

    class Meta:
        ordering = ["household", "id"]
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        permissions = [("export_full_id", _("Can export full ID numbers (recorded)"))]
        indexes = [
            models.Index(fields=["status", "birth_date"], name="resident_status_birth"),
            # The duplicate check: same folded name and birth date.
            models.Index(fields=["search_key", "birth_date"], name="resident_name_birth"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_digest"],
                condition=Q(id_number_digest__isnull=False),
                name="resident_unique_id_number",
                violation_error_message=_("This ID number is already registered."),
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(relation="head"),
                name="household_single_head",
                violation_error_message=_("A household has exactly one head."),
            ),
            models.CheckConstraint(
                condition=Q(vneid_level__in=[0, 1, 2]),
                name="resident_vneid_level_valid",
                violation_error_message=_("The VNeID level is none, 1 or 2."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    # The ID numbers: only ever set and read through these methods (encrypted at rest).
    def set_id_number(self, number: str) -> None:
        number = number or ""
        self.id_number_encrypted = crypto.encrypt(number)
        self.id_number_digest = crypto.digest(number)
        self.id_number_masked = crypto.mask(number)
        self.id_number_tail = number[-3:]

    def get_id_number(self) -> str:
        return crypto.decrypt(self.id_number_encrypted)

    def set_legacy_id(self, number: str) -> None:
        number = number or ""
        self.legacy_id_encrypted = crypto.encrypt(number)
        self.legacy_id_masked = crypto.mask(number)

    def get_legacy_id(self) -> str:
        return crypto.decrypt(self.legacy_id_encrypted)

    @property
    def is_head(self) -> bool:
        return self.relation == self.Relation.HEAD


class DigitalAddressQuerySet(ScopedQuerySet):
    village_path = "household__village_id"
    commune_path = "household__village__commune_id"


class DigitalAddress(models.Model):
    """A household's digital address (mã địa chỉ số) with GPS, collected with the commune police."""

    class Source(models.TextChoices):
        POLICE = "police", _("Commune police")
        POST = "post", _("Vietnam Post")
        TEAM = "team", _("Digital team")

    household = models.OneToOneField(
        Household,
        on_delete=models.CASCADE,
        related_name="digital_address",
        verbose_name=_("household"),
    )
    # Opaque: a Vpostcode today, the 12-digit location identifier when it exists.
    location_code = NormalisedCodeField(
        _("location code"), max_length=40, null=True, blank=True, unique=True
    )
    postcode = NormalisedCodeField(_("postcode"), max_length=5, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("collected by"),
    )
    collected_on = models.DateField(_("collected on"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_on = models.DateField(_("verified on"), null=True, blank=True)
    plate_installed = models.BooleanField(_("address plate installed"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version"])
    objects = DigitalAddressQuerySet.as_manager()

    class Meta:
        verbose_name = _("digital address")
        verbose_name_plural = _("digital addresses")

    def __str__(self) -> str:
        return self.location_code or f"{self.latitude}, {self.longitude}"


class AuditQuerySet(ScopedQuerySet):
    commune_path = "commune_id"


class ExportAudit(models.Model):
    """One export of personal data: who, when, what, how many rows; full ID exports included."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("user"),
    )
    commune = models.ForeignKey(
        "villages.Commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("commune"),
    )
    at = models.DateTimeField(_("exported at"), auto_now_add=True)
    model = models.CharField(_("data"), max_length=60)
    full_ids = models.BooleanField(_("full ID numbers"), default=False)
    rows = models.PositiveIntegerField(_("rows"))
    description = models.CharField(_("what"), max_length=300, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        verbose_name = _("export record")
        verbose_name_plural = _("export records")

    def __str__(self) -> str:
        return f"{self.user} {self.at:%Y-%m-%d %H:%M} {self.model} ({self.rows})"

    @classmethod
    def record_download(cls, *, user, commune_id, what: str, description: str) -> None:
        """One private file handed out by core.files.private_file_response (registered with it
        in HouseholdsConfig.ready, so core never imports this app)."""
        cls.objects.create(
            user=user, commune_id=commune_id, model=what[:60], rows=1, description=description[:300]
        )


IMPORT_FOLDER = "household-imports"


def import_upload_to(instance, filename: str) -> str:
    return random_name(IMPORT_FOLDER, filename)


class HouseholdImportQuerySet(ScopedQuerySet):
    commune_path = "commune_id"


class HouseholdImport(ImportJob):
    """An Excel import of households with residents: upload -> preview -> confirm -> done
    (fields, statuses and the job machine shared with the payments import: core/imports.py)."""

    # Private, random name: the sheet holds ID numbers in clear and its name often says where.
    file = models.FileField(
        _("file"), upload_to=import_upload_to, storage=private_storage, max_length=255
    )

    objects = HouseholdImportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("household import")
        verbose_name_plural = _("household imports")
