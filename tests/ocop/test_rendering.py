"""Batch rendering: scannable labels, idempotence, crashes, redelivery, failure and retry."""

import datetime as dt
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.utils import timezone

from ocop import labels, rendering
from ocop.models import StampBatch
from ocop.rendering import stamp_batch_render
from ocop.services import stamp_batch_create, stamp_batch_retry

from .factories import StampBatchFactory

ZBARIMG = shutil.which("zbarimg")
PDFTOPPM = shutil.which("pdftoppm")
needs_zbar = pytest.mark.skipif(not ZBARIMG, reason="zbarimg (Debian zbar-tools) is not installed")
needs_poppler = pytest.mark.skipif(not PDFTOPPM, reason="pdftoppm (poppler-utils) is missing")


def decode(png_path: Path) -> list[str]:
    out = subprocess.run(
        [ZBARIMG, "--quiet", "--raw", str(png_path)], capture_output=True, text=True, timeout=60
    )
    return sorted(line for line in out.stdout.splitlines() if line)


def media(settings, name) -> Path:
    """Label sheets are private files: under PRIVATE_MEDIA_ROOT, never MEDIA_ROOT."""
    return Path(settings.PRIVATE_MEDIA_ROOT) / name


def urls(batch):
    return sorted(s.url for s in batch.stamps.all())


@needs_zbar
@needs_poppler
@pytest.mark.django_db
def test_pdf_labels_decode_to_site_url_slash_serial(
    settings, product_a, make_ready_batch, tmp_path
):
    batch = make_ready_batch(product_a, quantity=43)  # two pages: 40 + 3
    pdf = media(settings, batch.pdf_file.name)
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run(
        [PDFTOPPM, "-r", "300", "-png", str(pdf), str(tmp_path / "page")], check=True, timeout=120
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 2
    found = decode(pages[0]) + decode(pages[1])
    assert sorted(found) == urls(batch)
    assert all(u.startswith("https://thon.example.vn/s/") for u in found)


@needs_zbar
@pytest.mark.django_db
def test_png_codes_in_zip_decode_exactly(settings, product_a, make_ready_batch, tmp_path):
    batch = make_ready_batch(product_a, quantity=6)
    with zipfile.ZipFile(media(settings, batch.zip_file.name)) as zf:
        names = sorted(n for n in zf.namelist() if n.endswith(".png"))
        assert len(names) == 6
        manifest = zf.read("serials.csv").decode()
        for name in names[:3] + names[-1:]:
            sequence, serial = name[:-4].split("-")
            path = tmp_path / name
            path.write_bytes(zf.read(name))
            assert decode(path) == [f"https://thon.example.vn/s/{serial}"]
            assert batch.stamps.get(sequence=int(sequence)).serial == serial
            assert serial in manifest


def test_label_font_draws_vietnamese():
    fonts = labels.label_fonts()
    assert fonts.unicode, "install fonts-dejavu-core: labels need Vietnamese glyphs"
    assert fonts.text("Mật ong") == "Mật ong"
    assert labels.ascii_fallback("Mật ong Đồng") == "Mat ong Dong"


@pytest.mark.django_db
def test_pdf_text_carries_product_name_with_diacritics(settings, product_a, make_ready_batch):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is missing")
    batch = make_ready_batch(product_a, quantity=2)
    text = subprocess.run(
        ["pdftotext", str(media(settings, batch.pdf_file.name)), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Mật ong" in text
    assert "★★★★" in text
    assert batch.lot_code in text
    assert batch.stamps.get(sequence=1).serial in text


@pytest.mark.django_db
def test_run_twice_no_duplicates_and_second_run_does_nothing(product_a):
    batch = StampBatchFactory(product=product_a, quantity=30)
    assert stamp_batch_render(batch_id=batch.pk) == "ready"
    serials = set(batch.stamps.values_list("serial", flat=True))
    assert stamp_batch_render(batch_id=batch.pk) == "skipped"
    assert batch.stamps.count() == 30
    assert set(batch.stamps.values_list("serial", flat=True)) == serials
    assert sorted(batch.stamps.values_list("sequence", flat=True)) == list(range(1, 31))


@pytest.mark.django_db
def test_after_a_crash_midway_the_redelivered_task_takes_over(settings, product_a):
    batch = StampBatchFactory(product=product_a, quantity=25)
    # A worker claimed it under task "t-1", created 10 stamps and half a PDF, then was killed.
    assert rendering.claim(batch.pk, "t-1")
    partial = StampBatch.objects.get(pk=batch.pk)
    rendering.ensure_stamps(StampBatchFactory.build(pk=batch.pk, quantity=10))
    crashed_dir = media(settings, f"ocop/labels/{batch.pk}/{partial.render_token}")
    crashed_dir.mkdir(parents=True)
    (crashed_dir / ".labels.pdf.part").write_bytes(b"%PDF-half")
    early = set(batch.stamps.values_list("serial", flat=True))
    assert len(early) == 10

    # Another task id while the heartbeat is fresh: does nothing.
    assert stamp_batch_render(batch_id=batch.pk, task_id="t-other") == "skipped"
    # acks_late redelivers the same message (same task id): it takes over.
    assert stamp_batch_render(batch_id=batch.pk, task_id="t-1") == "ready"
    batch.refresh_from_db()
    assert batch.status == "ready" and batch.attempts == 2
    assert batch.stamps.count() == 25
    assert early <= set(batch.stamps.values_list("serial", flat=True))
    assert not crashed_dir.exists()  # the crashed run's half file is gone
    assert media(settings, batch.pdf_file.name).is_file()


@pytest.mark.django_db
def test_stale_rendering_is_taken_over_by_any_run(product_a):
    batch = StampBatchFactory(product=product_a, quantity=3)
    assert rendering.claim(batch.pk, "dead")
    StampBatch.objects.filter(pk=batch.pk).update(
        heartbeat_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert stamp_batch_render(batch_id=batch.pk) == "ready"


@pytest.mark.django_db
def test_superseded_run_records_nothing(settings, product_a, monkeypatch):
    batch = StampBatchFactory(product=product_a, quantity=3)
    real = rendering.render_files

    def slow_render(b, rows, run_dir, **kwargs):
        result = real(b, rows, run_dir, **kwargs)
        # Meanwhile the batch was claimed by a redelivery of the same message.
        StampBatch.objects.filter(pk=b.pk).update(render_token="someone-else")
        return result

    monkeypatch.setattr(rendering, "render_files", slow_render)
    assert stamp_batch_render(batch_id=batch.pk, task_id="t") == "superseded"
    batch.refresh_from_db()
    assert batch.status == "rendering" and not batch.pdf_file
    assert not any(media(settings, f"ocop/labels/{batch.pk}").iterdir())


@pytest.mark.django_db
def test_failure_sets_failed_with_reason_and_retry_renders(
    product_a, monkeypatch, django_capture_on_commit_callbacks
):
    batch = StampBatchFactory(product=product_a, quantity=4)

    def broken(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(rendering, "render_files", broken)
    assert stamp_batch_render(batch_id=batch.pk) == "failed"
    batch.refresh_from_db()
    assert batch.status == "failed"
    assert "No space left on device" in batch.error
    assert not batch.pdf_file

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert stamp_batch_retry(batch=batch)
    batch.refresh_from_db()
    assert batch.status == "ready" and batch.error == ""
    assert batch.stamps.count() == 4
    assert not stamp_batch_retry(batch=batch)  # a ready batch is not retried


@pytest.mark.django_db
def test_progress_is_written_while_rendering(product_a, monkeypatch):
    seen = []
    real_beat = rendering._beat

    def spy(batch_id, token, **fields):
        if "progress" in fields:
            seen.append(fields["progress"])
        real_beat(batch_id, token, **fields)

    monkeypatch.setattr(rendering, "_beat", spy)
    monkeypatch.setattr(rendering, "PROGRESS_EVERY", 4)
    batch = StampBatchFactory(product=product_a, quantity=10)
    assert stamp_batch_render(batch_id=batch.pk) == "ready"
    assert seen == [4, 8]
    assert StampBatch.objects.get(pk=batch.pk).progress == 10


def _job_sends(callbacks):
    return [c for c in callbacks if "enqueue_on_commit" in c.__qualname__]


@pytest.mark.django_db
def test_service_enqueues_rendering_on_commit(product_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        batch = stamp_batch_create(
            product=product_a, lot_code="L-1", produced_on=dt.date(2025, 1, 1), quantity=3
        )
    assert StampBatch.objects.get(pk=batch.pk).status == "queued"
    # One rendering job waits for the commit (the data-version bump is the other callback).
    assert len(_job_sends(callbacks)) == 1
    for callback in callbacks:  # what the commit would run: the (eager) Celery task
        callback()
    batch.refresh_from_db()
    assert batch.status == "ready" and batch.stamps.count() == 3


@pytest.mark.django_db
def test_png_and_pdf_share_one_matrix_per_stamp(product_a, monkeypatch):
    calls = []
    real = labels.qr_matrix
    monkeypatch.setattr(labels, "qr_matrix", lambda url: calls.append(url) or real(url))
    batch = StampBatchFactory(product=product_a, quantity=5)
    stamp_batch_render(batch_id=batch.pk)
    assert sorted(calls) == urls(batch)


def test_png_has_quiet_zone_of_four_modules():
    from PIL import Image

    matrix = labels.qr_matrix("https://thon.example.vn/s/ABCDEFGHJKMNP")
    image = Image.open(io.BytesIO(labels.png_bytes(matrix)))
    n = len(matrix)
    assert image.size == ((n + 8) * 8,) * 2
    border = image.crop((0, 0, image.width, 4 * 8))
    assert border.getextrema() == (255, 255)


@needs_zbar
@needs_poppler
@pytest.mark.django_db
def test_printed_sheet_decodes_from_a_150_dpi_render(
    settings, product_a, make_ready_batch, tmp_path
):
    """A sheet scanned or photographed at 150 dpi still reads (modules of 0.76 mm here)."""
    from ocop.labels import MIN_MODULE_MM, module_mm, qr_matrix

    settings.SITE_URL = "https://thon.example.vn"
    batch = make_ready_batch(product_a, quantity=40)
    assert all(module_mm(qr_matrix(s.url)) >= MIN_MODULE_MM for s in batch.stamps.all())
    pdf = media(settings, batch.pdf_file.name)
    subprocess.run(
        [PDFTOPPM, "-r", "150", "-png", str(pdf), str(tmp_path / "page")], check=True, timeout=120
    )
    (page,) = sorted(tmp_path.glob("page-*.png"))
    assert decode(page) == urls(batch)


def test_a_payload_too_long_for_half_millimetre_modules_is_refused(tmp_path):
    from ocop.labels import LabelSheet, LabelText, module_mm, qr_matrix

    matrix = qr_matrix("https://" + "x" * 140 + ".vn/s/ABCDEFGHJKLM")
    assert module_mm(matrix) < 0.5
    text = LabelText("Mật ong", 4, ("Lô: 1",), "Mật ong – lô 1", "Quét để kiểm tra")
    sheet = LabelSheet(str(tmp_path / "a.pdf"), text, total=1)
    with pytest.raises(ValueError, match="0.5 mm"):
        sheet.add(1, "ABCDEFGHJKLM", matrix)


def test_every_label_text_fits_inside_its_label(tmp_path, monkeypatch):
    """'Quét để kiểm tra nguồn gốc' ran past the label's edge (cut off when the sheet is cut)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen.canvas import Canvas

    from ocop import labels

    drawn = []
    original = Canvas.drawString

    def record(self, x, y, text, *args, **kwargs):
        drawn.append((x, text, self._fontname, self._fontsize))
        return original(self, x, y, text, *args, **kwargs)

    monkeypatch.setattr(Canvas, "drawString", record)
    text = labels.LabelText(
        "Mật ong hoa rừng Quảng Tân", 4, ("Lô: MO-2025-01", "NSX: 01/03/2025"), "Mật ong",
        "Quét để kiểm tra nguồn gốc",
    )  # fmt: skip
    labels.LabelSheet(str(tmp_path / "a.pdf"), text, total=1)  # draws the label's form
    words = " ".join(t for _x, t, _f, _s in drawn)
    assert "nguồn gốc" in words
    for x, line, font, size in drawn:
        assert x + stringWidth(line, font, size) <= labels.CELL_W - labels.PAD + 0.01, line
