"""The province roll-up on demand: every commune of a province recomputed by one worker job.

Started through core.jobs (the one send path) once the request commits. At most one job waits
or runs per province (a partial unique constraint): a second start while one is under way joins
it (the caller says so). The worker claims the job with a token and a heartbeat, as the commune
roll-up and the stamp batches do (provinces/jobs.py sends a lost or stale job again); each
commune is rolled up by criteria.services.rollup_commune in its own transaction and counted
under the claim, so the progress shows while the job runs and a job taken over resumes with
the communes not yet done (their runs carry the job's trigger).
"""

from __future__ import annotations

import logging
import uuid

from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, When
from django.utils import timezone

from core.jobs import enqueue_on_commit, heartbeat_stale, keep_alive
from criteria.models import RollupRun
from criteria.services import rollup_commune
from villages.models import Commune

from .models import ProvinceRollup

TASK = "provinces.tasks.province_rollup_task"
S = ProvinceRollup.Status
logger = logging.getLogger(__name__)


def province_communes(code: str):
    """The communes a province roll-up recomputes: those of the province with villages."""
    return (
        Commune.objects.filter(province_code=code, villages__isnull=False)
        .distinct()
        .order_by("code")
    )


def _trigger(job: ProvinceRollup) -> str:
    return f"province:{job.pk}"


def province_rollup_active(code: str) -> ProvinceRollup | None:
    return ProvinceRollup.objects.filter(
        province_code=code, status__in=ProvinceRollup.ACTIVE
    ).first()


def province_rollup_start(*, user, code: str, on_waiting=None) -> tuple[ProvinceRollup, bool]:
    """(the job, True) when a new job was recorded and sent; (the job under way, False) when
    one is already waiting or running for this province: nothing new is started."""
    active = province_rollup_active(code)
    if active is not None:
        return active, False
    now = timezone.now()
    try:
        with transaction.atomic():
            job = ProvinceRollup.objects.create(
                province_code=code,
                requested_by=user,
                total=province_communes(code).count(),
                heartbeat_at=now,
            )
    except IntegrityError:  # started at the same moment by someone else: join theirs
        active = province_rollup_active(code)
        if active is not None:
            return active, False
        raise
    enqueue_on_commit(TASK, job.pk, on_waiting=on_waiting)
    return job, True


def province_rollup_claim(*, job_id: int) -> str | None:
    """Take the job: waiting, or running with a stale heartbeat (its worker died)."""
    now = timezone.now()
    token = uuid.uuid4().hex
    claimable = Q(status=S.QUEUED) | Q(status=S.RUNNING, heartbeat_at__lt=now - heartbeat_stale())
    claimed = ProvinceRollup.objects.filter(claimable, pk=job_id).update(
        status=S.RUNNING, claim_token=token, heartbeat_at=now, started_at=now
    )
    return token if claimed else None


def province_rollup_execute(*, job_id: int) -> str:
    """Worker: roll up every commune of the job's province once; skipped | superseded | done."""
    token = province_rollup_claim(job_id=job_id)
    if token is None:
        return "skipped"
    job = ProvinceRollup.objects.get(pk=job_id)
    owned = ProvinceRollup.objects.filter(pk=job_id, claim_token=token)
    trigger = _trigger(job)
    communes = list(province_communes(job.province_code))
    # A job taken over keeps what its first worker finished (each commune commits alone).
    already = set(
        RollupRun.objects.filter(
            trigger=trigger, status=RollupRun.Status.DONE, commune__in=communes
        ).values_list("commune_id", flat=True)
    )
    owned.update(total=len(communes), done=len(already), failed=0)

    def renew():
        owned.update(heartbeat_at=timezone.now())

    with keep_alive(renew):
        for commune in communes:
            if commune.pk in already:
                continue
            counter = "done"
            try:
                rollup_commune(commune=commune, trigger=trigger)
            except Exception:  # recorded as a failed run and logged by rollup_commune
                counter = "failed"
            if not owned.update(**{counter: F(counter) + 1}, heartbeat_at=timezone.now()):
                return "superseded"
    owned.filter(status=S.RUNNING).update(status=S.DONE, finished_at=timezone.now())
    return "done"


def province_rollup_latest(code: str) -> ProvinceRollup | None:
    """The job under way, else the last one (what the overview shows); one query."""
    active = Case(When(status__in=ProvinceRollup.ACTIVE, then=0), default=1)
    return (
        ProvinceRollup.objects.filter(province_code=code)
        .order_by(active, "-requested_at", "-pk")
        .first()
    )
