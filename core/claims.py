"""Claims on a render job's row: how a background job is run once, taken over when its worker
died, and stopped when it was taken over (OCOP stamp batches, address-plate batches).

A model that renders in the background has these fields: `status` (queued / rendering / ready /
failed), `render_token`, `render_task_id`, `attempts`, `rendering_started_at`, `heartbeat_at`,
`progress`, `error`. The rules (docs/ocop.md, docs/plates.md):
1. `claim()`: one conditional UPDATE moves the row to "rendering" with a fresh random token, if
   it is queued, or rendering under the same Celery task id (the message was redelivered because
   the worker died: acks_late), or rendering with a stale heartbeat. Otherwise nothing happens.
2. Every later write (`beat()` for progress + heartbeat, ready, failed) is conditional on that
   token (`owned()`): a run that was taken over changes nothing and raises `Superseded`.
3. `run_claimed()`: a whole render under these rules: claim, the work in a directory of its
   own (the token), the "ready" UPDATE with the files' names, "failed" with the error, the
   directory removed when the run was superseded or failed, earlier runs' directories removed
   once it is ready (nothing half-written is ever served).
4. `recover_stale()`: the registered `recover` of core.jobs for such a model (lost or stale rows
   go back to "queued" with one conditional UPDATE and are sent again).
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

from django.db.models import F, Q
from django.utils import timezone

from .jobs import heartbeat_stale, lost_after

logger = logging.getLogger(__name__)

QUEUED, RENDERING, READY, FAILED = "queued", "rendering", "ready", "failed"


class Superseded(Exception):
    """Another run owns the row now: stop quietly."""


def stale_before(now: dt.datetime | None = None) -> dt.datetime:
    """A run whose heartbeat is older than this is dead (its worker was killed)."""
    return (now or timezone.now()) - heartbeat_stale()


def owned(queryset, pk: int, token: str):
    """The row, only while this run (token) owns it."""
    return queryset.filter(pk=pk, render_token=token, status=RENDERING)


def beat(queryset, pk: int, token: str, **fields) -> None:
    """Renew the claim (and write `fields`, e.g. progress); Superseded when it was taken."""
    if not owned(queryset, pk, token).update(heartbeat_at=timezone.now(), **fields):
        raise Superseded


def claim(queryset, pk: int, task_id: str = "") -> str | None:
    """Take the row for rendering; the token of this run, or None when it is not ours.

    `queryset` already excludes rows that may never render (e.g. revoked batches)."""
    now = timezone.now()
    claimable = Q(status=QUEUED) | Q(status=RENDERING, heartbeat_at__lt=stale_before(now))
    if task_id:
        # The same message delivered again: its previous run died (acks_late) -> take over.
        claimable |= Q(status=RENDERING, render_task_id=task_id)
    token = uuid.uuid4().hex
    claimed = queryset.filter(claimable, pk=pk).update(
        status=RENDERING,
        render_token=token,
        render_task_id=task_id,
        attempts=F("attempts") + 1,
        rendering_started_at=now,
        heartbeat_at=now,
        progress=0,
        error="",
    )
    return token if claimed else None


def retryable(now: dt.datetime | None = None) -> Q:
    """Rows a person may send to the worker again: failed, lost or stuck."""
    stale = stale_before(now)
    return (
        Q(status=FAILED)
        | Q(status=QUEUED, heartbeat_at__lt=stale)
        | Q(status=QUEUED, heartbeat_at__isnull=True, created_at__lt=stale)
        | Q(status=RENDERING, heartbeat_at__lt=stale)
    )


def recover_stale(queryset, task: str, now: dt.datetime) -> list[tuple[str, list]]:
    """Lost (still queued JOBS_LOST_AFTER after it was sent) and stale (rendering, heartbeat
    older than JOBS_HEARTBEAT_STALE) rows back to "queued", one conditional UPDATE each (only
    one requeue wins); returns the sends for core.jobs.requeue_pending."""
    stale, lost = stale_before(now), now - lost_after()
    candidates = (
        Q(status=RENDERING, heartbeat_at__lt=stale),
        Q(status=QUEUED)
        & (Q(heartbeat_at__lt=lost) | Q(heartbeat_at__isnull=True, created_at__lt=lost)),
    )
    sends = []
    for condition in candidates:
        for pk in queryset.filter(condition).values_list("pk", flat=True):
            # heartbeat_at = when it was sent again: not resent before lost_after() has passed.
            if queryset.filter(condition, pk=pk).update(
                status=QUEUED, render_token="", heartbeat_at=now
            ):
                sends.append((task, [pk]))
    return sends


def run_claimed(
    queryset,
    pk: int,
    *,
    task_id: str = "",
    base: Path,
    work: Callable[[Path, str], dict],
    claimable=None,
) -> str:
    """Render row `pk` end to end; returns skipped | superseded | failed | ready.

    `work(run_dir, token)` writes the files into run_dir (renewing the claim with `beat`) and
    returns the fields of the final "ready" UPDATE (file names, progress). `claimable` limits
    which rows may be claimed (e.g. not revoked); `queryset` is where the writes go."""
    token = claim(queryset if claimable is None else claimable, pk, task_id)
    if token is None:
        return "skipped"
    run_dir = base / token
    try:
        fields = work(run_dir, token)
        now = timezone.now()
        finished = owned(queryset, pk, token).update(
            status=READY, rendered_at=now, heartbeat_at=now, error="", **fields
        )
        if not finished:
            raise Superseded
    except Superseded:
        shutil.rmtree(run_dir, ignore_errors=True)
        return "superseded"
    except Exception as exc:
        logger.exception("Rendering %s %s failed", queryset.model._meta.label, pk)
        owned(queryset, pk, token).update(
            status=FAILED, error=f"{type(exc).__name__}: {exc}"[:1000], heartbeat_at=timezone.now()
        )
        shutil.rmtree(run_dir, ignore_errors=True)
        return "failed"
    # Files of earlier runs (crashed, superseded or re-rendered) are no longer referenced.
    for other in base.iterdir():
        if other.name != token and other.is_dir():
            shutil.rmtree(other, ignore_errors=True)
    return "ready"
