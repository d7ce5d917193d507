"""Demo data for the commune Quảng Tân; idempotent (a second run changes nothing)."""

import importlib

from django.core.management.base import BaseCommand
from django.db import transaction

from villages import demo

# Each app that has demo data exposes `seed_demo(commune, *, password, stdout)` in demo.py.
# Order matters: households before teams (activities touch residents), criteria last (roll-up).
DEMO_MODULES = [
    "households.demo",
    "digital_teams.demo",
    "payments.demo",
    "ocop.demo",
    "plates.demo",
    "criteria.demo",
]


class Command(BaseCommand):
    help = "Create the demo commune Quảng Tân with villages, users and data. Safe to re-run."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="smartvillage", help="Password of demo users.")

    def handle(self, *args, password, **options):
        with transaction.atomic():
            commune = demo.seed_demo(password=password, stdout=self.stdout)
        for name in DEMO_MODULES:
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name != name:
                    raise
                continue
            self.stdout.write(f"Demo data: {name}")
            with transaction.atomic():
                module.seed_demo(commune, password=password, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Demo commune {commune} is ready."))
