"""Rendering a stamp batch: create its stamps, write the PDF sheet and the ZIP of PNG codes.

Safe to run twice, concurrently, after a crash or after a redelivery (docs/ocop.md):
1. Claim (core.claims, shared with the address plates): one conditional UPDATE moves the batch
   to "rendering" with a fresh random token, if it is queued, or rendering under the same
   Celery task id (the message was redelivered because the worker died: acks_late), or
   rendering with a stale heartbeat (the claim expires about a minute after the last renewal).
   Otherwise the run does nothing.
2. Every later write (progress + heartbeat, ready, failed) is conditional on that token: a run
   that was taken over changes nothing and deletes its own files.
3. Stamps: sequence numbers 1..quantity are unique per batch; missing ones are bulk-inserted
   with ignore_conflicts, so runs never duplicate stamps and a crash leaves nothing to repair.
4. Files are written into a directory of their own (the token), fsynced, renamed into place, and
   recorded on the batch only by the final "ready" UPDATE: nothing half-written is ever served.
"""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core import claims
from core.printing import fsync_replace

from . import labels
from .models import Stamp, StampBatch, new_serial, stamp_url

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 250
LABELS_DIR = "ocop/labels"


def _beat(batch_id: int, token: str, **fields) -> None:
    claims.beat(StampBatch.objects.all(), batch_id, token, **fields)


def claim(batch_id: int, task_id: str = "") -> str | None:
    """Take the batch for rendering (core.claims); the token of this run, or None."""
    return claims.claim(StampBatch.objects.filter(revoked_at__isnull=True), batch_id, task_id)


def ensure_stamps(batch: StampBatch, token: str | None = None) -> list[tuple[int, str]]:
    """Create the missing stamps 1..quantity (idempotent); (sequence, serial) in order."""
    stamps = Stamp.objects.filter(batch_id=batch.pk)
    for _round in range(5):
        have = set(stamps.values_list("sequence", flat=True))
        missing = [s for s in range(1, batch.quantity + 1) if s not in have]
        if not missing:
            break
        # ignore_conflicts: a concurrent run's rows (or, astronomically rarely, a serial that
        # already exists) are skipped; the next round fills whatever is still missing.
        for start in range(0, len(missing), 2000):
            Stamp.objects.bulk_create(
                [
                    Stamp(batch_id=batch.pk, sequence=s, serial=new_serial())
                    for s in missing[start : start + 2000]
                ],
                ignore_conflicts=True,
            )
            if token:
                _beat(batch.pk, token)
    rows = list(stamps.order_by("sequence").values_list("sequence", "serial"))
    if [seq for seq, _serial in rows] != list(range(1, batch.quantity + 1)):
        raise RuntimeError(f"stamps of batch {batch.pk} do not match its quantity {batch.quantity}")
    return rows


def label_text(batch: StampBatch) -> labels.LabelText:
    with translation.override(settings.LANGUAGE_CODE):
        product = batch.product
        details = [
            _("Lot: %(lot)s") % {"lot": batch.lot_code},
            _("Produced: %(date)s") % {"date": date_format(batch.produced_on, "d/m/Y")},
        ]
        if batch.best_before:
            details.append(
                _("Best before: %(date)s") % {"date": date_format(batch.best_before, "d/m/Y")}
            )
        return labels.LabelText(
            product_name=product.name,
            stars=product.stars,
            detail_lines=tuple(details),
            footer=_("%(product)s – lot %(lot)s")
            % {"product": product.name, "lot": batch.lot_code},
            scan_hint=_("Scan to check the origin"),
        )


def render_files(
    batch: StampBatch,
    rows: list[tuple[int, str]],
    run_dir: Path,
    *,
    on_progress=None,
    progress_every: int | None = None,
) -> tuple[Path, Path]:
    """Write <lot>-labels.pdf and <lot>-png.zip into run_dir; one QR matrix per stamp."""
    progress_every = progress_every or PROGRESS_EVERY
    run_dir.mkdir(parents=True, exist_ok=True)
    stem = slugify(batch.lot_code) or f"batch-{batch.pk}"
    pdf_path, zip_path = run_dir / f"{stem}-labels.pdf", run_dir / f"{stem}-png.zip"
    pdf_part, zip_part = run_dir / ".labels.pdf.part", run_dir / ".png.zip.part"
    manifest = io.StringIO()
    writer = csv.writer(manifest)
    writer.writerow(["sequence", "serial", "url"])
    with open(pdf_part, "wb") as pdf_fh, zipfile.ZipFile(zip_part, "w", zipfile.ZIP_STORED) as zf:
        sheet = labels.LabelSheet(pdf_fh, label_text(batch), total=len(rows))
        for done, (sequence, serial) in enumerate(rows, start=1):
            url = stamp_url(serial)
            matrix = labels.qr_matrix(url)
            zf.writestr(f"{sequence:05d}-{serial}.png", labels.png_bytes(matrix))
            sheet.add(sequence, serial, matrix)
            writer.writerow([sequence, serial, url])
            if on_progress and done % progress_every == 0:
                on_progress(done)
        sheet.close()
        zf.writestr("serials.csv", manifest.getvalue())
    fsync_replace(pdf_part, pdf_path)
    fsync_replace(zip_part, zip_path)
    return pdf_path, zip_path


def _private_root() -> Path:
    """Label sheets are private files (core/files.py): whoever has one can print stamps."""
    return Path(StampBatch._meta.get_field("pdf_file").storage.location)


def _media_name(path: Path) -> str:
    return path.relative_to(_private_root()).as_posix()


def stamp_batch_render(*, batch_id: int, task_id: str = "") -> str:
    """Render one batch end to end (core.claims.run_claimed); returns skipped | superseded |
    failed | ready."""

    def work(run_dir: Path, token: str) -> dict:
        batch = StampBatch.objects.select_related("product").get(pk=batch_id)
        rows = ensure_stamps(batch, token)
        pdf_path, zip_path = render_files(
            batch, rows, run_dir, on_progress=lambda n: _beat(batch_id, token, progress=n)
        )
        return {
            "progress": batch.quantity,
            "pdf_file": _media_name(pdf_path),
            "zip_file": _media_name(zip_path),
        }

    return claims.run_claimed(
        StampBatch.objects.all(),
        batch_id,
        task_id=task_id,
        base=_private_root() / LABELS_DIR / str(batch_id),
        work=work,
        claimable=StampBatch.objects.filter(revoked_at__isnull=True),
    )
