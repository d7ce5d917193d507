"""Benchmark: render a 10,000-stamp e-stamp batch (stamps + PNGs + ZIP + A4 PDF).

Run:  DEBUG=true .venv/bin/python bench/ocop_render.py [--quantity 10000]

Uses a throw-away SQLite database and MEDIA_ROOT in a temp directory (never your data). Prints:
- the time of the whole batch (ocop.rendering.stamp_batch_render: claim, bulk insert of the
  stamps, one QR matrix per stamp, PNG + ZIP, PDF sheets, atomic rename, status ready);
- the time of the bare loop "encode + PNG with the QR library alone" (qrcode.make(url).save())
  for the same URLs, and the ratio of the two;
- the peak memory of the process (resource.getrusage ru_maxrss).
Targets (issue 6): whole batch <= 60 s on the 2-core machine and <= 4x the bare loop.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quantity", type=int, default=10_000)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ocop-bench-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(work / "media")
    os.environ["PRIVATE_MEDIA_ROOT"] = str(work / "private")
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartvillage.settings")

    import django

    django.setup()
    import logging

    logging.disable(logging.WARNING)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    from ocop.models import Producer, Product, StampBatch
    from ocop.rendering import stamp_batch_render
    from villages.models import Commune, Village

    commune = Commune.objects.create(
        code="06913", name="Xã Quảng Tân", province_code="22", province_name="Tỉnh Quảng Ninh"
    )
    village = Village.objects.create(commune=commune, number=1, name="Tân Thanh")
    producer = Producer.objects.create(kind="cooperative", name="HTX Ong", village=village)
    product = Product.objects.create(
        producer=producer, name="Mật ong hoa rừng Quảng Tân", group="food", score=78
    )
    import datetime as dt

    batch = StampBatch.objects.create(
        product=product,
        lot_code="BENCH-1",
        produced_on=dt.date(2025, 3, 1),
        best_before=dt.date(2027, 3, 1),
        quantity=args.quantity,
    )

    started = time.perf_counter()
    result = stamp_batch_render(batch_id=batch.pk)
    whole = time.perf_counter() - started
    batch.refresh_from_db()
    assert result == "ready", (result, batch.error)
    pdf = Path(batch.pdf_file.path)
    zipped = Path(batch.zip_file.path)

    urls = [s.url for s in batch.stamps.order_by("sequence")]
    started = time.perf_counter()
    for url in urls:
        image = qrcode.make(url, error_correction=ERROR_CORRECT_M, border=4)
        image.save(io.BytesIO(), format="PNG")
    bare = time.perf_counter() - started

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"stamps:                      {args.quantity:,}")
    print(f"whole batch (stamps+PNG+PDF): {whole:7.1f} s   (target <= 60 s)")
    print(f"bare qrcode encode+PNG loop:  {bare:7.1f} s")
    print(f"ratio whole / bare:           {whole / bare:7.2f}    (target <= 4)")
    print(f"PDF {pdf.stat().st_size / 1e6:.1f} MB, ZIP {zipped.stat().st_size / 1e6:.1f} MB")
    print(f"peak memory (ru_maxrss):      {peak_mb:7.0f} MB")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
