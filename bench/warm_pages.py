"""Benchmark (issue 21 item 3): the first visitor after a roll-up, with the background warm-up.

    DATABASE_URL=postgres://.../sv_db .venv/bin/python bench/warm_pages.py [--repeat 5]

Also a case of bench/run.py (`--only pages`). Each sample: a real roll-up of the commune
(committed: its data version moves, every cached public page of the commune is stale), the
warm job the roll-up sends (dashboards.warm.warm_public_pages, run here in-process as the worker
would), then the first anonymous request of the village and the commune page, each against the
trivial view of the same run; the web process's local layer (core.local_cache) is emptied
first, as the job runs in a worker. Also: the next visitor (a process-local hit), both in the
same process, and the same first request without the warm job.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _get(client, url) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def measure(commune, samples: int = 5) -> list[dict]:
    from django.test import Client

    from core import local_cache
    from criteria.services import rollup_commune
    from dashboards.warm import warm_public_pages

    village = commune.villages.order_by("number").first()
    urls = {
        f"village dashboard /villages/{village.code}/": f"/villages/{village.code}/",
        f"commune page /communes/{commune.code}/": f"/communes/{commune.code}/",
    }
    client = Client()
    _get(client, "/bench/trivial/")
    warm, cold, trivial = {k: [] for k in urls}, {k: [] for k in urls}, []
    here, second = {k: [] for k in urls}, {k: [] for k in urls}
    for _ in range(samples):
        for label, url in urls.items():
            rollup_commune(commune=commune, trigger="bench")
            warm_public_pages(commune.pk)
            # The roll-up and the warm job ran in a worker: this web process has not seen the
            # new token nor the new body (core.local_cache: its layer starts empty).
            local_cache.reset_public()
            warm[label].append(_get(client, url))
            trivial.append(_get(client, "/bench/trivial/"))
            second[label].append(_get(client, url))  # the next visitor: this process's memory
            trivial.append(_get(client, "/bench/trivial/"))
            rollup_commune(commune=commune, trigger="bench")
            warm_public_pages(commune.pk)  # both in this process: its own layer already warm
            here[label].append(_get(client, url))
            trivial.append(_get(client, "/bench/trivial/"))
            rollup_commune(commune=commune, trigger="bench")  # no warm job this time
            cold[label].append(_get(client, url))
            trivial.append(_get(client, "/bench/trivial/"))
    reference = statistics.median(trivial)
    rows = []
    for label in urls:
        rows.append(
            {
                "case": f"{label}, first visitor after a roll-up (warmed)",
                "value": statistics.median(warm[label]),
                "reference": reference,
                "runs": warm[label],
                "target": "<= 4x",
            }
        )
        for name, runs in (
            ("  next visitor (process-local hit)", second[label]),
            ("  roll-up and warm job in this same process", here[label]),
        ):
            rows.append(
                {"case": name, "value": statistics.median(runs), "reference": reference,
                 "runs": runs}
            )  # fmt: skip
        rows.append(
            {
                "case": "  same without the warm job (cold)",
                "value": statistics.median(cold[label]),
                "reference": reference,
                "runs": cold[label],
            }
        )
    return rows


def case(results, communes, args) -> None:
    """bench/run.py: the rows of measure() added to the run's table."""
    for row in measure(communes[0], max(5, args.repeat)):
        target = row.pop("target", "")
        value, reference = row.pop("value"), row.pop("reference")
        met = value <= 4 * reference if target else None
        results.add(row.pop("case"), value, reference, target=target, met=met, **row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--commune", default="", help="commune code (default: the first)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 50)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
    import django

    django.setup()
    from villages.models import Commune

    found = Commune.objects.filter(villages__households__isnull=False).distinct().order_by("code")
    commune = found.filter(code=args.commune).first() if args.commune else found.first()
    for row in measure(commune, max(5, args.repeat)):
        runs = row["runs"]
        value, reference = row["value"] * 1000, row["reference"] * 1000
        print(
            f"{row['case']:72s} {value:7.1f} ms  ref {reference:5.1f} ms  {value / reference:5.1f}x"
            f"  (runs {min(runs) * 1000:.1f}-{max(runs) * 1000:.1f} ms)"
        )


if __name__ == "__main__":
    main()
