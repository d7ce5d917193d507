"""Bounded load test (issue 11): 50 concurrent clients for 60 s on loopback, during a roll-up and
a stamp-batch render, against the public pages and the stamp page.

Run:  .venv/bin/python bench/load_test.py [--seconds 60] [--clients 50] [--batch 3000]

It creates its own PostgreSQL database (smartvillage_load, dropped and re-created, seeded with
`seed_demo`), a private redis-server on a free port (the machine's shared Redis is not used), a
Celery worker and gunicorn (2 workers, --no-control-socket) on 127.0.0.1, all stopped at the end.
Prints requests/s, p50/p95/p99 latency, errors (5xx or connection failures) and 429s per page.

The stamp page is rate limited per client (core.ratelimit, STAMP_RATE_LIMIT a minute): the run
uses a settings module of its own that raises the limit (a load test is one client
pretending to be many), and each simulated client also uses its own loopback source address
(127.0.1.N), as real phones would. Needs: PostgreSQL on 127.0.0.1:5432 (user postgres),
redis-server, and nothing else listening on the chosen port.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
DB = "smartvillage_load"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {port}")


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql, "postgres"], check=True
    )


def manage(env, *args, capture=False):
    return subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=capture, text=True
    )


SHELL_TARGETS = """
from villages.models import Village, Commune
from ocop.models import Stamp, Product
V, C = Village.objects, Commune.objects
v = list(V.filter(households__isnull=False).distinct().values_list("code", flat=True)[:5])
c = list(C.filter(villages__isnull=False).distinct().values_list("code", flat=True)[:2])
S = Stamp.objects.filter(revoked=False, batch__status="ready")
s = list(S.values_list("serial", flat=True)[:200])
p = list(Product.objects.published().values_list("pk", flat=True)[:10])
print("|".join([",".join(v), ",".join(c), ",".join(s), ",".join(map(str, p))]))
"""

SHELL_BACKGROUND = """
from criteria.tasks import rollup_commune_task
from ocop.models import Product, StampBatch
from ocop.services import stamp_batch_create
from villages.models import Commune
import datetime as dt
for commune in Commune.objects.filter(villages__isnull=False).distinct():
    rollup_commune_task.delay(commune.pk, "load-test")
product = Product.objects.rated().first()
batch = stamp_batch_create(product=product, lot_code="LOAD-%d" % dt.datetime.now().timestamp(),
                           produced_on=dt.date(2025, 3, 1), quantity=QUANTITY)
print(batch.pk)
"""


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.codes: dict[str, Counter] = defaultdict(Counter)
        self.errors: Counter = Counter()

    def add(self, page: str, status: int | None, seconds: float, error: str = "") -> None:
        with self.lock:
            self.latencies[page].append(seconds)
            self.codes[page][status] += 1
            if error:
                self.errors[error] += 1


def client_loop(index, port, targets, stop_at, stats):
    source = f"127.0.1.{index % 250 + 1}"
    rng = random.Random(index)
    conn = None
    while time.monotonic() < stop_at:
        page, path = rng.choice(targets)
        start = time.monotonic()
        try:
            if conn is None:
                conn = http.client.HTTPConnection(
                    "127.0.0.1", port, timeout=30, source_address=(source, 0)
                )
            conn.request("GET", path, headers={"Host": "127.0.0.1"})
            response = conn.getresponse()
            response.read()
            stats.add(page, response.status, time.monotonic() - start)
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except Exception as exc:  # a refused/reset connection is an error of the run
            stats.add(page, None, time.monotonic() - start, type(exc).__name__)
            if conn is not None:
                conn.close()
            conn = None


def percentile(values, q):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--batch", type=int, default=3000, help="stamps rendered during the run")
    args = parser.parse_args()
    if not shutil.which("redis-server"):
        print("redis-server is missing")
        return 2

    work = Path(tempfile.mkdtemp(prefix="sv-load-"))
    (work / "load_settings.py").write_text(
        "from smartvillage.settings import *  # noqa\n"
        "STAMP_RATE_LIMIT = 1_000_000  # one machine simulates many clients\n"
    )
    redis_port, web_port = free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "SECRET_KEY": "load-test-secret-key-not-for-production-0123456789",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{web_port}",
        "MEDIA_ROOT": str(work / "media"),
        "PRIVATE_MEDIA_ROOT": str(work / "private"),
        "DJANGO_SETTINGS_MODULE": "load_settings",
        "PYTHONPATH": f"{work}:{ROOT}",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("CELERY_WORKER_RUNNING", None)
    processes: list[subprocess.Popen] = []

    def spawn(cmd, log):
        process = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=open(work / log, "w"), stderr=subprocess.STDOUT
        )
        processes.append(process)
        return process

    try:
        spawn(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no"], "redis.log")  # fmt: skip
        wait_port(redis_port)
        print(f"database {DB}: create, migrate, seed_demo ...", flush=True)
        psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        psql(f"CREATE DATABASE {DB}")
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "collectstatic", "--noinput", "-v0")
        manage(env, "seed_demo", "--password", "Load-Test-2026", capture=True)
        villages, communes, serials, products = (
            manage(env, "shell", "-c", SHELL_TARGETS, capture=True)
            .stdout.strip()
            .splitlines()[-1]
            .split("|")
        )
        targets = [("home", "/"), ("ocop catalogue", "/ocop/")]
        targets += [("commune page", f"/communes/{c}/") for c in communes.split(",") if c]
        targets += [("village page", f"/villages/{v}/") for v in villages.split(",") if v]
        targets += [("product page", f"/ocop/{p}/") for p in products.split(",") if p]
        stamp_targets = [("stamp page", f"/s/{s}") for s in serials.split(",") if s]
        targets += stamp_targets * max(1, len(targets) // max(1, len(stamp_targets)) + 1)
        spawn([str(ROOT / ".venv/bin/celery"), "-A", "smartvillage", "worker", "--pool=solo",
               "--loglevel=WARNING"], "worker.log")  # fmt: skip
        spawn([str(ROOT / ".venv/bin/gunicorn"), "smartvillage.wsgi:application", "--bind",
               f"127.0.0.1:{web_port}", "--workers", "2", "--no-control-socket",
               "--timeout", "60"], "gunicorn.log")  # fmt: skip
        wait_port(web_port)
        time.sleep(2)
        print(
            f"load: {args.clients} clients x {args.seconds} s on 127.0.0.1:{web_port}; "
            f"roll-up of every commune and a {args.batch}-stamp batch rendering meanwhile",
            flush=True,
        )
        batch_id = manage(
            env, "shell", "-c", SHELL_BACKGROUND.replace("QUANTITY", str(args.batch)),
            capture=True,
        ).stdout.strip().splitlines()[-1]  # fmt: skip
        stats = Stats()
        stop_at = time.monotonic() + args.seconds
        started = time.monotonic()
        threads = [
            threading.Thread(target=client_loop, args=(i, web_port, targets,
                                                        stop_at, stats), daemon=True)
            for i in range(args.clients)
        ]  # fmt: skip
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.seconds + 60)
        elapsed = time.monotonic() - started
        status = manage(
            env, "shell", "-c",
            f"from ocop.models import StampBatch; b = StampBatch.objects.get(pk={batch_id}); "
            "print(b.status, b.progress, b.quantity)\n"
            "from criteria.models import RollupRun; "
            "print(RollupRun.objects.filter(trigger='load-test').values_list('status', flat=True)"
            ".distinct().count(), list(RollupRun.objects.filter(trigger='load-test')"
            ".values_list('status', flat=True)))",
            capture=True,
        ).stdout.strip()  # fmt: skip

        all_latencies = [x for values in stats.latencies.values() for x in values]
        total = len(all_latencies)
        server_errors = sum(
            n for codes in stats.codes.values() for code, n in codes.items()
            if code is None or code >= 500
        )  # fmt: skip
        limited = sum(codes.get(429, 0) for codes in stats.codes.values())
        print(f"\nrequests {total} in {elapsed:.1f} s = {total / elapsed:.1f} req/s")
        print(
            f"latency p50 {percentile(all_latencies, 50) * 1000:.0f} ms, "
            f"p95 {percentile(all_latencies, 95) * 1000:.0f} ms, "
            f"p99 {percentile(all_latencies, 99) * 1000:.0f} ms, "
            f"mean {statistics.fmean(all_latencies) * 1000 if all_latencies else 0:.0f} ms"
        )
        print(f"errors (5xx or failed connections): {server_errors}; 429: {limited}")
        if stats.errors:
            print("failures:", dict(stats.errors))
        for page in sorted(stats.latencies):
            values = stats.latencies[page]
            codes = dict(stats.codes[page])
            print(
                f"  {page:15} {len(values):6} req  p95 {percentile(values, 95) * 1000:5.0f} ms"
                f"  codes {codes}"
            )
        print("stamp batch (status progress quantity) and roll-ups after the run:")
        print("  " + status.replace("\n", "\n  "))
        return 1 if server_errors else 0
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in reversed(processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
        try:
            psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
