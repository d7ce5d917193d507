"""OCOP services: batches (create, retry, revoke), scans, thumbnails."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import ipaddress

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Product, Stamp, StampBatch, StampScan


def stale_before(now: dt.datetime | None = None) -> dt.datetime:
    """A run whose heartbeat is older than this is dead (its worker was killed): any run may
    take it over, requeue_pending sends it again and an official may render it again at once
    (JOBS_HEARTBEAT_STALE, about a minute; the run renews it every few hundred labels)."""
    from core.jobs import heartbeat_stale

    return (now or timezone.now()) - heartbeat_stale()


# --- Batches -------------------------------------------------------------------------------
# Sent by name through core.jobs: services never import the tasks (ocop.tasks -> rendering ->
# services is the one direction).
RENDER_TASK = "ocop.tasks.render_stamp_batch"


def stamp_batch_schedule_render(*, batch: StampBatch, on_waiting=None) -> None:
    """Render the batch once the current transaction commits (never before: the row must exist).

    When the broker is down the batch stays queued, `on_waiting()` is called (to tell the user)
    and core.jobs.requeue_pending sends it later."""
    from core.jobs import enqueue_on_commit

    enqueue_on_commit(RENDER_TASK, batch.pk, on_waiting=on_waiting)


def stamp_batch_create(
    *,
    product: Product,
    lot_code: str,
    produced_on: dt.date,
    quantity: int,
    best_before: dt.date | None = None,
    created_by=None,
) -> StampBatch:
    """Create a batch (validated) and enqueue its rendering on commit."""
    batch = StampBatch(
        product=product,
        lot_code=lot_code,
        produced_on=produced_on,
        best_before=best_before,
        quantity=quantity,
        created_by=created_by,
    )
    batch.full_clean()
    try:
        with transaction.atomic():
            batch.save()
            stamp_batch_schedule_render(batch=batch)
    except IntegrityError as exc:  # the same lot saved a moment ago (a double submit)
        existing = StampBatch.objects.filter(product=product, lot_code=batch.lot_code).first()
        if existing is None:
            raise
        raise ValidationError(
            {
                "lot_code": _("Lot %(lot)s of this product already exists.")
                % {"lot": existing.lot_code}
            }
        ) from exc
    return batch


def retryable(now: dt.datetime | None = None) -> Q:
    """Batches an official may send to the worker again: failed, lost or stuck."""
    stale = stale_before(now)
    return (
        Q(status=StampBatch.Status.FAILED)
        | Q(status=StampBatch.Status.QUEUED, heartbeat_at__lt=stale)
        | Q(status=StampBatch.Status.QUEUED, heartbeat_at__isnull=True, created_at__lt=stale)
        | Q(status=StampBatch.Status.RENDERING, heartbeat_at__lt=stale)
    )


def stamp_batch_retry(*, batch: StampBatch) -> bool:
    """Queue a failed (or stuck) batch again; False when it is not retryable."""
    with transaction.atomic():
        changed = StampBatch.objects.filter(
            retryable(), pk=batch.pk, revoked_at__isnull=True
        ).update(
            status=StampBatch.Status.QUEUED,
            error="",
            progress=0,
            render_token="",
            heartbeat_at=timezone.now(),
        )
        if changed:
            stamp_batch_schedule_render(batch=batch)
    return bool(changed)


def stamp_batch_revoke(*, batch: StampBatch) -> int:
    """Revoke a whole batch (stamps created later are revoked through the batch too)."""
    now = timezone.now()
    with transaction.atomic():
        StampBatch.objects.filter(pk=batch.pk, revoked_at__isnull=True).update(revoked_at=now)
        return Stamp.objects.filter(batch=batch, revoked=False).update(revoked=True)


def stamps_set_revoked(*, stamps, revoked: bool) -> int:
    return stamps.exclude(revoked=revoked).update(revoked=revoked)


# --- Scans ---------------------------------------------------------------------------------


def client_hash(ip: str | None) -> str:
    """Keyed hash (HMAC-SHA256 with SECRET_KEY) of the client's network (/24 or /48).

    Coarse on purpose: enough to tell "many places" from "one shop", never an address.
    """
    try:
        address = ipaddress.ip_address((ip or "").strip())
        prefix = 24 if address.version == 4 else 48
        network = str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))
    except ValueError:
        network = "unknown"
    key = hashlib.sha256(f"ocop-scan:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, network.encode(), hashlib.sha256).hexdigest()[:16]


def ua_family(user_agent: str | None) -> str:
    """Only the family of the browser is kept: in-app browsers first (they also say Android)."""
    ua = (user_agent or "").lower()
    if "zalo" in ua:
        return StampScan.UaFamily.ZALO
    if "fban" in ua or "fbav" in ua or "fb_iab" in ua or "facebook" in ua:
        return StampScan.UaFamily.FACEBOOK
    if "iphone" in ua or "ipad" in ua or "ipod" in ua:
        return StampScan.UaFamily.IPHONE
    if "android" in ua:
        return StampScan.UaFamily.ANDROID
    return StampScan.UaFamily.OTHER


def stamp_scan_record(*, stamp: Stamp, ip: str | None, user_agent: str | None) -> None:
    """One INSERT and one UPDATE: the scan row, then the counters (F expressions, no race)."""
    now = timezone.now()
    StampScan.objects.create(
        stamp=stamp, scanned_at=now, client_hash=client_hash(ip), ua_family=ua_family(user_agent)
    )
    Stamp.objects.filter(pk=stamp.pk).update(
        scan_count=F("scan_count") + 1,
        last_scan_at=now,
        first_scan_at=Coalesce(F("first_scan_at"), Value(now, output_field=DateTimeField())),
    )


# --- Photos --------------------------------------------------------------------------------

THUMBNAIL_SIZE = (480, 480)


def product_refresh_thumbnail(*, product: Product) -> None:
    """Make the thumbnail (JPEG, <= 480 px, EXIF orientation applied) from the photo."""
    from PIL import Image, ImageOps

    if product.thumbnail:
        product.thumbnail.delete(save=False)
    if not product.photo:
        Product.objects.filter(pk=product.pk).update(thumbnail="")
        return
    product.photo.open("rb")
    try:
        with Image.open(product.photo) as image:
            image = ImageOps.exif_transpose(image)
            image.thumbnail(THUMBNAIL_SIZE)
            if image.mode not in ("RGB", "L"):
                background = Image.new("RGB", image.size, "white")
                background.paste(image, mask=image.convert("RGBA").split()[3])
                image = background
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=82, optimize=True)
    finally:
        product.photo.close()
    product.thumbnail.save(f"product-{product.pk}.jpg", ContentFile(out.getvalue()), save=False)
    Product.objects.filter(pk=product.pk).update(thumbnail=product.thumbnail.name)
