"""OCOP services: batches (create, retry, revoke), scans, thumbnails."""

from __future__ import annotations

import datetime as dt
import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from core import claims, dataversion
from core.scans import coarse_origin, ua_family_of

from .models import Product, Stamp, StampBatch, StampScan


def stale_before(now: dt.datetime | None = None) -> dt.datetime:
    """A run whose heartbeat is older than this is dead (its worker was killed): any run may
    take it over, requeue_pending sends it again and an official may render it again at once
    (JOBS_HEARTBEAT_STALE, about a minute; the run renews it every few hundred labels)."""
    return claims.stale_before(now)


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
    return claims.retryable(now)


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
    """Keyed hash of the client's network (/24 or /48): core.scans.coarse_origin."""
    return coarse_origin(ip, purpose="ocop-scan")


def ua_family(user_agent: str | None) -> str:
    """Only the family of the browser is kept (core.scans.ua_family_of)."""
    return StampScan.UaFamily(ua_family_of(user_agent))


def scans_written(stamp_ids) -> None:
    """Scan rows of these stamps were written: the cards that count scans (the officials'
    dashboard) read them again (core.dataversion.bump_scans; one query for the communes)."""
    communes = (
        Stamp.objects.filter(pk__in=list(stamp_ids))
        .values_list("batch__product__producer__village__commune_id", flat=True)
        .distinct()
        .order_by()
    )
    dataversion.bump_scans(communes)


def stamp_scan_record(
    *, stamp: Stamp, ip: str | None, user_agent: str | None, commune_id: int | None = None
) -> None:
    """One INSERT and one UPDATE: the scan row, then the counters (F expressions, no race);
    `commune_id`, when the caller knows the stamp's commune, saves the query of scans_written."""
    now = timezone.now()
    StampScan.objects.create(
        stamp=stamp, scanned_at=now, client_hash=client_hash(ip), ua_family=ua_family(user_agent)
    )
    Stamp.objects.filter(pk=stamp.pk).update(
        scan_count=F("scan_count") + 1,
        last_scan_at=now,
        first_scan_at=Coalesce(F("first_scan_at"), Value(now, output_field=DateTimeField())),
    )
    if commune_id is not None:
        dataversion.bump_scans([commune_id])
    else:
        scans_written([stamp.pk])


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
