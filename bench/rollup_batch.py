"""Benchmark (issue 21 item 4): the batched roll-up of all communes and the incremental roll-up.

    DATABASE_URL=postgres://.../sv_db .venv/bin/python bench/rollup_batch.py [--repeat 5]

Also a case of bench/run.py (`--only rollup`, `case(results, communes, args)`). Every timed run
is in a transaction that is rolled back; each case and its reference are warmed up, interleaved
and given as the median of >= 5 samples with their spread:
- all communes, batched (`criteria.batch.rollup_communes`) vs its own SQL replayed by a bare
  cursor (the same reads, locks and snapshot writes): the ORM's and Python's cost on top;
- the one-by-one code (`rollup_commune` per commune: requested runs and the province roll-up;
  the nightly beat runs the batched path) vs its own SQL replayed, as bench/run.py's "all
  communes" case;
- the batched run vs the SQL of the one-by-one code replayed, and the one-by-one code vs the
  batched SQL: what batching saves;
- incremental (`rollup_commune_incremental`, one village changed) vs a full roll-up of the same
  commune, and vs its own SQL replayed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _interleaved(functions: dict, samples: int) -> dict:
    for function in functions.values():
        function()  # warm-up
    runs = {name: [] for name in functions}
    for _ in range(samples):
        for name, function in functions.items():
            started = time.perf_counter()
            function()
            runs[name].append(time.perf_counter() - started)
    return {name: (statistics.median(r), r) for name, r in runs.items()}


def _rolled_back(function):
    from django.db import transaction

    def run():
        with transaction.atomic():
            function()
            transaction.set_rollback(True)

    return run


def _statements(function) -> list[str]:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    with transaction.atomic():
        with CaptureQueriesContext(connection) as ctx:
            function()
        transaction.set_rollback(True)
    return [q["sql"] for q in ctx.captured_queries]


def _replay(statements: list[str]):
    from django.db import connection

    def run():
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                if cursor.description is not None:
                    cursor.fetchall()

    return _rolled_back(run)


def _row(case, timing, value, reference, *, queries=None, target=None, reference_runs=True):
    """One printed row: `value` against `reference` (keys of `timing`), their samples."""
    row = {
        "case": case,
        "value": timing[value][0],
        "reference": timing[reference][0],
        "runs": timing[value][1],
    }
    if reference_runs:
        row["reference_runs"] = timing[reference][1]
    if queries is not None:
        row["queries"] = queries
    if target:
        row["target"] = target
    return row


def measure(communes, samples: int = 5) -> list[dict]:
    """Rows: case, value (s), reference (s), runs, reference_runs, queries."""
    from django.db import transaction
    from django.utils import timezone

    from core import dataversion
    from criteria.batch import changed_villages, rollup_commune_incremental, rollup_communes
    from criteria.services import rollup_commune
    from households.models import Resident

    on = timezone.localdate()
    rows = []

    def batched():
        rollup_communes(communes, on=on, trigger="bench")

    def one_by_one():
        for commune in communes:
            rollup_commune(commune=commune, on=on, trigger="bench")

    batch_sql = _statements(batched)
    loop_sql = _statements(one_by_one)
    timing = _interleaved(
        {
            "batched": _rolled_back(batched),
            "replay": _replay(batch_sql),
            "loop": _rolled_back(one_by_one),
            "loop_replay": _replay(loop_sql),
        },
        samples,
    )
    rows.append(
        _row(f"roll-up, all {len(communes)} communes, batched", timing, "batched", "replay",
             queries=len(batch_sql), target="<= 1.5x")
    )  # fmt: skip
    rows.append(
        _row("  batched vs the one-by-one code's SQL replayed (bench/run.py's reference)",
             timing, "batched", "loop_replay", queries=len(loop_sql))
    )  # fmt: skip
    # The nightly beat (criteria.tasks.rollup_all_communes) runs the batched path above, by
    # batches of ROLLUP_BATCH_SIZE communes (rollup_runs_task); requested runs ("Roll up now",
    # the admin) and the province roll-up still call rollup_commune one commune at a time.
    rows.append(
        _row(f"roll-up, all {len(communes)} communes one by one (rollup_commune, requested"
             " runs' path)", timing, "loop", "loop_replay", queries=len(loop_sql),
             target="<= 1.5x")
    )  # fmt: skip
    rows.append(
        _row(f"  one by one (rollup_commune x {len(communes)}) vs the batched SQL", timing,
             "loop", "replay", queries=len(loop_sql), reference_runs=False)
    )  # fmt: skip

    # Incremental: a committed full roll-up records the versions; then one resident changes.
    commune = communes[0]
    with transaction.atomic():
        rollup_communes([commune], on=on, trigger="bench")
    resident = Resident.objects.filter(household__village__commune=commune).order_by("pk").first()
    if resident is not None:
        resident.has_smartphone = not resident.has_smartphone
        resident.save()  # a real write: the signal moves the village's version
    changed = changed_villages(commune, on=on)
    if changed is None:
        print("incremental: the recorded versions are missing (no shared cache?)")
        return rows

    def incremental():
        rollup_commune_incremental(commune, on=on, trigger="bench")

    def full():
        rollup_commune(commune=commune, on=on, trigger="bench")

    incremental_sql = _statements(incremental)
    timing = _interleaved(
        {
            "incremental": _rolled_back(incremental),
            "replay": _replay(incremental_sql),
            "full": _rolled_back(full),
        },
        samples,
    )
    villages = commune.villages.count()
    rows.append(
        _row(f"roll-up, incremental ({commune.code}: {len(changed)} of {villages} villages"
             " changed)", timing, "incremental", "replay", queries=len(incremental_sql),
             target="<= 1.5x")
    )  # fmt: skip
    rows.append(
        _row("  full roll-up of the same commune vs the incremental", timing, "full",
             "incremental", reference_runs=False)
    )  # fmt: skip
    # Leave the commune rolled up at its data version (the next incremental run has nothing).
    with transaction.atomic():
        rollup_communes([commune], on=on, trigger="bench")
    dataversion.village_tokens([v.pk for v in commune.villages.all()])
    return rows


def case(results, communes, args) -> None:
    """bench/run.py: the rows of measure() added to the run's table."""
    for row in measure(communes, max(5, args.repeat)):
        ratio_target = row.pop("target", "")
        value, reference = row.pop("value"), row.pop("reference")
        met = value <= 1.5 * reference if ratio_target else None
        results.add(row.pop("case"), value, reference, target=ratio_target, met=met, **row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--communes", type=int, default=0, help="at most this many (0: all)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartvillage.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 50)
    import django

    django.setup()
    from django.db import connection

    from villages.models import Commune

    if connection.vendor != "postgresql":
        sys.exit("bench/rollup_batch.py: PostgreSQL only (set DATABASE_URL).")
    communes = list(
        Commune.objects.filter(villages__households__isnull=False).distinct().order_by("code")
    )
    if args.communes:
        communes = communes[: args.communes]
    for row in measure(communes, max(5, args.repeat)):
        runs = row.get("runs") or []
        spread = f"{min(runs):.3f}-{max(runs):.3f}" if runs else ""
        ref_runs = row.get("reference_runs") or []
        if ref_runs:
            spread += f", ref {min(ref_runs):.3f}-{max(ref_runs):.3f}"
        ratio = row["value"] / row["reference"] if row["reference"] else float("nan")
        print(
            f"{row['case']:64s} {row['value']:8.3f} s  ref {row['reference']:8.3f} s  "
            f"{ratio:5.2f}x  (runs {spread}, queries {row.get('queries', '-')})"
        )


if __name__ == "__main__":
    main()
