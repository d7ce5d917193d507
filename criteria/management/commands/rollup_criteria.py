"""python manage.py rollup_criteria [--commune CODE] [--on YYYY-MM-DD] [--batched | --incremental]

Recompute now. --batched computes every commune's village indicators together (criteria.batch,
faster for many communes); --incremental recomputes only the villages whose data changed since
their last roll-up today (a full run otherwise). Both write the same snapshot a plain run writes.
--incremental knows a change only by the data version the portal's write paths move: after
writes made outside the portal (SQL, a shell's queryset.update), run it plain.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from criteria.batch import rollup_commune_incremental, rollup_communes
from criteria.models import Assessment
from criteria.services import rollup_commune
from villages.models import Commune


class Command(BaseCommand):
    help = "Recompute every criterion of every active set (all communes with villages, or one)."

    def add_arguments(self, parser):
        parser.add_argument("--commune", help="Commune code (5 digits), e.g. 06913.")
        parser.add_argument("--on", help="Assessment date YYYY-MM-DD (default: today).")
        how = parser.add_mutually_exclusive_group()
        how.add_argument("--batched", action="store_true", help="All communes' indicators at once.")
        how.add_argument(
            "--incremental", action="store_true", help="Only villages whose data changed."
        )

    def handle(self, *args, commune=None, on=None, batched=False, incremental=False, **options):
        try:
            day = dt.date.fromisoformat(on) if on else None
        except ValueError as exc:
            raise CommandError("--on must be a date YYYY-MM-DD.") from exc
        if commune:
            communes = list(Commune.objects.filter(code=commune))
            if not communes:
                raise CommandError(f"No commune with code {commune}.")
        else:
            communes = list(Commune.objects.filter(villages__isnull=False).distinct())
        if batched:
            runs = rollup_communes(communes, on=day, trigger="command")
        elif incremental:
            runs = [rollup_commune_incremental(c, on=day, trigger="command")[0] for c in communes]
        else:
            runs = [rollup_commune(commune=c, on=day, trigger="command") for c in communes]
        for item, run in zip(communes, runs, strict=True):
            rows = Assessment.objects.filter(run=run)
            met = rows.filter(status=Assessment.Status.MET).count()
            seconds = (run.finished_at - run.started_at).total_seconds()
            self.stdout.write(
                f"{item.code} {item.name}: {rows.count()} assessments, {met} met "
                f"({seconds:.2f} s, run {run.pk})"
            )
        self.stdout.write(self.style.SUCCESS(f"Rolled up {len(communes)} commune(s)."))
