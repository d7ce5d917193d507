"""OCOP producers and products (Decision 148/QĐ-TTg), e-stamp batches, stamps and their scans."""

from __future__ import annotations

import datetime as dt
import re
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.access import ScopedQuerySet
from core.dates import add_months
from core.fields import (
    DerivedKeyField,
    NormalisedCharField,
    NormalisedCodeField,
    NormalisedTextField,
)
from core.files import private_storage, public_storage
from core.models import RenderBatch, TimestampedMixin
from villages.models import Village

# --- Serials -------------------------------------------------------------------------------

# No look-alikes: no 0/O, 1/I/L. 31 symbols ** 13 = 2**64.4, drawn with `secrets`.
SERIAL_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
SERIAL_LENGTH = 13
SERIAL_RE = re.compile(rf"^[{SERIAL_ALPHABET}]{{{SERIAL_LENGTH}}}$")


def new_serial() -> str:
    """A random serial (>= 64 bits): nothing about one serial tells anything about another."""
    return "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(SERIAL_LENGTH))


def stamp_url(serial: str) -> str:
    """The QR payload of a stamp: short, so the QR code stays small (version 3-4)."""
    return f"{settings.SITE_URL}/s/{serial}"


# --- Rules ---------------------------------------------------------------------------------

CERTIFICATE_MONTHS = 36
MAX_BATCH_QUANTITY = 50_000
# A stamp is suspicious when scanned from more distinct coarse origins, or more often, than this.
SUSPICIOUS_CLIENTS = getattr(settings, "OCOP_SUSPICIOUS_CLIENTS", 5)
SUSPICIOUS_SCANS = getattr(settings, "OCOP_SUSPICIOUS_SCANS", 30)


def stars_for_score(score: int | None) -> int:
    """3★ 50-69, 4★ 70-89, 5★ 90-100; below 50 a product is not rated (0)."""
    if score is None or score < 50:
        return 0
    if score < 70:
        return 3
    if score < 90:
        return 4
    return 5


def validate_gtin13(value: str) -> None:
    """GTIN-13 (EAN-13): 13 digits, the last one the GS1 mod-10 check digit (weights 1,3,...)."""
    if not re.fullmatch(r"\d{13}", value or ""):
        raise ValidationError(_("A GTIN-13 has exactly 13 digits."), code="gtin_format")
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(value[:12]))
    if (10 - total % 10) % 10 != int(value[12]):
        raise ValidationError(
            _("The check digit of this GTIN-13 is wrong: check the number on the barcode."),
            code="gtin_check_digit",
        )


MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}


def validate_photo(file) -> None:
    """A product photo: JPEG, PNG or WebP, at most 5 MB, at most 8000 px a side."""
    if file.size > MAX_PHOTO_BYTES:
        raise ValidationError(_("The photo is larger than 5 MB."), code="photo_size")
    import warnings

    from PIL import Image, UnidentifiedImageError

    try:
        file.seek(0)
        # A decompression bomb (a small file declaring a huge picture) is refused, not decoded:
        # Pillow's limit (Image.MAX_IMAGE_PIXELS, set in core.apps) raises, its warning too.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                image_format, size = image.format, image.size
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(
            _("The photo is larger than 8000 pixels."), code="photo_pixels"
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            _("The file is not a readable image."), code="photo_unreadable"
        ) from exc
    finally:
        file.seek(0)
    if image_format not in PHOTO_FORMATS:
        raise ValidationError(_("Upload a JPEG, PNG or WebP photo."), code="photo_format")
    if max(size) > 8000:
        raise ValidationError(_("The photo is larger than 8000 pixels."), code="photo_pixels")


lot_code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$",
    _("A lot code uses letters, digits and . _ / - (at most 40 characters)."),
)


# --- Producers -----------------------------------------------------------------------------


# Sent by a queryset `.update()` of fields a stamp page shows; ocop.stamp_cache listens (its
# connect_signals, at app ready), so the models never import the cache (no import cycle).
shown_rows_updated = Signal()


class StampPageUpdates:
    """`.update()` sends no signal: an update of a field that a stamp page shows makes every
    cached stamp page stale (ocop/stamp_cache.py; saves and deletes are caught by signals).
    `quiet_fields`: fields no stamp page shows (scan counters, render progress)."""

    quiet_fields: frozenset[str] = frozenset()

    def update(self, **kwargs):
        changed = super().update(**kwargs)
        if changed and not set(kwargs) <= self.quiet_fields:
            shown_rows_updated.send(sender=self.model)
        return changed


class ProducerQuerySet(StampPageUpdates, ScopedQuerySet):
    village_path = "village_id"
    commune_path = "village__commune_id"


class Producer(TimestampedMixin):
    """An OCOP producer (chủ thể OCOP): a business contact, public on product pages."""

    class Kind(models.TextChoices):
        HOUSEHOLD_BUSINESS = "household_business", _("Household business")
        COOPERATIVE_GROUP = "cooperative_group", _("Cooperative group")
        COOPERATIVE = "cooperative", _("Cooperative")
        ENTERPRISE = "enterprise", _("Enterprise")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = NormalisedCharField(_("name"), max_length=200)
    representative = NormalisedCharField(_("representative"), max_length=120, blank=True)
    search_key = DerivedKeyField(max_length=330, sources=["name", "representative"])
    business_registration_number = NormalisedCodeField(
        _("business registration number"), max_length=30, blank=True
    )
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="ocop_producers", verbose_name=_("village")
    )
    phone = models.CharField(
        _("business phone"),
        max_length=15,
        blank=True,
        validators=[RegexValidator(r"^\+?[0-9 .]{8,15}$", _("Enter a valid phone number."))],
    )
    address = NormalisedCharField(_("business address"), max_length=255, blank=True)

    objects = ProducerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("OCOP producer")
        verbose_name_plural = _("OCOP producers")
        constraints = [
            models.UniqueConstraint(
                fields=["village", "name"],
                name="ocop_producer_unique_name_in_village",
                violation_error_message=_("This village already has a producer with this name."),
            )
        ]

    def __str__(self) -> str:
        return self.name


# --- Products ------------------------------------------------------------------------------


class ProductGroup(models.TextChoices):
    """The 6 product groups of Decision 148/QĐ-TTg."""

    FOOD = "food", _("Food")
    BEVERAGES = "beverages", _("Beverages")
    HERBS = "herbs", _("Medicinal herbs and herbal products")
    HANDICRAFTS = "handicrafts", _("Handicrafts")
    ORNAMENTAL = "ornamental", _("Ornamental plants and animals")
    TOURISM = "tourism", _("Community tourism, eco-tourism and tourist spots")


class ProductQuerySet(StampPageUpdates, ScopedQuerySet):
    village_path = "producer__village_id"
    commune_path = "producer__village__commune_id"

    def rated(self):
        """OCOP-rated products (3 stars or more)."""
        return self.filter(stars__gte=3)

    def published(self):
        """What the public catalogue shows: rated products that are not hidden."""
        return self.rated().filter(is_public=True)

    def in_village(self, village):
        return self.filter(producer__village=village)

    def in_commune(self, commune):
        return self.filter(producer__village__commune=commune)

    def with_ready_stamps(self):
        """Products carrying e-stamps: at least one batch rendered (status ready)."""
        ready = StampBatch.objects.filter(product=OuterRef("pk"), status=StampBatch.Status.READY)
        return self.filter(Exists(ready))

    def annotate_carries_stamps(self):
        ready = StampBatch.objects.filter(product=OuterRef("pk"), status=StampBatch.Status.READY)
        return self.annotate(carries_stamps=Exists(ready))


def estamp_coverage(products) -> tuple[int, int]:
    """(products carrying e-stamps, OCOP-rated products) of a product queryset, two COUNTs.

    For a criterion "OCOP products of the village carrying e-stamps":
    `estamp_coverage(Product.objects.in_village(village))`.
    """
    rated = products.rated()
    return rated.with_ready_stamps().count(), rated.count()


class CertificateAuthority(models.TextChoices):
    PROVINCE = "province", _("Provincial People's Committee")
    CENTRAL = "central", _("Central level (5 stars)")


class Product(TimestampedMixin):
    """An OCOP product with its rating, certificate, photo and where it is sold."""

    producer = models.ForeignKey(
        Producer, on_delete=models.PROTECT, related_name="products", verbose_name=_("producer")
    )
    name = NormalisedCharField(_("name"), max_length=200)
    search_key = DerivedKeyField(max_length=200, sources=["name"])
    group = models.CharField(_("product group"), max_length=20, choices=ProductGroup.choices)
    subgroup = models.CharField(
        _("sub-group"),
        max_length=120,
        blank=True,
        help_text=_("As in Decision 148/QĐ-TTg, e.g. processed food, alcoholic beverages."),
    )
    score = models.PositiveSmallIntegerField(
        _("score"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("0-100 points; stars follow: 3★ 50-69, 4★ 70-89, 5★ 90-100."),
    )
    # Derived from the score in save(); a check constraint keeps them in agreement.
    stars = models.PositiveSmallIntegerField(_("stars"), editable=False, default=0)
    certificate_number = NormalisedCodeField(_("certificate number"), max_length=60, blank=True)
    certificate_issued_on = models.DateField(_("certificate issued on"), null=True, blank=True)
    certificate_expires_on = models.DateField(
        _("certificate expires on"),
        null=True,
        blank=True,
        help_text=_("Empty: 36 months after the issue date."),
    )
    certificate_decision_number = NormalisedCodeField(
        _("certificate decision number"),
        max_length=60,
        blank=True,
        help_text=_("The decision recognising the rating, e.g. 1234/QĐ-UBND."),
    )
    certificate_decision_date = models.DateField(_("decision date"), null=True, blank=True)
    certificate_authority = models.CharField(
        _("issuing authority"),
        max_length=10,
        choices=CertificateAuthority.choices,
        blank=True,
        help_text=_("3-4 stars: the provincial People's Committee; 5 stars: central level."),
    )
    standards = NormalisedCharField(
        _("standards applied"),
        max_length=255,
        blank=True,
        help_text=_("e.g. TCVN 12850:2019, or the producer's own standard (TCCS)."),
    )
    gtin = NormalisedCodeField(
        _("GTIN-13"), max_length=13, blank=True, validators=[validate_gtin13]
    )
    description = NormalisedTextField(_("description"), blank=True)
    sales_links = models.TextField(
        _("where to buy online"),
        blank=True,
        help_text=_("One link per line, optionally with a name: Shopee | https://shopee.vn/..."),
    )
    photo = models.ImageField(
        _("photo"),
        upload_to="ocop/products/",
        storage=public_storage,
        blank=True,
        validators=[validate_photo],
    )
    thumbnail = models.ImageField(
        _("thumbnail"),
        upload_to="ocop/thumbnails/",
        storage=public_storage,
        blank=True,
        editable=False,
    )
    is_public = models.BooleanField(_("shown in the public catalogue"), default=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("OCOP product")
        verbose_name_plural = _("OCOP products")
        indexes = [models.Index(fields=["group", "stars"], name="ocop_product_group_stars")]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__lte=100),
                name="ocop_product_score_0_100",
                violation_error_message=_("The score is between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=(Q(score__lt=50) & Q(stars=0))
                | (Q(score__gte=50) & Q(score__lt=70) & Q(stars=3))
                | (Q(score__gte=70) & Q(score__lt=90) & Q(stars=4))
                | (Q(score__gte=90) & Q(stars=5)),
                name="ocop_product_stars_follow_score",
                violation_error_message=_("The stars must follow the score."),
            ),
            models.CheckConstraint(
                condition=Q(certificate_expires_on__isnull=True)
                | Q(certificate_issued_on__isnull=True)
                | Q(certificate_expires_on__gt=models.F("certificate_issued_on")),
                name="ocop_product_certificate_expires_after_issue",
                violation_error_message=_("The certificate must expire after it is issued."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # Derived fields are never typed, so they always agree with what they derive from.
        self.derive()
        if kwargs.get("update_fields") is not None and "score" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "stars"}
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        self.derive()
        if self.certificate_expires_on and not self.certificate_issued_on:
            raise ValidationError(
                {"certificate_issued_on": _("Give the issue date of the certificate.")}
            )
        if self.certificate_authority and self.stars >= 3:
            expected = (
                CertificateAuthority.CENTRAL if self.stars == 5 else (CertificateAuthority.PROVINCE)
            )
            if self.certificate_authority != expected:
                raise ValidationError(
                    {
                        "certificate_authority": _(
                            "5-star products are recognised at central level, 3-4 star "
                            "products by the provincial People's Committee."
                        )
                    }
                )
        for line in self.sales_links.splitlines():
            if line.strip() and not self._parse_link(line):
                raise ValidationError(
                    {"sales_links": _("Each line needs a link starting with https:// or http://.")}
                )

    def derive(self) -> None:
        """Stars from the score; expiry = issue + 36 months unless given."""
        self.stars = stars_for_score(self.score)
        if self.certificate_issued_on and not self.certificate_expires_on:
            self.certificate_expires_on = add_months(self.certificate_issued_on, CERTIFICATE_MONTHS)

    def is_ocop(self, on: dt.date | None = None) -> bool:
        """An OCOP product today: rated (3 stars, 50 points or more) with a valid certificate."""
        return self.stars >= 3 and not self.certificate_expired(on)

    def certificate_expired(self, on: dt.date | None = None) -> bool:
        on = on or timezone.localdate()
        return bool(self.certificate_expires_on and self.certificate_expires_on < on)

    @property
    def star_symbols(self) -> str:
        return "★" * self.stars

    @staticmethod
    def _parse_link(line: str) -> tuple[str, str] | None:
        label, _sep, url = line.rpartition("|") if "|" in line else ("", "", line)
        url, label = url.strip(), label.strip()
        if not re.fullmatch(r"https?://[^\s<>\"']+", url):
            return None
        if not label:
            label = re.sub(r"^https?://(www\.)?", "", url).split("/")[0]
        return label, url

    @property
    def links(self) -> list[tuple[str, str]]:
        """(name, url) of each valid sales link."""
        return [link for line in self.sales_links.splitlines() if (link := self._parse_link(line))]


# --- Batches and stamps --------------------------------------------------------------------


class StampBatchQuerySet(StampPageUpdates, ScopedQuerySet):
    village_path = "product__producer__village_id"
    commune_path = "product__producer__village__commune_id"
    quiet_fields = frozenset(
        {
            "status",
            "error",
            "progress",
            "render_token",
            "render_task_id",
            "attempts",
            "rendering_started_at",
            "heartbeat_at",
            "rendered_at",
            "pdf_file",
            "zip_file",
        }
    )


class StampBatch(RenderBatch):
    """A lot of e-stamps for one product; rendered to a PDF sheet and a ZIP by a Celery task.
    Status and rendering-claim fields: core.models.RenderBatch (rules: docs/ocop.md)."""

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="batches", verbose_name=_("product")
    )
    lot_code = NormalisedCodeField(_("lot code"), max_length=40, validators=[lot_code_validator])
    produced_on = models.DateField(_("production date"))
    best_before = models.DateField(_("best before"), null=True, blank=True)
    quantity = models.PositiveIntegerField(
        _("number of stamps"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_BATCH_QUANTITY)],
    )
    progress = models.PositiveIntegerField(_("labels rendered"), default=0)
    # Private: whoever has a sheet can print valid stamps (ocop.views.batch_file serves them).
    pdf_file = models.FileField(
        _("PDF sheet"), blank=True, editable=False, max_length=255, storage=private_storage
    )
    zip_file = models.FileField(
        _("ZIP of PNG codes"), blank=True, editable=False, max_length=255, storage=private_storage
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = StampBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("stamp batch")
        verbose_name_plural = _("stamp batches")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "lot_code"],
                name="ocop_batch_unique_lot_per_product",
                violation_error_message=_("This product already has a batch with this lot code."),
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1) & Q(quantity__lte=MAX_BATCH_QUANTITY),
                name="ocop_batch_quantity_1_50000",
                violation_error_message=_("A batch has between 1 and 50,000 stamps."),
            ),
            models.CheckConstraint(
                condition=Q(best_before__isnull=True) | Q(best_before__gte=models.F("produced_on")),
                name="ocop_batch_best_before_after_production",
                violation_error_message=_("The best-before date cannot precede production."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} – {self.lot_code}"

    def clean(self):
        super().clean()
        if self.product_id and self.product.stars < 3:
            raise ValidationError(
                {"product": _("Only OCOP-rated products (3 stars or more) receive e-stamps.")}
            )

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class StampQuerySet(StampPageUpdates, ScopedQuerySet):
    village_path = "batch__product__producer__village_id"
    commune_path = "batch__product__producer__village__commune_id"
    quiet_fields = frozenset({"scan_count", "first_scan_at", "last_scan_at"})

    def annotate_clients(self):
        return self.annotate(distinct_clients=models.Count("scans__client_hash", distinct=True))

    def suspicious(self):
        """Scanned from many coarse origins, or very often: maybe copied onto fakes."""
        return (
            self.filter(scan_count__gt=1)
            .annotate_clients()
            .filter(Q(distinct_clients__gt=SUSPICIOUS_CLIENTS) | Q(scan_count__gt=SUSPICIOUS_SCANS))
        )


class Stamp(models.Model):
    """One e-stamp: a random serial whose QR code leads to /s/<serial>."""

    batch = models.ForeignKey(
        StampBatch, on_delete=models.CASCADE, related_name="stamps", verbose_name=_("batch")
    )
    serial = models.CharField(_("serial"), max_length=16, unique=True)
    sequence = models.PositiveIntegerField(_("number in the batch"))
    revoked = models.BooleanField(_("revoked"), default=False)
    first_scan_at = models.DateTimeField(_("first scanned at"), null=True, blank=True)
    last_scan_at = models.DateTimeField(_("last scanned at"), null=True, blank=True)
    scan_count = models.PositiveIntegerField(_("scans"), default=0)

    objects = StampQuerySet.as_manager()

    class Meta:
        ordering = ["batch", "sequence"]
        verbose_name = _("stamp")
        verbose_name_plural = _("stamps")
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "sequence"],
                name="ocop_stamp_unique_sequence_in_batch",
                violation_error_message=_("This batch already has a stamp with this number."),
            )
        ]
        indexes = [models.Index(fields=["scan_count"], name="ocop_stamp_scan_count")]

    def __str__(self) -> str:
        return self.serial

    @property
    def url(self) -> str:
        return stamp_url(self.serial)


class StampScanQuerySet(ScopedQuerySet):
    village_path = "stamp__batch__product__producer__village_id"
    commune_path = "stamp__batch__product__producer__village__commune_id"


class StampScan(models.Model):
    """One scan of a stamp: time, keyed hash of the coarse client network, browser family."""

    class UaFamily(models.TextChoices):
        ANDROID = "android", "Android"
        IPHONE = "iphone", "iPhone"
        ZALO = "zalo", "Zalo"
        FACEBOOK = "facebook", "Facebook"
        OTHER = "other", _("Other")

    stamp = models.ForeignKey(
        Stamp, on_delete=models.CASCADE, related_name="scans", verbose_name=_("stamp")
    )
    scanned_at = models.DateTimeField(_("scanned at"), default=timezone.now)
    client_hash = models.CharField(_("origin (hashed)"), max_length=16)
    ua_family = models.CharField(_("browser"), max_length=10, choices=UaFamily.choices)

    objects = StampScanQuerySet.as_manager()

    class Meta:
        ordering = ["-scanned_at"]
        verbose_name = _("stamp scan")
        verbose_name_plural = _("stamp scans")
        indexes = [models.Index(fields=["stamp", "scanned_at"], name="ocop_scan_stamp_time")]

    def __str__(self) -> str:
        return f"{self.stamp_id} @ {self.scanned_at:%Y-%m-%d %H:%M}"


def traceability_record(*, product: Product, batch: StampBatch, stamp: Stamp) -> list[dict]:
    """The minimum traceability information of Circular 02/2024/TT-BKHCN that the portal holds
    for a stamp, in the circular's order; `value` None = missing. The stages of the chain (trace
    codes per stage) are not recorded by the portal and are listed as missing."""
    producer = product.producer
    items = [
        (_("Product name"), product.name, True),
        (_("Product image"), _("yes") if product.photo else None, True),
        (_("Producer"), producer.name, True),
        (_("Producer address"), producer.address or None, True),
        (_("Stages with their trace codes"), None, True),
        (_("Production date"), batch.produced_on, True),
        (_("Traceability code"), stamp.serial, True),
        (_("Barcode (GTIN-13)"), product.gtin or None, False),
        (_("Best before"), batch.best_before, False),
        (_("Standards applied"), product.standards or None, True),
    ]
    return [
        {"label": label, "value": value, "required": required} for label, value, required in items
    ]
