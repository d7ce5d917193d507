"""Rendering a plate batch: one vector PDF per plate (in a ZIP), the A4 proof sheet and the CSV
manifest for the print shop.

The same rules as OCOP stamp batches (core.claims): a conditional UPDATE claims the batch with
a fresh token (queued, or rendering under the same Celery task id after a worker died, or with a
stale heartbeat); every later write is conditional on the token; the files are written into a
directory of their own, fsynced, renamed into place and recorded only by the final "ready"
UPDATE. The plates themselves are rows made when the batch was ordered, so a second run
renders the same plates: safe to run twice, concurrently, or after a crash.
"""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from core import claims
from core.exports import safe_cell
from core.printing import fsync_replace

from . import drawing
from .models import Plate, PlateBatch, address_url

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 50
FILES_DIR = "plates/batches"


def claim(batch_id: int, task_id: str = "") -> str | None:
    return claims.claim(PlateBatch.objects.all(), batch_id, task_id)


def _beat(batch_id: int, token: str, **fields) -> None:
    claims.beat(PlateBatch.objects.all(), batch_id, token, **fields)


def plate_text(plate: Plate) -> drawing.PlateText:
    household = plate.household
    village = plate.batch.village
    with translation.override(settings.LANGUAGE_CODE):
        return drawing.PlateText(
            village=village.name,
            lane=household.lane,
            house_label=_("House number") if household.house_no else _("Household number"),
            house=household.house_no or household.number,
            code_label=_("Digital-address code"),
            code=plate.code,
            commune=f"{village.commune.name}, {village.commune.province_name}",
            hint=_("Scan to see the address"),
        )


def render_files(batch: PlateBatch, run_dir: Path, *, on_progress=None) -> dict[str, Path]:
    """Write <village>-plates.zip, <village>-proof.pdf and <village>-manifest.csv into run_dir."""
    run_dir.mkdir(parents=True, exist_ok=True)
    w, h = batch.size_mm
    stem = f"{batch.village.code}-{batch.pk}"
    paths = {
        "plates": run_dir / f"{stem}-plates.zip",
        "proof": run_dir / f"{stem}-proof.pdf",
        "manifest": run_dir / f"{stem}-manifest.csv",
    }
    parts = {kind: run_dir / f".{kind}.part" for kind in paths}
    plates = list(
        Plate.objects.filter(batch=batch)
        .select_related("household", "batch__village__commune")
        .order_by("sequence")
    )
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Address plates – %(village)s – order %(n)s") % {
            "village": batch.village.name,
            "n": batch.pk,
        }
    with (
        open(parts["proof"], "wb") as proof_fh,
        zipfile.ZipFile(parts["plates"], "w", zipfile.ZIP_DEFLATED) as zf,
        open(parts["manifest"], "w", newline="", encoding="utf-8-sig") as manifest_fh,
    ):
        writer = csv.writer(manifest_fh)
        writer.writerow(
            ["sequence", "code", "village", "lane", "house_no", "household", "file", "url",
             "width_mm", "height_mm"]
        )  # fmt: skip
        proof = drawing.ProofSheet(proof_fh, w, h, title=title, total=len(plates))
        for done, plate in enumerate(plates, start=1):
            text = plate_text(plate)
            matrix = drawing.plate_matrix(address_url(plate.code))
            name = f"{plate.sequence:04d}-{plate.code}.pdf"
            out = io.BytesIO()
            drawing.plate_pdf(out, text, matrix, w, h, title=f"{title} · #{plate.sequence}")
            zf.writestr(name, out.getvalue())
            proof.add(plate.sequence, text, matrix)
            writer.writerow(
                [safe_cell(v) for v in (
                    plate.sequence, plate.code, text.village, plate.household.lane,
                    plate.household.house_no, plate.household.number, name,
                    address_url(plate.code), w, h,
                )]
            )  # fmt: skip
            if on_progress and done % PROGRESS_EVERY == 0:
                on_progress(done)
        proof.close()
    for kind, path in paths.items():
        fsync_replace(parts[kind], path)
    return paths


def _private_root() -> Path:
    return Path(PlateBatch._meta.get_field("plates_file").storage.location)


def plate_batch_render(*, batch_id: int, task_id: str = "") -> str:
    """Render one batch end to end (core.claims.run_claimed); returns skipped | superseded |
    failed | ready."""
    root = _private_root()

    def work(run_dir: Path, token: str) -> dict:
        batch = PlateBatch.objects.select_related("village__commune").get(pk=batch_id)
        paths = render_files(
            batch, run_dir, on_progress=lambda n: _beat(batch_id, token, progress=n)
        )
        return {
            "progress": batch.quantity,
            **{f"{kind}_file": path.relative_to(root).as_posix() for kind, path in paths.items()},
        }

    return claims.run_claimed(
        PlateBatch.objects.all(),
        batch_id,
        task_id=task_id,
        base=root / FILES_DIR / str(batch_id),
        work=work,
    )
