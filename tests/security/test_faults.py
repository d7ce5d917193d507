"""Faults with real services, on the Celery configuration production runs.

Redis: a private `redis-server` on a free port is started and stopped here (the machine's shared
Redis is never touched), and the Celery app is configured exactly as smartvillage/settings.py
configures it when REDIS_URL is set: the same broker and result backend (Redis, not
result_backend=None), the same transport options and timeouts. The worker is a real
`celery worker` process on the pytest-django test database (PostgreSQL, as in CI); on SQLite,
whose in-memory test database no other process can open, an in-process worker thread.

Cases: Redis down during a stamp batch, a roll-up request and an import (no 500, an answer at
once: a few connection attempts, each with a timeout, no retry loop and no back-off sleep; a
Vietnamese message, the job recorded as waiting); Redis back (every waiting job
runs exactly once, even when sent twice); a worker killed in the middle of a stamp batch
(recovered by the heartbeat and the requeue beat within 2 minutes, exactly N stamps); and
database errors in the middle of an import or a roll-up.

No assert depends on the machine's speed (house rule): the answer and recovery times are
measured and printed by bench/faults.py (gunicorn, a real worker and beat).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.db import IntegrityError, OperationalError, connection
from django.urls import reverse

from core.models import PendingTask
from criteria.models import Assessment, RollupRun
from households.models import Household, HouseholdImport, Resident
from ocop.models import Stamp, StampBatch

ROOT = Path(__file__).resolve().parents[2]
WAITING = "đang chờ trong hàng đợi"
# Connection attempts a request that meets a stopped Redis makes at most: one per cache or
# broker operation (the admin's stamp batch form: 4), never a retry loop (RedisCalls).
MAX_ATTEMPTS = 4


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

    def queue_length(self, queue: str | None = None) -> int:
        """Messages waiting in `queue`, or in every queue of CELERY_TASK_QUEUES."""
        import redis

        client = redis.Redis.from_url(self.url)
        names = [queue] if queue else [q.name for q in django_settings.CELERY_TASK_QUEUES]
        return sum(client.llen(name) for name in names)


def production_celery_conf(url: str) -> dict:
    """The Celery settings of smartvillage/settings.py (CELERY_* -> Celery's lower-case names,
    as config_from_object(namespace="CELERY") reads them), with REDIS_URL = our Redis."""
    conf = {
        name[len("CELERY_") :].lower(): getattr(django_settings, name)
        for name in dir(django_settings)
        if name.startswith("CELERY_")
    }
    conf.update(broker_url=url, result_backend=url, task_always_eager=False)
    return conf


@pytest.fixture
def private_redis(settings):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed (Debian package redis-server)")
    from smartvillage.celery import app

    server = PrivateRedis()
    server.start()
    conf = production_celery_conf(server.url)
    saved = {key: app.conf.get(key) for key in conf}
    settings.REDIS_URL = server.url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.SafeRedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    app.conf.update(conf)
    _reset_pool(app)  # drop pooled connections (app.close() would unregister the app)
    try:
        yield server
    finally:
        server.stop()
        app.conf.update(saved)
        _reset_pool(app)


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
    # The result backend is built once per thread from the configuration: rebuild it.
    app._local.__dict__.pop("backend", None)


def _messages(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


class RedisCalls:
    """What a call did with a Redis on `port`: each connection attempt's timeout, and every
    sleep (a retry back-off). Against a stopped Redis each attempt is refused at once, so a
    call that makes a few attempts, each with a timeout, and never sleeps answers at once,
    whatever the machine's speed; a retry loop or a back-off would show here."""

    def __init__(self, port: int):
        self.port, self.timeouts, self.sleeps = port, [], []

    @contextmanager
    def watching(self):
        real_connect, real_sleep = socket.socket.connect, time.sleep
        calls = self

        def connect(sock, address):
            if isinstance(address, tuple) and len(address) >= 2 and address[1] == calls.port:
                calls.timeouts.append(sock.gettimeout())
            return real_connect(sock, address)

        def sleep(seconds):
            calls.sleeps.append(seconds)
            return real_sleep(seconds)

        socket.socket.connect, time.sleep = connect, sleep
        try:
            yield self
        finally:
            socket.socket.connect, time.sleep = real_connect, real_sleep

    def assert_no_retry_loop(self, max_attempts: int = MAX_ATTEMPTS) -> None:
        detail = (self.timeouts, self.sleeps)
        assert self.timeouts, "no connection to Redis was attempted"
        assert None not in self.timeouts, f"a connection without timeout: {detail}"
        assert max(self.timeouts) <= 2, detail
        assert not self.sleeps, f"a back-off sleep: {detail}"
        assert len(self.timeouts) <= max_attempts, f"a retry loop: {detail}"


def bounded_by_timeouts(call, port: int):
    """Run `call`; its answer and the RedisCalls it made (attempts to Redis on `port`)."""
    calls = RedisCalls(port)
    with calls.watching():
        answer = call()
    return answer, calls


# --- A real worker on the test database ---------------------------------------------------------


def _worker_env(server: PrivateRedis, tmp_path: Path) -> dict:
    """The worker process: the test settings with REDIS_URL set (so settings.py gives it the
    production Celery configuration), not eager, on pytest-django's test database."""
    (tmp_path / "fault_worker_settings.py").write_text(
        "from smartvillage.settings_test import *  # noqa\nCELERY_TASK_ALWAYS_EAGER = False\n"
    )
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "fault_worker_settings",
        "PYTHONPATH": f"{tmp_path}:{ROOT}",
        "REDIS_URL": server.url,
        "DATABASE_URL": f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
        f"{db['NAME']}",
        "CONN_MAX_AGE": "0",
        "MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
        "SITE_URL": django_settings.SITE_URL,
    }
    if hasattr(django_settings, "PRIVATE_MEDIA_ROOT"):
        env["PRIVATE_MEDIA_ROOT"] = str(django_settings.PRIVATE_MEDIA_ROOT)
    return env


class WorkerProcess:
    def __init__(self, server: PrivateRedis, tmp_path: Path, *, beat: bool = False):
        self.env = _worker_env(server, tmp_path)
        self.log = tmp_path / "worker.log"
        self.schedule = tmp_path / "beat-schedule"
        self.beat = beat
        self.process = None

    def start(self):
        with open(self.log, "a") as log:
            log.write("--- worker start\n")
        extra = ["-B", "-s", str(self.schedule)] if self.beat else []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "smartvillage", "worker", "--pool=solo",
             "--loglevel=INFO", "-n", f"faults{time.monotonic_ns()}@%h", *extra],
            cwd=ROOT, env=self.env, stdout=open(self.log, "a"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.log.read_text().rsplit("--- worker start", 1)[-1].find(" ready.") >= 0:
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError("worker did not start:\n" + self.log.read_text()[-3000:])

    def kill(self):
        self.process.send_signal(signal.SIGKILL)  # our own child, by its pid
        self.process.wait(timeout=10)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.send_signal(signal.SIGKILL)
                self.process.wait(timeout=10)

    def tail(self) -> str:
        return self.log.read_text()[-4000:] if self.log.exists() else ""


@contextmanager
def real_worker(server: PrivateRedis, tmp_path: Path):
    """A worker consuming from our Redis: a `celery worker` process on PostgreSQL; a worker
    thread in this process on SQLite (its in-memory test database is not shareable)."""
    if connection.vendor == "postgresql":
        worker = WorkerProcess(server, tmp_path)
        worker.start()
        try:
            yield worker
        finally:
            worker.stop()
        return
    from celery.contrib.testing.worker import start_worker

    from smartvillage.celery import app

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        yield None


def _wait_for(condition, timeout: float, what: str, worker=None) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {timeout} s\n" + (worker.tail() if worker else ""))


# --- Redis down, then back ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_redis_down_jobs_wait_with_a_message_then_run_exactly_once(
    world, client, private_redis, monkeypatch, tmp_path
):
    from core.jobs import enqueue, requeue_pending
    from households import importer

    a = world.a
    assert client.get("/healthz").status_code == 200
    private_redis.stop()

    # Pages still work (the cache and the rate limit degrade to "no cache").
    for url in ("/", f"/villages/{a.village.code}/", f"/communes/{a.commune.code}/",
                f"/s/{a.stamp.serial}", "/ocop/"):  # fmt: skip
        assert client.get(url).status_code == 200, url
    port = private_redis.port
    health, calls = bounded_by_timeouts(lambda: client.get("/healthz"), port)
    assert health.status_code == 503 and health.json()["broker"].startswith("error")
    calls.assert_no_retry_loop()

    # "Roll up now": answered at once, the request is recorded (a queued run), not lost.
    client.force_login(world.personas["official_a"])
    runs_before = RollupRun.objects.filter(commune=a.commune).count()
    response, calls = bounded_by_timeouts(
        lambda: client.post(reverse("criteria:rollup_now", args=[a.commune.code])), port
    )
    assert response.status_code == 302
    calls.assert_no_retry_loop()
    assert WAITING in _messages(response)
    run = RollupRun.objects.filter(commune=a.commune).latest("pk")
    assert run.status == RollupRun.Status.QUEUED

    # A stamp batch created in the admin.
    response, calls = bounded_by_timeouts(
        lambda: client.post(
            "/admin/ocop/stampbatch/add/",
            {
                "product": a.product.pk,
                "lot_code": "LOT-WAIT",
                "produced_on": "01/03/2025",
                "quantity": "4",
            },
        ),  # fmt: skip
        port,
    )
    assert response.status_code == 302, response.content[:2000]
    calls.assert_no_retry_loop()
    assert WAITING in _messages(response)
    batch = StampBatch.objects.get(lot_code="LOT-WAIT")
    assert batch.status == StampBatch.Status.QUEUED

    # An import large enough for the worker.
    monkeypatch.setattr(importer, "INLINE_MAX_ROWS", 0)
    client.force_login(world.personas["leader_a1"])
    response, calls = bounded_by_timeouts(
        lambda: client.post(
            reverse("households:import_start"), {"file": _one_row_import(a.village.name)}
        ),
        port,
    )
    assert response.status_code == 302
    calls.assert_no_retry_loop()
    assert WAITING in _messages(response)
    job = HouseholdImport.objects.latest("pk")
    assert job.status == HouseholdImport.Status.QUEUED

    assert sorted(PendingTask.objects.values_list("task", "args")) == [
        ("criteria.tasks.rollup_run_task", [run.pk]),
        ("households.tasks.household_import_check_task", [job.pk]),
        ("ocop.tasks.render_stamp_batch", [batch.pk]),
    ]

    # Still down: requeue_pending keeps every row (deletes none it did not send), quickly.
    counts, calls = bounded_by_timeouts(requeue_pending, port)
    assert counts["failed"] == 1 and counts["sent"] == 0
    calls.assert_no_retry_loop()
    assert PendingTask.objects.count() == 3

    # Redis back: the waiting jobs are sent...
    private_redis.start()
    assert client.get("/healthz").status_code == 200
    counts = requeue_pending()
    assert counts["sent"] == 3 and not PendingTask.objects.exists()
    # ... and each once more, as after a send that timed out although Redis had taken it.
    for name, pk in [("criteria.tasks.rollup_run_task", run.pk),
                     ("households.tasks.household_import_check_task", job.pk),
                     ("ocop.tasks.render_stamp_batch", batch.pk)]:  # fmt: skip
        assert enqueue(name, pk)
    assert private_redis.queue_length() == 6
    assessments_before = Assessment.objects.filter(commune=a.commune).count()

    def all_done():
        batch.refresh_from_db()
        job.refresh_from_db()
        run.refresh_from_db()
        return (
            private_redis.queue_length() == 0
            and batch.status == StampBatch.Status.READY
            and run.status == RollupRun.Status.DONE
            and job.status in (HouseholdImport.Status.PREVIEW, HouseholdImport.Status.INVALID)
        )

    with real_worker(private_redis, tmp_path) as worker:
        _wait_for(all_done, 90, "waiting jobs run", worker)
        time.sleep(1.0)  # the duplicates are taken and skipped

    # Exactly once: 4 stamps, one run for the one request (its snapshot written once), the
    # import checked once (preview, one row).
    assert batch.stamps.count() == 4 and batch.attempts == 1
    assert RollupRun.objects.filter(commune=a.commune).count() == runs_before + 1
    made = Assessment.objects.filter(commune=a.commune).count() - assessments_before
    assert made == Assessment.objects.filter(run=run).count() > 0
    assert job.status == HouseholdImport.Status.PREVIEW and job.total_rows == 1
    assert requeue_pending()["lost_requeued"] == 0  # nothing is left waiting or stuck


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
            # (A unique-constraint clash is reported as "invalid" by the importer itself;
            # a lost connection is a failure.)
            raise OperationalError("simulated: the database went away in the middle")
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

    def failing_insert(*args, **kwargs):
        raise IntegrityError("simulated failure while writing assessments")

    monkeypatch.setattr(services, "_insert_assessments", failing_insert)
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


# --- A worker killed in the middle of a stamp batch ---------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_batch_is_recovered_within_two_minutes(world, private_redis, tmp_path):
    """SIGKILL the worker while it renders; a new worker (with the production beat) takes the
    batch over once its heartbeat is stale: no wait for the one-hour visibility timeout."""
    if connection.vendor != "postgresql":
        pytest.skip("needs a worker process on the test database: PostgreSQL (CI, .ci/run)")
    from core.jobs import enqueue

    quantity = 3000  # ~2 ms a label: several seconds of rendering, heartbeats meanwhile
    batch = StampBatch.objects.create(
        product=world.a.product, lot_code="KILL-1", produced_on="2025-03-01", quantity=quantity
    )
    worker = WorkerProcess(private_redis, tmp_path, beat=True)
    worker.start()
    try:
        assert enqueue("ocop.tasks.render_stamp_batch", batch.pk)

        def mid_render():
            batch.refresh_from_db()
            return batch.status == "rendering" and batch.progress > 0

        _wait_for(mid_render, 60, "rendering started", worker)
        assert batch.progress < quantity
        worker.kill()
        killed_at = time.monotonic()
        worker.start()  # the service manager restarts it

        def ready():
            batch.refresh_from_db()
            return batch.status == "ready"

        _wait_for(ready, 150, "batch ready again", worker)
        recovered_in = time.monotonic() - killed_at
    finally:
        worker.stop()
    # Ready again within the wait above (150 s, far below the one-hour visibility timeout):
    # taken over by the heartbeat and the requeue beat, which the second attempt shows. The
    # time is printed here and measured by bench/faults.py, not asserted.
    print(f"worker killed mid-batch: ready again {recovered_in:.1f} s after the kill")
    assert batch.attempts == 2
    stamps = Stamp.objects.filter(batch=batch)
    assert stamps.count() == quantity
    assert set(stamps.values_list("sequence", flat=True)) == set(range(1, quantity + 1))
    assert stamps.values("serial").distinct().count() == quantity
