"""Anonymise residents who moved away or died longer ago than the retention period.

Dry run by default (prints how many would be anonymised); --apply writes. Rule and fields:
households/retention.py and docs/security.md. Run it monthly (cron or a systemd timer).
"""

from django.core.management.base import BaseCommand

from households.retention import anonymise, residents_due, retention_years


class Command(BaseCommand):
    help = "Anonymise personal data of residents gone (moved/deceased) for N years (dry run)."

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="Write (default: dry run).")
        parser.add_argument(
            "--years", type=int, default=None, help="Retention in years (default: settings)."
        )

    def handle(self, *args, apply=False, years=None, **options):
        years = retention_years() if years is None else years
        due = residents_due(years=years)
        count = due.count()
        if not apply:
            self.stdout.write(
                f"dry run: {count} residents gone for more than {years} years would be "
                "anonymised (use --apply)"
            )
            return
        done = anonymise(due)
        self.stdout.write(f"anonymised {done} residents gone for more than {years} years")
