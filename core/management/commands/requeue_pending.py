"""Send again the Celery tasks that could not be sent while Redis was down (core/jobs.py)."""

from django.core.management.base import BaseCommand

from core.jobs import requeue_pending


class Command(BaseCommand):
    help = (
        "Send again the tasks recorded while the broker was down, the jobs whose message was "
        "lost and the jobs whose worker died (stale heartbeat)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-lost",
            action="store_true",
            help="Only the recorded tasks, not lost or stale jobs.",
        )

    def handle(self, *args, **options):
        counts = requeue_pending(include_lost=not options["no_lost"])
        self.stdout.write(
            "sent {sent}, still failing {failed}, unknown (kept) {unknown}, "
            "lost or stale jobs sent again {lost_requeued}".format(**counts)
        )
        if counts["failed"]:
            raise SystemExit(1)
