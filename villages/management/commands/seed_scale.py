"""manage.py seed_scale: a province-scale data set for benchmarks.

A thin command: the generator and its writer live in bench/scale/ (developer tooling, not part of
the portal), imported only when the command runs.
"""

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Generate a province-scale data set (communes x villages x households with residents, "
        "addresses, teams, payments, OCOP). Example, 400,000 households: "
        "--communes 50 --villages-per-commune 10 --households-per-village 800. "
        "Use a dedicated database: see bench/README.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--communes", type=int, required=True)
        parser.add_argument("--villages-per-commune", type=int, default=10)
        parser.add_argument("--households-per-village", type=int, default=800)
        parser.add_argument(
            "--batch", type=int, default=5000, help="Households per COPY batch (memory cap)."
        )
        parser.add_argument("--stamps-per-commune", type=int, default=200)
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument(
            "--password",
            default=None,
            help="Password of the generated users (scale-<commune>-official, "
            "scale-<village>-leader); default: bench.scale.DEFAULT_PASSWORD.",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the data of communes that already hold scale data, then generate.",
        )
        parser.add_argument(
            "--reset-only",
            action="store_true",
            help="Delete every scale commune's data and stop.",
        )

    def handle(self, *args, **opts):
        from bench.scale import (
            DEFAULT_PASSWORD,
            Options,
            ScaleError,
            reset_communes,
            scale_commune_codes,
            seed_scale,
        )

        try:
            if opts["reset_only"]:
                reset_communes(scale_commune_codes(), stdout=self.stdout)
                return
            seed_scale(
                Options(
                    communes=opts["communes"],
                    villages_per_commune=opts["villages_per_commune"],
                    households_per_village=opts["households_per_village"],
                    batch=opts["batch"],
                    stamps_per_commune=opts["stamps_per_commune"],
                    password=opts["password"] or DEFAULT_PASSWORD,
                    seed=opts["seed"],
                ),
                reset=opts["reset"],
                stdout=self.stdout,
            )
        except ScaleError as exc:
            raise CommandError(str(exc)) from exc
