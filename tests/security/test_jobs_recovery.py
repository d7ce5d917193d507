"""core/jobs.py without a worker: a dead broker (the production Celery configuration on a port
nobody listens on) costs a request one connection attempt with a 1 s timeout, no retry, and
records the job (the time itself: bench/faults.py); requeue never drops
a row it did not send; each app's registered recovery brings back jobs whose worker died
(stale heartbeat) and does each exactly once. The same with a real Redis and worker:
test_faults.py."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from core import jobs
from core.models import PendingTask
from criteria import services as criteria_services
from criteria.models import Assessment, RollupRun
from households.models import HouseholdImport
from ocop import services as ocop_services
from ocop.models import StampBatch

from .test_faults import (
    _free_port,
    _one_row_import,
    _reset_pool,
    bounded_by_timeouts,
    production_celery_conf,
)

ROOT = Path(__file__).resolve().parents[2]


def _ago(seconds: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=seconds)


@pytest.fixture
def dead_broker(settings):
    """The production Celery configuration, its Redis stopped (nothing listens on the port)."""
    from smartvillage.celery import app

    port = _free_port()
    conf = production_celery_conf(f"redis://127.0.0.1:{port}/0")
    saved = {key: app.conf.get(key) for key in conf}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.update(conf)
    _reset_pool(app)
    app.dead_port = port
    yield app
    app.conf.update(saved)
    _reset_pool(app)


@pytest.mark.django_db
def test_dead_broker_costs_one_short_attempt_and_the_job_waits(world, dead_broker):
    batch = world.a.batch
    sent, calls = bounded_by_timeouts(
        lambda: jobs.enqueue("ocop.tasks.render_stamp_batch", batch.pk), dead_broker.dead_port
    )
    assert sent is False
    # One connection attempt with the 1 s timeout, no retry and no back-off sleep: at most a
    # second on a stopped or frozen Redis, whatever the machine.
    assert calls.timeouts == [1.0] and calls.sleeps == [], (calls.timeouts, calls.sleeps)
    assert list(PendingTask.objects.values_list("task", "args")) == [
        ("ocop.tasks.render_stamp_batch", [batch.pk])
    ]


@pytest.mark.django_db
def test_result_backend_retry_limit_is_a_waiting_job_not_a_500(
    dead_broker, monkeypatch, django_capture_on_commit_callbacks
):
    """The redis result backend raises RuntimeError("Retry limit exceeded ...") when it cannot
    reconnect; whatever the send raises, the job is recorded and the caller told."""

    def result_store_gone(*args, **kwargs):
        raise RuntimeError("Retry limit exceeded while trying to reconnect to the result store")

    monkeypatch.setattr(dead_broker, "send_task", result_store_gone)
    waiting = []
    with django_capture_on_commit_callbacks(execute=True):
        jobs.enqueue_on_commit(
            "criteria.tasks.rollup_run_task", 42, on_waiting=lambda: waiting.append(1)
        )
    assert waiting == [1]
    assert PendingTask.objects.filter(task="criteria.tasks.rollup_run_task", args=[42]).exists()


@pytest.mark.django_db
def test_requeue_keeps_what_it_could_not_send(world, dead_broker):
    PendingTask.objects.create(task="ocop.tasks.render_stamp_batch", args=[world.a.batch.pk])
    PendingTask.objects.create(task="oldapp.tasks.removed_long_ago", args=[1])
    counts = jobs.requeue_pending()
    assert counts["failed"] == 1 and counts["sent"] == 0
    assert PendingTask.objects.count() == 2  # nothing deleted
    assert PendingTask.objects.get(task="ocop.tasks.render_stamp_batch").attempts == 1


@pytest.mark.django_db
def test_requeue_never_drops_an_unknown_task(world):
    PendingTask.objects.create(task="oldapp.tasks.removed_long_ago", args=[1])
    PendingTask.objects.create(task="ocop.tasks.render_stamp_batch", args=[world.a.batch.pk])
    counts = jobs.requeue_pending()  # eager: the known one runs in-process
    assert counts["unknown"] == 1 and counts["sent"] == 1
    assert list(PendingTask.objects.values_list("task", flat=True)) == [
        "oldapp.tasks.removed_long_ago"
    ]


def test_every_app_registers_its_jobs_and_core_names_none_of_their_models():
    registered = jobs.registered_jobs()
    assert set(registered) >= {
        "ocop.stamp_batch_render",
        "criteria.rollup_run",
        "households.import",
    }
    assert {
        "ocop.tasks.render_stamp_batch",
        "criteria.tasks.rollup_run_task",
        "households.tasks.household_import_check_task",
        "households.tasks.household_import_apply_task",
        "core.tasks.requeue_pending",
    } <= jobs.known_tasks()
    source = (ROOT / "core" / "jobs.py").read_text()
    assert not re.search(r"^\s*(from|import) (ocop|households|criteria)\b", source, re.M)


@pytest.mark.django_db
def test_stamp_batch_with_a_stale_heartbeat_is_offered_again_and_requeued(world):
    product = world.a.product
    fresh = StampBatch.objects.create(
        product=product, lot_code="FRESH", produced_on="2025-03-01", quantity=3
    )
    dead = StampBatch.objects.create(
        product=product, lot_code="DEAD", produced_on="2025-03-01", quantity=3
    )
    StampBatch.objects.filter(pk=fresh.pk).update(status="rendering", heartbeat_at=_ago(20))
    StampBatch.objects.filter(pk=dead.pk).update(
        status="rendering", heartbeat_at=_ago(61), render_token="dead-run", progress=1
    )
    # "Render again" is offered as soon as the heartbeat is stale (a minute), not after 10.
    offered = set(StampBatch.objects.filter(ocop_services.retryable()).values_list("pk", flat=True))
    assert dead.pk in offered and fresh.pk not in offered
    # The requeue beat sends it again (eager here: rendered at once), and only that one.
    assert jobs.requeue_pending()["lost_requeued"] == 1
    dead.refresh_from_db()
    fresh.refresh_from_db()
    assert dead.status == "ready" and dead.stamps.count() == 3 and dead.attempts == 1
    assert fresh.status == "rendering"


@pytest.mark.django_db
def test_rollup_request_is_recorded_and_done_once(world, django_capture_on_commit_callbacks):
    commune = world.a.commune
    before = RollupRun.objects.filter(commune=commune).count()
    with django_capture_on_commit_callbacks(execute=True):
        run = criteria_services.rollup_request(commune=commune)
    run.refresh_from_db()
    assert run.status == RollupRun.Status.DONE
    assert RollupRun.objects.filter(commune=commune).count() == before + 1
    # Delivered again: nothing more.
    assert criteria_services.rollup_run_execute(run_id=run.pk) == "skipped"
    assert RollupRun.objects.filter(commune=commune).count() == before + 1


@pytest.mark.django_db
def test_rollup_whose_worker_died_is_taken_over_and_the_dead_run_writes_nothing(world):
    commune = world.a.commune
    run = RollupRun.objects.create(
        commune=commune,
        on=timezone.localdate(),
        started_at=timezone.now(),
        status=RollupRun.Status.QUEUED,
        heartbeat_at=timezone.now(),
        trigger="request",
    )
    dead_token = criteria_services.rollup_run_claim(run_id=run.pk)
    assert dead_token and criteria_services.rollup_run_claim(run_id=run.pk) is None  # alive
    RollupRun.objects.filter(pk=run.pk).update(heartbeat_at=_ago(61))
    assert jobs.requeue_pending()["lost_requeued"] == 1  # eager: done at once
    run.refresh_from_db()
    assert run.status == RollupRun.Status.DONE
    written = Assessment.objects.filter(commune=commune).count()
    # The "dead" worker was only slow: when it finishes, its claim is gone -> rolled back.
    with pytest.raises(criteria_services.Superseded):
        criteria_services.rollup_commune(commune=commune, run=run, token=dead_token)
    assert Assessment.objects.filter(commune=commune).count() == written
    assert Assessment.objects.filter(run=run).exists()


@pytest.mark.django_db
def test_import_whose_worker_died_is_checked_again(world):
    job = HouseholdImport.objects.create(
        created_by=world.personas["leader_a1"],
        commune=world.a.commune,
        file_name="ho.xlsx",
        total_rows=1,
        status=HouseholdImport.Status.CHECKING,
        claim_token="dead-run",
        heartbeat_at=_ago(61),
    )
    job.file.save("ho.xlsx", ContentFile(_one_row_import(world.a.village.name).read()))
    alive = HouseholdImport.objects.create(
        created_by=world.personas["leader_a1"],
        commune=world.a.commune,
        file_name="b.xlsx",
        total_rows=1,
        status=HouseholdImport.Status.CHECKING,
        heartbeat_at=_ago(10),
    )
    assert jobs.requeue_pending()["lost_requeued"] == 1
    job.refresh_from_db()
    alive.refresh_from_db()
    assert job.status == HouseholdImport.Status.PREVIEW and job.processed_rows == 1
    assert alive.status == HouseholdImport.Status.CHECKING


@pytest.mark.django_db
def test_import_sent_to_the_worker_by_its_size_is_sent_again_when_its_message_was_lost(world):
    # A file over the inline size goes to the worker before any row is counted (total_rows 0):
    # if Redis lost its message, requeue must still find it.
    job = HouseholdImport.objects.create(
        created_by=world.personas["leader_a1"],
        commune=world.a.commune,
        file_name="ho.xlsx",
        total_rows=0,
        status=HouseholdImport.Status.QUEUED,
        heartbeat_at=_ago(60 * 6),
    )
    job.file.save("ho.xlsx", ContentFile(_one_row_import(world.a.village.name).read()))
    assert jobs.requeue_pending()["lost_requeued"] == 1
    job.refresh_from_db()
    assert job.status == HouseholdImport.Status.PREVIEW and job.processed_rows == 1
