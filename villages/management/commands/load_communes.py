from django.core.management.base import BaseCommand, CommandError

from villages.services import communes_load


class Command(BaseCommand):
    help = "Load communes from the official 2025 list (vietnam-provinces). Safe to re-run."

    def add_arguments(self, parser):
        parser.add_argument("--province", help="Only this province code, e.g. 22 (Quảng Ninh).")

    def handle(self, *args, province=None, **options):
        if province is not None:
            if not province.isdigit() or not 1 <= int(province) <= 99:
                raise CommandError("--province must be a province code such as 22.")
            province = f"{int(province):02d}"
        result = communes_load(province_code=province)
        if result.created + result.updated + result.unchanged == 0:
            raise CommandError(f"No commune found for province {province}.")
        self.stdout.write(
            f"Communes: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged."
        )
