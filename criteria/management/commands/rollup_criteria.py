"""python manage.py rollup_criteria [--commune CODE] [--on YYYY-MM-DD]: recompute now."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from criteria.models import Assessment
from criteria.services import rollup_commune
from villages.models import Commune


class Command(BaseCommand):
    help = "Recompute every criterion of every active set (all communes with villages, or one)."

    def add_arguments(self, parser):
        parser.add_argument("--commune", help="Commune code (5 digits), e.g. 06913.")
        parser.add_argument("--on", help="Assessment date YYYY-MM-DD (default: today).")

    def handle(self, *args, commune=None, on=None, **options):
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
        for item in communes:
            run = rollup_commune(commune=item, on=day, trigger="command")
            rows = Assessment.objects.filter(run=run)
            met = rows.filter(status=Assessment.Status.MET).count()
            seconds = (run.finished_at - run.started_at).total_seconds()
            self.stdout.write(
                f"{item.code} {item.name}: {rows.count()} assessments, {met} met "
                f"({seconds:.2f} s, run {run.pk})"
            )
        self.stdout.write(self.style.SUCCESS(f"Rolled up {len(communes)} commune(s)."))
