"""Plate batches follow the stamp batches' job rules (core.claims, core.jobs): a batch whose
worker died is taken over, a lost one is sent again, a duplicate delivery does nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from plates import jobs, rendering
from plates.models import PlateBatch
from plates.services import RENDER_TASK, plate_batch_retry

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(plated, village_a1, official_a):
    from unittest import mock

    from plates.services import plate_batch_create

    with mock.patch("plates.services.enqueue_on_commit"):
        return plate_batch_create(village=village_a1, size="300x200", user=official_a)


def test_duplicate_delivery_runs_once(queued):
    assert rendering.plate_batch_render(batch_id=queued.pk, task_id="t-1") == "ready"
    assert rendering.plate_batch_render(batch_id=queued.pk, task_id="t-2") == "skipped"
    queued.refresh_from_db()
    assert queued.attempts == 1 and queued.status == "ready"


def test_dead_worker_is_taken_over_and_recovered(queued):
    old = timezone.now() - dt.timedelta(minutes=10)
    assert rendering.claim(queued.pk, "dead")
    PlateBatch.objects.filter(pk=queued.pk).update(heartbeat_at=old)
    # requeue_pending's recovery sends it again, once.
    assert jobs.recover(timezone.now()) == [(RENDER_TASK, [queued.pk])]
    assert jobs.recover(timezone.now()) == []
    assert rendering.plate_batch_render(batch_id=queued.pk, task_id="again") == "ready"
    queued.refresh_from_db()
    assert queued.attempts == 2 and queued.plates_file.name.endswith(".zip")


def test_redelivered_message_takes_over_its_own_run(queued):
    assert rendering.claim(queued.pk, "same-task")
    # The worker died mid-render; the broker delivers the same message again (acks_late).
    assert rendering.plate_batch_render(batch_id=queued.pk, task_id="same-task") == "ready"


def test_failed_batch_is_retried_and_a_ready_one_is_not(queued, monkeypatch):
    monkeypatch.setattr(rendering.drawing, "plate_pdf", lambda *a, **k: 1 / 0)
    assert rendering.plate_batch_render(batch_id=queued.pk) == "failed"
    queued.refresh_from_db()
    assert queued.status == "failed" and "ZeroDivisionError" in queued.error
    from unittest import mock

    with mock.patch("plates.services.enqueue_on_commit"):
        assert plate_batch_retry(batch=queued)
    monkeypatch.undo()
    assert rendering.plate_batch_render(batch_id=queued.pk) == "ready"
    assert not plate_batch_retry(batch=PlateBatch.objects.get(pk=queued.pk))


def test_public_page_query_budget(plated, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):  # address, commune settings, scan insert (+ margin)
        assert client.get("/a/QT0100001").status_code == 200
    with django_assert_max_num_queries(2):  # unknown: address, plate lookup
        assert client.get("/a/NOPE1").status_code == 404
