"""Sending Celery tasks without losing any when the broker (Redis) is down.

`enqueue(task, *args)` sends the task; when the broker cannot be reached it records the call as a
`PendingTask` row and returns False, so the page can tell the user the job is waiting instead of
failing with a 500. `requeue_pending()` (management command `requeue_pending`, and the beat task
`core.tasks.requeue_pending` every few minutes) sends the recorded calls again, and also re-sends
the rows that are still queued in the database long after they were created (a message lost when
Redis restarted without persistence). Every task of the portal is idempotent (conditional
UPDATE claims), so sending one twice does the work once.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

# Rows still "queued" this long after they were created are sent again by requeue_pending.
LOST_AFTER = dt.timedelta(minutes=5)


def _broker_errors() -> tuple[type[BaseException], ...]:
    from kombu.exceptions import OperationalError

    errors: list[type[BaseException]] = [OperationalError, ConnectionError, OSError, TimeoutError]
    try:
        import redis

        errors.append(redis.exceptions.RedisError)
    except ImportError:  # pragma: no cover - redis is a requirement
        pass
    return tuple(errors)


def enqueue(task, *args, record: bool = True) -> bool:
    """Send `task(*args)`; False (and a PendingTask row) when the broker is unreachable."""
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        task.delay(*args)  # in-process (demo, tests): errors propagate as before
        return True
    try:
        task.apply_async(args=args, retry=False)
        return True
    except _broker_errors():
        logger.warning("task %s not sent (broker unreachable): kept for requeue_pending", task.name)
        if record:
            from .models import PendingTask

            PendingTask.objects.create(task=task.name, args=list(args))
        return False


def enqueue_on_commit(task, *args, on_waiting=None) -> None:
    """Send the task once the current transaction commits; `on_waiting()` is called when the
    broker was unreachable (e.g. to add a "the job is waiting" message for the user)."""

    def send():
        if not enqueue(task, *args) and on_waiting is not None:
            on_waiting()

    transaction.on_commit(send)


def _lost_rows(now) -> list[tuple[str, int]]:
    """(task name, id) of rows whose message may have been lost: queued for too long."""
    from households.importer import INLINE_MAX_ROWS
    from households.models import HouseholdImport
    from ocop.models import StampBatch

    cut = now - LOST_AFTER
    rows = [
        ("ocop.tasks.render_stamp_batch", pk)
        for pk in StampBatch.objects.filter(
            status=StampBatch.Status.QUEUED, created_at__lt=cut, revoked_at__isnull=True
        ).values_list("pk", flat=True)
    ]
    imports = HouseholdImport.objects.filter(created_at__lt=cut, total_rows__gt=INLINE_MAX_ROWS)
    rows += [
        ("households.tasks.household_import_check_task", pk)
        for pk in imports.filter(status=HouseholdImport.Status.QUEUED).values_list("pk", flat=True)
    ]
    rows += [
        ("households.tasks.household_import_apply_task", pk)
        for pk in imports.filter(status=HouseholdImport.Status.CONFIRMED).values_list(
            "pk", flat=True
        )
    ]
    return rows


def requeue_pending(*, now=None, include_lost: bool = True) -> dict[str, int]:
    """Send the recorded tasks (and the long-queued rows) again. Returns counts."""
    from celery import current_app

    from .models import PendingTask

    sent = failed = lost = 0
    for pending in PendingTask.objects.all():
        task = current_app.tasks.get(pending.task)
        if task is None:
            logger.error("requeue_pending: unknown task %s dropped", pending.task)
            pending.delete()
            continue
        if enqueue(task, *pending.args, record=False):
            pending.delete()
            sent += 1
        else:
            PendingTask.objects.filter(pk=pending.pk).update(attempts=pending.attempts + 1)
            failed += 1
    if include_lost and not failed:
        for name, pk in _lost_rows(now or timezone.now()):
            if enqueue(current_app.tasks[name], pk):
                lost += 1
    return {"sent": sent, "failed": failed, "lost_requeued": lost}
