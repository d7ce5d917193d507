"""The one way background jobs are sent, recorded when they cannot be, and recovered.

- `enqueue(task, *args)` / `enqueue_on_commit(task, *args, on_waiting=...)`: every Celery task
  of the portal is sent here (a test walks the code and fails on any other `.delay`,
  `.apply_async` or `send_task`). The send never waits on the result store (ignore_result: no
  round trip to the result backend) and uses the short broker timeouts of settings.py, so a
  stopped Redis costs a request about a second at most. Whatever the failure (refused
  connection, timeout, the result backend's "Retry limit exceeded"), the call is recorded as a
  `PendingTask` row and False is returned: the caller tells the user the job is waiting; it
  never becomes a 500.
- `register(name, tasks=..., recover=...)`: each app registers its jobs in its own `jobs.py`
  module (found by `registered_jobs()`): which tasks it may send and a `recover(now)` function
  that moves its lost or stale rows back to "waiting" with a conditional UPDATE (so only one
  caller wins) and returns the `(task name, args)` to send again (`recover_claimed(model,
  task)` builds it for a row claimed with `claim_token` + `heartbeat_at`). Core names no other
  app's models.
- Heartbeats: a running job renews a claim on its row (`heartbeat_at`, every
  `heartbeat_every()` seconds, from the work loop or from `keep_alive()`); a claim older than
  `heartbeat_stale()` (JOBS_HEARTBEAT_STALE, 60 s) belongs to a dead worker and is taken over.
- `requeue_pending()` (command `manage.py requeue_pending`, and the beat task
  `core.tasks.requeue_pending` every JOBS_REQUEUE_EVERY seconds): sends the recorded calls by
  name (no NotRegistered: nothing needs importing to send), deletes a row only after its send
  succeeded, then runs every registered `recover`.

Every task is idempotent (conditional UPDATE claims with a token), so a job sent twice runs once.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

logger = logging.getLogger(__name__)


def heartbeat_stale() -> dt.timedelta:
    """A running job whose heartbeat is older than this is considered dead."""
    return dt.timedelta(seconds=getattr(settings, "JOBS_HEARTBEAT_STALE", 60))


def heartbeat_every() -> float:
    """How often a running job renews its claim (a quarter of the stale delay)."""
    return heartbeat_stale().total_seconds() / 4


def lost_after() -> dt.timedelta:
    """A job still waiting this long after it was sent is sent again (message lost)."""
    return dt.timedelta(seconds=getattr(settings, "JOBS_LOST_AFTER", 300))


# --- Sending ------------------------------------------------------------------------------------


def _app():
    """The project's Celery app: smartvillage/__init__.py creates it and Celery makes it the
    current app, so core names no module of the project above it."""
    from celery import current_app

    return current_app._get_current_object()


def _task_name(task) -> str:
    return task if isinstance(task, str) else task.name


def enqueue(task, *args, record: bool = True) -> bool:
    """Send `task(*args)` (a task or its name); False (and a PendingTask row) when it could not
    be sent. Eager mode (demo, tests): runs in-process and errors propagate."""
    app = _app()
    name = _task_name(task)
    if app.conf.task_always_eager:
        if name not in app.tasks:  # sent by name: the tasks modules may not be imported yet
            app.loader.import_default_modules()  # runs the apps' task autodiscovery
        app.tasks[name].apply_async(args=list(args))
        return True
    started = time.monotonic()
    try:
        # By name: the sender needs no task module imported. ignore_result: the request path
        # never subscribes to (nor waits for) the result backend.
        app.send_task(name, args=list(args), ignore_result=True, retry=False)
        return True
    except Exception as exc:  # any failure to send means "waiting", never a 500
        logger.warning(
            "task %s not sent after %.2f s (%s): kept for requeue_pending",
            name,
            time.monotonic() - started,
            type(exc).__name__,
        )
        if record:
            from .models import PendingTask

            PendingTask.objects.create(task=name, args=list(args))
        return False


def enqueue_on_commit(task, *args, on_waiting: Callable[[], None] | None = None) -> None:
    """Send the task once the current transaction commits; `on_waiting()` is called when it
    could not be sent (e.g. to add a "the job is waiting" message for the user)."""

    def send():
        if not enqueue(task, *args) and on_waiting is not None:
            on_waiting()

    transaction.on_commit(send)


# --- Registry of each app's jobs ----------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    name: str
    tasks: tuple[str, ...]
    recover: Callable[[dt.datetime], Iterable[tuple[str, list]]]


_JOBS: dict[str, Job] = {}
_discovered = False


def register(
    name: str,
    *,
    tasks: Iterable[str],
    recover: Callable[[dt.datetime], Iterable[tuple[str, list]]],
) -> None:
    """Register an app's job (called at import of `<app>/jobs.py`)."""
    _JOBS[name] = Job(name=name, tasks=tuple(tasks), recover=recover)


def registered_jobs() -> dict[str, Job]:
    """Every app's registered jobs; imports each installed app's `jobs` and `tasks` modules."""
    global _discovered
    if not _discovered:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("jobs")
        autodiscover_modules("tasks")
        _discovered = True
    return dict(_JOBS)


def known_tasks() -> set[str]:
    registered_jobs()
    names = {name for name in _app().tasks if not name.startswith("celery.")}
    for job in _JOBS.values():
        names.update(job.tasks)
    return names


def recover_claimed(model, task: str) -> Callable[[dt.datetime], list[tuple[str, list]]]:
    """The `recover(now)` of a job row claimed with a `claim_token` and kept alive by
    `heartbeat_at` (province roll-ups, criteria roll-up runs): a row `Status.RUNNING` whose
    heartbeat is older than heartbeat_stale() (its worker died) and one `Status.QUEUED` still
    waiting lost_after() after it was last sent go back to "queued" with one conditional UPDATE
    each (only one requeue wins, heartbeat_at = when it was sent again) and `task` is sent
    again with the row's pk. The claim makes a duplicate delivery a no-op."""
    status = model.Status

    def recover(now: dt.datetime) -> list[tuple[str, list]]:
        conditions = [
            Q(status=status.RUNNING, heartbeat_at__lt=now - heartbeat_stale()),
            Q(status=status.QUEUED, heartbeat_at__lt=now - lost_after()),
        ]
        sends = []
        for condition in conditions:
            for pk in model.objects.filter(condition).values_list("pk", flat=True):
                if model.objects.filter(condition, pk=pk).update(
                    status=status.QUEUED, claim_token="", heartbeat_at=now
                ):
                    sends.append((task, [pk]))
        return sends

    return recover


# --- Heartbeats ---------------------------------------------------------------------------------


@contextmanager
def keep_alive(renew: Callable[[], object]):
    """Call `renew()` every heartbeat_every() seconds in a thread (its own database connection)
    while the block runs: for work that sits inside one long transaction, whose own writes are
    invisible until it commits. SQLite (the embedded demo, eager tasks) has one writer at a
    time, so there the claim is only the initial heartbeat."""
    if connection.vendor == "sqlite":
        yield
        return
    stop = threading.Event()

    def beat():
        from django.db import connections

        try:
            while not stop.wait(heartbeat_every()):
                try:
                    renew()
                except Exception:
                    logger.warning("heartbeat not renewed", exc_info=True)
        finally:
            connections.close_all()

    thread = threading.Thread(target=beat, name="job-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)


# --- Recovery -----------------------------------------------------------------------------------


def _requeue_recorded(known: set[str], counts: dict[str, int]) -> None:
    from .models import PendingTask

    for pk in list(PendingTask.objects.values_list("pk", flat=True)):
        with transaction.atomic():
            # Locked while it is sent: a concurrent requeue (beat and command) skips it.
            pending = PendingTask.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if pending is None:
                continue
            if pending.task not in known:
                # Kept (never dropped): an operator decides; it is counted and logged.
                logger.error("requeue_pending: unknown task %s kept", pending.task)
                counts["unknown"] += 1
                continue
            if enqueue(pending.task, *pending.args, record=False):
                pending.delete()
                counts["sent"] += 1
            else:
                PendingTask.objects.filter(pk=pk).update(attempts=F("attempts") + 1)
                counts["failed"] += 1
                return  # the broker is still down: the rest waits for the next round


def requeue_pending(*, now: dt.datetime | None = None, include_lost: bool = True) -> dict[str, int]:
    """Send the recorded tasks again, then every app's lost or stale jobs. Returns counts."""
    counts = {"sent": 0, "failed": 0, "unknown": 0, "lost_requeued": 0}
    known = known_tasks()
    _requeue_recorded(known, counts)
    if include_lost and not counts["failed"]:
        now = now or timezone.now()
        for job in registered_jobs().values():
            for name, args in job.recover(now):
                logger.info("requeue_pending: %s %s sent again", name, args)
                if enqueue(name, *args):
                    counts["lost_requeued"] += 1
    return counts
