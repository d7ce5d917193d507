"""Faults with real services: Redis stopped and back, a database error in the middle of an
import or a roll-up, and (CI, `worker` marker) a worker killed in the middle of a stamp batch.

Redis: a private `redis-server` on a free port is started and stopped here; the machine's shared
Redis is never touched.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.db import IntegrityError, connection
from django.urls import reverse

from core.models import PendingTask
from criteria.models import Assessment, RollupRun
from households.models import Household, HouseholdImport, Resident
from ocop.models import Stamp, StampBatch

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    def __init__(self):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)  # our own child, by its pid
            self.process.wait(timeout=10)

    def queue_length(self, queue="celery") -> int:
        import redis

        return redis.Redis.from_url(self.url).llen(queue)


@pytest.fixture
def private_redis(settings):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    from smartvillage.celery import app

    server = PrivateRedis()
    server.start()
    saved = {
        key: app.conf[key]
        for key in ("broker_url", "result_backend", "task_always_eager", "broker_transport_options")
    }
    settings.REDIS_URL = server.url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.SafeRedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    app.conf.update(
        broker_url=server.url,
        result_backend=None,
        task_always_eager=False,
        broker_transport_options={"socket_connect_timeout": 1, "socket_timeout": 1,
                                  "max_retries": 0},
    )  # fmt: skip
    _reset_pool(app)  # drop pooled connections (app.close() would unregister the app)
    try:
        yield server
    finally:
        server.stop()
        _reset_pool(app)
        app.conf.update(saved)


def _reset_pool(app) -> None:
    from kombu import pools

    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None
    # kombu keeps producer pools per broker URL in a global registry: drop those too, or the
    # next send finds a pool closed above ("Acquire on closed pool").
    pools.reset()


def _messages(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


@pytest.mark.django_db(transaction=True)
def test_redis_stopped_pages_work_jobs_wait_and_run_when_back(
    world, client, private_redis, monkeypatch
):
    a = world.a
    assert client.get("/healthz").status_code == 200
    private_redis.stop()

    # Pages still work (the cache and the rate limit degrade to "no cache").
    for url in ("/", f"/villages/{a.village.code}/", f"/communes/{a.commune.code}/",
                f"/s/{a.stamp.serial}", "/ocop/"):  # fmt: skip
        assert client.get(url).status_code == 200, url
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json()["broker"].startswith("error")

    # Actions that enqueue tell the user the job is waiting; nothing is lost.
    client.force_login(world.personas["official_a"])
    response = client.post(reverse("criteria:rollup_now", args=[a.commune.code]))
    assert response.status_code == 302
    assert "đang chờ trong hàng đợi" in _messages(response)
    response = client.post(
        "/admin/ocop/stampbatch/add/",
        {"product": a.product.pk, "lot_code": "LOT-WAIT", "produced_on": "01/03/2025",
         "quantity": "4"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "đang chờ trong hàng đợi" in _messages(response)
    batch = StampBatch.objects.get(lot_code="LOT-WAIT")
    assert batch.status == StampBatch.Status.QUEUED
    from households import importer

    monkeypatch.setattr(importer, "INLINE_MAX_ROWS", 0)  # every import is a "large" one
    client.force_login(world.personas["leader_a1"])
    response = client.post(
        reverse("households:import_start"), {"file": _one_row_import(a.village.name)}
    )
    assert response.status_code == 302
    job = HouseholdImport.objects.latest("pk")
    assert job.status == HouseholdImport.Status.QUEUED
    assert "đang chờ trong hàng đợi" in _messages(response)
    assert PendingTask.objects.count() == 3

    # Still down: requeue_pending keeps them.
    from core.jobs import requeue_pending

    assert requeue_pending()["failed"] >= 1 and PendingTask.objects.count() == 3

    # Redis back: requeue_pending sends them, a worker runs them.
    private_redis.start()
    assert client.get("/healthz").status_code == 200
    counts = requeue_pending()
    assert counts["sent"] == 3 and not PendingTask.objects.exists()
    assert private_redis.queue_length() == 3
    runs_before = RollupRun.objects.filter(commune=a.commune).count()
    _drain_with_a_worker(private_redis)
    batch.refresh_from_db()
    job.refresh_from_db()
    assert batch.status == StampBatch.Status.READY and batch.stamps.count() == 4
    assert job.status in (HouseholdImport.Status.PREVIEW, HouseholdImport.Status.INVALID)
    assert RollupRun.objects.filter(commune=a.commune).count() == runs_before + 1


def _one_row_import(village_name):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    from households.importer import COLUMNS

    workbook = Workbook()
    workbook.active.append([key for key, _label, _req in COLUMNS])
    workbook.active.append([village_name, "500", "", "", "", "", "", "Người Nhập", "Chủ hộ",
                            "01/02/1980", "Nam", "", "", "", "", "", "0", "", ""])  # fmt: skip
    from io import BytesIO

    out = BytesIO()
    workbook.save(out)
    return SimpleUploadedFile("ho.xlsx", out.getvalue())


def _drain_with_a_worker(server, timeout=60):
    """Run the queued messages with an in-process worker (same test database)."""
    from celery.contrib.testing.worker import start_worker

    from smartvillage.celery import app

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        deadline = time.monotonic() + timeout
        while server.queue_length() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.5)  # the last message taken is being processed
        deadline = time.monotonic() + timeout
        while (
            StampBatch.objects.filter(status__in=["queued", "rendering"]).exists()
            and time.monotonic() < deadline
        ):
            time.sleep(0.2)


# --- Database errors in the middle of an import or a roll-up ------------------------------------


def test_database_error_in_the_middle_of_an_import_leaves_nothing(world, monkeypatch):
    from households import jobs

    from .test_hostile_input import _xlsx  # noqa: F401

    leader = world.personas["leader_a1"]
    rows = [
        [world.a.village.name, str(600 + i), "", "", "", "", "", f"Người {i}", "Chủ hộ",
         "01/02/1980", "Nam", "", "", "", "", "", "0", "", ""]
        for i in range(5)
    ]  # fmt: skip
    from django.core.files.base import ContentFile
    from openpyxl import Workbook

    from households.importer import COLUMNS

    workbook = Workbook()
    workbook.active.append([key for key, _label, _req in COLUMNS])
    for row in rows:
        workbook.active.append(row)
    from io import BytesIO

    out = BytesIO()
    workbook.save(out)
    job = HouseholdImport.objects.create(
        created_by=leader, commune=world.a.commune, file_name="x.xlsx", total_rows=5,
        status=HouseholdImport.Status.CONFIRMED,
    )  # fmt: skip
    job.file.save("x.xlsx", ContentFile(out.getvalue()))
    households, residents = Household.objects.count(), Resident.objects.count()
    from households import importer

    calls = {"n": 0}
    original = importer.bulk_create_with_history

    def failing_bulk(objs, model, *args, **kwargs):
        # Households are written first; the database fails when the residents follow.
        calls["n"] += 1
        if model is Resident:
            raise IntegrityError("simulated failure in the middle of the import")
        return original(objs, model, *args, **kwargs)

    monkeypatch.setattr(importer, "bulk_create_with_history", failing_bulk)
    jobs.import_job_apply(import_id=job.pk)
    job.refresh_from_db()
    assert calls["n"] >= 2 and job.status == HouseholdImport.Status.FAILED
    assert Household.objects.count() == households and Resident.objects.count() == residents
    assert not job.file  # the sheet with ID numbers is not kept


def test_database_error_in_the_middle_of_a_rollup_leaves_nothing(world, monkeypatch):
    from criteria import services

    commune = world.a.commune
    latest_before = set(
        Assessment.objects.filter(commune=commune, latest=True).values_list("pk", flat=True)
    )
    total_before = Assessment.objects.count()
    runs_before = RollupRun.objects.filter(commune=commune).count()

    def failing_bulk_create(*args, **kwargs):
        raise IntegrityError("simulated failure while writing assessments")

    monkeypatch.setattr(services.Assessment.objects, "bulk_create", failing_bulk_create)
    with pytest.raises(IntegrityError):
        services.rollup_commune(commune=commune, trigger="test")
    # The old figures stay the latest ones (the "latest=False" update was rolled back too).
    assert Assessment.objects.count() == total_before
    assert (
        set(Assessment.objects.filter(commune=commune, latest=True).values_list("pk", flat=True))
        == latest_before
    )
    runs = RollupRun.objects.filter(commune=commune).order_by("pk")
    assert runs.count() == runs_before + 1  # only the "failed" record
    assert runs.last().status == RollupRun.Status.FAILED and runs.last().error == "IntegrityError"


# --- A worker killed in the middle of a stamp batch (CI: real worker, PostgreSQL, Redis) ------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_batch_the_batch_completes_exactly(world, settings, tmp_path):
    """SIGKILL our own worker while it renders: acks_late + reject_on_worker_lost + the
    visibility timeout bring the message back; a new worker finishes with exactly N stamps."""
    from smartvillage.celery import app

    if connection.vendor != "postgresql":
        pytest.skip("needs the PostgreSQL test database shared with a worker process")
    queue = "killtest"
    db = connection.settings_dict
    # The worker's settings: the test settings with a visibility timeout of a few seconds, so
    # that the message of the killed worker comes back quickly (production: the env variable
    # CELERY_VISIBILITY_TIMEOUT, default one hour).
    (tmp_path / "killtest_settings.py").write_text(
        "from smartvillage.settings_test import *  # noqa\n"
        "CELERY_BROKER_TRANSPORT_OPTIONS = {**CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405\n"
        "                                   'visibility_timeout': 5}\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "killtest_settings",
        "PYTHONPATH": f"{tmp_path}:{ROOT}",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CONN_MAX_AGE": "0",
        "MEDIA_ROOT": settings.MEDIA_ROOT,
        "CELERY_VISIBILITY_TIMEOUT": "5",
        "SITE_URL": settings.SITE_URL,
    }
    logs = tmp_path / "worker.log"

    def start():
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "smartvillage", "worker", "--pool=solo",
             "-Q", queue, "--loglevel=INFO", "-n", f"killtest{time.monotonic_ns()}@%h"],
            cwd=ROOT, env=env, stdout=open(logs, "a"), stderr=subprocess.STDOUT,
        )  # fmt: skip

    quantity = 3000
    batch = StampBatch.objects.create(
        product=world.a.product, lot_code="KILL-1", produced_on="2025-03-01", quantity=quantity
    )
    from ocop.tasks import render_stamp_batch

    _reset_pool(app)  # earlier fault tests switched brokers: start from fresh connections
    worker = start()
    try:
        render_stamp_batch.apply_async(args=[batch.pk], queue=queue)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            batch.refresh_from_db()
            if batch.status == "rendering" and batch.progress > 0:
                break
            time.sleep(0.1)
        assert batch.status == "rendering" and 0 < batch.progress < quantity, logs.read_text()
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        worker = start()
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            batch.refresh_from_db()
            if batch.status == "ready":
                break
            time.sleep(0.5)
        assert batch.status == "ready", logs.read_text()[-3000:]
        assert batch.attempts >= 2
        assert Stamp.objects.filter(batch=batch).count() == quantity
        sequences = set(Stamp.objects.filter(batch=batch).values_list("sequence", flat=True))
        assert sequences == set(range(1, quantity + 1))
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.send_signal(signal.SIGKILL)
        _reset_pool(app)
