"""Faults as deployed, measured by hand (issue 20): gunicorn (DEBUG=false), a real Celery worker
and beat, PostgreSQL, and a Redis of our own that this script stops and starts (the machine's
shared Redis is never touched).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/faults.py \
        [--db sv_faults] [--redis-port 6391] [--port 8766] [--quantity 5000]

Cases (figures printed at the end, copied into docs/security.md):
1. Redis stopped: a stamp batch created in the admin, "roll up now", an import large enough
   for the worker: the answer time, the message, the job recorded as waiting.
2. Redis started again, `manage.py requeue_pending` run once: time until every waiting job
   has run, and that each ran once.
3. The worker killed (SIGKILL) in the middle of a big stamp batch and restarted at once: time
   until the batch is ready again, exactly N stamps.
The database named by --db is dropped and created again.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import io
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv" / "bin" / "python")
PASSWORD = "Faults-Bench-2026"
WAITING = "đang chờ trong hàng đợi"


def wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.3).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(self, path: str, data=None, files=None):
        headers = {"Referer": self.base + path}
        body = None
        if files:
            boundary = "----bench-faults"
            parts = []
            for key, value in (data or {}).items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
                    f"{value}\r\n".encode()
                )
            for key, (name, content) in files.items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"; '
                    f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
                    + content
                    + b"\r\n"
                )
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
        req = urllib.request.Request(self.base + path, data=body, headers=headers)
        started = time.monotonic()
        try:
            with self.opener.open(req, timeout=60) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode()
        return status, text, time.monotonic() - started

    def token(self, path: str) -> str:
        _status, text, _t = self.request(path)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text).group(1)

    def login(self, username: str) -> None:
        token = self.token("/accounts/login/")
        self.request(
            "/accounts/login/",
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        )
        assert any(c.name == "sessionid" for c in self.jar), f"{username} did not log in"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="sv_faults")
    parser.add_argument("--redis-port", type=int, default=6391)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--quantity", type=int, default=5000)
    parser.add_argument("--keep-db", action="store_true", help="reuse a seeded --db")
    opts = parser.parse_args()

    run = Path(tempfile.mkdtemp(prefix="sv-faults-"))
    base = f"http://127.0.0.1:{opts.port}"
    server_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    db_url = server_url.rsplit("/", 1)[0] + "/" + opts.db
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "REDIS_URL": f"redis://127.0.0.1:{opts.redis_port}/0",
        "SECRET_KEY": "faults-bench-secret-key-not-for-production-0123456789",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": base,
        "MEDIA_ROOT": str(run / "media"),
        "PRIVATE_MEDIA_ROOT": str(run / "private"),
        "STATIC_ROOT": str(run / "static"),
        "DJANGO_SETTINGS_MODULE": "smartvillage.settings",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("CELERY_WORKER_RUNNING", None)
    os.environ.update(env)
    procs: dict[str, subprocess.Popen] = {}

    def start(name: str, args: list[str]) -> None:
        log = open(run / f"{name}.log", "a")
        procs[name] = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=log)

    def stop(name: str, sig=signal.SIGTERM) -> None:
        proc = procs.pop(name, None)
        if proc and proc.poll() is None:
            proc.send_signal(sig)  # our own child, by its pid
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def start_redis():
        start("redis", ["redis-server", "--port", str(opts.redis_port), "--bind", "127.0.0.1",
                        "--save", "", "--appendonly", "no"])  # fmt: skip
        wait_port(opts.redis_port)

    def start_worker():
        start("worker", [PY, "-m", "celery", "-A", "smartvillage", "worker", "--pool=solo",
                         "--loglevel=INFO", "-n", f"faults{time.monotonic_ns()}@%h"])  # fmt: skip
        deadline = time.monotonic() + 60
        while " ready." not in (run / "worker.log").read_text().rsplit("--- start", 1)[-1]:
            if time.monotonic() > deadline:
                raise RuntimeError("worker did not start")
            time.sleep(0.2)

    figures: list[tuple[str, str]] = []
    try:
        psql = ["psql", server_url.rsplit("/", 1)[0] + "/postgres", "-qc"]
        manage = [PY, "manage.py"]
        if not opts.keep_db:
            subprocess.run([*psql, f"DROP DATABASE IF EXISTS {opts.db} WITH (FORCE)"], check=True)
            subprocess.run([*psql, f"CREATE DATABASE {opts.db}"], check=True)
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env,
                       check=True)  # fmt: skip
        print("seeding the demo data ...", flush=True)
        subprocess.run(
            [*manage, "seed_demo", "--password", PASSWORD],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip (idempotent)
        subprocess.run([*manage, "shell", "-c", "from ocop.models import StampBatch; "
                        "StampBatch.objects.filter(lot_code__startswith='FAULT-').delete()"],
                       cwd=ROOT, env=env, check=True)  # fmt: skip

        import django

        sys.path.insert(0, str(ROOT))
        django.setup()
        from django.urls import reverse
        from openpyxl import Workbook

        from core.models import PendingTask
        from criteria.models import RollupRun
        from households.importer import COLUMNS, INLINE_MAX_ROWS
        from households.models import HouseholdImport
        from ocop.models import Product, Stamp, StampBatch
        from villages.models import Commune, Village

        start_redis()
        start_worker()
        start("beat", [PY, "-m", "celery", "-A", "smartvillage", "beat", "--loglevel=INFO",
                       f"--schedule={run / 'beat-schedule'}"])  # fmt: skip
        start("gunicorn", [str(ROOT / ".venv/bin/gunicorn"), "smartvillage.wsgi:application",
                           "--bind", f"127.0.0.1:{opts.port}", "--workers", "2",
                           "--no-control-socket"])  # fmt: skip
        wait_port(opts.port)
        commune = Commune.objects.get(code="06913")
        village = Village.objects.filter(commune=commune).order_by("number").first()
        product = Product.objects.filter(stars__gte=3, producer__village__commune=commune).first()
        official, leader = Browser(base), Browser(base)
        official.login("official")
        leader.login("leader01")

        # --- 1. Redis stopped --------------------------------------------------------------
        stop("redis", signal.SIGKILL)
        status, body, took = official.request("/healthz")
        figures.append(("/healthz with Redis stopped", f"{status} in {took:.2f} s"))
        status, body, took = official.request("/")
        figures.append(("home page with Redis stopped", f"{status} in {took:.2f} s"))

        token = official.token("/admin/ocop/stampbatch/add/")
        status, body, took = official.request(
            "/admin/ocop/stampbatch/add/",
            {"product": product.pk, "lot_code": "FAULT-WAIT", "produced_on": "01/03/2025",
             "quantity": "40", "csrfmiddlewaretoken": token},
        )  # fmt: skip
        figures.append(("stamp batch in the admin, Redis stopped",
                        f"{status} in {took:.2f} s, message: {WAITING in body}"))  # fmt: skip

        path = reverse("criteria:rollup_now", args=[commune.code])
        token = official.token(reverse("criteria:commune_checklist", args=[commune.code]))
        status, body, took = official.request(path, {"csrfmiddlewaretoken": token})
        figures.append(('"roll up now", Redis stopped',
                        f"{status} in {took:.2f} s, message: {WAITING in body}"))  # fmt: skip

        workbook = Workbook()
        workbook.active.append([key for key, _label, _req in COLUMNS])
        for i in range(INLINE_MAX_ROWS + 1):  # large enough for the worker
            workbook.active.append([village.name, str(9000 + i), "", "", "", "", "",
                                    f"Người Nhập {i}", "Chủ hộ", "01/02/1980", "Nam", "", "",
                                    "", "", "", "0", "", ""])  # fmt: skip
        out = io.BytesIO()
        workbook.save(out)
        token = leader.token(reverse("households:import_start"))
        status, body, took = leader.request(
            reverse("households:import_start"),
            {"csrfmiddlewaretoken": token},
            files={"file": ("ho.xlsx", out.getvalue())},
        )
        figures.append((f"import of {INLINE_MAX_ROWS + 1} rows, Redis stopped",
                        f"{status} in {took:.2f} s, message: {WAITING in body}"))  # fmt: skip
        waiting = list(PendingTask.objects.values_list("task", flat=True))
        figures.append(("jobs recorded as waiting", ", ".join(sorted(waiting))))

        # --- 2. Redis back, requeue_pending once -------------------------------------------
        start_redis()
        back = time.monotonic()
        result = subprocess.run([*manage, "requeue_pending"], cwd=ROOT, env=env,
                                capture_output=True, text=True)  # fmt: skip
        figures.append(("manage.py requeue_pending", result.stdout.strip() or result.stderr[-300:]))
        batch = StampBatch.objects.get(lot_code="FAULT-WAIT")
        job = HouseholdImport.objects.latest("pk")
        run_ = RollupRun.objects.filter(commune=commune).latest("pk")
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            batch.refresh_from_db()
            job.refresh_from_db()
            run_.refresh_from_db()
            if (
                batch.status == "ready"
                and run_.status == "done"
                and job.status in ("preview", "invalid")
            ):
                break
            time.sleep(0.5)
        figures.append(("Redis back -> every waiting job done", f"{time.monotonic() - back:.1f} s"))
        figures.append(("... batch", f"{batch.status}, {batch.stamps.count()} stamps of 40, "
                                     f"{batch.attempts} render(s)"))  # fmt: skip
        figures.append(
            (
                "... roll-up request",
                f"{run_.status}, runs after the request: "
                f"{RollupRun.objects.filter(commune=commune, pk__gte=run_.pk).count()}",
            )
        )
        figures.append(("... import", f"{job.status}, {job.total_rows} rows"))

        # --- 3. Worker SIGKILL mid-batch ---------------------------------------------------
        token = official.token("/admin/ocop/stampbatch/add/")
        official.request(
            "/admin/ocop/stampbatch/add/",
            {"product": product.pk, "lot_code": "FAULT-KILL", "produced_on": "01/03/2025",
             "quantity": str(opts.quantity), "csrfmiddlewaretoken": token},
        )  # fmt: skip
        big = StampBatch.objects.get(lot_code="FAULT-KILL")
        while True:
            big.refresh_from_db()
            if big.status == "rendering" and big.progress > 0:
                break
            time.sleep(0.1)
        at_kill = big.progress
        stop("worker", signal.SIGKILL)
        killed = time.monotonic()
        with open(run / "worker.log", "a") as log:
            log.write("--- start\n")
        start_worker()
        while True:
            big.refresh_from_db()
            if big.status == "ready" or time.monotonic() - killed > 600:
                break
            time.sleep(0.5)
        stamps = Stamp.objects.filter(batch=big)
        figures.append((f"worker killed at {at_kill}/{opts.quantity} labels -> ready again",
                        f"{time.monotonic() - killed:.1f} s ({big.status})"))  # fmt: skip
        distinct = stamps.values("serial").distinct().count()
        figures.append(("... stamps", f"{stamps.count()} ({distinct} distinct serials), "
                                      f"{big.attempts} render attempts"))  # fmt: skip
    finally:
        for name in list(procs):
            stop(name)
    print("\n| case | measured |\n|---|---|")
    for name, value in figures:
        print(f"| {name} | {value} |")
    print(f"\nlogs: {run}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
