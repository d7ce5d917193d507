"""Benchmark case: render one e-stamp batch on the benchmark database, as the Celery worker does.

Run by bench/run.py in a subprocess (its peak memory is the worker's):

    python bench/stamp_batch.py --quantity 10000

Creates a batch for an OCOP-rated product of the scale data set, calls
ocop.rendering.stamp_batch_render (claim, stamps, PNG + ZIP, A4 PDF, ready), then deletes the batch,
its stamps and its files (MEDIA_ROOT is a temporary directory). Prints one JSON line.
For the ratio to the bare `qrcode` loop see bench/ocop_render.py (SQLite, run separately).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
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
    media = Path(tempfile.mkdtemp(prefix="bench-stamps-"))
    os.environ["MEDIA_ROOT"] = str(media)
    os.environ["PRIVATE_MEDIA_ROOT"] = str(media) + "-private"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    import logging

    logging.disable(logging.WARNING)
    from ocop.models import Product, StampBatch
    from ocop.rendering import stamp_batch_render

    product = Product.objects.filter(stars__gte=3).order_by("pk").first()
    if product is None:
        sys.exit("No OCOP-rated product: run manage.py seed_scale first.")
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    batch = StampBatch.objects.create(
        product=product,
        lot_code=f"BENCH-{int(time.time())}",
        produced_on=dt.date.today(),
        best_before=dt.date.today() + dt.timedelta(days=365),
        quantity=args.quantity,
    )
    try:
        started = time.perf_counter()
        status = stamp_batch_render(batch_id=batch.pk)
        seconds = time.perf_counter() - started
        batch.refresh_from_db()
        sizes = {}
        for name in ("pdf_file", "zip_file"):
            file = getattr(batch, name)
            if file:
                sizes[name] = Path(file.path).stat().st_size
    finally:
        StampBatch.objects.filter(pk=batch.pk).delete()
        shutil.rmtree(media, ignore_errors=True)
        shutil.rmtree(f"{media}-private", ignore_errors=True)
    print(
        json.dumps(
            {
                "status": status,
                "seconds": seconds,
                "quantity": args.quantity,
                "baseline_mb": baseline,
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "bytes": sizes,
                "error": batch.error,
            }
        )
    )


if __name__ == "__main__":
    main()
