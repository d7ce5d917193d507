"""Benchmark: a plate batch for a whole village of 800 households (issue 18).

Run:  DEBUG=true .venv/bin/python bench/plate_batch.py [--households 800] [--size 300x200]

Uses a throw-away SQLite database and private media in a temp directory (never your data),
like bench/ocop_render.py. Orders plates for every verified address of one village and renders
them as the Celery worker does (plates.rendering.plate_batch_render: claim, one vector PDF per
plate into the ZIP, the A4 proof sheet, the CSV manifest, atomic rename, status ready). Prints:
- the wall time of the render and per plate, and the CPU time of the process during it (less
  sensitive to other processes on a shared machine); the sizes of the three files;
- the peak memory: the process's resident peak (ru_maxrss) before and after the render (no
  tracemalloc: it slows the render several times over).
"""

from __future__ import annotations

import argparse
import datetime as dt
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
    parser.add_argument("--households", type=int, default=800)
    parser.add_argument("--size", default="300x200")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="plates-bench-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(work / "media")
    os.environ["PRIVATE_MEDIA_ROOT"] = str(work / "private")
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartvillage.settings")
    os.environ.pop("REDIS_URL", None)  # the render is called directly, never sent

    import django

    django.setup()
    import logging

    logging.disable(logging.WARNING)
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", verbosity=0)

    from households.models import DigitalAddress, Household
    from plates.models import PlateBatch
    from plates.rendering import plate_batch_render
    from plates.services import plate_batch_create
    from villages.models import Commune, Village

    commune = Commune.objects.create(
        code="06913", name="Xã Quảng Tân", province_code="22", province_name="Tỉnh Quảng Ninh"
    )
    village = Village.objects.create(commune=commune, number=1, name="Tân Thanh")
    Household.objects.bulk_create(
        Household(village=village, number=str(n), house_no=str(n), lane=f"Xóm {n % 7 + 1}")
        for n in range(1, args.households + 1)
    )
    DigitalAddress.objects.bulk_create(
        DigitalAddress(
            household=h,
            location_code=f"QT01{int(h.number):05d}",
            latitude="21.355000",
            longitude="107.595000",
            source="police",
            verified_on=dt.date(2026, 3, 2),
        )
        for h in Household.objects.filter(village=village)
    )
    # Ordered without a worker: the send on commit is skipped, the render is timed below.
    from unittest import mock

    with mock.patch("plates.services.enqueue_on_commit"), transaction.atomic():
        batch = plate_batch_create(village=village, size=args.size, user=None)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cpu_before = time.process_time()
    started = time.perf_counter()
    result = plate_batch_render(batch_id=batch.pk)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_before
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    batch = PlateBatch.objects.get(pk=batch.pk)
    sizes = {
        kind: Path(getattr(batch, f"{kind}_file").path).stat().st_size / 1e6
        for kind in ("plates", "proof", "manifest")
    }
    print(f"plate batch: {batch.quantity} plates of {args.size} mm, result {result}")
    print(
        f"render: {elapsed:.1f} s wall ({elapsed / batch.quantity * 1000:.1f} ms a plate), "
        f"{cpu:.1f} s CPU ({cpu / batch.quantity * 1000:.1f} ms a plate)"
    )
    print(
        "files: plates ZIP {plates:.1f} MB, proof sheet {proof:.1f} MB, manifest {manifest:.2f} MB"
        .format(**sizes)
    )  # fmt: skip
    print(f"peak memory: process {rss_after:.0f} MB (before the render {rss_before:.0f} MB)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
