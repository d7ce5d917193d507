"""Ordering and rendering plate batches: who is left out and why, the files, every QR decodes
to <SITE_URL>/a/<code> of the right household, safe to run twice, permission-checked files."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import zipfile

import pytest
from django.core.exceptions import ValidationError

from households.models import ExportAudit
from plates import drawing
from plates.models import Plate, PlateBatch, address_url
from plates.rendering import plate_batch_render
from plates.services import (
    plate_batch_create,
    plate_batch_mark_printed,
    plate_install,
    village_counts,
)

pytestmark = pytest.mark.django_db

ZBARIMG, PDFTOPPM = shutil.which("zbarimg"), shutil.which("pdftoppm")
needs_tools = pytest.mark.skipif(
    not (ZBARIMG and PDFTOPPM), reason="zbarimg (zbar-tools) and pdftoppm (poppler-utils) needed"
)


def decode_pdf(pdf: bytes, tmp_path, name: str) -> list[str]:
    """Render at 150 dpi (pdftoppm) and read every QR code on the pages (zbarimg)."""
    src = tmp_path / f"{name}.pdf"
    src.write_bytes(pdf)
    subprocess.run([PDFTOPPM, "-r", "150", "-png", str(src), str(tmp_path / name)], check=True)
    found = []
    for png in sorted(tmp_path.glob(f"{name}*.png")):
        out = subprocess.run(
            [ZBARIMG, "--raw", "-q", str(png)], capture_output=True, text=True, check=False
        )
        found += [line for line in out.stdout.splitlines() if line]
    return found


def test_order_leaves_out_unverified_and_codeless_with_reasons(plated, village_a1, official_a):
    batch = plate_batch_create(village=village_a1, size="300x200", user=official_a)
    assert batch.quantity == 2
    assert [p.household_id for p in batch.plates.order_by("sequence")] == [
        plated.h1.pk,
        plated.h2.pk,
    ]
    reasons = {row["household"]: row["reason"] for row in batch.left_out}
    assert set(reasons) == {"3", "4", "5"}
    assert "công an" in reasons["3"]  # not verified with the commune police
    assert "mã" in reasons["4"]  # no code
    assert "địa chỉ số" in reasons["5"]  # no digital address at all
    # A second order of the whole village: the plated ones are left out, nothing to order.
    with pytest.raises(ValidationError):
        plate_batch_create(village=village_a1, size="300x200", user=official_a)


def test_replacement_by_selection_withdraws_the_old_plate(plated, village_a1, official_a):
    first = plate_batch_create(village=village_a1, size="300x200", user=official_a)
    again = plate_batch_create(
        village=village_a1, size="200x150", user=official_a, household_ids=[plated.h1.pk]
    )
    assert again.quantity == 1
    old = first.plates.get(household=plated.h1)
    assert old.withdrawn_at is not None
    assert not plate_install(plate=old, user=official_a)  # a withdrawn plate is not installed
    assert village_counts([village_a1.pk])[village_a1.pk]["ordered"] == 2


@needs_tools
def test_rendered_files_each_qr_decodes_to_its_household(
    plated, village_a1, official_a, tmp_path, order
):
    batch = order(village=village_a1, user=official_a)
    # Eager mode rendered it on commit (the task ran in-process); render again: a no-op.
    assert batch.status == PlateBatch.Status.READY, batch.error
    assert plate_batch_render(batch_id=batch.pk) == "skipped"
    expected = {p.sequence: (p.code, p.household_id) for p in batch.plates.all()}
    with batch.plates_file.open("rb") as fh, zipfile.ZipFile(fh) as zf:
        names = sorted(zf.namelist())
        assert len(names) == 2
        for name in names:
            pdf = zf.read(name)
            assert b"/Subtype /Image" not in pdf  # vector: no bitmap anywhere
            sequence = int(name.split("-")[0])
            code, household_id = expected[sequence]
            assert decode_pdf(pdf, tmp_path, f"plate{sequence}") == [
                f"https://thon.example.vn/a/{code}"
            ]
            assert Plate.objects.get(code=code, batch=batch).household_id == household_id
    with batch.proof_file.open("rb") as fh:
        proof = fh.read()
    assert sorted(decode_pdf(proof, tmp_path, "proof")) == sorted(
        f"https://thon.example.vn/a/{code}" for code, _h in expected.values()
    )
    with batch.manifest_file.open("rb") as fh:
        rows = list(csv.DictReader(io.StringIO(fh.read().decode("utf-8-sig"))))
    assert [(r["code"], r["house_no"], r["width_mm"]) for r in rows] == [
        ("QT0100001", "12", "300"),
        ("QT0100002", "14B", "300"),
    ]


@needs_tools
def test_plate_pdf_has_the_chosen_size_and_the_text(plated, village_a1, official_a, order):
    batch = order(village=village_a1, size="400x250", user=official_a)
    with batch.plates_file.open("rb") as fh, zipfile.ZipFile(fh) as zf:
        pdf = zf.read(sorted(zf.namelist())[1])
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout
    # 400 x 250 mm = 1133.86 x 708.66 pt
    assert b"1133.86 x 708.66" in info
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    for expected in ("Thôn Một", "Ngõ 3 Xóm Tây", "14B", "QT0100002", "Xã An Phú"):
        assert expected in text
    for name in ("Phạm Thị Riêng Tư", "0911222333"):
        assert name not in text


def test_module_size_stated_in_docs_holds_for_site_url(settings):
    settings.SITE_URL = "https://thon.example.vn"
    matrix = drawing.plate_matrix(address_url("QT0100001"))
    assert len(matrix) == 33  # version 4 at error correction Q
    assert round(drawing.module_mm(matrix, 300, 200), 1) == 3.3  # docs/plates.md
    assert drawing.module_mm(matrix, 150, 100) >= drawing.MIN_MODULE_MM


def test_too_small_modules_are_refused():
    matrix = drawing.plate_matrix("https://" + "x" * 300 + "/a/QT1")
    with pytest.raises(ValueError, match="below"):
        drawing.check_module(matrix, 150, 100)


def test_files_only_for_ordering_people_and_recorded(plated, village_a1, official_a, login, order):
    batch = order(village=village_a1, user=official_a)
    url = f"/field/plates/batches/{batch.pk}/proof/"
    client = login(official_a)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert ExportAudit.objects.filter(user=official_a, model="plates.platebatch").count() == 1
    assert client.get(f"/field/plates/batches/{batch.pk}/nope/").status_code == 404


def test_printed_once_and_counted(plated, village_a1, official_a, order):
    batch = order(village=village_a1, user=official_a)
    assert plate_batch_mark_printed(batch=batch)
    assert not plate_batch_mark_printed(batch=batch)
    counts = village_counts([village_a1.pk])[village_a1.pk]
    assert (counts["ordered"], counts["printed"], counts["installed"]) == (2, 2, 0)
