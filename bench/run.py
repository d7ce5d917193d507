"""The benchmark: province-scale data on PostgreSQL, each case vs a reference of the same run.

    make bench                                   # = .venv/bin/python bench/run.py
    .venv/bin/python bench/run.py --scale 5x10x200 --http-seconds 10   # quick, reduced scale

Needs DATABASE_URL pointing at a PostgreSQL server (postgres://user@host:5432/anything): the runner
uses its own database on that server, `smartvillage_bench` (--database), created if missing,
migrated, and filled once with `manage.py seed_scale` (--reseed to regenerate). Redis, when
reachable at REDIS_URL (default redis://127.0.0.1:6379/13), serves the cache like in production.
`wrk` (Debian package `wrk`) drives the HTTP case; without it a bounded Python load loop is used.

Prints a table (median of several runs, the reference, their ratio, the target, met or not, query
counts) and writes it as JSON to bench/results/<UTC time>.json and bench/results/latest.json.
See bench/README.md for the cases, the targets and the latest figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
PYTHON = sys.executable
sys.path.insert(0, str(ROOT))


# --- Set-up -------------------------------------------------------------------------------------


def fail(sentence: str) -> None:
    print(f"bench: {sentence}", file=sys.stderr)
    sys.exit(2)


def database_url(database: str) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        fail(
            "the benchmark runs on PostgreSQL only. Set DATABASE_URL to your server, e.g.\n"
            "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres make bench\n"
            f"(it uses its own database '{database}' on that server, created if missing; "
            "your data is untouched)."
        )
    parts = urlparse(url)
    return urlunparse(parts._replace(path=f"/{database}"))


def ensure_database(url: str) -> None:
    import psycopg2

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = urlunparse(parts._replace(path="/postgres"))
    try:
        conn = psycopg2.connect(admin, connect_timeout=5)
    except psycopg2.OperationalError as exc:
        fail(f"cannot connect to PostgreSQL at {parts.hostname}:{parts.port or 5432}: {exc}")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")
    conn.close()


def redis_reachable(url: str) -> bool:
    parts = urlparse(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def setup_environment(args) -> dict:
    url = database_url(args.database)
    ensure_database(url)
    env = {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-secret-key-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "60",
    }
    redis_url = args.redis_url
    env["REDIS_URL"] = redis_url if (args.redis and redis_reachable(redis_url)) else ""
    env["BENCH_KEY_PREFIX"] = args.key_prefix
    os.environ.update(env)
    return env


def own_keys_delete() -> int:
    """Delete the runner's own cache keys (its key prefix) - never a FLUSHDB: the Redis database
    may hold other data (Celery, another run). Called only outside timed regions."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    from core import local_cache
    from ocop import stamp_cache

    stamp_cache.reset_local()  # the runner's process-local stamp pages are its own too
    local_cache.reset_public()  # and its process-local public pages (core.local_cache)
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        backend.clear()  # the in-process locmem cache is the runner's own
        return 0
    client = backend._cache.get_client(write=True)
    prefix = os.environ.get("BENCH_KEY_PREFIX", "bench")
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start : start + 500])
    return len(keys)


def manage(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, str(ROOT / "manage.py"), *argv], cwd=ROOT, check=True)


# --- Measuring ----------------------------------------------------------------------------------


def timed(function, repeat: int, warmup: int = 1) -> tuple[float, list[float]]:
    for _ in range(warmup):
        function()
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs), runs


def spread(runs: list[float]) -> dict:
    ordered = sorted(runs)
    return {"samples": len(runs), "min": ordered[0], "max": ordered[-1]}


def interleaved(functions: dict, samples: int, warmup: int = 1) -> dict:
    """Each function warmed up, then timed `samples` times in turns (a, b, a, b, ...) so that a
    load change on the shared machine hits all of them alike: {name: (median, runs)}."""
    for _ in range(warmup):
        for function in functions.values():
            function()
    runs = {name: [] for name in functions}
    for _ in range(samples):
        for name, function in functions.items():
            started = time.perf_counter()
            function()
            runs[name].append(time.perf_counter() - started)
    return {name: (statistics.median(r), r) for name, r in runs.items()}


class Results:
    def __init__(self):
        self.rows: list[dict] = []

    def add(self, case: str, value, reference=None, *, unit="s", target="", met=None, **extra):
        ratio = (value / reference) if (value is not None and reference) else None
        row = {
            "case": case,
            "value": value,
            "unit": unit,
            "reference": reference,
            "ratio": ratio,
            "target": target,
            "met": met,
            **extra,
        }
        self.rows.append(row)
        self.print_row(row)
        return row

    @staticmethod
    def fmt(value, unit) -> str:
        if value is None:
            return "-"
        if unit == "s":
            return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"
        if unit == "MB":
            return f"{value:.0f} MB"
        if unit == "req/s":
            return f"{value:.0f} req/s"
        return f"{value}"

    def print_row(self, row) -> None:
        met = {True: "yes", False: "NO", None: ""}[row["met"]]
        ratio = f"{row['ratio']:.2f}" if row["ratio"] is not None else "-"
        runs = row.get("runs")
        if runs and row["unit"] in ("s", "req/s"):
            low, high = min(runs), max(runs)
            row.setdefault("spread", {"samples": len(runs), "min": low, "max": high})
        queries = row.get("queries")
        layout = row.get("ratio_to_layout")
        print(
            f"{row['case'][:44]:44} {self.fmt(row['value'], row['unit']):>12} "
            f"{self.fmt(row['reference'], row['unit']):>12} {ratio:>6} "
            f"{row['target'][:22]:22} {met:4} {'' if queries is None else queries:>4}"
            f"{'' if layout is None else f'   {layout:.2f}'}"
            + (
                f"   [{row['spread']['samples']} samples "
                f"{self.fmt(row['spread']['min'], row['unit'])}-"
                f"{self.fmt(row['spread']['max'], row['unit'])}]"
                if row.get("spread")
                else ""
            ),
            flush=True,
        )


# --- Cases --------------------------------------------------------------------------------------


def scale_communes():
    from bench.scale import scale_commune_codes
    from villages.models import Commune

    codes = scale_commune_codes()
    return list(Commune.objects.filter(code__in=codes).order_by("province_code", "code"))


def case_rollups(results: Results, communes, args) -> None:
    """The roll-up vs a like-for-like reference: the very SQL statements the roll-up sends
    (read, lock, snapshot writes), replayed through a bare cursor. Both run in a transaction
    that is rolled back, both warmed up, interleaved, median of --repeat samples (>= 5). The
    ratio is the cost of the ORM and Python around the same database work. The first round's
    reference (10 hand-written village aggregates, counts only) is printed as information."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bench.criteria_rollup import HAND_SQL, hand_written
    from criteria.services import rollup_commune

    on = timezone.localdate()
    samples = max(5, args.repeat)

    def orm(targets):
        def run():
            with transaction.atomic():
                for commune in targets:
                    rollup_commune(commune=commune, on=on, trigger="bench")
                transaction.set_rollback(True)

        return run

    statements = {}
    for commune in communes:  # the statements of one real roll-up per commune (rolled back)
        with transaction.atomic():
            with CaptureQueriesContext(connection) as ctx:
                rollup_commune(commune=commune, on=on, trigger="bench")
            transaction.set_rollback(True)
        statements[commune.pk] = [q["sql"] for q in ctx.captured_queries]

    def replay(targets):
        def run():
            with transaction.atomic():
                with connection.cursor() as cursor:
                    for commune in targets:
                        for sql in statements[commune.pk]:
                            cursor.execute(sql)
                            if cursor.description is not None:
                                cursor.fetchall()
                transaction.set_rollback(True)

        return run

    def counts_only(targets):
        def run():
            for commune in targets:
                hand_written(commune, on)

        return run

    one = communes[:1]
    timing = interleaved(
        {"orm": orm(one), "replay": replay(one), "hand": counts_only(one)}, samples
    )
    (value, runs), (reference, ref_runs) = timing["orm"], timing["replay"]
    results.add(
        f"roll-up, one commune ({one[0].code})",
        value,
        reference,
        target="<= 2x, < 2 s",
        met=value <= 2 * reference and value < 2,
        queries=len(statements[one[0].pk]),
        runs=runs,
        reference_runs=ref_runs,
        reference_label="the roll-up's own SQL replayed by a cursor, rolled back",
    )
    results.add(
        f"  info: {len(HAND_SQL)} hand-written aggregates (round 1)",
        timing["hand"][0],
        None,
        runs=timing["hand"][1],
    )
    timing = interleaved({"orm": orm(communes), "replay": replay(communes)}, samples)
    (value, runs), (reference, ref_runs) = timing["orm"], timing["replay"]
    results.add(
        f"roll-up, all {len(communes)} communes",
        value,
        reference,
        target="<= 2x, < 60 s",
        met=value <= 2 * reference and value < 60,
        runs=runs,
        reference_runs=ref_runs,
    )
    # The pages read the latest snapshots: store one real roll-up of every scale commune.
    for commune in communes:
        rollup_commune(commune=commune, on=on, trigger="bench")


def many_clients_class():
    from django.test import Client

    class ManyClients(Client):
        """A test client whose every request comes from another address (X-Forwarded-For)."""

        counter = 0

        def get(self, path, *args, **kwargs):
            ManyClients.counter += 1
            n = ManyClients.counter
            kwargs.setdefault(
                "HTTP_X_FORWARDED_FOR", f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
            )
            return super().get(path, *args, **kwargs)

    return ManyClients


def case_pages(results: Results, communes, args) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.scale import USER_PREFIX, official_username
    from households.models import Household
    from ocop.models import Stamp
    from villages.models import Village

    ManyClients = many_clients_class()
    User = get_user_model()
    commune = communes[0]
    village = Village.objects.filter(commune=commune).order_by("number").first()
    households = Household.objects.filter(village=village).count()
    official = User.objects.get(username=official_username(commune.code))
    leader = User.objects.get(username=f"{USER_PREFIX}{village.code}-leader")
    stamp = (
        Stamp.objects.filter(batch__product__producer__village__commune=commune, revoked=False)
        .order_by("pk")
        .first()
    )
    from villages.roles import make_province_office

    province_user, _ = User.objects.get_or_create(
        username=f"{USER_PREFIX}{commune.province_code}-province"
    )
    make_province_office(province_user, commune.province_code)
    anonymous, as_official, as_leader = ManyClients(), ManyClients(), ManyClients()
    as_province = ManyClients()
    as_official.force_login(official)
    as_leader.force_login(leader)
    as_province.force_login(province_user)
    page_runs: dict[str, tuple[list, list]] = {}

    def measure(client, url, reference_url="/bench/trivial/"):
        """(status, median page time, queries, median reference time), requests interleaved
        page / reference so that a load change on the shared machine hits both alike; warmed
        up; the runs of both are kept (page_runs[url]) for the spread."""
        response = client.get(url)
        status = response.status_code
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        queries = len(ctx.captured_queries)  # read now: each request resets connection.queries
        timing = interleaved(
            {"page": lambda: client.get(url), "ref": lambda: client.get(reference_url)},
            max(5, args.page_repeat),
        )
        page_runs[url] = (timing["page"][1], timing["ref"][1])
        return status, timing["page"][0], queries, timing["ref"][0]

    references, layouts = {}, {}
    for label, client in (
        ("anonymous", anonymous),
        ("official", as_official),
        ("leader", as_leader),
        ("province", as_province),
    ):
        status, value, queries, _ref = measure(client, "/bench/trivial/")
        assert status == 200, status
        references[label] = value
        results.add(
            f"trivial view ({label})",
            value,
            None,
            queries=queries,
            runs=page_runs["/bench/trivial/"][0],
        )
        status, value, queries, _ref = measure(client, "/bench/layout/")
        layouts[label] = value
        results.add(
            f"  tiny page in base.html ({label})",
            value,
            None,
            queries=queries,
            runs=page_runs["/bench/layout/"][0],
        )

    serial = stamp.serial if stamp else "NONE"
    pages = [
        # (label, client, who, url, max ratio)
        ("stamp page /s/<serial>", anonymous, "anonymous", f"/s/{serial}", 2),
        (
            f"village dashboard /villages/{village.code}/",
            anonymous,
            "anonymous",
            f"/villages/{village.code}/",
            4,
        ),
        (
            f"commune page /communes/{commune.code}/",
            anonymous,
            "anonymous",
            f"/communes/{commune.code}/",
            4,
        ),
        (
            "commune checklist /criteria/communes/<code>/",
            as_official,
            "official",
            f"/criteria/communes/{commune.code}/",
            4,
        ),
        (f"field list /field/ (leader, {households} hh)", as_leader, "leader", "/field/", 4),
        ("field list /field/ (official, commune)", as_official, "official", "/field/", 4),
        ("follow-up /field/followup/ (leader)", as_leader, "leader", "/field/followup/", 4),
        ("official dashboard /dashboard/", as_official, "official", "/dashboard/", 4),
        ("payments /payments/ (official)", as_official, "official", "/payments/", 4),
        ("OCOP catalogue /ocop/", anonymous, "anonymous", "/ocop/", 4),
        ("home /", anonymous, "anonymous", "/", 4),
        # Issue 17: the provincial office's overview of every commune, and the read API.
        (
            f"province overview /province/{commune.province_code}/",
            as_province,
            "province",
            f"/province/{commune.province_code}/",
            4,
        ),
        ("API /api/v1/communes/ (province)", as_province, "province", "/api/v1/communes/", 4),
        (
            "API /api/v1/assessments/?commune= (province)",
            as_province,
            "province",
            f"/api/v1/assessments/?commune={commune.code}",
            4,
        ),
    ]

    for label, client, who, url, limit in pages:
        status, value, queries, reference = measure(client, url, REFERENCE[who])
        if status != 200:
            results.add(
                label,
                None,
                reference,
                target=f"<= {limit}x",
                met=None,
                queries=None,
                status=status,
                note=f"HTTP {status}: skipped",
            )
            continue
        results.add(
            label,
            value,
            reference,
            target=f"<= {limit}x",
            met=value <= limit * reference,
            queries=queries,
            ratio_to_layout=value / layouts[who],
            runs=page_runs[url][0],
            reference_runs=page_runs[url][1],
            url=url,
        )
        if url.startswith(("/villages/", "/communes/", "/s/")):
            # Cached pages: the cold path too. The runner's own cache keys are deleted before
            # each sample, outside the timed region (never a FLUSHDB), reference interleaved.
            cold_runs, ref_runs = [], []
            own_keys_delete()
            with CaptureQueriesContext(connection) as ctx:
                client.get(url)
            queries = len(ctx.captured_queries)
            for _ in range(max(5, args.page_repeat // 3)):
                own_keys_delete()
                started = time.perf_counter()
                client.get(url)
                cold_runs.append(time.perf_counter() - started)
                started = time.perf_counter()
                client.get(REFERENCE[who])
                ref_runs.append(time.perf_counter() - started)
            value = statistics.median(cold_runs)
            results.add(
                "  same, cache cold",
                value,
                statistics.median(ref_runs),
                queries=queries,
                ratio_to_layout=value / layouts[who],
                runs=cold_runs,
                reference_runs=ref_runs,
            )
    own_keys_delete()
    return {"commune": commune.code, "village": village.code, "households": households}


def case_search(results: Results, communes, args) -> dict:
    """Accent-insensitive search (issue 14): the field list and the admin's resident list with a
    search term vs the same page without one, in the same run, with the query plans."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from bench.scale import USER_PREFIX, official_username
    from households.models import Resident
    from households.views import _household_list_queryset
    from villages.models import Village

    ManyClients = many_clients_class()
    User = get_user_model()
    commune = communes[0]
    village = Village.objects.filter(commune=commune).order_by("number").first()
    official = User.objects.get(username=official_username(commune.code))
    leader = User.objects.get(username=f"{USER_PREFIX}{village.code}-leader")
    as_official, as_leader = ManyClients(), ManyClients()
    as_official.force_login(official)
    as_leader.force_login(leader)
    in_commune = Resident.objects.filter(household__village__commune=commune)
    rare = (
        in_commune.values("search_key").annotate(n=Count("pk")).filter(n__gte=2).order_by("n")
    ).first()
    rare_name = rare["search_key"] if rare else "mai thi loan"

    def measure(client, url, reference_url):
        client.get(url)
        client.get(reference_url)
        with CaptureQueriesContext(connection) as ctx:
            status = client.get(url).status_code
        queries = len(ctx.captured_queries)
        page, ref = [], []
        for _ in range(args.page_repeat):
            for target, runs in ((url, page), (reference_url, ref)):
                started = time.perf_counter()
                client.get(target)
                runs.append(time.perf_counter() - started)
        return status, statistics.median(page), queries, statistics.median(ref)

    quoted = rare_name.replace(" ", "+")
    cases = [
        ("search /field/?q=nguyen van (leader)", as_leader, "/field/?q=nguyen+van", "/field/"),
        ("search /field/?q=NGUYỄN VĂN (official)", as_official,
         "/field/?q=NGUY%E1%BB%84N+V%C4%82N", "/field/"),
        (f"search /field/?q={rare_name} (official, rare)", as_official, f"/field/?q={quoted}",
         "/field/"),
        ("admin residents ?q=nguyen van (official)", as_official,
         "/admin/households/resident/?q=nguyen+van", "/admin/households/resident/"),
        (f"admin residents ?q={rare_name} (official)", as_official,
         f"/admin/households/resident/?q={quoted}", "/admin/households/resident/"),
    ]  # fmt: skip
    for label, client, url, reference_url in cases:
        status, value, queries, reference = measure(client, url, reference_url)
        results.add(
            label,
            value if status == 200 else None,
            reference,
            target="<= 4x same page, no term",
            met=(value <= 4 * reference) if status == 200 else None,
            queries=queries,
            status=status,
        )
    plans = {}
    for who, user in (("official", official), ("leader", leader)):
        for term in ("nguyen van", rare_name):
            qs = _household_list_queryset(user, q=term)
            page_plan = qs[:25].explain(analyze=True, buffers=True)
            count_plan = qs.order_by().values("pk").explain(analyze=True, buffers=True)
            plans[f"{who} q={term!r} page"] = page_plan
            plans[f"{who} q={term!r} count"] = count_plan
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname IN "
            "('resident_search_trgm', 'household_search_trgm')"
        )
        indexes = sorted(r[0] for r in cursor.fetchall())
    print("\nsearch query plans (EXPLAIN ANALYZE, BUFFERS); trigram indexes:", indexes)
    for name, plan in plans.items():
        print(f"\n--- {name}\n{plan}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "search_plans.txt").write_text(
        "\n\n".join(f"--- {k}\n{v}" for k, v in plans.items()), encoding="utf-8"
    )
    return {"search_rare_name": rare_name, "trigram_indexes": indexes}


REFERENCE = {who: "/bench/trivial/" for who in ("anonymous", "official", "leader", "province")}

WRK_SCRIPT = """
local paths = {%(paths)s}
local counter = 0
request = function()
  counter = counter + 1
  -- one client address per request (many buyers); see bench/settings.py TRUSTED_PROXY_COUNT
  local ip = string.format("10.%%d.%%d.%%d", math.random(0, 255), math.random(0, 255),
                           math.random(1, 254))
  return wrk.format("GET", paths[(counter %% #paths) + 1], {["X-Forwarded-For"] = ip})
end
done = function(summary, latency, requests)
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, "write": %%d, ' ..
    '"status": %%d, "timeout": %%d, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d}\\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load(url_base: str, paths: list[str], seconds: int, connections: int) -> dict:
    """requests/s, p95 and errors for `seconds` of GETs cycling through `paths`."""
    if shutil.which("wrk"):
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(WRK_SCRIPT % {"paths": ", ".join(f'"{p}"' for p in paths)})
        out = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", script.name, url_base],
            capture_output=True,
            text=True,
            check=True,
        )
        os.unlink(script.name)
        line = next(x for x in out.stdout.splitlines() if x.startswith("WRKJSON "))
        data = json.loads(line[len("WRKJSON ") :])
        errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
        return {
            "tool": "wrk",
            "requests": data["requests"],
            "rps": data["requests"] / (data["duration_us"] / 1e6),
            "p50": data["p50_us"] / 1e6,
            "p95": data["p95_us"] / 1e6,
            "p99": data["p99_us"] / 1e6,
            "errors": errors,
        }
    from bench.http_load import run_load

    return {"tool": "python", **run_load(url_base, paths, seconds, connections)}


def visit_once(base: str, paths: list[str], connections: int) -> None:
    """GET every path once, `connections` at a time (one client address each)."""
    import concurrent.futures
    import urllib.request

    def get(numbered):
        n, path = numbered
        request = urllib.request.Request(
            base + path, headers={"X-Forwarded-For": f"10.200.{n >> 8 & 255}.{n & 255}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    with concurrent.futures.ThreadPoolExecutor(connections) as pool:
        list(pool.map(get, enumerate(paths)))


def case_http(results: Results, communes, args) -> None:
    from ocop.models import Stamp

    serials = list(
        Stamp.objects.filter(revoked=False, batch__status="ready", batch__revoked_at=None)
        .order_by("pk")
        .values_list("serial", flat=True)[:2000]
    )
    port = free_port()
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "smartvillage.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    fail("gunicorn did not start")
                time.sleep(0.3)
        from bench.http_load import run_load
        from ocop import stamp_cache
        from ocop.models import StampScan

        stamp_paths = [f"/s/{s}" for s in serials]
        # Warm-up: both workers, then every serial's page once (its first scan renders it:
        # that cost is the "same, cache cold" row of the pages case).
        run_load(base, ["/bench/trivial/", stamp_paths[0]], 2, 2)
        visit_once(base, stamp_paths, args.connections)
        # The beat task's work, done here every STAMP_SCAN_FLUSH_EVERY s during the load (on
        # the same machine, as a worker would): the scans go into the scan table.
        stamp_cache.flush()
        scans_before = StampScan.objects.count()
        stop = threading.Event()
        flushed = []

        def flusher():
            while not stop.wait(5):
                flushed.append(stamp_cache.flush())

        thread = threading.Thread(target=flusher, daemon=True)
        thread.start()
        # Interleaved rounds (trivial, stamp, trivial, ...): medians of >= 5 rounds each.
        rounds = max(5, args.http_rounds)
        seconds = max(2, args.http_seconds // rounds)
        trivial_runs, stamp_runs = [], []
        for _ in range(rounds):
            trivial_runs.append(load(base, ["/bench/trivial/"], seconds, args.connections))
            stamp_runs.append(load(base, stamp_paths, seconds, args.connections))
        stop.set()
        thread.join()
        # The workers keep up to STAMP_LOCAL_RECHECK s of scans in memory (ocop/stamp_cache.py):
        # a graceful stop pushes them (exit hook), then the last flush writes every scan.
        server.terminate()
        server.wait(timeout=30)
        flushed.append(stamp_cache.flush())
        scans_written = StampScan.objects.count() - scans_before
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=30)

    def combine(runs):
        middle = sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]
        return {
            **middle,
            "errors": sum(r["errors"] for r in runs),
            "requests": sum(r["requests"] for r in runs),
            "runs": [r["rps"] for r in runs],
        }

    trivial, stamp = combine(trivial_runs), combine(stamp_runs)
    results.add(
        f"HTTP trivial view ({trivial['tool']}, 2 workers)",
        trivial["rps"],
        None,
        unit="req/s",
        p95=trivial["p95"],
        errors=trivial["errors"],
        requests=trivial["requests"],
        runs=trivial["runs"],
    )
    ok = stamp["errors"] == 0 and stamp["rps"] >= 0.5 * trivial["rps"]
    # wrk counts the requests it saw answered; each of its runs leaves up to one request per
    # connection in flight when it stops, which the server still answers and counts.
    in_flight = args.connections * (len(stamp_runs) + 1)
    counted = stamp["requests"] <= scans_written <= stamp["requests"] + in_flight
    results.add(
        f"HTTP stamp page, every scan counted ({stamp['tool']})",
        stamp["rps"],
        trivial["rps"],
        unit="req/s",
        target=">= 0.5x, 0 errors",
        met=ok and counted,
        p95=stamp["p95"],
        errors=stamp["errors"],
        requests=stamp["requests"],
        runs=stamp["runs"],
        scan_rows_written=scans_written,
        flushes=flushed,
    )
    print(
        f"    p95 trivial {trivial['p95'] * 1000:.1f} ms, stamp {stamp['p95'] * 1000:.1f} ms; "
        f"errors trivial {trivial['errors']}, stamp {stamp['errors']}; {stamp['requests']:,} "
        f"stamp requests, {scans_written:,} scan rows written by {len(flushed)} flushes"
    )


def run_json(*argv: str) -> dict:
    out = subprocess.run([PYTHON, *argv], cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        print(out.stderr[-3000:], file=sys.stderr)
        raise RuntimeError(f"{argv[0]} failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def case_import(results: Results, communes, args) -> None:
    from bench.scale import official_username
    from villages.models import Village

    commune = communes[-1]
    villages = list(
        Village.objects.filter(commune=commune).order_by("number").values_list("code", flat=True)
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "import-10000.xlsx"
    script = str(BENCH / "excel_import.py")
    made = run_json(
        script,
        "make",
        str(path),
        *sum((["--village", v] for v in villages), []),
        "--households",
        str(args.import_households),
    )
    user = official_username(commune.code)
    # Issue 21 item 0: one warm-up of each (file cache, database buffers, .pyc), then read and
    # import in turns, so that a load change on the shared machine hits both alike. Each sample
    # is its own process (its peak memory is its own); the times are those the script measures
    # inside it (no interpreter start-up).
    reads, imports = [], []
    for turn in range(1 + args.import_samples):
        read = run_json(script, "read", str(path))
        imported = run_json(script, "import", str(path), "--user", user)
        if not imported["ok"]:
            print(f"    import refused the file: {imported['errors']}")
        if turn:
            reads.append(read)
            imports.append(imported)
    runs = [i["seconds"] for i in imports]
    ref_runs = [r["seconds"] for r in reads]
    value, reference = statistics.median(runs), statistics.median(ref_runs)
    ok = all(i["ok"] for i in imports)
    peak = max(i["peak_mb"] for i in imports)
    results.add(
        f"Excel import {made['households']:,} hh / {made['rows']:,} residents",
        value,
        reference,
        target="<= 5x, < 90 s",
        met=ok and value <= 5 * reference and value < 90,
        peak_mb=peak,
        reference_peak_mb=statistics.median(r["peak_mb"] for r in reads),
        counts=imported["counts"],
        runs=runs,
        reference_runs=ref_runs,
        reference_label="openpyxl alone reading the same file (read-only mode)",
    )
    results.add("  reference: openpyxl reads the file", reference, None, runs=ref_runs)
    results.add("  peak memory of the import process (max)", peak, None, unit="MB")
    path.unlink(missing_ok=True)


def case_stamps(results: Results, communes, args) -> None:
    out = run_json(str(BENCH / "stamp_batch.py"), "--quantity", str(args.stamps))
    results.add(
        f"stamp batch {out['quantity']:,} (render: {out['status']})",
        out["seconds"],
        None,
        target="",
        met=None,
    )
    results.add(
        "  peak memory of the render worker",
        out["peak_mb"],
        None,
        unit="MB",
        target="< 300 MB",
        met=out["peak_mb"] < 300 and out["status"] == "ready",
    )


# --- Main ---------------------------------------------------------------------------------------


# The cases, in the order they run (--only picks some). A new case: a function
# (results, communes, args) -> dict | None that calls results.add(...) with its reference from the
# same run (use interleaved() for warm-up, turns and samples), registered here and described in
# bench/README.md's table.
def case_rollup_batch(results: Results, communes, args):
    """Issue 21 item 4: batched and incremental roll-ups (bench/rollup_batch.py)."""
    from bench import rollup_batch

    return rollup_batch.case(results, communes, args)


def case_warm(results: Results, communes, args):
    """Issue 21 item 3: the first visitor after a roll-up, with the background warm job
    (bench/warm_pages.py)."""
    from bench import warm_pages

    return warm_pages.case(results, communes, args)


CASES = {
    "rollup": case_rollups,
    "rollup-batch": case_rollup_batch,
    "pages": case_pages,
    "warm": case_warm,
    "http": case_http,
    "search": case_search,
    "import": case_import,
    "stamps": case_stamps,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="smartvillage_bench")
    parser.add_argument(
        "--scale",
        default="50x10x800",
        help="communes x villages x households per village (default 50x10x800)",
    )
    parser.add_argument("--reseed", action="store_true", help="delete and regenerate the data")
    parser.add_argument("--repeat", type=int, default=5, help="runs per roll-up case")
    parser.add_argument("--page-repeat", type=int, default=21, help="requests per page")
    parser.add_argument("--http-seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--http-rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
        help="the runner's Redis database (cache, scan buffer); only its own keys are deleted",
    )
    parser.add_argument(
        "--key-prefix", default="bench", help="cache key prefix of the runner's keys"
    )
    parser.add_argument("--out", default="", help="also write bench/results/<out>.json")
    # IMPORT_MAX_ROWS (20,000 rows a file): 5,000 households are ~17,500 resident rows.
    parser.add_argument("--import-households", type=int, default=5_000)
    parser.add_argument(
        "--import-samples", type=int, default=5, help="read/import pairs after one warm-up"
    )
    parser.add_argument("--stamps", type=int, default=10_000)
    parser.add_argument(
        "--only", default="", help="comma list of cases (see CASES): rollup,pages,http,..."
    )
    parser.add_argument("--no-redis", dest="redis", action="store_false")
    args = parser.parse_args()
    try:
        n_communes, n_villages, n_households = (int(x) for x in args.scale.lower().split("x"))
    except ValueError:
        fail("--scale is communes x villages x households, e.g. 50x10x800")
    only = {x.strip() for x in args.only.split(",") if x.strip()}
    env = setup_environment(args)
    started = time.perf_counter()
    print(
        f"bench: database {args.database}, cache "
        f"{env['REDIS_URL'] + ' prefix ' + args.key_prefix if env['REDIS_URL'] else 'locmem'}"
    )
    manage("migrate", "--noinput", "-v", "0")
    seed = None
    import django

    django.setup()
    from households.models import Household, Resident

    communes = scale_communes()
    if args.reseed or not communes:
        argv = [
            "seed_scale",
            "--communes",
            str(n_communes),
            "--villages-per-commune",
            str(n_villages),
            "--households-per-village",
            str(n_households),
            "--reset",
        ]
        t0 = time.perf_counter()
        child = subprocess.run(
            [PYTHON, str(ROOT / "manage.py"), *argv], cwd=ROOT, capture_output=True, text=True
        )
        print(child.stdout[-1500:])
        if child.returncode:
            print(child.stderr[-3000:], file=sys.stderr)
            fail("seed_scale failed")
        seed = {
            "seconds": time.perf_counter() - t0,
            "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        }
        communes = scale_communes()
    households = Household.objects.filter(village__commune__in=communes).count()
    residents = Resident.objects.filter(household__village__commune__in=communes).count()
    print(
        f"data: {len(communes)} scale communes, {households:,} households, {residents:,} residents"
    )
    results = Results()
    if seed:
        results.add(
            f"seed_scale {args.scale} ({households:,} hh)",
            seed["seconds"],
            None,
            target="< 600 s, < 1 GB",
            met=seed["seconds"] < 600 and seed["peak_mb"] < 1024,
            peak_mb=seed["peak_mb"],
        )
        results.add("  peak memory of seed_scale", seed["peak_mb"], None, unit="MB")
    print(
        f"{'case':44} {'median':>12} {'reference':>12} {'ratio':>6} {'target':22} met  "
        "queries  ratio to base.html page"
    )
    context = {}
    unknown = only - set(CASES) - {"seedonly"}
    if unknown:
        fail(f"unknown case(s) {', '.join(sorted(unknown))}; cases: {', '.join(CASES)}")
    for name, case in CASES.items():
        if not only or name in only:
            context[name] = case(results, communes, args)
    report = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "scale": {"communes": len(communes), "households": households, "residents": residents},
        "context": context,
        "seed": seed,
        "cache": "redis" if env["REDIS_URL"] else "locmem",
        "rows": results.rows,
        "seconds": time.perf_counter() - started,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    names = [f"{stamp}.json"] + ([f"{args.out}.json"] if args.out else ["latest.json"])
    for name in names:
        (RESULTS / name).write_text(json.dumps(report, indent=2, default=str))
    missed = [r["case"] for r in results.rows if r["met"] is False]
    print(
        f"\nwritten bench/results/{stamp}.json in {report['seconds']:.0f} s; "
        f"targets missed: {', '.join(missed) or 'none'}"
    )


if __name__ == "__main__":
    main()
