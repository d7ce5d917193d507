"""Send again the Celery tasks that could not be sent while Redis was down (core/jobs.py)."""

from django.core.management.base import BaseCommand

from core.jobs import requeue_pending


class Command(BaseCommand):
    help = "Send again the tasks recorded while the broker was down, and long-queued jobs."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-lost", action="store_true", help="Only the recorded tasks, not queued rows."
        )

    def handle(self, *args, **options):
        counts = requeue_pending(include_lost=not options["no_lost"])
        self.stdout.write(
            "sent {sent}, still failing {failed}, queued rows sent again {lost_requeued}".format(
                **counts
            )
        )
        if counts["failed"]:
            raise SystemExit(1)
